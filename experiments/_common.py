"""What every experiment script shares: output folder, model, saving, bar charts."""

from __future__ import annotations

import sys
from pathlib import Path

import pandas as pd


def setup(name: str, out: str | Path | None = None) -> tuple[Path, object]:
    """Output folder ``out/name`` (created) and the bundled model."""
    import mtor_sim as ms

    if out is None:
        out = sys.argv[1] if len(sys.argv) > 1 else "experiments_out"
    out = Path(out)
    folder = out / name
    folder.mkdir(parents=True, exist_ok=True)
    return folder, ms.load_model()


def save(fig, table: pd.DataFrame, folder: Path, stem: str, formats=("png", "svg")) -> list[Path]:
    """Write the figure in each of ``formats`` (``stem.png``, ``stem.svg``) and
    ``stem.csv`` into ``folder``."""
    from mtor_sim.plotting import save_figure

    table.to_csv(folder / f"{stem}.csv", index=False)
    return [*save_figure(fig, folder / stem, formats=formats), folder / f"{stem}.csv"]


def styled(func):
    """Draw ``func``'s figures in the package's figure style (the colour-blind-safe palette
    with line styles, text of at least 8 pt, 300 dpi), leaving the caller's rcParams as
    they were."""
    from mtor_sim.plotting import styled as package_style

    return package_style(func)


@styled
def bar_chart(
    table: pd.DataFrame,
    *,
    x: str,
    hue: str,
    y: str,
    ylabel: str | dict[str, str],
    title: str,
    labels=None,
):
    """Grouped bars of ``y`` by ``x`` (groups) and ``hue`` (bars).

    ``ylabel`` as a dict (hue value -> axis label) draws one panel per label, so that
    each axis carries one quantity (fractions beside indices, never on one scale).
    ``labels`` (a model's `Model.labels`) turns code names in the groups and the legend
    into their labels (``PTEN_loss`` -> ``PTEN loss``).
    """
    shown = labels.humanize if labels is not None else str
    import matplotlib.pyplot as plt

    hues = list(dict.fromkeys(table[hue]))
    axis = ylabel if isinstance(ylabel, dict) else dict.fromkeys(hues, ylabel)
    panels = list(dict.fromkeys(axis[h] for h in hues))
    order = list(dict.fromkeys(table[x]))
    fig, axes = plt.subplots(
        1,
        len(panels),
        figsize=(
            max(6.0, 0.9 * len(order) + 3) * (1 if len(panels) == 1 else 0.8) * len(panels),
            4.6,
        ),
        squeeze=False,
    )
    for ax, panel in zip(axes[0], panels, strict=True):
        rows = table[table[hue].map(axis) == panel]
        wide = rows.pivot(index=x, columns=hue, values=y).reindex(order)
        wide = wide[[h for h in hues if h in wide.columns]]  # bars in the table's order
        wide.index = [shown(str(i)) for i in wide.index]
        wide.columns = [shown(str(c)) for c in wide.columns]
        wide.plot.bar(ax=ax, rot=25, width=0.8)
        for tick in ax.get_xticklabels():
            tick.set_horizontalalignment("right")
        ax.set_ylabel(panel)
        ax.set_xlabel("")
        ax.grid(alpha=0.3, axis="y")
        # beside the bars, never on them
        ax.legend(frameon=False, fontsize=8, loc="upper left", bbox_to_anchor=(1.0, 1.0))
    fig.suptitle(title, fontsize=10)
    fig.tight_layout()
    return fig
