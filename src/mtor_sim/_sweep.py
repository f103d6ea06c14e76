"""Many conditions at once: parameter sweeps, their backends and their on-disk results.

Every batch verb (`sweep`, `knockout_screen`, `sensitivity`) turns its work into a list
of conditions and hands it to `run_conditions`, which evaluates them in chunks on one of
three backends and streams each finished chunk to a Parquet part file. A folder of parts
carries a manifest with a fingerprint of the model and the arguments: started again with
the same arguments, a sweep skips the chunks already on disk; with other arguments it
refuses to mix results.
"""

from __future__ import annotations

import hashlib
import json
import math
import os
import sys
import time
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from concurrent.futures import FIRST_COMPLETED, ProcessPoolExecutor, wait
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from ._engine import PRESIM_T, STEADY_TOL
from ._errors import MtorSimError, check_name, check_nonnegative
from ._perturb import Perturbation, _as_list, make_perturbation
from ._progress import progress_bar

if TYPE_CHECKING:  # pragma: no cover
    from matplotlib.figure import Figure

    from ._model import Model

__all__ = ["Sweep", "sweep", "run_conditions", "BACKENDS"]

BACKENDS = ("serial", "processes", "dask")
MANIFEST = "manifest.json"
#: Sweep-space keys that are not parameter, input or drug names.
CATEGORICAL = ("genotype", "knockouts", "cut")


# ------------------------------------------------------------------------ conditions
@dataclass(frozen=True)
class Condition:
    """One point of a batch: its id, the columns that describe it, and its perturbation."""

    point: int
    labels: tuple[tuple[str, Any], ...]
    perturbation: Perturbation


def evaluate(model: Model, pert: Perturbation, readouts: Sequence[str],
             time_point: float | None) -> tuple[list[float], str, str, float]:
    """Readouts of one condition, with its status, message and residual (NaN if a time course)."""
    from ._engine import solver_for, time_course_of

    if time_point is None:
        solver, values = solver_for(model, pert)
        res = solver.solve(values, tol=STEADY_TOL, presimulate=PRESIM_T)
        species = res.species if res.status != "not_reached" else res.species * math.nan
        out = [res.readouts[k] if kind == "r" else (species[k] if k >= 0 else 0.0)
               for kind, k in solver.lookup(readouts)]
        return out, res.status, ("" if res.status == "ok" else res.message), res.max_rate
    tc = time_course_of(model, pert, t_end=time_point, n_points=2, species=True)
    values = [float(tc.data[k].iloc[-1]) if k in tc.data else 0.0 for k in readouts]
    return values, tc.status, ("" if tc.success else tc.message), math.nan


def _chunk_frame(model: Model, conditions: Sequence[Condition], readouts: Sequence[str],
                 time_point: float | None) -> pd.DataFrame:
    rows = []
    for c in conditions:
        try:
            values, status, message, rate = evaluate(model, c.perturbation, readouts, time_point)
        except MtorSimError as exc:  # a bad point is a row with its status; the rest go on
            values, status, message, rate = [math.nan] * len(readouts), "error", str(exc), math.nan
        row = {"point": c.point, **dict(c.labels)}
        row.update(zip(readouts, values, strict=True))
        row.update(status=status, max_rate=rate, message=message)
        rows.append(row)
    return pd.DataFrame(rows)


#: Per-process cache of models received by worker processes, keyed by model hash, so
#: that each worker compiles a model once rather than once per chunk.
_WORKER_MODELS: dict[str, Model] = {}


def _worker_chunk(model: Model, conditions: Sequence[Condition], readouts: Sequence[str],
                  time_point: float | None, part: str | None = None) -> pd.DataFrame | int:
    """Evaluate a chunk in a worker; with ``part``, write it there and return its size
    (the parent then has nothing to unpickle or write, and keeps its core for workers)."""
    cached = _WORKER_MODELS.setdefault(model.hash, model)
    return _deliver(_chunk_frame(cached, conditions, readouts, time_point), part)


#: Jobs of the running process pools, by token. Forked workers inherit this table with
#: the model (compiled, its reference state solved) and the chunk builder, so a task is
#: four numbers: the parent neither builds nor pickles conditions and keeps its core free.
_FORK_JOBS: dict[int, tuple[Model, Callable[[int, int], list[Condition]], Sequence[str],
                            float | None]] = {}


