"""Priors of a PEtab parameter table: the MAP objective, the posterior the sampler draws,
and the start points' distribution, against pyPESTO and closed forms."""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pytest

pytest.importorskip("petab")
pytest.importorskip("pypesto")

LINE = "model line\n  species A = 1\n  a = 1\n  b = 0.5\nend\n"
SIGMA = 0.4  # the data's noise (known)
T = np.linspace(0.0, 2.0, 9)
PRIOR_A = (0.0, 0.5)  # normal prior on a (linear scale): mean, sd
PRIOR_B = (0.5, 0.3)  # normal prior on b's linear value; b is estimated on a log10 scale


def _line_problem(folder: Path, **columns) -> Path:
    """y = a + b t + N(0, SIGMA^2) at nine times: a on a linear scale, b on log10, with
    the parameter table's extra ``columns`` (one value per parameter: a, then b)."""
    import pandas as pd

    import mtor_sim as ms

    folder.mkdir(exist_ok=True)
    (folder / "line.ant").write_text(LINE)
    rng = np.random.default_rng(3)
    y = 0.2 + 0.4 * T + rng.normal(0.0, SIGMA, T.size)
    meas = pd.DataFrame(
        {"observableId": "obsY", "simulationConditionId": "c0", "time": T, "measurement": y}
    )
    obs = pd.DataFrame(
        {
            "observableId": ["obsY"],
            "observableFormula": ["a + b*time"],
            "noiseFormula": [str(SIGMA)],
        }
    ).set_index("observableId")
    par = pd.DataFrame(
        {
            "parameterId": ["a", "b"],
            "parameterScale": ["lin", "log10"],
            "lowerBound": [-5.0, 1e-3],
            "upperBound": [5.0, 10.0],
            "nominalValue": [1.0, 0.5],
            "estimate": [1, 1],
            **columns,
        }
    ).set_index("parameterId")
    ms.to_petab(folder / "line.ant", meas, observables=obs, parameters=par, out=folder / "p")
    return folder / "p" / "problem.yaml"


