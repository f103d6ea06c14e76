"""Dose-response curves with 4-parameter Hill fits, and drug-combination matrices."""

from __future__ import annotations

import math
import warnings
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal, overload

import numpy as np
import pandas as pd

from ._catalogue import default_readout
from ._errors import MtorSimError, check_name, check_names, check_nonnegative, wants_ensemble
from ._hill import HillFit, fit_hill, slope_at_bound
from ._options import RunOptions, resolve_run
from ._protocol import BatchResult
from ._screen import CHANGE
from ._store import fingerprint
from ._synergy import SynergyScores, bliss_excess, fraction_inhibited, hsa_excess, synergy_scores

if TYPE_CHECKING:  # pragma: no cover
    from matplotlib.figure import Figure

    from ._model import Model

__all__ = ["DoseResponse", "Combination", "dose_response", "combination"]


#: A single agent that raises the readout by more than this fraction makes the synergy
#: scores (defined for inhibition in 0..1) meaningless; `combination` warns.
RISE = 0.05


def _one_readout(readout: str | None, perturbation: dict[str, Any], verb: str) -> str | None:
    """``readout``, or the one name given as ``readouts=`` (the keyword every other verb
    takes, and SPEC's spelling here): these verbs measure one readout per call."""
    if "readouts" not in perturbation:
        return readout
    given = perturbation.pop("readouts")
    if given is None:  # as in the other verbs: the default
        return readout
    if readout is not None:
        raise TypeError(f"`{verb}` takes `readout` or `readouts`, not both")
    names = [given] if isinstance(given, str) else list(given)
    if len(names) != 1 or not isinstance(names[0], str):
        raise ValueError(
            f"`{verb}` measures one readout per call; got readouts={given!r}. "
            "Call it once per readout."
        )
    return names[0]


def _doses(values: Iterable[float], *, name: str, minimum: int = 2) -> np.ndarray:
    """Doses (nM) in increasing order; a string, a mapping or a dose given twice is refused
    rather than silently read as something else."""
    if isinstance(values, str | bytes | Mapping) or not isinstance(values, Iterable):
        raise TypeError(
            f"`{name}` must be a sequence of doses in nM, got {type(values).__name__} {values!r}"
        )
    arr = [check_nonnegative(v, name=f"{name}[{i}] (dose, nM)") for i, v in enumerate(values)]
    if len(arr) < minimum:
        raise ValueError(f"`{name}` needs at least {minimum} doses, got {len(arr)}")
    twice = sorted({x for x in arr if arr.count(x) > 1})
    if twice:
        raise ValueError(
            f"`{name}` gives the dose(s) {', '.join(f'{x:g}' for x in twice)} nM more than once"
        )
    return np.asarray(sorted(arr), dtype=float)


def _readouts_at(
    model: Model,
    readout: str,
    points: list[dict[str, Any]],
    time: float | None,
    options: RunOptions,
    desc: str,
) -> list[tuple[float, str]]:
    """A readout and its status at each point: at steady state (``time=None``) or
    ``time`` min after adding the drugs, all points as one batch through the runner
    (steady states through the batch engine; points it cannot verify go one by one
    through the guarded path)."""
    from ._backends import conditions_from, run_conditions
    from ._perturb import make_perturbation

    perts = [((), make_perturbation(model, **kw)) for kw in points]
    store, _ = run_conditions(
        model,
        conditions_from(perts),
        len(perts),
        [readout],
        time_point=time,
        options=options,
        # a folder's parts are reused only for the same points, in the same order
        spec={"verb": desc, "points": fingerprint([p.as_dict() for _, p in perts])},
        desc=desc,
    )
    frame = store.read()
    return [(float(v), str(st)) for v, st in zip(frame[readout], frame["status"], strict=True)]


def _no_fit(n_points: int) -> HillFit:
    """An unsuccessful fit: too few doses gave a verified value (failed points are NaN)."""
    nan = float("nan")
    return HillFit(
        nan,
        nan,
        nan,
        nan,
        nan,
        nan,
        nan,
        nan,
        (nan, nan),
        False,
        f"a Hill fit needs 4 doses with a verified value, and {n_points} have one",
        n_points,
    )


def _small_effect(fit: HillFit) -> bool:
    """Whether a fitted curve changes by under `CHANGE` of its drug-free level (a level
    of 0 has no share: not judged)."""
    return bool(np.isfinite(fit.emax) and abs(fit.emax) < CHANGE)


def _with_share(genotype: str, fit: HillFit) -> str:
    """``WT (16.6%)``: the change as a share of the drug-free level, where that level is
    not 0 (a curve rising from 0 has no share)."""
    share = abs(fit.emax)
    return f"{genotype} ({share:.1%})" if np.isfinite(share) and share < 10 else genotype


