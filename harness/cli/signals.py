"""Ctrl-C (SIGINT) and SIGTERM: one line and a known exit status, at any moment of a command.

SIGTERM is what Slurm, Kubernetes and Ray send to stop a job; it is handled like Ctrl-C.  Inside
:class:`StopSignals` (the whole of ``main``), either signal raises KeyboardInterrupt in the main
thread, so every ``atomic_open``, file set and checkpoint removes its temporary file on the way
out; ``main`` then prints one line and exits 130 (SIGINT) or 143 (SIGTERM), 128 plus the signal's
number as shells report it.  A second signal while the first is being handled ends the process at
once with the same line and status (what it leaves is removed by the next run:
``harness/files/leftovers.py``).

Before ``main`` runs, ``python -m harness`` imports the ``harness`` package (ir_datasets, numpy):
:func:`quiet_startup`, installed by ``harness/__init__.py`` only when started with ``-m``, turns
a signal in that instant into the one line "interrupted while starting" and the same statuses.
Earlier still, while the interpreter itself starts (``site`` and the path hooks of an editable
install: about 0.1-0.25 s on the 2-core development machine), no code of the project has run yet
and a signal is Python's own to report.
"""

from __future__ import annotations

import os
import signal
import sys
import threading

KEPT = "every file is written whole or not at all; finished runs are kept and reused on the next run"
LINES = {signal.SIGINT: f"interrupted: {KEPT}", signal.SIGTERM: f"terminated (SIGTERM): {KEPT}"}
STARTING = "interrupted while starting: nothing was written"


def exit_status(signum: int) -> int:
    """128 + the signal's number: 130 for SIGINT, 143 for SIGTERM."""
    return 128 + int(signum)


class StopSignals:
    """Within the block, SIGINT and SIGTERM set ``seen`` (the signal's number) and raise
    KeyboardInterrupt in the main thread; outside the main thread it does nothing."""

    def __init__(self):
        self.seen: int | None = None
        self._previous: dict[int, object] = {}

    def _handle(self, signum, frame):
        if self.seen is not None:  # a second signal while the first is handled: stop now
            print(LINES.get(self.seen, LINES[signal.SIGINT]), file=sys.stderr, flush=True)
            os._exit(exit_status(self.seen))
        self.seen = signum
        raise KeyboardInterrupt

    def line(self) -> str:
        return LINES.get(self.seen, LINES[signal.SIGINT])

    def status(self) -> int:
        return exit_status(self.seen or signal.SIGINT)

    def __enter__(self):
        if threading.current_thread() is threading.main_thread():
            for signum in LINES:
                self._previous[signum] = signal.signal(signum, self._handle)
        return self

    def __exit__(self, *exc):
        for signum, previous in self._previous.items():
            signal.signal(signum, previous)
        self._previous.clear()
        return False


def _startup_handler(signum, frame):
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # the exit below is on its way: no second line
    signal.signal(signal.SIGTERM, signal.SIG_IGN)
    print(STARTING, file=sys.stderr, flush=True)
    raise SystemExit(exit_status(signum))


def quiet_startup() -> None:
    """Until ``main`` takes over, SIGINT or SIGTERM print :data:`STARTING` and exit 130 or 143."""
    if threading.current_thread() is threading.main_thread():
        signal.signal(signal.SIGINT, _startup_handler)
        signal.signal(signal.SIGTERM, _startup_handler)
