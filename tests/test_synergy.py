"""Tests of the synergy scores (mtor_sim._synergy)."""

from __future__ import annotations

import numpy as np
import pytest
from numpy.testing import assert_allclose

from mtor_sim._hill import hill
from mtor_sim._synergy import (
    SynergyScores,
    bliss_excess,
    combination_index,
    fraction_inhibited,
    hsa_excess,
    loewe_excess,
    synergy_scores,
    zip_delta,
)

DOSES = np.array([0.0, 1.0, 3.0, 10.0, 30.0, 100.0, 300.0, 1000.0])  # nM

# Hand-checked 3x3 example: column 0 is drug A alone, row 0 drug B alone.
SMALL = np.array(
    [
        [0.0, 0.2, 0.4],
        [0.3, 0.5, 0.7],
        [0.5, 0.6, 0.9],
    ]
)


def inhibition(doses: np.ndarray, *, emax: float, ic50: float, slope: float) -> np.ndarray:
    """Hill inhibition rising from 0 at dose 0 to ``emax``."""
    return hill(doses, bottom=emax, top=0.0, ic50=ic50, hill=slope)


def bliss_matrix(ya: np.ndarray, yb: np.ndarray) -> np.ndarray:
    return ya[:, None] + yb[None, :] - ya[:, None] * yb[None, :]


def test_fraction_inhibited() -> None:
    got = fraction_inhibited([[100.0, 80.0], [50.0, 110.0]], 100.0)
    assert_allclose(got, [[0.0, 0.2], [0.5, -0.1]], rtol=0, atol=1e-12)
    with pytest.raises(ValueError, match="`control` must be finite and nonzero"):
        fraction_inhibited([[1.0]], 0.0)


def test_bliss_hand_computed() -> None:
    # expected: (1,1) .3+.2-.06=.44; (1,2) .3+.4-.12=.58; (2,1) .5+.2-.10=.60; (2,2) .5+.4-.20=.70
    want = np.array([[0, 0, 0], [0, 0.5 - 0.44, 0.7 - 0.58], [0, 0.6 - 0.60, 0.9 - 0.70]])
    assert_allclose(bliss_excess(SMALL), want, rtol=0, atol=1e-12)


def test_hsa_hand_computed() -> None:
    # expected = max(E_a, E_b): (1,1) .3; (1,2) .4; (2,1) .5; (2,2) .5
    want = np.array([[0, 0, 0], [0, 0.2, 0.3], [0, 0.1, 0.4]])
    assert_allclose(hsa_excess(SMALL), want, rtol=0, atol=1e-12)


def test_bliss_independent_matrix_scores_zero() -> None:
    rng = np.random.default_rng(7)
    ya = np.r_[0.0, np.sort(rng.uniform(0, 1, 5))]
    yb = np.r_[0.0, np.sort(rng.uniform(0, 1, 4))]
    assert_allclose(bliss_excess(bliss_matrix(ya, yb)), 0.0, rtol=0, atol=1e-12)


def test_percentages_are_flagged() -> None:
    """A Bliss-independent surface given in percent scored a Bliss excess of 2,426 with
    no word; the scores take fractions."""
    rng = np.random.default_rng(7)
    ya = np.r_[0.0, np.sort(rng.uniform(0, 1, 5))]
    yb = np.r_[0.0, np.sort(rng.uniform(0, 1, 4))]
    with pytest.warns(UserWarning, match="if these are percentages, divide by 100"):
        bliss_excess(100 * bliss_matrix(ya, yb))


def test_a_fixed_plateau_is_returned_as_given() -> None:
    """With the top fixed at 0 (Loewe's and ZIP's single-agent fits) top came back as
    1e-17 through the rescaling, and emax = (top - bottom) / top as 1e16, not NaN."""
    from mtor_sim._hill import fit_hill

    d = np.array([0.0, 1, 10, 100])
    fit = fit_hill(d, np.array([0.0, 0.03865, 0.09232, 0.10650]), fix_top=0.0)
    assert fit.top == 0.0 and np.isnan(fit.emax)
    fit = fit_hill(d, np.array([1.0, 0.8, 0.5, 0.25]), fix_bottom=0.2)
    assert fit.bottom == 0.2


