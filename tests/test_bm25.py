"""Lucene BM25 through Pyserini from PyPI alone, with per-language analysis."""

import os

import pytest

from harness.retrieval import lucene
from harness.retrieval.analysis import analysis_for, tokenize


def test_tokenizer_lowercases_and_keeps_combining_marks():
    assert tokenize("Habari ZA Leo!") == "habari za leo"
    assert tokenize("मराठी भाषा, आज.") == "मराठी भाषा आज"  # vowel signs stay inside their word
    assert tokenize("Ọjọ́ Àìkú") == "ọjọ́ àìkú"


def test_analysis_per_language():
    assert not analysis_for("de").pretokenized and "GermanAnalyzer" in analysis_for("de").description
    for lang in ("sw", "so", "yo", "mr"):
        assert analysis_for(lang).pretokenized and "WhitespaceAnalyzer" in analysis_for(lang).description


@pytest.fixture(scope="module")
def no_openai_key():
    saved = os.environ.pop("OPENAI_API_KEY", None)
    yield
    if saved is not None:
        os.environ["OPENAI_API_KEY"] = saved


def test_pretokenized_language_index_and_search(tmp_path, no_openai_key):
    docs = [("d1", "Habari za LEO kutoka Nairobi"), ("d2", "Mvua kubwa imenyesha leo"), ("d3", "Timu ya mpira")]
    analysis = analysis_for("sw")
    lucene.build_index(tmp_path / "sw", iter(docs), analysis, total=3)
    assert not (tmp_path / "sw.partial").exists()
    hits = lucene.search(tmp_path / "sw", {"q1": "leo Nairobi", "q2": "!!!"}, analysis, lucene.BM25Params(), depth=10)
    assert [doc for doc, _ in hits["q1"]] == ["d1", "d2"]  # "LEO" matched case-insensitively
    assert hits["q1"][0][1] > hits["q1"][1][1]
    assert hits["q2"] == []  # nothing left after analysis: no query sent to Lucene
    assert "OPENAI_API_KEY" not in os.environ


def test_lucene_language_analyzer_stems(tmp_path, no_openai_key):
    analysis = analysis_for("de")
    lucene.build_index(tmp_path / "de", iter([("a", "Die Häuser sind alt"), ("b", "Ein Auto")]), analysis)
    hits = lucene.search(tmp_path / "de", {"q": "Haus"}, analysis, lucene.BM25Params(k1=1.2, b=0.75), depth=5)
    assert [doc for doc, _ in hits["q"]] == ["a"]
