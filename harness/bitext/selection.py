"""Which bitext a student trains on: the sources (a domain), how many pairs, and what is held out.

The distillation methods' parameters ``bitext``, ``bitext_pairs`` and ``held_out`` come here:

* ``bitext``: ``all`` (every default source, as the main board uses) or one domain:
  ``tico19`` (COVID-19 / medical), ``flores+sib200`` (Wikipedia-style general text; SIB-200's
  sentences are FLORES lines), ``tatoeba`` (short everyday sentences).  A domain keeps the
  pairs of ``default_bitext`` whose source is in it, so NTREX exclusion and de-duplication
  are the same as for ``all``.  Domains cover different languages (see README.md).
* ``bitext_pairs``: take this many pairs, drawn without replacement at the training seed and
  kept in their original order, so that two domains train on equal numbers (None: all).
* ``held_out``: ``ntrex`` (always: the test collection) or ``ntrex+sib200-test``, which also
  drops every pair whose English or target side is a SIB-200 test sentence (the classification
  study tests on them; SIB-200 and FLORES are part of the default bitext).
"""

from __future__ import annotations

from collections.abc import Sequence
from functools import cache

import numpy as np

from harness.bitext import DEFAULT_SOURCES, default_bitext, normalise_whitespace
from harness.errors import HarnessError

DOMAINS: dict[str, tuple[str, ...]] = {
    "all": DEFAULT_SOURCES,
    "tico19": ("tico19",),
    "flores+sib200": ("flores", "sib200"),
    "tatoeba": ("tatoeba",),
}
HELD_OUT = ("ntrex", "ntrex+sib200-test")


@cache
def sib200_test_sentences(lang: str) -> frozenset[str]:
    """SIB-200 test sentences, English and ``lang``'s, whitespace-normalised."""
    from harness.bitext.sib200_labels import load_split

    sentences = set()
    for side in ("en", lang):
        sentences |= {normalise_whitespace(t) for t in load_split(side, "test").texts}
    return frozenset(sentences)


def training_pairs(
    langs: Sequence[str], bitext: str = "all", pairs: int | None = None, held_out: str = "ntrex", seed: int = 0
) -> list[tuple[str, str]]:
    """(English, target) training pairs of ``langs``, languages in the order given.

    Raises HarnessError for an unknown domain or hold-out, or when ``pairs`` exceeds what the domain holds.
    """
    if bitext not in DOMAINS:
        raise HarnessError(f"unknown bitext {bitext!r}; known: {', '.join(DOMAINS)}")
    if held_out not in HELD_OUT:
        raise HarnessError(f"unknown held_out {held_out!r}; known: {', '.join(HELD_OUT)}")
    sources = DOMAINS[bitext]
    rows = []
    for lang in langs:
        dropped = sib200_test_sentences(lang) if held_out == "ntrex+sib200-test" else frozenset()
        rows += [
            (p.english, p.target) for p in default_bitext(lang)
            if p.source in sources and p.english not in dropped and p.target not in dropped
        ]
    if pairs is not None:
        if pairs > len(rows):
            raise HarnessError(
                f"bitext_pairs={pairs}: bitext {bitext} holds only {len(rows)} pairs for {' '.join(langs)} "
                f"(held out: {held_out})"
            )
        chosen = np.sort(np.random.default_rng(seed).choice(len(rows), size=pairs, replace=False))
        rows = [rows[i] for i in chosen]
    return rows
