"""Multiple-testing correction of a family of p-values, via statsmodels.

A family is every comparison reported together (e.g. all methods x language
pairs x measures against one baseline).  Corrected p-values are compared with
the usual alpha.  Holm is the default: it controls the family-wise error rate
like Bonferroni but is uniformly more powerful and needs no independence.
Benjamini-Hochberg controls the false discovery rate instead, assuming
independent or positively dependent p-values.

NaN p-values (a test on identical inputs, where nothing can be tested) stay NaN
and are left out of the family: the family size m is the number of non-NaN
p-values.  Counting them would only make the other corrections stricter for no
comparison that could ever be significant.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.typing import ArrayLike

from harness.errors import UsageError


@dataclass(frozen=True)
class Correction:
    name: str  # key in CORRECTIONS, as typed on the command line
    label: str  # for reports, e.g. "Holm"
    statsmodels_method: str | None  # ``method`` of statsmodels' multipletests; None: unchanged
    controls: str  # the error rate it bounds
    reference: str


CORRECTIONS: dict[str, Correction] = {
    correction.name: correction
    for correction in (
        Correction("holm", "Holm", "holm", "family-wise error rate", "Holm (1979) Scand. J. Stat. 6:65-70"),
        Correction("bonferroni", "Bonferroni", "bonferroni", "family-wise error rate", "Dunn (1961) JASA 56:52-64"),
        Correction("bh", "Benjamini–Hochberg", "fdr_bh", "false discovery rate", "Benjamini & Hochberg (1995) JRSS B"),
        Correction("none", "no correction", None, "per-comparison error rate", "-"),
    )
}
DEFAULT_CORRECTION = "holm"


def get_correction(method: str | Correction) -> Correction:
    if isinstance(method, Correction):
        return method
    try:
        return CORRECTIONS[method]
    except KeyError:
        raise UsageError(
            f"unknown multiple-testing correction {method!r}; choose one of: {', '.join(CORRECTIONS)}"
        ) from None


def correct_pvalues(p_values: ArrayLike, method: str | Correction = DEFAULT_CORRECTION) -> np.ndarray:
    """Corrected p-values, same shape and order as ``p_values``; NaN stays NaN."""
    correction = get_correction(method)
    p = np.array(p_values, dtype=np.float64)  # a copy: the input is never modified
    tested = ~np.isnan(p)
    if np.any((p[tested] < 0.0) | (p[tested] > 1.0)):
        raise ValueError("p-values must lie in [0, 1] (or be NaN for 'not tested')")
    if correction.statsmodels_method is None or not tested.any():
        return p
    if correction.name == "holm":
        p[tested] = holm(p[tested])
        return p
    # Imported here: statsmodels takes most of a second to import.
    from statsmodels.stats.multitest import multipletests

    p[tested] = multipletests(p[tested], method=correction.statsmodels_method)[1]
    return p


def holm(p: np.ndarray) -> np.ndarray:
    """Holm's step-down adjusted p-values, equal to statsmodels' ``multipletests(method="holm")``.

    Computed here because statsmodels' Holm branch calls ``gc.collect()`` on every call, which
    costs about 0.1 s once torch and transformers are loaded, and a board corrects many families.
    """
    order = np.argsort(p, kind="stable")
    stepped = np.maximum.accumulate(p[order] * np.arange(len(p), 0, -1))
    adjusted = np.empty_like(p)
    adjusted[order] = np.minimum(stepped, 1.0)
    return adjusted
