"""Which calibration row moves which claim: the ensemble re-selected without each row.

Run: python benchmarks/bench_row_influence.py [--full] [--draws-csv PATH] [--n-workers N]

``models/calibrate_ensemble.py`` keeps the first ``KEEP`` of ``DRAWS`` prior draws that
meet every calibration row of ``models/observations.csv``. This script redoes that
acceptance step with each calibration row left out in turn (the same draws, the same
``KEEP``, the other rows as constraints), checks the 15 claims once on every draw that
any of those selections accepts, and reports for each left-out row:

- how often the row holds among the prior draws and among the shipped members (a row
  that holds in almost no draw cannot be met by this model's structure, and requiring
  it keeps only the few draws that meet it, along whatever axis lets them);
- how many of the shipped members the re-selected ensemble keeps;
- each claim's pass fraction and all 15 together, beside the shipped ensemble's.

Two more lines test the acceptance rule itself. "(top by likelihood)" is the rule used
until model revision 9: the ``KEEP`` draws of highest likelihood (``calibrate_ensemble.py``
step 4), whether or not they meet every row. "(posterior)" weights each of the first
``POSTERIOR_DRAWS`` prior draws by that likelihood (importance sampling from the prior:
the posterior the stated likelihood defines, with no tolerance) and gives the weighted
pass fractions, with the effective sample size of the weights; "same" is then the
weight on shipped members.

It is a sensitivity analysis of the calibration, not a recipe: the shipped ensemble
keeps every row (the rule that made the rows calibration data was fixed before any draw
was run; ``models/OBSERVATIONS.md``). The first line of the table ("none") re-selects
with every row and must give the shipped ensemble's pass fractions: a check that the
re-selection is the calibration's own. The last ("(prior)") is the first ``KEEP`` draws
with no acceptance step: the claims before any row is used.

``--full``: the 4,000 draws and 250 members of the shipped ensemble (about 10 min for the
draws, or none with ``--draws-csv`` pointing to a table this script wrote before, and
about 5 min for the claims on about 1,270 draws on two workers). Without it (CI): 60 draws,
5 kept (~1 min).
``models/MODEL_CARD.md`` section 11 quotes the ``--full`` output.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd
from _common import QUICK, load_script

import mtor_sim as ms

HERE = Path(__file__).resolve().parent
REPO = HERE.parent


def draws_table(cal, n: int, seed: int, path: Path | None) -> pd.DataFrame:
    """Every prior draw's parameter values and per-row margins (``cal.run``), read from
    ``path`` when it holds the draws ``seed`` gives (``cal.read_draws`` checks), else
    computed (and written there)."""
    if path is not None and path.exists():
        try:
            table, _ = cal.read_draws(path, n, seed)
        except SystemExit as refused:
            print(f"{refused}: computing the draws again")
        else:
            print(f"draws read from {path}")
            return table
    t0 = time.perf_counter()
    table, _ = cal.run(n, seed, progress=not QUICK)
    print(f"{n} prior draws in {time.perf_counter() - t0:.0f} s")
    if path is not None:
        cal.write_draws(table, path, seed)
    return table


def selections(cal, table: pd.DataFrame, ids: list[str], keep: int) -> dict[str, list[int]]:
    """The accepted draws with every row ("none") and with each row left out."""
    out = {}
    for left_out in ["none", *ids]:
        ok = cal.meets(table, [i for i in ids if i != left_out])
        out[left_out] = sorted(int(table["draw"].iloc[j]) for j in cal.accepted(ok, keep))
    # the rule until model revision 9: the best ``keep`` by likelihood, rows met or not
    best = cal.best_by_likelihood(cal.logliks(table, ids), keep)
    out["(top by likelihood)"] = sorted(int(table["draw"].iloc[j]) for j in best)
    # no acceptance step: the first ``keep`` draws that solve (the prior itself)
    ok = table[[f"m_{i}" for i in ids]].notna().all(axis=1)
    out["(prior)"] = sorted(int(d) for d in table.loc[ok, "draw"].iloc[:keep])
    return out


POSTERIOR_DRAWS = 1000  # the posterior line weighs the first this many prior draws


def posterior(cal, table: pd.DataFrame, ids: list[str]) -> tuple[pd.Series, float]:
    """Likelihood weights of the draws of ``table`` (draw -> weight, summing to 1; an
    unsolved draw weighs 0) and their effective sample size, ``1 / sum(w^2)``."""
    ll = cal.logliks(table, ids)
    ok = np.isfinite(ll)
    w = np.zeros(len(ll))
    w[ok] = np.exp(ll[ok] - ll[ok].max())
    w /= w.sum()
    weights = pd.Series(w, index=table["draw"].astype(int).to_numpy())
    return weights[weights > 0], float(1.0 / np.sum(w**2))


LABEL = 20  # width of the selection column ("(top by likelihood)")


def _cell(rec: dict, key: str) -> str:
    """``rec[key]`` in a 5-wide column, blank when absent."""
    return f"{rec[key]:5.2f}" if key in rec else " " * 5


def _line(label: str, rec: dict, low: list) -> str:
    """One printed row: the selection, the row columns, the low claims and all 15."""
    cols = " ".join(_cell(rec, k) for k in ("prior", "kept", "same"))
    claims = "  ".join(_cell(rec, f"claim {c}") for c in low)
    return f"  {label:<{LABEL}} {cols}  {claims}  {_cell(rec, 'all')}"


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
    weights, ess = posterior(cal, table.iloc[:POSTERIOR_DRAWS], ids)
    union = sorted(set().union(*chosen.values(), weights.index))
    model = ms.load_model()
    params = [c for c in table.columns if c in model.parameters.index]
    members = table.set_index("draw").loc[union, params]
    t0 = time.perf_counter()
    claims = ms.claims.check_all(
        model, ensemble=members, backend="processes", n_workers=args.n_workers
    )
    passed = claims.attrs["passed"]
    print(
        f"claims checked on {len(union)} draws (the union of {len(chosen)} selections of "
        f"{keep} and the first {len(weights)} draws, weighed for the posterior line) in "
        f"{time.perf_counter() - t0:.0f} s"
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
    head = f"  {'left out':<{LABEL}} {'prior':>5} {'kept':>5} {'same':>5}  " + "  ".join(
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
        print(_line(left_out, rec, low))
    p = passed.loc[weights.index]
    rec = {"left out": "(posterior)", "same": float(weights[weights.index.isin(shipped)].sum())}
    rec |= {f"claim {c}": float((p[c] * weights).sum()) for c in passed.columns}
    rec["all"] = float((p.all(axis=1) * weights).sum())
    print(_line("(posterior)", rec, low))
    print(
        f"  (top by likelihood): the acceptance rule until model revision 9; (posterior):"
        f"\n  the first {len(weights)} draws weighted by their likelihood, no tolerance, "
        f"effective sample size {ess:.0f}; same = weight on shipped members"
    )
    out = pd.DataFrame(rows).set_index("left out")
    base = out.loc["none"]
    print("\n  largest moves of a claim's pass fraction when one row is left out:")
    what = [f"claim {c}" for c in passed.columns] + ["all"]
    skip = ["none", "(prior)", "(top by likelihood)"]
    moves = (out.drop(index=skip)[what] - base[what]).stack()
    for (row, name), d in moves[moves.abs() >= 0.05].sort_values(key=abs, ascending=False).items():
        print(f"    without {row}: {name} {base[name]:.2f} -> {base[name] + d:.2f} ({d:+.2f})")
    sys.stdout.flush()
    return 0


if __name__ == "__main__":
    sys.exit(main())
