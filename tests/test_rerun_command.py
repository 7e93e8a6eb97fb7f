"""The rerun command of a cell pins what its parameters resolved to (case fix-hint-changes-number)."""

import shlex

from harness.cli.args import overrides_arg
from harness.reproduction.rerun import rerun_command


def test_resolved_translator_and_precision_are_pinned_defaults_left_out():
    sidecar = {
        "method": "bm25-nmt", "pair": "en-fi", "collection": "ntrex", "depth": 1000,
        "parameters": {"b": 0.4, "k1": 1.2, "profile": "small", "translator": None, "translator_choice": "most-pairs"},
        "resolved": {"translator": "precomputed:opus-mt-ntrex@7beba416a28689a0"},
    }
    command = rerun_command(sidecar)
    assert command == ("python -m harness run --methods bm25-nmt --pairs en-fi "
                       "--set bm25-nmt.k1=1.2 --set bm25-nmt.translator=precomputed:opus-mt-ntrex")
    words = shlex.split(command)
    settings = [words[i + 1] for i, w in enumerate(words) if w == "--set"]
    parsed = overrides_arg(settings)["bm25-nmt"]  # what the command line makes of it
    assert parsed == {"k1": 1.2, "translator": "precomputed:opus-mt-ntrex"}


def test_dense_cell_pins_precision_and_runtime_and_names_other_collection_depth_and_out():
    sidecar = {
        "method": "kd", "pair": "en-de", "collection": "xquad", "depth": 100,
        "parameters": {"precision": None, "runtime": None, "train_precision": None, "steps": None, "seed": 13},
        "resolved": {"precision": "bf16", "runtime": "openvino", "train_precision": "fp32"},
    }
    assert rerun_command(sidecar, out="elsewhere") == (
        "python -m harness run --methods kd --pairs en-de --collection xquad --depth 100 "
        "--set kd.precision=bf16 --set kd.runtime=openvino --set kd.train_precision=fp32 --out elsewhere")


def test_an_unregistered_method_has_no_command():
    assert rerun_command({"method": "someone-elses-run", "pair": "en-sw"}) is None
