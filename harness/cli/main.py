"""``python -m harness COMMAND``: dispatch, and the exit statuses every command shares.

0 done; 1 a ``HarnessError`` or a failed file operation (one line naming the path and the reason);
2 a ``UsageError`` (an unknown name or bad value, one line); 130 Ctrl-C, 143 SIGTERM (one line,
``signals.py``).  The commands are in ``commands.py`` and ``listing.py``; the parser
and its checks in ``args.py`` and ``checks.py``.
"""

from __future__ import annotations

import os
import signal
import sys

from harness.cli import commands
from harness.cli.args import build_parser
from harness.cli.listing import cmd_list
from harness.cli.signals import LINES, StopSignals
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


INTERRUPTED = LINES[signal.SIGINT]


def main(argv: list[str] | None = None) -> int:
    """Run one command; exit status 0, 1 (a HarnessError or a failed file operation), 2 (a usage
    error), 130 (Ctrl-C) or 143 (SIGTERM), each failure with one line."""
    from harness.models.resolve import quiet_optional_kernel_logs

    quiet_optional_kernel_logs()  # whichever path first imports transformers (a cold cache converts the model)
    stop = StopSignals()
    try:
        with stop:
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
    except OSError as exc:
        if stop.seen:
            print(stop.line(), file=sys.stderr)
            return stop.status()
        # The last net under every write (and read) the code does not word itself: the path and the reason.
        print(f"error: {os_error_line(exc)}", file=sys.stderr)
        return 1
    except BaseException:
        # A Ctrl-C can surface as another exception from inside a C extension (matplotlib raised
        # IndexError once): after SIGINT or SIGTERM, any exception is the interruption, in one line.
        if not stop.seen:
            raise
        print(stop.line(), file=sys.stderr)
        return stop.status()


def os_error_line(exc: OSError) -> str:
    """``<path>: <reason>`` (both paths of a rename), with what to do for a full disk or a permission."""
    from harness.files.atomic import write_failure

    paths = [os.fsdecode(p) for p in (exc.filename, exc.filename2) if p is not None]
    if not paths:
        return f"{exc.strerror or exc}"
    line = str(write_failure(" -> ".join(paths), exc)).removeprefix("cannot write ")
    return line
