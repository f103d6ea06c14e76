"""Tests of model loading and of the bundled model's names and files (mtor_sim._model)."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import libsbml
import numpy as np
import pandas as pd
import pytest
from conftest import REFERENCE_DIR
from numpy.testing import assert_allclose

import mtor_sim as ms

# SPEC section 2: public names of the bundled model.
SPEC_NODES = {
    "RTK",
    "IRS1",
    "PI3K",
    "PIP3",
    "PTEN",
    "PDK1",
    "AKT",
    "TSC2",
    "RHEB",
    "mTORC1",
    "mTORC2",
    "S6K1",
    "4EBP1",
    "FOXO",
    "RAS",
    "RAF",
    "MEK",
    "ERK",
    "AMPK",
    "BCAT",
}
SPEC_INTERACTIONS = {
    "RTK -> IRS1",
    "IRS1 -> PI3K",
    "RTK -> RAS",
    "IRS1 -> RAS",  # revision 3 (models/MECHANISMS.md 2.3), beyond the SPEC list
    "RAS -> RAF",
    "RAF -> MEK",
    "MEK -> ERK",
    "PI3K -> PIP3",
    "PTEN -| PIP3",
    "PIP3 -> AKT",
    "mTORC2 -> AKT",
    "PIP3 -> mTORC2",
    "AKT -| TSC2",
    "AMPK -> TSC2",
    "ERK -| TSC2",
    "TSC2 -| RHEB",
    "RHEB -> mTORC1",
    "AMPK -| mTORC1",
    "mTORC1 -> S6K1",
    "mTORC1 -| 4EBP1",
    "S6K1 -| IRS1",
    "mTORC1 -> GRB10",  # revision 4 (models/MECHANISMS.md 2.7), beyond the SPEC list
    "GRB10 -| IRS1",  # revision 4
    "AKT -| PRAS40",  # revision 5 (models/MECHANISMS.md 2.8), beyond the SPEC list
    "PRAS40 -| mTORC1",  # revision 5
    "S6K1 -| mTORC2",
    "AKT -| FOXO",
    "FOXO -> RTK",
    "ERK -| RAS",
    "ERK -| RTK",  # revision 9 (models/MECHANISMS.md 2.12), beyond the SPEC list
    "BCAT -> EMT",
    "ERK -> translation",  # revision 8 (models/MECHANISMS.md 2.11): RSK, beyond the SPEC list
    "mTORC1 -> EMT",
}
SPEC_READOUTS = {
    "pAKT_T308",
    "pAKT_S473",
    "pS6K1",
    "p4EBP1",
    "pERK",
    "PIP3",
    "IRS1_active",
    "RTK_total",
    "mTORC1_activity",
    "mTORC2_activity",
    "proliferation",
    "survival",
    "EMT",
}
REFERENCE_FILES = sorted(REFERENCE_DIR.glob("*.xml"))


# ----------------------------------------------------------------- names of the bundled model
def test_bundled_model_loads(model: ms.Model) -> None:
    assert isinstance(model, ms.Model)
    assert model.is_bundled
    assert model.name == "mtor_hcc"
    assert model.path == ms.bundled_model_path(".ant")


def test_nodes_are_the_spec_names(model: ms.Model) -> None:
    # every SPEC node is there; the extra nodes are the rapalog receptor FKBP12, GRB10
    # (revision 4, models/MECHANISMS.md 2.7) and PRAS40 (revision 5, 2.8)
    assert set(model.nodes) - {"FKBP12", "GRB10", "PRAS40"} == SPEC_NODES
    assert len(model.nodes) == len(set(model.nodes))


def test_interactions_are_the_spec_names(model: ms.Model) -> None:
    assert set(model.interactions) == SPEC_INTERACTIONS
    assert len(model.interactions) == len(SPEC_INTERACTIONS)


def test_readouts_include_the_spec_names(model: ms.Model) -> None:
    missing = SPEC_READOUTS - set(model.readouts)
    assert not missing, f"readouts missing: {sorted(missing)}"
    assert len(model.readouts) == len(set(model.readouts))


def test_inputs_are_the_spec_conditions(model: ms.Model) -> None:
    assert {"GF", "ENERGY_STRESS", "WNT"} <= set(model.inputs)


def test_annotation_parameters_exist(model: ms.Model) -> None:
    params = set(model.parameters.index)
    layout = model._layout
    for table in (layout.nodes, layout.interactions):
        for name, carried_by in table.items():
            assert carried_by, f"{name!r} is carried by no parameter"
            for p in carried_by:
                assert p in params, f"{name!r} names unknown parameter {p!r}"
    for name, target in layout.inputs.items():
        assert target in params, f"input {name!r} is not a settable parameter"


def test_parameters_are_finite_and_nonnegative(model: ms.Model) -> None:
    values = model.parameters.to_numpy()
    assert len(values) > 100
    assert np.all(np.isfinite(values))
    assert np.all(values >= 0)


def test_untreated_wt_indices_are_one(wt: ms.SteadyState) -> None:
    assert wt.success
    got = [wt[k] for k in ("proliferation", "survival", "EMT", "RTK_total")]
    assert_allclose(got, 1.0, rtol=1e-6, atol=0)


# ----------------------------------------------------------------- .ant <-> SBML export sync
def _ant_to_sbml(text: str) -> str:
    import antimony

    antimony.clearPreviousLoads()
    assert antimony.loadAntimonyString(text) >= 0, antimony.getLastError()
    return antimony.getSBMLString(antimony.getMainModuleName())


def _summary(sbml: str) -> dict[str, dict[str, object]]:
    doc = libsbml.readSBMLFromString(sbml)
    m = doc.getModel()
    assert m is not None

    def formula(node: libsbml.ASTNode | None) -> str:
        return libsbml.formulaToL3String(node) if node is not None else ""

    species = {}
    for s in m.getListOfSpecies():
        init = (
            s.getInitialConcentration()
            if s.isSetInitialConcentration()
            else s.getInitialAmount()
            if s.isSetInitialAmount()
            else None
        )
        species[s.getId()] = (s.getCompartment(), s.getBoundaryCondition(), init)
    rules = {}
    for i in range(m.getNumRules()):
        rule = m.getRule(i)
        kind = "assignment" if rule.isAssignment() else "rate" if rule.isRate() else "algebraic"
        rules[rule.getVariable()] = (kind, formula(rule.getMath()))
    reactions = {}
    for r in m.getListOfReactions():
        law = r.getKineticLaw()
        reactions[r.getId()] = (
            formula(law.getMath() if law is not None else None),
            tuple(sorted((x.getSpecies(), x.getStoichiometry()) for x in r.getListOfReactants())),
            tuple(sorted((x.getSpecies(), x.getStoichiometry()) for x in r.getListOfProducts())),
        )
    return {
        "species": species,
        "initial assignments": {
            a.getSymbol(): formula(a.getMath()) for a in m.getListOfInitialAssignments()
        },
        "parameters": {
            p.getId(): (p.getValue() if p.isSetValue() else None, p.getConstant())
            for p in m.getListOfParameters()
        },
        "reactions": reactions,
        "rules": rules,
        "compartments": {c.getId(): c.getSize() for c in m.getListOfCompartments()},
    }


def sbml_differences(sbml_a: str, sbml_b: str) -> list[str]:
    """Semantic differences between two SBML documents (empty list: in sync)."""
    a, b = _summary(sbml_a), _summary(sbml_b)
    out = []
    for section in a:
        sa, sb = a[section], b[section]
        for key in sorted(set(sa) ^ set(sb)):
            out.append(f"{section}: {key!r} only in {'first' if key in sa else 'second'}")
        for key in sorted(set(sa) & set(sb)):
            va, vb = sa[key], sb[key]
            if section == "parameters":
                (xa, ca), (xb, cb) = va, vb
                same = (
                    ca == cb
                    and (xa is None) == (xb is None)
                    and (
                        xa is None
                        or np.isclose(xa, xb, rtol=1e-12, atol=0)
                        or (np.isnan(xa) and np.isnan(xb))
                    )
                )
            else:
                same = va == vb
            if not same:
                out.append(f"{section}: {key!r} differs: {va!r} != {vb!r}")
    return out


@pytest.fixture(scope="module")
def ant_text() -> str:
    return ms.bundled_model_path(".ant").read_text()


@pytest.fixture(scope="module")
def xml_text() -> str:
    return ms.bundled_model_path(".xml").read_text()


def test_sbml_export_in_sync_with_antimony(ant_text: str, xml_text: str) -> None:
    diffs = sbml_differences(_ant_to_sbml(ant_text), xml_text)
    assert diffs == [], (
        "models/mtor_hcc.xml is out of date; run models/calibrate.py:\n" + "\n".join(diffs)
    )


def _package_copy(tmp_path: Path) -> Path:
    """The package with its models/ and experiments/ beside it, under ``tmp_path``."""
    repo = Path(__file__).resolve().parents[1]
    skip = shutil.ignore_patterns("__pycache__")
    pkg = tmp_path / "mtor_sim"
    shutil.copytree(repo / "src" / "mtor_sim", pkg, ignore=skip)
    shutil.copytree(repo / "models", pkg / "models", ignore=skip)
    shutil.copytree(repo / "experiments", pkg / "experiments", ignore=skip)
    return pkg


def _run_calibrate(pkg: Path) -> subprocess.CompletedProcess:
    env = {**os.environ, "PYTHONPATH": str(pkg.parent), "MTOR_SIM_CACHE": "off"}
    return subprocess.run(
        [sys.executable, str(pkg / "models" / "calibrate.py")],
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )


def test_a_failed_calibration_leaves_the_model_files_as_they_were(tmp_path: Path) -> None:
    """The script rewrites the .ant file (neutral references) and the export along the
    way; a model without a steady state used to leave both so."""
    pkg = _package_copy(tmp_path)
    ant_path, xml = pkg / "models" / "mtor_hcc.ant", pkg / "models" / "mtor_hcc.xml"
    # a species made at a constant rate and never removed: no steady state
    ant = re.sub(
        r"\nend\b", "\n  species Xgrow = 0;\n  J_grow: -> Xgrow; 1;\nend", ant_path.read_text()
    )
    ant_path.write_text(ant)
    export = xml.read_bytes()
    done = _run_calibrate(pkg)
    assert done.returncode == 1
    assert "unchanged" in done.stderr
    assert ant_path.read_text() == ant
    assert xml.read_bytes() == export


def test_calibrate_script_rewrites_a_stale_export_before_importing_the_package(
    tmp_path: Path,
) -> None:
    """``models/calibrate.py`` must run after an edit of the .ant file that the export
    does not have yet. The package's import checks the catalogue against the export, so
    a parameter the catalogue names and the stale export lacks stopped the script."""
    repo = Path(__file__).resolve().parents[1]
    pkg = _package_copy(tmp_path)
    xml = pkg / "models" / "mtor_hcc.xml"
    ant = (pkg / "models" / "mtor_hcc.ant").read_text()
    # the export as it was before revision 10 named this parameter of the catalogue
    stale = re.sub(r'\s*<parameter [^>]*id="K_pictilisib_PI3Kb"[^>]*/>', "", xml.read_text())
    assert 'id="K_pictilisib_PI3Kb"' not in stale
    xml.write_text(stale)
    done = _run_calibrate(pkg)
    assert done.returncode == 0, done.stderr[-2000:]
    assert 'id="K_pictilisib_PI3Kb"' in xml.read_text()
    # the references it recomputes are the shipped ones: the .ant file comes back unchanged
    assert (pkg / "models" / "mtor_hcc.ant").read_text() == ant
    assert sbml_differences(xml.read_text(), (repo / "models" / "mtor_hcc.xml").read_text()) == []


def test_sync_summary_is_not_empty(xml_text: str) -> None:
    # guard against a comparison that would pass because it compares nothing
    s = _summary(xml_text)
    assert len(s["species"]) == 43
    assert len(s["reactions"]) == 61
    assert len(s["parameters"]) > 100
    assert len(s["rules"]) > 20
    assert len(s["initial assignments"]) > 10


@pytest.mark.parametrize(
    ("old", "new", "expected"),
    [
        ("k_PTEN = 0.8;", "k_PTEN = 0.81;", "parameters: 'k_PTEN'"),
        (
            "K_everolimus_FRB = 1.6;",
            "K_everolimus_FRB = 1.6000001;",
            "parameters: 'K_everolimus_FRB'",
        ),
        (
            "RTK_deg: RTK -> ; kdeg_RTK*RTK;",
            "RTK_deg: RTK -> ; 2*kdeg_RTK*RTK;",
            "reactions: 'RTK_deg'",
        ),
        ("EMT := EMTp/EMT_ref;", "EMT := 2*EMTp/EMT_ref;", "rules: 'EMT'"),
        ("AKT = AKT_total;", "AKT = 2*AKT_total;", "initial assignments: 'AKT'"),
        ("  BCAT = 0;  ", "  BCAT = 0; species extra_species = 0; ", "species: 'extra_species'"),
        (
            "EMT_deg: EMTp -> ; k_EMT_deg*EMTp;",
            "EMT_deg2: EMTp -> ; k_EMT_deg*EMTp;",
            "reactions: 'EMT_deg",
        ),
    ],
)
def test_sync_check_detects_an_edit(
    ant_text: str, xml_text: str, old: str, new: str, expected: str
) -> None:
    assert ant_text.count(old) == 1, f"the model text no longer contains {old!r}"
    edited = ant_text.replace(old, new)
    diffs = sbml_differences(_ant_to_sbml(edited), xml_text)
    assert diffs, "an edit of the .ant file went unnoticed"
    assert any(d.startswith(expected) for d in diffs), diffs


# ----------------------------------------------------------------- other model files
@pytest.mark.parametrize("path", REFERENCE_FILES, ids=lambda p: p.stem)
def test_reference_model_loads(path: Path) -> None:
    other = ms.load_model(path)
    assert not other.is_bundled
    doc = libsbml.readSBMLFromFile(str(path))
    m = doc.getModel()
    ruled = {m.getRule(i).getVariable() for i in range(m.getNumRules())}
    species = {s.getId() for s in m.getListOfSpecies()}
    assert set(other.nodes) == species - ruled
    assert set(other.interactions) == {r.getId() for r in m.getListOfReactions()}
    assert len(other.parameters) > 0
    assert np.all(np.isfinite(other.parameters.to_numpy()))
    assert set(other.species) <= set(other.nodes)


def test_local_parameters_are_promoted() -> None:
    path = REFERENCE_DIR / "dalle_pezze_2012_BIOMD0000000581.xml"
    m = libsbml.readSBMLFromFile(str(path)).getModel()
    assert m.getNumParameters() == 0  # the file itself has only reaction-local k1
    # SBML level 2: reaction-local parameters are the kinetic law's parameters
    n_local = sum(r.getKineticLaw().getNumParameters() for r in m.getListOfReactions())
    other = ms.load_model(path)
    assert len(other.parameters) == n_local == 32
    # a promoted parameter really drives its reaction
    p = other.parameters.index[0]
    base = other.simulate(t_end=10, n_points=2, pre_equilibrate=False).to_dataframe()
    changed = other.simulate(
        t_end=10, n_points=2, pre_equilibrate=False, parameters={p: other.parameters[p] * 10 + 1}
    ).to_dataframe()
    assert not np.allclose(base.to_numpy(), changed.to_numpy(), rtol=1e-6, atol=1e-9)


def test_antimony_file_loads(tmp_path: Path) -> None:
    f = tmp_path / "decay.ant"
    f.write_text("model decay\n  X -> ; k*X\n  X = 2; k = 0.5\nend\n")
    m = ms.load_model(f)
    assert m.species == ("X",)
    tc = m.simulate(t_end=2, n_points=3, pre_equilibrate=False)
    assert_allclose(
        tc["X"].to_numpy(), 2 * np.exp(-0.5 * np.array([0.0, 1.0, 2.0])), rtol=1e-6, atol=1e-9
    )


def test_malformed_sbml_raises_naming_the_file(tmp_path: Path) -> None:
    src = REFERENCE_DIR / "brannmark_2013_BIOMD0000000448.xml"
    bad = tmp_path / "truncated_model.xml"
    text = src.read_text(encoding="utf-8")
    bad.write_text(text[: len(text) // 2], encoding="utf-8")
    with pytest.raises(ms.ModelFileError, match=re.escape("truncated_model.xml")):
        ms.load_model(bad)


def test_malformed_antimony_raises_naming_the_file(tmp_path: Path) -> None:
    bad = tmp_path / "broken.ant"
    bad.write_text("model broken\n  X -> ; k*X*(\nend\n")
    with pytest.raises(ms.ModelFileError, match=r"broken\.ant.*Antimony error"):
        ms.load_model(bad)


def test_unknown_extension_raises(tmp_path: Path) -> None:
    f = tmp_path / "model.json"
    shutil.copy(REFERENCE_DIR / "varusai_2018_BIOMD0000000823.xml", f)
    with pytest.raises(ms.ModelFileError, match=r"model\.json.*unsupported extension '\.json'"):
        ms.load_model(f)


def test_missing_file_raises(tmp_path: Path) -> None:
    f = tmp_path / "no_such_model.xml"
    with pytest.raises(ms.ModelFileError, match=r"no_such_model\.xml.*does not exist"):
        ms.load_model(f)


def test_model_file_error_is_a_value_error() -> None:
    assert issubclass(ms.ModelFileError, ValueError)
    assert issubclass(ms.ModelFileError, ms.MtorSimError)


DERIVED = """
model derived
  compartment C = 2
  species S in C
  k = 1
  p2 = 2*k
  S = 10*k
  J: S -> ; p2*S
