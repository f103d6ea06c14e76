"""Results as COMBINE archives (OMEX): the perturbed SBML, a SED-ML description, metadata.

A colleague with tellurium, COPASI or any SED-ML tool reruns a figure from the archive
alone. What each result becomes:

- a time course (`simulate`): one UniformTimeCourse. With pre-equilibration (the default)
  the SBML's initial state is the drug-free steady state the package computed, so the
  drugs act from t = 0 exactly as in `simulate`. A drug schedule becomes SBML events, one
  per piece of `Schedule.pieces` (the same cuts and concentrations the package
  integrates: segments exactly, oral PK as its mean over each ``pk_step``); stepped
  inputs (``step_inputs``) are set in the SBML, over the steady state of the inputs the
  run was equilibrated at.
- a dose-response (`dose_response`), a two-drug matrix (`combination`: one curve of the
  second drug per dose of the first) and a one-dimensional sweep (`sweep`): a RepeatedTask
  per curve that sets the dose (or swept parameter or input) with a SetValue and runs the
  subtask from the model's initial state (``resetModel``). At steady state the subtask is
  a long UniformTimeCourse (0 to `STEADY_END` min, one step; the second point of each
  iteration is the steady state). We chose a long time course over a SED-ML SteadyState
  (KiSAO:0000407) because tools differ in how they start Newton's method inside a
  repeated task, while every tool integrates an ODE the same way; `STEADY_END` is 50
  times the slowest time scale of the bundled model (EMT turnover, ~2000 min); for a
  slower model, compare the archive's numbers with the package's before sharing them.
  With ``time`` set, the subtask runs from the drug-free steady state to ``time``.

Each archive holds a report (every data generator) and a plot of the readouts.
"""

from __future__ import annotations

import os
import tempfile
import uuid
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ._errors import MtorSimError, check_output_file
from ._perturb import Perturbation

if TYPE_CHECKING:  # pragma: no cover
    from ._model import Model

__all__ = ["to_omex", "STEADY_END"]

#: min; end of the long time course that stands for a steady state in SED-ML
STEADY_END = 1e5
#: integrator settings written into the SED-ML (KiSAO id -> value)
_ALGORITHM = {"KISAO:0000209": 1e-10, "KISAO:0000211": 1e-14, "KISAO:0000415": 1_000_000}


@dataclass
class _Scan:
    """One model file and the simulation run on it."""

    key: str  # short id, used in file and element ids
    label: str  # human-readable
    sbml: str
    outputs: list[str]  # readouts reported
    t_end: float  # end of the (sub)task's time course, min
    steps: int  # intervals of that time course
    target: str | None = None  # SetValue target id (None: no scan)
    target_is_species: bool = False
    values: tuple[float, ...] = ()
    scan_name: str = ""
    # initial values computed from the scanned quantity: (id, is species, formula of the
    # scanned value written as "__scan__"), set beside it in each iteration
    dependents: tuple[tuple[str, bool, str], ...] = ()
    fixed: tuple[tuple[str, float], ...] = ()  # parameters set to a constant per iteration
    model_key: str = ""  # scans with the same model_key share one model file
    species_units: str = "auto"  # how the package reported species outputs
    # species output -> the parameter that carries its concentration in the archive's SBML
    as_parameter: dict[str, str] = field(default_factory=dict)

    @property
    def model_id(self) -> str:
        return f"model_{self.model_key or self.key}"


