"""SIB-200 (Adelani et al. 2024): 1,004 FLORES-200 sentences per language with a topic label.

``data/annotated/<code>/{train,dev,test}.tsv`` hold ``index_id``, ``category`` and
``text``, quoted as CSV (a field with a quote is wrapped in quotes, inner quotes
doubled).  The same ``index_id`` in ``eng_Latn`` and in a target language's file of the
same split is the same sentence, so pairs are built by joining on it; the topic label
is not used.  The sentences are a subset of FLORES: see ``README.md`` for how they
count once.
"""

from __future__ import annotations

import csv
from pathlib import Path

from harness.bitext import BitextPair, check_language, make_pair
from harness.data.sources import fetch
from harness.errors import HarnessError

NAME = "sib200"
REPO = "dadelani/sib-200"
SPLITS = ("train", "dev", "test")
ENGLISH = "eng_Latn"
HEADER = ["index_id", "category", "text"]

# Our code -> SIB-200's FLORES-200 code (language_Script).
LANGUAGES = {
    "sw": "swh_Latn",
    "so": "som_Latn",
    "yo": "yor_Latn",
    "mr": "mar_Deva",
    "fi": "fin_Latn",
    "de": "deu_Latn",
    "fr": "fra_Latn",
}


def input_files(lang: str) -> list[tuple[str, str]]:
    """(repository, path) of the English and target TSV of each split, in split order."""
    code = _code(lang)
    files = []
    for split in SPLITS:
        files += [(REPO, f"data/annotated/{ENGLISH}/{split}.tsv"), (REPO, f"data/annotated/{code}/{split}.tsv")]
    return files


def load(lang: str) -> list[BitextPair]:
    """Pairs of train, then dev, then test, each in the English file's row order."""
    files = input_files(lang)
    pairs = []
    for (repo, english_path), (_, target_path) in zip(files[::2], files[1::2]):
        english_file, target_file = fetch(repo, english_path), fetch(repo, target_path)
        english_rows, target_rows = _read_texts(english_file), _read_texts(target_file)
        if english_rows.keys() != target_rows.keys():
            missing = sorted(english_rows.keys() ^ target_rows.keys(), key=int)
            raise HarnessError(
                f"{target_file}: index_id {missing[0]} is in only one of it and {english_file} "
                f"({len(missing)} such ids); SIB-200 files of a split must hold the same sentences"
            )
        for index_id, english in english_rows.items():
            pairs.append(make_pair(english, target_rows[index_id], NAME, f"{target_file} index_id {index_id}"))
    return pairs


def read_labelled(path: Path) -> dict[str, tuple[str, str]]:
    """index_id -> (category, text) of one SIB-200 TSV, in row order; text as in the file.

    Raises ``HarnessError`` (file:line) on a wrong header, a row without three fields,
    or an index_id that appears twice.
    """
    rows: dict[str, tuple[str, str]] = {}
    with path.open(encoding="utf-8", newline="") as handle:
        reader = csv.reader(handle, delimiter="\t")
        header = next(reader, None)
        if header != HEADER:
            raise HarnessError(f"{path}:1: expected header {'<TAB>'.join(HEADER)}, found {header}")
        for row in reader:
            if len(row) != len(HEADER):
                raise HarnessError(
                    f"{path}:{reader.line_num}: expected {len(HEADER)} tab-separated fields, found {len(row)}"
                )
            index_id, category, text = row
            if index_id in rows:
                raise HarnessError(f"{path}:{reader.line_num}: index_id {index_id} appears twice")
            rows[index_id] = (category, text)
    return rows


def _read_texts(path: Path) -> dict[str, str]:
    """index_id -> text, in row order."""
    return {index_id: text for index_id, (_category, text) in read_labelled(path).items()}


def _code(lang: str) -> str:
    check_language(lang)
    if lang not in LANGUAGES:
        raise HarnessError(f"SIB-200 has no {lang!r} in the mirror; it covers {' '.join(LANGUAGES)}")
    return LANGUAGES[lang]
