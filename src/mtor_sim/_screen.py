"""In-silico knockout screens: every node knockout and every interaction cut."""

from __future__ import annotations

import itertools
import warnings
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal, overload

import numpy as np
import pandas as pd

from ._backends import conditions_from, run_conditions
from ._errors import check_count, check_flag, check_name, check_names, wants_ensemble
from ._options import RunOptions, resolve_run
from ._perturb import (
    KNOCKOUT_MODES,
    Perturbation,
    baseline_name,
    knockout_label,
    knockout_name,
    make_perturbation,
)
from ._protocol import BatchResult
from ._sweep import _readouts

if TYPE_CHECKING:  # pragma: no cover
    from matplotlib.figure import Figure

    from ._model import Model

__all__ = ["KnockoutScreen", "knockout_screen"]

BASELINE = "baseline"


@dataclass(frozen=True)
class KnockoutScreen(BatchResult):
    """Readouts after each knockout or cut, next to the unperturbed baseline.

    Attributes
    ----------
    table : DataFrame
        One row per condition: ``target`` (e.g. ``"AKT KO"``, ``"cut S6K1 -| IRS1"``),
        ``kind`` (baseline, node, interaction, pair), the readouts, ``status``,
        ``max_rate`` and ``message``. The first row is the baseline.
    readouts : tuple of str
    baseline_label : str
        The background perturbation every row shares (e.g. ``"PTEN_loss"``).
    settings : dict
    """

    table: pd.DataFrame
    readouts: tuple[str, ...]
    baseline_label: str
    model_name: str
    settings: dict[str, Any] = field(default_factory=dict)

    @property
    def baseline(self) -> pd.Series:
        """Readouts of the baseline (no knockout)."""
        row = self.table[self.table["kind"] == BASELINE].iloc[0]
        return row[list(self.readouts)].astype(float)

    def _outcomes(self) -> tuple[int, dict[str, int]]:
        return self._count(self.table["status"])

    def to_dataframe(self) -> pd.DataFrame:
        return self.table.copy()

    def log2_fold_change(self) -> pd.DataFrame:
        """log2(readout / baseline) per target (rows) and readout (columns).

        NaN where the condition (or the baseline) did not reach a verified steady state;
        -inf where a readout falls to zero (a knocked-out protein's fraction), +inf where
        it rises from a zero baseline, 0 where it is zero in both. Values below the
        integrator's absolute tolerance (1e-12) count as zero: a species at 1e-33 is zero
        to the solver, not a fold change of 2^-100. NaN for a readout below zero at the
        baseline (a rule such as ``X - 2``): a fold change of a signed quantity is not
        defined (it read -inf, "falls to zero", where it did not change).
        """
        from ._engine import ATOL

        t = self.table[self.table["kind"] != BASELINE].set_index("target")
        values = t[list(self.readouts)].astype(float).mask(lambda v: v.abs() < ATOL, 0.0)
        base = np.where(np.abs(self.baseline.to_numpy()) < ATOL, 0.0, self.baseline.to_numpy())
        with np.errstate(divide="ignore", invalid="ignore"):
            lfc = np.log2(np.maximum(values.to_numpy(), 0.0) / base)
        lfc[
            ~np.isfinite(lfc)
            & np.isfinite(values.to_numpy())
            & (values.to_numpy() <= 0)
            & (base > 0)
        ] = -np.inf
        lfc[(values.to_numpy() == 0) & (base == 0)] = 0.0  # zero before and after: no change
        lfc[:, base < 0] = np.nan
        lfc[(t["status"] != "ok").to_numpy()] = np.nan
        if (self.table.loc[self.table["kind"] == BASELINE, "status"] != "ok").any():
            lfc[:] = np.nan  # no verified baseline: no fold change is meaningful
        return pd.DataFrame(lfc, index=values.index, columns=values.columns)

    def top(self, readout: str, n: int = 10) -> pd.DataFrame:
        """The ``n`` targets that change ``readout`` most (by |log2 fold change|)."""
        check_name(readout, self.readouts, kind="readout")
        n = check_count(n, name="n")  # a negative n sliced off the last targets instead
        lfc = self.log2_fold_change()[readout]
        order = lfc.abs().sort_values(ascending=False, na_position="last").index[:n]
        return pd.DataFrame(
            {
                "log2_fold_change": lfc[order],
                "value": self.table.set_index("target").loc[order, readout],
            }
        )

    def plot(self, readouts: Sequence[str] | str | None = None, *, max_rows: int = 60) -> Figure:
        """Heatmap of log2 fold changes of ``readouts`` (one name or a list; default all
        the screen recorded); failed conditions hatched."""
        from ._plot import plot_knockout_screen

        max_rows = check_count(max_rows, name="max_rows")
        return plot_knockout_screen(self, readouts, max_rows=max_rows)


