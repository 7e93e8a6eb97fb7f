"""Fusion: combine the saved runs of other registered methods.

* ``rrf``: reciprocal-rank fusion, score(d) = sum over members of 1 / (k + rank(d)), k = 60 by
  default (Cormack, Clarke & Büttcher, SIGIR 2009).  Computed here, in a few lines of plain
  Python: ranx compiles its fusion functions with numba on first use, which cost 27 s of the
  first fusion cell of a cold run (BENCHMARKS.md); tests check it against ``ranx.fuse`` on
  the same runs, float for float.
* ``combsum``: CombSUM (Fox & Shaw, TREC-2 1994) over scores normalised per query
  (``normalisation``: min-max by default), by ranx (Bassani & Romelli 2022).

A query that some member left without any document is fused over the members that answered it.

The members' runs are read from the same results folder, collection and pair: they must have
been made first (``run --methods all`` orders fusion entries last).  A member without a run (e.g.
bm25-nmt on a pair with no translator) makes the fusion unavailable, with the member's reason.
A saved fusion run is reused only while its members' run files are unchanged: their sha256 values
are what ``resolved`` returns, and the sidecar records them with the files' paths.

Defining a fusion is one registry line: ``register(fusion("rrf-bm25-nmt+optical", ("bm25-nmt", "optical")))``.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from harness.data.collections import Topics
from harness.method import MethodSpec, Ranking, Retriever, SkipReason, Unavailable
from harness.evaluation.runs import read_run, read_sidecar, run_paths, trec_order


class FusionRetriever(Retriever):
    out = None  # the results folder; run_cell sets it (the members' runs are there)

    def _member_runs(self, topics: Topics) -> dict[str, tuple[str, str]] | SkipReason:
        """member -> (run path, sha256), or why some member has no usable run."""
        from harness.evaluation.runs import run_matches_sidecar

        found = {}
        for member in self.params["members"]:
            if self.out is None:
                return SkipReason.of("fusion needs the results folder of its members' runs")
            run_path, sidecar_path = run_paths(self.out, topics.collection, topics.pair.name, member)
            sidecar = read_sidecar(sidecar_path) if sidecar_path.is_file() else {}
            if sidecar.get("status") == "skipped":
                why = sidecar.get("reason_detail") or sidecar.get("reason")
                return SkipReason(f"member {member} skipped on {topics.pair.name}",
                                  f"member {member} was skipped on {topics.pair.name}: {why}")
            if sidecar.get("status") != "ok" or not run_path.is_file():
                return SkipReason(f"member {member} has no saved run",
                                  f"member {member} has no saved run on {topics.collection}/{topics.pair.name}; run it "
                                  f"first: python -m harness run --methods {member} --pairs {topics.pair.name}")
            if sidecar.get("queries_sha256") != topics.queries_sha256 or not run_matches_sidecar(run_path, sidecar):
                return SkipReason(f"member {member}'s run does not match",
                                  f"member {member}'s run on {topics.pair.name} is not for these queries or not its "
                                  "sidecar's; rerun it")
            found[member] = (str(run_path), sidecar["run_sha256"])
        return found

    def resolved(self, topics: Topics) -> dict[str, Any]:
        members = self._member_runs(topics)
        return {"members": {m: sha for m, (_, sha) in members.items()}} if isinstance(members, dict) else {}

    def unavailable_reason(self, topics: Topics) -> SkipReason | None:
        members = self._member_runs(topics)
        return members if isinstance(members, SkipReason) else None

    def prepare(self, topics: Topics) -> None:
        members = self._member_runs(topics)
        if isinstance(members, SkipReason):
            raise Unavailable(members)
        self.members = members

    def retrieve(self, queries: Mapping[str, str], depth: int) -> Ranking:
        member_runs = {m: read_run(Path(path)) for m, (path, _) in self.members.items()}
        # A query that a member did not answer (no document retrieved) is fused over the members that did.
        groups: dict[tuple[str, ...], list[str]] = {}
        for query in queries:
            having = tuple(m for m, run in member_runs.items() if run.get(query))
            if having:
                groups.setdefault(having, []).append(query)
        ranking: Ranking = {}
        for having, chosen in groups.items():
            if self.params["fusion"] == "rrf":
                fused = {q: rrf([member_runs[m][q] for m in having], int(self.params["rrf_k"])) for q in chosen}
            else:
                fused = combsum_ranx({m: {q: member_runs[m][q] for q in chosen} for m in having},
                                     self.params["normalisation"])
            for query, docs in sorted(fused.items()):  # queries in id order, as ranx wrote them
                ordered = sorted(docs.items(), key=lambda item: (-item[1], item[0]))[:depth]
                ranking[query] = [(doc, float(score)) for doc, score in ordered]
        return ranking

    def provenance(self) -> dict:
        from importlib.metadata import version

        return {
            "fusion": self.params["fusion"],
            "parameters": {"k": self.params["rrf_k"]} if self.params["fusion"] == "rrf" else {"normalisation": self.params["normalisation"]},
            "members": [{"method": m, "run": path, "run_sha256": sha} for m, (path, sha) in self.members.items()],
            "library": "harness rrf" if self.params["fusion"] == "rrf" else f"ranx {version('ranx')}",
        }


def rrf(member_runs: Sequence[Mapping[str, float]], k: int) -> dict[str, float]:
    """One query's RRF scores: each member's documents ranked by score (descending; harness runs
    have no ties, and a tie is broken by trec_eval's rule), summed over members in their order."""
    fused: dict[str, float] = {}
    for run in member_runs:
        for rank, (doc, _) in enumerate(trec_order(run.items()), start=1):
            fused[doc] = fused.get(doc, 0.0) + 1 / (k + rank)
    return fused


def combsum_ranx(member_runs: Mapping[str, Mapping[str, Mapping[str, float]]], normalisation: str) -> dict:
    """CombSUM of per-query normalised scores by ranx: member -> query -> doc -> score in, query -> doc -> score out."""
    from ranx import Run, fuse  # ranx compiles with numba on first use: only when CombSUM is asked for

    runs = [Run(dict(run), name=m) for m, run in member_runs.items()]
    # ranx needs two runs; one run fused with itself gives twice its fused score: halved, exactly.
    scale = 0.5 if len(runs) == 1 else 1.0
    runs = runs * 2 if len(runs) == 1 else runs
    fused = fuse(runs=runs, norm=normalisation, method="sum").to_dict()
    return {q: {d: s * scale for d, s in docs.items()} for q, docs in fused.items()}


def fusion(name: str, members: Sequence[str], method: str = "rrf", label: str = "") -> MethodSpec:
    """A fusion entry: ``name`` combining the saved runs of ``members`` with ``method`` (rrf or combsum).

    ``label``: the name in print; empty: e.g. "RRF(bm25-nmt, optical)".
    """
    kind = "reciprocal-rank fusion" if method == "rrf" else "CombSUM of normalised scores (ranx)"
    return MethodSpec(
        name=name,
        label=label or f"{'RRF' if method == 'rrf' else 'CombSUM'}({', '.join(members)})",
        family="fusion",
        description=f"{kind} of the runs of {' and '.join(members)}",
        reference="Cormack et al. 2009 (RRF); Fox & Shaw 1994 (CombSUM); Bassani & Romelli 2022 (ranx fusion)",
        needs=("runs",),
        implementation=FusionRetriever,
        defaults={"members": list(members), "fusion": method, "rrf_k": 60, "normalisation": "min-max"},
    )
