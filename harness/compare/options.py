"""How a board compares: which test, correction, family and comparisons (``--test``, ``--family`` ...)."""

from __future__ import annotations

from dataclasses import dataclass

from harness.errors import UsageError
from harness.stats import CORRECTIONS, TESTS


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
    # False: methods from outside the built-in registry are corrected each in a family of their own
    # (families.py); True: one family for all, as --family says.
    joint_family: bool = False

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
