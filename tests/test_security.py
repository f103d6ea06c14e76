"""Adversarial tests: what is on disk never runs code or changes a number, and model
files are validated before anything reaches the engine.

Cases that could crash the interpreter (a damaged compiled model handed to roadrunner,
models without floating species) run in a subprocess, so that a crash fails the test
instead of killing pytest.
"""

from __future__ import annotations

import json
import os
import pickle
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import numpy as np
import pytest
from conftest import REFERENCE_DIR

import mtor_sim as ms
from mtor_sim import _cache
from mtor_sim._engine import cache_settings

ROOT = os.geteuid() == 0
needs_root = pytest.mark.skipif(not ROOT, reason="chown to another user needs root")
OTHER_UID = 4242  # any uid that is not ours

# two-state model with a known steady state: A <-> B, B/A = k1/k2, A + B = 1
SMALL = """model small
  species A = 1, B = 0
  R1: A -> B; k1*A
  R2: B -> A; k2*B
  k1 = 0.3; k2 = 0.1
end
"""


def run(code: str, cache: Path | str, timeout: float = 120) -> subprocess.CompletedProcess:
    """Run ``code`` in a fresh interpreter with ``MTOR_SIM_CACHE=cache``."""
    env = {**os.environ, "MTOR_SIM_CACHE": str(cache), "PYTHONWARNINGS": "default"}
    return subprocess.run(
        [sys.executable, "-c", textwrap.dedent(code)],
        env=env,
        capture_output=True,
        text=True,
        timeout=timeout,
    )


def last_json(proc: subprocess.CompletedProcess):
    assert proc.returncode == 0, f"exit {proc.returncode}\n{proc.stderr[-3000:]}"
    return json.loads(proc.stdout.strip().splitlines()[-1])


@pytest.fixture
def small(tmp_path: Path) -> Path:
    path = tmp_path / "small.ant"
    path.write_text(SMALL)
    return path


class Payload:
    """Unpickling this creates a marker folder: proof that code ran."""

    def __init__(self, marker: Path) -> None:
        self.marker = str(marker)

    def __reduce__(self):
        return (os.mkdir, (self.marker,))


def small_numbers(path: Path, k1: float = 0.5) -> list:
    m = ms.load_model(path)
    ss = m.steady_state(parameters={"k1": k1})
    return [ss.status, *ss.species.tolist()]


NUMBERS = """
    import json, sys
    import mtor_sim as ms
    m = ms.load_model(sys.argv[1] if len(sys.argv) > 1 else {path!r})
    ss = m.steady_state(parameters={{"k1": 0.5}})
    print(json.dumps([ss.status, *ss.species.tolist()]))
"""


# ------------------------------------------------------------------ the cache folder
def test_folder_is_private_and_key_secret(tmp_path: Path, small: Path, monkeypatch) -> None:
    folder = tmp_path / "new" / "cache"
    monkeypatch.setenv("MTOR_SIM_CACHE", str(folder))
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "config"))
    old = os.umask(0)  # even with a permissive umask
    try:
        small_numbers(small)
    finally:
        os.umask(old)
    assert folder.stat().st_mode & 0o777 == 0o700
    # the key lives apart from the cache: a copied cache folder brings none
    assert _cache.key_dir() == tmp_path / "config" / "mtor_sim"
    assert _cache.key_dir().stat().st_mode & 0o777 == 0o700
    key = _cache.key_dir() / _cache.KEY_FILE
    assert key.stat().st_mode & 0o777 == 0o600 and len(key.read_bytes()) == 32
    # named with the id of the key they are made with, so other keys' entries sit beside
    kid = _cache._name("x", "0" * 32, key.read_bytes()).split(".")[1]
    entries = sorted(p.name.split(".", 1)[1] for p in folder.iterdir())
    assert entries == [f"{kid}.parsed.json", f"{kid}.rrstate"]
    assert all(p.stat().st_mode & 0o777 == 0o600 for p in folder.iterdir())


def test_a_cache_folder_made_elsewhere_is_never_trusted(tmp_path: Path, small: Path) -> None:
    """The security review's case: a folder prepared by someone else and handed over (a
    CI cache restored, a colleague's archive, unpacked as yours, mode 0700) with its own
    key inside and entries that carry valid MACs under that key (a parse whose k1 is 50,
    a compiled model of another model, an old-format pickle with a payload). The key
    was read from the folder, so the entries were loaded; now every entry is checked
    against the user's own key, kept elsewhere: none is used, each is rebuilt."""
    cold = last_json(run(NUMBERS.format(path=str(small)), "off"))
    marker = tmp_path / "PWNED"
    folder = tmp_path / "handed_over"
    _poisoned_folder(folder, small, marker)
    folder.chmod(0o700)
    planted = {p.name for k in ("parsed.json", "rrstate") for p in folder.glob("*." + k)}
    proc = run(NUMBERS.format(path=str(small)), folder)
    assert last_json(proc) == cold and "UserWarning" not in proc.stderr
    # the user's own entries were built beside them (named with the user's key's id): the
    # planted ones, under the attacker's key, are never opened
    own = {p.name for k in ("parsed.json", "rrstate") for p in folder.glob("*." + k)} - planted
    assert len(planted) == 2 and len(own) == 2
    assert not marker.exists()  # the pickle is never read


