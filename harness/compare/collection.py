"""Every comparison of one collection's board, corrected per family, and the top groups of each column."""

from __future__ import annotations

from collections.abc import Collection, Mapping, Sequence
from dataclasses import replace
from itertools import combinations

from harness.compare.columns import GROUPS, Entries, column_means, columns_of_board, has_scores
from harness.compare.families import correct, family_label
from harness.compare.options import ComparisonOptions
from harness.compare.paired import compare_on_pair, compare_over_pairs
from harness.compare.results import ComparisonResults, TieGroup, Unpaired
from harness.data.pairs import PAIRS


def compare_collection(
    entries: Entries,
    methods: Sequence[str],
    measures: Sequence[str],
    options: ComparisonOptions,
    groups: Mapping[str, tuple[str, ...]] = GROUPS,
    oracles: Collection[str] = (),
    pairs: Sequence[str] = tuple(PAIRS),
    own: Collection[str] = (),
) -> ComparisonResults:
    """Every comparison of one collection's board, corrected per family.

    ``oracles`` (e.g. bm25-ht) are neither compared nor used as a reference: a ceiling is not a competitor.
    ``own``: methods corrected each in a family of their own unless ``options.joint_family`` (``families.py``).
    """
    methods = [m for m in methods if m not in oracles]
    if options.baseline_mode:
        missing = tuple(b for b in options.baselines if not has_scores(entries, b) or b in oracles)
        references = [b for b in options.baselines if b not in missing]
        matchups = [(reference, method) for reference in references for method in methods if method != reference]
    else:
        missing = ()
        # Each unordered pair once: the later method (in board order) against the earlier.
        matchups = list(combinations(methods, 2))
    raw, unpaired = [], set()
    for measure in measures:
        for reference, method in matchups:
            for column, members in columns_of_board(groups, pairs).items():
                if len(members) == 1:
                    result = compare_on_pair(entries, column, method, reference, measure, options)
                else:
                    result = compare_over_pairs(entries, column, members, method, reference, measure, options)
                if isinstance(result, Unpaired):
                    unpaired.add(result)
                elif result is not None:
                    raw.append(result)
    comparisons, families = correct(raw, lambda c: family_label(c, options, own), options.correction)
    results = ComparisonResults(
        options=options,
        comparisons=comparisons,
        families=families,
        missing_baselines=missing,
        unpaired=tuple(sorted(unpaired, key=lambda u: (list(pairs).index(u.pair), u.method, u.reference))),
    )
    if not options.baseline_mode:
        results = replace(results, tie_groups=tie_groups(entries, methods, measures, results, groups, pairs))
    return results


def tie_groups(
    entries: Entries,
    methods: Sequence[str],
    measures: Sequence[str],
    results: ComparisonResults,
    columns: Mapping[str, tuple[str, ...]] = GROUPS,
    pairs: Sequence[str] = tuple(PAIRS),
) -> tuple[TieGroup, ...]:
    """Per measure and column: the best method, and the others split by their comparison with it."""
    alpha = results.options.alpha
    groups = []
    for measure in measures:
        means = column_means(entries, methods, measure, columns, pairs)
        for column in means.columns:
            scored_methods = means[column].dropna()
            if scored_methods.empty:
                continue
            best = str(scored_methods.idxmax())  # the first of equal maxima, in board order
            tied, worse, untested = [], [], []
            for method in scored_methods.index:
                if method == best:
                    continue
                comparison = results.find(measure, column, method, best)
                if comparison is None:
                    untested.append(method)
                elif comparison.significant(alpha):
                    worse.append(method)
                else:
                    tied.append(method)
            groups.append(TieGroup(measure, column, best, tuple(tied), tuple(worse), tuple(untested)))
    return tuple(groups)
