"""Tests of steady states and time courses (mtor_sim._engine) on the bundled model."""

from __future__ import annotations

import math
import re
import warnings
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from numpy.testing import assert_allclose

import mtor_sim as ms

PHOSPHO = (
    "pAKT_T308",
    "pAKT_S473",
    "pS6K1",
    "p4EBP1",
    "pERK",
    "IRS1_active",
    "FOXO_nuclear",
    "AMPK_active",
)

# conserved protein (or lipid) pools: species that sum to the pool's total parameter
CONSERVED = {
    "AKT": (("AKT", "AKT_T", "AKT_S", "AKT_TS"), "AKT_total"),
    "IRS1": (("IRS1", "IRS1a", "IRS1i"), "IRS1_total"),
    "TSC2": (("TSC2", "TSC2p"), "TSC2_total"),
    "RHEB": (("RHEBd", "RHEB_GTP"), "RHEB_total"),
    "mTORC1": (("mTORC1", "mTORC1a"), "mTORC1_total"),
    "mTORC2": (("mTORC2", "mTORC2a"), "mTORC2_total"),
    "S6K1": (("S6K1", "S6K1p"), "S6K1_total"),
    "4EBP1": (("EBP1", "EBP1p"), "EBP1_total"),
    "FOXO": (("FOXOn", "FOXOc"), "FOXO_total"),
    "RAS": (("RASd", "RAS_GTP"), "RAS_total"),
    "RAF": (("RAF", "RAFa"), "RAF_total"),
    "MEK": (("MEK", "MEKp"), "MEK_total"),
    "ERK": (("ERK", "ERKp"), "ERK_total"),
    "AMPK": (("AMPK", "AMPKa"), "AMPK_total"),
    "PI3K": (("PI3K", "PI3Ka"), "PI3K_total"),
    "PIP2": (("PIP2", "PIP3"), "PIP2_total"),
}
# expected pool totals (relative to WT) for each genotype tested; unlisted pools are 1
GENOTYPE_TOTALS = {
    "WT": {},
    "PTEN_loss": {},
    "PIK3CA_gain": {},
    "AKT_overexpression": {"AKT": 3.0},
    "mTORC2_high": {"mTORC2": 3.0},
    "ERK_coactivation": {},
}
TC_DRUGS = {"everolimus": 10.0, "sorafenib": 1000.0, "MK2206": 30.0, "dactolisib": 50.0}


def _expected_totals(genotype: str) -> np.ndarray:
    return np.array([GENOTYPE_TOTALS[genotype].get(pool, 1.0) for pool in CONSERVED])


def _pool_sums(table: pd.DataFrame) -> np.ndarray:
    """Pool sums, one column per pool (rows: time points or a single state)."""
    return np.column_stack(
        [table[list(members)].sum(axis=1).to_numpy() for members, _ in CONSERVED.values()]
    )


# ----------------------------------------------------------------- WT steady state
def test_wt_steady_state_is_verified(wt: ms.SteadyState) -> None:
    assert wt.success is True
    assert wt.status == "ok"
    assert wt.max_rate <= 1e-8
    assert wt.max_eigenvalue < 0
    assert np.all(np.isfinite(wt.readouts.to_numpy()))


def test_wt_steady_state_rates_are_zero(model: ms.Model, wt: ms.SteadyState) -> None:
    r = model._runner()
    try:
        r.resetAll()
        for sid, value in wt.species.items():
            r[f"[{sid}]"] = value
        rates = np.asarray(r.getRatesOfChange(), dtype=float)
    finally:
        r.resetAll()
    assert rates.size > 0
    assert np.max(np.abs(rates)) <= 1e-8


def test_wt_steady_state_holds_under_fresh_integration(model: ms.Model, wt: ms.SteadyState) -> None:
    import roadrunner

    r = roadrunner.RoadRunner(model.sbml)  # independent of the engine's cached runner
    r.integrator.relative_tolerance = 1e-10
    r.integrator.absolute_tolerance = 1e-14
    for sid, value in wt.species.items():
        r[f"[{sid}]"] = value
    before = np.array([r[k] for k in model.readouts])
    assert_allclose(before, wt.readouts.to_numpy(), rtol=1e-10, atol=1e-14)
    r.simulate(0.0, 1e4, 11)
    after = np.array([r[k] for k in model.readouts])
    assert_allclose(after, before, rtol=1e-6, atol=1e-12)


# ----------------------------------------------------------------- conservation
@pytest.mark.parametrize("genotype", list(GENOTYPE_TOTALS))
def test_totals_conserved_at_steady_state(model: ms.Model, genotype: str) -> None:
    ss = model.steady_state(genotype=genotype, drugs={"everolimus": 5.0, "alpelisib": 10.0})
    assert ss.success, ss.message
    sums = _pool_sums(ss.species.to_frame().T)[0]
    assert_allclose(sums, _expected_totals(genotype), rtol=1e-8, atol=1e-10)


@pytest.mark.parametrize("genotype", ["WT", "PTEN_loss", "AKT_overexpression", "mTORC2_high"])
def test_totals_conserved_along_time_course(model: ms.Model, genotype: str) -> None:
    tc = model.simulate(t_end=1440, n_points=97, genotype=genotype, drugs=TC_DRUGS)
    assert tc.success, tc.message
    data = tc.to_dataframe(species=True)
    sums = _pool_sums(data)
    expected = np.broadcast_to(_expected_totals(genotype), sums.shape)
    assert_allclose(sums, expected, rtol=1e-8, atol=1e-10)


def test_total_parameter_matches_genotype(model: ms.Model) -> None:
    # the preset really triples Akt; checked against the state, not the catalogue
    ss = model.steady_state(genotype="AKT_overexpression")
    akt = sum(ss[s] for s in CONSERVED["AKT"][0])
    assert_allclose(akt, 3.0 * model.parameters["AKT_total"], rtol=1e-8, atol=1e-10)


# ----------------------------------------------------------------- ranges
@pytest.mark.parametrize(
    "perturbation",
    [
        {},
        {"genotype": "AKT_overexpression"},
        {"genotype": ["PTEN_loss", "mTORC2_high"]},
        {"genotype": "ERK_coactivation", "drugs": {"sorafenib": 3000}},
        {"drugs": {"torin1": 250}},
        {"drugs": {"everolimus": 100, "MK2206": 1000}},
        {"inputs": {"ENERGY_STRESS": 1.0, "GF": 5.0}},
    ],
    ids=["WT", "AKT_ox", "PTEN+mTORC2", "ERK+sorafenib", "torin1", "evero+MK2206", "stress"],
)
def test_phospho_readouts_are_fractions(model: ms.Model, perturbation: dict) -> None:
    ss = model.steady_state(**perturbation)
    assert ss.success, ss.message
    values = ss.readouts[list(PHOSPHO)].to_numpy()
    assert np.all(values >= -1e-12), ss.readouts[list(PHOSPHO)]
    assert np.all(values <= 1 + 1e-12), ss.readouts[list(PHOSPHO)]


# ----------------------------------------------------------------- directions (review)
@pytest.mark.parametrize(
    ("genotype", "readouts"),
    [
        ("PTEN_loss", ["pAKT_T308", "pAKT_S473", "pS6K1"]),
        ("PIK3CA_gain", ["pAKT_T308", "pAKT_S473", "pS6K1"]),
        ("AKT_overexpression", ["pS6K1", "mTORC1_activity"]),
        ("mTORC2_high", ["pAKT_S473"]),
        ("ERK_coactivation", ["pERK"]),
        ("BCAT_active", ["EMT"]),
        ("RTK_high", ["RTK_total"]),
    ],
)
def test_genotype_raises_readouts(
    model: ms.Model, wt: ms.SteadyState, genotype: str, readouts: list[str]
) -> None:
    ss = model.steady_state(genotype=genotype)
    assert ss.success, ss.message
    for k in readouts:
        assert ss[k] > wt[k] * 1.02, f"{genotype}: {k} {ss[k]:.4g} vs WT {wt[k]:.4g}"


def test_wt_genotype_is_the_default(model: ms.Model, wt: ms.SteadyState) -> None:
    ss = model.steady_state(genotype="WT")
    assert_allclose(ss.readouts.to_numpy(), wt.readouts.to_numpy(), rtol=1e-12, atol=0)


def test_rapalog_relieves_feedback(model: ms.Model, wt: ms.SteadyState) -> None:
    ss = model.steady_state(drugs={"everolimus": 10})
    assert ss.success, ss.message
    assert ss["pS6K1"] < 0.5 * wt["pS6K1"]  # the drug hits its target ...
    for k in ("IRS1_active", "PIP3", "pAKT_T308", "pAKT_S473"):
        assert ss[k] > wt[k] * 1.02, f"{k}: {ss[k]:.4g} vs untreated {wt[k]:.4g}"


def test_rapalog_raises_s473_in_pten_loss(model: ms.Model) -> None:
    untreated = model.steady_state(genotype="PTEN_loss")
    treated = model.steady_state(genotype="PTEN_loss", drugs={"everolimus": 10})
    assert untreated.success and treated.success
    assert treated["pAKT_S473"] > untreated["pAKT_S473"]


def test_combined_genotypes(model: ms.Model) -> None:
    both = model.steady_state(genotype=["PTEN_loss", "mTORC2_high"])
    assert both.success, both.message
    assert both.perturbation["genotype"] == ["PTEN_loss", "mTORC2_high"]
    pten = model.steady_state(genotype="PTEN_loss")
    rictor = model.steady_state(genotype="mTORC2_high")
    assert both["pAKT_S473"] > max(pten["pAKT_S473"], rictor["pAKT_S473"])
    # presets combine: same as setting both parameters by hand
    manual = model.steady_state(
        parameters={
            "PTEN_total": 0.1 * model.parameters["PTEN_total"],
            "mTORC2_total": 3.0 * model.parameters["mTORC2_total"],
        }
    )
    assert_allclose(both.readouts.to_numpy(), manual.readouts.to_numpy(), rtol=1e-9, atol=1e-12)


# ----------------------------------------------------------------- knockouts and cuts
def _check_sane(ss: ms.SteadyState) -> None:
    assert ss.status == "ok", ss.message
    assert ss.success
    for series in (ss.species, ss.readouts):
        values = series.to_numpy()
        assert np.all(np.isfinite(values))
        assert np.all(values >= -1e-12), series[series < -1e-12]
    phospho = ss.readouts[list(PHOSPHO)].to_numpy()
    assert np.all(phospho <= 1 + 1e-12)


_BUNDLED = ms.load_model()  # names only, for parametrisation at collection time
NODES = list(_BUNDLED.nodes)
INTERACTIONS = list(_BUNDLED.interactions)
del _BUNDLED


@pytest.mark.parametrize("node", NODES)
def test_knockout_of_every_node(model: ms.Model, wt: ms.SteadyState, node: str) -> None:
    ss = model.steady_state(knockouts=[node])
    _check_sane(ss)
    assert ss.perturbation["knockouts"] == [node]
    if node != "FKBP12":  # FKBP12 only matters with a rapalog (see below)
        assert not np.allclose(ss.readouts.to_numpy(), wt.readouts.to_numpy(), rtol=1e-6, atol=0)


