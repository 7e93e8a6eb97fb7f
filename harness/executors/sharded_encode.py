"""Dense encoding of a large collection in shards, by Ray Data encoder actors (``--executor ray``).

Inside a Ray cell, an encoder asked for more than ``shard_passages`` texts that are not in its
embedding cache hands them here.  The texts are put in the order the encoder itself would
batch them (by token length, stable) and cut into shards of a whole number of batches, so
every actor runs exactly the batches the local encoder would run; each shard is a row of a
Ray Data dataset, and ``map_batches`` over a pool of encoder actors (each loads the model
once) encodes the shards in parallel.  An actor writes its shard into the content-addressed
cache, ``$HARNESS_CACHE/embeddings/shards/<model>/<key>.npy`` with a ``.sha256`` beside it
(the key is the sha256 of the shard's text keys), atomically; the cell then reads the shards
back, verified, and stores the vectors in the encoder's embedding cache as usual.  Shards
finished before an interruption are reused.  Search over the vectors is the cell's own
(FAISS past ``harness.retrieval.dense.FAISS_ABOVE`` passages).
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from pathlib import Path

import numpy as np

from harness.cache import integrity as cache_integrity
from harness.encoding import strategy
from harness.models.resolve import quiet_optional_kernel_logs
from harness.errors import HarnessError
from harness.executors.environment import task_environment
from harness.files.atomic import atomic_open
from harness.files.leftovers import sweep
from harness.files.paths import cache_dir

DEFAULT_SHARD = 50_000  # passages per shard: about 75 MB of e5-small vectors, minutes of one GPU


@contextmanager
def enabled(shard_passages: int, resources: Mapping[str, float], env: Mapping[str, str]) -> Iterator[None]:
    """Within the block (a Ray cell), encoders shard more than ``shard_passages`` uncached passages."""
    with strategy.installed(ShardedEncoding(int(shard_passages), dict(resources), dict(env))):
        yield


class ShardedEncoding:
    """The uncached-encoding strategy of a Ray cell (``harness.encoding.strategy``).

    ``shard_passages``: passages per shard; ``resources``: what each encoder actor asks Ray for;
    ``env``: the driver's harness environment, for the actors.
    """

    def __init__(self, shard_passages: int, resources: Mapping[str, float], env: Mapping[str, str]):
        self.shard_passages, self.resources, self.env = shard_passages, resources, env

    def wants(self, count: int, kind: str) -> bool:
        """Passages only (a collection's queries are few), and more than one shard's worth."""
        return kind == "passage" and count > self.shard_passages

    def shard_order(self, encoder, texts: Sequence[str], kind: str) -> list[np.ndarray]:
        """The encoder's batching order of ``texts`` (by token length, stable), cut into shards of whole batches."""
        prefix = encoder.recipe.prefix(kind)
        lengths = [len(ids) for ids in encoder.tokenizer(
            [prefix + t for t in texts], truncation=True, max_length=encoder.max_length,
            return_attention_mask=False, return_token_type_ids=False,
        )["input_ids"]]
        order = np.argsort(lengths, kind="stable")
        size = max(encoder.batch_size, self.shard_passages // encoder.batch_size * encoder.batch_size)
        return [order[start : start + size] for start in range(0, len(order), size)]

    def encode(self, encoder, texts: list[str], kind: str) -> np.ndarray:
        return encode_uncached(self, encoder, texts, kind)


def encode_uncached(sharding: ShardedEncoding, encoder, texts: list[str], kind: str) -> np.ndarray:
    """Vectors [len(texts), d] (float32) for ``texts``, encoded in shards by Ray Data actors."""
    import ray

    from harness.encoding.embedding_cache import EmbeddingCache

    if getattr(encoder, "load_args", None) is None:
        raise HarnessError("sharded encoding needs an encoder made by Encoder.load (a worker loads it by reference)")
    shards = sharding.shard_order(encoder, texts, kind)
    folder = cache_dir("embeddings", "shards", hashlib.sha256(encoder.fingerprint.encode()).hexdigest()[:24])
    sweep(folder, recursive=False)  # temporary shards of killed workers (harness/files/leftovers.py)
    keys = [hashlib.sha256("\n".join(EmbeddingCache.key(kind, texts[i]) for i in shard).encode()).hexdigest()[:32]
            for shard in shards]
    missing = [(key, [texts[i] for i in shard]) for key, shard in zip(keys, shards) if read_shard(folder, key) is None]
    if missing:
        print(f"encoding {len(texts)} {kind}s in {len(shards)} shards ({len(missing)} to do) on Ray Data actors", flush=True)
        # The pipeline runs in its own task (it holds no CPU) while this cell waits in ray.get, which
        # lends the cell's CPU to the actors; running it here would hold that CPU and, on a full
        # cluster, leave the actors waiting for it forever.
        pipeline = ray.remote(encode_shards).options(num_cpus=0, num_gpus=0)
        done = ray.get(pipeline.remote(missing, encoder.load_args, kind, str(folder), sharding.resources, sharding.env))
        if sorted(done) != sorted(key for key, _ in missing):
            raise HarnessError(f"Ray Data returned {len(done)} of {len(missing)} shards; rerun to complete them")
    out = np.zeros((len(texts), encoder.config.hidden_size), dtype=np.float32)
    for key, shard in zip(keys, shards):
        vectors = read_shard(folder, key)
        if vectors is None or vectors.shape != (len(shard), out.shape[1]):
            raise HarnessError(f"embedding shard {folder / key}.npy is missing or malformed after encoding; rerun")
        out[shard] = vectors
    return out


def encode_shards(missing: Sequence[tuple[str, list[str]]], load_args: Mapping, kind: str, folder: str,
                  resources: Mapping[str, float], env: Mapping[str, str]) -> list[str]:
    """Encode ``(key, texts)`` shards with Ray Data ``map_batches`` over a pool of encoder actors."""
    import logging

    import ray

    context = ray.data.DataContext.get_current()
    # One bar and a few notices per operator per cell, from every worker: noise in a run's log.
    context.enable_progress_bars = context.print_on_execution_start = context.enable_auto_log_stats = False
    logging.getLogger("ray.data").setLevel(logging.WARNING)
    rows = ray.data.from_items([{"key": key, "texts": texts} for key, texts in missing])

    class BoundEncoder(ShardEncoder):  # the settings travel with the class, not as constructor arguments
        def __init__(self):
            super().__init__(load_args, kind, folder, env)

    done = rows.map_batches(
        BoundEncoder, batch_size=1, batch_format="numpy",
        compute=ray.data.ActorPoolStrategy(min_size=1, max_size=len(missing)),
        num_cpus=resources.get("num_cpus", 1), num_gpus=resources.get("num_gpus", 0),
    ).take_all()
    return [str(row["key"]) for row in done]


def read_shard(folder: Path, key: str) -> np.ndarray | None:
    """A finished shard's vectors, or None when it is absent or fails its sha256 (then it is removed)."""
    path = folder / f"{key}.npy"
    if not path.is_file():
        return None
    if not cache_integrity.digest_ok(path):
        cache_integrity.report(f"embedding shard {path} fails its sha256 check; encoding it again")
        path.unlink(missing_ok=True)
        return None
    return np.load(path, allow_pickle=False)


class ShardEncoder:
    """A Ray Data actor: loads the encoder once, encodes one shard per call, writes it to the cache."""

    def __init__(self, load_args: Mapping, kind: str, folder: str, env: Mapping[str, str]):
        from harness.encoding.encoder import Encoder

        quiet_optional_kernel_logs()

        options = dict(load_args)
        with task_environment(env):  # the driver's cache and hub settings, to resolve the model
            self.encoder = Encoder.load(options.pop("reference"), use_cache=False, **options)
        self.kind = kind
        self.folder = Path(folder)

    def __call__(self, batch: Mapping[str, np.ndarray]) -> dict[str, np.ndarray]:
        for key, texts in zip(batch["key"], batch["texts"]):
            vectors = self.encoder._encode_uncached([str(t) for t in texts], self.kind)
            path = self.folder / f"{key}.npy"
            with atomic_open(path, "wb") as handle:
                np.save(handle, vectors, allow_pickle=False)
            cache_integrity.write_digest(path)
        return {"key": np.asarray(batch["key"])}
