"""Human labels and units of a model's names, for figures and tables.

A label table is model data: a CSV beside the model (``models/labels.csv`` for the bundled
model; ``<model>.labels.csv`` beside a user's SBML or Antimony file) with one row per
readout, genotype, input, biomarker, protein amount, the model itself, and per kind of
quantity a figure axis may show. Figures write ``p-Akt S473`` and ``PTEN loss``, never
the code names ``pAKT_S473`` and ``PTEN_loss``; a name the table does not know is shown
as it is.
"""

from __future__ import annotations

import csv
import functools
import io
import re
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from importlib import resources
from pathlib import Path

__all__ = ["Label", "Labels", "bundled_labels", "labels_for", "read_labels", "register"]

LABELS_FILE = "labels.csv"
_COLUMNS = ("kind", "name", "label", "unit", "quantity", "show")


@dataclass(frozen=True)
class Label:
    """One row of a label table.

    ``kind`` is ``readout``, ``genotype``, ``input``, ``biomarker``, ``parameter``,
    ``model``, ``quantity`` or ``name`` (an SBML element's name). ``quantity`` (readouts
    only) is the kind of value: ``fraction`` (of a protein's total, 0-1), ``index``
    (untreated WT = 1) or ``relative`` (to untreated WT); one figure axis shows one kind
    only. ``show`` names the figures that draw the readout when not told which
    (``timecourse``: a time course's default curves).
    """

    kind: str
    name: str
    label: str
    unit: str = ""
    quantity: str = ""
    show: str = ""


class Labels(Mapping[str, Label]):
    """A read-only label table: code name -> `Label`.

    Examples
    --------
    >>> import mtor_sim as ms
    >>> labels = ms.load_model().labels
    >>> labels.label("pAKT_S473"), labels.unit("pAKT_S473")
    ('p-Akt S473', 'fraction of Akt')
    >>> labels.humanize("mTORC1 (PTEN_loss)")
    'mTORC1 (PTEN loss)'
    """

    __slots__ = ("_rows", "_pattern")

    def __init__(self, rows: Iterable[Label] = ()) -> None:
        self._rows: dict[str, Label] = {}
        for r in rows:
            self._rows.setdefault(r.name, r)  # the first row of a name wins
        self._pattern: re.Pattern[str] | None = None

    @classmethod
    def from_csv(cls, text: str, *, source: str = "label table") -> Labels:
        """Parse a label table (columns ``kind,name,label`` and optional ``unit``,
        ``quantity``, ``show``); a row without a name or label is an error naming its line."""
        reader = csv.DictReader(io.StringIO(text.lstrip("\ufeff"), newline=""))
        missing = {"kind", "name", "label"} - set(reader.fieldnames or ())
        if missing:
            raise ValueError(f"{source}: missing column(s) {sorted(missing)}")
        rows = []
        for i, row in enumerate(reader, start=2):
            values = {k: (row.get(k) or "").strip() for k in _COLUMNS}
            if not values["name"] or not values["label"]:
                raise ValueError(f"{source}, line {i}: every row needs a name and a label")
            rows.append(Label(**values))
        return cls(rows)

    def __getitem__(self, name: str) -> Label:
        return self._rows[name]

    def __iter__(self) -> Iterator[str]:
        return iter(self._rows)

    def __len__(self) -> int:
        return len(self._rows)

    def __repr__(self) -> str:
        return f"<Labels: {len(self)} names>"

    def label(self, name: str) -> str:
        """``PTEN_loss`` -> ``PTEN loss``; a name not in the table as it is."""
        row = self._rows.get(name)
        return row.label if row is not None else name

    def unit(self, name: str) -> str:
        """The unit of a name (``fraction of Akt``), or ``""`` when the table has none."""
        row = self._rows.get(name)
        return row.unit if row is not None else ""

    def axis(self, name: str) -> str:
        """``p-Akt S473 (fraction of Akt)``: a name's label and unit, for an axis."""
        unit = self.unit(name)
        return f"{self.label(name)} ({unit})" if unit else self.label(name)

    def quantity(self, name: str) -> str:
        """Kind of value of a readout (``fraction``, ``index``, ``relative``), or ``""``."""
        row = self._rows.get(name)
        return row.quantity if row is not None and row.kind == "readout" else ""

    def shown_in(self, figure: str) -> tuple[str, ...]:
        """The readouts a ``figure`` (``timecourse``) draws by default, in table order."""
        return tuple(
            n for n, r in self._rows.items() if r.kind == "readout" and figure in r.show.split()
        )

    def with_defaults(self, other: Mapping[str, Label]) -> Labels:
        """This table, with ``other``'s rows for the names it lacks."""
        return Labels([*self.values(), *(r for n, r in other.items() if n not in self)])

    def humanize(self, text: str) -> str:
        """Every code name in ``text`` replaced by its label, whole words only:
        ``mTORC1 high (PTEN_loss)`` -> ``mTORC1 high (PTEN loss)``."""
        if self._pattern is None:
            names = sorted(
                (n for n, r in self._rows.items() if r.kind != "quantity" and r.label != n),
                key=len,
                reverse=True,
            )
            if not names:
                return text
            alternatives = "|".join(map(re.escape, names))
            self._pattern = re.compile(rf"(?<![\w-])({alternatives})(?![\w-])")
        return self._pattern.sub(lambda m: self._rows[m.group(1)].label, text)


#: Label tables of the other models this process made results with, by the key a
#: result's provenance records (``labels``; older results: the model hash), so its
#: figures find the model's labels here.
_BY_HASH: dict[str, Labels] = {}


def register(model_hash: str, labels: Labels) -> str:
    """Remember a model's labels for the figures of its results; return their key, the
    model hash and a digest of the table. Two files with the same SBML (one model in two
    folders) may carry different label tables: keyed by the hash alone, the results of
    the one loaded first were drawn with the other's labels and units."""
    import hashlib

    rows = sorted((r.kind, r.name, r.label, r.unit, r.quantity, r.show) for r in labels.values())
    key = f"{model_hash}:{hashlib.sha256(repr(rows).encode()).hexdigest()[:16]}"
    _BY_HASH[key] = _BY_HASH[model_hash] = labels
    return key


def labels_for(meta: Mapping[str, object]) -> Labels:
    """The label table of the model a result's provenance (``metadata``/``settings``)
    names: the bundled one, a registered one, or an empty table (names as they are)."""
    if meta.get("bundled", True):
        return bundled_labels()
    key = meta.get("labels") or meta.get("model_hash", "")
    return _BY_HASH.get(str(key), Labels())


@functools.cache
def bundled_labels() -> Labels:
    """The bundled model's label table (``models/labels.csv``), read once."""
    text = resources.files("mtor_sim.models").joinpath(LABELS_FILE).read_text(encoding="utf-8")
    return Labels.from_csv(text, source=f"models/{LABELS_FILE}")


def read_labels(path: str | Path) -> Labels:
    """A label table file (a user's ``<model>.labels.csv``)."""
    return Labels.from_csv(Path(path).read_text(encoding="utf-8"), source=str(path))


def time_unit_short(unit: str) -> str:
    """A model's time unit as an axis or a repr writes it: ``min`` for minutes and for a
    model that declares none (read as minutes), else the unit's own name."""
    return "min" if unit in ("minute", "unknown") else unit
