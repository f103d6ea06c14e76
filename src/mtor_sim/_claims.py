"""The review's claims (SPEC section 3) as executable checks on a model.

Each check names the part of the review it comes from, simulates stated conditions,
and compares numbers against thresholds fixed here in advance. Where the review gives
numbers (tumour reduction, trial response rates), the model's value is reported beside
them; clinical end points are compared as orderings only.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from ._controls import ControlResult, controls_of
from ._errors import MtorSimError, check_name, wants_ensemble
from ._expectations import Expectation, expectations_of
from ._options import RunOptions, resolve_run
from ._prefetch import steady_state as prefetched_steady_state
from ._protocol import Immutable, html_summary, write_result

if TYPE_CHECKING:  # pragma: no cover
    from matplotlib.figure import Figure

    from ._model import Model

__all__ = ["ClaimResult", "CLAIMS", "check", "check_all"]

#: Doses used by the checks (nM): a culture concentration of rapalog, saturating rapalog,
#: and doses giving near-complete occupancy of the other drugs' targets in cells.
# everolimus 10 mg/day gives a whole-blood trough of ~10-20 nM (O'Donnell 2008 J Clin
# Oncol); the unbound level in plasma is far lower (~1.7 nM over the dosing cycle, the
# model card's trial section), so 10 nM in culture is not a clinical exposure
RAPALOG_DOSE = 10.0
VISTUSERTIB_DOSE = 1000.0  # ~5-13x its cellular IC50s (Pike 2013)
DACTOLISIB_DOSE = 500.0
SORAFENIB_DOSE = 3000.0  # in the in-vitro range that lowers pERK in HCC lines (Liu 2006)
TUMOUR_DAYS = 21.0
#: the axis of figures whose bars are fractional falls of proliferation
INHIBITION = "fractional inhibition of proliferation"


@dataclass(frozen=True)
class ClaimResult(Immutable):
    """Outcome of one claim check.

    Attributes
    ----------
    number, title, source : the claim, and where in the review it comes from.
    simulated : str        what was simulated (genotypes, drugs and doses, time).
    criterion : str        the pass rule, stated before the numbers.
    numbers : dict         the values compared.
    review : dict          the review's own numbers where it gives them (for comparison).
    passed : bool          every term of the criterion holds and every simulation solved.
    terms : dict           each term of the criterion (its rule as text) and whether it holds.
    data : DataFrame       tidy data behind the figure.
    kind : str             figure type: "bars", "timecourse" or "dose_response".
    controls : tuple of ControlResult
        The claim's mechanism controls (`mtor_sim._controls`): each effect of the claim,
        absolute and relative, intact and under the cut, knockout or drug-site change that
        must remove it, and whether it does.
    note : str             what the check can and cannot show (e.g. effects fixed by
                           the wiring), from models/MECHANISMS.md.
    expected_pass : bool   the documented verdict (the model's ``claims_expected.csv``,
                           `mtor_sim._expectations`); True where nothing is documented.
    expected_reason : str  why the claim is documented to fail, and where.
    """

    number: int
    title: str
    source: str
    simulated: str
    criterion: str
    numbers: dict[str, float]
    passed: bool
    data: pd.DataFrame
    kind: str = "bars"
    terms: dict[str, bool] = field(default_factory=dict)
    review: dict[str, Any] = field(default_factory=dict)
    all_solved: bool = True
    controls: tuple[ControlResult, ...] = ()
    note: str = ""
    expected_pass: bool = True
    expected_reason: str = ""
    provenance: dict[str, Any] = field(default_factory=dict)  # package, model, solver
    #: axis label (quantity and unit) of each time-course column or bar ``readout`` of
    #: ``data`` that is not a plain readout; those that share a label share a panel
    axis_labels: dict[str, str] = field(default_factory=dict)

    @property
    def controls_remove_effect(self) -> bool:
        """True when every mechanism control removes the effects it should remove."""
        return all(c.removes_effect for c in self.controls)

    @property
    def as_expected(self) -> bool:
        """Every simulation solved and the verdict is the documented one."""
        return self.all_solved and self.passed is self.expected_pass

    @property
    def verdict(self) -> str:
        """PASS or FAIL, with what was expected where that differs or is documented."""
        if not self.all_solved:
            return "FAIL (unexpected: a steady state or time course failed)"
        if self.passed:
            if self.expected_pass:
                return "PASS"
            return f"PASSES (unexpected: documented to fail: {self.expected_reason})"
        if self.expected_pass:
            return "FAIL (unexpected)"
        return f"FAILS (expected: {self.expected_reason})"

    def to_dict(self) -> dict[str, Any]:
        return {
            "claim": self.number,
            "title": self.title,
            "source": self.source,
            "simulated": self.simulated,
            "criterion": self.criterion,
            "numbers": self.numbers,
            "review": self.review,
            "passed": self.passed,
            "terms": self.terms,
            "all_solved": self.all_solved,
            "expected_pass": self.expected_pass,
            "expected_reason": self.expected_reason,
            "as_expected": self.as_expected,
            "mechanism_note": self.note,
            "controls": [c.to_dict() for c in self.controls],
        }

    # the result protocol (`mtor_sim._protocol`): the status is the simulations', the
    # verdict the claim's; a claim that fails on verified numbers is a success
    @property
    def success(self) -> bool:
        """True when every simulation of the check solved (whatever the verdict)."""
        return self.all_solved

    @property
    def status(self) -> str:
        """``"ok"`` (every simulation solved) or ``"failed"``."""
        return "ok" if self.all_solved else "failed"

    @property
    def message(self) -> str:
        return f"claim {self.number}: {self.verdict}"

    @property
    def metadata(self) -> dict[str, Any]:
        """The model's provenance and everything of `to_dict` but the figure's data."""
        return {**self.provenance, **self.to_dict()}

    def to_dataframe(self) -> pd.DataFrame:
        """The tidy data behind the figure (a copy: `Immutable` gives one)."""
        return self.data

    def to_file(self, path: str | Path) -> Path:
        """Write the data (``.csv``, ``.parquet``) or the whole check (``.json``)."""
        return write_result(self, path)

    def _repr_html_(self) -> str:
        return html_summary(self, self.to_dataframe())

    def plot(self) -> Figure:
        """The claim's figure, as `mtor-sim reproduce` draws it: one quantity per panel,
        the check's outcome and rule below the panels."""
        from ._plot import plot_claim

        return plot_claim(self)


