"""Fisher randomization test: exhaustive enumeration, reproducibility, chunking, exactness."""

import itertools
import math
from fractions import Fraction

import numpy as np
import pytest
from threadpoolctl import threadpool_limits

from harness.stats import TESTS
from harness.stats import fisher_randomization_test as frt
from harness.stats.fisher_randomization_test import fisher_randomization_test


def exhaustive_pvalue(differences):
    """Exact two-sided p over all 2^n sign flips (the identity included)."""
    signs = np.array(list(itertools.product((1.0, -1.0), repeat=differences.size)))
    statistics = np.abs(signs @ differences)
    observed = abs(differences.sum())
    return np.mean(statistics >= observed - 1e-12)


@pytest.mark.parametrize("n, seed, shift", [(10, 0, 0.05), (11, 1, 0.0), (12, 2, 0.08)])
def test_agrees_with_exhaustive_enumeration(n, seed, shift):
    rng = np.random.default_rng(seed)
    baseline = rng.random(n)
    other = np.clip(baseline + rng.normal(shift, 0.1, n), 0, 1)
    exact = exhaustive_pvalue(other - baseline)
    n_resamples = 20_000
    estimate = fisher_randomization_test(other, baseline, n_resamples=n_resamples, seed=seed)
    # 4 Monte-Carlo standard errors, plus the +1 correction's bias of < 1/(R+1).
    tolerance = 4 * math.sqrt(exact * (1 - exact) / n_resamples) + 1 / (n_resamples + 1)
    assert abs(estimate - exact) <= tolerance, (estimate, exact)


def test_ties_that_float_rounding_would_break_still_count():
    """d = (0.1, 0.2, -0.3, 0.5): flipping the first three gives the observed 0.5
    again in exact arithmetic, but 0.49999999999999994 vs 0.5000000000000001 in
    float64.  On the exact grid it counts, as it must."""
    decimals = ["0.1", "0.2", "-0.3", "0.5"]
    exact_d = [Fraction(v) for v in decimals]
    flips = list(itertools.product((1, -1), repeat=4))

    def flipped_sum(signs, values):  # left to right, as a naive loop would add
        return sum(s * v for s, v in zip(signs, values, strict=True))

    exact = Fraction(sum(abs(flipped_sum(signs, exact_d)) >= abs(sum(exact_d)) for signs in flips), 16)
    float_d = np.array([float(v) for v in decimals])
    naive = np.mean([abs(flipped_sum(signs, float_d)) >= abs(sum(float_d)) for signs in flips])
    assert naive != exact  # rounding alone loses the tie
    n_resamples = 20_000
    estimate = fisher_randomization_test(float_d, np.zeros(4), n_resamples=n_resamples, seed=0)
    tolerance = 4 * math.sqrt(float(exact * (1 - exact)) / n_resamples) + 1 / (n_resamples + 1)
    assert abs(estimate - float(exact)) <= tolerance, (estimate, exact)
    # Observed sum exactly 0 (but not in float64): every flip reaches it.
    assert fisher_randomization_test([0.3, -0.1, -0.2], [0.0, 0.0, 0.0], n_resamples=999) == 1.0


def test_pvalue_uses_plus_one_correction():
    # A large consistent improvement on 40 queries: only the identity and its
    # mirror image reach it (probability 2**-39), so the count is 0.
    baseline = np.zeros(40)
    other = np.full(40, 0.5)
    other[0] = 0.6  # not constant, so not a degenerate case
    assert fisher_randomization_test(other, baseline, n_resamples=999, seed=0) == 1 / 1000


def test_same_seed_bit_identical_other_seed_differs():
    rng = np.random.default_rng(5)
    x, y = rng.random(80), rng.random(80)
    first = fisher_randomization_test(x, y, n_resamples=5000, seed=7)
    assert fisher_randomization_test(x, y, n_resamples=5000, seed=7) == first
    assert fisher_randomization_test(x, y, n_resamples=5000, seed=8) != first


