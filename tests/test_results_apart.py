"""Case out-inside-cache: results and the cache are kept apart, and a cache repair deletes only its own files.

A results folder inside the cache (or the cache inside a results folder) is refused before any
work with one line and exit 2.  A cached folder that must be made again but holds a file the
harness did not write is left alone: the run stops with one line naming that file, which is kept.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from harness.cache import integrity as cache_integrity
from harness.cli.main import main


@pytest.fixture
def no_work(monkeypatch):
    import harness.cli.commands as cli

    monkeypatch.setattr(cli, "run_all", lambda *a, **k: pytest.fail("work started"))


@pytest.mark.parametrize("where", ["inside", "is", "symlink-inside", "holds"])
def test_a_results_folder_and_the_cache_overlapping_is_refused_before_work(tmp_path, monkeypatch, capsys, no_work, where):
    cache = tmp_path / "cache"
    (cache / "indexes" / "harness__ntrex__fi" / "lucene-fi").mkdir(parents=True)
    monkeypatch.setenv("HARNESS_CACHE", str(cache))
    if where == "inside":
        out = cache / "indexes" / "harness__ntrex__fi" / "lucene-fi"
    elif where == "is":
        out = cache
    elif where == "symlink-inside":
        out = tmp_path / "link"
        out.symlink_to(cache / "indexes")
    else:
        out = tmp_path
    before = sorted(p.relative_to(tmp_path) for p in tmp_path.rglob("*"))
    assert main(["run", "--methods", "bm25-nmt", "--pairs", "en-fi", "--out", str(out)]) == 2
    err = capsys.readouterr().err
    assert len(err.strip().splitlines()) == 1 and str(out) in err
    assert ("holds the harness cache" if where == "holds" else "inside the harness cache") in err
    assert sorted(p.relative_to(tmp_path) for p in tmp_path.rglob("*")) == before  # nothing written


def test_every_command_that_writes_results_refuses_the_cache(tmp_path, monkeypatch, capsys):
    cache = tmp_path / "cache"
    cache.mkdir()
    monkeypatch.setenv("HARNESS_CACHE", str(cache))
    inside = str(cache / "results")
    for argv in (["leaderboard", "--out", inside], ["evaluate", "--out", inside], ["claims", "--out", inside],
                 ["export", "--format", "trec", "--dest", inside], ["check", "--out", inside, "--rerun", "none"],
                 ["study", "run", "alignment", "--out", inside]):
        assert main(argv) == 2, argv
        assert "inside the harness cache" in capsys.readouterr().err
    assert not (cache / "results").exists()


def test_the_case_a_repair_never_deletes_the_users_results(tmp_path, monkeypatch, capsys):
    """As repro.sh: results written into the Lucene index folder (by an older harness), then a normal run."""
    monkeypatch.delenv("OPENAI_API_KEY", raising=False)
    monkeypatch.setenv("HARNESS_CACHE", str(tmp_path / "cache"))
    first = ["run", "--methods", "bm25-nmt", "--pairs", "en-fi", "--formats", "md,csv"]
    assert main(first + ["--out", str(tmp_path / "first")]) == 0
    (index,) = (tmp_path / "cache" / "indexes").glob("*fi*/lucene-fi")
    users = {"comparisons.csv": "method,pair\nmine,en-fi\n", "runs/ntrex/en-fi/bm25-nmt.run": "q1 Q0 d1 1 1.0 mine\n"}
    for name, text in users.items():
        (index / name).parent.mkdir(parents=True, exist_ok=True)
        (index / name).write_text(text)
    cache_integrity.forget_verified()
    capsys.readouterr()
    assert main(first + ["--out", str(tmp_path / "second")]) == 1
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and str(index) in err[0] and "comparisons.csv" in err[0] and "did not write" in err[0]
    assert all((index / name).read_text() == text for name, text in users.items())  # every byte of it kept
    assert (index / "segments_1").exists()  # and the index is left as it was, not half deleted
    for name in users:  # once the user has moved them out, the index is rebuilt with one line
        (index / name).unlink()
    (index / "runs" / "ntrex" / "en-fi").rmdir(), (index / "runs" / "ntrex").rmdir(), (index / "runs").rmdir()
    cache_integrity.forget_verified()
    assert main(first + ["--out", str(tmp_path / "third")]) == 0
    assert (tmp_path / "third" / "runs" / "ntrex" / "en-fi" / "bm25-nmt.run").read_bytes() == \
        (tmp_path / "first" / "runs" / "ntrex" / "en-fi" / "bm25-nmt.run").read_bytes()


def test_a_repair_removes_its_own_files_and_stops_at_a_foreign_one(tmp_path, capsys):
    folder = tmp_path / "artifact"
    folder.mkdir()
    (folder / "weights.bin").write_bytes(b"1234")
    cache_integrity.write_manifest(folder)
    (folder / "weights.bin").write_bytes(b"4321")  # damaged: must be made again
    (folder / "segments_9").write_bytes(b"x")  # a name its maker writes (own), not in the manifest
    assert cache_integrity.usable_or_removed(folder, "thing", "making it again", strict=True,
                                             own=lambda name: name.startswith("segments_")) is False
    assert not folder.exists() and "making it again" in capsys.readouterr().out
    folder.mkdir()
    (folder / "weights.bin").write_bytes(b"1234")
    cache_integrity.write_manifest(folder)
    (folder / "weights.bin").write_bytes(b"4321")
    (folder / "notes.txt").write_text("mine")
    link_target = tmp_path / "elsewhere.txt"
    link_target.write_text("keep")
    os.symlink(link_target, folder / "segments_8")  # a link is never the artifact's own file
    with pytest.raises(Exception) as error:
        cache_integrity.usable_or_removed(folder, "thing", "making it again", strict=True,
                                          own=lambda name: name.startswith("segments_"))
    assert "notes.txt" in str(error.value) and "\n" not in str(error.value)
    assert (folder / "notes.txt").read_text() == "mine" and link_target.read_text() == "keep"
    assert Path(folder / "weights.bin").exists()
