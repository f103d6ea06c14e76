"""Virtual HCC cohorts and biomarker-stratified in-silico trials of the review's regimens.

A virtual tumour is the bundled model with (1) a genotype drawn with the review's
frequencies, (2) log-normal variation of expression levels and kinetic constants around
the model's values, and (3) its own intrinsic growth speed. Each arm holds its drugs at a
constant concentration for the course; the tumour volume follows the growth layer of
`mtor_sim._tumour` on clinical time scales, and each patient's response is classified
from the change in the tumour's diameter, in the spirit of RECIST 1.1.

Numbers and their sources (assumptions are named as such):

- Genotype frequencies, review Table 1 and text (midpoints of its ranges): PTEN loss
  30-40 % -> 0.35; PIK3CA mutation 8-12 % -> 0.10; Akt overexpression 25-35 % -> 0.30;
  MAPK/ERK co-activation 30-35 % -> 0.325. mTORC2 up-regulation: the review names it as a
  resistance mechanism without a frequency; 0.20 is an assumption. Alterations are drawn
  independently; a tumour with none is wild type for the pathway.
- p-mTOR high: the review reports p-mTOR overexpression in 58.7 % of HCC (Table 1), so
  the 58.7 % of virtual tumours with the highest untreated mTORC1 activity are "high".
- Variation between tumours (assumptions): log-normal with sigma 0.3 for protein totals
  and synthesis rates (CV ~30 %, the order of inter-tumour variation of pathway
  proteins), 0.15 for kinetic constants.
- Growth: untreated tumours double in volume in 4.6 months (140 days) at the median, the
  pooled tumour-volume doubling time of a meta-analysis of 1,334 HCC patients (Nathani
  et al., Gut 2021); each tumour's speed is scaled by a log-normal factor (sigma 0.5,
  assumption, narrower than the observed spread because genotypes add their own).
- Cell turnover: division rate `TURNOVER` per day with death balancing it to the
  doubling time above. The turnover sets how far a given drop in proliferation shrinks a
  tumour; it is not known for HCC in vivo, so it is calibrated once so that the
  everolimus arm's objective response rate is the review's 9.5 % (Table 3). All other
  arms and strata are then predictions.
- Response (RECIST 1.1 on one lesion, diameter ~ volume^(1/3)), assessed at the end of
  the course (12 weeks by default): complete response if the diameter falls below 1 %
  of baseline; partial response if it falls by >= 30 %; progressive disease if it grows
  by >= 20 %; stable disease otherwise. Objective response = CR + PR; disease control =
  CR + PR + SD. A patient without a verified steady state in an arm is "not evaluable"
  and left out of that arm's rates (and counted).

What to trust: the orderings between arms and strata (checked by `trial_claims`). The
absolute response rates of arms other than the calibrated everolimus arm are far above
the review's (e.g. everolimus + sorafenib ~90 % vs 16.7 %): with constant exposure and
exponential growth, any drug that cuts proliferation more than a rapalog shrinks most
tumours within 12 weeks. Toxicity-limited dosing, varying exposure and resistance that
emerges during treatment are not in the model.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from ._backends import Condition, run_conditions
from ._catalogue import BUNDLED, REGIMENS, occupancy
from ._errors import MtorSimError, check_count, check_name, check_names, check_nonnegative
from ._perturb import Perturbation, make_perturbation, resolve
from ._protocol import BatchResult, Immutable
from ._tumour import TumourGrowth

if TYPE_CHECKING:  # pragma: no cover
    from matplotlib.figure import Figure

    from ._model import Model

__all__ = ["Cohort", "TrialResult", "virtual_cohort", "trial", "REGIMENS", "FREQUENCIES"]

#: Probability of each alteration in a virtual HCC (review Table 1 and text), and the
#: fraction of tumours with high p-mTOR: the bundled model's catalogue, ``[cohort]``.
FREQUENCIES = dict(BUNDLED.cohort["frequencies"])
PMTOR_HIGH_FRACTION = float(BUNDLED.cohort["pmtor_high_fraction"])
EXPRESSION_SIGMA = 0.3  # assumption
KINETIC_SIGMA = 0.15  # assumption
GROWTH_SIGMA = 0.8  # ln-spread of doubling times (Nathani 2021: 11-851 days)
DOUBLING_DAYS = 140.0  # Nathani et al., Gut 2021 (pooled TVDT 4.6 months)
TURNOVER = 0.1695  # /day; fitted: everolimus ORR 9.5 % (review Table 3; 4000 patients, seed 0)

CATEGORIES = ("CR", "PR", "SD", "PD", "NE")
READOUTS = ("proliferation", "survival", "mTORC1_activity")


def _varied(model: Model) -> tuple[list[str], list[str]]:
    """Expression parameters (totals, synthesis) and kinetic constants that vary."""
    p = model.parameters
    drug = set(model._layout.drug_parameters.values())
    expression = [
        n
        for n in p.index
        if (n.endswith("_total") or n.endswith("_expr") or n.startswith("ksyn_")) and p[n] > 0
    ]
    kinetic = [n for n in p.index if n.startswith("k_") and p[n] > 0 and n not in drug]
    return expression, kinetic


def _compared(
    comparison: str, review: float, orr: float, low: float, high: float
) -> dict[str, Any]:
    """One row of `TrialResult.compare_with_review`."""
    return {
        "comparison": comparison,
        "review": review,
        "simulated": orr,
        "simulated_low": low,
        "simulated_high": high,
        "simulated_95CI": f"{low:.1f}-{high:.1f}",
    }


def _row(frame: pd.DataFrame, key: Any, columns: list[str]) -> np.ndarray:
    """The values of ``columns`` in the row ``key`` of ``frame``, as floats."""
    return frame.loc[[key], columns].to_numpy(dtype=float)[0]


@dataclass(frozen=True)
class Cohort(Immutable):
    """Virtual patients: genotype flags, parameter multipliers and growth speed.

    ``table`` has one row per patient: ``patient``, one boolean column per alteration of
    `FREQUENCIES`, ``genotype`` (the presets joined by " + ", or "WT"), ``growth_scale``,
    and one column per varied parameter holding its multiplier.
    """

    table: pd.DataFrame
    parameters: tuple[str, ...]
    settings: dict[str, Any] = field(default_factory=dict)

    def __len__(self) -> int:
        return len(self.table)

    @property
    def alterations(self) -> tuple[str, ...]:
        """The genotype presets drawn for this cohort (boolean columns of ``table``)."""
        return tuple(self.settings.get("frequencies", FREQUENCIES))

    def perturbation(
        self, model: Model, i: int, drugs: Mapping[str, float] | None = None
    ) -> Perturbation:
        """Patient ``i``'s perturbation: its genotype presets, then its parameter values."""
        row = self.table.iloc[i]
        genos = [g for g in self.alterations if row[g]]
        base = make_perturbation(model, genotype=genos)
        values, _ = resolve(model, base)
        defaults = model._layout.parameters
        params = {p: values.get(p, defaults[p]) * float(row[p]) for p in self.parameters}
        return make_perturbation(model, genotype=genos, parameters=params, drugs=drugs)


