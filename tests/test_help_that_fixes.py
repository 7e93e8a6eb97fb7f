"""Help that fixes the mistake: every unknown name at once, each with its closest valid names, one
line, exit 2; trec_eval measure names accepted and shown in ir_measures' form; an ir_datasets id
that does not exist (exit 2) told apart from one whose data is not here yet (exit 1)."""

from __future__ import annotations

import ir_datasets
import pytest

from harness.cli.main import main


def line(capsys) -> str:
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "Traceback" not in err, err
    return err


@pytest.mark.parametrize("argv, expected", [
    (["run", "--methods", "optcal"], "unknown method optcal (did you mean optical or cal?); valid: all, bm25-nmt"),
    (["run", "--methods", "mdpr,nope,bm25nmt"], "unknown method nope, bm25nmt (did you mean bm25-nmt"),
    (["run", "--pairs", "sw"], "unknown pair of collection ntrex sw (did you mean en-sw?)"),
    (["run", "--pairs", "en-sw,EN-FI,xx"], "EN-FI (did you mean en-fi?), xx; valid: all, en-sw"),
    (["run", "--collection", "ntrx"], "unknown collection ntrx (did you mean ntrex"),
    (["run", "--measures", "ndcg@10"], "unknown measure 'ndcg@10' (did you mean nDCG@10?)"),
    (["run", "--measures", "AP,foo,recal@100"], "unknown measure 'foo', 'recal@100'"),
    (["run", "--set", "bm25-nmt.k3=1"], "bm25-nmt has no parameter 'k3' (did you mean k1?); it has: b, k1"),
    (["run", "--set", "bm25nmt.k1=1"], "unknown method bm25nmt (did you mean bm25-nmt"),
    (["study", "run", "alignmnt"], "unknown study alignmnt (did you mean alignment?)"),
])
def test_unknown_names_are_reported_together_with_suggestions(argv, expected, capsys, tmp_path):
    assert main([*argv, "--out", str(tmp_path)] if argv[0] == "run" else argv) == 2
    assert expected in line(capsys)


def test_trec_eval_measure_names_are_accepted_and_shown_in_ir_measures_form(tmp_path):
    out = tmp_path / "out"
    assert main(["run", "--methods", "bm25-nmt", "--pairs", "en-sw", "--out", str(out), "--measures",
                 "map,ndcg_cut_10,recip_rank", "--formats", "md,csv"]) == 0
    board = (out / "leaderboard.md").read_text()
    for heading in ("### MAP (mean AP)", "### nDCG@10", "### RR\n"):
        assert heading in board
    assert "ndcg_cut_10" not in board and "recip_rank" not in board
    measures = {line.split(",")[1] for line in (out / "leaderboard.csv").read_text().splitlines()[1:]}
    assert measures == {"AP", "nDCG@10", "RR"}


def test_no_such_ir_datasets_id_is_exit_2_before_any_work(tmp_path, capsys):
    assert main(["run", "--collection", "irds:hc4/fa/tset", "--pairs", "en-fa", "--methods", "bm25-nmt",
                 "--out", str(tmp_path)]) == 2
    err = line(capsys)
    assert "no such ir_datasets id: hc4/fa/tset (did you mean hc4/fa/test" in err


def test_known_id_without_its_data_is_exit_1_with_the_download_command(tmp_path, capsys, monkeypatch):
    def offline(dataset_id):
        raise ConnectionError("no network")

    monkeypatch.setattr(ir_datasets, "load", offline)
    assert main(["run", "--collection", "irds:hc4/fa/test", "--pairs", "en-fa", "--methods", "bm25-nmt",
                 "--out", str(tmp_path)]) == 1
    err = line(capsys)
    assert "hc4/fa/test: ir_datasets knows it but cannot provide its data here (ConnectionError)" in err
    assert "ir_datasets export hc4/fa/test queries" in err


def test_compare_suggests_methods_and_measures(tmp_path, capsys):
    out = tmp_path / "out"
    assert main(["run", "--methods", "bm25-nmt,bm25-ht", "--pairs", "en-sw", "--out", str(out), "--formats", "md"]) == 0
    capsys.readouterr()
    assert main(["compare", "bm25nmt", "bm25-ht", "--out", str(out)]) == 2
    assert "unknown method bm25nmt (did you mean bm25-nmt" in line(capsys)
    assert main(["compare", "bm25-nmt", "bm25-ht", "--out", str(out), "--measure", "ndcg@20"]) == 2
    assert "unknown measure 'ndcg@20' (did you mean nDCG@20?)" in line(capsys)
    assert main(["compare", "bm25-nmt", "bm25-ht", "--out", str(out), "--measure", "ndcg_cut_20"]) == 0  # nDCG@20
