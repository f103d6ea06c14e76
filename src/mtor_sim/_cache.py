"""On-disk cache of parsed and compiled models: a second process loads in tens of ms.

Two kinds of entries: the parsed form of a model file (its SBML text and layout, as
JSON, keyed by a hash of the file's text and the loader's version), which spares
Antimony and libsbml; and RoadRunner states (``saveStateS``, which embed the compiled
native code) keyed by a hash of the SBML text, the libroadrunner version and the
engine's solver settings. Both keys hold the operating system, the CPU architecture and
the versions of libroadrunner, libsbml and Antimony too: a folder shared between hosts,
or kept over an upgrade, never serves one's entries to another.

The folder is ``$MTOR_SIM_CACHE`` if set (``MTOR_SIM_CACHE=off`` disables the cache),
else ``$XDG_CACHE_HOME/mtor_sim`` or ``~/.cache/mtor_sim``. Without a usable folder a
process keeps the compiled states it made in memory instead (`MEMORY_STATES`, never on
disk). What is guaranteed:

- Nothing is unpickled. Parsed models are JSON; a RoadRunner state is handed to
  roadrunner only after its authentication code has been checked.
- Every entry starts with an HMAC-SHA256 of its kind, its full key and its content,
  made with the user's secret key (``cache.key``, 32 random bytes, mode 0600), which
  lives apart from the cache, in ``$XDG_CONFIG_HOME/mtor_sim`` or
  ``~/.config/mtor_sim`` (`key_dir`). Without the key no one can write an entry that
  will be loaded, nor rename an entry to another key; and a cache folder made elsewhere
  (a CI cache restored, a colleague's archive, an image layer) brings no key of its
  own: its entries fail their check and are rebuilt.
- The folders are created with mode 0700. A cache folder that is a symbolic link, or a
  folder or key file owned by another user or writable by group or others, is refused
  with one `UserWarning` per process naming the folder and the reason; the process then
  uses a private temporary folder of its own, with a key of its own (both gone when the
  interpreter exits).
- An entry that is truncated, altered, of an older format, not a regular file or not
  owned by the user fails its check and is deleted, then rebuilt by the caller: it never
  reaches roadrunner or the JSON parser and never changes a number.
- Writes go to a temporary file in the same folder, then ``os.replace``; the temporary
  file is removed if the write fails, and temporary files left by killed processes
  (older than `STALE_TMP_S`, named as this module names them) are removed at the next
  write.
- A folder that cannot be created or read only turns the cache off: it only ever saves
  time. So does a platform without POSIX owners, modes and descriptor-relative file
  operations (Windows).

All file operations go through one descriptor of the folder opened (and checked) once
per process, so the folder cannot be swapped for another after its check.
"""

from __future__ import annotations

import atexit
import functools
import hashlib
import hmac
import json
import os
import re
import secrets
import shutil
import stat
import sys
import tempfile
import threading
import time
import warnings
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, NamedTuple

from ._roadrunner import no_dynamic_properties

if TYPE_CHECKING:  # pragma: no cover
    import roadrunner

__all__ = [
    "CacheInfo",
    "cache_dir",
    "cache_info",
    "clear_cache",
    "load_cached",
    "store_cached",
    "load_parsed",
    "store_parsed",
    "load_generated",
    "store_generated",
]

#: Bump when the loader's output (`_model._Layout`, `_model.SbmlFacts`, SBML edits) changes.
LOADER_VERSION = "layout-v20"
#: First bytes of every entry: the format of this module.
MAGIC = b"mtor_sim-cache-v2\n"
#: File holding the user's secret key, in `key_dir`.
KEY_FILE = "cache.key"
#: Names of this module's temporary files (an entry's or the key's), for `_remove_stale`.
_TMP_NAME = re.compile(r"[0-9a-f]{32}\.[0-9a-f]{8}\.[a-z.]+\.tmp\d+\.[0-9a-f]{8}")
#: Names of entries (`_name`): their key's start, the id of the secret key, their kind.
_ENTRY_NAME = re.compile(r"[0-9a-f]{32}\.([0-9a-f]{8})\.(?:rrstate|parsed\.json|batch\.json)")
#: Entries of the format before ``MAGIC`` v2 (pickles), never read by this version.
_OLD_NAME = re.compile(r"[0-9a-f]+\.parsed\.pkl")
KEY_BYTES = 32
#: Temporary files older than this (s) belong to a process that was killed mid-write.
STALE_TMP_S = 600.0
#: Entries larger than this (bytes) are not read (a compiled model is a few MB).
MAX_ENTRY_BYTES = 1 << 30

