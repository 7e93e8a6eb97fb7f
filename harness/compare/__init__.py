"""Which comparisons a leaderboard makes, their families, corrected p-values and top groups.

Layers: ``harness.stats`` computes one paired comparison or corrects one list of
p-values.  This package decides *which* comparisons are made -- every method
against each baseline, or every pair of methods -- per language pair and per
group of pairs (the leaderboard's mean columns), which family each one belongs
to (``--family pair|table|all``), and, for all pairs of methods, which methods
the statistics cannot separate from the best of a column.  Only ``report.py`` and ``plot.py``
format anything (``compare A B``); the board's outputs are ``harness.board``'s.

Direction: every ``Comparison`` is ``method - reference``, so a positive mean
difference means ``method`` scored higher.

One module per job: ``options.py`` (test, correction, family), ``results.py`` (what a comparison
holds), ``columns.py`` (pairs, mean columns, aligned scores), ``paired.py`` (one column's test),
``families.py`` (multiple-testing correction), ``collection.py`` (a board's comparisons and top
groups), ``duel.py`` (``compare A B``), ``power.py`` (queries a comparison would need for 80% power),
``report.py`` and ``plot.py`` (its console text and PNG).
"""

from __future__ import annotations

from harness.compare.options import COMPARISON_MODES, ComparisonOptions, FAMILIES
from harness.compare.results import Comparison, ComparisonResults, TieGroup, Unpaired
from harness.compare.columns import Entries, GROUPS, aligned_scores, column_means, columns_of_board, covered_group, groups_for, has_scores, scored
from harness.compare.paired import CROSS_PAIR_TEST, CROSS_PAIR_WEIGHTING, compare_on_pair, compare_over_pairs
from harness.compare.families import correct, family_label
from harness.compare.collection import compare_collection, tie_groups
from harness.compare.duel import Duel, PairDifferences, duel
from harness.compare.power import QueriesNeeded, needed_for_effect, queries_needed_for

__all__ = [
    "COMPARISON_MODES",
    "ComparisonOptions",
    "FAMILIES",
    "Comparison",
    "ComparisonResults",
    "TieGroup",
    "Unpaired",
    "Entries",
    "GROUPS",
    "aligned_scores",
    "column_means",
    "columns_of_board",
    "covered_group",
    "groups_for",
    "has_scores",
    "scored",
    "CROSS_PAIR_TEST",
    "CROSS_PAIR_WEIGHTING",
    "compare_on_pair",
    "compare_over_pairs",
    "correct",
    "family_label",
    "compare_collection",
    "tie_groups",
    "Duel",
    "PairDifferences",
    "duel",
    "QueriesNeeded",
    "needed_for_effect",
    "queries_needed_for",
]
