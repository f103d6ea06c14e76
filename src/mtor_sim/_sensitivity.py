"""Parameter sensitivity of steady-state readouts: local (scaled) and global (Sobol)."""

from __future__ import annotations

import math
import warnings
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal, overload

import numpy as np
import pandas as pd

from ._backends import conditions_from, run_conditions
from ._catalogue import default_readout, within
from ._errors import (
    MtorSimError,
    check_count,
    check_name,
    check_names,
    check_nonnegative,
    wants_ensemble,
)
from ._options import RunOptions, resolve_run
from ._perturb import Perturbation, check_volume_parameters, drug_scaling, make_perturbation
from ._protocol import BatchResult
from ._sweep import _readouts

if TYPE_CHECKING:  # pragma: no cover
    from matplotlib.figure import Figure

    from ._model import Model

__all__ = ["Sensitivity", "sensitivity"]

REL_STEP = 1e-3  # relative step of the central differences: truncation error ~1e-6, far above
#                   the steady states' own error (max |dx/dt| <= 1e-8)


@dataclass(frozen=True)
class Sensitivity(BatchResult):
    """Sensitivities of readouts to parameters.

    Attributes
    ----------
    method : {"local", "sobol"}
    readouts : tuple of str
    table : DataFrame
        ``local``: parameter, readout, value (the parameter's value under the background
        perturbation, e.g. PTEN_total 0.1 under PTEN_loss), sensitivity
        (d ln readout / d ln parameter; NaN where the readout is 0 at the reference),
        status (of the solves; ``zero_readout`` where the readout is 0, within the
        solver's round-off, relative to the state's size, at the reference;
        ``zero_parameter``, with NaN, where the parameter is 0 there). ``sobol``:
        parameter, readout, S1, S1_conf, ST, ST_conf (95 % bootstrap half-widths), status
        (``zero_readout`` or ``constant_readout`` where the readout does not vary over the
        sample, within the solver's accuracy: its indices are NaN; ``imprecise`` where
        some index of the readout has a 95 % half-width above `SOBOL_HALF_WIDTH`, and the
        result's status is then ``"imprecise"``), blocks_used and blocks
        (the Saltelli blocks the indices rest on, of those sampled).
    settings : dict
        Step or sample size, bounds, seed, failed points, model hash and solver.
    """

    method: str
    readouts: tuple[str, ...]
    table: pd.DataFrame
    settings: dict[str, Any] = field(default_factory=dict)

    @property
    def readout(self) -> str:
        return self.readouts[0]

    def _outcomes(self) -> tuple[int, dict[str, int]]:
        if self.method == "sobol":  # the failed points are counted, not kept
            # (a condition is a point and a readout: a readout without variance has no
            # defined index over the points that solved)
            k = len(self.readouts)
            n_points = int(self.settings.get("n_points", 0))
            n_failed = int(self.settings.get("n_failed", 0))
            # why the points failed (older results say only that they did)
            why = self.settings.get("failed_by_status") or (
                {"not_solved": n_failed} if n_failed else {}
            )
            failed = {status: count * k for status, count in why.items()}
            for status in self.settings.get("undefined", {}).values():
                failed[status] = failed.get(status, 0) + n_points - n_failed
            return n_points * k, failed
        return self._count(self.table["status"])

    @property
    def imprecise(self) -> dict[str, float]:
        """Sobol readouts whose indices are too uncertain to read (`SOBOL_HALF_WIDTH`),
        with the widest 95 % half-width among their S1 and ST; empty for local ones."""
        return dict(self.settings.get("imprecise", {}))

    @property
    def success(self) -> bool:
        """True when every condition was solved, and Sobol indices are precise."""
        return super().success and not self.imprecise

    @property
    def status(self) -> str:
        """As every batch result's, and ``"imprecise"`` where every condition was solved
        but some Sobol indices' intervals are wider than `SOBOL_HALF_WIDTH` allows."""
        base = super().status
        return "imprecise" if base == "ok" and self.imprecise else base

    @property
    def message(self) -> str:
        text = super().message
        if not self.imprecise:
            return text
        n = int(self.settings.get("n", 0))
        widest = max(self.imprecise.values())
        # a bootstrap half-width falls as 1 / sqrt(n): the n that would bring it down,
        # as the power of 2 the Sobol sequence wants
        enough = 2 ** math.ceil(math.log2(max(n, 1) * (widest / SOBOL_HALF_WIDTH) ** 2))
        shown = ", ".join(f"{r} ({w:.2g})" for r, w in self.imprecise.items())
        return (
            f"{text}; the Sobol indices of {shown} are imprecise: 95 % intervals of more "
            f"than +-{SOBOL_HALF_WIDTH:g} (the half-width in brackets) at n = {n}, so they "
            f"do not rank the parameters; n of about {enough} would narrow them enough"
        )

    def to_dataframe(self, readout: str | None = None) -> pd.DataFrame:
        """The table, for every readout (default, or ``readout="all"``) or for one."""
        if readout is None or readout == "all":
            return self.table.copy()
        readout = check_name(readout, self.readouts, kind="readout")
        return self.table[self.table["readout"] == readout].reset_index(drop=True)

    def title(self) -> str:
        if self.method == "local":
            return (
                f"local sensitivity of {self.readout} "
                f"(central differences, step {self.settings['rel_step']:g})"
            )
        return (
            f"Sobol indices of {self.readout} ({self.settings['n_points']} points, "
            f"seed {self.settings['seed']}, {self.settings['n_failed']} failed)"
        )

    def plot(
        self,
        readout: str | Sequence[str] | None = None,
        *,
        top: int = 20,
        readouts: str | Sequence[str] | None = None,
    ) -> Figure:
        """Tornado plot for one readout (a name, or a list of one; ``readouts=`` as every
        other result's plot names it), largest effects first."""
        from ._errors import one_name, one_of
        from ._plot import plot_sensitivity

        top = check_count(top, name="top")  # a negative top dropped the last bars instead
        readout = one_of(readout=readout, readouts=readouts)
        name = one_name(readout, name="readout", why="a tornado plot draws one; plot each")
        one = Sensitivity(
            self.method,
            (check_name(name or self.readout, self.readouts, kind="readout"),),
            self.table,
            self.settings,
        )
        return plot_sensitivity(one, top=top)


