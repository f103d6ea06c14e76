"""The batch steady-state engine against the single-point path, side by side in one run.

Run: python benchmarks/bench_batch.py [--full]

On random conditions of the bundled model (a random genotype, drug and dose each):
CPU per verified steady state of the batch engine (`mtor_sim._batch`, one vectorised
call) and of the single-point guarded path (roadrunner, one call per point); how many
points the batch engine left to the robust path; every verified answer against a long,
tightly integrated run from the initial state (disagreements beyond 1e-8 relative); the
one-time costs (code generation, loading it from the cache); and `ms.sweep` points per
second on 2 processes with the batch engine on and off. By default (as CI runs it): 300
conditions and a 5,000-point sweep; ``--full``: 10,000 conditions and a 10^5-point sweep
(about 3 minutes).
"""

from __future__ import annotations

import os
import sys
import time

import numpy as np
from _common import report
from bench_steady_state import random_conditions

import mtor_sim as ms
from mtor_sim import _batch
from mtor_sim._engine import PRESIM_T, STEADY_TOL, solve_point
from mtor_sim._perturb import resolve

QUICK = "--full" not in sys.argv


def sweep_rate(model: ms.Model, n: int, batch: bool) -> float:
    os.environ["MTOR_SIM_BATCH"] = "on" if batch else "off"  # read by the forked workers
    t = time.perf_counter()
    sw = ms.sweep(
        model,
        {"dose_everolimus": (0.01, 1000.0), "dose_sorafenib": (1.0, 1e4), "GF": (0.1, 10.0)},
        method="lhs",
        n=n,
        log=True,
        seed=7,
        progress=False,
        backend="processes",
        n_workers=2,
    )
    seconds = time.perf_counter() - t
    os.environ.pop("MTOR_SIM_BATCH")
    return int((sw.to_dataframe()["status"] == "ok").sum()) / seconds


def main() -> None:
    model = ms.load_model()
    model.steady_state()  # compile (or load) and find the reference state
    conds = random_conditions(model, 300 if QUICK else 10_000, seed=11)
    values = [resolve(model, c)[0] for c in conds]

    # one-time costs: generating the code (cold), and loading it from the cache
    solver = model._solver(frozenset())
    t = time.perf_counter()
    _batch._structure_and_code(solver, model._compiled_sbml)
    cold = time.perf_counter() - t
    _batch.batch_engine(model, frozenset())  # stores it in the cache if it was not there
    _batch._ENGINES.clear()
    t = time.perf_counter()
    engine = _batch.batch_engine(model, frozenset())
    cached = time.perf_counter() - t
    assert engine is not None, "the bundled model must have a batch engine"

    # CPU per verified point: the batch engine (best of 3) and the single-point path
    params = engine.parameter_matrix(values)
    assert params is not None
    batch_cpu, results = [], []
    for _ in range(3):
        t = time.process_time()
        results = engine.solve(params, tol=STEADY_TOL)
        batch_cpu.append(time.process_time() - t)
    verified = sum(r is not None for r in results)
    batch_ms = min(batch_cpu) / max(verified, 1) * 1e3
    single = []
    for c in conds[: min(len(conds), 1000)]:
        t = time.process_time()
        solve_point(model, c)
        single.append(time.process_time() - t)
    single_ms = float(np.median(single) * 1e3)

    # every verified answer against a long, tight integration from the initial state
    check = ms.load_model()
    runner = check._runner()
    runner.integrator.relative_tolerance = 1e-12
    runner.integrator.absolute_tolerance = 1e-16
    runner.integrator.max_steps = 10**6
    ids = list(runner.model.getFloatingSpeciesIds())
    order = [ids.index(s) for s in engine.solver.species_ids]
    worst, disagree, n_checked = 0.0, 0, 0
    for vals, res in zip(values, results, strict=True):
        if res is None:
            continue
        runner.resetAll()
        for k, v in vals.items():
            runner[k] = v
        runner.reset()
        runner.simulate(0, 1e6, 2)
        x = np.array(runner.model.getFloatingSpeciesConcentrations())[order]
        rel = float(np.max(np.abs(res.species - x) / np.maximum(np.abs(x), 1e-6 * np.abs(x).max())))
        worst = max(worst, rel)
        disagree += rel > 1e-8
        n_checked += 1

    # the same robust fallback: a point the batch engine leaves is solved one by one
    left = [c for c, r in zip(conds, results, strict=True) if r is None]
    fallback = [solve_point(model, c, tol=STEADY_TOL, presimulate=PRESIM_T).status for c in left]

    n_sweep = 5_000 if QUICK else 100_000
    on, off = sweep_rate(model, n_sweep, True), sweep_rate(model, n_sweep, False)
    report(
        "batch steady-state engine, bundled model",
        [
            (f"{len(conds)} random conditions: verified", f"{verified}", "all but a few"),
            ("  left to the robust path (their statuses)", str(fallback or "none"), "-"),
            ("CPU per verified point, batch engine", f"{batch_ms:.3f} ms", "<= 0.15 ms"),
            ("CPU per point, single-point path (median)", f"{single_ms:.3f} ms", "baseline"),
            ("  speed-up", f"{single_ms / batch_ms:.1f}x", ">= 3x"),
            ("vs 1e6-min integration (rtol 1e-12): worst rel", f"{worst:.1e}", "<= 1e-8"),
            (f"  of {n_checked} points, disagreeing beyond 1e-8", str(disagree), "0"),
            ("code generation, cold", f"{cold:.2f} s", "<= 5 s"),
            ("engine from the cache", f"{cached:.3f} s", "<= 0.2 s"),
            (f"ms.sweep {n_sweep} points, 2 processes, batch on", f"{on:,.0f} pts/s", ">= 10,000"),
            ("  the same, batch off", f"{off:,.0f} pts/s", "baseline"),
        ],
    )


if __name__ == "__main__":
    main()
