"""Regenerate the README's fitting figures: python docs/make_fit_figures.py

Fits the Boehm 2014 PEtab benchmark problem (tests/data/petab), profiles three of its
parameters and draws an ensemble prediction band.
"""

from __future__ import annotations

import time
from pathlib import Path

import mtor_sim as ms
from mtor_sim.plotting import save_figure

HERE = Path(__file__).resolve().parent
PROBLEM = (
    HERE.parent
    / "tests"
    / "data"
    / "petab"
    / "Boehm_JProteomeRes2014"
    / "Boehm_JProteomeRes2014.yaml"
)


def main() -> None:
    t = time.perf_counter()
    fit = ms.fit(PROBLEM, n_starts=20, seed=0, backend="processes", n_workers=2)
    print(fit, f"{time.perf_counter() - t:.0f} s")
    save_figure(fit.plot_waterfall(), HERE / "fit_waterfall.png", formats=["png"])
    save_figure(fit.plot_fit(), HERE / "fit_data.png", formats=["png"])

    t = time.perf_counter()
    prof = ms.profile(
        fit, ["k_phos", "k_exp_hetero", "sd_pSTAT5A_rel"], backend="processes", n_workers=2
    )
    print(prof, f"{time.perf_counter() - t:.0f} s")
    print(prof.intervals[["best", "lower", "upper", "verdict"]].to_string())
    save_figure(prof.plot(), HERE / "fit_profiles.png", formats=["png"])

    t = time.perf_counter()
    ens = ms.sample(fit, n=20_000, seed=0)
    print(ens, ens.diagnostics, f"{time.perf_counter() - t:.0f} s")
    band = ens.predict(n=200, backend="processes", n_workers=2)
    save_figure(ens.plot_band(band), HERE / "fit_band.png", formats=["png"])


if __name__ == "__main__":
    main()
