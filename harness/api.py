"""The harness from Python: an experiment is one call that returns DataFrames (as PyTerrier's ``pt.Experiment``).

::

    from harness import Experiment, load_board

    result = Experiment(["bm25-nmt", "mdpr", "runs/my-system.run"], names=[None, None, "my-system"],
                        collection="ntrex", pairs=["en-sw", "en-fi"], measures=["AP", "nDCG@10"],
                        baseline="bm25-nmt", test="t-test", correction="holm")
    result.table("AP")   # methods x columns, the board's cells with their marks ("0.5113▲")
    result.means         # one row per (measure, method, column): mean, interval, better_than / worse_than
    result.comparisons   # one row per comparison: delta, CI, p, corrected p, d_z, wins/ties/losses, family
    result.per_query     # one row per (pair, method, query, measure): the value

A system is a registered method's name, a ``MethodSpec`` (registered for this process), a TREC run
file, or a run in memory: ``{query: {doc: score}}`` (with one pair), ``{pair: {query: {doc:
score}}}``, or a DataFrame with ``qid``, ``docno``, ``score`` (and ``pair`` for several pairs).
Runs and imported files are checked like ``import-run`` does and written under ``out`` with
their sidecars, so the numbers are the command line's: the same scores file, the same board, the
same tests (``python -m harness leaderboard`` on ``out`` rebuilds them).  Methods are retrieved
(or their saved runs reused) as ``python -m harness run`` does.  Errors are ``UsageError`` (a bad
name or value) and ``HarnessError``, each one line.
"""

from __future__ import annotations

import hashlib
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pandas as pd

from harness.board.board import CollectionBoard, build_board
from harness.board.cells import table_cells
from harness.board.build import ordered_methods, outside_methods
from harness.board.records import comparison_records, score_records
from harness.compare import ComparisonOptions
from harness.data.collections import CollectionSpec, saved_collection
from harness.data.user_collections import resolve_collection
from harness.errors import UsageError
from harness.evaluation.measure_names import measure_names
from harness.evaluation.measures import DEFAULT_MEASURES, parse_measures
from harness.evaluation.saved import evaluate_saved
from harness.evaluation.scores import load_scores, scores_path
from harness.executors.local import run_all
from harness.interop.import_run import import_ranking, import_run
from harness.method import MethodSpec
from harness.models.resolve import quiet_optional_kernel_logs
from harness.names import select
from harness.registry import METHODS, load_plugins, register
from harness.render.text import BASELINE_MARKS, NO_SCORE

DEFAULT_BASELINES = ("bm25-nmt", "mdpr")


@dataclass(frozen=True)
class ExperimentResult:
    """What an experiment (or a saved board) shows, as DataFrames; ``board`` holds every number they come from."""

    board: CollectionBoard
    means: pd.DataFrame  # the board's leaderboard.csv rows
    comparisons: pd.DataFrame  # the board's comparisons.csv rows
    per_query: pd.DataFrame  # pair, method, query_id, measure, value

    def table(self, measure: str | None = None) -> pd.DataFrame:
        """Methods x columns for ``measure`` (default: the first), as the board shows them: the mean to
        four decimals with its significance marks, "skipped", or "—" (no score)."""
        measure = measure or self.board.main_measure
        if measure not in self.board.measures:
            raise UsageError(f"measure {measure} is not on this board; it has: {', '.join(self.board.measures)}")
        cells = table_cells(self.board, measure)
        return pd.DataFrame(
            [[_cell_text(cells[(method, column)]) for column in self.board.columns] for method in self.board.methods],
            index=pd.Index(self.board.methods, name="method"), columns=self.board.columns,
        )


def _cell_text(cell) -> str:
    if cell.skipped:
        return "skipped"
    return NO_SCORE if math.isnan(cell.value) else f"{cell.value:.4f}{cell.marks}"


