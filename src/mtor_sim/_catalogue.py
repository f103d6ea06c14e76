"""The catalogue of a model: genotype presets, drugs and their target sites, regimens,
node aliases and the review's clinical numbers.

The bundled model's catalogue is data, ``models/catalogue.toml``; drug potencies are read
from the model parameters it names (``K_*`` in ``models/mtor_hcc.ant``), so each number
lives once. A user's model can carry a ``<model>.catalogue.toml`` beside its file
(`load_catalogue`), read through `Model.catalogue`.
"""

from __future__ import annotations

import re
import tomllib
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path
from typing import Any

from ._errors import check_name, check_share

__all__ = [
    "Catalogue",
    "Genotype",
    "Drug",
    "load_catalogue",
    "GENOTYPES",
    "DRUGS",
    "TARGET_SITES",
    "REGIMENS",
    "NODE_ALIASES",
    "AMBIGUOUS_NODES",
    "REVIEW_ORR",
    "REVIEW_ORR_BY_PMTOR",
    "occupancy",
]

CATALOGUE_FILE = "catalogue.toml"


class FrozenMap(Mapping[str, Any]):
    """A read-only mapping that pickles and deep-copies (a ``MappingProxyType`` does
    neither), so catalogue entries travel to worker processes."""

    __slots__ = ("_data",)
    _data: dict[str, Any]

    def __init__(self, data: Mapping[str, Any] | None = None) -> None:
        object.__setattr__(self, "_data", dict(data or {}))

    def __getitem__(self, key: str) -> Any:
        try:
            return self._data[key]
        except KeyError:  # a KeyError naming the entries and the closest one
            check_name(key, self._data, kind="name")
            raise

    def __contains__(self, key: object) -> bool:  # not through __getitem__'s message
        return key in self._data

    def get(self, key: str, default: Any = None) -> Any:
        return self._data.get(key, default)

    def __iter__(self) -> Iterator[str]:
        return iter(self._data)

    def __len__(self) -> int:
        return len(self._data)

    def __repr__(self) -> str:
        return f"FrozenMap({self._data!r})"

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Mapping) and dict(self.items()) == dict(other.items())

    def __hash__(self) -> int:
        return hash(tuple(self._data))

    def __setattr__(self, name: str, value: Any) -> None:
        raise AttributeError("a FrozenMap is read-only")

    def __reduce__(self) -> tuple[Any, ...]:
        return (FrozenMap, (self._data,))


@dataclass(frozen=True)
class Genotype:
    """A genotype preset: parameter changes applied on top of the wild type.

    ``scale`` multiplies a parameter, ``set`` replaces it. Presets combine by applying
    their changes in order (scales multiply).
    """

    name: str
    description: str
    scale: tuple[tuple[str, float], ...] = ()
    set: tuple[tuple[str, float], ...] = ()
    source: str = ""

    def __str__(self) -> str:
        return self.description


@dataclass(frozen=True)
class Drug:
    """A drug of the catalogue.

    ``targets`` maps a target site (see `TARGET_SITES`) to the drug's potency there:
    the concentration (nM) giving half-maximal occupancy in cells. Occupancy follows
    single-site binding, ``C / (C + K)``; drugs on one site compete.
    """

    name: str
    drug_class: str
    targets: tuple[tuple[str, float], ...]
    description: str
    source: str
    typical_dose_nM: float = field(default=0.0)
    #: Published oral PK for `Schedule.oral` (`OralPK` fields with a ``source``), if any.
    oral_pk: Mapping[str, Any] = field(default_factory=lambda: FrozenMap(), compare=False)
    #: How each site's potency was measured: ``"culture"`` (a nominal concentration in
    #: serum-containing medium) or ``"biochemical"`` (no serum); sites not listed: unstated.
    potency_basis: Mapping[str, str] = field(default_factory=lambda: FrozenMap(), compare=False)
    #: The model parameter holding each site's potency, where the catalogue names one.
    potency_parameters: Mapping[str, str] = field(
        default_factory=lambda: FrozenMap(), compare=False
    )

    def __str__(self) -> str:
        return self.description

    @property
    def dose_parameter(self) -> str:
        """Name of the model parameter holding this drug's concentration (nM)."""
        return f"dose_{self.name}"