end
"""


def test_a_variable_parameter_that_only_an_assignment_sets_follows_it(tmp_path):
    """``var kv; kv = kon*10`` (declared variable, but no rule or event changes it) kept
    the value compiled with the default kon when kon was set: P at steady state 0.5
    instead of 1.5, status ok. It follows kon like a declared constant; one that an
    event changes is left to the event (and the full reset that covers it)."""
    path = tmp_path / "var.ant"
    path.write_text(
        "model v\n  species P = 0\n  kon = 0.1\n  var kv = 1\n  kv = kon*10\n"
        "  J3: -> P; kv*0.1\n  J4: P -> ; 0.2*P\nend\n"
    )
    model = ms.load_model(path)
    assert model.steady_state()["P"] == pytest.approx(0.5, rel=1e-6)
    assert model.steady_state(parameters={"kon": 0.3})["P"] == pytest.approx(1.5, rel=1e-6)
    tc = model.simulate(t_end=40, n_points=3, pre_equilibrate=False, parameters={"kon": 0.3})
    assert tc["P"].iloc[-1] == pytest.approx(1.5 * (1 - np.exp(-0.2 * 40)), rel=1e-4)


def test_a_parameters_initial_assignment_that_reads_a_species_follows_what_it_reads(
    tmp_path,
):
    """``r = k * A`` reads a species, so it stays an initial assignment; libroadrunner's
    reset recomputes those of species, not of parameters, so r kept the value compiled
    with the default k when k was set: D(1) = exp(-0.5) instead of exp(-0.9), status
    ok. The reset now starts from the call's parameter values."""
    path = tmp_path / "ia.ant"
    path.write_text(
        "model f1\n  compartment C = 1\n  species A in C; species D in C\n  A = 1; D = 1\n"
        "  R2: D -> ; r*D\n  r = k*A\n  k = 0.5\nend\n"
    )
    model = ms.load_model(path)
    run = dict(t_end=1, n_points=2, pre_equilibrate=False, outputs=["D", "r"])
    for k in (0.9, 0.5, 0.9):  # and back: the initial values follow every call
        tc = model.simulate(parameters={"k": k}, **run)
        assert tc["r"].iloc[0] == pytest.approx(k)
        assert tc["D"].iloc[-1] == pytest.approx(np.exp(-k), rel=1e-5)
    assert model.simulate(**run)["r"].iloc[0] == pytest.approx(0.5)


