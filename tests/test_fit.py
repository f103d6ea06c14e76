"""Fitting: PEtab objective against reference values, optimisation, profiles, sampling."""

from __future__ import annotations

import json
import re
from pathlib import Path

import numpy as np
import pytest

pytest.importorskip("petab")
pytest.importorskip("pypesto")

PETAB = Path(__file__).parent / "data" / "petab"


@pytest.mark.parametrize(
    ("name", "reference"),
    [
        ("Boehm_JProteomeRes2014", 138.221998),
        ("Fujita_SciSignal2010", -53.083767),
    ],
)
def test_objective_at_nominal_equals_reference(name: str, reference: float) -> None:
    """Reference negative log-likelihoods at the published parameters (issue 14: AMICI and
    an independent libroadrunner + petab computation agree to 3e-7)."""
    from mtor_sim._fit_objective import PetabObjective

    obj = PetabObjective(PETAB / name / f"{name}.yaml")
    np.testing.assert_allclose(obj(obj.x_nominal), reference, rtol=1e-6)


def test_objective_agrees_with_petab_likelihood() -> None:
    """The vectorised likelihood equals petab's own from the simulation table."""
    import petab.v1 as petab

    from mtor_sim._fit_objective import PetabObjective

    name = "Fujita_SciSignal2010"
    obj = PetabObjective(PETAB / name / f"{name}.yaml")
    x = obj.x_nominal + 0.1
    p = obj.problem
    sim = obj.simulation_df(x)
    par = p.parameter_df.copy()
    par.loc[obj.x_ids, "nominalValue"] = [obj.parameter_values(x)[i] for i in obj.x_ids]
    llh = petab.calculate_llh(p.measurement_df, sim, p.observable_df, par)
    np.testing.assert_allclose(obj(x), -llh, rtol=1e-10)


# --------------------------------------------------------------- a problem with a known MLE
DECAY = """
model decay
  compartment cell = 1;
  species A in cell, B in cell;
  J1: A -> ; k*A;
  J2: B -> ; kb*B;
  A0 = 2; k = 0.3; kb = 0.1;
  A = A0; B = 1;
end
"""


@pytest.fixture(scope="module")
def decay(tmp_path_factory: pytest.TempPathFactory):
    """One-species exponential decay observed on a log scale with log-normal noise:
    log y = log A0 - k t + e, so the maximum-likelihood estimate is ordinary least squares
    of log y on t, and sigma^2 = RSS / n. Species B (rate kb) is never observed."""
    import pandas as pd

    import mtor_sim as ms

    folder = tmp_path_factory.mktemp("decay")
    (folder / "decay.ant").write_text(DECAY)
    rng = np.random.default_rng(1)
    t = np.linspace(0.0, 10.0, 11)
    y = 2.0 * np.exp(-0.3 * t) * np.exp(rng.normal(0.0, 0.1, t.size))
    data = pd.DataFrame({"observableId": "A_obs", "time": t, "measurement": y})
    obs = pd.DataFrame(
        {"observableId": ["A_obs"], "observableFormula": ["A"], "observableTransformation": ["log"]}
    )
    problem = ms.to_petab(
        folder / "decay.ant",
        data,
        observables=obs,
        parameters={"k": (1e-3, 10.0), "A0": (1e-2, 100.0), "kb": (1e-3, 10.0)},
        out=folder / "petab",
        name="decay",
    )
    fit = ms.fit(problem, n_starts=3, seed=0)
    X = np.column_stack([np.ones_like(t), -t])
    coef, rss, *_ = np.linalg.lstsq(X, np.log(y), rcond=None)
    mle = {
        "A0": float(np.exp(coef[0])),
        "k": float(coef[1]),
        "sd_A_obs": float(np.sqrt(rss[0] / t.size)),
    }
    return {"folder": folder, "fit": fit, "mle": mle, "t": t, "y": y, "rss": float(rss[0])}


def test_fit_reaches_the_analytic_maximum_likelihood(decay) -> None:
    fit = decay["fit"]
    for name, value in decay["mle"].items():
        np.testing.assert_allclose(fit.best_parameters[name], value, rtol=1e-4, err_msg=name)
    # the objective at the MLE: n/2 log(2 pi sigma^2) + n/2 + sum(log y) (log-normal)
    t, y = decay["t"], decay["y"]
    sigma2 = decay["rss"] / t.size
    expected = 0.5 * t.size * np.log(2 * np.pi * sigma2) + 0.5 * t.size + np.log(y).sum()
    np.testing.assert_allclose(fit.best_objective, expected, rtol=1e-7)


def test_fit_result_protocol(decay, tmp_path: Path) -> None:
    import json

    fit = decay["fit"]
    assert fit.status in ("ok", "not_converged")
    assert len(fit.starts) == 3 and fit.starts["fval"].is_monotonic_increasing
    assert set(fit.best_parameters.index) == {"k", "A0", "kb", "sd_A_obs"}
    json.dumps(fit.metadata)
    for ext in ("csv", "json", "parquet"):
        assert fit.to_file(tmp_path / f"fit.{ext}").stat().st_size > 0
    doc = json.loads((tmp_path / "fit.json").read_text())
    assert doc["best_objective"] == pytest.approx(fit.best_objective)
    with pytest.raises(ValueError, match="unsupported file type"):
        fit.to_file(tmp_path / "fit.xlsx")
    import matplotlib.pyplot as plt
    from matplotlib.colors import to_hex, to_rgba_array

    from mtor_sim.plotting import PALETTE

    # the package's colour-blind-safe palette, also once saved (no "C0" resolved late)
    for fig in (fit.plot_waterfall(), fit.plot_fit(), fit.plot()):  # plot(): SPEC's name
        fig.savefig(tmp_path / "fig.png")
        inks = [
            c.get_facecolor() for ax in fig.axes for c in ax.collections if len(c.get_offsets())
        ]
        inks += [ln.get_color() for ax in fig.axes for ln in ax.get_lines()]
        rgba = np.vstack([to_rgba_array(ink) for ink in inks])
        shown = {to_hex(c) for c in rgba if not c[0] == c[1] == c[2]}  # greys are neutral
        assert shown and shown <= {p.lower() for p in PALETTE}, shown
        plt.close(fig)
    # the data panel had no y label; a log-normal observable is drawn on a log axis
    fig = fit.plot_fit()
    panel = fig.axes[0]
    assert panel.get_ylabel().replace("\n", " ") == "measured value (log-scale noise)"
    assert panel.get_yscale() == "log"
    plt.close("all")


def test_fit_from_a_model_and_a_measurement_table(decay) -> None:
    """The same problem, given as a model plus measurements (default observable: the
    species; default noise: an estimated sd)."""
    import pandas as pd

    import mtor_sim as ms

    data = pd.DataFrame({"observableId": "A", "time": decay["t"], "measurement": decay["y"]})
    fit = ms.fit(
        decay["folder"] / "decay.ant", measurements=data, parameters=["k", "A0"], n_starts=2, seed=1
    )
    assert fit.best_parameters["k"] == pytest.approx(0.3, rel=0.1)


def test_to_petab_output_passes_petablint(decay) -> None:
    import subprocess
    import sys

    yaml = decay["folder"] / "petab" / "decay.yaml"
    assert yaml.is_file()
    run = subprocess.run(
        [sys.executable, "-m", "petab.petablint", str(yaml)], capture_output=True, text=True
    )
    assert run.returncode == 0, run.stdout + run.stderr


def test_profiles_identifiable_and_flat(decay, tmp_path: Path) -> None:
    """k is identifiable, with the analytic profile-likelihood interval of a linear
    regression slope; kb never reaches the data, so its profile is flat and warns."""
    import mtor_sim as ms

    fit = decay["fit"]
    with pytest.warns(UserWarning, match="profile of 'kb' is flat"):
        prof = ms.profile(fit, ["k", "kb"])
    iv = prof.intervals
    assert iv.loc["k", "verdict"] == "identifiable"
    assert iv.loc["kb", "verdict"] == "flat"
    assert prof.status == "flat"
    # profile of the slope: n/2 log(RSS(k)/RSS) = chi2_95/2, RSS(k) = RSS + (k-k^)^2 Sxx
    from scipy.stats import chi2

    t = decay["t"]
    n, rss = t.size, decay["rss"]
    sxx = float(((t - t.mean()) ** 2).sum())
    half = np.sqrt(rss * (np.exp(chi2.ppf(0.95, 1) / n) - 1) / sxx)
    k = decay["mle"]["k"]
    np.testing.assert_allclose(
        [iv.loc["k", "lower"], iv.loc["k", "upper"]], [k - half, k + half], rtol=5e-3
    )
    import matplotlib.pyplot as plt

    plt.close(prof.plot())
    # SPEC: every result writes itself by extension (a profile could not)
    import json

    for ext in ("csv", "json", "parquet"):
        assert prof.to_file(tmp_path / f"profile.{ext}").stat().st_size > 0
    doc = json.loads((tmp_path / "profile.json").read_text())
    assert doc["status"] == "flat" and [r["verdict"] for r in doc["data"]] == list(iv["verdict"])


def test_profiles_say_when_they_cannot_be_trusted(decay) -> None:
    """A profile from a fit that had not converged said "ok", and so did one whose steps
    stopped at max_iter (Boehm 2014: k_phos [13668, 18312] at max_iter=1 against
    [12954, 19477]); both are "not_converged" now, and sampling from such a fit warns."""
    from dataclasses import replace

    import mtor_sim as ms

    fit = decay["fit"]
    good = ms.profile(fit, ["k"])
    assert good.status == "ok"
    # the start is in the path twice, with the flag it was given: L-BFGS-B read it as
    # "out of iterations" and called every such profile not_converged
    assert ms.profile(fit, ["k"], optimizer="lbfgsb").status == "ok"
    with pytest.warns(UserWarning, match="stopped before their optimiser converged"):
        short = ms.profile(fit, ["k"], max_iter=1)
    assert (short.status, short.success) == ("not_converged", False)
    assert "raise max_iter" in short.message
    unconverged = replace(fit, status="not_converged", message="stopped early")
    with pytest.warns(UserWarning, match="the fit did not converge"):
        prof = ms.profile(unconverged, ["k"])
    assert (prof.status, prof.success) == ("not_converged", False)
    with pytest.warns(UserWarning, match="started from a fit that did not converge"):
        ens = ms.sample(unconverged, n=200, seed=0)
    assert "may explore a local mode only" in ens.message
    assert not ens.success


def test_a_profile_point_from_a_random_restart_is_not_trusted(decay, monkeypatch) -> None:
    """After a failed step pyPESTO re-optimises from random start points and keeps the
    first finite local optimum (a green point): the profile said "ok" over it."""
    import mtor_sim as ms
    from mtor_sim import _fit_profile

    walk = _fit_profile._walk

    def one_resampled(*args, **kwargs):
        paths = walk(*args, **kwargs)
        for pr in paths.values():
            pr.color_path[1] = _fit_profile.RESAMPLED
        return paths

    monkeypatch.setattr(_fit_profile, "_walk", one_resampled)
    with pytest.warns(UserWarning, match="1 profile point.*random start points"):
        prof = ms.profile(decay["fit"], ["k"])
    assert (prof.status, prof.success) == ("not_converged", False)


def test_a_sample_from_an_unconverged_fit_is_not_ok(tmp_path: Path) -> None:
    """A chain whose own diagnostics pass, started from a fit that had not converged, was
    "ok" (and `mtor-sim sample` exited 0): it may explore a local mode only."""
    from dataclasses import replace

    import mtor_sim as ms

    meas = _decay_data()
    model = "model decay\n  species A = 2\n  k = 0.5\n  J: A -> ; k*A\nend\n"
    fit = ms.fit(_problem(tmp_path, model, meas, "A", _par("k", 0.01, 10, 0.5)), n_starts=2)
    assert ms.sample(fit, n=1000, seed=0).status == "ok"  # the chain itself passes
    unconverged = replace(fit, status="not_converged", message="stopped early")
    with pytest.warns(UserWarning, match="started from a fit that did not converge"):
        ens = ms.sample(unconverged, n=1000, seed=0)
    assert (ens.status, ens.success) == ("not_converged", False)


