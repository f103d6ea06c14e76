"""Local and Sobol sensitivities: against analytic values on small models, and the pathway."""

from __future__ import annotations

import math
import warnings
from pathlib import Path

import pytest
from numpy.testing import assert_allclose

import mtor_sim as ms

# Steady state X* = k_in / k_out: d ln X / d ln k_in = 1, d ln X / d ln k_out = -1.
RATIO = """
model ratio
  J1: -> X; k_in
  J2: X -> ; k_out * X
  k_in = 2; k_out = 0.5; X = 0
end
"""

# Steady state X* = 20 + Ishigami(a, b, c), with a, b, c = ua - pi, ... uniform on [-pi, pi].
ISHIGAMI = """
model ishigami
  J1: -> X; 20 + sin(ua - pi) + 7 * sin(ub - pi)^2 + 0.1 * (uc - pi)^4 * sin(ua - pi)
  J2: X -> ; X
  ua = 1; ub = 1; uc = 1; X = 0
end
"""


# Steady state X* = k_in / (1 - a) for a < 1; for a > 1, X grows without bound.
GROWTH = """
model growth
  J1: -> X; k_in + a * X
  J2: X -> ; X
  k_in = 1; a = 0.5; X = 0
end
"""


def _load(tmp_path: Path, text: str, name: str) -> ms.Model:
    path = tmp_path / f"{name}.ant"
    path.write_text(text)
    return ms.load_model(path)


def test_local_matches_analytic(tmp_path: Path) -> None:
    m = _load(tmp_path, RATIO, "ratio")
    s = ms.sensitivity(m, "X", ["k_in", "k_out"], progress=False).to_dataframe()
    assert_allclose(s["sensitivity"], [1.0, -1.0], atol=1e-5)
    assert (s["status"] == "ok").all()


def test_a_parameter_at_zero_has_no_local_sensitivity(tmp_path: Path) -> None:
    """Both steps of a parameter at 0 are 0, so its scaled sensitivity came out 0, "ok",
    as if it had no effect (``-k mTORC2`` did it to mTORC2_total in the default list)."""
    m = _load(tmp_path, GROWTH, "growth")  # X* = k_in / (1 - a): 1 at a = 0, d ln X / d ln a = 0
    with pytest.warns(RuntimeWarning, match="a is 0 here"):
        s = ms.sensitivity(
            m, "X", ["a", "k_in"], parameters={"a": 0.0}, progress=False
        ).to_dataframe()
    assert list(s["status"]) == ["zero_parameter", "ok"] and math.isnan(s["sensitivity"][0])
    # the default varies the parameters non-zero where they are evaluated
    with warnings.catch_warnings():
        warnings.simplefilter("error", RuntimeWarning)
        s = ms.sensitivity(m, "X", parameters={"a": 0.0}, progress=False).to_dataframe()
    assert list(s["parameter"]) == ["k_in"] and (s["status"] == "ok").all()


def test_sobol_matches_ishigami(tmp_path: Path) -> None:
    """Analytic Ishigami indices (a = 7, b = 0.1): S1 = .314, .442, 0; ST = .558, .442, .244."""
    m = _load(tmp_path, ISHIGAMI, "ishigami")
    bounds = {p: (0.0, 2 * math.pi) for p in ("ua", "ub", "uc")}
    s = ms.sensitivity(
        m, "X", ["ua", "ub", "uc"], method="sobol", n=2048, bounds=bounds, seed=3, progress=False
    ).to_dataframe()
    assert_allclose(s["S1"], [0.3139, 0.4424, 0.0], atol=0.05)
    assert_allclose(s["ST"], [0.5576, 0.4424, 0.2437], atol=0.05)
    assert s.attrs == {} and s["S1_conf"].max() < 0.1


