"""Drug schedules over time: piecewise-constant exposures and one-compartment PK.

A `Schedule` maps each drug to what the cells see over the course, in nM:

- `Exposure`: piecewise-constant segments ``(start, stop, concentration)`` (min, min, nM);
  outside every segment the drug is absent (a washout is instantaneous).
- `OralPK`: repeated doses in a one-compartment model with first-order elimination,
  given orally (first-order absorption) or as intravenous infusions (``route="iv"``);
  the unbound plasma concentration is the superposition of the single-dose curves
  (exact, analytic), and `OralPK.steady_concentration` gives the steady dosing cycle.

The engine integrates the cell model piece by piece, setting the drugs' dose parameters
between pieces (see `Schedule.pieces`). Segments are exact. A PK curve is applied as
its mean over consecutive steps of ``pk_step`` minutes (30 by default), the exact
integral of the Bateman curve over each step, so the drug amount the cells see is
conserved; the error of that approximation is measured in ``tests/test_schedule.py``
and the README.
"""

from __future__ import annotations

import math
import numbers
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import asdict, dataclass, replace
from types import MappingProxyType
from typing import Any

import numpy as np

from ._catalogue import DRUGS
from ._errors import MtorSimError, UnknownNameError, check_count, check_name

__all__ = ["Exposure", "OralPK", "Schedule", "PK_DEFAULTS", "parse_schedule", "parse_pk"]

_DAY = 1440.0  # min
_HOUR = 60.0  # min


def _real(value: Any, *, name: str) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float, np.integer, np.floating)):
        raise TypeError(f"`{name}` must be a real number, got {type(value).__name__} {value!r}")
    v = float(value)
    if not math.isfinite(v):
        raise ValueError(f"`{name}` must be finite, got {v!r}")
    return v


@dataclass(frozen=True)
class Exposure:
    """Piecewise-constant concentration of one drug: segments (start min, stop min, nM).

    Segments must not overlap; times are >= 0 (t = 0 is when the course starts);
    the drug is absent outside every segment. ``stop`` may be ``inf`` (never stopped).
    """

    segments: tuple[tuple[float, float, float], ...]

    def __post_init__(self) -> None:
        if not self.segments:
            # an exposure without a segment would dose nothing, silently
            raise ValueError("a drug's schedule has no segment; give at least one, or leave it out")
        checked = []
        for i, seg in enumerate(self.segments):
            if not isinstance(seg, Sequence) or len(seg) != 3:
                raise ValueError(
                    f"schedule segment {i} must be (start, stop, concentration), got {seg!r}"
                )
            start = _real(seg[0], name=f"schedule segment {i} start (min)")
            stop = seg[1]
            stop = (
                math.inf
                if stop is None
                else float(stop)
                if stop == math.inf
                else _real(stop, name=f"schedule segment {i} stop (min)")
            )
            conc = _real(seg[2], name=f"schedule segment {i} concentration (nM)")
            if start < 0:
                raise ValueError(
                    f"schedule segment {i}: start {start:g} min is negative; "
                    "t = 0 is the start of the course"
                )
            if stop <= start:
                raise ValueError(
                    f"schedule segment {i}: stop {stop:g} min is not after start {start:g} min"
                )
            if conc < 0:
                raise ValueError(f"schedule segment {i}: concentration {conc:g} nM is negative")
            checked.append((start, stop, conc))
        checked.sort()
        for (a0, b0, _), (a1, _, _) in zip(checked, checked[1:], strict=False):
            if a1 < b0:
                raise ValueError(
                    f"schedule segments overlap: one runs {a0:g}-{b0:g} min and "
                    f"the next starts at {a1:g} min"
                )
        object.__setattr__(self, "segments", tuple(checked))

    def concentration(self, t: Any) -> np.ndarray:
        """Concentration (nM) at times ``t`` (min); a segment holds on [start, stop)."""
        t = np.asarray(t, dtype=float)
        out = np.zeros_like(t)
        for a, b, c in self.segments:
            out[(t >= a) & (t < b)] = c
        return out

    def breakpoints(self, t_end: float, step: float) -> list[float]:
        del step  # segments are exact
        return sorted({x for a, b, _ in self.segments for x in (a, b) if 0 < x < t_end})

    def mean(self, a: float, b: float) -> float:
        """Concentration on [a, b) (constant there when a, b are from `breakpoints`)."""
        return float(self.concentration([a])[0])

    def as_dict(self) -> dict[str, Any]:
        return {
            "kind": "segments",
            "segments": [[a, None if math.isinf(b) else b, c] for a, b, c in self.segments],
        }


def periods_within(span: float, period: float) -> int:
    """How many periods (doses, cycles) start within ``span`` (same unit), at least one:
    the periods that start before its end. 7 days of 11.2 h is 15.000000000000002
    periods in floats, and a plain ceil gave a 16th dose at the course's end."""
    return max(1, math.ceil(span / period - 1e-9))


