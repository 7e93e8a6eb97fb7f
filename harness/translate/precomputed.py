"""Precomputed MT output of real systems for NTREX's English side.

Two public sources, both pinned in ``harness/data/sources.tsv``; the spec is
``precomputed:<system>``:

- ``mozilla/firefox-translations-models`` publishes, per language, the WMT19
  English source (``evaluation/en-XX/wmt19.en``, NTREX's English line for line)
  and its translation by several systems (``wmt19.<system>.XX``: nllb, opusmt,
  argos, bergamot-*, google, microsoft; which exist differs per language).
- ``Helsinki-NLP/OPUS-MT-leaderboard`` publishes the output of OPUS-MT /
  Tatoeba-MT (Marian) models on NTREX-128
  (``models/Tatoeba-MT-models/<model>/<release>/ntrex128.eng-<xxx>.output``),
  line i translating line i of NTREX's ``newstest2019-src.eng.txt``.  System
  name ``opus-mt-ntrex``: one model per language, recorded in every run's
  sidecar (``used.translator.model``) and shown by ``python -m harness list``:
  the leaderboard's best by chrF for sw, so, mr, fi, de and fr; for yo the
  bilingual ``eng-yor/opus+bt-2021-04-10`` model (chrF 0.154, BLEU 2.9: a weak
  system), the best Yoruba output whose copy could be verified.

A source sentence is translated by looking up its line; a text that is not a
line of the English side has no translation, and the translator says so.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from functools import cache

from harness.data.ntrex import ENGLISH, LINES, NTREX_REPO, read_lines
from harness.data.pairs import PAIRS, LanguagePair
from harness.data.sources import PinnedFile, SourceUnavailable, fetch_with_sha256, list_pinned
from harness.errors import HarnessError, UsageError
from harness.translate.base import Translator

# Said beside every result of these outputs (sidecar, footnotes): the leaderboard's own scores of the file,
# re-scored from the pinned copy (../shared/data/README.md).
NOTES = {
    "eng-yor/opus+bt-2021-04-10": "a weak system: chrF 0.154, BLEU 2.9 on NTREX",
}
MOZILLA = "mozilla/firefox-translations-models"
OPUS_MT = "Helsinki-NLP/OPUS-MT-leaderboard"
OPUS_MT_SYSTEM = "opus-mt-ntrex"


@dataclass(frozen=True)
class PrecomputedOutput:
    """One MT system's output of one English file, line-aligned with it."""

    system: str  # the name after "precomputed:"
    lang: str  # target language (ISO 639-1, as the pairs use it)
    file: PinnedFile  # the translations
    english: tuple[str, str]  # (repo, path) of the English side it translates, line for line
    english_lines: int | None  # the English side's line count, when known in advance
    model: str  # what produced it


def _mozilla_outputs() -> list[PrecomputedOutput]:
    found = []
    for pin in list_pinned(MOZILLA, "evaluation/en-"):
        folder, _, name = pin.path.rpartition("/")
        lang = folder.rsplit("-", 1)[-1]
        if not (name.startswith("wmt19.") and name.endswith(f".{lang}")) or name == "wmt19.en":
            continue
        system = name[len("wmt19.") : -len(f".{lang}")]
        english = (MOZILLA, f"{folder}/wmt19.en")
        found.append(PrecomputedOutput(system, lang, pin, english, None, f"{system} (Mozilla's evaluation of WMT19)"))
    return found


def _opus_mt_outputs() -> list[PrecomputedOutput]:
    by_ntrex_code = {p.ntrex: p.lang for p in PAIRS.values()}
    found = []
    for pin in list_pinned(OPUS_MT, "models/"):
        name = pin.path.rsplit("/", 1)[-1]
        code = name.removeprefix("ntrex128.eng-").removesuffix(".output")
        if not name.startswith("ntrex128.eng-") or code not in by_ntrex_code:
            continue
        model = pin.path.removeprefix("models/").rsplit("/", 1)[0]  # <family>/<model>/<release>
        found.append(
            PrecomputedOutput(OPUS_MT_SYSTEM, by_ntrex_code[code], pin, (NTREX_REPO, ENGLISH), LINES, f"OPUS-MT {model}")
        )
    return found


