"""CIRAL and AfriCLIRMatrix: topics and qrels from the mirror (counts, first and last records pinned
here from the files), the corpus path on fixtures in each file format, and the offline skip.

The real corpora are on Hugging Face and not here: the corpus tests write a handful of passages
in the format the collections' loading scripts and Anserini read (CIRAL: ``docid``, ``title``,
``text``, ``url``; AfriCLIRMatrix: ``id``, ``contents``) and hand them out as the download.
"""

import hashlib
import json

import ir_datasets
import pytest

from harness.cli.main import main
from harness.data import africlirmatrix, ciral, hub_collection
from harness.data.collections import COLLECTIONS, load_topics
from harness.data.hub_corpus import HubCorpus
from harness.data.pairs import PAIRS, get_pair
from harness.errors import HarnessError
from harness.evaluation.runs import read_sidecar
from harness.translate import parse_translator

CIRAL_CASES = [
    # lang, split, queries, first query, last query, qrels, first qrel, last qrel
    ("ha", "test-a", 80, ("3", "In which country did the coronavirus (COVID-19) start in the world?"), ("174", "What is HIV?"),
     1447, ("3", "VOA#2578#3", 1), ("174", "HAUSALOADED#1709#0", 0)),
    ("ha", "test-a-pools", 80, ("3", "In which country did the coronavirus (COVID-19) start in the world?"),
     ("174", "What is HIV?"), 7288, ("3", "VOA#2578#3", 1), ("174", "VOA#20892#4", 0)),
    ("ha", "test-b", 312, ("37", "What is the political party of Atiku Abubakar?"), ("623", "What is the capital of Afghanistan?"),
     5930, ("37", "DIMOKURADIYYA#4232#4", 1), ("623", "HAUSATV#16231#0", 0)),
    ("so", "test-a", 99, ("39", "What is the capital of Mudug?"), ("208", "Who is the leader of the ONLF?"),
     1798, ("39", "RADIOMUQDISHO#20610#16", 1), ("208", "BERBERA#17680#1", 0)),
    ("so", "test-b", 239, ("3", "What was the reason for Biden's 2020 presidential victory?"),
     ("447", "What is the capital of Madagascar?"), 4324, ("3", "PUNTLANDPOST#15096#1", 1), ("447", "SOMALILAND#11225#3", 0)),
    ("sw", "test-a", 85, ("1", "What is the cause of death of Chris Kirubi?"), ("151", "Which country borders eastern Kenya?"),
     1656, ("1", "TUKO#13640#0", 1), ("151", "MILLARDAYO#32126#1", 0)),
    ("sw", "test-b", 113, ("11", "In which country was Eliud Kipchoge, a long-distance runner, born?"),
     ("305", "How many sisters does Beyonce have?"), 2175, ("11", "AMANI#2592#0", 1), ("305", "MILLARDAYO#25965#0", 0)),
    ("yo", "test-a", 100, ("24", "What football club does Paul Pogba play football for ?"),
     ("539", "What killed the leader of Boko Haram by the name, Abubakar Shekau?"), 1921, ("24", "BBC#3475#4", 1),
     ("539", "ASEJERE#734#0", 0)),
    ("yo", "test-a-pools", 100, ("24", "What football club does Paul Pogba play football for ?"),
     ("539", "What killed the leader of Boko Haram by the name, Abubakar Shekau?"), 8311, ("24", "BBC#3475#4", 1),
     ("539", "BBC#2221#3", 0)),
    ("yo", "test-b", 554, ("7", "What is the name of Pastor Sọtitobirẹ?"),
     ("1077", "What happened between cute Abiola and the nigerian Navy?"), 10569, ("7", "BBC#4821#17", 1), ("1077", "BBC#566#0", 0)),
]


def _records(dataset):
    queries = [(q.query_id, q.text) for q in dataset.queries_iter()]
    qrels = [(j.query_id, j.doc_id, j.relevance) for j in dataset.qrels_iter()]
    return queries, qrels


@pytest.mark.parametrize("lang,split,n_queries,first_q,last_q,n_qrels,first_j,last_j", CIRAL_CASES)
def test_ciral_topics_and_qrels_from_the_mirror(lang, split, n_queries, first_q, last_q, n_qrels, first_j, last_j):
    ciral.register()
    queries, qrels = _records(ir_datasets.load(f"ciral/{lang}/{split}"))
    assert (len(queries), queries[0], queries[-1]) == (n_queries, first_q, last_q)
    assert (len(qrels), qrels[0], qrels[-1]) == (n_qrels, first_j, last_j)
    assert {r for _, _, r in qrels} == {0, 1}  # binary human judgements