def virtual_cohort(
    model: Model,
    n: int,
    *,
    seed: int = 0,
    frequencies: Mapping[str, float] | None = None,
    expression_sigma: float = EXPRESSION_SIGMA,
    kinetic_sigma: float = KINETIC_SIGMA,
    growth_sigma: float = GROWTH_SIGMA,
) -> Cohort:
    """Draw ``n`` virtual HCC tumours (seeded).

    Parameters
    ----------
    model : Model
        The bundled model.
    n : int
        Number of patients.
    seed : int
        Seed of every random draw; recorded in ``settings``.
    frequencies : dict, optional
        Alteration -> probability (default `FREQUENCIES`, from the review).
    expression_sigma, kinetic_sigma, growth_sigma : float
        Log-normal spreads (standard deviation of the natural log).
    """
    if not model.is_bundled:
        raise MtorSimError("virtual cohorts need the bundled model's genotypes and readouts")
    n = check_count(n, name="n (patients)")
    seed = check_count(seed, name="seed", minimum=0)
    if frequencies is not None and not isinstance(frequencies, Mapping):
        raise TypeError(
            "`frequencies` must be a mapping of alteration -> probability, got "
            f"{type(frequencies).__name__} {frequencies!r}"
        )
    freqs = {**FREQUENCIES, **(frequencies or {})}  # unlisted alterations keep the default
    for g, f in freqs.items():
        check_name(g, model.catalogue.genotypes, kind="genotype in `frequencies`")
        if not 0 <= check_nonnegative(f, name=f"frequencies[{g!r}]") <= 1:
            raise ValueError(f"`frequencies[{g!r}]` must be within [0, 1], got {f!r}")
    sig = {
        name: check_nonnegative(v, name=name)
        for name, v in (
            ("expression_sigma", expression_sigma),
            ("kinetic_sigma", kinetic_sigma),
            ("growth_sigma", growth_sigma),
        )
    }
    rng = np.random.default_rng(seed)
    expression, kinetic = _varied(model)
    data: dict[str, Any] = {"patient": np.arange(n)}
    for g in freqs:  # the defaults' order first, so a seed always means the same cohort
        data[g] = rng.random(n) < freqs[g]
    data["growth_scale"] = np.exp(rng.normal(0.0, sig["growth_sigma"], n))
    for p in expression:
        data[p] = np.exp(rng.normal(0.0, sig["expression_sigma"], n))
    for p in kinetic:
        data[p] = np.exp(rng.normal(0.0, sig["kinetic_sigma"], n))
    table = pd.DataFrame(data)
    flags = table[list(freqs)].to_numpy()
    table.insert(
        1 + len(freqs),
        "genotype",
        [" + ".join(g for g, f in zip(freqs, row, strict=True) if f) or "WT" for row in flags],
    )
    return Cohort(
        table, tuple(expression + kinetic), {"n": n, "seed": seed, "frequencies": freqs, **sig}
    )


