"""Bad values are refused before any work, with one line: the cases depth-zero-negative,
set-batch-size-negative, set-k1-not-a-number, out-unwritable, translator-single-spec."""

import pytest

from harness.cli.main import main
from harness.registry import METHODS


@pytest.mark.parametrize(
    "argv, expected",
    [
        (["run", "--depth", "0"], "--depth 0: expected at least 1"),
        (["run", "--depth", "-5"], "--depth -5: expected at least 1"),
        (["run", "--depth", "ten"], "--depth 'ten': expected a whole number"),
        (["run", "--set", "mdpr.batch_size=-1"], "mdpr.batch_size=-1: expected an integer >= 1"),
        (["run", "--set", "mdpr.batch_size=2.5"], "mdpr.batch_size=2.5: expected an integer >= 1"),
        (["run", "--set", "bm25-nmt.k1=abc"], "bm25-nmt.k1='abc': expected a number >= 0"),
        (["run", "--set", "bm25-nmt.b=1.5"], "bm25-nmt.b=1.5: expected a number >= 0 and <= 1"),
        (["run", "--set", "bm25-nmt.translator_choice=best"], "expected one of most-pairs, first"),
        (["run", "--set", "cal.temperature=0"], "cal.temperature=0: expected a number > 0"),
        (["run", "--set", "kd.steps=null", "--set", "kd.freeze_word_embeddings=yes"], "expected true or false, or null"),
        (["run", "--set", "mdpr.profile=huge"], "expected one of small, paper"),
        (["run", "--executor", "ray", "--shard-passages", "0"], "--shard-passages 0: expected at least 1 passage"),
        (["run", "--executor", "dask"], "unknown executor dask; valid: local, ray"),
        (["run", "--ray-address", "auto"], "--ray-address auto is for --executor ray"),
    ],
)
def test_bad_values_exit_2_before_any_work(argv, expected, capsys, monkeypatch):
    import harness.cli.commands as cli

    monkeypatch.setattr(cli, "run_all", lambda *a, **k: pytest.fail("work started"))
    assert main(argv) == 2
    err = capsys.readouterr().err
    assert expected in err and err.count("\n") == 1


def test_out_that_is_a_file_or_unwritable_is_refused_first(tmp_path, capsys, monkeypatch):
    import harness.cli.commands as cli

    monkeypatch.setattr(cli, "run_all", lambda *a, **k: pytest.fail("work started"))
    precious = tmp_path / "file"
    precious.write_text("precious\n")
    assert main(["run", "--out", str(precious)]) == 2
    assert "is a file, not a folder" in capsys.readouterr().err and precious.read_text() == "precious\n"
    assert main(["run", "--out", str(precious / "below")]) == 2
    assert "cannot write there" in capsys.readouterr().err


def test_single_value_for_a_list_parameter_is_a_one_element_list():
    assert METHODS["bm25-nmt"].parameters({"translator": "precomputed:nllb"})["translator"] == ["precomputed:nllb"]
    assert METHODS["bm25-nmt"].parameters({"translator": ["a:b", "c:d"]})["translator"] == ["a:b", "c:d"]


def test_every_default_is_declared_and_valid():
    from harness.method.params import PARAMETERS, check_value

    for spec in METHODS.values():
        for name, value in spec.defaults.items():
            assert name in PARAMETERS
            check_value(spec.name, name, value)