@dataclass(frozen=True)
class DoseResponse(BatchResult):
    """A readout over drug doses, per genotype, with Hill fits.

    Attributes
    ----------
    drug, readout : str
    table : DataFrame
        Columns genotype, dose (nM), value, status.
    fits : dict
        Genotype -> `HillFit` (IC50 in nM, Emax, Hill slope, R^2).
    settings : dict
        How the curve was made (time, perturbation, model hash).
    """

    drug: str
    readout: str
    table: pd.DataFrame
    fits: dict[str, HillFit]
    settings: dict[str, Any] = field(default_factory=dict)

    def _outcomes(self) -> tuple[int, dict[str, int]]:
        return self._count(self.table["status"])

    @property
    def message(self) -> str:
        """How many conditions were solved, which genotypes' curves have no Hill fit
        (their IC50 is NaN: `fits[genotype].message` says why; `mtor-sim dose-response`
        exits 3 for them), and which IC50s the tested doses do not place: beyond them
        (extrapolated), or with the Hill slope at a bound (`HillFit.ic50_ci` gives what
        the doses do say). Also where the IC50 is not a potency's: the readout rises with
        the dose (the IC50 column holds the dose of half that rise, an EC50), or its
        largest change is under the 5 % that counts as a change (`_screen.CHANGE`)."""
        text = super().message
        unfitted = [f"{g} ({f.message})" for g, f in self.fits.items() if not f.success]
        if unfitted:
            text += "; no Hill fit for " + "; ".join(unfitted)
        fitted = {g: f for g, f in self.fits.items() if f.success}
        rises = [_with_share(g, f) for g, f in fitted.items() if f.rises]
        if rises:
            text += (
                f"; {self.readout} rises with the dose for " + ", ".join(rises) + ": the IC50 "
                "is the dose of half that rise (an EC50)"
            )
        small = [_with_share(g, f) for g, f in fitted.items() if _small_effect(f)]
        if small:
            text += (
                f"; the largest change is under {CHANGE:.0%} of the drug-free level for "
                + ", ".join(small)
                + ": its IC50 places a small effect, not a potency"
            )
        beyond = [f"{g} ({f.ic50:.3g} nM)" for g, f in fitted.items() if f.ic50_extrapolated]
        if beyond:
            text += "; IC50 beyond the tested doses (extrapolated) for " + ", ".join(beyond)
        placed = {g: f for g, f in fitted.items() if not f.ic50_extrapolated}
        steep = [f"{g} ({f.hill:.3g})" for g, f in placed.items() if slope_at_bound(f.hill) > 0]
        if steep:
            text += (
                "; Hill slope at its upper bound for " + ", ".join(steep) + ": the doses place "
                "the IC50 only between the two around it (`fits[genotype].ic50_ci`)"
            )
        shallow = [f"{g} ({f.hill:.3g})" for g, f in placed.items() if slope_at_bound(f.hill) < 0]
        if shallow:
            text += (
                "; Hill slope at its lower bound for " + ", ".join(shallow) + ": the curve "
                "is too shallow for the doses to give the IC50 an interval"
            )
        return text

    @property
    def _only(self) -> HillFit:
        """The fit of a one-genotype curve; with several, which one is meant is unclear."""
        if len(self.fits) != 1:
            raise MtorSimError(
                f"this dose-response has {len(self.fits)} genotypes "
                f"({', '.join(self.fits)}): read one genotype's fit, "
                "e.g. `fits[genotype].ic50`, or all of them with `fit_table()`"
            )
        return next(iter(self.fits.values()))

    @property
    def ic50(self) -> float:
        """IC50 (nM) of the fit, for a curve of one genotype (else `fits` or
        `fit_table`)."""
        return self._only.ic50

    @property
    def emax(self) -> float:
        """Fractional maximal effect of the fit, for a curve of one genotype."""
        return self._only.emax

    @property
    def hill(self) -> float:
        """Hill slope of the fit, for a curve of one genotype."""
        return self._only.hill

    def to_dataframe(self) -> pd.DataFrame:
        return self.table.copy()

    def fit_table(self) -> pd.DataFrame:
        """One row per genotype: IC50 (nM), Emax, Hill slope, top, bottom, R^2, whether the
        IC50 lies outside the doses tested, fit status."""
        return pd.DataFrame(
            [
                {
                    "genotype": g,
                    "ic50_nM": f.ic50,
                    "emax": f.emax,
                    "hill": f.hill,
                    "top": f.top,
                    "bottom": f.bottom,
                    "r_squared": f.r_squared,
                    "ic50_extrapolated": f.ic50_extrapolated,
                    "success": f.success,
                    "message": f.message,
                }
                for g, f in self.fits.items()
            ]
        )

    def plot(self, ax: Any = None, *, label: str | None = None) -> Figure:
        """Log-dose plot (nM) with points, fitted curves and IC50 markers per genotype."""
        from ._plot import plot_dose_response

        if isinstance(ax, str):  # a readout, as other results' plots take: there is one
            raise TypeError(
                f"DoseResponse.plot takes matplotlib axes (`ax`), not a readout name: this "
                f"dose-response measures {self.readout!r} only"
            )
        return plot_dose_response(self, ax=ax, label=label)


