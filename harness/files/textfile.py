"""One reader for the text files users supply: translation TSVs, bitext TSVs (and any later TSV input),
and the JSON files the harness reads back (``read_json``: sidecars, scores), held to the same rules.

The rules, the same for every such file, each violation one ``HarnessError`` naming file:line:

* UTF-8 (a byte-order mark on line 1 is allowed); lines end in LF or CRLF;
* exactly ``len(names)`` TAB-separated fields per line, no quoting; a blank line is an error;
* no field empty or only whitespace;
* with ``unique=True``, the first field is a key: a key given again with another value is an
  error naming both lines (the same line repeated is harmless and kept once);
* a file that does not exist, or has no lines, is an error.
"""

from __future__ import annotations

import json
from collections.abc import Iterator, Sequence
from pathlib import Path

from harness.errors import HarnessError


def read_tsv(path: Path, names: Sequence[str], what: str, unique: bool = False) -> Iterator[tuple[int, list[str]]]:
    """(line number, fields) for every line of ``path``; ``what`` names the file's role in errors."""
    path = Path(path)
    if not path.is_file():
        raise HarnessError(f"{path}: {what} not found")
    seen: dict[str, tuple[int, list[str]]] = {}
    count = 0
    with path.open("rb") as handle:
        for number, raw in enumerate(handle, start=1):
            count = number
            where = f"{path}:{number}"
            try:
                line = raw.decode("utf-8")
            except UnicodeDecodeError as exc:
                raise HarnessError(f"{where}: not valid UTF-8 (byte {exc.start + 1} of the line)") from None
            if number == 1:
                line = line.removeprefix("\ufeff")
            line = line.removesuffix("\n").removesuffix("\r")
            fields = line.split("\t")
            if len(fields) != len(names):
                layout = "<TAB>".join(names)
                raise HarnessError(f"{where}: expected {len(names)} tab-separated fields ({layout}), got {len(fields)}")
            for name, value in zip(names, fields):
                if not value.strip():
                    raise HarnessError(f"{where}: empty {name}")
            if unique:
                earlier = seen.get(fields[0])
                if earlier is not None:
                    if earlier[1] == fields:
                        continue
                    raise HarnessError(
                        f"{where}: {names[0]} {fields[0][:60]!r} was already given on line {earlier[0]} "
                        f"with another {names[1]}"
                    )
                seen[fields[0]] = (number, fields)
            yield number, fields
    if count == 0:
        raise HarnessError(f"{path}: {what} is empty")


def read_json(path: Path, what: str):
    """The JSON document in ``path``, read by the rules of a user's file; ``what`` names its role in errors.

    UTF-8 (a byte-order mark is allowed); valid JSON (the error names the line); no object
    with a key given twice (Python's reader would keep the last one silently); no ``NaN`` or
    ``Infinity`` (not JSON, and never a score).  Each violation is one ``HarnessError``.
    """
    path = Path(path)
    try:
        text = path.read_bytes().decode("utf-8").removeprefix("\ufeff")
    except FileNotFoundError:
        raise HarnessError(f"{path}: {what} not found") from None
    except UnicodeDecodeError as exc:
        raise HarnessError(f"{path}: {what} is not valid UTF-8 (byte {exc.start + 1})") from None
    try:
        return json.loads(text, object_pairs_hook=_unique_keys, parse_constant=_no_constant)
    except json.JSONDecodeError as exc:
        raise HarnessError(f"{path}:{exc.lineno}: {what} is not valid JSON ({exc.msg})") from None
    except _Refused as exc:
        raise HarnessError(f"{path}: {what}: {exc}") from None


class _Refused(ValueError):
    pass


def _unique_keys(pairs):
    seen = {}
    for key, value in pairs:
        if key in seen:
            raise _Refused(f"key {key!r} is given twice in one object")
        seen[key] = value
    return seen


def _no_constant(name: str):
    raise _Refused(f"{name} is not a JSON number")
