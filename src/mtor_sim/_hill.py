"""Four-parameter logistic (Hill) curves and their robust fit to dose-response data.

The curve is parametrised by the response at zero dose (``top``), the response at
saturating dose (``bottom``), the dose of the half-maximal effect (``ic50``, nM) and
a positive slope (``hill``)::

    response = bottom + (top - bottom) / (1 + (dose / ic50) ** hill)

With ``hill > 0`` the curve runs from ``top`` (dose 0) to ``bottom`` (dose -> inf):
it decreases when ``top > bottom`` (inhibition) and increases when ``top < bottom``
(activation). Activation is therefore a curve with ``top < bottom``, never a negative
slope, so one parametrisation serves both directions.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
from numpy.typing import ArrayLike

from ._errors import check_nonnegative

__all__ = ["HillFit", "fit_hill", "hill"]

HILL_BOUNDS = (0.1, 10.0)  # slopes outside this range are not plausible dose-responses
IC50_RANGE_FACTOR = 1e3  # ic50 may lie up to 1000x beyond the lowest/highest positive dose
_FLAT_RTOL = 1e-9  # responses within this relative spread count as "no change"
#: A response that moves against its overall direction by more than this share of its
#: range (mean per dose, in dose order) is not monotonic: no Hill curve describes it.
NON_MONOTONIC = 0.2
_LN10 = np.log(10.0)


def _curve(dose: np.ndarray, bottom: float, top: float, ic50: float, slope: float) -> np.ndarray:
    """Unchecked Hill curve; dose 0 gives ``top`` for ``slope > 0``."""
    with np.errstate(divide="ignore", over="ignore", invalid="ignore"):
        ratio = np.power(dose / ic50, slope)
    return bottom + (top - bottom) / (1.0 + ratio)


def hill(dose: ArrayLike, *, bottom: float, top: float, ic50: float, hill: float) -> np.ndarray:
    """Evaluate the four-parameter logistic (Hill) curve.

    Parameters
    ----------
    dose : array_like, nM
        Doses (>= 0). Dose 0 gives ``top``.
    bottom : float, response units
        Response at saturating dose.
    top : float, response units
        Response at zero dose.
    ic50 : float, nM
        Dose of the half-maximal effect (midway between ``top`` and ``bottom``), > 0.
    hill : float, dimensionless
        Hill slope; positive values give a curve running from ``top`` to ``bottom``.

    Returns
    -------
    numpy.ndarray
        Response at each dose, same shape as ``dose``.

    Examples
    --------
    >>> hill([0.0, 10.0], bottom=0.0, top=1.0, ic50=10.0, hill=1.0)
    array([1. , 0.5])
    """
    if not (np.isfinite(ic50) and ic50 > 0):
        raise ValueError(f"`ic50` must be a finite number > 0, got {ic50!r}")
    return _curve(np.asarray(dose, dtype=float), bottom, top, ic50, hill)


@dataclass(frozen=True)
class HillFit:
    """Result of `fit_hill`.

    Attributes
    ----------
    bottom, top : float, response units
        Fitted responses at saturating and at zero dose (``top < bottom`` for activation).
    ic50 : float, nM
        Dose of the half-maximal effect (relative IC50); NaN when no curve was fitted.
    hill : float
        Hill slope in ``[0.1, 10]``; NaN when no curve was fitted.
    emax : float, fraction
        ``(top - bottom) / top``: the fraction of the zero-dose response removed at
        saturating dose (0.8 means 80 % inhibition; negative for activation). NaN if
        ``top == 0``.
    emax_abs : float, response units
        ``top - bottom``.
    r_squared : float
        Coefficient of determination ``1 - SS_res / SS_tot``.
    rmse : float, response units
        Root-mean-square residual.
    ic50_ci : tuple of float, nM
        95 % Wald interval on ``log10(ic50)`` (Student t, ``n - p`` degrees of freedom)
        mapped back to nM; NaN when there are no residual degrees of freedom. Where that
        interval does not hold, what the data say instead: for an IC50 beyond the tested
        doses, ``(0, lowest dose)`` or ``(highest dose, inf)``; with the Hill slope at
        its upper bound (a switch steeper than the doses resolve), the two tested doses
        around the IC50; at its lower bound, NaN.
    success : bool
        True when the optimiser converged to finite parameters on a responsive curve.
    message : str
        What happened, including warnings (parameters at bounds, extrapolated IC50).
    n_points : int
        Number of data points fitted.
    ic50_extrapolated : bool
        True when ``ic50`` lies outside the range of tested positive doses.
    """

    bottom: float
    top: float
    ic50: float
    hill: float
    emax: float
    emax_abs: float
    r_squared: float
    rmse: float
    ic50_ci: tuple[float, float]
    success: bool
    message: str
    n_points: int
    ic50_extrapolated: bool = False

    @property
    def rises(self) -> bool:
        """Whether the response rises with the dose (``top < bottom``, whatever the signs
        of the plateaus): its ``ic50`` is then the dose of half the rise, an EC50."""
        return bool(self.top < self.bottom)

    def predict(self, dose: ArrayLike) -> np.ndarray:
        """Response predicted at ``dose`` (nM); constant ``top`` when no curve was fitted.

        Examples
        --------
        >>> fit = fit_hill([0, 1, 10, 100, 1000], [1.0, 0.91, 0.5, 0.09, 0.01])
        >>> fit.predict([0.0]).round(2)
        array([1.])
        """
        d = np.asarray(dose, dtype=float)
        if not np.isfinite(self.ic50):
            return np.full(d.shape, self.top)
        return _curve(d, self.bottom, self.top, self.ic50, self.hill)


def _check_inputs(doses: ArrayLike, responses: ArrayLike) -> tuple[np.ndarray, np.ndarray]:
    d = np.asarray(doses, dtype=float)
    y = np.asarray(responses, dtype=float)
    if d.ndim != 1:
        raise ValueError(f"`doses` must be 1-D, got shape {d.shape}")
    if y.shape != d.shape:
        raise ValueError(f"`responses` must have the shape of `doses` {d.shape}, got {y.shape}")
    if not np.all(np.isfinite(d)):
        raise ValueError("`doses` must be finite (no NaN or inf)")
    if np.any(d < 0):
        raise ValueError(f"`doses` must be >= 0 nM, got minimum {d.min()!r}")
    if not np.all(np.isfinite(y)):
        raise ValueError("`responses` must be finite (no NaN or inf)")
    n_distinct = np.unique(d).size
    if n_distinct < 4:
        raise ValueError(
            f"`doses` must contain at least 4 distinct values to fit 4 parameters, "
            f"got {n_distinct}; add doses or fix `bottom`/`top` on fewer-parameter data"
        )
    return d, y


def _reversal(d: np.ndarray, y: np.ndarray) -> float:
    """The largest move of the mean response per dose (in dose order) against the
    direction from the lowest to the highest dose."""
    doses = np.unique(d)
    m = np.array([y[d == x].mean() for x in doses])
    sign = 1.0 if m[-1] >= m[0] else -1.0
    walk = sign * m  # overall rising
    return float(np.max(np.maximum.accumulate(walk) - walk))


def _bell_share(d: np.ndarray, y: np.ndarray) -> float:
    """How far a response moves against its overall direction, as a share of its range
    (0 for a flat one)."""
    span = float(np.ptp(y))
    return _reversal(d, y) / span if span > 0 else 0.0


def is_bell(doses: ArrayLike, responses: ArrayLike) -> bool:
    """Whether a response moves against its overall direction by more than
    `NON_MONOTONIC` of its range: the rule of ``fit_hill(..., monotonic=True)``."""
    d, y = np.asarray(doses, dtype=float), np.asarray(responses, dtype=float)
    return _bell_share(d, y) > NON_MONOTONIC


def _check_fixed(value: float | None, name: str) -> float | None:
    if value is None:
        return None
    x = float(value)
    if not np.isfinite(x):
        raise ValueError(f"`{name}` must be finite or None, got {value!r}")
    return x


def _ic50_guess(d: np.ndarray, y: np.ndarray, top0: float, bottom0: float) -> float:
    """log10 of the dose where the mean response first crosses the midpoint."""
    pos = np.unique(d[d > 0])
    means = np.array([y[d == x].mean() for x in pos])
    side = np.sign(means - 0.5 * (top0 + bottom0))
    for i in range(pos.size - 1):
        if side[i] != side[i + 1] and side[i] != 0:
            f = (means[i] - 0.5 * (top0 + bottom0)) / (means[i] - means[i + 1])
            return float(np.log10(pos[i]) + f * np.log10(pos[i + 1] / pos[i]))
    return float(np.mean(np.log10(pos)))


def slope_at_bound(slope: float) -> int:
    """+1 where a fitted Hill slope sits at its upper bound (`HILL_BOUNDS`: a switch
    steeper than the doses resolve), -1 at its lower one, else 0."""
    if np.isclose(slope, HILL_BOUNDS[1]):
        return 1
    return -1 if np.isclose(slope, HILL_BOUNDS[0]) else 0


def fit_hill(
    doses: ArrayLike,
    responses: ArrayLike,
    *,
    fix_bottom: float | None = None,
    fix_top: float | None = None,
    monotonic: bool = False,
    zero: float = 0.0,
) -> HillFit:
    """Fit a four-parameter Hill curve to dose-response data.

    Least squares (``scipy.optimize.least_squares``, trust-region reflective) on
    ``(bottom, top, log10(ic50), hill)`` with an analytic Jacobian, started from several
    guesses derived from the data (plateaus at the lowest and highest dose, the
    midpoint crossing, slopes 0.5/1/3); the best converged start wins. Responses are
    rescaled internally so the fit does not depend on their units.

    Parameters
    ----------
    doses : array_like, nM
        Doses, >= 0; replicates allowed. Dose 0 anchors ``top``. At least 4 distinct
        doses are required.
    responses : array_like, response units
        Readout at each dose. Decreasing data give ``top > bottom``; increasing data
        (activation) give ``top < bottom`` with a positive slope.
    fix_bottom, fix_top : float, optional
        Hold ``bottom`` / ``top`` at this value instead of fitting it.
    monotonic : bool
        Give no fit for a response that is not monotonic: one whose mean per dose moves
        against its overall direction by more than `NON_MONOTONIC` of its range (a bell).
        For noise-free responses (a model's, as `mtor_sim.dose_response` fits them);
        measured data with noise of that size would be refused too.
    zero : float
        Responses within this distance of 0 are 0 (a solver's round-off): a response
        that stays within it has no fit, as one that does not change.

    Returns
    -------
    HillFit
        ``success`` is False (``ic50`` NaN) when the response does not change over the
        dose range, or, with ``monotonic``, is not monotonic; ``ic50_extrapolated`` flags
        an IC50 outside the tested doses.

    Raises
    ------
    ValueError
        If doses are negative or non-finite, responses non-finite, shapes differ, or
        fewer than 4 distinct doses are given.

    Notes
    -----
    Bounds: ``hill`` in ``[0.1, 10]``; ``ic50`` in ``[min positive dose / 1e3,
    max dose * 1e3]``; ``bottom`` and ``top`` unbounded.

    Examples
    --------
    >>> d = [0, 1, 3, 10, 30, 100, 300]
    >>> y = hill(d, bottom=10.0, top=100.0, ic50=20.0, hill=1.2)
    >>> round(fit_hill(d, y).ic50, 3)
    20.0
    """
    d, y = _check_inputs(doses, responses)
    fix_bottom = _check_fixed(fix_bottom, "fix_bottom")
    fix_top = _check_fixed(fix_top, "fix_top")
    n = y.size
    pos = d[d > 0]
    d_lo, d_hi = float(pos.min()), float(pos.max())

    zero = check_nonnegative(zero, name="zero")
    span = float(np.ptp(y))
    at_zero = zero > 0 and float(np.max(np.abs(y))) <= zero
    if at_zero or span <= _FLAT_RTOL * float(np.max(np.abs(y))):
        level = 0.0 if at_zero else float(np.mean(y))
        return HillFit(
            bottom=level,
            top=level,
            ic50=np.nan,
            hill=np.nan,
            emax=0.0 if level != 0 else np.nan,
            emax_abs=0.0,
            r_squared=np.nan,
            rmse=float(np.sqrt(np.mean((y - level) ** 2))),
            ic50_ci=(np.nan, np.nan),
            success=False,
            n_points=n,
            message=(
                "response is 0 (within the solver's accuracy) at every dose"
                if at_zero
                else "response does not change over the dose range"
            )
            + "; no IC50 can be fitted",
        )

    back = _bell_share(d, y) if monotonic else 0.0
    if back > NON_MONOTONIC:  # a bell: an IC50 would mean nothing
        top_y, bottom_y = float(np.mean(y[d == d.min()])), float(np.mean(y[d == d.max()]))
        return HillFit(
            bottom=bottom_y,
            top=top_y,
            ic50=np.nan,
            hill=np.nan,
            emax=(top_y - bottom_y) / top_y if top_y != 0 else np.nan,
            emax_abs=top_y - bottom_y,
            r_squared=np.nan,
            rmse=np.nan,
            ic50_ci=(np.nan, np.nan),
            success=False,
            n_points=n,
            message=(
                f"the response is not monotonic in dose: it moves against its overall "
                f"direction by {back:.0%} of its range, so no Hill curve describes it and "
                "no IC50 is given"
            ),
        )

    # Work in rescaled responses: yn = (y - c) / s.
    c, s = float(np.mean(y)), span
    yn = (y - c) / s
    with np.errstate(divide="ignore"):
        logd = np.where(d > 0, np.log10(np.where(d > 0, d, 1.0)), -np.inf)
    free = np.array([fix_bottom is None, fix_top is None, True, True])
    fixed = np.array(
        [
            0.0 if fix_bottom is None else (fix_bottom - c) / s,
            0.0 if fix_top is None else (fix_top - c) / s,
            0.0,
            0.0,
        ]
    )

    def unpack(p: np.ndarray) -> np.ndarray:
        full = fixed.copy()
        full[free] = p
        return full

    def parts(p: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        b, t, log_ic50, slope = unpack(p)
        dx = np.where(d > 0, logd - log_ic50, 0.0)
        from scipy.special import expit

        q = np.where(d > 0, expit(-_LN10 * slope * dx), 1.0)  # q = 1 / (1 + ratio)
        return np.array([b, t, log_ic50, slope]), q, dx

    def residuals(p: np.ndarray) -> np.ndarray:
        (b, t, _, _), q, _ = parts(p)
        return b + (t - b) * q - yn

    def jacobian(p: np.ndarray) -> np.ndarray:
        (b, t, _, slope), q, dx = parts(p)
        qq = q * (1.0 - q)
        cols = [1.0 - q, q, (t - b) * slope * _LN10 * qq, -(t - b) * _LN10 * dx * qq]
        return np.column_stack(cols)[:, free]

    def plateau(at: float) -> float:
        return float(np.mean(yn[d == at]))

    b0 = fixed[0] if fix_bottom is not None else plateau(float(d.max()))
    t0 = fixed[1] if fix_top is not None else plateau(float(d.min()))
    lg_lo, lg_hi = np.log10(d_lo / IC50_RANGE_FACTOR), np.log10(d_hi * IC50_RANGE_FACTOR)
    lg0 = _ic50_guess(d, yn, t0, b0)
    lower = np.array([-np.inf, -np.inf, lg_lo, HILL_BOUNDS[0]])[free]
    upper = np.array([np.inf, np.inf, lg_hi, HILL_BOUNDS[1]])[free]

    from scipy.optimize import least_squares  # imported here: keeps `import mtor_sim` fast

    fits = []
    for lg in (lg0, lg0 - 1.0, lg0 + 1.0):
        for slope0 in (0.5, 1.0, 3.0):
            start = np.array([b0, t0, np.clip(lg, lg_lo, lg_hi), slope0])[free]
            fits.append(
                least_squares(
                    residuals,
                    start,
                    jac=jacobian,
                    bounds=(lower, upper),
                    method="trf",
                    xtol=1e-12,
                    ftol=1e-12,
                    gtol=1e-12,
                    max_nfev=2000,
                )
            )
    best = min(fits, key=lambda r: (r.status <= 0, r.cost))  # converged first, then lowest

    b_n, t_n, log_ic50, slope = unpack(best.x)
    bottom, top, ic50 = c + s * b_n, c + s * t_n, float(10.0**log_ic50)
    # a fixed plateau is the value given, not its round trip through the rescaling
    # (0 came back as 1e-17, and emax = (top - bottom) / top as 1e16)
    bottom = fix_bottom if fix_bottom is not None else bottom
    top = fix_top if fix_top is not None else top
    resid = s * best.fun
    ss_res = float(np.sum(resid**2))
    ss_tot = float(np.sum((y - y.mean()) ** 2))

    # 95 % CI on log10(ic50) from the Gauss-Newton covariance (invariant to rescaling).
    dof = n - int(free.sum())
    ci = (np.nan, np.nan)
    if dof > 0:
        _, sv, vt = np.linalg.svd(best.jac, full_matrices=False)
        keep = sv > np.finfo(float).eps * max(best.jac.shape) * sv[0]
        cov = (vt[keep].T / sv[keep] ** 2) @ vt[keep] * (2.0 * best.cost / dof)
        se = float(np.sqrt(cov[int(free[:2].sum()), int(free[:2].sum())]))
        # Student's t quantile (what scipy.stats.t.ppf computes), without importing
        # scipy.stats: ~0.4 s, a tenth of `mtor-sim reproduce`'s claim checks
        from scipy.special import stdtrit

        half = float(stdtrit(dof, 0.975)) * se
        with np.errstate(over="ignore"):  # an interval past float range is unbounded: inf
            ci = (float(10.0 ** (log_ic50 - half)), float(10.0 ** (log_ic50 + half)))

    notes = [best.message.rstrip(".")]
    bound = slope_at_bound(slope)
    if np.isclose(log_ic50, lg_lo) or np.isclose(log_ic50, lg_hi):
        notes.append("IC50 is at its fitting bound; the data do not constrain it")
    if bound:
        notes.append(f"Hill slope is at its bound {HILL_BOUNDS}")
    extrapolated = not (d_lo <= ic50 <= d_hi)
    if extrapolated:
        notes.append(
            f"IC50 {ic50:.3g} nM lies outside the tested doses [{d_lo:.3g}, {d_hi:.3g}] "
            "nM (extrapolated)"
        )
    # The Wald interval holds for an interior optimum only. Beyond the tested doses the
    # data place the IC50 only on one side of them (a saturated first dose gave 0.0054-
    # 0.0085 nM below a first dose of 1 nM); with the slope at its upper bound, only
    # between the two doses where the response switches (a true IC50 of 12 nM got
    # 15.4-18.2 nM).
    pos = np.unique(d[d > 0])
    if extrapolated:
        ci = (0.0, d_lo) if ic50 < d_lo else (d_hi, math.inf)
        notes.append("its interval is the side of the tested doses it lies on")
    elif bound > 0:
        ci = (float(pos[pos <= ic50].max()), float(pos[pos >= ic50].min()))
        notes.append("its interval is the two tested doses around it (a free slope gives none)")
    elif bound < 0:
        ci = (np.nan, np.nan)
        notes.append("no interval (a free slope gives one)")
    success = bool(best.status > 0 and np.all(np.isfinite(best.x)))
    return HillFit(
        bottom=float(bottom),
        top=float(top),
        ic50=ic50,
        hill=float(slope),
        emax=float((top - bottom) / top) if top != 0 else np.nan,
        emax_abs=float(top - bottom),
        r_squared=1.0 - ss_res / ss_tot,
        rmse=float(np.sqrt(ss_res / n)),
        ic50_ci=ci,
        success=success,
        message="; ".join(notes),
        n_points=n,
        ic50_extrapolated=extrapolated,
    )
