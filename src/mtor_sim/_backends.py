"""Where batch conditions run: in this process, a pool of local processes, or Dask.

Every batch verb (`sweep`, `knockout_screen`, `sensitivity`, `trial`) turns its work into
conditions built chunk by chunk and hands them to `run_conditions`, which evaluates the
chunks on one of three backends and streams each finished chunk to the store
(`mtor_sim._store`): a folder of verified Parquet parts, or memory.

Pool workers die with the process that started them: on Linux the kernel kills them when
their parent dies (``PR_SET_PDEATHSIG``); elsewhere a thread in each worker watches its
parent; and every worker checks its parent before each chunk. A killed sweep therefore
leaves no worker computing or writing behind it.
"""

from __future__ import annotations

import math
import os
import pickle
import signal
import sys
import threading
import time
from collections.abc import Callable, Mapping, Sequence
from concurrent.futures import FIRST_COMPLETED, ProcessPoolExecutor, wait
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pandas as pd

from ._engine import ATOL, PRESIM_T, RTOL, STEADY_TOL
from ._errors import MtorSimError
from ._options import BACKENDS, RunOptions
from ._perturb import Perturbation
from ._progress import progress_bar
from ._store import Store, chunks, write_part

if TYPE_CHECKING:  # pragma: no cover
    from ._model import Model

__all__ = ["BACKENDS", "Condition", "conditions_from", "run_conditions"]


# ------------------------------------------------------------------------ conditions
@dataclass(frozen=True)
class Condition:
    """One point of a batch: its id, the columns that describe it, and its perturbation."""

    point: int
    labels: tuple[tuple[str, Any], ...]
    perturbation: Perturbation


def evaluate(
    model: Model, pert: Perturbation, readouts: Sequence[str], time_point: float | None
) -> tuple[list[float], str, str, float]:
    """Readouts of one condition, with its status, message and residual (NaN if a time course)."""
    from ._engine import solver_for, time_course_of

    if time_point is None:
        solver, values = solver_for(model, pert)
        res = solver.solve(values, tol=STEADY_TOL, presimulate=PRESIM_T)
        species = res.species if res.status != "not_reached" else res.species * math.nan
        out = [
            res.readouts[k] if kind == "r" else (species[k] if k >= 0 else 0.0)
            for kind, k in solver.lookup(readouts)
        ]
        return out, res.status, ("" if res.status == "ok" else res.message), res.max_rate
    tc = time_course_of(model, pert, t_end=time_point, n_points=2, species=True)
    final = [float(tc.data[k].iloc[-1]) if k in tc.data else 0.0 for k in readouts]
    return final, tc.status, ("" if tc.success else tc.message), math.nan


#: Columns of every batch table besides a condition's labels and the readouts.
OWN_COLUMNS = ("point", "status", "max_rate", "message")


def _check_columns(labels: Sequence[str], readouts: Sequence[str]) -> None:
    """Refuse a readout or label that would land in a column another name already has
    (a species called ``status``, say): a row holds one value per column, so one of the
    two would be lost, or, for ``point``, the row numbered with a readout's value."""
    names = [*OWN_COLUMNS, *labels, *readouts]
    twice = sorted({x for x in names if names.count(x) > 1}, key=names.index)
    if twice:
        raise ValueError(
            f"{', '.join(map(repr, twice))} would be two columns of the results table "
            f"at once (its own columns are {', '.join(OWN_COLUMNS)}, then those that "
            "describe each point, then one per readout); the readout or name would "
            "overwrite the other: rename it in the model, or leave it out of `readouts`"
        )


def _chunk_frame(
    model: Model, conditions: Sequence[Condition], readouts: Sequence[str], time_point: float | None
) -> pd.DataFrame:
    solved = _batch_steady_states(model, conditions, readouts) if time_point is None else {}
    rows = []
    for c in conditions:
        try:
            if c.point in solved:
                values, status, message, rate = solved[c.point]
            else:
                values, status, message, rate = evaluate(
                    model, c.perturbation, readouts, time_point
                )
        except MtorSimError as exc:  # a bad point is a row with its status; the rest go on
            values, status, message, rate = [math.nan] * len(readouts), "error", str(exc), math.nan
        row = {"point": c.point, **dict(c.labels)}
        row.update(zip(readouts, values, strict=True))
        row.update(status=status, max_rate=rate, message=message)
        rows.append(row)
    return pd.DataFrame(rows)


