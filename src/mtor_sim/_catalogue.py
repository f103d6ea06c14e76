"""Catalogues of the bundled model: genotypes (review's alterations) and drugs."""

from __future__ import annotations

from dataclasses import dataclass, field
from types import MappingProxyType

__all__ = [
    "Genotype",
    "Drug",
    "GENOTYPES",
    "DRUGS",
    "TARGET_SITES",
    "REGIMENS",
    "NODE_ALIASES",
    "AMBIGUOUS_NODES",
    "occupancy",
]


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

    def __str__(self) -> str:
        return self.description

    @property
    def dose_parameter(self) -> str:
        """Name of the model parameter holding this drug's concentration (nM)."""
        return f"dose_{self.name}"


#: Target sites of the catalogue and what blocking them does in the bundled model.
TARGET_SITES = MappingProxyType(
    {
        "mTORC1_FRB": "FKBP12-rapalog complex on the FRB domain of mTORC1 (allosteric, partial)",
        "mTORC1_ATP": "ATP site of mTOR in mTORC1 (complete kinase block)",
        "mTORC2_ATP": "ATP site of mTOR in mTORC2 (complete kinase block)",
        "PI3K": "ATP site of p110alpha (PIP3 synthesis)",
        "AKT": "allosteric Akt lock (no T308/S473 phosphorylation)",
        "RAF": "RAF kinase (MEK phosphorylation)",
        "FGFR": "FGFR share of receptor signalling",
        "VEGFR": "endothelial VEGFR2 (tumour-growth layer only)",
    }
)

_G = Genotype
GENOTYPES = MappingProxyType(
    {
        g.name: g
        for g in (
            _G("WT", "wild type: no alteration"),
            _G(
                "PTEN_loss",
                "PTEN loss: 90 % less PTEN lipid phosphatase (30-40 % of HCC)",
                scale=(("PTEN_total", 0.1),),
                source="review, Activation Mechanisms; Yang 2017 Oncol Rep",
            ),
            _G(
                "PIK3CA_gain",
                "PIK3CA gain of function (e.g. H1047R): 3x lipid-kinase activity, "
                "10x receptor-independent activity (8-12 % of HCC)",
                scale=(("PI3K_cat", 3.0), ("k_PI3K_basal", 10.0)),
                source="Samuels 2004 Science; Zhao & Vogt 2008 Oncogene",
            ),
            _G(
                "AKT_overexpression",
                "Akt overexpression: 3x Akt protein (25-35 % of HCC)",
                scale=(("AKT_total", 3.0),),
                source="review, Activation Mechanisms",
            ),
            _G(
                "mTORC2_high",
                "mTORC2 up-regulation (rictor overexpression): 3x mTORC2",
                scale=(("mTORC2_total", 3.0),),
                source="Villanueva 2008 Gastroenterology; review ref. 20",
            ),
            _G(
                "ERK_coactivation",
                "MAPK/ERK co-activation (30-35 % of HCC): RAS-independent RAF "
                "activity and 70 % less DUSP1 (MKP-1) ERK phosphatase",
                scale=(("k_ERK_dephos", 0.3),),
                set=(("k_RAF_basal", 1.0),),
                source=(
                    "review, Cross-talk with other pathways; "
                    "Calvisi 2008 J Clin Invest (DUSP1 loss)"
                ),
            ),
            _G(
                "RTK_high",
                "receptor tyrosine kinase overexpression (EGFR/FGFR/MET): 3x synthesis",
                scale=(("RTK_expr", 3.0),),
                source="review, Resistance mechanisms",
            ),
            _G(
                "BCAT_active",
                "beta-catenin activation (CTNNB1 exon-3 mutation): 10x slower degradation",
                scale=(("kdeg_BCAT", 0.1),),
                source="review, Cross-talk (Wnt/beta-catenin)",
            ),
        )
    }
)