@overload
def dose_response(
    model: Model,
    drug: str,
    doses: Iterable[float],
    readout: str | None = ...,
    *,
    genotype: str | Sequence[str] | None = ...,
    genotypes: Sequence[str | Sequence[str]] | None = ...,
    time: float | None = ...,
    ensemble: Literal[False] | None = ...,
    n_members: int | None = ...,
    run: RunOptions | Mapping[str, Any] | None = ...,
    backend: str | None = ...,
    n_workers: int | None = ...,
    scheduler: str | None = ...,
    out: str | Path | None = ...,
    progress: bool | None = ...,
    **perturbation: Any,
) -> DoseResponse: ...


@overload
def dose_response(
    model: Model,
    drug: str,
    doses: Iterable[float],
    readout: str | None = ...,
    *,
    genotype: str | Sequence[str] | None = ...,
    genotypes: Sequence[str | Sequence[str]] | None = ...,
    time: float | None = ...,
    ensemble: Literal[True] | str | pd.DataFrame,
    n_members: int | None = ...,
    run: RunOptions | Mapping[str, Any] | None = ...,
    backend: str | None = ...,
    n_workers: int | None = ...,
    scheduler: str | None = ...,
    out: str | Path | None = ...,
    progress: bool | None = ...,
    **perturbation: Any,
) -> pd.DataFrame: ...


def dose_response(
    model: Model,
    drug: str,
    doses: Iterable[float],
    readout: str | None = None,
    *,
    genotype: str | Sequence[str] | None = None,
    genotypes: Sequence[str | Sequence[str]] | None = None,
    time: float | None = None,
    ensemble: Any = None,
    n_members: int | None = None,
    run: RunOptions | Mapping[str, Any] | None = None,
    backend: str | None = None,
    n_workers: int | None = None,
    scheduler: str | None = None,
    out: str | Path | None = None,
    progress: bool | None = None,
    **perturbation: Any,
) -> DoseResponse | pd.DataFrame:
    """Readout over doses of one drug, fitted with a 4-parameter Hill curve.

    Parameters
    ----------
    model : Model
    drug : str
        A drug of `mtor_sim.DRUGS` the model can take.
    doses : sequence of float, nM
        Concentrations (0 is allowed and anchors the untreated top).
    readout : str, optional
        Readout to measure (default: the model's default readout, its catalogue's
        ``[defaults] readout``; the bundled model's is ``proliferation``). ``readouts=``
        with one name, the other verbs' keyword, means the same.
    genotype : str or list of str, optional
        One genotype (a list combines presets), as in `steady_state` (default: the
        catalogue's ``[defaults] genotype``, the bundled model's ``WT``; else the model
        as it is).
    genotypes : list, optional
        Several genotypes, one curve each (overrides ``genotype``).
    time : float, optional
        Measure ``time`` after adding the drug instead of at steady state, in the model's
        time unit (`Model.time_unit`: minutes for the bundled model).
    ensemble : True, "all", "verified" or DataFrame, optional
        Run the curve once per member of a parameter ensemble (``True``: the bundled
        calibrated ensemble) and return quantiles across members instead: a DataFrame
        with one row per genotype and dose (columns ``q0.05``, ``q0.5``, ``q0.95``,
        ``mean``, ``n_members``, ``n_failed``) whose ``attrs["ic50"]`` holds the quantiles
        of the members' fitted IC50s within the doses tested (``n_fitted``; an IC50 a
        member's curve places beyond them is counted in ``n_extrapolated``, and one
        without a Hill fit in ``n_no_fit``, each with a warning). Steady states of all
        members are solved as one batch.
    n_members : int, optional
        With ``ensemble``: use only the first ``n_members`` members.
    run : RunOptions, optional
        Where the points run, as in every batch verb (no progress bar unless asked).
    backend, n_workers, scheduler, out, progress
        Shorthand for the same fields of ``run``.
    **perturbation
        Other perturbation keywords (knockouts, cut, parameters, inputs, and ``drugs`` for a
        fixed background drug).

    Examples
    --------
    >>> import mtor_sim as ms
    >>> dr = ms.dose_response(ms.load_model(), "everolimus", [0, 0.1, 1, 10, 100, 1000],
    ...                       readout="pS6K1")
    >>> 0.5 < dr.ic50 < 10
    True
    """
    readout = _one_readout(readout, perturbation, "dose_response")
    readout = check_name(
        default_readout(model.catalogue, readout, verb="dose_response"),
        model.readouts,
        kind="readout",
        aliases=model._aliases(),
    )
    check_name(drug, model.drugs, kind="drug")
    d = _doses(doses, name="doses")
    opts = resolve_run(
        run,
        verb="dose_response",
        quiet=True,
        backend=backend,
        n_workers=n_workers,
        scheduler=scheduler,
        out=out,
        progress=progress,
    )

    if time is not None:
        time = check_nonnegative(time, name="time", allow_zero=False)
    # by default the catalogue's reference genotype; models without one run as they are
    if genotypes is not None:
        if isinstance(genotypes, str | Mapping) or not isinstance(genotypes, Iterable):
            raise TypeError(
                "`genotypes` must be a list of genotypes (each a preset name or a "
                f"list of presets), got {type(genotypes).__name__} {genotypes!r}"
            )
        groups: list[Any] = [
            g if isinstance(g, str) else check_names(g, name="genotypes[...]") for g in genotypes
        ]
        if not groups:
            raise ValueError("`genotypes` is empty: give at least one genotype")
        labels = [g if isinstance(g, str) else " + ".join(g) for g in groups]
        if len(set(labels)) < len(labels):
            raise ValueError(f"`genotypes` gives a genotype more than once: {labels}")
        if genotype is not None:
            raise TypeError("give `genotype` (one curve) or `genotypes` (one curve each), not both")
    else:
        if genotype is not None and not isinstance(genotype, str):
            genotype = check_names(genotype, name="genotype")
        # the catalogue's default only when no genotype is given (`[]` asks for none)
        default: str | list[str] = model.catalogue.defaults.get("genotype") or []
        groups = [default if genotype is None else genotype]
    background = dict(perturbation.pop("drugs", None) or {})
    if drug in background:
        # the varied dose would silently replace the background one at every point
        raise ValueError(
            f"{drug!r} is both the varied drug and a background drug in `drugs`; "
            "give it in one place only"
        )
    if wants_ensemble(ensemble, n_members):
        return _dose_response_quantiles(
            model,
            drug,
            d,
            readout,
            groups,
            background,
            perturbation,
            time,
            ensemble,
            n_members,
            opts,
        )
    rows, fits = [], {}
    points = [  # every genotype's doses in one batch (and one store folder)
        {"genotype": g, "drugs": background | {drug: dose}, **perturbation}
        for g in groups
        for dose in d
    ]
    solved = _readouts_at(model, readout, points, time, opts, "dose_response")
    zero = _round_off(model, readout, perturbation)
    for k, g in enumerate(groups):
        label = _curve_label(g)
        found = solved[k * d.size : (k + 1) * d.size]
        values = [v for v, _ in found]
        statuses = [status for _, status in found]
        rows += [
            {"genotype": label, "dose": dose, "value": v, "status": status}
            for dose, (v, status) in zip(d, found, strict=True)
        ]
        y = np.asarray(values)
        ok = np.isfinite(y) & (np.asarray(statuses) == "ok")  # fit verified points only
        # a model's response has no noise: a bell is a bell, not scatter (no IC50)
        fit = fit_hill(d[ok], y[ok], monotonic=True, zero=zero) if ok.sum() >= 4 else None
        fits[label] = fit if fit is not None else _no_fit(int(ok.sum()))
    from ._engine import ATOL, RTOL, steady_provenance
    from ._results import provenance

    meta = (
        steady_provenance(model)
        if time is None
        else provenance(
            model, method="cvode time course from the drug-free steady state", rtol=RTOL, atol=ATOL
        )
    )
    settings = {
        "time": time,
        "time_unit": model.time_unit,
        "perturbation": perturbation,
        "background_drugs": background,
        **meta,
    }
    return DoseResponse(drug, readout, pd.DataFrame(rows), fits, settings)


