"""Figures of fits, profiles and ensembles (from result objects only)."""

from __future__ import annotations

import textwrap
from typing import Any

import numpy as np
import pandas as pd

from ._plot import LINESTYLES, MIN_FONT, PALETTE, _styled

__all__ = ["plot_waterfall", "plot_fit", "plot_profiles", "plot_band"]


def _axes(ax: Any = None, **kw: Any) -> tuple[Any, Any]:
    import matplotlib.pyplot as plt

    if ax is not None:
        return ax.figure, ax
    fig, ax = plt.subplots(**kw)
    return fig, ax


@_styled
def plot_waterfall(fit: Any, *, ax: Any = None) -> Any:
    """Sorted final objective of every start; the best value is marked, converged starts
    filled, others hollow."""
    fig, ax = _axes(ax, figsize=(5.5, 3.8))
    df = fit.starts
    fval = df["fval"].to_numpy(float)
    finite = np.isfinite(fval)
    rank = np.arange(1, len(df) + 1)
    best = fval[finite].min() if finite.any() else 0.0
    ok = df["success"].to_numpy(bool) & finite
    y = fval - best + 1.0  # log scale over many decades, the best start at 1
    ax.plot(rank[finite], y[finite], color="0.6", lw=0.8, zorder=1)
    ax.scatter(rank[ok], y[ok], color=PALETTE[0], s=22, label="converged", zorder=2)
    ax.scatter(
        rank[finite & ~ok],
        y[finite & ~ok],
        facecolor="white",
        edgecolor=PALETTE[3],
        s=22,
        label="stopped early",
        zorder=2,
    )
    ax.axhline(1.0, color=PALETTE[2], ls="--", lw=0.8, label=f"best: {best:.6g}")
    nominal = fit.metadata.get("nominal_objective")
    if nominal is not None and nominal - best + 1.0 > 0:
        ax.axhline(
            nominal - best + 1.0,
            color="0.3",
            ls=":",
            lw=0.9,
            label=f"nominal parameters: {nominal:.6g}",
        )
    ax.set_yscale("log")
    ax.xaxis.get_major_locator().set_params(integer=True)
    ax.set_xlabel("start (sorted by final objective)")
    ax.set_ylabel("objective - best + 1")
    n_fail = int((~finite).sum())
    ax.set_title(f"Waterfall: {len(df)} starts" + (f", {n_fail} failed" if n_fail else ""))
    ax.legend(fontsize=8, frameon=False)
    fig.tight_layout()
    return fig


