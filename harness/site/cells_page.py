"""Per cell of a board, how to reproduce it: the exact command and the provenance its sidecar recorded.

Like Pyserini's two-click reproduction pages: the score, then ``python -m harness run ...`` with every
parameter pinned that the run resolved (``harness.reproduction.rerun``), then what was used: model,
precision and runtime, translator and the sha256 of its source, student training, git commit,
package versions, date and wall time, and the whole sidecar.  The sidecars come from the committed
provenance file (``results/provenance/<collection>.json``), not from the runs.
"""

from __future__ import annotations

import json
import math
from collections.abc import Mapping
from typing import Any

from harness.board.board import CollectionBoard
from harness.board.cells import skip_reason
from harness.reproduction.rerun import rerun_command
from harness.render import text
from harness.site.board_page import cell_anchor, method_label


def _model_rows(model: Mapping[str, Any], prefix: str = "model") -> list[tuple[str, str]]:
    rows = [(prefix, f"{model.get('model')} (weights {model.get('weights')}, from {model.get('source')})")]
    rows.append((f"{prefix}: precision, runtime, device",
                 f"{model.get('precision')}, {model.get('runtime', 'torch')}, {model.get('device')}"))
    return rows


def provenance_rows(sidecar: Mapping[str, Any]) -> list[tuple[str, str]]:
    """(what, value) lines of a sidecar worth reading first; the whole sidecar follows them on the page."""
    used = sidecar.get("used") or {}
    environment = sidecar.get("environment") or {}
    rows = [("dataset", f"{sidecar.get('dataset_id')} (qrels sha256 {sidecar.get('qrels_sha256')})")]
    parameters = {k: v for k, v in (sidecar.get("parameters") or {}).items() if v is not None}
    rows.append(("parameters", ", ".join(f"{k}={json.dumps(v)}" for k, v in sorted(parameters.items()))))
    if sidecar.get("resolved"):
        rows.append(("resolved here", ", ".join(f"{k}={json.dumps(v)}" for k, v in sorted(sidecar["resolved"].items()))))
    if isinstance(used.get("model"), dict):
        rows += _model_rows(used["model"])
    translator = used.get("translator")
    if isinstance(translator, dict):
        rows.append(("translator", f"{translator.get('spec')}: {translator.get('model') or translator.get('system')}"))
        if translator.get("file") or translator.get("sha256"):
            pinned = "pinned" if translator.get("sha256_pinned") else "recorded"
            rows.append(("translator source", f"{translator.get('file')} (sha256 {translator.get('sha256')}, {pinned})"))
    training = used.get("training")
    if isinstance(training, dict):
        rows.append(("student training", ", ".join(f"{k}={training[k]}" for k in sorted(training))))
    if used.get("fusion"):
        members = ", ".join(f"{m.get('method')} (run sha256 {m.get('run_sha256')})" for m in used.get("members", []))
        rows.append(("fusion", f"{used['fusion']} of {members}; {used.get('library')}"))
    if used.get("analysis"):
        rows.append(("analysis", str(used["analysis"])))
    rows.append(("git commit", str(environment.get("git"))))
    packages = environment.get("packages") or {}
    rows.append(("packages", ", ".join(f"{name} {version}" for name, version in sorted(packages.items()))))
    rows.append(("python, platform", f"{environment.get('python')}, {environment.get('platform')}"))
    rows.append(("date", str(sidecar.get("date"))))
    if sidecar.get("wall_time_s") is not None:
        rows.append(("wall time", f"{sidecar['wall_time_s']} s"))
    if sidecar.get("run_sha256"):
        rows.append(("run file sha256", str(sidecar["run_sha256"])))
    return rows


def cell_context(board: CollectionBoard, pair: str, method: str, provenance: Mapping) -> dict:
    entry = board.entry(pair, method)
    record = provenance.get((pair, method)) or {}
    sidecar = record.get("sidecar")
    means = []
    if entry is not None and entry.status == "ok":
        for measure in board.measures:
            if measure in entry.scores:
                low, high = (float(x.loc[method, pair]) for x in board.intervals(measure))
                interval = "" if math.isnan(low) else f"[{text.score(low)}, {text.score(high)}]"
                means.append({"measure": text.measure_title(measure), "mean": text.score(entry.mean(measure)), "interval": interval})
    return {
        "anchor": cell_anchor(pair, method),
        "pair": pair,
        "method": method,
        "label": method_label(method),
        "status": entry.status if entry is not None else "missing",
        "short": skip_reason(entry) if entry is not None and entry.status == "skipped" else None,
        "detail": (sidecar or {}).get("reason_detail") or (sidecar or {}).get("reason"),
        "queries": len(entry.query_ids) if entry is not None else 0,
        "means": means,
        "command": rerun_command(sidecar) if sidecar else None,
        "rows": provenance_rows(sidecar) if sidecar and sidecar.get("status") == "ok" else [],
        "sidecar": json.dumps(sidecar, indent=1, sort_keys=True, ensure_ascii=False) if sidecar else None,
        "query_page": f"pair.html#{board.name}/{pair}",
    }


def cells_context(board: CollectionBoard, provenance: Mapping) -> dict:
    return {
        "name": board.name,
        "source": board.source,
        "interval": f"{round(board.options.confidence * 100)}% CI",
        "cells": [cell_context(board, pair, method, provenance) for pair in board.pairs for method in board.methods
                  if board.entry(pair, method) is not None],
    }
