"""Perturbations (genotypes, drugs, knockouts, cuts, parameters, inputs) -> model values."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING, Any

from ._catalogue import DRUGS, occupancy
from ._errors import MtorSimError, UnknownNameError, check_name, check_names, check_nonnegative

if TYPE_CHECKING:  # pragma: no cover
    from ._model import Model

__all__ = ["Perturbation", "make_perturbation", "resolve", "KNOCKOUT_MODES", "CLAMP_SUFFIX"]

#: How a knockout acts: ``"remove"`` (default) takes the protein out in all its forms
#: (every species that shares its conservation law, at zero from the start, and its
#: synthesis switched off); ``"clamp"`` holds the one named species at zero, as a
#: constant, while its other forms stay in the model and drain through it.
KNOCKOUT_MODES = ("remove", "clamp")
#: A knockout name with this suffix (``"S6K:clamp"``) clamps that species instead.
CLAMP_SUFFIX = ":clamp"


@dataclass(frozen=True)
class Perturbation:
    """One call's perturbation, validated against a model. Hashable and picklable."""

    genotype: tuple[str, ...] = ()
    drugs: tuple[tuple[str, float], ...] = ()
    knockouts: tuple[str, ...] = ()
    cut: tuple[str, ...] = ()
    parameters: tuple[tuple[str, float], ...] = ()
    inputs: tuple[tuple[str, float], ...] = ()

    def as_dict(self) -> dict[str, Any]:
        """Plain-dict form (for result metadata and file output)."""
        return {
            "genotype": list(self.genotype),
            "drugs": dict(self.drugs),
            "knockouts": list(self.knockouts),
            "cut": list(self.cut),
            "parameters": dict(self.parameters),
            "inputs": dict(self.inputs),
        }

    @classmethod
    def from_dict(cls, d: Mapping[str, Any]) -> Perturbation:
        """The inverse of `as_dict` (names are taken as valid: a result's own record)."""
        items = lambda key: tuple(sorted((d.get(key) or {}).items()))  # noqa: E731

        def names(key: str) -> tuple[str, ...]:  # one name, as a caller may have given it
            given = d.get(key) or ()
            return (given,) if isinstance(given, str) else tuple(given)

        return cls(
            names("genotype"),
            items("drugs"),
            names("knockouts"),
            names("cut"),
            items("parameters"),
            items("inputs"),
        )

    def with_drugs(self, drugs: Mapping[str, float]) -> Perturbation:
        """The same perturbation with ``drugs`` (already validated) instead of its own."""
        return replace(self, drugs=tuple(sorted(drugs.items())))

    def without_drugs(self) -> Perturbation:
        return self.with_drugs({})

    def label(self, base: str = "WT") -> str:
        """Short human-readable description, e.g. ``PTEN_loss + everolimus 10 nM``;
        ``base`` names no genotype (``"baseline"`` for a model without a wild type: the
        model as it is, `baseline_name`)."""
        parts = [g for g in self.genotype if g != "WT"] or [base]
        parts += [f"{d} {c:g} nM" for d, c in self.drugs if c > 0]
        parts += [knockout_label(k) for k in self.knockouts] + [f"cut {c}" for c in self.cut]
        parts += [f"{k}={v:g}" for k, v in self.parameters + self.inputs]
        return " + ".join(parts)


def baseline_name(bundled: bool) -> str:
    """What a label calls no genotype: ``WT`` on the bundled model, ``baseline`` (the
    model as it is) on another, which has no wild type the catalogue defines."""
    return "WT" if bundled else "baseline"


def _as_list(value: str | Iterable[str] | None, *, name: str) -> list[str]:
    """A name or list of names (not a mapping; each a string; none twice) as a list."""
    return check_names(value, name=name)


def _as_mapping(value: Mapping[str, float] | None, *, name: str) -> dict[str, float]:
    if value is None:
        return {}
    if type(value) is not dict and not isinstance(value, Mapping):  # dict: no ABC check
        raise TypeError(
            f"`{name}` must be a mapping of name -> value, got {type(value).__name__} {value!r}"
        )
    for k in value:
        if not isinstance(k, str):
            raise TypeError(f"`{name}` keys must be names (str), got {type(k).__name__} {k!r}")
    return dict(value)