class _Runner:
    """Steady states of one model, cached by perturbation, with solver status tracked."""

    def __init__(self, model: Model) -> None:
        self.model = model
        self.ok = True
        self._cache: dict[str, Any] = {}

    def ss(self, genotype: str | Sequence[str] = "WT", drugs: dict | None = None, **kw: Any):
        key = repr((genotype, sorted((drugs or {}).items()), sorted(kw.items())))
        if key not in self._cache:
            res = prefetched_steady_state(self.model, genotype=genotype, drugs=drugs, **kw)
            self.ok &= res.success
            self._cache[key] = res
        return self._cache[key]

    def value(
        self,
        readout: str,
        genotype: str | Sequence[str] = "WT",
        drugs: dict | None = None,
        **kw: Any,
    ) -> float:
        return self.ss(genotype, drugs, **kw)[readout]

    def inhibition(
        self, readout: str, genotype: str | Sequence[str], drugs: dict, **kw: Any
    ) -> float:
        """Fractional fall of a readout under ``drugs`` against the same cells untreated."""
        return 1.0 - self.value(readout, genotype, drugs, **kw) / self.value(
            readout, genotype, **kw
        )


def _bars(rows: list[tuple[str, str, float]]) -> pd.DataFrame:
    return pd.DataFrame(rows, columns=["condition", "readout", "value"])


def _label(genotype: str | Sequence[str]) -> str:
    return genotype if isinstance(genotype, str) else " + ".join(genotype)


def _result(
    number: int,
    run: _Runner,
    *,
    numbers: dict[str, float],
    terms: dict[str, bool],
    data: pd.DataFrame,
    **kw: Any,
) -> ClaimResult:
    """The claim's result; it passes when every term of its criterion holds."""
    terms = {k: bool(v) for k, v in terms.items()}
    return ClaimResult(
        number=number,
        numbers={k: float(v) for k, v in numbers.items()},
        passed=all(terms.values()) and run.ok,
        terms=terms,
        data=data,
        all_solved=run.ok,
        **kw,
    )


# --------------------------------------------------------------------------- claims
def claim_01_pten_loss(model: Model) -> ClaimResult:
    run = _Runner(model)
    reads = ("pAKT_T308", "pAKT_S473", "pS6K1", "mTORC1_activity")
    fold = {r: run.value(r, "PTEN_loss") / run.value(r) for r in reads}
    rows = [(g, r, run.value(r, g)) for g in ("WT", "PTEN_loss") for r in reads]
    return _result(
        1,
        run,
        title="PTEN loss raises pAKT and mTORC1 output over WT",
        source="Activation Mechanisms; Table 1 (PTEN loss, 30-40 %)",
        simulated="untreated steady states, WT vs PTEN_loss",
        criterion="each of pAKT_T308, pAKT_S473, pS6K1, mTORC1_activity >= 1.10x WT",
        numbers={f"fold {r}": v for r, v in fold.items()},
        terms={f"{r} >= 1.10x WT": v >= 1.10 for r, v in fold.items()},
        data=_bars(rows),
    )


def claim_02_pik3ca_akt(model: Model) -> ClaimResult:
    run = _Runner(model)
    p = {r: run.value(r, "PIK3CA_gain") / run.value(r) for r in ("pAKT_T308", "pAKT_S473", "pS6K1")}
    a = {r: run.value(r, "AKT_overexpression") / run.value(r) for r in ("pS6K1", "mTORC1_activity")}
    rows = [
        (g, r, run.value(r, g))
        for g in ("WT", "PIK3CA_gain", "AKT_overexpression")
        for r in ("pAKT_T308", "pAKT_S473", "pS6K1", "mTORC1_activity")
    ]
    nums = {f"PIK3CA_gain fold {k}": v for k, v in p.items()}
    nums |= {f"AKT_overexpression fold {k}": v for k, v in a.items()}
    return _result(
        2,
        run,
        title="PIK3CA gain raises pAKT and mTORC1 output; Akt overexpression raises mTORC1 output",
        source="Activation Mechanisms; Table 1 (PIK3CA 8-12 %, Akt 25-35 %)",
        simulated="untreated steady states, WT vs PIK3CA_gain vs AKT_overexpression",
        criterion="PIK3CA_gain: pAKT_T308, pAKT_S473, pS6K1 >= 1.10x WT; "
        "AKT_overexpression: pS6K1, mTORC1_activity >= 1.10x WT",
        numbers=nums,
        terms={f"{k} >= 1.10": v >= 1.10 for k, v in nums.items()},
        data=_bars(rows),
    )