#: Sobol indices whose 95 % bootstrap half-width (SALib's ``S1_conf``, ``ST_conf``) is
#: larger than this are imprecise: their interval spans more than a fifth of the indices'
#: 0-1 scale (a convention of this package, not a published threshold). With n = 2 the
#: indices of pS6K1 over three parameters summed to 1.57 with half-widths up to 0.56,
#: and read "ok"; they need n = 512 (half-widths 0.145 at 256, 0.098 at 512).
SOBOL_HALF_WIDTH = 0.1

#: Sobol outputs varying less than this share of their magnitude (or than the round-off
#: level, `round_off`) are constant up to the solver's accuracy: their indices would be
#: those of round-off.
CONSTANT_RTOL = 1e-9


def _default_parameters(model: Model) -> list[str]:
    """Non-zero parameters, except drug doses, the reference values that only normalise
    readout indices (their sensitivity is -1 by construction, not biology) and those that
    size a compartment at compile time (`check_volume_parameters`)."""
    skip = set(model._layout.drug_parameters.values()) | set(model._layout.references)
    skip |= model._facts().volume_parameters
    return [str(p) for p, v in model.parameters.items() if v > 0 and p not in skip]


@overload
def sensitivity(
    model: Model,
    readouts: Sequence[str] | str | None = ...,
    vary: Sequence[str] | None = ...,
    *,
    parameters: Mapping[str, float] | None = ...,
    method: str = ...,
    rel_step: float = ...,
    n: int = ...,
    factor: float = ...,
    bounds: Mapping[str, tuple[float, float]] | None = ...,
    seed: int = ...,
    ensemble: Literal[False] | None = ...,
    n_members: int | None = ...,
    run: RunOptions | Mapping[str, Any] | None = ...,
    backend: str | None = ...,
    n_workers: int | None = ...,
    scheduler: str | None = ...,
    out: str | Path | None = ...,
    progress: bool | None = ...,
    **perturbation: Any,
) -> Sensitivity: ...


