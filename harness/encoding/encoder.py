"""One encoder for every dense method: text in, L2-normalised vectors out.

The recipe (pooling, normalisation, query/passage prefixes, max length) comes
from the model: e5 mean-pools and expects ``query: ``/``passage: ``, mDPR takes
the [CLS] vector.  Texts are tokenized once, sorted by length so that batches
carry little padding, encoded under ``torch.inference_mode`` at the run's
precision (fp32, bf16 or int8: ``harness/encoding/precision.py``) or by OpenVINO
(``harness/encoding/runtime.py``), and cached on disk keyed by (model fingerprint,
precision, runtime, text hash).

Texts longer than the encoder's ``max_length`` tokens (prefix and special
tokens included) are truncated; :meth:`Encoder.length_report` counts them
exactly, with the same tokenizer and limit.  :meth:`Encoder.windows` instead
splits such texts into overlapping windows of real text (cut at the
tokenizer's offsets) that each fit, for MaxP scoring (Dai & Callan 2019): the
retriever encodes every window as a passage (prefix per window) and scores a
document by its best window.  Window vectors are cached under a key that
includes the window length and stride.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import asdict, dataclass
from functools import cache

import numpy as np
import torch
from tqdm.auto import tqdm

from harness.encoding import strategy
from harness.encoding.batching import length_sorted_batches
from harness.encoding.embedding_cache import EmbeddingCache
from harness.encoding.recipe import Recipe, max_tokens, pool, recipe_for, weights_fingerprint
from harness.errors import HarnessError, UsageError
from harness.files.paths import cache_root
from harness.models import ResolvedModel, load_model

KINDS = ("query", "passage")


TOKENIZE_CHUNK = 4096  # texts per tokenizer call when only lengths or offsets are needed


@dataclass(frozen=True)
class LengthReport:
    """How many texts exceed the encoder's limit; lengths in tokens, prefix and special tokens included."""

    max_length: int  # tokens the encoder keeps
    texts: int
    over: int  # texts longer than max_length (truncated when encoded whole)
    longest: int  # tokens of the longest text (0 when there are none)


@dataclass(frozen=True)
class Windows:
    """Overlapping pieces of texts, each short enough to be encoded whole (MaxP)."""

    texts: list[str]  # the window texts, in order: every window of text 0, then of text 1, ...
    owners: list[int]  # owners[i]: index of the text window i comes from
    window_tokens: int  # text tokens per window (the last window of a text may hold fewer)
    stride: int  # text tokens between the starts of consecutive windows of one text
    split: int  # texts cut into more than one window

    @property
    def tag(self) -> str:
        """Part of each window's cache key: other window settings, other vectors."""
        return f"maxp:window={self.window_tokens}:stride={self.stride}"


def shared_encoder(
    reference: str, batch_size: int, recipe: Recipe | None = None, fingerprint: str | None = None, precision: str | None = None,
    runtime: str = "torch",
) -> Encoder:
    """One loaded encoder per model and settings in a process: every pair of a run reuses it.

    Keyed by the cache root too: a Ray worker serves runs with other ``$HARNESS_CACHE`` settings.
    """
    return _shared_encoder(reference, batch_size, recipe, fingerprint, precision, runtime, str(cache_root()))


@cache
def _shared_encoder(reference, batch_size, recipe, fingerprint, precision, runtime, root) -> Encoder:
    return Encoder.load(reference, recipe=recipe, fingerprint=fingerprint, batch_size=batch_size, precision=precision,
                        runtime=runtime)