def test_sample_and_predict(decay, tmp_path: Path) -> None:
    import mtor_sim as ms

    # 1,000 steps of the adaptive Metropolis chain left Geweke's burn-in at the chain's end
    # in one of six seeds (which one moves with the fit's last digits); 3,000 in none of 8
    ens = ms.sample(decay["fit"], n=3000, seed=0, out=tmp_path / "ens.parquet")
    assert ens.diagnostics["effective_sample_size"] > 0
    assert {"burn_in", "converged"} <= set(ens.diagnostics)
    back = ms.Ensemble.from_file(
        tmp_path / "ens.parquet", problem=decay["folder"] / "petab" / "decay.yaml"
    )
    assert len(back) == len(ens)
    band = back.predict(times=[0.0, 5.0, 10.0], n=30)
    assert list(band.columns) == ["observableId", "condition", "time", "q0.05", "q0.5", "q0.95"]
    assert (band["q0.05"] <= band["q0.5"]).all() and (band["q0.5"] <= band["q0.95"]).all()
    # the median band follows the fitted decay
    fit = decay["fit"].best_parameters
    np.testing.assert_allclose(
        band["q0.5"], fit["A0"] * np.exp(-fit["k"] * band["time"]), rtol=0.05
    )
    k = back.predict(lambda p: p["k"], n=40)
    assert k.loc["q0.05", "value"] < fit["k"] < k.loc["q0.95", "value"]
    import matplotlib.pyplot as plt

    fig = ens.plot()  # SPEC: every result has .plot(); an ensemble's is its band
    assert fig.axes and any(ax.collections for ax in fig.axes)
    plt.close("all")


# ------------------------------------------------------------------------- bad input
@pytest.mark.parametrize(("n", "error"), [(0, ValueError), (-1, ValueError), (2.5, TypeError)])
def test_a_prediction_from_no_members_is_refused(decay, n: object, error: type) -> None:
    """n=0 reported that no member of the ensemble could be simulated, although none had
    been tried; n=-1 failed inside numpy."""
    import mtor_sim as ms

    ens = ms.sample(decay["fit"], n=100, seed=0)
    with pytest.raises(error, match="`n` must be"):
        ens.predict(n=n)


def test_a_prediction_refuses_workers_on_the_serial_backend(decay) -> None:
    """`n_workers` sized no pool on the serial default and was ignored, where every batch
    verb refuses it."""
    import mtor_sim as ms

    ens = ms.sample(decay["fit"], n=100, seed=0)
    with pytest.raises(ValueError, match="`n_workers` .2. sizes a pool of processes"):
        ens.predict(lambda p: p["k"], n=5, n_workers=2)
    assert "q0.5" in ens.predict(lambda p: p["k"], n=5).index  # serial: no workers


def test_to_petab_writes_only_what_the_linter_accepts(decay, tmp_path: Path) -> None:
    """A measurement table naming its noise parameter (sdA) made a problem that petablint
    rejected, written without a word, and sdA could not be given bounds ("unknown model
    parameter"). Noise parameters of the table are now estimated (log10, as sd_<id>),
    bounds may be given for them, an observable parameter without bounds is refused, and
    a problem the linter rejects is never returned or written."""
    import pandas as pd
    import petab.v1 as petab

    import mtor_sim as ms

    ant = decay["folder"] / "decay.ant"
    data = pd.DataFrame(
        {"observableId": "A", "time": [0.0, 1.0, 2.0], "measurement": [2.0, 1.5, 1.1]}
    ).assign(noiseParameters="sdA")
    p = ms.to_petab(ant, data, parameters=["k"], out=tmp_path / "a", name="a")
    assert p.parameter_df.loc["sdA", "parameterScale"] == "log10"
    assert not petab.lint_problem(petab.Problem.from_yaml(str(tmp_path / "a" / "a.yaml")))
    p = ms.to_petab(ant, data, parameters={"k": (0.01, 10), "sdA": (0.05, 5)})
    assert p.parameter_df.loc["sdA", ["lowerBound", "upperBound"]].tolist() == [0.05, 5]
    scaled = data.assign(observableParameters="scale")
    obs = {"A_obs": "scale * A"}
    with pytest.raises(ms.PetabError, match="'scale', which is not a model parameter"):
        ms.to_petab(ant, scaled.assign(observableId="A_obs"), observables=obs, parameters=["k"])
    # a model parameter the table names but that is not estimated keeps its model value
    fixed = ms.to_petab(ant, data.assign(noiseParameters="k"), parameters=["A0"])
    assert fixed.parameter_df.loc["k", "estimate"] == 0
    with pytest.raises(ms.PetabError, match="row 1 .*not a positive standard deviation"):
        ms.to_petab(ant, data.assign(noiseParameters=[1.0, -1.0, 1.0]), parameters=["k"])
    with pytest.raises(ms.PetabError, match="the problem to_petab built.*linter"):
        ms.to_petab(ant, data, parameters=["k"], conditions=pd.DataFrame({"conditionId": ["x"]}))
    assert not (tmp_path / "b").exists()


def test_bad_measurement_rows_are_named(decay) -> None:
    """A measurement without a number, a negative or zero noise standard deviation (its
    square hid the sign; a zero gave an infinite objective and "no start reached a
    finite objective") and an unknown observable name the rows they are on."""
    import mtor_sim as ms
    from mtor_sim._fit_objective import load_petab

    problem = load_petab(decay["folder"] / "petab" / "decay.yaml")
    m = problem.measurement_df
    problem.measurement_df = m.copy()
    problem.measurement_df.loc[3, "measurement"] = float("nan")
    with pytest.raises(ms.PetabError, match=r"measurement column on row 3 \(line 5\)"):
        ms.PetabObjective(problem)
    for sd in (-2.5, 0.0):
        problem.measurement_df = m.assign(noiseParameters=1.0)
        problem.measurement_df.loc[7, "noiseParameters"] = sd
        problem.observable_df.loc["A_obs", "noiseFormula"] = "noiseParameter1_A_obs"
        with pytest.raises(ms.PetabError, match=r"row 7 \(line 9\).*not a positive standard"):
            ms.PetabObjective(problem, lint=False)
    # under another noise formula a negative number is a fine value (sigma = 0.1)
    problem.observable_df.loc["A_obs", "noiseFormula"] = "10^noiseParameter1_A_obs"
    ms.PetabObjective(problem, lint=False)
    problem.measurement_df = m.assign(observableId=["A_obs"] * 10 + ["B_obs"])
    with pytest.raises(ms.PetabError, match=r"undefined observables: \['B_obs'\], on row 10"):
        ms.PetabObjective(problem, lint=False)


def test_a_noise_formula_may_read_the_observables_placeholders(decay) -> None:
    """PEtab lets a noise formula read ``observableParameter<n>_<id>`` (libpetab PR 231,
    for noise that scales with the observable); it was refused as "no model quantity"."""
    import mtor_sim as ms
    from mtor_sim._fit_objective import load_petab

    problem = load_petab(decay["folder"] / "petab" / "decay.yaml")
    problem.measurement_df = problem.measurement_df.assign(
        observableParameters=2.0, noiseParameters=0.5
    )
    obs = problem.observable_df
    obs.loc["A_obs", "observableFormula"] = "observableParameter1_A_obs * A"
    obs.loc["A_obs", "noiseFormula"] = (
        "noiseParameter1_A_obs + 0.1 * observableParameter1_A_obs * A"
    )
    objective = ms.PetabObjective(problem, lint=False)
    h, sigma = objective.simulate(objective.x_nominal)
    np.testing.assert_allclose(sigma, 0.5 + 0.1 * h, rtol=1e-12)
    assert np.isfinite(objective(objective.x_nominal))


def test_a_fides_start_is_judged_with_the_objectives_own_hessian(decay, monkeypatch) -> None:
    """fides returns the matrix it last used, which pyPESTO's default update turns into
    BFGS's after 20 stalled iterations; the convergence test is documented, and meant, to
    use the objective's Gauss-Newton matrix at the start's end."""
    import mtor_sim as ms
    import mtor_sim._fit_optimize as fo

    seen: list[tuple[np.ndarray, np.ndarray]] = []
    judge = fo._converged

    def spy(optimizer, exitflag, fval, x=None, grad=None, lb=None, ub=None, hess=None):
        if optimizer == "fides" and exitflag is not None and int(exitflag) > 0:
            seen.append((np.array(x, float), np.array(hess, float)))
        return judge(optimizer, exitflag, fval, x, grad, lb, ub, hess)

    def bfgs(name, max_iter, max_time):  # fides on BFGS throughout, as after a switch
        import fides
        import pypesto.optimize as po

        return po.FidesOptimizer(
            options={fides.Options.MAXITER: max_iter}, hessian_update=fides.BFGS()
        )

    monkeypatch.setattr(fo, "_converged", spy)
    monkeypatch.setattr(fo, "_optimizer", bfgs)
    ms.fit(decay["folder"] / "petab" / "decay.yaml", n_starts=2, seed=1)
    assert seen
    objective = ms.PetabObjective(decay["folder"] / "petab" / "decay.yaml")
    for x, hess in seen:
        np.testing.assert_allclose(hess, objective.derivatives(x)[2], rtol=1e-9, atol=1e-12)


def test_invalid_petab_names_the_file_and_quotes_the_linter(tmp_path: Path) -> None:
    import shutil

    import mtor_sim as ms

    src = PETAB / "Boehm_JProteomeRes2014"
    dst = tmp_path / "bad"
    shutil.copytree(src, dst)
    par = dst / "parameters_Boehm_JProteomeRes2014.tsv"
    par.write_text(par.read_text().replace("\tlog10\t", "\tlog7\t", 1))
    yaml = dst / "Boehm_JProteomeRes2014.yaml"
    with pytest.raises(ms.PetabError, match=r"(?s)Boehm_JProteomeRes2014\.yaml.*linter.*log7"):
        ms.fit(yaml, n_starts=1)
    with pytest.raises(ms.PetabError, match="no such PEtab YAML file"):
        ms.fit(tmp_path / "missing.yaml", n_starts=1)
    with pytest.raises(ValueError, match="n_starts"):
        ms.fit(src / "Boehm_JProteomeRes2014.yaml", n_starts=0)


def test_a_problem_without_a_required_table_is_refused(decay, tmp_path: Path) -> None:
    """A YAML without condition_files passed the linter and crashed the objective with
    an AttributeError (a traceback from `mtor-sim fit`)."""
    import yaml as pyyaml

    import mtor_sim as ms

    folder = decay["folder"] / "petab"
    doc = pyyaml.safe_load((folder / "decay.yaml").read_text())
    del doc["problems"][0]["condition_files"]
    bad = folder / "no_conditions.yaml"
    bad.write_text(pyyaml.safe_dump(doc))
    with pytest.raises(
        ms.PetabError,
        match="no_conditions.yaml is not a valid PEtab problem: it has no condition table",
    ):
        ms.fit(bad, n_starts=1)


@pytest.mark.skipif(not Path("/dev/zero").exists(), reason="needs /dev/zero")
def test_a_problem_naming_a_device_as_a_table_is_refused(decay, tmp_path: Path) -> None:
    """A measurement table given as /dev/zero made pandas read until memory ran out."""
    import yaml as pyyaml

    import mtor_sim as ms

    folder = decay["folder"] / "petab"
    doc = pyyaml.safe_load((folder / "decay.yaml").read_text())
    doc["problems"][0]["measurement_files"] = ["/dev/zero"]
    bad = folder / "device.yaml"
    bad.write_text(pyyaml.safe_dump(doc))
    with pytest.raises(ms.PetabError, match="'/dev/zero', which is not a regular file"):
        ms.fit(bad, n_starts=1)


