"""Model references, offline sources and loading (see README.md in this folder)."""

from harness.models.resolve import (
    SOURCE_HF_CACHE,
    SOURCE_HUB,
    SOURCE_LOCAL,
    SOURCE_PACKAGE,
    ResolvedModel,
    load_model,
    resolve_model,
)

__all__ = [
    "ResolvedModel",
    "resolve_model",
    "load_model",
    "SOURCE_LOCAL",
    "SOURCE_HF_CACHE",
    "SOURCE_HUB",
    "SOURCE_PACKAGE",
]
