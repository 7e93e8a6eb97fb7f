"""The command line end to end on the built-in collection (mirror data, no network)."""

import json

import ir_datasets
import pytest

from harness.cli.main import main
from harness.data.collections import COLLECTIONS, load_topics
from harness.data.pairs import PAIRS
from harness.errors import HarnessError


@pytest.mark.parametrize(
    "argv, valid",
    [
        (["run", "--methods", "bm25-nmt,nope"], "valid: all, bm25-nmt, bm25-ht, mdpr, kd, cal, optical"),
        (["run", "--pairs", "en-xx"], "valid: all, en-sw, en-so, en-yo, en-mr, en-fi, en-de, en-fr"),
        (["run", "--collection", "msmarco"], "valid: ntrex, ntrex-sentences, xquad, multi30k, ciral, ciral-test-a-pools, ciral-test-b, africlirmatrix, clirmatrix, wikiclir"),
        (["run", "--set", "bm25-nmt.k3=1"], "it has: b, k1, profile, translator, translator_choice"),
    ],
)
def test_unknown_names_exit_2_with_one_line(argv, valid, capsys):
    assert main(argv) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and valid in err


def test_help_on_every_command(capsys):
    for command in ("run", "list", "evaluate", "leaderboard"):
        with pytest.raises(SystemExit) as done:
            main([command, "--help"])
        assert done.value.code == 0
    assert "--methods" in capsys.readouterr().out


def test_real_collection_offline_is_one_clear_line(monkeypatch):
    def offline(dataset_id):
        raise ConnectionError("no network")

    monkeypatch.setattr(ir_datasets, "load", offline)
    with pytest.raises(HarnessError) as error:
        load_topics(COLLECTIONS["clirmatrix"], PAIRS["en-sw"])
    message = str(error.value)
    assert message.startswith("clirmatrix/sw/bi139-base/en/test1:") and str(ir_datasets.util.home_path()) in message
    assert "\n" not in message


RUN = ["run", "--methods", "bm25-nmt,bm25-ht", "--pairs", "en-fi,en-sw,en-yo"]


@pytest.fixture(scope="module")
def board(tmp_path_factory):
    out = tmp_path_factory.mktemp("results")
    assert main([*RUN, "--out", str(out)]) == 0
    return out


def test_run_writes_runs_sidecars_scores_and_board(board, capsys):
    run = board / "runs" / "ntrex" / "en-fi" / "bm25-nmt.run"
    lines = run.read_text().splitlines()
    assert lines[0].split()[1] == "Q0" and len({line.split()[0] for line in lines}) == 122  # one retrieves nothing
    sidecar = json.loads(run.with_suffix(".json").read_text())
    assert sidecar["status"] == "ok" and sidecar["parameters"]["k1"] == 0.9
    # OPUS-MT serves all seven pairs of the board, NLLB only fi: the most-pairs rule counts the board's pairs
    # (all seven of NTREX, not only the run's three) and takes OPUS-MT.
    assert sidecar["used"]["translator"]["spec"] == "precomputed:opus-mt-ntrex"
    assert sidecar["used"]["translator_choice"]["pairs_served"]["precomputed:opus-mt-ntrex"] == [
        "en-sw", "en-so", "en-yo", "en-mr", "en-fi", "en-de", "en-fr"]
    assert sidecar["used"]["translator_choice"]["pairs_served"]["precomputed:nllb"] == ["en-fi"]
    assert sidecar["dataset_id"] == "harness/ntrex/fi" and len(sidecar["qrels_sha256"]) == 64
    assert sidecar["environment"]["packages"]["pyserini"] == "1.6.0"
    sw = json.loads((board / "runs" / "ntrex" / "en-sw" / "bm25-nmt.json").read_text())
    assert sw["used"]["translator"]["spec"] == "precomputed:opus-mt-ntrex"
    yo = json.loads((board / "runs" / "ntrex" / "en-yo" / "bm25-nmt.json").read_text())
    assert yo["status"] == "ok" and yo["used"]["translator"]["model"] == "OPUS-MT Tatoeba-MT-models/eng-yor/opus+bt-2021-04-10"
    assert (board / "runs" / "ntrex" / "en-yo" / "bm25-nmt.run").exists()
    oracle = json.loads((board / "runs" / "ntrex" / "en-yo" / "bm25-ht.json").read_text())
    assert oracle["status"] == "ok" and oracle["used"]["translator"]["spec"] == "reference:ntrex"
    text = (board / "leaderboard.md").read_text()
    assert "### MAP (mean AP)" in text and "translator precomputed:opus-mt-ntrex" in text
    assert "`bm25-nmt` on en-yo: translator precomputed:opus-mt-ntrex (a weak system: chrF 0.154, BLEU 2.9 on NTREX)" in text
    assert "| `bm25-ht` (oracle) " in text
    scores = json.loads((board / "scores" / "ntrex.json").read_text())
    fi = next(e for e in scores["entries"] if e["pair"] == "en-fi" and e["method"] == "bm25-nmt")
    assert len(fi["scores"]["nDCG@10"]) == 123 and 0.2 < sum(fi["scores"]["AP"]) / 123 < 0.9


