"""The result protocol: what every result of a verb offers beyond its own data.

Every result has ``success``, ``status`` and ``message`` (a result of many conditions also
``n_failed``), one JSON-safe ``metadata`` dict, ``to_dataframe()`` and ``to_file(path)``,
which writes CSV, Parquet or JSON by the file's extension. Single results (`SteadyState`,
`TimeCourse`) carry the first three as fields; the results of batch verbs derive them here
from the status of each condition they evaluated.
"""

from __future__ import annotations

import dataclasses
import json
import math
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from ._errors import check_output_file

__all__ = [
    "BatchResult",
    "DeferredSeries",
    "Immutable",
    "html_summary",
    "json_safe",
    "stored",
    "write_result",
]

#: ``status`` of a batch result: every condition solved, some failed, all failed
BATCH_STATUSES = ("ok", "partial", "failed")
#: Statuses of a condition that solved but whose result is undefined: a log sensitivity
#: of a readout at 0 (``zero_readout``), Sobol indices of a readout that does not vary
#: (``constant_readout``), an inhibition against a drug-free readout at 0
#: (``zero_reference``). They count as failed, so the result's status says so.
UNDEFINED = ("zero_readout", "constant_readout", "zero_reference")
FILE_TYPES = (".csv", ".parquet", ".json")


def json_safe(value: Any) -> Any:
    """``value`` as plain JSON types: mappings with str keys, lists, str, int, float, bool
    and None. Tables become ``{"index", "columns", "data"}`` (pandas' "split" form),
    arrays and tuples lists, paths str, a NaN or infinite float None; anything else its
    ``str``.

    >>> json_safe({"dose": np.float64(1.5), 2: (np.nan, "a")})
    {'dose': 1.5, '2': [None, 'a']}
    """
    if value is None or isinstance(value, str | bool):
        return value
    if isinstance(value, np.generic):
        value = value.item()
    if isinstance(value, int):
        return value
    if isinstance(value, float):
        return value if math.isfinite(value) else None
    if isinstance(value, Mapping):
        return {str(k): json_safe(v) for k, v in value.items()}
    if isinstance(value, pd.DataFrame):
        return json_safe(value.to_dict(orient="split"))
    if isinstance(value, pd.Series):
        return json_safe(value.to_dict())
    if isinstance(value, np.ndarray):
        return json_safe(value.tolist())
    if isinstance(value, list | tuple | set | frozenset):
        return [json_safe(v) for v in value]
    if isinstance(value, Path):
        return str(value)
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return json_safe(dataclasses.asdict(value))
    return str(value)


def write_result(result: Any, path: str | Path) -> Path:
    """Write ``result.to_dataframe()`` to ``path``: ``.csv`` or ``.parquet`` hold the table
    (a named index becomes a column); ``.json`` holds ``success``, ``status``, ``message``,
    ``n_failed`` (batch results), ``metadata``, the ``perturbation`` of a result of one
    (a steady state, a time course: their metadata does not hold it) and the table's rows
    as ``data``. Returns the path written."""
    target = check_output_file(path)
    suffix = target.suffix.lower()
    if suffix not in FILE_TYPES:
        raise ValueError(
            f"unsupported file type {target.suffix!r} for {target.name!r}; "
            f"use one of {', '.join(FILE_TYPES)}"
        )
    table = result.to_dataframe()
    if not (isinstance(table.index, pd.RangeIndex) and table.index.name is None):
        table = table.reset_index()
    target.parent.mkdir(parents=True, exist_ok=True)
    if suffix == ".csv":
        table.to_csv(target, index=False)
    elif suffix == ".parquet":
        table.to_parquet(target, index=False)
    else:
        doc: dict[str, Any] = {
            "success": bool(result.success),
            "status": result.status,
            "message": result.message,
        }
        if isinstance(result, BatchResult):
            doc["n_failed"] = int(result.n_failed)
        doc["metadata"] = json_safe(result.metadata)
        perturbation = getattr(result, "perturbation", None)
        if isinstance(perturbation, Mapping):  # what the run was made under
            doc["perturbation"] = json_safe(perturbation)
        doc["data"] = json_safe(table.to_dict(orient="records"))  # floats to full precision
        target.write_text(json.dumps(doc, indent=2, allow_nan=False) + "\n")
    return target


#: Status colours of notebook summaries (Okabe-Ito: blue ok, orange partial, vermillion
#: failed), so a failure shows at a glance.
_STATUS_COLOURS = {"ok": "#0072B2", "partial": "#E69F00", "failed": "#D55E00"}
#: Provenance keys a notebook summary shows, when the result has them.
_SUMMARY_KEYS = ("model", "model_hash", "package_version", "method", "seconds")
HTML_ROWS = 10


def html_summary(result: Any, table: pd.DataFrame | None = None) -> str:
    """A result as a notebook shows it: its type and status (coloured: a failed result
    is never mistaken for a good one), its message, its provenance, and the first
    `HTML_ROWS` rows of its table."""
    import html

    status = str(getattr(result, "status", "ok"))
    colour = _STATUS_COLOURS.get(status, _STATUS_COLOURS["failed"])
    meta = getattr(result, "metadata", {}) or {}
    prov = ", ".join(
        f"{k} {html.escape(str(meta[k]))}" for k in _SUMMARY_KEYS if meta.get(k) is not None
    )
    table = result.to_dataframe() if table is None else table
    more = len(table) - HTML_ROWS
    rows = table.head(HTML_ROWS).to_html(max_cols=12, float_format=lambda v: f"{v:.6g}")
    return (
        f"<div><strong>{type(result).__name__}</strong> "
        f'<span style="color:white;background:{colour};padding:0 4px;border-radius:3px">'
        f"{html.escape(status)}</span> {html.escape(str(getattr(result, 'message', '')))}"
        + (f"<br><small>{prov}</small>" if prov else "")
        + rows
        + (f"<small>... {more} more rows (to_dataframe())</small>" if more > 0 else "")
        + "</div>"
    )