def test_fkbp12_knockout_abolishes_rapalog_action(model: ms.Model, wt: ms.SteadyState) -> None:
    ss = model.steady_state(knockouts=["FKBP12"], drugs={"everolimus": 100})
    assert_allclose(ss.readouts.to_numpy(), wt.readouts.to_numpy(), rtol=1e-9, atol=1e-12)
    # ... while an ATP-site inhibitor does not need FKBP12
    torin = model.steady_state(knockouts=["FKBP12"], drugs={"torin1": 100})
    assert torin["pS6K1"] < 0.5 * wt["pS6K1"]


#: Interactions kept in the model at strength 0 (named, cuttable, acting on nothing):
#: S6K1 -| mTORC2 since revision 1 (models/MECHANISMS.md section 2.1).
INERT = {"S6K1 -| mTORC2"}


#: Index terms whose share is renormalised, so untreated WT is the same without them;
#: they change only responses (RSK's share of translation, revision 8, section 2.11).
WT_NEUTRAL = {"ERK -> translation"}


@pytest.mark.parametrize("interaction", INTERACTIONS)
def test_cut_of_every_interaction(model: ms.Model, wt: ms.SteadyState, interaction: str) -> None:
    ss = model.steady_state(cut=[interaction])
    _check_sane(ss)
    same = np.allclose(ss.readouts.to_numpy(), wt.readouts.to_numpy(), rtol=1e-6, atol=0)
    assert same is (interaction in INERT | WT_NEUTRAL)


@pytest.mark.parametrize("interaction", sorted(WT_NEUTRAL))
def test_cut_of_a_wt_neutral_term_changes_the_drug_response(
    model: ms.Model, interaction: str
) -> None:
    drugs = {"everolimus": 10.0}
    intact = model.steady_state(drugs=drugs)["proliferation"]
    cut = model.steady_state(drugs=drugs, cut=[interaction])["proliferation"]
    assert cut < intact - 0.01  # RSK keeps translation up under a rapalog


def test_inert_interactions_have_zero_strength(model: ms.Model) -> None:
    assert model.parameters["fb_S6K1_mTORC2"] == 0.0


def test_akt_knockout_removes_akt(model: ms.Model, wt: ms.SteadyState) -> None:
    ss = model.steady_state(knockouts=["AKT"])
    assert ss.success
    assert_allclose([ss["pAKT_T308"], ss["pAKT_S473"]], 0.0, rtol=0, atol=1e-12)
    assert_allclose([ss[s] for s in CONSERVED["AKT"][0]], 0.0, rtol=0, atol=1e-12)
    assert ss["FOXO_nuclear"] > wt["FOXO_nuclear"]  # no Akt to export FOXO
    assert ss["survival"] < wt["survival"]


def test_pten_knockout_raises_pip3(model: ms.Model, wt: ms.SteadyState) -> None:
    ss = model.steady_state(knockouts=["PTEN"])
    assert ss.success
    assert ss["PIP3"] > 1.5 * wt["PIP3"]
    assert ss["pAKT_T308"] > wt["pAKT_T308"]


def test_knockout_equals_zero_total(model: ms.Model) -> None:
    ko = model.steady_state(knockouts=["mTORC2"])
    by_hand = model.steady_state(parameters={"mTORC2_total": 0.0})
    assert_allclose(ko.readouts.to_numpy(), by_hand.readouts.to_numpy(), rtol=1e-12, atol=1e-15)
    assert_allclose(ko["mTORC2_activity"], 0.0, rtol=0, atol=1e-12)


def test_cut_feedback_removes_rapalog_rebound(model: ms.Model) -> None:
    # with both mTORC1 feedbacks on IRS1 cut (S6K1 -| IRS1, and GRB10 -| IRS1 since
    # revision 4), everolimus no longer raises IRS1 activity
    cut = ["S6K1 -| IRS1", "GRB10 -| IRS1"]
    base = model.steady_state(cut=cut)
    treated = model.steady_state(cut=cut, drugs={"everolimus": 10})
    assert_allclose(treated["IRS1_active"], base["IRS1_active"], rtol=0.05, atol=0)


# ----------------------------------------------------------------- immutability
def test_model_unchanged_by_perturbed_calls(model: ms.Model) -> None:
    params_before = model.parameters.copy()
    ss_before = model.steady_state()
    model.steady_state(genotype=["PTEN_loss", "AKT_overexpression"], drugs={"torin1": 100})
    model.steady_state(knockouts=["AKT", "ERK"], cut=["S6K1 -| IRS1"])
    model.steady_state(parameters={"k_PTEN": 5.0}, inputs={"GF": 0.1, "ENERGY_STRESS": 1})
    model.simulate(t_end=600, n_points=11, genotype="RTK_high", drugs={"everolimus": 10})
    model.simulate(t_end=60, n_points=3, drugs={"sorafenib": 1000}, pre_equilibrate=False)
    pd.testing.assert_series_equal(model.parameters, params_before, check_exact=True)
    ss_after = model.steady_state()
    pd.testing.assert_series_equal(ss_after.readouts, ss_before.readouts, check_exact=True)
    pd.testing.assert_series_equal(ss_after.species, ss_before.species, check_exact=True)


def test_results_are_frozen(wt: ms.SteadyState) -> None:
    with pytest.raises(AttributeError):
        wt.status = "changed"  # type: ignore[misc]


def test_a_steady_state_builds_its_series_when_read(model: ms.Model) -> None:
    """The public result holds the solver's arrays until its Series are read: the same
    numbers as the single-point path, by name or as Series, pickled or not."""
    import pickle

    from mtor_sim._engine import solve_point
    from mtor_sim._perturb import make_perturbation
    from mtor_sim._protocol import DeferredSeries

    kw = {"genotype": "PTEN_loss", "drugs": {"everolimus": 10.0}}
    raw = solve_point(model, make_perturbation(model, **kw))
    species_ids = list(model._solver().species_ids)  # the solver's order
    ss = model.steady_state(**kw)
    back = pickle.loads(pickle.dumps(ss))
    assert ss["pS6K1"] == raw.readouts[model.readouts.index("pS6K1")]
    assert ss["AKT_TS"] == raw.species[species_ids.index("AKT_TS")]
    assert isinstance(vars(ss)["readouts"], DeferredSeries)  # read by name: not built
    with pytest.raises(ms.UnknownNameError, match="did you mean 'pS6K1'"):
        ss["pS6K"]
    for result in (ss, back):
        assert_allclose(result.readouts.to_numpy(), raw.readouts, rtol=0, atol=0)
        assert_allclose(result.species.to_numpy(), raw.species, rtol=0, atol=0)
        assert list(result.readouts.index) == list(model.readouts)
        assert list(result.species.index) == species_ids
    assert isinstance(vars(ss)["readouts"], pd.Series)  # built once, then kept
    deferred = DeferredSeries(raw.species, pd.Index(species_ids))
    assert raw.species.flags.writeable  # the caller's array is copied, not frozen
    assert not deferred.values.flags.writeable
    assert not np.shares_memory(deferred.build().to_numpy(), deferred.values)
    copy = ss.readouts
    copy.iloc[0] = 12345.0  # a copy: the result keeps its value
    assert ss.readouts.iloc[0] == raw.readouts[0]


# ----------------------------------------------------------------- time courses
def test_time_course_starts_at_untreated_steady_state(model: ms.Model) -> None:
    tc = model.simulate(t_end=1440, n_points=49, genotype="PTEN_loss", drugs={"everolimus": 10})
    assert tc.success, tc.message
    base = model.steady_state(genotype="PTEN_loss")
    full = tc.to_dataframe(species=True)
    species = list(base.species.index)
    assert_allclose(
        full[species].iloc[0].to_numpy(), base.species.to_numpy(), rtol=1e-9, atol=1e-12
    )
    df = tc.to_dataframe()
    # readouts that are functions of the state alone start at their untreated values;
    # mTORC1_activity includes the (instantaneous) target occupancy, so it drops at t = 0
    state_readouts = [k for k in df.columns if k != "mTORC1_activity"]
    assert_allclose(
        df[state_readouts].iloc[0].to_numpy(),
        base.readouts[state_readouts].to_numpy(),
        rtol=1e-9,
        atol=1e-12,
    )
    assert df["mTORC1_activity"].iloc[0] < base["mTORC1_activity"]
    # the drug acts after t = 0: pS6K1 falls, and ends near the treated steady state
    assert df["pS6K1"].iloc[-1] < 0.5 * df["pS6K1"].iloc[0]
    assert df["pS6K1"].iloc[1] < df["pS6K1"].iloc[0]
    treated = model.steady_state(genotype="PTEN_loss", drugs={"everolimus": 10})
    assert_allclose(df["pS6K1"].iloc[-1], treated["pS6K1"], rtol=0.05, atol=0)


def test_time_course_without_drugs_stays_put(model: ms.Model, wt: ms.SteadyState) -> None:
    df = model.simulate(t_end=1440, n_points=5).to_dataframe()
    expected = np.broadcast_to(wt.readouts[df.columns].to_numpy(), df.shape)
    assert_allclose(df.to_numpy(), expected, rtol=1e-6, atol=1e-10)


def test_time_course_from_initial_state(model: ms.Model) -> None:
    df = model.simulate(t_end=30, n_points=4, pre_equilibrate=False).to_dataframe()
    assert_allclose(df["pAKT_T308"].iloc[0], 0.0, rtol=0, atol=1e-12)
    assert df["pAKT_T308"].iloc[-1] > 0.01


def test_to_dataframe_layout(model: ms.Model) -> None:
    tc = model.simulate(t_end=120, n_points=13, drugs={"vistusertib": 100})
    df = tc.to_dataframe()
    assert df.index.name == "time"
    assert list(df.columns) == list(model.readouts)
    assert_allclose(df.index.to_numpy(), np.linspace(0, 120, 13), rtol=0, atol=1e-9)
    assert_allclose(tc.time, df.index.to_numpy(), rtol=0, atol=0)
    full = tc.to_dataframe(species=True)
    assert set(model.species) <= set(full.columns)
    assert tc["pAKT_S473"].iloc[-1] < tc["pAKT_S473"].iloc[0]


def test_rtk_rises_over_hours_under_mtor_inhibition(model: ms.Model) -> None:
    df = model.simulate(t_end=1440, n_points=25, drugs={"AZD8055": 250}).to_dataframe()
    assert df["RTK_total"].iloc[-1] > 1.05 * df["RTK_total"].iloc[0]
    assert df["RTK_total"].iloc[1] < df["RTK_total"].iloc[-1]  # slow, not immediate


# ----------------------------------------------------------------- non-steady model
def test_oscillating_model_is_not_reported_steady(varusai: ms.Model) -> None:
    tc = varusai.simulate(t_end=1000, n_points=101, pre_equilibrate=False)
    assert tc.success
    assert np.all(np.isfinite(tc.to_dataframe().to_numpy()))
    ss = varusai.steady_state()
    assert ss.success is False
    assert ss.status != "ok"
    assert ss.message


