"""The SBML Test Suite runner, on cases that each exposed a defect (tests/data), and on the
full half-suite beside the project when it is there."""

from __future__ import annotations

import os
from pathlib import Path

import pandas as pd
import pytest

from mtor_sim import sbml_test_suite as sts

DATA = Path(__file__).parent / "data" / "sbml-test-suite" / "cases"
SHARED = Path(__file__).resolve().parents[2] / "shared" / "sbml-test-suite" / "cases"


@pytest.fixture(autouse=True)
def _no_cache(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("MTOR_SIM_CACHE", "off")  # one-off models


@pytest.mark.parametrize("case", sorted(p.name for p in DATA.iterdir()))
def test_case_passes_through_the_public_api(case: str) -> None:
    result = sts.run_case(DATA / case)
    assert result.status == "passed", result


def test_cases_run_in_one_process_do_not_disturb_each_other() -> None:
    """00953 names a parameter `reset`; libroadrunner's Python layer used to delete
    `RoadRunner.reset` for every later model in the process."""
    results = sts.run_suite(DATA, workers=1)
    assert [r.status for r in results] == ["passed"] * len(results), results


def test_a_hung_or_crashed_case_fails_without_stopping_the_run(tmp_path: Path) -> None:
    good = tmp_path / "00001"
    good.mkdir()
    for f in (DATA / "00001").iterdir():
        (good / f.name).write_bytes(f.read_bytes())
    results = sts.run_suite(tmp_path, workers=1, timeout=1e-9)  # no case can finish in time
    assert results[0].status == "failed" and "no result within" in results[0].reason


def test_summary_and_main(capsys: pytest.CaptureFixture[str]) -> None:
    assert sts.main([str(DATA), "--workers", "1", "--case", "1", "--case", "953"]) == 0
    out = capsys.readouterr().out
    assert "mtor_sim: 2 passed, 0 failed, 0 skipped (of 2 cases)" in out


@pytest.mark.skipif(not SHARED.is_dir(), reason="the SBML Test Suite is not beside the project")
def test_every_case_libroadrunner_passes_passes_through_mtor_sim() -> None:
    ours = {r.case: r for r in sts.run_suite(SHARED, workers=2)}
    plain = sts.run_suite(SHARED, workers=2, plain=True)
    lost = [
        f"{r.case}: {ours[r.case].reason}"
        for r in plain
        if r.status == "passed" and ours[r.case].status != "passed"
    ]
    assert not lost, lost
    skipped = [r for r in ours.values() if r.status == "skipped"]
    assert all(r.reason for r in skipped)


EVENTS_AT_ZERO = ["01333", "01697", "01699", "01757"]


def _expected(case: str) -> tuple[list[str], pd.DataFrame, dict[str, str]]:
    folder = DATA / case
    settings = dict(
        line.split(":", 1) for line in (folder / f"{case}-settings.txt").read_text().splitlines()
    )
    names = [v.strip() for v in settings["variables"].split(",") if v.strip()]
    return names, pd.read_csv(folder / f"{case}-results.csv"), settings


@pytest.mark.parametrize("case", EVENTS_AT_ZERO)
def test_every_run_of_an_event_model_starts_from_its_initial_state(case: str) -> None:
    """An event changes a parameter at t = 0; the next run of the same loaded model
    used to start from where the last one ended (the parameter was not reset)."""

    import mtor_sim as ms

    model = ms.load_model(DATA / case / f"{case}-sbml-l3v2.xml")
    for _ in range(3):
        _assert_the_expected_course(model, case)


def _assert_the_expected_course(model, case: str) -> None:
    """``model`` runs case ``case``'s course as its results file gives it."""
    import numpy as np

    names, expected, settings = _expected(case)
    tc = model.simulate(
        t_end=float(settings["duration"]),
        n_points=int(settings["steps"]) + 1,
        pre_equilibrate=False,
        outputs=names,
    )
    got = tc.to_dataframe()[names].to_numpy(float)
    np.testing.assert_allclose(got, expected[names].to_numpy(float), rtol=1e-4, atol=1e-4)


def test_a_run_cut_short_leaves_no_delayed_event_behind() -> None:
    """libroadrunner's reset keeps the delayed events still pending: after a run that
    ended before one was due, the next course fired it twice (P1 625, not 25, "ok")."""
    import mtor_sim as ms

    case = "01757"
    model = ms.load_model(DATA / case / f"{case}-sbml-l3v2.xml")
    for t_end in (1.0, 2.0, 10.0):  # 10: the case's whole course
        short = model.simulate(t_end=t_end, n_points=3, pre_equilibrate=False)
        assert short.status == "ok"
        _assert_the_expected_course(model, case)


def test_a_cached_event_model_starts_as_a_compiled_one(tmp_path: Path) -> None:
    """A compiled model's saved state, loaded in a second process, fired an event at
    t = 0 again: event models are compiled in every process instead."""
    import subprocess
    import sys

    case = "01697"
    script = (
        "import mtor_sim as ms; "
        f"m = ms.load_model({str(DATA / case / f'{case}-sbml-l3v2.xml')!r}); "
        "tc = m.simulate(t_end=2, n_points=3, pre_equilibrate=False, outputs=['P1']); "
        "print(tc.status, tc.to_dataframe()['P1'].tolist())"
    )
    env = {**os.environ, "MTOR_SIM_CACHE": str(tmp_path / "cache")}
    runs = [
        subprocess.run(
            [sys.executable, "-c", script], env=env, capture_output=True, text=True, check=True
        ).stdout.strip()
        for _ in range(2)
    ]
    assert runs == ["ok [3.0, 3.0, 3.0]"] * 2, runs


def test_an_omex_export_earlier_in_the_process_changes_no_result() -> None:
    """libsedml imported after libsbml (an OMEX export does so) makes libsbml's
    ASTNode.getType() return a pointer for the rest of the process: every AST type test
    was False, a csymbol time was taken for a constant and case 01821's ``d = time``
    became a rule that follows time; the stops added where libroadrunner steps over a
    trigger's window or a jump of ceiling/floor (01511, 00173, 00269) were not added
    (and 01511 raised a TypeError). Run in a fresh process, where the import order is
    known."""
    import subprocess
    import sys

    cases = [str(DATA / c) for c in ("01821", "01511", "00173", "00269")]
    script = f"""
import libsbml, libsedml
libsedml.parseL3Formula("a + 1")  # as an OMEX export's data generators do
assert type(libsbml.parseL3Formula("x")).__module__ == "libsedml"  # the clash is there
from pathlib import Path
from mtor_sim import sbml_test_suite as sts
print(" ".join(sts.run_case(Path(c)).status for c in {cases!r}))
"""
    out = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, timeout=300, check=True
    )
    last = out.stdout.strip().splitlines()[-1]
    assert last == " ".join(["passed"] * 4), out.stdout + out.stderr
    assert "memory leak" not in out.stdout + out.stderr  # SWIG's note on each misread type


