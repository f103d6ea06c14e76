"""Time courses and steady states: the hot path."""

from __future__ import annotations

import functools
import math
import re
import sys
import time
import warnings
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from collections.abc import Set as AbstractSet
from dataclasses import replace
from typing import TYPE_CHECKING, Any, NamedTuple

import numpy as np
import pandas as pd

from ._errors import (
    MAX_VALUES,
    ModelFileError,
    check_count,
    check_flag,
    check_nonnegative,
    wants_ensemble,
)
from ._perturb import Perturbation, clamped_species, make_perturbation, resolve
from ._results import SteadyState, TimeCourse, provenance
from ._roadrunner import (
    EngineLog,
    ast_type,
    cvode_hint,
    no_dynamic_properties,
    quiet,
    with_log,
)

if TYPE_CHECKING:  # pragma: no cover
    import roadrunner

    from ._model import Model
    from ._schedule import Schedule

__all__ = ["steady_state", "simulate", "compile_runner", "steady_state_of", "steady_provenance"]

#: Defaults of the steady-state search.
STEADY_TOL = 1e-8  # max |dx/dt| (per minute) accepted as steady
RTOL, ATOL = 1e-8, 1e-12  # CVODE tolerances
PRESIM_T = 2e4  # min; longer than the slowest loop (EMT, RTK turnover: ~1 day)
FALLBACK_T = 1e6  # min; integration horizon when Newton's method fails
# |Re(eigenvalue)| (per minute) below which a fixed point counts as not isolated: its
# slowest mode would take over 10^9 min (~1,900 years) to relax, i.e. none in practice
EIG_TOL = 1e-9
#: The clock's symbol in SBML MathML: a model that reads it may change with time.
TIME_SYMBOL = "http://www.sbml.org/sbml/symbols/time"
#: How far on (model time units) a model that reads the clock is judged again.
LATER_TIMES = (1e4, 1e8)
# smallest state magnitude a residual is scaled by (CVODE's absolute tolerance)
SCALE_FLOOR = ATOL
# round-off below zero, relative to the state's magnitude, that a steady state found by
# Newton's method may carry (a knocked-out protein's forms): set to zero, then judged
CLIP_RTOL = 1e-12
# a state that a long integration reached (Newton's method having failed) counts as at
# rest only if, over a second run as long, no variable has further to go than DRIFT_RTOL
# of its value, plus DRIFT_RTOL * 1e-3 of its noise scale or 10 x ATOL, whichever is
# more (the integrator's own noise): the residual test alone passes a slow drift whose
# rate is small against the largest variable (a species creeping at 5e-8 /min beside one
# at 100). Each variable is judged by its own size, as CVODE's error test weighs it, and
# a dependent species of a conserved pool by its pool's (see `Solver._noise_scale`): a
# floor from the largest variable passed S = 8.7e-7 still rising to 1e-6 beside B = 1e4.
# See `Solver._drift` for how far is left to go.
DRIFT_RTOL = 1e-6
# a dependent species of a conserved pool whose row mixes signs (libroadrunner's C = T0 +
# A + B) is computed as the difference of large terms: where the row's terms of the
# species' own sign (its true pool) are below RESOLVE_RTOL of the others, an error of RTOL
# in those others would be over 1e-5 of that pool, and the model is solved without moiety
# analysis (`Solver._unresolved`): C = 1.5e-7 read "ok" for 6.7e-10 beside A + B = 1e6
RESOLVE_RTOL = 1e-3
#: A state that did not come to rest is followed for this many of its own timescales
#: (size over rate, of the species furthest from rest) to tell a cycle from a drift:
#: several periods of an oscillator whose fastest phase sets that timescale.
CYCLE_TIMESCALES = 200.0
# seconds of processor time one steady-state search may spend integrating a model with
# events (checked between pieces of the run, so a piece may overrun it): events that
# fire every 0.01 s (SBML Test Suite 00953) would take some 10 minutes over the
# presimulation's 2e4 min, and the search would seem to hang. A model near the budget
# may therefore get a different verdict on a slower machine
EVENTS_CPU_S = 30.0
EVENT_CHUNKS = 200  # pieces per integration of a model with events (see `_simulate`)
#: CVODE steps per call of a search that has a budget: the clock is read between calls,
#: and a call stopped at this limit goes on from where it stopped (the same steps as one
#: call) until the output interval's own step limit (`INTEGRATOR_SETTINGS`) is spent.
BUDGET_STEPS = 1_000


#: The phrases by which a steady state's message tells how the model's events took part
#: (`Solver._event_note`); a course started from it reads them (`_baseline_events`).
EVENT_NOTE, EVENT_CHANGED = "of the continuous dynamics", "changed from"


class _EventsTooSlow(RuntimeError):
    """An integration of a model with events stopped at its budget of processor time."""


class _OutOfTime(RuntimeError):
    """A steady-state search stopped at its budget of wall-clock time (`Model.solve_budget`)."""


#: A line SUNDIALS prints when a call of CVODE stops at its step limit, and the time there.
_MXSTEP_LINE = re.compile(r"At t = ([-+0-9.eE]+), mxstep steps taken before reaching tout")


#: Integrator settings of every compiled runner. The compiled-model cache is keyed on them
#: (`cache_settings`), so changing one here invalidates the cached runners.
INTEGRATOR_SETTINGS: dict[str, float | int] = {
    "relative_tolerance": RTOL,
    "absolute_tolerance": ATOL,
    "maximum_num_steps": 200_000,  # long presimulations of oscillating models
}
#: When conserved-moiety analysis is switched on. libroadrunner 2.x crashes (segfault) on
#: rates and Jacobians of a model with moiety analysis on and no reaction or no floating
#: species, so such models run without it (their species are constant anyway). Its pools
#: come from the bare stoichiometry, so a model with conversion factors runs without it
#: too (see `moieties_apply`).
MOIETY_POLICY = "on iff the model has reactions and floating species, and no conversion factor"


def moieties_apply(sbml: str) -> bool:
    """Whether libroadrunner's conserved-moiety analysis describes ``sbml``'s pools. It
    reads them from the bare stoichiometry matrix, without conversion factors: SBML Test
    Suite 01405 (``S1 -> S2``, S1's factor 2, so S1 + 2 S2 is conserved, not S1 + S2) had
    a verified steady state with S2 = 6 for 3.5. (A stoichiometry that a rule or an
    initial assignment sets also defeats it, but without it the steady states of those
    models were wrong silently, 00069: they keep it, and fail with a status.)"""
    return not conversion_factors(sbml)


def conversion_factors(sbml: str) -> dict[str, str]:
    """Species id -> the id of its conversion factor (its own, or the model's); checked
    on the text first: most models have none."""
    if "conversionFactor" not in sbml:
        return {}
    import libsbml

    model = libsbml.readSBMLFromString(sbml).getModel()
    if model is None:
        return {}
    default = model.getConversionFactor() if model.isSetConversionFactor() else ""
    factors = {
        s.getId(): s.getConversionFactor() if s.isSetConversionFactor() else default
        for s in model.getListOfSpecies()
    }
    return {sid: factor for sid, factor in factors.items() if factor}


def cache_settings(moieties: bool = True) -> str:
    """What `compile_runner` applies, as the compiled-model cache's key."""
    items = ";".join(f"{k}={v!r}" for k, v in sorted(INTEGRATOR_SETTINGS.items()))
    return f"integrator=cvode;{items};moiety={MOIETY_POLICY if moieties else 'off'}"


def _configure(r: roadrunner.RoadRunner, moieties: bool = True) -> None:
    m = r.model
    if moieties and m.getNumReactions() > 0 and m.getNumFloatingSpecies() > 0:
        try:
            r.conservedMoietyAnalysis = True
        except RuntimeError:  # pragma: no cover - some models refuse moiety analysis
            pass
    integ = r.getIntegrator()
    for name, value in INTEGRATOR_SETTINGS.items():
        setattr(integ, name, value)


def _is_configured(r: roadrunner.RoadRunner) -> bool:
    integ = r.getIntegrator()
    return integ.getName() == "cvode" and all(
        getattr(integ, name) == value for name, value in INTEGRATOR_SETTINGS.items()
    )


def compile_runner(sbml: str, *, source: str, moieties: bool = True) -> roadrunner.RoadRunner:
    """Compile SBML to a RoadRunner with conserved-moiety analysis on (see `MOIETY_POLICY`;
    off when ``moieties`` is false) and the integrator settings of `INTEGRATOR_SETTINGS`.

    Moiety analysis is what steady states need (Newton's method on the independent
    species, eigenvalues of the reduced Jacobian); time courses from a model's initial
    state run without it, as plain SBML semantics: with it, CVODE integrates a
    transformed system that fails or drifts on some models (non-constant stoichiometry,
    pools of very different sizes).

    A compiled model is kept on disk (see `mtor_sim._cache`), so that a second process,
    or a worker of a sweep, loads it in ~20 ms instead of compiling it again.
    """
    import roadrunner

    from ._cache import load_cached, store_cached

    sbml = with_root_sentinels(sbml)
    moieties = moieties and moieties_apply(sbml)
    settings = cache_settings(moieties)
    r = load_cached(sbml, settings=settings)
    # a model with events is compiled in every process: its saved state, loaded, does not
    # start as the compiled model does (an event firing at t = 0 fires again: SBML Test
    # Suite 1333, 1697, 1699, 1757), and `Solver` skips the first reset of a fresh one
    if r is not None and _is_configured(r) and not r.model.getNumEvents():
        return r
    try:
        with no_dynamic_properties():
            r = roadrunner.RoadRunner(sbml)
    except RuntimeError as exc:
        raise ModelFileError(f"model {source!r} could not be compiled: {exc}") from None
    _configure(r, moieties)
    if not r.model.getNumEvents():
        store_cached(sbml, r, settings=settings)
    return r


#: id prefix of the events `with_root_sentinels` adds (they assign nothing)
SENTINEL_PREFIX = "root_sentinel_"

#: how far before and after a jump of ``ceiling(u)``/``floor(u)``, in units of ``u``, the
#: integrator stops (see `with_root_sentinels`)
JUMP_OFFSET = 1e-9
_ROUNDING = ("ceiling", "floor")
_LOGICAL = re.compile(r"<(?:and|or|xor|not)[\s/>]")  # MathML's logical operators


def with_root_sentinels(sbml: str) -> str:
    """``sbml`` with an event that assigns nothing at each point libroadrunner steps over
    unseen, so that CVODE stops there; ``sbml`` itself when there is none (most models).

    libroadrunner locates an event's trigger as one root function, the trigger's truth,
    and a piecewise condition in a rate, but not the jumps of ``ceiling``/``floor``:
    - a trigger that is true only between two crossings (``S1 > 0.18 && S1 < 0.19``)
      opens and closes within one step, and its event never fired (SBML Test Suite
      01511: x 0.24 for 0.22, with status ok). Each relation under ``and``/``or``/
      ``xor``/``not`` gets a sentinel ``a > b``, which stops the step where it flips.
    - a rate that jumps where ``ceiling(u)`` or ``floor(u)`` does kept CVODE's Jacobian
      from across the jump: the next steps took the old slope (00173 and 00269: 0.7 %
      off the exact solution, with status ok). Each such ``u`` gets two sentinels,
      ``sin(pi (u -+ JUMP_OFFSET)) > 0``, which flip just before and just after every
      integer ``u``: the integrator restarts on the far side of each jump, whichever
      way ``u`` crosses it. (One stop at the jump itself can land on its near side, as
      the floor of a falling ``u`` does, and a start on a jump, ``floor(4 x)`` from
      x = 1, has none: both stayed 1e-2 off.)
    """
    if not any(f"<{op}" in sbml for op in _ROUNDING) and not (
        "<event" in sbml and _LOGICAL.search(sbml)
    ):
        return sbml
    import libsbml

    doc = libsbml.readSBMLFromString(sbml)
    # an L2 event needs an assignment: as L3 (where that conversion loses nothing)
    if doc.getModel() is None or not (doc.getLevel() >= 3 or doc.setLevelAndVersion(3, 2, True)):
        return sbml
    model = doc.getModel()
    expanded = doc.clone()  # rounding inside function definitions, in the model's names
    props = libsbml.ConversionProperties()
    props.addOption("expandFunctionDefinitions", True)
    expanded.convert(props)
    flat = expanded.getModel()
    triggers: dict[str, Any] = {}
    maths = [r.getKineticLaw().getMath() for r in flat.getListOfReactions() if r.getKineticLaw()]
    maths += [r.getMath() for r in flat.getListOfRules() if not r.isAlgebraic()]
    for math_ in maths:
        for node in _nodes(math_):
            kind = ast_type(node)
            if kind in (libsbml.AST_FUNCTION_CEILING, libsbml.AST_FUNCTION_FLOOR):
                arg = node.getChild(0)
                if arg is None or not _varies(arg, flat):
                    continue
                for offset in (-JUMP_OFFSET, JUMP_OFFSET):
                    shifted = libsbml.ASTNode(libsbml.AST_PLUS)
                    shifted.addChild(arg.deepCopy())
                    shift = libsbml.ASTNode(libsbml.AST_REAL)
                    shift.setValue(offset)
                    shifted.addChild(shift)
                    scaled = libsbml.ASTNode(libsbml.AST_TIMES)
                    scaled.addChild(libsbml.ASTNode(libsbml.AST_CONSTANT_PI))
                    scaled.addChild(shifted)
                    sine = libsbml.ASTNode(libsbml.AST_FUNCTION_SIN)
                    sine.addChild(scaled)
                    zero = libsbml.ASTNode(libsbml.AST_INTEGER)
                    zero.setValue(0)
                    _add_relation(triggers, sine, zero)
    logical = {getattr(libsbml, f"AST_LOGICAL_{op}") for op in ("AND", "OR", "XOR", "NOT")}
    relational = {
        getattr(libsbml, f"AST_RELATIONAL_{op}") for op in ("EQ", "NEQ", "GT", "GEQ", "LT", "LEQ")
    }
    for event in flat.getListOfEvents():
        trigger = event.getTrigger()
        top = trigger.getMath() if trigger is not None else None
        if top is None or not any(ast_type(n) in logical for n in _nodes(top)):
            continue
        for node in _nodes(top):
            if ast_type(node) in relational and node.getNumChildren() == 2:
                _add_relation(triggers, node.getChild(0), node.getChild(1))
    if not triggers:
        return sbml
    taken = {e.getId() for e in model.getListOfEvents()}
    taken |= {p.getId() for p in model.getListOfParameters()}
    taken |= {s.getId() for s in model.getListOfSpecies()}
    taken |= {c.getId() for c in model.getListOfCompartments()}
    taken |= {r.getId() for r in model.getListOfReactions()}
    k = 0
    for relation in triggers.values():
        while f"{SENTINEL_PREFIX}{k}" in taken:
            k += 1
        event = model.createEvent()
        event.setId(f"{SENTINEL_PREFIX}{k}")
        event.setUseValuesFromTriggerTime(True)
        trigger = event.createTrigger()
        trigger.setMath(relation)
        trigger.setInitialValue(True)  # never at the start: only where it flips
        trigger.setPersistent(True)
        k += 1
    return libsbml.writeSBMLToString(doc)


