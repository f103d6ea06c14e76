"""The model's catalogue is data: models/catalogue.toml for the bundled model, a
<model>.catalogue.toml beside a user's model, read through `Model.catalogue`."""

from __future__ import annotations

import re
import tomllib
from pathlib import Path

import pytest
from conftest import REFERENCE_DIR, REPO

import mtor_sim as ms

CATALOGUE = REPO / "models" / "catalogue.toml"


def test_drug_potencies_live_once_in_the_model(model: ms.Model) -> None:
    """Each target names the model parameter (K_*) that holds its potency; the catalogue
    reads the value, so the .ant file is the only place a potency is written."""
    doc = tomllib.loads(CATALOGUE.read_text())
    for name, drug in doc["drugs"].items():
        for site, potency in drug["targets"].items():
            assert isinstance(potency, str), f"{name}.{site}: a number instead of a parameter"
            assert model.catalogue.drugs[name].targets == ms.DRUGS[name].targets
            assert dict(ms.DRUGS[name].targets)[site] == pytest.approx(model.parameters[potency])


def test_the_public_names_are_the_bundled_catalogue(model: ms.Model) -> None:
    cat = model.catalogue
    assert cat.genotypes is ms.GENOTYPES and cat.drugs is ms.DRUGS
    assert dict(cat.genotypes["PTEN_loss"].scale) == {"PTEN_total": 0.1}
    assert cat.node_aliases["rictor"] == "mTORC2"
    assert ms.PK_DEFAULTS["everolimus"]["t_half_el_h"] == 30.0
    assert cat.review["objective_response_rate"]["everolimus"] == 9.5
    with pytest.raises(TypeError):
        cat.genotypes["X"] = cat.genotypes["WT"]  # type: ignore[index]
    with pytest.raises(TypeError):
        cat.regimens["everolimus"]["everolimus"] = 1.0  # type: ignore[index]


def test_no_generic_module_holds_the_catalogue() -> None:
    """Genotype presets, potencies, regimens and node aliases are not written in code."""
    src = REPO / "src" / "mtor_sim"
    for path in src.glob("*.py"):
        text = path.read_text()
        assert not re.search(r"_G\(\s*\"PTEN_loss\"", text), path.name
        assert '"rictor": "mTORC2"' not in text, path.name
        assert "K_everolimus_FRB = " not in text and '"everolimus": 9.5' not in text, path.name


def _user_model(tmp_path: Path, catalogue: str) -> ms.Model:
    xml = tmp_path / "insulin.xml"
    xml.write_bytes((REFERENCE_DIR / "brannmark_2013_BIOMD0000000448.xml").read_bytes())
    (tmp_path / "insulin.catalogue.toml").write_text(catalogue)
    return ms.load_model(xml)


def test_a_users_model_gets_genotypes_and_node_aliases_from_its_catalogue(
    tmp_path: Path,
) -> None:
    """A genotype preset in the sidecar acts like the bundled ones: the same steady state
    as giving the parameter change by hand."""
    base = ms.load_model(REFERENCE_DIR / "brannmark_2013_BIOMD0000000448.xml")
    k = "k1a"  # insulin receptor phosphorylation
    m = _user_model(
        tmp_path,
        f'[genotypes.receptor_high]\ndescription = "3x {k}"\nscale = {{ {k} = 3.0 }}\n'
        '[node_aliases]\n"insr" = "IR"\n',
    )
    assert list(m.catalogue.genotypes) == ["receptor_high"]
    by_preset = m.steady_state(genotype="receptor_high")
    by_hand = m.steady_state(parameters={k: 3.0 * base.parameters[k]})
    assert by_preset.status == by_hand.status == "ok"
    assert by_preset.readouts.to_numpy() == pytest.approx(by_hand.readouts.to_numpy(), rel=1e-9)
    with pytest.raises(ms.UnknownNameError, match="receptor_high"):
        m.steady_state(genotype="receptor_hi")
    assert m.knockout_forms("insr") == m.knockout_forms("IR")  # the sidecar's alias


