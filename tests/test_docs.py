"""The examples in the public docstrings run and give what they show."""

from __future__ import annotations

import doctest
import importlib

import pytest

MODULES = [
    "mtor_sim",
    "mtor_sim._model",
    "mtor_sim._engine",
    "mtor_sim._dose_response",
    "mtor_sim._sweep",
    "mtor_sim._store",
    "mtor_sim._screen",
    "mtor_sim._sensitivity",
    "mtor_sim._hill",
    "mtor_sim._synergy",
    "mtor_sim._errors",
    "mtor_sim._export",
    "mtor_sim._omex",
    "mtor_sim._schedule",
    "mtor_sim._fit_optimize",
    "mtor_sim._fit_profile",
    "mtor_sim._fit_sample",
    "mtor_sim._fit_petab",
    "mtor_sim._ensemble",
    "mtor_sim._claims",
]


@pytest.mark.parametrize("name", MODULES)
def test_docstring_examples(name: str) -> None:
    module = importlib.import_module(name)
    result = doctest.testmod(module, optionflags=doctest.ELLIPSIS | doctest.NORMALIZE_WHITESPACE)
    assert result.failed == 0, f"{result.failed} docstring example(s) of {name} failed"
