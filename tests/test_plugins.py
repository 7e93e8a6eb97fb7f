"""Plugins: methods from a file, a module or an installed distribution, each with its origin; a
broken or clashing plugin is one line naming it, exit 2, never a traceback, never a shadowed
built-in; ``--methods all`` is the built-ins and ``all,NAME`` adds a plugin's."""

from __future__ import annotations

import json
import textwrap

import numpy as np
import pytest
from scipy.stats import ttest_rel

from harness.cli.main import main
from harness.errors import UsageError
from harness.names import select
from harness.registry import METHODS, builtin_names, load_plugins, origin_of
from harness.registry.plugins import PluginError

BUILT_IN = ["bm25-nmt", "bm25-ht", "mdpr", "kd", "cal", "optical", "rrf-bm25-nmt+optical", "rrf-bm25-nmt+mdpr"]


def one_error_line(capsys) -> str:
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "Traceback" not in err, err
    return err


def test_all_is_the_built_ins_and_all_comma_name_adds_one():
    load_plugins()  # the example distribution's entry points (installed by the test command)
    assert builtin_names() == BUILT_IN
    chosen = [s.name for s in select("all,bm25-nmt-classic", METHODS, "method", builtin_names())]
    assert chosen == [*BUILT_IN, "bm25-nmt-classic"]
    again = [s.name for s in select("mdpr,all", METHODS, "method", builtin_names())]
    assert again == ["mdpr", *(m for m in BUILT_IN if m != "mdpr")]  # in the order named, each once
    with pytest.raises(UsageError, match=r"unknown method nope, optcal \(did you mean optical or cal\?\); valid: all, bm25"):
        select("all,nope,optcal", METHODS, "method", builtin_names())


def test_run_methods_all_comma_plugin_selects_built_ins_then_the_plugin(monkeypatch, tmp_path):
    import harness.cli.commands as commands

    seen = []

    def capture(methods, *args, **kwargs):
        seen.extend(m.name for m in methods)
        raise SystemExit(0)  # stop before retrieval

    monkeypatch.setattr(commands, "run_all", capture)
    with pytest.raises(SystemExit):
        main(["run", "--methods", "all,bm25-nmt-classic", "--pairs", "en-sw", "--out", str(tmp_path)])
    assert sorted(seen) == sorted([*BUILT_IN, "bm25-nmt-classic"])


def test_entry_point_origin_names_the_distribution_and_version():
    load_plugins()
    origin = origin_of("minilm")
    assert (origin.kind, origin.name, origin.version) == ("distribution", "clir-harness-example", "0.1.0")
    assert origin_of("mdpr").kind == "built-in"
    assert METHODS["minilm"].defaults["model"] == "sentence-transformers/all-MiniLM-L6-v2"


def test_plugin_that_fails_to_import_is_one_line_exit_2(tmp_path, capsys):
    broken = tmp_path / "broken_plugin.py"
    broken.write_text("import no_such_module_anywhere\n")
    assert main(["list", "--plugin", str(broken)]) == 2
    err = one_error_line(capsys)
    assert str(broken) in err and "ModuleNotFoundError" in err and "no_such_module_anywhere" in err
    assert main(["list", "--plugin", "no_such_package.methods"]) == 2
    assert "plugin no_such_package.methods: cannot import it" in one_error_line(capsys)


def test_plugin_that_would_shadow_a_built_in_is_refused_and_registers_nothing(tmp_path, capsys):
    clash = tmp_path / "clash_plugin.py"
    clash.write_text(textwrap.dedent("""
        from dataclasses import replace
        from methods.mdpr import MDPR
        FRESH = replace(MDPR, name="fresh-dense-from-clash")
        MINE = replace(MDPR, name="mdpr", description="not the built-in")
    """))
    before = METHODS["mdpr"]
    assert main(["list", "--plugin", str(clash)]) == 2
    err = one_error_line(capsys)
    assert f"plugin {clash}: method 'mdpr' is already registered" in err
    assert METHODS["mdpr"] is before and "fresh-dense-from-clash" not in METHODS  # all or none


def test_a_named_object_of_another_kind_is_refused(tmp_path):
    odd = tmp_path / "odd_plugin.py"
    odd.write_text("NOT_A_SPEC = 42\n")
    with pytest.raises(PluginError, match="42 is not a MethodSpec"):
        load_plugins([f"{odd}:NOT_A_SPEC"])
    with pytest.raises(PluginError, match="has no 'MISSING'"):
        load_plugins([f"{odd}:MISSING"])