def claim_03_combined_alterations(model: Model) -> ClaimResult:
    run = _Runner(model)
    singles = ("PTEN_loss", "PIK3CA_gain", "AKT_overexpression")
    combo = list(singles)
    reads = ("pAKT_S473", "pS6K1", "mTORC1_activity")
    nums = {}
    for r in reads:
        # numpy's max: NaN if a state is unsolved (Python's skips a NaN that is not first)
        best = float(np.max([run.value(r, g) for g in singles]))
        nums[f"{r}: combined / best single"] = run.value(r, combo) / best
    pair = ["PTEN_loss", "PIK3CA_gain"]
    for r in ("pAKT_T308", "PIP3"):
        best = float(np.max([run.value(r, g) for g in pair]))
        nums[f"{r}: PTEN_loss + PIK3CA_gain / best single"] = run.value(r, pair) / best
    rows = [(_label(g), r, run.value(r, g)) for g in ["WT", *singles, combo] for r in reads]
    return _result(
        3,
        run,
        title="More alterations together give more activation than each alone",
        source="Activation Mechanisms ('further enhance mTOR signaling')",
        simulated="untreated steady states of single and combined genotypes",
        criterion="combined genotype >= 1.02x the strongest single alteration for "
        "pAKT_S473, pS6K1, mTORC1_activity (triple) and pAKT_T308, PIP3 (PTEN+PIK3CA)",
        numbers=nums,
        terms={f"{k} >= 1.02": v >= 1.02 for k, v in nums.items()},
        data=_bars(rows),
    )


def claim_04_prognosis(model: Model) -> ClaimResult:
    run = _Runner(model)
    states = {
        "p-mTOR high (AKT_overexpression)": "AKT_overexpression",
        "PTEN loss": "PTEN_loss",
        "PIK3CA mutation": "PIK3CA_gain",
    }
    nums = {}
    for label, g in states.items():
        nums[f"{label}: proliferation"] = run.value("proliferation", g)
        nums[f"{label}: survival"] = run.value("survival", g)
    prolif = {k: nums[f"{k}: proliferation"] for k in states}
    order_model = (
        ", ".join(sorted(states, key=lambda k: -prolif[k]))
        if all(np.isfinite(v) for v in prolif.values())
        else "not determined (a state did not solve)"
    )
    rows = [
        (_label(g), r, run.value(r, g))
        for g in ["WT", *states.values()]
        for r in ("proliferation", "survival")
    ]
    return _result(
        4,
        run,
        title="p-mTOR high, PTEN loss and PIK3CA states proliferate and survive more than WT",
        source="Table 2 (5-year OS: p-mTOR 22.4 %, PTEN loss 25.6 %, PIK3CA 29.3 % vs ~49-51 %)",
        simulated="untreated steady states; p-mTOR high represented by Akt "
        "overexpression (it raises mTORC1 and S6K1, the main kinase of mTOR S2448)",
        criterion="proliferation and survival indices >= 1.05 (WT = 1) in each state",
        numbers=nums,
        terms={f"{k} >= 1.05": v >= 1.05 for k, v in nums.items()},
        data=_bars(rows),
        review={
            "OS ordering, worst first": "p-mTOR high, PTEN loss, PIK3CA mutation",
            "model ordering by proliferation, highest first": order_model,
        },
    )


def claim_05_erk_crosstalk(model: Model) -> ClaimResult:
    run = _Runner(model)
    fold = run.value("mTORC1_activity", "ERK_coactivation") / run.value("mTORC1_activity")
    nums = {"mTORC1_activity fold (ERK_coactivation / WT)": fold}
    terms = {"mTORC1_activity >= 1.05x WT in ERK_coactivation": fold >= 1.05}
    rows = []
    for drug, dose in (("everolimus", RAPALOG_DOSE), ("vistusertib", VISTUSERTIB_DOSE)):
        for g in ("WT", "ERK_coactivation"):
            inh = run.inhibition("proliferation", g, {drug: dose})
            nums[f"{g}: proliferation inhibition by {drug} {dose:g} nM"] = inh
            rows.append((g, f"{drug} {dose:g} nM", inh))
        terms[f"{drug}: smaller fall of proliferation in ERK_coactivation"] = (
            nums[f"ERK_coactivation: proliferation inhibition by {drug} {dose:g} nM"]
            < nums[f"WT: proliferation inhibition by {drug} {dose:g} nM"]
        )
    return _result(
        5,
        run,
        title="ERK activation raises mTORC1 activity and weakens the "
        "response to mTOR-pathway drugs",
        source="Cross-talk with other pathways (MAPK/ERK, 30-35 %); Predictive role "
        "(mTOR + ERK co-activation: lenvatinib ORR 6.8 % vs 25.3 %)",
        simulated="steady states, WT vs ERK_coactivation, untreated and with "
        f"everolimus {RAPALOG_DOSE:g} nM or vistusertib {VISTUSERTIB_DOSE:g} nM",
        criterion="mTORC1_activity >= 1.05x WT, and the fractional fall of "
        "proliferation is smaller in ERK_coactivation for both drugs",
        numbers=nums,
        terms=terms,
        data=pd.DataFrame(rows, columns=["condition", "readout", "value"]),
        review={"ORR on lenvatinib, mTOR+ERK co-activated vs not": "6.8 % vs 25.3 %"},
        axis_labels={r: INHIBITION for _, r, _ in rows},
    )


def claim_06_ampk(model: Model) -> ClaimResult:
    run = _Runner(model)
    stress = {"ENERGY_STRESS": 1.0}
    nums = {
        f"{r} fold (energy stress / fed)": run.value(r, inputs=stress) / run.value(r)
        for r in ("mTORC1_activity", "pS6K1")
    }
    rows = [
        (c, r, run.value(r, inputs=level))
        for c, level in (("fed", {}), ("energy stress", stress))
        for r in ("AMPK_active", "mTORC1_activity", "pS6K1")
    ]
    return _result(
        6,
        run,
        title="AMPK activation (energy stress) lowers mTORC1 activity",
        source="Cross-talk with other pathways (nutrient sensing, AMPK)",
        simulated="WT steady states with ENERGY_STRESS = 0 vs 1",
        criterion="mTORC1_activity and pS6K1 <= 0.8x the fed state",
        numbers=nums,
        terms={f"{k} <= 0.8": v <= 0.8 for k, v in nums.items()},
        data=_bars(rows),
    )


