"""Result objects: the numbers, how they were made, and whether they can be trusted."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, cast

import numpy as np
import pandas as pd

from ._protocol import DeferredSeries, Immutable, html_summary, stored, write_result

if TYPE_CHECKING:  # pragma: no cover
    from matplotlib.figure import Figure

__all__ = ["SteadyState", "TimeCourse", "provenance"]


def provenance(model: Any, **solver: Any) -> dict[str, Any]:
    """What a result needs to be reproduced: package version, model hash, solver settings."""
    from . import __version__

    out = {
        "package_version": __version__,
        "model": model.name,
        "model_hash": model.hash,
        "bundled": model.is_bundled,
        "solver": dict(solver),
    }
    if not model.is_bundled:  # its figures will want its labels
        from ._labels import register

        out["labels"] = register(model.hash, model.labels)
    return out


@dataclass(frozen=True)
class SteadyState(Immutable):
    """A steady state of a model under one perturbation.

    Index it by readout or species name for a float: ``ss["pAKT_S473"]``.

    Attributes
    ----------
    readouts : pandas.Series
        Readout values, indexed by readout name.
    species : pandas.Series
        Floating-species values (relative amounts), indexed by species id.
    success : bool
        True only when ``status == "ok"``: the state was verified to satisfy
        max |dx/dt| <= ``tolerance`` and to be stable.
    status : str
        ``"ok"``, ``"not_reached"`` (no point with small enough residual was found),
        ``"unstable"`` (a fixed point with a Jacobian eigenvalue of positive real part),
        ``"negative"`` (a state went below zero), ``"not_unique"`` (the Jacobian is
        singular within tolerance: a continuum of steady states, so the value depends on
        the solver's path), ``"solver_failed"`` or ``"timed_out"`` (the search ran out of
        its budget of wall-clock time, `Model.solve_budget`).
    message : str
        What happened, in words, with what to try next where that helps.
    max_rate : float
        max |dx/dt| at the returned state (per minute).
    max_eigenvalue : float
        Largest real part of the (reduced) Jacobian's eigenvalues (per minute).
    perturbation : dict
        The perturbation that made this state.
    metadata : dict
        Package version, model hash, solver and tolerances.
    """

    readouts: pd.Series
    species: pd.Series
    success: bool
    status: str
    message: str
    max_rate: float
    max_eigenvalue: float
    tolerance: float
    perturbation: dict[str, Any] = field(default_factory=dict)
    metadata: dict[str, Any] = field(default_factory=dict)

    @property
    def stable(self) -> bool:
        return bool(self.max_eigenvalue < 0) if np.isfinite(self.max_eigenvalue) else False

    def __getitem__(self, name: str) -> float:
        for field_name in ("readouts", "species"):
            value = object.__getattribute__(self, field_name)
            if type(value) is DeferredSeries:  # read without building the Series
                found = value.get(name) if isinstance(name, str) else None
                if found is not None:
                    return found
            elif name in value.index:
                return float(value[name])
        from ._errors import check_name

        readouts, species = self._series()
        check_name(name, list(readouts.index) + list(species.index), kind="readout or species")
        raise AssertionError  # pragma: no cover - check_name raised

    def _series(self) -> tuple[pd.Series, pd.Series]:
        """The stored readouts and species, not copied: for reading only."""
        return stored(self, "readouts"), stored(self, "species")

    @classmethod
    def _of_arrays(
        cls,
        readouts: np.ndarray,
        readout_index: pd.Index,
        species: np.ndarray,
        species_index: pd.Index,
        *rest: Any,
    ) -> SteadyState:
        """A steady state of value arrays and their (shared) indexes; the ``readouts``
        and ``species`` Series are built when first read, not here (`DeferredSeries`).
        ``rest`` are the other fields, in order."""
        return cls(
            cast(pd.Series, DeferredSeries(readouts, readout_index)),
            cast(pd.Series, DeferredSeries(species, species_index)),
            *rest,
        )

    def to_series(self) -> pd.Series:
        """Readouts as a Series (a copy)."""
        return self.readouts.copy()

    def to_dataframe(self) -> pd.DataFrame:
        """One row: readouts, status and the perturbation's label."""
        from ._perturb import Perturbation, baseline_name

        row = self.readouts.to_dict()
        row.update(status=self.status, max_rate=self.max_rate, stable=self.stable)
        base = baseline_name(self.metadata.get("bundled", True))
        row["label"] = Perturbation.from_dict(self.perturbation).label(base)
        return pd.DataFrame([row])

    def to_file(self, path: str | Path) -> Path:
        """Write the result to ``path``: ``.csv``, ``.parquet`` (the row of `to_dataframe`)
        or ``.json`` (status, metadata and the row). Returns the path."""
        return write_result(self, path)

    def plot(self, readouts: Sequence[str] | str | None = None, *, ax: Any = None) -> Figure:
        """The readouts (default all; one name or a list) as horizontal bars, under a
        title naming the perturbation; an unverified state is drawn hatched grey."""
        from ._plot import plot_steady_state

        return plot_steady_state(self, readouts, ax=ax)

    def __repr__(self) -> str:
        head = ", ".join(f"{k}={v:.3g}" for k, v in list(self.readouts.items())[:4])
        return f"<SteadyState {self.status}: {head}, ...>"

    def _repr_html_(self) -> str:
        return html_summary(self, self.readouts.to_frame("value"))


