"""Tests of perturbation checking and of the drug catalogue (mtor_sim._perturb, _catalogue)."""

from __future__ import annotations

import math
import re

import numpy as np
import pytest
from conftest import REFERENCE_DIR
from numpy.testing import assert_allclose

import mtor_sim as ms
from mtor_sim._catalogue import occupancy

BRANNMARK = REFERENCE_DIR / "brannmark_2013_BIOMD0000000448.xml"

# catalogue target site -> suffix of the model's potency parameter K_<drug>_<suffix>
SITE_SUFFIX = {
    "mTORC1_FRB": "FRB",
    "mTORC1_ATP": "C1",
    "mTORC2_ATP": "C2",
    "PI3K": "PI3K",
    "PI3K_beta": "PI3Kb",
    "AKT": "AKT",
    "RAF": "RAF",
    "FGFR": "FGFR",
    "VEGFR": "VEGFR",
}
# catalogue target site -> the model's occupancy assignment rule
SITE_RULE = {
    "mTORC1_FRB": "occ_FRB",
    "mTORC1_ATP": "occ_mTORC1_ATP",
    "mTORC2_ATP": "occ_mTORC2_ATP",
    "PI3K": "occ_PI3K",
    "PI3K_beta": "occ_PI3Kb",
    "AKT": "occ_AKT",
    "RAF": "occ_RAF",
    "FGFR": "occ_FGFR",
    "VEGFR": "occ_VEGFR",
}


def _potency_parameter(drug: str, site: str) -> str:
    if drug == "dactolisib" and site in ("mTORC1_ATP", "mTORC2_ATP"):
        return "K_dactolisib_mTOR"  # one mTOR potency for both complexes
    return f"K_{drug}_{SITE_SUFFIX[site]}"


@pytest.fixture(scope="module")
def brannmark() -> ms.Model:
    return ms.load_model(BRANNMARK)


# ----------------------------------------------------------------- unknown names
@pytest.mark.parametrize(
    ("kwargs", "kind", "wrong", "closest"),
    [
        ({"drugs": {"everolimu": 10}}, "drug", "everolimu", "everolimus"),
        ({"genotype": "PTEN_los"}, "genotype", "PTEN_los", "PTEN_loss"),
        ({"genotype": ["WT", "mTORC2_hgh"]}, "genotype", "mTORC2_hgh", "mTORC2_high"),
        ({"knockouts": ["mTORC1_"]}, "node", "mTORC1_", "mTORC1"),
        ({"knockouts": ["4EBP"]}, "node", "4EBP", "4EBP1"),
        ({"cut": ["S6K1 -| IRS"]}, "interaction", "S6K1 -| IRS", "S6K1 -| IRS1"),
        ({"parameters": {"k_PTN": 1.0}}, "parameter", "k_PTN", "k_PTEN"),
        ({"inputs": {"ENERGY_STRES": 1.0}}, "input", "ENERGY_STRES", "ENERGY_STRESS"),
        ({"inputs": {"gf": 1.0}}, "input", "gf", "GF"),  # case first: difflib finds nothing
    ],
)
def test_unknown_name_suggests_closest(
    model: ms.Model, kwargs: dict, kind: str, wrong: str, closest: str
) -> None:
    pattern = re.escape(f"unknown {kind} {wrong!r}; did you mean {closest!r}?")
    with pytest.raises(ms.UnknownNameError, match=pattern) as info:
        model.steady_state(**kwargs)
    assert isinstance(info.value, KeyError)
    assert isinstance(info.value, ms.MtorSimError)
    assert f"Valid {kind}s:" in str(info.value)
    with pytest.raises(KeyError):  # same check on the time-course verb
        model.simulate(t_end=10, **kwargs)


def test_unknown_name_lists_valid_names(model: ms.Model) -> None:
    with pytest.raises(ms.UnknownNameError) as info:
        model.steady_state(drugs={"aspirin": 1})
    message = str(info.value)
    for name in ms.DRUGS:
        assert name in message


def test_perturbation_round_trips_through_its_dict(model: ms.Model) -> None:
    from mtor_sim._perturb import Perturbation, make_perturbation

    pert = make_perturbation(
        model,
        genotype=["PTEN_loss", "mTORC2_high"],
        drugs={"sorafenib": 300, "everolimus": 10},
        knockouts=["TSC2"],
        cut=["S6K1 -| IRS1"],
        parameters={"GF": 0.5},
        inputs={"WNT": 1.0},
    )
    assert Perturbation.from_dict(pert.as_dict()) == pert
    assert Perturbation.from_dict({}) == Perturbation()


