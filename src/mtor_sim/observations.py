"""The literature observation table and the model's checks against it:
``mtor_sim.observations.validate(model, rows)``.

``models/observations.csv`` holds behaviours from the primary literature (source, figure
or table, cell line, condition, readout, ordered relation), each marked for
``calibration`` (the data the ensemble is estimated on) or ``validation`` (held out,
judged only). See ``models/OBSERVATIONS.md``. ``models/validation_findings.csv`` says
why each validation row the bundled model fails fails (``load_validation_findings``).
"""

from ._ensemble import member_hit_rates, row_hit_rates, validation_hits
from ._observations import (
    SIMILAR,
    TEST_COLUMNS,
    bundled_observations_path,
    hit_rate,
    load_observations,
    load_validation_findings,
    parse_condition,
    validate,
)

__all__ = [
    "SIMILAR",
    "TEST_COLUMNS",
    "bundled_observations_path",
    "hit_rate",
    "load_observations",
    "load_validation_findings",
    "member_hit_rates",
    "parse_condition",
    "row_hit_rates",
    "validate",
    "validation_hits",
]
