"""Two-sided paired t-test over queries (Student 1908), via scipy.stats.ttest_rel.

Assumes the per-query differences are independent and their mean is roughly
normal (by the central limit theorem this is usually fine at ~50+ queries;
Urbano, Lima & Hanjalic 2019 find its type I error rate close to nominal on
IR measures).

Degenerate cases, where scipy would divide by a zero standard deviation:
  * every difference is zero (|d| <= 1e-12, TIE_TOLERANCE) -> NaN: there is
    nothing to test; correction.py leaves NaN out of the family.
  * a constant non-zero difference (spread <= 1e-12) -> 0.0: t is infinite.
    scipy instead returns a rounding-dependent tiny p with a precision warning.
Otherwise the p-value is exactly scipy's ``ttest_rel(x, y).pvalue``.
"""

from __future__ import annotations

import math

from numpy.typing import ArrayLike

from harness.stats.effect_size import all_equal, all_tied, paired_differences

REFERENCE = (
    "Student (1908) Biometrika 6(1):1-25; Urbano, Lima & Hanjalic (2019) SIGIR "
    "'Statistical significance testing in information retrieval'"
)


def paired_t_test(x: ArrayLike, y: ArrayLike, *, n_resamples: int = 0, seed: int = 0) -> float:
    """Two-sided p-value of a paired t-test on ``x - y``.

    ``n_resamples`` and ``seed`` are accepted so every test shares one signature;
    this test does not resample.
    """
    differences = paired_differences(y, x)
    if all_tied(differences):
        return math.nan
    if all_equal(differences):
        return 0.0
    # Imported here: scipy.stats takes ~0.5 s to import and most callers of
    # harness.stats only need the registry.
    from scipy.stats import ttest_rel

    return float(ttest_rel(x, y).pvalue)