def test_a_users_limits_show_in_its_parameter_table(tmp_path: Path) -> None:
    m = _user_model(tmp_path, "[limits]\nk1a = { lower = 0.0, upper = 1e6 }\n")
    info = m.parameter_info()
    assert tuple(info.loc["k1a", ["lower", "upper"]]) == (0.0, 1e6)
    assert info.drop("k1a")[["lower", "upper"]].isna().all().all()


def test_the_bundled_limits_hold_the_models_fractions(model: ms.Model) -> None:
    info = model.parameter_info()
    assert info.loc["rapa_res_4EBP1", "upper"] == 1.0
    assert info.loc["f_T308_pS473", "lower"] == 1.0
    shares = info[info.index.str.startswith("w_")]
    assert (shares["upper"] == 1.0).all()


def test_a_model_without_a_catalogue_says_how_to_add_genotypes() -> None:
    m = ms.load_model(REFERENCE_DIR / "brannmark_2013_BIOMD0000000448.xml")
    assert not m.catalogue.genotypes
    with pytest.raises(ms.MtorSimError, match="catalogue.toml"):
        m.steady_state(genotype="PTEN_loss")


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("[genotype.x]\n", "unknown section"),
        ('[drugs.x]\ntargets = { PI3K = "k1a" }\n', "unknown section.*drugs"),
        ('[genotypes.x]\nscale = { k1a = "three" }\n', "expected a number"),
        ("[genotypes.x]\nscale = { k1z = 3 }\n", "no parameter 'k1z'"),
        ("[genotypes.x]\nset = { k1z = 3 }\n", "no parameter 'k1z'"),
        ("[genotypes.x]\nscale = 3\n", "expected a table"),
        # a misspelt key left a preset that changed nothing
        (
            "[genotypes.x]\nscales = { k1a = 3 }\n",
            "genotypes.x: unknown key 'scales'; did you mean 'scale'",
        ),
        ("[genotypes.x\n", "insulin.catalogue.toml: not valid TOML"),
        # a string was taken apart into its letters: "knock out 'I' or 'R'"
        ('[ambiguous_nodes]\n"ir" = "IR"\n', "ambiguous_nodes.ir: expected a list of two or more"),
        ('[node_aliases]\n"insr" = ["IR"]\n', "node_aliases.insr: expected a node name"),
        ("[limits]\nk1z = { upper = 1 }\n", "no parameter 'k1z'"),
        ("[limits]\nk1a = { max = 1 }\n", "expected `lower` and/or `upper`"),
        ("[limits]\nk1a = { lower = 2, upper = 1 }\n", "lower 2.0 is not below upper 1.0"),
        ("[limits]\nk1a = { upper = 1e-30 }\n", "the model's value .* lies outside"),
        ('[limits]\nk1a = { upper = "one" }\n', "expected a number"),
        (
            "[limits]\nk1a = { upper = 1e6 }\n[genotypes.x]\nset = { k1a = 2e6 }\n",
            "genotypes.x takes k1a to 2000000.0, outside its limits",
        ),
    ],
)
def test_a_broken_catalogue_names_the_entry(tmp_path: Path, text: str, message: str) -> None:
    m = _user_model(tmp_path, text)
    with pytest.raises(ValueError, match=message):
        _ = m.catalogue
    with pytest.raises(ValueError, match=message):  # any verb says the same
        m.steady_state()


def test_catalogue_entries_pickle_and_copy() -> None:
    """Catalogue tables are read-only yet travel to worker processes."""
    import copy
    import pickle

    drug = ms.DRUGS["everolimus"]
    assert pickle.loads(pickle.dumps(drug)) == drug
    assert copy.deepcopy(ms.REGIMENS) == ms.REGIMENS
    assert pickle.loads(pickle.dumps(ms.load_model().catalogue)).genotypes == ms.GENOTYPES


def test_solver_hints_come_from_the_catalogue(model: ms.Model, tmp_path: Path) -> None:
    """Newton from the verified reference state runs where the model's catalogue says it
    is validated: the bundled model, or a user's model whose sidecar asks for it."""
    assert model.catalogue.solver["warm_start"] is True and model._solver().warm_start
    plain = ms.load_model(REFERENCE_DIR / "brannmark_2013_BIOMD0000000448.xml")
    assert not plain._solver().warm_start
    hinted = _user_model(tmp_path, "[solver]\nwarm_start = true\n")
    assert hinted._solver().warm_start
    ss = hinted.steady_state()
    assert ss.status == "ok"
    assert ss.readouts.to_numpy() == pytest.approx(plain.steady_state().readouts.to_numpy())
    other = tmp_path / "other"
    other.mkdir()
    with pytest.raises(ValueError, match="true or false"):
        _ = _user_model(other, "[solver]\nwarm_start = 1\n").catalogue


