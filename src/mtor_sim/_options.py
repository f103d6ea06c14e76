"""How a batch verb runs: one options object for every verb that evaluates many conditions.

`sweep`, `knockout_screen`, `sensitivity`, `dose_response`, `combination`, `trial`,
`steady_states`, the fits and the ensemble claims all take ``run=RunOptions(...)``. The
keywords ``backend``, ``n_workers``, ``scheduler``, ``out`` and ``progress`` (and, where
a verb streams to disk, ``chunk_size`` and ``resume``) are shorthand for the same
fields; a call gives its options one way or the other, never both, so no call has two
answers to one question.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import asdict, dataclass, fields
from pathlib import Path
from typing import Any

from ._errors import check_count, check_flag, check_name

__all__ = ["BACKENDS", "RUN_FIELDS", "RunOptions", "resolve_run"]

BACKENDS = ("serial", "processes", "dask")


@dataclass(frozen=True)
class RunOptions:
    """Where a batch verb's points are solved and where its results are kept.

    Parameters
    ----------
    backend : {"serial", "processes", "dask"}
        This process, a pool of local processes, or a Dask cluster.
    n_workers : int, optional
        Worker processes (default: every core).
    scheduler : str, optional
        Address of a running Dask scheduler (``backend="dask"``); a local cluster of
        ``n_workers`` when omitted.
    chunk_size : int, optional
        Points per task and per stored part (default: chosen from the size of the run).
    out : path, optional
        Folder to stream results into as verified Parquet parts with a manifest; a
        killed run resumes from it. Memory stays flat however large the run.
    resume : bool
        Keep the verified parts of an identical earlier run in ``out`` (default) or
        compute them again.
    progress : bool, optional
        Show a progress bar. Unset: the verb's own default (on for sweeps, screens,
        sensitivities and trials; off for the small batches of dose-responses,
        combinations, condition lists, claims and fits).

    Examples
    --------
    >>> import mtor_sim as ms
    >>> run = ms.RunOptions(backend="processes", n_workers=2, progress=False)
    >>> run.replace(out="sweep_parts").out
    'sweep_parts'
    """

    backend: str = "serial"
    n_workers: int | None = None
    scheduler: str | None = None
    chunk_size: int | None = None
    out: str | Path | None = None
    resume: bool = True
    progress: bool | None = None

    def __post_init__(self) -> None:
        check_name(self.backend, BACKENDS, kind="backend")
        if self.n_workers is not None:
            check_count(self.n_workers, name="n_workers")
        if self.chunk_size is not None:
            check_count(self.chunk_size, name="chunk_size")
        if self.scheduler is not None and not isinstance(self.scheduler, str):
            raise TypeError(f"`scheduler` must be an address string, got {self.scheduler!r}")
        # options of another backend would be accepted and ignored: `--workers 8` on the
        # serial default ran in this one process
        if self.n_workers is not None and self.backend == "serial":
            raise ValueError(
                f"`n_workers` ({self.n_workers}) sizes a pool of processes; the serial "
                "backend runs in this process: give backend='processes' or 'dask' "
                "(--backend on the command line)"
            )
        if self.scheduler is not None and self.backend != "dask":
            raise ValueError(
                f"`scheduler` ({self.scheduler!r}) is the address of a Dask scheduler; "
                f"the {self.backend} backend has none: give backend='dask' "
                "(--backend dask on the command line)"
            )
        if self.n_workers is not None and self.scheduler is not None:
            raise ValueError(
                f"`n_workers` ({self.n_workers}) sizes the local Dask cluster started when "
                f"no `scheduler` is given; the cluster at {self.scheduler!r} has its own workers"
            )
        if self.out is not None and not isinstance(self.out, str | os.PathLike):
            raise TypeError(f"`out` must be a folder path, got {type(self.out).__name__}")
        if self.out is not None and not str(self.out).strip():
            raise ValueError(
                "`out` is empty: give a folder path, or None to keep results in memory"
            )
        check_flag(self.resume, name="resume")
        if self.progress is not None:
            check_flag(self.progress, name="progress")

    @property
    def workers(self) -> int:
        """Processes the backend uses (1 for ``serial``; every core when unset)."""
        if self.backend == "serial":
            return 1
        return self.n_workers or os.cpu_count() or 1

    def replace(self, **changes: Any) -> RunOptions:
        """A copy with ``changes`` (checked like the constructor's arguments)."""
        unknown = set(changes) - set(RUN_FIELDS)
        if unknown:
            raise TypeError(f"RunOptions has no field(s) {sorted(unknown)}: {list(RUN_FIELDS)}")
        return RunOptions(**{**asdict(self), **changes})

    def as_dict(self) -> dict[str, Any]:
        """JSON-safe fields (``out`` as a string)."""
        d = asdict(self)
        d["out"] = None if self.out is None else str(self.out)
        return d


RUN_FIELDS = tuple(f.name for f in fields(RunOptions))


def resolve_run(
    run: RunOptions | Mapping[str, Any] | None,
    *,
    verb: str,
    allowed: tuple[str, ...] = RUN_FIELDS,
    quiet: bool = False,
    **shorthand: Any,
) -> RunOptions:
    """One `RunOptions` from a verb's ``run=`` and its shorthand keywords.

    ``shorthand`` holds the keywords as the caller passed them, ``None`` where not
    given. ``run`` together with any shorthand keyword is refused (`TypeError`), as
    is a field the verb has no use for (``allowed``), e.g. ``out`` for a fit. A
    ``quiet`` verb (a small batch, or one whose library shows its own bars) shows no
    progress bar unless asked.
    """
    given = {k: v for k, v in shorthand.items() if v is not None}
    if run is not None and given:
        raise TypeError(
            f"{verb}: give the run options either as `run=` or as keywords "
            f"({', '.join(f'`{k}`' for k in sorted(given))}), not both"
        )
    if run is None:
        base = RunOptions()
    elif isinstance(run, RunOptions):
        base = run
    elif isinstance(run, Mapping):
        try:
            base = RunOptions().replace(**dict(run))
        except (TypeError, ValueError, KeyError) as exc:  # say which argument was wrong
            raise type(exc)(f"`run`: {exc}") from None
    else:
        raise TypeError(
            f"`run` must be a RunOptions (or a mapping of its fields), got {type(run).__name__}"
        )
    opts = base.replace(**given) if given else base
    if opts.progress is None:  # the verb's own default
        opts = opts.replace(progress=not quiet)
    default = RunOptions()
    unused = [k for k in RUN_FIELDS if k not in allowed and getattr(opts, k) != getattr(default, k)]
    if unused:
        raise TypeError(f"{verb} does not use the run option(s) {unused}")
    return opts
