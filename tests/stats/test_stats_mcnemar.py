"""Exact McNemar test: agreement with the binomial test, a hand-computed case, input checks."""

import numpy as np
import pytest
from scipy.stats import binomtest

from harness.stats.mcnemar_test import McNemarResult, mcnemar


@pytest.mark.parametrize("seed", range(12))
def test_pvalue_equals_exact_binomial_test(seed):
    rng = np.random.default_rng(seed)
    n = int(rng.integers(1, 300))
    a = rng.random(n) < rng.uniform(0.2, 0.9)
    b = np.where(rng.random(n) < rng.uniform(0.0, 0.5), ~a, a)  # flip a share of a's outcomes
    result = mcnemar(a.astype(int), b.astype(float))
    assert result.b01 == np.sum(~a & b) and result.b10 == np.sum(a & ~b) and result.n == n
    discordant = result.b01 + result.b10
    expected = binomtest(min(result.b01, result.b10), discordant, 0.5).pvalue if discordant else 1.0
    assert result.p_value == pytest.approx(expected, rel=1e-12, abs=1e-15)
    assert result.difference == pytest.approx(a.mean() - b.mean(), abs=1e-15)
    assert result.difference == pytest.approx((result.b10 - result.b01) / n, abs=1e-15)


def test_hand_computed_case():
    """b01 = 1, b10 = 5: p = 2 * (C(6,0) + C(6,1)) / 2^6 = 2 * 7 / 64 = 0.21875."""
    a = [1, 1, 1, 1, 1, 0, 1, 1, 0, 0]  # accuracy 0.7
    b = [0, 0, 0, 0, 0, 1, 1, 1, 0, 0]  # accuracy 0.3
    result = mcnemar(a, b)
    assert result == McNemarResult(n=10, b01=1, b10=5, difference=pytest.approx(0.4), p_value=pytest.approx(0.21875))
    swapped = mcnemar(b, a)  # symmetric p, counts and difference change sign
    assert (swapped.b01, swapped.b10, swapped.p_value) == (5, 1, pytest.approx(0.21875))
    assert swapped.difference == pytest.approx(-0.4)


def test_balanced_and_extreme_cases():
    # b01 = b10 = 3: p is exactly 1 (statsmodels clips 2 * cdf at 1).
    assert mcnemar([1, 1, 1, 0, 0, 0], [0, 0, 0, 1, 1, 1]).p_value == 1.0
    # 10 discordant pairs all one way: p = 2 / 2^10.
    assert mcnemar([0] * 10, [1] * 10).p_value == pytest.approx(2 / 1024)


def test_no_discordant_pairs_gives_p_one():
    result = mcnemar(np.array([1, 0, 1, 1]), np.array([1.0, 0.0, 1.0, 1.0]))
    assert (result.b01, result.b10, result.difference, result.p_value) == (0, 0, 0.0, 1.0)
    assert mcnemar([True], [True]).p_value == 1.0


@pytest.mark.parametrize(
    "a, b, message",
    [
        ([1, 0, 1], [1, 0], "equally long.*3 and 2"),
        ([], [], "a is empty"),
        ([1, 0, 2], [1, 0, 1], "a must hold only 0 and 1.*first 2 at index 2"),
        ([1, 0, 1], [1, 0.5, 1], "b must hold only 0 and 1.*0.5 at index 1"),
        ([1, 0, 1], [1, np.nan, 1], "b must hold only 0 and 1"),
        ([1, -1], [1, 0], "a must hold only 0 and 1"),
        ([[1, 0], [0, 1]], [[1, 0], [0, 1]], "one-dimensional"),
        (["1", "0"], [1, 0], "numbers 0/1"),
    ],
)
def test_input_errors(a, b, message):
    with pytest.raises(ValueError, match=message):
        mcnemar(a, b)
