"""Check the bundled model against the literature observations in models/observations.csv.

Run: python benchmarks/validate_observations.py [--use validation|calibration|all]
     [--verified-only] [--no-overlaps] [--csv OUT]

Every row with a ``model_readout`` is evaluated; other rows (numbers for calibration,
tissue frequencies) are listed as not expressible. A row compares fold changes of one
readout, with thresholds written in the table before this runner was run::

    fold  = R(model_condition) / R(model_reference)          (reference: untreated WT)
    rhs   = model_threshold * R(model_condition2) / R(model_reference2)   if condition2
          = model_threshold                                               otherwise
    pass  = fold > rhs  (">"),  fold < rhs  ("<"),  |fold / rhs - 1| <= 0.1  ("~")

A condition is ``key=value`` parts joined by ``;``: ``genotype=A,B``,
``drugs=name:nM,name:nM``, ``inputs=GF:0.1``, ``knockouts=RTK``, ``cut=S6K1 -| IRS1``
(several interactions joined by ``,``) and ``t=minutes`` (a time course: the cells sit
at their drug-free steady state and the drugs start at t = 0; without ``t`` the steady
state under continuous exposure is used).

Only the public API is used (``ms.load_model``, ``Model.steady_state``,
``Model.simulate``); `validate` can move into the package as it is.
"""

from __future__ import annotations

import argparse
import csv
import math
import sys
import time
from pathlib import Path
from typing import Any

import mtor_sim as ms

HERE = Path(__file__).resolve().parent
TABLE = HERE.parent / "models" / "observations.csv"
SIMILAR = 0.10  # "~": the two folds agree within 10 %


def parse_condition(text: str) -> dict[str, Any]:
    """``"genotype=PTEN_loss; drugs=everolimus:10; t=360"`` -> keyword arguments."""
    out: dict[str, Any] = {}
    for part in (p.strip() for p in (text or "").split(";")):
        if not part:
            continue
        key, _, value = part.partition("=")
        key, value = key.strip(), value.strip()
        items = [v.strip() for v in value.split(",") if v.strip()]
        if key in ("drugs", "inputs"):
            out[key] = {k.strip(): float(v) for k, v in (i.split(":") for i in items)}
        elif key in ("genotype", "knockouts", "cut"):
            out[key] = items
        elif key == "t":
            out["t"] = float(value)
        else:
            raise ValueError(f"unknown condition key {key!r} in {text!r}")
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


def _ratio(a: float, b: float) -> float:
    if not (math.isfinite(a) and math.isfinite(b)) or b == 0.0:
        return math.nan
    return a / b


def validate(model, rows: list[dict[str, str]]) -> list[dict[str, Any]]:
    """Evaluate every expressible row; returns one result dict per row.

    Each result has ``id``, ``status`` ("pass", "fail", "not expressible",
    "not solved"), ``fold``, ``rhs`` and the row's relation.
    """
    value = _Values(model)
    results = []
    for row in rows:
        res: dict[str, Any] = {"id": row["id"], "relation": row["value_or_relation"],
                               "verified": row["verified"], "use": row["use"],
                               "overlaps_claim": row.get("overlaps_claim", ""),
                               "fold": math.nan, "rhs": math.nan}
        readout = row.get("model_readout", "").strip()
        if not readout:
            res["status"] = "not expressible"
            results.append(res)
            continue
        fold = _ratio(value(readout, row["model_condition"]),
                      value(readout, row.get("model_reference", "")))
        rhs = float(row["model_threshold"] or 1.0)
        if row.get("model_condition2", "").strip():
            rhs *= _ratio(value(readout, row["model_condition2"]),
                          value(readout, row.get("model_reference2", "")))
        op = row["model_op"].strip()
        if not (math.isfinite(fold) and math.isfinite(rhs)):
            status = "not solved"
        elif op == ">":
            status = "pass" if fold > rhs else "fail"
        elif op == "<":
            status = "pass" if fold < rhs else "fail"
        elif op == "~":
            status = "pass" if abs(fold / rhs - 1.0) <= SIMILAR else "fail"
        else:
            raise ValueError(f"row {row['id']}: unknown model_op {op!r}")
        res.update(status=status, fold=fold, rhs=rhs, op=op, readout=readout,
                   condition=row["model_condition"],
                   reference=row.get("model_reference", "") or "untreated WT")
        results.append(res)
    return results


def _summary(label: str, results: list[dict[str, Any]]) -> str:
    judged = [r for r in results if r["status"] in ("pass", "fail", "not solved")]
    hits = sum(r["status"] == "pass" for r in judged)
    rate = hits / len(judged) if judged else math.nan
    return f"  {label:<52} {hits:>3} / {len(judged):<3} = {rate:.2f}"


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--table", type=Path, default=TABLE)
    ap.add_argument("--use", choices=("validation", "calibration", "all"), default="validation")
    ap.add_argument("--verified-only", action="store_true")
    ap.add_argument("--no-overlaps", action="store_true",
                    help="leave out rows that restate one of the review's 15 claims")
    ap.add_argument("--csv", type=Path, help="write per-row results here")
    args = ap.parse_args(argv)
    with args.table.open(newline="") as fh:
        rows = list(csv.DictReader(fh))
    if args.use != "all":
        rows = [r for r in rows if r["use"] == args.use]
    if args.verified_only:
        rows = [r for r in rows if r["verified"] == "yes"]
    if args.no_overlaps:
        rows = [r for r in rows if not r.get("overlaps_claim")]
    t0 = time.perf_counter()
    results = validate(ms.load_model(), rows)
    wall = time.perf_counter() - t0
    print(f"observations: {len(rows)} rows ({args.use}); evaluated in {wall:.1f} s")
    print("hit rate (pass / expressible rows):")
    print(_summary("all rows", results))
    print(_summary("verified rows only", [r for r in results if r["verified"] == "yes"]))
    print(_summary("rows beyond the review's 15 claims",
                   [r for r in results if not r["overlaps_claim"]]))
    print(_summary("verified and beyond the claims",
                   [r for r in results if r["verified"] == "yes" and not r["overlaps_claim"]]))
    skipped = [r["id"] for r in results if r["status"] == "not expressible"]
    if skipped:
        print(f"not expressible on model readouts: {', '.join(skipped)}")
    bad = [r for r in results if r["status"] in ("fail", "not solved")]
    if bad:
        print("\nfailures (fold = condition / reference; rhs = threshold):")
        for r in bad:
            flag = "" if r["verified"] == "yes" else "  [unverified]"
            print(f"  {r['id']}: {r['readout']} {r['condition']} vs {r['reference']}: "
                  f"fold {r['fold']:.3g} {r['op']} {r['rhs']:.3g} is false{flag}\n"
                  f"       literature: {r['relation']}")
    if args.csv:
        with args.csv.open("w", newline="") as fh:
            w = csv.DictWriter(fh, fieldnames=sorted({k for r in results for k in r}))
            w.writeheader()
            w.writerows(results)
    sys.stdout.flush()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
