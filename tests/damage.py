"""Ways the cache-damage tests break files, shared by the test modules (the cases in ../shared/cases/cache-*)."""

from __future__ import annotations

import random
from pathlib import Path


def flip(path: Path, offset: int, count: int, seed: int = 1234) -> None:
    """Overwrite ``count`` bytes at ``offset`` with random ones that differ from what was there."""
    rng = random.Random(seed)
    with open(path, "r+b") as handle:
        handle.seek(offset)
        old = handle.read(count)
        handle.seek(offset)
        handle.write(bytes((b + 1 + rng.randrange(255)) % 256 for b in old))


def lines(text: str, needle: str) -> list[str]:
    return [line for line in text.splitlines() if needle in line]
