"""Names a user types (methods, pairs, collections, measures, studies): picking them, and "did you mean".

Every unknown name of one option is reported at once, in one line, each with its closest valid
names (``difflib``, case-insensitive), then the valid ones.  ``sw`` suggests ``en-sw``: a
language code alone names the English-to-it pair.
"""

from __future__ import annotations

import difflib
from collections.abc import Iterable, Mapping

from harness.errors import UsageError

ALL = "all"


def suggestions(name: str, valid: Iterable[str], limit: int = 3) -> list[str]:
    """Valid names close to ``name``: the same letters in another case, or ``en-<name>``; else difflib's."""
    valid = list(valid)
    lowered = {v.lower(): v for v in valid}
    found = []
    if name.lower() in lowered and lowered[name.lower()] != name:
        found.append(lowered[name.lower()])
    if f"en-{name.lower()}" in lowered:
        found.append(lowered[f"en-{name.lower()}"])
    if found:  # the same name in another case, or the pair of a language code: nothing else is as close
        return found
    cutoff = 0.5 if len(name) <= 4 else 0.6  # k3 -> k1: one letter of two differs
    for match in difflib.get_close_matches(name.lower(), list(lowered), n=limit, cutoff=cutoff):
        if lowered[match] not in found:
            found.append(lowered[match])
    return found[:limit]


def unknown_message(kind: str, unknown: Iterable[str], valid: Iterable[str], extra: str = "") -> str:
    """``unknown method nope (did you mean ...?), foo; valid: ...`` for every unknown name at once."""
    valid = list(valid)
    parts = []
    for name in unknown:
        close = suggestions(name, valid)
        parts.append(f"{name} (did you mean {' or '.join(close)}?)" if close else name)
    listed = ", ".join(([extra] if extra else []) + valid)
    return f"unknown {kind} {', '.join(parts)}; valid: {listed}"


def select(names: str, valid: Mapping[str, object], kind: str, everything: Iterable[str] | None = None) -> list:
    """The entries of ``valid`` named by a comma list; ``all`` stands for ``everything`` (default: all of them).

    ``all`` may be combined with other names (``all,my-method``); each entry is chosen once, in the
    order named.  Raises UsageError naming every unknown name, with suggestions.
    """
    chosen = [n.strip() for n in names.split(",") if n.strip()]
    if not chosen:
        raise UsageError(f"no {kind} named in {names!r}; valid: {ALL}, {', '.join(valid)}")
    unknown = [n for n in chosen if n != ALL and n not in valid]
    if unknown:
        raise UsageError(unknown_message(kind, unknown, valid, ALL))
    expanded: list[str] = []
    for name in chosen:
        for item in (list(valid) if everything is None else list(everything)) if name == ALL else [name]:
            if item not in expanded:
                expanded.append(item)
    return [valid[n] for n in expanded]
