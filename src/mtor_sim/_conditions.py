"""Readouts under a list of named conditions, solved as one batch (`steady_states`).

A sweep crosses axes; many questions are instead a short list of unrelated conditions
("WT", "PTEN loss + everolimus", "energy stress"). `steady_states` evaluates such a list
through the same runner, backends and store as every batch verb, and returns a `Sweep`
over one name, ``condition``.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal, overload

import pandas as pd

from ._backends import conditions_from, run_conditions
from ._ensemble import members_to_run
from ._errors import check_nonnegative
from ._options import RunOptions, resolve_run
from ._perturb import PERTURBATION_KEYWORDS, Perturbation, _as_list, make_perturbation
from ._sweep import Sweep, _readouts, member_quantiles, over_members

if TYPE_CHECKING:  # pragma: no cover
    from ._model import Model

__all__ = ["steady_states", "merge_perturbation"]

#: Keywords whose values are merged by name with the background's (a condition's dose
#: of one drug leaves the background's other drugs in place).
_BY_NAME = ("drugs", "parameters", "inputs")
#: Keywords whose lists are added to the background's.
_ADDED = ("knockouts", "cut")


def merge_perturbation(
    background: Mapping[str, Any], condition: Mapping[str, Any], *, where: str = "condition"
) -> dict[str, Any]:
    """A condition's perturbation keywords laid over a background's.

    ``genotype`` replaces the background's; ``drugs``, ``parameters`` and ``inputs`` are
    merged by name (the condition's value wins); ``knockouts`` and ``cut`` are added
    (``None`` for any of these five leaves the background's as they are).
    """
    if not isinstance(condition, Mapping):
        raise TypeError(
            f"{where} must be a mapping of perturbation keywords "
            f"({', '.join(PERTURBATION_KEYWORDS)}), got {type(condition).__name__}"
        )
    unknown = sorted(set(map(str, condition)) - set(PERTURBATION_KEYWORDS))
    if unknown:
        raise TypeError(
            f"{where} has unknown keyword(s) {unknown}; the perturbation keywords are "
            f"{', '.join(PERTURBATION_KEYWORDS)}"
        )
    out = dict(background)
    for key, value in condition.items():
        if key in _BY_NAME + _ADDED and value is None:
            continue  # nothing to merge or add: the background's stay
        if key in _BY_NAME:
            if not isinstance(value, Mapping):
                raise TypeError(f"{where}: `{key}` must be a mapping of name -> value")
            out[key] = {**dict(out.get(key) or {}), **dict(value)}
        elif key in _ADDED:
            out[key] = _as_list(out.get(key), name=key) + _as_list(value, name=key)
        else:
            out[key] = value
    return out


@overload
def steady_states(
    model: Model,
    conditions: Mapping[str, Mapping[str, Any]] | Sequence[Mapping[str, Any]],
    readouts: Sequence[str] | str | None = ...,
    *,
    time: float | None = ...,
    run: RunOptions | Mapping[str, Any] | None = ...,
    backend: str | None = ...,
    n_workers: int | None = ...,
    scheduler: str | None = ...,
    out: str | Path | None = ...,
    progress: bool | None = ...,
    ensemble: Literal[False] | None = ...,
    n_members: int | None = ...,
    **perturbation: Any,
) -> Sweep: ...


@overload
def steady_states(
    model: Model,
    conditions: Mapping[str, Mapping[str, Any]] | Sequence[Mapping[str, Any]],
    readouts: Sequence[str] | str | None = ...,
    *,
    time: float | None = ...,
    run: RunOptions | Mapping[str, Any] | None = ...,
    backend: str | None = ...,
    n_workers: int | None = ...,
    scheduler: str | None = ...,
    out: str | Path | None = ...,
    progress: bool | None = ...,
    ensemble: Literal[True] | str | pd.DataFrame,
    n_members: int | None = ...,
    **perturbation: Any,
) -> pd.DataFrame: ...


def steady_states(
    model: Model,
    conditions: Mapping[str, Mapping[str, Any]] | Sequence[Mapping[str, Any]],
    readouts: Sequence[str] | str | None = None,
    *,
    time: float | None = None,
    run: RunOptions | Mapping[str, Any] | None = None,
    backend: str | None = None,
    n_workers: int | None = None,
    scheduler: str | None = None,
    out: str | Path | None = None,
    progress: bool | None = None,
    ensemble: Any = None,
    n_members: int | None = None,
    **perturbation: Any,
) -> Sweep | pd.DataFrame:
    """Steady states (or time points) under each of a list of conditions, as one batch.

    Parameters
    ----------
    model : Model
    conditions : dict or list
        Label -> perturbation keywords (``genotype``, ``drugs``, ``knockouts``, ``cut``,
        ``parameters``, ``inputs``), or a list of them (labelled 0, 1, ...). Each is laid
        over the background (``**perturbation``): ``genotype`` replaces it, ``drugs``,
        ``parameters`` and ``inputs`` merge by name, ``knockouts`` and ``cut`` add to it.
    readouts : list of str, optional
        Readouts (or species) to record; default all readouts.
    time : float, optional
        Record readouts ``time`` after the drugs are added, not at steady state, in the
        model's time unit (`Model.time_unit`: minutes for the bundled model).
    run : RunOptions, optional
        Where the conditions run, as in every batch verb (no progress bar unless asked).
    backend, n_workers, scheduler, out, progress
        Shorthand for the same fields of ``run``.
    ensemble : True, "all", "verified" or DataFrame, optional
        Run every condition for every member of a parameter ensemble (``True``: the
        bundled calibrated ensemble; ``n_members``: the first N) in one batch, as
        `sweep` does, and return a DataFrame of quantiles instead: one row per condition
        and readout, ``condition``, ``readout``, ``q0.05``, ``q0.5``, ``q0.95``,
        ``mean``, ``n_members`` and ``n_failed`` (members without a verified answer
        there, left out of the quantiles). A condition's ``parameters`` hold in every
        member, and genotype presets act on each member's values.
    **perturbation
        Background of every condition.

    Returns
    -------
    Sweep, or a DataFrame of quantiles with ``ensemble``
        Over one name, ``condition``: its table has a row per condition, in the order
        given, with the readouts, ``status``, ``max_rate`` and ``message``.

    Examples
    --------
    >>> import mtor_sim as ms
    >>> ss = ms.steady_states(ms.load_model(), {
    ...     "untreated": {},
    ...     "everolimus": {"drugs": {"everolimus": 10}},
    ... }, ["pS6K1"], genotype="PTEN_loss")
    >>> ss.table.set_index("condition")["pS6K1"].is_monotonic_decreasing
    True
    """
    opts = resolve_run(
        run,
        verb="steady_states",
        quiet=True,
        backend=backend,
        n_workers=n_workers,
        scheduler=scheduler,
        out=out,
        progress=progress,
    )
    if isinstance(conditions, Mapping):
        items = [(str(k), v) for k, v in conditions.items()]
        if len({k for k, _ in items}) < len(items):
            raise ValueError("`conditions` gives a label twice (after conversion to text)")
        labelled: list[tuple[Any, Mapping[str, Any]]] = list(items)
    elif isinstance(conditions, Sequence) and not isinstance(conditions, str | bytes):
        labelled = list(enumerate(conditions))
    else:
        raise TypeError(
            "`conditions` must be a mapping of label -> perturbation keywords, or a list "
            f"of them, got {type(conditions).__name__}"
        )
    if not labelled:
        raise ValueError("`conditions` is empty: give at least one condition")
    reads = _readouts(model, readouts)
    if time is not None:
        time = check_nonnegative(time, name="time", allow_zero=False)
    misplaced = sorted(set(perturbation) & {"chunk_size", "resume"})
    if misplaced:
        raise TypeError(
            f"steady_states: give {', '.join(f'`{k}`' for k in misplaced)} in `run=RunOptions(...)`"
        )
    base = make_perturbation(model, **perturbation)  # the background, checked once
    background = dict(perturbation)
    perts: list[tuple[tuple[tuple[str, Any], ...], Perturbation]] = []
    for label, condition in labelled:
        where = f"`conditions[{label!r}]`"
        merged = merge_perturbation(background, condition, where=where)
        try:
            pert = make_perturbation(model, **merged)
        except (TypeError, ValueError, KeyError) as exc:  # say which condition
            raise type(exc)(f"{where}: {exc}") from None
        perts.append(((("condition", label),), pert))
    spec = {  # a list: the points' order is part of what a store folder holds
        "method": "conditions",
        "conditions": [[label, p.as_dict()] for (((_, label),), p) in perts],
        "background": base.as_dict(),
    }
    members = members_to_run(model, ensemble, n_members)
    make = conditions_from(perts)
    if members is not None:
        from ._ensemble import member_digest

        make = over_members(model, make, members, len(perts))
        spec["members"] = member_digest(members)
    store, stats = run_conditions(
        model,
        make,
        len(perts) * (1 if members is None else len(members)),
        reads,
        time_point=time,
        options=opts,
        spec=spec,
        desc="conditions",
    )
    from ._engine import steady_provenance

    settings = {
        **spec,
        "kinds": {"condition": "condition"},
        "readouts": list(reads),
        "time": time,
        **steady_provenance(model),
        **stats,
    }
    if members is not None:
        return member_quantiles(
            store.frames(),
            ("condition",),
            reads,
            len(perts),
            len(members),
            settings,
            verb="steady_states",
        )
    return Sweep(store, tuple(reads), ("condition",), settings)
