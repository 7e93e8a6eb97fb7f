"""Study ``classification``: does distillation help zero-shot cross-lingual topic classification (SIB-200)?

A logistic regression (scikit-learn) is fit on the embeddings of SIB-200's 701 English training
sentences and tested on the 204 test sentences of each target language, embedded by each method's
document-side encoder (the student for kd, cal and optical; e5 itself for mdpr).  The English side
goes through the method's query-side encoder (the teacher).  Both sides use the passage recipe
(e5's ``passage: `` prefix), the side the students were distilled to match.  English test accuracy
is reported as the in-language reference.

SIB-200's sentences are FLORES lines, and FLORES and SIB-200 are part of the default training
bitext, so this study uses students trained with every SIB-200 test sentence (English or target
side) held out (``held_out=ntrex+sib200-test``: 204 pairs per language fewer); they are trained
once and cached like any student.  mdpr is never trained.

Measures: accuracy and macro-F1 with percentile bootstrap intervals; exact McNemar tests per
language for each distilled method against mdpr and for optical against kd and cal, one family
per compared couple (its languages), corrected as the options say.  Predictions are saved to
``studies/classification/main/predictions.json`` (committed), from which the outputs rebuild.
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np

from harness.files.atomic import atomic_write_text
from harness.compare import ComparisonOptions
from harness.data.pairs import PAIRS
from harness.errors import HarnessError, UsageError
from harness.files.textfile import read_json
from harness.files.paths import cache_dir
from harness.stats import correct_pvalues
from harness.studies.common import DENSE, merged, study_folder, study_methods, write_files

NAME = "classification"
HELD_OUT = "ntrex+sib200-test"
COUPLES = (("kd", "mdpr"), ("cal", "mdpr"), ("optical", "mdpr"), ("optical", "kd"), ("optical", "cal"))
ENGLISH = "en"


def predictions_path(out: Path) -> Path:
    return study_folder(out, NAME) / "predictions.json"


def run_study(out: Path, pairs, methods, options: ComparisonOptions, force: bool = False, report=print,
              settings=None) -> list[Path]:
    from harness.bitext.sib200_labels import load_split
    from harness.studies.classification.classifier import fit_classifier, predict

    unknown = [p for p in pairs or () if p not in PAIRS]
    if unknown:
        raise UsageError(f"study {NAME}: SIB-200 is used for the seven pairs only, not {', '.join(unknown)}")
    chosen = [p for p in PAIRS.values() if pairs is None or p.name in pairs]
    specs = study_methods(DENSE, methods, NAME)
    train, english_test = load_split(ENGLISH, "train"), load_split(ENGLISH, "test")
    tests = {pair.lang: load_split(pair.lang, "test") for pair in chosen}
    document = {
        "seed": options.seed, "held_out": HELD_OUT,
        "labels": {ENGLISH: list(english_test.labels)} | {lang: list(s.labels) for lang, s in tests.items()},
        "index_ids": list(english_test.index_ids), "methods": {},
    }
    for spec in specs:
        own = {spec.name: {"held_out": HELD_OUT}} if "held_out" in spec.defaults else {}
        params = spec.parameters(merged(settings, own).get(spec.name))
        retriever = spec.implementation(spec, params, cache_dir("work", NAME, spec.name))
        record = {"parameters": params, "predictions": {}}
        classifier = None
        for pair in chosen:
            query_side, document_side = retriever.encoders(pair)
            if classifier is None:  # the query side is the teacher (or e5): the same for every pair
                classifier = fit_classifier(query_side.encode(list(train.texts), "passage"), train.labels, options.seed)
                record["predictions"][ENGLISH] = predict(classifier, query_side.encode(list(english_test.texts), "passage")).tolist()
                record["query_encoder"] = query_side.describe()
            record["predictions"][pair.lang] = predict(classifier, document_side.encode(list(tests[pair.lang].texts), "passage")).tolist()
            record.setdefault("document_encoders", {})[pair.lang] = getattr(getattr(retriever, "student", None), "fingerprint", None) or "the query-side encoder"
            report(f"classified SIB-200 {pair.lang} test with {spec.name}")
        document["methods"][spec.name] = record
    atomic_write_text(predictions_path(out), json.dumps(document, indent=1, default=str) + "\n")
    return render_study(out, options)


def load_predictions(out: Path) -> dict:
    path = predictions_path(out)
    if not path.is_file():
        raise HarnessError(f"no predictions in {path}; run `python -m harness study run {NAME}`")
    document = read_json(path, "classification predictions")
    if not isinstance(document, dict) or not isinstance(document.get("methods"), dict) or not isinstance(document.get("labels"), dict):
        raise HarnessError(f"{path}: expected an object with 'labels' and 'methods'; rerun `python -m harness study run {NAME}`")
    for method, record in document["methods"].items():  # McNemar pairs predictions with labels by position
        for lang, predicted in (record.get("predictions") or {}).items() if isinstance(record, dict) else [(None, None)]:
            gold = document["labels"].get(lang)
            if not isinstance(predicted, list) or not isinstance(gold, list) or len(predicted) != len(gold):
                raise HarnessError(f"{path}: methods.{method}.predictions.{lang} must be a list as long as labels.{lang}"
                                   f" ({len(gold) if isinstance(gold, list) else 'none'})")
    return document


def analyse(document: dict, options: ComparisonOptions) -> dict:
    """Scores per method and language, and McNemar tests per couple; plain data for rendering."""
    from harness.studies.classification.classifier import classification_scores, correct
    from harness.stats.mcnemar_test import mcnemar

    labels = document["labels"]
    scores = {}
    for method, record in document["methods"].items():
        for lang, predicted in record["predictions"].items():
            scores[(method, lang)] = classification_scores(labels[lang], predicted, options.confidence,
                                                           min(options.resamples, 2000), options.seed)
    tests = []
    for method, reference in COUPLES:
        if method not in document["methods"] or reference not in document["methods"]:
            continue
        family = []
        for lang in labels:
            if lang == ENGLISH:
                continue
            a = correct(labels[lang], document["methods"][method]["predictions"][lang])
            b = correct(labels[lang], document["methods"][reference]["predictions"][lang])
            result = mcnemar(a, b)
            family.append({"method": method, "reference": reference, "lang": lang, "difference": result.difference,
                           "method_only": result.b10, "reference_only": result.b01, "p": result.p_value})
        for row, p in zip(family, correct_pvalues(np.array([r["p"] for r in family]), options.correction)):
            row["p_corrected"] = float(p)
        tests += family
    return {"scores": scores, "tests": tests, "langs": list(labels), "methods": list(document["methods"])}


def render_study(out: Path, options: ComparisonOptions) -> list[Path]:
    from harness.studies.classification import render

    document = load_predictions(out)
    return write_files(out, NAME, render.files(analyse(document, options), document, options))
