"""Shared helpers of the benchmarks: timing and a printed table of figures."""

from __future__ import annotations

import importlib.util
import os
import sys
import time
from collections.abc import Callable
from pathlib import Path
from types import ModuleType

import numpy as np

#: Quick by default (CI runs every ``bench_*.py`` without arguments); ``--full`` runs the
#: long version whose figures the README quotes. ``--quick`` is accepted and changes nothing.
QUICK = "--full" not in sys.argv


def median_ms(fn: Callable[[], object], n: int) -> float:
    """Median wall time of ``fn`` over ``n`` calls, in ms."""
    times = []
    for _ in range(n):
        t = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t)
    return float(np.median(times) * 1e3)


def report(title: str, rows: list[tuple[str, str, str]]) -> None:
    """Print ``(figure, measured, target)`` rows under a title."""
    print(f"\n## {title}  (machine: {os.cpu_count()} cores)")
    width = max(len(r[0]) for r in rows)
    for name, value, target in rows:
        print(f"  {name:<{width}}  {value:>22}   target: {target}")
    sys.stdout.flush()


def load_script(name: str, path: Path) -> ModuleType:
    """Import the script at ``path`` (a ``models/`` or ``benchmarks/`` file, not a package
    module) as a module called ``name``."""
    spec = importlib.util.spec_from_file_location(name, path)
    assert spec is not None and spec.loader is not None
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod
