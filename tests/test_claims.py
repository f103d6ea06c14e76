"""The review's claims (SPEC section 3) on the bundled model: each gives its documented verdict."""

from __future__ import annotations

import numpy as np
import pytest

import mtor_sim as ms
from mtor_sim import _claims
from mtor_sim._expectations import expectations_of, read_expectations, read_findings
from mtor_sim._tumour import TumourGrowth, tumour_response


@pytest.mark.parametrize("number", sorted(_claims.CLAIMS))
def test_claim_outcome(model, number):
    """Every claim gives its documented verdict (models/claims_expected.csv)."""
    result = _claims.check(model, number)
    assert result.all_solved, f"claim {number}: a simulation failed"
    assert result.passed is result.expected_pass, f"claim {number}: {result.numbers}"
    assert result.as_expected
    assert result.number == number and result.source and result.criterion
    assert all(np.isfinite(v) for v in result.numbers.values())
    # the verdict is the conjunction of the criterion's terms, each named and checkable
    assert result.terms and result.passed is all(result.terms.values())
    assert result.to_dict()["terms"] == result.terms


def test_a_failing_term_fails_the_claim(model):
    """Claim 9 split into its terms: with S6K1 -| IRS1 weakened 100-fold the rises go and
    so does the claim, and the terms say which parts failed."""
    weak = model.with_parameters({"k_IRS1_S6K1": model.parameters["k_IRS1_S6K1"] / 100})
    result = _claims.check(weak, 9)
    assert not result.passed
    failed = {k for k, v in result.terms.items() if not v}
    assert "pAKT_S473 >= 1.10x untreated" in failed
    assert "S6K1 -| IRS1 cut: PIP3 within 5 % of untreated" not in failed


def test_no_documented_failures_since_revision_2(model):
    """Revision 1 documented claim 9 as failing; revision 2 (T308/S473 coupling) passes it."""
    assert expectations_of(model) == {}
    # the SBML export is the same model: the same (empty) table applies to it
    assert expectations_of(ms.load_model(ms.bundled_model_path(".xml"))) == {}


def test_rapalog_s473_rise_travels_through_irs1(model):
    """Claim 9: the S473 rise is carried by S6K1 -| IRS1 -> PI3K (O'Reilly 2006).

    Since revision 2, S473 is phosphorylated on pT308-Akt (Dalle Pezze 2016), so the rise of
    PIP3 reaches S473 through T308 as well as through mTORC2. Since revision 4 the rapalog
    also lowers GRB10 (mTORC1 -> GRB10 -| IRS1, Hsu 2011; Yu 2011), a second mTORC1 feedback
    on IRS1: the S6K1 -| IRS1 cut leaves a small rise (PIP3 1.03x, inside the claim's 5 %),
    and cutting both feedbacks on IRS1 removes every rise.
    """
    r = _claims.check(model, 9)
    folds = {k.split(" ")[0]: v for k, v in r.numbers.items() if "untreated" in k}
    assert all(folds[k] >= 1.10 for k in ("IRS1_active", "PIP3", "pAKT_T308", "pAKT_S473"))
    assert r.passed and r.as_expected
    (irs1,) = r.controls
    assert irs1.name == "cut S6K1 -| IRS1" and irs1.removes_effect and r.controls_remove_effect
    for e in irs1.effects:
        assert 0 < e.control_relative < 0.05, e.quantity  # what is left is GRB10 relief
    both = ["S6K1 -| IRS1", "GRB10 -| IRS1"]
    for readout in ("IRS1_active", "PIP3", "pAKT_T308", "pAKT_S473"):
        base = model.steady_state(cut=both).readouts[readout]
        treated = model.steady_state(cut=both, drugs={"everolimus": 10}).readouts[readout]
        assert abs(treated / base - 1) < 1e-6, readout


#: header and reader of each documentation table beside a model
_TABLES = {
    "expected": ("model,claim,expected,reason,source\n", read_expectations),
    "findings": ("model,claim,finding,source\n", read_findings),
}


