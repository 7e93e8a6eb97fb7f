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
from harness.files.textfile import read_tsv

NAME = "tsv"


def load(path: str | Path, source: str = NAME) -> list[BitextPair]:
    """Every line of ``path`` as a pair, in file order; ``source`` labels the pairs.

    Lines are read by ``harness.files.textfile.read_tsv`` (the rules every user TSV follows); a
    repeated English side is allowed here, since de-duplication happens after loading.
    """
    path = Path(path)
    return [
        make_pair(english, target, source, f"{path}:{number}")
        for number, (english, target) in read_tsv(path, ("english", "target"), "bitext TSV")
    ]
