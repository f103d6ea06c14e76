"""Parameter ensembles of a fit: MCMC sampling (pyPESTO) and predictions with uncertainty."""

from __future__ import annotations

import functools
import json
import logging
import math
import time
import warnings
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from ._errors import MtorSimError, check_count, check_name, check_output_file
from ._fit_objective import PetabObjective, scale, unscale
from ._fit_optimize import FitResult, check_fit, check_seed, map_tasks, pypesto_problem

if TYPE_CHECKING:  # pragma: no cover
    from matplotlib.figure import Figure

__all__ = ["Ensemble", "sample", "SAMPLERS"]

SAMPLERS = ("parallel_tempering", "adaptive_metropolis", "emcee")
#: Shortest chain `sample` accepts (the Geweke test cuts it into 20 fragments).
MIN_SAMPLES = 20
#: Least effective sample size at which the members' quantiles count as reliable: "Both
#: bulk-ESS and tail-ESS should be at least 100 (approximately) per Markov Chain"
#: (rstan's `Rhat` documentation, after Vehtari et al. 2021, Bayesian Anal.
#: 16(2):667). pyPESTO's estimate is that of the chain at temperature 1; emcee's counts
#: all walkers together (so this is the lenient reading for emcee).
MIN_ESS = 100


@dataclass(frozen=True)
class Ensemble:
    """Parameter samples from the posterior of a fit (the parameter table's objective
    priors; uniform within the bounds on the PEtab scale where it gives none).

    Attributes
    ----------
    parameters : pandas.DataFrame
        One row per member (after burn-in and thinning), one column per estimated
        parameter, linear scale.
    neglogpost : numpy.ndarray
        Negative log of each member's posterior density on the PEtab scale: the fit's
        objective, less the Jacobian term of priors on log-scaled parameters' linear values.
    diagnostics : dict
        ``burn_in`` (Geweke test, samples), ``converged`` (the Geweke test found a
        burn-in shorter than the chain), ``effective_sample_size``, ``n_samples`` (the
        chain's length before burn-in and thinning: `sample`'s ``n``, times the walkers
        for emcee), ``acceptance`` (share of accepted steps of the chain at temperature 1; None for
        emcee).
    success, status, message, metadata
        As for every result: ``status`` is ``"ok"``, ``"not_converged"`` or ``"low_ess"``
        (converged, but worth fewer than `MIN_ESS` independent samples: the members
        are kept, and their quantiles, above all a band's 5 and 95 % edges, are rough).
    """

    parameters: pd.DataFrame
    neglogpost: np.ndarray
    diagnostics: dict[str, Any]
    success: bool
    status: str
    message: str
    metadata: dict[str, Any] = field(default_factory=dict)
    objective: PetabObjective | None = field(default=None, repr=False, compare=False)

    def __len__(self) -> int:
        return len(self.parameters)

    def to_dataframe(self) -> pd.DataFrame:
        """Members as rows: parameters (linear) and ``neglogpost``."""
        return self.parameters.assign(neglogpost=self.neglogpost)

    def to_file(self, path: str | Path) -> Path:
        """Write the members (.parquet or .csv) and, beside them, ``<path>.json`` with the
        diagnostics and metadata. Returns the table's path."""
        target, side = _ensemble_paths(path)
        target.parent.mkdir(parents=True, exist_ok=True)
        df = self.to_dataframe()
        if target.suffix.lower() == ".parquet":
            df.to_parquet(target, index=False)
        else:
            df.to_csv(target, index=False)
        side.write_text(
            json.dumps(
                {
                    "diagnostics": self.diagnostics,
                    "status": self.status,
                    "message": self.message,
                    "metadata": self.metadata,
                },
                indent=2,
                default=str,
            )
        )
        return target

    @classmethod
    def from_file(cls, path: str | Path, *, problem: Any = None) -> Ensemble:
        """Read an ensemble written by `to_file`; give the PEtab ``problem`` (YAML path or
        `PetabObjective`) to predict with it."""
        target = Path(path)
        df = pd.read_parquet(target) if target.suffix.lower() == ".parquet" else pd.read_csv(target)
        side = json.loads(target.with_suffix(target.suffix + ".json").read_text())
        obj = None
        if problem is not None:
            obj = problem if isinstance(problem, PetabObjective) else PetabObjective(problem)
        return cls(
            parameters=df.drop(columns=["neglogpost"]),
            neglogpost=df["neglogpost"].to_numpy(float),
            diagnostics=side["diagnostics"],
            success=side["status"] == "ok",
            status=side["status"],
            message=side["message"],
            metadata=side["metadata"],
            objective=obj,
        )

    def scaled(self) -> np.ndarray:
        """Members in the parameters' PEtab scale (rows), the optimiser's coordinates."""
        obj = self._objective()
        return np.column_stack(
            [
                scale(self.parameters[p].to_numpy(float), s)
                for p, s in zip(obj.x_ids, obj.x_scales, strict=True)
            ]
        )

    def predict(
        self,
        fn: Callable[[pd.Series], Any] | None = None,
        *,
        times: Sequence[float] | None = None,
        n: int | None = None,
        quantiles: Sequence[float] = (0.05, 0.5, 0.95),
        backend: str = "serial",
        n_workers: int | None = None,
        seed: int | None = 0,
    ) -> pd.DataFrame:
        """Quantiles of predictions over the ensemble.

        Without ``fn``: every measured observable, in every condition, at ``times`` (model
        time units; default 101 points from 0 to the last measurement), as a long table
        ``observableId, condition, time, q0.05, q0.5, q0.95`` (see `plot_band`).
        With ``fn``: ``fn(parameters)`` for each member (``parameters`` a Series, linear
        scale; it may run any verb and return a number or a Series), and the quantiles of
        its results, one row per quantile.

        Parameters
        ----------
        fn : callable, optional
            Prediction of one member (must pickle for ``backend="processes"``).
        times : sequence of float, optional
            Output times of the observables.
        n : int, optional
            Members used, at least 1 (a random subset, drawn with ``seed``; default all).
        quantiles : sequence of float
            Quantiles in [0, 1].
        backend : {"serial", "processes", "dask"}
            Where the members are simulated.
        """
        q = np.asarray(quantiles, dtype=float)
        if q.ndim != 1 or not q.size or np.any((q < 0) | (q > 1)):
            raise ValueError(f"`quantiles` must be numbers in [0, 1], got {quantiles!r}")
        members = self.parameters
        if not len(members):
            raise MtorSimError(
                f"the ensemble has no members to predict with ({self.status}: {self.message})"
            )
        if n is not None:  # 0 said "no member could be simulated"; -1 failed in numpy
            n = check_count(n, name="n", minimum=1)
        if n is not None and n < len(members):
            rng = np.random.default_rng(seed)
            members = members.iloc[np.sort(rng.choice(len(members), n, replace=False))]
        if fn is not None:
            out = map_tasks(
                fn, [row for _, row in members.iterrows()], backend=backend, n_workers=n_workers
            )
            frame = pd.DataFrame(
                [pd.Series(o) if not np.isscalar(o) else pd.Series({"value": o}) for o in out]
            )
            res = frame.quantile(q)
            res.index = [f"q{v:g}" for v in q]
            return res
        obj = self._objective()
        grid = (
            np.linspace(0.0, float(obj.measurements["time"].max()), 101)
            if times is None
            else np.asarray(times, dtype=float)
        )
        pred = obj.at_times(grid)
        xs = [
            np.array([scale(row[p], s) for p, s in zip(obj.x_ids, obj.x_scales, strict=True)])
            for _, row in members.iterrows()
        ]
        sims = map_tasks(
            functools.partial(_simulate_h, pred), xs, backend=backend, n_workers=n_workers
        )
        solved = [s for s in sims if s is not None]
        if not solved:
            raise MtorSimError("no member of the ensemble could be simulated")
        H = np.vstack(solved)
        m = pred.measurements
        table = pd.DataFrame(
            {
                "observableId": m["observableId"].to_numpy(),
                "condition": [
                    f"{a}->{b}" if a else b
                    for a, b in zip(
                        m["preequilibrationConditionId"], m["simulationConditionId"], strict=True
                    )
                ],
                "time": m["time"].to_numpy(float),
            }
        )
        with np.errstate(invalid="ignore"):
            qs = np.nanquantile(H, q, axis=0)
        for k, v in enumerate(q):
            table[f"q{v:g}"] = qs[k]
        table.attrs["n_members"] = int(len(H))
        table.attrs["n_failed"] = int(len(sims) - len(H))
        return table

    def plot(self) -> Figure:
        """The ensemble's summary figure: `plot_band` (the prediction band with the data)."""
        return self.plot_band()

    def plot_band(self, prediction: pd.DataFrame | None = None, *, data: bool = True) -> Figure:
        """Prediction band (from `predict`, computed here if not given) with the data."""
        from ._fit_plot import plot_band

        pred = self.predict() if prediction is None else prediction
        obj = self._objective()
        # censored rows carry a placeholder value, not a measurement: not drawn as points
        d = obj.measurements.assign(measurement=obj.y)[~obj.censored] if data else None
        return plot_band(pred, data=d)

    def _objective(self) -> PetabObjective:
        if self.objective is None:
            raise MtorSimError(
                "this ensemble has no problem attached; read it with "
                "Ensemble.from_file(path, problem=...) to predict"
            )
        return self.objective

    def __repr__(self) -> str:
        return (
            f"<Ensemble {self.status}: {len(self)} members, ESS "
            f"{self.diagnostics.get('effective_sample_size', float('nan')):.0f}>"
        )


