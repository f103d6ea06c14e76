"""Drug potencies as exposure reaches cells: a potency measured in serum-containing
culture medium, expressed as an unbound one for an unbound plasma concentration (an
`OralPK` plan's). Used by `trial`'s exposure-driven arms and by time courses dosed by
oral plans (`simulate(schedule=...)`), so both act with the same potencies."""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import replace

import pandas as pd

from ._catalogue import Catalogue, Drug
from ._errors import check_share
from ._schedule import OralPK

__all__ = ["POTENCY_COLUMNS", "medium_unbound_fraction", "oral_potencies"]


def medium_unbound_fraction(fraction_unbound: float, serum_fraction: float) -> float:
    """A drug's unbound fraction in culture medium holding ``serum_fraction`` serum, from
    its unbound fraction in plasma: ``1 / (1 + serum_fraction (1 - fu) / fu)``.

    This holds when the bound-to-unbound ratio is proportional to the protein
    concentration (binding far from saturation) and the medium's serum binds the drug as
    human plasma does; both are assumptions (``[culture]`` of the bundled catalogue).

    >>> round(medium_unbound_fraction(0.003, 0.10), 4)  # sorafenib, 99.7 % bound
    0.0292
    """
    fu = float(fraction_unbound)
    if not 0.0 < fu <= 1.0:
        raise ValueError(f"fraction_unbound must be in (0, 1], got {fu:g}")
    s = check_share(serum_fraction, name="serum_fraction")
    return 1.0 / (1.0 + s * (1.0 - fu) / fu)


#: Columns of `unbound_potencies` (also of its empty table, for a model without drugs).
POTENCY_COLUMNS = (
    "drug",
    "site",
    "parameter",
    "basis",
    "potency_nM",
    "fraction_unbound",
    "medium_unbound_fraction",
    "unbound_potency_nM",
    "converted",
)


def _potency_table(
    cat: Catalogue,
    serum_fraction: float | None = None,
    fraction_unbound: Mapping[str, float] | None = None,
    parameters: Mapping[str, float] | None = None,
) -> pd.DataFrame:
    serum = cat.culture.get("serum_fraction") if serum_fraction is None else serum_fraction
    rows = []
    for name, drug in cat.drugs.items():
        fu = (fraction_unbound or {}).get(name, drug.oral_pk.get("fraction_unbound"))
        for site, potency in drug.targets:
            parameter = drug.potency_parameters.get(site, "")
            if parameters is not None and parameter in parameters:
                potency = float(parameters[parameter])
            basis = drug.potency_basis.get(site, "unstated")
            fm = math.nan
            if basis == "culture" and fu is not None and serum is not None:
                fm = medium_unbound_fraction(float(fu), float(serum))
            converted = not math.isnan(fm)
            rows.append(
                {
                    "drug": name,
                    "site": site,
                    "parameter": parameter,
                    "basis": basis,
                    "potency_nM": potency,
                    "fraction_unbound": math.nan if fu is None else float(fu),
                    "medium_unbound_fraction": fm,
                    "unbound_potency_nM": potency * fm if converted else potency,
                    "converted": converted,
                }
            )
    return pd.DataFrame(rows, columns=list(POTENCY_COLUMNS))


def _unbound(
    cat: Catalogue,
    serum_fraction: float | None = None,
    fraction_unbound: Mapping[str, float] | None = None,
    parameters: Mapping[str, float] | None = None,
) -> tuple[dict[str, Drug], dict[str, float]]:
    """The catalogue's drugs with their unbound potencies (`unbound_potencies`), and the
    model parameters that carry the converted ones."""
    table = _potency_table(cat, serum_fraction, fraction_unbound, parameters)
    drugs = {}
    for name, drug in cat.drugs.items():
        rows = table[table["drug"] == name]
        potencies = map(float, rows["unbound_potency_nM"])
        drugs[name] = replace(drug, targets=tuple(zip(rows["site"], potencies, strict=True)))
    moved = table[table["converted"] & (table["parameter"] != "")]
    return drugs, dict(
        zip(moved["parameter"], map(float, moved["unbound_potency_nM"]), strict=True)
    )


def oral_potencies(
    cat: Catalogue,
    plans: Mapping[str, OralPK],
    parameters: Mapping[str, float],
    serum_fraction: float | None = None,
) -> tuple[dict[str, Drug], dict[str, float]]:
    """How drugs dosed by ``plans`` act on cells: their unbound plasma concentration (what
    an `OralPK` plan gives) with unbound potencies (`unbound_potencies`, each plan's own
    plasma binding). The catalogue's drugs with their unbound potencies, and the model
    parameters (of ``plans``' drugs only; their values converted from ``parameters``,
    the potencies in force) that carry the converted ones."""
    potencies, moved = _unbound(cat, serum_fraction, _fractions(plans), parameters)
    mine = {q for d in plans for q in cat.drugs[d].potency_parameters.values()}
    return potencies, {q: k for q, k in moved.items() if q in mine}


def _fractions(plans: Mapping[str, OralPK]) -> dict[str, float]:
    """Each dosed drug's plasma unbound fraction, as its schedule gives it."""
    return {d: plan.fraction_unbound for d, plan in plans.items()}
