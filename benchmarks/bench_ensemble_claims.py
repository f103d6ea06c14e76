"""The review's 15 claims and the validation suite across the calibrated ensemble.

Run: python benchmarks/bench_ensemble_claims.py [--full] [--prior] [--drivers] [--members N]
[--set NAME=VALUE ...] [--scale NAME=FACTOR ...] [--akt-gate A] [--erk-rtk-off]
[--erk-raptor SHARE] [--claim5-readings] [--csv OUT]

For each ensemble shipped in ``models/ensemble.csv`` (``all``: calibrated on every
calibration row of ``models/observations.csv``; ``verified``: rows marked
``verified = no`` left out) it reports

- each claim's pass fraction across the members (``ms.claims.check_all(model,
  ensemble=...)``; thresholds as fixed in ``src/mtor_sim/_claims.py``) and the
  fraction passing all 15 together;
- the hit rate of the held-out validation rows (``use = validation``) across the
  members: the mean over members of each member's hit rate, its 5-95 % range, and
  the rows that fail in most members.

``--prior`` adds the same numbers for as many unselected prior draws (the same seed
and prior as ``models/calibrate_ensemble.py``, before the acceptance step), so that
what the calibration changed can be seen, and which calibration rows pull against
which claims. ``--drivers`` (part of ``--full``) asks which kinetic constants move each
claim's margin and V69's across the prior draws (Spearman rank correlation of the margin
with each constant's log factor), and lists the constants that pull V69 and claim 11 in
opposite directions.

``--set NAME=VALUE`` (repeatable) sets a parameter to the same value in the bundled model
and in every member before anything is checked: a control run across the ensemble, to
test whether a mechanism carries a change in a claim's pass fraction (for instance
``--set w_P_FOXO=0 --set w_P_AKT=0.15`` gives Akt's whole proliferation share back to its
direct targets, as before model revision 7). ``--scale NAME=FACTOR`` multiplies a
parameter by the same factor in the model and every member, keeping the members' spread.
Neither recomputes the normalisation references, so use them for changes that leave the
untreated WT state as it is (index weights that sum to the same total, say).
``--akt-gate A`` sets ``a_T308_only`` (the activity of pT308-only Akt toward TSC2, PRAS40
and GSK3) to ``A`` in the model and every member and keeps each one's untreated WT: its
``k_TSC2_AKT`` and ``k_PRAS40_AKT`` are scaled by its own ratio of resting Akt activity
and ``AKT_act_ref`` is recomputed (``--akt-gate 0.3``: revision 6's Akt specificity).
``--erk-rtk-off`` removes ERK -| RTK (model revision 9) from the model and every member
and keeps each one's untreated WT: ``k_RTK_ERK`` = 0, and ``k_IRS1_act`` and
``k_RAS_RTK`` divided by that member's own resting divisor ``1 + k_RTK_ERK*ERKp``.
``--erk-raptor SHARE`` adds a route the model does not have, ERK/RSK -> raptor (ERK and
RSK phosphorylate raptor and promote mTORC1 activity, bypassing TSC2; usually cited as
Carriere et al. 2008 and 2011, not read here): mTORC1 activation is multiplied by
``1 + k_mTORC1_ERK*ERKp``, with ``k_mTORC1_ERK`` set in the model and every member so that
ERK carries ``SHARE`` of its own resting activation and ``k_mTORC1_act`` times
``1 - SHARE``, which keeps each one's untreated WT (the share is an assumption; no
measurement of it was found). A what-if, not a calibration: the members were accepted
without the route.

``--claim5-readings`` reads claim 5 as the review's evidence does (its Predictive role
section: tumours with mTOR *and* ERK co-activated responded less to lenvatinib than
those with mTOR activation alone) next to the claim as coded from ``SPEC.md`` (the
``ERK_coactivation`` genotype against WT): across the members, the share in which the
fractional fall of proliferation under everolimus 10 nM and vistusertib 1000 nM is
smaller in PTEN_loss + ERK_coactivation cells than in PTEN_loss cells, alone and
together with the claim's mTORC1 term, and the same falls under lenvatinib 1000 nM
(reported, not a term). The terms were written before the numbers were computed; the
claim itself is not changed by them.

Each table lists the terms of the claims' criteria (``ClaimResult.terms``) that hold in
fewer than every member, with the fraction in which each holds. The script then measures
which feedback carries the rapalog-induced pAKT S473 rise: the rise with S6K1 -| mTORC2
cut and with S6K1 -| IRS1 cut, and the share of the rise each cut removes.
``models/MODEL_CARD.md`` section 11 quotes the ``--full`` output.

Without ``--full`` (CI runs every benchmark without arguments) it
uses the first 20 members of the ``all`` ensemble (~10 s). ``--full`` uses every
member of both ensembles and the prior (~10 min on one core).
"""

