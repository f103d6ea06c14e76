"""How strongly the calibration data favour each link of the model's structure.

Run: python benchmarks/bench_structure_evidence.py [--full] [--draws N] [--members K]
[--n-workers N] [--csv OUT]

``models/calibrate_ensemble.py`` accepts a prior draw when every calibration relation of
``models/observations.csv`` holds in it (zero tolerance). Under that rule the
probability that a prior draw is accepted is the marginal likelihood of the model's
structure, P(data | structure): the likelihood of qualitative data observed without
error is the indicator that every relation holds, averaged over the prior. So the ratio
of two structures' acceptance rates is their Bayes factor.

For each link in ``LINKS`` this script builds the structure without it (the link's
``@interaction`` parameters set to 0 in the model and in every draw: the link is cut,
the rest of the cell is left as drawn, and the normalisation references are recomputed
from each draw's own untreated WT as ``calibrate.py`` does), evaluates the same prior
draws as the shipped structure (the same seed, so the comparison is paired draw by
draw), and reports:

- the acceptance rate, and the Bayes factor of the shipped structure over the cut one
  (acceptance rates' ratio, with a 95 % interval from a paired bootstrap over draws);
- the same on the rows marked ``verified = yes`` only (the calibration is reported with
  and without the unverified rows, as the ensemble is);
- which calibration rows the cut moves (the share of draws in which each row holds,
  where it differs from the shipped structure's by 0.05 or more, either way);
- with ``--members K`` > 0, the claims on the first K accepted draws of each structure:
  each claim's pass fraction, all 15 together. A claim that a cut structure passes as
  often as the shipped one does not need that link; one it fails is carried by it.

A cut link is removed outright: its share of the resting state is not made up by
another constant, so the cut structure differs from the shipped one both at rest and in
how it responds. The five links of ``COMPENSATED`` are also cut with each draw's untreated
WT kept exactly (", WT kept"): the link's resting term is folded into a constant term of
the same rate law, so only its response to a perturbation is removed, as
``bench_ensemble_claims.py --erk-rtk-off`` does for ERK -| RTK. The two kinds of cut
separate what the data say about the link's dynamics from what they say about the resting
state it sets. A structure that fits the data as well as the shipped one
(Bayes factor near 1) is one the calibration rows cannot tell apart from it: the link
is then carried by the sources that motivated it (``models/MECHANISMS.md``), not by data.

``--full``: 2,000 draws per structure (14 structures with the WT-keeping cuts, which
``--kept`` adds to a shorter run) and the claims on 100 accepted members of each (about
50 min on two workers). Without it (CI): 24 draws and two structures, no claims
(about 30 s). ``--csv FILE`` keeps the draws, so a second run only redoes the
analysis and the claims. ``--effect E`` moves every calibration threshold to 1 + E / 1 - E
(the table's convention is 5 %; ``bench_prior_sensitivity.py`` explains the shift), to
ask whether a Bayes factor rests on that convention. ``models/MODEL_CARD.md`` section 11
quotes the ``--full`` output.
"""

from __future__ import annotations

import argparse
import math
import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd
from _common import COMPENSATED, cached_draws, calibration, draws_in_chunks, save_draws

#: The links compared: the feedbacks and cross-talk the model's revisions added or the
#: claims' mechanisms name (``models/MECHANISMS.md``). "shipped" is the model as it is.
LINKS = (
    "S6K1 -| IRS1",
    "mTORC1 -> GRB10",
    "FOXO -> RTK",
    "ERK -| RTK",
    "IRS1 -> RAS",
    "ERK -| TSC2",
    "PRAS40 -| mTORC1",
    "ERK -> translation",
)
BOOTSTRAP = 2000

KEPT = ", WT kept"


def structure(model, link: str | None):
    """``model`` without ``link`` (its parameters 0), or ``model`` itself for None. A
    structure named ``link + KEPT`` is the shipped model: its draws carry the cut."""
    if link is None or link.endswith(KEPT):
        return model
    return model.with_parameters({p: 0.0 for p in model._layout.interactions[link]})


