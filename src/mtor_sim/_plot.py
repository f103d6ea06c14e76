"""Figures from result objects only; compute code knows nothing of figures."""

from __future__ import annotations

import math
import textwrap
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from ._errors import check_names
from ._labels import Labels, bundled_labels, labels_for, time_unit_short

if TYPE_CHECKING:  # pragma: no cover
    from matplotlib.figure import Figure

    from ._claims import ClaimResult
    from ._results import TimeCourse

__all__ = ["plot_claim", "plot_timecourse", "save_figure"]


#: Okabe & Ito (2008) colour-blind-safe palette ("Color Universal Design"): blue, orange,
#: bluish green, vermillion, sky blue, reddish purple, yellow, black. No red-green pair
#: carries meaning; lines also cycle their style, so they differ in greyscale too.
PALETTE = ("#0072B2", "#E69F00", "#009E73", "#D55E00", "#56B4E9", "#CC79A7", "#F0E442", "#000000")
LINESTYLES = ("-", "--", "-.", ":", "-", "--", "-.", ":")
#: Raster resolution of saved figures (dots per inch); vector formats are unaffected.
DPI = 300
#: Smallest text size (pt) of any figure, at the size it is saved.
MIN_FONT = 8
#: Most entries in one column of a legend beside a 4-inch panel; more wrap into columns.
LEGEND_ROWS = 16


