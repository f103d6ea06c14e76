"""A steady-state search has a budget of wall-clock time (`Model.solve_budget`): a hopeless
one ends at it with status "timed_out", on every path; one within it is unchanged."""

from __future__ import annotations

import math
import pickle
import time
from pathlib import Path

import numpy as np
import pytest
from conftest import REFERENCE_DIR

import mtor_sim as ms

DATA = Path(__file__).parent / "data"
# Dalle Pezze 2016 with `reaction_1` cut: CVODE spends its 200,000 steps of one output
# interval, then a cycle test, some 160 s in all, before "solver_failed"
DALLE_PEZZE = REFERENCE_DIR / "dalle_pezze_2016_BIOMD0000000640.xml"
BUDGET = 0.5


@pytest.fixture(scope="module")
def stiff() -> ms.Model:
    return ms.load_model(DALLE_PEZZE, solve_budget=BUDGET)


def test_a_hopeless_search_ends_at_its_budget(stiff: ms.Model) -> None:
    start = time.monotonic()
    ss = stiff.steady_state(cut=["reaction_1"])
    took = time.monotonic() - start
    assert ss.status == "timed_out" and not ss.success
    assert ss.readouts.isna().all() and ss.species.isna().all()
    assert "solve budget of 0.5 s" in ss.message and "solve_budget=" in ss.message
    assert "mxstep (1000)" not in ss.message  # the clock's pauses are no failure
    assert took < 10 * BUDGET + 5  # not the minutes CVODE's step limit takes


def test_screens_honour_the_budget_in_worker_processes_too(stiff: ms.Model) -> None:
    for backend in ("serial", "processes"):
        screen = ms.knockout_screen(
            stiff,
            nodes=[],
            interactions=["reaction_1"],
            backend=backend,
            n_workers=None if backend == "serial" else 1,
            progress=False,
        ).table.set_index("target")
        assert screen.loc["baseline", "status"] == "ok"
        assert screen.loc["cut reaction_1", "status"] == "timed_out", backend


@pytest.mark.parametrize(
    "path",
    [
        REFERENCE_DIR / "dalle_pezze_2012_BIOMD0000000581.xml",  # presimulation > 1000 steps
        REFERENCE_DIR / "varusai_2018_BIOMD0000000823.xml",  # a cycle, followed and named
        DATA / "fast_oscillator.ant",  # CVODE's own step limit: solver_failed
    ],
    ids=lambda p: p.stem,
)
def test_a_search_within_its_budget_is_unchanged(path: Path) -> None:
    """The budgeted integration reads the clock between calls of CVODE that go on from
    where the last stopped: the same steps, state, status and message as without it."""
    free = ms.load_model(path, solve_budget=None).steady_state()
    timed = ms.load_model(path, solve_budget=60).steady_state()
    # (what the engine printed may differ where the cycle test's window is too short
    # for CVODE to start: libroadrunner refuses it before CVODE is called)
    said = " engine said:"
    assert timed.status == free.status
    assert timed.message.split(said)[0] == free.message.split(said)[0]
    assert (said in timed.message) == (said in free.message)
    np.testing.assert_array_equal(timed.species.to_numpy(), free.species.to_numpy())


def test_the_budget_travels_with_the_model() -> None:
    m = ms.load_model(DATA / "fast_oscillator.ant")
    assert m.solve_budget == ms._model.SOLVE_BUDGET_S
    assert m.with_solve_budget(None).solve_budget is None
    copy = m.with_solve_budget(3)
    assert copy.solve_budget == 3.0 and m.solve_budget == ms._model.SOLVE_BUDGET_S
    assert copy.with_parameters({"w": 1.0}).solve_budget == 3.0
    assert pickle.loads(pickle.dumps(copy)).solve_budget == 3.0


def test_a_long_lived_worker_runs_each_model_within_its_own_budget() -> None:
    """A Dask worker keeps the last model it was sent; a copy with another budget (same
    SBML, catalogue and parameters) was run with the kept copy's."""
    from mtor_sim import _backends

    m = ms.load_model(DATA / "fast_oscillator.ant")
    assert _backends._worker_model(m).solve_budget == ms._model.SOLVE_BUDGET_S
    assert _backends._worker_model(m.with_solve_budget(None)).solve_budget is None
    assert _backends._worker_model(m.with_solve_budget(7)).solve_budget == 7.0


@pytest.mark.parametrize(
    ("bad", "error"),
    [(0, ValueError), (-1, ValueError), (math.inf, ValueError), ("10", TypeError)],
)
def test_a_bad_budget_is_refused(bad: object, error: type) -> None:
    with pytest.raises(error, match="solve_budget"):
        ms.load_model(DATA / "fast_oscillator.ant", solve_budget=bad)  # type: ignore[arg-type]
    with pytest.raises(error, match="solve_budget"):
        ms.load_model(DATA / "fast_oscillator.ant").with_solve_budget(bad)  # type: ignore[arg-type]


def test_a_stored_run_is_not_resumed_within_another_budget(tmp_path: Path) -> None:
    """Its "timed_out" rows would stand for points another budget solves."""
    m = ms.load_model(DATA / "fast_oscillator.ant", solve_budget=5)
    out = tmp_path / "screen"
    ms.knockout_screen(m, ["x"], nodes=["G"], interactions=[], out=out, progress=False)
    with pytest.raises(ms.StoreError, match="engine"):
        ms.knockout_screen(
            m.with_solve_budget(None),
            ["x"],
            nodes=["G"],
            interactions=[],
            out=out,
            progress=False,
        )
