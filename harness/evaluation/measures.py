"""Per-query scores with ir_measures.

Every judged query gets a value for every measure: a query with nothing
retrieved counts as 0, as with trec_eval ``-c``, and the number of such
queries is reported beside the scores.
"""

from __future__ import annotations

import functools
import hashlib
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import ir_measures
import pandas as pd

from harness.errors import UsageError
from harness.evaluation.runs import trec_order

DEFAULT_MEASURES = ("AP", "nDCG@10", "nDCG@20", "R@100", "RR@10", "P@10")


def parse_measures(names: Sequence[str]) -> dict[str, object]:
    """name -> ir_measures measure, each checked before any work is done.

    Raises ``UsageError`` (one line naming the measure) for an unknown name, a parameter the
    measure does not take, a value of the wrong type or outside its range (``_RANGES``:
    cutoffs from 1, relevance levels from 1, probabilities in their interval), and a
    measure that no evaluator installed here computes.  Checked here because an evaluator
    meets bad values only after all retrieval, and pytrec_eval aborts the process on a
    cutoff of 0 (case ``measure-bad-parameter``).
    """
    return {name: _checked_measure(name) for name in names}


# (check, what it must be) per parameter, by the measure family's own description of it
# (ir_measures' SUPPORTED_PARAMS); a parameter not listed here is checked for type and choices only.
_COUNTED = {"NumRel", "NumRelRet", "NumRet"}  # rel there counts documents: 0 (every judged one) is sane
_RANGES = {
    "cutoff": (lambda v, m: _integer(v) and v >= 1, "an integer of at least 1 (the depth of the ranking scored)"),
    "rel": (lambda v, m: _integer(v) and v >= (0 if m.NAME in _COUNTED else 1),
            "an integer relevance level of at least 1 (0 would count judged non-relevant documents as relevant)"),
    "min_rel": (lambda v, m: _integer(v) and v >= 0, "an integer relevance level of at least 0"),
    "max_rel": (lambda v, m: _integer(v) and v > m.params.get("min_rel", 0),
                "an integer relevance level above min_rel"),
    "p": (lambda v, m: _number(v) and 0 < v < 1, "a persistence strictly between 0 and 1"),
    "T": (lambda v, m: _number(v) and v > 0, "a total desired gain above 0"),
    "alpha": (lambda v, m: _number(v) and 0 <= v <= 1, "a redundancy intolerance between 0 and 1"),
    "beta": (lambda v, m: _number(v) and v > 0 and (m.NAME not in {"NRBP", "nNRBP"} or v <= 1),
             "a weight above 0 (a patience of at most 1 for NRBP)"),
    "recall": (lambda v, m: _number(v) and 0 <= v <= 1, "a recall level between 0 and 1"),
    "gains": (lambda v, m: isinstance(v, dict) and all(_integer(k) and _number(g) and g >= 0 for k, g in v.items()),
              "a mapping of integer relevance levels to gains of at least 0"),
}


def _integer(value) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _number(value) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool) and math.isfinite(value)


@functools.lru_cache(maxsize=None)
def _checked_measure(name: str):
    try:
        measure = ir_measures.parse_measure(name)
    except (ValueError, NameError, AttributeError, SyntaxError):
        negative = " (a negative cutoff or level is never valid)" if "-" in name else ""
        raise UsageError(f"unknown measure {name!r}{negative}; examples: {', '.join(DEFAULT_MEASURES)}") from None
    supported = measure.SUPPORTED_PARAMS
    for key, value in measure.params.items():
        if key not in supported:
            raise UsageError(f"measure {name!r}: {measure.NAME} has no parameter {key!r}; "
                             f"it takes: {', '.join(supported) or 'none'}")
        info = supported[key]
        choices = info.choices if isinstance(info.choices, (list, tuple, set)) else None
        if choices is not None and value not in choices:
            raise UsageError(f"measure {name!r}: {key}={value!r} must be one of {', '.join(map(str, choices))}")
        check, wanted = _RANGES.get(key, (None, None))
        if check is not None and not check(value, measure):
            raise UsageError(f"measure {name!r}: {key}={value!r} must be {wanted}")
    try:
        measure.validate_params()  # required parameters and types, as ir_measures defines them
    except AssertionError:
        missing = [k for k, info in supported.items() if info.required and k not in measure.params]
        detail = (f"needs {', '.join(f'{k} ({supported[k].desc})' for k in missing)}" if missing else
                  "; ".join(f"{k} must be of type {supported[k].dtype.__name__}" for k in measure.params
                            if not supported[k].validate(measure.params[k])) or "parameters not accepted by ir_measures")
        raise UsageError(f"measure {name!r}: {detail}") from None
    providers = [p for p in ir_measures.providers.registry.values() if _supports(p, measure)]
    if not any(p.is_available() for p in providers):
        hint = "; ".join(f"pip install 'ir-measures[{p.NAME}]'" for p in providers) or "no evaluator known to ir_measures"
        raise UsageError(f"measure {name!r}: no evaluator installed here computes it ({hint})")
    return measure


def _supports(provider, measure) -> bool:
    try:
        return bool(provider.supports(measure))
    except AssertionError:
        return False


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


def unjudged_queries(queries, qrels: Mapping[str, Mapping[str, int]]) -> list[str]:
    """The ids among ``queries`` with no relevant judgement in ``qrels`` (none listed, or all 0), sorted.

    They are retrieved like any query but scored by no measure and left out of every mean:
    trec_eval evaluates only the queries its qrels judge, and a query without a relevant
    document has no AP, nDCG or recall to give.
    """
    return sorted(q for q in queries if not any(r > 0 for r in qrels.get(q, {}).values()))


def unjudged_line(pair: str, queries, qrels: Mapping[str, Mapping[str, int]]) -> str | None:
    """One line saying how many queries of ``pair`` the means leave out; None when every query is judged."""
    left_out = unjudged_queries(queries, qrels)
    if not left_out:
        return None
    shown = ", ".join(left_out[:3]) + (", ..." if len(left_out) > 3 else "")
    return (f"{pair}: {len(left_out)} of {len(queries)} queries have no relevant judgement in the qrels ({shown}); "
            "they are retrieved but left out of every mean, as trec_eval does")


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