def test_a_parameter_that_a_rate_rule_changes_starts_where_it_is_set(tmp_path):
    """``T' = -0.1 T + kin``: T is listed among the parameters (its initial value can be
    set), but the reset before each run put it back at 1, so parameters={"T": 3} was
    ignored with status ok; the next call without it starts at the file's value again."""
    path = tmp_path / "rate.ant"
    path.write_text(
        "model rrp\n  species A = 5; species B = 1;\n  T' = -0.1*T + kin\n"
        "  T = 1; kin = 0.05\n  J1: A -> B; kf*T*A\n  J2: B -> A; kb*B\n"
        "  kf = 1; kb = 0.5\nend\n"
    )
    model = ms.load_model(path)
    assert "T" in model.parameters.index
    run = dict(t_end=5, n_points=2, pre_equilibrate=False, outputs=["T"])
    for start in (3.0, 1.0):
        tc = model.simulate(parameters={"T": start}, **run)
        # T(t) = 0.5 + (T0 - 0.5) exp(-0.1 t)
        assert tc["T"].iloc[0] == pytest.approx(start)
        assert tc["T"].iloc[-1] == pytest.approx(0.5 + (start - 0.5) * np.exp(-0.5), rel=1e-5)
    assert model.simulate(**run)["T"].iloc[0] == pytest.approx(1.0)