def _round_off(model: Model, readout: str, perturbation: Mapping[str, Any]) -> float:
    """The solver's round-off for ``readout``: `CLIP_RTOL` of its size in the model as it
    is (a fraction of a protein, an index, a species in its model's own units), or, where
    that is 0, of the largest species under the untreated ``perturbation`` (`round_off`).
    A response within it of 0 at every dose is 0, not a curve (a knocked-out kinase's
    substrate: -3e-17 to 6e-15 of a fraction)."""
    from ._engine import CLIP_RTOL, round_off, steady_state_of
    from ._perturb import Perturbation, make_perturbation

    base = steady_state_of(model, Perturbation())
    values = base.readouts if readout in base.readouts.index else base.species
    size = abs(float(values.get(readout, math.nan)))
    if math.isfinite(size) and size > 0:
        return CLIP_RTOL * size
    return round_off(model, make_perturbation(model, **perturbation))


def _curve_label(genotype: str | Sequence[str]) -> str:
    """A curve's genotype as tables show it: ``PTEN_loss + PIK3CA_gain``, or
    ``baseline`` for a model run as it is."""
    return genotype if isinstance(genotype, str) else (" + ".join(genotype) or "baseline")


def _dose_response_quantiles(
    model: Model,
    drug: str,
    doses: np.ndarray,
    readout: str,
    groups: list[Any],
    background: dict[str, float],
    perturbation: dict[str, Any],
    time: float | None,
    ensemble: Any,
    n_members: int | None,
    opts: RunOptions,
) -> pd.DataFrame:
    """`dose_response` across an ensemble: quantiles per genotype and dose, and of the
    members' IC50s (``attrs["ic50"]``)."""
    from ._ensemble import (
        across_members,
        member_parameters,
        quantile_columns,
        report_failed,
        resolve_ensemble,
    )

    table = resolve_ensemble(ensemble, n=n_members, model=model)
    explicit = dict(perturbation.pop("parameters", None) or {})
    rows, ic50s = [], []
    points = [  # every genotype, member and dose in one batch (and one store folder)
        {
            "parameters": member_parameters(model, dict(member.items()), g, explicit),
            "drugs": background | {drug: dose},
            **perturbation,
        }
        for g in groups
        for _, member in table.iterrows()
        for dose in doses
    ]
    solved = _readouts_at(model, readout, points, time, opts, "dose_response")
    zero = _round_off(model, readout, perturbation)  # members' sizes are the point's
    per_group = len(table) * doses.size
    for k, g in enumerate(groups):
        label = _curve_label(g)
        found = solved[k * per_group : (k + 1) * per_group]
        values = np.array([v if st == "ok" else np.nan for v, st in found]).reshape(
            len(table), len(doses)
        )
        rows += [
            {"genotype": label, "dose": dose, **across_members(values[:, j])}
            for j, dose in enumerate(doses)
        ]
        fitted, beyond, rising, small, no_fit = [], 0, 0, 0, 0
        for member_values in values:
            keep = np.isfinite(member_values)
            enough = keep.sum() >= 4
            fit = (
                fit_hill(doses[keep], member_values[keep], monotonic=True, zero=zero)
                if enough
                else None
            )
            if fit is None or not fit.success or not np.isfinite(fit.ic50):
                no_fit += 1
                continue
            rising += fit.rises
            small += _small_effect(fit)
            if fit.ic50_extrapolated:  # a Hill curve's guess beyond the doses tested
                beyond += 1
            else:
                fitted.append(fit.ic50)
        ic50s.append(
            {
                "genotype": label,
                **quantile_columns(fitted),
                "n_fitted": len(fitted),
                "n_extrapolated": beyond,
                "n_rising": rising,  # their IC50 is the dose of half a rise (an EC50)
                "n_small_effect": small,  # a change under CHANGE: not a potency
                "n_no_fit": no_fit,  # no Hill fit (too few verified doses, or it failed)
                "n_members": len(table),
            }
        )
        said = []
        if rising:
            said.append(f"the readout rises with the dose in {rising} (their IC50s are EC50s)")
        if small:
            said.append(f"it changes by under {CHANGE:.0%} in {small}")
        if said:
            warnings.warn(
                f"{label}: of {len(table)} members, " + "; ".join(said) + " (attrs['ic50'] "
                "n_rising, n_small_effect): those IC50s are not potencies",
                RuntimeWarning,
                stacklevel=3,
            )
        if no_fit:
            warnings.warn(
                f"{label}: {no_fit} of {len(table)} members' curves have no Hill fit (fewer "
                "than 4 doses with a verified value, or the fit failed) and are left out of "
                "attrs['ic50'] (n_no_fit)",
                RuntimeWarning,
                stacklevel=3,
            )
        if beyond:
            warnings.warn(
                f"{label}: {beyond} of {len(table)} members' IC50s lie outside the doses "
                f"tested ({doses[doses > 0].min():g}-{doses.max():g} nM) and are left out of "
                "attrs['ic50'] (n_extrapolated); widen the doses to place them",
                RuntimeWarning,
                stacklevel=3,
            )
    out = pd.DataFrame(rows)
    out.attrs["ic50"] = pd.DataFrame(ic50s)
    out.attrs["drug"], out.attrs["readout"] = drug, readout
    return report_failed(out, "dose_response(ensemble=...)")


