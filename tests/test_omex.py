"""COMBINE archives: tellurium executes them and gets the package's numbers."""

from __future__ import annotations

import zipfile
from pathlib import Path

import numpy as np
import pytest
from numpy.testing import assert_allclose

import mtor_sim as ms

DATA = Path(__file__).parent / "data"


def _run(path: Path) -> dict[str, np.ndarray]:
    te = pytest.importorskip("tellurium")
    out = te.executeCombineArchive(str(path), createOutputs=False)
    (result,) = out.values()
    return {k: np.asarray(v) for k, v in result["dataGenerators"].items()}


def test_archive_contents(model: ms.Model, tmp_path: Path) -> None:
    tc = model.simulate(t_end=60, n_points=7, drugs={"everolimus": 10})
    path = ms.to_omex(tc, tmp_path / "tc.omex")
    names = set(zipfile.ZipFile(path).namelist())
    assert {"manifest.xml", "metadata.rdf", "simulation.sedml", "model_tc.xml"} <= names
    # the manifest lists the archive itself, as the OMEX specification asks
    manifest = zipfile.ZipFile(path).read("manifest.xml").decode()
    assert (
        '<content location="." format="http://identifiers.org/combine.specifications/omex"'
        in manifest
    )
    # its model passes libSBML's unit checks, as to_sbml's does (the parameters that
    # carry concentrations had no units)
    import libsbml

    sbml = libsbml.readSBMLFromString(zipfile.ZipFile(path).read("model_tc.xml").decode())
    sbml.setConsistencyChecks(libsbml.LIBSBML_CAT_UNITS_CONSISTENCY, True)
    sbml.checkConsistency()
    assert sbml.getNumErrors() == 0, sbml.getErrorLog().toString()
    import libsedml

    doc = libsedml.readSedMLFromString(zipfile.ZipFile(path).read("simulation.sedml").decode())
    assert doc.getNumErrors(libsedml.LIBSEDML_SEV_ERROR) == 0
    assert doc.getNumOutputs() == 2  # a report and a plot


def test_time_course_archive(model: ms.Model, tmp_path: Path) -> None:
    tc = model.simulate(
        t_end=120, n_points=13, genotype="PTEN_loss", drugs={"everolimus": 10}, knockouts=["FOXO"]
    )
    dg = _run(ms.to_omex(tc, tmp_path / "tc.omex"))
    assert_allclose(dg["dg_tc_time"].ravel(), tc.time)
    for q in model.readouts:
        assert_allclose(dg[f"dg_tc_{q}"].ravel(), tc[q].to_numpy(), rtol=0, atol=1e-6)


@pytest.mark.parametrize(
    "kwargs",
    [
        {
            "t_end": 2880,
            "n_points": 49,
            "schedule": ms.Schedule.constant("sirolimus", 20, stop=1440),
        },
        {
            "t_end": 2 * 1440,
            "n_points": 49,
            "genotype": "PTEN_loss",
            "schedule": ms.Schedule.oral("everolimus", days=2)
            | ms.Schedule.oral("sorafenib", days=2),
        },
        {"t_end": 120, "n_points": 13, "inputs": {"GF": 0.05}, "step_inputs": {"GF": 1.0}},
        {
            "t_end": 120,
            "n_points": 13,
            "parameters": {"k_PIP3_syn": 0.5},
            "step_parameters": {"k_PIP3_syn": 2.0},
        },
    ],
    ids=["washout", "oral", "step-inputs", "step-parameters"],
)
def test_scheduled_time_course_archive(model: ms.Model, tmp_path: Path, kwargs) -> None:
    """A schedule travels as SBML events (one per piece), stepped inputs over the steady
    state of the inputs the run was equilibrated at: the archive gives the package's
    numbers, at the cuts too."""
    tc = model.simulate(**kwargs)
    dg = _run(ms.to_omex(tc, tmp_path / "tc.omex"))
    for q in model.readouts:
        assert_allclose(dg[f"dg_tc_{q}"].ravel(), tc[q].to_numpy(), rtol=0, atol=1e-6)


