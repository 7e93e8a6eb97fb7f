"""Damaged caches: every cached artifact is checked against checksums written when it was made.

Each test damages an artifact the way the cases in ``cache-*-corrupt`` do (truncate, zero, flip
bytes inside a stored value), then checks: no exception, one line saying what was repaired, and a
result equal to the one computed before the damage.
"""

from __future__ import annotations

import json
import os
import random
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest

from harness.cache import integrity as cache_integrity
from harness.cache.integrity import MANIFEST_NAME, verify_manifest, write_manifest
from harness.cache.sqlite_store import SqliteStore, drop_rows, row_digest, row_ok
from harness.data.pairs import PAIRS
from harness.translate.base import Translator
from harness.translate.store import TranslationStore


from tests.damage import flip, lines  # noqa: E402


# --------------------------------------------------------------------------
# Manifests
# --------------------------------------------------------------------------


@pytest.fixture
def artifact(tmp_path):
    folder = tmp_path / "artifact"
    (folder / "sub").mkdir(parents=True)
    (folder / "a.bin").write_bytes(os.urandom(5000))
    (folder / "sub" / "b.txt").write_text("hello\n")
    write_manifest(folder)
    cache_integrity.forget_verified()  # as in a new process
    return folder


def test_manifest_lists_every_file_and_verifies(artifact):
    manifest = json.loads((artifact / MANIFEST_NAME).read_text())
    assert sorted(manifest["files"]) == ["a.bin", "sub/b.txt"] and manifest["total_bytes"] == 5006
    assert verify_manifest(artifact) is None
    assert verify_manifest(artifact) is None  # the second time from memory (same sizes and mtimes)


@pytest.mark.parametrize("damage, reason", [
    (lambda f: os.truncate(f / "a.bin", 2500), "a.bin has 2500 bytes, expected 5000"),
    (lambda f: flip(f / "a.bin", 300, 8), "a.bin fails its sha256"),
    (lambda f: (f / "sub" / "b.txt").unlink(), "sub/b.txt is missing"),
    (lambda f: (f / MANIFEST_NAME).unlink(), "no checksum manifest"),
    (lambda f: (f / MANIFEST_NAME).write_text("{not json"), "manifest .harness-manifest.json is unreadable"),
])
def test_damage_is_named(artifact, damage, reason):
    assert verify_manifest(artifact) is None  # remembered as verified: the damage must still be seen
    damage(artifact)
    assert reason in verify_manifest(artifact)


def test_flip_that_keeps_size_and_mtime_is_found_below_the_full_check_limit(artifact):
    assert verify_manifest(artifact) is None
    stat = (artifact / "a.bin").stat()
    flip(artifact / "a.bin", 10, 4)
    os.utime(artifact / "a.bin", ns=(stat.st_atime_ns, stat.st_mtime_ns))
    cache_integrity.forget_verified()
    assert "fails its sha256" in verify_manifest(artifact)


def test_strict_rejects_unlisted_files(artifact):
    (artifact / "segments_2").write_bytes(b"x")
    assert verify_manifest(artifact) is None
    assert "segments_2 is not in its checksum manifest" in verify_manifest(artifact, strict=True)


def test_usable_or_removed_reports_one_line_and_deletes(artifact, capsys):
    flip(artifact / "a.bin", 0, 8)
    assert not cache_integrity.usable_or_removed(artifact, "thing", "making it again")
    out = capsys.readouterr().out
    assert out.count("\n") == 1 and f"thing {artifact}: a.bin fails its sha256; making it again" in out
    assert not artifact.exists() and list(artifact.parent.iterdir()) == []


def test_require_verified_is_one_line_naming_the_command(artifact):
    from harness.errors import HarnessError

    os.truncate(artifact / "a.bin", 0)
    with pytest.raises(HarnessError) as error:
        cache_integrity.require_verified(artifact, "thing")
    assert "\n" not in str(error.value) and f"rm -rf '{artifact}'" in str(error.value)


def dead_pid() -> int:
    child = subprocess.Popen([sys.executable, "-c", "pass"])
    child.wait()
    return child.pid


