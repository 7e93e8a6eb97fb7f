"""The local executor: every cell of a run in this process, one after another (the default).

``run_all`` also hands the cells to another executor (``--executor ray``) when given one.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from harness.data.collections import CollectionSpec, Topics, load_topics
from harness.data.pairs import LanguagePair
from harness.errors import HarnessError
from harness.executors.cells import Outcome, _record_skip, report_outcome, run_cell
from harness.method import MethodSpec


def board_topics(collection: CollectionSpec, served: Mapping[str, Topics]) -> tuple[Topics, ...]:
    """The topics that choices across pairs count (bm25-nmt's ``most-pairs`` translator): every pair of
    the collection's board, not only those of this run, so that rerunning one cell (``--pairs
    en-fi``) keeps the translator family of the board it belongs to (case fix-hint-changes-number).

    ``served``: the run's own topics by pair name.  The other pairs are read only for a collection
    built from local files (built-in, or a folder), where that is cheap and needs no network; a
    pair whose topics cannot be read here has no cell on the board and is not counted.  For a
    collection ir_datasets downloads, the run's pairs are the ones counted.
    """
    topics = dict(served)
    if collection.builtin:
        for pair in collection.language_pairs():
            if pair.name not in topics and collection.dataset_id(pair) is not None:
                try:
                    topics[pair.name] = load_topics(collection, pair)
                except HarnessError:
                    continue
    order = [p.name for p in collection.language_pairs()]
    return tuple(topics[name] for name in order if name in topics) + tuple(t for name, t in topics.items() if name not in order)


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
    run = board_topics(collection, served)
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
