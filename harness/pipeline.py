"""Orchestration: retrieve (or reuse) runs, then score them.  No rendering here."""

from __future__ import annotations

import datetime as dt
import json
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from harness.data.collections import CollectionSpec, Topics, load_topics
from harness.data.pairs import LanguagePair
from harness.errors import HarnessError
from harness.evaluate import SCORED_BY, evaluate
from harness.method import MethodSpec, Unavailable
from harness.atomic import atomic_open
from harness.cache_integrity import report
from harness.data.sources import sha256_of
from harness.paths import cache_dir
from harness.runs import environment, read_run, read_sidecar, run_paths, write_run, write_sidecar
from harness.scores import ScoreEntry, load_scores, save_scores, scores_path


@dataclass(frozen=True)
class Outcome:
    pair: str
    method: str
    status: str  # "ran", "reused" or "skipped"
    reason: str | None = None
    seconds: float = 0.0


def _same_parameters(sidecar: dict, params: Mapping[str, Any], depth: int, resolved: Mapping[str, Any], topics: Topics) -> bool:
    # Compare through JSON so that tuples and lists, ints and floats compare as they were stored.
    return (
        sidecar.get("queries_sha256") == topics.queries_sha256
        and json.loads(json.dumps(params)) == sidecar.get("parameters")
        and sidecar.get("depth") == depth
        and json.loads(json.dumps(resolved)) == sidecar.get("resolved", {})
    )


@dataclass(frozen=True)
class CellResult:
    """What retrieving one cell produced, before anything is written (it may come from a Ray worker)."""

    status: str  # "ran" or "skipped"
    record: dict
    ranking: dict | None = None  # query id -> [(doc id, score)], best first
    artifacts: dict | None = None  # suffix -> bytes, kept beside the run as <method>.<suffix>
    used: dict | None = None  # the retriever's provenance
    seconds: float = 0.0
    reason: str | None = None


def make_retriever(spec: MethodSpec, topics: Topics, params: Mapping[str, Any], out: Path, run: Sequence[Topics] = ()):
    """The method's retriever for one (collection, pair), planned over every pair of the run."""
    workdir = cache_dir("work", topics.collection, topics.pair.name, spec.name)
    retriever = spec.implementation(spec, params, workdir)
    retriever.out = out  # fusion reads its members' saved runs here
    retriever.plan(run or (topics,))
    return retriever


def cell_record(spec: MethodSpec, topics: Topics, params: Mapping[str, Any], depth: int, retriever) -> dict:
    """The sidecar fields known before retrieval; ``resolved`` decides whether a saved run is reused."""
    try:
        resolved = retriever.resolved(topics)
    except Unavailable as exc:
        resolved = {"unavailable": str(exc)}
    return {
        "method": spec.name,
        "family": spec.family,
        "parameters": params,
        "depth": depth,
        "collection": topics.collection,
        "dataset_id": topics.dataset_id,
        "pair": topics.pair.name,
        "qrels_sha256": topics.qrels_sha256,
        "queries_sha256": topics.queries_sha256,
        "resolved": resolved,
    }


def reusable(record: Mapping[str, Any], topics: Topics, out: Path, force: bool) -> bool:
    """Whether the saved run of this cell was made with the same inputs and is intact (sha256)."""
    run_path, sidecar_path = run_paths(out, topics.collection, topics.pair.name, record["method"])
    if force or not run_path.is_file() or not sidecar_path.is_file():
        return False
    sidecar = read_sidecar(sidecar_path)
    if sidecar.get("status") != "ok" or not _same_parameters(sidecar, record["parameters"], record["depth"], record["resolved"], topics):
        return False
    if run_matches_sidecar(run_path, sidecar):
        return True
    report(f"{run_path} does not match its sidecar (sha256): retrieving again")
    return False


def retrieve_cell(retriever, topics: Topics, depth: int, record: Mapping[str, Any]) -> CellResult:
    """Prepare and retrieve; nothing is written under the results folder (the caller writes)."""
    record = dict(record) | {
        "date": dt.datetime.now(dt.timezone.utc).isoformat(timespec="seconds"),
        "environment": environment(),
    }
    start = time.perf_counter()
    try:
        reason = retriever.unavailable_reason(topics)
        if reason is not None:
            raise Unavailable(reason)
        retriever.prepare(topics)
        ranking = retriever.retrieve(topics.queries, depth)
    except Unavailable as exc:
        return CellResult("skipped", record, reason=str(exc))
    seconds = time.perf_counter() - start
    artifacts = {suffix: Path(source).read_bytes() for suffix, source in retriever.artifacts().items()}
    return CellResult("ran", record, ranking, artifacts, retriever.provenance(), seconds)


