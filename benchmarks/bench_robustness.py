"""Robustness of the review's 15 claims to the bundled model's kinetic constants.

Every kinetic constant is multiplied by an independent log-normal factor
``exp(sigma * N(0, 1))``; the normalisation references are recomputed as
``models/calibrate.py`` does (the untreated-WT steady state of the perturbed model,
so that its untreated WT indices are 1); then ``ms.claims.check_all`` runs on the
perturbed model. The figure is the fraction of draws in which each claim passes, and
in which all 15 pass together, with each claim's margin (distance from its threshold).

Run: python benchmarks/bench_robustness.py [--full] [--draws N] [--seed S] [--also ...]

Without ``--full`` (as CI runs it; ``--quick`` says the same) it runs
10 draws at sigma 0.3 in one process (~10 s). ``--full`` draws 200 parameter sets at
each of sigma 0.15 and 0.3 on 2 processes (~6 min); run it by hand. The quick mode is
the default because CI runs every ``bench_*.py`` without arguments.

Which parameters are kinetic constants is decided from the model itself, not from a
list of names. A constant global parameter of the model is perturbed when

1. it is not a node total or expression level (``@node``), an input (``@input``), a
   normalisation reference (``@reference``) or a drug concentration (``dose_*``);
2. it is not a WT level defined as 1 that a genotype preset scales (``PI3K_cat``:
   relative lipid-kinase activity, the PIK3CA_gain knob; it always multiplies
   ``k_PIP3_syn``, which is perturbed);
3. it is non-zero (a log-normal factor leaves 0 at 0); and
4. it changes at least one reaction rate when no drug is present, tested numerically
   at a generic state (every species at 0.3, every input at 1) by raising it by 10 %.
   A species that is 0 at the untreated WT steady state exists only under a drug
   (``FRB_adapt``, the rapalog-bound mTORC1 whose activity toward 4EBP1 has recovered,
   revision 6) and is held at 0 there, as it is without a drug.

A few constants have a bound that their meaning sets (``BOUNDS``, the catalogue's
``[limits]``): a fraction of a maximum cannot exceed 1, and a coupling factor whose
direction the source gives cannot cross 1. A drawn value beyond its bound is reflected
back across it in log space (``bounded``): a draw a log-distance d beyond the bound
lands d inside it. For a bundled value on the bound (``a_T308_only`` = 1) that gives a
half-log-normal spread; for one inside it (``WNT_inhib`` = 0.9) the reflected draws crowd
the bound's side.

Rule 4 leaves out the drug potencies and drug-action constants (``K_*`` of drugs,
``rapa_res_*``, ``f_FGFR``), which act only when a drug is present, and the phenotype
index weights (``w_*``, ``K_arm``, ``K_4E``), which map states to indices without
entering any rate. Both are listed in the output. ``--also assumptions`` perturbs the
second group too (rapalog resistance and its recovery, index weights and
half-saturations, the p110beta share: assumptions that decide some claims, e.g. claim
12's dual-inhibitor advantage through ``rapa_res_4EBP1``), ``--also potencies`` the
first (the drugs' binding constants, most from a source), at the same sigma; the shares
of one index are scaled back to sum to 1 (``SHARES``), and each draw's kinetic factors
are those of a run without them.

How the perturbed model is built: ``Model`` has no public way to carry changed
defaults into ``ms.claims.check_all`` (which calls the verbs without ``parameters=``),
and an SBML file (``.xml``) loads as a generic model (``is_bundled`` is False: the
genotypes, drugs and claims are keyed on the ``@node`` annotations of the ``.ant``
source), so the script writes the perturbed ``.ant`` text to a temporary folder and
loads it with ``ms.load_model``; that model counts as bundled. The WT steady state
used for its references is computed on the bundled model with ``parameters=`` (public).
"""

from __future__ import annotations

import argparse
import importlib.util
import math
import os
import re
import sys
import tempfile
import time
import tomllib
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

import numpy as np

# Perturbed models must not fill the on-disk compiled-model cache (one entry per draw).
os.environ["MTOR_SIM_CACHE"] = "off"

import mtor_sim as ms  # noqa: E402

