"""The literature observation table (models/observations.csv) and its validation runner."""

from __future__ import annotations

import csv
import importlib.util

import pytest
from conftest import REPO

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
        assert r["use"] in ("calibration", "validation"), r["id"]
        assert r["how_obtained"] in (
            "stated in text",
            "read off figure",
            "qualitative statement",
            "read from model file",
        ), r["id"]


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


def test_every_expressible_row_is_judged(model, rows, runner):
    results = runner.validate(model, rows)
    assert {r["status"] for r in results} <= {"pass", "fail", "not expressible"}
    judged = [r for r in results if r["status"] != "not expressible"]
    assert len(judged) >= 40
