"""Two-sided Fisher randomization (sign-flip permutation) test over queries.

Under the null hypothesis the two systems are exchangeable on every query, so
swapping a query's two scores is as likely as not; a swap negates that query's
difference.  The test draws ``n_resamples`` random sign vectors s and counts how
often |mean(s * d)| reaches the observed |mean(d)| (Fisher 1935; recommended for
IR by Smucker, Allan & Carterette 2007).

p-value = (count + 1) / (n_resamples + 1): the observed assignment is counted as
one of the resamples, which keeps the Monte-Carlo test valid (never
anti-conservative) and never returns 0 (Phipson & Smyth 2010).  Every difference
zero (|d| <= 1e-12, TIE_TOLERANCE) -> NaN, as for the other tests.

Reproducibility, bit for bit, for a seed:
  * Signs are the bits of ``PCG64(seed).random_raw()``, ceil(n / 64) words per
    resample in row order, so a resample's signs do not depend on how many rows
    are drawn at once (chunks of ``CHUNK_ELEMENTS`` bound memory).
  * Differences are first rounded onto a grid (``to_exact_grid``): integers
    times a power of two, 30 significant bits relative to the largest |d|.  Every
    sum of grid values is then exact in float64, so the statistics do not depend
    on summation order (BLAS, threads, chunking, CPU), and ties with the
    observed value are exact ties.  The rounding (~1e-9 of the largest
    difference) is far below any difference that matters.
"""

from __future__ import annotations

import math
from collections.abc import Iterator

import numpy as np
from numpy.typing import ArrayLike

from harness.stats.effect_size import all_tied, check_resampling, paired_differences

REFERENCE = (
    "Fisher (1935) The Design of Experiments; Smucker, Allan & Carterette (2007) "
    "CIKM; Phipson & Smyth (2010) Stat. Appl. Genet. Mol. Biol. 9(1):39"
)

# Signs drawn at once, at most (1 byte each): bounds memory whatever n and n_resamples.
CHUNK_ELEMENTS = 1 << 20
# Precision kept by to_exact_grid, relative to the largest |difference|.
SIGNIFICANT_BITS = 30


def fisher_randomization_test(x: ArrayLike, y: ArrayLike, *, n_resamples: int = 10_000, seed: int = 0) -> float:
    """Two-sided randomization-test p-value for the mean of ``x - y``."""
    check_resampling(n_resamples, seed)
    differences = paired_differences(y, x)
    if all_tied(differences):
        return math.nan
    return sign_flip_pvalue(differences, n_resamples=n_resamples, seed=seed)


def sign_flip_pvalue(differences: np.ndarray, *, n_resamples: int, seed: int) -> float:
    """(count + 1) / (n_resamples + 1), count = #{s : |s . d| >= |sum d|}.

    The sum is the mean times n, so it orders resamples exactly as the mean does.
    ``differences`` may be weighted (stratified.py does); the test is the same.
    Callers decide what "nothing to test" means (all_tied) before calling.
    """
    grid, _ = to_exact_grid(differences)
    total = float(grid.sum())
    observed = abs(total)
    reaching = 0
    for keep in sign_bits(grid.size, n_resamples, seed):
        # With s = 2 * keep - 1: s . grid = 2 (keep . grid) - sum(grid), exact on the grid.
        statistics = np.abs(2.0 * row_dot(keep, grid) - total)
        reaching += int(np.count_nonzero(statistics >= observed))
    return (reaching + 1) / (n_resamples + 1)


def to_exact_grid(values: np.ndarray) -> tuple[np.ndarray, float]:
    """``(grid, unit)``: integer-valued floats with values ~= grid * unit.

    ``unit`` is a power of two chosen so |grid| <= 2**bits with 2 * n * 2**bits
    <= 2**53: any sum of +-grid values, or of grid values times resampling
    counts (which add up to n), is an integer below 2**53, hence exact.
    """
    n = values.size
    bits = min(SIGNIFICANT_BITS, 52 - n.bit_length())
    largest = float(np.abs(values).max())
    if largest == 0.0:
        return np.zeros_like(values), 1.0
    _, exponent = math.frexp(largest)  # largest < 2**exponent
    unit = math.ldexp(1.0, exponent - bits)
    return np.rint(values / unit), unit


def row_dot(matrix: np.ndarray, vector: np.ndarray) -> np.ndarray:
    """``matrix @ vector`` for a small-integer matrix (signs, counts) without a float copy of it."""
    return np.einsum("ij,j->i", matrix, vector)


def sign_bits(n: int, n_resamples: int, seed: int) -> Iterator[np.ndarray]:
    """Row chunks of the ``n_resamples x n`` uint8 matrix of random bits (1: keep the sign).

    No cache: drawing and unpacking the bits costs less than the product that
    uses them (about 0.15 ms per million signs).
    """
    bit_generator = np.random.PCG64(seed)
    words_per_row = -(-n // 64)
    rows_per_chunk = max(1, CHUNK_ELEMENTS // n)
    for start in range(0, n_resamples, rows_per_chunk):
        rows = min(rows_per_chunk, n_resamples - start)
        words = bit_generator.random_raw(rows * words_per_row)
        # Little-endian bytes whatever the machine, so the same seed gives the same signs.
        row_bytes = words.astype("<u8", copy=False).view(np.uint8).reshape(rows, 8 * words_per_row)
        yield np.unpackbits(row_bytes, axis=1, count=n, bitorder="little")