@dataclass(frozen=True)
class OralPK:
    """Repeated doses in a one-compartment PK model with first-order elimination.

    Oral route (the default): first-order absorption. The unbound plasma concentration
    (nM) is ``fu * 1e6 / M * sum_k D * ka / (V (ka - ke)) * (exp(-ke s_k) - exp(-ka s_k))``
    over the doses given so far, ``s_k`` the time since dose k (Bateman function,
    superposed). ``V`` is the apparent volume (V/F, L) that oral population-PK studies
    report, so the bioavailability F is inside it. The same form describes any
    first-order input, e.g. an active metabolite formed from a parent drug that is
    eliminated with half-life ``t_half_abs_h``.

    Intravenous route (``route="iv"``): each dose is infused at a constant rate over
    ``infusion_h`` hours (zero-order input; ``t_half_abs_h`` is not used).

    Parameters
    ----------
    dose_mg : float, mg
    interval_h : float, h
        Time between doses (24 = once daily, 12 = twice daily).
    n_doses : int
        Doses given (the first at ``start_h``).
    t_half_abs_h, t_half_el_h : float, h
        Absorption and elimination half-lives.
    fraction_unbound : float
        Unbound fraction in plasma (0-1).
    volume_l : float, L
        Apparent volume of distribution, plasma-referenced (V/F).
    molar_mass : float, g/mol
    start_h : float, h
        Time of the first dose after the start of the course.
    source : str
        Where the numbers come from.
    route : str
        ``"oral"`` (first-order input) or ``"iv"`` (zero-order infusion).
    infusion_h : float, h
        Length of each infusion (``route="iv"`` only; shorter than ``interval_h``).
    """

    dose_mg: float
    interval_h: float
    n_doses: int
    t_half_abs_h: float
    t_half_el_h: float
    fraction_unbound: float
    volume_l: float
    molar_mass: float
    start_h: float = 0.0
    source: str = ""
    route: str = "oral"
    infusion_h: float = 0.0

    def __post_init__(self) -> None:
        if self.route not in ("oral", "iv"):
            raise ValueError(f"pk `route` must be 'oral' or 'iv', got {self.route!r}")
        iv = self.route == "iv"
        for name in (
            "dose_mg",
            "interval_h",
            *(("infusion_h",) if iv else ("t_half_abs_h",)),
            "t_half_el_h",
            "volume_l",
            "molar_mass",
        ):
            v = _real(getattr(self, name), name=f"pk {name}")
            if v <= 0:
                raise ValueError(f"pk `{name}` must be > 0, got {v:g}")
            object.__setattr__(self, name, v)
        fu = _real(self.fraction_unbound, name="pk fraction_unbound")
        if not 0 < fu <= 1:
            raise ValueError(f"pk `fraction_unbound` must be in (0, 1], got {fu:g}")
        object.__setattr__(self, "fraction_unbound", fu)
        start = _real(self.start_h, name="pk start_h")
        if start < 0:
            raise ValueError(f"pk `start_h` must be >= 0, got {start:g}")
        object.__setattr__(self, "start_h", start)
        if (
            isinstance(self.n_doses, bool)
            or not isinstance(self.n_doses, (int, np.integer))
            or self.n_doses < 1
        ):
            raise ValueError(f"pk `n_doses` must be a whole number >= 1, got {self.n_doses!r}")
        object.__setattr__(self, "n_doses", int(self.n_doses))
        if iv:
            if self.infusion_h >= self.interval_h:
                raise ValueError(
                    f"pk `infusion_h` ({self.infusion_h:g} h) must be shorter than "
                    f"`interval_h` ({self.interval_h:g} h)"
                )
            return
        object.__setattr__(self, "t_half_abs_h", float(self.t_half_abs_h))
        infusion = _real(self.infusion_h, name="pk infusion_h")
        if infusion != 0:  # an oral dose has no infusion: it was ignored, and recorded
            raise ValueError(
                f"pk `infusion_h` ({infusion:g} h) applies to intravenous dosing only: "
                "give route='iv' for an infusion, or leave infusion_h out of an oral plan"
            )
        object.__setattr__(self, "infusion_h", infusion)
        if math.isclose(self.t_half_abs_h, self.t_half_el_h):
            raise ValueError(
                "pk absorption and elimination half-lives must differ "
                "(the Bateman function is undefined when ka = ke)"
            )

    @property
    def ka(self) -> float:
        """Absorption rate constant (per min)."""
        return math.log(2) / (self.t_half_abs_h * _HOUR)

    @property
    def ke(self) -> float:
        """Elimination rate constant (per min)."""
        return math.log(2) / (self.t_half_el_h * _HOUR)

    def dose_times(self) -> np.ndarray:
        """Dose times (min)."""
        return (self.start_h + self.interval_h * np.arange(self.n_doses)) * _HOUR

    @property
    def _scale(self) -> float:
        """nM per unit Bateman term: unbound fraction * dose / V, mg/L -> nM."""
        mg_per_l = self.dose_mg / self.volume_l
        return self.fraction_unbound * mg_per_l * 1e6 / self.molar_mass

    def _shape(self, s: np.ndarray) -> np.ndarray:
        """Concentration per unit ``_scale`` at time ``s`` (min) after one dose (0 before)."""
        ke = self.ke
        s = np.asarray(s, dtype=float)
        out = np.zeros_like(s)
        on = s > 0
        if self.route == "iv":
            T = self.infusion_h * _HOUR
            during = on & (s <= T)
            after = s > T
            out[during] = (1 - np.exp(-ke * s[during])) / (ke * T)
            out[after] = (1 - math.exp(-ke * T)) / (ke * T) * np.exp(-ke * (s[after] - T))
            return out
        ka = self.ka
        out[on] = (np.exp(-ke * s[on]) - np.exp(-ka * s[on])) * ka / (ka - ke)
        return out

    def _primitive(self, s: np.ndarray) -> np.ndarray:
        """Integral of `_shape` from the dose to ``s`` (min after it)."""
        ke = self.ke
        s = np.maximum(np.asarray(s, dtype=float), 0.0)
        if self.route == "iv":
            T = self.infusion_h * _HOUR
            inside = np.minimum(s, T)
            part = (inside - (1 - np.exp(-ke * inside)) / ke) / (ke * T)
            tail = (
                (1 - math.exp(-ke * T)) / (ke * T) * (1 - np.exp(-ke * np.maximum(s - T, 0.0))) / ke
            )
            return part + tail
        ka = self.ka
        return ((1 - np.exp(-ke * s)) / ke - (1 - np.exp(-ka * s)) / ka) * ka / (ka - ke)

    def concentration(self, t: Any) -> np.ndarray:
        """Unbound plasma concentration (nM) at times ``t`` (min)."""
        t = np.asarray(t, dtype=float)
        out = np.zeros_like(t)
        for td in self.dose_times():
            out += self._shape(t - td)
        return out * self._scale

    def mean(self, a: float, b: float) -> float:
        """Mean unbound concentration (nM) over [a, b] min: the exact integral / (b - a)."""
        td = self.dose_times()
        total = float(np.sum(self._primitive(b - td) - self._primitive(a - td)))
        return total * self._scale / (b - a)

    def steady_concentration(self, t: Any) -> np.ndarray:
        """Unbound concentration (nM) at times ``t`` (min) once dosing has reached its
        steady cycle: every dose interval before ``t`` dosed, for ever (geometric sums of
        the single-dose curve; the phase is ``t`` relative to the dose schedule)."""
        tau = self.interval_h * _HOUR
        s = np.mod(np.asarray(t, dtype=float) - self.start_h * _HOUR, tau)
        s = np.where(s <= 0, tau, s)  # at a dose time, the previous dose's end
        ke = self.ke
        if self.route == "iv":
            T = self.infusion_h * _HOUR
            tail = (1 - math.exp(-ke * T)) / (ke * T)
            earlier = tail * np.exp(-ke * (s - T)) * math.exp(-ke * tau) / (1 - math.exp(-ke * tau))
            return (self._shape(s) + earlier) * self._scale
        ka = self.ka
        shape = np.exp(-ke * s) / (1 - math.exp(-ke * tau)) - np.exp(-ka * s) / (
            1 - math.exp(-ka * tau)
        )
        return shape * ka / (ka - ke) * self._scale

    def steady_mean(self) -> float:
        """Mean unbound concentration (nM) over a steady dosing interval,
        ``fu * D / (CL * interval)`` with ``CL = V ke``."""
        return self._scale / (self.ke * self.interval_h * _HOUR)

    def breakpoints(self, t_end: float, step: float) -> list[float]:
        """Steps of ``step`` min from each dose on, refined geometrically in the first
        ``step`` after a dose (step/64, step/32, ... step/2), where absorption makes the
        concentration rise fastest."""
        pts: set[float] = set()
        fine = step * 2.0 ** -np.arange(6, 0, -1)
        for td in self.dose_times():
            if td < t_end:
                pts.update(np.arange(td, t_end, step).tolist())
                pts.update((td + fine).tolist())
                if self.route == "iv":  # the end of the infusion is a kink
                    pts.add(td + self.infusion_h * _HOUR)
        return sorted(x for x in pts if 0 < x < t_end)

    def as_dict(self) -> dict[str, Any]:
        return {"kind": "oral_pk", **asdict(self)}