@dataclass(frozen=True)
class Catalogue:
    """What a model offers beyond its equations, read-only: genotype presets, drugs (with
    their target sites and potencies), the target sites, named regimens, gene and protein
    names of its nodes, and published clinical numbers to show beside simulated ones.

    Examples
    --------
    >>> import mtor_sim as ms
    >>> cat = ms.load_model().catalogue
    >>> cat.genotypes["PTEN_loss"].scale
    (('PTEN_total', 0.1),)
    >>> dict(cat.drugs["everolimus"].targets)
    {'mTORC1_FRB': 1.6}
    """

    genotypes: Mapping[str, Genotype] = field(default_factory=lambda: FrozenMap())
    drugs: Mapping[str, Drug] = field(default_factory=lambda: FrozenMap())
    target_sites: Mapping[str, str] = field(default_factory=lambda: FrozenMap())
    regimens: Mapping[str, Mapping[str, float]] = field(default_factory=lambda: FrozenMap())
    node_aliases: Mapping[str, str] = field(default_factory=lambda: FrozenMap())
    ambiguous_nodes: Mapping[str, tuple[str, ...]] = field(default_factory=lambda: FrozenMap())
    review: Mapping[str, Mapping[str, Any]] = field(default_factory=lambda: FrozenMap())
    cohort: Mapping[str, Any] = field(default_factory=lambda: FrozenMap())
    #: Solver hints (``warm_start``: Newton from the verified reference state first).
    solver: Mapping[str, Any] = field(default_factory=lambda: FrozenMap())
    #: What a verb uses when not told: ``readout`` (dose-responses, combinations,
    #: sensitivities) and ``genotype`` (the reference a dose-response is drawn for).
    defaults: Mapping[str, str] = field(default_factory=lambda: FrozenMap())
    #: Each regimen's dose schedule: regimen -> drug -> `OralPK` fields that override the
    #: drug's ``oral_pk`` (dose, interval, route...), for exposure-driven trial arms.
    dosing: Mapping[str, Mapping[str, Mapping[str, Any]]] = field(
        default_factory=lambda: FrozenMap()
    )
    #: The virtual trial's tumour-growth layer (doubling time, spreads, turnover...).
    tumour: Mapping[str, Any] = field(default_factory=lambda: FrozenMap())
    #: The cell-culture assays behind ``"culture"`` potencies (``serum_fraction``), used to
    #: express them as unbound concentrations for exposure in patients.
    culture: Mapping[str, Any] = field(default_factory=lambda: FrozenMap())
    #: Bounds a parameter's meaning sets: name -> (lower, upper), either may be None (a
    #: fraction of a maximum is at most 1, a speed-up factor at least 1). Sobol's default
    #: ranges stay within them; `Model.parameter_info` shows them.
    limits: Mapping[str, tuple[float | None, float | None]] = field(
        default_factory=lambda: FrozenMap()
    )
    source: str = ""

    def __repr__(self) -> str:
        return (
            f"<Catalogue {self.source or '(empty)'}: {len(self.genotypes)} genotypes, "
            f"{len(self.drugs)} drugs, {len(self.regimens)} regimens>"
        )


def _frozen(d: Mapping[str, Any]) -> Mapping[str, Any]:
    return FrozenMap(d)


def _deep_frozen(value: Any) -> Any:
    if isinstance(value, Mapping):
        return FrozenMap({k: _deep_frozen(v) for k, v in value.items()})
    if isinstance(value, list):
        return tuple(_deep_frozen(v) for v in value)
    return value


def _number(value: Any, where: str) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise ValueError(f"{where}: expected a number, got {value!r}")
    return float(value)


#: How a potency was measured (`Drug.potency_basis`).
POTENCY_BASES = frozenset({"culture", "biochemical"})

#: Sections of the bundled model's catalogue.
SECTIONS = frozenset(
    {
        "target_sites",
        "genotypes",
        "drugs",
        "regimens",
        "node_aliases",
        "ambiguous_nodes",
        "review",
        "cohort",
        "solver",
        "defaults",
        "dosing",
        "tumour",
        "culture",
        "limits",
    }
)
#: Sections a user's model may carry beside it. Drugs act on another model through the
#: bundled catalogue's target sites, mapped with ``load_model(..., targets=...)``.
USER_SECTIONS = frozenset(
    {"genotypes", "node_aliases", "ambiguous_nodes", "solver", "defaults", "limits"}
)


def load_catalogue(
    path: str | Path,
    parameters: Mapping[str, float] | None = None,
    *,
    source: str = "",
    sections: frozenset[str] = USER_SECTIONS,
) -> Catalogue:
    """Read a user model's catalogue file (TOML, the format of ``models/catalogue.toml``):
    its ``genotypes`` (``scale``/``set`` of the model's ``parameters``), ``node_aliases``,
    ``ambiguous_nodes``, ``solver`` hints, ``defaults`` (``readout``, ``genotype``) and
    ``limits`` (the bounds a parameter's meaning sets: ``{lower = ..., upper = ...}``).
    A syntax error, an unknown section, a
    parameter the model lacks or a value of the wrong type is a ``ValueError`` naming the
    file and the entry.
    """
    source = source or str(path)
    try:
        doc = tomllib.loads(Path(path).read_text(encoding="utf-8"))
    except tomllib.TOMLDecodeError as exc:
        raise ValueError(f"{source}: not valid TOML: {exc}") from None
    return _parse(doc, parameters or {}, source=source, sections=sections)