HERE = Path(__file__).resolve().parent
ANT = HERE.parent / "models" / "mtor_hcc.ant"
CALIBRATE = HERE.parent / "models" / "calibrate.py"


def _references() -> dict[str, str]:
    """calibrate.py's table: reference parameter -> WT expression it normalises."""
    spec = importlib.util.spec_from_file_location("_mtor_calibrate", CALIBRATE)
    assert spec is not None and spec.loader is not None
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return dict(mod.REFERENCES)


def _ant_text() -> str:
    return ANT.read_text() if ANT.exists() else ms.bundled_model_path(".ant").read_text()


# ----------------------------------------------------------------- parameter classes
def classify_parameters(model) -> dict[str, list[str]]:
    """Split the model's constant parameters into kinetic constants and the rest.

    Returns a dict with keys ``kinetic``, ``drug_or_index`` (rule 4 fails),
    ``structural`` (rules 1-3 fail).
    """
    import roadrunner

    # The annotations are not exposed by Model, so they are read from the model's text.
    text = _ant_text()
    excluded = set()
    for m in re.finditer(r"//\s*@node\s+[^:\s]+:\s*([^;\n]*);", text):
        excluded |= set(m.group(1).split())
    excluded |= set(re.findall(r"//\s*@(?:input|reference)\s+(\w+)", text))
    excluded |= {ms.DRUGS[d].dose_parameter for d in model.drugs}
    for g in ms.GENOTYPES.values():
        excluded |= {p for p, _ in g.scale if model.parameters.get(p) == 1.0}
    params = model.parameters
    rr = roadrunner.RoadRunner(model.sbml)
    untreated = model.steady_state().species
    for s in rr.model.getFloatingSpeciesIds():
        rr[s] = 0.0 if abs(untreated.get(s, 1.0)) < 1e-12 else 0.3  # drug-only species: 0
    for q in model.inputs:  # input couplings count (energy stress, Wnt)
        rr[q] = 1.0
    base = np.array(rr.getReactionRates())
    out: dict[str, list[str]] = {"kinetic": [], "drug_or_index": [], "structural": []}
    for p, v in params.items():
        if p in excluded or v == 0.0:
            out["structural"].append(p)
            continue
        rr[p] = v * 1.1
        moved = np.abs(np.array(rr.getReactionRates()) - base) > 1e-12 * (1 + np.abs(base))
        rr[p] = v
        out["kinetic" if moved.any() else "drug_or_index"].append(p)
    return out


# Bounds set by a constant's meaning (lower, upper; either may be None): the catalogue's
# [limits], where each has its source. Without them a log-normal factor of 1.35 at one SD
# would let, e.g., Wnt inhibit the destruction complex by more than 100 % (WNT_inhib 0.9
# exceeds 1 in 36 % of draws at sigma 0.3). Only the kinetic constants among them are
# drawn here.
BOUNDS: dict[str, tuple[float | None, float | None]] = {
    name: (entry.get("lower"), entry.get("upper"))
    for name, entry in tomllib.loads((HERE.parent / "models" / "catalogue.toml").read_text())[
        "limits"
    ].items()
}


def bounded(name: str, value: float) -> float:
    """``value`` reflected in log space back across ``name``'s bound (``BOUNDS``), if any."""
    low, high = BOUNDS.get(name, (None, None))
    if high is not None and value > high:
        value = high * high / value
    if low is not None and value < low:
        value = low * low / value
    return value


#: Index weights that are shares of one index (each index is 1 at the untreated WT only
#: while its shares sum to 1): drawn together, they are scaled back to their bundled sum.
SHARES = (("w_P_TL", "w_P_ERK", "w_P_AKT", "w_P_FOXO"), ("w_S_AKT", "w_S_ERK", "w_S_FOXO"))


