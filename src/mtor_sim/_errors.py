"""The package's small exception family."""

from __future__ import annotations

import difflib
import numbers
import os
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

import numpy as np

__all__ = [
    "MtorSimError",
    "UnknownNameError",
    "ModelFileError",
    "SolverError",
    "StoreError",
    "PetabError",
    "MembersLeftOut",
    "check_name",
    "check_names",
    "check_real",
    "check_nonnegative",
    "check_count",
    "check_flag",
    "check_output_file",
]

#: Most values (output times x outputs, and members for an ensemble) a time course holds:
#: 4 GB of floats. A model of 2,000 species at 10 million times asked for 160 GB, and the
#: process was killed.
MAX_VALUES = 500_000_000


class MtorSimError(Exception):
    """Base class of every error raised by mtor_sim."""


class UnknownNameError(MtorSimError, KeyError):
    """A node, drug, genotype, readout, interaction, parameter or input name is unknown."""

    def __str__(self) -> str:  # KeyError quotes its message; keep it readable
        return str(self.args[0]) if self.args else ""


class ModelFileError(MtorSimError, ValueError):
    """A model file could not be read, parsed or compiled."""


class SolverError(MtorSimError, RuntimeError):
    """The ODE solver failed in a way that cannot be reported as a result status."""


class StoreError(MtorSimError, ValueError):
    """A folder of streamed results is damaged, incomplete, or holds another run's results."""


class PetabError(MtorSimError, ValueError):
    """A PEtab problem is invalid (the message quotes the PEtab linter and names the file)
    or uses a feature this package does not support."""


class MembersLeftOut(RuntimeWarning):
    """Members without a value were left out of an ensemble table's quantiles (the
    command line says so in its own summary line)."""


def check_name(
    name: object,
    valid: Iterable[str],
    *,
    kind: str,
    aliases: Mapping[str, str] | None = None,
) -> str:
    """Return ``name`` if it is one of ``valid``; otherwise raise `UnknownNameError`.

    The message lists the valid names and the closest match, e.g.
    ``unknown drug 'everolimu'; did you mean 'everolimus'? Valid drugs: ...``.
    ``aliases`` (other name -> valid name, e.g. SBML names -> ids) are accepted too, and
    offered as close matches.
    """
    if isinstance(name, str) and isinstance(valid, dict | set | frozenset) and name in valid:
        return name  # fast path for the hot loops of sweeps and cohorts
    valid = list(valid)
    if isinstance(name, str) and name in valid:
        return name
    aliases = {a: v for a, v in (aliases or {}).items() if v in valid and a not in valid}
    if isinstance(name, str) and name in aliases:
        return aliases[name]
    shown = repr(name)
    candidates = valid + list(aliases)
    close = (
        (
            [v for v in candidates if v.lower() == name.lower()]  # a matter of case first
            or difflib.get_close_matches(name, candidates, n=1, cutoff=0.5)
        )
        if isinstance(name, str)
        else []
    )
    if close and close[0] in aliases:
        hint = f"; did you mean {close[0]!r} (id {aliases[close[0]]!r})?"
    else:
        hint = f"; did you mean {close[0]!r}?" if close else "."
    listing = ", ".join(sorted(set(valid))) if valid else "(none)"
    raise UnknownNameError(f"unknown {kind} {shown}{hint} Valid {_plural(kind)}: {listing}")


def _plural(kind: str) -> str:
    """``readout or species`` -> ``readouts or species``; ``parameter in `bounds```
    -> ``parameters in `bounds```."""
    head, sep, tail = kind.partition(" in ")
    irregular = {"species": "species", "stratum": "strata"}

    def plural(words: str) -> str:  # the last word of "sweep name" carries the plural
        *first, last = words.split(" ")
        return " ".join([*first, irregular.get(last, last + "s")])

    words = [plural(w) for w in head.split(" or ")]
    return " or ".join(words) + sep + tail


def check_real(value: object, *, name: str) -> float:
    """Return ``value`` as a finite float, or raise naming the argument.

    Only real numbers are accepted (Python or NumPy ints and floats): a string such as
    ``"10"`` or a boolean is a `TypeError`, not silently a number; NaN and infinities
    are a `ValueError`.
    """
    if type(value) is float:  # the common case, without the slower abstract-class check
        x = value
    elif isinstance(value, bool | str | bytes) or not isinstance(value, numbers.Real):
        raise TypeError(f"`{name}` must be a real number, got {type(value).__name__} {value!r}")
    else:
        x = float(value)
    if x != x or x in (float("inf"), float("-inf")):
        raise ValueError(f"`{name}` must be finite, got {value!r}")
    return x


