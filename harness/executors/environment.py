"""The driver's harness environment, carried into every task of a run (a Ray worker outlives tasks and runs)."""

from __future__ import annotations

import os
from collections.abc import Iterator, Mapping
from contextlib import contextmanager

# Passed to every worker, so that it reads the same cache, data and hub settings as the driver.
ENV_PREFIXES = ("HARNESS_", "HF_", "IR_DATASETS_", "TRANSFORMERS_", "TOKENIZERS_")


def harness_environment() -> dict[str, str]:
    """The driver's variables that decide what a worker reads (cache, data mirror, hub settings)."""
    return {k: v for k, v in os.environ.items() if k.startswith(ENV_PREFIXES)}


@contextmanager
def task_environment(env: Mapping[str, str]) -> Iterator[None]:
    """The driver's harness variables for the length of a task (a worker outlives tasks and runs)."""
    saved = harness_environment()
    for key in saved:
        os.environ.pop(key)
    os.environ.update(env)
    try:
        yield
    finally:
        for key in harness_environment():
            os.environ.pop(key)
        os.environ.update(saved)