from __future__ import annotations

import argparse
import math
import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd
from _common import COMPENSATED, edited_model, load_script

import mtor_sim as ms
from mtor_sim.observations import (
    load_observations,
    member_hit_rates,
    row_hit_rates,
    validation_hits,
)

HERE = Path(__file__).resolve().parent
REPO = HERE.parent
TABLE = REPO / "models" / "observations.csv"


def validation_rows() -> list[dict[str, str]]:
    return load_observations("validation", path=TABLE)


def report(label: str, model, table: pd.DataFrame, rows: list[dict[str, str]]) -> dict:
    t0 = time.perf_counter()
    claims = ms.claims.check_all(model, ensemble=table)
    hits = validation_hits(model, table, rows=rows)
    wall = time.perf_counter() - t0
    verified = [r["id"] for r in rows if r["verified"] == "yes" and r["id"] in hits]
    beyond = [r["id"] for r in rows if not r["overlaps_claim"] and r["id"] in hits]
    print(f"\n## {label}: {len(table)} members ({wall:.0f} s)")
    print(f"  {'claim':>5}  {'pass fraction':>13}  bundled point  title")
    for _, c in claims.iterrows():
        print(
            f"  {c['claim']:>5}  {c['pass_fraction']:>13.2f}  "
            f"{'pass' if c['passed_bundled'] else 'FAIL':>13}  {c['title']}"
        )
    print(f"  {'all':>5}  {claims.attrs['all_pass_fraction']:>13.2f}")
    terms = claims.attrs["terms"]
    short = terms[terms["hold_fraction"] < 1.0]
    if len(short):
        print("  criterion terms holding in fewer than every member (fraction holding):")
        for t in short.itertuples():
            print(f"    {t.hold_fraction:5.3f}  claim {t.claim}: {t.term}")
    print("  validation hit rate across members (mean; 5-95 % of members):")
    summary = {
        "label": label,
        "members": len(table),
        "all_pass_fraction": claims.attrs["all_pass_fraction"],
    }
    for name, ids in (
        ("all validation rows", list(hits.columns)),
        ("verified rows", verified),
        ("beyond the 15 claims", beyond),
    ):
        per = member_hit_rates(hits[ids])
        q = np.quantile(per, [0.05, 0.95])
        print(f"    {name:<24} {per.mean():.2f} ({q[0]:.2f}-{q[1]:.2f}) of {len(ids)} rows")
        summary[f"hit rate, {name}"] = float(per.mean())
    missing = int(hits.isna().to_numpy().sum())
    if missing:
        print(f"    ({missing} member-row(s) not judged: not solved or a zero reference; misses)")
    rowfrac = row_hit_rates(hits).sort_values()
    weak = rowfrac[rowfrac < 0.5]
    if len(weak):
        print(
            "  rows failing in most members: "
            + ", ".join(f"{i} ({v:.2f})" for i, v in weak.items())
        )
    for _, c in claims.iterrows():
        summary[f"claim {c['claim']}"] = float(c["pass_fraction"])
    sys.stdout.flush()
    return summary