def claim_07_sorafenib_resistance(model: Model) -> ClaimResult:
    run = _Runner(model)
    dose = {"sorafenib": SORAFENIB_DOSE}
    states = ("WT", "PTEN_loss", "AKT_overexpression")
    inh = {g: run.inhibition("proliferation", g, dose) for g in states}
    nums = {f"{g}: proliferation inhibition": v for g, v in inh.items()}
    rows = [(g, f"sorafenib {SORAFENIB_DOSE:g} nM", v) for g, v in inh.items()]
    return _result(
        7,
        run,
        title="High mTOR pathway activity weakens the response to sorafenib",
        source="Predictive role in therapy response (sorafenib, p-mTOR high vs low: "
        "ORR 7.3 % vs 22.6 %, PFS 2.4 vs 5.8 months)",
        simulated=f"steady states with sorafenib {SORAFENIB_DOSE:g} nM",
        criterion="fractional fall of proliferation in PTEN_loss and in AKT_overexpression < in WT",
        numbers=nums,
        terms={
            f"{g}: smaller fall of proliferation than WT": inh[g] < inh["WT"] for g in states[1:]
        },
        data=pd.DataFrame(rows, columns=["condition", "readout", "value"]),
        review={"sorafenib ORR, p-mTOR high vs low": "7.3 % vs 22.6 %"},
        axis_labels={r: INHIBITION for _, r, _ in rows},
    )


def claim_08_rapalogs_partial(model: Model) -> ClaimResult:
    from ._hill import fit_hill

    run = _Runner(model)
    # up to 1000 nM, > 100x every rapalog's cellular IC50: saturating
    doses = np.concatenate([[0.0], np.logspace(-2, 3, 11)])
    rows, nums = [], {}
    max_inh, ic50s = {}, {}
    for drug in ("sirolimus", "everolimus", "temsirolimus"):
        s6k = [run.value("pS6K1", drugs={drug: d}) for d in doses]
        prol = [run.value("proliferation", drugs={drug: d}) for d in doses]
        rows += [(drug, d, "pS6K1", v) for d, v in zip(doses, s6k, strict=True)]
        rows += [(drug, d, "proliferation", v) for d, v in zip(doses, prol, strict=True)]
        # a model's curve: no noise; a dose without a steady state leaves no curve to fit
        # (the claim then fails with all_solved False, as every claim does)
        ic50 = (
            fit_hill(doses, np.array(s6k), monotonic=True).ic50
            if np.isfinite(s6k).all()
            else float("nan")
        )
        ic50s[drug] = ic50
        max_inh[drug] = 1.0 - prol[-1] / prol[0]
        nums[f"{drug}: pS6K1 IC50 (nM)"] = ic50
        nums[f"{drug}: max proliferation inhibition"] = max_inh[drug]
        nums[f"{drug}: max pS6K1 inhibition"] = 1.0 - s6k[-1] / s6k[0]
    spread = float(np.ptp(list(max_inh.values())))
    nums["spread of max proliferation inhibition"] = spread
    terms = {
        f"{d}: proliferation falls 5-40 % at 1000 nM": 0.05 <= v <= 0.40 for d, v in max_inh.items()
    }
    terms["spread of the maximal falls <= 0.02"] = spread <= 0.02
    terms |= {
        f"{d}: pS6K1 falls >= 80 %": nums[f"{d}: max pS6K1 inhibition"] >= 0.8 for d in max_inh
    }
    terms["pS6K1 IC50s: sirolimus < temsirolimus < everolimus"] = (
        ic50s["sirolimus"] < ic50s["temsirolimus"] < ic50s["everolimus"]
    )
    return _result(
        8,
        run,
        title="Rapalogs alone give partial, modest inhibition of "
        "proliferation; the three act alike, differing in potency",
        source="Therapeutic Targeting, mTOR Inhibitors; Table 3 (ORR 7.1-9.5 %)",
        simulated="WT steady states over 0.01-1000 nM of each rapalog",
        criterion="at 1000 nM: pS6K1 falls >= 80 % but proliferation only 5-40 %; "
        "the three maximal effects within 0.02; pS6K1 IC50s ordered by potency "
        "(sirolimus < temsirolimus < everolimus)",
        numbers=nums,
        terms=terms,
        kind="dose_response",
        data=pd.DataFrame(rows, columns=["condition", "dose", "readout", "value"]),
        review={"ORR (%)": "everolimus 9.5, temsirolimus 9.5, sirolimus 7.1"},
        axis_labels={"dose": "rapalog concentration (nM, log scale)"},
    )


