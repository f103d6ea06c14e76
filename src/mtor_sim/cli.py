"""The `mtor-sim` command line."""

from __future__ import annotations

import argparse
import math
import re
import sys
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

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


def _members(text: str) -> int:
    """``--ensemble N``: a positive number of members (the bare flag means all)."""
    try:
        n = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a whole number") from None
    if n < 1:
        raise argparse.ArgumentTypeError(
            f"the number of members must be at least 1, got {n} (give --ensemble alone for all)"
        )
    return n


def _target(text: str) -> tuple[str, str]:
    """``mTORC1_FRB=k5a1`` -> (site, parameter)."""
    site, _, param = text.partition("=")
    if not site.strip() or not param.strip():
        raise argparse.ArgumentTypeError(f"expected SITE=PARAMETER, got {text!r}")
    return site.strip(), param.strip()


def _add_perturbation(p: argparse.ArgumentParser) -> None:
    g = p.add_argument_group("perturbation (every option may repeat)")
    g.add_argument("--model", help="model file (.xml/.sbml/.ant); default: the bundled HCC model")
    g.add_argument(
        "--target",
        action="append",
        default=[],
        type=_target,
        metavar="SITE=PARAM",
        help="with --model: a drug target site and the rate parameter a drug "
        "scales, e.g. mTORC1_FRB=k5a1 (repeat for more parameters or sites; "
        "see `mtor-sim list sites`)",
    )
    g.add_argument(
        "--genotype",
        "-g",
        action="append",
        default=[],
        help="genotype preset, e.g. PTEN_loss; combine with +, e.g. "
        "PTEN_loss+mTORC2_high (see `mtor-sim list genotypes`)",
    )
    g.add_argument(
        "--drug",
        "-d",
        action="append",
        default=[],
        type=_kv,
        metavar="DRUG=nM",
        help="drug and concentration in nM, e.g. everolimus=10",
    )
    g.add_argument(
        "--knockout",
        "-k",
        action="append",
        default=[],
        metavar="NODE",
        help="node to knock out (the protein in all its forms set to zero), e.g. "
        "mTORC2; gene and protein names work too (RICTOR, PIK3CA, PKB; see `mtor-sim "
        "list nodes`); on an SBML model, SPECIES:clamp holds that one species at zero",
    )
    g.add_argument(
        "--cut",
        action="append",
        default=[],
        metavar="INTERACTION",
        help='interaction to remove, e.g. "S6K1 -| IRS1"',
    )
    g.add_argument(
        "--param",
        "-p",
        action="append",
        default=[],
        type=_kv,
        metavar="NAME=VALUE",
        help="parameter value, e.g. PTEN_total=0.5 (overrides genotype presets; "
        "see `mtor-sim list parameters` for names, units and meanings)",
    )
    g.add_argument(
        "--input",
        "-i",
        action="append",
        default=[],
        type=_kv,
        metavar="NAME=VALUE",
        help="input, e.g. GF=0.5 or ENERGY_STRESS=1",
    )


def _genotype(text: str) -> list[str]:
    """``PTEN_loss+mTORC2_high`` -> ``["PTEN_loss", "mTORC2_high"]`` (presets combined).
    An empty part (``PTEN_loss+``) is refused: a preset meant there would be dropped. So
    is an empty genotype (``-g "$G"`` with G unset): it would run the wild type silently."""
    if not text.strip():
        raise ValueError(
            f"-g {text!r} names no genotype (an unset shell variable?); give a preset "
            "(see `mtor-sim list genotypes`; WT is the wild type) or leave -g out"
        )
    parts = [g.strip() for g in text.split("+")]
    if not all(parts):
        raise ValueError(f"genotype {text!r} has an empty part between or after '+'")
    return parts


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
                    "to include 0, list the values: 0,0.1,1,10,100"
                )
            return [float(v) for v in np.logspace(np.log10(lo), np.log10(hi), int(num))]
        return [float(v) for v in text.split(",") if v.strip()]
    except ValueError:
        raise argparse.ArgumentTypeError(
            f"expected numbers like 0,1,10 or log:LOW:HIGH:N, got {text!r}"
        ) from None


# sweep axes whose values are names (`_sweep.CATEGORICAL`, not imported here: the CLI
# starts without the numerical stack)
_NAMED_AXES = ("genotype", "knockouts", "cut")


def _grid_axis(text: str) -> tuple[str, list]:
    """A ``--grid`` axis: values, not a range (``NAME=LOW:HIGH`` would be two points)."""
    name, _, values = text.partition("=")
    if name.strip() not in _NAMED_AXES and ":" in values and not values.strip().startswith("log:"):
        raise argparse.ArgumentTypeError(
            f"{text!r}: --grid takes the values themselves ({name.strip()}=0.1,0.5,1) or "
            f"log:LOW:HIGH:N; LOW:HIGH is a range, which --lhs samples"
        )
    return _axis(text)


def _axis(text: str) -> tuple[str, list]:
    """``NAME=v1,v2`` (numbers or names) for sweep axes."""
    if "=" not in text:
        raise argparse.ArgumentTypeError(f"expected NAME=VALUES, got {text!r}")
    name, values = (t.strip() for t in text.split("=", 1))
    if name in _NAMED_AXES:
        return name, [
            None
            if v.strip() in ("none", "")
            else _genotype(v)
            if name == "genotype"
            else [x.strip() for x in v.split("+")]
            for v in values.split(",")
        ]
    if ":" in values and not values.startswith("log:"):
        lo, hi = values.split(":", 1)
        try:
            return name, [float(lo), float(hi)]
        except ValueError:
            raise argparse.ArgumentTypeError(f"{name}: bounds {values!r} are not numbers") from None
    return name, _floats(values)


def _pairs(pairs: list[tuple[str, float]], option: str) -> dict[str, float]:
    """``NAME=VALUE`` options as a dict; a name given twice is an error, not the last one
    silently winning (``-d everolimus=-5 -d everolimus=10``)."""
    out: dict[str, float] = {}
    for name, value in pairs:
        if name in out:
            raise ValueError(f"{option} {name} is given twice ({out[name]:g} and {value:g})")
        out[name] = value
    return out


def _perturbation(args: argparse.Namespace) -> dict:
    """The perturbation keywords the user gave (options left out are not passed)."""
    genos = [g for text in args.genotype for g in _genotype(text)]
    given = {
        "genotype": genos,
        "drugs": _pairs(args.drug, "--drug"),
        "knockouts": args.knockout,
        "cut": args.cut,
        "parameters": _pairs(args.param, "--param"),
        "inputs": _pairs(args.input, "--input"),
    }
    return {k: v for k, v in given.items() if v}


TABLE_FORMATS = ("csv", "json", "parquet")
FIGURE_FORMATS = ("png", "svg", "pdf")


def _check_output(path: str | None, formats: Sequence[str] | None, *, option: str) -> None:
    """Refuse an output path before any work is done: an unknown format (of ``formats``;
    None: any), a folder, a missing parent folder or one that cannot be written."""
    import os

    if not path:
        return
    target = Path(path)
    fmt = target.suffix.lstrip(".").lower() or (formats[0] if formats else "")
    if formats is not None and fmt not in formats:
        raise ValueError(
            f"{option} {path}: unsupported format {fmt!r}; use "
            + ", ".join(f".{f}" for f in formats)
        )
    if target.is_dir():
        raise ValueError(f"{option} {path} is a folder; give a file name")
    parent = target.parent
    if not parent.is_dir():
        raise ValueError(f"{option} {path}: folder {str(parent)!r} does not exist")
    if not os.access(parent, os.W_OK) or (target.exists() and not os.access(target, os.W_OK)):
        raise ValueError(f"{option} {path}: not writable")


def _check_folder(path: str, *, option: str) -> None:
    """An output folder: it may exist (as a folder) or be created inside a writable one."""
    import os

    target = Path(path)
    if target.exists() and not target.is_dir():
        raise ValueError(f"{option} {path} exists and is not a folder")
    probe = target if target.exists() else target.parent
    while not probe.exists() and probe != probe.parent:
        probe = probe.parent
    if not os.access(probe, os.W_OK):
        raise ValueError(f"{option} {path}: {str(probe)!r} is not writable")