#: The checks need POSIX owners and modes and descriptor-relative file operations;
#: elsewhere (Windows) the cache is off rather than unchecked. (os.replace shares
#: os.rename's implementation but is not listed in supports_dir_fd.)
_SAFE_PLATFORM = (
    hasattr(os, "geteuid")
    and hasattr(os, "O_NOFOLLOW")
    and {os.open, os.unlink, os.rename, os.link} <= os.supports_dir_fd
)
_O_COMMON = os.O_CLOEXEC | getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_NONBLOCK", 0)


class _Folder(NamedTuple):
    path: Path
    fd: int  # descriptor of the checked folder; every access is relative to it
    key: bytes  # the secret key its entries are authenticated with


class _Refused(Exception):
    """The configured folder may have been written by someone else: not used."""

    advice = (
        "fix the folder (`chmod 700`, owned by you) or point MTOR_SIM_CACHE at a folder of your own"
    )


class _KeyRefused(_Refused):
    """The user's key cannot be kept safely (`key_dir`): no cache folder is used."""

    advice = (
        "fix the key's folder (`chmod 700`, owned by you) or set MTOR_SIM_KEY_DIR to an "
        "absolute path of a private folder of yours"
    )


#: Checked folders of this process, by configured path (None: caching off).
_FOLDERS: dict[str, _Folder | None] = {}


def cache_dir() -> Path | None:
    """The configured cache folder, or None when caching is off.

    The folder actually used is this one unless it is refused (see the module's
    documentation), in which case a private temporary folder replaces it.
    """
    env = os.environ.get("MTOR_SIM_CACHE")
    if env is not None:
        return None if env.strip().lower() in ("", "0", "off", "no", "false") else Path(env)
    base = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    return Path(base) / "mtor_sim"


def key_dir() -> Path | None:
    """The folder of the user's cache key: ``$MTOR_SIM_KEY_DIR``, else
    ``$XDG_CONFIG_HOME/mtor_sim``, else ``~/.config/mtor_sim``; None when none of them is
    an absolute path (a relative one would put the key wherever the process happens to
    run, a repository or a build context among them). Apart from the cache, so that a
    cache folder copied from elsewhere never carries the key its entries were made with."""
    own = os.environ.get("MTOR_SIM_KEY_DIR")
    if own:
        return Path(own) if os.path.isabs(own) else None
    xdg = os.environ.get("XDG_CONFIG_HOME")
    if xdg and os.path.isabs(xdg):  # a relative one is ignored, as the XDG spec says
        return Path(xdg) / "mtor_sim"
    home = os.path.expanduser("~")
    return Path(home) / ".config" / "mtor_sim" if os.path.isabs(home) else None


# ----------------------------------------------------------------- the folder and its key
def _folder() -> _Folder | None:
    """The checked cache folder of this process, or None when caching is off."""
    configured = cache_dir()
    if configured is None or not _SAFE_PLATFORM:
        return None
    token = str(configured)
    if token in _FOLDERS:
        return _FOLDERS[token]
    try:
        folder: _Folder | None = _open_folder(configured, create=True, key=_user_key())
    except _Refused as exc:
        warnings.warn(
            f"mtor_sim: the model cache folder {token!r} is not used: {exc}. This "
            f"process caches compiled models in a private temporary folder instead; "
            f"{exc.advice}",
            UserWarning,
            stacklevel=4,
        )
        folder = _private_folder()
    except OSError:
        folder = None  # cannot create or read it: no cache, it only ever saves time
    _FOLDERS[token] = folder
    return folder


