"""Judged@10: per query from ir_measures, per cell in the board's CSV and JSON, and the board's line about it.

Expected shares are counted by hand from the qrels and runs written here.
"""

import json

import pytest

from harness.board.board import build_board
from harness.board.csv_tables import scores_csv
from harness.board.json_document import leaderboard_json
from harness.board.markdown import leaderboard_markdown
from harness.compare import ComparisonOptions
from harness.evaluation.measures import evaluate
from harness.evaluation.scores import ScoreEntry

QRELS = {"q1": {"a": 1, "b": 0, "c": 2}, "q2": {"d": 1}, "q3": {"e": 1}}


def test_share_of_the_top_10_that_is_judged_counts_any_judged_document():
    run = {
        # q1: a, b, c judged (b judged not relevant still counts) among 12 retrieved: 3 of the top 10.
        "q1": {"a": 20.0, "x1": 19.0, "b": 18.0, "x2": 17.0, "c": 16.0, **{f"y{i}": 15.0 - i for i in range(7)}},
        # q2: 4 retrieved, d among them: 1 of 4 (ir_measures divides by the documents retrieved when fewer than 10).
        "q2": {"z1": 3.0, "d": 2.0, "z2": 1.0, "z3": 0.5},
        # q3: nothing retrieved: 0, as every measure of an empty query.
    }
    result = evaluate(run, QRELS, ["AP"])
    assert result.judged.to_dict() == {"q1": pytest.approx(3 / 10), "q2": pytest.approx(1 / 4), "q3": 0.0}
    assert list(result.per_query.columns) == ["AP"]  # a property of the judgements, not a measure column


def _board(complete: bool, judged: dict):
    entries = {}
    for (pair, method), share in judged.items():
        entries[(pair, method)] = ScoreEntry(pair, method, "ok", query_ids=["q1", "q2"], scores={"AP": [0.5, 0.25]},
                                             judged_at_10=share)
    options = ComparisonOptions(baselines=("bm25",), resamples=200)
    return build_board("x", "Collection `x`", "scores/x.json", entries, ["bm25", "dense"], ["AP"], options,
                       pairs=("en-sw", "en-ha"), complete_judgements=complete)


JUDGED = {("en-sw", "bm25"): 0.9, ("en-ha", "bm25"): 0.8, ("en-sw", "dense"): 0.31, ("en-ha", "dense"): 0.62}


def test_each_cell_carries_its_judged_at_10_in_csv_and_json():
    board = _board(False, JUDGED)
    rows = json.loads(leaderboard_json([board], board.options))["collections"][0]["scores"]
    by_cell = {(r["method"], r["column"]): r["judged_at_10"] for r in rows}
    assert by_cell[("dense", "en-sw")] == 0.31 and by_cell[("bm25", "en-ha")] == 0.8
    assert by_cell[("dense", "mean")] is None  # a property of one pair's runs: no mean column value
    header = scores_csv([board]).splitlines()[0].split(",")
    assert "judged_at_10" in header


def test_a_pooled_board_warns_once_per_method_below_one_half():
    text = leaderboard_markdown([_board(False, JUDGED)])
    warnings = [line for line in text.splitlines() if line.startswith("⚠")]
    assert warnings == ["⚠ `dense`: Judged@10 below 0.5 (en-sw 0.31): shallow pools make its scores there a lower bound."]


def test_a_board_with_complete_judgements_says_what_the_figure_is_instead():
    text = leaderboard_markdown([_board(True, JUDGED)])
    assert not any(line.startswith("⚠") for line in text.splitlines())
    assert "ranges from 0.31 to 0.90 here" in text and "complete by construction" in text
