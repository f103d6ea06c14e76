"""Knockouts of SBML models remove a protein in all its forms; clamping one form is the
old behaviour, by name; both run on one compiled model where they can; SBML names work
wherever ids do."""

from __future__ import annotations

import re
from pathlib import Path

import numpy as np
import pytest
from conftest import REFERENCE_DIR
from numpy.testing import assert_allclose

import mtor_sim as ms

# A <-> pA, A + B <-> AB, Out made while pA is present; R made, activated, degraded
KO_FORMS = Path(__file__).parent / "data" / "ko_forms.ant"


@pytest.fixture(scope="module")
def small() -> ms.Model:
    return ms.load_model(KO_FORMS)


def test_forms_are_the_species_of_a_conservation_law(small: ms.Model) -> None:
    assert set(small.knockout_forms("A").species) == {"A", "pA", "AB"}
    assert set(small.knockout_forms("pA").species) == {"A", "pA", "AB"}
    assert set(small.knockout_forms("B").species) == {"B", "AB"}  # A is not B's form
    # a complex lies in one law per protein: it is a form of both
    assert set(small.knockout_forms("AB").species) == {"A", "pA", "AB", "B"}
    # no conservation law with synthesis and degradation set aside: R's forms, R's synthesis
    r = small.knockout_forms("R")
    assert set(r.species) == {"R", "pR"} and r.synthesis == ("R_syn",)
    assert small.knockout_forms("Out").species == ("Out",)


def test_knockout_removes_every_form_and_leaves_the_partner(small: ms.Model) -> None:
    ss = small.steady_state(knockouts=["A"])
    assert ss.success, ss.message
    assert_allclose(ss.species[["A", "pA", "AB", "Out"]], 0.0, atol=1e-12)
    assert_allclose(ss["B"], 2.0, rtol=1e-9)  # B's whole pool, freed from AB
    ss = small.steady_state(knockouts=["R"])  # synthesis off: R and pR gone
    assert ss.success, ss.message
    assert_allclose(ss.species[["R", "pR"]], 0.0, atol=1e-12)
    assert ss.perturbation["knockouts"] == ["R"]


def test_clamp_by_name_drains_the_pool_through_one_form(small: ms.Model) -> None:
    # removed: the protein is absent from t = 0. Clamped: the one species stays at zero,
    # the others drain through it (A phosphorylated into the clamped pA at rate k_phos)
    removed = small.simulate(t_end=2, n_points=21, pre_equilibrate=False, knockouts=["A"])
    clamped = small.simulate(t_end=2, n_points=21, pre_equilibrate=False, knockouts=["pA:clamp"])
    assert removed.success and clamped.success
    assert_allclose(removed.to_dataframe()[["A", "pA", "AB"]].to_numpy(), 0.0, atol=1e-12)
    c = clamped.to_dataframe()
    assert_allclose(c["pA"], 0.0, atol=1e-12)
    pool = (c["A"] + c["AB"]).to_numpy()
    assert pool[0] == pytest.approx(1.0)
    assert np.all(np.diff(pool) < 0) and pool[-1] < 0.8  # mass leaves the model
    assert (
        "pA KO (clamped)"
        in ms.knockout_screen(
            small, ["Out"], nodes=["pA"], interactions=[], knockout_mode="clamp", progress=False
        )
        .table["target"]
        .tolist()
    )


def test_knockout_screen_reuses_one_compiled_model() -> None:
    m = ms.load_model(KO_FORMS)
    screen = ms.knockout_screen(m, ["Out", "B"], interactions=[], progress=False)
    assert (screen.table["status"] == "ok").all()
    # no model compiled per knockout: one runner, and one without moiety analysis for a
    # knockout that leaves a pool moiety analysis cannot resolve (B's: its row holds A's
    # forms too, and B's own terms are round-off beside them), solved again on it
    assert set(m._runners) <= {(frozenset(), True), (frozenset(), False)}
    # and each row equals the same knockout alone on a fresh model (no state carried)
    fresh = ms.load_model(KO_FORMS)
    for node in ("AB", "R"):
        row = screen.table.set_index("target").loc[f"{node} KO", ["Out", "B"]]
        ss = fresh.steady_state(knockouts=[node])
        assert_allclose(row.to_numpy(float), ss.readouts[["Out", "B"]], rtol=1e-9, atol=1e-12)


