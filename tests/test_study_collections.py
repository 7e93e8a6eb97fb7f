"""Integration: the study collections (XQuAD, Multi30k, NTREX sentences) through ir_datasets.

Expected values were read from the raw mirror files (json / gzip), not from the loaders.
"""

import gzip
import json

import ir_datasets
import pytest

import harness.data.multi30k as multi30k
import harness.data.ntrex_sentences as ntrex_sentences
import harness.data.xquad as xquad
from harness.data import sources
from harness.data.pairs import PAIRS
from harness.errors import HarnessError


def load(module, lang):
    module.register()
    return ir_datasets.load(module.dataset_id(lang))


def summary(dataset):
    docs, queries, qrels = list(dataset.docs_iter()), list(dataset.queries_iter()), list(dataset.qrels_iter())
    return docs, queries, [tuple(q)[:3] for q in qrels]


# --- XQuAD ---------------------------------------------------------------------------

XQUAD_FIRST_QUERY = ("56beb4343aeaaa14008c925b", "How many points did the Panthers defense surrender?")
XQUAD_LAST_QUERY = ("5737a25ac3c5551400e51f54", "What includes pressure terms when calculating area in volume?")


@pytest.mark.parametrize(
    "lang, first_doc, last_doc",
    [
        ("de", "Die Verteidigung der Panthers gab nur 308 Punkte ab", "Wo ist die relevante Querschnittsfläche"),
        ("zh", "黑豹队的防守只丢了 308分，在联赛中排名第六", "这是物体的相关横截面积，要计算其应力张量。"),
    ],
)
def test_xquad_counts_languages_and_first_last_records(lang, first_doc, last_doc):
    dataset = load(xquad, lang)
    docs, queries, qrels = summary(dataset)
    assert dataset.docs_count() == len(docs) == 240
    assert len(queries) == len(qrels) == 1190
    assert dataset.docs_lang() == lang and dataset.queries_lang() == "en"
    assert docs[0].doc_id == "0-0" and docs[0].text.startswith(first_doc)
    assert docs[-1].doc_id == "47-4" and docs[-1].text.startswith(last_doc)
    assert tuple(queries[0]) == XQUAD_FIRST_QUERY and tuple(queries[-1]) == XQUAD_LAST_QUERY
    assert qrels[0] == ("56beb4343aeaaa14008c925b", "0-0", 1)
    assert qrels[-1] == ("5737a25ac3c5551400e51f54", "47-4", 1)
    assert len({q[0] for q in qrels}) == 1190 and {q[1] for q in qrels} == {d.doc_id for d in docs}
    assert dataset.docs_store().get("0-0").text.startswith(first_doc)


def test_xquad_paragraph_0_0_holds_its_fourteen_questions():
    qrels = list(load(xquad, "de").qrels_iter())
    assert sum(q.doc_id == "0-0" for q in qrels) == 14
    assert xquad.LANGS == ("ar", "de", "el", "es", "hi", "ro", "ru", "th", "tr", "vi", "zh")
    assert all(xquad.dataset_id(lang) in ir_datasets.registry for lang in xquad.LANGS)


@pytest.fixture
def fresh_caches():
    """Loader caches cleared around a test that feeds broken files, so no broken copy leaks out."""
    clear = [xquad.english, xquad.paragraphs, multi30k.captions, sources._fetch]
    for cached in clear:
        cached.cache_clear()
    yield
    for cached in clear:
        cached.cache_clear()


def substitute(monkeypatch, module, path, replacement):
    """Make ``module.fetch`` hand out ``replacement`` for ``path`` (the pinned sha256 would reject it)."""
    real = sources.fetch
    monkeypatch.setattr(module, "fetch", lambda repo, p: replacement if p == path else real(repo, p))


def xquad_json(lang):
    return json.loads(sources.fetch(xquad.XQUAD_REPO, f"xquad.{lang}.json").read_text(encoding="utf-8"))


def test_misaligned_xquad_file_is_rejected_naming_file_and_position(tmp_path, monkeypatch, fresh_caches):
    broken = xquad_json("de")
    moved = broken["data"][0]["paragraphs"][0]["qas"].pop(0)  # question 1 now sits with paragraph 0-1
    broken["data"][0]["paragraphs"][1]["qas"].append(moved)
    copy = tmp_path / "xquad.de.json"
    copy.write_text(json.dumps(broken, ensure_ascii=False), encoding="utf-8")
    substitute(monkeypatch, xquad, "xquad.de.json", copy)
    with pytest.raises(HarnessError, match=r"xquad\.de\.json: paragraph 0-0 has question ids") as error:
        list(load(xquad, "de").docs_iter())
    assert str(copy) in str(error.value)
    with pytest.raises(HarnessError, match=r"xquad\.de\.json: paragraph 0-0"):
        list(load(xquad, "de").qrels_iter())  # no judgement is handed out from a misaligned file


def test_xquad_file_missing_a_paragraph_or_not_utf8_is_rejected(tmp_path, monkeypatch, fresh_caches):
    broken = xquad_json("zh")
    broken["data"][-1]["paragraphs"].pop()
    copy = tmp_path / "xquad.zh.json"
    copy.write_text(json.dumps(broken, ensure_ascii=False), encoding="utf-8")
    substitute(monkeypatch, xquad, "xquad.zh.json", copy)
    with pytest.raises(HarnessError, match=r"xquad\.zh\.json: paragraph 47-4 of xquad\.en\.json is missing"):
        xquad.paragraphs("zh")
    copy.write_bytes(b'{"data": [\n"\xff"]}')
    xquad.paragraphs.cache_clear()
    with pytest.raises(HarnessError, match=r"xquad\.zh\.json:2: not valid UTF-8"):
        xquad.paragraphs("zh")