def _warn_unmapped_sites(model: Model, drug: str) -> None:
    """Warn, once per model and drug, where a drug acts on some of its target sites only
    because ``targets=`` maps the others to nothing (dactolisib on mTORC1_ATP, its PI3K
    and mTORC2_ATP sites skipped in silence)."""
    if not model._targets:
        return
    warned: set[str] = model._forms.setdefault(" unmapped", set())
    if drug in warned:  # (every condition of a sweep passes here)
        return
    sites = [s for s, _ in DRUGS[drug].targets]
    missing = [s for s in sites if s not in model._targets]
    if missing:
        import warnings

        warned.add(drug)
        mapped = ", ".join(s for s in sites if s in model._targets)
        warnings.warn(
            f"{drug} acts on model {model.name!r} at {mapped} only: its site(s) "
            f"{', '.join(missing)} are not mapped by `targets=` (map them "
            "to the parameters they scale, or accept the partial action)",
            UserWarning,
            stacklevel=4,
        )


def _why_not_an_input(model: Model, name: str) -> str | None:
    """Why ``name``, a quantity of ``model`` that is not one of its inputs, cannot be
    given as one; None for a name the list of valid inputs answers best."""
    if name in model.parameters.index:
        return (
            f"{name!r} is a parameter of model {model.name!r}, not an input (inputs are "
            f"species' initial values): set it with parameters={{{name!r}: ...}}"
        )
    if name in model._facts().rule_targets:
        formula, reads = model._rule_reads(name)
        advice = (
            f"set the parameters its rule reads ({', '.join(sorted(reads))})"
            if reads
            else f"its rule ({name} := {formula}) reads no parameter, so no verb can change "
            "it; edit the rule in the model file (make it read a parameter)"
        )
        return (
            f"{name!r} is computed by an assignment rule of model {model.name!r}, not an "
            f"input: {advice}"
        )
    if _rate_ruled(model, name):
        return (
            f"{name!r} is changed by a rate rule of model {model.name!r}, and its initial "
            "value is not an input"
        )
    return None


def _rate_ruled(model: Model, name: str) -> bool:
    """Whether a rate rule of ``model`` changes ``name`` (read from the SBML: an error
    path)."""
    import libsbml

    sbml = libsbml.readSBMLFromString(model.sbml).getModel()
    return sbml is not None and any(
        r.isRate() and r.getVariable() == name for r in sbml.getListOfRules()
    )


def _why_not_a_node(model: Model, name: str) -> str | None:
    """Why ``name``, a quantity of another SBML model that is not one of its nodes,
    cannot be knocked out, and what does instead; None for a name the list of valid
    nodes answers best."""
    if name in model.parameters.index:
        return (
            f"{name!r} is a parameter of model {model.name!r}, not a node (knockouts take "
            f"species): set it with parameters={{{name!r}: 0}}"
        )
    if name in model.interactions:
        return f"{name!r} is a reaction of model {model.name!r}, not a node: cut={[name]!r}"
    ruled = name in model._facts().rule_targets or _rate_ruled(model, name)
    if ruled:
        return (
            f"{name!r} is set by a rule of model {model.name!r}, not by reactions, so a "
            "knockout cannot hold it at zero: set the parameters its rule reads, or knock "
            "out the species it reads"
        )
    return None