def _once(resolved: list[str], given: list[str], what: str) -> list[str]:
    """``resolved`` (the targets ``given`` name) with each target once, in first-named
    order; a warning names the ones given twice ("raptor" and "mTORC1" are one complex:
    its knockout was screened, and ranked, twice)."""
    seen: dict[str, list[str]] = {}
    for target, name in zip(resolved, given, strict=True):
        seen.setdefault(target, []).append(name)
    twice = {t: names for t, names in seen.items() if len(names) > 1}
    if twice:
        said = "; ".join(
            f"{' and '.join(map(repr, names))} are {t!r}" for t, names in twice.items()
        )
        warnings.warn(
            f"`{what}` names a target more than once ({said}): screened once",
            UserWarning,
            stacklevel=3,
        )
    return list(seen)


@overload
def knockout_screen(
    model: Model,
    readouts: Sequence[str] | str | None = ...,
    *,
    nodes: Sequence[str] | None = ...,
    interactions: Sequence[str] | None = ...,
    pairs: bool = ...,
    knockout_mode: str = ...,
    ensemble: Literal[False] | None = ...,
    n_members: int | None = ...,
    run: RunOptions | Mapping[str, Any] | None = ...,
    backend: str | None = ...,
    n_workers: int | None = ...,
    scheduler: str | None = ...,
    out: str | Path | None = ...,
    progress: bool | None = ...,
    **perturbation: Any,
) -> KnockoutScreen: ...


@overload
def knockout_screen(
    model: Model,
    readouts: Sequence[str] | str | None = ...,
    *,
    nodes: Sequence[str] | None = ...,
    interactions: Sequence[str] | None = ...,
    pairs: bool = ...,
    knockout_mode: str = ...,
    ensemble: Literal[True] | str | pd.DataFrame,
    n_members: int | None = ...,
    run: RunOptions | Mapping[str, Any] | None = ...,
    backend: str | None = ...,
    n_workers: int | None = ...,
    scheduler: str | None = ...,
    out: str | Path | None = ...,
    progress: bool | None = ...,
    **perturbation: Any,
) -> pd.DataFrame: ...


