"""Drug schedules over time: segments, washouts, intermittent regimens and oral PK."""

from __future__ import annotations

import json
import math
from pathlib import Path

import numpy as np
import pytest
from numpy.testing import assert_allclose

import mtor_sim as ms
from mtor_sim._schedule import parse_pk as parse_schedule_pk
from mtor_sim._schedule import parse_schedule
from mtor_sim.cli import main

DAY = 1440.0


def test_constant_schedule_equals_drugs(model):
    a = model.simulate(t_end=600, n_points=61, drugs={"everolimus": 10}, genotype="PTEN_loss")
    b = model.simulate(
        t_end=600,
        n_points=61,
        genotype="PTEN_loss",
        schedule=ms.Schedule.constant("everolimus", 10),
    )
    assert b.success
    assert_allclose(b.data.to_numpy(), a.data.to_numpy(), rtol=1e-8, atol=1e-8)
    assert b.metadata["schedule"]["everolimus"]["kind"] == "segments"


def test_washout_returns_to_baseline(model):
    tc = model.simulate(
        t_end=4 * DAY, n_points=97, schedule=ms.Schedule.constant("everolimus", 10, stop=DAY)
    )
    s6k = tc["pS6K1"]
    base = s6k.iloc[0]
    assert s6k.loc[DAY] < 0.5 * base  # on drug: S6K1 inhibited
    assert_allclose(s6k.iloc[-1], base, rtol=1e-3)  # 3 days after washout
    assert tc.exposure()["everolimus"].loc[2 * DAY] == 0


def test_a_row_at_a_cut_reports_the_piece_that_starts_there(model):
    """At the washout time the drug is off, in the readouts as in `exposure()` (and as
    SBML tools report an event's time)."""
    tc = model.simulate(
        t_end=DAY + 2,
        n_points=int(DAY / 2) + 2,
        schedule=ms.Schedule.constant("everolimus", 10, stop=DAY),
    )
    assert tc.exposure()["everolimus"].loc[DAY] == 0
    x = tc["mTORC1_activity"]  # a direct function of the occupancy: it jumps at the cut
    jump = abs(x.loc[DAY] - x.loc[DAY - 2])
    assert jump > 0.1
    assert abs(x.loc[DAY + 2] - x.loc[DAY]) < 0.05 * jump


def test_intermittent_is_periodic(model):
    sched = ms.Schedule.intermittent("everolimus", 10, on_days=5, off_days=2, weeks=3)
    assert len(sched["everolimus"].segments) == 3
    tc = model.simulate(t_end=21 * DAY, n_points=21 * 24 + 1, schedule=sched)
    s6k = tc["pS6K1"]
    week = 7 * DAY
    for t in (2 * DAY, 4.5 * DAY, 6 * DAY):  # same phase, weeks 1-3
        assert_allclose(s6k.loc[t + week], s6k.loc[t], rtol=1e-4)
        assert_allclose(s6k.loc[t + 2 * week], s6k.loc[t], rtol=1e-4)
    assert s6k.loc[6 * DAY] > 2 * s6k.loc[4 * DAY]  # off days vs on days


def _bateman(t_h, dose_mg, tau_h, n, ka_h, ke_h, fu, v_l, mw):
    """Independent superposition of single-dose Bateman curves (unbound nM)."""
    c = np.zeros_like(t_h)
    for k in range(n):
        s = t_h - k * tau_h
        c += np.where(
            s > 0, np.exp(-ke_h * np.clip(s, 0, None)) - np.exp(-ka_h * np.clip(s, 0, None)), 0.0
        )
    return fu * dose_mg / v_l * ka_h / (ka_h - ke_h) * c * 1e6 / mw