def make_perturbation(
    model: Model,
    *,
    genotype: str | Iterable[str] | None = None,
    drugs: Mapping[str, float] | None = None,
    knockouts: Iterable[str] | None = None,
    cut: Iterable[str] | None = None,
    parameters: Mapping[str, float] | None = None,
    inputs: Mapping[str, float] | None = None,
    **unknown: Any,
) -> Perturbation:
    """Check every name and value of a perturbation against ``model``. A keyword that is
    none of the six (a verb's misspelt option passes through its ``**perturbation``) is
    refused naming the closest keyword a verb takes."""
    if unknown:
        _refuse_unknown_keywords(unknown)
    genos = _as_list(genotype, name="genotype")
    presets = model.catalogue.genotypes
    if genos and not presets:
        raise MtorSimError(
            f"model {model.name!r} has no genotype presets: use `parameters=` or "
            "`knockouts=`, or describe its genotypes in a <model>.catalogue.toml beside "
            "the model file (see models/catalogue.toml)"
        )
    for g in genos:
        check_name(g, presets, kind="genotype")
    drug_map = _as_mapping(drugs, name="drugs")
    for d, dose in drug_map.items():
        check_name(d, DRUGS, kind="drug")
        if d not in model.drugs:
            raise MtorSimError(
                f"drug {d!r} has no target in model {model.name!r}; pass "
                "`targets=` to load_model to map drug target sites to parameters "
                "(`--target SITE=PARAM` on the command line)"
            )
        drug_map[d] = check_nonnegative(dose, name=f"drugs[{d!r}] (dose, nM)")
        _warn_unmapped_sites(model, d)
    kos = [knockout_name(model, k) for k in _as_list(knockouts, name="knockouts")]
    _warn_evented_knockouts(model, kos)
    aliases = model._aliases()  # SBML names -> ids
    cuts = [
        check_name(c, model._layout.interactions, kind="interaction", aliases=aliases)
        for c in _as_list(cut, name="cut")
    ]
    params = _by_id(
        _as_mapping(parameters, name="parameters"),
        lambda p: check_name(p, model._layout.parameters, kind="parameter", aliases=aliases),
        name="parameters",
    )
    for p, v in params.items():
        params[p] = check_nonnegative(v, name=f"parameters[{p!r}]")
    if params:
        check_volume_parameters(model, params)
    ins = _by_id(
        _as_mapping(inputs, name="inputs"),
        lambda k: aliases.get(k, k) if k not in model._layout.inputs else k,
        name="inputs",
    )
    for k, v in ins.items():
        if k not in model.inputs and (why := _why_not_an_input(model, k)):
            raise UnknownNameError(why)
        check_name(k, model.inputs, kind="input", aliases=aliases)
        ins[k] = check_nonnegative(v, name=f"inputs[{k!r}]")
    _refuse_given_two_ways(model, drug_map, params, ins)
    return Perturbation(
        tuple(dict.fromkeys(genos)),
        tuple(sorted(drug_map.items())),
        tuple(dict.fromkeys(kos)),
        tuple(dict.fromkeys(cuts)),
        tuple(sorted(params.items())),
        tuple(sorted(ins.items())),
    )


def _by_id(
    given: Mapping[str, float], to_id: Callable[[str], str], *, name: str
) -> dict[str, float]:
    """``given`` with each name replaced by its id (``to_id``), refusing two names of one
    id (an id and its SBML name): one of their values would be dropped in silence."""
    out: dict[str, float] = {}
    named: dict[str, str] = {}
    for key, value in given.items():
        ident = to_id(key)
        if ident in named:
            raise ValueError(
                f"`{name}` gives {ident!r} twice, as {named[ident]!r} and {key!r} (an id "
                "and its SBML name mean one quantity), and one would be ignored: give it once"
            )
        named[ident] = key
        out[ident] = value
    return out


#: The perturbation keywords every verb accepts, with one meaning.
PERTURBATION_KEYWORDS = ("genotype", "drugs", "knockouts", "cut", "parameters", "inputs")
#: Keywords the verbs take besides the six of a perturbation, offered as close matches.
_VERB_KEYWORDS = (
    "readouts",
    "time",
    "ensemble",
    "n_members",
    "run",
    "backend",
    "n_workers",
    "scheduler",
    "out",
    "progress",
    "chunk_size",
    "resume",
)