def test_plugin_method_on_the_board_with_marks_from_its_own_family(tmp_path):
    """bm25-nmt-classic (the example distribution) against bm25-nmt on en-sw: its mark must follow a
    paired t-test (scipy) on the per-query AP, corrected in its own family of one comparison."""
    out = tmp_path / "out"
    assert main(["run", "--methods", "bm25-nmt,bm25-nmt-classic", "--pairs", "en-sw", "--out", str(out),
                 "--baseline", "bm25-nmt", "--formats", "md,csv"]) == 0
    sidecar = json.loads((out / "runs/ntrex/en-sw/bm25-nmt-classic.json").read_text())
    assert sidecar["origin"]["name"] == "clir-harness-example" and sidecar["parameters"]["k1"] == 1.2
    entries = {e["method"]: e for e in json.loads((out / "scores/ntrex.json").read_text())["entries"]}
    classic, base = (np.array(entries[m]["scores"]["AP"]) for m in ("bm25-nmt-classic", "bm25-nmt"))
    p = ttest_rel(classic, base).pvalue
    expected = "▲" if p < 0.05 and classic.mean() > base.mean() else ("▼" if p < 0.05 else "")
    row = next(line for line in (out / "leaderboard.md").read_text().splitlines() if line.startswith("| `bm25-nmt-classic`"))
    cell = row.split("|")[2]
    assert f"{classic.mean():.4f}" in cell and cell.replace("**", "").split("[")[0].strip().endswith(
        f"{classic.mean():.4f}{expected}")
    assert "from outside the built-in registry" in (out / "leaderboard.md").read_text()


def test_a_translator_plugin_serves_bm25_nmt(tmp_path):
    """A Translator subclass from a plugin file becomes a scheme that --set can name."""
    plugin = tmp_path / "echo_translator.py"
    plugin.write_text(textwrap.dedent('''
        from harness.translate.base import Translator

        class EchoTranslator(Translator):
            """No translation at all: the English query as is (a lower bound for query translation)."""
            scheme = "echo"

            def unavailable_reason(self, pair, texts):
                return None

            def translate(self, texts, pair):
                return list(texts)
    '''))
    out = tmp_path / "out"
    assert main(["run", "--plugin", str(plugin), "--methods", "bm25-nmt", "--pairs", "en-sw", "--out", str(out),
                 "--set", "bm25-nmt.translator=echo:english", "--formats", "md"]) == 0
    used = json.loads((out / "runs/ntrex/en-sw/bm25-nmt.json").read_text())["used"]["translator"]
    assert used["spec"] == "echo:english"
    from harness.registry.plugins import TRANSLATOR_ORIGINS

    assert TRANSLATOR_ORIGINS["echo"].kind == "file"


def test_a_collection_plugin_is_registered_and_listed(tmp_path, capsys):
    """A CollectionSpec from a plugin file: here the tests' tiny folder collection under a name of its own."""
    from pathlib import Path

    folder = Path(__file__).parent / "data" / "tiny-collection"
    plugin = tmp_path / "tiny_collection_plugin.py"
    plugin.write_text(textwrap.dedent(f'''
        from pathlib import Path

        from harness.data.collections import CollectionSpec
        from harness.data.local import register_folder

        def register():
            register_folder(Path({str(folder)!r}))

        TINY = CollectionSpec("tiny-from-plugin", "the tests' tiny collection, from a plugin", "the tests", "CC0", True,
                              "local/tiny-collection/{{lang}}", ("en-sw", "en-fa"), f"{{__name__}}:register")
    '''))
    broken = tmp_path / "broken_collection_plugin.py"
    broken.write_text(plugin.read_text().replace("register_folder(Path(", "register_folder(("))
    assert main(["list", "--plugin", str(broken)]) == 2  # its registration fails: one line, nothing registered
    assert "collection tiny-from-plugin fails to register (AttributeError" in one_error_line(capsys)
    assert main(["list", "--plugin", str(plugin)]) == 0
    listed = capsys.readouterr().out
    assert "plugin " + str(plugin) + ": collection tiny-from-plugin" in listed
    assert "tiny-from-plugin [file " in listed
    out = tmp_path / "out"
    assert main(["run", "--plugin", str(plugin), "--collection", "tiny-from-plugin", "--methods", "bm25-nmt",
                 "--pairs", "en-sw", "--set", f"bm25-nmt.translator=tsv:{folder.parent}/tiny-translations/{{lang}}.tsv",
                 "--out", str(out), "--formats", "md"]) == 0
    assert "tiny-from-plugin" in (out / "leaderboard.md").read_text()
