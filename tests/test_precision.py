"""Encoding and training precision: each precision's vectors against fp32 on a tiny model, the
precision recorded in the sidecar and the board, refusals, and the teacher passes kept once.

Tolerances (tiny random 2-layer BERT, hidden 32, L2-normalised vectors): bf16 weights keep
8 bits of mantissa, so per-text cosine to fp32 >= 0.998; int8 dynamic quantisation (per-token
activations, per-channel weights) >= 0.99.  The real model's figures are in BENCHMARKS.md.
"""

import json

import numpy as np
import pytest
import torch
from safetensors.torch import load_file

from harness.encoding import precision
from harness.cli.main import main
from harness.encoding.recipe import E5
from harness.encoding.encoder import Encoder
from harness.errors import UsageError
from harness.models import load_model
from harness.registry import METHODS
from methods import passes, training
from methods.training import TrainingPlan, train_student
from methods.kd import kd_objective

TEXTS = ["habari za leo", "mvua kubwa imenyesha leo kutoka nairobi na mombasa", "leo", "die häuser sind alt und schön"] * 3
BITEXT = [(f"news number {i} from nairobi today", f"habari namba {i} kutoka nairobi leo") for i in range(40)]
needs_bf16 = pytest.mark.skipif(not precision.cpu_has_bf16(), reason="this CPU has no native bf16 kernels")


def encoder(tiny_bert, which):
    model, tokenizer, _ = load_model(str(tiny_bert))
    return Encoder(model, tokenizer, E5, "tiny", batch_size=4, use_cache=False, precision=which)


@pytest.mark.parametrize("which,least_cosine", [
    pytest.param("bf16", 0.998, marks=needs_bf16),
    ("int8", 0.99),
])
def test_each_precision_agrees_with_fp32_within_its_tolerance(tiny_bert, which, least_cosine):
    reference = encoder(tiny_bert, "fp32").encode(TEXTS, "passage")
    vectors = encoder(tiny_bert, which).encode(TEXTS, "passage")
    assert vectors.dtype == np.float32 and vectors.shape == reference.shape
    cosines = np.sum(vectors * reference, axis=1)  # both L2-normalised
    assert cosines.min() >= least_cosine
    assert not np.array_equal(vectors, reference)  # the precision really changed the arithmetic


def test_int8_quantises_every_linear_layer(tiny_bert):
    from torchao.utils import TorchAOBaseTensor

    quantised = encoder(tiny_bert, "int8").model
    linears = [m for m in quantised.modules() if isinstance(m, torch.nn.Linear)]
    assert len(linears) >= 12 and all(isinstance(m.weight, TorchAOBaseTensor) for m in linears)  # 6 a layer, 2 layers


def test_precisions_do_not_share_cached_vectors_and_fp32_keeps_its_key(tiny_bert):
    prints = {which: encoder(tiny_bert, which).fingerprint for which in ("fp32", "int8")}
    assert prints["fp32"] != prints["int8"]
    # The label fp32 vectors were cached under before precisions were an option (torch's dtype name).
    assert "|torch.float32|" in prints["fp32"]


def test_refusals_name_the_fix(monkeypatch):
    with pytest.raises(UsageError, match="CPU path"):
        precision.resolve("int8", "cuda", training=False, profile_default="fp32")
    with pytest.raises(UsageError, match="one of fp32, bf16"):
        precision.resolve("int8", "cpu", training=True, profile_default="fp32")
    monkeypatch.setattr(precision, "cpu_has_bf16", lambda: False)
    with pytest.raises(UsageError, match="train_precision=fp32"):
        precision.resolve("bf16", "cpu", training=True, profile_default="fp32")
    assert precision.resolve(None, "cpu", training=False, profile_default="fp32") == "fp32"
    assert precision.resolve(None, "cuda", training=False, profile_default="fp32") == "bf16"
    # A profile's CPU default is a preference list: the first this CPU runs natively.
    assert precision.resolve(None, "cpu", training=False, profile_default=("bf16", "fp32")) == "fp32"
    monkeypatch.setattr(precision, "cpu_has_bf16", lambda: True)
    assert precision.resolve(None, "cpu", training=False, profile_default=("bf16", "fp32")) == "bf16"
    assert precision.resolve(None, "cpu", training=True, profile_default=("int8", "fp32")) == "fp32"  # int8 never trains


def test_bad_precision_is_refused_before_any_work(tmp_path, capsys):
    assert main(["run", "--methods", "mdpr", "--pairs", "en-sw", "--out", str(tmp_path), "--set", "mdpr.precision=fp8"]) == 2
    assert "precision" in capsys.readouterr().err and not (tmp_path / "runs").exists()


