"""Loading a model file; the names of its nodes, interactions, readouts and parameters."""

from __future__ import annotations

import functools
import hashlib
import json
import os
import re
import stat
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, fields, replace
from importlib import resources
from pathlib import Path
from typing import TYPE_CHECKING, Any, NamedTuple

import pandas as pd

from ._errors import ModelFileError, MtorSimError
from ._forms import _names_read
from ._roadrunner import ast_type

if TYPE_CHECKING:  # pragma: no cover
    import roadrunner

    from ._catalogue import Catalogue
    from ._labels import Labels

__all__ = ["Model", "load_model", "bundled_model_path"]

BUNDLED_NAME = "mtor_hcc"
#: Cached read-only descriptions of a model, left out when it is pickled.
_VIEWS = frozenset({" catalogue", " labels"})
#: Compiled runners kept per model for knockouts that clamp species (each costs a compile
#: and several MB); the unperturbed runner is always kept.
MAX_CLAMPED_RUNNERS = 8
#: Default limits of `load_model` (raise them with its ``max_bytes``/``max_species``): a
#: model past them takes minutes to compile and solve, or is not a model file at all.
MAX_BYTES = 50_000_000
MAX_SPECIES = 2_000
#: Seconds of wall-clock time one steady-state search may take by default
#: (`Model.solve_budget`). A search on the bundled model takes under 1 s, the slowest on
#: the reference models about 5 s (Varusai 2018 with DEPTOR knocked out: a long
#: integration), which leaves room for a machine several times slower or busier; one that
#: CVODE cannot finish (Dalle Pezze 2016 with ``reaction_1`` cut ran its 200,000 steps for
#: some 190 s before failing) ends here with status ``"timed_out"``.
SOLVE_BUDGET_S = 30.0
#: libsbml consistency checks not run at load: unit consistency (the engine ignores units
#: and published models often mix them) and modelling practice / SBO terms (advice and
#: annotations that do not change the equations). The other checks (general and
#: identifier consistency, MathML, overdetermined models) refuse a model on any error.
_SBML_CHECKS_OFF = (
    "LIBSBML_CAT_UNITS_CONSISTENCY",
    "LIBSBML_CAT_MODELING_PRACTICE",
    "LIBSBML_CAT_SBO_CONSISTENCY",
)
#: An Antimony statement that reads another file (``import "other.ant"``).
# anywhere, not only at a line's start: Antimony also takes `import"sub.ant"`, and an
# import after a comment or after another statement on its line (a file taken for one
# that imports is only parsed afresh, never wrongly)
_ANTIMONY_IMPORT = re.compile(r"\bimport\s*[\"']")
# comp: other files (a namespace prefix may hold '-' and '.': `<comp-1:externalModel...`)
_COMP_URI = re.compile(r"http://www\.sbml\.org/sbml/level3/version\d+/comp/version\d+$")
_SBML_EXTERNAL = re.compile(r"<(?:[\w.-]+:)?externalModelDefinition\b")
_ANNOTATION = re.compile(
    r"@(node|interaction|input|readout|reference)\s+"
    r"([^:\s]+(?:\s+-[>|]\s+[^:\s]+)?)\s*(?::\s*([^/;\n]*))?"
)


def bundled_model_path(suffix: str = ".ant") -> Path:
    """Path of the bundled HCC model file (``.ant`` source or ``.xml`` SBML export)."""
    return Path(str(resources.files("mtor_sim.models").joinpath(BUNDLED_NAME + suffix)))


@dataclass(frozen=True)
class _Layout:
    """What a model is made of, as the package needs it."""

    nodes: dict[str, tuple[str, ...]]  # node -> parameters zeroed (or species clamped)
    interactions: dict[str, tuple[str, ...]]  # interaction -> parameters zeroed
    inputs: dict[str, str]  # input -> settable model quantity
    readouts: tuple[str, ...]
    species: tuple[str, ...]  # floating species ids
    parameters: dict[str, float]  # constant global parameters -> default
    species_names: dict[str, str]  # SBML name -> id (generic models)
    clamp_knockouts: bool  # knockouts clamp species (generic) or zero params
    drug_parameters: dict[str, str]  # drug -> its dose parameter (bundled model)
    references: tuple[str, ...]
    generated: tuple[str, ...] = ()  # parameters the loader added (cut multipliers)
    derived: tuple[str, ...] = ()  # derived constants loaded as assignment rules

    def to_json(self) -> dict[str, Any]:
        """Plain JSON-able data (the parsed-model cache stores no Python objects)."""
        return {f.name: getattr(self, f.name) for f in fields(self)}

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> _Layout:
        """The inverse of `to_json`; raises ``TypeError``/``ValueError`` on other data."""
        if set(data) != {f.name for f in fields(cls)}:
            raise ValueError("not a layout")

        def names(v: Any) -> tuple[str, ...]:
            if not isinstance(v, list) or not all(isinstance(x, str) for x in v):
                raise TypeError("expected a list of names")
            return tuple(v)

        def table(v: Any, conv: Any) -> dict:
            if not isinstance(v, dict):
                raise TypeError("expected an object")
            return {str(k): conv(x) for k, x in v.items()}

        def text(v: Any) -> str:
            if not isinstance(v, str):
                raise TypeError("expected a string")
            return v

        def number(v: Any) -> float:
            if isinstance(v, bool) or not isinstance(v, int | float):
                raise TypeError("expected a number")
            return float(v)

        if not isinstance(data["clamp_knockouts"], bool):
            raise TypeError("expected a boolean")
        return cls(
            nodes=table(data["nodes"], names),
            interactions=table(data["interactions"], names),
            inputs=table(data["inputs"], text),
            readouts=names(data["readouts"]),
            species=names(data["species"]),
            parameters=table(data["parameters"], number),
            species_names=table(data["species_names"], text),
            clamp_knockouts=data["clamp_knockouts"],
            drug_parameters=table(data["drug_parameters"], text),
            references=names(data["references"]),
            generated=names(data["generated"]),
            derived=names(data["derived"]),
        )


class SbmlFacts(NamedTuple):
    """What the engine needs from a model's SBML beside what libroadrunner reports."""

    substance_only: frozenset[str]  # species with hasOnlySubstanceUnits (amounts)
    rule_targets: frozenset[str]  # ids that assignment rules compute
    time_unit: tuple[str, float | None]  # (name, minutes per unit); see `_time_unit`
    event_targets: frozenset[str] = frozenset()  # ids that event assignments set
    # parameters a compartment's initial assignment reads (through assignment rules too),
    # or a reaction's stoichiometry: evaluated once, when the model is compiled, so a verb
    # cannot change them
    volume_parameters: frozenset[str] = frozenset()
    # species an initial assignment sets: libroadrunner's reset() leaves boundary ones at
    # their compiled values, and setting an initial value drops the assignment for good
    assigned_species: frozenset[str] = frozenset()
    # species that initial assignments read (directly or through assignment rules)
    initially_read: frozenset[str] = frozenset()
    delayed_events: bool = False  # an event has a delay

    def to_json(self) -> dict[str, Any]:
        return {
            "substance_only": sorted(self.substance_only),
            "rule_targets": sorted(self.rule_targets),
            "time_unit": list(self.time_unit),
            "event_targets": sorted(self.event_targets),
            "volume_parameters": sorted(self.volume_parameters),
            "assigned_species": sorted(self.assigned_species),
            "initially_read": sorted(self.initially_read),
            "delayed_events": self.delayed_events,
        }

    @classmethod
    def from_json(cls, data: Any) -> SbmlFacts | None:
        """The inverse of `to_json`; None for anything else (then they are read again)."""
        try:
            only, ruled, (unit, minutes), evented, volume, assigned, read, delayed = (
                data["substance_only"],
                data["rule_targets"],
                data["time_unit"],
                data["event_targets"],
                data["volume_parameters"],
                data["assigned_species"],
                data["initially_read"],
                data["delayed_events"],
            )
        except (KeyError, TypeError, ValueError):
            return None
        if not isinstance(delayed, bool):
            return None
        lists = all(isinstance(x, list) for x in (only, ruled, evented, volume, assigned, read))
        names = [*only, *ruled, *evented, *volume, *assigned, *read, unit] if lists else []
        if not names or not all(isinstance(n, str) for n in names):
            return None
        if minutes is not None and (isinstance(minutes, bool) or not isinstance(minutes, float)):
            return None
        return cls(
            frozenset(only),
            frozenset(ruled),
            (unit, minutes),
            frozenset(evented),
            frozenset(volume),
            frozenset(assigned),
            frozenset(read),
            delayed,
        )


