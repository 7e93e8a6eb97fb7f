"""One paired comparison of a method against a baseline, over the same queries."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np
from numpy.typing import ArrayLike

from harness.errors import UsageError
from harness.stats.bootstrap import bootstrap_ci_of_differences
from harness.stats.effect_size import (
    TIE_TOLERANCE,
    check_resampling,
    cohens_dz_of_differences,
    paired_differences,
)

if TYPE_CHECKING:
    from harness.stats import StatTest


@dataclass(frozen=True)
class PairedComparison:
    test: str  # key of the test in harness.stats.TESTS
    n: int  # queries compared
    mean_baseline: float
    mean_other: float
    mean_diff: float  # mean(other - baseline)
    ci_low: float  # paired bootstrap percentile interval for mean_diff
    ci_high: float
    p_value: float  # two-sided; NaN when every query is a tie
    effect_size_dz: float  # Cohen's d_z; 0.0 or +-inf when the differences are constant
    wins: int  # queries where other beats baseline by more than TIE_TOLERANCE
    ties: int
    losses: int
    confidence: float  # level of the interval, e.g. 0.95


def get_test(test: str | StatTest) -> StatTest:
    # Imported here: harness.stats imports this module to re-export it.
    from harness.stats import TESTS, StatTest

    if isinstance(test, StatTest):
        return test
    try:
        return TESTS[test]
    except KeyError:
        raise UsageError(f"unknown significance test {test!r}; choose one of: {', '.join(TESTS)}") from None


def compare_paired(
    baseline: ArrayLike,
    other: ArrayLike,
    *,
    test: str | StatTest = "t-test",
    n_resamples: int = 10_000,
    seed: int = 0,
    confidence: float = 0.95,
) -> PairedComparison:
    """Compare per-query scores of ``other`` with ``baseline`` (same queries, same order).

    The bootstrap interval and a resampling test use the same ``n_resamples`` and
    ``seed``, each on its own random stream.
    """
    stat_test = get_test(test)
    check_resampling(n_resamples, seed)
    baseline_scores = np.asarray(baseline, dtype=np.float64)
    other_scores = np.asarray(other, dtype=np.float64)
    differences = paired_differences(baseline_scores, other_scores)
    ci_low, ci_high = bootstrap_ci_of_differences(
        differences, confidence=confidence, n_resamples=n_resamples, seed=seed
    )
    return PairedComparison(
        test=stat_test.name,
        n=int(differences.size),
        mean_baseline=float(baseline_scores.mean()),
        mean_other=float(other_scores.mean()),
        mean_diff=float(differences.mean()),
        ci_low=ci_low,
        ci_high=ci_high,
        p_value=float(stat_test.fn(other_scores, baseline_scores, n_resamples=n_resamples, seed=seed)),
        effect_size_dz=cohens_dz_of_differences(differences),
        wins=int(np.count_nonzero(differences > TIE_TOLERANCE)),
        ties=int(np.count_nonzero(np.abs(differences) <= TIE_TOLERANCE)),
        losses=int(np.count_nonzero(differences < -TIE_TOLERANCE)),
        confidence=float(confidence),
    )