#: Published PK of the oral drugs, for `Schedule.oral` (one compartment,
#: plasma-referenced): the ``oral_pk`` of each drug of the bundled model's catalogue
#: (``models/catalogue.toml``, where each value's derivation and source are given).
PK_DEFAULTS: Mapping[str, dict[str, Any]] = MappingProxyType(
    {name: dict(d.oral_pk) for name, d in DRUGS.items() if d.oral_pk}
)


def _check_drug(name: Any) -> str:
    if not isinstance(name, str):
        raise TypeError(f"`schedule` keys must be drug names (str), got {name!r}")
    try:
        return check_name(name, DRUGS, kind="drug")
    except UnknownNameError as exc:
        raise UnknownNameError(f"`schedule`: {exc.args[0]}") from None


class Schedule:
    """Drug exposures over time (min, nM), for `simulate(..., schedule=...)`.

    Build one per drug with the class methods and join them with ``|``:

    >>> import mtor_sim as ms
    >>> s = (ms.Schedule.intermittent("everolimus", 10, on_days=5, off_days=2, weeks=4)
    ...      | ms.Schedule.oral("sorafenib", days=28))
    >>> s.drugs
    ('everolimus', 'sorafenib')

    Parameters
    ----------
    drugs : dict
        Drug name -> `Exposure` or `OralPK`.
    """

    def __init__(self, drugs: Mapping[str, Exposure | OralPK]) -> None:
        if not isinstance(drugs, Mapping) or not drugs:
            raise TypeError(
                "`schedule` must map at least one drug name to an Exposure or "
                f"OralPK, got {drugs!r}"
            )
        checked: dict[str, Exposure | OralPK] = {}
        for name, plan in drugs.items():
            name = _check_drug(name)
            if not isinstance(plan, (Exposure, OralPK)):
                raise TypeError(
                    f"`schedule[{name!r}]` must be an Exposure or OralPK, got {type(plan).__name__}"
                )
            checked[name] = plan
        self._drugs = dict(sorted(checked.items()))

    # -- builders --------------------------------------------------------------------
    @classmethod
    def segments(cls, drug: str, segments: Iterable[Sequence[float]]) -> Schedule:
        """Concentration segments ``[(start_min, stop_min, nM), ...]`` of one drug."""
        # rows of any sequence (lists, tuples, numpy rows); a scalar or a string is one
        # field, which the segment check then names as a wrong shape
        rows = tuple(
            (s,) if isinstance(s, str | bytes) or not hasattr(s, "__iter__") else tuple(s)
            for s in segments
        )
        return cls({drug: Exposure(rows)})  # type: ignore[arg-type]

    @classmethod
    def constant(
        cls, drug: str, concentration: float, *, start: float = 0.0, stop: float | None = None
    ) -> Schedule:
        """``concentration`` nM from ``start`` (min) until ``stop`` (min; washout then,
        instantaneous), or to the end of the course with ``stop=None``."""
        return cls({drug: Exposure(((start, math.inf if stop is None else stop, concentration),))})

    @classmethod
    def intermittent(
        cls,
        drug: str,
        concentration: float,
        *,
        on_days: float = 5.0,
        off_days: float = 2.0,
        weeks: float | None = None,
        cycles: int | None = None,
        start: float = 0.0,
    ) -> Schedule:
        """``concentration`` nM for ``on_days``, none for ``off_days``, repeated for
        ``cycles`` cycles, or for every cycle that starts within ``weeks`` weeks (default
        4 weeks: 4 cycles of 5 days on / 2 off), the first at ``start`` (min)."""
        on = _real(on_days, name="on_days")
        off = _real(off_days, name="off_days")
        if on <= 0 or off < 0:
            raise ValueError(f"`on_days` must be > 0 and `off_days` >= 0, got {on:g}, {off:g}")
        if cycles is None:
            w = 4.0 if weeks is None else _real(weeks, name="weeks")
            if w <= 0:
                raise ValueError(f"`weeks` must be > 0, got {w:g}")
            cycles = periods_within(w * 7, on + off)
        elif weeks is not None:
            raise TypeError("give `weeks` or `cycles`, not both")
        else:
            cycles = check_count(cycles, name="cycles")
        period = (on + off) * _DAY
        segs = [
            (start + k * period, start + k * period + on * _DAY, concentration)
            for k in range(int(cycles))
        ]
        if off == 0:  # back-to-back: one segment
            segs = [(start, segs[-1][1], concentration)]
        return cls({drug: Exposure(tuple(segs))})

    @classmethod
    def oral(cls, drug: str, *, days: float | None = None, **pk: Any) -> Schedule:
        """Oral dosing with one-compartment PK; defaults from `PK_DEFAULTS` (with sources).

        Give ``days`` (course length, sets ``n_doses``) or ``n_doses``; any `OralPK` field
        overrides the default, e.g. ``dose_mg=5``.
        """
        drug = _check_drug(drug)
        base = dict(PK_DEFAULTS.get(drug, {}))
        unknown = set(pk) - set(OralPK.__dataclass_fields__)
        if unknown:
            raise TypeError(
                f"unknown PK field(s) {sorted(unknown)}; known: "
                f"{sorted(OralPK.__dataclass_fields__)}"
            )
        if days is not None and "n_doses" in pk:
            raise ValueError(
                f"give `days` or `n_doses` for {drug!r}, not both (`days` sets the number "
                f"of doses: {days!r} days and {pk['n_doses']!r} doses disagree, or repeat it)"
            )
        if pk.get("route") == "oral" and "infusion_h" not in pk:
            base.pop("infusion_h", None)  # an intravenous default's, not the oral plan's
        base.update(pk)
        if base.get("route") == "iv":
            base.setdefault("t_half_abs_h", 0.0)  # not used by an infusion
        if "n_doses" not in base:
            d = 7.0 if days is None else _real(days, name="days")
            if d <= 0:
                raise ValueError(f"`days` must be > 0, got {d:g}")
            interval = base.get("interval_h", 24)
            # an interval that is not a positive number is refused by OralPK, by name
            ok = isinstance(interval, numbers.Real) and not isinstance(interval, bool)
            ok = ok and math.isfinite(interval) and interval > 0
            base["n_doses"] = periods_within(d * 24, float(interval)) if ok else 1
        optional = ("start_h", "source", "route", "infusion_h")
        missing = {f for f in OralPK.__dataclass_fields__ if f not in optional} - set(base)
        if missing:
            raise MtorSimError(
                f"no published PK defaults for {drug!r}; give {', '.join(sorted(missing))}"
            )
        return cls({drug: OralPK(**base)})

    def __or__(self, other: Schedule) -> Schedule:
        if not isinstance(other, Schedule):
            return NotImplemented
        both = set(self._drugs) & set(other._drugs)
        if both:
            raise ValueError(
                f"`schedule`: drug(s) {sorted(both)} scheduled twice; give "
                "all segments of a drug in one Schedule.segments call"
            )
        return Schedule({**self._drugs, **other._drugs})

    # -- reading ---------------------------------------------------------------------
    @property
    def drugs(self) -> tuple[str, ...]:
        return tuple(self._drugs)

    def span(self) -> float:
        """Length of the schedule (min), at least one day: the last dose plus one dosing
        interval; the last stop, plus one off period when the segments repeat (on for
        equal times, off for equal gaps: the course ends after its last off days); one
        day past the start of a segment that never stops."""
        end = _DAY
        for plan in self._drugs.values():
            if isinstance(plan, OralPK):
                end = max(end, float(plan.dose_times()[-1]) + plan.interval_h * _HOUR)
                continue
            segs = plan.segments
            end = max([end] + [a + _DAY if math.isinf(b) else b for a, b, _ in segs])
            cycle = _cycle(segs)
            if cycle is not None:
                end = max(end, segs[-1][1] + cycle[1])
        return end

    def __getitem__(self, drug: str) -> Exposure | OralPK:
        return self._drugs[drug]

    def concentrations(self, times: Any) -> dict[str, np.ndarray]:
        """Exact concentration (nM) of each drug at ``times`` (min)."""
        return {d: plan.concentration(times) for d, plan in self._drugs.items()}

    def pieces(
        self, t_end: float, *, pk_step: float = 30.0
    ) -> list[tuple[float, float, dict[str, float]]]:
        """[0, t_end] cut where any concentration changes: (start, stop, {drug: nM}).

        Segments are exact; a PK curve is its exact mean over each ``pk_step`` (min).
        Adjacent pieces with equal concentrations are merged.
        """
        cuts = {0.0, float(t_end)}
        for plan in self._drugs.values():
            cuts.update(plan.breakpoints(t_end, pk_step))
        grid = sorted(cuts)
        out: list[tuple[float, float, dict[str, float]]] = []
        for a, b in zip(grid, grid[1:], strict=False):
            conc = {d: plan.mean(a, b) for d, plan in self._drugs.items()}
            if out and out[-1][2] == conc:
                out[-1] = (out[-1][0], b, conc)
            else:
                out.append((a, b, conc))
        return out

    def label(self) -> str:
        """Short description, e.g. ``everolimus 10 nM 5 d on / 2 d off x4``."""
        parts = []
        for d, plan in self._drugs.items():
            if isinstance(plan, OralPK):
                how = f"IV over {plan.infusion_h:g} h" if plan.route == "iv" else "oral PK"
                parts.append(
                    f"{d} {plan.dose_mg:g} mg every {plan.interval_h:g} h x{plan.n_doses} ({how})"
                )
                continue
            segs = plan.segments
            concs = {c for _, _, c in segs}
            conc = f"{segs[0][2]:g} nM" if len(concs) == 1 else "varying nM"
            if len(segs) == 1:
                a, b, _ = segs[0]
                span = (f"from {a / _HOUR:g} h" if a else "") + (
                    "" if math.isinf(b) else f" to {b / _HOUR:g} h"
                )
                parts.append(f"{d} {conc} {span.strip()}".strip())
                continue
            cycle = _cycle(segs)
            if cycle is not None:
                parts.append(
                    f"{d} {conc} {cycle[0] / _DAY:g} d on / {cycle[1] / _DAY:g} d off x{len(segs)}"
                )
            else:
                parts.append(f"{d} {conc} in {len(segs)} segments")
        return "; ".join(parts)

    def as_dict(self) -> dict[str, Any]:
        """JSON-able form (recorded in a time course's metadata); `from_dict` reverses it."""
        return {d: plan.as_dict() for d, plan in self._drugs.items()}

    @classmethod
    def from_dict(cls, d: Mapping[str, Any]) -> Schedule:
        """A schedule from `as_dict` output or a JSON/YAML file's content.

        Each drug maps to ``{"segments": [[start_min, stop_min_or_null, nM], ...]}``,
        ``{"on_days": 5, "off_days": 2, "weeks": 4, "nM": 10}`` (or ``"cycles"`` instead
        of ``"weeks"``; ``"start"``, min) or ``{"oral": {...OralPK fields, or {} for the
        defaults...}, "days": 28}``. A key the plan's form does not take is refused.
        """
        if not isinstance(d, Mapping):
            raise TypeError(f"`schedule` must be a mapping of drug -> plan, got {d!r}")
        parts = []
        for drug, plan in d.items():
            if isinstance(plan, (Exposure, OralPK)):
                parts.append(cls({drug: plan}))
                continue
            if not isinstance(plan, Mapping):
                raise TypeError(f"`schedule[{drug!r}]` must be a mapping, got {plan!r}")
            plan = dict(plan)
            kind = plan.pop("kind", None)
            if kind == "oral_pk":
                parts.append(cls({drug: OralPK(**plan)}))
            elif kind == "segments" or "segments" in plan:
                _check_keys(drug, plan, {"segments"})
                # a stop of None runs to the end; the segments' shapes are checked there
                segs = [
                    (seg[0], math.inf, *seg[2:])
                    if isinstance(seg, Sequence) and len(seg) > 1 and seg[1] is None
                    else seg
                    for seg in plan["segments"]
                ]
                parts.append(cls.segments(drug, segs))
            elif "oral" in plan:
                _check_keys(drug, plan, {"oral", "days"})
                parts.append(cls.oral(drug, days=plan.get("days"), **(plan["oral"] or {})))
            elif "on_days" in plan or "off_days" in plan:
                _check_keys(drug, plan, {"on_days", "off_days", "weeks", "cycles", "nM", "start"})
                parts.append(
                    cls.intermittent(
                        drug,
                        plan.get("nM", _default_nM(drug)),
                        on_days=plan.get("on_days", 5),
                        off_days=plan.get("off_days", 2),
                        weeks=plan.get("weeks"),
                        cycles=plan.get("cycles"),
                        start=_real(plan.get("start", 0.0), name="start"),
                    )
                )
            else:
                raise ValueError(
                    f"`schedule[{drug!r}]`: expected 'segments', 'on_days' or "
                    f"'oral', got keys {sorted(plan)}"
                )
        if not parts:
            raise ValueError("`schedule` is empty")
        out = parts[0]
        for p in parts[1:]:
            out = out | p
        return out

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Schedule) and self._drugs == other._drugs

    def __hash__(self) -> int:
        return hash(tuple(self._drugs.items()))

    def __repr__(self) -> str:
        return f"Schedule({self._drugs!r})"

    def replace_pk(self, drug: str, **changes: Any) -> Schedule:
        """A copy with ``drug``'s OralPK fields changed."""
        plan = self._drugs[drug]
        if not isinstance(plan, OralPK):
            raise TypeError(f"{drug!r} is not dosed orally in this schedule")
        return Schedule({**self._drugs, drug: replace(plan, **changes)})