def test_a_derived_constant_follows_the_parameter_it_reads(tmp_path):
    """p2 = 2*k is an initial assignment: libroadrunner's reset recomputes those of
    species (S = 10*k) but not of parameters, so p2 kept k's old value when k was set."""
    path = tmp_path / "derived.ant"
    path.write_text(DERIVED)
    model = ms.load_model(path)
    assert "p2" not in model.readouts  # a rule only so that it follows k
    tc = model.simulate(
        t_end=1, n_points=3, pre_equilibrate=False, parameters={"k": 3.0}, outputs=["S", "p2"]
    )
    data = tc.to_dataframe()
    assert data["p2"].iloc[0] == pytest.approx(6.0)
    # dS/dt = -p2 S / C (amount rate over volume): S(t) = 30 exp(-3 t)
    assert data["S"].iloc[-1] == pytest.approx(30 * np.exp(-3.0), rel=1e-5)
    # a fit sees the same model
    problem = ms.to_petab(
        path,
        pd.DataFrame({"observableId": "S_obs", "time": [1.0], "measurement": [30 * np.exp(-3.0)]}),
        observables=pd.DataFrame({"observableId": ["S_obs"], "observableFormula": ["S"]}),
        parameters={"k": (0.1, 10.0)},
        out=tmp_path / "petab",
        name="derived",
    )
    objective = ms.PetabObjective(problem)
    default = ms.to_petab(
        path,
        pd.DataFrame({"observableId": "S_obs", "time": [1.0], "measurement": [1.0]}),
        observables=pd.DataFrame({"observableId": ["S_obs"], "observableFormula": ["S"]}),
        out=tmp_path / "default",
    )
    assert "p2" not in set(default.parameter_df.index)  # not estimated apart from k
    x = objective.x_nominal.copy()
    i = objective.x_ids.index("k")
    x[i] = {"lin": 3.0, "log10": np.log10(3.0), "log": np.log(3.0)}[objective.x_scales[i]]
    h, _ = objective.simulate(x)
    assert h[0] == pytest.approx(30 * np.exp(-3.0), rel=1e-5)