def _check_private(st: os.stat_result, what: str) -> None:
    """Refuse a file or folder that another user owns or may write."""
    uid = os.geteuid()
    if st.st_uid != uid:
        raise _Refused(f"{what} is owned by uid {st.st_uid}, not by you (uid {uid})")
    if st.st_mode & 0o022:
        who = " and ".join(
            w for w, bit in (("group", 0o020), ("others", 0o002)) if st.st_mode & bit
        )
        raise _Refused(f"{what} is writable by {who} (mode {stat.S_IMODE(st.st_mode):o})")


def _open_folder(path: Path, *, create: bool, key: bytes) -> _Folder:
    """``path``, checked and held open, with the key its entries are made with."""
    fd = _open_private_dir(path, create=create, what="the folder")
    return _Folder(path, fd, key)


def _open_private_dir(path: Path, *, create: bool, what: str) -> int:
    """A descriptor of folder ``path`` (created 0700 when missing), refused unless it is
    the user's own, writable by no one else, and not a symbolic link (which another user
    could have planted there, pointing at a folder of yours)."""
    if create:
        try:
            path.mkdir(mode=0o700, parents=True)
            os.chmod(path, 0o700)  # whatever the umask
        except FileExistsError:
            pass
    try:
        fd = os.open(path, os.O_RDONLY | os.O_DIRECTORY | os.O_CLOEXEC | os.O_NOFOLLOW)
    except OSError as exc:
        if os.path.islink(path):
            raise _Refused(f"{what} is a symbolic link") from None
        raise exc
    try:
        _check_private(os.fstat(fd), what)
    except BaseException:
        os.close(fd)
        raise
    return fd


@functools.cache
def _user_key_at(path: str) -> bytes:
    """The key in folder ``path`` (created when missing), checked as `_folder_key` does."""
    fd = _open_private_dir(Path(path), create=True, what=f"the key folder {path!r}")
    try:
        return _folder_key(fd, path)
    finally:
        os.close(fd)


def _user_key() -> bytes:
    """The user's cache key (`key_dir`), read once per process and location; refused
    with `_KeyRefused` when it cannot be kept safely (a cache without it is no cache)."""
    where = key_dir()
    if where is None:
        raise _KeyRefused(
            "there is no folder for its secret key: MTOR_SIM_KEY_DIR, XDG_CONFIG_HOME and "
            "HOME give no absolute path"
        )
    try:
        return _user_key_at(str(where))
    except _KeyRefused:
        raise
    except _Refused as exc:
        raise _KeyRefused(str(exc)) from None
    except OSError as exc:
        raise _KeyRefused(
            f"its secret key cannot be kept in {str(where)!r} ({exc.strerror or exc})"
        ) from None


def _private_folder() -> _Folder | None:
    """A fresh folder only this process knows, with a key only it knows, removed when
    the interpreter exits."""
    try:
        path = Path(tempfile.mkdtemp(prefix="mtor_sim-cache-"))  # mode 0700
        folder = _open_folder(path, create=False, key=secrets.token_bytes(KEY_BYTES))
    except (OSError, _Refused):
        return None
    pid = os.getpid()
    atexit.register(_remove_private, path, pid)
    return folder


def _remove_private(path: Path, pid: int) -> None:
    if os.getpid() == pid:  # not from a forked child that inherited the handler
        shutil.rmtree(path, ignore_errors=True)


