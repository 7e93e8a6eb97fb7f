"""The embedding cache: vectors on disk, one sqlite file per encoder fingerprint, each row checksummed."""

from __future__ import annotations

import hashlib
from collections.abc import Sequence

import numpy as np

from harness.cache.integrity import report
from harness.cache.sqlite_store import SqliteStore, drop_rows, has_column, row_digest, row_ok
from harness.files.paths import cache_dir


class EmbeddingCache:
    """Vectors on disk, one sqlite file per model fingerprint, keyed by the text's hash.

    Every row carries a digest of (key, vector) written with it and checked on every read: a
    vector that fails is dropped and encoded again, and a damaged database file is set aside
    and started anew, each with one line (``harness.cache.integrity``; ``harness/CACHE.md``).
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