def _refuse_unknown_keywords(unknown: Mapping[str, Any]) -> None:
    import difflib

    known = (*PERTURBATION_KEYWORDS, *_VERB_KEYWORDS)
    name = next(iter(unknown))
    if name in known:  # an option of other verbs, not of this one
        raise TypeError(
            f"unexpected keyword argument {name!r}: this verb does not take it (see its "
            f"documentation). The perturbation keywords are {', '.join(PERTURBATION_KEYWORDS)}"
        )
    close = difflib.get_close_matches(name, known, n=1, cutoff=0.5)
    raise TypeError(
        f"unexpected keyword argument {name!r}"
        + (f"; did you mean {close[0]!r}?" if close else "")
        + f" The perturbation keywords are {', '.join(PERTURBATION_KEYWORDS)}; batch verbs "
        "also take readouts, ensemble, n_members and where they run (run, backend, "
        "n_workers, scheduler, out, progress)"
    )


def _refuse_given_two_ways(
    model: Model,
    drugs: Mapping[str, float],
    params: Mapping[str, float],
    ins: Mapping[str, float],
) -> None:
    """A value given two ways (an input also as a parameter, a drug's dose parameter also
    as a drug) would silently lose one of them: inputs and drugs are applied last."""
    dose_of = model._layout.drug_parameters
    clashes = [f"{k!r} in both `parameters` and `inputs`" for k in ins if k in params] + [
        f"{dose_of[d]!r} in `parameters` and as the dose of drug {d!r} in `drugs`"
        for d in drugs
        if dose_of.get(d) in params
    ]
    if clashes:
        raise ValueError(
            f"a value is given twice, and one would be ignored: {'; '.join(clashes)}; give it once"
        )


def _warn_evented_knockouts(model: Model, kos: Iterable[str]) -> None:
    """Warn when an event of the model assigns a knocked-out species: the event puts it
    back (a dose at t = 5, say), so the run is no longer of cells without it. A clamped
    species is held at zero whatever the events (`mtor_sim._export.clamp_species`)."""
    targets = model._facts().event_targets
    if not targets or model.is_bundled:
        return
    hit = sorted(
        {
            sid
            for k in kos
            if not k.endswith(CLAMP_SUFFIX)
            for sid in model.knockout_forms(k).species  # every form the knockout removes
            if sid in targets
        }
    )
    if hit:
        import warnings

        warnings.warn(
            f"an event of the model assigns {', '.join(hit)}, knocked out here: when it "
            "fires it sets the species again, so the knockout holds only until then",
            RuntimeWarning,
            stacklevel=3,
        )


def knockout_key(species: str) -> str:
    """The key of `resolve`'s values that starts floating ``species`` at zero: its initial
    value, set on the compiled model without the slow rewrite of an ``init(...)``."""
    return f"ko({species})"


def knockout_label(knockout: str) -> str:
    """``"AKT KO"``, or ``"S6K KO (clamped)"`` for a knockout that clamps one species."""
    if knockout.endswith(CLAMP_SUFFIX):
        return f"{knockout[: -len(CLAMP_SUFFIX)]} KO (clamped)"
    return f"{knockout} KO"


def knockout_name(model: Model, name: str, mode: str = "remove") -> str:
    """The canonical form of a knockout: the node id, with `CLAMP_SUFFIX` when it clamps
    one species (``mode="clamp"``, or the name given as ``"S6K:clamp"``)."""
    if name.endswith(CLAMP_SUFFIX):
        node, mode = name[: -len(CLAMP_SUFFIX)], "clamp"
    else:
        node = name
        head, sep, how = name.partition(":")
        if sep and head and name not in model._layout.nodes:
            try:
                head = _node_id(model, head)
            except UnknownNameError:
                pass  # not a node either: the unknown-node error below says so
            else:
                raise UnknownNameError(
                    f"knockout {name!r}: unknown mode {how!r} after ':'; write {head!r} "
                    f"to remove the protein in all its forms, or '{head}:clamp' to clamp "
                    "that one species at zero"
                )
    node = _node_id(model, node)
    if mode == "remove":
        return node
    if model.is_bundled:
        raise MtorSimError(
            f"knockout {name!r}: the bundled model's nodes are proteins whose total "
            "amount (or synthesis) a knockout sets to zero, which removes every form "
            "at once; there is no single species to clamp. Write "
            f"{node!r} (or use `knockout_mode='remove'`)"
        )
    return node + CLAMP_SUFFIX


