"""`mtor-sim reproduce`: its wall time, where that time goes, and how often each figure is drawn.

Run: python benchmarks/bench_reproduce.py [--full]

The command is timed in fresh processes, as a user runs it (once; ``--full``:
three times, median). One more run in a fresh process times its phases with wrappers
around the package's and matplotlib's functions: the claim checks, the claim figures,
the experiments, the literature rows, the virtual trial, and the figure work inside
them (laying out, rendering, PNG encoding). Each figure file should cost one rendering;
the layout passes counted beside it are the `tight_layout` calls of the figures and the
pass matplotlib makes to find a figure's tight bounding box before saving it.
"""

from __future__ import annotations

import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from _common import QUICK, report

#: Run in a fresh process by `phases`: reproduce with timers around its phases; prints
#: a JSON object of seconds and counts.
PHASES = r"""
import collections, json, sys, time
t0 = time.perf_counter()
import matplotlib
matplotlib.use("Agg")
import PIL.ImageFile
from matplotlib.figure import Figure
import mtor_sim as ms
from mtor_sim import _claims, _plot, _report, _trial
from mtor_sim.experiments import scripts

seconds, counts = collections.Counter(), collections.Counter()

def timed(owner, name, key):
    inner = getattr(owner, name)
    def wrapper(*args, **kwargs):
        t = time.perf_counter()
        try:
            return inner(*args, **kwargs)
        finally:
            seconds[key] += time.perf_counter() - t
            counts[key] += 1
    setattr(owner, name, wrapper)

timed(_claims, "check", "claim checks")
timed(_plot, "plot_claim", "claim figures (drawing)")
timed(_report, "_literature", "literature rows")
timed(_trial, "trial", "virtual trial")
timed(Figure, "savefig", "saving figures")
timed(Figure, "tight_layout", "  tight_layout")
timed(PIL.ImageFile, "_save", "  PNG encoding")
draw = Figure.draw

def counted_draw(self, renderer):
    # matplotlib's layout-only pass swaps the renderer's draw methods for no-ops
    key = "  layout-only pass" if "draw_path" in vars(renderer) else "  rendering"
    t = time.perf_counter()
    try:
        return draw(self, renderer)
    finally:
        seconds[key] += time.perf_counter() - t
        counts[key] += 1

Figure.draw = counted_draw
model = ms.load_model()
seconds["import + load_model"] = time.perf_counter() - t0
experiments = {}
for name, run in scripts().items():
    def experiment(*args, _run=run, **kwargs):
        t = time.perf_counter()
        try:
            return _run(*args, **kwargs)
        finally:
            seconds["experiments (with their figures)"] += time.perf_counter() - t
            counts["experiments (with their figures)"] += 1
    experiments[name] = experiment
t = time.perf_counter()
_report.reproduce(model, sys.argv[1], experiments=experiments)
seconds["reproduce()"] = time.perf_counter() - t
print(json.dumps({"seconds": seconds, "counts": counts}))
"""


def wall(out: str) -> tuple[float, float]:
    """Wall and CPU seconds (user + system) of ``mtor-sim reproduce -q --out out`` in a
    fresh process. CPU time counts what the command does whatever else the machine runs;
    wall time is what its user waits."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    t = time.perf_counter()
    subprocess.run(
        [sys.executable, "-m", "mtor_sim.cli", "reproduce", "-q", "--out", out],
        check=True,
        capture_output=True,
    )
    seconds = time.perf_counter() - t
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = after.ru_utime - before.ru_utime + after.ru_stime - before.ru_stime
    return seconds, cpu


def phases(out: str) -> dict:
    done = subprocess.run(
        [sys.executable, "-c", PHASES, out], check=True, capture_output=True, text=True
    )
    return json.loads(done.stdout.strip().splitlines()[-1])


def main() -> None:
    load = os.getloadavg()
    with tempfile.TemporaryDirectory() as tmp:
        runs = [wall(f"{tmp}/run{i}") for i in range(1 if QUICK else 3)]
        found = phases(f"{tmp}/phases")
        files = sorted(Path(tmp, "phases").rglob("*.png"))
    sec, cnt = found["seconds"], found["counts"]
    n_files = len(files)
    walls, cpus = sorted(w for w, _ in runs), sorted(c for _, c in runs)
    rows = [
        (
            "mtor-sim reproduce -q, fresh process (median)",
            f"{walls[len(walls) // 2]:.1f} s",
            "< 15 s on a quiet machine",
        ),
        ("  its CPU time, user + system (median)", f"{cpus[len(cpus) // 2]:.1f} s", "-"),
        ("  all runs, wall / CPU", ", ".join(f"{w:.1f}/{c:.1f}" for w, c in runs) + " s", "-"),
        ("figure files written (PNG)", str(n_files), "-"),
        (
            "  renderings per figure file",
            f"{cnt.get('  rendering', 0) / n_files:.2f}",
            "1 (no second format unless asked)",
        ),
    ]
    order = [
        "import + load_model",
        "reproduce()",
        "claim checks",
        "claim figures (drawing)",
        "experiments (with their figures)",
        "literature rows",
        "virtual trial",
        "saving figures",
        "  rendering",
        "  PNG encoding",
        "  layout-only pass",
        "  tight_layout",
    ]
    total = sec["reproduce()"]
    for key in order:
        calls = f" ({cnt[key]} calls)" if cnt.get(key, 0) > 1 else ""
        share = "" if key in ("import + load_model", "reproduce()") else f", {sec[key] / total:.0%}"
        rows.append((f"  {key}{calls}", f"{sec[key]:.2f} s{share}", "-"))
    report(
        f"mtor-sim reproduce (load average {load[0]:.1f} / {load[1]:.1f} / {load[2]:.1f})",
        rows,
    )


if __name__ == "__main__":
    main()