# Regression: at commit e6f8db4 the presimulation of this model exceeded CVODE's
# maximum_num_steps (20000) and was reported as "solver_failed" (see _engine.compile_runner).
def test_oscillating_model_status_says_not_reached(varusai: ms.Model) -> None:
    varusai.simulate(t_end=1000, n_points=101, pre_equilibrate=False)
    ss = varusai.steady_state()
    assert ss.success is False
    assert ss.status in {"not_reached", "unstable"}, ss.message


def test_parameters_hold_beside_inputs_on_sbml_models() -> None:
    """Setting an input (an initial value) must not undo parameter changes of the same call."""
    from conftest import REFERENCE_DIR

    m = ms.load_model(REFERENCE_DIR / "dalle_pezze_2012_BIOMD0000000581.xml")
    name, inp = m.parameters.index[0], m.inputs[0]
    kw = {"inputs": {inp: 50.0}, "t_end": 30, "n_points": 2}
    base = m.simulate(**kw).to_dataframe()
    changed = m.simulate(parameters={name: 10 * m.parameters[name] + 1}, **kw).to_dataframe()
    assert not np.allclose(base.to_numpy(), changed.to_numpy(), rtol=1e-6, atol=1e-9)
    ss_base = m.steady_state(inputs={inp: 50.0})
    ss_changed = m.steady_state(inputs={inp: 50.0}, parameters={name: 10 * m.parameters[name] + 1})
    assert not np.allclose(ss_base.species, ss_changed.species, rtol=1e-6, atol=1e-9)


def test_compiled_model_cache_is_used(tmp_path, monkeypatch) -> None:
    """A second load of the same SBML comes from the cache and gives the same numbers."""
    from mtor_sim import _cache
    from mtor_sim._engine import cache_settings

    monkeypatch.setenv("MTOR_SIM_CACHE", str(tmp_path))
    first = ms.load_model()
    a = first.steady_state(genotype="PTEN_loss")
    assert len(list(tmp_path.glob("*.rrstate"))) == 1
    assert _cache.load_cached(first.sbml, settings=cache_settings()) is not None
    b = ms.load_model().steady_state(genotype="PTEN_loss")
    np.testing.assert_allclose(a.species, b.species, rtol=1e-10)
    (next(tmp_path.glob("*.rrstate"))).write_bytes(b"corrupt")  # a bad entry is ignored
    c = ms.load_model().steady_state(genotype="PTEN_loss")
    np.testing.assert_allclose(a.species, c.species, rtol=1e-10)
    monkeypatch.setenv("MTOR_SIM_CACHE", "off")
    assert _cache.cache_dir() is None


def test_what_the_engine_reads_from_the_sbml_comes_with_the_cached_parse(
    tmp_path, monkeypatch
) -> None:
    """Species counted in amounts, assignment-rule targets and the time unit are stored
    with the parsed model, so that a second process needs no libsbml to solve; a damaged
    record of them is read from the SBML again."""
    from mtor_sim import _cache
    from mtor_sim._model import SbmlFacts, sbml_facts

    monkeypatch.setenv("MTOR_SIM_CACHE", str(tmp_path))
    first = ms.load_model()
    expected = sbml_facts(first._compiled_sbml)
    assert expected.time_unit == ("minute", 1.0) and expected.substance_only == frozenset()
    again = ms.load_model()
    assert again._forms[" facts"] == expected  # from the cache, before any use
    assert SbmlFacts.from_json(expected.to_json()) == expected
    for bad in (None, [], {"substance_only": "A"}, {**expected.to_json(), "time_unit": [1, 2]}):
        assert SbmlFacts.from_json(bad) is None
    text = ms.bundled_model_path().read_text()
    data = _cache.load_parsed(text, ".ant")
    assert data is not None
    _cache.store_parsed(text, ".ant", {**data, "facts": {"time_unit": "minute"}})
    damaged = ms.load_model()
    assert " facts" not in damaged._forms
    assert damaged.time_unit == "minute" and damaged._facts() == expected


# ------------------------------------------------ a failed Newton step leaves garbage
_DECAY = """
model decay
  compartment cell = 1
  species A in cell = 1, B in cell = 0
  J0: -> A; k0
  J1: A -> B; k1 * A
  J2: B -> ; k2 * B
  k0 = 0.5; k1 = 0.2; k2 = 0.1
end
"""


class _GarbageNewton:
    """A RoadRunner whose Newton solver fails after leaving a wild iterate behind, as
    nleq2 does on hard models (e.g. +-1e8 on a model with accumulating sinks)."""

    def __init__(self, r):
        self._r = r

    def __getattr__(self, name):
        return getattr(self._r, name)

    def steadyState(self):  # noqa: N802 - roadrunner's name
        n = self._r.model.getNumFloatingSpecies()
        self._r.model.setFloatingSpeciesConcentrations(np.full(n, -9.8e7))
        raise RuntimeError("Failed to converge to steady state")


def test_failed_newton_restarts_from_the_presimulated_state(tmp_path) -> None:
    path = tmp_path / "decay.ant"
    path.write_text(_DECAY)
    m = ms.load_model(path)
    solver = m._solver()
    solver.r = _GarbageNewton(solver.r)
    res = solver.solve({}, tol=1e-8, presimulate=100.0)
    # analytic steady state: A = k0 / k1 = 2.5, B = k0 / k2 = 5
    assert res.status == "ok", res.message
    assert "Newton solver failed" in res.message
    assert_allclose(sorted(res.species), [2.5, 5.0], rtol=1e-6)


def test_unverified_baseline_gives_no_time_course(varusai: ms.Model) -> None:
    """A pre-equilibrated run never starts from a state that was not verified."""
    tc = varusai.simulate(t_end=10, n_points=3)
    assert tc.status.startswith("baseline_") and not tc.success
    assert tc.to_dataframe().isna().all().all()
    assert "pre_equilibrate=False" in tc.message


@pytest.mark.parametrize(
    ("body", "expected"),
    [
        # made and removed, beside a species an assignment rule sets: one stable state
        ("J0: -> A; 1\n  J1: A -> ; 50*A\n  B := 2 + A", {"A": 0.02, "B": 2.02}),
        # decaying to 0 (the small-column differencing restored B and was refused)
        ("J1: A -> ; 50*A\n  B := 2 + A", {"A": 0.0, "B": 2.0}),
        # a conserved pool and a species no reaction changes, beside the rule
        ("J1: A -> C; 2*A\n  J2: C -> A; C\n  B := A + C + D", {"A": 1 / 3, "C": 2 / 3}),
    ],
)
def test_species_set_by_an_assignment_rule_leave_a_unique_state_unique(
    tmp_path: Path, body: str, expected: dict
) -> None:
    """libroadrunner refuses moiety analysis beside a species an assignment rule sets; its
    full Jacobian then has a zero row and column for that species and for each conserved
    pool, and every such model's state read "not_unique" or "solver_failed"."""
    path = tmp_path / "ruled.ant"
    path.write_text(f"model ruled\n  species A = 1, B, C = 0, D = 1\n  {body}\nend\n")
    ss = ms.load_model(path).steady_state()
    assert ss.status == "ok", ss.message
    for name, value in expected.items():
        assert ss.species[name] == pytest.approx(value, abs=1e-9)


def test_a_rate_rule_species_beside_an_assignment_rule_species(tmp_path: Path) -> None:
    """The species an assignment rule sets had a NaN rate beside a species a rate rule
    changes, so every residual was NaN ("not_reached", SBML Test Suite 00093 and eight
    more); its eigenvalue differencing then set it and was refused."""
    path = tmp_path / "both.ant"
    path.write_text(
        "model both\n  species A = 0, S2 = 0.5, S4\n  J0: -> A; 1\n  J1: A -> ; A\n"
        "  S2' = 1 - S2\n  S4 := 2*A\nend\n"
    )
    ss = ms.load_model(path).steady_state()
    assert ss.status == "ok", ss.message
    assert ss.species[["A", "S2", "S4"]].tolist() == pytest.approx([1.0, 1.0, 2.0], abs=1e-9)


def _with_conversion_factor(antimony_text: str, species: str, factor: float) -> str:
    """The SBML of ``antimony_text`` with ``species``' conversion factor set."""
    import antimony
    import libsbml

    antimony.clearPreviousLoads()
    antimony.loadAntimonyString(antimony_text)
    doc = libsbml.readSBMLFromString(antimony.getSBMLString(antimony.getMainModuleName()))
    m = doc.getModel()
    p = m.createParameter()
    p.setId("cf")
    p.setValue(factor)
    p.setConstant(True)
    m.getSpecies(species).setConversionFactor("cf")
    return libsbml.writeSBMLToString(doc)


@pytest.mark.parametrize(
    ("rate", "start", "status", "expected"),
    [
        # the pool is S1 + 2 S2: eigenvalue +0.5 here (libroadrunner's Jacobian, without
        # the factor, gave 0 and -0.5: "ok, stable")
        ("10 - S1 - 1.5*S2", (4.0, 4.0), "unstable", (4.0, 4.0)),
        # and -0.5 here, where the factor-free Jacobian read +0.5 ("unstable")
        ("S1 + 1.5*S2 - 10", (4.5, 4.0), "ok", (2.5, 5.0)),
    ],
)
def test_stability_keeps_a_conversion_factor(
    tmp_path: Path, rate: str, start: tuple, status: str, expected: tuple
) -> None:
    text = (
        f"model factored\n  compartment C = 1\n  species S1 in C, S2 in C\n  S1 = {start[0]}; "
        f"S2 = {start[1]}\n  J1: S1 -> S2; {rate}\nend\n"
    )
    path = tmp_path / "cf.xml"
    path.write_text(_with_conversion_factor(text, "S1", 2.0))
    ss = ms.load_model(path).steady_state()
    assert ss.status == status, ss.message
    assert ss.species[["S1", "S2"]].tolist() == pytest.approx(list(expected), abs=1e-9)


def test_a_small_species_column_is_differenced_beside_an_assignment_rule(
    tmp_path: Path,
) -> None:
    """At A = 0 the nM-scale switch's saturating term has slope Vmax/K = 10 (eigenvalue
    +9): libroadrunner's step (1e-5) misses it, and its columns were kept whenever a
    species was set by an assignment rule ("ok, stable"); without the rule the same
    state was found unstable."""
    switch = _ant(
        tmp_path,
        "switch",
        "model switch\n  compartment C = 1\n  species A in C, X in C, B in C\n"
        "  A = 0; X = 1e-9\n  B := 2*A\n  J1: -> A; Vmax*A/(K + A)\n  J2: A -> ; d*A\n"
        "  J3: -> X; k*1e-9\n  J4: X -> ; k*X\n  Vmax = 1e-8; K = 1e-9; d = 1; k = 1\nend\n",
    )
    ss = switch.steady_state()
    assert ss.status == "unstable", ss.message


def test_a_continuum_beside_an_assignment_rule_is_still_not_unique(tmp_path: Path) -> None:
    path = tmp_path / "flat.ant"
    path.write_text(
        "model flat\n  species A = 1, C = 0, B\n  J1: A -> C; k*A - k*A\n  k = 1\n"
        "  B := A + C\nend\n"
    )
    assert ms.load_model(path).steady_state().status == "not_unique"


