"""A two-column TSV of bitext that the user supplies: ``english<TAB>target`` per line.

Format, checked strictly so that a broken file fails loudly instead of training on
half of it:

* UTF-8 (a leading byte-order mark is allowed), lines ending in LF or CRLF;
* no header line, no quoting: every line is one English sentence, one TAB, one
  target sentence, taken literally (quotes are part of the text);
* neither side may be empty after whitespace normalisation.

Any other line raises ``HarnessError`` naming the file and line number.  The file
carries no language code: ``harness.bitext.tsv_bitext(path, lang)`` loads it for a
language and removes NTREX overlaps and duplicates like the default bitext.
"""

from __future__ import annotations

from pathlib import Path

from harness.bitext import BitextPair, make_pair
from harness.errors import HarnessError

NAME = "tsv"


def load(path: str | Path, source: str = NAME) -> list[BitextPair]:
    """Every line of ``path`` as a pair, in file order; ``source`` labels the pairs."""
    path = Path(path)
    if not path.is_file():
        raise HarnessError(f"{path}: bitext TSV not found")
    pairs = []
    with path.open("rb") as handle:
        for number, raw in enumerate(handle, start=1):
            pairs.append(_parse_line(raw, path, number, source))
    return pairs


def _parse_line(raw: bytes, path: Path, number: int, source: str) -> BitextPair:
    where = f"{path}:{number}"
    try:
        line = raw.decode("utf-8")
    except UnicodeDecodeError:
        raise HarnessError(f"{where}: not valid UTF-8") from None
    if number == 1:
        line = line.removeprefix("\ufeff")
    line = line.removesuffix("\n").removesuffix("\r")
    fields = line.split("\t")
    if len(fields) != 2:
        raise HarnessError(
            f"{where}: expected english<TAB>target (exactly one TAB), found {len(fields) - 1} TAB(s)"
        )
    return make_pair(fields[0], fields[1], source, where)
