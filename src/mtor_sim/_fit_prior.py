"""The priors of a PEtab v1 parameter table: the objective's prior terms and start points.

``objectivePriorType`` / ``objectivePriorParameters`` add, for each estimated parameter
that has them, the negative log of the prior density to the objective, which becomes a
negative log-posterior (maximum a posteriori estimation). As in PEtab v1 and pyPESTO, the
density of ``parameterScale*`` types is that of the parameter on its PEtab scale, and that
of every other type is that of its linear value, with no change-of-variables term; the
densities are not renormalised to the bounds (a constant, which moves no optimum). A
parameter without a prior has PEtab's default, uniform on its PEtab scale within its
bounds (a constant too). `log_jacobian` gives the term that turns the objective into the
posterior density on the PEtab scale, which the MCMC sampler needs: with it the samples of
a parameter with a linear-scale prior follow that parameter's posterior.

``initializationPriorType`` / ``initializationPriorParameters`` set the distribution the
multi-start optimisation draws its start points from, truncated to the bounds (petab's
own `Prior`, with this package's random generator).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from ._errors import PetabError

#: The objective prior types of PEtab v1.
PRIOR_TYPES = (
    "uniform",
    "normal",
    "laplace",
    "logNormal",
    "logLaplace",
    "parameterScaleUniform",
    "parameterScaleNormal",
    "parameterScaleLaplace",
)


def _to_scale(v: float, scale: str) -> float:
    """``v`` on a PEtab scale; ``-inf`` for 0 and below on a log scale."""
    if scale == "lin":
        return v
    if v <= 0:
        return -math.inf
    return math.log(v) if scale == "log" else math.log10(v)


def _missing(v: Any) -> bool:
    return v is None or (isinstance(v, float) and math.isnan(v)) or str(v).strip() == ""


@dataclass(frozen=True)
class Prior:
    """One estimated parameter's objective prior (PEtab v1 type and its two numbers)."""

    parameter: str
    index: int  # position among the estimated parameters
    kind: str
    a: float  # lower bound, mean or location (of the log value for the log types)
    b: float  # upper bound, standard deviation or scale
    scale: str  # the parameter's PEtab scale: lin, log or log10

    def _value(self, x: float) -> tuple[float, float, float]:
        """The value the density is of, and its first and second derivatives in ``x``."""
        if self.kind.startswith("parameterScale") or self.scale == "lin":
            return x, 1.0, 0.0
        if self.scale == "log":
            v = math.exp(x)
            return v, v, v
        v = 10.0**x
        ln10 = math.log(10.0)
        return v, v * ln10, v * ln10 * ln10

    def terms(self, x: float) -> tuple[float, float, float]:
        """``-log p`` at ``x`` (PEtab scale) and its first and second derivatives in ``x``."""
        v, dv, d2v = self._value(x)
        a, b = self.a, self.b
        inf = (math.inf, math.nan, math.nan)
        kind = self.kind.removeprefix("parameterScale").lower()
        if kind == "uniform":  # on the PEtab scale, as `support` (and so the bounds) has it
            lo, hi = self.support()
            return (math.log(b - a), 0.0, 0.0) if lo <= x <= hi else inf
        if kind == "normal":
            f, df, d2f = (
                0.5 * math.log(2 * math.pi * b * b) + (v - a) ** 2 / (2 * b * b),
                (v - a) / (b * b),
                1.0 / (b * b),
            )
        elif kind == "laplace":
            f, df, d2f = math.log(2 * b) + abs(v - a) / b, math.copysign(1.0, v - a) / b, 0.0
        else:  # lognormal, loglaplace: the density of v whose log is normal or Laplace
            if v <= 0:
                return inf
            u = math.log(v) - a
            if kind == "lognormal":
                f = 0.5 * math.log(2 * math.pi * b * b) + math.log(v) + u * u / (2 * b * b)
                df = (1.0 + u / (b * b)) / v
                d2f = (-1.0 + (1.0 - u) / (b * b)) / (v * v)
            else:
                s = math.copysign(1.0, u)
                f = math.log(2 * b * v) + abs(u) / b
                df = (1.0 + s / b) / v
                d2f = -(1.0 + s / b) / (v * v)
        return f, df * dv, d2f * dv * dv + df * d2v

    def log_jacobian(self, x: float) -> float:
        """``log |d value / d x|``: the density of the linear value taken to the PEtab scale."""
        return math.log(self._value(x)[1])

    def support(self) -> tuple[float, float]:
        """Where the density is positive, on the PEtab scale (``-inf``/``inf``: open)."""
        kind = self.kind
        if kind == "parameterScaleUniform":
            return self.a, self.b
        if kind == "uniform":
            return _to_scale(self.a, self.scale), _to_scale(self.b, self.scale)
        if kind in ("logNormal", "logLaplace"):
            return _to_scale(0.0, self.scale), math.inf
        return -math.inf, math.inf

    def kink(self) -> float | None:
        """Where a Laplace-type density has its kink, on the PEtab scale (None otherwise,
        or where the scale cannot reach it)."""
        if self.kind == "parameterScaleLaplace":
            return self.a
        if self.kind == "laplace":
            return None if self.scale != "lin" and self.a <= 0 else _to_scale(self.a, self.scale)
        if self.kind == "logLaplace":
            return _to_scale(math.exp(self.a), self.scale)
        return None

    def kink_side(self, x: float) -> float:
        """The sign `terms` gives the ``|.| / b`` term's slope at ``x`` (which side of the
        kink it takes ``x`` to be on)."""
        v = self._value(x)[0]
        return math.copysign(1.0, (math.log(v) if self.kind == "logLaplace" else v) - self.a)

    def kink_slope(self, x: float) -> float:
        """The size of the jump's half in the gradient at a Laplace kink near ``x``: the
        slope of the ``|.| / b`` term, on the PEtab scale."""
        v, dv, _ = self._value(x)
        return abs(dv) / (self.b * (v if self.kind == "logLaplace" else 1.0))


