"""The `mtor-sim` command line."""

from __future__ import annotations

import argparse
import math
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


def _target(text: str) -> tuple[str, str]:
    """``mTORC1_FRB=k5a1`` -> (site, parameter)."""
    site, _, param = text.partition("=")
    if not site.strip() or not param.strip():
        raise argparse.ArgumentTypeError(f"expected SITE=PARAMETER, got {text!r}")
    return site.strip(), param.strip()


def _add_perturbation(p: argparse.ArgumentParser) -> None:
    g = p.add_argument_group("perturbation (every option may repeat)")
    g.add_argument("--model", help="model file (.xml/.sbml/.ant); default: the bundled HCC model")
    g.add_argument("--target", action="append", default=[], type=_target, metavar="SITE=PARAM",
                   help="with --model: a drug target site and the rate parameter a drug "
                        "scales, e.g. mTORC1_FRB=k5a1 (repeat for more parameters or sites; "
                        "see `mtor-sim list sites`)")
    g.add_argument("--genotype", "-g", action="append", default=[],
                   help="genotype preset, e.g. PTEN_loss; combine with +, e.g. "
                   "PTEN_loss+mTORC2_high (see `mtor-sim list genotypes`)")
    g.add_argument("--drug", "-d", action="append", default=[], type=_kv, metavar="DRUG=nM",
                   help="drug and concentration in nM, e.g. everolimus=10")
    g.add_argument("--knockout", "-k", action="append", default=[], metavar="NODE")
    g.add_argument("--cut", action="append", default=[], metavar="INTERACTION",
                   help='interaction to remove, e.g. "S6K1 -| IRS1"')
    g.add_argument("--param", "-p", action="append", default=[], type=_kv, metavar="NAME=VALUE")
    g.add_argument("--input", "-i", action="append", default=[], type=_kv, metavar="NAME=VALUE",
                   help="input, e.g. GF=0.5 or ENERGY_STRESS=1")


def _genotype(text: str) -> list[str]:
    """``PTEN_loss+mTORC2_high`` -> ``["PTEN_loss", "mTORC2_high"]`` (presets combined)."""
    return [g.strip() for g in text.split("+") if g.strip()]


def _floats(text: str) -> list[float]:
    """``0,0.1,1,10`` -> floats; ``log:0.1:1000:9`` -> 9 log-spaced values."""
    import numpy as np

    try:
        if text.startswith("log:"):
            lo, hi, num = (float(v) for v in text[4:].split(":"))
            finite = all(map(math.isfinite, (lo, hi, num)))
            if not (finite and 0 < lo < hi and num >= 2 and num == int(num)):
                raise argparse.ArgumentTypeError(
                    f"log:LOW:HIGH:N needs 0 < LOW < HIGH and a whole N >= 2, got {text!r}; "
                    "to include 0, list the values: 0,0.1,1,10,100")
            return [float(v) for v in np.logspace(np.log10(lo), np.log10(hi), int(num))]
        return [float(v) for v in text.split(",") if v.strip()]
    except ValueError:
        raise argparse.ArgumentTypeError(
            f"expected numbers like 0,1,10 or log:LOW:HIGH:N, got {text!r}") from None


def _axis(text: str) -> tuple[str, list]:
    """``NAME=v1,v2`` (numbers or names) for sweep axes."""
    if "=" not in text:
        raise argparse.ArgumentTypeError(f"expected NAME=VALUES, got {text!r}")
    name, values = (t.strip() for t in text.split("=", 1))
    if name in ("genotype", "knockouts", "cut"):
        return name, [None if v.strip() in ("none", "") else _genotype(v) if name == "genotype"
                      else [x.strip() for x in v.split("+")] for v in values.split(",")]
    if ":" in values and not values.startswith("log:"):
        lo, hi = values.split(":", 1)
        try:
            return name, [float(lo), float(hi)]
        except ValueError:
            raise argparse.ArgumentTypeError(f"{name}: bounds {values!r} are not numbers") from None
    return name, _floats(values)


def _perturbation(args: argparse.Namespace) -> dict:
    """The perturbation keywords the user gave (options left out are not passed)."""
    genos = [g for text in args.genotype for g in _genotype(text)]
    given = {"genotype": genos, "drugs": dict(args.drug), "knockouts": args.knockout,
             "cut": args.cut, "parameters": dict(args.param), "inputs": dict(args.input)}
    return {k: v for k, v in given.items() if v}