@pytest.mark.parametrize("seed", [0, 5])
def test_sobol_is_seeded(tmp_path: Path, seed: int) -> None:
    """Indices and bootstrap intervals repeat exactly (seed 0 too, which SALib ignores)."""
    m = _load(tmp_path, RATIO, "ratio")
    kw = {"method": "sobol", "n": 64, "seed": seed, "progress": False}
    a = ms.sensitivity(m, "X", ["k_in", "k_out"], **kw)
    b = ms.sensitivity(m, "X", ["k_in", "k_out"], **kw)
    cols = ["S1", "ST", "S1_conf", "ST_conf"]
    assert_allclose(a.table[cols], b.table[cols], rtol=0, atol=0)
    assert a.settings["seed"] == seed and a.settings["n_points"] == 64 * 4
    # log-uniform ranges of equal width: the two parameters matter equally
    assert_allclose(a.table["ST"].iloc[0], a.table["ST"].iloc[1], rtol=0.3)


def test_a_sobol_folder_is_not_reused_for_a_range_on_another_scale(tmp_path: Path) -> None:
    """factor=2 samples ln(k) in [ln(k/2), ln(2k)]; bounds= with those two numbers is a
    linear range. Both had one fingerprint, so the second run into the same folder took
    the first's points and reported the linear bounds."""
    text = RATIO.replace("k_in = 2; k_out = 0.5", "k_in = 20; k_out = 5")
    m = _load(tmp_path, text, "ratio")
    out = tmp_path / "sobol"
    kw = {"method": "sobol", "n": 8, "seed": 1, "progress": False, "out": out}
    ms.sensitivity(m, "X", ["k_in", "k_out"], factor=2.0, **kw)
    same = {p: (math.log(v / 2), math.log(v * 2)) for p, v in (("k_in", 20.0), ("k_out", 5.0))}
    with pytest.raises(ms.StoreError):
        ms.sensitivity(m, "X", ["k_in", "k_out"], bounds=same, **kw)


def test_sobol_warns_when_blocks_are_dropped(tmp_path: Path) -> None:
    m = _load(tmp_path, GROWTH, "growth")
    kw = {
        "method": "sobol",
        "n": 32,
        "progress": False,
        "bounds": {"k_in": (1.0, 2.0), "a": (0.0, 1.5)},
    }
    with pytest.warns(
        RuntimeWarning, match=r"of 32 Sobol blocks were dropped: \d+ points"
    ) as caught:
        s = ms.sensitivity(m, "X", ["k_in", "a"], **kw)
    assert caught[0].filename == __file__  # points at the caller's line
    assert 0 < s.settings["n_failed"] and 2 <= s.settings["blocks_used"] < 32
    with warnings.catch_warnings():  # every point steady: no block dropped
        warnings.simplefilter("ignore", RuntimeWarning)  # n = 32: imprecise indices
        warnings.filterwarnings("error", "of 32 Sobol blocks were dropped", RuntimeWarning)
        kw["bounds"]["a"] = (0.0, 0.9)
        assert ms.sensitivity(m, "X", ["k_in", "a"], **kw).settings["blocks_used"] == 32


def test_default_parameters_leave_out_doses_and_readout_references(model: ms.Model) -> None:
    from mtor_sim._sensitivity import _default_parameters

    params = set(_default_parameters(model))
    assert {"PTEN_total", "mTORC2_total", "GF"} <= params
    assert not params & set(model._layout.references)
    assert "eIF4E_ref" in model._layout.references  # the normaliser that used to rank 2nd
    assert not params & set(model._layout.drug_parameters.values())


def test_local_on_the_pathway(model: ms.Model) -> None:
    s = (
        ms.sensitivity(
            model, ["pS6K1"], ["PTEN_total", "TSC2_total", "RHEB_total", "GF"], progress=False
        )
        .to_dataframe()
        .set_index("parameter")["sensitivity"]
    )
    assert s["PTEN_total"] < 0 and s["TSC2_total"] < 0  # the brakes
    assert s["RHEB_total"] > 0 and s["GF"] > 0  # the accelerators