def sbml_facts(sbml: str) -> SbmlFacts:
    """Read `SbmlFacts` from SBML text (one libsbml parse)."""
    import libsbml

    doc = libsbml.readSBMLFromString(sbml)
    model = doc.getModel()
    if model is None:
        return SbmlFacts(frozenset(), frozenset(), ("unknown", None))
    return SbmlFacts(
        frozenset(sp.getId() for sp in model.getListOfSpecies() if sp.getHasOnlySubstanceUnits()),
        frozenset(
            model.getRule(i).getVariable()
            for i in range(model.getNumRules())
            if model.getRule(i).isAssignment()
        ),
        _time_unit(doc, model),
        frozenset(event_targets(model)),
        volume_parameters(model),
        frozenset(
            a.getSymbol()
            for a in model.getListOfInitialAssignments()
            if model.getSpecies(a.getSymbol()) is not None
        ),
        _read_by(
            [a.getMath() for a in model.getListOfInitialAssignments() if a.getMath() is not None],
            {r.getVariable(): r.getMath() for r in model.getListOfRules() if r.isAssignment()},
            {sp.getId() for sp in model.getListOfSpecies()},
        ),
        any(e.isSetDelay() for e in model.getListOfEvents()),
    )


def volume_parameters(model: Any) -> frozenset[str]:
    """The parameters that a compartment's initial assignment of ``model`` (a libsbml
    Model) reads, or its assignment rule where a species in it starts from a
    concentration, directly or through assignment rules. libroadrunner evaluates an
    initial assignment once, when the model is compiled, and keeps the species' compiled
    initial amounts when a rule's compartment changes size: setting one of them later
    leaves the compartment at its compiled size, or those species at concentrations the
    file does not give."""
    rules = {r.getVariable(): r.getMath() for r in model.getListOfRules() if r.isAssignment()}
    params = {p.getId() for p in model.getListOfParameters()}
    assigned = {a.getSymbol() for a in model.getListOfInitialAssignments()}
    # species whose initial amount is their concentration times the initial size (those
    # given as an amount keep it, as SBML asks, and those a rule sets follow it)
    by_concentration = {
        s.getCompartment()
        for s in model.getListOfSpecies()
        if s.getId() not in rules and (s.isSetInitialConcentration() or s.getId() in assigned)
    }
    todo = [
        ia.getMath()
        for ia in model.getListOfInitialAssignments()
        if model.getCompartment(ia.getSymbol()) is not None and ia.getMath() is not None
    ] + [
        math
        for target, math in rules.items()
        if target in by_concentration and model.getCompartment(target) is not None
        if math is not None
    ]
    return _read_by(todo, rules, params) | stoichiometry_parameters(model)


def stoichiometry_parameters(model: Any) -> frozenset[str]:
    """The parameters a reaction's stoichiometry reads (``model``: a libsbml Model): its
    ``stoichiometryMath`` (SBML Level 2) or an initial assignment to its species
    reference (Level 3), directly or through assignment rules. libroadrunner works the
    stoichiometry out when it compiles the model, so setting one of them later changes
    nothing (SBML Test Suite 00609, 00827, 01029, 01073: a wrong result with status ok)."""
    rules = {r.getVariable(): r.getMath() for r in model.getListOfRules() if r.isAssignment()}
    params = {p.getId() for p in model.getListOfParameters()}
    refs = [
        ref
        for rxn in model.getListOfReactions()
        for listed in (rxn.getListOfReactants(), rxn.getListOfProducts())
        for ref in listed
    ]
    # Level 2 math is fixed only when all it reads is constant: a species, a rule's
    # target, a non-constant parameter or the clock makes libroadrunner follow it
    constant = {p.getId() for p in model.getListOfParameters() if p.getConstant()}
    todo = [
        math
        for ref in refs
        if ref.isSetStoichiometryMath() and ref.getStoichiometryMath().isSetMath()
        for math in [ref.getStoichiometryMath().getMath()]
        if _names_read(math) <= constant
    ]
    ids = {ref.getId() for ref in refs if ref.getId()}
    todo += [
        ia.getMath()
        for ia in model.getListOfInitialAssignments()
        if ia.getSymbol() in ids and ia.getMath() is not None
    ]
    return _read_by(todo, rules, params)


def _read_by(todo: list[Any], rules: dict[str, Any], params: set[str]) -> frozenset[str]:
    """The ids of ``params`` (parameters, or other names) that the formulas ``todo``
    read, directly or through ``rules``."""
    found: set[str] = set()
    seen: set[str] = set()
    while todo:
        for name in _names_read(todo.pop()) - seen:
            seen.add(name)
            if name in rules and rules[name] is not None:
                todo.append(rules[name])
            elif name in params:
                found.add(name)
    return frozenset(found)


def _time_unit(doc: Any, model: Any) -> tuple[str, float | None]:
    """The model's time unit, as (name, minutes per unit); ``("unknown", None)`` when the
    SBML does not declare it, or declares something that is not a time.

    Only an explicit declaration counts: a Level 3 model's ``timeUnits``, or a Level 1-2
    unit definition with the id ``time``. The Level 1-2 default (the second) is not
    assumed, since published models often leave it while counting in minutes or hours;
    an undeclared unit is taken as the package's minute.
    """
    import libsbml

    ref = model.getTimeUnits() if doc.getLevel() >= 3 else "time"
    if ref == "second":
        return "second", 1 / 60
    definition = model.getUnitDefinition(ref) if ref else None
    if definition is None or definition.getNumUnits() != 1:
        return "unknown", None
    unit = definition.getUnit(0)
    if unit.getKind() != libsbml.UNIT_KIND_SECOND or unit.getExponent() != 1:
        return "unknown", None
    seconds = unit.getMultiplier() * 10.0 ** unit.getScale()
    names = {1.0: "second", 60.0: "minute", 3600.0: "hour", 86400.0: "day"}
    return names.get(seconds, f"{seconds:g} s"), seconds / 60


