"""The ``xquad`` study: zero-shot question-paragraph retrieval in XQuAD's eleven languages (a board)."""

from __future__ import annotations

from harness.studies.board_study import BoardStudy, render_board_study, run_board_study
from harness.studies.common import DENSE


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


def run_xquad(out, pairs, methods, options, force=False, report=print, settings=None):
    return run_board_study(XQUAD, out, pairs, methods, options, force, report, settings)


def render_xquad(out, options):
    return render_board_study(XQUAD, out, options)
