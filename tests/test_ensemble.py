"""Parameter ensembles: member models, the shipped calibrated ensemble, ensemble verbs."""

from __future__ import annotations

import importlib.util
import json
import math
import warnings

import numpy as np
import pandas as pd
import pytest
from conftest import REFERENCE_DIR, REPO
from numpy.testing import assert_allclose

import mtor_sim as ms

CALIBRATE = REPO / "models" / "calibrate_ensemble.py"
ENSEMBLE = REPO / "models" / "ensemble.csv"


@pytest.fixture(scope="module")
def calibrate():
    spec = importlib.util.spec_from_file_location("_calibrate_ensemble", CALIBRATE)
    assert spec is not None and spec.loader is not None
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


# ------------------------------------------------------------------ with_parameters
def test_copy_with_new_defaults_matches_a_per_call_override(model):
    v = {"k_PIP3_syn": 2.0 * model.parameters["k_PIP3_syn"]}
    copy = model.with_parameters(v)
    assert_allclose(
        copy.steady_state().readouts,
        model.steady_state(parameters=v).readouts,
        rtol=1e-6,
        atol=1e-9,
    )
    assert copy.parameters["k_PIP3_syn"] == v["k_PIP3_syn"]
    assert model.parameters["k_PIP3_syn"] == v["k_PIP3_syn"] / 2.0  # original unchanged
    assert copy.hash != model.hash and copy.is_bundled
    assert copy.with_parameters({}).hash == copy.hash


def test_genotype_presets_act_on_the_copys_defaults(model):
    # PIK3CA_gain scales PI3K_cat; an override would replace that scaling, a default not
    copy = model.with_parameters({"PI3K_cat": 2.0})
    geno = ms.GENOTYPES["PIK3CA_gain"]
    expected = {p: (2.0 if p == "PI3K_cat" else model.parameters[p]) * f for p, f in geno.scale}
    expected |= dict(geno.set)
    assert_allclose(
        copy.steady_state(genotype="PIK3CA_gain")["PIP3"],
        model.steady_state(parameters=expected)["PIP3"],
        rtol=1e-6,
    )


def test_copy_writes_its_values_into_its_sbml(model):
    import libsbml

    copy = model.with_parameters({"k_PTEN": 0.5})
    doc = libsbml.readSBMLFromString(copy.sbml)
    assert doc.getModel().getParameter("k_PTEN").getValue() == 0.5


def test_with_parameters_refuses_bad_input(model):
    with pytest.raises(ms.UnknownNameError, match="k_PTEN"):
        model.with_parameters({"k_PTENN": 1.0})
    with pytest.raises(ValueError, match="k_PTEN"):
        model.with_parameters({"k_PTEN": -1.0})
    with pytest.raises(TypeError, match="mapping"):
        model.with_parameters([("k_PTEN", 1.0)])


# ------------------------------------------------------------------ shipped ensemble
pytestmark_shipped = pytest.mark.skipif(not ENSEMBLE.exists(), reason="no ensemble.csv")


@pytestmark_shipped
def test_shipped_ensemble_has_enough_members(model):
    for which in ("all", "verified"):
        ens = ms.load_ensemble(which)
        assert len(ens) >= 200
        assert set(ens.columns) <= set(model.parameters.index)
        assert (ens.to_numpy() > 0).all()
    made = ms.load_ensemble().attrs["made_by"]
    assert {"seed", "draws", "keep", "prior", "constraints", "likelihood", "tolerance"} <= set(made)
    for which in ("all", "verified"):
        meeting = made["draws_meeting_every_row"][which]
        assert meeting >= made["keep"] and made["acceptance_rate"][which] == pytest.approx(
            meeting / made["draws"]
        )
        assert made["fraction_of_rows_holding"][f"ensemble_{which}"].keys() >= set(
            made["constraints"][which]
        )
        held = made["fraction_of_rows_holding"][f"ensemble_{which}"]
        assert all(held[i] == 1.0 for i in made["constraints"][which])