def test_valid_names_are_listed_once_and_plurals_read_well() -> None:
    from mtor_sim._errors import _plural, check_name

    with pytest.raises(ms.UnknownNameError, match=r"Valid readouts or species: a, b$"):
        check_name("c", ["b", "a", "b"], kind="readout or species")
    assert _plural("parameter in `bounds`") == "parameters in `bounds`"
    assert _plural("stratum") == "strata" and _plural("sweep name") == "sweep names"


def test_unknown_readout(wt: ms.SteadyState) -> None:
    with pytest.raises(ms.UnknownNameError, match=r"did you mean 'pAKT_S473'\?"):
        wt["pAKT_S47"]


def test_unknown_readout_in_time_course(model: ms.Model) -> None:
    tc = model.simulate(t_end=10, n_points=2)
    with pytest.raises(ms.UnknownNameError, match=r"did you mean 'proliferation'\?"):
        tc["proliferaton"]


def test_a_drug_on_some_of_its_sites_says_so_once() -> None:
    """Dactolisib mapped on mTORC1_ATP alone acted there in silence, its PI3K and
    mTORC2_ATP sites skipped."""
    import warnings

    m = ms.load_model(BRANNMARK, targets={"mTORC1_ATP": ["k9f1"]})
    with pytest.warns(UserWarning, match="dactolisib acts on .* at mTORC1_ATP only: its site"):
        m.steady_state(drugs={"dactolisib": 10})
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        m.steady_state(drugs={"dactolisib": 20})  # once per model and drug
        rapalogs = ms.load_model(BRANNMARK, targets={"mTORC1_FRB": ["k9f1"]})
        rapalogs.steady_state(drugs={"everolimus": 10})  # its one site mapped: no warning


def test_unknown_target_site(tmp_path) -> None:
    with pytest.raises(ms.UnknownNameError, match=r"did you mean 'mTORC1_FRB'\?"):
        ms.load_model(BRANNMARK, targets={"mTORC1_FRBB": ["k5a1"]})
    with pytest.raises(ms.UnknownNameError, match=r"unknown parameter 'k5a'"):
        ms.load_model(BRANNMARK, targets={"mTORC1_FRB": ["k5a"]})


def test_a_species_a_rule_sets_is_named_as_such_not_as_unknown(tmp_path) -> None:
    """A species set by a rule (Dalle Pezze 2016's Insulin) was refused as an "unknown
    input" among the valid ones, without saying why."""
    ant = tmp_path / "ruled.ant"
    ant.write_text(
        "model ruled\n  compartment C = 1\n  species A in C; species L in C; species T in C\n"
        "  A = 1; T = 1\n  L := 2*k\n  T' = -0.1*T\n  J: A -> ; L*A\n  J2: -> A; 1\n"
        "  k = 0.5\nend\n"
    )
    other = ms.load_model(ant)
    assert other.inputs == ("A",)
    with pytest.raises(ms.UnknownNameError, match=r"assignment rule.*reads \(k\)"):
        other.steady_state(inputs={"L": 1.0})
    # a rule that reads no parameter (Dalle Pezze 2016: Insulin := piecewise(0, time < 0,
    # 0)) was given the same advice, which no one could follow
    fixed = tmp_path / "fixed.ant"
    fixed.write_text(ant.read_text().replace("L := 2*k", "L := piecewise(0, time < 0, 0)"))
    with pytest.raises(ms.UnknownNameError, match=r"reads no parameter, so no verb can"):
        ms.load_model(fixed).steady_state(inputs={"L": 1.0})
    with pytest.raises(ms.UnknownNameError, match="'T' is changed by a rate rule"):
        other.simulate(t_end=1.0, inputs={"T": 1.0})
    with pytest.raises(ms.UnknownNameError, match="unknown input 'B'. Valid inputs: A"):
        other.steady_state(inputs={"B": 1.0})
    # a compartment a rate rule changes is named as such, not as an assignment's target
    grown = tmp_path / "grown.ant"
    grown.write_text(
        "model grown\n  compartment V = 1\n  V' = 0.01\n  species A in V\n  A = 1\n"
        "  J: A -> ; A\n  J2: -> A; 1\nend\n"
    )
    with pytest.raises(ms.UnknownNameError, match="'V' is changed by a rate rule"):
        ms.load_model(grown).simulate(t_end=1.0, inputs={"V": 2.0})
    # a species its reactions change (the bundled model's inputs are named) is no rule's
    with pytest.raises(ms.UnknownNameError, match="unknown input 'PIP3'"):
        ms.load_model().steady_state(inputs={"PIP3": 1.0})


