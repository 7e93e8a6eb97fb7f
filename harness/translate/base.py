"""The translator interface: English text in, target-language text out."""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Sequence

from harness.data.pairs import LanguagePair


class Translator(ABC):
    scheme: str  # the prefix of its spec, e.g. "hf" in "hf:facebook/nllb-200-distilled-600M"

    def __init__(self, spec: str, argument: str):
        self.spec = spec
        self.argument = argument

    def system_key(self, pair: LanguagePair) -> str:
        """Key under which its translations are stored: changes whenever its output could."""
        return self.spec

    @abstractmethod
    def unavailable_reason(self, pair: LanguagePair, texts: Sequence[str]) -> str | None:
        """None if it can translate all ``texts`` for ``pair`` here and now, else why not and how to fix it."""

    @abstractmethod
    def translate(self, texts: Sequence[str], pair: LanguagePair) -> list[str]:
        """Translate without caching (the store does that)."""

    def describe(self, pair: LanguagePair) -> dict:
        """What a run records about the translator it really used."""
        return {"spec": self.spec, "system": self.system_key(pair)}
