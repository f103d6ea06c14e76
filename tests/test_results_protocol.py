"""Every result of a verb follows one protocol: success / status / message (batch results
also n_failed), a JSON-safe metadata dict, to_dataframe() and to_file() by extension."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest
from numpy.testing import assert_allclose

import mtor_sim as ms
from mtor_sim._protocol import json_safe

BUILD: dict[str, Callable[[ms.Model], Any]] = {
    "SteadyState": lambda m: m.steady_state(drugs={"everolimus": 10}),
    "TimeCourse": lambda m: m.simulate(t_end=60, n_points=4, drugs={"everolimus": 10}),
    "DoseResponse": lambda m: ms.dose_response(m, "everolimus", [0, 1, 10, 100], readout="pS6K1"),
    "Combination": lambda m: ms.combination(
        m, ("everolimus", "sorafenib"), [0, 10], [0, 1000], readout="proliferation"
    ),
    "Sweep": lambda m: ms.sweep(
        m, {"everolimus": [0, 10]}, readouts=["pS6K1", "pAKT_S473"], progress=False
    ),
    "KnockoutScreen": lambda m: ms.knockout_screen(
        m, ["pAKT_S473", "pS6K1"], nodes=["RICTOR"], interactions=[], progress=False
    ),
    "Sensitivity": lambda m: ms.sensitivity(
        m, ["pS6K1", "pAKT_S473"], ["k_PIP3_syn"], progress=False
    ),
    "TrialResult": lambda m: ms.trial(m, ["everolimus"], n=6, seed=1, progress=False),
    "TumourResult": lambda m: ms.tumour_response(m, {"everolimus": 10}, genotype="PTEN_loss"),
    "ClaimResult": lambda m: ms.claims.check(m, 3),  # the simulations' status, not the verdict
}
BATCH = {"DoseResponse", "Combination", "Sweep", "KnockoutScreen", "Sensitivity", "TrialResult"}


@pytest.fixture(scope="module")
def results(model: ms.Model) -> dict[str, Any]:
    return {name: build(model) for name, build in BUILD.items()}


def test_every_public_result_type_is_covered() -> None:
    # fitting results are built from a PEtab problem (tests/test_fit.py); a cohort and a
    # tumour-growth law are inputs, not results
    elsewhere = {"Cohort", "Ensemble", "FitResult", "Profile", "TumourGrowth"}
    results = {
        n
        for n in ms.__all__
        if isinstance(getattr(ms, n), type)
        and hasattr(getattr(ms, n), "to_dataframe")
        and n not in elsewhere
    }
    assert results <= set(BUILD), f"add to BUILD: {sorted(results - set(BUILD))}"


@pytest.mark.parametrize("name", sorted(BUILD))
def test_status_fields(results: dict[str, Any], name: str) -> None:
    r = results[name]
    assert type(r).__name__ == name
    assert r.success is True and r.status == "ok"
    assert isinstance(r.message, str) and r.message
    if name in BATCH:
        assert r.n_failed == 0 and r.message.startswith("all ")


@pytest.mark.parametrize("name", sorted(BUILD))
def test_metadata_is_json_safe(results: dict[str, Any], name: str) -> None:
    meta = results[name].metadata
    assert isinstance(meta, dict) and meta
    json.dumps(meta, allow_nan=False)


@pytest.mark.parametrize("name", sorted(BUILD))
@pytest.mark.parametrize("suffix", [".csv", ".parquet", ".json"])
def test_to_file_by_extension(results: dict[str, Any], name: str, suffix: str, tmp_path: Path):
    r = results[name]
    path = r.to_file(tmp_path / "sub" / f"result{suffix}")
    assert path == tmp_path / "sub" / f"result{suffix}" and path.exists()
    table = r.to_dataframe()
    if not (isinstance(table.index, pd.RangeIndex) and table.index.name is None):
        table = table.reset_index()
    if suffix == ".csv":
        back = pd.read_csv(path)
    elif suffix == ".parquet":
        back = pd.read_parquet(path)
    else:
        doc = json.loads(path.read_text())
        assert doc["success"] is True and doc["status"] == "ok" and doc["message"] == r.message
        assert ("n_failed" in doc) == (name in BATCH)
        assert doc["metadata"] == json.loads(json.dumps(r.metadata))
        back = pd.DataFrame(doc["data"])
    assert list(back.columns) == [str(c) for c in table.columns]
    assert len(back) == len(table)
    numeric = table.select_dtypes("number").columns
    assert_allclose(
        back[[str(c) for c in numeric]].to_numpy(dtype=float),
        table[numeric].to_numpy(dtype=float),
        rtol=1e-12,
        equal_nan=True,
    )


@pytest.mark.parametrize("name", sorted(BUILD))
def test_every_result_plots(results: dict[str, Any], name: str) -> None:
    """SPEC: every result has ``.plot()``, which returns a figure (a trial and a tumour
    course had none)."""
    import matplotlib.pyplot as plt
    from matplotlib.figure import Figure

    fig = results[name].plot()
    assert isinstance(fig, Figure) and fig.axes
    plt.close("all")


def test_a_tumour_course_without_a_verified_state_has_no_volumes(
    model: ms.Model, monkeypatch
) -> None:
    """A course whose steady state was not verified grew at the rate of an unverified
    state's readouts and read as a number beside ``success=False``; it has no volumes
    now, and its status names the arm."""
    from dataclasses import replace

    import matplotlib.pyplot as plt

    solve = ms.Model.steady_state

    def unverified_when_treated(self, **kw):
        ss = solve(self, **kw)
        return (
            replace(ss, success=False, status="not_reached", message="no") if "drugs" in kw else ss
        )

    monkeypatch.setattr(ms.Model, "steady_state", unverified_when_treated)
    r = ms.tumour_response(model, {"everolimus": 10})
    assert (r.success, r.status) == (False, "treated_not_reached")
    assert np.isnan([r.control_volume, r.treated_volume, r.control_rate, r.reduction_percent]).all()
    assert "no verified steady state" in r.plot().axes[0].get_title()
    plt.close("all")
    row = r.to_dataframe().iloc[0]
    assert row["status"] == r.status and np.isnan(row["reduction_percent"])


def test_a_dose_response_without_a_fit_says_so(model: ms.Model, tmp_path: Path) -> None:
    """A flat curve (S6K1 knocked out) read "all 4 conditions solved", status ok, in its
    JSON, while its IC50 was NaN and the command exited 3; the message names the genotype
    without a Hill fit and why."""
    dr = ms.dose_response(
        model, "everolimus", [0, 1, 10, 100], readout="pS6K1", knockouts=["S6K1"], progress=False
    )
    assert np.isnan(dr.ic50)
    assert "no Hill fit for WT (response is 0 (within the solver's accuracy)" in dr.message
    doc = json.loads(dr.to_file(tmp_path / "dr.json").read_text())
    assert "no Hill fit for WT" in doc["message"]


def test_a_dose_response_at_round_off_is_zero_not_a_bell(model: ms.Model) -> None:
    """pAKT T308 with PI3K knocked out ends at -3e-17 to 6e-15 across alpelisib doses:
    the message called it "not monotonic" and its Emax was -3e-5. Within the solver's
    round-off it is 0 at every dose."""
    dr = ms.dose_response(
        model,
        "alpelisib",
        [0, 0.1, 1, 10, 100, 1000],
        readout="pAKT_T308",
        genotype="PTEN_loss",
        knockouts=["PI3K"],
        progress=False,
    )
    fit = dr.fits["PTEN_loss"]
    assert not fit.success and np.isnan(fit.emax) and np.isnan(fit.ic50)
    assert "response is 0 (within the solver's accuracy) at every dose" in dr.message


def test_a_long_tumour_course_keeps_its_inhibition(model: ms.Model) -> None:
    """Over 1e5 days both volumes overflow; the inhibition came out NaN with status ok.
    It is taken from the rates now."""
    r = ms.tumour_response(model, {"everolimus": 10}, days=1e5)
    assert r.status == "ok" and np.isinf(r.control_volume)
    assert r.reduction_percent == pytest.approx(100.0)
    short = ms.tumour_response(model, {"everolimus": 10}, days=21)
    ratio = short.treated_volume / short.control_volume
    assert short.reduction_percent == pytest.approx(100 * (1 - ratio), rel=1e-12)


def test_tumour_result_records_its_course(results: dict[str, Any]) -> None:
    r = results["TumourResult"]
    row = r.to_dataframe().iloc[0]
    assert row["label"] == "PTEN_loss + everolimus 10 nM" and row["days"] == 21
    assert row["reduction_percent"] == pytest.approx(r.reduction_percent)
    assert r.drugs == {"everolimus": 10.0} and r.perturbation["genotype"] == ["PTEN_loss"]
    assert r.metadata["growth"]["a_vegf"] == ms.TumourGrowth().a_vegf


def test_a_time_course_file_says_what_it_was_run_under(model: ms.Model, tmp_path: Path):
    """A time course's JSON held its solver and step inputs but not its drugs, genotype or
    parameters (its table has no label, its metadata no perturbation)."""
    kw: dict[str, Any] = {
        "genotype": ["PTEN_loss"],
        "drugs": {"everolimus": 10.0},
        "parameters": {"PI3K_cat": 0.5},
    }
    tc = model.simulate(t_end=60, n_points=3, species=False, **kw)
    doc = json.loads(tc.to_file(tmp_path / "tc.json").read_text())
    for key, value in kw.items():
        assert doc["perturbation"][key] == value, key
    ss = model.steady_state(**kw)
    doc = json.loads(ss.to_file(tmp_path / "ss.json").read_text())
    assert doc["perturbation"] == json.loads(json.dumps(ss.perturbation))


def test_to_file_refuses_an_unknown_extension(results: dict[str, Any], tmp_path: Path):
    with pytest.raises(ValueError, match=r"\.xlsx.*\.csv, \.parquet, \.json"):
        results["DoseResponse"].to_file(tmp_path / "r.xlsx")


def test_sensitivity_table_covers_every_readout(results: dict[str, Any]) -> None:
    s = results["Sensitivity"]
    assert set(s.to_dataframe()["readout"]) == {"pS6K1", "pAKT_S473"}
    assert set(s.to_dataframe("pS6K1")["readout"]) == {"pS6K1"}


def test_steady_state_row_carries_its_label(results: dict[str, Any]) -> None:
    assert results["SteadyState"].to_dataframe()["label"].tolist() == ["WT + everolimus 10 nM"]


def test_batch_status_counts_failed_conditions(results: dict[str, Any]) -> None:
    from dataclasses import replace

    dr = results["DoseResponse"]
    table = dr.table.copy()
    table.loc[1, "status"] = "not_reached"
    part = replace(dr, table=table)
    assert (part.success, part.status, part.n_failed) == (False, "partial", 1)
    assert part.message == "1 of 4 conditions not solved (not_reached: 1)"
    table["status"] = "solver_failed"
    none = replace(dr, table=table)
    assert (none.status, none.n_failed) == ("failed", 4)


@pytest.mark.parametrize("name", sorted(BUILD))
def test_notebooks_show_status_provenance_and_table(results: dict[str, Any], name: str):
    """``_repr_html_``: type, status badge, message, provenance and the first rows."""
    from html.parser import HTMLParser

    r = results[name]
    page = r._repr_html_()
    HTMLParser().feed(page)  # well-formed enough to parse
    assert page.startswith(f"<div><strong>{name}</strong>") and "#0072B2" in page
    assert r.message in page and "mtor_hcc" in page and "<table" in page


def test_a_failed_result_is_shown_as_failed(results: dict[str, Any]) -> None:
    from dataclasses import replace

    dr = results["DoseResponse"]
    table = dr.table.copy()
    table["status"] = "solver_failed"
    page = replace(dr, table=table)._repr_html_()
    assert ">failed</span>" in page and "#D55E00" in page


def test_combination_metadata_holds_the_status_matrix(results: dict[str, Any]) -> None:
    cm = results["Combination"]
    assert isinstance(cm.settings["status"], pd.DataFrame)  # unchanged for existing callers
    status = cm.metadata["status"]
    assert np.array(status["data"]).shape == cm.response.shape


def test_ic50_of_several_genotypes_names_them(model: ms.Model) -> None:
    dr = ms.dose_response(
        model, "everolimus", [0, 1, 10, 100], readout="pS6K1", genotypes=["WT", "PTEN_loss"]
    )
    with pytest.raises(ms.MtorSimError, match=r"2 genotypes \(WT, PTEN_loss\).*fits\[genotype\]"):
        _ = dr.ic50
    with pytest.raises(ms.MtorSimError, match="fit_table"):
        _ = dr.emax
    assert_allclose(dr.fits["WT"].ic50, dr.fit_table().set_index("genotype").loc["WT", "ic50_nM"])
    one = ms.dose_response(model, "everolimus", [0, 1, 10, 100], readout="pS6K1")
    assert_allclose(one.ic50, dr.fits["WT"].ic50, rtol=1e-9)


def test_json_safe_converts_what_results_hold() -> None:
    out = json_safe(
        {
            "a": np.int64(3),
            "b": np.array([1.0, np.inf]),
            "c": pd.Series({"x": 1.0}),
            "d": Path("/tmp/x"),
            ("t", 1): {1, 2} - {2},
        }
    )
    assert out == {"a": 3, "b": [1.0, None], "c": {"x": 1.0}, "d": "/tmp/x", "('t', 1)": [1]}
    json.dumps(out, allow_nan=False)


def test_every_verb_takes_the_six_perturbation_keywords(model: ms.Model) -> None:
    """``parameters`` and ``drugs`` mean background values in every verb: sensitivity
    varies ``vary``, a combination's drugs are its ``pair``."""
    background = {"parameters": {"PTEN_total": 0.1}, "drugs": {"MK2206": 30}}
    ss = model.steady_state(**background)
    s = ms.sensitivity(model, "pS6K1", vary=["TSC2_total"], progress=False, **background)
    assert s.settings["background"]["parameters"] == {"PTEN_total": 0.1}
    assert s.settings["background"]["drugs"] == {"MK2206": 30.0}
    cm = ms.combination(model, ("everolimus", "sorafenib"), [10], [1000], "pS6K1", **background)
    assert cm.response.iloc[0, 0] == pytest.approx(ss["pS6K1"], rel=1e-6)  # the background
    assert cm.settings["background_drugs"] == {"MK2206": 30}
    with pytest.raises(ValueError, match="repeat a drug of the pair"):
        ms.combination(model, ("everolimus", "sorafenib"), [10], [1000], drugs={"sorafenib": 1})
    with pytest.raises(ms.UnknownNameError):  # a bad background name fails before any work
        ms.combination(model, ("everolimus", "sorafenib"), [10], [1000], genotype="PTEN_lost")


