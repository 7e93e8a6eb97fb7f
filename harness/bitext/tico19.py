"""TICO-19 translation memories (Anastasopoulos et al. 2020): COVID-19 domain.

``data/TM/all.en-XX.tmx.zip`` holds one TMX file, ``all.en-XX.tmx``: 3,071 translation
units (``<tu tuid="wiki_9:3071">``; the part before ":" names the source document),
each with an English and a target ``<tuv xml:lang=..><seg>``.  The file is parsed as a
stream, so the whole XML tree is never held in memory.
"""

from __future__ import annotations

import xml.etree.ElementTree as ET
import zipfile

from harness.bitext import BitextPair, check_language, make_pair
from harness.data.sources import fetch
from harness.errors import HarnessError

NAME = "tico19"
REPO = "tico-19/tico-19.github.io"
XML_LANG = "{http://www.w3.org/XML/1998/namespace}lang"

# Our code -> TICO-19's code (in the file name and in xml:lang).  Yoruba, Finnish and
# German are not among TICO-19's languages.
LANGUAGES = {"sw": "sw", "so": "so", "mr": "mr", "fr": "fr"}


def input_files(lang: str) -> list[tuple[str, str]]:
    """(repository, path) of the zipped TMX."""
    return [(REPO, f"data/TM/all.en-{_code(lang)}.tmx.zip")]


def load(lang: str) -> list[BitextPair]:
    """Pairs in the order of the translation units."""
    code = _code(lang)
    [(repo, path)] = input_files(lang)
    archive_path = fetch(repo, path)
    member = f"all.en-{code}.tmx"
    pairs = []
    with zipfile.ZipFile(archive_path) as archive:
        if archive.namelist() != [member]:
            raise HarnessError(f"{archive_path}: expected exactly one member {member}, found {archive.namelist()}")
        with archive.open(member) as stream:
            for _event, element in ET.iterparse(stream, events=("end",)):
                if element.tag != "tu":
                    continue
                tuid = element.get("tuid")
                where = f"{archive_path}!{member} tuid {tuid}"
                segments = _segments(element, where)
                if set(segments) != {"en", code}:
                    raise HarnessError(f"{where}: expected languages en and {code}, found {sorted(segments)}")
                pairs.append(make_pair(segments["en"], segments[code], NAME, where))
                element.clear()  # free the unit once read: this is what keeps the parse streaming
    return pairs


def _segments(unit: ET.Element, where: str) -> dict[str, str]:
    """xml:lang -> text of each ``<tuv>`` of a translation unit."""
    segments: dict[str, str] = {}
    for variant in unit.iter("tuv"):
        lang = variant.get(XML_LANG)
        segment = variant.find("seg")
        if lang is None or segment is None:
            raise HarnessError(f"{where}: a <tuv> without xml:lang or <seg>")
        if len(segment):
            # Inline TMX markup (<ph>, <bpt>, ...) holds formatting codes, not words; none
            # occurs in the pinned files, and guessing how to flatten it would be silent.
            raise HarnessError(f"{where}: <seg> in {lang} holds inline markup, which this loader does not flatten")
        if lang in segments:
            raise HarnessError(f"{where}: two <tuv> in {lang}")
        segments[lang] = segment.text or ""
    return segments


def _code(lang: str) -> str:
    check_language(lang)
    if lang not in LANGUAGES:
        raise HarnessError(f"TICO-19 has no {lang!r}; it covers {' '.join(LANGUAGES)}")
    return LANGUAGES[lang]
