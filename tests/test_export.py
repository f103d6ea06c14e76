"""SBML export: units, annotations, and perturbed models that other tools reproduce."""

from __future__ import annotations

from pathlib import Path

import libsbml
import numpy as np
import pytest
import roadrunner
from conftest import REFERENCE_DIR
from numpy.testing import assert_allclose

import mtor_sim as ms

PERTURBATION = {
    "genotype": "PTEN_loss",
    "drugs": {"everolimus": 10, "sorafenib": 500},
    "knockouts": ["FOXO"],
    "cut": ["S6K1 -| IRS1"],
    "parameters": {"k_PTEN": 0.5},
    "inputs": {"GF": 0.5},
}


def _issues(sbml: str) -> list[libsbml.SBMLError]:
    doc = libsbml.readSBMLFromString(sbml)
    doc.setConsistencyChecks(libsbml.LIBSBML_CAT_UNITS_CONSISTENCY, True)
    doc.checkConsistency()
    return [doc.getError(i) for i in range(doc.getNumErrors())]


@pytest.fixture(scope="module")
def perturbed(model: ms.Model) -> str:
    return model.to_sbml(**PERTURBATION)


@pytest.mark.parametrize("which", ["file", "export", "perturbed"])
def test_no_errors_and_no_unit_warnings(model: ms.Model, perturbed: str, which: str) -> None:
    sbml = {
        "file": ms.bundled_model_path(".xml").read_text(),
        "export": model.to_sbml(),
        "perturbed": perturbed,
    }[which]
    issues = _issues(sbml)
    errors = [e.getMessage() for e in issues if e.getSeverity() >= libsbml.LIBSBML_SEV_ERROR]
    units = [
        e.getMessage() for e in issues if e.getCategory() == libsbml.LIBSBML_CAT_UNITS_CONSISTENCY
    ]
    assert errors == []
    assert units == []
    assert issues == []  # modelling-practice warnings too


def test_every_quantity_has_units_and_sbo_terms(model: ms.Model) -> None:
    m = libsbml.readSBMLFromString(model.to_sbml()).getModel()
    assert m.getTimeUnits() == "minute" and m.getExtentUnits() == "dimensionless"
    assert m.getUnitDefinition("nM") is not None
    assert [p.getId() for p in m.getListOfParameters() if not p.isSetUnits()] == []
    ruled = {m.getRule(i).getVariable() for i in range(m.getNumRules())}
    assert [r.getId() for r in m.getListOfReactions() if not r.isSetSBOTerm()] == []
    assert [
        p.getId()
        for p in m.getListOfParameters()
        if p.getId() not in ruled and not p.isSetSBOTerm()
    ] == []
    assert m.getParameter("dose_everolimus").getUnits() == "nM"
    assert m.getParameter("k_PTEN").getSBOTermID() == "SBO:0000009"
    assert m.getReaction("RTK_deg").getSBOTermID() == "SBO:0000179"


def test_name_notes_and_miriam_annotations(model: ms.Model) -> None:
    m = libsbml.readSBMLFromString(model.to_sbml()).getModel()
    assert "hepatocellular carcinoma" in m.getName()
    assert "Wang H." in m.getNotesString()

    def uris(sid: str) -> set[str]:
        element = m.getElementBySId(sid)
        return {
            element.getCVTerm(i).getResources().getValue(j)
            for i in range(element.getNumCVTerms())
            for j in range(element.getCVTerm(i).getResources().getLength())
        }

    assert "http://identifiers.org/uniprot/P31749" in uris("AKT")  # AKT1
    assert "http://identifiers.org/uniprot/P23443" in uris("S6K1p")  # RPS6KB1
    assert "http://identifiers.org/GO:0031931" in uris("mTORC1")  # TORC1 complex
    assert "http://identifiers.org/CHEBI:68478" in uris("dose_everolimus")
    assert "http://identifiers.org/uniprot/P60484" in uris("PTEN_total")
    species = [s.getId() for s in m.getListOfSpecies()]
    assert [s for s in species if not uris(s)] == []


