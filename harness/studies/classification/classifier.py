"""Zero-shot cross-lingual topic classification on SIB-200: the classifier and its measures.

SIB-200 (Adelani et al. 2024, "SIB-200: A Simple, Inclusive, and Big Evaluation
Dataset for Topic Classification in 200+ Languages and Dialects") labels 1,004
FLORES-200 sentences with one of seven topics, split 701 train / 99 dev / 204 test; a
sentence has the same ``index_id`` and label in every language.  A logistic
regression is fit on English training-sentence embeddings and tested on the
target language's test sentences.  The labelled splits are read by
``harness/bitext/sib200_labels.py``; the encoders live elsewhere: this module never imports torch.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import accuracy_score, f1_score



def fit_classifier(train_vectors: np.ndarray, train_labels: Sequence[str], seed: int) -> LogisticRegression:
    """``LogisticRegression(max_iter=2000, random_state=seed)`` fit on L2-normalised [n, d] vectors.

    Rows are scaled to unit length because sentence embeddings are compared by cosine:
    their length carries no meaning we want the classifier to learn.  ``predict``
    scales the same way.  Raises ``ValueError`` on a shape or length mismatch, no rows,
    a zero vector, or fewer than two labels.
    """
    vectors = _unit_rows(train_vectors, "train_vectors")
    if len(train_labels) != len(vectors):
        raise ValueError(f"train_vectors has {len(vectors)} rows but train_labels has {len(train_labels)}")
    if len(set(train_labels)) < 2:
        raise ValueError(f"train_labels must hold at least two labels, found {sorted(set(train_labels))}")
    return LogisticRegression(max_iter=2000, random_state=seed).fit(vectors, np.asarray(train_labels))


def predict(classifier: LogisticRegression, vectors: np.ndarray) -> np.ndarray:
    """Label of each row of [n, d] ``vectors`` (L2-normalised first, as in ``fit_classifier``); shape [n]."""
    vectors = _unit_rows(vectors, "vectors")
    if vectors.shape[1] != classifier.n_features_in_:
        raise ValueError(f"vectors have {vectors.shape[1]} dimensions, the classifier {classifier.n_features_in_}")
    return classifier.predict(vectors)


def classification_scores(
    y_true: Sequence[str], y_pred: Sequence[str], confidence: float = 0.95, resamples: int = 1000, seed: int = 0
) -> dict:
    """Accuracy and macro-F1, each with a percentile bootstrap interval (Efron & Tibshirani 1993, ch. 13).

    Returns ``{"accuracy": (value, low, high), "macro_f1": (value, low, high), "n": n}``;
    values are fractions in [0, 1].  Macro-F1 averages the F1 of every label of
    ``y_true`` (sorted), 0 for a label never predicted correctly.  The test items are
    resampled with replacement ``resamples`` times (``numpy.random.default_rng(seed)``),
    the same resamples for both measures; the label set stays ``y_true``'s, so a label
    missing from a resample scores 0 there (with SIB-200's >= 17 test items per label,
    about e^-17).  The resamples are scored all at once, with scikit-learn's formulas
    (a test holds them equal to ``accuracy_score`` and ``f1_score``): milliseconds, not seconds.  Raises ``ValueError`` on a length mismatch,
    no items, ``confidence`` outside (0, 1) or ``resamples`` < 1.
    """
    y_true, y_pred = _pair(y_true, y_pred)
    if not 0 < confidence < 1:
        raise ValueError(f"confidence must be in (0, 1), got {confidence}")
    if resamples < 1:
        raise ValueError(f"resamples must be at least 1, got {resamples}")
    labels = sorted(set(y_true))
    values = (accuracy_score(y_true, y_pred), f1_score(y_true, y_pred, labels=labels, average="macro", zero_division=0))
    rows = np.random.default_rng(seed).integers(0, len(y_true), size=(resamples, len(y_true)))
    boot = _bootstrap_measures(y_true, y_pred, labels, rows)  # [resamples, 2]
    tail = (1 - confidence) / 2 * 100
    low, high = np.percentile(boot, [tail, 100 - tail], axis=0)
    names = ("accuracy", "macro_f1")
    scores = {name: (float(v), float(lo), float(hi)) for name, v, lo, hi in zip(names, values, low, high)}
    return scores | {"n": len(y_true)}


def _bootstrap_measures(y_true: np.ndarray, y_pred: np.ndarray, labels: list, rows: np.ndarray) -> np.ndarray:
    """Accuracy and macro-F1 of each resample (a row of item indices), as scikit-learn computes them:
    F1 = 2 tp / (true + predicted) per label of ``labels`` (0 where both are 0), then their mean;
    predictions outside ``labels`` count for no label.  [resamples, n] indices -> [resamples, 2]."""
    code = {label: i for i, label in enumerate(labels)}
    truth = np.array([code[label] for label in y_true])[rows]  # [resamples, n]
    guess = np.array([code.get(label, -1) for label in y_pred])[rows]
    count = len(labels)
    offset = (np.arange(len(rows)) * count)[:, None]  # one block of label counts per resample
    size = len(rows) * count

    def counts(codes: np.ndarray, keep: np.ndarray) -> np.ndarray:
        return np.bincount((codes + offset)[keep], minlength=size).reshape(len(rows), count).astype(np.float64)

    hit = truth == guess
    true_sum = counts(truth, np.ones_like(hit))
    tp, pred_sum = counts(truth, hit), counts(guess, guess >= 0)
    denominator = 1.0 * true_sum + pred_sum
    f1 = np.divide(2.0 * tp, denominator, out=np.zeros_like(tp), where=denominator > 0)
    return np.stack([hit.mean(axis=1), f1.mean(axis=1)], axis=1)


def correct(y_true: Sequence[str], y_pred: Sequence[str]) -> np.ndarray:
    """1 where the prediction equals the truth, else 0; int array of shape [n] (input to McNemar's test)."""
    y_true, y_pred = _pair(y_true, y_pred)
    return (y_true == y_pred).astype(int)


def _unit_rows(vectors: np.ndarray, name: str) -> np.ndarray:
    vectors = np.asarray(vectors, dtype=np.float64)
    if vectors.ndim != 2 or len(vectors) == 0:
        raise ValueError(f"{name} must be a non-empty [n, d] array, got shape {vectors.shape}")
    norms = np.linalg.norm(vectors, axis=1, keepdims=True)
    if not np.all(norms > 0):
        raise ValueError(f"{name} row {int(np.argmin(norms[:, 0]))} is a zero vector: it has no direction")
    return vectors / norms


def _pair(y_true: Sequence[str], y_pred: Sequence[str]) -> tuple[np.ndarray, np.ndarray]:
    if len(y_true) != len(y_pred):
        raise ValueError(f"y_true has {len(y_true)} items but y_pred has {len(y_pred)}")
    if len(y_true) == 0:
        raise ValueError("y_true and y_pred are empty: nothing to score")
    return np.asarray(y_true), np.asarray(y_pred)
