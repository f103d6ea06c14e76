"""Mechanism controls of the review's claims: does each effect travel the route it names?

Each claim names a mechanism (PTEN loss raises mTORC1 output *through Akt*, rapalogs raise
pAKT *by relieving S6K1 -| IRS1*, ...). Its control is the cut, knockout, drug-site change
or parameter change that must remove the effect if the claim's route carries it. For
every claim this module measures the claim's effects twice, with the model intact and
under each control, as absolute differences (readout units) and relative changes (the
fold minus one, or a difference of fractional falls), and says whether the control
removes them.

The rule is fixed here before any number is computed: a control *removes* an effect when
at most `REMOVED_SHARE` of the intact relative effect is left in the effect's direction
(a reversed effect counts as removed). An effect that the intact model does not show in
the claim's direction (a rise for every claim but 6 and 13, whose effects are falls) has
nothing to remove: it is reported as absent, and the control as not removing it. The
controls and the expected outcomes follow ``models/MECHANISMS.md`` (section 3), which
also says which claims cannot fail through the kinetics and why; `ClaimResult.note`
carries that sentence.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np

from ._catalogue import BUNDLED
from ._prefetch import steady_state as prefetched_steady_state

if TYPE_CHECKING:  # pragma: no cover
    from ._model import Model

__all__ = ["REMOVED_SHARE", "Control", "ControlResult", "EffectValue", "controls_of"]

#: A control removes an effect when no more than this share of the intact relative effect
#: is left in the effect's direction (fixed before any number was computed).
REMOVED_SHARE = 0.25

#: Claims whose effects are falls (energy stress, dactolisib); every other claim's effects
#: are rises, or differences of falls taken so that the claim's direction is positive.
FALLS = frozenset({6, 13})

E = {"everolimus": 10.0}
V = {"vistusertib": 1000.0}
S = {"sorafenib": 3000.0}
SIROLIMUS_MAX = {"sirolimus": 1000.0}
DACTOLISIB = {"dactolisib": 500.0}


def _sites_removed(drug: str, *sites: str) -> dict[str, float]:
    """Parameter values that take ``drug`` off its target ``sites`` in the bundled model:
    each site's potency parameter (from the catalogue) at 1e12 nM."""
    named = BUNDLED.drugs[drug].potency_parameters
    return {named[site]: 1e12 for site in sites}


@dataclass(frozen=True)
class Control:
    """One mechanism control: what is changed, and which effects it must remove."""

    name: str
    perturbation: Mapping[str, Any]
    removes: tuple[str, ...]


@dataclass(frozen=True)
class EffectValue:
    """One effect intact and under a control. Relative: fold - 1 or a difference of falls."""

    quantity: str
    absolute: float
    relative: float
    control_absolute: float
    control_relative: float
    direction: int = 1  # the claim's: +1 a rise (or a larger fall), -1 a fall

    @property
    def present(self) -> bool:
        """The intact model shows the effect in the claim's direction."""
        return bool(np.isfinite(self.relative) and self.direction * self.relative > 0)

    @property
    def removed(self) -> bool:
        """At most `REMOVED_SHARE` of the intact relative effect left (or reversed); False
        when there is no effect to remove (`present` is False)."""
        if not (self.present and np.isfinite(self.control_relative)):
            return False
        return bool(self.direction * self.control_relative <= REMOVED_SHARE * abs(self.relative))

    @property
    def verdict(self) -> str:
        """``yes``, ``no``, or ``no effect`` when the intact model does not show it."""
        if not self.present:
            return "no effect"
        return "yes" if self.removed else "no"

    def to_dict(self) -> dict[str, Any]:
        return {
            "quantity": self.quantity,
            "absolute": self.absolute,
            "relative": self.relative,
            "control_absolute": self.control_absolute,
            "control_relative": self.control_relative,
            "present": self.present,
            "removed": self.removed,
        }


@dataclass(frozen=True)
class ControlResult:
    """A control applied to a claim: its effects intact and controlled, and the verdict."""

    name: str
    perturbation: dict[str, Any]
    effects: tuple[EffectValue, ...]

    @property
    def removes_effect(self) -> bool:
        """True when the control removes every effect it is expected to remove."""
        return all(e.removed for e in self.effects)

    def to_dict(self) -> dict[str, Any]:
        return {
            "control": self.name,
            "perturbation": self.perturbation,
            "removes_effect": self.removes_effect,
            "effects": [e.to_dict() for e in self.effects],
        }


