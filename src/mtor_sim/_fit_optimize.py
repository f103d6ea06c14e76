"""Multi-start maximum-likelihood estimation of a PEtab problem with pyPESTO.

The objective (`PetabObjective`) is wrapped as a ``pypesto`` objective that returns the
negative log-likelihood, its finite-difference gradient and a Gauss-Newton Hessian; pyPESTO
runs the starts (optimiser ``fides`` by default, or ``scipy`` L-BFGS-B) on the package's
backends: serial, processes (``pypesto.engine.MultiProcessEngine``) or Dask.
"""

from __future__ import annotations

import functools
import json
import logging
import math
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from ._errors import (
    MtorSimError,
    PetabError,
    check_count,
    check_name,
    check_nonnegative,
    check_output_file,
)
from ._fit_objective import PetabObjective, unscale
from ._options import RunOptions, resolve_run

if TYPE_CHECKING:  # pragma: no cover
    from matplotlib.figure import Figure

__all__ = ["FitResult", "fit", "OPTIMIZERS"]

OPTIMIZERS = ("fides", "lbfgsb")
#: A best start that stopped without a convergence flag (e.g. fides' trust region shrinking
#: to round-off, common with finite-difference gradients) still counts as an optimum when a
#: converged start ends within this of it (negative log-likelihood units; a 95% profile
#: interval spans 1.92).
CONFIRM_TOL = 0.01
#: fides' exit flag when its trust region shrinks below round-off
#: (``fides.constants.ExitFlag.DELTA_TOO_SMALL``): at a stall, and since fides 0.8 also
#: when a start begins at an optimum (the CLI's profile and sample refit from a fit's best
#: point), so such an end is judged by the same test as a convergence flag's.
FIDES_DELTA_TOO_SMALL = -5


# ------------------------------------------------------------- the pyPESTO objective
def _pypesto_objective(obj: PetabObjective, *, density: bool = False) -> Any:
    """``obj`` as a ``pypesto.objective.ObjectiveBase`` (fval, gradient, Hessian); with
    ``density``, its value only, less `PetabObjective.log_jacobian`: the negative log of the
    posterior density on the PEtab scale, which MCMC samples."""
    from pypesto.C import FVAL, GRAD, HESS, MODE_FUN
    from pypesto.objective import ObjectiveBase

    class _Objective(ObjectiveBase):
        def __init__(self, petab_objective: PetabObjective) -> None:
            super().__init__(x_names=petab_objective.x_ids)
            self.petab_objective = petab_objective
            self._cache: tuple[bytes, Any] | None = None

        def check_sensi_orders(self, sensi_orders: tuple[int, ...], mode: str) -> bool:
            return mode == MODE_FUN and max(sensi_orders, default=0) <= 2

        def check_mode(self, mode: str) -> bool:
            return mode == MODE_FUN

        def call_unprocessed(
            self,
            x: np.ndarray,
            sensi_orders: tuple[int, ...],
            mode: str,
            return_dict: bool,
            **kwargs: Any,
        ) -> dict[str, Any]:
            x = np.asarray(x, dtype=float)
            if max(sensi_orders, default=0) == 0:
                f = self.petab_objective(x)
                if density and math.isfinite(f):
                    f -= self.petab_objective.log_jacobian(x)
                return {FVAL: f}
            key = x.tobytes()
            if self._cache is None or self._cache[0] != key:
                self._cache = (key, self.petab_objective.derivatives(x))
            f, g, h = self._cache[1]
            out: dict[str, Any] = {FVAL: f}
            if 1 in sensi_orders:
                out[GRAD] = g.copy()  # optimisers may write into what they get
            if 2 in sensi_orders:
                out[HESS] = h.copy()
            return out

    return _Objective(obj)


def pypesto_problem(
    obj: PetabObjective, x_guesses: np.ndarray | None = None, *, density: bool = False
) -> Any:
    """A ``pypesto.Problem`` over the estimated parameters, in their PEtab scale (with
    ``density``, for sampling: see `_pypesto_objective`)."""
    import pypesto

    return pypesto.Problem(
        _pypesto_objective(obj, density=density),
        lb=obj.lb,
        ub=obj.ub,
        x_names=obj.x_ids,
        x_scales=obj.x_scales,
        x_guesses=x_guesses,
        copy_objective=False,
    )


