"""The batch steady-state engine against the single-point path, side by side in one run.

Run: python benchmarks/bench_batch.py [--full]

On random conditions of the bundled model (a random genotype, drug and dose each):
CPU per verified steady state of the batch engine (`mtor_sim._batch`, vectorised calls
of up to 2,000 points, as a sweep's chunks) with its stability certificate and, side by
side, with eigenvalues for every point; and of the single-point guarded path
(roadrunner, one call per point); how many points the certificate proved stable; how
many points the batch engine left to the robust path; every verified answer against a
long, tightly integrated run from the initial state (disagreements beyond 1e-8
relative); the one-time costs (code generation, loading it from the cache and choosing
the certificate's coordinates); and `ms.sweep` points per second on 2 processes with the
batch engine on and off, with the machine's load average before it (the machine may be
shared). By default (as CI runs it): 1,000 conditions and a 5,000-point sweep; ``--full``:
10,000 conditions and a 10^5-point sweep (about 3 minutes).
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
CHUNK = 2000  # the largest chunk a sweep hands the engine


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
    conds = random_conditions(model, 1000 if QUICK else 10_000, seed=11)
    values = [resolve(model, c)[0] for c in conds]

    # one-time costs: generating the code (cold), and loading it from the cache (which
    # includes choosing the certificate's coordinates at the reference state)
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
    engine._cert_kernel = None
    t = time.perf_counter()
    engine._certificate_kernel()
    basis = time.perf_counter() - t

    # CPU per verified point: the batch engine (best of 3), in chunks as sweeps solve
    params = engine.parameter_matrix(values)
    assert params is not None

    def batch_run() -> tuple[float, list, dict[str, int]]:
        t = time.process_time()
        out, counts = [], {"certificate": 0, "eigenvalues": 0}
        for lo in range(0, params.shape[1], CHUNK):
            out += engine.solve(params[:, lo : lo + CHUNK], tol=STEADY_TOL)
            for k in counts:
                counts[k] += engine.stability_counts[k]
        return time.process_time() - t, out, counts

    runs = [batch_run() for _ in range(3)]
    results, counts = runs[0][1], runs[0][2]
    verified = sum(r is not None for r in results)
    batch_ms = min(r[0] for r in runs) / max(verified, 1) * 1e3
    # the same without the certificate: eigenvalues for every point
    certify = _batch._certify
    _batch._certify = lambda a: (np.zeros(a.shape[2], bool), np.full(a.shape[2], np.nan))
    try:
        eig_ms = min(batch_run()[0] for _ in range(3)) / max(verified, 1) * 1e3
    finally:
        _batch._certify = certify
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
    load = os.getloadavg()[0]
    on = sweep_rate(model, n_sweep, True)
    load_on = os.getloadavg()[0]
    off = sweep_rate(model, n_sweep, False)
    report(
        "batch steady-state engine, bundled model",
        [
            (f"{len(conds)} random conditions: verified", f"{verified}", "all but a few"),
            ("  left to the robust path (their statuses)", str(fallback or "none"), "-"),
            (
                "  stability: certificate / eigenvalues",
                f"{counts['certificate']} / {counts['eigenvalues']}",
                "-",
            ),
            ("CPU per verified point, batch engine", f"{batch_ms:.3f} ms", "<= 0.15 ms"),
            ("  the same, eigenvalues for every point", f"{eig_ms:.3f} ms", "-"),
            ("CPU per point, single-point path (median)", f"{single_ms:.3f} ms", "baseline"),
            ("  speed-up", f"{single_ms / batch_ms:.1f}x", ">= 3x"),
            ("vs 1e6-min integration (rtol 1e-12): worst rel", f"{worst:.1e}", "<= 1e-8"),
            (f"  of {n_checked} points, disagreeing beyond 1e-8", str(disagree), "0"),
            ("one-time: code generation, cold", f"{cold:.2f} s", "<= 5 s"),
            ("one-time: engine from the cache", f"{cached:.3f} s", "<= 0.2 s"),
            ("  of which choosing the certificate's coordinates", f"{basis:.3f} s", "-"),
            (f"ms.sweep {n_sweep} points, 2 processes, batch on", f"{on:,.0f} pts/s", ">= 10,000"),
            ("  load average before / after it", f"{load:.1f} / {load_on:.1f}", "< 1 (cores free)"),
            ("  the same, batch off", f"{off:,.0f} pts/s", "baseline"),
        ],
    )


if __name__ == "__main__":
    main()
