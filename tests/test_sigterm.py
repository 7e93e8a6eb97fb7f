"""Case sigterm-midwrite: SIGTERM is handled like Ctrl-C, and temporary files never stay behind.

SIGTERM (what Slurm, Kubernetes and Ray send) while a run file is being written: one line, exit 143
(128 + 15, as shells report it), and no temporary file left.  After a kill -9 (which no handler
sees), the next command that writes into the results folder removes the temporary files of the
harness's naming that the dead process left, and none of a process still at work.  Ctrl-C or
SIGTERM while ``python -m harness`` is still importing gives one line, not a traceback.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from harness.cli.main import main
from harness.files.atomic import temporary_prefix

REPO = Path(__file__).resolve().parent.parent

# A run whose run-file write starts, writes part of the file, then takes its time (as a 5 MB dense run does).
SLOW_WRITE = """
import sys, time
import harness.executors.cells as cells
from harness.files.atomic import atomic_open

def slow_write_run(path, ranking, tag):
    with atomic_open(path) as handle:
        handle.write("q1 Q0 d1 1 1.0 x\\n" * 1000)
        handle.flush()
        time.sleep(120)
    raise AssertionError("not reached")

cells.write_run = slow_write_run
from harness.cli.main import main
sys.exit(main(sys.argv[1:]))
"""


def start_slow_run(tmp_path: Path, out: Path) -> subprocess.Popen:
    driver = tmp_path / "driver.py"
    driver.write_text(SLOW_WRITE)
    return subprocess.Popen(
        [sys.executable, str(driver), "run", "--methods", "bm25-nmt", "--pairs", "en-fi", "--out", str(out),
         "--force", "--formats", "md"],
        cwd=REPO, env=dict(os.environ, PYTHONPATH=str(REPO)), stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )


def wait_for_temporary(process: subprocess.Popen, folder: Path, timeout_s: float = 240) -> Path:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline and process.poll() is None:
        found = list(folder.glob(".bm25-nmt.run.*.tmp")) if folder.is_dir() else []
        if found:
            return found[0]
        time.sleep(0.05)
    process.kill()
    raise AssertionError(f"no temporary run file appeared in {folder}: {process.communicate()}")


def test_sigterm_while_a_run_file_is_written_is_one_line_exit_143_and_no_temporary_file(tmp_path):
    out = tmp_path / "out"
    process = start_slow_run(tmp_path, out)
    wait_for_temporary(process, out / "runs" / "ntrex" / "en-fi")
    process.send_signal(signal.SIGTERM)
    try:
        _, err = process.communicate(timeout=30)
    except subprocess.TimeoutExpired:
        process.kill()
        raise AssertionError("the process did not end within 30 s of SIGTERM")
    assert process.returncode == 143, err
    assert "Traceback" not in err and err.strip().splitlines()[-1].startswith("terminated (SIGTERM): ")
    assert not [p for p in out.rglob("*") if p.name.endswith(".tmp")]


def dead_pid() -> int:
    child = subprocess.Popen([sys.executable, "-c", "pass"])
    child.wait()
    return child.pid


def test_the_next_run_removes_what_a_kill_9_left_and_nothing_of_a_live_process(tmp_path):
    out = tmp_path / "out"
    process = start_slow_run(tmp_path, out)
    folder = out / "runs" / "ntrex" / "en-fi"
    left = wait_for_temporary(process, folder)
    process.kill()  # SIGKILL: no handler runs, the temporary file stays
    process.communicate()
    assert left.exists()
    host = temporary_prefix("x").split(".")[2]
    live = folder / f"{temporary_prefix('bm25-nmt.json')}abcdefgh.tmp"  # this test's own process: at work
    dead = folder / f".mdpr.run.{host}.{dead_pid()}.abcdefgh.tmp"
    old_recent, old_stale = folder / ".cal.run.k2j4h5g6.tmp", folder / ".kd.run.a1b2c3d4.tmp"  # the naming without a pid
    stranger = folder / "notes.tmp"  # not the harness's naming
    for path in (live, dead, old_recent, old_stale, stranger):
        path.write_text("partial")
    os.utime(old_stale, (time.time() - 7200, time.time() - 7200))
    assert main(["leaderboard", "--out", str(out), "--formats", "md"]) == 0
    assert not left.exists() and not dead.exists() and not old_stale.exists()
    assert live.exists() and old_recent.exists() and stranger.exists()


def caught_signals(pid: int) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("SigCgt:"):
            return int(line.split()[1], 16)
    return 0


@pytest.mark.parametrize("signum,status", [(signal.SIGINT, 130), (signal.SIGTERM, 143)])
def test_a_signal_while_starting_up_is_one_line(signum, status):
    """From the first line of the ``harness`` package on (it installs the start-up handler, seen here as SIGTERM
    being caught); earlier, the interpreter's own start-up (``site``, before any code of the project) is Python's."""
    interrupted = 0
    for delay in (0.0, 0.05, 0.2, 0.5):
        process = subprocess.Popen([sys.executable, "-m", "harness", "list"], cwd=REPO, env=dict(os.environ),
                                   stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline and process.poll() is None:
            try:
                if caught_signals(process.pid) & (1 << (signal.SIGTERM - 1)):
                    break
            except OSError:
                pass
            time.sleep(0.001)
        time.sleep(delay)
        process.send_signal(signum)
        out, err = process.communicate(timeout=60)
        if process.returncode == 0:
            continue  # finished before the signal: nothing to check at this delay
        interrupted += 1
        assert process.returncode == status, (delay, err)
        assert "Traceback" not in err and len(err.strip().splitlines()) == 1, (delay, err)
    assert interrupted, "every process finished before its signal"
