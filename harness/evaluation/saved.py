"""Score the saved runs of a collection into its scores file, reusing scores that still belong.

Saved scores are reused only when they were computed from the very run file (sha256), qrels and
scoring rules (``measures.SCORED_BY``) there are now; everything else is scored again.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import Any

from harness.data.collections import CollectionSpec, load_topics
from harness.data.pairs import LanguagePair
from harness.method.spec import SkipReason
from harness.evaluation.measures import SCORED_BY, evaluate, unjudged_line
from harness.evaluation.provenance import (
    cell_record, load_provenance, provenance_path, same_skip, save_provenance, top_documents,
)
from harness.evaluation.runs import RerunNeeded, read_run, read_sidecar, run_matches_sidecar
from harness.evaluation.scores import ScoreEntry, load_scores, save_scores, scores_path
from harness.files.lock import under_results_lock


def summarize_use(used: Mapping[str, Any]) -> str | None:
    """The short name of what served a run, for the leaderboard's footnotes."""
    translator = used.get("translator")
    if translator:
        note = f" ({translator['note']})" if translator.get("note") else ""
        return f"translator {translator['spec']}{note}"
    external = used.get("external")
    if external:
        about = f": {external['description']}" if external.get("description") else ""
        return f"run imported from {Path(external['source']).name} (sha256 {external['sha256'][:12]}){about}"
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
        if training.get("teacher_runtime", "torch") != "torch":
            trained += f", teacher passes on {training['teacher_runtime']}"
        return (f"queries: teacher {served}; passages: student distilled from it on {training['bitext_pairs']} "
                f"bitext pairs ({training['languages']}), {training['steps']} steps × {training['batch_size']}{trained}")
    return f"model {served}"


def short_reason(sidecar: Mapping[str, Any]) -> str | None:
    """A skipped cell's one-line reason, the same on every machine: the scores file and the board show it.

    Sidecars written before reasons had two lengths hold only the long one (no ``reason_detail``).
    """
    reason = sidecar.get("reason")
    if reason is None or "reason_detail" in sidecar:
        return reason
    return SkipReason.of(reason).short


def _scores_belong(saved: ScoreEntry | None, sidecar: Mapping[str, Any], topics, measures: Sequence[str]) -> bool:
    """Whether saved scores were computed from this very run file, qrels and scoring code (sha256s)."""
    return (
        saved is not None
        and saved.status == "ok"
        and saved.run_sha256 == sidecar["run_sha256"]
        and saved.qrels_sha256 == topics.qrels_sha256
        and saved.dataset_id == topics.dataset_id
        and saved.scored_by == SCORED_BY
        and saved.judged_at_10 is not None
        and all(m in saved.scores for m in measures)
    )


def runs_without_sidecar(out: Path, collection: str, pairs: Sequence[LanguagePair]) -> list[Path]:
    """Run files under ``out`` with no sidecar beside them: never scored, so the caller says so.

    A run from elsewhere goes on the board through ``python -m harness import-run``, which checks it
    and writes its sidecar.
    """
    found = []
    for pair in pairs:
        folder = out / "runs" / collection / pair.name
        if folder.is_dir():
            found += [run for run in sorted(folder.glob("*.run")) if not run.with_suffix(".json").is_file()]
    return found


@under_results_lock("out")  # read, merge and save as one step: concurrent runs on one folder keep each other's rows
def evaluate_saved(
    collection: CollectionSpec, pairs: Sequence[LanguagePair], out: Path, measures: Sequence[str],
    report: Callable[[str], None] | None = None,
    keep_provenance: bool = True,
) -> dict[tuple[str, str], ScoreEntry]:
    """Score every saved run of ``collection`` and merge into its scores file.

    ``report``: given, it is told in one line per pair how many queries have no relevant
    judgement and so are left out of every mean (``measures.unjudged_line``).
    ``keep_provenance``: also merge each cell's sidecar and top 10 per query into
    ``provenance/<collection>.json`` (``harness.evaluation.provenance``), what the site needs.
    """
    path = scores_path(out, collection.name)
    entries = load_scores(path)
    provenance_file = provenance_path(out, collection.name)
    provenance = load_provenance(provenance_file) if keep_provenance else {}
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
                entries[(pair.name, method)] = ScoreEntry(pair.name, method, "skipped", reason=short_reason(sidecar))
                if keep_provenance and not same_skip(provenance.get((pair.name, method)), sidecar):
                    provenance[(pair.name, method)] = cell_record(sidecar, None)
                continue
            topics = topics or load_topics(collection, pair)
            if sidecar.get("qrels_sha256") != topics.qrels_sha256:
                raise RerunNeeded(f"{sidecar_path}: the run was made against other qrels than {topics.dataset_id} has now",
                                  sidecar, out, force=True)
            run_path = sidecar_path.with_suffix(".run")
            if not run_path.is_file() or not run_matches_sidecar(run_path, sidecar):
                raise RerunNeeded(f"{run_path} is missing or is not the run its sidecar {sidecar_path.name} describes (sha256)",
                                  sidecar, out)
            if keep_provenance:  # the top 10 is read again only from a run that changed
                kept = provenance.get((pair.name, method))
                same = kept is not None and kept["top"] is not None and kept["sidecar"].get("run_sha256") == sidecar["run_sha256"]
                provenance[(pair.name, method)] = cell_record(sidecar, kept["top"] if same else top_documents(run_path))
            used = summarize_use(sidecar.get("used", {}))
            saved = entries.get((pair.name, method))
            origin = (sidecar.get("origin") or {}).get("kind")
            origin = None if origin in (None, "built-in") else origin
            if _scores_belong(saved, sidecar, topics, measures):
                saved.used = used  # the sidecar's wording may be newer than the scores
                saved.origin = origin
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
                judged_at_10=float(result.judged.mean()) if len(result.judged) else None,
                query_ids=list(table.index),
                scores={m: table[m].tolist() for m in table.columns},
                origin=origin,
            )
        if report is not None and topics is not None and (line := unjudged_line(pair.name, topics.queries, topics.qrels)):
            report(line)
    save_scores(path, collection.name, entries)
    if keep_provenance:
        save_provenance(provenance_file, collection.name, provenance)
    return entries
