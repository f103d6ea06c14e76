"""Literature observations (``models/observations.csv``) as tests of a model.

A row compares fold changes of one readout, with thresholds written in the table before
the runner was first run (``models/OBSERVATIONS.md``)::

    fold  = R(model_condition) / R(model_reference)          (reference: untreated WT)
    rhs   = model_threshold * R(model_condition2) / R(model_reference2)   if condition2
          = model_threshold                                               otherwise
    pass  = fold > rhs  (">"),  fold < rhs  ("<"),  |fold / rhs - 1| <= 0.1  ("~")

A row is "not solved" when a steady state or time course it needs failed, and
"undefined" when a ratio's denominator is zero (a reference value, or a "~" row's rhs,
within `ZERO` of 0: a knocked-out node's readout, whose fold no threshold can judge).
Both count as misses in a hit rate; neither is ever a pass.

A condition is ``key=value`` parts joined by ``;``: ``genotype=A,B``,
``drugs=name:nM,name:nM``, ``inputs=GF:0.1``, ``knockouts=RTK``, ``cut=S6K1 -| IRS1``
(several interactions joined by ``,``), ``parameters=PI3K_cat:0`` (parameter values for
the condition, as a verb's ``parameters=``: they win over a genotype preset),
``t=minutes`` (a time course: the cells sit at their drug-free steady state and the
drugs start at t = 0; without ``t`` the steady state under continuous exposure is used)
and, with ``t``, ``step_inputs=GF:1`` (inputs changed at t = 0 with the drugs: starved
cells stimulated, as `simulate`'s ``step_inputs``) and ``step_parameters=k_ERK_phos:0``
(parameters changed at t = 0 in the same way: an inhibitor the model has no drug for,
as `simulate`'s ``step_parameters``).
"""

from __future__ import annotations

import csv
import math
from collections.abc import Mapping, Sequence
from importlib import resources
from pathlib import Path
from typing import Any

__all__ = [
    "TEST_COLUMNS",
    "bundled_observations_path",
    "hit_rate",
    "load_observations",
    "load_validation_findings",
    "parse_condition",
    "validate",
]

OBSERVATIONS_FILE = "observations.csv"
FINDINGS_FILE = "validation_findings.csv"

SIMILAR = 0.10  # "~": the two folds agree within 10 %
#: A reference value (or a "~" rhs) at or below this magnitude makes a row "undefined":
#: readouts are fractions or indices of order 0.01-1, and a value of 1e-12 is the solver's
#: round-off of 0, whose ratios are noise.
ZERO = 1e-12
OPS = (">", "<", "~")
#: statuses of `validate` that are misses, and those a hit rate counts
MISSES = ("fail", "not solved", "undefined")
JUDGED = ("pass", *MISSES)
#: The columns of a row that make its model test (two rows with the same test are one).
TEST_COLUMNS = (
    "model_readout",
    "model_condition",
    "model_reference",
    "model_op",
    "model_threshold",
    "model_condition2",
    "model_reference2",
)


def parse_condition(text: str) -> dict[str, Any]:
    """``"genotype=PTEN_loss; drugs=everolimus:10; t=360"`` -> keyword arguments."""
    out: dict[str, Any] = {}
    for part in (p.strip() for p in (text or "").split(";")):
        if not part:
            continue
        key, _, value = part.partition("=")
        key, value = key.strip(), value.strip()
        items = [v.strip() for v in value.split(",") if v.strip()]
        if key in ("drugs", "inputs", "step_inputs", "parameters", "step_parameters"):
            out[key] = {k.strip(): float(v) for k, v in (i.split(":") for i in items)}
        elif key in ("genotype", "knockouts", "cut"):
            out[key] = items
        elif key == "t":
            out["t"] = float(value)
        else:
            raise ValueError(f"unknown condition key {key!r} in {text!r}")
    for step in ("step_inputs", "step_parameters"):
        if step in out and "t" not in out:
            raise ValueError(f"{step} needs a time course (t=minutes) in {text!r}")
    return out


class _Values:
    """Readout values of one model, cached by condition."""

    def __init__(self, model) -> None:
        self.model = model
        self.cache: dict[tuple[str, str], float] = {}

    def __call__(self, readout: str, condition: str) -> float:
        key = (readout, condition.strip())
        if key not in self.cache:
            kw = parse_condition(condition)
            t = kw.pop("t", None)
            if t is None:
                res = self.model.steady_state(**kw)
                value = res[readout] if res.success else math.nan
            else:
                tc = self.model.simulate(t_end=t, n_points=2, species=False, **kw)
                value = float(tc[readout].iloc[-1]) if tc.success else math.nan
            self.cache[key] = float(value)
        return self.cache[key]


def _ratio(a: float, b: float) -> tuple[float, str]:
    """``a / b`` and "" when both are finite and ``b`` is not ~0; else NaN and the status."""
    if not (math.isfinite(a) and math.isfinite(b)):
        return math.nan, "not solved"
    if abs(b) <= ZERO:
        return math.nan, "undefined"
    return a / b, ""


def _check_row(row: Mapping[str, str]) -> tuple[str, float]:
    """The op and threshold of an expressible row, checked before anything is solved."""
    op = (row.get("model_op") or "").strip()
    if op not in OPS:
        raise ValueError(f"row {row['id']}: model_op must be one of {list(OPS)}, got {op!r}")
    text = (row.get("model_threshold") or "").strip()
    try:
        threshold = float(text)
    except ValueError:
        raise ValueError(
            f"row {row['id']}: model_threshold must be a number, got {text!r}"
        ) from None
    if not math.isfinite(threshold):
        raise ValueError(f"row {row['id']}: model_threshold must be finite, got {text!r}")
    if threshold <= 0:
        raise ValueError(f"row {row['id']}: model_threshold must be > 0, got {threshold!r}")
    return op, threshold