def _folder_key(dir_fd: int, where: str) -> bytes:
    """The secret key in the folder ``dir_fd`` (``where``), created (0600, atomically)
    when missing."""
    name = repr(os.path.join(where, KEY_FILE))
    for _ in range(3):
        try:
            fd = os.open(KEY_FILE, os.O_RDONLY | _O_COMMON, dir_fd=dir_fd)
        except FileNotFoundError:
            _new_key(dir_fd, replace=False)
            continue
        except OSError as exc:  # a symlink (ELOOP) or unreadable
            raise _Refused(f"the key file {name} cannot be opened safely ({exc})") from None
        try:
            st = os.fstat(fd)
            if not stat.S_ISREG(st.st_mode):
                raise _Refused(f"the key file {name} is not a regular file")
            _check_private(st, f"the key file {name}")
            if st.st_mode & 0o077:
                raise _Refused(
                    f"the key file {name} is readable by others (mode {stat.S_IMODE(st.st_mode):o})"
                )
            key = os.read(fd, KEY_BYTES + 1)
        finally:
            os.close(fd)
        if len(key) == KEY_BYTES:
            return key
        _new_key(dir_fd, replace=True)  # our own key file, damaged: entries made with it go
    raise OSError("the cache key could not be created")


def _new_key(dir_fd: int, *, replace: bool) -> None:
    """Write a fresh key: to a temporary file, then linked (or renamed) into place, so
    that a process never reads a half-written key and racing processes agree on one."""
    tmp = f"{KEY_FILE}.tmp{os.getpid()}.{secrets.token_hex(4)}"
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL | _O_COMMON, 0o600, dir_fd=dir_fd)
    try:
        try:
            _write_all(fd, secrets.token_bytes(KEY_BYTES))
        finally:
            os.close(fd)
        if replace:
            os.replace(tmp, KEY_FILE, src_dir_fd=dir_fd, dst_dir_fd=dir_fd)
        else:
            try:
                os.link(tmp, KEY_FILE, src_dir_fd=dir_fd, dst_dir_fd=dir_fd)
            except FileExistsError:
                pass  # another process was first: its key is the folder's key
    finally:
        _unlink(dir_fd, tmp)


# ----------------------------------------------------------------- authenticated entries
def _mac(key: bytes, kind: str, ident: str, payload: bytes | memoryview) -> bytes:
    mac = hmac.new(key, MAGIC + kind.encode() + b"\0" + ident.encode() + b"\0", hashlib.sha256)
    mac.update(payload)
    return mac.digest()


def _name(kind: str, ident: str, key: bytes) -> str:
    """An entry's file name: its key's start, the id of the secret key it is made with
    (so that processes with other keys sharing a folder keep their entries apart,
    instead of replacing each other's at every load), and its kind."""
    return f"{ident[:32]}.{_key_id(key)}.{kind}"


def _key_id(key: bytes) -> str:
    return hashlib.sha256(b"mtor_sim key id\0" + key).hexdigest()[:8]


def _read_entry(kind: str, ident: str) -> bytes | None:
    """The verified content of an entry, or None (a bad entry is deleted)."""
    folder = _folder()
    if folder is None:
        return None
    name = _name(kind, ident, folder.key)
    try:
        fd = os.open(name, os.O_RDONLY | _O_COMMON, dir_fd=folder.fd)
    except FileNotFoundError:
        return None
    except OSError:  # a symlink, or unreadable
        _unlink(folder.fd, name)
        return None
    try:
        st = os.fstat(fd)
        ok = (
            stat.S_ISREG(st.st_mode)
            and st.st_uid == os.geteuid()
            and len(MAGIC) + 32 <= st.st_size <= MAX_ENTRY_BYTES
        )
        data = _read_all(fd, st.st_size) if ok else b""
    except OSError:
        data = b""
    else:
        try:  # its last use, which `clear_cache(unused_days=...)` reads; a folder that
            os.utime(fd)  # cannot record it (read-only) keeps a good entry all the same
        except OSError:
            pass
    finally:
        os.close(fd)
    head = len(MAGIC) + 32
    if (
        len(data) >= head
        and data.startswith(MAGIC)
        and hmac.compare_digest(
            data[len(MAGIC) : head], _mac(folder.key, kind, ident, memoryview(data)[head:])
        )
    ):
        return data[head:]
    _unlink(folder.fd, name)  # damaged, foreign or of an older format: rebuilt by the caller
    return None