def model_events(r: roadrunner.RoadRunner) -> int:
    """How many events the model has, without those `with_root_sentinels` added."""
    return sum(not e.startswith(SENTINEL_PREFIX) for e in r.model.getEventIds())


def _nodes(node: Any) -> Iterator[Any]:
    """``node`` and every node below it."""
    yield node
    for i in range(node.getNumChildren()):
        yield from _nodes(node.getChild(i))


def _varies(node: Any, model: Any) -> bool:
    """Whether ``node`` reads time or a name that is not a constant of ``model``."""
    import libsbml

    for n in _nodes(node):
        if ast_type(n) == libsbml.AST_NAME_TIME:
            return True
        if ast_type(n) == libsbml.AST_NAME:
            q = model.getElementBySId(n.getName())
            if not (hasattr(q, "getConstant") and q.getConstant()):
                return True
    return False


def _add_relation(triggers: dict[str, Any], left: Any, right: Any) -> None:
    """``left > right`` into ``triggers``, keyed by its text (each relation once)."""
    import libsbml

    relation = libsbml.ASTNode(libsbml.AST_RELATIONAL_GT)
    relation.addChild(left.deepCopy())
    relation.addChild(right.deepCopy())
    triggers.setdefault(libsbml.formulaToL3String(relation), relation)


SPECIES_UNITS = ("auto", "concentration", "amount")