def test_rerun_reuses_and_force_retrieves(board, capsys):
    assert main([*RUN, "--out", str(board)]) == 0
    assert "reused bm25-nmt on en-fi" in capsys.readouterr().out
    # Alone, en-fi keeps the board's translator family (case fix-hint-changes-number: it used to take
    # NLLB, the earlier preference, and change the cell): the same translator, so the run is reused.
    assert main(["run", "--methods", "bm25-nmt", "--pairs", "en-fi", "--out", str(board)]) == 0
    assert "reused bm25-nmt on en-fi" in capsys.readouterr().out
    sidecar = json.loads((board / "runs" / "ntrex" / "en-fi" / "bm25-nmt.json").read_text())
    assert sidecar["used"]["translator"]["spec"] == "precomputed:opus-mt-ntrex"
    assert main(["run", "--methods", "bm25-nmt", "--pairs", "en-fi", "--out", str(board), "--set", "bm25-nmt.k1=1.2"]) == 0
    assert "ran bm25-nmt on en-fi" in capsys.readouterr().out  # other parameters: not the same run
    sidecar = json.loads((board / "runs" / "ntrex" / "en-fi" / "bm25-nmt.json").read_text())
    assert sidecar["parameters"]["k1"] == 1.2 and sidecar["used"]["queries_newly_translated"] == 0
    assert main(["run", "--methods", "bm25-nmt", "--pairs", "en-fi", "--out", str(board), "--force"]) == 0
    assert "ran bm25-nmt on en-fi" in capsys.readouterr().out


def test_single_translator_spec_is_not_split(tmp_path, capsys):
    # ../shared/cases/translator-single-spec: one spec without a comma is one translator, not characters.
    argv = ["run", "--methods", "bm25-nmt", "--pairs", "en-fi", "--out", str(tmp_path), "--set", "bm25-nmt.translator=precomputed:nllb"]
    assert main(argv) == 0
    sidecar = json.loads((tmp_path / "runs" / "ntrex" / "en-fi" / "bm25-nmt.json").read_text())
    assert sidecar["used"]["translator"]["spec"] == "precomputed:nllb"


def test_leaderboard_rebuilds_from_scores_alone(board, tmp_path):
    fresh = tmp_path / "clone"
    (fresh / "scores").mkdir(parents=True)
    (fresh / "scores" / "ntrex.json").write_bytes((board / "scores" / "ntrex.json").read_bytes())
    assert main(["leaderboard", "--out", str(board)]) == 0
    assert main(["leaderboard", "--out", str(fresh)]) == 0
    assert (fresh / "leaderboard.md").read_text() == (board / "leaderboard.md").read_text()


def test_list_reports_usability(capsys, monkeypatch, tmp_path):
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    monkeypatch.setenv("IR_DATASETS_HOME", str(tmp_path))  # no corpus downloaded here
    assert main(["list"]) == 0
    out = capsys.readouterr().out
    assert "en-fi: usable with precomputed:opus-mt-ntrex" in out and "en-yo: usable with precomputed:opus-mt-ntrex" in out
    assert "en-yo: usable with reference:ntrex" in out
    assert "precomputed MT systems pinned: opus-mt-ntrex (OPUS-MT Tatoeba-MT-models/eng-yor/opus+bt-2021-04-10)" in out
    assert "clirmatrix/sw/bi139-base/en/test1, wikiclir/sw" in out
    # CIRAL and AfriCLIRMatrix: their pairs, Hausa among them, and why they need the network here.
    assert "  ciral  CIRAL v1.0 test set A" in out and "  africlirmatrix  AfriCLIRMatrix v1.0 test" in out
    assert out.count("pairs: en-ha, en-so, en-sw, en-yo") == 4  # ciral, its two other splits, africlirmatrix
    assert "en-ha corpus CIRAL/ciral-corpus/passages-v1.0/hausa_passages.jsonl@cbaa143: CIRAL corpus needs network once (HF_HUB_OFFLINE set)" in out
    assert "en-yo corpus castorini/africlirmatrix/africlirmatrix-v1.0-yoruba/corpus.jsonl@640a77e: AfriCLIRMatrix corpus needs network once" in out
    assert "en-ha  Hausa (low-resource); only in: ciral, ciral-test-a-pools, ciral-test-b, africlirmatrix" in out


def test_list_why_gives_the_long_reason_now_and_as_the_sidecar_recorded_it(board, tmp_path, capsys):
    out = tmp_path / "out"
    # The fusion's member mdpr has no run here: the cell is skipped with a short and a long reason.
    assert main(["run", "--methods", "bm25-nmt,rrf-bm25-nmt+mdpr", "--pairs", "en-fi", "--out", str(out),
                 "--formats", "md"]) == 0
    capsys.readouterr()
    assert main(["list", "--why", "rrf-bm25-nmt+mdpr", "en-fi", "--out", str(out)]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert lines[0].startswith(f"saved run {out / 'runs' / 'ntrex' / 'en-fi' / 'rrf-bm25-nmt+mdpr.json'} (")
    assert "skipped: member mdpr has no saved run on ntrex/en-fi; run it first: python -m harness run" in lines[0]
    assert lines[1].startswith("here now: not usable: member mdpr has no saved run on ntrex/en-fi")
    assert main(["list", "--why", "bm25-nmt", "en-fi", "--out", str(board)]) == 0
    assert capsys.readouterr().out.splitlines()[1] == "here now: usable"
    assert main(["list", "--why", "nope", "en-fi"]) == 2
    assert "unknown method nope; valid: all, bm25-nmt" in capsys.readouterr().err