def _batch_steady_states(
    model: Model, conditions: Sequence[Condition], readouts: Sequence[str]
) -> dict[int, tuple[list[float], str, str, float]]:
    """Steady states of a chunk's conditions solved together (`mtor_sim._batch`), by
    point; points the batch engine does not verify are left out (the caller solves them
    one by one on the guarded path), and so are clamp sets with fewer than
    `~mtor_sim._batch.MIN_POINTS` points, which cost less one by one."""
    from ._batch import MIN_POINTS, batch_engine, enabled
    from ._perturb import resolve

    if not enabled() or len(conditions) < MIN_POINTS:
        return {}
    groups: dict[frozenset[str], list[tuple[Condition, dict[str, float]]]] = {}
    for c in conditions:
        try:
            values, clamped = resolve(model, c.perturbation)
        except MtorSimError:
            continue  # reported by the one-by-one path
        groups.setdefault(clamped, []).append((c, values))
    out: dict[int, tuple[list[float], str, str, float]] = {}
    for clamped, items in groups.items():
        if len(items) < MIN_POINTS:  # cheaper one by one
            continue
        engine = batch_engine(model, clamped)
        if engine is None:
            continue
        params = engine.parameter_matrix([values for _, values in items])
        if params is None:
            continue
        where = engine.solver.lookup(readouts)
        for (c, _), res in zip(items, engine.solve(params, tol=STEADY_TOL), strict=True):
            if res is not None:
                found = [
                    float(res.readouts[k]) if kind == "r" else (res.species[k] if k >= 0 else 0.0)
                    for kind, k in where
                ]
                out[c.point] = (found, res.status, "", res.max_rate)
    return out


#: Per-thread copies of the models a worker received (`_worker_model`), so that a worker
#: compiles a model once rather than once per chunk, and no two threads share one.
_WORKER_MODELS = threading.local()

#: In a pool worker, the id of the process that started it (None elsewhere).
_PARENT: int | None = None


def _die_with_parent(parent: int) -> None:
    """Pool-worker initialiser: end this worker when ``parent`` dies.

    On Linux the kernel sends SIGKILL when the parent dies (``prctl(PR_SET_PDEATHSIG)``;
    strictly, when the parent's thread that started the worker ends: that is the thread
    running the sweep, which outlives the pool); elsewhere, or if that call fails, a
    daemon thread polls the parent id once a second. Either way a worker whose parent is
    gone also stops before each chunk and before writing a part (`_check_parent`).
    """
    global _PARENT
    _PARENT = parent
    armed = False
    if sys.platform.startswith("linux"):
        try:
            import ctypes

            libc = ctypes.CDLL(None, use_errno=True)
            armed = libc.prctl(1, int(signal.SIGKILL), 0, 0, 0) == 0  # 1: PR_SET_PDEATHSIG
        except (OSError, AttributeError):
            armed = False
    if not armed:

        def watch() -> None:
            while os.getppid() == parent:
                time.sleep(1.0)
            os._exit(1)

        threading.Thread(target=watch, name="mtor_sim-parent-watch", daemon=True).start()
    _check_parent()  # the parent may have died before the signal was armed


def _check_parent() -> None:
    """In a pool worker whose parent has died: exit at once, computing and writing nothing."""
    if _PARENT is not None and os.getppid() != _PARENT:
        os._exit(1)


def _worker_chunk(
    model: Model,
    conditions: Sequence[Condition],
    readouts: Sequence[str],
    time_point: float | None,
    part: str | None = None,
) -> pd.DataFrame | tuple[int, int, str]:
    """Evaluate a chunk in a worker; with ``part``, write it there and return its size and
    checksum (the parent then has nothing to unpickle or write, and keeps its core for
    workers)."""
    _check_parent()
    return _deliver(_chunk_frame(_worker_model(model), conditions, readouts, time_point), part)


def _worker_model(model: Model) -> Model:
    """This thread's own copy of ``model``, kept for the next chunks of the same model.

    A Dask worker runs one deserialised object for all its threads (``dask worker`` runs
    one per core by default) and a model's compiled solver is not thread-safe: threads
    sharing it gave wrong numbers with status ok, or crashed the process. The copy is
    keyed on the model's `hash` (its SBML, drug targets and edits), `digest` (its
    catalogue besides: with the hash alone a long-lived worker ran an edited genotype
    preset with the model it had kept) and `solve_budget` (which neither holds: a copy
    given more time was run within the kept one's budget). Only the last model is kept."""
    key = (model.hash, model.digest, model.solve_budget)
    kept = getattr(_WORKER_MODELS, "model", None)
    if kept is None or kept[0] != key:
        kept = (key, pickle.loads(pickle.dumps(model)))
        _WORKER_MODELS.model = kept
    return kept[1]


