"""No result depends on call history: verbs run in random orders on one model give what
each call gives on a freshly loaded model."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import mtor_sim as ms

# events at t = 0 and later, a rate rule, an initial assignment and a conserved pool
EVENTFUL = """model eventful
    compartment C = 2
    species A in C = 1, B in C = 0, R in C = 0
    J1: A -> B; k1*A
    J2: B -> A; k2*B
    J3: -> R; ks
    J4: R -> ; kd*R
    k1 = 0.3; k2 = 0.2; ks = 0.5; kd = 0.25
    x = 1; x' = -0.5*(x - kd)
    y = 0; y0 := 2*k1
    E0: at (time >= 0), t0 = false: y = 5
    E1: at (time > 3): k1 = 0.9
end
"""


@pytest.fixture(scope="module")
def path(tmp_path_factory: pytest.TempPathFactory) -> Path:
    p = tmp_path_factory.mktemp("hygiene") / "eventful.ant"
    p.write_text(EVENTFUL)
    return p


CALLS = st.sampled_from(
    [
        ("steady_state", {}),
        ("steady_state", {"parameters": {"k1": 0.6}}),
        ("steady_state", {"knockouts": ["B"]}),
        (
            "simulate",
            {
                "t_end": 6.0,
                "n_points": 4,
                "pre_equilibrate": False,
                "outputs": ["A", "B", "R", "x", "y", "k1"],
            },
        ),
        (
            "simulate",
            {
                "t_end": 6.0,
                "n_points": 4,
                "pre_equilibrate": False,
                "parameters": {"kd": 0.5},
                "outputs": ["A", "R", "x", "k1"],
            },
        ),
        ("simulate", {"t_end": 2.0, "n_points": 3, "parameters": {"ks": 1.0}}),
    ]
)


def _values(result: Any) -> np.ndarray:
    if isinstance(result, ms.SteadyState):
        return np.concatenate([result.readouts.to_numpy(), result.species.to_numpy()])
    return result.to_dataframe().to_numpy().ravel()


def _call(model: ms.Model, call: tuple[str, dict]) -> tuple[str, np.ndarray]:
    verb, kwargs = call
    result = getattr(model, verb)(**kwargs)
    return result.status, _values(result)


@settings(
    max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(calls=st.lists(CALLS, min_size=2, max_size=6))
def test_results_do_not_depend_on_what_ran_before(path: Path, calls: list) -> None:
    shared = ms.load_model(path)
    for call in calls:
        status, got = _call(shared, call)
        fresh_status, want = _call(ms.load_model(path), call)
        assert status == fresh_status, call
        np.testing.assert_allclose(got, want, rtol=1e-6, atol=1e-9, err_msg=str(call))


# a conserved pool (A <-> Ap) in a compartment of size 2.5, an input species S that feeds
# it, and a boundary species read by an assignment rule
POOL = """model pool
    compartment C = 2.5
    species A in C = 10, Ap in C = 0, S in C = 1, $Aobs in C
    J1: A -> Ap; k1*S*A
    J2: Ap -> A; k2*Ap
    J3: -> S; ks
    J4: S -> ; kd*S
    Aobs := Ap
    k1 = 0.1; k2 = 1; ks = 1; kd = 1