def _parse(pid: str, kind: Any, cell: Any, which: str) -> tuple[str, float, float] | None:
    """A prior's type and two numbers from the table's cells, checked; None for PEtab's
    default (no type, or ``parameterScaleUniform`` without numbers: uniform within the
    bounds). Raises `PetabError` naming the parameter."""
    if _missing(kind) and _missing(cell):
        return None
    kind = "parameterScaleUniform" if _missing(kind) else str(kind).strip()
    if kind not in PRIOR_TYPES:
        raise PetabError(
            f"parameter {pid!r} has {which}PriorType {kind!r}; PEtab v1 knows "
            f"{', '.join(PRIOR_TYPES)}"
        )
    if _missing(cell) and kind == "parameterScaleUniform":
        return None
    try:
        a, b = (float(s) for s in str(cell).split(";"))
    except ValueError:
        raise PetabError(
            f"parameter {pid!r}: {which}PriorParameters {cell!r} must be two numbers "
            f"separated by ';' for a {kind} prior"
        ) from None
    if not (math.isfinite(a) and math.isfinite(b)):
        raise PetabError(f"parameter {pid!r}: {which}PriorParameters {cell!r} must be finite")
    uniform = kind.lower().endswith("uniform")
    if uniform and not a < b:
        raise PetabError(f"parameter {pid!r}: a {kind} prior needs lower < upper, got {cell!r}")
    if not uniform and b <= 0:
        what = "standard deviation" if kind.lower().endswith("normal") else "scale"
        raise PetabError(
            f"parameter {pid!r}: the {what} of its {kind} prior must be positive, got {b:g}"
        )
    return kind, a, b


def objective_priors(
    par: pd.DataFrame, x_ids: Sequence[str], x_scales: Sequence[str]
) -> list[Prior]:
    """The objective priors of the estimated parameters ``x_ids`` of a parameter table.

    Raises `PetabError` for an unknown type, missing or non-numeric parameters, a standard
    deviation or scale that is not positive, or a uniform prior that is empty.
    """
    return [
        Prior(str(x_ids[j]), j, *parsed, str(x_scales[j]))
        for j, parsed in _table_priors(par, x_ids, "objective").items()
    ]


def _table_priors(
    par: pd.DataFrame, x_ids: Sequence[str], which: str
) -> dict[int, tuple[str, float, float]]:
    """The ``which`` ("objective" or "initialization") priors the table gives the
    estimated parameters ``x_ids``, checked (`_parse`), by position."""
    if f"{which}PriorType" not in par and f"{which}PriorParameters" not in par:
        return {}
    out = {}
    for j, pid in enumerate(x_ids):
        row = par.loc[pid]
        parsed = _parse(
            str(pid), row.get(f"{which}PriorType"), row.get(f"{which}PriorParameters"), which
        )
        if parsed is not None:
            out[j] = parsed
    return out


