"""A collection's saved runs and qrels, written in other tools' formats.

``export`` reads ``<out>/runs/<collection>/<pair>/<method>.run`` (with its sidecar) and
writes under ``<dest>/<collection>/<pair>/``:

* ``trec``: ``qrels.txt`` (TREC qrels, ``qid 0 docid rel``, sorted by query then document)
  and ``<method>.run``, a byte-for-byte copy of the run file;
* ``ranx``: ``qrels.json`` and ``<method>.json`` in ranx's own JSON format
  (``Qrels(...).save`` / ``Run(..., name=method).save``; read back with ``Qrels.from_file`` and
  ``Run.from_file``, which do not keep the run's name).  Bassani, ranx: A Blazing-Fast Python
  Library for Ranking Evaluation and Comparison, ECIR 2022;
* ``pyterrier``: three Parquet files with PyTerrier's standard column names (the data model of
  Macdonald & Tonellotto, Declarative Experimentation in Information Retrieval using PyTerrier,
  ICTIR 2020): ``runs.parquet`` (``qid, docno, score, rank, name``: every method of the pair,
  ``name`` the method, ``rank`` from 0 as PyTerrier counts, rows ordered by name, qid, rank),
  ``qrels.parquet`` (``qid, docno, label``) and ``topics.parquet`` (``qid, query``); read them
  with ``pandas.read_parquet``.  Parquet is written by pyarrow when it is installed, else by
  fastparquet (a dependency of ranx, so always there); no pickle is involved.

Only runs whose sidecar says ``ok`` are exported, and only if the file is the one the sidecar
describes (its sha256) and was made against the qrels the collection has now; anything else
is an error naming the file, never a silent export of another run.  Every file is written
whole or not at all.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from pathlib import Path

import pandas as pd

from harness.files.atomic import atomic_open
from harness.data.collections import CollectionSpec, Topics, load_topics
from harness.data.pairs import LanguagePair
from harness.errors import HarnessError, UsageError
from harness.evaluation.runs import RerunNeeded, read_run, read_sidecar, run_matches_sidecar, run_paths, trec_order

FORMATS = ("ranx", "trec", "pyterrier")


def export(
    out: Path, collection: CollectionSpec, pairs: Sequence[LanguagePair], fmt: str, dest: Path
) -> list[Path]:
    """Write the saved runs of ``collection`` for ``pairs``, with their qrels, as ``fmt`` under ``dest``."""
    if fmt not in FORMATS:
        raise UsageError(f"unknown export format {fmt!r}; valid: {', '.join(FORMATS)}")
    writer = {"trec": _trec, "ranx": _ranx, "pyterrier": _pyterrier}[fmt]
    written: list[Path] = []
    for pair in pairs:
        runs = saved_runs(out, collection.name, pair.name)
        if not runs:
            continue
        topics = load_topics(collection, pair)
        for _, sidecar_path, sidecar in runs.values():
            _check_qrels(sidecar, sidecar_path, topics, out)
        written += writer(runs, topics, dest / collection.name / pair.name)
    if not written:
        raise HarnessError(
            f"no saved runs to export in {out / 'runs' / collection.name} for {', '.join(p.name for p in pairs)}; "
            f"make them first: python -m harness run --collection {collection.name}"
        )
    return written


def saved_runs(out: Path, collection: str, pair: str) -> dict[str, tuple[Path, Path, dict]]:
    """method -> (run file, sidecar file, sidecar) of every ``ok`` run of one pair, each checked against its sidecar."""
    folder = out / "runs" / collection / pair
    runs = {}
    for sidecar_path in sorted(folder.glob("*.json")) if folder.is_dir() else []:
        sidecar = read_sidecar(sidecar_path)
        if sidecar.get("status") != "ok":
            continue
        method = sidecar_path.stem
        run_path, _ = run_paths(out, collection, pair, method)
        if not run_path.is_file() or not run_matches_sidecar(run_path, sidecar):
            raise RerunNeeded(f"{run_path} is missing or is not the run its sidecar {sidecar_path.name} describes "
                              "(sha256); not exported", sidecar, out)
        runs[method] = (run_path, sidecar_path, sidecar)
    return runs


def _check_qrels(sidecar: dict, sidecar_path: Path, topics: Topics, out: Path) -> None:
    other_dataset = sidecar.get("dataset_id", topics.dataset_id) != topics.dataset_id
    if sidecar.get("qrels_sha256") != topics.qrels_sha256 or other_dataset:
        raise RerunNeeded(f"{sidecar_path}: the run was made against other qrels than {topics.dataset_id} has now; "
                          "exporting them together would mislead", sidecar, out, force=True)


def qrels_lines(qrels: dict[str, dict[str, int]]) -> list[str]:
    return [f"{qid} 0 {doc_id} {rel}\n" for qid in sorted(qrels) for doc_id, rel in sorted(qrels[qid].items())]


def _trec(runs, topics: Topics, folder: Path) -> list[Path]:
    qrels_path = folder / "qrels.txt"
    with atomic_open(qrels_path) as handle:
        handle.writelines(qrels_lines(topics.qrels))
    written = [qrels_path]
    for method, (run_path, _, _) in runs.items():
        target = folder / f"{method}.run"
        with atomic_open(target, "wb") as handle:
            handle.write(run_path.read_bytes())
        written.append(target)
    return written


def _ranx(runs, topics: Topics, folder: Path) -> list[Path]:
    from ranx import Qrels, Run  # ranx compiles with numba on import: only when asked for

    folder.mkdir(parents=True, exist_ok=True)
    written = [_ranx_save(Qrels(topics.qrels), folder / "qrels.json")]
    for method, (run_path, _, _) in runs.items():
        written.append(_ranx_save(Run(read_run(run_path), name=method), folder / f"{method}.json"))
    return written


def _ranx_save(obj, path: Path) -> Path:
    """ranx saves to a path: save beside it, then rename over it (a reader never sees half a file)."""
    partial = path.with_suffix(".partial.json")
    try:
        obj.save(str(partial), kind="json")
        os.replace(partial, path)
    finally:
        partial.unlink(missing_ok=True)
    return path


def _pyterrier(runs, topics: Topics, folder: Path) -> list[Path]:
    rows = []
    for method, (run_path, _, _) in runs.items():
        run = read_run(run_path)
        for qid in sorted(run):
            for rank, (doc_id, score) in enumerate(trec_order(run[qid].items())):
                rows.append((qid, doc_id, score, rank, method))
    frames = {
        "runs.parquet": pd.DataFrame(rows, columns=["qid", "docno", "score", "rank", "name"]),
        "qrels.parquet": pd.DataFrame(
            [(qid, doc_id, rel) for qid in sorted(topics.qrels) for doc_id, rel in sorted(topics.qrels[qid].items())],
            columns=["qid", "docno", "label"],
        ),
        "topics.parquet": pd.DataFrame(sorted(topics.queries.items()), columns=["qid", "query"]),
    }
    written = []
    for name, frame in frames.items():
        path = folder / name
        with atomic_open(path, "wb") as handle:
            frame.to_parquet(handle, index=False)
        written.append(path)
    return written
