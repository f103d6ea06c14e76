"""The objective of a PEtab problem: its negative log-likelihood, simulated with libroadrunner.

PEtab (v1) describes a calibration problem in tables: conditions, observables with formulas
and noise models, measurements, parameters with scales and bounds. This module turns one into
a function of the estimated parameters (in their PEtab scale) that returns the negative
log-likelihood in PEtab's convention (the value pyPESTO reports as ``fval``), with a
finite-difference gradient and a Gauss-Newton (Fisher information) Hessian built from the
same perturbed simulations.

pyPESTO's own roadrunner importer is not used: it rejects per-measurement noise overrides
(Fujita 2010) and pairs data with the wrong condition when the measurement table is unsorted.

Inequality (censored) measurements use the columns pyPESTO's PEtab extension defines:
``measurementType`` ``left-censored`` (the value lies below the bound in
``censoringBounds``), ``right-censored`` (above it) or ``interval-censored``
(``"lower;upper"``). Each contributes the negative log of the probability, under the
observable's noise model, that a measurement of the simulated value falls on the stated
side of its bound(s): the censored-data (Tobit) likelihood, so qualitative statements such
as "pERK rose above 1.5-fold" enter the same likelihood as the numbers. The ``measurement``
value of such a row is not used.
"""

from __future__ import annotations

import logging
import math
import stat
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from numpy.typing import ArrayLike

from ._errors import PetabError, SolverError
from ._roadrunner import no_dynamic_properties, quiet

__all__ = ["PetabObjective", "load_petab"]

#: ODE tolerances of the objective. The reference objectives of the benchmark problems were
#: computed at rtol 1e-12 / atol 1e-14; looser settings move them by up to 1e-3 (issue 14).
RTOL = 1e-12
ATOL = 1e-14
#: Tolerances of the retry when a simulation fails at the tight ones: at parameters far from
#: any optimum (random starts over 16 decades) rtol 1e-12 asks for steps below round-off.
FALLBACK_RTOL = 1e-8
FALLBACK_ATOL = 1e-12
#: CVODE steps per output interval (roadrunner's default). Far from an optimum a simulation
#: that needs more is nearly always one that fails anyway; 10^5 made random starts of
#: Fujita 2010 3.5x slower per evaluation without rescuing one (measured on 15 points).
MAX_STEPS = 20_000
#: ``measurementType`` values of inequality measurements (pyPESTO's PEtab extension).
CENSORED_TYPES = ("left-censored", "right-censored", "interval-censored")


# ------------------------------------------------------------------------------ loading
#: Keys of a PEtab v1 YAML file that name files (top level, or per entry of ``problems``).
_PETAB_FILE_KEYS = (
    "parameter_file",
    "sbml_files",
    "condition_files",
    "measurement_files",
    "observable_files",
    "visualization_files",
)


def _refuse_special_files(yaml_path: Path) -> None:
    """Refuse a problem whose YAML names a device, FIFO or folder as a table or model:
    ``/dev/zero`` as a measurement table made pandas read until memory ran out, and a
    FIFO would hang. (Unreadable YAML is left to petab, which reports it.)"""
    import yaml

    try:
        doc = yaml.safe_load(yaml_path.read_text())
    except (OSError, UnicodeDecodeError, yaml.YAMLError):
        return
    if not isinstance(doc, dict):
        return
    entries = [doc, *(p for p in doc.get("problems") or [] if isinstance(p, dict))]
    for entry in entries:
        for key in _PETAB_FILE_KEYS:
            names = entry.get(key) or []
            for name in [names] if isinstance(names, str) else names:
                if not isinstance(name, str):
                    continue
                target = yaml_path.parent / name
                try:
                    mode = target.stat().st_mode
                except OSError:
                    continue  # missing: petab says so
                if not stat.S_ISREG(mode):
                    raise PetabError(
                        f"{yaml_path}: `{key}` names {name!r}, which is not a regular file "
                        "(a device, FIFO or folder)"
                    )


def load_petab(problem: Any, *, lint: bool = True, where: str = "the PEtab problem") -> Any:
    """Return a ``petab.v1.Problem`` from a YAML path or a problem, linted.

    Parameters
    ----------
    problem : str, pathlib.Path or petab.v1.Problem
        Path of the problem's YAML file, or a loaded problem.
    lint : bool
        Run the PEtab linter and raise `PetabError` with its messages on failure.
    where : str
        What the messages call a problem given as an object (a path names itself).

    Raises
    ------
    PetabError
        The file cannot be read or the linter rejects the problem; the message names the
        file and quotes the linter.
    """
    import petab.v1 as petab

    if isinstance(problem, str | Path):
        path = Path(problem)
        where = str(path)
        if not path.is_file():
            raise PetabError(f"{where}: no such PEtab YAML file")
        _refuse_special_files(path)
        try:
            with _captured_petab_log() as log:
                problem = petab.Problem.from_yaml(str(path))
        except Exception as exc:  # petab raises many kinds for a broken file
            raise PetabError(
                f"{where}: cannot be read as a PEtab problem: "
                f"{type(exc).__name__}: {exc}{_tail(log)}"
            ) from None
    elif not isinstance(problem, petab.Problem):
        raise TypeError(
            f"`problem` must be a PEtab YAML path or a petab.Problem, got {type(problem).__name__}"
        )
    missing = [
        name
        for name, table in (
            ("model (sbml_files)", problem.model),
            ("condition table (condition_files)", problem.condition_df),
            ("measurement table (measurement_files)", problem.measurement_df),
            ("observable table (observable_files)", problem.observable_df),
            ("parameter table (parameter_file)", problem.parameter_df),
        )
        if table is None
    ]
    if missing:  # PEtab v1 requires each; the linter does not check that they are there
        raise PetabError(f"{where} is not a valid PEtab problem: it has no {', no '.join(missing)}")
    m = problem.measurement_df
    if "measurement" in m:  # the linter says only "Some measurement(s) are null"
        null = np.flatnonzero(pd.isna(pd.to_numeric(m["measurement"], errors="coerce")))
        if null.size:
            raise PetabError(
                f"{where}: the measurement table has no number in its measurement column "
                f"on {_rows(null)}; give a value, or drop the row"
            )
    if lint:
        with _captured_petab_log() as log:
            try:
                failed = petab.lint_problem(problem)
            except Exception as exc:
                log.append(f"{type(exc).__name__}: {exc}")
                failed = True
        if failed:
            log = [x for x in log if not x.startswith("Visualization table not available")]
            msgs = "\n  ".join(log) or "(no message)"
            raise PetabError(
                f"{where} is not a valid PEtab problem; the PEtab linter says:\n  {msgs}"
            )
    return problem