def check_nonnegative(value: object, *, name: str, allow_zero: bool = True) -> float:
    """Return ``value`` as a float (a real number >= 0, or > 0), or raise naming the
    argument (`TypeError` for a non-number, `ValueError` for a bad number)."""
    x = check_real(value, name=name)
    if x < 0 or (x == 0 and not allow_zero):
        bound = ">= 0" if allow_zero else "> 0"
        raise ValueError(f"`{name}` must be {bound}, got {value!r}")
    return x


def check_share(value: object, *, name: str) -> float:
    """Return ``value`` as a float if it is a share, a real number in [0, 1]."""
    x = check_nonnegative(value, name=name)
    if x > 1:
        raise ValueError(f"`{name}` is a share (0-1), got {value!r}")
    return x


def check_output_file(path: object, *, name: str = "path") -> Path:
    """``path`` as a `pathlib.Path` of a file to write (``~`` expanded, as pandas does),
    checked before any work: not a path (``3``) is a `TypeError`, an existing folder or
    one written as such (``out.csv/``) a `ValueError`, each naming it (open() raised
    IsADirectoryError after the work was done, and a trailing separator was dropped)."""
    if isinstance(path, bool) or not isinstance(path, str | os.PathLike):
        raise TypeError(f"`{name}` must be a file path, got {type(path).__name__} {path!r}")
    text = os.fspath(path)
    target = Path(text).expanduser()
    if target.is_dir() or str(text).endswith(("/", os.sep)):
        raise ValueError(f"`{name}` {str(text)!r} is a folder; give a file name")
    return target


def one_of(**given: Any) -> Any:
    """The one of two spellings of an argument that was given (``readout=`` or
    ``readouts=``), None for neither; both is refused rather than one ignored."""
    named = [k for k, v in given.items() if v is not None]
    if len(named) > 1:
        raise TypeError(f"give one of {' or '.join(f'`{k}`' for k in given)}, not both")
    return given[named[0]] if named else None


def check_count(value: object, *, name: str, minimum: int = 1) -> int:
    """Return ``value`` if it is an integer >= ``minimum`` (not a bool, not a float)."""
    if isinstance(value, bool) or not isinstance(value, numbers.Integral):
        raise TypeError(f"`{name}` must be an integer, got {type(value).__name__} {value!r}")
    if value < minimum:
        raise ValueError(f"`{name}` must be >= {minimum}, got {value!r}")
    return int(value)


def wants_ensemble(ensemble: object, n_members: object) -> bool:
    """Whether a verb runs over a parameter ensemble (``ensemble`` neither None nor
    False). ``n_members`` without an ensemble is refused: it would be ignored silently,
    and the answer would be one model's, not the first members' quantiles."""
    if ensemble is None or (isinstance(ensemble, bool | np.bool_) and not ensemble):
        if n_members is not None:
            raise ValueError(
                f"`n_members` ({n_members!r}) needs `ensemble` (True, 'all', 'verified' "
                "or a DataFrame of members)"
            )
        return False
    return True


def check_flag(value: object, *, name: str) -> bool:
    """Return ``value`` if it is a boolean: ``"no"`` or ``0`` is not silently a truth value."""
    if not isinstance(value, bool):
        import numpy as np

        if not isinstance(value, np.bool_):
            raise TypeError(f"`{name}` must be True or False, got {type(value).__name__} {value!r}")
    return bool(value)


def one_name(value: object, *, name: str, why: str) -> str | None:
    """None, a name, or a list of exactly one name (as `check_names` reads them) -> the
    name; more than one is refused, saying ``why`` one is taken."""
    if value is None:
        return None
    names = check_names(value, name=name)
    if len(names) != 1:
        raise ValueError(f"`{name}` takes one name here ({why}), got {names!r}")
    return names[0]


def check_names(value: object, *, name: str, allow_none: bool = True) -> list[str]:
    """A name or a sequence of names as a list, refusing what would be silently misread.

    ``None`` is the empty list; a string is one name; a mapping is refused (its keys would
    be taken as names and its values ignored); every element must be a string, and a name
    given twice is refused.
    """
    if value is None and allow_none:
        return []
    if isinstance(value, str):
        return [value]
    if isinstance(value, list | tuple):  # no check against the abstract classes (slower)
        names = list(value)
    elif isinstance(value, Mapping | bytes) or not isinstance(value, Iterable):
        raise TypeError(
            f"`{name}` must be a name or a list of names, got {type(value).__name__} {value!r}"
        )
    else:
        names = list(value)
    for i, v in enumerate(names):
        if not isinstance(v, str):
            raise TypeError(f"`{name}[{i}]` must be a name (str), got {type(v).__name__} {v!r}")
    seen = {n for n in names if names.count(n) > 1}
    if seen:
        raise ValueError(f"`{name}` names {', '.join(map(repr, sorted(seen)))} more than once")
    return names
