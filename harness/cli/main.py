"""``python -m harness COMMAND``: dispatch, and the exit statuses every command shares.

0 done; 1 a ``HarnessError`` (one line); 2 a ``UsageError`` (an unknown name or bad value, one
line); 130 Ctrl-C (one line).  The commands are in ``commands.py`` and ``listing.py``; the parser
and its checks in ``args.py`` and ``checks.py``.
"""

from __future__ import annotations

import sys

from harness.cli import commands
from harness.cli.args import build_parser
from harness.cli.listing import cmd_list
from harness.errors import HarnessError, UsageError
from harness.registry import load_plugins
from harness.evaluation.runs import RerunNeeded

COMMANDS = {
    "run": commands.cmd_run,
    "list": cmd_list,
    "evaluate": commands.cmd_evaluate,
    "leaderboard": commands.cmd_leaderboard,
    "compare": commands.cmd_compare,
    "paper-table": commands.cmd_paper_table,
    "site": commands.cmd_site,
    "claims": commands.cmd_claims,
    "study": commands.cmd_study,
    "check": commands.cmd_check,
    "export": commands.cmd_export,
    "import-run": commands.cmd_import_run,
}


INTERRUPTED = "interrupted: every file is written whole or not at all; finished runs are kept and reused on the next run"


def main(argv: list[str] | None = None) -> int:
    """Run one command; exit status 0, 1 (a HarnessError), 2 (a usage error) or 130 (Ctrl-C)."""
    from harness.models.resolve import quiet_optional_kernel_logs

    quiet_optional_kernel_logs()  # whichever path first imports transformers (a cold cache converts the model)
    interrupted = _SigintFlag()
    try:
        with interrupted:
            args = build_parser().parse_args(argv)
            for line in load_plugins(args.plugins):
                print(f"plugin {line}", flush=True)
            return COMMANDS[args.command](args)
    except UsageError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    except RerunNeeded as exc:  # the fix names the command that rebuilds that very cell
        from harness.reproduction.rerun import fix_hint

        print(f"error: {exc}; rerun: {fix_hint(exc, getattr(args, 'collection', None))}", file=sys.stderr)
        return 1
    except HarnessError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    except BaseException:
        # A Ctrl-C can surface as another exception from inside a C extension (matplotlib raised
        # IndexError once): after SIGINT, any exception is the interruption, reported in one line.
        if not interrupted.seen:
            raise
        print(INTERRUPTED, file=sys.stderr)
        return 130


class _SigintFlag:
    """Within the block, SIGINT sets ``seen`` and raises KeyboardInterrupt (on the main thread only)."""

    def __init__(self):
        self.seen = False
        self._previous = None

    def _handle(self, signum, frame):
        self.seen = True
        raise KeyboardInterrupt

    def __enter__(self):
        import signal
        import threading

        if threading.current_thread() is threading.main_thread():
            self._previous = signal.signal(signal.SIGINT, self._handle)
        return self

    def __exit__(self, *exc):
        import signal

        if self._previous is not None:
            signal.signal(signal.SIGINT, self._previous)
        return False
