"""Q: do mTORC1 and Wnt/beta-catenin cooperate to drive EMT?"""

from __future__ import annotations

import pandas as pd
from mtor_sim.experiments._common import bar_chart, save, setup

import mtor_sim as ms

STATES = {
    "WT": {},
    "PTEN loss (mTORC1 high)": {"genotype": "PTEN_loss"},
    "Wnt ligand": {"inputs": {"WNT": 1.0}},
    "beta-catenin active": {"genotype": "BCAT_active"},
    "PTEN loss + beta-catenin active": {"genotype": ["PTEN_loss", "BCAT_active"]},
}


def main(out=None, formats=("png", "svg")):
    folder, model = setup("wnt_emt", out)
    treatments = {"untreated": {}, "everolimus 10 nM": {"everolimus": 10}}
    pairs = [(state, trt) for state in STATES for trt in treatments]
    solved = ms.steady_states(
        model, [{**STATES[s], "drugs": treatments[t]} for s, t in pairs], ["EMT"]
    ).table
    table = pd.DataFrame(
        [
            {
                "state": s,
                "treatment": t,
                "EMT": solved["EMT"].iloc[i],
                "status": solved["status"].iloc[i],
            }
            for i, (s, t) in enumerate(pairs)
        ]
    )
    fig = bar_chart(
        table,
        x="state",
        hue="treatment",
        y="EMT",
        ylabel=model.labels.axis("EMT"),
        title="mTORC1 x beta-catenin cooperation in EMT",
    )
    return save(fig, table, folder, "wnt_emt", formats=formats)


if __name__ == "__main__":
    main()