def _node_id(model: Model, name: str) -> str:
    """A node id from its id, its SBML name (other models), or a gene or protein name of
    the model's catalogue (``node_aliases``; the bundled model's: `mtor_sim.NODE_ALIASES`),
    case-insensitive."""
    if name in model.nodes:
        return name
    alias = model._layout.species_names.get(name)
    if alias is not None:  # a species' SBML name: a node, or one a rule sets
        if alias in model._layout.nodes:
            return alias
        if why := _why_not_a_node(model, alias):
            raise UnknownNameError(f"{name!r} is the SBML name of species {alias!r}: {why}")
    cat = model.catalogue
    sbml_names = model._aliases()
    if not cat.node_aliases:
        if name not in sbml_names and name.lower() in cat.ambiguous_nodes:
            _refuse_ambiguous(name, cat.ambiguous_nodes[name.lower()])
        if name not in sbml_names and (why := _why_not_a_node(model, name)):
            raise UnknownNameError(why)
        return check_name(name, model._layout.nodes, kind="node", aliases=sbml_names)
    if name in sbml_names and sbml_names[name] in model.nodes:  # an SBML name
        return sbml_names[name]
    NODE_ALIASES, AMBIGUOUS_NODES = cat.node_aliases, cat.ambiguous_nodes  # noqa: N806
    key = name.lower()
    same_case = [n for n in model.nodes if n.lower() == key]
    if len(same_case) > 1:  # ids differ in case only (`Akt`, `AKT`): not ours to choose
        both = " or ".join(map(repr, same_case))
        raise UnknownNameError(f"{name!r} matches more than one node but for case: write {both}")
    if same_case:
        return same_case[0]
    if key in NODE_ALIASES and NODE_ALIASES[key] in model.nodes:
        return NODE_ALIASES[key]
    if key in AMBIGUOUS_NODES:
        _refuse_ambiguous(name, AMBIGUOUS_NODES[key])
    import difflib

    close = difflib.get_close_matches(
        key, [*(n.lower() for n in model.nodes), *NODE_ALIASES], n=1, cutoff=0.6
    )
    hint = "."
    if close:
        node = NODE_ALIASES.get(close[0]) or next(n for n in model.nodes if n.lower() == close[0])
        hint = (
            f"; did you mean {node!r}?"
            if close[0] == node.lower()
            else f"; did you mean {close[0]!r} ({node})?"
        )
    examples: dict[str, str] = {}  # one alias per node, the first three nodes
    for alias, node in NODE_ALIASES.items():
        if len(examples) < 3 and node in model.nodes and node not in examples.values():
            examples[alias.upper()] = node
    *first, last = examples or {"": ""}
    shown = f"{', '.join(first)} or {last}" if first else last
    raise UnknownNameError(
        f"unknown node {name!r}{hint} Valid nodes: "
        f"{', '.join(sorted(model.nodes))}; gene and protein names "
        + (f"such as {shown} " if shown else "")
        + "work too (`model.catalogue.node_aliases`)"
    )


def _refuse_ambiguous(name: str, nodes: Iterable[str]) -> None:
    """Refuse ``name``, which the catalogue's ``[ambiguous_nodes]`` says means ``nodes``."""
    both = " or ".join(repr(n) for n in nodes)
    raise UnknownNameError(f"{name!r} is in more than one node: knock out {both} (or both)")


def check_volume_parameters(model: Model, names: Iterable[str]) -> None:
    """Refuse a parameter among ``names`` that libroadrunner reads only when it compiles
    the model: one that sets a compartment's size through an initial assignment
    (``C = V0``) or an assignment rule (``C := V0``), where the compartment would keep its
    compiled size (under a rule its species would keep their compiled amounts, so not the
    file's concentrations), or one that a reaction's stoichiometry reads, which would
    keep its compiled value. Either is a wrong result with status ok."""
    sized = sorted(model._facts().volume_parameters.intersection(names))
    if sized:
        raise MtorSimError(
            f"{', '.join(map(repr, sized))} sets a compartment's size (through an initial "
            "assignment or a rule) or a reaction's stoichiometry, which libroadrunner "
            "works out when it compiles the model: the compartment, its species' initial "
            "concentrations or the stoichiometry would not follow. Change the value in the "
            "model file (and load it again) instead."
        )


