"""Parameter ensembles: sets of parameter values, each a member model of one loaded model.

The bundled model ships a calibrated ensemble (``models/ensemble.csv``, made by
``models/calibrate_ensemble.py``; how it was made is in ``models/ensemble.json``).
Verbs that take ``ensemble=`` run once per member (`Model.with_parameters`) and
summarise across members.
"""

from __future__ import annotations

import json
import math
import warnings
from collections.abc import Callable, Iterator, Mapping, Sequence
from importlib import resources
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from ._errors import (
    MAX_VALUES,
    MembersLeftOut,
    MtorSimError,
    check_count,
    check_name,
    wants_ensemble,
)

if TYPE_CHECKING:  # pragma: no cover
    from ._model import Model

__all__ = [
    "bundled_ensemble_path",
    "load_ensemble",
    "members",
    "resolve_ensemble",
    "steady_state_quantiles",
    "timecourse_quantiles",
    "validation_hits",
]

ENSEMBLE_FILE = "ensemble.csv"
#: membership flags of the shipped file: calibrated on every row / on verified rows only
SETS = {"all": "in_all", "verified": "in_verified"}
#: columns of the shipped file that are not parameters
META = ("draw", "in_all", "in_verified", "loglik_all", "loglik_verified")
QUANTILES = (0.05, 0.5, 0.95)


def bundled_ensemble_path() -> Path:
    """Path of the bundled model's calibrated ensemble (``models/ensemble.csv``).

    In a source checkout the ``models/`` folder beside the package source is used (it is
    the one that matches the code); an installed package reads its own copy.
    """
    checkout = Path(__file__).resolve().parents[2] / "models" / ENSEMBLE_FILE
    if checkout.exists():
        return checkout
    return Path(str(resources.files("mtor_sim.models").joinpath(ENSEMBLE_FILE)))


def load_ensemble(which: str = "all", *, path: str | Path | None = None) -> pd.DataFrame:
    """The bundled calibrated ensemble: one row per member, one column per parameter.

    Parameters
    ----------
    which : {"all", "verified"}
        ``"all"``: calibrated on every calibration row of ``models/observations.csv``;
        ``"verified"``: with the rows marked ``verified = no`` left out.
    path : str or Path, optional
        Another file in the same format (default: the bundled one).

    Returns
    -------
    DataFrame
        Index ``draw`` (the prior draw the member came from); columns are parameters.
        ``attrs["made_by"]`` holds the sidecar JSON (method, seed, acceptance rule).

    Examples
    --------
    >>> import mtor_sim as ms
    >>> ens = ms.load_ensemble()
    >>> len(ens) >= 200
    True
    """
    check_name(which, SETS, kind="ensemble")
    p = Path(path) if path is not None else bundled_ensemble_path()
    if not p.exists():
        raise MtorSimError(
            f"no ensemble file at {p}; run `python models/calibrate_ensemble.py` to make it"
        )
    table = pd.read_csv(p)
    if SETS[which] not in table.columns:
        raise MtorSimError(
            f"{p} has no {SETS[which]!r} column: not an ensemble file made by "
            "models/calibrate_ensemble.py"
        )
    table = table[table[SETS[which]].astype(bool)].set_index("draw")
    out = table.drop(columns=[c for c in META if c in table.columns])
    sidecar = p.with_suffix(".json")
    out.attrs["made_by"] = json.loads(sidecar.read_text()) if sidecar.exists() else {}
    out.attrs["which"] = which
    return out


