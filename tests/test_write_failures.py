"""Cases disk-full-index and out-unwritable: any failed write is one line naming the path and the reason.

A full disk, a read-only or immutable folder: one line (exit 1; exit 2 for a bad --out found before
work), never a traceback.  Nothing enters the cache unverified (a Lucene index must open and count
every document given), and the board's files are written as one set: after a failure or a kill,
all old files or all new ones.  Expected contents come from what the test wrote, never from the
code under test.  The tests that need a real full disk mount a small tmpfs (root only).
"""

from __future__ import annotations

import errno
import os
import shutil
import signal
import subprocess
import sys
from contextlib import contextmanager
from pathlib import Path

import pytest

from harness.cli.main import main
from harness.errors import HarnessError
from harness.files import fileset
from harness.files.fileset import write_file_set

REPO = Path(__file__).resolve().parent.parent
ROOT = os.geteuid() == 0


@contextmanager
def unwritable(folder: Path):
    """Make ``folder`` unwritable, for root too (chattr +i) or for a user (chmod 555)."""
    if ROOT:
        subprocess.run(["chattr", "+i", str(folder)], check=True)
    else:
        folder.chmod(0o555)
    try:
        yield
    finally:
        if ROOT:
            subprocess.run(["chattr", "-i", str(folder)], check=True)
        else:
            folder.chmod(0o755)


@contextmanager
def small_disk(folder: Path, free_kib: int, size: str = "3m"):
    """A tmpfs at ``folder`` with about ``free_kib`` KiB left free (filled by ``filler``)."""
    folder.mkdir(parents=True, exist_ok=True)
    if not ROOT or subprocess.run(["mount", "-t", "tmpfs", "-o", f"size={size}", "tmpfs", str(folder)]).returncode:
        pytest.skip("needs root to mount a small tmpfs")
    try:
        yield folder
    finally:
        subprocess.run(["umount", "-l", str(folder)], check=False)


def fill(folder: Path, free_kib: int) -> Path:
    filler = folder / "filler"
    available = shutil.disk_usage(folder).free
    with open(filler, "wb") as handle:
        try:
            handle.write(b"\0" * max(available - free_kib * 1024, 0))
        except OSError:
            pass
    return filler


# --------------------------------------------------------------------------
# The board's files: one set
# --------------------------------------------------------------------------

OLD = {"leaderboard.md": b"old md 0.4827\n", "leaderboard.csv": b"old csv 0.4827\n", "plots/a.png": b"old png"}
NEW = {"leaderboard.md": b"new md 0.4862\n", "leaderboard.csv": b"new csv 0.4862\n", "plots/a.png": b"new png"}


def contents(root: Path) -> dict[str, bytes]:
    return {name: (root / name).read_bytes() for name in OLD}


def hidden(root: Path) -> list[str]:
    return sorted(p.name for p in root.iterdir() if p.name.startswith("."))


def test_a_full_disk_while_staging_leaves_every_old_file(tmp_path, monkeypatch):
    write_file_set(tmp_path, OLD, "leaderboard")
    calls = {"n": 0}
    real_stage = fileset._stage

    def stage_until_full(path, content):
        calls["n"] += 1
        if calls["n"] == 2:
            raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))
        real_stage(path, content)

    monkeypatch.setattr(fileset, "_stage", stage_until_full)
    with pytest.raises(HarnessError) as error:
        write_file_set(tmp_path, NEW, "leaderboard")
    assert "\n" not in str(error.value) and "No space left on device" in str(error.value)
    assert str(tmp_path / "leaderboard.csv") in str(error.value)
    assert contents(tmp_path) == OLD and hidden(tmp_path) == []


KILLED_WHILE_PUBLISHING = """
import os, signal, sys
from pathlib import Path
from harness.files import fileset
renamed = {"n": 0}
real_replace = os.replace
def replace_then_die(source, target):
    if renamed["n"] == 2:  # the journal's rename, the first file's, then the kill
        os.kill(os.getpid(), signal.SIGKILL)
    renamed["n"] += 1
    real_replace(source, target)
fileset.os.replace = replace_then_die
fileset.write_file_set(Path(sys.argv[1]), {k: v.encode() for k, v in eval(sys.argv[2]).items()}, "leaderboard")
"""


