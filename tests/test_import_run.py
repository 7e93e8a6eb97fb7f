"""``import-run``: another system's TREC run, checked against the collection, on the board like any row;
and rows added later (imported, or from a plugin) move no mark or mean of the rows already there."""

from __future__ import annotations

import hashlib
import json
import shutil

import pandas as pd
import pytest

from harness.cli.main import main

BASE = ["--pairs", "en-sw,en-fi", "--formats", "md,csv", "--resamples", "2000"]


@pytest.fixture(scope="module")
def board(tiny_bert, tmp_path_factory):
    """bm25-nmt (a baseline), the bm25-ht oracle and mdpr (tiny model, the other baseline) on two pairs."""
    out = tmp_path_factory.mktemp("board")
    assert main(["run", "--methods", "bm25-nmt,bm25-ht,mdpr", "--out", str(out), "--set", f"mdpr.model={tiny_bert}",
                 *BASE]) == 0
    return out


def other_system(board, tmp_path, pair="en-sw"):
    """A plausible run from elsewhere: bm25-ht's run of ``pair``, its order reversed within every tenth query."""
    lines = (board / "runs" / "ntrex" / pair / "bm25-ht.run").read_text().splitlines()
    by_query: dict[str, list[list[str]]] = {}
    for line in lines:
        fields = line.split()
        by_query.setdefault(fields[0], []).append(fields)
    text = []
    for index, (query, hits) in enumerate(sorted(by_query.items())):
        if index % 10 == 0:
            hits = [[q, z, d, r, s, "x"] for (q, z, d, r, _, _), (_, _, _, _, s, _) in zip(hits, reversed(hits))]
        text += [" ".join([q, z, d, r, s, "other"]) for q, z, d, r, s, _ in hits]
    path = tmp_path / "other.run"
    path.write_text("\n".join(text) + "\n")
    return path


def test_imported_run_reaches_the_board_with_an_external_sidecar(board, tmp_path, capsys):
    out = tmp_path / "out"
    shutil.copytree(board, out)
    run = other_system(board, tmp_path)
    assert main(["import-run", str(run), "--name", "other", "--pair", "en-sw", "--description", "BM25 on human MT, shuffled",
                 "--out", str(out), *BASE[2:]]) == 0
    assert "imported" in capsys.readouterr().out
    sidecar = json.loads((out / "runs/ntrex/en-sw/other.json").read_text())
    external = sidecar["used"]["external"]
    assert external["sha256"] == hashlib.sha256(run.read_bytes()).hexdigest()
    assert external["source"] == str(run.resolve()) and external["importer"] == "python -m harness import-run"
    assert sidecar["family"] == "external" and sidecar["origin"]["kind"] == "external" and sidecar["date"]
    row = next(line for line in (out / "leaderboard.md").read_text().splitlines() if line.startswith("| `other`"))
    assert "—" in row.split("|")[5]  # en-fi: not imported there


def test_unknown_ids_are_refused_naming_the_line_or_dropped_and_counted(board, tmp_path, capsys):
    run = other_system(board, tmp_path)
    lines = run.read_text().splitlines()
    lines.insert(2, "no-such-query Q0 bbc.381790-0 1 9.5 other")
    q, z, d, r, s, t = lines[5].split()
    lines[5] = " ".join([q, z, "no-such-doc", r, s, t])
    run.write_text("\n".join(lines) + "\n")
    out = tmp_path / "out"
    argv = ["import-run", str(run), "--name", "other", "--pair", "en-sw", "--out", str(out), *BASE[2:]]
    assert main(argv) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and f"{run}:3: query no-such-query is not in harness/ntrex/sw" in err
    assert "1 line(s) of 1 unknown query id(s); 1 line(s) with unknown document ids" in err
    assert main([*argv, "--drop-unknown"]) == 0
    assert "dropped 1 line(s) of unknown queries and 1 of unknown documents" in capsys.readouterr().out
    dropped = json.loads((out / "runs/ntrex/en-sw/other.json").read_text())["used"]["external"]["dropped_lines"]
    assert dropped == {"unknown_query": 1, "unknown_document": 1}


