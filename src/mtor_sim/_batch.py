"""Batch steady states: damped Newton vectorised over many parameter sets at once.

For a model without events, rate rules or algebraic rules, the rates ``v(x, p)`` and
their Jacobian ``dv/dx`` are generated once from the SBML (assignment rules and
function definitions inlined, common subexpressions shared) as numpy code that works on
a whole batch of points (arrays of shape ``(points, species)``). The generated code is
kept in the package's authenticated on-disk cache, so a second process skips the
symbolic work.

Each point is solved as the square system

    [ independent rows of N v(x) / V ;  C x - T ] = 0,

where the rows of ``C`` span the conservation laws of the stoichiometry (amounts), and
``T = C x0`` are the point's own totals (from its initial state, so overexpression and
knockouts move them). Newton's method starts from the solver's verified reference state
(the same start the single-point warm path uses) carried to the point's totals (each
moiety's species scaled by the ratio of its totals, so the start is non-negative), cuts
a step that would take a species below zero to ``BOUNDARY_FRACTION`` of the way there
(unless that leaves less than ``BOUNDARY_SHORTEST`` of it), and damps it further by
halving until the residual falls. A point whose step fails on a fresh Jacobian stops
there. The points left unverified start again from the verified state of their nearest
verified point in the batch (in parameter space: in a trial, the same patient's other
arms and phases), and those still left from the reference as the engine started before
(the smallest change to the totals, steps not bounded).

A point is returned only if it passes the same guard as the single-point path (the rate
of every species at most ``tol`` times the state's magnitude, per minute; no negative
species; every eigenvalue of the Jacobian on the conservation-free subspace below
``-EIG_TOL``) and, in addition, matches its own conserved totals. Stability is first
tried with a certificate that implies it (Gershgorin discs of a diagonally scaled
reduced Jacobian, see `_certify`); only the points it cannot certify get their
eigenvalues computed. Every other point is ``None``: the caller solves it on the robust
path, so no answer is less trustworthy than the single-point one.

The fast path declines (`build` returns None) for models whose steady state is defined
by integration from the initial state rather than by Newton's method from a reference
(every model but the bundled one: they may be multistable), and for constructs the
generator does not translate.
"""

from __future__ import annotations

import functools
import hashlib
import json
import math
import os
import warnings
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING, Any

import numpy as np

from ._engine import CLIP_RTOL, EIG_TOL, SCALE_FLOOR, SolveResult
from ._roadrunner import ast_type

if TYPE_CHECKING:  # pragma: no cover
    from ._engine import Solver
    from ._model import Model

__all__ = ["BatchEngine", "batch_engine", "enabled"]

#: Bump when the generated code or its layout changes (part of the cache key).
GENERATOR_VERSION = "batch-v1"
#: Newton iterations and step halvings per iteration before a point is given up.
MAX_ITERATIONS = 40
MAX_HALVINGS = 8
#: Newton stops a point when its largest rate is this far below the guard's threshold,
#: or when its Newton step is below STEP_TOL of the state's magnitude: a slow mode
#: (EMT relaxes over days) turns a small residual into a larger error in the state, and
#: answers must agree with other solvers' to 1e-8 relative.
INNER_TOL = 1e-6
STEP_TOL = 1e-13
#: A step must cut the residual to this fraction of it, or the point's Jacobian is
#: recomputed (0: after every step, plain Newton, see `BatchEngine`).
CHORD_RATIO = 0.0
#: A step that would take a species below zero goes this fraction of the way to zero
#: (a full step there can lower the residual yet leave the point stuck among negative
#: concentrations: ~9 % of a trial's points were, and took the single-point path).
BOUNDARY_FRACTION = 0.9
#: In the line search's merit, species below this fraction of a point's largest
#: concentration weigh as if at it (their relative change would otherwise rule it).
MERIT_FLOOR = 1e-3
#: ... unless that leaves less than this fraction of the step: a species already near
#: zero that Newton's step keeps lowering would hold the point there (measured on 10^4
#: random conditions: 2 % of them crept for 40 iterations); the full step is taken.
BOUNDARY_SHORTEST = 0.05
#: A point's conserved totals must match to this relative precision.
TOTALS_RTOL = 1e-9
#: A Gershgorin disc must end this far left of its bound (relative to its centre and
#: radius), which covers the rounding in computing them.
DISC_RTOL = 1e-10
METHOD = "batch Newton (vectorised, warm-started)"
#: Fewest points of one clamp set worth a batch: each call pays ~10 ms of fixed cost
#: (the generated code runs once per Newton iteration, whatever the number of points),
#: so small batches cost more per point than the single-point path (~0.27 ms): 0.43 ms
#: per point at 12 points, 0.34 at 30, 0.19 at 100, 0.08 at 1,000 (measured).
MIN_POINTS = 50


def enabled() -> bool:
    """False when ``MTOR_SIM_BATCH=off`` (every point then takes the single-point path)."""
    return os.environ.get("MTOR_SIM_BATCH", "on").strip().lower() not in ("off", "0", "false")


class _Declined(Exception):
    """The model uses something the generator does not translate."""


