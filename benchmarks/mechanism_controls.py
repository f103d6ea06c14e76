"""Mechanism controls of the review's 15 claims, measured on the bundled model.

Run: python benchmarks/mechanism_controls.py

For each claim, the effect the claim tests is measured with the model intact and under
the control that should remove it: a cut interaction, a knockout, or a change of a
drug's target site (a ``parameters=`` override). Both absolute and relative effects are
printed. Public API only. The numbers are quoted in models/MECHANISMS.md. This script
checks nothing and sets no thresholds.
"""

from __future__ import annotations

import mtor_sim as ms

E = {"everolimus": 10.0}
V = {"vistusertib": 1000.0}
S = {"sorafenib": 3000.0}
MODEL = ms.load_model()


def val(readout: str, **kw) -> float:
    res = MODEL.steady_state(**kw)
    if not res.success:
        raise RuntimeError(f"no steady state for {kw}: {res.status}")
    return float(res[readout])


def fold(readout: str, genotype, **kw) -> float:
    return val(readout, genotype=genotype, **kw) / val(readout, **kw)


def fall(readout: str, genotype, drugs, **kw) -> tuple[float, float]:
    """(absolute fall, fractional fall) of a readout under drugs, same cells untreated."""
    before = val(readout, genotype=genotype, **kw)
    after = val(readout, genotype=genotype, drugs=drugs, **kw)
    return before - after, 1.0 - after / before


def line(label: str, values: dict[str, float]) -> None:
    print(f"  {label:<44} " + "  ".join(f"{k} {v:.3f}" for k, v in values.items()))


