"""``leaderboard`` board options and ``compare A B`` on a synthetic scores file (no retrieval)."""

import json

import pytest

from harness.cli.main import main
from harness.evaluation.scores import save_scores
from test_leaderboard import QIDS, synthetic

PNG_MAGIC = b"\x89PNG\r\n\x1a\n"
FAST = ["--resamples", "1000"]


@pytest.fixture
def results(tmp_path):
    save_scores(tmp_path / "scores" / "ntrex.json", "ntrex", synthetic())
    return tmp_path


def test_leaderboard_with_several_baselines_writes_every_format(results, capsys):
    assert main(["leaderboard", "--out", str(results), "--measures", "AP", "--baseline", "base,strong", *FAST]) == 0
    for name in ("leaderboard.md", "leaderboard.csv", "comparisons.csv", "leaderboard.json", "leaderboard.tex"):
        assert (results / name).is_file(), name
    assert (results / "plots" / "ntrex-AP-pairs.png").read_bytes().startswith(PNG_MAGIC)
    text = (results / "leaderboard.md").read_text()
    assert "▲/▼: significantly better/worse than `base`, △/▽: than `strong`" in text
    assert "](plots/ntrex-AP-pairs.png)" in text


def test_leaderboard_family_comparisons_and_formats_reach_the_outputs(results):
    argv = ["leaderboard", "--out", str(results), "--measures", "AP", "--comparisons", "all-pairs", "--family", "all", "--formats", "json,md", "--seed", "3", *FAST]
    assert main(argv) == 0
    document = json.loads((results / "leaderboard.json").read_text())
    assert document["options"]["seed"] == 3 and document["options"]["comparisons"] == "all-pairs"
    assert set(f["label"] for f in document["collections"][0]["families"]) == {
        "all measures · pairs · all pairs of methods",
        "all measures · mean columns · all pairs of methods",
    }
    assert not (results / "leaderboard.tex").exists() and not (results / "plots").exists()
    assert "≈: not significantly different from the best" in (results / "leaderboard.md").read_text()


@pytest.mark.parametrize(
    "argv, valid",
    [
        (["leaderboard", "--family", "column"], "valid: pair, table, all"),
        (["leaderboard", "--comparisons", "some"], "valid: baseline, all-pairs"),
        (["leaderboard", "--formats", "md,docx"], "valid: md, csv, json, tex, png"),
        (["leaderboard", "--baseline", "a,b,c,d,e"], "at most 4 baselines"),
        (["compare", "strong", "nope"], "valid: base, same, strong, weak"),
        (["compare", "strong", "base", "--measure", "nDCG@10"], "valid: AP"),
        (["compare", "strong", "base", "--pairs", "en-xx"], "valid: all, en-sw"),
    ],
)
def test_bad_names_exit_2_with_one_line(results, argv, valid, capsys):
    assert main([*argv, "--out", str(results)]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and valid in err


def test_compare_prints_sorted_differences_summary_and_writes_a_plot(results, capsys):
    assert main(["compare", "strong", "base", "--out", str(results), "--pairs", "en-sw,en-fi", *FAST]) == 0
    out = capsys.readouterr().out
    lines = out.splitlines()
    start = lines.index(next(line for line in lines if line.startswith("query")))
    rows = lines[start + 2 : start + 2 + len(QIDS)]
    diffs = [float(row.split()[-1]) for row in rows]
    assert len(rows) == len(QIDS) and diffs == sorted(diffs, reverse=True)
    assert "en-sw: mean strong − base = +0.2001, 95% CI [+0.18" in out and "W/T/L = 40/0/0 of 40 queries" in out
    assert "Holm over 2 tests" in out and "en-sw+en-fi (en-sw, en-fi): mean over pairs of strong − base" in out
    for pair in ("en-sw", "en-fi"):
        plot = results / "plots" / f"compare-strong-base-{pair}-AP.png"
        assert plot.read_bytes().startswith(PNG_MAGIC) and str(plot) in out
    # The synthetic query ids (q0, q1, ...) are not NTREX's: the tables say so instead of guessing a text.
    assert "no query text for en-sw, en-fi: 40 scored query ids are not the collection's (e.g. q" in out
    table = (results / "compare" / "strong-vs-base-AP.csv").read_text().splitlines()
    assert table[0] == "pair,query,text,strong,base,diff" and len(table) == 1 + 2 * len(QIDS)
    assert table[1].split(",")[2] == ""
    document = json.loads((results / "compare" / "strong-vs-base-AP.json").read_text())
    assert [p["pair"] for p in document["per_pair"]] == ["en-sw", "en-fi"] and document["texts_missing"]
    assert document["per_pair"][0]["comparison"]["family_size"] == 2
    assert (results / "compare" / "strong-vs-base-AP.tex").read_text().count(r"\begin{longtable}") == 2


def test_compare_a_skipped_pair_is_one_clear_line(results, capsys):
    assert main(["compare", "weak", "base", "--out", str(results), "--pairs", "en-yo"]) == 1
    err = capsys.readouterr().err
    assert err == "error: weak has no scores on en-yo (skipped: no translator for en-yo)\n"


def test_compare_has_help(capsys):
    with pytest.raises(SystemExit) as done:
        main(["compare", "--help"])
    assert done.value.code == 0
    out = capsys.readouterr().out
    assert "--pairs" in out and "--measure" in out and "--resamples" in out
