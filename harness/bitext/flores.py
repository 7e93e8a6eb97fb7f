"""FLORES-101 dev and devtest: English and the human reference translation, line-aligned.

The mirror holds FLORES as Mozilla's firefox-translations-models evaluation data:
``evaluation/en-XX/flores-{dev,test}.{en,XX}`` (997 + 1,012 lines).  The same folder
holds machine translations of the same sentences (``flores-dev.google.fi`` and so on);
those are system outputs, not references, and are never read here: only the file
named exactly ``flores-<split>.<code>`` is.
"""

from __future__ import annotations

from harness.bitext import BitextPair, check_language, make_pair, read_line_aligned
from harness.data.sources import fetch
from harness.errors import HarnessError

NAME = "flores"
REPO = "mozilla/firefox-translations-models"
SPLITS = ("dev", "test")

# Our code -> the code in Mozilla's folder and file names.  Only these four of our
# languages have FLORES references in the mirror (en-tl exists too, but Tagalog is not
# one of ours).
LANGUAGES = {"mr": "mr", "fi": "fi", "de": "de", "fr": "fr"}


def input_files(lang: str) -> list[tuple[str, str]]:
    """(repository, path) of the English and reference files, dev then test."""
    code = _code(lang)
    folder = f"evaluation/en-{code}"
    files = []
    for split in SPLITS:
        files += [(REPO, f"{folder}/flores-{split}.en"), (REPO, f"{folder}/flores-{split}.{code}")]
    return files


def load(lang: str) -> list[BitextPair]:
    """Dev then test pairs, in file order."""
    files = input_files(lang)
    pairs = []
    for (repo, english_path), (_, target_path) in zip(files[::2], files[1::2]):
        english_file, target_file = fetch(repo, english_path), fetch(repo, target_path)
        for number, english, target in read_line_aligned(english_file, target_file):
            pairs.append(make_pair(english, target, NAME, f"{target_file}:{number}"))
    return pairs


def _code(lang: str) -> str:
    check_language(lang)
    if lang not in LANGUAGES:
        raise HarnessError(f"FLORES references for {lang!r} are not in the mirror; FLORES covers {' '.join(LANGUAGES)}")
    return LANGUAGES[lang]