def _cycle(segs: Sequence[tuple[float, float, float]]) -> tuple[float, float] | None:
    """(on, off) times (min) of segments that repeat, each on for the same time and off
    for the same gap (an intermittent regimen); None for one segment or any other pattern."""
    if len(segs) < 2 or any(math.isinf(b) for _, b, _ in segs):
        return None
    on = {round(b - a, 6) for a, b, _ in segs}
    gaps = {round(a1 - b0, 6) for (_, b0, _), (a1, _, _) in zip(segs, segs[1:], strict=False)}
    if len(on) == 1 and len(gaps) == 1:
        return on.pop(), gaps.pop()
    return None


def _spelled(keys: Iterable[str]) -> list[str]:
    """``--schedule`` keys (read case-blind) as the documentation spells them, sorted."""
    return sorted("nM" if k == "nm" else k for k in keys)


def _check_keys(drug: str, plan: Mapping[str, Any], takes: set[str]) -> None:
    """Refuse the keys of ``plan`` (a schedule file's plan for ``drug``) its form does not
    take: they would be ignored (``"nm"`` for ``"nM"``, a ``"start"`` beside ``"oral"``)."""
    extra = set(plan) - takes
    if extra:
        raise ValueError(
            f"`schedule[{drug!r}]`: unknown key(s) {sorted(extra)} for this plan; it takes "
            f"{sorted(takes)}"
        )


