"""Q: is everolimus + sorafenib better than either, and is it synergistic? (Table 3)"""

from __future__ import annotations

from mtor_sim.experiments._common import save, setup

import mtor_sim as ms


def main(out=None, formats=("png", "svg")):
    folder, model = setup("everolimus_sorafenib", out)
    cm = ms.combination(
        model,
        ("everolimus", "sorafenib"),
        [0, 1, 3, 10, 30, 100],
        [0, 300, 1000, 3000, 10000],
        readout="proliferation",
    )
    return save(cm.plot(), cm.to_dataframe(), folder, "everolimus_sorafenib", formats=formats)


if __name__ == "__main__":
    main()
