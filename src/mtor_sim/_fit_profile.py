"""Profile likelihoods of a fit (pyPESTO), with confidence intervals and identifiability."""

from __future__ import annotations

import time
import warnings
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from ._errors import MtorSimError, check_count, check_name
from ._fit_objective import PetabObjective, unscale
from ._fit_optimize import (
    CONFIRM_TOL,
    OPTIMIZERS,
    FitResult,
    _engine,
    _optimizer,
    check_fit,
    check_seed,
    fit_run_options,
    pypesto_problem,
)
from ._options import RunOptions
from ._protocol import write_result

if TYPE_CHECKING:  # pragma: no cover
    from matplotlib.figure import Figure

__all__ = ["Profile", "profile"]

#: A profile whose likelihood ratio never falls below this over the whole bound range
#: (objective change < 0.005) is called flat: the data do not inform the parameter.
FLAT_RATIO = float(np.exp(-0.005))


@dataclass(frozen=True)
class Profile:
    """Profile likelihoods of some parameters of a fit.

    Attributes
    ----------
    table : pandas.DataFrame
        One row per profile point: ``parameter``, ``value`` (linear scale), ``scaled``
        (PEtab scale), ``fval`` and ``ratio`` (likelihood ratio to the best fit).
    intervals : pandas.DataFrame
        One row per parameter: ``best`` (linear), ``lower`` and ``upper`` (the confidence
        interval, linear scale; NaN where the profile reaches a bound, or points where the
        model cannot be simulated, first), ``verdict`` (``identifiable``, ``practically
        non-identifiable`` (a bound reached above the threshold), ``flat`` (the ratio stays
        up across both bounds), or ``not determined`` when the fit was not at the optimum
        or the profile stopped at points where the model cannot be simulated) and
        ``bound_lower``,
        ``bound_upper`` (the parameter's bounds).
    level : float
        Confidence level of the intervals (e.g. 0.95).
    success, status, message, metadata
        As for every result: ``status`` is ``"ok"``, ``"flat"`` (some profile is flat),
        ``"not_converged"`` (the fit had not converged, or some profile steps stopped at
        ``max_iter`` before their optimiser converged, or were optimised from random start
        points after the step failed, which puts those points on or above the profile and
        can make the intervals too narrow; ``success`` is False) or
        ``"not_determined"`` (some profile stopped at points where the model cannot be
        simulated, or could not be walked at all: its verdict is ``not determined``;
        ``success`` is False) or ``"not_optimal"`` (a profile point beat the fit's best
        objective: the fit had not found the optimum, and the intervals are not
        confidence intervals; ``success`` is False).
    """

    table: pd.DataFrame
    intervals: pd.DataFrame
    level: float
    success: bool
    status: str
    message: str
    metadata: dict[str, Any] = field(default_factory=dict)

    def to_dataframe(self) -> pd.DataFrame:
        """The intervals table (a copy)."""
        return self.intervals.copy()

    def to_file(self, path: str | Path) -> Path:
        """Write the intervals (`to_dataframe`): ``.csv``, ``.parquet``, or ``.json`` (with
        status, metadata and the intervals as ``data``). Returns the path; the profile
        points are `table` (``mtor-sim profile`` writes both)."""
        return write_result(self, path)

    def plot(self) -> Figure:
        """One panel per parameter: likelihood ratio against value, the confidence threshold
        dashed, the panel titled with the verdict (identifiable or not)."""
        from ._fit_plot import plot_profiles

        return plot_profiles(self)

    def __repr__(self) -> str:
        counts = self.intervals["verdict"].value_counts().to_dict()
        return f"<Profile {len(self.intervals)} parameters: {counts}>"


#: A crossing of the threshold between two profile points whose likelihood ratios differ
#: by more than this is run again with finer steps (the steps aim at a drop of 0.03).
COARSE_DROP = 0.25