@overload
def sensitivity(
    model: Model,
    readouts: Sequence[str] | str | None = ...,
    vary: Sequence[str] | None = ...,
    *,
    parameters: Mapping[str, float] | None = ...,
    method: str = ...,
    rel_step: float = ...,
    n: int = ...,
    factor: float = ...,
    bounds: Mapping[str, tuple[float, float]] | None = ...,
    seed: int = ...,
    ensemble: Literal[True] | str | pd.DataFrame,
    n_members: int | None = ...,
    run: RunOptions | Mapping[str, Any] | None = ...,
    backend: str | None = ...,
    n_workers: int | None = ...,
    scheduler: str | None = ...,
    out: str | Path | None = ...,
    progress: bool | None = ...,
    **perturbation: Any,
) -> pd.DataFrame: ...


def sensitivity(
    model: Model,
    readouts: Sequence[str] | str | None = None,
    vary: Sequence[str] | None = None,
    *,
    parameters: Mapping[str, float] | None = None,
    method: str = "local",
    rel_step: float = REL_STEP,
    n: int = 256,
    factor: float = 2.0,
    bounds: Mapping[str, tuple[float, float]] | None = None,
    seed: int = 0,
    ensemble: Any = None,
    n_members: int | None = None,
    run: RunOptions | Mapping[str, Any] | None = None,
    backend: str | None = None,
    n_workers: int | None = None,
    scheduler: str | None = None,
    out: str | Path | None = None,
    progress: bool | None = None,
    **perturbation: Any,
) -> Sensitivity | pd.DataFrame:
    """Local scaled sensitivities or global Sobol indices of steady-state readouts.

    Parameters
    ----------
    model : Model
    readouts : str or list of str, optional
        Readouts to analyse (default: the model's default readout, its catalogue's
        ``[defaults] readout``; the bundled model's is ``proliferation``).
    vary : list of str, optional
        Parameters to vary (default: every parameter non-zero under the background,
        except drug doses and the reference values that normalise readout indices).
        Steps, ranges and ``bounds`` are in the values the model runs at under the
        background: a genotype's or a drug's scaling included, and a background input or
        dose that sets a varied parameter gives way to it.
    parameters : dict, optional
        Background parameter values ``{name: value}``, as in every verb (like the other
        perturbation keywords: ``genotype``, ``drugs``, ``knockouts``, ``cut``,
        ``inputs``).
    method : {"local", "sobol"}
        ``local``: d ln(readout) / d ln(parameter) at the (perturbed) steady state by
        central differences. ``sobol``: first-order and total Sobol indices (Saltelli
        sampling, via SALib: Saltelli 2010's estimator for S1, Jansen's for ST) over
        log-uniform ranges.
    rel_step : float
        Relative step of the central differences (``local``).
    n : int
        Sobol base sample size; the model runs ``n * (len(vary) + 2)`` times.
        A power of 2 keeps the Sobol sequence balanced.
    factor : float
        Sobol ranges are ``[value / factor, value * factor]``, sampled in log space,
        cut at the bounds a parameter's meaning sets (the catalogue's ``[limits]``,
        shown by `Model.parameter_info`: a fraction at most 1), where the value lies
        within them; a value on its limit is varied on one side of it only
        (``a_T308_only`` = 1 over [0.5, 1]). The ranges used are in ``settings["bounds"]``.
    bounds : dict, optional
        Explicit ``(low, high)`` ranges (sampled uniformly), overriding ``factor``, keyed
        by the names ``vary`` takes (ids or unique SBML names). A
        range, or a value the background sets, past a parameter's limits warns.
    seed : int
        Seed of the Sobol sample and of the bootstrap confidence intervals.
    ensemble : True, "all", "verified" or DataFrame, optional
        ``local`` only: the sensitivities of every member of a parameter ensemble
        (``True``: the bundled calibrated ensemble; ``n_members``: the first N), each
        around the member's own steady state, all in one batch; returns a DataFrame with
        one row per parameter and readout: quantiles across members (``q0.05``, ``q0.5``,
        ``q0.95``, ``mean``), the share of members in which the sensitivity is positive
        and negative (``fraction_positive``, ``fraction_negative``; beyond
        ``rel_step**2 + 1e-12 / rel_step``, the central differences' truncation and
        round-off error, else neither),
        ``n_members`` and ``n_failed``.
    backend, n_workers, scheduler, out, progress
        As in `sweep`.
    **perturbation
        The rest of the background perturbation, e.g. ``genotype="PTEN_loss"``.

    Returns
    -------
    Sensitivity (a DataFrame with ``ensemble``)

    Warns
    -----
    RuntimeWarning
        ``sobol``: when points have no verified steady state. Each such point drops its
        Saltelli block, so the indices describe only the part of the box where steady
        states exist; ``settings`` records ``n_failed`` and ``blocks_used``.

    Examples
    --------
    >>> import mtor_sim as ms
    >>> s = ms.sensitivity(ms.load_model(), "pS6K1", ["TSC2_total"], progress=False)
    >>> bool(s.to_dataframe()["sensitivity"].iloc[0] < 0)  # TSC2 restrains mTORC1
    True
    """
    check_name(method, ("local", "sobol"), kind="sensitivity method")
    if parameters is not None and not isinstance(parameters, Mapping):  # the old name
        if vary is not None:
            raise TypeError("give the names to vary as `vary=`; `parameters=` sets values")
        warnings.warn(
            "sensitivity(parameters=[names]) is deprecated: name the parameters to vary "
            "with `vary=`; `parameters=` means background values {name: value}, as in "
            "every verb",
            DeprecationWarning,
            stacklevel=2,
        )
        vary, parameters = parameters, None
    if parameters:
        perturbation["parameters"] = parameters
    reads = _readouts(
        model, default_readout(model.catalogue, readouts, verb="sensitivity", keyword="readouts")
    )
    params = (
        _default_parameters(model)
        if vary is None
        else [  # ids, or unique SBML names (as ``parameters=`` takes them)
            check_name(p, model.parameters.index, kind="parameter", aliases=model._aliases())
            for p in check_names(vary, name="vary")
        ]
    )
    if not params:
        raise ValueError("`vary`: no parameters to vary")
    if vary is not None:
        _check_distinct(params, check_names(vary, name="vary"))
    check_volume_parameters(model, params)
    # every option is checked, whichever method uses it: garbage is never ignored silently
    h = check_nonnegative(rel_step, name="rel_step", allow_zero=False)
    if h >= 0.5:
        raise ValueError(f"`rel_step` must be < 0.5, got {rel_step!r}")
    factor = check_nonnegative(factor, name="factor", allow_zero=False)
    if factor <= 1:
        raise ValueError(f"`factor` must be > 1, got {factor!r}")
    n = check_count(n, name="n", minimum=2)
    seed = check_count(seed, name="seed", minimum=0)
    base = make_perturbation(model, **perturbation)
    current: dict[str, float] = {
        **{str(k): float(v) for k, v in model.parameters.items()},
        **dict(base.parameters),
    }
    opts = resolve_run(
        run,
        verb="sensitivity",
        backend=backend,
        n_workers=n_workers,
        scheduler=scheduler,
        out=out,
        progress=progress,
    )
    from ._engine import steady_provenance

    meta = steady_provenance(model)
    if wants_ensemble(ensemble, n_members):
        if method != "local":
            raise ValueError(
                "`ensemble` works with method='local' (Sobol indices per member "
                "would cost n * (parameters + 2) solves each)"
            )
        return _local_quantiles(
            model, base, params, reads, h, opts, ensemble, n_members, chosen=vary is not None
        )
    if method == "local":
        table = _local(model, base, params, current, reads, h, opts, chosen=vary is not None)
        return Sensitivity(
            "local",
            reads,
            table,
            {"method": "local", "rel_step": h, "background": base.as_dict(), **meta},
        )
    table, info = _sobol(
        model, base, params, current, reads, n, factor, dict(bounds or {}), seed, opts
    )
    return Sensitivity(
        "sobol",
        reads,
        table,
        {
            "method": "sobol",
            "n": n,
            "factor": factor,
            "seed": seed,
            "background": base.as_dict(),
            **info,
            **meta,
        },
    )


