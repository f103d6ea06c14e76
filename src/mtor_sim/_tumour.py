"""A minimal tumour-growth layer driven by the cell-level phenotype indices.

The tumour volume grows exponentially at the net rate

    r = k_prolif * proliferation * (1 - a_vegf * occ_VEGFR) - k_death * max(0, 2 - survival)

(per day), so that the untreated wild type (both indices 1) doubles every
``ln 2 / (k_prolif - k_death)`` days. Proliferation drives cell division; apoptosis
rises linearly as survival signalling falls below its wild-type level; VEGFR blockade
(sorafenib, lenvatinib) slows growth through the vasculature, which the cell model does
not contain. Drug exposure is taken as constant over the course (continuous dosing), so
the indices are those of the treated steady state.

"Tumour reduction" is the review's preclinical end point in the usual xenograft form,
``100 * (1 - V_treated / V_control)`` at the end of the course (tumour growth inhibition).
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal, overload

import numpy as np
import pandas as pd

from ._catalogue import occupancy
from ._errors import MtorSimError, check_nonnegative, check_share, wants_ensemble
from ._protocol import Immutable, html_summary, write_result

if TYPE_CHECKING:  # pragma: no cover
    from matplotlib.figure import Figure

    from ._model import Model

__all__ = ["TumourGrowth", "TumourResult", "tumour_response"]


@dataclass(frozen=True)
class TumourGrowth:
    """Parameters of the tumour-growth layer (per day).

    Defaults (assumptions): cell division every ~2 days in the untreated tumour
    (k_prolif = ln 2 / 2) and a net volume doubling time of ~5 days, typical of HCC
    xenografts; VEGFR blockade removes up to 30 % of cell division (assumption), which at
    these defaults is 75 % of the untreated wild type's net growth rate.
    """

    k_prolif: float = math.log(2) / 2.0
    k_death: float = math.log(2) / 2.0 - math.log(2) / 5.0
    a_vegf: float = 0.3

    def __post_init__(self) -> None:
        # checked once, here: a NaN rate or a share above 1 gave NaN or 100 % reductions
        # with status "ok"
        object.__setattr__(
            self, "k_prolif", check_nonnegative(self.k_prolif, name="k_prolif", allow_zero=False)
        )
        object.__setattr__(self, "k_death", check_nonnegative(self.k_death, name="k_death"))
        object.__setattr__(self, "a_vegf", check_share(self.a_vegf, name="a_vegf"))

    def rate(self, proliferation: float, survival: float, occ_vegfr: float = 0.0) -> float:
        """Net growth rate (per day) for the given indices and VEGFR occupancy."""
        return self.k_prolif * proliferation * (1.0 - self.a_vegf * occ_vegfr) - self.k_death * max(
            0.0, 2.0 - survival
        )


@dataclass(frozen=True)
class TumourResult(Immutable):
    """Tumour volumes (relative to the start) after a treatment course.

    Attributes
    ----------
    days : float
        Length of the course.
    control_volume, treated_volume : float
        Volumes at the end of the course, relative to the start; NaN when an arm's
        steady state was not verified (there is no rate to grow at).
    control_rate, treated_rate : float
        Net growth rates (per day), NaN likewise.
    success, status, message, metadata
        As for every result: ``status`` is ``"ok"``, or the status of the arm whose
        steady state failed, prefixed ``control_`` or ``treated_``
        (``"treated_not_reached"``).
    drugs : dict
        The treatment (drug -> nM).
    perturbation : dict
        The background both arms share (genotype, knockouts, ...).
    """

    days: float
    control_volume: float
    treated_volume: float
    control_rate: float
    treated_rate: float
    success: bool
    message: str
    status: str = "ok"
    drugs: dict[str, float] = field(default_factory=dict)
    perturbation: dict[str, Any] = field(default_factory=dict)
    metadata: dict[str, Any] = field(default_factory=dict)

    @property
    def reduction_percent(self) -> float:
        """Tumour growth inhibition, ``100 * (1 - V_treated / V_control)``, from the rates
        (finite where both volumes are beyond float range, over a long course)."""
        return float(_inhibition(self.control_rate, self.treated_rate, self.days))

    def to_dataframe(self) -> pd.DataFrame:
        """One row: the course's length, the inhibition, both arms' volumes and rates,
        the status and the treatment's label."""
        from ._perturb import Perturbation

        label = Perturbation.from_dict({**self.perturbation, "drugs": self.drugs}).label()
        return pd.DataFrame(
            [
                {
                    "days": self.days,
                    "reduction_percent": self.reduction_percent,
                    "control_volume": self.control_volume,
                    "treated_volume": self.treated_volume,
                    "control_rate": self.control_rate,
                    "treated_rate": self.treated_rate,
                    "status": self.status,
                    "label": label,
                }
            ]
        )

    def to_file(self, path: str | Path) -> Path:
        """Write the result to ``path``: ``.csv``, ``.parquet`` (the row of `to_dataframe`)
        or ``.json`` (status, metadata and the row). Returns the path."""
        return write_result(self, path)

    def plot(self, *, ax: Any = None) -> Figure:
        """Both arms' tumour volume over the course (log scale: exponential growth is a
        straight line), the inhibition at the end in the title."""
        from ._plot import plot_tumour

        return plot_tumour(self, ax=ax)

    def __repr__(self) -> str:
        return (
            f"<TumourResult {self.status}: {self.days:g} days, "
            f"reduction {self.reduction_percent:.1f} %>"
        )

    def _repr_html_(self) -> str:
        return html_summary(self, self.to_dataframe())


