"""Tests of the Hill curve and its fit (mtor_sim._hill)."""

from __future__ import annotations

import dataclasses
import math
import warnings

import numpy as np
import pytest
from numpy.testing import assert_allclose

from mtor_sim._hill import HillFit, fit_hill, hill

DOSES = np.r_[0.0, np.logspace(-1, 4, 16)]  # nM, third-of-a-decade spacing


def test_hill_curve_values() -> None:
    y = hill([0.0, 10.0, 1e12], bottom=20.0, top=100.0, ic50=10.0, hill=1.5)
    assert_allclose(y, [100.0, 60.0, 20.0], rtol=1e-12, atol=1e-9)


def test_hill_rejects_bad_ic50() -> None:
    with pytest.raises(ValueError, match="`ic50` must be a finite number > 0"):
        hill([1.0], bottom=0.0, top=1.0, ic50=0.0, hill=1.0)


@pytest.mark.parametrize("slope", [0.5, 1.0, 2.5, 6.0])
@pytest.mark.parametrize("ic50", [3.0, 50.0, 500.0])
def test_fit_recovers_exact_parameters(slope: float, ic50: float) -> None:
    y = hill(DOSES, bottom=10.0, top=100.0, ic50=ic50, hill=slope)
    fit = fit_hill(DOSES, y)
    assert fit.success, fit.message
    assert not fit.ic50_extrapolated
    # noise-free data: parameters to 1e-6 relative
    assert_allclose(
        [fit.bottom, fit.top, fit.ic50, fit.hill], [10.0, 100.0, ic50, slope], rtol=1e-6
    )
    assert_allclose(fit.emax, 0.9, rtol=1e-6)
    assert_allclose(fit.emax_abs, 90.0, rtol=1e-6)
    assert_allclose(fit.r_squared, 1.0, atol=1e-10)
    assert fit.n_points == DOSES.size
    assert_allclose(fit.ic50_ci, (ic50, ic50), rtol=1e-6)  # zero residual: degenerate CI


@pytest.mark.parametrize("slope", [0.8, 1.5, 3.0])
@pytest.mark.parametrize("ic50", [10.0, 100.0])
def test_fit_recovers_parameters_from_noisy_data(slope: float, ic50: float) -> None:
    doses = np.repeat(DOSES, 3)  # triplicates
    rng = np.random.default_rng(20240501)
    y = hill(doses, bottom=10.0, top=100.0, ic50=ic50, hill=slope) + rng.normal(0, 2.0, doses.size)
    fit = fit_hill(doses, y)
    assert fit.success, fit.message
    # noise sd 2 (2 % of the span): plateaus within 2 sd, ic50 within 20 %, slope within 25 %
    assert_allclose([fit.bottom, fit.top], [10.0, 100.0], atol=4.0)
    assert_allclose(fit.ic50, ic50, rtol=0.2)
    assert_allclose(fit.hill, slope, rtol=0.25)
    assert_allclose(fit.rmse, 2.0, rtol=0.3)
    assert fit.ic50_ci[0] < fit.ic50 < fit.ic50_ci[1]


def test_fit_increasing_response_has_top_below_bottom() -> None:
    y = hill(DOSES, bottom=5.0, top=1.0, ic50=30.0, hill=1.2)  # activation
    fit = fit_hill(DOSES, y)
    assert fit.success
    assert_allclose([fit.bottom, fit.top, fit.ic50, fit.hill], [5.0, 1.0, 30.0, 1.2], rtol=1e-6)
    assert_allclose(fit.emax, -4.0, rtol=1e-6)  # (top - bottom) / top


def test_fixed_plateaus_are_kept() -> None:
    y = hill(DOSES, bottom=0.0, top=1.0, ic50=20.0, hill=1.0)
    fit = fit_hill(DOSES, y, fix_bottom=0.0, fix_top=1.0)
    assert fit.bottom == 0.0 and fit.top == 1.0
    assert_allclose([fit.ic50, fit.hill], [20.0, 1.0], rtol=1e-6)


def test_predict_matches_curve() -> None:
    y = hill(DOSES, bottom=10.0, top=100.0, ic50=40.0, hill=2.0)
    fit = fit_hill(DOSES, y)
    assert_allclose(fit.predict(DOSES), y, rtol=1e-8, atol=1e-8)


def test_flat_response_is_reported_not_raised() -> None:
    fit = fit_hill(DOSES, np.full(DOSES.size, 42.0))
    assert not fit.success
    assert np.isnan(fit.ic50) and np.isnan(fit.hill)
    assert "response does not change over the dose range" in fit.message
    assert_allclose(fit.predict([0.0, 1e3]), [42.0, 42.0], rtol=0)


