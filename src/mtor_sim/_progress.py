"""Progress of long runs: a tqdm bar on a terminal, plain lines when stderr is not one.

With output piped (CI logs, notebooks' captured stderr, ``| tee``) a redrawn bar is
either hidden or garbles the log; there a line is printed every 10 % of the work, and
at least every 10 s while work goes on, so a long run is never silent.
"""

from __future__ import annotations

import sys
import time
from typing import IO, Any

__all__ = ["progress_bar", "LineProgress"]


class LineProgress:
    """The subset of tqdm's interface the package uses (``update``, ``close``, ``n``,
    ``total``), printing one line per step of ``every`` (fraction) or ``seconds``."""

    def __init__(
        self,
        *,
        total: float | None,
        desc: str,
        unit: str,
        initial: float = 0,
        file: IO[str] | None = None,
        every: float = 0.1,
        seconds: float = 10.0,
        clock: Any = time.monotonic,
    ) -> None:
        self.total = total
        self.n = initial
        self.desc, self.unit = desc, unit
        self.file = file if file is not None else sys.stderr
        self.every, self.seconds = every, seconds
        self._clock = clock
        self._start = self._last_time = clock()
        self._last_step = self._step()
        self._closed = False

    def _step(self) -> int:
        if not self.total:
            return 0
        return int(self.n / self.total / self.every + 1e-9)

    def _line(self) -> None:
        elapsed = self._clock() - self._start
        if self.total:
            pct = 100.0 * self.n / self.total
            text = f"{self.desc}: {self.n:g}/{self.total:g} {self.unit} ({pct:.0f} %)"
        else:
            text = f"{self.desc}: {self.n:g} {self.unit}"
        print(f"{text}, {elapsed:.0f} s", file=self.file, flush=True)
        self._last_time = self._clock()

    def update(self, n: float = 1) -> None:
        self.n += n
        step = self._step()
        if step > self._last_step or self._clock() - self._last_time >= self.seconds:
            self._last_step = step
            self._line()

    def refresh(self) -> None:
        """Re-read ``total`` after it was changed (no output)."""
        self._last_step = self._step()

    def close(self) -> None:
        if not self._closed:
            self._closed = True
            if (
                self._last_time == self._start
                or (self.total and self.n < self.total)
                or self._step() != self._last_step
            ):
                self._line()

    def __enter__(self) -> LineProgress:
        return self

    def __exit__(self, *exc: Any) -> None:
        self.close()


def progress_bar(
    *,
    total: float | None,
    desc: str,
    unit: str,
    enabled: bool = True,
    initial: float = 0,
    leave: bool = False,
) -> Any:
    """A progress display: tqdm on a terminal, `LineProgress` on a pipe or file, a silent
    tqdm when ``enabled`` is False."""
    from tqdm.auto import tqdm

    class Bar(tqdm):  # no monitor thread: pools fork after the bar exists
        monitor_interval = 0

    if not enabled:
        return Bar(total=total, initial=initial, disable=True)
    stream = sys.stderr
    if stream is not None and hasattr(stream, "isatty") and stream.isatty():
        return Bar(total=total, initial=initial, desc=desc, unit=unit, leave=leave)
    return LineProgress(total=total, desc=desc, unit=unit, initial=initial, file=stream)