@pytest.mark.parametrize("lang,n_queries,first_q,last_q,n_qrels,first_j,last_j", [
    ("ha", 1500, ("42936975", "G. Muniyasamy"), ("62421503", "Mr. Coconut"), 1876, ("7560351", "25855", 4), ("12415574", "26371", 4)),
    ("so", 1000, ("29765867", "Slice preparation"), ("51612102", "Midnight league"), 1049, ("1632100", "18092", 4),
     ("45376686", "13693", 4)),
    ("sw", 1500, ("18559733", "From the Cradle to the Grave (album)"), ("5016667", "Quebec French syntax"), 1891,
     ("5025976", "104757", 4), ("6036913", "26932", 4)),
    ("yo", 1000, ("39938095", "Elín Metta Jensen"), ("36091975", "Sékou Touré (Ivory Coast)"), 1268, ("625122", "46134", 5),
     ("2227697", "12614", 4)),
])
def test_africlirmatrix_topics_and_qrels_from_the_mirror(lang, n_queries, first_q, last_q, n_qrels, first_j, last_j):
    africlirmatrix.register()
    queries, qrels = _records(ir_datasets.load(f"africlirmatrix/{lang}"))
    assert (len(queries), queries[0], queries[-1]) == (n_queries, first_q, last_q)
    assert (len(qrels), qrels[0], qrels[-1]) == (n_qrels, first_j, last_j)


def test_collections_serve_hausa_but_the_main_board_does_not():
    assert COLLECTIONS["ciral"].pairs == ("en-ha", "en-so", "en-sw", "en-yo") == COLLECTIONS["africlirmatrix"].pairs
    assert COLLECTIONS["ciral"].dataset_id(get_pair("en-sw")) == "ciral/sw/test-a"  # test A is the default split
    assert "en-ha" not in PAIRS and "en-ha" not in COLLECTIONS["ntrex"].pairs
    assert get_pair("en-ha").resource == "low" and not get_pair("en-ha").trained


def test_human_query_translations_match_by_query_id():
    table = ciral.native_translations("ha")
    assert table["In which country did the coronavirus (COVID-19) start in the world?"] == "A wace kasa cutar korona ta fara a duniya?"
    assert table["What is HIV?"] == "Minene HIV?"
    # Swahili test B: id 237 twice in the native file (the first line is kept), English 238 without a line.
    sw = ciral.native_translations("sw")
    assert sw["What deadly virus can you get from having unprotected sex?"].startswith("Ni virusi gani hatari")
    reason = parse_translator("reference:ciral").unavailable_reason(
        get_pair("en-sw"), [q.text for q in ciral.queries("sw", "test-b")])
    assert "1 of 113 are not CIRAL test queries with a native topic" in reason


def test_offline_every_cell_is_skipped_with_one_short_line(tmp_path, monkeypatch, capsys):
    monkeypatch.setenv("IR_DATASETS_HOME", str(tmp_path / "irds"))
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    assert main(["run", "--collection", "ciral", "--pairs", "en-ha", "--methods", "bm25-ht", "--out", str(tmp_path / "out")]) == 0
    out = capsys.readouterr().out
    assert "skip bm25-ht on en-ha: CIRAL corpus needs network once (HF_HUB_OFFLINE set) (why: python -m harness list --why" in out
    sidecar = read_sidecar(tmp_path / "out" / "runs" / "ciral" / "en-ha" / "bm25-ht.json")
    assert sidecar["status"] == "skipped" and sidecar["reason"] == "CIRAL corpus needs network once (HF_HUB_OFFLINE set)"


# --- the corpus path, on fixtures -------------------------------------------------------------------------------

def _ciral_passages(lang: str, split: str) -> list[dict]:
    """Three queries' first relevant passage (its text: the query's human translation), and two others."""
    native = dict(hub_collection.read_topics(ciral.REPO, ciral.topics_path(lang, split, native=True)))
    relevant = {}
    for judged in ciral.qrels(lang, split):
        if judged.relevance == 1 and len(relevant) < 3:
            relevant.setdefault(judged.query_id, judged.doc_id)
    rows = [{"docid": doc, "title": f"Title {i}", "text": native[q], "url": f"https://example.org/{i}"}
            for i, (q, doc) in enumerate(relevant.items())]
    rows += [{"docid": "X#1#0", "title": "", "text": "habari nyingine kabisa", "url": "https://example.org/x1"},
             {"docid": "X#2#0", "title": "", "text": "mvua kubwa ilinyesha jana", "url": "https://example.org/x2"}]
    return rows


