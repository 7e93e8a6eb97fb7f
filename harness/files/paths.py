"""Where the harness keeps what it downloads, builds and caches.

Everything lives under one cache root so that a user can see and delete it:
``$HARNESS_CACHE`` if set, else ``~/.cache/harness``.
"""

from __future__ import annotations

import os
from pathlib import Path

CACHE_ENV = "HARNESS_CACHE"
MIRROR_ENV = "HARNESS_DATA_MIRROR"


def cache_root() -> Path:
    root = Path(os.environ.get(CACHE_ENV) or Path.home() / ".cache" / "harness")
    return root.expanduser()


def cache_dir(*parts: str) -> Path:
    """A sub-folder of the cache root, created on first use."""
    path = cache_root().joinpath(*parts)
    path.mkdir(parents=True, exist_ok=True)
    return path


def data_mirror() -> Path | None:
    """The offline mirror named by ``$HARNESS_DATA_MIRROR``, or None."""
    value = os.environ.get(MIRROR_ENV)
    return Path(value).expanduser() if value else None
