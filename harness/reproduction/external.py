"""Expectations from outside: Pyserini's CIRAL reproduction matrix, checked only where its corpus can be had.

``pyserini_ciral.tsv`` (beside this file) holds the rows of Pyserini's two-click reproduction matrix
for CIRAL (``pyserini/2cr/ciral.yaml`` in castorini/pyserini at commit
2bb342acc124c69ec4fe13ebc3be0bd5a5bf497c) that correspond to a method here:

- ``bm25-qt.<lang>`` (BM25 over the human query translations, Anserini's ``-language <lang>``) is
  ``bm25-ht`` (``reference:ciral``);
- ``mdpr-tied-pft-msmarco.<lang>`` (the English queries and the passages through
  ``castorini/mdpr-tied-pft-msmarco``) is ``mdpr`` under the ``paper`` profile.

Document translation, AfriBERTa-DPR and their fusion have no counterpart here.  Splits: test A
(``ciral``), test A with its pool judgements (``ciral-test-a-pools``), test B (``ciral-test-b``);
measures nDCG@20 and R@100, as Pyserini prints them (four decimals, ``trec_eval -c``).

Tolerance (this project's choice, per row): Pyserini's own check wants the four printed decimals,
but the harness is another implementation.  bm25-ht tokenizes Hausa, Somali, Swahili and Yoruba with
its own analysis (``harness.retrieval.analysis``), not Anserini's, so 0.005; mdpr encodes through
transformers rather than Pyserini's encoder classes and searches exactly rather than with Faiss, so
0.01.  These rows are expectations, not results: agreement is claimed only for a row that was run.

Offline, a CIRAL cell cannot run (its corpus needs the network once), and ``check`` lists each row as
"needs network" instead of passing or failing it.
"""

from __future__ import annotations

import csv
import math
from dataclasses import dataclass
from pathlib import Path

from harness.data.collections import COLLECTIONS
from harness.data.pairs import get_pair
from harness.errors import HarnessError

TABLE = Path(__file__).with_name("pyserini_ciral.tsv")
COLUMNS = ("collection", "pair", "method", "profile", "measure", "value", "tolerance", "condition")
SOURCE = "Pyserini 2CR (pyserini/2cr/ciral.yaml @ 2bb342a)"


@dataclass(frozen=True)
class ExternalExpectation:
    collection: str
    pair: str
    method: str
    profile: str
    measure: str
    value: float
    tolerance: float
    condition: str  # Pyserini's name of the run, e.g. "bm25-qt.ha"

    @property
    def cell(self) -> str:
        return f"{self.collection}/{self.pair}/{self.method}/{self.measure}"

    def line(self, status: str, observed: float = math.nan, why: str = "") -> str:
        shown = "" if math.isnan(observed) else f"{observed:.6f}  "
        tail = f": {why}" if why else ""
        return (f"{status:<13} {self.cell}  {shown}expected {self.value:.4f} ± {self.tolerance:g} "
                f"({SOURCE} {self.condition}, profile {self.profile}){tail}")


def read_external(path: Path | None = None) -> list[ExternalExpectation]:
    """The rows of ``path`` (default: ``pyserini_ciral.tsv``); HarnessError naming the line of a malformed one."""
    path = path or TABLE
    rows = []
    with path.open(encoding="utf-8", newline="") as handle:
        reader = csv.reader(handle, delimiter="\t")
        if next(reader, None) != list(COLUMNS):
            raise HarnessError(f"{path}:1: expected the header {'<TAB>'.join(COLUMNS)}")
        for row in reader:
            try:
                collection, pair, method, profile, measure, value, tolerance, condition = row
                rows.append(ExternalExpectation(collection, pair, method, profile, measure, float(value), float(tolerance),
                                                condition))
            except ValueError:
                raise HarnessError(f"{path}:{reader.line_num}: expected 8 tab-separated fields with numbers, got {row}") from None
            if collection not in COLLECTIONS or pair not in COLLECTIONS[collection].pairs:
                raise HarnessError(f"{path}:{reader.line_num}: no collection {collection} with pair {pair}")
    return rows


def corpus_reason(expectation: ExternalExpectation) -> str | None:
    """Why the row's collection cannot be run here (its corpus needs the network once), else None."""
    corpus = COLLECTIONS[expectation.collection].corpus_of(get_pair(expectation.pair))
    return None if corpus is None else corpus.unavailable_reason()


def check_external(rows: list[ExternalExpectation], methods: set[str], report, folder: Path) -> tuple[int, int, int]:
    """One line per row: OK/FAIL when it was run (methods in ``methods``, corpus here), else why not.

    Returns (ok, failed, not run).
    """
    from harness.evaluation.saved import evaluate_saved
    from harness.executors.local import run_all
    from harness.registry import METHODS

    ok = failed = not_run = 0
    runnable = []
    for row in rows:
        reason = corpus_reason(row)
        if reason is not None:
            report(row.line("NEEDS NETWORK", why=reason))
            not_run += 1
        elif row.method not in methods:
            report(row.line("NOT RUN", why=f"{row.method} is not re-run with this --rerun (--rerun all runs it)"))
            not_run += 1
        else:
            runnable.append(row)
    groups: dict[tuple[str, str], list[ExternalExpectation]] = {}
    for row in runnable:
        groups.setdefault((row.collection, row.profile), []).append(row)
    for (name, profile), members in sorted(groups.items()):
        collection = COLLECTIONS[name]
        pairs = [get_pair(p) for p in collection.pairs if any(r.pair == p for r in members)]
        specs = [METHODS[m] for m in sorted({r.method for r in members})]
        out = folder / f"{name}-{profile}"
        overrides = {spec.name: {"profile": profile} for spec in specs if "profile" in spec.defaults}
        run_all(specs, pairs, collection, 1000, out, overrides=overrides, report=lambda line: None)
        scores = evaluate_saved(collection, pairs, out, sorted({r.measure for r in members}))
        for row in members:
            entry = scores.get((row.pair, row.method))
            if entry is None or entry.status != "ok":
                report(row.line("NEEDS NETWORK", why=entry.reason if entry is not None else "no run"))
                not_run += 1
                continue
            observed = entry.mean(row.measure)
            passed = abs(observed - row.value) <= row.tolerance
            report(row.line("OK" if passed else "FAIL", observed))
            ok, failed = ok + passed, failed + (not passed)
    return ok, failed, not_run
