"""Every script in experiments/ runs (Agg backend) and writes its figures and CSV."""

from __future__ import annotations

import importlib

import pandas as pd
import pytest
from mtor_sim.experiments import EXPERIMENTS


@pytest.mark.parametrize("name", EXPERIMENTS)
def test_experiment_writes_files(name, tmp_path):
    written = importlib.import_module(f"mtor_sim.experiments.{name}").main(tmp_path)
    suffixes = {p.suffix for p in written}
    assert {".png", ".svg", ".csv"} <= suffixes
    for p in written:
        assert p.exists() and p.stat().st_size > 0
        if p.suffix == ".csv":
            assert len(pd.read_csv(p)) > 0