# ------------------------------------------------------------------------------- CLI
def test_cli_fit_profile_sample(decay, tmp_path: Path, capsys) -> None:
    from mtor_sim.cli import main

    yaml = str(decay["folder"] / "petab" / "decay.yaml")
    assert (
        main(["fit", yaml, "--starts", "2", "--seed", "0", "--out", str(tmp_path / "fit"), "-q"])
        == 0
    )
    for name in ("starts.csv", "fit.json", "best_parameters.csv", "waterfall.png", "fit.png"):
        assert (tmp_path / "fit" / name).is_file(), name
    assert (
        main(
            [
                "profile",
                yaml,
                "--fit",
                str(tmp_path / "fit"),
                "--starts",
                "1",
                "-p",
                "k",
                "--out",
                str(tmp_path / "prof"),
                "-q",
            ]
        )
        == 0
    )
    assert (tmp_path / "prof" / "profiles.png").is_file()
    assert (
        main(
            [
                "sample",
                yaml,
                "--fit",
                str(tmp_path / "fit"),
                "--starts",
                "1",
                "--n",
                "5000",  # 3,000 gave an effective size of 97 (pyPESTO 0.7), short of 100
                "--predict",
                "20",
                "--out",
                str(tmp_path / "ens"),
                "-q",
            ]
        )
        == 0
    )
    for name in ("ensemble.parquet", "ensemble.parquet.json", "prediction.csv", "band.png"):
        assert (tmp_path / "ens" / name).is_file(), name
    # a chain too short for the Geweke test to find its burn-in: written, status 3, no band
    short = ["--starts", "1", "--n", "20", "--out", str(tmp_path / "short"), "-q"]
    assert main(["sample", yaml, "--fit", str(tmp_path / "fit"), *short]) == 3
    assert (tmp_path / "short" / "ensemble.parquet").is_file()
    assert not (tmp_path / "short" / "prediction.csv").exists()
    side = json.loads((tmp_path / "short" / "ensemble.parquet.json").read_text())
    assert side["diagnostics"]["n_samples"] == 20  # --n 20: 20 samples, not 21
    assert "not_converged" in capsys.readouterr().err

    # a profile that is not one (its fit had not found the optimum) exits 3 and says so
    import dataclasses

    from mtor_sim import _fit_profile

    real = _fit_profile.profile

    def not_optimal(*args, **kwargs):
        return dataclasses.replace(
            real(*args, **kwargs), success=False, status="not_optimal", message="below"
        )

    again = ["profile", yaml, "--fit", str(tmp_path / "fit"), "--starts", "1", "-p", "k"]
    _fit_profile.profile = not_optimal
    try:
        assert main([*again, "--out", str(tmp_path / "p2"), "-q"]) == 3
    finally:
        _fit_profile.profile = real
    assert "not_optimal: below" in capsys.readouterr().err

    # a --fit folder whose fit.json is damaged, or missing: one clear line, exit 2
    damaged = tmp_path / "damaged"
    damaged.mkdir()
    good = json.loads((tmp_path / "fit" / "fit.json").read_text())
    cases = {
        "truncated": (tmp_path / "fit" / "fit.json").read_text()[:50],
        "no x_ids": json.dumps({**good, "metadata": {}}),
        "ids and scales differ": json.dumps(
            {**good, "metadata": {**good["metadata"], "x_scales": []}}
        ),
    }
    for label, text in cases.items():
        (damaged / "fit.json").write_text(text)
        assert main([*again, "--fit", str(damaged), "--out", str(tmp_path / "p3")]) == 2, label
        err = capsys.readouterr().err
        assert "is not a fit.json written by `mtor-sim fit`" in err and err.count("\n") == 1
    (damaged / "fit.json").unlink()
    assert main([*again, "--fit", str(damaged), "--out", str(tmp_path / "p3")]) == 2
    assert "no fit.json there" in capsys.readouterr().err


def test_cli_invalid_petab_exits_2_with_the_linter_messages(tmp_path: Path, capsys) -> None:
    import shutil

    from mtor_sim.cli import main

    dst = tmp_path / "bad"
    shutil.copytree(PETAB / "Boehm_JProteomeRes2014", dst)
    obs = dst / "observables_Boehm_JProteomeRes2014.tsv"
    obs.write_text(obs.read_text().replace("\tnormal", "\tgaussian", 1))
    yaml = dst / "Boehm_JProteomeRes2014.yaml"
    assert main(["fit", str(yaml), "--starts", "1", "--out", str(tmp_path / "o")]) == 2
    err = capsys.readouterr().err
    assert "Boehm_JProteomeRes2014.yaml is not a valid PEtab problem" in err
    assert "gaussian" in err


def test_fit_on_processes_matches_serial(decay) -> None:
    """Starts shipped to worker processes (the objective pickles without its simulator)."""
    import mtor_sim as ms

    yaml = decay["folder"] / "petab" / "decay.yaml"
    par = ms.fit(yaml, n_starts=2, seed=0, backend="processes", n_workers=2)
    ser = ms.fit(yaml, n_starts=2, seed=0)
    np.testing.assert_allclose(par.best_objective, ser.best_objective, rtol=1e-9)


def test_map_tasks_ships_closures_to_processes() -> None:
    from mtor_sim._fit_optimize import map_tasks

    offset = 3.0
    assert map_tasks(lambda v: v + offset, [1.0, 2.0, 3.0], backend="processes", n_workers=2) == [
        4.0,
        5.0,
        6.0,
    ]


def test_preequilibration_then_a_new_condition(tmp_path: Path) -> None:
    """A' = p - k A: pre-equilibrated at p = 1 (A = p/k), then simulated at p = 3, so
    A(t) = 3/k + (1/k - 3/k) exp(-k t)."""
    import pandas as pd

    import mtor_sim as ms

    (tmp_path / "prod.ant").write_text(
        "model prod\n compartment c = 1; species A in c;\n J0: -> A; p;\n J1: A -> ; k*A;\n"
        " p = 1; k = 0.5; A = 0;\nend\n"
    )
    t = np.array([0.0, 1.0, 2.0, 4.0])
    data = pd.DataFrame(
        {
            "observableId": "A",
            "time": t,
            "measurement": 1.0,
            "simulationConditionId": "high",
            "preequilibrationConditionId": "low",
            "noiseParameters": 0.1,
        }
    )
    cond = pd.DataFrame({"conditionId": ["low", "high"], "p": [1.0, 3.0]})
    problem = ms.to_petab(tmp_path / "prod.ant", data, parameters=["k"], conditions=cond)
    obj = ms.PetabObjective(problem)
    h, sigma = obj.simulate(obj.x_nominal)
    k = 0.5
    np.testing.assert_allclose(h, 3 / k + (1 / k - 3 / k) * np.exp(-k * t), rtol=1e-7)
    np.testing.assert_allclose(sigma, 0.1)
    # a parameter the simulation condition leaves empty takes the model's value (p = 1
    # here, p = 0 below), as PEtab's parameter mapping says; it kept the pre-equilibration's
    cond = pd.DataFrame({"conditionId": ["low", "high"], "p": [1.0, np.nan]})
    (tmp_path / "decay.ant").write_text(
        (tmp_path / "prod.ant").read_text().replace("p = 1;", "p = 0;")
    )
    problem = ms.to_petab(tmp_path / "decay.ant", data, parameters=["k"], conditions=cond)
    obj = ms.PetabObjective(problem)
    h, _ = obj.simulate(obj.x_nominal)
    np.testing.assert_allclose(h, 1 / k * np.exp(-k * t), rtol=1e-7)


@pytest.mark.parametrize(
    ("transform", "noise"),
    [("lin", "laplace"), ("log10", "laplace"), ("log10", "normal"), ("log", "laplace")],
)
def test_noise_models_agree_with_petab(decay, transform: str, noise: str) -> None:
    import pandas as pd
    import petab.v1 as petab

    import mtor_sim as ms

    data = pd.DataFrame(
        {
            "observableId": "A_obs",
            "time": decay["t"],
            "measurement": decay["y"],
            "noiseParameters": 0.2,
        }
    )
    obs = pd.DataFrame(
        {
            "observableId": ["A_obs"],
            "observableFormula": ["A"],
            "observableTransformation": [transform],
            "noiseDistribution": [noise],
        }
    )
    problem = ms.to_petab(
        decay["folder"] / "decay.ant", data, observables=obs, parameters=["k", "A0"]
    )
    obj = ms.PetabObjective(problem)
    x = obj.x_nominal + 0.05
    par = problem.parameter_df.copy()
    par.loc[obj.x_ids, "nominalValue"] = [obj.parameter_values(x)[i] for i in obj.x_ids]
    sim = obj.simulation_df(x).drop(columns=["preequilibrationConditionId"])
    llh = petab.calculate_llh(problem.measurement_df, sim, problem.observable_df, par)
    np.testing.assert_allclose(obj(x), -llh, rtol=1e-10)


def test_a_band_draws_pre_equilibrated_data_in_their_conditions_colour() -> None:
    """The band names a condition "pre->sim" after a pre-equilibration and the data were
    grouped by the simulation condition alone: they were drawn black, and two
    pre-equilibrations of one condition in one colour."""
    import matplotlib.colors as mcolors
    import matplotlib.pyplot as plt
    import pandas as pd

    from mtor_sim._fit_plot import plot_band

    t = [0.0, 1.0]
    pred = pd.DataFrame(
        {
            "observableId": "A",
            "condition": ["low->high"] * 2 + ["mid->high"] * 2,
            "time": t * 2,
            "q0.05": [0.5, 0.6, 0.7, 0.8],
            "q0.5": [1.0, 1.1, 1.2, 1.3],
            "q0.95": [1.5, 1.6, 1.7, 1.8],
        }
    )
    data = pd.DataFrame(
        {
            "observableId": "A",
            "preequilibrationConditionId": ["low", "mid"],
            "simulationConditionId": "high",
            "time": [1.0, 1.0],
            "measurement": [1.05, 1.25],
        }
    )
    fig = plot_band(pred, data=data)
    lines = fig.axes[0].get_lines()
    band = {ln.get_label(): mcolors.to_hex(ln.get_color()) for ln in lines[:2]}
    points = {float(ln.get_ydata()[0]): mcolors.to_hex(ln.get_color()) for ln in lines[2:]}
    assert points == {1.05: band["low->high"], 1.25: band["mid->high"]}
    plt.close(fig)


@pytest.mark.parametrize("quantiles", [(0.5, 0.05, 0.95), (0.1, 0.9)])
def test_a_band_is_drawn_between_its_outer_quantiles(quantiles: tuple) -> None:
    """The first, middle and last quantile columns were the band's edges and its median,
    in the order `predict` was given them: (0.5, 0.05, 0.95) shaded 0.5 to 0.95 around
    a "median" at 0.05, and (0.1, 0.9) drew the 0.9 quantile as the median."""
    import matplotlib.pyplot as plt
    import pandas as pd

    from mtor_sim._fit_plot import plot_band

    values = {0.05: 1.0, 0.1: 1.5, 0.5: 2.0, 0.9: 2.5, 0.95: 3.0}
    pred = pd.DataFrame({"observableId": "A", "condition": "c0", "time": [0.0, 1.0]})
    for q in quantiles:
        pred[f"q{q:g}"] = values[q]
    fig = plot_band(pred)
    ax = fig.axes[0]
    (band,) = ax.collections
    ys = band.get_paths()[0].vertices[:, 1]
    assert (ys.min(), ys.max()) == (values[min(quantiles)], values[max(quantiles)])
    medians = [float(ln.get_ydata()[0]) for ln in ax.get_lines()]
    assert medians == ([2.0] if 0.5 in quantiles else [])
    assert ("median" in fig._suptitle.get_text()) == (0.5 in quantiles)
    plt.close(fig)


def test_a_band_names_every_condition_in_one_style_across_panels() -> None:
    """Each condition has its own colour, and no legend said which: a band of two
    conditions could not be read; the first panel's legend alone (as the fit's figure
    had it) left out a condition only another panel draws; and a condition's dash
    pattern followed its line's order in each panel."""
    import matplotlib.pyplot as plt
    import pandas as pd

    from mtor_sim._fit_plot import plot_band

    t = [0.0, 1.0]
    pred = pd.DataFrame(
        {
            "observableId": ["A"] * 4 + ["B"] * 2,
            "condition": ["ctl"] * 2 + ["drug"] * 2 + ["late"] * 2,
            "time": t * 3,
            "q0.05": 0.5,
            "q0.5": 1.0,
            "q0.95": 1.5,
        }
    )
    pred.loc[pred["condition"] == "late", "observableId"] = "B"
    pred = pd.concat([pred, pred[pred["condition"] == "drug"].assign(observableId="B")])
    fig = plot_band(pred)
    (legend,) = fig.legends
    assert [t.get_text() for t in legend.get_texts()] == ["ctl", "drug", "late"]
    dashes = {
        (ax.get_title(), ln.get_label()): ln.get_linestyle()
        for ax in fig.axes
        for ln in ax.get_lines()
    }
    assert dashes[("A", "drug")] == dashes[("B", "drug")]
    plt.close(fig)


