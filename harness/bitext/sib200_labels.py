"""SIB-200's labelled splits (Adelani et al. 2024): 1,004 FLORES-200 sentences, each with one of
seven topics, split 701 train / 99 dev / 204 test; a sentence has the same ``index_id`` and label
in every language.  Read here for the classification study and for holding its test sentences
out of training bitext (``selection.py``)."""

from __future__ import annotations

from dataclasses import dataclass

from harness.bitext import normalise_whitespace, sib200
from harness.data.sources import fetch
from harness.errors import HarnessError


@dataclass(frozen=True)
class LabelledSplit:
    """One SIB-200 split of one language, in file order; ``labels[i]`` is the topic of ``texts[i]``."""

    lang: str
    split: str
    index_ids: tuple[str, ...]
    texts: tuple[str, ...]  # as in the file (whitespace not normalised)
    labels: tuple[str, ...]


def load_split(lang: str, split: str) -> LabelledSplit:
    """``split`` ("train", "dev", "test") of ``lang`` ("en" or one of ``sib200.LANGUAGES``).

    Raises ``HarnessError`` for an unknown language or split, and, for a target
    language, when its rows' (index_id, category) are not English's row for row: the
    message names the file and the first differing index_id.
    """
    if split not in sib200.SPLITS:
        raise HarnessError(f"unknown SIB-200 split {split!r}; known: {' '.join(sib200.SPLITS)}")
    path, rows = _rows(lang, split)
    if lang != "en":
        english_path, english = _rows("en", split)
        target_keys = [(index_id, category) for index_id, (category, _) in rows.items()]
        english_keys = [(index_id, category) for index_id, (category, _) in english.items()]
        if target_keys != english_keys:
            row = next((i for i, (t, e) in enumerate(zip(target_keys, english_keys)) if t != e), None)
            if row is None:  # one is a prefix of the other
                row = min(len(target_keys), len(english_keys))
            (index_id, category), (english_id, english_category) = (
                keys[row] if row < len(keys) else ("(none)", None) for keys in (target_keys, english_keys)
            )
            raise HarnessError(
                f"{path} data row {row + 1}: index_id {index_id} category {category!r}, but {english_path} has "
                f"index_id {english_id} category {english_category!r} in that row; a SIB-200 sentence has the same "
                "label in every language"
            )
    labels, texts = zip(*rows.values()) if rows else ((), ())
    return LabelledSplit(lang, split, tuple(rows), tuple(texts), tuple(labels))


def _rows(lang: str, split: str) -> tuple[str, dict[str, tuple[str, str]]]:
    """(file path, ``sib200.read_labelled`` rows) of a language's split."""
    if lang == "en":
        code = sib200.ENGLISH
    elif lang in sib200.LANGUAGES:
        code = sib200.LANGUAGES[lang]
    else:
        raise HarnessError(f"SIB-200 has no {lang!r} here; known: en {' '.join(sib200.LANGUAGES)}")
    path = fetch(sib200.REPO, f"data/annotated/{code}/{split}.tsv")
    return str(path), sib200.read_labelled(path)


def held_out_english(split: str = "test") -> frozenset[str]:
    """The whitespace-normalised English sentences of a split: training data must exclude them."""
    return frozenset(normalise_whitespace(text) for text in load_split("en", split).texts)