class Model:
    """A loaded model: its SBML, its names, and the verbs that simulate it.

    Perturbations passed to the verbs apply to that call only; the loaded model never
    changes. Create one with `load_model`.

    Attributes
    ----------
    name : str
        Model id.
    path : pathlib.Path or None
        File the model came from (absolute; its sidecar files are found beside it).
    nodes, interactions, readouts, inputs : tuple of str
        Public names accepted by ``knockouts``, ``cut``, result indexing and ``inputs``.
    parameters : pandas.Series
        Constant global parameters and their default values.
    """

    def __init__(
        self,
        sbml: str,
        layout: _Layout,
        *,
        name: str,
        path: Path | None,
        targets: dict[str, tuple[str, ...]] | None = None,
    ) -> None:
        self._sbml: str | None = sbml  # None: written from _edits on first use
        self._layout = layout
        self.name = name
        self.path = path
        self._targets = dict(targets or {})
        self._solve_budget: float | None = SOLVE_BUDGET_S  # see `solve_budget`
        self._runners: dict[tuple[frozenset[str], bool], Any] = {}
        # the SBML compiled to native code; a `with_parameters` copy compiles its parent's
        # (the engine sets every parameter from the layout's defaults on each call)
        self._compiled_sbml = sbml
        self._base_parameters = layout.parameters  # the defaults written in that SBML
        self._edits: dict[str, float] = {}
        # computed on first use: node -> its `Forms`; "" -> stoichiometry; " names" and
        # " aliases" -> SBML names; " drugs" -> `drugs`; " facts" -> `SbmlFacts` (keys
        # no SBML id can be)
        self._forms: dict[str, Any] = {}
        # the hash identifies what a result was computed with: the SBML and drug targets
        key = sbml + repr(sorted(self._targets.items()))
        self.hash = hashlib.sha256(key.encode()).hexdigest()[:16]

    # -- names ---------------------------------------------------------------------
    @property
    def sbml(self) -> str:
        """The model as SBML text (with this model's parameter defaults)."""
        if self._sbml is None:
            self._sbml = _set_parameter_values(self._compiled_sbml, self._edits)
        return self._sbml

    @property
    def nodes(self) -> tuple[str, ...]:
        return tuple(self._layout.nodes)

    @property
    def interactions(self) -> tuple[str, ...]:
        return tuple(self._layout.interactions)

    @property
    def readouts(self) -> tuple[str, ...]:
        return self._layout.readouts

    @property
    def inputs(self) -> tuple[str, ...]:
        return tuple(self._layout.inputs)

    @property
    def species(self) -> tuple[str, ...]:
        return self._layout.species

    @property
    def parameters(self) -> pd.Series:
        return pd.Series(self._layout.parameters, name="value", dtype=float)

    def parameter_info(self) -> pd.DataFrame:
        """Parameters with their value, unit, a one-line description, and the ``lower``
        and ``upper`` bounds their meaning sets (a fraction is at most 1).

        Units are read from the SBML when it declares them, else from the parameter's
        comment in the Antimony source (``.ant`` beside the model file); descriptions
        from that comment. Empty strings where the model says nothing. Bounds come from
        the catalogue's ``[limits]`` (NaN where none).

        Examples
        --------
        >>> import mtor_sim as ms
        >>> ms.load_model().parameter_info().loc["dose_everolimus", "unit"]
        'nM'
        """
        from ._paraminfo import parameter_info

        return parameter_info(self.sbml, self.parameters, self.path, self.catalogue.limits)

    @property
    def drugs(self) -> tuple[str, ...]:
        """Catalogue drugs this model can take (see `mtor_sim.DRUGS`)."""
        found: tuple[str, ...] | None = self._forms.get(" drugs")
        if found is None:  # once: every call's drugs are checked against it
            from ._catalogue import DRUGS

            found = ()
            if self._layout.drug_parameters:
                found = tuple(self._layout.drug_parameters)
            elif self._targets:
                sites = set(self._targets)
                found = tuple(d.name for d in DRUGS.values() if sites & {t for t, _ in d.targets})
            self._forms[" drugs"] = found
        return found

    @property
    def solve_budget(self) -> float | None:
        """Seconds of wall-clock time one steady-state search may take (None: no limit).

        Every steady state honours it: those of ``steady_state``, of pre-equilibrated time
        courses, and of each point of sweeps, screens, dose-responses, sensitivities and
        trials, in worker processes too (not a fit's pre-equilibration, which the PEtab
        objective does on its own copy of the model, with no budget). A search that runs
        out of it (CVODE taking ever smaller steps, as on a stiff knockout) ends with
        status ``"timed_out"`` and NaN values. Set it with ``load_model(..., solve_budget=...)`` or
        `with_solve_budget`.
        """
        return self._solve_budget

    def with_solve_budget(self, seconds: float | None) -> Model:
        """This model with another `solve_budget` (``None``: no limit).

        Parameters
        ----------
        seconds : float or None, s
            Wall-clock time one steady-state search may take (> 0).

        Examples
        --------
        >>> import mtor_sim as ms
        >>> ms.load_model().with_solve_budget(60).solve_budget
        60.0
        """
        copy = Model.__new__(Model)
        copy.__dict__.update(self.__getstate__())  # compiled runners: its own
        copy._forms = self._forms
        copy._edits = dict(self._edits)
        copy._solve_budget = check_budget(seconds)
        return copy

    @property
    def is_bundled(self) -> bool:
        return bool(self._layout.drug_parameters)

    @property
    def digest(self) -> str:
        """A short hash of the model as it computes: its code without comments (the file
        it was loaded from, as it was then; not its SBML, which the Antimony release
        writing it shapes, except for an Antimony file that imports others, whose SBML
        holds theirs), what its annotations declare (nodes, links, readouts,
        references), the part of the catalogue that a steady state under a condition
        depends on (genotype presets, drug targets and sites, names, solver hints,
        defaults; not the trial's PK, cohort and growth layer) and every parameter
        value. An ensemble records the digest of the model it was calibrated for
        (``models/ensemble.json``, ``fingerprint.model``), and the verbs warn when it
        runs on a model with another.

        Examples
        --------
        >>> import mtor_sim as ms
        >>> m = ms.load_model()
        >>> m.digest == m.with_parameters({"k_PTEN": 1.0}).digest
        False
        """
        text = json.dumps(self._digest_parts(), sort_keys=True, default=str)
        return hashlib.sha256(text.encode()).hexdigest()[:16]

    def _digest_parts(self) -> dict[str, Any]:
        """The parts `digest` hashes, by name: ``code``, ``layout``, ``catalogue``,
        ``parameters``."""
        code = self._forms.get(" code")
        if code is None:  # a model not read from a file: the SBML its copies share too
            code = self._forms[" code"] = _code_lines(self._compiled_sbml)
        cat = self.catalogue
        catalogue = {
            "genotypes": {g: [list(x.scale), list(x.set)] for g, x in cat.genotypes.items()},
            "drugs": {d: list(x.targets) for d, x in cat.drugs.items()},
            "target_sites": cat.target_sites,
            "node_aliases": cat.node_aliases,
            "ambiguous_nodes": cat.ambiguous_nodes,
            "solver": cat.solver,
            "defaults": cat.defaults,
        }
        return {
            "code": code,
            "layout": self._layout.to_json(),
            "catalogue": json.loads(json.dumps(catalogue, sort_keys=True, default=_plain)),
            "parameters": self.parameters.to_dict(),
        }

    @classmethod
    def _bundled(cls) -> Model:
        """The bundled model (for modules that may not import this one's `load_model`)."""
        return load_model()

    def sbml_names(self) -> dict[str, str]:
        """SBML names of species, reactions, parameters and compartments, by id (those
        whose name differs from the id). Verbs accept a unique name wherever they take
        an id: knockouts, cuts, inputs, parameters and readouts.

        Examples
        --------
        >>> import mtor_sim as ms
        >>> ms.load_model().sbml_names().get("AKT_total", "")
        ''
        """
        if " names" not in self._forms:
            import libsbml

            m = libsbml.readSBMLFromString(self._compiled_sbml).getModel()
            out: dict[str, str] = {}
            if m is not None:
                for kind in ("Species", "Reactions", "Parameters", "Compartments"):
                    for e in getattr(m, f"getListOf{kind}")():
                        if e.isSetName() and e.getName() and e.getName() != e.getId():
                            out[e.getId()] = e.getName()
            self._forms[" names"] = out
        return dict(self._forms[" names"])

    @property
    def labels(self) -> Labels:
        """Human labels and units of this model's names, as figures show them (read-only).

        The bundled model's come from its label table (``models/labels.csv``). Another
        model's come from a ``<model>.labels.csv`` beside its file (columns ``kind, name,
        label, unit, quantity``), then from its SBML names; any other name is shown as it
        is.

        Examples
        --------
        >>> import mtor_sim as ms
        >>> ms.load_model().labels.label("PTEN_loss")
        'PTEN loss'
        """
        if " labels" not in self._forms:
            from ._labels import Label, Labels, bundled_labels, read_labels

            if self.is_bundled:
                self._forms[" labels"] = bundled_labels()
            else:
                names = {i: Label("name", i, n) for i, n in self.sbml_names().items()}
                file = self._sidecar("labels.csv")
                own = read_labels(file) if file is not None else Labels()
                self._forms[" labels"] = own.with_defaults(names)
        table: Labels = self._forms[" labels"]
        return table

    @property
    def catalogue(self) -> Catalogue:
        """What this model offers beyond its equations (read-only): genotype presets, drugs
        and their target sites, regimens, gene and protein names of its nodes.

        The bundled model's is ``models/catalogue.toml``. Another model's is a
        ``<model>.catalogue.toml`` beside its file, in the same format, with the sections
        ``genotypes``, ``node_aliases``, ``ambiguous_nodes`` and ``solver`` (drugs act on
        it through the catalogue's target sites, mapped with ``load_model(targets=...)``),
        or empty when there is none. A copy of the bundled model's file (an edited
        ``mymodel.ant``) takes a ``mymodel.catalogue.toml`` beside it, with any section of
        ``models/catalogue.toml``, in place of the bundled one.

        Examples
        --------
        >>> import mtor_sim as ms
        >>> sorted(ms.load_model().catalogue.genotypes)[:3]
        ['AKT_overexpression', 'BCAT_active', 'ERK_coactivation']
        """
        if " catalogue" not in self._forms:
            from ._catalogue import BUNDLED, SECTIONS, USER_SECTIONS, Catalogue, load_catalogue

            file = self._sidecar("catalogue.toml")  # a copy of the bundled model's too
            if file is not None:
                sections = SECTIONS if self.is_bundled else USER_SECTIONS
                cat = load_catalogue(file, self._layout.parameters, sections=sections)
            elif self.is_bundled:
                cat = BUNDLED
            else:
                cat = Catalogue()
            self._forms[" catalogue"] = cat
        catalogue: Catalogue = self._forms[" catalogue"]
        return catalogue

    def _sidecar(self, suffix: str) -> Path | None:
        """``<model>.<suffix>`` beside the model's file (``m.xml`` -> ``m.labels.csv``),
        if there is one."""
        if self.path is None:
            return None
        path = Path(self.path)
        file = path.with_name(f"{path.stem}.{suffix}")
        return file if file.is_file() else None

    def _aliases(self) -> dict[str, str]:
        """Unique SBML name -> id (a name two elements share is no alias); none for the
        bundled model, whose ids are the names its users know."""
        if self.is_bundled:
            return {}
        if " aliases" not in self._forms:
            names = self.sbml_names()
            counts: dict[str, int] = {}
            for n in names.values():
                counts[n] = counts.get(n, 0) + 1
            self._forms[" aliases"] = {n: i for i, n in names.items() if counts[n] == 1}
        return self._forms[" aliases"]

    def _rule_reads(self, name: str) -> tuple[str, frozenset[str]]:
        """The formula of ``name``'s assignment rule and the parameters it reads, directly
        or through other rules (for an error message: read from the SBML each time)."""
        import libsbml

        sbml = libsbml.readSBMLFromString(self.sbml).getModel()
        rules = {r.getVariable(): r.getMath() for r in sbml.getListOfRules() if r.isAssignment()}
        if name not in rules or rules[name] is None:
            return "", frozenset()
        params = set(self.parameters.index)
        return libsbml.formulaToL3String(rules[name]), _read_by([rules[name]], rules, params)

    def knockout_forms(self, node: str):
        """What knocking out ``node`` removes from an SBML model: its forms and synthesis.

        The forms of a protein are the species that share its smallest non-negative
        conservation law once synthesis and degradation are set aside (for
        ``A <-> pA`` and ``A + B <-> AB``: ``A``, ``pA`` and ``AB``, not ``B``); its
        synthesis is every reaction that makes one of them from nothing. A knockout
        sets every form's initial value to zero and switches the synthesis off (see
        `mtor_sim._forms`). On the bundled model a knockout sets the node's total (or
        synthesis) parameters to zero instead, listed in the model's ``@node`` lines.

        Parameters
        ----------
        node : str
            A species id, or its unique SBML name.

        Returns
        -------
        Forms
            ``species`` (the knocked-out one first), ``synthesis`` (reaction ids) and
            ``law`` (the conservation law found, as (species, weight) pairs).

        Examples
        --------
        On a model with ``A <-> pA`` and ``A + B <-> AB`` (``tests/data/ko_forms.ant``)::

            model.knockout_forms("A").species  # ('A', 'pA', 'AB')
        """
        from ._forms import forms_of, stoichiometry
        from ._perturb import _node_id

        if self.is_bundled:
            raise MtorSimError(
                "the bundled model's knockouts set parameters to zero (its `@node` "
                "lines), not species: see model.parameter_info()"
            )
        node = _node_id(self, node)
        forms = self._forms.get(node)
        if forms is None:
            if "" not in self._forms:  # the stoichiometry, once per model
                self._forms[""] = stoichiometry(self._compiled_sbml)
            forms = self._forms[node] = forms_of(node, *self._forms[""])
        return forms

    def __repr__(self) -> str:
        return (
            f"<Model {self.name!r}: {len(self.species)} species, {len(self.nodes)} nodes, "
            f"{len(self.interactions)} interactions, {len(self.readouts)} readouts>"
        )

    @property
    def time_unit(self) -> str:
        """The model's unit of time as its SBML declares it (``"minute"`` for the bundled
        model, ``"second"``, ``"hour"`` ...), or ``"unknown"`` when it declares none (then
        taken as minutes; the SBML Level 1-2 default of seconds is not assumed, as
        published models often count in minutes without saying so). Steady-state
        tolerances are per minute and presimulation horizons in minutes, converted to
        this unit; `simulate`'s ``t_end`` and time points are in it."""
        return self._facts().time_unit[0]

    def _facts(self) -> SbmlFacts:
        """What the engine reads from the SBML beside what libroadrunner reports: from
        the parsed-model cache when it has them, else read here once (importing libsbml
        costs ~0.25 s, more than loading a cached model)."""
        facts: SbmlFacts | None = self._forms.get(" facts")
        if facts is None:
            facts = self._forms[" facts"] = sbml_facts(self._compiled_sbml)
        return facts

    def with_parameters(self, values: Mapping[str, float]) -> Model:
        """A copy of this model whose parameter defaults are ``values`` (others unchanged).

        Unlike ``parameters=`` of a verb, which overrides a parameter for one call (and
        wins over a genotype preset that scales it), the copy's values are its defaults:
        genotype presets, knockouts, cuts and drugs act on them as on the original's.
        The copy reuses the original's compiled code, so making one costs milliseconds.
        This is how a member of a parameter ensemble is simulated.

        Parameters
        ----------
        values : mapping of str to float
            Parameter name -> new default (>= 0).

        Examples
        --------
        >>> import mtor_sim as ms
        >>> m = ms.load_model()
        >>> m.with_parameters({"k_PIP3_syn": 2 * m.parameters["k_PIP3_syn"]}).is_bundled
        True
        """
        from ._errors import check_name, check_nonnegative

        if not isinstance(values, Mapping):
            raise TypeError(
                "`values` must be a mapping of parameter name -> value, got "
                f"{type(values).__name__}"
            )
        new = dict(self._layout.parameters)
        for p, v in values.items():
            check_name(p, new, kind="parameter")
            new[p] = check_nonnegative(v, name=f"values[{p!r}]")
        from ._perturb import check_volume_parameters

        # (an ensemble's members are such copies: a column that sizes a compartment too)
        check_volume_parameters(self, [p for p, v in new.items() if v != self._base_parameters[p]])
        copy = Model(
            self._compiled_sbml,
            replace(self._layout, parameters=new),
            name=self.name,
            path=self.path,
            targets=self._targets,
        )
        changed = {p: v for p, v in new.items() if v != self._base_parameters[p]}
        copy._base_parameters = self._base_parameters
        copy._solve_budget = self._solve_budget
        copy._forms = self._forms  # the same reactions and names: computed once for all
        copy._sbml = None  # written on first use of `sbml` (libsbml takes ~0.1 s)
        copy._edits = changed
        key = (
            self._compiled_sbml
            + repr(sorted(copy._targets.items()))
            + repr(sorted(changed.items()))
        )
        copy.hash = hashlib.sha256(key.encode()).hexdigest()[:16]
        return copy

    # -- engine access ---------------------------------------------------------------
    def _runner(self, clamped: frozenset[str] = frozenset()) -> roadrunner.RoadRunner:
        """A compiled RoadRunner for this model (one per set of clamped species)."""
        return self._solver(clamped).r

    def _solver(self, clamped: frozenset[str] = frozenset(), *, moieties: bool = True):
        """The engine's `Solver` for this model (one per set of clamped species, and with
        or without conserved-moiety analysis: see `compile_runner`)."""
        key = (clamped, moieties)
        solver = self._runners.pop(key, None)
        if solver is None:
            from ._engine import Solver, compile_runner
            from ._export import clamp_species

            base = self._compiled_sbml
            sbml = base if not clamped else clamp_species(base, clamped)
            compile_it = functools.partial(
                compile_runner, sbml, source=str(self.path or self.name), moieties=moieties
            )
            # Newton from a reference state only where the model's catalogue says it is
            # validated (the bundled model's [solver] warm_start): other models may be
            # multistable, so their steady state is the one their dynamics reach from
            # their initial state.
            warm = bool(self.catalogue.solver.get("warm_start", False))
            # the same model without moiety analysis, for states it cannot resolve
            plain = functools.partial(self._solver, clamped, moieties=False) if moieties else None
            solver = Solver(
                compile_it(), self, warm_start=warm, recompile=compile_it, sbml=sbml, plain=plain
            )
            clamped_sets = [k for k in self._runners if k != (frozenset(), True)]
            if len(clamped_sets) >= MAX_CLAMPED_RUNNERS:  # least recently used goes
                del self._runners[clamped_sets[0]]
        self._runners[key] = solver  # (re)inserted last: dict order is recency
        return solver

    def __getstate__(self) -> dict[str, Any]:  # compiled runners stay in their process
        state = self.__dict__.copy()
        state["_runners"] = {}
        # read-only views (catalogue, labels) are rebuilt on first use in the other process
        state["_forms"] = {k: v for k, v in self._forms.items() if k not in _VIEWS}
        return state

    # -- verbs (documented in _engine) -------------------------------------------
    def steady_state(self, **kwargs: Any):
        """Steady state under a perturbation; see `mtor_sim.steady_state`."""
        from ._engine import steady_state

        return steady_state(self, **kwargs)

    def simulate(self, t_end: float | None = None, **kwargs: Any):
        """Time course under a perturbation; see `mtor_sim.simulate`."""
        from ._engine import simulate

        return simulate(self, t_end=t_end, **kwargs)

    def to_sbml(self, path: str | Path | None = None, **kwargs: Any) -> str:
        """This model with a perturbation applied, as standalone SBML; see
        `mtor_sim._export.to_sbml`."""
        from ._export import to_sbml

        return to_sbml(self, path, **kwargs)


