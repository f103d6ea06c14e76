"""One script per question of the review; each writes its figures and CSV into a folder.

Run one with ``python experiments/<name>.py [OUT_DIR]``; ``mtor-sim reproduce`` runs all.
"""

EXPERIMENTS = (
    "genotypes",
    "feedback_resistance",
    "mtorc2_resistance",
    "dose_responses",
    "everolimus_sorafenib",
    "crosstalk",
    "wnt_emt",
)