def to_omex(result: Any, path: str | Path, *, model: Model | None = None) -> Path:
    """Write a result as a COMBINE archive that SED-ML tools execute.

    Parameters
    ----------
    result : TimeCourse, DoseResponse, Combination or Sweep
        A time course from `simulate`, a dose-response from `dose_response`, a two-drug
        matrix from `combination` (one scan of the second drug per dose of the first), or
        a sweep over one drug, input or parameter (grid) from `sweep`. A time course
        that failed is refused: it has no numbers to reproduce; so is a scan with points
        that were not solved (the archive would give numbers for them).
    path : str or Path
        Archive to write (``.omex``).
    model : Model, optional
        The model the result was computed with; default the bundled model. Its hash must
        match the one the result records.

    Returns
    -------
    Path
        The archive.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> import mtor_sim as ms
    >>> tc = ms.load_model().simulate(t_end=60, drugs={"everolimus": 10})
    >>> folder = pathlib.Path(tempfile.mkdtemp())
    >>> ms.to_omex(tc, folder / "everolimus.omex").name
    'everolimus.omex'
    """
    from ._dose_response import Combination, DoseResponse
    from ._model import load_model
    from ._results import TimeCourse
    from ._sweep import Sweep

    target = check_output_file(path)
    model = model if model is not None else load_model()
    kinds = {
        TimeCourse: ("time course", _time_course),
        DoseResponse: ("dose-response", _dose_response),
        Combination: ("drug combination", _combination),
        Sweep: ("steady-state scan", _sweep),
    }
    kind = next((k for k in kinds if isinstance(result, k)), None)
    if kind is None:
        raise TypeError(
            "`result` must be a TimeCourse, DoseResponse, Combination or Sweep, "
            f"got {type(result).__name__}"
        )
    meta = result.metadata if isinstance(result, TimeCourse) else result.settings
    recorded = meta.get("model_hash")
    if recorded is not None and recorded != model.hash:  # before reading the result with it
        raise MtorSimError(
            f"the result was computed with model {meta.get('model')!r} (hash "
            f"{recorded}), not with {model.name!r} ({model.hash}); pass the "
            "model it came from as `model=`"
        )
    if isinstance(result, TimeCourse) and not result.success:
        # its table is NaN: an archive written as of a result would stand for numbers the
        # package never computed
        raise MtorSimError(
            f"the time course failed ({result.status}: {result.message}); there are no "
            "numbers for an archive to reproduce: compute a time course that succeeds"
        )
    what, build = kinds[kind]
    unsolved, points = unsolved_points(result)
    if unsolved:
        # the archive reruns every point, and tools would give numbers at the ones the
        # package could not solve (NaN in its table): the archive would not reproduce it
        raise MtorSimError(
            f"{unsolved} of the {what}'s {points} points were not solved (see "
            "its status); an archive would stand for numbers the package never computed: "
            "archive a result whose points all solved (drop or narrow the failed ones)"
        )
    scans = build(model, result)
    return _write_archive(target, scans, title=f"mtor_sim {what} of model {model.name}")


def unsolved_points(result: Any) -> tuple[int, int]:
    """The points of a dose-response, combination or sweep without a solution (each
    status but ``ok`` and ``zero_reference``: a combination whose every pair solved and
    none inhibits has its readouts, not its inhibition), and all its points; (0, 0) for
    a time course."""
    if not hasattr(result, "_outcomes"):
        return 0, 0
    points, failed = result._outcomes()
    failed.pop("zero_reference", None)
    return sum(failed.values()), points


# ------------------------------------------------------------------ result -> scans
def _time_course(model: Model, tc: Any) -> list[_Scan]:
    from ._engine import event_changed, steady_state_of
    from ._export import input_species, perturbed_sbml

    pert = Perturbation.from_dict(tc.perturbation)
    meta = tc.metadata
    stepped = dict(meta.get("step_inputs") or {})
    state = None
    if meta.get("solver", {}).get("pre_equilibrate", True):
        base = pert.without_drugs()
        if stepped:
            if "baseline_inputs" not in meta:
                raise MtorSimError(
                    "the time course stepped its inputs (`step_inputs`) but does not record "
                    "the inputs it was equilibrated at; compute it again with this version"
                )
            base = replace(base, inputs=tuple(sorted(meta["baseline_inputs"].items())))
        if meta.get("step_parameters"):  # equilibrated at the parameters before the step
            base = replace(base, parameters=tuple(sorted(meta["baseline_parameters"].items())))
        found = steady_state_of(model, base)
        ruled = _rate_rule_variables(model)
        if ruled:
            # the run starts from every state variable's steady value, and an archive
            # can carry only the species': the rate-rule variables would start from their
            # initial values (A at 0.1 instead of 0.5 read 0.40 off)
            raise MtorSimError(
                "the model has rate rules on parameters, compartments or boundary species "
                f"({', '.join(ruled[:3])}), whose steady values "
                "an archive of a pre-equilibrated time course cannot carry yet; archive a run "
                "with pre_equilibrate=False instead"
            )
        if not found.success:
            raise MtorSimError(
                f"the time course's drug-free baseline is not at a verified steady state "
                f"({found.message}); there is no state to write into the archive"
            )
        changed = event_changed(found.message)
        if changed:
            # the run keeps what the events set on the way to the baseline; an archive
            # carries the species' values only, so those would start from the file's
            raise MtorSimError(
                f"the model's events changed {changed} on the way to the "
                "drug-free steady state the time course starts from, values an archive "
                "of a pre-equilibrated time course cannot carry; archive a run with "
                "pre_equilibrate=False instead"
            )
        state = {str(k): float(v) for k, v in found.species.items()}
        for name in stepped:  # a stepped species keeps its new value at t = 0
            selection = model._layout.inputs[name]
            if selection.startswith("init("):
                state.pop(input_species(selection)[0], None)
    time = tc.data.index.to_numpy()
    t_end = float(time[-1])
    if meta.get("schedule"):
        sbml = _scheduled_sbml(model, pert, meta, t_end, state)
    else:
        sbml = perturbed_sbml(model, pert, initial_state=state)
    units = str(meta.get("solver", {}).get("species_units", "auto"))
    return [
        _Scan(
            "tc",
            pert.label(),
            sbml,
            list(tc.readout_names),
            t_end,
            len(time) - 1,
            species_units=units,
        )
    ]