def _write_entry(kind: str, ident: str, payload: bytes) -> None:
    """Store an entry atomically; a cache that cannot be written is skipped."""
    folder = _folder()
    if folder is None:
        return
    _remove_stale(folder.fd)
    name = _name(kind, ident, folder.key)
    tmp = f"{name}.tmp{os.getpid()}.{secrets.token_hex(4)}"
    try:
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL | _O_COMMON, 0o600, dir_fd=folder.fd)
    except OSError:
        return
    try:
        try:
            _write_all(fd, MAGIC + _mac(folder.key, kind, ident, payload))
            _write_all(fd, payload)
        finally:
            os.close(fd)
        os.replace(tmp, name, src_dir_fd=folder.fd, dst_dir_fd=folder.fd)
    except OSError:
        pass
    finally:
        _unlink(folder.fd, tmp)  # gone already when the replace succeeded


def _remove_stale(dir_fd: int) -> None:
    """Remove temporary files of killed writers. (Pickles of the old format,
    ``*.parsed.pkl``, are never read: they are left alone for older versions.)"""
    cutoff = time.time() - STALE_TMP_S
    try:
        with os.scandir(dir_fd) as it:
            for e in it:
                if _TMP_NAME.fullmatch(e.name) and e.stat(follow_symlinks=False).st_mtime < cutoff:
                    _unlink(dir_fd, e.name)
    except OSError:
        pass


@dataclass(frozen=True)
class CacheInfo:
    """What the model cache holds (`cache_info`), or what `clear_cache` removed."""

    folder: Path | None  # the folder in use; None when caching is off
    configured: Path | None  # `cache_dir`: differs from ``folder`` when it was refused
    key_folder: Path | None  # `key_dir`
    entries: int  # entries made with this user's key
    bytes: int
    other_key_entries: int  # made with another key: never loaded by this one
    other_key_bytes: int
    unused_days: float | None  # days since the least recently used entry was last used

    def __str__(self) -> str:
        if self.folder is None:
            return (
                "model cache: off (MTOR_SIM_CACHE=off, or no folder can be created here, or "
                "a platform without POSIX file modes)"
            )
        lines = [f"model cache: {self.folder}"]
        if self.configured is not None and self.folder != self.configured:
            lines.append(f"  (a private folder of this process: {self.configured} was refused)")
        lines += [
            f"  key folder: {self.key_folder}",
            f"  entries: {self.entries} ({_size(self.bytes)})",
            f"  made with another key: {self.other_key_entries} ({_size(self.other_key_bytes)}; "
            "never loaded with this key)",
        ]
        if self.unused_days is not None:
            lines.append(f"  least recently used entry: {self.unused_days:.1f} days ago")
        return "\n".join(lines)


def _size(n: int) -> str:
    """A size in bytes as people read it (``474.4 KiB``)."""
    if n < 1024:
        return f"{n} bytes"
    return f"{n / 1024:.1f} KiB" if n < 1024**2 else f"{n / 1024**2:.1f} MiB"


def _scan(folder: _Folder) -> list[tuple[str, bool, int, float]]:
    """(name, made with this folder's key, size, last use) of the folder's entries, and
    of old-format entries (counted as another key's: never read)."""
    own = _key_id(folder.key)
    found = []
    with os.scandir(folder.fd) as it:
        for e in it:
            m = _ENTRY_NAME.fullmatch(e.name)
            if m is None and not _OLD_NAME.fullmatch(e.name):
                continue
            try:
                st = e.stat(follow_symlinks=False)
            except OSError:
                continue
            if stat.S_ISREG(st.st_mode):
                found.append((e.name, m is not None and m[1] == own, st.st_size, st.st_mtime))
    return found