@pytestmark_shipped
def test_shipped_members_meet_every_calibration_row(model, calibrate):
    """Zero-tolerance acceptance: a member meets every relation it is calibrated on,
    checked again here on a few members by solving their conditions."""
    runner = calibrate.helpers()[0]
    rows = calibrate.calibration_rows()
    ens = ms.load_ensemble()
    for draw in ens.index[:: max(1, len(ens) // 4)][:4]:
        member = model.with_parameters(ens.loc[draw].to_dict())
        margins = [calibrate.margin(r) for r in runner.validate(member, rows)]
        assert min(margins) > 0, (draw, dict(zip([r["id"] for r in rows], margins, strict=True)))


@pytestmark_shipped
def test_shipped_ensemble_regenerates_from_its_seed(model, calibrate):
    """A member's parameters are its prior draw (seed, draw index) with references
    recomputed: the script is the ensemble's full recipe."""
    ens = ms.load_ensemble()
    made = ens.attrs["made_by"]
    _, robust, references = calibrate.helpers()
    kinetic = robust.classify_parameters(model)["kinetic"]
    assert kinetic == made["prior"]["parameters"]
    draw = int(ens.index[0])
    sigmas = calibrate.prior_sigmas(
        kinetic, made["prior"]["sigma"], made["prior"].get("sigma_overrides", {})
    )
    assert made["prior"].get("sigma_overrides", {}) == calibrate.PRIOR_SIGMA
    bounded = {p: list(b) for p, b in robust.BOUNDS.items() if p in kinetic}
    assert made["prior"]["bounded"] == bounded
    factors = calibrate.prior_factors(made["seed"], draw, sigmas)
    values = calibrate.member_values(model, kinetic, factors, references)
    assert values is not None
    shipped = ens.loc[draw]
    assert_allclose([values[k] for k in shipped.index], shipped.to_numpy(), rtol=1e-6)


@pytestmark_shipped
def test_shipped_ensemble_was_made_for_this_model_and_these_rows(model, calibrate):
    """The sidecar's fingerprint matches the bundled model, the calibration rows' tests,
    the prior and the references: an edit to any of them without rebuilding the
    ensemble (``python models/calibrate_ensemble.py``) fails here."""
    made = ms.load_ensemble().attrs["made_by"]
    kinetic = made["prior"]["parameters"]
    now = calibrate.fingerprint(model, kinetic, made["seed"])
    stale = [
        k
        for k in ("model", "calibration_rows", "prior", "references", "seed")
        if made["fingerprint"][k] != now[k]
    ]
    assert not stale, f"ensemble.csv is stale for: {', '.join(stale)}"


@pytestmark_shipped
def test_shipped_members_respect_the_bounds_of_their_constants(model, calibrate):
    """A fraction of a maximum stays <= 1 and a coupling factor >= 1 in every member of
    both ensembles, each bounded value being its raw prior draw reflected (no solve)."""
    robust = calibrate.helpers()[1]  # that the sidecar records these: the regeneration test
    made = ms.load_ensemble().attrs["made_by"]
    kinetic = made["prior"]["parameters"]
    sigmas = calibrate.prior_sigmas(kinetic, made["prior"]["sigma"], calibrate.PRIOR_SIGMA)
    members = pd.concat([ms.load_ensemble("all"), ms.load_ensemble("verified")])
    members = members[~members.index.duplicated()]
    drawn = {p: b for p, b in robust.BOUNDS.items() if p in kinetic}
    reflected = dict.fromkeys(drawn, 0)
    for draw, shipped in members.iterrows():
        draws = calibrate.prior_factors(made["seed"], int(draw), sigmas)
        factors = dict(zip(kinetic, draws, strict=True))
        for name, (low, high) in drawn.items():
            raw = model.parameters[name] * factors[name]
            assert shipped[name] == pytest.approx(robust.bounded(name, raw), rel=1e-6), name
            assert (high is None or shipped[name] <= high * (1 + 1e-9)) and (
                low is None or shipped[name] >= low * (1 - 1e-9)
            ), name
            reflected[name] += bool((high and raw > high) or (low and raw < low))
    # without the bounds, members would lie beyond them
    assert reflected["WNT_inhib"] > 0 and reflected["a_T308_only"] > 0


def test_a_drawn_value_beyond_its_bound_is_reflected_in_log_space(calibrate):
    robust = calibrate.helpers()[1]
    assert robust.bounded("a_T308_only", 1.25) == pytest.approx(0.8)
    assert robust.bounded("a_T308_only", 0.8) == 0.8
    assert robust.bounded("f_T308_pS473", 0.5) == pytest.approx(2.0)
    assert robust.bounded("k_RHEB_gap", 123.0) == 123.0  # unbounded


def test_calibration_never_uses_a_claim_or_a_validation_row(calibrate):
    rows = calibrate.calibration_rows()
    assert rows and all(r["use"] == "calibration" and not r["overlaps_claim"] for r in rows)
    assert {r["id"] for r in calibrate.calibration_rows(verified_only=True)} < {
        r["id"] for r in rows
    }


def test_margin_and_likelihood(calibrate):
    assert calibrate.margin({"fold": 2.0, "rhs": 1.0, "op": ">"}) == pytest.approx(math.log(2))
    assert calibrate.margin({"fold": 2.0, "rhs": 1.0, "op": "<"}) == pytest.approx(-math.log(2))
    assert calibrate.margin({"fold": 1.0, "rhs": 1.0, "op": "~"}) == pytest.approx(math.log(1.1))
    # "~" holds exactly where the validation runner passes it: 0.9 <= fold / rhs <= 1.1
    assert calibrate.margin({"fold": 0.905, "rhs": 1.0, "op": "~"}) > 0
    assert calibrate.margin({"fold": 0.895, "rhs": 1.0, "op": "~"}) < 0
    assert calibrate.margin({"fold": 1.105, "rhs": 1.0, "op": "~"}) < 0
    assert math.isnan(calibrate.margin({"fold": math.nan, "rhs": 1.0, "op": ">"}))
    # a relation held by a wide margin costs ~0; one violated costs ~ |m| / scale
    assert calibrate.log_likelihood(np.array([10.0])) == pytest.approx(0.0, abs=1e-12)
    assert calibrate.log_likelihood(np.array([-1.0])) == pytest.approx(
        -1.0 / calibrate.SCALE, rel=1e-6
    )
    assert calibrate.log_likelihood(np.array([0.1, math.nan])) == -math.inf


def test_moving_the_thresholds_shifts_each_margin_by_its_log_change(calibrate):
    rows = [
        {"id": "A", "model_op": ">", "model_threshold": "1.05"},
        {"id": "B", "model_op": "<", "model_threshold": "0.95"},
    ]
    table = pd.DataFrame({"m_A": [0.01, -0.02], "m_B": [0.03, math.nan]})
    assert_allclose(calibrate.at_effect(table, rows, 0.05), table)  # the table's own 5 %
    direction = calibrate.at_effect(table, rows, 0.0)
    assert_allclose(direction["m_A"], table["m_A"] + math.log(1.05))
    assert_allclose(direction["m_B"], table["m_B"] - math.log(0.95))
    stricter = calibrate.at_effect(table, rows, 0.10)
    assert (stricter["m_A"] < table["m_A"]).all() and stricter["m_B"][0] < table["m_B"][0]
    with pytest.raises(ValueError, match="no threshold"):
        calibrate.at_effect(table, [{"id": "A", "model_op": "~", "model_threshold": "1"}], 0)
    with pytest.raises(ValueError, match="not the 5 % convention"):  # never silently reset
        calibrate.at_effect(table, [{"id": "A", "model_op": ">", "model_threshold": "1.5"}], 0)


def test_saved_draws_are_reused_only_for_the_same_calibration(calibrate, tmp_path):
    """``--draws-in`` trusts saved margins only when the model, rows, prior, references,
    seed and package they were computed with are this run's (the fingerprint)."""
    table, kinetic = calibrate.run(2, calibrate.SEED, progress=False)
    path = tmp_path / "draws.csv"
    calibrate.write_draws(table, path, calibrate.SEED)
    back, names = calibrate.read_draws(path, 2, calibrate.SEED)
    assert names == kinetic
    assert_allclose(back[kinetic].to_numpy(), table[kinetic].to_numpy(), rtol=1e-9)
    with pytest.raises(SystemExit, match="different seed"):
        calibrate.read_draws(path, 2, calibrate.SEED + 1)
    stamp = path.with_name(path.name + ".fingerprint.json")
    saved = json.loads(stamp.read_text())
    stamp.write_text(json.dumps(saved | {"calibration_rows": "0" * 16}))
    with pytest.raises(SystemExit, match="different calibration_rows"):
        calibrate.read_draws(path, 2, calibrate.SEED)
    stamp.unlink()
    with pytest.raises(SystemExit, match="no draws.csv.fingerprint.json"):
        calibrate.read_draws(path, 2, calibrate.SEED)


# ------------------------------------------------------------------ ensemble verbs
@pytestmark_shipped
def test_steady_state_over_the_ensemble_returns_quantiles(model):
    q = model.steady_state(drugs={"everolimus": 10}, ensemble=True, n_members=4)
    assert list(q.columns) == ["q0.05", "q0.5", "q0.95", "mean", "n_members", "n_failed"]
    assert set(q.index) == set(model.readouts)
    assert (q["q0.05"] <= q["q0.5"]).all() and (q["q0.5"] <= q["q0.95"]).all()
    assert (q["n_members"] == 4).all()


def test_steady_state_over_a_given_ensemble(model):
    table = pd.DataFrame({"k_PTEN": [model.parameters["k_PTEN"]] * 2})
    q = ms.steady_state(model, ensemble=table)
    assert_allclose(q["q0.5"], model.steady_state().readouts.reindex(q.index), rtol=1e-6)
    with pytest.raises(TypeError, match="ensemble"):
        ms.steady_state(model, ensemble=3)
    with pytest.raises(ms.UnknownNameError):
        ms.steady_state(model, ensemble=pd.DataFrame({"k_nope": [1.0]}))


@pytestmark_shipped
def test_claims_over_the_ensemble(model):
    table = ms.claims.check_all(model, ensemble=True, n_members=2)
    assert list(table["claim"]) == list(range(1, 16))
    assert {"claim", "pass_fraction", "n_members", "passed_bundled"} <= set(table.columns)
    assert table["pass_fraction"].between(0, 1).all() and (table["n_members"] == 2).all()
    flags = table.attrs["passed"]
    assert flags.shape == (2, 15)
    assert table.attrs["all_pass_fraction"] == flags.all(axis=1).mean()
    # each claim's mechanism control and its first effect, absolute and relative
    # of the members that show the effect (NaN when none does)
    removes, shown = table["control_removes_fraction"], table["effect_present_fraction"]
    assert (removes.between(0, 1) | (removes.isna() & (shown == 0))).all()
    assert shown.between(0, 1).all()
    # passing through the mechanism: passing, and the control removing the effect
    assert (table["mechanism_pass_fraction"] <= table["pass_fraction"]).all()
    assert (table.set_index("claim").loc[[5, 12], "mechanism_pass_fraction"] == 0).all()
    for kind in ("absolute", "relative"):
        q = table[[f"{kind}_q05", f"{kind}_q50", f"{kind}_q95"]].to_numpy()
        assert np.isfinite(q).all() and (np.diff(q, axis=1) >= 0).all()
    # each term of each claim's criterion: a claim passes only where all its terms hold
    terms = table.attrs["terms"]
    assert list(terms.columns) == ["claim", "term", "hold_fraction"]
    assert set(terms["claim"]) == set(range(1, 16))
    weakest = terms.groupby("claim")["hold_fraction"].min()
    by_claim = table.set_index("claim")
    assert (by_claim["pass_fraction"] <= weakest + 1e-12).all()
    assert_allclose(by_claim["weakest_term_fraction"], weakest)


@pytestmark_shipped
def test_a_member_without_a_steady_state_fails_its_claims_and_is_counted(model):
    """Claim 8 fitted a Hill curve through NaN (the member's doses without a steady
    state) and raised, losing the whole ensemble's table; every other claim already
    counted such a member as failed and not solved."""
    table = ms.load_ensemble().iloc[:2].copy()
    table.iloc[1, table.columns.get_indexer(["kdeg_RTK", "kdeg_RTKa"])] = 0.0  # RTK piles up
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        out = ms.claims.check_all(model, ensemble=table)
    assert (out["n_not_solved"] == 1).all()
    assert not out.attrs["passed"].iloc[1].any()
    assert (out.set_index("claim")["pass_fraction"] <= 0.5).all()


@pytestmark_shipped
def test_an_ensemble_run_on_another_model_says_so(model, tmp_path):
    """The bundled ensemble replaced a copy's edited constant without a word (k_PTEN x 4
    gave the bundled medians exactly), ran on an .ant whose rate law was edited, and a
    table without its members' references normalised every member by this model's (its
    proliferation quantiles 0.72x/0.87x/1.06x the right ones over 250 members)."""
    edited = model.with_parameters({"k_PTEN": 4 * model.parameters["k_PTEN"]})
    with pytest.warns(UserWarning, match=r"k_PTEN are replaced by each member's value"):
        ms.steady_state(edited, ensemble=True, n_members=2)
    potency = "K_everolimus_FRB"
    kept = model.with_parameters({potency: 2 * model.parameters[potency]})
    with pytest.warns(UserWarning, match=rf"{potency} are kept"):
        ms.steady_state(kept, ensemble=True, n_members=2)
    text = (REPO / "models" / "mtor_hcc.ant").read_text()
    rate = "k_PTEN*PTEN_total*PIP3"
    assert rate in text
    (tmp_path / "edited.ant").write_text(text.replace(rate, f"2 * {rate}", 1))
    with pytest.warns(UserWarning, match=r"in its model file \(its equations"):
        ms.steady_state(ms.load_model(tmp_path / "edited.ant"), ensemble=True, n_members=2)
    no_refs = ms.load_ensemble().iloc[:2]
    no_refs = no_refs[[c for c in no_refs.columns if c not in model._layout.references]]
    with pytest.warns(UserWarning, match="carry no value for RTK_ref"):
        ms.steady_state(model, ensemble=no_refs)
    potencies = pd.DataFrame({potency: [1.0, 2.0]})  # the untreated WT, hence its references, stay
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        ms.steady_state(model, ensemble=potencies)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        ms.steady_state(model, ensemble=True, n_members=2)  # the model it was made for
        # a drug dose set on a copy: members run under any drug
        dosed = model.with_parameters({"dose_sirolimus": 10.0})
        ms.steady_state(dosed, ensemble=True, n_members=2)
        # the file deleted (or edited) after loading: the model is what was loaded
        (tmp_path / "copy.ant").write_text(text)
        copy = ms.load_model(tmp_path / "copy.ant")
        (tmp_path / "copy.ant").unlink()
        ms.steady_state(copy, ensemble=True, n_members=2)


@pytestmark_shipped
def test_a_readout_at_zero_says_why_its_sensitivities_are_missing(model):
    """With Akt knocked out pAKT_S473 is 0: one model's call warns that its log
    sensitivity is undefined, the ensemble's counted every member as failed in silence."""
    with pytest.warns(
        RuntimeWarning, match="pAKT_S473 is 0 at the reference steady state of 3 of 3"
    ):
        q = ms.sensitivity(
            model,
            ["pAKT_S473"],
            ["k_T308"],
            knockouts=["AKT"],
            ensemble=True,
            n_members=3,
            progress=False,
        )
    assert q["n_failed"].iloc[0] == 3 and np.isnan(q["q0.5"].iloc[0])
    assert q.attrs["status"] == "failed"


@pytestmark_shipped
def test_sweep_over_the_ensemble_matches_each_members_own_sweep(model, tmp_path):
    """Every member runs every point in one batch, in chunks that straddle members, on
    worker processes, streamed and resumed: the quantiles per point are those of each
    member's own sweep (a swept parameter holds in every member, genotype presets act
    on each member's values)."""
    from mtor_sim._ensemble import members

    space = {"k_PTEN": (0.2, 2.0), "genotype": ["WT", "PIK3CA_gain"]}
    kw = {"method": "lhs", "n": 3, "seed": 1, "progress": False}
    over = {"ensemble": True, "n_members": 4, "chunk_size": 5, "out": tmp_path / "parts"}
    reads = ["pS6K1", "pAKT_S473"]
    q = ms.sweep(model, space, reads, backend="processes", n_workers=2, **over, **kw)
    own = [ms.sweep(m, space, reads, **kw).table for m in members(model, True, n=4)]
    assert len(q) == 2 * 6 and (q["n_members"] == 4).all() and (q["n_failed"] == 0).all()
    for r in reads:
        mine = q[q["readout"] == r]
        values = np.stack([o[r].to_numpy() for o in own])
        assert_allclose(mine["q0.5"], np.quantile(values, 0.5, axis=0), rtol=1e-8)
        assert_allclose(mine["q0.95"], np.quantile(values, 0.95, axis=0), rtol=1e-8)
        assert (
            mine[["k_PTEN", "genotype"]].values.tolist()
            == own[0][["k_PTEN", "genotype"]].values.tolist()
        )
    again = ms.sweep(model, space, reads, **over, **kw)
    assert again.attrs["settings"]["resumed_points"] == 24
    assert_allclose(again["q0.5"], q["q0.5"])
    with pytest.raises(ValueError, match="n_members"):
        ms.sweep(model, {"GF": [0.5, 1]}, n_members=3)
    broken = ms.load_ensemble().iloc[:3].copy()
    broken.iloc[1, broken.columns.get_indexer(["kdeg_RTK", "kdeg_RTKa"])] = 0.0  # no steady state
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        failed = ms.sweep(model, {"everolimus": [0, 10]}, ["pAKT_S473"], ensemble=broken)
    assert (failed["n_failed"] == 1).all() and failed["q0.5"].notna().all()


@pytestmark_shipped
def test_conditions_over_the_ensemble_match_each_members_own_steady_states(model):
    """`steady_states(ensemble=...)`: every member runs every condition in one batch
    (chunks straddle members); the quantiles per condition are those of each member's
    own conditions, a condition's genotype and parameters acting on each member."""
    from mtor_sim._ensemble import members

    conditions = {
        "untreated": {},
        "everolimus": {"drugs": {"everolimus": 10}},
        "WT, slower PTEN": {"genotype": "WT", "parameters": {"k_PTEN": 0.5}},
    }
    reads = ["pS6K1", "pAKT_S473"]
    kw = {"genotype": "PTEN_loss", "progress": False}
    q = ms.steady_states(model, conditions, reads, ensemble=True, n_members=5, **kw)
    own = [ms.steady_states(m, conditions, reads, **kw).table for m in members(model, True, n=5)]
    assert list(q["condition"]) == list(conditions) * 2 and (q["n_failed"] == 0).all()
    for r in reads:
        values = np.stack([o[r].to_numpy() for o in own])
        mine = q[q["readout"] == r]
        assert_allclose(mine["q0.5"], np.median(values, axis=0), rtol=1e-8)
        assert_allclose(mine["q0.05"], np.quantile(values, 0.05, axis=0), rtol=1e-8)
    # members differ in every condition, so matching quantiles is not a vacuous check
    assert np.ptp(values, axis=0).min() > 0


@pytestmark_shipped
def test_tumour_response_over_the_ensemble_matches_each_members_own_course(model):
    """Both arms of every member solved in one batch: the quantiles are those of each
    member's own course; a member without a steady state is counted, not averaged."""
    from mtor_sim._ensemble import members

    kw = {"genotype": "PTEN_loss", "days": 14.0}
    q = ms.tumour_response(model, {"everolimus": 10}, ensemble=True, n_members=6, **kw)
    own = [ms.tumour_response(m, {"everolimus": 10}, **kw) for m in members(model, True, n=6)]
    for name in ("reduction_percent", "treated_volume", "control_rate"):
        values = [getattr(r, name) for r in own]
        assert_allclose(q.loc[name, "q0.5"], np.median(values), rtol=1e-8)
        assert_allclose(q.loc[name, "q0.95"], np.quantile(values, 0.95), rtol=1e-8)
    assert np.ptp([r.reduction_percent for r in own]) > 1.0  # the members differ
    broken = ms.load_ensemble().iloc[:3].copy()
    broken.iloc[1, broken.columns.get_indexer(["kdeg_RTK", "kdeg_RTKa"])] = 0.0
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        failed = ms.tumour_response(model, {"everolimus": 10}, ensemble=broken, **kw)
    assert (failed["n_failed"] == 1).all() and failed["q0.5"].notna().all()


@pytestmark_shipped
def test_cli_sweep_over_the_ensemble(tmp_path, capsys):
    from mtor_sim.cli import main

    out = tmp_path / "q.csv"
    command = ["sweep", "--grid", "everolimus=0,10", "-r", "pAKT_S473", "--quiet"]
    assert main([*command, "--ensemble", "3", "-o", str(out)]) == 0
    table = pd.read_csv(out)
    assert list(table["everolimus"]) == [0, 10] and (table["n_members"] == 3).all()
    assert "3 ensemble members" in capsys.readouterr().err
    assert main([*command, "--ensemble", "3", "--plot", str(tmp_path / "x.png")]) == 2


def test_the_digest_follows_imported_files_and_small_values(model, tmp_path):
    """The digest hashed only the top file of an Antimony model that imports another (a
    changed rate law there kept it), and the check's comparison of values had numpy's
    absolute tolerance of 1e-8 (an input set to 5e-9 from 0 went unnamed)."""
    (tmp_path / "sub.ant").write_text(
        "model sub()\n  compartment c = 1; species S in c = 1;\n"
        "  J1: -> S; k; J2: S -> ; kd*S;\n  k = 1; kd = 0.1;\nend\n"
    )
    (tmp_path / "main.ant").write_text('import "sub.ant"\nmodel main()\n  A: sub();\nend\n')
    before = ms.load_model(tmp_path / "main.ant").digest
    (tmp_path / "sub.ant").write_text(
        (tmp_path / "sub.ant").read_text().replace("kd*S;", "kd*S*S;")
    )
    assert ms.load_model(tmp_path / "main.ant").digest != before
    tiny = model.with_parameters({"ENERGY_STRESS": 5e-9})
    with pytest.warns(UserWarning, match="ENERGY_STRESS are kept"):
        ms.steady_state(tiny, ensemble=True, n_members=1)


def test_report_lists_the_failing_terms_of_weak_claims():
    from mtor_sim._report import _weak_claims

    table = pd.DataFrame({"claim": [5, 6], "pass_fraction": [0.5, 1.0]})
    table.attrs["terms"] = pd.DataFrame(
        {
            "claim": [5, 5, 6],
            "term": ["mTORC1 >= 1.05x", "smaller fall", "AMPK <= 0.8"],
            "hold_fraction": [1.0, 0.5, 1.0],
        }
    )
    lines = _weak_claims(table)
    assert lines[-1] == "- claim 5 (0.50): smaller fall 0.50. No finding documented"
    assert not any("claim 6" in line for line in lines)
    found = _weak_claims(table, {5: ("ERK buffers TSC2", "MODEL_CARD 11"), 6: ("x", "y")})
    assert found[-1] == (
        "- claim 5 (0.50): smaller fall 0.50. **Found:** ERK buffers TSC2 (MODEL_CARD 11)"
    )
    table["pass_fraction"] = [0.95, 1.0]
    assert _weak_claims(table) == []


def test_the_bundled_findings_name_their_source_and_known_claims():
    """Every documented finding is about a claim of the review and says where it is shown."""
    from mtor_sim._claims import CLAIMS
    from mtor_sim._expectations import findings_of

    findings = findings_of(ms.load_model())
    assert findings and set(findings) <= set(CLAIMS)
    assert all(text and "MODEL_CARD" in source for text, source in findings.values())


@pytestmark_shipped
def test_reproduce_reports_the_ensemble(model, tmp_path):
    from mtor_sim._report import reproduce

    report = reproduce(
        model, tmp_path, formats=("png",), experiments=None, ensemble=True, n_members=2
    )
    assert list(report.ensemble["claim"]) == list(range(1, 16))
    assert report.validation is not None and report.validation.shape[0] == 2
    assert (tmp_path / "ensemble_claims.csv").exists()
    assert (tmp_path / "ensemble_terms.csv").exists()
    text = report.markdown.read_text()
    assert "Across the calibrated ensemble" in text and "Validation rows held out" in text
    assert "passes, control removing it" in text
    # the bundled ensemble's recipe is named; a caller's own table is not passed off as it
    assert "rejection ABC with zero tolerance" in text
    own = ms.load_ensemble().iloc[:2].copy()
    own.attrs = {}
    text = reproduce(
        model, tmp_path / "own", formats=("png",), experiments=None, ensemble=own
    ).markdown.read_text()
    assert "an ensemble given by the caller" in text and "zero tolerance" not in text

    # which shipped ensemble, and how many of its members; each member's verdicts
    (tmp_path / "v").mkdir()
    (tmp_path / "v" / "trial.csv").write_text("arm\nstale\n")  # from an earlier run
    report = reproduce(
        model,
        tmp_path / "v",
        formats=("png",),
        experiments=None,
        ensemble="verified",
        n_members=2,
        trial_patients=0,
    )
    text = report.markdown.read_text()
    assert "the first 2 of its 250 members; the `verified` ensemble" in text
    assert "`keep`" not in text
    members = pd.read_csv(tmp_path / "v" / "ensemble_members.csv", index_col="draw")
    assert members.shape == (2, 15)
    assert members.all(axis=1).mean() == pytest.approx(report.ensemble.attrs["all_pass_fraction"])
    assert not (tmp_path / "v" / "trial.csv").exists()  # a stale file is not left beside it
    # a run refused for its arguments removes nothing of the last one
    with pytest.raises(ValueError, match="more than the ensemble"):
        reproduce(model, tmp_path / "v", experiments=None, ensemble=True, n_members=999)
    assert (tmp_path / "v" / "ensemble_members.csv").exists()


@pytestmark_shipped
def test_reproduce_sets_the_trial_on_the_ensemble_beside_the_points(model, tmp_path):
    """With an ensemble the report's trial runs the same patients drawn on its members,
    beside the bundled point's, in the tables and the report."""
    report = _reproduce(
        model, out_dir=tmp_path, experiments=None, ensemble=True, n_members=3, trial_patients=40
    )
    own = ms.trial(model, n=40, seed=0, ensemble=True, n_members=3, progress=False)
    trial = pd.read_csv(tmp_path / "trial.csv").set_index("comparison")
    theirs = own.compare_with_review().set_index("comparison")
    assert_allclose(trial["ensemble_simulated"], theirs["simulated"].loc[trial.index])
    assert not np.allclose(trial["simulated"], trial["ensemble_simulated"])  # not one run twice
    orderings = pd.read_csv(tmp_path / "trial_orderings.csv")
    assert list(orderings["ensemble_passed"]) == list(ms.trial_claims(own)["passed"])
    text = report.markdown.read_text()
    assert "| on the ensemble (%) | 95 % interval | gap |" in text
    assert "| ordering | verdict | numbers | on the ensemble | numbers |" in text


@pytestmark_shipped
def test_members_are_normalised_to_their_own_wt(model):
    """References are recomputed per member: untreated WT indices are 1 in every member."""
    for _, values in ms.load_ensemble().iloc[:3].iterrows():
        ss = model.with_parameters(values.to_dict()).steady_state()
        assert_allclose([ss["proliferation"], ss["survival"], ss["EMT"]], 1.0, rtol=1e-5)


@pytestmark_shipped
def test_simulate_over_the_ensemble_returns_quantiles_in_time(model):
    q = model.simulate(t_end=120, n_points=5, drugs={"everolimus": 10}, ensemble=True, n_members=3)
    assert q.shape == (5, 3 * len(model.readouts))
    s6k = q["pS6K1"]
    assert list(s6k.columns) == ["q0.05", "q0.5", "q0.95"]
    assert (s6k["q0.05"] <= s6k["q0.95"]).all()
    assert s6k["q0.5"].iloc[-1] < s6k["q0.5"].iloc[0]  # the rapalog lowers pS6K1
    assert q.attrs == {"n_members": 3, "n_failed": 0, "status": "ok"}


def test_a_member_pickles_with_its_values(model):
    import pickle

    copy = model.with_parameters({"k_PTEN": 0.5 * model.parameters["k_PTEN"]})
    back = pickle.loads(pickle.dumps(copy))
    assert back.hash == copy.hash
    assert_allclose(back.steady_state()["pAKT_S473"], copy.steady_state()["pAKT_S473"], rtol=1e-9)


@pytestmark_shipped
def test_cli_steady_state_over_the_ensemble(tmp_path):
    from mtor_sim.cli import main

    out = tmp_path / "q.csv"
    assert main(["steady-state", "-d", "everolimus=10", "--ensemble", "3", "-o", str(out)]) == 0
    table = pd.read_csv(out, index_col=0)
    assert {"q0.05", "q0.5", "q0.95"} <= set(table.columns) and (table["n_members"] == 3).all()


@pytestmark_shipped
def test_cli_dose_response_and_simulate_over_the_ensemble(model, tmp_path, capsys):
    """README listed both verbs among those whose commands take --ensemble; neither did.
    Each writes the quantiles the Python verb gives (and the IC50s beside them)."""
    from mtor_sim.cli import main

    out = tmp_path / "dr.csv"
    command = ["dose-response", "everolimus", "--doses", "0,1,10,100", "-r", "pS6K1", "-q"]
    assert main([*command, "--ensemble", "3", "-o", str(out)]) == 0
    q = ms.dose_response(
        model,
        "everolimus",
        [0, 1, 10, 100],
        readout="pS6K1",
        ensemble=True,
        n_members=3,
        progress=False,
    )
    assert_allclose(pd.read_csv(out)["q0.5"], q["q0.5"], rtol=1e-9)
    ic50 = pd.read_csv(tmp_path / "dr_ic50.csv")
    assert_allclose(ic50["q0.5"], q.attrs["ic50"]["q0.5"], rtol=1e-9)
    assert "3 ensemble members" in capsys.readouterr().err
    assert main([*command, "--ensemble", "3", "--plot", str(tmp_path / "x.png")]) == 2

    out = tmp_path / "tc.csv"
    command = ["simulate", "-d", "everolimus=10", "--t-end", "60", "--points", "4"]
    assert main([*command, "--ensemble", "3", "-o", str(out)]) == 0
    table = pd.read_csv(out)
    q = model.simulate(t_end=60, n_points=4, drugs={"everolimus": 10}, ensemble=True, n_members=3)
    got = table.set_index(["time", "output"])["q0.5"]
    for t in (0.0, 60.0):
        assert got.loc[(t, "pAKT_S473")] == pytest.approx(q.loc[t, ("pAKT_S473", "q0.5")])
    assert (table["n_members"] == 3).all() and (table["n_failed"] == 0).all()
    assert main([*command, "--ensemble", "3", "--plot", str(tmp_path / "x.png")]) == 2


@pytest.mark.parametrize("given", ["0", "-3", "two"])
def test_cli_refuses_a_member_count_that_is_not_positive(given, capsys):
    """``--ensemble 0`` is refused, as ``n_members=0`` is, not read as the bare flag."""
    from mtor_sim.cli import main

    for command in (["steady-state"], ["reproduce"]):
        with pytest.raises(SystemExit) as exit_:
            main([*command, "--ensemble", given])
        assert exit_.value.code == 2
        assert "--ensemble" in capsys.readouterr().err


def test_ensemble_arguments_are_checked(model, tmp_path):
    with pytest.raises(ms.UnknownNameError, match="ensemble"):
        ms.load_ensemble("everything")
    with pytest.raises(ms.MtorSimError, match="calibrate_ensemble"):
        ms.load_ensemble(path=tmp_path / "missing.csv")
    table = pd.DataFrame({"k_PTEN": [model.parameters["k_PTEN"]]})
    with pytest.raises(ValueError, match="n"):
        ms.steady_state(model, ensemble=table, n_members=0)
    with pytest.raises(ValueError, match="no members"):
        ms.steady_state(model, ensemble=table.iloc[:0])


def _reproduce(model, **kwargs):
    from mtor_sim._report import reproduce

    return reproduce(model, **kwargs)


@pytest.mark.parametrize(
    "verb",
    [
        lambda m: ms.steady_state(m, n_members=3),
        lambda m: ms.steady_states(m, [{}], n_members=3),
        lambda m: ms.tumour_response(m, {"everolimus": 10}, n_members=3),
        lambda m: m.simulate(t_end=10, n_members=3),
        lambda m: ms.dose_response(m, "everolimus", [0, 10], n_members=3),
        lambda m: ms.combination(m, ("everolimus", "sorafenib"), [10], [1000], n_members=3),
        lambda m: ms.knockout_screen(m, nodes=["PTEN"], n_members=3),
        lambda m: ms.sensitivity(m, vary=["k_PTEN"], n_members=3),
        lambda m: ms.claims.check_all(m, n_members=3),
        lambda m: _reproduce(m, n_members=3),
    ],
    ids=[
        "steady_state",
        "steady_states",
        "tumour_response",
        "simulate",
        "dose_response",
        "combination",
        "knockout_screen",
        "sensitivity",
        "claims",
        "reproduce",
    ],
)
def test_a_member_count_without_an_ensemble_is_refused(model, verb):
    # ignored silently, it would return one model's answer where members were asked for
    with pytest.raises(ValueError, match="`n_members` .* needs `ensemble`"):
        verb(model)


def test_dose_response_over_the_ensemble_matches_each_members_own_model(model):
    """Quantiles of a dose-response across members, solved as one batch, equal those of
    each member's own model: genotype presets scale the member's values (PIK3CA gain
    scales k_PI3K_basal, which the members vary), explicit parameters override them."""
    import numpy as np

    from mtor_sim._ensemble import members

    doses = [0, 1, 10, 100, 1000]
    kw = {"readout": "pS6K1", "genotype": "PIK3CA_gain", "parameters": {"GF": 0.5}}
    q = ms.dose_response(model, "everolimus", doses, ensemble=True, n_members=6, **kw)
    assert list(q["dose"]) == doses and (q["n_members"] == 6).all() and (q["n_failed"] == 0).all()
    own = np.array(
        [
            [
                m.steady_state(
                    genotype="PIK3CA_gain", parameters={"GF": 0.5}, drugs={"everolimus": d}
                )["pS6K1"]
                for d in doses
            ]
            for m in members(model, True, n=6)
        ]
    )
    np.testing.assert_allclose(q["q0.5"], np.quantile(own, 0.5, axis=0), rtol=1e-8)
    np.testing.assert_allclose(q["q0.05"], np.quantile(own, 0.05, axis=0), rtol=1e-8)
    ic50 = q.attrs["ic50"]
    assert ic50["n_fitted"].iloc[0] == 6 and ic50["q0.05"].iloc[0] <= ic50["q0.95"].iloc[0]
    assert (q["q0.05"] <= q["q0.5"]).all() and (q["q0.5"] <= q["q0.95"]).all()


@pytestmark_shipped
def test_ensemble_ic50s_beyond_the_doses_are_counted_not_averaged(model):
    """Sorafenib up to 100 nM lowers pERK by a few per cent: each member's Hill curve
    puts its IC50 in the micromolar range, a guess, which was reported as the median."""
    with pytest.warns(RuntimeWarning, match="5 of 5 members' IC50s lie outside"):
        q = ms.dose_response(
            model, "sorafenib", [0, 0.1, 1, 10, 100], readout="pERK", ensemble=True, n_members=5
        )
    ic50 = q.attrs["ic50"].iloc[0]
    assert ic50["n_extrapolated"] == 5 and ic50["n_fitted"] == 0 and np.isnan(ic50["q0.5"])
    single = ms.dose_response(model, "sorafenib", [0, 0.1, 1, 10, 100], readout="pERK")
    assert bool(single.fit_table()["ic50_extrapolated"].iloc[0])


@pytestmark_shipped
def test_combination_over_the_ensemble_matches_each_members_own_matrix(model):
    """The everolimus + sorafenib matrix across members, solved as one batch: its
    quantiles equal those of each member's own `combination`, under a genotype preset."""
    import numpy as np

    from mtor_sim._ensemble import members

    kw = {"readout": "proliferation", "genotype": "PTEN_loss", "progress": False}
    pair, da, db = ("everolimus", "sorafenib"), [1, 10], [300, 3000]
    q = ms.combination(model, pair, da, db, ensemble=True, n_members=5, **kw)
    assert set(q["quantity"]) == {"response", "inhibition", "bliss", "hsa"}
    assert len(q) == 4 * 3 * 3 and (q["n_members"] == 5).all() and (q["n_failed"] == 0).all()
    own = [ms.combination(m, pair, da, db, **kw) for m in members(model, True, n=5)]
    for quantity, attr in (
        ("response", "response"),
        ("inhibition", "inhibition"),
        ("bliss", "bliss"),
    ):
        cube = np.stack([getattr(c, attr).to_numpy() for c in own])
        got = q[q["quantity"] == quantity]
        np.testing.assert_allclose(
            got["q0.5"].to_numpy(), np.quantile(cube, 0.5, axis=0).ravel(), rtol=1e-8, atol=1e-12
        )
    # over the combination cells, as each member's own scores: the single-agent row and
    # column (0 by definition) diluted it to 4/9 on this 3 x 3 grid
    mean_bliss = [float(c.bliss.to_numpy()[1:, 1:].mean()) for c in own]
    assert q.attrs["bliss_mean"]["q0.5"] == pytest.approx(np.median(mean_bliss), rel=1e-8)
    at_zero = q[(q["quantity"] == "inhibition") & (q["dose_a"] == 0) & (q["dose_b"] == 0)]
    assert float(at_zero["q0.95"].iloc[0]) == 0.0  # the reference inhibits nothing


@pytestmark_shipped
def test_one_failed_pair_blanks_only_its_cells_in_a_members_excess(model, monkeypatch):
    """A member with one failed dose pair lost its whole Bliss and HSA matrix; only the
    cells that need that pair are left out now, as in one model's own matrix."""
    import numpy as np

    import mtor_sim._dose_response as dr

    solved = dr._readouts_at

    def one_fails(*args, **kwargs):
        out = solved(*args, **kwargs)
        out[4] = (float("nan"), "solver_failed")  # member 0: everolimus 1 nM + sorafenib 300
        return out

    monkeypatch.setattr(dr, "_readouts_at", one_fails)
    pair, da, db = ("everolimus", "sorafenib"), [1, 10], [300, 3000]
    with pytest.warns(RuntimeWarning, match=r"up to 1 of 3 members had no value"):
        q = ms.combination(model, pair, da, db, ensemble=True, n_members=3, progress=False)
    assert q.attrs["status"] == "partial"
    bliss = q[q["quantity"] == "bliss"].set_index(["dose_a", "dose_b"])
    assert bliss.loc[(1.0, 300.0), "n_failed"] == 1
    assert bliss.loc[(10.0, 3000.0), "n_failed"] == 0  # needs neither 1 nM nor 300 nM alone
    assert bliss.loc[(1.0, 3000.0), "n_failed"] == 0
    assert q.attrs["bliss_mean"]["n_used"] == 2  # a mean needs the whole matrix
    assert np.isfinite(bliss["q0.5"]).all()


@pytestmark_shipped
def test_cli_combination_over_the_ensemble(tmp_path, capsys):
    from mtor_sim.cli import main

    out = tmp_path / "q.csv"
    command = ["combination", "everolimus", "sorafenib", "--doses-a", "10", "--doses-b", "1000"]
    assert main([*command, "--ensemble", "3", "-o", str(out)]) == 0
    table = pd.read_csv(out)
    assert set(table["quantity"]) == {"response", "inhibition", "bliss", "hsa"}
    assert (table["n_members"] == 3).all() and len(table) == 4 * 2 * 2
    assert "mean Bliss excess" in capsys.readouterr().err
    assert main([*command, "--ensemble", "3", "--plot", str(tmp_path / "x.png")]) == 2


@pytestmark_shipped
def test_knockout_screen_over_the_ensemble_matches_each_members_own_screen(model):
    """Every member's screen in one batch, under a genotype preset and a drug: the
    quantiles of the log2 fold changes equal those of each member's own screen, and the
    shares count members with at least a 5 % change."""
    import numpy as np

    from mtor_sim._ensemble import members

    kw = {
        "nodes": ["RHEB", "S6K1", "PTEN"],
        "interactions": ["S6K1 -| IRS1"],
        "genotype": "PTEN_loss",
        "drugs": {"everolimus": 10},
        "progress": False,
    }
    q = ms.knockout_screen(model, ["pAKT_S473", "proliferation"], ensemble=True, n_members=5, **kw)
    assert len(q) == 4 * 2 and (q["n_members"] == 5).all() and (q["n_failed"] == 0).all()
    own = np.stack(
        [
            ms.knockout_screen(m, ["pAKT_S473", "proliferation"], **kw)
            .log2_fold_change()
            .to_numpy()
            for m in members(model, True, n=5)
        ]
    )
    np.testing.assert_allclose(q["q0.5"], np.quantile(own, 0.5, axis=0).ravel(), rtol=1e-8)
    # at least 5 %: to 0.95x or below, to 1.05x or above (a fall to 0.952x was counted)
    lower = (own <= np.log2(0.95)).mean(axis=0).ravel()
    higher = (own >= np.log2(1.05)).mean(axis=0).ravel()
    np.testing.assert_allclose(q["fraction_lower"], lower)
    np.testing.assert_allclose(q["fraction_higher"], higher)
    row = q[(q["target"] == "RHEB KO") & (q["readout"] == "proliferation")].iloc[0]
    assert row["fraction_lower"] == 1.0 and row["q0.95"] < 0  # no RHEB, no mTORC1 drive


@pytestmark_shipped
def test_the_screens_share_of_members_counts_falls_of_at_least_5_percent(model):
    """A fall to 0.952x (log2 1.05 taken both ways) was counted as a 5 % fall: in
    PTEN-null cells the S6K1 knockout lowered proliferation "by at least 5 %" in 0.20 of
    the first 80 members, 0.175 by the stated rule."""
    from mtor_sim._ensemble import members

    kw = {"nodes": ["S6K1"], "interactions": [], "genotype": "PTEN_loss", "progress": False}
    q = ms.knockout_screen(model, ["proliferation"], ensemble=True, n_members=80, **kw)
    own = np.array(
        [
            2.0 ** ms.knockout_screen(m, ["proliferation"], **kw).log2_fold_change().iloc[0, 0]
            for m in members(model, True, n=80)
        ]
    )
    assert q["fraction_lower"].iloc[0] == pytest.approx(np.mean(own <= 0.95))
    assert np.mean(own <= 0.95) != np.mean(own <= 1 / 1.05)  # the case tells them apart


@pytestmark_shipped
def test_cli_knockout_screen_over_the_ensemble(tmp_path, capsys):
    from mtor_sim.cli import main

    out = tmp_path / "ko.csv"
    command = ["knockout-screen", "--nodes", "RHEB", "--interactions", "-r", "proliferation"]
    assert main([*command, "--ensemble", "3", "-o", str(out), "--quiet"]) == 0
    table = pd.read_csv(out)
    assert list(table["target"]) == ["RHEB KO"] and (table["n_members"] == 3).all()
    assert table["fraction_lower"].iloc[0] == 1.0
    assert "3 ensemble members" in capsys.readouterr().err


@pytestmark_shipped
def test_local_sensitivities_over_the_ensemble_match_each_members_own(model):
    """Every member's central differences in one batch, each around the member's own
    steady state under the genotype: the same quantiles as each member's own call."""
    import numpy as np

    from mtor_sim._ensemble import members

    kw = {"vary": ["k_IRS1_S6K1", "k_TSC2_ERK"], "genotype": "PTEN_loss", "progress": False}
    q = ms.sensitivity(model, ["pAKT_S473", "pS6K1"], ensemble=True, n_members=5, **kw)
    assert len(q) == 4 and (q["n_members"] == 5).all() and (q["n_failed"] == 0).all()
    own = np.stack(
        [
            ms.sensitivity(m, ["pAKT_S473", "pS6K1"], **kw).table["sensitivity"].to_numpy()
            for m in members(model, True, n=5)
        ]
    )
    np.testing.assert_allclose(q["q0.5"], np.quantile(own, 0.5, axis=0), rtol=1e-6)
    np.testing.assert_allclose(q["fraction_negative"], (own < 0).mean(axis=0))
    feedback = q[(q["parameter"] == "k_IRS1_S6K1") & (q["readout"] == "pAKT_S473")].iloc[0]
    assert feedback["fraction_negative"] == 1.0  # S6K1 -| IRS1 holds Akt down in every member
    with pytest.raises(ValueError, match="local"):
        ms.sensitivity(model, "pS6K1", ["k_TSC2_ERK"], method="sobol", ensemble=True)


@pytestmark_shipped
def test_a_parameter_without_effect_has_no_sign_across_the_ensemble(model):
    """Differences that are round-off (+-1e-12: without a drug the rapalog resistance
    constant moves nothing) were counted as signs: 25 of 270 rows of every parameter in
    PTEN-null cells had a share although |S| < 1e-9 in every member."""
    q = ms.sensitivity(
        model,
        ["proliferation", "pAKT_S473"],
        ensemble=True,
        n_members=6,
        genotype="PTEN_loss",
        progress=False,
    )
    nil = q[q[["q0.05", "q0.95"]].abs().max(axis=1) < 1e-9]
    assert "rapa_res_S6K1" in set(nil["parameter"])
    assert (nil["fraction_positive"] == 0).all() and (nil["fraction_negative"] == 0).all()


@pytestmark_shipped
def test_cli_sensitivity_over_the_ensemble(tmp_path, capsys):
    from mtor_sim.cli import main

    out = tmp_path / "s.csv"
    command = ["sensitivity", "pS6K1", "--vary", "k_TSC2_ERK", "--ensemble", "3", "--quiet"]
    assert main([*command, "-o", str(out)]) == 0
    table = pd.read_csv(out)
    assert list(table["parameter"]) == ["k_TSC2_ERK"] and (table["n_members"] == 3).all()
    assert table["fraction_positive"].iloc[0] == 1.0  # ERK's hold on TSC2 drives S6K1
    assert "3 ensemble members" in capsys.readouterr().err


@pytestmark_shipped
def test_ensemble_verbs_count_what_they_cannot_use_and_refuse_bad_members(model, tmp_path):
    """A member whose drug-free reference fails is left out of the combination's
    quantiles and counted; a readout knocked to zero gives -inf quantiles, not NaN; a
    resumed sensitivity never takes another ensemble's answers; a member with a NaN or
    negative value is refused before any work."""
    import numpy as np

    from mtor_sim._ensemble import resolve_ensemble

    table = resolve_ensemble(True, n=3).copy()
    table.loc[table.index[1], ["kdeg_RTK", "kdeg_RTKa"]] = 0.0  # no receptor steady state
    with pytest.warns(RuntimeWarning, match="members had no value"):
        q = ms.combination(
            model,
            ("everolimus", "sorafenib"),
            [10],
            [1000],
            "pS6K1",
            ensemble=table,
            progress=False,
        )
    assert (q["n_failed"] == 1).all() and np.isfinite(q["q0.5"]).all()
    assert q.attrs["status"] == "partial"
    assert q.attrs["bliss_mean"]["n_used"] == 2
    ko = ms.knockout_screen(
        model,
        ["pAKT_S473"],
        nodes=["AKT"],
        interactions=[],
        ensemble=True,
        n_members=3,
        progress=False,
    )
    assert (ko[["q0.05", "q0.5", "q0.95"]] == -np.inf).all(axis=None) and ko["n_failed"].iloc[
        0
    ] == 0
    kw = {"vary": ["k_TSC2_ERK"], "progress": False, "out": tmp_path / "s"}
    ms.sensitivity(model, "pS6K1", ensemble=resolve_ensemble(True, n=2), **kw)
    with pytest.raises(ms.MtorSimError, match="different"):  # same size, other members
        ms.sensitivity(model, "pS6K1", ensemble=resolve_ensemble(True).iloc[5:7], **kw)
    bad = table.copy()
    bad.iloc[0, 0] = -1.0
    with pytest.raises(ValueError, match="finite and >= 0"):
        ms.knockout_screen(model, ["pS6K1"], nodes=["RHEB"], interactions=[], ensemble=bad)


def test_claims_over_the_ensemble_solve_their_steady_states_ahead(model, monkeypatch):
    """check_ensemble solves every member's steady states as one batch: the same table as
    asking each member one steady state at a time."""
    import numpy as np

    import mtor_sim._prefetch as prefetch
    from mtor_sim._claims import check_ensemble

    ahead = check_ensemble(model, True, n_members=3)
    asked = []
    original = prefetch.solve_for_members

    def counting(m, table, perts, options=None):
        out = original(m, table, perts, options)
        asked.append((len(perts), sum(len(s) for s in out)))
        return out

    monkeypatch.setattr(prefetch, "solve_for_members", counting)
    check_ensemble(model, True, n_members=3)
    n_perts, n_answers = asked[0]
    assert n_perts > 100 and n_answers >= 0.95 * 3 * n_perts  # nearly all verified ahead
    monkeypatch.setattr(
        prefetch, "solve_for_members", lambda m, t, p, o=None: [{} for _ in t.index]
    )
    one_by_one = check_ensemble(model, True, n_members=3)
    np.testing.assert_array_equal(ahead["pass_fraction"], one_by_one["pass_fraction"])
    cols = [c for c in ahead.columns if c.startswith(("absolute", "relative"))]
    np.testing.assert_allclose(ahead[cols], one_by_one[cols], rtol=1e-8, atol=1e-12)


def test_report_html_keeps_lists_and_tables_in_order():
    from mtor_sim._report import _sections_html

    page = _sections_html("## A\n\n| x |\n|---|\n| 1 |\n- one\n- two <3\n\n| y |\n|---|\n| 2 |")
    assert page.index("<table><tr><th>x</th>") < page.index("<ul><li>one</li>")
    assert "<li>two &lt;3</li></ul>" in page
    assert page.index("</ul>") < page.index("<th>y</th>")


def test_quantiles_beside_an_infinity_only_change_there():
    """One member at -inf switched every quantile to the member values (inverted CDF);
    only those beside the infinity are now, the others interpolate as numpy does."""
    import numpy as np

    from mtor_sim._ensemble import quantile_columns

    values = np.array([-np.inf, *range(1, 10)], dtype=float)
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # numpy's warning beside the infinity stays inside
        q = quantile_columns(values)
    assert q["q0.05"] == -np.inf
    assert q["q0.5"] == pytest.approx(4.5)  # between the 5th and 6th of 10 values
    assert q["q0.95"] == pytest.approx(8.55)
    assert quantile_columns(np.arange(1.0, 11.0))["q0.5"] == pytest.approx(5.5)


@pytestmark_shipped
def test_numpy_scalars_select_the_ensemble_and_its_size(model):
    """``n_members=np.int64(2)`` (e.g. ``array.size // 2``) and ``ensemble=np.True_``
    were refused; ``np.False_`` asked for no ensemble but was taken for one."""
    plain = model.steady_state(ensemble=True, n_members=2)
    numpy = model.steady_state(ensemble=np.True_, n_members=np.int64(2))
    pd.testing.assert_frame_equal(plain, numpy)
    assert isinstance(model.steady_state(ensemble=np.False_), ms.SteadyState)
    with pytest.raises(TypeError, match="`n_members` must be an integer"):
        model.steady_state(ensemble=True, n_members=np.bool_(True))


def test_members_without_parameters_are_named_so(model):
    with pytest.raises(ValueError, match="2 members but no parameter columns"):
        model.steady_state(ensemble=pd.DataFrame(index=[0, 1]))


@pytestmark_shipped
def test_an_unknown_genotype_over_the_ensemble_is_named(model):
    with pytest.raises(ms.UnknownNameError, match="did you mean 'PTEN_loss'"):
        ms.dose_response(
            model, "everolimus", [0, 10], genotype="PTEN_los", ensemble=True, n_members=2
        )


def test_a_control_is_judged_on_the_members_that_show_the_effect(model) -> None:
    """Members without the effect counted as "control does not remove it", so the
    column repeated the pass fraction (claim 11: 0.85 beside 0.85, while its control
    removes the effect in every member that has one)."""
    table = ms.claims.check_all(model, ensemble=True, n_members=40).set_index("claim")
    eleven = table.loc[11]
    assert eleven["effect_present_fraction"] < 1.0
    assert eleven["control_removes_fraction"] == 1.0


def test_the_bundled_ensemble_on_another_model_says_whose_it_is() -> None:
    """It failed on its first column, "unknown parameter 'ksyn_RTK'", as if misspelt."""
    other = ms.load_model(REFERENCE_DIR / "dalle_pezze_2012_BIOMD0000000581.xml")
    with pytest.raises(ValueError, match="holds parameter sets of the bundled model"):
        other.steady_state(ensemble=True)


def test_members_without_an_answer_mark_the_table_and_warn(tmp_path):
    """Quantiles over the members that answered came back with no status and no word
    (only the n_failed column said that a member had been left out)."""
    path = tmp_path / "grow.ant"  # a steady state 0.1 / (d - k) for k < d; growth beyond
    path.write_text(
        "model grow\n  species A = 1\n  J0: -> A; 0.1\n  J1: -> A; k*A\n  J2: A -> ; d*A\n"
        "  k = 0.1; d = 0.2\nend\n"
    )
    model = ms.load_model(path)
    members = pd.DataFrame({"k": [0.1, 0.15, 0.5]})
    with pytest.warns(RuntimeWarning, match=r"1 of 3 members had no value.*'partial'"):
        q = model.steady_state(ensemble=members)
    assert q.attrs["status"] == "partial" and q.loc["A", "n_failed"] == 1
    assert q.loc["A", "q0.5"] == pytest.approx(1.5)  # 0.1/0.1 and 0.1/0.05, median 1.5
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert model.steady_state(ensemble=members.iloc[:2]).attrs["status"] == "ok"


def test_an_ensemble_time_course_too_large_for_memory_is_refused(model):
    # each member's course is under the limit, the members' courses held together are not
    n_points = ms._errors.MAX_VALUES // (250 * len(model.readouts)) + 1
    with pytest.raises(ValueError, match=r"250 members x .* over the limit") as caught:
        model.simulate(t_end=10, n_points=n_points, ensemble=True)
    # the way out it names is simulate's own argument (`n` is refused there)
    assert "fewer members (`n_members`)" in str(caught.value)


def test_the_trial_table_names_its_ensemble_columns_where_they_are() -> None:
    """The randomized trials' column comes last: "the last three columns" named it and
    the ensemble's interval, not the ensemble's three."""
    from mtor_sim._report import _trial_markdown

    row = {
        "comparison": "ORR, everolimus",
        "arm": "everolimus",
        "review": 9.5,
        "simulated": 0.0,
        "simulated_low": 0.0,
        "simulated_high": 0.4,
        "simulated_95CI": "0.0-0.4",
        "gap": "below",
        "explanation": "",
        "trial": "EVOLVE-1 (everolimus)",
        "trial_rate": 2.2,
        "ensemble_simulated": 0.1,
        "ensemble_simulated_95CI": "0.0-0.5",
        "ensemble_gap": "below",
        "ensemble_explanation": "",
    }
    text = _trial_markdown(pd.DataFrame([row]), 10)
    header = next(line for line in text.splitlines() if line.startswith("| comparison"))
    cells = [c.strip() for c in header.strip("|").split("|")]
    assert cells[-1] == "randomized trial (%)" and cells[5] == "on the ensemble (%)"
    assert "The last three columns" not in text
    assert 'The three columns from "on the ensemble" run the same patients' in text