def extra_constants(drug_or_index: list[str], groups: list[str]) -> list[str]:
    """The constants of rule 4's class that ``--also`` adds: ``potencies`` (the drugs'
    binding constants ``K_<drug>_<site>``, most from a source) and ``assumptions`` (the
    rest: rapalog resistance and its recovery, index weights and half-saturations, the
    p110beta share; assumptions, MECHANISMS.md)."""
    drugs = tuple(f"K_{d}_" for d in ms.DRUGS)
    potency = [p for p in drug_or_index if p.startswith(drugs)]
    chosen = {"potencies": potency, "assumptions": [p for p in drug_or_index if p not in potency]}
    return [p for g in groups for p in chosen[g]]


def drawn_values(model, kinetic: list[str], factors: np.ndarray) -> dict[str, float]:
    """Each constant times its factor, kept within its bound (``bounded``); the shares of
    one index (``SHARES``), when drawn, scaled back to their bundled sum."""
    values = {
        p: bounded(p, float(model.parameters[p] * f)) for p, f in zip(kinetic, factors, strict=True)
    }
    for group in SHARES:
        if all(p in values for p in group):
            scale = sum(model.parameters[p] for p in group) / sum(values[p] for p in group)
            values.update({p: values[p] * scale for p in group})
    return values


# --------------------------------------------------------------------- one draw
_STATE: dict = {}


def _init(also: tuple[str, ...] = ()) -> None:
    model = ms.load_model()
    _STATE["model"] = model
    classes = classify_parameters(model)
    # the extra constants come after the kinetic ones, so each draw's kinetic factors are
    # those of a run without them
    _STATE["kinetic"] = classes["kinetic"] + extra_constants(classes["drug_or_index"], list(also))
    _STATE["refs"] = _references()
    _STATE["text"] = _ant_text()
    _STATE["tmp"] = tempfile.mkdtemp(prefix="mtor_robust_")


def _eval_reference(expr: str, ss, values: dict[str, float], rules: dict[str, str]) -> float:
    """Value of calibrate.py's reference expression at a steady state."""
    ns = {**values, **ss.species.to_dict()}
    total = 0.0
    for part in (p.strip() for p in expr.split("+")):
        if part in ss.species.index:
            total += float(ss.species[part])
        else:  # an assignment rule of the model (eIF4E_free, AKT_act)
            total += float(eval(rules[part], {"__builtins__": {}}, ns))  # noqa: S307
    return total


def _rules(sbml: str) -> dict[str, str]:
    import libsbml

    doc = libsbml.readSBMLFromString(sbml)
    m = doc.getModel()
    settings = libsbml.L3ParserSettings()
    settings.setParseUnits(False)  # "1", not "1 dimensionless": the numbers carry units
    return {
        m.getRule(i).getVariable(): libsbml.formulaToL3StringWithSettings(
            m.getRule(i).getMath(), settings
        ).replace("^", "**")
        for i in range(m.getNumRules())
    }


def _set_value(text: str, name: str, value: float) -> str:
    new, n = re.subn(
        rf"(\n\s*{re.escape(name)}\s*=\s*)[-+0-9.eE]+", rf"\g<1>{value:.12g}", text, count=1
    )
    if n != 1:
        raise RuntimeError(f"parameter {name!r} not found in the .ant text")
    return new


def run_draw(sigma: float, seed: int, draw: int, also: tuple[str, ...] = ()) -> dict:
    """Perturb, recompute references, check all claims. Returns pass flags and margins."""
    if not _STATE:
        _init(also)
    model, kinetic = _STATE["model"], _STATE["kinetic"]
    rng = np.random.default_rng([seed, int(round(sigma * 1000)), draw])
    factors = np.exp(sigma * rng.standard_normal(len(kinetic)))
    values = drawn_values(model, kinetic, factors)
    out: dict = {"sigma": sigma, "draw": draw}
    ss = model.steady_state(parameters=values)
    if not ss.success:
        out["error"] = f"WT steady state: {ss.status}"
        return out
    rules = _STATE.setdefault("rules", _rules(model.sbml))
    allvals = {**model.parameters.to_dict(), **values}
    text = _STATE["text"]
    for p, v in values.items():
        text = _set_value(text, p, v)
    for name, expr in _STATE["refs"].items():
        text = _set_value(text, name, _eval_reference(expr, ss, allvals, rules))
    path = Path(_STATE["tmp"]) / f"mtor_hcc_{sigma:g}_{draw}.ant"
    path.write_text(text)
    try:
        pert = ms.load_model(path)
        if not pert.is_bundled:
            raise RuntimeError("perturbed model does not load as the bundled model")
        results = ms.claims.check_all(pert)
    except Exception as exc:  # a draw whose claims cannot run counts as failing all
        out["error"] = f"{type(exc).__name__}: {exc}"
        return out
    finally:
        path.unlink(missing_ok=True)
    out["passed"] = {r.number: bool(r.passed) for r in results}
    out["margin"] = {r.number: margin(r) for r in results}
    return out