def write_cell(out: Path, topics: Topics, result: CellResult) -> Outcome:
    """Write one cell's run file, artifacts and sidecar (each atomically; the sidecar last)."""
    method = result.record["method"]
    run_path, sidecar_path = run_paths(out, topics.collection, topics.pair.name, method)
    if result.status == "skipped":
        run_path.unlink(missing_ok=True)  # a stale run must not outlive the reason it is gone
        write_sidecar(sidecar_path, result.record | {"status": "skipped", "reason": result.reason})
        return Outcome(topics.pair.name, method, "skipped", result.reason)
    # The sidecar records the run file's sha256: a run and a sidecar that do not belong together
    # (a kill between the two renames) are never reused or scored.
    run_sha256 = write_run(run_path, result.ranking, tag=method)
    for suffix, content in result.artifacts.items():
        with atomic_open(run_path.with_name(f"{method}.{suffix}"), "wb") as handle:
            handle.write(content)
    write_sidecar(sidecar_path, result.record | {
        "status": "ok", "used": result.used, "wall_time_s": round(result.seconds, 3), "run_sha256": run_sha256,
    })
    return Outcome(topics.pair.name, method, "ran", seconds=result.seconds)


def run_cell(
    spec: MethodSpec,
    topics: Topics,
    params: Mapping[str, Any],
    depth: int,
    out: Path,
    force: bool,
    run: Sequence[Topics] = (),
) -> Outcome:
    """One method on one (collection, pair): reuse its saved run, or retrieve and save one.

    ``run``: the topics of every pair of the run, for methods that choose run-wide (bm25-nmt's translator).
    """
    retriever = make_retriever(spec, topics, params, out, run)
    record = cell_record(spec, topics, params, depth, retriever)
    if reusable(record, topics, out, force):
        return Outcome(topics.pair.name, spec.name, "reused")
    return write_cell(out, topics, retrieve_cell(retriever, topics, depth, record))


def run_matches_sidecar(run_path: Path, sidecar: Mapping[str, Any]) -> bool:
    """Whether ``run_path`` is the file its sidecar describes (the sha256 recorded when it was written)."""
    return sidecar.get("run_sha256") is not None and sha256_of(run_path) == sidecar["run_sha256"]


def run_all(
    methods: Sequence[MethodSpec],
    pairs: Sequence[LanguagePair],
    collection: CollectionSpec,
    depth: int,
    out: Path,
    force: bool = False,
    overrides: Mapping[str, Mapping[str, Any]] | None = None,
    report=print,
    executor=None,
) -> list[Outcome]:
    """Every (pair, method) cell of ``collection``, one after another here, or on ``executor``.

    ``executor``: None (this process) or an object with ``run_grid(collection, cells, depth, out, force,
    run, report) -> list[Outcome]`` (``harness.executors.ray_grid.RayExecutor``); cells are
    ``(spec, topics, params)`` in the grid's order, a fusion after its members.
    """
    outcomes = []
    served = {pair.name: load_topics(collection, pair) for pair in pairs if collection.dataset_id(pair) is not None}
    run = tuple(served.values())
    cells = []
    for pair in pairs:
        if pair.name not in served:
            for spec in methods:
                reason = f"collection {collection.name} has no dataset for {pair.name}"
                _record_skip(out, collection.name, pair, spec, reason)
                outcomes.append(Outcome(pair.name, spec.name, "skipped", reason))
                report(f"skip {spec.name} on {pair.name}: {reason}")
            continue
        for spec in methods:
            cells.append((spec, served[pair.name], spec.parameters((overrides or {}).get(spec.name))))
    if executor is not None:
        return outcomes + executor.run_grid(collection, cells, depth, out, force, run, report)
    for spec, topics, params in cells:
        outcome = run_cell(spec, topics, params, depth, out, force, run)
        outcomes.append(outcome)
        report_outcome(outcome, report)
    return outcomes


def report_outcome(outcome: Outcome, report=print, where: str = "") -> None:
    if outcome.status == "skipped":
        report(f"skip {outcome.method} on {outcome.pair}: {outcome.reason}")
    else:
        report(f"{outcome.status} {outcome.method} on {outcome.pair}" + (f" ({outcome.seconds:.1f} s{where})" if outcome.seconds else ""))


