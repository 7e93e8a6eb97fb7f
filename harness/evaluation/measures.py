"""Per-query scores with ir_measures.

Every judged query gets a value for every measure: a query with nothing
retrieved counts as 0, as with trec_eval ``-c``, and the number of such
queries is reported beside the scores.
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import ir_measures
import pandas as pd

from harness.errors import UsageError
from harness.evaluation.runs import trec_order

DEFAULT_MEASURES = ("AP", "nDCG@10", "nDCG@20", "R@100", "RR@10", "P@10")




def parse_measures(names: Sequence[str]) -> dict[str, object]:
    parsed = {}
    for name in names:
        try:
            parsed[name] = ir_measures.parse_measure(name)
        except (ValueError, NameError, AttributeError):
            raise UsageError(f"unknown measure {name!r}; examples: {', '.join(DEFAULT_MEASURES)}") from None
    return parsed


# How much of each query's top 10 is judged (ir_measures' Judged@10: judged documents among the first
# min(10, retrieved), any relevance level counting as judged).  Computed for every run beside the
# measures, never a column of the board: it says how far the judgements reach, not how good a run is.
JUDGED = "Judged@10"


@dataclass(frozen=True)
class Evaluation:
    per_query: pd.DataFrame  # index: judged query ids (sorted); columns: measure names
    empty_queries: int  # judged queries with nothing retrieved (scored 0)
    judged: pd.Series | None = None  # Judged@10 per judged query (0 where nothing was retrieved), same index


def as_ranked(docs: Mapping[str, float]) -> dict[str, float]:
    """One query's run with its ties broken by trec_eval's rule and scores replaced by n, n-1, ..., 1.

    ir_measures serves measures through several providers, and they break score ties
    differently (RR@10 once put a tied relevant document first while AP and P@1 put it
    second).  Given strictly decreasing scores, every provider sees the same ranking: the one
    trec_eval evaluates (score descending, then doc id descending).  Every measure here
    depends on the ranks only, so no value changes otherwise.
    """
    ordered = trec_order(docs.items())
    return {doc_id: float(len(ordered) - rank) for rank, (doc_id, _) in enumerate(ordered)}


def evaluate(
    run: Mapping[str, Mapping[str, float]],
    qrels: Mapping[str, Mapping[str, int]],
    measures: Sequence[str] = DEFAULT_MEASURES,
) -> Evaluation:
    """Per-query values of ``measures`` (names as given; two names of one measure get the same values)."""
    parsed = parse_measures(measures)
    judged = sorted(q for q, docs in qrels.items() if any(r > 0 for r in docs.values()))
    names_of: dict[str, list[str]] = {}  # AP and MAP parse to the same measure: both columns get it
    for name, measure in parsed.items():
        names_of.setdefault(str(measure), []).append(name)
    depth_of_judgements = ir_measures.parse_measure(JUDGED)
    unique = list({str(m): m for m in [*parsed.values(), depth_of_judgements]}.values())
    judged_set = set(judged)
    retrieved = {q: as_ranked(docs) for q, docs in run.items() if q in judged_set and docs}
    values: dict[str, dict[str, float]] = {name: {} for name in parsed}
    share_judged: dict[str, float] = {}
    for metric in ir_measures.iter_calc(unique, qrels, retrieved):
        if metric.query_id in judged_set:
            for name in names_of.get(str(metric.measure), []):
                values[name][metric.query_id] = metric.value
            if str(metric.measure) == str(depth_of_judgements):
                share_judged[metric.query_id] = metric.value
    # Filled column by column: setting 40,000 cells one at a time took seconds.
    index = pd.Index(judged, name="query_id")
    table = pd.DataFrame({name: [float(values[name].get(q, 0.0)) for q in judged] for name in parsed},
                         index=index, columns=list(parsed), dtype=float)
    judged_share = pd.Series([float(share_judged.get(q, 0.0)) for q in judged], index=index, dtype=float, name=JUDGED)
    return Evaluation(table, empty_queries=len(judged) - len(retrieved), judged=judged_share)


def same_measure_names(names: Sequence[str]) -> dict[str, list[str]]:
    """Names that ir_measures parses to one measure, grouped under its canonical name (only groups of 2+)."""
    groups: dict[str, list[str]] = {}
    for name, measure in parse_measures(names).items():
        groups.setdefault(str(measure), []).append(name)
    return {canonical: group for canonical, group in groups.items() if len(group) > 1}


def _scoring_rules() -> str:
    """ir_measures' version and a digest of the code that reads, orders and scores a run here.

    Saved scores are reused only when this is unchanged (with the run's and the qrels'
    sha256), so a change to the tie-breaking or the scoring code re-scores every run.  The
    digest covers those functions' source, not the files around them: moving or documenting
    code elsewhere does not re-score.
    """
    import inspect

    from harness.evaluation import runs

    digest = hashlib.sha256()
    for function in (evaluate, as_ranked, runs.trec_order, runs._descending, runs.read_run):
        digest.update(inspect.getsource(function).encode("utf-8"))
    return f"ir_measures {ir_measures.__version__}; harness scoring {digest.hexdigest()[:12]}"


SCORED_BY = _scoring_rules()