def test_leftovers_of_dead_processes_are_removed_at_once(tmp_path):
    host = cache_integrity.temporary_prefix("m").split(".")[2]
    dead = tmp_path / f".m.{host}.{dead_pid()}.abc.tmp"
    mine = tmp_path / f"{cache_integrity.temporary_prefix('m')}def.tmp"
    elsewhere = tmp_path / f".m.otherhost.{dead_pid()}.ghi.tmp"
    old_style = tmp_path / ".m.jkl.tmp"
    for folder in (dead, mine, elsewhere, old_style):
        (folder / "inner").mkdir(parents=True)
    removed = cache_integrity.remove_leftovers(tmp_path, "m", max_age_s=3600)
    assert removed == [dead] and mine.exists() and elsewhere.exists() and old_style.exists()
    os.utime(old_style, (0, 0))
    assert cache_integrity.remove_leftovers(tmp_path, "m", max_age_s=3600) == [old_style]


# --------------------------------------------------------------------------
# Rows: a key -> vector store (the shape of the embedding cache)
# --------------------------------------------------------------------------


def test_row_digest_separates_fields():
    assert row_digest("ab", "c") != row_digest("a", "bc")
    assert row_ok(row_digest("k", b"\x00\x01"), "k", b"\x00\x01")
    assert not row_ok(None, "k", b"") and not row_ok(row_digest("k", b"x"), "k", b"y")


def vector_store(path: Path) -> SqliteStore:
    def prepare(db):
        db.execute("CREATE TABLE IF NOT EXISTS vectors (key TEXT PRIMARY KEY, vector BLOB, digest TEXT)")

    return SqliteStore(path, prepare, "embedding cache")


def put(store: SqliteStore, items: dict[str, bytes]) -> None:
    def write(db):
        with db:
            db.executemany("INSERT OR REPLACE INTO vectors VALUES (?, ?, ?)",
                           [(k, v, row_digest(k, v)) for k, v in items.items()])

    store.call(write)


def get(store: SqliteStore, keys: list[str]) -> dict[str, bytes]:
    def read(db):
        found, failed = {}, []
        for rowid, key, vector, digest in db.execute(
            f"SELECT rowid, key, vector, digest FROM vectors WHERE key IN ({','.join('?' * len(keys))})", keys
        ):
            if row_ok(digest, key, vector):
                found[key] = vector
            else:
                failed.append(rowid)
        drop_rows(db, "vectors", failed)
        return found

    return store.call(read)


@pytest.fixture
def vectors(tmp_path):
    rng = random.Random(7)
    items = {f"{i:064x}": bytes(rng.randrange(256) for _ in range(1536)) for i in range(200)}
    path = tmp_path / "vectors.sqlite"
    store = vector_store(path)
    put(store, items)
    store.close()
    return path, items


def test_flipped_bytes_inside_a_vector_drop_that_row_only(vectors):
    path, items = vectors
    key = sorted(items)[100]
    flip(path, path.read_bytes().find(items[key]) + 600, 16)
    store = vector_store(path)
    found = get(store, sorted(items))
    assert set(found) == set(items) - {key} and all(found[k] == items[k] for k in found)
    assert get(store, [key]) == {}  # dropped, so it is made again