# ------------------------------------------------------------------------ measuring
class _Cells:
    """Steady states (and courses) of one model with a control merged into every call."""

    def __init__(self, model: Model, control: Mapping[str, Any]) -> None:
        self.model = model
        self.control = dict(control)
        self._cache: dict[str, float] = {}

    def _kw(self, genotype: Any, drugs: Mapping[str, float] | None, kw: dict) -> dict:
        out: dict[str, Any] = {"genotype": genotype, "drugs": {**(drugs or {})}, **kw}
        for key, value in self.control.items():
            if key in ("cut", "knockouts"):
                out[key] = [*out.get(key, []), *value]
            else:  # drugs, parameters, inputs: the control's values win
                out[key] = {**(out.get(key) or {}), **value}
        return out

    def value(
        self,
        readout: str,
        genotype: str | Sequence[str] = "WT",
        drugs: Mapping[str, float] | None = None,
        **kw: Any,
    ) -> float:
        key = repr((readout, genotype, sorted((drugs or {}).items()), sorted(kw.items())))
        if key not in self._cache:
            res = prefetched_steady_state(self.model, **self._kw(genotype, drugs, kw))
            self._cache[key] = float(res[readout]) if res.success else float("nan")
        return self._cache[key]

    def fold(self, readout: str, genotype: Any = "WT", drugs: Any = None, **kw: Any) -> Effect:
        """Altered, treated or stimulated cells against untreated WT cells, same control."""
        return _change(self.value(readout), self.value(readout, genotype, drugs, **kw))

    def fall(self, readout: str, genotype: Any, drugs: Mapping[str, float]) -> Effect:
        """(absolute, fractional) fall of a readout under drugs, same cells untreated."""
        up = _change(self.value(readout, genotype), self.value(readout, genotype, drugs))
        return -up[0], -up[1]

    def course_fold(
        self, readout: str, drugs: Mapping[str, float], t: float, t_end: float
    ) -> Effect:
        kw = self._kw("WT", drugs, {})
        tc = self.model.simulate(t_end=t_end, n_points=int(t_end // 15) + 1, species=False, **kw)
        if not tc.success:
            return float("nan"), float("nan")
        s = tc[readout]
        return _change(float(s.iloc[0]), float(np.interp(t, s.index, s.to_numpy())))


Effect = tuple[float, float]  # (absolute, relative)

#: Below this a readout counts as absent, and a relative change of it is not defined.
_ABSENT = 1e-12


def _change(before: float, after: float) -> Effect:
    """(after - before, after / before - 1); a readout absent both times has changed 0."""
    if abs(before) < _ABSENT:
        return after - before, (0.0 if abs(after) < _ABSENT else float("nan"))
    return after - before, after / before - 1.0


def _less(a: Effect, b: Effect) -> Effect:
    """How much smaller effect ``b`` is than ``a``, absolute and relative."""
    return a[0] - b[0], a[1] - b[1]


def _e01(c: _Cells) -> dict[str, Effect]:
    return {f"{r}, PTEN_loss vs WT": c.fold(r, "PTEN_loss") for r in ("pS6K1", "mTORC1_activity")}


def _e02(c: _Cells) -> dict[str, Effect]:
    out = {"pS6K1, PIK3CA_gain vs WT": c.fold("pS6K1", "PIK3CA_gain")}
    for r in ("pS6K1", "mTORC1_activity"):
        out[f"{r}, AKT_overexpression vs WT"] = c.fold(r, "AKT_overexpression")
    return out


def _e03(c: _Cells) -> dict[str, Effect]:
    singles = ("PTEN_loss", "PIK3CA_gain", "AKT_overexpression")
    out = {}
    for r in ("pS6K1", "mTORC1_activity"):
        best = float(np.max([c.value(r, g) for g in singles]))  # NaN if one is unsolved
        both = c.value(r, list(singles))
        out[f"{r}, combined vs best single"] = (both - best, both / best - 1.0)
    return out


def _e04(c: _Cells) -> dict[str, Effect]:
    # both of the claim's readouts: its terms test survival as well as proliferation
    return {
        f"{r}, {g} vs WT": c.fold(r, g)
        for r in ("proliferation", "survival")
        for g in ("AKT_overexpression", "PTEN_loss", "PIK3CA_gain")
    }


_E05_DRUGS = (("everolimus", E), ("vistusertib", V))


def _e05_fall(drug: str) -> str:
    """Claim 5's response effect under ``drug`` (a key of `_e05`)."""
    return f"proliferation fall under {drug}, WT minus ERK_coactivation"


def _e05(c: _Cells) -> dict[str, Effect]:
    out = {"mTORC1_activity, ERK_coactivation vs WT": c.fold("mTORC1_activity", "ERK_coactivation")}
    for name, drugs in _E05_DRUGS:
        out[_e05_fall(name)] = _less(
            c.fall("proliferation", "WT", drugs), c.fall("proliferation", "ERK_coactivation", drugs)
        )
    return out


def _e06(c: _Cells) -> dict[str, Effect]:
    return {
        f"{r}, energy stress vs fed": c.fold(r, inputs={"ENERGY_STRESS": 1.0})
        for r in ("mTORC1_activity", "pS6K1")
    }


def _e07(c: _Cells) -> dict[str, Effect]:
    wt = c.fall("proliferation", "WT", S)
    return {
        f"proliferation fall under sorafenib, WT minus {g}": _less(
            wt, c.fall("proliferation", g, S)
        )
        for g in ("PTEN_loss", "AKT_overexpression")
    }


def _e08(c: _Cells) -> dict[str, Effect]:
    gap = c.fall("pS6K1", "WT", SIROLIMUS_MAX)[1] - c.fall("proliferation", "WT", SIROLIMUS_MAX)[1]
    return {
        "sirolimus 1 uM: proliferation spared against pS6K1's fall": (
            c.value("proliferation") * gap,
            gap,
        )
    }


def _e09(c: _Cells) -> dict[str, Effect]:
    return {
        f"{r}, everolimus vs untreated": c.fold(r, drugs=E)
        for r in ("PIP3", "pAKT_T308", "pAKT_S473")
    }


def _e10(c: _Cells) -> dict[str, Effect]:
    return {
        "RTK_total at 24 h, vistusertib vs t = 0": c.course_fold("RTK_total", V, 1440.0, 1440.0)
    }


def _e11(c: _Cells) -> dict[str, Effect]:
    return {
        "pAKT_S473, mTORC2_high vs WT": c.fold("pAKT_S473", "mTORC2_high"),
        "proliferation fall under everolimus, WT minus mTORC2_high": _less(
            c.fall("proliferation", "WT", E), c.fall("proliferation", "mTORC2_high", E)
        ),
    }


def _e12(c: _Cells) -> dict[str, Effect]:
    def advantage(g: str) -> Effect:
        return _less(c.fall("proliferation", g, V), c.fall("proliferation", g, E))

    high, wt = advantage("mTORC2_high"), advantage("WT")
    return {
        "proliferation fall, vistusertib minus everolimus, mTORC2_high": high,
        "the same, mTORC2_high minus WT (the mTORC2-specific part)": _less(high, wt),
    }


def _e13(c: _Cells) -> dict[str, Effect]:
    return {
        f"{r}, dactolisib vs untreated": c.fold(r, drugs=DACTOLISIB) for r in ("pAKT_T308", "pS6K1")
    }


def _e14(c: _Cells) -> dict[str, Effect]:
    ie, is_ = c.fall("proliferation", "WT", E), c.fall("proliferation", "WT", S)
    both = c.fall("proliferation", "WT", E | S)
    bliss = ie[1] + is_[1] - ie[1] * is_[1]
    untreated = c.value("proliferation", "WT")
    unsolved = math.isnan(ie[1]) or math.isnan(is_[1])  # `max` would skip a NaN
    better = (math.nan, math.nan) if unsolved else max(ie, is_, key=lambda x: x[1])
    return {
        "proliferation fall, combination minus the better single drug": _less(both, better),
        "Bliss excess of the proliferation fall": (
            untreated * (both[1] - bliss),
            both[1] - bliss,
        ),
    }


def _e15(c: _Cells) -> dict[str, Effect]:
    emt = {g: c.value("EMT", g) for g in ("PTEN_loss", "BCAT_active")}
    both = c.value("EMT", ["PTEN_loss", "BCAT_active"])
    best = float(np.max(list(emt.values())))  # NaN if one is unsolved (`max` skips it)
    return {"EMT, both vs best single": (both - best, both / best - 1.0)}


def _cut(*names: str) -> dict[str, Any]:
    return {"cut": list(names)}


#: Akt's two routes to mTORC1: TSC2 and, since revision 5 (models/MECHANISMS.md 2.8), PRAS40
_AKT_TO_MTORC1 = Control(
    "cut AKT -| TSC2 and AKT -| PRAS40", _cut("AKT -| TSC2", "AKT -| PRAS40"), ()
)

#: why claims 1-3's control can hardly fail to remove their mTORC1 effects
_ONLY_ROUTE = (
    "the control removes the mTORC1 effects nearly by construction: with Akt -| TSC2 and "
    "Akt -| PRAS40 cut, Akt reaches mTORC1 only through FOXO -> RTK -> RAS -> ERK, which "
    "acts against the effect (the IRS1 -> RAS route starts above PI3K)"
)

_S6K_PIP3 = ("PIP3, everolimus vs untreated", "pAKT_T308, everolimus vs untreated")

#: claim -> (its effects, its controls, what the control can and cannot show). From
#: models/MECHANISMS.md section 3.
CONTROLS: dict[int, tuple[Callable[[_Cells], dict[str, Effect]], tuple[Control, ...], str]] = {
    1: (_e01, (_AKT_TO_MTORC1,), f"the pAKT half has no control coded; {_ONLY_ROUTE}"),
    2: (
        _e02,
        (_AKT_TO_MTORC1,),
        f"the pAKT half (PIK3CA_gain) has no control coded; {_ONLY_ROUTE}",
    ),
    3: (_e03, (_AKT_TO_MTORC1,), f"the pAKT and PIP3 terms have no control coded; {_ONLY_ROUTE}"),
    4: (
        _e04,
        # 10 uM: 99 % of the Akt site at MK-2206's cellular potency (110 nM); 1 uM, 90 %,
        # leaves a tripled Akt 30 % of the WT's activity (MECHANISMS.md section 3)
        (Control("Akt blocked (MK2206 10000 nM)", {"drugs": {"MK2206": 10000.0}}, ()),),
        "rarely fails through the kinetics (0.96 of draws at sigma 0.3): any rise of "
        "pathway activity raises a positive additive index; the review's survival "
        "ordering is not tested by any number",
    ),
    5: (
        _e05,
        (
            Control("cut ERK -| TSC2", _cut("ERK -| TSC2"), ()),
            Control(
                "ERK's proliferation arm removed (w_P_ERK = 0; untreated WT proliferation 0.75)",
                {"parameters": {"w_P_ERK": 0.0}},
                tuple(_e05_fall(d) for d, _ in _E05_DRUGS),
            ),
        ),
        "the weaker response is fractional only (the absolute fall is larger with ERK "
        "co-activation) and does not travel through ERK -| TSC2 (the cut enlarges it): "
        "ERK's additive share of the index dilutes the drug-sensitive share, a "
        "normalisation effect that the second control takes away",
    ),
    6: (
        _e06,
        (
            Control(
                "cut AMPK -> TSC2 and AMPK -| mTORC1", _cut("AMPK -> TSC2", "AMPK -| mTORC1"), ()
            ),
        ),
        "cannot fail through the kinetics: AMPK is wired only to inhibit mTORC1",
    ),
    7: (
        _e07,
        (Control("cut AKT -| TSC2", _cut("AKT -| TSC2"), ()),),
        "cannot fail through the kinetics: about two thirds of the difference is a "
        "fractional fall against a higher untreated proliferation (sorafenib's absolute "
        "fall is nearly the same in the three genotypes), the rest a slightly smaller "
        "absolute fall; cutting AKT -| TSC2 leaves about half of it (models/MECHANISMS.md "
        "section 3)",
    ),
    8: (
        _e08,
        (Control("4EBP1 rapalog resistance removed", {"parameters": {"rapa_res_4EBP1": 0.0}}, ()),),
        "the IC50 order is an input: it follows the drugs' binding constants; the spread "
        "of the maximal falls is small by construction (one binding site, the potencies "
        "alone differ), and the 40 % ceiling does not bind: even a complete mTORC1 block "
        "(mTORC1 knocked out, torin1, sirolimus without 4EBP1 resistance) lowers "
        "proliferation by less than 30 % on the bundled point",
    ),
    9: (
        _e09,
        (Control("cut S6K1 -| IRS1", _cut("S6K1 -| IRS1"), ()),),
        "the review names S6K1 -| IRS1, and its cut must remove every rise, S473 included: "
        "S6K1 -| mTORC2 is at strength 0 since revision 1 (models/MECHANISMS.md section "
        "2.1), so cutting it is no control",
    ),
    10: (
        _e10,
        (Control("cut FOXO -> RTK", _cut("FOXO -> RTK"), ()),),
        "the control removes the effect by construction (FOXO is the only drug-sensitive "
        "input to RTK synthesis: RTK_total stays where it was); the rise needs a drug "
        "that lowers S473 (vistusertib, an Akt or PI3K inhibitor), while rapalogs, which "
        "raise S473, lower RTK_total",
    ),
    11: (
        _e11,
        (Control("cut mTORC2 -> AKT", _cut("mTORC2 -> AKT"), ()),),
        "the S473 half cannot fail (untreated mTORC2_high is already above WT) and the "
        "control removes the effect by construction (S473 is mTORC2's only output); the "
        "proliferation half travels through Akt -| FOXO (cutting it removes the "
        "difference) and is fractional only: treated mTORC2_high ends below treated WT",
    ),
    12: (
        _e12,
        (
            Control("mTORC2 knocked out", {"knockouts": ["mTORC2"]}, ()),
            Control(
                "4EBP1 rapalog resistance 0.05",
                {"parameters": {"rapa_res_4EBP1": 0.05}},
                ("proliferation fall, vistusertib minus everolimus, mTORC2_high",),
            ),
        ),
        "passes, but not through mTORC2: vistusertib's advantage over everolimus is no "
        "larger in mTORC2_high than in WT (the mTORC2-specific part points against the "
        "claim) and comes from its complete block of 4EBP1, whose control removes it",
    ),
    13: (
        _e13,
        (
            Control(
                "dactolisib's PI3K sites removed",
                {"parameters": _sites_removed("dactolisib", "PI3K", "PI3K_beta")},
                ("pAKT_T308, dactolisib vs untreated",),
            ),
            Control(
                "dactolisib's mTOR site removed",
                {"parameters": _sites_removed("dactolisib", "mTORC1_ATP", "mTORC2_ATP")},
                ("pS6K1, dactolisib vs untreated",),
            ),
        ),
        "cannot fail through the kinetics: at 500 nM p110alpha (0.99) and mTOR (0.96) are "
        "occupied > 95 %, p110beta 0.87 (input binding constants). The mTOR-site control "
        "cannot remove the pS6K1 fall: the PI3K block still reaches mTORC1 through Akt "
        "(pS6K1 falls by 0.46 instead of 0.97), so its 'no' says the drug acts on mTORC1 "
        "two ways, not that the fall travels another route",
    ),
    14: (
        _e14,
        (
            Control("cut ERK -| TSC2", _cut("ERK -| TSC2"), ()),
            Control("cut AKT -| TSC2", _cut("AKT -| TSC2"), ()),
        ),
        "near-additivity is built in: proliferation is an additive index of two arms; "
        "'+0.02 over the better drug' fails only where one drug does nearly nothing, and "
        "the Bliss term accepts an excess down to -0.01 (additive within 0.01)",
    ),
    15: (
        _e15,
        (Control("no cooperative EMT term", {"parameters": {"k_EMT_coop": 0.0}}, ()),),
        "the cooperative term k_EMT_coop is an assumption without a source",
    ),
}


def controls_of(model: Model, number: int) -> tuple[tuple[ControlResult, ...], str]:
    """Claim ``number``'s mechanism controls on ``model``, and its can-it-fail note."""
    effects, controls, note = CONTROLS[number]
    direction = -1 if number in FALLS else 1
    intact = effects(_Cells(model, {}))
    out = []
    for ctl in controls:
        under = effects(_Cells(model, ctl.perturbation))
        names = ctl.removes or tuple(intact)
        out.append(
            ControlResult(
                ctl.name,
                dict(ctl.perturbation),
                tuple(
                    EffectValue(
                        q,
                        float(intact[q][0]),
                        float(intact[q][1]),
                        float(under[q][0]),
                        float(under[q][1]),
                        direction,
                    )
                    for q in names
                ),
            )
        )
    return tuple(out), note