def _default_nM(drug: str) -> float:
    return float(DRUGS[drug].typical_dose_nM)


_DURATION = re.compile(r"^\s*([0-9.eE+-]+)\s*(min|m|h|d|w)?\s*$")
_UNIT_MIN = {"min": 1.0, "m": 1.0, "h": _HOUR, "d": _DAY, "w": 7 * _DAY, None: 1.0}


def _duration(text: str, *, what: str, unit: str | None = None) -> float:
    m = _DURATION.match(text)
    if not m:
        raise ValueError(f"{what}: {text!r} is not a duration (e.g. 5d, 12h, 90min)")
    return float(m.group(1)) * _UNIT_MIN[m.group(2) or unit]


def _same_units(a: str, b: str, *, what: str) -> None:
    """Refuse two bounds of which one has a unit and the other, not 0, has none (which
    counts in minutes: "12-24h" would run from 12 min, not 12 h); two that parse."""
    found = [_DURATION.match(x) for x in (a, b)]
    if not all(found):
        return  # `_duration` says which is not a duration
    units = [m.group(2) if m else None for m in found]
    given = {u for u in units if u}
    try:
        bare = [x.strip() for x, u in zip((a, b), units, strict=True) if u is None]
        bare = [x for x in bare if float(x) != 0]
    except ValueError:
        return  # `_duration` says which is not a number
    if given and bare and not given <= {"min", "m"}:
        raise ValueError(
            f"{what}: a unit on one bound only, and a bound without one counts in minutes "
            f"({bare[0]} min); give both (e.g. 12h-24h)"
        )