# --------------------------------------------------------------------- code generation
def _to_sympy(node: Any, symbols: Mapping[str, Any], local: Mapping[str, float]) -> Any:
    """A libsbml AST as a sympy expression (ids through ``symbols``, local values inlined)."""
    import libsbml
    import sympy as sp

    t = ast_type(node)
    kids = [_to_sympy(node.getChild(i), symbols, local) for i in range(node.getNumChildren())]
    if t == libsbml.AST_PLUS:
        return sp.Add(*kids) if kids else sp.Integer(0)
    if t == libsbml.AST_TIMES:
        return sp.Mul(*kids) if kids else sp.Integer(1)
    if t == libsbml.AST_MINUS:
        return -kids[0] if len(kids) == 1 else kids[0] - kids[1]
    if t == libsbml.AST_DIVIDE:
        return kids[0] / kids[1]
    if t in (libsbml.AST_POWER, libsbml.AST_FUNCTION_POWER):
        return kids[0] ** kids[1]
    if t == libsbml.AST_INTEGER:
        return sp.Integer(node.getInteger())
    if t in (libsbml.AST_REAL, libsbml.AST_REAL_E, libsbml.AST_RATIONAL):
        return sp.Float(node.getReal())
    if t == libsbml.AST_NAME:
        name = node.getName()
        if name in local:
            return sp.Float(local[name])
        if name not in symbols:
            raise _Declined(f"unknown symbol {name!r}")
        return symbols[name]
    if t == libsbml.AST_CONSTANT_PI:
        return sp.pi
    if t == libsbml.AST_CONSTANT_E:
        return sp.E
    functions = {
        libsbml.AST_FUNCTION_EXP: sp.exp,
        libsbml.AST_FUNCTION_LN: sp.log,
        libsbml.AST_FUNCTION_ROOT: None,
        libsbml.AST_FUNCTION_ABS: sp.Abs,
    }
    if t in functions and functions[t] is not None:
        return functions[t](*kids)
    if t == libsbml.AST_FUNCTION_MIN:  # SBML L3V2; n-ary
        return sp.Min(*kids)
    if t == libsbml.AST_FUNCTION_MAX:
        return sp.Max(*kids)
    if t == libsbml.AST_FUNCTION_ROOT:
        return kids[-1] ** (1 / kids[0]) if len(kids) == 2 else sp.sqrt(kids[0])
    relations = {
        libsbml.AST_RELATIONAL_EQ: sp.Eq,
        libsbml.AST_RELATIONAL_NEQ: sp.Ne,
        libsbml.AST_RELATIONAL_LT: sp.Lt,
        libsbml.AST_RELATIONAL_LEQ: sp.Le,
        libsbml.AST_RELATIONAL_GT: sp.Gt,
        libsbml.AST_RELATIONAL_GEQ: sp.Ge,
    }
    if t in relations and len(kids) == 2:
        return relations[t](kids[0], kids[1])
    if t == libsbml.AST_LOGICAL_AND:
        return sp.And(*kids)
    if t == libsbml.AST_LOGICAL_OR:
        return sp.Or(*kids)
    if t == libsbml.AST_LOGICAL_NOT:
        return sp.Not(kids[0])
    if t == libsbml.AST_CONSTANT_TRUE:
        return sp.true
    if t == libsbml.AST_CONSTANT_FALSE:
        return sp.false
    if t == libsbml.AST_FUNCTION_PIECEWISE:
        pairs = [(kids[i], kids[i + 1]) for i in range(0, len(kids) - 1, 2)]
        otherwise = kids[-1] if len(kids) % 2 else sp.nan
        return sp.Piecewise(*pairs, (otherwise, True))
    if t == libsbml.AST_FUNCTION_LOG:
        return sp.log(kids[1], kids[0]) if len(kids) == 2 else sp.log(kids[0], 10)
    raise _Declined(f"unsupported math ({node.getName() or t})")


@dataclass(frozen=True)
class _Structure:
    """What the generated code needs and the numbers around it."""

    species: tuple[str, ...]  # state order (the solver's floating species)
    parameters: tuple[str, ...]  # the columns of p
    defaults: np.ndarray  # default value of each parameter
    volumes: np.ndarray  # compartment volume of each species
    stoichiometry: np.ndarray  # species x reactions
    readouts: tuple[str, ...]
    entries: tuple[tuple[int, int], ...]  # (reaction, species) of each non-zero dv/dx