def test_default_readout_and_genotype_come_from_the_catalogue(
    model: ms.Model, tmp_path: Path
) -> None:
    """No generic module names a readout or genotype of the bundled model: the verbs'
    defaults are the catalogue's ``[defaults]``; a model without them is asked."""
    assert dict(model.catalogue.defaults) == {"readout": "proliferation", "genotype": "WT"}
    dr = ms.dose_response(model, "everolimus", [0, 1, 10, 100])
    assert dr.readout == "proliferation" and list(dr.fits) == ["WT"]
    plain = ms.load_model(REFERENCE_DIR / "brannmark_2013_BIOMD0000000448.xml")
    with pytest.raises(TypeError, match="give `readouts`"):
        ms.sensitivity(plain, vary=["k1a"], progress=False)
    own = _user_model(tmp_path, '[defaults]\nreadout = "IRp"\n')
    s = ms.sensitivity(own, vary=["k1a"], progress=False)
    assert s.readouts == ("IRp",) and s.n_failed == 0
    with pytest.raises(ValueError, match="defaults.genotype 'x' is not one of its genotypes"):
        _ = _user_model(tmp_path, '[defaults]\ngenotype = "x"\n').catalogue


@pytest.mark.parametrize(
    ("basis", "message"),
    [
        ('{ RAF = "culture" }', "not a target"),
        ('{ PI3K = "in cells" }', "expected one of"),
    ],
)
def test_a_potency_basis_must_name_a_target_and_a_known_kind(basis: str, message: str) -> None:
    from mtor_sim._catalogue import SECTIONS, _parse

    doc = tomllib.loads(f"[drugs.x]\ntargets = {{ PI3K = 4.0 }}\npotency_basis = {basis}\n")
    with pytest.raises(ValueError, match=message):
        _parse(doc, {}, source="t.toml", sections=SECTIONS)
    ok = tomllib.loads(
        '[drugs.x]\ntargets = { PI3K = 4.0 }\npotency_basis = { PI3K = "culture" }\n'
    )
    assert dict(_parse(ok, {}, source="t.toml", sections=SECTIONS).drugs["x"].potency_basis) == {
        "PI3K": "culture"
    }


def test_a_drug_with_an_unknown_key_or_targets_not_a_table_is_refused() -> None:
    """A misspelt key (``target``) left a drug without targets, silently."""
    from mtor_sim._catalogue import SECTIONS, _parse

    for text, message in [
        ("[drugs.x]\ntarget = { PI3K = 4.0 }\n", "drugs.x: unknown key 'target'; did you mean"),
        ('[drugs.x]\ntargets = "K"\n', "drugs.x.targets: expected a table"),
    ]:
        with pytest.raises(ValueError, match=message):
            _parse(tomllib.loads(text), {"K": 1.0}, source="t.toml", sections=SECTIONS)


def test_one_potency_parameter_has_one_basis_and_the_serum_share_is_a_share() -> None:
    from mtor_sim._catalogue import SECTIONS, _parse

    two = tomllib.loads(
        '[drugs.x]\ntargets = { mTORC1_ATP = "K", mTORC2_ATP = "K" }\n'
        'potency_basis = { mTORC1_ATP = "culture", mTORC2_ATP = "biochemical" }\n'
    )
    with pytest.raises(ValueError, match="same parameter 'K'"):
        _parse(two, {"K": 1.0}, source="t.toml", sections=SECTIONS)
    with pytest.raises(ValueError, match="share"):
        _parse(tomllib.loads("[culture]\nserum_fraction = 10\n"), {}, source="t", sections=SECTIONS)