@pytest.mark.parametrize(
    ("emax", "ic50", "slope"), [(1.0, 30.0, 1.0), (0.8, 10.0, 2.0), (0.95, 100.0, 0.7)]
)
def test_loewe_sham_combination_is_additive(emax: float, ic50: float, slope: float) -> None:
    # a drug combined with itself: effect(a, b) = H(a + b)
    effect = inhibition(DOSES[:, None] + DOSES[None, :], emax=emax, ic50=ic50, slope=slope)
    # exact data: the only error is the Hill fit, so 1e-6 absolute inhibition
    assert_allclose(loewe_excess(DOSES, DOSES, effect), 0.0, rtol=0, atol=1e-6)
    ci = combination_index(DOSES, DOSES, effect)
    assert np.all(np.isnan(ci[0, :])) and np.all(np.isnan(ci[:, 0]))
    assert_allclose(ci[1:, 1:], 1.0, rtol=1e-6)


def test_loewe_undefined_beyond_weaker_drug_maximum() -> None:
    ya = inhibition(DOSES, emax=0.5, ic50=10.0, slope=1.0)  # A never exceeds 50 %
    yb = inhibition(DOSES, emax=0.9, ic50=10.0, slope=1.0)  # B alone reaches 50 % at 12.5 nM
    scores = loewe_excess(DOSES, DOSES, bliss_matrix(ya, yb))
    strong_b = yb[1:] > 0.5
    assert np.all(np.isnan(scores[1:, 1:][:, strong_b]))
    assert np.all(np.isfinite(scores[1:, 1:][:, ~strong_b]))
    assert_allclose(scores[0], 0.0, rtol=0)
    # the mean says over how many cells it is taken
    s = synergy_scores(DOSES, DOSES, bliss_matrix(ya, yb))
    assert s.loewe_cells == (DOSES.size - 1) * int((~strong_b).sum())
    assert s.loewe_cells < (DOSES.size - 1) ** 2


def test_loewe_with_inactive_drug_is_nan() -> None:
    ya = inhibition(DOSES, emax=0.9, ic50=10.0, slope=1.0)
    effect = np.repeat(ya[:, None], DOSES.size, axis=1)  # drug B does nothing
    assert np.all(np.isnan(loewe_excess(DOSES, DOSES, effect)[1:, 1:]))


@pytest.mark.parametrize(
    ("ic50_a", "slope_a", "ic50_b", "slope_b"), [(20.0, 1.3, 150.0, 0.8), (5.0, 2.0, 5.0, 2.0)]
)
def test_zip_bliss_independent_full_efficacy_is_zero(ic50_a, slope_a, ic50_b, slope_b) -> None:
    ya = inhibition(DOSES, emax=1.0, ic50=ic50_a, slope=slope_a)
    yb = inhibition(DOSES, emax=1.0, ic50=ic50_b, slope=slope_b)
    # exact data: limited by the Hill fits only
    assert_allclose(zip_delta(DOSES, DOSES, bliss_matrix(ya, yb)), 0.0, rtol=0, atol=1e-6)


def test_scores_detect_synergy() -> None:
    ya = inhibition(DOSES, emax=1.0, ic50=30.0, slope=1.0)
    yb = inhibition(DOSES, emax=1.0, ic50=60.0, slope=1.2)
    effect = bliss_matrix(ya, yb)
    effect[1:, 1:] = 1.0 - 0.7 * (1.0 - effect[1:, 1:])  # 30 % more kill than Bliss
    s = synergy_scores(DOSES, DOSES, effect)
    assert s.bliss_mean > 0 and s.hsa_mean > 0 and s.zip_mean > 0 and s.loewe_mean > 0


def test_synergy_scores_bundle() -> None:
    ya = inhibition(DOSES, emax=0.9, ic50=30.0, slope=1.0)
    yb = inhibition(DOSES, emax=0.8, ic50=10.0, slope=1.5)
    effect = bliss_matrix(ya, yb)
    s = synergy_scores(DOSES, DOSES, effect)
    assert isinstance(s, SynergyScores)
    assert_allclose(s.bliss, bliss_excess(effect), rtol=0, atol=1e-15)
    assert_allclose(s.hsa, hsa_excess(effect), rtol=0, atol=1e-15)
    assert_allclose(s.hsa_mean, hsa_excess(effect)[1:, 1:].mean(), rtol=1e-12)
    assert_allclose(s.loewe_mean, np.nanmean(s.loewe[1:, 1:]), rtol=1e-12)
    assert_allclose([s.fit_a.bottom, s.fit_b.bottom], [0.9, 0.8], rtol=1e-6)
    with pytest.raises(ValueError, match="read-only"):
        s.bliss[1, 1] = 1.0
    df = s.to_dataframe()
    assert list(df.columns) == [
        "dose_a",
        "dose_b",
        "inhibition",
        "bliss",
        "hsa",
        "loewe",
        "zip",
        "combination_index",
    ]
    assert len(df) == DOSES.size**2
    row = df[(df.dose_a == 30.0) & (df.dose_b == 10.0)].iloc[0]
    assert_allclose(row.inhibition, effect[4, 3], rtol=1e-12)