def _structure_and_code(solver: Solver, sbml: str) -> tuple[_Structure, str]:
    """Parse the SBML, check what can be translated, and generate the numpy code."""
    import libsbml
    import sympy as sp

    doc = libsbml.readSBMLFromString(sbml)
    props = libsbml.ConversionProperties()
    props.addOption("expandFunctionDefinitions", True)
    if doc.getModel() is None or doc.convert(props) != libsbml.LIBSBML_OPERATION_SUCCESS:
        raise _Declined("the SBML could not be read or its functions expanded")
    m = doc.getModel()
    if m.getNumEvents() or m.getNumConstraints():
        raise _Declined("events")
    rules = {}
    for r in m.getListOfRules():
        if not r.isAssignment():
            raise _Declined("rate or algebraic rules")
        rules[r.getVariable()] = r.getMath()
    species = tuple(solver.species_ids)
    floating = set(species)
    comp = {c.getId(): c for c in m.getListOfCompartments()}
    for c in comp.values():
        if not c.getConstant() or c.getId() in rules or m.getInitialAssignment(c.getId()):
            raise _Declined("a compartment whose size changes")
    volume = {}
    for s in m.getListOfSpecies():
        sid = s.getId()
        if sid in rules or s.getHasOnlySubstanceUnits():
            raise _Declined("species set by rules or counted as amounts")
        if sid in floating and s.getBoundaryCondition():
            raise _Declined("a boundary species in the state")
        volume[sid] = comp[s.getCompartment()].getSize() if s.getCompartment() else 1.0
    constants = {}  # boundary (clamped) species: constant concentrations
    for s in m.getListOfSpecies():
        if s.getId() not in floating:
            if m.getInitialAssignment(s.getId()):
                raise _Declined("a constant species with an initial assignment")
            constants[s.getId()] = (
                s.getInitialConcentration()
                if s.isSetInitialConcentration()
                else s.getInitialAmount() / volume[s.getId()]
            )
    for p in m.getListOfParameters():
        if m.getInitialAssignment(p.getId()) and p.getId() not in rules:
            raise _Declined("parameters with initial assignments")
    settable = list(solver.names)
    fixed = [
        p.getId()
        for p in m.getListOfParameters()
        if p.getId() not in rules and p.getId() not in solver.position
    ]
    parameters = tuple(settable + fixed)
    defaults = np.concatenate(
        [solver.defaults, [m.getParameter(p).getValue() for p in fixed]]
    ).astype(float)
    if not np.isfinite(defaults).all():
        raise _Declined("a parameter without a value")

    xs = [sp.Symbol(f"x_{i}") for i in range(len(species))]
    ps = [sp.Symbol(f"p_{k}") for k in range(len(parameters))]
    symbols: dict[str, Any] = dict(zip(species, xs, strict=True))
    symbols.update(zip(parameters, ps, strict=True))
    symbols.update({c: sp.Float(v) for c, v in constants.items()})
    symbols.update({c: sp.Float(comp[c].getSize()) for c in comp})
    # assignment rules, inlined in dependency order (SBML allows any order in the file)
    pending = dict(rules)
    while pending:
        progress = False
        for name, math_ in list(pending.items()):
            try:
                symbols[name] = _to_sympy(math_, symbols, {})
            except _Declined:
                continue
            del pending[name]
            progress = True
        if not progress:
            raise _Declined(f"assignment rules that cannot be ordered: {sorted(pending)}")

    rates, columns = [], []
    for j, rxn in enumerate(m.getListOfReactions()):
        kl = rxn.getKineticLaw()
        if kl is None or not kl.isSetMath():
            raise _Declined(f"reaction {rxn.getId()} has no rate law")
        local = {q.getId(): q.getValue() for q in kl.getListOfLocalParameters()}
        local.update({q.getId(): q.getValue() for q in kl.getListOfParameters()})
        rates.append(_to_sympy(kl.getMath(), symbols, local))
        column = np.zeros(len(species))
        for refs, sign in ((rxn.getListOfReactants(), -1.0), (rxn.getListOfProducts(), 1.0)):
            for ref in refs:
                if ref.isSetStoichiometryMath() or (
                    ref.getId() and m.getInitialAssignment(ref.getId())
                ):
                    raise _Declined("variable stoichiometry")
                sid = ref.getSpecies()
                if sid in floating:
                    column[species.index(sid)] += sign * ref.getStoichiometry()
        columns.append(column)
        del j
    stoich = np.array(columns).T if columns else np.zeros((len(species), 0))
    readouts = tuple(solver.readouts)
    out_exprs = [symbols[q] if q in symbols else None for q in readouts]
    if any(e is None for e in out_exprs):
        raise _Declined("a readout that is not a species, parameter or rule")
    # initial state: initial assignments, else the SBML's initial values
    init = []
    for sid in species:
        s = m.getSpecies(sid)
        ia = m.getInitialAssignment(sid)
        if ia is not None:
            init.append(_to_sympy(ia.getMath(), symbols, {}))
        elif s.isSetInitialConcentration():
            init.append(sp.Float(s.getInitialConcentration()))
        else:
            init.append(sp.Float(s.getInitialAmount() / volume[sid]))
    if any(e.free_symbols & set(xs) for e in init):
        raise _Declined("initial values that depend on other species")

    jac = [
        (j, i, sp.diff(v, xs[i]))
        for j, v in enumerate(rates)
        for i in sorted(xs.index(q) for q in v.free_symbols & set(xs))
    ]
    jac = [(j, i, d) for j, i, d in jac if d != 0]
    source = _generate(xs, ps, rates, jac, init, out_exprs)
    structure = _Structure(
        species=species,
        parameters=parameters,
        defaults=defaults,
        volumes=np.array([volume[s] for s in species], dtype=float),
        stoichiometry=stoich,
        readouts=readouts,
        entries=tuple((j, i) for j, i, _ in jac),
    )
    return structure, source


def _generate(xs, ps, rates, jac, init, outputs) -> str:
    """Python source of four numpy functions over a batch.

    Arrays are feature-major: ``x`` is (species, points), ``p`` (parameters, points), so
    that every generated line reads and writes contiguous rows. ``rates_jacobian``
    returns the rates and the non-zero entries of dv/dx, one row per entry (in the order
    of ``jac``).
    """
    import sympy as sp
    from sympy.printing.numpy import NumPyPrinter

    printer = NumPyPrinter({"fully_qualified_modules": False, "allow_unknown_functions": False})

    def body(exprs: list[Any], targets: list[str]) -> list[str]:
        temps, reduced = sp.cse(exprs, symbols=sp.numbered_symbols("t_"), optimizations="basic")
        lines = [f"    {printer.doprint(s)} = {printer.doprint(e)}" for s, e in temps]
        lines += [f"    {t} = {printer.doprint(e)}" for t, e in zip(targets, reduced, strict=True)]
        return lines

    def unpack(exprs: list[Any]) -> list[str]:
        used = set().union(*(sp.sympify(e).free_symbols for e in exprs)) if exprs else set()
        lines = [f"    {x} = x[{i}]" for i, x in enumerate(xs) if x in used]
        lines += [f"    {p} = p[{k}]" for k, p in enumerate(ps) if p in used]
        return lines

    n_r, n_x, n_j = len(rates), len(xs), len(jac)
    src = ["def rates(x, p):", f"    out = empty(({n_r}, p.shape[1]))"]
    src += unpack(rates)
    src += body(rates, [f"out[{j}]" for j in range(n_r)])
    src += ["    return out", ""]
    src += ["def rates_jacobian(x, p):"]
    src += [f"    v = empty(({n_r}, p.shape[1]))", f"    dv = empty(({n_j}, p.shape[1]))"]
    exprs = list(rates) + [d for _, _, d in jac]
    src += unpack(exprs)
    targets = [f"v[{j}]" for j in range(n_r)] + [f"dv[{k}]" for k in range(n_j)]
    src += body(exprs, targets)
    src += ["    return v, dv", ""]
    src += ["def initial(p):", f"    out = empty(({n_x}, p.shape[1]))"]
    src += unpack(init)
    src += body(init, [f"out[{i}]" for i in range(n_x)])
    src += ["    return out", ""]
    src += ["def outputs(x, p):", f"    out = empty(({len(outputs)}, p.shape[1]))"]
    src += unpack(outputs)
    src += body(outputs, [f"out[{k}]" for k in range(len(outputs))])
    src += ["    return out", ""]
    return "\n".join(src)


def _namespace() -> dict[str, Any]:
    """What the generated code may call: numpy's functions, unqualified (as printed)."""
    space: dict[str, Any] = {k: getattr(np, k) for k in dir(np) if not k.startswith("_")}
    space["numpy"] = np
    space["reduce"] = functools.reduce  # how the printer writes Min and Max
    return space


