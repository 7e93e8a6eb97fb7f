"""Exact McNemar test for paired binary outcomes (McNemar 1947), via statsmodels.

Two systems are judged right (1) or wrong (0) on the same n items, in the same
order: e.g. "a relevant document at rank 1" per query, or a classifier's
correctness per example. Only the discordant pairs carry information:

    b01 = #{i : a_i = 0, b_i = 1}   (a wrong, b right)
    b10 = #{i : a_i = 1, b_i = 0}   (a right, b wrong)

Under the null hypothesis of equal accuracy each discordant pair is equally
likely to go either way, so b01 ~ Binomial(b01 + b10, 1/2). The exact (binomial)
form's two-sided p-value is min(1, 2 * P[X <= min(b01, b10)]), X ~ Binomial(b01 +
b10, 1/2): ``statsmodels.stats.contingency_tables.mcnemar(table, exact=True)``,
equal to ``scipy.stats.binomtest(min(b01, b10), b01 + b10, 0.5).pvalue`` since the
distribution is symmetric. It is valid at any sample size, unlike the chi-squared
approximation; no discordant pairs -> p = 1.0 (nothing contradicts the null).

Not a ``TESTS`` entry in ``__init__.py``: those take continuous per-query scores and
return only a p-value; this takes 0/1 outcomes and returns counts as well.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.typing import ArrayLike
from statsmodels.stats.contingency_tables import mcnemar as statsmodels_mcnemar

REFERENCE = (
    "McNemar (1947) Psychometrika 12(2):153-157 'Note on the sampling error of the difference "
    "between correlated proportions or percentages'; exact binomial form, e.g. Agresti (2013) "
    "Categorical Data Analysis, 3rd ed., ch. 11 (matched pairs)"
)


@dataclass(frozen=True)
class McNemarResult:
    n: int  # number of paired items
    b01: int  # a wrong (0), b right (1)
    b10: int  # a right (1), b wrong (0)
    difference: float  # accuracy of a minus accuracy of b: mean(a) - mean(b) = (b10 - b01) / n
    p_value: float  # two-sided, exact McNemar test; 1.0 when b01 + b10 == 0


def mcnemar(a: ArrayLike, b: ArrayLike) -> McNemarResult:
    """Exact two-sided McNemar test of a vs b: two 0/1 arrays of shape (n,), item i paired.

    ValueError, saying what is wrong, unless both are one-dimensional, non-empty,
    equally long and hold only 0 and 1 (bool, int or float 0.0/1.0).
    """
    x = binary_outcomes(a, "a")
    y = binary_outcomes(b, "b")
    if x.size != y.size:
        raise ValueError(f"a and b must be equally long (paired items); got {x.size} and {y.size}")
    b01 = int(np.count_nonzero(~x & y))
    b10 = int(np.count_nonzero(x & ~y))
    both_right = int(np.count_nonzero(x & y))
    both_wrong = x.size - b01 - b10 - both_right
    if b01 + b10 == 0:
        p_value = 1.0
    else:
        # Rows: a right, a wrong; columns: b right, b wrong.
        table = np.array([[both_right, b10], [b01, both_wrong]])
        p_value = float(statsmodels_mcnemar(table, exact=True).pvalue)
    difference = float(x.mean()) - float(y.mean())
    return McNemarResult(n=int(x.size), b01=b01, b10=b10, difference=difference, p_value=p_value)


def binary_outcomes(values: ArrayLike, label: str) -> np.ndarray:
    """``values`` as a boolean array of shape (n,), n >= 1; ValueError unless every value is 0 or 1."""
    array = np.asarray(values)
    if array.ndim != 1:
        raise ValueError(f"{label} must be one-dimensional (one outcome per item); got shape {array.shape}")
    if array.size == 0:
        raise ValueError(f"{label} is empty; McNemar's test needs at least one paired item")
    if array.dtype.kind not in "biuf":
        raise ValueError(f"{label} must hold numbers 0/1; got dtype {array.dtype}")
    bad = np.flatnonzero((array != 0) & (array != 1))  # NaN is neither
    if bad.size:
        raise ValueError(
            f"{label} must hold only 0 and 1; {bad.size} value(s) are not, "
            f"first {array[bad[0]].item()!r} at index {bad[0]}"
        )
    return array == 1
