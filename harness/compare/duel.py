"""``python -m harness compare A B``: method A against method B, per pair and over pairs."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

import pandas as pd

from harness.compare.columns import GROUPS, Entries, aligned_scores, groups_for, scored
from harness.compare.families import correct
from harness.compare.options import ComparisonOptions
from harness.compare.paired import compare_on_pair, compare_over_pairs
from harness.compare.power import QueriesNeeded, queries_needed_for
from harness.compare.results import Comparison, Unpaired
from harness.data.pairs import PAIRS
from harness.errors import HarnessError


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
    needed: dict[str, QueriesNeeded] = field(default_factory=dict)  # per column: queries for 80% power


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
    each corrected with ``options.correction``.  Each comparison also gets the queries a paired
    t-test would need for 80% power at the observed difference (``Duel.needed``).
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
    needed = {c.column: queries_needed_for(entries, c, options.alpha) for c in corrected}
    return Duel(method, reference, measure, tuple(tables), corrected[len(per_pair):], tuple(left_out), needed)


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