def _rate_rule_variables(model: Model) -> list[str]:
    """Parameters and compartments the model's rate rules change (state variables an
    archive's initial species values do not carry)."""
    import libsbml

    m = libsbml.readSBMLFromString(model.sbml).getModel()
    # a boundary species a rate rule changes is such a variable too (the engine's
    # `Solver.rule_vars`): only floating species are carried
    species = {s.getId() for s in m.getListOfSpecies() if not s.getBoundaryCondition()}
    rules = (m.getRule(i) for i in range(m.getNumRules()))
    return [r.getVariable() for r in rules if r.isRate() and r.getVariable() not in species]


def _scheduled_sbml(
    model: Model,
    pert: Perturbation,
    meta: dict[str, Any],
    t_end: float,
    state: dict[str, float] | None,
) -> str:
    """The SBML of a scheduled time course: the first piece's concentrations as the drug
    parameters' values, and an event at the start of every later piece that sets them."""
    import libsbml

    from ._engine import with_potencies
    from ._export import perturbed_sbml
    from ._perturb import resolve
    from ._schedule import Schedule

    schedule = Schedule.from_dict(meta["schedule"])
    pk_step = float(meta.get("solver", {}).get("pk_step_min", 30.0))
    # the schedule counts minutes, the model its own unit; drugs on oral plans act with
    # unbound potencies: as the run did (`_engine.time_course_of`)
    per_unit = float(meta.get("minutes_per_unit", 1.0))
    pieces = schedule.pieces(t_end * per_unit, pk_step=pk_step)
    pert = with_potencies(pert, meta.get("unbound_potencies") or {})
    runs = [pert.with_drugs({**dict(pert.drugs), **conc}) for _, _, conc in pieces]
    values = [resolve(model, run)[0] for run in runs]
    changing = sorted(k for k in values[0] if any(v[k] != values[0][k] for v in values[1:]))
    doc = libsbml.readSBMLFromString(perturbed_sbml(model, runs[0], initial_state=state))
    m = doc.getModel()
    for name in changing:
        m.getParameter(name).setConstant(False)
    for k, ((start, _, _), vals) in enumerate(zip(pieces, values, strict=True)):
        if k == 0:
            continue
        event = m.createEvent()
        event.setId(f"schedule_piece_{k}")
        event.setUseValuesFromTriggerTime(True)
        trigger = event.createTrigger()
        trigger.setInitialValue(False)
        trigger.setPersistent(True)
        trigger.setMath(libsbml.parseL3Formula(f"time >= {start / per_unit!r}"))
        for name in changing:
            assignment = event.createEventAssignment()
            assignment.setVariable(name)
            assignment.setMath(libsbml.parseL3Formula(repr(float(vals[name]))))
    return libsbml.writeSBMLToString(doc)