def _write_table(df, path: str | None, fmt: str | None = None) -> None:
    import pandas as pd

    if path is None:
        with pd.option_context("display.max_rows", 60, "display.width", 120):
            print(df.to_string())
        return
    target = Path(path)
    target.parent.mkdir(parents=True, exist_ok=True)
    fmt = fmt or target.suffix.lstrip(".").lower() or "csv"
    index = not isinstance(df.index, pd.RangeIndex)  # a plain row number is not data
    if fmt == "csv":
        df.to_csv(target, index=index)
    elif fmt == "json":
        target.write_text(df.to_json(orient="table", indent=2))
    elif fmt == "parquet":
        df.to_parquet(target, index=index)
    else:
        raise ValueError(f"unsupported output format {fmt!r}; use csv, json or parquet")
    print(f"wrote {target}")


def _save_plot(fig, path: str | None) -> None:
    if not path:
        return
    from ._plot import save_figure

    paths = save_figure(fig, path, formats=[Path(path).suffix.lstrip(".") or "png"])
    print("wrote " + ", ".join(map(str, paths)))


def _add_outputs(p: argparse.ArgumentParser, *, plot: bool = True) -> None:
    p.add_argument("--out", "-o", help="table file (.csv, .json or .parquet); default: print")
    if plot:
        p.add_argument("--plot", help="figure file (.png, .svg or .pdf)")


def _add_batch(p: argparse.ArgumentParser) -> None:
    g = p.add_argument_group("execution")
    g.add_argument("--backend", choices=["serial", "processes", "dask"], default="serial")
    g.add_argument("--workers", type=int, help="worker processes (default: every core)")
    g.add_argument("--scheduler", help="Dask scheduler address (default: a local cluster)")
    g.add_argument("--parts", help="folder to stream results into as Parquet parts; "
                   "an interrupted run started again with the same arguments resumes")
    g.add_argument("--quiet", "-q", action="store_true", help="no progress bar")


def _batch(args: argparse.Namespace) -> dict:
    return {"backend": args.backend, "n_workers": args.workers, "scheduler": args.scheduler,
            "out": args.parts, "progress": not args.quiet}


