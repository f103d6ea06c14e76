"""Shared helpers of the benchmarks: timing, a printed table of figures, loading a script,
and the links the science benchmarks cut with each parameter set's untreated WT kept."""

from __future__ import annotations

import importlib.util
import os
import sys
import time
from collections.abc import Callable, Mapping
from pathlib import Path
from types import ModuleType

import numpy as np

#: Quick by default (CI runs every ``bench_*.py`` without arguments); ``--full`` runs the
#: long version whose figures the README quotes. ``--quick`` is accepted and changes nothing.
QUICK = "--full" not in sys.argv


def median_ms(fn: Callable[[], object], n: int) -> float:
    """Median wall time of ``fn`` over ``n`` calls, in ms."""
    times = []
    for _ in range(n):
        t = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t)
    return float(np.median(times) * 1e3)


def report(title: str, rows: list[tuple[str, str, str]]) -> None:
    """Print ``(figure, measured, target)`` rows under a title."""
    print(f"\n## {title}  (machine: {os.cpu_count()} cores)")
    width = max(len(r[0]) for r in rows)
    for name, value, target in rows:
        print(f"  {name:<{width}}  {value:>22}   target: {target}")
    sys.stdout.flush()


def load_script(name: str, path: Path) -> ModuleType:
    """Import the script at ``path`` (a ``models/`` or ``benchmarks/`` file, not a package
    module) as a module called ``name``."""
    spec = importlib.util.spec_from_file_location(name, path)
    assert spec is not None and spec.loader is not None
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


def edited_model(name: str, edits: list[tuple[str, str]]):
    """The bundled model's Antimony text with each ``(old, new)`` edit made, as a what-if
    ``Model`` (loaded from a temporary file). Each ``old`` must occur exactly once: a
    model that changed under the edit stops the script instead of being silently left
    as it was."""
    import tempfile

    import mtor_sim as ms

    text = ms.bundled_model_path(".ant").read_text()
    for old, new in edits:
        if text.count(old) != 1:
            raise SystemExit(f"{name}: {old.strip()!r} is not once in the model; it has changed")
        text = text.replace(old, new)
    path = Path(tempfile.mkdtemp(prefix=f"{name}_")) / f"mtor_hcc_{name}.ant"
    path.write_text(text)
    return ms.load_model(path)


def _rtk_out(p: Mapping, sp: Mapping) -> float:
    return float(sp["RTKa"]) / (1.0 + p["k_RTK_ERK"] * float(sp["ERKp"]))


#: Links whose cut can keep each draw's untreated WT exactly: the parameters to set, from
#: the draw's values ``p`` and its untreated WT species ``sp``. The link's term at rest is
#: folded into a constant term of the same rate law, so only the link's *response* to a
#: perturbation is removed (``bench_structure_evidence.py`` cuts each so, and
#: ``bench_ensemble_claims.py --erk-rtk-off`` ERK -| RTK on the members).
COMPENSATED = {
    # RTK synthesis ksyn_RTK + k_FOXO_RTK*FOXOn: FOXO's resting share becomes constant
    "FOXO -> RTK": lambda p, sp: {
        "k_FOXO_RTK": 0.0,
        "ksyn_RTK": p["ksyn_RTK"] + p["k_FOXO_RTK"] * float(sp["FOXOn"]),
    },
    # the receptor's output RTKa / (1 + k_RTK_ERK*ERKp): the resting divisor moves into
    # the two rates it feeds
    "ERK -| RTK": lambda p, sp: {
        "k_RTK_ERK": 0.0,
        "k_IRS1_act": p["k_IRS1_act"] / (1.0 + p["k_RTK_ERK"] * float(sp["ERKp"])),
        "k_RAS_RTK": p["k_RAS_RTK"] / (1.0 + p["k_RTK_ERK"] * float(sp["ERKp"])),
    },
    # IRS1 activation divided by 1 + k_GRB10_IRS1*GRB10
    "GRB10 -| IRS1": lambda p, sp: {
        "k_GRB10_IRS1": 0.0,
        "k_IRS1_act": p["k_IRS1_act"] / (1.0 + p["k_GRB10_IRS1"] * float(sp["GRB10"])),
    },
    # mTORC1 activation divided by 1 + k_PRAS40_mTORC1*PRAS40
    "PRAS40 -| mTORC1": lambda p, sp: {
        "k_PRAS40_mTORC1": 0.0,
        "k_mTORC1_act": p["k_mTORC1_act"] / (1.0 + p["k_PRAS40_mTORC1"] * float(sp["PRAS40"])),
    },
    # RAS activation k_RAS_RTK*RTK_out + k_RAS_IRS1*IRS1a: IRS1's resting share is given
    # to the receptor term
    "IRS1 -> RAS": lambda p, sp: {
        "k_RAS_IRS1": 0.0,
        "k_RAS_RTK": p["k_RAS_RTK"] + p["k_RAS_IRS1"] * float(sp["IRS1a"]) / _rtk_out(p, sp),
    },
}


