"""The shared distillation loop on tiny random encoders: KD, CAL and OPTICAL end to end,
same seed -> same checkpoint and run file, resume after an interruption."""

import json

import pytest
import torch
from safetensors.torch import load_file

from harness.cli.main import main
from harness.registry import METHODS
from methods.training import TrainingPlan, train_student
from methods.kd import kd_objective

BITEXT = [(f"news number {i} from nairobi today", f"habari namba {i} kutoka nairobi leo") for i in range(40)]


def plan(**changes):
    params = dict(METHODS["kd"].defaults) | {"steps": 6, "train_batch_size": 4, "checkpoint_every": 2, "seed": 3} | changes
    return TrainingPlan.from_params(params)


def tiny_settings(method, tiny_bert, steps=4):
    return ["--set", f"{method}.teacher={tiny_bert}", "--set", f"{method}.student={tiny_bert}",
            "--set", f"{method}.steps={steps}", "--set", f"{method}.train_batch_size=4", "--set", f"{method}.max_length=24"]


def test_three_methods_train_once_and_retrieve_for_every_pair(tiny_bert, tmp_path):
    argv = ["run", "--methods", "kd,cal,optical", "--pairs", "en-sw,en-yo", "--out", str(tmp_path)]
    for method in ("kd", "cal", "optical"):
        argv += tiny_settings(method, tiny_bert)
    assert main(argv) == 0
    for method in ("kd", "cal", "optical"):
        folder = tmp_path / "runs" / "ntrex" / "en-sw"
        sidecar = json.loads((folder / f"{method}.json").read_text())
        assert sidecar["status"] == "ok", sidecar.get("reason")
        training = sidecar["used"]["training"]
        assert training["steps"] == 4 and training["bitext_pairs"] > 20000 and training["languages"] == "all"
        assert (folder / f"{method}.loss.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
        assert len((folder / f"{method}.loss.tsv").read_text().splitlines()) == 5
        yo = json.loads((tmp_path / "runs" / "ntrex" / "en-yo" / f"{method}.json").read_text())
        assert yo["used"]["student"] == sidecar["used"]["student"]  # one student for all pairs


def weights(folder):
    return load_file(str(folder / "model.safetensors"))


def test_same_seed_same_student_and_another_seed_differs(tiny_bert, monkeypatch, tmp_path):
    first = train_student("kd", kd_objective, {}, str(tiny_bert), str(tiny_bert), BITEXT, plan(), {})
    monkeypatch.setenv("HARNESS_CACHE", str(tmp_path))  # a fresh cache: train again from scratch
    second = train_student("kd", kd_objective, {}, str(tiny_bert), str(tiny_bert), BITEXT, plan(), {})
    assert first.folder != second.folder and first.losses == second.losses
    a, b = weights(first.folder), weights(second.folder)
    assert all(torch.equal(a[k], b[k]) for k in a)
    other = train_student("kd", kd_objective, {}, str(tiny_bert), str(tiny_bert), BITEXT, plan(seed=4), {})
    assert other.losses != first.losses


def test_same_seed_same_run_file(tiny_bert, tmp_path):
    outputs = []
    for attempt in ("a", "b"):
        out = tmp_path / attempt
        argv = ["run", "--methods", "optical", "--pairs", "en-so", "--out", str(out), *tiny_settings("optical", tiny_bert, steps=3)]
        assert main(argv + ["--force"]) == 0
        outputs.append((out / "runs" / "ntrex" / "en-so" / "optical.run").read_text())
    assert outputs[0] == outputs[1]


def test_interrupted_training_resumes_to_the_same_student(tiny_bert, monkeypatch, tmp_path):
    reference = train_student("kd", kd_objective, {}, str(tiny_bert), str(tiny_bert), BITEXT, plan(), {})
    monkeypatch.setenv("HARNESS_CACHE", str(tmp_path))
    calls = {"n": 0}

    def crashes_at_step_5(*args):
        calls["n"] += 1
        if calls["n"] == 5:
            raise KeyboardInterrupt
        return kd_objective(*args)

    crashes_at_step_5.uses_student_english = True
    with pytest.raises(KeyboardInterrupt):
        train_student("kd", crashes_at_step_5, {}, str(tiny_bert), str(tiny_bert), BITEXT, plan(), {})
    checkpoints = list(tmp_path.rglob("checkpoint/state.json"))  # JSON and safetensors: nothing to unpickle
    assert len(checkpoints) == 1 and json.loads(checkpoints[0].read_text())["step"] == 4
    resumed = train_student("kd", kd_objective, {}, str(tiny_bert), str(tiny_bert), BITEXT, plan(), {})
    assert resumed.losses == reference.losses
    a, b = weights(reference.folder), weights(resumed.folder)
    assert all(torch.allclose(a[k], b[k], atol=1e-6) for k in a)
    assert not checkpoints[0].exists()


def test_training_threads_are_used_and_recorded(tiny_bert, tmp_path, monkeypatch):
    from methods import training
    from harness.errors import UsageError

    monkeypatch.setenv("HARNESS_CACHE", str(tmp_path))
    monkeypatch.setenv("HARNESS_TRAIN_THREADS", "1")
    seen, real = [], training._steps
    monkeypatch.setattr(training, "_steps", lambda *a: seen.append(torch.get_num_threads()) or real(*a))
    before = torch.get_num_threads()
    student = train_student("kd", kd_objective, {}, str(tiny_bert), str(tiny_bert), BITEXT, plan(), {})
    assert seen == [1] and student.cpu_threads == 1 and torch.get_num_threads() == before
    assert json.loads((student.folder.parent / "training.json").read_text())["cpu_threads"] == 1
    again = train_student("kd", kd_objective, {}, str(tiny_bert), str(tiny_bert), BITEXT, plan(), {})
    assert seen == [1] and again.cpu_threads == 1  # reused from the cache, with what it was trained with
    monkeypatch.setenv("HARNESS_TRAIN_THREADS", "0")
    with pytest.raises(UsageError, match="HARNESS_TRAIN_THREADS='0'"):
        training.training_threads()