def _dose_response(model: Model, dr: Any) -> list[_Scan]:
    from ._perturb import make_perturbation

    settings = dr.settings
    background = dict(settings.get("background_drugs") or {})
    others = dict(settings.get("perturbation") or {})
    scans = []
    for i, (label, rows) in enumerate(dr.table.groupby("genotype", sort=False)):
        genotype: Any = [] if label == "baseline" else label.split(" + ")
        pert = make_perturbation(
            model, genotype=genotype or None, drugs=background | {dr.drug: 0.0}, **others
        )
        scans.append(
            _scan_over(
                model,
                pert,
                f"dr{i}",
                f"{label}: {dr.drug}",
                dr.drug,
                "drug",
                tuple(float(v) for v in rows["dose"]),
                [dr.readout],
                settings.get("time"),
            )
        )
    return scans


def _combination(model: Model, cm: Any) -> list[_Scan]:
    from dataclasses import replace

    from ._perturb import make_perturbation

    a, b = cm.drugs
    settings = cm.settings
    background = dict(settings.get("background_drugs") or {})
    pert = make_perturbation(
        model, drugs=background | {a: 0.0, b: 0.0}, **dict(settings.get("perturbation") or {})
    )
    doses_b = tuple(float(v) for v in cm.response.columns)
    first = _scan_over(model, pert, "cm0", "", b, "drug", doses_b, [cm.readout], None)
    dose_a = model._layout.drug_parameters[a]
    return [
        replace(
            first,
            key=f"cm{i}",
            label=f"{a} {x:g} nM, {b} scan",
            model_key="cm",
            fixed=((dose_a, float(x)),),
        )
        for i, x in enumerate(cm.response.index)
    ]


def _sweep(model: Model, sw: Any) -> list[_Scan]:
    settings = sw.settings
    if len(sw.names) != 1 or settings.get("method") != "grid":
        raise MtorSimError(
            "a COMBINE archive holds a grid sweep over one name; this sweep "
            f"has method {settings.get('method')!r} over {list(sw.names)}"
        )
    name = sw.names[0]
    kind = settings["kinds"][name]
    if kind not in ("drug", "input", "parameter"):
        raise MtorSimError(
            f"sweeps over {kind!r} values cannot be written as SED-ML: each "
            "value is a different model; export each with Model.to_sbml"
        )
    pert = Perturbation.from_dict(settings["background"])
    values = tuple(float(v) for v in settings["space"][name])
    return [
        _scan_over(
            model,
            pert,
            "sw",
            f"{pert.label()}: {name}",
            name,
            kind,
            values,
            list(sw.readouts),
            settings.get("time"),
        )
    ]


def _scan_over(
    model: Model,
    pert: Perturbation,
    key: str,
    label: str,
    name: str,
    kind: str,
    values: tuple[float, ...],
    outputs: list[str],
    time: float | None,
) -> _Scan:
    from ._engine import steady_state_of
    from ._export import perturbed_sbml

    layout = model._layout
    if kind == "drug":
        if not layout.drug_parameters:
            raise MtorSimError(
                "drug doses of models other than the bundled one scale several "
                "parameters; SED-ML export of such scans is not supported"
            )
        target = layout.drug_parameters[name]
    elif kind == "input":
        target = layout.inputs[name]
    else:
        target = name
    if time is not None and kind != "drug":
        raise MtorSimError(
            "a scan at a time point starts from the drug-free steady state, "
            "which only a drug axis leaves unchanged; scan at steady state"
        )
    if kind != "drug":
        _refuse_held(model, pert, name, kind, target, values)
    state = None
    if time is not None:
        base = steady_state_of(model, pert.without_drugs()).species
        state = {str(k): float(v) for k, v in base.items()}
    species = target.startswith("init(")
    if species:
        from ._export import input_species

        target = input_species(target)[0]
    sbml = perturbed_sbml(model, pert, initial_state=state)
    t_end = float(time) if time is not None else STEADY_END
    return _Scan(
        key,
        label,
        sbml,
        outputs,
        t_end,
        1,
        target,
        species,
        values,
        name,
        _dependents(sbml, target),
    )