# ---------------------------------------------------------------------- margins
def margin(r) -> float:
    """Signed distance of a claim from its threshold (> 0 passes), in the units of the
    tightest term of its criterion. Thresholds are those of ``_claims.py`` (stated there
    in each claim's ``criterion``; ``ClaimResult`` exposes the numbers, not the
    thresholds, so they are restated here)."""
    n = r.numbers
    v = list(n.values())
    if not r.all_solved:
        return math.nan
    k = r.number
    if k in (1, 2):
        return min(v) - 1.10
    if k == 3:
        return min(v) - 1.02
    if k == 4:
        return min(v) - 1.05
    if k == 5:
        f = n["mTORC1_activity fold (ERK_coactivation / WT)"] - 1.05
        terms = [f]
        for d in ("everolimus 10 nM", "vistusertib 1000 nM"):
            terms.append(
                n[f"WT: proliferation inhibition by {d}"]
                - n[f"ERK_coactivation: proliferation inhibition by {d}"]
            )
        return min(terms)
    if k == 6:
        return 0.8 - max(v)
    if k == 7:
        w = n["WT: proliferation inhibition"]
        return min(
            w - n["PTEN_loss: proliferation inhibition"],
            w - n["AKT_overexpression: proliferation inhibition"],
        )
    if k == 8:
        drugs = ("sirolimus", "everolimus", "temsirolimus")
        mx = [n[f"{d}: max proliferation inhibition"] for d in drugs]
        s6 = [n[f"{d}: max pS6K1 inhibition"] for d in drugs]
        ic = {d: n[f"{d}: pS6K1 IC50 (nM)"] for d in drugs}
        return min(
            min(mx) - 0.05,
            0.40 - max(mx),
            0.02 - n["spread of max proliferation inhibition"],
            min(s6) - 0.8,
            math.log(ic["temsirolimus"] / ic["sirolimus"]),
            math.log(ic["everolimus"] / ic["temsirolimus"]),
        )
    if k == 9:
        folds = [x for key, x in n.items() if "(everolimus / untreated)" in key]
        return min(min(folds) - 1.10, 0.05 - abs(n["PIP3 fold with S6K1 -| IRS1 cut"] - 1))
    if k == 10:
        return min(
            n["RTK_total fold at 24 h"] - 1.3,
            (n["time to half of the 48-h rise (h)"] - 2.0) / 10.0,
            1.05 - n["RTK_total fold at 24 h, FOXO -> RTK cut"],
        )
    if k == 11:
        return min(
            n["pAKT_S473, mTORC2_high + everolimus"] - n["pAKT_S473, WT untreated"],
            n["proliferation inhibition, WT"] - n["proliferation inhibition, mTORC2_high"],
        )
    if k == 12:
        e, d = n["tumour reduction %, everolimus"], n["tumour reduction %, vistusertib"]
        return min(d - 1.5 * e, d - e - 20.0)
    if k == 13:
        return 0.3 - max(v)
    if k == 14:
        best = max(n["inhibition, everolimus"], n["inhibition, sorafenib"])
        return min(n["inhibition, combination"] - best - 0.02, n["Bliss excess"] + 0.01)
    if k == 15:
        return min(
            n["EMT both / best single"] - 1.10,
            min(n["EMT, mTORC1 high (PTEN_loss)"], n["EMT, beta-catenin active"]) - 1.0,
        )
    return math.nan