def test_a_response_within_zero_of_0_has_no_fit() -> None:
    doses = [0.0, 0.1, 1.0, 10.0, 100.0, 1e3, 1e4]
    noise = np.array([-2.7e-17, 6.3e-15, 1e-16, -1e-17, 2e-15, 4e-16, 3e-15])
    assert "not monotonic" in fit_hill(doses, noise, monotonic=True).message
    fit = fit_hill(doses, noise, monotonic=True, zero=1e-12)
    assert not fit.success and np.isnan(fit.emax) and fit.bottom == fit.top == 0.0
    assert "response is 0 (within the solver's accuracy) at every dose" in fit.message
    curve = hill(DOSES, bottom=1e-13, top=1e-11, ic50=40.0, hill=1.0)  # beyond `zero`: fitted
    assert fit_hill(DOSES, curve, zero=1e-12).ic50 == pytest.approx(40.0, rel=1e-6)


def test_ic50_beyond_tested_doses_is_flagged() -> None:
    doses = [0.0, 1.0, 10.0, 100.0, 1000.0]
    fit = fit_hill(doses, hill(doses, bottom=0.0, top=1.0, ic50=5000.0, hill=1.0))
    assert fit.success
    assert fit.ic50_extrapolated
    assert "outside the tested doses" in fit.message
    assert_allclose(fit.ic50, 5000.0, rtol=1e-6)


def test_result_is_frozen() -> None:
    fit = fit_hill(DOSES, hill(DOSES, bottom=0.0, top=1.0, ic50=5.0, hill=1.0))
    assert isinstance(fit, HillFit)
    with pytest.raises(dataclasses.FrozenInstanceError):
        fit.ic50 = 1.0  # type: ignore[misc]


@pytest.mark.parametrize(
    ("doses", "responses", "kwargs", "match"),
    [
        ([0, 1, -2, 3, 4], [1, 1, 1, 0, 0], {}, r"`doses` must be >= 0 nM"),
        ([0, 1, np.nan, 3, 4], [1, 1, 1, 0, 0], {}, r"`doses` must be finite"),
        ([0, 1, 2, 3, 4], [1, 1, np.nan, 0, 0], {}, r"`responses` must be finite"),
        ([0, 1, 2, 3, 4], [1, 1, 0, 0], {}, r"`responses` must have the shape of `doses`"),
        ([[0, 1], [2, 3]], [[1, 1], [0, 0]], {}, r"`doses` must be 1-D"),
        ([0, 1, 1, 10, 10], [1, 1, 1, 0, 0], {}, r"at least 4 distinct values"),
        ([0, 1, 2, 3, 4], [1, 1, 1, 0, 0], {"fix_top": np.nan}, r"`fix_top` must be finite"),
    ],
)
def test_bad_inputs_raise(doses, responses, kwargs, match) -> None:
    with pytest.raises(ValueError, match=match):
        fit_hill(doses, responses, **kwargs)


def test_a_bell_shaped_response_gets_no_ic50() -> None:
    """Torin1 on survival rises to 1.07 and falls back to 1.00: the Hill fit reported
    success with an IC50 of 0.85 nM inside the doses (r^2 0.35)."""
    d = [0, 0.01, 0.1, 1, 10, 100, 1000, 10000]
    y = [1.0, 1.0003, 1.0033, 1.0252, 1.071, 1.0393, 1.0091, 1.0044]
    fit = fit_hill(d, y, monotonic=True)
    assert not fit.success and np.isnan(fit.ic50) and "not monotonic" in fit.message
    # asked only for noise-free responses: measured data (and ZIP's fits) are fitted;
    # its IC50's interval runs past float range, which is an unbounded end, not a warning
    with warnings.catch_warnings():
        warnings.simplefilter("error", RuntimeWarning)
        fitted = fit_hill(d, y)
    assert fitted.success and fitted.ic50_ci[1] > fitted.ic50


