"""Case checkpoint-pickle: nothing the harness reads back from its cache is ever unpickled.

A planted training checkpoint whose unpickling would create a marker file must run no code: the
run says so in one line and trains from step 0 (the same student as an uninterrupted training).
The expectation "no marker file" needs nothing from the code under test.  The last test reads the
product's source: no loader that can unpickle (torch.load, pickle, joblib, yaml.load, np.load
without allow_pickle=False, pandas' read_pickle) may come back.
"""

from __future__ import annotations

import ast
import hashlib
import json
import os
import pickle
from pathlib import Path

import pytest
import torch

from harness.cache import integrity as cache_integrity
from harness.cli.main import main
from tests.damage import lines
from tests.test_distillation import BITEXT, plan, tiny_settings

REPO = Path(__file__).resolve().parent.parent


class Payload:
    """Unpickling it creates ``marker`` (what an attacker's code would do)."""

    def __init__(self, marker: Path):
        self.marker = str(marker)

    def __reduce__(self):
        return (Path.touch, (Path(self.marker),))


def train(tiny_bert, objective=None):
    from methods.kd import kd_objective
    from methods.training import train_student

    return train_student("kd", objective or kd_objective, {}, str(tiny_bert), str(tiny_bert), BITEXT, plan(), {})


def interrupted(tiny_bert) -> Path:
    """Train until a checkpoint is written, then stop; returns the student's cache folder."""
    from methods.kd import kd_objective

    calls = {"n": 0}

    def crashes_at_step_5(*args):
        calls["n"] += 1
        if calls["n"] == 5:
            raise KeyboardInterrupt
        return kd_objective(*args)

    crashes_at_step_5.uses_student_english = getattr(kd_objective, "uses_student_english", False)
    with pytest.raises(KeyboardInterrupt):
        train(tiny_bert, crashes_at_step_5)
    (state,) = Path(os.environ["HARNESS_CACHE"]).rglob("checkpoint/state.json")
    return state.parent.parent


def test_planted_pickle_checkpoint_runs_no_code_and_training_restarts(tiny_bert, tmp_path, monkeypatch, capsys):
    monkeypatch.setenv("HARNESS_CACHE", str(tmp_path / "reference"))
    reference = train(tiny_bert)
    monkeypatch.setenv("HARNESS_CACHE", str(tmp_path / "cache"))
    student = interrupted(tiny_bert)
    cache_integrity.remove(student / "checkpoint")  # only the planted file remains, as in the case
    marker = tmp_path / "PWNED"
    legacy = student / "checkpoint.pt"
    torch.save({"step": 4, "note": Payload(marker)}, legacy)  # what torch.load(weights_only=False) would run
    legacy.with_name("checkpoint.pt.sha256").write_text(hashlib.sha256(legacy.read_bytes()).hexdigest() + "\n")
    torch.load(legacy, weights_only=False)  # the payload is live: loading it the old way runs it
    assert marker.exists()
    marker.unlink()
    capsys.readouterr()
    resumed = train(tiny_bert)
    out = capsys.readouterr().out
    assert not marker.exists(), "code from the planted checkpoint ran"
    assert len(lines(out, f"training checkpoint {legacy} is a pickle")) == 1 and "training from step 0" in out
    assert resumed.losses == reference.losses  # trained from step 0: the uninterrupted student's losses
    assert not legacy.exists() and legacy.with_name("checkpoint.pt.refused").exists()  # set aside, not deleted