def parse_schedule(text: str) -> Schedule:
    """Command-line form ``DRUG=SPEC`` -> `Schedule` (one drug).

    SPEC is comma-separated:

    - ``on:5d,off:2d,weeks:4[,nM:10]`` - intermittent (nM defaults to the drug's typical
      dose in the catalogue);
    - ``nM:10[,start:2h][,stop:24h]`` - one exposure, washed out at ``stop``;
    - ``0-24h:10,48h-72h:5`` - explicit segments START-STOP:nM.

    Durations take a unit: ``min``, ``h``, ``d`` or ``w`` (without one: days for ``on``
    and ``off``, minutes otherwise). Each form takes only its own keys.
    """
    drug, sep, spec = text.partition("=")
    if not sep or not drug.strip() or not spec.strip():
        raise ValueError(f"--schedule: expected DRUG=SPEC, got {text!r}")
    drug = drug.strip()
    items = [s.strip() for s in spec.split(",") if s.strip()]
    if any("-" in s.split(":")[0] and ":" in s for s in items):  # explicit segments
        segs = []
        for s in items:
            span, _, text_nM = s.partition(":")
            a, _, b = span.partition("-")
            _same_units(a, b, what=f"--schedule {drug}: {span!r}")
            try:
                c = float(text_nM)
            except ValueError:
                raise ValueError(f"--schedule {drug}: {text_nM!r} is not a concentration") from None
            segs.append(
                (
                    _duration(a, what=f"--schedule {drug}"),
                    _duration(b, what=f"--schedule {drug}"),
                    c,
                )
            )
        return Schedule.segments(drug, segs)
    opts: dict[str, str] = {}
    for s in items:
        key, _, value = s.partition(":")
        if not value:
            raise ValueError(f"--schedule {drug}: expected KEY:VALUE, got {s!r}")
        opts[key.strip().lower()] = value.strip()
    known = {"on", "off", "weeks", "cycles", "nm", "start", "stop"}
    if set(opts) - known:
        raise ValueError(
            f"--schedule {drug}: unknown key(s) {sorted(set(opts) - known)}; known: {sorted(known)}"
        )
    # each form takes its own keys: another form's key would be ignored
    intermittent = "on" in opts or "off" in opts
    form, takes = (
        ("an intermittent", {"on", "off", "weeks", "cycles", "nm", "start"})
        if intermittent
        else ("a constant", {"nm", "start", "stop"})
    )
    if set(opts) - takes:
        raise ValueError(
            f"--schedule {drug}: {', '.join(_spelled(set(opts) - takes))} does not apply to "
            f"{form} exposure, which takes {', '.join(_spelled(takes))}"
        )
    conc = float(opts["nm"]) if "nm" in opts else (_default_nM(drug) if drug in DRUGS else 0.0)
    if "start" in opts and "stop" in opts:
        _same_units(opts["start"], opts["stop"], what=f"--schedule {drug}: start and stop")
    start = _duration(opts.get("start", "0"), what=f"--schedule {drug} start")
    if intermittent:
        return Schedule.intermittent(
            drug,
            conc,
            on_days=_duration(opts.get("on", "5d"), what="on", unit="d") / _DAY,
            off_days=_duration(opts.get("off", "2d"), what="off", unit="d") / _DAY,
            weeks=float(opts["weeks"]) if "weeks" in opts else None,
            cycles=int(opts["cycles"]) if "cycles" in opts else None,
            start=start,
        )
    stop = _duration(opts["stop"], what=f"--schedule {drug} stop") if "stop" in opts else None
    return Schedule.constant(drug, conc, start=start, stop=stop)


