"""MAP of two boards' student cells side by side: the change against each cell's training-seed spread.

The rule the defaults of training follow (issue 26): a change to how students are trained becomes
the default only if every student MAP cell of the board stays within one seed standard deviation
(sample SD of the cell's MAP over seeds 13-15, ``results/studies/seeds.csv``) of the board it
replaces.  Both boards are ``results/scores/<collection>.json`` files; MAP is the mean of the
per-query AP they hold.

Run:  python benchmarks/board_delta.py BEFORE.json AFTER.json [--methods kd,cal,optical]
"""

from __future__ import annotations

import argparse
import csv
import json
import statistics
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PAIRS = ("en-sw", "en-so", "en-yo", "en-mr", "en-fi", "en-de", "en-fr")


def board_map(path: Path) -> dict[tuple[str, str], float]:
    entries = json.loads(path.read_text())["entries"]
    return {(e["method"], e["pair"]): statistics.fmean(e["scores"]["AP"]) for e in entries if e["status"] == "ok"}


def seed_spread(path: Path) -> dict[tuple[str, str], float]:
    by_cell: dict[tuple[str, str], list[float]] = {}
    with path.open() as handle:
        for row in csv.DictReader(handle):
            by_cell.setdefault((row["method"], row["pair"]), []).append(float(row["MAP"]))
    return {cell: statistics.stdev(values) for cell, values in by_cell.items() if len(values) > 1}


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("before", type=Path)
    parser.add_argument("after", type=Path)
    parser.add_argument("--methods", default="kd,cal,optical")
    parser.add_argument("--seeds", type=Path, default=ROOT / "results" / "studies" / "seeds.csv")
    args = parser.parse_args()
    before, after, spread = board_map(args.before), board_map(args.after), seed_spread(args.seeds)
    print("| method | " + " | ".join(PAIRS) + " |\n|---|" + "--:|" * len(PAIRS))
    worst, ratios, outside = 0.0, [], []
    for method in args.methods.split(","):
        cells = []
        for pair in PAIRS:
            delta = after[method, pair] - before[method, pair]
            sd = spread[method, pair]
            worst, ratio = max(worst, abs(delta)), abs(delta) / sd
            ratios.append(ratio)
            if ratio > 1:
                outside.append(f"{method} {pair}")
            cells.append(f"{delta:+.4f} / {sd:.4f}")
        print(f"| `{method}` ΔMAP / seed SD | " + " | ".join(cells) + " |")
    print(f"\nlargest |ΔMAP| {worst:.4f}; largest |ΔMAP| / seed SD {max(ratios):.2f}; "
          + (f"outside one seed SD: {', '.join(outside)}" if outside else f"all {len(ratios)} cells within one seed SD"))


if __name__ == "__main__":
    main()