def Experiment(  # noqa: N802 - named as PyTerrier's pt.Experiment, which researchers know
    systems: Sequence[Any],
    collection: str = "ntrex",
    pairs: Sequence[str] | str = "all",
    measures: Sequence[str] = DEFAULT_MEASURES,
    baseline: str | Sequence[str] = DEFAULT_BASELINES,
    test: str = "t-test",
    correction: str = "holm",
    alpha: float = 0.05,
    family: str = "table",
    joint_family: bool = False,
    names: Sequence[str | None] | None = None,
    out: str | Path = "results",
    depth: int = 1000,
    settings: Mapping[str, Mapping[str, Any]] | None = None,
    force: bool = False,
    seed: int = 0,
    resamples: int = 10_000,
) -> ExperimentResult:
    """Run (or reuse), import and score ``systems`` on ``collection``'s ``pairs``, then compare them.

    ``names[i]`` names system i on the board (needed for runs in memory; a run file defaults to its
    file name's stem).  ``settings``: method -> parameter -> value, as ``--set``.  Every value is
    checked before any work.  Returns the board's DataFrames; they cover ``systems`` only.
    """
    quiet_optional_kernel_logs()
    load_plugins()
    out = Path(out)
    spec = resolve_collection(collection, pairs if isinstance(pairs, str) else ",".join(pairs))
    chosen = select(pairs if isinstance(pairs, str) else ",".join(pairs), {p.name: p for p in spec.language_pairs()},
                    f"pair of collection {spec.name}")
    measures = measure_names(list(measures))
    parse_measures(measures)
    options = _options(baseline, test, correction, alpha, family, joint_family, seed, resamples)
    names = list(names) if names is not None else [None] * len(systems)
    if len(names) != len(systems):
        raise UsageError(f"names: {len(names)} names for {len(systems)} systems")
    methods, imports = _sort_systems(systems, names, chosen)
    for method, params in (settings or {}).items():
        if method not in METHODS:
            raise UsageError(f"settings: unknown method {method}")
        METHODS[method].parameters(params)
    out.mkdir(parents=True, exist_ok=True)
    if methods:
        methods = sorted(methods, key=lambda s: s.family == "fusion")
        run_all(methods, chosen, spec, depth, out, force, dict(settings or {}), report=lambda line: None)
    for name, pair, run in imports:
        _import(run, name, spec, pair, out)
    evaluate_saved(spec, chosen, out, measures)
    wanted = [m.name for m in methods] + [name for name, _, _ in imports]
    return _result(out, spec, measures, options, list(dict.fromkeys(wanted)), [p.name for p in chosen])


def load_board(out: str | Path = "results", collection: str = "ntrex", measures: Sequence[str] | None = None,
               baseline: str | Sequence[str] = DEFAULT_BASELINES, test: str = "t-test", correction: str = "holm",
               alpha: float = 0.05, family: str = "table", joint_family: bool = False, seed: int = 0,
               resamples: int = 10_000) -> ExperimentResult:
    """A saved board as DataFrames, rebuilt from ``out``'s scores file alone (as ``python -m harness leaderboard``)."""
    load_plugins()
    out = Path(out)
    from harness.data.user_collections import results_name

    name = results_name(collection)
    entries = load_scores(scores_path(out, name))
    if not entries:
        raise UsageError(f"no scores in {scores_path(out, name)}; run `python -m harness run --out {out}` first")
    spec = resolve_collection(collection) if not collection.startswith("irds:") else saved_collection(name, entries)
    present = {m for e in entries.values() for m in e.scores}
    saved = [m for m in DEFAULT_MEASURES if m in present] + sorted(present - set(DEFAULT_MEASURES))
    measures = measure_names(list(measures)) if measures else saved
    options = _options(baseline, test, correction, alpha, family, joint_family, seed, resamples)
    return _result(out, spec, measures, options, ordered_methods(entries), list(spec.pairs))


def _options(baseline, test, correction, alpha, family, joint_family, seed, resamples) -> ComparisonOptions:
    baselines = (baseline,) if isinstance(baseline, str) else tuple(baseline)
    if len(baselines) > len(BASELINE_MARKS):
        raise UsageError(f"baseline: at most {len(BASELINE_MARKS)} baselines can be marked, got {len(baselines)}")
    return ComparisonOptions(baselines=baselines, test=test, correction=correction, alpha=alpha, family=family,
                             joint_family=joint_family, seed=seed, resamples=resamples)