class Solver:
    """A compiled model with what the hot path needs precomputed.

    Sets every parameter in one batched call, starts Newton's method from a reference
    steady state (bundled model), reads readouts as vectors, and falls back to the
    robust path (presimulation, Newton, long integration) whenever the fast answer
    fails its checks.
    """

    def __init__(
        self,
        r: roadrunner.RoadRunner,
        model: Model,
        *,
        warm_start: bool,
        recompile: Callable[[], roadrunner.RoadRunner] | None = None,
        sbml: str | None = None,
        plain: Callable[[], Solver] | None = None,
    ) -> None:
        self.r = r
        # the same model's solver without moiety analysis, for the states that moiety
        # analysis cannot resolve (`_unresolved`), and the one that solved the last call
        # in its place (a time course from that state runs on it)
        self._plain = plain
        self.handed_to: Solver | None = None
        # a fresh runner of the same SBML: writing a species' initial value drops its
        # initial assignment from `r` for good, and only a new runner has it back
        self._recompile = recompile
        # the SBML `r` was compiled from, and a model whose events have delays: on such a
        # model every call but a just-compiled runner's first runs a runner compiled with
        # the call's values written into that SBML (`_compile_with`), not a reset
        self._sbml = sbml
        self._source = str(model.path or model.name)
        self._delayed = sbml is not None and model._facts().delayed_events
        m = r.model
        gids = list(m.getGlobalParameterIds())
        where = {g: i for i, g in enumerate(gids)}
        settable = [(p, v) for p, v in model._layout.parameters.items() if p in where]
        generated = set(model._layout.generated)  # the loader's own (cut multipliers)
        settable += [
            (g, float(v))
            for g, v in zip(gids, m.getGlobalParameterValues(), strict=True)
            if g in generated and g not in model._layout.parameters
        ]
        self.names = [p for p, _ in settable]
        self.index = np.array([where[p] for p in self.names], dtype=np.int32)
        self.defaults = np.array([v for _, v in settable], dtype=float)
        self.position = {p: i for i, p in enumerate(self.names)}
        # the initial values last written (`_set_initial_values`): none yet, since a copy
        # made by `with_parameters` runs its parent's compiled model with its own defaults
        self._initial_values = np.full(self.defaults.size, np.nan)
        facts = model._facts()  # read from the SBML once per model, or from the cache
        # inputs on species that an initial assignment sets: writing one's initial value
        # drops the assignment from `r` (as SBML means: the value given replaces it, for
        # other assignments and events at t = 0 too); a call that does not set it needs
        # a runner with the assignment back (`apply`). Never written as defaults.
        from ._export import input_species

        self._assigned_inputs = {
            q
            for q in model._layout.inputs.values()
            if q.startswith("init(") and input_species(q)[0] in facts.assigned_species
        }
        self._dropped: set[str] = set()  # those written into `r` since it was compiled
        # species other initial assignments read: one knocked out has its initial value
        # written, though that regenerates the model (`apply`)
        self._initially_read = facts.initially_read
        # other settable quantities (initial values of boundary species of SBML models)
        self.other_defaults = {
            q: float(r[q])
            for q in model._layout.inputs.values()
            if q not in self.position and q not in self._assigned_inputs
        }
        fids = list(m.getFloatingSpeciesIds())
        self.species_ids = fids
        only = facts.substance_only
        # floating species reported as amounts (hasOnlySubstanceUnits), by state index
        self._amount_idx = np.array([i for i, f in enumerate(fids) if f in only], dtype=np.int64)
        self.substance_only = only
        fpos = {f: i for i, f in enumerate(fids)}
        self._ko_saved: dict[str, float] = {}  # initial amounts a knockout set to zero
        self._conservation: np.ndarray | None = None  # moieties x species, on first use
        self._dependent_idx: np.ndarray | None = None  # their dependent species, likewise
        self._mixed: list[tuple[int, int]] | None = None  # see `_unresolved`, likewise
        self._full_stoichiometry: np.ndarray | None = None  # species x reactions, on first use
        self._settable: np.ndarray | None = None  # species no assignment rule sets
        self._ruled: np.ndarray | None = None  # species the model's own rules set
        # species -> the parameter that scales its rate (SBML conversion factors): the
        # rates include them, libroadrunner's Jacobian and stoichiometry do not
        factors = conversion_factors(model._compiled_sbml)
        self._factors = {i: factors[f] for i, f in enumerate(fids) if f in factors}
        self._jacobian_idx: np.ndarray | None = None  # the Jacobian's species, on first use
        self._jacobian_link: np.ndarray | None = None  # species x those: how each moves
        self.readouts = list(model.readouts)
        self._param_readouts = [
            (k, where[q]) for k, q in enumerate(self.readouts) if q in where and q not in fpos
        ]
        self._species_readouts = [(k, fpos[q]) for k, q in enumerate(self.readouts) if q in fpos]
        self._other_readouts = [
            (k, q) for k, q in enumerate(self.readouts) if q not in fpos and q not in where
        ]
        self._pidx = np.array([i for _, i in self._param_readouts], dtype=np.int32)
        self._all_species = set(fids) | set(m.getBoundarySpeciesIds())
        # parameters and compartments that rate rules change: state variables that are
        # not floating species, so their rates join the residual (`_check`)
        rules = list(m.getRateRuleSymbols())
        self.rule_vars = [v for v in rules if v not in fpos]
        # species that rate rules change: libroadrunner lists them last and leaves them
        # out of its species rates; their rates (amounts per time) are read from the state
        # vector's, as are those of the other rule variables
        self._rule_species = [(fpos[v], v) for v in rules if v in fpos]
        state_ids = (
            [m.getStateVectorId(i) for i in range(len(r.getRatesOfChange()))] if rules else []
        )
        self._rule_pos = {v: state_ids.index(v) if v in state_ids else -1 for v in rules}
        # species whose compartment a rate rule changes: (species, compartment, position
        # in `rule_vars`). libroadrunner's concentration rates are amount rates over the
        # volume and leave out the dilution -[S] V'/V (SBML Test Suite 00051: a shrinking
        # compartment read as a steady state at [S2] = 1e42 while it still rose 10 % a
        # second); `_dilution` gives it. A species that a rate rule changes is one too
        # (its amount rate carries [S] V' as well); one an assignment rule sets is no state
        comp_ids = list(m.getCompartmentIds())
        # (species, its compartment's index) of the species no rule sets (the model's
        # rules: libroadrunner's also list the dependent species of its conserved pools)
        states = [
            (i, m.getCompartmentIndexForFloatingSpecies(i))
            for i in range(len(fids))
            if fids[i] not in facts.rule_targets
        ]
        self._diluted = [
            (i, c, self.rule_vars.index(comp_ids[c]))
            for i, c in states
            if comp_ids[c] in self.rule_vars
        ]
        # compartments of species that an assignment rule sets (see `_check`)
        self._ruled_volumes = sorted(
            {comp_ids[c] for _, c in states if comp_ids[c] in facts.rule_targets}
        )
        # events and rules can change parameters during a run, and reset() leaves those
        # changes in place: such models need the full reset before every call
        # parameters that a reset() would leave stale: those with initial assignments
        # (moiety totals `_CSUM*` and assignment-rule targets are recomputed anyway)
        ruled = facts.rule_targets
        stale = [
            g
            for g in gids
            if g not in self.position and not g.startswith("_CSUM") and g not in ruled
        ]
        assigned_boundary = facts.assigned_species & set(m.getBoundarySpeciesIds())
        self._reset_all = bool(
            m.getNumEvents() or m.getNumRateRules() or stale or assigned_boundary
        )
        # what events can set besides species (whose values move anyway): read after a
        # steady-state search to say which an event changed on the way there
        can_set = set(where) | set(m.getCompartmentIds())
        self._event_set = sorted(g for g in facts.event_targets if g in can_set)
        # settable parameters that rate rules or events change: state, which
        # `set_parameters` leaves as it is (a reset starts them from a value given)
        self._state_parameters = sorted(
            g for g in {*self.rule_vars, *self._event_set} if g in self.position
        )
        self._event_start: dict[str, float] = {}  # their values as the last run started
        self.n_moieties = m.getNumConservedMoieties() if r.conservedMoietyAnalysis else 0
        self._events_or_rules = bool(m.getNumEvents() or m.getNumRateRules())
        self._has_events = bool(m.getNumEvents())
        self._deadline = math.inf  # of the integrations of one steady-state search
        # wall-clock seconds one search may take (None: no limit), the time.monotonic()
        # at which the current one runs out, and the times at which a call of CVODE was
        # stopped to read the clock (`_advance`), whose log lines are no failure
        self.budget: float | None = model.solve_budget
        self._out_at = math.inf
        self._stops: list[float] = []
        # a model whose formulas read the clock (rates, rules, triggers): its residual is
        # also judged with the clock moved on (`_clock_rate`), as rates read at one time
        # are no steady state of a system that changes with time
        self._reads_time = TIME_SYMBOL in model.sbml
        # libroadrunner's Newton solver crashes the process (a segmentation fault) on a
        # rate law with factorial (SBML Test Suite 269, plain libroadrunner alike): such
        # models reach their steady states by integration only
        self._newton_unsafe = "<factorial" in model.sbml
        self._init_now = dict(self.other_defaults)  # initial values as set on `r`
        self._fresh = True  # nothing has run on `r` since it was compiled or loaded
        # whether the compiled model holds this model's defaults (not so for a copy made
        # by `with_parameters`, which runs its parent's compiled model)
        # (its initial values: events at t = 0 may already have changed the current ones)
        compiled = np.array([m.getValue(f"init({p})") for p in self.names], dtype=float)
        self._compiled_defaults = bool(np.array_equal(compiled, self.defaults))
        # boundary species set mid-run (`step_species`): a reset leaves them, so the next
        # `apply` puts them back at their initial values
        self._stepped: set[str] = set()
        # horizons are given in minutes; the model may count time in other units
        self.time_unit = facts.time_unit[0]
        self.time_factor = units_per_minute(model)
        self.warm_start = warm_start
        self.reference: np.ndarray | None = None
        self.reference_tried = False
        self._lookups: dict[tuple[str, ...], list[tuple[str, int]]] = {}
        self._indexes: dict[str, pd.Index] = {}

    def apply(self, values: Mapping[str, float]) -> None:
        """Reset to the initial state of the model with ``values`` set (others at default).

        Nothing of an earlier call survives: every settable parameter is set (to its
        default or to ``values``), initial values given as inputs are set where they
        changed (setting one makes libroadrunner regenerate its initial state, which is
        slow), and the state is reset. On models with events or rate rules the reset
        covers every variable those can change, in one reset, so that events at t = 0
        fire once (a second reset would fire them again, on values the first changed).
        """
        if self._dropped - values.keys():  # assignments this call needs back
            self._renew()
        other = dict(self.other_defaults)
        other.update(
            (k, v)
            for k, v in values.items()
            if k not in self.position and not k.startswith(("ko(", "zero("))
        )
        if (
            self._fresh
            and self._events_or_rules
            and not values
            and other == self._init_now
            and self._compiled_defaults
        ):
            # a just-compiled model with events is in its initial state already: no
            # reset, which libroadrunner gets wrong on a few models (a delayed event
            # firing at t = 0: SBML Test Suite cases 1699 and 1757)
            self._fresh = False
            self._mark_event_targets()
            return
        if self._delayed:
            self._compile_with(values, other)
            return
        self._fresh = False
        for sid in self._stepped:  # a reset does not reach boundary species
            self.r.model.setValue(sid, float(self.r.model.getValue(f"init({sid})")))
        self._stepped.clear()
        written = set()
        for name, v in other.items():  # first: setting an init() value resets parameters
            if self._init_now.get(name) != v:
                self.r[name] = v
                self._init_now[name] = v
                if name in self._assigned_inputs:
                    self._dropped.add(name)
                self._initial_values[:] = np.nan  # a regenerated model: write them all
                if name.startswith("init("):  # init([S]) or init(S): species S
                    written.add(name[5:-1].strip("[]"))
        for sid in (k[5:-1] for k in values if k.startswith("zero(")):
            # knocked out, though an initial assignment sets it
            key = f"zero({sid})"
            if sid in self._initially_read and (
                key not in self._dropped or self.r.model.getValue(f"init({sid})") != 0.0
            ):
                # its initial value written (which drops the assignment, as SBML means a
                # value given to do): the initial assignments that read it see zero, as
                # in the model written with the knockout (B = 2*A: B = 0, not 2*A's value)
                self.r[f"init({sid})"] = 0.0
                self._dropped.add(key)
                self._initial_values[:] = np.nan
                written.add(sid)
        # after inputs: writing an init() may regenerate the model
        self._knock_out(values, written)
        if self._events_or_rules:
            # one full reset from initial values that are this call's: every parameter
            # (a rate rule's starts there, one an event changed goes back), and the
            # initial assignments of parameters that read them are evaluated afresh
            self._set_initial_values(self._vector(values))
            self.r.resetAll()
            self._zero_now(values)
            self._mark_event_targets()
            return
        if self._reset_all:  # parameters computed from others (moiety totals, assignments)
            self._set_initial_values(self._vector(values))
            self.r.resetAll()
        self.set_parameters(values)
        self.r.reset()  # species from initial assignments, with the new totals
        self._zero_now(values)

    def _renew(self) -> None:
        """Run a fresh runner of the model: the initial assignments of species whose
        initial value an earlier call's inputs wrote are back (`_dropped`), and nothing
        written into the old runner survives. (Models with delayed events are never
        reset: `_compile_with`.)"""
        if self._recompile is None:  # pragma: no cover - every Solver is given one
            raise RuntimeError("this solver cannot restore its initial assignments")
        self.r = self._recompile()
        self._dropped.clear()
        self._init_now = dict(self.other_defaults)
        self._initial_values[:] = np.nan
        self._ko_saved = {}
        self._stepped.clear()
        self._fresh = True

    def _compile_with(self, values: Mapping[str, float], other: dict[str, float]) -> None:
        """Run a runner compiled from the model's SBML with this call's values written in,
        in its initial state (``other``: the initial values set besides parameters, as
        `apply` keeps them).

        For models whose events have delays: libroadrunner's reset does not empty its
        queue of delayed events, so an event pending when the runner is reset fires on
        the next run as well as the one the reset queues (SBML Test Suite 1757: P1 625,
        not 25, after a run that ended before a delayed event was due), and a compiled
        runner already holds its t = 0 events, triggered on the compiled values (a
        parameter that makes a trigger false at t = 0 still fired it). A runner compiled
        with the values is in the state a reset would give, with its queue as SBML
        means it. This costs a compilation per call: 0.1-0.2 s on a model of a few
        species, about 1 s on one the size of the bundled model.

        libsbml writes 15 significant digits, so the parameters are then set to their
        exact values (before anything runs); what the compilation evaluates from them
        (initial assignments, the triggers at t = 0) sees the written ones. A subnormal
        value, which libroadrunner cannot read back, is written as 0."""
        import libsbml

        from ._export import write_values

        assert self._sbml is not None  # `_delayed` says it is set
        doc = libsbml.readSBMLFromString(self._sbml)
        vec = self._vector(values)
        given = dict(zip(self.names, vec.tolist(), strict=True))
        given.update((k, v) for k, v in values.items() if k not in self.position)
        tiny = sys.float_info.min
        write_values(doc.getModel(), {k: v if abs(v) >= tiny else 0.0 for k, v in given.items()})
        moieties = bool(self.r.conservedMoietyAnalysis)
        self.r = compile_runner(
            libsbml.writeSBMLToString(doc), source=self._source, moieties=moieties
        )
        self.r.model.setGlobalParameterValues(self.index, vec)
        self._init_now = dict(other)
        self._initial_values = vec
        self._ko_saved = {}
        self._stepped.clear()
        self._dropped.clear()
        self._fresh = False
        self._mark_event_targets()

    def _zero_now(self, values: Mapping[str, float]) -> None:
        """Set the species of ``values``' ``zero(S)`` keys to zero in the reset state:
        knocked-out forms whose initial value an initial assignment computes (which
        would override a zero initial value). Conserved totals follow."""
        ids = [k[5:-1] for k in values if k.startswith("zero(")]
        if not ids:
            return
        m = self.r.model
        floating = [self.species_ids.index(s) for s in ids if s in self.species_ids]
        for s in ids:
            if s not in self.species_ids:  # a boundary species: put back by the next apply
                m.setValue(s, 0.0)
                self._stepped.add(s)
        if not floating:
            return
        amounts = np.array(m.getFloatingSpeciesAmounts(), dtype=float)
        amounts[floating] = 0.0
        if self.n_moieties:  # totals first: dependent species are computed from them
            m.setConservedMoietyValues(self._conservation_matrix() @ amounts)
        idx = np.array(floating, dtype=np.int32)
        m.setFloatingSpeciesAmounts(idx, np.zeros(idx.size))

    def _knock_out(
        self, values: Mapping[str, float], written: AbstractSet[str] = frozenset()
    ) -> None:
        """Start the species of ``values``' knockout keys (``ko(S)``) at zero, and those
        of the previous call back at their initial amounts: set on the compiled model
        (microseconds), not through `RoadRunner`'s ``init([S])`` setter (~0.1 s each,
        as it regenerates the model), so that a knockout screen runs on one compiled
        model. The next reset starts from them: initial assignments that read them and
        conserved totals are evaluated from them. A species whose initial value this
        call's inputs have just written (``written``) keeps that value."""
        ko = [k[3:-1] for k in values if k.startswith("ko(")]
        if not ko and not self._ko_saved:
            return
        m = self.r.model
        for sid, amount in self._ko_saved.items():  # restore, whatever the last ones were
            if sid not in written:
                m.setValue(f"init({sid})", amount)
        self._ko_saved = {sid: float(m.getValue(f"init({sid})")) for sid in ko}
        for sid in ko:
            m.setValue(f"init({sid})", 0.0)
        self._fresh = False  # the initial state is no longer the compiled one

    def set_parameters(self, values: Mapping[str, float]) -> None:
        """Set parameters (others back to default) without touching the state: the
        parameters that rate rules or events change are state, and keep their current
        values (a scheduled course sets the drugs' parameters at every cut; a drug may
        not target them, `mtor_sim._model.load_model`).

        Initial values (``init(...)``) are not set here: they apply only at a reset.
        """
        vec = self._vector(values)
        for name in self._state_parameters:
            vec[self.position[name]] = self.r.model.getValue(name)
        self.r.model.setGlobalParameterValues(self.index, vec)

    def _set_initial_values(self, vec: np.ndarray) -> None:
        """Make ``vec`` the settable parameters' initial values, which a full reset puts
        back and the initial assignments of other parameters read (those that differ
        from the last call's only: libroadrunner sets them one by one)."""
        m = self.r.model
        for i in np.flatnonzero(vec != self._initial_values):
            m.setValue(f"init({self.names[i]})", float(vec[i]))
        self._initial_values = vec

    def _vector(self, values: Mapping[str, float]) -> np.ndarray:
        """Every settable parameter's value: from ``values``, else its default."""
        vec = self.defaults.copy()
        for name, v in values.items():
            i = self.position.get(name)
            if i is not None:
                vec[i] = v
        return vec

    def index_of(self, what: str) -> pd.Index:
        """The readouts' or species' names as a pandas Index, built once: building one
        per result cost as much as the solve."""
        cached = self._indexes.get(what)
        if cached is None:
            names = self.readouts if what == "readouts" else self.species_ids
            cached = self._indexes[what] = pd.Index(names)
        return cached

    def output_names(self) -> set[str]:
        """Everything a time course can record: species, global parameters, compartments,
        reactions (their rates) and readouts."""
        m = self.r.model
        return (
            self._all_species
            | set(m.getGlobalParameterIds())
            | set(m.getCompartmentIds())
            | set(m.getReactionIds())
            | set(self.readouts)
        )

    def lookup(self, names: Sequence[str]) -> list[tuple[str, int]]:
        """Where each name sits in a `SolveResult`: ("r", readout index) or ("s", species
        index); species clamped out of this runner get index -1 (their value is 0)."""
        key = tuple(names)
        found = self._lookups.get(key)
        if found is None:
            rpos = {q: i for i, q in enumerate(self.readouts)}
            spos = {q: i for i, q in enumerate(self.species_ids)}
            found = [("r", rpos[q]) if q in rpos else ("s", spos.get(q, -1)) for q in names]
            self._lookups[key] = found
        return found

    def step_species(self, sid: str, level: float, *, concentration: bool) -> None:
        """Set species ``sid`` to ``level`` (a concentration, or an amount) in the current
        state, every other species unchanged. Under conserved-moiety analysis libroadrunner
        keeps the conserved totals when one species is set, moving the difference into
        a dependent species of the same moiety; a dose changes the total instead."""
        r, m = self.r, self.r.model
        before = np.array(m.getFloatingSpeciesConcentrations(), dtype=float)
        r[f"[{sid}]" if concentration else sid] = level
        if sid not in self.species_ids:  # a boundary species: put back by the next `apply`
            self._stepped.add(sid)
            return
        if not self.n_moieties:
            return
        i = self.species_ids.index(sid)
        target = before.copy()
        target[i] = float(m.getFloatingSpeciesConcentrations()[i])  # its units, converted
        self._set_concentrations(target)

    def state(self) -> np.ndarray:
        """Floating species in the package's convention: concentrations, except species
        with ``hasOnlySubstanceUnits``, which are amounts."""
        m = self.r.model
        x = np.array(m.getFloatingSpeciesConcentrations(), dtype=float)
        if self._amount_idx.size:
            x[self._amount_idx] = np.asarray(m.getFloatingSpeciesAmounts(), float)[self._amount_idx]
        return x

    def rates(self) -> np.ndarray:
        """d/dt of `state`, per species in its own unit (concentration or amount per time
        unit of the model): the residual a steady state is judged by."""
        m = self.r.model
        dx = self._concentration_rates()
        if dx.size < len(self.species_ids) and (self._amount_idx.size or self._diluted):
            # dependent species of conserved pools: an amount's rate, or a concentration
            # that a changing volume dilutes although its pool's amount stays
            dx = self._all_concentration_rates(dx)
        if self._amount_idx.size:
            vols = np.asarray(m.getCompartmentVolumes(), dtype=float)
            comp = [m.getCompartmentIndexForFloatingSpecies(int(i)) for i in self._amount_idx]
            # an amount's rate has no dilution: d(n)/dt = V d[S]/dt + [S] V'
            dx[self._amount_idx] = (dx + self._dilution(dx.size))[self._amount_idx] * vols[comp]
        return dx

    def _dilution(self, n: int) -> np.ndarray:
        """[S] V'/V of the first ``n`` species (0 where no rate rule changes the volume):
        what a changing compartment takes from a concentration's rate."""
        out = np.zeros(n)
        if self._diluted:
            m = self.r.model
            conc = np.asarray(m.getFloatingSpeciesConcentrations(), dtype=float)
            vols = np.asarray(m.getCompartmentVolumes(), dtype=float)
            vrates = self.rule_rates()
            for i, c, k in self._diluted:
                if i < n:
                    out[i] = conc[i] * vrates[k] / vols[c]
        return out

    def _all_concentration_rates(self, independent: np.ndarray) -> np.ndarray:
        """``independent`` (libroadrunner's rates under conserved-moiety analysis, which
        leave out the dependent species) completed from the reaction rates and the full
        stoichiometry, so that every species, an amount one included, has its rate."""
        m = self.r.model
        amounts = self._stoichiometry() @ np.asarray(m.getReactionRates(), dtype=float)
        vols = np.asarray(m.getCompartmentVolumes(), dtype=float)
        comp = [m.getCompartmentIndexForFloatingSpecies(i) for i in range(len(self.species_ids))]
        dx = amounts / vols[comp] - self._dilution(len(self.species_ids))
        dx[: independent.size] = independent
        return dx

    def _stoichiometry(self) -> np.ndarray:
        """Floating species (in `species_ids` order) x reactions, built on first use."""
        if self._full_stoichiometry is None:
            n = self.r.getFullStoichiometryMatrix()
            order = [list(n.rownames).index(s) for s in self.species_ids]
            self._full_stoichiometry = np.asarray(n, dtype=float)[order]
        return self._full_stoichiometry

    def _concentration_rates(self) -> np.ndarray:
        """d/dt of every floating species' concentration, rate-rule species included."""
        m = self.r.model
        raw = np.array(m.getFloatingSpeciesConcentrationRates(), dtype=float)
        dilution = self._dilution(len(self.species_ids))
        raw -= dilution[: raw.size]
        if not self._rule_species and not self._model_ruled():
            return raw
        dx = np.full(len(self.species_ids), math.nan)
        dx[: raw.size] = raw
        roc = np.asarray(self.r.getRatesOfChange(), dtype=float)
        vols = np.asarray(m.getCompartmentVolumes(), dtype=float)
        for i, v in self._rule_species:
            pos = self._rule_pos[v]
            if pos >= 0:  # an amount rate, as the state vector holds amounts
                dx[i] = roc[pos] / vols[m.getCompartmentIndexForFloatingSpecies(i)] - dilution[i]
        if self._model_ruled():  # a species an assignment rule sets is not a state: its
            # rate was NaN here, and so every residual (SBML Test Suite 00093). libroadrunner
            # lists such species last and leaves them out of its rates; if not, NaN stays
            ruled = self._ruled_idx()
            if ruled.min() >= raw.size:
                dx[ruled] = 0.0
        return dx

    def rule_rates(self) -> np.ndarray:
        """d/dt of the parameters and compartments that rate rules change."""
        if not self.rule_vars:
            return np.empty(0)
        if self.n_moieties:  # libroadrunner's rate vector is wrong under moiety analysis
            # (``A + B`` conserved, ``p' = -0.5 p``: it gave 0.5 for p' at p = 1); the
            # selection ``p'`` is right
            return np.array([self.r[f"{v}'"] for v in self.rule_vars], dtype=float)
        roc = np.asarray(self.r.getRatesOfChange(), dtype=float)
        return np.array(
            [
                roc[self._rule_pos[v]] if self._rule_pos[v] >= 0 else math.nan
                for v in self.rule_vars
            ],
            dtype=float,
        )

    def selection(self, name: str, species_units: str = "auto") -> str:
        """The roadrunner selection for ``name`` (a species is ``[S]``, its concentration,
        or ``S``, its amount)."""
        if name not in self._all_species:
            return name
        if species_units == "amount" or (species_units == "auto" and name in self.substance_only):
            return name
        return f"[{name}]"

    def readout_values(self, x: np.ndarray) -> np.ndarray:
        out = np.empty(len(self.readouts))
        if self._param_readouts:
            vals = self.r.model.getGlobalParameterValues(self._pidx)
            for (k, _), v in zip(self._param_readouts, vals, strict=True):
                out[k] = v
        for k, i in self._species_readouts:
            out[k] = x[i]
        for k, q in self._other_readouts:  # a boundary species: its concentration
            out[k] = float(self.r[self.selection(q)])
        return out

    def _non_finite_rates(self) -> list[str]:
        """Reactions that change a floating species and whose rate is inf or NaN in the
        current (initial) state (a reaction between boundary species changes nothing)."""
        rates = np.asarray(self.r.model.getReactionRates(), dtype=float)
        if np.isfinite(rates).all():
            return []
        if not self.species_ids:  # nothing a rate could move
            return []
        n = self._stoichiometry()
        moves = n.any(axis=0) if n.size else np.zeros(rates.size, dtype=bool)
        ids = self.r.model.getReactionIds()
        return [ids[i] for i in np.flatnonzero(~np.isfinite(rates) & moves)]

    def _warm(self) -> bool:
        """Newton's method from the reference state carried to the new conserved totals."""
        if self.reference is None or self._newton_unsafe:
            return False
        m = self.r.model
        if self.n_moieties:
            totals = np.array(m.getConservedMoietyValues(), dtype=float)
            m.setFloatingSpeciesConcentrations(self.reference)
            m.setConservedMoietyValues(totals)
        else:
            m.setFloatingSpeciesConcentrations(self.reference)
        try:
            self._newton()
        except RuntimeError:
            return False
        return True

    def _newton(self) -> None:
        """libroadrunner's Newton solver from the current state. On a runner without
        moiety analysis (a model that refuses it: a rate rule on a species) its
        `steadyState` ends by regenerating the model, which puts the initial values set
        on the compiled model (parameters', knocked-out species') back to the SBML's: they
        are all written again at the next reset (a repeated call read them as already
        set, and its reset started from the defaults: "ok", the unperturbed state)."""
        try:
            self.r.steadyState()
        finally:
            if not self.r.conservedMoietyAnalysis:
                self._initial_values[:] = np.nan

    def solve(
        self,
        values: Mapping[str, float],
        *,
        tol: float,
        presimulate: float,
        newton: bool = True,
    ) -> SolveResult:
        """Guarded steady state for parameter ``values``: fast path, then robust path (by
        integration alone, without Newton's method, where ``newton`` is false). A state
        whose conserved pools moiety analysis cannot resolve is solved again without it
        (see `_unresolved`), and `handed_to` is then the solver that holds it."""
        self.handed_to = None
        res = self._solve_logged(values, tol=tol, presimulate=presimulate, newton=newton)
        if self._plain is None or not (why := self._unresolved(res.species)):
            return res
        plain = self._plain()
        # integration only: Newton's method without moiety analysis does not keep the
        # conserved totals (nleq2 moved a pool of 1e-9 beside 1e6 by 7 %), CVODE does
        res = plain.solve(values, tol=tol, presimulate=presimulate, newton=False)
        self.handed_to = plain
        note = f"solved without conserved-moiety analysis: {why}; "
        # in this solver's order of species (moiety analysis puts the independent first)
        order = [plain.species_ids.index(s) for s in self.species_ids]
        return res._replace(species=res.species[order], message=note + res.message)

    def _solve_logged(
        self, values: Mapping[str, float], *, tol: float, presimulate: float, newton: bool
    ) -> SolveResult:
        self._stops = []
        with quiet() as log:
            try:
                res = self._solve(values, tol=tol, presimulate=presimulate, newton=newton)
            except _OutOfTime as exc:  # from a test run on after the integration
                res = self._integration_failed(exc, self.state() * math.nan, "out of time")
            finally:
                self._out_at = math.inf
        if self._stops:  # the clock's pauses, not failures: out of the message
            log[:] = [line for line in log if not self._paused_at(line)]
        if log:  # what the engine printed: into the message, not onto the terminal
            res = res._replace(message=with_log(res.message, log))
        return res

    def _paused_at(self, line: str) -> bool:
        """Whether ``line`` is SUNDIALS's note of a call of CVODE that `_advance` stopped
        at `BUDGET_STEPS` to read the clock (and then continued)."""
        m = _MXSTEP_LINE.search(line)
        if m is None:
            return False
        try:
            t = float(m.group(1))
        except ValueError:
            return False
        return any(math.isclose(t, s, rel_tol=1e-12, abs_tol=1e-300) for s in self._stops)

    def _unresolved(self, x: np.ndarray) -> str:
        """Why moiety analysis cannot resolve state ``x`` (concentrations), or "": a
        dependent species in a conservation row of mixed signs whose terms of the
        species' own sign (its pool: C + D in libroadrunner's C = T0 + A + B, with D = T1
        - A - B) are below `RESOLVE_RTOL` of the others (A + B), from which libroadrunner
        computes it as the difference. A row of one sign (a protein's forms) loses no
        more than its own total's round-off."""
        if not self.n_moieties or not x.size or not np.isfinite(x).all():
            return ""
        if self._mixed is None:  # (dependent species, row) pairs of mixed signs
            g = self._conservation_matrix()
            self._mixed = [
                (int(i), int(row))
                for i in self._dependent()
                for row in np.flatnonzero(g[:, i])
                if (g[row] * g[row, i] < 0).any()
            ]
        if not self._mixed:
            return ""
        g = self._conservation_matrix()
        m = self.r.model
        vols = np.asarray(m.getCompartmentVolumes(), dtype=float)
        amounts = np.abs(x)
        for k in range(x.size):
            if k not in self._amount_idx:
                amounts[k] *= abs(vols[m.getCompartmentIndexForFloatingSpecies(k)])
        for i, row in self._mixed:
            terms = g[row] * np.sign(g[row, i]) * amounts
            own, other = float(terms[terms > 0].sum()), float(-terms[terms < 0].sum())
            if not own >= RESOLVE_RTOL * other:
                return (
                    f"libroadrunner computes {self.species_ids[i]} from a conserved total "
                    f"as a difference of terms of {other:.3g}, over {1 / RESOLVE_RTOL:.0e} "
                    f"times its own pool's {own:.3g}, which it cannot resolve"
                )
        return ""

    def _dependent(self) -> np.ndarray:
        """Indices of the dependent species of moiety analysis, found on first use."""
        if self._dependent_idx is None:
            dependent = set(self.r.getDependentFloatingSpeciesIds())
            self._dependent_idx = np.array(
                [i for i, s in enumerate(self.species_ids) if s in dependent], dtype=np.int64
            )
        return self._dependent_idx

    def _solve(
        self, values: Mapping[str, float], *, tol: float, presimulate: float, newton: bool = True
    ) -> SolveResult:
        self._deadline = time.process_time() + EVENTS_CPU_S  # (see `_simulate`)
        self.apply(values)
        # the budget counts from here: compiling a runner for these values is no search
        if self.budget is not None:
            self._out_at = time.monotonic() + self.budget
        bad = self._non_finite_rates()
        if bad:  # NLEQ2 never returns from an infinite or NaN residual
            return SolveResult(
                self.state(),
                np.full(len(self.readouts), math.nan),
                "solver_failed",
                f"reaction rate{'s' if len(bad) > 1 else ''} {', '.join(bad[:3])}"
                f"{' and others' if len(bad) > 3 else ''} not finite at the start (inf or "
                "NaN): a rate law undefined in the initial state, e.g. a parameter at 0 "
                "in a denominator",
                math.nan,
                math.nan,
                "none (rates not finite)",
            )
        if self.warm_start and self.reference is not None:
            if self._warm():
                res = self._clip_round_off(self._check(tol, "warm-started nleq2", ""), tol)
                lowest = res.species.min(initial=0.0) if res.status == "ok" else math.nan
                # below zero beyond round-off: let the robust path settle it
                if lowest >= 0.0:
                    return res
            self.apply(values)  # no verified fast answer: start again, carefully
        return self._clip_round_off(self._robust(tol, presimulate, newton), tol)

    def _clip_round_off(self, res: SolveResult, tol: float) -> SolveResult:
        """A steady state with round-off below zero (the forms of a knocked-out protein,
        or a species that is 0 without a drug, end at -1e-17, not 0), no lower than
        ``CLIP_RTOL`` of its magnitude, set
        to exactly zero and judged again (fraction readouts would magnify the round-off);
        ``res`` unchanged where that does not apply (not ok, or nothing below zero)."""
        if res.status != "ok" or (clipped := self._clipped(res.species)) is None:
            return res
        self._set_concentrations(clipped)
        if not np.array_equal(self.state(), clipped):
            return res
        return self._check(tol, res.method, "")

    def _clipped(self, x: np.ndarray) -> np.ndarray | None:
        """``x`` with its round-off below zero (no lower than ``CLIP_RTOL`` of its
        magnitude) set to 0, or None where there is none, or where it cannot be set
        (species in amounts, or set by the model's own assignment rules)."""
        if x.size == 0 or x.min() >= 0.0 or self._amount_idx.size or self._model_ruled():
            return None
        if x.min() < -CLIP_RTOL * max(SCALE_FLOOR, float(np.abs(x).max())):
            return None
        return np.where(x < 0.0, 0.0, x)

    def _moiety_totals(self, fallback: np.ndarray) -> np.ndarray:
        """The conserved totals of the model's current amounts."""
        amounts = np.array(self.r.model.getFloatingSpeciesAmounts(), float)
        totals = self._conservation_matrix() @ amounts
        return totals if totals.shape == fallback.shape else fallback

    def _conservation_matrix(self) -> np.ndarray:
        """Moieties x species (in `species_ids` order), built on first use."""
        if self._conservation is None:
            g = self.r.getConservationMatrix()
            order = [self.species_ids.index(c) for c in g.colnames]
            self._conservation = np.zeros((len(g), len(self.species_ids)))
            self._conservation[:, order] = np.asarray(g, dtype=float)
        return self._conservation

    def _set_concentrations(self, x: np.ndarray) -> None:
        """Set the floating species to ``x`` (concentrations), the conserved totals
        following them: libroadrunner would otherwise keep the totals and move the
        difference into the dependent species."""
        m = self.r.model
        m.setFloatingSpeciesConcentrations(x)
        if self.n_moieties:  # totals of the new state; dependent species follow them
            totals = np.array(m.getConservedMoietyValues(), dtype=float)
            m.setConservedMoietyValues(self._moiety_totals(totals))
            m.setFloatingSpeciesConcentrations(x)

    def _robust(self, tol: float, presimulate: float, newton: bool = True) -> SolveResult:
        presimulate *= self.time_factor  # minutes -> the model's time unit
        fallback = FALLBACK_T * self.time_factor
        method, message = "presimulation + nleq2", ""
        settle: Callable[[], str] | None = None  # the drift test, for long integrations
        if not self.species_ids:  # no species (all clamped, or none): no Newton step
            if not self.rule_vars and not self._has_events:
                return self._check(tol, "none (no floating species)", "")
            # only rate rules or events: integrate them to rest, and the events fire on
            # the way there as they do for species (SBML Test Suite 00979 read its
            # initial parameters as the steady state, before its events at t = 0.98)
            try:
                self._simulate(0.0, presimulate + fallback, 101)
            except RuntimeError as exc:
                return self._integration_failed(exc, np.empty(0), "long integration")
            settle = functools.partial(self._drift, presimulate + fallback, fallback)
            return self._check(tol, "long integration (no floating species)", "", settle)
        try:
            if presimulate > 0:
                self._simulate(0.0, presimulate, 2)
            # concentrations, as setFloatingSpeciesConcentrations takes them back
            start = np.array(self.r.model.getFloatingSpeciesConcentrations(), dtype=float)
            # a knocked-out protein's forms at -1e-16 under moiety analysis: CVODE, started
            # again from there, failed for too much work (Varusai 2018, DEPTOR knocked out)
            # where one run through the same time settled
            if (clipped := self._clipped(start)) is not None:
                self._set_concentrations(clipped)
                start = clipped
            run_on = self._has_events
            if run_on:
                # libroadrunner's Newton solver refuses a model with events, and the
                # attempt broke the run on from there (SBML Test Suite 00071: its event,
                # due after the presimulation, never fired, and S1 read 0)
                method = "long integration (a model with events)"
            elif not newton:
                run_on = True
                method = "long integration (without moiety analysis)"
            else:
                # whether the presimulation came to rest: if not, a fixed point Newton's
                # method finds may be one the run was only passing (x' = -1e-5 x (x - 1)
                # (x - 2) from 1.4 crawls toward 2, and Newton went to the unstable 1)
                _, _, moving_rate, moving_scale = self._measure()
                try:
                    if self._newton_unsafe:
                        raise RuntimeError(
                            "not run: the model's math has factorial, on which it crashes"
                        )
                    self._newton()
                except RuntimeError as exc:
                    # a failed Newton leaves its last iterate in the model (e.g. +-1e8 on a
                    # model with accumulating sinks): integrate on from the presimulated
                    # state, never from that iterate
                    self._restore(start)
                    method = "long integration (nleq2 failed)"
                    message = f"Newton solver failed ({str(exc).splitlines()[0]}); "
                    run_on = True
                else:
                    if not moving_rate <= tol * moving_scale:
                        res = self._check(tol, method, message)
                        if res.status != "unstable":
                            return res
                        # the run goes on from where it was, not from that point
                        self._restore(start)
                        method = "long integration (nleq2 found an unstable point)"
                        message = (
                            "Newton's method went to an unstable fixed point while the "
                            "presimulation was still moving; "
                        )
                        run_on = True
            if run_on:
                # CVODE's step limit holds per output interval: 100 intervals let an
                # oscillator run the whole horizon instead of failing for too much work
                self._simulate(presimulate, presimulate + fallback, 101)
                settle = functools.partial(self._drift, presimulate + fallback, fallback)
        except RuntimeError as exc:
            return self._integration_failed(exc, np.full(len(self.species_ids), math.nan), method)
        return self._check(tol, method, message, settle)

    def _integration_failed(self, exc: RuntimeError, x: np.ndarray, method: str) -> SolveResult:
        """The result of a search whose integration failed, or ran out of its time."""
        if isinstance(exc, _OutOfTime):
            status, msg = "timed_out", str(exc)
        elif isinstance(exc, _EventsTooSlow):
            status, msg = "not_reached", f"no steady state verified: {exc}"
        elif (
            "CV_TOO_MUCH_WORK" in str(exc)
            and time.monotonic() < self._out_at
            and (cycle := self._cycle())
        ):
            # an oscillator fast against the run's output interval exhausts CVODE's steps
            # (a Brusselator, period ~7 min, within the presimulation's one interval)
            status = "not_reached"
            msg = (
                f"no steady state reached: {cycle} (the integration ran out of steps "
                "over its cycles). Try simulate() to inspect its dynamics."
            )
        else:
            status, msg = "solver_failed", cvode_hint(f"integration failed: {_first_lines(exc)}")
        nan = np.full(len(self.readouts), math.nan)
        return SolveResult(x, nan, status, msg, math.nan, math.nan, method)

    def _simulate(self, t0: float, t1: float, points: int) -> None:
        """Integrate from ``t0`` to ``t1`` (the model's time unit). A model with events is
        run in pieces that double from one minute up to 1/`EVENT_CHUNKS` of the run, without
        restarting CVODE except at t = 0: a restart drops the delayed events in flight
        and an event whose trigger is already true (SBML Test Suite 00071, whose event
        resets S1 whenever it falls below 0.1, read "ok" at S1 = 0 after the restart
        that followed its presimulation), and at t = 6e7 a restart's small first step
        asks for more accuracy than the clock's round-off leaves. CVODE's step limit
        holds per piece, as it does per output interval of one run. The run is stopped,
        by `_EventsTooSlow`, at the first piece that ends past the search's budget of
        processor time (`EVENTS_CPU_S`). Other models run in one run of ``points``
        points. A search with a budget of wall-clock time (`Model.solve_budget`) runs each
        piece, and each output interval, through `_advance`, which reads the clock
        between calls of at most `BUDGET_STEPS` steps: the same steps, and the same
        state at ``t1``, as one run."""
        budgeted = self._out_at < math.inf
        if not self._has_events:
            if not budgeted:
                self.r.simulate(t0, t1, points)
                return
            h = (t1 - t0) / max(points - 1, 1)
            for i in range(max(points - 1, 1)):  # the output times of one run
                self._advance(t0 + i * h, h, t1, restart=i == 0)
            return
        cap = min((t1 - t0) / max(points - 1, 1), (t1 - t0) / EVENT_CHUNKS)
        t, piece = t0, self.time_factor
        if t0 == 0.0:  # from the initial state: events at t = 0 as in one run
            t = min(t1, piece)
            if budgeted:
                self._advance(0.0, t, t1, restart=True)
            else:
                self.r.simulate(0.0, t, 2)
        while t < t1:
            if time.process_time() > self._deadline:
                raise _EventsTooSlow(
                    f"the run reached t = {t / self.time_factor:.3g} of "
                    f"{t1 / self.time_factor:.3g} min within the {EVENTS_CPU_S:g} s of "
                    "computing a search may take (events that fire often make a run "
                    "slow). Try simulate() to see what they do"
                )
            step = min(piece, cap, t1 - t)
            if budgeted:
                self._advance(t, step, t1)
            else:
                self.r.oneStep(t, step, False)
            t = t + step if t1 - t > step else t1
            piece *= 2

    def _advance(self, t: float, h: float, end: float, *, restart: bool = False) -> None:
        """Integrate from ``t`` over ``h`` (one output interval of a run to ``end``, the
        model's time unit) in calls of CVODE of at most `BUDGET_STEPS` steps, each going on
        from where the last stopped, until the interval's step limit is spent; between
        calls, stop with `_OutOfTime` once the search's budget has run out. ``restart``:
        start CVODE afresh at ``t``, as a run does."""
        integrator = self.r.getIntegrator()
        limit = int(integrator.getValue("maximum_num_steps"))
        taken = 0
        try:
            while True:
                if time.monotonic() > self._out_at:
                    raise _OutOfTime(self._out_of_time(t, end))
                steps = min(BUDGET_STEPS, limit - taken)
                integrator.setValue("maximum_num_steps", steps)
                try:
                    if restart:  # as a run starts: CVODE afresh, events at t = 0
                        self.r.simulate(t, t + h, 2)
                    else:
                        self.r.oneStep(t, h, False)
                    return
                except RuntimeError as exc:
                    taken += steps
                    if "CV_TOO_MUCH_WORK" not in str(exc) or taken >= limit:
                        # the interval's own limit, as one call would have reported it
                        raise RuntimeError(
                            str(exc).replace(f"mxstep ({steps})", f"mxstep ({limit})")
                        ) from None
                    restart = False
                    now = float(self.r.model.getTime())
                    t, h = now, t + h - now
                    self._stops.append(now)
        finally:
            integrator.setValue("maximum_num_steps", limit)

    def _sampled(self, t0: float, t1: float, points: int) -> np.ndarray:
        """Time and floating-species concentrations at ``points`` times from ``t0`` to
        ``t1``, as ``simulate(t0, t1, points, ["time", "[S1]", ...])`` gives them, each
        output interval run through `_advance`."""
        m = self.r.model
        h = (t1 - t0) / (points - 1)
        run = np.empty((points, 1 + len(self.species_ids)))
        run[0] = [t0, *m.getFloatingSpeciesConcentrations()]
        for i in range(points - 1):
            self._advance(t0 + i * h, h, t1, restart=i == 0)
            run[i + 1] = [m.getTime(), *m.getFloatingSpeciesConcentrations()]
        return run

    def _out_of_time(self, t: float, end: float) -> str:
        """What a search stopped at its budget says: how far it got, and what to do."""
        return (
            f"no steady state within the solve budget of {self.budget:g} s of wall-clock "
            f"time: the integration had reached t = {t / self.time_factor:.3g} of "
            f"{end / self.time_factor:.3g} min (CVODE's steps had become very small: a "
            "stiff or fast system, or an oscillation being followed). Allow more with "
            "load_model(..., solve_budget=seconds) or model.with_solve_budget(seconds), "
            "or no limit with solve_budget=None; simulate() shows the dynamics"
        )

    def _variables(self) -> np.ndarray:
        """The state variables: `state`, the variables of rate rules, and the parameters
        and compartments events set (events that keep firing are no steady state: SBML
        Test Suite 00953's counters read "ok" while they rose without end)."""
        x = self.state()
        if extra := self._other_variables():
            return np.concatenate([x, [self.r[v] for v in extra]])
        return x

    def _other_variables(self) -> list[str]:
        """The names `_variables` reads after the species, in its order."""
        return [*self.rule_vars, *self._event_set, *self._ruled_volumes]

    def _drift(self, t0: float, horizon: float) -> str:
        """Run on from ``t0`` for ``horizon`` (the model's time unit), in two halves, and
        say how far the state still has to go, or "" if no variable has further to go
        than `DRIFT_RTOL` allows: the test that a long integration has come to rest. A
        variable that moved by d1 and then d2 < d1 / 2 is relaxing geometrically and has
        about d2^2 / (d1 - d2) left; one that moved otherwise (a drift, or a relaxation
        slower than the run) is judged by all it moved."""
        x0 = self._variables()
        try:
            self._simulate(t0, t0 + horizon / 2, 51)
            x1 = self._variables()
            self._simulate(t0 + horizon / 2, t0 + horizon, 51)
        except _OutOfTime:
            raise
        except RuntimeError as exc:
            return f"the run on from there failed ({_first_lines(exc)})"
        x2 = self._variables()
        d1, d2 = np.abs(x1 - x0), np.abs(x2 - x1)
        with np.errstate(divide="ignore", invalid="ignore"):
            left = np.where(d2 < d1 / 2, d2 * d2 / (d1 - d2), d1 + d2)
        floor = np.maximum(DRIFT_RTOL * 1e-3 * self._noise_scale(x2), 10 * ATOL)
        bound = DRIFT_RTOL * np.abs(x2) + floor
        if not (left <= bound).all():  # NaN too
            names = [*self.species_ids, *self._other_variables()]
            i = int(np.nanargmax(left / bound)) if np.isfinite(left).any() else 0
            return (
                f"the state has not stopped: over a further {horizon / self.time_factor:.3g} "
                f"min {names[i]} moved from {x0[i]:.6g} to {x2[i]:.6g}"
            )
        return ""

    def _noise_scale(self, x: np.ndarray) -> np.ndarray:
        """Per variable of ``x`` (`_variables`), the size its integration noise scales
        with: its own magnitude (CVODE weighs each variable's error by its own size,
        whatever the others'), except for a dependent species of a conserved pool, which
        libroadrunner computes as the pool's total minus the other species in it, and
        which carries their noise: the sum of their magnitudes, in its own unit (C = T +
        A + B with A = 1e4 is no more precise than A, however small C is)."""
        scale = np.abs(x)
        if not self.n_moieties:
            return scale
        if not self._dependent().size:
            return scale
        m = self.r.model
        g = np.abs(self._conservation_matrix())
        pools = g @ np.abs(np.asarray(m.getFloatingSpeciesAmounts(), dtype=float))
        vols = np.asarray(m.getCompartmentVolumes(), dtype=float)
        for i in self._dependent():
            rows = np.flatnonzero(g[:, i])
            size = float((pools[rows] / g[rows, i]).max(initial=0.0))  # an amount
            if i not in self._amount_idx:
                size /= abs(vols[m.getCompartmentIndexForFloatingSpecies(int(i))])
            scale[i] = max(scale[i], size)
        return scale

    def _restore(self, start: np.ndarray) -> None:
        """Set the floating species back to ``start`` (concentrations), except those an
        assignment rule sets, which libroadrunner refuses to set."""
        settable = self._settable_idx()
        if settable.size == len(self.species_ids):
            self.r.model.setFloatingSpeciesConcentrations(start)
        else:
            self.r.model.setFloatingSpeciesConcentrations(settable, start[settable])

    def _model_ruled(self) -> bool:
        """Whether the model's own assignment rules set species."""
        return self._ruled_idx().size > 0

    def _ruled_idx(self) -> np.ndarray:
        """Indices of the species the model's own assignment rules set (libroadrunner then
        runs without moiety analysis; under it, the rules it lists are its dependent
        species', which the conserved totals set: none here)."""
        if self._ruled is None:
            every = np.arange(len(self.species_ids))
            self._ruled = (
                np.empty(0, dtype=every.dtype)
                if self.r.conservedMoietyAnalysis
                else np.setdiff1d(every, self._settable_idx())
            )
        return self._ruled

    def _settable_idx(self) -> np.ndarray:
        """Indices of the species no assignment rule sets (libroadrunner refuses to set
        the others)."""
        if self._settable is None:
            ruled = set(self.r.getAssignmentRuleIds())
            self._settable = np.array(
                [i for i, s in enumerate(self.species_ids) if s not in ruled], dtype=np.int32
            )
        return self._settable

    def _measure(self) -> tuple[np.ndarray, np.ndarray, float, float]:
        """The state, its readouts, its residual (max |dx/dt| per minute) and the scale
        the residual is judged against."""
        x = self.state()
        values = self.readout_values(x)
        rates = self.rates()
        magnitude = np.abs(x)
        if self.rule_vars:  # every state variable must be at rest, not only the species
            rates = np.concatenate([rates, self.rule_rates()])
            magnitude = np.concatenate([magnitude, np.abs([self.r[v] for v in self.rule_vars])])
        # judged per minute whatever the model's time unit (see `time_unit`)
        rate = float(np.abs(rates).max()) * self.time_factor if rates.size else 0.0
        # the residual is relative to the state's own magnitude (concentrations of 1e-9 M
        # and relative amounts of 1 alike), floored so that an all-zero state is judged
        # against the integrator's absolute tolerance
        scale = max(SCALE_FLOOR, float(magnitude.max())) if magnitude.size else 1.0
        return x, values, rate, scale

    def _check(
        self, tol: float, method: str, message: str, settle: Callable[[], str] | None = None
    ) -> SolveResult:
        """Judge the state the solver is at; ``settle`` (the drift test of a long
        integration, which runs on) once the residual test has passed."""
        x, values, rate, scale = self._measure()
        drift = ""
        if settle is None and self._ruled_volumes:
            # a compartment an assignment rule sets dilutes its species by a rate
            # libroadrunner does not give (V := 1 + 0.5 time read "ok" with [B] falling):
            # the state, and the volume, must also stay over a long run
            horizon = FALLBACK_T * self.time_factor
            settle = functools.partial(self._drift, self.r.model.getTime(), horizon)
        if settle is not None and rate <= tol * scale:
            drift = settle()
            x, values, rate, scale = self._measure()
        eig = math.nan
        if not (math.isfinite(x.sum()) and math.isfinite(values.sum())):
            status, msg = "solver_failed", "non-finite state"
        elif not rate <= tol * scale:  # NaN too: a rate that cannot be evaluated
            status = "not_reached"
            cycle = self._cycle() if method.startswith("long integration") else ""
            msg = (
                f"no steady state reached: max |dx/dt| = {rate:.3g} > {tol * scale:.3g}; "
                + (cycle or "the system may oscillate or drift")
                + ". Try simulate() to inspect its dynamics."
            )
        elif drift:
            status = "not_reached"
            msg = (
                f"no steady state reached: {drift}, although max |dx/dt| = {rate:.3g} "
                "passes the residual test; the system drifts slowly or has no steady "
                "state. Try simulate() to inspect its dynamics."
            )
        elif x.size and x.min() < -1e-9 * scale:
            i = int(np.argmin(x))
            status = "negative"
            msg = self._negative_message(i, x[i])
        else:
            eig = self.max_eigenvalue() * self.time_factor
            if eig > EIG_TOL:
                status = "unstable"
                msg = (
                    f"fixed point is unstable (max Re(eigenvalue) = {eig:.3g} /min): cells "
                    "would not sit here; the system likely oscillates."
                )
            elif math.isnan(eig):  # -inf: no eigenvalue (no floating species)
                status, msg = "solver_failed", "Jacobian could not be evaluated"
            elif eig > -EIG_TOL:
                status = "not_unique"
                msg = (
                    f"fixed point is not isolated (max Re(eigenvalue) = {eig:.3g} /min, zero "
                    "within tolerance): it lies on a continuum of steady states or at a "
                    "bifurcation, so its value depends on where the solver started. Try "
                    "simulate() from the initial state, or check for an unconserved pool."
                )
            elif (later := self._clock_rate(tol, scale)) is not None:
                status = "not_reached"
                msg = (
                    f"no steady state: the model's rates depend on time (at this state "
                    f"max |dx/dt| = {rate:.2g} at t = {self.r.model.getTime():g}, but "
                    f"{later}), so what the system settles to depends on its time course "
                    "(a steady state is a state that stays, at any time). Try simulate()."
                )
            else:
                status = "ok"
                msg = f"steady state verified (max |dx/dt| = {rate:.2g}, stable)"
                values, clock = self._clock_readouts(x, values)
                msg += clock
                if model_events(self.r):
                    msg += self._event_note()
        if status in ("not_reached", "solver_failed"):
            # no steady state: the last point of a run, or a solver's last iterate, is not
            # one, and must not be read as one (in tables, or as a run's starting state)
            values = values * math.nan
            x = x * math.nan
        return SolveResult(x, values, status, message + msg, rate, eig, method)

    def _cycle(self) -> str:
        """After a long integration that did not come to rest: whether the species
        furthest from rest (its rate over its size) rises and falls with a steady period,
        followed over `CYCLE_TIMESCALES` of its timescale; a phrase saying so (sustained,
        damped or growing, the period and the range, and any species that drifts across
        the cycles), or "" for anything else (a drift, an irregular course, or a model
        with events). The state is put back afterwards."""
        if self._has_events or not self.species_ids:
            return ""
        x = self.state()
        dx = self.rates()  # the independent species first (dependent ones follow them)
        with np.errstate(invalid="ignore"):
            speed = np.abs(dx) / np.maximum(np.abs(x[: dx.size]), SCALE_FLOOR)
        speed = np.nan_to_num(speed, nan=0.0, posinf=0.0)
        if not speed.size or not speed.max() > 0:
            return ""
        i = int(np.argmax(speed))
        t0 = self.r.model.getTime()
        saved = np.array(self.r.model.getFloatingSpeciesConcentrations(), dtype=float)
        window = min(CYCLE_TIMESCALES / float(speed[i]), FALLBACK_T * self.time_factor)
        selections = list(self.r.timeCourseSelections)
        columns = ["time", *(f"[{s}]" for s in self.species_ids)]
        try:
            if self._out_at < math.inf:  # sampled interval by interval, the clock read
                run = self._sampled(t0, t0 + window, 4001)
            else:
                run = np.asarray(self.r.simulate(t0, t0 + window, 4001, columns))
        except _OutOfTime:
            raise
        except RuntimeError:
            return ""
        finally:
            self.r.timeCourseSelections = selections
            # species an assignment rule sets cannot be set (libroadrunner refuses)
            (self._restore if self._model_ruled() else self._set_concentrations)(saved)
            self.r.model.setTime(t0)
        t, v = run[:, 0], run[:, 1 + i]
        low, high = float(v.min()), float(v.max())
        span = high - low
        if not span > 1e-3 * max(abs(high), abs(low), SCALE_FLOOR):
            return ""
        peaks = np.flatnonzero((v[1:-1] > v[:-2]) & (v[1:-1] >= v[2:])) + 1
        peaks = peaks[v[peaks] > low + span / 2]  # the cycle's own maxima, not ripples
        if peaks.size < 6:
            return ""
        periods = np.diff(t[peaks])
        if periods.std() > 0.05 * periods.mean():
            return ""  # irregular: no single period to report
        # the heights between samples (a parabola through each maximum and its
        # neighbours): sampled maxima alone vary by a few % of the span on a steady cycle
        a, b, c = v[peaks - 1], v[peaks], v[peaks + 1]
        with np.errstate(divide="ignore", invalid="ignore"):
            heights = np.where(a - 2 * b + c < 0, b - (c - a) ** 2 / (8 * (a - 2 * b + c)), b)
        change = float(heights[-3:].mean() - heights[:3].mean()) / span
        period = float(np.median(periods)) / self.time_factor
        # a species whose mean over a whole cycle moves from the first cycle to the last
        # drifts (the window's other variables are not on the cycle)
        first = run[peaks[0] : peaks[1], 1:].mean(axis=0)
        last = run[peaks[-2] : peaks[-1], 1:].mean(axis=0)
        reach = np.ptp(run[:, 1:], axis=0)
        moved = np.abs(last - first) > 0.05 * np.maximum(reach, ATOL) + 10 * ATOL
        drifting = [s for s, m in zip(self.species_ids, moved, strict=True) if m]
        if abs(change) <= 0.05:
            kind = "a sustained oscillation (a limit cycle, not a steady state)"
        elif change < 0:
            kind = "an oscillation still decaying (a slow spiral toward a state not reached)"
        else:
            kind = "an oscillation of growing amplitude"
        said = (
            f"it runs in {kind}: {self.species_ids[i]} cycles between {low:.3g} and "
            f"{high:.3g} with a period of about {period:.3g} min"
        )
        if drifting:
            names = f"{', '.join(drifting[:3])}{' and others' if len(drifting) > 3 else ''}"
            said += (
                f", while {names} also drift{'s' if len(drifting) == 1 else ''} from cycle to cycle"
            )
        return said

    def _clock_rate(self, tol: float, scale: float) -> str | None:
        """For a model that reads the clock: the residual of the state the solver is at
        once the clock has moved on (`LATER_TIMES`), where it fails, or None when the
        state stays. Only the rates count: a readout that is the clock itself (``elapsed
        := time``, a unit conversion) moves with it on any steady state."""
        if not self._reads_time:
            return None
        m = self.r.model
        now = float(m.getTime())
        try:
            for later in LATER_TIMES:
                m.setTime(now + later)
                _, _, rate, _ = self._measure()
                if not rate <= tol * scale:
                    return f"{rate:.2g} at t = {now + later:g}"
        finally:
            m.setTime(now)
        return None

    def _clock_readouts(self, x: np.ndarray, values: np.ndarray) -> tuple[np.ndarray, str]:
        """A verified state's readouts where some read the clock (``obs := A (1 -
        exp(-time/100))``): the state stays, but such a readout moves as time runs on,
        and its value at the state's own time (0 after Newton's method) is no steady
        value. Where it settles (the same at `LATER_TIMES` on, to `DRIFT_RTOL`) its value
        there; where it does not (``elapsed := time``) NaN. With a note naming them ("" and
        ``values`` unchanged when no readout moves)."""
        if not self._reads_time or not values.size:
            return values, ""
        m = self.r.model
        now = float(m.getTime())
        try:
            later = []
            for dt in LATER_TIMES:
                m.setTime(now + dt)
                later.append(self.readout_values(x))
        finally:
            m.setTime(now)

        def near(a: np.ndarray, b: np.ndarray) -> np.ndarray:
            with np.errstate(invalid="ignore"):
                return np.abs(a - b) <= DRIFT_RTOL * np.maximum(np.abs(b), ATOL)

        moves = ~near(values, later[-1])
        if not moves.any():
            return values, ""
        settles = moves & near(later[0], later[-1])
        out = values.copy()
        out[settles] = later[-1][settles]
        out[moves & ~settles] = math.nan
        note = ""

        def named(mask: np.ndarray) -> tuple[str, bool]:
            names = [q for q, k in zip(self.readouts, mask, strict=True) if k]
            return ", ".join(names), len(names) == 1

        if settles.any():
            names, one = named(settles)
            note += (
                f"; {names} read{'s' if one else ''} the clock: shown as "
                f"{'it settles' if one else 'they settle'} while the state stays (at t = "
                f"{now + LATER_TIMES[-1]:g}; not at the state's own time t = {now:g})"
            )
        if (moves & ~settles).any():
            names, one = named(moves & ~settles)
            note += (
                f"; {names} read{'s' if one else ''} the clock and "
                f"keep{'s' if one else ''} moving while the state stays: NaN"
            )
        return out, note

    def _mark_event_targets(self) -> None:
        """Note what events can set as a run starts, to tell afterwards what they changed."""
        self._event_start = {g: float(self.r.getValue(g)) for g in self._event_set}

    def _event_note(self) -> str:
        """What the model's events mean for a verified steady state: the residual tests
        the continuous dynamics, and events fire in the integration that may lead here
        (presimulation, a long run), leaving what they set changed since the run started.
        A rate rule's variable that an event also sets counts as changed whenever it moved."""
        start = self._event_start
        changed = [g for g in self._event_set if g in start and self.r.getValue(g) != start[g]]
        n = model_events(self.r)
        if changed:
            shown = ", ".join(changed[:5]) + (", ..." if len(changed) > 5 else "")
            return (
                f"; {EVENT_NOTE}, with what the model's event(s) set on the "
                f"way here ({shown} {EVENT_CHANGED} the initial value)"
            )
        return f"; {EVENT_NOTE} only: the model's {n} event(s) are not part of the test"

    def _negative_message(self, i: int, value: float) -> str:
        """Why species ``i`` sits below zero: the model's rates drive it there (its rate
        is negative with it at zero, e.g. a consumption that does not vanish at zero), or
        the solver found a root the model cannot reach from non-negative values."""
        sid = self.species_ids[i]
        head = f"steady state has a negative species ({sid} = {value:.3g})"
        rate = self._rate_at_zero(i)
        if rate < 0:
            return (
                f"{head}: the model drives it below zero (d{sid}/dt = {rate:.3g} with "
                f"{sid} at 0): a reaction consumes {sid} at a rate that does not vanish "
                f"when {sid} reaches zero. Check the rate laws of the reactions that "
                f"consume {sid}"
            )
        if rate >= 0:
            return (
                f"{head}, which the model's own rates cannot reach from non-negative "
                f"values (d{sid}/dt = {rate:.3g} >= 0 with {sid} at 0): a solver "
                "artefact, not a property of the model. Try simulate() from the initial "
                "state, which follows the model's own path"
            )
        return (
            f"{head}: either a rate law lets it fall below zero or the solver overshot; "
            "simulate() from the initial state tells which"
        )

    def _rate_at_zero(self, i: int) -> float:
        """d/dt of species ``i`` with it set to zero and the rest of the state as it is
        (NaN where that cannot be set: a species that conserved-moiety analysis
        computes from the others)."""
        m = self.r.model
        if self.n_moieties and self.species_ids[i] in set(self.r.getDependentFloatingSpeciesIds()):
            return math.nan
        x0 = np.array(m.getFloatingSpeciesConcentrations(), dtype=float)
        try:
            m.setFloatingSpeciesConcentrations(np.array([i], dtype=np.int32), np.zeros(1))
            return float(self._concentration_rates()[i])
        except (RuntimeError, IndexError):
            return math.nan
        finally:
            m.setFloatingSpeciesConcentrations(x0)

    def max_eigenvalue(self) -> float:
        r = self.r
        if self.rule_vars or self._rule_species or self._factors:
            # (conversion factors: libroadrunner's Jacobian leaves them out, and read a
            # point whose pool S1 + 2 S2 is unstable as stable; the rates keep them)
            return self._max_eigenvalue_with_rules()
        if not self.species_ids:  # every species clamped (libroadrunner segfaults here)
            return -math.inf
        try:
            jac = np.asarray(
                r.getReducedJacobian() if r.conservedMoietyAnalysis else r.getFullJacobian(),
                dtype=float,
            )
            # libroadrunner's reduced Jacobian steps every species by an absolute 1e-5 (its
            # full Jacobian, a species at 0): at concentrations of 1e-9 M it missed a
            # switch's saturating term and called its unstable middle root stable (-0.5
            # for +0.14 /min). The columns of species below 1e-3, where that step is over
            # 1 % of the value, are differenced again by steps relative to each
            if jac.size:
                self._difference_small_columns(jac)
        except RuntimeError:
            # libroadrunner's full Jacobian throws a bare std::exception on some models
            # whose reduced one it gives (SBML Test Suite 00755: an event assigning a
            # species through a function definition): difference the rates instead
            return self._max_eigenvalue_with_rules()
        if jac.size == 0:  # no reaction (constant species: neutral, 0) or no species
            return 0.0 if self.species_ids else -math.inf
        if not r.conservedMoietyAnalysis and jac.shape[0] == len(self.species_ids):
            # without moiety analysis (libroadrunner refuses it beside a species an
            # assignment rule sets; a model with conversion factors runs without it) the
            # full Jacobian has an eigenvalue 0 for each conserved pool (a species no
            # reaction changes included, and a rule's species, whose row and column are
            # 0), and every state read "not unique" (-> A -> with B := 2 + A). On the
            # directions the pools leave free, as with rate rules
            free = self._free_directions(jac.shape[0])
            if free.shape[1] == 0:
                return -math.inf
            jac = free.T @ jac @ free
        from scipy.linalg.lapack import dgeev

        # LAPACK directly, eigenvalues only: a third cheaper than numpy.linalg.eigvals
        wr, _, _, _, info = dgeev(jac, compute_vl=0, compute_vr=0, overwrite_a=1)
        return float(wr.max()) if info == 0 and np.isfinite(wr).all() else math.nan

    def _difference_small_columns(self, jac: np.ndarray) -> None:
        """Replace, in libroadrunner's Jacobian ``jac`` (over the independent species of
        moiety analysis, or all floating species without it), the columns whose step of
        1e-5 moves a species below 1e-3 (the column's own, or under moiety analysis a
        dependent species of its pool, which follows the totals) by central differences
        with steps relative to the smallest species moved (to 1e-6 of the state's
        magnitude where it is smaller than that, zero included)."""
        m = self.r.model
        if self._jacobian_idx is None or self._jacobian_link is None:
            if self.r.conservedMoietyAnalysis:
                ids = list(self.r.getIndependentFloatingSpeciesIds())
                self._jacobian_idx = np.array(
                    [self.species_ids.index(f) for f in ids], dtype=np.int32
                )
                # species x columns: how each species moves with a column's species
                link = self.r.getLinkMatrix()
                rows = [list(link.rownames).index(f) for f in self.species_ids]
                cols = [list(link.colnames).index(f) for f in ids]
                self._jacobian_link = np.asarray(link, dtype=float)[np.ix_(rows, cols)]
            else:
                self._jacobian_idx = np.arange(len(self.species_ids), dtype=np.int32)
                self._jacobian_link = np.eye(len(self.species_ids))
        idx, link = self._jacobian_idx, self._jacobian_link
        n = idx.size
        if jac.shape != (n, n) or link.shape != (len(self.species_ids), n):
            return
        every = np.array(m.getFloatingSpeciesConcentrations(), dtype=float)
        x0 = every[idx]
        # the smallest species a column's step moves, in units of that step: a dependent
        # species at 1e-6 went below zero when libroadrunner stepped its partner at 0.01
        # by 1e-5 (a stable state of a saturating pool read unstable at +4.7e5 /min)
        with np.errstate(divide="ignore", invalid="ignore"):
            reach = np.where(link != 0.0, np.abs(every)[:, None] / np.abs(link), np.inf)
        reach = reach.min(axis=0, initial=np.inf)
        # a species an assignment rule sets cannot be set: its column stays libroadrunner's
        settable = np.isin(idx, self._settable_idx())
        small = np.flatnonzero((reach < 1e-3) & settable)
        if not small.size:
            return
        scale = max(SCALE_FLOOR, float(np.abs(every).max(initial=0.0)))
        try:
            for j in small:
                h = 1e-6 * max(reach[j], 1e-6 * scale)
                at = idx[j : j + 1]
                m.setFloatingSpeciesConcentrations(at, np.array([x0[j] + h]))
                up = self._concentration_rates()[:n]
                m.setFloatingSpeciesConcentrations(at, np.array([x0[j] - h]))
                down = self._concentration_rates()[:n]
                m.setFloatingSpeciesConcentrations(at, x0[j : j + 1])
                jac[:, j] = (up - down) / (2 * h)
        finally:
            m.setFloatingSpeciesConcentrations(idx[settable], x0[settable])

    def _max_eigenvalue_with_rules(self) -> float:
        """Largest real part of the eigenvalues of the Jacobian over the species and the
        variables of rate rules (libroadrunner's Jacobians cover species only), by central
        differences. Under moiety analysis it is the reduced Jacobian, as libroadrunner's
        own: over the independent species (their dependent partners following the
        conserved totals) and the rule variables. Where moiety analysis is off (libroadrunner
        refuses it beside a species that a rate rule changes) the full Jacobian is taken on
        the directions the model's conserved pools leave free (`_free_directions`): each
        pool would otherwise add an eigenvalue 0 and make every state "not unique"."""
        r, m = self.r, self.r.model
        species = np.array(m.getFloatingSpeciesConcentrations(), dtype=float)
        n_s = species.size
        if self.n_moieties:
            independent = list(r.getIndependentFloatingSpeciesIds())
            n_s = len(independent)
            # libroadrunner orders the independent species first and reports their rates
            if self._rule_species or self.species_ids[:n_s] != independent:
                return math.nan
        rules = np.array([r[v] for v in self.rule_vars], dtype=float)
        first = np.arange(n_s, dtype=np.int32)
        if self._model_ruled():  # a species an assignment rule sets is not a state (and
            first = self._settable_idx()  # libroadrunner refuses to set it: SBML 00093)
        k = first.size
        x0 = np.concatenate([species[first], rules])

        def set_state(x: np.ndarray) -> None:
            # the rule variables first: libroadrunner keeps amounts when a volume is set,
            # so a volume set after the concentrations moved them (and the volume columns
            # of the Jacobian with them)
            for v, value in zip(self.rule_vars, x[k:], strict=True):
                r[v] = float(value)
            if k:  # (under moiety analysis the totals stay, the dependent species follow)
                m.setFloatingSpeciesConcentrations(first, x[:k])

        def f(x: np.ndarray) -> np.ndarray:
            set_state(x)
            return np.concatenate([self._concentration_rates()[first], self.rule_rates()])

        jac = np.empty((x0.size, x0.size))
        try:
            for j in range(x0.size):
                h = 1e-6 * max(abs(x0[j]), 1e-6)
                up, down = x0.copy(), x0.copy()
                up[j] += h
                down[j] -= h
                jac[:, j] = (f(up) - f(down)) / (2 * h)
        except RuntimeError:
            return math.nan
        finally:
            set_state(x0)
        if not np.isfinite(jac).all():
            return math.nan
        if not self.n_moieties:
            # the rows of the kept coordinates (a rule's species is a pool of its own: its
            # row of the basis is 0)
            kept = np.concatenate([first, n_s + np.arange(len(self.rule_vars))])
            free = self._free_directions(n_s + len(self.rule_vars))[kept]
            if free.shape[1] == 0:
                return -math.inf
            jac = free.T @ jac @ free
        return float(np.linalg.eigvals(jac).real.max())

    def _free_directions(self, n: int) -> np.ndarray:
        """An orthonormal basis (columns) of the state directions (species concentrations,
        then rule variables; ``n`` in all) along which no conserved pool changes: the null
        space of the conservation laws of the reactions' stoichiometry, over the species
        that no rate rule governs, weighted by their compartments' volumes (the laws hold
        for amounts)."""
        from scipy.linalg import null_space

        m = self.r.model
        try:
            stoich = self.r.getFullStoichiometryMatrix()
        except RuntimeError:  # no reactions: no pools
            return np.eye(n)
        ruled = {i for i, _ in self._rule_species}
        rows = [i for i in range(len(self.species_ids)) if i not in ruled]
        where = {s: k for k, s in enumerate(stoich.rownames)}
        matrix = np.asarray(stoich, dtype=float)
        if not np.isfinite(matrix).all():  # a stoichiometry a rule sets, not yet defined
            return np.eye(n)
        sub = np.zeros((len(rows), matrix.shape[1]))
        for k, i in enumerate(rows):
            if self.species_ids[i] in where:
                sub[k] = matrix[where[self.species_ids[i]]]
                if i in self._factors:  # the species' rate is scaled, its pools with it
                    sub[k] *= float(self.r[self._factors[i]])
        laws = null_space(sub.T).T if sub.size else np.zeros((0, len(rows)))
        if not laws.shape[0]:
            return np.eye(n)
        vols = np.asarray(m.getCompartmentVolumes(), dtype=float)
        full = np.zeros((laws.shape[0], n))
        for k, i in enumerate(rows):
            full[:, i] = laws[:, k] * vols[m.getCompartmentIndexForFloatingSpecies(i)]
        return null_space(full)