@pytest.mark.parametrize("n", [1, 63, 64, 65, 97])
def test_signs_do_not_depend_on_chunking(monkeypatch, n):
    whole = np.vstack(list(frt.sign_bits(n, 3001, 3)))
    assert whole.shape == (3001, n)
    for chunk_elements in (n, 1000, n * 64 + 5):
        monkeypatch.setattr(frt, "CHUNK_ELEMENTS", chunk_elements)
        chunks = list(frt.sign_bits(n, 3001, 3))
        assert len(chunks) > 1
        assert np.array_equal(np.vstack(chunks), whole)


def test_pvalue_does_not_depend_on_chunking(monkeypatch):
    rng = np.random.default_rng(6)
    x, y = rng.random(97), rng.random(97)
    reference = fisher_randomization_test(x, y, n_resamples=3001, seed=3)
    monkeypatch.setattr(frt, "CHUNK_ELEMENTS", 97 * 7 + 3)
    assert fisher_randomization_test(x, y, n_resamples=3001, seed=3) == reference


def test_resampled_sums_are_exact_whatever_the_summation_order():
    """On the grid, BLAS (blocked, multi-threaded) and einsum give the same bits."""
    rng = np.random.default_rng(7)
    grid, _ = frt.to_exact_grid(rng.normal(0, 0.2, 150))
    keep = next(frt.sign_bits(150, 10_000, 1))
    with threadpool_limits(limits=1):
        blas_single = keep.astype(np.float64) @ grid
    with threadpool_limits(limits=2):
        blas_double = keep.astype(np.float64) @ grid
    assert np.array_equal(frt.row_dot(keep, grid), blas_single)
    assert np.array_equal(blas_single, blas_double)
    # Summing the columns in reverse order changes nothing either.
    assert np.array_equal(frt.row_dot(keep[:, ::-1].copy(), grid[::-1].copy()), blas_single)


def test_exact_grid_keeps_30_bits_as_integers_times_a_power_of_two():
    rng = np.random.default_rng(8)
    differences = rng.normal(0, 0.3, 500)
    grid, unit = frt.to_exact_grid(differences)
    assert np.array_equal(grid, np.round(grid))
    assert np.abs(grid).max() <= 2**30
    assert np.abs(grid * unit - differences).max() <= unit / 2
    assert unit <= np.abs(differences).max() * 2.0**-29
    assert math.frexp(unit)[0] == 0.5  # a power of two: scaling by it is exact


def test_signs_are_fair_independent_coin_flips():
    keep = next(frt.sign_bits(50, 4000, 11))
    assert set(np.unique(keep)) == {0, 1}
    assert abs(keep.mean() - 0.5) < 0.005  # 200k flips: sd of the mean is 0.0011
    assert abs(np.corrcoef(keep[:, 0], keep[:, 1])[0, 1]) < 0.06  # sd 0.016


def test_symmetric_in_argument_order_and_nan_for_identical_inputs():
    rng = np.random.default_rng(8)
    x, y = rng.random(30), rng.random(30)
    assert fisher_randomization_test(x, y) == fisher_randomization_test(y, x)
    assert math.isnan(fisher_randomization_test(x, x.copy()))


def test_registered():
    assert TESTS["randomization"].fn is fisher_randomization_test
    assert 0 < TESTS["randomization"](np.arange(5.0), np.zeros(5), n_resamples=99, seed=0) <= 1


@pytest.mark.parametrize(
    "kwargs, error",
    [
        ({"n_resamples": 0}, ValueError),
        ({"n_resamples": 10.0}, TypeError),
        ({"seed": None}, TypeError),
        ({"seed": -1}, ValueError),
    ],
)
def test_rejects_bad_resampling_arguments(kwargs, error):
    with pytest.raises(error):
        fisher_randomization_test([0.1, 0.2, 0.3], [0.3, 0.2, 0.2], **kwargs)