def test_local_on_genotype_background(model: ms.Model) -> None:
    """Around PTEN loss the derivative is taken at the reduced PTEN level, not the WT one."""
    s = ms.sensitivity(
        model, "pAKT_S473", ["PTEN_total"], genotype="PTEN_loss", progress=False
    ).to_dataframe()
    assert s["value"].iloc[0] < model.parameters["PTEN_total"]


def test_tornado_plot(model: ms.Model, tmp_path: Path) -> None:
    s = ms.sensitivity(
        model,
        "proliferation",
        ["PTEN_total", "TSC2_total", "RHEB_total", "AKT_total"],
        progress=False,
    )
    s.plot().savefig(tmp_path / "t.png")
    assert (tmp_path / "t.png").stat().st_size > 5_000
    # top=-1 drew every bar but the last, with no word
    with pytest.raises(ValueError, match="`top` must be >= 1"):
        s.plot(top=-1)


@pytest.mark.parametrize(
    "kw, err, match",
    [
        ({"method": "morris"}, ms.UnknownNameError, "unknown sensitivity method"),
        ({"vary": ["PTEN_totl"]}, ms.UnknownNameError, "did you mean 'PTEN_total'"),
        ({"rel_step": 0}, ValueError, "`rel_step` must be > 0"),
        ({"method": "sobol", "factor": 1.0}, ValueError, "`factor` must be > 1"),
        ({"method": "sobol", "n": 1}, ValueError, "`n` must be >= 2"),
        (
            {"method": "sobol", "bounds": {"PTEN_total": (2, 1)}, "vary": ["PTEN_total"]},
            ValueError,
            "low < high",
        ),
    ],
)
def test_bad_input(model: ms.Model, kw: dict, err: type, match: str) -> None:
    kw.setdefault("vary", ["PTEN_total", "GF"])
    with pytest.raises(err, match=match):
        ms.sensitivity(model, "pS6K1", progress=False, **kw)


def test_step_is_not_undone_by_a_background_input(model: ms.Model) -> None:
    """GF is both a parameter and an input: a background input must not erase the step."""
    s = ms.sensitivity(model, "pS6K1", ["GF"], inputs={"GF": 0.3}, progress=False)
    row = s.to_dataframe().iloc[0]
    assert row["value"] == pytest.approx(0.3) and row["sensitivity"] > 0.01


def test_step_is_not_undone_by_a_background_drug(model: ms.Model) -> None:
    """A background dose of the drug whose dose parameter is varied overwrote the step:
    the sensitivity was 0 with status ok."""
    s = ms.sensitivity(
        model, "pS6K1", ["dose_everolimus"], drugs={"everolimus": 10}, progress=False
    )
    row = s.to_dataframe().iloc[0]
    h = 1e-3
    up, down = (model.steady_state(drugs={"everolimus": 10 * f})["pS6K1"] for f in (1 + h, 1 - h))
    assert row["value"] == pytest.approx(10.0)
    assert row["sensitivity"] == pytest.approx(math.log(up / down) / (2 * h), rel=1e-3)
    assert row["sensitivity"] < -0.1


