"""What the PI3K isoform rows V90-V93 need of p110beta (model revision 10).

Run: python benchmarks/bench_p110_isoforms.py [--members N]

Since revision 10 p110alpha and p110beta share one activation step (``PI3Ka``) and
p110beta carries a fixed share ``f_p110b`` (0.2, an assumption) of PIP3 synthesis in
every genotype (``models/MECHANISMS.md`` section 2.9). V92 (Wee 2008: p110alpha depletion
leaves PI3K signalling in PTEN-deficient cells unaffected) fails with it. This script
asks which change would let it hold:

1. **The share's size.** V90-V93 and V51 on the bundled point with ``f_p110b`` from 0.1
   to 0.95 (``with_parameters``; drug-free WT states do not depend on it).
2. **A receptor-independent drive of p110beta** (what-if; a structure the model does not
   have). p110beta's activity becomes ``(1 - s)*PI3Ka + s*PI3Ka_rest``: a share ``s`` of
   it no longer follows the receptor and IRS1 but stays at the value it has in untreated
   WT cells (``PI3Ka_rest``, each model's own), as a drive through G-protein-coupled
   receptors would (Jia 2008, Ciraolo 2008; its size is not known). Untreated WT states
   are unchanged. Reported for ``s`` = 0, 0.5 and 1, with the shipped share and with
   larger ones. ``--members N`` repeats the drive's rows on the first N members of the
   shipped ensemble (each with its own ``PI3Ka_rest``) and gives V92's fold across them.

V92's relation is a fold within 10 % of 1 (``~``, the rule table's "unaffected").
``models/MECHANISMS.md`` section 2.9 quotes the output. This script checks nothing.
"""

from __future__ import annotations

import argparse

import numpy as np
from _common import edited_model

import mtor_sim as ms
from mtor_sim.observations import load_observations, validate

ROWS = ("V90", "V91", "V92", "V93", "V51")
SHARES = (0.1, 0.2, 0.3, 0.5, 0.7, 0.8, 0.9, 0.95)
DRIVES = (0.0, 0.5, 1.0)

#: PIP3 synthesis as revision 10 writes it, and the same with p110beta's drive split
SYNTHESIS = (
    "k_PIP3_syn*PI3Ka*((1 dimensionless - f_p110b)*PI3K_cat*(1 dimensionless - occ_PI3K)"
    " + f_p110b*(1 dimensionless - occ_PI3Kb))*PIP2"
)
WITH_DRIVE = (
    "k_PIP3_syn*(PI3Ka*(1 dimensionless - f_p110b)*PI3K_cat*(1 dimensionless - occ_PI3K)"
    " + f_p110b*(1 dimensionless - occ_PI3Kb)*((1 dimensionless - s_p110b_own)*PI3Ka"
    " + s_p110b_own*PI3Ka_rest))*PIP2"
)


def drive_model() -> ms.Model:
    """The bundled model with p110beta's receptor-independent drive at ``s`` = 0."""
    return edited_model(
        "p110b_drive",
        [
            (SYNTHESIS, WITH_DRIVE),
            ("  f_p110b = ", "  s_p110b_own = 0;\n  PI3Ka_rest = 1;\n  f_p110b = "),
        ],
    )


def verdicts(model: ms.Model, rows: list[dict[str, str]]) -> dict[str, tuple[float, str]]:
    return {r["id"]: (float(r["fold"]), r["status"]) for r in validate(model, rows)}


def show(label: str, found: dict[str, tuple[float, str]]) -> None:
    cells = "  ".join(f"{k} {fold:.3f} {status:<4}" for k, (fold, status) in found.items())
    print(f"  {label:<26} {cells}")


def with_drive(model: ms.Model, s: float, **values: float) -> ms.Model | None:
    """``model`` (a `drive_model`) at drive ``s``, with its own resting ``PI3Ka``."""
    base = model.with_parameters({"s_p110b_own": 0.0, **values})
    rest = base.steady_state()
    if not rest.success:
        return None
    return base.with_parameters({"s_p110b_own": s, "PI3Ka_rest": float(rest.species["PI3Ka"])})


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--members", type=int, default=0, help="repeat the drive on N members")
    args = ap.parse_args(argv)
    rows = [r for r in load_observations() if r["id"] in ROWS]
    model = ms.load_model()
    print("1. p110beta's share f_p110b (bundled point; fold, verdict)")
    for f in SHARES:
        show(f"f_p110b {f:g}", verdicts(model.with_parameters({"f_p110b": f}), rows))

    print("2. p110beta's receptor-independent drive s (what-if; WT kept)")
    driven = drive_model()
    for f in (0.2, 0.5, 0.8):
        for s in DRIVES:
            m = with_drive(driven, s, f_p110b=f)
            assert m is not None, "the bundled point's WT solves"
            show(f"f_p110b {f:g}, s {s:g}", verdicts(m, rows))

    if args.members > 0:
        members = ms.load_ensemble().head(args.members)
        print(f"3. V92's fold on the first {len(members)} members (f_p110b as shipped)")
        for s in DRIVES:
            folds = []
            for _, values in members.iterrows():
                m = with_drive(driven, s, **values.to_dict())
                found = verdicts(m, rows) if m is not None else {}
                if "V92" in found:
                    folds.append(found["V92"][0])
            q = np.quantile(folds, [0.05, 0.5, 0.95]) if folds else [np.nan] * 3
            held = np.mean([abs(x - 1.0) <= 0.1 for x in folds]) if folds else np.nan
            print(
                f"  s {s:g}: {len(folds)} members, fold median {q[1]:.3f} "
                f"(5-95 %: {q[0]:.3f}-{q[2]:.3f}), V92 holds in {held:.2f}"
            )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
