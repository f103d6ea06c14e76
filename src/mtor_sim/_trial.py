"""Virtual HCC cohorts and biomarker-stratified in-silico trials of the review's regimens.

A virtual tumour is the bundled model with (1) a genotype drawn with the review's
frequencies, (2) log-normal variation of expression levels and kinetic constants around
the model's values, and (3) its own intrinsic growth speed. Each arm gives its regimen's
dose schedule; the tumour volume follows the growth layer below on clinical time scales,
and each patient's response is classified from the change in the tumour's diameter, in
the spirit of RECIST 1.1.

The bundled model's numbers live in its catalogue (``models/catalogue.toml``, read through
``Model.catalogue``), each with its source or named as an assumption: the genotype
frequencies and p-mTOR-high fraction and the spreads between tumours (``[cohort]``), the
drugs' clinical pharmacokinetics (``[drugs.*.oral_pk]``), each regimen's dose schedule
(``[dosing]``), and the growth layer's doubling time, spread, VEGFR share and cell
turnover (``[tumour]``).

Exposure, not dose. An arm's drugs reach the cells as their unbound plasma concentration
over the steady dosing cycle (one-compartment PK: oral, or intravenous infusion; see
`mtor_sim.OralPK`). Signalling relaxes in minutes to hours while the concentrations vary
over hours to days, so the cells are taken to follow the concentration quasi-statically:
proliferation and survival are the steady states at K phases of the common dosing
period (the midpoints of slices that start at the dose times and are halved where the
concentration changes fast; `steady_phases`), and the growth rate, linear in them, is
averaged over the phases, weighted by their slices' lengths. The slices are refined
until every target site's cycle-averaged occupancy is within `PHASE_TOLERANCE` and each
drug's mean concentration within `CONCENTRATION_TOLERANCE` (or K equal slices with
``phases=K``); on the full model, the adaptive phases give the growth rates of 64 equal
phases to < 1e-3 per day (``tests/test_trial_exposure.py``, ``benchmarks/
bench_trial.py``). All patients x arms x phases are one batch of steady states. The
first cycles, before the drugs accumulate to their steady cycle, are not modelled (over a
12-week course, 1.5 % of sirolimus's exposure, half-life 62 h, dosed weekly; 2.4 % of
sorafenib's). An arm given as constant
concentrations (a mapping of drug -> nM, e.g. ``dict(ms.REGIMENS)``) holds them for the
whole course, as before.

Unbound potencies. A potency measured in cell culture is a nominal concentration in
serum-containing medium, where serum proteins bind part of the drug; an exposure-driven
arm's concentrations are unbound plasma ones. For those arms each such potency is
expressed as an unbound one (`unbound_potencies`: times the drug's unbound fraction in
the medium, `medium_unbound_fraction`, from its plasma binding and the catalogue's
``[culture] serum_fraction``); biochemical potencies are kept. Constant arms keep the
catalogue's potencies, as the cell model's verbs do.

Growth. Untreated tumours double in volume in ``doubling_days`` (140 days at the median,
Nathani et al., Gut 2021) scaled by a log-normal speed factor per tumour: the net rate
``r0``. Cell division and death both run at ``turnover_per_day`` in the untreated tumour;
a drug scales division by ``P(t) (1 - a occ_VEGFR(t)) / P0`` and death by ``S0 / S(t)``
(survival signalling lowers apoptosis), and the treated rate is ``r0`` plus the turnover
times the cycle average of their difference. The turnover sets how far a given
drop in proliferation shrinks a tumour; it is not known for HCC in vivo and is the single
fitted number: sorafenib's ORR by p-mTOR status (review: 7.3 % high, 22.6 % low; its
largest cohort, and the arm whose PK numbers were seen in their sources, its unbound
fraction measured in cancer patients' plasma), by
``models/calibrate_trial.py``. All other arms are predictions. The growth law is
exponential over the course (assumption): a Gompertz law slows growth as a tumour
nears a plateau, and no plateau data for HCC were fitted.

Response (RECIST 1.1 on one lesion, diameter ~ volume^(1/3)), assessed at the end of the
course (12 weeks by default): complete response if the diameter falls below 1 % of
baseline; partial response if it falls by >= 30 %; progressive disease if it grows by
>= 20 %; stable disease otherwise. Objective response = CR + PR; disease control = CR +
PR + SD. A patient without a verified steady state in an arm (at any phase) is "not
evaluable" and left out of that arm's rates (and counted).

What to trust: the orderings between arms and strata (checked by `trial_claims`), and
the direction of each arm's gap to the review's rate, which
`TrialResult.compare_with_review` explains.
Exposure varies between patients where a source gives the spread (``[cohort.exposure_sigma]``:
everolimus, sorafenib): each patient's unbound profile of such a drug is scaled by one
log-normal factor. Toxicity-limited dosing (dose reductions), the other drugs' exposure
spreads, and resistance that emerges during treatment are not in the model.
"""

from __future__ import annotations

import hashlib
import math
from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from ._backends import Condition, run_conditions
from ._catalogue import BUNDLED, REGIMENS, Drug, occupancy
from ._ensemble import check_members, member_digest, member_parameters, members_to_run
from ._errors import (
    MtorSimError,
    check_count,
    check_name,
    check_names,
    check_nonnegative,
    check_share,
    wants_ensemble,
)
from ._options import RunOptions, resolve_run
from ._perturb import Perturbation, make_perturbation, resolve
from ._potency import (
    _fractions,
    _potency_table,
    _unbound,
    medium_unbound_fraction,
    oral_potencies,
)
from ._protocol import BatchResult, Immutable, stored
from ._schedule import Exposure, OralPK, Schedule, periods_within

if TYPE_CHECKING:  # pragma: no cover
    from matplotlib.figure import Figure

    from ._model import Model

__all__ = [
    "Arm",
    "Cohort",
    "TrialResult",
    "virtual_cohort",
    "trial",
    "regimen_schedule",
    "steady_phases",
    "unbound_potencies",
    "medium_unbound_fraction",
    "REGIMENS",
    "FREQUENCIES",
]