def _optimizer(name: str, max_iter: int, max_time: float | None) -> Any:
    import pypesto.optimize as po

    if name == "fides":
        import fides

        opts: dict[str, Any] = {fides.Options.MAXITER: max_iter}
        if max_time is not None:
            opts[fides.Options.MAXTIME] = max_time
        return po.FidesOptimizer(options=opts, verbose=logging.ERROR)
    opts = {"maxiter": max_iter, "ftol": 1e-12, "gtol": 1e-6}  # scipy stops at 2e-9 otherwise
    return po.ScipyOptimizer(method="L-BFGS-B", options=opts)


def _engine(backend: str, n_workers: int | None, scheduler: str | None) -> Any:
    import os

    import pypesto.engine as pe

    if backend == "serial":
        return pe.SingleCoreEngine()
    workers = n_workers or os.cpu_count() or 1
    if backend == "processes":
        from ._backends import _can_fork

        return pe.MultiProcessEngine(n_procs=workers, method="fork" if _can_fork() else "spawn")
    return _DaskEngine(workers, scheduler)


class _DaskEngine:
    """A pyPESTO engine that runs each task on Dask (a local cluster, or ``scheduler``)."""

    def __init__(self, workers: int, scheduler: str | None) -> None:
        self.workers, self.scheduler = workers, scheduler

    def execute(self, tasks: list[Any], progress_bar: bool | None = None) -> list[Any]:
        try:
            from dask.distributed import Client, LocalCluster
        except ImportError:
            raise MtorSimError(
                "backend='dask' needs dask.distributed: pip install 'mtor_sim[dask]'"
            ) from None
        cluster = None
        if self.scheduler is None:
            cluster = LocalCluster(
                n_workers=self.workers, threads_per_worker=1, processes=True, dashboard_address=None
            )
            client = Client(cluster)
        else:
            client = Client(self.scheduler)
        try:
            futures = [client.submit(_execute_task, t, pure=False) for t in tasks]
            return client.gather(futures)
        finally:
            client.close()
            if cluster is not None:
                cluster.close()


def _execute_task(task: Any) -> Any:
    return task.execute()


def check_seed(seed: object) -> int | None:
    """A random seed: None, or an integer >= 0 (not a bool, not a float)."""
    return None if seed is None else check_count(seed, name="seed", minimum=0)


def check_fit(fit: object, *, verb: str) -> None:
    """Refuse what is not a `FitResult` (a problem's file name, None), which otherwise
    failed on one of its missing attributes."""
    if not isinstance(fit, FitResult):
        raise TypeError(
            f"`{verb}` takes the FitResult that ms.fit returns, got "
            f"{type(fit).__name__} {str(fit)[:60]!r}"
        )