def test_pk_matches_bateman():
    pk = ms.Schedule.oral("everolimus", days=10)["everolimus"]
    assert isinstance(pk, ms.OralPK) and pk.n_doses == 10
    t_h = np.linspace(0, 300, 1201)
    want = _bateman(t_h, 10, 24, 10, math.log(2) / 0.21, math.log(2) / 30, 0.26, 2900, 958.2)
    assert_allclose(pk.concentration(t_h * 60), want, rtol=1e-12, atol=1e-15)
    # the step mean is the exact integral of the curve
    a, b = 100.0, 190.0
    fine = np.linspace(a, b, 20001)
    assert_allclose(pk.mean(a, b), np.trapezoid(pk.concentration(fine), fine) / (b - a), rtol=1e-6)
    # steady-state trough of the defaults: the 4.7 ng/mL plasma x fu 0.26 it was derived from
    trough = float(pk.concentration([9 * 24 * 60 - 1e-9])[0]) * 958.2 / 1e3  # ng/mL
    assert trough == pytest.approx(0.26 * 0.2 * 12.9 / 0.55, rel=0.05)


def test_pk_course_runs_and_records(model):
    sched = ms.Schedule.oral("everolimus", days=3) | ms.Schedule.oral("sorafenib", days=3)
    tc = model.simulate(t_end=3 * DAY, n_points=73, schedule=sched)
    assert tc.success and tc.schedule == sched
    assert tc.metadata["solver"]["pk_step_min"] == 30.0
    exp = tc.exposure()
    assert list(exp.columns) == ["everolimus", "sorafenib"]
    assert exp["sorafenib"].iloc[-1] > 10 and exp["everolimus"].iloc[0] == 0
    # a finer PK grid changes the readouts little (see README for the numbers)
    fine = model.simulate(t_end=3 * DAY, n_points=73, schedule=sched, pk_step=5)
    assert np.abs(fine.data.to_numpy() - tc.data.to_numpy()).max() < 0.02
    fig = tc.plot()
    assert fig.axes[0].get_yscale() == "log" and "nM" in fig.axes[0].get_ylabel()
    assert json.loads(json.dumps(tc.metadata))  # JSON-able record of the schedule


@pytest.mark.parametrize(
    ("make", "match"),
    [
        (lambda: ms.Schedule.segments("everolimus", [(0, 600, 10), (300, 900, 5)]), "overlap"),
        (lambda: ms.Schedule.segments("everolimus", [(-10, 600, 10)]), "negative"),
        (lambda: ms.Schedule.segments("everolimus", [(600, 100, 10)]), "not after"),
        (lambda: ms.Schedule.constant("everolimus", -1), "negative"),
        (lambda: ms.Schedule.constant("rictor", 10), "schedule.*unknown drug"),
        (lambda: ms.Schedule.oral("everolimus", fraction_unbound=2), "fraction_unbound"),
        (lambda: ms.Schedule.oral("torin1"), "no published PK"),
        # a key the plan's form does not take was ignored: 10 nM for "nm": 50, a course
        # from t = 0 for a start beside "oral", 4 weeks for "week": 1
        (
            lambda: ms.Schedule.from_dict({"everolimus": {"on_days": 5, "nm": 50}}),
            r"unknown key\(s\) \['nm'\]",
        ),
        (
            lambda: ms.Schedule.from_dict({"everolimus": {"oral": {}, "start_h": 24}}),
            r"unknown key\(s\) \['start_h'\]",
        ),
        (
            lambda: ms.Schedule.from_dict({"everolimus": {"on_days": 5, "week": 1}}),
            r"unknown key\(s\) \['week'\]",
        ),
        (
            lambda: parse_schedule("everolimus=on:5d,off:2d,weeks:4,stop:3d"),
            "stop does not apply to an intermittent exposure",
        ),
        (lambda: parse_schedule("everolimus=nM:10,weeks:1"), "weeks does not apply"),
        (lambda: parse_schedule("everolimus=nM:10,cycles:2"), "cycles does not apply"),
        # a bound without a unit counts in minutes: 12-24h ran from 12 min, not 12 h
        (lambda: parse_schedule("everolimus=12-24h:10"), "unit on one bound only"),
        (lambda: parse_schedule("everolimus=nM:10,start:12,stop:24h"), "unit on one bound"),
        (lambda: parse_schedule("everolimus=12h-:10"), "'' is not a duration"),
    ],
)
def test_bad_schedules_raise(make, match):
    with pytest.raises((ValueError, TypeError, ms.MtorSimError), match=match):
        make()