# ------------------------------------------------------------------------- loading
def load_model(
    path: str | Path | None = None,
    *,
    targets: dict[str, list[str] | tuple[str, ...]] | None = None,
    max_bytes: int = MAX_BYTES,
    max_species: int = MAX_SPECIES,
    solve_budget: float | None = SOLVE_BUDGET_S,
) -> Model:
    """Load the bundled HCC model, or any SBML (``.xml``/``.sbml``) or Antimony (``.ant``) file.

    The model is checked before it is accepted: libsbml's consistency checks (units,
    modelling practice and SBO terms aside) must find no error, it must have something
    to simulate (a floating species, or a variable a rate rule changes), and it must
    stay within the size limits below.

    Parameters
    ----------
    path : str or Path, optional
        Model file (a regular file, or a symbolic link to one). Omit it for the bundled
        mTOR/HCC model.
    targets : dict, optional
        For models other than the bundled one: which parameters each drug target site
        (keys of `mtor_sim.TARGET_SITES`) scales. A drug with occupancy ``o`` on a site
        multiplies each listed parameter by ``1 - o``. Example:
        ``{"mTORC1_FRB": ["k_S6K_phos"]}`` lets ``drugs={"everolimus": 10}`` act.
    max_bytes : int, bytes
        Largest model file accepted (default 50 MB).
    max_species : int
        Most floating species accepted (default 2,000): compiling and solving grow
        quickly with the number of species.
    solve_budget : float or None, s
        Wall-clock time one steady-state search may take (default 30 s; `None`: no
        limit). A search that runs out of it ends with status ``"timed_out"``: see
        `Model.solve_budget`.

    Returns
    -------
    Model

    Raises
    ------
    ModelFileError
        The file is missing, not a regular file, too large, not valid Antimony or SBML
        (with libsbml's or Antimony's messages), is empty (no species, parameter or
        compartment), or has too many species.

    Examples
    --------
    >>> import mtor_sim as ms
    >>> model = ms.load_model()
    >>> "AKT" in model.nodes
    True
    """
    for arg, value in (("max_bytes", max_bytes), ("max_species", max_species)):
        if isinstance(value, bool) or not isinstance(value, int):
            raise TypeError(f"`{arg}` must be an integer, got {value!r} ({type(value).__name__})")
        if value < 1:
            raise ValueError(f"`{arg}` must be >= 1, got {value!r}")
    solve_budget = check_budget(solve_budget)
    if path is None:
        path = bundled_model_path(".ant")
    if not isinstance(path, str | os.PathLike):
        raise TypeError(
            f"`path` must be a model file's path (str or Path), got {type(path).__name__} "
            f"{path!r:.60}"
        )
    path = Path(path)
    text = _read_model_file(path, max_bytes=max_bytes)
    suffix = path.suffix.lower()
    if suffix not in (".ant", ".xml", ".sbml"):
        raise ModelFileError(
            f"model file {str(path)!r}: unsupported extension {suffix!r}; "
            "use .ant (Antimony) or .xml/.sbml (SBML)"
        )
    from ._cache import load_parsed, store_parsed

    # a file that reads others (an Antimony import, an SBML `comp` external model) is
    # parsed afresh: the cache's key is this file's text, which does not change when
    # the file it reads does
    reads_others = _ANTIMONY_IMPORT if suffix == ".ant" else _SBML_EXTERNAL
    cacheable = not reads_others.search(text)
    cached = load_parsed(text, suffix) if cacheable else None
    parsed = _from_cache(cached)
    facts = SbmlFacts.from_json(cached.get("facts")) if parsed and cached else None
    if parsed is None:
        if suffix == ".ant":
            sbml, name = _antimony_to_sbml(text, path)
        else:
            sbml, name = text, path.stem
        annotations = _annotations(text) if suffix == ".ant" else {}
        parsed = _layout_from_sbml(sbml, annotations, path, name, max_species=max_species)
        facts = sbml_facts(parsed[0])
        if cacheable:
            store_parsed(
                text,
                suffix,
                {
                    "sbml": parsed[0],
                    "layout": parsed[1].to_json(),
                    "name": parsed[2],
                    "facts": facts.to_json(),
                },
            )
    sbml, layout, name = parsed
    if suffix != ".ant" and not _SBML_MODEL_ID.search(sbml):
        name = path.stem  # no id of its own: named by its file, not by the cached parse's
    _check_size(layout, path, max_species, sbml)
    if targets:
        targets = dict(targets)  # the caller's mapping stays as it was
        for site, params in targets.items():
            from ._catalogue import TARGET_SITES
            from ._errors import check_name, check_names

            check_name(site, TARGET_SITES, kind="target site")
            # one name or a list of names (a string is one parameter, not its letters)
            targets[site] = check_names(params, name=f"targets[{site!r}]", allow_none=False)
            for p in targets[site]:
                check_name(p, layout.parameters, kind="parameter")
    tg = {k: tuple(v) for k, v in (targets or {}).items()}
    # absolute: the sidecars beside the file (catalogue, labels, the Antimony source of
    # its parameter notes, claim tables) are read on first use, perhaps after the working
    # folder has changed, where a relative path would find none or another model's
    model = Model(sbml, layout, name=name, path=path.absolute(), targets=tg)
    model._solve_budget = solve_budget
    # what `Model.digest` hashes, as loaded: the file's code, or the whole model's SBML
    # where the file imports others (whose code the top file's text does not hold)
    model._forms[" code"] = _code_lines(sbml if not cacheable else text)
    if facts is not None:
        model._forms[" facts"] = facts
    if tg:  # a drug scales its targets: one that sizes a compartment would not move
        from ._perturb import check_volume_parameters

        check_volume_parameters(model, [p for ps in tg.values() for p in ps])
        _refuse_changing_targets(model, [p for ps in tg.values() for p in ps])
    return model


