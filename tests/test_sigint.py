"""Ctrl-C (case sigint): during a BM25 search the run ends within seconds, exit 130, one line, nothing half-written."""

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent


def test_sigint_during_bm25_search_exits_130_with_one_line(tmp_path):
    env = dict(os.environ, HARNESS_CACHE=str(tmp_path / "cache"))
    out = tmp_path / "out"
    process = subprocess.Popen(
        [sys.executable, "-m", "harness", "run", "--methods", "bm25-nmt", "--pairs", "en-fi,en-de,en-fr,en-sw",
         "--out", str(out), "--force", "--formats", "md"],
        cwd=REPO, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )
    deadline = time.monotonic() + 120
    # Wait until the JVM has an index open (searching or indexing), then interrupt.
    while time.monotonic() < deadline and process.poll() is None:
        fds = Path(f"/proc/{process.pid}/fd")
        try:
            if any("lucene" in os.readlink(fd) for fd in fds.iterdir()):
                break
        except OSError:
            pass
        time.sleep(0.05)
    assert process.poll() is None, "the run finished before it could be interrupted"
    process.send_signal(signal.SIGINT)
    sent = time.monotonic()
    try:
        _, err = process.communicate(timeout=20)
    except subprocess.TimeoutExpired:
        process.kill()
        raise AssertionError("the process did not end within 20 s of SIGINT")
    assert process.returncode == 130 and time.monotonic() - sent < 20
    assert err.strip().splitlines()[-1].startswith("interrupted:") and "Traceback" not in err
    assert not list(out.rglob("*.tmp"))