def cache_info() -> CacheInfo:
    """What the model cache holds: its folder, its entries and their size, and how many
    were made with another key: never loaded with this one. They are left over after the
    key or its folder changed, or, in a folder shared with other keys (another host's
    home), the live entries of those processes, which rebuild what is removed.

    Examples
    --------
    >>> import mtor_sim as ms
    >>> info = ms.cache_info()
    >>> info.entries >= 0
    True
    """
    folder = _folder()
    if folder is None:
        return CacheInfo(None, cache_dir(), key_dir(), 0, 0, 0, 0, None)
    try:
        found = _scan(folder)
    except OSError:
        found = []
    mine = [f for f in found if f[1]]
    other = [f for f in found if not f[1]]
    oldest = min((f[3] for f in mine), default=None)
    return CacheInfo(
        folder.path,
        cache_dir(),
        key_dir(),
        len(mine),
        sum(f[2] for f in mine),
        len(other),
        sum(f[2] for f in other),
        None if oldest is None else max(0.0, (time.time() - oldest) / 86400.0),
    )


def clear_cache(*, other_keys: bool = False, unused_days: float | None = None) -> CacheInfo:
    """Remove entries from the model cache (it only ever saves time: a removed model is
    compiled again when next loaded) and return what was removed.

    Parameters
    ----------
    other_keys : bool
        Remove only the entries made with another key (never loaded with this one; in a
        folder shared with other keys, theirs, which they then rebuild), and entries of
        the format before this version's.
    unused_days : float, optional
        Remove only the entries, of any key, not used for this many days (entries of a
        library version since upgraded, or of model files no longer used, are never used
        again).

    Returns
    -------
    CacheInfo
        ``entries``/``bytes``: this key's entries removed; ``other_key_*``: the others'.

    Examples
    --------
    >>> import mtor_sim as ms
    >>> removed = ms.clear_cache(unused_days=3650)  # nothing a decade old
    >>> removed.entries
    0
    """
    from ._errors import check_flag, check_nonnegative

    other_keys = check_flag(other_keys, name="other_keys")
    if unused_days is not None:
        unused_days = check_nonnegative(unused_days, name="unused_days")
    if other_keys and unused_days is not None:
        raise ValueError("give `other_keys` or `unused_days`, not both")
    folder = _folder()
    if folder is None:
        return CacheInfo(None, cache_dir(), key_dir(), 0, 0, 0, 0, None)
    cutoff = None if unused_days is None else time.time() - unused_days * 86400.0
    removed = {True: [0, 0], False: [0, 0]}
    for name, mine, size, used in _scan(folder):
        if (other_keys and mine) or (cutoff is not None and used >= cutoff):
            continue
        try:
            os.unlink(name, dir_fd=folder.fd)
        except FileNotFoundError:  # another process removed or replaced it first
            continue
        removed[mine][0] += 1
        removed[mine][1] += size
    _remove_stale(folder.fd)
    (mine_n, mine_b), (other_n, other_b) = removed[True], removed[False]
    return CacheInfo(folder.path, cache_dir(), key_dir(), mine_n, mine_b, other_n, other_b, None)


def _read_all(fd: int, size: int) -> bytes:
    chunks, left = [], size
    while left > 0:
        chunk = os.read(fd, min(left, 1 << 24))
        if not chunk:
            break
        chunks.append(chunk)
        left -= len(chunk)
    return b"".join(chunks)


def _write_all(fd: int, data: bytes) -> None:
    view = memoryview(data)
    while view:
        view = view[os.write(fd, view) :]


def _unlink(dir_fd: int, name: str) -> None:
    try:
        os.unlink(name, dir_fd=dir_fd)
    except OSError:
        pass


# ----------------------------------------------------------------- the two kinds of entries
@functools.cache
def _builders() -> str:
    """What made an entry besides its text: the platform and the versions of the
    libraries that parse and compile models (a cache folder may be shared between hosts
    or outlive an upgrade). Each version is read from the installed distribution's
    metadata (fast: a cached model imports neither libsbml nor Antimony); where no
    distribution has the usual name (a build from source, or one installed as, say,
    python-libsbml-experimental) the module itself is asked."""
    import importlib
    import importlib.metadata
    import platform

    def version(dist: str, module: str, ask: str) -> str:
        try:
            return importlib.metadata.version(dist)
        except importlib.metadata.PackageNotFoundError:
            return str(getattr(importlib.import_module(module), ask)())

    libs = (
        version("libroadrunner", "roadrunner", "getVersionStr"),
        version("python-libsbml", "libsbml", "getLibSBMLDottedVersion"),
        version("antimony", "antimony", "getVersionStr"),
    )
    return "|".join([sys.platform, platform.machine(), *libs])


