"""`mtor-sim reproduce`: run every claim check and write figures, tables and a report."""

from __future__ import annotations

import html
import json
import math
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pandas as pd

from ._controls import REMOVED_SHARE
from ._errors import MtorSimError, check_count, wants_ensemble

if TYPE_CHECKING:  # pragma: no cover
    from ._claims import ClaimResult
    from ._model import Model

__all__ = ["Report", "reproduce"]

#: Patients of the virtual trial `reproduce` runs (seed 0); about 4 s on 2 cores.
TRIAL_PATIENTS = 1000
#: Across an ensemble, a claim passing in fewer members than this is listed with the
#: terms of its criterion that fail (the share every claim should reach).
WEAK_PASS_FRACTION = 0.9


@dataclass(frozen=True)
class Report:
    """What `reproduce` wrote, whether every claim passed, and whether every verdict is the
    documented one (the model's ``claims_expected.csv``)."""

    results: tuple[ClaimResult, ...]
    out_dir: Path
    markdown: Path
    html: Path
    table: Path
    seconds: float
    ensemble: pd.DataFrame | None = None  # claims across the ensemble (with ``ensemble=``)
    validation: pd.DataFrame | None = None  # member x validation row, 1 = hit, NaN not judged
    literature: pd.DataFrame | None = None  # validation rows at the model's own point
    trial: pd.DataFrame | None = None  # the virtual trial's arms beside the review's
    trial_orderings: pd.DataFrame | None = None  # the review's orderings, on that trial
    trial_failed: int = 0  # the trial's patient-arms without a verified steady state (NE)
    trial_failed_ensemble: int = 0  # the same, of its patients drawn on the ensemble

    @property
    def all_passed(self) -> bool:
        return all(r.passed for r in self.results)

    @property
    def all_as_expected(self) -> bool:
        """Every claim solved and gave its documented verdict (known failures included)."""
        return all(r.as_expected for r in self.results)

    @property
    def unexpected(self) -> tuple[int, ...]:
        """Claims whose verdict is not the documented one (or whose simulations failed)."""
        return tuple(r.number for r in self.results if not r.as_expected)

    @property
    def literature_hits(self) -> tuple[int, int] | None:
        """(rows that hold, rows judged) of the literature validation, if it ran."""
        return None if self.literature is None else _hits(self.literature)

    @property
    def tally(self) -> str:
        """'14 of 15 claims pass; claim 9 fails as documented; every verdict as expected'."""
        return _tally(self.results)

    def summary(self) -> pd.DataFrame:
        return pd.DataFrame(
            [
                {
                    "claim": r.number,
                    "passed": r.passed,
                    "expected_pass": r.expected_pass,
                    "as_expected": r.as_expected,
                    "verdict": r.verdict,
                    "title": r.title,
                }
                for r in self.results
            ]
        )


def _fmt(v: float) -> str:
    return f"{v:.3g}"