def test_a_knockout_at_round_off_below_zero_integrates_on(varusai: ms.Model) -> None:
    """DEPTOR knocked out of Varusai 2018: its forms end the presimulation at -5e-16, and
    CVODE, started again from there under moiety analysis, failed for too much work
    (solver_failed) where one run through the same time settles. Round-off below zero is
    0 before the state is taken on; the result is that of the one run."""
    import roadrunner

    ss = varusai.steady_state(knockouts=["DEPTOR"])
    assert ss.status != "solver_failed", ss.message
    assert ss.status in ("ok", "not_unique")  # a zero eigenvalue, as its other knockouts
    r = roadrunner.RoadRunner(varusai.to_sbml(knockouts=["DEPTOR"]))
    r.getIntegrator().relative_tolerance, r.getIntegrator().absolute_tolerance = 1e-10, 1e-14
    r.simulate(0, 4e5, 401)
    ids, values = r.model.getFloatingSpeciesIds(), r.model.getFloatingSpeciesConcentrations()
    one_run = dict(zip(ids, values, strict=True))
    for name, value in ss.species.items():
        assert value == pytest.approx(one_run[name], rel=1e-6, abs=1e-9), name


def test_not_reached_carries_no_state(varusai: ms.Model) -> None:
    ss = varusai.steady_state(parameters={})
    if ss.status in ("not_reached", "solver_failed"):
        assert ss.species.isna().all() and ss.readouts.isna().all()


_EVENT = """
model event_model
  species S = 0
  J0: -> S; k
  J1: S -> ; 0.1 * S
  k = 0.4
  E1: at time > 1: k = 1.2
end
"""


def test_no_result_depends_on_call_history(tmp_path) -> None:
    """An event-changed parameter must not survive into the next call."""
    path = tmp_path / "event.ant"
    path.write_text(_EVENT)
    fresh = ms.load_model(path).simulate(
        t_end=0.5, n_points=2, pre_equilibrate=False, outputs=["k", "S"]
    )
    m = ms.load_model(path)
    m.simulate(t_end=5, n_points=2, pre_equilibrate=False)  # fires the event
    m.steady_state()
    again = m.simulate(t_end=0.5, n_points=2, pre_equilibrate=False, outputs=["k", "S"])
    assert_allclose(again.to_dataframe().to_numpy(), fresh.to_dataframe().to_numpy(), rtol=1e-10)
    assert again["k"].iloc[0] == 0.4


_VOLUME = """
model volume_model
  compartment cell = 3e-12
  species A in cell = 1e-9, B in cell = 0
  substanceOnly species C in cell = 0
  J0: A -> B; k1 * A * cell
  J1: B -> A; k2 * B * cell
  J2: -> C; kc
  J3: C -> ; kd * C
  k1 = 0.2; k2 = 0.1; kc = 1e-3; kd = 0.5
end
"""


def test_species_units_are_the_same_in_every_verb(tmp_path) -> None:
    """Concentrations (amounts for hasOnlySubstanceUnits species) in steady states and
    time courses alike, with a compartment volume far from 1."""
    path = tmp_path / "volume.ant"
    path.write_text(_VOLUME)
    m = ms.load_model(path)
    ss = m.steady_state()
    assert ss.status == "ok", ss.message
    # analytic: A + B = 1e-9 (concentration), B / A = k1 / k2 = 2; C = kc / kd (an amount)
    assert_allclose(
        [ss.species["A"], ss.species["B"], ss.species["C"]], [1e-9 / 3, 2e-9 / 3, 2e-3], rtol=1e-6
    )
    tc = m.simulate(t_end=200, n_points=3, outputs=["A", "B", "C"])
    assert_allclose(
        tc.to_dataframe().iloc[-1].to_numpy(),
        [ss.species["A"], ss.species["B"], ss.species["C"]],
        rtol=1e-6,
    )
    amounts = m.simulate(t_end=200, n_points=3, outputs=["A"], species_units="amount")
    assert_allclose(amounts["A"].iloc[-1], ss.species["A"] * 3e-12, rtol=1e-6)


def test_residual_is_judged_per_species_in_its_own_unit(tmp_path) -> None:
    """A state with a reaction still running is never 'ok', whatever the volume or the
    magnitude of the concentrations (here 1e-9, turning over at ~2e-10 per min)."""
    path = tmp_path / "small.ant"
    path.write_text(
        _VOLUME.replace("kc = 1e-3", "kc = 0").replace("C in cell = 0", "C in cell = 0")
    )
    m = ms.load_model(path)
    solver = m._solver()
    solver.apply({})
    res = solver._check(1e-8, "test", "")  # the initial state is far from steady
    assert res.status == "not_reached", res.message
    assert m.steady_state().status == "ok"


# ------------------------------------------------------------ rate rules, events, NaN
def _ant(tmp_path: Path, name: str, text: str) -> ms.Model:
    path = tmp_path / f"{name}.ant"
    path.write_text(text)
    return ms.load_model(path)


def test_rate_rule_variables_are_state_and_judged_in_the_residual(
    tmp_path: Path, monkeypatch
) -> None:
    monkeypatch.setenv("MTOR_SIM_CACHE", "off")
    decays = _ant(tmp_path, "decays", "model a; k = 1; k' = -0.1*k; end")
    assert decays.readouts == ("k",)
    ss = decays.steady_state()
    assert ss.status == "ok" and abs(ss["k"]) < 1e-6  # integrated to rest, then verified
    # a species governed by a rate rule is a species; one growing forever is no steady state
    grows = _ant(tmp_path, "grows", "model b; species S = 1; S' = 0.2; x = 1; x' = -0.1*x; end")
    assert grows.species == ("S",) and set(grows.readouts) == {"S", "x"}
    assert grows.steady_state().status == "not_reached"
    tc = grows.simulate(t_end=10.0, n_points=3, pre_equilibrate=False)
    assert tc.to_dataframe()["S"].tolist() == pytest.approx([1.0, 2.0, 3.0])
    # an unstable rule variable is caught by the eigenvalue check over the full state
    unstable = _ant(
        tmp_path, "unstable", "model c; species S = 1; J: S -> ; 0.1*S; x = 0; x' = 0.1*x; end"
    )
    assert unstable.steady_state().status == "unstable"


def test_rate_rules_beside_a_conserved_pool(tmp_path: Path, monkeypatch) -> None:
    """A rate rule in a model with a conserved pool gave "Jacobian could not be
    evaluated" (solver_failed) for every steady state, and libroadrunner's rate vector
    under moiety analysis gave p' = 0.5 at p = 1 for p' = -0.5 p. With A + B = 1,
    dA/dt = -k1 A + k2 B (1 + p) and p' = -0.5 p, the state at p = 0 has eigenvalues
    -(k1 + k2) and -0.5 on the pool's free direction and p (the total adds none)."""
    monkeypatch.setenv("MTOR_SIM_CACHE", "off")
    m = _ant(
        tmp_path,
        "pool",
        """model pool
        species A = 1, B = 0
        R1: A -> B; k1*A
        R2: B -> A; k2*B*(1 + p)
        k1 = 0.3; k2 = 0.1; p = 1
        p' = -0.5*p
    end""",
    )
    for k1, eig in ((0.3, -0.4), (1.0, -0.5)):
        ss = m.steady_state(parameters={"k1": k1})
        assert ss.status == "ok", ss.message
        assert ss.max_eigenvalue == pytest.approx(eig, rel=1e-6)
        assert ss["A"] == pytest.approx(0.1 / (k1 + 0.1), rel=1e-9) and abs(ss["p"]) < 1e-9
    # a species that a rate rule changes turns libroadrunner's moiety analysis off: the
    # pool's zero eigenvalue made every state "not_unique"; the free directions decide
    ruled = _ant(
        tmp_path,
        "ruled",
        """model ruled
        species A = 1, B = 0, C = 2
        R1: A -> B; k1*A
        R2: B -> A; k2*B
        k1 = 0.3; k2 = 0.1
        C' = -0.5*C
    end""",
    )
    ss = ruled.steady_state()
    assert ss.status == "ok" and ss.max_eigenvalue == pytest.approx(-0.4, rel=1e-6)
    assert ss["A"] == pytest.approx(0.25, rel=1e-9) and abs(ss["C"]) < 1e-9
    # a rule variable growing without bound is still no steady state
    grows = _ant(
        tmp_path, "grows", "model g; species A = 1, B = 0; R: A -> B; A; p = 1; p' = 0.1*p; end"
    )
    assert not grows.steady_state().success


def test_a_changing_compartment_dilutes_its_concentrations(tmp_path: Path, monkeypatch) -> None:
    """libroadrunner's concentration rates are amount rates over the volume, without the
    dilution -[S] V'/V. In SBML Test Suite 00051 (S1 -> S2, the compartment shrinking at
    0.1 a second) S2's amount settles at 1.5 while its concentration grows without bound;
    the state was verified "ok" at [S2] = 1e42, its residual read as 1e-31."""
    monkeypatch.setenv("MTOR_SIM_CACHE", "off")
    shrinks = _ant(
        tmp_path,
        "shrinks",
        """model shrinks
        compartment C = 1; C' = -p1*C; p1 = 0.1
        species S1 in C = 1.5, S2 in C = 0
        R: S1 -> S2; k1*S1*C; k1 = 0.9
    end""",
    )
    # the dilution is in the rates a residual is judged by, a dependent species' too: at the
    # start d[S1]/dt = -1.35 + 1.5 * 0.1 and d[S2]/dt = 1.35 - 0 * 0.1
    assert shrinks._solver().rates() == pytest.approx([-1.2, 1.35])
    ss = shrinks.steady_state()
    assert not ss.success and math.isnan(ss["S2"]), ss.message
    # a compartment that settles leaves a steady state to find: V -> 2, and
    # d[S]/dt = k1 - k2 [S] - [S] V'/V -> [S] = k1/k2
    settles = _ant(
        tmp_path,
        "settles",
        """model settles
        compartment V = 1; V' = g*(2 - V); g = 0.5
        species S in V = 0
        make: -> S; k1*V; k1 = 1
        decay: S -> ; k2*S*V; k2 = 0.25
    end""",
    )
    ss = settles.steady_state()
    assert ss.status == "ok", ss.message
    assert ss["S"] == pytest.approx(4.0, rel=1e-8) and ss["V"] == pytest.approx(2.0, rel=1e-8)
    tc = settles.simulate(t_end=1.0, n_points=2, pre_equilibrate=False)
    assert tc.to_dataframe()["S"].iloc[-1] > 0
    # the volume follows the species: d[S]/dt = k1 - k2 [S] - [S] V'/V, V' = g ([S] - V).
    # At S = V = 1 the Jacobian over ([S], V) is [[-k2 - g, g], [g, -g]]: eigenvalues
    # -0.3704 and -2.4296 (libroadrunner keeps amounts when a volume is set, so setting
    # the volume after the concentrations moved them: -0.230 before)
    follows = _ant(
        tmp_path,
        "follows",
        """model follows
        compartment V = 1.5; V' = g*(S - V); g = 0.9
        species S in V = 0.5
        make: -> S; k1*V; k1 = 1
        decay: S -> ; k2*S*V; k2 = 1
    end""",
    )
    ss = follows.steady_state()
    assert ss.status == "ok" and ss["S"] == pytest.approx(1.0, rel=1e-8), ss.message
    assert ss.max_eigenvalue == pytest.approx((-2.8 + math.sqrt(2.8**2 - 3.6)) / 2, rel=1e-5)
    # a species a rate rule changes, in a shrinking compartment: S' = 1 - S is its
    # concentration's rate; its amount rate carries [S] V' besides (-1.2 before)
    ruled = _ant(
        tmp_path,
        "ruled_in_shrinking",
        """model ruled_in_shrinking
        compartment C = 1; C' = -0.1*C
        species S in C = 2
        S' = 1 - S
    end""",
    )
    assert ruled._solver().rates() == pytest.approx([-1.0])
    # a compartment an assignment rule sets: libroadrunner gives no rate for it, so the
    # state and the volume must stay over a long run. V := 1 + 0.5 time grows without end
    # (it read "ok" while [B] fell); V := 2 - exp(-0.01 time) settles, [S] = k1/k2
    grows = _ant(
        tmp_path,
        "grows_by_rule",
        """model grows_by_rule
        compartment V; V := 1 + 0.5*time
        species S in V = 2, B in V = 0
        R: S -> B; k*S*V; k = 1
    end""",
    )
    ss = grows.steady_state()
    assert ss.status == "not_reached" and "V moved" in ss.message, ss.message
    levels = _ant(
        tmp_path,
        "levels_by_rule",
        """model levels_by_rule
        compartment V; V := 2 - exp(-0.01*time)
        species S in V = 1
        make: -> S; k1*V; k1 = 1
        decay: S -> ; k2*S*V; k2 = 0.5
    end""",
    )
    ss = levels.steady_state()
    assert ss.status == "ok" and ss["S"] == pytest.approx(2.0, rel=1e-8), ss.message


