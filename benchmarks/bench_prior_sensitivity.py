"""How much the calibrated ensemble and its claims depend on two assumptions: the prior's
spread and the calibration table's 5 % convention.

Run: python benchmarks/bench_prior_sensitivity.py [--full] [--draws N] [--members K]
[--sigmas S ...] [--effects E ...] [--known NAME ...] [--scale-all] [--n-workers N]
[--csv OUT]

``models/calibrate_ensemble.py`` draws each kinetic constant as its bundled value times
``exp(sigma * N(0, 1))`` with ``sigma = 0.3`` (an assumption: no constant was estimated;
seven constants have their own spread, ``PRIOR_SIGMA``, one from a source's fit and six
assumed ranges, which stays as it is here), and accepts a draw when every calibration
relation holds, a change meaning 5 % (thresholds 1.05 for ">" and 0.95 for "<" rows,
fixed before any draw was run). Neither number comes from data. This script redoes the
calibration on a grid of both and reports, for each cell:

- how many prior draws meet every relation (the acceptance rate, the structure's
  marginal likelihood under that prior and convention), and the binding rows' shares;
- with ``--members K`` > 0, the claims on the first K accepted draws: each claim's pass
  fraction and all 15 together; the share of members in which each term of a claim
  below 0.9 holds; and, at the narrowest spread, the two constants whose drawn factor
  best separates the members passing each such claim from those failing it (Spearman
  rho), with the claim's pass fraction in each third of the members ranked by it.

The draws at every spread come from the same seed as the shipped ensemble's (draw ``i``
is ``exp(sigma * z_i)`` for the same normal vector ``z_i``), so the grid is paired draw
by draw, and at ``sigma = 0.3`` the draws are the shipped ensemble's own. The effect size
moves every threshold together: a row's margin at effect ``e`` is its margin at 5 %
shifted by the change in log threshold (1 + e for ">" rows, 1 - e for "<" rows); ``e = 0``
asks for the direction only.

It is a sensitivity analysis, not a recipe: the shipped ensemble keeps sigma 0.3 and the
5 % convention, which were fixed before any claim was computed. A claim whose pass
fraction moves a lot across the grid is one the calibration does not settle; the
prior's assumption does.

``--known NAME ...`` keeps the named constants at their bundled values in every draw (the
others drawn from the same normal vectors, so still paired): what the claims would be if
those constants were measured, at the value the model has (their ``--csv`` draws are
kept apart from the others').

``--scale-all`` scales the seven per-constant spreads with the base one (each times
sigma / 0.3), so that sigma narrows the whole prior around the bundled point.

``--full``: 2,000 draws at each of sigma 0.15, 0.2, 0.3, 0.4 (the robustness benchmark's
two spreads and one either side), effects 0, 2 % and 5 %, and the claims on 100 accepted
members of each cell (about 20 min on two workers). Without it (CI): 16 draws at sigma
0.2 and 0.4, no claims (about 20 s). ``--csv FILE`` keeps the draws, so a second run only
redoes the selections and the claims. ``models/MODEL_CARD.md`` section 11 quotes the
``--full`` output.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd
from _common import cached_draws, calibration, draws_in_chunks, save_draws

SIGMAS_FULL = (0.15, 0.2, 0.4)  # with the recipe's own SIGMA (0.3)
EFFECTS_FULL = (0.0, 0.02, 0.05)  # 0.05: the table's own convention (cal.CONVENTION)
PERMUTATIONS = 1000  # shuffles of the pass flags for the chance level of a driver's rho


def evaluate(task: tuple[tuple[float, tuple[str, ...], int], int, int, int]) -> list[dict]:
    """Prior draws ``start``..``stop`` - 1 (seed ``seed``) at base spread ``sigma``, the
    constants ``known`` at their bundled values, and with ``scaled`` the per-constant
    spreads (``PRIOR_SIGMA``) scaled by ``sigma / SIGMA`` too: each draw's parameter
    values and its margin on every calibration row."""
    (sigma, known, scaled), seed, start, stop = task
    s = calibration()
    cal = s["cal"]
    sigmas = cal.prior_sigmas(s["kinetic"], sigma)
    if scaled:
        sigmas[[s["kinetic"].index(k) for k in cal.PRIOR_SIGMA]] *= sigma / cal.SIGMA
    sigmas[[s["kinetic"].index(k) for k in known]] = 0.0
    args = (s["kinetic"], sigmas, s["references"], s["runner"], s["rows"])
    return [
        {
            "sigma": sigma,
            "known": ";".join(known),
            "scaled": scaled,
            **cal.draw_record(s["model"], seed, i, *args),
        }
        for i in range(start, stop)
    ]


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--full", action="store_true", help="2,000 draws, 4 spreads, claims")
    ap.add_argument("--quick", action="store_true", help="16 draws, 2 spreads (default)")
    ap.add_argument("--draws", type=int, help="prior draws per spread")
    ap.add_argument("--members", type=int, help="accepted draws per cell for the claims")
    ap.add_argument("--sigmas", type=float, nargs="+", help="base prior spreads")
    ap.add_argument("--effects", type=float, nargs="+", help="effect sizes (0.05: shipped)")
    ap.add_argument(
        "--known",
        nargs="+",
        default=[],
        help="constants taken as known: kept at their bundled value in every draw",
    )
    ap.add_argument(
        "--scale-all",
        action="store_true",
        help="scale the per-constant spreads (PRIOR_SIGMA) with sigma too",
    )
    ap.add_argument("--n-workers", type=int, default=2)
    ap.add_argument("--csv", type=Path, help="read every draw's margins from here, or write them")
    args = ap.parse_args(argv)
    full = args.full and not args.quick
    s = calibration()
    cal, rows = s["cal"], s["rows"]
    n = args.draws or (2000 if full else 16)
    keep = args.members if args.members is not None else (100 if full else 0)
    sigmas = sorted(args.sigmas or ((*SIGMAS_FULL, cal.SIGMA) if full else (0.2, 0.4)))
    effects = sorted(args.effects or (EFFECTS_FULL if full else (cal.CONVENTION,)))
    ids = [r["id"] for r in rows]
    verified = [r["id"] for r in rows if r["verified"] == "yes"]

    known = tuple(sorted(args.known))
    if unknown := [k for k in known if k not in s["kinetic"]]:
        raise SystemExit(f"--known: {', '.join(unknown)} is not a kinetic constant of the model")
    key, scaled = ["sigma", "known", "scaled"], int(args.scale_all)
    defaults = {"known": "", "scaled": 0}  # tables written before --known or --scale-all
    table = cached_draws(cal, args.csv, n, key, cal.SEED, defaults)
    table = table[(table["known"] == ";".join(known)) & (table["scaled"] == scaled)]
    missing = [x for x in sigmas if x not in set(table["sigma"])]
    if len(table):
        print(f"draws read from {args.csv}: sigma {', '.join(map(str, sorted(set(table.sigma))))}")
    if missing:
        t0 = time.perf_counter()
        groups = [(x, known, scaled) for x in missing]
        new = draws_in_chunks(evaluate, groups, n, cal.SEED, args.n_workers)
        print(f"{n} prior draws x {len(missing)} spreads in {time.perf_counter() - t0:.0f} s")
        table = pd.concat([table, new], ignore_index=True) if len(table) else new
        if args.csv:
            save_draws(cal, args.csv, new, key, cal.SEED, defaults)
    by = {
        x: t.sort_values("draw").reset_index(drop=True)
        for x, t in table[table["sigma"].isin(sigmas)].groupby("sigma")
    }

    print(f"\n## acceptance over the grid: {n} prior draws per spread (seed {cal.SEED})")
    if known:
        print(f"  taken as known (their bundled value in every draw): {', '.join(known)}")
    if scaled:
        print(f"  the per-constant spreads scaled with sigma too (x sigma / {cal.SIGMA:g})")
    print(
        "  accepted: draws meeting all 15 rows (rate; 13 verified rows); rows: the rows held"
        "\n  by fewer than 97 % of draws, with their share"
    )
    print(f"  {'sigma':>5} {'effect':>6} {'accepted':>9} {'rate':>6} {'verified':>9}  rows")
    cells: dict[tuple[float, float], pd.DataFrame] = {}
    for x in sigmas:
        for e in effects:
            t = cal.at_effect(by[x], rows, e)
            ok = cal.meets(t, ids)
            solved = t[[f"m_{i}" for i in ids]].notna().all(axis=1)
            held = (t.loc[solved, [f"m_{i}" for i in ids]] > 0).mean()
            low = ", ".join(
                f"{i} {held[f'm_{i}']:.2f}"
                for i in sorted(ids, key=lambda i: held[f"m_{i}"])
                if held[f"m_{i}"] < 0.97
            )
            nv = int(cal.meets(t, verified).sum())
            print(f"  {x:>5.2f} {e:>6.2f} {ok.sum():>9d} {ok.mean():>6.3f} {nv:>9d}  {low or '-'}")
            cells[(x, e)] = t[ok].head(keep)
    sys.stdout.flush()
    if keep <= 0:
        return 0

    import mtor_sim as ms

    model = ms.load_model()
    params = [c for c in table.columns if c in model.parameters.index]
    t0 = time.perf_counter()
    results = {
        cell: ms.claims.check_all(
            model,
            ensemble=t.set_index("draw")[params],
            backend="processes",
            n_workers=args.n_workers,
        )
        for cell, t in cells.items()
        if not t.empty
    }
    print(
        f"\n## claims on the first {keep} accepted draws of each cell "
        f"(checked in {time.perf_counter() - t0:.0f} s)"
    )
    if not results:
        print("\n  no cell accepted a draw: no claims to check")
        return 0
    first = next(iter(results.values()))
    head = "".join(f"{c:>6}" for c in first["claim"])
    print(f"  {'sigma':>5} {'effect':>6} {'n':>4} {head}   all")
    for (x, e), t in cells.items():
        if (x, e) not in results:
            print(f"  {x:>5.2f} {e:>6.2f}    0  (no draw accepted)")
            continue
        c = results[(x, e)]
        line = "".join(f"{v:>6.2f}" for v in c["pass_fraction"])
        print(f"  {x:>5.2f} {e:>6.2f} {len(t):>4d} {line}  {c.attrs['all_pass_fraction']:>5.2f}")
    weak = sorted(
        {int(n) for c in results.values() for n in c.loc[c["pass_fraction"] < 0.9, "claim"]}
    )
    print("\n  the terms of each claim below 0.9 in some cell: share of members it holds in")
    for n in weak:
        terms = pd.DataFrame(
            {
                f"{x:g}/{e:g}": (h := c.attrs["terms"])[h["claim"] == n].set_index("term")[
                    "hold_fraction"
                ]
                for (x, e), c in results.items()
            }
        )
        print(f"  claim {n} (columns: sigma/effect)")
        print("    " + terms.to_string(float_format=lambda v: f"{v:.2f}").replace("\n", "\n    "))
    narrow = (min(x for x, _ in results), cal.CONVENTION)
    drivers(model, s["kinetic"], cells, results, narrow if narrow in results else min(results))
    return 0


def drivers(model, kinetic: list[str], cells: dict, results: dict, cell: tuple) -> None:
    """For each claim below 0.9 in ``cell`` (the narrowest spread at the table's 5 %),
    the constants whose drawn factor separates the members that pass it from those that
    fail (Spearman rho between the pass flag and the log factor) beyond chance: |rho|
    above the 95th percentile of the largest |rho| over all constants when the pass flags
    are shuffled (``PERMUTATIONS`` times); for each, the claim's pass fraction in each
    third of the members ranked by that factor."""
    t, c = cells[cell].set_index("draw"), results[cell]
    passed = c.attrs["passed"]
    logf = np.log(t[kinetic].astype(float) / model.parameters[kinetic])
    logf = logf.loc[:, logf.std() > 1e-9]  # a constant taken as known does not vary
    ranks = logf.rank().to_numpy()
    ranks = (ranks - ranks.mean(axis=0)) / ranks.std(axis=0)
    rng = np.random.default_rng(0)
    weak = [int(n) for n in c.loc[c["pass_fraction"] < 0.9, "claim"]]
    print(f"\n  what holds claims below 0.9 down at sigma {cell[0]:g}, effect {cell[1]:g}:")
    for n in weak:
        flag = passed[n].astype(float).to_numpy()

        def rhos(f: np.ndarray) -> np.ndarray:
            r = pd.Series(f).rank().to_numpy()
            return ranks.T @ ((r - r.mean()) / r.std()) / len(r)

        rho = pd.Series(rhos(flag), index=logf.columns)
        null = [np.abs(rhos(rng.permutation(flag))).max() for _ in range(PERMUTATIONS)]
        bar = float(np.quantile(null, 0.95))
        above = rho[rho.abs() > bar].abs().sort_values(ascending=False).index
        print(f"    claim {n}: chance |rho| (95 % of the largest under shuffling) {bar:.2f}")
        for k in above[:3]:
            thirds = pd.qcut(logf[k].rank(method="first"), 3, labels=False)
            share = [flag[thirds.to_numpy() == i].mean() for i in range(3)]
            ranges = [np.exp(logf[k][thirds == i]).agg(["min", "max"]) for i in range(3)]
            cells_ = ", ".join(
                f"{r['min']:.2f}-{r['max']:.2f}: {v:.2f}"
                for r, v in zip(ranges, share, strict=True)
            )
            print(f"      {k} rho {rho[k]:+.2f}; pass by factor third {cells_}")
        if above.empty:
            print("      no constant beyond chance")


if __name__ == "__main__":
    raise SystemExit(main())