def test_a_kill_between_two_renames_then_tidy_gives_the_new_set(tmp_path):
    write_file_set(tmp_path, OLD, "leaderboard")
    new = {k: v.decode() for k, v in NEW.items()}
    process = subprocess.run([sys.executable, "-c", KILLED_WHILE_PUBLISHING, str(tmp_path), repr(new)], cwd=REPO,
                             env=dict(os.environ, PYTHONPATH=str(REPO)))
    assert process.returncode == -signal.SIGKILL and contents(tmp_path) not in (OLD, NEW)
    from harness.cli.checks import check_out

    check_out(tmp_path)  # what every command that writes into a results folder does first
    assert contents(tmp_path) == NEW and hidden(tmp_path) == [".harness-lock"]


def test_a_kill_while_staging_leaves_the_old_set_and_the_staging_is_removed(tmp_path):
    write_file_set(tmp_path, OLD, "leaderboard")
    staging = tmp_path / f".leaderboard-staging.{fileset.host_name()}.{dead_pid()}.abcdefgh"
    (staging / "plots").mkdir(parents=True)
    (staging / "leaderboard.md").write_bytes(NEW["leaderboard.md"])
    from harness.files.results import tidy

    tidy(tmp_path)
    assert contents(tmp_path) == OLD and not staging.exists()


def dead_pid() -> int:
    child = subprocess.Popen([sys.executable, "-c", "pass"])
    child.wait()
    return child.pid


# --------------------------------------------------------------------------
# Nothing enters the cache unverified
# --------------------------------------------------------------------------


def test_an_index_lucene_wrote_incompletely_never_enters_the_cache(tmp_path, monkeypatch):
    """Lucene reports a write error only in its log: the index must count every document given."""
    from harness.retrieval import lucene
    from harness.retrieval.analysis import analysis_for

    monkeypatch.delenv("OPENAI_API_KEY", raising=False)
    LuceneIndexer, searcher, autoclass = lucene.pyserini()

    class LosesADocument(LuceneIndexer):  # what a full disk does to a segment, as far as a count can tell
        def add_batch_dict(self, docs):
            super().add_batch_dict(docs[:-1])

    monkeypatch.setattr(lucene, "pyserini", lambda: (LosesADocument, searcher, autoclass))
    docs = [(f"d{i}", f"habari za leo {i}") for i in range(5)]
    with pytest.raises(HarnessError) as error:
        lucene.build_index(tmp_path / "sw", iter(docs), analysis_for("sw"), total=5)
    assert "holds 4 documents, expected 5" in str(error.value) and "\n" not in str(error.value)
    assert not (tmp_path / "sw").exists() and not (tmp_path / "sw.partial").exists()


def test_the_case_disk_full_index(tmp_path):
    """As repro.sh: about 30 KiB free in the cache while Lucene indexes; then a rerun with space."""
    env = dict(os.environ, PYTHONPATH=str(REPO))
    env.pop("OPENAI_API_KEY", None)
    argv = [sys.executable, "-m", "harness", "run", "--methods", "bm25-nmt", "--pairs", "en-fi", "--formats", "md"]
    reference = subprocess.run(argv + ["--out", str(tmp_path / "reference")], cwd=REPO, capture_output=True, text=True,
                               env=env | {"HARNESS_CACHE": str(tmp_path / "big")})
    assert reference.returncode == 0, reference.stderr
    with small_disk(tmp_path / "small", 30) as disk:
        env["HARNESS_CACHE"] = str(disk / "cache")
        (disk / "cache").mkdir()
        filler = fill(disk, 30)
        full = subprocess.run(argv + ["--out", str(tmp_path / "out1")], cwd=REPO, capture_output=True, text=True, env=env)
        assert full.returncode == 1 and "Traceback" not in full.stderr
        assert len(full.stderr.strip().splitlines()) == 1 and "No space left on device" in full.stderr
        assert str(disk / "cache") in full.stderr
        assert not list((disk / "cache").glob("indexes/*/lucene-fi*"))  # nothing unverified entered the cache
        filler.unlink()
        again = subprocess.run(argv + ["--out", str(tmp_path / "out2")], cwd=REPO, capture_output=True, text=True, env=env)
        assert again.returncode == 0, again.stderr
    run = Path("runs/ntrex/en-fi/bm25-nmt.run")
    assert (tmp_path / "out2" / run).read_bytes() == (tmp_path / "reference" / run).read_bytes()


