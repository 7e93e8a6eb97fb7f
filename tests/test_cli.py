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
        (["run", "--collection", "msmarco"], "valid: ntrex, ntrex-sentences, xquad, multi30k, clirmatrix, wikiclir"),
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
    # OPUS-MT serves fi and sw, NLLB only fi: the most-pairs rule takes OPUS-MT for both.
    assert sidecar["used"]["translator"]["spec"] == "precomputed:opus-mt-ntrex"
    assert sidecar["used"]["translator_choice"]["pairs_served"]["precomputed:opus-mt-ntrex"] == ["en-fi", "en-sw"]
    assert sidecar["dataset_id"] == "harness/ntrex/fi" and len(sidecar["qrels_sha256"]) == 64
    assert sidecar["environment"]["packages"]["pyserini"] == "1.6.0"
    sw = json.loads((board / "runs" / "ntrex" / "en-sw" / "bm25-nmt.json").read_text())
    assert sw["used"]["translator"]["spec"] == "precomputed:opus-mt-ntrex"
    skipped = json.loads((board / "runs" / "ntrex" / "en-yo" / "bm25-nmt.json").read_text())
    # Two lengths: one line the same on every machine, and every source tried with the fix.
    assert skipped["status"] == "skipped" and skipped["reason"] == "no machine translation into Yoruba here"
    assert "no translator for en-yo" in skipped["reason_detail"] and "no pinned sha256" in skipped["reason_detail"]
    skip = next(e for e in json.loads((board / "scores" / "ntrex.json").read_text())["entries"]
                if (e["pair"], e["method"]) == ("en-yo", "bm25-nmt"))
    assert skip["reason"] == skipped["reason"]  # the scores file (committed) holds the short one only
    assert not (board / "runs" / "ntrex" / "en-yo" / "bm25-nmt.run").exists()
    oracle = json.loads((board / "runs" / "ntrex" / "en-yo" / "bm25-ht.json").read_text())
    assert oracle["status"] == "ok" and oracle["used"]["translator"]["spec"] == "reference:ntrex"
    text = (board / "leaderboard.md").read_text()
    assert "### MAP (mean AP)" in text and "skipped[^" in text and "translator precomputed:opus-mt-ntrex" in text
    assert "| `bm25-ht` (oracle) " in text
    scores = json.loads((board / "scores" / "ntrex.json").read_text())
    fi = next(e for e in scores["entries"] if e["pair"] == "en-fi" and e["method"] == "bm25-nmt")
    assert len(fi["scores"]["nDCG@10"]) == 123 and 0.2 < sum(fi["scores"]["AP"]) / 123 < 0.9


def test_rerun_reuses_and_force_retrieves(board, capsys):
    assert main([*RUN, "--out", str(board)]) == 0
    assert "reused bm25-nmt on en-fi" in capsys.readouterr().out
    # Alone, en-fi is served as well by NLLB (the earlier preference): another translator, so not reused.
    assert main(["run", "--methods", "bm25-nmt", "--pairs", "en-fi", "--out", str(board)]) == 0
    assert "ran bm25-nmt on en-fi" in capsys.readouterr().out
    sidecar = json.loads((board / "runs" / "ntrex" / "en-fi" / "bm25-nmt.json").read_text())
    assert sidecar["used"]["translator"]["spec"] == "precomputed:nllb"
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


def test_list_reports_usability(capsys):
    assert main(["list"]) == 0
    out = capsys.readouterr().out
    assert "en-fi: usable with precomputed:opus-mt-ntrex" in out
    assert "en-yo: not usable: no machine translation into Yoruba here (why: list --why bm25-nmt en-yo)" in out
    assert "no translator for en-yo" not in out  # the long reason only where asked for
    assert "en-yo: usable with reference:ntrex" in out and "precomputed MT systems pinned: opus-mt-ntrex" in out
    assert "clirmatrix/sw/bi139-base/en/test1, wikiclir/sw" in out


def test_list_why_gives_the_long_reason_now_and_as_the_sidecar_recorded_it(board, capsys):
    assert main(["list", "--why", "bm25-nmt", "en-yo", "--out", str(board)]) == 0
    out = capsys.readouterr().out.splitlines()
    assert out[0].startswith(f"saved run {board / 'runs' / 'ntrex' / 'en-yo' / 'bm25-nmt.json'} (")
    assert "skipped: no translator for en-yo: " in out[0] and "Fix: " in out[0]
    assert out[1].startswith("here now: not usable: no translator for en-yo: ") and "no pinned sha256" in out[1]
    assert main(["list", "--why", "bm25-nmt", "en-fi", "--out", str(board)]) == 0
    assert capsys.readouterr().out.splitlines()[1] == "here now: usable"
    assert main(["list", "--why", "nope", "en-fi"]) == 2
    assert "unknown method nope; valid: all, bm25-nmt" in capsys.readouterr().err
