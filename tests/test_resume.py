"""A sweep killed with SIGKILL part-way, started again, ends with every row exactly once;
its pool workers die with it."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pandas as pd
import pytest

import mtor_sim as ms
from mtor_sim._store import MANIFEST

SCRIPT = """
import sys
import mtor_sim as ms
from mtor_sim._store import MANIFEST
out = sys.argv[1]
ms.sweep(ms.load_model(), {"PTEN_total": [0.2 + 0.01 * i for i in range(150)],
                           "everolimus": [0.0, 1.0, 10.0, 100.0]},
         readouts=["pS6K1", "pAKT_S473"], chunk_size=20, out=out, progress=False)
"""
SPACE = {"PTEN_total": [0.2 + 0.01 * i for i in range(150)], "everolimus": [0.0, 1.0, 10.0, 100.0]}
N = 600


@pytest.mark.skipif(not hasattr(signal, "SIGKILL"), reason="needs SIGKILL")
def _recorded(out: Path) -> int:
    """Parts the folder's manifest records (0 before it exists; it is replaced whole)."""
    try:
        return len(json.loads((out / MANIFEST).read_text())["parts"])
    except (OSError, ValueError, KeyError):
        return 0


def test_sweep_survives_sigkill(tmp_path: Path, model: ms.Model) -> None:
    out = tmp_path / "sweep"
    proc = subprocess.Popen([sys.executable, "-c", SCRIPT, str(out)])
    try:
        deadline = time.monotonic() + 120
        while _recorded(out) < 3:  # let it finish a few parts (a part file can precede
            # its record in the manifest by an instant: count records, not files)
            assert proc.poll() is None, "the sweep finished before it could be killed"
            assert time.monotonic() < deadline, "the sweep wrote no parts in 120 s"
            time.sleep(0.02)
        os.kill(proc.pid, signal.SIGKILL)
        proc.wait(timeout=30)
    finally:
        if proc.poll() is None:
            proc.kill()
    assert proc.returncode == -signal.SIGKILL
    # the manifest records every part finished before the kill (a part written in the
    # instant before its record is not trusted, and is computed again)
    done_before = len(json.loads((out / MANIFEST).read_text())["parts"])
    assert 3 <= done_before < N // 20

    resumed = ms.sweep(
        model, SPACE, readouts=["pS6K1", "pAKT_S473"], chunk_size=20, out=out, progress=False
    )
    t = resumed.table
    assert resumed.settings["resumed_points"] == 20 * done_before
    assert len(t) == N and list(t["point"]) == list(range(N))  # every row exactly once
    assert not list(out.glob("part-*.tmp*"))
    fresh = ms.sweep(model, SPACE, readouts=["pS6K1", "pAKT_S473"], progress=False).table
    pd.testing.assert_frame_equal(t, fresh)


POOL_SCRIPT = """
import sys
import mtor_sim as ms
ms.sweep(ms.load_model(), {"PTEN_total": [0.2 + 0.001 * i for i in range(3000)]},
         readouts=["pS6K1"], backend="processes", n_workers=2, chunk_size=10,
         out=sys.argv[1], progress=False)
"""


def _children(pid: int) -> list[int]:
    """Live processes whose parent is ``pid`` (from /proc)."""
    kids = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                stat = (entry / "stat").read_text()
            except OSError:
                continue
            state, ppid = stat.rsplit(")", 1)[1].split()[:2]
            if int(ppid) == pid and state != "Z":
                kids.append(int(entry.name))
    return kids


def _alive(pid: int) -> bool:
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return False
    return stat.rsplit(")", 1)[1].split()[0] != "Z"  # a zombie has stopped


@pytest.mark.skipif(
    not Path("/proc/self/stat").exists() or not hasattr(signal, "SIGKILL"),
    reason="needs /proc and SIGKILL",
)
def test_pool_workers_die_with_their_parent(tmp_path: Path) -> None:
    out = tmp_path / "sweep"
    proc = subprocess.Popen([sys.executable, "-c", POOL_SCRIPT, str(out)])
    workers: list[int] = []
    try:
        deadline = time.monotonic() + 120
        while not list(out.glob("part-*.parquet")) or len(workers) < 2:
            assert proc.poll() is None, "the sweep ended before it could be killed"
            assert time.monotonic() < deadline, "no worker wrote a part in 120 s"
            workers = _children(proc.pid)
            time.sleep(0.05)
        os.kill(proc.pid, signal.SIGKILL)
        proc.wait(timeout=30)
        deadline = time.monotonic() + 10
        while any(_alive(w) for w in workers) and time.monotonic() < deadline:
            time.sleep(0.05)
        survivors = [w for w in workers if _alive(w)]
    finally:
        if proc.poll() is None:
            proc.kill()
        for w in workers:  # never leave a stray process behind, whatever happened
            if _alive(w):
                os.kill(w, signal.SIGKILL)
    assert not survivors, f"workers {survivors} outlived their parent"
    parts = sorted(out.glob("part-*"))
    time.sleep(0.5)
    assert sorted(out.glob("part-*")) == parts  # nothing writes into the folder any more


def test_a_grid_whose_names_are_reordered_is_another_run(model, tmp_path) -> None:
    """A grid's point numbers follow the order of its names: reordered, the folder's
    parts would hold other points, so the run is refused, not mixed in."""
    space = {"GF": [0.2, 1.0], "everolimus": [0.0, 10.0]}
    ms.sweep(model, space, ["pS6K1"], out=tmp_path / "parts", progress=False)
    flipped = dict(reversed(list(space.items())))
    with pytest.raises(ms.StoreError, match="changed: order"):
        ms.sweep(model, flipped, ["pS6K1"], out=tmp_path / "parts", progress=False)


def test_a_grid_resumes_whatever_seed_it_was_given(model, tmp_path, capsys) -> None:
    """A grid draws nothing, so a seed does not shape it: the folder of a grid started
    from Python resumes from the command line (which passes its default seed) and with
    any ``seed=``, rather than being refused as another sweep."""
    from mtor_sim.cli import main

    out = tmp_path / "parts"
    first = ms.sweep(model, {"GF": [0.2, 1.0]}, ["pS6K1"], out=out, progress=False)
    again = ms.sweep(model, {"GF": [0.2, 1.0]}, ["pS6K1"], out=out, seed=5, progress=False)
    assert again.settings["resumed_points"] == 2
    assert again.settings["seed"] is None
    args = ["sweep", "--grid", "GF=0.2,1.0", "-r", "pS6K1", "--parts", str(out), "-q"]
    assert main([*args, "-o", str(tmp_path / "t.csv")]) == 0, capsys.readouterr().err
    table = pd.read_csv(tmp_path / "t.csv")
    pd.testing.assert_frame_equal(table[first.table.columns[:3]], first.table.iloc[:, :3])


def test_parts_of_another_release_are_not_resumed(model, tmp_path, monkeypatch) -> None:
    """The engine's numbers can change between releases: its version is in the run's
    fingerprint, so an upgraded package refuses the old parts rather than mixing them."""
    space = {"GF": [0.2, 1.0]}
    ms.sweep(model, space, ["pS6K1"], out=tmp_path / "parts", progress=False)
    monkeypatch.setattr(ms, "__version__", "99.0")
    with pytest.raises(ms.StoreError, match="changed: engine"):
        ms.sweep(model, space, ["pS6K1"], out=tmp_path / "parts", progress=False)