def _first_lines(exc: BaseException) -> str:
    """An engine exception's text without libroadrunner's C++ location ("In virtual
    double rr::CVODEIntegrator::integrate(...)"), which tells a user nothing."""
    text = " ".join(str(exc).split())
    return text.split("; In ")[0]


class SolveResult(NamedTuple):
    """Raw outcome of `Solver.solve`: arrays, not pandas (cheap in sweeps)."""

    species: np.ndarray
    readouts: np.ndarray
    status: str
    message: str
    max_rate: float
    max_eigenvalue: float
    method: str


def solver_for(model: Model, pert: Perturbation) -> tuple[Solver, dict[str, float]]:
    """The solver for ``pert``'s clamp set, with its reference state ready, and the values."""
    values, clamped = resolve(model, pert)
    solver = model._solver(clamped)
    if solver.warm_start and solver.reference is None and not solver.reference_tried:
        solver.reference_tried = True  # once: a failed attempt must not be redone per call
        ref = solver.solve({}, tol=STEADY_TOL, presimulate=PRESIM_T)
        if ref.status == "ok":
            solver.reference = ref.species.copy()
    return solver, values


def solve_point(
    model: Model, pert: Perturbation, *, tol: float = STEADY_TOL, presimulate: float = PRESIM_T
) -> SolveResult:
    """Guarded steady state of one already-validated perturbation, as arrays."""
    solver, values = solver_for(model, pert)
    return solver.solve(values, tol=tol, presimulate=presimulate)