def test_fit_with_a_screening_stage(decay) -> None:
    import mtor_sim as ms

    yaml = decay["folder"] / "petab" / "decay.yaml"
    res = ms.fit(yaml, n_starts=2, seed=0, screen=20)
    assert res.best_objective == pytest.approx(decay["fit"].best_objective, abs=1e-4)
    assert res.metadata["screen"] == 20
    with pytest.raises(ValueError, match="screen"):
        ms.fit(yaml, n_starts=3, screen=2)
    with pytest.raises(ValueError, match="screen"):  # was a fit without a screen
        ms.fit(yaml, n_starts=3, screen=0)


def test_preequilibration_of_the_bundled_model_takes_its_verified_steady_state(
    monkeypatch,
) -> None:
    """On a problem of the bundled model whose pre-equilibration condition sets only
    parameters, the package's verified steady state replaces the integration, with the
    same objective; a condition that sets a species integrates as before."""
    import pandas as pd

    import mtor_sim as ms
    from mtor_sim._fit_objective import PetabObjective

    model = ms.load_model()
    data = pd.DataFrame(
        {
            "observableId": "pakt",
            "time": [0.0, 30.0, 120.0],
            "measurement": [0.3, 0.2, 0.25],
            "simulationConditionId": "treated",
            "preequilibrationConditionId": "untreated",
            "noiseParameters": 0.05,
        }
    )
    cond = pd.DataFrame({"conditionId": ["untreated", "treated"], "dose_everolimus": [0.0, 10.0]})
    problem = ms.to_petab(
        model, data, observables={"pakt": "AKT_TS"}, parameters=["GF"], conditions=cond
    )
    fast = ms.PetabObjective(problem)
    slow = ms.PetabObjective(problem, fast_preequilibration=False)
    x = fast.x_nominal + 0.1
    expected = slow(x)

    def no_integration(self, rr, cid):
        raise AssertionError("pre-equilibrated by integration")

    monkeypatch.setattr(PetabObjective, "_preequilibrate", no_integration)
    assert fast(x) == pytest.approx(expected, rel=1e-9)
    h_fast = fast.simulate(x)[0]
    monkeypatch.undo()
    np.testing.assert_allclose(h_fast, slow.simulate(x)[0], rtol=1e-9)

    # a pre-equilibration condition that sets a species: integrated, not taken
    cond2 = cond.assign(AKT=[1.0, float("nan")])
    problem2 = ms.to_petab(
        model, data, observables={"pakt": "AKT_TS"}, parameters=["GF"], conditions=cond2
    )
    used = []
    original = PetabObjective._preequilibrate

    def counting(self, rr, cid):
        used.append(cid)
        return original(self, rr, cid)

    monkeypatch.setattr(PetabObjective, "_preequilibrate", counting)
    assert np.isfinite(ms.PetabObjective(problem2)(x))
    assert used == ["untreated"]


# ------------------------------------------------------- inequality (censored) measurements
def _censored_problem(folder: Path, rows: list[tuple], transform: str = "lin", noise="normal"):
    """The decay model (A0 = 2, k = 0.3) with measurements ``(time, value, type, bounds)``
    of A at noise 0.05, estimating k only."""
    import pandas as pd

    import mtor_sim as ms

    folder.mkdir(exist_ok=True)
    (folder / "decay.ant").write_text(DECAY)
    data = pd.DataFrame(
        {
            "observableId": "A_obs",
            "time": [r[0] for r in rows],
            "measurement": [r[1] for r in rows],
            "measurementType": [r[2] for r in rows],
            "censoringBounds": [r[3] for r in rows],
            "noiseParameters": 0.05,
        }
    )
    obs = pd.DataFrame(
        {
            "observableId": ["A_obs"],
            "observableFormula": ["A"],
            "observableTransformation": [transform],
            "noiseDistribution": [noise],
        }
    )
    ms.to_petab(
        folder / "decay.ant",
        data,
        observables=obs,
        parameters={"k": (1e-2, 10.0)},
        out=folder / "petab",
        name="decay",
    )
    return folder / "petab" / "decay.yaml"


@pytest.mark.parametrize(("transform", "noise"), [("lin", "normal"), ("log10", "laplace")])
def test_censored_measurements_add_the_probability_of_their_side(
    tmp_path: Path, transform: str, noise: str
) -> None:
    """Each inequality adds -log P(measurement on the stated side | simulation, noise),
    on the observable's scale: the censored-data likelihood, checked against scipy."""
    from scipy import stats

    import mtor_sim as ms

    rows = [
        (1.0, 1.0, "left-censored", "1.2"),  # A(1) below 1.2
        (1.0, 1.0, "right-censored", "1.6"),  # above 1.6: violated at k = 0.3 (A = 1.48)
        (2.0, 1.0, "interval-censored", "0.8;1.2"),
        (3.0, 0.8, "", ""),  # a number
    ]
    obj = ms.PetabObjective(_censored_problem(tmp_path / transform, rows, transform, noise))
    assert obj.censored.tolist() == [True, True, True, False]
    h, sd = obj.simulate(obj.x_nominal)
    f = np.log10 if transform == "log10" else (lambda v: v)
    dist = stats.norm if noise == "normal" else stats.laplace

    def z(bound: float, i: int) -> float:
        return (f(bound) - f(h[i])) / sd[i]

    expected = -(
        dist.logcdf(z(1.2, 0))
        + dist.logsf(z(1.6, 1))
        + np.log(dist.cdf(z(1.2, 2)) - dist.cdf(z(0.8, 2)))
    )
    quantitative = obj._terms(h, sd)[3]
    np.testing.assert_allclose(obj(obj.x_nominal), expected + quantitative, rtol=1e-10)
    f0, grad, fim = obj.derivatives(obj.x_nominal)
    assert f0 == obj(obj.x_nominal) and np.isfinite(grad).all()
    assert np.all(np.linalg.eigvalsh(fim) >= -1e-9 * np.abs(fim).max())


def test_inequalities_alone_bound_the_estimate(tmp_path: Path) -> None:
    """A(1) > 0.5 and A(1) < 0.9 with A0 = 2 say ln(2/0.9) <= k <= ln(2/0.5); the fit lands
    there, and a number inside the bounds then pins k as the number alone would."""
    import mtor_sim as ms

    bounds = [(1.0, 0.5, "right-censored", "0.5"), (1.0, 0.9, "left-censored", "0.9")]
    fit = ms.fit(_censored_problem(tmp_path / "bounds", bounds), n_starts=3, seed=0)
    k = fit.best_parameters["k"]
    assert np.log(2 / 0.9) < k < np.log(2 / 0.5)
    # the objective is nearly flat inside: -log P is ~0 there for both rows
    assert fit.best_objective < 0.05
    fit = ms.fit(
        _censored_problem(tmp_path / "both", [*bounds, (2.0, 0.3, "", "")]), n_starts=3, seed=0
    )
    # (the bound 0.9 lies 2.5 noise SDs above A(1) there and still pulls k up by ~0.2 %)
    np.testing.assert_allclose(fit.best_parameters["k"], np.log(2 / 0.3) / 2, rtol=5e-3)


def test_censored_terms_stay_finite_far_in_the_tails() -> None:
    from scipy.special import log_ndtr

    from mtor_sim._fit_objective import _log_mass

    inf = np.inf
    got = _log_mass(np.array([-inf, 40.0, 3.0]), np.array([-40.0, inf, 3.5]), "normal")
    np.testing.assert_allclose(got[:2], log_ndtr(-40.0), rtol=1e-12)
    from scipy import stats

    np.testing.assert_allclose(got[2], np.log(stats.norm.sf(3.0) - stats.norm.sf(3.5)), rtol=1e-9)
    lap = _log_mass(np.array([-inf, 40.0]), np.array([-40.0, inf]), "laplace")
    np.testing.assert_allclose(lap, np.log(0.5) - 40.0, rtol=1e-12)


@pytest.mark.parametrize(
    ("row", "match"),
    [
        ((1.0, 1.0, "ordinal", "1"), "measurementType 'ordinal' is not supported"),
        ((1.0, 1.0, "interval-censored", "0.9;0.5"), "must increase"),
        ((1.0, 1.0, "interval-censored", "0.5"), '"lower;upper"'),
        ((1.0, 1.0, "left-censored", "high"), "one number"),
    ],
)
def test_bad_censoring_is_named_by_row(tmp_path: Path, row: tuple, match: str) -> None:
    import mtor_sim as ms

    path = _censored_problem(tmp_path / "bad", [(0.0, 2.0, "", ""), row])
    with pytest.raises(ms.PetabError, match="measurement table row 1") as err:
        ms.PetabObjective(path)
    assert match in str(err.value)


@pytest.mark.parametrize(
    "row", [(1.0, 1.0, "right-censored", "-1"), (1.0, 1.0, "left-censored", "0")]
)
def test_non_positive_bound_of_a_log_observable_is_refused(tmp_path: Path, row: tuple) -> None:
    import mtor_sim as ms

    path = _censored_problem(tmp_path / "neg", [row], "log")
    with pytest.raises(ms.PetabError, match="not positive"):
        ms.PetabObjective(path)


def test_narrow_intervals_keep_their_digits() -> None:
    from scipy import stats

    from mtor_sim._fit_objective import _log_mass

    a, b = np.array([0.3, -2.0]), np.array([0.3 + 1e-9, -2.0 + 1e-9])
    exact = np.log(stats.norm.pdf(a) * 1e-9)  # the mass of a 1e-9-wide interval
    np.testing.assert_allclose(_log_mass(a, b, "normal"), exact, rtol=1e-6)


def test_fit_figure_draws_inequalities_as_bounds(tmp_path: Path) -> None:
    import matplotlib.pyplot as plt

    import mtor_sim as ms
    from mtor_sim._fit_plot import plot_fit

    rows = [
        (1.0, 0.9, "left-censored", "0.9"),
        (1.0, 0.5, "right-censored", "0.5"),
        (2.0, 0.3, "interval-censored", "0.2;0.4"),
        (3.0, 0.12, "", ""),
    ]
    fig = plot_fit(ms.fit(_censored_problem(tmp_path / "plot", rows), n_starts=2, seed=0))
    ax = fig.axes[0]
    drawn = {(line.get_marker(), tuple(line.get_ydata())) for line in ax.get_lines()}
    assert ("v", (0.9,)) in drawn and ("^", (0.5,)) in drawn and ("o", (0.12,)) in drawn
    assert len(ax.collections) == 1  # the interval's bar
    assert "inequalities" in fig._suptitle.get_text()
    plt.close(fig)


PETAB_SUITE = Path(__file__).parent / "data" / "petab-test-suite"


@pytest.mark.parametrize("case", sorted(p.name for p in PETAB_SUITE.iterdir() if p.is_dir()))
def test_petab_test_suite_case(case: str) -> None:
    """The objective at the nominal parameters, and the simulations, as the PEtab test
    suite expects them (within its own tolerances)."""
    import pandas as pd
    import yaml

    import mtor_sim as ms

    folder = PETAB_SUITE / case
    solution = yaml.safe_load((folder / f"_{case}_solution.yaml").read_text())
    objective = ms.PetabObjective(folder / f"_{case}.yaml")
    x = objective.x_nominal
    assert abs(objective(x) + solution["llh"]) < solution["tol_llh"]
    expected = pd.read_csv(folder / solution["simulation_files"][0], sep="\t")["simulation"]
    simulated = objective.simulation_df(x)["simulation"]
    np.testing.assert_allclose(
        simulated.to_numpy(float), expected.to_numpy(float), atol=solution["tol_simulations"]
    )


def _decay_data():
    """Ten noisy points (sd 0.1) of 2 exp(-0.5 t), observable ``obsA``, condition ``c0``."""
    import pandas as pd

    rng = np.random.default_rng(1)
    t = np.linspace(0.5, 5.0, 10)
    y = 2.0 * np.exp(-0.5 * t) + rng.normal(0.0, 0.1, t.size)
    return pd.DataFrame(
        {"observableId": "obsA", "simulationConditionId": "c0", "time": t, "measurement": y}
    )