def _ensemble_paths(path: object, *, name: str = "path") -> tuple[Path, Path]:
    """The members' table (``.parquet`` or ``.csv``) and its ``.json`` sidecar, checked."""
    target = check_output_file(path, name=name)
    side = check_output_file(target.with_suffix(target.suffix + ".json"), name=name)
    if target.suffix.lower() not in (".parquet", ".csv"):
        raise ValueError(f"unsupported file type {target.suffix!r}; use .parquet or .csv")
    return target, side


def _simulate_h(obj: PetabObjective, x: np.ndarray) -> np.ndarray | None:
    try:
        return obj.simulate(x)[0]
    except MtorSimError:
        return None


def _emcee_burn_in(chain: Any) -> tuple[int, bool, float | None]:
    """Burn-in (rows of the flattened trace) of an emcee run, whether it is too short,
    and its effective sample size after the burn-in (steps kept times walkers over the
    longest autocorrelation time; None when that time cannot be estimated).

    pyPESTO flattens emcee's walkers step by step into one trace, on which the Geweke
    test compares fragments that each mix every walker: it found no burn-in although the
    walkers start in a tiny ball around the optimum (their spread 1/25 of the posterior's
    after 10 steps). emcee's documentation instead discards a few integrated
    autocorrelation times and asks for a chain of at least 50 of them: 2 times the
    longest parameter's time, in steps, times the number of walkers.
    """
    tau = np.asarray(chain.get_autocorr_time(quiet=True), dtype=float)
    longest = float(np.nanmax(tau)) if tau.size and np.isfinite(tau).any() else math.inf
    steps = int(chain.iteration)
    walkers = int(chain.nwalkers)
    if not math.isfinite(longest) or longest <= 0:
        return steps * walkers, True, None
    burn = min(steps, int(math.ceil(2 * longest)))
    return burn * walkers, steps < 50 * longest, (steps - burn) * walkers / longest