@pytest.mark.parametrize(
    ("kind", "rows", "match"),
    [
        ("expected", "m,9,maybe,r,s\n", "expected must be 'pass' or 'fail'"),
        ("expected", "m,\u00b2,fail,r,s\n", "claim must be a number"),
        ("expected", "m,nine,fail,r,s\n", "claim must be a number"),
        ("expected", "m,9,fail,,s\n", "needs a reason"),
        ("expected", "m,9,fail,r,s\nm,9,pass,,\n", "listed twice"),
        ("findings", "m,nine,f,s\n", "claim must be a number"),
        ("findings", "m,9,,s\n", "needs its text and a source"),
        ("findings", "m,9,f,\n", "needs its text and a source"),
        ("findings", "m,9,f,s\nm,9,g,t\n", "listed twice"),
    ],
)
def test_a_bad_documentation_table_is_refused(tmp_path, kind, rows, match):
    header, read = _TABLES[kind]
    table = tmp_path / f"claims_{kind}.csv"
    table.write_text(header + rows)
    with pytest.raises(ms.MtorSimError, match=match):
        read(table, "m")


def test_a_findings_table_from_a_spreadsheet_reads_as_written(tmp_path):
    """A byte-order mark and line breaks inside a finding do not change what is read;
    an error names the file line where its row ends."""
    table = tmp_path / "claims_findings.csv"
    table.write_text('model,claim,finding,source\nm,5,"two\n  lines",here\n', encoding="utf-8-sig")
    assert read_findings(table, "m") == {5: ("two lines", "here")}
    table.write_text("model,claim,finding,source\n\n\nm,5,f,s\nm,5,g,t\n")
    with pytest.raises(ms.MtorSimError, match="line 5: claim 5 listed twice"):
        read_findings(table, "m")


def test_findings_apply_only_to_their_model_file(tmp_path):
    table = tmp_path / "claims_findings.csv"
    table.write_text("model,claim,finding,source\nother,9,f,s\nm,3,why,where\n")
    assert read_findings(table, "m") == {3: ("why", "where")}
    (tmp_path / "bad.csv").write_text("model,claim,finding\n")
    with pytest.raises(ms.MtorSimError, match="missing column"):
        read_findings(tmp_path / "bad.csv", "m")


def test_expectations_apply_only_to_their_model_file(tmp_path):
    table = tmp_path / "claims_expected.csv"
    table.write_text("model,claim,expected,reason,source\nother,9,fail,r,s\nm,3,fail,why,\n")
    assert set(read_expectations(table, "m")) == {3}
    assert read_expectations(table, "mtor_hcc") == {}


def test_claim_fails_when_mechanism_removed(model, tmp_path):
    """Claim 9 is carried by the S6K1 -| IRS1 feedback: without it the check must fail."""
    text = ms.bundled_model_path().read_text().replace("k_IRS1_S6K1 = 0.015;", "k_IRS1_S6K1 = 0;")
    path = tmp_path / "no_feedback.ant"
    path.write_text(text)
    assert not _claims.check(ms.load_model(path), 9).passed


def test_claims_need_bundled_model():
    other = ms.load_model(ms.bundled_model_path(".xml"))
    with pytest.raises(ms.MtorSimError, match="bundled"):
        _claims.check(other, 1)


@pytest.mark.parametrize("given", ["x", None])
@pytest.mark.parametrize(
    "options", [{}, {"ensemble": True}, {"ensemble": True, "n_members": 2}, {"n_members": 2}]
)
def test_check_all_checks_the_model_before_its_options(given, options):
    # ensemble=True on a file name failed on a missing attribute ("'str' object has no
    # attribute '_forms'"), and n_members alone was refused as needing an ensemble
    with pytest.raises(TypeError, match="checked on a Model .*got (str|NoneType)"):
        ms.claims.check_all(given, **options)


def test_unknown_claim_number(model):
    with pytest.raises(ms.UnknownNameError, match="claim number"):
        _claims.check(model, 16)


def test_tumour_layer_untreated_doubling_time(model):
    g = TumourGrowth()
    np.testing.assert_allclose(np.log(2) / g.rate(1.0, 1.0), 5.0, rtol=1e-12)
    res = tumour_response(model, {}, days=10)
    np.testing.assert_allclose(res.reduction_percent, 0.0, atol=1e-9)
    np.testing.assert_allclose(res.control_volume, 2.0 ** (10 / 5), rtol=1e-6)


