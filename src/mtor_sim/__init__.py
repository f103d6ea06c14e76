"""mtor_sim: mechanistic simulation of PI3K/Akt/mTOR signalling in hepatocellular carcinoma.

>>> import mtor_sim as ms
>>> model = ms.load_model()
>>> ss = model.steady_state(genotype="PTEN_loss", drugs={"everolimus": 10})
"""

from __future__ import annotations

__version__ = "0.1.0"

import importlib
from typing import TYPE_CHECKING, Any

# The public names, by the private module that defines them. They are imported on first
# use (PEP 562), so that `import mtor_sim` stays cheap (pandas, scipy and the simulation
# libraries load only when a verb needs them); the errors and catalogues are light and
# load at once.
from ._catalogue import DRUGS, GENOTYPES, NODE_ALIASES, TARGET_SITES, Drug, Genotype
from ._errors import (
    ModelFileError,
    MtorSimError,
    PetabError,
    SolverError,
    StoreError,
    UnknownNameError,
)

_LAZY = {
    "._cache": ("CacheInfo", "cache_info", "clear_cache"),
    "._conditions": ("steady_states",),
    "._dose_response": ("Combination", "DoseResponse", "combination", "dose_response"),
    "._engine": ("simulate", "steady_state"),
    "._ensemble": ("bundled_ensemble_path", "load_ensemble"),
    "._fit_objective": ("PetabObjective",),
    "._fit_optimize": ("FitResult", "fit"),
    "._fit_profile": ("Profile", "profile"),
    "._fit_sample": ("Ensemble", "sample"),
    "._fit_petab": ("to_petab",),
    "._model": ("Model", "bundled_model_path", "load_model"),
    "._omex": ("to_omex",),
    "._options": ("RunOptions",),
    "._results": ("SteadyState", "TimeCourse"),
    "._screen": ("KnockoutScreen", "knockout_screen"),
    "._sensitivity": ("Sensitivity", "sensitivity"),
    "._sweep": ("Sweep", "sweep"),
    "._store": ("iter_parts",),
    "._catalogue": ("REGIMENS",),
    "._schedule": ("Exposure", "OralPK", "PK_DEFAULTS", "Schedule"),
    "._trial": (
        "Cohort",
        "TrialResult",
        "trial",
        "trial_claims",
        "unbound_potencies",
        "virtual_cohort",
    ),
    "._tumour": ("TumourGrowth", "TumourResult", "tumour_response"),
}
_WHERE = {name: module for module, names in _LAZY.items() for name in names}


def __getattr__(name: str) -> Any:
    if name in ("claims", "observations", "plotting"):
        value: Any = importlib.import_module(f".{name}", __name__)
    elif name in _WHERE:
        value = getattr(importlib.import_module(_WHERE[name], __name__), name)
    else:
        raise AttributeError(f"module 'mtor_sim' has no attribute {name!r}")
    globals()[name] = value  # later look-ups are plain attribute reads
    return value


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(__all__))


if TYPE_CHECKING:  # pragma: no cover - for type checkers and IDEs
    from . import claims, observations, plotting
    from ._cache import CacheInfo, cache_info, clear_cache
    from ._catalogue import REGIMENS
    from ._conditions import steady_states
    from ._dose_response import Combination, DoseResponse, combination, dose_response
    from ._engine import simulate, steady_state
    from ._ensemble import bundled_ensemble_path, load_ensemble
    from ._fit_objective import PetabObjective
    from ._fit_optimize import FitResult, fit
    from ._fit_petab import to_petab
    from ._fit_profile import Profile, profile
    from ._fit_sample import Ensemble, sample
    from ._model import Model, bundled_model_path, load_model
    from ._omex import to_omex
    from ._options import RunOptions
    from ._results import SteadyState, TimeCourse
    from ._schedule import PK_DEFAULTS, Exposure, OralPK, Schedule
    from ._screen import KnockoutScreen, knockout_screen
    from ._sensitivity import Sensitivity, sensitivity
    from ._store import iter_parts
    from ._sweep import Sweep, sweep
    from ._trial import (
        Cohort,
        TrialResult,
        trial,
        trial_claims,
        unbound_potencies,
        virtual_cohort,
    )
    from ._tumour import TumourGrowth, TumourResult, tumour_response

__all__ = [
    "__version__",
    "DRUGS",
    "REGIMENS",
    "PK_DEFAULTS",
    "GENOTYPES",
    "NODE_ALIASES",
    "TARGET_SITES",
    "CacheInfo",
    "Cohort",
    "Combination",
    "DoseResponse",
    "Drug",
    "Exposure",
    "Ensemble",
    "FitResult",
    "Genotype",
    "KnockoutScreen",
    "Model",
    "ModelFileError",
    "MtorSimError",
    "OralPK",
    "Schedule",
    "PetabError",
    "PetabObjective",
    "Profile",
    "RunOptions",
    "Sensitivity",
    "SolverError",
    "SteadyState",
    "StoreError",
    "Sweep",
    "TimeCourse",
    "TrialResult",
    "TumourGrowth",
    "TumourResult",
    "UnknownNameError",
    "bundled_ensemble_path",
    "bundled_model_path",
    "cache_info",
    "claims",
    "clear_cache",
    "observations",
    "plotting",
    "combination",
    "dose_response",
    "fit",
    "iter_parts",
    "knockout_screen",
    "load_ensemble",
    "load_model",
    "profile",
    "sample",
    "sensitivity",
    "simulate",
    "steady_state",
    "steady_states",
    "sweep",
    "to_omex",
    "to_petab",
    "trial",
    "trial_claims",
    "unbound_potencies",
    "tumour_response",
    "virtual_cohort",
]