def test_a_drug_that_scales_the_varied_parameter_scales_it_once(tmp_path: Path) -> None:
    """With ``targets``, a drug scales a parameter by (1 - occupancy): the step was scaled
    again. y* = a + 2 b, so d ln y / d ln a = a_eff / (a_eff + 2 b)."""
    path = tmp_path / "lin.ant"
    path.write_text(
        "model lin\n  species y = 3\n  a = 1; b = 1\n  J1: -> y; a + 2*b\n  J2: y -> ; y\nend\n"
    )
    m = ms.load_model(path, targets={"AKT": ["a"]})
    drugs = {"MK2206": 1000.0}
    a_eff = m.steady_state(drugs=drugs)["y"] - 2.0
    k = ms.load_model().parameters["K_MK2206_AKT"]  # the catalogue's potency
    assert a_eff == pytest.approx(k / (k + 1000.0), rel=1e-6)  # a scaled once by 1 - occupancy
    loc = ms.sensitivity(m, "y", ["a", "b"], drugs=drugs, progress=False).to_dataframe()
    assert loc["value"].tolist() == pytest.approx([a_eff, 1.0])
    assert loc["sensitivity"].tolist() == pytest.approx(
        [a_eff / (a_eff + 2), 2 / (a_eff + 2)], rel=1e-4
    )
    # a ~ U(0, 1) and 2 b with b ~ U(0.5, 1) have equal variances: ST = 0.5 each when the
    # samples run in the stated ranges (a scaled again by 1 - occupancy gave ST_a ~ 0.01)
    bounds = {"a": (0.0, 1.0), "b": (0.5, 1.0)}
    sob = ms.sensitivity(
        m, "y", ["a", "b"], drugs=drugs, method="sobol", n=64, bounds=bounds, progress=False
    ).to_dataframe()
    assert sob["ST"].tolist() == pytest.approx([0.5, 0.5], abs=0.15)


def test_sobol_ranges_centre_on_the_genotype(model: ms.Model) -> None:
    s = ms.sensitivity(
        model,
        "pAKT_S473",
        ["PTEN_total", "GF"],
        method="sobol",
        n=8,
        genotype="PTEN_loss",
        progress=False,
    )
    lo, hi = s.settings["bounds"]["PTEN_total"]
    pten = 0.1 * model.parameters["PTEN_total"]  # the preset's value, not the wild type's
    assert lo == pytest.approx(pten / 2) and hi == pytest.approx(pten * 2)


def test_sobol_default_ranges_stop_at_the_limits_a_parameters_meaning_sets(
    model: ms.Model,
) -> None:
    """A fraction's default range ran past 1 (rapalog-resistant 4EBP1 share 0.6 over
    [0.3, 1.2], a_T308_only 1 over [0.5, 2]): values with no meaning. The range stops at
    the catalogue's limits; an explicit range past them warns."""
    kw = {"method": "sobol", "n": 8, "progress": False, "drugs": {"everolimus": 10.0}}
    vary = ["rapa_res_4EBP1", "a_T308_only", "k_T308"]
    s = ms.sensitivity(model, "p4EBP1", vary, **kw)
    assert s.settings["bounds"]["rapa_res_4EBP1"] == pytest.approx((0.3, 1.0))
    assert s.settings["bounds"]["a_T308_only"] == pytest.approx((0.5, 1.0))
    k = model.parameters["k_T308"]  # no limit: the whole factor
    assert s.settings["bounds"]["k_T308"] == pytest.approx((k / 2, k * 2))
    with pytest.warns(RuntimeWarning, match=r"rapa_res_4EBP1 over \[0.3, 1.5\].*<= 1"):
        ms.sensitivity(model, "p4EBP1", vary, bounds={"rapa_res_4EBP1": (0.3, 1.5)}, **kw)


def test_a_readout_zero_up_to_round_off_has_no_sensitivity(model: ms.Model) -> None:
    """Readouts of a knocked-out kinase's substrate end at 3e-15 or -4e-17, not 0: their
    log sensitivities were -3000 (p4EBP1, mTORC1 knocked out) and changed sign with the
    step, status "ok". Within the solver's absolute tolerance a readout is 0."""
    with pytest.warns(RuntimeWarning, match="p4EBP1 is 0 at the reference"):
        s = ms.sensitivity(model, "p4EBP1", ["k_PIP3_syn"], knockouts=["mTORC1"], progress=False)
    row = s.to_dataframe().iloc[0]
    assert 0 < abs(model.steady_state(knockouts=["mTORC1"])["p4EBP1"]) < 1e-12
    assert math.isnan(row["sensitivity"]) and row["status"] == "zero_readout"
    assert s.status == "failed"


