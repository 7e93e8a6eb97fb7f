"""Words for the languages without a Lucene analyzer follow Unicode's word boundaries (UAX #29).

The boundaries are checked against a sample of Unicode's own WordBreakTest (tests/data, source
and format in its header).  The word-level expectations below are worked out by hand from the
rules of UAX #29 (WB4: Extend, Format and ZWJ stay with the character before them; WB6/7: a
letter, an apostrophe or period, a letter; WB11/12: a digit, a comma or period, a digit) and
from NFKC_Casefold's removal of default-ignorable characters.
"""

import hashlib
import json
from pathlib import Path

import pytest

from harness.data.collections import Topics
from harness.data.pairs import get_pair
from harness.executors.cells import reusable
from harness.retrieval.analysis import analysis_for, segments, tokenize, words

SAMPLE = Path(__file__).resolve().parent / "data" / "WordBreakTest-18.0.0-sample.txt"


def word_break_tests():
    for number, line in enumerate(SAMPLE.read_text(encoding="utf-8").splitlines(), start=1):
        fields = line.split("#", 1)[0].split()
        if not fields:
            continue
        text, breaks = "", set()
        for field in fields:
            if field == "÷":
                breaks.add(len(text))
            elif field != "×":
                text += chr(int(field, 16))
        yield pytest.param(text, breaks, id=f"line{number}")


@pytest.mark.parametrize("text, breaks", list(word_break_tests()))
def test_segments_break_where_unicodes_word_break_test_says(text, breaks):
    cuts, position = {0}, 0
    for segment in segments(text):
        position += len(segment)
        cuts.add(position)
    assert cuts == breaks


def test_the_sample_is_a_real_sample():
    assert len(list(word_break_tests())) >= 120
    assert SAMPLE.read_text(encoding="utf-8").startswith("# WordBreakTest-18.0.0.txt")


@pytest.mark.parametrize("text, expected", [
    # Marathi: ZWJ after a virama (eyelash ra) and ZWNJ inside a word keep it one word (WB4), and
    # the joiner is dropped (default-ignorable), so both spellings are one term.
    ("र्\u200dया", ["र्या"]),
    ("र्\u200cया", ["र्या"]),
    ("क्\u200dष आणि क्ष", ["क्ष", "आणि", "क्ष"]),
    ("मराठी भाषा, आज.", ["मराठी", "भाषा", "आज"]),  # vowel signs (Mc/Mn) stay inside their word
    # Yoruba: decomposed tone marks stay on their vowel; NFKC composes what it can.
    ("O\u0323jo\u0323\u0301 A\u0300i\u0300ku\u0301", ["ọjọ́", "àìkú"]),
    # Somali: an apostrophe between letters is inside the word (WB6/7); at the end it is not.
    ("Da'da ayuu ka'", ["da'da", "ayuu", "ka"]),
    ("da\u2019da", ["da\u2019da"]),
    # Numbers keep their separators (WB11/12); a hyphen always separates (WB999).
    ("3.5 1,000 e-mail", ["3.5", "1,000", "e", "mail"]),
    # A soft hyphen (Format) inside a word is not a break, and is dropped.
    ("infor\u00admation", ["information"]),
    ("Habari ZA Leo!", ["habari", "za", "leo"]),
])
def test_words_are_uax29_words_with_joiners_dropped(text, expected):
    assert words(text) == expected


def test_the_old_tokenizer_split_these_words_in_two():
    # v0 took runs of letters, marks and digits: the ZWJ (a format character, Cf) cut the word.
    assert len(words("र्\u200dया")) == 1 and tokenize("Da'da") == "da'da"


def test_analysis_identity_is_in_the_index_key_and_the_description():
    sw, fi = analysis_for("sw"), analysis_for("fi")
    assert sw.key == "harness-uax29-v1" and sw.key != "harness-unicode-words"  # the v0 indexes are not reused
    assert "uax29-v1" in sw.description and "UAX #29" in sw.description
    assert fi.key == "lucene-fi" and not fi.pretokenized


def _saved_cell(out: Path, lang: str, analysis: str, resolved: dict) -> tuple[dict, Topics]:
    """A saved bm25-nmt run and sidecar as an older harness wrote them, and the cell's record now."""
    topics = Topics("ntrex", f"harness/ntrex/{lang}", get_pair(f"en-{lang}"), {"q1": "x"}, {"q1": {"d1": 1}}, None)
    folder = out / "runs" / "ntrex" / f"en-{lang}"
    folder.mkdir(parents=True)
    (folder / "bm25-nmt.run").write_text("q1 Q0 d1 1 1.0 bm25-nmt\n")
    sha = hashlib.sha256((folder / "bm25-nmt.run").read_bytes()).hexdigest()
    params = {"k1": 0.9}
    (folder / "bm25-nmt.json").write_text(json.dumps({
        "method": "bm25-nmt", "pair": f"en-{lang}", "status": "ok", "parameters": params, "depth": 1000,
        "queries_sha256": topics.queries_sha256, "resolved": resolved, "run_sha256": sha,
        "used": {"analysis": analysis, "translator": {"spec": "precomputed:opus-mt-ntrex"}}}))
    now = {"translator": resolved.get("translator"), "analysis": analysis_for(lang).description}
    return {"method": "bm25-nmt", "parameters": params, "depth": 1000, "resolved": now}, topics


def test_a_run_made_with_the_old_tokenization_is_not_reused_and_lucene_ones_are(tmp_path):
    old = ("harness tokenizer (NFKC, casefold, Unicode letter/mark/digit runs; no stemming, no stop words) "
           "+ Lucene WhitespaceAnalyzer on index and query side")  # what v0 sidecars recorded
    record, topics = _saved_cell(tmp_path, "sw", old, {"translator": "precomputed:opus-mt-ntrex@7beba416a28689a0"})
    assert not reusable(record, topics, tmp_path, force=False)
    record, topics = _saved_cell(tmp_path, "fi", analysis_for("fi").description,
                                 {"translator": "precomputed:opus-mt-ntrex@7beba416a28689a0"})
    assert reusable(record, topics, tmp_path, force=False)  # its analysis did not change


def test_lucene_finds_a_word_whatever_joiner_or_apostrophe_it_was_written_with(tmp_path):
    pytest.importorskip("pyserini")
    from harness.retrieval import lucene

    analysis = analysis_for("mr")
    docs = [("d1", "क्\u200dष आणि र्\u200dया"), ("d2", "Da'da 3.5 tani"), ("d3", "da iyo 3 iyo 5")]
    lucene.build_index(tmp_path / "index", iter(docs), analysis, total=len(docs))
    queries = {"joiner": "र्या", "apostrophe": "da'da", "number": "3.5"}
    hits = lucene.search(tmp_path / "index", queries, analysis, lucene.BM25Params(), depth=3)
    assert [h[0] for h in hits["joiner"]] == ["d1"]
    assert [h[0] for h in hits["apostrophe"]] == ["d2"] and [h[0] for h in hits["number"]] == ["d2"]