_D = Drug
DRUGS = MappingProxyType(
    {
        d.name: d
        for d in (
            _D(
                "sirolimus",
                "rapalog",
                (("mTORC1_FRB", 0.5),),
                "sirolimus (rapamycin): allosteric mTORC1 inhibitor via FKBP12",
                "Bierer 1990 PNAS; Choo 2008 PNAS",
                10.0,
            ),
            _D(
                "everolimus",
                "rapalog",
                (("mTORC1_FRB", 1.6),),
                "everolimus (RAD001): allosteric mTORC1 inhibitor via FKBP12",
                "Schuler 1997 Transplantation; Beuvink 2005 Cell",
                10.0,
            ),
            _D(
                "temsirolimus",
                "rapalog",
                (("mTORC1_FRB", 1.2),),
                "temsirolimus (CCI-779): sirolimus ester, allosteric mTORC1 inhibitor via FKBP12",
                "Dudkin 2001 Clin Cancer Res",
                10.0,
            ),
            _D(
                "vistusertib",
                "dual mTORC1/2 kinase inhibitor",
                (("mTORC1_ATP", 210.0), ("mTORC2_ATP", 78.0)),
                "vistusertib (AZD2014): ATP-competitive mTOR kinase inhibitor",
                "Pike 2013 Bioorg Med Chem Lett",
                1000.0,
            ),
            _D(
                "AZD8055",
                "dual mTORC1/2 kinase inhibitor",
                (("mTORC1_ATP", 27.0), ("mTORC2_ATP", 24.0)),
                "AZD8055: ATP-competitive mTOR kinase inhibitor",
                "Chresta 2010 Cancer Res",
                250.0,
            ),
            _D(
                "torin1",
                "dual mTORC1/2 kinase inhibitor",
                (("mTORC1_ATP", 2.0), ("mTORC2_ATP", 10.0)),
                "Torin1: ATP-competitive mTOR kinase inhibitor",
                "Thoreen 2009 J Biol Chem",
                250.0,
            ),
            _D(
                "dactolisib",
                "dual PI3K/mTOR inhibitor",
                (("PI3K", 4.0), ("mTORC1_ATP", 20.7), ("mTORC2_ATP", 20.7)),
                "dactolisib (NVP-BEZ235): ATP-competitive PI3K and mTOR inhibitor",
                "Maira 2008 Mol Cancer Ther",
                500.0,
            ),
            _D(
                "alpelisib",
                "PI3K inhibitor",
                (("PI3K", 5.0),),
                "alpelisib (BYL719): p110alpha-selective PI3K inhibitor",
                "Fritsch 2014 Mol Cancer Ther",
                1000.0,
            ),
            _D(
                "MK2206",
                "Akt inhibitor",
                (("AKT", 12.0),),
                "MK-2206: allosteric pan-Akt inhibitor",
                "Hirai 2010 Mol Cancer Ther",
                1000.0,
            ),
            _D(
                "sorafenib",
                "multikinase inhibitor",
                (("RAF", 1000.0), ("VEGFR", 90.0)),
                "sorafenib: RAF and VEGFR/PDGFR multikinase inhibitor",
                "Wilhelm 2004 Cancer Res; Liu 2006 Cancer Res",
                3000.0,
            ),
            _D(
                "lenvatinib",
                "multikinase inhibitor",
                (("FGFR", 46.0), ("VEGFR", 4.0)),
                "lenvatinib: VEGFR1-3 and FGFR1-4 multikinase inhibitor",
                "Tohyama 2014 J Thyroid Res",
                1000.0,
            ),
        )
    }
)


def occupancy(site: str, doses: dict[str, float], *, fkbp12: float = 1.0) -> float:
    """Fractional occupancy (0..1) of a target site by the drugs in ``doses`` (nM).

    Drugs on the same site compete: ``x = sum(C_i / K_i)``, occupancy ``x / (1 + x)``.
    Rapalog binding to the FRB site is scaled by the FKBP12 level (1 = WT), since the
    FKBP12-drug complex is what binds mTORC1.
    """
    x = 0.0
    for name, dose in doses.items():
        for target, potency in DRUGS[name].targets:
            if target == site:
                x += dose / potency
    if site == "mTORC1_FRB":
        x *= fkbp12
    return x / (1.0 + x)