#: Jobs of the running process pools, by token. Forked workers inherit this table with
#: the model (compiled, its reference state solved) and the chunk builder, so a task is
#: four numbers: the parent neither builds nor pickles conditions and keeps its core free.
_FORK_JOBS: dict[
    int, tuple[Model, Callable[[int, int], list[Condition]], Sequence[str], float | None]
] = {}


def _forked_chunk(
    token: int, lo: int, hi: int, part: str | None
) -> pd.DataFrame | tuple[int, int, str]:
    """Build and evaluate points ``lo:hi`` of an inherited job in a forked worker."""
    _check_parent()
    model, make, readouts, time_point = _FORK_JOBS[token]
    return _deliver(_chunk_frame(model, make(lo, hi), readouts, time_point), part)


def _deliver(frame: pd.DataFrame, part: str | None) -> pd.DataFrame | tuple[int, int, str]:
    if part is None:
        return frame
    _check_parent()  # a chunk may be long: an orphan does not write its part
    return write_part(frame, Path(part))


def conditions_from(
    perts: Sequence[tuple[tuple[tuple[str, Any], ...], Perturbation]],
) -> Callable[[int, int], list[Condition]]:
    """A chunk builder over a ready list of (labels, perturbation) pairs."""

    def make(lo: int, hi: int) -> list[Condition]:
        return [Condition(i, *perts[i]) for i in range(lo, hi)]

    return make


# -------------------------------------------------------------------------- running
def _version() -> str:
    from . import __version__

    return __version__


#: Most chunks one run is cut into (a sweep, a screen, an ensemble's conditions): the
#: store and the backends list them before any work (~300 MB at this size); with the
#: default chunks, 10^9 points on one core, 4 x 10^9 on several.
MAX_PARTS = 2_000_000


