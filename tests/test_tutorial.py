"""The tutorial runs from start to end and writes what it promises."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

TUTORIAL = Path(__file__).resolve().parents[1] / "docs" / "tutorial.py"


def test_tutorial_runs(tmp_path: Path) -> None:
    out = tmp_path / "out"
    done = subprocess.run(
        [sys.executable, str(TUTORIAL), str(out)],
        capture_output=True,
        text=True,
        timeout=300,
        cwd=tmp_path,
    )
    assert done.returncode == 0, done.stderr[-2000:]
    written = {p.name for p in out.iterdir()}
    assert {
        "dose_response.png",
        "dose_response.csv",
        "sweep.png",
        "knockout_screen.png",
        "pten_everolimus.xml",
        "dose_response.omex",
    } <= written
    assert "PTEN_loss" in done.stdout
