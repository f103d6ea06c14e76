"""Q: does mTORC2 up-regulation cause rapalog resistance, and does a dual inhibitor reverse it?"""

from __future__ import annotations

import pandas as pd
from mtor_sim.experiments._common import bar_chart, save, setup

import mtor_sim as ms

ARMS = {
    "everolimus 10 nM": {"everolimus": 10},
    "vistusertib 1000 nM": {"vistusertib": 1000},
    "AZD8055 250 nM": {"AZD8055": 250},
}


def main(out=None, formats=("png", "svg")):
    folder, model = setup("mtorc2_resistance", out)
    pairs = [(g, arm) for g in ("WT", "mTORC2_high") for arm in ARMS]
    solved = ms.steady_states(
        model,
        [{"genotype": g, "drugs": ARMS[arm]} for g, arm in pairs],
        ["pAKT_S473", "proliferation"],
    ).table
    rows = []
    for i, (g, arm) in enumerate(pairs):
        res = ms.tumour_response(model, ARMS[arm], genotype=g, days=21)
        rows.append(
            {
                "genotype": g,
                "treatment": arm,
                "tumour_reduction_percent": res.reduction_percent,
                "pAKT_S473": solved["pAKT_S473"].iloc[i],
                "proliferation": solved["proliferation"].iloc[i],
                "steady_state_status": solved["status"].iloc[i],
                "tumour_status": res.status,
            }
        )
    table = pd.DataFrame(rows)
    table["group"] = table["genotype"]
    fig = bar_chart(
        table,
        x="treatment",
        hue="genotype",
        y="tumour_reduction_percent",
        ylabel="tumour reduction after 21 days (%)",
        title="mTORC2-driven rapalog resistance and its reversal "
        "(review: 25.3 % rapalog vs 68.5 % dual)",
        labels=model.labels,
    )
    return save(fig, table.drop(columns="group"), folder, "mtorc2_resistance", formats=formats)


if __name__ == "__main__":
    main()
