"""Paired significance tests, intervals and effect sizes over per-query scores.

Every function takes two equally long sequences of per-query scores for the same
queries in the same order (e.g. nDCG@10 of a baseline and of another method).
README.md beside this file explains each test, its assumptions and references.

    TESTS          name -> StatTest: "t-test" (default), "wilcoxon", "randomization"
    CORRECTIONS    name -> Correction: "holm" (default), "bonferroni", "bh", "none"
    compare_paired(baseline, other, *, test, n_resamples, seed, confidence) -> PairedComparison
    correct_pvalues(p_values, method="holm") -> np.ndarray
    stratified_permutation_test(baseline, other, strata, *, n_resamples, seed) -> float
    queries_needed(effect_size, alpha, power=0.8) -> int | None   (topic-set-size design)

To add a test: one module with ``fn(x, y, *, n_resamples, seed) -> p-value``
and a ``REFERENCE``, then one line in ``TESTS`` below.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from numpy.typing import ArrayLike

from harness.stats import fisher_randomization_test as fisher
from harness.stats import paired_t_test as t_test
from harness.stats import wilcoxon_test as wilcoxon
from harness.stats.bootstrap import paired_bootstrap_ci
from harness.stats.compare import PairedComparison, compare_paired
from harness.stats.correction import CORRECTIONS, DEFAULT_CORRECTION, Correction, correct_pvalues
from harness.stats.effect_size import TIE_TOLERANCE, cohens_dz
from harness.stats.stratified import stratified_permutation_test
from harness.stats.topic_set_size import POWER, queries_needed, weighted_effect_size


@dataclass(frozen=True)
class StatTest:
    name: str  # key in TESTS, as typed on the command line
    label: str  # for reports, e.g. "two-sided paired t-test"
    reference: str
    # Two-sided p-value for per-query scores x vs y; NaN when every query ties.
    fn: Callable[..., float]

    def __call__(self, x: ArrayLike, y: ArrayLike, *, n_resamples: int = 10_000, seed: int = 0) -> float:
        return self.fn(x, y, n_resamples=n_resamples, seed=seed)


# One entry per test: name, label, reference, function.
TESTS: dict[str, StatTest] = {
    test.name: test
    for test in (
        StatTest("t-test", "two-sided paired t-test", t_test.REFERENCE, t_test.paired_t_test),
        StatTest("wilcoxon", "two-sided Wilcoxon signed-rank test", wilcoxon.REFERENCE, wilcoxon.wilcoxon_test),
        StatTest(
            "randomization", "two-sided Fisher randomization test", fisher.REFERENCE, fisher.fisher_randomization_test
        ),
    )
}
DEFAULT_TEST = "t-test"

__all__ = [
    "CORRECTIONS",
    "DEFAULT_CORRECTION",
    "DEFAULT_TEST",
    "TESTS",
    "TIE_TOLERANCE",
    "Correction",
    "PairedComparison",
    "StatTest",
    "cohens_dz",
    "compare_paired",
    "correct_pvalues",
    "paired_bootstrap_ci",
    "POWER",
    "queries_needed",
    "stratified_permutation_test",
    "weighted_effect_size",
]