def _jsonl(rows) -> bytes:
    return "".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows).encode("utf-8")


def test_ciral_corpus_downloads_once_records_its_sha256_and_reads_title_and_text(fake_hub):
    files, calls = fake_hub
    rows = _ciral_passages("sw", "test-a")
    corpus = ciral.corpus("sw")
    files[corpus.path] = _jsonl(rows)
    topics = load_topics(COLLECTIONS["ciral"], get_pair("en-sw"))
    assert topics.unavailable_reason() is None
    docs = list(topics.docs())
    assert docs[0] == (rows[0]["docid"], f"Title 0\n{rows[0]['text']}") and docs[-1] == ("X#2#0", "\nmvua kubwa ilinyesha jana")
    assert topics.docs_count() == 5
    record = topics.corpus_record()
    assert record["sha256"] == hashlib.sha256(files[corpus.path]).hexdigest() == corpus.record.read_text().strip()
    assert record["file"] == f"https://huggingface.co/datasets/CIRAL/ciral-corpus/resolve/{ciral.CORPUS_REVISION}/{corpus.path}"
    list(topics.docs())
    assert calls == [("CIRAL/ciral-corpus", corpus.path, "dataset", ciral.CORPUS_REVISION)]  # downloaded once


def test_a_corpus_copy_that_changed_is_refused(fake_hub):
    files, _ = fake_hub
    corpus = africlirmatrix.corpus("yo")
    files[corpus.path] = _jsonl([{"id": "1", "contents": "Ọ̀rọ̀ kan"}, {"id": "2", "contents": "Ọ̀rọ̀ meji"}])
    assert [d.text for d in hub_collection.read_corpus(corpus, africlirmatrix.document)] == ["Ọ̀rọ̀ kan", "Ọ̀rọ̀ meji"]
    corpus.local.write_bytes(b'{"id": "1", "contents": "edited"}\n')
    with pytest.raises(HarnessError, match="differs from .*recorded when it was downloaded"):
        list(hub_collection.read_corpus(corpus, africlirmatrix.document))


@pytest.mark.parametrize("line,message", [
    (b'{"docid": "a", "title": "t"}\n', r":2: expected string fields docid, title and text"),
    (b'not json\n', r":2: not a JSON object"),
    (b'\xff\xfe\n', r":2: not valid UTF-8"),
])
def test_a_malformed_corpus_line_names_file_and_line(fake_hub, line, message):
    files, _ = fake_hub
    corpus = ciral.corpus("ha")
    files[corpus.path] = _jsonl([{"docid": "ok", "title": "", "text": "x", "url": ""}]) + line
    with pytest.raises(HarnessError, match=message):
        list(hub_collection.read_corpus(corpus, ciral.passage))


def test_bm25_ht_runs_on_the_fixture_and_its_sidecar_records_the_corpus(fake_hub, tmp_path):
    files, _ = fake_hub
    rows = _ciral_passages("sw", "test-a")
    files[ciral.corpus("sw").path] = _jsonl(rows)
    out = tmp_path / "out"
    assert main(["run", "--collection", "ciral", "--pairs", "en-sw", "--methods", "bm25-ht", "--out", str(out)]) == 0
    sidecar = read_sidecar(out / "runs" / "ciral" / "en-sw" / "bm25-ht.json")
    assert sidecar["status"] == "ok" and sidecar["used"]["translator"]["spec"] == "reference:ciral"
    assert sidecar["corpus"]["sha256"] == hashlib.sha256(files[ciral.corpus("sw").path]).hexdigest()
    run = (out / "runs" / "ciral" / "en-sw" / "bm25-ht.run").read_text().splitlines()
    first = {}
    for line in run:
        query, _, doc, rank, *_ = line.split()
        first.setdefault(query, doc)
    native = dict(hub_collection.read_topics(ciral.REPO, ciral.topics_path("sw", "test-a", native=True)))
    by_text = {native[q]: q for q in native}
    for row in rows[:3]:  # each query's human translation is its relevant passage's text: ranked first
        assert first[by_text[row["text"]]] == row["docid"]


def test_hub_corpus_path_and_url():
    corpus = HubCorpus("CIRAL corpus", "CIRAL/ciral-corpus", "abc", "passages-v1.0/yoruba_passages.jsonl")
    assert corpus.url == "https://huggingface.co/datasets/CIRAL/ciral-corpus/resolve/abc/passages-v1.0/yoruba_passages.jsonl"
    assert corpus.local.parts[-5:] == ("CIRAL", "ciral-corpus", "abc", "passages-v1.0", "yoruba_passages.jsonl")
