"""One column's comparison of two methods: a paired test over one pair's queries, or a stratified
permutation test over the queries of several pairs (a mean column)."""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np

from harness.compare.columns import Entries, aligned_scores, scored
from harness.compare.options import ComparisonOptions
from harness.compare.results import Comparison, Unpaired
from harness.stats import TIE_TOLERANCE, compare_paired, stratified_permutation_test

# The mean columns weight every pair equally (a macro mean), so the cross-pair
# test does too: its statistic is then exactly the difference of two methods'
# mean columns, and a pair with more queries does not outvote the others.
CROSS_PAIR_TEST = "stratified-permutation"


CROSS_PAIR_WEIGHTING = "stratum"


def compare_on_pair(
    entries: Entries, pair: str, method: str, reference: str, measure: str, options: ComparisonOptions
) -> Comparison | Unpaired | None:
    """One paired comparison over one pair's queries; None when either has no scores there."""
    reference_entry, method_entry = scored(entries, pair, reference, measure), scored(entries, pair, method, measure)
    if reference_entry is None or method_entry is None:
        return None
    scores = aligned_scores(reference_entry, method_entry, measure)
    if scores is None:
        return Unpaired(pair, method, reference)
    result = compare_paired(
        *scores, test=options.test, n_resamples=options.resamples, seed=options.seed, confidence=options.confidence
    )
    return Comparison(
        measure=measure,
        column=pair,
        pairs=(pair,),
        method=method,
        reference=reference,
        test=result.test,
        queries=result.n,
        mean_method=result.mean_other,
        mean_reference=result.mean_baseline,
        mean_diff=result.mean_diff,
        ci_low=result.ci_low,
        ci_high=result.ci_high,
        p_value=result.p_value,
        effect_size_dz=result.effect_size_dz,
        wins=result.wins,
        ties=result.ties,
        losses=result.losses,
    )


def compare_over_pairs(
    entries: Entries,
    column: str,
    pairs: Sequence[str],
    method: str,
    reference: str,
    measure: str,
    options: ComparisonOptions,
) -> Comparison | None:
    """Stratified permutation test over all queries of ``pairs``, each query permuted within its own pair.

    None unless both methods have scores, on the same queries, on every pair.
    """
    per_pair = []
    for pair in pairs:
        reference_entry = scored(entries, pair, reference, measure)
        method_entry = scored(entries, pair, method, measure)
        if reference_entry is None or method_entry is None:
            return None
        scores = aligned_scores(reference_entry, method_entry, measure)
        if scores is None:
            return None
        per_pair.append(scores)
    reference_scores = np.concatenate([r for r, _ in per_pair])
    method_scores = np.concatenate([m for _, m in per_pair])
    strata = np.repeat(np.asarray(pairs), [r.size for r, _ in per_pair])
    p_value = stratified_permutation_test(
        reference_scores,
        method_scores,
        strata,
        n_resamples=options.resamples,
        seed=options.seed,
        weighting=CROSS_PAIR_WEIGHTING,
    )
    differences = method_scores - reference_scores
    mean_method = float(np.mean([m.mean() for _, m in per_pair]))
    mean_reference = float(np.mean([r.mean() for r, _ in per_pair]))
    return Comparison(
        measure=measure,
        column=column,
        pairs=tuple(pairs),
        method=method,
        reference=reference,
        test=CROSS_PAIR_TEST,
        queries=int(differences.size),
        mean_method=mean_method,
        mean_reference=mean_reference,
        mean_diff=float(np.mean([(m - r).mean() for r, m in per_pair])),
        ci_low=math.nan,
        ci_high=math.nan,
        p_value=float(p_value),
        effect_size_dz=math.nan,
        wins=int(np.count_nonzero(differences > TIE_TOLERANCE)),
        ties=int(np.count_nonzero(np.abs(differences) <= TIE_TOLERANCE)),
        losses=int(np.count_nonzero(differences < -TIE_TOLERANCE)),
    )