def test_a_knockout_by_the_name_of_a_species_a_rule_sets_is_refused(tmp_path) -> None:
    """An SBML name led to its species without asking whether that is a node: a species a
    rule sets came back as one, which `knockout_forms` described as a protein and a
    clamp (``"Name:clamp"``) failed with a bare ``KeyError``."""
    ant = tmp_path / "named.ant"
    ant.write_text(
        'model named\n  species A = 1; species B = 1; species X\n  X is "Total"\n'
        '  A is "Kinase"\n  X := 2*B\n  J: -> B; 1\n  J2: B -> ; B\n  J3: A -> ; A\n'
        "  J4: -> A; 1\nend\n"
    )
    m = ms.load_model(ant)
    assert m.knockout_forms("Kinase") == m.knockout_forms("A")  # a node's name still works
    for ko in ("Total", "Total:clamp"):
        with pytest.raises(
            ms.UnknownNameError, match=r"'Total' is the SBML name of species 'X'.*set by a rule"
        ):
            m.steady_state(knockouts=[ko])
    with pytest.raises(ms.UnknownNameError, match="set by a rule"):
        m.knockout_forms("Total")


def test_a_name_matching_two_nodes_but_for_case_is_refused(tmp_path) -> None:
    """With a catalogue's gene names, a name is matched to nodes in any case: where two
    ids differ only in case (`Akt`, `AKT`), `akt` silently knocked out the first."""
    ant = tmp_path / "cased.ant"
    ant.write_text(
        "model cased\n  species Akt = 1; species AKT = 1\n  J1: Akt -> ; Akt\n"
        "  J2: -> Akt; 1\n  J3: AKT -> ; AKT\n  J4: -> AKT; 2\nend\n"
    )
    (tmp_path / "cased.catalogue.toml").write_text('[node_aliases]\n"pkb" = "AKT"\n')
    m = ms.load_model(ant)
    with pytest.raises(ms.UnknownNameError, match="'Akt' or 'AKT'"):
        m.steady_state(knockouts=["akt"])
    assert m.steady_state(knockouts=["Akt"])["AKT"] == pytest.approx(2.0, rel=1e-6)
    assert m.steady_state(knockouts=["PKB"])["Akt"] == pytest.approx(1.0, rel=1e-6)


# ----------------------------------------------------------------- bad numbers
BAD_NUMBERS = [-1.0, math.nan, math.inf, -math.inf]


@pytest.mark.parametrize("value", BAD_NUMBERS)
def test_bad_dose(model: ms.Model, value: float) -> None:
    with pytest.raises(ValueError, match=r"drugs\['everolimus'\]"):
        model.steady_state(drugs={"everolimus": value})
    with pytest.raises(ValueError, match=r"drugs\['sorafenib'\]"):
        model.simulate(t_end=10, drugs={"sorafenib": value})


@pytest.mark.parametrize("value", BAD_NUMBERS)
def test_bad_parameter_value(model: ms.Model, value: float) -> None:
    with pytest.raises(ValueError, match=r"parameters\['k_PTEN'\]"):
        model.steady_state(parameters={"k_PTEN": value})


@pytest.mark.parametrize("value", BAD_NUMBERS)
def test_bad_input_value(model: ms.Model, value: float) -> None:
    with pytest.raises(ValueError, match=r"inputs\['GF'\]"):
        model.steady_state(inputs={"GF": value})


@pytest.mark.parametrize("value", [*BAD_NUMBERS, 0.0])
def test_bad_t_end(model: ms.Model, value: float) -> None:
    with pytest.raises(ValueError, match="`t_end`"):
        model.simulate(t_end=value)


def test_bad_message_says_what_is_wrong(model: ms.Model) -> None:
    with pytest.raises(ValueError, match=r"must be >= 0, got -3"):
        model.steady_state(drugs={"everolimus": -3})
    with pytest.raises(ValueError, match=r"must be finite, got nan"):
        model.steady_state(drugs={"everolimus": math.nan})
    with pytest.raises(TypeError, match=r"must be a real number, got str 'ten'"):
        model.steady_state(drugs={"everolimus": "ten"})