def _load(args: argparse.Namespace):
    from ._errors import MtorSimError
    from ._model import load_model

    targets: dict[str, list[str]] = {}
    for site, param in getattr(args, "target", None) or []:
        targets.setdefault(site, []).append(param)
    if not getattr(args, "model", None):
        if targets:
            raise MtorSimError("--target maps drugs onto another model: give --model too "
                               "(the bundled model's drug targets are built in)")
        return load_model()
    return load_model(args.model, targets=targets or None)


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

        paths = save_figure(plot_timecourse(tc, args.readout or None), args.plot,
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


def cmd_dose_response(args: argparse.Namespace) -> int:
    from ._dose_response import dose_response

    model = _load(args)
    pert = _perturbation(args)
    pert.pop("genotype", None)  # each -g is a curve of its own here
    curves = [_genotype(g) for g in args.genotype]
    dr = dose_response(model, args.drug_name, args.doses, args.readout, time=args.time,
                       genotypes=[c[0] if len(c) == 1 else c for c in curves] or None,
                       **pert)
    fits = dr.fit_table()
    print(fits.to_string(index=False), file=sys.stderr)
    _write_table(dr.to_dataframe(), args.out)
    if args.out:
        _write_table(fits, str(Path(args.out).with_name(Path(args.out).stem + "_fits.csv")))
    _save_plot(dr.plot(), args.plot)
    return 0 if (dr.table["status"] == "ok").all() and fits["success"].all() else 3


def cmd_combination(args: argparse.Namespace) -> int:
    import numpy as np

    from ._dose_response import combination

    model = _load(args)
    pert = _perturbation(args)
    cm = combination(model, (args.drug_a, args.drug_b), args.doses_a, args.doses_b,
                     args.readout, **pert)
    _write_table(cm.to_dataframe(), args.out)
    _save_plot(cm.plot(score=args.score), args.plot)
    status = np.asarray(cm.settings.get("status", []), dtype=object)
    return _report_failed(int((status != "ok").sum()), status.size, "dose pairs")


def cmd_sweep(args: argparse.Namespace) -> int:
    from ._sweep import CATEGORICAL, sweep

    model = _load(args)
    space = dict(args.lhs or []) | dict(args.grid or [])
    if not space:
        raise ValueError("give at least one --grid NAME=VALUES or --lhs NAME=LOW:HIGH")
    numeric_grid = [n for n, _ in args.grid or [] if n not in CATEGORICAL]
    if args.lhs and numeric_grid:
        raise ValueError(f"with --lhs, --grid takes only genotype, knockouts or cut (crossed "
                         f"with the sample); got --grid {numeric_grid[0]}")
    sw = sweep(model, space, args.readout or None, method="lhs" if args.lhs else "grid",
               n=args.n if args.lhs else None, seed=args.seed, log=args.log or False,
               time=args.time, **_batch(args),
               **_perturbation(args))
    _write_table(sw.to_dataframe(), args.out)
    if args.plot:
        _save_plot(sw.plot(args.readout[0] if args.readout else None), args.plot)
    return _report_failed(sw.n_failed, len(sw.table), "points",
                          f"; {sw.settings['seconds']:.1f} s")


def cmd_knockout_screen(args: argparse.Namespace) -> int:
    from ._screen import knockout_screen

    model = _load(args)
    ko = knockout_screen(model, args.readout or None, nodes=args.nodes,
                         interactions=args.interactions, pairs=args.pairs, **_batch(args),
                         **_perturbation(args))
    _write_table(ko.to_dataframe(), args.out)
    _save_plot(ko.plot(), args.plot)
    return _report_failed(int((ko.table["status"] != "ok").sum()), len(ko.table), "conditions")


def cmd_sensitivity(args: argparse.Namespace) -> int:
    from ._sensitivity import sensitivity

    model = _load(args)
    s = sensitivity(model, args.readout, args.param_names or None, method=args.method,
                    n=args.n, factor=args.factor, seed=args.seed, **_batch(args),
                    **_perturbation(args))
    _write_table(s.to_dataframe("all"), args.out)
    _save_plot(s.plot(), args.plot)
    if args.method == "local":
        return _report_failed(int((s.table["status"] != "ok").sum()), len(s.table),
                              "parameter-readout pairs")
    return _report_failed(s.settings["n_failed"], s.settings["n_points"], "Sobol points")


def _fit_out(args: argparse.Namespace) -> Path:
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    return out


def _figure(fig, path: Path) -> None:
    import matplotlib.pyplot as plt

    fig.savefig(path, dpi=150, bbox_inches="tight")
    plt.close(fig)
    print(f"wrote {path}")


def cmd_fit(args: argparse.Namespace) -> int:
    from ._fit_optimize import fit

    out = _fit_out(args)
    print(f"fitting {args.problem}: {args.starts} starts ({args.optimizer}, {args.backend})",
          file=sys.stderr)
    res = fit(args.problem, n_starts=args.starts, seed=args.seed, backend=args.backend,
              n_workers=args.workers, scheduler=args.scheduler, optimizer=args.optimizer,
              max_iter=args.max_iter, max_time=args.max_time, screen=args.screen,
              progress=not args.quiet)
    res.to_file(out / "starts.csv")
    res.to_file(out / "fit.json")
    res.best_parameters.to_frame().to_csv(out / "best_parameters.csv")
    print(f"wrote {out / 'starts.csv'}, {out / 'fit.json'}, {out / 'best_parameters.csv'}")
    if res.status != "failed":
        _figure(res.plot_waterfall(), out / "waterfall.png")
        _figure(res.plot_fit(), out / "fit.png")
    print(f"{res.status}: {res.message}", file=sys.stderr)
    return 3 if res.status == "failed" else 0


def _refit(args: argparse.Namespace):
    """The fit a `profile` or `sample` command starts from: the best parameters of a
    previous `mtor-sim fit` (its --fit folder), else a new fit."""
    import json

    import numpy as np

    from ._fit_optimize import fit

    x0 = None
    if args.fit:
        doc = json.loads((Path(args.fit) / "fit.json").read_text())
        from ._fit_objective import scale

        meta = doc["metadata"]
        x0 = [[float(scale(doc["best_parameters"][p], s))
               for p, s in zip(meta["x_ids"], meta["x_scales"], strict=True)]]
    res = fit(args.problem, n_starts=args.starts, seed=args.seed, x0=x0,
              backend=args.backend, n_workers=args.workers, scheduler=args.scheduler)
    if not np.isfinite(res.best_objective):
        raise _FitFailed(res.message)
    return res


class _FitFailed(Exception):
    pass


def cmd_profile(args: argparse.Namespace) -> int:
    from ._fit_profile import profile

    out = _fit_out(args)
    try:
        res = _refit(args)
    except _FitFailed as exc:
        print(f"mtor-sim: fit failed: {exc}", file=sys.stderr)
        return 3
    prof = profile(res, args.parameter or None, level=args.level, backend=args.backend,
                   n_workers=args.workers, scheduler=args.scheduler,
                   progress=not args.quiet)
    prof.intervals.to_csv(out / "intervals.csv")
    prof.table.to_csv(out / "profiles.csv", index=False)
    print(f"wrote {out / 'intervals.csv'}, {out / 'profiles.csv'}")
    _figure(prof.plot(), out / "profiles.png")
    print(prof.intervals[["best", "lower", "upper", "verdict"]].to_string(), file=sys.stderr)
    return 0


def cmd_sample(args: argparse.Namespace) -> int:
    from ._fit_sample import sample

    out = _fit_out(args)
    try:
        res = _refit(args)
    except _FitFailed as exc:
        print(f"mtor-sim: fit failed: {exc}", file=sys.stderr)
        return 3
    ens = sample(res, args.n, seed=args.seed, out=out / "ensemble.parquet",
                 progress=not args.quiet)
    print(f"wrote {out / 'ensemble.parquet'} (+ .json)")
    pred = ens.predict(n=min(len(ens), args.predict), backend=args.backend,
                       n_workers=args.workers)
    pred.to_csv(out / "prediction.csv", index=False)
    print(f"wrote {out / 'prediction.csv'}")
    _figure(ens.plot_band(pred), out / "band.png")
    print(f"{ens.status}: {ens.message}", file=sys.stderr)
    return 0


def _add_fit_common(p: argparse.ArgumentParser, out: str) -> None:
    p.add_argument("problem", metavar="PROBLEM.yaml", help="PEtab problem (YAML file)")
    p.add_argument("--seed", type=int, default=0, help="seed of start points and chains")
    p.add_argument("--out", "-o", default=out, help=f"output folder (default {out})")
    g = p.add_argument_group("execution")
    g.add_argument("--backend", choices=["serial", "processes", "dask"], default="serial")
    g.add_argument("--workers", type=int, help="worker processes (default: every core)")
    g.add_argument("--scheduler", help="Dask scheduler address (default: a local cluster)")
    g.add_argument("--quiet", "-q", action="store_true", help="no progress bar")


def _report_failed(failed: int, total: int, what: str, extra: str = "") -> int:
    """Say how many results lack a verified steady state; exit status 3 if any do."""
    print(f"{total} {what}, {failed} not at a verified steady state{extra}", file=sys.stderr)
    return 3 if failed else 0


def cmd_trial(args: argparse.Namespace) -> int:
    import pandas as pd

    from ._plot import save_figure
    from ._trial import trial, trial_claims

    model = _load(args)
    res = trial(model, args.arms or None, n=args.n, seed=args.seed, weeks=args.weeks,
                **_batch(args))
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    _write_table(res.to_dataframe(), str(out / f"patients.{args.table_format}"))
    rates = pd.concat([res.response_rates(by).assign(stratum=by or "all")
                       for by in (None, "pmtor", "PTEN", "PIK3CA", "mTORC2_high")],
                      ignore_index=True)
    _write_table(rates, str(out / "response_rates.csv"))
    _write_table(res.compare_with_review(), str(out / "review_comparison.csv"))
    claims = trial_claims(res)
    _write_table(claims, str(out / "claims.csv"))
    for name, fig in (("waterfall", res.plot_waterfall()),
                      ("response_rates", res.plot_response_rates()),
                      ("response_rates_pmtor", res.plot_response_rates("pmtor")),
                      ("response_rates_PTEN", res.plot_response_rates("PTEN"))):
        save_figure(fig, out / name, formats=args.format)
    with pd.option_context("display.width", 120):
        print(res.response_rates()[["arm", "n", "ORR", "ORR_low", "ORR_high", "DCR"]]
              .round(1).to_string(index=False))
    for _, c in claims.iterrows():
        print(f"  {'PASS' if c['passed'] else 'FAIL'}  {c['claim']}: {c['numbers']}")
    if claims.empty:
        print("  no ordering of the review applies to these arms")
    return 0 if claims["passed"].all() else 1


def cmd_list(args: argparse.Namespace) -> int:
    from ._catalogue import DRUGS, GENOTYPES

    if args.what in ("genotypes", "drugs"):
        table = GENOTYPES if args.what == "genotypes" else DRUGS
        for name, item in table.items():
            print(f"{name:20s} {item.description}")
        return 0
    if args.what == "sites":
        from ._catalogue import TARGET_SITES

        for name, text in TARGET_SITES.items():
            drugs = ", ".join(d.name for d in DRUGS.values() if name in dict(d.targets))
            print(f"{name:12s} {text}; drugs: {drugs}")
        return 0
    model = _load(args)
    if args.what == "parameters":
        for name, value in model.parameters.items():
            print(f"{name:28s} {value:g}")
        return 0
    for name in getattr(model, args.what):
        print(name)
    return 0


def build_parser() -> argparse.ArgumentParser:
    from ._catalogue import REGIMENS

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

    p = sub.add_parser("dose-response", help="readout over doses of one drug, Hill fits "
                       "(IC50, Emax, slope); one curve per --genotype")
    p.add_argument("drug_name", metavar="DRUG", help="drug name (see `mtor-sim list drugs`)")
    p.add_argument("--doses", type=_floats, default=_floats("log:0.01:10000:13"),
                   help="doses in nM: 0,1,10 or log:LOW:HIGH:N (default log:0.01:10000:13)")
    p.add_argument("--readout", "-r", default="proliferation")
    p.add_argument("--time", type=float, help="measure TIME min after dosing, not at steady state")
    _add_perturbation(p)
    _add_outputs(p)
    p.set_defaults(func=cmd_dose_response)

    p = sub.add_parser("combination", help="two-drug response matrix with Bliss, HSA, Loewe "
                       "and ZIP synergy")
    p.add_argument("drug_a")
    p.add_argument("drug_b")
    p.add_argument("--doses-a", type=_floats, default=_floats("log:0.1:100:4"),
                   help="doses of the first drug (nM); 0 is added")
    p.add_argument("--doses-b", type=_floats, default=_floats("log:100:10000:4"),
                   help="doses of the second drug (nM); 0 is added")
    p.add_argument("--readout", "-r", default="proliferation")
    p.add_argument("--score", choices=["bliss", "hsa", "loewe", "zip"], default="bliss",
                   help="synergy score shown beside the response heatmap")
    _add_perturbation(p)
    _add_outputs(p)
    p.set_defaults(func=cmd_combination)

    p = sub.add_parser("sweep", help="steady states over a grid or a Latin hypercube of "
                       "parameters, inputs, doses and genotypes")
    p.add_argument("--grid", action="append", type=_axis, metavar="NAME=VALUES",
                   help="grid axis: PTEN_total=0.25,0.5,1 or everolimus=log:0.1:100:7 or "
                   "genotype=WT,PTEN_loss")
    p.add_argument("--lhs", action="append", type=_axis, metavar="NAME=LOW:HIGH",
                   help="Latin-hypercube range, e.g. GF=0.1:1")
    p.add_argument("--n", type=int, default=100, help="Latin-hypercube points")
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--log", action="append", metavar="NAME",
                   help="sample NAME in log space (--lhs)")
    p.add_argument("--readout", "-r", action="append", help="readout(s); default all")
    p.add_argument("--time", type=float, help="record TIME min after dosing")
    _add_perturbation(p)
    _add_batch(p)
    _add_outputs(p)
    p.set_defaults(func=cmd_sweep)

    p = sub.add_parser("knockout-screen", help="every node knockout and interaction cut, "
                       "effect on each readout")
    p.add_argument("--readout", "-r", action="append", help="readout(s); default all")
    p.add_argument("--nodes", nargs="*", help="nodes to knock out (default all)")
    p.add_argument("--interactions", nargs="*", help="interactions to cut (default all)")
    p.add_argument("--pairs", action="store_true", help="also every pair")
    _add_perturbation(p)
    _add_batch(p)
    _add_outputs(p)
    p.set_defaults(func=cmd_knockout_screen)

    p = sub.add_parser("sensitivity", help="local scaled sensitivities or Sobol indices")
    p.add_argument("readout", nargs="+")
    p.add_argument("--method", choices=["local", "sobol"], default="local")
    p.add_argument("--vary", dest="param_names", action="append", metavar="PARAMETER",
                   help="parameter to vary (default: every non-zero parameter but doses "
                        "and readout reference values)")
    p.add_argument("--n", type=int, default=256, help="Sobol base sample size")
    p.add_argument("--factor", type=float, default=2.0, help="Sobol range: value/F to value*F")
    p.add_argument("--seed", type=int, default=0)
    _add_perturbation(p)
    _add_batch(p)
    _add_outputs(p)
    p.set_defaults(func=cmd_sensitivity)

    p = sub.add_parser("trial", help="virtual HCC cohort: biomarker-stratified in-silico trial "
                       "of the review's regimens")
    p.add_argument("--arms", nargs="+", metavar="REGIMEN",
                   help="regimens (default all): " + ", ".join(
                       f"'{r}'" if " " in r else r for r in REGIMENS))
    p.add_argument("--n", type=int, default=1000, help="virtual patients (default 1000)")
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--weeks", type=float, default=12.0, help="course length (default 12)")
    p.add_argument("--out", default="trial_out", help="output folder")
    p.add_argument("--table-format", choices=["csv", "parquet"], default="csv")
    p.add_argument("--format", nargs="+", default=["png", "svg"], choices=["png", "svg", "pdf"])
    p.add_argument("--model", help=argparse.SUPPRESS)
    _add_batch(p)
    p.set_defaults(func=cmd_trial)

    p = sub.add_parser("fit", help="estimate the parameters of a PEtab problem: multi-start "
                       "optimisation (pyPESTO); tables and figures in --out")
    _add_fit_common(p, "fit_out")
    p.add_argument("--starts", type=int, default=20, help="number of starts (default 20)")
    p.add_argument("--optimizer", choices=["fides", "lbfgsb"], default="fides")
    p.add_argument("--max-iter", type=int, default=1000, help="iterations per start")
    p.add_argument("--max-time", type=float, help="seconds per start (fides)")
    p.add_argument("--screen", type=int, metavar="N",
                   help="start from the best STARTS of N uniform draws (a global stage)")
    p.set_defaults(func=cmd_fit)

    for name, helptext, out in (
            ("profile", "profile likelihoods and confidence intervals of a PEtab problem's "
             "parameters", "profile_out"),
            ("sample", "MCMC parameter ensemble of a PEtab problem and prediction bands",
             "sample_out")):
        p = sub.add_parser(name, help=helptext)
        _add_fit_common(p, out)
        p.add_argument("--fit", metavar="FOLDER",
                       help="start from the best parameters of `mtor-sim fit --out FOLDER`")
        p.add_argument("--starts", type=int, default=5,
                       help="starts of the fit it begins with (default 5)")
        if name == "profile":
            p.add_argument("--parameter", "-p", action="append",
                           help="parameter to profile (repeat; default every one)")
            p.add_argument("--level", type=float, default=0.95, help="confidence level")
            p.set_defaults(func=cmd_profile)
        else:
            p.add_argument("--n", type=int, default=10000, help="MCMC steps (default 10000)")
            p.add_argument("--predict", type=int, default=200,
                           help="ensemble members simulated for the bands (default 200)")
            p.set_defaults(func=cmd_sample)

    p = sub.add_parser("list", help="list names: nodes, interactions, readouts, inputs, "
                       "species, parameters (with defaults), genotypes, drugs, sites "
                       "(drug target sites)")
    p.add_argument("what", choices=["nodes", "interactions", "readouts", "inputs", "species",
                                    "parameters", "genotypes", "drugs", "sites"])
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