def test_export_without_perturbation_keeps_every_number(model: ms.Model) -> None:
    m = libsbml.readSBMLFromString(model.to_sbml()).getModel()
    for p, v in model.parameters.items():
        assert m.getParameter(p).getValue() == v


def _roadrunner_steady(sbml: str, names: list[str]) -> np.ndarray:
    r = roadrunner.RoadRunner(sbml)
    r.conservedMoietyAnalysis = True
    r.integrator.relative_tolerance = 1e-10
    r.integrator.absolute_tolerance = 1e-14
    r.simulate(0, 2e4, 2)
    r.steadyState()
    return np.array([r[q] for q in names])


def test_perturbed_export_reproduces_steady_state(
    model: ms.Model, perturbed: str, tmp_path: Path
) -> None:
    ss = model.steady_state(**PERTURBATION)
    assert ss.success
    got = _roadrunner_steady(perturbed, list(model.readouts))
    assert_allclose(got, ss.readouts.to_numpy(), rtol=0, atol=1e-8)
    # the written file is the returned text
    path = tmp_path / "perturbed.xml"
    assert model.to_sbml(path, **PERTURBATION) == path.read_text()
    # and the perturbation is recorded in the notes and the name
    m = libsbml.readSBMLFromString(perturbed).getModel()
    assert "PTEN_loss + everolimus 10 nM" in m.getNotesString()
    assert "FOXO KO" in m.getName()


@pytest.mark.parametrize("mode", ["remove", "clamp"])
def test_perturbed_export_of_a_generic_sbml_model(mode: str) -> None:
    # a knockout starts every form at zero (or clamps one species), cuts zero a
    # reaction's multiplier, inputs set initial values
    other = ms.load_model(REFERENCE_DIR / "dalle_pezze_2012_BIOMD0000000581.xml")
    ko, cut, inp = other.nodes[1], other.interactions[2], other.inputs[0]
    if mode == "remove":  # species_21's forms include the input's species: another input
        ko, cut, inp = other.nodes[1], "reaction_16", "species_27"
    kwargs = {"knockouts": [ko if mode == "remove" else f"{ko}:clamp"], "cut": [cut]}
    kwargs["inputs"] = {inp: 0.5}
    ss = other.steady_state(**kwargs)
    assert ss.success, ss.message
    sbml = other.to_sbml(**kwargs)
    m = libsbml.readSBMLFromString(sbml).getModel()
    assert m.getParameter(f"cut_{cut}").getValue() == 0
    if mode == "clamp":
        assert m.getSpecies(ko).getConstant()
    else:
        for form in other.knockout_forms(ko).species:
            s = m.getSpecies(form)
            assert not s.getConstant()
            amount = s.isSetInitialAmount()
            assert (s.getInitialAmount() if amount else s.getInitialConcentration()) == 0
    names = [q for q in other.readouts if q in ss.readouts.index]
    got = _roadrunner_steady(sbml, names)
    assert_allclose(got, ss.readouts[names].to_numpy(), rtol=1e-8, atol=1e-10)


@pytest.mark.parametrize("perturb", [False, True], ids=["unperturbed", "perturbed"])
def test_tellurium_reproduces_export(model: ms.Model, perturb: bool) -> None:
    te = pytest.importorskip("tellurium")
    kwargs = PERTURBATION if perturb else {}
    ss = model.steady_state(**kwargs)
    r = te.loadSBMLModel(model.to_sbml(**kwargs))
    r.conservedMoietyAnalysis = True
    r.simulate(0, 2e4, 2)
    r.steadyState()
    got = np.array([r[q] for q in model.readouts])
    assert_allclose(got, ss.readouts.to_numpy(), rtol=0, atol=1e-8)


@pytest.fixture
def basico():
    """COPASI's Python API; it sets the C locale, which is put back afterwards (the rest
    of the suite, and users' code, read files in the locale's encoding)."""
    import locale

    saved = locale.setlocale(locale.LC_ALL)
    try:
        yield pytest.importorskip("basico")
    finally:
        locale.setlocale(locale.LC_ALL, saved)