def test_no_genotype_asked_for_is_not_the_catalogues_default(tmp_path: Path) -> None:
    """`dose_response(genotype=[])` (no presets) ran under the catalogue's default
    genotype, unlike `steady_state(genotype=[])` and `genotypes=[[]]`."""
    xml = tmp_path / "insulin.xml"
    xml.write_bytes((REFERENCE_DIR / "brannmark_2013_BIOMD0000000448.xml").read_bytes())
    (tmp_path / "insulin.catalogue.toml").write_text(
        '[genotypes.high]\ndescription = "3x k1a"\nscale = { k1a = 3.0 }\n\n'
        '[defaults]\ngenotype = "high"\nreadout = "IRp"\n'
    )
    m = ms.load_model(xml, targets={"PI3K": ["k1c"]})
    plain = ms.dose_response(m, "alpelisib", [0, 10], genotype=[], progress=False)
    default = ms.dose_response(m, "alpelisib", [0, 10], progress=False)
    assert plain.table["value"].iloc[0] == pytest.approx(m.steady_state()["IRp"], rel=1e-9)
    high = m.steady_state(genotype="high")["IRp"]
    assert default.table["value"].iloc[0] == pytest.approx(high, rel=1e-9)
    assert abs(high / m.steady_state()["IRp"] - 1) > 0.05


def test_a_models_sidecars_stay_its_own_after_the_working_folder_changes(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The catalogue and labels beside a model loaded by a relative path are read on first
    use: after a change of working folder they were looked for there, so the model's own
    went unread, or another folder's files of the same name took their place."""
    text = "model m\n  species A = 1;\n  R: A -> ; k*A;\n  R0: -> A; ks;\n  k = 1; ks = 1;\nend\n"
    mine, other = tmp_path / "mine", tmp_path / "other"
    for folder, factor, label in ((mine, 3.0, "own"), (other, 5.0, "other")):
        folder.mkdir()
        (folder / "m.ant").write_text(text)
        (folder / "m.catalogue.toml").write_text(f"[genotypes.high]\nscale = {{ ks = {factor} }}\n")
        (folder / "m.labels.csv").write_text(f"kind,name,label\nreadout,A,{label} A\n")
    monkeypatch.chdir(mine)
    m = ms.load_model("m.ant")
    monkeypatch.chdir(other)
    assert m.path == mine / "m.ant"
    assert dict(m.catalogue.genotypes["high"].scale) == {"ks": 3.0}
    assert m.labels.label("A") == "own A"
    assert m.steady_state(genotype="high")["A"] == pytest.approx(3.0, rel=1e-6)


@pytest.mark.parametrize("aliases", ["", '[node_aliases]\n"insr" = "IR"\n'])
def test_a_users_ambiguous_name_is_refused_in_any_case(tmp_path: Path, aliases: str) -> None:
    """`[ambiguous_nodes]` keys were kept as written and looked up in lower case, so an
    entry such as "IRS" never matched; nor was any entry read without `[node_aliases]`."""
    m = _user_model(tmp_path, aliases + '[ambiguous_nodes]\n"IRS" = ["IRS1", "IRS1p"]\n')
    for name in ("IRS", "irs"):
        with pytest.raises(ms.UnknownNameError, match="'IRS1' or 'IRS1p'"):
            m.steady_state(knockouts=[name])


def test_a_copy_of_the_bundled_model_reads_its_own_catalogue(
    model: ms.Model, tmp_path: Path
) -> None:
    """An edited copy of the bundled model (`mymodel.ant`) took the bundled catalogue
    whatever `mymodel.catalogue.toml` beside it said: its genotypes were unknown and its
    changes to the bundled ones had no effect."""
    ant = tmp_path / "mymodel.ant"
    ant.write_text(model.path.read_text())
    (tmp_path / "mymodel.catalogue.toml").write_text(
        '[genotypes.PTEN_loss]\ndescription = "PTEN null"\nscale = { PTEN_total = 0.0 }\n'
    )
    copy = ms.load_model(ant)
    assert copy.is_bundled and list(copy.catalogue.genotypes) == ["PTEN_loss"]
    assert dict(copy.catalogue.genotypes["PTEN_loss"].scale) == {"PTEN_total": 0.0}
    (tmp_path / "mymodel.catalogue.toml").unlink()
    assert ms.load_model(ant).catalogue.genotypes is ms.GENOTYPES  # none: the bundled one
