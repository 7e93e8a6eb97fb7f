"""Two-sided Wilcoxon signed-rank test over queries (Wilcoxon 1945), via scipy.

Settings, scipy's defaults (as ranx uses them), fixed here so they cannot drift:
  * ``zero_method="wilcox"``: queries whose scores are equal are dropped before
    ranking (Wilcoxon's original rule, also R's ``wilcox.test``).  IR runs often
    tie on a query (both 0 or both 1), and those queries carry no evidence
    about the direction of a shift.
  * ``correction=False``: no continuity correction in the normal approximation
    (R's default applies one).
  * ``method="auto"`` (scipy 1.17): exact null distribution for n <= 50 without
    ties or zeros; exhaustive sign-flip enumeration for n <= 13 with ties or
    zeros; otherwise the normal approximation with tie correction.

Every difference zero (|d| <= 1e-12, TIE_TOLERANCE) -> NaN (not 1.0): there is
nothing to test, and NaN keeps the comparison out of multiple-testing
correction, the same as the t-test.  scipy itself answers 1.0 or NaN here
depending on n.  Differences within TIE_TOLERANCE count as zero (dropped);
otherwise the p-value is exactly scipy's ``wilcoxon(x, y, ...)``.
"""

from __future__ import annotations

import math

import numpy as np
from numpy.typing import ArrayLike

from harness.stats.effect_size import TIE_TOLERANCE, all_tied, paired_differences

ZERO_METHOD = "wilcox"

REFERENCE = "Wilcoxon (1945) Biometrics Bulletin 1(6):80-83; Smucker, Allan & Carterette (2007) CIKM"


def wilcoxon_test(x: ArrayLike, y: ArrayLike, *, n_resamples: int = 0, seed: int = 0) -> float:
    """Two-sided p-value of the Wilcoxon signed-rank test on ``x - y``.

    ``n_resamples`` and ``seed`` are accepted so every test shares one signature;
    scipy's exact/asymptotic choice needs neither.
    """
    differences = paired_differences(y, x)
    if all_tied(differences):
        return math.nan
    from scipy.stats import wilcoxon  # slow to import; see paired_t_test.py

    # Rounding-level differences are ties, as everywhere in harness.stats; scipy
    # would rank them as the smallest non-zero differences instead of dropping them.
    differences[np.abs(differences) <= TIE_TOLERANCE] = 0.0
    return float(
        wilcoxon(differences, zero_method=ZERO_METHOD, correction=False, alternative="two-sided", method="auto").pvalue
    )