def _record_skip(out: Path, collection: str, pair: LanguagePair, spec: MethodSpec, reason: str) -> None:
    run_path, sidecar_path = run_paths(out, collection, pair.name, spec.name)
    run_path.unlink(missing_ok=True)
    write_sidecar(sidecar_path, {"method": spec.name, "pair": pair.name, "collection": collection, "status": "skipped", "reason": reason})


def summarize_use(used: Mapping[str, Any]) -> str | None:
    """The short name of what served a run, for the leaderboard's footnotes."""
    translator = used.get("translator")
    if translator:
        return f"translator {translator['spec']}"
    if used.get("fusion"):
        members = " and ".join(m["method"] for m in used.get("members", []))
        settings = ", ".join(f"{k} = {v}" for k, v in used.get("parameters", {}).items())
        return f"{used['fusion']} of {members} ({settings}; {used.get('library')})"
    model = used.get("model")
    if not isinstance(model, dict):
        return f"model {model}" if model else None
    # Runs from before the precision option record only the dtype.
    precision = model.get("precision") or {"torch.float32": "fp32", "torch.bfloat16": "bf16"}.get(model.get("dtype"), "?")
    runtime = f" on {model['runtime']}" if model.get("runtime", "torch") != "torch" else ""
    served = f"{model.get('model')} served by {model.get('weights')} ({model.get('source')}), {precision}{runtime}"
    training = used.get("training")
    if training:  # a distilled student encodes the passages, the teacher the queries
        trained = f", {training['precision']} training" if training.get("precision", "fp32") != "fp32" else ""
        return (f"queries: teacher {served}; passages: student distilled from it on {training['bitext_pairs']} "
                f"bitext pairs ({training['languages']}), {training['steps']} steps × {training['batch_size']}{trained}")
    return f"model {served}"


def _scores_belong(saved: ScoreEntry | None, sidecar: Mapping[str, Any], topics, measures: Sequence[str]) -> bool:
    """Whether saved scores were computed from this very run file, qrels and scoring code (sha256s)."""
    return (
        saved is not None
        and saved.status == "ok"
        and saved.run_sha256 == sidecar["run_sha256"]
        and saved.qrels_sha256 == topics.qrels_sha256
        and saved.dataset_id == topics.dataset_id
        and saved.scored_by == SCORED_BY
        and all(m in saved.scores for m in measures)
    )


def evaluate_saved(
    collection: CollectionSpec, pairs: Sequence[LanguagePair], out: Path, measures: Sequence[str]
) -> dict[tuple[str, str], ScoreEntry]:
    """Score every saved run of ``collection`` and merge into its scores file."""
    path = scores_path(out, collection.name)
    entries = load_scores(path)
    for pair in pairs:
        folder = out / "runs" / collection.name / pair.name
        sidecars = sorted(folder.glob("*.json")) if folder.is_dir() else []
        if not sidecars:
            continue
        topics = None
        for sidecar_path in sidecars:
            sidecar = read_sidecar(sidecar_path)
            method = sidecar.get("method", sidecar_path.stem)
            if sidecar.get("status") != "ok":
                entries[(pair.name, method)] = ScoreEntry(pair.name, method, "skipped", reason=sidecar.get("reason"))
                continue
            topics = topics or load_topics(collection, pair)
            if sidecar.get("qrels_sha256") != topics.qrels_sha256:
                raise HarnessError(f"{sidecar_path}: the run was made against other qrels than {topics.dataset_id} has now; rerun with --force")
            run_path = sidecar_path.with_suffix(".run")
            if not run_path.is_file() or not run_matches_sidecar(run_path, sidecar):
                raise HarnessError(
                    f"{run_path} is missing or is not the run its sidecar {sidecar_path.name} describes (sha256); "
                    f"rerun: python -m harness run --methods {method} --pairs {pair.name}"
                )
            used = summarize_use(sidecar.get("used", {}))
            saved = entries.get((pair.name, method))
            if _scores_belong(saved, sidecar, topics, measures):
                saved.used = used  # the sidecar's wording may be newer than the scores
                saved.scores = {m: saved.scores[m] for m in measures}
                continue
            result = evaluate(read_run(run_path), topics.qrels, measures)
            table = result.per_query
            entries[(pair.name, method)] = ScoreEntry(
                pair.name,
                method,
                "ok",
                used=used,
                dataset_id=topics.dataset_id,
                qrels_sha256=topics.qrels_sha256,
                run_sha256=sidecar["run_sha256"],
                scored_by=SCORED_BY,
                empty_queries=result.empty_queries,
                query_ids=list(table.index),
                scores={m: table[m].tolist() for m in table.columns},
            )
    save_scores(path, collection.name, entries)
    return entries