def resolve_ensemble(
    ensemble: Any, *, n: int | None = None, model: Model | None = None
) -> pd.DataFrame:
    """``True`` (the bundled ensemble), ``"all"``/``"verified"`` or a DataFrame -> members.

    ``n`` keeps the first ``n`` members (the file's order is the prior draw order, so any
    prefix is itself a random subset of the accepted members). With ``model``, the
    members are checked against it (`check_members`).
    """
    if isinstance(ensemble, bool | np.bool_) and ensemble:
        table = load_ensemble()
    elif isinstance(ensemble, str):
        table = load_ensemble(ensemble)
    elif isinstance(ensemble, pd.DataFrame):
        table = ensemble
    else:
        raise TypeError(
            "`ensemble` must be True, 'all', 'verified' or a DataFrame of "
            f"parameter sets (one row per member), got {type(ensemble).__name__}"
        )
    if not len(table):
        raise ValueError("`ensemble` has no members")
    if not len(table.columns):
        raise ValueError(f"`ensemble` has {len(table)} members but no parameter columns")
    if n is not None:
        n = check_count(n, name="n_members", minimum=1)
        if n > len(table):
            raise ValueError(f"`n_members` is {n}, more than the ensemble's {len(table)} members")
        table = table.iloc[:n]
    if model is not None:
        check_members(model, table)
    return table


def members_to_run(model: Model, ensemble: Any, n_members: int | None) -> pd.DataFrame | None:
    """The members a verb runs when asked for an ensemble (checked against ``model``,
    `resolve_ensemble`), or None when it is not (`wants_ensemble`)."""
    if not wants_ensemble(ensemble, n_members):
        return None
    return resolve_ensemble(ensemble, n=n_members, model=model)


def check_members(model: Model, table: pd.DataFrame) -> None:
    """Every column of an ensemble table is a parameter of ``model`` (else the error
    names the first that is not, with the closest match), and every value is finite and
    non-negative (else the error names the member and the parameter).

    Warns where the answers would be computed but not for the members as made: a table
    without its members' references (readouts normalised by this model's untreated WT
    instead of each member's own), and the bundled ensemble run on a model other than
    the one it was calibrated for (another code, or other parameter values)."""
    unknown = [c for c in table.columns if c not in model._layout.parameters]
    if unknown and not model.is_bundled and table.attrs.get("made_by"):
        raise ValueError(
            f"the bundled ensemble holds parameter sets of the bundled model, not of model "
            f"{model.name!r} ({unknown[0]!r} is not one of its parameters): pass a table "
            "of this model's own parameter sets as `ensemble=` (one row per member, a "
            "column per parameter id)"
        )
    if unknown:
        check_name(str(unknown[0]), model._layout.parameters, kind="parameter")
    values = table.to_numpy(dtype=float)
    bad = ~np.isfinite(values) | (values < 0)
    if bad.any():
        row, col = (int(i[0]) for i in np.nonzero(bad))
        raise ValueError(
            f"ensemble member {row}: parameter {table.columns[col]!r} is "
            f"{float(values[row, col])!r}; a parameter value must be finite and >= 0"
        )
    missing = [r for r in model._layout.references if r not in table.columns]
    # doses and potencies leave the untreated wild type, hence the references, alone
    drugs = set(model._layout.drug_parameters.values()) | {
        p for d in model.catalogue.drugs.values() for p in d.potency_parameters.values()
    }
    own = model.parameters.reindex(table.columns).to_numpy(dtype=float)
    varied = [
        c
        for c, moved in zip(table.columns, (values != own).any(axis=0), strict=True)
        if moved and c not in drugs
    ]
    if missing and varied:
        warnings.warn(
            f"the ensemble's members carry no value for {', '.join(missing)}: readouts "
            "normalised by them use this model's reference (its untreated wild type) "
            "instead of each member's own, so they are off wherever a member's untreated "
            "wild type differs; add each member's references (its untreated WT steady "
            "state, as models/calibrate.py computes them)",
            UserWarning,
            stacklevel=_outside_package(),
        )
    made_for = table.attrs.get("made_by", {}).get("fingerprint", {}).get("model")
    if (
        made_for is not None
        and model.digest != made_for
        and (unlike := _unlike_bundled(model, table))
    ):
        warnings.warn(unlike, UserWarning, stacklevel=_outside_package())


def _outside_package() -> int:
    """The ``stacklevel`` at which a warning raised by the caller points at the first
    frame outside this package (the user's line, however deep the verb's call)."""
    import sys

    here = Path(__file__).parent
    frame: Any = sys._getframe(1)
    level = 1
    while frame is not None and Path(frame.f_code.co_filename).parent == here:
        frame, level = frame.f_back, level + 1
    return level


