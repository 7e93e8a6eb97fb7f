"""Score the saved runs of a collection into its scores file, reusing scores that still belong.

Saved scores are reused only when they were computed from the very run file (sha256), qrels and
scoring rules (``measures.SCORED_BY``) there are now; everything else is scored again.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from harness.data.collections import CollectionSpec, load_topics
from harness.data.pairs import LanguagePair
from harness.errors import HarnessError
from harness.evaluation.measures import SCORED_BY, evaluate
from harness.evaluation.runs import read_run, read_sidecar, run_matches_sidecar
from harness.evaluation.scores import ScoreEntry, load_scores, save_scores, scores_path
from harness.files.lock import under_results_lock


def summarize_use(used: Mapping[str, Any]) -> str | None:
    """The short name of what served a run, for the leaderboard's footnotes."""
    translator = used.get("translator")
    if translator:
        return f"translator {translator['spec']}"
    if used.get("fusion"):
        members = " and ".join(m["method"] for m in used.get("members", []))
        settings = ", ".join(f"{k} = {v}" for k, v in used.get("parameters", {}).items())
        return f"{used['fusion']} of {members} ({settings}; {used.get('library')})"
    model = used.get("model")
    if not isinstance(model, dict):
        return f"model {model}" if model else None
    # Runs from before the precision option record only the dtype.
    precision = model.get("precision") or {"torch.float32": "fp32", "torch.bfloat16": "bf16"}.get(model.get("dtype"), "?")
    runtime = f" on {model['runtime']}" if model.get("runtime", "torch") != "torch" else ""
    served = f"{model.get('model')} served by {model.get('weights')} ({model.get('source')}), {precision}{runtime}"
    training = used.get("training")
    if training:  # a distilled student encodes the passages, the teacher the queries
        trained = f", {training['precision']} training" if training.get("precision", "fp32") != "fp32" else ""
        return (f"queries: teacher {served}; passages: student distilled from it on {training['bitext_pairs']} "
                f"bitext pairs ({training['languages']}), {training['steps']} steps × {training['batch_size']}{trained}")
    return f"model {served}"


def _scores_belong(saved: ScoreEntry | None, sidecar: Mapping[str, Any], topics, measures: Sequence[str]) -> bool:
    """Whether saved scores were computed from this very run file, qrels and scoring code (sha256s)."""
    return (
        saved is not None
        and saved.status == "ok"
        and saved.run_sha256 == sidecar["run_sha256"]
        and saved.qrels_sha256 == topics.qrels_sha256
        and saved.dataset_id == topics.dataset_id
        and saved.scored_by == SCORED_BY
        and all(m in saved.scores for m in measures)
    )


@under_results_lock("out")  # read, merge and save as one step: concurrent runs on one folder keep each other's rows
def evaluate_saved(
    collection: CollectionSpec, pairs: Sequence[LanguagePair], out: Path, measures: Sequence[str]
) -> dict[tuple[str, str], ScoreEntry]:
    """Score every saved run of ``collection`` and merge into its scores file."""
    path = scores_path(out, collection.name)
    entries = load_scores(path)
    for pair in pairs:
        folder = out / "runs" / collection.name / pair.name
        sidecars = sorted(folder.glob("*.json")) if folder.is_dir() else []
        if not sidecars:
            continue
        topics = None
        for sidecar_path in sidecars:
            sidecar = read_sidecar(sidecar_path)
            method = sidecar.get("method", sidecar_path.stem)
            if sidecar.get("status") != "ok":
                entries[(pair.name, method)] = ScoreEntry(pair.name, method, "skipped", reason=sidecar.get("reason"))
                continue
            topics = topics or load_topics(collection, pair)
            if sidecar.get("qrels_sha256") != topics.qrels_sha256:
                raise HarnessError(f"{sidecar_path}: the run was made against other qrels than {topics.dataset_id} has now; rerun with --force")
            run_path = sidecar_path.with_suffix(".run")
            if not run_path.is_file() or not run_matches_sidecar(run_path, sidecar):
                raise HarnessError(
                    f"{run_path} is missing or is not the run its sidecar {sidecar_path.name} describes (sha256); "
                    f"rerun: python -m harness run --methods {method} --pairs {pair.name}"
                )
            used = summarize_use(sidecar.get("used", {}))
            saved = entries.get((pair.name, method))
            if _scores_belong(saved, sidecar, topics, measures):
                saved.used = used  # the sidecar's wording may be newer than the scores
                saved.scores = {m: saved.scores[m] for m in measures}
                continue
            result = evaluate(read_run(run_path), topics.qrels, measures)
            table = result.per_query
            entries[(pair.name, method)] = ScoreEntry(
                pair.name,
                method,
                "ok",
                used=used,
                dataset_id=topics.dataset_id,
                qrels_sha256=topics.qrels_sha256,
                run_sha256=sidecar["run_sha256"],
                scored_by=SCORED_BY,
                empty_queries=result.empty_queries,
                query_ids=list(table.index),
                scores={m: table[m].tolist() for m in table.columns},
            )
    save_scores(path, collection.name, entries)
    return entries
