"""Time courses and steady states: the hot path."""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from ._errors import ModelFileError, check_nonnegative
from ._perturb import Perturbation, make_perturbation, resolve
from ._results import SteadyState, TimeCourse, provenance

if TYPE_CHECKING:  # pragma: no cover
    import roadrunner

    from ._model import Model

__all__ = ["steady_state", "simulate", "compile_runner", "steady_state_of"]

#: Defaults of the steady-state search.
STEADY_TOL = 1e-8          # max |dx/dt| (per minute) accepted as steady
PRESIM_T = 2e4             # min; longer than the slowest loop (EMT, RTK turnover: ~1 day)
FALLBACK_T = 1e6           # min; integration horizon when Newton's method fails


def compile_runner(sbml: str, *, source: str) -> roadrunner.RoadRunner:
    """Compile SBML to a RoadRunner with conserved-moiety analysis on, and tight tolerances."""
    import roadrunner

    try:
        r = roadrunner.RoadRunner(sbml)
    except RuntimeError as exc:
        raise ModelFileError(f"model {source!r} could not be compiled: {exc}") from None
    try:
        r.conservedMoietyAnalysis = True
    except RuntimeError:  # pragma: no cover - some models refuse moiety analysis
        pass
    integ = r.getIntegrator()
    integ.relative_tolerance = 1e-8
    integ.absolute_tolerance = 1e-12
    integ.maximum_num_steps = 200_000  # long presimulations of oscillating models
    return r


def _prepare(model: Model, pert: Perturbation) -> roadrunner.RoadRunner:
    """A runner reset to the perturbed initial state."""
    values, clamped = resolve(model, pert)
    r = model._runner(clamped)
    r.resetAll()
    for name, value in values.items():
        r[name] = value
    r.reset()  # re-evaluates initial assignments (protein totals) with the new values
    return r


def _collect(r: roadrunner.RoadRunner, model: Model) -> tuple[pd.Series, pd.Series]:
    readouts = pd.Series({k: float(r[k]) for k in model.readouts}, dtype=float)
    species = pd.Series(dict(zip(r.model.getFloatingSpeciesIds(),
                                 r.model.getFloatingSpeciesConcentrations(), strict=True)),
                        dtype=float)
    return readouts, species


def _max_rate(r: roadrunner.RoadRunner) -> float:
    rates = np.asarray(r.getRatesOfChange(), dtype=float)
    return float(np.max(np.abs(rates))) if rates.size else 0.0


def _max_eigenvalue(r: roadrunner.RoadRunner) -> float:
    try:
        jac = np.asarray(r.getReducedJacobian() if r.conservedMoietyAnalysis
                         else r.getFullJacobian(), dtype=float)
    except RuntimeError:
        return math.nan
    if jac.size == 0:
        return -math.inf
    return float(np.max(np.linalg.eigvals(jac).real))


def steady_state_of(model: Model, pert: Perturbation, *, tol: float = STEADY_TOL,
                    presimulate: float = PRESIM_T) -> SteadyState:
    """Guarded steady state for an already-validated perturbation."""
    r = _prepare(model, pert)
    method = "presimulation + nleq2"
    message = ""
    try:
        if presimulate > 0:
            r.simulate(0.0, presimulate, 2)
        try:
            r.steadyState()
        except RuntimeError as exc:
            method = "long integration (nleq2 failed)"
            message = f"Newton solver failed ({str(exc).splitlines()[0]}); "
            r.simulate(presimulate, presimulate + FALLBACK_T, 2)
    except RuntimeError as exc:
        readouts, species = _collect(r, model)
        return SteadyState(readouts * math.nan, species * math.nan, False, "solver_failed",
                           f"integration failed: {exc}", math.nan, math.nan, tol,
                           pert.as_dict(), provenance(model, method=method, tol=tol))
    readouts, species = _collect(r, model)
    rate = _max_rate(r)
    eig = _max_eigenvalue(r)
    scale = max(1.0, float(np.max(np.abs(species.to_numpy())))) if len(species) else 1.0
    if not np.all(np.isfinite(species.to_numpy())):
        status, msg = "solver_failed", "non-finite state"
    elif rate > tol * scale:
        status = "not_reached"
        msg = (f"no steady state reached: max |dx/dt| = {rate:.3g} > {tol * scale:.3g}; the "
               "system may oscillate or drift. Try simulate() to inspect its dynamics.")
    elif species.min() < -1e-9 * scale:
        status = "negative"
        msg = f"steady state has a negative species ({species.idxmin()} = {species.min():.3g})"
    elif eig > 1e-9:
        status = "unstable"
        msg = (f"fixed point is unstable (max Re(eigenvalue) = {eig:.3g} /min): cells would "
               "not sit here; the system likely oscillates.")
    else:
        status, msg = "ok", f"steady state verified (max |dx/dt| = {rate:.2g}, stable)"
    if status == "not_reached":  # no steady state: the last point of a run is not one
        readouts = readouts * math.nan
    return SteadyState(readouts, species, status == "ok", status, message + msg, rate, eig, tol,
                       pert.as_dict(), provenance(model, method=method, tol=tol))


