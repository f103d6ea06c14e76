"""Steady states solved ahead, as one batch, for code that asks for them one by one.

The claims and their mechanism controls ask a model for a few hundred steady states,
one call each. Across an ensemble the same questions are asked of every member, so
`check_ensemble` records them once (on the base model), solves them for every member at
once through the batch engine, and lets each member's claims find their answers here.
A question not answered here, or whose batch answer was not verified, takes the
single-point path as before.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from typing import TYPE_CHECKING, Any

import pandas as pd

from ._options import RunOptions

if TYPE_CHECKING:  # pragma: no cover
    from ._model import Model
    from ._perturb import Perturbation

__all__ = ["Answer", "answer_key", "recording", "answers", "steady_state", "solve_for_members"]

_RECORD = " prefetch record"
_STORE = " prefetch store"


class Answer:
    """A verified steady state's readouts, as the claims read them (``res[readout]``,
    ``res.success``)."""

    __slots__ = ("readouts",)
    success = True

    def __init__(self, readouts: Mapping[str, float]) -> None:
        self.readouts = dict(readouts)

    def __getitem__(self, name: str) -> float:
        return self.readouts[name]


def answer_key(pert: Perturbation) -> str:
    """The key of a perturbation's answer in what `solve_for_members` returns."""
    return repr(sorted(pert.as_dict().items()))


def steady_state(model: Model, **kwargs: Any) -> Any:
    """``model.steady_state(**kwargs)``, or its answer solved ahead; recorded while a
    `recording` block is open on ``model``."""
    record = model._forms.get(_RECORD)
    store = model._forms.get(_STORE)
    if record is None and not store:
        return model.steady_state(**kwargs)
    from ._perturb import make_perturbation

    pert = make_perturbation(model, **kwargs)
    if record is not None:
        record.setdefault(answer_key(pert), pert)
    found = store.get(answer_key(pert)) if store else None
    return found if found is not None else model.steady_state(**kwargs)


@contextmanager
def recording(model: Model) -> Iterator[dict[str, Perturbation]]:
    """Collect the perturbations asked of ``model`` inside the block (by key)."""
    record: dict[str, Perturbation] = {}
    model._forms[_RECORD] = record
    try:
        yield record
    finally:
        model._forms.pop(_RECORD, None)


@contextmanager
def answers(model: Model, store: Mapping[str, Answer]) -> Iterator[None]:
    """Answer ``model``'s steady-state questions from ``store`` inside the block."""
    model._forms[_STORE] = store
    try:
        yield
    finally:
        model._forms.pop(_STORE, None)


def solve_for_members(
    model: Model,
    members: pd.DataFrame,
    perts: Sequence[Perturbation],
    options: RunOptions | None = None,
    desc: str = "ensemble claims",
) -> list[dict[str, Answer]]:
    """Every perturbation for every member (rows of ``members``: parameter values), as
    one batch on ``model``: each member's values composed as its own model would apply
    them (`mtor_sim._ensemble.member_parameters`), through the batch runner as
    ``options`` say. Only verified answers are kept."""
    from ._backends import conditions_from, run_conditions
    from ._ensemble import check_members
    from ._sweep import over_members

    check_members(model, members)
    # already validated: only each member's values are composed in, point by point
    make = over_members(model, conditions_from([((), p) for p in perts]), members, len(perts))
    readouts = list(model.readouts)
    store, _ = run_conditions(
        model,
        make,
        len(perts) * len(members),
        readouts,
        options=options or RunOptions(progress=False),
        desc=desc,
    )
    frame = store.read().sort_values("point", kind="stable")  # member by member
    keys = [answer_key(p) for p in perts]
    values = frame[readouts].to_numpy(dtype=float)
    ok = (frame["status"] == "ok").to_numpy()
    out: list[dict[str, Answer]] = []
    for i in range(len(members)):
        found = {}
        for j, key in enumerate(keys):
            k = i * len(keys) + j
            if ok[k]:
                found[key] = Answer(dict(zip(readouts, values[k], strict=True)))
        out.append(found)
    return out
