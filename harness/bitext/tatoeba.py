"""Tatoeba test pairs as published with LASER (Artetxe & Schwenk 2019).

``data/tatoeba/v1/tatoeba.XXX-eng.{XXX,eng}``: up to 1,000 line-aligned pairs per
language (Swahili has 390).  The English sentences differ from language to language.
"""

from __future__ import annotations

from harness.bitext import BitextPair, check_language, make_pair, read_line_aligned
from harness.data.sources import fetch
from harness.errors import HarnessError

NAME = "tatoeba"
REPO = "facebookresearch/LASER"

# Our code -> LASER's ISO 639-3 code.  Somali and Yoruba are not in the mirror's copy.
LANGUAGES = {"sw": "swh", "mr": "mar", "fi": "fin", "de": "deu", "fr": "fra"}


def input_files(lang: str) -> list[tuple[str, str]]:
    """(repository, path) of the English file, then the target file."""
    code = _code(lang)
    return [(REPO, f"data/tatoeba/v1/tatoeba.{code}-eng.eng"), (REPO, f"data/tatoeba/v1/tatoeba.{code}-eng.{code}")]


def load(lang: str) -> list[BitextPair]:
    """Pairs in file order."""
    (repo, english_path), (_, target_path) = input_files(lang)
    english_file, target_file = fetch(repo, english_path), fetch(repo, target_path)
    return [
        make_pair(english, target, NAME, f"{target_file}:{number}")
        for number, english, target in read_line_aligned(english_file, target_file)
    ]


def _code(lang: str) -> str:
    check_language(lang)
    if lang not in LANGUAGES:
        raise HarnessError(f"Tatoeba pairs for {lang!r} are not in the mirror; Tatoeba covers {' '.join(LANGUAGES)}")
    return LANGUAGES[lang]