def test_events_of_a_model_without_species(tmp_path: Path, monkeypatch) -> None:
    """A model whose only variables are parameters its events set (SBML Test Suite
    00979) had no readout, and its steady state was its initial state, read before the
    events fired; one whose events keep firing (00953: a counter raised every 0.01 time
    units) read "ok". The parameters are readouts; the search integrates, so the events
    fire on the way, and events still changing them are no steady state."""
    from mtor_sim import _engine

    monkeypatch.setenv("MTOR_SIM_CACHE", "off")
    once = _ant(
        tmp_path,
        "once",
        """model once
        x = 0; y = 0
        E0: at (time >= 0.98): x = 2
        E1: at (time >= 0.99): y = x + 1
    end""",
    )
    assert set(once.readouts) == {"x", "y"}
    ss = once.steady_state()
    assert ss.status == "ok", ss.message
    assert (ss["x"], ss["y"]) == (2.0, 3.0)
    monkeypatch.setattr(_engine, "EVENTS_CPU_S", 1.0)  # the counter's run would take minutes
    counter = _ant(
        tmp_path,
        "counter",
        """model counter
        Q = 0; reset = 0
        Qinc: at (time - reset >= 0.01), persistent = false: reset = time, Q = Q + 0.01
    end""",
    )
    ss = counter.steady_state()
    assert ss.status == "not_reached" and math.isnan(ss["Q"]), ss.message
    assert "1 s of computing a search may take" in ss.message
    # a model with events is run in pieces; CVODE's step limit holds per piece, as per
    # output interval of one run: a slowly damped oscillator beside a harmless event ran
    # out of steps (solver_failed) in one 9e5-min piece, where it is still swinging
    monkeypatch.setattr(_engine, "EVENTS_CPU_S", 30.0)
    swings = _ant(
        tmp_path,
        "swings",
        """model swings
        species X = 1, Y = 0
        R1: -> X; w*(5 - Y); w = 0.05
        R2: -> Y; w*(X - 1) - z*(Y - 5); z = 1e-5
        E: at (time > 1): dummy = 1
        dummy = 0
    end""",
    )
    ss = swings.steady_state()
    assert ss.status == "not_reached" and "max |dx/dt|" in ss.message, ss.message
    # an event that resets S1 whenever it falls below 0.1 (SBML Test Suite 00071): no
    # steady state. libroadrunner's refused Newton attempt after the presimulation, and
    # the restart after it, dropped the reset due next (at t = 2e4 one is pending), and S1
    # read "ok" at 0
    resets = _ant(
        tmp_path,
        "resets",
        """model resets
        species S1 = 1, S2 = 0
        R: S1 -> S2; k1*S1; k1 = 0.001
        E: at 2000 after (S1 < 0.1): S1 = 1
    end""",
    )
    ss = resets.steady_state()
    assert ss.status == "not_reached" and math.isnan(ss["S1"]), ss.message


def test_events_at_time_zero_fire_once_on_every_call(tmp_path: Path, monkeypatch) -> None:
    monkeypatch.setenv("MTOR_SIM_CACHE", "off")
    m = _ant(
        tmp_path,
        "events",
        """model e
        species S = 1; J: S -> ; k*S; k = 0.1
        x = 3; y = 0
        E1: at (x > 2), priority = 10, t0 = false: x = 7
        E2: at (x > 2), priority = 5, t0 = false, fromTrigger = true: y = x
    end""",
    )
    runs = [
        m.simulate(t_end=1.0, n_points=2, pre_equilibrate=False, outputs=["x", "y"])
        .to_dataframe()
        .iloc[0]
        .tolist()
        for _ in range(3)
    ]
    m.steady_state(parameters={"k": 0.5})
    runs.append(
        m.simulate(t_end=1.0, n_points=2, pre_equilibrate=False, outputs=["x", "y"])
        .to_dataframe()
        .iloc[0]
        .tolist()
    )
    assert runs == [[7.0, 3.0]] * 4


def test_a_value_the_model_defines_as_nan_is_not_a_solver_failure(
    tmp_path: Path, monkeypatch
) -> None:
    monkeypatch.setenv("MTOR_SIM_CACHE", "off")
    m = _ant(tmp_path, "nan", "model n; species S = 1; J: S -> ; 0.1*S; p = NaN; end")
    tc = m.simulate(t_end=1.0, n_points=2, pre_equilibrate=False, outputs=["S", "p"])
    assert tc.status == "ok" and "p non-finite from t = 0" in tc.message


def test_inputs_are_concentrations_in_every_verb_whatever_the_volume(
    tmp_path: Path, monkeypatch
) -> None:
    """A species' input is its initial concentration (an amount with
    hasOnlySubstanceUnits), in a compartment of volume 2 as in one of volume 1; floating
    species take inputs too (the size of a conserved pool)."""
    monkeypatch.setenv("MTOR_SIM_CACHE", "off")
    m = _ant(
        tmp_path,
        "vol",
        """model vol
        compartment C = 2
        species A in C = 1, B in C = 0
        const species L in C = 3
        J1: A -> B; k1*L*A
        J2: B -> A; k2*B
        k1 = 0.1; k2 = 0.3
    end""",
    )
    assert {"A", "B", "L"} <= set(m.inputs)
    ss = m.steady_state(inputs={"L": 1.0, "A": 4.0})
    # concentrations: A + B = 4 (pool), B / A = k1 L / k2 = 1/3
    assert ss.status == "ok"
    assert ss["A"] == pytest.approx(3.0, rel=1e-6) and ss["B"] == pytest.approx(1.0, rel=1e-6)
    tc = m.simulate(t_end=1e4, n_points=2, pre_equilibrate=False, inputs={"L": 1.0, "A": 4.0})
    assert tc.to_dataframe()["A"].iloc[-1] == pytest.approx(3.0, rel=1e-5)
    sw = ms.sweep(m, {"L": [1.0]}, ["A"], inputs={"A": 4.0}, progress=False)
    assert sw.table["A"].iloc[0] == pytest.approx(3.0, rel=1e-6)


def test_the_model_time_unit_sets_horizons_and_tolerances(tmp_path: Path, monkeypatch) -> None:
    """A model in seconds whose slow mode takes 1e4 s (~2.8 h) to settle is presimulated
    long enough (2e4 min, in seconds), and its rates are judged per minute."""
    monkeypatch.setenv("MTOR_SIM_CACHE", "off")
    seconds = _ant(
        tmp_path,
        "secs",
        """model secs
        unit time_unit = second
        species A = 1, B = 0
        J1: A -> B; k1*A
        J2: B -> A; k2*B
        k1 = 1e-4; k2 = 1e-4
    end""",
    )
    assert seconds.time_unit == "second"
    assert ms.load_model().time_unit == "minute"
    ss = seconds.steady_state()
    assert ss.status == "ok" and ss["A"] == pytest.approx(0.5, rel=1e-6)
    assert (
        seconds.simulate(t_end=10.0, n_points=2, pre_equilibrate=False).metadata["time_unit"]
        == "second"
    )


def test_step_inputs_stimulate_a_starved_steady_state(model: ms.Model) -> None:
    starved = model.steady_state(inputs={"GF": 0.05})
    fed = model.steady_state(inputs={"GF": 1.0})
    tc = model.simulate(t_end=2e4, n_points=3, inputs={"GF": 0.05}, step_inputs={"GF": 1.0})
    assert tc.success and tc.metadata["step_inputs"] == {"GF": 1.0}
    df = tc.to_dataframe()
    assert df["pAKT_S473"].iloc[0] == pytest.approx(starved["pAKT_S473"], rel=1e-6)
    assert df["pAKT_S473"].iloc[-1] == pytest.approx(fed["pAKT_S473"], rel=1e-4)
    with pytest.raises(ValueError, match="pre_equilibrate"):
        model.simulate(t_end=10.0, pre_equilibrate=False, step_inputs={"GF": 1.0})
    with pytest.raises(ms.UnknownNameError):
        model.simulate(t_end=10.0, step_inputs={"no_such_input": 1.0})


def test_step_inputs_dose_a_species_of_an_sbml_model(tmp_path: Path, monkeypatch) -> None:
    monkeypatch.setenv("MTOR_SIM_CACHE", "off")
    m = _ant(
        tmp_path,
        "dose",
        """model dose
        compartment C = 2
        species I in C = 0, R in C = 1, RP in C = 0
        J0: I -> ; 0.1*I
        J1: R -> RP; k1*I*R
        J2: RP -> R; 0.2*RP
        k1 = 1
    end""",
    )
    tc = m.simulate(t_end=5.0, n_points=2, step_inputs={"I": 3.0}, outputs=["I", "RP"])
    df = tc.to_dataframe()
    assert df["I"].iloc[0] == pytest.approx(3.0) and df["RP"].iloc[0] == pytest.approx(0.0)
    # the rate law is an amount per time: d[I]/dt = -0.1 [I] / volume
    assert df["I"].iloc[-1] == pytest.approx(3.0 * np.exp(-0.1 / 2 * 5.0), rel=1e-5)
    assert df["RP"].iloc[-1] > 0.1


