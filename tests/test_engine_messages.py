"""What the engine prints goes into results' messages, never onto the terminal; messages
say what failed and what to try, and tell a model's problem from the solver's."""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np
import pytest
from conftest import REFERENCE_DIR

import mtor_sim as ms
from mtor_sim.cli import main

DATA = Path(__file__).parent / "data"


def test_engine_lines_go_into_the_rows_not_onto_stderr(capfd: pytest.CaptureFixture) -> None:
    # with G present the oscillator is too fast for CVODE: SUNDIALS prints an error line
    m = ms.load_model(DATA / "fast_oscillator.ant")
    screen = ms.knockout_screen(m, ["x"], interactions=["G_off"], progress=False)
    err = capfd.readouterr().err
    assert "cvodes" not in err and "CVode" not in err and "WARNING" not in err
    rows = screen.table.set_index("target")
    for target in ("baseline", "cut G_off"):
        message = rows.loc[target, "message"]
        assert rows.loc[target, "status"] == "solver_failed"
        assert "engine said: CVode error: At t = " in message
        assert "more time points" in message  # what to try
        assert "rr::CVODEIntegrator" not in message  # no C++ location
    assert "engine said" not in rows.loc["G KO", "message"]
    print("still here", file=sys.stderr)  # stderr is back once the engine is done
    assert "still here" in capfd.readouterr().err


def test_sundials_warnings_stay_off_stdout(tmp_path: Path, capfd: pytest.CaptureFixture) -> None:
    # x' = x^2 from x = 1 blows up at t = 1: SUNDIALS writes its "t + h = t" warnings to
    # the C-level stdout, where they would corrupt a table printed there
    blow = tmp_path / "blow.ant"
    blow.write_text("model blow\n  x' = x^2\n  x = 1\nend\n")
    tc = ms.load_model(blow).simulate(t_end=2, n_points=5)
    out = capfd.readouterr().out
    assert tc.status != "ok"
    assert "WARNING" not in out and "cvodes" not in out
    assert "CVode warning" in tc.message  # kept, in the result
    print("still here")  # stdout is back once the engine is done
    assert "still here" in capfd.readouterr().out


def test_time_course_failure_gets_a_hint(capfd: pytest.CaptureFixture) -> None:
    m = ms.load_model(DATA / "fast_oscillator.ant")
    tc = m.simulate(t_end=1e4, n_points=3, pre_equilibrate=False)
    assert tc.status == "solver_failed"
    assert "CV_TOO_MUCH_WORK" in tc.message and "more time points" in tc.message
    assert "CVode" not in capfd.readouterr().err


def test_negative_species_blames_the_model_only_when_it_is_the_model(tmp_path: Path) -> None:
    model_made = tmp_path / "drain.ant"  # A -> ; k2*(A + 1): consumed even at A = 0
    model_made.write_text(
        "model drain\n  species A = 1\n  J1: -> A; k1\n  J2: A -> ; k2*(A + 1)\n"
        "  k1 = 0.5; k2 = 1\nend\n"
    )
    ss = ms.load_model(model_made).steady_state()
    assert ss.status == "negative"
    assert "the model drives it below zero" in ss.message and "artefact" not in ss.message
    # A' = A (A + 1): a steady state at A = -1 that no run from A >= 0 reaches
    root = tmp_path / "root.ant"
    root.write_text("model negroot\n  species A = 0.5\n  J1: -> A; k*A*(A + 1)\n  k = 1\nend\n")
    solver = ms.load_model(root)._solver()
    solver.apply({})
    solver.r.model.setFloatingSpeciesConcentrations(np.array([-1.0]))
    res = solver._check(1e-8, "test", "")
    assert res.status == "negative"
    assert "solver artefact, not a property of the model" in res.message


