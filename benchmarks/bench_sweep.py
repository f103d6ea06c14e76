"""Sweeps: speed-up on every core, 10^5 steady states, and memory flat in the number of points.

Run: python benchmarks/bench_sweep.py [--full]

Each sweep runs in a fresh process, so its peak memory (the parent and its workers) is
its own; results stream to Parquet parts in a temporary folder.
"""

from __future__ import annotations

import json
import subprocess
import sys
import tempfile
import textwrap

from _common import QUICK, report

CHILD = textwrap.dedent("""
    import json, os, resource, sys, time
    import numpy as np
    import mtor_sim as ms
    n, backend, out = int(sys.argv[1]), sys.argv[2], sys.argv[3]
    model = ms.load_model()
    model.steady_state()
    space = {"PTEN_total": (0.1, 2.0), "GF": (0.1, 1.0), "everolimus": (0.01, 1000.0),
             "genotype": ["WT", "mTORC2_high"]}
    t, cpu0 = time.perf_counter(), os.times()
    sw = ms.sweep(model, space, readouts=["pAKT_S473", "pS6K1", "proliferation"],
                  method="lhs", n=n // 2, seed=0, log=["everolimus"], backend=backend,
                  n_workers=None if backend == "serial" else 2, out=out, progress=False)
    seconds, cpu1 = time.perf_counter() - t, os.times()
    cpu = {"parent": cpu1.user + cpu1.system - cpu0.user - cpu0.system,
           "workers": (cpu1.children_user + cpu1.children_system
                       - cpu0.children_user - cpu0.children_system)}
    rss = [resource.getrusage(w).ru_maxrss / 1024 for w in
           (resource.RUSAGE_SELF, resource.RUSAGE_CHILDREN)]
    parts = [part[["point", "status"]] for part in ms.iter_parts(out)]
    rows = sum(len(part) for part in parts)
    points = set().union(*(part["point"] for part in parts))
    ok = sum(int((part["status"] == "ok").sum()) for part in parts)
    print(json.dumps({"seconds": seconds, "rss_parent_MB": rss[0], "rss_worker_MB": rss[1],
                      "rows": rows, "points": len(points), "ok": ok,
                      "cpu_parent": cpu["parent"], "cpu_workers": cpu["workers"]}))
""")


def run(n: int, backend: str, *, retried: bool = False) -> dict:
    with tempfile.TemporaryDirectory() as tmp:
        done = subprocess.run(
            [sys.executable, "-c", CHILD, str(n), backend, tmp + "/sw"],
            capture_output=True,
            text=True,
        )
    if done.returncode < 0 and not retried:
        # a native abort of the child (SIGABRT, seen once in CI, not reproduced in five
        # runs since): said, with what the child wrote, and run once more
        print(
            f"  note: the {backend} sweep of {n} points died with signal "
            f"{-done.returncode}; run again. Its stderr:\n{done.stderr[-2000:]}"
        )
        return run(n, backend, retried=True)
    if done.returncode:  # say why: a bare CalledProcessError hid the child's traceback
        raise RuntimeError(f"the {backend} sweep of {n} points failed:\n{done.stderr}")
    return json.loads(done.stdout.strip().splitlines()[-1])


def main() -> None:
    n_speed = 4_000 if QUICK else 20_000
    n_big = 20_000 if QUICK else 100_000
    # one untimed sweep first fills the compiled-model cache with the batch engine's
    # generated code: with an empty cache the first serial run alone paid its one-time
    # code generation (seconds), and the first pair's speed-up counted it
    run(1_000, "serial")
    # serial and parallel runs alternate, and the speed-up is the median of the pairs':
    # this machine's speed drifts by 10-20 % from minute to minute
    pairs = [(run(n_speed, "serial"), run(n_speed, "processes")) for _ in range(1 if QUICK else 3)]
    pairs.sort(key=lambda pair: pair[0]["seconds"] / pair[1]["seconds"])
    ratios = [s["seconds"] / p["seconds"] for s, p in pairs]
    serial, procs = pairs[len(pairs) // 2]  # the pair with the median ratio
    big = run(n_big, "processes")
    for r, n in ((serial, n_speed), (procs, n_speed), (big, n_big)):
        if r["ok"] == 0:  # a sweep of failed points times the failures, not steady states
            raise SystemExit(f"a sweep of {n} points verified none of them")
    cpu_parallel = procs["cpu_parent"] + procs["cpu_workers"]
    per_point = lambda r, n: r["seconds"] / n * 1e3  # noqa: E731
    report(
        "sweeps (Latin hypercube x 2 genotypes, streamed to Parquet)",
        [
            (f"{n_speed} steady states, serial", f"{serial['seconds']:.1f} s", "baseline"),
            (f"{n_speed} steady states, 2 processes", f"{procs['seconds']:.1f} s", "-"),
            (
                f"  speed-up on 2 cores, median of {len(pairs)} pairs",
                f"{ratios[len(ratios) // 2]:.2f}x"
                + (f" ({ratios[0]:.2f}-{ratios[-1]:.2f})" if len(ratios) > 1 else ""),
                ">= 1.8x",
            ),
            (
                "  CPU time, serial / parallel (parent + workers)",
                f"{serial['cpu_parent']:.1f} / {cpu_parallel:.1f} s",
                "close: little work added",
            ),
            ("  of which the parent", f"{procs['cpu_parent']:.2f} s", "small: its core is free"),
            (f"{n_big} steady states, 2 processes", f"{big['seconds']:.1f} s", "10^5 < 60 s"),
            ("  per point", f"{per_point(big, n_big):.3f} ms", "-"),
            (
                "  rows on disk / distinct points",
                f"{big['rows']} / {big['points']}",
                f"{n_big}, each once",
            ),
            (
                "  verified (status ok): serial / 2 processes / big",
                f"{serial['ok']} / {procs['ok']} of {n_speed}; {big['ok']} of {n_big}",
                "all",
            ),
            (
                f"peak memory, parent, {n_speed} / {n_big} points",
                f"{procs['rss_parent_MB']:.0f} / {big['rss_parent_MB']:.0f} MB",
                "flat",
            ),
            (
                f"peak memory, a worker, {n_speed} / {n_big} points",
                f"{procs['rss_worker_MB']:.0f} / {big['rss_worker_MB']:.0f} MB",
                "flat; < 1 GB in all at 10^6",
            ),
        ],
    )


if __name__ == "__main__":
    main()
