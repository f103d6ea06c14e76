"""Start-up costs: import, model loading (cold compile vs the compiled-model cache), report.

Run: python benchmarks/bench_startup.py [--full]
"""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
import time

from _common import QUICK, report


def in_fresh_process(code: str, env: dict[str, str] | None = None) -> float:
    """Seconds reported by ``code`` (which prints a float) in a new interpreter."""
    out = subprocess.run(
        [sys.executable, "-c", code],
        check=True,
        capture_output=True,
        text=True,
        env={**os.environ, **(env or {})},
    ).stdout
    return float(out.strip().splitlines()[-1])


IMPORT = "import time; t = time.perf_counter(); import mtor_sim; print(time.perf_counter() - t)"
# the model load itself: the libraries it needs (pandas, libroadrunner) imported first
LOAD = (
    "import mtor_sim as ms, pandas, roadrunner, time; t = time.perf_counter(); "
    "m = ms.load_model(); m._runner(); print(time.perf_counter() - t)"
)
# load_model() alone: parse and lay out the model; it compiles on first use
LOAD_ONLY = (
    "import mtor_sim as ms, pandas, roadrunner, time; t = time.perf_counter(); "
    "m = ms.load_model(); print(time.perf_counter() - t)"
)
# what a user waits for in a fresh process: import, first use of a verb's libraries, load
FIRST = (
    "import time; t = time.perf_counter(); import mtor_sim as ms; m = ms.load_model(); "
    "m._runner(); print(time.perf_counter() - t)"
)


def main() -> None:
    reps = 3 if QUICK else 5
    imports = sorted(in_fresh_process(IMPORT) for _ in range(reps))
    with tempfile.TemporaryDirectory() as cache:
        lazy = sorted(in_fresh_process(LOAD_ONLY, {"MTOR_SIM_CACHE": "off"}) for _ in range(reps))
        cold = in_fresh_process(LOAD, {"MTOR_SIM_CACHE": "off"})
        in_fresh_process(LOAD, {"MTOR_SIM_CACHE": cache})  # fills the cache
        warm = sorted(in_fresh_process(LOAD, {"MTOR_SIM_CACHE": cache}) for _ in range(reps))
        first = sorted(in_fresh_process(FIRST, {"MTOR_SIM_CACHE": cache}) for _ in range(reps))
    rows = [
        (
            "import mtor_sim (median, fresh process)",
            f"{imports[len(imports) // 2]:.2f} s",
            "< 0.5 s",
        ),
        (
            "load_model(), no cache (compiles on first use)",
            f"{lazy[len(lazy) // 2]:.2f} s",
            "< 0.5 s",
        ),
        ("load_model() + compile, no cache", f"{cold:.2f} s", "baseline"),
        ("load_model() + compiled-model cache", f"{warm[len(warm) // 2]:.3f} s", "<< 0.1 s"),
        ("  speed-up", f"{cold / warm[len(warm) // 2]:.0f}x", "-"),
        (
            "import + load_model() + runner, fresh process",
            f"{first[len(first) // 2]:.2f} s",
            "< 0.5 s (load_model)",
        ),
    ]
    if not QUICK:
        with tempfile.TemporaryDirectory() as out:
            t = time.perf_counter()
            subprocess.run(
                [sys.executable, "-m", "mtor_sim.cli", "reproduce", "--out", out, "--quiet"],
                check=True,
                capture_output=True,
            )
            rows.append(
                ("mtor-sim reproduce (whole report)", f"{time.perf_counter() - t:.1f} s", "< 60 s")
            )
    report("start-up", rows)


if __name__ == "__main__":
    main()
