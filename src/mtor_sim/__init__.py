"""mtor_sim: mechanistic simulation of PI3K/Akt/mTOR signalling in hepatocellular carcinoma.

>>> import mtor_sim as ms
>>> model = ms.load_model()
>>> ss = model.steady_state(genotype="PTEN_loss", drugs={"everolimus": 10})
"""

from __future__ import annotations

__version__ = "0.1.0"

from . import claims
from ._catalogue import DRUGS, GENOTYPES, TARGET_SITES, Drug, Genotype
from ._dose_response import Combination, DoseResponse, combination, dose_response
from ._engine import simulate, steady_state
from ._errors import ModelFileError, MtorSimError, SolverError, UnknownNameError
from ._model import Model, bundled_model_path, load_model
from ._results import SteadyState, TimeCourse
from ._screen import KnockoutScreen, knockout_screen
from ._sensitivity import Sensitivity, sensitivity
from ._sweep import Sweep, iter_parts, sweep
from ._trial import REGIMENS, Cohort, TrialResult, trial, trial_claims, virtual_cohort

__all__ = [
    "__version__",
    "DRUGS",
    "REGIMENS",
    "GENOTYPES",
    "TARGET_SITES",
    "Cohort",
    "Combination",
    "DoseResponse",
    "Drug",
    "Genotype",
    "KnockoutScreen",
    "Model",
    "ModelFileError",
    "MtorSimError",
    "Sensitivity",
    "SolverError",
    "SteadyState",
    "Sweep",
    "TimeCourse",
    "TrialResult",
    "UnknownNameError",
    "bundled_model_path",
    "claims",
    "combination",
    "dose_response",
    "iter_parts",
    "knockout_screen",
    "load_model",
    "sensitivity",
    "simulate",
    "steady_state",
    "sweep",
    "trial",
    "trial_claims",
    "virtual_cohort",
]
