"""Q: how do the review's HCC alterations move pathway activity and phenotype? (Table 1, 2)"""

from __future__ import annotations

from mtor_sim.experiments._common import bar_chart, save, setup

import mtor_sim as ms

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
    conditions = {g if isinstance(g, str) else " + ".join(g): {"genotype": g} for g in GENOTYPES}
    wide = ms.steady_states(model, conditions, READOUTS).table
    table = wide.melt(
        id_vars=["condition", "status"], value_vars=READOUTS, var_name="readout"
    ).rename(columns={"condition": "genotype"})
    table = table.sort_values(
        "genotype", key=lambda c: c.map(list(conditions).index), kind="stable"
    )
    table = table[["genotype", "readout", "value", "status"]].reset_index(drop=True)
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