def test_a_symlink_in_place_of_the_cache_folder_is_refused(
    tmp_path: Path, small: Path, monkeypatch
) -> None:
    """Another user who can write where the cache folder is configured could plant a
    symlink to a folder of yours: entries were written there and its temporary-looking
    files deleted. The folder is opened without following a symlink."""
    victim = tmp_path / "victim"
    victim.mkdir(mode=0o700)
    (victim / "report.tmp.docx").write_text("mine")
    link = tmp_path / "cache"
    link.symlink_to(victim)
    monkeypatch.setenv("MTOR_SIM_CACHE", str(link))
    with pytest.warns(UserWarning, match="is a symbolic link"):
        assert small_numbers(small)[0] == "ok"
    assert [p.name for p in victim.iterdir()] == ["report.tmp.docx"]


def test_damaged_entries_are_rebuilt_and_change_nothing(tmp_path: Path, small: Path) -> None:
    """Truncated, bit-flipped, emptied, extended or replaced entries of both kinds: each is
    detected, deleted and rebuilt, and the numbers are those of a cold load. (In a
    subprocess: a damaged compiled model reaching roadrunner could crash it.)"""
    cache = tmp_path / "cache"
    code = f"""
        import json, pathlib
        import mtor_sim as ms
        from mtor_sim import _cache
        folder = pathlib.Path({str(cache)!r})
        def numbers():
            ss = ms.load_model({str(small)!r}).steady_state(parameters={{"k1": 0.5}})
            return [ss.status, *ss.species.tolist()]
        cold = numbers()
        out = {{}}
        head = len(_cache.MAGIC)
        for kind in ("rrstate", "parsed.json"):
            (entry,) = folder.glob("*." + kind)
            good = entry.read_bytes()
            def flip(i):
                return good[:i] + bytes([good[i] ^ 0x10]) + good[i + 1:]
            variants = {{"empty": b"", "truncated": good[: len(good) // 2],
                        "one byte short": good[:-1], "appended": good + b"\\0",
                        "flipped magic": flip(3), "flipped mac": flip(head + 5),
                        "flipped middle": flip(len(good) // 2), "flipped last": flip(len(good) - 1),
                        "mac only": good[: head + 32], "old format": good[head + 32:]}}
            for label, bad in variants.items():
                entry.write_bytes(bad)
                got = numbers()
                rebuilt = entry.exists() and entry.read_bytes() != bad
                out[kind + ": " + label] = [got == cold, rebuilt]
        print(json.dumps([cold, out]))
    """
    cold, out = last_json(run(code, cache))
    assert cold[0] == "ok"
    np.testing.assert_allclose(cold[1:], [1 / 6, 5 / 6], rtol=1e-7)  # B/A = k1/k2 = 5
    bad = {k: v for k, v in out.items() if v != [True, True]}
    assert not bad, bad
    assert len(out) == 20


def test_an_edit_to_an_imported_antimony_file_is_seen(tmp_path: Path, monkeypatch) -> None:
    """The parsed-model cache is keyed on the file's text: with ``import "sub.ant"`` an
    edit to sub.ant was ignored (the old k1, the old hash, so a streamed sweep would also
    resume on the old model's parts). A file that imports is parsed afresh, and finds
    the file it imports beside itself (it was looked for in the working directory)."""
    cache = tmp_path / "cache"
    monkeypatch.setenv("MTOR_SIM_CACHE", str(cache))
    monkeypatch.chdir(tmp_path.parent)  # the import is found beside the file, not here
    sub = tmp_path / "sub.ant"
    main = tmp_path / "main.ant"
    main.write_text('import "sub.ant"\nmodel main()\n  A: sub();\nend\n')
    body = "model sub()\n  J1: -> X; k1\n  J2: X -> ; k2*X\n  k1 = {}; k2 = 1; X = 0\nend\n"
    sub.write_text(body.format(1))
    first = ms.load_model(main)
    assert first.steady_state()["A_X"] == pytest.approx(1.0)
    sub.write_text(body.format(5))
    second = ms.load_model(main)
    assert second.parameters["A_k1"] == 5.0 and second.hash != first.hash
    assert second.steady_state()["A_X"] == pytest.approx(5.0)
    assert not list(cache.glob("*.parsed.json"))  # nothing of it is cached


@pytest.mark.parametrize(
    "line",
    ['import"sub.ant"', '/* the part */ import "sub.ant"', 'model top(); end; import "sub.ant"'],
)
def test_an_import_anywhere_on_its_line_is_seen(tmp_path: Path, monkeypatch, line: str) -> None:
    """Antimony takes an import without a space before its file name, or after a comment
    or another statement on its line: such a file was cached on its own text, and an
    edit to the file it imports was ignored (the old parameters, the old hash)."""
    monkeypatch.setenv("MTOR_SIM_CACHE", str(tmp_path / "cache"))
    sub = tmp_path / "sub.ant"
    main = tmp_path / "main.ant"
    main.write_text(f"{line}\nmodel main()\n  A: sub();\nend\n")
    body = "model sub()\n  J1: -> X; k1\n  J2: X -> ; k2*X\n  k1 = {}; k2 = 1; X = 0\nend\n"
    sub.write_text(body.format(1))
    first = ms.load_model(main)
    sub.write_text(body.format(5))
    second = ms.load_model(main)
    assert second.parameters["A_k1"] == 5.0 and second.hash != first.hash
    assert second.steady_state()["A_X"] == pytest.approx(5.0)


