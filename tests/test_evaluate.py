"""Per-query scores through ir_measures; unretrieved queries count 0."""

import pytest

from harness.errors import UsageError
from harness.evaluation.measures import evaluate, parse_measures

QRELS = {"q1": {"d1": 2, "d2": 1}, "q2": {"d3": 1}, "q3": {"d4": 1}}


def test_values_per_query_and_zero_for_unretrieved():
    run = {"q1": {"d1": 3.0, "x": 2.0, "d2": 1.0}, "q2": {"x": 1.0, "d3": 0.5}}
    result = evaluate(run, QRELS, ["AP", "RR@10", "P@10"])
    table = result.per_query
    assert list(table.index) == ["q1", "q2", "q3"]
    assert table.loc["q1", "AP"] == pytest.approx((1 + 2 / 3) / 2)
    assert table.loc["q2", "RR@10"] == pytest.approx(0.5)
    assert table.loc["q3"].tolist() == [0.0, 0.0, 0.0]
    assert result.empty_queries == 1


def test_empty_ranking_counts_as_empty_and_unjudged_queries_are_ignored():
    run = {"q1": {}, "q2": {"d3": 1.0}, "unjudged": {"d1": 1.0}}
    result = evaluate(run, QRELS, ["AP"])
    assert result.empty_queries == 2 and "unjudged" not in result.per_query.index
    assert result.per_query["AP"].tolist() == [0.0, 1.0, 0.0]


def test_unknown_measure_is_a_usage_error():
    with pytest.raises(UsageError, match="unknown measure"):
        parse_measures(["nDCG@@10"])
