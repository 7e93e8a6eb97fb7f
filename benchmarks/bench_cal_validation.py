"""Choose CAL's InfoNCE direction and temperature on a validation split of the training bitext.

Never on a test collection: NTREX is the test collection, and the training bitext already
excludes it.  The split:

- **Held out.** A fixed seeded sample of ``--per-language`` pairs (default 150) of each of the
  seven languages' default bitext (1,050 pairs), drawn so that within a language no two held-out
  pairs share an English or a target sentence.
- **Training.** Every other pair of the default bitext, minus any pair whose English sentence is a
  held-out English sentence (of any language: FLORES/SIB-200 share their English side across
  languages) or whose target sentence is a held-out target sentence of its language.

Every setting trains one CAL student on the training part with the harness's own training loop
(``methods.training.train_student``) and the CAL registry entry's defaults for everything but
``direction`` and ``temperature``: the CPU budget of OPTICAL and KD (150 steps x batch 16,
max_length 64, lr 5e-5, seed 13).

**Validation task.** Bitext retrieval on the held-out pairs: for each language, each English
sentence, encoded by the teacher with the query recipe (``query: ``), ranks the language's held-out
target sentences, encoded by the student with the passage recipe (``passage: ``), by cosine; the
correct one is its own translation.  Recall@1 and MRR per language, and their means over the seven
languages (the selection criterion is mean MRR, then mean Recall@1).  Step 0, the untrained student
(= ``mdpr`` in the small profile), is the reference row.

**Sweep.** Phase 1: the three directions at temperature 0.05.  Phase 2: the best direction of
phase 1 at ``--temperatures`` (default 0.02 and 0.1; the committed report used 0.01,0.02,0.1).
The chosen setting is the best of all candidates.  ``--references kd`` adds a KD student trained
on the same split, for scale (not a candidate).

Run (the committed report, benchmarks/cal_validation.md, about 50 min on a shared 2-core CPU):
      HARNESS_DATA_MIRROR=../shared/data/mirror HARNESS_CACHE=/tmp/cal-cache python benchmarks/bench_cal_validation.py \
          --threads 1 --temperatures 0.01,0.02,0.1 --references kd

Trained students and their scores are cached under ``$HARNESS_CACHE`` (students/ and
cal-validation/), so a re-run only trains what is missing.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import platform
import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from harness.files.atomic import atomic_write_text  # noqa: E402
from harness.bitext import default_bitext  # noqa: E402
from harness.data.pairs import LOW_RESOURCE, PAIRS  # noqa: E402
from harness.encoding.encoder import Encoder  # noqa: E402
from harness.models import load_model  # noqa: E402
from harness.files.paths import cache_dir  # noqa: E402
from harness.registry import METHODS  # noqa: E402
from methods.training import TrainingPlan, train_student  # noqa: E402
from methods.losses.cal import DIRECTIONS  # noqa: E402

LANGS = [pair.lang for pair in PAIRS.values()]
LOW_LANGS = [PAIRS[name].lang for name in LOW_RESOURCE]


def split_bitext(per_language: int, seed: int):
    """(held-out pairs per language, training pairs in the method's order, number removed for overlap)."""
    held: dict[str, list[tuple[str, str]]] = {}
    for index, lang in enumerate(LANGS):
        pairs = [(p.english, p.target) for p in default_bitext(lang)]
        order = np.random.default_rng([seed, index]).permutation(len(pairs))
        chosen, english_seen, target_seen = [], set(), set()
        for i in order:
            english, target = pairs[i]
            if english in english_seen or target in target_seen:
                continue
            chosen.append(pairs[i])
            english_seen.add(english)
            target_seen.add(target)
            if len(chosen) == per_language:
                break
        held[lang] = chosen
    held_english = {e for pairs in held.values() for e, _ in pairs}
    held_target = {lang: {t for _, t in pairs} for lang, pairs in held.items()}
    train, removed = [], 0
    for lang in LANGS:
        held_pairs = set(held[lang])
        for p in default_bitext(lang):
            if p.english in held_english or p.target in held_target[lang]:
                removed += (p.english, p.target) not in held_pairs
            else:
                train.append((p.english, p.target))
    return held, train, removed


def retrieval_scores(query_vectors: dict[str, np.ndarray], student: Encoder, held) -> dict[str, dict[str, float]]:
    """Recall@1 and MRR per language: English (teacher, query) -> held-out targets (student, passage)."""
    scores = {}
    for lang in LANGS:
        passages = student.encode([t for _, t in held[lang]], "passage")
        similarity = query_vectors[lang] @ passages.T  # both L2-normalised: cosine
        correct = np.diag(similarity)
        rank = 1 + (similarity > correct[:, None]).sum(axis=1)  # 1 = own translation on top
        scores[lang] = {"R@1": float((rank == 1).mean()), "MRR": float((1.0 / rank).mean())}
    return scores


def summary(scores: dict[str, dict[str, float]]) -> dict[str, float]:
    return {
        f"{which}{measure}": float(np.mean([scores[lang][measure] for lang in langs]))
        for which, langs in (("", LANGS), ("low ", LOW_LANGS))
        for measure in ("MRR", "R@1")
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--per-language", type=int, default=150, help="held-out pairs per language")
    parser.add_argument("--split-seed", type=int, default=2024, help="seed of the held-out sample")
    parser.add_argument("--references", default="", help="comma list of other distilled methods to add for scale, e.g. kd")
    parser.add_argument("--out", default=str(Path(__file__).with_name("cal_validation.md")))
    parser.add_argument("--temperatures", default="0.02,0.1", help="phase 2: temperatures tried with the best direction")
    parser.add_argument("--curve", action="store_true", help="also score every checkpoint (every 50 steps)")
    parser.add_argument("--threads", type=int, default=0, help="torch CPU threads (0: torch's default)")
    args = parser.parse_args()
    if args.threads:
        import torch

        torch.set_num_threads(args.threads)

    wall_start = time.perf_counter()
    held, train, removed = split_bitext(args.per_language, args.split_seed)
    split_key = hashlib.sha256(json.dumps([held, train]).encode()).hexdigest()[:16]
    print(f"split {split_key}: {sum(map(len, held.values()))} held-out pairs "
          f"({', '.join(f'{lang} {len(p)}' for lang, p in held.items())}); {len(train)} training pairs "
          f"({removed} removed for sharing a sentence with the held-out pairs)", flush=True)

    spec = METHODS["cal"]
    base = spec.implementation(spec, spec.parameters(), Path("."))
    teacher_ref, student_ref = base.references()
    plan = TrainingPlan.from_params(base.params)
    teacher = Encoder.load(teacher_ref)
    query_vectors = {lang: teacher.encode([e for e, _ in held[lang]], "query") for lang in LANGS}
    results_dir = cache_dir("cal-validation", split_key)

    rows: list[dict] = []

    def evaluate_model(model, tokenizer, tag: str) -> dict[str, dict[str, float]]:
        return retrieval_scores(query_vectors, Encoder(model, tokenizer, teacher.recipe, tag, use_cache=False), held)

    start = time.perf_counter()
    model, tokenizer, _ = load_model(student_ref)
    step0 = evaluate_model(model, tokenizer, "step0")
    rows.append({"name": "step 0 (untrained student = mdpr)", "method": "-", "direction": "-", "temperature": None,
                 "scores": step0, "curve": {}, "final_loss": None, "train_s": 0.0, "eval_s": time.perf_counter() - start})
    print(f"step 0: {summary(step0)}", flush=True)

    def run(method: str, overrides: dict) -> dict:
        method_spec = METHODS[method]
        retriever = method_spec.implementation(method_spec, method_spec.parameters(overrides), Path("."))
        objective_params = {k: retriever.params[k] for k in type(retriever).objective_keys}
        tag = hashlib.sha256(json.dumps([method, objective_params, split_key], sort_keys=True).encode()).hexdigest()[:16]
        saved = results_dir / f"{tag}.json"
        name = method if method != "cal" else f"cal {overrides['direction']} τ={overrides['temperature']}"
        if saved.is_file():
            row = json.loads(saved.read_text())
            print(f"{name}: cached ({summary(row['scores'])})", flush=True)
            return row
        curve, per_step, eval_seconds = {}, {}, 0.0

        def observe(step, student_model, student_tokenizer):
            nonlocal eval_seconds
            began = time.perf_counter()
            per_step[step] = evaluate_model(student_model, student_tokenizer, f"{tag}-{step}")
            curve[step] = summary(per_step[step])
            eval_seconds += time.perf_counter() - began
            print(f"  {name} step {step}: {curve[step]}", flush=True)

        began = time.perf_counter()
        student = train_student(method_spec.name, type(retriever).objective, objective_params, teacher_ref, student_ref,
                                train, plan, {"languages": "all", "validation_split": split_key},
                                observe=observe if args.curve else None)
        train_seconds = time.perf_counter() - began - eval_seconds
        began = time.perf_counter()
        if plan.steps in per_step:  # observed at the last step, before saving
            scores = per_step[plan.steps]
        else:  # the student was already in the cache: evaluate the saved one
            model, tokenizer, _ = load_model(str(student.folder))
            scores = evaluate_model(model, tokenizer, tag)
        row = {"name": name, "method": method, "direction": overrides.get("direction", "-"),
               "temperature": overrides.get("temperature"), "scores": scores, "curve": curve,
               "final_loss": student.losses[-1] if student.losses else None,
               "train_s": train_seconds, "eval_s": eval_seconds + time.perf_counter() - began}
        atomic_write_text(saved, json.dumps(row, indent=1) + "\n")
        print(f"{name}: {summary(scores)}; trained in {train_seconds:.0f} s", flush=True)
        return row

    def key(row):  # selection criterion: mean MRR, then mean Recall@1
        s = summary(row["scores"])
        return (s["MRR"], s["R@1"])

    phase1 = [run("cal", {"direction": d, "temperature": 0.05}) for d in DIRECTIONS]
    best_direction = max(phase1, key=key)["direction"]
    temperatures = [float(t) for t in args.temperatures.split(",") if t.strip() and float(t) != 0.05]
    phase2 = [run("cal", {"direction": best_direction, "temperature": t}) for t in temperatures]
    candidates = phase1 + phase2
    chosen = max(candidates, key=key)
    references = [run(m.strip(), {}) for m in args.references.split(",") if m.strip()]
    rows += candidates + references
    wall = time.perf_counter() - wall_start

    report = render(args, rows, candidates, chosen, best_direction, held, train, removed, split_key, plan, wall, step0)
    print(report)
    atomic_write_text(Path(args.out), report)
    print(f"wrote {args.out}")


def render(args, rows, candidates, chosen, best_direction, held, train, removed, split_key, plan, wall, step0) -> str:
    def f(x):
        return "—" if x is None else f"{x:.4f}"

    out = ["# CAL: direction and temperature chosen on a validation split of the training bitext", ""]
    out += [
        "Generated by `benchmarks/bench_cal_validation.py`; the test collection (NTREX) was not used.", "",
        "```bash",
        "HARNESS_DATA_MIRROR=../shared/data/mirror HARNESS_CACHE=/tmp/cal-cache \\",
        f"  python benchmarks/bench_cal_validation.py --per-language {args.per_language} --split-seed {args.split_seed}"
        + (f" --references {args.references}" if args.references else "")
        + (f" --temperatures {args.temperatures}" if args.temperatures != "0.02,0.1" else "")
        + (" --curve" if args.curve else "") + (f" --threads {args.threads}" if args.threads else ""),
        "```", "",
        f"- **Machine.** 2-core AMD Zen 4 CPU, no GPU ({platform.platform()}, {os.cpu_count()} cores seen by Python), "
        f"shared with another process during the run; device `{plan.device}`.",
        f"- **Validation split (seed {args.split_seed}, key `{split_key}`).** {sum(map(len, held.values()))} held-out pairs, "
        f"{args.per_language} per language ({', '.join(LANGS)}), sampled from each language's default bitext so that no two "
        "held-out pairs of a language share an English or a target sentence.",
        f"- **Training part.** {len(train)} pairs: the rest of the default bitext, minus {removed} pairs that share their "
        "English sentence (any language) or their target sentence (same language) with a held-out pair.",
        f"- **Budget (every row).** {plan.steps} steps × batch {plan.batch_size}, max_length {plan.max_length}, "
        f"lr {plan.learning_rate:g}, {plan.warmup_steps} warm-up steps, seed {plan.seed}, word embeddings "
        f"{'frozen' if plan.freeze_word_embeddings else 'trained'}: the CPU defaults shared with KD and OPTICAL.",
        "- **Task.** Per language, each held-out English sentence (teacher, `query: ` recipe) ranks that language's "
        f"{args.per_language} held-out target sentences (student, `passage: ` recipe) by cosine, as retrieval does; "
        "Recall@1 and MRR of its own translation. Means are over the seven languages (low = sw, so, yo, mr).",
        "- **Selection.** Phase 1: the three directions at τ = 0.05; phase 2: the best of them "
        f"(`{best_direction}`) at τ = {', '.join(args.temperatures.split(','))}. Chosen: the highest mean MRR of these "
        "candidates (ties: mean Recall@1).",
        f"- **Wall time.** Training and scoring every row took {sum(r['train_s'] + r['eval_s'] for r in rows) / 60:.1f} min "
        f"in all (columns `train s`, `eval s`, measured when each row was computed); this invocation took "
        f"{wall / 60:.1f} min (rows already in the cache are not recomputed).", "",
        "## Summary", "",
        "| setting | MRR mean | R@1 mean | low MRR | low R@1 | MRR @ step 50 / 100 / 150 | final train loss | train s | eval s |",
        "|:--|--:|--:|--:|--:|:--|--:|--:|--:|",
    ]
    for row in rows:
        s = summary(row["scores"])
        curve = " / ".join(f"{row['curve'][k]['MRR']:.4f}" for k in sorted(row["curve"], key=int)) or "—"
        bold = "**" if row is chosen else ""
        out.append(f"| {bold}{row['name']}{bold} | {bold}{s['MRR']:.4f}{bold} | {s['R@1']:.4f} | {s['low MRR']:.4f} | "
                   f"{s['low R@1']:.4f} | {curve} | {f(row['final_loss'])} | {row['train_s']:.0f} | {row['eval_s']:.0f} |")
    for measure in ("MRR", "R@1"):
        out += ["", f"## {measure} per language", "",
                "| setting | " + " | ".join(LANGS) + " | low mean | mean |", "|:--|" + "--:|" * (len(LANGS) + 2)]
        for row in rows:
            s = summary(row["scores"])
            out.append(f"| {row['name']} | " + " | ".join(f"{row['scores'][lang][measure]:.4f}" for lang in LANGS)
                       + f" | {s['low ' + measure]:.4f} | {s[measure]:.4f} |")
    c, z = summary(chosen["scores"]), summary(step0)
    verdict = (
        f"It is **below step 0** on validation: mean MRR {c['MRR']:.4f} vs {z['MRR']:.4f} "
        f"({c['MRR'] - z['MRR']:+.4f}), mean Recall@1 {c['R@1']:.4f} vs {z['R@1']:.4f}. "
        "No CAL setting of this sweep improves on the untrained student at this budget."
        if c["MRR"] < z["MRR"] else
        f"It is above step 0 on validation: mean MRR {c['MRR']:.4f} vs {z['MRR']:.4f} ({c['MRR'] - z['MRR']:+.4f}), "
        f"mean Recall@1 {c['R@1']:.4f} vs {z['R@1']:.4f}."
    )
    out += ["", "## Chosen", "",
            f"`direction={chosen['direction']}`, `temperature={chosen['temperature']}`: the highest mean MRR of the "
            f"{len(candidates)} candidates ({c['MRR']:.4f}; mean Recall@1 {c['R@1']:.4f}). {verdict}", ""]
    return "\n".join(out)


if __name__ == "__main__":
    main()