class Encoder:
    def __init__(
        self, model, tokenizer, recipe: Recipe, fingerprint: str, *, batch_size: int = 32,
        device: str | None = None, use_cache: bool = True, resolved: ResolvedModel | None = None,
        precision: str | None = None, runtime: str = "torch",
    ):
        """``precision``: fp32, bf16 or int8 (``harness/encoding/precision.py``); None: bf16 on GPU, fp32 on CPU.
        ``runtime``: torch or openvino (``harness/encoding/runtime.py``)."""
        from harness.encoding import precision as precisions
        from harness.encoding import runtime as runtimes

        self.device = device or ("cuda" if torch.cuda.is_available() else "cpu")
        self.precision = precision or ("bf16" if self.device == "cuda" else "fp32")
        precisions.resolve(self.precision, self.device, training=False, profile_default="fp32")  # refuses what cannot run
        self.runtime = runtimes.resolve(runtime, self.device, self.precision, "torch")
        self.dtype = torch.bfloat16 if self.precision == "bf16" else torch.float32
        # OpenVINO converts the fp32 weights when there is first something to encode (a warm run never does).
        self.model = model.eval() if self.runtime == "openvino" else \
            precisions.prepare_for_inference(model, self.precision, self.device)
        self._compiled = None
        self.config = model.config
        self.tokenizer = tokenizer
        self.recipe = recipe
        self.batch_size = batch_size
        self.max_length = min(recipe.max_length, max_tokens(model.config))
        label = precisions.CACHE_LABELS[self.precision]  # other precision or runtime, other vectors
        label += "|openvino" if self.runtime == "openvino" else ""
        self.fingerprint = f"{fingerprint}|{json.dumps(asdict(recipe), sort_keys=True)}|{label}|{self.max_length}"
        self.cache = EmbeddingCache(self.fingerprint) if use_cache else None
        self.resolved = resolved
        self.load_args: dict | None = None  # set by Encoder.load

    @classmethod
    def load(cls, reference: str, *, recipe: Recipe | None = None, fingerprint: str | None = None, **options) -> Encoder:
        """Resolve and load ``reference``; the recipe and fingerprint default to the model's own."""
        model, tokenizer, resolved = load_model(reference)
        encoder = cls(
            model, tokenizer, recipe or recipe_for(resolved), fingerprint or weights_fingerprint(resolved),
            resolved=resolved, **options,
        )
        # How to load the same encoder elsewhere (a Ray Data actor encoding a shard).
        encoder.load_args = {"reference": reference, "recipe": recipe, "fingerprint": fingerprint} | {
            k: v for k, v in options.items() if k in ("batch_size", "precision", "device", "runtime")}
        return encoder

    def describe(self) -> dict:
        """What a run records about the encoder it used."""
        described = {
            "recipe": asdict(self.recipe), "max_length": self.max_length, "device": self.device, "dtype": str(self.dtype),
            "precision": self.precision, "runtime": self.runtime,
        }
        if self.runtime == "openvino":  # with its version: another OpenVINO may sum differently
            from harness.encoding.runtime import openvino_version

            described["runtime"] = f"openvino {openvino_version()}"
        if self.resolved is not None:
            described |= {
                "model": self.resolved.reference,
                "weights": self.resolved.weights_name,
                "source": self.resolved.source,
                "passed_over": list(self.resolved.passed_over),
            }
        return described

    def token_counts(self, texts: Sequence[str], kind: str) -> list[int]:
        """Tokens of each text as the encoder would see it untruncated: prefix and special tokens included."""
        prefix = self.recipe.prefix(kind)
        counts = []
        for start in range(0, len(texts), TOKENIZE_CHUNK):
            encoded = self.tokenizer(
                [prefix + t for t in texts[start : start + TOKENIZE_CHUNK]], truncation=False, verbose=False,
                return_attention_mask=False, return_token_type_ids=False,
            )["input_ids"]
            counts.extend(len(ids) for ids in encoded)
        return counts

    def length_report(self, texts: Sequence[str], kind: str) -> LengthReport:
        """How many of ``texts`` :meth:`encode` truncates, counted with its tokenizer against its ``max_length``."""
        counts = self.token_counts(texts, kind)
        return LengthReport(self.max_length, len(counts), sum(c > self.max_length for c in counts), max(counts, default=0))

    def window_tokens(self, kind: str = "passage") -> int:
        """Text tokens that fit in one window: ``max_length`` less the special tokens and the prefix's tokens."""
        prefix = self.recipe.prefix(kind)
        prefix_tokens = len(self.tokenizer(prefix, add_special_tokens=False)["input_ids"]) if prefix else 0
        return self.max_length - self.tokenizer.num_special_tokens_to_add(pair=False) - prefix_tokens

    def windows(self, texts: Sequence[str], kind: str = "passage", stride: int | None = None) -> Windows:
        """Split texts longer than ``max_length`` into overlapping windows of real text (MaxP).

        A text that fits is one window, itself.  A longer one is tokenized without prefix and
        special tokens; window j holds its text tokens [j*stride, j*stride + window_tokens), cut
        from the text at the tokenizer's character offsets, and the last window reaches the end.
        ``stride`` defaults to half a window.  A window whose text re-tokenizes to more than
        ``max_length`` tokens with the prefix (possible where a cut falls inside a word) is
        shortened until it fits, so no window is truncated.
        """
        size = self.window_tokens(kind)
        if size < 1:
            raise HarnessError(f"max_length {self.max_length} leaves no room for text after the prefix and special tokens")
        stride = max(size // 2, 1) if stride is None else int(stride)
        if not 1 <= stride <= size:
            raise UsageError(f"window_stride must be between 1 and the window length ({size} tokens here), not {stride}")
        counts = self.token_counts(texts, kind)
        out, owners, split = [], [], 0
        for index, (text, count) in enumerate(zip(texts, counts)):
            if count <= self.max_length:
                pieces = [text]
            else:
                pieces = self._split(text, kind, size, stride)
                split += len(pieces) > 1
            out.extend(pieces)
            owners.extend([index] * len(pieces))
        return Windows(out, owners, size, stride, split)

    def _split(self, text: str, kind: str, size: int, stride: int) -> list[str]:
        encoded = self.tokenizer(text, add_special_tokens=False, return_offsets_mapping=self.tokenizer.is_fast, verbose=False)
        ids = encoded["input_ids"]
        offsets = encoded.get("offset_mapping")

        def piece(start: int, end: int) -> str:
            if offsets is not None:  # a slice of the text itself
                return text[offsets[start][0] : max(o[1] for o in offsets[start:end])]
            return self.tokenizer.decode(ids[start:end])  # slow tokenizers: the token ids decoded back

        pieces, start = [], 0
        while True:
            end = min(start + size, len(ids))
            text_piece = piece(start, end)
            while end - start > 1:
                excess = self.token_counts([text_piece], kind)[0] - self.max_length
                if excess <= 0:
                    break
                end = max(start + 1, end - excess)
                text_piece = piece(start, end)
            pieces.append(text_piece)
            if end >= len(ids):
                return pieces
            start = min(start + stride, end)  # a shortened window never leaves a gap

    def encode(self, texts: Sequence[str], kind: str, tag: str = "") -> np.ndarray:
        """Vectors [len(texts), d] (float32) in the order of ``texts``.

        ``tag`` goes into the cache key (e.g. :attr:`Windows.tag` for MaxP windows); it does not
        change the encoding.
        """
        if kind not in KINDS:
            raise ValueError(f"kind must be one of {KINDS}, not {kind!r}")
        keys = [EmbeddingCache.key(kind, t, tag) for t in texts]
        known = self.cache.get_many(list(set(keys))) if self.cache else {}
        todo = list(dict.fromkeys(t for t, k in zip(texts, keys) if k not in known))
        if todo:
            # An executor may hand many texts elsewhere (--executor ray: Ray Data actors, the same batches as here).
            other = strategy.for_texts(len(todo), kind)
            fresh = other.encode(self, todo, kind) if other is not None else self._encode_uncached(todo, kind)
            made = {EmbeddingCache.key(kind, t, tag): v for t, v in zip(todo, fresh)}
            if self.cache:
                self.cache.put_many(made)
            known.update(made)
        if not texts:
            return np.zeros((0, self.config.hidden_size), dtype=np.float32)
        return np.stack([known[k] for k in keys]).astype(np.float32, copy=False)

    def _encode_uncached(self, texts: list[str], kind: str) -> np.ndarray:
        prefix = self.recipe.prefix(kind)
        out = np.zeros((len(texts), self.config.hidden_size), dtype=np.float32)
        openvino = self._openvino() if self.runtime == "openvino" else None
        batches = length_sorted_batches(self.tokenizer, [prefix + t for t in texts], self.batch_size, self.max_length,
                                        "np" if openvino is not None else "pt")
        with torch.inference_mode():
            for index, batch in tqdm(batches, total=-(-len(texts) // self.batch_size), desc=f"encode {kind}",
                                     unit="batch", leave=False, disable=None):
                if openvino is not None:
                    out[index] = openvino(batch["input_ids"], batch["attention_mask"])
                    continue
                batch = {k: v.to(self.device) for k, v in batch.items()}
                hidden = self.model(**batch).last_hidden_state
                # Pooling and normalisation in float32 whatever the precision of the layers.
                out[index] = pool(hidden.float(), batch["attention_mask"], self.recipe).cpu().numpy()
        return out

    def _openvino(self):
        """The OpenVINO graph of model + pooling, converted on first use (then the torch copy is dropped)."""
        if self._compiled is None:
            from harness.encoding.runtime import OpenVINOEncoder

            self._compiled = OpenVINOEncoder(self.model, lambda h, m: pool(h, m, self.recipe), self.precision,
                                             torch.get_num_threads())
            self.model = None  # OpenVINO holds its own copy of the weights
        return self._compiled
