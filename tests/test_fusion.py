"""Fusion: RRF (the harness's) and CombSUM (ranx's) against hand computations, RRF against ranx float for
float, and a fusion entry run like any method."""

import json

import pytest

from harness.cli.main import main
from harness.registry import METHODS
from harness.evaluation.runs import read_run, write_run
from methods.fusion import FusionRetriever, fusion


def fused(tmp_path, spec, runs, depth=10):
    retriever = FusionRetriever(spec, spec.parameters(), tmp_path)
    members = {}
    for name, ranking in runs.items():
        path = tmp_path / f"{name}.run"
        write_run(path, ranking, tag=name)
        members[name] = (str(path), "sha")
    retriever.members = members
    return retriever.retrieve({"q1": "text"}, depth)


def test_rrf_is_the_sum_of_reciprocal_ranks_with_k_60(tmp_path):
    spec = fusion("rrf-a+b", ("a", "b"))
    ranking = fused(tmp_path, spec, {"a": {"q1": [("d1", 3.0), ("d2", 2.0), ("d3", 1.0)]},
                                     "b": {"q1": [("d2", 0.9), ("d3", 0.5)]}})
    scores = dict(ranking["q1"])
    # By hand: d2 ranks 2 and 1, d3 ranks 3 and 2, d1 rank 1 in a only.
    assert scores["d2"] == pytest.approx(1 / 62 + 1 / 61) and scores["d3"] == pytest.approx(1 / 63 + 1 / 62)
    assert scores["d1"] == pytest.approx(1 / 61)
    assert [d for d, _ in ranking["q1"]] == ["d2", "d3", "d1"]


def test_combsum_sums_min_max_normalised_scores(tmp_path):
    spec = fusion("sum-a+b", ("a", "b"), method="combsum")
    ranking = fused(tmp_path, spec, {"a": {"q1": [("d1", 3.0), ("d2", 2.0), ("d3", 1.0)]},
                                     "b": {"q1": [("d2", 0.9), ("d3", 0.5)]}})
    # min-max: a -> d1 1, d2 0.5, d3 0; b -> d2 1, d3 0.
    assert dict(ranking["q1"]) == pytest.approx({"d2": 1.5, "d1": 1.0, "d3": 0.0})


def test_a_fusion_entry_runs_scores_and_records_its_members(tiny_bert, tmp_path, monkeypatch):
    monkeypatch.setitem(METHODS, "rrf-mdpr+kd", fusion("rrf-mdpr+kd", ("mdpr", "kd")))
    tiny = ["--set", f"mdpr.model={tiny_bert}"]
    for key in ("teacher", "student"):
        tiny += ["--set", f"kd.{key}={tiny_bert}"]
    tiny += ["--set", "kd.steps=2", "--set", "kd.train_batch_size=4", "--set", "kd.max_length=16"]
    argv = ["run", "--methods", "rrf-mdpr+kd,mdpr,kd", "--pairs", "en-so", "--resamples", "50", "--out", str(tmp_path), *tiny]
    assert main(argv) == 0  # listed first, the fusion still runs after its members
    folder = tmp_path / "runs" / "ntrex" / "en-so"
    sidecar = json.loads((folder / "rrf-mdpr+kd.json").read_text())
    assert sidecar["status"] == "ok"
    members = {m["method"]: m["run_sha256"] for m in sidecar["used"]["members"]}
    for member in ("mdpr", "kd"):
        assert members[member] == json.loads((folder / f"{member}.json").read_text())["run_sha256"]
    run = read_run(folder / "rrf-mdpr+kd.run")
    mdpr, kd = read_run(folder / "mdpr.run"), read_run(folder / "kd.run")
    query = next(iter(run))
    top = max(run[query], key=run[query].get)
    rank = {name: [d for d, _ in sorted(r[query].items(), key=lambda x: (-x[1], x[0]))].index(top) + 1
            for name, r in (("mdpr", mdpr), ("kd", kd))}
    assert run[query][top] == pytest.approx(sum(1 / (60 + r) for r in rank.values()), rel=1e-9)
    assert "`rrf-mdpr+kd`" in (tmp_path / "leaderboard.md").read_text()
    # A member rerun with other parameters changes its run: the fusion is made again, not reused.
    assert main(["run", "--methods", "mdpr,rrf-mdpr+kd", "--pairs", "en-so", "--out", str(tmp_path), *tiny,
                 "--set", "mdpr.batch_size=7", "--depth", "50"]) == 0
    again = json.loads((folder / "rrf-mdpr+kd.json").read_text())
    assert again["resolved"]["members"]["mdpr"] != sidecar["resolved"]["members"]["mdpr"]


