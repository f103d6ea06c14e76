"""Which species of an SBML model are forms of one protein, for knockouts.

A knockout removes a protein in all its forms: unmodified, phosphorylated, bound in
complexes. The bundled model says which parameters make up a node (its ``@node``
annotations: total amounts and synthesis rates). Another SBML model says it through its
stoichiometry: the forms of a protein are the species that share a conservation law with
it once synthesis and degradation are set aside. For ``A <-> pA``, ``A + B <-> AB`` the
forms of ``A`` are ``A``, ``pA`` and ``AB`` (the law ``A + pA + AB = constant``), and
``B`` is not one of them (its own law is ``B + AB``).

Laws are found as the smallest non-negative ones that contain the species: a linear
program (minimise the sum of the weights ``c`` subject to ``c . N = 0`` over the
reactions that neither create nor destroy matter, ``c >= 0`` and ``c[S] = 1``), repeated
with each member of a law found held out, which finds the other laws of a complex: the
complex ``AB`` is a form of ``A`` and of ``B``, so knocking it out removes both (knock
out ``A`` to remove one protein). A species in no such law (e.g. one that is only
synthesised and degraded) is its own only form. A sink (a species that single species
only turn into, one reaction each, ``pA -> Sink``: a degradation product or an inactive
pool; not a complex, not an enzyme's product) is left out of the laws and joins a
protein's forms only where every species turning into it is one: a ``Sink`` that two
proteins drain into would otherwise make them one protein. Reactions that
create a form from nothing (synthesis: the reaction consumes no floating species of the
group and produces one) are the protein's synthesis, switched off by the knockout.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

__all__ = ["Forms", "forms_of"]

#: What `_names_read` calls a csymbol without a name (the clock): no SBML id can be it.
_UNNAMED = " csymbol"


def _names_read(math: Any) -> set[str]:
    """Every name a formula reads (a csymbol without a name, the clock, as `_UNNAMED`)."""
    names, nodes = set(), [math]
    while nodes:
        node = nodes.pop()
        nodes += [node.getChild(i) for i in range(node.getNumChildren())]
        # the node's own test, not its type against `libsbml.AST_NAME`: a model read
        # through another binding (libSEDML carries one) returns a type not comparable
        if node.isName():
            names.add(node.getName() or _UNNAMED)
    return names


@dataclass(frozen=True)
class Forms:
    """The forms of one protein and the reactions that synthesise them."""

    species: tuple[str, ...]  # floating species ids, the knocked-out one first
    synthesis: tuple[str, ...]  # reaction ids
    law: tuple[tuple[str, float], ...]  # the conservation law found (species, weight)
    assigned: tuple[str, ...] = ()  # forms whose initial value an initial assignment sets


def stoichiometry(
    sbml: str,
) -> tuple[list[str], list[str], np.ndarray, frozenset[str], frozenset[str]]:
    """(floating species ids, reaction ids, net stoichiometry matrix species x reactions,
    species with initial assignments, products a reaction may also consume: those its
    rate law reads, which may run it backwards; its ``reversible`` flag is not read, as
    Antimony's ``->`` sets it on every reaction).

    Species that rules set are left out (no conservation law holds for them); a
    stoichiometry given by math rather than a number counts as 1.
    """
    import libsbml

    model = libsbml.readSBMLFromString(sbml).getModel()
    ruled = {model.getRule(i).getVariable() for i in range(model.getNumRules())}
    species = [
        s.getId()
        for s in model.getListOfSpecies()
        if not s.getBoundaryCondition() and s.getId() not in ruled
    ]
    pos = {s: i for i, s in enumerate(species)}
    reactions = [r.getId() for r in model.getListOfReactions()]
    n = np.zeros((len(species), len(reactions)))
    for j, rxn in enumerate(model.getListOfReactions()):
        for refs, sign in ((rxn.getListOfReactants(), -1.0), (rxn.getListOfProducts(), 1.0)):
            for ref in refs:
                i = pos.get(ref.getSpecies())
                if i is None:
                    continue
                st = ref.getStoichiometry() if ref.isSetStoichiometry() else 1.0
                if not np.isfinite(st):
                    st = 1.0
                n[i, j] += sign * st
    assigned = frozenset(
        model.getInitialAssignment(i).getSymbol() for i in range(model.getNumInitialAssignments())
    )
    backward = set()
    for rxn in model.getListOfReactions():
        law = rxn.getKineticLaw()
        read = _names_read(law.getMath()) if law is not None and law.getMath() else set()
        backward |= {
            ref.getSpecies() for ref in rxn.getListOfProducts() if ref.getSpecies() in read
        }
    return species, reactions, n, assigned, frozenset(backward)


#: Most linear programs solved per knocked-out species (each a few milliseconds).
MAX_LAWS = 16


def _laws_containing(k: int, n: np.ndarray) -> list[np.ndarray]:
    """The support-minimal non-negative conservation laws of ``n`` (species x reactions)
    in which species ``k`` has weight 1: the smallest first, then, for each species of
    a law found, the smallest law without it (a complex lies in one law per protein)."""
    from scipy.optimize import linprog  # type: ignore[import-untyped]

    m = n.shape[0]
    a_eq = np.vstack([n.T, np.eye(m)[k]])
    b_eq = np.zeros(a_eq.shape[0])
    b_eq[-1] = 1.0
    found: list[np.ndarray] = []
    todo: list[frozenset[int]] = [frozenset()]
    tried: set[frozenset[int]] = set()
    while todo and len(tried) < MAX_LAWS:
        blocked = todo.pop(0)
        if blocked in tried:
            continue
        tried.add(blocked)
        bounds = [(0.0, 0.0) if i in blocked else (0.0, None) for i in range(m)]
        res = linprog(np.ones(m), A_eq=a_eq, b_eq=b_eq, bounds=bounds, method="highs")
        if res.status != 0:
            continue
        law = np.where(res.x > 1e-9 * float(res.x.max()), res.x, 0.0)
        if not any((law > 0).tolist() == (f > 0).tolist() for f in found):
            found.append(law)
        todo += [blocked | {int(i)} for i in np.flatnonzero(law) if i != k]
    return found


def forms_of(
    species_id: str,
    species: list[str],
    reactions: list[str],
    n: np.ndarray,
    assigned: frozenset[str] = frozenset(),
    backward: frozenset[str] = frozenset(),
) -> Forms:
    """The forms of ``species_id`` (see the module's docstring)."""
    if species_id not in species:  # boundary or rule-set species: itself only
        return Forms(
            (species_id,), (), ((species_id, 1.0),), (species_id,) if species_id in assigned else ()
        )
    k = species.index(species_id)
    # reactions that neither create nor destroy matter: each consumes and produces a
    # floating species (synthesis, degradation and exchange with boundary species do not)
    closed = (n < 0).any(axis=0) & (n > 0).any(axis=0)
    # a sink (a species that single species only turn into, one at a time: `pA -> Sink`,
    # never a complex's formation, never a reaction that also makes another species; none
    # turning it into another or whose rate law reads it) is left out of the laws, and is
    # a form only where every species turning into it is one (a protein's inactive or
    # degraded pool, with that protein's forms); one that several proteins drain into (a
    # model's shared "Sink") is none of theirs, so that knocking out one protein does not
    # reach the others through it, and knocked out itself it is its own only form.
    feeds = closed & (n < 0)  # species x reactions: consumed by a conversion
    into_one = closed & ((n < 0).sum(axis=0) == 1) & ((n > 0).sum(axis=0) == 1)
    makes = closed & (n > 0)
    sink = (
        ~feeds.any(axis=1)
        & makes.any(axis=1)
        & ~(makes & ~into_one).any(axis=1)
        & ~np.isin(species, list(backward))
    )
    kept = np.where(sink[:, None], 0.0, n)
    inner = (kept < 0).any(axis=0) & (kept > 0).any(axis=0)

    def law_of(i: int) -> np.ndarray:
        law = np.zeros(len(species))
        law[i] = 1.0
        if inner.any() and not sink[i]:
            laws = _laws_containing(i, kept[:, inner])
            if laws:
                law = laws[0].copy()
                for other in laws[1:]:  # a complex: a form of each protein in it
                    law = np.where(law > 0, law, other)
        return law

    def fed_by(e: int) -> np.ndarray:
        return np.asarray(feeds[:, makes[e]].any(axis=1))

    if sink[k]:
        first = int(np.flatnonzero(fed_by(k))[0])
        law = law_of(first)
        if not (law[fed_by(k)] > 0).all():  # a shared sink
            law = np.zeros(len(species))
        law[k] = 1.0
    else:
        law = law_of(k)
    for e in (int(i) for i in np.flatnonzero(sink & (law == 0))):
        if law[fed_by(e)].all():
            law[e] = float(law[fed_by(e)].max())
    members = [k] + [int(i) for i in np.flatnonzero(law) if i != k]
    group = np.zeros(len(species), dtype=bool)
    group[members] = True
    inflow = np.asarray(~closed & (n[group] > 0).any(axis=0) & ~(n[group] < 0).any(axis=0))
    return Forms(
        tuple(species[i] for i in members),
        tuple(reactions[j] for j in np.flatnonzero(inflow)),
        tuple((species[i], float(law[i])) for i in members),
        tuple(species[i] for i in members if species[i] in assigned),
    )