@dataclass(frozen=True)
class TrialResult(BatchResult):
    """Per-patient outcomes of every arm, with rates by arm and by biomarker stratum.

    ``table`` has one row per (arm, patient): the biomarkers (``pmtor_high``,
    ``PTEN_loss``, ``PIK3CA_gain``, ``mTORC2_high``...), the untreated and treated
    growth rates (per day), ``volume_ratio`` and ``diameter_change`` (%, end of course
    vs baseline), ``category`` (CR, PR, SD, PD, NE) and the steady-state ``status``.
    """

    table: pd.DataFrame
    arms: dict[str, dict[str, float]]
    cohort: Cohort
    settings: dict[str, Any] = field(default_factory=dict)

    def _outcomes(self) -> tuple[int, dict[str, int]]:
        return self._count(self.table["status"])

    def to_dataframe(self) -> pd.DataFrame:
        return self.table.copy()

    def response_rates(self, by: str | None = None) -> pd.DataFrame:
        """ORR and DCR (%) with Wilson 95 % intervals, per arm (and per ``by`` stratum).

        ``by``: ``"pmtor"`` (p-mTOR high/low), ``"PTEN"`` (loss/intact), ``"PIK3CA"``
        (mutant/wild type), or any boolean column of ``table``.
        """
        column = {
            "pmtor": "pmtor_high",
            "PTEN": "PTEN_loss",
            "PIK3CA": "PIK3CA_gain",
            None: None,
        }.get(by, by)
        if column is not None:
            check_name(
                column,
                [c for c in self.table.columns if self.table[c].dtype == bool],
                kind="stratum",
            )
        keys = ["arm"] + ([column] if column else [])
        rows = []
        for key, grp in self.table.groupby(keys, sort=False):
            key = key if isinstance(key, tuple) else (key,)
            ev = grp[grp["category"] != "NE"]
            n = len(ev)
            resp = int(ev["category"].isin(["CR", "PR"]).sum())
            ctrl = int(ev["category"].isin(["CR", "PR", "SD"]).sum())
            lo, hi = wilson(resp, n)
            dlo, dhi = wilson(ctrl, n)
            row = dict(zip(keys, key, strict=True))
            row.update(
                n=n,
                not_evaluable=len(grp) - n,
                ORR=100 * resp / n if n else math.nan,
                ORR_low=100 * lo,
                ORR_high=100 * hi,
                DCR=100 * ctrl / n if n else math.nan,
                DCR_low=100 * dlo,
                DCR_high=100 * dhi,
                median_diameter_change=float(ev["diameter_change"].median()),
            )
            rows.append(row)
        return pd.DataFrame(rows)

    def review(self) -> dict[str, Any]:
        """The published response rates this trial is compared with (from the model's
        catalogue): ``objective_response_rate`` per arm and ``orr_by_pmtor`` per arm and
        p-mTOR status (``high``/``low``), in %."""
        return dict(self.settings.get("review", {}))

    def compare_with_review(self) -> pd.DataFrame:
        """Simulated ORRs next to the review's (Table 3; sorafenib by p-mTOR): columns
        ``comparison``, ``review``, ``simulated``, ``simulated_low``, ``simulated_high``
        (the Wilson 95 % interval, %) and ``simulated_95CI`` (the same, as text)."""
        review = self.review()
        by_arm = review.get("objective_response_rate", {})
        rates = self.response_rates().set_index("arm")
        columns = ["ORR", "ORR_low", "ORR_high"]
        rows = [
            _compared(f"ORR, {arm}", by_arm.get(arm, math.nan), *_row(rates, arm, columns))
            for arm in self.arms
        ]
        by_pmtor = {a: v for a, v in review.get("orr_by_pmtor", {}).items() if a in self.arms}
        strata = self.response_rates("pmtor").set_index(["arm", "pmtor_high"]) if by_pmtor else None
        for arm, published in by_pmtor.items():
            for flag, label in ((True, "high"), (False, "low")):
                if strata is None or (arm, flag) not in strata.index or label not in published:
                    continue  # an empty stratum has no rate, a missing number no comparison
                found = _row(strata, (arm, flag), columns)
                rows.append(_compared(f"ORR, {arm}, p-mTOR {label}", published[label], *found))
        return pd.DataFrame(rows)

    def plot_waterfall(self, arms: Sequence[str] | None = None) -> Figure:
        """Waterfall plots: each patient's diameter change (%), one panel per arm."""
        from ._plot import plot_waterfall

        return plot_waterfall(self, list(arms or self.arms))

    def plot_response_rates(self, by: str | None = None) -> Figure:
        """ORR per arm (and stratum) with 95 % intervals and the review's numbers."""
        from ._plot import plot_response_rates

        return plot_response_rates(self, by)