def main() -> None:
    reads = ("pAKT_T308", "pAKT_S473", "pS6K1", "mTORC1_activity")
    print("1. PTEN loss (fold over WT)")
    akt_routes = ["AKT -| TSC2", "AKT -| PRAS40"]  # Akt to mTORC1 (PRAS40 since revision 5)
    for cut in ([], akt_routes):
        line(f"cut {cut or '-'}", {r: fold(r, "PTEN_loss", cut=cut) for r in reads})
    line("absolute, WT -> PTEN_loss", {r: val(r, genotype="PTEN_loss") - val(r) for r in reads})

    print("2. PIK3CA gain / Akt overexpression (fold over WT)")
    line("PIK3CA_gain", {r: fold(r, "PIK3CA_gain") for r in reads[:3]})
    for cut in ([], akt_routes):
        line(
            f"AKT_overexpression, cut {cut or '-'}",
            {r: fold(r, "AKT_overexpression", cut=cut) for r in reads[2:]},
        )

    print("3. combined / best single genotype")
    combo = ["PTEN_loss", "PIK3CA_gain", "AKT_overexpression"]
    for cut in ([], akt_routes):
        line(
            f"cut {cut or '-'}",
            {
                r: val(r, genotype=combo, cut=cut) / max(val(r, genotype=g, cut=cut) for g in combo)
                for r in ("pAKT_S473", "pS6K1", "mTORC1_activity")
            },
        )

    print("4. prognosis states: index over WT, without and with the Akt site blocked")
    mk = {"MK2206": 10000.0}  # 99 % of the site (cellular potency 110 nM), as claim 4's control
    for g in ("AKT_overexpression", "PTEN_loss", "PIK3CA_gain"):
        line(
            g,
            {
                "prolif": fold("proliferation", g),
                "surv": fold("survival", g),
                "prolif+MK2206": val("proliferation", genotype=g, drugs=mk)
                / val("proliferation", drugs=mk),
                "surv+MK2206": val("survival", genotype=g, drugs=mk) / val("survival", drugs=mk),
            },
        )

    print("5. ERK co-activation: mTORC1 fold; proliferation falls (absolute, fractional)")
    for cut in ([], ["ERK -| TSC2"]):
        d = {"mTORC1 fold": fold("mTORC1_activity", "ERK_coactivation", cut=cut)}
        for name, drugs in (("evero", E), ("vist", V)):
            for g in ("WT", "ERK_coactivation"):
                a, f = fall("proliferation", g, drugs, cut=cut)
                d[f"{name} {g[:3]} abs"] = a
                d[f"{name} {g[:3]} frac"] = f
        line(f"cut {cut or '-'}", d)

    print("6. energy stress: fold of fed")
    st = {"ENERGY_STRESS": 1.0}
    for cut in ([], ["AMPK -> TSC2"], ["AMPK -| mTORC1"], ["AMPK -> TSC2", "AMPK -| mTORC1"]):
        line(
            f"cut {cut or '-'}",
            {r: val(r, inputs=st, cut=cut) / val(r, cut=cut) for r in ("mTORC1_activity", "pS6K1")},
        )

    print("7. sorafenib 3 uM: proliferation falls (absolute, fractional)")
    for g in ("WT", "PTEN_loss", "AKT_overexpression"):
        a, f = fall("proliferation", g, S)
        line(g, {"abs": a, "frac": f})

    print("8. rapalogs: maximal proliferation fall (sirolimus 1 uM), 4EBP1 resistance changed")
    for rr in (0.6, 0.0):
        p = {"rapa_res_4EBP1": rr}
        line(
            f"rapa_res_4EBP1 = {rr}",
            {
                "frac": 1
                - val("proliferation", drugs={"sirolimus": 1000}, parameters=p)
                / val("proliferation", parameters=p)
            },
        )
    k = MODEL.parameters
    line(
        "input potency ratios",
        {
            "tem/sir": k["K_temsirolimus_FRB"] / k["K_sirolimus_FRB"],
            "eve/tem": k["K_everolimus_FRB"] / k["K_temsirolimus_FRB"],
        },
    )

    print("9. everolimus 10 nM: fold over untreated")
    for cut in ([], ["S6K1 -| IRS1"], ["S6K1 -| mTORC2"]):
        line(
            f"cut {cut or '-'}",
            {
                r: val(r, drugs=E, cut=cut) / val(r, cut=cut)
                for r in ("IRS1_active", "PIP3", "pAKT_T308", "pAKT_S473")
            },
        )

    print("10. FOXO share of basal RTK synthesis")
    fn = val("FOXO_nuclear")
    line("untreated WT", {"share": k["k_FOXO_RTK"] * fn / (k["ksyn_RTK"] + k["k_FOXO_RTK"] * fn)})

    print("11. mTORC2_high vs WT, everolimus 10 nM")
    for cut in ([], ["mTORC2 -> AKT"]):
        d = {
            "S473 WT": val("pAKT_S473", cut=cut),
            "S473 high": val("pAKT_S473", genotype="mTORC2_high", cut=cut),
        }
        for g in ("WT", "mTORC2_high"):
            a, f = fall("proliferation", g, E, cut=cut)
            d[f"{g[:4]} abs"], d[f"{g[:4]} frac"] = a, f
        line(f"cut {cut or '-'}", d)

    print("12. vistusertib minus everolimus, fractional proliferation fall")
    for p in ({}, {"rapa_res_4EBP1": 0.05}):
        d = {}
        for g in ("WT", "mTORC2_high"):
            d[g] = (
                fall("proliferation", g, V, parameters=p)[1]
                - fall("proliferation", g, E, parameters=p)[1]
            )
        line(f"parameters {p or '-'}", d)
    line(
        "mTORC2 knocked out",
        {
            "diff": fall("proliferation", "WT", V, knockouts=["mTORC2"])[1]
            - fall("proliferation", "WT", E, knockouts=["mTORC2"])[1]
        },
    )

    print("13. dactolisib 500 nM: fold over untreated, target sites removed one at a time")
    d500 = {"dactolisib": 500.0}
    sites = ms.DRUGS["dactolisib"].potency_parameters  # target site -> potency parameter
    no_pi3k = {sites[s]: 1e12 for s in ("PI3K", "PI3K_beta")}
    for p in ({}, no_pi3k, {sites["mTORC1_ATP"]: 1e12}):
        line(
            f"parameters {p or '-'}",
            {r: val(r, drugs=d500, parameters=p) / val(r, parameters=p) for r in reads},
        )

    print("14. everolimus + sorafenib: fractional falls and Bliss excess")
    for cut in ([], ["ERK -| TSC2"], ["AKT -| TSC2"]):
        ie = fall("proliferation", "WT", E, cut=cut)[1]
        is_ = fall("proliferation", "WT", S, cut=cut)[1]
        ies = fall("proliferation", "WT", E | S, cut=cut)[1]
        line(
            f"cut {cut or '-'}",
            {"evero": ie, "sora": is_, "both": ies, "Bliss excess": ies - (ie + is_ - ie * is_)},
        )

    print("15. EMT: both / best single, with and without the cooperative term")
    for p in ({}, {"k_EMT_coop": 0.0}):
        e = {g: val("EMT", genotype=g, parameters=p) for g in ("PTEN_loss", "BCAT_active")}
        both = val("EMT", genotype=["PTEN_loss", "BCAT_active"], parameters=p)
        line(f"parameters {p or '-'}", {**e, "both": both, "both/best": both / max(e.values())})

    print("Other numbers quoted in MECHANISMS.md")
    ss = MODEL.steady_state()
    sp = ss.species
    line(
        "TSC2 inactivation at rest, /min",
        {
            "by Akt": k["k_TSC2_AKT"] * (sp["AKT_TS"] + k["a_T308_only"] * sp["AKT_T"]),
            "by ERK": k["k_TSC2_ERK"] * sp["ERKp"],
        },
    )
    al = {"alpelisib": 1000.0}
    line(
        "alpelisib 1 uM, fold",
        {r: val(r, drugs=al) / val(r) for r in ("pAKT_T308", "pS6K1", "pERK", "RTK_total")},
    )
    line(
        "alpelisib 1 uM, ERK -| TSC2 cut",
        {"pS6K1": val("pS6K1", drugs=al, cut=["ERK -| TSC2"]) / val("pS6K1", cut=["ERK -| TSC2"])},
    )
    for cut in ([], ["FOXO -> RTK"]):
        line(
            f"pAKT_S473 at GF 0.1 / 10, cut {cut or '-'}",
            {
                "GF 0.1": val("pAKT_S473", inputs={"GF": 0.1}, cut=cut),
                "GF 10": val("pAKT_S473", inputs={"GF": 10}, cut=cut),
            },
        )
    line(
        "everolimus 10 nM, fold",
        {r: val(r, drugs=E) / val(r) for r in ("pERK", "p4EBP1", "pS6K1", "RTK_total")},
    )


if __name__ == "__main__":
    main()
