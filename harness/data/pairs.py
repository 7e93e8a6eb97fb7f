"""The seven language pairs, as data: English queries, documents in the target language."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class LanguagePair:
    name: str  # "en-sw"
    lang: str  # ISO 639-1 code of the document language, as ir_datasets uses it
    language: str  # English name
    resource: str  # "low" or "high"
    ntrex: str  # NTREX-128 file code
    nllb: str  # NLLB-200 language code, for the seq2seq translator
    real_collections: tuple[str, ...]  # large ir_datasets collections for this pair


def _clirmatrix(lang: str) -> str:
    return f"clirmatrix/{lang}/bi139-base/en/test1"


PAIRS: dict[str, LanguagePair] = {
    p.name: p
    for p in [
        LanguagePair("en-sw", "sw", "Swahili", "low", "swa", "swh_Latn", (_clirmatrix("sw"), "wikiclir/sw")),
        LanguagePair("en-so", "so", "Somali", "low", "som", "som_Latn", ()),
        LanguagePair("en-yo", "yo", "Yoruba", "low", "yor", "yor_Latn", (_clirmatrix("yo"),)),
        LanguagePair("en-mr", "mr", "Marathi", "low", "mar", "mar_Deva", (_clirmatrix("mr"),)),
        LanguagePair("en-fi", "fi", "Finnish", "high", "fin", "fin_Latn", (_clirmatrix("fi"), "wikiclir/fi")),
        LanguagePair("en-de", "de", "German", "high", "deu", "deu_Latn", (_clirmatrix("de"), "wikiclir/de")),
        LanguagePair("en-fr", "fr", "French", "high", "fra", "fra_Latn", (_clirmatrix("fr"), "wikiclir/fr")),
    ]
}

LOW_RESOURCE = tuple(name for name, p in PAIRS.items() if p.resource == "low")
HIGH_RESOURCE = tuple(name for name, p in PAIRS.items() if p.resource == "high")