def test_step_parameters_stimulate_a_model_whose_stimulus_is_a_parameter(
    tmp_path: Path, monkeypatch
) -> None:
    """Brännmark 2013's insulin is a parameter: a starved-then-stimulated course was not
    possible (step_inputs takes inputs only, and parameters= moves the baseline too).
    A <-> made at rate s, lost at 0.5 A: at s = 0.1 it rests at 0.2, and after the step to
    s = 1, A(t) = 2 - 1.8 exp(-0.5 t)."""
    monkeypatch.setenv("MTOR_SIM_CACHE", "off")
    m = _ant(
        tmp_path, "made", "model made; species A = 0; J0: -> A; s; J1: A -> ; 0.5*A; s = 0.1; end"
    )
    tc = m.simulate(t_end=4.0, n_points=5, step_parameters={"s": 1.0})
    t = tc.to_dataframe().index.to_numpy()
    assert tc.success and tc.metadata["step_parameters"] == {"s": 1.0}
    assert tc.metadata["baseline_parameters"] == {}
    assert_allclose(tc["A"].to_numpy(), 2 - 1.8 * np.exp(-0.5 * t), rtol=1e-6)
    # the baseline is equilibrated at `parameters`, the step is on top of it
    from_zero = m.simulate(t_end=4.0, n_points=5, parameters={"s": 0.0}, step_parameters={"s": 1})
    assert_allclose(from_zero["A"].to_numpy(), 2 - 2 * np.exp(-0.5 * t), rtol=1e-6, atol=1e-9)
    with pytest.raises(ValueError, match="needs pre_equilibrate=True"):
        m.simulate(t_end=1.0, pre_equilibrate=False, step_parameters={"s": 1.0})
    with pytest.raises(ms.UnknownNameError, match="unknown parameter 'q'"):
        m.simulate(t_end=1.0, step_parameters={"q": 1.0})


def test_warm_path_sets_round_off_below_zero_to_zero(model: ms.Model) -> None:
    """A knockout's forms end at round-off below zero on the warm path: set to zero
    and judged again, the point is answered there, as the robust path answers it."""
    from mtor_sim._engine import PRESIM_T, STEADY_TOL, solve_point
    from mtor_sim._perturb import make_perturbation, resolve

    pert = make_perturbation(model, knockouts=["TSC2"], drugs={"everolimus": 10.0})
    res = solve_point(model, pert)
    assert res.status == "ok" and res.method == "warm-started nleq2"
    assert res.species.min() >= 0.0
    values, clamped = resolve(model, pert)
    solver = model._solver(clamped)
    solver.apply(values)
    ref = solver._robust(STEADY_TOL, PRESIM_T)
    assert_allclose(res.readouts, ref.readouts, rtol=1e-8, atol=1e-12)
    assert_allclose(res.species, ref.species, rtol=1e-8, atol=1e-12)


def test_a_slow_drift_beside_a_large_species_is_not_a_steady_state(tmp_path: Path) -> None:
    """S is made at 1e-7 /min and removed at most at 5e-8 /min, so it grows forever; X
    settles at 100. Newton's method fails, and the long integration's last point passed
    the residual test, which is relative to the largest species (5e-8 < 1e-8 x 100): the
    answer was "ok" with S = 0.054, in steady_state and in a sweep. The point of a long
    integration now has to stop moving over a second run as long."""
    ant = tmp_path / "drift.ant"
    ant.write_text(
        "model drift\n  J0: -> X; 10\n  J1: X -> ; 0.1*X\n  J2: -> S; 1e-7\n"
        "  J3: S -> ; Vmax*S/(1e-3 + S)\n  Vmax = 5e-8\n  X = 0; S = 0\nend\n"
    )
    other = ms.load_model(ant)
    ss = other.steady_state()
    assert ss.status == "not_reached"
    assert "the state has not stopped" in ss.message and "S moved from" in ss.message
    table = ms.sweep(other, {"Vmax": [5e-8, 2e-7]}).to_dataframe()
    assert list(table["status"]) == ["not_reached", "ok"]
    assert table["S"].iloc[1] == pytest.approx(1e-7 * 1e-3 / (2e-7 - 1e-7), rel=1e-6)


@pytest.mark.parametrize("c", [1.0, 1e-5, 1e-9])
def test_stability_is_judged_alike_at_molar_concentrations(tmp_path: Path, c: float) -> None:
    """libroadrunner differentiates a species below 0.1 by an absolute step of 1e-5: at
    c = 1e-9 (and 1e-5) it missed the switch's saturating term, and the unstable middle
    root of a bistable switch came back "ok" (eigenvalue -0.5 for +0.14 /min). With a
    conserved pool (X + Y) its eigenvalues were off too (-1.37 for -0.32)."""
    ant = tmp_path / "switch.ant"
    ant.write_text(
        f"model switch\n  J0: -> X; 0.05*c + c*X^2/(c^2 + X^2)\n  J1: X -> ; 0.5*X\n"
        f"  c = {c}\n  X = {0.5 * c}\nend\n"
    )
    ss = ms.load_model(ant).steady_state()
    assert ss.status == "unstable"
    assert ss.max_eigenvalue == pytest.approx(0.14, rel=1e-6)

    pool = tmp_path / "pool.ant"
    pool.write_text(
        f"model pool\n  J0: Y -> X; (0.02 + X^4/(c^4 + X^4))*Y\n  J1: X -> Y; 0.35*X\n"
        f"  c = {c}\n  X = 0; Y = {3 * c}\nend\n"
    )
    ss = ms.load_model(pool).steady_state()
    assert ss.status == "ok" and ss["X"] == pytest.approx(0.168297 * c, rel=1e-4)
    assert ss.max_eigenvalue == pytest.approx(-0.31690, rel=1e-3)


def test_a_species_at_zero_beside_a_larger_one_is_differentiated_at_its_own_scale(
    tmp_path: Path,
) -> None:
    """X = 0 is unstable (its own production has slope 1 against a removal of 0.5 at
    X = 0, on a scale of 1e-9); beside A = 2e-3, the absolute step of 1e-5 read the
    saturated production as flat and called it stable (-0.5)."""
    ant = tmp_path / "zero.ant"
    ant.write_text(
        "model z\n  J0: -> X; 1e-9*X/(1e-9 + X)\n  J1: X -> ; 0.5*X\n  J2: -> A; 2e-3\n"
        "  J3: A -> ; A\n  X = 0; A = 0\nend\n"
    )
    ss = ms.load_model(ant).steady_state()
    assert ss.status == "unstable"
    assert ss.max_eigenvalue == pytest.approx(0.5, rel=1e-6)


def test_a_step_that_takes_a_dependent_species_below_zero_is_not_libroadrunners(
    tmp_path: Path,
) -> None:
    """In the pool A + B = 1, B (dependent under moiety analysis) sits at 1e-6 beside a
    saturation constant of 5e-6; libroadrunner steps A by 1e-5, which takes B below
    zero, across the pole of B / (Km + B): the stable state (eigenvalue -8.3e5 /min) read
    "unstable" at +4.7e5. The column is differenced at B's own scale."""
    ant = tmp_path / "dependent.ant"
    ant.write_text(
        "model dependent\n  J1: A -> B; A\n  J2: B -> A; 6*B/(Km + B)\n  Km = 5e-6\n"
        "  A = 0.5; B = 0.5\nend\n"
    )
    ss = ms.load_model(ant).steady_state()
    assert ss.status == "ok"
    assert ss["B"] == pytest.approx(1e-6, rel=1e-3)
    slope = -1.0 - 6 * 5e-6 / (5e-6 + ss["B"]) ** 2  # d(dA/dt)/dA, B = 1 - A
    assert ss.max_eigenvalue == pytest.approx(slope, rel=1e-4)


_MIXED_POOL = (
    "model pool\n  J0: A -> B; k1*A\n  J1: B -> A; k2*B\n  J2: B + C -> D; k3*B*C\n"
    "  J3: D -> B + C; k4*D\n  k1 = 1e-5; k2 = 2e-5; k3 = 1e-6; k4 = 1\n"
    "  A = {a}; B = 0; C = {c}; D = 0\nend\n"
)


def test_a_pool_that_moiety_analysis_cannot_resolve_is_solved_without_it(
    tmp_path: Path,
) -> None:
    """libroadrunner's conservation rows were C = T0 + A + B and D = T1 - A - B, with A + B
    = 1e6 and C + D = 1e-9: C, the difference of terms a 1e15 times larger, read "ok" at
    1.5e-7 for 6.7e-10 (k2 = k1). The state is solved again without moiety analysis (by
    integration, which keeps the pool), and a time course from it runs on from there."""
    ant = tmp_path / "pool.ant"
    ant.write_text(_MIXED_POOL.format(a="1e6", c="1e-9"))
    model = ms.load_model(ant)
    ss = model.steady_state()
    # at rest A = 2 B = 2e6 / 3 (in species' order under moiety analysis, B first), and
    # k3 B C = k4 D gives D = C / 3
    assert ss.status == "ok", ss.message
    assert ss["A"] == pytest.approx(2e6 / 3, rel=1e-6)
    assert ss["C"] == pytest.approx(0.75e-9, rel=1e-6)
    assert ss["D"] == pytest.approx(0.25e-9, rel=1e-6)
    assert "without conserved-moiety analysis" in ss.message and " C " in ss.message
    tc = model.simulate(1e5, n_points=3)
    assert tc.status == "ok"
    assert tc.data["C"].to_numpy() == pytest.approx(np.full(3, 0.75e-9), rel=1e-6)
    assert tc.data["A"].to_numpy() == pytest.approx(np.full(3, 2e6 / 3), rel=1e-6)


def test_a_pool_that_moiety_analysis_resolves_keeps_it(tmp_path: Path) -> None:
    """The same rows of mixed signs with all species of order 1: C is no small difference,
    and the steady state is moiety analysis's own (Newton's method)."""
    ant = tmp_path / "pool.ant"
    ant.write_text(_MIXED_POOL.format(a="1", c="1"))
    ss = ms.load_model(ant).steady_state()
    assert ss.status == "ok" and "moiety" not in ss.message
    # A = 2 B, k3 B C = k4 D, and the pools C + D = A + B + D = 1: D ~ 3e-7
    assert ss["A"] == pytest.approx(2 * ss["B"], rel=1e-9)
    assert ss["D"] == pytest.approx(1e-6 * ss["B"] * ss["C"], rel=1e-6)
    assert ss["C"] + ss["D"] == pytest.approx(1.0, rel=1e-12)
    assert ss["A"] + ss["B"] + ss["D"] == pytest.approx(1.0, rel=1e-12)


def test_a_slow_relaxation_that_a_long_integration_completes_is_a_steady_state(
    tmp_path: Path,
) -> None:
    """A relaxation at 1e-5 /min (factorial keeps Newton's method off, so the long
    integration decides) is at rest after the second run though it still moved during
    it: the drift test judges how far it has left to go, not how far it moved."""
    ant = tmp_path / "slow.ant"
    ant.write_text(
        "model slow\n  J0: -> X; k*10*factorial(1)\n  J1: X -> ; k*X\n  k = 1e-5\n  X = 0\nend\n"
    )
    ss = ms.load_model(ant).steady_state()
    assert ss.status == "ok" and ss["X"] == pytest.approx(10.0, rel=1e-6)
    assert ss.max_eigenvalue == pytest.approx(-1e-5, rel=1e-3)


