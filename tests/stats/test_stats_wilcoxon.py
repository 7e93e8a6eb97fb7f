"""Wilcoxon signed-rank test: same p-values as scipy with zero_method="wilcox"."""

import math

import numpy as np
import pytest
from scipy.stats import wilcoxon

from harness.stats import TESTS
from harness.stats.wilcoxon_test import ZERO_METHOD, wilcoxon_test


def _scipy_p(x, y):
    return wilcoxon(x, y, zero_method="wilcox", correction=False).pvalue


def _pair(n, seed, *, zeros=0, rounded=False):
    rng = np.random.default_rng(seed)
    baseline = rng.random(n)
    other = np.clip(baseline + rng.normal(0.03, 0.1, n), 0, 1)
    if rounded:  # ties among |d|, as with coarse measures like P@10
        baseline, other = np.round(baseline, 1), np.round(other, 1)
    other[:zeros] = baseline[:zeros]
    return other, baseline


@pytest.mark.parametrize(
    "case",
    [
        {"n": 20, "seed": 0},  # exact distribution
        {"n": 12, "seed": 1, "zeros": 3},  # zeros, small n: exhaustive permutation
        {"n": 40, "seed": 2, "zeros": 5},  # zeros, n <= 50: normal approximation
        {"n": 30, "seed": 3, "rounded": True},  # tied |d|
        {"n": 200, "seed": 4, "zeros": 20},  # large n: normal approximation
    ],
)
def test_equals_scipy_wilcoxon(case):
    x, y = _pair(**case)
    assert wilcoxon_test(x, y) == _scipy_p(x, y)


def test_zero_method_is_wilcox_which_drops_tied_queries():
    assert ZERO_METHOD == "wilcox"
    x, y = _pair(25, 5, zeros=0)
    with_ties_x = np.concatenate([x, [0.5, 0.0, 1.0]])
    with_ties_y = np.concatenate([y, [0.5, 0.0, 1.0]])
    # Dropping zeros makes tied queries irrelevant, except that scipy's 'auto'
    # then leaves the exact distribution: compare with the asymptotic p.
    dropped = wilcoxon(x, y, correction=False, method="asymptotic").pvalue
    assert wilcoxon_test(with_ties_x, with_ties_y) == pytest.approx(dropped, rel=1e-12)


def test_rounding_level_differences_are_dropped_like_exact_ties():
    x, y = _pair(30, 6, zeros=4)
    nudged = x.copy()
    nudged[:4] += 1e-14  # the same scores, up to rounding
    assert wilcoxon_test(nudged, y) == wilcoxon_test(x, y) == _scipy_p(x, y)
    assert _scipy_p(nudged, y) != _scipy_p(x, y)  # scipy alone would rank them


def test_all_differences_zero_gives_nan_for_any_n():
    for n in (5, 13, 60):
        scores = np.linspace(0, 1, n)
        assert math.isnan(wilcoxon_test(scores, scores.copy()))


def test_registered():
    assert TESTS["wilcoxon"].fn is wilcoxon_test
    assert "Wilcoxon" in TESTS["wilcoxon"].label
