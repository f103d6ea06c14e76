"""One script per question of the review; each writes its figures and CSV into a folder.

Run one with ``python experiments/<name>.py [OUT_DIR]``; ``mtor-sim reproduce`` runs all
(`scripts` hands them to the report, which knows nothing of them but their names).
"""

from __future__ import annotations

import importlib
from collections.abc import Callable

EXPERIMENTS = (
    "genotypes",
    "feedback_resistance",
    "mtorc2_resistance",
    "dose_responses",
    "everolimus_sorafenib",
    "crosstalk",
    "wnt_emt",
)


def scripts() -> dict[str, Callable[..., list]]:
    """Name -> ``main(out, formats=...)`` of every experiment, in `EXPERIMENTS` order; each
    call writes the experiment's figures and CSV into ``out/<name>/`` and returns the
    paths."""
    return {name: importlib.import_module(f"{__name__}.{name}").main for name in EXPERIMENTS}
