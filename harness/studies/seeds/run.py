"""Study ``seeds``: is an OPTICAL-vs-KD difference larger than what another training seed gives?

kd, cal and optical are trained with each seed of ``SEEDS`` (13 is the main board's, so its students
are reused) and evaluated on NTREX's seven pairs.  The seed sets the order of the bitext batches
and the dropout masks; the initial weights are the pretrained student's in every case.

Per method and pair: the mean and sample standard deviation of MAP over seeds.  Per seed, OPTICAL
is compared with KD and with CAL on the mean over the seven pairs (mean of per-pair MAPs), with the
stratified permutation test (pairs as strata, weighted equally), as on the leaderboard; and pooled:
each query's AP averaged over the seeds first, then the same test.  One family per comparison
(its seeds and the pooled test), corrected as the options say.  The verdict for a comparison:
"survives a change of seed" when every seed's test and the pooled one are significant in the same
direction; otherwise it depends on the seed.
"""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass
from pathlib import Path

import numpy as np

from harness.compare import ComparisonOptions
from harness.data.collections import COLLECTIONS
from harness.errors import HarnessError
from harness.stats import correct_pvalues, stratified_permutation_test
from harness.studies.common import (
    DISTILLED, check_pairs, merged, ok, run_grid, saved_scores, score_grid, study_folder, study_methods, study_pairs, write_files,
)

NAME = "seeds"
COLLECTION = "ntrex"
SEEDS = (13, 14, 15)
MEASURE = "AP"
COMPARISONS = (("optical", "kd"), ("optical", "cal"))  # (method, reference)
POOLED = "pooled"


def variant(seed: int) -> str:
    return f"seed-{seed}"


def run_study(out: Path, pairs, methods, options: ComparisonOptions, force: bool = False, report=print,
              settings=None) -> list[Path]:
    collection = COLLECTIONS[COLLECTION]
    check_pairs(pairs, [collection], NAME)
    chosen = study_pairs(collection, pairs)
    specs = study_methods(DISTILLED, methods, NAME)
    for seed in SEEDS:
        folder = study_folder(out, NAME, variant(seed))
        overrides = merged(settings, {spec.name: {"seed": seed} for spec in specs})
        run_grid(folder, collection, chosen, specs, force, report, overrides, label=variant(seed))
        score_grid(folder, collection, chosen, [MEASURE])
    return render_study(out, options)


@dataclass
class Spread:
    method: str
    pair: str  # a pair or "mean"
    values: list[float]  # MAP per seed, in SEEDS order
    mean: float
    sd: float  # sample standard deviation (ddof=1)


@dataclass
class SeedComparison:
    method: str
    reference: str
    seed: str  # "seed-13", ..., or "pooled"
    difference: float  # mean over pairs of (method MAP - reference MAP)
    p: float
    p_corrected: float = math.nan


@dataclass
class Analysis:
    pairs: list[str]
    spreads: list[Spread]
    comparisons: list[SeedComparison]
    verdicts: dict[str, str]  # "optical vs kd" -> verdict
    options: ComparisonOptions
    seeds: tuple[int, ...] = SEEDS  # the training seeds, in the order of each Spread's values
    left_out: tuple[str, ...] = ()  # distilled methods without scores from every seed: not in the tables or the plot


def analyse(out: Path, options: ComparisonOptions) -> Analysis:
    by_seed = {seed: saved_scores(study_folder(out, NAME, variant(seed)), COLLECTION) for seed in SEEDS}
    methods = [m for m in DISTILLED
               if all(any(ok(e.get((p, m))) for p in COLLECTIONS[COLLECTION].pairs) for e in by_seed.values())]
    pairs = [p for p in COLLECTIONS[COLLECTION].pairs
             if all(ok(by_seed[s].get((p, m))) for s in SEEDS for m in methods)]
    if not pairs or not methods:
        raise HarnessError(f"no seed-study scores under {study_folder(out, NAME, variant(SEEDS[0]))}; "
                           f"run `python -m harness study run {NAME}`")
    scores = {(s, m, p): by_seed[s][(p, m)].values(MEASURE) for s in SEEDS for m in methods for p in pairs}
    spreads = []
    for method in methods:
        for pair in [*pairs, "mean"]:
            values = [float(np.mean([scores[(s, method, p)].mean() for p in pairs])) if pair == "mean"
                      else float(scores[(s, method, pair)].mean()) for s in SEEDS]
            spreads.append(Spread(method, pair, values, float(np.mean(values)), float(np.std(values, ddof=1))))
    comparisons, verdicts = [], {}
    for method, reference in COMPARISONS:
        if method not in methods or reference not in methods:
            continue
        family = []
        for label in [*(variant(s) for s in SEEDS), POOLED]:
            seeds = SEEDS if label == POOLED else (int(label.split("-")[1]),)
            a = {p: np.mean([scores[(s, reference, p)] for s in seeds], axis=0) for p in pairs}
            b = {p: np.mean([scores[(s, method, p)] for s in seeds], axis=0) for p in pairs}
            strata = np.concatenate([[p] * a[p].size for p in pairs])
            p_value = stratified_permutation_test(np.concatenate([a[p] for p in pairs]), np.concatenate([b[p] for p in pairs]),
                                                  strata, n_resamples=options.resamples, seed=options.seed,
                                                  weighting="stratum")
            difference = float(np.mean([b[p].mean() - a[p].mean() for p in pairs]))
            family.append(SeedComparison(method, reference, label, difference, p_value))
        for row, p in zip(family, correct_pvalues(np.array([r.p for r in family]), options.correction)):
            row.p_corrected = float(p)
        comparisons += family
        verdicts[f"{method} vs {reference}"] = verdict(family, options.alpha)
    return Analysis(pairs, spreads, comparisons, verdicts, options, left_out=tuple(m for m in DISTILLED if m not in methods))


def verdict(family: list[SeedComparison], alpha: float) -> str:
    """Whether a comparison's sign and significance hold for every seed and pooled."""
    significant = [r.p_corrected < alpha for r in family]
    signs = {np.sign(r.difference) for r in family}
    if all(significant) and len(signs) == 1:
        direction = "better" if signs == {1.0} else "worse"
        return f"survives a change of seed: significantly {direction} with every seed and pooled"
    held = sum(r.p_corrected < alpha for r in family if r.seed != POOLED)
    return (f"depends on the seed: significant with {held} of {len(family) - 1} seeds"
            f"{'' if family[-1].p_corrected < alpha else ', not pooled'}; differences "
            + ", ".join(f"{r.difference:+.4f}" for r in family))


def render_study(out: Path, options: ComparisonOptions) -> list[Path]:
    from harness.studies.seeds import render

    analysis = analyse(out, options)
    return write_files(out, NAME, render.files(analysis, as_records(analysis)))


def as_records(analysis: Analysis) -> dict:
    return {"spreads": [asdict(s) for s in analysis.spreads], "comparisons": [asdict(c) for c in analysis.comparisons],
            "verdicts": analysis.verdicts}