def prior_table(n: int) -> pd.DataFrame:
    """The first ``n`` prior draws of models/calibrate_ensemble.py, before acceptance."""
    cal = load_script("_calibrate_ensemble", REPO / "models" / "calibrate_ensemble.py")
    _, robust, references = cal.helpers()
    model = ms.load_model()
    kinetic = robust.classify_parameters(model)["kinetic"]
    made = ms.load_ensemble().attrs["made_by"]
    seed, sigma = made.get("seed", cal.SEED), made.get("prior", {}).get("sigma", cal.SIGMA)
    overrides = made.get("prior", {}).get("sigma_overrides", {})
    sigmas = cal.prior_sigmas(kinetic, sigma, overrides)
    records = {}
    for i in range(n):
        values = cal.member_values(model, kinetic, cal.prior_factors(seed, i, sigmas), references)
        if values is not None:  # an unsolvable draw cannot be a member
            records[i] = values
    return pd.DataFrame.from_dict(records, orient="index")


S473_CUTS = {
    "intact": [],
    "S6K1 -| mTORC2 cut": ["S6K1 -| mTORC2"],
    "S6K1 -| IRS1 cut": ["S6K1 -| IRS1"],
}


def _s473_rise(member) -> dict[str, float]:
    """Everolimus 10 nM / untreated pAKT_S473, intact and with each feedback cut."""
    e = {"everolimus": 10.0}
    return {
        k: member.steady_state(drugs=e, cut=cut)["pAKT_S473"]
        / member.steady_state(cut=cut)["pAKT_S473"]
        for k, cut in S473_CUTS.items()
    }


def mechanisms(model, table: pd.DataFrame) -> None:
    """Which feedback carries the rapalog-induced pAKT S473 rise, member by member."""
    rises = [_s473_rise(model.with_parameters(values.to_dict())) for _, values in table.iterrows()]
    r = pd.DataFrame(rises)
    base = _s473_rise(model)
    print(
        "\n## everolimus 10 nM: pAKT_S473 fold over untreated (bundled point; members "
        "median, 5-95 %)"
    )
    for k in S473_CUTS:
        q = r[k].quantile([0.5, 0.05, 0.95])
        print(f"  {k:<20} {base[k]:.3f}; {q[0.5]:.3f} ({q[0.05]:.3f}-{q[0.95]:.3f})")
    for k in ("S6K1 -| mTORC2 cut", "S6K1 -| IRS1 cut"):
        share = (r["intact"] - r[k]) / (r["intact"] - 1.0)
        q = share.quantile([0.5, 0.05, 0.95])
        print(
            f"  share of the rise removed by the {k}: median {q[0.5]:.2f} "
            f"({q[0.05]:.2f}-{q[0.95]:.2f})"
        )
    sys.stdout.flush()


def tension(model, table: pd.DataFrame) -> None:
    """Among (prior) draws: claim 5, 9, 11 pass fractions split by each calibration row."""
    from mtor_sim.observations import load_observations, validate

    rows = [r for r in load_observations("calibration") if r["model_readout"].strip()]
    rec = []
    for _, values in table.iterrows():
        member = model.with_parameters(values.to_dict())
        res = {r["id"]: r["status"] == "pass" for r in validate(member, rows)}
        res |= {f"claim {n}": ms.claims.check(member, n).passed for n in (5, 9, 11)}
        rec.append(res)
    df = pd.DataFrame(rec)
    print(
        f"\n## claim pass fraction among {len(df)} prior draws, split by whether a "
        "calibration row holds (holds / fails, draws)"
    )
    for claim in ("claim 5", "claim 9", "claim 11"):
        parts = []
        for rid in (r["id"] for r in rows):
            g = df.groupby(rid)[claim]
            if g.ngroups == 2:
                parts.append(
                    f"{rid} {g.mean()[True]:.2f}/{g.mean()[False]:.2f} "
                    f"({g.size()[True]}/{g.size()[False]})"
                )
        print(f"  {claim} (overall {df[claim].mean():.2f}): " + "; ".join(parts))
    sys.stdout.flush()


