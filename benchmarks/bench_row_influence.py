"""Which calibration row moves which claim: the ensemble re-selected without each row.

Run: python benchmarks/bench_row_influence.py [--full] [--draws-csv PATH] [--n-workers N]

``models/calibrate_ensemble.py`` keeps the ``KEEP`` best of ``DRAWS`` prior draws by a
likelihood summed over the calibration rows of ``models/observations.csv``. This script
redoes that acceptance step with each calibration row left out in turn (the same draws,
the same ``KEEP``, the same likelihood on the other rows), checks the 15 claims once on
every draw that any of those selections accepts, and reports for each left-out row:

- how often the row holds among the prior draws and among the shipped members (a row
  that holds in almost no draw cannot be met by this model's structure; its term then
  ranks the draws by how near they come, and selects along whatever axis brings them
  nearer);
- how many of the shipped members the re-selected ensemble keeps;
- each claim's pass fraction and all 15 together, beside the shipped ensemble's.

It is a sensitivity analysis of the calibration, not a recipe: the shipped ensemble
keeps every row (the rule that made the rows calibration data was fixed before any draw
was run; ``models/OBSERVATIONS.md``). The first line of the table ("none") re-selects
with every row and must give the shipped ensemble's pass fractions: a check that the
re-selection is the calibration's own. The last ("(prior)") is the first ``KEEP`` draws
with no acceptance step: the claims before any row is used.

``--full``: the 4,000 draws and 250 members of the shipped ensemble (about 10 min for the
draws, or none with ``--draws-csv`` pointing to a table this script wrote before, and
about 10 min for the claims on two workers). Without it (CI): 60 draws, 5 kept (~1 min).
``models/MODEL_CARD.md`` section 11 quotes the ``--full`` output.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

import pandas as pd
from _common import QUICK, load_script

import mtor_sim as ms

HERE = Path(__file__).resolve().parent
REPO = HERE.parent


def draws_table(cal, n: int, seed: int, path: Path | None) -> pd.DataFrame:
    """Every prior draw's parameter values and per-row margins (``cal.run``), read from
    ``path`` when it holds a table of the same draws, else computed (and written there)."""
    if path is not None and path.exists():
        table = pd.read_csv(path)
        if len(table) == n:
            print(f"draws read from {path}")
            return table
        print(f"{path} holds {len(table)} draws, not {n}: computing them again")
    t0 = time.perf_counter()
    table, _ = cal.run(n, seed, progress=not QUICK)
    print(f"{n} prior draws in {time.perf_counter() - t0:.0f} s")
    if path is not None:
        table.to_csv(path, index=False, float_format="%.10g")
    return table


def selections(cal, table: pd.DataFrame, ids: list[str], keep: int) -> dict[str, list[int]]:
    """The accepted draws with every row ("none") and with each row left out."""
    out = {}
    for left_out in ["none", *ids]:
        ll = cal.logliks(table, [i for i in ids if i != left_out])
        out[left_out] = sorted(int(table["draw"].iloc[j]) for j in cal.accepted(ll, keep))
    # no acceptance step: the first ``keep`` draws that solve (the prior itself)
    ok = table[[f"m_{i}" for i in ids]].notna().all(axis=1)
    out["(prior)"] = sorted(int(d) for d in table.loc[ok, "draw"].iloc[:keep])
    return out


def _cell(rec: dict, key: str) -> str:
    """``rec[key]`` in a 5-wide column, blank when absent."""
    return f"{rec[key]:5.2f}" if key in rec else " " * 5


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--full", action="store_true", help="the shipped ensemble's draws and size")
    ap.add_argument("--quick", action="store_true", help="60 draws, 5 kept (default)")
    ap.add_argument("--draws-csv", type=Path, help="read (or write) the per-draw margins here")
    ap.add_argument("--n-workers", type=int, default=2, help="workers for the claims")
    args = ap.parse_args(argv)
    cal = load_script("_calibrate_ensemble", REPO / "models" / "calibrate_ensemble.py")
    shipped_ensemble = ms.load_ensemble()
    made = shipped_ensemble.attrs["made_by"]
    full = args.full and not args.quick
    n, keep = (made.get("draws", cal.DRAWS), made.get("keep", cal.KEEP)) if full else (60, 5)
    seed = made.get("seed", cal.SEED)
    ids = [r["id"] for r in cal.calibration_rows()]
    table = draws_table(cal, n, seed, args.draws_csv)
    chosen = selections(cal, table, ids, keep)
    union = sorted(set().union(*chosen.values()))
    model = ms.load_model()
    params = [c for c in table.columns if c in model.parameters.index]
    members = table.set_index("draw").loc[union, params]
    t0 = time.perf_counter()
    claims = ms.claims.check_all(model, ensemble=members, n_workers=args.n_workers)
    passed = claims.attrs["passed"]
    print(
        f"claims checked on {len(union)} draws (the union of {len(chosen)} selections of "
        f"{keep}) in {time.perf_counter() - t0:.0f} s"
    )
    shipped = set(chosen["none"])
    if full:
        bundled = set(shipped_ensemble.index)
        print(
            f"re-selection with every row equals the shipped 'all' ensemble: {shipped == bundled}"
        )
    margins = table.set_index("draw")[[f"m_{i}" for i in ids]]
    solved = margins.notna().all(axis=1)
    low = [c for c in passed.columns if passed.loc[list(shipped), c].mean() < 0.95]
    head = f"  {'left out':<8} {'prior':>5} {'kept':>5} {'same':>5}  " + "  ".join(
        f"{'c' + str(c):>5}" for c in low
    )
    print(
        f"\n## the ensemble re-selected without each calibration row ({n} draws, {keep} kept)"
        "\n  prior: the row holds in this fraction of prior draws; kept: ... of the shipped"
        "\n  members; same: shipped members the re-selection keeps; c<N>: claim N's pass"
        f"\n  fraction (claims below 0.95 in the shipped ensemble); all: all 15 together\n"
        + head
        + f"  {'all':>5}"
    )
    rows = []
    for left_out, draws in chosen.items():
        p = passed.loc[draws]
        rec = {"left out": left_out, "same": len(shipped & set(draws)) / keep}
        if left_out.startswith("V"):
            col = f"m_{left_out}"
            rec["prior"] = float((margins.loc[solved, col] > 0).mean())
            rec["kept"] = float((margins.loc[list(shipped), col] > 0).mean())
        rec |= {f"claim {c}": float(p[c].mean()) for c in passed.columns}
        rec["all"] = float(p.all(axis=1).mean())
        rows.append(rec)
        print(
            f"  {left_out:<8} {_cell(rec, 'prior')} {_cell(rec, 'kept')} {_cell(rec, 'same')}  "
            + "  ".join(_cell(rec, f"claim {c}") for c in low)
            + f"  {_cell(rec, 'all')}"
        )
    out = pd.DataFrame(rows).set_index("left out")
    base = out.loc["none"]
    print("\n  largest moves of a claim's pass fraction when one row is left out:")
    what = [f"claim {c}" for c in passed.columns] + ["all"]
    moves = (out.drop(index=["none", "(prior)"])[what] - base[what]).stack()
    for (row, name), d in moves[moves.abs() >= 0.05].sort_values(key=abs, ascending=False).items():
        print(f"    without {row}: {name} {base[name]:.2f} -> {base[name] + d:.2f} ({d:+.2f})")
    sys.stdout.flush()
    return 0


if __name__ == "__main__":
    sys.exit(main())