def test_one_flipped_bit_cannot_change_a_parameter(tmp_path: Path, monkeypatch) -> None:
    """The review's case: a parsed entry edited to k_PTEN = 1.6 (was 0.8) is refused."""
    monkeypatch.setenv("MTOR_SIM_CACHE", str(tmp_path))
    cold = ms.load_model()
    (entry,) = tmp_path.glob("*.parsed.json")
    data = entry.read_bytes()
    assert data.count(b'"k_PTEN":0.8,') == 1
    entry.write_bytes(data.replace(b'"k_PTEN":0.8,', b'"k_PTEN":1.6,'))
    warm = ms.load_model()
    assert warm.parameters["k_PTEN"] == 0.8
    assert warm.hash == cold.hash and warm.sbml == cold.sbml
    assert entry.read_bytes() == data  # rebuilt


def test_planted_entries_never_run(tmp_path: Path, small: Path, monkeypatch) -> None:
    """Pickles with a payload, planted under every name the cache (old or new) reads, and
    a genuine compiled model of another model under this one's name: nothing runs, and
    the numbers do not change."""
    monkeypatch.setenv("MTOR_SIM_CACHE", "off")
    cache = tmp_path / "cache"
    cold = last_json(run(NUMBERS.format(path=str(small)), cache))
    marker = tmp_path / "PWNED"
    evil = pickle.dumps(Payload(marker))
    import hashlib

    text = small.read_text()
    old_pkl = hashlib.sha256(f"layout-v1|.ant|{text}".encode()).hexdigest()[:32]
    (cache / f"{old_pkl}.parsed.pkl").write_bytes(evil)
    for entry in cache.glob("*.parsed.json"):
        entry.write_bytes(evil)
    # a compiled model whose k1 is 5: loaded, it would change every number
    other = tmp_path / "other.ant"
    other.write_text(SMALL.replace("k1 = 0.3", "k1 = 5"))
    import roadrunner

    foreign = roadrunner.RoadRunner(ms.load_model(other, max_bytes=10_000).sbml).saveStateS()
    (entry,) = cache.glob("*.rrstate")
    genuine = entry.read_bytes()
    head = genuine[: len(_cache.MAGIC) + 32]
    for planted in (bytes(foreign), head + bytes(foreign)):  # bare, or under a stolen MAC
        entry.write_bytes(planted)
        assert last_json(run(NUMBERS.format(path=str(small)), cache)) == cold
    assert not marker.exists()


def test_an_entry_cannot_be_renamed_to_another_key(tmp_path: Path, small: Path) -> None:
    """The MAC covers the entry's key: a genuine entry of model X copied to the name of
    model Y's entry is refused (Y's numbers stay Y's)."""
    cache = tmp_path / "cache"
    other = tmp_path / "other.ant"
    other.write_text(SMALL.replace("k2 = 0.1", "k2 = 2"))
    y = last_json(run(NUMBERS.format(path=str(small)), cache))
    before = {p.name for p in cache.iterdir()}
    x = last_json(run(NUMBERS.format(path=str(other)), cache))
    assert x != y
    new = {p.name for p in cache.iterdir()} - before
    for kind in ("rrstate", "parsed.json"):
        (x_entry,) = [n for n in new if n.endswith("." + kind)]
        (y_entry,) = [n for n in before if n.endswith("." + kind)]
        (cache / y_entry).write_bytes((cache / x_entry).read_bytes())
        assert last_json(run(NUMBERS.format(path=str(small)), cache)) == y


def _poisoned_folder(folder: Path, small: Path, marker: Path) -> None:
    """A folder as an attacker would prepare it: their own key, and entries for ``small``
    that carry valid MACs under that key (a parse whose k1 is 50, a compiled model of
    another model) plus pickles with a payload."""
    folder.mkdir()
    key = b"k" * 32
    (folder / _cache.KEY_FILE).write_bytes(key)
    text = small.read_text()
    with_k1 = ms.load_model(small, max_bytes=10_000)
    assert with_k1.sbml.count('value="0.3"') == 1 and with_k1.sbml.count('value="0.1"') == 1
    doc = {
        "sbml": with_k1.sbml.replace('value="0.3"', 'value="50"'),
        "layout": with_k1._layout.to_json(),
        "name": "small",
    }
    doc["layout"]["parameters"]["k1"] = 50.0
    ident = _cache._parsed_ident(text, ".ant")
    payload = json.dumps(doc).encode()
    (folder / _cache._name("parsed.json", ident, key)).write_bytes(
        _cache.MAGIC + _cache._mac(key, "parsed.json", ident, payload) + payload
    )
    import roadrunner

    rr = roadrunner.RoadRunner(with_k1.sbml.replace('value="0.1"', 'value="9"'))
    from mtor_sim._engine import _configure

    _configure(rr)
    ident = _cache._runner_ident(with_k1.sbml, cache_settings())
    payload = bytes(rr.saveStateS())
    (folder / _cache._name("rrstate", ident, key)).write_bytes(
        _cache.MAGIC + _cache._mac(key, "rrstate", ident, payload) + payload
    )
    evil = pickle.dumps(Payload(marker))
    old_pkl = __import__("hashlib").sha256(f"layout-v1|.ant|{text}".encode()).hexdigest()[:32]
    (folder / f"{old_pkl}.parsed.pkl").write_bytes(evil)


REFUSALS = {  # how a folder or the key is made unsafe -> what the warning must say
    "foreign owner": f"owned by uid {OTHER_UID}",
    "world-writable": "writable by group and others",
    "group-writable": "writable by group",
    "foreign key file": f"cache.key' is owned by uid {OTHER_UID}",
    "readable key file": "cache.key' is readable by others",
    "symlinked key": "cache.key' cannot be opened safely",
    "writable key folder": "mtor_sim' is writable by group and others",
}