#: The review's regimens as constant concentrations (nM). Rapalogs at 10 nM, the order of
#: everolimus troughs at 10 mg/day (5-15 ng/mL). Sorafenib at 100 nM: its total plasma level
#: at 400 mg twice daily is ~10 uM, but it is >99.5 % protein-bound, so the free drug is
#: ~50-100 nM (assumption from these two figures); the 3,000 nM used for cell-culture claims
#: would overstate it. Vistusertib and dactolisib at the claims' preclinical concentrations,
#: for want of free clinical exposures (assumption).
REGIMENS = {
    "everolimus": {"everolimus": 10.0},
    "temsirolimus": {"temsirolimus": 10.0},
    "sirolimus": {"sirolimus": 10.0},
    "everolimus + sorafenib": {"everolimus": 10.0, "sorafenib": 100.0},
    "sorafenib": {"sorafenib": 100.0},
    "vistusertib": {"vistusertib": 1000.0},
    "dactolisib": {"dactolisib": 500.0},
}


#: Gene and protein names of the bundled model's nodes (case-insensitive: keys are lower
#: case), so that ``knockouts=["RICTOR"]`` means the mTORC2 node. A node that lumps
#: isoforms or paralogues answers to each of them (RAS: KRAS, NRAS, HRAS; ERK: MAPK1,
#: MAPK3; ...): knocking one isoform out in the model removes the whole node, so read such
#: a knockout as the pathway losing that node, not as one isoform's loss.
NODE_ALIASES = MappingProxyType(
    {
        # mTOR complexes, by their defining subunits
        "rictor": "mTORC2",
        "mapkap1": "mTORC2",
        "sin1": "mTORC2",
        "raptor": "mTORC1",
        "rptor": "mTORC1",
        # PI3K: the p110alpha catalytic subunit (the model's PI3K is class IA, p110alpha)
        "pik3ca": "PI3K",
        "p110a": "PI3K",
        "p110alpha": "PI3K",
        "p110\u03b1": "PI3K",
        "pdpk1": "PDK1",
        "pkb": "AKT",
        "akt1": "AKT",
        "pten": "PTEN",
        # TSC1 (hamartin) stabilises TSC2 (tuberin); the model has one TSC1/2 complex node
        "tsc1": "TSC2",
        "hamartin": "TSC2",
        "tuberin": "TSC2",
        "rheb": "RHEB",
        "rps6kb1": "S6K1",
        "p70s6k": "S6K1",
        "p70s6k1": "S6K1",
        "s6k": "S6K1",
        "eif4ebp1": "4EBP1",
        "4e-bp1": "4EBP1",
        "foxo1": "FOXO",
        "foxo3": "FOXO",
        "foxo3a": "FOXO",
        "foxo4": "FOXO",
        "kras": "RAS",
        "nras": "RAS",
        "hras": "RAS",
        "raf1": "RAF",
        "craf": "RAF",
        "c-raf": "RAF",
        "braf": "RAF",
        "araf": "RAF",
        "map2k1": "MEK",
        "map2k2": "MEK",
        "mek1": "MEK",
        "mek2": "MEK",
        "mapk1": "ERK",
        "mapk3": "ERK",
        "erk1": "ERK",
        "erk2": "ERK",
        "prkaa1": "AMPK",
        "prkaa2": "AMPK",
        "ctnnb1": "BCAT",
        "beta-catenin": "BCAT",
        "\u03b2-catenin": "BCAT",
        "irs-1": "IRS1",
        "fkbp1a": "FKBP12",
    }
)

#: Names that mean more than one node of the bundled model: refused with the choice.
AMBIGUOUS_NODES = MappingProxyType(
    {
        "mtor": ("mTORC1", "mTORC2"),
    }
)


#: What the review reports, to show beside the simulated numbers.
REVIEW_ORR = {
    "everolimus": 9.5,
    "temsirolimus": 9.5,
    "sirolimus": 7.1,
    "everolimus + sorafenib": 16.7,
    "dactolisib": 11.1,
}
REVIEW_SORAFENIB_PMTOR = {"high": 7.3, "low": 22.6}  # ORR (%) by p-mTOR, 124 patients