def steady_provenance(model: Model) -> dict:
    """Provenance of results made of guarded steady states at the default settings."""
    return provenance(
        model,
        method="guarded steady state (warm-started nleq2 on the bundled "
        "model; presimulation + nleq2, then long integration, as fallbacks)",
        tol=STEADY_TOL,
        rtol=RTOL,
        atol=ATOL,
        presimulation_min=PRESIM_T,
    )


def round_off(model: Model, pert: Perturbation) -> float:
    """The size below which a readout is 0 to the solver: the round-off the engine clips
    (`CLIP_RTOL`) of ``pert``'s steady state's largest species (a knocked-out kinase's
    substrate ends at 3e-15 or -4e-17 of states of order 1: its log sensitivities were
    -3000 or +6481 by the step chosen). Relative, as the engine's own tests: a model in
    molar units, whose species are 1e-13, keeps its readouts."""
    x = np.abs(steady_state_of(model, pert).species.to_numpy(dtype=float))
    largest = float(x[np.isfinite(x)].max(initial=0.0))
    return CLIP_RTOL * max(SCALE_FLOOR, largest)


def steady_state_of(
    model: Model, pert: Perturbation, *, tol: float = STEADY_TOL, presimulate: float = PRESIM_T
) -> SteadyState:
    """Guarded steady state for an already-validated perturbation."""
    solver, values = solver_for(model, pert)
    res = solver.solve(values, tol=tol, presimulate=presimulate)
    # the Series are built when first read: building them here cost a sixth of a solve
    return SteadyState._of_arrays(
        res.readouts,
        solver.index_of("readouts"),
        res.species,
        solver.index_of("species"),
        res.status == "ok",
        res.status,
        res.message,
        res.max_rate,
        res.max_eigenvalue,
        tol,
        pert.as_dict(),
        provenance(
            model, method=res.method, tol=tol, rtol=RTOL, atol=ATOL, presimulation_min=presimulate
        ),
    )