# ------------------------------------------------------------------------------ engine
class _Params:
    """Parameters of a batch, row by row: a float where every point shares the value
    (most rows; a numpy scalar, which divides by zero as arrays do), an array over
    points where they differ. The generated code reads
    ``p[k]``; shared values then cost scalar arithmetic, not array arithmetic."""

    def __init__(self, rows: list[Any], n: int) -> None:
        self.rows = rows
        self.shape = (len(rows), n)

    def __getitem__(self, k: int) -> Any:
        return self.rows[k]

    def take(self, idx: np.ndarray) -> _Params:
        rows = [r[idx] if isinstance(r, np.ndarray) else r for r in self.rows]
        return _Params(rows, int(np.size(idx)) if idx.dtype != bool else int(idx.sum()))

    @classmethod
    def of(cls, matrix: np.ndarray) -> _Params:
        rows: list[Any] = []
        for row in matrix:
            rows.append(np.float64(row[0]) if (row == row[0]).all() else row.copy())
        return cls(rows, matrix.shape[1])


class BatchEngine:
    """Steady states of many parameter sets of one compiled model (one clamp set).

    Newton's method runs in the coordinates of the conservation-free subspace: with
    ``Z`` an orthonormal basis of it, every state ``x = x_T + Z y`` has the point's
    totals, and ``Z^T N v(x) / V = 0`` holds exactly where ``N v(x) / V = 0`` (the rates
    never leave that subspace). Its Jacobian ``Z^T (N / V) dv/dx Z`` is the one whose
    eigenvalues decide stability. The first step of every point uses the inverse of the
    reference state's Jacobian (one matrix for the whole batch); after that a point's
    Jacobian is recomputed where a step cut its residual less than ``CHORD_RATIO`` times
    (0: at every step, which measured faster than keeping inverses for chord steps: a
    batched LU solve costs a third of an inverse) and its step solved from it.

    A step is accepted when it lowers a merit by a sufficient fraction (halved up to
    ``MAX_HALVINGS`` times otherwise): the norm of ``Z J_ref^-1 f``, the step the
    reference's Jacobian would take from that point, with species weighed by their size
    at the current iterate. Within one line search the weights are fixed, so a Newton
    step is a descent direction for it; across iterations they change with the state, so
    the merit need not fall from one iteration to the next (and the raw residual may
    rise in an accepted step: 7 % of accepted steps on 2,000 random conditions); the
    final guard (`_verify`) decides, as before. Unlike the residual's max-norm (ruled by
    the fastest reactions, such as PRAS40's phosphorylation) it weighs fast and slow
    species alike: on 2,000 random conditions the max-norm left ~100 points
    (Akt-inhibitor conditions mostly) to crawl through ~30 damped iterations, four or
    five halvings each; with this merit the batch takes 12 Jacobians and 17 rate
    evaluations in all (37 and 168 before). With PTEN and TSC2 both knocked out it
    sends more points to the neighbour stage (191 of 1,500 against 106) and costs
    ~20 % more per point; every point is still verified.
    """

    def __init__(self, solver: Solver, structure: _Structure, source: str) -> None:
        self.solver = solver
        self.s = structure
        space = _namespace()
        exec(compile(source, f"<mtor_sim batch code {id(self)}>", "exec"), space)  # noqa: S102
        self._rates = space["rates"]
        self._rates_jacobian = space["rates_jacobian"]
        self._initial = space["initial"]
        self._outputs = space["outputs"]
        self.position = {p: k for k, p in enumerate(structure.parameters)}
        n = len(structure.species)
        stoich = structure.stoichiometry
        self.scaled = stoich / structure.volumes[:, None]  # dx/dt = scaled @ v
        # conservation laws of amounts (V x): rows l with l N = 0
        if stoich.size:
            u, sv, _ = np.linalg.svd(stoich)
            rank = int((sv > sv.max() * max(stoich.shape) * np.finfo(float).eps).sum())
        else:
            u, rank = np.eye(n), 0
        self.conserve = u[:, rank:].T * structure.volumes  # C: C x = totals
        self.lift = np.linalg.pinv(self.conserve) if len(self.conserve) else np.zeros((n, 0))
        self.moieties = _moieties(self.conserve)
        if len(self.conserve):
            _, _, vt = np.linalg.svd(self.conserve)
            self.basis = vt[len(self.conserve) :].T  # Z: (n, r)
        else:
            self.basis = np.eye(n)
        self.project = self.basis.T @ self.scaled  # Z^T N / V: (r, reactions)
        r = self.basis.shape[1]
        # reduced Jacobian from the non-zero entries of dv/dx: J = K @ entries
        k = np.zeros((r * r, len(structure.entries)))
        for e, (j, i) in enumerate(structure.entries):
            k[:, e] = np.outer(self.project[:, j], self.basis[i, :]).ravel()
        self.kernel = k
        self._ref_inverse: np.ndarray | None = None
        self._cert_kernel: np.ndarray | None = None
        #: Of the points the last `solve` verified: how many the certificate proved stable,
        #: and how many needed their eigenvalues (for benchmarks).
        self.stability_counts = {"certificate": 0, "eigenvalues": 0}
        #: Of the points the last `solve` verified: how many from each start (reference,
        #: nearest verified neighbour, reference undamped by the bound).
        self.stages: dict[str, int] = {}

    # -- parameters
    def parameter_matrix(self, values: Sequence[Mapping[str, float]]) -> np.ndarray | None:
        """Parameters x points, or None if a value targets something that is not one."""
        p = np.repeat(self.s.defaults[:, None], len(values), axis=1)
        for col, vals in enumerate(values):
            for name, v in vals.items():
                k = self.position.get(name)
                if k is None:
                    return None
                p[k, col] = v
        return p

    # -- solving
    def _reduced_jacobian(self, x: np.ndarray, p: _Params) -> tuple[np.ndarray, np.ndarray]:
        v, dv = self._rates_jacobian(x, p)
        r = self.basis.shape[1]
        return v, (self.kernel @ dv).T.reshape(-1, r, r)

    def _reference_inverse(self) -> np.ndarray:
        """Inverse of the reduced Jacobian at the reference state and default parameters."""
        reference = self.solver.reference
        if self._ref_inverse is None and reference is not None:
            jac = self._reduced_jacobian(reference[:, None], _Params.of(self.s.defaults[:, None]))[
                1
            ]
            self._ref_inverse = _inverse(jac)[0]
        if self._ref_inverse is None:
            raise RuntimeError("the batch engine needs the solver's reference state")
        return self._ref_inverse

    def solve(self, p: np.ndarray, *, tol: float) -> list[SolveResult | None]:
        """Verified steady states of each column of ``p``; None where not verified."""
        ref = self.solver.reference
        if ref is None or p.shape[1] == 0:
            return [None] * p.shape[1]
        from threadpoolctl import threadpool_limits

        # many small matrices: BLAS threads only add overhead (and oversubscribe the
        # cores when sweeps run one process per core)
        with np.errstate(all="ignore"), threadpool_limits(1, user_api="blas"):
            params = _Params.of(p)
            totals = self.conserve @ self._initial(params)  # (m, points)
            x = self._carried(ref[:, None], totals)
            x = self._newton(x, params, tol)
            out = self._verify(x, params, totals, tol)
            counts = dict(self.stability_counts)
            stages = {"reference": sum(r is not None for r in out)}

            def settle(left: np.ndarray, x: np.ndarray, stage: str, **newton: Any) -> None:
                """Newton from ``x`` for the points ``left``; the verified ones fill
                ``out``, and the stage's stability counts are added."""
                sub = params.take(left)
                x = self._newton(x, sub, tol, **newton)
                again = self._verify(x, sub, totals[:, left], tol)
                for k in counts:
                    counts[k] += self.stability_counts[k]
                for i, r in zip(left, again, strict=True):
                    out[i] = r
                stages[stage] = sum(r is not None for r in again)

            def unverified() -> np.ndarray:
                return np.array([i for i, r in enumerate(out) if r is None], dtype=int)

            # the points left, from the verified state of their nearest verified point
            left = unverified()
            if left.size and left.size < len(out):
                done = np.array([i for i, r in enumerate(out) if r is not None], dtype=int)
                near = done[_nearest(p[:, left], p[:, done])]
                start = np.stack([out[i].species for i in near], axis=1)  # type: ignore[union-attr]
                settle(left, self._carried(start, totals[:, left]), "neighbour", own_first=True)
                left = unverified()
            # the points still left, as before: the reference, the smallest change to
            # the totals and undamped steps
            if left.size:
                x = ref[:, None] + self.lift @ (totals[:, left] - (self.conserve @ ref)[:, None])
                settle(left, x, "undamped", bounded=False)
            self.stability_counts = counts
            self.stages = stages
            return out

    def _carried(self, start: np.ndarray, totals: np.ndarray) -> np.ndarray:
        """The states ``start`` (a column, or one per point) carried to each column of
        ``totals``: every species of a moiety scaled by the ratio of its totals
        (non-negative as ``start`` is), or where that does not give the totals, the
        smallest change that does."""
        x = start + self.lift @ (totals - self.conserve @ start)
        if self.moieties is None:
            return x
        members, reps = self.moieties
        with np.errstate(all="ignore"):
            ratio = np.linalg.solve(reps, totals) / (members @ start)  # (m, points)
            alone = (members == 0).all(axis=0)[:, None]  # species in no moiety: kept
            scaled = start * ((members > 0).T.astype(float) @ ratio + alone)
            gap = np.abs(self.conserve @ scaled - totals).max(axis=0, initial=0.0)
            good = np.isfinite(scaled).all(axis=0) & (
                gap <= TOTALS_RTOL * np.maximum(1.0, np.abs(totals).max(axis=0, initial=0.0))
            )
        x[:, good] = scaled[:, good]
        return x

    def _newton(
        self,
        x: np.ndarray,
        p: _Params,
        tol: float,
        *,
        bounded: bool = True,
        own_first: bool = False,
    ) -> np.ndarray:
        factor = self.solver.time_factor
        n_points = x.shape[1]
        active = np.arange(n_points)
        # the reference inverse serves every point until its own Jacobian is computed;
        # those are kept by point (not moved as the active set shrinks)
        shared = self._reference_inverse()
        jacs = np.empty((n_points,) + shared.shape)
        own = np.zeros(n_points, dtype=bool)
        if own_first:  # a start away from the reference: its own Jacobian from the first
            v, jacs[:] = self._reduced_jacobian(x, p)
            own[:] = True
        else:
            v = self._rates(x, p)
        f = self.project @ v
        fresh = own.copy()
        for _ in range(MAX_ITERATIONS):
            xa = x[:, active]
            rate = np.abs(self.scaled @ v).max(axis=0) * factor
            scale = np.maximum(SCALE_FLOOR, np.abs(xa).max(axis=0))
            keep = ~(rate <= INNER_TOL * tol * scale)
            if not keep.any():
                break
            if not keep.all():
                active, xa, f, v, fresh, scale = (
                    active[keep],
                    xa[:, keep],
                    f[:, keep],
                    v[:, keep],
                    fresh[keep],
                    scale[keep],
                )
                pa = p.take(active)
            elif _ == 0:
                pa = p
            mine = own[active]
            if mine.all():
                dy = _solve(jacs[active], f)
            else:
                dy = np.empty_like(f)
                dy[:, ~mine] = shared @ f[:, ~mine]
                if mine.any():
                    dy[:, mine] = _solve(jacs[active[mine]], f[:, mine])
            step = -(self.basis @ dy)
            tiny = np.abs(step).max(axis=0) <= STEP_TOL * scale
            if tiny.any():  # converged to rounding: take the last step and stop
                x[:, active[tiny]] = xa[:, tiny] + step[:, tiny]
                more = ~tiny
                active, xa, f, v, fresh, step, scale = (
                    active[more],
                    xa[:, more],
                    f[:, more],
                    v[:, more],
                    fresh[more],
                    step[:, more],
                    scale[more],
                )
                if not active.size:
                    break
                pa = p.take(active)
            # the residual measured as the reference Newton correction it would ask for,
            # in species scaled by their size: a fixed norm in which a Newton step is a
            # descent direction, and in which fast and slow species weigh alike (the raw
            # residual's max-norm is ruled by the fastest reactions)
            weight = 1.0 / np.maximum(np.abs(xa), MERIT_FLOOR * scale)
            norm = self._merit(f, shared, weight)
            lam = _inside(xa, step, scale) if bounded else np.ones(active.size)
            trial = xa + lam * step
            v_new = self._rates(trial, pa)
            f_new = self.project @ v_new
            new = self._merit(f_new, shared, weight)
            ok = np.isfinite(new) & (new <= (1.0 - 1e-4 * lam) * norm)
            # a full chord step that fails on a fresh Jacobian: damp it
            damp = np.flatnonzero(~ok & fresh)
            for _h in range(MAX_HALVINGS):
                if not damp.size:
                    break
                lam[damp] *= 0.5
                trial[:, damp] = xa[:, damp] + lam[damp] * step[:, damp]
                v_new[:, damp] = self._rates(trial[:, damp], pa.take(damp))
                f_new[:, damp] = self.project @ v_new[:, damp]
                new[damp] = self._merit(f_new[:, damp], shared, weight[:, damp])
                good = np.isfinite(new[damp]) & (new[damp] <= (1.0 - 1e-4 * lam[damp]) * norm[damp])
                ok[damp[good]] = True
                damp = damp[~good]
            # accepted points move on; a failed or slow step refreshes the Jacobian
            x[:, active[ok]] = trial[:, ok]
            # a point whose step failed on a fresh Jacobian would compute the same
            # Jacobian and step again: it is left where it is (unverified, as it would be)
            stuck = ~ok & fresh
            if stuck.any():
                more = ~stuck
                active, ok, f_new, v_new, new, norm = (
                    active[more],
                    ok[more],
                    f_new[:, more],
                    v_new[:, more],
                    new[more],
                    norm[more],
                )
                if not active.size:
                    break
                pa = pa.take(more)
            f, v = f_new, v_new  # the points not moved are all refreshed just below
            refresh = ~ok | (new > CHORD_RATIO * norm)
            if refresh.any():
                which = active[refresh]
                v_r, jac = self._reduced_jacobian(x[:, which], pa.take(refresh))
                jacs[which] = jac
                own[which] = True
                v[:, refresh] = v_r
                f[:, refresh] = self.project @ v_r
            fresh = refresh
        return x

    def _merit(self, f: np.ndarray, shared: np.ndarray, weight: np.ndarray) -> np.ndarray:
        """Scaled 2-norm of ``Z J_ref^-1 f`` for each column of ``f``."""
        return np.sqrt(((self.basis @ (shared @ f) * weight) ** 2).sum(axis=0))

    def _verify(
        self, x: np.ndarray, p: _Params, totals: np.ndarray, tol: float
    ) -> list[SolveResult | None]:
        factor = self.solver.time_factor
        scale = np.maximum(SCALE_FLOOR, np.abs(x).max(axis=0, initial=0.0))
        # round-off below zero (a knocked-out protein's forms end at -1e-17, not 0), at
        # most CLIP_RTOL of the state's magnitude, is zero, and judged as such
        x = np.where((x < 0.0) & (x >= -CLIP_RTOL * scale), 0.0, x)
        v, dv = self._rates_jacobian(x, p)
        rate = np.abs(self.scaled @ v).max(axis=0, initial=0.0) * factor
        gap = np.abs(self.conserve @ x - totals).max(axis=0, initial=0.0)
        readouts = self._outputs(x, p)
        good = (
            np.isfinite(x).all(axis=0)
            & np.isfinite(readouts).all(axis=0)
            & (rate <= tol * scale)
            & (x.min(axis=0, initial=0.0) >= 0.0)
            & (gap <= TOTALS_RTOL * np.maximum(1.0, np.abs(totals).max(axis=0, initial=0.0)))
        )
        eig = np.full(x.shape[1], math.nan)
        idx = np.flatnonzero(good)
        r = self.basis.shape[1]
        if idx.size and r:
            # a certificate first (a bound on the eigenvalues); eigenvalues where it fails
            jac = (self._certificate_kernel() @ dv[:, idx]).reshape(r, r, -1) * factor
            jac[np.arange(r), np.arange(r)] += EIG_TOL  # stable with margin EIG_TOL
            proved, bound = _certify(jac)
            eig[idx[proved]] = bound[proved] - EIG_TOL
            rest = idx[~proved]
            self.stability_counts = {"certificate": int(proved.sum()), "eigenvalues": rest.size}
            if rest.size:
                full = (self.kernel @ dv[:, rest]).T.reshape(-1, r, r)
                finite = np.isfinite(full).all(axis=(1, 2))  # eigvals refuses the others
                if finite.any():
                    top = np.linalg.eigvals(full[finite]).real.max(axis=1)
                    eig[rest[finite]] = top * factor
        elif idx.size:
            eig[idx] = -math.inf
        good &= eig < -EIG_TOL
        out: list[SolveResult | None] = []
        for i in range(x.shape[1]):
            if not good[i]:
                out.append(None)
                continue
            msg = f"steady state verified (max |dx/dt| = {rate[i]:.2g}, stable)"
            out.append(
                SolveResult(
                    x[:, i].copy(),
                    readouts[:, i].copy(),
                    "ok",
                    msg,
                    float(rate[i]),
                    float(eig[i]),
                    METHOD,
                )
            )
        return out

    def _certificate_kernel(self) -> np.ndarray:
        """The map from the entries of dv/dx to the reduced Jacobian in the coordinates
        of independent species, ``(r * r, entries)``, rows in (row, column) order.

        With ``dep`` one species per conservation law (``C[:, dep]`` invertible), the
        other species ``ind`` are coordinates of the conservation-free subspace: ``x =
        L x_ind`` there, with ``L[ind] = I`` and ``L[dep] = -C[:, dep]^-1 C[:, ind]``,
        and the Jacobian in them, ``(N dv/dx / V)[ind] L``, is similar to the one in the
        orthonormal basis (same eigenvalues). Which species are eliminated decides how
        diagonally dominant it is: ``dep`` is chosen by exchanges that lower the
        spectral radius of its scaled off-diagonal part at the reference state (below 1,
        the certificate holds there).
        """
        if self._cert_kernel is not None:
            return self._cert_kernel
        c = self.conserve
        n, m = c.shape[1], c.shape[0]
        full_ref = self._full_jacobian(self._reference_state())
        factor = self.solver.time_factor

        def link(dep: list[int]) -> tuple[np.ndarray, np.ndarray]:
            ind = np.array([i for i in range(n) if i not in set(dep)], dtype=int)
            lk = np.zeros((n, ind.size))
            lk[ind, np.arange(ind.size)] = 1.0
            if dep:
                lk[dep] = -np.linalg.solve(c[:, dep], c[:, ind])
            return ind, lk

        def score(dep: list[int]) -> float:
            if dep and np.linalg.cond(c[:, dep]) > 1e8:
                return math.inf
            ind, lk = link(dep)
            a = full_ref[ind] @ lk * factor + EIG_TOL * np.eye(ind.size)
            d = np.diag(a).copy()
            if not ind.size or (d >= 0).any():
                return math.inf
            off = np.abs(a)
            np.fill_diagonal(off, 0.0)
            return float(np.abs(np.linalg.eigvals(off / -d[:, None])).max())

        dep: list[int] = []
        if m:
            import scipy.linalg

            dep = [int(i) for i in scipy.linalg.qr(c, pivoting=True)[2][:m]]
            best, better = score(dep), True
            while better:  # exchanges of one eliminated species, while they help
                better = False
                for a in range(m):
                    for cand in range(n):
                        if cand in dep:
                            continue
                        trial = [*dep[:a], cand, *dep[a + 1 :]]
                        s = score(trial)
                        if s < best - 1e-12:
                            best, dep, better = s, trial, True
        ind, lk = link(dep)
        r = ind.size
        k = np.zeros((r * r, len(self.s.entries)))
        for e, (j, i) in enumerate(self.s.entries):
            k[:, e] = np.outer(self.scaled[ind, j], lk[i, :]).ravel()
        self._cert_kernel = k
        return k

    def _reference_state(self) -> np.ndarray:
        ref = self.solver.reference
        if ref is None:
            raise RuntimeError("the batch engine needs the solver's reference state")
        return ref

    def _full_jacobian(self, x: np.ndarray) -> np.ndarray:
        """d(dx/dt)/dx at one state and the default parameters (species x species)."""
        _, dv = self._rates_jacobian(x[:, None], _Params.of(self.s.defaults[:, None]))
        n = len(self.s.species)
        out = np.zeros((n, n))
        for e, (j, i) in enumerate(self.s.entries):
            out[:, i] += self.scaled[:, j] * dv[e, 0]
        return out