@pytest.mark.parametrize("n_points", [1, 0, -5])
def test_bad_n_points(model: ms.Model, n_points: object) -> None:
    with pytest.raises(ValueError, match="`n_points` must be >= 2"):
        model.simulate(t_end=10, n_points=n_points)


@pytest.mark.parametrize("n_points", [2.5, True, "10"])
def test_n_points_must_be_an_integer(model: ms.Model, n_points: object) -> None:
    with pytest.raises(TypeError, match="`n_points` must be an integer"):
        model.simulate(t_end=10, n_points=n_points)


def test_a_time_course_too_large_for_memory_is_refused_before_it_runs(model: ms.Model) -> None:
    # 10 million times of a 2,000-species model asked for 160 GB: the process was killed
    n = len(model.readouts) + len([s for s in model.species if s not in model.readouts])
    with pytest.raises(ValueError, match=rf"10,000,000 x {n} outputs .* over the limit"):
        model.simulate(t_end=10, n_points=10_000_000, pre_equilibrate=False)
    names = [*model.readouts, *(s for s in model.species if s not in model.readouts)]
    with pytest.raises(ValueError, match="over the limit"):  # outputs named one by one
        model.simulate(t_end=10, n_points=9_000_000, outputs=names)


def test_two_points_is_enough(model: ms.Model) -> None:
    assert len(model.simulate(t_end=10, n_points=2).to_dataframe()) == 2


def test_zero_dose_is_no_drug(model: ms.Model, wt: ms.SteadyState) -> None:
    ss = model.steady_state(drugs={"everolimus": 0})
    assert_allclose(ss.readouts.to_numpy(), wt.readouts.to_numpy(), rtol=1e-12, atol=0)


@pytest.mark.parametrize(
    "kw, match",
    [
        ({"parameters": {"GF": 0.5}, "inputs": {"GF": 2.0}}, "'GF' in both"),
        (
            {"parameters": {"dose_everolimus": 3.0}, "drugs": {"everolimus": 10.0}},
            "as the dose of drug 'everolimus'",
        ),
    ],
)
def test_a_value_given_two_ways_is_refused(model: ms.Model, kw: dict, match: str) -> None:
    # inputs and drugs are applied last: the other value was silently ignored
    with pytest.raises(ValueError, match=match):
        model.steady_state(**kw)


def test_a_misspelt_keyword_of_a_batch_verb_names_the_closest(model: ms.Model) -> None:
    # it passed through **perturbation and named an internal function
    with pytest.raises(TypeError, match="'workers'; did you mean 'n_workers'"):
        ms.sweep(model, {"GF": [1.0]}, workers=2)
    with pytest.raises(TypeError, match="'genotpye'; did you mean 'genotype'"):
        ms.dose_response(model, "everolimus", [0, 1], genotpye="PTEN_loss")
    # another verb's option: not "did you mean 'resume'?"
    with pytest.raises(TypeError, match="'resume': this verb does not take it"):
        ms.dose_response(model, "everolimus", [0, 1], resume=True)


def test_bad_argument_types(model: ms.Model) -> None:
    with pytest.raises(TypeError, match="`drugs` must be a mapping"):
        model.steady_state(drugs=["everolimus"])
    with pytest.raises(TypeError, match="`knockouts` must be a name or a list"):
        model.steady_state(knockouts=3)


# ----------------------------------------------------------------- other models
def test_drug_on_reference_model_needs_targets(brannmark: ms.Model) -> None:
    assert brannmark.drugs == ()
    with pytest.raises(ms.MtorSimError, match="`targets=`"):
        brannmark.steady_state(drugs={"everolimus": 10})
    with pytest.raises(ms.UnknownNameError, match="did you mean 'everolimus'"):
        brannmark.steady_state(drugs={"everolimu": 10})


def test_drug_acts_through_targets() -> None:
    other = ms.load_model(BRANNMARK, targets={"mTORC1_FRB": ["k5a1"]})
    assert set(other.drugs) == {"sirolimus", "everolimus", "temsirolimus"}
    base = other.steady_state()
    treated = other.steady_state(drugs={"everolimus": 10})
    assert base.success and treated.success
    assert treated["mTORC1a"] < 0.8 * base["mTORC1a"]
    # the drug is a scaled parameter: same result as setting k5a1 * (1 - occupancy) by hand
    occ = occupancy("mTORC1_FRB", {"everolimus": 10})
    by_hand = other.steady_state(parameters={"k5a1": other.parameters["k5a1"] * (1 - occ)})
    assert_allclose(treated.readouts.to_numpy(), by_hand.readouts.to_numpy(), rtol=1e-9, atol=1e-12)
    # a drug with no target in this mapping is refused
    with pytest.raises(ms.MtorSimError):
        other.steady_state(drugs={"sorafenib": 100})