def _forked_chunk(token: int, lo: int, hi: int, part: str | None) -> pd.DataFrame | int:
    """Build and evaluate points ``lo:hi`` of an inherited job in a forked worker."""
    model, make, readouts, time_point = _FORK_JOBS[token]
    return _deliver(_chunk_frame(model, make(lo, hi), readouts, time_point), part)


def _deliver(frame: pd.DataFrame, part: str | None) -> pd.DataFrame | int:
    if part is None:
        return frame
    write_part(frame, Path(part))
    return len(frame)


def write_part(frame: pd.DataFrame, target: Path) -> None:
    """Write a Parquet part atomically: a killed sweep never leaves half a part."""
    tmp = target.with_suffix(f".tmp{os.getpid()}")
    frame.to_parquet(tmp, index=False)
    os.replace(tmp, target)


# -------------------------------------------------------------------------- storage
def _fingerprint(spec: Mapping[str, Any]) -> str:
    text = json.dumps(spec, sort_keys=True, default=str)
    return hashlib.sha256(text.encode()).hexdigest()[:20]


class _Store:
    """A folder of Parquet parts with a manifest; or, without a folder, a list in memory."""

    def __init__(self, path: str | Path | None, spec: Mapping[str, Any], *, resume: bool) -> None:
        self.path = None if path is None else Path(path)
        self.spec = dict(spec)
        self.fingerprint = _fingerprint(spec)
        self._memory: dict[int, pd.DataFrame] = {}
        self.previous_chunk_size: int | None = None  # of the parts already on disk
        if self.path is None:
            return
        self.path.mkdir(parents=True, exist_ok=True)
        manifest = self.path / MANIFEST
        if manifest.exists():
            old = json.loads(manifest.read_text())
            if old.get("fingerprint") != self.fingerprint:
                changed = sorted(k for k in set(old.get("spec", {})) | set(spec)
                                 if json.dumps(old.get("spec", {}).get(k), default=str)
                                 != json.dumps(spec.get(k), default=str))
                raise MtorSimError(
                    f"{str(self.path)!r} holds results of a different sweep (changed: "
                    f"{', '.join(changed) or 'model'}); results would be mixed. Use a new "
                    "folder, or delete this one to start again.")
            if not resume:
                for part in self.path.glob("part-*.parquet"):
                    part.unlink()
            elif any(self.path.glob("part-*.parquet")):
                self.previous_chunk_size = old.get("chunk_size")
        for stale in self.path.glob("part-*.tmp*"):  # left by a run killed mid-write
            stale.unlink(missing_ok=True)

    def start(self, chunk_size: int) -> None:
        """Record the run (and how its points are cut into parts) in the manifest."""
        if self.path is not None:
            (self.path / MANIFEST).write_text(json.dumps(
                {"fingerprint": self.fingerprint, "chunk_size": chunk_size, "spec": self.spec},
                indent=2, default=str))

    def _part(self, chunk: int) -> Path:
        assert self.path is not None
        return self.path / f"part-{chunk:06d}.parquet"

    def done(self, chunk: int) -> bool:
        return chunk in self._memory if self.path is None else self._part(chunk).exists()

    def write(self, chunk: int, frame: pd.DataFrame) -> None:
        if self.path is None:
            self._memory[chunk] = frame
            return
        write_part(frame, self._part(chunk))

    def part_path(self, chunk: int) -> str | None:
        """Where a worker should write ``chunk`` itself (None: return it to the parent)."""
        return None if self.path is None else str(self._part(chunk))

    def collect(self, chunk: int, result: pd.DataFrame | int) -> None:
        """Record a worker's result: a frame to store, or the size of a part it wrote."""
        if isinstance(result, pd.DataFrame):
            self.write(chunk, result)

    def read(self) -> pd.DataFrame:
        if self.path is None:
            frames = [self._memory[k] for k in sorted(self._memory)]
        else:
            frames = [pd.read_parquet(p) for p in sorted(self.path.glob("part-*.parquet"))]
        if not frames:
            return pd.DataFrame()
        return pd.concat(frames, ignore_index=True).sort_values("point", ignore_index=True)


