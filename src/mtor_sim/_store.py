"""The on-disk store of batch results: Parquet parts checked against a manifest.

A run streamed to a folder (``out=``) writes one Parquet part per chunk of conditions and
a manifest, ``manifest.json``, that records the run's fingerprint (a hash of the model and
of every argument that shapes the results), how the points are cut into chunks, and for
every finished part its row range and the SHA-256 of its bytes. Nothing is trusted by
file name:

- a part is adopted on resume, and read back, only if the manifest records it for this
  run's fingerprint and chunking and its bytes still hash to the recorded checksum;
  when read back, its rows must also be exactly the recorded range of points;
- on resume, a part that fails this (truncated, bit-flipped, overwritten by another part
  or another run's part, a stray or duplicated file, a part written but not yet recorded)
  is deleted and recomputed;
- reading a damaged part back (`Store.read`, `iter_parts`) raises `StoreError` naming it,
  rather than returning different values;
- a folder holding another run's manifest is refused (its results would be mixed), and
  so is a folder holding parts but no readable manifest: without the manifest nothing
  proves which run the parts belong to;
- parts and the manifest are written atomically (a temporary file, then `os.replace`),
  so a run killed at any moment leaves complete files or none; the manifest is rewritten
  after each recorded part, so a resumed run keeps every part finished before the kill;
- a run holds a lock on its folder (a file ``.lock`` with an advisory ``flock``, where
  the platform has one, removed when the run ends): a second run into the same folder
  meanwhile is refused, rather than deleting the first one's temporary files or
  overwriting its manifest.
"""

from __future__ import annotations

import contextlib
import errno
import hashlib
import io
import json
import os
import re
import stat
import warnings
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any

import pandas as pd

from ._errors import MtorSimError, StoreError

__all__ = ["MANIFEST", "Store", "chunks", "fingerprint", "iter_parts", "write_part"]

MANIFEST = "manifest.json"
LOCK = ".lock"
#: Version of the manifest's layout; manifests of other versions are not trusted.
FORMAT = 2
_PART = re.compile(r"part-(\d{6,})\.parquet")  # 6 digits, more from part 1,000,000 on


def chunks(n: int, size: int) -> list[tuple[int, int, int]]:
    """The chunks ``(index, lo, hi)`` that cut ``n`` points into parts of ``size``."""
    return [(k, lo, min(lo + size, n)) for k, lo in enumerate(range(0, n, size))]


def fingerprint(spec: Any) -> str:
    """A short hash of everything that shapes a run's results."""
    text = json.dumps(spec, sort_keys=True, default=str)
    return hashlib.sha256(text.encode()).hexdigest()[:20]


def part_name(chunk: int) -> str:
    return f"part-{chunk:06d}.parquet"


def write_part(frame: pd.DataFrame, target: Path) -> tuple[int, int, str]:
    """Write a Parquet part atomically; return its number of rows, its size in bytes and
    the SHA-256 of its bytes (hashed in memory, before they reach the disk)."""
    buffer = io.BytesIO()
    frame.to_parquet(buffer, index=False)
    data = buffer.getvalue()
    _write_atomic(target, data)
    return len(frame), len(data), hashlib.sha256(data).hexdigest()


def read_regular(path: Path, *, size: int | None = None) -> bytes:
    """The bytes of ``path``, which must be a regular file (of ``size`` bytes if given):
    a symlink, FIFO or device is refused with `OSError` before anything is read, so a
    planted ``/dev/zero`` or pipe can neither exhaust memory nor hang the run."""
    fd = os.open(
        path,
        os.O_RDONLY
        | getattr(os, "O_NOFOLLOW", 0)
        | getattr(os, "O_NONBLOCK", 0)
        | getattr(os, "O_BINARY", 0),
    )
    with os.fdopen(fd, "rb") as fh:
        st = os.fstat(fd)
        if not stat.S_ISREG(st.st_mode):
            raise OSError(f"{str(path)!r} is not a regular file")
        if size is not None and st.st_size != size:
            raise OSError(f"{str(path)!r} has {st.st_size} bytes, not the {size} recorded")
        return fh.read()


