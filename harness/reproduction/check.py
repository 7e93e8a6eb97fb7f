"""Reproduction check: expected scores as data, and an OK/FAIL line per cell (Pyserini's 2CR, here).

``results/expected.tsv`` holds, for every (collection, pair, method, measure) with committed
scores, the mean and the tolerance a re-run must meet.  It is generated from the committed scores
(``python -m harness check --write-expected``) and committed beside them.

``python -m harness check`` then:

1. re-scores: recomputes every mean from the committed per-query scores
   (``results/scores/<collection>.json``) and compares it with the expected value to 1e-9, so an
   edited committed score fails (one query's score changed by 1e-6 moves a 123-query mean by 8e-9);
2. re-runs (``--rerun bm25``, the default: the BM25 cells, about a minute; ``--rerun all``: every
   method, which trains the students cold) into a temporary results folder, scores the new runs
   and compares each mean with the expected value within the row's tolerance.

Tolerances (data, per row): 1e-4 for BM25 (Lucene and precomputed translations: deterministic),
2e-3 for dense, distilled and fused runs (float arithmetic differs in the fourth decimal between
CPUs).  Exit status 1 when any cell fails.

3. checks the expectations published outside the project (``external.py``: Pyserini's CIRAL matrix)
   where they can run here: with the CIRAL corpus at hand (network once), the matching cells run in a
   temporary folder (bm25-ht under ``--rerun bm25``, mdpr under the paper profile too under
   ``--rerun all``); without it, each row is listed as "needs network" and neither passes nor fails.
"""

from __future__ import annotations

import csv
import io
import math
import tempfile
from dataclasses import dataclass
from pathlib import Path

from harness.files.atomic import atomic_write_text
from harness.files.textfile import read_tsv
from harness.data.collections import COLLECTIONS
from harness.errors import HarnessError
from harness.registry import METHODS
from harness.evaluation.scores import load_scores, scores_path
from harness.reproduction.external import check_external, read_external

EXPECTED = "expected.tsv"
COLUMNS = ("collection", "pair", "method", "measure", "value", "tolerance")
RESCORE_TOLERANCE = 1e-9
LEXICAL_TOLERANCE = 1e-4  # BM25 over fixed translations: Lucene is deterministic
DEFAULT_TOLERANCE = 2e-3  # dense, distilled, fused: float arithmetic differs in the 4th decimal between CPUs
RERUNS = ("none", "bm25", "all")


@dataclass(frozen=True)
class Expected:
    collection: str
    pair: str
    method: str
    measure: str
    value: float
    tolerance: float

    @property
    def cell(self) -> str:
        return f"{self.collection}/{self.pair}/{self.method}/{self.measure}"


def lexical(method: str) -> bool:
    return method in METHODS and METHODS[method].family.startswith("lexical")


def tolerance_for(method: str) -> float:
    return LEXICAL_TOLERANCE if lexical(method) else DEFAULT_TOLERANCE


def write_expected(out: Path) -> Path:
    """``out/expected.tsv`` from every committed scores file under ``out``; returns its path."""
    rows = []
    for name in COLLECTIONS:
        for (pair, method), entry in sorted(load_scores(scores_path(out, name)).items()):
            if entry.status != "ok":
                continue
            for measure in entry.scores:
                rows.append((name, pair, method, measure, repr(entry.mean(measure)), repr(tolerance_for(method))))
    if not rows:
        raise HarnessError(f"no scores under {out / 'scores'}: nothing to expect")
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter="\t", lineterminator="\n")
    writer.writerow(COLUMNS)
    writer.writerows(rows)
    path = out / EXPECTED
    atomic_write_text(path, buffer.getvalue())
    return path


MAX_TOLERANCE = 10 * DEFAULT_TOLERANCE  # a wider one would pass a changed result


def read_expected(out: Path) -> list[Expected]:
    """The rows of ``out/expected.tsv``, read by the rules of a user's TSV file (``read_tsv``) and checked.

    Raises ``HarnessError`` naming file:line for: a header other than ``COLUMNS``, a collection
    the harness does not know, a pair that collection does not serve, a measure ir_measures
    does not parse, a value that is not a finite number, a tolerance outside [0, MAX_TOLERANCE],
    and a cell given on two lines.
    """
    path = out / EXPECTED
    if not path.is_file():
        raise HarnessError(f"{path} is missing; write it from the committed scores: python -m harness check --write-expected")
    from harness.errors import UsageError
    from harness.evaluation.measures import parse_measures

    rows, first_line = [], {}
    for number, fields in read_tsv(path, COLUMNS, "expected values"):
        where = f"{path}:{number}"
        if number == 1:
            if fields != list(COLUMNS):
                raise HarnessError(f"{where}: expected the header {'<TAB>'.join(COLUMNS)}")
            continue
        collection, pair, method, measure, value, tolerance = fields
        if collection not in COLLECTIONS:
            raise HarnessError(f"{where}: unknown collection {collection!r}; valid: {', '.join(COLLECTIONS)}")
        if pair not in COLLECTIONS[collection].pairs:
            raise HarnessError(f"{where}: collection {collection} has no pair {pair!r}")
        try:
            parse_measures([measure])
        except UsageError as exc:
            raise HarnessError(f"{where}: {exc}") from None
        numbers = []
        for name, text in (("value", value), ("tolerance", tolerance)):
            try:
                numbers.append(float(text))
            except ValueError:
                numbers.append(math.nan)
            if not math.isfinite(numbers[-1]):
                raise HarnessError(f"{where}: {name} {text!r} is not a finite number")
        if not 0 <= numbers[1] <= MAX_TOLERANCE:
            raise HarnessError(f"{where}: tolerance {tolerance} must be between 0 and {MAX_TOLERANCE:g}")
        e = Expected(collection, pair, method, measure, numbers[0], numbers[1])
        if e.cell in first_line:
            raise HarnessError(f"{where}: {e.cell} was already given on line {first_line[e.cell]}; keep one")
        first_line[e.cell] = number
        rows.append(e)
    return rows


