"""Q: how do rapalogs and dual mTORC1/2 or PI3K/mTOR inhibitors compare across doses?"""

from __future__ import annotations

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
from mtor_sim.experiments._common import save, setup, styled

import mtor_sim as ms

DRUGS = [
    "sirolimus",
    "everolimus",
    "temsirolimus",
    "vistusertib",
    "AZD8055",
    "torin1",
    "dactolisib",
]
DOSES = np.concatenate([[0.0], np.logspace(-2, 4, 13)])


@styled
def main(out=None, formats=("png", "svg")):
    folder, model = setup("dose_responses", out)
    written = []
    fits = []
    for readout in ("pS6K1", "pAKT_S473", "proliferation"):
        fig, ax = plt.subplots(figsize=(10, 4.8))
        for drug in DRUGS:
            dr = ms.dose_response(model, drug, DOSES, readout=readout)
            dr.plot(ax=ax, label=drug)
            fits.append(dr.fit_table().assign(drug=drug, readout=readout))
        ax.set_title(
            f"{model.labels.label(readout)}: rapalogs vs mTOR kinase inhibitors "
            "(WT, steady state)\n"
            "triangles: relative IC50 (half-way between the fitted plateaus)",
            fontsize=9,
        )
        ax.set_xlabel("drug concentration (nM, log scale)")
        # laid out once, before the legend moves outside the axes: the saved figure
        # widens to hold it and the axes keep the figure's width
        fig.tight_layout()
        ax.legend(frameon=False, fontsize=8, loc="upper left", bbox_to_anchor=(1.01, 1.0))
        written += save(
            fig, pd.concat(fits[-len(DRUGS) :]), folder, f"dose_response_{readout}", formats=formats
        )
    return written


if __name__ == "__main__":
    main()
