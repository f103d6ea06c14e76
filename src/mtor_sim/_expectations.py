"""What a model's documentation says about its claims, read from its folder.

``claims_expected.csv``: which claims the model is documented to fail, and why.
``claims_findings.csv``: what analyses of the model found about a claim that is weak
across its parameter ensemble (`mtor-sim reproduce --ensemble` shows it beside the
claim's failing terms).

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

``claims_findings.csv`` has one row per claim with a documented finding::

    model,claim,finding,source
    mtor_hcc,11,"the calibration row V69 pulls against it",MODEL_CARD.md section 11

Both tables say where their statements are documented (``source``); neither changes a
verdict or a number.
"""

from __future__ import annotations

import csv
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from ._errors import MtorSimError

if TYPE_CHECKING:  # pragma: no cover
    from ._model import Model

__all__ = [
    "EXPECTATIONS_FILE",
    "FINDINGS_FILE",
    "Expectation",
    "expectations_of",
    "findings_of",
    "read_expectations",
    "read_findings",
]

EXPECTATIONS_FILE = "claims_expected.csv"
FINDINGS_FILE = "claims_findings.csv"
_COLUMNS = ("model", "claim", "expected", "reason", "source")
_FINDING_COLUMNS = ("model", "claim", "finding", "source")


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


def read_findings(path: str | Path, model_stem: str) -> dict[int, tuple[str, str]]:
    """Claim -> (finding, source): the rows of the table at ``path`` about ``model_stem``.

    A row needs a claim number, a finding and a source; a claim may appear once."""
    with open(path, newline="", encoding="utf-8") as fh:
        reader = csv.DictReader(fh)
        missing = [c for c in _FINDING_COLUMNS if c not in (reader.fieldnames or [])]
        if missing:
            raise MtorSimError(f"{path}: missing column(s) {', '.join(missing)}")
        out: dict[int, tuple[str, str]] = {}
        for line, raw in enumerate(reader, start=2):
            row = {k: (raw.get(k) or "").strip() for k in _FINDING_COLUMNS}
            if row["model"] != model_stem:
                continue
            if not row["claim"].isdigit():
                raise MtorSimError(
                    f"{path}, line {line}: claim must be a number, got {row['claim']!r}"
                )
            if not (row["finding"] and row["source"]):
                raise MtorSimError(f"{path}, line {line}: a finding needs its text and a source")
            number = int(row["claim"])
            if number in out:
                raise MtorSimError(f"{path}, line {line}: claim {number} listed twice")
            out[number] = (row["finding"], row["source"])
    return dict(sorted(out.items()))


def _table_of(model: Model, name: str) -> tuple[Path, str] | None:
    """The table ``name`` in ``model``'s folder and the model file's stem, if both exist."""
    source = getattr(model, "path", None)
    if source is None:
        return None
    table = Path(source).parent / name
    return (table, Path(source).stem) if table.is_file() else None


def expectations_of(model: Model) -> dict[int, Expectation]:
    """The documented verdicts of ``model``'s claims: its folder's ``claims_expected.csv``
    rows about its file; empty (every claim expected to pass) without such a table."""
    found = _table_of(model, EXPECTATIONS_FILE)
    return read_expectations(*found) if found else {}


def findings_of(model: Model) -> dict[int, tuple[str, str]]:
    """Claim -> (finding, source) from ``model``'s folder's ``claims_findings.csv``;
    empty without such a table."""
    found = _table_of(model, FINDINGS_FILE)
    return read_findings(*found) if found else {}
