"""Latin-hypercube sampling: the parent's memory does not grow with the number of points.

Run: python benchmarks/bench_lhs_memory.py [--big]   (--big adds 10^7 points)

Each size runs in a fresh process. The sweep is set up as usual (axes checked, sample
defined, the runner called with its chunk builder), but the runner only builds the first
and the last chunk of conditions instead of evaluating every point: what is measured is
the sampling, not the solver. Figures: the Python heap's peak (tracemalloc, which sees
numpy's buffers) and the growth of the process's peak RSS during the sweep call.
"""

from __future__ import annotations

import json
import subprocess
import sys
import tempfile
import textwrap

from _common import report

CHILD = textwrap.dedent("""
    import json, resource, sys, time, tracemalloc
    import mtor_sim as ms
    from mtor_sim import _sweep
    n, out = int(sys.argv[1]), sys.argv[2]
    model = ms.load_model()
    model.steady_state()
    # versions that drew the sample with scipy imported it inside the sweep: import it
    # first, so that either version's figure counts the sample, not the import
    from scipy.stats import qmc  # noqa: F401
    built = []

    def runner(model, make, total, readouts, *, chunk_size=None, **kw):
        size = chunk_size or 2000
        built.append(len(make(0, size)) + len(make(total - size, total)))
        raise KeyboardInterrupt  # stop here: the solver is not what is measured

    _sweep.run_conditions = runner
    space = {"PTEN_total": (0.1, 2.0), "GF": (0.1, 1.0), "everolimus": (0.01, 1000.0),
             "genotype": ["WT", "mTORC2_high"]}
    rss0 = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    tracemalloc.start()
    t = time.perf_counter()
    try:
        ms.sweep(model, space, readouts=["pAKT_S473"], method="lhs", n=n // 2, seed=0,
                 log=["everolimus"], out=out, progress=False)
    except KeyboardInterrupt:
        pass
    seconds = time.perf_counter() - t
    peak = tracemalloc.get_traced_memory()[1] / 2**20
    rss1 = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(json.dumps({"seconds": seconds, "heap_peak_MB": peak, "rss_growth_MB": rss1 - rss0,
                      "rss_peak_MB": rss1, "built": built}))
""")


def run(n: int) -> dict:
    with tempfile.TemporaryDirectory() as tmp:
        out = subprocess.run(
            [sys.executable, "-c", CHILD, str(n), tmp + "/sw"],
            check=True,
            capture_output=True,
            text=True,
        ).stdout
    return json.loads(out.strip().splitlines()[-1])


def main() -> None:
    sizes = [10**4, 10**6] + ([10**7] if "--big" in sys.argv else [])
    rows = []
    for n in sizes:
        r = run(n)
        rows.append(
            (
                f"{n:.0e} points (LHS x 2 genotypes), set-up + 2 chunks",
                f"heap {r['heap_peak_MB']:.1f} MB, RSS +{r['rss_growth_MB']:.0f} MB",
                "flat in n",
            )
        )
    report("Latin-hypercube sampling memory (parent)", rows)


if __name__ == "__main__":
    main()