@pytest.mark.parametrize("plant", ["pickle-as-safetensors", "pickle-as-json", "step-out-of-range", "foreign-weights"])
def test_a_forged_checkpoint_with_a_valid_manifest_is_refused_in_one_line(tiny_bert, tmp_path, monkeypatch, capsys, plant):
    """Whoever can write the checkpoint can write its manifest: the checksum is no defence, the format is."""
    monkeypatch.setenv("HARNESS_CACHE", str(tmp_path / "reference"))
    reference = train(tiny_bert)
    monkeypatch.setenv("HARNESS_CACHE", str(tmp_path / "cache"))
    folder = interrupted(tiny_bert) / "checkpoint"
    marker = tmp_path / "PWNED"
    payload = pickle.dumps({"step": 4, "note": Payload(marker)})
    if plant == "pickle-as-safetensors":
        (folder / "tensors.safetensors").write_bytes(payload)
    elif plant == "pickle-as-json":
        (folder / "state.json").write_bytes(payload)
    elif plant == "step-out-of-range":
        state = json.loads((folder / "state.json").read_text())
        (folder / "state.json").write_text(json.dumps(state | {"step": 10**6}))
    else:
        from safetensors.torch import load_file, save_file

        tensors = load_file(folder / "tensors.safetensors")
        name = next(k for k in tensors if k.startswith("student/"))
        tensors[name] = torch.zeros(3, 3)
        save_file(tensors, folder / "tensors.safetensors")
    cache_integrity.write_manifest(folder)  # the forger's manifest matches the forged files
    cache_integrity.forget_verified()
    capsys.readouterr()
    resumed = train(tiny_bert)
    out = capsys.readouterr().out
    assert not marker.exists()
    assert len(lines(out, f"training checkpoint {folder}: ")) == 1 and "training from step 0" in out
    assert resumed.losses == reference.losses
    assert not folder.exists()


def test_the_case_through_the_command_line(tiny_bert, tmp_path, monkeypatch, capsys):
    """As repro.sh: a warm student, its final/ removed, a pickled checkpoint.pt planted, run --force."""
    monkeypatch.setenv("HARNESS_CACHE", str(tmp_path / "cache"))
    argv = ["run", "--methods", "kd", "--pairs", "en-sw", "--out", str(tmp_path / "out"), "--formats", "md",
            *tiny_settings("kd", tiny_bert, steps=4)]
    assert main(argv) == 0
    (student,) = (tmp_path / "cache" / "students" / "kd").iterdir()
    cache_integrity.remove(student / "final")
    marker = tmp_path / "PWNED"
    torch.save({"step": 1, "note": Payload(marker)}, student / "checkpoint.pt")
    cache_integrity.write_digest(student / "checkpoint.pt")
    capsys.readouterr()
    assert main(argv + ["--force"]) == 0
    captured = capsys.readouterr()
    assert not marker.exists(), "code from the planted checkpoint ran"
    assert len(lines(captured.out, "is a pickle")) == 1 and "Traceback" not in captured.err


# What may never be called on data read back (the cache, a results folder, a user's folder).
FORBIDDEN = {
    ("torch", "load"), ("pickle", "load"), ("pickle", "loads"), ("pickle", "Unpickler"), ("cloudpickle", "load"),
    ("cloudpickle", "loads"), ("dill", "load"), ("dill", "loads"), ("joblib", "load"), ("pd", "read_pickle"),
    ("pandas", "read_pickle"), ("marshal", "loads"), ("shelve", "open"), ("yaml", "load"), ("yaml", "unsafe_load"),
}


def test_no_loader_in_the_product_can_unpickle():
    found = []
    for package in ("harness", "methods", "baselines"):
        for path in sorted((REPO / package).rglob("*.py")):
            tree = ast.parse(path.read_text(encoding="utf-8"))
            for node in ast.walk(tree):
                if isinstance(node, ast.Import) and any(a.name in ("pickle", "cloudpickle", "dill", "joblib", "shelve", "marshal") for a in node.names):
                    found.append(f"{path.relative_to(REPO)}:{node.lineno}: imports {node.names[0].name}")
                if not isinstance(node, ast.Call) or not isinstance(node.func, ast.Attribute):
                    continue
                owner = node.func.value.id if isinstance(node.func.value, ast.Name) else None
                if (owner, node.func.attr) in FORBIDDEN:
                    found.append(f"{path.relative_to(REPO)}:{node.lineno}: {owner}.{node.func.attr}")
                if (owner, node.func.attr) in {("np", "load"), ("numpy", "load")}:
                    allow = {k.arg: k.value for k in node.keywords}.get("allow_pickle")
                    if not (isinstance(allow, ast.Constant) and allow.value is False):
                        found.append(f"{path.relative_to(REPO)}:{node.lineno}: np.load without allow_pickle=False")
    assert not found, found
