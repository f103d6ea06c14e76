"""Shared fixtures: the bundled model (compiled once per session) and reference-model paths."""

from __future__ import annotations

from pathlib import Path

import matplotlib

matplotlib.use("Agg")

import pytest  # noqa: E402

import mtor_sim as ms  # noqa: E402

REPO = Path(__file__).resolve().parents[1]
# published third-party models (BioModels, CC0), copied into the repository so that the
# suite runs on a fresh clone: see tests/data/reference-models/README.md
REFERENCE_DIR = REPO / "tests" / "data" / "reference-models"
# the project's shared/ folder, beside the repository in development and CI but not in a
# user's clone: tests that read it skip cleanly when it is absent
SHARED_DIR = REPO.parent / "shared"


@pytest.fixture(scope="session")
def model() -> ms.Model:
    """The bundled HCC model. Tests must never change it (verbs take per-call overrides)."""
    return ms.load_model()


@pytest.fixture(scope="session")
def wt(model: ms.Model) -> ms.SteadyState:
    """Untreated wild-type steady state."""
    return model.steady_state()


@pytest.fixture(scope="session")
def varusai() -> ms.Model:
    """Varusai 2018 (BIOMD0000000823): oscillates, has no stable steady state."""
    return ms.load_model(REFERENCE_DIR / "varusai_2018_BIOMD0000000823.xml")
