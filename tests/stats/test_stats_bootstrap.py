"""Paired bootstrap percentile interval: coverage, equivalence to index resampling, reproducibility."""

import numpy as np
import pytest

from harness.stats import bootstrap
from harness.stats.bootstrap import bootstrap_means, paired_bootstrap_ci
from harness.stats.fisher_randomization_test import to_exact_grid


def test_count_matrix_means_equal_direct_index_resampling():
    """counts . d / n is the mean of d[indices] for the same drawn indices."""
    rng = np.random.default_rng(0)
    differences = rng.normal(size=37)
    means = bootstrap_means(differences, n_resamples=500, seed=4)
    indices = np.random.Generator(np.random.PCG64(4).jumped()).integers(0, 37, size=(500, 37))
    # Equal up to the exact grid's rounding of each difference (half a unit).
    _, unit = to_exact_grid(differences)
    np.testing.assert_allclose(means, differences[indices].mean(axis=1), rtol=0, atol=unit / 2)


def test_coverage_near_nominal_in_simulation():
    """200 simulated topic sets (n = 50, skewed differences): 95% intervals should
    cover the true mean difference about 95% of the time (binomial sd 1.5%)."""
    rng = np.random.default_rng(2024)
    true_diff, n = 0.03, 50
    covered = 0
    for dataset in range(200):
        baseline = rng.beta(2, 5, n)
        # Gamma noise centred on 0: skewed differences, as IR measures often give.
        differences = true_diff + rng.gamma(2.0, 0.05, n) - 0.1
        low, high = paired_bootstrap_ci(baseline, baseline + differences, n_resamples=2000, seed=dataset)
        covered += low <= true_diff <= high
    assert 0.90 <= covered / 200 <= 0.99


def test_interval_brackets_the_mean_and_narrows_with_confidence():
    rng = np.random.default_rng(1)
    baseline = rng.random(60)
    other = np.clip(baseline + rng.normal(0.05, 0.1, 60), 0, 1)
    mean = (other - baseline).mean()
    low95, high95 = paired_bootstrap_ci(baseline, other)
    low80, high80 = paired_bootstrap_ci(baseline, other, confidence=0.80)
    assert low95 < low80 < mean < high80 < high95


def test_reproducible_and_independent_of_chunking(monkeypatch):
    rng = np.random.default_rng(2)
    baseline, other = rng.random(41), rng.random(41)
    reference = paired_bootstrap_ci(baseline, other, n_resamples=3001, seed=5)
    bootstrap.clear_cache()
    assert paired_bootstrap_ci(baseline, other, n_resamples=3001, seed=5) == reference
    assert paired_bootstrap_ci(baseline, other, n_resamples=3001, seed=6) != reference
    monkeypatch.setattr(bootstrap, "CACHE_BYTES", 0)
    monkeypatch.setattr(bootstrap, "CHUNK_ELEMENTS", 41 * 7 + 3)
    assert len(list(bootstrap.resample_counts(41, 3001, 5))) > 1
    assert paired_bootstrap_ci(baseline, other, n_resamples=3001, seed=5) == reference


def test_counts_are_resamples_of_n_queries_and_cached_read_only():
    (counts,) = bootstrap.resample_counts(23, 300, 0)
    assert counts.shape == (300, 23) and counts.dtype == np.uint8
    assert np.all(counts.sum(axis=1, dtype=np.int64) == 23)
    assert not counts.flags.writeable
    (again,) = bootstrap.resample_counts(23, 300, 0)
    assert again is counts


def test_cache_evicts_least_recently_used_within_its_byte_budget(monkeypatch):
    bootstrap.clear_cache()
    monkeypatch.setattr(bootstrap, "CACHE_BYTES", 2 * 100 * 50)
    for seed in range(3):
        next(bootstrap.resample_counts(50, 100, seed))
    assert list(bootstrap._cache) == [(50, 100, 1), (50, 100, 2)]
    bootstrap.clear_cache()


def test_identical_inputs_give_a_zero_width_interval():
    scores = np.linspace(0, 1, 10)
    assert paired_bootstrap_ci(scores, scores) == (0.0, 0.0)


@pytest.mark.parametrize("confidence", [0.0, 1.0, 95])
def test_rejects_confidence_outside_zero_one(confidence):
    with pytest.raises(ValueError, match="confidence"):
        paired_bootstrap_ci([0.1, 0.2], [0.2, 0.3], confidence=confidence)
