"""Guards around process-wide behaviour of libroadrunner's Python layer.

Loading a model makes libroadrunner add a property to the `RoadRunner` class for every
species, parameter and compartment id, and delete the previous model's ones first. A
model with a parameter named ``reset`` (SBML Test Suite case 953) thereby replaces the
class's ``reset`` method, and loading the next model deletes it: every later
``resetAll()`` in the process fails with ``AttributeError: reset``. The package reads
and writes model values by selection (``r["S1"]``), never through these properties, so
its runners are built with them switched off, and the user's setting is restored after.
"""

from __future__ import annotations

import atexit
import contextlib
import functools
import os
import re
import sys
import tempfile
from collections.abc import Iterator
from typing import Any


@contextlib.contextmanager
def no_dynamic_properties() -> Iterator[None]:
    """Build or load RoadRunner objects without class-level model properties."""
    from roadrunner import Config

    key = Config.ROADRUNNER_DISABLE_PYTHON_DYNAMIC_PROPERTIES
    before = Config.getValue(key)
    Config.setValue(key, True)
    try:
        yield
    finally:
        Config.setValue(key, before)


class EngineLog(list):
    """What the engine printed during a `quiet` block, one line per item, filled when
    the block ends (empty until then)."""

    def summary(self, limit: int = 2) -> str:
        """The distinct messages, shortened (``CVode warning: ...``), at most ``limit``
        of them, and how many lines there were; ``""`` when there were none."""
        if not self:
            return ""
        texts: list[str] = []
        keys: set[str] = set()
        for line in self:
            m = _SUNDIALS_LINE.match(line)
            text = f"{m.group(2)} {m.group(1).lower()}: {m.group(3)}" if m else line
            key = _NUMBERS.sub("#", text)  # the same message at other times: one entry
            if key not in keys:
                keys.add(key)
                texts.append(text)
        shown = texts[:limit]
        more = f" (and {len(self) - len(shown)} more lines)" if len(self) > len(shown) else ""
        return "engine said: " + " | ".join(shown) + more


# "[WARNING][rank 0][/path/cvodes.c:3486][CVode] At t = 1.2, mxstep steps taken ..."
_SUNDIALS_LINE = re.compile(r"\[(WARNING|ERROR)\](?:\[rank \d+\])?\[[^\]]*\]\[(\w+)\]\s*(.*)")
_NUMBERS = re.compile(r"[-+]?\d+(?:\.\d+)?(?:[eE][-+]?\d+)?")


@functools.lru_cache(maxsize=4)
def _capture_file(pid: int) -> Any:
    """This process's file that the engine's stderr goes to during `quiet` blocks (one
    per process: a forked worker must not share its parent's file offset)."""
    capture = tempfile.TemporaryFile(mode="w+b")
    atexit.register(capture.close)
    return capture


@contextlib.contextmanager
def quiet() -> Iterator[EngineLog]:
    """Run libroadrunner without printing: its console log (CVODE and NLEQ messages)
    is switched off, and what SUNDIALS writes at the C level (``[ERROR] ... cvodes.c``
    lines to stderr, ``[WARNING]`` lines to stdout, hundreds during a screen or a fit)
    is captured instead of reaching the terminal or a table printed to stdout. The block
    yields an `EngineLog` that holds those lines once it ends, for the result's message.
    The user's log level, stdout and stderr are restored after.

    Examples
    --------
    >>> with quiet() as log:
    ...     pass
    >>> list(log)
    []
    """
    from roadrunner import Logger

    log = EngineLog()
    before = Logger.getLevel()
    Logger.setLevel(Logger.LOG_FATAL)
    capture = _capture_file(os.getpid())
    saved: dict[int, int] = {}
    for fd in _STREAMS:
        try:
            dup = os.dup(fd)
        except OSError:  # no such stream to redirect (a closed descriptor)
            continue
        if os.path.sameopenfile(fd, capture.fileno()):  # an enclosing block captures it
            os.close(dup)
            continue
        saved[fd] = dup
    if saved:
        for stream in (sys.stdout, sys.stderr):  # None under pythonw or an embedding
            if stream is not None:
                stream.flush()
        _flush_c_streams()
        for fd in saved:
            os.dup2(capture.fileno(), fd)  # empty: emptied after each block that wrote to it
    try:
        yield log
    finally:
        Logger.setLevel(before)
        if saved:
            _flush_c_streams()  # SUNDIALS's stdout is block-buffered when it is not a tty
            for fd, dup in saved.items():
                os.dup2(dup, fd)
                os.close(dup)
            if os.fstat(capture.fileno()).st_size:  # most blocks print nothing
                capture.seek(0)
                text = capture.read().decode("utf-8", "replace")
                capture.seek(0)
                capture.truncate()
                log.extend(line.strip() for line in text.splitlines() if line.strip())