def test_knockout_of_a_form_an_initial_assignment_sets(tmp_path: Path) -> None:
    path = tmp_path / "assigned.ant"
    path.write_text(
        "model assigned\n  species A, pA = 0, C = 1\n  A = Atot\n  Atot = 2\n"
        "  J1: A -> pA; k1*A\n  J2: pA -> A; k2*pA\n  J3: -> C; k3*pA\n  J4: C -> ; k4*C\n"
        "  k1 = 1; k2 = 1; k3 = 1; k4 = 1\nend\n"
    )
    m = ms.load_model(path)
    assert "A" in m.knockout_forms("pA").assigned
    for _ in range(2):  # twice: the initial assignment still holds after a knockout
        ss = m.steady_state(knockouts=["pA"])
        assert ss.success, ss.message
        assert_allclose(ss.species[["A", "pA", "C"]], 0.0, atol=1e-12)
        base = m.steady_state()
        assert_allclose(base.species[["A", "pA"]], 1.0, rtol=1e-8)
    tc = m.simulate(t_end=1, n_points=3, pre_equilibrate=False, knockouts=["pA"])
    assert_allclose(tc.to_dataframe()[["A", "pA"]].to_numpy(), 0.0, atol=1e-12)


def test_an_initial_assignment_reading_a_knocked_out_species_sees_zero(tmp_path: Path) -> None:
    """B = 2*A at t = 0. A knocked out: B starts at 0, as in the model written with the
    knockout, whether or not A's own start is an initial assignment (it was 2*1.5 = 3
    when one set A, and 0 when none did)."""
    for a_start in ("A = 1.5", "a0 = 1.5; A = a0"):
        path = tmp_path / "reads.ant"
        path.write_text(
            f"model reads\n  species A, B\n  {a_start}\n  B = 2*A\n"
            "  J1: A -> ; kd*A\n  J2: B -> ; kd*B\n  kd = 0.1\nend\n"
        )
        m = ms.load_model(path)
        for knockouts, start in ((["A"], [0.0, 0.0]), ([], [1.5, 3.0]), (["A"], [0.0, 0.0])):
            tc = m.simulate(t_end=1, n_points=2, pre_equilibrate=False, knockouts=knockouts)
            assert tc.status == "ok", tc.message
            assert_allclose(tc.to_dataframe()[["A", "B"]].iloc[0], start, atol=1e-12)
        ms.load_model(path).to_sbml(tmp_path / "written.xml", knockouts=["A"])
        tc = ms.load_model(tmp_path / "written.xml").simulate(
            t_end=1, n_points=2, pre_equilibrate=False
        )
        assert_allclose(tc.to_dataframe()[["A", "B"]].iloc[0], 0.0, atol=1e-12)


def test_removal_equals_clamping_at_steady_state_on_dalle_pezze_2012() -> None:
    # every form drains through the clamped one, so at steady state both meanings agree
    # on this model; the removal reuses the compiled model, the clamp compiles one each
    m = ms.load_model(REFERENCE_DIR / "dalle_pezze_2012_BIOMD0000000581.xml")
    for node in ("species_27", "species_23"):  # Akt (3 forms); PI3K (a boundary species)
        a = m.steady_state(knockouts=[node])
        b = m.steady_state(knockouts=[f"{node}:clamp"])
        assert a.success and b.success, (a.message, b.message)
        common = b.readouts.index
        assert_allclose(a.readouts[common], b.readouts, rtol=1e-6, atol=1e-9)


def test_knockout_modes_say_what_is_wrong(small: ms.Model, model: ms.Model) -> None:
    with pytest.raises(ms.UnknownNameError, match="knockout mode"):
        ms.knockout_screen(small, ["Out"], knockout_mode="clmap", progress=False)
    with pytest.raises(ms.UnknownNameError, match="'A:clamp' to clamp"):
        small.steady_state(knockouts=["A:zero"])
    with pytest.raises(ms.MtorSimError, match="no single species to clamp"):
        model.steady_state(knockouts=["AKT:clamp"])


def test_sbml_names_are_accepted_with_a_did_you_mean(small: ms.Model) -> None:
    # B is named "partner", J_bind "A binds B"
    ss = small.steady_state(knockouts=["partner"], cut=["A binds B"], inputs={"partner": 3})
    assert ss.perturbation["knockouts"] == ["B"]
    assert ss.perturbation["cut"] == ["J_bind"]
    assert ss.perturbation["inputs"] == {"B": 3.0}
    sw = ms.sweep(small, {"k_on": [1.0]}, readouts=["partner"], progress=False)
    assert "B" in sw.to_dataframe().columns
    with pytest.raises(ms.UnknownNameError, match="did you mean 'A binds B' \\(id 'J_bind'\\)"):
        small.steady_state(cut=["A bind B"])
    with pytest.raises(ms.UnknownNameError, match="did you mean 'partner' \\(id 'B'\\)"):
        small.steady_state(knockouts=["partnr"])


