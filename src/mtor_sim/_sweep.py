"""Parameter sweeps: grids and Latin hypercubes of conditions, and their results.

A sweep decodes each point's values from its index (a grid) or draws them from a seeded
Latin hypercube that is evaluated chunk by chunk (`lhs_unit`), so nothing is held per
point and memory stays flat however many points there are. The points run on the
backends of `mtor_sim._backends`, streamed to the verified store of `mtor_sim._store`.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal, overload

import numpy as np
import pandas as pd

from ._backends import Condition, run_conditions
from ._ensemble import QUANTILES, member_digest, member_parameters, members_to_run
from ._errors import check_count, check_name, check_names, check_nonnegative, one_name, one_of
from ._options import RunOptions, resolve_run
from ._perturb import Perturbation, _as_list, check_volume_parameters, make_perturbation
from ._protocol import BatchResult
from ._store import Store

if TYPE_CHECKING:  # pragma: no cover
    from matplotlib.figure import Figure

    from ._catalogue import Genotype
    from ._model import Model

__all__ = ["CATEGORICAL", "Sweep", "lhs_unit", "run_conditions", "sweep"]

#: Sweep-space keys that are not parameter, input or drug names.
CATEGORICAL = ("genotype", "knockouts", "cut")


# ------------------------------------------------------------- Latin-hypercube sample
#: Names the algorithm of `lhs_unit`; part of a Latin-hypercube sweep's fingerprint.
LHS_SAMPLER = "feistel-splitmix64/1"
_GOLDEN = np.uint64(0x9E3779B97F4A7C15)
_FEISTEL_ROUNDS = 6


def _mix(x: np.ndarray) -> np.ndarray:
    """SplitMix64's output function (Steele, Lea & Flood 2014, "Fast splittable
    pseudorandom number generators", OOPSLA): a bijective mix of 64-bit words."""
    x = x + _GOLDEN
    x = (x ^ (x >> np.uint64(30))) * np.uint64(0xBF58476D1CE4E5B9)
    x = (x ^ (x >> np.uint64(27))) * np.uint64(0x94D049BB133111EB)
    return x ^ (x >> np.uint64(31))


