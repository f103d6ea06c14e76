"""A model with a perturbation baked in, as a standalone SBML file.

The engine applies a perturbation by setting parameter values and initial values on a
compiled model (a knockout of a generic SBML model starts every form of the protein at
zero and switches its synthesis off) and, for knockouts that clamp one species, by
holding that species at zero (see `mtor_sim._perturb`).
This module writes the same model as SBML, so that tellurium, COPASI or any other SBML tool
simulates exactly what `Model.steady_state` and `Model.simulate` simulate.
"""

from __future__ import annotations

import html
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ._errors import ModelFileError, check_output_file
from ._perturb import Perturbation, make_perturbation, resolve

if TYPE_CHECKING:  # pragma: no cover
    from ._model import Model

__all__ = ["to_sbml", "perturbed_sbml", "leading_comment"]

_XHTML = "http://www.w3.org/1999/xhtml"


def to_sbml(
    model: Model,
    path: str | Path | None = None,
    *,
    genotype: str | Iterable[str] | None = None,
    drugs: Mapping[str, float] | None = None,
    knockouts: Iterable[str] | None = None,
    cut: Iterable[str] | None = None,
    parameters: Mapping[str, float] | None = None,
    inputs: Mapping[str, float] | None = None,
) -> str:
    """SBML of ``model`` with a perturbation applied, as a standalone file.

    Parameter values (genotype presets, doses, cuts, explicit parameters, inputs) are
    written into the model; the forms of a protein knocked out of a generic SBML model
    start at zero with its synthesis reactions cut, and a clamped species (``"S:clamp"``)
    becomes a constant boundary species at zero, as the engine runs them. The result
    simulates to the same numbers as the package's verbs called with the same
    perturbation (tested against plain libroadrunner, tellurium and COPASI to 1e-8):
    the same steady states, and the same time courses as ``simulate(...,
    pre_equilibrate=False)``. The file starts from the model's initial values, not from
    the drug-free steady state a default `simulate` starts from (its notes say so); for
    that run, write an archive of the time course (`to_omex`), which starts from it.
    For a model other than the bundled one this is the model as the package runs it:
    reaction-local parameters promoted to global ones, and each rate multiplied by a
    ``cut_<reaction>`` parameter (1 unless that reaction is cut).

    Parameters
    ----------
    model : Model
    path : str or Path, optional
        File to write (UTF-8; an existing folder is refused). The SBML text is returned
        either way.
    genotype, drugs, knockouts, cut, parameters, inputs
        As in `mtor_sim.steady_state`; drug concentrations in nM.

    Returns
    -------
    str
        The SBML document.

    Examples
    --------
    >>> import mtor_sim as ms
    >>> text = ms.load_model().to_sbml(genotype="PTEN_loss", drugs={"everolimus": 10})
    >>> 'id="dose_everolimus"' in text
    True
    """
    target = None if path is None else check_output_file(path)
    pert = make_perturbation(
        model,
        genotype=genotype,
        drugs=drugs,
        knockouts=knockouts,
        cut=cut,
        parameters=parameters,
        inputs=inputs,
    )
    text = perturbed_sbml(model, pert)
    if target is not None:
        target.parent.mkdir(parents=True, exist_ok=True)  # as `to_file` and `to_omex` do
        target.write_text(text, encoding="utf-8")
    return text


def perturbed_sbml(
    model: Model, pert: Perturbation, *, initial_state: Mapping[str, float] | None = None
) -> str:
    """SBML of ``model`` under an already-validated perturbation.

    ``initial_state`` (species id -> value) replaces the initial values of those species,
    dropping their initial assignments: a time course that starts from a pre-computed
    state (e.g. the drug-free steady state) is then a plain run from t = 0.
    """
    import libsbml

    values, clamped = resolve(model, pert)
    sbml = clamp_species(model.sbml, clamped) if clamped else model.sbml
    doc = libsbml.readSBMLFromString(sbml)
    m = doc.getModel()
    write_values(m, values)
    for sid, value in (initial_state or {}).items():
        if sid not in clamped:
            _set_initial(m, sid, value)
    _check_values(model, m)
    _add_notes(model, m, pert, from_state=initial_state is not None)
    return libsbml.writeSBMLToString(doc)


def write_values(m: Any, values: Mapping[str, float]) -> None:
    """Write an engine's resolved input values into ``m`` (a libsbml Model): parameters'
    values, species' initial values (``init(S)``, ``init([S])``, dropping their initial
    assignments) and knocked-out species (``ko(S)``, ``zero(S)``) at zero."""
    for name, value in values.items():
        if name.startswith("init(") and name.endswith(")"):
            sid, concentration = input_species(name)
            _set_initial(m, sid, value, concentration=concentration)
        elif name.startswith(("ko(", "zero(")) and name.endswith(")"):  # knocked out
            _set_initial(m, name[name.index("(") + 1 : -1], 0.0)
        else:
            p = m.getParameter(name)
            if p is None:  # pragma: no cover - names come from the model's own layout
                raise KeyError(f"parameter {name!r} is not in the model")
            p.setValue(float(value))