def _refuse_held(
    model: Model,
    pert: Perturbation,
    name: str,
    kind: str,
    target: str,
    values: tuple[float, ...],
) -> None:
    """Refuse a scan of a parameter or input that the background perturbation holds
    (a cut or a knockout zeroes it after the explicit values): the package's points keep
    it held, while a SED-ML SetValue would set each scanned value over the hold."""
    from ._perturb import resolve

    for value in values:
        if kind == "parameter":
            point = replace(pert, parameters=_merged(pert.parameters, name, value))
        else:
            point = replace(pert, inputs=_merged(pert.inputs, name, value))
        found, clamped = resolve(model, point)
        held = False
        if target.startswith("init("):  # a species' initial value: a knockout holds it
            from ._export import input_species

            sid = input_species(target)[0]
            held = sid in clamped or any(k in found for k in (f"ko({sid})", f"zero({sid})"))
        if held or found.get(target, value) != value:
            raise MtorSimError(
                f"the sweep's background ({pert.label()}) holds {name!r} at "
                f"{0.0 if held else found[target]:g} whatever its value, so every point "
                "of the sweep has that value; a SED-ML scan would set the scanned values "
                "over it: sweep without the cut or knockout that holds it"
            )


def _merged(
    given: tuple[tuple[str, float], ...], name: str, value: float
) -> tuple[tuple[str, float], ...]:
    """``given`` (name, value) pairs with ``name`` set to ``value``."""
    return tuple(sorted((dict(given) | {name: value}).items()))


def _dependents(sbml: str, target: str) -> tuple[tuple[str, bool, str], ...]:
    """Initial assignments that read ``target``: SED-ML tools set the scanned value after
    the model's initial values are computed, so these are set beside it (the engine sets
    parameters, then recomputes the initial state)."""
    import re

    import libsbml

    # identifiers of an infix formula, function names (followed by "(") left out; text,
    # not the AST, because libSEDML's bindings change libsbml's AST node types once loaded
    name = re.compile(r"\b([A-Za-z_]\w*)\b(?!\s*\()")
    m = libsbml.readSBMLFromString(sbml).getModel()
    out = []
    for ia in m.getListOfInitialAssignments():
        # numbers may carry units ("1 dimensionless"): the unit is no identifier
        formula = re.sub(r"(\d)\s+[A-Za-z_]\w*", r"\1", libsbml.formulaToL3String(ia.getMath()))
        names = set(name.findall(formula))
        if target not in names:
            continue
        if names != {target}:
            raise MtorSimError(
                f"the initial value of {ia.getSymbol()!r} depends on "
                f"{target!r} and on {sorted(names - {target})}; SED-ML scans "
                "of such a quantity are not supported: export each value "
                "with Model.to_sbml"
            )
        out.append(
            (
                ia.getSymbol(),
                m.getSpecies(ia.getSymbol()) is not None,
                re.sub(rf"\b{re.escape(target)}\b", "__scan__", formula),
            )
        )
    return tuple(out)


