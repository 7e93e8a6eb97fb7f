"""cache-embeddings-corrupt: a damaged embedding cache is repaired with one line, never read as numbers."""

import sqlite3

import numpy as np

from harness.encoding.recipe import E5
from harness.encoding.encoder import Encoder
from harness.models import load_model

TEXTS = ["habari za leo", "mvua kubwa imenyesha leo kutoka nairobi", "leo", "die häuser sind alt"]


def encoder(tiny_bert, fingerprint):
    model, tokenizer, _ = load_model(str(tiny_bert))
    return Encoder(model, tokenizer, E5, fingerprint, batch_size=2, use_cache=True)


def test_flipped_bytes_in_a_vector_are_caught_and_re_encoded(tiny_bert, capsys):
    enc = encoder(tiny_bert, "integrity-flip")
    expected = enc.encode(TEXTS, "passage")  # a cold cache: computed by the model
    path = enc.cache.path
    rows = sqlite3.connect(path).execute("SELECT key, vector FROM vectors").fetchall()
    _, blob = rows[1]
    data = bytearray(path.read_bytes())
    offset = data.find(blob) + 8
    data[offset : offset + 16] = bytes((b ^ 0x5A) for b in data[offset : offset + 16])
    path.write_bytes(bytes(data))
    capsys.readouterr()
    again = encoder(tiny_bert, "integrity-flip").encode(TEXTS, "passage")
    out = capsys.readouterr().out
    assert np.allclose(again, expected, atol=1e-5)  # re-encoded in another batch: float noise only
    assert out.count("failed their checksum") == 1 and out.count("\n") == 1


def test_truncated_cache_file_is_set_aside_and_rebuilt(tiny_bert, capsys):
    enc = encoder(tiny_bert, "integrity-truncate")
    expected = enc.encode(TEXTS, "passage")
    path = enc.cache.path
    data = path.read_bytes()
    path.write_bytes(data[: len(data) // 2])
    capsys.readouterr()
    again = encoder(tiny_bert, "integrity-truncate").encode(TEXTS, "passage")
    assert np.allclose(again, expected, atol=1e-5)  # re-encoded in another batch: float noise only
    assert capsys.readouterr().out.count("\n") >= 1
