"""SIB-200 topic classification: data loading, the classifier, and the measures.

Pinned counts were read from the mirror's raw TSVs with ``csv`` alone, not with the
harness: eng_Latn train/dev/test have 701/99/204 rows, every target language the same.
"""

from __future__ import annotations

import csv

import numpy as np
import pytest
from sklearn.metrics import accuracy_score, f1_score

from harness.bitext import normalise_whitespace, sib200, sib200_labels
from harness.bitext.sib200_labels import held_out_english, load_split
from harness.studies.classification.classifier import classification_scores, correct, fit_classifier, predict
from harness.data.sources import fetch
from harness.errors import HarnessError

CATEGORIES = ["entertainment", "geography", "health", "politics", "science/technology", "sports", "travel"]
TEST_COUNTS = {  # eng_Latn test rows per category
    "entertainment": 19, "geography": 17, "health": 22, "politics": 30,
    "science/technology": 51, "sports": 25, "travel": 40,
}


@pytest.mark.parametrize(("split", "rows"), [("train", 701), ("dev", 99), ("test", 204)])
def test_english_split_sizes(split, rows):
    data = load_split("en", split)
    assert (data.lang, data.split) == ("en", split)
    assert len(data.index_ids) == len(data.texts) == len(data.labels) == rows
    assert sorted(set(data.labels)) == CATEGORIES


def test_english_test_split_in_file_order():
    data = load_split("en", "test")
    assert (data.index_ids[0], data.labels[0]) == ("1523", "science/technology")
    assert data.texts[0].startswith("Mutation adds new genetic variation")
    assert (data.index_ids[-1], data.labels[-1]) == ("1457", "geography")
    assert {c: data.labels.count(c) for c in CATEGORIES} == TEST_COUNTS


def test_swahili_test_split():
    data = load_split("sw", "test")
    assert len(data.index_ids) == 204
    assert (data.index_ids[0], data.labels[0]) == ("1523", "science/technology")
    assert data.texts[0].startswith("Mabadiliko huongeza")


@pytest.mark.parametrize("lang", sorted(sib200.LANGUAGES))
def test_labels_agree_with_english(lang):
    for split in sib200.SPLITS:
        english, target = load_split("en", split), load_split(lang, split)
        assert target.index_ids == english.index_ids
        assert target.labels == english.labels
        assert target.texts != english.texts


def test_splits_are_disjoint_and_held_out_english_is_normalised():
    test = held_out_english()
    assert len(test) == 204
    assert normalise_whitespace(load_split("en", "test").texts[3]) in test
    train = {normalise_whitespace(t) for t in load_split("en", "train").texts}
    assert not train & test
    assert not train & held_out_english("dev")


def test_changed_category_in_target_file_is_named(tmp_path, monkeypatch):
    real = fetch(sib200.REPO, "data/annotated/swh_Latn/test.tsv")
    with real.open(encoding="utf-8", newline="") as handle:
        rows = list(csv.reader(handle, delimiter="\t"))
    index_id = rows[10][0]  # data row 10
    rows[10][1] = "sports" if rows[10][1] != "sports" else "travel"
    broken = tmp_path / "test.tsv"
    with broken.open("w", encoding="utf-8", newline="") as handle:
        csv.writer(handle, delimiter="\t", lineterminator="\n").writerows(rows)

    def fake_fetch(repo, path):
        return broken if path == "data/annotated/swh_Latn/test.tsv" else fetch(repo, path)

    monkeypatch.setattr(sib200_labels, "fetch", fake_fetch)
    with pytest.raises(HarnessError, match=rf"index_id {index_id}\b") as info:
        load_split("sw", "test")
    assert str(broken) in str(info.value)
    load_split("sw", "dev")  # other files untouched


def test_unknown_language_or_split():
    with pytest.raises(HarnessError, match="'xx'"):
        load_split("xx", "test")
    with pytest.raises(HarnessError, match="'devtest'"):
        load_split("en", "devtest")


