"""The package's small exception family."""

from __future__ import annotations

import difflib
from collections.abc import Iterable

__all__ = [
    "MtorSimError",
    "UnknownNameError",
    "ModelFileError",
    "SolverError",
    "PetabError",
    "check_name",
    "check_nonnegative",
]


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


class PetabError(MtorSimError, ValueError):
    """A PEtab problem is invalid (the message quotes the PEtab linter and names the file)
    or uses a feature this package does not support."""


def check_name(name: object, valid: Iterable[str], *, kind: str) -> str:
    """Return ``name`` if it is one of ``valid``; otherwise raise `UnknownNameError`.

    The message lists the valid names and the closest match, e.g.
    ``unknown drug 'everolimu'; did you mean 'everolimus'? Valid drugs: ...``.
    """
    if isinstance(name, str) and isinstance(valid, dict | set | frozenset) and name in valid:
        return name  # fast path for the hot loops of sweeps and cohorts
    valid = list(valid)
    if isinstance(name, str) and name in valid:
        return name
    shown = repr(name)
    close = ([v for v in valid if v.lower() == name.lower()]  # a matter of case first
             or difflib.get_close_matches(name, valid, n=1, cutoff=0.5)) if isinstance(
        name, str) else []
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


def check_nonnegative(value: object, *, name: str, allow_zero: bool = True) -> float:
    """Return ``value`` as a float, or raise ``ValueError`` naming the argument."""
    try:
        x = float(value)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        raise ValueError(f"`{name}` must be a number, got {value!r}") from None
    if x != x or x in (float("inf"), float("-inf")):
        raise ValueError(f"`{name}` must be finite, got {value!r}")
    if x < 0 or (x == 0 and not allow_zero):
        bound = ">= 0" if allow_zero else "> 0"
        raise ValueError(f"`{name}` must be {bound}, got {value!r}")
    return x