@overload
def tumour_response(
    model: Model,
    drugs: Mapping[str, float],
    *,
    days: float = ...,
    genotype: str | list[str] | None = ...,
    growth: TumourGrowth | None = ...,
    ensemble: Literal[False] | None = ...,
    n_members: int | None = ...,
    **perturbation: Any,
) -> TumourResult: ...


@overload
def tumour_response(
    model: Model,
    drugs: Mapping[str, float],
    *,
    days: float = ...,
    genotype: str | list[str] | None = ...,
    growth: TumourGrowth | None = ...,
    ensemble: Literal[True] | str | pd.DataFrame,
    n_members: int | None = ...,
    **perturbation: Any,
) -> pd.DataFrame: ...


def tumour_response(
    model: Model,
    drugs: Mapping[str, float],
    *,
    days: float = 21.0,
    genotype: str | list[str] | None = None,
    growth: TumourGrowth | None = None,
    ensemble: Any = None,
    n_members: int | None = None,
    **perturbation: Any,
) -> TumourResult | pd.DataFrame:
    """Tumour volume after ``days`` of continuous treatment, against an untreated control.

    Parameters
    ----------
    model : Model
        The bundled model (its proliferation and survival indices drive growth).
    drugs : dict
        Drug name -> concentration (nM) held for the whole course.
    days : float, days
        Length of the course.
    genotype, **perturbation
        As in `mtor_sim.steady_state` (applied to control and treated arms alike).
    ensemble : True, "all", "verified" or DataFrame, optional
        Run the course for every member of a parameter ensemble (``True``: the bundled
        calibrated ensemble; ``n_members``: the first N), their steady states solved as
        one batch, and return a DataFrame instead: one row per quantity
        (``reduction_percent``, ``control_volume``, ``treated_volume``,
        ``control_rate``, ``treated_rate``) with quantiles across members (``q0.05``,
        ``q0.5``, ``q0.95``), ``mean``, ``n_members`` and ``n_failed`` (members without
        a verified steady state in either arm, left out).

    Returns
    -------
    TumourResult, or a DataFrame of quantiles with ``ensemble``

    Examples
    --------
    >>> import mtor_sim as ms
    >>> res = ms.tumour_response(ms.load_model(), {"everolimus": 10}, genotype="PTEN_loss")
    >>> 0 < res.reduction_percent < 100
    True
    """
    if not model.is_bundled:
        raise MtorSimError(
            "the tumour-growth layer needs the bundled model's proliferation and survival indices"
        )
    days = check_nonnegative(days, name="days", allow_zero=False)
    growth = growth or TumourGrowth()
    from ._perturb import make_perturbation, resolve
    from ._trial import model_potencies

    # the names checked first (a misspelt drug read as a bare KeyError), and the VEGFR
    # potency the treated arm acts with: a copy's own value, or this call's `parameters=`
    # (it was ignored, while the cell model honoured it at every other site)
    treated = make_perturbation(model, genotype=genotype, drugs=drugs, **perturbation)
    values, _ = resolve(model, treated)
    occ = occupancy("VEGFR", dict(treated.drugs), model_potencies(model, values))
    if wants_ensemble(ensemble, n_members):
        return _across_members(
            model, drugs, days, genotype, growth, occ, perturbation, ensemble, n_members
        )
    ctrl = model.steady_state(genotype=genotype, **perturbation)
    trt = model.steady_state(genotype=genotype, drugs=drugs, **perturbation)
    ok = ctrl.success and trt.success
    r0 = growth.rate(ctrl["proliferation"], ctrl["survival"]) if ok else math.nan
    r1 = growth.rate(trt["proliferation"], trt["survival"], occ) if ok else math.nan
    if ok:
        status, msg = "ok", f"{days:g}-day course from the verified steady states of both arms"
    else:  # no verified state: no rate to grow at, so no volumes (NaN), never a guess
        arm, failed = ("control", ctrl) if not ctrl.success else ("treated", trt)
        status, msg = f"{arm}_{failed.status}", f"{arm} arm: {failed.message}"
    meta = dict(trt.metadata)
    meta["growth"] = asdict(growth)
    meta["vegfr_occupancy"] = occ
    with np.errstate(over="ignore"):  # a volume beyond float range is inf
        volumes = np.exp(np.array([r0, r1]) * days)
    return TumourResult(
        days,
        float(volumes[0]),
        float(volumes[1]),
        r0,
        r1,
        ok,
        msg,
        status,
        dict(trt.perturbation["drugs"]),
        {k: v for k, v in ctrl.perturbation.items() if k != "drugs"},
        meta,
    )


