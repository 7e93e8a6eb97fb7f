"""Training bitext: English–target sentence pairs from public sources, never from NTREX.

Distillation methods train on these pairs.  Each source has its own loader module
(``flores``, ``sib200``, ``tico19``, ``tatoeba``, plus ``tsv`` for a file the user
supplies); each exposes ``LANGUAGES`` (our code -> the source's code) and
``load(lang) -> list[BitextPair]``.  ``default_bitext(lang)`` joins every source that
covers a language, removes any pair that shares a sentence with the NTREX-128 test
collection, and drops duplicate pairs.  ``README.md`` beside this file lists the
sources, their licences and the counts.
"""

from __future__ import annotations

import importlib
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from types import MappingProxyType, ModuleType

from harness.data.ntrex import ENGLISH as NTREX_ENGLISH
from harness.data.ntrex import NTREX_REPO, reference_path
from harness.data.pairs import PAIRS
from harness.data.sources import fetch, read_text_lines
from harness.errors import HarnessError

LANGUAGES = tuple(pair.lang for pair in PAIRS.values())

# Loader modules in priority order: when two sources hold the same pair, the earlier
# one keeps it.  FLORES precedes SIB-200 because SIB-200's sentences are a subset of
# FLORES; this way SIB-200 contributes only where FLORES is not in the mirror (sw so yo).
DEFAULT_SOURCES = ("flores", "sib200", "tico19", "tatoeba")
USER_SOURCE = "tsv"

NTREX_CODES = {pair.lang: pair.ntrex for pair in PAIRS.values()}  # the test collection: nothing may train on it


@dataclass(frozen=True)
class BitextPair:
    """One translation pair; ``source`` names the loader it came from (e.g. "tico19")."""

    english: str
    target: str
    source: str


def normalise_whitespace(text: str) -> str:
    """Strip and collapse every run of Unicode whitespace (NBSP included) to one space; case is kept."""
    return " ".join(text.split())


def make_pair(english: str, target: str, source: str, where: str) -> BitextPair:
    """A pair with normalised whitespace; ``where`` (file:line, segment id) names it in errors."""
    english, target = normalise_whitespace(english), normalise_whitespace(target)
    if not english or not target:
        side = "English" if not english else "target"
        raise HarnessError(f"{where}: empty {side} side in {source} bitext")
    return BitextPair(english, target, source)


def read_line_aligned(english_file: Path, target_file: Path) -> Iterator[tuple[int, str, str]]:
    """(line number, English line, target line) of two line-aligned UTF-8 files.

    The files must have the same number of lines; a mismatch means they are not the
    pair we think they are, so it is an error rather than a truncation.
    """
    english_lines = read_text_lines(english_file)
    target_lines = read_text_lines(target_file)
    if len(english_lines) != len(target_lines):
        raise HarnessError(
            f"{english_file} has {len(english_lines)} lines but {target_file} has {len(target_lines)}; "
            "line-aligned bitext needs the same number"
        )
    for number, (english, target) in enumerate(zip(english_lines, target_lines), start=1):
        yield number, english, target


# --- the registry --------------------------------------------------------------------


def loader(name: str) -> ModuleType:
    """The loader module called ``name``.

    Imported on first use rather than at the top: the loader modules import
    ``BitextPair`` from this package, so importing them here eagerly would be circular.
    """
    if name not in (*DEFAULT_SOURCES, USER_SOURCE):
        raise HarnessError(f"unknown bitext source {name!r}; known: {', '.join((*DEFAULT_SOURCES, USER_SOURCE))}")
    return importlib.import_module(f"{__name__}.{name}")


def check_language(lang: str) -> None:
    if lang not in LANGUAGES:
        raise HarnessError(f"unknown language {lang!r} for bitext; known: {' '.join(LANGUAGES)}")


def sources_for(lang: str) -> list[str]:
    """Default sources that cover ``lang``, in priority order."""
    check_language(lang)
    return [name for name in DEFAULT_SOURCES if lang in loader(name).LANGUAGES]


# --- NTREX exclusion and de-duplication ----------------------------------------------


@dataclass(frozen=True)
class NtrexSentences:
    """NTREX-128 English sentences and one language's reference, whitespace-normalised."""

    english: frozenset[str]
    target: frozenset[str]

    def overlaps(self, english: str, target: str) -> bool:
        return english in self.english or target in self.target


@cache
def ntrex_sentences(lang: str) -> NtrexSentences:
    check_language(lang)

    def sentences(path: str) -> frozenset[str]:
        lines = read_text_lines(fetch(NTREX_REPO, path))
        return frozenset(normalise_whitespace(line) for line in lines) - {""}

    return NtrexSentences(sentences(NTREX_ENGLISH), sentences(_ntrex_target_path(lang)))


def _ntrex_target_path(lang: str) -> str:
    return reference_path(NTREX_CODES[lang])


