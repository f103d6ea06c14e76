"""Every script in experiments/ runs (Agg backend) and writes its figures and CSV."""

from __future__ import annotations

import importlib

import pandas as pd
import pytest
from mtor_sim.experiments import EXPERIMENTS


@pytest.mark.parametrize("name", EXPERIMENTS)
def test_experiment_writes_files(name, tmp_path):
    written = importlib.import_module(f"mtor_sim.experiments.{name}").main(tmp_path)
    suffixes = {p.suffix for p in written}
    assert {".png", ".svg", ".csv"} <= suffixes
    for p in written:
        assert p.exists() and p.stat().st_size > 0
        if p.suffix == ".csv":
            assert len(pd.read_csv(p)) > 0


@pytest.mark.parametrize("name", EXPERIMENTS)
def test_experiment_figures_follow_the_figure_rules(name, tmp_path, monkeypatch):
    """Palette colours, text of at least MIN_FONT pt, 300 dpi, no verdict in a title."""
    import matplotlib.pyplot as plt
    from matplotlib.colors import to_hex
    from matplotlib.text import Text
    from PIL import Image

    import mtor_sim.plotting as plotting

    figures = []
    original = plotting.save_figure

    def keep(fig, path, **kw):
        figures.append(fig)
        return original(fig, path, **kw)

    monkeypatch.setattr(plotting, "save_figure", keep)
    written = importlib.import_module(f"mtor_sim.experiments.{name}").main(
        tmp_path, formats=("png",)
    )
    assert figures
    inks = {c.lower() for c in plotting.PALETTE} | {"#999999", "#808080", "#000000"}
    for fig in figures:
        texts = [t for t in fig.findobj(Text) if t.get_text().strip() and t.get_visible()]
        small = [(t.get_text(), t.get_fontsize()) for t in texts if t.get_fontsize() < 8]
        assert not small, small
        assert not any("[PASS]" in t.get_text() or "[FAIL]" in t.get_text() for t in texts)
        lines = [ln for ax in fig.axes for ln in ax.get_lines() if ln.get_label()[:1] != "_"]
        assert {to_hex(ln.get_color()) for ln in lines} <= inks
        bars = [p for ax in fig.axes for p in ax.patches if p.get_label()[:1] != "_"]
        assert {to_hex(p.get_facecolor()) for p in bars} <= inks
    for p in written:
        if p.suffix == ".png":
            assert Image.open(p).info["dpi"][0] == pytest.approx(300, abs=1)
    plt.close("all")