def test_dose_response_and_combination_on_a_mapped_sbml_model() -> None:
    """No genotype presets on other models: the curve runs on the model as it is."""
    other = ms.load_model(BRANNMARK, targets={"mTORC1_FRB": ["k5a1"]})
    dr = ms.dose_response(other, "everolimus", [0, 1, 10, 100, 1000], readout="mTORC1a")
    assert set(dr.table["genotype"]) == {"baseline"} and (dr.table["status"] == "ok").all()
    assert dr.table["value"].is_monotonic_decreasing and 0.5 < dr.ic50 < 100
    with pytest.raises(ms.MtorSimError, match="genotype presets"):
        ms.dose_response(other, "everolimus", [0, 1, 10], readout="mTORC1a", genotype="WT")
    # a single dose per drug is enough: 0 is added to each axis
    combo = ms.combination(
        ms.load_model(), ["everolimus", "sorafenib"], [10], [300], readout="proliferation"
    )
    assert combo.response.shape == (2, 2)
    with pytest.raises(ValueError, match=r"`doses_a` needs a dose > 0"):
        ms.combination(ms.load_model(), ["everolimus", "sorafenib"], [0], [300])


def test_unmapped_catalogue_drug_mentions_targets() -> None:
    other = ms.load_model(BRANNMARK, targets={"mTORC1_FRB": ["k5a1"]})
    with pytest.raises(ms.MtorSimError, match="`targets=`"):
        other.steady_state(drugs={"sorafenib": 100})


def test_genotype_on_reference_model_refused(brannmark: ms.Model) -> None:
    with pytest.raises(ms.MtorSimError, match="has no genotype presets.*catalogue.toml"):
        brannmark.steady_state(genotype="PTEN_loss")
    with pytest.raises(ms.MtorSimError, match="no genotype presets"):
        brannmark.simulate(t_end=10, genotype="WT")


def test_reference_model_knockout_removes_every_form(brannmark: ms.Model) -> None:
    ss = brannmark.steady_state(knockouts=["S6K"])
    assert ss.success, ss.message
    assert_allclose([ss["S6K"], ss["S6Kp"]], 0.0, rtol=0, atol=1e-12)
    base = brannmark.steady_state()
    assert ss["S6p"] < 0.5 * base["S6p"]


def test_reference_model_every_knockout_is_reported_honestly(brannmark: ms.Model) -> None:
    # several Brannmark knockouts drive a species a hair below zero into a fractional
    # power and CVODE fails; that must show as a status, never as a silent number
    statuses = {}
    for node in ("S6K", "mTORC2", "PKB", "S6K:clamp"):
        ss = brannmark.steady_state(knockouts=[node])
        statuses[node] = ss.status
        if ss.success:
            assert ss.status == "ok"
            assert np.all(np.isfinite(ss.readouts.to_numpy()))
            assert ss.species.min() >= -1e-9
        else:
            assert ss.status in {"not_reached", "unstable", "negative", "solver_failed"}
            assert ss.message
            if ss.status in {"not_reached", "solver_failed"}:
                assert np.all(np.isnan(ss.readouts.to_numpy()))
    assert "ok" in statuses.values()


# ----------------------------------------------------------------- catalogue vs model
def test_every_drug_has_a_dose_parameter(model: ms.Model) -> None:
    assert set(model.drugs) == set(ms.DRUGS)
    for drug in ms.DRUGS.values():
        assert drug.dose_parameter in model.parameters.index
        assert model.parameters[drug.dose_parameter] == 0.0


@pytest.mark.parametrize("drug", list(ms.DRUGS))
def test_catalogue_potency_matches_model(model: ms.Model, drug: str) -> None:
    targets = ms.DRUGS[drug].targets
    assert targets
    for site, potency in targets:
        assert site in ms.TARGET_SITES
        param = _potency_parameter(drug, site)
        assert param in model.parameters.index, f"{drug} on {site}: no parameter {param}"
        assert_allclose(
            potency,
            model.parameters[param],
            rtol=1e-12,
            atol=0,
            err_msg=f"{drug} on {site} vs {param}",
        )