def _table(value: Any, where: str) -> Mapping[str, Any]:
    if not isinstance(value, Mapping):
        raise ValueError(f"{where}: expected a table, got {value!r}")
    return value


#: The keys a genotype preset and a drug may carry: any other (``scales`` for ``scale``)
#: would be ignored, leaving a preset that changes nothing or a drug without its targets.
GENOTYPE_KEYS = frozenset({"description", "source", "scale", "set"})
DRUG_KEYS = frozenset(
    {"class", "description", "source", "typical_dose_nM", "targets", "potency_basis", "oral_pk"}
)


def _known_keys(entry: Mapping[str, Any], known: frozenset[str], where: str) -> None:
    import difflib

    for key in sorted(set(entry) - known):
        close = difflib.get_close_matches(key, known, n=1)
        hint = f"; did you mean {close[0]!r}?" if close else "."
        raise ValueError(f"{where}: unknown key {key!r}{hint} Known: {sorted(known)}")


def _parse(
    doc: dict[str, Any],
    parameters: Mapping[str, float],
    *,
    source: str,
    sections: frozenset[str] = SECTIONS,
) -> Catalogue:
    unknown = set(doc) - sections
    if unknown:
        raise ValueError(
            f"{source}: unknown section(s) {sorted(unknown)}; known: {sorted(sections)}"
        )
    for name in doc:
        _table(doc[name], f"{source}: [{name}]")
    genotypes = {}
    for name, g in doc.get("genotypes", {}).items():
        where = f"{source}: genotypes.{name}"
        g = _table(g, where)
        _known_keys(g, GENOTYPE_KEYS, where)
        for part in ("scale", "set"):
            for p in _table(g.get(part, {}), f"{where}.{part}"):
                if parameters and p not in parameters:
                    raise ValueError(f"{where}.{part}: the model has no parameter {p!r}")
        genotypes[name] = Genotype(
            name,
            str(g.get("description") or name),
            scale=tuple(
                (p, _number(v, f"{where}.scale.{p}")) for p, v in g.get("scale", {}).items()
            ),
            set=tuple((p, _number(v, f"{where}.set.{p}")) for p, v in g.get("set", {}).items()),
            source=str(g.get("source", "")),
        )
    drugs = {}
    measured: dict[str, tuple[str, str]] = {}  # potency parameter -> (basis, where)
    for name, d in doc.get("drugs", {}).items():
        where = f"{source}: drugs.{name}"
        d = _table(d, where)
        _known_keys(d, DRUG_KEYS, where)
        targets = []
        named = {}
        for site, potency in _table(d.get("targets", {}), f"{where}.targets").items():
            if isinstance(potency, str):
                if potency not in parameters:
                    raise ValueError(f"{where}.targets.{site}: no model parameter {potency!r}")
                named[site] = potency
                potency = parameters[potency]
            targets.append((site, _number(potency, f"{where}.targets.{site}")))
        basis = dict(_table(d.get("potency_basis", {}), f"{where}.potency_basis"))
        for site, kind in basis.items():
            if site not in dict(targets):
                raise ValueError(f"{where}.potency_basis.{site}: not a target of the drug")
            if kind not in POTENCY_BASES:
                raise ValueError(
                    f"{where}.potency_basis.{site}: expected one of {sorted(POTENCY_BASES)}, "
                    f"got {kind!r}"
                )
            if site in named:  # one parameter, one way of measuring it
                seen = measured.setdefault(named[site], (kind, f"{where}.potency_basis.{site}"))
                if seen[0] != kind:
                    raise ValueError(
                        f"{where}.potency_basis.{site}: {kind!r}, but {seen[1]} says "
                        f"{seen[0]!r} for the same parameter {named[site]!r}"
                    )
        drugs[name] = Drug(
            name,
            str(d.get("class", "")),
            tuple(targets),
            str(d.get("description") or name),
            str(d.get("source", "")),
            _number(d.get("typical_dose_nM", 0.0), f"{where}.typical_dose_nM"),
            oral_pk=_frozen(d.get("oral_pk", {})),
            potency_basis=_frozen(basis),
            potency_parameters=_frozen(named),
        )
    regimens = {
        k: _frozen({drug: _number(c, f"{source}: regimens.{k}.{drug}") for drug, c in v.items()})
        for k, v in doc.get("regimens", {}).items()
    }
    review = {k: _deep_frozen(v) for k, v in doc.get("review", {}).items()}
    dosing = {}
    for regimen, plan in doc.get("dosing", {}).items():
        where = f"{source}: dosing.{regimen}"
        for drug, pk in _table(plan, where).items():
            if drugs and drug not in drugs:
                raise ValueError(f"{where}: unknown drug {drug!r}")
            _table(pk, f"{where}.{drug}")
        dosing[regimen] = _deep_frozen(plan)
    limits = _limits(doc.get("limits", {}), parameters, source)
    for g in genotypes.values():  # a preset may not carry a parameter past its limits
        values = {p: v * parameters[p] for p, v in g.scale if p in parameters} | dict(g.set)
        for p, v in values.items():
            low, high = limits.get(p, (None, None))
            if not within(v, low, high):
                raise ValueError(
                    f"{source}: genotypes.{g.name} takes {p} to {v!r}, outside its limits "
                    f"(lower {low}, upper {high})"
                )
    culture = _table(doc.get("culture", {}), f"{source}: [culture]")
    if "serum_fraction" in culture:
        where = f"{source}: culture.serum_fraction"
        check_share(_number(culture["serum_fraction"], where), name=where)
    return Catalogue(
        genotypes=_frozen(genotypes),
        drugs=_frozen(drugs),
        target_sites=_frozen(doc.get("target_sites", {})),
        regimens=_frozen(regimens),
        node_aliases=_frozen(_node_aliases(doc.get("node_aliases", {}), source)),
        ambiguous_nodes=_frozen(_ambiguous_nodes(doc.get("ambiguous_nodes", {}), source)),
        review=_frozen(review),
        cohort=_deep_frozen(doc.get("cohort", {})),
        solver=_frozen(_solver_hints(doc.get("solver", {}), source)),
        defaults=_frozen(_defaults(doc.get("defaults", {}), genotypes, source)),
        dosing=_frozen(dosing),
        tumour=_deep_frozen(doc.get("tumour", {})),
        culture=_deep_frozen(doc.get("culture", {})),
        limits=_frozen(limits),
        source=source,
    )