def apply_genotypes(
    model: Model, genotypes: Iterable[str], values: dict[str, float], base: Mapping[str, float]
) -> None:
    """Apply genotype presets to ``values`` in order: ``scale`` multiplies a parameter's
    value so far (``values``, else ``base``), ``set`` replaces it."""
    presets = model.catalogue.genotypes
    for g in genotypes:
        check_name(g, presets, kind="genotype")
        for p, factor in presets[g].scale:
            values[p] = values.get(p, base[p]) * factor
        for p, v in presets[g].set:
            values[p] = v


def resolve(model: Model, pert: Perturbation) -> tuple[dict[str, float], frozenset[str]]:
    """Model values to set, and species to clamp at zero, for ``pert``.

    Keys are parameter ids, ``init(...)`` selections (inputs), ``ko(S)`` (`knockout_key`:
    a species a knockout starts at zero) and ``zero(S)`` (the same for a species that an
    initial assignment sets, zeroed after the reset).

    Order: genotype presets, explicit parameters, inputs, knockouts, cuts, drugs; a
    later step overrides an earlier one on the same parameter.
    """
    layout = model._layout
    base = layout.parameters
    values: dict[str, float] = {}

    def current(p: str) -> float:
        return values.get(p, base[p])

    apply_genotypes(model, pert.genotype, values, base)
    values.update(pert.parameters)
    for k, v in pert.inputs:
        values[layout.inputs[k]] = v
    clamped = set(clamped_species(model, pert))  # the old behaviour of SBML models, by name
    for node in pert.knockouts:
        if node.endswith(CLAMP_SUFFIX):
            continue
        if not layout.clamp_knockouts:  # the bundled model: totals and synthesis to 0
            for p in layout.nodes[node]:
                values[p] = 0.0
        else:  # SBML models: every form at zero from the start, synthesis off
            forms = model.knockout_forms(node)
            for sp in forms.species:
                if sp in forms.assigned:  # an initial assignment sets it: zero after
                    values[f"zero({sp})"] = 0.0
                elif sp in layout.inputs:
                    values[knockout_key(sp)] = 0.0  # the engine's fast path (no rewrite)
                else:  # pragma: no cover - forms are species no rule sets
                    clamped.add(sp)
            for rxn in forms.synthesis:
                for p in layout.interactions.get(rxn, ()):
                    values[p] = 0.0
    for sp in clamped:  # held at zero: its input would set the constant to that value
        values.pop(layout.inputs.get(sp, ""), None)
    for link in pert.cut:
        for p in layout.interactions[link]:
            values[p] = 0.0
    doses = dict(pert.drugs)
    if layout.drug_parameters:
        for d, dose in doses.items():
            values[layout.drug_parameters[d]] = dose
    elif doses:
        for p, factor in drug_scaling(model, doses).items():
            values[p] = current(p) * factor
    return values, frozenset(clamped)


def clamped_species(model: Model, pert: Perturbation) -> frozenset[str]:
    """The species that ``pert``'s clamping knockouts (``"S:clamp"``) hold at zero for
    the whole run: no input, at the start or stepped at t = 0, sets them."""
    nodes = model._layout.nodes
    return frozenset(
        sp
        for node in pert.knockouts
        if node.endswith(CLAMP_SUFFIX)
        for sp in nodes[node[: -len(CLAMP_SUFFIX)]]
    )


def drug_scaling(model: Model, doses: Mapping[str, float]) -> dict[str, float]:
    """On an SBML model with ``targets``: the factor by which ``doses`` scale each target
    parameter, ``1 - occupancy`` of its site (the bundled catalogue's drugs, mapped by
    `targets`), multiplied over the sites it is listed under."""
    factors: dict[str, float] = {}
    for site, params in model._targets.items():
        occ = occupancy(site, doses)
        for p in params:
            factors[p] = factors.get(p, 1.0) * (1.0 - occ)
    return factors