def _check_outputs(args: argparse.Namespace) -> None:
    """Every output option of a command, checked before it runs."""
    if args.command in ("reproduce", "claims", "trial", "fit", "profile", "sample"):
        _check_folder(args.out, option="--out")
    elif getattr(args, "out", None) is not None:
        _check_output(args.out, TABLE_FORMATS, option="--out")
    if getattr(args, "plot", None):
        _check_output(args.plot, FIGURE_FORMATS, option="--plot")
    if getattr(args, "parts", None):
        _check_folder(args.parts, option="--parts")
    # the library makes a missing folder for these; a mistyped one is the user's to fix
    if getattr(args, "omex", None):
        _check_output(args.omex, None, option="--omex")
    if args.command == "export":
        _check_output(args.path, None, option="export")


def _write_table(df, path: str | None, fmt: str | None = None) -> None:
    import pandas as pd

    if path is None:
        with pd.option_context("display.max_rows", 60, "display.width", 120):
            print(df.to_string())
        return
    target = Path(path)
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


def _write(result, path: str | None, shown=None) -> None:
    """A result to ``path`` as the library writes it (`to_file`: CSV, Parquet or JSON by
    extension), or printed (``shown``, default its table) when no path is given."""
    if path is None:
        _write_table(result.to_dataframe() if shown is None else shown, None)
        return
    if not Path(path).suffix:  # no extension: a CSV file, as --out has always allowed
        _write_table(result.to_dataframe(), path, "csv")
        return
    print(f"wrote {result.to_file(path)}")


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


class _Once(argparse.Action):
    """An option that takes one value: given twice, it is refused (argparse keeps the
    last silently, so ``-r pS6K1 -r pAKT_S473`` measured pAKT_S473 alone)."""

    def __call__(self, parser, namespace, values, option_string=None):
        if getattr(namespace, self.dest, None) is not None:
            parser.error(
                f"{option_string} takes one value, given twice; run once per "
                f"{self.dest.replace('_', ' ')}"
            )
        setattr(namespace, self.dest, values)


def _add_ensemble(p: argparse.ArgumentParser, help: str) -> None:
    """``--ensemble [N]``: across the calibrated ensemble, all members or the first N."""
    p.add_argument(
        "--ensemble",
        nargs="?",
        type=_members,
        const=0,
        default=None,
        metavar="N",
        help=help + " (after the positional arguments, or as --ensemble=N: a bare --ensemble "
        "before them would take the next word as N)",
    )


def _over_ensemble(args: argparse.Namespace, *refused: str) -> dict[str, Any]:
    """The keywords that run a verb across the calibrated ensemble (``--ensemble [N]``),
    once the output options a table of quantiles cannot honour are known to be absent."""
    if any(getattr(args, flag, None) for flag in refused):
        given = " or ".join(f"--{flag}" for flag in refused)
        raise ValueError(f"--ensemble writes a table of quantiles: no {given}")
    return {"ensemble": True, "n_members": args.ensemble or None}


def _ensemble_table(q, out: str | None, what: str, note: str = "") -> int:
    """Write an ensemble verb's table of quantiles; say how many members failed where
    (exit 3 when any did)."""
    failed = int(q["n_failed"].max())
    print(
        f"{int(q['n_members'].iloc[0])} ensemble members{note}; at most {failed} failed at {what}",
        file=sys.stderr,
    )
    _write_table(q, out)
    return 0 if failed == 0 else 3


def _add_omex(p: argparse.ArgumentParser) -> None:
    p.add_argument(
        "--omex",
        metavar="PATH",
        help="also write a COMBINE archive (SBML + SED-ML) that tellurium or COPASI reruns",
    )


def _write_omex(result, args: argparse.Namespace, model) -> None:
    if getattr(args, "omex", None):
        from ._omex import to_omex, unsolved_points

        unsolved, points = unsolved_points(result)
        if unsolved:  # an archive reruns every point; the command exits 3 for these
            print(
                f"--omex: no archive written: {unsolved} of {points} points failed",
                file=sys.stderr,
            )
            return
        print(f"wrote {to_omex(result, args.omex, model=model)}")


def _add_batch(p: argparse.ArgumentParser) -> None:
    g = p.add_argument_group("execution")
    g.add_argument(
        "--backend",
        choices=["serial", "processes", "dask"],
        default="serial",
        help="where points run: this process (default), a process pool, or Dask",
    )
    g.add_argument("--workers", type=int, help="worker processes (default: every core)")
    g.add_argument("--scheduler", help="Dask scheduler address (default: a local cluster)")
    g.add_argument(
        "--parts",
        help="folder to stream results into as Parquet parts; "
        "an interrupted run started again with the same arguments resumes",
    )
    g.add_argument("--quiet", "-q", action="store_true", help="no progress bar")


def _batch(args: argparse.Namespace) -> dict:
    """The execution options as the verbs take them: ``run=RunOptions(...)``."""
    from ._options import RunOptions

    return {
        "run": RunOptions(
            backend=args.backend,
            n_workers=args.workers,
            scheduler=args.scheduler,
            out=args.parts,
            progress=not args.quiet,
        )
    }


def _load(args: argparse.Namespace):
    from ._errors import MtorSimError
    from ._model import load_model

    sites: dict[str, list[str]] = {}
    for site, param in getattr(args, "target", None) or []:
        sites.setdefault(site, []).append(param)
    targets: dict[str, list[str] | tuple[str, ...]] = {k: v for k, v in sites.items()}
    if not getattr(args, "model", None):
        if targets:
            raise MtorSimError(
                "--target maps drugs onto another model: give --model too "
                "(the bundled model's drug targets are built in)"
            )
        return load_model()
    return load_model(args.model, targets=targets or None)


def cmd_steady_state(args: argparse.Namespace) -> int:
    model = _load(args)
    if args.ensemble is not None:
        q = model.steady_state(**_perturbation(args), **_over_ensemble(args))
        return _ensemble_table(q, args.out, "reaching a steady state")
    ss = model.steady_state(**_perturbation(args))
    print(f"status: {ss.status} ({ss.message})", file=sys.stderr)
    _write(ss, args.out, shown=ss.readouts.to_frame("value"))
    return 0 if ss.success else 3


def cmd_tumour_response(args: argparse.Namespace) -> int:
    from ._tumour import tumour_response

    model = _load(args)
    given = _perturbation(args)
    drugs = given.pop("drugs", None)
    if not drugs:
        raise ValueError("give the treatment with -d/--drug, e.g. -d everolimus=10")
    if args.ensemble is not None:
        q = tumour_response(model, drugs, days=args.days, **given, **_over_ensemble(args, "plot"))
        return _ensemble_table(q, args.out, "reaching a steady state in an arm")
    res = tumour_response(model, drugs, days=args.days, **given)
    print(f"status: {res.status} ({res.message})", file=sys.stderr)
    _write(res, args.out, shown=res.to_dataframe().T.rename(columns={0: "value"}))
    if args.plot:
        _save_plot(res.plot(), args.plot)
    return 0 if res.success else 3


def _schedule(args: argparse.Namespace):
    """The schedule of `simulate`'s --schedule, --schedule-file and --pk options, or None."""
    from ._schedule import load_schedule_file, parse_pk, parse_schedule

    parts = [parse_schedule(t) for t in args.schedule]
    parts += [parse_pk(t, days=args.days) for t in args.pk]
    if args.schedule_file:
        parts.append(load_schedule_file(args.schedule_file))
    if not parts:
        return None
    out = parts[0]
    for p in parts[1:]:
        out = out | p
    return out


def _has_pk(schedule) -> bool:
    """Whether a schedule doses a drug by PK (whose curve --pk-step cuts into steps)."""
    from ._schedule import OralPK

    return schedule is not None and any(isinstance(schedule[d], OralPK) for d in schedule.drugs)


#: Most output times `simulate` takes by default (hourly beyond 10 days, up to this many).
MAX_DEFAULT_POINTS = 10_001


