"""Q: how do the review's HCC alterations move pathway activity and phenotype? (Table 1, 2)"""

from __future__ import annotations

import pandas as pd
from mtor_sim.experiments._common import bar_chart, save, setup

GENOTYPES = [
    "WT",
    "PTEN_loss",
    "PIK3CA_gain",
    "AKT_overexpression",
    "mTORC2_high",
    "ERK_coactivation",
    ["PTEN_loss", "PIK3CA_gain", "AKT_overexpression"],
]
READOUTS = ["pAKT_T308", "pAKT_S473", "pS6K1", "mTORC1_activity", "proliferation", "survival"]


def main(out=None, formats=("png", "svg")):
    folder, model = setup("genotypes", out)
    rows = []
    for g in GENOTYPES:
        ss = model.steady_state(genotype=g)
        label = g if isinstance(g, str) else " + ".join(g)
        rows += [
            {"genotype": label, "readout": r, "value": ss[r], "status": ss.status} for r in READOUTS
        ]
    table = pd.DataFrame(rows)
    fig = bar_chart(
        table,
        x="genotype",
        hue="readout",
        y="value",
        ylabel={
            **dict.fromkeys(READOUTS[:4], "fraction phosphorylated or active (0-1)"),
            **dict.fromkeys(READOUTS[4:], "index (untreated WT = 1)"),
        },
        title="Untreated steady states of the review's HCC genotypes",
        labels=model.labels,
    )
    return save(fig, table, folder, "genotypes", formats=formats)


if __name__ == "__main__":
    main()
