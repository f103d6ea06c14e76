"""Mechanism controls of the claims: the rule, and what every claim reports."""

from __future__ import annotations

import json
import math

import numpy as np
import pytest

import mtor_sim as ms
from mtor_sim._controls import REMOVED_SHARE, EffectValue


def effect(relative: float, control_relative: float) -> EffectValue:
    return EffectValue("q", relative, relative, control_relative, control_relative)


@pytest.mark.parametrize(
    ("relative", "under", "removed"),
    [
        (0.20, 0.0, True),  # gone
        (0.20, REMOVED_SHARE * 0.20, True),  # exactly the share left
        (0.20, 0.06, False),  # 30 % left
        (0.20, -0.10, True),  # reversed
        (-0.50, -0.10, True),  # a fall, 20 % left
        (-0.50, -0.40, False),  # a fall, 80 % left
        (0.20, 0.40, False),  # larger under the control
        (0.20, math.nan, False),  # not measured is not removed
    ],
)
def test_the_removal_rule_is_signed_and_fixed(relative, under, removed):
    assert effect(relative, under).removed is removed


@pytest.fixture(scope="module")
def results():
    return ms.claims.check_all(ms.load_model())


def test_every_claim_carries_controls_with_finite_effects(results):
    for r in results:
        assert r.controls, f"claim {r.number} has no mechanism control"
        for c in r.controls:
            assert c.effects
            for e in c.effects:
                values = [e.absolute, e.relative, e.control_absolute, e.control_relative]
                assert np.isfinite(values).all(), (r.number, c.name, e.quantity)
                assert e.relative != 0.0, f"claim {r.number}: {e.quantity} has no effect intact"
        json.dumps(r.to_dict(), allow_nan=False)  # JSON-safe


def test_a_cut_that_removes_the_only_route_leaves_no_effect(results):
    by = {r.number: r for r in results}
    # energy stress acts only through AMPK's two links; RTK rises only through FOXO -> RTK;
    # since revision 1 (S6K1 -| mTORC2 at strength 0) the rapalog's PIP3, T308 and S473
    # rises travel through IRS1 (models/MECHANISMS.md section 2.1); since revision 4 a small
    # part of them through GRB10 -| IRS1 (section 2.7), which claim 9's cut leaves in place
    for number in (6, 9, 10):
        (control,) = by[number].controls
        assert control.removes_effect
        for e in control.effects:
            assert abs(e.control_relative) < (0.05 if number == 9 else 1e-6)
    irs1 = by[9].controls[0]
    assert irs1.name == "cut S6K1 -| IRS1"
    assert {e.quantity.split(",")[0] for e in irs1.effects} == {"PIP3", "pAKT_T308", "pAKT_S473"}


def test_claim_5s_weaker_response_is_erks_share_not_tsc2(results):
    """The review names ERK -| TSC2: it carries the mTORC1 rise, not the weaker response."""
    tsc2, erk_arm = next(r for r in results if r.number == 5).controls
    effects = {e.quantity.split(",")[0]: e for e in tsc2.effects}
    assert effects["mTORC1_activity"].removed
    falls = [e for e in tsc2.effects if e.quantity.startswith("proliferation fall")]
    assert len(falls) == 2
    assert not any(e.removed for e in falls)  # the cut leaves them, larger
    assert not tsc2.removes_effect
    # without ERK's proliferation arm the smaller fractional fall is gone (reversed)
    assert erk_arm.removes_effect
    assert all(e.control_relative < 0 for e in erk_arm.effects)


def test_controls_do_not_change_the_claims_numbers():
    """A control is applied to copies of the conditions, never to the claim itself."""
    model = ms.load_model()
    before = ms.claims.check(model, 9).numbers
    ms.claims.check(model, 12)
    assert ms.claims.check(model, 9).numbers == before


def test_reproduce_reports_controls(tmp_path):
    from mtor_sim._report import reproduce

    model = ms.load_model()
    reproduce(model, tmp_path, formats=("png",), experiments=None)
    text = (tmp_path / "report.md").read_text()
    assert text.count("**Mechanism controls**") == 15
    assert "controls remove the effect" in text
    data = json.loads((tmp_path / "claims.json").read_text())
    assert all(c["controls"] for c in data["claims"])
    rows = (tmp_path / "controls.csv").read_text().splitlines()
    assert rows[0].startswith("claim,control,quantity,absolute,relative")
    assert len(rows) > 15