# ------------------------------------------------------------------ SED-ML + archive
def _sedml(scans: list[_Scan], title: str) -> str:
    import libsedml

    doc = libsedml.SedDocument(1, 4)
    for scan in scans:
        mid = scan.model_id
        if doc.getModel(mid) is None:
            m = doc.createModel()
            m.setId(mid)
            m.setName(scan.label)
            m.setLanguage(_sbml_language(scan.sbml))
            m.setSource(f"{mid}.xml")
        sim = doc.createUniformTimeCourse()
        sim.setId(f"sim_{scan.key}")
        sim.setInitialTime(0.0)
        sim.setOutputStartTime(0.0)
        sim.setOutputEndTime(scan.t_end)
        sim.setNumberOfSteps(scan.steps)
        alg = sim.createAlgorithm()
        alg.setKisaoID("KISAO:0000019")  # CVODE
        for kisao, value in _ALGORITHM.items():
            ap = alg.createAlgorithmParameter()
            ap.setKisaoID(kisao)
            ap.setValue(repr(value))
        task = doc.createTask()
        task.setId(f"task_{scan.key}")
        task.setModelReference(mid)
        task.setSimulationReference(sim.getId())
        top = task.getId()
        if scan.target is not None:
            rt = doc.createRepeatedTask()
            rt.setId(f"scan_{scan.key}")
            rt.setName(scan.label)
            rt.setResetModel(True)
            rng = rt.createVectorRange()
            rng.setId(f"range_{scan.key}")
            for v in scan.values:
                rng.addValue(v)
            rt.setRangeId(rng.getId())
            # initial values first: setting one (roadrunner) resets the parameters
            for dep_id, is_species, formula in scan.dependents:
                dep = rt.createTaskChange()
                dep.setModelReference(mid)
                dep.setTarget(_xpath(dep_id, is_species))
                dep.setRange(rng.getId())
                dep.setMath(libsedml.parseL3Formula(formula.replace("__scan__", rng.getId())))
            for pid, value in scan.fixed:
                fix = rt.createTaskChange()
                fix.setModelReference(mid)
                fix.setTarget(_xpath(pid, False))
                fix.setMath(libsedml.parseL3Formula(repr(value)))
            sv = rt.createTaskChange()
            sv.setModelReference(mid)
            sv.setTarget(_xpath(scan.target, scan.target_is_species))
            sv.setRange(rng.getId())
            sv.setMath(libsedml.parseL3Formula(rng.getId()))
            sub = rt.createSubTask()
            sub.setTask(task.getId())
            sub.setOrder(1)
            top = rt.getId()
        report = doc.createReport()
        report.setId(f"report_{scan.key}")
        report.setName(scan.label)
        plot = doc.createPlot2D()
        plot.setId(f"plot_{scan.key}")
        plot.setName(scan.label)
        x_name = "time" if scan.target is None else "scan"
        columns: list[tuple[str, str | None]] = [(x_name, None)]
        columns += [(q, q) for q in scan.outputs]
        for col, sid in columns:
            dg = doc.createDataGenerator()
            dg.setId(f"dg_{scan.key}_{col}")
            dg.setName(col if col != "scan" else scan.scan_name)
            var = dg.createVariable()
            var.setId(f"v_{scan.key}_{col}")
            var.setTaskReference(top)
            var.setModelReference(mid)
            if col == "time":
                var.setSymbol("urn:sedml:symbol:time")
            elif col == "scan" and scan.target is not None:
                var.setTarget(_xpath(scan.target, scan.target_is_species))
            elif sid is not None:
                carrier = scan.as_parameter.get(sid)
                var.setTarget(_xpath(carrier, False) if carrier else _xpath(sid, None))
            dg.setMath(libsedml.parseL3Formula(var.getId()))
            ds = report.createDataSet()
            ds.setId(f"ds_{scan.key}_{col}")
            ds.setLabel(dg.getName())
            ds.setDataReference(dg.getId())
        for col, _ in columns[1:]:
            curve = plot.createCurve()
            curve.setId(f"curve_{scan.key}_{col}")
            curve.setName(col)
            curve.setXDataReference(f"dg_{scan.key}_{x_name}")
            curve.setYDataReference(f"dg_{scan.key}_{col}")
    doc.setNotes(f'<body xmlns="http://www.w3.org/1999/xhtml"><p>{title}</p></body>')
    return libsedml.writeSedMLToString(doc)


def _sbml_language(sbml: str) -> str:
    """The SED-ML language URN of an SBML document, with its own level and version (a
    model loaded from SBML Level 2 is written as Level 2)."""
    import libsbml

    doc = libsbml.readSBMLFromString(sbml)
    return f"urn:sedml:language:sbml.level-{doc.getLevel()}.version-{doc.getVersion()}"


def _xpath(sid: str, species: bool | None) -> str:
    """XPath of an SBML parameter or species (``species=None``: look the kind up)."""
    if species is None:
        return f"/sbml:sbml/sbml:model/descendant::*[@id='{sid}']"
    kind = "species" if species else "parameter"
    plural = "listOfSpecies" if kind == "species" else "listOfParameters"
    return f"/sbml:sbml/sbml:model/sbml:{plural}/sbml:{kind}[@id='{sid}']"


def _free_id(m: Any, base: str) -> str:
    """``base``, with ``_`` appended until no element of model ``m`` has that id."""
    while m.getElementBySId(base) is not None:
        base += "_"
    return base


def _name_node(sid: str) -> Any:
    """A MathML name node for ``sid``."""
    import libsbml

    node = libsbml.ASTNode(libsbml.AST_NAME)
    node.setName(sid)
    return node


def _give_units(m: Any, par: Any, species: Any) -> None:
    """Give ``par`` the units of ``species``' concentration, where the model declares
    them (a unit definition of their own: libSBML's unit checks want every parameter's).
    A species with ``hasOnlySubstanceUnits`` has its amount's units, divided here by its
    compartment's."""
    import libsbml

    derived = species.getDerivedUnitDefinition()
    if derived is None or derived.getNumUnits() == 0:
        return
    if species.getHasOnlySubstanceUnits():
        size = m.getCompartment(species.getCompartment()).getDerivedUnitDefinition()
        if size is None or size.getNumUnits() == 0:
            return
        derived = libsbml.UnitDefinition.divide(derived, size)
    if derived is None or derived.getNumUnits() == 0:
        return
    uid = _free_id(m, f"{par.getId()}_unit")
    ud = m.createUnitDefinition()
    ud.setId(uid)
    for i in range(derived.getNumUnits()):
        ud.addUnit(derived.getUnit(i))
    par.setUnits(uid)