def test_tumour_layer_acts_with_the_models_own_vegfr_potency(model):
    """A `with_parameters` copy's VEGFR potency was ignored (the catalogue's was used),
    while the trial on the same copy honoured it."""
    weak = model.with_parameters(
        {"K_sorafenib_VEGFR": model.parameters["K_sorafenib_VEGFR"] * 1000}
    )
    usual = tumour_response(model, {"sorafenib": 100.0})
    blunt = tumour_response(weak, {"sorafenib": 100.0})
    assert blunt.success and blunt.treated_rate > usual.treated_rate + 0.01
    g = TumourGrowth()
    ss = weak.steady_state(drugs={"sorafenib": 100.0})
    occ = 100.0 / (weak.parameters["K_sorafenib_VEGFR"] + 100.0)
    np.testing.assert_allclose(
        blunt.treated_rate, g.rate(ss["proliferation"], ss["survival"], occ), rtol=1e-9
    )


def test_tumour_layer_acts_with_the_calls_own_vegfr_potency(model):
    """A VEGFR potency given to the call (``parameters=``) was ignored by the growth
    layer, though a `with_parameters` copy with the same value was honoured."""
    weak = {"K_sorafenib_VEGFR": model.parameters["K_sorafenib_VEGFR"] * 1000}
    given = tumour_response(model, {"sorafenib": 100.0}, parameters=weak)
    copy = tumour_response(model.with_parameters(weak), {"sorafenib": 100.0})
    np.testing.assert_allclose(given.treated_rate, copy.treated_rate, rtol=1e-9)
    np.testing.assert_allclose(
        given.metadata["vegfr_occupancy"], 100.0 / (weak["K_sorafenib_VEGFR"] + 100.0)
    )


def test_tumour_layer_names_a_misspelt_drug(model):
    """A misspelt drug was a bare KeyError from the occupancy, without the hint."""
    with pytest.raises(ms.UnknownNameError, match="did you mean 'sorafenib'"):
        tumour_response(model, {"Sorafenib": 100.0})


def test_tumour_layer_rejects_bad_days(model):
    with pytest.raises(ValueError, match="days"):
        tumour_response(model, {"everolimus": 10}, days=-1)


def test_no_rise_has_no_half_time(model):
    """Without FOXO-driven RTK synthesis there is no rise, so no half-time: NaN, not the
    first time point (which read as 0 h)."""
    result = _claims.check(model.with_parameters({"k_FOXO_RTK": 0.0}), 10)
    assert np.isnan(result.numbers["time to half of the 48-h rise (h)"])
    assert not result.terms["half of the 48-h rise takes >= 2 h"]
    assert not result.passed


def test_prognosis_ordering_is_not_sorted_on_a_failed_state(model, monkeypatch):
    """A state that did not solve gives NaN; the model's ordering then says so instead of
    sorting a NaN key into an arbitrary place."""
    value = _claims._Runner.value

    def failing(self, readout, genotype=None, *args, **kwargs):
        if genotype == "PTEN_loss" and readout == "proliferation":
            return float("nan")
        return value(self, readout, genotype, *args, **kwargs)

    monkeypatch.setattr(_claims._Runner, "value", failing)
    result = _claims.check(model, 4)
    assert "not determined" in result.review["model ordering by proliferation, highest first"]


@pytest.mark.parametrize(
    ("field", "value", "error"),
    [
        ("k_death", float("nan"), ValueError),
        ("a_vegf", 2.0, ValueError),
        ("k_prolif", -0.1, ValueError),
        ("k_prolif", 0.0, ValueError),
        ("k_prolif", "0.3", TypeError),
    ],
)
def test_tumour_growth_refuses_values_without_meaning(field, value, error) -> None:
    """A NaN death rate gave a NaN reduction with status "ok", a VEGFR share of 2 a
    reduction of 100 %, a negative division rate -66 %."""
    with pytest.raises(error, match=field):
        TumourGrowth(**{field: value})
