"""Units and one-line descriptions of a model's parameters.

Units come from the SBML (a parameter's ``units`` attribute and its unit definition)
when the model declares them; otherwise from the parameter's comment in the Antimony
source, where the bundled model gives every parameter one line: ``k = 0.2;  // /min;
what it is (source)``. A comment's leading unit (``/min``, ``/min per X``, ``nM``, ...)
is the unit and the rest the description; a section header's parenthesis
(``// --- drug potencies (nM, cellular)``) gives the unit of the parameters under it
that state none.
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping
from pathlib import Path

import pandas as pd

__all__ = ["parameter_info"]

_ASSIGN = re.compile(r"^\s*([A-Za-z_][A-Za-z_0-9]*)\s*=\s*[^;]*;\s*//\s*(.*?)\s*$")
_HEADER = re.compile(r"^\s*//\s*-{3,}\s*(.*?)\s*$")
_UNIT = re.compile(
    r"^(/(?:min|h|s)(?: per [^;(]+?)?|1/min|per min|nM|uM|µM|mM|min|h|s|%)"
    r"\s*(?:;|$|(?=\())\s*"
)
_UNIT_WORDS = re.compile(r"\((nM|uM|µM|/min|min|h)\b")
#: Where an Antimony module (``model m``, ``module *main()``) or function starts and ends.
_MODULE = re.compile(r"^\s*(?:model|module)\s+(\*?)")
_FUNCTION = re.compile(r"^\s*function\s")
_END = re.compile(r"^\s*end\b")
_TAG = re.compile(r"^@(node|input|reference|readout)\s+([^:;\s]+)\s*:?\s*(?:[A-Za-z_0-9 ]+;)?\s*")


def _sbml_units(sbml: str) -> tuple[dict[str, str], dict[str, str]]:
    """Parameter id -> its SBML unit (the unit definition's name or id) where declared,
    and parameter id -> its SBML name where that differs from the id."""
    import libsbml

    doc = libsbml.readSBMLFromString(sbml)
    m = doc.getModel()
    if m is None:
        return {}, {}
    units, names = {}, {}
    for p in m.getListOfParameters():
        if p.getName() and p.getName() != p.getId():
            names[p.getId()] = p.getName()
        u = p.getUnits()
        if u:
            ud = m.getUnitDefinition(u)
            units[p.getId()] = (ud.getName() or u) if ud is not None else u
    return units, names


def _main_module(text: str) -> list[str]:
    """The lines of an Antimony source that its main module reads: those of the module
    marked ``*``, else of the last one (as Antimony chooses), and those outside any
    module. Another module's ``k1`` is another parameter (``s_k1`` once instantiated),
    whose comment must not describe the main module's ``k1``."""
    outside: list[str] = []
    modules: list[list[str]] = []
    marked: list[str] | None = None
    current: list[str] | None = None
    for line in text.splitlines():
        if current is not None:
            if _END.match(line):
                current = None
            else:
                current.append(line)
            continue
        if m := _MODULE.match(line):
            current = []
            modules.append(current)
            if m.group(1):
                marked = current
        elif _FUNCTION.match(line):
            current = []  # a function's lines are no parameter's
        else:
            outside.append(line)
    main = marked if marked is not None else (modules[-1] if modules else [])
    return outside + main


def _comments(text: str) -> dict[str, tuple[str, str]]:
    """Parameter -> (unit or "", description) from the comments of an Antimony source's
    main module."""
    out: dict[str, tuple[str, str]] = {}
    section, section_unit = "", ""
    for line in _main_module(text):
        h = _HEADER.match(line)
        if h:
            section = h.group(1)
            m = _UNIT_WORDS.search(section)
            section_unit = m.group(1) if m else ""
            continue
        a = _ASSIGN.match(line)
        if not a:
            continue
        name, comment = a.groups()
        unit = ""
        u = _UNIT.match(comment)
        if u:
            unit, comment = u.group(1), comment[u.end() :]
        t = _TAG.match(comment)
        if t:
            kind = t.group(1)
            comment = comment[t.end() :]
            if kind == "node" and not unit:
                unit = "relative to WT"
            if kind == "reference":
                comment = comment or "WT reference value (written by models/calibrate.py)"
        out[name] = (unit or section_unit, comment.strip() or section)
    return out


def _unit(declared: str | None, commented: str) -> str:
    """The SBML's unit where declared, with what a comment's rate is per
    (``/min per active PI3K``: ``per_min per active PI3K``); else the comment's."""
    if not declared:
        return commented
    per = commented.find(" per ")
    return declared + commented[per:] if per >= 0 else declared


def parameter_info(
    sbml: str,
    parameters: pd.Series,
    source: Path | None,
    limits: Mapping[str, tuple[float | None, float | None]] | None = None,
) -> pd.DataFrame:
    """Table of ``parameters`` (index: name) with value, unit, description, and the
    ``lower`` and ``upper`` bounds the parameter's meaning sets (``limits``; NaN where
    none)."""
    limits = limits or {}
    units, names = _sbml_units(sbml)
    notes: dict[str, tuple[str, str]] = {}
    ant = None
    if source is not None:
        ant = source if source.suffix.lower() == ".ant" else source.with_suffix(".ant")
    if ant is not None and ant.exists():
        notes = _comments(ant.read_text())
    rows = []
    for key, value in parameters.items():
        name = str(key)
        unit, text = notes.get(name, ("", ""))
        low, high = limits.get(name, (None, None))
        rows.append(
            {
                "name": name,
                "value": float(value),
                "unit": _unit(units.get(name), unit),
                "description": text or names.get(name, ""),
                "lower": math.nan if low is None else low,
                "upper": math.nan if high is None else high,
            }
        )
    return pd.DataFrame(rows).set_index("name")
