"""The review's claims (SPEC section 3) on the bundled model: each gives its documented verdict."""

from __future__ import annotations

import numpy as np
import pytest

import mtor_sim as ms
from mtor_sim import _claims
from mtor_sim._expectations import expectations_of, read_expectations
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


def test_documented_failures_are_claim_9_with_its_reason(model):
    expected = expectations_of(model)
    assert set(expected) == {9} and not expected[9].passes
    assert "MECHANISMS.md" in expected[9].source and "1.10x" in expected[9].reason
    # the SBML export is the same model: the same table applies to it
    assert expectations_of(ms.load_model(ms.bundled_model_path(".xml"))) == expected


def test_rapalog_s473_rise_travels_through_irs1(model):
    """Claim 9: the S473 rise is carried by S6K1 -| IRS1 -> PI3K (O'Reilly 2006), and is small.

    The S6K1 -| IRS1 cut removes every rise of the claim, S473 included; the S473 rise itself
    is below the claim's 1.10x, so the claim fails on that term alone.
    """
    r = _claims.check(model, 9)
    folds = {k.split(" ")[0]: v for k, v in r.numbers.items() if "untreated" in k}
    assert all(folds[k] >= 1.10 for k in ("IRS1_active", "PIP3", "pAKT_T308"))
    assert 1.0 < folds["pAKT_S473"] < 1.10 and not r.passed
    assert "FAILS (expected: " in r.verdict
    (irs1,) = r.controls
    assert irs1.name == "cut S6K1 -| IRS1" and irs1.removes_effect and r.controls_remove_effect


@pytest.mark.parametrize(
    ("rows", "match"),
    [
        ("m,9,maybe,r,s\n", "expected 'pass' or 'fail'"),
        ("m,nine,fail,r,s\n", "claim must be a number"),
        ("m,9,fail,,s\n", "needs a reason"),
        ("m,9,fail,r,s\nm,9,pass,,\n", "listed twice"),
    ],
)
def test_a_bad_expectations_table_is_refused(tmp_path, rows, match):
    table = tmp_path / "claims_expected.csv"
    table.write_text("model,claim,expected,reason,source\n" + rows)
    with pytest.raises(ms.MtorSimError, match=match):
        read_expectations(table, "m")


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


def test_unknown_claim_number(model):
    with pytest.raises(ms.UnknownNameError, match="claim number"):
        _claims.check(model, 16)


def test_tumour_layer_untreated_doubling_time(model):
    g = TumourGrowth()
    np.testing.assert_allclose(np.log(2) / g.rate(1.0, 1.0), 5.0, rtol=1e-12)
    res = tumour_response(model, {}, days=10)
    np.testing.assert_allclose(res.reduction_percent, 0.0, atol=1e-9)
    np.testing.assert_allclose(res.control_volume, 2.0 ** (10 / 5), rtol=1e-6)


def test_tumour_layer_rejects_bad_days(model):
    with pytest.raises(ValueError, match="days"):
        tumour_response(model, {"everolimus": 10}, days=-1)