def test_a_parameter_that_sizes_a_compartment_is_refused(tmp_path):
    """A volume set by an initial assignment from a parameter (``C = V0``) kept the size
    compiled with the default V0 when V0 was set: a wrong steady state, reported ok.
    Turning the assignment into a rule moved the volume but left the species' amounts at
    the compiled size (their concentrations changed). libroadrunner evaluates such an
    assignment once, at compile time, so setting V0 is refused, in the verbs and in a
    fit; the model file's own value works."""
    import pandas as pd

    path = tmp_path / "volume.xml"
    path.write_text(VOLUME_SBML)
    model = ms.load_model(path)
    # d(amount)/dt = k - k [S] C = 0 at steady state, so [S] = 1 / C (C = V0 = 2)
    assert model.steady_state()["S"] == pytest.approx(0.5, rel=1e-6)
    with pytest.raises(ms.MtorSimError, match="'V0' sets a compartment's size"):
        model.steady_state(parameters={"V0": 4.0})
    with pytest.raises(ms.MtorSimError, match="'V0' sets a compartment's size"):
        ms.sweep(model, {"V0": [2.0, 4.0]}, ["S"], progress=False)
    with pytest.raises(ms.MtorSimError, match="'V0' sets a compartment's size"):
        ms.sensitivity(model, ["S"], vary=["V0"], progress=False)
    assert "V0" not in ms.sensitivity(model, ["S"], progress=False).table["parameter"].to_numpy()
    four = tmp_path / "four.xml"
    four.write_text(
        VOLUME_SBML.replace('<parameter id="V0" value="2"', '<parameter id="V0" value="4"')
    )
    assert ms.load_model(four).steady_state()["S"] == pytest.approx(0.25, rel=1e-6)
    data = pd.DataFrame({"observableId": "S", "time": [1.0], "measurement": [0.3]})
    with pytest.raises(ms.PetabError, match="V0 sets a compartment's size"):
        ms.PetabObjective(ms.to_petab(path, data, parameters=["V0"]))
    # every other way in: a copy, an ensemble's members (copies), a drug's target, and a
    # PEtab parameter table that fixes V0 elsewhere than the model (listing it is fine)
    with pytest.raises(ms.MtorSimError, match="'V0' sets a compartment's size"):
        model.with_parameters({"V0": 4.0})
    assert model.with_parameters({"V0": 2.0, "k": 2.0}).steady_state()["S"] == pytest.approx(0.5)
    with pytest.raises(ms.MtorSimError, match="'V0' sets a compartment's size"):
        model.steady_state(ensemble=pd.DataFrame({"V0": [2.0, 4.0]}))
    with pytest.raises(ms.MtorSimError, match="'V0' sets a compartment's size"):
        ms.load_model(path, targets={"mTORC1_FRB": ["V0"]})
    problem = ms.to_petab(path, data, parameters=["k"])
    table = problem.parameter_df.copy()
    for value, refused in ((2.0, False), (4.0, True)):
        table.loc["V0"] = {**table.iloc[0].to_dict(), "nominalValue": value, "estimate": 0}
        problem.parameter_df = table
        if refused:
            with pytest.raises(ms.PetabError, match="V0 sets a compartment's size"):
                ms.PetabObjective(problem)
        else:
            ms.PetabObjective(problem)