# -------------------------------------------------------------------------- running
def _chunks(n: int, size: int) -> list[tuple[int, int, int]]:
    return [(k, lo, min(lo + size, n)) for k, lo in enumerate(range(0, n, size))]


def run_conditions(model: Model, make: Callable[[int, int], list[Condition]], n: int,
                   readouts: Sequence[str], *, time_point: float | None = None,
                   backend: str = "serial", n_workers: int | None = None,
                   scheduler: str | None = None, chunk_size: int | None = None,
                   out: str | Path | None = None, resume: bool = True,
                   spec: Mapping[str, Any] | None = None, progress: bool = True,
                   desc: str = "conditions") -> tuple[_Store, dict[str, Any]]:
    """Evaluate ``n`` conditions, built chunk by chunk by ``make(lo, hi)``.

    Returns the store of results (``.read()``: one row per condition, ordered by
    ``point``) and run statistics.
    """
    check_name(backend, BACKENDS, kind="backend")
    workers = n_workers or os.cpu_count() or 1
    if isinstance(workers, bool) or not isinstance(workers, int) or workers < 1:
        raise ValueError(f"`n_workers` must be a positive integer, got {n_workers!r}")
    auto = chunk_size is None
    if auto:  # chunks of ~0.1-1 s amortise per-task costs; 16 per worker keep the cores
        # busy to the end (the last chunk runs alone); serial parts of 500 points lose
        # little work when a run is killed
        chunk_size = max(1, min(2000, math.ceil(n / (16 * workers)))) if backend != "serial" \
            else max(1, min(500, n))
    if isinstance(chunk_size, bool) or not isinstance(chunk_size, int) or chunk_size < 1:
        raise ValueError(f"`chunk_size` must be a positive integer, got {chunk_size!r}")
    full_spec = {"model_hash": model.hash, "readouts": list(readouts), "time": time_point,
                 "n": n, **(spec or {})}
    store = _Store(out, full_spec, resume=resume)
    previous = store.previous_chunk_size
    if previous is not None and previous != chunk_size:
        if not auto:
            raise MtorSimError(f"{str(out)!r} holds parts of {previous} points; resume with "
                               f"chunk_size={previous} (or leave it unset), or use a new folder")
        chunk_size = previous  # resume on another backend or machine: keep the parts' cut
    store.start(chunk_size)
    todo = [c for c in _chunks(n, chunk_size) if not store.done(c[0])]
    skipped = n - sum(hi - lo for _, lo, hi in todo)
    bar = progress_bar(total=n, initial=skipped, desc=desc, unit="pt", enabled=bool(progress))
    t0 = time.perf_counter()
    try:
        if backend == "serial" or not todo:
            for k, lo, hi in todo:
                store.write(k, _chunk_frame(model, make(lo, hi), readouts, time_point))
                bar.update(hi - lo)
        elif backend == "processes":
            _run_pool(model, make, todo, readouts, time_point, store, bar, workers)
        else:
            _run_dask(model, make, todo, readouts, time_point, store, bar, workers, scheduler)
    finally:
        bar.close()
    stats = {"backend": backend, "n_workers": 1 if backend == "serial" else workers,
             "chunk_size": chunk_size, "resumed_points": skipped,
             "seconds": time.perf_counter() - t0, "out": None if out is None else str(out),
             "fingerprint": store.fingerprint}
    return store, stats


def _can_fork(platform: str = sys.platform) -> bool:
    """Fork where the platform has it and it is safe: workers start at once and need no
    importable __main__ (scripts without a main guard, stdin, notebooks). Spawn on
    macOS, whose system libraries may start threads that a forked child cannot use
    (CPython's own default there since 3.8), and on Windows."""
    import multiprocessing

    return "fork" in multiprocessing.get_all_start_methods() and platform != "darwin"


def _run_pool(model, make, todo, readouts, time_point, store, bar, workers) -> None:
    import multiprocessing

    fork = _can_fork()
    ctx = multiprocessing.get_context("fork" if fork else "spawn")
    token = id(store)
    if fork:  # registered before the pool forks its workers, which inherit it
        from ._engine import solver_for

        solver_for(model, Perturbation())  # compiled, reference solved: once, not per worker
        _FORK_JOBS[token] = (model, make, readouts, time_point)
    try:
        with ProcessPoolExecutor(max_workers=workers, mp_context=ctx) as pool:
            _drain_pool(pool, model, make, todo, readouts, time_point, store, bar, workers,
                        token if fork else None)
    finally:
        _FORK_JOBS.pop(token, None)


