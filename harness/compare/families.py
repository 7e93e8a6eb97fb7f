"""Multiple-testing families (``--family pair|table|all``) and their corrected p-values.

Rows added later do not move the rows already there: a method from outside the built-in
registry (a plugin, an imported run, a ``register()`` call) is corrected in a family of its own,
per table and baseline as the built-ins' are, unless ``--joint-family`` puts every method in one
family (then a new row can change the built-ins' corrected p-values and marks, as a larger
family must).
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Iterable
from dataclasses import replace

import numpy as np

from harness.compare.options import ComparisonOptions
from harness.compare.results import Comparison
from harness.stats import correct_pvalues


def family_label(comparison: Comparison, options: ComparisonOptions, own: Collection[str] = ()) -> str:
    """The family a comparison belongs to under ``options.family``; its label names what it spans.

    ``own``: methods corrected in a family of their own (each), unless ``options.joint_family``.
    """
    columns = "mean columns" if comparison.over_group else "pairs"
    versus = f"vs {comparison.reference}" if options.baseline_mode else "all pairs of methods"
    if options.family == "pair":
        label = f"{comparison.measure} · {comparison.column} · {versus}"
    elif options.family == "table":
        label = f"{comparison.measure} · {columns} · {versus}"
    else:
        across = "all baselines" if options.baseline_mode else "all pairs of methods"
        label = f"all measures · {columns} · {across}"
    if not options.joint_family:
        mine = [m for m in (comparison.method, comparison.reference) if m in own]
        if mine:
            label += " · " + " and ".join(mine) + " alone"
    return label


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