def reproduce(
    model: Model,
    out_dir: str | Path = "mtor_sim_output",
    *,
    formats: Sequence[str] = ("png",),
    experiments: Mapping[str, Callable[..., Sequence[Path]]] | None = None,
    progress: Callable[[int, int, str], None] | None = None,
    ensemble: Any = None,
    n_members: int | None = None,
    trial_patients: int = TRIAL_PATIENTS,
) -> Report:
    """Run the 15 claim checks and the experiments; write the report into ``out_dir``.

    ``experiments`` maps a name to a script's ``main(out, formats=...)``, which writes its
    figures into ``out/<name>/`` and returns the paths (`mtor_sim.experiments.scripts()`
    gives the package's own; ``mtor-sim reproduce`` passes them).

    ``progress(done, total, label)`` is called after each claim and each experiment;
    ``total`` counts both.

    With ``ensemble`` (``True``: the bundled calibrated ensemble; or the first
    ``n_members`` of it) the report adds each claim's pass fraction across the members,
    the fraction of members in which each term of each claim's criterion holds, and
    the validation rows' hit rate across them (``ensemble_claims.csv``,
    ``ensemble_terms.csv``, ``ensemble_members.csv``: each member's verdict on each claim,
    ``ensemble_validation.csv``). Files of an earlier run in ``out_dir`` that this one
    does not write (an ensemble's, a trial's) are removed. The claims take about 0.1 s per
    member (their steady states are solved for all members at once); the validation rows
    take longer.

    Writes ``figures/claim_NN.png`` (and one file per other format in ``formats``: each
    figure is drawn once per format), ``claims.csv`` (one row per compared number),
    ``claims.json``, ``controls.csv`` (each claim's effects intact and under its
    mechanism controls), ``experiments/<name>/`` (each experiment's figures and CSV),
    ``report.md`` and ``report.html``. For the bundled model also ``validation.csv`` (the
    literature behaviours held out of calibration, ``models/observations.csv``, judged at
    the model's own parameters) and ``trial.csv`` (a virtual trial of
    ``trial_patients`` patients, seed 0, each arm's response rate beside the review's;
    0 skips it; with ``ensemble``, the same patients drawn on its members beside them,
    columns ``ensemble_*``).
    """
    from ._claims import CLAIMS, check
    from ._expectations import EXPECTATIONS_FILE, FINDINGS_FILE, expectations_of, findings_of
    from ._plot import plot_claim, save_figure

    trial_patients = check_count(trial_patients, name="trial_patients", minimum=0)
    members = None
    if wants_ensemble(ensemble, n_members):  # checked before anything runs or is removed
        from ._ensemble import resolve_ensemble

        members = resolve_ensemble(ensemble, n=n_members)
    findings = findings_of(model)
    for name, listed in ((EXPECTATIONS_FILE, expectations_of(model)), (FINDINGS_FILE, findings)):
        unknown = sorted(set(listed) - set(CLAIMS))
        if unknown:
            raise MtorSimError(
                f"{name} beside {model.path} lists claim(s) {unknown}; the claims "
                f"are {min(CLAIMS)}-{max(CLAIMS)}"
            )
    out = Path(out_dir)
    (out / "figures").mkdir(parents=True, exist_ok=True)
    # a folder used before keeps no file of an earlier run that this one does not write
    # (an old ensemble's or trial's table beside a new report would read as current)
    for stale in (*ENSEMBLE_FILES, *TRIAL_FILES, "validation.csv"):
        (out / stale).unlink(missing_ok=True)
    start = time.perf_counter()
    results, rows = [], []
    scripts = dict(experiments or {})
    names = tuple(scripts)
    total = len(CLAIMS) + len(names)  # steps reported to ``progress``: claims, experiments
    for i, number in enumerate(CLAIMS):
        res = check(model, number)
        results.append(res)
        save_figure(plot_claim(res), out / "figures" / f"claim_{number:02d}", formats=formats)
        res.data.to_csv(out / "figures" / f"claim_{number:02d}_data.csv")
        for k, v in res.numbers.items():
            rows.append(
                {
                    "claim": number,
                    "title": res.title,
                    "quantity": k,
                    "value": v,
                    "criterion": res.criterion,
                    "passed": res.passed,
                    "expected_pass": res.expected_pass,
                }
            )
        if progress:
            progress(i + 1, total, res.title)
    figures: list[Path] = []
    for j, (name, run) in enumerate(scripts.items()):
        figures += [
            Path(p)
            for p in run(out / "experiments", formats=tuple(formats))
            if Path(p).suffix == ".png"
        ]
        if progress:
            progress(len(CLAIMS) + j + 1, total, f"experiment {name}")
    ens_table = hits = None
    made_by: dict[str, Any] = {}
    if members is not None:
        from ._claims import check_ensemble
        from ._ensemble import validation_hits

        made_by = dict(members.attrs.get("made_by") or {})
        ens_table = check_ensemble(model, members)
        hits = validation_hits(model, members)
        made_by["which"] = members.attrs.get("which")
        if made_by.get("made_by"):  # the shipped ensemble, or rows of it: which ones
            from ._ensemble import load_ensemble

            shipped = load_ensemble(made_by["which"] or "all")
            made_by["n_shipped"] = len(shipped)
            made_by["prefix"] = list(members.index) == list(shipped.index[: len(members)])
        ens_table.to_csv(out / "ensemble_claims.csv", index=False)
        ens_table.attrs["terms"].to_csv(out / "ensemble_terms.csv", index=False)
        # each member's verdict on each claim: the all-15 fraction recomputes from it
        ens_table.attrs["passed"].to_csv(out / "ensemble_members.csv", index_label="draw")
        hits.to_csv(out / "ensemble_validation.csv", index_label="draw")
    literature = trial = orderings = None
    trial_failed = trial_failed_ensemble = 0
    if model.is_bundled:
        literature = _literature(model)
        literature.to_csv(out / "validation.csv", index=False)
        if trial_patients:
            from ._trial import trial as run_trial
            from ._trial import trial_claims

            # ~67 steady states per patient (arms x phases of their dosing cycles), on
            # every core: the rates do not depend on the backend
            arms = run_trial(model, n=trial_patients, seed=0, backend="processes", progress=False)
            trial = arms.compare_with_review()
            trial_failed = arms.n_failed
            orderings = trial_claims(arms)
            if members is not None:  # the same patients, each drawn on a member
                on = run_trial(
                    model,
                    n=trial_patients,
                    seed=0,
                    ensemble=members,
                    backend="processes",
                    progress=False,
                )
                trial, orderings = _beside(trial, orderings, on, trial_claims(on))
                trial_failed_ensemble = on.n_failed
            trial.to_csv(out / "trial.csv", index=False)
            orderings.to_csv(out / "trial_orderings.csv", index=False)
    seconds = time.perf_counter() - start
    table = out / "claims.csv"
    pd.DataFrame(rows).to_csv(table, index=False)
    pd.DataFrame(
        [
            {"claim": r.number, "control": c.name, **x.to_dict()}
            for r in results
            for c in r.controls
            for x in c.effects
        ]
    ).to_csv(out / "controls.csv", index=False)
    from ._protocol import json_safe
    from ._results import provenance

    meta = {
        **provenance(model, method="guarded steady states and cvode time courses"),
        "seconds": seconds,
    }
    (out / "claims.json").write_text(
        json.dumps(
            json_safe({"metadata": meta, "claims": [r.to_dict() for r in results]}),
            indent=2,
            allow_nan=False,
        )
    )
    md = out / "report.md"
    rel = [p.relative_to(out).as_posix() for p in figures]
    ens_md = _ensemble_markdown(ens_table, hits, findings, made_by) if ens_table is not None else ""
    if literature is not None:
        ens_md += _literature_markdown(literature, hits)
    if trial is not None:
        ens_md += _trial_markdown(
            trial, trial_patients, orderings, trial_failed, trial_failed_ensemble
        )
    md.write_text(
        _markdown(results, meta)
        + ens_md
        + "".join(f"\n## Experiment: {Path(r).stem}\n\n![{Path(r).stem}]({r})\n" for r in rel)
    )
    page = out / "report.html"
    ens_html = _sections_html(ens_md)
    page.write_text(
        _html(results, meta).replace(
            "</body></html>",
            ens_html
            + "".join(
                f"<h2>Experiment: {html.escape(Path(r).stem)}</h2><img src='{r}'>" for r in rel
            )
            + "</body></html>",
        )
    )
    return Report(
        tuple(results),
        out,
        md,
        page,
        table,
        seconds,
        ens_table,
        hits,
        literature,
        trial,
        orderings,
        trial_failed,
        trial_failed_ensemble,
    )


