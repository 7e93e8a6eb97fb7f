"""Reuse of a board's PNGs that are already drawn: a warm ``run`` or ``leaderboard`` skips matplotlib.

A plot is drawn from a *spec*: plain JSON data (values, intervals, marks, labels, colours, captions)
that its drawing function reads and nothing else.  The spec's key is the sha256 of the spec, the
plot kind, the versions of matplotlib, Pillow and numpy, and the source of the drawing code.
``plots/figures.json`` under the results folder records, for each PNG written, its key and the
sha256 of its bytes.  A PNG is reused only when both match: the key proves it was drawn from the
same data by the same code, the sha256 that the file on disk is the one that was drawn.  Anything
else -- no record, a record that does not parse, a changed spec, an edited or missing file -- is
drawn again (the record is a speed-up, never a source of numbers).  Drawing is deterministic
(``harness.render.plots``), so a reused PNG has the bytes a fresh drawing would give.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable, Mapping
from functools import lru_cache
from importlib import metadata
from pathlib import Path

from harness.render.plots import PLOTS_FOLDER

FIGURES = f"{PLOTS_FOLDER}/figures.json"
VERSION = 1
_PLOTS_SOURCE = Path(__file__).with_name("plots.py")


@lru_cache(maxsize=None)
def _drawing(sources: tuple[Path, ...]) -> tuple[str, tuple[tuple[str, str], ...]]:
    """sha256 of the drawing code and the library versions: read once a process, not once a plot."""
    code = hashlib.sha256()
    for source in (*sources, _PLOTS_SOURCE):
        code.update(Path(source).read_bytes())
    return code.hexdigest(), tuple((name, metadata.version(name)) for name in ("matplotlib", "pillow", "numpy"))


def figure_key(kind: str, spec: Mapping, sources: tuple[Path, ...]) -> str:
    """sha256 (hex) of what determines a PNG's bytes: ``spec`` (JSON data), ``kind``, the library
    versions and the bytes of ``sources`` (the drawing code) and of ``harness/render/plots.py``."""
    code, libraries = _drawing(tuple(sources))
    document = {"version": VERSION, "kind": kind, "spec": spec, "libraries": dict(libraries), "code": code}
    return hashlib.sha256(json.dumps(document, sort_keys=True, allow_nan=False).encode("utf-8")).hexdigest()


class FigureCache:
    """The PNGs of an earlier board under ``out`` (None: nothing to reuse), and the record of this one."""

    def __init__(self, out: Path | None):
        self.out = None if out is None else Path(out)
        self.previous = self._read() if self.out is not None else {}
        self.drawn: dict[str, dict[str, str]] = {}
        self.reused = 0

    def _read(self) -> dict:
        try:
            document = json.loads((self.out / FIGURES).read_text(encoding="utf-8"))
        except (OSError, UnicodeDecodeError, ValueError):
            return {}
        if not isinstance(document, dict) or document.get("version") != VERSION or not isinstance(document.get("figures"), dict):
            return {}
        return {path: entry for path, entry in document["figures"].items()
                if isinstance(entry, dict) and isinstance(entry.get("key"), str) and isinstance(entry.get("sha256"), str)}

    def png(self, path: str, key: str, draw: Callable[[], bytes]) -> bytes:
        """The PNG for ``path`` (relative to the results folder): the file already there when its record
        holds ``key`` and its sha256 matches the file's bytes, else ``draw()``."""
        entry = self.previous.get(path)
        data = None
        if entry is not None and entry["key"] == key:
            try:
                on_disk = (self.out / path).read_bytes()
            except OSError:
                on_disk = None
            if on_disk is not None and hashlib.sha256(on_disk).hexdigest() == entry["sha256"]:
                data = on_disk
                self.reused += 1
        if data is None:
            data = draw()
        self.drawn[path] = {"key": key, "sha256": hashlib.sha256(data).hexdigest()}
        return data

    def record(self) -> str:
        """``plots/figures.json`` for the PNGs of this board."""
        return json.dumps({"version": VERSION, "figures": dict(sorted(self.drawn.items()))}, indent=1) + "\n"
