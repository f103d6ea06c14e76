"""Steady states of the bundled model: speed against roadrunner baselines, and correctness.

Run: python benchmarks/bench_steady_state.py [--quick]

Every figure is measured here, side by side with its baseline, on random conditions
(a random genotype, drug and dose each time).
"""

from __future__ import annotations

import numpy as np
from _common import QUICK, median_ms, report

import mtor_sim as ms
from mtor_sim._engine import solve_point
from mtor_sim._perturb import make_perturbation


def random_conditions(model: ms.Model, n: int, seed: int) -> list:
    rng = np.random.default_rng(seed)
    genotypes, drugs = list(ms.GENOTYPES), list(model.drugs)
    return [
        make_perturbation(
            model,
            genotype=str(rng.choice(genotypes)),
            drugs={str(rng.choice(drugs)): float(10 ** rng.uniform(-1, 4))},
        )
        for _ in range(n)
    ]


def values_for(model: ms.Model, pert) -> dict[str, float]:
    from mtor_sim._perturb import resolve

    return resolve(model, pert)[0]


def main() -> None:
    import roadrunner

    model = ms.load_model()
    model.steady_state()  # compile (or load from the cache) and find the reference state
    conds = random_conditions(model, 300 if QUICK else 1000, seed=1)

    # ours: the guarded single-point path, and the public API (builds pandas results)
    it = iter(conds * 2)
    ours = median_ms(lambda: solve_point(model, next(it)), len(conds))
    it = iter(conds)
    public = median_ms(
        lambda: (
            ms.steady_state(model, genotype=list(p.genotype), drugs=dict(p.drugs))
            if (p := next(it))
            else 0
        ),
        min(300, len(conds)),
    )

    # baseline 1: roadrunner's default steadyState() on a fresh model, as most users call it
    base = roadrunner.RoadRunner(model.sbml)

    def default_loop(p=None) -> None:
        p = p or next(it2)
        base.resetAll()
        for k, v in values_for(model, p).items():
            base[k] = v
        try:
            base.steadyState()
        except RuntimeError:
            pass

    it2 = iter(conds)
    default = median_ms(default_loop, 5 if QUICK else 10)

    # baseline 2: simulate(0, 1e4) to steady state with the same compiled settings
    sim = model._runner()

    def simulate_loop() -> None:
        p = next(it3)
        sim.resetAll()
        for k, v in values_for(model, p).items():
            sim[k] = v
        sim.reset()
        sim.simulate(0, 1e4, 2)

    it3 = iter(conds)
    simulate = median_ms(simulate_loop, len(conds))

    # correctness: each accepted state against a long stiff integration from initial state
    check = ms.load_model()  # separate runners, same SBML
    runner = check._runner()
    statuses: dict[str, int] = {}
    worst, disagree = 0.0, 0
    for p in conds:
        res = solve_point(model, p)
        statuses[res.status] = statuses.get(res.status, 0) + 1
        if res.status != "ok":
            continue
        runner.resetAll()
        for k, v in values_for(model, p).items():
            runner[k] = v
        runner.reset()
        runner.simulate(0, 1e6, 2)
        x = np.array(runner.model.getFloatingSpeciesConcentrations())
        rel = np.max(np.abs(res.species - x) / np.maximum(np.abs(x), 1e-6))
        worst = max(worst, rel)
        disagree += rel > 1e-6
    report(
        "guarded steady state, bundled model",
        [
            ("median per condition (single-point path)", f"{ours:.3f} ms", "<= 0.6 ms"),
            ("median per condition (ms.steady_state)", f"{public:.3f} ms", "-"),
            ("roadrunner default steadyState() loop", f"{default:.1f} ms", "baseline"),
            ("  speed-up over it", f"{default / ours:.0f}x", ">= 500x"),
            ("simulate(0, 1e4) loop", f"{simulate:.3f} ms", "baseline"),
            ("  speed-up over it", f"{simulate / ours:.1f}x", ">= 2x"),
            (f"{len(conds)} random points: statuses", str(statuses), "every point with a status"),
            ("  accepted vs 1e6-min integration: worst rel", f"{worst:.1e}", "<= 1e-6"),
            ("  accepted points disagreeing (> 1e-6)", str(disagree), "0"),
        ],
    )


if __name__ == "__main__":
    main()
