"""Studies whose answer is a board on one collection: ``alignment`` (NTREX sentences) and ``xquad``.

Both run the registered methods on a study collection (``harness/ntrex-sentences/<lang>``,
``harness/xquad/<lang>``), score them, and render the leaderboard's own tables with the
leaderboard's significance machinery.  ``alignment`` adds exact McNemar tests on accuracy
(Recall@1 with one relevant line = ir_measures ``Success@1``) and fixes the board's test to
the paired randomization test (for MRR), as the study asks; ``xquad`` uses the options given.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from pathlib import Path

import numpy as np

from harness.compare import ComparisonOptions
from harness.data.collections import COLLECTIONS
from harness.errors import HarnessError
from harness.leaderboard import build_board
from harness.registry import METHODS
from harness.scores import scores_path
from harness.stats import correct_pvalues
from harness.studies.common import (
    DENSE, check_pairs, ok, run_grid, saved_scores, score_grid, study_folder, study_methods, study_pairs, write_files,
)


@dataclass(frozen=True)
class BoardStudy:
    name: str
    question: str
    collection: str
    methods: tuple[str, ...]
    measures: tuple[str, ...]  # the first is the main one (plotted)
    preamble: str
    test: str | None = None  # the study's fixed test for the board; None: the options'
    mcnemar: str | None = None  # a binary measure to test with McNemar as well
    couples: tuple[tuple[str, str], ...] = ()  # McNemar (method, reference) couples besides the baselines


ALIGNMENT = BoardStudy(
    name="alignment",
    question="Does optimal-transport distillation align the embedding spaces of the seven languages better than "
             "contrastive or standard distillation, measured by sentence retrieval?",
    collection="ntrex-sentences",
    methods=("bm25-nmt", *DENSE),
    measures=("Success@1", "Success@10", "RR"),
    preamble=(
        "Each of NTREX-128's 1,997 English sentences retrieves its translation among the 1,997 sentences of the "
        "target language (`harness/ntrex-sentences/<lang>`; NTREX is held out from all training bitext). A line "
        "whose target text repeats another line's counts both as relevant (4 such lines over 7 languages). "
        "Dense methods encode the English side with their query encoder and the target side with their document "
        "encoder, as in retrieval; `bm25-nmt` is BM25 over OPUS-MT's translation of each English line. "
        "Success@1 is Recall@1 (accuracy), Success@10 Recall@10, RR the reciprocal rank (its mean is MRR). "
        "The board's tests are paired randomization tests over sentences; accuracy also gets exact McNemar tests."
    ),
    test="randomization",
    mcnemar="Success@1",
    couples=(("optical", "kd"), ("optical", "cal"), ("cal", "kd")),
)

XQUAD = BoardStudy(
    name="xquad",
    question="Does distillation on our seven languages transfer zero-shot to question-paragraph retrieval, "
             "including eleven languages it never trained on?",
    collection="xquad",
    methods=("bm25-nmt", *DENSE),
    measures=("RR", "Success@1", "Success@10"),  # one relevant paragraph: nDCG@10 would be a function of RR
    preamble=(
        "XQuAD (`harness/xquad/<lang>`): the 1,190 English questions retrieve among the 240 paragraphs in the target "
        "language; a question's own paragraph is its one relevant document, a judgement derived from XQuAD's "
        "parallel structure, not assessed. Only en-de is among the seven pairs the students trained on; the ten "
        "others measure transfer to unseen languages. `bm25-nmt` is skipped: no machine translation of the "
        "questions exists offline (its precomputed outputs cover NTREX only)."
    ),
)

BOARD_STUDIES = {s.name: s for s in (ALIGNMENT, XQUAD)}


def run_board_study(study: BoardStudy, out: Path, pairs, methods, options: ComparisonOptions, force: bool,
                    report=print, settings=None) -> list[Path]:
    collection = COLLECTIONS[study.collection]
    check_pairs(pairs, [collection], study.name)
    chosen = study_pairs(collection, pairs)
    specs = study_methods(study.methods, methods, study.name)
    folder = study_folder(out, study.name)
    run_grid(folder, collection, chosen, specs, force, report, settings)
    score_grid(folder, collection, chosen, study.measures)
    return render_board_study(study, out, options)


def render_board_study(study: BoardStudy, out: Path, options: ComparisonOptions) -> list[Path]:
    """Rebuild the study's files from its saved scores alone."""
    from harness.render.study_board import mcnemar_markdown, study_files

    folder = study_folder(out, study.name)
    entries = saved_scores(folder, study.collection)
    if not entries:
        raise HarnessError(f"no scores in {scores_path(folder, study.collection)}; run `python -m harness study run {study.name}`")
    if study.test is not None:
        options = replace(options, test=study.test)
    present = {m for _, m in entries}
    methods = [m for m in METHODS if m in present]
    source = str(scores_path(folder, study.collection).relative_to(out))
    title = f"Collection `{study.collection}`: {COLLECTIONS[study.collection].description}"
    collection = COLLECTIONS[study.collection]
    board = build_board(study.collection, title, source, entries, methods, list(study.measures), options, (),
                        collection.pairs)
    extra, rows = {}, []
    if study.mcnemar:
        rows = mcnemar_rows(entries, collection.pairs, methods, options, study.mcnemar, study.couples)
        extra[f"McNemar tests: {study.mcnemar}"] = mcnemar_markdown(rows, study.mcnemar, options.correction, options.alpha)
    files = study_files(study.name, study.question, study.preamble, board, study.measures[0], extra,
                        {"mcnemar": rows} if study.mcnemar else {})
    return write_files(out, study.name, files)


def mcnemar_rows(entries, pairs, methods, options: ComparisonOptions, measure: str, couples=()) -> list[dict]:
    """Exact McNemar per pair: each method against each baseline, one family per baseline; then each
    (method, reference) of ``couples``, one family per couple; corrected as the options say."""
    from harness.stats.mcnemar_test import mcnemar

    rows = []
    families = [(reference, list(methods)) for reference in options.baselines]
    families += [(reference, [method]) for method, reference in couples if method in methods and reference in methods]
    for reference, compared in families:
        family = []
        for pair in pairs:
            base = entries.get((pair, reference))
            if not ok(base) or measure not in base.scores:
                continue
            for method in compared:
                entry = entries.get((pair, method))
                if method == reference or not ok(entry) or entry.query_ids != base.query_ids:
                    continue
                result = mcnemar(entry.values(measure), base.values(measure))
                family.append({
                    "pair": pair, "method": method, "reference": reference, "difference": result.difference,
                    # mcnemar(a=method, b=reference): b10 = method right, reference wrong.
                    "method_only": result.b10, "reference_only": result.b01, "p": result.p_value,
                })
        if family:
            corrected = correct_pvalues(np.array([r["p"] for r in family]), options.correction)
            for row, p in zip(family, corrected):
                row["p_corrected"] = float(p)
            rows += family
    return rows


def run_alignment(out, pairs, methods, options, force=False, report=print, settings=None):
    return run_board_study(ALIGNMENT, out, pairs, methods, options, force, report, settings)


def run_xquad(out, pairs, methods, options, force=False, report=print, settings=None):
    return run_board_study(XQUAD, out, pairs, methods, options, force, report, settings)
