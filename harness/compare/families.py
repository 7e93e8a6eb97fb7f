"""Multiple-testing families (``--family pair|table|all``) and their corrected p-values."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import replace

import numpy as np

from harness.compare.options import ComparisonOptions
from harness.compare.results import Comparison
from harness.stats import correct_pvalues


def family_label(comparison: Comparison, options: ComparisonOptions) -> str:
    """The family a comparison belongs to under ``options.family``; its label names what it spans."""
    columns = "mean columns" if comparison.over_group else "pairs"
    versus = f"vs {comparison.reference}" if options.baseline_mode else "all pairs of methods"
    if options.family == "pair":
        return f"{comparison.measure} · {comparison.column} · {versus}"
    if options.family == "table":
        return f"{comparison.measure} · {columns} · {versus}"
    across = "all baselines" if options.baseline_mode else "all pairs of methods"
    return f"all measures · {columns} · {across}"


def correct(
    comparisons: Iterable[Comparison], label_of: Callable[[Comparison], str], correction: str
) -> tuple[tuple[Comparison, ...], dict[str, int]]:
    """Correct the p-values of each family (comparisons with the same label) together."""
    comparisons = list(comparisons)
    members: dict[str, list[int]] = {}
    for i, comparison in enumerate(comparisons):
        members.setdefault(label_of(comparison), []).append(i)
    corrected = list(comparisons)
    sizes = {}
    for label, indices in members.items():
        p_values = np.array([comparisons[i].p_value for i in indices])
        adjusted = correct_pvalues(p_values, method=correction)
        sizes[label] = int(np.count_nonzero(~np.isnan(p_values)))  # NaN p-values are not in the family
        for i, p in zip(indices, adjusted):
            corrected[i] = replace(comparisons[i], family=label, family_size=sizes[label], p_corrected=float(p))
    return tuple(corrected), sizes
