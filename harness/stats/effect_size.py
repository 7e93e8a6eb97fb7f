"""Cohen's d_z for paired scores, and the input checks every paired statistic shares.

d_z = mean(d) / std(d, ddof=1) with d = other - baseline per query (Cohen 1988,
sec. 2.3; Lakens 2013).  It is the paired t statistic divided by sqrt(n), so it
does not grow with the number of queries.

Degenerate cases:
  * every difference is zero (|d| <= TIE_TOLERANCE) -> 0.0  (no effect)
  * a constant non-zero difference (spread <= TIE_TOLERANCE, so std is 0 up to
    rounding) -> +inf or -inf: every query moved by the same amount

The checks live here because this module depends on nothing else in the package,
so every test module can import them without an import cycle.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np
from numpy.typing import ArrayLike

# Differences this small are ties: scores computed from the same judgments can
# differ by rounding alone.  All tests return NaN when every difference is a tie.
TIE_TOLERANCE = 1e-12

REFERENCE = (
    "Cohen (1988) Statistical Power Analysis for the Behavioral Sciences, 2nd ed., "
    "sec. 2.3; Lakens (2013) Front. Psychol. 4:863"
)


def paired_differences(baseline: ArrayLike, other: ArrayLike) -> np.ndarray:
    """Per-query differences ``other - baseline`` as a new float64 vector.

    Raises ValueError unless both are 1-D, equally long, finite and hold at
    least two queries (no paired statistic is defined on fewer).
    """
    baseline_scores = _scores(baseline, "baseline")
    other_scores = _scores(other, "other")
    if baseline_scores.shape != other_scores.shape:
        raise ValueError(
            f"paired scores differ in length: baseline has {baseline_scores.size} "
            f"queries, other has {other_scores.size}"
        )
    if baseline_scores.size < 2:
        raise ValueError(f"need at least 2 paired queries, got {baseline_scores.size}")
    return other_scores - baseline_scores


def all_tied(differences: np.ndarray) -> bool:
    """True when no query differs by more than TIE_TOLERANCE: nothing to test."""
    return bool(np.all(np.abs(differences) <= TIE_TOLERANCE))


def all_equal(differences: np.ndarray) -> bool:
    """True when the differences are constant up to TIE_TOLERANCE: std is 0 but for rounding."""
    return bool(np.ptp(differences) <= TIE_TOLERANCE)


def check_resampling(n_resamples: int, seed: int) -> None:
    """Reject resampling settings that would make a result non-reproducible or empty."""
    if isinstance(n_resamples, bool) or not isinstance(n_resamples, (int, np.integer)):
        raise TypeError(f"n_resamples must be an int, got {n_resamples!r}")
    if n_resamples < 1:
        raise ValueError(f"n_resamples must be at least 1, got {n_resamples}")
    # An int seed (not None, not a Generator) is what makes results reproducible.
    if isinstance(seed, bool) or not isinstance(seed, (int, np.integer)):
        raise TypeError(f"seed must be an int, got {seed!r}")
    if seed < 0:
        raise ValueError(f"seed must be non-negative, got {seed}")


def cohens_dz(baseline: ArrayLike, other: ArrayLike) -> float:
    """Cohen's d_z of ``other - baseline``; see the module docstring for std = 0."""
    return cohens_dz_of_differences(paired_differences(baseline, other))


def cohens_dz_of_differences(differences: np.ndarray) -> float:
    if all_tied(differences):
        return 0.0
    mean = float(np.mean(differences))
    # Scores like b + 0.1 - b are constant only up to rounding; their tiny std
    # would give a huge, meaningless finite d_z.
    if all_equal(differences):
        return math.copysign(math.inf, mean)
    return mean / float(np.std(differences, ddof=1))


def _scores(values: ArrayLike | Sequence[float], role: str) -> np.ndarray:
    array = np.asarray(values, dtype=np.float64)
    if array.ndim != 1:
        raise ValueError(f"{role} scores must be a 1-D sequence (one per query), got shape {array.shape}")
    if not np.all(np.isfinite(array)):
        raise ValueError(f"{role} scores contain NaN or infinite values")
    return array