def _posterior(y: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Mean (= mode) and covariance of (a, b) under the Gaussian priors and likelihood."""
    X = np.column_stack([np.ones_like(T), T])
    P = np.diag([1 / PRIOR_A[1] ** 2, 1 / PRIOR_B[1] ** 2])
    m = np.array([PRIOR_A[0], PRIOR_B[0]])
    cov = np.linalg.inv(X.T @ X / SIGMA**2 + P)
    return cov @ (X.T @ y / SIGMA**2 + P @ m), cov


def _priors() -> dict[str, list[str]]:
    return {
        "objectivePriorType": ["normal", "normal"],
        "objectivePriorParameters": [f"{PRIOR_A[0]};{PRIOR_A[1]}", f"{PRIOR_B[0]};{PRIOR_B[1]}"],
    }


@pytest.fixture(scope="module")
def line(tmp_path_factory: pytest.TempPathFactory):
    import mtor_sim as ms

    problem = _line_problem(tmp_path_factory.mktemp("line"), **_priors())
    obj = ms.PetabObjective(problem)
    return {"problem": problem, "obj": obj, "fit": ms.fit(problem, n_starts=3, seed=0)}


# ------------------------------------------------------------- each prior's density
CASES = [
    ("uniform", (0.1, 5.0), "lin"),
    ("uniform", (0.1, 5.0), "log10"),
    ("normal", (1.0, 0.5), "lin"),
    ("normal", (1.0, 0.5), "log"),
    ("normal", (1.0, 0.5), "log10"),
    ("laplace", (1.0, 0.5), "log10"),
    ("logNormal", (0.2, 0.7), "lin"),
    ("logNormal", (0.2, 0.7), "log"),
    ("logNormal", (0.2, 0.7), "log10"),
    ("parameterScaleUniform", (-1.0, 0.5), "log10"),
    ("parameterScaleNormal", (-0.3, 0.4), "log10"),
    ("parameterScaleNormal", (-0.3, 0.4), "log"),
    ("parameterScaleLaplace", (-0.3, 0.4), "lin"),
]


@pytest.mark.parametrize(("kind", "params", "scale"), CASES)
def test_prior_terms_agree_with_pypesto(kind: str, params: tuple, scale: str) -> None:
    """Value, gradient and second derivative on the PEtab scale, as pyPESTO computes them."""
    from pypesto.objective.priors import get_parameter_prior_dict

    from mtor_sim._fit_prior import Prior

    ours = Prior("p", 0, kind, *params, scale)
    ref = get_parameter_prior_dict(0, kind, list(params), scale)
    for x in (-0.4, 0.1, 0.35, 0.7):
        f, g, h = ours.terms(x)
        expected = -ref["density_fun"](x)
        if not math.isfinite(expected):
            assert f == math.inf
            continue
        np.testing.assert_allclose(f, expected, rtol=1e-12, atol=1e-12)
        np.testing.assert_allclose(g, -ref["density_dx"](x), rtol=1e-10, atol=1e-12)
        np.testing.assert_allclose(h, -ref["density_ddx"](x), rtol=1e-10, atol=1e-12)


@pytest.mark.parametrize("scale", ["lin", "log", "log10"])
def test_log_laplace_prior_against_its_density(scale: str) -> None:
    """logLaplace (which pyPESTO lacks): log v ~ Laplace(mu, b), density of v, with
    derivatives matching central differences."""
    from mtor_sim._fit_objective import unscale
    from mtor_sim._fit_prior import Prior

    mu, b = 0.2, 0.6
    p = Prior("p", 0, "logLaplace", mu, b, scale)
    for x in (0.3, 0.9, 1.7):
        v = float(unscale(x, scale))
        density = math.exp(-abs(math.log(v) - mu) / b) / (2 * b * v)
        f, g, h = p.terms(x)
        np.testing.assert_allclose(f, -math.log(density), rtol=1e-12)
        e = 1e-5
        fp, gp, _ = p.terms(x + e)
        fm, gm, _ = p.terms(x - e)
        np.testing.assert_allclose(g, (fp - fm) / (2 * e), rtol=1e-6)
        np.testing.assert_allclose(h, (gp - gm) / (2 * e), rtol=1e-5, atol=1e-8)
    assert Prior("p", 0, "logLaplace", mu, b, "lin").terms(-1.0)[0] == math.inf


# ------------------------------------------------------------------- the objective
def test_objective_is_likelihood_plus_prior(line) -> None:
    obj = line["obj"]
    x = np.array([0.3, math.log10(0.7)])
    prior = -math.log(
        math.exp(-((0.3 - PRIOR_A[0]) ** 2) / (2 * PRIOR_A[1] ** 2))
        / (PRIOR_A[1] * math.sqrt(2 * math.pi))
    ) - math.log(
        math.exp(-((0.7 - PRIOR_B[0]) ** 2) / (2 * PRIOR_B[1] ** 2))
        / (PRIOR_B[1] * math.sqrt(2 * math.pi))
    )
    np.testing.assert_allclose(obj.neglogprior(x), prior, rtol=1e-12)
    np.testing.assert_allclose(obj(x), obj.nllh(x) + prior, rtol=1e-12)
    f, g, _ = obj.derivatives(x)
    np.testing.assert_allclose(f, obj(x), rtol=1e-12)
    e = 1e-6
    for j in range(2):
        step = np.eye(2)[j] * e
        np.testing.assert_allclose(g[j], (obj(x + step) - obj(x - step)) / (2 * e), rtol=1e-4)


def test_fit_reaches_the_closed_form_map(line) -> None:
    """Gaussian priors and noise on a line: the MAP and the objective there are exact."""
    fit, obj = line["fit"], line["obj"]
    mode, _ = _posterior(obj.y)
    assert fit.status == "ok", fit.message
    # within 1e-4 (the posterior's standard deviations are 0.16-0.2): forward-difference
    # gradients end the search there
    np.testing.assert_allclose(fit.best_parameters[["a", "b"]], mode, atol=1e-4)
    resid = obj.y - (mode[0] + mode[1] * T)
    nllh = 0.5 * T.size * math.log(2 * math.pi * SIGMA**2) + 0.5 * np.sum(resid**2) / SIGMA**2
    prior = sum(
        0.5 * math.log(2 * math.pi * s**2) + (v - m) ** 2 / (2 * s**2)
        for v, (m, s) in zip(mode, (PRIOR_A, PRIOR_B), strict=True)
    )
    np.testing.assert_allclose(fit.best_objective, nllh + prior, rtol=1e-7)
    assert fit.metadata["objective"] == "negative log-posterior"
    assert set(fit.metadata["priors"]) == {"a", "b"}


def test_without_priors_the_fit_is_the_likelihood_s(tmp_path: Path) -> None:
    import mtor_sim as ms

    fit = ms.fit(_line_problem(tmp_path), n_starts=2, seed=0)
    X = np.column_stack([np.ones_like(T), T])
    ols = np.linalg.lstsq(X, fit._objective().y, rcond=None)[0]
    np.testing.assert_allclose(fit.best_parameters[["a", "b"]], ols, atol=1e-4)
    assert fit.metadata["objective"] == "negative log-likelihood"


def test_sample_follows_the_closed_form_posterior(line) -> None:
    """b is sampled on its log10 scale under a prior on its linear value: the chain must
    carry the Jacobian for b's samples to follow b's posterior (without it their mean
    falls by about one posterior standard deviation, and a's rises by about 0.7). The
    posterior is the Gaussian of `_posterior` cut at b's lower bound, so b's marginal is a
    truncated normal and a's follows from its linear regression on b."""
    from scipy import stats

    import mtor_sim as ms

    mode, cov = _posterior(line["obj"].y)
    sd_b = math.sqrt(cov[1, 1])
    b = stats.truncnorm((1e-3 - mode[1]) / sd_b, (10.0 - mode[1]) / sd_b, mode[1], sd_b)
    slope = cov[0, 1] / cov[1, 1]
    mean = np.array([mode[0] + slope * (b.mean() - mode[1]), b.mean()])
    var_a = cov[0, 0] - slope * cov[0, 1] + slope**2 * b.var()
    sd = np.sqrt([var_a, b.var()])
    ens = ms.sample(line["fit"], n=20_000, seed=1, sampler="adaptive_metropolis")
    assert ens.status == "ok", ens.message
    got = ens.parameters[["a", "b"]]
    np.testing.assert_allclose((got.mean() - mean) / sd, 0.0, atol=0.2)
    np.testing.assert_allclose(got.std() / sd, 1.0, atol=0.1)


# --------------------------------------------------------------- start points
def test_start_points_follow_the_initialization_priors(tmp_path: Path) -> None:
    """A normal start distribution on b's PEtab scale, truncated to the bounds; a without
    one stays uniform within its bounds."""
    from mtor_sim._fit_objective import PetabObjective
    from mtor_sim._fit_optimize import _start_points

    problem = _line_problem(
        tmp_path,
        initializationPriorType=["", "parameterScaleNormal"],
        initializationPriorParameters=["", "0.9;0.3"],  # log10 b: its upper bound is 1
    )
    obj = PetabObjective(problem)
    x, redrawn, unplaced = _start_points(obj, 2000, seed=0, x0=None)
    assert redrawn == unplaced == 0
    assert (x >= obj.lb).all() and (x <= obj.ub).all()
    a, b = x[:, 0], x[:, 1]
    assert abs(a.mean()) < 0.3 and abs(a.std() - 10 / math.sqrt(12)) < 0.2  # U(-5, 5)
    from scipy import stats

    trunc = stats.truncnorm((math.log10(1e-3) - 0.9) / 0.3, (1.0 - 0.9) / 0.3, loc=0.9, scale=0.3)
    assert stats.kstest(b, trunc.cdf).pvalue > 0.01
    again, *_ = _start_points(obj, 2000, seed=0, x0=None)
    np.testing.assert_array_equal(x, again)  # the seed decides them


def test_without_initialization_priors_starts_are_uniform_as_before(tmp_path: Path) -> None:
    from mtor_sim._fit_objective import PetabObjective
    from mtor_sim._fit_optimize import _start_points

    obj = PetabObjective(_line_problem(tmp_path))
    x, *_ = _start_points(obj, 5, seed=4, x0=None)
    rng = np.random.default_rng(4)
    np.testing.assert_array_equal(x, [rng.uniform(obj.lb, obj.ub) for _ in range(5)])


# ------------------------------------------------- kinks and edges of a prior's density
def test_an_optimum_at_a_laplace_kink_converges(tmp_path: Path) -> None:
    """A Laplace prior's optimum sits at its kink, where the gradient never vanishes: the
    start is judged by the subgradient, and lands at the location."""
    import mtor_sim as ms

    problem = _line_problem(
        tmp_path, objectivePriorType=["laplace", ""], objectivePriorParameters=["0.2;0.02", ""]
    )
    fit = ms.fit(problem, n_starts=3, seed=0, optimizer="lbfgsb")
    assert fit.status == "ok", fit.message
    y = fit._objective().y
    slope = float(np.sum(T * (y - 0.2)) / np.sum(T * T))  # b's least squares at a = 0.2
    np.testing.assert_allclose(fit.best_parameters[["a", "b"]], [0.2, slope], atol=1e-4)
    fides = ms.fit(problem, n_starts=3, seed=0)
    if fides.status != "ok":  # a stall at the kink is named as such
        assert "Laplace-type prior of a" in fides.message


def test_a_uniform_prior_narrower_than_the_bounds_is_a_bound(tmp_path: Path) -> None:
    """Outside a uniform prior the posterior is 0: the optimiser, the starts and the
    profiles see that edge as a bound, not as a region the model cannot be simulated in."""
    import mtor_sim as ms

    problem = _line_problem(
        tmp_path, objectivePriorType=["uniform", ""], objectivePriorParameters=["-1;0.02", ""]
    )
    fit = ms.fit(problem, n_starts=3, seed=0)
    assert fit.status == "ok", fit.message
    np.testing.assert_allclose(fit.objective.lb[0], -1.0)
    np.testing.assert_allclose(fit.objective.ub[0], 0.02)
    np.testing.assert_allclose(fit.best_parameters["a"], 0.02, atol=1e-6)  # data: a ~ 0.11
    prof = ms.profile(fit, ["a"])
    assert prof.intervals.loc["a", "verdict"] == "practically non-identifiable"
    assert prof.metadata["objective"] == "negative log-posterior"
    fig = prof.plot()
    assert fig.axes[0].get_ylabel() == "posterior ratio"
    import matplotlib.pyplot as plt

    plt.close(fig)


@pytest.mark.parametrize("optimizer", ["fides", "lbfgsb"])
def test_a_uniform_prior_on_a_log_scale_holds_at_its_own_edge(tmp_path: Path, optimizer) -> None:
    """The bound a uniform prior on a log10-scaled parameter sets, log10(0.3), must be
    inside the prior: 10**log10(0.3) rounds outside 0.3 about half the time."""
    import mtor_sim as ms

    problem = _line_problem(
        tmp_path, objectivePriorType=["", "uniform"], objectivePriorParameters=["", "0.3;5"]
    )
    fit = ms.fit(problem, n_starts=3, seed=0, optimizer=optimizer)
    obj = fit.objective
    assert np.isfinite(obj([0.1, obj.lb[1]])) and np.isfinite(obj([0.1, obj.ub[1]]))
    assert fit.status == "ok", fit.message
    np.testing.assert_allclose(fit.best_parameters["b"], 0.3, rtol=1e-9)  # data: b ~ 0.28
    if optimizer == "fides":
        prof = ms.profile(fit, ["b"])
        assert prof.intervals.loc["b", "verdict"] == "practically non-identifiable"


def test_start_points_stay_within_the_bounds_the_priors_narrowed(tmp_path: Path) -> None:
    """With a start distribution on b, a is drawn within its uniform objective prior, not
    over its table bounds (where every draw outside the prior was wasted)."""
    from mtor_sim._fit_objective import PetabObjective
    from mtor_sim._fit_optimize import _start_points

    obj = PetabObjective(
        _line_problem(
            tmp_path,
            objectivePriorType=["uniform", ""],
            objectivePriorParameters=["0;0.1", ""],
            initializationPriorType=["", "parameterScaleNormal"],
            initializationPriorParameters=["", "-0.3;0.2"],
        )
    )
    x, redrawn, unplaced = _start_points(obj, 200, seed=0, x0=None)
    assert redrawn == unplaced == 0
    assert (x[:, 0] >= 0.0).all() and (x[:, 0] <= 0.1).all()


def test_prior_numbers_without_a_type_are_a_parameter_scale_uniform_prior(tmp_path: Path) -> None:
    """PEtab's default type, with the numbers given: the bounds narrow to them."""
    from mtor_sim._fit_objective import PetabObjective

    obj = PetabObjective(_line_problem(tmp_path, objectivePriorParameters=["0;0.1", ""]))
    assert [p.kind for p in obj.priors] == ["parameterScaleUniform"]
    np.testing.assert_allclose([obj.lb[0], obj.ub[0]], [0.0, 0.1])


# ---------------------------------------------------------------------- bad input
@pytest.mark.parametrize(
    ("kind", "cell", "match"),
    [
        ("normal", "0.8", "must be two numbers"),
        ("normal", "0.8;nan", "must be finite"),
        ("gamma", "1;2", "PEtab v1 knows"),
        ("parameterScaleNormal", "0;-2", "standard deviation"),
    ],
)
def test_each_bad_prior_cell_is_named(kind: str, cell: str, match: str) -> None:
    """The checks the PEtab linter may make first, each naming the parameter."""
    import pandas as pd

    import mtor_sim as ms
    from mtor_sim._fit_prior import objective_priors

    par = pd.DataFrame(
        {"objectivePriorType": [kind], "objectivePriorParameters": [cell]},
        index=pd.Index(["k"], name="parameterId"),
    )
    with pytest.raises(ms.PetabError, match=f"'k'.*{match}"):
        objective_priors(par, ["k"], ["log10"])


@pytest.mark.parametrize(
    ("columns", "match"),
    [
        (
            {"objectivePriorType": ["logNormal", ""], "objectivePriorParameters": ["0;1", ""]},
            "'a'.*positive values, but its lower bound is -5",
        ),
        (
            {"objectivePriorType": ["", "uniform"], "objectivePriorParameters": ["", "20;30"]},
            "'b'.*puts no mass within its bounds",
        ),
        (
            {
                "initializationPriorType": ["", "normal"],
                "initializationPriorParameters": ["", "1000;1"],
            },
            "'b'.*initialization prior.*puts no mass within its bounds",
        ),
        (
            {
                "initializationPriorType": ["", "laplace"],
                "initializationPriorParameters": ["", "0.5;-1"],
            },
            "'b'.*scale of its laplace prior must be positive",
        ),
    ],
)
def test_priors_that_leave_nothing_are_refused(tmp_path: Path, columns: dict, match: str) -> None:
    import mtor_sim as ms

    try:
        problem = _line_problem(tmp_path, **columns)
    except ms.PetabError as e:  # the PEtab linter caught it first
        pytest.skip(f"the linter refuses it: {e}")
    with pytest.raises(ms.PetabError, match=match):
        ms.fit(problem, n_starts=2, seed=0)


@pytest.mark.parametrize(
    ("kind", "params", "match"),
    [
        ("normal", "0.8;0", "standard deviation of its normal prior must be positive"),
        ("laplace", "0.8;-1", "scale of its laplace prior must be positive"),
        ("uniform", "2;1", "needs lower < upper"),
    ],
)
def test_bad_priors_are_refused_with_the_parameter(
    tmp_path: Path, kind: str, params: str, match: str
) -> None:
    import mtor_sim as ms
    from mtor_sim._fit_objective import PetabObjective

    try:
        problem = _line_problem(
            tmp_path, objectivePriorType=["", kind], objectivePriorParameters=["", params]
        )
    except ms.PetabError as e:  # the PEtab linter caught it first
        pytest.skip(f"the linter refuses it: {e}")
    with pytest.raises(ms.PetabError, match=f"'b'.*{match}"):
        PetabObjective(problem)