def _walk(
    problem: Any,
    fit: FitResult,
    optimizer: Any,
    opts: RunOptions,
    index: list[int],
    threshold: float,
    whole_path: bool,
    min_step: float | None,
) -> dict[int, Any]:
    """pyPESTO's profiles of the parameters at ``index`` from the fit's best point, by
    index; steps limited to a likelihood-ratio drop of 0.03, for enough points to see the
    shape, and at least ``min_step`` on the parameter's scale when given (else pyPESTO's
    default minimum)."""
    import pypesto
    import pypesto.profile as pp
    from pypesto.result import OptimizerResult

    result = pypesto.Result(problem)
    result.optimize_result.append(
        OptimizerResult(
            id="best",
            x=fit.best_x,
            fval=fit.best_objective,
            grad=None,
            hess=None,
            exitflag=1,
            message="from FitResult",
        )
    )
    steps: dict[str, float] = {}
    if min_step is not None:  # absolute steps of this size and up
        steps = {
            "default_step_size_relative": 0.0,
            "default_step_size_absolute": 2 * min_step,
            "min_step_size_absolute": min_step,
        }
    options = pp.ProfileOptions(
        ratio_min=min(threshold * 0.9, 0.145),
        delta_ratio_max=0.03,
        whole_path=whole_path,
        step_size_precheck_mode="off",
        **steps,
    )
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        result = pp.parameter_profile(
            problem,
            result,
            optimizer,
            engine=_engine(opts.backend, opts.n_workers, opts.scheduler),
            profile_index=index,
            profile_options=options,
            progress_bar=opts.progress,
        )
    return {i: result.profile_result.list[0][i] for i in index}


#: The colour pyPESTO gives a profile point optimised from a random start after its step
#: failed (``ProfilerResult.color_path``).
RESAMPLED = (0.0, 1.0, 0.0, 1.0)


class _RestartPoints:
    """The random start points pyPESTO re-optimises a failed profile step from
    (``Problem.startpoint_method``): drawn as the fit's starts are (uniform within the
    bounds, or from the initialization priors), from a generator seeded by ``seed``, the
    profiled parameter and the value it is fixed at. pyPESTO's own method draws from
    numpy's global generator, so a profile with restarts changed from run to run, and
    with the backend."""

    def __init__(self, obj: PetabObjective, seed: int | None) -> None:
        self.obj = obj
        self.seed = seed
        self.streams: dict[tuple[tuple[int, ...], bytes], np.random.Generator] = {}

    def __call__(self, n_starts: int, problem: Any) -> np.ndarray:
        # one stream per profile step (the parameter and the value it is fixed at), so
        # the draws do not depend on which task or process reaches the step first: the
        # two halves of a profile share one copy of the problem in a serial run and
        # not in a parallel one; retries at one step go on along its stream
        fixed = tuple(int(i) for i in problem.x_fixed_indices)
        at = np.asarray(problem.x_fixed_vals, dtype=float)
        key = (fixed, at.tobytes())
        if key not in self.streams:
            bits = at.view(np.uint64).tolist()
            entropy = None if self.seed is None else [self.seed, *fixed, *bits]
            self.streams[key] = np.random.default_rng(entropy)
        draws = self.obj.start_draws(self.streams[key], n_starts)
        return draws[:, problem.x_free_indices]


def _out_of_budget(optimizer: str, flag: Any) -> bool:
    """Whether a profile step's optimiser stopped because it ran out of iterations or time
    (fides: MAXITER, MAXTIME; scipy's L-BFGS-B: status 1), not because it converged or
    could go no further (a flat direction stops fides with DELTA_TOO_SMALL)."""
    try:
        code = int(flag)
    except (TypeError, ValueError):
        return False
    return code in (-1, -2) if optimizer == "fides" else code == 1