def _problem(tmp_path: Path, antimony: str, measurements, observable: str, parameters, **kw):
    import pandas as pd

    import mtor_sim as ms

    (tmp_path / "m.ant").write_text(antimony)
    obs = pd.DataFrame(
        {"observableId": ["obsA"], "observableFormula": [observable], "noiseFormula": ["1"]}
    ).set_index("observableId")
    par = pd.DataFrame(parameters).set_index("parameterId")
    return ms.to_petab(
        tmp_path / "m.ant", measurements, observables=obs, parameters=par, out=tmp_path / "p", **kw
    )


def _par(name: str, lo: float, hi: float, nominal: float, scale: str = "log10") -> dict:
    return {
        "parameterId": [name],
        "parameterScale": [scale],
        "lowerBound": [lo],
        "upperBound": [hi],
        "nominalValue": [nominal],
        "estimate": [1],
    }


def test_a_condition_may_set_a_derived_constant(tmp_path: Path) -> None:
    # k = 2*q is loaded as a rule so that it follows q; a condition that sets k itself
    # must still be able to (the rule made every simulation fail)
    import pandas as pd

    import mtor_sim as ms

    t = np.array([0.0, 1.0, 2.0])
    meas = pd.DataFrame(
        {"observableId": "obsA", "simulationConditionId": "c0", "time": t, "measurement": 1.0}
    )
    cond = pd.DataFrame({"conditionId": ["c0"], "k": [0.1]}).set_index("conditionId")
    model = "model ia\n  compartment C = 2\n  species A in C = 1\n  q = 0.25\n  k = 2*q\n"
    model += "  J: A -> ; C*k*A\nend\n"
    problem = _problem(tmp_path, model, meas, "A", _par("q", 0.01, 10, 0.25), conditions=cond)
    objective = ms.PetabObjective(problem)
    h, _ = objective.simulate(objective.x_nominal)
    np.testing.assert_allclose(h, np.exp(-0.1 * t), rtol=1e-6)


def test_an_observable_may_read_a_reactions_rate(tmp_path: Path) -> None:
    """A reaction's id in an observable formula is its rate (SBML's meaning, and
    petablint's): it was refused as "no model quantity or parameter"."""
    import pandas as pd

    import mtor_sim as ms

    t = np.array([0.0, 1.0, 2.0])
    meas = pd.DataFrame(
        {"observableId": "obsA", "simulationConditionId": "c0", "time": t, "measurement": 1.0}
    )
    model = "model flux\n  species A = 2\n  k = 0.1\n  J: A -> ; k*A\nend\n"
    problem = _problem(tmp_path, model, meas, "J", _par("k", 0.01, 10, 0.3))
    objective = ms.PetabObjective(problem)
    h, _ = objective.simulate(objective.x_nominal)
    np.testing.assert_allclose(h, 0.3 * 2 * np.exp(-0.3 * t), rtol=1e-6)


def test_pre_equilibration_of_large_states(tmp_path: Path) -> None:
    # an absolute 1e-10 on dx/dt is out of reach at states of 1e7: the objective was inf
    import pandas as pd

    import mtor_sim as ms

    meas = pd.DataFrame(
        {
            "observableId": "obsA",
            "preequilibrationConditionId": "pre",
            "simulationConditionId": "c0",
            "time": [0.0],
            "measurement": 1e6,
        }
    )
    cond = pd.DataFrame({"conditionId": ["pre", "c0"], "s": [1e6, 2e6]}).set_index("conditionId")
    model = "model big\n  species A = 0; species B = 0\n  k = 1; s = 1e6\n"
    model += "  J1: -> A; s\n  J2: A -> B; k*A\n  J3: B -> ; 0.3*k*B\nend\n"
    problem = _problem(tmp_path, model, meas, "B", _par("k", 0.01, 10, 1), conditions=cond)
    objective = ms.PetabObjective(problem)
    for k in (0.05, 1.0, 5.0):
        h, _ = objective.simulate(np.array([np.log10(k)]))
        assert h[0] == pytest.approx(1e6 / (0.3 * k), rel=1e-6)


def test_profile_and_sample_refuse_a_failed_fit(
    tmp_path: Path, capfd: pytest.CaptureFixture
) -> None:
    import pandas as pd

    import mtor_sim as ms

    t = np.array([0.5, 1, 2, 3, 5])  # A' = k A^2 blows up before t = 5 for every k in [1, 10]
    meas = pd.DataFrame(
        {"observableId": "obsA", "simulationConditionId": "c0", "time": t, "measurement": 1.0}
    )
    model = "model blow\n  species A = 1\n  k = 2\n  J: -> A; k*A*A\nend\n"
    problem = _problem(tmp_path, model, meas, "A", _par("k", 1, 10, 2))
    fit = ms.fit(problem, n_starts=2, seed=0)
    assert fit.status == "failed"
    printed = capfd.readouterr()  # SUNDIALS's warnings went neither to stdout nor stderr
    assert "CVode" not in printed.out + printed.err
    with pytest.raises(ms.MtorSimError, match="no optimum to profile from"):
        ms.profile(fit)
    with pytest.raises(ms.MtorSimError, match="no finite point"):
        ms.sample(fit, n=100)


def test_a_profile_that_meets_a_wall_leaves_that_end_open(tmp_path: Path) -> None:
    # the observable cannot be computed for k > 0.6, before the likelihood falls to the
    # threshold (which it would at k = 2.03): the upper end is unknown, not 0.60

    import mtor_sim as ms

    meas = _decay_data()
    model = "model decay\n  species A = 2\n  k = 0.5\n  J: A -> ; k*A\nend\n"
    problem = _problem(tmp_path, model, meas, "A + 1e-9*sqrt(0.6 - k)", _par("k", 0.01, 10, 0.5))
    fit = ms.fit(problem, n_starts=2, seed=0)
    with pytest.warns(UserWarning, match="not determined: k"):
        prof = ms.profile(fit)
    row = prof.intervals.loc["k"]
    assert np.isnan(row["upper"]) and row["lower"] < row["best"]
    # not a finding about the data (it was "practically non-identifiable", success True)
    assert row["verdict"] == "not determined"
    assert (prof.status, prof.success) == ("not_determined", False)
    assert "cannot be simulated beyond" in prof.message


def _walled(tmp_path: Path, wall: float):
    """Decay data (k = 0.5, s = 1, noise 0.1) with an observable that cannot be computed
    for k > ``wall``, k and a scale s estimated."""

    meas = _decay_data()
    model = "model decay\n  species A = 2\n  k = 0.5\n  s = 1\n  J: A -> ; k*A\nend\n"
    pars = {
        key: _par("k", 0.01, 10, 0.5)[key] + _par("s", 0.1, 10, 1)[key]
        for key in _par("k", 0, 0, 0)
    }
    return _problem(tmp_path, model, meas, f"s*A + 1e-9*sqrt({wall} - k)", pars)


def test_a_fides_start_stalled_at_a_wall_is_not_converged(tmp_path: Path) -> None:
    """Beside parameters where the model cannot be simulated, fides stops with 'converged
    according to fval difference' while the gradient still points downhill (-60 in s
    here): every start was 'converged' and the fit 'ok'."""
    import mtor_sim as ms

    fit = ms.fit(_walled(tmp_path, 0.3), n_starts=4, seed=0)
    assert not fit.starts["success"].any()
    assert (fit.status, fit.success) == ("not_converged", False)
    assert "gradient still points to a lower objective" in fit.message


def test_a_fides_start_at_the_optimum_is_converged(decay) -> None:
    """Started at the optimum (as the CLI's profile and sample refit a fit's best point),
    fides 0.8 ends with its trust region collapsed ('Trust Region Radius too small to
    proceed'), not with a convergence flag: the fit read 'not_converged' and `mtor-sim
    profile --fit` exited 3. Such an end is judged as a convergence flag's is."""
    import mtor_sim as ms

    fit = decay["fit"]
    best = fit.starts.iloc[0][fit.objective.x_ids].to_numpy(float)
    again = ms.fit(decay["folder"] / "petab" / "decay.yaml", n_starts=1, seed=0, x0=[best])
    assert (again.status, again.success) == ("ok", True), again.message
    assert again.best_objective == pytest.approx(fit.best_objective, abs=1e-6)


def test_a_screen_starts_only_where_the_model_can_be_simulated(tmp_path: Path) -> None:
    """With screen=n_starts, the screen's draws where the model cannot be simulated (k
    above 0.3 here) were starts that failed at once (3 of 4), where the starts without a
    screen are drawn again until their objective is finite."""
    import mtor_sim as ms

    fit = ms.fit(_walled(tmp_path, 0.3), n_starts=4, seed=0, screen=4)
    assert np.isfinite(fit.starts["fval"]).all(), fit.starts
    assert (fit.starts["k"] <= np.log10(0.3)).all()
    assert len({tuple(row) for row in fit.starts[["k", "s"]].to_numpy()}) == 4


def test_a_profile_that_cannot_be_walked_is_not_determined(tmp_path: Path) -> None:
    """With two estimated parameters pyPESTO raised a RuntimeError for a profile step it
    could not re-optimise, which lost every profile; now that profile is 'not
    determined' and the others are kept."""
    import mtor_sim as ms

    fit = ms.fit(_walled(tmp_path, 0.6), n_starts=3, seed=0)
    assert fit.status == "ok"
    with pytest.warns(UserWarning, match="not determined"):
        prof = ms.profile(fit)
    assert (prof.status, prof.success) == ("not_determined", False)
    assert prof.intervals.loc["k", "verdict"] == "not determined"
    assert prof.intervals.loc["s", "verdict"] in ("identifiable", "not determined")


def test_a_profile_from_a_fit_short_of_the_optimum_says_so(decay) -> None:
    import mtor_sim as ms

    fit = ms.fit(decay["folder"] / "petab" / "decay.yaml", n_starts=1, seed=3, max_iter=2)
    with pytest.warns(UserWarning, match="had not found the optimum"):
        prof = ms.profile(fit, ["k"])
    assert prof.status == "not_optimal" and not prof.success
    assert prof.intervals["lower"].isna().all() and prof.intervals["upper"].isna().all()
    assert (prof.intervals["verdict"] == "not determined").all()


def test_fit_commands_write_into_an_existing_folder(decay, tmp_path: Path) -> None:
    from mtor_sim.cli import main

    problem = str(decay["folder"] / "petab" / "decay.yaml")
    out = str(tmp_path / "fit.v1")  # a dot in a folder's name is not a file format
    for _ in range(2):  # a re-run into the same folder
        assert main(["fit", problem, "--starts", "1", "-q", "--out", out]) == 0


def test_a_chain_worth_few_independent_samples_is_not_ok(decay) -> None:
    """A converged chain worth 21 independent samples was "ok": its members' 5 and 95 %
    quantiles (a prediction band's edges) rest on a handful of draws. Below 100 (the
    Stan documentation's least per chain) the status says so, the members are kept, and
    the message says about how long a chain would reach it, which it then does."""
    import mtor_sim as ms
    from mtor_sim._fit_sample import MIN_ESS

    # seed 2: Geweke's burn-in at 50 of 1,000 (seed 0's sits at the chain's end in some
    # environments: which seeds converge moves with the fit's last digits)
    short = ms.sample(decay["fit"], n=1000, seed=2)
    assert short.diagnostics["converged"]
    assert short.diagnostics["effective_sample_size"] < MIN_ESS
    assert short.status == "low_ess" and not short.success and len(short) > 0
    match = re.search(r"`n` of about ([\d,]+)", short.message)
    assert match is not None, short.message
    longer = ms.sample(decay["fit"], n=int(match.group(1).replace(",", "")), seed=2)
    assert longer.status == "ok", longer.message
    assert longer.diagnostics["effective_sample_size"] >= MIN_ESS


@pytest.mark.parametrize("ess", [float("nan"), None, 0.0])
def test_an_effective_sample_size_that_cannot_be_estimated_is_not_ok(
    decay, monkeypatch, ess
) -> None:
    # the message divided by it (a NaN or 0 would have crashed it, or said "nan samples")
    import pypesto.sample

    import mtor_sim as ms

    monkeypatch.setattr(pypesto.sample, "effective_sample_size", lambda result: ess)
    res = ms.sample(decay["fit"], n=1000, seed=2)  # a converged chain (see above)
    assert res.diagnostics["converged"] and res.status == "low_ess" and len(res) > 0
    assert "its effective sample size could not be estimated" in res.message