def _check_distinct(params: list[str], given: list[str]) -> None:
    """Refuse a parameter that ``vary`` names twice, by its id and its SBML name: local
    sensitivities listed it twice, and SALib took the two names as one group, so the
    Sobol table had fewer indices than parameters (an IndexError)."""
    seen: dict[str, list[str]] = {}
    for p, name in zip(params, given, strict=True):
        seen.setdefault(p, []).append(name)
    twice = [f"{' and '.join(map(repr, n))} are {p!r}" for p, n in seen.items() if len(n) > 1]
    if twice:
        raise ValueError(f"`vary` names a parameter more than once: {'; '.join(twice)}")


def _limit_text(low: float | None, high: float | None) -> str:
    return " and ".join(
        f"{sign} {bound:g}" for sign, bound in ((">=", low), ("<=", high)) if bound is not None
    )


def _with(model: Model, base: Perturbation, values: Mapping[str, float]) -> Perturbation:
    """``base`` with parameters at ``values``, the values the model is to run at.

    The background would otherwise undo or rescale a step, as it is applied after
    explicit parameters (`resolve`): a background input that targets one of them is
    dropped; so is a background drug whose dose parameter is one of them (the bundled
    model), the step then being its dose; and where a background drug scales one of them
    (an SBML model's ``targets``: ``value * (1 - occupancy)``), the value set is divided
    by that factor, so the drug brings it to the value asked for.
    """
    layout = model._layout
    params = dict(base.parameters)
    scaled = (
        drug_scaling(model, dict(base.drugs)) if base.drugs and not layout.drug_parameters else {}
    )
    for p, v in values.items():
        f = scaled.get(p, 1.0)
        params[p] = v / f if f > 0 else v  # a drug that zeroes it leaves it at zero
    targets = layout.inputs
    inputs = tuple((k, v) for k, v in base.inputs if targets[k] not in values)
    drugs = tuple((d, v) for d, v in base.drugs if layout.drug_parameters.get(d) not in values)
    return replace(base, parameters=tuple(sorted(params.items())), inputs=inputs, drugs=drugs)