@pytest.mark.parametrize("damage", ["truncate-half", "truncate-4096", "bad-header", "zeroed"])
def test_unreadable_store_is_moved_aside_and_started_afresh(vectors, damage, capsys):
    path, items = vectors
    size = path.stat().st_size
    if damage == "truncate-half":
        os.truncate(path, size // 2)
    elif damage == "truncate-4096":
        os.truncate(path, 4096)
    elif damage == "bad-header":
        flip(path, 0, 16)
    else:
        path.write_bytes(b"")
    store = vector_store(path)
    found = get(store, sorted(items))
    assert all(found[k] == items[k] for k in found)  # whatever survives is intact
    put(store, items)
    assert get(store, sorted(items)) == items
    out = capsys.readouterr().out
    if damage == "zeroed":  # an empty file is a valid empty database
        assert out == ""
    else:
        assert len(lines(out, f"embedding cache {path} is unreadable")) == 1 and out.count("\n") == 1
        assert (path.parent / "vectors.sqlite.damaged").exists()


# --------------------------------------------------------------------------
# The translation store
# --------------------------------------------------------------------------


class CountingTranslator(Translator):
    scheme = "fake"

    def __init__(self):
        super().__init__("fake:upper", "upper")
        self.made: list[str] = []

    def unavailable_reason(self, pair, texts):
        return None

    def translate(self, texts, pair):
        self.made.extend(texts)
        return [f"{t.upper()} huolissaan {len(t)}" for t in texts]


TEXTS = [f"query number {i} about the weather in nairobi and helsinki" for i in range(300)]


def fresh_translations(path: Path) -> list[str]:
    store = TranslationStore(path)
    try:
        return store.translate(CountingTranslator(), PAIRS["en-fi"], TEXTS)[0]
    finally:
        store.close()


@pytest.fixture
def translations(tmp_path):
    path = tmp_path / "translations.sqlite"
    expected = fresh_translations(path)
    return path, expected


def translate_again(path: Path) -> tuple[list[str], CountingTranslator]:
    translator = CountingTranslator()
    store = TranslationStore(path)
    try:
        return store.translate(translator, PAIRS["en-fi"], TEXTS)[0], translator
    finally:
        store.close()


def test_undamaged_store_is_reused(translations, capsys):
    path, expected = translations
    capsys.readouterr()
    result, translator = translate_again(path)
    assert result == expected and translator.made == [] and capsys.readouterr().out == ""


def test_changed_bytes_inside_a_stored_translation_are_translated_again(translations, capsys):
    path, expected = translations
    data = path.read_bytes()
    at = data.index(b"huolissaan")
    with open(path, "r+b") as handle:  # as in cache-translations-corrupt
        handle.seek(at)
        handle.write(b"qqqqqqqqqq")
    capsys.readouterr()
    result, translator = translate_again(path)
    assert result == expected == fresh_translations(path.with_name("fresh.sqlite"))
    assert len(translator.made) == 1
    out = capsys.readouterr().out
    assert len(lines(out, "failed their checksum")) == 1 and out.count("\n") == 1
    assert translate_again(path)[1].made == []  # repaired for good


def test_invalid_utf8_inside_a_stored_translation_is_translated_again(translations, capsys):
    path, expected = translations
    at = path.read_bytes().index(b"huolissaan")
    with open(path, "r+b") as handle:
        handle.seek(at)
        handle.write(b"\xff\xfe\xfd")
    result, translator = translate_again(path)
    assert result == expected and len(translator.made) == 1
    assert len(lines(capsys.readouterr().out, "failed their checksum")) == 1


@pytest.mark.parametrize("damage", ["truncate-4096", "truncate-half", "bad-header"])
def test_unreadable_translation_store_is_rebuilt(translations, damage, capsys):
    path, expected = translations
    if damage == "truncate-4096":
        os.truncate(path, 4096)
    elif damage == "truncate-half":
        os.truncate(path, path.stat().st_size // 2)
    else:
        flip(path, 0, 16)
    capsys.readouterr()
    result, translator = translate_again(path)
    assert result == expected
    out = capsys.readouterr().out
    assert len(lines(out, f"translation store {path} is unreadable")) == 1 and out.count("\n") == 1
    assert len(translator.made) == 300


def test_store_without_checksums_is_migrated(tmp_path, capsys):
    path = tmp_path / "old.sqlite"
    db = sqlite3.connect(path)
    db.execute("CREATE TABLE translations (system TEXT, lang TEXT, source TEXT, translation TEXT, PRIMARY KEY (system, lang, source))")
    with db:
        db.execute("INSERT INTO translations VALUES ('fake:upper', 'fi', ?, 'WRONG')", (TEXTS[0],))
    db.close()
    result, translator = translate_again(path)
    assert result == fresh_translations(tmp_path / "fresh.sqlite") and len(translator.made) == 300
    assert len(lines(capsys.readouterr().out, "stored without a checksum")) == 1
    assert translate_again(path)[1].made == []