@dataclass(frozen=True)
class SourceTally:
    """What happened to one source's pairs: ``loaded`` = ``ntrex_overlap`` + ``duplicates`` + ``kept``."""

    loaded: int
    ntrex_overlap: int
    duplicates: int
    kept: int


@dataclass(frozen=True)
class BitextSet:
    """Training pairs for one language, with the per-source tally of how they were chosen."""

    lang: str
    pairs: tuple[BitextPair, ...]
    tallies: Mapping[str, SourceTally]  # source -> tally, in the order the sources were joined


def assemble(lang: str, sources: Iterable[tuple[str, list[BitextPair]]]) -> BitextSet:
    """Join sources in the order given, dropping pairs that touch NTREX and repeated pairs.

    A pair is removed when its English side is an NTREX English sentence or its target
    side is a sentence of ``lang``'s NTREX reference (after whitespace normalisation),
    so no test sentence can reach training.  A pair equal (English and target) to an
    earlier one is a duplicate; the first occurrence keeps its source.
    """
    ntrex = ntrex_sentences(lang)
    seen: set[tuple[str, str]] = set()
    kept: list[BitextPair] = []
    tallies: dict[str, SourceTally] = {}
    for name, pairs in sources:
        overlap = duplicates = 0
        start = len(kept)
        for pair in pairs:
            # Loaders already normalise; doing it again here keeps the guarantee for
            # pairs built elsewhere.
            english, target = normalise_whitespace(pair.english), normalise_whitespace(pair.target)
            if ntrex.overlaps(english, target):
                overlap += 1
            elif (english, target) in seen:
                duplicates += 1
            else:
                seen.add((english, target))
                kept.append(BitextPair(english, target, pair.source))
        tallies[name] = SourceTally(len(pairs), overlap, duplicates, len(kept) - start)
    # Read-only, because default_bitext_set() hands the same cached object to every caller.
    return BitextSet(lang, tuple(kept), MappingProxyType(tallies))


@cache
def default_bitext_set(lang: str) -> BitextSet:
    """Every default source for ``lang``, joined by ``assemble`` (cached per process)."""
    return assemble(lang, [(name, loader(name).load(lang)) for name in sources_for(lang)])


def default_bitext(lang: str) -> list[BitextPair]:
    """All training pairs for ``lang``: every source but NTREX, de-duplicated, in a fixed order."""
    return list(default_bitext_set(lang).pairs)


def tsv_bitext(path: str | Path, lang: str) -> BitextSet:
    """A user's english<TAB>target file for ``lang``, with the same NTREX exclusion and de-duplication."""
    check_language(lang)
    return assemble(lang, [(USER_SOURCE, loader(USER_SOURCE).load(path))])


# --- counts for `python -m harness list` ---------------------------------------------


def bitext_tallies() -> dict[str, dict[str, SourceTally]]:
    """Per language and source: pairs loaded, removed for NTREX overlap, removed as duplicates, kept.

    Counting loads every source (about a second), so the tallies are kept in the cache under a
    key made of the pinned sha256 of every input file and of this package's code: they are
    reused only while both are unchanged.
    """
    import hashlib
    import json

    from harness.files.atomic import atomic_write_text
    from harness.data.sources import pinned
    from harness.files.paths import cache_dir

    material = [f"{repo}/{path}@{pinned(repo, path).sha256}" for repo, path in input_files()]
    material += [p.read_text(encoding="utf-8") for p in sorted(Path(__file__).parent.glob("*.py"))]
    key = hashlib.sha256("\n".join(material).encode()).hexdigest()[:20]
    path = cache_dir("bitext") / f"tallies-{key}.json"
    if path.is_file():
        try:
            stored = json.loads(path.read_text(encoding="utf-8"))
            return {lang: {name: SourceTally(**t) for name, t in sources.items()} for lang, sources in stored.items()}
        except (ValueError, TypeError):
            pass  # a damaged file is recounted and rewritten
    tallies = {lang: dict(default_bitext_set(lang).tallies) for lang in LANGUAGES}
    atomic_write_text(path, json.dumps({lang: {n: t.__dict__ for n, t in sources.items()} for lang, sources in tallies.items()}))
    return tallies


def bitext_counts() -> dict[str, dict[str, int]]:
    """Pairs kept per language and source, after NTREX exclusion and de-duplication.

    Every source that covers a language is listed, so a 0 means "all its pairs were
    already counted under an earlier source" (SIB-200 under FLORES).  Loading all seven
    languages takes about half a second, so the counts are computed, not cached.
    """
    return {lang: {name: tally.kept for name, tally in tallies.items()} for lang, tallies in bitext_tallies().items()}


def input_files() -> list[tuple[str, str]]:
    """(repository, path) of every pinned file the default bitext reads, NTREX included."""
    files = [(NTREX_REPO, NTREX_ENGLISH)]
    files += [(NTREX_REPO, _ntrex_target_path(lang)) for lang in LANGUAGES]
    for lang in LANGUAGES:
        for name in sources_for(lang):
            files += [file for file in loader(name).input_files(lang) if file not in files]
    return files