def _without_zeros(
    params: list[str], zero: list[str], *, chosen: bool, why: str, where: str = ""
) -> list[str]:
    """``params`` without those at 0 (``zero``) where the default list was taken, which
    varies the non-zero parameters as they are here; a step of a parameter at 0 is no
    step (its scaled sensitivity is not 0 but undefined), so those ``chosen`` are kept
    with a warning (their value NaN, ``why``)."""
    if not zero:
        return params
    if chosen:
        warnings.warn(
            f"{', '.join(zero)} is 0 here{where} (a knockout, genotype or value given may "
            "set it): its log sensitivity d ln(readout) / d ln(parameter) is undefined "
            f"(NaN, {why})",
            RuntimeWarning,
            stacklevel=4,
        )
        return params
    kept = [p for p in params if p not in zero]
    if not kept:
        raise ValueError("`vary`: every parameter to vary is 0 here")
    return kept


def _local(
    model: Model,
    base: Perturbation,
    params: list[str],
    current: dict[str, float],
    reads: tuple[str, ...],
    h: float,
    opts: RunOptions,
    *,
    chosen: bool,
) -> pd.DataFrame:
    from ._perturb import resolve

    # the genotype may scale a parameter: differentiate around the value it really has
    resolved, _ = resolve(model, base)
    at = {p: resolved.get(p, current[p]) for p in params}
    params = _without_zeros(
        params, [p for p in params if at[p] == 0], chosen=chosen, why="status zero_parameter"
    )
    at = {p: at[p] for p in params}
    perts = [((("parameter", ""), ("step", 0.0)), base)]
    for p in params:
        for s in (1 + h, 1 - h):
            perts.append(((("parameter", p), ("step", s)), _with(model, base, {p: at[p] * s})))
    store, _ = run_conditions(
        model,
        conditions_from(perts),
        len(perts),
        reads,
        spec={"sensitivity": "local", "h": h, "params": params, "background": base.as_dict()},
        desc="sensitivity",
        options=opts,
    )
    table = store.read()
    from ._engine import round_off

    level = round_off(model, base)
    zero = [r for r in reads if table["status"].iloc[0] == "ok" and abs(table[r].iloc[0]) <= level]
    if zero:
        warnings.warn(
            f"{', '.join(zero)} is 0 at the reference steady state (within round-off, "
            f"{level:.2g}): its log sensitivity "
            "d ln(readout) / d ln(parameter) is undefined (NaN)",
            RuntimeWarning,
            stacklevel=3,
        )
    return _local_rows(table, params, reads, h, at, level)


