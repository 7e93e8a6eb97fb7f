"""Executors: where the cells of a run are computed.  One entry per executor, as data.

``local`` (the default) runs every cell one after another in this process.  ``ray`` runs each
(collection, pair, method) cell as a Ray task on a local instance or a cluster
(``ray_grid.py``); the driver still writes every file.  ``EXECUTORS.md`` beside this file says
how each behaves and how to launch on a cluster.
"""

from __future__ import annotations

import importlib.util
from dataclasses import dataclass

from harness.errors import UsageError


@dataclass(frozen=True)
class ExecutorInfo:
    name: str
    description: str
    module: str | None  # the Python package it needs beyond the harness (None: nothing)
    extra: str | None  # the pip extra that installs it
    reference: str


EXECUTORS: dict[str, ExecutorInfo] = {
    e.name: e
    for e in [
        ExecutorInfo("local", "every cell in this process, one after another", None, None, ""),
        ExecutorInfo(
            "ray", "each (collection, pair, method) cell a Ray task; shared students trained once; the driver writes",
            "ray", "ray", "Moritz et al. 2018, Ray: A Distributed Framework for Emerging AI Applications (OSDI)",
        ),
    ]
}


def check_executor(name: str, address: str | None) -> None:
    """Refuse, before any work, an executor that is unknown or not installed (UsageError, exit 2)."""
    if name not in EXECUTORS:
        raise UsageError(f"unknown executor {name}; valid: {', '.join(EXECUTORS)}")
    info = EXECUTORS[name]
    if info.module and importlib.util.find_spec(info.module) is None:
        raise UsageError(f"--executor {name} needs {info.module}, which is not installed; pip install -e '.[{info.extra}]'")
    if address is not None and name != "ray":
        raise UsageError(f"--ray-address {address} is for --executor ray, not --executor {name}")


def make_executor(name: str, address: str | None = None, shard_passages: int | None = None):
    """None for ``local``; a :class:`ray_grid.RayExecutor` for ``ray``."""
    check_executor(name, address)
    if name == "local":
        return None
    from harness.executors.ray_grid import RayExecutor, check_reachable

    if address is not None:
        check_reachable(address)  # before any work, in one line, not after minutes of Ray's retries
    return RayExecutor(address=address, shard_passages=shard_passages)
