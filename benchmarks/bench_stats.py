"""Time a full results table's worth of statistics.

5 methods x 7 language pairs x 6 measures, each compared with a baseline over
~100 queries per pair: a 10,000-resample randomization test and a 10,000-sample
paired bootstrap interval per comparison (210 of each), then Holm correction of
the 210 p-values.  Scores are synthetic, in [0, 1].  Target: under 10 s.

    python benchmarks/bench_stats.py [--resamples 10000] [--queries 100]
"""

from __future__ import annotations

import argparse
import os
import platform
import sys
import time
from pathlib import Path

import numpy as np

# Run as a script from anywhere: make the repository's harness package importable.
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from harness.stats import bootstrap, compare_paired, correct_pvalues

METHODS = 5
LANGUAGE_PAIRS = 7
MEASURES = 6


def synthetic_scores(queries: int, seed: int) -> dict[int, tuple[int, np.ndarray, dict[int, np.ndarray]]]:
    """pair -> (n, baseline scores per measure, other scores per (method, measure))."""
    rng = np.random.default_rng(seed)
    table = {}
    for pair in range(LANGUAGE_PAIRS):
        n = int(queries + rng.integers(-7, 8))  # pairs have slightly different topic counts
        baseline = rng.beta(2, 3, size=(MEASURES, n))
        shifts = rng.normal(0.02, 0.03, size=(METHODS, MEASURES, 1))
        others = np.clip(baseline + shifts + rng.normal(0, 0.12, size=(METHODS, MEASURES, n)), 0, 1)
        table[pair] = (n, baseline, others)
    return table


def run(queries: int, n_resamples: int) -> tuple[float, int]:
    table = synthetic_scores(queries, seed=0)
    correct_pvalues([0.5], "holm")  # import statsmodels (~0.8 s, once per process) untimed
    # Start cold: the first comparison of each pair pays for drawing its bootstrap
    # counts (signs are drawn afresh each time; that is cheaper than caching).
    bootstrap.clear_cache()
    start = time.perf_counter()
    p_values = []
    for _, baseline, others in table.values():
        for method in range(METHODS):
            for measure in range(MEASURES):
                result = compare_paired(
                    baseline[measure],
                    others[method, measure],
                    test="randomization",
                    n_resamples=n_resamples,
                    seed=0,
                )
                p_values.append(result.p_value)
    correct_pvalues(p_values, "holm")
    return time.perf_counter() - start, len(p_values)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--resamples", type=int, default=10_000)
    parser.add_argument("--queries", type=int, default=100)
    args = parser.parse_args()
    elapsed, comparisons = run(args.queries, args.resamples)
    print(
        f"bench_stats: {comparisons} comparisons ({METHODS} methods x {LANGUAGE_PAIRS} pairs x "
        f"{MEASURES} measures, ~{args.queries} queries), {args.resamples:,}-resample randomization "
        f"test + {args.resamples:,}-sample bootstrap CI each: {elapsed:.2f} s "
        f"({1000 * elapsed / comparisons:.1f} ms/comparison) | {platform.platform()}, "
        f"{platform.processor() or platform.machine()}, os.cpu_count()={os.cpu_count()}, "
        f"Python {platform.python_version()}, numpy {np.__version__}"
    )


if __name__ == "__main__":
    main()
