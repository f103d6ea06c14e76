"""A virtual trial of 10,000 patients in every arm of the review, on every core.

Run: python benchmarks/bench_trial.py [--quick]
"""

from __future__ import annotations

import time

from _common import QUICK, report

import mtor_sim as ms


def main() -> None:
    n = 1_000 if QUICK else 10_000
    model = ms.load_model()
    model.steady_state()
    t = time.perf_counter()
    cohort = ms.virtual_cohort(model, n, seed=0)
    t_cohort = time.perf_counter() - t
    t = time.perf_counter()
    res = ms.trial(model, cohort=cohort, backend="processes", progress=False)
    t_trial = time.perf_counter() - t
    arms = len(ms.REGIMENS)
    claims = ms.trial_claims(res)
    report(
        f"virtual trial: {n} patients x {arms} arms (+ untreated), 2 processes",
        [
            ("cohort drawn", f"{t_cohort:.2f} s", "-"),
            ("trial (all steady states and outcomes)", f"{t_trial:.1f} s", "minutes"),
            ("  per patient and arm", f"{1e3 * t_trial / (n * (arms + 1)):.2f} ms", "-"),
            (
                "not evaluable (no verified steady state)",
                str(int((res.table["category"] == "NE").sum())),
                "reported, not hidden",
            ),
            (
                "review orderings that hold",
                f"{int(claims['passed'].sum())} of {len(claims)}",
                "all",
            ),
        ],
    )


if __name__ == "__main__":
    main()