def _literature(model: Model) -> pd.DataFrame:
    """The validation rows of ``models/observations.csv`` (held out of calibration),
    judged at the model's own parameters: one row each, with its source and outcome."""
    from ._observations import load_observations, load_validation_findings, validate

    rows = load_observations("validation")
    judged = pd.DataFrame(validate(model, rows))
    info = pd.DataFrame(rows)[["id", "source", "condition", "readout", "notes"]]
    table = judged.merge(info, on="id", how="left", suffixes=("", "_row"))
    findings = load_validation_findings()
    table["why"] = [findings.get(i, ("", ""))[0] for i in table["id"]]
    table["why_source"] = [findings.get(i, ("", ""))[1] for i in table["id"]]
    return table


def _hits(table: pd.DataFrame) -> tuple[int, int]:
    from ._observations import hit_rate

    return hit_rate(table.to_dict("records"))


def _literature_markdown(table: pd.DataFrame, members: pd.DataFrame | None = None) -> str:
    """The validation rows at the model's own point: the hit rate, and each miss with
    its fold, threshold, why it fails (``models/validation_findings.csv``; "not
    explained" where the table has no row) and, given the ensemble's ``members`` (member
    x row, 1 = hit), the share of members in which it holds."""
    from ._ensemble import row_hit_rates
    from ._observations import MISSES

    held = row_hit_rates(members) if members is not None else pd.Series(dtype=float)
    hits, n_judged = _hits(table)
    if not n_judged:
        return "\n## Literature behaviours held out of calibration\n\nNo row can be judged.\n"
    misses = table[table["status"].isin(MISSES)]
    lines = [
        "",
        "## Literature behaviours held out of calibration",
        "",
        f"{hits} of {n_judged} hold at the model's parameters ({hits / n_judged:.0%})"
        + (
            f"; {len(table) - n_judged} rows cannot be expressed in the model"
            if len(table) > n_judged
            else ""
        )
        + ". Each row's threshold was written in `models/observations.csv` before it was "
        "run; rows that fail are listed with the model's fold change against the threshold "
        "and why they fail, from `models/validation_findings.csv` (`validation.csv` has "
        "every row)"
        + (
            ", with the share of the ensemble's members in which each holds."
            if members is not None
            else "."
        ),
        "",
        "| row | source | behaviour | model fold | threshold | outcome |"
        + (" holds in members |" if members is not None else "")
        + " why it fails |",
        "|---|---|---|---|---|---|" + ("---|" if members is not None else "") + "---|",
    ]
    for r in misses.to_dict("records"):
        why = r.get("why") if isinstance(r.get("why"), str) else ""
        why = f"{why} ({r['why_source']})" if why else "*not explained*"
        share = ""
        if members is not None:
            share = f" {_fmt(held[r['id']])} |" if r["id"] in held else " - |"
        lines.append(
            f"| {r['id']} | {r['source']} | {_cell(str(r['relation']))} | {_fmt(r['fold'])} "
            f"| {r.get('op', '')} {_fmt(r['rhs'])} | {r['status']} |{share} {_cell(why)} |"
        )
    stale = [
        r["id"]
        for r in table.to_dict("records")
        if r["status"] not in MISSES and isinstance(r.get("why"), str) and r["why"]
    ]
    if stale:
        lines += [
            "",
            "Rows that do not fail but still carry a failure explanation (stale): "
            + ", ".join(stale)
            + ".",
        ]
    return "\n".join(lines) + "\n"