#: What each part of `Model.digest` holds, for a message naming the parts that differ.
_PARTS = {
    "code": "its model file (its equations, or how they are written)",
    "layout": "its annotations (nodes, interactions, readouts, references, drug doses)",
    "catalogue": "its catalogue (genotype presets, drug targets)",
}


def _unlike_bundled(model: Model, table: pd.DataFrame) -> str:
    """What differs between ``model`` and the bundled model the ensemble was made for
    ("" when only drug doses do: members run under any drug), as a warning's text."""
    head = "the bundled ensemble was calibrated for the bundled model, and this one differs"
    ours, theirs = model._digest_parts(), type(model)._bundled()._digest_parts()
    for layout in (ours["layout"], theirs["layout"]):  # its values are compared below
        layout.pop("parameters", None)
    parts = [text for part, text in _PARTS.items() if ours[part] != theirs[part]]
    if parts:
        return f"{head} in {' and '.join(parts)}: its members may not fit it"
    doses = set(model._layout.drug_parameters.values())
    mine, base = ours["parameters"], theirs["parameters"]
    changed = [
        p
        for p in mine
        if p not in doses
        and (p not in base or not np.isclose(mine[p], base[p], rtol=1e-12, atol=0.0))
    ]
    replaced = [p for p in changed if p in table.columns]
    kept = [p for p in changed if p not in table.columns]
    said = []
    if replaced:
        said.append(
            f"{', '.join(replaced[:5])}{' ...' if len(replaced) > 5 else ''} are replaced "
            "by each member's value (pass `parameters=` to the verb to hold a value in every "
            "member)"
        )
    if kept:
        said.append(
            f"{', '.join(kept[:5])}{' ...' if len(kept) > 5 else ''} are kept, though the "
            "members were accepted with the bundled values"
        )
    return "; ".join([f"{head} in parameter values", *said]) if said else ""


def member_digest(table: pd.DataFrame) -> str:
    """A short digest of an ensemble table's members and values (a batch's cache key, so
    a resumed run never takes another ensemble's answers)."""
    import hashlib

    data = pd.util.hash_pandas_object(table, index=True).to_numpy().tobytes()
    return hashlib.sha256(data + repr(list(table.columns)).encode()).hexdigest()[:16]


def member_parameters(
    model: Model,
    member: Mapping[Any, float],
    genotype: str | Sequence[str],
    explicit: Mapping[str, float],
) -> dict[str, float]:
    """The parameter values of one ensemble member under a genotype, as the member's own
    model (`Model.with_parameters`) would apply them: the presets scale or set the
    member's values, then explicit ``parameters`` override. Passed as ``parameters=`` to
    ``model`` itself, they give the member's answers without building the member's model."""
    from ._perturb import apply_genotypes

    values = {str(k): float(v) for k, v in member.items()}
    genotypes = [genotype] if isinstance(genotype, str) else list(genotype)
    apply_genotypes(model, genotypes, values, model._layout.parameters)
    values.update(explicit)
    return values


def quantile_columns(values: Sequence[float] | np.ndarray) -> dict[str, float]:
    """``{"q0.05": ..., "q0.5": ..., "q0.95": ...}`` of ``values`` (NaN when empty).

    Infinite values (a log fold change to a readout at zero) are values too: where one
    lies at or next to a quantile it is returned, instead of the NaN that interpolating
    beside an infinity would give."""
    if not len(values):
        return {f"q{q:g}": math.nan for q in QUANTILES}
    arr = np.asarray(values, dtype=float)
    with np.errstate(invalid="ignore"):  # beside an infinity: replaced below
        qs = np.quantile(arr, QUANTILES)
    # interpolating beside an infinity gives NaN (or the infinity): there, and only
    # there, the member value at the quantile
    beside = ~np.isfinite(qs)
    if beside.any():
        qs[beside] = np.quantile(arr, np.asarray(QUANTILES)[beside], method="inverted_cdf")
    return {f"q{q:g}": float(v) for q, v in zip(QUANTILES, qs, strict=True)}


