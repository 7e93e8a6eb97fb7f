"""Which methods exist: the built-in ones (``methods.py``), registered one line each.

``from harness.registry import METHODS, register, select``.
"""

from __future__ import annotations

from harness.registry.methods import METHODS, register, select

__all__ = ["METHODS", "register", "select"]
