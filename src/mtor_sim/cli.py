"""The `mtor-sim` command line."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from pathlib import Path

__all__ = ["main"]


def _kv(text: str) -> tuple[str, float]:
    """Parse ``NAME=VALUE`` (e.g. ``everolimus=10``)."""
    if "=" not in text:
        raise argparse.ArgumentTypeError(f"expected NAME=VALUE, got {text!r}")
    name, value = text.split("=", 1)
    try:
        return name.strip(), float(value)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{name}: {value!r} is not a number") from None


def _add_perturbation(p: argparse.ArgumentParser) -> None:
    g = p.add_argument_group("perturbation (every option may repeat)")
    g.add_argument("--model", help="model file (.xml/.sbml/.ant); default: the bundled HCC model")
    g.add_argument("--genotype", "-g", action="append", default=[],
                   help="genotype preset, e.g. PTEN_loss (see `mtor-sim list genotypes`)")
    g.add_argument("--drug", "-d", action="append", default=[], type=_kv, metavar="DRUG=nM",
                   help="drug and concentration in nM, e.g. everolimus=10")
    g.add_argument("--knockout", "-k", action="append", default=[], metavar="NODE")
    g.add_argument("--cut", action="append", default=[], metavar="INTERACTION",
                   help='interaction to remove, e.g. "S6K1 -| IRS1"')
    g.add_argument("--param", "-p", action="append", default=[], type=_kv, metavar="NAME=VALUE")
    g.add_argument("--input", "-i", action="append", default=[], type=_kv, metavar="NAME=VALUE",
                   help="input, e.g. GF=0.5 or ENERGY_STRESS=1")


def _perturbation(args: argparse.Namespace) -> dict:
    return {"genotype": args.genotype or None, "drugs": dict(args.drug) or None,
            "knockouts": args.knockout or None, "cut": args.cut or None,
            "parameters": dict(args.param) or None, "inputs": dict(args.input) or None}


def _write_table(df, path: str | None, fmt: str | None = None) -> None:
    import pandas as pd

    if path is None:
        with pd.option_context("display.max_rows", 60, "display.width", 120):
            print(df.to_string())
        return
    target = Path(path)
    target.parent.mkdir(parents=True, exist_ok=True)
    fmt = fmt or target.suffix.lstrip(".").lower() or "csv"
    if fmt == "csv":
        df.to_csv(target)
    elif fmt == "json":
        target.write_text(df.to_json(orient="table", indent=2))
    elif fmt == "parquet":
        df.to_parquet(target)
    else:
        raise ValueError(f"unsupported output format {fmt!r}; use csv, json or parquet")
    print(f"wrote {target}")


def _load(args: argparse.Namespace):
    from ._model import load_model

    return load_model(args.model) if getattr(args, "model", None) else load_model()


def cmd_steady_state(args: argparse.Namespace) -> int:
    model = _load(args)
    ss = model.steady_state(**_perturbation(args))
    df = ss.readouts.to_frame("value")
    print(f"status: {ss.status} ({ss.message})", file=sys.stderr)
    _write_table(df, args.out)
    return 0 if ss.success else 3


def cmd_simulate(args: argparse.Namespace) -> int:
    model = _load(args)
    tc = model.simulate(t_end=args.t_end, n_points=args.points,
                        pre_equilibrate=not args.from_initial, **_perturbation(args))
    print(f"status: {tc.status} ({tc.message})", file=sys.stderr)
    _write_table(tc.to_dataframe(), args.out)
    if args.plot:
        from ._plot import plot_timecourse, save_figure

        reads = args.readout or ["pAKT_S473", "pAKT_T308", "pS6K1", "p4EBP1"]
        paths = save_figure(plot_timecourse(tc, reads), args.plot,
                            formats=[Path(args.plot).suffix.lstrip(".") or "png"])
        print("wrote " + ", ".join(map(str, paths)))
    return 0 if tc.success else 3


def cmd_reproduce(args: argparse.Namespace) -> int:
    from tqdm import tqdm

    from ._report import reproduce

    model = _load(args)
    bar = tqdm(total=15, desc="claims", unit="claim", disable=args.quiet or None)

    def step(i: int, n: int, title: str) -> None:
        bar.update(1)

    report = reproduce(model, args.out, formats=args.format, progress=step)
    bar.close()
    for r in report.results:
        print(f"  claim {r.number:2d} {'PASS' if r.passed else 'FAIL'}  {r.title}")
    n_pass = sum(r.passed for r in report.results)
    print(f"{n_pass} of {len(report.results)} claims pass in {report.seconds:.1f} s; "
          f"report: {report.markdown} and {report.html}")
    return 0 if report.all_passed else 1


def cmd_list(args: argparse.Namespace) -> int:
    from ._catalogue import DRUGS, GENOTYPES

    if args.what in ("genotypes", "drugs"):
        table = GENOTYPES if args.what == "genotypes" else DRUGS
        for name, item in table.items():
            print(f"{name:20s} {item.description}")
        return 0
    model = _load(args)
    for name in getattr(model, args.what):
        print(name)
    return 0


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="mtor-sim",
        description="Mechanistic simulation of PI3K/Akt/mTOR signalling in hepatocellular "
                    "carcinoma. Times in minutes, drug concentrations in nM.")
    from . import __version__

    parser.add_argument("--version", action="version", version=f"mtor_sim {__version__}")
    sub = parser.add_subparsers(dest="command", required=True)

    p = sub.add_parser("reproduce", aliases=["claims"],
                       help="check every claim of the review and write the report")
    p.add_argument("--out", default="mtor_sim_output", help="output folder")
    p.add_argument("--format", nargs="+", default=["png", "svg"], choices=["png", "svg", "pdf"])
    p.add_argument("--model", help=argparse.SUPPRESS)
    p.add_argument("--quiet", "-q", action="store_true", help="no progress bar")
    p.set_defaults(func=cmd_reproduce)

    p = sub.add_parser("steady-state", help="verified steady state under a perturbation")
    _add_perturbation(p)
    p.add_argument("--out", "-o", help="output file (.csv, .json or .parquet); default: print")
    p.set_defaults(func=cmd_steady_state)

    p = sub.add_parser("simulate", help="time course under a perturbation (drugs at t = 0)")
    _add_perturbation(p)
    p.add_argument("--t-end", type=float, default=1440.0, help="end time (min), default 1440")
    p.add_argument("--points", type=int, default=241, help="number of output times")
    p.add_argument("--from-initial", action="store_true",
                   help="start from initial conditions instead of the drug-free steady state")
    p.add_argument("--out", "-o", help="output file (.csv, .json or .parquet); default: print")
    p.add_argument("--plot", help="figure file (.png, .svg or .pdf)")
    p.add_argument("--readout", "-r", action="append", help="readout(s) to plot")
    p.set_defaults(func=cmd_simulate)

    p = sub.add_parser("list", help="list names: nodes, interactions, readouts, inputs, "
                       "parameters, genotypes, drugs")
    p.add_argument("what", choices=["nodes", "interactions", "readouts", "inputs", "species",
                                    "genotypes", "drugs"])
    p.add_argument("--model")
    p.set_defaults(func=cmd_list)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    from ._errors import MtorSimError

    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        return int(args.func(args))
    except (MtorSimError, ValueError, TypeError) as exc:
        print(f"mtor-sim: error: {exc}", file=sys.stderr)
        return 2


if __name__ == "__main__":  # pragma: no cover
    raise SystemExit(main())


