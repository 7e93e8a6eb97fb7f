"""Stratified bootstrap of a statistic of per-pair means: queries resampled within their own pair.

Each language pair is its own sample of queries, so a resample draws, for every
pair independently, as many queries as it has, with replacement, and recomputes
the per-pair means of each method; ``statistic`` turns those means into one
number (a relative gain of macro means, a high-minus-low gap, ...).  The
interval is the percentile interval (Efron & Tibshirani 1993, ch. 13), with the
strata kept fixed as in Davison & Hinkley 1997, sec. 3.7.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence

import numpy as np

from harness.stats.effect_size import check_resampling

# method -> pair -> per-query scores (the same queries, in the same order, for every method of a pair)
Samples = Mapping[str, Mapping[str, Sequence[float]]]
# method -> pair -> mean; returns the statistic
Statistic = Callable[[Mapping[str, Mapping[str, float]]], float]


def stratified_bootstrap_ci(
    samples: Samples, statistic: Statistic, *, confidence: float = 0.95, n_resamples: int = 10_000, seed: int = 0
) -> tuple[float, float, float]:
    """(observed, low, high): the statistic on the data and its percentile interval.

    Raises ValueError when the methods of one pair have different numbers of queries, or a pair has none.
    """
    if not 0.0 < confidence < 1.0:
        raise ValueError(f"confidence must lie strictly between 0 and 1, got {confidence}")
    check_resampling(n_resamples, seed)
    methods = list(samples)
    pairs = list(next(iter(samples.values())))
    arrays = {m: {p: np.asarray(samples[m][p], dtype=float) for p in pairs} for m in methods}
    for pair in pairs:
        sizes = {arrays[m][pair].size for m in methods}
        if len(sizes) != 1 or 0 in sizes:
            raise ValueError(f"{pair}: every method needs the same, non-zero number of queries, got {sorted(sizes)}")
    observed = statistic({m: {p: float(arrays[m][p].mean()) for p in pairs} for m in methods})
    rng = np.random.default_rng(seed)
    # One index draw per pair and resample, shared by the methods: the design is paired.
    draws = {p: rng.integers(0, arrays[methods[0]][p].size, size=(n_resamples, arrays[methods[0]][p].size)) for p in pairs}
    resampled = {m: {p: arrays[m][p][draws[p]].mean(axis=1) for p in pairs} for m in methods}
    values = np.array([statistic({m: {p: resampled[m][p][r] for p in pairs} for m in methods}) for r in range(n_resamples)])
    low, high = np.quantile(values, [(1.0 - confidence) / 2.0, (1.0 + confidence) / 2.0])
    return float(observed), float(low), float(high)
