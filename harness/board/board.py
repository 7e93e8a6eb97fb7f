"""The leaderboard as data, rebuilt from saved per-query scores.  No retrieval, no formatting.

Per collection, a ``CollectionBoard`` holds what every output format shows: per
measure, the mean of each method on each of the seven pairs and on the
low-resource, high-resource and overall means of the per-pair means, a 95%
bootstrap interval for each per-pair mean, and the comparisons of
``harness.compare`` (significance against the baselines, or the top group of
each column).  the modules beside this one turn boards into markdown, CSV, JSON,
LaTeX and plots; ``build.py`` writes the files.
"""

from __future__ import annotations

from collections.abc import Collection, Sequence
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from harness.compare import (
    GROUPS,
    ComparisonOptions,
    ComparisonResults,
    Entries,
    column_means,
    compare_collection,
    covered_group,
    has_scores,
    groups_for,
    scored,
)
from harness.data.pairs import PAIRS
from harness.evaluation.scores import ScoreEntry
from harness.stats import paired_bootstrap_ci

# Results within this much of the column's best are all shown as best: the
# tables print four decimals, so two results that print alike are not ranked.
BEST_TOLERANCE = 5e-5


@dataclass
class CollectionBoard:
    name: str  # the collection, e.g. "ntrex"
    title: str  # heading, e.g. "Collection `ntrex`: NTREX-128 news ..."
    source: str  # the scores file it was rebuilt from, relative to the results folder
    entries: Entries
    methods: list[str]  # rows, in board order
    measures: list[str]  # tables, the first is the main one
    options: ComparisonOptions
    comparisons: ComparisonResults
    oracles: frozenset[str] = frozenset()  # ceiling rows: marked, not "best", not compared
    groups: dict[str, tuple[str, ...]] = field(default_factory=lambda: dict(GROUPS))  # mean columns -> their pairs
    pairs: tuple[str, ...] = tuple(PAIRS)  # the collection's pairs: one column each
    own: frozenset[str] = frozenset()  # rows from outside the built-in registry, each in a family of its own
    # Judgements complete by construction (an unjudged document is non-relevant): no Judged@10 warning.
    complete_judgements: bool = False
    _means: dict[str, pd.DataFrame] = field(default_factory=dict, repr=False)
    _intervals: dict[str, tuple[pd.DataFrame, pd.DataFrame]] = field(default_factory=dict, repr=False)

    @property
    def main_measure(self) -> str:
        return self.measures[0]

    def judged(self) -> dict[str, dict[str, float]]:
        """Judged@10 of every scored cell: method -> pair -> mean over its queries."""
        return {
            method: {pair: e.judged_at_10 for pair in self.pairs
                     if (e := self.entry(pair, method)) is not None and e.status == "ok" and e.judged_at_10 is not None}
            for method in self.methods
        }

    @property
    def columns(self) -> list[str]:
        return [*self.pairs, *self.groups]

    def entry(self, pair: str, method: str) -> ScoreEntry | None:
        return self.entries.get((pair, method))

    def means(self, measure: str) -> pd.DataFrame:
        """Methods x columns; NaN where there is no score (a group mean needs every pair of its group)."""
        if measure not in self._means:
            self._means[measure] = column_means(self.entries, self.methods, measure, self.groups, self.pairs)
        return self._means[measure]

    def best(self, measure: str) -> pd.DataFrame:
        """Per column, whether each method's mean is the best (within BEST_TOLERANCE): methods x columns."""
        means = self.means(measure)
        competitors = means.drop(index=[m for m in self.methods if m in self.oracles])
        best = means.sub(competitors.max(axis=0), axis=1).abs().le(BEST_TOLERANCE) & means.notna()
        best.loc[[m for m in self.methods if m in self.oracles]] = False
        return best

    def intervals(self, measure: str) -> tuple[pd.DataFrame, pd.DataFrame]:
        """Low and high ends of each per-pair mean's paired bootstrap interval (methods x pairs).

        The bootstrap of one method's mean is the paired bootstrap of its
        difference from an all-zero run: same resamples, seed and level as the comparisons.
        """
        if measure not in self._intervals:
            low = pd.DataFrame(np.nan, index=self.methods, columns=list(self.pairs))
            high = low.copy()
            for method in self.methods:
                for pair in self.pairs:
                    entry = scored(self.entries, pair, method, measure)
                    if entry is None or len(entry.query_ids) < 2:
                        continue
                    scores = entry.values(measure)
                    low.loc[method, pair], high.loc[method, pair] = paired_bootstrap_ci(
                        np.zeros_like(scores),
                        scores,
                        confidence=self.options.confidence,
                        n_resamples=self.options.resamples,
                        seed=self.options.seed,
                    )
            self._intervals[measure] = (low, high)
        return self._intervals[measure]


def build_board(
    name: str,
    title: str,
    source: str,
    entries: Entries,
    methods: Sequence[str],
    measures: Sequence[str],
    options: ComparisonOptions,
    oracles: Collection[str] = (),
    pairs: Sequence[str] = tuple(PAIRS),
    *,
    own: Collection[str] = (),
    complete_judgements: bool = False,
) -> CollectionBoard:
    """Every number one collection's board shows; the comparisons are computed here, once.

    ``pairs``: the collection's pairs (its columns); the mean columns follow from them (``groups_for``).
    ``own``: methods from outside the built-in registry, corrected each in a family of their own
    unless ``options.joint_family`` (``harness/compare/families.py``).

    Besides the fixed mean columns, a low-resource mean over the pairs the baselines cover is added
    when a baseline misses a low-resource pair (see ``compare.covered_group``).  It is defined by
    the baselines alone, so a later row that misses a pair shows no score there instead of
    redefining the column for every row.
    """
    oracles = frozenset(m for m in oracles if m in methods)
    baselines = [b for b in options.baselines if b in methods and b not in oracles and has_scores(entries, b)]
    groups: dict[str, tuple[str, ...]] = {}
    for group, members in groups_for(tuple(pairs)).items():
        groups[group] = members
        if group == "low-resource mean" and tuple(pairs) == tuple(PAIRS):  # the covered low-resource mean, after the full one
            groups.update(covered_group(entries, baselines, group))
    own = frozenset(m for m in own if m in methods)
    comparisons = compare_collection(entries, methods, measures, options, groups, oracles, tuple(pairs), own)
    return CollectionBoard(
        name, title, source, entries, list(methods), list(measures), options, comparisons, oracles, groups, tuple(pairs),
        own=own, complete_judgements=complete_judgements,
    )