def validate(model, rows: list[dict[str, str]]) -> list[dict[str, Any]]:
    """Evaluate every expressible row; returns one result dict per row.

    Each result has ``id``, ``status`` ("pass", "fail", "not expressible",
    "not solved", "undefined": see the module's docstring), ``fold``, ``rhs`` and the
    row's relation; an expressible row also its ``op``, ``threshold``, ``readout``,
    ``condition`` and ``reference``, and a two-condition row ``condition2``,
    ``reference2`` and ``fold2`` (``rhs`` = ``threshold`` x ``fold2``). Every
    expressible row's op and threshold are checked before any model is solved (a
    ValueError names the row).
    """
    checked = [
        _check_row(row) if (row.get("model_readout") or "").strip() else None for row in rows
    ]
    value = _Values(model)
    results = []
    for row, coded in zip(rows, checked, strict=True):
        res: dict[str, Any] = {
            "id": row["id"],
            "relation": row["value_or_relation"],
            "verified": row["verified"],
            "use": row["use"],
            "overlaps_claim": row.get("overlaps_claim", ""),
            "fold": math.nan,
            "rhs": math.nan,
        }
        if coded is None:
            res["status"] = "not expressible"
            results.append(res)
            continue
        readout = row["model_readout"].strip()
        op, threshold = coded
        fold, why = _ratio(
            value(readout, row["model_condition"]), value(readout, row.get("model_reference", ""))
        )
        condition2 = (row.get("model_condition2") or "").strip()
        fold2, rhs = math.nan, threshold
        if condition2:
            fold2, why2 = _ratio(
                value(readout, condition2), value(readout, row.get("model_reference2", ""))
            )
            rhs *= fold2
            why = why or why2
        if not why and op == "~" and abs(rhs) <= ZERO:
            why = "undefined"
        if why:
            status = why
        elif op == ">":
            status = "pass" if fold > rhs else "fail"
        elif op == "<":
            status = "pass" if fold < rhs else "fail"
        else:
            status = "pass" if abs(fold / rhs - 1.0) <= SIMILAR else "fail"
        res.update(
            status=status,
            fold=fold,
            rhs=rhs,
            op=op,
            readout=readout,
            condition=row["model_condition"],
            reference=row.get("model_reference", "") or "untreated WT",
            threshold=threshold,
        )
        if condition2:  # rhs = threshold x fold2, the second comparison's fold
            res.update(
                condition2=condition2,
                reference2=row.get("model_reference2", "") or "untreated WT",
                fold2=fold2,
            )
        results.append(res)
    return results


def bundled_observations_path(name: str = OBSERVATIONS_FILE) -> Path:
    """Path of the bundled observation table (``models/observations.csv``), or of another
    file ``name`` beside it; in a source checkout, the one beside the package source."""
    checkout = Path(__file__).resolve().parents[2] / "models" / name
    if checkout.exists():
        return checkout
    return Path(str(resources.files("mtor_sim.models").joinpath(name)))


def load_validation_findings(path: str | Path | None = None) -> dict[str, tuple[str, str]]:
    """Row id -> (finding, source): why a validation row fails, from
    ``models/validation_findings.csv`` (columns ``id``, ``finding``, ``source``).

    The table explains failures; it never changes a verdict. A row needs an id, a finding
    and a source, and an id may appear once; anything else raises `MtorSimError`, as does
    a ``path`` that is not a file. Without the bundled file (an install that does not ship
    it) the mapping is empty."""
    from ._errors import MtorSimError
    from ._expectations import _rows

    if path is not None:
        p = Path(path)
        if not p.is_file():
            raise MtorSimError(f"no validation findings table at {p}")
    else:
        p = bundled_observations_path(FINDINGS_FILE)
        if not p.is_file():
            return {}
    out: dict[str, tuple[str, str]] = {}
    for line, row in _rows(p, ("id", "finding", "source"), None):
        where = f"{p}, line {line}"
        if not all(row.values()):
            raise MtorSimError(f"{where}: a finding needs its row id, its text and a source")
        if row["id"] in out:
            raise MtorSimError(f"{where}: row {row['id']} listed twice")
        out[row["id"]] = (row["finding"], row["source"])
    return out


def load_observations(
    use: str | None = None, *, path: str | Path | None = None
) -> list[dict[str, str]]:
    """Rows of the observation table, optionally only those with ``use`` ("validation" or
    "calibration")."""
    p = Path(path) if path is not None else bundled_observations_path()
    with p.open(newline="") as fh:
        rows = list(csv.DictReader(fh))
    return [r for r in rows if use is None or (r.get("use") or "").strip() == use]


def hit_rate(results: Sequence[Mapping[Any, Any]]) -> tuple[int, int]:
    """(passes, judged rows) of `validate` results; rows not expressible are not judged,
    rows not solved or undefined count as misses. A ``duplicate`` row (its model test is
    another row's) is not counted, so a table read whole (``load_observations()``) counts
    each behaviour once, as ``models/OBSERVATIONS.md`` says."""
    judged = [
        r for r in results if r["status"] in JUDGED and (r.get("use") or "").strip() != "duplicate"
    ]
    return sum(r["status"] == "pass" for r in judged), len(judged)
