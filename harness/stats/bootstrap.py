"""Paired bootstrap percentile interval for the mean per-query difference.

Queries are resampled with replacement, n at a time, keeping each query's two
scores together (that is what makes it paired); the interval is the
((1 - c) / 2, (1 + c) / 2) quantiles of the ``n_resamples`` resampled mean
differences (Efron & Tibshirani 1993, ch. 13; numpy's default linear
interpolation between order statistics).  It assumes queries are independent
draws from a population of queries; with few queries (< ~20) percentile
intervals are too narrow.

Speed: a resample's mean is (counts . d) / n, where counts[i] is how often query
i was drawn.  Every difference vector of length n shares one matrix of counts
per (n, n_resamples, seed), kept in a small cache (``CACHE_BYTES``, one byte per
count), and the means of all resamples come from one matrix-vector product.

Reproducibility, bit for bit, for a seed: indices come from
``Generator(PCG64(seed).jumped())`` -- the jump gives a stream independent of
the randomization test's signs for the same seed -- drawn row by row
(row-major, so chunking does not change them).  Differences are rounded onto
the exact grid of fisher_randomization_test.py (~1e-9 relative), so every
resampled sum is exact and the interval does not depend on summation order.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Iterator

import numpy as np
from numpy.typing import ArrayLike

from harness.stats.effect_size import check_resampling, paired_differences
from harness.stats.fisher_randomization_test import row_dot, to_exact_grid

REFERENCE = "Efron & Tibshirani (1993) An Introduction to the Bootstrap, ch. 13"

# Indices drawn at once, at most (8 bytes each, plus the bincount): bounds memory.
CHUNK_ELEMENTS = 1 << 20
# Count matrices kept for reuse, in bytes (10,000 resamples x 100 queries: 1 MB).
# Drawing one costs ~7 ms per million counts; reusing it, ~0.4 ms.
CACHE_BYTES = 128 << 20


def paired_bootstrap_ci(
    baseline: ArrayLike,
    other: ArrayLike,
    *,
    confidence: float = 0.95,
    n_resamples: int = 10_000,
    seed: int = 0,
) -> tuple[float, float]:
    """Percentile interval (low, high) for mean(other - baseline)."""
    return bootstrap_ci_of_differences(
        paired_differences(baseline, other), confidence=confidence, n_resamples=n_resamples, seed=seed
    )


def bootstrap_ci_of_differences(
    differences: np.ndarray, *, confidence: float, n_resamples: int, seed: int
) -> tuple[float, float]:
    if not 0.0 < confidence < 1.0:
        raise ValueError(f"confidence must lie strictly between 0 and 1, got {confidence}")
    check_resampling(n_resamples, seed)
    means = bootstrap_means(differences, n_resamples=n_resamples, seed=seed)
    low, high = np.quantile(means, [(1.0 - confidence) / 2.0, (1.0 + confidence) / 2.0])
    return float(low), float(high)


def bootstrap_means(differences: np.ndarray, *, n_resamples: int, seed: int) -> np.ndarray:
    """The mean of ``differences`` in each of ``n_resamples`` bootstrap resamples."""
    n = differences.size
    grid, unit = to_exact_grid(differences)
    sums = [row_dot(counts, grid) for counts in resample_counts(n, n_resamples, seed)]
    return np.concatenate(sums) * (unit / n)


def resample_counts(n: int, n_resamples: int, seed: int) -> Iterator[np.ndarray]:
    """Row chunks of the ``n_resamples x n`` matrix of per-query draw counts.

    Whole from the cache when it fits there, else drawn chunk by chunk; the
    rows, in order, are the same either way.
    """
    if n * n_resamples > CACHE_BYTES:
        yield from _draw_count_chunks(n, n_resamples, seed)
        return
    key = (n, n_resamples, seed)
    with _cache_lock:
        matrix = _cache.get(key)
        if matrix is not None:
            _cache.move_to_end(key)
    if matrix is None:
        matrix = np.vstack(list(_draw_count_chunks(n, n_resamples, seed)))
        matrix.flags.writeable = False  # shared between callers
        with _cache_lock:
            _cache[key] = matrix
            while sum(m.nbytes for m in _cache.values()) > CACHE_BYTES:
                _cache.popitem(last=False)  # least recently used
    yield matrix


def _draw_count_chunks(n: int, n_resamples: int, seed: int) -> Iterator[np.ndarray]:
    rng = np.random.Generator(np.random.PCG64(seed).jumped())
    rows_per_chunk = max(1, CHUNK_ELEMENTS // n)
    for start in range(0, n_resamples, rows_per_chunk):
        rows = min(rows_per_chunk, n_resamples - start)
        indices = rng.integers(0, n, size=(rows, n))
        # Offset each row's indices into its own block of n bins, so a single
        # bincount tallies every row at once.
        flat = (indices + n * np.arange(rows)[:, np.newaxis]).ravel()
        counts = np.bincount(flat, minlength=rows * n).reshape(rows, n)
        # A count above 255 is all but impossible, but stays exact if it happens.
        yield counts.astype(np.min_scalar_type(int(counts.max())))


_cache: OrderedDict[tuple[int, int, int], np.ndarray] = OrderedDict()
_cache_lock = threading.Lock()


def clear_cache() -> None:
    """Forget cached count matrices (frees memory; results do not change)."""
    with _cache_lock:
        _cache.clear()
