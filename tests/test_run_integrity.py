"""One ranking, evaluated as ranked: the cases in ../shared/cases/ with trec_eval's rules as the oracle.

trec_eval orders a query's documents by score descending, then by doc id descending; it refuses a
run that lists a document twice. Expected values are hand computations under those rules.
"""

import json
import math
from pathlib import Path

import pytest

from harness.cli.main import main
from harness.errors import HarnessError
from harness.evaluation.measures import evaluate
from harness.evaluation.runs import read_run, write_run

CASES = Path(__file__).resolve().parents[2] / "shared" / "cases"


def qrels_of(case: str) -> dict:
    qrels = {}
    for line in (CASES / case / "qrels.txt").read_text().splitlines():
        qid, _, doc, rel = line.split()
        qrels.setdefault(qid, {})[doc] = int(rel)
    return qrels


def test_written_order_is_the_ranked_order(tmp_path):
    # run-score-rounding: the method ranked a (0.8000004) above b (0.8000001); 6 decimals tied them.
    path = tmp_path / "m.run"
    write_run(path, {"q1": [("a", 0.8000004), ("b", 0.8000001)]}, tag="m")
    values = evaluate(read_run(path), qrels_of("run-score-rounding"), ["AP", "P@1"]).per_query.loc["q1"]
    assert values["AP"] == 1.0 and values["P@1"] == 1.0  # a (relevant) first: AP 1, P@1 1 by hand


def test_the_rounded_case_file_is_evaluated_with_trec_eval_ties():
    # Both at 0.800000: trec_eval puts b (doc id descending) first, so AP = 1/2 and P@1 = 0.
    values = evaluate(read_run(CASES / "run-score-rounding" / "run.txt"), qrels_of("run-score-rounding"), ["AP", "P@1"]).per_query.loc["q1"]
    assert values["AP"] == 0.5 and values["P@1"] == 0.0


def test_every_measure_sees_the_same_tie_order():
    # rr-tie-order: d1 (relevant) and d2 tie; trec_eval ranks d2 first: RR 1/2, P@1 0, nDCG@10 = 1/log2(3).
    values = evaluate(read_run(CASES / "rr-tie-order" / "run.txt"), qrels_of("rr-tie-order"), ["RR@10", "P@1", "nDCG@10", "AP"]).per_query.loc["q1"]
    assert values["RR@10"] == 0.5 and values["P@1"] == 0.0 and values["AP"] == 0.5
    assert values["nDCG@10"] == pytest.approx(1 / math.log2(3), abs=1e-12)


def test_method_ties_are_broken_before_writing_and_scores_strictly_decrease(tmp_path):
    path = tmp_path / "m.run"
    write_run(path, {"q1": [("a", 1.0), ("c", 1.0), ("b", 1.0), ("z", 0.5)]}, tag="m")
    lines = [line.split() for line in path.read_text().splitlines()]
    assert [fields[2] for fields in lines] == ["c", "b", "a", "z"]  # trec_eval's rule: doc id descending
    scores = [float(fields[4]) for fields in lines]
    assert all(x > y for x, y in zip(scores, scores[1:])) and scores[0] == 1.0
    assert scores[1] == math.nextafter(1.0, 0.0) and [int(fields[3]) for fields in lines] == [1, 2, 3, 4]


def test_duplicate_document_is_rejected_with_file_and_line():
    with pytest.raises(HarnessError, match=r"run\.txt:3: document d1 is listed twice for query q1 \(first on line 1\)"):
        read_run(CASES / "duplicate-doc-in-run" / "run.txt")


@pytest.mark.parametrize("bad", ["nan", "inf", "-inf", "NaN"])
def test_non_finite_score_is_rejected(tmp_path, bad):
    path = tmp_path / "bad.run"
    path.write_text((CASES / "nan-score-in-run" / "run.txt").read_text().replace("nan", bad, 1))
    with pytest.raises(HarnessError, match=rf"bad\.run:1: score '{bad}' is not a finite number"):
        read_run(path)
    with pytest.raises(HarnessError, match=r"run\.txt:1: score 'nan'"):
        read_run(CASES / "nan-score-in-run" / "run.txt")


def test_two_names_of_one_measure_give_the_same_values(capsys):
    values = evaluate(read_run(CASES / "measure-alias-zero" / "run.txt"), qrels_of("measure-alias-zero"), ["AP", "MAP"]).per_query.loc["q1"]
    assert values["AP"] == 1.0 and values["MAP"] == 1.0  # d1 relevant at rank 1
    assert main(["evaluate", "--measures", "AP,MAP"]) == 2
    err = capsys.readouterr().err
    assert "AP and MAP are the same measure" in err and err.count("\n") == 1


def test_a_run_beside_a_sidecar_it_does_not_belong_to_is_not_reused(tmp_path, monkeypatch, capsys):
    # crash-between-run-and-sidecar: a kill after the new run is renamed into place, before its sidecar is.
    import harness.executors.cells as pipeline

    out = tmp_path / "out"
    base = ["run", "--methods", "bm25-nmt", "--pairs", "en-fi", "--out", str(out), "--formats", "md"]
    assert main(base) == 0
    scores_before = json.loads((out / "scores" / "ntrex.json").read_text())

    class Killed(BaseException):
        pass

    def killed(*args, **kwargs):
        raise Killed

    monkeypatch.setattr(pipeline, "write_sidecar", killed)
    with pytest.raises(Killed):
        main([*base, "--set", "bm25-nmt.k1=1.2"])
    monkeypatch.undo()
    run = out / "runs" / "ntrex" / "en-fi" / "bm25-nmt.run"
    sidecar = json.loads(run.with_suffix(".json").read_text())
    assert sidecar["parameters"]["k1"] == 0.9  # the old sidecar beside the k1 = 1.2 run
    assert main(["evaluate", "--pairs", "en-fi", "--out", str(out)]) == 1  # scoring refuses the pair
    assert "is not the run its sidecar" in capsys.readouterr().err
    assert main(base) == 0
    assert "does not match its sidecar" in capsys.readouterr().out
    assert json.loads((out / "scores" / "ntrex.json").read_text()) == scores_before  # the k1 = 0.9 numbers again