def _write_atomic(target: Path, data: str | bytes) -> None:
    """Write ``target`` whole or not at all: to a new temporary file beside it (a name
    no one can guess, created exclusively, never through a symlink planted in its
    place), then renamed over it."""
    import secrets

    tmp = target.with_name(f"{target.name}.tmp{os.getpid()}.{secrets.token_hex(8)}")
    flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_NOFOLLOW", 0)
    fd = os.open(tmp, flags | getattr(os, "O_BINARY", 0), 0o644)
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(data.encode() if isinstance(data, str) else data)
        os.replace(tmp, target)
    finally:
        tmp.unlink(missing_ok=True)  # gone already when the rename succeeded


#: A verified part as the manifest records it: its first and past-the-end point, its
#: size in bytes and the SHA-256 of its bytes.
Record = tuple[int, int, int, str]


def _parse_manifest(text: str) -> dict[str, Any]:
    """The manifest's content, checked field by field; `ValueError` when malformed."""
    old = json.loads(text)  # a JSONDecodeError is a ValueError
    if not isinstance(old, dict) or not isinstance(old.get("fingerprint"), str):
        raise ValueError("no fingerprint")
    if old.get("format") != FORMAT:
        return old  # another layout: the fingerprint is still readable; parts are not
    size, n, parts = old.get("chunk_size"), old.get("n"), old.get("parts")
    if not (
        isinstance(size, int)
        and size >= 1
        and isinstance(n, int)
        and n >= 0
        and isinstance(parts, dict)
    ):
        raise ValueError("chunk_size, n or parts missing")
    records: dict[int, Record] = {}
    for key, rec in parts.items():
        if not (
            isinstance(key, str)
            and key.isdigit()
            and isinstance(rec, dict)
            and isinstance(rec.get("lo"), int)
            and isinstance(rec.get("hi"), int)
            and isinstance(rec.get("bytes"), int)
            and isinstance(rec.get("sha256"), str)
            and rec.get("rows") == rec["hi"] - rec["lo"]
        ):
            raise ValueError(f"bad record of part {key!r}")
        records[int(key)] = (rec["lo"], rec["hi"], rec["bytes"], rec["sha256"])
    old["records"] = records
    return old


def _read_manifest(folder: Path) -> dict[str, Any] | None:
    """The folder's manifest (None when there is none); `StoreError` when unreadable."""
    path = folder / MANIFEST
    if not os.path.lexists(path):
        return None
    try:
        text = read_regular(path).decode()
    except (OSError, UnicodeDecodeError) as exc:
        raise StoreError(
            f"the manifest {str(path)!r} cannot be read ({exc}); the parts "
            "beside it cannot be verified. Use a new folder, or delete this "
            "one to start again."
        ) from None
    try:
        return _parse_manifest(text)
    except (ValueError, TypeError, KeyError) as exc:
        raise StoreError(
            f"the manifest {str(path)!r} is damaged ({exc.__class__.__name__}: "
            f"{exc}); the parts beside it cannot be verified, so none is used. "
            "Use a new folder, or delete this one to start again."
        ) from None


def _part_files(folder: Path) -> list[Path]:
    """Every file that looks like a part, temporary files aside."""
    return [p for p in folder.glob("part-*") if ".tmp" not in p.name]