def _report_concentrations(scans: list[_Scan]) -> None:
    """Give each species output reported as a concentration a parameter that carries it.

    SED-ML tools differ in whether a species variable is its amount or its concentration
    (tellurium reports the amount); an assignment rule ``p = S`` is the concentration in
    every tool (``p = S / C`` for a species with ``hasOnlySubstanceUnits``, whose symbol
    is its amount). Species reported as amounts (``species_units="amount"``, or ``"auto"``
    with ``hasOnlySubstanceUnits``) are left as they are. Scans that share a model file
    get the same parameters."""
    import libsbml

    by_model: dict[str, list[_Scan]] = {}
    for scan in scans:
        by_model.setdefault(scan.model_id, []).append(scan)
    for group in by_model.values():
        doc = libsbml.readSBMLFromString(group[0].sbml)
        m = doc.getModel()
        made: dict[str, str] = {}
        for scan in group:
            for sid in scan.outputs:
                sp = m.getSpecies(sid)
                if sp is None or scan.species_units == "amount" or sid in made:
                    continue
                if scan.species_units == "auto" and sp.getHasOnlySubstanceUnits():
                    continue
                pid = _free_id(m, f"{sid}_concentration")
                par = m.createParameter()
                par.setId(pid)
                par.setConstant(False)
                _give_units(m, par, sp)
                rule = m.createAssignmentRule()
                rule.setVariable(pid)
                # name nodes, not parsed text: an id such as `pi` or `time` would be
                # read as the constant or the symbol
                math = _name_node(sid)
                if sp.getHasOnlySubstanceUnits():  # its symbol is its amount
                    ratio = libsbml.ASTNode(libsbml.AST_DIVIDE)
                    ratio.addChild(math)
                    ratio.addChild(_name_node(sp.getCompartment()))
                    math = ratio
                rule.setMath(math)
                made[sid] = pid
        if not made:
            continue
        sbml = libsbml.writeSBMLToString(doc)
        for scan in group:
            scan.sbml = sbml
            scan.as_parameter = {s: p for s, p in made.items() if s in scan.outputs}


def _write_archive(path: Path, scans: list[_Scan], *, title: str) -> Path:
    import libcombine

    from . import __version__

    path.parent.mkdir(parents=True, exist_ok=True)
    _report_concentrations(scans)
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        archive = libcombine.CombineArchive()
        for scan in scans:
            f = folder / f"{scan.model_id}.xml"
            if f.exists():  # shared by several scans
                continue
            f.write_text(scan.sbml, encoding="utf-8")
            archive.addFile(str(f), f.name, libcombine.KnownFormats.lookupFormat("sbml"), False)
        sed = folder / "simulation.sedml"
        sed.write_text(_sedml(scans, title), encoding="utf-8")
        archive.addFile(str(sed), sed.name, libcombine.KnownFormats.lookupFormat("sedml"), True)
        # the archive's own entry, as the OMEX specification has every manifest list it
        itself = archive.getManifest().createContent()
        itself.setLocation(".")
        itself.setFormat("http://identifiers.org/combine.specifications/omex")
        desc = libcombine.OmexDescription()
        desc.setAbout(".")
        desc.setDescription(f"{title}; written by mtor_sim {__version__}")
        desc.setCreated(libcombine.OmexDescription.getCurrentDateAndTime())
        archive.addMetadata(".", desc)
        # written under a new name beside the target, then moved over it: an archive that
        # fails to write leaves the previous one in place (it was deleted first)
        staged = path.with_name(f".{path.name}.{uuid.uuid4().hex}.part")
        try:
            if not archive.writeToFile(str(staged)):
                raise OSError(f"could not write COMBINE archive {str(path)!r}")
            archive.cleanUp()
            os.replace(staged, path)
        finally:
            staged.unlink(missing_ok=True)
    return path