def _certify(a: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Which of a stack of matrices ``a`` (``(r, r, points)``, points last) are proved
    to have every eigenvalue in the open left half-plane, and an upper bound on the
    largest real part of their eigenvalues where proved.

    Gershgorin's theorem for ``D^-1 A D`` with ``D = diag(w)``, ``w > 0``: every
    eigenvalue lies in a disc centred at ``a_ii`` with radius ``sum_j!=i |a_ij| w_j /
    w_i``, so the largest ``a_ii + radius_i`` bounds the real parts. ``w`` solves
    ``M w = 1`` with ``M`` the comparison matrix (``|a_ii|`` on the diagonal,
    ``-|a_ij|`` off it): where ``M`` is a non-singular M-matrix (the best diagonal
    scaling exists), ``w > 0`` and every disc ends at ``-1 / w_i < 0``. The discs are
    recomputed from ``w`` as computed, so the proof rests on them, not on the solve
    being exact; a disc must end a relative ``DISC_RTOL`` left of zero.
    """
    r, _, n = a.shape
    d = np.arange(r)
    diag = a[d, d]  # (r, points)
    ok = (diag < 0.0).all(axis=0)
    size = np.abs(a)
    m = -size.transpose(2, 0, 1)  # (points, r, r), a copy
    m[:, d, d] = size[d, d].T
    try:
        w = np.linalg.solve(m, np.ones((n, r, 1)))[:, :, 0].T
    except np.linalg.LinAlgError:  # a singular one among them: none proved here
        return np.zeros(n, dtype=bool), np.full(n, math.nan)
    with np.errstate(all="ignore"):
        ok &= (w > 0.0).all(axis=0) & np.isfinite(w).all(axis=0)
        wp = np.where(w > 0.0, w, 1.0)
        radius = np.einsum("ijn,jn->in", size, wp) / wp + diag  # the off-diagonal part
        # a disc's edge, moved right by the margin: the bound holds despite round-off in
        # the discs (and in any eigenvalue routine it is compared with)
        edge = diag + radius + DISC_RTOL * (np.abs(diag) + radius)
        ok &= (edge < 0.0).all(axis=0)
    return ok, np.where(ok, edge.max(axis=0), math.nan)


def _moieties(conserve: np.ndarray) -> tuple[np.ndarray, np.ndarray] | None:
    """The conservation laws as disjoint moieties, where they are: ``members`` (moiety x
    species, each species' non-negative weight in at most one moiety) and ``reps`` (the
    rows of ``conserve`` per moiety total: ``conserve @ x = reps @ (members @ x)``);
    None where they are not (a species in two laws, or weights of both signs)."""
    m, n = conserve.shape
    if not m:
        return None
    norms = np.linalg.norm(conserve, axis=0)
    units: list[np.ndarray] = []
    members = np.zeros((m, n))
    for i in np.flatnonzero(norms > 1e-12 * norms.max()):
        u = conserve[:, i] / norms[i]
        for k, rep in enumerate(units):
            if abs(abs(u @ rep) - 1.0) < 1e-9:
                members[k, i] = norms[i] * (u @ rep)
                break
        else:
            if len(units) == m:
                return None
            members[len(units), i] = norms[i]
            units.append(u)
    if len(units) != m:
        return None
    signs = np.sign(members.sum(axis=1))
    members *= signs[:, None]
    if (members < 0.0).any():
        return None
    reps = np.stack(units, axis=1) * signs
    if not np.allclose(reps @ members, conserve, rtol=0.0, atol=1e-12 * norms.max()):
        return None
    return members, reps


def _nearest(points: np.ndarray, among: np.ndarray) -> np.ndarray:
    """For each column of ``points``, the index of the nearest column of ``among``
    (parameters; distance: the sum over parameters of their relative difference)."""
    rows = ~(among == among[:, :1]).all(axis=1) | ~(points == among[:, :1]).all(axis=1)
    a_all, b = points[rows], among[rows][:, None, :]
    out = np.empty(points.shape[1], dtype=int)
    block = max(1, 2_000_000 // max(1, b.size))  # bounded memory: block x among x rows
    for lo in range(0, points.shape[1], block):
        a = a_all[:, lo : lo + block, None]
        with np.errstate(all="ignore"):
            d = np.nan_to_num(np.abs(a - b) / (np.abs(a) + np.abs(b)), nan=0.0).sum(axis=0)
        out[lo : lo + block] = d.argmin(axis=1)
    return out


def _inside(x: np.ndarray, step: np.ndarray, scale: np.ndarray) -> np.ndarray:
    """The longest fraction (at most 1) of each point's step that keeps its species
    non-negative: where the full step takes a species below zero (beyond round-off,
    ``CLIP_RTOL`` of the state's magnitude), ``BOUNDARY_FRACTION`` of the way to zero;
    the whole step where that would be less than ``BOUNDARY_SHORTEST`` of it."""
    floor = CLIP_RTOL * scale
    with np.errstate(all="ignore"):
        room = np.where((x + step < -floor) & (x + floor > 0.0), (x + floor) / -step, np.inf)
    lam = np.minimum(1.0, BOUNDARY_FRACTION * room.min(axis=0, initial=np.inf))
    return np.where(lam < BOUNDARY_SHORTEST, 1.0, lam)


def _solve(jac: np.ndarray, f: np.ndarray) -> np.ndarray:
    """``jac[b]^-1 f[:, b]`` for each b (a least-squares step where one is singular)."""
    try:
        return np.linalg.solve(jac, f.T[:, :, None])[:, :, 0].T
    except np.linalg.LinAlgError:
        steps = [np.linalg.lstsq(a, y, rcond=None)[0] for a, y in zip(jac, f.T, strict=True)]
        return np.stack(steps, axis=1)


def _inverse(jac: np.ndarray) -> np.ndarray:
    """Inverses of a stack of matrices; a singular one gets its pseudo-inverse."""
    try:
        return np.linalg.inv(jac)
    except np.linalg.LinAlgError:
        return np.stack([np.linalg.pinv(a) for a in jac])


# ---------------------------------------------------------------------------- building
#: Per process: engine per (model hash, clamp set); None where the fast path declines.
_ENGINES: dict[tuple[str, frozenset[str]], BatchEngine | None] = {}


def batch_engine(model: Model, clamped: frozenset[str]) -> BatchEngine | None:
    """The batch engine of ``model`` for one clamp set, or None where it declines."""
    key = (model.hash, clamped)
    if key in _ENGINES:
        engine = _ENGINES[key]
        if engine is None or engine.solver is model._solver(clamped):
            return engine
    engine = _build(model, clamped)
    _ENGINES[key] = engine
    return engine


def _build(model: Model, clamped: frozenset[str]) -> BatchEngine | None:
    from ._engine import PRESIM_T, STEADY_TOL
    from ._export import clamp_species

    solver = model._solver(clamped)
    if not solver.warm_start or solver.rule_vars or solver._rule_species:
        return None
    if (
        solver._events_or_rules
        or solver.other_defaults
        or solver._assigned_inputs
        or solver.substance_only
    ):
        return None
    if solver.reference is None and not solver.reference_tried:
        solver.reference_tried = True
        ref = solver.solve({}, tol=STEADY_TOL, presimulate=PRESIM_T)
        if ref.status == "ok":
            solver.reference = ref.species.copy()
    if solver.reference is None or not solver.species_ids:
        return None
    sbml = model._compiled_sbml
    if clamped:
        sbml = clamp_species(sbml, clamped)
    ident = hashlib.sha256(
        json.dumps(
            [
                GENERATOR_VERSION,
                sbml,
                list(solver.species_ids),
                list(solver.names),
                list(solver.readouts),
            ]
        ).encode()
    ).hexdigest()
    from ._cache import load_generated, store_generated

    cached = load_generated(ident)
    try:
        if cached is not None:
            meta = json.loads(cached)
            structure = _Structure(
                species=tuple(meta["species"]),
                parameters=tuple(meta["parameters"]),
                defaults=np.array(meta["defaults"], dtype=float),
                volumes=np.array(meta["volumes"], dtype=float),
                stoichiometry=np.array(meta["stoichiometry"], dtype=float).reshape(
                    len(meta["species"]), -1
                ),
                readouts=tuple(meta["readouts"]),
                entries=tuple((int(j), int(i)) for j, i in meta["entries"]),
            )
            # defaults are the model's current values, not the cached ones
            structure = _with_defaults(structure, solver)
            return _ready(BatchEngine(solver, structure, meta["source"]))
        structure, source = _structure_and_code(solver, sbml)
    except _Declined:
        return None
    except TypeError as exc:  # libsbml's AST types broken in this process (see below)
        warnings.warn(
            "the batch steady-state engine is off for this model in this process: "
            f"libsbml could not be read ({exc}; this happens after another SWIG-built "
            "module, e.g. libsedml via to_omex, was imported first). Every point takes "
            "the single-point path: the same verified answers, more slowly.",
            RuntimeWarning,
            stacklevel=2,
        )
        return None
    meta = {
        "species": list(structure.species),
        "parameters": list(structure.parameters),
        "defaults": structure.defaults.tolist(),
        "volumes": structure.volumes.tolist(),
        "stoichiometry": structure.stoichiometry.ravel().tolist(),
        "readouts": list(structure.readouts),
        "entries": [list(e) for e in structure.entries],
        "source": source,
    }
    store_generated(ident, json.dumps(meta))
    return _ready(BatchEngine(solver, structure, source))


def _ready(engine: BatchEngine) -> BatchEngine:
    """The engine with its reference inverse and certificate basis (one-time costs,
    paid when it is built, so forked workers inherit them)."""
    engine._reference_inverse()
    engine._certificate_kernel()
    return engine


def _with_defaults(structure: _Structure, solver: Solver) -> _Structure:
    defaults = structure.defaults.copy()
    defaults[: len(solver.defaults)] = solver.defaults
    return replace(structure, defaults=defaults)
