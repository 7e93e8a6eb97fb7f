"""Errors the harness reports to the user as one line, without a traceback."""


class HarnessError(Exception):
    """A problem the user can fix; the message says what and how."""


class UsageError(HarnessError):
    """An unknown name or bad option on the command line (exit status 2)."""