def _permute(i: np.ndarray, n: int, keys: np.ndarray) -> np.ndarray:
    """Row ``i`` of a keyed pseudo-random permutation of ``0..n-1``, for any ``i`` alone.

    A balanced Feistel network on the smallest even number of bits that holds ``n - 1``
    is a bijection of ``[0, 4^h)``; cycle walking (encrypting again while the result is
    ``>= n``) restricts it to a bijection of ``[0, n)`` (Black & Rogaway 2002, "Ciphers
    with arbitrary finite domains"). Each step at most quadruples the domain, so a walk
    takes fewer than four steps on average.
    """
    half = np.uint64(max(1, ((n - 1).bit_length() + 1) // 2))
    mask = (np.uint64(1) << half) - np.uint64(1)

    def encrypt(x: np.ndarray) -> np.ndarray:
        left, right = x >> half, x & mask
        for key in keys:
            left, right = right, left ^ (_mix(right ^ key) & mask)
        return (left << half) | right

    y = encrypt(i)
    outside = np.flatnonzero(y >= np.uint64(n))
    while outside.size:
        y[outside] = encrypt(y[outside])
        outside = outside[y[outside] >= np.uint64(n)]
    return y


def lhs_unit(seed: int, d: int, n: int, lo: int, hi: int) -> np.ndarray:
    """Rows ``lo:hi`` of a seeded Latin-hypercube sample of ``n`` points in ``[0, 1)^d``.

    Point ``i`` has coordinate ``(pi_j(i) + u_ij) / n`` in dimension ``j``, where
    ``pi_j`` is a pseudo-random permutation of ``0..n-1`` and ``u_ij`` a uniform jitter
    in ``[0, 1)``, as in McKay, Beckman & Conover (1979): each of the ``n`` equal strata
    of every dimension holds exactly one point. Both are computed from ``(seed, j, i)``
    alone (a keyed Feistel permutation and a counter-based SplitMix64 hash), so any
    chunk of rows is computed on its own, in memory proportional to the chunk, and the
    sample is the same however it is cut.

    Examples
    --------
    >>> import numpy as np
    >>> whole = lhs_unit(0, 2, 10, 0, 10)
    >>> bool(np.array_equal(whole[3:7], lhs_unit(0, 2, 10, 3, 7)))
    True
    >>> sorted(np.floor(whole[:, 0] * 10).astype(int).tolist()) == list(range(10))
    True
    """
    if not 0 <= lo <= hi <= n:
        raise ValueError(f"rows {lo}:{hi} are outside a sample of {n} points")
    i = np.arange(lo, hi, dtype=np.uint64)
    out = np.empty((hi - lo, d))
    for j in range(d):
        # 6 Feistel round keys and one jitter key per dimension, from the seed
        keys = np.random.SeedSequence(seed, spawn_key=(j,)).generate_state(
            _FEISTEL_ROUNDS + 1, dtype=np.uint64
        )
        stratum = _permute(i, n, keys[:_FEISTEL_ROUNDS])
        jitter = (_mix(_mix(i) ^ keys[-1]) >> np.uint64(11)) * 2.0**-53  # 53 bits in [0, 1)
        out[:, j] = (stratum + jitter) / n
    return np.minimum(out, np.nextafter(1.0, 0.0))  # (n-1 + u)/n may round up to 1


# ---------------------------------------------------------------------------- sweep
@dataclass(frozen=True)
class _Axis:
    name: str
    kind: str  # "parameter", "input", "drug", "genotype", "knockouts", "cut"
    values: tuple[Any, ...] = ()
    bounds: tuple[float, float] | None = None
    log: bool = False


def _seed(seed: object) -> int:
    """The Latin hypercube's seed: a non-negative integer (default 0)."""
    return 0 if seed is None else check_count(seed, name="seed", minimum=0)


def _axis(model: Model, name: str, values: Any, *, sampled: bool, log: bool) -> _Axis:
    if name in CATEGORICAL:
        if isinstance(values, str):
            values = [values]
        items = tuple(tuple(v) if isinstance(v, list | tuple) else v for v in values)
        if not items:
            raise ValueError(f"sweep axis {name!r} has no values")
        checked: list[Any] = []
        seen: dict[tuple[str, ...], Any] = {}
        for v in items:  # validate every value once, here, not per point
            axis_value: dict[str, Any] = {name: _as_list(v, name=name)}
            pert = make_perturbation(model, **axis_value)
            if name == "knockouts" and v is not None:  # SBML names -> species ids
                v = pert.knockouts[0] if isinstance(v, str) else tuple(pert.knockouts)
            key = tuple(sorted(set(getattr(pert, name)) - {"WT"}))  # what the point runs
            if key in seen:
                raise ValueError(
                    f"sweep axis {name!r} (in `space`) gives {seen[key]!r} and {v!r}, the "
                    "same condition: each value once"
                )
            seen[key] = v
            checked.append(v)
        return _Axis(name, name, tuple(checked))
    if name in model.drugs:
        kind = "drug"
    elif name in model.inputs:
        kind = "input"
    elif name in model.parameters.index:
        kind = "parameter"
        check_volume_parameters(model, [name])
    else:
        check_name(
            name,
            list(CATEGORICAL)
            + list(model.drugs)
            + list(model.inputs)
            + list(model.parameters.index),
            kind="sweep name",
        )
        raise AssertionError  # pragma: no cover
    if sampled:
        try:
            low, high = (check_nonnegative(v, name=f"space[{name!r}] bounds") for v in values)
        except (TypeError, ValueError) as exc:
            if "bounds" in str(exc):
                raise
            raise ValueError(
                f"Latin-hypercube axis {name!r} needs (low, high) bounds, got {values!r}"
            ) from None
        if not low < high:
            raise ValueError(f"bounds of {name!r} must satisfy low < high, got {values!r}")
        if log and low <= 0:
            raise ValueError(f"bounds of {name!r} must be > 0 on a log scale, got {values!r}")
        return _Axis(name, kind, bounds=(low, high), log=log)
    if isinstance(values, str) or not isinstance(values, Iterable):
        raise ValueError(f"sweep axis {name!r} needs a list of values, got {values!r}")
    vals = tuple(check_nonnegative(v, name=f"space[{name!r}] value") for v in values)
    if not vals:
        raise ValueError(f"sweep axis {name!r} has no values")
    if len(set(vals)) < len(vals):
        twice = sorted({v for v in vals if vals.count(v) > 1})
        raise ValueError(
            f"sweep axis {name!r} (in `space`) repeats "
            f"{', '.join(map(repr, twice))}: each value once"
        )
    return _Axis(name, kind, vals)


def _perturbation_at(
    base: dict[str, Any], setting: Mapping[str, Any], axes: Mapping[str, _Axis]
) -> Perturbation:
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
    return Perturbation(
        genotype,
        tuple(sorted(drugs.items())),
        tuple(dict.fromkeys(kos)),
        tuple(dict.fromkeys(cuts)),
        tuple(sorted(params.items())),
        tuple(sorted(inputs.items())),
    )


def _label(value: Any) -> Any:
    if value is None:
        return "none"
    if isinstance(value, tuple):
        return " + ".join(map(str, value)) or "none"
    return value


class Sweep(BatchResult):
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

    _store: Store
    _table: pd.DataFrame | None
    readouts: tuple[str, ...]
    names: tuple[str, ...]
    settings: dict[str, Any]
    path: Path | None

    def __init__(
        self,
        store: Store,
        readouts: tuple[str, ...],
        names: tuple[str, ...],
        settings: dict[str, Any],
    ) -> None:
        init = object.__setattr__
        init(self, "_store", store)
        init(self, "_table", None)
        init(self, "readouts", readouts)
        init(self, "names", names)
        init(self, "settings", settings)
        init(self, "path", store.path)

    def __setattr__(self, name: str, value: Any) -> None:
        if name[:1] != "_":  # the lazily read table is the only thing that changes
            raise AttributeError(f"a Sweep is read-only: cannot set {name!r}")
        object.__setattr__(self, name, value)

    @property
    def table(self) -> pd.DataFrame:
        if self._table is None:
            self._table = self._store.read()
        return self._table

    def _outcomes(self) -> tuple[int, dict[str, int]]:
        return self._count(self.table["status"]) if len(self.table) else (0, {})

    def to_dataframe(self, *, long: bool = False) -> pd.DataFrame:
        """The results; ``long=True`` gives one row per (point, readout)."""
        if not long:
            return self.table.copy()
        ids = [c for c in self.table.columns if c not in self.readouts]
        return self.table.melt(
            id_vars=ids, value_vars=list(self.readouts), var_name="readout", value_name="value"
        )

    def plot(
        self,
        readout: str | Sequence[str] | None = None,
        *,
        x: str | None = None,
        readouts: str | Sequence[str] | None = None,
    ) -> Figure:
        """Readout against a swept name (default: the first numeric one): a line per
        combination of the other grid values, or a scatter coloured by category or by
        another swept name (Latin hypercubes, large grids). One readout per figure (a
        list of one is taken too; ``readouts=`` as every other result's plot names it)."""
        from ._plot import plot_sweep

        readout = one_of(readout=readout, readouts=readouts)
        one = one_name(readout, name="readout", why="a sweep's figure draws one; plot each")
        return plot_sweep(self, one or self.readouts[0], x=x)

    def __repr__(self) -> str:
        return (
            f"<Sweep {self.settings.get('method')}: {len(self.table)} points over "
            f"{', '.join(self.names)}; {self.n_failed} not ok>"
        )


@overload
def sweep(
    model: Model,
    space: Mapping[str, Any],
    readouts: Sequence[str] | None = ...,
    *,
    method: str = ...,
    n: int | None = ...,
    seed: int | None = ...,
    log: bool | Sequence[str] = ...,
    time: float | None = ...,
    run: RunOptions | Mapping[str, Any] | None = ...,
    backend: str | None = ...,
    n_workers: int | None = ...,
    scheduler: str | None = ...,
    chunk_size: int | None = ...,
    out: str | Path | None = ...,
    resume: bool | None = ...,
    progress: bool | None = ...,
    ensemble: Literal[False] | None = ...,
    n_members: int | None = ...,
    **perturbation: Any,
) -> Sweep: ...


@overload
def sweep(
    model: Model,
    space: Mapping[str, Any],
    readouts: Sequence[str] | None = ...,
    *,
    method: str = ...,
    n: int | None = ...,
    seed: int | None = ...,
    log: bool | Sequence[str] = ...,
    time: float | None = ...,
    run: RunOptions | Mapping[str, Any] | None = ...,
    backend: str | None = ...,
    n_workers: int | None = ...,
    scheduler: str | None = ...,
    chunk_size: int | None = ...,
    out: str | Path | None = ...,
    resume: bool | None = ...,
    progress: bool | None = ...,
    ensemble: Literal[True] | str | pd.DataFrame,
    n_members: int | None = ...,
    **perturbation: Any,
) -> pd.DataFrame: ...


def sweep(
    model: Model,
    space: Mapping[str, Any],
    readouts: Sequence[str] | None = None,
    *,
    method: str = "grid",
    n: int | None = None,
    seed: int | None = None,
    log: bool | Sequence[str] = False,
    time: float | None = None,
    run: RunOptions | Mapping[str, Any] | None = None,
    backend: str | None = None,
    n_workers: int | None = None,
    scheduler: str | None = None,
    chunk_size: int | None = None,
    out: str | Path | None = None,
    resume: bool | None = None,
    progress: bool | None = None,
    ensemble: Any = None,
    n_members: int | None = None,
    **perturbation: Any,
) -> Sweep | pd.DataFrame:
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
        Seed of the Latin hypercube (a non-negative integer); recorded in ``settings``.
        Default 0. The sample is computed chunk by chunk from the seed (`lhs_unit`), the
        same whatever the chunking or backend; it differs from the ``scipy.stats.qmc``
        sample that versions before the chunked sampler drew for the same seed.
    log : bool or list of str
        Sample these names (all if True) uniformly in log space (``method="lhs"``).
    time : float, optional
        Record readouts ``time`` after the drugs are added, not at steady state, in the
        model's time unit (`Model.time_unit`: minutes for the bundled model).
    run : RunOptions, optional
        Where points run (``backend``: this process, a pool of local processes, or a
        Dask cluster), in chunks of how many points, and the folder ``out`` to stream
        them into. With ``out``, memory stays flat however large the sweep (up to
        2,000,000 chunks); run again
        with the same arguments and a killed sweep resumes where it stopped (parts that
        fail their check are computed again, reading a damaged part raises `StoreError`,
        and a folder of another sweep, or with parts but no readable manifest, is
        refused with `StoreError`).
    backend, n_workers, scheduler, chunk_size, out, resume, progress
        Shorthand for the same fields of ``run``.
    ensemble : True, "all", "verified" or DataFrame, optional
        Run every point for every member of a parameter ensemble (``True``: the bundled
        calibrated ensemble; ``n_members``: the first N), all in one batch (streamed to
        ``out`` and resumable as any sweep), and return a DataFrame instead: one row per
        point and readout, the swept values, ``readout``, quantiles across members
        (``q0.05``, ``q0.5``, ``q0.95``, ``mean``), ``n_members`` and ``n_failed``
        (members without a verified steady state there; the quantiles are taken once all
        members' rows are in, read together). Each member's values replace
        the model's; swept and background ``parameters`` hold in every member, and
        genotype presets act on each member's values.
    **perturbation
        Background perturbation for every point (genotype, drugs, knockouts, cut,
        parameters, inputs); swept names override it.

    Returns
    -------
    Sweep, or a DataFrame of quantiles with ``ensemble``

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
    opts = resolve_run(
        run,
        verb="sweep",
        backend=backend,
        n_workers=n_workers,
        scheduler=scheduler,
        chunk_size=chunk_size,
        out=out,
        resume=resume,
        progress=progress,
    )
    reads = _readouts(model, readouts)
    if time is not None:
        time = check_nonnegative(time, name="time", allow_zero=False)
    lognames = set(space) if log is True else set(log or ())
    for name in lognames:
        if name not in space:
            check_name(name, space, kind="swept name in `log`")
    if method == "grid" and lognames:
        # a grid takes the values as given: a log scale would be silently ignored
        raise ValueError(
            "`log` applies to method='lhs' only; a grid takes its values as given "
            "(space them in log yourself, e.g. np.logspace)"
        )
    axes = {
        name: _axis(
            model,
            name,
            values,
            sampled=method == "lhs" and name not in CATEGORICAL,
            log=name in lognames,
        )
        for name, values in space.items()
    }
    base = make_perturbation(model, **perturbation).as_dict()
    _refuse_set_twice(model, axes, base)
    if readouts is None:  # every readout: those swept are the axis columns already
        reads = tuple(r for r in reads if r not in axes)
        if not reads:
            raise ValueError("every readout of the model is swept: give `readouts`")
    if both := [r for r in reads if r in axes]:
        raise ValueError(
            f"{', '.join(map(repr, both))} is both a sweep axis and a readout, and the table "
            "has one column per name: the readout would overwrite the swept values. Sweep "
            "it and read it in a separate run, or read another readout of it"
        )
    _warn_overridden_presets(axes, base, model.catalogue.genotypes)
    cat = [a for a in axes.values() if a.values]
    cont = [a for a in axes.values() if a.bounds is not None]
    n_lhs, lhs_seed = 1, 0  # Latin-hypercube rows (1 for a grid) and seed
    if method == "lhs":
        if n is None:
            raise ValueError("method='lhs' needs `n`, the number of Latin-hypercube points")
        n = check_count(n, name="n (Latin-hypercube points)", minimum=1)
        seed = lhs_seed = _seed(seed)
        if not cont:
            raise ValueError(
                "method='lhs' samples (low, high) ranges, and `space` has none: its axes "
                f"({', '.join(space)}) are categories; use method='grid'"
            )
        n_lhs = n
    elif n is not None:
        raise ValueError("`n` applies to method='lhs' only; a grid takes every combination")
    shape = tuple(len(a.values) for a in cat)
    n_cat = int(np.prod(shape)) if shape else 1
    total = n_cat * n_lhs
    members = members_to_run(model, ensemble, n_members)
    if members is not None:
        _refuse_quantile_columns(axes)

    # Nothing is held per point, so memory stays flat however large the sweep: a grid
    # point's values are decoded from its index (C order, the last axis fastest), and a
    # chunk's rows of the Latin hypercube are computed with the chunk (`lhs_unit`).
    cont_names = [a.name for a in cont]

    def sample(first: int, last: int) -> list[list[float]]:
        """Rows ``first:last`` of the Latin hypercube, scaled to the bounds."""
        unit = lhs_unit(lhs_seed, len(cont), n_lhs, first, last)
        for j, a in enumerate(cont):
            assert a.bounds is not None
            lo, hi = a.bounds
            unit[:, j] = (
                np.exp(np.log(lo) + unit[:, j] * (np.log(hi) - np.log(lo)))
                if a.log
                else lo + unit[:, j] * (hi - lo)
            )
        return unit.tolist()

    def combination(k: int) -> dict[str, Any]:
        idx = []
        for size in reversed(shape):
            k, t = divmod(k, size)
            idx.append(t)
        return {a.name: a.values[t] for a, t in zip(cat, reversed(idx), strict=True)}

    def make_points(lo: int, hi: int) -> list[Condition]:
        out_: list[Condition] = []
        first = lo // n_cat
        rows = sample(first, (hi - 1) // n_cat + 1) if cont else None
        for i in range(lo, hi):
            j, k = divmod(i, n_cat)  # LHS row j, categorical combination k
            setting = combination(k)
            if rows is not None:
                setting.update(zip(cont_names, rows[j - first], strict=True))
            labels = tuple((nm, _label(setting[nm])) for nm in axes)
            out_.append(Condition(i, labels, _perturbation_at(base, setting, axes)))
        return out_

    spec = {
        "method": method,
        "space": {k: list(v.values or v.bounds or ()) for k, v in axes.items()},
        "order": list(axes),  # the grid's point numbering follows the names' order
        "log": sorted(lognames),
        "n": n,
        # a grid takes no seed: one given, or the CLI's default, must not make it another run
        "seed": lhs_seed if method == "lhs" else None,
        "background": base,
    }
    if method == "lhs":  # a new sampler makes other points: their parts are never reused
        spec["sampler"] = LHS_SAMPLER
    make = make_points if members is None else over_members(model, make_points, members, total)
    if members is not None:
        spec["members"] = member_digest(members)  # which members, not only how many
    store, stats = run_conditions(
        model,
        make,
        total * (1 if members is None else len(members)),
        reads,
        time_point=time,
        options=opts,
        spec=spec,
        desc="sweep",
    )
    from ._engine import steady_provenance

    params = [k for k, a in axes.items() if a.kind == "parameter"]
    units = model.parameter_info()["unit"].loc[params].to_dict() if params else {}
    settings = {
        **spec,
        "kinds": {k: a.kind for k, a in axes.items()},
        # the model's unit of each swept parameter, for axis labels ("" where it has none)
        "units": {str(k): str(v) for k, v in units.items()},
        "readouts": list(reads),
        "time": time,
        **steady_provenance(model),
        **stats,
    }
    if members is not None:
        return member_quantiles(
            store.frames(), tuple(axes), reads, total, len(members), settings, verb="sweep"
        )
    return Sweep(store, tuple(reads), tuple(axes), settings)


def over_members(
    model: Model,
    make_points: Callable[[int, int], list[Condition]],
    members: pd.DataFrame,
    n_points: int,
) -> Callable[[int, int], list[Condition]]:
    """A chunk builder in which every member runs every point of ``make_points``: number
    ``m * n_points + i`` is point ``i`` of member ``m``, so a chunk may straddle members."""

    def make(lo: int, hi: int) -> list[Condition]:
        return [
            _for_member(model, c, m, members, n_points)
            for m in range(lo // n_points, (hi - 1) // n_points + 1)
            for c in make_points(max(lo - m * n_points, 0), min(hi - m * n_points, n_points))
        ]

    return make


def _for_member(
    model: Model, point: Condition, m: int, members: pd.DataFrame, n_points: int
) -> Condition:
    """A sweep point run by member ``m`` (number ``m * n_points + point``): the member's
    values, under the point's genotype presets, with its explicit parameters on top
    (`member_parameters`)."""
    from dataclasses import replace

    pert = point.perturbation
    values = member_parameters(
        model, dict(members.iloc[m].items()), list(pert.genotype), dict(pert.parameters)
    )
    return Condition(
        m * n_points + point.point,
        (("member", m), *point.labels),
        replace(pert, genotype=(), parameters=tuple(sorted(values.items()))),
    )


def member_quantiles(
    parts: Iterable[pd.DataFrame],
    names: tuple[str, ...],
    reads: tuple[str, ...],
    n_points: int,
    n_members: int,
    settings: dict[str, Any],
    *,
    verb: str,
) -> pd.DataFrame:
    """Quantiles across members per sweep point and readout (``verb``: whose, for the
    warning of `report_failed`), as `across_members` gives
    them (a member without a finite answer there is left out and counted in
    ``n_failed``), for all points at once. ``parts`` are the run's rows, part by part
    (`Store.frames`): only a members x points array per readout is held, not every row
    with its labels (250 members x 10^4 points is 2.5 million rows)."""
    import warnings

    cubes = {r: np.full((n_members, n_points), np.nan) for r in reads}
    labels = []
    for part in parts:  # number m * n_points + i is point i of member m
        member, point = np.divmod(part["point"].to_numpy(dtype=np.int64), n_points)
        ok = (part["status"] == "ok").to_numpy()
        for r in reads:
            cubes[r][member, point] = np.where(ok, part[r].to_numpy(dtype=float), np.nan)
        first = member == 0
        if first.any():
            labels.append(part.loc[first, ["point", *names]])
    axes = pd.concat(labels).sort_values("point")[list(names)].reset_index(drop=True)
    frames = []
    for r in reads:
        cube = cubes[r]
        cube[~np.isfinite(cube)] = np.nan
        with warnings.catch_warnings():  # a point no member answered: NaN, as documented
            warnings.simplefilter("ignore", RuntimeWarning)
            qs = np.nanquantile(cube, QUANTILES, axis=0)
            mean = np.nanmean(cube, axis=0)
        failed = np.isnan(cube).sum(axis=0)
        frames.append(
            axes.assign(
                readout=r,
                **{f"q{q:g}": qs[k] for k, q in enumerate(QUANTILES)},
                mean=mean,
                n_members=n_members,
                n_failed=failed,
            )
        )
    out = pd.concat(frames, ignore_index=True)
    out.attrs["settings"] = settings
    from ._ensemble import report_failed

    return report_failed(out, f"{verb}(ensemble=...)")


def _refuse_quantile_columns(names: Iterable[str]) -> None:
    """A swept name that is also a column of `member_quantiles`' table (a parameter called
    ``readout`` or ``mean``) would be overwritten there, its values lost."""
    own = ("readout", *(f"q{q:g}" for q in QUANTILES), "mean", "n_members", "n_failed")
    if clash := [name for name in names if name in own]:
        raise ValueError(
            f"{', '.join(map(repr, clash))} is swept, and the table of quantiles across "
            f"members has a column of that name ({', '.join(own)}): its values would be "
            "overwritten. Run the members without `ensemble` (steady_states or a sweep "
            "per member), or rename it in the model"
        )


def _refuse_set_twice(model: Model, axes: Mapping[str, _Axis], base: Mapping[str, Any]) -> None:
    """A name swept and also given a background value would silently lose one of them."""
    where = {"drug": "drugs", "parameter": "parameters", "input": "inputs"}
    dose_of = {p: d for d, p in model._layout.drug_parameters.items()}
    for axis in axes.values():
        drug = dose_of.get(axis.name)
        if axis.kind == "parameter" and drug in base["drugs"]:
            raise ValueError(
                f"{axis.name!r} is swept (in `space`) and set through "
                f"`drugs` ({drug!r}); give the dose in one place only"
            )
        given = base.get(where.get(axis.kind, ""), {})
        if axis.name in dict(given):
            raise ValueError(
                f"{axis.name!r} is both swept (in `space`) and set in "
                f"`{where[axis.kind]}`; give it in one place only"
            )
    if "genotype" in axes and base["genotype"]:
        raise ValueError(
            "`genotype` is both swept (in `space`) and given as the background; "
            "give it in one place only"
        )
    for kind in ("knockouts", "cut"):  # added to the background's: a name in both is
        if kind not in axes or not base[kind]:  # one point run twice, one mislabelled
            continue
        for value in axes[kind].values:
            names = _as_list(value, name=kind)
            pert = (
                make_perturbation(model, knockouts=names)
                if kind == "knockouts"
                else make_perturbation(model, cut=names)
            )
            if both := sorted(set(getattr(pert, kind)) & set(base[kind])):
                raise ValueError(
                    f"{', '.join(map(repr, both))} is both in the sweep axis {kind!r} (in "
                    f"`space`) and in the background `{kind}`, which every point adds to "
                    "its own; give it in one place only"
                )


def _warn_overridden_presets(
    axes: Mapping[str, _Axis], base: Mapping[str, Any], presets: Mapping[str, Genotype]
) -> None:
    """Warn when a swept parameter is one that a genotype preset of the sweep sets or
    scales: the swept value replaces the preset's, so the preset does nothing to it."""
    if "genotype" in axes:  # the axis is the only genotype (a background one is refused)
        genos = {g for v in axes["genotype"].values for g in _as_list(v, name="genotype")}
    else:
        genos = set(base["genotype"])
    swept = {a.name for a in axes.values() if a.kind == "parameter"}
    clashes = sorted(
        f"{p} ({g})" for g in genos for p, _ in presets[g].scale + presets[g].set if p in swept
    )
    if clashes:
        import warnings

        warnings.warn(
            f"swept parameters replace the values genotype presets give them: "
            f"{', '.join(clashes)}; on these the presets have no effect (sweep "
            "another parameter, or leave the genotype out)",
            UserWarning,
            stacklevel=3,
        )


def _readouts(model: Model, readouts: Sequence[str] | str | None) -> tuple[str, ...]:
    if readouts is None:
        return tuple(model.readouts)
    valid = list(model.readouts) + [s for s in model.species if s not in model.readouts]
    aliases = model._aliases()  # SBML names -> ids
    reads = tuple(
        check_name(r, valid, kind="readout", aliases=aliases)
        for r in check_names(readouts, name="readouts", allow_none=False)
    )
    if not reads:
        raise ValueError("`readouts` is empty")
    return reads