def _margins(member, rows: list[dict[str, str]], cal) -> dict[str, float]:
    """Signed margins (> 0: holds) of the calibration rows and of claims 5, 9 and 11."""
    from mtor_sim.observations import validate

    out = {r["id"]: cal.margin(x) for r, x in zip(rows, validate(member, rows), strict=True)}
    n5 = ms.claims.check(member, 5).numbers
    out["claim 5: mTORC1 fold - 1.05"] = n5["mTORC1_activity fold (ERK_coactivation / WT)"] - 1.05
    for d in ("everolimus 10 nM", "vistusertib 1000 nM"):
        out[f"claim 5: fall WT - ERK, {d}"] = (
            n5[f"WT: proliferation inhibition by {d}"]
            - n5[f"ERK_coactivation: proliferation inhibition by {d}"]
        )
    n9 = ms.claims.check(member, 9).numbers
    rises = [v for k, v in n9.items() if "untreated" in k]
    out["claim 9: smallest rise - 1.10"] = min(rises) - 1.10 if rises else math.nan
    n11 = ms.claims.check(member, 11).numbers
    out["claim 11: fall WT - mTORC2_high"] = (
        n11["proliferation inhibition, WT"] - n11["proliferation inhibition, mTORC2_high"]
    )
    return out


def drivers(model, table: pd.DataFrame, *, top: int = 6) -> pd.DataFrame:
    """Which kinetic constants move each margin across (prior) draws.

    Spearman rank correlation, across draws, between each constant's log factor (drawn
    value / bundled value) and each margin. The constants whose correlations with V69 and
    with claim 11 have opposite signs are what makes the calibration select against the
    claim. Returns the correlation table (constants x margins)."""
    cal = load_script("_calibrate_ensemble", REPO / "models" / "calibrate_ensemble.py")
    rows = cal.calibration_rows()
    kinetic = [c for c in table.columns if c in model.parameters and "_ref" not in c]
    logf = np.log(
        table[kinetic].to_numpy() / np.array([model.parameters[k] for k in kinetic], dtype=float)
    )
    margins = pd.DataFrame(
        [_margins(model.with_parameters(v.to_dict()), rows, cal) for _, v in table.iterrows()]
    )
    margins = margins.loc[:, margins.notna().mean() > 0.9]
    keep = [c for c in margins if c.startswith("claim") or margins[c].std() > 0]
    factors = pd.DataFrame(logf, columns=kinetic)

    def spearman(m: str) -> pd.Series:
        """Rank correlation over the draws where margin ``m`` exists (NaN: it never varies)."""
        rows = margins[m].notna()
        return factors[rows].rank().corrwith(margins.loc[rows, m].rank())

    rho = pd.DataFrame({m: spearman(m) for m in keep}, index=kinetic)
    print(f"\n## what moves each margin across {len(table)} prior draws (Spearman rho)")
    for m in [c for c in keep if c.startswith("claim")] + ["V69"]:
        if m not in rho:
            continue
        r = rho[m].dropna().reindex(rho[m].abs().dropna().sort_values(ascending=False).index)[:top]
        print(f"  {m}: " + ", ".join(f"{k} {v:+.2f}" for k, v in r.items()))
    if "V69" in rho and "claim 11: fall WT - mTORC2_high" in rho:
        a, b = rho["V69"], rho["claim 11: fall WT - mTORC2_high"]
        n = int(margins[["V69", "claim 11: fall WT - mTORC2_high"]].notna().all(axis=1).sum())
        cut = 2.0 / math.sqrt(n)  # about 2 standard errors of a rank correlation
        both = (a * b < 0) & (a.abs() > cut) & (b.abs() > cut)
        pull = (a.abs() * b.abs())[both].sort_values(ascending=False)[:top]
        print(
            f"  V69 against claim 11 (opposite signs, |rho| > {cut:.2f} for both; "
            "V69 / claim 11): "
            + (", ".join(f"{k} ({a[k]:+.2f} / {b[k]:+.2f})" for k in pull.index) or "none")
        )
        print(
            f"  rank correlation of the two margins: "
            f"{margins['V69'].rank().corr(margins['claim 11: fall WT - mTORC2_high'].rank()):+.2f}"
        )
    sys.stdout.flush()
    return rho