def claim_09_feedback_relief(model: Model) -> ClaimResult:
    run = _Runner(model)
    drug = {"everolimus": RAPALOG_DOSE}
    reads = ("IRS1_active", "PIP3", "pAKT_T308", "pAKT_S473")
    nums = {
        f"{r} fold (everolimus / untreated)": run.value(r, drugs=drug) / run.value(r) for r in reads
    }
    cut = ["S6K1 -| IRS1"]
    nums["PIP3 fold with S6K1 -| IRS1 cut"] = run.value("PIP3", drugs=drug, cut=cut) / run.value(
        "PIP3", cut=cut
    )
    terms = {
        f"{r} >= 1.10x untreated": nums[f"{r} fold (everolimus / untreated)"] >= 1.10 for r in reads
    }
    terms["S6K1 -| IRS1 cut: PIP3 within 5 % of untreated"] = (
        abs(nums["PIP3 fold with S6K1 -| IRS1 cut"] - 1.0) <= 0.05
    )
    tc = model.simulate(t_end=1440, n_points=97, drugs=drug, species=False)
    run.ok &= tc.success
    data = tc.to_dataframe()[list(reads) + ["pS6K1"]]
    data = data / data.iloc[0]
    fold = "fold change vs t = 0"
    return _result(
        9,
        run,
        title="Rapalogs relieve the S6K1 -| IRS1 feedback: PI3K/PIP3 and "
        "pAKT (T308, S473) rise above untreated",
        source="Resistance mechanisms (feedback activation of PI3K/Akt)",
        simulated=f"WT, everolimus {RAPALOG_DOSE:g} nM: steady state and 24 h course; "
        "the same with the S6K1 -| IRS1 interaction cut",
        criterion="IRS1_active, PIP3, pAKT_T308, pAKT_S473 >= 1.10x untreated; "
        "with S6K1 -| IRS1 cut the PIP3 rise vanishes (within 5 %)",
        numbers=nums,
        terms=terms,
        kind="timecourse",
        data=data,
        axis_labels=dict.fromkeys(data.columns, fold),
    )


def claim_10_rtk_upregulation(model: Model) -> ClaimResult:
    run = _Runner(model)
    drug = {"vistusertib": VISTUSERTIB_DOSE}
    tc = model.simulate(t_end=2880, n_points=193, drugs=drug, species=False)
    tcut = model.simulate(t_end=2880, n_points=193, drugs=drug, cut=["FOXO -> RTK"], species=False)
    run.ok &= tc.success and tcut.success
    rtk, rtk_cut = tc["RTK_total"], tcut["RTK_total"]
    fold = rtk / rtk.iloc[0]
    at = lambda s, t: float(np.interp(t, s.index, s.to_numpy()) / s.iloc[0])  # noqa: E731
    rise = fold - 1.0
    final = float(rise.iloc[-1])
    # Without a finite rise there is no half-time: NaN, never the first time point.
    half = (
        float(rise.index[np.argmax(rise.to_numpy() >= 0.5 * final)]) / 60.0
        if np.isfinite(final) and final > 0
        else float("nan")
    )
    nums = {
        "RTK_total fold at 1 h": at(rtk, 60),
        "RTK_total fold at 24 h": at(rtk, 1440),
        "RTK_total fold at 48 h": at(rtk, 2880),
        "time to half of the 48-h rise (h)": half,
        "RTK_total fold at 24 h, FOXO -> RTK cut": at(rtk_cut, 1440),
    }
    terms = {
        "RTK_total >= 1.3x at 24 h": nums["RTK_total fold at 24 h"] >= 1.3,
        "half of the 48-h rise takes >= 2 h": half >= 2.0,
        "FOXO -> RTK cut: RTK_total <= 1.05x at 24 h": (
            nums["RTK_total fold at 24 h, FOXO -> RTK cut"] <= 1.05
        ),
    }
    data = pd.DataFrame(
        {
            "RTK_total": rtk / rtk.iloc[0],
            "FOXO_nuclear": tc["FOXO_nuclear"],
            "pAKT_S473": tc["pAKT_S473"],
            "RTK_total (FOXO -> RTK cut)": rtk_cut / rtk_cut.iloc[0],
        }
    )
    fold, fraction = "RTK_total, fold change vs t = 0", "fraction of total (0-1)"
    return _result(
        10,
        run,
        title="mTOR inhibition leads, over hours, to RTK up-regulation (FOXO feedback)",
        source="Resistance mechanisms (feedback activation of RTKs, e.g. EGFR, FGFR)",
        simulated=f"WT, vistusertib {VISTUSERTIB_DOSE:g} nM from t = 0, 48 h course; "
        "the same with FOXO -> RTK cut",
        criterion="RTK_total >= 1.3x at 24 h; half of the rise takes >= 2 h "
        "(hours, not minutes); with FOXO -> RTK cut <= 1.05x at 24 h",
        numbers=nums,
        terms=terms,
        kind="timecourse",
        data=data,
        axis_labels={
            "RTK_total": fold,
            "RTK_total (FOXO -> RTK cut)": fold,
            "FOXO_nuclear": fraction,
            "pAKT_S473": fraction,
        },
    )


def claim_11_mtorc2_resistance(model: Model) -> ClaimResult:
    run = _Runner(model)
    drug = {"everolimus": RAPALOG_DOSE}
    nums = {
        "pAKT_S473, mTORC2_high + everolimus": run.value("pAKT_S473", "mTORC2_high", drug),
        "pAKT_S473, WT untreated": run.value("pAKT_S473"),
        "proliferation inhibition, WT": run.inhibition("proliferation", "WT", drug),
        "proliferation inhibition, mTORC2_high": run.inhibition(
            "proliferation", "mTORC2_high", drug
        ),
    }
    terms = {
        "pAKT_S473: treated mTORC2_high >= untreated WT": (
            nums["pAKT_S473, mTORC2_high + everolimus"] >= nums["pAKT_S473, WT untreated"]
        ),
        "smaller fall of proliferation in mTORC2_high than in WT": (
            nums["proliferation inhibition, mTORC2_high"] < nums["proliferation inhibition, WT"]
        ),
    }
    rows = [
        (g, f"{r}{' + everolimus' if d else ''}", run.value(r, g, d))
        for g in ("WT", "mTORC2_high")
        for d in ({}, drug)
        for r in ("pAKT_S473", "proliferation")
    ]
    return _result(
        11,
        run,
        title="mTORC2 up-regulation makes cells resistant to rapalogs",
        source="Resistance mechanisms (mTORC2 up-regulation, not inhibited by rapalogs)",
        simulated=f"steady states, WT vs mTORC2_high, everolimus {RAPALOG_DOSE:g} nM",
        criterion="pAKT_S473 of treated mTORC2_high cells >= untreated WT, and the "
        "fractional fall of proliferation is smaller than in WT",
        numbers=nums,
        terms=terms,
        data=_bars(rows),
    )