def across_members(
    values: np.ndarray,
    *,
    infinite_ok: bool = False,
    shares: Mapping[str, Callable[[np.ndarray], np.ndarray]] | None = None,
) -> dict[str, float]:
    """One quantity across members (NaN: a member without an answer): its quantiles and
    ``mean``, the share of answering members meeting each of ``shares`` (name ->
    test), ``n_members`` and ``n_failed``. With ``infinite_ok`` an infinite value is an
    answer (a log fold change to a readout at zero); otherwise it counts as failed."""
    ok = values[~np.isnan(values)] if infinite_ok else values[np.isfinite(values)]
    return {
        **quantile_columns(ok),
        "mean": float(ok.mean()) if ok.size else math.nan,
        **{
            k: float(np.mean(test(ok))) if ok.size else math.nan
            for k, test in (shares or {}).items()
        },
        "n_members": int(values.size),
        "n_failed": int(values.size - ok.size),
    }


def report_failed(table: pd.DataFrame, what: str) -> pd.DataFrame:
    """Mark an ensemble's table of quantiles as a batch result marks its failures:
    ``attrs["status"]`` is ``"ok"`` when every member answered everywhere, ``"failed"``
    when no member answered anywhere, else ``"partial"``, with a warning saying how
    many members the quantiles left out (its ``n_failed`` column, or ``attrs``)."""
    if "n_failed" in table.columns:
        failed = table["n_failed"].to_numpy(dtype=float)
        members = table["n_members"].to_numpy(dtype=float)
    else:
        failed = np.array([table.attrs["n_failed"]], dtype=float)
        members = np.array([table.attrs["n_members"]], dtype=float)
    status = "ok" if not failed.any() else "failed" if (failed >= members).all() else "partial"
    table.attrs["status"] = status
    if status != "ok":
        count = f"{int(failed.max())} of {int(members.max())} members"
        where = (
            f"{count} had no value"
            if failed.size == 1
            else f"in {np.count_nonzero(failed)} of {failed.size} rows, up to {count} had no value"
        )
        warnings.warn(
            f"{what}: {where} (not solved, or undefined there); they are left out of the "
            f'quantiles (column n_failed), and attrs["status"] is {status!r}',
            MembersLeftOut,
            stacklevel=3,
        )
    return table


def iter_members(model: Model, ensemble: Any, *, n: int | None = None) -> Iterator[Model]:
    """One `Model` per member, made when reached (each holds its own compiled solver, so
    a loop keeps one alive at a time): ``model`` with the member's parameter values as
    defaults. The table is checked before the first is made."""
    return member_models(model, resolve_ensemble(ensemble, n=n, model=model))


def member_models(model: Model, table: pd.DataFrame) -> Iterator[Model]:
    """`iter_members` of a table already checked (`check_members`)."""
    return (
        model.with_parameters({str(k): float(v) for k, v in row.items()})
        for _, row in table.iterrows()
    )


def members(model: Model, ensemble: Any, *, n: int | None = None) -> list[Model]:
    """Every member's `Model` at once (see `iter_members`)."""
    return list(iter_members(model, ensemble, n=n))


def steady_state_quantiles(
    model: Model,
    ensemble: Any,
    *,
    n: int | None = None,
    quantiles: Sequence[float] = QUANTILES,
    **kwargs: Any,
) -> pd.DataFrame:
    """Steady-state readouts across an ensemble: one row per readout, quantile columns.

    Members whose steady state fails are left out of the quantiles and counted in the
    ``n_failed`` column (``n_members`` counts all).
    """
    rows, failed = [], 0
    for m in iter_members(model, ensemble, n=n):
        ss = m.steady_state(**kwargs)
        if ss.success:
            rows.append(ss.readouts.reindex(list(model.readouts)).to_numpy(dtype=float))
        else:
            failed += 1
    if not rows:
        raise MtorSimError(
            "no member of the ensemble reached a steady state under this perturbation"
        )
    values = np.vstack(rows)
    out = pd.DataFrame(
        np.quantile(values, list(quantiles), axis=0).T,
        index=pd.Index(list(model.readouts), name="readout"),
        columns=[f"q{q:g}" for q in quantiles],
    )
    out["mean"] = values.mean(axis=0)
    out["n_members"] = len(rows) + failed
    out["n_failed"] = failed
    return report_failed(out, "steady_state(ensemble=...)")


