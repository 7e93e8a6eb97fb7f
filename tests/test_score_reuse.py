"""Saved per-query scores are reused only for the very run file, qrels and scoring code they came from.

The check is sha256 (the run file's, recorded beside the scores), so a warm run does not read
and score every run again; a changed run file, another measure list or other scoring code is
scored afresh.  The expected sha256 comes from hashlib on the file, not from the harness.
"""

import hashlib
import json

from harness.evaluation import saved as pipeline
from harness.cli.main import main

RUN = ["run", "--methods", "bm25-ht", "--pairs", "en-sw"]


def scored_entry(out):
    data = json.loads((out / "scores" / "ntrex.json").read_text())
    return next(e for e in data["entries"] if e["method"] == "bm25-ht")


def test_a_warm_run_reuses_scores_and_a_changed_run_is_scored_again(tmp_path, monkeypatch):
    out = tmp_path / "results"
    assert main(RUN + ["--out", str(out)]) == 0
    run_file = out / "runs" / "ntrex" / "en-sw" / "bm25-ht.run"
    entry = scored_entry(out)
    assert entry["run_sha256"] == hashlib.sha256(run_file.read_bytes()).hexdigest()
    assert entry["scored_by"].startswith("ir_measures ")

    calls = []
    real = pipeline.evaluate
    monkeypatch.setattr(pipeline, "evaluate", lambda *a, **k: calls.append(1) or real(*a, **k))
    assert main(RUN + ["--out", str(out)]) == 0
    assert calls == [] and scored_entry(out) == entry  # nothing re-read or re-scored, nothing changed

    # Another measure list: scored again, with only the measures asked for.
    assert main(RUN + ["--out", str(out), "--measures", "AP,P@5"]) == 0
    assert len(calls) == 1 and set(scored_entry(out)["scores"]) == {"AP", "P@5"}

    # Scores saved by other scoring code are not trusted.
    path = out / "scores" / "ntrex.json"
    path.write_text(path.read_text().replace(entry["scored_by"], "ir_measures 0.0; harness scoring 000000000000"))
    assert main(RUN + ["--out", str(out)]) == 0
    assert len(calls) == 2 and scored_entry(out)["scored_by"] == entry["scored_by"]

    # A run file that changed (its sidecar updated to match, as a re-run would): scored from the new bytes.
    lines = run_file.read_text().splitlines(keepends=True)
    first, second = lines[0].split(), lines[1].split()
    lines[0] = " ".join(first[:2] + [second[2]] + first[3:]) + "\n"  # the top two documents swapped
    lines[1] = " ".join(second[:2] + [first[2]] + second[3:]) + "\n"
    run_file.write_text("".join(lines))
    sidecar_path = run_file.with_suffix(".json")
    sidecar = json.loads(sidecar_path.read_text())
    sidecar["run_sha256"] = hashlib.sha256(run_file.read_bytes()).hexdigest()
    sidecar_path.write_text(json.dumps(sidecar))
    assert main(["leaderboard", "--out", str(out)]) == 0
    assert len(calls) == 3 and scored_entry(out)["run_sha256"] == sidecar["run_sha256"]