def claim_12_dual_reverses(model: Model) -> ClaimResult:
    from ._tumour import tumour_response

    run = _Runner(model)
    rap = tumour_response(
        model, {"everolimus": RAPALOG_DOSE}, genotype="mTORC2_high", days=TUMOUR_DAYS
    )
    dual = tumour_response(
        model, {"vistusertib": VISTUSERTIB_DOSE}, genotype="mTORC2_high", days=TUMOUR_DAYS
    )
    run.ok &= rap.success and dual.success
    nums = {
        "tumour reduction %, everolimus": rap.reduction_percent,
        "tumour reduction %, vistusertib": dual.reduction_percent,
        "proliferation inhibition, everolimus": run.inhibition(
            "proliferation", "mTORC2_high", {"everolimus": RAPALOG_DOSE}
        ),
        "proliferation inhibition, vistusertib": run.inhibition(
            "proliferation", "mTORC2_high", {"vistusertib": VISTUSERTIB_DOSE}
        ),
    }
    dual_pct, rap_pct = (
        nums["tumour reduction %, vistusertib"],
        nums["tumour reduction %, everolimus"],
    )
    terms = {
        "tumour reduction: vistusertib >= 1.5x everolimus": dual_pct >= 1.5 * rap_pct,
        "tumour reduction: vistusertib >= everolimus + 20 points": dual_pct - rap_pct >= 20.0,
    }
    rap_l, dual_l = "rapalog (model: everolimus)", "dual mTORC1/2 (model: vistusertib)"
    rows = [
        (rap_l, "model", rap.reduction_percent),
        (rap_l, "review (Li 2020)", 25.3),
        (dual_l, "model", dual.reduction_percent),
        (dual_l, "review (Li 2020)", 68.5),
    ]
    return _result(
        12,
        run,
        title="A dual mTORC1/2 inhibitor reverses mTORC2-driven resistance",
        source="Resistance mechanisms (Li 2020 Oncogene: tumour reduction 68.5 % vs 25.3 %)",
        simulated=f"mTORC2_high tumours, {TUMOUR_DAYS:g}-day course: everolimus "
        f"{RAPALOG_DOSE:g} nM vs vistusertib {VISTUSERTIB_DOSE:g} nM",
        criterion="dual-inhibitor tumour reduction >= 1.5x the rapalog's and >= 20 "
        "percentage points higher",
        numbers=nums,
        terms=terms,
        data=pd.DataFrame(rows, columns=["condition", "readout", "value"]),
        review={"tumour reduction %, dual vs rapalog": "68.5 vs 25.3"},
        axis_labels={r: f"tumour reduction after {TUMOUR_DAYS:g} days (%)" for _, r, _ in rows},
    )


def claim_13_dactolisib(model: Model) -> ClaimResult:
    run = _Runner(model)
    drug = {"dactolisib": DACTOLISIB_DOSE}
    reads = ("pAKT_T308", "pAKT_S473", "pS6K1", "mTORC1_activity")
    nums = {f"{r} fold": run.value(r, drugs=drug) / run.value(r) for r in reads}
    rows = [
        (c, r, run.value(r, drugs=d))
        for c, d in (("untreated", {}), (f"dactolisib {DACTOLISIB_DOSE:g} nM", drug))
        for r in reads
    ]
    return _result(
        13,
        run,
        title="Dual PI3K/mTOR inhibition (dactolisib) blocks AKT and mTORC1 together",
        source="Combination strategies (dactolisib ORR 11.1 %, n = 36)",
        simulated=f"WT steady states, dactolisib {DACTOLISIB_DOSE:g} nM",
        criterion="pAKT_T308, pAKT_S473, pS6K1 and mTORC1_activity all <= 0.3x untreated",
        numbers=nums,
        terms={f"{k} <= 0.3": v <= 0.3 for k, v in nums.items()},
        data=_bars(rows),
    )


def claim_14_everolimus_sorafenib(model: Model) -> ClaimResult:
    run = _Runner(model)
    e, s = {"everolimus": RAPALOG_DOSE}, {"sorafenib": SORAFENIB_DOSE}
    ie = run.inhibition("proliferation", "WT", e)
    is_ = run.inhibition("proliferation", "WT", s)
    ies = run.inhibition("proliferation", "WT", e | s)
    bliss = ies - (ie + is_ - ie * is_)
    nums = {
        "inhibition, everolimus": ie,
        "inhibition, sorafenib": is_,
        "inhibition, combination": ies,
        "Bliss excess": bliss,
    }
    terms = {
        "combination >= the better single drug + 0.02": ies >= float(np.max([ie, is_])) + 0.02,
        "Bliss excess >= -0.01": bliss >= -0.01,
    }
    rows = [
        ("everolimus", "proliferation inhibition", ie),
        ("sorafenib", "proliferation inhibition", is_),
        ("everolimus + sorafenib", "proliferation inhibition", ies),
        ("Bliss expectation", "proliferation inhibition", ie + is_ - ie * is_),
    ]
    return _result(
        14,
        run,
        title="Everolimus + sorafenib beats either alone (Bliss-additive, within 0.01)",
        source="Combination strategies; Table 3 (ORR 16.7 % vs 9.5 %; OS 10.2 vs 7.8 months)",
        simulated=f"WT steady states, everolimus {RAPALOG_DOSE:g} nM, sorafenib "
        f"{SORAFENIB_DOSE:g} nM, and both",
        criterion="combination inhibition >= the better single agent + 0.02, and "
        "Bliss excess >= -0.01",
        numbers=nums,
        terms=terms,
        data=pd.DataFrame(rows, columns=["condition", "readout", "value"]),
        review={"ORR (%)": "combination 16.7 vs everolimus 9.5"},
        axis_labels={r: INHIBITION for _, r, _ in rows},
    )