def test_list_drugs_of_another_model_says_which_cannot_act(capsys) -> None:
    brannmark = str(REFERENCE_DIR / "brannmark_2013_BIOMD0000000448.xml")
    assert main(["list", "drugs", "--model", brannmark]) == 0
    out = capsys.readouterr().out
    assert "not applicable" in out and "--target" in out
    assert not any(line.startswith("everolimus") for line in out.splitlines())
    assert main(["list", "drugs", "--model", brannmark, "--target", "mTORC1_FRB=k5a1"]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert any(line.startswith("everolimus") for line in lines)
    assert not any(line.startswith("sorafenib") for line in lines)


def test_list_nodes_shows_sbml_names(capsys) -> None:
    assert main(["list", "nodes", "--model", str(DATA / "ko_forms.ant")]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert any(line.split() == ["B", "partner"] for line in lines)
    assert "A" in lines  # no name: the id alone


def test_a_steady_state_says_when_the_models_events_are_not_in_it(tmp_path: Path) -> None:
    # S decays, and an event would refill it: the steady state (S = 0) is verified for
    # the continuous dynamics only, which its message says
    path = tmp_path / "refill.ant"
    path.write_text(
        "model refill\n  S = 1\n  J: S -> ; k*S\n  k = 0.1\n  E: at time > 5: S = S + 1\nend\n"
    )
    ss = ms.load_model(path).steady_state()
    assert ss.status == "ok"
    assert "1 event(s) are not part of the test" in ss.message
    assert "event" not in ms.load_model().steady_state().message


def test_a_steady_state_says_what_an_event_changed_on_the_way(tmp_path: Path) -> None:
    """An event at t = 50 set kv = 0 during the presimulation, so the steady state is the
    one without production (P = 0), while the message said the events were not applied."""
    path = tmp_path / "switch.ant"
    path.write_text(
        "model ev\n  species P = 0;\n  kv = 1\n  J3: -> P; kv*0.1\n  J4: P -> ; 0.2*P\n"
        "  at (time > 50): kv = 0;\nend\n"
    )
    ss = ms.load_model(path).steady_state()
    assert ss.status == "ok" and ss["P"] == pytest.approx(0.0, abs=1e-9)
    assert "not part of the test" not in ss.message
    assert "with what the model's event(s) set on the way here (kv changed" in ss.message
    # a value this call sets is not an event's doing (it was read as one, against init)
    far = tmp_path / "far.ant"
    far.write_text(path.read_text().replace("time > 50", "time > 1e12"))
    ss = ms.load_model(far).steady_state(parameters={"kv": 2.0})
    assert ss.status == "ok" and ss["P"] == pytest.approx(1.0, rel=1e-6)
    assert "not part of the test" in ss.message and "kv changed" not in ss.message


def test_a_model_with_factorial_gets_a_status_not_a_crash(tmp_path: Path) -> None:
    # libroadrunner's Newton solver dies of a segmentation fault on this rate law (SBML
    # Test Suite 269): run in a child process, so that a crash fails the test only
    import subprocess

    path = tmp_path / "factorial.ant"
    path.write_text(
        "model f\n  S1 = 1; S2 = 0; p1 = 4; p2 = 25\n"
        "  J: S1 -> S2; factorial(ceil(S1*p1))/p2\nend\n"
    )
    script = (
        f"import mtor_sim as ms; ss = ms.load_model({str(path)!r}).steady_state(); print(ss.status)"
    )
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True)
    assert done.returncode == 0, done.stderr[-500:]
    assert done.stdout.strip() == "not_reached"  # its rate never vanishes


def test_a_rate_that_is_not_finite_fails_at_once(tmp_path: Path) -> None:
    """k / q with q = 0: NLEQ2 never returned from the infinite residual (the bundled
    model hung the same way with f_S473_pT308 = 0, in a sweep as in steady_state)."""
    import faulthandler

    # a hang inside the C solver cannot be interrupted: end the run with a traceback
    faulthandler.dump_traceback_later(120, exit=True)
    try:
        path = tmp_path / "div.ant"
        path.write_text(
            "model div\n  species A = 1\n  J1: -> A; k/q\n  J2: A -> ; A\n  k = 1; q = 1\nend\n"
        )
        ss = ms.load_model(path).steady_state(parameters={"q": 0.0})
        assert ss.status == "solver_failed" and "J1 not finite" in ss.message
        bundled = ms.load_model().steady_state(parameters={"f_S473_pT308": 0.0})
        assert bundled.status == "solver_failed" and "AKT_S473 not finite" in bundled.message
    finally:
        faulthandler.cancel_dump_traceback_later()


def test_a_substance_only_species_dependent_in_a_pool(tmp_path: Path) -> None:
    """A <-> B with B in amounts: under conserved-moiety analysis libroadrunner leaves the
    dependent B out of its rates, and the residual check raised IndexError."""
    path = tmp_path / "r01.ant"
    path.write_text(
        "model r01\n  compartment C = 2\n  species A in C = 1\n  substanceOnly species B in C = 0\n"
        "  R1: A -> B; k1*A\n  R2: B -> A; k2*B\n  k1 = 0.3; k2 = 0.1\nend\n"
    )
    ss = ms.load_model(path).steady_state()
    assert ss.status == "ok"
    assert ss["A"] == pytest.approx(0.4, rel=1e-8) and ss["B"] == pytest.approx(1.2, rel=1e-8)


def test_a_non_finite_rate_between_boundary_species_changes_nothing(tmp_path: Path) -> None:
    """B/C with both boundary species at 0 is NaN but moves no floating species: the
    steady state of A is as without it (the guard against NLEQ2's hang refused it)."""
    path = tmp_path / "bnd.ant"
    path.write_text(
        "model m\n  species A = 1, $B = 0, $C = 0\n  J1: -> A; k\n  J2: A -> ; kd*A\n"
        "  J3: $B -> $C; B/C\n  k = 1; kd = 1\nend\n"
    )
    ss = ms.load_model(path).steady_state()
    assert ss.status == "ok" and ss["A"] == pytest.approx(1.0)


def test_quiet_without_python_streams(monkeypatch: pytest.MonkeyPatch) -> None:
    """Under pythonw or an embedding sys.stdout may be None."""
    from mtor_sim._roadrunner import quiet

    monkeypatch.setattr(sys, "stdout", None)
    with quiet() as log:
        pass
    assert list(log) == []


def test_a_limit_cycle_is_named_with_its_period(varusai: ms.Model) -> None:
    """Varusai 2018 oscillates for ever (its Newton step fails, and a long run does not
    come to rest); the message said "may oscillate or drift". The state is followed on,
    and a steady cycle is named, with its period and range."""
    ss = varusai.steady_state()
    assert ss.status == "not_reached" and not ss.success
    assert "sustained oscillation" in ss.message, ss.message
    name = ss.message.split("oscillation (a limit cycle, not a steady state): ")[1].split()[0]
    period = float(ss.message.split("period of about ")[1].split(" ")[0])
    # measured on the time course itself: the distance between its late maxima
    tc = varusai.simulate(t_end=20000, n_points=20001, pre_equilibrate=False)
    late = tc.to_dataframe()[name].loc[10000:]
    v, t = late.to_numpy(), late.index.to_numpy()
    peaks = np.flatnonzero((v[1:-1] > v[:-2]) & (v[1:-1] >= v[2:])) + 1
    peaks = peaks[v[peaks] > v.min() + (v.max() - v.min()) / 2]
    assert period == pytest.approx(np.diff(t[peaks]).mean(), rel=0.01)


def test_a_drift_is_not_called_a_cycle(tmp_path: Path) -> None:
    path = tmp_path / "drift.ant"
    path.write_text("model drift\n  species A = 0\n  J: -> A; 1\nend\n")
    m = ms.load_model(path)
    ss = m.steady_state()
    assert ss.status == "not_reached"
    assert "may oscillate or drift" in ss.message and "cycle" not in ss.message


def test_a_cycle_beside_a_drifting_species_is_named_with_it(tmp_path: Path) -> None:
    """A slowed Brusselator beside a species made at a constant rate: the cycle was
    labelled "still decaying" or "sustained" by where the samples fell on its maxima,
    and the species growing without end went unmentioned."""
    path = tmp_path / "cycle_drift.ant"
    path.write_text(
        "model cycle_drift\n species X = 1, Y = 1, Z = 1\n J1: -> X; s*1\n"
        " J2: X -> Y; s*2.5*X\n J3: 2X + Y -> 3X; s*X*X*Y\n J4: X -> ; s*X\n s = 0.02\n"
        " J5: -> Z; 0.001\nend\n"
    )
    ss = ms.load_model(path).steady_state()
    assert ss.status == "not_reached"
    assert "sustained oscillation" in ss.message, ss.message
    assert "while Z also drifts" in ss.message and "Y also" not in ss.message