@pytest.mark.parametrize(
    ("call", "match"),
    [
        (lambda: bliss_excess(SMALL + 0.1), r"`effect\[0, 0\]` must be 0"),
        (lambda: hsa_excess([0.0, 0.1]), r"`effect` must be a 2-D matrix"),
        (lambda: bliss_excess(np.where(SMALL > 0.8, np.nan, SMALL)), r"`effect` must be finite"),
        (lambda: loewe_excess([1, 2, 3], [0, 1, 2], SMALL), r"`doses_a` must be finite, start"),
        (lambda: zip_delta([0, 1, 2], [0, 1], SMALL), r"`doses_b` must be 1-D with 3 entries"),
        (lambda: loewe_excess([0, 1, 2], [0, 1, 2], SMALL), r"at least 4 distinct values"),
    ],
)
def test_bad_inputs_raise(call, match) -> None:
    with pytest.raises(ValueError, match=match):
        call()


def test_a_failed_dose_pair_is_nan_and_the_rest_is_scored(monkeypatch) -> None:
    """One pair without a verified steady state raised ValueError from the Bliss check;
    it is NaN, with its status, and the other pairs keep their excess."""
    import mtor_sim as ms
    import mtor_sim._dose_response as dr

    solved = dr._readouts_at

    def one_fails(*args, **kwargs):
        out = solved(*args, **kwargs)
        out[5] = (float("nan"), "solver_failed")  # everolimus 1 nM + sorafenib 100 nM
        return out

    monkeypatch.setattr(dr, "_readouts_at", one_fails)
    pair = ("everolimus", "sorafenib")
    cm = ms.combination(ms.load_model(), pair, [1, 10, 100], [100, 1000, 10000], progress=False)
    assert cm.settings["status"].iloc[1, 1] == "solver_failed"
    assert np.isnan(cm.response.iloc[1, 1]) and np.isnan(cm.bliss.iloc[1, 1])
    assert np.isnan(cm.hsa.iloc[1, 1]) and cm.scores is None  # Loewe and ZIP need it
    assert np.isfinite(cm.bliss.iloc[2, 2]) and np.isfinite(cm.inhibition.iloc[1, 2])
    # the table keeps the failed pair as a row (pandas 2's `stack` dropped it, and the
    # other columns no longer fitted the rows: ValueError)
    df = cm.to_dataframe()
    assert len(df) == cm.response.size
    row = df.iloc[5]
    assert (row["dose_everolimus"], row["dose_sorafenib"], row["status"]) == (
        1.0,
        100.0,
        "solver_failed",
    )
    assert np.isnan(row["response"]) and np.isnan(row["bliss"])
    assert_allclose(df["response"], cm.response.to_numpy().ravel(), rtol=0, atol=0)


def test_a_zero_drug_free_readout_leaves_inhibition_undefined() -> None:
    import mtor_sim as ms

    with pytest.warns(RuntimeWarning, match="drug-free pAKT_S473 is 0"):
        cm = ms.combination(
            ms.load_model(),
            ("everolimus", "sorafenib"),
            [10],
            [1000],
            readout="pAKT_S473",
            knockouts=["AKT"],
            progress=False,
        )
    # every cell solved (its response is a number), but none has an inhibition: the
    # result says so in its status, not only in a warning (it said "ok")
    assert np.isfinite(cm.response.to_numpy()).all()
    assert (cm.settings["status"] == "zero_reference").all().all()
    assert cm.status == "failed" and "solved without a defined value" in cm.message
    assert np.isnan(cm.inhibition.to_numpy()).all() and np.isnan(cm.bliss.to_numpy()).all()


