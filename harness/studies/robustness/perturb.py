"""Query perturbations for the robustness study: typos, dropped or swapped words, case, punctuation.

    PERTURBATIONS               name -> Perturbation (the registry, as data)
    perturb(name, texts, seed)  -> list[str], one perturbed text per input text
    perturbation_record(name)   -> dict for a run's provenance

Exact arguments (nlpaug 1.1.11; every nlpaug augmenter also gets tokenizer=str.split,
reverse_tokenizer=" ".join, verbose=0):

    keyboard        KeyboardAug(aug_char_p=0.1, aug_char_min=1, aug_char_max=None,
                                aug_word_p=0.3, aug_word_min=1, aug_word_max=None, min_char=2)
    char-swap       RandomCharAug(action="swap", swap_mode="adjacent", rates as keyboard)
    char-delete     RandomCharAug(action="delete", rates as keyboard)
    word-delete     RandomWordAug(action="delete", aug_p=0.2, aug_min=1, aug_max=None)
    word-swap       RandomWordAug(action="swap", aug_p=0.2, aug_min=1, aug_max=None)
    lowercase       python str.lower
    no-punctuation  python: drop every Unicode category P* character, collapse whitespace

For n whitespace-separated words, the character augmenters pick ceil(0.3 n) words of
2+ characters and change ceil(0.1 len(word)) characters in each; the word augmenters
delete, or swap with a neighbour, ceil(0.2 n) words (< n, so a word is always kept).
min 1 perturbs a 1-word query where the action allows (RandomWordAug leaves it alone);
max None keeps the rate for long queries (nlpaug's default caps at 10). Unlike nlpaug's
defaults: min_char=2 (not 4), and the whitespace tokenizer, as nlpaug's own re-joins
punctuation with spaces ("'looking" -> "' looking") in every query; nlpaug outputs thus
have whitespace collapsed. nlpaug quirks kept: its keyboard map sends "u" to " t" (a typo
can add a character); word-swap may swap a pair back (~5% of 5-10-word queries come back
in order, possibly with the first word's case changed); word-delete deletes one word fewer
when it draws both the first and the second word (it puts the second back).

Seeding: each text is perturbed with seed sha256(name, seed, text), so an output depends
only on (name, seed, text), not on the batch, the position or the process; identical
texts get identical perturbations. nlpaug draws from Python's ``random`` and numpy's
global RNG: both are seeded per text and restored afterwards (not thread-safe).
"""

from __future__ import annotations

import hashlib
import operator
import random
import unicodedata
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from functools import cache
from importlib import metadata
from types import MappingProxyType
from typing import Any

import numpy as np

from harness.errors import HarnessError, UsageError

try:
    NLPAUG_VERSION = metadata.version("nlpaug")
except metadata.PackageNotFoundError:
    NLPAUG_VERSION = "(not installed)"
TOKENIZER = "whitespace: str.split / ' '.join"  # given to every nlpaug augmenter besides its params


@dataclass(frozen=True)
class Perturbation:
    name: str  # key in PERTURBATIONS, as typed on the command line
    description: str  # one line, states the rate
    library: str  # "nlpaug 1.1.11 KeyboardAug" (version, class) or "python"
    params: Mapping[str, Any]  # exact keyword arguments of the nlpaug class; the rate for python ones


def _nlpaug(name: str, augmenter: str, description: str, **params: Any) -> Perturbation:
    return Perturbation(name, description, f"nlpaug {NLPAUG_VERSION} {augmenter}", MappingProxyType(params))


def _python(name: str, description: str) -> Perturbation:
    return Perturbation(name, description, "python", MappingProxyType({"rate": 1.0}))


_CHAR = dict(aug_char_p=0.1, aug_char_min=1, aug_char_max=None, aug_word_p=0.3, aug_word_min=1, aug_word_max=None,
             min_char=2)