class _ListHandler(logging.Handler):
    def __init__(self, sink: list[str]) -> None:
        super().__init__(logging.WARNING)
        self.sink = sink

    def emit(self, record: logging.LogRecord) -> None:
        self.sink.append(record.getMessage())


class _captured_petab_log:  # noqa: N801 - used as a context manager
    """Collect the petab package's warnings and errors (its linter logs, it does not raise)."""

    def __enter__(self) -> list[str]:
        self.sink: list[str] = []
        self.handler = _ListHandler(self.sink)
        self.logger = logging.getLogger("petab")
        self.logger.addHandler(self.handler)
        self.propagate, self.logger.propagate = self.logger.propagate, False
        return self.sink

    def __exit__(self, *exc: Any) -> None:
        self.logger.removeHandler(self.handler)
        self.logger.propagate = self.propagate


def _rows(rows: Sequence[int] | np.ndarray, *, most: int = 5) -> str:
    """Measurement-table rows as a reader finds them: ``row 3 (line 5 in a TSV file)``."""
    rows = [int(r) for r in rows]
    shown = ", ".join(f"{r} (line {r + 2})" for r in rows[:most])
    more = f" and {len(rows) - most} more" if len(rows) > most else ""
    plural = "s" if len(rows) > 1 else ""
    return f"row{plural} {shown}{more} (rows count from 0 after the header; lines in a TSV file)"


def refuse_bad_noise(measurements: pd.DataFrame, noise_formulas: Mapping[str, str]) -> None:
    """Refuse a number in ``noiseParameters`` that cannot be a standard deviation: 0 or
    below where the observable's noise formula is that number itself
    (``noiseParameter1_<id>``). Its square hid a negative one; a zero one gave an
    infinite objective that named neither the row nor the value. (Under another formula,
    ``10^noiseParameter1_<id>`` say, a negative number is fine.)"""
    if "noiseParameters" not in measurements:
        return
    ids = measurements["observableId"].astype(str)
    cells = zip(ids, measurements["noiseParameters"], strict=True)
    for row, (oid, cell) in enumerate(cells):
        if str(noise_formulas.get(oid, "")).strip() != f"noiseParameter1_{oid}":
            continue
        sds = [v for v in _split_overrides(cell) if isinstance(v, float) and v <= 0]
        if sds:
            raise PetabError(
                f"measurement table {_rows([row])}: noiseParameters {sds[0]:g} of "
                f"observable {oid!r} is not a positive standard deviation"
            )


def _tail(log: Sequence[str]) -> str:
    return ("; " + "; ".join(log[-5:])) if log else ""


# ---------------------------------------------------------------------------- helpers
def _is_nan(v: Any) -> bool:
    return (
        v is None
        or (isinstance(v, float) and math.isnan(v))
        or (isinstance(v, str) and not v.strip())
    )


def _as_override(v: Any) -> float | str:
    """A table cell that is a number or a parameter id."""
    if isinstance(v, int | float | np.number):
        return float(v)
    text = str(v).strip()
    try:
        return float(text)
    except ValueError:
        return text


def _split_overrides(cell: Any) -> list[float | str]:
    if _is_nan(cell):
        return []
    if isinstance(cell, int | float | np.number):
        return [float(cell)]
    return [_as_override(p) for p in str(cell).split(";")]


def scale(value: ArrayLike, kind: str) -> Any:
    """Linear value -> PEtab scale (``lin``, ``log`` or ``log10``)."""
    if kind == "log":
        return np.log(value)
    if kind == "log10":
        return np.log10(value)
    return value


def unscale(value: ArrayLike, kind: str) -> Any:
    """PEtab scale -> linear value."""
    if kind == "log":
        return np.exp(value)
    if kind == "log10":
        return np.power(10.0, value)
    return value


@dataclass
class _Formula:
    """An observable or noise formula, compiled for numpy on first use."""

    text: str
    symbols: tuple[str, ...] = ()
    func: Any = None

    def compile(self) -> None:
        import sympy as sp
        from petab.v1.math import sympify_petab

        expr = sympify_petab(self.text)
        syms = sorted(expr.free_symbols, key=lambda s: s.name)
        self.symbols = tuple(s.name for s in syms)
        self.func = sp.lambdify(syms, expr, modules="numpy")


# -------------------------------------------------------------------------- objective
#: Per process: the bundled model's SBML as libsbml writes it (how a problem built on it
#: is recognised) and the model, loaded when a pre-equilibration first needs them.
_BUNDLED: list[tuple[str, Any]] = []


def _bundled() -> tuple[str, Any]:
    if not _BUNDLED:
        import libsbml

        from ._model import load_model

        model = load_model()
        _BUNDLED.append((libsbml.writeSBMLToString(libsbml.readSBMLFromString(model.sbml)), model))
    return _BUNDLED[0]


#: a pre-equilibration is at rest when its largest rate of change is below PREEQ_TOL times
#: max(1, the largest species amount), per model time unit: absolute for states of order
#: 1, relative for larger ones, which integration cannot bring to an absolute 1e-10
#: (states of 1e5-1e8 failed at valid parameters, and the objective was inf there)
PREEQ_TOL = 1e-10


def _at_rest(rr: Any) -> bool:
    rates = np.abs(np.asarray(rr.getRatesOfChange(), dtype=float))
    state = np.abs(np.asarray(rr.model.getFloatingSpeciesAmounts(), dtype=float))
    scale = max(1.0, float(state.max(initial=0.0)))
    return bool(rates.max(initial=0.0) < PREEQ_TOL * scale)