#: The C-level streams `quiet` captures: stdout (SUNDIALS's warnings) and stderr (its errors).
_STREAMS = (1, 2)


def _flush_c_streams() -> None:
    """Flush the C library's buffered streams (``fflush(NULL)``), so that what the engine
    wrote before a redirect ends up on the side of it where it was written."""
    try:
        _libc().fflush(None)
    except (OSError, AttributeError):  # no C library to reach: nothing buffered there
        pass


@functools.lru_cache(maxsize=1)
def _libc() -> Any:
    import ctypes

    return ctypes.CDLL(None)


#: What each CVODE failure means and what to try, by its flag in libroadrunner's message.
_CVODE_HINTS = (
    (
        "CV_TOO_MUCH_WORK",
        "CVODE ran out of steps before the end of an output interval: the system is very "
        "fast or stiff there (an oscillation, a pool driven far from its usual scale by the "
        "perturbation, or conserved pools of very different sizes under conserved-moiety "
        "analysis). To see the dynamics, run simulate() with more time points (the step "
        "limit holds per output interval); else try a milder perturbation or, for a "
        "knockout, the same knockout as 'S:clamp'",
    ),
    (
        ("CV_CONV_FAILURE", "CV_ERR_FAILURE"),
        "CVODE could not take a step at the required accuracy: usually a rate law that is "
        "undefined or not smooth where the state went (a species a hair below zero in a "
        "fractional power, a division by a species at zero). Check the rate laws of the "
        "species near zero; simulate(..., pre_equilibrate=False) shows where it happens",
    ),
    (
        ("CV_RHSFUNC_FAIL", "CV_FIRST_RHSFUNC_ERR", "CV_REPTD_RHSFUNC_ERR"),
        "the model's rates could not be evaluated (NaN or infinite): check its rate laws "
        "and initial values for divisions by zero",
    ),
    (
        "CV_TOO_CLOSE",
        "the requested time span is too short for CVODE: use a longer t_end",
    ),
)


def with_log(message: str, log: EngineLog) -> str:
    """``message`` followed by what the engine printed (`EngineLog.summary`), if any."""
    if not log:
        return message
    message = message.rstrip("; ")
    if not message:
        return log.summary()
    return f"{message}{'' if message.endswith('.') else ';'} {log.summary()}"


def cvode_hint(message: str) -> str:
    """``message`` (a libroadrunner integration error) followed by what it means and
    what to try, e.g. for ``CV_TOO_MUCH_WORK``; unchanged when the failure is unknown."""
    for flags, hint in _CVODE_HINTS:
        if any(f in message for f in ((flags,) if isinstance(flags, str) else flags)):
            return f"{message.rstrip('.; ')}. {hint}."
    return message


def ast_type(node: Any) -> int:
    """A libsbml AST node's type (``libsbml.AST_*``), read with libsbml's own method.

    Once ``libsedml`` has been imported after ``libsbml`` in a process (an OMEX export
    does), SWIG's shared type table hands libsbml's AST nodes out as ``libsedml.ASTNode``
    objects, whose ``getType()`` returns a pointer instead of the value, for the rest of
    the process: every comparison with an ``AST_*`` constant was then False (a csymbol
    ``time`` read as a constant turned an initial assignment ``d = time`` into a rule
    ``d := time`` in SBML Test Suite case 01821, run after an export).
    """
    import libsbml

    return int(libsbml.ASTNode.getType(node))
