"""The registry: entries are data; the README's example of adding a method really works."""

import re
from pathlib import Path

import pytest

from harness import registry
from harness.cli.main import main
from harness.method import MethodSpec, Retriever
from harness.errors import UsageError

README = Path(__file__).resolve().parent.parent / "README.md"


def readme_example() -> dict:
    block = re.search(r"```python\n(# methods/bm25_untranslated\.py\n.*?)```", README.read_text(), re.S).group(1)
    namespace: dict = {}
    exec(compile(block, "README.md", "exec"), namespace)
    return namespace


def test_every_entry_has_metadata():
    for spec in registry.METHODS.values():
        assert spec.name and spec.family and spec.description and spec.reference
        assert issubclass(spec.implementation, Retriever)


def test_unknown_needs_and_parameters_are_rejected():
    with pytest.raises(ValueError, match="unknown needs"):
        MethodSpec("x", "f", "d", "r", needs=("gpu",), implementation=Retriever)
    with pytest.raises(UsageError, match="has no parameter 'k3'"):
        registry.METHODS["bm25-nmt"].parameters({"k3": 1})


def test_readme_example_is_one_entry_and_one_line(tmp_path, monkeypatch, capsys):
    spec = readme_example()["BM25_UNTRANSLATED"]
    from harness.registry import methods as registry_methods

    monkeypatch.setattr(registry_methods, "METHODS", dict(registry.METHODS))
    monkeypatch.setattr(registry, "METHODS", registry_methods.METHODS)
    registry.register(spec)  # the one registry line
    with pytest.raises(ValueError, match="registered twice"):
        registry.register(spec)
    monkeypatch.setattr("harness.cli.commands.METHODS", registry.METHODS)
    monkeypatch.setattr("harness.cli.args.METHODS", registry.METHODS)
    assert main(["run", "--methods", "bm25-untranslated", "--pairs", "en-sw", "--depth", "10", "--out", str(tmp_path)]) == 0
    run = tmp_path / "runs" / "ntrex" / "en-sw" / "bm25-untranslated.run"
    assert len(run.read_text().splitlines()) > 100  # names and numbers do match across languages
    assert "bm25-untranslated" in (tmp_path / "leaderboard.md").read_text()