class PetabObjective:
    """Negative log-likelihood of a PEtab problem, as a function of its estimated parameters.

    ``obj(x)`` takes the estimated parameters in their PEtab scale (``obj.x_ids`` order)
    and returns the negative log-likelihood, ``inf`` where a simulation fails. The object
    pickles without its simulator, so it can be shipped to worker processes.

    Parameters
    ----------
    problem : str, pathlib.Path or petab.v1.Problem
        The PEtab problem (a YAML path is read and linted).
    rtol, atol : float
        ODE tolerances (relative; absolute in the model's concentration units). A
        simulation that fails at them is retried once at rtol 1e-8 / atol 1e-12.
    fd_step : float
        Forward-difference step in the parameters' scale, for gradients and the
        Fisher information.
    fast_preequilibration : bool
        On a problem whose model is the bundled one, pre-equilibrate with the package's
        verified steady state (warm-started Newton under the guard of `steady_state`,
        its robust path as fallback) where the pre-equilibration condition sets only
        parameters, and accept it only if the objective's own simulator finds max
        |dx/dt| < 1e-10 there, times the largest species amount where that is above 1;
        otherwise (and on every other model, which may be multistable) integrate until
        it does.

    Examples
    --------
    >>> obj = PetabObjective("Boehm_JProteomeRes2014.yaml")  # doctest: +SKIP
    >>> obj(obj.x_nominal)                                    # doctest: +SKIP
    138.22199...
    """

    def __init__(
        self,
        problem: Any,
        *,
        rtol: float = RTOL,
        atol: float = ATOL,
        fd_step: float = 1e-6,
        lint: bool = True,
        fast_preequilibration: bool = True,
    ) -> None:
        import libsbml

        self.source = str(problem) if isinstance(problem, str | Path) else None
        problem = load_petab(problem, lint=lint)
        self.problem = problem
        self.rtol, self.atol, self.fd_step = float(rtol), float(atol), float(fd_step)
        doc = problem.model.sbml_document if hasattr(problem.model, "sbml_document") else None
        if doc is None:
            raise PetabError("only SBML models are supported")
        from ._model import derived_constants_as_rules

        doc = doc.clone()  # the problem's own document stays as it was read
        # derived constants follow the estimated parameters they read, as in `load_model`
        # (not those the problem sets itself: a rule's target cannot be set)
        sets = {str(c) for c in problem.condition_df.columns} | set(
            map(str, problem.parameter_df.index)
        )
        derived_constants_as_rules(doc.getModel(), keep=sets)
        model = doc.getModel()
        # a parameter of the table takes the table's value in place of its own initial
        # assignment (PEtab's parameter mapping), and assignments that read it (a species'
        # B = q) read that value: as a plain parameter its value is an initial value,
        # which a reset keeps and those assignments are evaluated from
        for pid in map(str, problem.parameter_df.index):
            if model.getParameter(pid) is not None and model.getInitialAssignment(pid):
                model.removeInitialAssignment(pid)
                model.getParameter(pid).setValue(
                    float(problem.parameter_df.loc[pid, "nominalValue"])
                )
        self.sbml = libsbml.writeSBMLToString(doc)
        self._species_conc = {
            s.getId(): not s.getHasOnlySubstanceUnits() for s in model.getListOfSpecies()
        }
        self._params = {p.getId() for p in model.getListOfParameters()}
        self._compartments = {c.getId() for c in model.getListOfCompartments()}
        # a reaction's id in a formula is its rate (SBML's meaning; libroadrunner's too)
        self._reactions = {r.getId() for r in model.getListOfReactions()}
        self._rule_targets = {
            r.getVariable() for r in model.getListOfRules() if r.isAssignment() or r.isRate()
        }
        # what a reset puts back to its initial value: set after it (rate-rule variables)
        self._rate_targets = {r.getVariable() for r in model.getListOfRules() if r.isRate()}
        # parameters an initial assignment computes (none of the table): a reset
        # evaluates them again
        self._ia_params = {
            a.getSymbol()
            for a in model.getListOfInitialAssignments()
            if model.getParameter(a.getSymbol()) is not None
        }
        # per compartment, its species whose initial concentration a new size keeps (written
        # as initial values with it): those given by a concentration, not by an amount
        # (which SBML keeps), nor computed by a rule (which cannot be set) or an initial
        # assignment (which the reset evaluates with the new size)
        assigned = {a.getSymbol() for a in model.getListOfInitialAssignments()}
        self._ia_species = assigned - self._ia_params
        self._given_concentration = {
            c: {
                s.getId(): float(s.getInitialConcentration())
                for s in model.getListOfSpecies()
                if s.getCompartment() == c
                and not s.getHasOnlySubstanceUnits()
                and s.getId() not in self._rule_targets
                and s.getId() not in assigned
                and s.isSetInitialConcentration()
            }
            for c in self._compartments
        }

        par = problem.parameter_df
        self.parameter_df = par
        est = par["estimate"].astype(int) == 1
        self.x_ids: list[str] = list(par.index[est])
        self.x_scales: list[str] = [str(par.loc[i, "parameterScale"]) for i in self.x_ids]
        self.lb = np.array(
            [
                scale(float(par.loc[i, "lowerBound"]), s)
                for i, s in zip(self.x_ids, self.x_scales, strict=True)
            ]
        )
        self.ub = np.array(
            [
                scale(float(par.loc[i, "upperBound"]), s)
                for i, s in zip(self.x_ids, self.x_scales, strict=True)
            ]
        )
        self.x_nominal = np.array(
            [
                scale(float(par.loc[i, "nominalValue"]), s)
                for i, s in zip(self.x_ids, self.x_scales, strict=True)
            ]
        )
        self._fixed = {i: float(par.loc[i, "nominalValue"]) for i in par.index[~est]}
        from ._fit_prior import has_initialization_priors, objective_priors, prior_bounds

        #: the parameter table's objective priors: the objective is then a negative
        #: log-posterior (`_fit_prior`); the bounds end where a prior's density does
        self.priors = objective_priors(par, self.x_ids, self.x_scales)
        self.lb, self.ub = prior_bounds(self.priors, self.x_ids, self.lb, self.ub)
        self._initialization_priors = has_initialization_priors(par, self.x_ids)

        self.condition_df = problem.condition_df
        from ._model import volume_parameters

        volume = volume_parameters(model)
        # fixed in the parameter table at another value than the model's
        moved = {
            i
            for i in volume & set(self._fixed)
            if self._fixed[i] != model.getParameter(i).getValue()
        }
        set_here = set(map(str, self.condition_df.columns)) | set(self.x_ids) | moved
        sized = sorted(volume & set_here)
        if sized:  # evaluated on the compiled state: the compartment would not follow
            raise PetabError(
                f"{', '.join(sized)} sets a compartment's size (through an initial "
                "assignment or a rule) or a reaction's stoichiometry, which libroadrunner "
                "works out when it compiles the model; neither a condition nor the "
                "estimation can change it"
            )
        ruled = self._rule_targets - self._rate_targets  # assignment rules' targets
        computed = sorted(str(c) for c in self.condition_df.columns if c in ruled)
        if computed:  # libroadrunner refuses to set them, failing every simulation
            raise PetabError(
                f"the condition table sets {', '.join(computed)}, which an assignment rule "
                "of the model computes; set what the rule reads instead"
            )
        listed = sorted(str(i) for i in par.index if i in ruled)
        if listed:  # the same, for every simulation
            raise PetabError(
                f"the parameter table lists {', '.join(listed)}, which an assignment rule "
                "of the model computes; list what the rule reads instead"
            )
        self._refuse_negative_doses()
        self.observable_df = problem.observable_df
        self._setup_observables()
        self._setup_measurements(problem.measurement_df)
        self._rr: Any = None
        self.fast_preequilibration = bool(fast_preequilibration)
        self._bundled: Any = None  # the bundled Model if it is this problem's; False if not

    # ---------------------------------------------------------------- set-up
    def _refuse_negative_doses(self) -> None:
        """A catalogue drug's dose parameter (``dose_<drug>``, nM) below zero, or infinite,
        gives negative occupancies and phosphorylated fractions outside 0..1; the verbs
        refuse such doses, and so does a problem that sets them in its condition table or
        lets the estimation reach them."""
        from ._catalogue import DRUGS

        doses = {f"dose_{d}" for d in DRUGS} & self._params
        bad = []
        named = set()  # parameter-table rows that a condition puts into a dose
        for cid, row in self.condition_df.iterrows():
            for pid in sorted(doses & set(map(str, row.index))):
                cell = row[pid]
                if isinstance(cell, str):  # a parameter of the table: checked below
                    named.add(cell.strip())
                    continue
                if _is_nan(cell):  # the model's own value
                    continue
                if not (0 <= float(cell) < math.inf):
                    bad.append(f"{pid} = {cell} in condition {cid!r}")
        par = self.parameter_df
        for pid in sorted((doses | named) & set(map(str, par.index))):
            est = int(par.loc[pid, "estimate"]) == 1
            low = float(par.loc[pid, "lowerBound"] if est else par.loc[pid, "nominalValue"])
            if not low >= 0:
                what = "lowerBound" if est else "nominalValue"
                bad.append(f"{pid} {what} = {low:g} in the parameter table")
        if bad:
            raise PetabError("drug doses must be finite and not negative (nM): " + "; ".join(bad))

    def _setup_observables(self) -> None:
        obs = self.problem.observable_df
        self.observables: dict[str, dict[str, Any]] = {}
        for oid, row in obs.iterrows():
            noise = row.get("noiseFormula", 1.0)
            self.observables[str(oid)] = {
                "formula": _Formula(str(row["observableFormula"])),
                "noise": _Formula(str(1.0 if _is_nan(noise) else noise)),
                "transform": "lin"
                if _is_nan(row.get("observableTransformation"))
                else str(row["observableTransformation"]),
                "distribution": "normal"
                if _is_nan(row.get("noiseDistribution"))
                else str(row["noiseDistribution"]),
            }
        for spec in self.observables.values():
            if spec["transform"] not in ("lin", "log", "log10"):
                raise PetabError(f"unsupported observableTransformation {spec['transform']!r}")
            if spec["distribution"] not in ("normal", "laplace"):
                raise PetabError(f"unsupported noiseDistribution {spec['distribution']!r}")

    def _setup_measurements(self, table: pd.DataFrame) -> None:
        m = table.reset_index(drop=True).copy()
        if "preequilibrationConditionId" not in m:
            m["preequilibrationConditionId"] = ""
        m["preequilibrationConditionId"] = m["preequilibrationConditionId"].map(
            lambda v: "" if _is_nan(v) else str(v)
        )
        m["simulationConditionId"] = m["simulationConditionId"].astype(str)
        if np.isnan(m["time"].astype(float)).any():  # simulated at an arbitrary time
            rows = np.flatnonzero(np.isnan(m["time"].astype(float)))
            raise PetabError(
                f"measurement times must be numbers; row(s) {', '.join(map(str, rows[:5]))} "
                "of the measurement table have none"
            )
        if np.isinf(m["time"].astype(float)).any():
            raise PetabError("steady-state measurements (time = inf) are not supported yet")
        if (m["time"].astype(float) < 0).any():
            # a simulation starts at 0: an earlier time point would shift its clock
            raise PetabError(
                f"measurement times must be >= 0 (the simulation starts at 0); got "
                f"{float(m['time'].astype(float).min()):g}"
            )
        self.measurements = m
        self.y = m["measurement"].to_numpy(float)
        pairs = list(
            dict.fromkeys(
                zip(m["preequilibrationConditionId"], m["simulationConditionId"], strict=True)
            )
        )
        self.conditions: list[tuple[str, str]] = pairs
        index = {p: k for k, p in enumerate(pairs)}
        self._row_cond = np.array(
            [
                index[(a, b)]
                for a, b in zip(
                    m["preequilibrationConditionId"], m["simulationConditionId"], strict=True
                )
            ]
        )
        self._times: list[np.ndarray] = []
        self._row_tidx = np.zeros(len(m), dtype=int)
        for k in range(len(pairs)):
            rows = np.flatnonzero(self._row_cond == k)
            t = np.unique(m["time"].to_numpy(float)[rows])
            self._times.append(t)
            self._row_tidx[rows] = np.searchsorted(t, m["time"].to_numpy(float)[rows])
        self._row_obs = m["observableId"].astype(str).to_numpy()
        obs_cell = m["observableParameters"] if "observableParameters" in m else [None] * len(m)
        noise_cell = m["noiseParameters"] if "noiseParameters" in m else [None] * len(m)
        self._obs_over = [_split_overrides(v) for v in obs_cell]
        self._noise_over = [_split_overrides(v) for v in noise_cell]
        unknown = sorted(set(self._row_obs) - set(self.observables))
        if unknown:
            rows = np.flatnonzero(np.isin(self._row_obs, unknown))
            raise PetabError(
                f"measurements name undefined observables: {unknown}, on {_rows(rows)}"
            )
        refuse_bad_noise(m, {o: spec["noise"].text for o, spec in self.observables.items()})
        self.censored, self.lower, self.upper = _censoring(m)
        # every start's objective was infinite ("failed", wrongly hinted); a censored row's
        # value is not used
        if (infinite := np.isinf(self.y) & ~self.censored).any():
            rows = np.flatnonzero(infinite)
            raise PetabError(
                f"measurements must be finite; row(s) {', '.join(map(str, rows[:5]))} of the "
                "measurement table are infinite"
            )
        for r in np.flatnonzero(self.censored):
            spec = self.observables[self._row_obs[r]]
            bad = -np.inf < self.lower[r] < 0 or self.upper[r] <= 0
            if spec["transform"] != "lin" and bad:
                bound = self.lower[r] if np.isfinite(self.lower[r]) else self.upper[r]
                raise PetabError(
                    f"measurement table row {r}: censoring bound {bound:g} of observable "
                    f"{self._row_obs[r]!r} is not positive, but the observable is "
                    f"{spec['transform']}-transformed (no value can lie there)"
                )
        cond = self.condition_df
        missing = sorted({c for pair in pairs for c in pair if c} - set(cond.index))
        if missing:
            raise PetabError(
                f"measurements name conditions missing from the condition table: {missing}"
            )

    def _compile(self) -> None:
        """Compile formulas and find the model quantities the formulas read."""
        for spec in self.observables.values():
            spec["formula"].compile()
            spec["noise"].compile()
        needed: list[str] = []
        for spec in self.observables.values():
            for s in spec["formula"].symbols + spec["noise"].symbols:
                if self._is_model_symbol(s) and s not in needed:
                    needed.append(s)
        self._selections = needed
        self._sel_index = {s: k for k, s in enumerate(needed)}

    def _is_model_symbol(self, s: str) -> bool:
        return (
            s in self._species_conc
            or s in self._params
            or s in self._compartments
            or s in self._reactions
        )

    def _selection(self, s: str) -> str:
        return f"[{s}]" if self._species_conc.get(s, False) else s

    def _runner(self) -> Any:
        if self._rr is None:
            import roadrunner

            roadrunner.Logger.setLevel(roadrunner.Logger.LOG_FATAL)
            with no_dynamic_properties():
                rr = roadrunner.RoadRunner(self.sbml)
            rr.integrator.relative_tolerance = self.rtol
            rr.integrator.absolute_tolerance = self.atol
            rr.integrator.maximum_num_steps = MAX_STEPS
            self._compile()
            self._rr = rr
        return self._rr

    def __getstate__(self) -> dict[str, Any]:
        state = dict(self.__dict__)
        state["_rr"] = None
        state["_bundled"] = None  # found again where it is needed
        state["problem"] = None  # libsbml objects do not pickle; the tables are kept
        state["observables"] = {
            k: {**v, "formula": _Formula(v["formula"].text), "noise": _Formula(v["noise"].text)}
            for k, v in self.observables.items()
        }
        return state

    # ------------------------------------------------------------ parameters
    def parameter_values(self, x: ArrayLike) -> dict[str, float]:
        """Every parameter-table id -> linear value, the estimated ones taken from ``x``
        (PEtab scale)."""
        x = np.asarray(x, dtype=float)
        if x.shape != (len(self.x_ids),):
            raise ValueError(
                f"`x` must have {len(self.x_ids)} values (one per estimated "
                f"parameter: {', '.join(self.x_ids)}), got shape {x.shape}"
            )
        values = dict(self._fixed)
        for pid, s, v in zip(self.x_ids, self.x_scales, x, strict=True):
            values[pid] = float(unscale(v, s))
        return values

    def _value(self, v: float | str, values: Mapping[str, float]) -> float:
        if isinstance(v, float):
            return v
        if v in values:
            return values[v]
        raise PetabError(f"{v!r} is neither a number nor a parameter of the parameter table")

    # ------------------------------------------------------------ simulation
    def _set_parameters(self, cid: str) -> set[str]:
        """The model parameters condition ``cid`` gives a value (not NaN)."""
        if not cid:
            return set()
        row = self.condition_df.loc[cid]
        return {
            str(k)
            for k, cell in row.items()
            if str(k) in self._params and str(k) not in self._rate_targets and not _is_nan(cell)
        }

    def _apply_condition(
        self, rr: Any, cid: str, values: Mapping[str, float], *, fresh: bool
    ) -> None:
        cond = self.condition_df
        row = cond.loc[cid] if cid else pd.Series(dtype=object)
        species: dict[str, float] = {}
        late: dict[str, float] = {}  # what the reset would put back
        volumes: dict[str, float] = {}
        for key, cell in row.items():
            target = str(key)
            if target == "conditionName" or _is_nan(cell):
                continue
            v = self._value(_as_override(cell), values)
            if target in self._species_conc:
                species[target] = v
            elif target in self._compartments and fresh:
                volumes[target] = v
            elif (target in self._rate_targets or target in self._ia_params) and fresh:
                late[target] = v  # the reset would compute it again
            elif target in self._params:
                self._set_parameter(rr, target, v, initial=fresh)
            elif target in self._compartments:
                rr[target] = v
            else:
                raise PetabError(
                    f"condition {cid!r} sets {target!r}, which is not a "
                    "parameter, species or compartment of the model"
                )
        if fresh:  # initial assignments, of species and parameters, from the new values
            m = rr.model
            for comp, v in volumes.items():
                m.setValue(f"init({comp})", v)
                for sid, conc in self._given_concentration[comp].items():
                    m.setValue(f"init([{sid}])", conc)  # not diluted by the new size
            for sid, v in species.items():  # as initial values, which assignments read
                if sid not in self._ia_species:
                    m.setValue(f"init({self._selection(sid)})", v)
            rr.resetAll()  # initial assignments from the initial values
        for target, v in late.items():
            rr[target] = v
        for sid, v in species.items():
            rr[self._selection(sid)] = v

    def _set_parameter(self, rr: Any, pid: str, value: float, *, initial: bool = True) -> None:
        """Set parameter ``pid`` on ``rr``, and (``initial``) as its initial value too,
        which the reset puts back and from which it evaluates the initial assignments of
        other parameters (``r = k * A``): without it they would keep the values the
        model was compiled with. A parameter that has an initial assignment itself has
        no initial value to set."""
        rr[pid] = value
        if initial and pid not in self._ia_params:
            rr.model.setValue(f"init({pid})", value)

    def _simulate_condition(self, rr: Any, k: int, values: Mapping[str, float]) -> np.ndarray:
        pre, sim = self.conditions[k]
        rr.resetToOrigin()
        for pid, v in values.items():
            if pid in self._params:
                self._set_parameter(rr, pid, v)
        if pre:
            # a parameter the pre-equilibration sets and the simulation leaves empty goes
            # back to its own value (PEtab's parameter mapping: one an initial assignment
            # computes, from the estimates); a species keeps its state
            rr.resetAll()  # initial assignments from the initial values
            kept = {t: rr[t] for t in self._set_parameters(pre) - self._set_parameters(sim)}
            self._apply_condition(rr, pre, values, fresh=True)
            if not self._verified_steady_state(rr, pre, values):
                self._apply_condition(rr, pre, values, fresh=True)  # from the start again
                self._preequilibrate(rr, pre)
            for target, v in kept.items():
                rr[target] = v
            self._apply_condition(rr, sim, values, fresh=False)
            rr.model.setTime(0.0)
        else:
            self._apply_condition(rr, sim, values, fresh=True)
        times = self._times[k]
        grid = np.unique(np.concatenate([[0.0], times]))
        sel = [self._selection(s) for s in self._selections]
        if len(grid) == 1:
            out = np.array([[rr[s] for s in sel]], dtype=float)
        else:
            res = np.asarray(rr.simulate(times=grid, selections=["time", *sel]))
            out = res[:, 1:]
        return out[np.searchsorted(grid, times)]

    def _bundled_model(self) -> Any:
        """The bundled `Model` if this problem's SBML is the bundled model's, else None."""
        if not self.fast_preequilibration:
            return None
        if self._bundled is None:
            text, model = _bundled()
            self._bundled = model if text == self.sbml else False
        return self._bundled or None

    def _verified_steady_state(self, rr: Any, cid: str, values: Mapping[str, float]) -> bool:
        """Put the package's verified steady state of condition ``cid`` into ``rr``, where
        that applies (the bundled model, a condition that sets parameters only), and
        check it on ``rr`` with `_preequilibrate`'s criterion. False where it does not
        apply or is not verified (``rr``'s state is then unspecified)."""
        model = self._bundled_model()
        if model is None:
            return False
        settings = {pid: v for pid, v in values.items() if pid in self._params}
        row = self.condition_df.loc[cid] if cid else pd.Series(dtype=object)
        for key, cell in row.items():
            target = str(key)
            if target == "conditionName" or _is_nan(cell):
                continue
            if target not in self._params:  # species or compartments: integrate
                return False
            settings[target] = self._value(_as_override(cell), values)
        from ._engine import PRESIM_T, STEADY_TOL, solver_for
        from ._perturb import Perturbation

        solver = solver_for(model, Perturbation())[0]
        if any(name not in solver.position for name in settings):
            return False
        res = solver.solve(settings, tol=STEADY_TOL, presimulate=PRESIM_T)
        ids = list(rr.model.getFloatingSpeciesIds())
        if res.status != "ok" or sorted(ids) != sorted(solver.species_ids):
            return False
        where = {sid: k for k, sid in enumerate(solver.species_ids)}
        rr.model.setFloatingSpeciesConcentrations(res.species[[where[i] for i in ids]])
        return _at_rest(rr)

    def _preequilibrate(self, rr: Any, cid: str) -> None:
        """Integrate until the state is at rest (`_at_rest`) or for 1e8 time units."""
        t = 0.0
        span = 1000.0
        while t < 1e8:
            rr.simulate(t, t + span, 2)
            t += span
            if _at_rest(rr):
                return
            span *= 4
        raise SolverError(f"pre-equilibration condition {cid!r} reached no steady state")

    def simulate(self, x: ArrayLike) -> tuple[np.ndarray, np.ndarray]:
        """Simulated observables and noise (standard deviations) for every measurement row.

        Returns ``(h, sigma)``, arrays aligned with ``measurement_df`` rows (linear scale).
        Raises `SolverError` when a simulation fails.
        """
        rr = self._runner()
        values = self.parameter_values(x)
        # CVODE prints its step-size warnings and failures straight to stderr, hundreds
        # of lines during a fit at parameters far from the optimum; a failure is reported
        # here as a SolverError (an infinite objective for that start), so the lines are
        # captured rather than printed.
        with quiet():
            return self._simulate(rr, values)

    def _simulate(self, rr: Any, values: Mapping[str, float]) -> tuple[np.ndarray, np.ndarray]:
        try:
            blocks = [self._simulate_condition(rr, k, values) for k in range(len(self.conditions))]
        except RuntimeError:
            rr.integrator.relative_tolerance = max(self.rtol, FALLBACK_RTOL)
            rr.integrator.absolute_tolerance = max(self.atol, FALLBACK_ATOL)
            try:
                blocks = [
                    self._simulate_condition(rr, k, values) for k in range(len(self.conditions))
                ]
            except RuntimeError as exc:
                raise SolverError(f"simulation failed: {exc}") from None
            finally:
                rr.integrator.relative_tolerance = self.rtol
                rr.integrator.absolute_tolerance = self.atol
        offsets = np.cumsum([0] + [len(b) for b in blocks])[:-1]
        table = np.vstack(blocks) if blocks else np.zeros((0, len(self._selections)))
        gidx = offsets[self._row_cond] + self._row_tidx
        n = len(self.y)
        h = np.empty(n)
        sigma = np.empty(n)
        for oid, spec in self.observables.items():
            rows = np.flatnonzero(self._row_obs == oid)
            if not rows.size:
                continue
            observable = ("observableParameter", self._obs_over)
            h[rows] = self._evaluate(spec["formula"], rows, table, gidx, values, oid, [observable])
            # a noise formula may read the observable's placeholders too (libpetab PR 231)
            noise = [("noiseParameter", self._noise_over), observable]
            sigma[rows] = self._evaluate(spec["noise"], rows, table, gidx, values, oid, noise)
        return h, sigma

    def _evaluate(
        self,
        formula: _Formula,
        rows: np.ndarray,
        table: np.ndarray,
        gidx: np.ndarray,
        values: Mapping[str, float],
        oid: str,
        placeholders: Sequence[tuple[str, list[list[float | str]]]],
    ) -> np.ndarray:
        """``formula`` on ``rows``; ``placeholders``: (prefix, each row's overrides) of the
        placeholders it may read (``observableParameter1_<oid>``, ...)."""
        args = []
        for s in formula.symbols:
            held = [(p, o) for p, o in placeholders if s.startswith(p) and s.endswith("_" + oid)]
            if s in self._sel_index:
                args.append(table[gidx[rows], self._sel_index[s]])
            elif s in values:
                args.append(np.full(rows.size, values[s]))
            elif held:
                prefix, overrides = held[0]
                k = int(s[len(prefix) : -len(oid) - 1]) - 1
                args.append(np.array([self._value(overrides[r][k], values) for r in rows]))
            elif s == "time":
                args.append(self.measurements["time"].to_numpy(float)[rows])
            else:
                raise PetabError(
                    f"formula {formula.text!r} of observable {oid!r} uses "
                    f"{s!r}, which is no model quantity or parameter"
                )
        out = formula.func(*args)
        return np.broadcast_to(np.asarray(out, dtype=float), rows.shape).copy()

    # ---------------------------------------------------------- likelihood
    def _terms(self, h: np.ndarray, sigma: np.ndarray) -> np.ndarray:
        """Negative log-likelihood of each measurement (PEtab's formulas)."""
        out = np.empty(len(self.y))
        m = self.y
        for oid, spec in self.observables.items():
            r = self._row_obs == oid
            s, y, sd = h[r], m[r], sigma[r]
            tr, dist = spec["transform"], spec["distribution"]
            with np.errstate(divide="ignore", invalid="ignore"):
                if tr == "lin":
                    res, jac = s - y, 1.0
                elif tr == "log":
                    res, jac = np.log(s) - np.log(y), y
                else:
                    res, jac = np.log10(s) - np.log10(y), y * np.log(10)
                if dist == "normal":
                    out[r] = 0.5 * np.log(2 * np.pi * sd**2 * jac**2) + 0.5 * (res / sd) ** 2
                else:
                    out[r] = np.log(2 * sd * jac) + np.abs(res / sd)
        if self.censored.any():
            out[self.censored] = self._censored_terms(h, sigma)
        # a noise formula that gives a standard deviation of 0 or below there (the squared
        # normal term would take a negative one as its absolute value): no likelihood
        out[~(sigma > 0)] = np.inf
        return out

    def _censored_terms(self, h: np.ndarray, sigma: np.ndarray) -> np.ndarray:
        """-log P(lower <= measurement <= upper) of each censored row, on the observable's
        transformed scale and under its noise model (normal, or Laplace with scale sigma)."""
        c = self.censored
        out = np.empty(int(c.sum()))
        obs = self._row_obs[c]
        t_h, t_lo, t_hi = (self._transformed(v, rows=c) for v in (h, self.lower, self.upper))
        t_lo[np.isneginf(self.lower[c])] = -np.inf  # no lower bound, on any scale
        with np.errstate(divide="ignore", invalid="ignore"):
            a = (t_lo - t_h) / sigma[c]
            b = (t_hi - t_h) / sigma[c]
        for oid, spec in self.observables.items():
            r = obs == oid
            if r.any():
                out[r] = -_log_mass(a[r], b[r], spec["distribution"])
        return np.where(np.isnan(out), np.inf, out)

    def nllh(self, x: ArrayLike) -> float:
        """Negative log-likelihood at ``x`` (PEtab scale); ``inf`` if a simulation fails."""
        try:
            h, sigma = self.simulate(x)
        except SolverError:
            return math.inf
        total = float(np.sum(self._terms(h, sigma)))
        return total if math.isfinite(total) else math.inf

    def neglogprior(self, x: ArrayLike) -> float:
        """Sum of the objective priors' negative log densities at ``x`` (0 without priors;
        ``inf`` outside a uniform prior's range)."""
        x = np.asarray(x, dtype=float)
        return float(sum(p.terms(float(x[p.index]))[0] for p in self.priors))

    def __call__(self, x: ArrayLike) -> float:
        """The objective at ``x``: the negative log-likelihood, plus `neglogprior` where the
        parameter table gives objective priors (a negative log-posterior)."""
        prior = self.neglogprior(x) if self.priors else 0.0
        return self.nllh(x) + prior if math.isfinite(prior) else math.inf

    def log_jacobian(self, x: ArrayLike) -> float:
        """``sum log |d value / d x|`` over the parameters with a prior on their linear value
        (not ``parameterScale*``) and a log scale: what the posterior density on the PEtab
        scale adds to ``-objective``."""
        x = np.asarray(x, dtype=float)
        return float(
            sum(
                p.log_jacobian(float(x[p.index]))
                for p in self.priors
                if not p.kind.startswith("parameterScale") and p.scale != "lin"
            )
        )

    def stationarity_gradient(self, x: ArrayLike, grad: ArrayLike) -> np.ndarray:
        """``grad`` (the objective's at ``x``) with the least-norm subgradient of each
        Laplace-type prior whose kink is so near ``x`` that its term changes the objective
        there by less than 1e-3: at a kink the gradient never vanishes, so an optimum there
        is where the rest of the gradient is within the jump."""
        x = np.asarray(x, dtype=float)
        g = np.array(grad, dtype=float)
        for p in self.priors:
            at = p.kink()
            j = p.index
            if at is None or not math.isfinite(at):
                continue
            slope = p.kink_slope(float(x[j]))
            if slope * abs(float(x[j]) - at) > 1e-3:
                continue
            rest = g[j] - slope * p.kink_side(float(x[j]))  # the side the gradient took
            g[j] = 0.0 if abs(rest) <= slope else rest - math.copysign(slope, rest)
        return g

    def start_draws(self, rng: np.random.Generator, n: int) -> np.ndarray:
        """``n`` start points (rows, PEtab scale): uniform within the bounds, or from the
        parameter table's initialization priors where it gives them."""
        if self._initialization_priors:
            from ._fit_prior import initialization_draws

            return initialization_draws(self.parameter_df, self.x_ids, self.lb, self.ub, rng, n)
        return rng.uniform(self.lb, self.ub, size=(n, len(self.x_ids)))

    def derivatives(self, x: ArrayLike) -> tuple[float, np.ndarray, np.ndarray]:
        """``(objective, gradient, fisher_information)`` at ``x``: the likelihood's by
        forward differences, plus the priors' exact terms.

        The gradient is the forward difference of the negative log-likelihood; the Fisher
        information is the Gauss-Newton matrix of the measurements' residuals and noise
        (exact for normal noise, an approximation for Laplace noise), plus, for censored
        measurements, the outer product of the gradients of their terms (the BHHH
        approximation: positive semi-definite, as the optimiser needs). A prior adds its
        gradient and, on the diagonal, its second derivative where that is positive.
        ``inf`` and NaN arrays where a simulation fails or ``x`` is outside a prior's
        range.
        """
        f, grad, fim = self._likelihood_derivatives(x)
        if self.priors and math.isfinite(f):
            x = np.asarray(x, dtype=float)
            for p in self.priors:
                fp, gp, hp = p.terms(float(x[p.index]))
                if not math.isfinite(fp):
                    n = len(x)
                    return math.inf, np.full(n, np.nan), np.full((n, n), np.nan)
                f += fp
                grad[p.index] += gp
                fim[p.index, p.index] += max(hp, 0.0)
        return f, grad, fim

    def _likelihood_derivatives(self, x: ArrayLike) -> tuple[float, np.ndarray, np.ndarray]:
        x = np.asarray(x, dtype=float)
        n = len(x)
        nan = (math.inf, np.full(n, np.nan), np.full((n, n), np.nan))
        try:
            h0, s0 = self.simulate(x)
        except SolverError:
            return nan
        terms0 = self._terms(h0, s0)
        f0 = float(np.sum(terms0))
        if not math.isfinite(f0):
            return nan
        grad = np.empty(n)
        jh = np.empty((len(h0), n))
        js = np.empty((len(h0), n))
        jc = np.empty((int(self.censored.sum()), n))
        t0 = self._transformed(h0)
        for j in range(n):
            step = self.fd_step * max(1.0, abs(x[j]))
            if x[j] + step > self.ub[j]:
                step = -step  # stay inside the bounds at the upper one
            for attempt in (step, -step):  # the other side where one side cannot simulate
                xj = x.copy()
                xj[j] += attempt
                try:
                    h, s = self.simulate(xj)
                except SolverError:
                    continue
                terms = self._terms(h, s)
                fj = float(np.sum(terms))
                if math.isfinite(fj):
                    step = attempt
                    break
            else:
                return nan
            grad[j] = (fj - f0) / step
            jh[:, j] = (self._transformed(h) - t0) / step
            js[:, j] = (s - s0) / step
            jc[:, j] = (terms[self.censored] - terms0[self.censored]) / step
        w = np.where(self.censored, 0.0, 1.0 / s0**2)  # censored rows: their own term below
        fim = (jh * w[:, None]).T @ jh + 2.0 * (js * w[:, None]).T @ js + jc.T @ jc
        return f0, grad, fim

    def _transformed(self, h: np.ndarray, rows: np.ndarray | None = None) -> np.ndarray:
        """``h`` on each row's observable scale (lin, log or log10); with ``rows`` (a mask),
        only those rows, in order."""
        obs = self._row_obs if rows is None else self._row_obs[rows]
        v = h if rows is None else h[rows]
        out = np.array(v, dtype=float)
        for oid, spec in self.observables.items():
            r = obs == oid
            with np.errstate(divide="ignore", invalid="ignore"):
                if spec["transform"] == "log":
                    out[r] = np.log(v[r])
                elif spec["transform"] == "log10":
                    out[r] = np.log10(v[r])
        return out

    def simulation_df(self, x: ArrayLike) -> pd.DataFrame:
        """The measurement table with a ``simulation`` column (PEtab's simulation table)."""
        h, _ = self.simulate(x)
        return self.measurements.drop(columns=["measurement"]).assign(simulation=h)

    def at_times(self, times: ArrayLike) -> PetabObjective:
        """A copy that simulates every measured (observable, condition) pair at ``times``
        (model time units) instead of the measurement times; per-measurement overrides are
        those of the pair's first measurement. Its ``y`` is NaN: use it with `simulate`."""
        import copy

        grid = np.unique(np.asarray(times, dtype=float))
        m = self.measurements
        keys = ["observableId", "preequilibrationConditionId", "simulationConditionId"]
        first = m.drop_duplicates(keys)
        rows = first.loc[first.index.repeat(len(grid))].reset_index(drop=True)
        rows["time"] = np.tile(grid, len(first))
        rows["measurement"] = np.nan
        rows = rows.drop(columns=["measurementType", "censoringBounds"], errors="ignore")
        clone = copy.copy(self)
        clone._setup_measurements(rows)
        return clone

    def __repr__(self) -> str:
        return (
            f"<PetabObjective {len(self.x_ids)} estimated parameters, "
            f"{len(self.y)} measurements, {len(self.conditions)} conditions>"
        )


