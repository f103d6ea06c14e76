"""Steady states of the bundled model: speed against roadrunner baselines, and correctness.

Run: python benchmarks/bench_steady_state.py [--full]

Every figure is measured here, side by side with its baseline, on random conditions
(a random genotype, drug and dose each time).
"""

from __future__ import annotations

import os
import time

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


def side_by_side(model: ms.Model, conds: list) -> dict[str, float]:
    """Median ms per condition of the public API, the single-point path under it, and the
    roadrunner calls that path makes, measured in turn on each condition (the order
    rotating), so that the machine's drift reaches all three alike."""
    solver = model._solver()
    r = solver.r

    def public(p) -> object:
        return ms.steady_state(model, genotype=list(p.genotype), drugs=dict(p.drugs))

    def raw(p) -> object:
        return solve_point(model, p)

    def roadrunner_calls(p) -> object:
        # what the single-point path asks of roadrunner on the warm path: reset with the
        # point's parameters, Newton (nleq2) from the reference state, reduced Jacobian
        values = values_for(model, p)
        solver.apply(values)
        solver._warm()
        return r.getReducedJacobian()

    ways = {"public": public, "raw": raw, "roadrunner": roadrunner_calls}
    times: dict[str, list[float]] = {k: [] for k in ways}
    names = list(ways)
    for i, p in enumerate(conds):
        for k in names[i % 3 :] + names[: i % 3]:
            t = time.perf_counter()
            ways[k](p)
            times[k].append(time.perf_counter() - t)
    return {k: float(np.median(v) * 1e3) for k, v in times.items()}


def main() -> None:
    import roadrunner

    model = ms.load_model()
    model.steady_state()  # compile (or load from the cache) and find the reference state
    conds = random_conditions(model, 300 if QUICK else 1000, seed=1)
    load = os.getloadavg()[0]
    side_by_side(model, conds[:50])  # warm-up: caches, allocator
    rounds = [side_by_side(model, conds) for _ in range(1 if QUICK else 3)]
    med = {k: float(np.median([r[k] for r in rounds])) for k in rounds[0]}
    ours, public, rr_calls = med["raw"], med["public"], med["roadrunner"]

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
    spread = ", ".join(f"{r['public']:.3f}/{r['raw']:.3f}" for r in rounds)
    report(
        f"guarded steady state, bundled model (load average {load:.1f})",
        [
            ("median per condition (ms.steady_state)", f"{public:.3f} ms", "<= 0.3 ms"),
            ("median per condition (single-point path)", f"{ours:.3f} ms", "<= 0.6 ms"),
            ("  its roadrunner calls (reset, nleq2, Jacobian)", f"{rr_calls:.3f} ms", "-"),
            (
                "  validation + result over the solve",
                f"{(public - ours) * 1e3:.0f} us ({public / ours - 1:.0%})",
                "< the solve",
            ),
            ("  rounds (public/single-point, ms)", spread, "-"),
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
