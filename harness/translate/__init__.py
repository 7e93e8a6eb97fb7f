"""Translators by spec (``scheme:argument``) and the choice among a preference list."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from harness.data.pairs import LanguagePair
from harness.errors import UsageError
from harness.translate.base import Translator
from harness.translate.precomputed import PrecomputedTranslator
from harness.translate.seq2seq import Seq2SeqTranslator
from harness.translate.tsv import TsvTranslator

BACKENDS: dict[str, type[Translator]] = {
    Seq2SeqTranslator.scheme: Seq2SeqTranslator,
    PrecomputedTranslator.scheme: PrecomputedTranslator,
    TsvTranslator.scheme: TsvTranslator,
}


def parse_translator(spec: str) -> Translator:
    scheme, sep, argument = spec.partition(":")
    if not sep or scheme not in BACKENDS or not argument:
        raise UsageError(f"bad translator {spec!r}: expected one of {', '.join(s + ':...' for s in BACKENDS)}")
    return BACKENDS[scheme](spec, argument)


@dataclass(frozen=True)
class TranslatorChoice:
    translator: Translator | None
    rejected: tuple[tuple[str, str], ...]  # (spec, why it could not serve), in preference order

    def explain(self) -> str:
        """Why each preference was passed over; specs that failed for the same reason share one clause."""
        by_reason: dict[str, list[str]] = {}
        for spec, why in self.rejected:
            by_reason.setdefault(why, []).append(spec)
        return "; ".join(f"{', '.join(specs)}: {why}" for why, specs in by_reason.items())


def choose_translator(preferences: Sequence[str], pair: LanguagePair, texts: Sequence[str]) -> TranslatorChoice:
    """The first translator in ``preferences`` that can serve ``pair`` for ``texts``."""
    rejected = []
    for spec in preferences:
        translator = parse_translator(spec)
        reason = translator.unavailable_reason(pair, texts)
        if reason is None:
            return TranslatorChoice(translator, tuple(rejected))
        rejected.append((spec, reason))
    return TranslatorChoice(None, tuple(rejected))