MARGIN_UNITS = {
    1: "fold",
    2: "fold",
    3: "fold",
    4: "index",
    5: "fold / fraction",
    6: "fold",
    7: "fraction",
    8: "fraction / log IC50 ratio",
    9: "fold",
    10: "fold (time term: h/10)",
    11: "fraction",
    12: "percentage points",
    13: "fold",
    14: "fraction",
    15: "fold / index",
}


# ------------------------------------------------------------------------- main
def _worker(args: tuple[float, int, int, tuple[str, ...]]) -> dict:
    return run_draw(*args)


def summarise(results: list[dict], sigma: float) -> None:
    rows = [r for r in results if r["sigma"] == sigma]
    n = len(rows)
    ok = [r for r in rows if "passed" in r]
    print(
        f"\n## sigma = {sigma:g}: {n} draws, {n - len(ok)} failed to run "
        "(counted as failing every claim)"
    )
    print(
        f"  {'claim':>5}  {'pass fraction':>13}  {'margin median':>13}  "
        f"{'5 %':>9}  {'95 %':>9}  margin units"
    )
    for k in range(1, 16):
        frac = sum(r["passed"][k] for r in ok) / n
        m = np.array([r["margin"][k] for r in ok], dtype=float)
        m = m[np.isfinite(m)]
        q = np.quantile(m, [0.5, 0.05, 0.95]) if m.size else [math.nan] * 3
        print(
            f"  {k:>5}  {frac:>13.2f}  {q[0]:>13.4g}  {q[1]:>9.4g}  {q[2]:>9.4g}  {MARGIN_UNITS[k]}"
        )
    together = sum(all(r["passed"].values()) for r in ok) / n
    print(f"  {'all':>5}  {together:>13.2f}")
    for r in rows:
        if "error" in r:
            print(f"  draw {r['draw']}: {r['error']}")
    sys.stdout.flush()


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--quick", action="store_true", help="10 draws at sigma 0.3 (default)")
    ap.add_argument(
        "--full", action="store_true", help="200 draws at each of sigma 0.15 and 0.3 on --processes"
    )
    ap.add_argument("--draws", type=int, default=None, help="draws per sigma (default 200)")
    ap.add_argument("--sigmas", type=float, nargs="+", default=None)
    ap.add_argument("--seed", type=int, default=2026)
    ap.add_argument("--processes", type=int, default=2)
    ap.add_argument(
        "--also",
        nargs="+",
        choices=("assumptions", "potencies"),
        default=[],
        help="perturb these constants of rule 4's class too, at the same sigma",
    )
    args = ap.parse_args(argv)
    also = tuple(args.also)
    full = args.full and not args.quick
    draws = args.draws or (200 if full else 10)
    sigmas = args.sigmas or ([0.15, 0.3] if full else [0.3])
    procs = args.processes if full else 1
    model = ms.load_model()
    classes = classify_parameters(model)
    print(
        f"kinetic constants perturbed ({len(classes['kinetic'])}): " + ", ".join(classes["kinetic"])
    )
    print(
        f"left alone, act only with a drug or only in an index ({len(classes['drug_or_index'])})"
        ": " + ", ".join(classes["drug_or_index"])
    )
    extra = extra_constants(classes["drug_or_index"], list(also))
    if extra:
        print(f"perturbed too (--also {' '.join(also)}; {len(extra)}): " + ", ".join(extra))
    print(f"left alone, totals/inputs/doses/references/zero ({len(classes['structural'])})")
    base = ms.claims.check_all(model)
    print(
        "bundled model: claims passing "
        + f"{sum(r.passed for r in base)}/15; margins "
        + ", ".join(f"{r.number}: {margin(r):.3g}" for r in base)
    )
    tasks = [(s, args.seed, d, also) for s in sigmas for d in range(draws)]
    t = time.perf_counter()
    if procs == 1:
        results = [run_draw(*task) for task in tasks]
    else:
        with ProcessPoolExecutor(procs, initializer=_init, initargs=(also,)) as pool:
            results = list(pool.map(_worker, tasks, chunksize=4))
    wall = time.perf_counter() - t
    print(f"\n{len(tasks)} draws in {wall:.1f} s on {procs} process(es) (seed {args.seed})")
    for s in sigmas:
        summarise(results, s)


if __name__ == "__main__":
    main()
