"""How many queries a paired t-test needs to separate two systems at an observed difference.

Topic-set-size design (Sakai 2016, "Topic set size design", Information Retrieval Journal 19:256-283;
Webber, Moffat & Zobel 2008, "Statistical power in retrieval experimentation", CIKM): from the observed
mean per-query difference and its standard deviation, the number of queries n at which a two-sided
paired t-test at level alpha has the wanted power (80% here).  The power of the test is that of a
one-sample t-test on the differences, whose noncentrality is ``effect_size * sqrt(n)`` with
``effect_size = mean(d) / sd(d)`` (Cohen's d_z); statsmodels' ``TTestPower`` solves it.

Several pairs: a mean column weights each pair's mean difference, ``sum_k w_k * mean(d_k)`` with
``w_k = 1/K`` (or +-1/K per side for a high-minus-low gap).  With n queries on every pair its
standard error is ``sqrt(sum_k w_k^2 sd_k^2 / n)``, so the same t-test power with
``effect_size = sum_k w_k mean_k / sqrt(sum_k w_k^2 sd_k^2)`` gives n queries *per pair*.  That is the
t-test approximation of the stratified permutation test the mean columns use, not that test's own
power.
"""

from __future__ import annotations

import math
import warnings
from collections.abc import Sequence

import numpy as np
from numpy.typing import ArrayLike

POWER = 0.8
# Beyond this many queries no collection exists: a difference that needs more is reported as none.
MAX_QUERIES = 10**9
REFERENCE = (
    "Sakai (2016) Topic set size design, Inf. Retr. J. 19:256-283; Webber, Moffat & Zobel (2008) Statistical power "
    "in retrieval experimentation, CIKM; statsmodels TTestPower"
)


def weighted_effect_size(differences: Sequence[ArrayLike], weights: Sequence[float] | None = None) -> float:
    """``sum_k w_k mean(d_k) / sqrt(sum_k w_k^2 var(d_k))`` (var with ddof=1); one pair, weight 1: Cohen's d_z.

    ``differences``: per pair, the per-query differences (method - reference).  ``weights`` default to
    1/K (a mean column).  NaN when the differences do not vary at all (sd 0); raises ValueError for a pair
    with fewer than two queries or a weight count that does not match.
    """
    arrays = [np.asarray(d, dtype=np.float64) for d in differences]
    if not arrays or any(a.ndim != 1 or a.size < 2 for a in arrays):
        raise ValueError("every pair needs at least 2 per-query differences")
    w = np.full(len(arrays), 1.0 / len(arrays)) if weights is None else np.asarray(weights, dtype=np.float64)
    if w.shape != (len(arrays),):
        raise ValueError(f"{len(arrays)} pairs but {w.size} weights")
    mean = float(sum(wk * a.mean() for wk, a in zip(w, arrays)))
    spread = math.sqrt(float(sum(wk**2 * a.var(ddof=1) for wk, a in zip(w, arrays))))
    return math.nan if spread == 0.0 else mean / spread


def queries_needed(effect_size: float, alpha: float, power: float = POWER) -> int | None:
    """Smallest n >= 2 at which a two-sided paired t-test at ``alpha`` reaches ``power`` for ``effect_size``.

    None when no number of queries up to ``MAX_QUERIES`` separates them: the effect is 0 (no difference
    observed) or that small, or not finite (the differences do not vary).  Raises ValueError for alpha or
    power outside (0, 1).
    """
    if not 0.0 < alpha < 1.0 or not 0.0 < power < 1.0:
        raise ValueError(f"alpha and power must lie in (0, 1), got {alpha} and {power}")
    if not math.isfinite(effect_size) or effect_size == 0.0:
        return None
    from statsmodels.stats.power import TTestPower  # statsmodels takes most of a second to import
    # Imported before the warnings are silenced below: on import it sets its warnings to "always".
    from statsmodels.tools.sm_exceptions import ConvergenceWarning

    analysis = TTestPower()
    d = abs(effect_size)

    def reaches(n: int) -> bool:
        reached = analysis.power(effect_size=d, nobs=n, alpha=alpha, alternative="two-sided")
        if not math.isfinite(reached):
            # The opposite tail underflows for a large noncentrality (NaN); the upper tail alone is the power then.
            reached = analysis.power(effect_size=d, nobs=n, alpha=alpha / 2, alternative="larger")
        return reached >= power

    if reaches(2):
        return 2
    with warnings.catch_warnings():  # for large and tiny effects the root finder gives up (NaN, with a warning)
        warnings.simplefilter("ignore", ConvergenceWarning)
        guess = analysis.solve_power(effect_size=d, alpha=alpha, power=power, alternative="two-sided")
    # The root finder stops within its tolerance, or not at all: settle on the exact integer with the
    # power function itself, between a count that falls short (low) and one that reaches (high).
    high = max(3, math.ceil(guess)) if math.isfinite(guess) else 3
    while not reaches(high):
        if high > MAX_QUERIES:
            return None
        high *= 2
    low = 2
    while high - low > 1:
        middle = (low + high) // 2
        low, high = (low, middle) if reaches(middle) else (middle, high)
    return high