@dataclass(frozen=True)
class TimeCourse(Immutable):
    """A time course of readouts and species under one perturbation; time in the model's
    unit (minutes for the bundled model; ``metadata["time_unit"]``).

    ``tc["pAKT_S473"]`` is that readout over time, a Series indexed by time.
    """

    data: pd.DataFrame
    success: bool
    status: str
    message: str
    perturbation: dict[str, Any] = field(default_factory=dict)
    metadata: dict[str, Any] = field(default_factory=dict)
    readout_names: tuple[str, ...] = ()

    @property
    def time(self) -> np.ndarray:
        return self.data.index.to_numpy()

    def __getitem__(self, name: str) -> pd.Series:
        if name not in self.data.columns:
            from ._errors import check_name

            check_name(name, self.data.columns, kind="readout or species")
        return self.data[name]

    def to_dataframe(self, *, species: bool = False) -> pd.DataFrame:
        """Time course with a ``time`` index (the model's unit) and one column per readout.

        Parameters
        ----------
        species : bool
            Also include every floating species.
        """
        cols = list(self.data.columns) if species else list(self.readout_names)
        return self.data[cols].copy()

    def to_file(self, path: str | Path) -> Path:
        """Write the result to ``path``: ``.csv``, ``.parquet`` (``time`` and the readouts
        of `to_dataframe`) or ``.json`` (status, metadata and the rows). Returns the path."""
        return write_result(self, path)

    @property
    def schedule(self) -> Any:
        """The `mtor_sim.Schedule` the course was run with, or None."""
        recorded = self.metadata.get("schedule")
        if not recorded:
            return None
        from ._schedule import Schedule

        return Schedule.from_dict(recorded)

    def exposure(self) -> pd.DataFrame:
        """Scheduled drug concentrations (nM) at the output times, one column per drug:
        the exact curve (for oral PK, not the stepwise mean the cells were given), plus
        any constant ``drugs=``. Empty columns without drugs."""
        t = self.time
        conc = {
            d: np.full(len(t), float(c))
            for d, c in (self.perturbation or {}).get("drugs", {}).items()
        }
        sched = self.schedule
        if sched is not None:
            conc.update(sched.concentrations(self.schedule_minutes(t)))
        return pd.DataFrame(conc, index=pd.Index(t, name="time"))

    def schedule_minutes(self, t: Any) -> np.ndarray:
        """Times ``t`` of this course (the model's time unit) as the minutes its schedule
        counts."""
        return np.asarray(t, dtype=float) * float(self.metadata.get("minutes_per_unit", 1.0))

    def plot(
        self,
        readouts: Sequence[str] | str | None = None,
        *,
        hours: bool = True,
        ax: Any = None,
        title: str | None = None,
    ) -> Figure:
        """Readouts against time (h, or min with ``hours=False``); by default Akt, S6K1
        and 4E-BP1 phosphorylation (a model's first four readouts if it lacks them), under
        a title naming the perturbation. A scheduled course gets a panel of drug exposure
        (nM, log axis) above the readouts."""
        from ._plot import plot_timecourse

        return plot_timecourse(self, readouts, ax=ax, hours=hours, title=title)

    def __repr__(self) -> str:
        from ._labels import time_unit_short

        shown = time_unit_short(self.metadata.get("time_unit", "minute"))
        return (
            f"<TimeCourse {self.status}: {len(self.data)} points to "
            f"t={self.data.index[-1]:g} {shown}>"
        )

    def _repr_html_(self) -> str:
        return html_summary(self)