def knockout_screen(
    model: Model,
    readouts: Sequence[str] | str | None = None,
    *,
    nodes: Sequence[str] | None = None,
    interactions: Sequence[str] | None = None,
    pairs: bool = False,
    knockout_mode: str = "remove",
    ensemble: Any = None,
    n_members: int | None = None,
    run: RunOptions | Mapping[str, Any] | None = None,
    backend: str | None = None,
    n_workers: int | None = None,
    scheduler: str | None = None,
    out: str | Path | None = None,
    progress: bool | None = None,
    **perturbation: Any,
) -> KnockoutScreen | pd.DataFrame:
    """Knock out every node and cut every interaction, one at a time (or in pairs).

    Parameters
    ----------
    model : Model
        The bundled model, or any SBML model (nodes are then species; interactions are
        reactions, cut by zeroing their rate).
    readouts : list of str, optional
        Readouts to record (default: all).
    nodes, interactions : list of str, optional
        Restrict the screen to these (default: all of the model's; ``[]`` for none, but
        not both: a screen of no target is refused).
    pairs : bool
        Also every pair of the selected knockouts and cuts.
    knockout_mode : {"remove", "clamp"}
        ``"remove"`` (default): a knockout takes the protein out in all its forms (on
        an SBML model, every species sharing its conservation law starts at zero and
        its synthesis is off; see `Model.knockout_forms`). ``"clamp"``: the named
        species alone is held at zero, as knockouts of SBML models did in 0.1.0; its
        other forms stay and drain through it, so a time course sees the pool empty
        gradually (SBML models only; the bundled model's nodes are whole proteins).
    ensemble : True, "all", "verified" or DataFrame, optional
        Screen every member of a parameter ensemble (``True``: the bundled calibrated
        ensemble; ``n_members``: the first N), all members' conditions in one batch, and
        return a DataFrame instead: one row per target and readout with quantiles across
        members of the log2 fold change against the member's own baseline (``q0.05``,
        ``q0.5``, ``q0.95``, ``mean``; a readout driven to zero is ``-inf``), the share of
        the members that solved in which the target lowers or raises the readout by at
        least 5 % (``fraction_lower``, ``fraction_higher``; the observation table's
        convention for a change), ``n_members`` and ``n_failed`` (members without a
        verified steady state there or at their baseline).
    backend, n_workers, scheduler, out, progress
        As in `sweep`.
    **perturbation
        Background for every condition, e.g. ``genotype="PTEN_loss"`` or
        ``drugs={"everolimus": 10}``.

    Returns
    -------
    KnockoutScreen (a DataFrame with ``ensemble``)

    Examples
    --------
    >>> import mtor_sim as ms
    >>> ko = ms.knockout_screen(ms.load_model(), ["pS6K1"], nodes=["RHEB", "TSC2"],
    ...                         interactions=[], progress=False)
    >>> bool(ko.log2_fold_change().loc["RHEB KO", "pS6K1"] < 0)
    True
    """
    reads = _readouts(model, readouts)
    mode = check_name(knockout_mode, KNOCKOUT_MODES, kind="knockout mode")
    given = list(model.nodes) if nodes is None else check_names(nodes, name="nodes")
    node_list = _once(
        [knockout_name(model, n, mode) for n in given],  # ids, SBML, gene, protein names
        given,
        "nodes",
    )
    given = (
        list(model.interactions)
        if interactions is None
        else check_names(interactions, name="interactions")
    )
    cut_list = _once(
        [check_name(c, model.interactions, kind="interaction") for c in given],
        given,
        "interactions",
    )
    if not node_list and not cut_list:  # the baseline alone, "ok": a screen of nothing
        said = [
            f"the model has no {name}" if value is None else f"`{name}` is empty"
            for name, value in (("nodes", nodes), ("interactions", interactions))
        ]
        raise ValueError(
            f"nothing to screen: {' and '.join(said)}; give at least one node or "
            "interaction, or leave `nodes` and `interactions` out for all of the model's"
        )
    pairs = check_flag(pairs, name="pairs")
    base = make_perturbation(model, **perturbation)
    targets: list[tuple[str, str, tuple[str, ...], tuple[str, ...]]] = [
        (knockout_label(n), "node", (n,), ()) for n in node_list
    ]
    targets += [(f"cut {c}", "interaction", (), (c,)) for c in cut_list]
    if pairs:
        singles = list(targets)
        targets += [
            (f"{a[0]} + {b[0]}", "pair", a[2] + b[2], a[3] + b[3])
            for a, b in itertools.combinations(singles, 2)
        ]
    perts: list[tuple[tuple[tuple[str, Any], ...], Perturbation]] = [
        ((("target", BASELINE), ("kind", BASELINE)), base)
    ]
    for label, kind, kos, cuts in targets:
        p = make_perturbation(
            model,
            genotype=list(base.genotype),
            drugs=dict(base.drugs),
            # a target already in the background adds nothing (its fold is 0)
            knockouts=list(dict.fromkeys([*base.knockouts, *kos])),
            cut=list(dict.fromkeys([*base.cut, *cuts])),
            parameters=dict(base.parameters),
            inputs=dict(base.inputs),
        )
        perts.append(((("target", label), ("kind", kind)), p))
    opts = resolve_run(
        run,
        verb="knockout_screen",
        backend=backend,
        n_workers=n_workers,
        scheduler=scheduler,
        out=out,
        progress=progress,
    )
    if wants_ensemble(ensemble, n_members):
        return _screen_quantiles(model, perts, reads, base, mode, ensemble, n_members, opts)
    spec = {"screen": [t[0] for t in targets], "background": base.as_dict()}
    store, stats = run_conditions(
        model, conditions_from(perts), len(perts), reads, options=opts, spec=spec, desc="knockouts"
    )
    from ._engine import steady_provenance

    settings = {
        "pairs": pairs,
        "knockout_mode": mode,
        "background": base.as_dict(),
        "n_conditions": len(perts),
        **steady_provenance(model),
        **stats,
    }
    label = base.label(baseline_name(model.is_bundled))
    return KnockoutScreen(store.read(), reads, label, model.name, settings)