# --- Multi30k ------------------------------------------------------------------------


@pytest.mark.parametrize(
    "lang, first_doc, last_doc",
    [
        (
            "de", "Ein Mann mit einem orangefarbenen Hut, der etwas anstarrt.",
            "Ein Mädchen an einer Küste mit einem Berg im Hintergrund.",
        ),
        ("cs", "Muž v oranžovém klobouku na něco zírá.", "Dívka na břehu pláže s horami v dáli."),
    ],
)
def test_multi30k_counts_languages_and_first_last_records(lang, first_doc, last_doc):
    dataset = load(multi30k, lang)
    docs, queries, qrels = summary(dataset)
    assert dataset.docs_count() == len(docs) == len(queries) == len(qrels) == 1000
    assert dataset.docs_lang() == lang and dataset.queries_lang() == "en"
    assert tuple(docs[0]) == ("0001", first_doc) and tuple(docs[-1]) == ("1000", last_doc)
    assert tuple(queries[0]) == ("0001", "A man in an orange hat starring at something.")
    assert tuple(queries[-1]) == ("1000", "A girl at the shore of a beach with a mountain in the distance.")
    assert qrels[0] == ("0001", "0001", 1) and qrels[-1] == ("1000", "1000", 1)
    assert all(q == d and r == 1 for q, d, r in qrels)


def write_gz(path, lines):
    path.write_bytes(gzip.compress("".join(f"{line}\n" for line in lines).encode("utf-8")))
    return path


def test_multi30k_file_with_wrong_line_count_is_rejected(tmp_path, monkeypatch, fresh_caches):
    path = multi30k.caption_path("de")
    copy = write_gz(tmp_path / "test_2016_flickr.de.gz", [f"Zeile {n}" for n in range(999)])
    substitute(monkeypatch, multi30k, path, copy)
    with pytest.raises(HarnessError, match=r"test_2016_flickr\.de\.gz: expected 1000 lines, found 999") as error:
        list(load(multi30k, "de").docs_iter())
    assert str(copy) in str(error.value)


def test_multi30k_empty_line_or_bad_gzip_is_rejected(tmp_path, monkeypatch, fresh_caches):
    path = multi30k.caption_path("cs")
    lines = [f"řádek {n}" for n in range(1000)]
    lines[4] = "  "
    copy = write_gz(tmp_path / "test_2016_flickr.cs.gz", lines)
    substitute(monkeypatch, multi30k, path, copy)
    with pytest.raises(HarnessError, match=r"test_2016_flickr\.cs\.gz:5: empty line"):
        multi30k.captions("cs")
    copy.write_bytes(b"not gzip at all")
    multi30k.captions.cache_clear()
    with pytest.raises(HarnessError, match=r"test_2016_flickr\.cs\.gz: not a valid gzip file"):
        multi30k.captions("cs")


# --- NTREX sentences -----------------------------------------------------------------

NTREX_FIRST_QUERY = ("s0001", "Welsh AMs worried about 'looking like muppets'")
NTREX_LAST_QUERY = ("s1997", "Respiratory irritation was not reported in Northwest Florida over the past week.")


@pytest.mark.parametrize(
    "lang, qrel_count, first_doc, last_doc",
    [
        (
            "sw", 1997, "Wajumbe wa Baraza la Wales wana wasiwasi kuhusu 'kuonekana kama vikaragosi'",
            "Mwasho wakati wa kupumua haukuripotiwa katika Kaskazini Magharibi mwa Florida kwa wiki iliyopita.",
        ),
        (
            "fr", 1999,
            "Des membres de l’Assemblée du pays de Galles inquiets de «\xa0passer pour des marionnettes\xa0»",
            "Aucune irritation respiratoire n’a été signalée dans le nord-ouest de la Floride "
            "au cours de la semaine passée.",
        ),
    ],
)
def test_ntrex_sentences_counts_languages_and_first_last_records(lang, qrel_count, first_doc, last_doc):
    dataset = load(ntrex_sentences, lang)
    docs, queries, qrels = summary(dataset)
    assert dataset.docs_count() == len(docs) == len(queries) == 1997
    assert len(qrels) == qrel_count
    assert dataset.docs_lang() == lang and dataset.queries_lang() == "en"
    assert tuple(docs[0]) == ("s0001", first_doc) and tuple(docs[-1]) == ("s1997", last_doc)  # CR stripped
    assert tuple(queries[0]) == NTREX_FIRST_QUERY and tuple(queries[-1]) == NTREX_LAST_QUERY
    assert qrels[0] == ("s0001", "s0001", 1) and qrels[-1] == ("s1997", "s1997", 1)


def test_identical_target_lines_are_judged_relevant_to_each_other():
    # French lines 424 and 427 are both "C’est une tragédie." (English "It Is Very Bad." / "It is very bad.").
    french = [tuple(q)[:3] for q in load(ntrex_sentences, "fr").qrels_iter()]
    assert [q for q in french if q[0] != q[1]] == [("s0424", "s0427", 1), ("s0427", "s0424", 1)]
    assert [q for q in french if q[0] == "s0424"] == [("s0424", "s0424", 1), ("s0424", "s0427", 1)]
    swahili = list(load(ntrex_sentences, "sw").qrels_iter())  # "Hali Ni Mbaya Sana." / "Hali ni mbaya sana."
    assert all(q.query_id == q.doc_id for q in swahili)


def test_ntrex_sentences_registers_every_pair():
    ntrex_sentences.register()
    ntrex_sentences.register()  # idempotent
    assert all(ntrex_sentences.dataset_id(p.lang) in ir_datasets.registry for p in PAIRS.values())