def _refuse_changing_targets(model: Model, names: list[str]) -> None:
    """Refuse a drug target that a rate rule or an event changes: it is part of the
    state (a time course carries it from piece to piece, a steady state from its
    baseline), so the drug's value would hold in some runs and not others."""
    import libsbml

    m = libsbml.readSBMLFromString(model.sbml).getModel()
    rated = {r.getVariable() for r in m.getListOfRules() if r.isRate()}
    changing = sorted((rated | set(model._facts().event_targets)).intersection(names))
    if changing:
        raise MtorSimError(
            f"{', '.join(map(repr, changing))} is changed by a rate rule or an event, so it "
            "is part of the model's state, not a constant a drug can scale: target a "
            "parameter of the rates it drives instead"
        )


def _read_model_file(path: Path, *, max_bytes: int) -> str:
    """The text of a regular file of at most ``max_bytes`` (never blocks on a FIFO, never
    reads a device)."""
    where = f"model file {str(path)!r}"
    try:
        fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK | os.O_CLOEXEC)
    except FileNotFoundError:
        raise ModelFileError(f"{where} does not exist") from None
    except OSError as exc:
        raise ModelFileError(f"cannot read {where}: {exc.strerror or exc}") from None
    try:
        st = os.fstat(fd)
        if stat.S_ISDIR(st.st_mode):
            raise ModelFileError(f"{where} is a folder, not a model file")
        if not stat.S_ISREG(st.st_mode):
            raise ModelFileError(
                f"{where} is not a regular file (a device, FIFO or socket); "
                "save the model to a file and load that"
            )
        if st.st_size > max_bytes:
            raise ModelFileError(
                f"{where} is {st.st_size:,} bytes, over the limit of "
                f"{max_bytes:,} (`max_bytes`); pass a larger `max_bytes=` "
                "to load_model if the file really is a model"
            )
        chunks, total = [], 0
        while total <= max_bytes:  # the file may grow while it is read
            chunk = os.read(fd, min(1 << 24, max_bytes + 1 - total))
            if not chunk:
                break
            chunks.append(chunk)
            total += len(chunk)
    except OSError as exc:
        raise ModelFileError(f"cannot read {where}: {exc.strerror or exc}") from None
    finally:
        os.close(fd)
    if total > max_bytes:
        raise ModelFileError(
            f"{where} is over the limit of {max_bytes:,} bytes (`max_bytes`); "
            "pass a larger `max_bytes=` to load_model"
        )
    try:
        text = b"".join(chunks).decode("utf-8")
    except UnicodeDecodeError as exc:
        raise ModelFileError(f"cannot read {where}: not UTF-8 text ({exc})") from None
    return text.replace("\r\n", "\n").replace("\r", "\n")  # universal newlines