# -------------------------------------------------------------------------- result
@dataclass(frozen=True)
class FitResult:
    """The result of `fit`: every start, the best parameters, and how they were found.

    Attributes
    ----------
    best_objective : float
        Smallest objective found (pyPESTO's ``fval``): the negative log-likelihood (PEtab's
        convention), plus the negative log-prior where the parameter table gives objective
        priors (``metadata["objective"]`` says which).
    best_parameters : pandas.Series
        Estimated parameters of the best start, linear scale, by parameter id.
    starts : pandas.DataFrame
        One row per start, best first: ``start``, ``fval``, ``success``, ``exitflag``,
        ``message``, ``n_fval``, ``n_grad``, ``seconds`` and the parameters in their PEtab
        scale (one column per parameter).
    success : bool
        True when ``status == "ok"``: the best start ended at a converged optimum.
    status : str
        ``"ok"``, ``"not_converged"`` (the best start stopped at an iteration or time limit,
        or the parameter table's nominal values, where they lie within the bounds, give a
        lower objective than it: a local optimum only) or ``"failed"`` (no start reached a
        finite objective).
    message : str
        What happened, in words.
    metadata : dict
        Problem, optimiser, seed, backend, tolerances, times (JSON-safe).
    """

    best_objective: float
    best_parameters: pd.Series
    starts: pd.DataFrame
    success: bool
    status: str
    message: str
    metadata: dict[str, Any] = field(default_factory=dict)
    objective: PetabObjective | None = field(default=None, repr=False, compare=False)

    @property
    def x_ids(self) -> list[str]:
        return list(self.best_parameters.index)

    @property
    def best_x(self) -> np.ndarray:
        """Best parameters in their PEtab scale (the optimiser's coordinates)."""
        return self.starts.iloc[0][self.x_ids].to_numpy(float)

    def to_dataframe(self) -> pd.DataFrame:
        """Every start (a copy of `starts`)."""
        return self.starts.copy()

    def simulation(self) -> pd.DataFrame:
        """The measurement table with the best fit's ``simulation`` column."""
        obj = self._objective()
        sim = obj.simulation_df(self.best_x)
        return sim.assign(measurement=obj.y)

    def to_file(self, path: str | Path) -> Path:
        """Write the starts table (.csv, .parquet or .json by extension); the JSON file also
        holds the best parameters and the metadata. Returns the path."""
        target = check_output_file(path)
        target.parent.mkdir(parents=True, exist_ok=True)
        fmt = target.suffix.lstrip(".").lower()
        if fmt == "csv":
            self.starts.to_csv(target, index=False)
        elif fmt == "parquet":
            self.starts.to_parquet(target, index=False)
        elif fmt == "json":
            doc = {
                "best_objective": self.best_objective,
                "best_parameters": {k: float(v) for k, v in self.best_parameters.items()},
                "status": self.status,
                "message": self.message,
                "metadata": self.metadata,
                "starts": json.loads(self.starts.to_json(orient="records")),
            }
            target.write_text(json.dumps(doc, indent=2, default=_json_default))
        else:
            raise ValueError(
                f"unsupported file type {target.suffix!r}; use .csv, .parquet or .json"
            )
        return target

    def plot(self) -> Figure:
        """The fit's summary figure: `plot_fit` (data and best-fit simulation);
        `plot_waterfall` shows every start's objective."""
        return self.plot_fit()

    def plot_waterfall(self, *, ax: Any = None) -> Figure:
        """Final objective of every start, sorted (a waterfall plot)."""
        from ._fit_plot import plot_waterfall

        return plot_waterfall(self, ax=ax)

    def plot_fit(self) -> Figure:
        """Data and best-fit simulation against time, one panel per observable, one colour
        per condition."""
        from ._fit_plot import plot_fit

        return plot_fit(self)

    def _objective(self) -> PetabObjective:
        if self.objective is None:
            raise MtorSimError(
                "this result has no objective attached (it was read from a "
                "file); fit again to simulate"
            )
        return self.objective

    def __repr__(self) -> str:
        ok = int(self.starts["success"].sum())
        return (
            f"<FitResult {self.status}: best objective {self.best_objective:.6g}, "
            f"{ok}/{len(self.starts)} starts converged>"
        )


def _json_default(v: Any) -> Any:
    if isinstance(v, np.generic):
        return v.item()
    if isinstance(v, np.ndarray):
        return v.tolist()
    return str(v)


#: Largest norm of the projected gradient at which an L-BFGS-B start counts as converged
#: (forward-difference gradients differ from central ones by up to ~3e-3 per component at
#: Boehm 2014's optimum, a norm of 0.070 against 0.069). L-BFGS-B reports convergence
#: when its line search stalls, e.g. next to parameters where the model cannot be simulated.
GRAD_TOL = 1e-2
#: Trust radius (in scaled parameters: a decade for log10 ones) of the decrease a fides start
#: must not leave on the table (`_cauchy_decrease`).
TRUST_RADIUS = 1.0


