"""Write a model, its observables and a measurement table as a PEtab (v1) problem."""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from ._errors import PetabError, check_name
from ._fit_objective import _split_overrides, load_petab, refuse_bad_noise

__all__ = ["to_petab"]

#: Default bounds of an estimated kinetic parameter, as factors of its model value (an
#: assumption of this package: two orders of magnitude either way, searched in log10).
DEFAULT_FACTOR = 100.0
#: Default bounds of an estimated noise standard deviation (log10 scale; an assumption).
SIGMA_BOUNDS = (1e-3, 1e3)

_MEASUREMENT_COLUMNS = ("observableId", "simulationConditionId", "measurement", "time")


def _override_symbols(cells: Iterable[Any]) -> list[str]:
    """The parameter ids among a measurement column's overrides (numbers left out)."""
    return [v for cell in cells for v in _split_overrides(cell) if isinstance(v, str)]


def _sbml_of(model: Any) -> tuple[str, tuple[str, ...]]:
    """The model's SBML as the loader made it, with its derived constants back as the
    initial assignments they were (`mtor_sim._model.derived_constants_back`): the
    problem's conditions may set them, and the objective converts the others again;
    and the parameters the loader added (the reactions' ``cut_*`` multipliers)."""
    import libsbml

    from ._model import Model, derived_constants_back, load_model

    if isinstance(model, str | Path):
        model = load_model(model)
    if not isinstance(model, Model):
        raise TypeError(f"`model` must be a Model or a model file path, got {type(model).__name__}")
    generated = model._layout.generated
    if not model._layout.derived:
        return model.sbml, generated
    doc = libsbml.readSBMLFromString(model.sbml)
    derived_constants_back(doc.getModel(), model._layout.derived)
    return libsbml.writeSBMLToString(doc), generated


