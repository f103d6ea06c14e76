"""The literature observation table and the model's checks against it:
``mtor_sim.observations.validate(model, rows)``.

``models/observations.csv`` holds behaviours from the primary literature (source, figure
or table, cell line, condition, readout, ordered relation), each marked for
``calibration`` (the data the ensemble is estimated on) or ``validation`` (held out,
judged only). See ``models/OBSERVATIONS.md``.
"""

from ._ensemble import validation_hits
from ._observations import (
    SIMILAR,
    bundled_observations_path,
    hit_rate,
    load_observations,
    parse_condition,
    validate,
)

__all__ = [
    "SIMILAR",
    "bundled_observations_path",
    "hit_rate",
    "load_observations",
    "parse_condition",
    "validate",
    "validation_hits",
]
