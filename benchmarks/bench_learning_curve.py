"""Learning curve: MAP on the four low-resource pairs against training steps, for the default budget.

Trains one distilled student (default: optical, small profile, CPU defaults)
and, at every checkpoint and at the end, encodes the low-resource passages of
harness/ntrex with the current student (queries by the teacher) and scores
MAP.  Step 0 is the untrained student (= mdpr in the small profile, where
student and teacher start from the same model).

Run:  HARNESS_DATA_MIRROR=../shared/data/mirror python benchmarks/bench_learning_curve.py [--method optical]
"""

from __future__ import annotations

import argparse
import os
import platform
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from harness.data.collections import COLLECTIONS, load_topics  # noqa: E402
from harness.data.pairs import LOW_RESOURCE, PAIRS  # noqa: E402
from harness.encoding.encoder import Encoder  # noqa: E402
from harness.evaluation.measures import evaluate  # noqa: E402
from harness.models import load_model  # noqa: E402
from harness.registry import METHODS  # noqa: E402
from harness.retrieval import dense  # noqa: E402
from methods.training import TrainingPlan, train_student  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--method", default="optical", choices=["kd", "cal", "optical"])
    args = parser.parse_args()
    os.environ["HARNESS_CACHE"] = tempfile.mkdtemp(prefix="curve-")  # train from scratch, every time
    spec = METHODS[args.method]
    retriever = spec.implementation(spec, spec.parameters(), Path("."))
    teacher_ref, student_ref = retriever.references()
    plan = TrainingPlan.from_params(retriever.params)
    teacher = Encoder.load(teacher_ref)
    topics = {name: load_topics(COLLECTIONS["ntrex"], PAIRS[name]) for name in LOW_RESOURCE}
    query_vectors = {name: teacher.encode(list(t.queries.values()), "query") for name, t in topics.items()}
    curve = []

    def score(step, model, tokenizer):
        student = Encoder(model, tokenizer, teacher.recipe, f"curve-{step}", use_cache=False)
        maps = []
        for name, t in topics.items():
            docs = list(t.docs())
            passages = student.encode([text for _, text in docs], "passage")
            ranking = dense.search(list(t.queries), query_vectors[name], [d for d, _ in docs], passages, 1000)
            maps.append(evaluate({q: dict(h) for q, h in ranking.items()}, t.qrels, ["AP"]).per_query["AP"].mean())
        curve.append((step, maps))
        print(f"step {step}: MAP " + ", ".join(f"{n} {m:.4f}" for n, m in zip(topics, maps)) + f"; mean {np.mean(maps):.4f}", flush=True)

    model, tokenizer, _ = load_model(student_ref)
    score(0, model.eval(), tokenizer)
    start = time.perf_counter()
    from harness.bitext import default_bitext

    bitext = [(p.english, p.target) for pair in PAIRS.values() for p in default_bitext(pair.lang)]
    objective_params = {k: retriever.params[k] for k in type(retriever).objective_keys}
    train_student(spec.name, type(retriever).objective, objective_params, teacher_ref, student_ref, bitext, plan,
                  {"languages": "all"}, observe=score)
    print(f"{spec.name}: {plan.steps} steps x batch {plan.batch_size} on {plan.device} in {time.perf_counter() - start:.0f} s "
          f"(including evaluation) | {platform.platform()}, {os.cpu_count()} cores")
    print("| step | " + " | ".join(topics) + " | low-resource mean |")
    print("|---:|" + "---:|" * (len(topics) + 1))
    for step, maps in curve:
        print(f"| {step} | " + " | ".join(f"{m:.4f}" for m in maps) + f" | {np.mean(maps):.4f} |")


if __name__ == "__main__":
    main()
