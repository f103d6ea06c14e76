"""A sweep killed with SIGKILL part-way, started again, ends with every row exactly once."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pandas as pd
import pytest

import mtor_sim as ms

SCRIPT = """
import sys
import mtor_sim as ms
out = sys.argv[1]
ms.sweep(ms.load_model(), {"PTEN_total": [0.2 + 0.01 * i for i in range(150)],
                           "everolimus": [0.0, 1.0, 10.0, 100.0]},
         readouts=["pS6K1", "pAKT_S473"], chunk_size=20, out=out, progress=False)
"""
SPACE = {"PTEN_total": [0.2 + 0.01 * i for i in range(150)],
         "everolimus": [0.0, 1.0, 10.0, 100.0]}
N = 600


@pytest.mark.skipif(not hasattr(signal, "SIGKILL"), reason="needs SIGKILL")
def test_sweep_survives_sigkill(tmp_path: Path, model: ms.Model) -> None:
    out = tmp_path / "sweep"
    proc = subprocess.Popen([sys.executable, "-c", SCRIPT, str(out)])
    try:
        deadline = time.monotonic() + 120
        while len(list(out.glob("part-*.parquet"))) < 3:  # let it write a few parts
            assert proc.poll() is None, "the sweep finished before it could be killed"
            assert time.monotonic() < deadline, "the sweep wrote no parts in 120 s"
            time.sleep(0.02)
        os.kill(proc.pid, signal.SIGKILL)
        proc.wait(timeout=30)
    finally:
        if proc.poll() is None:
            proc.kill()
    assert proc.returncode == -signal.SIGKILL
    done_before = len(list(out.glob("part-*.parquet")))
    assert 3 <= done_before < N // 20

    resumed = ms.sweep(model, SPACE, readouts=["pS6K1", "pAKT_S473"], chunk_size=20, out=out,
                       progress=False)
    t = resumed.table
    assert resumed.settings["resumed_points"] == 20 * done_before
    assert len(t) == N and list(t["point"]) == list(range(N))  # every row exactly once
    assert not list(out.glob("part-*.tmp*"))
    fresh = ms.sweep(model, SPACE, readouts=["pS6K1", "pAKT_S473"], progress=False).table
    pd.testing.assert_frame_equal(t, fresh)