_NUMBER = r"([0-9]*\.?[0-9]+)"
_PK = re.compile(rf"^\s*{_NUMBER}\s*mg\s*(?:/\s*{_NUMBER}\s*h)?\s*(?:[x*]\s*([0-9]+))?\s*$")


def parse_pk(text: str, *, days: float | None = None) -> Schedule:
    """Command-line form ``DRUG=10mg/24h`` (or ``DRUG=400mg/12h x56``, ``DRUG=default``) ->
    oral `Schedule` with the drug's published PK; ``days`` sets the number of doses,
    unless ``xN`` gives it."""
    drug, sep, spec = text.partition("=")
    if not sep or not drug.strip():
        raise ValueError(f"--pk: expected DRUG=DOSEmg/INTERVALh, got {text!r}")
    drug, spec = drug.strip(), spec.strip()
    over: dict[str, Any] = {}
    if spec and spec != "default":
        m = _PK.match(spec)
        if not m:
            raise ValueError(f"--pk {drug}: expected e.g. 10mg/24h or 400mg/12h x56, got {spec!r}")
        over["dose_mg"] = float(m.group(1))
        if m.group(2):
            over["interval_h"] = float(m.group(2))
        if m.group(3):
            over["n_doses"] = int(m.group(3))
    # with xN the doses are counted; `days` (the command's --days) then sets only how
    # long the course runs
    return Schedule.oral(drug, days=None if "n_doses" in over else days, **over)