def cmd_simulate(args: argparse.Namespace) -> int:
    from ._errors import check_name, check_nonnegative

    model = _load(args)
    if args.readout and not args.plot:
        raise ValueError("-r/--readout chooses what --plot draws; give --plot, or drop -r")
    for name in args.readout or []:  # before the run, not after the table is written
        check_name(name, [*model.readouts, *model.species], kind="readout or species")
    # checked whether or not a schedule uses them: never accepted and ignored
    if args.days is not None:
        check_nonnegative(args.days, name="--days", allow_zero=False)
        if args.t_end is not None and not args.pk:  # it sets --pk doses or the default end
            raise ValueError(
                "--days sets how long --pk doses last, or the course's end when --t-end "
                "is not given: give --t-end or --days, not both"
            )
    if args.pk_step is not None:
        check_nonnegative(args.pk_step, name="--pk-step", allow_zero=False)
    schedule = _schedule(args)
    if args.pk_step is not None and not _has_pk(schedule):  # it steps PK curves only
        raise ValueError(
            "--pk-step sets the steps of a PK curve (--pk, or an oral plan in "
            "--schedule-file); this course has none"
        )
    t_end = args.t_end
    from ._engine import units_per_minute

    per_minute = units_per_minute(model)  # the model's time units per minute
    if t_end is None:  # --days or a schedule's course count minutes; else a day of units
        if args.days:
            t_end = args.days * 1440.0 * per_minute
        else:
            t_end = schedule.span() * per_minute if schedule else 1440.0
    t_end = check_nonnegative(t_end, name="--t-end", allow_zero=False)
    # hourly for long courses, up to MAX_DEFAULT_POINTS (a --t-end of 1e9 min asked for
    # 16.7 million rows, and the process was killed for its memory)
    hourly = int(min(t_end / per_minute // 60, MAX_DEFAULT_POINTS)) + 1
    default = min(max(241, hourly), MAX_DEFAULT_POINTS)
    points = default if args.points is None else args.points  # 0 is refused, not default
    over = {} if args.ensemble is None else _over_ensemble(args, "plot", "omex")
    tc = model.simulate(
        t_end=t_end,
        n_points=points,
        pre_equilibrate=not args.from_initial,
        schedule=schedule,
        pk_step=30.0 if args.pk_step is None else args.pk_step,
        **_perturbation(args),
        **over,
    )
    if over:  # quantiles per output and time, as a long table
        long = tc.stack(level="output", future_stack=True).reset_index()
        long.columns.name = None
        long = long.assign(n_members=tc.attrs["n_members"], n_failed=tc.attrs["n_failed"])
        return _ensemble_table(long, args.out, "the time course")
    print(f"status: {tc.status} ({tc.message})", file=sys.stderr)
    _write(tc, args.out)
    if args.plot:
        from ._plot import plot_timecourse, save_figure

        paths = save_figure(
            plot_timecourse(tc, args.readout or None),
            args.plot,
            formats=[Path(args.plot).suffix.lstrip(".") or "png"],
        )
        print("wrote " + ", ".join(map(str, paths)))
    if tc.success:
        _write_omex(tc, args, model)
    elif getattr(args, "omex", None):  # an archive reruns a run; this one failed (exit 3)
        print(f"--omex: no archive written: the run failed ({tc.status})", file=sys.stderr)
    return 0 if tc.success else 3


def cmd_export(args: argparse.Namespace) -> int:
    if Path(args.path).suffix.lower() not in (".xml", ".sbml"):  # `--model x.ant` misreads it
        raise ValueError(f"export writes SBML: name the file .xml or .sbml, got {args.path!r}")
    model = _load(args)
    model.to_sbml(args.path, **_perturbation(args))
    print(f"wrote {args.path}")
    return 0


def _published_beside(row: Mapping[Any, Any]) -> str:
    """One row of the trial's comparison as the summary line gives it: 'everolimus 0 %
    (review 9.5 %, EVOLVE-1 2.2 %)', the randomized trial named by its name alone."""
    published = []
    if row["review"] == row["review"]:  # not NaN
        published.append(f"review {row['review']:g} %")
    if row["trial_rate"] == row["trial_rate"]:
        published.append(f"{str(row['trial']).split(' (')[0]} {row['trial_rate']:g} %")
    arm = str(row["comparison"]).removeprefix("ORR, ")
    return f"{arm} {row['simulated']:.0f} % ({', '.join(published)})"


def cmd_reproduce(args: argparse.Namespace) -> int:
    from ._progress import progress_bar
    from ._report import WEAK_PASS_FRACTION, fraction, reproduce

    model = _load(args)
    bar = progress_bar(
        total=None, desc="claims and experiments", unit="step", enabled=not args.quiet, leave=True
    )

    def step(i: int, n: int, title: str) -> None:
        if bar.total != n:  # the total comes with the first step: claims + experiments
            bar.total = n
            bar.refresh()
        bar.update(i - bar.n)

    from .experiments import scripts

    ens = None if args.ensemble is None else True
    report = reproduce(
        model,
        args.out,
        formats=args.format,
        experiments=scripts(),
        progress=step,
        ensemble=ens,
        n_members=args.ensemble or None,
        **({} if args.trial_patients is None else {"trial_patients": args.trial_patients}),
    )
    bar.close()
    across_members = None if report.ensemble is None else report.ensemble.set_index("claim")
    shares: dict[int, float] = (
        {}
        if report.ensemble is None
        else dict(zip(report.ensemble["claim"], report.ensemble["pass_fraction"], strict=True))
    )
    by_mechanism: dict[int, float] = (
        {}
        if report.ensemble is None
        else dict(
            zip(report.ensemble["claim"], report.ensemble["mechanism_pass_fraction"], strict=True)
        )
    )
    for r in report.results:
        across = ""
        if across_members is not None:
            row = across_members.loc[r.number]
            share = shares[r.number]
            across = f"  ensemble pass fraction {fraction(share)}"
            if row["n_not_solved"]:
                across += f" ({int(row['n_not_solved'])} member(s) not solved, counted as fails)"
            if row["pass_fraction"] < WEAK_PASS_FRACTION:
                across += (
                    f" (weakest term: {row['weakest_term']}, {row['weakest_term_fraction']:.2f})"
                )
        control = "control removes it" if r.controls_remove_effect else "control does NOT remove it"
        if across_members is not None:
            control += (
                f"; passes with its control removing it in {fraction(by_mechanism[r.number])}"
            )
        print(f"  claim {r.number:2d} {r.verdict}{across}  {r.title}  [{control}]")
    if report.ensemble is not None:
        print(
            f"all {len(report.results)} claims together in "
            f"{fraction(report.ensemble.attrs['all_pass_fraction'])} of "
            f"{int(report.ensemble['n_members'].iloc[0])} ensemble members"
        )
        if report.validation is not None and not report.validation.empty:
            from ._ensemble import member_hit_rates
            from ._report import not_judged

            print(
                f"validation hit rate across members: "
                f"{member_hit_rates(report.validation).mean():.2f} "
                f"({report.validation.shape[1]} held-out rows{not_judged(report.validation)})"
            )
    if report.literature_hits is not None:
        hits, judged = report.literature_hits
        print(f"literature behaviours held out of calibration: {hits} of {judged} hold")
    if report.trial is not None:
        rows = report.trial.dropna(subset=["review", "trial_rate"], how="all")
        pairs = "; ".join(_published_beside(r) for r in rows.to_dict("records"))
        print(f"virtual trial, ORR: {pairs}")
    if report.trial_orderings is not None and len(report.trial_orderings):
        o = report.trial_orderings
        for where, prefix in (("", ""), (" on the ensemble", "ensemble_")):
            if f"{prefix}verdict" not in o:
                continue
            verdicts = o[f"{prefix}verdict"]
            held = verdicts == "holds"
            missed = "; ".join(
                f"{c}: {v} ({n})"
                for c, v, n in zip(
                    o["claim"][~held], verdicts[~held], o[f"{prefix}numbers"][~held], strict=True
                )
            )
            print(
                f"virtual trial{where}, the review's orderings: {int(held.sum())} of "
                f"{len(o)} hold" + (f"; {missed}" if missed else "")
            )
    for where, failed in (
        ("", report.trial_failed),
        (" on the ensemble", report.trial_failed_ensemble),
    ):
        if failed:
            print(
                f"virtual trial{where}: {failed} patient-arm(s) without a verified steady "
                "state (not evaluable)"
            )
    print(f"{report.tally} ({report.seconds:.1f} s); report: {report.markdown} and {report.html}")
    if report.trial_failed or report.trial_failed_ensemble:  # a simulation failed
        return 1
    if args.strict:
        return 0 if report.all_passed and report.all_as_expected else 1
    return 0 if report.all_as_expected else 1


def cmd_dose_response(args: argparse.Namespace) -> int:
    from ._dose_response import dose_response

    model = _load(args)
    pert = _perturbation(args)
    pert.pop("genotype", None)  # each -g is a curve of its own here
    curves = [_genotype(g) for g in args.genotype]
    over = {} if args.ensemble is None else _over_ensemble(args, "plot", "omex")
    result = dose_response(
        model,
        args.drug_name,
        args.doses,
        args.readout,
        time=args.time,
        genotypes=[c[0] if len(c) == 1 else c for c in curves] or None,
        **over,
        **_batch(args),
        **pert,
    )
    if over:  # a table of quantiles, and the members' IC50s
        q = result
        ic50 = q.attrs["ic50"]
        print(f"IC50 (nM) across members:\n{ic50.to_string(index=False)}", file=sys.stderr)
        if args.out:
            out = Path(args.out)  # beside the table, in its format
            _write_table(ic50, str(out.with_name(f"{out.stem}_ic50{out.suffix or '.csv'}")))
        exit_status = _ensemble_table(q, args.out, "a dose")
        # as a curve without a Hill fit exits 3 (below), so does a member's
        return 3 if (ic50["n_no_fit"] > 0).any() else exit_status
    dr = result
    fits = dr.fit_table()
    print(fits.to_string(index=False), file=sys.stderr)
    # "ok" says that every dose was solved; a curve without a Hill fit exits 3 (below)
    status = dr.status if fits["success"].all() else f"{dr.status} solving, no_fit"
    print(f"status: {status} ({dr.message})", file=sys.stderr)
    _write(dr, args.out)
    if args.out:
        out = Path(args.out)  # beside the table, in its format
        _write_table(fits, str(out.with_name(f"{out.stem}_fits{out.suffix or '.csv'}")))
    _save_plot(dr.plot(), args.plot)
    _write_omex(dr, args, model)
    return 0 if (dr.table["status"] == "ok").all() and fits["success"].all() else 3


def cmd_combination(args: argparse.Namespace) -> int:

    from ._dose_response import MIN_SCORE_DOSES, combination

    model = _load(args)
    pert = _perturbation(args)
    pair = (args.drug_a, args.drug_b)
    if args.score in ("loewe", "zip") and args.ensemble is not None:
        raise ValueError(
            f"--score {args.score}: --ensemble writes quantiles of the Bliss and HSA "
            "excess only; run without --ensemble for the Loewe and ZIP scores"
        )
    if args.score in ("loewe", "zip"):
        # checked before the grid is solved and its table written (without the score)
        n_a, n_b = (len({0.0, *doses}) for doses in (args.doses_a, args.doses_b))
        if min(n_a, n_b) < MIN_SCORE_DOSES:
            raise ValueError(
                f"--score {args.score} needs at least {MIN_SCORE_DOSES} doses of each drug, "
                "0 included "
                f"(it is added); the grid has {n_a} of {args.drug_a} and {n_b} of "
                f"{args.drug_b}"
            )
    if args.ensemble is not None:
        q = combination(
            model,
            pair,
            args.doses_a,
            args.doses_b,
            args.readout,
            **_over_ensemble(args, "plot", "omex"),
            **_batch(args),
            **pert,
        )
        bliss = q.attrs["bliss_mean"]
        note = (
            f"; mean Bliss excess over the combination cells, median {bliss['q0.5']:+.4f} (5-95 %: "
            f"{bliss['q0.05']:+.4f} to {bliss['q0.95']:+.4f})"
        )
        return _ensemble_table(q, args.out, "a dose pair", note)
    cm = combination(model, pair, args.doses_a, args.doses_b, args.readout, **_batch(args), **pert)
    _write(cm, args.out)
    _save_plot(cm.plot(score=args.score), args.plot)
    _write_omex(cm, args, model)
    return _report_result(cm, "dose pairs")


def cmd_sweep(args: argparse.Namespace) -> int:
    from ._sweep import CATEGORICAL, sweep

    model = _load(args)
    given = [n for n, _ in (args.lhs or []) + (args.grid or [])]
    if twice := sorted({n for n in given if given.count(n) > 1}):
        raise ValueError(
            f"sweep axis {', '.join(twice)} given twice (--grid/--lhs); give each axis "
            "once, with all its values"
        )
    space = dict(args.lhs or []) | dict(args.grid or [])
    if not space:
        raise ValueError("give at least one --grid NAME=VALUES or --lhs NAME=LOW:HIGH")
    numeric_grid = [n for n, _ in args.grid or [] if n not in CATEGORICAL]
    lhs_names = {n for n, _ in args.lhs or []}
    for name in args.log or []:
        if name not in lhs_names:
            raise ValueError(
                f"--log {name}: only --lhs ranges are sampled in log space; for a "
                f"log-spaced grid give --grid {name}=log:LOW:HIGH:N"
            )
    if args.lhs and numeric_grid:
        raise ValueError(
            f"with --lhs, --grid takes only genotype, knockouts or cut (crossed "
            f"with the sample); got --grid {numeric_grid[0]}"
        )
    if getattr(args, "omex", None) and (args.lhs or len(space) != 1):
        # checked before any point is solved (the archive's own check comes after)
        raise ValueError(
            "--omex: a COMBINE archive holds a grid sweep over one name; this sweep has "
            f"{'--lhs' if args.lhs else 'a grid'} over {sorted(space)}"
        )
    if not args.lhs and (args.n is not None or args.seed is not None):
        raise ValueError(
            "--n and --seed size and seed a Latin hypercube (--lhs); a --grid sweep runs "
            "every combination of its values"
        )
    kw = {
        "method": "lhs" if args.lhs else "grid",
        "n": (100 if args.n is None else args.n) if args.lhs else None,
        "seed": (0 if args.seed is None else args.seed) if args.lhs else None,
        "log": args.log or False,
        "time": args.time,
        **_batch(args),
        **_perturbation(args),
    }
    if args.ensemble is not None:
        q = sweep(model, space, args.readout or None, **_over_ensemble(args, "plot", "omex"), **kw)
        return _ensemble_table(q, args.out, "a point")
    sw = sweep(model, space, args.readout or None, **kw)
    _write(sw, args.out)
    if args.plot:
        _save_plot(sw.plot(args.readout[0] if args.readout else None), args.plot)
    _write_omex(sw, args, model)
    # its own message: a point of a --time sweep is a time course, not a steady state
    return _report_result(sw, "points", f"; {sw.settings['seconds']:.1f} s")


def cmd_knockout_screen(args: argparse.Namespace) -> int:
    from ._screen import knockout_screen

    model = _load(args)
    options = {
        "nodes": args.nodes,
        "interactions": args.interactions,
        "pairs": args.pairs,
        "knockout_mode": args.knockout_mode,
        **_batch(args),
        **_perturbation(args),
    }
    if args.ensemble is not None:
        q = knockout_screen(model, args.readout or None, **_over_ensemble(args, "plot"), **options)
        return _ensemble_table(q, args.out, "a target")
    ko = knockout_screen(model, args.readout or None, **options)
    _write(ko, args.out)
    _save_plot(ko.plot(), args.plot)
    return _report_result(ko, "conditions")


def cmd_sensitivity(args: argparse.Namespace) -> int:
    from ._sensitivity import sensitivity

    sobol_only = {"--n": args.n, "--factor": args.factor, "--seed": args.seed}
    if args.method != "sobol" and (given := [k for k, v in sobol_only.items() if v is not None]):
        raise ValueError(
            f"{', '.join(given)} set the Sobol sample (--method sobol); local sensitivities "
            "are central differences at the steady state"
        )
    model = _load(args)
    options = {
        "method": args.method,
        "n": 256 if args.n is None else args.n,
        "factor": 2.0 if args.factor is None else args.factor,
        "seed": 0 if args.seed is None else args.seed,
        **_batch(args),
        **_perturbation(args),
    }
    if args.ensemble is not None:
        q = sensitivity(
            model, args.readout, args.param_names or None, **_over_ensemble(args, "plot"), **options
        )
        return _ensemble_table(q, args.out, "a parameter")
    s = sensitivity(model, args.readout, args.param_names or None, **options)
    _write(s, args.out)
    _save_plot(s.plot(), args.plot)
    if args.method == "local":
        return _report_result(s, "parameter-readout pairs")
    # the points' failures, readouts without variance and imprecise indices alike
    print(f"Sobol points x readouts: {s.message}", file=sys.stderr)
    return 0 if s.success else 3


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

    print(
        f"fitting {args.problem}: {args.starts} starts ({args.optimizer}, {args.backend})",
        file=sys.stderr,
    )
    res = fit(
        args.problem,
        n_starts=args.starts,
        seed=args.seed,
        backend=args.backend,
        n_workers=args.workers,
        scheduler=args.scheduler,
        optimizer=args.optimizer,
        max_iter=args.max_iter,
        max_time=args.max_time,
        screen=args.screen,
        progress=not args.quiet,
    )
    out = _fit_out(args)  # once the problem is read: a bad one leaves no empty folder
    res.to_file(out / "starts.csv")
    res.to_file(out / "fit.json")
    res.best_parameters.to_frame().to_csv(out / "best_parameters.csv")
    print(f"wrote {out / 'starts.csv'}, {out / 'fit.json'}, {out / 'best_parameters.csv'}")
    if res.status != "failed":
        _figure(res.plot_waterfall(), out / "waterfall.png")
        _figure(res.plot_fit(), out / "fit.png")
    print(f"{res.status}: {res.message}", file=sys.stderr)
    return 0 if res.status == "ok" else 3


def _refit(args: argparse.Namespace):
    """The fit a `profile` or `sample` command starts from: the best parameters of a
    previous `mtor-sim fit` (its --fit folder), else a new fit."""
    import json

    import numpy as np

    from ._errors import MtorSimError
    from ._fit_optimize import fit

    x0 = None
    if args.fit:
        from ._fit_objective import scale

        path = Path(args.fit) / "fit.json"
        try:
            doc = json.loads(path.read_text())
            meta = doc["metadata"]
            if list(meta["x_ids"]) != (ids := _estimated(args)):
                raise MtorSimError(
                    f"--fit {args.fit}: that fit estimated {len(meta['x_ids'])} parameters "
                    f"({', '.join(meta['x_ids'][:3])}, ...), this problem estimates "
                    f"{len(ids)} ({', '.join(ids[:3])}, ...): it is another problem's fit"
                )
            x0 = [
                [
                    float(scale(doc["best_parameters"][p], s))
                    for p, s in zip(meta["x_ids"], meta["x_scales"], strict=True)
                ]
            ]
        except FileNotFoundError:
            raise ValueError(f"--fit {args.fit}: no fit.json there (from `mtor-sim fit`)") from None
        except (OSError, UnicodeDecodeError, ValueError, KeyError, TypeError) as exc:
            why = f"no {exc} entry" if isinstance(exc, KeyError) else str(exc)
            raise ValueError(
                f"--fit {args.fit}: {path} is not a fit.json written by `mtor-sim fit` "
                f"({why}); run the fit again"
            ) from None
    res = fit(
        args.problem,
        n_starts=args.starts,
        seed=args.seed,
        x0=x0,
        backend=args.backend,
        n_workers=args.workers,
        scheduler=args.scheduler,
    )
    if not np.isfinite(res.best_objective):
        raise _FitFailed(res.message)
    if res.status != "ok":  # what follows starts from it: say so beside its own verdict
        print(f"note: the fit this starts from is {res.status}: {res.message}", file=sys.stderr)
    return res


class _FitFailed(Exception):
    pass


def _estimated(args: argparse.Namespace) -> list[str]:
    """The problem's estimated parameters (from its parameter table), to check the
    command's own arguments before a fit is run for it (read once per command)."""
    if getattr(args, "estimated_ids", None) is None:
        from ._fit_objective import load_petab

        table = load_petab(args.problem).parameter_df
        args.estimated_ids = [str(p) for p in table.index[table["estimate"].astype(int) == 1]]
    return list(args.estimated_ids)


def cmd_profile(args: argparse.Namespace) -> int:
    from ._errors import check_name
    from ._fit_profile import profile

    if not 0 < args.level < 1:  # checked before the fit this starts from, not after
        raise ValueError(f"--level must be in (0, 1), got {args.level!r}")
    if args.parameter:
        ids = _estimated(args)
        for name in args.parameter:
            check_name(name, ids, kind="estimated parameter")
    try:
        res = _refit(args)
    except _FitFailed as exc:
        print(f"mtor-sim: fit failed: {exc}", file=sys.stderr)
        return 3
    out = _fit_out(args)
    prof = profile(
        res,
        args.parameter or None,
        level=args.level,
        seed=args.seed,
        backend=args.backend,
        n_workers=args.workers,
        scheduler=args.scheduler,
        progress=not args.quiet,
    )
    prof.intervals.to_csv(out / "intervals.csv")
    prof.table.to_csv(out / "profiles.csv", index=False)
    print(f"wrote {out / 'intervals.csv'}, {out / 'profiles.csv'}")
    _figure(prof.plot(), out / "profiles.png")
    print(prof.intervals[["best", "lower", "upper", "verdict"]].to_string(), file=sys.stderr)
    print(f"{prof.status}: {prof.message}", file=sys.stderr)
    return 0 if prof.success else 3


def cmd_sample(args: argparse.Namespace) -> int:
    from ._fit_sample import MIN_SAMPLES, sample

    if args.n < MIN_SAMPLES:  # checked before the fit this starts from, not after
        raise ValueError(f"--n must be an integer >= {MIN_SAMPLES}, got {args.n}")
    if args.predict < 1:
        raise ValueError(f"--predict must be a positive integer, got {args.predict}")
    try:
        res = _refit(args)
    except _FitFailed as exc:
        print(f"mtor-sim: fit failed: {exc}", file=sys.stderr)
        return 3
    out = _fit_out(args)
    ens = sample(res, args.n, seed=args.seed, out=out / "ensemble.parquet", progress=not args.quiet)
    print(f"wrote {out / 'ensemble.parquet'} (+ .json)")
    if len(ens):
        pred = ens.predict(
            n=min(len(ens), args.predict), backend=args.backend, n_workers=args.workers
        )
        pred.to_csv(out / "prediction.csv", index=False)
        print(f"wrote {out / 'prediction.csv'}")
        _figure(ens.plot_band(pred), out / "band.png")
    else:
        print("no member is left after the burn-in: no prediction was made", file=sys.stderr)
    print(f"{ens.status}: {ens.message}", file=sys.stderr)
    return 0 if ens.success else 3


def _add_fit_common(p: argparse.ArgumentParser, out: str) -> None:
    p.add_argument("problem", metavar="PROBLEM.yaml", help="PEtab problem (YAML file)")
    p.add_argument(
        "--seed", type=int, default=0, help="seed of start points, profile restarts and chains"
    )
    p.add_argument("--out", "-o", default=out, help=f"output folder (default {out})")
    g = p.add_argument_group("execution")
    g.add_argument(
        "--backend",
        choices=["serial", "processes", "dask"],
        default="serial",
        help="where starts or samples run: this process (default), a process pool, or Dask",
    )
    g.add_argument("--workers", type=int, help="worker processes (default: every core)")
    g.add_argument("--scheduler", help="Dask scheduler address (default: a local cluster)")
    g.add_argument("--quiet", "-q", action="store_true", help="no progress bar")


def _report_result(res: Any, what: str, extra: str = "") -> int:
    """Say how a batch result's conditions fared (``what``: what they are), naming the
    statuses of those without a value; exit status 3 if any lack one."""
    print(f"{what}: {res.message}{extra}", file=sys.stderr)
    return 3 if res.n_failed else 0


def _report_failed(failed: int, total: int, what: str, extra: str = "") -> int:
    """Say how many results lack a verified steady state; exit status 3 if any do."""
    print(f"{total} {what}, {failed} not at a verified steady state{extra}", file=sys.stderr)
    return 3 if failed else 0


def cmd_trial(args: argparse.Namespace) -> int:
    import pandas as pd

    from ._plot import save_figure
    from ._trial import trial, trial_claims

    model = _load(args)
    res = trial(
        model,
        args.arms or None,
        n=args.n,
        seed=args.seed,
        weeks=args.weeks,
        serum_fraction=args.serum_fraction,
        **({} if args.ensemble is None else _over_ensemble(args)),
        **_batch(args),
    )
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    _write(res, str(out / f"patients.{args.table_format}"))
    rates = pd.concat(
        [
            res.response_rates(by).assign(stratum=by or "all")
            for by in (None, "pmtor", "PTEN", "PIK3CA", "mTORC2_high")
        ],
        ignore_index=True,
    )
    _write_table(rates, str(out / "response_rates.csv"))
    _write_table(res.compare_with_review(), str(out / "review_comparison.csv"))
    claims = trial_claims(res)
    _write_table(claims, str(out / "trial_orderings.csv"))  # as `reproduce` names it
    for name, fig in (
        ("waterfall", res.plot_waterfall()),
        ("response_rates", res.plot_response_rates()),
        ("response_rates_pmtor", res.plot_response_rates("pmtor")),
        ("response_rates_PTEN", res.plot_response_rates("PTEN")),
    ):
        save_figure(fig, out / name, formats=args.format)
    with pd.option_context("display.width", 120):
        print(
            res.response_rates()[["arm", "n", "ORR", "ORR_low", "ORR_high", "DCR"]]
            .round(1)
            .to_string(index=False)
        )
    shown = {"holds": "HOLDS", "not resolved": "NOT RESOLVED", "reversed": "REVERSED"}
    for _, c in claims.iterrows():
        print(f"  {shown[c['verdict']]}  {c['claim']}: {c['numbers']}")
    if claims.empty:
        print("  no ordering of the review applies to these arms")
    if res.n_failed:  # patients without a verified steady state (NE): say so, exit 3
        return _report_failed(res.n_failed, len(res.table), "patient-arms")
    # an ordering the trial's size cannot resolve is no failure of the model
    return 1 if (claims["verdict"] == "reversed").any() else 0


def cmd_cache(args: argparse.Namespace) -> int:
    from ._cache import _size, cache_info, clear_cache

    if args.action == "info":
        if args.other_keys or args.unused_days is not None:
            raise ValueError("--other-keys and --unused-days go with `mtor-sim cache clear`")
        print(cache_info())
        return 0
    removed = clear_cache(other_keys=args.other_keys, unused_days=args.unused_days)
    if removed.folder is None:
        print(removed)
        return 0
    print(
        f"removed {removed.entries + removed.other_key_entries} entries "
        f"({removed.other_key_entries} made with another key) from {removed.folder}, "
        f"{_size(removed.bytes + removed.other_key_bytes)}"
    )
    return 0


def cmd_list(args: argparse.Namespace) -> int:
    from ._catalogue import BUNDLED, DRUGS

    if args.target and (args.what != "drugs" or not args.model):  # else read by no one
        raise ValueError(
            "--target maps drugs onto another model: it goes with --model and `list drugs`"
        )
    if args.what == "genotypes" or (args.what == "drugs" and not args.model):
        cat = _load(args).catalogue if args.model else BUNDLED
        table = cat.genotypes if args.what == "genotypes" else cat.drugs
        for name, item in table.items():
            print(f"{name:20s} {item.description}")
        if not table:
            print(f"# no genotype presets (a {Path(args.model).stem}.catalogue.toml can add them)")
        return 0
    if args.what == "drugs":  # on another model: which can act there, and why not
        model = _load(args)
        usable = set(model.drugs)
        for name, item in DRUGS.items():
            if name in usable:
                print(f"{name:20s} {item.description}")
        others = [d for d in DRUGS if d not in usable]
        if others:
            sites = sorted({t for d in others for t, _ in DRUGS[d].targets})
            print(
                f"# not applicable to {model.name} (no target site mapped to its "
                f"parameters): {', '.join(others)}. Map sites such as {', '.join(sites[:3])} "
                "with --target SITE=PARAM (load_model(..., targets={site: [parameter]}) "
                "in Python); see `mtor-sim list sites`"
            )
        return 0
    if args.what == "sites":
        from ._catalogue import TARGET_SITES

        for name, text in TARGET_SITES.items():
            drugs = ", ".join(d.name for d in DRUGS.values() if name in dict(d.targets))
            print(f"{name:12s} {text}; drugs: {drugs}")
        return 0
    model = _load(args)
    if args.what == "parameters":  # name, value, unit, description (and its limits)
        info = model.parameter_info()
        print(f"{'name':22s} {'value':>10s} {'unit':20s} description")
        for name, row in info.iterrows():
            limits = ", ".join(
                f"{sign} {row[side]:g}"
                for side, sign in (("lower", ">="), ("upper", "<="))
                if row[side] == row[side]  # not NaN
            )
            print(
                f"{name:22s} {row['value']:>10g} {row['unit'] or '-':20s} "
                f"{row['description']}{f' [{limits}]' if limits else ''}".rstrip()
            )
        return 0
    names = model.sbml_names() if args.what in ("nodes", "species", "interactions") else {}
    for name in getattr(model, args.what):
        label = names.get(name, "")
        print(f"{name:24s} {label}" if label and label != name else name)
    return 0


def build_parser() -> argparse.ArgumentParser:
    from ._catalogue import REGIMENS

    parser = argparse.ArgumentParser(
        prog="mtor-sim",
        description="Mechanistic simulation of PI3K/Akt/mTOR signalling in hepatocellular "
        "carcinoma. Times in minutes (another model's: in its own time unit), drug "
        "concentrations in nM.",
    )
    from . import __version__

    parser.add_argument("--version", action="version", version=f"mtor_sim {__version__}")
    sub = parser.add_subparsers(dest="command", required=True)

    p = sub.add_parser(
        "reproduce", aliases=["claims"], help="check every claim of the review and write the report"
    )
    p.add_argument("--out", default="mtor_sim_output", help="output folder")
    p.add_argument(
        "--format",
        nargs="+",
        default=["png"],
        choices=["png", "svg", "pdf"],
        help="figure formats (default png; each figure is drawn once per format, "
        "so add svg or pdf only when needed)",
    )
    p.add_argument("--model", help=argparse.SUPPRESS)
    p.add_argument("--quiet", "-q", action="store_true", help="no progress bar")
    _add_ensemble(
        p,
        "also check every claim and the validation rows across the calibrated "
        "ensemble (all members, or the first N; ~0.1 s per member for the claims)",
    )
    p.add_argument(
        "--strict",
        action="store_true",
        help="exit 1 when any claim fails, documented failures included (default: exit 1 "
        "only on a verdict other than the model's documented one, claims_expected.csv)",
    )
    p.add_argument(
        "--trial-patients",
        type=int,
        default=None,
        metavar="N",
        help="patients of the virtual trial whose arms the report sets beside the review's "
        "response rates (default 1000, about 15 s on 2 cores; 0 skips the trial)",
    )
    p.set_defaults(func=cmd_reproduce)

    p = sub.add_parser("steady-state", help="verified steady state under a perturbation")
    _add_perturbation(p)
    _add_ensemble(
        p,
        "quantiles of every readout across the calibrated ensemble (all members, or the first N)",
    )
    p.add_argument("--out", "-o", help="output file (.csv, .json or .parquet); default: print")
    p.set_defaults(func=cmd_steady_state)

    p = sub.add_parser(
        "tumour-response",
        help="tumour volume after a course of the drugs (-d) against untreated, on the "
        "bundled model's tumour-growth layer (constant exposure)",
    )
    _add_perturbation(p)
    p.add_argument(
        "--days", type=float, default=21.0, help="length of the course (default 21 days)"
    )
    _add_outputs(p)
    _add_ensemble(
        p,
        "quantiles of the growth inhibition, volumes and rates across the calibrated "
        "ensemble (all members, or the first N)",
    )
    p.set_defaults(func=cmd_tumour_response)

    p = sub.add_parser("simulate", help="time course under a perturbation (drugs at t = 0)")
    _add_perturbation(p)
    p.add_argument(
        "--t-end",
        type=float,
        help="end time (the model's time unit; min for the bundled model); default 1440, "
        "or the "
        "length of the schedule (--days, or its last stop or dose)",
    )
    p.add_argument(
        "--points",
        type=int,
        help="number of output times (default 241, or hourly for longer courses, up to 10,001)",
    )
    g = p.add_argument_group("drug schedules (instead of constant --drug)")
    g.add_argument(
        "--schedule",
        action="append",
        default=[],
        metavar="DRUG=SPEC",
        help="exposure over time: everolimus=on:5d,off:2d,weeks:4[,nM:10] "
        "(intermittent), everolimus=nM:10,stop:24h (washout at 24 h), or "
        "everolimus=0-24h:10,48h-72h:5 (segments START-STOP:nM); units min, h, "
        "d, w",
    )
    g.add_argument(
        "--schedule-file",
        metavar="FILE",
        help='schedule as JSON or YAML, e.g. {"everolimus": {"on_days": 5, '
        '"off_days": 2, "weeks": 4, "nM": 10}} (see README)',
    )
    g.add_argument(
        "--pk",
        action="append",
        default=[],
        metavar="DRUG=DOSE",
        help="oral dosing with one-compartment PK and published defaults: "
        "everolimus=10mg/24h, sorafenib=400mg/12h, or DRUG=default",
    )
    g.add_argument(
        "--days",
        type=float,
        help="course length in days for --pk doses and "
        "the default --t-end (default: 7 days of --pk doses)",
    )
    g.add_argument(
        "--pk-step",
        type=float,
        help="minutes over which a PK concentration is held at its mean (default 30)",
    )
    p.add_argument(
        "--from-initial",
        action="store_true",
        help="start from initial conditions instead of the drug-free steady state",
    )
    p.add_argument("--out", "-o", help="output file (.csv, .json or .parquet); default: print")
    p.add_argument("--plot", help="figure file (.png, .svg or .pdf)")
    p.add_argument("--readout", "-r", action="append", help="readout(s) to plot")
    _add_omex(p)
    _add_ensemble(
        p,
        "quantiles of every readout at each time across the calibrated ensemble (all "
        "members, or the first N); a long table: time, output, q0.05, q0.5, q0.95",
    )
    p.set_defaults(func=cmd_simulate)

    p = sub.add_parser(
        "export", help="write the model, with a perturbation applied, as a standalone SBML file"
    )
    p.add_argument("path", metavar="OUT.xml", help="SBML file to write")
    _add_perturbation(p)
    p.set_defaults(func=cmd_export)

    p = sub.add_parser(
        "dose-response",
        help="readout over doses of one drug, Hill fits "
        "(IC50, Emax, slope); one curve per --genotype",
    )
    p.add_argument("drug_name", metavar="DRUG", help="drug name (see `mtor-sim list drugs`)")
    p.add_argument(
        "--doses",
        type=_floats,
        default=_floats("log:0.01:10000:13"),
        help="doses in nM: 0,1,10 or log:LOW:HIGH:N (default log:0.01:10000:13)",
    )
    p.add_argument(
        "--readout",
        "-r",
        action=_Once,
        help="readout to fit (default: the model's default readout, proliferation for the "
        "bundled model; see `mtor-sim list readouts`)",
    )
    p.add_argument(
        "--time",
        type=float,
        help="measure TIME (the model's time unit; min for the bundled model) after dosing, "
        "not at steady state",
    )
    _add_perturbation(p)
    _add_outputs(p)
    _add_omex(p)
    _add_batch(p)
    _add_ensemble(
        p,
        "quantiles of the readout at each dose across the calibrated ensemble (all members, "
        "or the first N), and of the members' IC50s (written beside the table as _ic50)",
    )
    p.set_defaults(func=cmd_dose_response)

    p = sub.add_parser(
        "combination", help="two-drug response matrix with Bliss, HSA, Loewe and ZIP synergy"
    )
    p.add_argument("drug_a", help="first drug (rows; see `mtor-sim list drugs`)")
    p.add_argument("drug_b", help="second drug (columns)")
    p.add_argument(
        "--doses-a",
        type=_floats,
        default=_floats("log:0.1:100:4"),
        help="doses of the first drug (nM); 0 is added",
    )
    p.add_argument(
        "--doses-b",
        type=_floats,
        default=_floats("log:100:10000:4"),
        help="doses of the second drug (nM); 0 is added",
    )
    p.add_argument(
        "--readout",
        "-r",
        action=_Once,
        help="readout (default: the model's default readout, proliferation for the bundled model)",
    )
    p.add_argument(
        "--score",
        choices=["bliss", "hsa", "loewe", "zip"],
        default="bliss",
        help="synergy score shown beside the response heatmap",
    )
    _add_perturbation(p)
    _add_ensemble(
        p,
        "quantiles across the calibrated ensemble (all members, or the first N) of "
        "each dose pair's response, inhibition and Bliss and HSA excess",
    )
    _add_outputs(p)
    _add_omex(p)
    _add_batch(p)
    p.set_defaults(func=cmd_combination)

    p = sub.add_parser(
        "sweep",
        help="steady states over a grid or a Latin hypercube of "
        "parameters, inputs, doses and genotypes",
    )
    p.add_argument(
        "--grid",
        action="append",
        type=_grid_axis,
        metavar="NAME=VALUES",
        help="grid axis: PTEN_total=0.25,0.5,1 or everolimus=log:0.1:100:7 or "
        "genotype=WT,PTEN_loss",
    )
    p.add_argument(
        "--lhs",
        action="append",
        type=_axis,
        metavar="NAME=LOW:HIGH",
        help="Latin-hypercube range, e.g. GF=0.1:1",
    )
    p.add_argument("--n", type=int, help="Latin-hypercube points (default 100)")
    p.add_argument(
        "--seed",
        type=int,
        help="random seed of the Latin hypercube (default 0; same seed, same points)",
    )
    p.add_argument(
        "--log", action="append", metavar="NAME", help="sample NAME in log space (--lhs)"
    )
    p.add_argument("--readout", "-r", action="append", help="readout(s); default all")
    p.add_argument(
        "--time",
        type=float,
        help="record TIME (the model's time unit; min for the bundled model) after dosing",
    )
    _add_perturbation(p)
    _add_ensemble(
        p,
        "quantiles across the calibrated ensemble (all members, or the first N) of each "
        "point's readouts",
    )
    _add_batch(p)
    _add_outputs(p)
    _add_omex(p)
    p.set_defaults(func=cmd_sweep)

    p = sub.add_parser(
        "knockout-screen", help="every node knockout and interaction cut, effect on each readout"
    )
    p.add_argument("--readout", "-r", action="append", help="readout(s); default all")
    p.add_argument("--nodes", nargs="*", action="extend", help="nodes to knock out (default all)")
    p.add_argument(
        "--interactions", nargs="*", action="extend", help="interactions to cut (default all)"
    )
    p.add_argument("--pairs", action="store_true", help="also every pair")
    p.add_argument(
        "--knockout-mode",
        choices=["remove", "clamp"],
        default="remove",
        help="remove: each protein in all its forms (default); clamp: hold the one "
        "species at zero (SBML models; its other forms drain through it)",
    )
    _add_perturbation(p)
    _add_ensemble(
        p,
        "screen every member of the calibrated ensemble (all, or the first N): "
        "quantiles of each target's log2 fold change and the share of members it moves "
        "by at least 5 %%",
    )
    _add_batch(p)
    _add_outputs(p)
    p.set_defaults(func=cmd_knockout_screen)

    p = sub.add_parser("sensitivity", help="local scaled sensitivities or Sobol indices")
    p.add_argument("readout", nargs="+", help="readout(s) to analyse")
    p.add_argument(
        "--method",
        choices=["local", "sobol"],
        default="local",
        help="local scaled derivatives d ln y / d ln p (default) or Sobol indices",
    )
    p.add_argument(
        "--vary",
        dest="param_names",
        action="append",
        metavar="PARAMETER",
        help="parameter to vary (default: every non-zero parameter but doses "
        "and readout reference values)",
    )
    p.add_argument("--n", type=int, help="Sobol base sample size (default 256)")
    p.add_argument("--factor", type=float, help="Sobol range: value/F to value*F (default 2)")
    p.add_argument(
        "--seed",
        type=int,
        help="random seed of the Sobol sample and bootstrap (default 0)",
    )
    _add_perturbation(p)
    _add_ensemble(
        p,
        "local sensitivities of every member of the calibrated ensemble (all, or the "
        "first N): quantiles and the share of members of each sign",
    )
    _add_batch(p)
    _add_outputs(p)
    p.set_defaults(func=cmd_sensitivity)

    p = sub.add_parser(
        "trial",
        help="virtual HCC cohort: biomarker-stratified in-silico trial of the review's regimens",
    )
    p.add_argument(
        "--arms",
        nargs="+",
        metavar="REGIMEN",
        help="regimens (default all): " + ", ".join(f"'{r}'" if " " in r else r for r in REGIMENS),
    )
    p.add_argument("--n", type=int, default=1000, help="virtual patients (default 1000)")
    p.add_argument(
        "--seed",
        type=int,
        default=0,
        help="random seed of the cohort (default 0; same seed, same patients)",
    )
    p.add_argument("--weeks", type=float, default=12.0, help="course length (default 12)")
    p.add_argument(
        "--serum-fraction",
        type=float,
        default=None,
        metavar="S",
        help="serum share of the culture media behind culture-measured potencies, which "
        "exposure-driven arms express as unbound ones (default: the catalogue's, 0.10; "
        "0 reads them as unbound)",
    )
    p.add_argument("--out", default="trial_out", help="output folder")
    p.add_argument(
        "--table-format",
        choices=["csv", "parquet"],
        default="csv",
        help="format of the patients table, patients.csv or .parquet (default csv; the "
        "response rates, review comparison and orderings are small CSV tables)",
    )
    p.add_argument(
        "--format",
        nargs="+",
        default=["png"],
        choices=["png", "svg", "pdf"],
        help="figure formats (default png; each figure is drawn once per format, "
        "so add svg or pdf only when needed)",
    )
    p.add_argument("--model", help=argparse.SUPPRESS)
    _add_ensemble(
        p,
        "draw each patient on a member of the calibrated ensemble (all, or the first N), "
        "so the parameters' uncertainty reaches the response rates",
    )
    _add_batch(p)
    p.set_defaults(func=cmd_trial)

    p = sub.add_parser(
        "fit",
        help="estimate the parameters of a PEtab problem: multi-start "
        "optimisation (pyPESTO); tables and figures in --out",
    )
    _add_fit_common(p, "fit_out")
    p.add_argument("--starts", type=int, default=20, help="number of starts (default 20)")
    p.add_argument(
        "--optimizer",
        choices=["fides", "lbfgsb"],
        default="fides",
        help="local optimiser of each start: fides (trust region, default) or scipy's L-BFGS-B",
    )
    p.add_argument("--max-iter", type=int, default=1000, help="iterations per start")
    p.add_argument("--max-time", type=float, help="seconds per start (fides)")
    p.add_argument(
        "--screen",
        type=int,
        metavar="N",
        help="start from the best STARTS of N uniform draws (a global stage)",
    )
    p.set_defaults(func=cmd_fit)

    for name, helptext, out in (
        (
            "profile",
            "profile likelihoods and confidence intervals of a PEtab problem's parameters",
            "profile_out",
        ),
        ("sample", "MCMC parameter ensemble of a PEtab problem and prediction bands", "sample_out"),
    ):
        p = sub.add_parser(name, help=helptext)
        _add_fit_common(p, out)
        p.add_argument(
            "--fit",
            metavar="FOLDER",
            help="start from the best parameters of `mtor-sim fit --out FOLDER`",
        )
        p.add_argument(
            "--starts", type=int, default=5, help="starts of the fit it begins with (default 5)"
        )
        if name == "profile":
            p.add_argument(
                "--parameter",
                "-p",
                action="append",
                help="parameter to profile (repeat; default every one)",
            )
            p.add_argument("--level", type=float, default=0.95, help="confidence level")
            p.set_defaults(func=cmd_profile)
        else:
            p.add_argument(
                "--n",
                type=int,
                default=10000,
                help="MCMC steps, one sample each; the start is not a sample (default 10000)",
            )
            p.add_argument(
                "--predict",
                type=int,
                default=200,
                help="ensemble members simulated for the bands (default 200)",
            )
            p.set_defaults(func=cmd_sample)

    p = sub.add_parser(
        "list",
        help="list names: nodes, interactions, readouts, inputs, "
        "species, parameters (with defaults), genotypes, drugs, sites "
        "(drug target sites)",
    )
    p.add_argument(
        "what",
        choices=[
            "nodes",
            "interactions",
            "readouts",
            "inputs",
            "species",
            "parameters",
            "genotypes",
            "drugs",
            "sites",
        ],
        help="what to list",
    )
    p.add_argument(
        "--model",
        help="model file (.xml/.sbml/.ant); default: the bundled model (nodes, species and "
        "interactions are shown with their SBML names; drugs are those that can act on it)",
    )
    p.add_argument(
        "--target",
        action="append",
        default=[],
        type=_target,
        metavar="SITE=PARAM",
        help="with --model and `list drugs`: a drug target site and the parameter it "
        "scales, e.g. mTORC1_FRB=k5a1 (see `mtor-sim list sites`)",
    )
    p.set_defaults(func=cmd_list)

    p = sub.add_parser(
        "cache",
        help="show or clear the cache of compiled models (it only saves time: a model "
        "whose entry is removed is compiled again when next loaded)",
    )
    p.add_argument(
        "action",
        nargs="?",
        default="info",
        choices=["info", "clear"],
        help="info (default): the folder, its entries and their size; clear: remove entries",
    )
    p.add_argument(
        "--other-keys",
        action="store_true",
        help="with clear: only the entries made with another key, never loaded with yours "
        "(in a folder shared with other keys, theirs: they rebuild them)",
    )
    p.add_argument(
        "--unused-days",
        type=float,
        metavar="DAYS",
        help="with clear: only the entries, of any key, not used for DAYS days",
    )
    p.set_defaults(func=cmd_cache)
    return parser


def _format_warning(message: Any, *_: Any, **__: Any) -> str:
    """Warnings as one line, as errors are: no file path or source line. (The format,
    not the display: a caller recording warnings still records them.)"""
    return f"mtor-sim: warning: {message}\n"


_NEGATIVE = re.compile(r"-\.?\d")


def _valued_options(parser: argparse.ArgumentParser) -> set[str]:
    """The option strings, of ``parser`` and its subcommands, that take a value."""
    found: set[str] = set()
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            for sub in action.choices.values():
                found |= _valued_options(sub)
        elif action.option_strings and action.nargs != 0:
            found.update(action.option_strings)
    return found


def _attach_negative_values(argv: Sequence[str], valued: set[str]) -> list[str]:
    """``--doses -1,0.1,1`` -> ``--doses=-1,0.1,1``.

    argparse reads a value that begins with '-' as an option unless it is one plain
    number (``-5``), so a negative list or ``-1e3`` ended in "argument --doses: expected
    one argument". Attached, the value reaches the check that names it ("doses[0] must
    be >= 0"). Only an option that takes a value (``valued``; a long one may be
    abbreviated, as argparse allows) and has none attached gets it; no option of
    mtor-sim begins with a digit, so nothing else is attached.
    """
    long = [o for o in valued if o.startswith("--")]
    out: list[str] = []
    rest = list(argv)
    while rest:
        token = rest.pop(0)
        if token == "--":  # what follows is positional, as argparse reads it
            return [*out, token, *rest]
        takes = token in valued or (
            token.startswith("--") and "=" not in token and any(o.startswith(token) for o in long)
        )
        if rest and takes and _NEGATIVE.match(rest[0]):
            token = f"{token}={rest.pop(0)}"
        out.append(token)
    return out


def _refuse_empty_values(parser: argparse.ArgumentParser, args: argparse.Namespace) -> None:
    """An option given an empty value (``-o "$OUT"`` with OUT unset) is an error: read as
    not given, ``--model ""`` ran the bundled model, ``--plot ""`` drew nothing and
    ``--out ""`` wrote a trial into the current folder."""
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            _refuse_empty_values(action.choices[args.command], args)
            continue
        value = getattr(args, action.dest, None)
        if isinstance(value, str) and not value.strip():
            name = "/".join(action.option_strings) or action.metavar or action.dest
            parser.error(f"argument {name}: empty value {value!r} (an unset shell variable?)")


def main(argv: Sequence[str] | None = None) -> int:
    import warnings

    from ._errors import MembersLeftOut, MtorSimError

    parser = build_parser()
    given = sys.argv[1:] if argv is None else argv
    args = parser.parse_args(_attach_negative_values(given, _valued_options(parser)))
    _refuse_empty_values(parser, args)
    shown = warnings.formatwarning
    try:
        warnings.formatwarning = _format_warning
        with warnings.catch_warnings():  # an ensemble table's own summary line says it
            warnings.simplefilter("ignore", MembersLeftOut)
            return _run(args)
    except (MtorSimError, ValueError, TypeError) as exc:
        print(f"mtor-sim: error: {exc}", file=sys.stderr)
        return 2
    except BrokenPipeError:  # `mtor-sim list nodes | head`: the reader has gone
        import os

        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())  # no second error when Python flushes stdout
        return 0
    except OSError as exc:  # a file that cannot be read or written: the user's to fix
        where = f"{exc.filename}: " if exc.filename else ""
        print(f"mtor-sim: error: {where}{exc.strerror or exc}", file=sys.stderr)
        return 2
    finally:
        warnings.formatwarning = shown


def _run(args: argparse.Namespace) -> int:
    """Run the parsed command (errors are `main`'s to report)."""
    _check_outputs(args)
    status = int(args.func(args))
    sys.stdout.flush()  # inside `main`'s try: a reader that has gone is seen there
    return status


if __name__ == "__main__":  # pragma: no cover
    raise SystemExit(main())
