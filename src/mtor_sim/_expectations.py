"""Which claims a model is documented to fail, and why: its ``claims_expected.csv``.

A model's folder may hold ``claims_expected.csv`` (the bundled one: ``models/``), one row
per claim whose verdict is documented in advance::

    model,claim,expected,reason,source
    mtor_hcc,9,fail,"everolimus raises pAKT_S473 1.08x, below the 1.10x rule",MECHANISMS.md

``model`` is the stem of the model file the row is about (``mtor_hcc`` for
``mtor_hcc.ant`` and its SBML export ``mtor_hcc.xml``), so a table never applies to
another model that shares the folder. ``expected`` is ``pass`` or ``fail``; ``reason``
says why, ``source`` where that is documented. A claim without a row, and every claim of
a model without such a table, is expected to pass. `mtor-sim reproduce` exits 0 when
every verdict is the expected one and 1 when one is not (``--strict``: when any fails).
"""

from __future__ import annotations

import csv
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from ._errors import MtorSimError

if TYPE_CHECKING:  # pragma: no cover
    from ._model import Model

__all__ = ["EXPECTATIONS_FILE", "Expectation", "expectations_of", "read_expectations"]

EXPECTATIONS_FILE = "claims_expected.csv"
_COLUMNS = ("model", "claim", "expected", "reason", "source")


@dataclass(frozen=True)
class Expectation:
    """The documented verdict of one claim on one model."""

    claim: int
    passes: bool
    reason: str = ""
    source: str = ""


def read_expectations(path: str | Path, model_stem: str) -> dict[int, Expectation]:
    """The rows of the table at ``path`` about the model file named ``model_stem``."""
    with open(path, newline="", encoding="utf-8") as fh:
        reader = csv.DictReader(fh)
        missing = [c for c in _COLUMNS if c not in (reader.fieldnames or [])]
        if missing:
            raise MtorSimError(f"{path}: missing column(s) {', '.join(missing)}")
        out: dict[int, Expectation] = {}
        for line, raw in enumerate(reader, start=2):
            row = {k: (raw.get(k) or "").strip() for k in _COLUMNS}
            if row["model"] != model_stem:
                continue
            verdict = row["expected"].lower()
            if verdict not in ("pass", "fail") or not row["claim"].isdigit():
                raise MtorSimError(
                    f"{path}, line {line}: claim must be a number and expected 'pass' or "
                    f"'fail', got {row['claim']!r}, {row['expected']!r}"
                )
            number = int(row["claim"])
            if number in out:
                raise MtorSimError(f"{path}, line {line}: claim {number} listed twice")
            if verdict == "fail" and not row["reason"]:
                raise MtorSimError(f"{path}, line {line}: a claim expected to fail needs a reason")
            out[number] = Expectation(number, verdict == "pass", row["reason"], row["source"])
    return dict(sorted(out.items()))


def expectations_of(model: Model) -> dict[int, Expectation]:
    """The documented verdicts of ``model``'s claims: its folder's ``claims_expected.csv``
    rows about its file; empty (every claim expected to pass) without such a table."""
    source = getattr(model, "path", None)
    if source is None:
        return {}
    table = Path(source).parent / EXPECTATIONS_FILE
    if not table.is_file():
        return {}
    return read_expectations(table, Path(source).stem)