#: An SBML model element's id (a model is named by it, else by its file).
_SBML_MODEL_ID = re.compile(r"<(?:\w+:)?model\b[^>]*?\sid\s*=\s*[\"'][^\"']+[\"']")


def _from_cache(data: dict[str, Any] | None) -> tuple[str, _Layout, str] | None:
    """A cached parse back as (sbml, layout, name); None if it is not one."""
    if data is None:
        return None
    try:
        sbml, name = data["sbml"], data["name"]
        if not isinstance(sbml, str) or not isinstance(name, str):
            return None
        return sbml, _Layout.from_json(data["layout"]), name
    except (KeyError, TypeError, ValueError):
        return None


def check_budget(seconds: object) -> float | None:
    """``seconds`` as a `Model.solve_budget`: None, or a finite number of seconds > 0."""
    if seconds is None:
        return None
    from ._errors import check_nonnegative

    return check_nonnegative(seconds, name="solve_budget", allow_zero=False)


def _check_size(layout: _Layout, path: Path, max_species: int, sbml: str) -> None:
    where = f"model file {str(path)!r}"
    n = len(layout.species)
    if n == 0 and not _has_content(sbml):
        raise ModelFileError(
            f"{where} is empty (no species, parameter or compartment): there is nothing to "
            "simulate. Declare at least one species that reactions change, e.g. "
            "`species A = 1; A -> ; k*A; k = 0.1` in Antimony"
        )
    if n > max_species:
        raise ModelFileError(
            f"{where} has {n:,} floating species, over the limit of "
            f"{max_species:,} (`max_species`); pass a larger `max_species=` "
            "to load_model to accept it (compiling and solving it may take "
            "minutes)"
        )


def _has_content(sbml: str) -> bool:
    """Whether a model without floating species still has something to report: a
    parameter, compartment or boundary species (constant, or changed by rules, events
    or reactions). Such a model's steady state is its (rule-free) state and its time
    course is exact without a solver step; a model with none of these is empty."""
    import libsbml

    model = libsbml.readSBMLFromString(sbml).getModel()
    return model is not None and bool(
        model.getNumParameters() or model.getNumCompartments() or model.getNumSpecies()
    )


def _antimony_to_sbml(text: str, path: Path) -> tuple[str, str]:
    import antimony

    antimony.clearPreviousLoads()
    # an `import "other.ant"` is found beside the file, not in the working directory
    antimony.clearDirectories()
    antimony.addDirectory(str(path.resolve().parent))
    if antimony.loadAntimonyString(text) < 0:
        raise ModelFileError(
            f"model file {str(path)!r}: Antimony error: {antimony.getLastError().strip()}"
        )
    name = antimony.getMainModuleName()
    sbml = antimony.getSBMLString(name)
    if not sbml:
        raise ModelFileError(f"model file {str(path)!r}: Antimony produced no SBML")
    return sbml, name


def _annotations(text: str) -> dict[str, dict[str, tuple[str, ...]]]:
    out: dict[str, dict[str, tuple[str, ...]]] = {
        k: {} for k in ("node", "interaction", "input", "readout", "reference")
    }
    for line in text.splitlines():
        if "//" not in line or line.lstrip().startswith("//   @"):
            continue
        comment = line.split("//", 1)[1]
        m = _ANNOTATION.search(comment)
        if m:
            kind, name, rest = m.group(1), m.group(2).strip(), (m.group(3) or "")
            params = tuple(rest.split()) if kind in ("node", "interaction") else ()
            out[kind][name] = params
    return out