def check_schedule(model: Any, schedule: Any, *, drugs: Mapping[str, float]) -> Schedule:
    """``schedule`` (a Schedule or its dict form) checked against ``model`` and ``drugs=``."""
    if isinstance(schedule, Mapping):
        schedule = Schedule.from_dict(schedule)
    if not isinstance(schedule, Schedule):
        raise TypeError(
            f"`schedule` must be a mtor_sim.Schedule or a dict, got {type(schedule).__name__}"
        )
    for d in schedule.drugs:
        if d not in model.drugs:
            raise MtorSimError(
                f"`schedule`: drug {d!r} has no target in model "
                f"{model.name!r}; pass `targets=` to load_model"
            )
        if d in drugs:
            raise ValueError(f"`schedule` and `drugs` both give {d!r}: schedule it only once")
    return schedule


def load_schedule_file(path: str) -> Schedule:
    """A schedule from a JSON or YAML file (see `Schedule.from_dict` for the layout)."""
    import json
    from pathlib import Path

    text = Path(path).read_text()
    if path.lower().endswith((".yaml", ".yml")):
        try:
            import yaml
        except ImportError:  # pragma: no cover - PyYAML comes with dask
            raise MtorSimError(
                "reading a YAML schedule needs PyYAML (pip install pyyaml); "
                "or write the schedule as JSON"
            ) from None
        try:
            data = yaml.safe_load(text)
        except yaml.YAMLError as exc:  # as a JSON file's: one line, not a traceback
            mark = getattr(exc, "problem_mark", None)
            why = getattr(exc, "problem", None) or " ".join(str(exc).split())
            if mark is not None:
                why = f"line {mark.line + 1}, column {mark.column + 1}: {why}"
            raise ValueError(f"--schedule-file {path}: not valid YAML ({why})") from None
    else:
        try:
            data = json.loads(text)
        except json.JSONDecodeError as exc:
            raise ValueError(f"--schedule-file {path}: not valid JSON ({exc})") from None
    return Schedule.from_dict(data)
