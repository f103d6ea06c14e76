"""Regenerate the README's toolkit figures: python docs/make_figures.py"""

from __future__ import annotations

import shutil
import tempfile
from pathlib import Path

import numpy as np

import mtor_sim as ms
from mtor_sim.plotting import save_figure

HERE = Path(__file__).resolve().parent


def main() -> None:
    model = ms.load_model()
    ko = ms.knockout_screen(
        model,
        ["pAKT_T308", "pAKT_S473", "pS6K1", "p4EBP1", "pERK", "proliferation", "survival", "EMT"],
        progress=False,
    )
    save_figure(ko.plot(), HERE / "knockout_screen.png")

    sw = ms.sweep(
        model,
        {
            "everolimus": [0, *np.logspace(-2, 3, 11)],
            "genotype": ["WT", "PTEN_loss", "mTORC2_high"],
        },
        readouts=["pAKT_S473", "pS6K1"],
        progress=False,
    )
    save_figure(sw.plot("pAKT_S473"), HERE / "sweep_everolimus_pAKT.png")

    local = ms.sensitivity(model, "proliferation", progress=False)
    save_figure(local.plot(top=15), HERE / "sensitivity_local.png")
    sobol = ms.sensitivity(
        model,
        "pAKT_S473",
        ["PTEN_total", "PI3K_cat", "mTORC2_total", "k_IRS1_S6K1", "GF", "AKT_total"],
        method="sobol",
        n=512,
        seed=0,
        progress=False,
    )
    save_figure(sobol.plot(), HERE / "sensitivity_sobol.png")

    cm = ms.combination(
        model,
        ("everolimus", "sorafenib"),
        [0, 1, 3, 10, 30, 100],
        [0, 300, 1000, 3000, 10000],
        readout="proliferation",
    )
    save_figure(cm.plot(), HERE / "combination_everolimus_sorafenib.png")

    schedule_figure(model)

    # the claim and experiment figures the README shows, as `mtor-sim reproduce` draws them
    save_figure(ms.claims.check(model, 9).plot(), HERE / "claim_09.png")
    with tempfile.TemporaryDirectory() as tmp:
        from mtor_sim.experiments import dose_responses

        written = dose_responses.main(tmp, formats=("png",))
        shutil.copy(
            next(p for p in written if p.name == "dose_response_proliferation.png"),
            HERE / "dose_response_proliferation.png",
        )

    res = ms.trial(model, n=2000, seed=0, backend="processes", progress=False)
    save_figure(res.plot_waterfall(), HERE / "trial_waterfall.png")
    save_figure(res.plot_response_rates("pmtor"), HERE / "trial_response_pmtor.png")


def schedule_figure(model: ms.Model) -> None:
    """Oral everolimus and sorafenib (published PK) for two weeks in PTEN-null cells."""
    sched = ms.Schedule.oral("everolimus", days=14) | ms.Schedule.oral("sorafenib", days=14)
    tc = model.simulate(
        t_end=14 * 1440, n_points=14 * 24 * 4 + 1, schedule=sched, genotype="PTEN_loss"
    )
    save_figure(
        tc.plot(["pAKT_S473", "pS6K1", "p4EBP1", "pERK"]),
        HERE / "schedule_everolimus_sorafenib_pk.png",
    )


if __name__ == "__main__":
    main()
