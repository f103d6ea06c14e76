"""`ms.steady_states`: a list of named conditions through the batch runner."""

from __future__ import annotations

import pytest
from numpy.testing import assert_allclose

import mtor_sim as ms


def test_each_condition_equals_its_own_steady_state(model: ms.Model) -> None:
    conditions = {
        "untreated": {},
        "everolimus": {"drugs": {"everolimus": 10}},
        "RHEB KO + sorafenib": {"knockouts": ["RHEB"], "drugs": {"sorafenib": 100}},
        "WT": {"genotype": "WT"},
    }
    res = ms.steady_states(
        model, conditions, ["pS6K1", "pAKT_S473"], genotype="PTEN_loss", drugs={"MK2206": 30}
    )
    assert list(res.table["condition"]) == list(conditions)
    assert res.n_failed == 0 and res.names == ("condition",)
    expected = [  # genotype replaced; drugs merged by name; knockouts added
        model.steady_state(genotype="PTEN_loss", drugs={"MK2206": 30}),
        model.steady_state(genotype="PTEN_loss", drugs={"MK2206": 30, "everolimus": 10}),
        model.steady_state(
            genotype="PTEN_loss", knockouts=["RHEB"], drugs={"MK2206": 30, "sorafenib": 100}
        ),
        model.steady_state(genotype="WT", drugs={"MK2206": 30}),
    ]
    for readout in ("pS6K1", "pAKT_S473"):
        assert_allclose(res.table[readout], [ss[readout] for ss in expected], rtol=1e-8)


def test_a_list_of_conditions_is_labelled_by_position_and_runs_on_any_backend(
    model: ms.Model,
) -> None:
    conditions = [{"drugs": {"everolimus": d}} for d in (0, 1, 10, 100)]
    serial = ms.steady_states(model, conditions, ["pS6K1"])
    pooled = ms.steady_states(model, conditions, ["pS6K1"], backend="processes", n_workers=2)
    assert list(serial.table["condition"]) == [0, 1, 2, 3]
    assert serial.table["pS6K1"].is_monotonic_decreasing
    assert_allclose(pooled.table["pS6K1"], serial.table["pS6K1"], rtol=1e-10)


def test_the_result_is_a_sweep_that_plots_and_writes_itself(model: ms.Model, tmp_path) -> None:
    res = ms.steady_states(model, {"a": {}, "b": {"genotype": "PTEN_loss"}}, ["pS6K1"])
    assert res.metadata["method"] == "conditions"
    res.to_file(tmp_path / "conditions.csv")
    assert (tmp_path / "conditions.csv").read_text().count("\n") == 3
    fig = res.plot()
    assert fig.axes


@pytest.mark.parametrize(
    ("conditions", "match"),
    [
        ({}, "empty"),
        ("WT", "mapping of label"),
        ({"a": {"genotyp": "WT"}}, "unknown keyword"),
        ({"a": {"drugs": ["everolimus"]}}, "drugs"),
        ({"a": {"genotype": "no_such_genotype"}}, "no_such_genotype"),
        ({1: {}, "1": {}}, "label twice"),
    ],
)
def test_bad_conditions_are_refused_naming_what_is_wrong(model, conditions, match) -> None:
    with pytest.raises((TypeError, ValueError, KeyError), match=match):
        ms.steady_states(model, conditions)


def test_a_resumed_run_of_reordered_conditions_is_refused(model: ms.Model, tmp_path) -> None:
    """The points' order is part of a store folder's fingerprint: a reordered list would
    otherwise read other conditions' parts."""
    first = {"a": {}, "b": {"genotype": "PTEN_loss"}, "c": {"drugs": {"everolimus": 10}}}
    ms.steady_states(model, first, ["pS6K1"], out=tmp_path / "parts")
    again = ms.steady_states(model, first, ["pS6K1"], out=tmp_path / "parts")
    assert list(again.table["condition"]) == ["a", "b", "c"]
    reordered = dict(reversed(list(first.items())))
    with pytest.raises(ms.StoreError, match="changed: conditions"):
        ms.steady_states(model, reordered, ["pS6K1"], out=tmp_path / "parts")


def test_none_leaves_the_background_and_errors_name_the_condition(model: ms.Model) -> None:
    res = ms.steady_states(
        model, {"x": {"drugs": None, "knockouts": None}}, ["pS6K1"], drugs={"everolimus": 10}
    )
    assert res.table["pS6K1"].iloc[0] == pytest.approx(
        model.steady_state(drugs={"everolimus": 10})["pS6K1"], rel=1e-8
    )
    with pytest.raises(ValueError, match=r"conditions\['c7'\].*must be >= 0"):
        ms.steady_states(model, {"c7": {"drugs": {"everolimus": -1}}})
    with pytest.raises(TypeError, match="in `run=RunOptions"):
        ms.steady_states(model, [{}], resume=False)