def test_bounds_in_minutes_or_at_zero_need_no_unit():
    # 0 is 0 in any unit, and two bounds in minutes agree
    assert parse_schedule("everolimus=0.0-24h:10") == parse_schedule("everolimus=0h-24h:10")
    assert parse_schedule("everolimus=12-24m:10") == parse_schedule("everolimus=12m-24m:10")


def test_schedule_and_drugs_conflict(model):
    with pytest.raises(ValueError, match="`schedule` and `drugs`"):
        model.simulate(
            t_end=60, drugs={"everolimus": 1}, schedule=ms.Schedule.constant("everolimus", 10)
        )
    with pytest.raises(TypeError, match="schedule"):
        model.simulate(t_end=60, schedule=[("everolimus", 0, 60, 10)])


def test_schedule_from_dict_and_cli(tmp_path):
    spec = {"everolimus": {"on_days": 1, "off_days": 1, "cycles": 2, "nM": 10}}
    s = ms.Schedule.from_dict(spec)
    assert s["everolimus"].segments == ((0.0, DAY, 10.0), (2 * DAY, 3 * DAY, 10.0))
    later = ms.Schedule.from_dict({"everolimus": {**spec["everolimus"], "start": DAY}})
    assert later["everolimus"].segments[0] == (DAY, 2 * DAY, 10.0)
    assert ms.Schedule.from_dict(s.as_dict()) == s
    path = tmp_path / "s.json"
    path.write_text(json.dumps(spec))
    out = tmp_path / "tc.csv"
    assert main(["simulate", "--schedule-file", str(path), "--points", "5", "-o", str(out)]) == 0
    assert out.exists()
    assert (
        main(
            [
                "simulate",
                "--schedule",
                "everolimus=on:1d,off:1d,cycles:1",
                "--pk",
                "sorafenib=400mg/12h",
                "--days",
                "1",
                "--points",
                "5",
                "-o",
                str(tmp_path / "b.csv"),
                "--plot",
                str(tmp_path / "b.png"),
            ]
        )
        == 0
    )
    assert (tmp_path / "b.png").exists()
    assert main(["simulate", "--schedule", "everolimus=0-24h:10,12h-30h:3"]) == 2
    assert main(["simulate", "--pk", "everolimus=10 tablets"]) == 2


def test_schedule_on_another_model_through_drug_targets():
    # other models see a scheduled drug as its occupancy scaling the mapped parameters
    from conftest import REFERENCE_DIR

    m = ms.load_model(
        REFERENCE_DIR / "brannmark_2013_BIOMD0000000448.xml", targets={"mTORC1_FRB": ["k5a1"]}
    )
    a = m.simulate(t_end=120, n_points=13, drugs={"everolimus": 10})
    b = m.simulate(t_end=120, n_points=13, schedule=ms.Schedule.constant("everolimus", 10))
    assert a.success and b.success
    assert_allclose(b.data.to_numpy(), a.data.to_numpy(), rtol=1e-8, atol=1e-10)
    c = m.simulate(t_end=120, n_points=13, schedule=ms.Schedule.constant("everolimus", 10, stop=60))
    assert_allclose(c.data.iloc[:7].to_numpy(), a.data.iloc[:7].to_numpy(), rtol=1e-8)
    assert not np.allclose(c.data.iloc[-1].to_numpy(), a.data.iloc[-1].to_numpy())