_PANDAS_MAJOR = int(pd.__version__.split(".")[0])


def _copy_on_write() -> bool:
    """Whether pandas copies on write: always from pandas 3, by option before."""
    return _PANDAS_MAJOR >= 3 or pd.get_option("mode.copy_on_write") is True


class DeferredSeries:
    """A Series not built yet: its values (read-only) and index. A result holds one in
    place of a Series until the attribute is first read (`Immutable` builds it then):
    building two Series cost a sixth of a single steady state, and most callers read a
    value or two by name, or nothing."""

    __slots__ = ("values", "index")

    def __init__(self, values: np.ndarray, index: pd.Index) -> None:
        values = np.array(values, dtype=float)  # its own copy, read-only
        if values.shape != (len(index),):
            raise ValueError(f"{values.shape} values for an index of {len(index)} names")
        values.flags.writeable = False
        self.values = values
        self.index = index

    def get(self, name: str) -> float | None:
        """The value at ``name`` (a unique label of the index), or None if absent."""
        if name not in self.index:
            return None
        return float(self.values[self.index.get_loc(name)])

    def build(self) -> pd.Series:
        """The Series, owning a copy of the values (so it never shares their buffer)."""
        return pd.Series(self.values, index=self.index, dtype=float, copy=True)

    def __getstate__(self) -> tuple[np.ndarray, pd.Index]:
        return self.values, self.index

    def __setstate__(self, state: tuple[np.ndarray, pd.Index]) -> None:
        self.values, self.index = state


def stored(result: Any, name: str) -> Any:
    """Attribute ``name`` of ``result`` as stored, not copied (for reading only); a
    deferred Series is built and kept first."""
    value = object.__getattribute__(result, name)
    if type(value) is DeferredSeries:
        value = value.build()
        object.__setattr__(result, name, value)  # frozen dataclasses: by design, once
    return value


class Immutable:
    """A result that never changes once made: reading a table, series, array or dict
    attribute gives a copy (tables and series copy lazily: pandas' copy-on-write shares
    the data until the copy is written to), so ``ss.readouts["pS6K1"] = 99`` or
    ``sw.settings["seed"] = 1`` changes only that copy, never the result. Attributes
    cannot be reassigned either. A `DeferredSeries` attribute is built on first read."""

    __slots__ = ()

    def __getattribute__(self, name: str) -> Any:
        value = object.__getattribute__(self, name)
        if name[:1] == "_":
            return value
        if type(value) is DeferredSeries:
            value = stored(self, name)
        if isinstance(value, pd.DataFrame | pd.Series):
            # a shallow copy is a copy only under copy-on-write (pandas 3, or opted in)
            return value.copy(deep=not _copy_on_write())
        if isinstance(value, np.ndarray):
            view = value.view()
            view.flags.writeable = False
            return view
        if isinstance(value, dict | list):
            import copy

            return copy.deepcopy(value)
        return value


class BatchResult(Immutable):
    """Status, metadata and file output of a result that evaluated many conditions.

    A subclass says how its conditions fared through `_outcomes`; ``settings`` (the record
    of how the result was made) becomes the JSON-safe ``metadata``.
    """

    settings: dict[str, Any]

    def _outcomes(self) -> tuple[int, dict[str, int]]:
        """(number of conditions evaluated, failed conditions counted by status)."""
        raise NotImplementedError  # pragma: no cover - every subclass defines it

    @staticmethod
    def _count(statuses: pd.Series) -> tuple[int, dict[str, int]]:
        failed = statuses[statuses != "ok"].value_counts()
        return len(statuses), {str(k): int(v) for k, v in failed.items()}

    @property
    def n_failed(self) -> int:
        """Conditions without a verified solution (their values are NaN)."""
        return sum(self._outcomes()[1].values())

    @property
    def success(self) -> bool:
        """True when every condition was solved."""
        return self.n_failed == 0

    @property
    def status(self) -> str:
        """``"ok"`` (every condition solved), ``"partial"`` or ``"failed"`` (none solved)."""
        n, failed = self._outcomes()
        k = sum(failed.values())
        return "ok" if k == 0 else ("failed" if k >= n else "partial")

    @property
    def message(self) -> str:
        """How many conditions were solved, or how many were not (or solved, but gave no
        defined value: `UNDEFINED`), and why."""
        n, failed = self._outcomes()
        if not failed:
            return f"all {n} conditions solved"
        why = ", ".join(f"{status}: {count}" for status, count in sorted(failed.items()))
        undefined = set(failed) & set(UNDEFINED)
        what = (
            "not solved"
            if not undefined
            else "solved without a defined value"
            if undefined == set(failed)
            else "not solved or without a defined value"
        )
        return f"{sum(failed.values())} of {n} conditions {what} ({why})"

    @property
    def metadata(self) -> dict[str, Any]:
        """How the result was made (``settings``), as JSON-safe types (a copy)."""
        return json_safe(self.settings)

    def to_file(self, path: str | Path) -> Path:
        """Write the result to ``path``: ``.csv``, ``.parquet`` (the table of
        `to_dataframe`) or ``.json`` (status, metadata and the table). Returns the path."""
        return write_result(self, path)

    def _repr_html_(self) -> str:
        return html_summary(self)
