"""TREC run files and sidecars: round trip, clear errors, atomic writes."""

import json

import pytest

from harness.files.atomic import atomic_open
from harness.errors import HarnessError
from harness.evaluation.runs import environment, read_run, read_sidecar, write_run, write_sidecar


def test_run_round_trip(tmp_path):
    path = tmp_path / "m.run"
    write_run(path, {"q1": [("d1", 2.5), ("d2", 1.0)], "q2": []}, tag="m")
    assert path.read_text().splitlines() == ["q1 Q0 d1 1 2.5 m", "q1 Q0 d2 2 1.0 m"]
    assert read_run(path) == {"q1": {"d1": 2.5, "d2": 1.0}}


def test_bad_run_line_names_file_and_line(tmp_path):
    path = tmp_path / "bad.run"
    path.write_text("q1 Q0 d1 1 2.0 m\nq1 Q0 d2 2 m\n")
    with pytest.raises(HarnessError, match=r"bad\.run:2: a TREC run line has 6 fields"):
        read_run(path)
    path.write_text("q1 Q0 d1 1 high m\n")
    with pytest.raises(HarnessError, match=r"bad\.run:1: score 'high'"):
        read_run(path)


def test_failed_write_keeps_the_previous_file(tmp_path):
    path = tmp_path / "m.run"
    write_run(path, {"q1": [("d1", 1.0)]}, tag="m")
    before = path.read_text()
    with pytest.raises(RuntimeError):
        with atomic_open(path) as handle:
            handle.write("half a line")
            raise RuntimeError("crash mid-write")
    assert path.read_text() == before
    assert [p.name for p in tmp_path.iterdir()] == ["m.run"]  # no temporary file left


def test_sidecar_round_trip_and_bad_json(tmp_path):
    path = tmp_path / "m.json"
    write_sidecar(path, {"method": "m", "status": "skipped", "environment": environment()})
    record = read_sidecar(path)
    assert record["environment"]["packages"]["ir-measures"]
    path.write_text('{"method": \n')
    with pytest.raises(HarnessError, match=r"m\.json:2: run sidecar is not valid JSON"):
        read_sidecar(path)
    assert json.loads(json.dumps(record)) == record


def test_written_files_honour_the_umask(tmp_path):
    import os

    old = os.umask(0o022)
    try:
        path = tmp_path / "m.run"
        write_run(path, {"q1": [("d1", 1.0)]}, tag="m")
        assert path.stat().st_mode & 0o777 == 0o644  # 0666 & ~022
        os.umask(0o077)
        write_sidecar(tmp_path / "m.json", {"x": 1})
        assert (tmp_path / "m.json").stat().st_mode & 0o777 == 0o600
    finally:
        os.umask(old)