def cached_draws(
    cal, path: Path | None, n: int, key: list[str], seed: int, defaults: Mapping | None = None
):
    """The groups (rows sharing ``key`` columns) of a ``--csv`` table of prior draws that
    hold draws 0..``n`` - 1 (the first ``n`` of a larger group); an empty table when there
    is no file, or its fingerprint (``cal.unlike``: model, rows, prior, code) is not this
    calibration's, said so. ``defaults`` fills key columns a table written before them
    lacks, or leaves empty."""
    import pandas as pd

    empty = pd.DataFrame({**{k: [] for k in key}, "draw": []})
    if path is None or not path.exists():
        return empty
    if (why := cal.unlike(path, seed)) is not None:
        print(f"{why}: solving the draws again")
        return empty
    table = _keyed(pd.read_csv(path), defaults)
    table = table[table["draw"] < n]
    whole = table.groupby(key)["draw"].transform(lambda d: sorted(d) == list(range(n)))
    return table[whole.astype(bool)]


def save_draws(
    cal, path: Path, new, key: list[str], seed: int, defaults: Mapping | None = None
) -> None:
    """Add the groups of ``new`` to the ``--csv`` table at ``path`` (replacing those
    groups' rows, keeping the others' if the file is this calibration's, ``defaults`` as
    in `cached_draws`) and stamp it."""
    import pandas as pd

    old = pd.DataFrame()
    if path.exists() and cal.unlike(path, seed) is None:
        old = _keyed(pd.read_csv(path), defaults)
        groups = set(map(tuple, new[key].drop_duplicates().to_numpy().tolist()))
        old = old[[tuple(r) not in groups for r in old[key].to_numpy().tolist()]]
    table = pd.concat([old, new], ignore_index=True) if len(old) else new
    table.to_csv(path, index=False, float_format="%.10g")
    cal.stamp(path, seed)


def _keyed(table, defaults: Mapping | None):
    """``table`` with each column of ``defaults`` filled with its default where absent or
    empty, in the default's type (a CSV reads an empty text key back as NaN)."""
    for name, value in (defaults or {}).items():
        table[name] = table[name].fillna(value).astype(type(value)) if name in table else value
    return table


_CALIBRATION: dict = {}


def calibration() -> dict:
    """The calibration recipe (``models/calibrate_ensemble.py`` as ``cal``), its runner,
    references, the bundled model, its kinetic constants and the calibration rows: once
    per process (the science benchmarks' workers each build it once)."""
    if not _CALIBRATION:
        import mtor_sim as ms

        repo = Path(__file__).resolve().parent.parent
        cal = load_script("_calibrate_ensemble", repo / "models" / "calibrate_ensemble.py")
        runner, robust, references = cal.helpers()
        model = ms.load_model()
        _CALIBRATION.update(
            cal=cal,
            runner=runner,
            references=references,
            model=model,
            kinetic=robust.classify_parameters(model)["kinetic"],
            rows=cal.calibration_rows(),
        )
    return _CALIBRATION


def draws_in_chunks(evaluate: Callable, groups: list, n: int, seed: int, workers: int):
    """``evaluate((group, seed, start, stop))`` over draws 0..``n`` - 1 of every group, in
    chunks of at most 100 draws over ``workers`` processes: one table of its records."""
    from concurrent.futures import ProcessPoolExecutor

    import pandas as pd

    chunk = max(1, min(100, n // 4))
    tasks = [(g, seed, a, min(a + chunk, n)) for g in groups for a in range(0, n, chunk)]
    if workers <= 1:
        parts = [evaluate(t) for t in tasks]
    else:
        with ProcessPoolExecutor(workers) as pool:
            parts = list(pool.map(evaluate, tasks))
    return pd.DataFrame.from_records([r for p in parts for r in p])