@pytest.mark.parametrize("sampler", ["adaptive_metropolis", "parallel_tempering", "emcee"])
def test_n_steps_give_n_samples(decay, sampler: str) -> None:
    # pyPESTO's Metropolis chains put their start (the fit's optimum, not a draw) at the
    # head of the trace: n steps gave n + 1 samples, and emcee's walkers n each
    import mtor_sim as ms

    ens = ms.sample(decay["fit"], n=40, sampler=sampler, seed=0, thin=1)
    walkers = 2 * 4 + 2 if sampler == "emcee" else 1  # 4 estimated parameters
    assert ens.diagnostics["n_samples"] == 40 * walkers
    assert len(ens) == 40 * walkers - ens.diagnostics["burn_in"]


def test_counts_of_the_wrong_kind_are_a_type_error(decay) -> None:
    # n_starts, screen and sample's n raised ValueError for "2" or 1.5 (README: a wrong
    # kind is a TypeError) and refused numpy integers
    import numpy as np

    import mtor_sim as ms

    for kwargs in ({"n_starts": 1.5}, {"n_starts": "2"}, {"n_starts": 2, "screen": "5"}):
        with pytest.raises(TypeError, match="must be an integer"):
            ms.fit(decay["folder"] / "petab" / "decay.yaml", **kwargs)
    with pytest.raises(ValueError, match="`n_starts` must be >= 1"):
        ms.fit(decay["folder"] / "petab" / "decay.yaml", n_starts=0)
    with pytest.raises(TypeError, match="`n` must be an integer"):
        ms.sample(decay["fit"], n=20.0)
    ens = ms.sample(decay["fit"], n=np.int64(20), sampler="adaptive_metropolis", seed=0)
    assert ens.diagnostics["n_samples"] == 20


@pytest.mark.parametrize(
    ("kw", "error", "match"),
    [
        ({"thin": 0}, ValueError, "`thin` must be >= 1"),
        ({"thin": -2}, ValueError, "`thin` must be >= 1"),
        ({"thin": 2.5}, TypeError, "`thin` must be an integer"),
        ({"n_chains": 0}, ValueError, "`n_chains` must be >= 1"),
    ],
)
def test_a_thinning_or_chain_count_that_is_no_positive_integer_is_refused(
    decay, kw: dict, error: type, match: str
) -> None:
    """thin=0 fell back to the default, thin=-2 kept every second sample of the chain
    reversed (and recorded thin -2), and n_chains=0 failed inside pyPESTO on an index."""
    import mtor_sim as ms

    with pytest.raises(error, match=match):
        ms.sample(decay["fit"], n=100, seed=0, **kw)


def test_an_ensemble_file_it_cannot_write_is_refused_before_the_chain(decay, monkeypatch) -> None:
    """out="ensemble.txt" was refused only when the finished chain was written, so the
    chain was lost."""
    import pypesto.sample

    import mtor_sim as ms

    def no_chain(*args, **kwargs):
        raise AssertionError("the chain ran")

    monkeypatch.setattr(pypesto.sample, "sample", no_chain)
    with pytest.raises(ValueError, match="unsupported file type '.txt'"):
        ms.sample(decay["fit"], n=100, seed=0, out="ensemble.txt")


def test_emcee_burn_in_comes_from_its_walkers_autocorrelation(decay) -> None:
    # Geweke on pyPESTO's flattened walkers found no burn-in although the walkers start
    # in a tiny ball: the burn-in is two autocorrelation times, and a chain shorter
    # than 50 of them has not converged
    import mtor_sim as ms

    short = ms.sample(decay["fit"], n=200, sampler="emcee", seed=0)
    assert short.status == "not_converged" and "autocorrelation" in short.message
    assert short.diagnostics["burn_in_rule"].startswith("2 autocorrelation times")
    assert short.diagnostics["burn_in"] > 0


def test_a_parameter_profiled_twice_is_refused(decay) -> None:
    import mtor_sim as ms

    with pytest.raises(ValueError, match="more than once"):
        ms.profile(decay["fit"], ["k", "k"])


def test_a_condition_that_resizes_a_compartment(tmp_path: Path) -> None:
    # SBML keeps a species given by an amount (its concentration halves when the size
    # doubles) and one given by a concentration keeps that; a rule's species follows
    import pandas as pd

    import mtor_sim as ms

    (tmp_path / "m.xml").write_text(_resized_sbml())
    meas = pd.DataFrame(
        {
            "observableId": ["oS", "oT", "oA"],
            "simulationConditionId": "c0",
            "time": 0.0,
            "measurement": 1.0,
        }
    )
    obs = pd.DataFrame(
        {"observableId": ["oS", "oT", "oA"], "observableFormula": ["S", "T", "A"]}
    ).set_index("observableId")
    obs["noiseFormula"] = "1"
    cond = pd.DataFrame({"conditionId": ["c0"], "C": [2.0]}).set_index("conditionId")
    problem = ms.to_petab(
        tmp_path / "m.xml",
        meas,
        observables=obs,
        parameters=pd.DataFrame(_par("k", 0.01, 10, 1.0)).set_index("parameterId"),
        conditions=cond,
        out=tmp_path / "p",
    )
    objective = ms.PetabObjective(problem)
    h, _ = objective.simulate(objective.x_nominal)
    np.testing.assert_allclose(h, [5.0, 3.0, 6.0], rtol=1e-9)


def _resized_sbml() -> str:
    import libsbml

    doc = libsbml.SBMLDocument(3, 2)
    m = doc.createModel()
    m.setId("resized")
    c = m.createCompartment()
    c.setId("C"), c.setSize(1.0), c.setConstant(True)
    for sid, amount, conc in (("S", 10.0, None), ("T", None, 3.0), ("A", None, 0.0)):
        s = m.createSpecies()
        s.setId(sid), s.setCompartment("C"), s.setHasOnlySubstanceUnits(False)
        s.setBoundaryCondition(False), s.setConstant(False)
        s.setInitialAmount(amount) if amount is not None else s.setInitialConcentration(conc)
    p = m.createParameter()
    p.setId("k"), p.setValue(1.0), p.setConstant(True)
    rule = m.createAssignmentRule()
    rule.setVariable("A"), rule.setMath(libsbml.parseL3Formula("2 * T"))
    r = m.createReaction()
    r.setId("J"), r.setReversible(False)
    r.createReactant().setSpecies("S")
    r.getReactant(0).setStoichiometry(1.0), r.getReactant(0).setConstant(True)
    r.createKineticLaw().setMath(libsbml.parseL3Formula("k * S * C"))
    return libsbml.writeSBMLToString(doc)


def test_to_petab_bounds_from_zero_search_linearly(decay, tmp_path: Path) -> None:
    """Bounds (0, 10) gave a log10 parameter with lower bound 0, which the PEtab linter
    rejects; they now give a linear scale. Bounds that are not an interval are refused."""
    import pandas as pd
    import petab.v1 as petab

    import mtor_sim as ms

    data = pd.DataFrame({"observableId": "A", "time": decay["t"], "measurement": decay["y"]})
    problem = ms.to_petab(decay["folder"] / "decay.ant", data, parameters={"k": (0, 10)})
    row = problem.parameter_df.loc["k"]
    assert row["parameterScale"] == "lin" and row["lowerBound"] == 0
    assert not petab.lint_problem(problem)
    positive = ms.to_petab(decay["folder"] / "decay.ant", data, parameters={"k": (0.01, 10)})
    assert positive.parameter_df.loc["k", "parameterScale"] == "log10"
    for bad in ((1, 1), (5, 1), (0, float("inf"))):
        with pytest.raises(ms.PetabError, match="bounds of 'k' must be finite"):
            ms.to_petab(decay["folder"] / "decay.ant", data, parameters={"k": bad})


def test_to_petab_defaults_leave_out_what_the_data_cannot_separate(decay, tmp_path: Path) -> None:
    """By default every model parameter was estimated, including the ``cut_J1`` multiplier
    the loader puts on each rate (so only cut_J1 * k was determined: k came back
    arbitrary, status ok), and parameters a condition sets (a petablint error). A
    pre-equilibration condition had no row in the default condition table, and noise
    parameters given for one observable changed every observable's noise formula."""
    import pandas as pd

    import mtor_sim as ms

    data = pd.DataFrame({"observableId": "A", "time": decay["t"], "measurement": decay["y"]})
    problem = ms.to_petab(decay["folder"] / "decay.ant", data)
    assert set(problem.parameter_df.index) == {"k", "kb", "A0", "sd_obs_A"}
    fit = ms.fit(decay["folder"] / "decay.ant", measurements=data, n_starts=2, seed=0)
    assert fit.best_parameters["k"] == pytest.approx(0.3, rel=0.1)

    conditions = pd.DataFrame({"conditionId": ["pre", "c0"], "kb": [0.2, 0.2]})
    staged = data.assign(preequilibrationConditionId="pre")
    problem = ms.to_petab(decay["folder"] / "decay.ant", staged, conditions=conditions)
    assert "kb" not in problem.parameter_df.index
    assert np.isfinite(ms.PetabObjective(problem)(ms.PetabObjective(problem).x_nominal))
    default = ms.to_petab(decay["folder"] / "decay.ant", staged, parameters=["k"])
    assert list(default.condition_df.index) == ["c0", "pre"]

    two = pd.concat(
        [
            data.assign(observableId="a", noiseParameters=0.1),
            data.assign(observableId="b"),
        ]
    )
    problem = ms.to_petab(
        decay["folder"] / "decay.ant", two, observables={"a": "A", "b": "A"}, parameters=["k"]
    )
    assert problem.observable_df["noiseFormula"].to_dict() == {
        "a": "noiseParameter1_a",
        "b": "sd_b",
    }
    assert np.isfinite(ms.PetabObjective(problem)(ms.PetabObjective(problem).x_nominal))


def test_a_screen_keeps_the_callers_start_points(decay, monkeypatch) -> None:
    """With `screen`, the screened points filled every start and `x0` was dropped."""
    import mtor_sim as ms
    import mtor_sim._fit_optimize as fo

    used = {}
    made = fo.pypesto_problem

    def spy(obj, x_guesses=None):
        used["starts"] = np.array(x_guesses)
        return made(obj, x_guesses=x_guesses)

    monkeypatch.setattr(fo, "pypesto_problem", spy)
    yaml = decay["folder"] / "petab" / "decay.yaml"
    x0 = [[-0.5, 0.3, -1.0, -1.0]]
    ms.fit(yaml, n_starts=2, seed=0, screen=6, x0=x0, max_iter=1)
    assert used["starts"].shape[0] == 2
    np.testing.assert_allclose(used["starts"][0], x0[0])


def test_a_fit_above_its_nominal_objective_is_not_reported_converged(decay, monkeypatch) -> None:
    """Starts that all end in a local optimum reported ok while the parameter table's
    nominal values, evaluated for the metadata, gave a lower objective."""
    import mtor_sim as ms
    import mtor_sim._fit_optimize as fo

    yaml = decay["folder"] / "petab" / "decay.yaml"
    best = decay["fit"].best_objective
    monkeypatch.setattr(fo, "_nominal", lambda obj: best - 1.0)
    res = ms.fit(yaml, n_starts=2, seed=0)
    assert res.status == "not_converged" and not res.success
    assert "nominal values give a lower objective" in res.message
    assert "best of 2 starts" in res.message  # what the starts did is kept
    assert res.metadata["nominal_objective"] == pytest.approx(best - 1.0)


def test_nominal_values_outside_the_bounds_do_not_fail_a_fit(decay, tmp_path: Path) -> None:
    """k's nominal value 0.3 (its MLE) below a lower bound of 0.5, which the linter
    allows: the objective there is lower than at the bounded optimum, and the converged
    fit was "not_converged", told to start from the nominal values, which `x0` refuses."""
    import shutil

    import pandas as pd

    import mtor_sim as ms

    folder = tmp_path / "petab"
    shutil.copytree(decay["folder"] / "petab", folder)
    table = pd.read_csv(folder / "parameters.tsv", sep="\t")
    table.loc[table["parameterId"] == "k", "lowerBound"] = 0.5
    table.to_csv(folder / "parameters.tsv", sep="\t", index=False)
    res = ms.fit(folder / "decay.yaml", n_starts=2, seed=0)
    assert res.metadata["nominal_objective"] < res.best_objective - 0.1
    np.testing.assert_allclose(res.best_parameters["k"], 0.5, rtol=1e-6)
    assert (res.status, res.success) == ("ok", True), res.message


