"""Cohen's d_z = mean(d) / std(d, ddof=1) and its degenerate cases."""

import math

import numpy as np
import pytest

from harness.stats import cohens_dz
from harness.stats.paired_t_test import paired_t_test


def test_matches_definition_and_sign():
    rng = np.random.default_rng(0)
    baseline, other = rng.random(25), rng.random(25)
    differences = other - baseline
    expected = differences.mean() / differences.std(ddof=1)
    assert cohens_dz(baseline, other) == pytest.approx(expected, rel=1e-12)
    assert cohens_dz(other, baseline) == pytest.approx(-expected, rel=1e-12)


def test_is_t_statistic_over_sqrt_n():
    from scipy.stats import ttest_rel

    rng = np.random.default_rng(1)
    baseline, other = rng.random(40), rng.random(40)
    assert cohens_dz(baseline, other) == pytest.approx(ttest_rel(other, baseline).statistic / math.sqrt(40))


def test_no_difference_is_zero():
    scores = np.linspace(0, 1, 7)
    assert cohens_dz(scores, scores) == 0.0


def test_constant_difference_is_infinite_with_its_sign():
    baseline = np.array([0.1, 0.2, 0.3, 0.4])
    assert cohens_dz(baseline, baseline + 0.1) == math.inf  # b + 0.1 - b is constant only up to rounding
    assert cohens_dz(baseline + 0.1, baseline) == -math.inf
    assert paired_t_test(baseline + 0.1, baseline) == 0.0  # consistent with t = inf