def _layout_from_sbml(
    sbml: str, ann: dict, path: Path, name: str, *, max_species: int = MAX_SPECIES
) -> tuple[str, _Layout, str]:
    import libsbml

    where = f"model file {str(path)!r}"
    doc = _comp_prefix_renamed(libsbml.readSBMLFromString(sbml), where)
    # a `comp` external model's source is relative to this file, not to the working
    # folder; the path as it is (libsbml does not decode a %-encoded one)
    doc.setLocationURI("file://" + path.resolve().as_posix())
    model = doc.getModel()
    if model is not None and model.getNumSpecies() > max_species:  # before the costly parts
        raise ModelFileError(
            f"{where} has {model.getNumSpecies():,} species, over the limit "
            f"of {max_species:,} (`max_species`); pass a larger "
            "`max_species=` to load_model to accept it (compiling and "
            "solving it may take minutes)"
        )
    if not _errors_of(doc):
        for category in _SBML_CHECKS_OFF:
            doc.setConsistencyChecks(getattr(libsbml, category), False)
        doc.checkConsistency()
    # a unit reference libsbml cannot resolve (10313) does not change what is simulated:
    # units are not checked (see `_SBML_CHECKS_OFF`), so neither are their references
    errors = [e for e in _errors_of(doc) if e.getErrorId() != 10313]
    if errors or doc.getModel() is None:
        detail = "; ".join(
            f"line {e.getLine()}: {' '.join(e.getMessage().split())}" for e in errors[:5]
        )
        more = f" (and {len(errors) - 5} more)" if len(errors) > 5 else ""
        raise ModelFileError(f"{where} is not valid SBML: {detail or 'no model element'}{more}")
    if doc.isPackageEnabled("comp"):  # hierarchical model: simulate its flat form
        _flatten(doc, where)
    model = doc.getModel()
    name = model.getId() or name
    bundled = bool(ann.get("node"))
    generated: list[str] = []
    derived: list[str] = []
    if not bundled:
        # Promote reaction-local parameters so that every rate constant can be set, and give
        # each reaction a multiplier so that it can be cut.
        props = libsbml.ConversionProperties()
        props.addOption("promoteLocalParameters", True)
        if doc.convert(props) != libsbml.LIBSBML_OPERATION_SUCCESS:
            raise ModelFileError(f"{where}: cannot promote local parameters")
        model = doc.getModel()
        taken = _element_ids(model)
        for rxn in model.getListOfReactions():
            law = rxn.getKineticLaw()
            if law is None or law.getMath() is None:
                continue
            pid = _fresh_id(f"cut_{rxn.getId()}", taken)  # never one of the model's names
            generated.append(pid)
            p = model.createParameter()
            p.setId(pid)
            p.setValue(1.0)
            p.setConstant(True)
            # pid * (rate), built as a tree: a text round trip would re-read names such
            # as a parameter called `avogadro` as MathML symbols
            product = libsbml.ASTNode(libsbml.AST_TIMES)
            factor = libsbml.ASTNode(libsbml.AST_NAME)
            factor.setName(pid)
            product.addChild(factor)
            product.addChild(law.getMath().deepCopy())
            law.setMath(product)
        derived = derived_constants_as_rules(model)
        sbml = libsbml.writeSBMLToString(doc)

    ruled = {model.getRule(i).getVariable() for i in range(model.getNumRules())}
    rate_ruled = tuple(
        model.getRule(i).getVariable()
        for i in range(model.getNumRules())
        if model.getRule(i).isRate()
    )
    initassigned = {
        model.getInitialAssignment(i).getSymbol() for i in range(model.getNumInitialAssignments())
    }
    # state variables: species that reactions or rate rules change (not those an
    # assignment rule sets, nor boundary species, which are inputs)
    floating = tuple(
        s.getId()
        for s in model.getListOfSpecies()
        if not s.getBoundaryCondition() and (s.getId() not in ruled or s.getId() in rate_ruled)
    )
    # settable: every parameter whose value the model does not compute (no assignment rule
    # or initial assignment); one that events or a rate rule change is set as its
    # initial value
    assigned_ids = ruled - set(rate_ruled)
    parameters = {
        p.getId(): float(p.getValue())
        for p in model.getListOfParameters()
        if p.getId() not in assigned_ids
        and p.getId() not in initassigned
        and p.getId() not in generated
    }
    if bundled:
        nodes = dict(ann["node"])
        interactions = dict(ann["interaction"])
        inputs = {k: k for k in ann["input"]}
        readouts = tuple(ann["readout"])
        drug_parameters = {p[len("dose_") :]: p for p in parameters if p.startswith("dose_")}
        names: dict[str, str] = {}
        clamp = False
    else:
        species_all = [s for s in model.getListOfSpecies()]
        nodes = {s.getId(): (s.getId(),) for s in species_all if s.getId() not in ruled}
        with_law = [
            r
            for r in model.getListOfReactions()
            if r.getKineticLaw() is not None and r.getKineticLaw().getMath() is not None
        ]
        interactions = {r.getId(): (pid,) for r, pid in zip(with_law, generated, strict=True)}
        # inputs: the initial value of every species no rule sets (boundary species are
        # held there; floating ones start there, e.g. a dose of insulin or the size of a
        # conserved pool), as a concentration, or an amount with hasOnlySubstanceUnits,
        # as the species' symbol means in SBML
        inputs = {
            s.getId(): (
                f"init({s.getId()})" if s.getHasOnlySubstanceUnits() else f"init([{s.getId()}])"
            )
            for s in species_all
            if s.getId() not in ruled
        }
        assigned = tuple(
            model.getRule(i).getVariable()
            for i in range(model.getNumRules())
            if model.getRule(i).isAssignment() and model.getRule(i).getVariable() not in derived
        )  # (a derived constant is a rule only so that it follows: not a readout)
        # species, what assignment rules compute, and parameters or compartments that
        # rate rules or events change (state variables too: a model whose only variables
        # are parameters its events set, SBML Test Suite 00979, had no readout at all)
        evented = tuple(
            sorted(
                t
                for t in event_targets(model)
                if (q := model.getParameter(t) or model.getCompartment(t)) is not None
                and not q.getConstant()
            )
        )
        readouts = tuple(dict.fromkeys(floating + assigned + rate_ruled + evented))
        counts: dict[str, int] = {}
        for s in species_all:
            counts[s.getName()] = counts.get(s.getName(), 0) + 1
        names = {
            s.getName(): s.getId()
            for s in species_all
            if s.getName() and counts[s.getName()] == 1 and s.getName() != s.getId()
        }
        drug_parameters = {}
        clamp = True
    for kind, table in (("node", nodes), ("interaction", interactions)):
        for key, params in table.items():
            for p in params:
                if not clamp and p not in parameters:
                    raise ModelFileError(
                        f"model file {str(path)!r}: @{kind} {key!r} names unknown parameter {p!r}"
                    )
    layout = _Layout(
        nodes=nodes,
        interactions=interactions,
        inputs=inputs,
        readouts=readouts,
        species=floating,
        parameters=parameters,
        species_names=names,
        clamp_knockouts=clamp,
        drug_parameters=drug_parameters,
        references=tuple(ann.get("reference", ())),
        generated=tuple(generated),
        derived=tuple(derived),
    )
    _check_size(layout, path, max_species, sbml)
    return sbml, layout, name


