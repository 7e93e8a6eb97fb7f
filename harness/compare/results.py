"""What comparing produces: one ``Comparison`` per (measure, column, method, reference), tie groups, and
the cells that could not be tested.  Direction: ``method - reference``, so a positive difference
means ``method`` scored higher."""

from __future__ import annotations

import math
from collections.abc import Collection
from dataclasses import dataclass, field, replace

import numpy as np

from harness.compare.options import ComparisonOptions


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

    def family_sizes(self, measure: str, over_groups: bool, reference: str | None = None,
                     exclude: Collection[str] = ()) -> dict[str, int]:
        """Families (label -> size) that the comparisons of one table touch, pair or mean columns;
        ``exclude``: leave out the comparisons of these methods (those corrected in families of their own)."""
        return {
            c.family: self.families[c.family]
            for c in self.of_measure(measure)
            if c.over_group == over_groups and (reference is None or c.reference == reference)
            and c.method not in exclude and c.reference not in exclude
        }

    def tie_group(self, measure: str, column: str) -> TieGroup | None:
        return next((g for g in self.tie_groups if g.measure == measure and g.column == column), None)
