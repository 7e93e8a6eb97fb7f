"""What the harness reads back is checked like a user's file: scores, sidecars, expected.tsv, study files.

Each damaged file below is made by hand from a good one.  The rule it breaks is the one a user's
file is held to (UTF-8, JSON, types, no key or query id given twice, one score per query id, no
NaN, nothing missing); the expectation is a refusal in one line naming the file and the entry,
never a statistic.  Before, a scores entry whose query ids repeated one id was read without a
word, re-aligned by id against the other method's, and the board printed a p-value from the
wrong pairs of queries with exit 0.
"""

import json
import shutil
from pathlib import Path

import pytest

from harness.cli.main import main
from harness.errors import HarnessError
from harness.evaluation.runs import read_sidecar
from harness.evaluation.scores import load_scores
from harness.reproduction.check import read_expected

RESULTS = Path(__file__).resolve().parent.parent / "results"
SCORES = RESULTS / "scores" / "ntrex.json"


def scores_document():
    return json.loads(SCORES.read_text(encoding="utf-8"))


def write_scores(folder: Path, document, raw: str | None = None) -> Path:
    path = folder / "scores" / "ntrex.json"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(raw if raw is not None else json.dumps(document), encoding="utf-8")
    return path


def entry_of(document, pair, method):
    return next(e for e in document["entries"] if e["pair"] == pair and e["method"] == method)


def repeat_a_query_id(document):
    """The file that passed everywhere with exit 0: two entries with one id each repeated, the same set
    of ids and the same length, so aligning by id paired the wrong queries (compare printed p = 0.121)."""
    ids = list(document["query_ids"]["en-sw"])
    entry_of(document, "en-sw", "mdpr")["query_ids"] = [ids[0], ids[0], *ids[2:]]
    entry_of(document, "en-sw", "bm25-nmt")["query_ids"] = [ids[0], ids[2], *ids[2:]]
    return "query id", "listed twice"


def drop_one_score(document):
    entry_of(document, "en-sw", "mdpr")["scores"]["AP"].pop()
    return "AP has 122 scores for 123 query ids", ""


def give_an_entry_twice(document):
    document["entries"].append(dict(entry_of(document, "en-sw", "mdpr")))
    return "given twice", ""


def name_a_missing_pair(document):
    entry_of(document, "en-sw", "mdpr")["query_ids"] = "en-xx"
    return "pair 'en-xx'", "does not list"


def make_a_score_a_string(document):
    entry_of(document, "en-sw", "mdpr")["scores"]["AP"][3] = "0.5"
    return "AP of query", "not a finite number"


@pytest.mark.parametrize("damage", [repeat_a_query_id, drop_one_score, give_an_entry_twice, name_a_missing_pair,
                                    make_a_score_a_string])
def test_a_damaged_scores_entry_is_one_line_naming_file_and_entry(damage, tmp_path):
    document = scores_document()
    words = damage(document)
    path = write_scores(tmp_path, document)
    with pytest.raises(HarnessError) as refused:
        load_scores(path)
    message = str(refused.value)
    assert message.startswith(str(path)) and all(w in message for w in words)
    assert "(en-sw/" in message


@pytest.mark.parametrize("raw, words", [
    (lambda text: text.replace('"status":"ok"', '"status":"ok","status":"ok"', 1), "key 'status' is given twice"),
    (lambda text: text.replace('"AP":[', '"AP":[NaN,', 1), "NaN is not a JSON number"),
])
def test_json_faults_python_would_accept_are_refused(raw, words, tmp_path):
    path = write_scores(tmp_path, None, raw(SCORES.read_text(encoding="utf-8")))
    with pytest.raises(HarnessError, match=words):
        load_scores(path)


def test_a_scores_file_that_is_not_utf8_is_one_line(tmp_path):
    path = tmp_path / "scores" / "ntrex.json"
    path.parent.mkdir()
    path.write_bytes(SCORES.read_bytes().replace(b'"collection"', b'"coll\xe9ction"', 1))
    with pytest.raises(HarnessError, match="not valid UTF-8"):
        load_scores(path)


@pytest.mark.parametrize("command", [
    ["leaderboard"],
    ["claims"],
    ["compare", "mdpr", "bm25-nmt", "--pairs", "en-sw"],
    ["check", "--rerun", "none"],
])
def test_no_command_computes_a_statistic_from_a_damaged_scores_file(command, tmp_path, capsys):
    document = scores_document()
    repeat_a_query_id(document)
    write_scores(tmp_path, document)
    shutil.copy(RESULTS / "expected.tsv", tmp_path / "expected.tsv")
    assert main([*command, "--out", str(tmp_path)]) == 1
    captured = capsys.readouterr()
    assert captured.err.count("\n") == 1 and "ntrex.json: entry" in captured.err and "listed twice" in captured.err
    assert not (tmp_path / "leaderboard.md").exists() and not (tmp_path / "claims.md").exists()


# Sidecars ------------------------------------------------------------------------------------------

GOOD_SIDECAR = {"method": "bm25-nmt", "pair": "en-sw", "collection": "ntrex", "status": "ok", "depth": 1000,
                "parameters": {"k1": 0.9}, "resolved": {}, "run_sha256": "0" * 64}