def test_a_model_in_molar_units_keeps_its_sensitivities(tmp_path) -> None:
    """Round-off is relative to the state's size: with species of 1e-13 the analytic
    elasticities (1, -1, 0) came back NaN and zero_readout under an absolute 1e-12."""
    path = tmp_path / "molar.ant"
    path.write_text(
        "model molar\n  species A = 0, B = 0\n  J0: -> A; ks\n  J1: A -> B; kd*A\n"
        "  J2: B -> ; 0.1*B\n  ks = 1e-13; kd = 0.5\nend\n"
    )
    m = ms.load_model(path)
    s = ms.sensitivity(m, ["A", "B"], ["ks", "kd"], progress=False)
    t = s.to_dataframe().set_index(["parameter", "readout"])["sensitivity"]
    assert s.status == "ok"
    assert t.to_numpy() == pytest.approx([1.0, 1.0, -1.0, 0.0], abs=1e-5)
    sobol = ms.sensitivity(m, ["A"], ["ks", "kd"], method="sobol", n=8, progress=False)
    # defined indices (n = 8 leaves them imprecise, which the status says)
    assert sobol.status == "imprecise" and sobol.to_dataframe()["S1"].notna().all()


def test_sobol_indices_of_a_readout_without_variance_are_undefined(model: ms.Model) -> None:
    """A readout that does not vary over the sample (no drug, so the drugs' potencies do
    nothing) gave S1 = ST = 0 with confidence 0, status "ok" (SALib divides by its
    standard deviation); one at 0 up to round-off (pAKT_T308 with PDK1 knocked out) gave
    ST of 0.8-1.2. Both are NaN now, with a status and a warning."""
    with pytest.warns(RuntimeWarning, match="pS6K1 is constant over the sample"):
        s = ms.sensitivity(
            model,
            ["pS6K1"],
            ["K_everolimus_FRB", "K_sorafenib_RAF"],
            method="sobol",
            n=8,
            progress=False,
        )
    assert set(s.to_dataframe()["status"]) == {"constant_readout"} and s.status == "failed"
    assert s.to_dataframe()[["S1", "ST"]].isna().all().all()
    assert "solved without a defined value (constant_readout: 32)" in s.message
    with pytest.warns(RuntimeWarning, match="pAKT_T308 is 0 over the sample"):
        z = ms.sensitivity(
            model,
            ["pAKT_T308", "PIP3"],
            ["AKT_total", "k_PIP3_syn"],
            knockouts=["PDK1"],
            method="sobol",
            n=8,
            progress=False,
        )
    t = z.to_dataframe().set_index("readout")
    assert set(t.loc["pAKT_T308", "status"]) == {"zero_readout"}
    # defined (n = 8 leaves them imprecise, which the status says too)
    assert set(t.loc["PIP3", "status"]) == {"imprecise"} and t.loc["PIP3", "ST"].notna().all()
    assert z.status == "partial"
    import matplotlib.pyplot as plt

    plt.close(z.plot("PIP3"))


def test_a_readout_at_zero_warns_that_its_log_sensitivity_is_undefined(model: ms.Model) -> None:
    with pytest.warns(RuntimeWarning, match="pAKT_S473 is 0 at the reference"):
        s = ms.sensitivity(model, ["pAKT_S473", "pS6K1"], ["GF"], knockouts=["AKT"], progress=False)
    table = s.to_dataframe().set_index("readout")
    assert math.isnan(table.loc["pAKT_S473", "sensitivity"])
    # the result's status says so too (it said "ok"); the other readout keeps its value
    assert list(table["status"]) == ["zero_readout", "ok"] and s.status == "partial"
    assert math.isfinite(table.loc["pS6K1", "sensitivity"])


