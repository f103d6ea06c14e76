"""The literature observation table (models/observations.csv) and its validation runner."""

from __future__ import annotations

import csv
import importlib.util

import pandas as pd
import pytest
from conftest import REPO

import mtor_sim as ms

TABLE = REPO / "models" / "observations.csv"
RUNNER = REPO / "benchmarks" / "validate_observations.py"

pytestmark = pytest.mark.skipif(
    not (TABLE.exists() and RUNNER.exists()),
    reason="observation table or runner not in this checkout",
)


@pytest.fixture(scope="module")
def rows() -> list[dict[str, str]]:
    with TABLE.open(newline="") as fh:
        return list(csv.DictReader(fh))


@pytest.fixture(scope="module")
def runner():
    spec = importlib.util.spec_from_file_location("validate_observations", RUNNER)
    assert spec is not None and spec.loader is not None
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


def test_every_row_is_traceable(rows):
    ids = [r["id"] for r in rows]
    assert len(ids) == len(set(ids))
    assert len(rows) >= 40
    for r in rows:
        assert r["source"].strip(), r["id"]
        assert r["verified"] in ("yes", "no"), r["id"]
        assert r["id_checked"] in ("yes", "no"), r["id"]
        assert r["use"] in ("calibration", "validation", "duplicate"), r["id"]
        assert r["how_obtained"] in (
            "stated in text",
            "read off figure",
            "qualitative statement",
            "read from model file",
            "read from data file",
        ), r["id"]


def test_no_model_test_is_counted_twice(rows):
    """A validation row with a calibration row's test is not held out (V06 and V15 were
    V68's), and two validation rows with one test count one behaviour twice: such rows
    are marked `duplicate`, naming the row whose test they repeat."""
    import re

    from mtor_sim.observations import TEST_COLUMNS

    def test_of(r):
        return tuple(r[c].strip() for c in TEST_COLUMNS)

    by_id = {r["id"]: r for r in rows}
    validation, calibration = {}, set()
    for r in rows:
        if not r["model_readout"].strip():
            continue
        if r["use"] == "duplicate":
            twin = re.search(r"the same model test as (?:calibration row )?(V\d+)", r["notes"])
            assert twin, r["id"]
            assert test_of(by_id[twin.group(1)]) == test_of(r), r["id"]
            assert by_id[twin.group(1)]["use"] != "duplicate", r["id"]
        elif r["use"] == "validation":
            assert test_of(r) not in validation, (r["id"], validation.get(test_of(r)))
            validation[test_of(r)] = r["id"]
        else:  # calibration rows may restate each other (V21, V29, V62; the card says so)
            calibration.add(test_of(r))
    held_in = {i for key, i in validation.items() if key in calibration}
    assert not held_in, f"validation rows with a calibration row's test: {held_in}"


def test_enough_validation_beyond_the_claims(rows):
    beyond = [r for r in rows if r["use"] == "validation" and not r["overlaps_claim"]]
    assert len(beyond) >= 25


def test_conditions_parse(runner):
    kw = runner.parse_condition(
        "genotype=PTEN_loss,mTORC2_high; drugs=everolimus:10; "
        "cut=S6K1 -| IRS1; inputs=GF:0.1; t=360"
    )
    assert kw == {
        "genotype": ["PTEN_loss", "mTORC2_high"],
        "drugs": {"everolimus": 10.0},
        "cut": ["S6K1 -| IRS1"],
        "inputs": {"GF": 0.1},
        "t": 360.0,
    }
    with pytest.raises(ValueError, match="unknown condition key"):
        runner.parse_condition("dose=3")
    stimulated = runner.parse_condition("inputs=GF:0.01; step_inputs=GF:1; t=30")
    assert stimulated == {"inputs": {"GF": 0.01}, "step_inputs": {"GF": 1.0}, "t": 30.0}
    with pytest.raises(ValueError, match="step_inputs needs a time course"):
        runner.parse_condition("step_inputs=GF:1")
    depleted = runner.parse_condition("genotype=PTEN_loss; parameters=PI3K_cat:0")
    assert depleted == {"genotype": ["PTEN_loss"], "parameters": {"PI3K_cat": 0.0}}


def _row(readout, condition, reference, op=">", threshold="1.05"):
    """An observation row with only what `validate` reads."""
    return {
        "id": "X",
        "value_or_relation": "",
        "verified": "yes",
        "use": "validation",
        "model_readout": readout,
        "model_condition": condition,
        "model_reference": reference,
        "model_op": op,
        "model_threshold": threshold,
    }


