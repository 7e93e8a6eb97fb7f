"""What a CLIR method is to the harness: the contract every method (built-in or plugin) fulfils.

``spec.py``: a registry entry (``MethodSpec``: data with metadata) and a retriever (``Retriever``:
code); ``params.py``: every method parameter, declared once with its type and range;
``profiles.py``: which models and translators a run uses.  Import ``MethodSpec``, ``Retriever``,
``Unavailable``, ``SkipReason`` and ``Ranking`` from here (``from harness.method import MethodSpec, Retriever``).
"""

from __future__ import annotations

from harness.method.spec import NEEDS, MethodSpec, Ranking, Retriever, SkipReason, Unavailable

__all__ = ["MethodSpec", "Retriever", "SkipReason", "Unavailable", "Ranking", "NEEDS"]