def _projected(
    x: np.ndarray, grad: Any, lb: np.ndarray, ub: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """The gradient with the components that push out of a bound it sits on set to 0, and
    the mask of the parameters free to move."""
    g = np.asarray(grad, dtype=float).copy()
    held = ((x <= lb + 1e-9) & (g > 0)) | ((x >= ub - 1e-9) & (g < 0))
    g[held] = 0.0  # at a bound, pushing outwards is fine
    return g, ~held


def _cauchy_decrease(g: np.ndarray, hess: np.ndarray, radius: float = TRUST_RADIUS) -> float:
    """How much the objective's quadratic model (gradient ``g``, Hessian ``hess``) falls at
    its minimum along ``-g`` within ``radius``: the Cauchy point's decrease."""
    norm = float(np.linalg.norm(g))
    if norm == 0.0:
        return 0.0
    curve = float(g @ hess @ g)
    if curve > 0.0 and norm**3 / curve <= radius:
        return norm**4 / (2.0 * curve)
    return norm * radius - 0.5 * (radius / norm) ** 2 * max(curve, 0.0)


def _converged(
    optimizer: str,
    exitflag: Any,
    fval: float,
    x: np.ndarray | None = None,
    grad: np.ndarray | None = None,
    lb: np.ndarray | None = None,
    ub: np.ndarray | None = None,
    hess: np.ndarray | None = None,
) -> bool:
    """Whether a start ended at an optimum, not only where its optimiser stopped.

    fides stops on a small change of the objective or of the parameters (exit flags 1, 2)
    as well as of the gradient (3), and stalls so next to parameters where the model cannot
    be simulated (its trust region collapses, `FIDES_DELTA_TOO_SMALL`, as it also does
    when a start begins at an optimum). So a fides start (with one of those flags or a
    collapsed trust region) counts only when the
    quadratic model at its end (its gradient and the objective's Gauss-Newton Hessian
    there, `_end_hessian`, projected on the bounds) predicts no decrease above
    `CONFIRM_TOL` along the gradient within `TRUST_RADIUS`: about 1e-6 at the local
    optima of Boehm 2014, 5 and more at a stall beside a region the model cannot be
    simulated in. An L-BFGS-B start needs exit flag 0 and a projected gradient of norm at
    most `GRAD_TOL`.
    """
    if not math.isfinite(fval):
        return False
    try:
        flag = int(exitflag)
    except (TypeError, ValueError):
        return False
    if optimizer == "fides":  # 1 ftol, 2 xtol, 3 gtol
        if flag <= 0 and flag != FIDES_DELTA_TOO_SMALL:
            return False
        if grad is None or x is None or lb is None or ub is None or hess is None:
            return flag > 0  # a collapsed trust region counts only where it is confirmed
        g, free = _projected(x, grad, lb, ub)
        h = np.asarray(hess, dtype=float)[np.ix_(free, free)]
        if not (np.all(np.isfinite(g)) and np.all(np.isfinite(h))):
            return False
        return _cauchy_decrease(g[free], h) <= CONFIRM_TOL
    if flag != 0:
        return False
    if grad is None or x is None or lb is None or ub is None:
        return True
    g, _ = _projected(x, grad, lb, ub)
    return bool(np.all(np.isfinite(g)) and np.linalg.norm(g) <= GRAD_TOL)


def _end_hessian(
    obj: PetabObjective, optimizer: str, exitflag: Any, x: np.ndarray, fval: float, hess: Any
) -> Any:
    """The Hessian a fides start's end is judged with (`_converged`): the objective's
    Gauss-Newton matrix at ``x``, computed afresh. The matrix fides returns is the one it
    last used, and pyPESTO's default update (``HybridFixed``) switches from the objective's
    matrix to BFGS for good after 20 iterations without a trust-region update. Other
    optimisers, and starts that did not end or end at no finite value, keep ``hess``."""
    if optimizer != "fides" or not math.isfinite(fval) or exitflag is None:
        return hess
    flag = int(exitflag)
    if (flag <= 0 and flag != FIDES_DELTA_TOO_SMALL) or not np.all(np.isfinite(x)):
        return hess
    return obj.derivatives(x)[2]


# ---------------------------------------------------------------------------- verb
#: The run options a fit uses: where its tasks run, and pyPESTO's progress bar.
FIT_RUN_FIELDS = ("backend", "n_workers", "scheduler", "progress")


def fit_run_options(
    run: RunOptions | Mapping[str, Any] | None, verb: str, **shorthand: Any
) -> RunOptions:
    """A fit's run options: as every batch verb's, with the progress bar off unless asked
    (pyPESTO's bars are per start)."""
    return resolve_run(run, verb=verb, allowed=FIT_RUN_FIELDS, quiet=True, **shorthand)


def fit(
    problem: Any,
    *,
    n_starts: int = 20,
    seed: int | None = 0,
    run: RunOptions | Mapping[str, Any] | None = None,
    backend: str | None = None,
    n_workers: int | None = None,
    scheduler: str | None = None,
    optimizer: str = "fides",
    max_iter: int = 1000,
    max_time: float | None = None,
    measurements: pd.DataFrame | str | Path | None = None,
    observables: pd.DataFrame | dict[str, str] | None = None,
    parameters: Sequence[str] | dict[str, tuple[float, float]] | pd.DataFrame | None = None,
    conditions: pd.DataFrame | None = None,
    rtol: float = 1e-12,
    atol: float = 1e-14,
    x0: Sequence[Sequence[float]] | None = None,
    screen: int | None = None,
    progress: bool | None = None,
) -> FitResult:
    """Maximum-likelihood (or, with priors, maximum a posteriori) estimation of a PEtab
    problem by multi-start optimisation.

    Objective priors of the parameter table (``objectivePriorType``, PEtab v1's eight
    types) add their negative log densities to the objective, as pyPESTO does.

    Parameters
    ----------
    problem : str, pathlib.Path, petab.v1.Problem, PetabObjective or Model
        A PEtab problem (its YAML file or loaded), or a model (`Model`, or an SBML/Antimony
        path) together with ``measurements``: then `to_petab` builds the problem.
    n_starts : int
        Number of starts, drawn uniformly in the bounds (PEtab scale), or from the parameter
        table's initialization priors (``initializationPriorType``) where it gives them.
    seed : int or None
        Seed of the start points.
    run : RunOptions, optional
        Where the starts run (``backend``: ``n_workers`` processes, or a Dask
        ``scheduler`` address) and whether pyPESTO shows its progress bar (default off
        here). ``out``, ``chunk_size`` and ``resume`` do not apply to a fit.
    backend, n_workers, scheduler, progress
        Shorthand for the same fields of ``run``.
    optimizer : {"fides", "lbfgsb"}
        fides (trust region with the Gauss-Newton Hessian) or scipy's L-BFGS-B.
    max_iter : int
        Iterations per start.
    max_time : float or None, s
        Wall-time cap per start (fides only).
    measurements, observables, parameters, conditions
        With a model: the measurement table in PEtab columns, observable formulas, the
        parameters to estimate and the condition table (what each condition id sets, e.g.
        a drug's ``dose_<drug>`` parameter; see `to_petab`).
    rtol, atol : float
        ODE tolerances of the objective.
    x0 : sequence of sequences, optional
        Start points (PEtab scale) used before random ones, at most ``n_starts`` of them.
    screen : int, optional
        Draw this many points (as the starts are drawn), evaluate the objective at each
        (on the backend) and start from the best of them (after ``x0``'s points): a cheap
        global stage before the local searches. Only points with a finite objective are
        kept; starts left without one are drawn as without a screen.

    Returns
    -------
    FitResult

    Examples
    --------
    >>> import mtor_sim as ms
    >>> res = ms.fit("Boehm_JProteomeRes2014.yaml", n_starts=20, seed=0)  # doctest: +SKIP
    >>> res.best_objective                                                 # doctest: +SKIP
    138.2219...
    """
    import pypesto.optimize as po

    opts = fit_run_options(
        run, "fit", backend=backend, n_workers=n_workers, scheduler=scheduler, progress=progress
    )
    backend, n_workers, scheduler = opts.backend, opts.n_workers, opts.scheduler
    progress = opts.progress
    check_name(optimizer, OPTIMIZERS, kind="optimizer")
    n_starts = check_count(n_starts, name="n_starts", minimum=1)
    seed = check_seed(seed)
    check_count(max_iter, name="max_iter", minimum=1)
    if max_time is not None:  # a start given no time would end not converged, at once
        check_nonnegative(max_time, name="max_time", allow_zero=False)
        if optimizer != "fides":  # scipy's L-BFGS-B has no time limit: it was ignored
            raise ValueError(
                f"`max_time` applies to optimizer='fides' only; {optimizer!r} has no time "
                "limit (bound it with `max_iter`)"
            )
    obj = objective_from(
        problem,
        measurements=measurements,
        observables=observables,
        parameters=parameters,
        conditions=conditions,
        rtol=rtol,
        atol=atol,
    )
    # checked before the screen, which would run for a refused point
    given = [] if x0 is None else list(_checked_x0(obj, x0, n_starts))
    if screen is not None:  # 0 is refused, not read as no screen
        screen = check_count(screen, name="screen (at least n_starts)", minimum=n_starts)
        # the caller's points first, then the best of the screen for the remaining starts;
        # starts the screen found no finite point for are drawn on from its stream
        screened, rng = _screened_points(
            obj, max(0, n_starts - len(given)), screen, seed, backend, n_workers
        )
        x0 = (given + list(screened)) or None
    else:
        rng = np.random.default_rng(seed)
    guesses, redrawn, unplaced = _start_points(obj, n_starts, seed, x0, rng=rng)
    pproblem = pypesto_problem(obj, x_guesses=guesses)
    t0 = time.perf_counter()
    result = po.minimize(
        pproblem,
        optimizer=_optimizer(optimizer, max_iter, max_time),
        n_starts=n_starts,
        engine=_engine(backend, n_workers, scheduler),
        progress_bar=progress,
        options=po.OptimizeOptions(allow_failed_starts=True),
    )
    seconds = time.perf_counter() - t0
    rows = []
    for r in result.optimize_result.list:
        x = np.asarray(r.x if r.x is not None else np.full(len(obj.x_ids), np.nan), float)
        fval = float(r.fval) if r.fval is not None and np.isfinite(r.fval) else math.inf
        rows.append(
            {
                "start": int(str(r.id)),
                "fval": fval,
                "success": _converged(
                    optimizer,
                    r.exitflag,
                    fval,
                    x,
                    None if r.grad is None else obj.stationarity_gradient(x, r.grad),
                    obj.lb,
                    obj.ub,
                    _end_hessian(obj, optimizer, r.exitflag, x, fval, r.hess),
                ),
                "exitflag": r.exitflag if r.exitflag is None else int(r.exitflag),
                "message": str(r.message),
                "n_fval": int(r.n_fval or 0),
                "n_grad": int(r.n_grad or 0),
                "seconds": float(r.time or 0.0),
                **dict(zip(obj.x_ids, x, strict=True)),
            }
        )
    starts = pd.DataFrame(rows).sort_values(["fval", "start"], kind="stable")
    starts = starts.reset_index(drop=True)
    best = starts.iloc[0]
    best_x = best[obj.x_ids].to_numpy(float)
    best_par = pd.Series(
        [float(unscale(v, s)) for v, s in zip(best_x, obj.x_scales, strict=True)],
        index=pd.Index(obj.x_ids, name="parameterId"),
        name="value",
    )
    finite = int(np.isfinite(starts["fval"]).sum())
    if not finite:
        status, message = (
            "failed",
            (
                f"no start of {n_starts} reached a finite objective; "
                "check the bounds and the model's simulations"
            ),
        )
    elif bool(best["success"]) or bool(
        (starts["success"] & (starts["fval"] <= best["fval"] + CONFIRM_TOL)).any()
    ):
        status, message = (
            "ok",
            (
                f"best of {n_starts} starts: {best['fval']:.6g} "
                f"({best['message']}; reached by "
                f"{int((starts['fval'] <= best['fval'] + CONFIRM_TOL).sum())}"
                f" start(s) within {CONFIRM_TOL}"
                + (f"; {n_starts - finite} start(s) failed" if finite < n_starts else "")
                + ")"
            ),
        )
    else:
        stalled = (
            optimizer == "fides"
            and pd.notna(best["exitflag"])
            and (int(best["exitflag"]) > 0 or int(best["exitflag"]) == FIDES_DELTA_TOO_SMALL)
        )
        why = (
            f"the best start stopped ({best['message']}) where its gradient still points to "
            "a lower objective: a stall, e.g. beside parameters where the model cannot be "
            "simulated (narrow the bounds away from them)"
            if stalled
            else f"the best start stopped before convergence ({best['message']})"
        )
        more = (
            "iterations (`max_iter`), more time (`max_time`)"
            if max_time is not None
            else "iterations (`max_iter`)"
        )
        status, message = "not_converged", f"{why}; try more {more} or more starts"
        kinked = [p.parameter for p in obj.priors if p.kink() is not None]
        if stalled and kinked:
            message += (
                f"; the objective has a kink at the location of the Laplace-type prior of "
                f"{', '.join(kinked)}, where fides' trust region can stall: "
                "optimizer='lbfgsb' handles it better"
            )
    if unplaced:
        message += (
            f"; {unplaced} start(s) found no point with a finite objective in {MAX_DRAWS} "
            "draws (the model cannot be simulated there, or a prior rules it out)"
        )
    nominal = _nominal(obj)
    # nominal values outside the bounds (the linter allows them) are no point the starts
    # could reach: a lower objective there says nothing of the fit
    reachable = bool(np.all((obj.x_nominal >= obj.lb) & (obj.x_nominal <= obj.ub)))
    if (
        status == "ok"
        and reachable
        and nominal is not None
        and nominal < best["fval"] - CONFIRM_TOL
    ):
        status, message = (  # the starts found a local optimum only
            "not_converged",
            (
                f"the parameter table's nominal values give a lower objective ({nominal:.6g}) "
                f"than the best of {n_starts} starts ({best['fval']:.6g}): the starts "
                "reached a local optimum only; try more starts, or start from the nominal "
                f"values (`x0=[fit.objective.x_nominal]`); {message}"
            ),
        )
    meta = {
        "source": obj.source,
        "n_starts": n_starts,
        "seed": seed,
        "optimizer": optimizer,
        "max_iter": max_iter,
        "max_time": max_time,
        "backend": backend,
        "n_workers": None if backend == "serial" else n_workers,
        "rtol": obj.rtol,
        "atol": obj.atol,
        "fd_step": obj.fd_step,
        "seconds": seconds,
        "redrawn_start_points": redrawn,
        "unplaced_start_points": unplaced,
        "screen": screen,
        "x_ids": obj.x_ids,
        "x_scales": obj.x_scales,
        "n_measurements": int(len(obj.y)),
        "n_conditions": len(obj.conditions),
        "nominal_objective": nominal,
        "objective": "negative log-posterior" if obj.priors else "negative log-likelihood",
        "priors": {p.parameter: f"{p.kind}({p.a:g}; {p.b:g})" for p in obj.priors},
    }
    from . import __version__

    meta["package_version"] = __version__
    return FitResult(
        best_objective=float(best["fval"]),
        best_parameters=best_par,
        starts=starts,
        success=status == "ok",
        status=status,
        message=message,
        metadata=meta,
        objective=obj,
    )


#: Draws per start for a start point whose objective is finite (as pyPESTO's ``check_fval``).
MAX_DRAWS = 50


def _screened_points(
    obj: PetabObjective,
    n_starts: int,
    screen: int,
    seed: int | None,
    backend: str,
    n_workers: int | None,
) -> tuple[np.ndarray, np.random.Generator]:
    """The ``n_starts`` best of ``screen`` draws (PEtab scale; uniform, or from the
    initialization priors) by objective value, those with a finite objective only (a
    point where the model cannot be simulated was a start that failed at once, where
    `_start_points` draws again), and the generator they were drawn from."""
    rng = np.random.default_rng(seed)
    cands = obj.start_draws(rng, screen)
    fvals = np.asarray(map_tasks(obj, list(cands), backend=backend, n_workers=n_workers))
    order = np.argsort(np.where(np.isfinite(fvals), fvals, np.inf), kind="stable")
    best = order[:n_starts]
    return cands[best[np.isfinite(fvals[best])]], rng


def _checked_x0(obj: PetabObjective, x0: Any, n_starts: int) -> np.ndarray:
    """``x0`` as rows of start points (PEtab scale), each inside the bounds, no more of
    them than ``n_starts`` (the rows beyond were dropped without a word)."""
    given = np.atleast_2d(np.asarray(x0, dtype=float))
    if given.ndim != 2 or given.shape[1] != len(obj.x_ids):
        raise ValueError(f"`x0` rows must have {len(obj.x_ids)} values")
    if len(given) > n_starts:
        raise ValueError(
            f"`x0` has {len(given)} start points but `n_starts` is {n_starts}: ask for at "
            "least as many starts as points"
        )
    outside = ~((given >= obj.lb) & (given <= obj.ub))
    if outside.any():
        row, col = map(int, np.argwhere(outside)[0])
        raise ValueError(
            f"`x0` row {row} puts {obj.x_ids[col]!r} at {given[row, col]:g} (PEtab scale "
            f"{obj.x_scales[col]}), outside its bounds [{obj.lb[col]:g}, {obj.ub[col]:g}]"
        )
    return given


def _start_points(
    obj: PetabObjective,
    n_starts: int,
    seed: int | None,
    x0: Sequence[Sequence[float]] | None,
    *,
    rng: np.random.Generator | None = None,
) -> tuple[np.ndarray, int, int]:
    """Start points uniform in the bounds (PEtab scale), or drawn from the parameter
    table's initialization priors, redrawn where the objective is not finite (the model
    cannot be simulated, or a point is outside a uniform prior); returns them and the
    number of redraws and of starts that found no finite point in `MAX_DRAWS` draws.
    ``rng`` (default: one seeded with ``seed``) draws them."""
    rng = np.random.default_rng(seed) if rng is None else rng
    guesses = np.empty((n_starts, len(obj.x_ids)))
    given = np.empty((0, len(obj.x_ids)))
    if x0 is not None:
        given = _checked_x0(obj, x0, n_starts)
        guesses[: len(given)] = given
    redrawn = unplaced = 0
    for k in range(len(given), n_starts):
        for _ in range(MAX_DRAWS):
            guesses[k] = obj.start_draws(rng, 1)[0]
            # the optimiser's first call asks for derivatives: they must exist too
            if math.isfinite(obj(guesses[k])) and math.isfinite(obj.derivatives(guesses[k])[0]):
                break
            redrawn += 1
        else:
            unplaced += 1  # the start keeps its last draw, and fails
    return guesses, redrawn, unplaced


def _nominal(obj: PetabObjective) -> float | None:
    """Objective at the parameter table's nominal values (None if it cannot be simulated)."""
    if not np.all(np.isfinite(obj.x_nominal)):
        return None
    v = obj(obj.x_nominal)
    return float(v) if math.isfinite(v) else None


def objective_from(
    problem: Any,
    *,
    measurements: Any = None,
    observables: Any = None,
    parameters: Any = None,
    conditions: Any = None,
    rtol: float = 1e-12,
    atol: float = 1e-14,
) -> PetabObjective:
    """A `PetabObjective` from a PEtab problem, or from a model plus a measurement table."""
    if isinstance(problem, PetabObjective):
        return problem
    if measurements is not None:
        from ._fit_petab import to_petab

        problem = to_petab(
            problem,
            measurements,
            observables=observables,
            parameters=parameters,
            conditions=conditions,
        )
    elif isinstance(problem, str | Path) and Path(problem).suffix.lower() not in (".yaml", ".yml"):
        raise PetabError(
            f"{str(problem)!r} is not a PEtab YAML file; to fit a model, pass "
            "`measurements=` (a table in PEtab columns) too"
        )
    return PetabObjective(problem, rtol=rtol, atol=atol)


# ------------------------------------------------------------- a generic parallel map
def _call_pickled(fn_bytes: bytes, chunk: list[Any]) -> list[Any]:
    """``fn`` on each item of a chunk; ``fn`` is unpickled once per chunk (a model's
    objective compiles its simulator on first use)."""
    import pickle

    # the function was pickled by this process a moment ago (trusted; not untrusted data)
    fn = pickle.loads(fn_bytes)  # noqa: S301
    return [fn(item) for item in chunk]


def map_tasks(
    fn: Any,
    items: Sequence[Any],
    *,
    backend: str = "serial",
    n_workers: int | None = None,
    scheduler: str | None = None,
) -> list[Any]:
    """``[fn(item) for item in items]`` on the package's backends, in order.

    (A small stand-in for the batch runner's backends, which map conditions onto chunks
    and parts; this maps any picklable function.)
    """
    import os

    # checked as a batch verb checks them: `n_workers` on the serial backend is refused,
    # not ignored (`Ensemble.predict(n_workers=8)` ran in this one process)
    RunOptions(backend=backend, n_workers=n_workers, scheduler=scheduler)
    items = list(items)
    if backend == "serial" or len(items) <= 1:
        return [fn(i) for i in items]
    workers = n_workers or os.cpu_count() or 1
    if backend == "processes":
        import multiprocessing
        from concurrent.futures import ProcessPoolExecutor

        import cloudpickle  # a pyPESTO dependency: lambdas and closures pickle too

        from ._backends import _can_fork

        ctx = multiprocessing.get_context("fork" if _can_fork() else "spawn")
        call = functools.partial(_call_pickled, cloudpickle.dumps(fn))
        size = max(1, math.ceil(len(items) / (4 * workers)))
        chunks = [items[i : i + size] for i in range(0, len(items), size)]
        with ProcessPoolExecutor(max_workers=workers, mp_context=ctx) as pool:
            return [r for part in pool.map(call, chunks) for r in part]
    try:
        from dask.distributed import Client, LocalCluster
    except ImportError:
        raise MtorSimError(
            "backend='dask' needs dask.distributed: pip install 'mtor_sim[dask]'"
        ) from None
    cluster = (
        LocalCluster(
            n_workers=workers, threads_per_worker=1, processes=True, dashboard_address=None
        )
        if scheduler is None
        else None
    )
    client = Client(cluster if cluster is not None else scheduler)
    try:
        return client.gather(client.map(fn, items, pure=False))
    finally:
        client.close()
        if cluster is not None:
            cluster.close()
