"""Q: does a rapalog relieve S6K1 -| IRS1 and re-activate PI3K/Akt, and over what time?"""

from __future__ import annotations

import matplotlib.pyplot as plt
import pandas as pd
from mtor_sim.experiments._common import save, setup, styled

READOUTS = ["pS6K1", "IRS1_active", "PIP3", "pAKT_T308", "pAKT_S473"]


@styled
def main(out=None, formats=("png", "svg")):
    folder, model = setup("feedback_resistance", out)
    fig, axes = plt.subplots(1, 2, figsize=(11, 4), sharey=True)
    frames = []
    for ax, (label, cut) in zip(
        axes, (("intact network", None), ("S6K1 -| IRS1 cut", ["S6K1 -| IRS1"])), strict=True
    ):
        tc = model.simulate(
            t_end=1440, n_points=145, drugs={"everolimus": 10}, cut=cut, species=False
        )
        df = tc.to_dataframe()[READOUTS]
        fold = df / df.iloc[0]
        for r in READOUTS:
            ax.plot(fold.index / 60, fold[r], lw=2, label=model.labels.label(r))
        ax.axhline(1, color="grey", ls=":", lw=0.8)
        ax.set_title(f"everolimus 10 nM, {label}", fontsize=10)
        ax.set_xlabel("time after everolimus (h)")
        ax.grid(alpha=0.3)
        frames.append(fold.reset_index().assign(network=label))
    axes[0].set_ylabel("fold change vs untreated (t = 0)")
    axes[0].legend(frameon=False, fontsize=8, loc="center right", bbox_to_anchor=(1.0, 0.4))
    fig.tight_layout()
    return save(fig, pd.concat(frames), folder, "feedback_resistance", formats=formats)


if __name__ == "__main__":
    main()