def _overrides(pairs: list[str]) -> dict[str, float]:
    """``["NAME=VALUE", ...]`` as a dict of floats (a malformed pair is an error)."""
    out = {}
    for pair in pairs:
        name, sep, value = pair.partition("=")
        if not sep or not name.strip():
            raise SystemExit(f"--set and --scale want NAME=NUMBER, got {pair!r}")
        try:
            out[name.strip()] = float(value)
        except ValueError:
            raise SystemExit(f"{pair!r}: {value!r} is not a number") from None
    return out


def _changed(values, overrides: dict[str, float], factors: dict[str, float]) -> dict:
    """The parameters to change: ``overrides`` as given, ``factors`` times ``values[name]``
    (a scalar for the bundled model's parameters, a column for an ensemble table; a
    parameter that is not a column is not changed there, as members inherit the
    already scaled value of the model)."""
    return {**overrides, **{p: values[p] * f for p, f in factors.items() if p in values}}


#: what --akt-gate sets per member, so --set/--scale may not also set it
GATED = ("a_T308_only", "k_TSC2_AKT", "k_PRAS40_AKT", "AKT_act_ref")


def _check_names(
    model, overrides: dict[str, float], factors: dict[str, float], gate: float | None = None
) -> None:
    """Refuse a name the model does not have, one given to both --set and --scale, or
    one that --akt-gate sets."""
    if gate is not None and (clash := sorted({*overrides, *factors} & set(GATED))):
        raise SystemExit(f"{', '.join(clash)}: set by --akt-gate, not also by --set/--scale")
    unknown = sorted(p for p in {*overrides, *factors} if p not in model.parameters.index)
    if unknown:
        raise SystemExit(f"--set/--scale: the model has no parameter {', '.join(unknown)}")
    both = sorted(set(overrides) & set(factors))
    if both:
        raise SystemExit(f"{', '.join(both)}: given to both --set and --scale")


def _gated(member, gate: float) -> dict[str, float] | None:
    """``member``'s parameters with ``a_T308_only`` = ``gate`` and its untreated WT kept:
    ``k_TSC2_AKT`` and ``k_PRAS40_AKT`` scaled by its own ratio of resting Akt activity
    (old / new, from its WT steady state), ``AKT_act_ref`` recomputed; None when its WT
    does not solve."""
    ss = member.steady_state()
    if not ss.success:
        return None
    ts, t = float(ss.species["AKT_TS"]), float(ss.species["AKT_T"])
    p = member.parameters
    old, new = ts + p["a_T308_only"] * t, ts + gate * t
    return {
        "a_T308_only": gate,
        "k_TSC2_AKT": p["k_TSC2_AKT"] * old / new,
        "k_PRAS40_AKT": p["k_PRAS40_AKT"] * old / new,
        "AKT_act_ref": new,
    }


#: what --erk-rtk-off sets per member
UNFED = ("k_RTK_ERK", "k_IRS1_act", "k_RAS_RTK")


def _unfed(member) -> dict[str, float] | None:
    """``member``'s parameters with ERK -| RTK removed and its untreated WT kept
    (``COMPENSATED``: at the WT the feedback divides the receptor's output by
    ``D = 1 + k_RTK_ERK*ERKp``, so ``k_RTK_ERK`` = 0 with ``k_IRS1_act`` and ``k_RAS_RTK``
    divided by its own ``D`` leaves every untreated-WT species as it was); None when its WT
    does not solve."""
    ss = member.steady_state()
    if not ss.success:
        return None
    return COMPENSATED["ERK -| RTK"](member.parameters, ss.species)


#: what --erk-raptor sets per member
RAPTOR = ("k_mTORC1_ERK", "k_mTORC1_act")
#: the mTORC1 activation rate law's start, to which --erk-raptor adds ERK's factor
ACTIVATION = "k_mTORC1_act*AMINO_ACIDS*RHEB_GTP*mTORC1/"


