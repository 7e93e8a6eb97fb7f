"""The shared encoder: pooling, normalisation, prefixes, length-sorted batches, the embedding cache."""

import numpy as np
import pytest
import torch

from harness.encoding.recipe import DPR, E5, Recipe, pool
from harness.encoding.encoder import Encoder
from harness.encoding.embedding_cache import EmbeddingCache
from harness.models import load_model

TEXTS = ["habari za leo", "mvua kubwa imenyesha leo kutoka nairobi na mombasa", "leo", "die häuser sind alt und schön"]


def test_mean_pooling_ignores_padding_and_cls_takes_first():
    hidden = torch.tensor([[[1.0, 0.0], [3.0, 0.0], [100.0, 100.0]]])
    mask = torch.tensor([[1, 1, 0]])
    assert torch.allclose(pool(hidden, mask, Recipe("mean", False)), torch.tensor([[2.0, 0.0]]))
    assert torch.allclose(pool(hidden, mask, Recipe("mean", True)), torch.tensor([[1.0, 0.0]]))
    assert torch.allclose(pool(hidden, mask, DPR), torch.tensor([[1.0, 0.0]]))


def reference_vectors(folder, texts, recipe, kind):
    """One text at a time, no batching, no cache: what the encoder must reproduce."""
    model, tokenizer, _ = load_model(str(folder))
    model.eval()
    out = []
    with torch.no_grad():
        for text in texts:
            batch = tokenizer(recipe.prefix(kind) + text, return_tensors="pt")
            out.append(pool(model(**batch).last_hidden_state, batch["attention_mask"], recipe)[0].numpy())
    return np.stack(out)


@pytest.mark.parametrize("recipe", [E5, DPR])
def test_batched_sorted_encoding_equals_one_at_a_time(tiny_bert, recipe):
    model, tokenizer, resolved = load_model(str(tiny_bert))
    encoder = Encoder(model, tokenizer, recipe, f"test-{recipe.pooling}", batch_size=2, use_cache=False)
    vectors = encoder.encode(TEXTS, "query")
    assert vectors.shape == (4, 32) and vectors.dtype == np.float32
    assert np.allclose(vectors, reference_vectors(tiny_bert, TEXTS, recipe, "query"), atol=1e-5)
    if recipe.normalize:
        assert np.allclose(np.linalg.norm(vectors, axis=1), 1.0, atol=1e-5)


def test_query_and_passage_prefixes_differ(tiny_bert):
    encoder = Encoder.load(str(tiny_bert), use_cache=False)
    encoder.recipe = E5
    assert not np.allclose(encoder.encode(["leo"], "query"), encoder.encode(["leo"], "passage"))


def test_cache_returns_the_same_vectors_without_encoding(tiny_bert, monkeypatch):
    encoder = Encoder.load(str(tiny_bert))
    first = encoder.encode(TEXTS, "passage")
    again_encoder = Encoder.load(str(tiny_bert))
    assert again_encoder.fingerprint == encoder.fingerprint

    def refuse(*args):
        raise AssertionError("cached texts must not be encoded again")

    monkeypatch.setattr(again_encoder, "_encode_uncached", refuse)
    assert np.array_equal(again_encoder.encode(list(reversed(TEXTS)), "passage"), first[::-1])
    assert EmbeddingCache.key("query", "x") != EmbeddingCache.key("passage", "x")


def test_cache_keys_of_whole_texts_are_unchanged_and_tags_make_new_ones():
    import hashlib

    # Vectors cached before tags existed stay valid: an untagged key is sha256("kind\0text").
    assert EmbeddingCache.key("passage", "x") == hashlib.sha256(b"passage\0x").hexdigest()
    assert EmbeddingCache.key("passage", "x", "maxp:window=5:stride=2") not in (
        EmbeddingCache.key("passage", "x"), EmbeddingCache.key("passage", "x", "maxp:window=5:stride=3"))


def test_length_report_counts_prefix_and_special_tokens(tiny_bert):
    model, tokenizer, _ = load_model(str(tiny_bert))
    encoder = Encoder(model, tokenizer, Recipe("mean", True, "query: ", "passage: ", max_length=8), "test-len", use_cache=False)
    lengths = [len(tokenizer("passage: " + t)["input_ids"]) for t in TEXTS]  # [CLS] passage : ... [SEP]
    report = encoder.length_report(TEXTS, "passage")
    assert (report.max_length, report.texts, report.over, report.longest) == (8, 4, sum(n > 8 for n in lengths), max(lengths))
    assert 0 < report.over < 4
    assert encoder.describe()["max_length"] == 8


def test_other_weights_other_fingerprint(tiny_bert, tmp_path):
    from conftest import build_tiny_bert

    other = build_tiny_bert(tmp_path / "other", seed=1)
    assert Encoder.load(str(other), use_cache=False).fingerprint != Encoder.load(str(tiny_bert), use_cache=False).fingerprint
