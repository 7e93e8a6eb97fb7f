"""Stratified permutation test: equals the plain test with one stratum (or query
weighting), matches an exhaustive enumeration of within-stratum swaps."""

import itertools
import math

import numpy as np
import pytest

from harness.stats import stratified_permutation_test
from harness.stats.fisher_randomization_test import fisher_randomization_test
from harness.stats.stratified import stratum_weights


def _scores(n, seed, shift=0.03):
    rng = np.random.default_rng(seed)
    baseline = rng.random(n)
    return baseline, np.clip(baseline + rng.normal(shift, 0.1, n), 0, 1)


@pytest.mark.parametrize("weighting", ["query", "stratum"])
def test_one_stratum_equals_plain_randomization_test(weighting):
    baseline, other = _scores(60, 0)
    plain = fisher_randomization_test(other, baseline, n_resamples=4000, seed=2)
    stratified = stratified_permutation_test(
        baseline, other, ["en-fa"] * 60, n_resamples=4000, seed=2, weighting=weighting
    )
    assert stratified == plain


def test_query_weighting_equals_plain_test_for_any_strata():
    """Sign flips never cross strata, so with the pooled mean the strata change nothing."""
    baseline, other = _scores(60, 1)
    strata = np.repeat(["en-fa", "en-ru", "en-zh"], [10, 20, 30])
    plain = fisher_randomization_test(other, baseline, n_resamples=4000, seed=5)
    assert stratified_permutation_test(baseline, other, strata, n_resamples=4000, seed=5) == plain


def _exhaustive_within_stratum_pvalue(baseline, other, strata):
    """Enumerate every swap of (baseline_i, other_i): the paired permutations.

    Computed from the swapped score arrays themselves, per stratum, so it checks
    the claim that sign-flipping differences is the within-stratum permutation.
    """
    labels = sorted(set(strata))

    def macro_mean_difference(b, o):
        return np.mean([np.mean([o[i] - b[i] for i in range(len(b)) if strata[i] == s]) for s in labels])

    observed = abs(macro_mean_difference(baseline, other))
    reaching = 0
    for swap in itertools.product((False, True), repeat=len(baseline)):
        swapped_b = np.where(swap, other, baseline)
        swapped_o = np.where(swap, baseline, other)
        reaching += abs(macro_mean_difference(swapped_b, swapped_o)) >= observed - 1e-12
    return reaching / 2 ** len(baseline)


def test_stratum_weighting_agrees_with_exhaustive_enumeration():
    baseline, other = _scores(11, 3, shift=0.06)
    strata = ["a", "a", "b", "b", "b", "b", "b", "c", "c", "c", "c"]
    exact = _exhaustive_within_stratum_pvalue(baseline, other, strata)
    n_resamples = 20_000
    estimate = stratified_permutation_test(
        baseline, other, strata, n_resamples=n_resamples, seed=0, weighting="stratum"
    )
    tolerance = 4 * math.sqrt(exact * (1 - exact) / n_resamples) + 1 / (n_resamples + 1)
    assert abs(estimate - exact) <= tolerance, (estimate, exact)
    # The check has teeth: the pooled statistic's p (0.016 here) is far from it.
    pooled = stratified_permutation_test(baseline, other, strata, n_resamples=n_resamples, seed=0)
    assert abs(pooled - exact) > 2 * tolerance


def test_small_decisive_stratum_counts_when_strata_weigh_equally():
    """8 queries of en-fa all improve by 0.3; 80 queries of en-ru change by +-0.3
    with mean 0.  The pooled mean (0.027) is swamped by en-ru's noise: p = 0.46.
    Weighting strata equally, en-fa's consistent gain is half the statistic
    (0.15) and rarely reached by chance: it needs nearly all 8 en-fa signs
    positive, p = 0.005."""
    baseline = np.full(88, 0.4)
    other = baseline.copy()
    other[:8] += 0.3
    other[8:] += np.tile([0.3, -0.3], 40)
    strata = ["en-fa"] * 8 + ["en-ru"] * 80
    pooled = stratified_permutation_test(baseline, other, strata, n_resamples=10_000, seed=0)
    balanced = stratified_permutation_test(baseline, other, strata, n_resamples=10_000, seed=0, weighting="stratum")
    assert pooled > 0.3
    assert balanced < 0.03


def test_stratum_weights_sum_equally_per_stratum_and_are_one_when_balanced():
    labels = np.array(["x"] * 3 + ["y"] * 9)
    weights = stratum_weights(labels)
    assert weights[:3].sum() == pytest.approx(weights[3:].sum())
    assert np.array_equal(stratum_weights(np.repeat(["x", "y"], 6)), np.ones(12))


def test_identical_inputs_and_bad_arguments():
    baseline, other = _scores(10, 4)
    assert math.isnan(stratified_permutation_test(baseline, baseline, ["a"] * 10))
    with pytest.raises(ValueError, match="one stratum per query"):
        stratified_permutation_test(baseline, other, ["a"] * 9)
    with pytest.raises(ValueError, match="weighting"):
        stratified_permutation_test(baseline, other, ["a"] * 10, weighting="pair")