def test_a_steady_state_where_libroadrunner_has_no_full_jacobian() -> None:
    """00755: S1 + S2 <-> S3, an event setting S2 through a function definition when S1
    falls below 0.5. libroadrunner's full Jacobian throws a bare std::exception on it, and
    the settled state (S1 0.5, S2 1.0, S3 1.5, as plain libroadrunner runs to 1e6) was
    "Jacobian could not be evaluated" (solver_failed); the rates are differenced instead."""
    import mtor_sim as ms

    ss = ms.load_model(DATA / "00755" / "00755-sbml-l3v2.xml").steady_state()
    assert ss.status == "ok", ss.message
    assert dict(ss.species) == pytest.approx({"S1": 0.5, "S2": 1.0, "S3": 1.5}, rel=1e-8)
    assert ss.max_eigenvalue < 0


def test_a_conversion_factor_is_kept_in_a_steady_state() -> None:
    """01405: S1 -> S2 at 0.1 S1, S1's conversion factor 2, so S1 + 2 S2 is conserved.
    libroadrunner's moiety analysis reads pools from the bare stoichiometry (S1 + S2) and
    the steady state was verified at S2 = 6.0; the model settles at 3.5."""
    import mtor_sim as ms

    ss = ms.load_model(DATA / "01405" / "01405-sbml-l3v2.xml").steady_state()
    assert ss.status == "ok", ss.message
    assert ss.species["S2"] == pytest.approx(3.5, rel=1e-8)
    assert ss.species["S1"] == pytest.approx(0.0, abs=1e-9)


def test_a_case_with_unreadable_files_fails_with_its_reason(tmp_path: Path) -> None:
    """An error in the case's own files is the case's failure, named as such, in the
    caller's process and through a worker (which reported it as a timeout)."""
    case = tmp_path / "00001"
    case.mkdir()
    for f in (DATA / "00001").iterdir():
        (case / f.name).write_bytes(f.read_bytes())
    results = case / "00001-results.csv"
    header, *rows = results.read_text(encoding="utf-8").splitlines()
    results.write_text("\n".join([header.rsplit(",", 1)[0], *rows]) + "\n", encoding="utf-8")
    direct = sts.run_case(case)
    assert direct.status == "failed" and direct.reason.startswith("ValueError"), direct
    (worker,) = sts.run_suite(tmp_path, workers=1, timeout=60)
    assert worker.status == "failed" and worker.reason == direct.reason, worker