def _runner_ident(sbml: str, settings: str) -> str:
    text = f"{_builders()}|{settings}|{sbml}"
    return hashlib.sha256(text.encode()).hexdigest()


#: Compiled states kept in this process's memory when there is no cache folder (the
#: cache is off, or its folder cannot be used): an ensemble's members are copies of one
#: model, each compiling its own runner, which would otherwise cost a full compile each
#: (~0.5 s for the bundled model instead of ~20 ms). Only this process writes them, so
#: they need no authentication; the oldest goes first. (A lock: a dask worker may compile
#: in several threads.)
_STATES: dict[str, bytes] = {}
_STATES_LOCK = threading.Lock()
MEMORY_STATES = 8


def load_cached(sbml: str, *, settings: str) -> roadrunner.RoadRunner | None:
    """A compiled model from the cache (or, without a cache folder, from this process's
    memory of the models it compiled), or None.

    ``settings`` describes the solver settings the caller applies after compiling
    (it is part of the key: other settings, other entries).
    """
    ident = _runner_ident(sbml, settings)
    if _folder() is None:
        with _STATES_LOCK:
            payload = _STATES.pop(ident, None)
            if payload is not None:
                _STATES[ident] = payload  # most recently used last
    else:
        payload = _read_entry("rrstate", ident)
    if payload is None:
        return None
    import roadrunner

    try:
        with no_dynamic_properties():
            r = roadrunner.RoadRunner()
            r.loadStateS(payload)
    except (RuntimeError, TypeError, ValueError):
        return None
    return r


def store_cached(sbml: str, r: roadrunner.RoadRunner, *, settings: str) -> None:
    """Save a compiled model to the cache (atomically; errors only skip the cache), or
    to this process's memory when there is no cache folder."""
    try:
        payload = bytes(r.saveStateS())
    except RuntimeError:
        return
    ident = _runner_ident(sbml, settings)
    if _folder() is None:
        with _STATES_LOCK:
            _STATES.pop(ident, None)
            _STATES[ident] = payload
            while len(_STATES) > MEMORY_STATES:
                del _STATES[next(iter(_STATES))]
    else:
        _write_entry("rrstate", ident, payload)


def _parsed_ident(text: str, suffix: str) -> str:
    return hashlib.sha256(f"{LOADER_VERSION}|{_builders()}|{suffix}|{text}".encode()).hexdigest()


def load_parsed(text: str, suffix: str) -> dict[str, Any] | None:
    """The cached parse of a model file's text (a JSON object), or None."""
    if cache_dir() is None:
        return None
    payload = _read_entry("parsed.json", _parsed_ident(text, suffix))
    if payload is None:
        return None
    try:
        data = json.loads(payload.decode("utf-8"))
    except (UnicodeDecodeError, ValueError):
        return None
    return data if isinstance(data, dict) else None


def store_parsed(text: str, suffix: str, data: dict[str, Any]) -> None:
    """Cache the parse of a model file's text: plain data, written as JSON."""
    if cache_dir() is None:
        return
    try:
        payload = json.dumps(data, separators=(",", ":")).encode("utf-8")
    except (TypeError, ValueError):
        return
    _write_entry("parsed.json", _parsed_ident(text, suffix), payload)


def load_generated(ident: str) -> str | None:
    """Generated batch code and its layout (JSON text), or None. Like a RoadRunner state,
    it is executed only after its authentication code has been checked."""
    if cache_dir() is None:
        return None
    payload = _read_entry("batch.json", ident)
    if payload is None:
        return None
    try:
        return payload.decode("utf-8")
    except UnicodeDecodeError:
        return None


def store_generated(ident: str, text: str) -> None:
    """Cache generated batch code (see `mtor_sim._batch`)."""
    if cache_dir() is None:
        return
    _write_entry("batch.json", ident, text.encode("utf-8"))
