"""``--executor ray`` on a local Ray instance with 2 CPUs (run by test_ray_executor.py in a process of its own): a tiny grid (tiny random encoders, NTREX
en-sw and en-fi) gives the same bytes as ``--executor local``; a worker killed mid-cell leaves no
file and a rerun completes; sharded encoding by Ray Data actors gives the same vectors."""

from __future__ import annotations

import json
import os
import signal
import sys
from pathlib import Path

import pytest

ray = pytest.importorskip("ray")

from harness.cli.main import main  # noqa: E402
from harness.data.collections import COLLECTIONS  # noqa: E402
from harness.data.pairs import PAIRS  # noqa: E402
from harness.errors import HarnessError  # noqa: E402
from harness.executors.ray_grid import RayExecutor, resources  # noqa: E402
from harness.method import MethodSpec  # noqa: E402
from harness.executors.local import run_all  # noqa: E402
from harness.registry import METHODS  # noqa: E402
from harness.evaluation.runs import read_sidecar  # noqa: E402
from methods.mdpr import DenseRetriever  # noqa: E402

METHOD_NAMES = "bm25-nmt,mdpr,kd,optical,rrf-bm25-nmt+mdpr"


def grid(tiny_bert, out: Path, *extra: str) -> list[str]:
    argv = ["run", "--methods", METHOD_NAMES, "--pairs", "en-sw,en-fi", "--out", str(out), "--set", f"mdpr.model={tiny_bert}"]
    for method in ("kd", "optical"):
        argv += ["--set", f"{method}.teacher={tiny_bert}", "--set", f"{method}.student={tiny_bert}",
                 "--set", f"{method}.steps=3", "--set", f"{method}.train_batch_size=4", "--set", f"{method}.max_length=24"]
    return argv + list(extra)


@pytest.fixture(scope="module")
def ray_instance(tmp_path_factory):
    """One local Ray instance (2 CPUs) for the module; workers inherit this process's environment."""
    ray.init(num_cpus=2, include_dashboard=False, log_to_driver=False)
    ray.cloudpickle.register_pickle_by_value(sys.modules[__name__])  # the test's own method travels by value
    yield
    ray.shutdown()


@pytest.fixture(scope="module")
def both(tiny_bert, ray_instance, tmp_path_factory):
    """The same grid with each executor, each with a fresh cache (nothing shared but the inputs)."""
    outs = {}
    previous = os.environ["HARNESS_CACHE"]
    for executor in ("local", "ray"):
        os.environ["HARNESS_CACHE"] = str(tmp_path_factory.mktemp(f"cache-{executor}"))
        outs[executor] = tmp_path_factory.mktemp(f"results-{executor}")
        assert main(grid(tiny_bert, outs[executor], "--executor", executor)) == 0
        outs[f"{executor}-cache"] = Path(os.environ["HARNESS_CACHE"])
    os.environ["HARNESS_CACHE"] = previous
    return outs


def test_ray_grid_is_byte_identical_to_local(both):
    local, on_ray = both["local"], both["ray"]
    runs = sorted(p.relative_to(local) for p in (local / "runs").rglob("*.run"))
    assert len(runs) == 10  # 5 methods x 2 pairs, none skipped
    assert runs == sorted(p.relative_to(on_ray) for p in (on_ray / "runs").rglob("*.run"))
    for relative in runs:
        assert (local / relative).read_bytes() == (on_ray / relative).read_bytes(), relative
    assert (local / "scores" / "ntrex.json").read_bytes() == (on_ray / "scores" / "ntrex.json").read_bytes()
    assert (local / "leaderboard.md").read_bytes() == (on_ray / "leaderboard.md").read_bytes()
    sidecar = read_sidecar(on_ray / "runs" / "ntrex" / "en-sw" / "kd.json")
    assert sidecar["used"]["executor"]["name"] == "ray" and "executor" not in read_sidecar(local / "runs" / "ntrex" / "en-sw" / "kd.json")["used"]
    # Each student was trained once for both pairs; nothing half-written is left anywhere.
    for method in ("kd", "optical"):
        assert len([p for p in (both["ray-cache"] / "students" / method).iterdir() if p.is_dir()]) == 1
    assert not [p for p in on_ray.rglob("*") if p.name.endswith((".tmp", ".partial"))]


def test_ray_rerun_reuses_every_cell_without_asking_ray(both, tiny_bert, capsys, monkeypatch):
    def refuse(self):
        raise AssertionError("a run with nothing to compute connected to Ray")

    monkeypatch.setattr(RayExecutor, "connect", refuse)
    capsys.readouterr()
    os.environ["HARNESS_CACHE"], previous = str(both["ray-cache"]), os.environ["HARNESS_CACHE"]
    try:
        assert main(grid(tiny_bert, both["ray"], "--executor", "ray")) == 0
    finally:
        os.environ["HARNESS_CACHE"] = previous
    lines = [line for line in capsys.readouterr().out.splitlines() if " on en-" in line and not line.startswith("[")]
    assert len(lines) == 10 and all(line.startswith("reused ") for line in lines), lines


