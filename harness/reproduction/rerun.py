"""The command that rebuilds one cell of a board, from the sidecar of its run.

A cell's number depends on more than its method's parameters: what they resolved to on the run
that made it (bm25-nmt's translator, chosen run-wide by ``translator_choice``; a dense method's
precision and runtime, chosen per machine).  The command pins each of those with ``--set``, so
following it on the same data rebuilds the same cell even where a bare rerun would resolve
otherwise (``--pairs en-fi`` alone picks NLLB over OPUS-MT for bm25-nmt; see the case
``fix-hint-changes-number``).  Parameters equal to the method's defaults are left out.
"""

from __future__ import annotations

import json
import shlex
from collections.abc import Mapping
from typing import Any

from harness.registry import METHODS

# resolved key -> the parameter that pins it (its value minus a content hash: "precomputed:nllb@1a2b" -> "precomputed:nllb")
PINNED_BY_RESOLVED = {"translator": "translator", "precision": "precision", "runtime": "runtime",
                      "train_precision": "train_precision"}
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