def run_conditions(
    model: Model,
    make: Callable[[int, int], list[Condition]],
    n: int,
    readouts: Sequence[str],
    *,
    time_point: float | None = None,
    options: RunOptions | None = None,
    spec: Mapping[str, Any] | None = None,
    desc: str = "conditions",
) -> tuple[Store, dict[str, Any]]:
    """Evaluate ``n`` conditions, built chunk by chunk by ``make(lo, hi)``, as
    ``options`` say (backend, workers, chunking, store folder, progress bar).

    Returns the store of results (``.read()``: one row per condition, ordered by
    ``point``) and run statistics.
    """
    if n:  # every condition has the labels of the first
        _check_columns([name for name, _ in make(0, 1)[0].labels], readouts)
    opts = options or RunOptions()
    backend, out, workers = opts.backend, opts.out, opts.workers
    chunk_size = opts.chunk_size
    auto = chunk_size is None
    if chunk_size is None:  # chunks of ~0.1-1 s amortise per-task costs; 16 per worker
        # keep the cores busy to the end (the last chunk runs alone); serial parts of
        # 500 points lose little work when a run is killed
        chunk_size = (
            max(1, min(2000, math.ceil(n / (16 * workers))))
            if backend != "serial"
            else max(1, min(500, n))
        )
    parts = -(-n // chunk_size)
    if parts > MAX_PARTS:  # the list of its chunks alone would fill the memory
        raise ValueError(
            f"{n:,} points in chunks of {chunk_size:,} are {parts:,} parts, over the limit "
            f"of {MAX_PARTS:,}: give a larger chunk_size, or split the run (slices of a "
            "grid, Latin hypercubes of other seeds, fewer ensemble members per run)"
        )
    full_spec = {
        "model_hash": model.hash,
        # and what else of the model shapes a steady state: its catalogue's solver hints
        # (a warm start picks the branch of a bistable switch), presets, defaults
        "model_digest": model.digest,
        # the model hash covers its equations, not the presets of its catalogue
        "genotypes": {name: [g.scale, g.set] for name, g in model.catalogue.genotypes.items()},
        "readouts": list(readouts),
        "time": time_point,
        "n": n,
        # parts made by another release, at other tolerances or within another budget
        # of time (whose "timed_out" rows another would have solved) are not mixed in
        "engine": {
            "version": _version(),
            "tol": STEADY_TOL,
            "rtol": RTOL,
            "atol": ATOL,
            "solve_budget": model.solve_budget,
        },
        **(spec or {}),
    }
    store = Store(out, full_spec, resume=opts.resume)
    try:  # the folder stays locked against other runs until this one ends
        previous = store.previous_chunk_size
        if previous is not None and previous != chunk_size:
            if not auto:
                raise MtorSimError(
                    f"{str(out)!r} holds parts of {previous} points; resume with "
                    f"chunk_size={previous} (or leave it unset), or use a new folder"
                )
            chunk_size = previous  # resume on another backend or machine: keep the parts' cut
        store.start(n, chunk_size)
        todo = [c for c in chunks(n, chunk_size) if not store.done(c[0])]
        skipped = n - sum(hi - lo for _, lo, hi in todo)
        bar = progress_bar(
            total=n, initial=skipped, desc=desc, unit="pt", enabled=opts.progress is not False
        )
        t0 = time.perf_counter()
        try:
            if backend == "serial" or not todo:
                for k, lo, hi in todo:
                    store.write(k, lo, hi, _chunk_frame(model, make(lo, hi), readouts, time_point))
                    bar.update(hi - lo)
            elif backend == "processes":
                _run_pool(model, make, todo, readouts, time_point, store, bar, workers)
            else:
                _run_dask(
                    model, make, todo, readouts, time_point, store, bar, workers, opts.scheduler
                )
        finally:
            bar.close()
    finally:
        store.close()
    stats = {
        "backend": backend,
        "n_workers": workers,
        "chunk_size": chunk_size,
        "resumed_points": skipped,
        "seconds": time.perf_counter() - t0,
        "out": None if out is None else str(out),
        "recomputed_parts": store.recomputed,
        "fingerprint": store.fingerprint,
    }
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
        if time_point is None:  # the batch engine too (its code loaded, its bases chosen)
            from ._batch import batch_engine, enabled

            if enabled():
                batch_engine(model, frozenset())
        _FORK_JOBS[token] = (model, make, readouts, time_point)
    try:
        with ProcessPoolExecutor(
            max_workers=workers,
            mp_context=ctx,
            initializer=_die_with_parent,
            initargs=(os.getpid(),),
        ) as pool:
            _drain_pool(
                pool,
                model,
                make,
                todo,
                readouts,
                time_point,
                store,
                bar,
                workers,
                token if fork else None,
            )
    finally:
        _FORK_JOBS.pop(token, None)


def _drain_pool(pool, model, make, todo, readouts, time_point, store, bar, workers, token) -> None:
    pending: dict[Any, tuple[int, int, int]] = {}
    queue = iter(todo)

    def submit() -> None:
        item = next(queue, None)
        if item is not None:
            k, lo, hi = item
            if token is not None:
                fut = pool.submit(_forked_chunk, token, lo, hi, store.part_path(k))
            else:
                fut = pool.submit(
                    _worker_chunk, model, make(lo, hi), readouts, time_point, store.part_path(k)
                )
            pending[fut] = item

    for _ in range(2 * workers):  # bounded queue: conditions are built as they are needed
        submit()
    while pending:
        finished, _ = wait(pending, return_when=FIRST_COMPLETED)
        for fut in finished:
            k, lo, hi = pending.pop(fut)
            store.collect(k, lo, hi, fut.result())
            bar.update(hi - lo)
            submit()


def _run_dask(model, make, todo, readouts, time_point, store, bar, workers, scheduler) -> None:
    try:
        from dask.distributed import Client, LocalCluster, as_completed
    except ImportError:
        raise MtorSimError(
            "backend='dask' needs dask.distributed: pip install 'mtor_sim[dask]'"
        ) from None
    cluster = None
    if scheduler is None:
        cluster = LocalCluster(
            n_workers=workers, threads_per_worker=1, processes=True, dashboard_address=None
        )
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
                fut = client.submit(
                    _worker_chunk,
                    model_f,
                    make(lo, hi),
                    readouts,
                    time_point,
                    store.part_path(k) if scheduler is None else None,
                    pure=False,
                )
                pending[fut] = item
                ac.add(fut)

        for _ in range(2 * max(workers, len(client.scheduler_info().get("workers", {})))):
            submit()
        for fut in ac:
            k, lo, hi = pending.pop(fut)
            store.collect(k, lo, hi, fut.result())
            bar.update(hi - lo)
            submit()
    finally:
        client.close()
        if cluster is not None:
            cluster.close()