def _load_part(folder: Path, chunk: int, record: Record) -> pd.DataFrame:
    """A recorded part, read once, checked against its checksum and its row range."""
    lo, hi, size, sha = record
    path = folder / part_name(chunk)
    try:
        data = read_regular(path, size=size)
    except OSError as exc:
        raise StoreError(
            f"part {str(path)!r} is missing or unreadable ({exc}); run the "
            "sweep again with the same arguments and `out=` to recompute "
            "it"
        ) from None
    if hashlib.sha256(data).hexdigest() != sha:
        raise StoreError(
            f"part {str(path)!r} is damaged: its bytes no longer match the "
            "checksum in the manifest. Run the sweep again with the same "
            "arguments and `out=` to recompute it."
        )
    frame = pd.read_parquet(io.BytesIO(data))
    points = frame["point"].to_numpy() if "point" in frame else None
    if points is None or len(frame) != hi - lo or not (points == range(lo, hi)).all():
        raise StoreError(
            f"part {str(path)!r} does not hold points {lo}-{hi - 1} as the manifest records"
        )
    return frame


class Store:
    """A folder of verified Parquet parts with a manifest; or, without a folder, a dict in
    memory.

    Parameters
    ----------
    path : path or None
        Folder of parts (created if missing); None keeps the results in memory.
    spec : dict
        Everything that shapes the results; its hash is the run's fingerprint.
    resume : bool
        Keep the verified parts of an identical earlier run, or recompute them all.
    """

    def __init__(self, path: str | Path | None, spec: Mapping[str, Any], *, resume: bool) -> None:
        self.path = None if path is None else Path(path)
        self.spec = dict(spec)
        self.fingerprint = fingerprint(spec)
        self._memory: dict[int, pd.DataFrame] = {}
        self.records: dict[int, Record] = {}
        self.previous_chunk_size: int | None = None  # of the parts already recorded
        self.recomputed = 0  # recorded parts that failed their check on resume
        self._previous: dict[int, Record] = {}
        self._resume = resume
        self._head = ""
        self._lock: Any = None
        if self.path is None:
            return
        try:
            self.path.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise StoreError(
                f"cannot use {str(self.path)!r} as the folder of results: {exc.strerror or exc}"
            ) from None
        self._lock = _lock_folder(self.path)
        try:
            self._open(spec, resume)
        except BaseException:
            self.close()
            raise

    def close(self) -> None:
        """Release the folder for other runs (the results stay readable)."""
        if self._lock is None:
            return
        assert self.path is not None
        lock, self._lock = self._lock, None
        try:
            (self.path / LOCK).unlink(missing_ok=True)  # removed while still held
        except OSError:  # Windows: an open file cannot be removed; nothing is locked there
            lock.close()
            with contextlib.suppress(OSError):
                (self.path / LOCK).unlink(missing_ok=True)
            return
        lock.close()  # closing the file releases its lock

    def _open(self, spec: Mapping[str, Any], resume: bool) -> None:
        """Check the folder's manifest against this run and note what may be resumed."""
        assert self.path is not None
        for stale in self.path.glob("*.tmp*"):  # left by a run killed mid-write
            if stale.name.startswith(("part-", MANIFEST)):
                stale.unlink(missing_ok=True)
        old = _read_manifest(self.path)
        if old is None:
            if _part_files(self.path):
                raise StoreError(
                    f"{str(self.path)!r} holds result parts but no manifest, so nothing "
                    "shows which sweep they belong to; none is used. Use a new folder, or "
                    "delete this one to start again."
                )
            return
        if old["fingerprint"] != self.fingerprint:
            spec_old: dict[str, Any] = old["spec"] if isinstance(old.get("spec"), dict) else {}
            changed = sorted(
                k
                for k in set(spec_old) | set(spec)
                if json.dumps(spec_old.get(k), default=str) != json.dumps(spec.get(k), default=str)
            )
            raise StoreError(
                f"{str(self.path)!r} holds results of a different sweep (changed: "
                f"{', '.join(changed) or 'model'}); results would be mixed. Use a new "
                "folder, or delete this one to start again."
            )
        if resume and old.get("records"):
            self._previous = old["records"]
            self.previous_chunk_size = old["chunk_size"]

    # ------------------------------------------------------------------ the run
    def start(self, n: int, chunk_size: int) -> None:
        """Adopt the verified parts of the chunking ``chunk_size``, delete every other
        part file, and record the run in the manifest."""
        self._n_parts = len(chunks(n, chunk_size))
        if self.path is None:
            return
        self._head = json.dumps(
            {
                "format": FORMAT,
                "fingerprint": self.fingerprint,
                "n": n,
                "chunk_size": chunk_size,
                "n_parts": self._n_parts,
                "spec": self.spec,
            },
            default=str,
        )
        self._parts_json: dict[int, str] = {}
        cut = {k: (lo, hi) for k, lo, hi in chunks(n, chunk_size)}
        for k, record in sorted(self._previous.items()):
            if cut.get(k) == record[:2] and self._intact(k, record):  # same points, same bytes
                self._record(k, record)
            else:
                self.recomputed += 1
        self._previous = {}
        discarded = []
        for path in sorted(_part_files(self.path)):
            m = _PART.fullmatch(path.name)
            if m is None or int(m.group(1)) not in self.records:  # stray, damaged, unrecorded
                try:
                    path.unlink(missing_ok=True)
                except OSError as exc:  # a folder named like a part, say
                    raise StoreError(
                        f"{str(path)!r} is named like a part of results but "
                        f"cannot be removed ({exc.strerror or exc}); move it "
                        "out of the folder"
                    ) from None
                discarded.append(path.name)
        self._save()
        if self._resume and (discarded or self.recomputed):  # not asked for: say so
            shown = ", ".join(discarded[:5]) + (", ..." if len(discarded) > 5 else "")
            what = (
                [
                    f"{self.recomputed} recorded part(s) missing or failing their checksum "
                    "are computed again"
                ]
                if self.recomputed
                else []
            )
            if discarded:
                what.append(
                    f"{len(discarded)} file(s) that are not verified parts of this "
                    f"sweep were deleted ({shown})"
                )
            warnings.warn(f"{str(self.path)!r}: {'; '.join(what)}", UserWarning, stacklevel=4)

    def _intact(self, chunk: int, record: Record) -> bool:
        assert self.path is not None
        try:
            data = read_regular(self.path / part_name(chunk), size=record[2])
        except OSError:
            return False
        return hashlib.sha256(data).hexdigest() == record[3]

    def _record(self, chunk: int, record: Record) -> None:
        self.records[chunk] = record
        lo, hi, size, sha = record
        self._parts_json[chunk] = (
            f'"{chunk}":{{"lo":{lo},"hi":{hi},"rows":{hi - lo},"bytes":{size},"sha256":"{sha}"}}'
        )

    def _save(self) -> None:
        """Rewrite the manifest atomically (the records are kept as ready JSON text, so a
        rewrite costs a copy of the text, not a serialisation of every record)."""
        assert self.path is not None
        complete = len(self.records) == self._n_parts
        text = (
            self._head[:-1]
            + f', "complete": {str(complete).lower()}, "parts": {{'
            + ",".join(self._parts_json[k] for k in sorted(self._parts_json))
            + "}}"
        )
        _write_atomic(self.path / MANIFEST, text)

    def done(self, chunk: int) -> bool:
        return chunk in (self._memory if self.path is None else self.records)

    def part_path(self, chunk: int) -> str | None:
        """Where a worker should write ``chunk`` itself (None: return it to the parent)."""
        return None if self.path is None else str(self.path / part_name(chunk))

    def write(self, chunk: int, lo: int, hi: int, frame: pd.DataFrame) -> None:
        """Store the rows of points ``lo:hi``."""
        if self.path is None:
            self._memory[chunk] = frame
            return
        self.collect(chunk, lo, hi, write_part(frame, self.path / part_name(chunk)))

    def collect(
        self, chunk: int, lo: int, hi: int, result: pd.DataFrame | tuple[int, int, str]
    ) -> None:
        """Record a worker's result: a frame to store, or the rows, size and checksum of
        the part it wrote; the manifest is rewritten at once."""
        if isinstance(result, pd.DataFrame):
            self.write(chunk, lo, hi, result)
            return
        rows, size, sha = result
        if rows != hi - lo:
            raise MtorSimError(f"part {chunk} holds {rows} rows, not {hi - lo}")
        self._record(chunk, (lo, hi, size, sha))
        self._save()

    def frames(self) -> Iterator[pd.DataFrame]:
        """Every part, in the order of its points, each verified as it is read: one part
        in memory at a time."""
        if self.path is None:
            yield from (self._memory[k] for k in sorted(self._memory))
            return
        for k in sorted(self.records):
            yield _load_part(self.path, k, self.records[k])

    def read(self) -> pd.DataFrame:
        """Every row, ordered by point; each part is verified as it is read."""
        frames = list(self.frames())
        if not frames:
            return pd.DataFrame()
        return pd.concat(frames, ignore_index=True).sort_values("point", ignore_index=True)


