"""How many queries a comparison would need: 80% power for a paired t-test at the observed difference,
at α and at its family's corrected α (``harness.stats.topic_set_size``)."""

from __future__ import annotations

from dataclasses import dataclass

from harness.compare.columns import Entries, aligned_scores, scored
from harness.compare.results import Comparison
from harness.stats.topic_set_size import MAX_QUERIES, POWER, queries_needed, weighted_effect_size


@dataclass(frozen=True)
class QueriesNeeded:
    """Queries for ``POWER`` at the observed difference; per pair when the comparison spans several pairs."""

    per_pair: bool
    effect_size: float  # mean difference over its standard deviation (weighted over pairs); NaN: no spread
    alpha: float
    queries: int | None  # None: no number of queries separates them (no difference, or no spread)
    corrected_alpha: float  # alpha / family size: the level of the strictest step of Holm, Bonferroni's level
    queries_corrected: int | None

    def text(self) -> str:
        """E.g. "queries for 80% power: 57 at α = 0.05, 96 at the family's α/m = 0.0033"."""
        unit = " per pair" if self.per_pair else ""
        if self.queries is None:
            return f"queries for {POWER:.0%} power: no number up to {MAX_QUERIES:,} would do"
        return (f"queries for {POWER:.0%} power{unit}: {self.queries} at α = {self.alpha:g}, "
                f"{self.queries_corrected} at the family's α/m = {self.corrected_alpha:.2g}")

    def not_separable_sentence(self) -> str:
        """The sentence a "not separable" verdict gets."""
        if self.queries_corrected is None:
            return f"no number of queries up to {MAX_QUERIES:,} would separate these at the observed difference"
        unit = " per pair" if self.per_pair else ""
        return f"about {self.queries_corrected} queries{unit} would be needed to separate these at the observed difference"


def queries_needed_for(entries: Entries, comparison: Comparison, alpha: float) -> QueriesNeeded | None:
    """For a comparison whose per-query scores are in ``entries`` (weights 1/K over its pairs); None if they are not."""
    differences = []
    for pair in comparison.pairs:
        reference = scored(entries, pair, comparison.reference, comparison.measure)
        method = scored(entries, pair, comparison.method, comparison.measure)
        if reference is None or method is None:
            return None
        scores = aligned_scores(reference, method, comparison.measure)
        if scores is None:
            return None
        differences.append(scores[1] - scores[0])
    return needed_for_effect(weighted_effect_size(differences), alpha, comparison.family_size, len(comparison.pairs) > 1)


def needed_for_effect(effect_size: float, alpha: float, family_size: int, per_pair: bool) -> QueriesNeeded:
    corrected = alpha / max(family_size, 1)
    return QueriesNeeded(per_pair, effect_size, alpha, queries_needed(effect_size, alpha), corrected,
                         queries_needed(effect_size, corrected))
