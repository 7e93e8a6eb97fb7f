"""What a CLIR method is to the harness: a registry entry (data) and a retriever (code).

A retriever is made for one (collection, language pair), is prepared once
(index, translate, train), then returns a ranked list per query.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from harness.data.collections import Topics
from harness.errors import HarnessError, UsageError
from harness.method.params import check_value, undeclared
from harness.names import suggestions

Ranking = dict[str, list[tuple[str, float]]]  # query id -> [(doc id, score)], best first
NEEDS = ("translator", "encoder", "bitext", "teacher", "runs")  # runs: other methods' saved runs (fusion)


SHORT_REASON_CHARS = 100  # a short reason fits one console line


@dataclass(frozen=True)
class SkipReason:
    """Why a method cannot run on a pair here, at two lengths.

    ``short``: one line that reads the same on every machine (no paths, no environment), for the
    console, the board and the site.  ``detail``: every source tried and the fix, which may name
    this machine's paths and settings; it goes into the sidecar (``reason_detail``) and into
    ``python -m harness list --why METHOD PAIR``.
    """

    short: str
    detail: str

    def __str__(self) -> str:
        return self.detail

    @classmethod
    def of(cls, reason: SkipReason | str) -> SkipReason:
        """A plain message (from code that raises ``Unavailable("...")``) as a SkipReason: it is its
        own short form when it is one short line, else its first clause (before ": ") is."""
        if isinstance(reason, SkipReason):
            return reason
        text = str(reason)
        if "\n" not in text and len(text) <= SHORT_REASON_CHARS:
            return cls(text, text)
        head = text.split("\n", 1)[0].split(": ", 1)[0]
        if len(head) > SHORT_REASON_CHARS:
            head = head[: SHORT_REASON_CHARS - 1].rstrip() + "…"
        return cls(head, text)


class Unavailable(HarnessError):
    """The method cannot serve this pair here; the message says why and how to fix it.

    Raise it with a ``SkipReason`` to give the one-line form too (``.reason``); the message is the detail.
    """

    def __init__(self, reason: SkipReason | str):
        self.reason = SkipReason.of(reason)
        super().__init__(self.reason.detail)


@dataclass(frozen=True)
class MethodSpec:
    name: str
    family: str
    description: str  # one line
    reference: str
    needs: tuple[str, ...]
    implementation: type[Retriever]
    defaults: Mapping[str, Any] = field(default_factory=dict)
    # An oracle uses what no real system has (e.g. human query translations): a ceiling, not a competitor.
    # The board marks its row and leaves it out of "best" and out of the significance families.
    oracle: bool = False
    # Steps that use an accelerator when the profile asks for one ("training", "encoding"): what a
    # cell or a shared step requests from a Ray cluster (harness/executors/ray_grid.py).
    accelerated: tuple[str, ...] = ()
    # The name in print (paper tables, the site), e.g. "mDPR"; empty: ``name``.  ``--names FILE`` overrides it.
    label: str = ""

    def __post_init__(self):
        if set(self.accelerated) - {"training", "encoding"}:
            raise ValueError(f"{self.name}: accelerated must name training and/or encoding, not {self.accelerated}")
        unknown = set(self.needs) - set(NEEDS)
        if unknown:
            raise ValueError(f"{self.name}: unknown needs {sorted(unknown)}; valid: {', '.join(NEEDS)}")
        if undeclared(self.defaults):
            raise ValueError(f"{self.name}: parameters {undeclared(self.defaults)} are not declared in harness/method/params.py")

    @property
    def display_name(self) -> str:
        return self.label or self.name

    def parameters(self, overrides: Mapping[str, Any] | None = None) -> dict[str, Any]:
        """The defaults with ``overrides``, every override checked against harness/method/params.py.

        Raises UsageError for an unknown parameter or a value outside what it allows.
        """
        params = dict(self.defaults)
        for key, value in (overrides or {}).items():
            if key not in params:
                close = suggestions(key, params)
                hint = f" (did you mean {' or '.join(close)}?)" if close else ""
                raise UsageError(f"{self.name} has no parameter {key!r}{hint}; it has: {', '.join(sorted(params))}")
            params[key] = check_value(self.name, key, value)
        return params


class Retriever(ABC):
    def __init__(self, spec: MethodSpec, params: Mapping[str, Any], workdir: Path):
        self.spec = spec
        self.params = dict(params)
        self.workdir = workdir
        self.run: tuple[Topics, ...] = ()

    def plan(self, run: Sequence[Topics]) -> None:
        """Called before anything else with the topics of every pair of the board (for choices made across pairs)."""
        self.run = tuple(run)

    def resolved(self, topics: Topics) -> dict[str, Any]:
        """What the parameters resolve to on ``topics`` (e.g. the translator chosen); a saved run is
        reused only if this is unchanged.  Empty when the parameters determine everything."""
        return {}

    def unavailable_reason(self, topics: Topics) -> SkipReason | str | None:
        """None if the method can run on ``topics`` here and now; else why not and how to fix it:
        a ``SkipReason`` (a one-line short form and the detail), or a message (``SkipReason.of``)."""
        return None

    @abstractmethod
    def prepare(self, topics: Topics) -> None:
        """Index, translate, train: everything before queries are answered."""

    @abstractmethod
    def retrieve(self, queries: Mapping[str, str], depth: int) -> Ranking:
        """Top ``depth`` documents per query."""

    def shared_work(self, topics: Topics) -> str | None:
        """A key naming work this cell shares with other cells of the run (e.g. one student trained
        for every pair), which an executor runs once before them; None when there is none."""
        return None

    def do_shared_work(self, topics: Topics) -> None:
        """Do the work :meth:`shared_work` names; its result goes to the cache, where prepare finds it."""

    def artifacts(self) -> dict[str, Path]:
        """Files to keep beside the run as ``<method>.<suffix>`` (e.g. a training-loss plot)."""
        return {}

    def provenance(self) -> dict[str, Any]:
        """What the run really used (translator, model, analysis), recorded in its sidecar."""
        return {}
