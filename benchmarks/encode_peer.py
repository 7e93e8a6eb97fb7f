"""One encoder system in a process of its own, for benchmarks/bench_encode_peers.py.

Reads texts (JSON list, prefixes already applied), loads the system, encodes every text once as a
warm-up (OpenVINO and ONNX compile or export there), then once timed, and writes the vectors
(.npy, float32, L2-normalised) and a JSON line with the time.  It imports only what the system
needs, so it runs in a peer's own environment (sentence-transformers with optimum-intel for
OpenVINO, with optimum-onnx for ONNX Runtime), which need not hold the harness.

    python benchmarks/encode_peer.py SYSTEM MODEL_FOLDER TEXTS.json OUT.npy [--batch 32] [--threads N]

SYSTEM: st-torch-fp32 | st-openvino-bf16 | st-openvino-fp32 | st-onnx-fp32 | harness (the harness encoder,
bf16 on OpenVINO, as the small profile runs it; needs the harness on sys.path).
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

import numpy as np


def peer_folder(folder: str) -> str:
    """A temporary folder with the same files (links) and a tokenizer_config every transformers reads.

    The harness writes its tokenizer_config for transformers 5 ("TokenizersBackend"); a peer's
    environment may hold transformers 4, which knows the same tokenizer as PreTrainedTokenizerFast.
    The peer also never writes into the harness's cache folder (its checksum manifest).
    """
    import atexit
    import shutil
    import tempfile

    source, target = Path(folder), Path(tempfile.mkdtemp(prefix="encode-peer-"))
    atexit.register(shutil.rmtree, target, True)
    for name in ("config.json", "model.safetensors", "tokenizer.json"):
        (target / name).symlink_to(source / name)
    config = json.loads((source / "tokenizer_config.json").read_text())
    config.pop("backend", None)
    config["tokenizer_class"] = "PreTrainedTokenizerFast"
    (target / "tokenizer_config.json").write_text(json.dumps(config))
    return str(target)


def sentence_transformers_encoder(system: str, folder: str, batch: int, threads: int):
    import torch
    from sentence_transformers import SentenceTransformer, models

    folder = peer_folder(folder)

    torch.set_num_threads(threads)
    if system == "st-torch-fp32":
        model = SentenceTransformer(modules=[models.Transformer(folder, max_seq_length=512), models.Pooling(384, "mean"),
                                             models.Normalize()], device="cpu")
    else:
        backend, precision = system.split("-")[1:]
        kwargs = {}
        if backend == "openvino":  # sentence-transformers' own OpenVINO backend (optimum-intel), bf16 or f32 hint
            kwargs = {"ov_config": {"INFERENCE_PRECISION_HINT": {"bf16": "bf16", "fp32": "f32"}[precision],
                                    "PERFORMANCE_HINT": "LATENCY", "INFERENCE_NUM_THREADS": threads}}
        else:  # ONNX Runtime on the CPU
            kwargs = {"provider": "CPUExecutionProvider"}
        transformer = models.Transformer(folder, max_seq_length=512, backend=backend, model_args=kwargs)
        model = SentenceTransformer(modules=[transformer, models.Pooling(384, "mean"), models.Normalize()], device="cpu",
                                    backend=backend)
    return lambda texts: model.encode(texts, batch_size=batch, convert_to_numpy=True)


def harness_encoder(folder: str, batch: int, threads: int):
    import torch

    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
    from harness.encoding.encoder import Encoder
    from harness.encoding.recipe import Recipe
    from harness.models import load_model

    torch.set_num_threads(threads)
    model, tokenizer, resolved = load_model(folder)
    plain = Recipe("mean", True)  # the texts carry their prefixes already, as for the peers
    encoder = Encoder(model, tokenizer, plain, "bench", batch_size=batch, use_cache=False, resolved=resolved,
                      precision="bf16", runtime="openvino")
    return lambda texts: encoder.encode(texts, "passage")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("system")
    parser.add_argument("folder")
    parser.add_argument("texts", type=Path)
    parser.add_argument("out", type=Path)
    parser.add_argument("--batch", type=int, default=32)
    parser.add_argument("--threads", type=int, default=2)
    args = parser.parse_args()
    texts = json.loads(args.texts.read_text(encoding="utf-8"))
    encode = harness_encoder(args.folder, args.batch, args.threads) if args.system == "harness" else \
        sentence_transformers_encoder(args.system, args.folder, args.batch, args.threads)
    encode(texts)  # warm-up: compile, export, first allocations
    start = time.perf_counter()
    vectors = np.asarray(encode(texts), dtype=np.float32)
    seconds = time.perf_counter() - start
    np.save(args.out, vectors)
    print(json.dumps({"system": args.system, "seconds": seconds, "texts": len(texts)}))


if __name__ == "__main__":
    main()
