"""The local executor: every cell of a run in this process, one after another (the default).

``run_all`` also hands the cells to another executor (``--executor ray``) when given one.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from harness.data.collections import CollectionSpec, load_topics
from harness.data.pairs import LanguagePair
from harness.executors.cells import Outcome, _record_skip, report_outcome, run_cell
from harness.method import MethodSpec


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
                outcomes.append(Outcome(pair.name, spec.name, "skipped", reason, detail=reason))
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