def _steps_for_ess(n: int, burn_share: float, ess: float) -> int:
    """About how many steps (`n`'s unit) reach `MIN_ESS`: the burn-in's share of the
    chain, then the kept part lengthened by MIN_ESS / ESS (independent samples accrue in
    proportion to steps once the chain has forgotten its start)."""
    return int(math.ceil(n * (burn_share + (1 - burn_share) * MIN_ESS / ess) / 1000) * 1000)


def sample(
    fit: FitResult,
    n: int = 10_000,
    *,
    sampler: str = "parallel_tempering",
    n_chains: int = 3,
    seed: int | None = 0,
    thin: int | None = None,
    out: str | Path | None = None,
    progress: bool = False,
) -> Ensemble:
    """Sample the posterior of a fit's parameters by MCMC (pyPESTO), from its best start.

    The posterior is the likelihood times the parameter table's objective priors, and
    uniform within the bounds on the PEtab scale for a parameter without one (PEtab's
    default). The chain runs on the PEtab scale; a prior on a log-scaled parameter's
    linear value is taken to that scale with its Jacobian, so the samples follow that
    parameter's posterior. Burn-in is found by the Geweke test; the effective sample
    size says how many independent samples the chain is worth.

    Parameters
    ----------
    fit : FitResult
        The result of `fit`.
    n : int
        MCMC steps (each one objective evaluation per chain), one sample each: the chain
        holds ``n`` samples (emcee: ``n`` per walker), its start not among them (the
        fit's best point; for parallel tempering, 0.9 of it and 0.1 of a prior draw).
    sampler : {"parallel_tempering", "adaptive_metropolis", "emcee"}
        Adaptive parallel tempering (``n_chains`` temperatures), one adaptive Metropolis
        chain, or emcee's affine-invariant ensemble (2 x parameters + 2 walkers; ``n``
        steps of every walker).
    n_chains : int
        Temperatures of parallel tempering (at least 1); emcee runs at least twice as many
        walkers; the adaptive Metropolis sampler runs one chain.
    seed : int or None
        Seed of the chain (numpy's global generator, which pyPESTO uses).
    thin : int, optional
        Keep every ``thin``-th sample after burn-in (at least 1; default: about 1000
        members).
    out : str or pathlib.Path, optional
        Write the ensemble there (.parquet or .csv, plus a .json sidecar).

    Returns
    -------
    Ensemble

    Examples
    --------
    >>> ens = ms.sample(res, n=5000, out="ensemble.parquet")  # doctest: +SKIP
    >>> band = ens.predict()                                  # doctest: +SKIP
    """
    import pypesto
    import pypesto.sample as ps
    from pypesto.result import OptimizerResult

    check_name(sampler, SAMPLERS, kind="sampler")
    # pyPESTO's Geweke test splits the chain into 20 fragments: fewer samples divide by zero
    n = check_count(n, name="n", minimum=MIN_SAMPLES)
    # a thin of 0 fell back to the default and a negative one reversed the chain; no
    # chain at all failed inside pyPESTO on an index
    n_chains = check_count(n_chains, name="n_chains", minimum=1)
    thin = None if thin is None else check_count(thin, name="thin", minimum=1)
    check_fit(fit, verb="sample")
    seed = check_seed(seed)
    if out is not None:  # before the chain: a bad name was refused only after it ran
        _ensemble_paths(out, name="out")
    if fit.status == "failed":
        raise MtorSimError(
            f"the fit failed ({fit.message}): there is no finite point to start the chain "
            "from; fix the problem or its bounds and fit again"
        )
    obj = fit._objective()
    problem = pypesto_problem(obj, density=True)
    result = pypesto.Result(problem)
    result.optimize_result.append(
        OptimizerResult(id="best", x=fit.best_x, fval=fit.best_objective, exitflag=1)
    )
    quiet = logging.getLogger("pypesto")
    level = quiet.level
    quiet.setLevel(logging.WARNING)  # pyPESTO logs its set-up and diagnostics at INFO
    show = {"show_progress": bool(progress)}
    if sampler == "parallel_tempering":
        smp = ps.AdaptiveParallelTemperingSampler(
            internal_sampler=ps.AdaptiveMetropolisSampler(options=show),
            n_chains=n_chains,
            options=show,
        )
    elif sampler == "emcee":
        smp = ps.EmceeSampler(nwalkers=max(2 * len(obj.x_ids) + 2, 2 * n_chains))
    else:
        smp = ps.AdaptiveMetropolisSampler(options=show)
    state = np.random.get_state()  # noqa: NPY002 - pyPESTO samples with numpy's global RNG
    if seed is not None:
        np.random.seed(seed)  # noqa: NPY002
    t0 = time.perf_counter()
    try:
        result = ps.sample(problem, n_samples=n, sampler=smp, x0=fit.best_x, result=result)
        seconds = time.perf_counter() - t0
        sr = result.sample_result
        # share of steps that moved (not defined for emcee, whose trace interleaves walkers)
        accepted = (
            None
            if sampler == "emcee"
            else float(np.mean(np.any(np.diff(sr.trace_x[0], axis=0) != 0, axis=1)))
        )
        if sampler != "emcee":
            # pyPESTO's Metropolis chains begin their trace with the start (the fit's
            # optimum, not a draw): n steps give n samples, as emcee's walkers do
            sr.trace_x = sr.trace_x[:, 1:]
            sr.trace_neglogpost = sr.trace_neglogpost[:, 1:]
            sr.trace_neglogprior = sr.trace_neglogprior[:, 1:]
        burn_in = int(ps.geweke_test(result))
        ess = ps.effective_sample_size(result)
        rule, too_short = "Geweke", False
        if sampler == "emcee":
            burn_in, too_short, ess = _emcee_burn_in(smp.sampler)
            rule = "2 autocorrelation times of emcee's walkers"
    finally:
        quiet.setLevel(level)
        if seed is not None:
            np.random.set_state(state)  # noqa: NPY002
    trace = np.asarray(sr.trace_x)[0]
    post = np.asarray(sr.trace_neglogpost)[0]
    kept = trace[burn_in:]
    kept_post = post[burn_in:]
    step = thin or max(1, len(kept) // 1000)
    kept, kept_post = kept[::step], kept_post[::step]
    converged = burn_in < len(trace) - 1 and not too_short
    params = pd.DataFrame(
        {
            p: unscale(kept[:, j], s)
            for j, (p, s) in enumerate(zip(obj.x_ids, obj.x_scales, strict=True))
        }
    )
    diag = {
        "burn_in": burn_in,
        "burn_in_rule": rule,
        "converged": bool(converged),
        "effective_sample_size": None if ess is None else float(ess),
        "n_samples": int(len(trace)),
        "thin": int(step),
        "acceptance": accepted,
        "seconds": seconds,
    }
    if converged and ess is not None and ess >= MIN_ESS:
        status, message = (
            "ok",
            (
                f"{len(params)} members after a burn-in of {burn_in} "
                f"({rule}); effective sample size {ess:.0f}"
            ),
        )
    elif converged:
        worth = (
            "its effective sample size could not be estimated"
            if ess is None or not math.isfinite(ess) or ess <= 0
            else f"the chain is worth only {ess:.0f} independent samples (fewer than "
            f"{MIN_ESS}; `n` of about {_steps_for_ess(n, burn_in / len(trace), ess):,} "
            "would reach it)"
        )
        status, message = (
            "low_ess",
            (
                f"{len(params)} members after a burn-in of {burn_in} ({rule}), but "
                f"{worth}: quantiles, above all a band's 5 and 95 % edges, are rough; "
                "sample longer"
            ),
        )
    elif too_short:
        status, message = (
            "not_converged",
            (
                "the chain is shorter than 50 autocorrelation times of emcee's walkers, "
                "too short to estimate them or to have forgotten its start; sample "
                "longer (`n`)"
            ),
        )
    else:
        status, message = (
            "not_converged",
            (
                "the Geweke test found no burn-in within the chain: it has not converged; "
                "sample longer (`n`)"
            ),
        )
    if fit.status != "ok":  # the chain's diagnostics cannot see a mode it never visited
        status = "not_converged" if status == "ok" else status
        message += (
            f"; the chain started from a fit that did not converge (status {fit.status!r}), "
            "so it may explore a local mode only: fit again (more starts or iterations) "
            "and sample from that fit"
        )
        warnings.warn(f"mtor_sim.sample: {message}", UserWarning, stacklevel=2)
    meta = {
        "sampler": sampler,
        "n": n,
        "n_chains": n_chains,
        "seed": seed,
        "fit": dict(fit.metadata),
    }
    ens = Ensemble(
        parameters=params,
        neglogpost=kept_post,
        diagnostics=diag,
        success=status == "ok",
        status=status,
        message=message,
        metadata=meta,
        objective=obj,
    )
    if out is not None:
        ens.to_file(out)
    return ens