def _sort_systems(systems, names, pairs):
    """(method specs to run, [(name, pair, run file or mapping)] to import), every entry checked."""
    methods, imports = [], []
    for index, (system, name) in enumerate(zip(systems, names)):
        where = f"systems[{index}]"
        if isinstance(system, MethodSpec):
            if METHODS.get(system.name) is not system:
                if system.name in METHODS:
                    raise UsageError(f"{where}: another method is registered as {system.name!r}; rename yours")
                register(system)
            methods.append(system)
        elif isinstance(system, str) and system in METHODS and name is None:
            methods.append(METHODS[system])
        elif isinstance(system, (str, Path)) and Path(system).is_file():
            if len(pairs) != 1:
                raise UsageError(f"{where}: a run file serves one pair; give one pair, or a mapping pair -> run")
            imports.append((name or Path(system).stem, pairs[0].name, Path(system)))
        elif isinstance(system, str):
            raise UsageError(f"{where}: {system!r} is neither a registered method nor a run file")
        elif isinstance(system, (Mapping, pd.DataFrame)):
            if not name:
                raise UsageError(f"{where}: a run in memory needs a name (names=[...])")
            for pair, run in _per_pair(system, pairs, where).items():
                imports.append((name, pair, run))
        else:
            raise UsageError(f"{where}: expected a method name, MethodSpec, run file, dict or DataFrame, "
                             f"not {type(system).__name__}")
    return methods, imports


def _per_pair(system, pairs, where) -> dict[str, dict[str, dict[str, float]]]:
    """A run in memory as pair -> query -> doc -> score."""
    names = [p.name for p in pairs]
    if isinstance(system, pd.DataFrame):
        missing = {"qid", "docno", "score"} - set(system.columns)
        if missing:
            raise UsageError(f"{where}: a run DataFrame needs columns qid, docno, score; missing {', '.join(sorted(missing))}")
        if "pair" not in system.columns and len(names) != 1:
            raise UsageError(f"{where}: with several pairs, a run DataFrame needs a pair column")
        frame = system if "pair" in system.columns else system.assign(pair=names[0])
        run: dict[str, dict[str, dict[str, float]]] = {}
        for row in frame.itertuples(index=False):
            docs = run.setdefault(str(row.pair), {}).setdefault(str(row.qid), {})
            if str(row.docno) in docs:
                raise UsageError(f"{where}: document {row.docno} is listed twice for query {row.qid}")
            docs[str(row.docno)] = float(row.score)
    elif all(k in names for k in system) and system:
        run = {pair: {str(q): {str(d): float(s) for d, s in docs.items()} for q, docs in queries.items()}
               for pair, queries in system.items()}
    elif len(names) == 1:
        run = {names[0]: {str(q): {str(d): float(s) for d, s in docs.items()} for q, docs in system.items()}}
    else:
        raise UsageError(f"{where}: with several pairs, a run in memory maps pair -> query -> doc -> score")
    unknown = [p for p in run if p not in names]
    if unknown:
        raise UsageError(f"{where}: pairs {', '.join(unknown)} are not among {', '.join(names)}")
    for pair, queries in run.items():
        for query, docs in queries.items():
            for doc, score in docs.items():
                if not math.isfinite(score):
                    raise UsageError(f"{where}: score {score} of {doc} for query {query} on {pair} is not a finite number")
    return run


def _import(run, name: str, spec: CollectionSpec, pair: str, out: Path) -> None:
    if isinstance(run, Path):
        import_run(run, name, spec, pair, out, force=True)
        return
    text = "".join(f"{q} {d} {s!r}\n" for q, docs in sorted(run.items()) for d, s in sorted(docs.items()))
    digest = hashlib.sha256(text.encode("utf-8")).hexdigest()
    import_ranking(run, name, spec, pair, out, "a run in memory (harness.api.Experiment)", digest, force=True)


def _result(out: Path, spec: CollectionSpec, measures, options, methods, pairs) -> ExperimentResult:
    entries = {k: e for k, e in load_scores(scores_path(out, spec.name)).items() if k[1] in methods and k[0] in pairs}
    oracles = [m for m in methods if m in METHODS and METHODS[m].oracle]
    title = f"Collection `{spec.name}`: {spec.description}"
    board = build_board(spec.name, title, str(scores_path(out, spec.name)), entries, methods, measures, options,
                        oracles, spec.pairs, own=outside_methods(methods, entries),
                        complete_judgements=spec.complete_judgements)
    per_query = pd.DataFrame(
        [{"pair": pair, "method": method, "query_id": q, "measure": measure, "value": v}
         for (pair, method), entry in sorted(entries.items()) if entry.status == "ok"
         for measure in measures if measure in entry.scores
         for q, v in zip(entry.query_ids, entry.scores[measure])],
        columns=["pair", "method", "query_id", "measure", "value"],
    )
    return ExperimentResult(board, pd.DataFrame(score_records(board)), pd.DataFrame(comparison_records(board)), per_query)