def steady_state(model: Model, *, genotype: str | Iterable[str] | None = None,
                 drugs: Mapping[str, float] | None = None,
                 knockouts: Iterable[str] | None = None, cut: Iterable[str] | None = None,
                 parameters: Mapping[str, float] | None = None,
                 inputs: Mapping[str, float] | None = None,
                 tol: float = STEADY_TOL) -> SteadyState:
    """Steady state of ``model`` under a perturbation, verified before it is returned.

    The model is integrated past its slowest loop, polished with Newton's method, and
    accepted only when max |dx/dt| <= ``tol`` (scaled by the largest state) and every
    Jacobian eigenvalue has a negative real part. Otherwise the result's ``status``
    says why (``"not_reached"``, ``"unstable"``, ...) and ``success`` is False.

    Parameters
    ----------
    model : Model
    genotype : str or list of str, optional
        Preset(s) from `mtor_sim.GENOTYPES`, e.g. ``["PTEN_loss", "mTORC2_high"]``.
    drugs : dict, optional
        Drug name -> concentration (nM), e.g. ``{"everolimus": 10}``.
    knockouts : list of str, optional
        Nodes removed (their protein set to zero).
    cut : list of str, optional
        Interactions removed, e.g. ``["S6K1 -| IRS1"]``.
    parameters : dict, optional
        Parameter name -> value (overrides genotype presets).
    inputs : dict, optional
        Input name -> value, e.g. ``{"GF": 0.2, "ENERGY_STRESS": 1}``.
    tol : float
        Residual tolerance, per minute.

    Returns
    -------
    SteadyState

    Examples
    --------
    >>> import mtor_sim as ms
    >>> model = ms.load_model()
    >>> ss = model.steady_state(genotype="PTEN_loss", drugs={"everolimus": 10})
    >>> ss.success
    True
    """
    check_nonnegative(tol, name="tol", allow_zero=False)
    pert = make_perturbation(model, genotype=genotype, drugs=drugs, knockouts=knockouts,
                             cut=cut, parameters=parameters, inputs=inputs)
    return steady_state_of(model, pert, tol=tol)


def simulate(model: Model, *, t_end: float = 1440.0, n_points: int = 241,
             genotype: str | Iterable[str] | None = None,
             drugs: Mapping[str, float] | None = None,
             knockouts: Iterable[str] | None = None, cut: Iterable[str] | None = None,
             parameters: Mapping[str, float] | None = None,
             inputs: Mapping[str, float] | None = None,
             pre_equilibrate: bool = True, species: bool = True) -> TimeCourse:
    """Time course of ``model`` (time in minutes) under a perturbation.

    By default the cells first sit at the steady state of the same perturbation without
    drugs; the drugs are added at t = 0. With ``pre_equilibrate=False`` the run starts
    from the model's initial state with everything applied at once.

    Parameters
    ----------
    t_end : float, min
        End time (> 0).
    n_points : int
        Number of output times, evenly spaced from 0 to ``t_end`` (>= 2).
    pre_equilibrate : bool
        Start from the drug-free steady state (True) or from initial conditions.
    species : bool
        Keep every floating species in the data, besides the readouts.
    Other parameters are as in `steady_state`.

    Returns
    -------
    TimeCourse

    Examples
    --------
    >>> import mtor_sim as ms
    >>> tc = ms.load_model().simulate(t_end=1440, drugs={"vistusertib": 100})
    >>> bool(tc["pAKT_S473"].iloc[-1] < tc["pAKT_S473"].iloc[0])
    True
    """
    t_end = check_nonnegative(t_end, name="t_end", allow_zero=False)
    if isinstance(n_points, bool) or not isinstance(n_points, int | np.integer) or n_points < 2:
        raise ValueError(f"`n_points` must be an integer >= 2, got {n_points!r}")
    pert = make_perturbation(model, genotype=genotype, drugs=drugs, knockouts=knockouts,
                             cut=cut, parameters=parameters, inputs=inputs)
    return time_course_of(model, pert, t_end=t_end, n_points=int(n_points),
                          pre_equilibrate=pre_equilibrate, species=species)


def time_course_of(model: Model, pert: Perturbation, *, t_end: float, n_points: int,
                   pre_equilibrate: bool = True, species: bool = True) -> TimeCourse:
    """Time course for an already-validated perturbation."""
    meta = provenance(model, method="cvode", rtol=1e-8, atol=1e-12,
                      pre_equilibrate=pre_equilibrate)
    status, message = "ok", "integration finished"
    if pre_equilibrate:
        base = steady_state_of(model, pert.without_drugs())
        if not base.success:
            status = "baseline_" + base.status
            message = f"drug-free baseline not at steady state: {base.message}"
        values, clamped = resolve(model, pert)
        r = model._runner(clamped)
        for name, value in values.items():  # drugs on top of the baseline state
            r[name] = value
    else:
        r = _prepare(model, pert)
    cols = list(model.readouts) + ([s for s in model.species if s not in model.readouts]
                                   if species else [])
    r.timeCourseSelections = ["time"] + cols
    try:
        out = np.asarray(r.simulate(0.0, t_end, n_points), dtype=float)
    except RuntimeError as exc:
        nan = np.full((n_points, len(cols)), math.nan)
        data = pd.DataFrame(nan, index=pd.Index(np.linspace(0, t_end, n_points), name="time"),
                            columns=cols)
        return TimeCourse(data, False, "solver_failed", f"integration failed: {exc}",
                          pert.as_dict(), meta, tuple(model.readouts))
    data = pd.DataFrame(out[:, 1:], index=pd.Index(out[:, 0], name="time"), columns=cols)
    if not np.all(np.isfinite(out)):
        status, message = "solver_failed", "non-finite values in the time course"
    return TimeCourse(data, status == "ok", status, message, pert.as_dict(), meta,
                      tuple(model.readouts))


