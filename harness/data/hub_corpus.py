"""Corpus files that live in a Hugging Face dataset repository: fetched once, their sha256 recorded.

CIRAL's passages (``CIRAL/ciral-corpus``) and AfriCLIRMatrix's documents (``castorini/africlirmatrix``)
are JSON-lines files of hundreds of MB in Hugging Face dataset repositories; their topics and qrels
are small pinned files (``sources.tsv``).  A corpus file is named by repository, revision (a commit)
and path.  On first use it is downloaded with ``huggingface_hub`` into
``$IR_DATASETS_HOME/harness/downloads/huggingface/<repo>/<revision>/<path>``; its sha256 is computed
then and written beside it (``<file>.sha256``), since neither repository publishes a checksum we
could pin, and every later use checks the copy against that record.  Runs record the file and its
sha256 (the sidecar's ``corpus``).

Without a copy and without the hub (``HF_HUB_OFFLINE`` set, or the hub not answering), the corpus is
unavailable: ``unavailable_reason`` says so in one short line ("CIRAL corpus needs network once"),
and a cell that needs it is skipped with that line.
"""

from __future__ import annotations

import os
import tempfile
from dataclasses import dataclass
from pathlib import Path

from harness.data.sources import SourceUnavailable, download_root, sha256_of
from harness.errors import HarnessError
from harness.files.atomic import atomic_write_text

HUB_URL = "https://huggingface.co/datasets/{repo}/resolve/{revision}/{path}"
_VERIFIED: set[tuple] = set()  # (path, size, mtime, inode, sha256) of copies hashed in this process


@dataclass(frozen=True)
class HubCorpus:
    """One corpus file of a Hugging Face dataset repository at a pinned revision."""

    name: str  # in messages: "CIRAL corpus"
    repo: str  # "CIRAL/ciral-corpus"
    revision: str  # a commit of that repository
    path: str  # "passages-v1.0/hausa_passages.jsonl"

    @property
    def url(self) -> str:
        return HUB_URL.format(repo=self.repo, revision=self.revision, path=self.path)

    @property
    def local(self) -> Path:
        return download_root() / "huggingface" / self.repo / self.revision / self.path

    @property
    def record(self) -> Path:
        return self.local.with_name(self.local.name + ".sha256")

    def cached(self) -> bool:
        return self.local.is_file() and self.record.is_file()

    def unavailable_reason(self) -> str | None:
        """None when the file is here or the hub can be asked; else one short line saying why not."""
        if self.cached():
            return None
        from harness.models.hub import hub_status

        status = hub_status()
        if status.online:
            return None
        return f"{self.name} needs network once ({status.reason})"

    def fetch(self) -> tuple[Path, str]:
        """The local copy and its sha256, downloading it first if need be.

        Raises ``SourceUnavailable`` without a copy and without the hub, ``HarnessError`` when the copy
        no longer matches the sha256 recorded when it was downloaded.
        """
        if self.cached():
            recorded = self.record.read_text(encoding="ascii").strip()
            stat = self.local.stat()
            seen = (str(self.local), stat.st_size, stat.st_mtime_ns, stat.st_ino, recorded)
            if seen in _VERIFIED:  # hashed already in this process, and unchanged since (about 1 s per GB)
                return self.local, recorded
            actual = sha256_of(self.local)
            if actual != recorded:
                raise HarnessError(
                    f"{self.local}: sha256 {actual} differs from {recorded}, recorded when it was downloaded "
                    f"from {self.url}; delete both files to download it again"
                )
            _VERIFIED.add(seen)
            return self.local, recorded
        reason = self.unavailable_reason()
        if reason is not None:
            raise SourceUnavailable(reason)
        return self.local, self._download()

    def _download(self) -> str:
        from huggingface_hub import hf_hub_download

        from harness.models.hub import is_connection_failure, mark_unreachable, network_errors

        self.local.parent.mkdir(parents=True, exist_ok=True)
        # Into a temporary folder beside the target, then renamed: a killed download leaves no half file.
        with tempfile.TemporaryDirectory(dir=self.local.parent, prefix=".download-") as folder:
            try:
                got = hf_hub_download(self.repo, self.path, repo_type="dataset", revision=self.revision, local_dir=folder)
            except network_errors() as exc:
                if is_connection_failure(exc):
                    mark_unreachable(exc)
                    raise SourceUnavailable(f"{self.name} needs network once: the hub did not answer for {self.url} "
                                            f"({type(exc).__name__})") from None
                raise HarnessError(f"{self.name}: cannot download {self.url} ({type(exc).__name__}: {exc})") from None
            os.replace(got, self.local)
        digest = sha256_of(self.local)
        atomic_write_text(self.record, digest + "\n")
        return digest

    def describe(self) -> dict:
        """What a run records about the corpus it read: file, revision and sha256 (fetching it if need be)."""
        _, sha256 = self.fetch()
        return {"file": self.url, "repo": self.repo, "revision": self.revision, "sha256": sha256,
                "sha256_pinned": False}