end
"""


@pytest.fixture
def pool(tmp_path: Path) -> ms.Model:
    path = tmp_path / "pool.ant"
    path.write_text(POOL)
    return ms.load_model(path)


def test_an_input_after_a_knockout_of_the_same_species_is_applied(pool: ms.Model) -> None:
    """The knockout's saved initial value was restored over the new input, which then
    stayed ignored on every later call."""
    fresh = pool.steady_state(inputs={"A": 5.0})["Ap"]
    pool.steady_state(knockouts=["A"])
    assert pool.steady_state(inputs={"A": 5.0})["Ap"] == pytest.approx(fresh, rel=1e-9)
    assert pool.steady_state(inputs={"A": 5.0})["Ap"] == pytest.approx(fresh, rel=1e-9)


def test_a_boundary_species_readout_is_a_concentration(pool: ms.Model) -> None:
    """Aobs := Ap in a compartment of 2.5 came out of steady_state as an amount (2.5x)."""
    ss = pool.steady_state()
    assert ss["Aobs"] == pytest.approx(ss["Ap"], rel=1e-9)
    tc = pool.simulate(t_end=1, n_points=2)
    assert tc["Aobs"].iloc[0] == pytest.approx(ss["Aobs"], rel=1e-6)


def test_a_stepped_species_keeps_the_other_forms_of_its_pool(pool: ms.Model) -> None:
    """A dose of A at t = 0 changes the pool's total; under conserved-moiety analysis the
    difference went into Ap instead."""
    ss = pool.steady_state()
    tc = pool.simulate(t_end=1, n_points=2, step_inputs={"A": 0.5})
    assert tc["A"].iloc[0] == pytest.approx(0.5, rel=1e-9)
    assert tc["Ap"].iloc[0] == pytest.approx(ss["Ap"], rel=1e-9)


def _ligand_model(tmp_path: Path, ligand: str = "$L = 1") -> ms.Model:
    """A pool A <-> Ap driven by a boundary species L (declared by ``ligand``)."""
    path = tmp_path / "lig.ant"
    path.write_text(
        f"model lig\n  species A = 10, Ap = 0, {ligand}\n  J1: A -> Ap; k1*L*A\n"
        "  J2: Ap -> A; k2*Ap\n  k1 = 0.1; k2 = 1\nend\n"
    )
    return ms.load_model(path)


def test_a_stepped_boundary_species_in_a_model_with_a_pool(tmp_path: Path) -> None:
    tc = _ligand_model(tmp_path).simulate(t_end=50, n_points=3, step_inputs={"L": 5.0})
    assert tc.status == "ok"
    assert tc["A"].iloc[-1] == pytest.approx(10 / 1.5, rel=1e-4)  # k2 / (k1 L + k2) of 10


def test_a_stepped_boundary_species_goes_back_for_the_next_call(tmp_path: Path) -> None:
    """A boundary species stepped at t = 0 stayed at its new level on the compiled model
    (a reset does not reach boundary species): the next steady state, time course and
    archive of the same model started from the stepped input, with status ok."""
    model = _ligand_model(tmp_path)
    before = model.steady_state()["Ap"]
    assert before == pytest.approx(10 / 11, rel=1e-6)  # k1 L / (k1 L + k2) of 10
    model.simulate(t_end=50, n_points=3, step_inputs={"L": 5.0})
    assert model.steady_state()["Ap"] == pytest.approx(before, rel=1e-9)
    tc = model.simulate(t_end=1, n_points=2, outputs=["L", "Ap"])
    assert tc["L"].iloc[0] == pytest.approx(1.0) and tc["Ap"].iloc[0] == pytest.approx(before)


def test_a_knockout_that_an_event_undoes_warns(tmp_path: Path) -> None:
    """``at (time > 5): A = 3`` brought a knocked-out A back (and held a clamped one at
    3), with status ok and no word of it. A clamp now holds against the event (its
    species is a constant), so only the removal warns."""
    path = tmp_path / "evk.ant"
    path.write_text(
        "model evk\n  species A = 5; species B = 0; species C = 1;\n  J1: A -> B; 0.1*A\n"
        "  J2: B -> A; 0.2*B\n  J3: C -> ; 0.1*C\n  at (time > 5): A = 3;\nend\n"
    )
    model = ms.load_model(path)
    with pytest.warns(RuntimeWarning, match="an event of the model assigns A, knocked out"):
        model.simulate(t_end=10, n_points=3, pre_equilibrate=False, knockouts=["A"])
    import warnings

    with warnings.catch_warnings():
        warnings.simplefilter("error", RuntimeWarning)
        model.simulate(t_end=10, n_points=3, pre_equilibrate=False, knockouts=["C"])
        held = model.simulate(t_end=10, n_points=3, pre_equilibrate=False, knockouts=["A:clamp"])
    assert held.success and (held.to_dataframe()["A"] == 0).all()
    # an event that sets another form of the knocked-out protein (its complex) too
    complexed = tmp_path / "evk2.ant"
    complexed.write_text(
        "model evk2\n  species A = 5; species B = 2; species A_B = 0;\n"
        "  J1: A + B -> A_B; 0.1*A*B\n  J2: A_B -> A + B; 0.2*A_B\n"
        "  at (time > 5): A_B = 3;\nend\n"
    )
    with pytest.warns(RuntimeWarning, match="assigns A_B, knocked out"):
        ms.load_model(complexed).simulate(
            t_end=10, n_points=3, pre_equilibrate=False, knockouts=["A"]
        )


def test_a_boundary_species_knocked_out_comes_back_on_the_next_call(tmp_path: Path) -> None:
    """A knockout set a boundary species (computed by an initial assignment) to zero on
    the compiled model; a reset does not reach it, so every later call ran without it."""
    model = _ligand_model(tmp_path, "$L\n  L = 2*q\n  q = 0.5")
    before = model.steady_state()["Ap"]
    assert before == pytest.approx(10 / 11, rel=1e-6)
    assert model.steady_state(knockouts=["L"])["Ap"] == pytest.approx(0.0, abs=1e-12)
    assert model.steady_state()["Ap"] == pytest.approx(before, rel=1e-9)


def test_a_pre_equilibrated_run_starts_rate_rule_variables_at_the_baseline(
    tmp_path: Path,
) -> None:
    """T' = -0.1 T + kin rests at T = 0.5; the run after pre-equilibration put T back at
    its initial value 1 when it set the run's parameters, so a drug-free run moved."""
    path = tmp_path / "rate.ant"
    path.write_text(
        "model rrp\n  species A = 5;\n  T' = -0.1*T + kin\n  T = 1; kin = 0.05\n"
        "  J0: -> A; ks\n  J1: A -> ; kf*T*A\n  ks = 1; kf = 1\nend\n"
    )
    model = ms.load_model(path)
    ss = model.steady_state()
    assert ss.status == "ok" and ss["A"] == pytest.approx(2.0, rel=1e-6)  # ks / (kf T)
    tc = model.simulate(t_end=5, n_points=2, outputs=["T", "A"])
    assert tc["T"].tolist() == pytest.approx([0.5, 0.5], rel=1e-6)
    assert tc["A"].tolist() == pytest.approx([2.0, 2.0], rel=1e-6)


