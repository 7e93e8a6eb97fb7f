"""Case scores-lost-update: two runs on one results folder never drop each other's rows.

Each run reads ``scores/<collection>.json``, adds its rows and writes it back; the board is rebuilt
from it.  Two threads play the two runs, one of them delayed between its read and its write (as
the case delayed one run's save by 15 s).  Without a lock the delayed one writes back a file that
lacks the other's rows; the expectation (both methods' rows, in the scores and on the board) is
the set of runs the test put in the folder.
"""

from __future__ import annotations

import csv
import shutil
import threading
import time
from pathlib import Path

import pytest

from harness.cli.main import main
from harness.data.collections import COLLECTIONS

MEASURES = ["AP", "nDCG@10"]


@pytest.fixture(scope="module")
def two_runs(tmp_path_factory) -> Path:
    """A results folder with saved bm25-nmt and bm25-ht runs on en-fi."""
    import os

    saved = os.environ.pop("OPENAI_API_KEY", None)
    folder = tmp_path_factory.mktemp("two-runs")
    assert main(["run", "--methods", "bm25-nmt,bm25-ht", "--pairs", "en-fi", "--out", str(folder), "--formats", "md"]) == 0
    if saved is not None:
        os.environ["OPENAI_API_KEY"] = saved
    return folder / "runs" / "ntrex" / "en-fi"


def place(runs: Path, out: Path, method: str) -> None:
    target = out / "runs" / "ntrex" / "en-fi"
    target.mkdir(parents=True, exist_ok=True)
    for suffix in ("run", "json"):
        shutil.copy(runs / f"{method}.{suffix}", target / f"{method}.{suffix}")


def methods_in_scores(out: Path) -> set[str]:
    from harness.evaluation.scores import load_scores, scores_path

    return {method for _, method in load_scores(scores_path(out, "ntrex"))}


def test_a_delayed_save_keeps_the_other_runs_rows(two_runs, tmp_path, monkeypatch):
    from harness.evaluation import saved

    out = tmp_path / "out"
    place(two_runs, out, "bm25-nmt")
    about_to_save = threading.Event()
    real_save = saved.save_scores

    def delayed_save(*args):
        if threading.current_thread().name == "first":
            about_to_save.set()
            time.sleep(1.5)  # the second run reads, merges and saves meanwhile (without a lock)
        real_save(*args)

    monkeypatch.setattr(saved, "save_scores", delayed_save)
    evaluate = lambda: saved.evaluate_saved(COLLECTIONS["ntrex"], COLLECTIONS["ntrex"].language_pairs(), out, MEASURES)
    first = threading.Thread(target=evaluate, name="first")
    first.start()
    assert about_to_save.wait(120)
    place(two_runs, out, "bm25-ht")  # the second run has finished retrieving meanwhile
    second = threading.Thread(target=evaluate, name="second")
    second.start()
    first.join(120), second.join(120)
    assert methods_in_scores(out) == {"bm25-nmt", "bm25-ht"}


def test_a_delayed_board_never_overwrites_a_newer_one(two_runs, tmp_path, monkeypatch):
    from harness.board import build
    from harness.cli.args import comparison_options, build_parser
    from harness.evaluation.saved import evaluate_saved

    out = tmp_path / "out"
    place(two_runs, out, "bm25-nmt")
    options = comparison_options(build_parser().parse_args(["leaderboard", "--resamples", "200"]))
    rendering = threading.Event()
    real_render = build.render_outputs

    def delayed_render(*args, **kwargs):
        if threading.current_thread().name == "first":
            rendering.set()
            time.sleep(1.5)  # its board is built from the scores it read: the second run finishes meanwhile
        return real_render(*args, **kwargs)

    monkeypatch.setattr(build, "render_outputs", delayed_render)

    def run():
        evaluate_saved(COLLECTIONS["ntrex"], COLLECTIONS["ntrex"].language_pairs(), out, MEASURES)
        build.write_leaderboard(out, MEASURES, options, ("md", "csv"))

    evaluate_saved(COLLECTIONS["ntrex"], COLLECTIONS["ntrex"].language_pairs(), out, MEASURES)
    first = threading.Thread(target=lambda: build.write_leaderboard(out, MEASURES, options, ("md", "csv")), name="first")
    first.start()
    assert rendering.wait(120)
    place(two_runs, out, "bm25-ht")
    second = threading.Thread(target=run, name="second")
    second.start()
    first.join(120), second.join(120)
    with open(out / "leaderboard.csv", encoding="utf-8") as handle:
        on_board = {row["method"] for row in csv.DictReader(handle)}
    assert on_board == {"bm25-nmt", "bm25-ht"}
    assert "bm25-ht" in (out / "leaderboard.md").read_text(encoding="utf-8")


def test_two_processes_on_one_folder_take_turns(tmp_path):
    """The lock holds across processes: a second process waits while the first holds it."""
    import subprocess
    import sys

    from harness.files.lock import results_lock

    out = tmp_path / "out"
    out.mkdir()
    code = ("import sys, time; from harness.files.lock import results_lock\n"
            "with results_lock(sys.argv[1]):\n    print('got', flush=True); time.sleep(1.0)\n")
    holder = subprocess.Popen([sys.executable, "-c", code, str(out)], stdout=subprocess.PIPE, text=True,
                              cwd=Path(__file__).resolve().parent.parent)
    assert holder.stdout.readline().strip() == "got"
    start = time.monotonic()
    with results_lock(out):
        waited = time.monotonic() - start
    holder.wait(30)
    assert waited > 0.5
