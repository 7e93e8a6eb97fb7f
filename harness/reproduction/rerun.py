"""The command that rebuilds one cell of a board, from the sidecar of its run.

A cell's number depends on more than its method's parameters: what they resolved to on the run
that made it (bm25-nmt's translator, chosen across pairs by ``translator_choice``; a dense
method's precision and runtime, chosen per machine).  The command pins each of those with
``--set``, so following it on the same data rebuilds the same cell even where a bare rerun would
resolve otherwise (another machine's precision; before the board's pairs were counted,
``--pairs en-fi`` alone picked NLLB over OPUS-MT for bm25-nmt: case ``fix-hint-changes-number``).
Parameters equal to the method's defaults are left out.  ``fix_hint`` is the command line's
wording of it for a ``RerunNeeded`` error (a damaged or outdated saved run).
"""

from __future__ import annotations

import json
import shlex
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from harness.data.user_collections import results_name
from harness.errors import HarnessError
from harness.evaluation.runs import RerunNeeded
from harness.registry import METHODS

# resolved key -> the parameter that pins it (its value minus a content hash: "precomputed:nllb@1a2b" -> "precomputed:nllb")
PINNED_BY_RESOLVED = {"translator": "translator", "precision": "precision", "runtime": "runtime",
                      "train_precision": "train_precision", "teacher_runtime": "teacher_runtime"}
DEFAULT_COLLECTION = "ntrex"
DEFAULT_DEPTH = 1000


def rerun_command(sidecar: Mapping[str, Any], out: str | None = None) -> str | None:
    """``python -m harness run ...`` that rebuilds the cell ``sidecar`` describes; None for a method not registered here.

    ``out``: the results folder to name (left out when it is the default, ``results``).
    """
    method = sidecar.get("method")
    if method not in METHODS:
        return None
    spec = METHODS[method]
    recorded = dict(sidecar.get("parameters") or {})
    settings = {k: v for k, v in recorded.items() if k in spec.defaults and v != spec.defaults[k]}
    for key, value in (sidecar.get("resolved") or {}).items():
        parameter = PINNED_BY_RESOLVED.get(key)
        if parameter in spec.defaults and value is not None and recorded.get(parameter) is None:
            settings[parameter] = str(value).split("@", 1)[0]
    words = ["python", "-m", "harness", "run", "--methods", method, "--pairs", str(sidecar.get("pair"))]
    if sidecar.get("collection", DEFAULT_COLLECTION) != DEFAULT_COLLECTION:
        words += ["--collection", str(sidecar["collection"])]
    if sidecar.get("depth", DEFAULT_DEPTH) != DEFAULT_DEPTH:
        words += ["--depth", str(sidecar["depth"])]
    for key in sorted(settings):
        words += ["--set", f"{method}.{key}={_value(settings[key])}"]
    if out not in (None, "results"):
        words += ["--out", out]
    return shlex.join(words)


def _value(value: Any) -> str:
    """As ``--set`` reads it back: a comma list for lists, plain text for strings, JSON otherwise."""
    if isinstance(value, (list, tuple)):
        return ",".join(str(v) for v in value)
    if isinstance(value, str):
        return value
    return json.dumps(value)


def fix_hint(error: RerunNeeded, collection_given: str | None = None) -> str:
    """The command that rebuilds the cell ``error`` names, for its one-line message.

    ``collection_given``: the ``--collection`` value of the command that failed; a folder or an
    ``irds:`` id is named as given (the sidecar records only the collection's results name).  A
    run inside a study's folder is rebuilt by its study, never by ``run`` (which would make the
    board's cell, not the study's variant).
    """
    parts = error.out.parts
    force = " --force" if error.force else ""
    if "studies" in parts:
        at = len(parts) - 1 - parts[::-1].index("studies")
        root = Path(*parts[:at]) if at else Path(".")
        out = "" if root == Path("results") else f" --out {shlex.quote(str(root))}"
        return f"python -m harness study run {parts[at + 1]}{out}{force}" if at + 1 < len(parts) else "rerun the study"
    sidecar = dict(error.sidecar)
    if collection_given and collection_given != sidecar.get("collection"):
        try:
            if results_name(collection_given) == sidecar.get("collection"):
                sidecar["collection"] = collection_given
        except HarnessError:
            pass  # not a collection this process can name: the recorded name stands
    command = rerun_command(sidecar, str(error.out))
    if command is None:
        return f"remove {error.out / 'runs'}/.../{sidecar.get('method')}.json and rerun what made it"
    return command + force