@pytest.mark.parametrize("units", ["auto", "amount"])
def test_species_of_a_compartment_of_size_two(tmp_path: Path, units: str) -> None:
    """Species are reported as the package reports them (concentrations by default,
    amounts when asked), whatever a SED-ML tool does with a species variable; a stepped
    species input starts from the steady state of the baseline inputs."""
    ant = tmp_path / "dose.ant"
    ant.write_text(
        "model dose\n  compartment C = 2\n  species I in C = 0, R in C = 1, RP in C = 0\n"
        "  J0: I -> ; 0.1*I\n  J1: R -> RP; k1*I*R\n  J2: RP -> R; 0.2*RP\n"
        "  J3: -> I; s\n  s = 0.05\n  k1 = 1\nend\n"
    )
    other = ms.load_model(ant)
    tc = other.simulate(
        t_end=20.0,
        n_points=11,
        outputs=["I", "RP"],
        species_units=units,
        inputs={"I": 0.5},
        step_inputs={"I": 3.0},
    )
    dg = _run(ms.to_omex(tc, tmp_path / "dose.omex", model=other))
    for q in ("I", "RP"):
        assert_allclose(dg[f"dg_tc_{q}"].ravel(), tc[q].to_numpy(), rtol=0, atol=1e-6)


@pytest.mark.parametrize("units", ["concentration", "auto", "amount"])
def test_a_species_of_substance_units_only(tmp_path: Path, units: str) -> None:
    """A ``hasOnlySubstanceUnits`` species reported as a concentration came out of the
    archive as its amount (4 for 2 in a compartment of size 2): its symbol in a rule is
    its amount."""
    ant = tmp_path / "amount.ant"
    ant.write_text(
        "model h\n  compartment C = 2\n  substanceOnly species S in C\n  species R in C\n"
        "  S = 4; R = 1\n  J0: S -> ; 0.1*S\n  J1: -> R; 0.05*S\n  J2: R -> ; 0.2*R\n"
        "  J3: -> S; 0.4\nend\n"
    )
    other = ms.load_model(ant)
    tc = other.simulate(t_end=10.0, n_points=6, outputs=["S", "R"], species_units=units)
    expected = {"concentration": [2.0, 1.0], "auto": [4.0, 1.0], "amount": [4.0, 2.0]}[units]
    assert_allclose([tc["S"].to_numpy()[-1], tc["R"].to_numpy()[-1]], expected, rtol=1e-6)
    dg = _run(ms.to_omex(tc, tmp_path / "amount.omex", model=other))
    for q in ("S", "R"):
        assert_allclose(dg[f"dg_tc_{q}"].ravel(), tc[q].to_numpy(), rtol=0, atol=1e-6)


@pytest.mark.parametrize("compartment", ["pi", "time"])
def test_a_compartment_named_like_a_constant(tmp_path: Path, compartment: str) -> None:
    """The concentration rule was parsed from text, so a compartment `pi` read as 3.14
    (the archive gave 1.27 for 2) and `time` as the time."""
    import libsbml

    ant = tmp_path / "named.ant"
    ant.write_text(
        "model h\n  compartment C = 2\n  substanceOnly species S in C\n  S = 4\n"
        "  J0: S -> ; 0.1*S\n  J3: -> S; 0.4\nend\n"
    )
    doc = libsbml.readSBMLFromString(ms.load_model(ant).sbml)
    doc.getModel().getCompartment("C").setId(compartment)
    doc.getModel().getSpecies("S").setCompartment(compartment)
    xml = tmp_path / "named.xml"
    xml.write_text(libsbml.writeSBMLToString(doc))
    other = ms.load_model(xml)
    tc = other.simulate(t_end=10.0, n_points=6, outputs=["S"], species_units="concentration")
    assert_allclose(tc["S"].to_numpy(), 2.0, rtol=1e-6)
    dg = _run(ms.to_omex(tc, tmp_path / "named.omex", model=other))
    assert_allclose(dg["dg_tc_S"].ravel(), tc["S"].to_numpy(), rtol=0, atol=1e-6)