def wilson(k: int, n: int, z: float = 1.959964) -> tuple[float, float]:
    """Wilson score interval of a proportion ``k / n`` (95 % by default)."""
    if n == 0:
        return math.nan, math.nan
    p = k / n
    denom = 1 + z * z / n
    centre = (p + z * z / (2 * n)) / denom
    half = z * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n)) / denom
    lo = 0.0 if k == 0 else max(0.0, centre - half)
    hi = 1.0 if k == n else min(1.0, centre + half)
    return lo, hi


def classify(diameter_change: np.ndarray) -> np.ndarray:
    """RECIST-like category from the diameter change (%), NaN -> "NE"."""
    d = np.asarray(diameter_change, dtype=float)
    out = np.full(d.shape, "SD", dtype=object)
    out[d >= 20.0] = "PD"
    out[d <= -30.0] = "PR"
    out[d <= -99.0] = "CR"
    out[~np.isfinite(d)] = "NE"
    return out


def trial(
    model: Model,
    arms: Mapping[str, Mapping[str, float]] | Sequence[str] | None = None,
    *,
    n: int = 1000,
    seed: int = 0,
    weeks: float = 12.0,
    cohort: Cohort | None = None,
    turnover: float = TURNOVER,
    backend: str = "serial",
    n_workers: int | None = None,
    scheduler: str | None = None,
    out: str | Path | None = None,
    progress: bool = True,
) -> TrialResult:
    """An in-silico trial: every virtual patient receives every arm (a crossover in silico).

    Parameters
    ----------
    model : Model
        The bundled model.
    arms : dict or list, optional
        Arm name -> drugs (nM), or names of `REGIMENS`; default all of `REGIMENS`.
    n, seed : int
        Cohort size and seed (ignored when ``cohort`` is given).
    weeks : float
        Length of the course; response is assessed at its end.
    cohort : Cohort, optional
        A cohort from `virtual_cohort`, to reuse across trials.
    turnover : float, per day
        Cell division rate of the growth layer (see the module notes).
    backend, n_workers, scheduler, out, progress
        As in `mtor_sim.sweep`: 10,000 patients x 7 arms run in about a minute on
        2 cores with ``backend="processes"``.

    Returns
    -------
    TrialResult

    Examples
    --------
    >>> import mtor_sim as ms
    >>> res = ms.trial(ms.load_model(), ["everolimus", "everolimus + sorafenib"], n=50,
    ...                progress=False)
    >>> sorted(res.response_rates()["arm"])
    ['everolimus', 'everolimus + sorafenib']
    """
    if arms is None:
        arm_map = {k: dict(v) for k, v in model.catalogue.regimens.items()}
    elif isinstance(arms, Mapping):
        arm_map = {}
        for k, v in arms.items():
            if not isinstance(k, str) or not isinstance(v, Mapping):
                raise TypeError(
                    f"`arms` as a mapping must be arm name -> {{drug: nM}}, got {k!r}: {v!r}"
                )
            arm_map[k] = dict(v)
    else:
        arm_map = {
            check_name(a, model.catalogue.regimens, kind="regimen in `arms`"): dict(
                model.catalogue.regimens[a]
            )
            for a in check_names(arms, name="arms")
        }
    if not arm_map:
        raise ValueError("`arms` is empty")
    for drugs in arm_map.values():
        make_perturbation(model, drugs=drugs)  # validates names and doses
    weeks = check_nonnegative(weeks, name="weeks", allow_zero=False)
    turnover = check_nonnegative(turnover, name="turnover", allow_zero=False)
    if cohort is None:
        n = check_count(n, name="n (patients)")
        seed = check_count(seed, name="seed", minimum=0)
    cohort = cohort or virtual_cohort(model, n, seed=seed)
    names = ["untreated", *arm_map]
    patients = [int(p) for p in cohort.table["patient"]]
    arm_drugs = [arm_map.get(a, {}) for a in names]

    def make(lo: int, hi: int) -> list[Condition]:
        """Points ``lo:hi`` (patient-major, one per arm), built where they are solved:
        in forked workers, each patient's perturbation costs its worker, not the parent."""
        out_: list[Condition] = []
        base: dict[int, Perturbation] = {}  # the current patient's only
        for i in range(lo, hi):
            p, a = divmod(i, len(names))
            if p not in base:
                base = {p: cohort.perturbation(model, p)}
            labels = (("patient", patients[p]), ("arm", names[a]))
            out_.append(Condition(i, labels, base[p].with_drugs(arm_drugs[a])))
        return out_

    spec = {
        "trial": names,
        "arms": arm_map,
        "cohort": cohort.settings,
        "weeks": weeks,
        "turnover": turnover,
    }
    store, stats = run_conditions(
        model,
        make,
        len(patients) * len(names),
        READOUTS,
        backend=backend,
        n_workers=n_workers,
        scheduler=scheduler,
        out=out,
        spec=spec,
        progress=progress,
        desc="trial",
    )
    raw = store.read()
    table = _outcomes(raw, cohort, arm_map, turnover, weeks)
    from ._engine import steady_provenance

    settings = {
        **spec,
        "doubling_days": DOUBLING_DAYS,
        "pmtor_high_fraction": PMTOR_HIGH_FRACTION,
        "review": {
            k: {a: dict(v) if isinstance(v, Mapping) else v for a, v in table.items()}
            for k, table in model.catalogue.review.items()
        },
        **steady_provenance(model),
        **stats,
    }
    return TrialResult(table, arm_map, cohort, settings)