def test_an_ic50_interval_says_only_what_the_doses_say() -> None:
    """The Wald interval was given where it does not hold. A switch steeper than the Hill
    slope's bound (10) between 10 and 30 nM, true IC50 12 nM, got 15.4-18.2 nM; a
    response saturated at the first dose (1 nM) got 0.0054-0.0085 nM. Now the interval is
    what the tested doses say: between the two doses around the switch, below the first
    dose, above the last."""
    d = np.array([0, 1, 3, 10, 30, 100, 300, 1000.0])
    for true in (12.0, 25.0):
        f = fit_hill(d, hill(d, bottom=0.0, top=1.0, ic50=true, hill=30.0), monotonic=True)
        assert f.hill == pytest.approx(10.0)
        assert f.ic50_ci == (10.0, 30.0) and f.ic50_ci[0] <= true <= f.ic50_ci[1]
    saturated = fit_hill(d, np.array([1, 0.05, 0.05, 0.05, 0.05, 0.05, 0.05, 0.05]))
    assert saturated.ic50_extrapolated and saturated.ic50_ci == (0.0, 1.0)
    linear = fit_hill(d, 1 - d / 2000, monotonic=True)
    assert linear.ic50_extrapolated and linear.ic50_ci == (1000.0, math.inf)
    interior = fit_hill(d, hill(d, bottom=0.1, top=1.0, ic50=20.0, hill=1.2) + 1e-3 * np.sin(d))
    lo, hi = interior.ic50_ci
    assert lo < 20.0 < hi and hi / lo < 1.5  # the Wald interval, where it holds


def test_a_dose_response_says_when_the_doses_do_not_place_the_ic50() -> None:
    """Everolimus on pS6K1 tested to 0.003 nM only: dr.ic50 was 2.4 nM, 800-fold beyond
    the doses, and the message said only "all 5 conditions solved"."""
    import mtor_sim as ms

    dr = ms.dose_response(
        ms.load_model(),
        "everolimus",
        [0.0001, 0.0003, 0.001, 0.003],
        readout="pS6K1",
        progress=False,
    )
    assert dr.fit_table()["ic50_extrapolated"].all()
    assert "IC50 beyond the tested doses (extrapolated) for WT" in dr.message
    assert dr.fits["WT"].ic50_ci == (0.003, math.inf)


@pytest.mark.parametrize(
    "drug, readout, says",
    [
        # the readout rises: the "IC50" is the dose of half a rise
        ("MK2206", "pERK", ["pERK rises with the dose for WT", "(an EC50)"]),
        # a 4 % fall: "IC50 3.1 uM" read as sorafenib's potency on pS6K1
        ("sorafenib", "pS6K1", ["under 5% of the drug-free level for WT", "small effect"]),
        ("everolimus", "pS6K1", []),
    ],
)
def test_a_dose_response_says_when_its_ic50_is_not_a_potency(
    drug: str, readout: str, says: list[str]
) -> None:
    """An IC50 was given with status "ok" and no word for a readout that rises with the
    dose, or one the drug moves by 1-4 %."""
    import mtor_sim as ms

    doses = np.logspace(-1, 4, 9)
    dr = ms.dose_response(ms.load_model(), drug, doses, readout=readout, progress=False)
    assert dr.status == "ok" and dr.fits["WT"].success
    for text in says:
        assert text in dr.message
    if not says:
        assert dr.message == "all 9 conditions solved"


def test_the_rise_note_reads_the_curve_not_the_sign_of_emax() -> None:
    """emax = (top - bottom) / top changes sign with top: a curve rising from 0 got no
    note (emax +9e15), a negative readout that falls was said to rise."""
    import pandas as pd

    from mtor_sim._dose_response import DoseResponse

    doses = np.array([0.0, 0.1, 1.0, 10.0, 100.0, 1000.0, 10000.0])
    table = pd.DataFrame({"genotype": "WT", "dose": doses, "value": 0.0, "status": "ok"})

    def note(top: float, bottom: float) -> str:
        fit = fit_hill(doses, hill(doses, top=top, bottom=bottom, ic50=10.0, hill=1.0))
        return DoseResponse("drugX", "R", table, {"WT": fit}, {}).message

    assert "R rises with the dose for WT:" in note(0.0, 1.0)  # from 0: no share to give
    assert "R rises with the dose for WT (50.0%)" in note(-1.0, -0.5)
    assert "rises" not in note(-0.5, -1.0) and "rises" not in note(1.0, 0.5)


def test_an_ensemble_dose_response_says_when_its_ic50s_are_not_potencies() -> None:
    import mtor_sim as ms

    with pytest.warns(RuntimeWarning, match=r"rises with the dose in 3 \(their IC50s are EC50s"):
        q = ms.dose_response(
            ms.load_model(),
            "MK2206",
            np.logspace(-1, 4, 7),
            readout="pERK",
            ensemble=True,
            n_members=3,
            progress=False,
        )
    row = q.attrs["ic50"].iloc[0]
    assert row["n_rising"] == 3 and row["n_small_effect"] == 0