def prior_bounds(
    priors: Sequence[Prior], x_ids: Sequence[str], lb: np.ndarray, ub: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """The bounds (PEtab scale) narrowed to where each prior's density is positive, so that
    the optimisers, profiles and start points see a prior's edge as a bound and not as
    points where the model cannot be simulated. Raises `PetabError` where nothing is left,
    or where a log-type prior's open edge at 0 would be a bound (a linear-scale parameter
    whose lower bound is 0 or below)."""
    lb, ub = lb.copy(), ub.copy()
    for p in priors:
        lo, hi = p.support()
        j = p.index
        if p.kind in ("logNormal", "logLaplace") and p.scale == "lin" and lb[j] <= 0:
            raise PetabError(
                f"parameter {p.parameter!r}: its {p.kind} prior is a density of positive "
                f"values, but its lower bound is {lb[j]:g}; give it a positive lower bound "
                "or a log scale"
            )
        if max(lb[j], lo) >= min(ub[j], hi):
            raise PetabError(
                f"parameter {x_ids[j]!r}: its {p.kind} prior ({p.a:g}; {p.b:g}) puts no "
                f"mass within its bounds [{lb[j]:g}, {ub[j]:g}] (PEtab scale {p.scale})"
            )
        lb[j], ub[j] = max(lb[j], lo), min(ub[j], hi)
    return lb, ub


def has_initialization_priors(par: pd.DataFrame, x_ids: Sequence[str]) -> bool:
    """Whether any estimated parameter has a start distribution other than PEtab's default
    (uniform on its PEtab scale within its bounds); every one given is checked as the
    objective priors are (`PetabError` naming the parameter)."""
    return bool(_table_priors(par, x_ids, "initialization"))


def initialization_draws(
    par: pd.DataFrame,
    x_ids: Sequence[str],
    lb: np.ndarray,
    ub: np.ndarray,
    rng: np.random.Generator,
    n: int,
) -> np.ndarray:
    """``n`` start points (rows, PEtab scale) drawn from the parameter table's
    initialization priors (uniform on the PEtab scale where it gives none), truncated to
    the bounds ``lb``, ``ub`` (PEtab scale: the table's, narrowed by the objective priors),
    by inverse transform of ``rng``'s uniform numbers. Raises `PetabError` for a prior with
    no mass within the bounds."""
    from petab.v1.core import is_empty
    from petab.v1.parameters import scale, unscale
    from petab.v1.priors import Prior as PetabPrior

    u = rng.uniform(size=(n, len(x_ids)))
    out = np.empty_like(u)
    for j, pid in enumerate(x_ids):
        row = par.loc[pid].to_dict()
        sc = str(row.get("parameterScale", "lin"))
        row["lowerBound"], row["upperBound"] = (float(unscale(v, sc)) for v in (lb[j], ub[j]))
        for col in ("initializationPriorType", "initializationPriorParameters"):
            if col in row and is_empty(row[col]):
                row[col] = np.nan
        try:
            prior = PetabPrior.from_par_dict(row, type_="initialization")
            with np.errstate(all="ignore"):
                out[:, j] = scale(prior.distribution.ppf(u[:, j]), prior.transformation)
        except (ValueError, TypeError, AttributeError) as e:
            raise PetabError(
                f"parameter {pid!r}: initializationPriorType "
                f"{row.get('initializationPriorType')!r} with initializationPriorParameters "
                f"{row.get('initializationPriorParameters')!r}: {e}"
            ) from None
        tol = 1e-9 * (1.0 + np.abs(out[:, j]))
        inside = (out[:, j] >= lb[j] - tol) & (out[:, j] <= ub[j] + tol)
        if not np.all(np.isfinite(out[:, j]) & inside):
            raise PetabError(
                f"parameter {pid!r}: its initialization prior {prior.type}"
                f"{tuple(prior.parameters)} puts no mass within its bounds "
                f"[{row['lowerBound']:g}, {row['upperBound']:g}]: no start point can be drawn"
            )
    return np.clip(out, lb, ub)  # the scale's rounding stays within them