def _rates(
    p0: np.ndarray,
    s0: np.ndarray,
    p1: np.ndarray,
    s1: np.ndarray,
    occ_vegfr: float,
    scale: np.ndarray,
    turnover: float,
) -> tuple[np.ndarray, np.ndarray]:
    """Untreated and treated net growth rates (per day) of each tumour.

    Untreated: ``ln 2 / DOUBLING_DAYS * scale * P0 * S0``, so a wild-type tumour of median
    speed doubles in 140 days and tumours with more proliferation (P) and survival (S)
    signalling grow faster. Treated: division and death both run at ``turnover`` in the
    untreated tumour; a drug scales division by ``P1 (1 - a_vegf occ_VEGFR) / P0`` and
    death by ``S0 / S1`` (survival signalling lowers apoptosis), which changes the net rate
    by ``turnover * (P1 (1 - a_vegf occ) / P0 - S0 / S1)``.
    """
    a_vegf = TumourGrowth().a_vegf
    r0 = math.log(2) / DOUBLING_DAYS * scale * p0 * s0
    with np.errstate(divide="ignore", invalid="ignore"):
        r1 = r0 + turnover * (p1 * (1 - a_vegf * occ_vegfr) / p0 - s0 / s1)
    return r0, r1


def _outcomes(
    raw: pd.DataFrame,
    cohort: Cohort,
    arms: dict[str, dict[str, float]],
    turnover: float,
    weeks: float,
) -> pd.DataFrame:
    days = 7.0 * weeks
    pt = cohort.table.set_index("patient")
    untreated = raw[raw["arm"] == "untreated"].set_index("patient")
    activity = untreated["mTORC1_activity"]
    cutoff = float(np.nanquantile(activity, 1 - PMTOR_HIGH_FRACTION))
    frames = []
    for arm, drugs in arms.items():
        t = raw[raw["arm"] == arm].set_index("patient")
        u = untreated.loc[t.index]
        r0, r1 = _rates(
            u["proliferation"].to_numpy(),
            u["survival"].to_numpy(),
            t["proliferation"].to_numpy(),
            t["survival"].to_numpy(),
            occupancy("VEGFR", drugs),
            pt.loc[t.index, "growth_scale"].to_numpy(),
            turnover,
        )
        ok = ((t["status"] == "ok") & (u["status"] == "ok")).to_numpy() & np.isfinite(r1)
        ratio = np.where(ok, np.exp(np.where(ok, r1, 0.0) * days), np.nan)
        change = 100.0 * (np.cbrt(ratio) - 1.0)
        frame = pd.DataFrame(
            {
                "arm": arm,
                "patient": t.index.to_numpy(),
                "genotype": pt.loc[t.index, "genotype"].to_numpy(),
                "pmtor_high": (activity.loc[t.index] > cutoff).to_numpy(),
                **{g: pt.loc[t.index, g].to_numpy() for g in cohort.alterations},
                "mTORC1_activity_untreated": activity.loc[t.index].to_numpy(),
                "growth_rate_untreated": r0,
                "growth_rate_treated": r1,
                "volume_ratio": ratio,
                "diameter_change": change,
                "category": classify(change),
                "status": np.where(
                    ok, "ok", np.where(t["status"] != "ok", t["status"], u["status"])
                ),
            }
        )
        frames.append(frame)
    return pd.concat(frames, ignore_index=True)


