"""Which comparisons a leaderboard makes, their families, corrected p-values and top groups.

Layers: ``harness.stats`` computes one paired comparison or corrects one list of
p-values.  This module decides *which* comparisons are made -- every method
against each baseline, or every pair of methods -- per language pair and per
group of pairs (the leaderboard's mean columns), which family each one belongs
to (``--family pair|table|all``), and, for all pairs of methods, which methods
the statistics cannot separate from the best of a column.  Nothing here
formats anything: ``harness.render`` does that.

Direction: every ``Comparison`` is ``method - reference``, so a positive mean
difference means ``method`` scored higher.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Collection, Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from itertools import combinations

import numpy as np
import pandas as pd

from harness.data.pairs import PAIRS, get_pair
from harness.errors import HarnessError, UsageError
from harness.scores import ScoreEntry
from harness.stats import (
    CORRECTIONS,
    TESTS,
    TIE_TOLERANCE,
    compare_paired,
    correct_pvalues,
    stratified_permutation_test,
)

Entries = Mapping[tuple[str, str], ScoreEntry]

def groups_for(pairs: Sequence[str]) -> dict[str, tuple[str, ...]]:
    """A board's mean columns, each the mean of its pairs' means.

    The low- and high-resource means appear only when the pairs hold both kinds (NTREX's seven);
    a collection of one kind (XQuAD, Multi30k) gets the overall mean alone.
    """
    low = tuple(p for p in pairs if get_pair(p).resource == "low")
    high = tuple(p for p in pairs if get_pair(p).resource == "high")
    split = {"low-resource mean": low, "high-resource mean": high} if low and high else {}
    return split | ({"mean": tuple(pairs)} if len(pairs) > 1 else {})


# The main board's mean columns (the seven pairs).
GROUPS: dict[str, tuple[str, ...]] = groups_for(tuple(PAIRS))

# The mean columns weight every pair equally (a macro mean), so the cross-pair
# test does too: its statistic is then exactly the difference of two methods'
# mean columns, and a pair with more queries does not outvote the others.
CROSS_PAIR_TEST = "stratified-permutation"
CROSS_PAIR_WEIGHTING = "stratum"

FAMILIES: dict[str, str] = {
    "pair": "one family per column (language pair or mean column), measure and baseline",
    "table": "one family per table (measure) and baseline; mean columns form their own",
    "all": "one family for every measure, pair and baseline of a collection; mean columns form their own",
}
COMPARISON_MODES: dict[str, str] = {
    "baseline": "every method against each baseline",
    "all-pairs": "every pair of methods; per column, the methods tied with the best",
}


@dataclass(frozen=True)
class ComparisonOptions:
    baselines: tuple[str, ...] = ("bm25-nmt",)
    test: str = "t-test"
    correction: str = "holm"
    alpha: float = 0.05
    family: str = "table"
    comparisons: str = "baseline"
    seed: int = 0
    resamples: int = 10_000
    confidence: float = 0.95

    def __post_init__(self):
        for value, valid, what in (
            (self.test, TESTS, "test"),
            (self.correction, CORRECTIONS, "correction"),
            (self.family, FAMILIES, "family"),
            (self.comparisons, COMPARISON_MODES, "comparisons"),
        ):
            if value not in valid:
                raise UsageError(f"unknown {what} {value}; valid: {', '.join(valid)}")
        if not self.baselines or len(set(self.baselines)) != len(self.baselines):
            raise UsageError(f"--baseline needs one or more distinct methods, got {','.join(self.baselines)!r}")
        if not 0.0 < self.alpha < 1.0:
            raise UsageError(f"--alpha must lie strictly between 0 and 1, got {self.alpha}")
        if self.seed < 0 or self.resamples < 1:
            raise UsageError(f"--seed must be >= 0 and --resamples >= 1, got {self.seed} and {self.resamples}")

    @property
    def baseline_mode(self) -> bool:
        return self.comparisons == "baseline"


@dataclass(frozen=True)
class Comparison:
    """``method`` against ``reference`` on one column (a pair, or a group of pairs) for one measure."""

    measure: str
    column: str  # a pair ("en-sw") or a mean column ("low-resource mean")
    pairs: tuple[str, ...]  # the pairs whose queries it covers: one, or a group's
    method: str
    reference: str  # the baseline, or the other method of an all-pairs comparison
    test: str  # a key of harness.stats.TESTS, or CROSS_PAIR_TEST
    queries: int
    mean_method: float  # over a group: the macro mean, as in the mean columns
    mean_reference: float
    mean_diff: float  # mean_method - mean_reference
    ci_low: float  # paired bootstrap interval of mean_diff; NaN over a group (not computed)
    ci_high: float
    p_value: float  # two-sided; NaN when every query ties
    effect_size_dz: float  # Cohen's d_z; NaN over a group
    wins: int  # queries where method beats reference by more than TIE_TOLERANCE
    ties: int
    losses: int
    family: str = ""  # label of its multiple-testing family
    family_size: int = 0  # tested comparisons (non-NaN p-values) in that family
    p_corrected: float = math.nan

    @property
    def over_group(self) -> bool:
        return len(self.pairs) > 1

    def significant(self, alpha: float) -> bool:
        return math.isfinite(self.p_corrected) and self.p_corrected < alpha and self.mean_diff != 0

    def direction(self, alpha: float) -> int:
        """+1: method significantly better; -1: significantly worse; 0: neither."""
        return int(np.sign(self.mean_diff)) if self.significant(alpha) else 0

    def reversed(self) -> Comparison:
        """The same comparison read the other way round: reference against method."""
        return replace(
            self,
            method=self.reference,
            reference=self.method,
            mean_method=self.mean_reference,
            mean_reference=self.mean_method,
            mean_diff=-self.mean_diff,
            ci_low=-self.ci_high,
            ci_high=-self.ci_low,
            effect_size_dz=-self.effect_size_dz,
            wins=self.losses,
            losses=self.wins,
        )


@dataclass(frozen=True)
class TieGroup:
    """Per column (all-pairs mode): the best method and those the statistics cannot separate from it."""

    measure: str
    column: str
    best: str
    tied: tuple[str, ...]  # not significantly different from the best after correction
    worse: tuple[str, ...]  # significantly worse than the best
    untested: tuple[str, ...]  # scored, but not on the same queries as the best

    @property
    def members(self) -> tuple[str, ...]:
        return (self.best, *self.tied)


@dataclass(frozen=True)
class Unpaired:
    """A cell that could not be tested: its method and reference were scored on different queries."""

    pair: str
    method: str
    reference: str


@dataclass(frozen=True)
class ComparisonResults:
    options: ComparisonOptions
    comparisons: tuple[Comparison, ...]
    families: dict[str, int]  # family label -> number of tested comparisons
    tie_groups: tuple[TieGroup, ...] = ()
    missing_baselines: tuple[str, ...] = ()  # baselines without a single score here: no marks against them
    unpaired: tuple[Unpaired, ...] = ()
    _by_key: dict[tuple[str, str, str, str], Comparison] = field(init=False, repr=False, compare=False)

    def __post_init__(self):
        # Renderers look comparisons up cell by cell: index them once.
        index = {(c.measure, c.column, c.method, c.reference): c for c in self.comparisons}
        object.__setattr__(self, "_by_key", index)  # the way to set a field of a frozen dataclass

    def get(self, measure: str, column: str, method: str, reference: str) -> Comparison | None:
        """The comparison made of ``method`` against ``reference`` (that way round only)."""
        return self._by_key.get((measure, column, method, reference))

    def find(self, measure: str, column: str, method: str, reference: str) -> Comparison | None:
        """The comparison of ``method`` against ``reference``, whichever way round it was made."""
        found = self.get(measure, column, method, reference)
        if found is not None:
            return found
        found = self.get(measure, column, reference, method)
        return found.reversed() if found is not None else None

    def of_measure(self, measure: str) -> list[Comparison]:
        return [c for c in self.comparisons if c.measure == measure]

    def family_sizes(self, measure: str, over_groups: bool, reference: str | None = None) -> dict[str, int]:
        """Families (label -> size) that the comparisons of one table touch, pair or mean columns."""
        return {
            c.family: self.families[c.family]
            for c in self.of_measure(measure)
            if c.over_group == over_groups and (reference is None or c.reference == reference)
        }

    def tie_group(self, measure: str, column: str) -> TieGroup | None:
        return next((g for g in self.tie_groups if g.measure == measure and g.column == column), None)


def scored(entries: Entries, pair: str, method: str, measure: str) -> ScoreEntry | None:
    """The entry of ``method`` on ``pair`` if it has per-query scores for ``measure``."""
    entry = entries.get((pair, method))
    if entry is None or entry.status != "ok" or measure not in entry.scores:
        return None
    return entry


def aligned_scores(reference: ScoreEntry, other: ScoreEntry, measure: str) -> tuple[np.ndarray, np.ndarray] | None:
    """Both entries' scores in the reference's query order; None if they cover different queries."""
    reference_scores, other_scores = reference.values(measure), other.values(measure)
    if list(other.query_ids) == list(reference.query_ids):
        return reference_scores, other_scores
    if set(other.query_ids) != set(reference.query_ids) or len(other.query_ids) != len(reference.query_ids):
        return None
    position = {qid: i for i, qid in enumerate(other.query_ids)}
    return reference_scores, other_scores[[position[qid] for qid in reference.query_ids]]


def has_scores(entries: Entries, method: str) -> bool:
    return any(m == method and e.status == "ok" for (_, m), e in entries.items())


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


def family_label(comparison: Comparison, options: ComparisonOptions) -> str:
    """The family a comparison belongs to under ``options.family``; its label names what it spans."""
    columns = "mean columns" if comparison.over_group else "pairs"
    versus = f"vs {comparison.reference}" if options.baseline_mode else "all pairs of methods"
    if options.family == "pair":
        return f"{comparison.measure} · {comparison.column} · {versus}"
    if options.family == "table":
        return f"{comparison.measure} · {columns} · {versus}"
    across = "all baselines" if options.baseline_mode else "all pairs of methods"
    return f"all measures · {columns} · {across}"


def correct(
    comparisons: Iterable[Comparison], label_of: Callable[[Comparison], str], correction: str
) -> tuple[tuple[Comparison, ...], dict[str, int]]:
    """Correct the p-values of each family (comparisons with the same label) together."""
    comparisons = list(comparisons)
    members: dict[str, list[int]] = {}
    for i, comparison in enumerate(comparisons):
        members.setdefault(label_of(comparison), []).append(i)
    corrected = list(comparisons)
    sizes = {}
    for label, indices in members.items():
        p_values = np.array([comparisons[i].p_value for i in indices])
        adjusted = correct_pvalues(p_values, method=correction)
        sizes[label] = int(np.count_nonzero(~np.isnan(p_values)))  # NaN p-values are not in the family
        for i, p in zip(indices, adjusted):
            corrected[i] = replace(comparisons[i], family=label, family_size=sizes[label], p_corrected=float(p))
    return tuple(corrected), sizes


def covered_group(entries: Entries, methods: Sequence[str], group: str = "low-resource mean") -> dict[str, tuple[str, ...]]:
    """The mean column over the pairs of ``group`` where every one of ``methods`` has a score.

    When a method misses a pair of a group (bm25-nmt on en-yo without Yoruba MT) the group's
    mean column shows no score for it; this column still compares every method, on the pairs
    they all cover, labelled with those pairs: e.g. ``{"low-resource mean (sw, so, mr)": (...)}``.
    Empty when the group is covered in full, or when fewer than two of its pairs are.
    """
    members = GROUPS.get(group, ())
    covered = tuple(
        p for p in members if all(entries.get((p, m)) is not None and entries[(p, m)].status == "ok" for m in methods)
    )
    if covered == members or len(covered) < 2:
        return {}
    return {f"{group} ({', '.join(get_pair(p).lang for p in covered)})": covered}


def columns_of_board(
    groups: Mapping[str, tuple[str, ...]] = GROUPS, pairs: Sequence[str] = tuple(PAIRS)
) -> dict[str, tuple[str, ...]]:
    """Every column of a table and the pairs it covers: the collection's pairs, then the mean columns."""
    return {pair: (pair,) for pair in pairs} | dict(groups)


def compare_collection(
    entries: Entries,
    methods: Sequence[str],
    measures: Sequence[str],
    options: ComparisonOptions,
    groups: Mapping[str, tuple[str, ...]] = GROUPS,
    oracles: Collection[str] = (),
    pairs: Sequence[str] = tuple(PAIRS),
) -> ComparisonResults:
    """Every comparison of one collection's board, corrected per family.

    ``oracles`` (e.g. bm25-ht) are neither compared nor used as a reference: a ceiling is not a competitor.
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
    comparisons, families = correct(raw, lambda c: family_label(c, options), options.correction)
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


def column_means(
    entries: Entries, methods: Sequence[str], measure: str, groups: Mapping[str, tuple[str, ...]] = GROUPS,
    pairs: Sequence[str] = tuple(PAIRS),
) -> pd.DataFrame:
    """Methods x columns: the mean per pair, then each group's mean of its pairs' means.

    NaN where a method has no score on the pair, or misses any pair of a group.
    """
    pairs = list(pairs)
    means = pd.DataFrame(np.nan, index=list(methods), columns=pairs)
    for method in methods:
        for pair in pairs:
            entry = scored(entries, pair, method, measure)
            if entry is not None:
                means.loc[method, pair] = entry.mean(measure)
    for group, members in groups.items():
        means[group] = means[list(members)].mean(axis=1, skipna=False)
    return means


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


@dataclass(frozen=True)
class PairDifferences:
    """Per-query scores of two methods on one pair, and their comparison."""

    pair: str
    table: pd.DataFrame  # columns: query, <method>, <reference>, diff; sorted by diff, largest first
    comparison: Comparison


@dataclass(frozen=True)
class Duel:
    """``python -m harness compare A B``: method A against method B, per pair and over pairs."""

    method: str
    reference: str
    measure: str
    per_pair: tuple[PairDifferences, ...]
    over_pairs: tuple[Comparison, ...]  # the chosen pairs together, and every group among them
    left_out: tuple[str, ...]  # why each pair was left out of "all pairs": one line each


def duel(
    entries: Entries,
    method: str,
    reference: str,
    measure: str,
    pairs: Sequence[str] | None,
    options: ComparisonOptions,
    collection_pairs: Sequence[str] = tuple(PAIRS),
) -> Duel:
    """Compare ``method`` (A) with ``reference`` (B).  ``pairs=None``: every pair where both have scores.

    Per-pair tests form one family and the tests over several pairs another,
    each corrected with ``options.correction``.
    """
    candidates = list(collection_pairs) if pairs is None else list(pairs)
    groups = groups_for(candidates) if set(candidates) - set(PAIRS) else GROUPS
    per_pair, left_out = [], []
    for pair in candidates:
        result = compare_on_pair(entries, pair, method, reference, measure, options)
        if isinstance(result, Comparison):
            per_pair.append(result)
            continue
        reason = _not_comparable(entries, pair, method, reference, measure, result)
        if pairs is not None:  # a pair asked for by name must be comparable
            raise HarnessError(reason)
        left_out.append(reason)
    if not per_pair:
        raise HarnessError(f"{method} and {reference} have no {measure} scores on a common pair; compare needs both")
    chosen = [c.column for c in per_pair]
    spans = {}
    if len(chosen) > 1:
        spans[_span_name(chosen)] = tuple(chosen)
    for group, members in groups.items():
        if set(members) <= set(chosen) and set(members) != set(chosen):
            spans[group] = members
    # Every chosen pair has scores for both, so each span does too.
    over_pairs = [
        compare_over_pairs(entries, name, members, method, reference, measure, options)
        for name, members in spans.items()
    ]
    corrected, _ = correct(
        per_pair + over_pairs,
        lambda c: f"{measure} · {'several pairs' if c.over_group else 'pairs'} · {method} vs {reference}",
        options.correction,
    )
    tables = []
    for comparison in corrected[: len(per_pair)]:
        reference_entry = scored(entries, comparison.column, reference, measure)
        method_entry = scored(entries, comparison.column, method, measure)
        reference_scores, method_scores = aligned_scores(reference_entry, method_entry, measure)
        table = pd.DataFrame({
            "query": reference_entry.query_ids,
            method: method_scores,
            reference: reference_scores,
            "diff": method_scores - reference_scores,
        })
        # Largest gain first; equal differences keep the query order (a stable sort), for a deterministic table.
        table = table.sort_values("diff", ascending=False, kind="mergesort").reset_index(drop=True)
        tables.append(PairDifferences(comparison.column, table, comparison))
    return Duel(method, reference, measure, tuple(tables), corrected[len(per_pair):], tuple(left_out))


def _span_name(pairs: Sequence[str]) -> str:
    for group, members in GROUPS.items():
        if set(members) == set(pairs):
            return group
    return "+".join(pairs)


def _not_comparable(entries: Entries, pair: str, method: str, reference: str, measure: str, result) -> str:
    if isinstance(result, Unpaired):
        return f"{method} and {reference} were scored on different queries of {pair}: no paired comparison"
    for name in (method, reference):
        entry = entries.get((pair, name))
        if entry is None:
            return f"{name} has no scores on {pair}"
        if entry.status != "ok":
            return f"{name} has no scores on {pair} (skipped: {entry.reason})"
        if measure not in entry.scores:
            return f"{name} has no {measure} scores on {pair}; it has: {', '.join(entry.scores)}"
    return f"{method} and {reference} cannot be compared on {pair}"
