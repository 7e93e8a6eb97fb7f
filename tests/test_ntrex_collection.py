"""Integration: the built-in collection through ir_datasets, pinned like ir_datasets' own tests."""

import ir_datasets
import pytest

import harness.data.ntrex as ntrex
from harness.data.pairs import PAIRS


@pytest.fixture(scope="module")
def swahili():
    ntrex.register()
    return ir_datasets.load("harness/ntrex/sw")


def test_swahili_counts_and_languages(swahili):
    assert swahili.docs_count() == 669
    assert len(list(swahili.docs_iter())) == 669
    assert len(list(swahili.queries_iter())) == 123
    assert len(list(swahili.qrels_iter())) == 669
    assert swahili.docs_lang() == "sw"
    assert swahili.queries_lang() == "en"


def test_swahili_first_and_last_records(swahili):
    docs = list(swahili.docs_iter())
    assert docs[0].doc_id == "bbc.381790-0"
    assert docs[0].text.startswith("Kuna wasiwasi miongoni mwa baadhi ya wajumbe baada ya pendekezo")
    assert docs[0].text.endswith("wana wasiwasi kuwa hatua hiyo itasababisha kejeli.")
    assert docs[-1].doc_id == "cnn.304400-2"
    assert docs[-1].text.startswith("Mwasho wakati wa kupumua unaendelea kuripotiwa katika kaunti za Pinellas")
    queries = list(swahili.queries_iter())
    assert queries[0] == ("bbc.381790", "Welsh AMs worried about 'looking like muppets'")
    assert queries[-1] == ("cnn.304400", "Red Tide Update: Concentrations decrease in Pinellas, Manatee and Sarasota")
    qrels = list(swahili.qrels_iter())
    assert tuple(qrels[0])[:3] == ("bbc.381790", "bbc.381790-0", 2)
    assert tuple(qrels[-1])[:3] == ("cnn.304400", "cnn.304400-2", 1)


def test_no_carriage_returns_and_docstore(swahili):
    assert not any("\r" in d.text for d in swahili.docs_iter())
    store = swahili.docs_store()
    assert store.get("bbc.381790-1").text.startswith("Mjumbe mmoja wa Leba")
    assert set(store.get_many(["bbc.381790-0", "nope"])) == {"bbc.381790-0"}


def test_judgements_follow_document_identity(swahili):
    qrels = list(swahili.qrels_iter())
    for qrel in qrels:
        document, k = qrel.doc_id.rsplit("-", 1)
        assert document == qrel.query_id
        assert qrel.relevance == (2 if k == "0" else 1)
    assert sum(q.relevance == 2 for q in qrels) == 123


def test_passages_are_three_consecutive_body_lines():
    document = ntrex.documents("swa")[0]
    passages = ntrex.passages(document)
    assert passages[0].text == " ".join(document.body[:3])
    assert len(passages) == -(-len(document.body) // 3)


@pytest.mark.parametrize("pair", list(PAIRS))
def test_every_pair_has_the_same_structure(pair):
    ntrex.register()
    dataset = ir_datasets.load(ntrex.dataset_id(PAIRS[pair].lang))
    assert dataset.docs_count() == 669
    swahili = ir_datasets.load("harness/ntrex/sw")
    assert [d.doc_id for d in dataset.docs_iter()] == [d.doc_id for d in swahili.docs_iter()]
    assert list(dataset.queries_iter()) == list(swahili.queries_iter())  # English headlines, whatever the pair
    assert dataset.docs_lang() == PAIRS[pair].lang


def test_importing_harness_registers_the_collection_in_a_fresh_process():
    import os
    import subprocess
    import sys

    code = "import harness, ir_datasets; print(ir_datasets.load('harness/ntrex/fi').docs_count())"
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=os.environ, cwd=os.getcwd())
    assert done.stdout.strip() == "669", done.stderr