def test_a_parameter_that_sizes_a_compartment_through_a_rule_is_refused(tmp_path):
    """A compartment given by an assignment rule (``C := vol0``): setting vol0 moved the
    size but kept the species' compiled amounts, so [A] started at 2 where the file with
    vol0 = 4 starts it at 4, and the steady state was wrong with status ok."""
    path = tmp_path / "rule.ant"
    path.write_text(
        "model rc\n  compartment C;\n  C := vol0\n  vol0 = 2\n"
        "  species A in C = 4; species B in C = 0;\n"
        "  J1: A -> B; C*0.1*A\n  J2: B -> A; C*0.2*B\nend\n"
    )
    model = ms.load_model(path)
    assert model.steady_state()["A"] == pytest.approx(8 / 3, rel=1e-6)
    with pytest.raises(ms.MtorSimError, match="'vol0' sets a compartment's size"):
        model.steady_state(parameters={"vol0": 4.0})
    with pytest.raises(ms.MtorSimError, match="'vol0' sets a compartment's size"):
        model.simulate(t_end=10, parameters={"vol0": 4.0}, pre_equilibrate=False)
    # species given as amounts keep them, as SBML asks: then setting vol0 is right
    amounts = tmp_path / "amounts.ant"
    amounts.write_text(
        "model ra\n  compartment C;\n  C := vol0\n  vol0 = 2\n"
        "  substanceOnly species A in C; substanceOnly species B in C;\n  A = 8; B = 0\n"
        "  J1: A -> B; 0.1*A\n  J2: B -> A; 0.2*B\nend\n"
    )
    # a linear exchange: 2/3 of the 8 units of amount as A, whatever the volume
    moved = ms.load_model(amounts).steady_state(parameters={"vol0": 4.0})
    assert moved["A"] == pytest.approx(16 / 3, rel=1e-6)


STOICHIOMETRY_SBML = """<?xml version="1.0" encoding="UTF-8"?>
<sbml xmlns="http://www.sbml.org/sbml/level3/version2/core" level="3" version="2">
  <model id="stoichiometry">
    <listOfCompartments>
      <compartment id="C" size="1" constant="true"/>
    </listOfCompartments>
    <listOfSpecies>
      <species id="A" compartment="C" initialConcentration="0" hasOnlySubstanceUnits="false"
               boundaryCondition="false" constant="false"/>
    </listOfSpecies>
    <listOfParameters>
      <parameter id="n" value="2" constant="true"/>
      <parameter id="k" value="1" constant="true"/>
    </listOfParameters>
    <listOfInitialAssignments>
      <initialAssignment symbol="made">
        <math xmlns="http://www.w3.org/1998/Math/MathML"><ci> n </ci></math>
      </initialAssignment>
    </listOfInitialAssignments>
    <listOfReactions>
      <reaction id="make" reversible="false">
        <listOfProducts>
          <speciesReference id="made" species="A" constant="true"/>
        </listOfProducts>
        <kineticLaw>
          <math xmlns="http://www.w3.org/1998/Math/MathML"><ci> k </ci></math>
        </kineticLaw>
      </reaction>
      <reaction id="decay" reversible="false">
        <listOfReactants>
          <speciesReference species="A" stoichiometry="1" constant="true"/>
        </listOfReactants>
        <kineticLaw>
          <math xmlns="http://www.w3.org/1998/Math/MathML">
            <apply><times/><ci> k </ci><ci> A </ci></apply>
          </math>
        </kineticLaw>
      </reaction>
    </listOfReactions>
  </model>
</sbml>
"""


L2_STOICHIOMETRY = """<?xml version="1.0" encoding="UTF-8"?>
<sbml xmlns="http://www.sbml.org/sbml/level2/version4" level="2" version="4">
  <model id="m">
    <listOfCompartments><compartment id="C" size="1"/></listOfCompartments>
    <listOfSpecies><species id="A" compartment="C" initialConcentration="0"/></listOfSpecies>
    <listOfParameters>
      <parameter id="n" value="2"/><parameter id="k" value="1"/>
      <parameter id="q" value="0" constant="false"/>
    </listOfParameters>
    <listOfRules>
      <assignmentRule variable="q">
        <math xmlns="http://www.w3.org/1998/Math/MathML"><ci> n </ci></math>
      </assignmentRule>
    </listOfRules>
    <listOfReactions>
      <reaction id="make" reversible="false">
        <listOfProducts>
          <speciesReference species="A">
            <stoichiometryMath>
              <math xmlns="http://www.w3.org/1998/Math/MathML"><ci> READ </ci></math>
            </stoichiometryMath>
          </speciesReference>
        </listOfProducts>
        <kineticLaw>
          <math xmlns="http://www.w3.org/1998/Math/MathML"><ci> k </ci></math>
        </kineticLaw>
      </reaction>
      <reaction id="decay" reversible="false">
        <listOfReactants><speciesReference species="A"/></listOfReactants>
        <kineticLaw>
          <math xmlns="http://www.w3.org/1998/Math/MathML">
            <apply><times/><ci> k </ci><ci> A </ci></apply>
          </math>
        </kineticLaw>
      </reaction>
    </listOfReactions>
  </model>
</sbml>
"""


