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

import contextlib
from collections.abc import Iterator


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


@contextlib.contextmanager
def quiet() -> Iterator[None]:
    """Run libroadrunner without its console log (CVODE and NLEQ warnings and errors):
    what fails reaches the caller as an exception whose text the result's message
    quotes, instead of hundreds of lines on stderr during a screen. The user's log level
    is restored after."""
    from roadrunner import Logger

    before = Logger.getLevel()
    Logger.setLevel(Logger.LOG_FATAL)
    try:
        yield
    finally:
        Logger.setLevel(before)