def test_a_sharp_profile_places_its_interval(tmp_path: Path) -> None:
    """Data precise enough that k's 95 % interval is narrower than pyPESTO's minimum
    profile step: one step from the optimum passed the edge, and the interval, read off
    the straight line between them, came out 5.5 times too wide (status ok)."""
    import pandas as pd
    from scipy.optimize import brentq
    from scipy.stats import chi2

    import mtor_sim as ms

    (tmp_path / "decay.ant").write_text(
        "model decay\n compartment V = 1; species A in V = 2;\n J1: A -> ; k*A*V\n k = 0.5;\nend\n"
    )
    rng = np.random.default_rng(1)
    t = np.repeat([0, 0.5, 1, 2, 3, 4, 6], 2).astype(float)
    y = 2 * np.exp(-0.7 * t) + rng.normal(0, 0.005, t.size)
    data = pd.DataFrame({"observableId": "A", "time": t, "measurement": y})
    fit = ms.fit(tmp_path / "decay.ant", measurements=data, parameters=["k"], n_starts=2, seed=0)
    row = ms.profile(fit, ["k"]).intervals.loc["k"]

    def nll(k: float) -> float:  # the noise sd profiled out in closed form
        r = y - 2 * np.exp(-k * t)
        return t.size / 2 * (np.log(2 * np.pi * np.mean(r**2)) + 1)

    k = fit.best_parameters["k"]
    edge = nll(k) + chi2.ppf(0.95, 1) / 2
    lo, hi = brentq(lambda q: nll(q) - edge, 0.5, k), brentq(lambda q: nll(q) - edge, k, 0.9)
    assert row["verdict"] == "identifiable"
    np.testing.assert_allclose([row["lower"] - k, row["upper"] - k], [lo - k, hi - k], rtol=0.02)


def test_fit_from_a_model_takes_a_condition_table(tmp_path: Path) -> None:
    """`fit(model, measurements=...)` had no `conditions=`: every condition id simulated
    the same model, and a fit of drug-treated against untreated data returned a wrong
    rate with status ok. Conditions now pass through, and ids without a table warn."""
    import pandas as pd

    import mtor_sim as ms

    (tmp_path / "prod.ant").write_text(
        "model prod\n compartment c = 1; species A in c;\n J0: -> A; p;\n J1: A -> ; k*A;\n"
        " p = 1; k = 0.5; A = 0;\nend\n"
    )
    t = np.array([1.0, 2.0, 4.0, 8.0])
    k = 0.3
    data = pd.concat(
        [
            pd.DataFrame(
                {"observableId": "A", "time": t, "measurement": p / k * (1 - np.exp(-k * t))}
            ).assign(simulationConditionId=cid)
            for cid, p in (("low", 1.0), ("high", 3.0))
        ]
    ).assign(noiseParameters=0.01)
    cond = pd.DataFrame({"conditionId": ["low", "high"], "p": [1.0, 3.0]})
    fit = ms.fit(
        tmp_path / "prod.ant", measurements=data, conditions=cond, parameters=["k"], n_starts=2
    )
    assert fit.status == "ok" and fit.best_parameters["k"] == pytest.approx(k, rel=1e-4)
    with pytest.warns(UserWarning, match="2 condition ids .* and no condition table"):
        ms.to_petab(tmp_path / "prod.ant", data, parameters=["k"])


def test_inputs_a_simulation_cannot_honour_are_refused(decay, tmp_path: Path) -> None:
    """A negative measurement time shifted its condition's clock (the t = 10 row came
    back as t = 15); a condition setting a rule's target failed every simulation with a
    message about bounds; an x0 outside the bounds did the same; a readout used as a
    default observable was answered with the unphosphorylated species' name."""
    import pandas as pd

    import mtor_sim as ms

    model = decay["folder"] / "decay.ant"
    data = pd.DataFrame({"observableId": "A", "time": [-5.0, 10.0], "measurement": [2.0, 0.1]})
    problem = ms.to_petab(model, data, parameters=["k"])
    with pytest.raises(ms.PetabError, match="measurement times must be >= 0"):
        ms.PetabObjective(problem)
    # a missing time was simulated at an arbitrary one, and the fit reported ok
    problem = ms.to_petab(model, data.assign(time=[float("nan"), 10.0]), parameters=["k"])
    with pytest.raises(ms.PetabError, match="measurement times must be numbers; row"):
        ms.PetabObjective(problem)
    ok = data.assign(time=[0.0, 10.0])
    with pytest.raises(ValueError, match="`x0` row 0 puts 'k' at 5"):
        ms.fit(model, measurements=ok, parameters=["k"], n_starts=1, x0=[[5.0, 0.0]])
    # more start points than starts: the rows beyond were dropped without a word
    with pytest.raises(ValueError, match="`x0` has 2 start points but `n_starts` is 1"):
        ms.fit(model, measurements=ok, parameters=["k"], n_starts=1, x0=[[-0.5, 0.0]] * 2)
    # ... and checked before a screen is run for them
    with pytest.raises(ValueError, match="`x0` row 0 puts 'k' at 5"):
        ms.fit(model, measurements=ok, parameters=["k"], n_starts=2, x0=[[5.0, 0.0]], screen=50)
    bundled = ms.load_model()
    cond = pd.DataFrame({"conditionId": ["c0"], "occ_FRB": [0.5]})
    reads = pd.DataFrame({"observableId": "o", "time": [0.0], "measurement": [0.3]})
    problem = ms.to_petab(
        bundled, reads, observables={"o": "pS6K1"}, parameters=["k_S6K1_phos"], conditions=cond
    )
    with pytest.raises(ms.PetabError, match="sets occ_FRB, which an assignment rule"):
        ms.PetabObjective(problem)
    with pytest.raises(ms.PetabError, match="observables=\\{'obs_pS6K1': 'pS6K1'\\}"):
        ms.to_petab(bundled, reads.assign(observableId="pS6K1"), parameters=["k_S6K1_phos"])


def test_a_negative_dose_in_a_problem_is_refused() -> None:
    """A condition table setting dose_everolimus = -5 gave negative occupancy and
    phosphorylated fractions outside 0..1; the verbs refuse such doses, so does a problem,
    in its condition table or through an estimated dose's lower bound."""
    import pandas as pd

    import mtor_sim as ms

    bundled = ms.load_model()
    reads = pd.DataFrame({"observableId": "o", "time": [0.0], "measurement": [0.3]})
    cond = pd.DataFrame({"conditionId": ["c0"], "dose_everolimus": [-5.0]})
    problem = ms.to_petab(
        bundled, reads, observables={"o": "pS6K1"}, parameters=["k_S6K1_phos"], conditions=cond
    )
    with pytest.raises(ms.PetabError, match="dose_everolimus = .* in condition 'c0'"):
        ms.PetabObjective(problem)
    problem.condition_df.loc["c0", "dose_everolimus"] = float("inf")  # (to_petab lints it)
    with pytest.raises(ms.PetabError, match="dose_everolimus = .* in condition 'c0'"):
        ms.PetabObjective(problem)
    cond = pd.DataFrame({"conditionId": ["c0"], "dose_everolimus": [5.0]})
    problem = ms.to_petab(
        bundled, reads, observables={"o": "pS6K1"}, parameters=["k_S6K1_phos"], conditions=cond
    )
    ms.PetabObjective(problem)  # a dose of 5 nM is fine
    problem.parameter_df.loc["dose_everolimus"] = {
        "parameterScale": "lin",
        "lowerBound": -10.0,
        "upperBound": 10.0,
        "nominalValue": 1.0,
        "estimate": 1,
    }
    problem.condition_df = problem.condition_df.drop(columns="dose_everolimus")
    with pytest.raises(ms.PetabError, match="dose_everolimus lowerBound = -10"):
        ms.PetabObjective(problem)
    # a condition cell that names a parameter of the table brings that one's range
    named = ms.to_petab(
        bundled,
        reads,
        observables={"o": "pS6K1"},
        parameters={"k_S6K1_phos": None, "d_ev": (-10.0, 10.0)},
        conditions=pd.DataFrame({"conditionId": ["c0"], "dose_everolimus": ["d_ev"]}),
    )
    assert named.parameter_df.loc["d_ev", "parameterScale"] == "lin"
    with pytest.raises(ms.PetabError, match="d_ev lowerBound = -10"):
        ms.PetabObjective(named)


def _simulated_at(objective, **given: float) -> np.ndarray:
    """The objective's simulated values at its nominal point with ``given`` estimated
    parameters at these linear values."""
    x = objective.x_nominal.copy()
    for pid, v in given.items():
        i = objective.x_ids.index(pid)
        x[i] = {"lin": v, "log10": np.log10(v), "log": np.log(v)}[objective.x_scales[i]]
    return objective.simulate(x)[0]


def test_a_parameters_initial_assignment_follows_the_estimate(tmp_path: Path) -> None:
    """``r = k * A`` (an initial assignment that reads a species) kept the value compiled
    with the model's k whatever k the optimiser tried: the objective was flat in k and a
    fit returned k = 6.37 (true optimum ln 2) with status ok. A parameter that is an
    initial assignment and that a condition sets keeps the condition's value; where the
    condition leaves it empty it is its assignment of the estimate (q = 2 k)."""
    import pandas as pd

    import mtor_sim as ms

    model = tmp_path / "ia.ant"
    model.write_text(
        "model ia\n  compartment C = 1\n  species A in C; species D in C; species B in C\n"
        "  A = 1; D = 1; B = 1\n  R2: D -> ; r*D\n  R3: B -> ; q*B\n"
        "  r = k*A\n  q = 2*k\n  k = 0.5\nend\n"
    )
    data = pd.DataFrame(
        {
            "observableId": ["D", "B", "B"],
            "simulationConditionId": ["c0", "c0", "c1"],
            "time": [1.0, 1.0, 1.0],
            "measurement": [0.5, 0.2, 0.1],
        }
    )
    conditions = pd.DataFrame({"conditionId": ["c0", "c1"], "q": [np.nan, 5.0]})
    problem = ms.to_petab(model, data, parameters={"k": (0.01, 10)}, conditions=conditions)
    h = _simulated_at(ms.PetabObjective(problem), k=0.9)
    assert h == pytest.approx([np.exp(-0.9), np.exp(-1.8), np.exp(-5.0)], rel=1e-5)


def test_noise_parameters_on_some_rows_of_an_observable_are_refused(decay) -> None:
    """to_petab wrote such a problem without a word; the linter rejects it, and the
    objective failed later with a message about overrides."""
    import pandas as pd

    import mtor_sim as ms

    data = pd.DataFrame({"observableId": "A", "time": decay["t"], "measurement": decay["y"]})
    data["noiseParameters"] = [0.1] + [np.nan] * (len(data) - 1)
    with pytest.raises(
        ms.PetabError, match="noiseParameters are given for some measurements of obs_A"
    ):
        ms.to_petab(decay["folder"] / "decay.ant", data, parameters=["k"])


def test_a_condition_sets_initial_values_that_initial_assignments_read(tmp_path: Path) -> None:
    """A = 2 * C with a condition setting C = 4 gave [A](0) = 4 (the assignment read the
    model's C = 2); B = 2 * A with a condition setting A = 3 gave B(0) = 2. Conditions
    are now initial values, read by the initial assignments, as libroadrunner does when
    the file itself is edited (and AMICI substitutes them). A species given by a
    concentration keeps it in the new size."""
    import pandas as pd

    import mtor_sim as ms

    model = tmp_path / "ia.ant"
    model.write_text(
        "model ia\n  compartment C = 2\n  species A in C; species B in C; species S in C\n"
        "  A = 2*C\n  B = 2*S\n  S = 1.5\n  J: S -> ; k*S\n  k = 0.1\nend\n"
    )
    data = pd.DataFrame(
        {
            "observableId": ["A", "A", "B", "S"],
            "simulationConditionId": ["c0", "c1", "c2", "c1"],
            "time": [0.0, 0.0, 0.0, 0.0],
            "measurement": [1.0, 1.0, 1.0, 1.0],
        }
    )
    conditions = pd.DataFrame(
        {"conditionId": ["c0", "c1", "c2"], "C": [np.nan, 4.0, np.nan], "S": [np.nan, np.nan, 3.0]}
    )
    problem = ms.to_petab(model, data, parameters=["k"], conditions=conditions)
    objective = ms.PetabObjective(problem)
    h, _ = objective.simulate(objective.x_nominal)
    assert h == pytest.approx([4.0, 8.0, 6.0, 1.5], rel=1e-9)


