"""Knockout screens on a third-party SBML model: removing each protein in all its forms
(initial values and synthesis set on the loaded compiled model) against clamping one
species (a compiled model per knockout, the behaviour of mtor_sim 0.1.0), side by side
in one run, each in a fresh process, with an empty compiled-model cache (cold) and
with the compiled models on disk (warm).

Run: python benchmarks/bench_knockouts.py [--full]
"""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
from pathlib import Path

from _common import QUICK, report

MODEL = Path(__file__).resolve().parents[1] / "tests/data/reference-models"
MODEL = MODEL / "dalle_pezze_2012_BIOMD0000000581.xml"

SCREEN = (
    "import time, mtor_sim as ms; m = ms.load_model({path!r}); m._runner(); "
    "nodes = list(m.nodes)[:{n}]; t = time.perf_counter(); "
    "ko = ms.knockout_screen(m, nodes=nodes, interactions=[], knockout_mode={mode!r}, "
    "progress=False); dt = time.perf_counter() - t; "
    "assert (ko.table['status'] == 'ok').all(), ko.table; print(len(nodes)); print(dt)"
)


def screen(mode: str, n: int, cache: str) -> tuple[int, float]:
    """(knockouts, seconds) of one screen in a fresh process."""
    code = SCREEN.format(path=str(MODEL), n=n, mode=mode)
    out = subprocess.run(
        [sys.executable, "-c", code],
        check=True,
        capture_output=True,
        text=True,
        env={**os.environ, "MTOR_SIM_CACHE": cache},
    ).stdout.split()
    return int(out[-2]), float(out[-1])


def main() -> None:
    n = 6 if QUICK else 1000
    rows = []
    with tempfile.TemporaryDirectory() as a, tempfile.TemporaryDirectory() as b:
        # cold: the unperturbed model is compiled before the clock starts, in both
        k, remove_cold = screen("remove", n, a)
        _, clamp_cold = screen("clamp", n, b)
        _, remove_warm = screen("remove", n, a)
        _, clamp_warm = screen("clamp", n, b)
    for label, remove, clamp in (
        ("cold cache", remove_cold, clamp_cold),
        ("warm cache", remove_warm, clamp_warm),
    ):
        rows.append((f"{k} knockouts, remove ({label})", f"{remove:.2f} s", "-"))
        rows.append((f"{k} knockouts, clamp ({label})", f"{clamp:.2f} s", "-"))
        rows.append(
            (f"clamp / remove ({label})", f"{clamp / remove:.1f}x", "> 1 (one compiled model)")
        )
    report("Knockout screen, Dalle Pezze 2012 (BIOMD0000000581)", rows)


if __name__ == "__main__":
    main()