def check(out: Path, rerun: str = "bm25", report=print) -> bool:
    """Print one OK/FAIL line per expected cell and a summary; True when every cell passes."""
    expected = read_expected(out)
    failures = 0
    scores = {name: load_scores(scores_path(out, name)) for name in {e.collection for e in expected}}
    for e in expected:
        entry = scores[e.collection].get((e.pair, e.method))
        observed = entry.mean(e.measure) if entry is not None and entry.status == "ok" and e.measure in entry.scores else math.nan
        failures += _line(report, e, observed, RESCORE_TOLERANCE, "re-scored")
    unexpected = _unexpected(out, {e.cell for e in expected}, report)
    failures += unexpected
    rerun_methods = _rerun_methods(expected, rerun)
    if rerun_methods:
        with tempfile.TemporaryDirectory(prefix="harness-check-") as folder:
            fresh = _rerun(Path(folder), expected, rerun_methods, report)
            for e in (e for e in expected if e.method in rerun_methods):
                entry = fresh.get((e.collection, e.pair, e.method))
                observed = entry.mean(e.measure) if entry is not None and e.measure in entry.scores else math.nan
                failures += _line(report, e, observed, e.tolerance, "re-run")
    reran = sum(e.method in rerun_methods for e in expected)
    total = len(expected) + unexpected + reran
    external = read_external()
    runs = {r.method for r in external if rerun == "all" or (rerun == "bm25" and lexical(r.method))}
    with tempfile.TemporaryDirectory(prefix="harness-check-external-") as folder:
        external_ok, external_failed, not_run = check_external(external, runs, report, Path(folder))
    report(f"{total - failures} OK, {failures} FAIL ({len(expected)} cells re-scored"
           + (f", {unexpected} not in {EXPECTED}" if unexpected else "")
           + (f", {reran} re-run: {', '.join(sorted(rerun_methods))})" if rerun_methods else ")")
           + f"; {len(external)} Pyserini 2CR expectations: {external_ok} OK, {external_failed} FAIL, "
           f"{not_run} not run (needs network, or not re-run)")
    failures += external_failed
    return failures == 0


def _unexpected(out: Path, cells: set[str], report) -> int:
    """One FAIL line per committed cell that expected.tsv does not list (a row removed, or never written)."""
    missing = 0
    for name in COLLECTIONS:
        for (pair, method), entry in sorted(load_scores(scores_path(out, name)).items()):
            for measure in entry.scores if entry.status == "ok" else ():
                cell = f"{name}/{pair}/{method}/{measure}"
                if cell not in cells:
                    report(f"FAIL  {cell}  {entry.mean(measure):.6f}  not in {EXPECTED} "
                           "(write it from the committed scores: python -m harness check --write-expected)")
                    missing += 1
    return missing


def _line(report, e: Expected, observed: float, tolerance: float, how: str) -> int:
    ok = not math.isnan(observed) and abs(observed - e.value) <= tolerance
    shown = "missing" if math.isnan(observed) else f"{observed:.6f}"
    report(f"{'OK  ' if ok else 'FAIL'}  {e.cell}  {shown}  expected {e.value:.6f} ± {tolerance:g} ({how})")
    return 0 if ok else 1


def _rerun_methods(expected: list[Expected], rerun: str) -> set[str]:
    if rerun not in RERUNS:
        raise HarnessError(f"--rerun {rerun}: expected one of {', '.join(RERUNS)}")
    present = {e.method for e in expected if e.method in METHODS}
    if rerun == "none":
        return set()
    if rerun == "bm25":
        return {m for m in present if lexical(m)}
    return present


def _rerun(folder: Path, expected: list[Expected], methods: set[str], report) -> dict:
    from harness.data.pairs import get_pair
    from harness.evaluation.saved import evaluate_saved
    from harness.executors.local import run_all

    fresh = {}
    for name in sorted({e.collection for e in expected}):
        collection = COLLECTIONS[name]
        pairs = [get_pair(p) for p in collection.pairs if any(e.pair == p and e.collection == name for e in expected)]
        specs = sorted((METHODS[m] for m in methods), key=lambda s: (s.family == "fusion", list(METHODS).index(s.name)))
        measures = sorted({e.measure for e in expected if e.collection == name})
        run_all(specs, pairs, collection, 1000, folder, report=lambda line: None)
        for (pair, method), entry in evaluate_saved(collection, pairs, folder, measures, keep_provenance=False).items():
            if entry.status == "ok":
                fresh[(name, pair, method)] = entry
    return fresh