def test_a_species_without_units_gets_no_concentration_units(tmp_path: Path) -> None:
    """A substance-only species without substance units in a compartment in litres was
    given litre^-1 (its empty units divided by the compartment's)."""
    import libsbml

    ant = tmp_path / "bare.ant"
    ant.write_text(
        "model h\n  compartment C = 2\n  substanceOnly species S in C\n  S = 4\n"
        "  J0: S -> ; 0.1*S\n  J3: -> S; 0.4\nend\n"
    )
    doc = libsbml.readSBMLFromString(ms.load_model(ant).sbml)
    doc.getModel().getCompartment("C").setUnits("litre")
    xml = tmp_path / "bare.xml"
    xml.write_text(libsbml.writeSBMLToString(doc))
    other = ms.load_model(xml)
    tc = other.simulate(t_end=10.0, n_points=3, outputs=["S"], species_units="concentration")
    path = ms.to_omex(tc, tmp_path / "bare.omex", model=other)
    with zipfile.ZipFile(path) as archive:
        (name,) = [n for n in archive.namelist() if n.endswith(".xml") and "manifest" not in n]
        written = libsbml.readSBMLFromString(archive.read(name).decode()).getModel()
    assert written.getParameter("S_concentration") is not None
    assert not written.getParameter("S_concentration").isSetUnits()


def test_sweep_archive(model: ms.Model, tmp_path: Path) -> None:
    sw = ms.sweep(
        model,
        {"GF": [0.1, 0.5, 1, 2]},
        readouts=["pS6K1", "pAKT_S473"],
        genotype="PTEN_loss",
        drugs={"everolimus": 5},
        progress=False,
    )
    dg = _run(ms.to_omex(sw, tmp_path / "sw.omex"))
    assert_allclose(dg["dg_sw_scan"][-1], [0.1, 0.5, 1, 2])
    for q in ("pS6K1", "pAKT_S473"):
        # second point of each iteration: the end of the long time course
        assert_allclose(dg[f"dg_sw_{q}"][-1], sw.table[q].to_numpy(), rtol=0, atol=1e-6)


def test_scan_of_a_total_that_sets_initial_amounts(model: ms.Model, tmp_path: Path) -> None:
    # AKT_total is the initial amount of AKT: each iteration must start from it
    sw = ms.sweep(
        model, {"AKT_total": [0.5, 1, 2]}, readouts=["pS6K1", "pAKT_S473"], progress=False
    )
    dg = _run(ms.to_omex(sw, tmp_path / "akt.omex"))
    for q in ("pS6K1", "pAKT_S473"):
        assert_allclose(dg[f"dg_sw_{q}"][-1], sw.table[q].to_numpy(), rtol=0, atol=1e-6)


@pytest.mark.parametrize(
    "background",
    [{"cut": ["RTK -> IRS1"]}, {"knockouts": ["AKT"]}],
    ids=["cut", "knockout"],
)
def test_a_scan_of_a_quantity_the_background_holds_is_refused(
    model: ms.Model, tmp_path: Path, background: dict
) -> None:
    """The cut (or knockout) holds the swept parameter at 0 in every point of the sweep;
    the archive's SetValue set each swept value over it: pS6K1 0.30-0.33 in the archive
    against 0.165 in the sweep, silently."""
    name = "k_IRS1_act" if "cut" in background else "AKT_total"
    sw = ms.sweep(model, {name: [0.5, 1, 2]}, readouts=["pS6K1"], progress=False, **background)
    with pytest.raises(ms.MtorSimError, match=f"holds {name!r} at 0"):
        ms.to_omex(sw, tmp_path / "held.omex")


def test_time_course_from_initial_state(model: ms.Model, tmp_path: Path) -> None:
    tc = model.simulate(t_end=30, n_points=4, drugs={"torin1": 50}, pre_equilibrate=False)
    dg = _run(ms.to_omex(tc, tmp_path / "tc.omex"))
    for q in ("pAKT_S473", "pS6K1"):
        assert_allclose(dg[f"dg_tc_{q}"].ravel(), tc[q].to_numpy(), rtol=0, atol=1e-6)


def test_dose_response_archive(model: ms.Model, tmp_path: Path) -> None:
    dr = ms.dose_response(
        model, "everolimus", [0, 1, 10, 100], readout="pS6K1", genotypes=["WT", "PTEN_loss"]
    )
    dg = _run(ms.to_omex(dr, tmp_path / "dr.omex"))
    for i, genotype in enumerate(("WT", "PTEN_loss")):
        want = dr.table.loc[dr.table["genotype"] == genotype, "value"].to_numpy()
        assert_allclose(dg[f"dg_dr{i}_pS6K1"][-1], want, rtol=0, atol=1e-6)


