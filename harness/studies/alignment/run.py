"""The ``alignment`` study: sentence retrieval on NTREX (a board), with exact McNemar tests on accuracy.

Recall@1 with one relevant line is ir_measures ``Success@1``; the board's test is fixed to the
paired randomization test (for MRR), as the study asks.
"""

from __future__ import annotations


import numpy as np

from harness.compare import ComparisonOptions
from harness.stats import correct_pvalues
from harness.studies.board_study import BoardStudy, render_board_study, run_board_study
from harness.studies.common import DENSE, ok

MCNEMAR_MEASURE = "Success@1"
COUPLES = (("optical", "kd"), ("optical", "cal"), ("cal", "kd"))  # McNemar couples besides the baselines


def mcnemar_sections(entries, pairs, methods, options: ComparisonOptions) -> tuple[dict[str, str], dict[str, object]]:
    """The McNemar table (markdown) and its rows (JSON), for the study's page."""
    from harness.studies.alignment.render import mcnemar_markdown

    rows = mcnemar_rows(entries, pairs, methods, options, MCNEMAR_MEASURE, COUPLES)
    heading = f"McNemar tests: {MCNEMAR_MEASURE}"
    return {heading: mcnemar_markdown(rows, MCNEMAR_MEASURE, options.correction, options.alpha)}, {"mcnemar": rows}


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
    extra=mcnemar_sections,
)


def run_alignment(out, pairs, methods, options, force=False, report=print, settings=None):
    return run_board_study(ALIGNMENT, out, pairs, methods, options, force, report, settings)


def render_alignment(out, options):
    return render_board_study(ALIGNMENT, out, options)
