"""Pinned files: mirror, checksum, download, and the errors when none works."""

import io
import urllib.error

import pytest

from harness.data import sources
from harness.errors import HarnessError

REPO, PATH = "MicrosoftTranslator/NTREX", "DOCUMENT_IDS.tsv"


@pytest.fixture(autouse=True)
def fresh_fetch_cache():
    sources._fetch.cache_clear()
    yield
    sources._fetch.cache_clear()


def test_mirror_file_is_verified_and_returned():
    path = sources.fetch(REPO, PATH)
    assert sources.sha256_of(path) == sources.pinned(REPO, PATH).sha256


def test_corrupt_mirror_copy_is_rejected(tmp_path, monkeypatch):
    copy = tmp_path / REPO / PATH
    copy.parent.mkdir(parents=True)
    copy.write_text("tampered\n")
    monkeypatch.setenv("HARNESS_DATA_MIRROR", str(tmp_path))
    with pytest.raises(HarnessError, match="does not match the pinned"):
        sources.fetch(REPO, PATH)


def test_missing_mirror_file_names_file_and_variable(tmp_path, monkeypatch):
    monkeypatch.setenv("HARNESS_DATA_MIRROR", str(tmp_path))
    with pytest.raises(HarnessError, match="HARNESS_DATA_MIRROR") as error:
        sources.fetch(REPO, PATH)
    assert PATH in str(error.value) and "\n" not in str(error.value)


def test_offline_without_mirror_names_file_url_and_variable(tmp_path, monkeypatch):
    monkeypatch.delenv("HARNESS_DATA_MIRROR")
    monkeypatch.setenv("IR_DATASETS_HOME", str(tmp_path))

    def no_network(*args, **kwargs):
        raise urllib.error.URLError("no network")

    monkeypatch.setattr(sources.urllib.request, "urlopen", no_network)
    with pytest.raises(HarnessError) as error:
        sources.fetch(REPO, PATH)
    message = str(error.value)
    assert sources.pinned(REPO, PATH).url in message and "HARNESS_DATA_MIRROR" in message and PATH in message
    assert not list(tmp_path.rglob("DOCUMENT_IDS.tsv")), "nothing half-written is left behind"


def test_download_is_checked_and_cached(tmp_path, monkeypatch):
    mirror_copy = sources.fetch(REPO, PATH).read_bytes()
    monkeypatch.delenv("HARNESS_DATA_MIRROR")
    monkeypatch.setenv("IR_DATASETS_HOME", str(tmp_path))
    calls = []

    def fake_urlopen(url, timeout):
        calls.append(url)
        return io.BytesIO(mirror_copy)

    monkeypatch.setattr(sources.urllib.request, "urlopen", fake_urlopen)
    path = sources.fetch(REPO, PATH)
    assert calls == [sources.pinned(REPO, PATH).url]
    assert path.read_bytes() == mirror_copy and str(path).startswith(str(tmp_path))
    sources._fetch.cache_clear()
    assert sources.fetch(REPO, PATH) == path and len(calls) == 1  # verified copy reused


def test_unpinned_file_is_an_error():
    with pytest.raises(HarnessError, match="not pinned"):
        sources.pinned(REPO, "nope.txt")
