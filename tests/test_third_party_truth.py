"""On published models, every steady state reported "ok" is confirmed by long integration
from the model's initial state, for the baseline and for each single knockout."""

from __future__ import annotations

import numpy as np
import pytest
from conftest import REFERENCE_DIR

import mtor_sim as ms

MODELS = sorted(p.name for p in REFERENCE_DIR.glob("*.xml"))
HORIZON = 1e6  # in the model's time unit: far beyond every published model's slowest mode


@pytest.mark.parametrize("name", MODELS)
def test_ok_states_hold_under_long_integration(name: str) -> None:
    model = ms.load_model(REFERENCE_DIR / name)
    checked = 0
    for knockouts in [None, *([n] for n in list(model.nodes)[:6])]:
        ss = model.steady_state(knockouts=knockouts)
        if ss.status != "ok":
            assert ss.species.isna().all() or ss.status in ("unstable", "not_unique", "negative")
            continue
        tc = model.simulate(
            t_end=HORIZON,
            n_points=2,
            pre_equilibrate=False,
            knockouts=knockouts,
            outputs=list(ss.species.index),
        )
        assert tc.status == "ok", (knockouts, tc.message)
        end = tc.to_dataframe().iloc[-1].to_numpy()
        scale = max(1e-9, float(np.abs(end).max()))
        np.testing.assert_allclose(
            ss.species.to_numpy(),
            end,
            rtol=1e-4,
            atol=1e-6 * scale,
            err_msg=f"{name}, knockouts={knockouts}",
        )
        checked += 1
    assert checked or name.startswith("varusai")  # Varusai 2018 oscillates: nothing is ok


@pytest.mark.parametrize("name", [n for n in MODELS if not n.startswith("varusai")])
def test_every_verb_gives_the_same_number(name: str) -> None:
    """Steady states from `steady_state`, a sweep and a knockout screen's baseline, and
    time points from `simulate` and a timed sweep, agree (same units: concentrations,
    amounts only with hasOnlySubstanceUnits)."""
    model = ms.load_model(REFERENCE_DIR / name)
    reads = list(model.readouts)[:4]
    param = next(p for p in model.parameters.index if not p.startswith("cut_"))
    value = float(model.parameters[param])
    ss = model.steady_state(parameters={param: value})
    sw = ms.sweep(model, {param: [value]}, reads, progress=False).table
    ko = ms.knockout_screen(model, reads, nodes=model.nodes[:1], interactions=[], progress=False)
    base = ko.to_dataframe()
    assert base["target"].iloc[0] == "baseline"
    for r in reads:
        assert sw[r].iloc[0] == pytest.approx(ss[r], rel=1e-9, abs=1e-12)
        assert base[r].iloc[0] == pytest.approx(ss[r], rel=1e-9, abs=1e-12)
    tc = model.simulate(t_end=30.0, n_points=4, drugs={}, outputs=reads)
    timed = ms.sweep(model, {param: [value]}, reads, time=30.0, progress=False).table
    for r in reads:
        assert timed[r].iloc[0] == pytest.approx(tc.to_dataframe()[r].iloc[-1], rel=1e-6, abs=1e-12)


def test_messages_on_another_model_say_what_to_do() -> None:
    path = REFERENCE_DIR / "brannmark_2013_BIOMD0000000448.xml"
    one = ms.load_model(path, targets={"mTORC1_FRB": "k5a1"})  # a string is one parameter
    targets = {"mTORC1_FRB": ["k5a1"]}
    ms.load_model(path, targets=targets)
    assert targets == {"mTORC1_FRB": ["k5a1"]}  # the caller's mapping is not changed
    with pytest.raises(TypeError, match=r"give `readout`; .* no default readout"):
        ms.dose_response(one, "everolimus", [0, 1])
    with pytest.raises(TypeError, match=r"give `readouts`; .* no default readout"):
        ms.sensitivity(one, progress=False)
    with pytest.raises(ms.UnknownNameError, match=r"parameters=\{'insulin'"):
        one.steady_state(inputs={"insulin": 1.0})
