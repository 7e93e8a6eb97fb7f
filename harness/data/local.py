"""A test collection from a folder on disk, registered into ir_datasets as ``local/<name>/<lang>``.

Layout (one sub-folder per target language, named by its ISO 639-1/3 code)::

    mycollection/
      sw/
        docs.jsonl     {"doc_id": "...", "text": "..."} per line   (or docs.tsv: doc_id<TAB>text)
        queries.tsv    query_id<TAB>English query text
        qrels.txt      TREC qrels: query_id 0 doc_id relevance
      fa/ ...

The queries are English (the harness's setting); each language folder may hold its own.  Every
file of every language is read and checked before anything is registered, so a malformed file
leaves nothing half-registered; the error names the file and line and says what was expected.
Checked: UTF-8, the field count, empty ids or texts, a repeated doc or query id, a relevance
that is not an integer, a judged query that has no text, a judged document that is not in
the documents.
A query without a relevant judgement is allowed: it is retrieved, left out of every mean,
and counted in one line when the runs are scored (``harness.evaluation.measures.unjudged_line``).
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from pathlib import Path

import ir_datasets
from ir_datasets.formats import GenericDoc, GenericQuery, TrecQrel

from harness.data.lazy import lazy_dataset
from harness.data.sources import read_utf8
from harness.errors import HarnessError

PREFIX = "local"
LANG = re.compile(r"[a-z]{2,3}")
NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.-]*")


@dataclass(frozen=True)
class LocalLanguage:
    lang: str
    docs: tuple[GenericDoc, ...]
    queries: tuple[GenericQuery, ...]
    qrels: tuple[TrecQrel, ...]


def _lines(path: Path):
    text = read_utf8(path)
    for number, line in enumerate(text.split("\n"), start=1):
        line = line.rstrip("\r")
        if line.strip():
            yield number, line


def _tsv(path: Path, what: str) -> list[tuple[str, str]]:
    rows, seen = [], set()
    for number, line in _lines(path):
        fields = line.split("\t")
        if len(fields) != 2 or not fields[0].strip() or not fields[1].strip():
            raise HarnessError(f"{path}:{number}: expected {what}_id<TAB>text, found {len(fields)} field(s) or an empty one")
        if fields[0] in seen:
            raise HarnessError(f"{path}:{number}: {what} id {fields[0]!r} appears twice")
        seen.add(fields[0])
        rows.append((fields[0], fields[1].strip()))
    return rows


def _jsonl(path: Path) -> list[tuple[str, str]]:
    rows, seen = [], set()
    for number, line in _lines(path):
        try:
            record = json.loads(line)
        except json.JSONDecodeError as exc:
            raise HarnessError(f"{path}:{number}: not a JSON object ({exc.msg})") from None
        if not isinstance(record, dict) or not isinstance(record.get("doc_id"), str) or not isinstance(record.get("text"), str) \
                or not record["doc_id"].strip() or not record["text"].strip():
            raise HarnessError(f'{path}:{number}: expected {{"doc_id": "...", "text": "..."}} with non-empty strings')
        if record["doc_id"] in seen:
            raise HarnessError(f"{path}:{number}: doc id {record['doc_id']!r} appears twice")
        seen.add(record["doc_id"])
        rows.append((record["doc_id"], record["text"].strip()))
    return rows


def read_language(folder: Path) -> LocalLanguage:
    """One language sub-folder, checked line by line; HarnessError names the file and line."""
    lang = folder.name
    jsonl, tsv = folder / "docs.jsonl", folder / "docs.tsv"
    if jsonl.is_file() == tsv.is_file():
        raise HarnessError(f"{folder}: expected exactly one of docs.jsonl and docs.tsv")
    docs = _jsonl(jsonl) if jsonl.is_file() else _tsv(tsv, "doc")
    for required in ("queries.tsv", "qrels.txt"):
        if not (folder / required).is_file():
            raise HarnessError(f"{folder}: {required} is missing")
    queries = _tsv(folder / "queries.tsv", "query")
    doc_ids, query_ids = {d for d, _ in docs}, {q for q, _ in queries}
    qrels, seen = [], set()
    path = folder / "qrels.txt"
    for number, line in _lines(path):
        fields = line.split()
        if len(fields) != 4:
            raise HarnessError(f"{path}:{number}: expected 'query_id 0 doc_id relevance', found {len(fields)} fields")
        query, _, doc, relevance = fields
        if not re.fullmatch(r"-?\d+", relevance):
            raise HarnessError(f"{path}:{number}: relevance {relevance!r} is not an integer")
        if query not in query_ids:
            raise HarnessError(f"{path}:{number}: query {query!r} is not in {folder / 'queries.tsv'}")
        if doc not in doc_ids:
            raise HarnessError(f"{path}:{number}: document {doc!r} is not in {jsonl if jsonl.is_file() else tsv}")
        if (query, doc) in seen:
            raise HarnessError(f"{path}:{number}: query {query!r} judges document {doc!r} twice")
        seen.add((query, doc))
        qrels.append(TrecQrel(query, doc, int(relevance), "0"))
    if not docs or not queries or not qrels:
        raise HarnessError(f"{folder}: needs at least one document, one query and one judgement")
    return LocalLanguage(lang, tuple(GenericDoc(d, t) for d, t in docs), tuple(GenericQuery(q, t) for q, t in queries),
                         tuple(qrels))


def register_folder(root: Path) -> tuple[str, list[str]]:
    """Check every language folder under ``root``, then register them; returns (name, languages)."""
    root = root.expanduser().resolve()
    if not root.is_dir():
        raise HarnessError(f"{root}: not a folder")
    name = root.name
    if not NAME.fullmatch(name):
        raise HarnessError(f"{root}: the folder name {name!r} must be letters, digits, '_', '.' or '-'")
    folders = sorted(p for p in root.iterdir() if p.is_dir() and not p.name.startswith("."))
    strays = [p.name for p in folders if not LANG.fullmatch(p.name)]
    if strays:
        raise HarnessError(f"{root}: sub-folder {strays[0]!r} is not a language code (2-3 lower-case letters)")
    if not folders:
        raise HarnessError(f"{root}: expected one sub-folder per target language (e.g. {root}/sw/)")
    languages = [read_language(folder) for folder in folders]  # everything checked before anything is registered
    for language in languages:
        dataset_id = f"{PREFIX}/{name}/{language.lang}"
        dataset = lazy_dataset(lambda lang=language: lang.docs, lambda lang=language: lang.queries,
                               lambda lang=language: lang.qrels, f"{PREFIX}/{name}", language.lang, {})
        ir_datasets.registry._registered.pop(dataset_id, None)  # a second call (changed files) replaces it
        ir_datasets.registry.register(dataset_id, dataset)
    return name, [language.lang for language in languages]