def test_a_parameter_is_varied_by_its_sbml_name(small: ms.Model) -> None:
    """``vary=`` takes a parameter's SBML name as ``parameters=`` does (k_on is named
    "binding rate")."""
    by_name = ms.sensitivity(small, "Out", vary=["binding rate"], progress=False)
    by_id = ms.sensitivity(small, "Out", vary=["k_on"], progress=False)
    assert list(by_name.table["parameter"]) == ["k_on"]
    assert_allclose(by_name.table["sensitivity"], by_id.table["sensitivity"])
    with pytest.raises(ms.UnknownNameError, match="did you mean 'binding rate'"):
        ms.sensitivity(small, "Out", vary=["binding rat"], progress=False)


def test_a_shared_sink_does_not_join_two_proteins(tmp_path: Path) -> None:
    """Two proteins degraded into one floating "Sink" species (common in published
    models) shared one conservation law through it, so knocking out A removed B too
    ("ok", B = 0 where 1.1); a protein's own inactive pool stays its form."""
    path = tmp_path / "sink.ant"
    path.write_text(
        "model sink\n  species A = 1, pA = 0, B = 1, pB = 0, Sink = 0, Out = 0, R = 1, iR = 1\n"
        "  asyn: -> A; 0.1\n  ph: A -> pA; A\n  dph: pA -> A; pA\n  adeg: pA -> Sink; 0.1*pA\n"
        "  bsyn: -> B; 0.1\n  bph: B -> pB; B\n  bdph: pB -> B; pB\n  bdeg: pB -> Sink; 0.1*pB\n"
        "  outp: -> Out; pB\n  outd: Out -> ; Out\n  sinkd: Sink -> ; Sink\n"
        "  rsyn: -> R; 0.1\n  rin: R -> iR; 0.1*R\n  rdeg: iR -> ; 0.1*iR\nend\n"
    )
    m = ms.load_model(path)
    assert m.knockout_forms("A").species == ("A", "pA")
    assert m.knockout_forms("A").synthesis == ("asyn",)
    assert set(m.knockout_forms("R").species) == {"R", "iR"}  # fed by R only: R's form
    ss = m.steady_state(knockouts=["A"])
    assert ss.success, ss.message
    assert_allclose(ss.species[["A", "pA"]], 0.0, atol=1e-12)
    # B's cycle as in the wild type: synthesis 0.1 = degradation 0.1 pB, B = pB + 0.1
    assert_allclose(ss.species[["B", "pB", "Out", "Sink"]], [1.1, 1.0, 1.0, 0.1], rtol=1e-6)
    ss = m.steady_state(knockouts=["R"])
    assert_allclose(ss.species[["R", "iR"]], 0.0, atol=1e-12)
    assert m.knockout_forms("Sink").species == ("Sink",)  # shared: neither protein's


def test_an_enzymes_product_and_an_irreversible_complex_keep_their_meaning(
    tmp_path: Path,
) -> None:
    """What the sink rule must leave alone (a first version of it made an enzyme's
    product a form of the enzyme, and dropped a complex nothing dissociates)."""
    path = tmp_path / "enzyme.ant"
    path.write_text(
        "model enzyme\n  species E = 1, S = 10, ES = 0, P = 0, A = 1, B = 1, AB = 2\n"
        "  ssyn: -> S; 1\n  sdeg: S -> ; 0.1*S\n  bind: E + S -> ES; E*S - ES\n"
        "  cat: ES -> E + P; ES\n  psyn: -> P; 0.5\n  pdeg: P -> ; P\n"
        "  ab: A + B -> AB; A*B\n  abdeg: AB -> ; 0.1*AB\n  asyn: -> A; 0.1\n"
        "  adeg: A -> ; 0.1*A\n  bsyn: -> B; 0.1\n  bdeg: B -> ; 0.1*B\nend\n"
    )
    m = ms.load_model(path)
    enzyme = m.knockout_forms("E")
    assert set(enzyme.species) == {"E", "ES"} and enzyme.synthesis == ()
    ss = m.steady_state(knockouts=["E"])
    assert ss.success, ss.message
    assert_allclose(ss.species[["P", "S"]], [0.5, 10.0], rtol=1e-6)  # P: its own synthesis
    assert set(m.knockout_forms("A").species) == {"A", "AB"}
    assert set(m.knockout_forms("B").species) == {"B", "AB"}