class KilledOnce(DenseRetriever):
    """mdpr whose worker dies (SIGKILL) in its first retrieval, after encoding: a crash mid-cell."""

    def retrieve(self, queries, depth):
        marker = Path(os.environ["HARNESS_CACHE"]) / "killed-once"
        if not marker.exists():
            marker.write_text("killed\n")
            os.kill(os.getpid(), signal.SIGKILL)
        return super().retrieve(queries, depth)


def test_killed_worker_leaves_no_partial_file_and_rerun_completes(tiny_bert, ray_instance, tmp_path, monkeypatch):
    monkeypatch.setenv("HARNESS_CACHE", str(tmp_path / "cache"))  # each task takes the driver's
    spec = MethodSpec("killed-once", "test", "mdpr that dies once", "-", ("encoder",), KilledOnce,
                      dict(METHODS["mdpr"].defaults) | {"model": str(tiny_bert)}, accelerated=("encoding",))
    pairs, collection, out = [PAIRS["en-sw"]], COLLECTIONS["ntrex"], tmp_path / "results"
    with pytest.raises(HarnessError, match=r"1 cell\(s\) failed on Ray \(killed-once on en-sw: .*rerun"):
        run_all([spec, METHODS["bm25-nmt"]], pairs, collection, 100, out, executor=RayExecutor(max_retries=0))
    folder = out / "runs" / "ntrex" / "en-sw"
    assert sorted(p.name for p in folder.iterdir()) == ["bm25-nmt.json", "bm25-nmt.run"]  # the other cell is written
    assert (tmp_path / "cache" / "killed-once").exists()
    outcomes = run_all([spec, METHODS["bm25-nmt"]], pairs, collection, 100, out, executor=RayExecutor(max_retries=0))
    assert [(o.method, o.status) for o in outcomes] == [("killed-once", "ran"), ("bm25-nmt", "reused")]
    sidecar = json.loads((folder / "killed-once.json").read_text())
    assert sidecar["status"] == "ok" and len((folder / "killed-once.run").read_text().splitlines()) == 123 * 100
    assert not [p for p in tmp_path.rglob("*") if p.name.endswith((".tmp", ".partial"))]


def test_sharded_encoding_gives_the_local_vectors(both, tiny_bert, tmp_path, monkeypatch):
    monkeypatch.setenv("HARNESS_CACHE", str(tmp_path / "cache"))
    out = tmp_path / "results"
    argv = ["run", "--methods", "mdpr", "--pairs", "en-sw", "--out", str(out), "--set", f"mdpr.model={tiny_bert}",
            "--executor", "ray", "--shard-passages", "100"]
    assert main(argv) == 0
    relative = Path("runs/ntrex/en-sw/mdpr.run")
    assert (out / relative).read_bytes() == (both["local"] / relative).read_bytes()
    shards = list((tmp_path / "cache" / "embeddings" / "shards").rglob("*.npy"))
    assert len(shards) == 7  # 669 passages in shards of 96 (three batches of 32): 6 full and one of 93


def test_resources_follow_the_registry_and_the_profile():
    small, paper = {"profile": "small"}, {"profile": "paper"}
    assert resources(METHODS["kd"], paper, "training") == {"num_cpus": 1, "num_gpus": 1}
    assert resources(METHODS["kd"], small, "training") == {"num_cpus": 1, "num_gpus": 0}
    assert resources(METHODS["kd"], small, "training", train_cpus=2) == {"num_cpus": 2, "num_gpus": 0}  # one per thread
    assert resources(METHODS["kd"], paper, "training", train_cpus=2) == {"num_cpus": 1, "num_gpus": 1}
    assert resources(METHODS["mdpr"], paper, "encoding") == {"num_cpus": 1, "num_gpus": 1}
    assert resources(METHODS["mdpr"], paper, "encoding", sharded=True) == {"num_cpus": 1, "num_gpus": 0}  # actors take the GPU
    assert resources(METHODS["bm25-nmt"], paper, "encoding") == {"num_cpus": 1, "num_gpus": 0}


def test_executor_ray_without_ray_is_one_line_exit_2(monkeypatch, capsys, tmp_path):
    import importlib.util

    real = importlib.util.find_spec
    monkeypatch.setattr(importlib.util, "find_spec", lambda name, *a: None if name == "ray" else real(name, *a))
    assert main(["run", "--methods", "mdpr", "--out", str(tmp_path), "--executor", "ray"]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert err == ["error: --executor ray needs ray, which is not installed; pip install -e '.[ray]'"]
    assert main(["run", "--methods", "mdpr", "--out", str(tmp_path), "--executor", "dask"]) == 2
    assert main(["run", "--methods", "mdpr", "--out", str(tmp_path), "--shard-passages", "10"]) == 2
    assert "is for --executor ray" in capsys.readouterr().err


def test_unreachable_cluster_is_one_line_before_any_work(tmp_path, capsys, monkeypatch):
    import socket
    import time

    import harness.cli.commands as cli

    monkeypatch.setattr(cli, "run_all", lambda *a, **k: pytest.fail("work started"))
    with socket.socket() as probe:  # a port nothing listens on: bound, then closed
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    start = time.monotonic()
    assert main(["run", "--methods", "mdpr", "--out", str(tmp_path), "--executor", "ray", "--ray-address", f"127.0.0.1:{port}"]) == 1
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and err[0].startswith(f"error: cannot reach the Ray cluster at 127.0.0.1:{port}")
    assert time.monotonic() - start < 30
