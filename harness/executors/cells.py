"""One cell of a run, (collection, pair, method): reuse its saved run, or retrieve and write one.

Both executors go through these steps: ``local.py`` in this process, ``ray_grid.py`` with the
retrieval on a Ray worker and the writing on the driver.  Nothing here scores or renders.
"""

from __future__ import annotations

import datetime as dt
import json
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from harness.cache.integrity import report
from harness.data.collections import Topics
from harness.data.pairs import LanguagePair
from harness.errors import HarnessError
from harness.evaluation.runs import environment, read_sidecar, run_matches_sidecar, run_paths, write_run, write_sidecar
from harness.files.atomic import atomic_open
from harness.files.paths import cache_dir
from harness.method import MethodSpec, SkipReason, Unavailable
from harness.registry import BUILT_IN, Origin, origin_of


@dataclass(frozen=True)
class Outcome:
    pair: str
    method: str
    status: str  # "ran", "reused" or "skipped"
    reason: str | None = None  # skipped: one line, the same on every machine (SkipReason.short)
    seconds: float = 0.0
    detail: str | None = None  # skipped: every source tried and the fix (SkipReason.detail)


def _same_parameters(sidecar: dict, params: Mapping[str, Any], depth: int, resolved: Mapping[str, Any], topics: Topics) -> bool:
    # Compare through JSON so that tuples and lists, ints and floats compare as they were stored.
    # A key resolved now that an older sidecar did not resolve up front is read from what that run
    # recorded it used (bm25's "analysis" before it was resolved): an unchanged analysis is reused,
    # a changed one is not, and a key the run never recorded means it is made again.
    recorded = dict(sidecar.get("resolved") or {})
    used = sidecar.get("used") if isinstance(sidecar.get("used"), dict) else {}
    for key in resolved:
        if key not in recorded and key in used:
            recorded[key] = used[key]
    return (
        sidecar.get("queries_sha256") == topics.queries_sha256
        and json.loads(json.dumps(params)) == sidecar.get("parameters")
        and sidecar.get("depth") == depth
        and json.loads(json.dumps(resolved)) == recorded
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
    reason: SkipReason | None = None


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
        "origin": (origin_of(spec.name) or Origin("module", spec.implementation.__module__)).record(),
    }


def reusable(record: Mapping[str, Any], topics: Topics, out: Path, force: bool) -> bool:
    """Whether the saved run of this cell was made with the same inputs and is intact (sha256)."""
    run_path, sidecar_path = run_paths(out, topics.collection, topics.pair.name, record["method"])
    if force or not run_path.is_file() or not sidecar_path.is_file():
        return False
    try:
        sidecar = read_sidecar(sidecar_path)
    except HarnessError as exc:  # the run it describes cannot be trusted; this cell writes both anew
        report(f"{exc}: retrieving again")
        return False
    if sidecar.get("status") != "ok" or not _same_parameters(sidecar, record["parameters"], record["depth"], record["resolved"], topics):
        return False
    if sidecar.get("origin", BUILT_IN.record()) != record.get("origin", BUILT_IN.record()):  # another plugin, or version
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
        # The collection first: a corpus that needs the network once skips every method in one short line.
        reason = topics.unavailable_reason() or retriever.unavailable_reason(topics)
        if reason is not None:
            raise Unavailable(reason)
        corpus = topics.corpus_record()
        if corpus is not None:
            record["corpus"] = corpus
        retriever.prepare(topics)
        ranking = retriever.retrieve(topics.queries, depth)
    except Unavailable as exc:
        return CellResult("skipped", record, reason=exc.reason)
    seconds = time.perf_counter() - start
    artifacts = {suffix: Path(source).read_bytes() for suffix, source in retriever.artifacts().items()}
    return CellResult("ran", record, ranking, artifacts, retriever.provenance(), seconds)


def write_cell(out: Path, topics: Topics, result: CellResult) -> Outcome:
    """Write one cell's run file, artifacts and sidecar (each atomically; the sidecar last)."""
    method = result.record["method"]
    run_path, sidecar_path = run_paths(out, topics.collection, topics.pair.name, method)
    if result.status == "skipped":
        run_path.unlink(missing_ok=True)  # a stale run must not outlive the reason it is gone
        reason = result.reason
        write_sidecar(sidecar_path, result.record | {"status": "skipped"} | skip_fields(reason))
        return Outcome(topics.pair.name, method, "skipped", reason.short, detail=reason.detail)
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

    ``run``: the topics of every pair of the board, for methods that choose across pairs (bm25-nmt's translator).
    """
    retriever = make_retriever(spec, topics, params, out, run)
    record = cell_record(spec, topics, params, depth, retriever)
    if reusable(record, topics, out, force):
        return Outcome(topics.pair.name, spec.name, "reused")
    return write_cell(out, topics, retrieve_cell(retriever, topics, depth, record))


def skip_fields(reason: SkipReason) -> dict[str, str]:
    """A skipped cell's sidecar fields: ``reason`` (one line) and ``reason_detail`` (sources tried, fix)."""
    return {"reason": reason.short, "reason_detail": reason.detail}


def why_hint(method: str, pair: str) -> str:
    return f"python -m harness list --why {method} {pair}"


def report_outcome(outcome: Outcome, report=print, where: str = "") -> None:
    if outcome.status == "skipped":
        report(f"skip {outcome.method} on {outcome.pair}: {outcome.reason} (why: {why_hint(outcome.method, outcome.pair)})")
    else:
        report(f"{outcome.status} {outcome.method} on {outcome.pair}" + (f" ({outcome.seconds:.1f} s{where})" if outcome.seconds else ""))


def _record_skip(out: Path, collection: str, pair: LanguagePair, spec: MethodSpec, reason: SkipReason | str) -> None:
    run_path, sidecar_path = run_paths(out, collection, pair.name, spec.name)
    run_path.unlink(missing_ok=True)
    write_sidecar(sidecar_path, {"method": spec.name, "pair": pair.name, "collection": collection, "status": "skipped"}
                  | skip_fields(SkipReason.of(reason)))
