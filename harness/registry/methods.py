"""The method registry: one line per built-in method; ``select`` picks methods by name."""

from __future__ import annotations

from harness.errors import UsageError
from harness.method import MethodSpec

from baselines.bm25_nmt import BM25_HT, BM25_NMT
from methods.cal import CAL
from methods.fusion import fusion
from methods.kd import KD
from methods.mdpr import MDPR
from methods.optical import OPTICAL

METHODS: dict[str, MethodSpec] = {}


def register(spec: MethodSpec) -> MethodSpec:
    if spec.name in METHODS:
        raise ValueError(f"method {spec.name} is registered twice")
    METHODS[spec.name] = spec
    return spec


register(BM25_NMT)
register(BM25_HT)
register(MDPR)
register(KD)
register(CAL)
register(OPTICAL)
register(fusion("rrf-bm25-nmt+optical", ("bm25-nmt", "optical"), label="RRF(BM25+NMT, OPTICAL)"))
register(fusion("rrf-bm25-nmt+mdpr", ("bm25-nmt", "mdpr"), label="RRF(BM25+NMT, mDPR)"))


def select(names: str, valid: dict, kind: str) -> list:
    """Entries named by ``all`` or a comma list; an unknown name is a usage error listing the valid ones."""
    if names == "all":
        return list(valid.values())
    chosen = [n.strip() for n in names.split(",") if n.strip()]
    unknown = [n for n in chosen if n not in valid]
    if unknown or not chosen:
        raise UsageError(f"unknown {kind} {', '.join(unknown) or repr(names)}; valid: all, {', '.join(valid)}")
    return [valid[n] for n in chosen]