@pytest.mark.parametrize("perturb", [False, True], ids=["unperturbed", "perturbed"])
def test_copasi_reproduces_export(model: ms.Model, perturb: bool, tmp_path: Path, basico) -> None:
    kwargs = PERTURBATION if perturb else {}
    ss = model.steady_state(**kwargs)
    path = tmp_path / "model.xml"
    model.to_sbml(path, **kwargs)
    basico.load_model(str(path))
    try:
        basico.run_steadystate()
        species = basico.get_species()["concentration"]
        params = basico.get_parameters().set_index("sbml_id")["value"]
    finally:
        basico.remove_datamodel(basico.get_current_model())
    assert_allclose(
        species.reindex(ss.species.index).to_numpy(), ss.species.to_numpy(), rtol=0, atol=1e-8
    )
    ruled = [q for q in model.readouts if q in params.index]
    assert len(ruled) > 10
    assert_allclose(params[ruled].to_numpy(), ss.readouts[ruled].to_numpy(), rtol=0, atol=1e-8)


def _sized_by_assignment(path: Path) -> ms.Model:
    """I -> ; R <-> RP (driven by I), in a compartment C = V = 2 sized by an initial
    assignment (no size attribute), species given as initial amounts."""
    doc = libsbml.SBMLDocument(3, 2)
    m = doc.createModel()
    for pid, v in (("V", 2.0), ("k1", 1.0), ("k2", 0.2), ("s", 0.05)):
        p = m.createParameter()
        p.setId(pid), p.setValue(v), p.setConstant(True)
    c = m.createCompartment()
    c.setId("C"), c.setConstant(True), c.setSpatialDimensions(3)
    m.createInitialAssignment().setSymbol("C")
    m.getInitialAssignment("C").setMath(libsbml.parseL3Formula("V"))
    for sid, amount in (("I", 1.0), ("R", 2.0), ("RP", 0.0)):
        sp = m.createSpecies()
        sp.setId(sid), sp.setCompartment("C"), sp.setInitialAmount(amount)
        sp.setHasOnlySubstanceUnits(False), sp.setBoundaryCondition(False), sp.setConstant(False)
    for rid, reactants, products, law in (
        ("J0", ["I"], [], "C*0.1*I"),
        ("J1", ["R"], ["RP"], "C*k1*I*R"),
        ("J2", ["RP"], ["R"], "C*k2*RP"),
        ("J3", [], ["I"], "C*s"),
    ):
        r = m.createReaction()
        r.setId(rid), r.setReversible(False)
        for x in reactants:
            ref = r.createReactant()
            ref.setSpecies(x), ref.setStoichiometry(1), ref.setConstant(True)
        for x in products:
            ref = r.createProduct()
            ref.setSpecies(x), ref.setStoichiometry(1), ref.setConstant(True)
        if rid == "J1":
            r.createModifier().setSpecies("I")
        r.createKineticLaw().setMath(libsbml.parseL3Formula(law))
    path.write_text(libsbml.writeSBMLToString(doc))
    return ms.load_model(path)


def test_an_input_in_a_compartment_sized_by_an_assignment_exports_its_concentration(
    tmp_path: Path,
) -> None:
    """A concentration given as an input was written as amount = c x size with size 1
    when the compartment's size came from an initial assignment (V = 2): the exported
    model started at half the concentration and its steady state was half the package's."""
    model = _sized_by_assignment(tmp_path / "sized.xml")
    ss = model.steady_state(inputs={"R": 3.0})
    assert ss.status == "ok"
    r = roadrunner.RoadRunner(model.to_sbml(inputs={"R": 3.0}))
    assert r["init([R])"] == pytest.approx(3.0)
    r.simulate(0, 2000, 2)
    for sid in ("I", "R", "RP"):
        assert r[f"[{sid}]"] == pytest.approx(ss[sid], rel=1e-6)


