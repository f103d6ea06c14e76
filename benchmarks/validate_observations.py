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

The runner itself (``parse_condition``, ``validate``) lives in the package
(``mtor_sim.observations``; the grammar of a condition is documented at the top of
``src/mtor_sim/_observations.py``), where `mtor-sim reproduce --ensemble` uses it too.
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
from mtor_sim.observations import (  # noqa: F401
    SIMILAR,
    hit_rate,
    load_observations,
    parse_condition,
    validate,
)

HERE = Path(__file__).resolve().parent
TABLE = HERE.parent / "models" / "observations.csv"


def _summary(label: str, results: list[dict[str, Any]]) -> str:
    hits, judged = hit_rate(results)
    rate = hits / judged if judged else math.nan
    return f"  {label:<52} {hits:>3} / {judged:<3} = {rate:.2f}"


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--table", type=Path, default=TABLE)
    ap.add_argument("--use", choices=("validation", "calibration", "all"), default="validation")
    ap.add_argument("--verified-only", action="store_true")
    ap.add_argument(
        "--no-overlaps",
        action="store_true",
        help="leave out rows that restate one of the review's 15 claims",
    )
    ap.add_argument("--csv", type=Path, help="write per-row results here")
    args = ap.parse_args(argv)
    rows = load_observations(None if args.use == "all" else args.use, path=args.table)
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
    print(
        _summary(
            "rows beyond the review's 15 claims", [r for r in results if not r["overlaps_claim"]]
        )
    )
    print(
        _summary(
            "verified and beyond the claims",
            [r for r in results if r["verified"] == "yes" and not r["overlaps_claim"]],
        )
    )
    skipped = [r["id"] for r in results if r["status"] == "not expressible"]
    if skipped:
        print(f"not expressible on model readouts: {', '.join(skipped)}")
    bad = [r for r in results if r["status"] not in ("pass", "not expressible")]
    if bad:
        print(
            "\nmisses (fold = condition / reference; rhs = threshold, times the second "
            "comparison's fold where the row has one):"
        )
        for r in bad:
            flag = "" if r["verified"] == "yes" else "  [unverified]"
            verdict = "is false" if r["status"] == "fail" else f"cannot be judged: {r['status']}"
            second = (
                f"\n       rhs = {r['threshold']:g} x fold {r['fold2']:.3g} of "
                f"{r['condition2']} vs {r['reference2']}"
                if "condition2" in r
                else ""
            )
            print(
                f"  {r['id']}: {r['readout']} {r['condition']} vs {r['reference']}: "
                f"fold {r['fold']:.3g} {r['op']} {r['rhs']:.3g} {verdict}{flag}{second}\n"
                f"       literature: {r['relation']}"
            )
    if args.csv:
        with args.csv.open("w", newline="") as fh:
            w = csv.DictWriter(fh, fieldnames=sorted({k for r in results for k in r}))
            w.writeheader()
            w.writerows(results)
    sys.stdout.flush()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