def erk_raptor_model():
    """The bundled model with ERK/RSK -> raptor added at strength 0: mTORC1 activation
    times ``1 + k_mTORC1_ERK*ERKp`` (``_raptor`` sets the strength)."""
    return edited_model(
        "erk_raptor",
        [
            (
                ACTIVATION,
                "k_mTORC1_act*AMINO_ACIDS*RHEB_GTP*(1 dimensionless + k_mTORC1_ERK*ERKp)*mTORC1/",
            ),
            ("  k_mTORC1_act = ", "  k_mTORC1_ERK = 0;\n  k_mTORC1_act = "),
        ],
    )


def _raptor(member, share: float) -> dict[str, float] | None:
    """``member``'s parameters with ERK carrying ``share`` of its resting mTORC1
    activation and its untreated WT kept: ``k_mTORC1_ERK*ERKp = share / (1 - share)`` at
    its own resting ``ERKp``, and ``k_mTORC1_act`` times ``1 - share``, so the activation
    rate is unchanged there; None when its WT does not solve."""
    ss = member.steady_state()
    if not ss.success:
        return None
    erk = float(ss.species["ERKp"])
    return {
        "k_mTORC1_ERK": share / ((1.0 - share) * erk),
        "k_mTORC1_act": member.parameters["k_mTORC1_act"] * (1.0 - share),
    }


def per_member(model, table: pd.DataFrame, change, flag: str) -> pd.DataFrame:
    """``table`` with ``change(member)`` (the parameters to set, or None when the member's
    untreated WT does not solve) applied to every member; a member it gives None for is
    left out, and said so under ``flag``."""
    rows = {d: change(model.with_parameters(v.to_dict())) for d, v in table.iterrows()}
    dropped = [d for d, r in rows.items() if r is None]
    if dropped:
        print(f"{flag}: {len(dropped)} member(s) left out, untreated WT not solved: {dropped}")
    kept = table.drop(index=dropped)
    return kept.assign(**pd.DataFrame.from_dict(rows, orient="index").reindex(kept.index))


def erk_rtk_off(model, table: pd.DataFrame) -> pd.DataFrame:
    """``table`` with ERK -| RTK removed from every member, each member's untreated WT
    kept (``_unfed``): the control of ``--erk-rtk-off`` (model revision 9's feedback
    taken out without moving any member's resting state)."""
    return per_member(model, table, _unfed, "--erk-rtk-off")


def erk_raptor(model, table: pd.DataFrame, share: float) -> pd.DataFrame:
    """``table`` with ERK/RSK -> raptor at ``share`` in every member, each member's WT
    kept (``_raptor``); ``model`` must be `erk_raptor_model`'s."""
    return per_member(model, table, lambda member: _raptor(member, share), "--erk-raptor")


def akt_gate(model, table: pd.DataFrame, gate: float) -> pd.DataFrame:
    """``table`` with every member gated (``_gated``). ``gate`` = 0.3 is revision 6's Akt
    specificity (pS473 gates Akt's action on TSC2, PRAS40 and GSK3) on the revision-7
    members: the control of ``--akt-gate``. A member whose WT does not solve is left out,
    and said so."""
    return per_member(model, table, lambda member: _gated(member, gate), "--akt-gate")


#: claim 5's drugs, and the review's own drug for the co-activation result
CLAIM5_DRUGS = {"everolimus": 10.0, "vistusertib": 1000.0, "lenvatinib": 1000.0}
MTOR_HIGH, COACTIVATED = "PTEN_loss", ["PTEN_loss", "ERK_coactivation"]


def _claim5_falls(member) -> dict[str, float] | None:
    """Fractional proliferation falls per drug in mTOR-active and co-activated cells, and
    the claim's mTORC1 fold; None if a steady state fails."""
    out: dict[str, float] = {}
    for label, genotype in (("mTOR", MTOR_HIGH), ("both", COACTIVATED), ("WT", "WT")):
        base = member.steady_state(genotype=genotype)
        if not base.success:
            return None
        for drug, dose in CLAIM5_DRUGS.items():
            treated = member.steady_state(genotype=genotype, drugs={drug: dose})
            if not treated.success:
                return None
            out[f"{label} {drug}"] = 1.0 - treated["proliferation"] / base["proliferation"]
    erk = member.steady_state(genotype="ERK_coactivation")["mTORC1_activity"]
    out["mTORC1 fold"] = erk / member.steady_state()["mTORC1_activity"]
    return out