@cache
def outputs() -> dict[tuple[str, str], PrecomputedOutput]:
    """(language, system) -> the precomputed output, for every pinned one."""
    return {(o.lang, o.system): o for o in [*_mozilla_outputs(), *_opus_mt_outputs()]}


def available_systems(lang: str) -> list[str]:
    """Systems with a pinned output for ``lang`` (whether or not it can be had here)."""
    return sorted(system for (out_lang, system) in outputs() if out_lang == lang)


def output_for(lang: str, system: str) -> PrecomputedOutput | None:
    return outputs().get((lang, system))


@cache
def _table(lang: str, system: str) -> tuple[dict[str, str], str]:
    """English line -> its translation, and the sha256 of the translation file that was read."""
    output = outputs()[(lang, system)]
    english = read_lines(*output.english, expected=output.english_lines)
    _, sha256 = fetch_with_sha256(output.file.repo, output.file.path)
    target = read_lines(output.file.repo, output.file.path, expected=len(english))
    table: dict[str, str] = {}
    for source, translation in zip(english, target):
        table.setdefault(source, translation)  # a repeated English line keeps its first translation
    return table, sha256


def table(lang: str, system: str) -> dict[str, str]:
    return _table(lang, system)[0]


def _note(output: PrecomputedOutput) -> str | None:
    return next((note for model, note in NOTES.items() if f"/{model}/" in f"/{output.file.path}"), None)


class PrecomputedTranslator(Translator):
    scheme = "precomputed"

    def _output(self, pair: LanguagePair) -> PrecomputedOutput:
        output = output_for(pair.lang, self.argument)
        if output is None:
            raise HarnessError(f"{self.spec}: no precomputed output for {pair.lang}")
        return output

    def check_named(self, pair: LanguagePair) -> None:
        """A system named with --set must exist for some language (a typo is a usage error, not a skip)."""
        known = sorted({system for (_, system) in outputs()})
        if self.argument not in known:
            raise UsageError(f"{self.spec}: no precomputed system {self.argument!r}; there are: {', '.join(known)}")

    def system_key(self, pair: LanguagePair) -> str:
        return f"precomputed:{self.argument}@{_table(pair.lang, self.argument)[1][:16]}"

    def unavailable_reason(self, pair: LanguagePair, texts: Sequence[str]) -> str | None:
        output = output_for(pair.lang, self.argument)
        if output is None:
            offered = ", ".join(available_systems(pair.lang)) or "none"
            return f"no such precomputed output for {pair.lang} (there are: {offered})"
        try:
            lookup = table(pair.lang, self.argument)
        except SourceUnavailable as exc:
            if output.file.sha256:  # a pinned file missing from the mirror is a broken setup, not a skip
                raise
            return f"{output.model} output for {pair.lang} cannot be had here: {exc}"
        missing = [t for t in texts if t not in lookup]
        if missing:
            return (
                "precomputed output covers only NTREX's English side: "
                f"{len(missing)} of {len(texts)} texts have no translation (first: {missing[0][:60]!r})"
            )
        return None

    def translate(self, texts: Sequence[str], pair: LanguagePair) -> list[str]:
        lookup = table(pair.lang, self.argument)
        return [lookup[t] for t in texts]

    def describe(self, pair: LanguagePair) -> dict:
        output = self._output(pair)
        sha256 = _table(pair.lang, self.argument)[1]
        return {
            "spec": self.spec,
            "system": self.system_key(pair),
            "model": output.model,
            "file": output.file.url,
            "sha256": sha256,
            "sha256_pinned": output.file.sha256 is not None,
            "english_side": "/".join(output.english),
        } | ({"note": note} if (note := _note(output)) else {})
