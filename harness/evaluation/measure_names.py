"""Measure names as users type them: ir_measures names, and trec_eval's, shown in ir_measures' form.

``AP``, ``nDCG@10``, ``RR@10`` are ir_measures names and stay as given.  trec_eval names that
stand for one measure (``map``, ``ndcg_cut_10``, ``P_10``, ``recip_rank``; parsed by
``ir_measures.parse_trec_measure``) are accepted and become their ir_measures name (``AP``,
``nDCG@10``, ``P@10``, ``RR``), the name the board shows.  A name neither knows is reported with
suggestions (``ndcg@10``: did you mean ``nDCG@10``?), every unknown name of a list at once.
"""

from __future__ import annotations

import difflib
from collections.abc import Sequence

import ir_measures

from harness.errors import UsageError


def measure_name(name: str) -> str:
    """``name`` in ir_measures' form.  Raises UsageError (with suggestions) when neither library knows it."""
    return measure_names([name])[0]


def measure_names(names: Sequence[str]) -> list[str]:
    """Each name in ir_measures' form, in order.  Raises one UsageError naming every unknown name."""
    known, unknown = [], []
    for name in names:
        resolved = _resolve(name)
        if resolved is None:
            unknown.append(name)
        else:
            known.append(resolved)
    if unknown:
        parts = []
        for name in unknown:
            close = _suggestions(name)
            parts.append(f"{name!r} (did you mean {' or '.join(close)}?)" if close else repr(name))
        raise UsageError(f"unknown measure {', '.join(parts)}; give ir_measures names (AP, nDCG@10, R@100, RR@10, "
                         "P@10, Judged@10, ...) or trec_eval names (map, ndcg_cut_10, recall_100, recip_rank, P_10)")
    return known


def _resolve(name: str) -> str | None:
    try:
        ir_measures.parse_measure(name)
        return name
    except (ValueError, NameError, AttributeError, SyntaxError, TypeError):
        pass
    try:
        parsed = ir_measures.parse_trec_measure(name)
    except (ValueError, NameError, AttributeError, SyntaxError, TypeError, KeyError):
        return None
    return str(parsed[0]) if len(parsed) == 1 else None


def _suggestions(name: str) -> list[str]:
    """The measure in ir_measures' spelling (``ndcg@10`` -> ``nDCG@10``), else difflib's closest names."""
    measure, at, cutoff = name.partition("@")
    canonical: dict[str, str] = {}  # lower-case registry name -> canonical name with this cutoff
    for registered in ir_measures.measures.registry:
        resolved = _resolve(registered + at + cutoff)
        if resolved is not None:
            canonical.setdefault(registered.lower(), str(ir_measures.parse_measure(resolved)))
    if measure.lower() in canonical:
        return [canonical[measure.lower()]]
    close = difflib.get_close_matches(measure.lower(), list(canonical), n=3, cutoff=0.7)
    return list(dict.fromkeys(canonical[c] for c in close))
