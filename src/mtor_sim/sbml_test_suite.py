"""Run SBML Test Suite semantic cases through mtor_sim's public API.

Each case folder (``NNNNN/``) of the official SBML Test Suite holds a model, a settings file
(start, duration, steps, the variables to report, amount or concentration, tolerances) and
the expected results. A case passes when every reported value satisfies
``|simulated - expected| <= absolute + relative * |expected|``. The cases run through
`mtor_sim.load_model` and `Model.simulate` (no pre-equilibration, ``outputs=`` and
``species_units=`` as the settings ask), and, side by side, through plain libroadrunner
on the unmodified file, so that the two pass counts can be compared::

    python -m mtor_sim.sbml_test_suite PATH/TO/cases [--plain] [--workers 2] [--out results.csv]

A case is skipped, with its reason, when it asks for something no time-course engine of
this package can do (flux-balance cases) or uses an SBML feature libroadrunner does not
simulate (algebraic rules, fast reactions, delays). ``comp`` models are flattened and
run; their external model files are read relative to the case's model file.
"""

from __future__ import annotations

import argparse
import math
import os
import re
import sys
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

__all__ = ["CaseResult", "run_case", "run_suite", "summary", "main"]

#: testTags/componentTags the engine does not simulate, and why a case using them is skipped
UNSUPPORTED = {
    "FastReaction": "fast reactions (quasi-steady-state reactions) are not simulated",
    "AlgebraicRule": "algebraic rules need a DAE solver; libroadrunner has none",
    "CSymbolDelay": "delay differential equations are not simulated",
    "fbc": "flux-balance constraints are not simulated",
}


@dataclass(frozen=True)
class CaseResult:
    """Outcome of one case: ``status`` is ``"passed"``, ``"failed"`` or ``"skipped"``."""

    case: str
    status: str
    reason: str = ""
    max_error: float = math.nan  # largest |error| / (absolute + relative * |expected|)


def _settings(folder: Path) -> dict[str, str]:
    text = (folder / f"{folder.name}-settings.txt").read_text()
    out = {}
    for line in text.splitlines():
        key, sep, value = line.partition(":")
        if sep:
            out[key.strip()] = value.strip()
    return out


def _tags(folder: Path) -> tuple[str, set[str]]:
    text = (folder / f"{folder.name}-model.m").read_text()
    kind = re.search(r"testType:\s*(\w+)", text)
    tags: set[str] = set()
    for key in ("componentTags", "testTags", "packagesPresent"):
        m = re.search(rf"{key}:\s*([^\n]*)", text)
        if m:
            tags |= {t.strip() for t in m.group(1).split(",") if t.strip()}
    return (kind.group(1) if kind else ""), tags


def _model_file(folder: Path) -> Path:
    for name in ("l3v2", "l3v1", "l2v5", "l2v4", "l2v3", "l2v2", "l2v1", "l1v2"):
        path = folder / f"{folder.name}-sbml-{name}.xml"
        if path.exists():
            return path
    raise FileNotFoundError(f"{folder}: no SBML model file")


def _names(value: str) -> list[str]:
    return [v.strip() for v in value.split(",") if v.strip()]


def run_case(folder: str | Path, *, plain: bool = False) -> CaseResult:
    """Run one case folder through the public API (or plain libroadrunner). Any error,
    in the case's files or in its run, is the case's failure, with its reason."""
    folder = Path(folder)
    try:
        return _run_case(folder, plain)
    except Exception as exc:  # noqa: BLE001 - every failure of a case is its result
        first = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        return CaseResult(folder.name, "failed", f"{type(exc).__name__}: {first[:200]}")


def _run_case(folder: Path, plain: bool) -> CaseResult:
    import numpy as np

    kind, tags = _tags(folder)
    if kind != "TimeCourse":
        return CaseResult(folder.name, "skipped", f"{kind} case: only time courses are run")
    for tag, why in UNSUPPORTED.items():
        if tag in tags:
            return CaseResult(folder.name, "skipped", why)
    s = _settings(folder)
    start, duration, steps = float(s["start"]), float(s["duration"]), int(float(s["steps"]))
    variables = _names(s.get("variables", ""))
    amounts = set(_names(s.get("amount", "")))
    atol, rtol = float(s["absolute"]), float(s["relative"])
    expected = _expected(folder / f"{folder.name}-results.csv", variables)
    want = expected[variables].to_numpy(dtype=float)
    if plain:
        got = _plain(folder, start, duration, steps, variables, amounts)
    else:
        got = _public(folder, start, duration, steps, variables, amounts)
    if got.shape != want.shape:
        return CaseResult(folder.name, "failed", f"shape {got.shape} != expected {want.shape}")
    bound = atol + rtol * np.abs(want)
    with np.errstate(invalid="ignore"):
        err = np.abs(got - want) / bound
    same = (got == want) | (np.isnan(got) & np.isnan(want))  # equal infinities, or NaN
    err = np.where(same, 0.0, err)
    worst = float(np.nanmax(np.where(np.isnan(err), np.inf, err))) if err.size else 0.0
    if worst <= 1.0:
        return CaseResult(folder.name, "passed", "", worst)
    i, j = (
        int(k)
        for k in np.unravel_index(int(np.argmax(np.where(np.isnan(err), np.inf, err))), err.shape)
    )
    return CaseResult(
        folder.name,
        "failed",
        f"{variables[j]} at t={expected.to_numpy(dtype=float)[i, 0]:g}: {got[i, j]:.6g} "
        f"vs expected {want[i, j]:.6g}",
        worst,
    )


