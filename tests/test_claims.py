"""The review's claims (SPEC section 3): every check passes on the bundled model."""

from __future__ import annotations

import numpy as np
import pytest

import mtor_sim as ms
from mtor_sim import _claims
from mtor_sim._tumour import TumourGrowth, tumour_response


@pytest.mark.parametrize("number", sorted(_claims.CLAIMS))
def test_claim_passes(model, number):
    result = _claims.check(model, number)
    assert result.all_solved, f"claim {number}: a simulation failed"
    assert result.passed, f"claim {number} failed: {result.numbers}"
    assert result.number == number and result.source and result.criterion
    assert all(np.isfinite(v) for v in result.numbers.values())


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