def test_a_condition_sets_parameters_over_the_genotype(model):
    """``parameters=`` wins over a genotype preset that scales the same parameter (V92's
    design: p110alpha depleted in PIK3CA-mutant cells)."""
    from mtor_sim.observations import validate

    row = _row(
        "PIP3", "genotype=PIK3CA_gain; parameters=PI3K_cat:0", "genotype=PIK3CA_gain", "<", "0.5"
    )
    (res,) = validate(model, [row])
    assert res["status"] == "pass", res
    depleted = model.steady_state(genotype="PIK3CA_gain", parameters={"PI3K_cat": 0.0})
    assert res["fold"] == pytest.approx(
        depleted["PIP3"] / model.steady_state(genotype="PIK3CA_gain")["PIP3"], rel=1e-9
    )
    # a value the preset's scaling would change (x 3): the condition's value is used as is,
    # so PIK3CA gain with p110alpha's activity set back to 1 keeps only its other change
    basal = 10 * float(model.parameters["k_PI3K_basal"])
    row = _row(
        "PIP3",
        "genotype=PIK3CA_gain; parameters=PI3K_cat:1",
        f"parameters=k_PI3K_basal:{basal!r}",
        "~",
        "1",
    )
    (same,) = validate(model, [row])
    assert same["fold"] == pytest.approx(1.0, rel=1e-7), same


def test_a_stimulus_steps_up_during_the_time_course(model):
    """``step_inputs`` starts from the starved steady state (V82's design): at 30 min the
    stimulated cells' pERK is above it, and after two days at the stimulated steady state;
    a drug in the same condition acts from the same t = 0 (alpelisib lowers S473)."""
    from mtor_sim.observations import validate

    def row(condition, reference, op=">", threshold="1.05"):
        return _row("pERK", condition, reference, op, threshold)

    starved, stimulated = "inputs=GF:0.01", "inputs=GF:1"
    early = "inputs=GF:0.01; step_inputs=GF:1; t=30"
    late = "inputs=GF:0.01; step_inputs=GF:1; t=2880"
    with_drug = "inputs=GF:0.01; step_inputs=GF:1; drugs=alpelisib:1000; t=30"
    blocked = {**row(with_drug, early, "<", "0.5"), "model_readout": "pAKT_S473"}
    up, settled, s473 = validate(
        model, [row(early, starved), row(late, stimulated, "~", "1"), blocked]
    )
    assert up["status"] == "pass" and up["fold"] > 1.5, up
    assert settled["status"] == "pass", settled
    assert s473["status"] == "pass", s473


def test_a_duplicate_row_is_not_counted_in_a_hit_rate(model, runner, capsys):
    """A ``duplicate`` row repeats another row's model test and is "not counted"
    (OBSERVATIONS.md); the runner's ``--use all`` counted V06, V15, V45 and V67 again."""
    from mtor_sim.observations import hit_rate, validate

    row = _row("pAKT_S473", "drugs=everolimus:10", "")
    twin = dict(row, id="Y", use="duplicate")
    results = validate(model, [row, twin])
    assert [r["status"] for r in results] == ["pass", "pass"], results
    assert hit_rate(results) == (1, 1)
    everything = runner.load_observations(path=TABLE)
    load_all = [r for r in everything if r["use"] != "duplicate"]
    assert len(load_all) < len(everything)
    assert hit_rate(validate(model, everything)) == hit_rate(validate(model, load_all))


def test_a_zero_reference_is_undefined_not_a_pass_nor_a_crash(model):
    """A knocked-out node's readout is 0: a fold over it is "undefined" (a miss), never
    "not solved" (every state solved) and never a ZeroDivisionError ("~" over a zero
    second fold)."""
    from mtor_sim.observations import hit_rate, validate

    ko = "knockouts=mTORC2"
    over_zero = _row("mTORC2_activity", f"{ko}; drugs=everolimus:10", ko, "~", "1")
    zero_rhs = dict(over_zero, model_condition="", model_reference="")
    zero_rhs.update(model_condition2=ko, model_reference2="")
    results = validate(model, [over_zero, zero_rhs])
    assert [r["status"] for r in results] == ["undefined", "undefined"], results
    assert hit_rate(results) == (0, 2)
    # the report lists it among the misses, as the hit rate counts it
    from mtor_sim._report import _literature_markdown

    table = pd.DataFrame(results[:1]).assign(source="S", why="", why_source="")
    text = _literature_markdown(table)
    assert "0 of 1 hold" in text and "| undefined |" in text and "stale" not in text


def test_a_two_condition_row_reports_its_second_fold(model):
    """``rhs`` of a row with a second comparison is its threshold times that fold, and
    the result carries what it was computed from."""
    from mtor_sim.observations import validate

    row = _row("pS6K1", "drugs=everolimus:10", "", "<", "0.95")
    row.update(model_condition2="genotype=PTEN_loss; drugs=everolimus:10")
    row.update(model_reference2="genotype=PTEN_loss")
    (res,) = validate(model, [row])
    wt = model.steady_state()["pS6K1"]
    pten = model.steady_state(genotype="PTEN_loss")["pS6K1"]
    treated = model.steady_state(genotype="PTEN_loss", drugs={"everolimus": 10.0})["pS6K1"]
    assert res["fold2"] == pytest.approx(treated / pten, rel=1e-9)
    assert res["rhs"] == pytest.approx(0.95 * res["fold2"], rel=1e-12)
    assert res["threshold"] == 0.95 and res["reference2"] == "genotype=PTEN_loss"
    assert res["fold"] == pytest.approx(
        model.steady_state(drugs={"everolimus": 10.0})["pS6K1"] / wt, rel=1e-9
    )