@pytest.mark.parametrize("change, words", [
    ({"status": "done"}, "status 'done'"),
    ({"run_sha256": None}, "sha256"),
    ({"depth": "1000"}, "field 'depth'"),
    ({"parameters": ["k1", 0.9]}, "field 'parameters'"),
    ({"method": "mdpr"}, "names method 'mdpr'"),
])
def test_a_damaged_sidecar_is_one_line_naming_file_and_field(change, words, tmp_path):
    path = tmp_path / "bm25-nmt.json"
    path.write_text(json.dumps(GOOD_SIDECAR | change), encoding="utf-8")
    with pytest.raises(HarnessError, match=words) as refused:
        read_sidecar(path)
    assert str(refused.value).startswith(str(path))


def test_a_sidecar_that_is_a_list_or_not_utf8_is_one_line(tmp_path):
    path = tmp_path / "bm25-nmt.json"
    path.write_text("[1, 2]", encoding="utf-8")
    with pytest.raises(HarnessError, match="a run sidecar is a JSON object"):
        read_sidecar(path)
    path.write_bytes(b'{"method": "bm25-nmt\xff"}')
    with pytest.raises(HarnessError, match="not valid UTF-8"):
        read_sidecar(path)
    path.write_text(json.dumps(GOOD_SIDECAR), encoding="utf-8")
    assert read_sidecar(path) == GOOD_SIDECAR


def test_evaluate_refuses_a_damaged_sidecar_in_one_line(tmp_path, capsys):
    folder = tmp_path / "runs" / "ntrex" / "en-sw"
    folder.mkdir(parents=True)
    (folder / "bm25-nmt.json").write_text(json.dumps(GOOD_SIDECAR | {"status": "finished"}), encoding="utf-8")
    assert main(["evaluate", "--pairs", "en-sw", "--out", str(tmp_path)]) == 1
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "bm25-nmt.json" in err and "status 'finished'" in err


# expected.tsv --------------------------------------------------------------------------------------

HEADER = "collection\tpair\tmethod\tmeasure\tvalue\ttolerance\n"


@pytest.mark.parametrize("rows, words", [
    ("ntrex\ten-sw\tmdpr\tAP\t0.3\t0.002\nntrex\ten-sw\tmdpr\tAP\t0.4\t0.002\n", "expected.tsv:3: ntrex/en-sw/mdpr/AP was already given on line 2"),
    ("ntrex\ten-sw\tmdpr\tAP\t0.3\tinf\n", "expected.tsv:2: tolerance 'inf' is not a finite number"),
    ("ntrex\ten-sw\tmdpr\tAP\t0.3\t0.5\n", "expected.tsv:2: tolerance 0.5 must be between 0 and"),
    ("ntrex\ten-sw\tmdpr\tAP\tnan\t0.002\n", "expected.tsv:2: value 'nan' is not a finite number"),
    ("msmarco\ten-sw\tmdpr\tAP\t0.3\t0.002\n", "expected.tsv:2: unknown collection 'msmarco'"),
    ("ntrex\ten-xx\tmdpr\tAP\t0.3\t0.002\n", "expected.tsv:2: collection ntrex has no pair 'en-xx'"),
    ("ntrex\ten-sw\tmdpr\tnDCG@0\t0.3\t0.002\n", "expected.tsv:2: measure 'nDCG@0'"),
    ("ntrex\ten-sw\tmdpr\tAP\t0.3\n", "expected.tsv:2: expected 6 tab-separated fields"),
])
def test_a_damaged_expected_file_is_one_line_naming_file_and_line(rows, words, tmp_path):
    (tmp_path / "expected.tsv").write_text(HEADER + rows, encoding="utf-8")
    with pytest.raises(HarnessError) as refused:
        read_expected(tmp_path)
    assert words in str(refused.value)


def test_a_cell_missing_from_expected_tsv_fails_the_check(tmp_path, capsys):
    shutil.copytree(RESULTS / "scores", tmp_path / "scores")
    lines = (RESULTS / "expected.tsv").read_text(encoding="utf-8").splitlines(keepends=True)
    kept = [line for line in lines if not line.startswith("ntrex\ten-so\tkd\tAP\t")]
    assert len(kept) == len(lines) - 1
    (tmp_path / "expected.tsv").write_text("".join(kept), encoding="utf-8")
    assert main(["check", "--rerun", "none", "--out", str(tmp_path)]) == 1
    out = capsys.readouterr().out
    assert "FAIL  ntrex/en-so/kd/AP" in out and "not in expected.tsv" in out and "1 FAIL" in out


# A study's saved results --------------------------------------------------------------------------

def test_translation_study_scores_with_a_short_score_list_are_refused(tmp_path):
    from harness.studies.translation.run import load_results

    path = tmp_path / "studies" / "translation" / "scores.json"
    path.parent.mkdir(parents=True)
    rows = [{"pair": "en-sw", "system": "reference:ntrex", "status": "ok", "query_ids": ["a", "b", "c"],
             "scores": {"AP": [0.1, 0.2, 0.3], "nDCG@10": [0.1, 0.2]}, "chrf": None, "bleu": None}]
    path.write_text(json.dumps(rows), encoding="utf-8")
    with pytest.raises(HarnessError, match=r"row 1 \(en-sw/reference:ntrex\): nDCG@10 has 2 scores for 3 query ids"):
        load_results(tmp_path)
    rows[0]["scores"]["nDCG@10"].append(0.3)
    path.write_text(json.dumps(rows), encoding="utf-8")
    assert load_results(tmp_path)[0].scores["nDCG@10"] == [0.1, 0.2, 0.3]
