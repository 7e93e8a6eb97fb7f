"""What the paper profile costs on N GPUs under ``--executor ray``: cells, GPU-hours, wall time.

The grid is counted exactly from its definition; the two rates (seconds per training step,
passages encoded per second) are inputs, because they must be measured on the GPU that will run
it.  Defaults are stated assumptions for one A100/H100-class GPU in bf16, not measurements
(this project's machine has no GPU); BENCHMARKS.md ("Ray") prints the table and says so.

    python benchmarks/plan_paper_profile.py --step-s 0.15 --passages-per-s 2000 --passages 1000000
"""

from __future__ import annotations

import argparse
import math

METHODS_DISTILLED = ("kd", "cal", "optical")


def plan(pairs: int, collections: int, seeds: int, steps: int, step_s: float, passages: int, passages_per_s: float,
         gpus: tuple[int, ...]) -> list[str]:
    students = len(METHODS_DISTILLED) * pairs * seeds  # languages=per-language, one per seed
    train_h = students * steps * step_s / 3600
    # Dense cells: mdpr once per (collection, pair); each student once per (collection, its pair).
    dense_cells = collections * pairs * (1 + len(METHODS_DISTILLED) * seeds)
    encode_h = dense_cells * passages / passages_per_s / 3600
    lexical_cells = collections * pairs  # bm25-nmt: Lucene on CPUs; query translation is minutes
    total_h = train_h + encode_h
    # The longest chain: one student, then one sharded encoding of one collection by it.
    one_student_h = steps * step_s / 3600
    one_encode_h = passages / passages_per_s / 3600
    lines = [
        "| quantity | value |",
        "|---|---:|",
        f"| students (3 methods × {pairs} languages × {seeds} seeds), {steps} steps each | {students} |",
        f"| dense cells ({collections} collections × {pairs} pairs × (mdpr + {len(METHODS_DISTILLED) * seeds} students)) | {dense_cells} |",
        f"| BM25+NMT cells (CPU) | {lexical_cells} |",
        f"| GPU-hours per student ({steps} × {step_s} s) | {one_student_h:.3f} |",
        f"| GPU-hours per dense cell ({passages:,} passages at {passages_per_s:,.0f}/s) | {one_encode_h:.3f} |",
        f"| GPU-hours, training | {train_h:.1f} |",
        f"| GPU-hours, encoding | {encode_h:.1f} |",
        f"| **GPU-hours, total** | **{total_h:.1f}** |",
    ]
    for n in gpus:
        # Ideal sharing of the work, but never shorter than the longest dependent chain; whole
        # students and whole shards do not split, so round the training part up to waves.
        waves = math.ceil(students / n)
        wall = max(waves * one_student_h + encode_h / n, one_student_h + one_encode_h)
        lines.append(f"| expected wall time on {n} GPU{'s' if n > 1 else ''} (h) | {wall:.1f} |")
    return lines


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pairs", type=int, default=7)
    parser.add_argument("--collections", type=int, default=2, help="CLIRMatrix and WikiCLIR")
    parser.add_argument("--seeds", type=int, default=3)
    parser.add_argument("--steps", type=int, default=2000)
    parser.add_argument("--step-s", type=float, default=0.15, help="GPU seconds per step at batch 64 (assumed: measure)")
    parser.add_argument("--passages", type=int, default=1_000_000, help="passages per (collection, language)")
    parser.add_argument("--passages-per-s", type=float, default=2000, help="passages/s per GPU, mBERT-base bf16 (assumed: measure)")
    parser.add_argument("--gpus", default="1,4,16")
    args = parser.parse_args()
    gpus = tuple(int(n) for n in args.gpus.split(","))
    print("\n".join(plan(args.pairs, args.collections, args.seeds, args.steps, args.step_s, args.passages,
                         args.passages_per_s, gpus)))


if __name__ == "__main__":
    main()
