"""A warm board reuses its PNGs only where plots/figures.json proves them the same: same spec, same code,
same bytes on disk.  The expected PNG is always a fresh drawing (no cache), byte for byte."""

import hashlib
import json

import numpy as np
import pytest

from harness.board import outputs
from harness.board.outputs import board_plots, render_outputs
from harness.render.figure_cache import FIGURES, FigureCache
from test_leaderboard import board, entry, synthetic


def fresh(result) -> dict[str, bytes]:
    return board_plots(result)  # no cache: every plot drawn


def write(out, files):
    for relative, content in files.items():
        (out / relative).parent.mkdir(parents=True, exist_ok=True)
        (out / relative).write_bytes(content if isinstance(content, bytes) else content.encode("utf-8"))


@pytest.fixture
def drawn(tmp_path):
    result = board()
    files = render_outputs([result], result.options, ["md", "png"], previous=tmp_path)
    write(tmp_path, files)
    return result, files


def no_drawing(monkeypatch):
    def refuse(spec):
        raise AssertionError("drew a plot that was already there")

    monkeypatch.setattr(outputs, "PLOT_KINDS", tuple((k, s, refuse, src) for k, s, _, src in outputs.PLOT_KINDS))


def test_the_record_names_each_png_with_the_sha256_of_its_bytes(drawn, tmp_path):
    result, files = drawn
    record = json.loads(files[FIGURES])["figures"]
    pngs = {p: b for p, b in files.items() if p.endswith(".png")}
    assert set(record) == set(pngs) and len(pngs) == 2  # per-pair bars and the gap, for AP
    assert all(record[p]["sha256"] == hashlib.sha256(b).hexdigest() for p, b in pngs.items())
    assert pngs == fresh(result)


def test_a_warm_rebuild_draws_nothing_and_gives_the_same_bytes(drawn, tmp_path, monkeypatch):
    result, files = drawn
    no_drawing(monkeypatch)
    cache = FigureCache(tmp_path)
    again = board_plots(result, cache)
    assert cache.reused == 2 and again == {p: b for p, b in files.items() if p.endswith(".png")}


def test_an_edited_or_missing_png_is_drawn_again(drawn, tmp_path):
    result, files = drawn
    first, second = sorted(p for p in files if p.endswith(".png"))
    (tmp_path / first).write_bytes(files[first][:-1] + b"\0")  # same record, other bytes
    (tmp_path / second).unlink()
    cache = FigureCache(tmp_path)
    assert board_plots(result, cache) == fresh(result) and cache.reused == 0


def test_changed_scores_draw_the_plots_again(drawn, tmp_path):
    entries = synthetic()
    values = entries[("en-sw", "strong")].values("AP")
    entries[("en-sw", "strong")] = entry("en-sw", "strong", np.clip(np.asarray(values) - 0.1, 0, 1))
    changed = board(entries)
    cache = FigureCache(tmp_path)
    assert board_plots(changed, cache) == fresh(changed) != fresh(drawn[0]) and cache.reused == 0


@pytest.mark.parametrize("record", ["{not json", '{"version": 99, "figures": {}}', '[]', '{"version": 1, "figures": {"x": 3}}'])
def test_a_record_that_does_not_parse_is_ignored_and_every_plot_drawn(drawn, tmp_path, record):
    result, _ = drawn
    (tmp_path / FIGURES).write_text(record, encoding="utf-8")
    cache = FigureCache(tmp_path)
    assert board_plots(result, cache) == fresh(result) and cache.reused == 0
