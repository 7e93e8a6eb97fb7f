"""A printed fix hint rebuilds the very cell it names (case fix-hint-changes-number).

Observed: a damaged ``runs/ntrex/en-fi/bm25-nmt.run`` was refused with the hint ``rerun: python -m
harness run --methods bm25-nmt --pairs en-fi``; run alone on en-fi, the most-pairs rule picked
NLLB, and the board's en-fi cell went from 0.4652 (OPUS-MT, as on the other pairs) to 0.4466.
The tests follow the hints as a user would (the printed command, split by the shell's rules, run
as it is) and compare the cell with the number it had before the damage: the expectation is
the board's own earlier value, not something the code under test computes.
"""

import json
import shlex
from pathlib import Path

import pytest

from harness.cli.main import main
from harness.evaluation.runs import RerunNeeded
from harness.reproduction.rerun import fix_hint

RESULTS = Path(__file__).resolve().parent.parent / "results"


def cell(out: Path, pair: str, method: str) -> dict:
    scores = json.loads((out / "scores" / "ntrex.json").read_text(encoding="utf-8"))
    entry = next(e for e in scores["entries"] if e["pair"] == pair and e["method"] == method)
    ids = entry["query_ids"] if isinstance(entry["query_ids"], list) else scores["query_ids"][entry["query_ids"]]
    return {"run_sha256": entry["run_sha256"], "used": entry["used"], "AP": dict(zip(ids, entry["scores"]["AP"]))}


def follow(hint_line: str, capsys) -> int:
    """Run the command after ``rerun: `` the way a shell would, and return its exit status."""
    command = hint_line.split("; rerun: ", 1)[1].strip()
    words = shlex.split(command)
    assert words[:3] == ["python", "-m", "harness"], command
    status = main(words[3:])
    capsys.readouterr()
    return status


@pytest.fixture(scope="module")
def board(tmp_path_factory):
    """bm25-nmt on two pairs of NTREX, as a user's results folder."""
    out = tmp_path_factory.mktemp("results")
    assert main(["run", "--methods", "bm25-nmt", "--pairs", "en-sw,en-fi", "--out", str(out), "--formats", "md"]) == 0
    return out


def test_fix_hint_changes_number_no_more_following_the_leaderboard_hint(board, capsys):
    before = cell(board, "en-fi", "bm25-nmt")
    assert before["used"] == "translator precomputed:opus-mt-ntrex"
    run = board / "runs" / "ntrex" / "en-fi" / "bm25-nmt.run"
    run.write_text(run.read_text() + "damage\n")
    capsys.readouterr()
    assert main(["leaderboard", "--out", str(board), "--formats", "md"]) == 1
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "bm25-nmt.run is missing or is not the run" in err
    assert "--set bm25-nmt.translator=precomputed:opus-mt-ntrex" in err and f"--out {board}" in err
    assert follow(err, capsys) == 0
    after = cell(board, "en-fi", "bm25-nmt")
    assert after == before  # the same run file (sha256), the same translator, the same per-query AP
    assert main(["leaderboard", "--out", str(board), "--formats", "md"]) == 0


def test_fix_hint_changes_number_no_more_following_the_export_hint(board, tmp_path, capsys):
    before = cell(board, "en-sw", "bm25-nmt")
    run = board / "runs" / "ntrex" / "en-sw" / "bm25-nmt.run"
    run.write_bytes(run.read_bytes()[:-40])  # a cut-short file
    capsys.readouterr()
    assert main(["export", "--format", "trec", "--pairs", "en-sw", "--out", str(board), "--dest", str(tmp_path / "x")]) == 1
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "not exported; rerun: python -m harness run --methods bm25-nmt --pairs en-sw" in err
    assert follow(err, capsys) == 0
    assert cell(board, "en-sw", "bm25-nmt") == before


def test_fix_hint_changes_number_a_single_pair_rerun_keeps_the_boards_translator(tmp_path, capsys):
    """Plain ``run --pairs en-fi`` (no hint at all) makes the committed board's en-fi cell: OPUS-MT."""
    committed = cell(RESULTS, "en-fi", "bm25-nmt")
    assert main(["run", "--methods", "bm25-nmt", "--pairs", "en-fi", "--out", str(tmp_path), "--formats", "md"]) == 0
    assert cell(tmp_path, "en-fi", "bm25-nmt") == committed


@pytest.mark.parametrize("out, force, collection, expected", [
    ("results/studies/robustness/char-swap", False, None, "python -m harness study run robustness"),
    ("/data/res/studies/translation", True, None, "python -m harness study run translation --out /data/res --force"),
    ("results", True, None, "python -m harness run --methods bm25-nmt --pairs en-fi --force"),
    ("/data/res", False, None, "python -m harness run --methods bm25-nmt --pairs en-fi --out /data/res"),
])
def test_fix_hint_names_the_command_that_made_the_cell(out, force, collection, expected):
    sidecar = {"method": "bm25-nmt", "pair": "en-fi", "collection": "ntrex", "depth": 1000, "status": "ok",
               "parameters": {"b": 0.4, "k1": 0.9, "profile": "small", "translator": None, "translator_choice": "most-pairs"},
               "resolved": {"translator": None}}
    assert fix_hint(RerunNeeded("damaged", sidecar, Path(out), force), collection) == expected


def test_fix_hint_names_a_folder_collection_as_the_user_gave_it(tmp_path):
    folder = tmp_path / "my-collection"
    (folder / "sw").mkdir(parents=True)
    sidecar = {"method": "mdpr", "pair": "en-sw", "collection": "my-collection", "depth": 1000, "status": "ok",
               "parameters": {}, "resolved": {"precision": "fp32", "runtime": "torch"}}
    hint = fix_hint(RerunNeeded("damaged", sidecar, Path("results")), str(folder))
    assert hint == shlex.join(["python", "-m", "harness", "run", "--methods", "mdpr", "--pairs", "en-sw",
                               "--collection", str(folder), "--set", "mdpr.precision=fp32", "--set", "mdpr.runtime=torch"])