_WORD = dict(aug_p=0.2, aug_min=1, aug_max=None)
_IN_WORDS = "10% of characters (min 1) in 30% of words (min 1) of 2+ characters"
PERTURBATIONS: dict[str, Perturbation] = {
    p.name: p
    for p in (
        _nlpaug("keyboard", "KeyboardAug", f"QWERTY-neighbour typos: {_IN_WORDS}", **_CHAR),
        _nlpaug("char-swap", "RandomCharAug", f"swap adjacent characters: {_IN_WORDS}", action="swap",
                swap_mode="adjacent", **_CHAR),
        _nlpaug("char-delete", "RandomCharAug", f"delete characters: {_IN_WORDS}", action="delete", **_CHAR),
        _nlpaug("word-delete", "RandomWordAug", "delete 20% of words (min 1), keeping at least one", action="delete",
                **_WORD),
        _nlpaug("word-swap", "RandomWordAug", "swap 20% of words (min 1) with a neighbour", action="swap", **_WORD),
        _python("lowercase", "lowercase every character (rate 1.0): str.lower"),
        _python("no-punctuation", "remove every Unicode punctuation character (category P*, rate 1.0), "
                "then collapse whitespace"),
    )
}


def strip_punctuation(text: str) -> str:
    """``text`` without Unicode category P* characters; whitespace runs made one space, ends stripped."""
    return " ".join("".join(ch for ch in text if not unicodedata.category(ch).startswith("P")).split())


_PYTHON = {"lowercase": str.lower, "no-punctuation": strip_punctuation}


def perturb(name: str, texts: Sequence[str], seed: int) -> list[str]:
    """Perturb each of ``texts`` (n strings) with perturbation ``name``: n strings, in order.

    Deterministic in (name, seed, text) alone (module docstring). UsageError for an
    unknown name; HarnessError, naming the index, for an empty or whitespace-only
    text or one the perturbation would leave empty.
    """
    get_perturbation(name)
    if isinstance(texts, str):
        raise TypeError("texts must be a sequence of strings, not one string")
    seed = operator.index(seed)
    for index, text in enumerate(texts):
        if not isinstance(text, str) or not text.strip():
            raise HarnessError(f"cannot perturb text {index}: it is empty or only whitespace ({text!r})")
    if name in _PYTHON:
        outputs = [_PYTHON[name](text) for text in texts]
    else:
        outputs = [_seeded_augment(name, seed, text) for text in texts]
    for index, output in enumerate(outputs):
        if not output.strip():
            raise HarnessError(f"perturbation {name!r} leaves text {index} empty ({texts[index]!r})")
    return outputs


def get_perturbation(name: str) -> Perturbation:
    """The registry entry for ``name``; UsageError listing the valid names when there is none."""
    if name not in PERTURBATIONS:
        raise UsageError(f"unknown perturbation {name!r}; choose from: {', '.join(PERTURBATIONS)}")
    return PERTURBATIONS[name]


def perturbation_record(name: str) -> dict[str, Any]:
    """Provenance for a run: name, description, library (with version), parameters; seeding for nlpaug ones."""
    p = get_perturbation(name)
    record = {"name": p.name, "description": p.description, "library": p.library, "parameters": dict(p.params)}
    if p.library != "python":
        record["tokenizer"] = TOKENIZER
        record["seeding"] = "python random and numpy global RNG seeded per text from sha256(name, seed, text)"
    return record


def text_seed(name: str, seed: int, text: str) -> int:
    """A 32-bit seed from sha256 of (name, seed, text): the same in every process and on every platform."""
    digest = hashlib.sha256(f"{name}\0{seed}\0{text}".encode("utf-8")).digest()
    return int.from_bytes(digest[:4], "big")


def _seeded_augment(name: str, seed: int, text: str) -> str:
    """One nlpaug augmentation of ``text`` with both global RNGs seeded for it, then restored."""
    augmenter = _augmenter(name)
    python_state, numpy_state = random.getstate(), np.random.get_state()
    try:
        derived = text_seed(name, seed, text)
        random.seed(derived)
        np.random.seed(derived)
        result = augmenter.augment(text)
    finally:
        random.setstate(python_state)
        np.random.set_state(numpy_state)
    if isinstance(result, list):  # nlpaug 1.1.11 returns [augmented] for one string
        result = result[0] if result else text
    return str(result)


@cache
def _augmenter(name: str) -> Any:
    """The nlpaug augmenter for ``name``, built once; nlpaug is imported only here (it loads torch)."""
    import nlpaug.augmenter.char as nac
    import nlpaug.augmenter.word as naw

    p = PERTURBATIONS[name]
    cls = {"KeyboardAug": nac.KeyboardAug, "RandomCharAug": nac.RandomCharAug, "RandomWordAug": naw.RandomWordAug}
    return cls[p.library.split()[-1]](tokenizer=str.split, reverse_tokenizer=" ".join, verbose=0, **p.params)