def test_a_small_species_far_from_rest_beside_a_large_one_is_not_a_steady_state(
    tmp_path: Path,
) -> None:
    """S relaxes to 1e-6 over 1e6 min beside B = 1e4 (factorial keeps Newton's method
    off). The drift test's floor was 1e-9 of the largest variable, 1e-5, more than S's
    whole range, and the residual test is scaled by B too: "ok" with S = 8.7e-7, 13 %
    short. Each variable is now judged by its own size."""
    small = _ant(
        tmp_path,
        "small",
        "model small\n  species B = 0, S = 0\n  J0: -> B; 10*factorial(1)\n"
        "  J1: B -> ; 1e-3*B\n  J2: -> S; 1e-12\n  J3: S -> ; 1e-6*S\nend\n",
    )
    ss = small.steady_state()
    assert ss.status == "not_reached", ss.message
    assert "the state has not stopped" in ss.message and "S moved from" in ss.message


def test_a_small_dependent_species_of_a_large_pool_is_judged_by_the_pool(
    tmp_path: Path,
) -> None:
    """D = 5e-5 shares the conserved pool A + B + D = 1e6, and libroadrunner computes it
    as the total minus A and B: it carries their round-off (1e-10 over the run on, from
    a total of 1e6), more than 1e-6 of its own value. Judged by the pool's size, the
    state, right to 1e-6, stays "ok"."""
    pool = _ant(
        tmp_path,
        "pool",
        "model pool\n  species D = 0, A = 1e6, B = 0\n  J0: A -> B; k*A*factorial(1)\n"
        "  J1: B -> A; k*B\n  J2: B -> D; 1e-10*B\n  J3: D -> B; D\n  k = 1e-4\nend\n",
    )
    ss = pool.steady_state()
    assert ss.status == "ok", ss.message
    assert ss.message.startswith("Newton solver failed")  # the long integration decided
    assert ss["D"] == pytest.approx(5e-5, rel=1e-5)
    assert ss["A"] == pytest.approx(5e5, rel=1e-9)


def test_newton_does_not_end_a_slow_run_at_an_unstable_point_it_was_passing(
    tmp_path: Path,
) -> None:
    """x' = -1e-5 x (x - 1) (x - 2) from 1.4 crawls toward the stable 2 (the
    presimulation moves it by less than 0.1); Newton's method from there went to the
    unstable 1, and the search said "unstable ... likely oscillates". The run goes on
    from where it was instead."""
    slow = _ant(
        tmp_path,
        "slow_switch",
        "model s\n  species x = 1.4\n  J: -> x; k*(-x*(x - 1)*(x - 2))\n  k = 1e-5\nend\n",
    )
    ss = slow.steady_state()
    assert ss.status == "ok" and ss["x"] == pytest.approx(2.0, rel=1e-8), ss.message
    # one that starts at its unstable point stays there: still "unstable"
    still = _ant(
        tmp_path,
        "still_switch",
        "model s\n  species x = 1\n  J: -> x; k*(-x*(x - 1)*(x - 2))\n  k = 1e-5\nend\n",
    )
    assert still.steady_state().status == "unstable"


@pytest.mark.parametrize(
    "switch, status",
    [
        ("piecewise(1, time < 5, 0)", "not_reached"),  # the input stops at t = 5
        ("piecewise(0, time < 0, 1)", "ok"),  # Dalle Pezze 2016's form: constant for t >= 0
        ("1", "ok"),  # only a readout is the clock (`elapsed`): it moves, the state does not
    ],
)
def test_rates_that_depend_on_time_are_no_steady_state(tmp_path, switch, status) -> None:
    """An input that stops at t = 5 gave A = 2 (its balance with the input frozen at
    t = 0), "steady state verified, stable", where a long run goes to 0 (as
    libroadrunner's own steadyState() also says 2). A model that reads the clock is now
    judged with the clock moved on too."""
    path = tmp_path / "clock.ant"
    path.write_text(
        f"model clock\n  J1: -> A; k*{switch};\n  J2: A -> ; d*A;\n  k = 1; d = 0.5; A = 0;\n"
        "  elapsed := time;\nend\n"
    )
    ss = ms.load_model(path).steady_state()
    assert ss.status == status, ss.message
    if status != "ok":
        assert "rates depend on time" in ss.message


# ------------------------------------------------- initial assignments, clocks, cycles
def test_a_boundary_species_set_by_an_initial_assignment_follows_its_parameter(
    tmp_path: Path, monkeypatch
) -> None:
    """libroadrunner's reset() leaves a boundary species at its compiled initial
    assignment: ``parameters={"q": 5}`` read "ok" with Xb = 2 and A = 2 (both 10)."""
    monkeypatch.setenv("MTOR_SIM_CACHE", "off")
    m = _ant(
        tmp_path,
        "bnd_ia",
        """model bnd_ia
        compartment C = 1; species $Xb in C; Xb = 2*q; q = 1; species A in C = 0
        J0: $Xb -> A; k*Xb; J1: A -> ; d*A; k = 1; d = 1
        end""",
    )
    ss = m.steady_state(parameters={"q": 5})
    assert ss.status == "ok" and ss["A"] == pytest.approx(10.0, rel=1e-8)
    tc = m.simulate(
        t_end=50, n_points=2, pre_equilibrate=False, parameters={"q": 5}, outputs=["Xb", "A"]
    )
    assert tc.to_dataframe()["Xb"].tolist() == pytest.approx([10.0, 10.0])
    assert m.steady_state()["A"] == pytest.approx(2.0, rel=1e-8)  # and back


def test_an_input_on_a_species_set_by_an_initial_assignment_leaves_the_assignment(
    tmp_path: Path, monkeypatch
) -> None:
    """Setting ``inputs={"A": 3}`` wrote A's initial value, which libroadrunner keeps for
    good in place of the assignment A = 2 p: every later call on the model started A at
    2 whatever p ("ok" with B = 2 for p = 5, not 10)."""
    monkeypatch.setenv("MTOR_SIM_CACHE", "off")
    m = _ant(
        tmp_path,
        "initassign",
        """model initassign
        compartment C = 1; species A in C; species B in C = 0; A = p*2; p = 1
        J1: A -> B; k1*A; k1 = 0.1
        end""",
    )
    assert m.steady_state(inputs={"A": 3})["B"] == pytest.approx(3.0, rel=1e-8)
    assert m.steady_state(parameters={"p": 5})["B"] == pytest.approx(10.0, rel=1e-8)
    start = m.simulate(t_end=1, n_points=2, pre_equilibrate=False, inputs={"A": 3})
    assert start.to_dataframe()["A"].iloc[0] == pytest.approx(3.0)
    again = m.simulate(t_end=1, n_points=2, pre_equilibrate=False, parameters={"p": 5})
    assert again.to_dataframe()["A"].iloc[0] == pytest.approx(10.0)


def test_an_input_replaces_an_initial_assignment_for_everything_at_t0(
    tmp_path: Path, monkeypatch
) -> None:
    """The input is the species' value at t = 0 as SBML means it: other initial
    assignments that read it and events at t = 0 see it, and a knockout still wins (set
    after the reset instead, B = 2 A read 4 for A = 3, an event on A > 2.5 never fired,
    and the input undid the knockout)."""
    monkeypatch.setenv("MTOR_SIM_CACHE", "off")
    m = _ant(
        tmp_path,
        "iab",
        """model iab
        compartment C = 1; species A in C; species B in C; species D in C = 0
        A = p*2; B = A*2; p = 1
        J1: A -> ; k1*A; k1 = 0.01; J2: B -> ; k1*B
        E1: at (A > 2.5), t0 = false: D = 100
        end""",
    )
    start = m.simulate(t_end=1, n_points=2, pre_equilibrate=False, inputs={"A": 3})
    first = start.to_dataframe().iloc[0]
    assert (first["A"], first["B"]) == pytest.approx((3.0, 6.0))
    assert start.to_dataframe()["D"].iloc[-1] == pytest.approx(100.0)
    gone = m.simulate(t_end=1, n_points=2, pre_equilibrate=False, inputs={"A": 3}, knockouts=["A"])
    assert gone.to_dataframe()["A"].iloc[0] == 0.0
    plain = m.simulate(t_end=1, n_points=2, pre_equilibrate=False).to_dataframe().iloc[0]
    assert (plain["A"], plain["B"], plain["D"]) == pytest.approx((2.0, 4.0, 0.0))


def test_a_drift_beside_a_species_an_assignment_rule_sets_is_reported(
    tmp_path: Path, monkeypatch
) -> None:
    """The cycle check after a long integration put every species back, including R,
    which an assignment rule sets and libroadrunner refuses to set: RuntimeError (also
    SBML Test Suite 00691)."""
    monkeypatch.setenv("MTOR_SIM_CACHE", "off")
    m = _ant(
        tmp_path,
        "ruled_drift",
        "model d; compartment C = 1; species A in C = 0; species R in C; R := 2*A\n"
        "J0: -> A; 1; end",
    )
    ss = m.steady_state()
    assert ss.status == "not_reached" and "no steady state reached" in ss.message


def test_a_fast_oscillator_is_named_when_the_integration_runs_out_of_steps(
    tmp_path: Path, monkeypatch
) -> None:
    """A Brusselator (A = 1, B = 3: a limit cycle of period ~7 min) exhausts CVODE's
    steps within the presimulation's one output interval, and read "solver_failed";
    its cycle is now found from where the run stopped."""
    monkeypatch.setenv("MTOR_SIM_CACHE", "off")
    m = _ant(
        tmp_path,
        "bruss",
        """model bruss
        X = 1; Y = 1; A = 1; B = 3
        J1: -> X; A; J2: X -> ; B*X; J3: 2X + Y -> 3X; X^2*Y; J5: -> Y; B*X; J6: X -> ; X
        end""",
    )
    ss = m.steady_state()
    assert ss.status == "not_reached", ss.message
    assert "sustained oscillation" in ss.message
    period = float(ss.message.split("period of about ")[1].split(" min")[0])
    assert 6.0 < period < 8.5


def test_a_readout_that_reads_the_clock_is_given_as_it_settles(tmp_path: Path, monkeypatch) -> None:
    """The state of A' = 1 - A stays at A = 1, but ``obs := A (1 - exp(-time/100))``
    was reported at the state's own time (t = 0 after Newton's method): "ok" with
    obs = 0, where a run gives 1 (also SBML Test Suite 01343, ``tanh(time)``). A readout
    that never settles (``elapsed := time``) has no steady value: NaN, and said."""
    monkeypatch.setenv("MTOR_SIM_CACHE", "off")
    m = _ant(
        tmp_path,
        "timeobs",
        """model t
        species A = 0; J0: -> A; 1; J1: A -> ; A
        obs := A*(1 - exp(-time/100)); elapsed := time
        end""",
    )
    ss = m.steady_state()
    assert ss.status == "ok" and ss["A"] == pytest.approx(1.0)
    assert ss["obs"] == pytest.approx(1.0, rel=1e-6)
    assert math.isnan(ss["elapsed"])
    assert "obs reads the clock" in ss.message and "elapsed reads the clock" in ss.message
    run = m.simulate(t_end=2000, n_points=2, pre_equilibrate=False)
    assert run.to_dataframe()["obs"].iloc[-1] == pytest.approx(ss["obs"], rel=1e-6)


