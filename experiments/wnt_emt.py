"""Q: do mTORC1 and Wnt/beta-catenin cooperate to drive EMT?"""

from __future__ import annotations

import pandas as pd
from mtor_sim.experiments._common import bar_chart, save, setup

STATES = {
    "WT": {},
    "PTEN loss (mTORC1 high)": {"genotype": "PTEN_loss"},
    "Wnt ligand": {"inputs": {"WNT": 1.0}},
    "beta-catenin active": {"genotype": "BCAT_active"},
    "PTEN loss + beta-catenin active": {"genotype": ["PTEN_loss", "BCAT_active"]},
}


def main(out=None, formats=("png", "svg")):
    folder, model = setup("wnt_emt", out)
    rows = []
    for state, kw in STATES.items():
        for label, drugs in (("untreated", {}), ("everolimus 10 nM", {"everolimus": 10})):
            rows.append(
                {
                    "state": state,
                    "treatment": label,
                    "EMT": model.steady_state(drugs=drugs, **kw)["EMT"],
                }
            )
    table = pd.DataFrame(rows)
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