def test_classifier_separates_toy_problem():
    rng = np.random.default_rng(0)
    centres = np.eye(4)[:3] * 5  # three directions
    labels = ["a", "b", "c"]

    def sample(n):
        which = rng.integers(0, 3, size=n)
        return centres[which] + rng.normal(scale=0.3, size=(n, 4)), [labels[i] for i in which]

    train_x, train_y = sample(90)
    test_x, test_y = sample(60)
    model = fit_classifier(train_x, train_y, seed=0)
    predicted = predict(model, test_x)
    assert predicted.shape == (60,)
    assert classification_scores(test_y, predicted, resamples=50)["accuracy"] == (1.0, 1.0, 1.0)
    # Vectors are L2-normalised: a row's length does not change its label.
    scale = rng.uniform(0.1, 10, size=(60, 1))
    assert list(predict(model, test_x * scale)) == list(predicted)


def test_classifier_rejects_bad_input():
    x = np.ones((4, 3))
    with pytest.raises(ValueError, match="4 rows but train_labels has 3"):
        fit_classifier(x, ["a", "b", "a"], seed=0)
    with pytest.raises(ValueError, match="zero vector"):
        fit_classifier(np.vstack([x[:3], np.zeros(3)]), ["a", "b", "a", "b"], seed=0)
    with pytest.raises(ValueError, match="non-empty"):
        fit_classifier(np.ones((0, 3)), [], seed=0)
    with pytest.raises(ValueError, match="at least two labels"):
        fit_classifier(x, ["a"] * 4, seed=0)
    model = fit_classifier(np.eye(3)[[0, 1, 0, 1]], ["a", "b", "a", "b"], seed=0)
    with pytest.raises(ValueError, match="2 dimensions"):
        predict(model, np.ones((2, 2)))


def test_scores_against_hand_computation():
    y_true = ["a", "a", "a", "b", "b", "c", "c"]
    y_pred = ["a", "a", "b", "b", "c", "c", "z"]  # "z" is no true label: not averaged over
    # Correct at items 0, 1, 3, 5.  F1 = 2tp / (2tp + fp + fn):
    # a: tp 2 fp 0 fn 1 -> 4/5; b: tp 1 fp 1 fn 1 -> 1/2; c: tp 1 fp 1 fn 1 -> 1/2.
    accuracy, macro_f1 = 4 / 7, (4 / 5 + 1 / 2 + 1 / 2) / 3
    scores = classification_scores(y_true, y_pred, resamples=200, seed=3)
    assert scores["n"] == 7
    for name, expected in (("accuracy", accuracy), ("macro_f1", macro_f1)):
        value, low, high = scores[name]
        assert value == pytest.approx(expected)
        assert 0 <= low <= value <= high <= 1
        assert low < high
    assert scores == classification_scores(y_true, y_pred, resamples=200, seed=3)  # seeded
    narrow = classification_scores(y_true, y_pred, confidence=0.5, resamples=200, seed=3)
    assert scores["accuracy"][1] <= narrow["accuracy"][1] <= narrow["accuracy"][2] <= scores["accuracy"][2]


def test_scores_reject_bad_input():
    with pytest.raises(ValueError, match="y_true has 2 items but y_pred has 1"):
        classification_scores(["a", "b"], ["a"])
    with pytest.raises(ValueError, match="empty"):
        classification_scores([], [])
    with pytest.raises(ValueError, match="confidence"):
        classification_scores(["a"], ["a"], confidence=1.0)
    with pytest.raises(ValueError, match="resamples"):
        classification_scores(["a"], ["a"], resamples=0)


def test_correct():
    flags = correct(["a", "b", "c", "a"], ["a", "c", "c", "b"])
    assert flags.tolist() == [1, 0, 1, 0]
    assert flags.dtype.kind == "i"
    with pytest.raises(ValueError, match="3 items but y_pred has 2"):
        correct(["a", "b", "c"], ["a", "b"])
    with pytest.raises(ValueError, match="empty"):
        correct([], [])


def test_the_bootstrap_scores_every_resample_exactly_as_scikit_learn_does():
    from harness.studies.classification.classifier import _bootstrap_measures

    rng = np.random.default_rng(1)
    labels = list("abcdefg")
    for _ in range(10):
        n = int(rng.integers(5, 60))
        y_true, y_pred = rng.choice(labels, n), rng.choice(labels + ["never-a-label"], n)
        present = sorted(set(y_true))
        rows = rng.integers(0, n, size=(200, n))
        expected = [(accuracy_score(y_true[r], y_pred[r]),
                     f1_score(y_true[r], y_pred[r], labels=present, average="macro", zero_division=0)) for r in rows]
        assert np.array_equal(_bootstrap_measures(y_true, y_pred, present, rows), np.array(expected))
