"""Paired t-test: same p-values as scipy.stats.ttest_rel; degenerate inputs."""

import math
import warnings

import numpy as np
import pytest
from scipy.stats import ttest_rel

from harness.stats import TESTS
from harness.stats.paired_t_test import paired_t_test


@pytest.mark.parametrize("n", [2, 5, 30, 120])
@pytest.mark.parametrize("seed", [0, 1, 2])
def test_equals_scipy_ttest_rel(n, seed):
    rng = np.random.default_rng(seed)
    baseline = rng.random(n)
    other = np.clip(baseline + rng.normal(0.02, 0.1, n), 0, 1)
    expected = ttest_rel(other, baseline).pvalue
    assert paired_t_test(other, baseline) == expected
    # Two-sided: the order of the systems does not matter.
    assert paired_t_test(baseline, other) == pytest.approx(expected, rel=1e-12)


def test_registered_as_default_name_with_label():
    test = TESTS["t-test"]
    assert test.fn is paired_t_test
    assert test.label == "two-sided paired t-test"
    assert next(iter(TESTS)) == "t-test"


def test_identical_inputs_give_nan():
    scores = np.linspace(0, 1, 10)
    assert math.isnan(paired_t_test(scores, scores.copy()))
    # Differences within the tie tolerance are rounding, not a difference.
    assert math.isnan(paired_t_test(scores + 1e-14, scores))


def test_constant_nonzero_difference_gives_zero_without_warning():
    baseline = np.array([0.1, 0.2, 0.3, 0.4])
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert paired_t_test(baseline + 0.1, baseline) == 0.0


def test_resampling_arguments_are_accepted_and_ignored():
    rng = np.random.default_rng(3)
    x, y = rng.random(20), rng.random(20)
    assert paired_t_test(x, y, n_resamples=5, seed=9) == paired_t_test(x, y)


@pytest.mark.parametrize(
    "x, y, message",
    [
        ([0.1, 0.2, 0.3], [0.1, 0.2], "differ in length"),
        ([0.1], [0.2], "at least 2"),
        ([0.1, float("nan")], [0.2, 0.3], "NaN"),
        ([[0.1, 0.2]], [[0.2, 0.3]], "1-D"),
    ],
)
def test_rejects_bad_input(x, y, message):
    with pytest.raises(ValueError, match=message):
        paired_t_test(x, y)