def _line_cycle() -> Any:
    """Colours and dash patterns of successive lines: `PALETTE` with `LINESTYLES` for the
    first eight, then each colour again with the next dash pattern, so that no two of
    the first 32 lines look alike (the ninth line was drawn exactly as the first)."""
    from cycler import cycler

    dashes = LINESTYLES[:4]
    rounds = range(len(PALETTE) * len(dashes))
    return cycler(color=[PALETTE[k % len(PALETTE)] for k in rounds]) + cycler(
        linestyle=[dashes[(k + k // len(PALETTE)) % len(dashes)] for k in rounds]
    )


def style() -> dict[str, Any]:
    """The rcParams our figures are drawn with (applied per figure, never globally)."""
    return {
        "axes.prop_cycle": _line_cycle(),
        "font.size": 9,
        "axes.titlesize": 9,
        "axes.labelsize": 9,
        "xtick.labelsize": MIN_FONT,
        "ytick.labelsize": MIN_FONT,
        "legend.fontsize": MIN_FONT,
        "figure.titlesize": 10,
        "savefig.dpi": DPI,
        "figure.dpi": 100,
    }


def _styled(func: Any) -> Any:
    """Draw ``func``'s figure inside `style()`: the palette, line styles and font sizes
    apply to what it makes, and the user's own rcParams are untouched afterwards."""
    import functools

    @functools.wraps(func)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        import matplotlib

        rc: Any = style()
        with matplotlib.rc_context(rc):
            return func(*args, **kwargs)

    return wrapper


def _pyplot():
    """pyplot, with the user's backend left as it is: never `matplotlib.use` here.

    Matplotlib picks its own backend (Agg when there is no display), and an explicit
    choice by the user (``matplotlib.use``, ``MPLBACKEND``, matplotlibrc) stands, so
    ``plt.show()`` keeps working after our figures are made.
    """
    import matplotlib.pyplot as plt

    return plt


def _labels(names: Labels | bool = True) -> Labels:
    """A label table: given, the bundled model's (``True``) or an empty one (``False``)."""
    if isinstance(names, Labels):
        return names
    return bundled_labels() if names else Labels()


def _is_bundled(names: Labels | bool) -> bool:
    return names is True or names is bundled_labels()


def human(text: str, names: Labels | bool = True) -> str:
    """``text`` with the model's code names replaced by their labels."""
    return _labels(names).humanize(text)


def unit_of(readout: str, names: Labels | bool = True) -> str:
    """Axis label unit of a readout, from the model's label table (another model without
    one: model units; a species of the bundled model the table does not list: an amount
    relative to the wild-type total of its protein, which a genotype can raise above 1)."""
    if not _is_bundled(names):
        return _labels(names).unit(readout) or "model units"
    return _labels().unit(readout) or "relative to the WT total"


def readout_label(readout: str, names: Labels | bool = True) -> str:
    """``p-Akt S473 (fraction of Akt)``: a readout's label and unit, for an axis."""
    return f"{human(readout, names)} ({unit_of(readout, names)})"


def _perturbation_label(pert: dict[str, Any], names: Labels | bool = True) -> str:
    """A result's perturbation dict as ``PTEN_loss + everolimus 10 nM``."""
    from ._perturb import Perturbation, baseline_name

    return human(Perturbation.from_dict(pert).label(baseline_name(_is_bundled(names))), names)


def save_figure(fig: Figure, path: str | Path, *, formats: Sequence[str] = ("png",)) -> list[Path]:
    """Save ``fig`` as ``path`` with each suffix in ``formats``; returns the paths written."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    out = []
    for fmt in formats:
        target = path.with_suffix("." + fmt.lstrip("."))
        fig.savefig(target, dpi=DPI, bbox_inches="tight")
        out.append(target)
    _pyplot().close(fig)
    return out


def _plot_exposure(tc: TimeCourse, ax: Any, *, hours: bool) -> None:
    """Drug concentrations of a scheduled course (nM, log axis); 0 nM drawn at the floor."""
    t_fine = np.linspace(0.0, float(tc.time[-1]), 2001)
    sched = tc.schedule
    conc = sched.concentrations(tc.schedule_minutes(t_fine)) if sched is not None else {}
    for d, c in (tc.perturbation or {}).get("drugs", {}).items():
        conc[d] = np.full_like(t_fine, float(c))
    positive = [v[v > 0] for v in conc.values() if np.any(v > 0)]
    # 0 nM is drawn at the floor, a decade below the lowest exposure, whose tick reads 0
    lowest = min(float(v.min()) for v in positive) if positive else 1e-2
    floor = 10.0 ** (math.floor(math.log10(lowest)) - 1)
    x = t_fine / (60.0 if hours else 1.0)
    styles = ("-", "--", ":", "-.")
    inks = ("#000000", "#CC79A7", "#56B4E9", "#999999")  # apart from the readouts' colours
    for i, (d, c) in enumerate(conc.items()):
        ax.plot(
            x,
            np.maximum(c, floor),
            label=d,
            lw=1.6,
            ls=styles[i % len(styles)],
            color=inks[i % len(inks)],
        )
    from matplotlib.ticker import FuncFormatter

    ax.set_yscale("log")
    ax.set_ylim(bottom=floor)
    ax.yaxis.set_major_formatter(
        FuncFormatter(lambda v, _: "0" if v <= floor * (1 + 1e-9) else f"{v:g}")
    )
    ax.set_ylabel("drug (nM, unbound)")
    ax.legend(frameon=False, fontsize=8, loc="center left", bbox_to_anchor=(1.01, 0.5))
    ax.grid(alpha=0.3)


@_styled
def plot_timecourse(
    tc: TimeCourse,
    readouts: Sequence[str] | str | None = None,
    *,
    ax: Any = None,
    hours: bool = True,
    title: str | None = None,
) -> Figure:
    """Readouts of a time course against time (h, or min with ``hours=False``); by default
    those the model's label table marks ``show = timecourse`` (the bundled model: Akt,
    S6K1 and 4E-BP1 phosphorylation), else its first four readouts."""
    plt = _pyplot()
    if readouts is not None:  # one name (not its letters) or a list, as every verb takes
        readouts = check_names(readouts, name="readouts")
    if readouts is None:
        names = tc.readout_names or tuple(tc.data.columns)
        # the model's own choice, else the bundled model's (its SBML export loaded
        # from a file has the same readouts)
        marked = labels_for(tc.metadata).shown_in("timecourse") or bundled_labels().shown_in(
            "timecourse"
        )
        readouts = marked if marked and set(marked) <= set(names) else names[:4]
    for r in readouts:
        tc[r]  # an unknown name raises UnknownNameError with the closest match
    scheduled = tc.metadata.get("schedule") is not None
    unit = tc.metadata.get("time_unit", "minute")
    if unit not in ("minute", "unknown"):  # a model that counts time in its own unit
        hours = False  # (decided before the exposure panel, which shares the axis)
    given_ax = ax is not None  # the caller's axes: the legend stays inside them
    if ax is not None:
        fig = ax.figure
    elif scheduled:  # exposure above the response, one time axis
        fig, (top, ax) = plt.subplots(
            2, 1, figsize=(6.4, 5.6), sharex=True, gridspec_kw={"height_ratios": [1, 2]}
        )
        _plot_exposure(tc, top, hours=hours)
    else:
        fig, ax = plt.subplots(figsize=(7.6, 4))
    df = tc.to_dataframe(species=True)
    own = labels_for(tc.metadata)
    t = df.index.to_numpy() / (60.0 if hours else 1.0)
    for r in readouts:
        ax.plot(t, df[r].to_numpy(), label=human(r, own), lw=2)
    values = df[list(readouts)].to_numpy(dtype=float)
    _flat_axis(ax, values)
    if not np.isfinite(values).any():  # an empty axis is not a flat curve
        ax.text(0.5, 0.5, f"no values ({tc.status})", transform=ax.transAxes, ha="center")
    drugs = (tc.perturbation or {}).get("drugs")
    started = "after the first dose " if scheduled else "after treatment " if drugs else ""
    shown = "h" if hours else time_unit_short(unit)
    if unit == "unknown":  # the SBML declares none: read as minutes (`Model.time_unit`)
        shown += "; no unit declared, read as min" if hours else "; no unit declared"
    ax.set_xlabel(f"time {started}({shown})")
    ax.set_ylabel(textwrap.fill(_readouts_axis(readouts, own), 45))
    if given_ax:
        ax.legend(frameon=False)
    else:  # beside the panel: curves fill the whole width (a legend inside hid the jump at t = 0)
        ax.legend(
            frameon=False,
            loc="center left",
            bbox_to_anchor=(1.01, 0.5),
            ncol=math.ceil(len(readouts) / LEGEND_ROWS),  # taller than the figure otherwise
        )
    if title is None:
        title = _perturbation_label(tc.perturbation, own) if tc.perturbation else ""
        if scheduled and tc.schedule is not None:
            title = f"{title}; {tc.schedule.label()}" if title else tc.schedule.label()
        if tc.status != "ok":
            title += f" [{tc.status}]"
    (fig.axes[0] if scheduled and len(fig.axes) > 1 else ax).set_title(title, fontsize=9)
    ax.grid(alpha=0.3)
    if not given_ax:  # room for the legends beside the panels (a plain savefig cut them)
        fig.tight_layout()
    return fig


def _flat_axis(ax: Any, values: np.ndarray) -> None:
    """Curves that do not move (beyond round-off) drawn on an axis of ±5 % around them:
    matplotlib otherwise zooms onto the round-off and labels its ticks with an offset
    ("1e-12+2.95"), so that round-off looks like dynamics."""
    finite = values[np.isfinite(values)]
    if not finite.size:
        return
    low, high = float(finite.min()), float(finite.max())
    size = max(abs(low), abs(high))
    if size > 0 and high - low <= 1e-9 * size:
        ax.set_ylim(low - 0.05 * size, high + 0.05 * size)


@_styled
def plot_steady_state(
    ss: Any, readouts: Sequence[str] | str | None = None, *, ax: Any = None
) -> Figure:
    """A steady state's readouts as horizontal bars (every readout by default), under a
    title naming its perturbation; a state that is not verified says so in the title and
    draws its bars hatched grey: they are not values to read."""
    plt = _pyplot()
    own = labels_for(ss.metadata)
    names = list(ss.readouts.index) if readouts is None else check_names(readouts, name="readouts")
    if not names:
        raise ValueError("`readouts` is empty: give at least one, or None for all")
    values = np.array([ss[r] for r in names], dtype=float)  # unknown names raise here
    if ax is None:
        fig, ax = plt.subplots(figsize=(6.4, 1.2 + 0.32 * len(names)))
    else:
        fig = ax.figure
    y = np.arange(len(names))[::-1]
    ok = ss.status == "ok"
    style = {"color": PALETTE[0]} if ok else {"color": "0.85", "hatch": "///", "edgecolor": "0.5"}
    ax.barh(y, np.nan_to_num(values), height=0.7, lw=0, **style)
    if not np.isfinite(values).any():
        ax.text(0.5, 0.5, f"no values ({ss.status})", transform=ax.transAxes, ha="center")
    ax.set_yticks(y, [human(r, own) for r in names])
    ax.set_xlabel(_readouts_axis(names, own))
    title = _perturbation_label(ss.perturbation, own) if ss.perturbation else ""
    if not ok:
        title += f" [{ss.status}: not a verified steady state]"
    ax.set_title(title, fontsize=9)
    ax.grid(alpha=0.3, axis="x")
    fig.tight_layout()
    return fig


def _readouts_axis(readouts: Sequence[str], names: Labels | bool) -> str:
    """y label of several readouts on one axis: the readout's own label and unit, their
    shared unit, or the kinds of value they are (``fraction (of each protein's total)``)."""
    if len(readouts) == 1:
        return readout_label(readouts[0], names)
    units = list(dict.fromkeys(unit_of(r, names) for r in readouts))
    if not _is_bundled(names):
        return (
            f"readout ({units[0]})"
            if units != ["model units"] and len(units) == 1
            else "model units"
        )
    if len(units) == 1:
        return f"readout ({units[0]})"
    table = _labels()
    kinds = [table[q] for q in dict.fromkeys(table.quantity(r) for r in readouts) if q in table]
    return " or ".join(f"{k.label} ({k.unit})" for k in kinds) or "readout (model units)"


@_styled
def plot_claim(result: ClaimResult) -> Figure:
    """The figure of one claim check: bars, a time course, or dose-response curves."""
    from ._hill import fit_hill

    plt = _pyplot()
    data = result.data
    status = "passes" if result.passed else "FAILS"
    title = f"Claim {result.number}: {result.title}"
    if result.kind == "timecourse":
        # one quantity per axis: the claim says which columns share a unit
        panels: dict[str, list[str]] = {}
        for col in data.columns:
            panels.setdefault(result.axis_labels.get(col, "value"), []).append(col)
        fig, axes = plt.subplots(1, len(panels), figsize=(6 * len(panels) + 1, 4.2), squeeze=False)
        t = data.index.to_numpy() / 60.0
        for ax, (unit, cols) in zip(axes[0], panels.items(), strict=True):
            for col in cols:
                ls = "--" if "cut" in col else "-"
                ax.plot(t, data[col].to_numpy(), lw=2, label=human(col), ls=ls)
            ax.set_xlabel("time after treatment (h)")
            ax.set_ylabel(human(unit))
            if "fold" in unit:
                ax.axhline(1.0, color="grey", lw=0.8, ls=":")
            # beside the curves, never on them
            ax.legend(frameon=False, fontsize=8, loc="center left", bbox_to_anchor=(1.01, 0.5))
    elif result.kind == "dose_response":
        readouts = list(dict.fromkeys(data["readout"]))  # one panel per readout
        fig, axes = plt.subplots(1, len(readouts), figsize=(5 * len(readouts), 4), squeeze=False)
        for ax, readout in zip(axes[0], readouts, strict=True):
            sub = data[data["readout"] == readout]
            for drug, grp in sub.groupby("condition", sort=False):
                d = grp["dose"].to_numpy()
                v = grp["value"].to_numpy()
                fit = fit_hill(d, v, monotonic=True)  # a model's curve: no noise
                name = f"{drug} (IC50 {_sig3(fit.ic50)} nM)" if fit.success else str(drug)
                (line,) = ax.semilogx(d[d > 0], v[d > 0], "o", ms=4, label=name)
                if fit.success:  # the fitted curve, not the points joined
                    grid = np.logspace(np.log10(d[d > 0].min()), np.log10(d.max()), 200)
                    ax.semilogx(grid, fit.predict(grid), "-", color=line.get_color(), lw=1.6)
                    ax.axvline(fit.ic50, color=line.get_color(), ls=":", lw=1)  # its IC50
            ax.set_xlabel(result.axis_labels.get("dose", "concentration (nM, log scale)"))
            ax.set_ylabel(readout_label(readout))
            ax.set_ylim(bottom=0)
            ax.grid(alpha=0.3, which="both")
            ax.legend(frameon=False, fontsize=8)
    else:
        conds = list(dict.fromkeys(data["condition"]))
        reads = list(dict.fromkeys(data["readout"]))
        # one quantity per axis: readouts grouped by their unit, one panel per unit
        groups: dict[str, list[str]] = {}
        for r in reads:
            groups.setdefault(result.axis_labels.get(r) or unit_of(_short(r)), []).append(r)
        own = set(result.axis_labels.values())
        width_in = max(6.0, 1.1 * len(conds) + 3) * (1 if len(groups) == 1 else 0.75)
        fig, axes = plt.subplots(
            1, len(groups), figsize=(width_in * len(groups), 4.2), squeeze=False
        )
        for ax, (unit, members) in zip(axes[0], groups.items(), strict=True):
            width = 0.8 / len(members)
            x = np.arange(len(conds))
            for i, r in enumerate(members):
                # a condition without a value (its state not verified) is no bar, not 0
                vals = [
                    data[(data["condition"] == c) & (data["readout"] == r)]["value"].sum(
                        min_count=1
                    )
                    for c in conds
                ]
                at = x + i * width - 0.4 + width / 2
                ax.bar(at, vals, width, label=human(r))
                for xi, v in zip(at, vals, strict=True):
                    if not np.isfinite(v):
                        ax.text(xi, 0, "n/a", ha="center", va="bottom", fontsize=MIN_FONT)
            ax.set_xticks(x, [human(c) for c in conds], rotation=15, ha="right")
            names = ", ".join(dict.fromkeys(human(_short(r)) for r in members))
            ax.set_ylabel(human(unit) if unit in own else f"{names} ({unit})")
            # beside the bars, never on them
            ax.legend(frameon=False, fontsize=8, loc="upper left", bbox_to_anchor=(1.0, 1.0))
            ax.grid(alpha=0.3, axis="y")
    # the verdict and its rule under the panels, not in the title
    verdict = [f"The check {status}: {human(result.criterion)}"]
    if result.passed is not result.expected_pass:  # documented failures say so, and why
        verdict.append(
            f"(unexpected: the model documents it to {'fail' if result.passed else 'pass'})"
        )
    elif not result.expected_pass:
        verdict.append(f"As documented: {human(result.expected_reason)}")
    _title_and_footnote(fig, title, verdict)
    return fig


def _title_and_footnote(fig: Any, title: str, notes: Sequence[str]) -> None:
    """A wrapped title above the panels and wrapped notes below them, with room kept for
    both so that neither runs off the figure nor over an axis."""
    import textwrap

    width_in, height_in = fig.get_size_inches()
    title_lines = textwrap.wrap(title, max(30, int(width_in * 12)))
    note_lines = [ln for n in notes for ln in textwrap.wrap(n, max(40, int(width_in * 15.5)))]
    fig.suptitle("\n".join(title_lines), fontsize=10)
    fig.text(0.01, 0.01, "\n".join(note_lines), fontsize=MIN_FONT, va="bottom")
    bottom = (0.14 * len(note_lines) + 0.04) / height_in
    top = 1 - (0.17 * (len(title_lines) - 1)) / height_in
    fig.tight_layout(rect=(0, bottom, 1, top))


def _short(readout: str) -> str:
    """A bar group's name without its condition (``pAKT_S473 + everolimus`` -> pAKT_S473)."""
    return readout.split(" ")[0]


@_styled
def plot_dose_response(dr: Any, *, ax: Any = None, label: str | None = None) -> Figure:
    """Points, fitted Hill curves and IC50 markers (triangles), one colour per genotype.

    ``label`` replaces the genotype in the legend (e.g. the drug, when several drugs'
    curves share one axis). Drawn into a given ``ax``, the figure's layout is left to
    its owner (laying it out on each call cost more than drawing the curves); curves
    drawn there before keep their doses in view, their untreated points beside this
    one's, left of a break before the lowest dose of all, and their notes in the title.
    """
    plt = _pyplot()
    own_figure = ax is None
    fig, ax = (ax.figure, ax) if ax is not None else plt.subplots(figsize=(6.4, 4.2))
    table = dr.table
    pos = table[table["dose"] > 0]
    lo, hi = pos["dose"].min(), pos["dose"].max()
    grid = np.logspace(np.log10(lo), np.log10(hi), 200)
    # what earlier calls drew on this axis (several drugs' curves on one ``ax=``)
    shared = getattr(ax, "_mtor_sim_doses", None) or {
        "drugs": [],
        "lo": lo,
        "hi": hi,
        "zero": [],
        "break": [],
        "named": [],
        "rising": [],
        "unverified": 0,
        "missing": 0,
        "rows": 0,
    }
    ax._mtor_sim_doses = shared
    shared["lo"], shared["hi"] = min(shared["lo"], lo), max(shared["hi"], hi)
    drugs = shared["drugs"] = list(dict.fromkeys([*shared["drugs"], dr.drug]))
    # the untreated point sits left of a break in the log axis, not dropped
    has_zero = bool((table["dose"] == 0).any()) or bool(shared["zero"])
    zero_at = shared["lo"] / 10**0.9 if has_zero else None
    rising = shared["rising"]
    own = labels_for(dr.settings)
    unverified = missing = 0
    for g, grp in table.groupby("genotype", sort=False):
        # a point whose steady state was not verified (unstable, negative, not unique)
        # keeps its value but is drawn hollow, and the fit leaves it out
        checked = grp["status"] == "ok" if "status" in grp else grp["dose"].notna()
        finite = np.isfinite(grp["value"].to_numpy(dtype=float))
        doubtful = grp[~checked & finite]
        unverified += len(doubtful)
        missing += int((~finite).sum())
        grp = grp[checked]
        p = grp[grp["dose"] > 0]
        fit = dr.fits[g]
        name = label or human(str(g), own)
        if fit.success and np.isfinite(fit.ic50):
            # a readout the drug raises (feedback relief) has a half-maximal dose too, but
            # it is an EC50, not an inhibitory concentration; both are relative (half-way
            # between the fitted plateaus), so a shallow effect says how deep it is
            rising.append(fit.rises)
            depth = abs(fit.top - fit.bottom) / abs(fit.top) if fit.top else math.inf
            shallow = f", max effect {100 * depth:.0f} %" if depth < 0.5 else ""
            name += f" ({'EC50' if rising[-1] else 'IC50'} {_sig3(fit.ic50)} nM{shallow})"
        (pts,) = ax.semilogx(p["dose"], p["value"], "o", ms=4, label=name)
        if label is None:  # named by its genotype: by its drug too once drugs share the axis
            shared["named"].append((pts, dr.drug))
        untreated = grp[grp["dose"] == 0]["value"]
        if zero_at is not None and len(untreated):
            (dot,) = ax.plot(
                [zero_at], [float(untreated.iloc[0])], "o", ms=4, color=pts.get_color()
            )
            shared["zero"].append(dot)
        for at_zero in (False, True):
            some = doubtful[(doubtful["dose"] == 0) == at_zero]
            if len(some) and (not at_zero or zero_at is not None):
                at = np.full(len(some), zero_at) if at_zero else some["dose"]
                (hollow,) = ax.plot(at, some["value"], "o", ms=5, mfc="none", color=pts.get_color())
                if at_zero:
                    shared["zero"].append(hollow)
        if fit.success:
            ax.semilogx(grid, fit.predict(grid), "-", color=pts.get_color(), lw=1.8)
            if lo <= fit.ic50 <= hi:
                ax.plot(
                    [fit.ic50],
                    fit.predict([fit.ic50]),
                    "v",
                    color=pts.get_color(),
                    ms=9,
                    mec="black",
                    mew=0.6,
                )
    if zero_at is not None:  # earlier untreated points move beside these, left of the break
        for dot in shared["zero"]:
            dot.set_xdata(np.full(len(dot.get_xdata()), zero_at))
        for artist in shared["break"]:
            artist.remove()
        shared["break"] = _zero_dose_break(ax, zero_at, shared["lo"], shared["hi"])
    elif len(drugs) > 1:
        ax.set_xlim(shared["lo"] / 10**0.2, shared["hi"] * 10**0.2)
    if len(drugs) > 1:  # two drugs' "WT" would be told apart by colour alone
        for line, drug in shared["named"]:
            if not line.get_label().startswith(f"{drug}: "):
                line.set_label(f"{drug}: {line.get_label()}")
    shared["unverified"] += unverified
    shared["missing"] += missing
    shared["rows"] += len(table)
    unverified, missing = shared["unverified"], shared["missing"]
    shown = dr.drug if len(drugs) == 1 else "drug"
    ax.set_xlabel(f"{shown} concentration (nM, log scale)")
    ax.set_ylabel(readout_label(dr.readout, own))
    time = dr.settings.get("time")
    unit = time_unit_short(dr.settings.get("time_unit", "minute"))
    when = "steady state" if time is None else f"{time:g} {unit}"
    on = _shared_conditions(dr.settings, own)
    notes = []
    if rising:
        marks = "EC50s" if all(rising) else "IC50s / EC50s" if any(rising) else "IC50s"
        notes.append(f"triangles mark relative {marks} (half-way between the fitted plateaus)")
    if unverified:
        notes.append(f"hollow: {unverified} point{'s' if unverified > 1 else ''} not verified")
    if missing:
        notes.append(f"{missing} point{'s' if missing > 1 else ''} without a value, not drawn")
    if missing == shared["rows"]:
        ax.text(0.5, 0.5, "no values", transform=ax.transAxes, ha="center")
    ax.set_title(
        "\n".join([f"{' and '.join(drugs)}: {human(dr.readout, own)} ({when}){on}", *notes]),
        fontsize=9,
    )
    ax.grid(alpha=0.3, which="both")
    ax.legend(frameon=False, fontsize=8)
    if own_figure:
        fig.tight_layout()
    return fig


def _zero_dose_break(ax: Any, zero_at: float, lo: float, hi: float) -> list[Any]:
    """Label ``zero_at`` as dose 0 and mark the break between it and the lowest dose;
    returns the break's line and marks."""
    from matplotlib.transforms import blended_transform_factory

    decades = np.arange(np.ceil(np.log10(lo)), np.floor(np.log10(hi)) + 1)
    ticks = [zero_at, *(10.0**decades)]
    ax.set_xticks(ticks, ["0", *(_dose_tick(t) for t in ticks[1:])])
    minor = [
        k * 10.0**d
        for d in range(int(np.floor(np.log10(lo))), int(np.ceil(np.log10(hi))) + 1)
        for k in range(2, 10)
    ]
    ax.set_xticks([t for t in minor if lo <= t <= hi], minor=True)  # none left of the break
    ax.set_xlim(zero_at / 10**0.3, hi * 10**0.2)
    at = float(np.sqrt(zero_at * lo))  # half-way (in log) between 0 and the lowest dose
    drawn = [ax.axvline(at, color="0.6", lw=0.8, ls=(0, (2, 2)))]
    mark = blended_transform_factory(ax.transData, ax.transAxes)
    for dx in (0.93, 1.07):
        (tick,) = ax.plot(
            [at * dx / 1.04, at * dx * 1.04],
            [-0.02, 0.02],
            color="black",
            lw=1.0,
            transform=mark,
            clip_on=False,
        )
        drawn.append(tick)
    return drawn


_SCORE_NAMES = {"bliss": "Bliss", "hsa": "HSA", "loewe": "Loewe", "zip": "ZIP"}


@_styled
def plot_combination(cm: Any, *, score: str = "bliss") -> Figure:
    """Heatmaps of a combination's response and of one synergy score."""
    plt = _pyplot()
    synergy = cm.score(score)
    fig, axes = plt.subplots(1, 2, figsize=(11, 4.4))
    a, b = cm.drugs
    own = labels_for(cm.settings)
    raised_by = cm.settings.get("raised_by") or []
    meaning = (
        f"not synergy: {' and '.join(raised_by)} alone raise{'s' if len(raised_by) == 1 else ''}"
        f" {human(cm.readout, own)}"
        if raised_by
        else "> 0: synergy"
    )
    panels = (
        (cm.response, readout_label(cm.readout, own), "viridis", None),
        (synergy, f"{_SCORE_NAMES[score]} excess ({meaning})", "RdBu_r", "sym"),
    )
    for ax, (frame, label, cmap, sym) in zip(axes, panels, strict=True):
        m = frame.to_numpy()
        kw = {}
        if sym:  # signed: symmetric, spanning at least +-0.1 so that an excess of a few
            # thousandths (noise, or near-additivity) is drawn near white, not saturated
            lim = max(SYNERGY_MIN_SPAN, float(np.nanmax(np.abs(m))))
            kw = {"vmin": -lim, "vmax": lim}
        im = ax.imshow(m, origin="lower", cmap=cmap, aspect="auto", **kw)
        ax.set_xticks(range(m.shape[1]), [_dose_tick(v) for v in frame.columns], rotation=45)
        ax.set_yticks(range(m.shape[0]), [_dose_tick(v) for v in frame.index])
        ax.set_xlabel(f"{b} (nM)")
        ax.set_ylabel(f"{a} (nM)")
        for i in range(m.shape[0]):
            for j in range(m.shape[1]):
                finite = np.isfinite(m[i, j])
                text = "n/d" if not finite else (f"{m[i, j]:.3f}" if sym else f"{m[i, j]:.2f}")
                r, g, b_, _ = im.cmap(im.norm(m[i, j])) if finite else (1, 1, 1, 1)
                dark = 0.299 * r + 0.587 * g + 0.114 * b_ < 0.5  # text readable on its cell
                ax.text(
                    j,
                    i,
                    text,
                    ha="center",
                    va="center",
                    fontsize=MIN_FONT,
                    color="white" if dark else "black",
                )
        fig.colorbar(im, ax=ax, label=label)
    undefined = (
        " (n/d: not defined, e.g. Loewe beyond a single drug's maximal effect)"
        if not np.isfinite(synergy.to_numpy()).all()
        else ""
    )
    on = _shared_conditions(cm.settings, own)
    fig.suptitle(f"{a} + {b}: {human(cm.readout, own)}{on}{undefined}", fontsize=10)
    fig.tight_layout()
    return fig


def _axis_label(name: str, kind: str, names: Labels | bool = True, unit: str = "") -> str:
    shown = human(name, names)
    if kind == "drug":
        return f"{shown} concentration (nM)"
    if unit and unit != "dimensionless":
        return f"{shown} ({unit})"
    if _is_bundled(names) and name.endswith("_total"):
        return f"{shown} (relative to the WT total)"
    return f"{shown} (model units)"


def _value_label(name: str, value: Any, kind: str, names: Labels | bool = True) -> str:
    """``everolimus 0.316 nM``, ``PTEN loss`` for legends and panel titles: a genotype by
    its label alone, anything else as ``name = value``."""
    if name == "genotype":
        return human(str(value), names)
    if isinstance(value, float) and kind == "drug":
        return f"{human(name, names)} {value:.3g} nM"
    if isinstance(value, float):
        return f"{human(name, names)} = {value:.3g}"
    return f"{human(name, names)} = {human(str(value), names)}"


def _sig3(v: float) -> str:
    """Three significant digits, without exponents: ``2.4``, ``35.2``, ``3,520``."""
    if not np.isfinite(v) or v == 0 or abs(v) < 1000:
        return f"{v:.3g}"
    return f"{round(v, 2 - int(np.floor(np.log10(abs(v))))):,.0f}"


def _dose_tick(v: float) -> str:
    """``0.3``, ``30``, ``3,000``: plain numbers, never ``3e+03``."""
    return f"{v:,.0f}" if abs(v) >= 1000 and float(v).is_integer() else f"{v:.3g}"


#: smallest half-range of a synergy heatmap's colour scale (a fraction of the readout's
#: range, in which Bliss, HSA, Loewe and ZIP excesses are expressed)
SYNERGY_MIN_SPAN = 0.1


@_styled
def plot_sweep(sw: Any, readout: str, *, x: str | None = None) -> Figure:
    """A readout against one swept name (see `_sweep_panel`). A grid over three or more
    names, whose last name has at most `MAX_FACETS` values, is drawn as one panel per value
    of that name (facets), so that no dimension is folded into too many lines."""
    from types import SimpleNamespace

    from ._errors import check_name

    check_name(readout, sw.readouts, kind="readout")
    if sw.settings.get("method") == "conditions":
        return _conditions_bars(sw, readout)
    table = sw.table
    numeric = [n for n in sw.names if pd_numeric(table[n])]
    if x is None and numeric:
        x = numeric[0]
    others = [n for n in sw.names if n != x]
    facet = others[-1] if len(others) >= 2 else None
    values = list(dict.fromkeys(table[facet])) if facet else []
    if sw.settings.get("method") != "grid" or not facet or not 2 <= len(values) <= MAX_FACETS:
        return _sweep_panel(sw, readout, x=x)
    plt = _pyplot()
    fig, axes = plt.subplots(
        1, len(values), figsize=(4.6 * len(values) + 0.6, 4.4), sharey=True, squeeze=False
    )
    kinds = sw.settings.get("kinds", {})
    own = labels_for(sw.settings)
    for ax, value in zip(axes[0], values, strict=True):
        part = SimpleNamespace(
            table=table[table[facet] == value],
            readouts=sw.readouts,
            names=[n for n in sw.names if n != facet],
            settings=sw.settings,
        )
        _sweep_panel(part, readout, x=x, ax=ax)
        shown = _value_label(facet, value, kinds.get(facet, "parameter"), own)
        # the panel's own title goes, but not its note of the names it could not encode
        hidden = [t for t in ax.get_title().splitlines() if t.startswith("also varied")]
        ax.set_title("\n".join([shown, *hidden]), fontsize=9)
        if ax is not axes[0][0]:  # one legend and one y label for the row
            ax.set_ylabel("")
            if ax.get_legend() is not None:
                ax.get_legend().remove()
    failed = int((table["status"] != "ok").sum())
    fig.suptitle(
        f"sweep of {len(table)} points (grid), one panel per {human(facet, own)}"
        + (f"; {failed} not at a verified steady state, not drawn" if failed else "")
        + f"\n{_held_fixed(sw.settings)}",
        fontsize=10,
    )
    fig.tight_layout()
    return fig


def _held_fixed(settings: dict[str, Any]) -> str:
    """``held fixed: PTEN loss + sorafenib 100 nM``: what a sweep did not vary."""
    label = _background_label(settings.get("background") or {}, labels_for(settings))
    return f"held fixed: {label}" if label else "everything not varied at the model's defaults"


def _shared_conditions(settings: dict[str, Any], names: Labels | bool) -> str:
    """`` on PTEN loss + sorafenib 100 nM``: what every point of a dose-response or a
    combination shared (its ``perturbation`` and ``background_drugs``), "" for nothing."""
    label = _background_label(
        {
            **(settings.get("perturbation") or {}),
            "drugs": dict(settings.get("background_drugs") or {}),
        },
        names,
    )
    return f" on {label}" if label else ""


def _background_label(background: dict[str, Any], names: Labels | bool) -> str:
    """``PTEN loss + sorafenib 100 nM``: the conditions a figure's runs shared ("" when
    none), without the default genotype's leading ``WT + ``."""
    background = {k: v for k, v in background.items() if v}
    if not background:
        return ""
    label = _perturbation_label(background, names)
    if "genotype" not in background:  # the label's leading WT is only the default
        label = label.removeprefix("WT + ").removeprefix("baseline + ")
    return label


#: Most panels a faceted sweep figure draws (one per value of the facet name).
MAX_FACETS = 6


@_styled
def _conditions_bars(sw: Any, readout: str) -> Figure:
    """A readout per condition of `steady_states`: one bar each, in the order given;
    a condition without a verified steady state is a hatched grey gap, never a value."""
    plt = _pyplot()
    table = sw.table
    own = labels_for(sw.settings)
    labels = [str(c) for c in table["condition"]]
    ok = (table["status"] == "ok").to_numpy()
    values = np.where(ok, table[readout].to_numpy(dtype=float), 0.0)
    fig, ax = plt.subplots(figsize=(6.4, 1.2 + 0.38 * len(labels)))
    y = np.arange(len(labels))[::-1]
    ax.barh(y[ok], values[ok], color=PALETTE[0], height=0.7)
    if (~ok).any():
        top = float(np.nanmax(values[ok])) if ok.any() else 1.0
        ax.barh(y[~ok], top, color="0.85", hatch="///", edgecolor="0.5", lw=0, height=0.7)
    ax.set_yticks(y, labels)
    ax.set_xlabel(readout_label(readout, own))
    failed = int((~ok).sum())
    ax.set_title(
        f"{len(table)} conditions"
        + (f"; hatched: {failed} without a verified steady state" if failed else "")
        + f"\n{_held_fixed(sw.settings)}",
        fontsize=9,
    )
    ax.grid(alpha=0.3, axis="x")
    fig.tight_layout()
    return fig


@_styled
def _sweep_panel(sw: Any, readout: str, *, x: str | None = None, ax: Any = None) -> Figure:
    """A readout against one swept name: one line per combination of the other grid values,
    or, for Latin-hypercube samples and large grids, a scatter coloured by the categorical
    names (genotype, knockouts, cut; a legend) or else by the first other numeric name (a
    colour bar). Failed points are counted in the title, never drawn as values."""
    plt = _pyplot()
    from ._errors import check_name

    table = sw.table
    check_name(readout, sw.readouts, kind="readout")
    numeric = [n for n in sw.names if pd_numeric(table[n])]
    if x is None:
        if not numeric:
            raise ValueError("no numeric swept name to put on the x axis; pass `x=`")
        x = numeric[0]
    check_name(x, sw.names, kind="swept name")
    ok = table[table["status"] == "ok"]
    fig, ax = (ax.figure, ax) if ax is not None else plt.subplots(figsize=(6.4, 4.2))
    others = [n for n in sw.names if n != x]
    kinds = sw.settings.get("kinds", {})
    units = sw.settings.get("units", {})
    own = labels_for(sw.settings)
    groups = list(ok.groupby(others, sort=False)) if others else [((), ok)]
    lines = sw.settings.get("method") == "grid" and len(groups) <= 12
    if lines:  # a failed point is a gap in its line: joining its neighbours drew a value
        gapped = table.assign(**{readout: table[readout].where(table["status"] == "ok")})
        whole = dict(list(gapped.groupby(others, sort=False))) if others else {(): gapped}
        groups = [(key, whole[key]) for key, _ in groups]
    legend = lines and bool(others)
    if not lines:  # a scatter: colour by category, else by a numeric name
        cats = [n for n in others if n not in numeric]
        groups = list(ok.groupby(cats, sort=False)) if cats else [((), ok)]
        legend = bool(cats) and len(groups) <= 12
        others = cats
    nums = [n for n in sw.names if n != x and n in numeric]
    logs = set(sw.settings.get("log") or ())  # names a Latin hypercube sampled in log
    for key, grp in groups:
        key = key if isinstance(key, tuple) else (key,)
        label = (
            ", ".join(
                _value_label(n, v, kinds.get(n, "parameter"), own)
                for n, v in zip(others, key, strict=True)
            )
            or None
        )
        if lines:
            grp = grp.sort_values(x)
            ax.plot(grp[x], grp[readout], "o-", ms=3, lw=1.4, label=label)
        elif legend or not nums:
            ax.scatter(
                grp[x],
                grp[readout],
                s=5,
                alpha=0.5,
                lw=0,
                label=label,
                color=None if legend else "0.3",
            )
    if not lines and not legend and nums:
        colour = nums[0]
        # a name sampled on a log scale is coloured on one: linearly, its decades below the
        # top one shared the darkest colour
        norm = "log" if colour in logs and (ok[colour] > 0).all() else None
        sc = ax.scatter(
            ok[x], ok[readout], c=ok[colour], s=5, alpha=0.7, lw=0, cmap="viridis", norm=norm
        )
        label = _axis_label(colour, kinds.get(colour, "parameter"), own, units.get(colour, ""))
        fig.colorbar(sc, ax=ax, label=label)
    vals = table[x].to_numpy(dtype=float) if x in numeric else None
    pos = vals[vals > 0] if vals is not None else np.array([])
    # doses, and a name sampled on a log scale (its points crowded the left end linearly)
    if vals is not None and pos.size and (x in logs or pos.max() / pos.min() >= 100):
        if np.nanmin(vals) > 0:
            ax.set_xscale("log")
        else:
            ax.set_xscale("symlog", linthresh=float(pos.min()), linscale=0.5)
    ax.set_xlabel(_axis_label(x, kinds.get(x, "parameter"), own, units.get(x, "")))
    ax.set_ylabel(readout_label(readout, own))
    failed = len(table) - len(ok)
    # swept names the figure encodes neither by line, colour nor legend are named, so
    # that points varying along them are not mistaken for noise
    shown = {x, *others} | ({nums[0]} if not lines and not legend and nums else set())
    hidden = [n for n in sw.names if n not in shown]
    ax.set_title(
        f"sweep of {len(table)} points ({sw.settings.get('method')})"
        + (f"; {failed} not at a verified steady state, not drawn" if failed else "")
        + f"\n{_held_fixed(sw.settings)}"
        + (
            f"\nalso varied, not encoded: {', '.join(human(h, own) for h in hidden)}"
            if hidden
            else ""
        ),
        fontsize=9,
    )
    ax.grid(alpha=0.3, which="both")
    if legend and len(ok):  # every point failed: nothing drawn, nothing to label
        ax.legend(frameon=False, fontsize=MIN_FONT, markerscale=1 if lines else 2)
    fig.tight_layout()
    return fig


def pd_numeric(series: Any) -> bool:
    import pandas as pd

    return bool(pd.api.types.is_numeric_dtype(series))


@_styled
def plot_knockout_screen(
    screen: Any, readouts: Sequence[str] | str | None = None, *, max_rows: int = 60
) -> Figure:
    """Heatmap of log2 fold changes (rows: knockouts and cuts, columns: readouts, default
    every one the screen recorded); cells that did not reach a verified steady state are
    hatched grey."""
    plt = _pyplot()
    effect = screen.log2_fold_change()
    if readouts is not None:
        from ._errors import check_name

        names = check_names(readouts, name="readouts")
        effect = effect[[check_name(r, effect.columns, kind="readout") for r in names]]
    dropped = max(0, len(effect) - max_rows)
    failed_dropped = 0
    if dropped:  # keep the strongest effects readable, and the rows that failed first
        failed = effect.isna().any(axis=1)
        strength = effect.abs().max(axis=1).fillna(0.0)
        ranked = sorted(effect.index, key=lambda i: (not failed[i], -strength[i]))
        order = set(ranked[:max_rows])
        failed_dropped = int(failed[[i for i in effect.index if i not in order]].sum())
        effect = effect.loc[[i for i in effect.index if i in order]]
    m = effect.to_numpy(dtype=float)
    finite = np.abs(m[np.isfinite(m)])
    lim = max(0.1, float(finite.max()) if finite.size else 1.0)
    lim = min(lim, 5.0)
    fig, ax = plt.subplots(figsize=(max(5.5, 2.5 + 0.55 * m.shape[1]), 1.6 + 0.22 * m.shape[0]))
    im = ax.imshow(np.clip(m, -lim, lim), cmap="RdBu_r", vmin=-lim, vmax=lim, aspect="auto")
    for i, j in zip(*np.nonzero(np.isnan(m)), strict=True):
        ax.add_patch(
            plt.Rectangle(
                (j - 0.5, i - 0.5), 1, 1, fill=True, fc="0.85", hatch="///", ec="0.5", lw=0
            )
        )
    for i, j in zip(*np.nonzero(np.isneginf(m)), strict=True):  # readout falls to zero
        ax.text(j, i, "0", ha="center", va="center", fontsize=MIN_FONT, color="white")
    own = labels_for(screen.metadata)
    columns = [human(c, own) for c in effect.columns]
    ax.set_xticks(range(m.shape[1]), columns, rotation=60, ha="right", fontsize=8)
    ax.set_yticks(range(m.shape[0]), [human(i, own) for i in effect.index], fontsize=MIN_FONT)
    fig.colorbar(
        im,
        ax=ax,
        label=f"log2 fold change vs {human(screen.baseline_label, own)}",
        extend="both" if finite.size and finite.max() > lim else "neither",  # arrows: clipped
        shrink=0.6,
    )
    base_status = screen.table.loc[screen.table["kind"] == "baseline", "status"].iloc[0]
    marks = [
        text
        for text, shown in (
            ("0: readout falls to zero", np.isneginf(m).any()),
            ("hatched: no verified steady state", np.isnan(m).any()),
            (f"{dropped} rows of weakest effect not shown", dropped and not failed_dropped),
            (f"{dropped} rows not shown, {failed_dropped} of them failed", failed_dropped),
        )
        if shown
    ]
    note = (
        "\n".join(marks)
        if base_status == "ok"
        else f"the baseline itself is {base_status}: no fold change is defined"
    )
    name = human(screen.model_name, own)
    name = name if len(name) <= 40 else name[:38] + "..."
    # a background beyond the model as it is ("baseline") is named
    bg = "" if screen.baseline_label == "baseline" else f" ({human(screen.baseline_label, own)})"
    the = "the " if " " in name else ""  # "the HCC mTOR network model"; an SBML id as it is
    ax.set_title(
        "\n".join([f"knockout screen of {the}{name}{bg}", *([note] if note else [])]), fontsize=9
    )
    fig.tight_layout()
    return fig


@_styled
def plot_sensitivity(sens: Any, *, top: int = 20) -> Figure:
    """Tornado plot: bars of local scaled sensitivities, or Sobol S1 and ST with their
    confidence intervals, largest first."""
    plt = _pyplot()
    df = sens.to_dataframe(sens.readout)  # the table holds every readout's rows
    shown = human(sens.readout, labels_for(sens.metadata))
    failed, total = 0, len(df)
    if sens.method == "local":
        failed = int(df["sensitivity"].isna().sum())
        # a parameter without a verified answer is shown (first), marked, not a zero bar
        strength = df["sensitivity"].abs().fillna(np.inf)
        df = df.reindex(strength.sort_values(ascending=False, kind="stable").index).head(top)
        fig, ax = plt.subplots(figsize=(6.4, 1.2 + 0.28 * len(df)))
        y = np.arange(len(df))[::-1]
        colours = np.where(df["sensitivity"] >= 0, "#D55E00", "#0072B2")
        ax.barh(y, df["sensitivity"].fillna(0.0), color=colours)
        ax.axvline(0, color="black", lw=0.8)
        for yi, st in zip(
            y[df["sensitivity"].isna().to_numpy()],
            df["status"][df["sensitivity"].isna()],
            strict=True,
        ):
            ax.text(0, yi, f" {st}", va="center", fontsize=MIN_FONT, color="0.3")
        ax.set_xlabel(f"scaled sensitivity d ln({shown}) / d ln(parameter)")
    else:
        df = df.sort_values("ST", ascending=False).head(top)
        fig, ax = plt.subplots(figsize=(6.4, 1.2 + 0.34 * len(df)))
        y = np.arange(len(df))[::-1]
        ax.barh(
            y + 0.18,
            df["ST"],
            height=0.36,
            xerr=df["ST_conf"],
            label="total (ST)",
            color="#999999",
            capsize=2,
        )
        ax.barh(
            y - 0.18,
            df["S1"],
            height=0.36,
            xerr=df["S1_conf"],
            label="first order (S1)",
            color="#0072B2",
            capsize=2,
        )
        ax.set_xlabel(f"Sobol index of {shown} (fraction of variance)")
        ax.legend(frameon=False, fontsize=8)
    ax.set_yticks(
        y, [human(str(p), labels_for(sens.metadata)) for p in df["parameter"]], fontsize=8
    )
    title = human(sens.title(), labels_for(sens.metadata))
    if failed:
        title += f"\n{failed} of {total} parameters without a verified answer"
    ax.set_title(title, fontsize=9)
    ax.grid(alpha=0.3, axis="x")
    fig.tight_layout()
    return fig


_CATEGORY_COLOURS = {
    "CR": "#0072B2",
    "PR": "#56B4E9",
    "SD": "#bdbdbd",
    "PD": "#D55E00",
    "NE": "#ffffff",
}  # Okabe-Ito blues for response, vermillion for PD


@_styled
def plot_waterfall(result: Any, arms: Sequence[str]) -> Figure:
    """One waterfall per arm: patients sorted by diameter change (%), coloured by category,
    with the RECIST thresholds (-30 %, +20 %) drawn."""
    plt = _pyplot()
    cols = min(len(arms), 4)
    rows = int(np.ceil(len(arms) / cols))
    fig, axes = plt.subplots(
        rows, cols, figsize=(3.6 * cols, 2.9 * rows), squeeze=False, sharey=True
    )
    table = result.table
    for ax, arm in zip(axes.ravel(), arms, strict=False):
        t = table[table["arm"] == arm].sort_values("diameter_change", ascending=False)
        t = t[t["category"] != "NE"]
        x = np.arange(len(t))
        ax.bar(
            x,
            np.clip(t["diameter_change"], -100, 100),
            width=1.0,
            color=[_CATEGORY_COLOURS[c] for c in t["category"]],
        )
        ax.axhline(20, color="#D55E00", lw=0.8, ls="--")
        ax.axhline(-30, color="#0072B2", lw=0.8, ls=":")
        orr = 100 * t["category"].isin(["CR", "PR"]).mean() if len(t) else np.nan
        ax.set_title(f"{arm}\nORR {orr:.1f} % (n = {len(t)})", fontsize=9)
        ax.set_xticks([])
        ax.set_xlabel("patients, sorted")
        ax.grid(alpha=0.3, axis="y")
    for ax in axes[:, 0]:
        ax.set_ylabel("tumour diameter change (%)\n(clipped at +-100)")
    for ax in axes.ravel()[len(arms) :]:
        ax.axis("off")
    handles = [
        plt.Rectangle((0, 0), 1, 1, color=_CATEGORY_COLOURS[c]) for c in ("CR", "PR", "SD", "PD")
    ]
    fig.legend(
        handles,
        ["complete response", "partial response (<= -30 %)", "stable", "progression (>= +20 %)"],
        loc="lower center",
        ncol=4,
        frameon=False,
        fontsize=8,
    )
    weeks = result.settings.get("weeks")
    fig.suptitle(f"virtual HCC trial: diameter change after {weeks:g} weeks", fontsize=10)
    fig.tight_layout(rect=(0, 0.05, 1, 1))
    return fig


@_styled
def plot_tumour(result: Any, *, ax: Any = None) -> Figure:
    """A tumour course (`mtor_sim.TumourResult`): both arms' volume over the days on a
    log scale (exponential growth is a line), the inhibition at the end in the title; a
    course without verified steady states says so and draws nothing."""
    plt = _pyplot()
    if ax is None:
        fig, ax = plt.subplots(figsize=(5.2, 3.6))
    else:
        fig = ax.figure
    days = np.linspace(0.0, result.days, 101)
    treatment = _perturbation_label({"drugs": result.drugs}).removeprefix("WT + ")
    arms = (
        ("untreated", result.control_rate, "0.35", "--"),
        (treatment, result.treated_rate, PALETTE[0], "-"),
    )
    for label, rate, colour, style in arms:
        with np.errstate(over="ignore"):
            ax.plot(days, np.exp(rate * days), color=colour, ls=style, lw=1.8, label=label)
    ax.axhline(1.0, color="0.6", lw=0.6)
    ax.set_yscale("log")
    ax.set_xlabel("days of treatment")
    ax.set_ylabel("tumour volume (relative to day 0)")
    background = _perturbation_label({**result.perturbation, "drugs": {}})
    if result.success:
        title = f"{background}: growth inhibition {result.reduction_percent:.1f} %"
        ax.legend(frameon=False, fontsize=8)
    else:
        title = f"{background} [{result.status}: no verified steady state, no course]"
    ax.set_title(title, fontsize=9)
    ax.grid(alpha=0.3, which="both")
    fig.tight_layout()
    return fig


def _negated(label: str) -> str:
    """``high p-mTOR`` -> ``low p-mTOR``; else ``not <label>``."""
    return "low " + label[5:] if label.startswith("high ") else "not " + label


@_styled
def plot_response_rates(result: Any, by: str | None = None) -> Figure:
    """Objective response rate (%) per arm, or per arm and stratum, with Wilson 95 %
    intervals; the review's numbers, where it gives them, as black diamonds."""
    plt = _pyplot()
    review = result.settings.get("review", {})
    rates = result.response_rates(by)
    arms = list(dict.fromkeys(rates["arm"]))
    fig, ax = plt.subplots(figsize=(max(6.0, 1.1 * len(arms) + 2), 4.2))
    x = np.arange(len(arms))
    if by is None:
        err = np.clip([rates["ORR"] - rates["ORR_low"], rates["ORR_high"] - rates["ORR"]], 0, None)
        ax.bar(x, rates["ORR"], yerr=err, capsize=3, color="#0072B2", label="simulated")
        published = review.get("objective_response_rate", {})
        if any(a in published for a in arms):
            values = [published.get(a, np.nan) for a in arms]
            ax.plot(x, values, "D", color="black", label="review (Table 3)")
    else:
        col = [c for c in rates.columns if c not in ("arm",)][0]
        for k, (flag, colour) in enumerate(((True, "#D55E00"), (False, "#0072B2"))):
            r = rates[rates[col] == flag].set_index("arm").reindex(arms)
            err = np.clip([r["ORR"] - r["ORR_low"], r["ORR_high"] - r["ORR"]], 0, None)
            ax.bar(
                x + (k - 0.5) * 0.38,
                r["ORR"],
                width=0.38,
                yerr=err,
                capsize=3,
                color=colour,
                label=human(col) if flag else _negated(human(col)),
            )
        by_pmtor = review.get("orr_by_pmtor", {}) if col == "pmtor_high" else {}
        shown = [a for a in by_pmtor if a in arms]
        for j, arm in enumerate(shown):
            i = arms.index(arm)
            ax.plot(
                [i - 0.19, i + 0.19],
                [by_pmtor[arm]["high"], by_pmtor[arm]["low"]],
                "D",
                color="black",
                label=f"review ({', '.join(shown)} by p-mTOR)" if j == 0 else "_review",
            )
    ax.set_xticks(x, arms, rotation=30, ha="right", fontsize=8)
    ax.set_ylabel("objective response rate (%)")
    ax.set_title(
        "virtual HCC trial: ORR with 95 % Wilson intervals"
        + (f", by {human(col)}" if by is not None else ""),
        fontsize=9,
    )
    ax.grid(alpha=0.3, axis="y")
    ax.legend(frameon=False, fontsize=8)
    fig.tight_layout()
    return fig