def _constant_and_cut(path, outputs):
    """A model's course under everolimus 10 nM from t = 0, given constant and as a
    schedule cut at 600 min into two pieces (a change of 1e-7 nM), from its initial
    state; the drug acts on parameter k."""
    m = ms.load_model(path, targets={"mTORC1_FRB": ["k"]})
    kw = {"t_end": 1200, "n_points": 7, "pre_equilibrate": False, "outputs": outputs}
    constant = m.simulate(drugs={"everolimus": 10}, **kw).to_dataframe()
    cut = ms.Schedule.segments("everolimus", [(0, 600, 10), (600, None, 10.000001)])
    return constant, m.simulate(schedule=cut, **kw).to_dataframe()


def test_a_cut_in_the_course_keeps_what_rate_rules_changed(tmp_path):
    """Every piece of a scheduled course set the drugs' parameters by putting every
    other parameter back to its default, a rate rule's too: a clock T' = 1 read 0 after
    a cut at 600 min and S ended at 814 instead of 1641 (oral PK cuts every 30 min)."""
    (tmp_path / "clock.ant").write_text(
        "model clock\n  compartment cell = 1; species S in cell = 0;\n"
        "  J1: -> S; k*T; J2: S -> ; kd*S;\n  k = 1; kd = 0.1; T = 0; T' = 1;\nend\n"
    )
    constant, pieces = _constant_and_cut(tmp_path / "clock.ant", ["S", "T"])
    assert_allclose(pieces["T"], constant["T"], rtol=1e-9, atol=1e-9)
    assert_allclose(pieces["S"], constant["S"], rtol=1e-5)


def test_a_cut_in_the_course_keeps_what_events_changed(tmp_path):
    """An event's assignment (g = 5 after 300 min) was undone at every cut of a course,
    and at the start of a run from a baseline that had reached it: g read 1 again."""
    (tmp_path / "ev.ant").write_text(
        "model ev\n  compartment cell = 1; species S in cell = 0;\n"
        "  J1: -> S; k*g; J2: S -> ; kd*S;\n  k = 1; kd = 0.1; g = 1;\n"
        "  E1: at time > 300: g = 5;\nend\n"
    )
    constant, pieces = _constant_and_cut(tmp_path / "ev.ant", ["S", "g"])
    assert list(pieces["g"]) == [1, 1, 5, 5, 5, 5, 5]
    assert_allclose(pieces["S"], constant["S"], rtol=1e-5)
    m = ms.load_model(tmp_path / "ev.ant", targets={"mTORC1_FRB": ["k"]})
    settled = m.simulate(drugs={"everolimus": 10}, t_end=600, n_points=4, outputs=["g"])
    assert (settled.to_dataframe()["g"] == 5).all()  # from a baseline the event had reached


def test_a_drug_may_not_target_what_rules_or_events_change(tmp_path):
    """A drug on a rate rule's variable acted under constant `drugs=` and was silently
    ignored under a schedule or after pre-equilibration."""
    (tmp_path / "rr.ant").write_text(
        "model rr\n  compartment cell = 1; species S in cell = 0;\n"
        "  J1: -> S; k*T; J2: S -> ; kd*S;\n  k = 1; kd = 0.1; T = 1; T' = -0.01*T;\n"
        "  g = 1; E1: at time > 300: g = 5;\nend\n"
    )
    for target in ("T", "g"):
        with pytest.raises(ms.MtorSimError, match=f"'{target}' is changed by a rate rule or an"):
            ms.load_model(tmp_path / "rr.ant", targets={"mTORC1_FRB": [target]})
    assert ms.load_model(tmp_path / "rr.ant", targets={"mTORC1_FRB": ["k"]}).is_bundled is False