def _node_aliases(values: Mapping[str, Any], source: str) -> dict[str, str]:
    """``[node_aliases]``: a gene or protein name -> the node it means (lower-case keys)."""
    for alias, node in values.items():
        if not isinstance(node, str) or not node:
            raise ValueError(f"{source}: node_aliases.{alias}: expected a node name, got {node!r}")
    return {k.lower(): v for k, v in values.items()}


def _ambiguous_nodes(values: Mapping[str, Any], source: str) -> dict[str, tuple[str, ...]]:
    """``[ambiguous_nodes]``: a name -> the two or more nodes it could mean, as a list (a
    single string names one node, which is not ambiguous); lower-case keys, as names are
    matched in any case."""
    for name, nodes in values.items():
        if (
            not isinstance(nodes, list)
            or len(nodes) < 2
            or not all(isinstance(n, str) and n for n in nodes)
        ):
            raise ValueError(
                f"{source}: ambiguous_nodes.{name}: expected a list of two or more node "
                f"names, got {nodes!r}"
            )
    return {k.lower(): tuple(v) for k, v in values.items()}


def within(value: float, low: float | None, high: float | None) -> bool:
    """Whether ``value`` lies within the limits ``low`` and ``high`` (None: no limit)."""
    return (low is None or value >= low) and (high is None or value <= high)


def _limits(
    values: Mapping[str, Any], parameters: Mapping[str, float], source: str
) -> dict[str, tuple[float | None, float | None]]:
    """``[limits]``: parameter -> ``{lower = ..., upper = ...}`` (either may be left out),
    checked against the model's own value."""
    out: dict[str, tuple[float | None, float | None]] = {}
    for name, entry in values.items():
        where = f"{source}: limits.{name}"
        entry = _table(entry, where)
        unknown = set(entry) - {"lower", "upper"}
        if unknown or not entry:
            raise ValueError(f"{where}: expected `lower` and/or `upper`, got {dict(entry)!r}")
        if parameters and name not in parameters:
            raise ValueError(f"{where}: the model has no parameter {name!r}")
        low, high = (
            None if entry.get(k) is None else _number(entry[k], f"{where}.{k}")
            for k in ("lower", "upper")
        )
        if low is not None and high is not None and not low < high:
            raise ValueError(f"{where}: lower {low!r} is not below upper {high!r}")
        value = parameters.get(name)
        if value is not None and not within(value, low, high):
            raise ValueError(f"{where}: the model's value {value!r} lies outside {entry!r}")
        out[name] = (low, high)
    return out