def test_a_drug_free_readout_at_round_off_is_zero_not_a_denominator() -> None:
    """A knocked-out kinase's own output is solver round-off (mTORC2 knocked out,
    pAKT_S473 7.7e-21): it was taken as the control, for inhibitions of -8e4 and Bliss
    excesses of -1.5e3 with status "ok", blamed on a drug "raising" the readout."""
    import mtor_sim as ms

    with pytest.warns(RuntimeWarning, match="drug-free pAKT_S473 is 0 .within the solver"):
        cm = ms.combination(
            ms.load_model(),
            ("everolimus", "alpelisib"),
            [1, 10, 100],
            [10, 100, 1000],
            readout="pAKT_S473",
            knockouts=["mTORC2"],
            progress=False,
        )
    assert abs(cm.response.iloc[0, 0]) < 1e-15
    assert (cm.settings["status"] == "zero_reference").all().all()
    assert cm.status == "failed"
    assert np.isnan(cm.inhibition.to_numpy()).all() and np.isnan(cm.bliss.to_numpy()).all()
    q = ms.combination(
        ms.load_model(),
        ("everolimus", "alpelisib"),
        [10],
        [100],
        readout="pAKT_S473",
        knockouts=["mTORC2"],
        ensemble=True,
        n_members=3,
        progress=False,
    )
    inhibition = q[q["quantity"] == "inhibition"]
    assert inhibition["q0.5"].isna().all() and (inhibition["n_failed"] == 3).all()


def test_a_bell_shaped_single_agent_gets_no_loewe_fit_on_a_models_matrix() -> None:
    """Loewe's single-agent Hill fits gave a bell-shaped model curve an IC50, as
    dose_response did before it took the monotonic rule; with ``monotonic`` (what
    `combination` asks for) such a drug has no fit, so Loewe and ZIP (whose reference is
    built from those fits) are NaN. Bliss and HSA do not depend on them, and data (the
    default) keep their fits."""
    ya = np.array([0.0, 0.3, 0.6, 0.8, 0.5, 0.2, 0.1, 0.05])  # rises, then falls: a bell
    yb = inhibition(DOSES, emax=0.9, ic50=30.0, slope=1.0)
    e = bliss_matrix(ya, yb)
    plain, model = synergy_scores(DOSES, DOSES, e), synergy_scores(DOSES, DOSES, e, monotonic=True)
    assert plain.fit_a.success and plain.loewe_cells > 0
    assert not model.fit_a.success and model.fit_b.success
    assert model.loewe_cells == 0 and np.isnan(model.loewe[1:, 1:]).all()
    assert np.isnan(model.zip[1:, 1:]).all() and np.isfinite(plain.zip).all()
    for name in ("bliss", "hsa"):
        assert_allclose(getattr(model, name), getattr(plain, name))


def test_a_combination_on_a_readout_the_drugs_raise_warns() -> None:
    """pAKT S473 rises under everolimus: its 'inhibition' was negative and the scores
    reported synergy (ZIP +0.16) with no word that they assume inhibition in 0..1."""
    import mtor_sim as ms

    model = ms.load_model()
    pair = ("everolimus", "sorafenib")
    with pytest.warns(RuntimeWarning, match="everolimus \\(to .*x\\).* raise.* pAKT_S473"):
        ms.combination(model, pair, [1, 10], [100], readout="pAKT_S473", progress=False)
    import warnings

    with warnings.catch_warnings():  # proliferation falls under both: no warning
        warnings.simplefilter("error", RuntimeWarning)
        ms.combination(model, pair, [1, 10], [100], readouts="proliferation", progress=False)
    with pytest.raises(ValueError, match="measures one readout per call"):
        ms.combination(model, pair, [1], [100], readouts=["pS6K1", "proliferation"])
    dr = ms.dose_response(model, "everolimus", [0, 1, 10, 100], readouts="pS6K1", progress=False)
    assert dr.readout == "pS6K1"
    default = ms.dose_response(model, "everolimus", [0, 1, 10, 100], readouts=None, progress=False)
    assert default.readout == "proliferation"  # None means the default, as elsewhere


def test_a_combination_without_loewe_says_why() -> None:
    """A 4 x 4 grid with a failed cell has no Loewe or ZIP (they fit whole rows and
    columns); the message blamed the number of doses."""
    import dataclasses

    import mtor_sim as ms

    doses = [0.0, 1.0, 10.0, 100.0]
    comb = ms.combination(
        ms.load_model(),
        ("everolimus", "sorafenib"),
        doses_a=doses,
        doses_b=doses,
        progress=False,
    )
    assert comb.scores is not None
    with pytest.raises(ValueError, match="a cell of this grid has no verified steady state"):
        dataclasses.replace(comb, scores=None).score("loewe")
    small = ms.combination(
        ms.load_model(),
        ("everolimus", "sorafenib"),
        doses_a=doses[:3],
        doses_b=doses[:3],
        progress=False,
    )
    with pytest.raises(ValueError, match="needs at least 4 doses"):
        small.score("zip")
