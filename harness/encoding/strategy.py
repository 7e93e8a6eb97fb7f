"""Who encodes the texts an encoder does not find in its embedding cache.

By default the encoder itself, batch by batch.  An executor can install another strategy for the
length of a block (``--executor ray`` hands large collections to Ray Data actors in shards,
``harness/executors/sharded_encode.py``): the encoder only asks the strategy in force, so the
encoding layer never imports an executor.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from typing import Protocol

import numpy as np


class UncachedEncoding(Protocol):
    def wants(self, count: int, kind: str) -> bool:
        """Whether this strategy encodes ``count`` uncached texts of ``kind`` ("query" or "passage")."""

    def encode(self, encoder, texts: Sequence[str], kind: str) -> np.ndarray:
        """Vectors [len(texts), d] (float32), in the order of ``texts``, exactly as ``encoder`` (an
        ``harness.encoding.encoder.Encoder``) would make them."""


_ACTIVE: UncachedEncoding | None = None


@contextmanager
def installed(chosen: UncachedEncoding) -> Iterator[None]:
    """Within the block, encoders hand the uncached texts that ``chosen`` wants to ``chosen``."""
    global _ACTIVE
    previous, _ACTIVE = _ACTIVE, chosen
    try:
        yield
    finally:
        _ACTIVE = previous


def for_texts(count: int, kind: str) -> UncachedEncoding | None:
    """The strategy in force if it wants these texts; None: the encoder encodes them itself."""
    return _ACTIVE if _ACTIVE is not None and _ACTIVE.wants(count, kind) else None