def test_a_stepped_parameter_that_events_or_rules_can_change_is_stepped(
    tmp_path: Path, monkeypatch
) -> None:
    """``step_parameters`` on a parameter an event can assign (even one that never
    fires) or a rate rule drives was kept at its baseline value, with status ok and the
    step recorded in the metadata."""
    monkeypatch.setenv("MTOR_SIM_CACHE", "off")
    m = _ant(
        tmp_path,
        "m4",
        """model m4
        compartment C = 1; species S in C = 10; species P in C = 0
        J1: S -> P; k1*S; J2: P -> S; k2*P; k1 = 0.1; k2 = 0.05
        q = 1; q' = -0.1*q
        E1: at S > 100: k2 = 0.05
        end""",
    )
    tc = m.simulate(
        t_end=20, n_points=3, step_parameters={"k2": 1.0, "q": 5.0}, outputs=["S", "k2", "q"]
    )
    table = tc.to_dataframe()
    assert tc.status == "ok" and table["k2"].tolist() == [1.0, 1.0, 1.0]
    assert table["S"].iloc[-1] == pytest.approx(10 / 1.1, rel=1e-4)  # S/P = k2/k1 = 10
    assert table["q"].iloc[0] == 5.0 and table["q"].iloc[-1] == pytest.approx(5 * math.exp(-2))


def test_a_dose_change_in_a_model_counting_hours_meets_its_output_time(
    tmp_path: Path, monkeypatch
) -> None:
    """36 min is 0.6000000000000001 h against the grid's 0.6: CVODE refused the piece
    between them (CV_TOO_CLOSE) and the course read solver_failed; so did a course whose
    end, converted to minutes and back, left a piece of no length."""
    monkeypatch.setenv("MTOR_SIM_CACHE", "off")
    path = tmp_path / "mh.ant"
    path.write_text(
        "model mh\n  unit time_unit = 3600 second\n  compartment C = 1\n"
        "  species R in C = 0; species A in C = 1\n"
        "  J1: -> R; ksyn*A; J2: R -> ; kdeg*R; ksyn = 1; kdeg = 0.5\nend\n"
    )
    m = ms.load_model(path, targets={"mTORC1_FRB": ["ksyn"]})
    tc = m.simulate(
        schedule=ms.Schedule.segments("everolimus", [(0, 36, 10)]), t_end=1.0, n_points=6
    )
    assert tc.status == "ok", tc.message
    # the row at the cut shows the piece that starts there (drug gone), as documented
    assert tc.exposure()["everolimus"].tolist() == [10.0, 10.0, 10.0, 0.0, 0.0, 0.0]
    end = m.simulate(
        schedule=ms.Schedule.segments("everolimus", [(0, 498, 10)]), t_end=8.3, n_points=3
    )
    assert end.status == "ok", end.message


def test_a_course_says_when_the_models_events_shaped_its_baseline(
    tmp_path: Path, monkeypatch
) -> None:
    """A stimulus switched on by an event at t = 10 had run during pre-equilibration:
    the course started stimulated, "ok", without a word."""
    monkeypatch.setenv("MTOR_SIM_CACHE", "off")
    m = _ant(
        tmp_path,
        "m8",
        """model m8
        compartment C = 1; species R in C = 0; J1: -> R; stim; J2: R -> ; kdeg*R
        stim = 0; kdeg = 0.1; E1: at time > 10: stim = 1
        end""",
    )
    with pytest.warns(UserWarning, match="stim changed by them"):
        tc = m.simulate(t_end=40, n_points=5, outputs=["R", "stim"])
    assert "pre_equilibrate=False runs the model's own protocol" in tc.message
    own = m.simulate(t_end=40, n_points=5, pre_equilibrate=False, outputs=["R"])
    assert own.to_dataframe()["R"].iloc[0] == 0.0 and "events helped" not in own.message
    # an event that never fires changes nothing: no warning, and the note says "may"
    never = _ant(
        tmp_path,
        "never",
        """model never
        compartment C = 1; species R in C = 0; J1: -> R; ks; J2: R -> ; 0.1*R; ks = 1
        E1: at R > 1000: ks = 0
        end""",
    )
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        quiet = never.simulate(t_end=40, n_points=5)
    assert "any of the model's events that fired on the way there" in quiet.message
    assert "helped reach" not in quiet.message


def test_repeated_calls_on_a_model_refusing_moiety_analysis_keep_their_perturbation(
    tmp_path: Path, monkeypatch
) -> None:
    """A rate rule on a species makes libroadrunner refuse moiety analysis, and its
    Newton solver then regenerates the model, putting the initial values set on it back
    to the SBML's: a second identical call read them as set and started from the
    defaults ("ok", the unperturbed steady state)."""
    monkeypatch.setenv("MTOR_SIM_CACHE", "off")
    model = _ant(
        tmp_path,
        "ruled",
        """model ruled
  compartment C = 3; species A in C, pA in C, R in C; A = 4; pA = 0; R = 1
  syn: -> A; ks
  deg: A -> ; kd*A
  ph: A -> pA; k1*A
  dph: pA -> A; k2*pA
  R' = kr*(pA - R)
  ks = 0.5; kd = 0.1; k1 = 1; k2 = 1; kr = 1
end""",
    )
    for kwargs in ({"parameters": {"ks": 0}}, {"cut": ["syn"]}, {"knockouts": ["A"]}):
        first, second = model.steady_state(**kwargs), model.steady_state(**kwargs)
        assert first.success and second.success, (first.message, second.message)
        assert_allclose(second.species.to_numpy(), 0.0, atol=1e-9, err_msg=str(kwargs))
        assert_allclose(first.species.to_numpy(), 0.0, atol=1e-9, err_msg=str(kwargs))
    # the wild type in between and after: ks / kd = 5 in each species
    assert_allclose(model.steady_state().species.to_numpy(), 5.0, rtol=1e-6)


DELAYED = """
model delayed
  compartment c = 1; species S in c; species A in c
  S = 1.5; k = 1; A = 1; kd = 0.1
  R1: A -> ; kd*A
  E0: at 2.5 after (S > k), t0=false, fromTrigger=false: S = S^2
  E1: at 1.3 after (S > k), t0=false: S = 5
end
"""


@pytest.mark.parametrize("prefixed", [False, True])
def test_delayed_events_follow_each_calls_values(tmp_path: Path, prefixed: bool) -> None:
    """libroadrunner's reset keeps pending delayed events, and a just-compiled runner
    holds its t = 0 events triggered on the compiled values: a first call with k = 2
    (trigger false at t = 0) fired them anyway (S 25, "ok"), and a run cut short fired
    the next course's events twice. Expected: S = 1.5 -> 5 at t = 1.3 -> 25 at 2.5.
    The same model with its SBML elements written with a namespace prefix
    (``<sbml:delay>``) is the same model."""
    model = _ant(tmp_path, "delayed", DELAYED)
    if prefixed:
        text = model.sbml
        core = re.search(r'xmlns="([^"]+/core)"', text)
        assert core is not None
        text = text.replace(f'xmlns="{core.group(1)}"', f'xmlns:sbml="{core.group(1)}"')
        mathml = "math|ci|cn|apply|gt|lt|power|times|plus|minus|csymbol"
        text = re.sub(rf"<(/?)(?!\?|(?:{mathml})\b)([A-Za-z])", r"<\1sbml:\2", text)
        assert "<sbml:delay>" in text
        (tmp_path / "prefixed.xml").write_text(text)
        model = ms.load_model(tmp_path / "prefixed.xml")

    def s(**kw) -> list[float]:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            tc = model.simulate(t_end=10, n_points=11, pre_equilibrate=False, **kw)
        assert tc.status == "ok", tc.message
        return tc.to_dataframe()["S"].tolist()

    fires = [1.5, 1.5, 5.0, 25.0] + [25.0] * 7
    assert s(parameters={"k": 2.0}) == pytest.approx([1.5] * 11)
    assert s() == pytest.approx(fires)
    assert s(inputs={"S": 0.5}) == pytest.approx([0.5] * 11)
    short = model.simulate(t_end=1, n_points=3, pre_equilibrate=False)
    assert short.status == "ok"
    assert s() == pytest.approx(fires)
    assert s(knockouts=["S"]) == pytest.approx([0.0] * 11)
    assert s(parameters={"k": 0.5}) == pytest.approx(fires)
    # a subnormal value, which libroadrunner cannot read back from the SBML text
    assert s(parameters={"kd": 1e-320}) == pytest.approx(fires)


def test_an_event_whose_trigger_is_true_between_two_crossings_fires(tmp_path: Path) -> None:
    """x > 0.45 && x < 0.475 is true for 0.025 min; CVODE's steps between output points
    are longer, and libroadrunner locates a trigger as one root function, its truth: the
    event never fired and y stayed 0 with status ok (SBML Test Suite 01511)."""
    model = _ant(
        tmp_path,
        "window",
        "model window\n  x = 0; y = 0\n  x' = 1\n  E0: at (x > 0.45 && x < 0.475): y = 1\nend\n",
    )
    tc = model.simulate(t_end=1, n_points=11, pre_equilibrate=False)
    assert tc.status == "ok", tc.message
    assert tc.to_dataframe()["y"].tolist() == pytest.approx([0.0] * 5 + [1.0] * 6)
    assert model.steady_state().message.count("event(s)") <= 1  # its sentinels not counted


@pytest.mark.parametrize(
    ("jump", "x0"),
    [("ceiling(4*x)", 1.0), ("floor(4*x) + 1", 0.9), ("floor(4*x) + 1", 1.0)],
)
def test_a_rate_that_jumps_with_a_rounded_state_follows_each_jump(
    tmp_path: Path, jump: str, x0: float
) -> None:
    """dx/dt = -k! / 25 for x in the k-th quarter: the exact course is piecewise linear.
    CVODE kept a Jacobian from across a jump of `ceiling`/`floor`, and the steps after it
    took the old slope: x ended up to 0.018 off with status ok (as S1 in Test Suite 00173)."""
    model = _ant(
        tmp_path, "jumps", f"model jumps\n  x = {x0}\n  x' = -factorial({jump}) / 25\nend\n"
    )
    tc = model.simulate(t_end=2, n_points=51, pre_equilibrate=False)
    assert tc.status == "ok", tc.message
    corners, times = [x0], [0.0]
    for k in (4, 3, 2, 1):
        low = (k - 1) / 4
        if corners[-1] > low:
            times.append(times[-1] + (corners[-1] - low) / (math.factorial(k) / 25))
            corners.append(low)
    course = tc.to_dataframe()["x"]
    exact = np.interp(course.index.to_numpy(dtype=float), times, corners)
    assert_allclose(course.to_numpy(), exact, rtol=1e-6, atol=1e-9)