def test_a_reset_keeps_estimates_and_evaluates_assignments_from_them(tmp_path: Path) -> None:
    """From a review of the full reset: an estimated parameter that has its own initial
    assignment (q = 2 k) was computed again by the reset, so its estimate had no effect;
    a resized compartment diluted the concentration an assignment reads (B = 2 S);
    after pre-equilibration, a parameter the simulation leaves empty came back at its
    compiled value, not its assignment of the estimate."""
    import pandas as pd

    import mtor_sim as ms

    model = tmp_path / "q.ant"
    model.write_text(
        "model m\n  compartment C = 1\n  species B in C\n  B = 1\n  R0: -> B; 1\n"
        "  R3: B -> ; q*B\n  q = 2*k\n  k = 0.5\nend\n"
    )
    one = pd.DataFrame(
        {
            "observableId": ["B"],
            "simulationConditionId": ["c0"],
            "time": [1.0],
            "measurement": [0.1],
        }
    )
    objective = ms.PetabObjective(ms.to_petab(model, one, parameters={"q": (0.01, 10)}))
    for q in (0.3, 3.0):  # dB/dt = 1 - q B from B = 1
        expected = 1 / q + (1 - 1 / q) * np.exp(-q)
        assert _simulated_at(objective, q=q) == pytest.approx([expected], rel=1e-5)

    staged = pd.DataFrame(
        {
            "observableId": ["obs_q"],
            "simulationConditionId": ["c0"],
            "preequilibrationConditionId": ["pre"],
            "time": [0.0],
            "measurement": [0.1],
        }
    )
    conditions = pd.DataFrame({"conditionId": ["c0", "pre"], "q": [np.nan, 5.0]})
    problem = ms.to_petab(
        model,
        staged,
        parameters={"k": (0.01, 10)},
        conditions=conditions,
        observables={"obs_q": "q"},
    )
    assert _simulated_at(ms.PetabObjective(problem), k=0.9) == pytest.approx([1.8])

    sized = tmp_path / "sized.ant"
    sized.write_text(
        "model m\n  compartment C = 2\n  species S in C; species B in C\n  S = 1; B = 2*S\n"
        "  J: S -> ; k*S\n  k = 0.1\nend\n"
    )
    data = pd.DataFrame(
        {"observableId": ["B", "S"], "simulationConditionId": "c0", "time": 0.0, "measurement": 1.0}
    )
    conditions = pd.DataFrame({"conditionId": ["c0"], "C": [4.0]})
    problem = ms.to_petab(sized, data, parameters={"k": (0.01, 10)}, conditions=conditions)
    objective = ms.PetabObjective(problem)
    assert objective.simulate(objective.x_nominal)[0] == pytest.approx([2.0, 1.0])


def test_an_assignment_reads_a_table_parameters_value_not_its_own_assignment(
    tmp_path: Path,
) -> None:
    """B = q with q = 2 k and q estimated: B started at 2 k (the reset computed q's own
    assignment, which B read, before the estimate was set), so the estimate of q did not
    reach B. A parameter of the table takes the table's value in place of its assignment,
    and what reads it reads that value."""
    import pandas as pd

    import mtor_sim as ms

    model = tmp_path / "bq.ant"
    model.write_text(
        "model m\n  compartment C = 1\n  species B in C; species A in C\n  B = q; A = 1\n"
        "  R3: A -> ; 0.1*A\n  q = 2*k\n  k = 0.5\nend\n"
    )
    data = pd.DataFrame(
        {"observableId": ["B"], "simulationConditionId": ["c0"], "time": [0.0], "measurement": 1.0}
    )
    objective = ms.PetabObjective(ms.to_petab(model, data, parameters={"q": (0.01, 10)}))
    for q in (0.3, 3.0):
        assert _simulated_at(objective, q=q) == pytest.approx([q], rel=1e-9)


def test_a_table_parameter_that_a_rule_computes_is_refused(tmp_path: Path) -> None:
    """Listed in the parameter table (a problem read without the linter), an assignment
    rule's target failed every simulation with a libroadrunner error."""
    import pandas as pd

    import mtor_sim as ms

    model = tmp_path / "rule.ant"
    model.write_text(
        "model m\n  compartment C = 1\n  species B in C\n  B = 1\n  R3: B -> ; q*B\n"
        "  q := 2*k\n  k = 0.5\nend\n"
    )
    data = pd.DataFrame(
        {"observableId": ["B"], "simulationConditionId": ["c0"], "time": [1.0], "measurement": 0.5}
    )
    problem = ms.to_petab(model, data, parameters={"k": (0.01, 10)})
    problem.parameter_df.loc["q"] = {
        "parameterScale": "lin",
        "lowerBound": 0.1,
        "upperBound": 10.0,
        "nominalValue": 1.0,
        "estimate": 1,
    }
    with pytest.raises(ms.PetabError, match="the parameter table lists q, which an assignment"):
        ms.PetabObjective(problem, lint=False)


def test_a_noise_formula_giving_no_positive_sd_has_no_likelihood(tmp_path: Path) -> None:
    """A standard deviation of 0 or below from a noise formula: the normal term squares
    it, so a negative one gave the likelihood of its absolute value."""
    import pandas as pd

    import mtor_sim as ms

    (tmp_path / "m.ant").write_text("model m\n  species A = 1\n  a = 1\n  s = 0.3\nend\n")
    meas = pd.DataFrame(
        {
            "observableId": "obsY",
            "simulationConditionId": "c0",
            "time": [0.0, 1.0, 2.0],
            "measurement": [1.0, 1.1, 0.9],
        }
    )
    obs = pd.DataFrame(
        {"observableId": ["obsY"], "observableFormula": ["a"], "noiseFormula": ["s"]}
    ).set_index("observableId")
    par = pd.DataFrame(
        {
            "parameterId": ["a", "s"],
            "parameterScale": ["lin", "lin"],
            "lowerBound": [-5.0, -1.0],
            "upperBound": [5.0, 1.0],
            "nominalValue": [1.0, 0.3],
            "estimate": [1, 1],
        }
    ).set_index("parameterId")
    obj = ms.PetabObjective(
        ms.to_petab(tmp_path / "m.ant", meas, observables=obs, parameters=par, out=tmp_path / "p")
    )
    assert np.isfinite(obj([1.0, 0.3]))
    assert obj([1.0, -0.3]) == np.inf and obj([1.0, 0.0]) == np.inf


@pytest.mark.parametrize(
    ("kw", "error", "match"),
    [
        ({"optimizer": "Nelder-Mead"}, "UnknownNameError", "optimizer"),
        ({"max_iter": 0}, ValueError, "`max_iter` must be >= 1"),
        ({"max_iter": 2.5}, TypeError, "`max_iter` must be an integer"),
    ],
)
def test_a_profile_refuses_an_optimiser_or_iterations_it_cannot_use(
    decay, kw: dict, error: type | str, match: str
) -> None:
    """An unknown optimiser ran L-BFGS-B and was recorded under the name given; max_iter 0
    ran every step without an iteration."""
    import mtor_sim as ms

    expected = getattr(ms, error) if isinstance(error, str) else error
    with pytest.raises(expected, match=match):
        ms.profile(decay["fit"], ["k"], **kw)


def test_a_profile_of_no_parameter_is_refused(decay) -> None:
    """An empty list ran pyPESTO, then failed with a KeyError on the intervals table."""
    import mtor_sim as ms

    with pytest.raises(ValueError, match="`parameters` names no parameter"):
        ms.profile(decay["fit"], [])


def test_a_profile_with_random_restarts_is_reproducible(tmp_path: Path) -> None:
    """pyPESTO re-optimises a failed profile step from random start points drawn from
    numpy's global generator: the same fit profiled twice gave different profiles. The
    restarts now come from the profile's seed, drawn as the fit's starts are."""
    import pandas as pd

    import mtor_sim as ms

    fit = ms.fit(_walled(tmp_path, 0.6), n_starts=3, seed=0)
    tables = []
    for global_seed in (1, 2):
        np.random.seed(global_seed)  # noqa: NPY002  (what pyPESTO drew from)
        with pytest.warns(UserWarning):
            prof = ms.profile(fit, ["s"], seed=5)
        tables.append(prof.table)
    assert prof.metadata["seed"] == 5
    pd.testing.assert_frame_equal(tables[0], tables[1])


def test_fit_refuses_iterations_or_time_it_could_not_use(decay) -> None:
    # max_iter=0 and max_time=-1 ran and ended "not_converged" (exit 3 on the CLI)
    import mtor_sim as ms

    problem = decay["folder"] / "petab" / "decay.yaml"
    with pytest.raises(ValueError, match="max_iter"):
        ms.fit(problem, n_starts=1, max_iter=0)
    with pytest.raises(ValueError, match="max_time"):
        ms.fit(problem, n_starts=1, max_time=-1.0)
    # L-BFGS-B has no time limit: the cap was ignored, and a start that ran out of
    # iterations was told to take "more time (`max_time`)"
    with pytest.raises(ValueError, match="`max_time` applies to optimizer='fides' only"):
        ms.fit(problem, n_starts=1, optimizer="lbfgsb", max_time=1.0)


def test_a_bad_seed_or_a_non_fit_is_refused_by_name(decay) -> None:
    """numpy's own errors leaked out of `fit`'s seed ("SeedSequence expects int"; seed=True
    was taken as 1), and `profile`/`sample` given a file name failed on `.status`."""
    import mtor_sim as ms

    for seed, error in (("a", TypeError), (1.5, TypeError), (True, TypeError), (-1, ValueError)):
        with pytest.raises(error, match="`seed`"):
            ms.fit(decay["folder"] / "petab" / "decay.yaml", n_starts=1, seed=seed)
    with pytest.raises(TypeError, match="takes the FitResult"):
        ms.profile("problem.yaml")
    with pytest.raises(TypeError, match="takes the FitResult"):
        ms.sample(None, n=100)


def test_an_infinite_measurement_is_refused_by_name(decay, tmp_path: Path) -> None:
    """It made every start's objective infinite: status "failed", with a hint to check
    the bounds and the model's simulations."""
    import pandas as pd

    import mtor_sim as ms

    data = pd.DataFrame({"observableId": "A", "time": [0.0, 10.0], "measurement": [2.0, np.inf]})
    problem = ms.to_petab(decay["folder"] / "decay.ant", data, parameters=["k"])
    with pytest.raises(ms.PetabError, match="measurements must be finite; row.s. 1 "):
        ms.PetabObjective(problem)
    # a censored row's value is not used: infinite there is no error
    censored = [(1.0, np.inf, "right-censored", "1.6"), (2.0, 1.0, "", "")]
    obj = ms.PetabObjective(_censored_problem(tmp_path / "censored", censored))
    assert np.isfinite(obj(np.array([0.3])))


def test_a_fit_figure_keeps_a_bound_at_zero_on_a_linear_axis(tmp_path: Path) -> None:
    # a log-normal observable is drawn on a log axis, but a censoring bound of 0 (which
    # the objective accepts) vanished there: the axis reads the bounds, not placeholders
    import numpy as np

    import mtor_sim as ms

    rows = [
        (0.5, 1.7, "", np.nan),
        (2, 1.1, "", np.nan),
        (4, 0.6, "", np.nan),
        (6, 1.0, "interval-censored", "0;0.5"),
    ]
    fit = ms.fit(_censored_problem(tmp_path / "zero", rows, transform="log10"), n_starts=1)
    fig = fit.plot_fit()
    panel = fig.axes[0]
    # the two-line title of a one-panel figure ran off both sides: it wraps to the width
    fig.canvas.draw()
    box = fig._suptitle.get_window_extent()
    assert box.width < 0.98 * fig.bbox.width  # (a cut title measures the whole width)
    assert panel.get_yscale() == "linear"
    assert panel.get_ylabel().replace("\n", " ") == "measured value (log10-scale noise)"