def _lock_folder(folder: Path, attempts: int = 5) -> Any:
    """An open file holding an exclusive lock on ``folder``; StoreError when another
    run holds it. Without ``fcntl`` (Windows) the file is made but nothing is locked; on a
    file system that refuses locks a warning says the folder is unlocked."""
    for _ in range(attempts):
        try:
            # never through a link: a planted `.lock` symlink would create or lock its target
            flags = os.O_RDWR | os.O_CREAT | os.O_APPEND | getattr(os, "O_NOFOLLOW", 0)
            handle = os.fdopen(os.open(folder / LOCK, flags, 0o600), "a+")
        except OSError as exc:
            raise StoreError(
                f"cannot use {str(folder)!r} as the folder of results: {exc.strerror or exc}"
            ) from None
        try:
            import fcntl
        except ImportError:  # pragma: no cover (Windows)
            return handle
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError as exc:
            if exc.errno in (errno.EAGAIN, errno.EWOULDBLOCK, errno.EACCES):
                handle.close()
                break  # held by another run
            warnings.warn(  # a file system without locks (some network mounts)
                f"{str(folder)!r} cannot be locked ({exc.strerror or exc}): another run "
                "writing into it at the same time would mix its results with these",
                RuntimeWarning,
                stacklevel=4,
            )
            return handle
        # the file locked must still be the folder's: a run that ended meanwhile removed
        # it, and the folder is free; lock the file that is there now
        try:
            held = os.fstat(handle.fileno()).st_ino == os.stat(folder / LOCK).st_ino
        except FileNotFoundError:
            held = False
        if held:
            return handle
        handle.close()
    raise StoreError(
        f"{str(folder)!r} is in use by another run, which is still writing its results; "
        "wait for it to finish, or use a new folder"
    )


def iter_parts(folder: str | Path) -> Iterator[pd.DataFrame]:
    """Read a streamed sweep's Parquet parts one at a time (for sweeps too large for memory).

    Each part is checked against the checksum and row range that the folder's manifest
    records for it before it is yielded, in the order of its points.

    Raises
    ------
    StoreError
        The folder has no readable manifest, the sweep in it did not finish (run it again
        with the same arguments to complete it), or a part is missing or damaged.
    """
    folder = Path(folder)
    manifest = _read_manifest(folder)
    if manifest is None:
        raise StoreError(
            f"{str(folder)!r} has no {MANIFEST}: it is not a folder of streamed results"
        )
    if manifest.get("format") != FORMAT:
        raise StoreError(
            f"{str(folder)!r} was written by another version of mtor_sim, "
            "whose parts carry no checksums; run the sweep again into a new "
            "folder"
        )
    records = manifest["records"]
    if not manifest.get("complete") or len(records) != manifest.get("n_parts"):
        raise StoreError(
            f"the sweep in {str(folder)!r} did not finish ({len(records)} of "
            f"{manifest.get('n_parts')} parts); run it again with the same "
            "arguments and `out=` to complete it"
        )
    for k in sorted(records):
        yield _load_part(folder, k, records[k])