def _local_rows(
    t: pd.DataFrame,
    params: list[str],
    reads: tuple[str, ...],
    h: float,
    at: Mapping[str, float],
    level: float,
) -> pd.DataFrame:
    """Central differences from one point's solves: the reference, then each parameter's
    step up and down (the rows of ``t`` in that order); a reference readout within
    ``level`` of 0 (`round_off`) has none."""
    y0 = t.iloc[0]
    rows = []
    for i, p in enumerate(params):
        up, down = t.iloc[1 + 2 * i], t.iloc[2 + 2 * i]
        ok = y0["status"] == up["status"] == down["status"] == "ok"
        failed = None if ok else next(x["status"] for x in (y0, up, down) if x["status"] != "ok")
        for r in reads:
            with np.errstate(divide="ignore", invalid="ignore"):
                zero = abs(y0[r]) <= level
                s = (
                    (up[r] - down[r]) / (2 * h * y0[r])
                    if ok and not zero and at[p] != 0
                    else math.nan
                )
            rows.append(
                {
                    "parameter": p,
                    "readout": r,
                    "value": at[p],
                    "sensitivity": s,
                    # the points' status; a readout at 0 solves, but has no log
                    # sensitivity (NaN, and a warning says why)
                    "status": failed
                    or ("zero_readout" if zero else "zero_parameter" if at[p] == 0 else "ok"),
                }
            )
    return pd.DataFrame(rows)


def _local_quantiles(
    model: Model,
    base: Perturbation,
    params: list[str],
    reads: tuple[str, ...],
    h: float,
    opts: RunOptions,
    ensemble: Any,
    n_members: int | None,
    *,
    chosen: bool,
) -> pd.DataFrame:
    """Local sensitivities of every member of an ensemble, in one batch, as quantiles per
    parameter and readout with the share of members of each sign. Parameters at 0 in
    every member are left out of the default list and named in a warning when chosen,
    as for one point (`_local`)."""
    from ._ensemble import (
        across_members,
        member_digest,
        member_parameters,
        report_failed,
        resolve_ensemble,
    )
    from ._perturb import resolve

    table = resolve_ensemble(ensemble, n=n_members, model=model)
    backgrounds: list[Perturbation] = []
    steps_at: list[dict[str, float]] = []
    for _, member in table.iterrows():
        values = member_parameters(
            model, dict(member.items()), list(base.genotype), dict(base.parameters)
        )
        mine = replace(base, genotype=(), parameters=tuple(sorted(values.items())))
        resolved, _ = resolve(model, mine)
        backgrounds.append(mine)
        steps_at.append({p: resolved.get(p, float(model.parameters[p])) for p in params})
    params = _without_zeros(
        params,
        [p for p in params if all(at[p] == 0 for at in steps_at)],
        chosen=chosen,
        why="counted in n_failed",
        where=" in every member",
    )
    perts: list[tuple[tuple[tuple[str, Any], ...], Perturbation]] = []
    for k, (mine, at) in enumerate(zip(backgrounds, steps_at, strict=True)):
        perts.append(((("member", k), ("parameter", ""), ("step", 0.0)), mine))
        for p in params:
            for s in (1 + h, 1 - h):
                step = _with(model, mine, {p: at[p] * s})
                perts.append(((("member", k), ("parameter", p), ("step", s)), step))
    store, _ = run_conditions(
        model,
        conditions_from(perts),
        len(perts),
        reads,
        spec={
            "sensitivity": "local",
            "h": h,
            "params": params,
            "background": base.as_dict(),
            "members": member_digest(table),  # which members, not only how many
        },
        desc="sensitivity x members",
        options=opts,
    )
    raw = store.read()
    per = len(params) * 2 + 1
    refs = raw.iloc[::per]
    from ._engine import round_off

    level = round_off(model, base)  # the members' states are of the bundled point's size
    zero = {r: int(((refs["status"] == "ok") & (refs[r].abs() <= level)).sum()) for r in reads}
    if any(zero.values()):
        warnings.warn(
            "; ".join(
                f"{r} is 0 at the reference steady state of {n} of {len(table)} members"
                for r, n in zero.items()
                if n
            )
            + ": its log sensitivity d ln(readout) / d ln(parameter) is undefined there "
            "(NaN, counted in n_failed)",
            RuntimeWarning,
            stacklevel=3,
        )
    cube = np.stack(
        [
            _local_rows(raw.iloc[k * per : (k + 1) * per], params, reads, h, steps_at[k], level)[
                "sensitivity"
            ].to_numpy(dtype=float)
            for k in range(len(table))
        ]
    )
    rows = []
    # a sign within the differences' own error is not resolved: truncation ~h^2, and
    # round-off of the readouts (relative ~1e-12) over the step 2h (a parameter without
    # effect gave +-1e-12 and was "positive" in a third of members)
    floor = h * h + 1e-12 / h
    signs = {"fraction_positive": lambda v: v > floor, "fraction_negative": lambda v: v < -floor}
    for j, (p, r) in enumerate((p, r) for p in params for r in reads):
        rows.append({"parameter": p, "readout": r, **across_members(cube[:, j], shares=signs)})
    out = pd.DataFrame(rows)
    out.attrs["rel_step"], out.attrs["background"] = h, base.label()
    return report_failed(out, "sensitivity(ensemble=...)")


