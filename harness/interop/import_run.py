"""A TREC run from another system, put on the board like any other row (``python -m harness import-run``).

The file is read by the strict run reader (6 fields, finite scores, no document twice for a
query), then every query id is checked against the collection's topics for the pair and every
document id against its documents: an unknown id is an error naming ``file:line`` and how many
lines share the fault, or, with ``drop_unknown``, a stated choice: those lines are dropped and
counted in the sidecar and in the line printed.  The run is written under the results folder as
``runs/<collection>/<pair>/<name>.run`` in trec_eval's order (ties broken as every harness run's
are), and its sidecar marks it as external: the source path and its sha256, the importer, the
date and the description.  Scoring, significance and the board then treat it as any saved run.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path

from harness.data.collections import CollectionSpec, load_topics
from harness.data.pairs import get_pair
from harness.data.sources import sha256_of
from harness.errors import HarnessError, UsageError
from harness.evaluation.runs import environment, read_run, read_sidecar, run_paths, write_run, write_sidecar
from harness.registry import METHODS

NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._+-]{0,79}$")
FAMILY = "external"
IMPORTER = "python -m harness import-run"


@dataclass(frozen=True)
class Imported:
    run_path: Path
    sidecar_path: Path
    queries: int  # queries with at least one document, after dropping
    lines: int  # run lines kept
    dropped_queries: int  # lines dropped for an unknown query id
    dropped_documents: int  # lines dropped for an unknown document id
    judged_without_run: int  # judged queries the run has no line for (they score 0, as with trec_eval -c)


def import_run(file: Path, name: str, collection: CollectionSpec, pair_name: str, out: Path,
               description: str = "", drop_unknown: bool = False, force: bool = False) -> Imported:
    """Check the TREC run ``file`` against ``collection``'s topics and documents for ``pair_name``, then
    write it as run ``name`` under ``out``.

    Raises UsageError (exit 2) for a bad name, a name a registered method or another import holds,
    a malformed file, or unknown ids (unless ``drop_unknown``), naming ``file:line``.
    """
    _check_target(name, collection, pair_name, out, force)
    try:
        run = read_run(file)
    except HarnessError as exc:  # the user's own file: bad input
        raise UsageError(str(exc)) from None
    except OSError as exc:
        raise UsageError(f"{file}: cannot read it ({exc.strerror or exc})") from None
    return import_ranking(run, name, collection, pair_name, out, str(file.resolve()), sha256_of(file), description,
                          drop_unknown, force=True, locate=lambda bad: _first_line(file, bad))


def import_ranking(run: Mapping[str, Mapping[str, float]], name: str, collection: CollectionSpec, pair_name: str,
                   out: Path, source: str, source_sha256: str, description: str = "", drop_unknown: bool = False,
                   force: bool = False, locate: Callable[[Callable[[str, str], bool]], tuple[str, str, str] | None] | None = None,
                   ) -> Imported:
    """``run`` (query id -> doc id -> score) checked and written as :func:`import_run` does for a file.

    ``source`` and ``source_sha256`` name where it came from (kept in the sidecar); ``locate(is_bad)``
    names the first offending place (``file:line``) for the error line.
    """
    _check_target(name, collection, pair_name, out, force)
    if not run:
        raise UsageError(f"{source}: no run lines")
    topics = load_topics(collection, get_pair(pair_name))
    documents = {doc_id for doc_id, _ in topics.docs()}
    unknown_queries = {q for q in run if q not in topics.queries}
    unknown_docs = {(q, d) for q, docs in run.items() if q not in unknown_queries for d in docs if d not in documents}
    if (unknown_queries or unknown_docs) and not drop_unknown:
        raise UsageError(_unknown_line(source, run, unknown_queries, unknown_docs, topics.dataset_id, locate))
    dropped_queries = sum(len(run[q]) for q in unknown_queries)
    kept = {q: {d: s for d, s in docs.items() if (q, d) not in unknown_docs}
            for q, docs in run.items() if q not in unknown_queries}
    kept = {q: docs for q, docs in kept.items() if docs}
    if not kept:
        raise UsageError(f"{source}: no line is left once unknown ids are dropped; is it a run of {topics.dataset_id}?")
    run_path, sidecar_path = run_paths(out, collection.name, pair_name, name)
    run_sha256 = write_run(run_path, {q: list(docs.items()) for q, docs in kept.items()}, tag=name)
    judged = {q for q, docs in topics.qrels.items() if any(r > 0 for r in docs.values())}
    write_sidecar(sidecar_path, {
        "method": name,
        "family": FAMILY,
        "parameters": {},
        "depth": max(len(docs) for docs in kept.values()),
        "collection": collection.name,
        "dataset_id": topics.dataset_id,
        "pair": pair_name,
        "qrels_sha256": topics.qrels_sha256,
        "queries_sha256": topics.queries_sha256,
        "resolved": {},
        "origin": {"kind": "external", "name": source},
        "date": dt.datetime.now(dt.timezone.utc).isoformat(timespec="seconds"),
        "environment": environment(),
        "status": "ok",
        "run_sha256": run_sha256,
        "used": {"external": {
            "source": source,
            "sha256": source_sha256,
            "importer": IMPORTER,
            "description": description,
            "dropped_lines": {"unknown_query": dropped_queries, "unknown_document": len(unknown_docs)},
        }},
    })
    return Imported(run_path, sidecar_path, len(kept), sum(len(d) for d in kept.values()), dropped_queries,
                    len(unknown_docs), len(judged - set(kept)))


def _check_target(name: str, collection: CollectionSpec, pair_name: str, out: Path, force: bool) -> None:
    if not NAME.match(name):
        raise UsageError(f"--name {name!r}: use letters, digits and . _ + - (at most 80), starting with a letter or digit")
    if name in METHODS:
        raise UsageError(f"--name {name}: a registered method has that name; its runs would replace yours")
    if pair_name not in collection.pairs:
        raise UsageError(f"--pair {pair_name}: collection {collection.name} serves {', '.join(collection.pairs)}")
    sidecar_path = run_paths(out, collection.name, pair_name, name)[1]
    if sidecar_path.is_file() and not force:
        previous = read_sidecar(sidecar_path).get("used", {}).get("external", {}).get("source", "?")
        raise UsageError(f"{sidecar_path} exists (imported from {previous}); add --force to replace it")


def _first_line(file: Path, is_bad: Callable[[str, str], bool]) -> tuple[str, str, str] | None:
    """(``file:line``, query id, doc id) of the file's first line that ``is_bad``."""
    with file.open(encoding="utf-8") as handle:
        for number, line in enumerate(handle, start=1):
            fields = line.split()
            if is_bad(fields[0], fields[2]):
                return f"{file}:{number}", fields[0], fields[2]
    return None


def _unknown_line(source: str, run, unknown_queries: set, unknown_docs: set, dataset_id: str, locate) -> str:
    """One line: the first offending place, and how many lines share the fault."""
    def is_bad(query: str, doc: str) -> bool:
        return query in unknown_queries or (query, doc) in unknown_docs

    first = locate(is_bad) if locate is not None else None
    if first is None:
        query, doc = next((q, d) for q, docs in run.items() for d in docs if is_bad(q, d))
        first = (source, query, doc)
    where, query, doc = first
    what = f"query {query}" if query in unknown_queries else f"document {doc}"
    counts = []
    if unknown_queries:
        counts.append(f"{sum(len(run[q]) for q in unknown_queries)} line(s) of {len(unknown_queries)} unknown query id(s)")
    if unknown_docs:
        counts.append(f"{len(unknown_docs)} line(s) with unknown document ids")
    return (f"{where}: {what} is not in {dataset_id} ({'; '.join(counts)}); check the collection and pair, "
            "or drop and count such lines (--drop-unknown)")