def test_the_old_keywords_still_work_with_a_warning(model: ms.Model) -> None:
    with pytest.warns(DeprecationWarning, match="vary="):
        old = ms.sensitivity(model, "pS6K1", parameters=["TSC2_total"], progress=False)
    new = ms.sensitivity(model, "pS6K1", vary=["TSC2_total"], progress=False)
    pd.testing.assert_frame_equal(old.to_dataframe(), new.to_dataframe())
    with pytest.warns(DeprecationWarning, match="pair="):
        cm = ms.combination(model, drugs=("everolimus", "sorafenib"), doses_a=[10], doses_b=[1])
    assert cm.drugs == ("everolimus", "sorafenib")
    with pytest.raises(TypeError, match="vary="):
        ms.sensitivity(model, "pS6K1", ["TSC2_total"], parameters=["GF"], progress=False)


@pytest.mark.parametrize("name", sorted(BUILD))
def test_results_are_deeply_immutable(results: dict[str, Any], name: str) -> None:
    """Writing into what a result hands out changes only that copy, never the result;
    its attributes cannot be reassigned."""
    import warnings

    r = results[name]
    before = r.to_dataframe()
    meta = r.metadata
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # pandas warns of the chained assignment too
        for attr in ("table", "data", "readouts", "species", "response", "settings"):
            value = getattr(r, attr, None)
            if isinstance(value, pd.Series) and len(value):
                value.iloc[0] = 12345.0
            elif isinstance(value, pd.DataFrame) and len(value):
                numeric = value.select_dtypes("number").columns
                value.loc[value.index[0], numeric[0]] = 12345.0
            elif isinstance(value, dict):
                value["model"] = "changed"
    pd.testing.assert_frame_equal(r.to_dataframe(), before)
    assert r.metadata == meta
    with pytest.raises(AttributeError):
        r.settings = {}  # type: ignore[misc]
    if name == "TimeCourse":
        with pytest.raises(ValueError, match="read-only"):
            r.time[0] = 1.0