def test_to_sbml_checks_names(model: ms.Model) -> None:
    with pytest.raises(ms.UnknownNameError, match="knockout|node"):
        model.to_sbml(knockouts=["NOT_A_NODE"])


@pytest.mark.parametrize(
    ("verb", "name"), [("to_sbml", "out.xml"), ("to_file", "out.csv"), ("to_omex", "out.omex")]
)
def test_a_folder_given_as_the_file_to_write_is_refused_by_name(
    model: ms.Model, tmp_path: Path, verb: str, name: str
) -> None:
    # open() raised IsADirectoryError (to_sbml and to_omex after the work was done)
    folder = tmp_path / name  # with a file's suffix: to_file went by the suffix alone
    folder.mkdir()
    write = {
        "to_sbml": lambda: model.to_sbml(folder, genotype="PTEN_loss"),
        "to_file": lambda: model.steady_state().to_file(folder),
        "to_omex": lambda: ms.to_omex(model.simulate(t_end=10), folder),
    }[verb]
    with pytest.raises(ValueError, match=f"`path` '.*{name}' is a folder; give a file name"):
        write()


def test_output_paths_are_read_as_a_user_means_them(
    model: ms.Model, tmp_path: Path, monkeypatch
) -> None:
    """'new.xml/' wrote a file named new.xml (the separator dropped); '~/x.xml' wrote
    into a folder literally named '~'; to_sbml into a folder not made yet failed after
    the work, where to_file and to_omex make it."""
    with pytest.raises(ValueError, match="'.*new.xml/' is a folder"):
        model.to_sbml(f"{tmp_path}/new.xml/")
    assert not (tmp_path / "new.xml").exists()
    monkeypatch.setenv("HOME", str(tmp_path))
    monkeypatch.chdir(tmp_path)
    model.to_sbml("~/home.xml")
    assert (tmp_path / "home.xml").exists() and not (tmp_path / "~").exists()
    model.to_sbml(tmp_path / "sub" / "a.xml")
    assert (tmp_path / "sub" / "a.xml").exists()


def test_a_path_that_is_not_a_path_is_refused_by_name(model: ms.Model) -> None:
    with pytest.raises(TypeError, match="`path` must be a file path, got int 3"):
        model.to_sbml(3)  # type: ignore[arg-type]


def test_cli_export(model: ms.Model, tmp_path: Path) -> None:
    from mtor_sim.cli import main

    out = tmp_path / "pten_everolimus.xml"
    assert main(["export", str(out), "-g", "PTEN_loss", "-d", "everolimus=10"]) == 0
    assert out.read_text() == model.to_sbml(genotype="PTEN_loss", drugs={"everolimus": 10})
    assert main(["export", str(out), "-k", "NOT_A_NODE"]) == 2


def test_a_parameter_without_a_value_is_named_not_exported(tmp_path: Path) -> None:
    """`export` wrote an SBML whose parameter k had no value (exit 0), which no simulator
    runs; steady-state on the same file refused it, naming the file."""
    path = tmp_path / "novalue.ant"
    path.write_text("model x\n J0: A -> B; k*A\n k = \nend\n")
    model = ms.load_model(path)
    with pytest.raises(ms.ModelFileError, match="novalue.ant.*parameter\\(s\\) k have no value"):
        model.to_sbml()
    # a rate rule says how it changes, not where it starts
    rate = tmp_path / "rate.ant"
    rate.write_text("model x\n J0: A -> B; k*A\n k = 1\n T' = -0.1*T\n var T\nend\n")
    with pytest.raises(ms.ModelFileError, match="parameter\\(s\\) T have no value"):
        ms.load_model(rate).to_sbml()


def test_an_export_says_where_a_run_starts(model: ms.Model) -> None:
    """A default `simulate` starts from the drug-free steady state; the exported file
    from the model's initial values, and its notes did not say so (a time course of it
    was 1.0 off a default one)."""
    text = model.to_sbml(drugs={"everolimus": 10})
    assert "A run starts from the model" in text and "initial values" in text
    assert "pre_equilibrate=False" in text