def claim_15_emt(model: Model) -> ClaimResult:
    run = _Runner(model)
    states = {
        "WT": "WT",
        "mTORC1 high (PTEN_loss)": "PTEN_loss",
        "beta-catenin active": "BCAT_active",
        "both": ["PTEN_loss", "BCAT_active"],
    }
    emt = {k: run.value("EMT", g) for k, g in states.items()}
    nums = {f"EMT, {k}": v for k, v in emt.items()}
    singles = float(np.max([emt["mTORC1 high (PTEN_loss)"], emt["beta-catenin active"]]))
    nums["EMT both / best single"] = emt["both"] / singles
    rows = [(k, "EMT", v) for k, v in emt.items()]
    return _result(
        15,
        run,
        title="mTORC1 with active beta-catenin raises EMT more than either",
        source="Cross-talk with other pathways (Wnt/beta-catenin, EMT and metastasis)",
        simulated="untreated steady states: WT, PTEN_loss (mTORC1 high), BCAT_active, both",
        criterion="EMT of both >= 1.10x the higher single state; each single state above WT",
        numbers=nums,
        terms={
            "EMT of both >= 1.10x the higher single state": nums["EMT both / best single"] >= 1.10,
            "each single state above WT": (
                float(np.min([emt["mTORC1 high (PTEN_loss)"], emt["beta-catenin active"]])) > 1.0
            ),
        },
        data=_bars(rows),
    )


CLAIMS: dict[int, Callable[[Model], ClaimResult]] = {
    i + 1: f
    for i, f in enumerate(
        (
            claim_01_pten_loss,
            claim_02_pik3ca_akt,
            claim_03_combined_alterations,
            claim_04_prognosis,
            claim_05_erk_crosstalk,
            claim_06_ampk,
            claim_07_sorafenib_resistance,
            claim_08_rapalogs_partial,
            claim_09_feedback_relief,
            claim_10_rtk_upregulation,
            claim_11_mtorc2_resistance,
            claim_12_dual_reverses,
            claim_13_dactolisib,
            claim_14_everolimus_sorafenib,
            claim_15_emt,
        )
    )
}


def _check_model(model: Model) -> None:
    """Refuse what the claims cannot be checked on: not a Model (a file name, None, ...),
    or a model other than the bundled one."""
    if not isinstance(getattr(model, "is_bundled", None), bool):
        raise TypeError(
            f"the claims are checked on a Model (ms.load_model()), got {type(model).__name__}"
        )
    if not model.is_bundled:
        raise MtorSimError("the review's claims are checks of the bundled HCC model")


def check(model: Model, number: int) -> ClaimResult:
    """Run the check of claim ``number`` (1-15) on ``model``."""
    _check_model(model)
    if number not in CLAIMS:
        check_name(str(number), [str(k) for k in CLAIMS], kind="claim number")
    result = CLAIMS[number](model)
    controls, note = controls_of(model, number)
    expected = expectations_of(model).get(number)
    from ._engine import steady_provenance

    return replace(
        result,
        controls=controls,
        note=note,
        expected_pass=True if expected is None else expected.passes,
        expected_reason="" if expected is None else _because(expected),
        provenance=steady_provenance(model),
    )


def _because(expected: Expectation) -> str:
    return expected.reason + (f" ({expected.source})" if expected.source else "")


def check_all(
    model: Model,
    *,
    ensemble: Any = None,
    n_members: int | None = None,
    run: RunOptions | Mapping[str, Any] | None = None,
    backend: str | None = None,
    n_workers: int | None = None,
    scheduler: str | None = None,
    progress: bool | None = None,
) -> list[ClaimResult] | pd.DataFrame:
    """Run every claim check (SPEC section 3) on ``model``; returns results in order.

    Parameters
    ----------
    model : Model
        The bundled model.
    ensemble : True, "all", "verified" or DataFrame, optional
        Check every claim on every member of a parameter ensemble (``True``: the bundled
        calibrated ensemble, `mtor_sim.load_ensemble`) instead of on ``model`` alone.
        The thresholds are the same; a member whose simulations fail fails the claim.
    n_members : int, optional
        With ``ensemble``: use only the first ``n_members`` members.
    run : RunOptions, optional
        With ``ensemble``: where the members' steady states run (one batch through the
        runner, as in every batch verb; no progress bar unless asked). A single model's
        claims ask for a few hundred steady states one at a time.
    backend, n_workers, scheduler, progress
        Shorthand for the same fields of ``run``.

    Returns
    -------
    list of ClaimResult
        Or, with ``ensemble``, a DataFrame with one row per claim: ``claim``, ``title``,
        ``pass_fraction`` (fraction of members passing), ``n_members``, ``n_not_solved``,
        ``passed_bundled`` (the claim on ``model`` itself), ``effect_present_fraction``
        (members that show every effect a control is checked on, in the claim's
        direction), ``control_removes_fraction`` (of those members, the share whose
        mechanism controls remove the effects; NaN when none shows them),
        ``mechanism_pass_fraction`` (members in which the claim passes and its controls
        remove the effects: it passes through the mechanism the review names), ``effect`` (the
        claim's first effect) and its 5 / 50 / 95 % quantiles across members,
        ``absolute_q05`` ... ``relative_q95``, and ``weakest_term``: the term of the
        claim's criterion that holds in the fewest members, with that fraction
        (``weakest_term_fraction``). ``attrs["all_pass_fraction"]`` is the fraction of
        members passing all claims together; ``attrs["passed"]`` the member x claim table
        of booleans; ``attrs["terms"]`` a table (``claim``, ``term``, ``hold_fraction``)
        of every criterion term and the fraction of members in which it holds.

    Examples
    --------
    >>> import mtor_sim as ms
    >>> table = ms.claims.check_all(ms.load_model(), ensemble=True, n_members=2)
    >>> list(table.columns[:3])
    ['claim', 'title', 'pass_fraction']
    """
    _check_model(model)  # before the options: they would be judged for a run never made
    opts = resolve_run(
        run,
        verb="check_all",
        allowed=("backend", "n_workers", "scheduler", "progress"),
        quiet=True,
        backend=backend,
        n_workers=n_workers,
        scheduler=scheduler,
        progress=progress,
    )
    if not wants_ensemble(ensemble, n_members):
        return _check_each(model)
    return check_ensemble(model, ensemble, n_members=n_members, run=opts)


