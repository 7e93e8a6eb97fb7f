"""Per-query scores with ir_measures.

Every judged query gets a value for every measure: a query with nothing
retrieved counts as 0, as with trec_eval ``-c``, and the number of such
queries is reported beside the scores.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import ir_measures
import pandas as pd

from harness.errors import UsageError

DEFAULT_MEASURES = ("AP", "nDCG@10", "nDCG@20", "R@100", "RR@10", "P@10")


def parse_measures(names: Sequence[str]) -> dict[str, object]:
    parsed = {}
    for name in names:
        try:
            parsed[name] = ir_measures.parse_measure(name)
        except (ValueError, NameError, AttributeError):
            raise UsageError(f"unknown measure {name!r}; examples: {', '.join(DEFAULT_MEASURES)}") from None
    return parsed


@dataclass(frozen=True)
class Evaluation:
    per_query: pd.DataFrame  # index: judged query ids (sorted); columns: measure names
    empty_queries: int  # judged queries with nothing retrieved (scored 0)


def evaluate(
    run: Mapping[str, Mapping[str, float]],
    qrels: Mapping[str, Mapping[str, int]],
    measures: Sequence[str] = DEFAULT_MEASURES,
) -> Evaluation:
    parsed = parse_measures(measures)
    judged = sorted(q for q, docs in qrels.items() if any(r > 0 for r in docs.values()))
    table = pd.DataFrame(0.0, index=pd.Index(judged, name="query_id"), columns=list(parsed))
    name_of = {str(m): name for name, m in parsed.items()}
    retrieved = {q: docs for q, docs in run.items() if q in table.index and docs}
    for metric in ir_measures.iter_calc(list(parsed.values()), qrels, retrieved):
        if metric.query_id in table.index:
            table.loc[metric.query_id, name_of[str(metric.measure)]] = metric.value
    return Evaluation(table, empty_queries=len(judged) - len(retrieved))
