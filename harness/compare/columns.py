"""A board's columns and the scores under them: the pairs, the mean columns over groups of pairs,
the per-column means, and the scores of one method on one pair aligned query by query."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np
import pandas as pd

from harness.data.pairs import PAIRS, get_pair
from harness.evaluation.scores import ScoreEntry

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


def covered_group(entries: Entries, methods: Sequence[str], group: str = "low-resource mean") -> dict[str, tuple[str, ...]]:
    """The mean column over the pairs of ``group`` where every one of ``methods`` (the board passes its
    baselines) has a score.

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
