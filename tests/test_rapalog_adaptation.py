"""Revision 6 of the bundled model: 4EBP1's rapalog resistance builds up over hours.

``FRB_adapt`` follows the rapalog occupancy of mTORC1's FRB domain with a 2 h time
constant (Choo 2008 PNAS: 4E-BP1 phosphorylation falls at 1-3 h of rapamycin and recovers
within 6 h). Only bound mTORC1 can be adapted, so the share in effect is
``min(FRB_adapt, occ_FRB)``: mTORC1's activity toward 4EBP1 never exceeds the untreated
activity when a rapalog is stopped. Every steady state is the one of a fixed 4EBP1
resistance (``rapa_res_4EBP1``), as before the revision.
"""

from __future__ import annotations

import numpy as np
import pytest
from numpy.testing import assert_allclose

import mtor_sim as ms

DAY = 1440.0
OUTPUTS = ["mTORC1a", "mTORC1_kin_4EBP1", "occ_FRB", "occ_mTORC1_ATP", "p4EBP1", "proliferation"]


def _factor(tc: ms.TimeCourse) -> np.ndarray:
    """mTORC1's activity toward 4EBP1 per unit of active mTORC1 (1 untreated)."""
    return (tc["mTORC1_kin_4EBP1"] / tc["mTORC1a"]).to_numpy()


@pytest.mark.parametrize(
    "schedule",
    [
        ms.Schedule.constant("sirolimus", 20, stop=DAY),
        ms.Schedule.intermittent("everolimus", 10, on_days=1, off_days=1, weeks=1),
    ],
    ids=["sirolimus-washout", "everolimus-intermittent"],
)
def test_washout_never_raises_4ebp1_activity_above_untreated(model, schedule):
    tc = model.simulate(t_end=2 * DAY, n_points=2 * 24 * 12 + 1, schedule=schedule, outputs=OUTPUTS)
    assert tc.success
    factor = _factor(tc)
    assert factor.max() <= 1.0 + 1e-9
    off = tc.time > DAY + 1.0  # after the drug stops
    assert factor[off].min() > 0.999  # the occupancy is gone at once, and so is the block
    # what remains is the rebound of relieved feedback (IRS1 recovers over hours): small
    base = tc["p4EBP1"].iloc[0]
    assert tc["p4EBP1"][off].max() < 1.10 * base
    assert tc["proliferation"][off].max() < 1.10 * tc["proliferation"].iloc[0]


def test_4ebp1_dips_then_recovers_on_rapalog(model):
    tc = model.simulate(
        t_end=DAY,
        n_points=24 * 12 + 1,
        schedule=ms.Schedule.constant("sirolimus", 20),
        outputs=OUTPUTS,
    )
    p = tc["p4EBP1"]
    ss = model.steady_state(drugs={"sirolimus": 20})["p4EBP1"]
    assert p.loc[60.0] < 0.6 * ss  # blocked at 1 h, as S6K1 is
    assert p.loc[360.0] > 0.8 * ss  # mostly recovered by 6 h
    assert_allclose(p.iloc[-1], ss, rtol=1e-3)


@pytest.mark.parametrize(
    "drugs",
    [{"sirolimus": 20}, {"everolimus": 3}, {"temsirolimus": 30, "vistusertib": 100}],
    ids=["sirolimus", "everolimus", "temsirolimus+vistusertib"],
)
def test_steady_state_is_that_of_a_fixed_4ebp1_resistance(model, drugs):
    """After a long exposure the adapted share equals the occupancy, so the factor is
    ``(1 - occ (1 - rapa_res_4EBP1)) (1 - occ_ATP)`` exactly, the fixed resistance of
    revision 5; and the steady state is the one of an instantaneous adaptation (revision
    5 is the limit of a fast ``k_4EBP1_recover``)."""
    tc = model.simulate(t_end=3 * DAY, n_points=4, drugs=drugs, outputs=OUTPUTS)
    occ, occ_atp = tc["occ_FRB"].iloc[-1], tc["occ_mTORC1_ATP"].iloc[-1]
    res = model.parameters["rapa_res_4EBP1"]
    assert_allclose(_factor(tc)[-1], (1 - occ * (1 - res)) * (1 - occ_atp), rtol=1e-9)
    ss = model.steady_state(drugs=drugs)
    fast = model.steady_state(drugs=drugs, parameters={"k_4EBP1_recover": 100.0})
    assert ss.success and fast.success
    assert_allclose(tc["p4EBP1"].iloc[-1], ss["p4EBP1"], rtol=1e-6)
    for q in ("p4EBP1", "pS6K1", "pAKT_S473", "proliferation"):
        assert_allclose(ss[q], fast[q], rtol=1e-9)