def _defaults(
    values: Mapping[str, Any], genotypes: Mapping[str, Genotype], source: str
) -> dict[str, str]:
    known = ("readout", "genotype")
    for key, value in values.items():
        if key not in known:
            raise ValueError(f"{source}: unknown default {key!r}; known: {list(known)}")
        if not isinstance(value, str) or not value:
            raise ValueError(f"{source}: defaults.{key} must be a name, got {value!r}")
    genotype = values.get("genotype")
    if genotype is not None and genotype not in genotypes:
        raise ValueError(f"{source}: defaults.genotype {genotype!r} is not one of its genotypes")
    return dict(values)


def _solver_hints(hints: Mapping[str, Any], source: str) -> dict[str, Any]:
    known = {"warm_start": bool}
    for key, value in hints.items():
        if key not in known:
            raise ValueError(f"{source}: unknown solver hint {key!r}; known: {sorted(known)}")
        if not isinstance(value, known[key]):
            raise ValueError(f"{source}: solver.{key} must be true or false, got {value!r}")
    return dict(hints)


def _bundled_parameters() -> dict[str, float]:
    """Values of the bundled model's constant parameters, read from its SBML export (a
    light parse: no libsbml import when the package is imported)."""
    xml = resources.files("mtor_sim.models").joinpath("mtor_hcc.xml").read_text(encoding="utf-8")
    tags = re.finditer(r"<parameter\b[^>]*>", xml)
    out = {}
    for tag in tags:
        ident = re.search(r'\bid="([^"]+)"', tag.group(0))
        value = re.search(r'\bvalue="([^"]+)"', tag.group(0))
        if ident and value:
            out[ident.group(1)] = float(value.group(1))
    return out


def _bundled() -> Catalogue:
    path = resources.files("mtor_sim.models").joinpath(CATALOGUE_FILE)
    doc = tomllib.loads(path.read_text(encoding="utf-8"))
    return _parse(doc, _bundled_parameters(), source=f"models/{CATALOGUE_FILE}", sections=SECTIONS)


#: The bundled model's catalogue (``models/catalogue.toml``).
BUNDLED = _bundled()
GENOTYPES = BUNDLED.genotypes
DRUGS = BUNDLED.drugs
#: Target sites of the catalogue and what blocking them does in the bundled model.
TARGET_SITES = BUNDLED.target_sites
#: The review's regimens as constant concentrations (nM); see ``models/catalogue.toml``.
REGIMENS = BUNDLED.regimens
#: Gene and protein names of the bundled model's nodes (lower case keys).
NODE_ALIASES = BUNDLED.node_aliases
#: Names that mean more than one node of the bundled model: refused with the choice.
AMBIGUOUS_NODES = BUNDLED.ambiguous_nodes
#: What the review reports, to show beside the simulated numbers.
REVIEW_ORR = BUNDLED.review.get("objective_response_rate", FrozenMap())
#: The review's response rates by p-mTOR status, per regimen (high / low).
REVIEW_ORR_BY_PMTOR = BUNDLED.review.get("orr_by_pmtor", FrozenMap())


def default_readout(
    catalogue: Catalogue, readout: Any, *, verb: str, keyword: str = "readout"
) -> Any:
    """``readout`` as given, or the catalogue's default readout when it is None."""
    if readout is not None:
        return readout
    found = catalogue.defaults.get("readout")
    if found is None:
        raise TypeError(
            f"{verb}: give `{keyword}`; this model's catalogue names no default readout "
            "(a `[defaults] readout = ...` entry in its catalogue file)"
        )
    return found


def occupancy(
    site: str, doses: Mapping[str, float], drugs: Mapping[str, Drug] | None = None
) -> float:
    """Fractional occupancy (0..1) of a target site by the drugs in ``doses`` (nM).

    Drugs on the same site compete: ``x = sum(C_i / K_i)``, occupancy ``x / (1 + x)``,
    with each drug's potency ``K_i`` from ``drugs`` (a model's `Catalogue.drugs`; default
    the bundled catalogue's). Anything that modulates binding (the bundled model's FKBP12
    level for rapalogs) is in the model's own equations, not here.
    """
    table = DRUGS if drugs is None else drugs
    x = 0.0
    for name, dose in doses.items():
        for target, potency in table[name].targets:
            if target == site:
                x += dose / potency
    return x / (1.0 + x)
