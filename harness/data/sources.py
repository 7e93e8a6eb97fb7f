"""Pinned public files: fetched from their canonical URL, or from an offline mirror.

``sources.tsv`` (beside this file) pins every file the harness reads: repository,
commit, path, size and sha256.  A file is fetched once into the ir_datasets cache
from ``https://raw.githubusercontent.com/<repo>/<commit>/<path>`` and checked
against its sha256.  When ``$HARNESS_DATA_MIRROR`` names a folder, the file is
read from ``<mirror>/<repo>/<path>`` instead (same checksum), and the network is
never touched.

A row may leave size and sha256 empty: a public file we could not copy, so we
cannot pin its bytes (OPUS-MT's Yoruba output of NTREX).  Such a file is
downloaded like the others; its sha256 is computed on download, kept beside
the copy (``<file>.sha256``) and reported by ``fetch_with_sha256``, so a run
records what it really read, and a later copy that differs is rejected.  It is
never looked for elsewhere: offline and not in the mirror, ``fetch`` raises
``SourceUnavailable``.
"""

from __future__ import annotations

import csv
import hashlib
import urllib.error
import urllib.request
from dataclasses import dataclass
from functools import cache
from pathlib import Path

from harness.files.atomic import atomic_open
from harness.errors import HarnessError
from harness.files.paths import MIRROR_ENV, data_mirror

MANIFEST = Path(__file__).with_name("sources.tsv")
URL_TEMPLATE = "https://raw.githubusercontent.com/{repo}/{commit}/{path}"


class SourceUnavailable(HarnessError):
    """A pinned file cannot be had here (not in the mirror, or no network); the message says how to fix it."""


@dataclass(frozen=True)
class PinnedFile:
    repo: str
    commit: str
    path: str
    size: int | None  # None: not pinned (see the module docstring)
    sha256: str | None

    @property
    def url(self) -> str:
        return URL_TEMPLATE.format(repo=self.repo, commit=self.commit, path=self.path)


@cache
def manifest() -> dict[tuple[str, str], PinnedFile]:
    with MANIFEST.open(encoding="utf-8", newline="") as handle:
        rows = csv.DictReader(handle, delimiter="\t")
        pinned = [
            PinnedFile(r["repo"], r["commit"], r["path"], int(r["bytes"]) if r["bytes"] else None, r["sha256"] or None)
            for r in rows
        ]
    return {(p.repo, p.path): p for p in pinned}


def pinned(repo: str, path: str) -> PinnedFile:
    try:
        return manifest()[(repo, path)]
    except KeyError:
        raise HarnessError(f"{repo}/{path} is not pinned in {MANIFEST}") from None


def list_pinned(repo: str, prefix: str = "") -> list[PinnedFile]:
    """Pinned files of one repository whose path starts with ``prefix``."""
    return [p for (r, path), p in manifest().items() if r == repo and path.startswith(prefix)]


def sha256_of(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def decode_utf8(data: bytes, where: object) -> str:
    """``data`` as UTF-8 text; HarnessError naming ``where`` (a file) and the line of the first bad byte."""
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        raise HarnessError(f"{where}:{line}: not valid UTF-8") from None


def read_utf8(path: Path) -> str:
    """The text of a UTF-8 file (see ``decode_utf8``)."""
    return decode_utf8(path.read_bytes(), path)


def read_text_lines(path: Path) -> list[str]:
    """Lines of a UTF-8 file without their CR/LF ends.

    Only ``\n`` ends a line: ``splitlines()`` would also split on U+2028 and friends
    inside a sentence and break the alignment of parallel files.
    """
    lines = read_utf8(path).split("\n")
    if lines and lines[-1] == "":
        lines.pop()
    return [line.removesuffix("\r") for line in lines]


def download_root() -> Path:
    import ir_datasets

    return Path(ir_datasets.util.home_path()) / "harness" / "downloads"


def fetch(repo: str, path: str) -> Path:
    """Local path of a pinned file, verified against its sha256 (once per process and place).

    Raises ``SourceUnavailable`` when it cannot be had here, ``HarnessError`` when a copy fails its check.
    """
    return _fetch(repo, path, data_mirror(), download_root())[0]


def fetch_with_sha256(repo: str, path: str) -> tuple[Path, str]:
    """``fetch``, and the sha256 of the bytes it returned (the pinned one, or the one recorded on download)."""
    return _fetch(repo, path, data_mirror(), download_root())


@cache
def _fetch(repo: str, path: str, mirror: Path | None, downloads: Path) -> tuple[Path, str]:
    pin = pinned(repo, path)
    if mirror is not None:
        local = mirror / repo / path
        if not local.is_file():
            if not pin.sha256:
                raise SourceUnavailable(
                    f"the mirror {MIRROR_ENV}={mirror} does not hold it, and with no pinned sha256 it is only ever "
                    f"downloaded from {pin.url}: unset {MIRROR_ENV} where there is network"
                )
            raise SourceUnavailable(f"{local} not found: {MIRROR_ENV}={mirror} does not hold {repo}/{path} ({pin.url})")
        return local, _check(local, pin, origin=f"the mirror ({MIRROR_ENV})")
    local = downloads / repo / pin.commit / path
    if local.is_file():
        expected = pin.sha256 or _recorded_sha256(local)
        if expected is not None and sha256_of(local) == expected:
            return local, expected
    _download(pin, local)
    return local, _check(local, pin, origin=pin.url)


def _recorded_sha256(local: Path) -> str | None:
    record = local.with_name(local.name + ".sha256")
    return record.read_text(encoding="ascii").strip() if record.is_file() else None


def _download(pin: PinnedFile, local: Path) -> None:
    try:
        with urllib.request.urlopen(pin.url, timeout=60) as response, atomic_open(local, "wb") as out:
            while block := response.read(1 << 20):
                out.write(block)
    except (urllib.error.URLError, OSError) as exc:
        raise SourceUnavailable(
            f"cannot download {pin.repo}/{pin.path} from {pin.url} ({exc}); "
            f"without network, set {MIRROR_ENV} to a folder that holds <owner>/<repo>/<path> copies"
        ) from None
    if not pin.sha256:  # first use of an unpinned file: remember what was read, so a changed copy is caught
        with atomic_open(local.with_name(local.name + ".sha256"), "w") as out:
            out.write(sha256_of(local) + "\n")


def _check(local: Path, pin: PinnedFile, origin: str) -> str:
    actual = sha256_of(local)
    if pin.sha256 and actual != pin.sha256:
        raise HarnessError(f"{local}: sha256 {actual} from {origin} does not match the pinned {pin.sha256}")
    return actual