@pytest.mark.parametrize("content, expected", [
    ("q1 Q0 d1 1 0.5\n", ":1: a TREC run line has 6 fields"),
    ("q1 Q0 d1 1 nan other\n", ":1: score 'nan' is not a finite number"),
])
def test_a_malformed_run_is_one_line_exit_2(content, expected, tmp_path, capsys):
    run = tmp_path / "bad.run"
    run.write_text(content)
    assert main(["import-run", str(run), "--name", "bad", "--pair", "en-sw", "--out", str(tmp_path / "out")]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and expected in err


def test_a_name_of_a_registered_method_is_refused(tmp_path, capsys):
    run = tmp_path / "x.run"
    run.write_text("q Q0 d 1 1.0 x\n")
    assert main(["import-run", str(run), "--name", "mdpr", "--pair", "en-sw", "--out", str(tmp_path / "o")]) == 2
    assert "a registered method has that name" in capsys.readouterr().err


def test_a_run_file_without_a_sidecar_is_reported_not_ignored(board, tmp_path, capsys):
    out = tmp_path / "out"
    shutil.copytree(board, out)
    stray = out / "runs/ntrex/en-sw/stray.run"
    shutil.copy(out / "runs/ntrex/en-sw/bm25-nmt.run", stray)
    assert main(["leaderboard", "--out", str(out), "--formats", "md"]) == 0
    said = [line for line in capsys.readouterr().out.splitlines() if "stray.run" in line]
    assert len(said) == 1 and "no sidecar is not scored" in said[0] and "python -m harness import-run" in said[0]


def test_a_partial_row_added_later_moves_no_mark_or_mean_unless_the_family_is_joint(board, tmp_path):
    """The built-in rows' means, marks and corrected p-values before and after importing a row that
    covers one pair of two; with --joint-family the larger families change the corrected p-values."""
    out = tmp_path / "out"
    shutil.copytree(board, out)
    assert main(["leaderboard", "--out", str(out), *BASE[2:]]) == 0
    before_means = pd.read_csv(out / "leaderboard.csv")
    before_tests = pd.read_csv(out / "comparisons.csv")
    run = other_system(board, tmp_path)
    assert main(["import-run", str(run), "--name", "other", "--pair", "en-sw", "--out", str(out), *BASE[2:]]) == 0
    after_means = pd.read_csv(out / "leaderboard.csv")
    after_tests = pd.read_csv(out / "comparisons.csv")
    kept = after_means[after_means["method"] != "other"].reset_index(drop=True)
    pd.testing.assert_frame_equal(kept.drop(columns="best"), before_means.drop(columns="best"))
    # Bold marks the best row of a column, the new one included: only where it is now the best did bold move.
    moved = kept[kept["best"] != before_means["best"]]
    others = after_means[(after_means["method"] == "other") & after_means["best"]]
    assert set(zip(moved["measure"], moved["column"])) <= set(zip(others["measure"], others["column"]))
    built_in = after_tests[(after_tests["method"] != "other") & (after_tests["reference"] != "other")].reset_index(drop=True)
    pd.testing.assert_frame_equal(built_in, before_tests)
    mine = after_tests[after_tests["method"] == "other"]
    assert len(mine) > 0 and mine["family"].str.endswith("other alone").all()
    assert (mine["family_size"] == 1).all()  # en-sw only: one tested comparison per baseline and measure

    assert main(["leaderboard", "--out", str(out), "--joint-family", *BASE[2:]]) == 0
    joint = pd.read_csv(out / "comparisons.csv")
    assert not joint["family"].str.contains("alone").any()
    pairs = joint[(joint["method"] == "mdpr") & (joint["reference"] == "bm25-nmt") & (joint["kind"] if "kind" in joint else True)]
    old = before_tests[(before_tests["method"] == "mdpr") & (before_tests["reference"] == "bm25-nmt")]
    merged = pairs.merge(old, on=["measure", "column"], suffixes=("_joint", "_own"))
    assert (merged["family_size_joint"] >= merged["family_size_own"]).all()
    assert (merged["family_size_joint"] > merged["family_size_own"]).any()  # the joint family grew...
    assert (merged["p_corrected_joint"] >= merged["p_corrected_own"] - 1e-12).all()  # ...and Holm can only raise p
    assert "with --joint-family they share the families above" in (out / "leaderboard.md").read_text()