def validation_hits(
    model: Model, ensemble: Any, *, n: int | None = None, rows: list[dict[str, str]] | None = None
) -> pd.DataFrame:
    """Member x observation table of the validation rows: 1.0 pass, 0.0 fail, NaN where
    the row could not be judged on that member (a steady state not solved, or a zero
    reference: `validate`'s "not solved" and "undefined").

    A NaN is a miss, as in `hit_rate`: `member_hit_rates` and `row_hit_rates` count it
    so (a plain ``mean`` would leave it out of the denominator). ``rows`` default to the
    ``validation`` rows of the bundled observation table (held out of the calibration);
    rows no readout expresses are left out.
    """
    from ._observations import load_observations, validate

    table = resolve_ensemble(ensemble, n=n)
    rows = load_observations("validation") if rows is None else rows
    score = {"pass": 1.0, "fail": 0.0}
    out = {}
    for draw, member in zip(table.index, iter_members(model, table), strict=True):
        out[draw] = {
            r["id"]: score.get(r["status"], math.nan)
            for r in validate(member, rows)
            if r["status"] != "not expressible"
        }
    return pd.DataFrame.from_dict(out, orient="index")


def member_hit_rates(hits: pd.DataFrame) -> pd.Series:
    """Each member's hit rate in a `validation_hits` table, a row not judged on that
    member (NaN) counted as a miss."""
    return hits.fillna(0.0).mean(axis=1)


def row_hit_rates(hits: pd.DataFrame) -> pd.Series:
    """Each row's share of members in which it holds in a `validation_hits` table, a
    member on which it was not judged (NaN) counted as a miss."""
    return hits.fillna(0.0).mean(axis=0)


def timecourse_quantiles(
    model: Model,
    ensemble: Any,
    *,
    n: int | None = None,
    quantiles: Sequence[float] = QUANTILES,
    **kwargs: Any,
) -> pd.DataFrame:
    """Time courses across an ensemble: index time (min), columns (output, quantile).

    Members whose run fails are left out; ``attrs`` holds ``n_members`` and ``n_failed``.
    """
    kwargs["species"] = False
    runs, failed = [], 0
    cols: list[str] = []
    times: pd.Index | None = None
    n_members = 0
    table = resolve_ensemble(ensemble, n=n, model=model)
    for m in member_models(model, table):
        n_members += 1
        tc = m.simulate(**kwargs)
        if not tc.success:
            failed += 1
            continue
        data = tc.to_dataframe()
        if data.size * len(table) > MAX_VALUES:  # the members' courses are held together
            raise ValueError(
                f"{len(table):,} members x {len(data):,} times x {data.shape[1]:,} outputs "
                f"is {data.size * len(table):,} values, over the limit of {MAX_VALUES:,}: "
                "ask for fewer times (`n_points`), fewer `outputs` (or species=False) or "
                "fewer members (`n_members`)"
            )
        cols, times = [str(c) for c in data.columns], data.index
        runs.append(data.to_numpy(dtype=float))
    if not runs:
        raise MtorSimError("no member of the ensemble could be simulated under this perturbation")
    q = np.quantile(np.stack(runs), list(quantiles), axis=0)  # quantile x time x output
    names = [f"q{x:g}" for x in quantiles]
    out = pd.concat(
        {name: pd.DataFrame(q[i], index=times, columns=cols) for i, name in enumerate(names)},
        axis=1,
    ).swaplevel(axis=1)
    out = out.reindex(
        columns=pd.MultiIndex.from_product([cols, names], names=["output", "quantile"])
    )
    out.attrs.update(n_members=n_members, n_failed=failed)
    return report_failed(out, "simulate(ensemble=...)")