def test_a_precision_this_cpu_cannot_run_is_refused_before_any_work(tmp_path, capsys, monkeypatch):
    monkeypatch.setattr(precision, "cpu_has_bf16", lambda: False)
    argv = ["run", "--methods", "bm25-ht,mdpr", "--pairs", "en-sw", "--out", str(tmp_path), "--set", "mdpr.precision=bf16"]
    assert main(argv) == 2
    assert "mdpr.precision" in capsys.readouterr().err and not (tmp_path / "runs").exists()


def test_the_run_records_its_precision_and_the_board_shows_it(tiny_bert, tmp_path):
    argv = ["run", "--methods", "mdpr", "--pairs", "en-sw", "--out", str(tmp_path), "--set", f"mdpr.model={tiny_bert}"]
    assert main(argv + ["--set", "mdpr.precision=int8"]) == 0
    sidecar = json.loads((tmp_path / "runs" / "ntrex" / "en-sw" / "mdpr.json").read_text())
    assert sidecar["used"]["model"]["precision"] == "int8" and sidecar["resolved"] == {"precision": "int8", "runtime": "torch"}
    assert "(local), int8" in (tmp_path / "leaderboard.md").read_text()
    # Another precision is another run, never the saved one reused.
    assert main(argv + ["--set", "mdpr.precision=fp32"]) == 0
    again = json.loads((tmp_path / "runs" / "ntrex" / "en-sw" / "mdpr.json").read_text())
    assert again["used"]["model"]["precision"] == "fp32" and again["date"] >= sidecar["date"]
    assert "(local), fp32" in (tmp_path / "leaderboard.md").read_text()


def plan(**changes):
    params = dict(METHODS["kd"].defaults) | {"steps": 4, "train_batch_size": 4, "checkpoint_every": 2, "seed": 3} | changes
    return TrainingPlan.from_params(params)


@needs_bf16
def test_bf16_training_is_recorded_and_trains_another_student(tiny_bert, tmp_path, monkeypatch):
    monkeypatch.setenv("HARNESS_CACHE", str(tmp_path))
    fp32 = train_student("kd", kd_objective, {}, str(tiny_bert), str(tiny_bert), BITEXT, plan(train_precision="fp32"), {})
    bf16 = train_student("kd", kd_objective, {}, str(tiny_bert), str(tiny_bert), BITEXT, plan(train_precision="bf16"), {})
    assert plan(train_precision="bf16").precision == "bf16" and plan(train_precision="fp32").precision == "fp32"
    assert fp32.folder != bf16.folder and fp32.losses != bf16.losses
    assert all(np.isfinite(bf16.losses))
    saved = load_file(str(bf16.folder / "model.safetensors"))
    assert all(t.dtype == torch.float32 for t in saved.values())  # fp32 master weights


def test_teacher_passes_run_once_and_change_nothing(tiny_bert, tmp_path, monkeypatch):
    calls = []
    real = passes.encode_batch

    def counting(model, *args):
        calls.append(model.training)  # the teacher is in eval mode
        return real(model, *args)

    monkeypatch.setattr(passes, "encode_batch", counting)  # the teacher's passes (the student's are training's)
    monkeypatch.setattr(training, "TEACHER_PASSES", passes.TeacherPasses())
    monkeypatch.setenv("HARNESS_CACHE", str(tmp_path / "a"))
    on_torch = {"teacher_runtime": "torch"}
    first = train_student("kd", kd_objective, {}, str(tiny_bert), str(tiny_bert), BITEXT, plan(**on_torch), {})
    assert calls.count(False) == 4  # one teacher pass per step
    monkeypatch.setenv("HARNESS_CACHE", str(tmp_path / "b"))  # train again from scratch: the teacher is not run
    again = train_student("kd", kd_objective, {}, str(tiny_bert), str(tiny_bert), BITEXT, plan(**on_torch), {})
    assert calls.count(False) == 4 and training.TEACHER_PASSES.hits == 4
    assert first.losses == again.losses
    a, b = load_file(str(first.folder / "model.safetensors")), load_file(str(again.folder / "model.safetensors"))
    assert all(torch.equal(a[k], b[k]) for k in a)
    # Another seed is other batches: the teacher runs again.
    train_student("kd", kd_objective, {}, str(tiny_bert), str(tiny_bert), BITEXT, plan(seed=4, **on_torch), {})
    assert calls.count(False) == 8