#: Probability of each alteration in a virtual HCC (review Table 1 and text), and the
#: fraction of tumours with high p-mTOR: the bundled model's catalogue, ``[cohort]``.
FREQUENCIES = dict(BUNDLED.cohort["frequencies"])
PMTOR_HIGH_FRACTION = float(BUNDLED.cohort["pmtor_high_fraction"])
#: Spreads between tumours and the growth layer's numbers: the bundled model's
#: catalogue, ``[cohort]`` and ``[tumour]`` (with their sources); kept as names for code
#: that imported them.
EXPRESSION_SIGMA = float(BUNDLED.cohort["expression_sigma"])
KINETIC_SIGMA = float(BUNDLED.cohort["kinetic_sigma"])
GROWTH_SIGMA = float(BUNDLED.tumour["growth_sigma"])
DOUBLING_DAYS = float(BUNDLED.tumour["doubling_days"])
TURNOVER = float(BUNDLED.tumour["turnover_per_day"])
#: Accuracy (absolute, 0-1) of the cycle-averaged occupancy of every target site with
#: which the adaptive phases of a dosing cycle represent it (`steady_phases`).
PHASE_TOLERANCE = 0.002
#: ... and each drug's cycle-mean concentration to this fraction of it.
CONCENTRATION_TOLERANCE = 0.05

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
    one column per varied parameter holding its multiplier, and ``exposure_<drug>`` per
    drug whose exposure varies between patients (the factor on its unbound profile in
    exposure-driven arms). A cohort drawn on a parameter ensemble adds ``member``, the
    row of ``members`` whose values each patient's multipliers act on.
    """

    table: pd.DataFrame
    parameters: tuple[str, ...]
    settings: dict[str, Any] = field(default_factory=dict)
    members: pd.DataFrame | None = None

    def __len__(self) -> int:
        return len(self.table)

    @property
    def alterations(self) -> tuple[str, ...]:
        """The genotype presets drawn for this cohort (boolean columns of ``table``)."""
        return tuple(self.settings.get("frequencies", FREQUENCIES))

    def perturbation(
        self, model: Model, i: int, drugs: Mapping[str, float] | None = None
    ) -> Perturbation:
        """Patient ``i``'s perturbation: its genotype presets, then its parameter values
        (its multipliers on the model's values, or on its ensemble member's)."""
        row = stored(self, "table").iloc[i]
        genos = [g for g in self.alterations if row[g]]
        members = stored(self, "members")  # read, not copied, once per patient
        if members is not None:  # the member's values, the presets acting on them
            member = dict(members.iloc[int(row["member"])].items())
            values = member_parameters(model, member, genos, {})
            defaults = model._layout.parameters
            varied = {p: values.get(p, defaults[p]) * float(row[p]) for p in self.parameters}
            return make_perturbation(model, parameters={**values, **varied}, drugs=drugs)
        base = make_perturbation(model, genotype=genos)
        resolved, _ = resolve(model, base)
        defaults = model._layout.parameters
        params = {p: resolved.get(p, defaults[p]) * float(row[p]) for p in self.parameters}
        return make_perturbation(model, genotype=genos, parameters=params, drugs=drugs)

    def exposure(self, i: int) -> dict[str, float]:
        """Patient ``i``'s factor on each varied drug's unbound profile (others: 1)."""
        row = self.table.iloc[i]
        varied = self.settings.get("exposure_sigma", {})
        return {d: float(row[f"exposure_{d}"]) for d in varied}


def _scaled(conc: Mapping[str, float], factor: Mapping[str, float]) -> dict[str, float]:
    """``conc`` (drug -> nM) at a patient's exposure ``factor`` (drug -> factor; others 1)."""
    return {d: c * factor.get(d, 1.0) for d, c in conc.items()}


def unbound_potencies(
    model: Model,
    serum_fraction: float | None = None,
    fraction_unbound: Mapping[str, float] | None = None,
) -> pd.DataFrame:
    """Every drug site's potency as the trial's exposure-driven arms use it: one row per
    (``drug``, ``site``) with the model ``parameter`` holding it, how it was measured
    (``basis``: culture, biochemical or unstated), the model's ``potency_nM`` (its
    parameter's value, so a copy from `Model.with_parameters` is converted as it is), the
    drug's plasma ``fraction_unbound``, its ``medium_unbound_fraction`` and the
    ``unbound_potency_nM`` (a culture potency times the medium's unbound fraction; any
    other potency, or a culture one of a drug without plasma binding or of a catalogue
    without ``[culture] serum_fraction``, unchanged: ``converted`` says which).
    ``serum_fraction``: the culture media's serum share, default the catalogue's;
    ``fraction_unbound``: drug -> plasma unbound fraction, default each drug's ``oral_pk``
    (a trial arm uses its own schedule's).

    >>> import mtor_sim as ms
    >>> t = ms.unbound_potencies(ms.load_model()).set_index(["drug", "site"])
    >>> round(float(t.loc[("sorafenib", "RAF"), "unbound_potency_nM"]), 1)
    29.2
    >>> bool(t.loc[("sorafenib", "VEGFR"), "converted"])
    False
    """
    return _potency_table(model.catalogue, serum_fraction, fraction_unbound, _values(model))


def model_potencies(model: Model, overrides: Mapping[str, float] | None = None) -> dict[str, Drug]:
    """The catalogue's drugs with the potencies the model's parameters hold (a
    `Model.with_parameters` copy's own, then ``overrides``: one call's parameter values),
    unconverted: what a constant concentration acts with."""
    values = {**_values(model), **(overrides or {})}
    return dict(_unbound(model.catalogue, 0.0, parameters=values)[0])


def _values(model: Model) -> dict[str, float]:
    """The model's parameter values (a `Model.with_parameters` copy's own)."""
    return {str(k): float(v) for k, v in model.parameters.items()}


def _exposed(
    base: Perturbation, conc: Mapping[str, float], unbound_parameters: Mapping[str, float]
) -> Perturbation:
    """A patient's point of an exposure-driven arm: ``base`` with the unbound
    concentrations ``conc``, acting with unbound potencies (the model parameters
    ``unbound_parameters`` of `_unbound`)."""
    params = {**dict(base.parameters), **unbound_parameters}
    return replace(
        base, drugs=tuple(sorted(conc.items())), parameters=tuple(sorted(params.items()))
    )