def _expected(path: Path, variables: Sequence[str]):
    """The expected results, one column per variable, time first. Read by position where
    the header lists the variables in order: its first column is time, whatever its
    name, and a variable may share that name (case 01821's parameter ``Time``, which
    a read by name took for the time column)."""
    import pandas as pd

    with path.open(encoding="utf-8") as f:
        header = [c.strip() for c in f.readline().split(",")]
    table = pd.read_csv(path, header=None, skiprows=1)
    if header[1:] == list(variables):
        table.columns = pd.Index(range(len(header)))
        out = table.iloc[:, 1:]
        out.columns = pd.Index(variables)
        return pd.concat([table.iloc[:, :1], out], axis=1)
    table.columns = pd.Index(header)
    return table


def _public(
    folder: Path,
    start: float,
    duration: float,
    steps: int,
    variables: Sequence[str],
    amounts: set[str],
):
    import numpy as np

    import mtor_sim as ms

    if start != 0:
        raise NotImplementedError("start times other than 0")
    model = ms.load_model(_model_file(folder))
    cols = []
    for unit, names in (
        ("amount", [v for v in variables if v in amounts]),
        ("concentration", [v for v in variables if v not in amounts]),
    ):
        if names:
            tc = model.simulate(
                t_end=duration,
                n_points=steps + 1,
                pre_equilibrate=False,
                outputs=names,
                species_units=unit,
            )
            if not tc.success:
                raise RuntimeError(f"{tc.status}: {tc.message}")
            cols.append(tc.to_dataframe())
    import pandas as pd

    frame = pd.concat(cols, axis=1)
    return np.asarray(frame[list(variables)].to_numpy(), dtype=float)


def _plain(
    folder: Path,
    start: float,
    duration: float,
    steps: int,
    variables: Sequence[str],
    amounts: set[str],
):
    import numpy as np
    import roadrunner

    from ._roadrunner import no_dynamic_properties

    with no_dynamic_properties():  # as mtor_sim does: see its docstring
        r = roadrunner.RoadRunner(str(_model_file(folder)))
    species = set(r.model.getFloatingSpeciesIds()) | set(r.model.getBoundarySpeciesIds())
    r.timeCourseSelections = ["time"] + [
        v if (v not in species or v in amounts) else f"[{v}]" for v in variables
    ]
    integ = r.getIntegrator()
    integ.relative_tolerance = 1e-8
    integ.absolute_tolerance = 1e-12
    out = np.asarray(r.simulate(start, start + duration, steps + 1), dtype=float)
    return out[:, 1:]


def run_suite(
    cases: str | Path,
    *,
    plain: bool = False,
    workers: int = 1,
    only: Sequence[str] | None = None,
    timeout: float = 60.0,
    progress: bool = False,
) -> list[CaseResult]:
    """Every case folder under ``cases`` (or those named in ``only``), in order.

    Each case runs in a worker process that is killed and replaced when the case takes
    longer than ``timeout`` seconds or crashes, so that no case can stop the run; such a
    case fails with the reason.
    """
    root = Path(cases)
    if not root.is_dir():
        raise FileNotFoundError(f"{root}: not a folder of SBML Test Suite cases")
    folders = sorted(p for p in root.iterdir() if p.is_dir() and p.name.isdigit())
    if only:
        wanted = {f"{int(c):05d}" for c in only}
        folders = [f for f in folders if f.name in wanted]
    results: dict[str, CaseResult] = {}
    pending = [str(f) for f in folders]
    pool = [_Worker(plain) for _ in range(max(1, min(workers, len(pending))))]
    try:
        while pending or any(w.case for w in pool):
            for w in pool:
                if w.case is None and pending:
                    w.start(pending.pop(0))
            for w in pool:
                done = w.poll(timeout)
                if done is not None:
                    results[done.case] = done
                    if progress:
                        print(f"{done.case} {done.status} {done.reason[:100]}", flush=True)
    finally:
        for w in pool:
            w.stop()
    return [results[f.name] for f in folders]


