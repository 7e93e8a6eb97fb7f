"""Test setup: data from the offline mirror, caches in a temporary folder.

The mirror is ``../shared/data/mirror`` beside the repository unless
``HARNESS_DATA_MIRROR`` is already set.  ``HARNESS_TEST_CACHE`` keeps the
harness cache (converted models, indexes) between test sessions when set.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent
os.environ.setdefault("HARNESS_DATA_MIRROR", str(REPO.parent / "shared" / "data" / "mirror"))
os.environ.setdefault("HF_HUB_OFFLINE", "1")  # tests never reach for the hub
os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")


@pytest.fixture(scope="session", autouse=True)
def isolated_cache(tmp_path_factory):
    cache = os.environ.get("HARNESS_TEST_CACHE") or str(tmp_path_factory.mktemp("harness-cache"))
    os.environ["HARNESS_CACHE"] = cache
    os.environ["IR_DATASETS_HOME"] = str(tmp_path_factory.mktemp("ir_datasets"))
    yield Path(cache)
