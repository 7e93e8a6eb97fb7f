"""Study ``robustness``: do perturbed English queries hurt low-resource pairs more, and does OPTICAL close that gap?

Every query of NTREX (seven pairs) and of Multi30k (``harness/multi30k/<lang>``: de, fr, cs) is
perturbed at a fixed seed by each perturbation of ``harness/studies/robustness/perturb.py`` (nlpaug's keyboard
typos, character swaps and deletions, word deletions and swaps; lower-casing; punctuation
removal), keyed on the query text so one headline gets the same perturbation in every pair.
Each method then retrieves with the perturbed queries; passages, students and embeddings are
the clean run's (cached).  Translation-based methods need a translator for the perturbed text;
the precomputed MT covers only NTREX's own sentences, so they are skipped with that reason and
never given the clean translations.

Per method, pair and perturbation: clean MAP, perturbed MAP, the drop (clean - perturbed) with
a paired bootstrap interval and a paired test, and the relative drop with a bootstrap interval.
On NTREX, where the 123 headlines are the same queries in every pair, the robustness gap of a
method is, per query, the mean drop over the four low-resource pairs minus the mean over the
three high-resource ones; its mean, interval and paired test (over queries) answer "does the
method lose more on low-resource pairs".  OPTICAL, KD and mDPR are compared on the drop itself,
paired over queries per pair, and over pairs with the stratified permutation test.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from pathlib import Path

import numpy as np

from harness.compare import ComparisonOptions
from harness.data.collections import COLLECTIONS, Topics
from harness.errors import HarnessError
from harness.stats import compare_paired, correct_pvalues, stratified_permutation_test
from harness.studies.common import (
    DENSE, check_pairs, ok, run_grid, saved_scores, score_grid, study_folder, study_methods, study_pairs, write_files,
)

NAME = "robustness"
COLLECTION_NAMES = ("ntrex", "multi30k")
METHOD_NAMES = ("bm25-nmt", *DENSE)
MEASURE = "AP"
CLEAN = "clean"
SEED = 0  # the perturbation seed: fixed, so every method sees the same perturbed queries
DROP_COMPARISONS = (("optical", "kd"), ("optical", "mdpr"), ("kd", "mdpr"))  # (method, reference)


def perturbed(name: str) -> callable:
    """Topics -> the same topics with every query perturbed by ``name`` at ``SEED``."""
    from harness.studies.robustness.perturb import perturb

    def transform(topics: Topics) -> Topics:
        ids = list(topics.queries)
        texts = perturb(name, [topics.queries[q] for q in ids], SEED)
        return replace(topics, queries=dict(zip(ids, texts)))

    return transform


def variants() -> list[str]:
    from harness.studies.robustness.perturb import PERTURBATIONS

    return [CLEAN, *PERTURBATIONS]


def run_study(out: Path, pairs, methods, options: ComparisonOptions, force: bool = False, report=print,
              settings=None) -> list[Path]:
    collections = [COLLECTIONS[c] for c in COLLECTION_NAMES]
    check_pairs(pairs, collections, NAME)
    specs = study_methods(METHOD_NAMES, methods, NAME)
    for variant in variants():
        folder = study_folder(out, NAME, variant)
        for collection in collections:
            chosen = study_pairs(collection, pairs)
            if not chosen:
                continue
            transform = None if variant == CLEAN else perturbed(variant)
            run_grid(folder, collection, chosen, specs, force, report, settings, transform=transform, label=variant)
            score_grid(folder, collection, chosen, [MEASURE])
    return render_study(out, options)


# --- analysis, from the saved scores alone ----------------------------------------------------------


@dataclass
class Cell:
    collection: str
    method: str
    pair: str
    perturbation: str
    clean: float
    perturbed: float
    drop: float  # clean - perturbed, mean over queries
    drop_low: float
    drop_high: float
    relative: float  # drop / clean
    relative_low: float
    relative_high: float
    p: float
    p_corrected: float = float("nan")


@dataclass
class Gap:
    method: str
    perturbation: str
    low_drop: float
    high_drop: float
    gap: float  # low_drop - high_drop
    low: float
    high: float
    p: float
    low_pairs: tuple[str, ...] = ()
    high_pairs: tuple[str, ...] = ()
    p_corrected: float = float("nan")


@dataclass
class DropComparison:
    collection: str
    perturbation: str
    method: str
    reference: str
    pair: str  # a pair, or "all pairs" (stratified)
    difference: float  # mean drop of method - mean drop of reference (negative: the method loses less)
    low: float
    high: float
    p: float
    p_corrected: float = float("nan")


@dataclass
class Analysis:
    cells: list[Cell]
    gaps: list[Gap]
    comparisons: list[DropComparison]
    skipped: dict[tuple[str, str, str], str]  # (collection, method, perturbation) -> reason
    options: ComparisonOptions


def _scores(entries, pair, method):
    entry = entries.get((pair, method))
    return entry if ok(entry) and MEASURE in entry.scores else None


def _relative_interval(clean: np.ndarray, pert: np.ndarray, options: ComparisonOptions) -> tuple[float, float]:
    """Percentile bootstrap interval of 1 - mean(perturbed) / mean(clean), resampling queries (paired)."""
    rng = np.random.default_rng(options.seed)
    index = rng.integers(0, clean.size, size=(options.resamples, clean.size))
    with np.errstate(divide="ignore", invalid="ignore"):
        ratios = 1.0 - pert[index].mean(axis=1) / clean[index].mean(axis=1)
    tail = (1.0 - options.confidence) / 2.0
    low, high = np.nanquantile(ratios, [tail, 1.0 - tail])
    return float(low), float(high)


def analyse(out: Path, options: ComparisonOptions) -> Analysis:
    kinds = variants()
    cells, gaps, comparisons, skipped = [], [], [], {}
    for name in COLLECTION_NAMES:
        clean = saved_scores(study_folder(out, NAME, CLEAN), name)
        if not clean:
            continue
        pairs = [p for p in COLLECTIONS[name].pairs if any(k[0] == p for k in clean)]
        for perturbation in kinds[1:]:
            noisy = saved_scores(study_folder(out, NAME, perturbation), name)
            drops: dict[tuple[str, str], np.ndarray] = {}
            family = []
            for method in METHOD_NAMES:
                for pair in pairs:
                    before, after = _scores(clean, pair, method), _scores(noisy, pair, method)
                    entry = noisy.get((pair, method))
                    if entry is not None and entry.status != "ok":
                        skipped[(name, method, perturbation)] = entry.reason or "skipped"
                    if before is None or after is None:
                        continue
                    if before.query_ids != after.query_ids:
                        raise HarnessError(f"{name}/{pair}/{method}: clean and {perturbation} runs scored different queries")
                    x, y = before.values(MEASURE), after.values(MEASURE)
                    drops[(method, pair)] = x - y
                    test = compare_paired(y, x, test=options.test, n_resamples=options.resamples, seed=options.seed,
                                          confidence=options.confidence)  # mean_diff = mean(clean - perturbed)
                    rel_low, rel_high = _relative_interval(x, y, options)
                    mean_clean = float(x.mean())
                    family.append(Cell(name, method, pair, perturbation, mean_clean, float(y.mean()), test.mean_diff,
                                       test.ci_low, test.ci_high,
                                       test.mean_diff / mean_clean if mean_clean else float("nan"), rel_low, rel_high,
                                       test.p_value))
            _correct(family, options)
            cells += family
            if name == "ntrex":
                gaps += _gaps(drops, pairs, perturbation, options)
            comparisons += _drop_comparisons(drops, pairs, name, perturbation, options)
    return Analysis(cells, gaps, comparisons, skipped, options)


def _correct(rows: list, options: ComparisonOptions) -> None:
    if rows:
        for row, p in zip(rows, correct_pvalues(np.array([r.p for r in rows]), options.correction)):
            row.p_corrected = float(p)


def _gaps(drops, pairs, perturbation, options) -> list[Gap]:
    from harness.data.pairs import ALL_PAIRS

    low = [p for p in pairs if ALL_PAIRS[p].resource == "low"]
    high = [p for p in pairs if ALL_PAIRS[p].resource == "high"]
    rows = []
    for method in METHOD_NAMES:
        if not low or not high or not all((method, p) in drops for p in low + high):
            continue
        low_drop = np.mean([drops[(method, p)] for p in low], axis=0)  # per query
        high_drop = np.mean([drops[(method, p)] for p in high], axis=0)
        test = compare_paired(high_drop, low_drop, test=options.test, n_resamples=options.resamples,
                              seed=options.seed, confidence=options.confidence)
        rows.append(Gap(method, perturbation, float(low_drop.mean()), float(high_drop.mean()), test.mean_diff,
                        test.ci_low, test.ci_high, test.p_value, tuple(low), tuple(high)))
    _correct(rows, options)
    return rows


def _drop_comparisons(drops, pairs, collection, perturbation, options) -> list[DropComparison]:
    rows = []
    for method, reference in DROP_COMPARISONS:
        covered = [p for p in pairs if (method, p) in drops and (reference, p) in drops]
        family = []
        for pair in covered:
            test = compare_paired(drops[(reference, pair)], drops[(method, pair)], test=options.test,
                                  n_resamples=options.resamples, seed=options.seed, confidence=options.confidence)
            family.append(DropComparison(collection, perturbation, method, reference, pair, test.mean_diff,
                                         test.ci_low, test.ci_high, test.p_value))
        if len(covered) > 1:
            a = np.concatenate([drops[(reference, p)] for p in covered])
            b = np.concatenate([drops[(method, p)] for p in covered])
            strata = np.concatenate([[p] * drops[(method, p)].size for p in covered])
            p_value = stratified_permutation_test(a, b, strata, n_resamples=options.resamples, seed=options.seed,
                                                  weighting="stratum")
            difference = float(np.mean([drops[(method, p)].mean() - drops[(reference, p)].mean() for p in covered]))
            family.append(DropComparison(collection, perturbation, method, reference, "all pairs", difference,
                                         float("nan"), float("nan"), p_value))
        _correct(family, options)
        rows += family
    return rows


def render_study(out: Path, options: ComparisonOptions) -> list[Path]:
    from harness.studies.robustness import render

    analysis = analyse(out, options)
    if not analysis.cells:
        raise HarnessError(f"no robustness scores under {study_folder(out, NAME, CLEAN)}; run `python -m harness study run {NAME}`")
    return write_files(out, NAME, render.files(analysis))
