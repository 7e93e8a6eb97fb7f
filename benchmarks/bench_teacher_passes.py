"""The frozen teacher's passes of one student's training: torch fp32, torch bf16 autocast, OpenVINO bf16.

The teacher's forward passes over the English side of the 150 steps x 16 bitext pairs of the small
profile's plan (seed 13, max_length 64, the default bitext of the seven languages), each way as
training runs them (``methods/passes.py``'s :class:`Teacher`); OpenVINO's conversion and compile are
timed apart.  Accuracy: mean cosine of each real token's vector to torch fp32's, over every 10th step.

Run:  HARNESS_DATA_MIRROR=../shared/data/mirror python benchmarks/bench_teacher_passes.py
"""

from __future__ import annotations

import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "benchmarks"))


def main() -> None:
    import torch

    from harness.encoding.precision import training_autocast
    from methods.passes import Teacher
    from methods.training import batch_indices
    from student_setup import student_setup

    setup = student_setup("kd")
    english = [e for e, _ in setup.bitext]
    steps = [[english[i] for i in batch_indices(step, 16, len(english), 13)] for step in range(150)]
    ways = {"torch fp32": ("torch", "fp32"), "torch bf16 autocast": ("torch", "bf16"), "OpenVINO bf16": ("openvino", "bf16")}
    outputs = {}
    print(f"{len(steps)} steps x 16 English sentences, {torch.get_num_threads()} threads")
    print("| teacher passes | set-up (s) | 150 steps (s) | mean token cosine to torch fp32 |\n|---|---:|---:|---:|")
    for name, (runtime, precision) in ways.items():
        start = time.perf_counter()
        teacher = Teacher(setup.teacher, setup.teacher_tok, setup.recipe, 64, "cpu", runtime, precision)
        built = time.perf_counter() - start
        start = time.perf_counter()
        with training_autocast(precision, "cpu"):
            outputs[name] = [teacher(texts) for texts in steps]
        seconds = time.perf_counter() - start
        cosines = []
        for step in range(0, len(steps), 10):
            reference, got = outputs["torch fp32"][step], outputs[name][step]
            real = reference.content_mask.bool()
            cosines.append(torch.nn.functional.cosine_similarity(got.tokens.float()[real], reference.tokens[real], dim=-1).mean())
        print(f"| {name} | {built:.1f} | {seconds:.1f} | {float(torch.stack(cosines).mean()):.5f} |", flush=True)


if __name__ == "__main__":
    main()