def test_infusion_keeps_the_dose() -> None:
    """An IV infusion's AUC is dose / CL whatever the infusion time."""
    base = dict(
        dose_mg=25.0,
        interval_h=168.0,
        n_doses=1,
        t_half_abs_h=0.0,
        t_half_el_h=17.3,
        fraction_unbound=1.0,
        volume_l=400.0,
        molar_mass=1000.0,
        route="iv",
    )
    aucs = []
    for hours in (0.25, 1.0, 4.0):
        pk = ms.OralPK(**{**base, "infusion_h": hours})
        aucs.append(pk.mean(0.0, 400 * 60.0) * 400 * 60.0)
        c = pk.concentration(np.array([hours * 60.0, hours * 60.0 + 1.0]))
        assert c[1] < c[0]  # the peak is at the end of the infusion
    ke = math.log(2) / (17.3 * 60)
    exact = 25.0 / 400.0 * 1e6 / 1000.0 / ke  # nM min
    assert_allclose(aucs, exact, rtol=2e-3)  # 400 h is 23 half-lives
    with pytest.raises(ValueError, match="infusion_h"):
        ms.OralPK(**{**base, "infusion_h": 200.0})


def test_a_course_runs_its_whole_length_by_default(model):
    # an intermittent course ends after its last off days, not at its last stop
    weekly = ms.Schedule.intermittent("everolimus", 10, on_days=5, off_days=2, weeks=4)
    assert weekly.span() == 28 * DAY
    # a segment that never stops runs for a day past its start
    open_ended = ms.Schedule.from_dict({"everolimus": {"segments": [[0, 600, 10], [DAY, None, 3]]}})
    assert open_ended.span() == 2 * DAY
    # irregular segments end at their last stop
    irregular = ms.Schedule.segments(
        "everolimus", [(0, DAY, 10), (2 * DAY, 3 * DAY, 10), (7000, 8000, 10)]
    )
    assert irregular.span() == 8000
    # without t_end a time course covers the schedule's span, not one day
    tc = model.simulate(schedule=ms.Schedule.intermittent("everolimus", 10, weeks=2), n_points=15)
    assert tc["pS6K1"].index[-1] == pytest.approx(14 * DAY)
    assert model.simulate(n_points=3)["pS6K1"].index[-1] == pytest.approx(DAY)


SECONDS_MODEL = Path(__file__).parent / "data" / "seconds_model.xml"


def test_a_schedule_counts_minutes_on_a_model_that_counts_seconds() -> None:
    """Schedules are in minutes; on a model whose time unit is the second they ran as
    seconds: an hour of drug lasted 60 s, and the default course (a day) 1440 s."""
    m = ms.load_model(SECONDS_MODEL, targets={"mTORC1_ATP": ["k1"]})
    assert m.time_unit == "second"
    hour = ms.Schedule.constant("torin1", 1000, start=0, stop=60)
    tc = m.simulate(schedule=hour, n_points=25)
    assert tc.time[-1] == pytest.approx(86400.0)  # the schedule's day, in seconds
    exposure = tc.exposure()["torin1"]
    assert exposure.loc[0.0] == 1000 and exposure.loc[3600.0] == 0
    # the first hour is the same run as the drug held constant for 3600 s
    held = m.simulate(t_end=3600, n_points=2, drugs={"torin1": 1000})
    at_hour = tc.to_dataframe().loc[3600.0]
    assert at_hour["Ap"] == pytest.approx(held.to_dataframe()["Ap"].iloc[-1], rel=1e-6)
    # the exposure panel shares the readouts' axis, in the model's unit (it was 60x short)
    import matplotlib.pyplot as plt

    fig = tc.plot(["Ap"])
    top, bottom = fig.axes[0], fig.axes[1]
    assert top.lines[0].get_xdata().max() == pytest.approx(bottom.lines[0].get_xdata().max())
    plt.close(fig)
    untreated = m.simulate(t_end=3600, n_points=2)
    assert held.to_dataframe()["Ap"].iloc[-1] < 0.9 * untreated.to_dataframe()["Ap"].iloc[-1]