def keeping_wt(link: str):
    """The ``adjust`` of ``draw_record`` that cuts ``link`` with the draw's untreated WT
    kept (``COMPENSATED``): the draw as in the shipped model, then the link's resting term
    folded into a constant one. The references stay those of the draw's WT, which the
    change leaves as it was."""

    def adjust(model, values: dict) -> dict | None:
        ss = model.with_parameters(values).steady_state()
        if not ss.success:
            return None
        return values | COMPENSATED[link](values, ss.species)

    return adjust


def evaluate(task: tuple[str | None, int, int, int]) -> list[dict]:
    """Prior draws ``start``..``stop`` - 1 (seed ``seed``) in the structure without
    ``link``: each draw's parameter values and its margin on every calibration row."""
    link, seed, start, stop = task
    s = calibration()
    cal, model = s["cal"], structure(s["model"], link)
    sigmas = cal.prior_sigmas(s["kinetic"])
    args = (s["kinetic"], sigmas, s["references"], s["runner"], s["rows"])
    out = []
    kept = link is not None and link.endswith(KEPT)
    adjust = keeping_wt(link[: -len(KEPT)]) if kept else None
    for i in range(start, stop):
        rec = cal.draw_record(model, seed, i, *args, adjust=adjust)
        out.append({"structure": link or "shipped", **rec})
    return out


def draws(links: list[str | None], n: int, seed: int, workers: int) -> pd.DataFrame:
    """Every structure's ``n`` draws, in chunks over ``workers`` processes."""
    return draws_in_chunks(evaluate, links, n, seed, workers)


def _label(name: str) -> str:
    return name if name == "shipped" else f"cut {name}"


