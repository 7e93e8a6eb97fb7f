"""Export of saved runs to ranx, TREC and PyTerrier formats, and the PyTerrier bridge."""

from __future__ import annotations

import random

import pandas as pd
import pytest

from harness.data.collections import COLLECTIONS, load_topics
from harness.data.pairs import PAIRS
from harness.errors import HarnessError, UsageError
from harness.evaluation.measures import evaluate
from harness.interop.export import FORMATS, export
from harness.evaluation.runs import read_run, run_paths, write_run, write_sidecar

NTREX = COLLECTIONS["ntrex"]
PAIR = PAIRS["en-sw"]
METHODS = ("bm25-nmt", "mdpr")


@pytest.fixture(scope="module")
def topics():
    return load_topics(NTREX, PAIR)


def make_ranking(topics, seed: int, depth: int = 50):
    """Every query ranks a random sample of the judged documents (a tie or two included)."""
    rng = random.Random(seed)
    pool = sorted({doc for docs in topics.qrels.values() for doc in docs})
    ranking = {}
    for qid in sorted(topics.queries):
        docs = rng.sample(pool, depth - 3) + list(topics.qrels.get(qid, {}))[:3]
        scores = [round(rng.uniform(0, 10), 1) for _ in docs]  # one decimal: ties happen
        ranking[qid] = sorted(dict(zip(docs, scores)).items(), key=lambda hit: -hit[1])
    return ranking


@pytest.fixture
def results(tmp_path, topics):
    """A results folder with two ok runs and one skipped method for ntrex/en-sw."""
    out = tmp_path / "results"
    for seed, method in enumerate(METHODS):
        run_path, sidecar_path = run_paths(out, "ntrex", "en-sw", method)
        sha = write_run(run_path, make_ranking(topics, seed), tag=method)
        write_sidecar(sidecar_path, {
            "method": method, "status": "ok", "run_sha256": sha, "collection": "ntrex", "pair": "en-sw",
            "dataset_id": topics.dataset_id, "qrels_sha256": topics.qrels_sha256,
        })
    _, skipped = run_paths(out, "ntrex", "en-sw", "kd")
    write_sidecar(skipped, {"method": "kd", "status": "skipped", "reason": "no teacher here"})
    return out


def test_trec_export_round_trips(results, tmp_path, topics):
    dest = tmp_path / "export"
    written = export(results, NTREX, [PAIR], "trec", dest)
    folder = dest / "ntrex" / "en-sw"
    assert sorted(written) == sorted([folder / "qrels.txt", *(folder / f"{m}.run" for m in METHODS)])
    for method in METHODS:
        source, _ = run_paths(results, "ntrex", "en-sw", method)
        assert (folder / f"{method}.run").read_bytes() == source.read_bytes()
        assert read_run(folder / f"{method}.run") == read_run(source)
    lines = (folder / "qrels.txt").read_text().splitlines()
    assert len(lines) == 669
    assert lines == sorted(lines, key=lambda line: line.split()[:3:2])
    read_back: dict[str, dict[str, int]] = {}
    for line in lines:
        qid, zero, doc, rel = line.split()
        assert zero == "0"
        read_back.setdefault(qid, {})[doc] = int(rel)
    assert read_back == topics.qrels
    assert not (folder / "kd.run").exists()


def test_ranx_export_loads_and_agrees_with_harness_ap(results, tmp_path, topics):
    import ranx  # a dependency: a missing one is a failure, not a skip
    dest = tmp_path / "export"
    written = export(results, NTREX, [PAIR], "ranx", dest)
    folder = dest / "ntrex" / "en-sw"
    assert sorted(written) == sorted([folder / "qrels.json", *(folder / f"{m}.json" for m in METHODS)])
    assert not list(folder.glob("*.partial.json"))
    qrels = ranx.Qrels.from_file(str(folder / "qrels.json"))
    assert qrels.to_dict() == topics.qrels
    for method in METHODS:
        source, _ = run_paths(results, "ntrex", "en-sw", method)
        original = read_run(source)
        run = ranx.Run.from_file(str(folder / f"{method}.json"))
        assert run.to_dict() == original
        expected = evaluate(original, topics.qrels, ["AP"]).per_query["AP"].mean()
        assert ranx.evaluate(qrels, run, "map") == pytest.approx(expected, abs=1e-9)