def _drain_pool(pool, model, make, todo, readouts, time_point, store, bar, workers,
                token) -> None:
    pending: dict[Any, tuple[int, int, int]] = {}
    queue = iter(todo)

    def submit() -> None:
        item = next(queue, None)
        if item is not None:
            k, lo, hi = item
            if token is not None:
                fut = pool.submit(_forked_chunk, token, lo, hi, store.part_path(k))
            else:
                fut = pool.submit(_worker_chunk, model, make(lo, hi), readouts, time_point,
                                  store.part_path(k))
            pending[fut] = item

    for _ in range(2 * workers):  # bounded queue: conditions are built as they are needed
        submit()
    while pending:
        finished, _ = wait(pending, return_when=FIRST_COMPLETED)
        for fut in finished:
            k, lo, hi = pending.pop(fut)
            store.collect(k, fut.result())
            bar.update(hi - lo)
            submit()


def _run_dask(model, make, todo, readouts, time_point, store, bar, workers, scheduler) -> None:
    try:
        from dask.distributed import Client, LocalCluster, as_completed
    except ImportError:
        raise MtorSimError("backend='dask' needs dask.distributed: "
                           "pip install 'mtor_sim[dask]'") from None
    cluster = None
    if scheduler is None:
        cluster = LocalCluster(n_workers=workers, threads_per_worker=1, processes=True,
                               dashboard_address=None)
        client = Client(cluster)
    else:
        client = Client(scheduler)
    try:
        model_f = client.scatter(model, broadcast=True)
        pending: dict[Any, tuple[int, int, int]] = {}
        queue = iter(todo)
        ac = as_completed()

        def submit() -> None:
            item = next(queue, None)
            if item is not None:
                k, lo, hi = item
                fut = client.submit(_worker_chunk, model_f, make(lo, hi), readouts, time_point,
                                    store.part_path(k) if scheduler is None else None,
                                    pure=False)
                pending[fut] = item
                ac.add(fut)

        for _ in range(2 * max(workers, len(client.scheduler_info().get("workers", {})))):
            submit()
        for fut in ac:
            k, lo, hi = pending.pop(fut)
            store.collect(k, fut.result())
            bar.update(hi - lo)
            submit()
    finally:
        client.close()
        if cluster is not None:
            cluster.close()


# ---------------------------------------------------------------------------- sweep
@dataclass(frozen=True)
class _Axis:
    name: str
    kind: str            # "parameter", "input", "drug", "genotype", "knockouts", "cut"
    values: tuple[Any, ...] = ()
    bounds: tuple[float, float] | None = None
    log: bool = False


def _axis(model: Model, name: str, values: Any, *, sampled: bool, log: bool) -> _Axis:
    if name in CATEGORICAL:
        if isinstance(values, str):
            values = [values]
        items = tuple(tuple(v) if isinstance(v, list | tuple) else v for v in values)
        if not items:
            raise ValueError(f"sweep axis {name!r} has no values")
        checked = []
        for v in items:  # validate every value once, here, not per point
            pert = make_perturbation(model, **{name: _as_list(v, name=name)})
            if name == "knockouts" and v is not None:  # SBML names -> species ids
                v = pert.knockouts[0] if isinstance(v, str) else tuple(pert.knockouts)
            checked.append(v)
        return _Axis(name, name, tuple(checked))
    if name in model.drugs:
        kind = "drug"
    elif name in model.inputs:
        kind = "input"
    elif name in model.parameters.index:
        kind = "parameter"
    else:
        check_name(name, list(CATEGORICAL) + list(model.drugs) + list(model.inputs)
                   + list(model.parameters.index), kind="sweep name")
        raise AssertionError  # pragma: no cover
    if sampled:
        try:
            low, high = (check_nonnegative(v, name=f"bounds of {name!r}") for v in values)
        except (TypeError, ValueError) as exc:
            if "bounds of" in str(exc):
                raise
            raise ValueError(f"Latin-hypercube axis {name!r} needs (low, high) bounds, "
                             f"got {values!r}") from None
        if not low < high:
            raise ValueError(f"bounds of {name!r} must satisfy low < high, got {values!r}")
        if log and low <= 0:
            raise ValueError(f"bounds of {name!r} must be > 0 on a log scale, got {values!r}")
        return _Axis(name, kind, bounds=(low, high), log=log)
    if isinstance(values, str) or not isinstance(values, Iterable):
        raise ValueError(f"sweep axis {name!r} needs a list of values, got {values!r}")
    vals = tuple(check_nonnegative(v, name=f"values of {name!r}") for v in values)
    if not vals:
        raise ValueError(f"sweep axis {name!r} has no values")
    return _Axis(name, kind, vals)