def test_every_model_potency_is_in_catalogue(model: ms.Model) -> None:
    expected = {_potency_parameter(d, site) for d in ms.DRUGS for site, _ in ms.DRUGS[d].targets}
    in_model = {
        p for p in model.parameters.index if p.startswith("K_") and p.split("_")[1] in ms.DRUGS
    }
    assert in_model == expected


def _model_occupancies(
    model: ms.Model, doses: dict[str, float], fkbp12: float = 1.0
) -> dict[str, float]:
    r = model._runner()
    try:
        r.resetAll()
        r["FKBP12_total"] = fkbp12
        for drug, dose in doses.items():
            r[f"dose_{drug}"] = dose
        return {site: float(r[rule]) for site, rule in SITE_RULE.items()}
    finally:
        r.resetAll()


def test_occupancy_matches_model_rules(model: ms.Model) -> None:
    rng = np.random.default_rng(20250101)
    names = list(ms.DRUGS)
    for _ in range(25):
        chosen = rng.choice(names, size=rng.integers(1, 4), replace=False)
        doses = {str(d): float(10 ** rng.uniform(-2, 4)) for d in chosen}
        fkbp12 = float(rng.choice([1.0, 0.3, 2.0]))
        got = _model_occupancies(model, doses, fkbp12)
        for site in SITE_RULE:
            # the model scales rapalog binding by its FKBP12 level: x = FKBP12 * sum(C / K)
            scale = fkbp12 if site == "mTORC1_FRB" else 1.0
            want = occupancy(site, {d: c * scale for d, c in doses.items()})
            assert_allclose(
                got[site],
                want,
                rtol=1e-12,
                atol=1e-15,
                err_msg=f"{site} with {doses}, FKBP12 {fkbp12}",
            )


def test_occupancy_values() -> None:
    assert_allclose(occupancy("mTORC1_FRB", {"everolimus": 1.6}), 0.5, rtol=1e-12, atol=0)
    assert occupancy("mTORC1_FRB", {}) == 0.0
    assert occupancy("RAF", {"everolimus": 100}) == 0.0
    # competition on one site: 1.6 nM everolimus + 0.5 nM sirolimus -> x = 2, occupancy 2/3
    assert_allclose(
        occupancy("mTORC1_FRB", {"everolimus": 1.6, "sirolimus": 0.5}), 2 / 3, rtol=1e-12, atol=0
    )
    # potencies from the catalogue given (a model's own), not the bundled one
    own = {"everolimus": ms.Drug("everolimus", "rapalog", (("mTORC1_FRB", 3.2),), "", "")}
    assert_allclose(occupancy("mTORC1_FRB", {"everolimus": 3.2}, own), 0.5, rtol=1e-12, atol=0)


def test_occupancy_is_used_in_steady_state(model: ms.Model) -> None:
    # everolimus at its potency half-occupies FRB; the model's readout agrees with the
    # allosteric formula mTORC1a * (1 - occ * (1 - rapa_res_S6K1))
    ss = model.steady_state(drugs={"everolimus": 1.6})
    res = model.parameters["rapa_res_S6K1"]
    assert_allclose(
        ss["mTORC1_activity"], ss["mTORC1a"] * (1 - 0.5 * (1 - res)), rtol=1e-9, atol=1e-12
    )


# ----------------------------------------------------------------- perturbation record
def test_perturbation_is_recorded(model: ms.Model) -> None:
    ss = model.steady_state(
        genotype="PTEN_loss",
        drugs={"everolimus": 10},
        knockouts=["FOXO"],
        cut=["ERK -| RAS"],
        parameters={"k_PTEN": 0.5},
        inputs={"GF": 2},
    )
    assert ss.perturbation == {
        "genotype": ["PTEN_loss"],
        "drugs": {"everolimus": 10.0},
        "knockouts": ["FOXO"],
        "cut": ["ERK -| RAS"],
        "parameters": {"k_PTEN": 0.5},
        "inputs": {"GF": 2.0},
    }
    assert ss.metadata["model_hash"] == model.hash


def test_explicit_parameter_overrides_genotype(model: ms.Model) -> None:
    ss = model.steady_state(genotype="PTEN_loss", parameters={"PTEN_total": 1.0})
    wt = model.steady_state()
    assert_allclose(ss.readouts.to_numpy(), wt.readouts.to_numpy(), rtol=1e-9, atol=1e-12)