def trial_claims(result: TrialResult) -> pd.DataFrame:
    """The review's orderings, checked on a trial: one row per claim with its numbers.

    Only orderings whose arms were run are checked; with none, the table is empty."""
    rates = result.response_rates().set_index("arm")["ORR"]
    rows = []

    def add(claim: str, passed: bool, numbers: str) -> None:
        rows.append({"claim": claim, "passed": bool(passed), "numbers": numbers})

    if {"everolimus + sorafenib", "everolimus", "sorafenib"} <= set(rates.index):
        c, e, s = (rates[a] for a in ("everolimus + sorafenib", "everolimus", "sorafenib"))
        add(
            "everolimus + sorafenib above either monotherapy",
            c > e and c > s,
            f"ORR {c:.1f} % vs everolimus {e:.1f} %, sorafenib {s:.1f} %",
        )

    def orr(by: str, col: str, arm: str, flag: bool) -> float:
        if col not in result.table.columns:
            return math.nan
        r = result.response_rates(by).set_index(["arm", col])
        return float(_row(r, (arm, flag), ["ORR"])[0]) if (arm, flag) in r.index else math.nan

    if "sorafenib" in rates.index:
        for by, col, worse in (
            ("pmtor", "pmtor_high", "p-mTOR high"),
            ("PTEN", "PTEN_loss", "PTEN loss"),
        ):
            hi, lo = orr(by, col, "sorafenib", True), orr(by, col, "sorafenib", False)
            add(
                f"{worse} does worse on sorafenib",
                hi < lo,  # False if a stratum is empty
                f"ORR {hi:.1f} % vs {lo:.1f} %",
            )
    if {"vistusertib", "everolimus"} <= set(rates.index):
        v = orr("mTORC2_high", "mTORC2_high", "vistusertib", True)
        e = orr("mTORC2_high", "mTORC2_high", "everolimus", True)
        add(
            "dual mTORC1/2 inhibitor above rapalog in mTORC2-high tumours",
            v > e,
            f"ORR {v:.1f} % vs {e:.1f} %",
        )
    # the columns stay when no ordering applies to the arms run (an empty table)
    return pd.DataFrame(rows, columns=["claim", "passed", "numbers"])