def _draw_members(rng: np.random.Generator, n: int, members: pd.DataFrame) -> np.ndarray:
    """Each of ``n`` patients' member (its position in ``members``), uniform over them.

    Highest random weight (rendezvous hashing): patient ``i`` gets a random key and
    takes the member whose mixed hash of that key and of the member's label is largest.
    Every member is equally likely, and the choice depends on a member's label, not on
    its position, so removing one member moves only the patients that had it (to the
    member of their next highest weight) and adding one takes only the patients whose
    weight it tops; drawing by position instead moved every patient whose member came
    after a replaced one. A label repeated in the index is told apart by its occurrence.
    """
    seen: dict[str, int] = {}
    keys = []
    for label in members.index:
        text = str(label)
        seen[text] = seen.get(text, 0) + 1
        digest = hashlib.blake2b(f"{text}#{seen[text]}".encode(), digest_size=8).digest()
        keys.append(int.from_bytes(digest, "little"))
    labels = np.array(keys, dtype=np.uint64)
    patients = rng.integers(0, 2**63, size=n, dtype=np.int64).astype(np.uint64)
    out = np.empty(n, dtype=np.int64)
    step = max(1, 2**22 // len(labels))  # ~32 MB of weights at a time
    for start in range(0, n, step):
        out[start : start + step] = np.argmax(
            _mix64(patients[start : start + step, None] ^ labels[None, :]), axis=1
        )
    return out


def _mix64(x: np.ndarray) -> np.ndarray:
    """SplitMix64's finaliser on uint64 arrays (wrapping arithmetic): a well-spread hash."""
    x = x ^ (x >> np.uint64(30))
    x = x * np.uint64(0xBF58476D1CE4E5B9)
    x = x ^ (x >> np.uint64(27))
    x = x * np.uint64(0x94D049BB133111EB)
    return x ^ (x >> np.uint64(31))


def virtual_cohort(
    model: Model,
    n: int,
    *,
    seed: int = 0,
    frequencies: Mapping[str, float] | None = None,
    expression_sigma: float | None = None,
    kinetic_sigma: float | None = None,
    growth_sigma: float | None = None,
    exposure_sigma: Mapping[str, float] | None = None,
    ensemble: Any = None,
    n_members: int | None = None,
) -> Cohort:
    """Draw ``n`` virtual HCC tumours (seeded).

    Parameters
    ----------
    model : Model
        The bundled model.
    n : int
        Number of patients.
    seed : int
        Seed of every random draw; recorded in ``settings``. An alteration or an exposure
        spread the catalogue does not list is drawn from a stream of its own, so adding
        one keeps the seed's patients (and their ensemble members) as they were.
    frequencies : dict, optional
        Alteration -> probability (default `FREQUENCIES`, from the review).
    expression_sigma, kinetic_sigma, growth_sigma : float, optional
        Log-normal spreads (standard deviation of the natural log); default the model's
        catalogue (``[cohort]``, ``[tumour]``).
    exposure_sigma : dict, optional
        Drug -> log-normal spread of its exposure between patients (one factor per patient
        on the drug's unbound profile in exposure-driven arms); default the catalogue's
        ``[cohort.exposure_sigma]`` (measured spreads, with their sources); ``{}`` varies
        none.
    ensemble : True, "all", "verified" or DataFrame, optional
        Draw each patient on a member of a parameter ensemble (``True``: the bundled
        calibrated ensemble; ``n_members``: the first N), chosen uniformly at random
        (column ``member``, the member's position in the table): the patient's
        multipliers act on the member's values, not the model's. The parameters'
        uncertainty then reaches the response rates along with the patients' spread.
        The other columns are those of the same seed without it. The choice is keyed on
        the members' labels (the table's index; the bundled ensemble's is each member's
        prior draw), not their positions: an ensemble rebuilt with a few members
        replaced moves only the patients drawn on those (`_draw_members`).
    """
    if not model.is_bundled:
        raise MtorSimError("virtual cohorts need the bundled model's genotypes and readouts")
    members = members_to_run(model, ensemble, n_members)
    n = check_count(n, name="n (patients)")
    seed = check_count(seed, name="seed", minimum=0)
    if frequencies is not None and not isinstance(frequencies, Mapping):
        raise TypeError(
            "`frequencies` must be a mapping of alteration -> probability, got "
            f"{type(frequencies).__name__} {frequencies!r}"
        )
    freqs = {
        **dict(model.catalogue.cohort["frequencies"]),
        **(frequencies or {}),
    }  # unlisted alterations keep the default
    for g, f in freqs.items():
        check_name(g, model.catalogue.genotypes, kind="genotype in `frequencies`")
        if not 0 <= check_nonnegative(f, name=f"frequencies[{g!r}]") <= 1:
            raise ValueError(f"`frequencies[{g!r}]` must be within [0, 1], got {f!r}")
    cat = model.catalogue
    sig = {
        name: check_nonnegative(float(default) if v is None else v, name=name)
        for name, v, default in (
            ("expression_sigma", expression_sigma, cat.cohort["expression_sigma"]),
            ("kinetic_sigma", kinetic_sigma, cat.cohort["kinetic_sigma"]),
            ("growth_sigma", growth_sigma, cat.tumour["growth_sigma"]),
        )
    }
    if exposure_sigma is not None and not isinstance(exposure_sigma, Mapping):
        raise TypeError(
            "`exposure_sigma` must be a mapping of drug -> log-SD, got "
            f"{type(exposure_sigma).__name__} {exposure_sigma!r}"
        )
    spread = dict(
        cat.cohort.get("exposure_sigma", {}) if exposure_sigma is None else exposure_sigma
    )
    for d, s in spread.items():
        check_name(d, model.drugs, kind="drug in `exposure_sigma`")
        spread[d] = float(check_nonnegative(s, name=f"exposure_sigma[{d!r}]"))
    rng = np.random.default_rng(seed)
    expression, kinetic = _varied(model)
    # every draw the catalogue's defaults make comes first, in the same order whatever
    # else is asked for, so one seed means the same patients: an alteration or an
    # exposure spread that the defaults do not have is drawn after all of them (drawn in
    # line, an alteration at frequency 0 redrew every patient's growth speed, levels
    # and exposure)
    usual_spread = sorted(cat.cohort.get("exposure_sigma", {}))
    drawn = {g: rng.random(n) < freqs[g] for g in cat.cohort["frequencies"]}
    data: dict[str, Any] = {"growth_scale": np.exp(rng.normal(0.0, sig["growth_sigma"], n))}
    for p in expression:
        data[p] = np.exp(rng.normal(0.0, sig["expression_sigma"], n))
    for p in kinetic:
        data[p] = np.exp(rng.normal(0.0, sig["kinetic_sigma"], n))
    for d in usual_spread:  # drawn even when not varied, so the draws after keep their place
        z = rng.standard_normal(n)
        if d in spread:
            data[f"exposure_{d}"] = np.exp(spread[d] * z)
    ens: dict[str, Any] = {}
    if members is not None:  # the columns above do not depend on it
        data["member"] = _draw_members(rng, n, members)
        ens = {"ensemble": {"n_members": len(members), "members": member_digest(members)}}
    # the rest from a stream of their own: drawn after the members, they differed with
    # and without an ensemble, and drawn before, they would move the members
    extra = np.random.default_rng([seed, 1])
    for d in sorted(set(spread) - set(usual_spread)):
        data[f"exposure_{d}"] = np.exp(spread[d] * extra.standard_normal(n))
    for g in freqs:
        if g not in drawn:
            drawn[g] = extra.random(n) < freqs[g]
    data = {"patient": np.arange(n), **{g: drawn[g] for g in freqs}, **data}
    table = pd.DataFrame(data)
    flags = table[list(freqs)].to_numpy()
    table.insert(
        1 + len(freqs),
        "genotype",
        [" + ".join(g for g, f in zip(freqs, row, strict=True) if f) or "WT" for row in flags],
    )
    return Cohort(
        table,
        tuple(expression + kinetic),
        {"n": n, "seed": seed, "frequencies": freqs, **sig, "exposure_sigma": spread, **ens},
        members,
    )


@dataclass(frozen=True)
class TrialResult(BatchResult):
    """Per-patient outcomes of every arm, with rates by arm and by biomarker stratum.

    ``table`` has one row per (arm, patient): the biomarkers (``pmtor_high``,
    ``PTEN_loss``, ``PIK3CA_gain``, ``mTORC2_high``...), the ensemble ``member`` the
    patient was drawn on (a cohort drawn on an ensemble only), the untreated and treated
    growth rates (per day), ``volume_ratio`` and ``diameter_change`` (%, end of course
    vs baseline), ``category`` (CR, PR, SD, PD, NE) and the steady-state ``status``
    (an arm's treated growth rate is its average over the phases of the dosing cycle).
    ``arms`` maps each arm to its drugs' concentrations (nM): held constant, or for an
    exposure-driven arm their unbound mean over the steady dosing cycle;
    ``settings["dosing"]`` records each arm's kind, dose schedule, phases and mean
    target occupancies.
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
        ``comparison``, ``arm``, ``review``, ``simulated``, ``simulated_low``,
        ``simulated_high`` (the Wilson 95 % interval, %), ``simulated_95CI`` (the same, as
        text), ``gap`` (``"within"`` the interval, ``"above"`` or ``"below"`` it, empty
        without a published rate) and ``explanation`` of a gap: the arm's exposure (mean
        unbound concentration and target occupancy over the dosing cycle) and the
        model's note on that arm (``[review.trial_notes]`` of its catalogue); ``trial``
        and ``trial_rate``: a randomized trial of the arm's drugs and its response rate
        (%), where the catalogue gives one (``[review.randomized_trials]``; its regimen
        and setting, in ``trial``, differ from the arm's)."""
        review = self.review()
        by_arm = review.get("objective_response_rate", {})
        rates = self.response_rates().set_index("arm")
        columns = ["ORR", "ORR_low", "ORR_high"]
        rows = [
            _compared(f"ORR, {arm}", by_arm.get(arm, math.nan), *_row(rates, arm, columns))
            | {"arm": arm}
            for arm in self.arms
        ]
        by_pmtor = {a: v for a, v in review.get("orr_by_pmtor", {}).items() if a in self.arms}
        strata = self.response_rates("pmtor").set_index(["arm", "pmtor_high"]) if by_pmtor else None
        for arm, published in by_pmtor.items():
            for flag, label in ((True, "high"), (False, "low")):
                if strata is None or (arm, flag) not in strata.index or label not in published:
                    continue  # an empty stratum has no rate, a missing number no comparison
                found = _row(strata, (arm, flag), columns)
                row = _compared(f"ORR, {arm}, p-mTOR {label}", published[label], *found)
                rows.append(row | {"arm": arm})
        trials = review.get("randomized_trials", {})
        for row in rows:  # a randomized trial of the arm's drugs, beside the review's rate
            rct = trials.get(row["arm"]) if row["comparison"] == f"ORR, {row['arm']}" else None
            row["trial"] = rct["trial"] if rct else ""
            row["trial_rate"] = float(rct["rate"]) if rct else math.nan
        notes = review.get("trial_notes", {})
        for row in rows:
            rev, lo, hi = row["review"], row["simulated_low"], row["simulated_high"]
            if not rev == rev or not (lo == lo and hi == hi):  # no number, or no patient
                row["gap"], row["explanation"] = "", ""
                continue
            row["gap"] = "within" if lo <= rev <= hi else ("above" if lo > rev else "below")
            row["explanation"] = (
                ""
                if row["gap"] == "within"
                else "; ".join(
                    x for x in (self._exposure(row["arm"]), notes.get(row["arm"], "")) if x
                )
            )
        order = ["comparison", "arm", "review", "simulated", "simulated_low", "simulated_high"]
        frame = pd.DataFrame(rows)
        return frame[order + [c for c in frame.columns if c not in order]]

    def _exposure(self, arm: str) -> str:
        """The arm's exposure in words: mean unbound nM and mean occupancy per site (for
        an exposure-driven arm, at the median patient's exposure)."""
        info = self.settings.get("dosing", {}).get(arm, {})
        conc = info.get("mean_unbound_nM") or self.arms.get(arm, {})
        occ = info.get("mean_occupancy", {})
        kind = (
            "median patient's cycle-mean unbound" if info.get("kind") == "exposure" else "constant"
        )
        parts = [f"{d} {c:.3g} nM" for d, c in conc.items()]
        sites = [f"{s} {100 * o:.0f} %" for s, o in occ.items()]
        text = f"{kind} " + ", ".join(parts) if parts else ""
        return text + (f" (occupancy {', '.join(sites)})" if sites else "")

    def plot(self, by: str | None = None) -> Figure:
        """The trial's summary figure: `plot_response_rates` (ORR per arm, or per arm and
        stratum ``by``, beside the review's); `plot_waterfall` shows the patients."""
        return self.plot_response_rates(by)

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
    """RECIST-like category from the diameter change (%), NaN -> "NE" (an unbounded
    growth, +inf, is progression)."""
    d = np.asarray(diameter_change, dtype=float)
    out = np.full(d.shape, "SD", dtype=object)
    out[d >= 20.0] = "PD"
    out[d <= -30.0] = "PR"
    out[d <= -99.0] = "CR"
    out[np.isnan(d)] = "NE"
    return out


@dataclass(frozen=True)
class Arm:
    """One arm of a trial: the drug concentrations (nM) the cells see at each phase of
    the dosing cycle and each phase's weight (its share of the cycle; the weights sum to
    1), and how they were made (``"constant"`` or ``"exposure"``, with the dose
    schedule's `OralPK` per drug and the common dosing period, h)."""

    name: str
    phases: tuple[dict[str, float], ...]
    weights: tuple[float, ...] = (1.0,)
    kind: str = "constant"
    plans: dict[str, OralPK] = field(default_factory=dict)
    period_h: float = 0.0
    #: The drugs with the potencies this arm acts with (exposure: unbound ones, from each
    #: drug's plasma binding in ``plans``), and the model parameters that carry them.
    potencies: dict[str, Drug] = field(default_factory=dict)
    unbound_parameters: dict[str, float] = field(default_factory=dict)

    @property
    def drugs(self) -> Mapping[str, Drug]:
        """The potencies the arm acts with (an arm made by hand: the bundled catalogue's)."""
        return self.potencies or BUNDLED.drugs

    def mean(self) -> dict[str, float]:
        """Time-averaged concentration (nM) of each drug over the cycle's phases."""
        drugs = sorted({d for c in self.phases for d in c})
        w = np.asarray(self.weights)
        return {d: float(np.dot(w, [c.get(d, 0.0) for c in self.phases])) for d in drugs}

    def describe(self) -> dict[str, Any]:
        """JSON-able record of the arm (kept in the result's settings); occupancies with
        the potencies it acts with."""
        table = self.drugs
        out: dict[str, Any] = {"kind": self.kind, "phases": len(self.phases)}
        if self.plans:
            out["period_h"] = self.period_h
            out["schedule"] = Schedule(self.plans).as_dict()
            out["mean_unbound_nM"] = self.mean()
        if self.unbound_parameters:
            out["unbound_potencies"] = dict(self.unbound_parameters)
        sites = sorted({s for c in self.phases for d in c for s, _ in table[d].targets})
        w = np.asarray(self.weights)
        out["mean_occupancy"] = {
            s: float(np.dot(w, [occupancy(s, dict(c), table) for c in self.phases])) for s in sites
        }
        return out


def regimen_schedule(model: Model, regimen: str) -> Schedule:
    """The dose schedule of one of the model's regimens (``[dosing]`` of its catalogue):
    each drug's published PK (``oral_pk``) with the regimen's changes."""
    cat = model.catalogue
    plan = cat.dosing.get(regimen)
    if plan is None:
        raise MtorSimError(
            f"regimen {regimen!r} has no dose schedule in the model's catalogue ([dosing]); "
            "give the arm as constant concentrations (drug -> nM) or as a Schedule"
        )
    plans = {}
    for drug, changes in plan.items():
        fields = {**dict(cat.drugs[drug].oral_pk), **dict(changes), "n_doses": 1}
        if fields.get("route") == "iv":
            fields.setdefault("t_half_abs_h", 0.0)
        plans[drug] = OralPK(**fields)
    return Schedule(plans)


def _cohort_digest(cohort: Cohort) -> str:
    """A digest of a cohort's patients and, if drawn on an ensemble, its members."""
    from ._ensemble import member_digest

    members = stored(cohort, "members")
    tail = "" if members is None else member_digest(members)
    return member_digest(stored(cohort, "table")) + tail


def _plans(schedule: Schedule) -> dict[str, OralPK]:
    plans = {}
    for d in schedule.drugs:
        plan = schedule[d]
        if not isinstance(plan, OralPK):
            raise TypeError(
                f"an exposure-driven arm needs each drug dosed with an OralPK plan; {d!r} "
                "has concentration segments (give a constant arm as drug -> nM instead)"
            )
        plans[d] = plan
    return plans


#: Longest common dosing cycle an exposure-driven arm accepts (h): four weeks.
MAX_PERIOD_H = 28 * 24.0


def _period_h(plans: Mapping[str, OralPK]) -> float:
    """Common period (h) of the drugs' dosing intervals: their least common multiple.
    Intervals must be whole minutes (rounding one would change the exposure) and their
    common cycle at most `MAX_PERIOD_H` (24.01 h beside 12 h makes a 2-year cycle)."""
    minutes = []
    for d, p in plans.items():
        m = p.interval_h * 60
        if round(m) < 1 or abs(m - round(m)) > 1e-6:
            raise ValueError(
                f"{d}'s dosing interval ({p.interval_h:g} h) is not a whole number of "
                "minutes, which the steady dosing cycle of an exposure-driven arm needs"
            )
        minutes.append(round(m))
    period = math.lcm(*minutes) / 60.0
    if period > MAX_PERIOD_H:
        shown = ", ".join(f"{d} {p.interval_h:g} h" for d, p in plans.items())
        raise ValueError(
            f"the dosing intervals ({shown}) repeat together only every {period:g} h, "
            f"beyond the {MAX_PERIOD_H:g} h an arm's steady cycle may last; give intervals "
            "with a shorter common multiple"
        )
    return period


def _at(plans: Mapping[str, OralPK], t: np.ndarray) -> list[dict[str, float]]:
    conc = {d: p.steady_concentration(t) for d, p in plans.items()}
    return [{d: float(c[j]) for d, c in conc.items()} for j in range(len(t))]


def steady_phases(
    schedule: Schedule,
    k: int | None = None,
    *,
    tolerance: float = PHASE_TOLERANCE,
    drugs: Mapping[str, Drug] | None = None,
) -> tuple[float, list[dict[str, float]], list[float]]:
    """Phases of the steady dosing cycle of ``schedule`` (its `OralPK` plans): the cycle's
    length (h), the unbound concentrations (nM) at each phase, and each phase's weight.

    With ``k``: the midpoints of ``k`` equal slices. Without: adaptive slices, from the
    dose times (and infusion ends) of every drug, each halved until the occupancy of
    every target site (the drugs' input to the signalling model) at its midpoint is within
    ``tolerance`` of its mean over 32 sub-slices, and each drug's concentration within
    `CONCENTRATION_TOLERANCE` of its cycle mean, so the cycle-averaged occupancies are
    within about ``tolerance`` and the mean concentrations within about 5 %: many phases
    where absorption or an infusion changes the concentration fast, few where it
    changes slowly. Occupancies use the potencies of ``drugs`` (default: the bundled
    catalogue's, converted to unbound ones with the schedule's plasma binding,
    `unbound_potencies`).
    """
    plans = _plans(schedule)
    table = _unbound(BUNDLED, fraction_unbound=_fractions(plans))[0] if drugs is None else drugs
    period = _period_h(plans)
    P = period * 60.0
    if k is not None:
        t = (np.arange(k) + 0.5) / k * P
        return period, _at(plans, t), [1.0 / k] * k
    sites = sorted({site for d in plans for site, _ in table[d].targets})

    mean = np.array([p.steady_mean() for p in plans.values()])

    def seen(t: np.ndarray) -> np.ndarray:  # (len(t), sites + drugs), both scaled to tolerance
        at = _at(plans, t)
        occ = np.array([[occupancy(s, c, table) for s in sites] for c in at]) / tolerance
        conc = np.array([list(c.values()) for c in at]) / (CONCENTRATION_TOLERANCE * mean)
        return np.hstack([occ, conc])

    cuts = {0.0, P}
    for plan in plans.values():
        tau = plan.interval_h * 60.0
        for td in np.arange(plan.start_h * 60.0 % tau, P, tau):
            cuts.add(float(td))
            if plan.route == "iv":
                cuts.add(float(min(td + plan.infusion_h * 60.0, P)))
    edges = sorted(cuts)
    slices: list[tuple[float, float]] = []
    todo = list(zip(edges, edges[1:], strict=False))[::-1]
    while todo:
        a, b = todo.pop()
        m = 0.5 * (a + b)
        finer = seen(a + (np.arange(32) + 0.5) * (b - a) / 32).mean(axis=0)
        if (b - a) <= P / 4096 or np.max(np.abs(finer - seen(np.array([m]))[0])) < 1.0:
            slices.append((a, b))
        else:
            todo += [(m, b), (a, m)]
    t = np.array([0.5 * (a + b) for a, b in slices])
    return period, _at(plans, t), [(b - a) / P for a, b in slices]


def _over_course(arm: str, schedule: Schedule, weeks: float) -> Schedule:
    """A `Schedule` arm's plans dosed every interval for the whole course, as the trial
    doses them (their steady cycle): ``n_doses`` set to cover it, so the result's record
    says what was given (it kept a plan's own count, e.g. 7 doses of a 12-week course).
    A plan that starts late is refused: the course starts with its first dose."""
    course_h = weeks * 7 * 24
    plans: dict[str, Exposure | OralPK] = {}
    for d in schedule.drugs:
        plan = schedule[d]
        if isinstance(plan, OralPK):
            if plan.start_h > 0:
                raise ValueError(
                    f"arm {arm!r}: {d}'s plan starts at {plan.start_h:g} h; a trial arm "
                    "doses from the start of the course (start_h=0)"
                )
            plan = replace(plan, n_doses=periods_within(course_h, plan.interval_h))
        plans[d] = plan  # segments: `_plans` refuses them, saying why
    return Schedule(plans)


def _arms(
    model: Model,
    arms: Mapping[str, Any] | Sequence[str] | None,
    phases: int | None,
    serum_fraction: float | None = None,
    weeks: float = 12.0,
) -> list[Arm]:
    """The trial's arms: bundled regimens by name as their dose schedules; a mapping's
    values as constant concentrations (drug -> nM) or as `Schedule` objects. An
    exposure-driven arm acts with unbound potencies (`unbound_potencies`, with its
    schedule's plasma binding and ``serum_fraction``), a constant one with the model's."""
    cat = model.catalogue
    own = _values(model)
    drugs = model_potencies(model)

    def exposure(name: str, schedule: Schedule) -> Arm:
        schedule = _over_course(name, schedule, weeks)
        plans = _plans(schedule)
        potencies, moved = oral_potencies(cat, plans, own, serum_fraction)
        period, conc, weights = steady_phases(schedule, phases, drugs=potencies)
        return Arm(name, tuple(conc), tuple(weights), "exposure", plans, period, potencies, moved)

    def constant(name: str, conc: Mapping[str, float]) -> Arm:
        return Arm(name, (dict(conc),), potencies=drugs)

    def regimen(name: str) -> Arm:
        if name in cat.dosing:
            return exposure(name, regimen_schedule(model, name))
        return constant(name, cat.regimens[name])

    if arms is None:
        return [regimen(a) for a in cat.regimens]
    if isinstance(arms, Mapping):
        out = []
        if "untreated" in arms:  # the label of every patient's own drug-free state
            raise ValueError(
                "an arm may not be named 'untreated': the trial uses that name for each "
                "patient's drug-free reference; name a drug-free arm otherwise ('control')"
            )
        for k, v in arms.items():
            if isinstance(k, str) and isinstance(v, Schedule):
                out.append(exposure(k, v))
                continue
            if not isinstance(k, str) or not isinstance(v, Mapping):
                raise TypeError(
                    "`arms` as a mapping must be arm name -> {drug: nM} or a Schedule, "
                    f"got {k!r}: {v!r}"
                )
            out.append(constant(k, v))
        return out
    return [
        regimen(check_name(a, cat.regimens, kind="regimen in `arms`"))
        for a in check_names(arms, name="arms")
    ]


def trial(
    model: Model,
    arms: Mapping[str, Mapping[str, float]] | Sequence[str] | None = None,
    *,
    n: int = 1000,
    seed: int = 0,
    weeks: float = 12.0,
    cohort: Cohort | None = None,
    turnover: float | None = None,
    phases: int | None = None,
    serum_fraction: float | None = None,
    run: RunOptions | Mapping[str, Any] | None = None,
    backend: str | None = None,
    n_workers: int | None = None,
    scheduler: str | None = None,
    out: str | Path | None = None,
    progress: bool | None = None,
    ensemble: Any = None,
    n_members: int | None = None,
) -> TrialResult:
    """An in-silico trial: every virtual patient receives every arm (a crossover in silico).

    Parameters
    ----------
    model : Model
        The bundled model.
    arms : dict or list, optional
        Names of `REGIMENS` (default: all), each given as its dose schedule (the
        catalogue's ``[dosing]``: published clinical PK, unbound concentrations over the
        steady dosing cycle); or a mapping of arm name -> drugs (nM, held constant for
        the course) or -> `Schedule` of `OralPK` plans (exposure-driven: each plan's
        dose every interval for the whole course, its steady cycle, whatever its
        ``n_doses``, which the result's ``settings["dosing"]`` records as the course's;
        a plan that starts late is refused).
    n, seed : int
        Cohort size and seed (ignored when ``cohort`` is given).
    weeks : float
        Length of the course; response is assessed at its end.
    cohort : Cohort, optional
        A cohort from `virtual_cohort`, to reuse across trials.
    turnover : float, per day, optional
        Cell division rate of the growth layer; default the model's catalogue
        (``[tumour] turnover_per_day``, fitted to the review's sorafenib response rates
        by p-mTOR status, ``models/calibrate_trial.py``).
    phases : int, optional
        Equal phases of the dosing cycle solved per exposure-driven arm; default:
        adaptive phases per arm (`steady_phases`, cycle-averaged occupancies to within
        `PHASE_TOLERANCE`).
    serum_fraction : float, optional
        Serum share of the culture media in which potencies marked ``"culture"`` were
        measured, for expressing them as unbound potencies in exposure-driven arms
        (`unbound_potencies`); default the catalogue's ``[culture]`` (0.10, an
        assumption); 0 reads culture potencies as unbound ones.
    run : RunOptions, optional
        Where the points run, as in every batch verb; every patient x arm x phase steady
        state is one point of one batch.
    backend, n_workers, scheduler, out, progress
        Shorthand for the same fields of ``run``.
    ensemble, n_members
        Draw the cohort's patients on the members of a parameter ensemble
        (`virtual_cohort`); not with ``cohort`` (draw that one with them instead).

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
    if phases is not None:
        phases = check_count(phases, name="phases")
    if serum_fraction is not None:
        serum_fraction = check_share(serum_fraction, name="serum_fraction")
    if not model.is_bundled:  # the cohort's genotypes, readouts and PK are the bundled model's
        raise MtorSimError("virtual cohorts need the bundled model's genotypes and readouts")
    weeks = check_nonnegative(weeks, name="weeks", allow_zero=False)
    arm_list = _arms(model, arms, phases, serum_fraction, weeks)
    if not arm_list:
        raise ValueError("`arms` is empty")
    for arm in arm_list:
        for conc in arm.phases:
            make_perturbation(model, drugs=conc)  # validates names and doses
    tumour = model.catalogue.tumour
    turnover = check_nonnegative(
        float(tumour["turnover_per_day"]) if turnover is None else turnover,
        name="turnover",
        allow_zero=False,
    )
    if cohort is None:
        n = check_count(n, name="n (patients)")
        seed = check_count(seed, name="seed", minimum=0)
        cohort = virtual_cohort(model, n, seed=seed, ensemble=ensemble, n_members=n_members)
    elif wants_ensemble(ensemble, n_members):
        raise ValueError(
            "`ensemble` draws a new cohort, and `cohort` is given: draw it with "
            "`virtual_cohort(model, n, ensemble=...)` instead"
        )
    elif cohort.members is not None:  # drawn for another call: do its members fit this model?
        check_members(model, stored(cohort, "members"))
    patients = [int(p) for p in cohort.table["patient"]]
    if not patients:  # a stratum no patient fell in: it failed on a missing column
        raise ValueError(
            "`cohort` has no patient (its table has no row): a stratum of a cohort may be "
            "empty; draw a larger cohort, or check the rows selected"
        )
    if len(set(patients)) < len(patients):
        twice = sorted(p for p, k in Counter(patients).items() if k > 1)
        raise ValueError(
            f"`cohort` repeats patient ids ({', '.join(map(str, twice[:5]))}"
            f"{' ...' if len(twice) > 5 else ''}): each row must be its own patient; "
            "renumber the `patient` column (e.g. after joining two cohorts)"
        )
    # one patient's points: untreated, then every arm's phases
    points: list[tuple[str, int, dict[str, float]]] = [("untreated", 0, {})] + [
        (arm.name, j, conc) for arm in arm_list for j, conc in enumerate(arm.phases)
    ]
    exposed = {arm.name: arm.unbound_parameters for arm in arm_list if arm.kind == "exposure"}

    def make(lo: int, hi: int) -> list[Condition]:
        """Points ``lo:hi`` (patient-major, one per arm and phase), built where they are
        solved: in forked workers, each patient's perturbation costs its worker."""
        out_: list[Condition] = []
        base: dict[int, Perturbation] = {}  # the current patient's only
        factor: dict[str, float] = {}
        for i in range(lo, hi):
            p, a = divmod(i, len(points))
            if p not in base:
                base = {p: cohort.perturbation(model, p)}
                factor = cohort.exposure(p)
            name, j, conc = points[a]
            pert = (  # this patient's exposure to each drug of the arm
                _exposed(base[p], _scaled(conc, factor), exposed[name])
                if name in exposed
                else base[p].with_drugs(conc)
            )
            labels = (("patient", patients[p]), ("arm", name), ("phase", j))
            out_.append(Condition(i, labels, pert))
        return out_

    arm_map = {arm.name: arm.mean() for arm in arm_list}
    spec = {
        "trial": ["untreated", *arm_map],
        "arms": arm_map,
        "dosing": {arm.name: arm.describe() for arm in arm_list},
        "serum_fraction": (
            model.catalogue.culture.get("serum_fraction")
            if serum_fraction is None
            else serum_fraction
        ),
        # the patients themselves, not only how they were drawn: a resumed run must never
        # take another cohort's rows (an edited table of the same size and settings did)
        "cohort": {**cohort.settings, "digest": _cohort_digest(cohort)},
        "weeks": weeks,
        "turnover": turnover,
    }
    store, stats = run_conditions(
        model,
        make,
        len(patients) * len(points),
        READOUTS,
        options=resolve_run(
            run,
            verb="trial",
            backend=backend,
            n_workers=n_workers,
            scheduler=scheduler,
            out=out,
            progress=progress,
        ),
        spec=spec,
        desc="trial",
    )
    raw = store.read()
    growth = {
        "doubling_days": float(tumour["doubling_days"]),
        "vegfr_growth_share": float(tumour["vegfr_growth_share"]),
        "turnover": turnover,
    }
    pmtor = float(model.catalogue.cohort["pmtor_high_fraction"])
    table = _outcomes(raw, cohort, arm_list, growth, weeks, pmtor)
    from ._engine import steady_provenance

    settings = {
        **spec,
        "doubling_days": growth["doubling_days"],
        "vegfr_growth_share": growth["vegfr_growth_share"],
        "pmtor_high_fraction": pmtor,
        "review": {
            k: {a: dict(v) if isinstance(v, Mapping) else v for a, v in table_.items()}
            for k, table_ in model.catalogue.review.items()
        },
        **steady_provenance(model),
        **stats,
    }
    return TrialResult(table, arm_map, cohort, settings)


def _outcomes(
    raw: pd.DataFrame,
    cohort: Cohort,
    arms: Sequence[Arm],
    growth: Mapping[str, float],
    weeks: float,
    pmtor_high_fraction: float,
) -> pd.DataFrame:
    """Each patient's outcome per arm from the steady states of every phase.

    Untreated growth rate ``r0 = ln 2 / doubling_days * scale * P0 * S0`` per day, so a
    wild-type tumour of median speed doubles in ``doubling_days`` and tumours with more
    proliferation (P) and survival (S) signalling grow faster. Treated: division and death
    both run at ``turnover`` in the untreated tumour; at each phase a drug scales division
    by ``P (1 - a occ_VEGFR) / P0`` and death by ``S0 / S``; the treated rate is ``r0`` plus
    ``turnover`` times the phase average of their difference from the untreated state
    (the growth rate is linear in them, so its cycle average is exact under the
    quasi-steady state).
    """
    days = 7.0 * weeks
    turnover = growth["turnover"]
    a_vegf = growth["vegfr_growth_share"]
    pt = cohort.table.set_index("patient")
    untreated = raw[raw["arm"] == "untreated"].set_index("patient")
    activity = untreated["mTORC1_activity"]
    cutoff = float(np.nanquantile(activity, 1 - pmtor_high_fraction))
    p0, s0 = untreated["proliferation"], untreated["survival"]
    # each patient's exposure factors, once for every exposure-driven arm (if there is one)
    factors = (
        {int(q): cohort.exposure(i) for i, q in enumerate(cohort.table["patient"])}
        if cohort.settings.get("exposure_sigma") and any(a.kind == "exposure" for a in arms)
        else {}
    )
    frames = []
    for arm in arms:
        t = raw[raw["arm"] == arm.name]
        drugs = arm.drugs
        phase = t["phase"].to_numpy()
        weight = np.asarray(arm.weights)[phase]
        pid = t["patient"].to_numpy()
        if arm.kind == "exposure" and factors:
            occ = np.array(
                [
                    occupancy(
                        "VEGFR",
                        _scaled(arm.phases[j], factors[int(q)]),
                        drugs,
                    )
                    for q, j in zip(pid, phase, strict=True)
                ]
            )
        else:
            occ = np.array([occupancy("VEGFR", dict(c), drugs) for c in arm.phases])[phase]
        with np.errstate(divide="ignore", invalid="ignore"):
            division = t["proliferation"].to_numpy() * (1 - a_vegf * occ) / p0.loc[pid].to_numpy()
            death = s0.loc[pid].to_numpy() / t["survival"].to_numpy()
        per = pd.DataFrame(
            {
                "patient": pid,
                "net": weight * (division - death),
                "ok": (t["status"] == "ok").to_numpy(),
                "status": t["status"].to_numpy(),
            }
        )
        g = per.groupby("patient", sort=False)
        net = g["net"].sum(min_count=1)  # the weights sum to 1 over the cycle
        index = net.index
        arm_ok = g["ok"].all()
        bad = per[~per["ok"]].groupby("patient")["status"].first()
        u = untreated.loc[index]
        r0 = (
            math.log(2)
            / growth["doubling_days"]
            * pt.loc[index, "growth_scale"].to_numpy()
            * u["proliferation"].to_numpy()
            * u["survival"].to_numpy()
        )
        # a patient with a phase unsolved has no treated growth rate (not the mean of
        # the phases that solved)
        r1 = np.where(arm_ok.to_numpy(), r0 + turnover * net.to_numpy(), np.nan)
        ok = arm_ok.to_numpy() & (u["status"] == "ok").to_numpy() & np.isfinite(r1)
        with np.errstate(over="ignore"):  # a volume beyond floats is growth all the same
            ratio = np.where(ok, np.exp(np.where(ok, r1, 0.0) * days), np.nan)
        change = 100.0 * (np.cbrt(ratio) - 1.0)
        status = np.where(
            ok,
            "ok",
            np.where(
                (u["status"] != "ok").to_numpy(),
                u["status"].to_numpy(),
                bad.reindex(index).fillna("error").to_numpy(),
            ),
        )
        frame = pd.DataFrame(
            {
                "arm": arm.name,
                "patient": index.to_numpy(),
                "genotype": pt.loc[index, "genotype"].to_numpy(),
                "pmtor_high": (activity.loc[index] > cutoff).to_numpy(),
                **{g_: pt.loc[index, g_].to_numpy() for g_ in cohort.alterations},
                **({"member": pt.loc[index, "member"].to_numpy()} if "member" in pt else {}),
                "mTORC1_activity_untreated": activity.loc[index].to_numpy(),
                "growth_rate_untreated": r0,
                "growth_rate_treated": r1,
                "volume_ratio": ratio,
                "diameter_change": change,
                "category": classify(change),
                "status": status,
            }
        )
        frames.append(frame)
    return pd.concat(frames, ignore_index=True)


#: An ordering of the review holds on a trial when the trial separates it from no
#: difference at this one-sided level, with exact tests: McNemar's (the discordant
#: patients) for two arms given to the same patients, Fisher's for two strata of
#: different patients. The opposite separation is a reversal; anything else the trial's
#: size does not resolve (vistusertib over everolimus in mTORC2-high tumours read "holds"
#: on 2 responders of 214 against none).
ORDERING_ALPHA = 0.05

#: Columns of `trial_claims`.
ORDERING_COLUMNS = ("claim", "passed", "verdict", "p_value", "numbers")


def _responders(result: TrialResult, arm: str, column: str | None = None, flag: bool = True):
    """Patient -> responded (CR or PR) in ``arm``, the evaluable patients only (those of
    one stratum with ``column``)."""
    t = stored(result, "table")
    rows = t[(t["arm"] == arm) & (t["status"] == "ok")]
    if column is not None:
        rows = rows[rows[column].astype(bool) == flag]
    return rows.set_index("patient")["category"].isin(["CR", "PR"])


def _paired(a: pd.Series, b: pd.Series) -> tuple[float, float, str]:
    """One-sided exact McNemar p-values (``a`` responds more, less) over the patients
    evaluable in both arms, and the counts."""
    from scipy.stats import binomtest

    both = a.index.intersection(b.index)
    a, b = a[both], b[both]
    more, less = int((a & ~b).sum()), int((~a & b).sum())
    n = more + less
    if n == 0:
        return 1.0, 1.0, f"no discordant patient of {len(both)}"
    p_more = float(binomtest(more, n, 0.5, alternative="greater").pvalue)
    p_less = float(binomtest(more, n, 0.5, alternative="less").pvalue)
    return p_more, p_less, f"{more} vs {less} discordant of {len(both)}"


def _unpaired(a: pd.Series, b: pd.Series) -> tuple[float, float]:
    """One-sided Fisher exact p-values that stratum ``a`` responds less, and more, than
    stratum ``b``."""
    from scipy.stats import fisher_exact

    table = [[int(a.sum()), int((~a).sum())], [int(b.sum()), int((~b).sum())]]
    if not (len(a) and len(b)):
        return 1.0, 1.0
    less = float(fisher_exact(table, alternative="less").pvalue)
    more = float(fisher_exact(table, alternative="greater").pvalue)
    return less, more


def _verdict(p_holds: float, p_reversed: float) -> str:
    if p_holds < ORDERING_ALPHA:
        return "holds"
    return "reversed" if p_reversed < ORDERING_ALPHA else "not resolved"


def _rate(r: pd.Series) -> str:
    return f"{100 * r.mean():.1f} % ({int(r.sum())}/{len(r)})" if len(r) else "no patient"


def trial_claims(result: TrialResult) -> pd.DataFrame:
    """The review's orderings, checked on a trial: one row per claim with its verdict.

    ``verdict`` is ``"holds"`` when the trial separates the ordering from no difference
    (one-sided exact tests at `ORDERING_ALPHA`: McNemar's between arms, which share their
    patients, Fisher's between strata), ``"reversed"`` when it separates the opposite,
    else ``"not resolved"`` (the trial's size, or an empty stratum, cannot tell);
    ``passed`` is ``verdict == "holds"``; ``p_value`` is the test's (the larger of two,
    for an ordering over both monotherapies); ``numbers`` gives the response rates with
    their counts. Only orderings whose arms were run are checked; with none, the table
    is empty."""
    arms = set(stored(result, "table")["arm"])
    rows = []

    def add(claim: str, p_holds: float, p_reversed: float, numbers: str) -> None:
        verdict = _verdict(p_holds, p_reversed)
        rows.append(
            {
                "claim": claim,
                "passed": verdict == "holds",
                "verdict": verdict,
                "p_value": p_holds,
                "numbers": numbers,
            }
        )

    if {"everolimus + sorafenib", "everolimus", "sorafenib"} <= arms:
        combo = _responders(result, "everolimus + sorafenib")
        tests = [(m, _paired(combo, _responders(result, m))) for m in ("everolimus", "sorafenib")]
        add(
            "everolimus + sorafenib above either monotherapy",
            max(p for _, (p, _, _) in tests),
            min(q for _, (_, q, _) in tests),
            f"ORR {_rate(combo)} vs "
            + ", ".join(
                f"{m} {_rate(_responders(result, m))} ({said}, p = {p:.2g})"
                for m, (p, _, said) in tests
            ),
        )
    if "sorafenib" in arms:
        for column, worse in (("pmtor_high", "p-mTOR high"), ("PTEN_loss", "PTEN loss")):
            if column not in stored(result, "table").columns:
                continue
            hi = _responders(result, "sorafenib", column, True)
            lo = _responders(result, "sorafenib", column, False)
            p_less, p_more = _unpaired(hi, lo)
            add(
                f"{worse} does worse on sorafenib",
                p_less,
                p_more,
                f"ORR {_rate(hi)} vs {_rate(lo)} (Fisher p = {p_less:.2g})",
            )
    if {"vistusertib", "everolimus"} <= arms and "mTORC2_high" in stored(result, "table"):
        v = _responders(result, "vistusertib", "mTORC2_high", True)
        e = _responders(result, "everolimus", "mTORC2_high", True)
        p_more, p_less, said = _paired(v, e)
        add(
            "dual mTORC1/2 inhibitor above rapalog in mTORC2-high tumours",
            p_more,
            p_less,
            f"ORR {_rate(v)} vs {_rate(e)} ({said}, p = {p_more:.2g})",
        )
    # the columns stay when no ordering applies to the arms run (an empty table)
    return pd.DataFrame(rows, columns=list(ORDERING_COLUMNS))