def test_level2_stoichiometry_math_is_refused_only_where_it_is_fixed(tmp_path) -> None:
    """libroadrunner fixes Level 2 stoichiometryMath only when all it reads is constant:
    through an assignment rule (``q := n``) it follows ``n``, so that is not refused."""
    fixed, followed = tmp_path / "fixed.xml", tmp_path / "followed.xml"
    fixed.write_text(L2_STOICHIOMETRY.replace("READ", "n"))
    followed.write_text(L2_STOICHIOMETRY.replace("READ", "q"))
    with pytest.raises(ms.MtorSimError, match="'n' sets .* a reaction's stoichiometry"):
        ms.load_model(fixed).steady_state(parameters={"n": 4.0})
    tc = ms.load_model(followed).simulate(
        t_end=50, n_points=3, pre_equilibrate=False, parameters={"n": 4.0}
    )
    assert tc["A"].iloc[-1] == pytest.approx(4.0, rel=1e-6)


def test_a_parameter_that_sets_a_stoichiometry_is_refused(tmp_path) -> None:
    """A reaction making ``n`` A per event, ``n`` a parameter (an initial assignment to
    the species reference, as SBML Test Suite 01073): libroadrunner fixes the
    stoichiometry when it compiles, so ``parameters={"n": 4}`` changed nothing, status
    ok (steady state A = n). It is refused in the verbs and in a fit."""
    import pandas as pd

    path = tmp_path / "stoichiometry.xml"
    path.write_text(STOICHIOMETRY_SBML)
    model = ms.load_model(path)
    assert model.steady_state()["A"] == pytest.approx(2.0, rel=1e-6)
    with pytest.raises(ms.MtorSimError, match="'n' sets .* a reaction's stoichiometry"):
        model.steady_state(parameters={"n": 4.0})
    with pytest.raises(ms.MtorSimError, match="'n' sets .* a reaction's stoichiometry"):
        ms.sweep(model, {"n": [2.0, 4.0]}, ["A"], progress=False)
    data = pd.DataFrame({"observableId": "A", "time": [1.0], "measurement": [0.3]})
    with pytest.raises(ms.PetabError, match="n sets .* a reaction's stoichiometry"):
        ms.PetabObjective(ms.to_petab(path, data, parameters=["n"]))
    assert model.steady_state(parameters={"k": 3.0})["A"] == pytest.approx(2.0, rel=1e-6)


VOLUME_SBML = """<?xml version="1.0" encoding="UTF-8"?>
<sbml xmlns="http://www.sbml.org/sbml/level3/version2/core" level="3" version="2">
  <model id="volume">
    <listOfCompartments>
      <compartment id="C" spatialDimensions="3" size="1" constant="true"/>
    </listOfCompartments>
    <listOfSpecies>
      <species id="S" compartment="C" initialConcentration="0" hasOnlySubstanceUnits="false"
               boundaryCondition="false" constant="false"/>
    </listOfSpecies>
    <listOfParameters>
      <parameter id="V0" value="2" constant="true"/>
      <parameter id="k" value="1" constant="true"/>
    </listOfParameters>
    <listOfInitialAssignments>
      <initialAssignment symbol="C">
        <math xmlns="http://www.w3.org/1998/Math/MathML"><ci> V0 </ci></math>
      </initialAssignment>
    </listOfInitialAssignments>
    <listOfReactions>
      <reaction id="J1" reversible="false">
        <listOfProducts>
          <speciesReference species="S" stoichiometry="1" constant="true"/>
        </listOfProducts>
        <kineticLaw><math xmlns="http://www.w3.org/1998/Math/MathML"><ci> k </ci></math>
        </kineticLaw>
      </reaction>
      <reaction id="J2" reversible="false">
        <listOfReactants>
          <speciesReference species="S" stoichiometry="1" constant="true"/>
        </listOfReactants>
        <kineticLaw><math xmlns="http://www.w3.org/1998/Math/MathML">
          <apply><times/><ci> k </ci><ci> S </ci><ci> C </ci></apply></math>
        </kineticLaw>
      </reaction>
    </listOfReactions>
  </model>
</sbml>
"""


def test_an_event_model_follows_an_input_its_initial_assignments_read(tmp_path):
    # p = 2*B is computed from the input B; restoring the parameters that events change
    # before each reset must not put p back to its value for the default B
    path = tmp_path / "ev.ant"
    path.write_text(
        "model ev\n  compartment C = 1\n  species S in C = 0\n  species $B in C = 1\n"
        "  p = 2*B\n  J1: -> S; p\n  E1: at time > 1000: S = S\nend\n"
    )
    model = ms.load_model(path)
    for _ in range(2):
        tc = model.simulate(
            t_end=10, n_points=3, inputs={"B": 5.0}, pre_equilibrate=False, outputs=["S"]
        )
        assert tc["S"].iloc[-1] == pytest.approx(100.0)
    tc = model.simulate(t_end=10, n_points=3, pre_equilibrate=False, outputs=["S"])
    assert tc["S"].iloc[-1] == pytest.approx(20.0)