def test_a_miscoded_row_is_refused_before_anything_is_solved(model, tmp_path):
    """An unknown op or a missing threshold raises, naming the column, even on a row
    whose condition cannot be solved; a ``use`` padded with spaces still selects."""
    from mtor_sim.observations import load_observations, validate

    for op, threshold, match in (("=", "1", "model_op"), (">", "", "model_threshold")):
        unsolvable = _row("pERK", "drugs=no_such_drug:1", "", op, threshold)
        with pytest.raises(ValueError, match=match):
            validate(model, [unsolvable])
    rows = load_observations()
    path = tmp_path / "padded.csv"
    with path.open("w", newline="") as fh:
        writer = csv.DictWriter(fh, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(dict(r, use=f" {r['use']} ") for r in rows)
    padded = load_observations("validation", path=path)
    assert [r["id"] for r in padded] == [r["id"] for r in load_observations("validation")]


def test_an_unsolvable_member_is_a_miss_that_is_said(model):
    """A member whose steady states fail is NaN in `validation_hits`, a miss in
    `member_hit_rates`, and the report says how many member-rows were not judged."""
    from mtor_sim._report import not_judged
    from mtor_sim.observations import (
        load_observations,
        member_hit_rates,
        row_hit_rates,
        validation_hits,
    )

    table = ms.load_ensemble().head(2).copy()
    # the second member's sirolimus potency 0: occupancy 0/0, no steady state anywhere
    table["K_sirolimus_FRB"] = [model.parameters["K_sirolimus_FRB"], 0.0]
    rows = [r for r in load_observations("validation") if r["id"] in ("V01", "V34")]
    hits = validation_hits(model, table, rows=rows)
    assert hits.iloc[1].isna().all() and not hits.iloc[0].isna().any()
    rates = member_hit_rates(hits)
    assert rates.iloc[1] == 0.0 and rates.iloc[0] == hits.iloc[0].mean()
    # each row's share of members: the unsolved member is a miss there too
    assert list(row_hit_rates(hits)) == list(hits.iloc[0] / 2)
    assert "2 member-row(s) not judged" in not_judged(hits)
    assert not_judged(hits.iloc[:1]) == ""


def test_every_expressible_row_is_judged(model, rows, runner):
    results = runner.validate(model, rows)
    assert {r["status"] for r in results} <= {"pass", "fail", "not expressible"}
    judged = [r for r in results if r["status"] != "not expressible"]
    assert len(judged) >= 40


def test_every_failing_validation_row_is_explained(model, rows, runner):
    """models/validation_findings.csv says why each validation row the bundled model fails
    fails, and holds nothing else: a row that starts to hold, or a new failure, makes
    this fail until the table is brought up to date."""
    from mtor_sim.observations import load_validation_findings

    findings = load_validation_findings()
    validation = {r["id"] for r in rows if r["use"] == "validation"}
    assert set(findings) <= validation
    results = runner.validate(model, [r for r in rows if r["use"] == "validation"])
    failing = {r["id"] for r in results if r["status"] not in ("pass", "not expressible")}
    assert failing == set(findings)
    for finding, source in findings.values():
        assert len(finding) > 40 and source.startswith("models/")


def test_validation_findings_refuse_bad_rows(tmp_path):
    from mtor_sim import MtorSimError
    from mtor_sim.observations import load_validation_findings

    table = tmp_path / "f.csv"
    table.write_text("id,finding,source\nV01,why,here\nV01,again,there\n")
    with pytest.raises(MtorSimError, match="listed twice"):
        load_validation_findings(table)
    table.write_text("id,finding,source\nV01,why,\n")
    with pytest.raises(MtorSimError, match="needs its row id, its text and a source"):
        load_validation_findings(table)
    table.write_text("id,finding\nV01,why\n")
    with pytest.raises(MtorSimError, match="missing column"):
        load_validation_findings(table)
    with pytest.raises(MtorSimError, match="no validation findings table"):
        load_validation_findings(tmp_path / "absent.csv")


def test_a_condition_can_step_a_parameter_at_t0() -> None:
    """V79/V88 (a MEK inhibitor with the TGFA stimulus, read at 180 min) could only be
    coded as steady states with MEK knocked out: the grammar had no parameter step."""
    from mtor_sim.observations import parse_condition

    kw = parse_condition("inputs=GF:0.01; step_inputs=GF:1; step_parameters=k_ERK_phos:0; t=180")
    assert kw["step_parameters"] == {"k_ERK_phos": 0.0} and kw["t"] == 180.0
    with pytest.raises(ValueError, match="step_parameters needs a time course"):
        parse_condition("step_parameters=k_ERK_phos:0")