def claim5_readings(model, table: pd.DataFrame) -> None:
    """Claim 5 as coded and as the review's co-activation evidence reads it."""
    rec = [_claim5_falls(model.with_parameters(v.to_dict())) for _, v in table.iterrows()]
    df = pd.DataFrame([r for r in rec if r is not None])
    n_failed = sum(r is None for r in rec)
    terms = {
        f"co-activated falls less than mTOR-active ({d})": df[f"both {d}"] < df[f"mTOR {d}"]
        for d in ("everolimus", "vistusertib")
    }
    mtorc1 = df["mTORC1 fold"] >= 1.05
    response = np.logical_and.reduce(list(terms.values()))
    print(
        f"\n## claim 5 read as the review's evidence ({len(df)} members, "
        f"{n_failed} not solved): mTOR + ERK co-activated vs mTOR-active (PTEN_loss) cells"
    )
    for name, holds in terms.items():
        print(f"  {name}: {holds.mean():.2f}")
    print(f"  both response terms: {response.mean():.2f}")
    print(
        f"  with the claim's mTORC1 term (>= 1.05x, {mtorc1.mean():.2f}): "
        f"{(response & mtorc1).mean():.2f}"
    )
    for d in CLAIM5_DRUGS:
        q = {k: df[f"{k} {d}"].median() for k in ("WT", "mTOR", "both")}
        print(
            f"  {d} {CLAIM5_DRUGS[d]:g} nM, median fall: WT {q['WT']:.4f}, PTEN_loss "
            f"{q['mTOR']:.4f}, PTEN_loss + ERK_coactivation {q['both']:.4f}"
        )
    sys.stdout.flush()


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--quick", action="store_true", help="20 members of 'all' (default)")
    ap.add_argument("--full", action="store_true", help="every member of both ensembles")
    ap.add_argument("--prior", action="store_true", help="also as many unselected prior draws")
    ap.add_argument("--drivers", action="store_true", help="which constants move the margins")
    ap.add_argument("--members", type=int, default=None)
    ap.add_argument(
        "--set",
        action="append",
        default=[],
        metavar="NAME=VALUE",
        help="set a parameter in the model and every member (repeatable)",
    )
    ap.add_argument(
        "--scale",
        action="append",
        default=[],
        metavar="NAME=FACTOR",
        help="multiply a parameter in the model and every member (repeatable)",
    )
    ap.add_argument(
        "--akt-gate",
        type=float,
        default=None,
        metavar="A",
        help="a_T308_only = A in the model and every member, each member's WT kept",
    )
    ap.add_argument(
        "--erk-rtk-off",
        action="store_true",
        help="remove ERK -| RTK from the model and every member, each member's WT kept",
    )
    ap.add_argument(
        "--erk-raptor",
        type=float,
        default=None,
        metavar="SHARE",
        help="add ERK/RSK -> raptor carrying SHARE of resting mTORC1 activation, WT kept",
    )
    ap.add_argument(
        "--claim5-readings",
        action="store_true",
        help="claim 5 read as the review's co-activation evidence, across the members",
    )
    ap.add_argument("--csv", type=Path, help="write the summary numbers here")
    args = ap.parse_args(argv)
    full = args.full and not args.quick
    n = args.members or (None if full else 20)
    overrides, factors = _overrides(args.set), _overrides(args.scale)
    model = ms.load_model()
    _check_names(model, overrides, factors, args.akt_gate)
    given = [args.erk_rtk_off, args.akt_gate is not None, args.erk_raptor is not None]
    if sum(given) > 1:
        raise SystemExit("--erk-rtk-off, --akt-gate and --erk-raptor are separate; give one")
    if args.erk_raptor is not None:
        if not 0 < args.erk_raptor < 1:
            raise SystemExit(f"--erk-raptor must be in (0, 1), got {args.erk_raptor:g}")
        if clash := sorted({*overrides, *factors} & set(RAPTOR)):
            raise SystemExit(f"{', '.join(clash)}: set by --erk-raptor, not also by --set/--scale")
        model = erk_raptor_model()
    if args.erk_rtk_off and (clash := sorted({*overrides, *factors} & set(UNFED))):
        raise SystemExit(f"{', '.join(clash)}: set by --erk-rtk-off, not also by --set/--scale")
    changed = _changed(model.parameters, overrides, factors)
    if changed:
        model = model.with_parameters(changed)
        print("changed in the model and every member: " + ", ".join(args.set + args.scale))
    base = model
    if args.akt_gate is not None:
        if not 0 < args.akt_gate <= 1:
            raise SystemExit(f"--akt-gate must be in (0, 1], got {args.akt_gate:g}")
        gated = _gated(base, args.akt_gate)
        if gated is None:
            raise SystemExit("--akt-gate: the bundled model's untreated WT does not solve")
        model = base.with_parameters(gated)
        print(f"a_T308_only = {args.akt_gate:g} in the model and every member, WT kept")
    if args.erk_rtk_off:
        unfed = _unfed(base)
        if unfed is None:
            raise SystemExit("--erk-rtk-off: the bundled model's untreated WT does not solve")
        model = base.with_parameters(unfed)
        print("ERK -| RTK removed from the model and every member, WT kept")
    if args.erk_raptor is not None:
        routed = _raptor(base, args.erk_raptor)
        if routed is None:
            raise SystemExit("--erk-raptor: the bundled model's untreated WT does not solve")
        model = base.with_parameters(routed)
        print(
            f"ERK/RSK -> raptor added, {args.erk_raptor:g} of resting mTORC1 activation, "
            "in the model and every member, WT kept"
        )

    def adjusted(table: pd.DataFrame) -> pd.DataFrame:
        """``table`` with the --set values and --scale factors applied to every member,
        then (``--akt-gate``) the gate or (``--erk-rtk-off``) the feedback removed, each
        member's WT kept."""
        table = table.assign(**_changed(table, overrides, factors))
        if args.erk_rtk_off:
            return erk_rtk_off(base, table)
        if args.erk_raptor is not None:
            return erk_raptor(base, table, args.erk_raptor)
        return table if args.akt_gate is None else akt_gate(base, table, args.akt_gate)

    rows = validation_rows()
    made = ms.load_ensemble().attrs["made_by"]
    print(
        f"ensemble: {made.get('keep')} of {made.get('draws')} prior draws (seed "
        f"{made.get('seed')}, sigma {made.get('prior', {}).get('sigma')}), "
        f"{len(rows)} validation rows held out"
    )
    summaries = []
    for which in ("all", "verified") if full else ("all",):
        table = ms.load_ensemble(which)
        table = adjusted(table.iloc[:n] if n else table)
        summaries.append(report(f"ensemble '{which}'", model, table, rows))
    members = ms.load_ensemble()
    mechanisms(model, adjusted(members.iloc[:n] if n else members))
    if args.claim5_readings:
        claim5_readings(model, adjusted(members.iloc[:n] if n else members))
    if args.akt_gate is not None and (args.drivers or full):
        print(
            "note: under --akt-gate, a_T308_only is constant (no correlation) and the log "
            "factors of k_TSC2_AKT, k_PRAS40_AKT include each member's own rescaling"
        )
    if args.prior or full:
        size = n or len(members)
        prior = adjusted(prior_table(size))
        summaries.append(report("prior draws (no calibration)", model, prior, rows))
        tension(model, prior)
        if args.drivers or full:
            drivers(model, prior)
    elif args.drivers:
        drivers(model, adjusted(prior_table(n or len(members))))
    if args.csv:
        pd.DataFrame(summaries).to_csv(args.csv, index=False)
    return 0 if all(math.isfinite(s["all_pass_fraction"]) for s in summaries) else 1


if __name__ == "__main__":
    raise SystemExit(main())
