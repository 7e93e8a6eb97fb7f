"""Study ``translation``: does better MT of the queries give better retrieval?

For every pair of the built-in NTREX collection, BM25 runs with the output of
every MT system pinned for that pair (Mozilla's evaluation outputs for fi and de,
OPUS-MT's NTREX outputs for six languages) and with the human translation of the
queries (the ceiling).  For each system: chrF and BLEU of its translated queries
against the human translations (sacrebleu's corpus scores; Popović 2015, Papineni
et al. 2002, Post 2018), and MAP / nDCG@10 of its run.  Across systems and pairs,
the Spearman correlation of MT quality with MAP (scipy); per system, a paired test
over queries against the human ceiling, one Holm-corrected family.

Runs go to ``results/studies/translation/runs/`` and are reused like the main
runs; per-query scores and translation scores go to ``translation/scores.json``,
from which the table, plot and statistics are rebuilt.
"""

from __future__ import annotations

import json
import math
from dataclasses import asdict, dataclass, replace
from pathlib import Path

import numpy as np

from harness.files.atomic import atomic_write_text
from harness.compare import ComparisonOptions
from harness.data.collections import COLLECTIONS, load_topics
from harness.data.pairs import LanguagePair
from harness.errors import HarnessError, UsageError
from harness.studies.common import study_pairs, write_files
from harness.evaluation.measures import evaluate
from harness.executors.cells import run_cell
from harness.evaluation.runs import read_run, read_sidecar, run_paths
from harness.evaluation.scores import check_per_query
from harness.files.textfile import read_json
from harness.stats import compare_paired, correct_pvalues
from harness.translate import parse_translator
from harness.translate.precomputed import available_systems
from harness.translate.reference import reference_table
from harness.translate.store import TranslationStore

NAME = "translation"
HUMAN = "reference:ntrex"
MEASURES = ("AP", "nDCG@10")
COLLECTION = "ntrex"


@dataclass
class SystemResult:
    pair: str
    system: str  # translator spec
    status: str  # "ok" or "skipped"
    reason: str | None = None
    model: str | None = None
    chrf: float = math.nan  # sacrebleu chrF (0-100) of the translated queries against the human ones
    bleu: float = math.nan
    query_ids: list[str] | None = None
    scores: dict[str, list[float]] | None = None  # measure -> per query


def method_name(spec: str) -> str:
    """The run's name for one translator: ``bm25+<system>`` (``bm25+human`` for the reference)."""
    return "bm25+human" if spec == HUMAN else "bm25+" + spec.split(":", 1)[1]


def translator_specs(pair: LanguagePair) -> list[str]:
    """Every precomputed MT system pinned for the pair, then the human translation."""
    return [f"precomputed:{system}" for system in available_systems(pair.lang)] + [HUMAN]


def quality(spec: str, pair: LanguagePair, queries: list[str]) -> tuple[float, float]:
    """Corpus chrF and BLEU of ``spec``'s translations of ``queries`` against NTREX's human translations."""
    import sacrebleu

    store = TranslationStore()
    try:
        hypotheses, _ = store.translate(parse_translator(spec), pair, queries)
    finally:
        store.close()
    lookup = reference_table(pair.ntrex)
    references = [lookup[q] for q in queries]
    return sacrebleu.corpus_chrf(hypotheses, [references]).score, sacrebleu.corpus_bleu(hypotheses, [references]).score


def run_systems(pairs: list[LanguagePair], out: Path, force: bool, report=print) -> list[SystemResult]:
    """Retrieve (or reuse) one BM25 run per (pair, system) and score it; no statistics here."""
    from baselines.bm25_nmt import BM25_NMT

    folder = out / "studies" / NAME
    results = []
    for pair in pairs:
        topics = load_topics(COLLECTIONS[COLLECTION], pair)
        queries = list(topics.queries.values())
        for spec in translator_specs(pair):
            method = replace(BM25_NMT, name=method_name(spec), defaults={**BM25_NMT.defaults, "translator": [spec], "translator_choice": "first"})
            outcome = run_cell(method, topics, method.parameters(), 1000, folder, force)
            report(f"{outcome.status} {method.name} on {pair.name}" + (f": {outcome.reason}" if outcome.reason else ""))
            if outcome.status == "skipped":
                # The retriever's "Fix: --set bm25-nmt..." hint names a registry entry; the study's runs are not ones.
                reason = (outcome.detail or outcome.reason or "").split(". Fix:")[0]
                results.append(SystemResult(pair.name, spec, "skipped", reason))
                continue
            run_path, sidecar_path = run_paths(folder, COLLECTION, pair.name, method.name)
            table = evaluate(read_run(run_path), topics.qrels, MEASURES).per_query
            chrf, bleu = quality(spec, pair, queries)
            results.append(SystemResult(
                pair.name, spec, "ok", model=read_sidecar(sidecar_path)["used"]["translator"].get("model"),
                chrf=chrf, bleu=bleu, query_ids=list(table.index), scores={m: table[m].tolist() for m in MEASURES},
            ))
    rows = [asdict(r) | {k: None for k in ("chrf", "bleu") if math.isnan(getattr(r, k))} for r in results]  # JSON has no NaN
    atomic_write_text(folder / "scores.json", json.dumps(rows, ensure_ascii=False) + "\n")
    return results