class _Worker:
    """One worker process running cases sent over a pipe; replaced when one hangs."""

    def __init__(self, plain: bool) -> None:
        self.plain = plain
        self.case: str | None = None
        self.began = 0.0
        self._spawn()

    def _spawn(self) -> None:
        import multiprocessing

        ctx = multiprocessing.get_context("spawn")
        self.conn, child = ctx.Pipe()
        self.proc = ctx.Process(target=_serve, args=(child, self.plain), daemon=True)
        self.proc.start()
        child.close()

    def start(self, folder: str) -> None:
        import time

        self.case, self.began = folder, time.monotonic()
        self.conn.send(folder)

    def poll(self, timeout: float) -> CaseResult | None:
        """The finished case's result, a failure when it crashed or timed out, or None."""
        import time

        if self.case is None:
            return None
        name = Path(self.case).name
        try:
            if self.conn.poll(0.02):
                result: CaseResult = self.conn.recv()
                self.case = None
                return result
        except (EOFError, OSError):
            pass
        else:
            if self.proc.is_alive() and time.monotonic() - self.began < timeout:
                return None
        why = (
            f"no result within {timeout:g} s"
            if self.proc.is_alive()
            else f"the process crashed (exit code {self.proc.exitcode})"
        )
        self.stop()
        self.case = None
        self._spawn()
        return CaseResult(name, "failed", why)

    def stop(self) -> None:
        if self.proc.is_alive():
            self.proc.kill()
        self.proc.join()
        self.conn.close()


def _serve(conn: Any, plain: bool) -> None:
    """Worker loop: run each folder received, send its result back."""
    import warnings

    warnings.simplefilter("ignore")
    while True:
        try:
            folder = conn.recv()
        except EOFError:
            return
        conn.send(run_case(folder, plain=plain))


def summary(results: Sequence[CaseResult]) -> str:
    """``N passed, M failed, K skipped`` for ``results``."""
    count = {k: sum(r.status == k for r in results) for k in ("passed", "failed", "skipped")}
    return f"{count['passed']} passed, {count['failed']} failed, {count['skipped']} skipped"


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m mtor_sim.sbml_test_suite",
        description="Run SBML Test Suite semantic cases through mtor_sim's public API.",
    )
    parser.add_argument("cases", help="folder of case folders (00001/, 00002/, ...)")
    parser.add_argument(
        "--plain",
        action="store_true",
        help="also run plain libroadrunner on the same cases, side by side",
    )
    parser.add_argument(
        "--workers",
        type=int,
        default=os.cpu_count() or 1,
        help="worker processes (default: every core)",
    )
    parser.add_argument("--case", action="append", help="run only this case (repeatable)")
    parser.add_argument(
        "--timeout",
        type=float,
        default=60.0,
        help="seconds a case may take before it fails (default: 60)",
    )
    parser.add_argument("--out", help="CSV file for the per-case results")
    parser.add_argument(
        "--verbose", "-v", action="store_true", help="list every failed case with its reason"
    )
    args = parser.parse_args(argv)
    os.environ.setdefault("MTOR_SIM_CACHE", "off")  # hundreds of one-off models
    ours = run_suite(
        args.cases,
        workers=args.workers,
        only=args.case,
        timeout=args.timeout,
        progress=args.verbose,
    )
    rows = {r.case: {"case": r.case, "mtor_sim": r.status, "reason": r.reason} for r in ours}
    if args.plain:
        for r in run_suite(
            args.cases, plain=True, workers=args.workers, only=args.case, timeout=args.timeout
        ):
            rows[r.case].update(libroadrunner=r.status, libroadrunner_reason=r.reason)
    skips: dict[str, int] = {}
    for r in ours:
        if r.status == "skipped":
            skips[r.reason] = skips.get(r.reason, 0) + 1
    if skips:
        print("skipped, by reason:")
        for reason, n in sorted(skips.items(), key=lambda kv: -kv[1]):
            print(f"  {n:4d}  {reason}")
    failed = [r for r in ours if r.status == "failed"]
    if args.verbose and failed:
        print("failed:")
        for r in failed:
            print(f"  FAILED {r.case}: {r.reason}")
    if args.plain:
        plain = [row.get("libroadrunner") for row in rows.values()]
        both = sum(
            row["mtor_sim"] == "passed" and row.get("libroadrunner") == "passed"
            for row in rows.values()
        )
        lost = [
            c
            for c, row in rows.items()
            if row.get("libroadrunner") == "passed" and row["mtor_sim"] != "passed"
        ]
        print(
            f"libroadrunner alone: {plain.count('passed')} passed, "
            f"{plain.count('failed')} failed, {plain.count('skipped')} skipped "
            f"(of {len(rows)} cases)"
        )
        print(
            f"passed by both: {both}; passed by libroadrunner but not mtor_sim: "
            f"{len(lost)}"
            + (f" ({', '.join(lost[:20])}{' ...' if len(lost) > 20 else ''})" if lost else "")
        )
    if args.out:
        import pandas as pd

        pd.DataFrame(list(rows.values())).to_csv(args.out, index=False)
        print(f"wrote {args.out}")
    # the counts line says what it counts, so that no CI mistakes it for the test summary
    print(f"mtor_sim: {summary(ours)} (of {len(ours)} cases)")
    return 0


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