def _coarse_step(path: Any, i: int, threshold: float) -> float | None:
    """For a profile (pyPESTO's, of parameter ``i``) whose two points around an edge of
    the interval differ in likelihood ratio by more than `COARSE_DROP`, a step size that
    places that edge: a thirtieth of the widest such gap. None when every edge is placed
    well enough, or when the profile rises above its start (the fit was not at the
    optimum, so no interval is reported)."""
    xs = np.asarray(path.x_path, dtype=float)[i]
    ratios = np.asarray(path.ratio_path, dtype=float)
    fvals = np.asarray(path.fval_path, dtype=float)
    ok = np.isfinite(xs) & np.isfinite(ratios) & np.isfinite(fvals)
    xs, ratios = xs[ok], ratios[ok]
    if xs.size < 2 or ratios.max() > 1.0 + 1e-9:
        return None
    order = np.argsort(xs)
    xs, ratios = xs[order], ratios[order]
    inside = ratios >= threshold
    cross = np.flatnonzero(inside[:-1] != inside[1:])  # between cross and cross + 1
    gaps = [xs[k + 1] - xs[k] for k in cross if abs(ratios[k + 1] - ratios[k]) > COARSE_DROP]
    return float(max(gaps)) / 30 if gaps else None


def _interval(xs: np.ndarray, ratios: np.ndarray, threshold: float) -> tuple[float, float]:
    """The interval where the profile's likelihood ratio stays at or above ``threshold``:
    its edges interpolated between the two points around each crossing in the signed root
    ``sqrt(-2 log ratio)``, which is linear in the parameter where the profile is
    quadratic (pyPESTO interpolates the ratio itself, whose curvature puts the edges
    outside the true ones); an end with no crossing is the last point."""
    root = np.sqrt(-2.0 * np.log(np.clip(ratios, 1e-300, 1.0)))
    edge = np.sqrt(-2.0 * np.log(threshold))
    (inside,) = np.where(ratios >= threshold)
    lo_i, hi_i = inside[0], inside[-1]
    lo = xs[lo_i]
    if lo_i > 0:
        lo = float(np.interp(edge, root[[lo_i, lo_i - 1]], xs[[lo_i, lo_i - 1]]))
    hi = xs[hi_i]
    if hi_i < len(xs) - 1:
        hi = float(np.interp(edge, root[[hi_i, hi_i + 1]], xs[[hi_i, hi_i + 1]]))
    return float(lo), float(hi)