def test_a_full_disk_under_the_board_keeps_the_old_board_whole(tmp_path):
    """A real full disk while the board's files are written: all old files; with space, the same as elsewhere."""
    scores = REPO / "results" / "scores" / "ntrex.json"
    argv = [sys.executable, "-m", "harness", "leaderboard", "--resamples", "200"]
    env = dict(os.environ, PYTHONPATH=str(REPO))
    reference = tmp_path / "reference"
    (reference / "scores").mkdir(parents=True)
    shutil.copy(scores, reference / "scores")
    assert subprocess.run(argv + ["--out", str(reference)], cwd=REPO, env=env, capture_output=True).returncode == 0
    with small_disk(tmp_path / "small", 0, size="6m") as disk:
        out = disk / "out"
        (out / "scores").mkdir(parents=True)
        shutil.copy(scores, out / "scores")
        old = subprocess.run(argv + ["--out", str(out), "--measures", "AP"], cwd=REPO, env=env, capture_output=True, text=True)
        assert old.returncode == 0, old.stderr
        before = {p.relative_to(out): p.read_bytes() for p in out.rglob("*") if p.is_file() and "scores" not in p.parts}
        filler = fill(disk, 150)
        full = subprocess.run(argv + ["--out", str(out)], cwd=REPO, env=env, capture_output=True, text=True)
        assert full.returncode == 1 and "Traceback" not in full.stderr, full.stderr
        assert len(full.stderr.strip().splitlines()) == 1 and "No space left on device" in full.stderr
        after = {p.relative_to(out): p.read_bytes() for p in out.rglob("*") if p.is_file() and "scores" not in p.parts}
        assert after == before  # every file of the old board, and nothing else (no staging left)
        filler.unlink()
        assert subprocess.run(argv + ["--out", str(out)], cwd=REPO, env=env, capture_output=True).returncode == 0
        for name in ("leaderboard.md", "leaderboard.csv", "comparisons.csv", "leaderboard.json", "leaderboard.tex"):
            assert (out / name).read_bytes() == (reference / name).read_bytes(), name


# --------------------------------------------------------------------------
# Unwritable folders
# --------------------------------------------------------------------------


@pytest.fixture
def no_work(monkeypatch):
    import harness.cli.commands as cli

    monkeypatch.setattr(cli, "run_all", lambda *a, **k: pytest.fail("work started"))


@pytest.mark.parametrize("which", [".", "runs/ntrex/en-fi", "scores", "plots"])
def test_an_unwritable_out_or_sub_folder_is_refused_before_work(tmp_path, capsys, no_work, which):
    out = tmp_path / "out"
    for sub in ("runs/ntrex/en-fi", "scores", "plots"):
        (out / sub).mkdir(parents=True)
    target = out if which == "." else out / which
    with unwritable(target):
        assert main(["run", "--methods", "bm25-nmt", "--pairs", "en-fi", "--out", str(out)]) == 2
    err = capsys.readouterr().err
    assert len(err.strip().splitlines()) == 1 and str(target) in err
    assert "cannot write there" in err


def test_a_folder_made_unwritable_during_the_run_is_one_line(tmp_path, capsys, monkeypatch):
    import harness.cli.commands as cli

    monkeypatch.delenv("OPENAI_API_KEY", raising=False)
    out = tmp_path / "out"
    real_evaluate = cli.evaluate_saved
    (out / "scores").mkdir(parents=True)

    def evaluate_into_a_locked_folder(*args, **kwargs):
        with unwritable(out / "scores"):
            return real_evaluate(*args, **kwargs)

    monkeypatch.setattr(cli, "evaluate_saved", evaluate_into_a_locked_folder)
    assert main(["run", "--methods", "bm25-nmt", "--pairs", "en-fi", "--out", str(out), "--formats", "md"]) == 1
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and str(out / "scores" / "ntrex.json") in err[0]
    assert ("Operation not permitted" if ROOT else "Permission denied") in err[0]
    assert not [p for p in out.rglob("*") if p.name.endswith(".tmp")]
