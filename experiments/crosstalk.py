"""Q: how do ERK co-activation and AMPK (energy stress) tune mTORC1 and drug response?"""

from __future__ import annotations

import pandas as pd
from mtor_sim.experiments._common import bar_chart, save, setup

import mtor_sim as ms

CONDITIONS = {
    "WT": {},
    "ERK co-activation": {"genotype": "ERK_coactivation"},
    "energy stress (AMPK)": {"inputs": {"ENERGY_STRESS": 1.0}},
}
TREATMENTS = {
    "untreated": {},
    "everolimus 10 nM": {"everolimus": 10},
    "sorafenib 3000 nM": {"sorafenib": 3000},
}


def main(out=None, formats=("png", "svg")):
    folder, model = setup("crosstalk", out)
    readouts = ["pERK", "mTORC1_activity", "proliferation"]
    pairs = [(cond, trt) for cond in CONDITIONS for trt in TREATMENTS]
    solved = ms.steady_states(
        model, [{**CONDITIONS[c], "drugs": TREATMENTS[t]} for c, t in pairs], readouts
    ).table
    table = pd.DataFrame(
        [
            {
                "condition": c,
                "treatment": t,
                "readout": r,
                "value": solved[r].iloc[i],
                "status": solved["status"].iloc[i],
            }
            for i, (c, t) in enumerate(pairs)
            for r in readouts
        ]
    )
    sub = table[table["readout"] == "mTORC1_activity"]
    fig = bar_chart(
        sub,
        x="condition",
        hue="treatment",
        y="value",
        ylabel=model.labels.axis("mTORC1_activity"),
        title="MAPK and AMPK cross-talk onto mTORC1",
        labels=model.labels,
    )
    return save(fig, table, folder, "crosstalk", formats=formats)


if __name__ == "__main__":
    main()
