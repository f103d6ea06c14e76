"""The command line, end to end (run in-process through ``main``)."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pytest
from conftest import REFERENCE_DIR

import mtor_sim as ms
from mtor_sim.cli import main


def test_reproduce_writes_report(tmp_path, capsys):
    out = tmp_path / "rep"
    # exit 0: every verdict is the documented one (models/claims_expected.csv lists none
    # since revision 2: every claim is expected to pass)
    assert main(["reproduce", "--out", str(out)]) == 0
    # each figure is rendered once, as PNG, unless other formats are asked for
    assert not list(out.rglob("*.svg")) and not list(out.rglob("*.pdf"))
    captured = capsys.readouterr()
    assert "15 of 15 claims pass; every verdict as expected" in captured.out
    assert "FAILS" not in captured.out
    # stderr is not a terminal here: progress comes as lines, and its total counts the
    # claims and the experiments, so it ends at 100 % and never goes past it
    from mtor_sim.experiments import EXPERIMENTS

    total = 15 + len(EXPERIMENTS)
    lines = [ln for ln in captured.err.splitlines() if ln.startswith("claims and experiments")]
    assert lines and lines[-1].startswith(f"claims and experiments: {total}/{total} step (100 %)")
    assert all("/" + str(total) + " " in ln for ln in lines)
    for n in range(1, 16):
        assert (out / "figures" / f"claim_{n:02d}.png").stat().st_size > 10_000
    assert (out / "experiments" / "wnt_emt" / "wnt_emt.png").exists()
    table = pd.read_csv(out / "claims.csv")
    assert set(table["claim"]) == set(range(1, 16))
    assert table["passed"].all() and table["expected_pass"].all()
    html = (out / "report.html").read_text()
    assert html.count("<img") >= 15 + 7 and "15 of 15 claims pass" in html
    md = (out / "report.md").read_text()
    assert "## Claim 12" in md and md.count("- **Result:** PASS") == 15
    # the literature behaviours held out of calibration, and the trial beside the review
    validation = pd.read_csv(out / "validation.csv")
    hits = int((validation["status"] == "pass").sum())
    assert len(validation) >= 25 and 0 < hits < len(validation)
    assert f"literature behaviours held out of calibration: {hits} of" in captured.out
    assert "## Literature behaviours held out of calibration" in md
    failing = validation.loc[validation["status"] == "fail", "id"]
    assert all(f"| {row} |" in md for row in failing)  # every miss is listed
    # ... with why it fails (models/validation_findings.csv), none left unexplained
    assert "why it fails |" in md and "*not explained*" not in md and "(stale)" not in md
    trial = pd.read_csv(out / "trial.csv")
    assert "ORR, everolimus" in set(trial["comparison"]) and trial["review"].notna().sum() >= 5
    assert "## Virtual trial beside the review" in md and "Why the gaps remain" in md
    assert "virtual trial, ORR: everolimus " in captured.out
    assert "(review 9.5 %, EVOLVE-1 2.2 %)" in captured.out  # a randomized trial beside it
    assert "randomized trial (%) |" in md and "2.2: EVOLVE-1 (" in md
    # ... and the orderings the trial claims, as the report states them
    orderings = pd.read_csv(out / "trial_orderings.csv")
    assert len(orderings) == 4
    assert set(orderings.columns) == {"claim", "passed", "verdict", "p_value", "numbers"}
    held = int(orderings["passed"].sum())
    assert f"virtual trial, the review's orderings: {held} of 4 hold" in captured.out
    assert all(f"| {c} |" in md for c in orderings["claim"])
    # in the HTML report both are tables, not preformatted Markdown
    assert "<h2>Virtual trial beside the review</h2>" in html and "<td>ORR, everolimus</td>" in html
    assert "<h2>Literature behaviours held out of calibration</h2>" in html and "<pre>" not in html


def test_reproduce_can_skip_the_trial(model, tmp_path, capsys):
    from mtor_sim._report import reproduce

    out = tmp_path / "rep"
    report = reproduce(model, out, experiments=None, trial_patients=0)
    assert report.trial is None and not (out / "trial.csv").exists()
    assert report.trial_orderings is None and not (out / "trial_orderings.csv").exists()
    assert (out / "validation.csv").exists() and report.literature is not None
    # a bad count is refused before any work
    assert main(["reproduce", "-q", "--out", str(tmp_path / "x"), "--trial-patients", "-1"]) == 2
    assert not (tmp_path / "x").exists()


def _fake_reproduce(verdicts):
    """A stand-in for `reproduce` whose claims give ``verdicts``: claim -> (passed, expected)."""
    from mtor_sim._claims import ClaimResult
    from mtor_sim._report import Report

    def fake(model, out_dir, **kw):
        results = tuple(
            ClaimResult(
                n,
                f"claim {n}",
                "",
                "",
                "",
                {},
                passed,
                pd.DataFrame(),
                expected_pass=expected,
                expected_reason="" if expected else "a documented reason",
            )
            for n, (passed, expected) in verdicts.items()
        )
        out = Path(out_dir)
        return Report(results, out, out / "report.md", out / "report.html", out / "c.csv", 0.1)

    return fake


@pytest.mark.parametrize(
    ("verdicts", "strict", "status", "shown"),
    [
        # every verdict as documented, a known failure among them: 0 (and 1 with --strict)
        ({1: (True, True), 9: (False, False)}, False, 0, "FAILS (expected: a documented"),
        ({1: (True, True), 9: (False, False)}, True, 1, "claim 9 fails as documented"),
        # a claim expected to pass fails: 1
        ({1: (False, True), 9: (False, False)}, False, 1, "unexpected verdict: claim 1"),
        # a documented failure now passes: 1 (the table, or the model, must be revisited)
        ({1: (True, True), 9: (True, False)}, False, 1, "PASSES (unexpected: documented to"),
        ({1: (True, True), 9: (True, True)}, True, 0, "every verdict as expected"),
    ],
)
def test_reproduce_exit_status_follows_expected_verdicts(
    tmp_path, capsys, monkeypatch, verdicts, strict, status, shown
):
    import mtor_sim._report

    monkeypatch.setattr(mtor_sim._report, "reproduce", _fake_reproduce(verdicts))
    argv = ["reproduce", "-q", "--out", str(tmp_path / "rep")] + (["--strict"] if strict else [])
    assert main(argv) == status
    assert shown in capsys.readouterr().out


def test_reproduce_on_a_users_model_follows_its_own_table(tmp_path):
    """A user's model (the bundled one without S6K1 -| IRS1, so claim 9 fails): with no
    claims_expected.csv every claim is expected to pass; its own table can document it."""
    from mtor_sim._report import reproduce

    text = ms.bundled_model_path().read_text()
    copy = tmp_path / "my_model.ant"
    copy.write_text(text.replace("k_IRS1_S6K1 = 0.015;", "k_IRS1_S6K1 = 0;"))
    report = reproduce(ms.load_model(copy), tmp_path / "rep", experiments=None)
    # (other claims move too: the references were not recalibrated for this model)
    assert 9 in report.unexpected and not report.all_as_expected
    assert all(r.expected_pass for r in report.results)
    assert report.results[8].verdict == "FAIL (unexpected)"
    assert "FAIL (unexpected)" in (tmp_path / "rep" / "report.md").read_text()
    # a table about another model file in the same folder does not apply
    table = tmp_path / "claims_expected.csv"
    table.write_text("model,claim,expected,reason,source\nmtor_hcc,9,fail,elsewhere,\n")
    assert ms.claims.check(ms.load_model(copy), 9).expected_pass
    table.write_text("model,claim,expected,reason,source\nmy_model,9,fail,no feedback,here\n")
    result = ms.claims.check(ms.load_model(copy), 9)
    assert result.as_expected and result.verdict == "FAILS (expected: no feedback (here))"


def test_steady_state_to_csv(tmp_path):
    out = tmp_path / "ss.csv"
    assert main(["steady-state", "-g", "PTEN_loss", "-d", "everolimus=10", "-o", str(out)]) == 0
    df = pd.read_csv(out)  # as `SteadyState.to_file` writes it: one row
    assert len(df) == 1 and 0 < df["pAKT_S473"].iloc[0] < 1
    assert df["status"].iloc[0] == "ok" and "everolimus" in df["label"].iloc[0]


def test_tumour_response_command(model, tmp_path, capsys):
    """`tumour_response` had no command; its row, figure and ensemble table now do, as
    the Python verb gives them."""
    out, fig = tmp_path / "tumour.csv", tmp_path / "tumour.png"
    args = ["tumour-response", "-g", "PTEN_loss", "-d", "everolimus=10", "--days", "14"]
    assert main([*args, "-o", str(out), "--plot", str(fig)]) == 0
    row = pd.read_csv(out).iloc[0]
    res = ms.tumour_response(model, {"everolimus": 10}, genotype="PTEN_loss", days=14)
    assert row["reduction_percent"] == pytest.approx(res.reduction_percent, rel=1e-9)
    assert row["label"] == "PTEN_loss + everolimus 10 nM" and fig.stat().st_size > 0
    assert main([*args, "--ensemble=3"]) == 0
    assert "reduction_percent" in capsys.readouterr().out
    assert main(["tumour-response", "-g", "PTEN_loss"]) == 2  # no treatment
    assert "give the treatment with -d" in capsys.readouterr().err
    assert main([*args, "--ensemble=3", "--plot", str(fig)]) == 2


@pytest.mark.parametrize("fmt", ["csv", "json", "parquet"])
def test_simulate_formats_and_plot(tmp_path, fmt):
    out = tmp_path / f"tc.{fmt}"
    fig = tmp_path / "tc.png"
    assert (
        main(
            [
                "simulate",
                "-d",
                "vistusertib=100",
                "--t-end",
                "120",
                "--points",
                "5",
                "-o",
                str(out),
                "--plot",
                str(fig),
            ]
        )
        == 0
    )
    assert out.stat().st_size > 0 and fig.stat().st_size > 5_000


def test_unknown_name_is_an_error_with_hint(capsys):
    assert main(["steady-state", "-d", "everolimu=10"]) == 2
    assert "did you mean 'everolimus'" in capsys.readouterr().err


def test_dose_response_on_another_model_with_a_mapped_target(tmp_path, capsys):
    out = tmp_path / "dr.csv"
    model = str(REFERENCE_DIR / "brannmark_2013_BIOMD0000000448.xml")
    assert (
        main(
            [
                "dose-response",
                "everolimus",
                "--model",
                model,
                "--target",
                "mTORC1_FRB=k5a1",
                "-r",
                "mTORC1a",
                "--doses",
                "0,1,10,100,1000",
                "-o",
                str(out),
            ]
        )
        == 0
    )
    table = pd.read_csv(out)
    assert set(table["genotype"]) == {"baseline"} and table["value"].is_monotonic_decreasing
    assert main(["steady-state", "--target", "mTORC1_FRB=k5a1"]) == 2
    assert "give --model too" in capsys.readouterr().err
    assert main(["list", "sites"]) == 0
    assert "mTORC1_FRB" in capsys.readouterr().out


@pytest.mark.parametrize(
    "doses", ["log:0:100:5", "log:0.1:inf:5", "log:0.1:100:inf", "log:0.1:100:2.5"]
)
def test_bad_log_range_is_an_error(capsys, doses):
    with pytest.raises(SystemExit) as info:
        main(["dose-response", "everolimus", "--doses", doses, "-q"])
    assert info.value.code == 2
    assert "needs 0 < LOW < HIGH" in capsys.readouterr().err


def test_a_grid_axis_given_as_a_range_is_refused(capsys):
    """--grid k_PTEN=0.1:1 swept the two ends only, as if they were the values."""
    with pytest.raises(SystemExit) as info:
        main(["sweep", "--grid", "k_PTEN=0.1:1", "-q"])
    assert info.value.code == 2
    assert "LOW:HIGH is a range, which --lhs samples" in capsys.readouterr().err
    # names may hold ':' (an SBML name such as IRS1:p85), and log ranges stay
    from mtor_sim.cli import _grid_axis

    assert _grid_axis("knockouts=none,IRS1:p85") == ("knockouts", [None, ["IRS1:p85"]])
    assert _grid_axis("genotype=WT,A:B") == ("genotype", [["WT"], ["A:B"]])
    assert _grid_axis("k=log:0.1:10:3") == ("k", [0.1, 1.0, 10.0])


def test_unverified_results_exit_with_status_3(tmp_path, capsys):
    """Varusai 2018 oscillates: its baseline has no verified steady state; with IR knocked
    out every flux through the receptor stops and the fixed point is not isolated."""
    model = str(REFERENCE_DIR / "varusai_2018_BIOMD0000000823.xml")
    node = ms.load_model(model).nodes[0]
    assert (
        main(
            [
                "knockout-screen",
                "--model",
                model,
                "--nodes",
                node,
                "--interactions",
                "-o",
                str(tmp_path / "ko.csv"),
                "-q",
            ]
        )
        == 3
    )
    assert "conditions: 2 of 2 conditions not solved" in capsys.readouterr().err
    statuses = set(pd.read_csv(tmp_path / "ko.csv")["status"])
    assert statuses == {"not_reached", "not_unique"}


def test_negative_dose_is_an_error(capsys):
    assert main(["steady-state", "-d", "everolimus=-1"]) == 2
    assert "must be >= 0" in capsys.readouterr().err


@pytest.mark.parametrize(
    ("argv", "says"),
    [
        (
            ["dose-response", "everolimus", "--doses", "-1,0.1,1"],
            "`doses[0] (dose, nM)` must be >= 0",
        ),
        (["combination", "everolimus", "alpelisib", "--doses-b", "-1,1"], "`doses_b[0]"),
        (["dose-response", "everolimus", "--time", "-1e3"], "`time` must be > 0"),
        (["dose-response", "everolimus", "--dose", "-1,0.1"], "`doses[0]"),  # abbreviated
        # not attached: a flag takes no value, and -gPTEN_loss has its own
        (["dose-response", "-q", "-1"], "unknown drug '-1'"),
        (["simulate", "-gPTEN_loss", "-1"], "unrecognized arguments: -1"),
    ],
)
def test_a_negative_value_list_is_refused_by_name(argv, says, capsys) -> None:
    # argparse took "-1,0.1,1" for an option: "argument --doses: expected one argument"
    try:
        code = main(argv)
    except SystemExit as stop:  # argparse's own refusals
        code = stop.code
    assert code == 2
    err = capsys.readouterr().err
    assert "mtor-sim: error: " in err and says in err and "-1" in err


def test_list(capsys):
    assert main(["list", "genotypes"]) == 0
    assert "PTEN_loss" in capsys.readouterr().out
    assert main(["list", "parameters"]) == 0
    lines = capsys.readouterr().out.splitlines()[1:]  # after the header: name value unit ...
    rows = dict(line.split()[:2] for line in lines)
    assert len(rows) == len(ms.load_model().parameters) and float(rows["GF"]) == 1.0


def test_dose_response_command(tmp_path, capsys):
    out, fig = tmp_path / "dr.csv", tmp_path / "dr.png"
    assert (
        main(
            [
                "dose-response",
                "everolimus",
                "-r",
                "pS6K1",
                "-g",
                "WT",
                "-g",
                "PTEN_loss",
                "--doses",
                "log:0.01:1000:9",
                "-o",
                str(out),
                "--plot",
                str(fig),
            ]
        )
        == 0
    )
    df = pd.read_csv(out)
    assert len(df) == 18 and set(df["genotype"]) == {"WT", "PTEN_loss"}
    fits = pd.read_csv(tmp_path / "dr_fits.csv")
    assert fits["success"].all() and fits["ic50_nM"].between(0.5, 20).all()
    # the fits go beside the table, in its format (a CSV came with -o dr.json)
    args = ["dose-response", "everolimus", "-r", "pS6K1", "--doses", "log:0.01:1000:5"]
    assert main([*args, "-o", str(tmp_path / "dr.json"), "-q"]) == 0
    assert pd.read_json(tmp_path / "dr_fits.json", orient="table")["success"].all()
    assert fig.stat().st_size > 10_000


def test_combination_command(tmp_path):
    out, fig = tmp_path / "cm.parquet", tmp_path / "cm.svg"
    assert (
        main(
            [
                "combination",
                "everolimus",
                "sorafenib",
                "--doses-a",
                "1,10,100",
                "--doses-b",
                "300,1000,3000",
                "--score",
                "hsa",
                "-o",
                str(out),
                "--plot",
                str(fig),
            ]
        )
        == 0
    )
    df = pd.read_parquet(out)
    assert len(df) == 16 and {"bliss", "hsa", "loewe", "zip"} <= set(df.columns)
    assert fig.read_text().startswith("<?xml")


def test_sweep_command_grid_resumes(tmp_path, capsys):
    out, parts = tmp_path / "sw.csv", tmp_path / "parts"
    argv = [
        "sweep",
        "--grid",
        "PTEN_total=0.25,1",
        "--grid",
        "everolimus=0,10",
        "-r",
        "pS6K1",
        "--parts",
        str(parts),
        "-o",
        str(out),
        "-q",
    ]
    assert main(argv) == 0
    first = pd.read_csv(out)
    assert len(first) == 4 and (first["status"] == "ok").all()
    assert main(argv) == 0  # again: everything comes from the parts on disk
    pd.testing.assert_frame_equal(first, pd.read_csv(out))


def test_sweep_command_lhs(tmp_path):
    out = tmp_path / "lhs.csv"
    assert (
        main(
            [
                "sweep",
                "--lhs",
                "GF=0.1:1",
                "--grid",
                "genotype=WT,PTEN_loss",
                "--n",
                "4",
                "--seed",
                "3",
                "-r",
                "pAKT_T308",
                "-o",
                str(out),
                "-q",
            ]
        )
        == 0
    )
    df = pd.read_csv(out)
    assert len(df) == 8 and df["GF"].between(0.1, 1).all()


def test_sweep_command_rejects_numeric_grid_with_lhs(capsys):
    assert main(["sweep", "--lhs", "GF=0.1:1", "--grid", "PTEN_total=1,2", "-q"]) == 2
    assert "--grid takes only genotype" in capsys.readouterr().err


def test_knockout_screen_command(tmp_path):
    out, fig = tmp_path / "ko.csv", tmp_path / "ko.png"
    assert (
        main(
            [
                "knockout-screen",
                "-r",
                "pS6K1",
                "--nodes",
                "TSC2",
                "RHEB",
                "--interactions",
                "S6K1 -| IRS1",
                "--pairs",
                "-o",
                str(out),
                "--plot",
                str(fig),
                "-q",
            ]
        )
        == 0
    )
    df = pd.read_csv(out)
    assert len(df) == 1 + 3 + 3
    assert fig.stat().st_size > 5_000


def test_sensitivity_command(tmp_path):
    out, fig = tmp_path / "s.json", tmp_path / "s.png"
    assert (
        main(
            [
                "sensitivity",
                "pS6K1",
                "--vary",
                "TSC2_total",
                "--vary",
                "RHEB_total",
                "-o",
                str(out),
                "--plot",
                str(fig),
                "-q",
            ]
        )
        == 0
    )
    doc = json.loads(out.read_text())  # as `Sensitivity.to_file` writes it
    assert doc["success"] and doc["metadata"]["method"] == "local"
    df = pd.DataFrame(doc["data"])
    assert list(df["parameter"]) == ["TSC2_total", "RHEB_total"]
    assert df["sensitivity"].iloc[0] < 0 < df["sensitivity"].iloc[1]


@pytest.mark.parametrize(
    "cmd",
    [
        "dose-response",
        "combination",
        "sweep",
        "knockout-screen",
        "sensitivity",
        "steady-state",
        "simulate",
        "reproduce",
    ],
)
def test_every_subcommand_has_help(cmd, capsys):
    with pytest.raises(SystemExit) as exc:
        main([cmd, "--help"])
    assert exc.value.code == 0
    assert "usage: mtor-sim " + cmd in capsys.readouterr().out


@pytest.mark.parametrize(
    "argv",
    [
        ["steady-state", "-d", "everolimus=-5", "-d", "everolimus=10"],
        ["steady-state", "-p", "k_PTEN=1", "-p", "k_PTEN=2"],
        ["steady-state", "-o", "/nonexistent-folder/x.csv"],
        ["sweep", "--grid", "GF=0.1,1", "-o", "out.xlsx"],
        ["sweep", "--grid", "GF=0.1,1", "--log", "GF", "-q"],
        ["simulate", "--plot", "figure.gif"],
        ["simulate", "--points", "0"],  # was taken as the default, 241 points
        # each was checked only after the run and its table was written, or never
        ["simulate", "-r", "pS6", "--plot", "x.png"],
        ["simulate", "-r", "pS6K1"],  # -r chooses what --plot draws
        ["combination", "everolimus", "sorafenib", "--doses-a", "1,10", "--score", "loewe"],
        ["steady-state", "-p", "GF=0.5", "-i", "GF=2"],
        ["steady-state", "-g", "PTEN_loss+"],  # a preset meant after '+' was dropped
    ],
)
def test_user_errors_exit_2_in_one_line_before_any_work(argv, capsys):
    assert main(argv) == 2
    err = capsys.readouterr().err
    assert err.startswith("mtor-sim: error: ") and err.count("\n") == 1


def test_output_paths_that_are_folders_or_unwritable_exit_2(tmp_path, capsys):
    assert main(["steady-state", "-o", str(tmp_path)]) == 2
    assert "is a folder" in capsys.readouterr().err
    locked = tmp_path / "locked"
    locked.mkdir()
    locked.chmod(0o500)
    try:
        import os

        if os.access(locked, os.W_OK):  # root may write anywhere: check a file path instead
            (tmp_path / "file").write_text("")
            assert main(["reproduce", "--out", str(tmp_path / "file"), "-q"]) == 2
            assert "is not a folder" in capsys.readouterr().err
        else:
            assert main(["steady-state", "-o", str(locked / "x.csv")]) == 2
            assert "not writable" in capsys.readouterr().err
    finally:
        locked.chmod(0o700)


def test_closed_pipe_ends_quietly():
    import subprocess
    import sys

    # `true` exits at once without reading, so every write meets a closed pipe
    cmd = (
        f"{sys.executable} -c 'from mtor_sim.cli import main; raise SystemExit(main())' "
        "list parameters | true"
    )
    done = subprocess.run(
        ["bash", "-c", f"set -o pipefail; {cmd}"], capture_output=True, text=True, timeout=120
    )
    assert "Traceback" not in done.stderr and "BrokenPipe" not in done.stderr, done.stderr
    assert done.returncode == 0


def test_an_output_without_extension_is_csv(tmp_path):
    out = tmp_path / "ss_table"
    assert main(["steady-state", "-g", "PTEN_loss", "-o", str(out)]) == 0
    assert pd.read_csv(out)["status"].iloc[0] == "ok"


@pytest.mark.parametrize("verb", ["dose-response", "combination"])
def test_dose_response_and_combination_take_the_execution_options(tmp_path, verb):
    args = (
        ["dose-response", "everolimus", "--doses", "0,1,10,100"]
        if verb == "dose-response"
        else ["combination", "everolimus", "sorafenib", "--doses-a", "10", "--doses-b", "1000"]
    )
    plain, parted = tmp_path / "plain.csv", tmp_path / "parted.csv"
    assert main([*args, "-q", "-o", str(plain)]) == 0
    execution = ["--backend", "processes", "--workers", "2", "--parts", str(tmp_path / "parts")]
    assert main([*args, *execution, "--quiet", "-o", str(parted)]) == 0
    assert (tmp_path / "parts" / "manifest.json").exists()
    pd.testing.assert_frame_equal(pd.read_csv(plain), pd.read_csv(parted))


def test_a_result_without_defined_values_exits_3(tmp_path, capsys) -> None:
    """Every steady state solved, but with pAKT_S473 at 0 in the drug-free cell (Akt
    knocked out) no inhibition or log sensitivity is defined: the commands said so in a
    warning and exited 0."""
    common = ["-k", "AKT", "-q"]
    combination = ["combination", "everolimus", "sorafenib", "--doses-a", "1,10", "-r"]
    with pytest.warns(RuntimeWarning):  # a caller recording warnings still gets them
        code = main(
            [*combination, "pAKT_S473", "--doses-b", "300", *common, "-o", str(tmp_path / "c.csv")]
        )
    assert code == 3 and "solved without a defined value" in capsys.readouterr().err
    sensitivity = ["sensitivity", "pAKT_S473", "--vary", "k_PTEN"]
    with pytest.warns(RuntimeWarning):
        code = main([*sensitivity, *common, "-o", str(tmp_path / "s.csv")])
    assert code == 3 and "zero_readout" in capsys.readouterr().err


def test_warnings_print_as_one_line(tmp_path) -> None:
    """A warning printed its source file, line number and the line of code."""
    import subprocess
    import sys

    out = tmp_path / "s.csv"
    command = "from mtor_sim.cli import main; raise SystemExit(main())"
    args = ["sensitivity", "pAKT_S473", "--vary", "k_PTEN", "-k", "AKT", "-q", "-o", str(out)]
    run = subprocess.run(
        [sys.executable, "-c", command, *args], capture_output=True, text=True, timeout=300
    )
    assert run.returncode == 3
    warned = [line for line in run.stderr.splitlines() if "warning" in line.lower()]
    assert warned and all(line.startswith("mtor-sim: warning: ") for line in warned)
    assert ".py:" not in run.stderr and "sensitivity(" not in run.stderr


@pytest.mark.parametrize("command", [["dose-response", "everolimus"], ["combination", "a", "b"]])
def test_a_one_value_option_given_twice_is_refused(command, capsys) -> None:
    # argparse kept the last: "-r pS6K1 -r pAKT_S473" measured pAKT_S473 alone
    with pytest.raises(SystemExit) as exit_:
        main([*command, "-r", "pS6K1", "-r", "pAKT_S473"])
    assert exit_.value.code == 2 and "-r takes one value, given twice" in capsys.readouterr().err


def test_an_os_error_without_a_file_name_reads_as_one_sentence(monkeypatch, capsys) -> None:
    import errno

    import mtor_sim.cli as cli

    def fail(args):
        raise OSError(errno.EIO, "Input/output error")

    monkeypatch.setattr(cli, "cmd_list", fail)
    assert main(["list", "drugs"]) == 2
    assert capsys.readouterr().err == "mtor-sim: error: Input/output error\n"  # was "error::"


@pytest.mark.parametrize("command", [["steady-state"], ["dose-response", "everolimus"]])
@pytest.mark.parametrize("genotype", ["", " "])
def test_an_empty_genotype_is_refused_by_name(command, genotype, tmp_path, capsys) -> None:
    # `-g "$G"` with G unset ran the wild type silently, as if -g had been left out
    out = tmp_path / "out.csv"
    assert main([*command, "-g", genotype, "-o", str(out)]) == 2
    err = capsys.readouterr().err
    assert err.startswith(f"mtor-sim: error: -g {genotype!r} names no genotype")
    assert "WT is the wild type" in err and not out.exists()


def test_simulate_caps_its_default_output_times(tmp_path) -> None:
    """`--t-end 1e9` asked for an hourly grid of 16.7 million rows by default, and the
    process was killed for its memory with no message."""
    out = tmp_path / "tc.csv"
    assert main(["simulate", "--t-end", "1e9", "-o", str(out)]) == 0
    table = pd.read_csv(out)
    assert len(table) == 10_001 and table["time"].iloc[-1] == pytest.approx(1e9)


def test_simulate_days_sets_the_course_without_a_schedule(tmp_path, capsys) -> None:
    # --days was ignored without --pk/--schedule (the course stayed one day); bad values
    # of --days and --pk-step were accepted when no schedule used them
    out = tmp_path / "tc.csv"
    assert main(["simulate", "--days", "2", "-o", str(out)]) == 0
    assert pd.read_csv(out)["time"].iloc[-1] == pytest.approx(2880.0)
    for bad in (["--days", "-1"], ["--pk-step", "0"]):
        assert main(["simulate", *bad, "-o", str(out)]) == 2
        assert "must be > 0" in capsys.readouterr().err
    # beside --t-end and without --pk doses, --days ran a course of --t-end unsaid
    assert main(["simulate", "--days", "2", "--t-end", "100", "-o", str(out)]) == 2
    assert "give --t-end or --days, not both" in capsys.readouterr().err
    pk = ["--pk", "everolimus=10mg/24h", "--days", "1", "--t-end", "2880", "--points", "3"]
    assert main(["simulate", *pk, "-o", str(out)]) == 0  # a washout after the doses
    assert pd.read_csv(out)["time"].iloc[-1] == pytest.approx(2880.0)
    # --pk-step steps PK curves: on a course without one it was accepted and ignored
    assert main(["simulate", "--pk-step", "5", "-o", str(out)]) == 2
    assert "this course has none" in capsys.readouterr().err
    assert main(["simulate", *pk, "--pk-step", "5", "-o", str(out)]) == 0


@pytest.mark.parametrize(
    ("command", "says"),
    [
        (["sweep", "--grid", "GF=0.1,1", "--n", "50"], "Latin hypercube (--lhs)"),
        (["sweep", "--grid", "GF=0.1,1", "--seed", "5"], "Latin hypercube (--lhs)"),
        (["sensitivity", "proliferation", "--vary", "PTEN_total", "--n", "64"], "Sobol"),
        (["sensitivity", "proliferation", "--vary", "PTEN_total", "--factor", "3"], "Sobol"),
        (["export", "model.ant"], "name the file .xml or .sbml"),
        (["list", "drugs", "--target", "mTORC1_FRB=k5a1"], "goes with --model"),
        (["combination", "everolimus", "sorafenib", "--score", "zip", "--ensemble=2"], "Bliss"),
        (["list", "sites", "--target", "mTORC1_FRB=k5a1"], "goes with --model"),
        (["sweep", "--grid", "GF=0.1,1", "--workers", "4"], "--backend"),
        (["fit", "problem.yaml", "--scheduler", "tcp://host:8786"], "--backend dask"),
    ],
)
def test_options_that_would_do_nothing_are_refused(command, says, tmp_path, capsys) -> None:
    """Options of another mode (a Latin hypercube's size on a grid, a Sobol sample's on
    local sensitivities) were accepted and ignored; `export` wrote SBML into a .ant file,
    which `--model` then misread."""
    import os

    here = os.getcwd()
    os.chdir(tmp_path)
    try:
        assert main(command) == 2
    finally:
        os.chdir(here)
    assert says in capsys.readouterr().err


def test_profile_and_sample_check_their_options_before_fitting(tmp_path, capsys) -> None:
    """`profile --level 1.5`, `-p` with a typo, `sample --predict 0` and a `--fit`
    folder of another problem were refused only after a multi-start fit (or, for
    --predict, after the chain, with a numpy message)."""
    boehm = str(
        Path(__file__).parent
        / "data"
        / "petab"
        / "Boehm_JProteomeRes2014"
        / "Boehm_JProteomeRes2014.yaml"
    )
    out = str(tmp_path / "o")
    assert main(["profile", boehm, "--level", "1.5", "-o", out]) == 2
    assert "--level must be in (0, 1)" in capsys.readouterr().err
    assert main(["profile", boehm, "-p", "k_phs", "-o", out]) == 2
    assert "did you mean 'k_phos'" in capsys.readouterr().err
    assert main(["sample", boehm, "--predict", "0", "-o", out]) == 2
    assert "--predict must be a positive integer" in capsys.readouterr().err
    other = tmp_path / "other_fit"
    other.mkdir()
    meta = {"x_ids": ["a", "b"], "x_scales": ["lin", "lin"]}
    (other / "fit.json").write_text(
        json.dumps({"metadata": meta, "best_parameters": {"a": 1.0, "b": 1.0}})
    )
    assert main(["profile", boehm, "--fit", str(other), "-o", out]) == 2
    assert "it is another problem's fit" in capsys.readouterr().err


def test_dose_response_prints_its_status_and_message(tmp_path, capsys) -> None:
    # the notes of DoseResponse.message (a rise, a small effect, an extrapolated IC50)
    # never reached the command line, which printed only the fit table
    out = tmp_path / "dr.csv"
    argv = ["dose-response", "MK2206", "-r", "pERK", "--doses", "0.1,1,10,100,1000,10000"]
    assert main([*argv, "-o", str(out)]) == 0
    err = capsys.readouterr().err
    assert "status: ok (all " in err and "pERK rises with the dose for WT" in err
    # two doses give no Hill fit: the line does not say "ok" beside exit status 3
    two = ["dose-response", "everolimus", "-r", "pS6K1", "--doses", "0.5,1", "-o", str(out)]
    assert main(two) == 3
    assert "status: ok solving, no_fit (all 2 conditions solved; no Hill fit for WT" in (
        capsys.readouterr().err
    )


def test_an_ensemble_table_warns_once_on_the_command_line(tmp_path, capsys) -> None:
    # the verb's warning, report_failed's and the command's own line said it three times
    import warnings

    from mtor_sim._errors import MembersLeftOut

    out = tmp_path / "s.csv"
    argv = ["sensitivity", "pS6K1", "--knockout", "S6K1", "--vary", "PTEN_total"]
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        assert main([*argv, "--ensemble", "2", "-q", "-o", str(out)]) == 3
    assert not [w for w in caught if issubclass(w.category, MembersLeftOut)]
    assert "at most 2 failed at a parameter" in capsys.readouterr().err


def test_ensemble_dose_response_counts_members_without_a_hill_fit(tmp_path, capsys) -> None:
    """Members whose curve had no Hill fit were left out of the IC50 quantiles unsaid,
    and the command exited 0 with no IC50 at all; one curve without a fit exits 3."""
    out = tmp_path / "dr.csv"
    argv = ["dose-response", "everolimus", "--doses", "0,1,10", "-q", "-o", str(out)]
    with pytest.warns(RuntimeWarning, match="3 of 3 members' curves have no Hill fit"):
        assert main([*argv, "--ensemble", "3"]) == 3
    ic50 = pd.read_csv(tmp_path / "dr_ic50.csv").iloc[0]
    assert ic50["n_no_fit"] == 3 and ic50["n_fitted"] == 0
    assert main(argv) == 3  # the same curve of the bundled point


@pytest.mark.parametrize("verb", ["fit", "profile", "sample"])
def test_a_missing_problem_leaves_no_output_folder(verb, tmp_path, capsys) -> None:
    """The --out folder was made before the PEtab problem was read: a typo in its path
    exited 2 and left an empty fit_out (profile_out, sample_out) behind."""
    out = tmp_path / "out"
    assert main([verb, str(tmp_path / "missing.yaml"), "--out", str(out), "-q"]) == 2
    assert "no such PEtab YAML file" in capsys.readouterr().err
    assert not out.exists()


@pytest.mark.parametrize(
    ("argv", "option"),
    [
        (["steady-state", "--model", ""], "--model"),  # ran the bundled model
        (["steady-state", "-o", ""], "--out/-o"),  # solved, then "'.': Is a directory"
        (["simulate", "--plot", " "], "--plot"),  # drew nothing, exit 0
        (["trial", "--n", "3", "--out", ""], "--out"),  # wrote into the current folder
        (["profile", "problem.yaml", "--fit", ""], "--fit"),  # fitted afresh
    ],
)
def test_an_empty_value_is_refused_by_name(argv, option, tmp_path, monkeypatch, capsys) -> None:
    """An empty value (``-o "$OUT"`` with OUT unset) was read as the option not given,
    or as the current folder."""
    monkeypatch.chdir(tmp_path)
    with pytest.raises(SystemExit) as exit_:
        main(argv)
    assert exit_.value.code == 2
    assert f"argument {option}: empty value" in capsys.readouterr().err
    assert not list(tmp_path.iterdir())


def test_a_sweep_at_a_time_does_not_speak_of_steady_states(capsys) -> None:
    """`sweep --time` records a time course's point, yet its summary counted the points
    "not at a verified steady state"; it now gives the result's own message."""
    assert main(["sweep", "--grid", "GF=0.1,1", "--time", "5", "-r", "pS6K1", "-q"]) == 0
    err = capsys.readouterr().err
    assert "points: all 2 conditions solved" in err and "steady state" not in err


def test_trial_table_format_says_which_table_it_sets(tmp_path, capsys) -> None:
    """--table-format's help spoke of "the tables", but only the patients table follows
    it; the summary tables stay CSV."""
    out = tmp_path / "t"
    argv = ["trial", "--n", "3", "--arms", "everolimus", "-q", "--out", str(out)]
    assert main([*argv, "--table-format", "parquet"]) == 0
    assert (out / "patients.parquet").exists() and (out / "response_rates.csv").exists()
    with pytest.raises(SystemExit):
        main(["trial", "--help"])
    assert "format of the patients table" in " ".join(capsys.readouterr().out.split())


@pytest.mark.parametrize(
    "argv",
    [
        ["export", "{missing}/model.xml"],
        ["simulate", "--t-end", "10", "--points", "3", "--omex", "{missing}/run.omex"],
    ],
)
def test_export_and_omex_refuse_a_missing_folder(argv, tmp_path, capsys) -> None:
    """-o refused a missing folder, but `export` and --omex made it (a mistyped path
    became a new folder; as root, anywhere), after the run."""
    missing = tmp_path / "no_such_folder"
    assert main([a.format(missing=missing) for a in argv]) == 2
    assert "does not exist" in capsys.readouterr().err and not missing.exists()