def _inhibition(control_rate: Any, treated_rate: Any, days: float) -> Any:
    """``100 * (1 - exp(r1 d) / exp(r0 d))`` without forming the volumes (1e5 days
    overflowed both, and the inhibition came out NaN)."""
    with np.errstate(over="ignore"):
        return -100.0 * np.expm1((np.asarray(treated_rate) - np.asarray(control_rate)) * days)


def _across_members(
    model: Model,
    drugs: Mapping[str, float],
    days: float,
    genotype: str | list[str] | None,
    growth: TumourGrowth,
    occ: float,
    perturbation: Mapping[str, Any],
    ensemble: Any,
    n_members: int | None,
) -> pd.DataFrame:
    """`tumour_response` for every member: both arms' steady states of all members in one
    batch, each member's course from its own, summarised across members."""
    from ._ensemble import across_members, report_failed, resolve_ensemble
    from ._perturb import make_perturbation
    from ._prefetch import answer_key, solve_for_members

    table = resolve_ensemble(ensemble, n=n_members, model=model)
    arms = [
        make_perturbation(model, genotype=genotype, **perturbation),
        make_perturbation(model, genotype=genotype, drugs=drugs, **perturbation),
    ]
    keys = [answer_key(p) for p in arms]
    rates = np.full((len(table), 2), np.nan)
    for i, found in enumerate(solve_for_members(model, table, arms, desc="tumour response")):
        if all(k in found for k in keys):
            ctrl, trt = (found[k] for k in keys)
            rates[i] = (
                growth.rate(ctrl["proliferation"], ctrl["survival"]),
                growth.rate(trt["proliferation"], trt["survival"], occ),
            )
    with np.errstate(over="ignore"):  # a volume beyond float range is inf: no answer
        volumes = np.exp(rates * days)
    quantities = {
        "reduction_percent": _inhibition(rates[:, 0], rates[:, 1], days),
        "control_volume": volumes[:, 0],
        "treated_volume": volumes[:, 1],
        "control_rate": rates[:, 0],
        "treated_rate": rates[:, 1],
    }
    out = pd.DataFrame([{"quantity": q, **across_members(v)} for q, v in quantities.items()])
    return report_failed(out.set_index("quantity"), "tumour_response(ensemble=...)")