def _perturbation_at(base: dict[str, Any], setting: Mapping[str, Any],
                     axes: Mapping[str, _Axis]) -> Perturbation:
    """The background perturbation with one point's values on top (names already valid)."""
    genotype = tuple(base["genotype"])
    drugs, params, inputs = dict(base["drugs"]), dict(base["parameters"]), dict(base["inputs"])
    kos, cuts = list(base["knockouts"]), list(base["cut"])
    for name, value in setting.items():
        kind = axes[name].kind
        if kind == "genotype":
            genotype = tuple(_as_list(value, name=name))
        elif kind in ("knockouts", "cut"):
            (kos if kind == "knockouts" else cuts).extend(_as_list(value, name=name))
        else:
            target = {"drug": drugs, "parameter": params, "input": inputs}[kind]
            target[name] = float(value)
    return Perturbation(genotype, tuple(sorted(drugs.items())), tuple(dict.fromkeys(kos)),
                        tuple(dict.fromkeys(cuts)), tuple(sorted(params.items())),
                        tuple(sorted(inputs.items())))


def _label(value: Any) -> Any:
    if value is None:
        return "none"
    if isinstance(value, tuple):
        return " + ".join(map(str, value)) or "none"
    return value


class Sweep:
    """Results of a sweep: one row per point, the swept values and the readouts.

    Attributes
    ----------
    table : DataFrame
        Columns ``point``, one per swept name, one per readout, ``status``, ``max_rate``
        (max |dx/dt| at the steady state, per min) and ``message`` (empty when ok).
        A sweep streamed to a folder reads it from disk when first asked for; use
        `iter_parts` to go through a very large one part by part.
    readouts : tuple of str
    names : tuple of str
        Swept names, in the order given.
    path : Path or None
        Folder of Parquet parts, when the sweep was streamed.
    settings : dict
        Everything that made the sweep: model hash, package version, method, seed,
        bounds, background perturbation, solver, backend and timing.
    """

    def __init__(self, store: _Store, readouts: tuple[str, ...], names: tuple[str, ...],
                 settings: dict[str, Any]) -> None:
        self._store = store
        self._table: pd.DataFrame | None = None
        self.readouts = readouts
        self.names = names
        self.settings = settings
        self.path = store.path

    @property
    def table(self) -> pd.DataFrame:
        if self._table is None:
            self._table = self._store.read()
        return self._table

    @property
    def n_failed(self) -> int:
        return int((self.table["status"] != "ok").sum()) if len(self.table) else 0

    def to_dataframe(self, *, long: bool = False) -> pd.DataFrame:
        """The results; ``long=True`` gives one row per (point, readout)."""
        if not long:
            return self.table.copy()
        ids = [c for c in self.table.columns if c not in self.readouts]
        return self.table.melt(id_vars=ids, value_vars=list(self.readouts), var_name="readout",
                               value_name="value")

    def plot(self, readout: str | None = None, *, x: str | None = None) -> Figure:
        """Readout against a swept name (default: the first numeric one): a line per
        combination of the other grid values, or a scatter coloured by category or by
        another swept name (Latin hypercubes, large grids)."""
        from ._plot import plot_sweep

        return plot_sweep(self, readout or self.readouts[0], x=x)

    def __repr__(self) -> str:
        return (f"<Sweep {self.settings.get('method')}: {len(self.table)} points over "
                f"{', '.join(self.names)}; {self.n_failed} not ok>")


