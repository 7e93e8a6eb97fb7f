"""Study ``domain``: does the domain of the training bitext matter?

kd, cal and optical are trained on one bitext domain at a time (``bitext`` parameter,
``harness/bitext/selection.py``): TICO-19 (COVID-19, medical), FLORES/SIB-200 (Wikipedia-style
general text), Tatoeba (short everyday sentences).  Each domain student trains on the same number
of pairs, the size of the smallest domain (a sample at the training seed), for the same steps;
"all" is the main board's student (every source, all 27,720 pairs).  The domains cover different
languages (TICO-19: sw so mr fr; FLORES/SIB-200: all seven; Tatoeba: sw mr fi de fr), which is
part of what a domain is here.  Evaluated on NTREX (news, seven pairs) and XQuAD (Wikipedia;
``XQUAD_PAIRS``: en-de, the one XQuAD language the students train on, by default).

Per method, domain and collection: the mean of the per-pair MAPs; against "all", the difference
with a stratified bootstrap interval (queries resampled within pairs) and the stratified
permutation test (pairs as strata, weighted equally); one family per collection.
"""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass
from pathlib import Path

import numpy as np

from harness.compare import ComparisonOptions
from harness.data.collections import COLLECTIONS
from harness.data.pairs import PAIRS
from harness.errors import HarnessError
from harness.stats import correct_pvalues, stratified_permutation_test
from harness.stats.stratified_bootstrap import stratified_bootstrap_ci
from harness.studies.common import (
    DISTILLED, check_pairs, merged, ok, run_grid, saved_scores, score_grid, study_folder, study_methods, study_pairs, write_files,
)

NAME = "domain"
ALL = "all"
DOMAINS = ("tico19", "flores+sib200", "tatoeba")
COLLECTION_NAMES = ("ntrex", "xquad")
XQUAD_PAIRS = ("en-de",)
MEASURE = "AP"  # on XQuAD (one relevant paragraph) AP equals RR


def equal_size() -> int:
    """Pairs per domain student: the smallest domain's count over the seven languages."""
    from harness.bitext.selection import training_pairs

    langs = [p.lang for p in PAIRS.values()]
    return min(len(training_pairs(langs, domain)) for domain in DOMAINS)


def overrides(variant: str, methods, size: int) -> dict:
    if variant == ALL:
        return {}
    return {m: {"bitext": variant, "bitext_pairs": size} for m in methods}


def run_study(out: Path, pairs, methods, options: ComparisonOptions, force: bool = False, report=print,
              settings=None) -> list[Path]:
    collections = [COLLECTIONS[c] for c in COLLECTION_NAMES]
    check_pairs(pairs, collections, NAME)
    specs = study_methods(DISTILLED, methods, NAME)
    size = equal_size()
    report(f"domain students train on {size} bitext pairs each (the smallest domain)")
    for variant in (ALL, *DOMAINS):
        folder = study_folder(out, NAME, variant)
        for collection in collections:
            default = XQUAD_PAIRS if collection.name == "xquad" else collection.pairs
            chosen = [p for p in study_pairs(collection, pairs) if pairs is not None or p.name in default]
            if chosen:
                run_grid(folder, collection, chosen, specs, force, report,
                         merged(settings, overrides(variant, [s.name for s in specs], size)),
                         label=variant)
                score_grid(folder, collection, chosen, [MEASURE])
    return render_study(out, options)


@dataclass
class DomainCell:
    collection: str
    method: str
    bitext: str
    pairs: list[str]
    per_pair: dict[str, float]  # pair -> MAP
    mean: float  # mean of per-pair MAPs
    difference: float = math.nan  # mean - the "all" student's mean, on the same pairs
    low: float = math.nan
    high: float = math.nan
    p: float = math.nan
    p_corrected: float = math.nan


@dataclass
class Analysis:
    cells: list[DomainCell]
    size: int
    options: ComparisonOptions


def analyse(out: Path, options: ComparisonOptions) -> Analysis:
    cells = []
    for name in COLLECTION_NAMES:
        by_variant = {v: saved_scores(study_folder(out, NAME, v), name) for v in (ALL, *DOMAINS)}
        family = []
        for method in DISTILLED:
            base = by_variant[ALL]
            pairs = [p for p in COLLECTIONS[name].pairs if all(ok(by_variant[v].get((p, method))) for v in by_variant)]
            if not pairs:
                continue
            scores = {v: {p: by_variant[v][(p, method)].values(MEASURE) for p in pairs} for v in by_variant}
            for variant in (ALL, *DOMAINS):
                per_pair = {p: float(scores[variant][p].mean()) for p in pairs}
                cell = DomainCell(name, method, variant, pairs, per_pair, float(np.mean(list(per_pair.values()))))
                if variant != ALL:
                    for p in pairs:
                        if by_variant[variant][(p, method)].query_ids != base[(p, method)].query_ids:
                            raise HarnessError(f"{name}/{p}/{method}: {variant} and all runs scored different queries")
                    samples = {"all": scores[ALL], variant: scores[variant]}
                    cell.difference, cell.low, cell.high = stratified_bootstrap_ci(
                        samples, lambda m, v=variant: float(np.mean(list(m[v].values())) - np.mean(list(m["all"].values()))),
                        confidence=options.confidence, n_resamples=options.resamples, seed=options.seed)
                    strata = np.concatenate([[p] * scores[ALL][p].size for p in pairs])
                    cell.p = stratified_permutation_test(
                        np.concatenate([scores[ALL][p] for p in pairs]), np.concatenate([scores[variant][p] for p in pairs]),
                        strata, n_resamples=options.resamples, seed=options.seed, weighting="stratum")
                    family.append(cell)
                cells.append(cell)
        if family:
            for cell, p in zip(family, correct_pvalues(np.array([c.p for c in family]), options.correction)):
                cell.p_corrected = float(p)
    if not cells:
        raise HarnessError(f"no domain-study scores under {study_folder(out, NAME, ALL)}; run `python -m harness study run {NAME}`")
    return Analysis(cells, equal_size(), options)


def render_study(out: Path, options: ComparisonOptions) -> list[Path]:
    from harness.studies.domain import render

    analysis = analyse(out, options)
    return write_files(out, NAME, render.files(analysis, as_records(analysis)))


def as_records(analysis: Analysis) -> list[dict]:
    return [{k: (None if isinstance(v, float) and math.isnan(v) else v) for k, v in asdict(c).items()} for c in analysis.cells]