def _beside(
    trial: pd.DataFrame, orderings: pd.DataFrame, on: Any, on_orderings: pd.DataFrame
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The trial's comparison and orderings with those of its patients drawn on the
    ensemble's members beside them (columns ``ensemble_*``)."""
    theirs = on.compare_with_review().set_index("comparison")
    cols = ["simulated", "simulated_low", "simulated_high", "simulated_95CI", "gap", "explanation"]
    trial = trial.join(theirs[cols].add_prefix("ensemble_"), on="comparison")
    by_claim = on_orderings.set_index("claim")[["passed", "verdict", "numbers"]].add_prefix(
        "ensemble_"
    )
    return trial, orderings.join(by_claim, on="claim")


def _trial_markdown(
    table: pd.DataFrame,
    patients: int,
    orderings: pd.DataFrame | None = None,
    failed: int = 0,
    failed_ensemble: int = 0,
) -> str:
    lines = [
        "",
        "## Virtual trial beside the review",
        "",
        f"{patients} virtual patients per arm (seed 0; `mtor_sim.trial`, see the model "
        "card's trial section). Each arm gives its regimen's dose schedule: the drugs' "
        "published clinical PK, unbound concentrations over the steady dosing cycle, "
        "scaled per patient by the measured spread of exposure where a source gives one "
        "(everolimus, sorafenib; the model card's trial section); potencies measured "
        "in serum-containing culture act as unbound ones (an assumed 10 % serum). The "
        "cell turnover was fitted to sorafenib's rates by p-mTOR status alone; no other "
        "rate was fitted. A gap is marked where the review's rate lies outside the "
        "simulated 95 % interval, and explained below the table.",
    ]
    ens = "ensemble_simulated" in table.columns
    if ens:
        lines += [
            "",
            'The three columns from "on the ensemble" run the same patients drawn on '
            "the calibrated ensemble's members (`trial(..., ensemble=...)`: each patient's "
            "multipliers act on a random member's values), so the parameters' uncertainty "
            "reaches the rates; the turnover stays the one fitted on the bundled point.",
        ]
    lines += [
        "",
        "| comparison | review (%) | simulated (%) | 95 % interval | gap |"
        + (" on the ensemble (%) | 95 % interval | gap |" if ens else "")
        + " randomized trial (%) |",
        "|---|---|---|---|---|" + ("---|---|---|" if ens else "") + "---|",
    ]
    why = []
    for r in table.to_dict("records"):
        review, low, high = r["review"], r["simulated_low"], r["simulated_high"]
        known = review == review  # not NaN
        gap = str(r.get("gap", ""))
        if known and not (low == low and high == high):  # no evaluable patient in this arm
            gap = "no data"
        shown = f"**{gap}**" if gap in ("above", "below") else gap
        name = str(r["comparison"]).removeprefix("ORR, ")
        theirs = str(r.get("ensemble_gap") or "")
        if gap in ("above", "below") and r.get("explanation"):
            why.append(f"- {name} ({gap}): {r['explanation']}")
        elif theirs in ("above", "below"):
            why.append(
                f"- {name} (on the ensemble only, {theirs}): not analysed; the cell turnover "
                "was fitted on the bundled point's patients and not refitted on the "
                "ensemble's, which may account for it; "
                f"{r.get('ensemble_explanation') or ''}".rstrip("; ")
            )
        row = (
            f"| {r['comparison']} | {'' if not known else f'{review:g}'} | "
            f"{r['simulated']:.1f} | {r['simulated_95CI']} | {shown} |"
        )
        if ens:
            row += (
                f" {r['ensemble_simulated']:.1f} | {r['ensemble_simulated_95CI']} | "
                f"{f'**{theirs}**' if theirs in ('above', 'below') else theirs} |"
            )
        rate = r.get("trial_rate", math.nan)
        row += f" {f'{rate:g}: ' + _cell(str(r['trial'])) if rate == rate else ''} |"
        lines.append(row)
    if table.get("trial_rate") is not None and table["trial_rate"].notna().any():
        lines += [
            "",
            "Randomized trials of the same drugs (the catalogue's "
            "`[review.randomized_trials]`, with sources) are shown for scale: their "
            "regimens and settings differ from the arms'.",
        ]
    if why:
        lines += ["", "Why the gaps remain:", "", *why]
    if failed:
        lines += [
            "",
            f"**{failed} patient-arm(s) without a verified steady state** are counted as not "
            "evaluable (NE); their rows in the trial's table carry their status.",
        ]
    if failed_ensemble:
        lines += [
            "",
            f"**On the ensemble, {failed_ensemble} patient-arm(s) without a verified steady "
            "state** are counted as not evaluable (NE); that run's patients are not written "
            "(`trial(..., ensemble=...)` gives them).",
        ]
    if orderings is not None and len(orderings):
        lines += [
            "",
            "What the trial claims, the review's orderings between arms and strata "
            "(`trial_orderings.csv`; `mtor_sim.trial_claims`):",
            "",
            *_orderings_markdown(orderings),
        ]
    return "\n".join(lines) + "\n"


def _orderings_markdown(orderings: pd.DataFrame) -> list[str]:
    """The trial's orderings as a Markdown table (on the ensemble too, when run)."""
    from ._trial import ORDERING_ALPHA

    ens = "ensemble_verdict" in orderings.columns
    shown = lambda v: v if v == "holds" else f"**{v}**"  # noqa: E731
    return [
        "| ordering | verdict | numbers |" + (" on the ensemble | numbers |" if ens else ""),
        "|---|---|---|" + ("---|---|" if ens else ""),
        *(
            f"| {o['claim']} | {shown(o['verdict'])} | {o['numbers']} |"
            + (f" {shown(o['ensemble_verdict'])} | {o['ensemble_numbers']} |" if ens else "")
            for o in orderings.to_dict("records")
        ),
        "",
        "An ordering holds when the trial separates it from no difference (one-sided exact "
        f"tests at {ORDERING_ALPHA:g}: McNemar's between arms, which share their patients, "
        "Fisher's between strata); \"not resolved\": the trial's size cannot tell. The "
        "sorafenib rates by p-mTOR status are the growth layer's fitted target "
        "(`models/calibrate_trial.py`), so that ordering is not a test.",
    ]


#: what `reproduce` writes with an ensemble, and with a trial
ENSEMBLE_FILES = (
    "ensemble_claims.csv",
    "ensemble_terms.csv",
    "ensemble_members.csv",
    "ensemble_validation.csv",
)
TRIAL_FILES = ("trial.csv", "trial_orderings.csv")


def _ensemble_markdown(
    claims: pd.DataFrame,
    hits: pd.DataFrame | None,
    findings: Mapping[int, tuple[str, str]] | None = None,
    made_by: Mapping[str, Any] | None = None,
) -> str:
    """The claims across an ensemble's members; ``made_by`` is the bundled ensemble's
    recipe (``models/ensemble.json``), absent for an ensemble the caller gave."""
    n = int(claims["n_members"].iloc[0])
    whole_default = False  # the whole shipped `all` ensemble, for which the findings hold
    if made_by and made_by.get("made_by") and made_by.get("method"):
        which = made_by.get("which") or "all"
        keep = made_by.get("keep")
        method = str(made_by["method"])
        if keep is not None:
            method = method.replace("`keep`", f"{keep}")
        kind = (made_by.get("ensembles") or {}).get(which, "")
        total = made_by.get("n_shipped")
        if total is None or n == total:
            first = ""
        elif made_by.get("prefix"):
            first = f"the first {n} of its {total} members; "
        else:
            first = f"{n} of its {total} members, as the caller chose them; "
        whole_default = which == "all" and (total is None or n == total)
        source = (
            f"{first}the `{which}` ensemble of `models/ensemble.csv`"
            + (f" ({kind})" if kind else "")
            + f", made by `{made_by['made_by']}`: {method}"
        )
    else:
        source = "an ensemble given by the caller"
    lines = [
        "",
        "## Across the calibrated ensemble",
        "",
        f"{n} parameter sets ({source}); thresholds as above.",
        "",
        "| # | claim | pass fraction | bundled point | effect shown | controls remove it "
        "(of those) | passes, control removing it | effect | absolute, 5-50-95 % | "
        "relative, 5-50-95 % |",
        "|---|---|---|---|---|---|---|---|---|---|",
    ]
    for c in claims.to_dict("records"):
        absolute = ", ".join(_fmt(c[f"absolute_q{q}"]) for q in ("05", "50", "95"))
        relative = ", ".join(_fmt(c[f"relative_q{q}"]) for q in ("05", "50", "95"))
        lines.append(
            f"| {c['claim']} | {_cell(c['title'])} | {fraction(c['pass_fraction'])} | "
            f"{'PASS' if c['passed_bundled'] else 'FAIL'} | "
            f"{fraction(c['effect_present_fraction'])} | "
            f"{fraction(c['control_removes_fraction'])} | "
            f"{fraction(c['mechanism_pass_fraction'])} | {_cell(c['effect'])} | "
            f"{absolute} | {relative} |"
        )
    lines += ["", f"All 15 together: {fraction(claims.attrs['all_pass_fraction'])} of members."]
    unsolved = claims[claims["n_not_solved"] > 0]
    if len(unsolved):
        lines += [
            "",
            "Members in which a claim's steady states or time courses were not all solved "
            "(counted as fails; left out of its effect quantiles): "
            + ", ".join(
                f"claim {c} {k}"
                for c, k in zip(unsolved["claim"], unsolved["n_not_solved"], strict=True)
            )
            + ".",
        ]
    shipped = None
    if made_by and made_by.get("made_by") and not whole_default:
        shipped = made_by.get("keep")  # the findings are for the `all` ensemble's members
    lines += _weak_claims(claims, findings, shipped)
    if hits is not None and not hits.empty:
        from ._ensemble import member_hit_rates

        per = member_hit_rates(hits)
        lines += [
            "",
            f"Validation rows held out of the calibration ({hits.shape[1]} rows): "
            f"hit rate {per.mean():.2f} across members (5-95 %: "
            f"{per.quantile(0.05):.2f}-{per.quantile(0.95):.2f}){not_judged(hits)}.",
        ]
    return "\n".join(lines) + "\n"


def not_judged(hits: pd.DataFrame) -> str:
    """What a hit rate across members says of the member-rows it could not judge."""
    k = int(hits.isna().to_numpy().sum())
    if not k:
        return ""
    return (
        f"; {k} member-row(s) not judged (a steady state not solved, or a zero reference), "
        "counted as misses"
    )


def _weak_claims(
    claims: pd.DataFrame,
    findings: Mapping[int, tuple[str, str]] | None = None,
    shipped: Any = None,
) -> list[str]:
    """Each claim passing in fewer than `WEAK_PASS_FRACTION` of members, with the terms
    of its criterion that hold in fewer than that share (which part of the claim fails)
    and, where the model documents one, what its analyses found (``findings``: claim ->
    (finding, source), the model's ``claims_findings.csv``)."""
    weak = claims[claims["pass_fraction"] < WEAK_PASS_FRACTION]
    if weak.empty:
        return []
    findings = findings or {}
    terms = claims.attrs["terms"]
    lines = [
        "",
        f"Claims passing in fewer than {WEAK_PASS_FRACTION * 100:g} % of members, with the terms "
        "of their criterion that hold in fewer than that share (the fraction of members "
        "in which each holds) and what the model's analyses found (its "
        "`claims_findings.csv`, with the source of each finding"
        + (
            f"; its numbers are for all {shipped} members of the shipped `all` ensemble, "
            "not for this run's"
            if shipped
            else ""
        )
        + "):",
        "",
    ]
    for c in weak.to_dict("records"):
        mine = terms[(terms["claim"] == c["claim"]) & (terms["hold_fraction"] < WEAK_PASS_FRACTION)]
        failing = "; ".join(
            f"{t['term']} {t['hold_fraction']:.2f}"
            for t in mine.sort_values("hold_fraction", kind="stable").to_dict("records")
        )
        finding, source = findings.get(int(c["claim"]), ("", ""))
        lines.append(
            f"- claim {c['claim']} ({fraction(c['pass_fraction'])}): "
            + (failing or "no single term below; the terms fail in different members")
            + (f". **Found:** {finding} ({source})" if finding else ". No finding documented")
        )
    return lines


def _inline_html(text: str) -> str:
    """Escaped text with the Markdown our sections use: **bold** and `code`."""
    import re

    out = html.escape(text.replace("\\|", "|"))
    out = re.sub(r"\*\*(.+?)\*\*", r"<b>\1</b>", out)
    return re.sub(r"`(.+?)`", r"<code>\1</code>", out)


def _sections_html(md: str) -> str:
    """The report's appended Markdown sections (ensemble, literature, trial) as HTML:
    headings, paragraphs, lists and tables."""
    import re

    parts: list[str] = []
    rows: list[list[str]] = []
    items: list[str] = []

    def flush() -> None:
        if items:
            parts.append("<ul>" + "".join(f"<li>{_inline_html(i)}</li>" for i in items) + "</ul>")
            items.clear()
        if rows:
            head, *body = rows
            parts.append(
                "<table><tr>"
                + "".join(f"<th>{_inline_html(c)}</th>" for c in head)
                + "</tr>"
                + "".join(
                    "<tr>" + "".join(f"<td>{_inline_html(c)}</td>" for c in r) + "</tr>"
                    for r in body
                )
                + "</table>"
            )
            rows.clear()

    for line in md.splitlines():
        if line.startswith("|"):
            if items:
                flush()
            cells = [c.strip() for c in re.split(r"(?<!\\)\|", line.strip()[1:-1])]
            if not all(set(c) <= {"-", ":"} for c in cells):  # not the separator row
                rows.append(cells)
            continue
        if line.startswith("- "):
            if rows:
                flush()
            items.append(line[2:])
            continue
        flush()
        if line.startswith("## "):
            parts.append(f"<h2>{_inline_html(line[3:])}</h2>")
        elif line.strip():
            parts.append(f"<p>{_inline_html(line)}</p>")
    flush()
    return "\n".join(parts)


def fraction(x: float) -> str:
    """A share as the report shows it: two decimals, three where two would round it onto
    1.00 or 0.90 from below (one member of 250 failing claim 4 read 1.00), or NaN."""
    if x != x:  # NaN
        return "NaN"
    shown = f"{x:.2f}"
    if shown in ("1.00", "0.90") and x < float(shown):
        return f"{math.floor(x * 1000) / 1000:.3f}"  # 0.9996 is 0.999, not 1.000
    return shown


def _cell(text: str) -> str:
    return text.replace("|", "\\|")  # a pipe inside a table cell ("S6K1 -| IRS1")


def _removes(r: ClaimResult) -> str:
    return "yes" if r.controls_remove_effect else "**no**"


def _controls_markdown(r: ClaimResult) -> list[str]:
    lines = [
        "",
        f"**Mechanism controls** (remove the effect: {_removes(r)})"
        + (f". Note: {r.note}." if r.note else ""),
        "",
        "| control | effect | absolute | relative | under the control: absolute "
        "| relative | removed |",
        "|---|---|---|---|---|---|---|",
    ]
    lines += [
        f"| {_cell(c.name)} | {_cell(e.quantity)} | {_fmt(e.absolute)} | {_fmt(e.relative)} | "
        f"{_fmt(e.control_absolute)} | {_fmt(e.control_relative)} | "
        f"{e.verdict} |"
        for c in r.controls
        for e in c.effects
    ]
    return lines


def _tally(results: Sequence[ClaimResult]) -> str:
    """'14 of 15 claims pass; claim 9 fails as documented; every verdict as expected; in
    claims 4, 5 the mechanism control does not remove the effect'."""
    n_pass = sum(r.passed for r in results)
    text = f"{n_pass} of {len(results)} claims pass"
    known = [r.number for r in results if not r.passed and r.as_expected]
    if known:
        text += f"; {_numbers(known)} {'fails' if len(known) == 1 else 'fail'} as documented"
    odd = [r.number for r in results if not r.as_expected]
    text += f"; unexpected verdict: {_numbers(odd)}" if odd else "; every verdict as expected"
    # a pass whose effect survives the control is not a pass through the review's mechanism
    elsewhere = [r.number for r in results if r.passed and not r.controls_remove_effect]
    if elsewhere:
        text += f"; in {_numbers(elsewhere)} the mechanism control does not remove the effect"
    return text


def _numbers(numbers: Sequence[int]) -> str:
    return ("claim " if len(numbers) == 1 else "claims ") + ", ".join(map(str, numbers))


#: the report's opening paragraphs, in both its Markdown and its HTML
_INTRO = (
    "A claim documented to fail (the model's `claims_expected.csv`, with the reason) "
    "is shown as FAILS (expected: ...); any other failure, and a documented failure "
    "that passes, is an unexpected verdict.",
    "Review: Wang H. Mammalian Target of Rapamycin (mTOR) in Hepatocellular Carcinoma. "
    "Medi Clin Case Rep J 2025;3(3):1083-1085.",
    "Each claim carries its mechanism control: the cut, knockout or drug-site change "
    "that must remove the claim's effect if the effect travels the route the review "
    f"names. A control removes an effect when at most {REMOVED_SHARE:.0%} of the intact "
    "relative effect is left (a rule fixed in `mtor_sim/_controls.py` before any number "
    "was computed).",
)


def _markdown(results: list[ClaimResult], meta: dict) -> str:
    lines = [
        "# mtor_sim: reproduction of the review's claims",
        "",
        f"Model `{meta['model']}` (hash `{meta['model_hash']}`), mtor_sim "
        f"{meta['package_version']}; {_tally(results)} ({meta['seconds']:.1f} s).",
        "",
        *(x for p in _INTRO for x in (p, "")),
        "| # | claim | review source | result | controls remove the effect |",
        "|---|---|---|---|---|",
    ]
    for r in results:
        lines.append(
            f"| {r.number} | {_cell(r.title)} | {_cell(r.source)} | "
            f"{_cell(r.verdict) if r.as_expected and r.passed else f'**{_cell(r.verdict)}**'} | "
            f"{_removes(r)} |"
        )
    for r in results:
        lines += [
            "",
            f"## Claim {r.number}: {r.title}",
            "",
            f"- **Review:** {r.source}",
            f"- **Simulated:** {r.simulated}",
            f"- **Criterion:** {r.criterion}",
            f"- **Result:** {_cell(r.verdict)}",
            "",
            "| quantity | model |",
            "|---|---|",
        ]
        lines += [f"| {_cell(k)} | {_fmt(v)} |" for k, v in r.numbers.items()]
        if r.review:
            lines += ["", "| the review reports | value |", "|---|---|"]
            lines += [f"| {_cell(k)} | {_cell(str(v))} |" for k, v in r.review.items()]
        lines += _controls_markdown(r)
        lines += ["", f"![claim {r.number}](figures/claim_{r.number:02d}.png)"]
    return "\n".join(lines) + "\n"


def _html(results: list[ClaimResult], meta: dict) -> str:
    e = html.escape
    parts = [
        "<!doctype html><html><head><meta charset='utf-8'>",
        "<title>mtor_sim: reproduction of the review's claims</title>",
        "<style>body{font-family:sans-serif;max-width:980px;margin:2em auto;line-height:1.4}"
        "table{border-collapse:collapse;margin:.6em 0}td,th{border:1px solid #ccc;"
        "padding:3px 8px;text-align:left}.pass{color:#1a7f37;font-weight:bold}"
        ".fail{color:#c00;font-weight:bold}img{max-width:100%}</style></head><body>",
        "<h1>mtor_sim: reproduction of the review's claims</h1>",
        f"<p>Model <code>{e(meta['model'])}</code> (hash <code>{e(meta['model_hash'])}</code>), "
        f"mtor_sim {e(meta['package_version'])}: <b>{e(_tally(results))}</b> "
        f"({meta['seconds']:.1f} s).</p>",
        *(f"<p>{_inline_html(p)}</p>" for p in _INTRO),
        "<table><tr><th>#</th><th>claim</th><th>review source</th><th>result</th>"
        "<th>controls remove the effect</th></tr>",
    ]
    for r in results:
        cls, word = ("pass" if r.passed else "fail"), e(r.verdict)
        parts.append(
            f"<tr><td><a href='#c{r.number}'>{r.number}</a></td><td>{e(r.title)}</td>"
            f"<td>{e(r.source)}</td><td class='{cls}'>{word}</td>"
            f"<td>{_inline_html(_removes(r))}</td></tr>"
        )
    parts.append("</table>")
    for r in results:
        cls, word = ("pass" if r.passed else "fail"), e(r.verdict)
        parts += [
            f"<h2 id='c{r.number}'>Claim {r.number}: {e(r.title)} "
            f"<span class='{cls}'>{word}</span></h2>",
            f"<p><b>Review:</b> {e(r.source)}<br><b>Simulated:</b> {e(r.simulated)}<br>"
            f"<b>Criterion:</b> {e(r.criterion)}</p>",
            "<table><tr><th>quantity</th><th>model</th></tr>",
        ]
        parts += [f"<tr><td>{e(k)}</td><td>{_fmt(v)}</td></tr>" for k, v in r.numbers.items()]
        parts.append("</table>")
        parts.append(
            f"<p><b>Mechanism controls</b> (remove the effect: "
            f"{'yes' if r.controls_remove_effect else '<b>no</b>'})"
            + (f". Note: {e(r.note)}." if r.note else "")
            + "</p><table><tr><th>control</th><th>effect</th><th>absolute</th>"
            "<th>relative</th><th>under the control: absolute</th><th>relative</th>"
            "<th>removed</th></tr>"
        )
        parts += [
            f"<tr><td>{e(c.name)}</td><td>{e(x.quantity)}</td><td>{_fmt(x.absolute)}</td>"
            f"<td>{_fmt(x.relative)}</td><td>{_fmt(x.control_absolute)}</td>"
            f"<td>{_fmt(x.control_relative)}</td><td>{x.verdict}</td></tr>"
            for c in r.controls
            for x in c.effects
        ]
        parts.append("</table>")
        if r.review:
            parts.append("<table><tr><th>the review reports</th><th>value</th></tr>")
            parts += [f"<tr><td>{e(k)}</td><td>{e(str(v))}</td></tr>" for k, v in r.review.items()]
            parts.append("</table>")
        parts.append(f"<img src='figures/claim_{r.number:02d}.png' alt='claim {r.number}'>")
    parts.append("</body></html>")
    return "\n".join(parts) + "\n"
