"""Drug-combination synergy scores (Bliss, HSA, Loewe, ZIP) on a dose-response matrix.

Convention for every function here: ``effect[i, j]`` is the FRACTIONAL INHIBITION
(0 = no effect, 1 = full inhibition) at dose ``doses_a[i]`` of drug A and ``doses_b[j]``
of drug B, both in nM. The first dose of each drug is 0, so row 0 holds drug B alone,
column 0 holds drug A alone and ``effect[0, 0] == 0`` (untreated). Use
`fraction_inhibited` to turn a readout matrix into inhibition. Values slightly outside
[0, 1] (noise, growth stimulation) are accepted.

Every score is ``observed - expected``: positive means synergy, negative antagonism.
Row 0 and column 0 are not combinations; their scores are 0 by definition.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
from numpy.typing import ArrayLike

from ._hill import HillFit, fit_hill, is_bell

__all__ = [
    "SynergyScores",
    "bliss_excess",
    "combination_index",
    "fraction_inhibited",
    "hsa_excess",
    "loewe_excess",
    "synergy_scores",
    "zip_delta",
]

_UNTREATED_ATOL = 1e-6  # |effect[0, 0]| allowed for the untreated well


def fraction_inhibited(response: ArrayLike, control: ArrayLike) -> np.ndarray:
    """Fractional inhibition ``1 - response / control``.

    Parameters
    ----------
    response : array_like, readout units
        Readout matrix (e.g. viability or p-S6 level).
    control : float or array_like, readout units
        Untreated readout, broadcastable to ``response`` and nonzero; often
        ``response[0, 0]``.

    Returns
    -------
    numpy.ndarray
        Inhibition (0 = as control, 1 = abolished); not clipped to [0, 1].

    Examples
    --------
    >>> fraction_inhibited([[100.0, 80.0], [50.0, 20.0]], 100.0)
    array([[0. , 0.2],
           [0.5, 0.8]])
    """
    r = np.asarray(response, dtype=float)
    c = np.asarray(control, dtype=float)
    if not np.all(np.isfinite(c)) or np.any(c == 0):
        raise ValueError("`control` must be finite and nonzero")
    return 1.0 - r / c


#: A fractional inhibition of a non-negative readout is at most 1; well beyond it, the
#: numbers are likely percentages (Bliss of a surface given in percent came out 2,426).
PERCENT_LIKE = 1.5


def _check_effect(effect: ArrayLike) -> np.ndarray:
    e = np.asarray(effect, dtype=float)
    if e.ndim != 2 or min(e.shape) < 2:
        raise ValueError(f"`effect` must be a 2-D matrix with at least 2x2 cells, got {e.shape}")
    if not np.all(np.isfinite(e)):
        raise ValueError("`effect` must be finite (no NaN or inf)")
    if abs(e[0, 0]) > _UNTREATED_ATOL:
        raise ValueError(
            f"`effect[0, 0]` must be 0 (untreated), got {e[0, 0]!r}; convert readouts with "
            "fraction_inhibited(response, control=response[0, 0])"
        )
    if e.max() > PERCENT_LIKE:
        import warnings

        warnings.warn(
            f"`effect` reaches {e.max():.3g}: the scores take a fractional inhibition (1 is "
            "full inhibition of a readout that cannot fall below 0); if these are "
            "percentages, divide by 100",
            UserWarning,
            stacklevel=3,
        )
    return e


def _check_doses(doses: ArrayLike, name: str, size: int) -> np.ndarray:
    d = np.asarray(doses, dtype=float)
    if d.ndim != 1 or d.size != size:
        raise ValueError(
            f"`{name}` must be 1-D with {size} entries to match `effect`, got shape {d.shape}"
        )
    if not np.all(np.isfinite(d)) or d[0] != 0 or np.any(np.diff(d) <= 0):
        raise ValueError(f"`{name}` must be finite, start at 0 and strictly increase, got {d}")
    return d


def _check_matrix(
    doses_a: ArrayLike, doses_b: ArrayLike, effect: ArrayLike
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    e = _check_effect(effect)
    return (
        _check_doses(doses_a, "doses_a", e.shape[0]),
        _check_doses(doses_b, "doses_b", e.shape[1]),
        e,
    )


def _zero_edges(score: np.ndarray) -> np.ndarray:
    score[0, :] = 0.0
    score[:, 0] = 0.0
    return score


def bliss_excess(effect: ArrayLike) -> np.ndarray:
    """Excess over Bliss independence, ``E_ab - (E_a + E_b - E_a * E_b)``.

    Parameters
    ----------
    effect : array_like, fraction
        Inhibition matrix (see module docstring); column 0 is drug A alone (``E_a``),
        row 0 drug B alone (``E_b``).

    Returns
    -------
    numpy.ndarray, fraction
        Excess, same shape as ``effect``; 0 in row 0 and column 0.

    Examples
    --------
    >>> bliss_excess([[0.0, 0.5], [0.5, 0.8]])
    array([[0.  , 0.  ],
           [0.  , 0.05]])
    """
    e = _check_effect(effect)
    ea, eb = e[:, :1], e[:1, :]
    return _zero_edges(e - (ea + eb - ea * eb))


def hsa_excess(effect: ArrayLike) -> np.ndarray:
    """Excess over the highest single agent, ``E_ab - max(E_a, E_b)``.

    Parameters
    ----------
    effect : array_like, fraction
        Inhibition matrix (see module docstring).

    Returns
    -------
    numpy.ndarray, fraction
        Excess, same shape as ``effect``; 0 in row 0 and column 0.

    Examples
    --------
    >>> hsa_excess([[0.0, 0.5], [0.3, 0.8]])
    array([[0. , 0. ],
           [0. , 0.3]])
    """
    e = _check_effect(effect)
    return _zero_edges(e - np.maximum(e[:, :1], e[:1, :]))


def _fit_single(doses: np.ndarray, inhibition: np.ndarray, monotonic: bool = False) -> HillFit:
    """Hill fit of one drug alone, inhibition 0 at dose 0 (``top`` fixed at 0)."""
    return fit_hill(doses, inhibition, fix_top=0.0, monotonic=monotonic)


def _dose_for(fit: HillFit, e: float) -> float:
    """Dose (nM) of a single drug giving inhibition ``e``; inf if ``e`` >= its maximum."""
    emax = fit.bottom  # with top fixed at 0, bottom is the maximal inhibition
    if e <= 0:
        return 0.0
    if e >= emax:
        return np.inf
    return fit.ic50 * (e / (emax - e)) ** (1.0 / fit.hill)


def _usable(fit: HillFit) -> bool:
    return fit.success and np.isfinite(fit.ic50) and fit.bottom > 0


def _loewe_expected(fa: HillFit, fb: HillFit, da: float, db: float) -> float:
    """Solve ``da / D_a(E) + db / D_b(E) = 1`` for E in (0, min(Emax_a, Emax_b))."""
    cap = min(fa.bottom, fb.bottom)

    def gap(e: float) -> float:
        return da / _dose_for(fa, e) + db / _dose_for(fb, e) - 1.0

    lo, hi = cap * 1e-12, cap * (1.0 - 1e-12)
    if not (gap(lo) > 0 > gap(hi)):
        return np.nan  # the additive effect would exceed a drug's maximal effect
    from scipy.optimize import brentq

    return brentq(gap, lo, hi, xtol=1e-14, rtol=1e-12)


def _loewe_parts(
    doses_a: ArrayLike, doses_b: ArrayLike, effect: ArrayLike, monotonic: bool = False
) -> tuple[np.ndarray, np.ndarray, HillFit, HillFit]:
    da, db, e = _check_matrix(doses_a, doses_b, effect)
    fa = _fit_single(da, e[:, 0], monotonic)
    fb = _fit_single(db, e[0, :], monotonic)
    excess = np.full(e.shape, np.nan)
    ci = np.full(e.shape, np.nan)
    if _usable(fa) and _usable(fb):
        for i in range(1, da.size):
            for j in range(1, db.size):
                excess[i, j] = e[i, j] - _loewe_expected(fa, fb, da[i], db[j])
                if 0 < e[i, j] < min(fa.bottom, fb.bottom):
                    ci[i, j] = da[i] / _dose_for(fa, e[i, j]) + db[j] / _dose_for(fb, e[i, j])
    return _zero_edges(excess), ci, fa, fb


def loewe_excess(doses_a: ArrayLike, doses_b: ArrayLike, effect: ArrayLike) -> np.ndarray:
    """Excess over Loewe additivity, ``E_ab - E_loewe``.

    Each drug alone is fitted with a Hill curve ``E(d) = Emax d^h / (d^h + ic50^h)``
    (`fit_hill` with ``top`` fixed at 0). For each combination the expected effect
    ``E_loewe`` solves ``d_a / D_a(E) + d_b / D_b(E) = 1`` (``brentq``), where ``D(E)``
    is the single-drug dose that gives E.

    Parameters
    ----------
    doses_a, doses_b : array_like, nM
        Doses along rows and columns; start at 0, strictly increasing, and at least 4
        distinct values each (the Hill fits need them).
    effect : array_like, fraction
        Inhibition matrix of shape ``(len(doses_a), len(doses_b))``.

    Returns
    -------
    numpy.ndarray, fraction
        Excess; 0 in row 0 and column 0. NaN where Loewe additivity is undefined: when
        the additive effect would reach the smaller of the two maximal effects (``D(E)``
        does not exist there), or everywhere when a single-agent fit failed or shows no
        inhibition (fitted Emax <= 0).

    Examples
    --------
    >>> import numpy as np
    >>> d = np.array([0.0, 10, 30, 100, 300])
    >>> e = 0.9 * (d[:, None] + d) / (d[:, None] + d + 50.0)  # a drug with itself
    >>> bool(np.allclose(loewe_excess(d, d, e), 0.0, atol=1e-6))
    True
    """
    return _loewe_parts(doses_a, doses_b, effect)[0]


def combination_index(doses_a: ArrayLike, doses_b: ArrayLike, effect: ArrayLike) -> np.ndarray:
    """Loewe combination index ``d_a / D_a(E_ab) + d_b / D_b(E_ab)`` (Chou-Talalay form).

    Uses the same single-agent Hill fits as `loewe_excess`. Values < 1 mean synergy,
    1 additivity, > 1 antagonism.

    Parameters
    ----------
    doses_a, doses_b : array_like, nM
        As in `loewe_excess`.
    effect : array_like, fraction
        Inhibition matrix of shape ``(len(doses_a), len(doses_b))``.

    Returns
    -------
    numpy.ndarray, dimensionless
        Combination index; NaN in row 0 and column 0 (not combinations), where the
        observed inhibition is <= 0 or not below both drugs' maximal effects, and
        everywhere when a single-agent fit is unusable.
    """
    return _loewe_parts(doses_a, doses_b, effect)[1]


def zip_delta(
    doses_a: ArrayLike, doses_b: ArrayLike, effect: ArrayLike, *, monotonic: bool = False
) -> np.ndarray:
    """ZIP delta scores (Yadav et al. 2015, Comput Struct Biotechnol J 13:504).

    1. Fit each drug alone: ``y_a(d_a)``, ``y_b(d_b)`` (Hill, inhibition 0 at dose 0).
    2. For each dose of A (row ``i > 0``), fit B's curve over the row with its
       zero-dose value set to the fitted ``y_a(d_a[i])`` and the maximum held at 1;
       likewise for each column. Average the two fitted surfaces.
    3. Subtract the ZIP reference ``y_a + y_b - y_a y_b`` built from the fitted
       single-agent curves.

    Parameters
    ----------
    doses_a, doses_b : array_like, nM
        As in `loewe_excess` (at least 4 distinct doses each).
    effect : array_like, fraction
        Inhibition matrix of shape ``(len(doses_a), len(doses_b))``.
    monotonic : bool
        NaN everywhere when a drug's response alone is not monotonic (`fit_hill`'s
        rule), as `loewe_excess` under the same rule: the ZIP reference rests on the
        single agents' Hill curves. For noise-free matrices (a model's).

    Returns
    -------
    numpy.ndarray, fraction
        Delta; 0 in row 0 and column 0.

    Notes
    -----
    Simplifications, stated honestly: the single-agent fits fix the zero-dose
    inhibition at 0 (SynergyFinder leaves all four parameters free); the row/column
    fits hold the maximum at full inhibition as in the paper, so a Bliss-independent
    matrix gives delta 0 exactly only when both drugs reach full inhibition; a
    row/column whose response does not change is taken as constant. No baseline
    correction or clipping of the input is applied.
    """
    da, db, e = _check_matrix(doses_a, doses_b, effect)
    return _zip(da, db, e, monotonic)


def _zip(
    da: np.ndarray,
    db: np.ndarray,
    e: np.ndarray,
    monotonic: bool,
    fits: tuple[HillFit, HillFit] | None = None,
) -> np.ndarray:
    """`zip_delta` of a checked matrix; ``fits``, the single agents' Hill fits where the
    caller has them already (`synergy_scores`: Loewe's)."""
    if monotonic and (is_bell(da, e[:, 0]) or is_bell(db, e[0, :])):
        return _zero_edges(np.full(e.shape, np.nan))  # a bell: no Hill reference
    fa, fb = fits if fits is not None else (_fit_single(da, e[:, 0]), _fit_single(db, e[0, :]))
    ya, yb = fa.predict(da), fb.predict(db)  # a drug with no effect predicts a constant

    by_row = np.full(e.shape, np.nan)  # B's curve along each row, on top of A alone
    for i in range(1, da.size):
        y = np.concatenate([[ya[i]], e[i, 1:]])
        by_row[i] = fit_hill(db, y, fix_top=ya[i], fix_bottom=1.0).predict(db)
    by_col = np.full(e.shape, np.nan)  # A's curve along each column, on top of B alone
    for j in range(1, db.size):
        y = np.concatenate([[yb[j]], e[1:, j]])
        by_col[:, j] = fit_hill(da, y, fix_top=yb[j], fix_bottom=1.0).predict(da)

    reference = ya[:, None] + yb[None, :] - ya[:, None] * yb[None, :]
    return _zero_edges(0.5 * (by_row + by_col) - reference)


def _mean_combination(score: np.ndarray) -> float:
    cells = score[1:, 1:]
    return float(np.nanmean(cells)) if np.any(np.isfinite(cells)) else np.nan


def _frozen(a: np.ndarray) -> np.ndarray:
    a = np.array(a, dtype=float)
    a.setflags(write=False)
    return a


@dataclass(frozen=True, eq=False)
class SynergyScores:
    """All synergy scores of one combination matrix (see `synergy_scores`).

    Attributes
    ----------
    doses_a, doses_b : numpy.ndarray, nM
        Doses along rows (drug A) and columns (drug B).
    effect : numpy.ndarray, fraction
        Observed inhibition.
    bliss, hsa, loewe, zip : numpy.ndarray, fraction
        Excess over each reference model (positive = synergy).
    combination_index : numpy.ndarray, dimensionless
        Loewe combination index (< 1 = synergy).
    bliss_mean, hsa_mean, loewe_mean, zip_mean : float, fraction
        Means over the combination cells (rows and columns > 0), NaN cells ignored.
    loewe_cells : int
        How many combination cells have a Loewe score, the cells ``loewe_mean`` averages
        (Loewe is undefined where an effect lies beyond what a single agent reaches).
    fit_a, fit_b : HillFit
        Single-agent fits used by Loewe and ZIP.
    """

    doses_a: np.ndarray
    doses_b: np.ndarray
    effect: np.ndarray
    bliss: np.ndarray
    hsa: np.ndarray
    loewe: np.ndarray
    zip: np.ndarray
    combination_index: np.ndarray
    bliss_mean: float
    hsa_mean: float
    loewe_mean: float
    zip_mean: float
    fit_a: HillFit
    fit_b: HillFit
    loewe_cells: int

    def to_dataframe(self) -> pd.DataFrame:
        """Tidy table, one row per cell.

        Columns: ``dose_a``, ``dose_b`` (nM), ``inhibition``, ``bliss``, ``hsa``,
        ``loewe``, ``zip`` and ``combination_index``.
        """
        ga, gb = np.meshgrid(self.doses_a, self.doses_b, indexing="ij")
        columns = {
            "dose_a": ga,
            "dose_b": gb,
            "inhibition": self.effect,
            "bliss": self.bliss,
            "hsa": self.hsa,
            "loewe": self.loewe,
            "zip": self.zip,
            "combination_index": self.combination_index,
        }
        return pd.DataFrame({k: v.ravel() for k, v in columns.items()})


def synergy_scores(
    doses_a: ArrayLike, doses_b: ArrayLike, effect: ArrayLike, *, monotonic: bool = False
) -> SynergyScores:
    """Compute Bliss, HSA, Loewe (with combination index) and ZIP scores at once.

    Parameters
    ----------
    doses_a, doses_b : array_like, nM
        Doses; start at 0, strictly increasing, at least 4 values each.
    effect : array_like, fraction
        Inhibition matrix of shape ``(len(doses_a), len(doses_b))``, ``effect[0, 0] == 0``.
    monotonic : bool
        Give Loewe no single-agent fit, and ZIP no reference (so NaN scores), for a drug
        whose response alone is not monotonic (`fit_hill`'s rule). For noise-free
        matrices, a model's, as `mtor_sim.combination` computes them; Bliss and HSA are
        unchanged.

    Returns
    -------
    SynergyScores

    Examples
    --------
    >>> import numpy as np
    >>> d = np.array([0.0, 10, 30, 100, 300])
    >>> ya = d / (d + 30.0)
    >>> e = ya[:, None] + ya - ya[:, None] * ya  # Bliss independent
    >>> s = synergy_scores(d, d, e)
    >>> round(s.bliss_mean, 6), round(abs(s.zip_mean), 6)
    (0.0, 0.0)
    """
    da, db, e = _check_matrix(doses_a, doses_b, effect)
    loewe, ci, fa, fb = _loewe_parts(da, db, e, monotonic)
    scores = {
        "bliss": bliss_excess(e),
        "hsa": hsa_excess(e),
        "loewe": loewe,
        # ZIP on Loewe's single-agent fits (the same fits; under `monotonic` a bell
        # gives ZIP no reference before its fit is read)
        "zip": _zip(da, db, e, monotonic, (fa, fb)),
    }
    return SynergyScores(
        doses_a=_frozen(da),
        doses_b=_frozen(db),
        effect=_frozen(e),
        bliss=_frozen(scores["bliss"]),
        hsa=_frozen(scores["hsa"]),
        loewe=_frozen(scores["loewe"]),
        zip=_frozen(scores["zip"]),
        combination_index=_frozen(ci),
        bliss_mean=_mean_combination(scores["bliss"]),
        hsa_mean=_mean_combination(scores["hsa"]),
        loewe_mean=_mean_combination(scores["loewe"]),
        zip_mean=_mean_combination(scores["zip"]),
        fit_a=fa,
        fit_b=fb,
        loewe_cells=int(np.isfinite(scores["loewe"][1:, 1:]).sum()),
    )