def to_petab(
    model: Any,
    measurements: pd.DataFrame | str | Path,
    *,
    observables: pd.DataFrame | Mapping[str, str] | None = None,
    parameters: Sequence[str] | Mapping[str, tuple[float, float]] | pd.DataFrame | None = None,
    conditions: pd.DataFrame | None = None,
    out: str | Path | None = None,
    name: str = "problem",
) -> Any:
    """A PEtab problem from a model, observables and a measurement table.

    Parameters
    ----------
    model : Model, str or pathlib.Path
        The model (`load_model` result, or an SBML/Antimony file).
    measurements : pandas.DataFrame or path
        Measurement table in PEtab columns: ``observableId``, ``measurement``, ``time``
        (model time units) and optionally ``simulationConditionId`` (default ``"c0"``),
        ``preequilibrationConditionId``, ``observableParameters``, ``noiseParameters``,
        and, for inequalities, ``measurementType`` (``left-censored``: below the bound,
        ``right-censored``: above it, ``interval-censored``: between two) with
        ``censoringBounds`` (``"0.5"`` or ``"0.2;0.4"``; the row's ``measurement`` must
        still be a number for the PEtab linter, and is not used).
    observables : pandas.DataFrame or dict, optional
        Observable table in PEtab columns, or ``{observableId: formula}``. Default: each
        measured ``observableId`` must be a model species; it is observed as
        ``obs_<species>`` (PEtab forbids observable ids that shadow model ids).
        Without a ``noiseFormula``, an observable's noise is ``noiseParameter1_<id>`` when
        its measurements give ``noiseParameters``, else an estimated standard deviation
        ``sd_<id>`` (log10 scale, bounds 1e-3 to 1e3, an assumption).
    parameters : sequence of str, dict or pandas.DataFrame, optional
        Model parameters to estimate: ids (bounds: model value / 100 to x 100, log10 scale,
        an assumption), ``{id: (lower, upper)}`` (bounds in linear units, or None for the
        default; searched on a log10 scale, or a linear one when ``lower`` is 0 or below),
        or a full PEtab parameter table. Default: every model parameter with a positive
        value that no rule or initial assignment computes and no condition sets (not the
        ``cut_*`` multipliers a generic model's reactions get when loaded: with them only
        products such as ``cut_J1 * k`` would be determined). Parameters that the
        measurement table's ``noiseParameters`` or ``observableParameters``, or a
        condition cell, name instead of a number are estimated too: give their bounds here
        (noise parameters left out are standard deviations, as ``sd_<id>``). The problem
        is linted before it is returned or written: one the PEtab linter rejects raises
        `PetabError`.
    conditions : pandas.DataFrame, optional
        Condition table in PEtab columns (default: one empty condition per
        ``simulationConditionId`` and ``preequilibrationConditionId``).
    out : str or pathlib.Path, optional
        Folder to write the problem to: ``model.xml``, the four tables (``.tsv``) and
        ``<name>.yaml``. ``petablint <name>.yaml`` accepts it.
    name : str
        Stem of the YAML file.

    Returns
    -------
    petab.v1.Problem

    Examples
    --------
    >>> data = pd.DataFrame({"observableId": ["A"] * 3, "time": [0, 1, 2],
    ...                      "measurement": [1.0, 0.6, 0.37]})
    >>> problem = ms.to_petab("decay.ant", data, parameters=["k"],
    ...                       out="decay_petab")  # doctest: +SKIP
    """
    import libsbml
    import petab.v1 as petab

    sbml, generated = _sbml_of(model)
    doc = libsbml.readSBMLFromString(sbml)
    sm = doc.getModel()
    species = {s.getId() for s in sm.getListOfSpecies()}
    rule_targets = {r.getVariable() for r in sm.getListOfRules()}
    model_params = {p.getId(): p.getValue() for p in sm.getListOfParameters()}

    if isinstance(measurements, str | Path):
        measurements = pd.read_csv(
            measurements, sep="\t" if str(measurements).endswith(".tsv") else ","
        )
    m = pd.DataFrame(measurements).copy()
    if "simulationConditionId" not in m:
        m["simulationConditionId"] = "c0"
    missing = [c for c in _MEASUREMENT_COLUMNS if c not in m]
    if missing:
        raise PetabError(
            f"the measurement table lacks the PEtab column(s) {missing}; it "
            f"needs {list(_MEASUREMENT_COLUMNS)}"
        )
    obs_ids = list(dict.fromkeys(m["observableId"].astype(str)))

    if observables is None:  # PEtab forbids an observable id that shadows a model id
        for o in obs_ids:
            if o in rule_targets and o not in species:  # a readout the model computes
                raise PetabError(
                    f"{o!r} is not a species but a quantity the model computes; observe it "
                    f"with observables={{'obs_{o}': '{o}'}} (and that id in the measurements)"
                )
            check_name(o, sorted(species), kind="species (as default observable)")
        observables = {f"obs_{o}": o for o in obs_ids}
        m["observableId"] = "obs_" + m["observableId"].astype(str)
    if isinstance(observables, Mapping):
        obs = pd.DataFrame(
            {
                "observableId": list(observables),
                "observableFormula": [str(v) for v in observables.values()],
            }
        )
    else:
        obs = pd.DataFrame(observables).reset_index(drop="observableId" in observables)
    # observables whose measurements give their noise parameters
    noisy = (
        set(m.loc[m["noiseParameters"].notna(), "observableId"].astype(str))
        if "noiseParameters" in m
        else set()
    )
    partial = sorted(
        o
        for o in noisy
        if m.loc[m["observableId"].astype(str) == o, "noiseParameters"].isna().any()
    )
    if partial:  # one noise formula per observable: its placeholder needs a value per row
        raise PetabError(
            f"noiseParameters are given for some measurements of {', '.join(partial)} and "
            "not for others; give them on every row of an observable, or on none (its "
            "standard deviation is then estimated)"
        )
    extra_params: list[dict[str, Any]] = []
    if "noiseFormula" not in obs:
        obs["noiseFormula"] = pd.Series([None] * len(obs), index=obs.index, dtype=object)
    obs["noiseFormula"] = obs["noiseFormula"].astype(object)
    for k, row in obs.iterrows():
        if pd.isna(row["noiseFormula"]):
            oid = row["observableId"]
            if oid in noisy:
                obs.loc[k, "noiseFormula"] = f"noiseParameter1_{oid}"
            else:
                obs.loc[k, "noiseFormula"] = f"sd_{oid}"
                extra_params.append(
                    {
                        "parameterId": f"sd_{oid}",
                        "parameterScale": "log10",
                        "lowerBound": SIGMA_BOUNDS[0],
                        "upperBound": SIGMA_BOUNDS[1],
                        "nominalValue": 1.0,
                        "estimate": 1,
                    }
                )
    for col, default in (("observableTransformation", "lin"), ("noiseDistribution", "normal")):
        if col not in obs:
            obs[col] = default

    # parameters the measurement table names as overrides (``noiseParameters: sdA``):
    # not model parameters, estimated all the same
    overrides = {
        col: list(dict.fromkeys(_override_symbols(m[col]))) if col in m else []
        for col in ("noiseParameters", "observableParameters")
    }
    if isinstance(parameters, pd.DataFrame):
        par = parameters.reset_index(drop="parameterId" in parameters)
    else:
        if parameters is None:
            # not what rules or initial assignments compute (a derived constant follows the
            # parameters it reads; estimated on its own it would not), nor the multipliers
            # the loader adds (cut_J * k: only the product would be determined), nor what
            # the conditions set
            computed = rule_targets | {a.getSymbol() for a in sm.getListOfInitialAssignments()}
            computed |= set(generated)
            if conditions is not None:
                computed |= set(pd.DataFrame(conditions).columns)
            parameters = [p for p, v in model_params.items() if v > 0 and p not in computed]
        rows = []
        items = (
            parameters.items()
            if isinstance(parameters, Mapping)
            else [(p, None) for p in parameters]
        )
        named = set(overrides["noiseParameters"]) | set(overrides["observableParameters"])
        if conditions is not None:  # a condition cell may name a parameter too
            named |= set(
                _override_symbols(
                    pd.DataFrame(conditions)
                    .drop(columns=["conditionId", "conditionName"], errors="ignore")
                    .to_numpy()
                    .ravel()
                )
            )
        for pid, bounds in items:
            if pid in named and pid not in model_params:
                if bounds is None:
                    raise PetabError(
                        f"{pid!r} is a parameter of the measurement or condition table, not "
                        "of the model: give its bounds, parameters={'%s': (low, high)}" % pid
                    )
                value = math.nan
            else:
                check_name(pid, sorted(model_params), kind="model parameter")
                value = float(model_params[pid])
            if bounds is None:
                if value <= 0:
                    raise PetabError(
                        f"parameter {pid!r} is {value}; give its bounds "
                        "explicitly: parameters={'%s': (low, high)}" % pid
                    )
                bounds = (value / DEFAULT_FACTOR, value * DEFAULT_FACTOR)
            lo, hi = (float(b) for b in bounds)
            if not (np.isfinite(lo) and np.isfinite(hi) and lo < hi):
                raise PetabError(
                    f"bounds of {pid!r} must be finite with lower < upper; got ({lo:g}, {hi:g})"
                )
            log = lo > 0  # a log10 scale needs positive bounds
            middle = float(np.sqrt(lo * hi)) if log else (lo + hi) / 2
            nominal = value if lo <= value <= hi else middle  # (False for NaN)
            rows.append(
                {
                    "parameterId": pid,
                    "parameterScale": "log10" if log else "lin",
                    "lowerBound": lo,
                    "upperBound": hi,
                    "nominalValue": nominal,
                    "estimate": 1,
                }
            )
        listed = {r["parameterId"] for r in rows}
        for pid in overrides["noiseParameters"]:  # a standard deviation, as sd_<id> is
            if pid not in listed and pid not in model_params:
                extra_params.append(
                    {
                        "parameterId": pid,
                        "parameterScale": "log10",
                        "lowerBound": SIGMA_BOUNDS[0],
                        "upperBound": SIGMA_BOUNDS[1],
                        "nominalValue": 1.0,
                        "estimate": 1,
                    }
                )
        for pid in overrides["noiseParameters"] + overrides["observableParameters"]:
            if pid not in listed and pid in model_params:  # named, not estimated: fixed
                value = float(model_params[pid])
                extra_params.append(
                    {
                        "parameterId": pid,
                        "parameterScale": "lin",
                        "lowerBound": value,
                        "upperBound": value,
                        "nominalValue": value,
                        "estimate": 0,
                    }
                )
                listed.add(pid)
        unbounded = [
            p
            for p in overrides["observableParameters"]
            if p not in listed and p not in model_params
        ]
        if unbounded:
            raise PetabError(
                f"observableParameters name {', '.join(map(repr, unbounded))}, which is not a "
                "model parameter: give its bounds, parameters={'%s': (low, high)}" % unbounded[0]
            )
        par = pd.DataFrame(rows + extra_params)
    if conditions is None:
        used = list(m["simulationConditionId"].astype(str))
        if "preequilibrationConditionId" in m:
            used += list(m["preequilibrationConditionId"].dropna().astype(str))
        ids = list(dict.fromkeys(c for c in used if c))
        if len(ids) > 1:
            import warnings

            warnings.warn(
                f"{len(ids)} condition ids ({', '.join(ids[:4])}{', ...' if len(ids) > 4 else ''})"
                " and no condition table: every condition simulates the same model; give "
                "`conditions=` (what each id sets, e.g. a drug's dose parameter)",
                UserWarning,
                stacklevel=2,
            )
        cond = pd.DataFrame({"conditionId": ids})
    else:
        cond = pd.DataFrame(conditions).reset_index(drop="conditionId" in conditions)

    problem = petab.Problem(
        model=petab.models.sbml_model.SbmlModel(
            sbml_model=sm, sbml_document=doc, model_id=sm.getId() or name
        ),
        condition_df=petab.get_condition_df(cond),
        measurement_df=petab.get_measurement_df(m),
        parameter_df=petab.get_parameter_df(par),
        observable_df=petab.get_observable_df(obs),
    )
    # what is written is what `fit` and `petablint` accept: never a problem that fails
    table = problem.observable_df  # (indexed by observableId)
    noise = dict(zip(table.index.astype(str), table["noiseFormula"], strict=True))
    refuse_bad_noise(problem.measurement_df, noise)
    load_petab(problem, lint=True, where="the problem to_petab built")
    if out is not None:
        folder = Path(out)
        folder.mkdir(parents=True, exist_ok=True)
        problem.to_files(
            model_file=folder / "model.xml",
            condition_file=folder / "conditions.tsv",
            measurement_file=folder / "measurements.tsv",
            parameter_file=folder / "parameters.tsv",
            observable_file=folder / "observables.tsv",
            yaml_file=folder / f"{name}.yaml",
            relative_paths=True,
            prefix_path=None,
        )
    return problem