def test_dose_response_at_a_time_point(model: ms.Model, tmp_path: Path) -> None:
    dr = ms.dose_response(model, "vistusertib", [0, 100, 1000], readout="pAKT_S473", time=60)
    dg = _run(ms.to_omex(dr, tmp_path / "dr.omex"))
    assert_allclose(dg["dg_dr0_pAKT_S473"][-1], dr.table["value"].to_numpy(), rtol=0, atol=1e-6)


def test_combination_archive(model: ms.Model, tmp_path: Path) -> None:
    cm = ms.combination(
        model, ("everolimus", "sorafenib"), [1, 10], [300, 3000], readout="proliferation"
    )
    path = ms.to_omex(cm, tmp_path / "cm.omex")
    assert (
        sum(n.endswith(".xml") and n.startswith("model") for n in zipfile.ZipFile(path).namelist())
        == 1
    )  # one model, one scan per row
    dg = _run(path)
    for i in range(len(cm.response.index)):
        assert_allclose(
            dg[f"dg_cm{i}_proliferation"][-1], cm.response.iloc[i].to_numpy(), rtol=0, atol=1e-6
        )


def test_unsupported_results_say_why(model: ms.Model, tmp_path: Path) -> None:
    sw = ms.sweep(model, {"GF": [0.5, 1], "everolimus": [0, 1]}, readouts=["pS6K1"], progress=False)
    with pytest.raises(ms.MtorSimError, match="one name"):
        ms.to_omex(sw, tmp_path / "x.omex")
    with pytest.raises(TypeError, match="TimeCourse"):
        ms.to_omex(model.steady_state(), tmp_path / "x.omex")
    other = ms.load_model(ms.bundled_model_path(".xml"))
    tc = other.simulate(t_end=10, n_points=2)
    with pytest.raises(ms.MtorSimError, match="model="):
        ms.to_omex(tc, tmp_path / "x.omex")


@pytest.mark.parametrize(
    "command",
    [
        ["simulate", "--t-end", "60", "--points", "7", "-d", "everolimus=10"],
        ["sweep", "--grid", "GF=0.5,1", "-r", "pS6K1", "--quiet"],
        ["dose-response", "everolimus", "--doses", "0,1,10,100", "-r", "pS6K1"],
        ["combination", "everolimus", "sorafenib", "--doses-a", "10", "--doses-b", "1000"],
    ],
    ids=lambda c: c[0],
)
def test_cli_omex(command: list[str], tmp_path: Path) -> None:
    from mtor_sim.cli import main

    path = tmp_path / "figure.omex"
    assert main([*command, "--out", str(tmp_path / "t.csv"), "--omex", str(path)]) == 0
    assert "simulation.sedml" in zipfile.ZipFile(path).namelist()


