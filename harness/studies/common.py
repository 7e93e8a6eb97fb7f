"""What every study shares: its pairs and methods, its runs (one folder per variant), its scores and files.

Layout under the results folder, for study ``NAME``::

    studies/NAME.md, NAME.csv, NAME.json, NAME.png      the outputs (committed)
    studies/NAME/<variant>/scores/<collection>.json      per-query scores (committed; outputs rebuild from them)
    studies/NAME/<variant>/runs/<collection>/<pair>/     TREC runs and sidecars (not committed)

A variant is one setting of what the study varies: a perturbation, a training seed, a bitext
source; ``main`` when it varies nothing.  Runs go through ``harness.executors.cells.run_cell``, so a saved run
is reused only when its parameters, queries and qrels are unchanged, and trained students and
embeddings come from the cache: a study never retrains what the main run trained.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import Any

from harness.files.fileset import write_file_set
from harness.files.lock import results_lock
from harness.data.collections import CollectionSpec, Topics, load_topics
from harness.data.pairs import LanguagePair
from harness.errors import UsageError
from harness.method import MethodSpec
from harness.executors.cells import Outcome, run_cell
from harness.evaluation.saved import evaluate_saved
from harness.registry import METHODS
from harness.evaluation.scores import ScoreEntry, load_scores, scores_path

DEPTH = 1000
MAIN = "main"
DENSE = ("mdpr", "kd", "cal", "optical")
DISTILLED = ("kd", "cal", "optical")


def study_folder(out: Path, name: str, variant: str = MAIN) -> Path:
    return out / "studies" / name / variant


def study_pairs(collection: CollectionSpec, requested: Sequence[str] | None) -> list[LanguagePair]:
    """The collection's pairs, or those of them in ``requested`` (None: all)."""
    if requested is None:
        return collection.language_pairs()
    return [p for p in collection.language_pairs() if p.name in requested]


def check_pairs(requested: Sequence[str] | None, collections: Sequence[CollectionSpec], study: str) -> None:
    """Every requested pair must be served by one of the study's collections (one line, exit 2, otherwise)."""
    if requested is None:
        return
    served = {p for c in collections for p in c.pairs}
    unknown = [p for p in requested if p not in served]
    if unknown:
        raise UsageError(f"study {study}: no collection of it serves {', '.join(unknown)}; valid: {', '.join(sorted(served))}")


def study_methods(applicable: Sequence[str], requested: Sequence[str] | None, study: str) -> list[MethodSpec]:
    """The registered methods the study applies to, or those of them in ``requested`` (None: all)."""
    if requested is None:
        return [METHODS[m] for m in applicable if m in METHODS]
    unknown = [m for m in requested if m not in applicable]
    if unknown:
        raise UsageError(f"study {study} does not apply to {', '.join(unknown)}; it applies to: {', '.join(applicable)}")
    return [METHODS[m] for m in requested]


def merged(settings: Mapping[str, Mapping[str, Any]] | None, study: Mapping[str, Mapping[str, Any]]) -> dict:
    """The user's ``--set`` values with the study's own on top (the study's define its variants)."""
    merged = {m: dict(v) for m, v in (settings or {}).items()}
    for method, values in study.items():
        merged.setdefault(method, {}).update(values)
    return merged


def run_grid(
    folder: Path,
    collection: CollectionSpec,
    pairs: Sequence[LanguagePair],
    methods: Sequence[MethodSpec],
    force: bool,
    report: Callable[[str], None],
    overrides: Mapping[str, Mapping[str, Any]] | None = None,
    transform: Callable[[Topics], Topics] | None = None,
    label: str = "",
) -> list[Outcome]:
    """Every method on every pair of ``collection``, into ``folder``; ``transform`` rewrites the topics (queries)."""
    served = {p.name: load_topics(collection, p) for p in pairs}
    if transform is not None:
        served = {name: transform(topics) for name, topics in served.items()}
    run = tuple(served.values())
    outcomes = []
    for pair in pairs:
        for spec in methods:
            params = spec.parameters((overrides or {}).get(spec.name))
            outcome = run_cell(spec, served[pair.name], params, DEPTH, folder, force, run)
            outcomes.append(outcome)
            where = f"{spec.name} on {collection.name}/{pair.name}" + (f" [{label}]" if label else "")
            if outcome.status == "skipped":
                report(f"skip {where}: {outcome.reason}")
            else:
                report(f"{outcome.status} {where}" + (f" ({outcome.seconds:.1f} s)" if outcome.seconds else ""))
    return outcomes


def score_grid(
    folder: Path, collection: CollectionSpec, pairs: Sequence[LanguagePair], measures: Sequence[str]
) -> dict[tuple[str, str], ScoreEntry]:
    """Score the variant's saved runs of ``collection`` into its scores file; returns its entries."""
    return evaluate_saved(collection, list(pairs), folder, list(measures), keep_provenance=False)  # no site pages


def saved_scores(folder: Path, collection: str) -> dict[tuple[str, str], ScoreEntry]:
    """A variant's committed scores (empty when it has none)."""
    return load_scores(scores_path(folder, collection))


def write_files(out: Path, name: str, files: Mapping[str, str | bytes]) -> list[Path]:
    """``files`` (suffix -> content) as ``studies/NAME.<suffix>``, written as one set: all or none
    (``harness.files.fileset``), under the results folder's lock."""
    with results_lock(out):
        return write_file_set(out, {f"studies/{name}.{suffix}": content if isinstance(content, bytes) else content.encode("utf-8")
                                    for suffix, content in files.items()}, f"study-{name}")


def ok(entry: ScoreEntry | None) -> bool:
    return entry is not None and entry.status == "ok"
