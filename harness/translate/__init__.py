"""Translators by spec (``scheme:argument``) and the choice among a preference list."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from harness.data.pairs import LanguagePair
from harness.errors import UsageError
from harness.translate.base import Translator
from harness.translate.precomputed import PrecomputedTranslator
from harness.translate.reference import ReferenceTranslator
from harness.translate.seq2seq import Seq2SeqTranslator
from harness.translate.tsv import TsvTranslator

BACKENDS: dict[str, type[Translator]] = {
    Seq2SeqTranslator.scheme: Seq2SeqTranslator,
    PrecomputedTranslator.scheme: PrecomputedTranslator,
    TsvTranslator.scheme: TsvTranslator,
    ReferenceTranslator.scheme: ReferenceTranslator,
}
# How a preference list picks a translator per pair (the bm25-nmt parameter ``translator_choice``).
CHOICE_RULES = {
    "most-pairs": "the system that serves the most pairs of the board (every pair of the collection) is used on every pair it serves "
    "(ties: the earlier preference); a pair it cannot serve takes the first other preference that can",
    "first": "each pair takes the first preference that can serve it",
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
    rule: str = "first"
    served: tuple[tuple[str, tuple[str, ...]], ...] = ()  # most-pairs: (spec, pairs of the board it serves)

    def explain(self) -> str:
        """Why each preference was passed over; specs that failed for the same reason share one clause."""
        by_reason: dict[str, list[str]] = {}
        for spec, why in self.rejected:
            by_reason.setdefault(why, []).append(spec)
        return "; ".join(f"{', '.join(specs)}: {why}" for why, specs in by_reason.items())


def choose_translator(
    preferences: Sequence[str],
    pair: LanguagePair,
    texts: Sequence[str],
    rule: str = "first",
    run: Sequence[tuple[LanguagePair, Sequence[str]]] = (),
) -> TranslatorChoice:
    """The translator for ``pair`` (queries ``texts``) among ``preferences``, by ``rule`` (see CHOICE_RULES).

    ``run``: every (pair, queries) that ``most-pairs`` counts (the board's pairs, ``executors.local.board_topics``);
    ``pair`` itself is added if absent.
    Raises ``UsageError`` for an unknown rule or a malformed spec.
    """
    if rule not in CHOICE_RULES:
        raise UsageError(f"unknown translator_choice {rule!r}; valid: {', '.join(CHOICE_RULES)}")
    order, served = list(preferences), ()
    if rule == "most-pairs":
        run = list(run) if any(p.name == pair.name for p, _ in run) else [*run, (pair, texts)]
        served = tuple(
            (spec, tuple(p.name for p, q in run if parse_translator(spec).unavailable_reason(p, q) is None))
            for spec in dict.fromkeys(preferences)
        )
        # max() keeps the first of equal counts: the earlier preference wins a tie.
        winner = max(served, key=lambda item: len(item[1]))[0] if served else None
        order = [winner, *(s for s in order if s != winner)] if winner else order
    rejected = []
    for spec in order:
        translator = parse_translator(spec)
        reason = translator.unavailable_reason(pair, texts)
        if reason is None:
            return TranslatorChoice(translator, tuple(rejected), rule, served)
        rejected.append((spec, reason))
    return TranslatorChoice(None, tuple(rejected), rule, served)
