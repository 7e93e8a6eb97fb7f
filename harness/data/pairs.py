"""Language pairs, as data: English queries, documents in the target language.

``PAIRS`` are the seven of the main board.  ``OTHER_PAIRS`` are languages that only other
collections bring: XQuAD's and Multi30k's (high-resource), and Hausa, which CIRAL and
AfriCLIRMatrix bring as a fifth low-resource language (never an NTREX column).  A collection
declares which pairs it serves, and ``get_pair`` finds any of them.  ``trained`` says whether the
distilled students saw bitext of the language (only the seven).
"""

from __future__ import annotations

import re
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

    @property
    def trained(self) -> bool:
        """Whether the distillation bitext covers the language (the seven pairs only)."""
        return self.name in PAIRS


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

# Languages that only other collections bring.  XQuAD and Multi30k: "high", each a class 3-5
# language in Joshi et al. (2020)'s taxonomy.  CIRAL and AfriCLIRMatrix: Hausa, "low" like the
# other African languages of the board.  None is in our training bitext.
OTHER_PAIRS: dict[str, LanguagePair] = {
    p.name: p
    for p in [
        LanguagePair("en-ha", "ha", "Hausa", "low", "hau", "hau_Latn", ()),
        LanguagePair("en-ar", "ar", "Arabic", "high", "arb", "arb_Arab", ()),
        LanguagePair("en-el", "el", "Greek", "high", "ell", "ell_Grek", ()),
        LanguagePair("en-es", "es", "Spanish", "high", "spa", "spa_Latn", ()),
        LanguagePair("en-hi", "hi", "Hindi", "high", "hin", "hin_Deva", ()),
        LanguagePair("en-ro", "ro", "Romanian", "high", "ron", "ron_Latn", ()),
        LanguagePair("en-ru", "ru", "Russian", "high", "rus", "rus_Cyrl", ()),
        LanguagePair("en-th", "th", "Thai", "high", "tha", "tha_Thai", ()),
        LanguagePair("en-tr", "tr", "Turkish", "high", "tur", "tur_Latn", ()),
        LanguagePair("en-vi", "vi", "Vietnamese", "high", "vie", "vie_Latn", ()),
        LanguagePair("en-zh", "zh", "Chinese", "high", "zho-CN", "zho_Hans", ()),
        LanguagePair("en-cs", "cs", "Czech", "high", "ces", "ces_Latn", ()),
    ]
}
ALL_PAIRS: dict[str, LanguagePair] = PAIRS | OTHER_PAIRS


PAIR_NAME = re.compile(r"en-([a-z]{2,3})")

# Languages a user's collection may bring: English name and NLLB-200 code (for the seq2seq
# translator).  Anything else still works, named by its code, with no NLLB code.
KNOWN_LANGUAGES = {
    "fa": ("Persian", "pes_Arab"), "ha": ("Hausa", "hau_Latn"), "am": ("Amharic", "amh_Ethi"),
    "ig": ("Igbo", "ibo_Latn"), "rw": ("Kinyarwanda", "kin_Latn"), "bn": ("Bengali", "ben_Beng"),
    "te": ("Telugu", "tel_Telu"), "id": ("Indonesian", "ind_Latn"), "ko": ("Korean", "kor_Hang"),
    "ja": ("Japanese", "jpn_Jpan"), "it": ("Italian", "ita_Latn"), "nl": ("Dutch", "nld_Latn"),
    "pt": ("Portuguese", "por_Latn"), "pl": ("Polish", "pol_Latn"), "uk": ("Ukrainian", "ukr_Cyrl"),
    "tl": ("Tagalog", "tgl_Latn"),
}


def get_pair(name: str) -> LanguagePair:
    """Any pair by name: one of ours ("en-sw"), a study's ("en-zh"), or a user's ("en-fa").

    A pair we do not know is made from its code (resource "unknown": it joins the overall mean
    column, not the low/high ones) and remembered for the process.  KeyError unless the name is
    ``en-`` and a 2-3 letter code.
    """
    if name in ALL_PAIRS:
        return ALL_PAIRS[name]
    match = PAIR_NAME.fullmatch(name)
    if match is None:
        raise KeyError(name)
    lang = match.group(1)
    language, nllb = KNOWN_LANGUAGES.get(lang, (lang, ""))
    ALL_PAIRS[name] = LanguagePair(name, lang, language, "unknown", "", nllb, ())
    return ALL_PAIRS[name]


def pair_of_lang(lang: str) -> LanguagePair:
    """The pair whose target language is ``lang``; KeyError for an unknown code."""
    return ALL_PAIRS[f"en-{lang}"]