def _make_unsafe(folder: Path, config: Path, how: str) -> None:
    """Make the cache ``folder``, or the key under ``config``, unsafe in one way."""
    key_dir = config / "mtor_sim"
    key_dir.mkdir(parents=True, mode=0o700)
    key = key_dir / _cache.KEY_FILE
    key.write_bytes(os.urandom(32))
    key.chmod(0o600)
    folder.chmod(0o700)
    if how == "foreign owner":
        for p in [folder, *folder.iterdir()]:
            os.chown(p, OTHER_UID, OTHER_UID)
        folder.chmod(0o755)
    elif how == "world-writable":
        folder.chmod(0o777)
    elif how == "group-writable":
        folder.chmod(0o770)
    elif how == "foreign key file":
        os.chown(key, OTHER_UID, OTHER_UID)
        key.chmod(0o600)
    elif how == "readable key file":
        key.chmod(0o644)
    elif how == "symlinked key":
        real = folder.parent / f"{folder.name}.key"
        key.rename(real)
        real.chmod(0o600)
        key.symlink_to(real)
    else:
        key_dir.chmod(0o777)


@needs_root
def test_folder_anyone_else_can_write_is_refused(tmp_path: Path, small: Path, monkeypatch) -> None:
    """Folders prepared by an attacker (their key, entries with valid MACs under it, a
    pickle with a payload), each unsafe in one way: refused with a warning naming the
    folder and the reason; nothing from them is used, nothing is written there."""
    monkeypatch.setenv("MTOR_SIM_CACHE", "off")
    marker = tmp_path / "PWNED"
    folders, configs = {}, {}
    for i, how in enumerate(REFUSALS):
        folders[how] = folder = tmp_path / f"shared{i}"
        configs[how] = tmp_path / f"config{i}"
        _poisoned_folder(folder, small, marker)
        _make_unsafe(folder, configs[how], how)
    listings = {how: sorted(p.name for p in f.iterdir()) for how, f in folders.items()}
    code = f"""
        import json, os, warnings
        import mtor_sim as ms
        def numbers():
            ss = ms.load_model({str(small)!r}).steady_state(parameters={{"k1": 0.5}})
            return [ss.status, *ss.species.tolist()]
        out = {{"cold": numbers()}}  # MTOR_SIM_CACHE=off
        configs = { ({h: str(c) for h, c in configs.items()})!r}
        for how, folder in { ({h: str(f) for h, f in folders.items()})!r}.items():
            os.environ["MTOR_SIM_CACHE"] = folder
            os.environ["XDG_CONFIG_HOME"] = configs[how]
            with warnings.catch_warnings(record=True) as caught:
                warnings.simplefilter("always")
                got = numbers()
            out[how] = [got, [str(w.message) for w in caught if w.category is UserWarning]]
        print(json.dumps(out))
    """
    out = last_json(run(code, "off"))
    cold = out.pop("cold")
    assert cold[0] == "ok"
    for how, (got, messages) in out.items():
        assert got == cold, how
        assert len(messages) == 1 and str(folders[how]) in messages[0], (how, messages)
        assert REFUSALS[how] in messages[0], (how, messages)
        assert sorted(p.name for p in folders[how].iterdir()) == listings[how], how
    assert not marker.exists()


def test_refused_folder_warns_once_and_falls_back(tmp_path: Path, small: Path, monkeypatch) -> None:
    folder = tmp_path / "open"
    folder.mkdir()
    folder.chmod(0o777)
    monkeypatch.setenv("MTOR_SIM_CACHE", str(folder))
    with pytest.warns(UserWarning, match=r"open.*writable by group and others") as caught:
        a = small_numbers(small)
        b = small_numbers(small)
    assert len([w for w in caught if "model cache folder" in str(w.message)]) == 1
    assert a == b and a[0] == "ok"
    assert list(folder.iterdir()) == []
    private = _cache._FOLDERS[str(folder)]
    assert private is not None and private.path != folder
    assert private.path.stat().st_mode & 0o777 == 0o700


