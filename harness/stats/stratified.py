"""Stratified paired permutation test: queries grouped by stratum (language pair).

In a paired design the null hypothesis says that, on each query, the labels
"baseline" and "other" could be swapped.  Swapping them on query i turns its
difference d_i into -d_i, so the paired permutations are exactly the sign flips.
A query belongs to one stratum, so every such swap already stays inside its
stratum: sign-flipping the per-query differences *is* the within-stratum paired
permutation, and no query's scores ever move to another stratum.

What strata can change is the statistic:
  * ``weighting="query"`` (default): the mean difference over all queries.  The
    null distribution is then the plain randomization test's, and the p-value is
    identical to ``fisher_randomization_test`` for any strata (same signs, same
    seed).  Strata are checked but do not change the answer.
  * ``weighting="stratum"``: the mean over strata of each stratum's mean
    difference, so every language pair counts equally however many queries it
    has (a macro average, the way CLIR results are usually reported).  Each
    query's difference is weighted by 1 / (K * n_k) (times n, which changes no
    p-value; see stratum_weights) and then sign-flipped.

With one stratum both weightings give the plain randomization test's p-value.
p-value convention: (count + 1) / (n_resamples + 1), as in
fisher_randomization_test.py; every query tied -> NaN.
"""

from __future__ import annotations

import math
from collections.abc import Hashable, Sequence

import numpy as np
from numpy.typing import ArrayLike

from harness.stats.effect_size import all_tied, check_resampling, paired_differences
from harness.stats.fisher_randomization_test import sign_flip_pvalue

WEIGHTINGS = ("query", "stratum")


def stratified_permutation_test(
    baseline: ArrayLike,
    other: ArrayLike,
    strata: Sequence[Hashable] | ArrayLike,
    *,
    n_resamples: int = 10_000,
    seed: int = 0,
    weighting: str = "query",
) -> float:
    """Two-sided p-value; ``strata[i]`` names the stratum (e.g. "en-fa") of query i."""
    check_resampling(n_resamples, seed)
    if weighting not in WEIGHTINGS:
        raise ValueError(f"weighting must be one of {WEIGHTINGS}, got {weighting!r}")
    differences = paired_differences(baseline, other)
    labels = np.asarray(strata)
    if labels.shape != differences.shape:
        raise ValueError(
            f"strata must name one stratum per query: {differences.size} queries, {labels.size} strata labels"
        )
    if all_tied(differences):
        return math.nan
    if weighting == "stratum":
        differences = differences * stratum_weights(labels)
    return sign_flip_pvalue(differences, n_resamples=n_resamples, seed=seed)


def stratum_weights(labels: np.ndarray) -> np.ndarray:
    """Per-query weights n / (K * n_k): every stratum's weights sum to n / K.

    Scaled so they are all exactly 1.0 when strata are equally sized (including
    one stratum), which leaves the differences, and the p-value, bit-identical
    to the unweighted test in that case.
    """
    _, stratum_index, stratum_sizes = np.unique(labels, return_inverse=True, return_counts=True)
    n, n_strata = labels.size, stratum_sizes.size
    return n / (n_strata * stratum_sizes[stratum_index].astype(np.float64))