def _combination_quantiles(
    model: Model,
    pair: tuple[str, str],
    da: np.ndarray,
    db: np.ndarray,
    readout: str,
    background: dict[str, float],
    perturbation: dict[str, Any],
    ensemble: Any,
    n_members: int | None,
    opts: RunOptions,
) -> pd.DataFrame:
    """`combination` across an ensemble: quantiles per dose pair of the response, the
    fraction inhibited and the Bliss and HSA excess, and of each member's mean Bliss
    excess (``attrs["bliss_mean"]``)."""
    from ._ensemble import (
        across_members,
        member_parameters,
        quantile_columns,
        report_failed,
        resolve_ensemble,
    )

    a, b = pair
    table = resolve_ensemble(ensemble, n=n_members, model=model)
    explicit = dict(perturbation.pop("parameters", None) or {})
    genotype = perturbation.pop("genotype", None) or []
    cells = [(i, j) for i in range(da.size) for j in range(db.size)]
    points = [  # every member's matrix in one batch (and one store folder)
        {
            "parameters": member_parameters(model, dict(member.items()), genotype, explicit),
            "drugs": background | {a: da[i], b: db[j]},
            **perturbation,
        }
        for _, member in table.iterrows()
        for i, j in cells
    ]
    solved = _readouts_at(model, readout, points, None, opts, "combination")
    values = np.array([v if st == "ok" else np.nan for v, st in solved]).reshape(
        len(table), da.size, db.size
    )
    per_member = {"response": values}
    zero = _round_off(model, readout, perturbation)
    effect = np.stack([_inhibition(m, zero) for m in values])
    per_member["inhibition"] = effect

    # each cell scored where it and its single agents are known, as in one model's matrix
    per_member["bliss"] = np.stack([_cellwise(bliss_excess, e) for e in effect])
    per_member["hsa"] = np.stack([_cellwise(hsa_excess, e) for e in effect])
    rows = []
    for quantity, cube in per_member.items():
        rows += [
            {
                "dose_a": float(da[i]),
                "dose_b": float(db[j]),
                "quantity": quantity,
                **across_members(cube[:, i, j]),
            }
            for i, j in cells
        ]
    out = pd.DataFrame(rows)
    # over the combination cells only, as `SynergyScores.bliss_mean`: the single-agent
    # row and column are 0 by definition and would dilute it
    bliss = per_member["bliss"][:, 1:, 1:].reshape(len(table), -1)
    means = [float(np.mean(m)) for m in bliss if np.isfinite(m).all()]
    out.attrs["bliss_mean"] = {
        **quantile_columns(means),
        "n_members": len(table),
        "n_used": len(means),  # members with a whole matrix
    }
    out.attrs["drugs"], out.attrs["readout"] = pair, readout
    return report_failed(out, "combination(ensemble=...)")