def test_cli_refuses_an_archive_of_a_sweep_over_two_names_before_solving(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    from mtor_sim.cli import main

    out = tmp_path / "t.csv"
    command = ["sweep", "--grid", "GF=0.5,1", "--grid", "everolimus=0,1", "-r", "pS6K1"]
    assert main([*command, "--out", str(out), "--omex", str(tmp_path / "x.omex")]) == 2
    assert "one name" in capsys.readouterr().err
    assert not out.exists()  # nothing was computed or written


def test_a_scheduled_archive_of_a_model_that_counts_seconds(tmp_path: Path) -> None:
    """The archive wrote the schedule's minutes as the model's seconds: ten minutes of
    drug became ten seconds (0.61 off)."""
    m = ms.load_model(DATA / "seconds_model.xml", targets={"mTORC1_ATP": ["k1"]})
    schedule = ms.Schedule.constant("torin1", 1000, stop=10)
    tc = m.simulate(t_end=1800, n_points=31, schedule=schedule, outputs=["Ap"])
    dg = _run(ms.to_omex(tc, tmp_path / "seconds.omex", model=m))
    assert_allclose(dg["dg_tc_Ap"].ravel(), tc["Ap"].to_numpy(), rtol=0, atol=1e-6)


#: A rate rule on a parameter (A = 0.1 at the start, 0.5 at rest) and on a boundary
#: species (0.1 against 0.667): state variables an archive's species values do not carry.
RATE_RULE_MODELS = {
    "parameter": "model rule\n  species R = 1, RP = 0\n  J1: R -> RP; k1*A*R\n"
    "  J2: RP -> R; 0.2*RP\n  A' = 0.1*(1 - A) - 0.1*RP*A\n  A = 0.1\n  k1 = 0.3\nend\n",
    "boundary species": "model rule_b\n  species R = 1, RP = 0, $A = 0.1\n"
    "  J1: R -> RP; k1*A*R\n  J2: RP -> R; 0.2*RP\n  A' = 0.1*(1 - A) - 0.05*A\n"
    "  k1 = 0.3\nend\n",
}


@pytest.mark.parametrize("kind", list(RATE_RULE_MODELS))
def test_a_pre_equilibrated_archive_of_a_rate_rule_model_is_refused(
    tmp_path: Path, kind: str
) -> None:
    """The run starts from every state variable's steady value; the archive carried the
    floating species' only, so a rate-rule variable started from its initial value: the
    archive's numbers were up to 0.4 off, silently. A run from the initial state is
    archived as before."""
    ant = tmp_path / "rule.ant"
    ant.write_text(RATE_RULE_MODELS[kind])
    m = ms.load_model(ant)
    tc = m.simulate(t_end=30, n_points=4, outputs=["RP", "A"])
    with pytest.raises(
        ms.MtorSimError, match="rate rules on parameters, compartments or boundary species .A."
    ):
        ms.to_omex(tc, tmp_path / "rule.omex", model=m)
    if kind == "parameter":
        start = m.simulate(t_end=30, n_points=4, outputs=["RP", "A"], pre_equilibrate=False)
        dg = _run(ms.to_omex(start, tmp_path / "start.omex", model=m))
        assert_allclose(dg["dg_tc_A"].ravel(), start["A"].to_numpy(), rtol=0, atol=1e-6)


def test_a_pre_equilibrated_archive_of_events_that_set_a_parameter_is_refused(
    tmp_path: Path,
) -> None:
    """The event set k1 to 0.1 on the way to the baseline, and the run kept it (RP at
    1/3 throughout); the archive started k1 from the file's 1: RP rose to 0.83 before
    the event fired again, silently. A run from the initial state is archived as before."""
    ant = tmp_path / "ev.ant"
    ant.write_text(
        "model ev\n  species R = 1, RP = 0\n  J1: R -> RP; k1*R\n  J2: RP -> R; 0.2*RP\n"
        "  k1 = 1\n  E1: at time >= 5: k1 = 0.1\nend\n"
    )
    m = ms.load_model(ant)
    with pytest.warns(UserWarning, match="k1 changed"):
        tc = m.simulate(t_end=20, n_points=5, outputs=["RP"])
    with pytest.raises(ms.MtorSimError, match="events changed k1"):
        ms.to_omex(tc, tmp_path / "ev.omex", model=m)
    start = m.simulate(t_end=20, n_points=5, outputs=["RP"], pre_equilibrate=False)
    dg = _run(ms.to_omex(start, tmp_path / "start.omex", model=m))
    assert_allclose(dg["dg_tc_RP"].ravel(), start["RP"].to_numpy(), rtol=0, atol=1e-6)


def test_the_sedml_names_the_level_of_the_sbml_it_runs(tmp_path: Path) -> None:
    """A model loaded from SBML Level 2 Version 4 is archived as Level 2 Version 4; the
    SED-ML said Level 3 Version 2 of every model."""
    import libsedml

    m = ms.load_model(DATA / "reference-models" / "brannmark_2013_BIOMD0000000448.xml")
    tc = m.simulate(t_end=5, n_points=3, pre_equilibrate=False, species=False)
    with zipfile.ZipFile(ms.to_omex(tc, tmp_path / "l2.omex", model=m)) as archive:
        head = archive.read("model_tc.xml").decode()[:300]
        sed = libsedml.readSedMLFromString(archive.read("simulation.sedml").decode())
    assert 'level="2" version="4"' in head
    assert sed.getModel(0).getLanguage() == "urn:sedml:language:sbml.level-2.version-4"


def test_an_archive_of_a_failed_time_course_is_refused(tmp_path: Path) -> None:
    """The run failed (NaN throughout), and its archive was written as of any result."""
    ant = tmp_path / "blow.ant"
    ant.write_text("model blow\n  species X = 1\n  J1: -> X; k*X^2\n  k = 1\nend\n")
    m = ms.load_model(ant)
    tc = m.simulate(t_end=5, n_points=6, outputs=["X"], pre_equilibrate=False)
    assert tc.status == "solver_failed"
    path = tmp_path / "blow.omex"
    with pytest.raises(ms.MtorSimError, match="time course failed .solver_failed"):
        ms.to_omex(tc, path, model=m)
    assert not path.exists()


def test_the_command_line_archives_no_failed_run_and_exits_3(tmp_path: Path, capsys) -> None:
    """`simulate --omex` on a failed run: the table is written, the archive is not, and
    the exit status is the failed run's (3), not a usage error's (2)."""
    from mtor_sim.cli import main

    ant = tmp_path / "blow.ant"
    ant.write_text("model blow\n  species X = 1\n  J1: -> X; k*X^2\n  k = 1\nend\n")
    argv = ["simulate", "--model", str(ant), "--t-end", "5", "--points", "6"]
    argv += ["--from-initial", "-o", str(tmp_path / "tc.csv")]
    assert main([*argv, "--omex", str(tmp_path / "blow.omex")]) == 3
    assert "no archive written: the run failed (solver_failed)" in capsys.readouterr().err
    assert (tmp_path / "tc.csv").exists() and not (tmp_path / "blow.omex").exists()


def test_an_archive_that_fails_to_write_leaves_the_previous_one(
    model: ms.Model, tmp_path: Path, monkeypatch
) -> None:
    """The previous archive was deleted before the new one was written, so a write that
    failed left nothing; it is now replaced only once the new one is written."""
    import libcombine

    tc = model.simulate(t_end=60, n_points=7, drugs={"everolimus": 10})
    path = ms.to_omex(tc, tmp_path / "tc.omex")
    before = path.read_bytes()
    monkeypatch.setattr(libcombine.CombineArchive, "writeToFile", lambda self, name: False)
    with pytest.raises(OSError, match="could not write COMBINE archive"):
        ms.to_omex(tc, path)
    assert path.read_bytes() == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["tc.omex"]  # nothing left behind
    monkeypatch.undo()
    longer = model.simulate(t_end=120, n_points=13, drugs={"everolimus": 10})
    ms.to_omex(longer, path)  # an existing archive is replaced
    assert "model_tc.xml" in zipfile.ZipFile(path).namelist() and path.read_bytes() != before


def test_an_archive_of_a_scan_with_unsolved_points_is_refused(tmp_path: Path, capsys) -> None:
    """At d = 0 the model has no steady state: the sweep's table is NaN there, and its
    archive was written in full, where a SED-ML tool gives a number the package never
    computed. Refused; the command line writes the table, no archive, and exits 3."""
    from mtor_sim.cli import main

    ant = tmp_path / "grow.ant"
    ant.write_text(
        "model grow\n  species X = 1\n  J1: -> X; k\n  J2: X -> ; d*X\n  k = 1; d = 1\nend\n"
    )
    m = ms.load_model(ant)
    sw = ms.sweep(m, {"d": [1, 0.5, 0]}, readouts=["X"], progress=False)
    assert sw.n_failed == 1
    path = tmp_path / "grow.omex"
    with pytest.raises(ms.MtorSimError, match="1 of the steady-state scan's 3 points were not"):
        ms.to_omex(sw, path, model=m)
    assert not path.exists()
    argv = ["sweep", "--model", str(ant), "--grid", "d=1,0.5,0", "--readout", "X", "--quiet"]
    assert main([*argv, "-o", str(tmp_path / "sw.csv"), "--omex", str(path)]) == 3
    assert "no archive written: 1 of 3 points failed" in capsys.readouterr().err
    assert (tmp_path / "sw.csv").exists() and not path.exists()