def sweep(model: Model, space: Mapping[str, Any], readouts: Sequence[str] | None = None, *,
          method: str = "grid", n: int | None = None, seed: int | None = None,
          log: bool | Sequence[str] = False, time: float | None = None,
          backend: str = "serial", n_workers: int | None = None, scheduler: str | None = None,
          chunk_size: int | None = None, out: str | Path | None = None, resume: bool = True,
          progress: bool = True, **perturbation: Any) -> Sweep:
    """Steady states (or time points) over a grid or a Latin hypercube of conditions.

    Parameters
    ----------
    model : Model
    space : dict
        Name -> values. Names may be parameters (``"PTEN_total"``), inputs (``"GF"``),
        drugs (dose in nM, ``"everolimus"``), or ``"genotype"``, ``"knockouts"``,
        ``"cut"`` (lists of names; ``None`` for none). With ``method="lhs"`` each numeric
        name takes ``(low, high)`` bounds; categorical names are crossed with the sample.
        As everywhere, a parameter set explicitly replaces the value a genotype preset
        would give it (sweeping ``PTEN_total`` under ``PTEN_loss`` sets PTEN_total, and
        a warning says so).
    readouts : list of str, optional
        Readouts (or species) to record; default all readouts.
    method : {"grid", "lhs"}
        Full factorial grid, or a seeded Latin-hypercube sample of ``n`` points.
    n : int
        Number of Latin-hypercube points (per categorical combination).
    seed : int, optional
        Seed of the Latin hypercube; recorded in ``settings``. Default 0.
    log : bool or list of str
        Sample these names (all if True) uniformly in log space (``method="lhs"``).
    time : float, min, optional
        Record readouts ``time`` minutes after the drugs are added, not at steady state.
    backend : {"serial", "processes", "dask"}
        Where points run: this process, a pool of local processes, or a Dask cluster
        (``scheduler`` address; a `LocalCluster` of ``n_workers`` when omitted).
    n_workers : int, optional
        Worker processes (default: every core).
    chunk_size : int, optional
        Points per task and per Parquet part.
    out : path, optional
        Folder to stream results into (one Parquet part per chunk and a manifest).
        Required for large sweeps: memory then stays flat. Run again with the same
        arguments and a killed sweep resumes where it stopped.
    resume : bool
        Keep the parts of an identical earlier run (default) or recompute them.
    progress : bool
        Show a progress bar.
    **perturbation
        Background perturbation for every point (genotype, drugs, knockouts, cut,
        parameters, inputs); swept names override it.

    Returns
    -------
    Sweep

    Examples
    --------
    >>> import mtor_sim as ms
    >>> sw = ms.sweep(ms.load_model(), {"PTEN_total": [0.25, 1.0], "GF": [0.2, 1.0]},
    ...               readouts=["pAKT_S473"], progress=False)
    >>> len(sw.table)
    4
    """
    if not isinstance(space, Mapping) or not space:
        raise ValueError(f"`space` must be a non-empty mapping of name -> values, got {space!r}")
    check_name(method, ("grid", "lhs"), kind="sweep method")
    reads = _readouts(model, readouts)
    if time is not None:
        time = check_nonnegative(time, name="time", allow_zero=False)
    lognames = set(space) if log is True else set(log or ())
    for name in lognames:
        if name not in space:
            check_name(name, space, kind="swept name in `log`")
    axes = {name: _axis(model, name, values,
                        sampled=method == "lhs" and name not in CATEGORICAL,
                        log=name in lognames)
            for name, values in space.items()}
    base = make_perturbation(model, **perturbation).as_dict()
    _warn_overridden_presets(axes, base)
    cat = [a for a in axes.values() if a.values]
    cont = [a for a in axes.values() if a.bounds is not None]
    sample = None
    if method == "lhs":
        if n is None or isinstance(n, bool) or not isinstance(n, int) or n < 1:
            raise ValueError(f"`n` (Latin-hypercube points) must be a positive integer, got {n!r}")
        seed = 0 if seed is None else seed
        if cont:
            from scipy.stats import qmc

            unit = qmc.LatinHypercube(d=len(cont), seed=seed).random(n)
            sample = np.empty_like(unit)
            for j, a in enumerate(cont):
                lo, hi = a.bounds
                sample[:, j] = (np.exp(np.log(lo) + unit[:, j] * (np.log(hi) - np.log(lo)))
                                if a.log else lo + unit[:, j] * (hi - lo))
        else:
            n = 1
    elif n is not None:
        raise ValueError("`n` applies to method='lhs' only; a grid takes every combination")
    shape = tuple(len(a.values) for a in cat)
    n_cat = int(np.prod(shape)) if shape else 1
    n_lhs = sample.shape[0] if sample is not None else (n if method == "lhs" else 1)
    total = n_cat * n_lhs

    # Nothing is held per point, so memory stays flat however large the sweep: a grid
    # point's values are decoded from its index (C order, the last axis fastest), and a
    # chunk's rows of the sample become Python floats once per chunk.
    cont_names = [a.name for a in cont]

    def combination(k: int) -> dict[str, Any]:
        idx = []
        for size in reversed(shape):
            k, t = divmod(k, size)
            idx.append(t)
        return {a.name: a.values[t] for a, t in zip(cat, reversed(idx), strict=True)}

    def make(lo: int, hi: int) -> list[Condition]:
        out_: list[Condition] = []
        first = lo // n_cat
        rows = sample[first:(hi - 1) // n_cat + 1].tolist() if sample is not None else None
        for i in range(lo, hi):
            j, k = divmod(i, n_cat)  # LHS row j, categorical combination k
            setting = combination(k)
            if rows is not None:
                setting.update(zip(cont_names, rows[j - first], strict=True))
            labels = tuple((nm, _label(setting[nm])) for nm in axes)
            out_.append(Condition(i, labels, _perturbation_at(base, setting, axes)))
        return out_

    spec = {"method": method, "space": {k: (list(v.values) if v.values else list(v.bounds))
                                        for k, v in axes.items()},
            "log": sorted(lognames), "n": n, "seed": seed, "background": base}
    store, stats = run_conditions(model, make, total, reads, time_point=time, backend=backend,
                                  n_workers=n_workers, scheduler=scheduler,
                                  chunk_size=chunk_size, out=out, resume=resume, spec=spec,
                                  progress=progress, desc="sweep")
    from ._engine import steady_provenance

    settings = {**spec, "kinds": {k: a.kind for k, a in axes.items()},
                "readouts": list(reads), "time": time, **steady_provenance(model), **stats}
    return Sweep(store, tuple(reads), tuple(axes), settings)


def _warn_overridden_presets(axes: Mapping[str, _Axis], base: Mapping[str, Any]) -> None:
    """Warn when a swept parameter is one that a genotype preset of the sweep sets or
    scales: the swept value replaces the preset's, so the preset does nothing to it."""
    from ._catalogue import GENOTYPES

    if "genotype" in axes:  # the axis replaces the background genotype
        genos = {g for v in axes["genotype"].values for g in _as_list(v, name="genotype")}
    else:
        genos = set(base["genotype"])
    swept = {a.name for a in axes.values() if a.kind == "parameter"}
    clashes = sorted(f"{p} ({g})" for g in genos for p, _ in
                     GENOTYPES[g].scale + GENOTYPES[g].set if p in swept)
    if clashes:
        import warnings

        warnings.warn(f"swept parameters replace the values genotype presets give them: "
                      f"{', '.join(clashes)}; on these the presets have no effect (sweep "
                      "another parameter, or leave the genotype out)", UserWarning, stacklevel=3)


def _readouts(model: Model, readouts: Sequence[str] | str | None) -> tuple[str, ...]:
    if readouts is None:
        return tuple(model.readouts)
    if isinstance(readouts, str):
        readouts = [readouts]
    valid = list(model.readouts) + [s for s in model.species if s not in model.readouts]
    reads = tuple(check_name(r, valid, kind="readout") for r in readouts)
    if not reads:
        raise ValueError("`readouts` is empty")
    return reads


def conditions_from(perts: Sequence[tuple[tuple[tuple[str, Any], ...], Perturbation]]
                    ) -> Callable[[int, int], list[Condition]]:
    """A chunk builder over a ready list of (labels, perturbation) pairs."""
    def make(lo: int, hi: int) -> list[Condition]:
        return [Condition(i, *perts[i]) for i in range(lo, hi)]

    return make


def iter_parts(folder: str | Path) -> Iterator[pd.DataFrame]:
    """Read a streamed sweep's Parquet parts one at a time (for sweeps too large for memory)."""
    for part in sorted(Path(folder).glob("part-*.parquet")):
        yield pd.read_parquet(part)