#: A change, for `knockout_screen(ensemble=...)`'s shares: at least 5 % either way (the
#: observation table's convention, ``models/OBSERVATIONS.md``).
CHANGE = 0.05


def _screen_quantiles(
    model: Model,
    perts: list[tuple[tuple[tuple[str, Any], ...], Perturbation]],
    reads: tuple[str, ...],
    base: Perturbation,
    mode: str,
    ensemble: Any,
    n_members: int | None,
    opts: RunOptions,
) -> pd.DataFrame:
    """`knockout_screen` across an ensemble: every member's screen in one batch, then
    quantiles of each target's log2 fold change against the member's own baseline."""
    from dataclasses import replace

    from ._ensemble import (
        across_members,
        member_digest,
        member_parameters,
        report_failed,
        resolve_ensemble,
    )

    table = resolve_ensemble(ensemble, n=n_members, model=model)
    explicit = dict(base.parameters)
    points: list[tuple[tuple[tuple[str, Any], ...], Perturbation]] = []
    for k, (_, member) in enumerate(table.iterrows()):
        values = member_parameters(model, dict(member.items()), list(base.genotype), explicit)
        for labels, pert in perts:  # the member's values, its genotype applied to them
            mine = replace(pert, genotype=(), parameters=tuple(sorted(values.items())))
            points.append(((("member", k), *labels), mine))
    spec = {
        "screen": [dict(labels)["target"] for labels, _ in perts[1:]],
        "background": base.as_dict(),
        "ensemble": member_digest(table),
    }
    store, _ = run_conditions(
        model,
        conditions_from(points),
        len(points),
        reads,
        options=opts,
        spec=spec,
        desc="knockouts x members",
    )
    raw = store.read()
    cubes = []
    for k in range(len(table)):
        one = raw[raw["member"] == k].drop(columns="member").reset_index(drop=True)
        cubes.append(KnockoutScreen(one, reads, base.label(), model.name, {}).log2_fold_change())
    targets, readouts = cubes[0].index, cubes[0].columns
    cube = np.stack([c.loc[targets, readouts].to_numpy() for c in cubes])
    # a fall to 0.95x and a rise to 1.05x: log2(1.05) both ways counted a fall to 0.952x
    down, up = float(np.log2(1.0 - CHANGE)), float(np.log2(1.0 + CHANGE))
    shares = {"fraction_lower": lambda v: v <= down, "fraction_higher": lambda v: v >= up}
    kinds = {dict(labels)["target"]: dict(labels)["kind"] for labels, _ in perts}
    rows = []
    for i, target in enumerate(targets):
        kind = kinds[target]
        rows += [
            {
                "target": target,
                "kind": kind,
                "readout": readout,
                **across_members(  # -inf (a readout at zero) is an answer too
                    cube[:, i, j], infinite_ok=True, shares=shares
                ),
            }
            for j, readout in enumerate(readouts)
        ]
    result = pd.DataFrame(rows)
    result.attrs["knockout_mode"], result.attrs["background"] = mode, base.label()
    return report_failed(result, "knockout_screen(ensemble=...)")