def bayes_factor(base: np.ndarray, cut: np.ndarray, rng) -> tuple[float, float, float]:
    """Acceptance-rate ratio base / cut, with a 95 % paired-bootstrap interval (draws
    resampled together in both structures); inf where only the cut structure accepts
    none, NaN where neither does (a quick run)."""

    def ratio(a: np.ndarray, b: np.ndarray) -> float:
        if not b.any():
            return math.inf if a.any() else math.nan  # 0 / 0: neither structure accepts
        return a.mean() / b.mean()

    idx = rng.integers(0, len(base), size=(BOOTSTRAP, len(base)))
    boot = np.array([ratio(base[i], cut[i]) for i in idx])
    lo, hi = np.quantile(boot, [0.025, 0.975], method="inverted_cdf")
    return ratio(base, cut), float(lo), float(hi)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--full", action="store_true", help="2,000 draws, claims on 100 members")
    ap.add_argument("--quick", action="store_true", help="24 draws, two structures (default)")
    ap.add_argument("--draws", type=int, help="prior draws per structure")
    ap.add_argument("--members", type=int, help="accepted draws per structure for the claims")
    ap.add_argument("--n-workers", type=int, default=2)
    ap.add_argument("--kept", action="store_true", help="add the WT-keeping cuts (--full has them)")
    ap.add_argument(
        "--csv", type=Path, help="read every draw's margins from here, or write them here"
    )
    ap.add_argument(
        "--effect",
        type=float,
        help="what a change means: every threshold moved to 1 + E / 1 - E (default: the "
        "table's own, 0.05)",
    )
    args = ap.parse_args(argv)
    full = args.full and not args.quick
    s = calibration()
    cal = s["cal"]
    effect = cal.CONVENTION if args.effect is None else args.effect
    n = args.draws or (2000 if full else 24)
    keep = args.members if args.members is not None else (100 if full else 0)
    links: list[str | None] = [None, *(LINKS if full else LINKS[:1])]
    if full or args.kept:
        links += [link + KEPT for link in COMPENSATED]
    ids = [r["id"] for r in s["rows"]]

    table = cached_draws(cal, args.csv, n, ["structure"], cal.SEED)
    have = set(table["structure"])
    missing = [link for link in links if (link or "shipped") not in have]
    if have & {link or "shipped" for link in links}:
        print(f"draws read from {args.csv}: {', '.join(sorted(have))}")
    if missing:
        t0 = time.perf_counter()
        new = draws(missing, n, cal.SEED, args.n_workers)
        print(f"{n} prior draws x {len(missing)} structures in {time.perf_counter() - t0:.0f} s")
        table = pd.concat([table, new], ignore_index=True) if len(table) else new
        if args.csv:
            save_draws(cal, args.csv, new, ["structure"], cal.SEED)
    table = table[table["structure"].isin([link or "shipped" for link in links])]
    by = {
        name: cal.at_effect(t.sort_values("draw").reset_index(drop=True), s["rows"], effect)
        for name, t in table.groupby("structure")
    }
    verified = [r["id"] for r in s["rows"] if r["verified"] == "yes"]
    ok = {name: cal.meets(t, ids) for name, t in by.items()}
    ok_verified = {name: cal.meets(t, verified) for name, t in by.items()}
    rng = np.random.default_rng(cal.SEED)

    print(
        f"\n## evidence for each link: {n} prior draws (seed {cal.SEED}), a change meaning "
        f"{effect:.0%}"
    )
    print(
        f"  Bayes factor shipped/cut (95 % paired bootstrap) on all {len(ids)} rows and on the "
        f"{len(verified)} verified ones; rows whose share of draws holding moved >= 0.05"
    )
    print(
        f"  {'structure':<32} {'accepted':>9} {'rate':>6}  {'BF, all rows':>20}"
        f"  {'BF, verified rows':>20}  rows (shipped -> cut)"
    )
    held_base = (by["shipped"][[f"m_{i}" for i in ids]] > 0).mean()
    for name in ["shipped", *(x for x in links if x)]:
        t, acc = by[name], ok[name]
        line = f"  {_label(name):<32} {acc.sum():>9d} {acc.mean():>6.3f}"
        if name == "shipped":
            print(line)
            continue
        cells = []
        for base_ok, cut_ok in ((ok["shipped"], acc), (ok_verified["shipped"], ok_verified[name])):
            bf, lo, hi = bayes_factor(base_ok, cut_ok, rng)
            cells.append(f"{bf:>6.2f} ({lo:.2f}-{hi:.2f})")
        held = (t[[f"m_{i}" for i in ids]] > 0).mean()
        moved = [
            f"{i} {held_base[f'm_{i}']:.2f}->{held[f'm_{i}']:.2f}"
            for i in ids
            if abs(held_base[f"m_{i}"] - held[f"m_{i}"]) >= 0.05
        ]
        print(f"{line}  {cells[0]:>20}  {cells[1]:>20}  {', '.join(moved) or '-'}")
    sys.stdout.flush()

    if keep <= 0:
        return 0
    import mtor_sim as ms

    print(f"\n## claims on the first {keep} accepted draws of each structure")
    results = {}
    for name in ["shipped", *(x for x in links if x)]:
        t = by[name][ok[name]].head(keep)
        if t.empty:
            print(f"  cut {name}: no draw accepted")
            continue
        members = t.drop(columns=["structure", *[f"m_{i}" for i in ids]]).set_index("draw")
        model = structure(s["model"], None if name == "shipped" else name)
        claims = ms.claims.check_all(
            model, ensemble=members, backend="processes", n_workers=args.n_workers
        )
        results[name] = (len(t), claims)
    head = "".join(f"{c:>6}" for c in range(1, 16))
    print(f"  {'structure':<32} {'n':>4} {head}   all")
    for name, (k, claims) in results.items():
        cells = "".join(f"{v:>6.2f}" for v in claims["pass_fraction"])
        print(f"  {_label(name):<32} {k:>4} {cells}  {claims.attrs['all_pass_fraction']:>5.2f}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