def test_imprecise_sobol_indices_are_not_ok(model: ms.Model) -> None:
    """With n = 2 the indices of pS6K1 summed to 1.57 (S1 above ST, half-widths up to
    0.56) and read "ok" without a warning. Intervals wider than +-0.1 make the result
    "imprecise", with the n that would narrow them; that n does."""
    vary = ["TSC2_total", "PTEN_total", "GF"]
    kw = {"method": "sobol", "seed": 0, "progress": False}
    with pytest.warns(RuntimeWarning, match="pS6K1 .95 % half-width up to 0.56. are imprecise"):
        s = ms.sensitivity(model, "pS6K1", vary, n=2, **kw)
    assert (s.status, s.success) == ("imprecise", False)
    assert set(s.to_dataframe()["status"]) == {"imprecise"}
    assert s.imprecise == {"pS6K1": pytest.approx(0.5598, abs=1e-3)}
    with pytest.warns(RuntimeWarning, match="imprecise at n = 256"):
        default = ms.sensitivity(model, "pS6K1", vary, **kw)
    enough = int(default.message.split("n of about ")[1].split()[0])
    assert enough == 1024
    again = ms.sensitivity(model, "pS6K1", vary, n=enough, **kw)
    assert again.status == "ok" and not again.imprecise, again.message
    assert again.to_dataframe()[["S1_conf", "ST_conf"]].max().max() <= 0.1
    # the indices themselves: TSC2 carries most of pS6K1's variance over these ranges
    assert again.to_dataframe()["ST"].tolist() == pytest.approx([0.849, 0.15, 0.002], abs=0.02)


def test_a_parameter_named_twice_by_id_and_sbml_name_is_refused(tmp_path: Path) -> None:
    """``vary=["k_out", "decay"]`` named one parameter twice: local sensitivities listed
    it twice and Sobol ended in an IndexError (SALib took the two as one group)."""
    m = _load(tmp_path, RATIO.replace("end", '  k_out is "decay"\nend'), "named")
    for method in ("local", "sobol"):
        with pytest.raises(ValueError, match="'k_out' and 'decay' are 'k_out'"):
            ms.sensitivity(m, "X", ["k_in", "k_out", "decay"], method=method, progress=False)


def test_bounds_take_the_sbml_names_vary_takes(tmp_path: Path) -> None:
    """``vary=["decay"]`` worked, but ``bounds={"decay": ...}`` was refused as unknown."""
    m = _load(tmp_path, RATIO.replace("end", '  k_out is "decay"\nend'), "named")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)  # imprecise at this small n
        s = ms.sensitivity(
            m,
            "X",
            ["k_in", "decay"],
            method="sobol",
            n=8,
            bounds={"decay": (0.2, 0.8)},
            progress=False,
        )
    assert s.settings["bounds"]["k_out"] == (0.2, 0.8)
    with pytest.raises(ValueError, match="`bounds` gives parameter 'k_out' twice"):
        ms.sensitivity(
            m,
            "X",
            ["k_out"],
            method="sobol",
            n=8,
            bounds={"k_out": (0.2, 0.8), "decay": (0.1, 0.9)},
            progress=False,
        )


def test_an_ensembles_default_list_leaves_out_parameters_at_zero() -> None:
    """Across an ensemble the default list kept a parameter a knockout sets to 0 (NaN in
    every member, counted as failed, without the warning one point gives); now left out,
    as for one point, and named in a warning when chosen."""
    m = ms.load_model()
    s = ms.sensitivity(m, "pS6K1", knockouts=["mTORC2"], ensemble=True, n_members=2, progress=False)
    assert "mTORC2_total" not in set(s["parameter"]) and "TSC2_total" in set(s["parameter"])
    with pytest.warns(RuntimeWarning, match="mTORC2_total is 0 here in every member"):
        s = ms.sensitivity(
            m,
            "pS6K1",
            ["mTORC2_total", "TSC2_total"],
            knockouts=["mTORC2"],
            ensemble=True,
            n_members=2,
            progress=False,
        )
    assert list(s["n_failed"]) == [2, 0]