def test_fusion_members_must_be_registered_methods(capsys):
    assert main(["run", "--methods", "rrf-bm25-nmt+mdpr", "--set", "rrf-bm25-nmt+mdpr.members=mdpr,nope"]) == 2
    assert "'nope' is not a method it can fuse" in capsys.readouterr().err


def test_default_fusion_entries_are_registered():
    assert METHODS["rrf-bm25-nmt+optical"].defaults["members"] == ["bm25-nmt", "optical"]
    assert METHODS["rrf-bm25-nmt+mdpr"].defaults["rrf_k"] == 60


def test_a_query_one_member_did_not_answer_is_fused_over_the_others(tmp_path):
    spec = fusion("rrf-a+b", ("a", "b"))
    retriever = FusionRetriever(spec, spec.parameters(), tmp_path)
    members = {}
    for name, ranking in {"a": {"q1": [("d1", 2.0), ("d2", 1.0)], "q2": [("d5", 1.0)]},
                          "b": {"q1": [("d2", 5.0)]}}.items():
        write_run(tmp_path / f"{name}.run", ranking, tag=name)
        members[name] = (str(tmp_path / f"{name}.run"), "sha")
    retriever.members = members
    ranking = retriever.retrieve({"q1": "x", "q2": "y", "q3": "z"}, 10)
    assert dict(ranking["q2"]) == pytest.approx({"d5": 1 / 61})  # only a answered q2: 1 / (60 + 1)
    assert dict(ranking["q1"]) == pytest.approx({"d2": 1 / 62 + 1 / 61, "d1": 1 / 61})
    assert "q3" not in ranking  # nobody answered it


def test_rrf_gives_ranx_s_scores_float_for_float(tmp_path):
    """The harness's RRF against ranx.fuse(method="rrf") on random runs: 3 members, 40 queries, some
    queries missing from a member (fused over the others), strictly decreasing scores as every
    harness run has."""
    import numpy as np
    from ranx import Run, fuse

    rng = np.random.default_rng(7)
    docs = [f"d{i}" for i in range(300)]
    runs = {}
    for member in ("a", "b", "c"):
        runs[member] = {}
        for q in range(40):
            if member == "c" and q % 5 == 0:
                continue
            chosen = rng.choice(docs, size=rng.integers(5, 120), replace=False)
            scores = np.sort(rng.random(len(chosen)))[::-1] + np.arange(len(chosen))[::-1] * 1e-6
            runs[member][f"q{q:02d}"] = [(str(d), float(s)) for d, s in zip(chosen, scores)]
    spec = fusion("rrf-a+b+c", ("a", "b", "c"))
    retriever = FusionRetriever(spec, spec.parameters(), tmp_path)
    members = {}
    for name, ranking in runs.items():
        path = tmp_path / f"{name}.run"
        write_run(path, ranking, tag=name)
        members[name] = (str(path), "sha")
    retriever.members = members
    ours = retriever.retrieve({f"q{q:02d}": "" for q in range(40)}, 1000)
    read = {m: read_run(tmp_path / f"{m}.run") for m in runs}
    for query, ranking in ours.items():
        having = [m for m in ("a", "b", "c") if query in read[m]]
        expected = fuse(runs=[Run({query: read[m][query]}, name=m) for m in having], method="rrf",
                        params={"k": 60}).to_dict()[query]
        assert dict(ranking) == expected  # exactly equal floats