def _comp_prefix_renamed(doc: Any, where: str) -> Any:
    """``doc`` with its `comp` namespace's prefix renamed ``comp``, read again, where it
    was another (``xmlns:c="http://www.sbml.org/sbml/level3/version1/comp/version1"``,
    valid XML): libsbml 5.21 crashes the process (segmentation fault) checking or
    flattening such a model. ``doc`` itself where the prefix is ``comp`` already, or
    also declared for the `comp` namespace. `ModelFileError` where ``comp`` names another
    namespace: it cannot be renamed, and libsbml crashed on it as on the others."""
    import libsbml

    ns = doc.getNamespaces()
    declared = {ns.getPrefix(i): ns.getURI(i) for i in range(ns.getNumNamespaces())}
    other = [p for p, uri in declared.items() if p and _COMP_URI.match(uri) and p != "comp"]
    if not other or ("comp" in declared and _COMP_URI.match(declared["comp"])):
        return doc
    if "comp" in declared:
        raise ModelFileError(
            f"{where} declares the SBML comp package under the prefix {other[0]!r} and the "
            f"prefix 'comp' for another namespace ({declared['comp']!r}); libsbml crashes "
            "checking such a file: declare comp as xmlns:comp and give the other namespace "
            "another prefix"
        )
    old = other[0]
    ns.remove(old)
    ns.add(declared[old], "comp")  # the elements are written under it; the root's
    text = libsbml.writeSBMLToString(doc)  # `required` keeps the old prefix: renamed here
    root = text.index(">", text.index("<sbml"))
    head = re.sub(rf"(\s){re.escape(old)}:required=", r"\1comp:required=", text[:root])
    return libsbml.readSBMLFromString(head + text[root:])


def _flatten(doc: Any, where: str) -> None:
    """Flatten a model of the SBML ``comp`` package in place (submodel ids become
    prefixes: ``sub1__S1``), as libroadrunner does on load."""
    import libsbml

    props = libsbml.ConversionProperties()
    props.addOption("flatten comp", True)
    if doc.convert(props) != libsbml.LIBSBML_OPERATION_SUCCESS:
        errors = _errors_of(doc)
        detail = "; ".join(" ".join(e.getMessage().split()) for e in errors[:3])
        raise ModelFileError(
            f"{where}: its hierarchical ('comp') model could not be "
            f"flattened: {detail or 'libsbml gave no reason'}"
        )


def _errors_of(doc: Any) -> list:
    """libsbml's errors (not warnings) recorded on a document."""
    import libsbml

    return [
        doc.getError(i)
        for i in range(doc.getNumErrors())
        if doc.getError(i).getSeverity() >= libsbml.LIBSBML_SEV_ERROR
    ]


def event_targets(model: Any) -> set[str]:
    """The ids that the event assignments of ``model`` (a libsbml Model) set."""
    return {a.getVariable() for e in model.getListOfEvents() for a in e.getListOfEventAssignments()}


def derived_constants_as_rules(model: Any, *, keep: Iterable[str] = ()) -> list[str]:
    """Turn every initial assignment of a constant parameter (declared constant, or
    variable but changed by no rule or event) whose formula reads only such parameters
    and constant compartments (a derived constant such as ``kd = koff / kon``)
    into an assignment rule; return the parameters' ids. (Not a compartment's: a size that
    followed a rule would leave its species' initial amounts at the compiled size, so
    their concentrations would change; see `SbmlFacts.volume_parameters`.)

    The two mean the same, as nothing the formula reads ever changes; but a rule follows
    a parameter that a verb or a fit sets, while an initial assignment keeps the value
    computed when the model was compiled: libroadrunner's reset recomputes the initial
    assignments of species, not of parameters, so ``kd`` would silently keep the old
    ``koff``. An assignment that reads a species, time or a quantity that can change is
    left as it is, as is one of ``keep`` (a parameter something else sets, such as a PEtab
    condition: a rule's target cannot be set).
    """
    import libsbml

    # constant: declared so, or a parameter declared variable that no rule or event
    # changes (its initial assignment is all that sets it)
    constant = {p.getId() for p in model.getListOfParameters()}
    constant |= {c.getId() for c in model.getListOfCompartments() if c.getConstant()}
    constant -= {r.getVariable() for r in model.getListOfRules()} | event_targets(model)
    kept = set(keep)
    functions = {f.getId() for f in model.getListOfFunctionDefinitions()}

    def reads_only_constants(node: Any) -> bool:
        kind = ast_type(node)
        if kind == libsbml.AST_NAME and node.getName() not in constant:
            return False
        if kind in (libsbml.AST_NAME_TIME, libsbml.AST_FUNCTION_DELAY):
            return False
        if kind == libsbml.AST_FUNCTION and node.getName() not in functions:
            return False
        return all(reads_only_constants(node.getChild(i)) for i in range(node.getNumChildren()))

    converted = []
    for ia in list(model.getListOfInitialAssignments()):
        p = model.getParameter(ia.getSymbol())
        math = ia.getMath()
        if p is None or p.getId() not in constant or p.getId() in kept or math is None:
            continue
        if not reads_only_constants(math):
            continue
        rule = model.createAssignmentRule()
        rule.setVariable(p.getId())
        rule.setMath(math.deepCopy())
        p.setConstant(False)
        model.removeInitialAssignment(p.getId())
        converted.append(p.getId())
    return converted


def derived_constants_back(model: Any, ids: Iterable[str]) -> None:
    """Undo `derived_constants_as_rules` for ``ids``: each assignment rule becomes the
    initial assignment it was (a file written for other tools, or a PEtab problem whose
    conditions may set the parameter, keeps the model's own form)."""
    for pid in ids:
        rule = model.getAssignmentRuleByVariable(pid)
        p = model.getParameter(pid)
        if rule is None or p is None:
            continue
        ia = model.createInitialAssignment()
        ia.setSymbol(pid)
        ia.setMath(rule.getMath().deepCopy())
        model.removeRuleByVariable(pid)
        p.setConstant(True)


def _code_lines(text: str) -> list[str]:
    """A model file's lines without ``//`` comments and surrounding blanks, empty ones
    dropped (the recipe ``models/ensemble.json``'s fingerprint was made with)."""
    return [c for line in text.splitlines() if (c := line.split("//", 1)[0].strip())]


def _plain(value: Any) -> dict[str, Any]:
    """A catalogue entry (read-only mappings, tuples) as JSON."""
    if isinstance(value, Mapping):
        return dict(value)
    raise TypeError(f"not JSON: {value!r}")


def _fresh_id(base: str, taken: set[str]) -> str:
    """``base``, or ``base_1``, ``base_2``, ...: the first not in ``taken`` (then taken)."""
    pid, i = base, 0
    while pid in taken:
        i += 1
        pid = f"{base}_{i}"
    taken.add(pid)
    return pid


def _element_ids(model) -> set[str]:
    """Every id a model uses. The model's lists are walked one by one: the generic
    ``getListOfAllElements`` yields None for elements once another SWIG module that
    embeds libsbml (libsedml, libcombine) is loaded in the same process."""
    ids = {model.getId()}
    for kind in (
        "FunctionDefinitions",
        "UnitDefinitions",
        "Compartments",
        "Species",
        "Parameters",
        "InitialAssignments",
        "Rules",
        "Constraints",
        "Reactions",
        "Events",
    ):
        for e in getattr(model, f"getListOf{kind}")():
            if e is not None and e.isSetId():
                ids.add(e.getId())
    for rxn in model.getListOfReactions():
        for ref in (*rxn.getListOfReactants(), *rxn.getListOfProducts(), *rxn.getListOfModifiers()):
            if ref is not None and ref.isSetId():
                ids.add(ref.getId())
        law = rxn.getKineticLaw()
        if law is not None:
            ids |= {lp.getId() for lp in law.getListOfParameters()}
            ids |= {lp.getId() for lp in law.getListOfLocalParameters()}
    # by index: with libsedml loaded, the list is libsedml's proxy, whose iteration never
    # raises IndexError and so never ends
    every = model.getListOfAllElements()
    for i in range(len(every)):
        e = every[i]
        if e is not None and e.isSetId():
            ids.add(e.getId())
    return ids


def _set_parameter_values(sbml: str, values: Mapping[str, float]) -> str:
    """``sbml`` with the values of the named global parameters replaced."""
    if not values:
        return sbml
    import libsbml

    doc = libsbml.readSBMLFromString(sbml)
    model = doc.getModel()
    for p, v in values.items():
        model.getParameter(p).setValue(float(v))
    return libsbml.writeSBMLToString(doc)
