"""The method registry: one line per built-in method, and where every entry came from.

Built-ins are registered here; plugins (``plugins.py``: entry points and ``--plugin``) and
``register()`` calls from a user's own code add theirs, each with its ``Origin``, which ``list``
shows and each run's sidecar records.  ``all`` on the command line means the built-in methods.
"""

from __future__ import annotations

import sys
from dataclasses import dataclass

from harness.method import MethodSpec

from baselines.bm25_nmt import BM25_HT, BM25_NMT
from methods.cal import CAL
from methods.fusion import fusion
from methods.kd import KD
from methods.mdpr import MDPR
from methods.optical import OPTICAL


@dataclass(frozen=True)
class Origin:
    """Where a registry entry came from."""

    kind: str  # "built-in", "distribution" (an entry point), "module" (--plugin or register()), "file" (--plugin)
    name: str = ""  # the distribution, module or file
    version: str = ""  # the distribution's version, where known
    detail: str = ""  # e.g. the entry point

    def describe(self) -> str:
        if self.kind == "built-in":
            return "built-in"
        version = f" {self.version}" if self.version else ""
        return f"{self.kind} {self.name}{version}" + (f" ({self.detail})" if self.detail else "")

    def record(self) -> dict:
        """As a sidecar records it."""
        return {k: v for k, v in (("kind", self.kind), ("name", self.name), ("version", self.version),
                                  ("detail", self.detail)) if v}


BUILT_IN = Origin("built-in")
METHODS: dict[str, MethodSpec] = {}
ORIGINS: dict[str, Origin] = {}


def register(spec: MethodSpec, origin: Origin | None = None) -> MethodSpec:
    """Add ``spec``; ``origin`` defaults to the calling module.  Raises ValueError for a name taken."""
    if spec.name in METHODS:
        raise ValueError(f"method {spec.name} is registered twice")
    if origin is None:
        origin = Origin("module", sys._getframe(1).f_globals.get("__name__", "?"))
    METHODS[spec.name] = spec
    ORIGINS[spec.name] = origin
    return spec


def builtin_names() -> list[str]:
    """The built-in methods, in registry order: what ``--methods all`` runs."""
    return [name for name in METHODS if ORIGINS.get(name, BUILT_IN).kind == "built-in"]


def origin_of(name: str) -> Origin | None:
    return ORIGINS.get(name)


register(BM25_NMT, BUILT_IN)
register(BM25_HT, BUILT_IN)
register(MDPR, BUILT_IN)
register(KD, BUILT_IN)
register(CAL, BUILT_IN)
register(OPTICAL, BUILT_IN)
register(fusion("rrf-bm25-nmt+optical", ("bm25-nmt", "optical"), label="RRF(BM25+NMT, OPTICAL)"), BUILT_IN)
register(fusion("rrf-bm25-nmt+mdpr", ("bm25-nmt", "mdpr"), label="RRF(BM25+NMT, mDPR)"), BUILT_IN)