def check_ensemble(
    model: Model, ensemble: Any, *, n_members: int | None = None, run: RunOptions | None = None
) -> pd.DataFrame:
    """`check_all` across an ensemble: the table `check_all(..., ensemble=...)` returns."""
    from ._ensemble import member_models, resolve_ensemble
    from ._prefetch import answers, recording, solve_for_members

    table = resolve_ensemble(ensemble, n=n_members)
    with recording(model) as asked:  # the steady states every member will be asked for
        base = {r.number: r for r in _check_each(model)}
    # solved for every member at once; unverified ones take the single-point path
    solved_ahead = solve_for_members(model, table, list(asked.values()), run)
    passed, solved, removes, present, absolute, relative, terms = [], [], [], [], [], [], []
    # the members were checked by solve_for_members (once: a warning is not repeated)
    for m, ahead in zip(member_models(model, table), solved_ahead, strict=True):
        with answers(m, ahead):
            results = _check_each(m)
        passed.append([r.passed for r in results])
        solved.append([r.all_solved for r in results])
        removes.append([r.controls_remove_effect for r in results])
        # a member without the effect has nothing for a control to remove
        present.append([all(e.present for c in r.controls for e in c.effects) for r in results])
        terms.append(
            {(r.number, k): v and r.all_solved for r in results for k, v in r.terms.items()}
        )
        first = [_first_effect(r) for r in results]
        absolute.append([a for a, _ in first])
        relative.append([v for _, v in first])
    flags = pd.DataFrame(passed, index=table.index, columns=list(CLAIMS))
    unsolved = ~pd.DataFrame(solved, index=table.index, columns=list(CLAIMS))
    removed = pd.DataFrame(removes, index=table.index, columns=list(CLAIMS))
    shown = pd.DataFrame(present, index=table.index, columns=list(CLAIMS))
    out = pd.DataFrame(
        {
            "claim": list(CLAIMS),
            "title": [base[n].title for n in CLAIMS],
            "pass_fraction": flags.mean().to_numpy(),
            "n_members": len(flags),
            "n_not_solved": unsolved.sum().to_numpy(),
            "passed_bundled": [base[n].passed for n in CLAIMS],
            "effect_present_fraction": shown.mean().to_numpy(),
            # among the members that show the effect (counting those without it as
            # "not removed" repeated the pass fraction: claim 11's 0.85)
            "control_removes_fraction": removed.astype(float).where(shown).mean().to_numpy(),
            # a pass whose effect the control leaves is a pass for another reason
            "mechanism_pass_fraction": (flags & removed).mean().to_numpy(),
            "effect": [base[n].controls[0].effects[0].quantity for n in CLAIMS],
        }
    )
    for name, values in (("absolute", absolute), ("relative", relative)):
        frame = pd.DataFrame(values, index=table.index, columns=list(CLAIMS))
        for q in (0.05, 0.5, 0.95):
            out[f"{name}_q{round(q * 100):02d}"] = frame.quantile(q).to_numpy()
    holds = _term_fractions(terms, base)
    weakest = holds.sort_values("hold_fraction", kind="stable").groupby("claim").head(1)
    weakest = weakest.set_index("claim").reindex(list(CLAIMS))
    out["weakest_term"] = weakest["term"].to_numpy()
    out["weakest_term_fraction"] = weakest["hold_fraction"].to_numpy()
    out.attrs["all_pass_fraction"] = float(flags.all(axis=1).mean())
    out.attrs["passed"] = flags
    out.attrs["terms"] = holds
    return out


def _term_fractions(
    terms: list[dict[tuple[int, str], bool]], base: Mapping[int, ClaimResult]
) -> pd.DataFrame:
    """Fraction of members in which each term of each claim's criterion holds.

    A member whose simulations for a claim failed counts as failing all its terms.
    """
    keys = [(n, k) for n in CLAIMS for k in base[n].terms]
    frame = pd.DataFrame([[t.get(k, False) for k in keys] for t in terms], dtype=bool)
    return pd.DataFrame(
        {
            "claim": [n for n, _ in keys],
            "term": [k for _, k in keys],
            "hold_fraction": frame.mean().to_numpy() if len(frame) else np.nan,
        }
    )


def _check_each(model: Model) -> list[ClaimResult]:
    return [check(model, n) for n in CLAIMS]


def _first_effect(result: ClaimResult) -> tuple[float, float]:
    """The claim's first effect with the model intact: (absolute, relative)."""
    effect = result.controls[0].effects[0]
    return effect.absolute, effect.relative