@_styled
def plot_fit(fit: Any) -> Any:
    """Measurements (points) and best-fit simulation (lines) against time, one panel per
    observable, one colour per condition. A censored measurement is drawn as its bound: a
    downward triangle at the bound it lies below, an upward one at the bound it lies above,
    a bar over an interval."""
    import matplotlib.pyplot as plt

    obj = fit._objective()
    sim = fit.simulation()
    obs_ids = list(dict.fromkeys(sim["observableId"]))
    n = len(obs_ids)
    cols = min(3, n)
    rows = int(np.ceil(n / cols))
    fig, axes = plt.subplots(rows, cols, figsize=(4.2 * cols, 3.2 * rows), squeeze=False)
    conds = [f"{a}->{b}" if a else b for a, b in obj.conditions]
    styles = _condition_styles(conds)
    colours = {c: style["color"] for c, style in styles.items()}
    sim = sim.assign(
        _censored=obj.censored,
        _lower=obj.lower,
        _upper=obj.upper,
        _cond=[
            f"{a}->{b}" if a else b
            for a, b in zip(
                sim["preequilibrationConditionId"], sim["simulationConditionId"], strict=True
            )
        ],
    )
    # the simulation on a fine time grid (the data's overrides of each pair's first point)
    fine = obj.at_times(np.linspace(0.0, float(sim["time"].max()), 201))
    fm = fine.measurements.assign(simulation=fine.simulate(fit.best_x)[0])
    fm["_cond"] = [
        f"{a}->{b}" if a else b
        for a, b in zip(fm["preequilibrationConditionId"], fm["simulationConditionId"], strict=True)
    ]
    for ax, oid in zip(axes.flat, obs_ids, strict=False):
        part = sim[sim["observableId"] == oid]
        for cond, g in part.groupby("_cond", sort=False):
            number = g[~g["_censored"]]
            ax.plot(number["time"], number["measurement"], "o", ms=3.5, color=colours[cond])
            _plot_bounds(ax, g[g["_censored"]], colours[cond])
            line = fm[(fm["observableId"] == oid) & (fm["_cond"] == cond)]
            ax.plot(line["time"], line["simulation"], lw=1.2, label=cond, **styles[cond])
        ax.set_title(oid, fontsize=10)
        ax.set_xlabel("time (model units)")
        ax.set_ylabel(textwrap.fill(_observable_label(obj, oid), 28))  # a 3.2-inch panel
        # what is drawn: the numbers, and the bounds of censored rows (their measurement
        # column holds a placeholder); a bound at 0 has no place on a log axis
        drawn = np.concatenate(
            [
                part.loc[~part["_censored"], "measurement"].to_numpy(dtype=float),
                part.loc[part["_censored"], "_lower"].to_numpy(dtype=float),
                part.loc[part["_censored"], "_upper"].to_numpy(dtype=float),
            ]
        )
        drawn = drawn[np.isfinite(drawn)]
        if obj.observables[oid]["transform"] != "lin" and drawn.size and (drawn > 0).all():
            ax.set_yscale("log")  # the noise model's own scale
    for ax in list(axes.flat)[n:]:
        ax.set_visible(False)
    labels = _legend_of_conditions(fig, axes)
    what = "points data, lines simulation"
    if obj.censored.any():
        what += ", triangles and bars inequalities"
    # wrapped to the figure's width: one panel is too narrow for all of it on one line
    title = textwrap.fill(
        f"Best fit (objective {fit.best_objective:.6g}): {what}", int(fig.get_figwidth() * 13)
    )
    fig.suptitle(title, fontsize=10)
    bottom = 0.06 + 0.03 * ((len(labels) - 1) // 4) if len(labels) > 1 else 0.0
    top = 1.0 - 0.05 * (title.count("\n") + 1) * 3.2 / fig.get_figheight()
    fig.tight_layout(rect=(0, bottom, 1, top))
    return fig


def _condition_styles(conds: list[str]) -> dict[str, dict[str, str]]:
    """Colour and dash pattern of each condition, the same in every panel (the dash
    pattern otherwise followed the order of the lines in each panel)."""
    return {
        c: {"color": PALETTE[k % len(PALETTE)], "ls": LINESTYLES[k % len(LINESTYLES)]}
        for k, c in enumerate(conds)
    }


def _legend_of_conditions(fig: Any, axes: Any) -> list[str]:
    """One legend under the panels naming every condition drawn in any of them (the
    first panel's alone left out those it does not show); returns its labels."""
    handles: dict[str, Any] = {}
    for ax in axes.flat:
        for handle, label in zip(*ax.get_legend_handles_labels(), strict=True):
            handles.setdefault(label, handle)
    labels = list(handles)
    if len(labels) > 1:
        fig.legend(
            list(handles.values()),
            labels,
            fontsize=MIN_FONT,
            frameon=False,
            loc="lower center",
            ncol=min(4, len(labels)),
            bbox_to_anchor=(0.5, 0.0),
        )
    return labels


def _observable_label(obj: Any, oid: str) -> str:
    """A panel's y label (its title is the id): the observable's name in the PEtab
    table, else "measured value", and the scale its noise is on (a log-normal
    observable is drawn on a log axis)."""
    table = obj.problem.observable_df
    name = table.loc[oid].get("observableName") if "observableName" in table else None
    shown = "measured value" if name is None or pd.isna(name) or not str(name).strip() else name
    transform = obj.observables[oid]["transform"]
    return str(shown) + (f" ({transform}-scale noise)" if transform != "lin" else "")


def _plot_bounds(ax: Any, rows: Any, colour: str) -> None:
    """Censored measurements: "v" at an upper bound, "^" at a lower one, a bar between two."""
    lo, hi, t = rows["_lower"], rows["_upper"], rows["time"]
    below = np.isinf(lo) & np.isfinite(hi)
    above = np.isfinite(lo) & np.isinf(hi)
    both = np.isfinite(lo) & np.isfinite(hi)
    ax.plot(t[below], hi[below], "v", ms=5, color=colour, mfc="none")
    ax.plot(t[above], lo[above], "^", ms=5, color=colour, mfc="none")
    if both.any():
        ax.vlines(t[both], lo[both], hi[both], color=colour, lw=1.5)
        ax.plot(t[both], lo[both], "_", ms=6, color=colour)
        ax.plot(t[both], hi[both], "_", ms=6, color=colour)


_VERDICT_COLOURS = {
    "identifiable": PALETTE[0],
    "practically non-identifiable": PALETTE[1],
    "flat": PALETTE[3],
}


@_styled
def plot_profiles(prof: Any) -> Any:
    """Likelihood ratio against parameter value (log axis for log-scaled parameters), one
    panel per parameter; the confidence threshold dashed, the interval shaded, the colour
    and title giving the verdict."""
    import matplotlib.pyplot as plt

    names = list(prof.intervals.index)
    cols = min(3, len(names))
    rows = int(np.ceil(len(names) / cols))
    fig, axes = plt.subplots(rows, cols, figsize=(3.6 * cols, 3.0 * rows), squeeze=False)
    thr = prof.metadata["threshold_ratio"]
    posterior = prof.metadata.get("objective") == "negative log-posterior"
    what = "posterior" if posterior else "likelihood"
    for ax, name in zip(axes.flat, names, strict=False):
        iv = prof.intervals.loc[name]
        part = prof.table[prof.table["parameter"] == name].sort_values("value")
        colour = _VERDICT_COLOURS.get(iv["verdict"], "0.3")
        ax.plot(part["value"], part["ratio"], "-o", ms=2.5, color=colour)
        ax.axhline(thr, color="0.4", ls="--", lw=0.8)
        lo = iv["lower"] if np.isfinite(iv["lower"]) else iv["bound_lower"]
        hi = iv["upper"] if np.isfinite(iv["upper"]) else iv["bound_upper"]
        if iv["verdict"] != "flat":
            ax.axvspan(lo, hi, color=colour, alpha=0.12, lw=0)
        ax.axvline(iv["best"], color="0.2", lw=0.7)
        vals = part["value"].to_numpy(float)
        if iv["scale"] in ("log", "log10") and vals.min() > 0 and vals.max() / vals.min() > 10:
            ax.set_xscale("log")
        ax.set_ylim(0, 1.05)
        ax.set_title(f"{name}\n{iv['verdict']}", fontsize=9, color=colour)
        ax.set_xlabel(f"{name} (linear value)", fontsize=8)
        ax.set_ylabel(f"{what} ratio", fontsize=8)
    for ax in list(axes.flat)[len(names) :]:
        ax.set_visible(False)
    title = "Profile posteriors" if posterior else "Profile likelihoods"
    fig.suptitle(f"{title}; dashed: {prof.level:.0%} confidence threshold", fontsize=10)
    fig.tight_layout(rect=(0, 0, 1, 0.95))
    return fig


@_styled
def plot_band(pred: Any, *, data: Any = None) -> Any:
    """Prediction bands of an ensemble: the median as a line (where the prediction has
    the 0.5 quantile) and the band between the lowest and highest quantiles shaded, one
    panel per observable, one colour per condition; measurements as points if given."""
    import matplotlib.pyplot as plt

    # by value, not by the order `predict` was given them in; the line is the median's,
    # and there is none where the prediction has no median (its middle column was drawn
    # and called the median, the upper edge of a (0.1, 0.9) band)
    qcols = sorted((c for c in pred.columns if c.startswith("q")), key=lambda c: float(c[1:]))
    lo, hi = qcols[0], qcols[-1]
    mid = next((c for c in qcols if float(c[1:]) == 0.5), None)
    obs_ids = list(dict.fromkeys(pred["observableId"]))
    cols = min(3, len(obs_ids))
    rows = int(np.ceil(len(obs_ids) / cols))
    fig, axes = plt.subplots(rows, cols, figsize=(4.2 * cols, 3.2 * rows), squeeze=False)
    conds = list(dict.fromkeys(pred["condition"]))
    styles = _condition_styles(conds)
    colours = {c: style["color"] for c, style in styles.items()}
    for ax, oid in zip(axes.flat, obs_ids, strict=False):
        part = pred[pred["observableId"] == oid]
        for cond, g in part.groupby("condition", sort=False):
            ax.fill_between(
                g["time"],
                g[lo],
                g[hi],
                color=colours[cond],
                alpha=0.25,
                lw=0,
                label=cond if mid is None else None,  # without a median, the band is named
            )
            if mid is not None:
                ax.plot(g["time"], g[mid], lw=1.2, label=cond, **styles[cond])
        if data is not None:
            d = data[data["observableId"] == oid]
            # named as the prediction names its conditions: "pre->sim" after a
            # pre-equilibration (by the simulation condition alone they were drawn black)
            pre = (
                d["preequilibrationConditionId"].fillna("").astype(str)
                if "preequilibrationConditionId" in d
                else pd.Series("", index=d.index)
            )
            sim = d["simulationConditionId"].astype(str)
            key = [f"{a}->{b}" if a else b for a, b in zip(pre, sim, strict=True)]
            for cond, g in d.groupby(pd.Series(key, index=d.index), sort=False):
                ax.plot(
                    g["time"],
                    g["measurement"],
                    "o",
                    ms=3.5,
                    mfc="white",
                    color=colours.get(cond, "k"),
                )
        ax.set_title(oid, fontsize=10)
        ax.set_xlabel("time (model units)")
    for ax in list(axes.flat)[len(obs_ids) :]:
        ax.set_visible(False)
    labels = _legend_of_conditions(fig, axes)  # one colour per condition: say which
    median = "median, " if mid is not None else ""
    fig.suptitle(f"Ensemble prediction: {median}{lo[1:]}-{hi[1:]} quantile band", fontsize=10)
    bottom = 0.06 + 0.03 * ((len(labels) - 1) // 4) if len(labels) > 1 else 0.0
    fig.tight_layout(rect=(0, bottom, 1, 0.94))
    return fig