def _check_values(model: Model, m: Any) -> None:
    """Refuse to write a model whose parameter has no value from any source (attribute,
    initial assignment, assignment rule; a rate rule needs a start): every simulator
    refuses to run it, as the verbs do (they compile it first), so it is named here
    rather than written."""
    given = {a.getSymbol() for a in m.getListOfInitialAssignments()}
    given |= {r.getVariable() for r in m.getListOfRules() if r.isAssignment()}
    missing = [
        p.getId() for p in m.getListOfParameters() if not p.isSetValue() and p.getId() not in given
    ]
    if missing:
        where = f"model file {str(model.path)!r}" if model.path else f"model {model.name!r}"
        raise ModelFileError(
            f"{where}: parameter(s) {', '.join(missing[:5])} have no value (no value "
            "attribute, initial assignment or assignment rule); give each one in the model "
            "file"
        )


def input_species(selection: str) -> tuple[str, bool]:
    """The species an input's selection sets, and whether as a concentration:
    ``init([S])`` (a concentration) or ``init(S)`` (an amount, hasOnlySubstanceUnits)."""
    inner = selection[len("init(") : -1]
    if inner.startswith("[") and inner.endswith("]"):
        return inner[1:-1], True
    return inner, False


def _set_initial(m, sid: str, value: float, *, concentration: bool | None = None) -> None:
    """Set a species' initial value, given as a concentration or as an amount (``None``:
    as the species' symbol means, an amount with hasOnlySubstanceUnits)."""
    s = m.getSpecies(sid)
    if s is None:  # pragma: no cover - names come from the model's own layout
        raise KeyError(f"species {sid!r} is not in the model")
    m.removeInitialAssignment(sid)
    if concentration is None:
        concentration = not s.getHasOnlySubstanceUnits()
    size = _fixed_size(m, s.getCompartment())
    if not concentration:
        s.setInitialAmount(float(value))
    elif s.isSetInitialAmount() and size is not None:
        s.setInitialAmount(float(value) * size)  # keep the species' own form
    else:  # a size only known when the model runs (an initial assignment or a rule)
        s.unsetInitialAmount()
        s.setInitialConcentration(float(value))


def _fixed_size(m, cid: str) -> float | None:
    """The size of compartment ``cid`` as its attribute gives it, or None when no
    attribute does: none set, or an initial assignment or rule that decides it. A
    zero-dimensional compartment has no concentrations: 1, so an amount is the value."""
    comp = m.getCompartment(cid)
    if comp is not None and comp.isSetSpatialDimensions() and comp.getSpatialDimensions() == 0:
        return 1.0
    if comp is None or not comp.isSetSize():
        return None
    if m.getInitialAssignment(cid) is not None or m.getRule(cid) is not None:
        return None
    return float(comp.getSize())


def leading_comment(text: str) -> str:
    """The comment block an Antimony file opens with, without the ``//`` markers."""
    lines = []
    for line in text.splitlines():
        stripped = line.strip()
        if not stripped.startswith("//"):
            break
        lines.append(stripped[2:].strip())
    return "\n".join(lines).strip()


def _add_notes(model: Model, m, pert: Perturbation, *, from_state: bool = False) -> None:
    """Model notes: the model file's own description, then what this export applied and
    where a run of it starts (``from_state``: a state the package computed)."""
    from . import __version__

    paragraphs: list[str] = []
    if not m.isSetNotes() and model.path is not None and model.path.suffix.lower() == ".ant":
        try:
            header = leading_comment(model.path.read_text())
        except OSError:  # pragma: no cover - the file was read at load time
            header = ""
        # the header's own paragraphs (blank comment lines) stay paragraphs
        paragraphs += [p.replace("\n", " ") for p in header.split("\n\n") if p.strip()]
    label = pert.label()
    start = (
        "A run starts from the drug-free steady state mtor_sim computed."
        if from_state
        else "A run starts from the model's initial values (mtor_sim's simulate() starts "
        "from the drug-free steady state unless pre_equilibrate=False)."
    )
    if label != "WT" or pert != Perturbation():
        paragraphs.append(
            f"Exported by mtor_sim {__version__} with this perturbation applied: {label}. " + start
        )
        if m.isSetName():
            m.setName(f"{m.getName()} [{label}]")
    if not paragraphs:
        return
    body = "".join(f"<p>{html.escape(p, quote=False)}</p>" for p in paragraphs)
    notes = f'<body xmlns="{_XHTML}">{body}</body>'
    if m.isSetNotes():
        m.appendNotes(notes)
    else:
        m.setNotes(notes)


def clamp_species(sbml: str, species: frozenset[str]) -> str:
    """SBML with ``species`` fixed at zero (boundary, constant): a knockout of any model.
    Held for the whole run: the model's events no longer assign them (a constant cannot
    be assigned; an event that did, at t = 5, put the clamped species back)."""
    import libsbml

    doc = libsbml.readSBMLFromString(sbml)
    model = doc.getModel()
    for sid in species:
        s = model.getSpecies(sid)
        s.setBoundaryCondition(True)
        s.setConstant(True)
        if s.isSetInitialAmount():
            s.setInitialAmount(0.0)
        else:
            s.setInitialConcentration(0.0)
        model.removeInitialAssignment(sid)
        model.removeRuleByVariable(sid)
        for event in model.getListOfEvents():
            event.removeEventAssignment(sid)
        for rxn in model.getListOfReactions():
            for ref in list(rxn.getListOfReactants()) + list(rxn.getListOfProducts()):
                if ref.getSpecies() == sid and ref.isSetConstant() is False:
                    ref.setConstant(True)
    return libsbml.writeSBMLToString(doc)