#: Doses of each drug, 0 included, that Loewe and ZIP need: they fit a Hill curve to each
#: row and column of the grid.
MIN_SCORE_DOSES = 4


def _inhibition(response: np.ndarray, zero: float) -> np.ndarray:
    """The fraction inhibited of a dose matrix against its drug-free cell; NaN throughout
    when that cell has no usable value (it failed, or its readout is 0 within the
    solver's round-off ``zero``: a knocked-out kinase's own output, 8e-21 or -4e-17,
    made inhibitions of -8e4 and flipped their signs)."""
    control = response[0, 0]
    if np.isfinite(control) and abs(control) > zero:
        return fraction_inhibited(response, control)
    return np.full_like(response, np.nan)


def _cellwise(score: Any, effect: np.ndarray) -> np.ndarray:
    """``score`` (Bliss or HSA excess) of each cell whose effect and single-agent effects
    are known; NaN where one of them failed."""
    known = np.isfinite(effect)
    if known.all():
        return np.asarray(score(effect))
    out = np.asarray(score(np.where(known, effect, 0.0)))
    out[~(known & known[:, :1] & known[:1, :])] = np.nan
    return out


@dataclass(frozen=True)
class Combination(BatchResult):
    """A two-drug response matrix and its synergy scores.

    ``response`` is the readout (rows: doses of drug A, columns: doses of drug B, nM);
    ``inhibition`` is ``1 - response / response[0, 0]``; ``scores`` holds Bliss, HSA,
    Loewe and ZIP excess matrices (positive = synergy).
    """

    drugs: tuple[str, str]
    readout: str
    response: pd.DataFrame
    inhibition: pd.DataFrame
    scores: SynergyScores | None
    bliss: pd.DataFrame
    hsa: pd.DataFrame
    settings: dict[str, Any] = field(default_factory=dict)

    def _outcomes(self) -> tuple[int, dict[str, int]]:
        return self._count(pd.Series(self.settings["status"].to_numpy().ravel()))

    def to_dataframe(self) -> pd.DataFrame:
        """Tidy table: dose_a, dose_b, response, inhibition and the synergy scores."""
        a, b = self.drugs
        # one row per cell, read from the arrays: `DataFrame.stack` of pandas 2 drops NaN
        # cells (a failed pair), and the other columns no longer matched the rows
        ga, gb = np.meshgrid(self.response.index, self.response.columns, indexing="ij")
        df = pd.DataFrame(
            {
                f"dose_{a}": ga.ravel().astype(float),
                f"dose_{b}": gb.ravel().astype(float),
                "response": self.response.to_numpy(dtype=float).ravel(),
            }
        )
        df["inhibition"] = self.inhibition.to_numpy().ravel()
        df["bliss"] = self.bliss.to_numpy().ravel()
        df["hsa"] = self.hsa.to_numpy().ravel()
        if "status" in self.settings:
            df["status"] = self.settings["status"].to_numpy().ravel()
        if self.scores is not None:
            df["loewe"] = self.scores.loewe.ravel()
            df["zip"] = self.scores.zip.ravel()
        return df

    def score(self, name: str = "bliss") -> pd.DataFrame:
        """Synergy matrix by ``"bliss"``, ``"hsa"``, ``"loewe"`` or ``"zip"`` (> 0: synergy)."""
        check_name(name, ("bliss", "hsa", "loewe", "zip"), kind="synergy score")
        if name in ("bliss", "hsa"):
            return getattr(self, name).copy()
        if self.scores is None:
            n_a, n_b = self.response.shape
            why = (
                f"needs at least {MIN_SCORE_DOSES} doses of each drug (including 0)"
                if min(n_a, n_b) < MIN_SCORE_DOSES
                else f"is undefined: the drug-free {self.readout} is 0"
                if (self.settings["status"] == "zero_reference").any(axis=None)
                else "fits whole rows and columns, and a cell of this grid has no "
                "verified steady state (see its status)"
            )
            raise ValueError(f"{name} {why}")
        return pd.DataFrame(
            getattr(self.scores, name), index=self.response.index, columns=self.response.columns
        )

    def plot(self, score: str = "bliss") -> Figure:
        """Heatmaps of the response and of one synergy score (default Bliss excess)."""
        from ._plot import plot_combination

        return plot_combination(self, score=score)


