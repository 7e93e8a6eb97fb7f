"""What the reproduction site needs from the runs, kept in one small committed file per collection.

Run files and sidecars (``results/runs/``) are not committed.  The site (``harness/site/``) needs
from them each cell's provenance -- its sidecar: method, parameters and what they resolved to,
model, precision, translator and its source's sha256, git commit, package versions, date, wall
time, and for a skip the long reason -- and, per query, the ids of its top 10 documents.
``results/provenance/<collection>.json`` holds exactly that.  It is written beside the scores file
whenever saved runs are scored (``evaluate_saved``), so a fresh clone rebuilds the site from
committed files.  Cells whose runs are not under the results folder keep their saved entry, as
the scores file does.  One cell per line, keys sorted: a rebuild from the same runs gives the same
bytes, and a diff shows which cells changed.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from harness.errors import HarnessError
from harness.evaluation.runs import read_run, trec_order
from harness.files.atomic import atomic_write_text

TOP = 10  # documents kept per query: what a query page shows


def provenance_path(out: Path, collection: str) -> Path:
    return out / "provenance" / f"{collection}.json"


def top_documents(run_path: Path, depth: int = TOP) -> dict[str, list[str]]:
    """Query id -> the ids of its first ``depth`` documents, in the order the scores were computed in
    (trec_eval's: score descending, then doc id descending)."""
    return {query: [doc for doc, _ in trec_order(hits.items())[:depth]] for query, hits in sorted(read_run(run_path).items())}


def cell_record(sidecar: Mapping[str, Any], top: Mapping[str, list[str]] | None) -> dict:
    """One cell: its sidecar as written, and its top documents (None for a skipped cell)."""
    return {"sidecar": dict(sidecar), "top": None if top is None else dict(top)}


def same_skip(kept: Mapping[str, Any] | None, sidecar: Mapping[str, Any]) -> bool:
    """Whether a skipped cell's new sidecar says what the kept one says.  A skip is retried on every run
    and its sidecar rewritten with a new date: the kept record stays, so an unchanged run changes no byte."""
    if kept is None:
        return False
    volatile = ("date", "environment")
    return {k: v for k, v in kept["sidecar"].items() if k not in volatile} == {k: v for k, v in sidecar.items() if k not in volatile}


def load_provenance(path: Path) -> dict[tuple[str, str], dict]:
    """(pair, method) -> {"sidecar": {...}, "top": {query: [doc, ...]} or None}; empty when there is no file."""
    if not path.is_file():
        return {}
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
        return {(cell["pair"], cell["method"]): {"sidecar": cell["sidecar"], "top": cell["top"]} for cell in data["cells"]}
    except (json.JSONDecodeError, KeyError, TypeError) as exc:
        raise HarnessError(f"{path}: not a harness provenance file ({exc}); rebuild it: python -m harness evaluate") from None


def save_provenance(path: Path, collection: str, cells: Mapping[tuple[str, str], dict]) -> None:
    lines = []
    for (pair, method) in sorted(cells):
        cell = cells[(pair, method)]
        record = {"pair": pair, "method": method, "sidecar": cell["sidecar"], "top": cell["top"]}
        lines.append(json.dumps(record, ensure_ascii=False, sort_keys=True, separators=(",", ":")))
    atomic_write_text(path, f'{{"collection": {json.dumps(collection)}, "top": {TOP}, "cells": [\n' + ",\n".join(lines) + "\n]}\n")