def test_a_schedule_that_never_doses_within_the_run_says_so(model) -> None:
    """A dose after the run's end was dropped without a word: status "ok", exposure 0
    throughout (a start at 24 h, given in minutes, in a 10-h run)."""
    late = ms.Schedule.constant("everolimus", 10, start=24 * 60)
    with pytest.warns(UserWarning, match="no exposure to everolimus within the run"):
        tc = model.simulate(t_end=600, schedule=late, n_points=3)
    assert "no exposure to everolimus within the run (0-600 min)" in tc.message
    oral = ms.Schedule.oral("everolimus", n_doses=3, start_h=48)
    with pytest.warns(UserWarning, match="no exposure to everolimus"):
        model.simulate(t_end=1440, schedule=oral, n_points=3)
    within = ms.Schedule.constant("everolimus", 10, start=300)
    assert "no exposure" not in model.simulate(t_end=600, schedule=within, n_points=3).message


def test_oral_days_and_n_doses_together_are_refused() -> None:
    """``days`` sets the number of doses; with ``n_doses`` too it was ignored."""
    with pytest.raises(ValueError, match="give `days` or `n_doses`"):
        ms.Schedule.oral("everolimus", days=28, n_doses=3)
    # the command line's xN counts the doses; --days then sets only the course's length
    assert parse_schedule_pk("everolimus=10mg/24h x3", days=28)["everolimus"].n_doses == 3
    assert parse_schedule_pk("everolimus=10mg/24h", days=2)["everolimus"].n_doses == 2


def test_segments_given_as_numpy_rows_are_taken() -> None:
    """A shape check for misshapen segments refused numpy rows, which were valid."""
    import numpy as np

    for rows in (np.array([[0, 60, 10.0]]), [np.array([0, 60, 10.0])], [range(0, 3)]):
        schedule = ms.Schedule.segments("everolimus", rows)
        assert len(schedule.as_dict()["everolimus"]["segments"]) == 1


def test_an_infusion_time_on_an_oral_plan_is_refused() -> None:
    """An oral dose has no infusion: ``infusion_h`` without ``route="iv"`` was kept in
    the record and ignored, so the plan dosed orally while it said 2 h."""
    with pytest.raises(ValueError, match="applies to intravenous dosing only"):
        ms.Schedule.oral("everolimus", days=1, infusion_h=2.0)
    with pytest.raises(ValueError, match="applies to intravenous dosing only"):
        ms.Schedule.from_dict({"everolimus": {"oral": {"infusion_h": 1}, "days": 2}})
    iv = ms.Schedule.oral("everolimus", days=1, route="iv", infusion_h=2.0)["everolimus"]
    assert iv.route == "iv" and iv.infusion_h == 2.0
    # temsirolimus's published plan is an infusion; dosed orally it drops the infusion
    oral = ms.Schedule.oral("temsirolimus", days=7, route="oral", t_half_abs_h=0.5)
    assert oral["temsirolimus"].infusion_h == 0.0


def test_oral_days_dose_within_the_course_only() -> None:
    """``days`` doses every interval that starts within the course: 7 days of 11.2 h is
    15 doses (168 / 11.2 is 15.000000000000002 in floats, and a 16th fell at 168 h)."""
    for interval, doses in ((11.2, 15), (1.4, 120), (12.0, 14), (10.0, 17)):
        plan = ms.Schedule.oral("everolimus", days=7, interval_h=interval)["everolimus"]
        assert plan.n_doses == doses, interval
        assert plan.dose_times()[-1] < 7 * DAY
    assert parse_schedule_pk("everolimus=10mg/11.2h", days=7)["everolimus"].n_doses == 15


def test_a_malformed_yaml_schedule_file_is_one_line_exit_2(tmp_path, capsys) -> None:
    """A YAML syntax error ended in PyYAML's traceback (exit 1); a JSON one was already
    a one-line error."""
    from mtor_sim.cli import main

    path = tmp_path / "schedule.yaml"
    path.write_text("everolimus: [on_days: 5\n")
    assert main(["simulate", "--schedule-file", str(path)]) == 2
    err = capsys.readouterr().err
    assert err.startswith(f"mtor-sim: error: --schedule-file {path}: not valid YAML (line ")
    assert err.count("\n") == 1