@overload
def combination(
    model: Model,
    pair: tuple[str, str] | None = None,
    doses_a: Iterable[float] = ...,
    doses_b: Iterable[float] = ...,
    readout: str | None = ...,
    *,
    drugs: Mapping[str, float] | None = ...,
    ensemble: Literal[False] | None = ...,
    n_members: int | None = ...,
    run: RunOptions | Mapping[str, Any] | None = ...,
    backend: str | None = ...,
    n_workers: int | None = ...,
    scheduler: str | None = ...,
    out: str | Path | None = ...,
    progress: bool | None = ...,
    **perturbation: Any,
) -> Combination: ...


@overload
def combination(
    model: Model,
    pair: tuple[str, str] | None = None,
    doses_a: Iterable[float] = ...,
    doses_b: Iterable[float] = ...,
    readout: str | None = ...,
    *,
    drugs: Mapping[str, float] | None = ...,
    ensemble: Literal[True] | str | pd.DataFrame,
    n_members: int | None = ...,
    run: RunOptions | Mapping[str, Any] | None = ...,
    backend: str | None = ...,
    n_workers: int | None = ...,
    scheduler: str | None = ...,
    out: str | Path | None = ...,
    progress: bool | None = ...,
    **perturbation: Any,
) -> pd.DataFrame: ...