def profile(
    fit: FitResult,
    parameters: Sequence[str] | str | None = None,
    *,
    level: float = 0.95,
    run: RunOptions | Mapping[str, Any] | None = None,
    backend: str | None = None,
    n_workers: int | None = None,
    scheduler: str | None = None,
    optimizer: str = "fides",
    max_iter: int = 200,
    whole_path: bool = False,
    seed: int | None = 0,
    progress: bool | None = None,
) -> Profile:
    """Profile likelihoods from the best start of ``fit``.

    Each parameter is stepped away from its optimum in both directions, the others
    re-optimised at every step, until the likelihood ratio falls below the confidence
    threshold (chi-squared, 1 degree of freedom) or the parameter's bound is reached.
    With objective priors in the parameter table the objective is a negative
    log-posterior, and the profiles and intervals are those of the posterior (as in
    pyPESTO).

    Parameters
    ----------
    fit : FitResult
        The result of `fit`.
    parameters : str or sequence of str, optional
        Parameter ids to profile (default: every estimated parameter).
    level : float
        Confidence level of the intervals, in (0, 1).
    run : RunOptions, optional
        Where the profiles run (one task per parameter) and whether pyPESTO shows its
        progress bar (default off here), as in `fit`.
    backend, n_workers, scheduler, progress
        Shorthand for the same fields of ``run``.
    optimizer : {"fides", "lbfgsb"}
        Optimiser of each profile step.
    max_iter : int
        Iterations per profile step.
    whole_path : bool
        Continue to the bounds even past the threshold.
    seed : int or None
        Seeds the random start points a profile step is re-optimised from after it
        fails (drawn as `fit` draws its starts): the same seed gives the same profiles.
        None draws fresh ones.

    Returns
    -------
    Profile

    Warns
    -----
    UserWarning
        For each parameter whose profile is flat (the objective does not change).

    Examples
    --------
    >>> prof = ms.profile(res, ["k_phos"])  # doctest: +SKIP
    >>> prof.intervals                       # doctest: +SKIP
    """
    from scipy.stats import chi2

    opts = fit_run_options(
        run, "profile", backend=backend, n_workers=n_workers, scheduler=scheduler, progress=progress
    )
    check_fit(fit, verb="profile")
    seed = check_seed(seed)
    # any other name ran L-BFGS-B and was recorded as the optimiser; no iterations made
    # every step "stopped before converging"
    check_name(optimizer, OPTIMIZERS, kind="optimizer")
    max_iter = check_count(max_iter, name="max_iter", minimum=1)
    if fit.status == "failed":
        raise MtorSimError(
            f"the fit failed ({fit.message}): there is no optimum to profile from; "
            "fix the problem or its bounds and fit again"
        )
    obj = fit._objective()
    if not 0 < level < 1:
        raise ValueError(f"`level` must be in (0, 1), got {level!r}")
    if parameters is None:
        names = list(obj.x_ids)
    else:
        names = [parameters] if isinstance(parameters, str) else list(parameters)
        if not names:  # (pyPESTO ran, and the intervals table failed on a missing column)
            raise ValueError(
                "`parameters` names no parameter; give ids, or None for every estimated one"
            )
        for n in names:
            check_name(n, obj.x_ids, kind="estimated parameter")
        if len(set(names)) < len(names):
            raise ValueError(f"`parameters` names a parameter more than once: {names}")
    problem = pypesto_problem(obj)
    threshold = float(np.exp(-chi2.ppf(level, 1) / 2))  # likelihood ratio at the CI edge
    index = [obj.x_ids.index(n) for n in names]
    t0 = time.perf_counter()

    def walk(which: list[int], min_step: float | None = None) -> dict[int, Any]:
        step_optimizer = _optimizer(optimizer, max_iter, None)
        # new streams for every walk: the same draws whichever backend runs the profiles
        problem.startpoint_method = _RestartPoints(obj, seed)
        return _walk(problem, fit, step_optimizer, opts, which, threshold, whole_path, min_step)

    failed: dict[int, str] = {}
    try:
        paths = walk(index)
    except RuntimeError:  # pyPESTO gives up on a step it cannot re-optimise: one at a time
        paths = {}
        for i in index:
            try:
                paths.update(walk([i]))
            except RuntimeError as err:
                failed[i] = str(err)
    # pyPESTO's minimum step (0.01 on the parameter's scale) overrides the limit on the
    # ratio's drop per step: for a sharp profile one step from the optimum can pass the
    # interval's edge, which interpolation then misplaces. Such a profile runs again with
    # steps small enough to place the edge.
    for i in paths:
        step = _coarse_step(paths[i], i, threshold)
        if step is not None:
            paths.update(walk([i], step))
    seconds = time.perf_counter() - t0

    def interval(
        name: str, i: int, lower: float, upper: float, verdict: str, n_points: int
    ) -> dict[str, Any]:
        """One row of the intervals table (linear values)."""
        sc = obj.x_scales[i]
        return {
            "parameter": name,
            "best": float(fit.best_parameters[name]),
            "lower": lower,
            "upper": upper,
            "verdict": verdict,
            "bound_lower": float(unscale(obj.lb[i], sc)),
            "bound_upper": float(unscale(obj.ub[i], sc)),
            "scale": sc,
            "n_points": n_points,
        }

    rows, intervals = [], []
    flat, walled, undetermined = [], [], []
    early, n_steps = 0, 0  # profile steps whose optimiser stopped before converging
    resampled = 0  # profile points pyPESTO re-optimised from a random start
    lowest = fit.best_objective
    for name, i in zip(names, index, strict=True):
        if i in failed:
            undetermined.append(name)
            intervals.append(interval(name, i, np.nan, np.nan, "not determined", 0))
            continue
        pr = paths[i]
        xs = np.asarray(pr.x_path)[i]
        ratios = np.asarray(pr.ratio_path, dtype=float)
        # a step that failed may come back without its parameter value: its place in the
        # path (before or after the optimum, which it passes through) says which end
        start = int(np.argmax(ratios >= 1.0 - 1e-12))
        flags = pr.exitflag_path if pr.exitflag_path is not None else [None] * len(ratios)
        for flag, fv, rv in zip(flags, pr.fval_path, ratios, strict=True):
            # not the start, the fit's own optimum with the flag it was given (pyPESTO
            # joins the two halves of a profile there, so it is in the path twice)
            if np.isfinite(fv) and rv < 1.0 - 1e-12:
                n_steps += 1
                early += _out_of_budget(optimizer, flag)
        # after a step failed, pyPESTO optimises from random start points and keeps the
        # first finite result (and colours the point green): a local optimum only
        colours = np.asarray(pr.color_path, dtype=float).reshape(-1, 4)
        finite = np.isfinite(np.asarray(pr.fval_path, dtype=float))
        restarted = int((np.all(np.isclose(colours, RESAMPLED), axis=1) & finite).sum())
        lost = ~np.isfinite(xs)
        lost_lo, lost_hi = bool(lost[:start].any()), bool(lost[start:].any())
        order = np.argsort(xs)
        xs, ratios = xs[order], ratios[order]
        fvals = np.asarray(pr.fval_path, dtype=float)[order]
        s = obj.x_scales[i]
        for xv, fv, rv in zip(xs, fvals, ratios, strict=True):
            rows.append(
                {
                    "parameter": name,
                    "value": float(unscale(xv, s)),
                    "scaled": xv,
                    "fval": fv,
                    "ratio": rv,
                }
            )
        # a point where the model cannot be simulated has an infinite objective, which
        # pyPESTO reports as a ratio of 0: it is not a point where the likelihood fell
        ok = np.isfinite(ratios) & np.isfinite(fvals)
        lowest = min(lowest, float(fvals[ok].min(initial=np.inf)))
        lo, hi = _interval(xs[ok], ratios[ok], threshold)
        # an end is open where the profile stops above the threshold, at a bound or at
        # a wall of points that cannot be simulated
        wall_lo = bool((~ok & (xs < xs[ok][0])).any()) or lost_lo
        wall_hi = bool((~ok & (xs > xs[ok][-1])).any()) or lost_hi
        at_lb = bool(ratios[ok][0] >= threshold and (np.isclose(xs[ok][0], obj.lb[i]) or wall_lo))
        at_ub = bool(ratios[ok][-1] >= threshold and (np.isclose(xs[ok][-1], obj.ub[i]) or wall_hi))
        # flat only when it spans the bounds: one that stopped short could not be simulated
        spans = bool(np.isclose(xs[ok][0], obj.lb[i]) and np.isclose(xs[ok][-1], obj.ub[i]))
        open_at_wall = (at_lb and wall_lo) or (at_ub and wall_hi)
        if open_at_wall:
            walled.append(name)
        if open_at_wall or (ratios[ok].min() >= FLAT_RATIO and not spans):
            # open at a wall of points that cannot be simulated: not a finding about the
            # data, which may well bound the parameter beyond it
            verdict = "not determined"
            undetermined.append(name)
        elif ratios[ok].min() >= FLAT_RATIO:
            verdict = "flat"
            flat.append(name)
        elif at_lb or at_ub:
            verdict = "practically non-identifiable"
        else:
            verdict = "identifiable"
        if verdict != "not determined":  # (beside a wall they are the wall's story)
            resampled += restarted
        lower = np.nan if at_lb else float(unscale(lo, s))
        upper = np.nan if at_ub else float(unscale(hi, s))
        intervals.append(interval(name, i, lower, upper, verdict, int(ok.sum())))
    for name in flat:
        warnings.warn(
            f"the profile of {name!r} is flat: the objective does not change over "
            "its bounds, so the data do not inform it (structurally "
            "non-identifiable, or it does not enter the model's outputs)",
            UserWarning,
            stacklevel=2,
        )
    status = "flat" if flat else "ok"
    what = "posterior" if obj.priors else "likelihood"
    message = f"{len(names)} profiles at {level:.0%} confidence" + (
        f"; flat: {', '.join(flat)}" if flat else ""
    )
    if walled:
        message += (
            f"; {', '.join(walled)}: the model cannot be simulated beyond the last profile "
            f"point, before the {what} falls to the threshold (that end is open, NaN)"
        )
    stopped = [n for n in undetermined if n not in walled]
    if stopped:
        message += (
            f"; {', '.join(stopped)}: the profile could not be walked (no step beside the "
            "optimum could be simulated and re-optimised"
            + (f"; pyPESTO: {next(iter(failed.values()))}" if failed else "")
            + ")"
        )
    if undetermined:
        status = "not_determined"
        message = (
            f"not determined: {', '.join(undetermined)} (verdict 'not determined'; narrow "
            "the bounds to where the model can be simulated, or check the model there). " + message
        )
        warnings.warn(message, UserWarning, stacklevel=2)
    if early:
        status = "not_converged"
        message = (
            f"{early} of {n_steps} profile steps stopped before their optimiser converged "
            f"(max_iter={max_iter}): those points lie above the profile, so the intervals "
            "may be too narrow; raise max_iter. " + message
        )
        warnings.warn(message, UserWarning, stacklevel=2)
    if resampled:  # a profile that could not be determined says more than this
        status = "not_converged" if status in ("ok", "flat") else status
        message = (
            f"{resampled} profile point(s) were optimised from random start points after "
            "their step failed: each is the first finite local optimum found, on or above "
            "the profile, so the intervals may be too narrow (the points are green in "
            "pyPESTO's own profile plots). " + message
        )
        warnings.warn(message, UserWarning, stacklevel=2)
    if fit.status != "ok":
        status = "not_converged"
        message = (
            f"the fit did not converge (status {fit.status!r}: {fit.message}): the "
            "profiles start from a point that may not be the optimum, so these intervals "
            "are at best those of a local optimum; fit again (more starts or iterations) "
            "and profile that fit. " + message
        )
        warnings.warn(message, UserWarning, stacklevel=2)
    if lowest < fit.best_objective - CONFIRM_TOL:
        # every ratio is relative to the fit's best objective, which was not the optimum
        status = "not_optimal"
        message = (
            f"the profiles reached objective {lowest:.6g}, below the fit's best "
            f"{fit.best_objective:.6g} (fit status {fit.status!r}): the fit had not found "
            "the optimum, so these intervals are not confidence intervals; fit again "
            "(more starts or iterations) and profile that fit. " + message
        )
        warnings.warn(message, UserWarning, stacklevel=2)
        for row in intervals:  # relative to a wrong reference: not intervals at all
            row.update(lower=np.nan, upper=np.nan, verdict="not determined")
    meta = {
        "level": level,
        "threshold_ratio": threshold,
        "optimizer": optimizer,
        "seed": seed,
        "backend": opts.backend,
        "seconds": seconds,
        "objective": "negative log-posterior" if obj.priors else "negative log-likelihood",
        "fit": dict(fit.metadata),
    }
    return Profile(
        table=pd.DataFrame(rows),
        intervals=pd.DataFrame(intervals).set_index("parameter"),
        level=level,
        success=status in ("ok", "flat"),
        status=status,
        message=message,
        metadata=meta,
    )