def test_a_copy_with_its_own_parameters_runs_them_on_a_model_with_events(tmp_path: Path) -> None:
    """A `with_parameters` copy runs its parent's compiled model: on a model with events
    the full reset put the compiled k back (the copy's k = 0.9 was ignored), and a
    first call without values skipped the reset; ensemble members (such copies) all
    gave the parent's steady state."""
    import pandas as pd

    path = tmp_path / "e.ant"
    path.write_text(
        "model e\n  compartment C = 1\n  species A in C\n  A = 1\n  J0: -> A; ks\n"
        "  J: A -> ; k*A\n  k = 0.5; ks = 0.5; q = 1\n  E1: at (time > 1e9): A = A + 1\nend\n"
    )
    model = ms.load_model(path)
    copy = model.with_parameters({"k": 0.9})
    run = dict(t_end=1, n_points=2, pre_equilibrate=False, outputs=["A", "k"])
    for values in ({}, {"q": 2.0}):
        tc = copy.simulate(parameters=values, **run)
        assert tc["k"].iloc[0] == pytest.approx(0.9)
    members = pd.DataFrame({"k": [0.25, 1.0, 2.0]})
    table = model.steady_state(ensemble=members)
    # A* = ks / k per member: 2, 0.5 and 0.25
    assert table.loc["A", "q0.5"] == pytest.approx(0.5, rel=1e-6)