def combination(
    model: Model,
    pair: tuple[str, str] | None = None,
    doses_a: Iterable[float] = (),
    doses_b: Iterable[float] = (),
    readout: str | None = None,
    *,
    drugs: Mapping[str, float] | None = None,
    ensemble: Any = None,
    n_members: int | None = None,
    run: RunOptions | Mapping[str, Any] | None = None,
    backend: str | None = None,
    n_workers: int | None = None,
    scheduler: str | None = None,
    out: str | Path | None = None,
    progress: bool | None = None,
    **perturbation: Any,
) -> Combination | pd.DataFrame:
    """Steady-state response matrix of two drugs, with Bliss, HSA, Loewe and ZIP scores.

    ``pair`` names the two drugs (rows, columns); the perturbation keywords (``genotype``,
    ``drugs``, ``knockouts``, ``cut``, ``parameters``, ``inputs``) set the background, as in
    every verb: ``drugs={"MK2206": 100}`` adds a third drug to every cell.

    Loewe and ZIP need at least 4 doses of each drug including 0; with fewer, only Bliss
    and HSA are computed (``scores`` is None). A dose pair without a verified steady state
    is NaN in ``response``, and so are the inhibition and excesses that need it (all of
    them when the drug-free pair failed or its readout is 0 within the solver's
    round-off); Loewe and ZIP, which fit
    whole rows and columns, are then not computed (``scores`` is None).
    ``settings["status"]`` holds every pair's status. ``run`` (or
    its shorthand keywords) says where the dose pairs run, as in every batch verb.

    With ``ensemble`` (``True``: the bundled calibrated ensemble, ``"verified"``, or a
    table of members; ``n_members``: the first N) the matrix is solved once per member
    and a DataFrame of quantiles across members is returned instead: one row per dose
    pair and ``quantity`` (``response``, ``inhibition``, ``bliss`` and ``hsa`` excess),
    columns ``q0.05``, ``q0.5``, ``q0.95``, ``mean``, ``n_members``, ``n_failed``
    (members without a verified steady state at that pair or at the drug-free
    reference, or for an excess at that pair's single agents, are left out of its
    quantiles). ``attrs["bliss_mean"]`` holds the quantiles of each member's mean Bliss
    excess over the combination cells, both doses above 0, as ``scores.bliss_mean``
    (``n_used``: members with a whole matrix).

    >>> import mtor_sim as ms
    >>> q = ms.combination(ms.load_model(), ("everolimus", "sorafenib"), [10], [1000],
    ...                    ensemble=True, n_members=3, progress=False)
    >>> sorted(set(q["quantity"]))
    ['bliss', 'hsa', 'inhibition', 'response']
    """
    from ._engine import steady_provenance

    opts = resolve_run(
        run,
        verb="combination",
        quiet=True,
        backend=backend,
        n_workers=n_workers,
        scheduler=scheduler,
        out=out,
        progress=progress,
    )
    if drugs is not None and not isinstance(drugs, Mapping):  # the old name of the pair
        if pair is not None:
            raise TypeError("give the pair as `pair=`; `drugs=` is the background drugs")
        warnings.warn(
            "combination(drugs=(a, b)) is deprecated: name the pair with `pair=(a, b)`; "
            "`drugs=` means background drugs {name: nM}, as in every verb",
            DeprecationWarning,
            stacklevel=2,
        )
        pair, drugs = drugs, None
    if isinstance(pair, str | Mapping) or not isinstance(pair, Sequence) or len(pair) != 2:
        raise TypeError(f"`pair` must be two drug names, got {pair!r}")
    a, b = pair
    if a == b:
        raise ValueError(f"`pair` names {a!r} twice: a combination needs two different drugs")
    for name in pair:
        check_name(name, model.drugs, kind="drug")
    readout = _one_readout(readout, perturbation, "combination")
    readout = check_name(
        default_readout(model.catalogue, readout, verb="combination"),
        model.readouts,
        kind="readout",
        aliases=model._aliases(),
    )
    # 0 is added to each axis, so one dose of a drug is enough
    da = np.unique(np.concatenate([[0.0], _doses(doses_a, name="doses_a", minimum=1)]))
    db = np.unique(np.concatenate([[0.0], _doses(doses_b, name="doses_b", minimum=1)]))
    for name, axis in (("doses_a", da), ("doses_b", db)):
        if axis.size < 2:
            raise ValueError(f"`{name}` needs a dose > 0 (0 is added to each axis)")
    mat = np.empty((da.size, db.size))
    status = np.empty((da.size, db.size), dtype=object)
    background = dict(drugs or {})
    if set(background) & {a, b}:
        raise ValueError(f"background `drugs` {background!r} repeat a drug of the pair {pair!r}")
    if background:
        perturbation["drugs"] = background
    from ._perturb import make_perturbation

    make_perturbation(model, **perturbation)  # names and values checked before any work
    perturbation.pop("drugs", None)
    cells = [(i, j) for i in range(da.size) for j in range(db.size)]
    if wants_ensemble(ensemble, n_members):
        return _combination_quantiles(
            model, (a, b), da, db, readout, background, perturbation, ensemble, n_members, opts
        )
    points = [{"drugs": background | {a: da[i], b: db[j]}, **perturbation} for i, j in cells]
    found = _readouts_at(model, readout, points, None, opts, "combination")
    for (i, j), (v, st) in zip(cells, found, strict=True):
        mat[i, j] = v if st == "ok" else np.nan  # a failed point is no number
        status[i, j] = st
    zero = _round_off(model, readout, perturbation | ({"drugs": background} if background else {}))
    effect = _inhibition(mat, zero)
    if abs(mat[0, 0]) <= zero:  # every cell solved, none has an inhibition: the status says so
        status[status == "ok"] = "zero_reference"
        warnings.warn(
            f"the drug-free {readout} is 0 (within the solver's round-off, {zero:.2g}): "
            "inhibition and synergy are undefined (NaN)",
            RuntimeWarning,
            stacklevel=2,
        )
    # the scores take inhibition in 0..1: a drug that raises the readout (pAKT S473 under
    # a rapalog) gives "excesses" that say nothing about synergy
    rises = {
        name: float(np.nanmin(alone))
        for name, alone in ((a, effect[1:, 0]), (b, effect[0, 1:]))
        if np.isfinite(alone).any() and np.nanmin(alone) < -RISE
    }
    if rises:
        shown = ", ".join(f"{k} (to {1 - v:.3g}x)" for k, v in rises.items())
        warnings.warn(
            f"alone, {shown} raise{'s' if len(rises) == 1 else ''} {readout}: Bliss, HSA, "
            "Loewe and ZIP take a fractional inhibition between 0 and 1, so their scores "
            "here do not measure synergy; read the response matrix instead",
            RuntimeWarning,
            stacklevel=2,
        )
    whole = bool(np.isfinite(effect).all())  # Loewe and ZIP fit whole rows and columns
    # a model's matrix: no noise, so a single agent's bell gets no Loewe fit
    enough = whole and min(da.size, db.size) >= MIN_SCORE_DOSES
    scores = synergy_scores(da, db, effect, monotonic=True) if enough else None

    def frame(m: np.ndarray) -> pd.DataFrame:
        return pd.DataFrame(
            m, index=pd.Index(da, name=f"{a} (nM)"), columns=pd.Index(db, name=f"{b} (nM)")
        )

    return Combination(
        (a, b),
        readout,
        frame(mat),
        frame(effect),
        scores,
        frame(_cellwise(bliss_excess, effect)),
        frame(_cellwise(hsa_excess, effect)),
        {
            "perturbation": perturbation,
            "background_drugs": background,
            "status": frame(status),
            "raised_by": sorted(rises),  # drugs that alone raise the readout: no synergy score
            **steady_provenance(model),
        },
    )