def _censoring(m: pd.DataFrame) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """``(censored, lower, upper)`` of each measurement row from the ``measurementType``
    and ``censoringBounds`` columns (pyPESTO's PEtab extension); quantitative rows are not
    censored and have bounds (-inf, inf)."""
    n = len(m)
    censored = np.zeros(n, dtype=bool)
    lower, upper = np.full(n, -np.inf), np.full(n, np.inf)
    if "measurementType" not in m:
        return censored, lower, upper
    bounds = m["censoringBounds"] if "censoringBounds" in m else pd.Series([np.nan] * n)
    for r, (kind, cell) in enumerate(zip(m["measurementType"], bounds, strict=True)):
        if _is_nan(kind) or str(kind).strip() in ("", "quantitative"):
            continue
        kind = str(kind).strip()
        where = f"measurement table row {r}"
        if kind not in CENSORED_TYPES:
            raise PetabError(
                f"{where}: measurementType {kind!r} is not supported; use one of "
                f"{list(CENSORED_TYPES)} (inequalities), or leave it empty for a number "
                "(ordinal and semi-quantitative data need pyPESTO's hierarchical "
                "objectives, which run on AMICI)"
            )
        parts = [] if _is_nan(cell) else str(cell).split(";")
        try:
            values = [float(p) for p in parts]
        except ValueError:
            values = []
        want = 2 if kind == "interval-censored" else 1
        if len(values) != want or any(math.isnan(v) for v in values):
            form = '"lower;upper"' if want == 2 else "one number"
            raise PetabError(
                f"{where}: a {kind} measurement needs censoringBounds {form}, got {cell!r}"
            )
        censored[r] = True
        if kind == "left-censored":
            upper[r] = values[0]
        elif kind == "right-censored":
            lower[r] = values[0]
        else:
            lower[r], upper[r] = values
            if not lower[r] < upper[r]:
                raise PetabError(f"{where}: censoringBounds {cell!r} must increase")
    return censored, lower, upper


def _log_mass(a: np.ndarray, b: np.ndarray, distribution: str) -> np.ndarray:
    """``log P(a <= Z <= b)`` for a standard normal or a Laplace(0, 1) ``Z`` (``a < b``),
    accurate far in either tail: an interval above the median is reflected below it."""
    from scipy.special import log_ndtr

    flip = a > 0  # both distributions are symmetric: P(a <= Z <= b) = P(-b <= Z <= -a)
    lo, hi = np.where(flip, -b, a), np.where(flip, -a, b)
    if distribution == "normal":
        log_lo, log_hi = log_ndtr(lo), log_ndtr(hi)
    else:
        with np.errstate(over="ignore"):
            log_lo, log_hi = (
                np.where(z < 0, np.log(0.5) + z, np.log1p(-0.5 * np.exp(-np.abs(z))))
                for z in (lo, hi)
            )
    d = log_lo - log_hi  # <= 0; log(1 - e^d) loses digits near 0 unless via expm1
    with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
        tail = np.where(d > -np.log(2), np.log(-np.expm1(d)), np.log1p(-np.exp(d)))
    return log_hi + tail