def test_an_sbml_model_is_named_by_its_own_file_when_its_parse_is_cached(
    tmp_path: Path,
) -> None:
    """The parse cache is keyed on the file's text, and served the first file's name to
    a copy of it saved under another name (a model without an id is named by its file;
    one with an id by its id)."""
    from conftest import REFERENCE_DIR

    source = REFERENCE_DIR / "brannmark_2013_BIOMD0000000448.xml"
    assert ms.load_model(source).name == "MODEL1304190000"
    text = source.read_text(encoding="utf-8")
    no_id = re.sub(r'(<model\b[^>]*?)\sid="[^"]*"', r"\1", text, count=1)
    (tmp_path / "alpha.xml").write_text(no_id, encoding="utf-8")
    (tmp_path / "beta.xml").write_text(no_id, encoding="utf-8")
    assert ms.load_model(tmp_path / "alpha.xml").name == "alpha"
    assert ms.load_model(tmp_path / "beta.xml").name == "beta"


_COMP_MAIN = """<?xml version="1.0" encoding="UTF-8"?>
<sbml xmlns="http://www.sbml.org/sbml/level3/version2/core"
      xmlns:comp="http://www.sbml.org/sbml/level3/version1/comp/version1"
      level="3" version="2" comp:required="true">
  <model id="main">
    <comp:listOfSubmodels>
      <comp:submodel comp:id="sub1" comp:modelRef="decay"/>
    </comp:listOfSubmodels>
  </model>
  <comp:listOfExternalModelDefinitions>
    <comp:externalModelDefinition comp:id="decay" comp:source="decay.xml" comp:modelRef="decay"/>
  </comp:listOfExternalModelDefinitions>
</sbml>
"""


@pytest.mark.parametrize("prefix", ["comp", "comp-1"])
def test_a_comp_external_model_is_read_beside_its_model_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, prefix: str
) -> None:
    """A `comp` external model's source is relative to the model's file, as libroadrunner
    reads it: not to the working folder (where a file of the same name was simulated in
    its place, status "ok"); and an edit of that file is seen on the next load (the
    parse cache's key is the main file's text only). Under another namespace prefix
    (valid XML) libsbml crashed the process checking the model, and the cache did not
    see the external file (its pattern took no '-' in a prefix)."""
    monkeypatch.setenv("MTOR_SIM_CACHE", str(tmp_path / "cache"))
    here, elsewhere = tmp_path / "my model", tmp_path / "elsewhere"  # a space: not %20
    here.mkdir()
    elsewhere.mkdir()
    decay = "model decay\n compartment C = 1; species S in C = 10; S -> ; k*S; k = {k}\nend"
    main = re.sub(r"\bcomp:", f"{prefix}:", _COMP_MAIN).replace("xmlns:comp=", f"xmlns:{prefix}=")
    (here / "main.xml").write_text(main, encoding="utf-8")
    (here / "decay.xml").write_text(_ant_to_sbml(decay.format(k=0.1)), encoding="utf-8")
    (elsewhere / "decay.xml").write_text(_ant_to_sbml(decay.format(k=5)), encoding="utf-8")
    monkeypatch.chdir(elsewhere)

    def end_value() -> float:
        model = ms.load_model(here / "main.xml")
        tc = model.simulate(t_end=10, n_points=3, pre_equilibrate=False)
        assert tc.success, tc.message
        return float(tc.to_dataframe()["sub1__S"].iloc[-1])

    assert end_value() == pytest.approx(10 * np.exp(-1.0), rel=1e-4)
    (here / "decay.xml").write_text(_ant_to_sbml(decay.format(k=0.2)), encoding="utf-8")
    assert end_value() == pytest.approx(10 * np.exp(-2.0), rel=1e-4)


def test_a_comp_model_whose_comp_prefix_names_another_namespace_is_refused(
    tmp_path: Path,
) -> None:
    """The comp package under ``c`` with ``comp`` bound to another namespace (valid XML):
    the prefix could not be renamed, and libsbml crashed the process checking the model.
    Loaded in a child process, which a crash would end with a signal."""
    decay = "model decay\n compartment C = 1; species S in C = 10; S -> ; k*S; k = 0.1\nend"
    (tmp_path / "decay.xml").write_text(_ant_to_sbml(decay), encoding="utf-8")
    main = re.sub(r"\bcomp:", "c:", _COMP_MAIN).replace(
        "xmlns:comp=", 'xmlns:comp="http://example.org/other" xmlns:c='
    )
    (tmp_path / "main.xml").write_text(main, encoding="utf-8")
    code = (
        "import sys, mtor_sim as ms\n"
        "try:\n"
        "    ms.load_model(sys.argv[1])\n"
        "except ms.ModelFileError as exc:\n"
        "    print(exc)\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", code, str(tmp_path / "main.xml")],
        env={**os.environ, "MTOR_SIM_CACHE": "off"},
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert done.returncode == 0, done.stderr[-2000:]
    assert "prefix 'comp' for another namespace" in done.stdout