def test_processes_racing_on_an_empty_folder_agree(tmp_path: Path, small: Path) -> None:
    """One key is created however many processes start at once; all get the same numbers
    and no temporary file is left."""
    cache = tmp_path / "cache"
    config = tmp_path / "config"
    env = {**os.environ, "MTOR_SIM_CACHE": str(cache), "XDG_CONFIG_HOME": str(config)}
    code = textwrap.dedent(NUMBERS.format(path=str(small)))
    procs = [
        subprocess.Popen(
            [sys.executable, "-c", code],
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for _ in range(4)
    ]
    outs = [p.communicate(timeout=120) for p in procs]
    assert all(p.returncode == 0 for p in procs), [err[-2000:] for _, err in outs]
    results = {out.strip().splitlines()[-1] for out, _ in outs}
    assert len(results) == 1
    names = sorted(p.name for p in cache.iterdir())
    assert len(names) == 2 and not any(".tmp" in n for n in names)
    assert [p.name for p in (config / "mtor_sim").iterdir()] == [_cache.KEY_FILE]


def test_temporary_files_are_cleaned(tmp_path: Path, small: Path, monkeypatch) -> None:
    monkeypatch.setenv("MTOR_SIM_CACHE", str(tmp_path))
    small_numbers(small)  # creates the folder and its key
    stale = tmp_path / f"{'0' * 32}.0123abcd.rrstate.tmp999.abcd0123"
    fresh = tmp_path / f"{'4' * 32}.0123abcd.rrstate.tmp998.abcd0123"
    foreign = tmp_path / "notes.tmp.txt"  # not named as the cache names its files
    for p in (stale, fresh, foreign):
        p.write_bytes(b"half a write")
    hour_ago = time.time() - 3600
    for p in (stale, foreign):
        os.utime(p, (hour_ago, hour_ago))
    other = tmp_path / "other.ant"
    other.write_text(SMALL.replace("k2 = 0.1", "k2 = 0.2"))
    small_numbers(other)  # a write: stale temporary files of killed writers go
    assert not stale.exists() and fresh.exists() and foreign.exists()

    # a write that fails leaves no temporary file and no entry behind
    def fail(*args, **kwargs):
        raise OSError("disk full")

    third = tmp_path / "third.ant"
    third.write_text(SMALL.replace("k2 = 0.1", "k2 = 0.3"))
    before = set(tmp_path.iterdir())
    monkeypatch.setattr(os, "replace", fail)
    ms.load_model(third)
    monkeypatch.undo()
    assert set(tmp_path.iterdir()) == before


def test_cache_key_follows_the_solver_settings(tmp_path: Path, small: Path, monkeypatch) -> None:
    from mtor_sim import _engine

    monkeypatch.setenv("MTOR_SIM_CACHE", str(tmp_path))
    m = ms.load_model(small)
    m._runner()
    assert _cache.load_cached(m.sbml, settings=cache_settings()) is not None
    monkeypatch.setitem(_engine.INTEGRATOR_SETTINGS, "relative_tolerance", 1e-6)
    assert "1e-06" in cache_settings()
    assert _cache.load_cached(m.sbml, settings=cache_settings()) is None
    r = ms.load_model(small)._runner()
    assert r.getIntegrator().relative_tolerance == 1e-6
    assert len(list(tmp_path.glob("*.rrstate"))) == 2


def test_cache_keys_follow_the_platform_and_the_libraries(
    tmp_path: Path, small: Path, monkeypatch
) -> None:
    """A folder shared between hosts, or kept over an upgrade of libsbml or Antimony,
    served the parse (and compiled code) one made to the other: the keys held the
    loader's and libroadrunner's versions only."""
    monkeypatch.setenv("MTOR_SIM_CACHE", str(tmp_path))
    m = ms.load_model(small)
    m._runner()
    text = small.read_text()
    assert _cache.load_parsed(text, small.suffix) is not None
    assert _cache.load_cached(m.sbml, settings=cache_settings()) is not None
    monkeypatch.setattr(_cache, "_builders", lambda: "linux|aarch64|2.10.0|5.21.2|3.3.0")
    assert _cache.load_parsed(text, small.suffix) is None
    assert _cache.load_cached(m.sbml, settings=cache_settings()) is None


def test_cache_keys_ask_the_module_when_no_distribution_has_its_name(
    tmp_path: Path, small: Path, monkeypatch
) -> None:
    """The versions were looked up by distribution name only: libsbml installed under
    another name (python-libsbml-experimental, or a build from source) gave "-", and
    upgrading it kept the key."""
    import importlib.metadata

    import libsbml

    real = importlib.metadata.version

    def version(dist: str) -> str:
        if dist == "python-libsbml":
            raise importlib.metadata.PackageNotFoundError(dist)
        return real(dist)

    monkeypatch.setenv("MTOR_SIM_CACHE", str(tmp_path))
    text = small.read_text()
    ms.load_model(small)
    assert _cache.load_parsed(text, small.suffix) is not None
    monkeypatch.setattr(importlib.metadata, "version", version)
    monkeypatch.setattr(libsbml, "getLibSBMLDottedVersion", lambda: "99.0.0")
    _cache._builders.cache_clear()
    try:
        assert "|99.0.0|" in _cache._builders()
        assert _cache.load_parsed(text, small.suffix) is None
    finally:
        monkeypatch.undo()
        _cache._builders.cache_clear()


# ------------------------------------------------------------------ model files
NO_SPECIES = {
    "empty.ant": "",
    "whitespace.ant": "  \n\t\n",
    "comment.ant": "// nothing here\n/* nor here */\n",
    "params.ant": "model m; k1 = 0.1; end\n",
    "boundary.ant": "model m; const species X = 1; end\n",
    "params.xml": """<?xml version="1.0" encoding="UTF-8"?>
<sbml xmlns="http://www.sbml.org/sbml/level3/version1/core" level="3" version="1">
  <model id="m"><listOfParameters>
    <parameter id="k1" value="0.1" constant="true"/>
  </listOfParameters></model>
</sbml>""",
}


EMPTY = ("empty.ant", "whitespace.ant", "comment.ant")


@pytest.mark.parametrize("name", sorted(NO_SPECIES))
def test_model_without_floating_species(tmp_path: Path, name: str, monkeypatch) -> None:
    """An empty model is refused; one with only parameters or boundary species is valid
    SBML (SBML Test Suite cases have such models): it loads, its steady state is its
    constant state, and its time course is flat."""
    monkeypatch.setenv("MTOR_SIM_CACHE", "off")
    path = tmp_path / name
    path.write_text(NO_SPECIES[name])
    if name in EMPTY:
        with pytest.raises(ms.ModelFileError, match="is empty"):
            ms.load_model(path)
        return
    m = ms.load_model(path)
    assert m.species == ()
    assert m.steady_state().status == "ok"
    tc = m.simulate(
        t_end=10.0, n_points=3, pre_equilibrate=False, outputs=list(m.parameters.index) or ["X"]
    )
    assert tc.status == "ok" and (tc.to_dataframe().nunique() == 1).all()


def test_antimony_syntax_error_is_a_model_file_error(tmp_path: Path) -> None:
    path = tmp_path / "m.ant"
    path.write_text("model m k1=0.1 end\n")
    with pytest.raises(ms.ModelFileError, match="Antimony error"):
        ms.load_model(path)


def test_degenerate_models_never_crash(tmp_path: Path) -> None:
    """Models that crashed the interpreter (no species; species without reactions; every
    species knocked out), serially and in a process-pool sweep: in a subprocess."""
    for name, text in NO_SPECIES.items():
        (tmp_path / name).write_text(text)
    (tmp_path / "one.ant").write_text("model one; species S1 = 1; end\n")
    (tmp_path / "two.ant").write_text("model two; species S1 = 1, S2 = 2; end\n")
    (tmp_path / "small.ant").write_text(SMALL)
    code = f"""
        import json, pathlib
        import mtor_sim as ms
        folder = pathlib.Path({str(tmp_path)!r})
        out = {{}}
        for name in {sorted(NO_SPECIES)!r}:
            try:
                ms.load_model(folder / name)
                out[name] = "loaded"
            except ms.ModelFileError as exc:
                out[name] = "refused" if "is empty" in str(exc) else str(exc)
        for name in ("one.ant", "two.ant", "small.ant"):
            m = ms.load_model(folder / name)
            ss = m.steady_state()
            clamped = [n + ":clamp" for n in m.nodes]  # every species out of the system
            ko = m.steady_state(knockouts=clamped)
            tc = m.simulate(t_end=10, n_points=3, knockouts=clamped)
            removed = m.steady_state(knockouts=list(m.nodes))  # every species at zero
            out[name] = [ss.status, ss.species.tolist(), ko.status, ko.species.tolist(),
                         tc.status]
            out[name + " removed"] = [removed.status, removed.species.tolist()]
        m = ms.load_model(folder / "one.ant")
        sw = ms.sweep(m, {{"knockouts": [None, ["S1:clamp"]]}}, backend="processes",
                      n_workers=2, progress=False)
        out["sweep"] = sorted(sw.to_dataframe()["status"].tolist())
        print(json.dumps(out))
    """
    out = last_json(run(code, tmp_path / "cache", timeout=300))
    assert all(out[name] == ("refused" if name in EMPTY else "loaded") for name in NO_SPECIES), out
    # species that no reaction changes stay where they start: a steady state, not a
    # failure (its Jacobian is zero, so a status flagging non-unique states may apply)
    for name, start in (("one.ant", [1.0]), ("two.ant", [1.0, 2.0])):
        status, species, ko_status, ko_species, tc_status = out[name]
        assert status not in ("solver_failed", "not_reached") and species == start, out[name]
        assert [ko_status, ko_species, tc_status] == ["ok", [], "ok"], out[name]
    for name in ("one.ant", "two.ant", "small.ant"):  # removed: every species at zero
        status, species = out[name + " removed"]
        assert status not in ("solver_failed", "not_reached") and not any(species), out
    assert out["small.ant"][0] == "ok" and out["small.ant"][2:] == ["ok", [], "ok"]
    np.testing.assert_allclose(out["small.ant"][1], [0.25, 0.75], rtol=1e-7)
    # one.ant's S1 has no reaction: any value is a steady state, i.e. not a unique one
    assert out["sweep"] == ["not_unique", "ok"]


UNDECLARED = """<?xml version="1.0" encoding="UTF-8"?>
<sbml xmlns="http://www.sbml.org/sbml/level3/version1/core" level="3" version="1">
  <model id="m">
    <listOfCompartments><compartment id="c" size="1" constant="true"/></listOfCompartments>
    <listOfSpecies><species id="A" compartment="c" initialConcentration="1"
      hasOnlySubstanceUnits="false" boundaryCondition="false" constant="false"/></listOfSpecies>
    <listOfParameters><parameter id="k" value="1" constant="true"/></listOfParameters>
    <listOfReactions><reaction id="R1" reversible="false" fast="false">
      <listOfReactants><speciesReference species="A" stoichiometry="1" constant="true"/>
      </listOfReactants>
      <listOfProducts><speciesReference species="B" stoichiometry="1" constant="true"/>
      </listOfProducts>
      <kineticLaw><math xmlns="http://www.w3.org/1998/Math/MathML">
        <apply><times/><ci>k</ci><ci>A</ci></apply></math></kineticLaw>
    </reaction></listOfReactions>
  </model>
</sbml>"""


def test_inconsistent_sbml_is_refused_with_libsbml_messages(tmp_path: Path, monkeypatch) -> None:
    monkeypatch.setenv("MTOR_SIM_CACHE", "off")
    path = tmp_path / "undeclared.xml"
    path.write_text(UNDECLARED)
    with pytest.raises(ms.ModelFileError, match=r"undeclared.xml.*references species 'B'"):
        ms.load_model(path)


@pytest.mark.parametrize("name", [None, *sorted(p.name for p in REFERENCE_DIR.glob("*.xml"))])
def test_published_models_pass_the_consistency_check(name: str | None, monkeypatch) -> None:
    """Unit and modelling-practice warnings do not refuse a model (the bundled model
    and the four published ones have hundreds of them, and no error)."""
    monkeypatch.setenv("MTOR_SIM_CACHE", "off")
    m = ms.load_model(None if name is None else REFERENCE_DIR / name)
    assert len(m.species) > 0


def test_loading_after_libsedml_and_libcombine_terminates(tmp_path: Path, small: Path) -> None:
    """With libsedml loaded first (as the COMBINE export does), libsbml's element lists are
    libsedml's proxies, whose iteration never ends: loading must still finish, with the
    same numbers. (In a subprocess, so that a regression is a timeout, not a hung run.)"""
    code = f"""
        import json, libsedml, libcombine
        import mtor_sim as ms
        ss = ms.load_model({str(small)!r}).steady_state(parameters={{"k1": 0.5}})
        print(json.dumps([ss.status, *ss.species.tolist()]))
    """
    got = last_json(run(code, "off", timeout=60))
    assert got[0] == "ok"
    np.testing.assert_allclose(got[1:], [1 / 6, 5 / 6], rtol=1e-7)


def test_loader_names_never_collide_with_the_models(tmp_path: Path, monkeypatch) -> None:
    monkeypatch.setenv("MTOR_SIM_CACHE", "off")
    path = tmp_path / "m.ant"
    path.write_text(
        "model m\n  species A = 1\n  R1: A -> ; cut_R1*k*A\n"
        "  k = 0.5; cut_R1 = 2; cut_R1_1 = 3\nend\n"
    )
    m = ms.load_model(path)
    assert m.parameters.to_dict() == {"cut_R1": 2.0, "cut_R1_1": 3.0, "k": 0.5}
    kw = {"t_end": 1.0, "n_points": 2, "pre_equilibrate": False}
    a_end = lambda tc: tc.to_dataframe()["A"].iloc[-1]  # noqa: E731
    np.testing.assert_allclose(a_end(m.simulate(**kw)), np.exp(-1.0), rtol=1e-6)  # 2 * 0.5
    np.testing.assert_allclose(
        a_end(m.simulate(parameters={"cut_R1": 1.0}, **kw)), np.exp(-0.5), rtol=1e-6
    )  # the user's parameter
    assert a_end(m.simulate(cut=["R1"], **kw)) == 1.0  # the loader's multiplier


def test_size_limits_name_the_keyword(tmp_path: Path, small: Path, monkeypatch) -> None:
    monkeypatch.setenv("MTOR_SIM_CACHE", "off")
    with pytest.raises(ms.ModelFileError, match=r"over the limit of 50 .*`max_bytes="):
        ms.load_model(small, max_bytes=50)
    with pytest.raises(
        ms.ModelFileError,
        match=r"2 (floating )?species, over the limit of 1 "
        r".*`max_species=",
    ):
        ms.load_model(small, max_species=1)
    assert ms.load_model(small, max_bytes=len(SMALL), max_species=2).species == ("A", "B")
    for bad, error in (
        (0, ValueError),
        (-1, ValueError),
        (1.5, TypeError),
        (True, TypeError),
        ("10", TypeError),
        (None, TypeError),
    ):
        for arg in ("max_bytes", "max_species"):
            with pytest.raises(error, match=f"`{arg}` must be"):
                ms.load_model(small, **{arg: bad})


def test_species_limit_applies_to_cached_models_too(
    tmp_path: Path, small: Path, monkeypatch
) -> None:
    monkeypatch.setenv("MTOR_SIM_CACHE", str(tmp_path / "cache"))
    ms.load_model(small)
    assert list((tmp_path / "cache").glob("*.parsed.json"))
    with pytest.raises(ms.ModelFileError, match="max_species"):
        ms.load_model(small, max_species=1)


def test_only_regular_files_are_read(tmp_path: Path) -> None:
    """A symlink to /dev/zero, a FIFO and a folder: a clear error, no hang (in a
    subprocess with a time limit, so that a hang fails the test)."""
    zero = tmp_path / "zero.xml"
    zero.symlink_to("/dev/zero")
    fifo = tmp_path / "pipe.ant"
    os.mkfifo(fifo)
    folder = tmp_path / "folder.xml"
    folder.mkdir()
    linked = tmp_path / "linked.ant"
    (tmp_path / "real.ant").write_text(SMALL)
    linked.symlink_to(tmp_path / "real.ant")
    code = f"""
        import json
        import mtor_sim as ms
        out = {{}}
        for p in {[str(zero), str(fifo), str(folder), str(linked)]!r}:
            try:
                out[p] = repr(ms.load_model(p))
            except ms.ModelFileError as exc:
                out[p] = str(exc)
        print(json.dumps(out))
    """
    out = last_json(run(code, "off", timeout=60))
    assert "is not a regular file" in out[str(zero)]
    assert "is not a regular file" in out[str(fifo)]
    assert "is a folder" in out[str(folder)]
    assert out[str(linked)].startswith("<Model 'small'")


def test_without_a_place_for_the_key_the_cache_is_private_and_says_why(
    tmp_path: Path, small: Path, monkeypatch
) -> None:
    """No usable key folder (a home that cannot be written, or no absolute home at all,
    as for an arbitrary uid in a container): the cache turned off in silence, or the key
    went to ``./~/.config`` in the working directory. Now one warning says why, the
    process caches privately, and nothing is written where it runs."""
    monkeypatch.setenv("MTOR_SIM_CACHE", str(tmp_path / "cache"))
    monkeypatch.delenv("MTOR_SIM_KEY_DIR", raising=False)
    monkeypatch.chdir(tmp_path)
    for home, xdg in ((str(tmp_path / "file" / "home"), ""), ("~", "relative/config")):
        (tmp_path / "file").write_text("not a folder")
        monkeypatch.setenv("HOME", home)
        monkeypatch.setenv("XDG_CONFIG_HOME", xdg)
        _cache._FOLDERS.clear()
        with pytest.warns(UserWarning, match="secret key") as caught:
            assert small_numbers(small)[0] == "ok"
        assert "MTOR_SIM_KEY_DIR" in str(caught[0].message)
        private = _cache._FOLDERS[str(tmp_path / "cache")]
        assert private is not None and private.path != tmp_path / "cache"
        assert not (tmp_path / "~").exists() and not (tmp_path / "relative").exists()
    _cache._FOLDERS.clear()


def test_processes_with_other_keys_share_a_folder_without_undoing_each_other(
    tmp_path: Path, small: Path
) -> None:
    """Two key folders (the same user on two hosts over a shared folder): each replaced
    the other's entries at every load. Entries are named with their key's id, so each
    process finds its own again."""
    cache = tmp_path / "cache"
    runs = []
    for config in ("a", "b", "a"):
        env = {
            **os.environ,
            "MTOR_SIM_CACHE": str(cache),
            "MTOR_SIM_KEY_DIR": str(tmp_path / config),
        }
        subprocess.run(
            [sys.executable, "-c", textwrap.dedent(NUMBERS.format(path=str(small)))],
            env=env,
            check=True,
            capture_output=True,
        )
        runs.append({p.name: p.stat().st_ino for p in cache.iterdir()})
    assert len(runs[1]) == 4  # each key's two entries
    assert runs[2] == runs[1]  # the third run read its own, rewrote nothing (a write
    # replaces the file; reading only marks its last use)


def test_cache_info_and_clear(tmp_path: Path, small: Path, monkeypatch) -> None:
    """Entries made with another key are never loaded again and nothing removed them;
    `clear_cache` removes them, or the entries unused for some days, or all, and the
    model then compiles again with the same numbers."""
    from mtor_sim.cli import main

    cache = tmp_path / "cache"
    monkeypatch.setenv("MTOR_SIM_CACHE", str(cache))
    monkeypatch.setenv("MTOR_SIM_KEY_DIR", str(tmp_path / "old"))
    monkeypatch.setattr(_cache, "_FOLDERS", {})
    before = small_numbers(small)
    assert ms.cache_info().entries == 2 and ms.cache_info().other_key_entries == 0
    monkeypatch.setenv("MTOR_SIM_KEY_DIR", str(tmp_path / "new"))  # a new key
    monkeypatch.setattr(_cache, "_FOLDERS", {})
    other = tmp_path / "other.ant"
    other.write_text(SMALL.replace("k2 = 0.1", "k2 = 0.2"))
    small_numbers(other)
    info = ms.cache_info()
    assert (info.entries, info.other_key_entries) == (2, 2) and info.other_key_bytes > 0
    assert info.folder == cache and "made with another key: 2" in str(info)

    removed = ms.clear_cache(other_keys=True)
    assert (removed.entries, removed.other_key_entries) == (0, 2)
    assert ms.cache_info().other_key_entries == 0 and ms.cache_info().entries == 2

    # a read marks an entry used: only the one not read for a day goes
    month_ago = time.time() - 30 * 86400
    for p in cache.iterdir():
        os.utime(p, (month_ago, month_ago))
    ms.load_model(other)  # reads other.ant's parsed entry
    assert ms.clear_cache(unused_days=1).entries == 1
    assert ms.cache_info().entries == 1 and ms.cache_info().unused_days < 1

    # a read that cannot record its use (a read-only folder) keeps the good entry
    def refuse(*args, **kwargs):
        raise OSError(30, "Read-only file system")

    before_read = sorted(p.name for p in cache.iterdir())
    with monkeypatch.context() as patched:
        patched.setattr(os, "utime", refuse)
        assert ms.load_model(other).parameters["k2"] == 0.2
    assert sorted(p.name for p in cache.iterdir()) == before_read
    assert main(["cache", "clear"]) == 0 and ms.cache_info().entries == 0
    assert small_numbers(small) == before  # compiled again, the same numbers
    assert main(["cache", "--unused-days", "3"]) == 2  # an option of `clear` only
    with pytest.raises(ValueError, match="not both"):
        ms.clear_cache(other_keys=True, unused_days=1)
    with pytest.raises(ValueError, match="unused_days"):
        ms.clear_cache(unused_days=-1)
    monkeypatch.setenv("MTOR_SIM_CACHE", "off")
    assert ms.cache_info().folder is None and ms.clear_cache().entries == 0


def test_without_a_cache_folder_a_models_copies_compile_once(small: Path, monkeypatch) -> None:
    """With the cache off, an ensemble's members (copies of one model, each with its own
    runner) load the compiled state the first one left in this process's memory instead
    of compiling again (0.3 s each for the bundled model), with the same numbers; the
    memory keeps a bounded number of states."""
    import roadrunner

    from mtor_sim import _cache

    monkeypatch.setenv("MTOR_SIM_CACHE", "off")
    monkeypatch.setattr(_cache, "_STATES", {})
    real, compiled = roadrunner.RoadRunner, []

    def counting(*args, **kwargs):
        if args:  # RoadRunner(sbml) compiles; RoadRunner() then loadStateS does not
            compiled.append(args[0])
        return real(*args, **kwargs)

    monkeypatch.setattr(roadrunner, "RoadRunner", counting)
    m = ms.load_model(small)
    members = [m.with_parameters({"k1": k}) for k in (0.2, 0.5, 0.9)]
    for member, k in zip(members, (0.2, 0.5, 0.9), strict=True):
        ss = member.steady_state()
        assert ss.status == "ok"
        np.testing.assert_allclose(ss.species.tolist(), [0.1 / (k + 0.1), k / (k + 0.1)], rtol=1e-7)
    assert len(compiled) == 1
    assert 1 <= len(_cache._STATES) <= _cache.MEMORY_STATES