def load_results(out: Path) -> list[SystemResult]:
    """The study's saved results, checked like a user's file: one line naming the file and the row on any fault."""
    path = out / "studies" / NAME / "scores.json"
    if not path.is_file():
        raise HarnessError(f"no study scores at {path}; run `python -m harness study run {NAME}` first")
    rows = read_json(path, "translation study scores")
    if not isinstance(rows, list) or not all(isinstance(row, dict) for row in rows):
        raise HarnessError(f"{path}: expected a list of objects, one per (pair, system)")
    results, seen = [], set()
    for number, row in enumerate(rows, start=1):
        where = f"{path}: row {number} ({row.get('pair')}/{row.get('system')})"
        try:
            result = SystemResult(**(row | {k: math.nan for k in ("chrf", "bleu") if row.get(k) is None}))
        except TypeError as exc:
            raise HarnessError(f"{where}: {exc}") from None
        if (result.pair, result.system) in seen:
            raise HarnessError(f"{where}: given twice; keep one")
        seen.add((result.pair, result.system))
        if result.status == "ok":
            check_per_query(where, result.query_ids, result.scores)
            if any(m not in result.scores for m in MEASURES):
                raise HarnessError(f"{where}: needs scores for {', '.join(MEASURES)}")
        results.append(result)
    return results


@dataclass(frozen=True)
class SystemRow:
    """One line of the study's table."""

    pair: str
    system: str
    model: str | None
    chrf: float
    bleu: float
    means: dict[str, float]
    diff_ap: float  # MAP minus the human ceiling's MAP on the same pair
    p_value: float  # paired test of AP against the human ceiling (NaN for the ceiling itself)
    p_corrected: float


@dataclass(frozen=True)
class Analysis:
    rows: tuple[SystemRow, ...]
    skipped: tuple[SystemResult, ...]
    spearman: dict[str, tuple[float, float, int]]  # "chrF"/"BLEU" -> (rho, p, points), MT systems only
    options: ComparisonOptions
    human: str = HUMAN  # the system name of the human translation (the ceiling)


def analyse(results: list[SystemResult], options: ComparisonOptions) -> Analysis:
    """Tests of each MT system against the human ceiling (one corrected family) and the rank correlations."""
    from scipy.stats import spearmanr

    ok = [r for r in results if r.status == "ok"]
    human = {r.pair: r for r in ok if r.system == HUMAN}
    raw = []
    for r in ok:
        ceiling = human.get(r.pair)
        if r.system == HUMAN or ceiling is None or ceiling.query_ids != r.query_ids:
            raw.append((r, math.nan, math.nan))
            continue
        c = compare_paired(np.array(ceiling.scores["AP"]), np.array(r.scores["AP"]), test=options.test,
                           n_resamples=options.resamples, seed=options.seed, confidence=options.confidence)
        raw.append((r, c.mean_diff, c.p_value))
    tested = [i for i, (_, _, p) in enumerate(raw) if math.isfinite(p)]
    corrected = dict(zip(tested, correct_pvalues(np.array([raw[i][2] for i in tested]), method=options.correction))) if tested else {}
    rows = tuple(
        SystemRow(r.pair, r.system, r.model, r.chrf, r.bleu, {m: float(np.mean(r.scores[m])) for m in MEASURES},
                  diff, p, float(corrected.get(i, math.nan)))
        for i, (r, diff, p) in enumerate(raw)
    )
    mt = [row for row in rows if row.system != HUMAN]
    spearman = {}
    # Across pairs the languages differ as well as the systems; within a pair with several systems only MT does.
    subsets = {"": mt} | {f", {pair} only": [r for r in mt if r.pair == pair] for pair in dict.fromkeys(r.pair for r in mt)}
    for suffix, subset in subsets.items():
        if len(subset) < 4:
            continue
        for label, values in (("chrF", [row.chrf for row in subset]), ("BLEU", [row.bleu for row in subset])):
            rho, p = spearmanr(values, [row.means["AP"] for row in subset])
            spearman[label + suffix] = (float(rho), float(p), len(subset))
    return Analysis(rows, tuple(r for r in results if r.status != "ok"), spearman, options)


def run_study(out: Path, pairs: list[str] | None, methods: list[str] | None, options: ComparisonOptions,
              force: bool = False, report=print, settings=None) -> list[Path]:
    """Run (or reuse) every system's BM25 run, then rebuild the study's outputs; returns the files written.

    ``methods`` must be None: this study's systems are translators, not registered methods.
    """
    if methods is not None or settings:
        raise UsageError("study translation compares MT systems, not methods: leave out --methods and --set")
    chosen = study_pairs(COLLECTIONS[COLLECTION], pairs)
    run_systems(chosen, out, force, report)
    return render_study(out, options)


def render_study(out: Path, options: ComparisonOptions) -> list[Path]:
    """Rebuild ``results/studies/translation.{md,csv,json,png}`` from the saved study scores alone."""
    from harness.studies.translation import render

    analysis = analyse(load_results(out), options)
    png = render.scatter_png(analysis)
    written = {"csv": render.csv(analysis), "json": render.json_document(analysis)}
    if png is not None:
        written["png"] = png
    written["md"] = render.markdown(analysis, f"{NAME}.png" if png is not None else None)
    return write_files(out, NAME, written)