def steady_state(
    model: Model,
    *,
    genotype: str | Iterable[str] | None = None,
    drugs: Mapping[str, float] | None = None,
    knockouts: Iterable[str] | None = None,
    cut: Iterable[str] | None = None,
    parameters: Mapping[str, float] | None = None,
    inputs: Mapping[str, float] | None = None,
    tol: float = STEADY_TOL,
    ensemble: Any = None,
    n_members: int | None = None,
) -> SteadyState | pd.DataFrame:
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
        Nodes removed: the protein in all its forms. On the bundled model its total
        (or synthesis) parameters are set to zero. On an SBML model every species that
        shares the knocked-out species' conservation law (its phosphorylated forms, its
        complexes) starts at zero and its synthesis reactions are off
        (`Model.knockout_forms` lists them). ``"S:clamp"`` instead holds species ``S``
        alone at zero as a constant, the behaviour of mtor_sim 0.1.0: its other forms
        stay in the model and drain through it, so at steady state the two usually
        agree while a time course sees the pool empty gradually, and the clamp
        compiles a model of its own (~0.5 s) where the removal reuses the loaded one.
    cut : list of str, optional
        Interactions removed, e.g. ``["S6K1 -| IRS1"]``.
    parameters : dict, optional
        Parameter name -> value (overrides genotype presets).
    inputs : dict, optional
        Input name -> value, e.g. ``{"GF": 0.2, "ENERGY_STRESS": 1}``.
    tol : float
        Residual tolerance, per minute (on a model whose SBML counts time in other units,
        rates are converted to per minute first; `Model.time_unit`).
    ensemble : True, "all", "verified" or DataFrame, optional
        Run once per member of a parameter ensemble (``True``: the bundled calibrated
        ensemble, see `mtor_sim.load_ensemble`) and return quantiles across members.
    n_members : int, optional
        With ``ensemble``: use only the first ``n_members`` members.

    Returns
    -------
    SteadyState
        Or, with ``ensemble``, a DataFrame indexed by readout with columns ``q0.05``,
        ``q0.5``, ``q0.95``, ``mean``, ``n_members`` and ``n_failed``.

    Examples
    --------
    >>> import mtor_sim as ms
    >>> model = ms.load_model()
    >>> ss = model.steady_state(genotype="PTEN_loss", drugs={"everolimus": 10})
    >>> ss.success
    True
    >>> q = model.steady_state(drugs={"everolimus": 10}, ensemble=True, n_members=5)
    >>> list(q.columns[:3])
    ['q0.05', 'q0.5', 'q0.95']
    """
    check_nonnegative(tol, name="tol", allow_zero=False)
    if wants_ensemble(ensemble, n_members):
        from ._ensemble import steady_state_quantiles

        return steady_state_quantiles(
            model,
            ensemble,
            n=n_members,
            genotype=genotype,
            drugs=drugs,
            knockouts=knockouts,
            cut=cut,
            parameters=parameters,
            inputs=inputs,
            tol=tol,
        )
    pert = make_perturbation(
        model,
        genotype=genotype,
        drugs=drugs,
        knockouts=knockouts,
        cut=cut,
        parameters=parameters,
        inputs=inputs,
    )
    return steady_state_of(model, pert, tol=tol)


#: Most output times a time course takes (`simulate`'s ``n_points``): 10 million rows of
#: a model's ~50 outputs are 4 GB of floats.
MAX_POINTS = 10_000_000


def simulate(
    model: Model,
    *,
    t_end: float | None = None,
    n_points: int = 241,
    genotype: str | Iterable[str] | None = None,
    drugs: Mapping[str, float] | None = None,
    knockouts: Iterable[str] | None = None,
    cut: Iterable[str] | None = None,
    parameters: Mapping[str, float] | None = None,
    inputs: Mapping[str, float] | None = None,
    pre_equilibrate: bool = True,
    species: bool = True,
    outputs: Sequence[str] | None = None,
    species_units: str = "auto",
    schedule: Schedule | Mapping[str, Any] | None = None,
    pk_step: float = 30.0,
    step_inputs: Mapping[str, float] | None = None,
    step_parameters: Mapping[str, float] | None = None,
    ensemble: Any = None,
    n_members: int | None = None,
) -> TimeCourse | pd.DataFrame:
    """Time course of ``model`` (time in minutes) under a perturbation.

    By default the cells first sit at the steady state of the same perturbation without
    drugs; the drugs are added at t = 0. With ``pre_equilibrate=False`` the run starts
    from the model's initial state with everything applied at once.

    Parameters
    ----------
    t_end : float, optional
        End time (> 0), in the model's time unit (`Model.time_unit`: minutes for the
        bundled model; a user's SBML model in seconds runs ``t_end`` seconds). By default
        the schedule's span (`Schedule.span`) when a ``schedule`` is given, else 1440
        of the model's units (a day for the bundled model).
    n_points : int
        Number of output times, evenly spaced from 0 to ``t_end`` (>= 2).
    pre_equilibrate : bool
        Start from the drug-free steady state (True) or from initial conditions.
    species : bool
        Keep every floating species in the data, besides the readouts.
    outputs : list of str, optional
        Record these instead of the readouts: any species (floating or boundary),
        global parameter (including ones changed by rules or events), compartment or
        readout of the model.
    species_units : {"auto", "concentration", "amount"}
        How species are reported. ``"auto"``, the package's convention in every verb, is
        the concentration, except for species with ``hasOnlySubstanceUnits``, whose
        symbol means an amount in SBML and which are reported as amounts.
    schedule : Schedule or dict, optional
        Drug exposures over time (`mtor_sim.Schedule`, or its dict/JSON form): segments
        with washouts, intermittent regimens, oral PK. Drugs not in the schedule stay at
        their ``drugs=`` concentration from t = 0; a drug may not be in both. A drug on
        an oral plan reaches the cells as its unbound plasma concentration and acts with
        its unbound potencies (`unbound_potencies`, as in `trial`;
        ``metadata["unbound_potencies"]``); segments are concentrations in the medium
        and act with the model's potencies.
    pk_step : float, min
        Step over which an oral PK concentration is held at its exact mean (30 min by
        default; for the bundled model the error of this approximation is at most 0.015
        of a readout, in the half hour after a dose, see the README).
    step_inputs : dict, optional
        Inputs changed at t = 0, with the drugs, on top of the pre-equilibrated state
        (whose inputs are ``inputs``): a starved-then-stimulated protocol such as
        ``inputs={"GF": 0.05}, step_inputs={"GF": 1.0}``, or a dose of a species of an
        SBML model (its concentration set at t = 0). Needs ``pre_equilibrate=True``.
    step_parameters : dict, optional
        Parameters changed at t = 0 in the same way, on top of the state pre-equilibrated
        with ``parameters``: the stimulus of a model whose stimulus is a parameter
        (Brännmark 2013's ``insulin``: ``parameters={"insulin": 0},
        step_parameters={"insulin": 10}``). Needs ``pre_equilibrate=True``.
    ensemble : True, "all", "verified" or DataFrame, optional
        Run once per member of a parameter ensemble (see `steady_state`) and return
        quantiles of the recorded outputs at each time (species are not recorded).
    n_members : int, optional
        With ``ensemble``: use only the first ``n_members`` members.
    Other parameters are as in `steady_state`.

    Returns
    -------
    TimeCourse
        Or, with ``ensemble``, a DataFrame indexed by time with columns
        ``(output, "q0.05" | "q0.5" | "q0.95")``.

    Examples
    --------
    >>> import mtor_sim as ms
    >>> tc = ms.load_model().simulate(t_end=1440, drugs={"vistusertib": 100})
    >>> bool(tc["pAKT_S473"].iloc[-1] < tc["pAKT_S473"].iloc[0])
    True
    """
    if wants_ensemble(ensemble, n_members):
        from ._ensemble import timecourse_quantiles

        return timecourse_quantiles(
            model,
            ensemble,
            n=n_members,
            t_end=t_end,
            n_points=n_points,
            genotype=genotype,
            drugs=drugs,
            knockouts=knockouts,
            cut=cut,
            parameters=parameters,
            inputs=inputs,
            pre_equilibrate=pre_equilibrate,
            outputs=outputs,
            species_units=species_units,
            schedule=schedule,
            pk_step=pk_step,
            step_inputs=step_inputs,
            step_parameters=step_parameters,
        )
    if t_end is not None:
        t_end = check_nonnegative(t_end, name="t_end", allow_zero=False)
    n_points = check_count(n_points, name="n_points", minimum=2)
    if n_points > MAX_POINTS:  # numpy's MemoryError, or the machine's memory, otherwise
        raise ValueError(
            f"`n_points` is {n_points:,}, over the limit of {MAX_POINTS:,} output times "
            "(each a row of every output): ask for fewer, or run the course in pieces"
        )
    pre_equilibrate = check_flag(pre_equilibrate, name="pre_equilibrate")
    species = check_flag(species, name="species")
    from ._errors import check_name, check_names

    check_name(species_units, SPECIES_UNITS, kind="species unit")
    if outputs is not None:
        outputs = check_names(outputs, name="outputs", allow_none=False)
        if not outputs:
            raise ValueError("`outputs` is empty; give at least one name, or None")
    pert = make_perturbation(
        model,
        genotype=genotype,
        drugs=drugs,
        knockouts=knockouts,
        cut=cut,
        parameters=parameters,
        inputs=inputs,
    )
    sched = None
    if schedule is not None:
        from ._schedule import check_schedule

        sched = check_schedule(model, schedule, drugs=dict(pert.drugs))
        pk_step = check_nonnegative(pk_step, name="pk_step", allow_zero=False)
    if t_end is None:  # a schedule runs its whole course, not just its first day
        t_end = sched.span() * units_per_minute(model) if sched is not None else 1440.0
    return time_course_of(
        model,
        pert,
        t_end=t_end,
        n_points=int(n_points),
        pre_equilibrate=pre_equilibrate,
        species=species,
        outputs=outputs,
        species_units=species_units,
        schedule=sched,
        pk_step=pk_step,
        step_inputs=_steps(model, "inputs", step_inputs, pre_equilibrate),
        step_parameters=_steps(model, "parameters", step_parameters, pre_equilibrate),
    )


def with_potencies(pert: Perturbation, potencies: Mapping[str, float]) -> Perturbation:
    """``pert`` with the drug potency parameters ``potencies`` (a scheduled run's
    unbound ones, `_oral_potencies`) on top of its own parameters."""
    return replace(pert, parameters=_merged(pert.parameters, potencies)) if potencies else pert


def units_per_minute(model: Model) -> float:
    """The model's time units per minute (1 for the minute, and for a model that does
    not declare its unit); schedules and horizons are given in minutes."""
    per_unit = model._facts().time_unit[1]
    return 1.0 if per_unit is None else 1.0 / per_unit


def _merged(
    pairs: tuple[tuple[str, float], ...], step: Mapping[str, float]
) -> tuple[tuple[str, float], ...]:
    """A perturbation's (name, value) pairs with ``step``'s values on top."""
    return tuple(sorted({**dict(pairs), **step}.items()))


def _steps(
    model: Model, what: str, given: Mapping[str, float] | None, pre_equilibrate: bool
) -> dict[str, float] | None:
    """The ``step_<what>`` of `simulate` (``what``: inputs or parameters), validated as
    the keyword ``what`` is: values changed at t = 0 from the pre-equilibrated state."""
    if given is None:
        return None
    if not pre_equilibrate:
        raise ValueError(
            f"`step_{what}` changes {what} at t = 0 from the pre-equilibrated state: it "
            f"needs pre_equilibrate=True (from the initial state, give them in `{what}`)"
        )
    found = dict(getattr(make_perturbation(model, **{what: given}), what))
    if not found:
        raise ValueError(f"`step_{what}` is empty; give at least one, or None")
    return found


def time_course_of(
    model: Model,
    pert: Perturbation,
    *,
    t_end: float,
    n_points: int,
    pre_equilibrate: bool = True,
    species: bool = True,
    outputs: Sequence[str] | None = None,
    species_units: str = "auto",
    schedule: Schedule | None = None,
    pk_step: float = 30.0,
    step_inputs: Mapping[str, float] | None = None,
    step_parameters: Mapping[str, float] | None = None,
) -> TimeCourse:
    """Time course for an already-validated perturbation (and schedule, and inputs and
    parameters stepped at t = 0)."""
    meta = provenance(
        model,
        method="cvode",
        rtol=RTOL,
        atol=ATOL,
        pre_equilibrate=pre_equilibrate,
        species_units=species_units,
    )
    meta["time_unit"] = model.time_unit
    if schedule is not None:
        meta["schedule"] = schedule.as_dict()
        meta["solver"]["pk_step_min"] = pk_step
        # a schedule counts minutes; the run counts the model's own unit
        meta["minutes_per_unit"] = 1.0 / units_per_minute(model)
        # converted from the potencies in force during the run: a step's too
        in_run = replace(pert, parameters=_merged(pert.parameters, step_parameters or {}))
        meta["unbound_potencies"], unconverted = _oral_potencies(model, in_run, schedule)
    status, message = "ok", "integration finished"
    if outputs is not None:
        cols = list(outputs)
        readout_names = tuple(cols)
    else:
        cols = list(model.readouts) + (
            [s for s in model.species if s not in model.readouts] if species else []
        )
        readout_names = tuple(model.readouts)
    if n_points * len(cols) > MAX_VALUES:
        raise ValueError(
            f"`n_points` {n_points:,} x {len(cols):,} outputs is {n_points * len(cols):,} "
            f"values, over the limit of {MAX_VALUES:,} ({MAX_VALUES * 8 / 1e9:.0f} GB): ask "
            "for fewer times, fewer `outputs`, or species=False"
        )
    times = pd.Index(np.linspace(0, t_end, n_points), name="time")
    if pre_equilibrate:
        base = steady_state_of(model, pert.without_drugs())
        if not base.success:  # never start a run from a state that was not verified
            data = pd.DataFrame(math.nan, index=times, columns=cols)
            return TimeCourse(
                data,
                False,
                "baseline_" + base.status,
                f"drug-free baseline not at a verified steady state, so there "
                f"is no state to start from ({base.message}). Try "
                "pre_equilibrate=False to run from the initial state.",
                pert.as_dict(),
                meta,
                readout_names,
            )
        baseline_note = _baseline_events(base.message)
        # the run's own inputs and parameters from t = 0; the baseline keeps the call's
        # (recorded: what the run was equilibrated at), the state stays
        if step_inputs:
            meta["step_inputs"], meta["baseline_inputs"] = dict(step_inputs), dict(pert.inputs)
            pert = replace(pert, inputs=_merged(pert.inputs, step_inputs))
        if step_parameters:
            meta["step_parameters"] = dict(step_parameters)
            meta["baseline_parameters"] = dict(pert.parameters)
            pert = replace(pert, parameters=_merged(pert.parameters, step_parameters))
        solver, values = solver_for(model, pert)
        # a baseline that moiety analysis could not resolve was solved without it: the run
        # goes on from there, on that runner
        solver = solver.handed_to or solver
        r = solver.r
        # drugs (and stepped inputs) on top of the baseline, whose rate rules' variables
        # are state and keep their values, unless this call steps them: a parameter that
        # a rate rule or an event can change is set as state (set_parameters keeps it)
        solver.set_parameters(values)
        for name, level in (step_parameters or {}).items():
            if name in solver._state_parameters:
                r.model.setValue(name, float(level))
        held = clamped_species(model, pert)  # a clamp holds its species at zero
        for name, level in (step_inputs or {}).items():
            selection = model._layout.inputs[name]
            # a species' value: set it now, not at reset
            if selection.startswith("init(") and name not in held:
                from ._export import input_species

                sid, concentration = input_species(selection)
                solver.step_species(sid, float(level), concentration=concentration)
    else:  # plain SBML semantics from the initial state: no moiety transformation
        baseline_note = ""
        values, clamped = resolve(model, pert)
        solver = model._solver(clamped, moieties=False)
        solver.apply(values)
        r = solver.r
    if outputs is not None:
        from ._errors import check_name

        known = solver.output_names()
        for name in cols:
            check_name(name, known, kind="output (species, parameter, compartment or readout)")
    log = EngineLog()
    try:
        r.timeCourseSelections = ["time"] + [solver.selection(c, species_units) for c in cols]
        with quiet() as log:
            if schedule is None:
                out = np.asarray(r.simulate(0.0, t_end, n_points), dtype=float)
            else:
                # the drugs on oral plans act with unbound potencies in every piece
                dosed = with_potencies(pert, meta["unbound_potencies"])
                out = _simulate_pieces(
                    model, dosed, solver, schedule, times.to_numpy(), pk_step=pk_step
                )
    except RuntimeError as exc:
        data = pd.DataFrame(math.nan, index=times, columns=cols)
        return TimeCourse(
            data,
            False,
            "solver_failed",
            with_log(cvode_hint(f"integration failed: {_first_lines(exc)}"), log),
            pert.as_dict(),
            meta,
            readout_names,
        )
    message = with_log(message, log) + baseline_note
    if schedule is not None:
        message += _idle_note(schedule, t_end / units_per_minute(model)) + unconverted
    data = pd.DataFrame(out[:, 1:], index=pd.Index(out[:, 0], name="time"), columns=cols)
    finite = np.isfinite(out[:, 1:])
    if not finite.all():
        # a value that turns non-finite during the run is a failure; one the model itself
        # defines as NaN or infinite from the start (e.g. `<notanumber/>`) is reported
        from_start = [c for c, ok in zip(cols, finite[0], strict=True) if not ok]
        if not np.isfinite(out[:, 0]).all() or (~finite & finite[:1]).any():
            status, message = "solver_failed", "non-finite values in the time course"
        else:
            message += f"; {', '.join(from_start)} non-finite from t = 0, as the model defines them"
    return TimeCourse(data, status == "ok", status, message, pert.as_dict(), meta, readout_names)


def _baseline_events(baseline_message: str) -> str:
    """A note for a course of a model with events started from its drug-free steady
    state: a protocol the model encodes in time-triggered events (a stimulus switched on
    at t = 10) may have run on the way there, and its triggers run again on the course's
    own clock. Where the events are known to have changed a parameter or a compartment
    (`Solver._event_note`, read from the baseline's message) the note names them and
    warns; events that set only species are not tracked, so otherwise the note says
    what may have happened. "" for a model without events."""
    if EVENT_NOTE not in baseline_message:
        return ""
    changed = event_changed(baseline_message)
    rerun = (
        "their triggers run again on this course's clock from t = 0: pre_equilibrate=False "
        "runs the model's own protocol from its initial state"
    )
    if not changed:
        return (
            "; started from the drug-free steady state, which any of the model's events "
            f"that fired on the way there (none set a parameter) helped shape; {rerun}"
        )
    note = (
        "; started from the drug-free steady state, which the model's events helped reach "
        f"({changed} changed by them), and {rerun}"
    )
    warnings.warn(note[2:], UserWarning, stacklevel=4)
    return note


def event_changed(message: str) -> str | None:
    """The parameters and compartments a steady state's events changed on the way to it,
    as its message names them (`Solver._event_note`), or None."""
    found = re.search(rf"way here \(([^)]*) {EVENT_CHANGED}", message)
    return found.group(1) if found else None


def _idle_note(schedule: Schedule, minutes: float) -> str:
    """A note (and a warning) naming the scheduled drugs that never reach the cells
    within the run's ``minutes`` (a first dose after its end: their exposure is 0
    throughout, which the run's status cannot show); "" when every drug does."""
    from ._schedule import OralPK

    def reaches(plan: Any) -> bool:
        if isinstance(plan, OralPK):
            return bool(plan.dose_times()[0] < minutes)
        return any(a < minutes and c > 0 for a, _, c in plan.segments)

    idle = [d for d in schedule.drugs if not reaches(schedule[d])]
    if not idle:
        return ""
    note = (
        f"; no exposure to {', '.join(idle)} within the run (0-{minutes:g} min): "
        "none of its doses falls within it"
    )
    warnings.warn(note[2:], UserWarning, stacklevel=4)
    return note


def _oral_potencies(
    model: Model, pert: Perturbation, schedule: Schedule
) -> tuple[dict[str, float], str]:
    """The potency parameters with which the drugs on oral PK plans act: their unbound
    potencies (an `OralPK` plan gives the unbound plasma concentration; the catalogue's
    potencies were mostly measured in culture medium with serum, where part of the drug
    is bound), as in `trial`'s exposure-driven arms. Segments give the concentration in
    the medium, and keep the model's potencies. With them a note for the run's message
    naming the oral drugs left unconverted ("" when none is)."""
    from ._potency import oral_potencies
    from ._schedule import OralPK

    oral = {d: schedule[d] for d in schedule.drugs if isinstance(schedule[d], OralPK)}
    # a model given its drugs by `targets=` holds no potency parameters of its own: its
    # drugs act with the catalogue's potencies as they are, and the message says so
    known = model.catalogue.drugs
    kept = [d for d in oral if d not in known]
    note = (
        f"; {', '.join(kept)} on oral plans act with the potencies this model maps "
        "(`targets=`), not with unbound ones, so their effect may be underrated where a "
        "potency was measured in serum"
        if kept
        else ""
    )
    plans = {d: plan for d, plan in oral.items() if d in known}
    if not plans:
        return {}, note
    in_force = {**{str(k): float(v) for k, v in model.parameters.items()}, **dict(pert.parameters)}
    return oral_potencies(model.catalogue, plans, in_force)[1], note  # type: ignore[arg-type]


def _simulate_pieces(
    model: Model,
    pert: Perturbation,
    solver: Solver,
    schedule: Schedule,
    times: np.ndarray,
    *,
    pk_step: float,
) -> np.ndarray:
    """Integrate piece by piece, the drugs' parameters set per piece; rows at ``times``.

    Every piece starts CVODE afresh from the state the previous one ended in, so a jump
    in concentration is met exactly at its time. A row at a cut shows the state there
    with the concentrations of the piece that starts at it, as SBML tools report the
    time of an event and as `TimeCourse.exposure` gives the concentration (the row at
    t = 0 those of the first piece, as with constant ``drugs=``; the last row those of
    the last piece, even where a segment stops exactly at the end: there
    `TimeCourse.exposure` already shows the drug gone).
    """
    r = solver.r
    t_end = float(times[-1])
    rows = []
    per_min = solver.time_factor  # the schedule's minutes, in the model's time unit
    # a cut converted to the model's unit misses an output time at it by round-off (a
    # model in hours: 36 min -> 0.6000000000000001 h against the grid's 0.6), and CVODE
    # refused the piece between them ("tout too close to t0"): cuts within round-off of
    # an output time are put on it, and pieces left without length dropped
    tol = 1e-9 * t_end

    def snap(x: float) -> float:
        i = int(np.clip(np.searchsorted(times, x), 1, len(times) - 1))
        near = min(times[i - 1], times[i], key=lambda t: abs(t - x))
        return float(near) if abs(near - x) <= tol else x

    pieces = [
        (snap(a * per_min), snap(b * per_min), conc)
        for a, b, conc in schedule.pieces(t_end / per_min, pk_step=pk_step)
    ]
    pieces[-1] = (pieces[-1][0], t_end, pieces[-1][2])  # exactly the last output time
    pieces = [p for p in pieces if p[1] - p[0] > tol] or pieces[-1:]
    pieces[-1] = (pieces[-1][0], t_end, pieces[-1][2])
    for k, (a, b, conc) in enumerate(pieces):
        _, values = solver_for(model, pert.with_drugs({**dict(pert.drugs), **conc}))
        solver.set_parameters(values)
        inside = times[(times > a) & (times < b)]
        grid = np.concatenate(([a], inside, [b]))
        out = np.asarray(r.simulate(times=grid.tolist()), dtype=float)
        out[:, 0] = grid  # times exactly as asked
        keep = np.isin(grid, times)
        if k < len(pieces) - 1:
            keep[-1] = False  # the next piece starts there, and reports it
        rows.append(out[keep])
    return np.concatenate(rows)
