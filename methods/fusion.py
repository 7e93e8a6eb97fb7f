"""Fusion: combine the saved runs of other registered methods with ranx (Bassani 2022).

* ``rrf``: reciprocal-rank fusion, score(d) = sum over members of 1 / (k + rank(d)), k = 60 by
  default (Cormack, Clarke & Büttcher, SIGIR 2009);
* ``combsum``: CombSUM (Fox & Shaw, TREC-2 1994) over scores normalised per query
  (``normalisation``: min-max by default).

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
from harness.evaluation.runs import read_run, read_sidecar, run_paths

RANX_METHODS = {"rrf": "rrf", "combsum": "sum"}


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
        from ranx import Run, fuse

        member_runs = {m: read_run(Path(path)) for m, (path, _) in self.members.items()}
        # ranx fuses runs over the same queries; a query that a member did not answer (no document
        # retrieved) is fused over the members that did, so each such group is fused on its own.
        groups: dict[tuple[str, ...], list[str]] = {}
        for query in queries:
            having = tuple(m for m, run in member_runs.items() if run.get(query))
            if having:
                groups.setdefault(having, []).append(query)
        ranking: Ranking = {}
        for having, chosen in groups.items():
            runs = [Run({q: member_runs[m][q] for q in chosen}, name=m) for m in having]
            # ranx needs two runs; one run fused with itself gives twice its fused score: halved, exactly.
            scale = 0.5 if len(runs) == 1 else 1.0
            runs = runs * 2 if len(runs) == 1 else runs
            if self.params["fusion"] == "rrf":
                fused = fuse(runs=runs, method="rrf", params={"k": int(self.params["rrf_k"])})
            else:
                fused = fuse(runs=runs, norm=self.params["normalisation"], method=RANX_METHODS[self.params["fusion"]])
            for query, docs in fused.to_dict().items():
                ordered = sorted(docs.items(), key=lambda item: (-item[1], item[0]))[:depth]
                ranking[query] = [(doc, float(score) * scale) for doc, score in ordered]
        return ranking

    def provenance(self) -> dict:
        from importlib.metadata import version

        return {
            "fusion": self.params["fusion"],
            "parameters": {"k": self.params["rrf_k"]} if self.params["fusion"] == "rrf" else {"normalisation": self.params["normalisation"]},
            "members": [{"method": m, "run": path, "run_sha256": sha} for m, (path, sha) in self.members.items()],
            "library": f"ranx {version('ranx')}",
        }


def fusion(name: str, members: Sequence[str], method: str = "rrf", label: str = "") -> MethodSpec:
    """A fusion entry: ``name`` combining the saved runs of ``members`` with ``method`` (rrf or combsum).

    ``label``: the name in print; empty: e.g. "RRF(bm25-nmt, optical)".
    """
    kind = "reciprocal-rank fusion" if method == "rrf" else "CombSUM of normalised scores"
    return MethodSpec(
        name=name,
        label=label or f"{'RRF' if method == 'rrf' else 'CombSUM'}({', '.join(members)})",
        family="fusion",
        description=f"{kind} of the runs of {' and '.join(members)} (ranx)",
        reference="Cormack et al. 2009 (RRF); Fox & Shaw 1994 (CombSUM); Bassani & Romelli 2022 (ranx fusion)",
        needs=("runs",),
        implementation=FusionRetriever,
        defaults={"members": list(members), "fusion": method, "rrf_k": 60, "normalisation": "min-max"},
    )
