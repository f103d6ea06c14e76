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
import re
from collections.abc import Mapping
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


def _rows(path: str | Path, columns: tuple[str, ...], model_stem: str | None):
    """``(line, row)`` for each row of the table at ``path`` about ``model_stem`` (every
    row when None: a table with no ``model`` column): the ``columns`` (all required), each
    with its whitespace, line breaks included, collapsed to single spaces; ``line`` is the
    file line where the row ends."""
    with open(path, newline="", encoding="utf-8-sig") as fh:  # a byte-order mark is fine
        reader = csv.DictReader(fh)
        missing = [c for c in columns if c not in (reader.fieldnames or [])]
        if missing:
            raise MtorSimError(f"{path}: missing column(s) {', '.join(missing)}")
        for raw in reader:
            row = {k: " ".join((raw.get(k) or "").split()) for k in columns}
            if model_stem is None or row["model"] == model_stem:
                yield reader.line_num, row


def _claim(path: str | Path, line: int, text: str, seen: Mapping[int, object]) -> int:
    """The claim number ``text`` names, refused unless ASCII digits and new in ``seen``."""
    if not re.fullmatch(r"[0-9]+", text):
        raise MtorSimError(f"{path}, line {line}: claim must be a number, got {text!r}")
    number = int(text)
    if number in seen:
        raise MtorSimError(f"{path}, line {line}: claim {number} listed twice")
    return number


def read_expectations(path: str | Path, model_stem: str) -> dict[int, Expectation]:
    """The rows of the table at ``path`` about the model file named ``model_stem``."""
    out: dict[int, Expectation] = {}
    for line, row in _rows(path, _COLUMNS, model_stem):
        verdict = row["expected"].lower()
        if verdict not in ("pass", "fail"):
            raise MtorSimError(
                f"{path}, line {line}: expected must be 'pass' or 'fail', got {row['expected']!r}"
            )
        number = _claim(path, line, row["claim"], out)
        if verdict == "fail" and not row["reason"]:
            raise MtorSimError(f"{path}, line {line}: a claim expected to fail needs a reason")
        out[number] = Expectation(number, verdict == "pass", row["reason"], row["source"])
    return dict(sorted(out.items()))


def read_findings(path: str | Path, model_stem: str) -> dict[int, tuple[str, str]]:
    """Claim -> (finding, source): the rows of the table at ``path`` about ``model_stem``.

    A row needs a claim number, a finding and a source; a claim may appear once."""
    out: dict[int, tuple[str, str]] = {}
    for line, row in _rows(path, _FINDING_COLUMNS, model_stem):
        number = _claim(path, line, row["claim"], out)
        if not (row["finding"] and row["source"]):
            raise MtorSimError(f"{path}, line {line}: a finding needs its text and a source")
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