def test_pyterrier_export_reads_back_with_pandas(results, tmp_path, topics):
    dest = tmp_path / "export"
    written = export(results, NTREX, [PAIR], "pyterrier", dest)
    folder = dest / "ntrex" / "en-sw"
    assert sorted(written) == sorted(folder / name for name in ("runs.parquet", "qrels.parquet", "topics.parquet"))
    runs = pd.read_parquet(folder / "runs.parquet")
    assert list(runs.columns) == ["qid", "docno", "score", "rank", "name"]
    assert sorted(set(runs["name"])) == list(METHODS)
    keys = list(zip(runs["name"], runs["qid"], runs["rank"]))
    assert keys == sorted(keys)
    for (method, qid), group in runs.groupby(["name", "qid"], sort=False):
        assert list(group["rank"]) == list(range(len(group)))  # PyTerrier ranks from 0
        assert list(group["score"]) == sorted(group["score"], reverse=True)
        source, _ = run_paths(results, "ntrex", "en-sw", method)
        assert dict(zip(group["docno"], group["score"])) == read_run(source)[qid]
    sources = [read_run(run_paths(results, "ntrex", "en-sw", m)[0]) for m in METHODS]
    assert len(runs) == sum(len(docs) for run in sources for docs in run.values())
    qrels = pd.read_parquet(folder / "qrels.parquet")
    assert list(qrels.columns) == ["qid", "docno", "label"] and len(qrels) == 669
    assert {(q, d): r for q, d, r in qrels.itertuples(index=False)} == {
        (q, d): r for q, docs in topics.qrels.items() for d, r in docs.items()
    }
    queries = pd.read_parquet(folder / "topics.parquet")
    assert list(queries.columns) == ["qid", "query"]
    assert dict(zip(queries["qid"], queries["query"])) == topics.queries


@pytest.mark.parametrize("fmt", FORMATS)
def test_a_run_changed_after_its_sidecar_is_not_exported(results, tmp_path, fmt):
    run_path, _ = run_paths(results, "ntrex", "en-sw", "mdpr")
    lines = run_path.read_text().splitlines(keepends=True)
    fields = lines[0].split()
    fields[4] = repr(float(fields[4]) + 100.0)
    run_path.write_text(" ".join(fields) + "\n" + "".join(lines[1:]))
    dest = tmp_path / "export"
    with pytest.raises(HarnessError, match=r"mdpr\.run"):
        export(results, NTREX, [PAIR], fmt, dest)
    assert not any(path.is_file() for path in dest.rglob("*"))


def test_a_run_made_against_other_qrels_is_not_exported(results, tmp_path):
    _, sidecar_path = run_paths(results, "ntrex", "en-sw", "mdpr")
    sidecar_path.write_text(sidecar_path.read_text().replace('"qrels_sha256": "', '"qrels_sha256": "0'))
    with pytest.raises(HarnessError, match="other qrels"):
        export(results, NTREX, [PAIR], "trec", tmp_path / "export")


def test_unknown_format_is_a_usage_error(results, tmp_path):
    with pytest.raises(UsageError, match="ranx, trec, pyterrier"):
        export(results, NTREX, [PAIR], "csv", tmp_path / "export")


def test_no_saved_runs_names_the_folder(tmp_path):
    out = tmp_path / "empty"
    with pytest.raises(HarnessError, match=str(out / "runs" / "ntrex")):
        export(out, NTREX, [PAIR], "trec", tmp_path / "export")


def test_bridge_retrieves_as_a_pyterrier_transformer(tiny_bert, topics):
    import pyterrier  # noqa: F401  (in the test extra: a missing one is a failure, not a skip)
    from harness.interop.pyterrier import as_transformer

    transformer = as_transformer("mdpr", "ntrex", "en-sw", {"model": str(tiny_bert)})
    qids = sorted(topics.queries)[:2]
    frame = pd.DataFrame({"qid": qids, "query": [topics.queries[q] for q in qids]})
    results = transformer(frame)
    assert list(results.columns) == ["qid", "docno", "score", "rank", "query"]
    assert set(results["qid"]) == set(qids)
    for qid, group in results.groupby("qid"):
        assert 0 < len(group) <= 1000
        assert list(group["rank"]) == list(range(len(group)))
        assert list(group["score"]) == sorted(group["score"], reverse=True)
        assert set(group["query"]) == {topics.queries[qid]}
    top = (transformer % 10)(frame)
    assert top.groupby("qid").size().tolist() == [10, 10]
    assert top.reset_index(drop=True).equals(results[results["rank"] < 10].reset_index(drop=True))


def test_export_command_line(tmp_path, capsys):
    from harness.cli.main import main

    # No saved runs in an empty results folder: one line naming the folder, exit 1.
    assert main(["export", "--format", "trec", "--out", str(tmp_path / "empty"), "--dest", str(tmp_path / "d")]) == 1
    assert "runs" in capsys.readouterr().err
    assert main(["export", "--format", "csv"]) == 2