def _salib_version() -> str:
    from importlib.metadata import version

    return version("SALib")


def _sobol(
    model: Model,
    base: Perturbation,
    params: list[str],
    current: dict[str, float],
    reads: tuple[str, ...],
    n: int,
    factor: float,
    bounds: dict[str, tuple[float, float]],
    seed: int,
    opts: RunOptions,
) -> tuple[pd.DataFrame, dict[str, Any]]:
    from ._perturb import resolve

    resolved, _ = resolve(model, base)  # centre on the values the background really gives
    current = {p: resolved.get(p, current[p]) for p in params}
    try:
        from SALib.analyze import sobol as sobol_analyze
        from SALib.sample import sobol as sobol_sample
    except ImportError:  # pragma: no cover - SALib is a dependency
        raise MtorSimError("method='sobol' needs SALib: pip install SALib") from None
    # keyed by id or SBML name, as `vary` takes them (an SBML name was refused here)
    given, bounds = bounds, {}
    for name, span in given.items():
        p = check_name(name, params, kind="parameter in `bounds`", aliases=model._aliases())
        if p in bounds:
            raise ValueError(f"`bounds` gives parameter {p!r} twice (by id and SBML name)")
        bounds[p] = span
    limits = model.catalogue.limits
    ranges, logs, past = [], [], []
    for p in params:
        low, high = limits.get(p, (None, None))
        if p in bounds:
            lo, hi = (check_nonnegative(v, name=f"bounds[{p!r}]") for v in bounds[p])
            if not lo < hi:
                raise ValueError(f"bounds[{p!r}] must satisfy low < high, got {bounds[p]!r}")
            ranges.append([lo, hi])
            logs.append(False)
        else:
            if current[p] <= 0:
                raise ValueError(
                    f"parameter {p!r} is {current[p]!r}: give it `bounds`, a "
                    "log range around zero is empty"
                )
            lo, hi = current[p] / factor, current[p] * factor
            if within(current[p], low, high):  # the default range stops at the limits
                lo = lo if low is None else max(lo, low)
                hi = hi if high is None else min(hi, high)
            ranges.append([math.log(lo), math.log(hi)])
            logs.append(True)
        if not (within(lo, low, high) and within(hi, low, high)):
            past.append(f"{p} over [{lo:g}, {hi:g}] (limits: {_limit_text(low, high)})")
    if past:
        warnings.warn(
            "Sobol ranges pass the bounds the parameters' meaning sets (the catalogue's "
            f"[limits]): {'; '.join(past)}. The indices then describe values the model's "
            "equations allow but its parameters' meanings do not.",
            RuntimeWarning,
            stacklevel=3,
        )
    problem = {"num_vars": len(params), "names": list(params), "bounds": ranges}
    with warnings.catch_warnings():  # SALib warns on non-powers of 2; the doc says so
        warnings.simplefilter("ignore", UserWarning)
        x = sobol_sample.sample(problem, n, calc_second_order=False, seed=seed)
    x[:, logs] = np.exp(x[:, logs])
    perts = [
        ((("sample", i),), _with(model, base, dict(zip(params, map(float, row), strict=True))))
        for i, row in enumerate(x)
    ]
    store, _ = run_conditions(
        model,
        conditions_from(perts),
        len(perts),
        reads,
        spec={
            "sensitivity": "sobol",
            "n": n,
            "seed": seed,
            "problem": problem,
            # which ranges are of logarithms (`factor`) and which plain (`bounds`), and
            # the sampler's version: the same numbers otherwise give other points
            "log": logs,
            "salib": _salib_version(),
            "background": base.as_dict(),
        },
        desc="sobol",
        options=opts,
    )
    t = store.read()
    step = len(params) + 2
    ok_block = (t["status"] == "ok").to_numpy().reshape(-1, step).all(axis=1)
    # A failed point invalidates its whole Saltelli block, so whole blocks are dropped. The
    # indices are then those of the parameter region where steady states exist; if failures
    # depend on the parameters that region is not the full box, which the settings record
    # (n_failed, blocks_used) and the plot title shows.
    keep = np.repeat(ok_block, step)
    rows = []
    n_ok = int(ok_block.sum())
    if n_ok < 2:
        raise MtorSimError(
            f"only {n_ok} of {n} Sobol blocks reached a verified steady state; "
            "narrow the ranges (`factor` or `bounds`)"
        )
    n_failed = int((t["status"] != "ok").sum())
    if n_ok < n:
        counts = t.loc[t["status"] != "ok", "status"].value_counts()
        warnings.warn(
            f"{n - n_ok} of {n} Sobol blocks were dropped: {n_failed} points had no verified "
            f"steady state ({', '.join(f'{k}: {v}' for k, v in counts.items())}). The indices "
            "describe the part of the box where steady states exist; narrow the ranges for "
            "indices over the whole box.",
            RuntimeWarning,
            stacklevel=3,
        )
    # SALib ignores a falsy seed (its bootstrap then draws from the global generator and
    # the intervals change from run to run): hand it a non-zero seed derived from ours
    boot_seed = int(np.random.SeedSequence(seed).generate_state(1)[0]) or 1
    undefined: dict[str, str] = {}
    from ._engine import round_off

    level = round_off(model, base)
    for r in reads:
        y = t[r].to_numpy(dtype=float)[keep]
        spread = float(np.ptp(y)) if y.size else 0.0
        if (np.abs(y) <= level).all():
            undefined[r] = "zero_readout"
        elif spread <= max(level, CONSTANT_RTOL * float(np.abs(y).max())):
            undefined[r] = "constant_readout"
        nan = {k: np.full(len(params), math.nan) for k in ("S1", "S1_conf", "ST", "ST_conf")}
        res = (
            nan
            if r in undefined
            else sobol_analyze.analyze(problem, y, calc_second_order=False, seed=boot_seed)
        )
        for j, p in enumerate(params):
            rows.append(
                {
                    "parameter": p,
                    "readout": r,
                    "S1": res["S1"][j],
                    "S1_conf": res["S1_conf"][j],
                    "ST": res["ST"][j],
                    "ST_conf": res["ST_conf"][j],
                    # indices of a readout with no variance are 0 / 0: undefined (NaN)
                    "status": undefined.get(r, "ok"),
                    # in every row, so that a table written to a file says what the
                    # indices rest on (whole blocks are dropped where a point failed)
                    "blocks_used": n_ok,
                    "blocks": n,
                }
            )
    table = pd.DataFrame(rows)
    halves = table.groupby("readout", sort=False)[["S1_conf", "ST_conf"]].max().max(axis=1)
    imprecise = {str(r): float(w) for r, w in halves.items() if w > SOBOL_HALF_WIDTH}
    if imprecise:
        table.loc[table["readout"].isin(list(imprecise)), "status"] = "imprecise"
        warnings.warn(
            "Sobol indices of "
            + ", ".join(f"{r} (95 % half-width up to {w:.2g})" for r, w in imprecise.items())
            + f" are imprecise at n = {n}: increase `n` (the result's message says how far)",
            RuntimeWarning,
            stacklevel=3,
        )
    if undefined:
        warnings.warn(
            "; ".join(
                f"{r} is {'0' if s == 'zero_readout' else 'constant'} over the sample"
                for r, s in undefined.items()
            )
            + " (within the solver's accuracy): Sobol indices divide by its variance, so "
            "they are undefined (NaN)",
            RuntimeWarning,
            stacklevel=3,
        )
    info = {
        "n_points": len(t),
        "n_failed": n_failed,
        "failed_by_status": {
            str(k): int(v) for k, v in t.loc[t["status"] != "ok", "status"].value_counts().items()
        },
        "undefined": undefined,
        "imprecise": imprecise,
        "blocks_used": n_ok,
        "bounds": {
            p: (float(np.exp(b[0])), float(np.exp(b[1]))) if lg else tuple(b)
            for p, b, lg in zip(params, ranges, logs, strict=True)
        },
    }
    return table, info
