"""A virtual trial of 1,000 patients (``--full``: 10,000) in every arm of the review, on every core.

Side by side: the arms driven by exposure (each regimen's dose schedule, the default)
and the same arms at constant concentrations (``dict(ms.REGIMENS)``, how the trial ran
before exposure), then the phase-count check of the exposure-driven arms: adaptive phases
against 64 equal phases of the dosing cycle on 200 patients.

Last, a what-if on the dactolisib arm: its potencies are biochemical IC50s (p110alpha
4 nM, mTOR 20.7 nM, PI3K the more strongly hit), while in cells mTOR inhibition is
reported to predominate below 100 nM and PI3K to be blocked only near 500 nM (a 2018
trial report citing Maira 2008, `models/catalogue.toml`). No cellular IC50 was seen, so
the what-if values (PI3K 200 or 500 nM on both p110alpha and p110beta, mTOR 10 nM) are
ASSUMPTIONS of that order, run to size how much of the arm's gap to the clinic the
potency basis can explain; the model's values are not changed.

Run: python benchmarks/bench_trial.py [--full]
"""

from __future__ import annotations

import time

import numpy as np
from _common import QUICK, report

import mtor_sim as ms


def main() -> None:
    n = 1_000 if QUICK else 10_000
    model = ms.load_model()
    model.steady_state()
    t = time.perf_counter()
    cohort = ms.virtual_cohort(model, n, seed=0)
    t_cohort = time.perf_counter() - t
    arms = len(ms.REGIMENS)
    rows = [("cohort drawn", f"{t_cohort:.2f} s", "-")]
    results = {}
    for label, given in (("exposure (dose schedules)", None), ("constant nM", dict(ms.REGIMENS))):
        t = time.perf_counter()
        res = ms.trial(model, given, cohort=cohort, backend="processes", progress=False)
        took = time.perf_counter() - t
        results[label] = res
        points = n * (1 + sum(res.settings["dosing"][a]["phases"] for a in res.arms))
        claims = ms.trial_claims(res)
        rows += [
            (f"{label}: trial", f"{took:.1f} s", "minutes"),
            ("  steady states (patients x arms x phases)", f"{points:,}", "-"),
            ("  per steady state", f"{1e3 * took / points:.2f} ms", "-"),
            ("  not evaluable", str(int((res.table["category"] == "NE").sum())), "reported"),
            (
                "  review orderings that hold",
                f"{int(claims['passed'].sum())} of {len(claims)}",
                "all",
            ),
        ]
    for label, res in results.items():
        cmp = res.compare_with_review().set_index("comparison")
        for c, r in cmp.iterrows():
            review = "" if r["review"] != r["review"] else f"review {r['review']:g} %"
            rows.append(
                (f"{label}: {c}", f"{r['simulated']:.1f} % ({r['simulated_95CI']})", review)
            )
    exposure = results["exposure (dose schedules)"]
    rows.append(
        (
            "phases per arm (adaptive)",
            ", ".join(f"{a} {exposure.settings['dosing'][a]['phases']}" for a in exposure.arms),
            "-",
        )
    )
    small = ms.virtual_cohort(model, 200, seed=3)
    adaptive = ms.trial(model, cohort=small, backend="processes", progress=False)
    fine = ms.trial(model, cohort=small, phases=64, backend="processes", progress=False)
    a_t = adaptive.table.set_index(["arm", "patient"])
    f_t = fine.table.set_index(["arm", "patient"])
    dr = (a_t["growth_rate_treated"] - f_t["growth_rate_treated"]).abs().groupby("arm").max()
    a_orr = adaptive.response_rates().set_index("arm")["ORR"]
    f_orr = fine.response_rates().set_index("arm")["ORR"]
    rows += [
        (
            "phase check, 200 patients: max |growth-rate change| vs 64 phases",
            f"{dr.max():.1e} /day ({dr.idxmax()})",
            "< 1e-3 /day",
        ),
        (
            "  largest ORR change vs 64 phases",
            f"{np.max(np.abs(a_orr - f_orr.loc[a_orr.index])):.1f} points",
            "< 1 point",
        ),
    ]
    sites = ms.DRUGS["dactolisib"].potency_parameters  # target site -> potency parameter
    for k_pi3k, k_mtor in ((200.0, 10.0), (500.0, 10.0)):  # assumptions, see the docstring
        what_if = model.with_parameters(
            {sites[s]: k_pi3k for s in ("PI3K", "PI3K_beta")}
            | {sites[s]: k_mtor for s in ("mTORC1_ATP", "mTORC2_ATP")}
        )
        res = ms.trial(what_if, ["dactolisib"], cohort=cohort, backend="processes", progress=False)
        orr = res.response_rates().set_index("arm").loc["dactolisib", "ORR"]
        rows.append(
            (
                f"what-if, dactolisib at cellular order: PI3K {k_pi3k:g} nM, mTOR {k_mtor:g} nM",
                f"{orr:.1f} %",
                "review 11.1 %",
            )
        )
    report(f"virtual trial: {n} patients x {arms} arms (+ untreated), 2 processes", rows)


if __name__ == "__main__":
    main()