def test_a_knockout_of_what_is_not_a_node_says_what_it_is(tmp_path: Path) -> None:
    """A species a rule sets, a parameter and a reaction each got "unknown node", as if
    misspelt; each now says what it is and what to use instead."""
    path = tmp_path / "ruled.ant"
    path.write_text(
        "model ruled\n  species A = 1, pA = 0, R = 1, Y\n  syn: -> A; ks\n  deg: A -> ; kd*A\n"
        "  ph: A -> pA; A\n  dph: pA -> A; pA\n  R' = pA - R\n  Y := 2*pA\n"
        "  ks = 0.5; kd = 0.1\nend\n"
    )
    m = ms.load_model(path)
    for name, said in (
        ("R", "is set by a rule"),
        ("Y", "is set by a rule"),
        ("ks", "set it with parameters={'ks': 0}"),
        ("syn", "cut=['syn']"),
    ):
        with pytest.raises(ms.UnknownNameError, match=re.escape(said)):
            m.steady_state(knockouts=[name])
    with pytest.raises(ms.UnknownNameError, match="unknown node 'Zz'"):
        m.steady_state(knockouts=["Zz"])


def test_a_clamped_species_stays_at_zero_when_an_event_assigns_it(tmp_path: Path) -> None:
    """`A:clamp` made A a constant boundary species, but the model's event (A = A + 3 at
    t > 5) still wrote it: "ok", A = 3 at steady state. A clamp holds for the whole run."""
    path = tmp_path / "evented.ant"
    path.write_text(
        "model evented\n  species A = 1, pA = 0, B = 0\n  syn: -> A; 0.1\n  deg: A -> ; 0.1*A\n"
        "  ph: A -> pA; A\n  dph: pA -> A; pA\n  mk: -> B; pA\n  bd: B -> ; 0.5*B\n"
        "  at time > 5: A = A + 3\nend\n"
    )
    m = ms.load_model(path)
    ss = m.steady_state(knockouts=["A:clamp"])
    assert ss.success, ss.message
    assert_allclose(ss.species[["pA", "B"]], 0.0, atol=1e-12)
    tc = m.simulate(t_end=20, n_points=21, knockouts=["A:clamp"], pre_equilibrate=False)
    assert_allclose(tc.to_dataframe()[["A", "pA", "B"]].to_numpy(), 0.0, atol=1e-12)
    with pytest.warns(RuntimeWarning, match="an event of the model assigns A"):
        m.steady_state(knockouts=["A"])  # removed, not clamped: the event may put it back


def test_a_clamp_wins_over_an_input_of_the_same_species(small: ms.Model) -> None:
    """Knockouts come after inputs, so the knockout wins; a clamp made the species a
    constant and the input then set that constant: `inputs={"pA": 3}` (or a step to 3 at
    t = 0) with `pA:clamp` held pA at 3, not 0, and reported "ok"."""
    removed = small.steady_state(inputs={"pA": 3.0}, knockouts=["pA"])
    clamped = small.steady_state(inputs={"pA": 3.0}, knockouts=["pA:clamp"])
    assert removed.success and clamped.success, clamped.message
    assert_allclose(removed.species[["A", "pA", "AB"]], 0.0, atol=1e-12)
    assert_allclose([clamped["pA"], clamped["Out"]], 0.0, atol=1e-12)
    for given in ({"inputs": {"pA": 3.0}}, {"step_inputs": {"pA": 3.0}}):
        tc = small.simulate(t_end=1, n_points=3, knockouts=["pA:clamp"], **given)
        assert tc.success, tc.message
        assert_allclose(tc.to_dataframe()[["pA", "Out"]].to_numpy(), 0.0, atol=1e-12)


@pytest.mark.parametrize(
    "kw",
    [
        {"parameters": {"k_on": 1.0, "binding rate": 5.0}},
        {"inputs": {"B": 1.0, "partner": 4.0}},
    ],
)
def test_an_id_and_its_sbml_name_together_are_refused(small: ms.Model, kw: dict) -> None:
    """Both keys meant one quantity: the value given last won and the other was dropped
    without a word (`parameters={"k_on": 1, "binding rate": 5}` ran with k_on = 5)."""
    with pytest.raises(ValueError, match="twice, as"):
        small.steady_state(**kw)
