"""Multiple-testing correction: equal to statsmodels; NaN kept and left out of the family."""

import math

import numpy as np
import pytest
from statsmodels.stats.multitest import multipletests

from harness.errors import UsageError
from harness.stats import CORRECTIONS, correct_pvalues

P_VALUES = np.array([0.001, 0.04, 0.03, 0.2, 0.012, 0.5, 0.049, 0.0004, 0.9, 0.02])


@pytest.mark.parametrize("name, statsmodels_method", [("holm", "holm"), ("bonferroni", "bonferroni"), ("bh", "fdr_bh")])
def test_equals_statsmodels(name, statsmodels_method):
    expected = multipletests(P_VALUES, method=statsmodels_method)[1]
    np.testing.assert_array_equal(correct_pvalues(P_VALUES, name), expected)
    assert CORRECTIONS[name].statsmodels_method == statsmodels_method


def test_default_is_holm():
    np.testing.assert_array_equal(correct_pvalues(P_VALUES), multipletests(P_VALUES, method="holm")[1])


@pytest.mark.parametrize("name", ["holm", "bonferroni", "bh"])
def test_nan_stays_nan_and_is_not_counted_in_the_family(name):
    with_nan = np.insert(P_VALUES, [0, 4, 10], np.nan)
    corrected = correct_pvalues(with_nan, name)
    assert np.isnan(corrected).sum() == 3
    tested = ~np.isnan(with_nan)
    # The family is the 10 real p-values, exactly as if the NaNs were not there.
    np.testing.assert_array_equal(corrected[tested], correct_pvalues(P_VALUES, name))
    assert np.isnan(with_nan).sum() == 3  # input untouched


def test_bonferroni_family_size_excludes_nan():
    assert correct_pvalues([0.01, math.nan, 0.02], "bonferroni")[0] == pytest.approx(0.02)


def test_none_returns_a_copy_unchanged():
    corrected = correct_pvalues(P_VALUES, "none")
    np.testing.assert_array_equal(corrected, P_VALUES)
    assert corrected is not P_VALUES


def test_edge_inputs():
    assert correct_pvalues([]).size == 0
    assert np.isnan(correct_pvalues([math.nan, math.nan])).all()
    with pytest.raises(ValueError, match=r"\[0, 1\]"):
        correct_pvalues([0.5, 1.5])


def test_labels_and_unknown_name():
    assert [c.label for c in CORRECTIONS.values()][:3] == ["Holm", "Bonferroni", "Benjamini–Hochberg"]
    assert next(iter(CORRECTIONS)) == "holm"
    with pytest.raises(UsageError, match="holm, bonferroni, bh, none"):
        correct_pvalues(P_VALUES, "fdr")


def test_numpy_holm_equals_statsmodels_on_random_families_with_ties():
    from harness.stats.correction import holm

    rng = np.random.default_rng(5)
    for size in (1, 2, 7, 50, 333):
        p = np.round(rng.uniform(0, 1, size) ** 3, 3)  # rounding makes ties
        np.testing.assert_allclose(holm(p), multipletests(p, method="holm")[1], rtol=0, atol=1e-15)
