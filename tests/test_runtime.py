"""The OpenVINO encoding runtime against torch on a tiny model, its refusals, and what a run records.

Tolerances (tiny random 2-layer BERT, hidden 32, L2-normalised vectors): OpenVINO at fp32 runs
other kernels and fusions than torch, so per-text cosine to torch fp32 >= 0.99999 (float32
rounding only); at bf16 >= 0.998, the bound test_precision.py sets for torch's bf16.
"""

import builtins
import json

import numpy as np
import pytest

from harness.encoding import precision
from harness.encoding import runtime
from harness.cli.main import main
from harness.encoding.recipe import E5
from harness.encoding.encoder import Encoder
from harness.errors import UsageError
from harness.models import load_model

TEXTS = ["habari za leo", "mvua kubwa imenyesha leo kutoka nairobi na mombasa", "leo", "die häuser sind alt und schön"] * 3
needs_bf16 = pytest.mark.skipif(not precision.cpu_has_bf16(), reason="this CPU has no native bf16 kernels")


def encoder(tiny_bert, which, on):
    model, tokenizer, _ = load_model(str(tiny_bert))
    return Encoder(model, tokenizer, E5, "tiny", batch_size=4, use_cache=False, precision=which, runtime=on)


@pytest.mark.parametrize("which,least_cosine", [("fp32", 0.99999), pytest.param("bf16", 0.998, marks=needs_bf16)])
def test_openvino_agrees_with_torch_fp32_within_its_tolerance(tiny_bert, which, least_cosine):
    reference = encoder(tiny_bert, "fp32", "torch").encode(TEXTS, "passage")
    on_openvino = encoder(tiny_bert, which, "openvino")
    vectors = on_openvino.encode(TEXTS, "passage")
    assert vectors.dtype == np.float32 and vectors.shape == reference.shape
    cosines = np.sum(vectors * reference, axis=1)
    assert cosines.min() >= least_cosine
    assert np.allclose(np.linalg.norm(vectors, axis=1), 1, atol=1e-5)  # e5's normalisation is in the graph
    assert np.array_equal(on_openvino.encode(TEXTS, "passage"), vectors)  # the same batches give the same bytes
    assert on_openvino.model is None  # the torch copy is dropped once OpenVINO holds the weights


def test_cls_pooling_runs_in_the_graph_too(tiny_bert):
    from harness.encoding.recipe import Recipe

    cls = Recipe(pooling="cls", normalize=False, query_prefix="", passage_prefix="")
    vectors = {}
    for on in ("torch", "openvino"):
        model, tokenizer, _ = load_model(str(tiny_bert))
        vectors[on] = Encoder(model, tokenizer, cls, "tiny", batch_size=4, use_cache=False, precision="fp32",
                              runtime=on).encode(TEXTS, "passage")
    assert np.allclose(vectors["openvino"], vectors["torch"], atol=1e-4)
    assert not np.allclose(np.linalg.norm(vectors["torch"], axis=1), 1)  # unnormalised: the recipe was honoured


def test_runtimes_do_not_share_cached_vectors_and_torch_keeps_its_key(tiny_bert):
    torch_print = encoder(tiny_bert, "fp32", "torch").fingerprint
    openvino_print = encoder(tiny_bert, "fp32", "openvino").fingerprint
    assert torch_print != openvino_print and torch_print.endswith("|torch.float32|128")  # max_length 128


def test_refusals_name_the_fix(monkeypatch):
    with pytest.raises(UsageError, match="CPU path"):
        runtime.resolve("openvino", "cuda", "bf16", "openvino")
    with pytest.raises(UsageError, match="runtime=torch for int8"):
        runtime.resolve("openvino", "cpu", "int8", "openvino")
    with pytest.raises(UsageError, match="one of torch, openvino"):
        runtime.resolve("onnx", "cpu", "fp32", "torch")
    # Defaults: the profile's on CPU at fp32/bf16; torch on GPU and for torchao's int8.
    assert runtime.resolve(None, "cpu", "bf16", "openvino") == "openvino"
    assert runtime.resolve(None, "cpu", "int8", "openvino") == "torch"
    assert runtime.resolve(None, "cuda", "bf16", "openvino") == "torch"
    assert runtime.resolve(None, "cpu", "bf16", "torch") == "torch"
    real_import = builtins.__import__
    monkeypatch.setattr(builtins, "__import__", lambda name, *a, **k: (_ for _ in ()).throw(ImportError("no openvino"))
                        if name == "openvino" else real_import(name, *a, **k))
    with pytest.raises(UsageError, match=r"pip install -e \. or --set <method>\.runtime=torch"):
        runtime.resolve(None, "cpu", "fp32", "openvino")


def test_a_runtime_that_cannot_run_is_refused_before_any_work(tmp_path, capsys):
    argv = ["run", "--methods", "bm25-ht,mdpr", "--pairs", "en-sw", "--out", str(tmp_path),
            "--set", "mdpr.runtime=openvino", "--set", "mdpr.precision=int8"]
    assert main(argv) == 2
    err = capsys.readouterr().err
    assert "mdpr.runtime" in err and len(err.strip().splitlines()) == 1 and not (tmp_path / "runs").exists()


def test_the_run_records_its_runtime_and_the_board_shows_it(tiny_bert, tmp_path):
    from importlib.metadata import version

    argv = ["run", "--methods", "mdpr", "--pairs", "en-sw", "--out", str(tmp_path), "--set", f"mdpr.model={tiny_bert}",
            "--set", "mdpr.precision=fp32"]
    assert main(argv) == 0  # the small profile's CPU default: OpenVINO
    sidecar = json.loads((tmp_path / "runs" / "ntrex" / "en-sw" / "mdpr.json").read_text())
    assert sidecar["resolved"] == {"precision": "fp32", "runtime": "openvino"}
    assert sidecar["used"]["model"]["runtime"] == f"openvino {version('openvino')}"
    assert f"(local), fp32 on openvino {version('openvino')}" in (tmp_path / "leaderboard.md").read_text()
    # Another runtime is another run, never the saved one reused.
    assert main(argv + ["--set", "mdpr.runtime=torch"]) == 0
    again = json.loads((tmp_path / "runs" / "ntrex" / "en-sw" / "mdpr.json").read_text())
    assert again["resolved"] == {"precision": "fp32", "runtime": "torch"} and again["used"]["model"]["runtime"] == "torch"
    assert "(local), fp32 on" not in (tmp_path / "leaderboard.md").read_text()
