"""compare_paired: one PairedComparison per (baseline, other), consistent with the parts."""

import dataclasses
import math

import numpy as np
import pytest

from harness.errors import UsageError
from harness.stats import TESTS, PairedComparison, StatTest, compare_paired, paired_bootstrap_ci
from harness.stats.effect_size import cohens_dz


@pytest.fixture
def scores():
    rng = np.random.default_rng(0)
    baseline = rng.random(50)
    other = np.clip(baseline + rng.normal(0.04, 0.1, 50), 0, 1)
    other[:5] = baseline[:5]  # five tied queries
    other[5] = baseline[5] + 1e-13  # a rounding difference is a tie too
    return baseline, other


@pytest.mark.parametrize("test", list(TESTS))
def test_fields_agree_with_the_individual_functions(scores, test):
    baseline, other = scores
    result = compare_paired(baseline, other, test=test, n_resamples=2000, seed=3, confidence=0.9)
    assert result.test == test
    assert result.n == 50
    assert result.mean_baseline == pytest.approx(baseline.mean())
    assert result.mean_other == pytest.approx(other.mean())
    assert result.mean_diff == pytest.approx(other.mean() - baseline.mean())
    assert (result.ci_low, result.ci_high) == paired_bootstrap_ci(
        baseline, other, confidence=0.9, n_resamples=2000, seed=3
    )
    assert result.p_value == TESTS[test](other, baseline, n_resamples=2000, seed=3)
    assert result.effect_size_dz == cohens_dz(baseline, other)
    assert result.confidence == 0.9


def test_wins_ties_losses_use_tie_tolerance(scores):
    baseline, other = scores
    result = compare_paired(baseline, other)
    differences = other - baseline
    assert result.ties == 6
    assert result.wins == np.count_nonzero(differences > 1e-12)
    assert result.wins + result.ties + result.losses == 50


def test_default_is_t_test_and_result_is_frozen(scores):
    result = compare_paired(*scores)
    assert result.test == "t-test"
    assert isinstance(result, PairedComparison)
    with pytest.raises(dataclasses.FrozenInstanceError):
        result.p_value = 0.0
    assert isinstance(dataclasses.asdict(result), dict)


def test_identical_runs(scores):
    baseline, _ = scores
    for test in TESTS:
        result = compare_paired(baseline, baseline.copy(), test=test)
        assert math.isnan(result.p_value)
        assert (result.ci_low, result.ci_high, result.effect_size_dz) == (0.0, 0.0, 0.0)
        assert (result.wins, result.ties, result.losses) == (0, 50, 0)


def test_accepts_a_stat_test_object_and_rejects_unknown_names(scores):
    custom = StatTest("always-half", "constant", "-", lambda x, y, *, n_resamples, seed: 0.5)
    assert compare_paired(*scores, test=custom).p_value == 0.5
    with pytest.raises(UsageError, match="t-test, wilcoxon, randomization"):
        compare_paired(*scores, test="sign")


def test_registry_labels():
    assert list(TESTS) == ["t-test", "wilcoxon", "randomization"]
    assert all(t.label.startswith("two-sided") and t.reference for t in TESTS.values())
