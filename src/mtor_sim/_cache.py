"""On-disk cache of parsed and compiled models: a second process loads in tens of ms.

Two kinds of entries: the parsed form of a model file (its SBML and layout, keyed by a
hash of the file's text and the loader's version), which spares Antimony and libsbml;
and RoadRunner states (``saveStateS``) keyed by a hash of the SBML text, the
libroadrunner version and the engine's solver settings. The folder is
``$MTOR_SIM_CACHE`` if set (``MTOR_SIM_CACHE=off`` disables the cache), else
``$XDG_CACHE_HOME/mtor_sim`` or ``~/.cache/mtor_sim``. A corrupt or unreadable entry is
ignored and rewritten; a cache that cannot be written is skipped silently, because it
only ever saves time.
"""

from __future__ import annotations

import hashlib
import os
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # pragma: no cover
    import roadrunner

__all__ = ["cache_dir", "load_cached", "store_cached", "load_parsed", "store_parsed"]

#: Bump when compile_runner's settings change, so old entries are not reused.
ENGINE_SETTINGS = "moiety=1;rtol=1e-8;atol=1e-12;maxsteps=200000;v1"
#: Bump when the loader's output (`_model._Layout`, SBML edits) changes.
LOADER_VERSION = "layout-v1"


def cache_dir() -> Path | None:
    """The cache folder, or None when caching is off."""
    env = os.environ.get("MTOR_SIM_CACHE")
    if env is not None:
        return None if env.strip().lower() in ("", "0", "off", "no", "false") else Path(env)
    base = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    return Path(base) / "mtor_sim"


def _entry(sbml: str) -> Path | None:
    folder = cache_dir()
    if folder is None:
        return None
    import roadrunner

    key = hashlib.sha256(f"{roadrunner.__version__}|{ENGINE_SETTINGS}|{sbml}".encode())
    return folder / f"{key.hexdigest()[:32]}.rrstate"


def load_cached(sbml: str) -> roadrunner.RoadRunner | None:
    """A compiled model from the cache, or None."""
    path = _entry(sbml)
    if path is None or not path.exists():
        return None
    import roadrunner

    try:
        r = roadrunner.RoadRunner()
        r.loadStateS(path.read_bytes())
    except (OSError, RuntimeError, TypeError, ValueError):
        return None
    return r


def store_cached(sbml: str, r: roadrunner.RoadRunner) -> None:
    """Save a compiled model to the cache (atomically; errors only skip the cache)."""
    path = _entry(sbml)
    if path is not None:
        try:
            _write_atomic(path, r.saveStateS())
        except RuntimeError:
            pass


def _write_atomic(path: Path, data: bytes) -> None:
    """Write ``data`` to ``path`` via a temporary file; a cache that cannot be written is
    skipped, because it only ever saves time."""
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_suffix(f".tmp{os.getpid()}")
        tmp.write_bytes(data)
        os.replace(tmp, path)
    except OSError:
        pass


def _parsed_entry(text: str, suffix: str) -> Path | None:
    folder = cache_dir()
    if folder is None:
        return None
    key = hashlib.sha256(f"{LOADER_VERSION}|{suffix}|{text}".encode()).hexdigest()[:32]
    return folder / f"{key}.parsed.pkl"


def load_parsed(text: str, suffix: str) -> object | None:
    """The cached parse of a model file's text, or None."""
    import pickle

    path = _parsed_entry(text, suffix)
    if path is None or not path.exists():
        return None
    try:
        return pickle.loads(path.read_bytes())
    except Exception:  # any unreadable entry (truncated, old pickle) is simply re-parsed
        return None


def store_parsed(text: str, suffix: str, parsed: object) -> None:
    """Cache the parse of a model file's text (atomically; errors only skip the cache)."""
    import pickle

    path = _parsed_entry(text, suffix)
    if path is not None:
        try:
            _write_atomic(path, pickle.dumps(parsed, protocol=pickle.HIGHEST_PROTOCOL))
        except pickle.PicklingError:
            pass
