"""The on-disk store of a sweep verifies itself: damaged, foreign, duplicated or stray parts
are recomputed on resume and refused on reading; a damaged or missing manifest is a clear
error; the Latin hypercube is computed chunk by chunk in flat memory."""

from __future__ import annotations

import json
import os
import shutil
import tracemalloc
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import mtor_sim as ms
from mtor_sim import _sweep
from mtor_sim._store import MANIFEST
from mtor_sim._sweep import lhs_unit

SPACE = {"PTEN_total": [0.25, 0.5, 1.0], "everolimus": [0.0, 10.0], "genotype": ["WT"]}
KW = {"readouts": ["pAKT_S473", "pS6K1"], "chunk_size": 2, "progress": False}
N = 6  # 3 parts of 2 points


@pytest.fixture(scope="module")
def reference(model: ms.Model) -> pd.DataFrame:
    return ms.sweep(model, SPACE, **{**KW, "chunk_size": None}).table


@pytest.fixture
def folder(model: ms.Model, tmp_path: Path) -> Path:
    out = tmp_path / "sw"
    ms.sweep(model, SPACE, out=out, **KW)
    assert sorted(p.name for p in out.iterdir()) == [
        MANIFEST,
        "part-000000.parquet",
        "part-000001.parquet",
        "part-000002.parquet",
    ]
    return out


def _truncate(path: Path, fraction: float) -> None:
    data = path.read_bytes()
    path.write_bytes(data[: int(len(data) * fraction)])


def _flip(path: Path, bit: int) -> None:
    data = bytearray(path.read_bytes())
    data[bit // 8] ^= 1 << (bit % 8)
    path.write_bytes(bytes(data))


DAMAGE = {
    "truncated to 0": lambda out: _truncate(out / "part-000001.parquet", 0.0),
    "truncated to 50 %": lambda out: _truncate(out / "part-000001.parquet", 0.5),
    "one bit flipped": lambda out: _flip(out / "part-000001.parquet", 8 * 300 + 3),
    "overwritten by another part": lambda out: shutil.copy(
        out / "part-000002.parquet", out / "part-000001.parquet"
    ),
    "deleted": lambda out: (out / "part-000001.parquet").unlink(),
}


@pytest.mark.parametrize("damage", DAMAGE, ids=list(DAMAGE))
def test_a_damaged_part_is_refused_on_reading_and_recomputed_on_resume(
    model: ms.Model, folder: Path, reference: pd.DataFrame, damage: str
) -> None:
    done = ms.sweep(model, SPACE, out=folder, **KW)  # all parts adopted; nothing read yet
    assert done.settings["resumed_points"] == N
    DAMAGE[damage](folder)
    with pytest.raises(ms.StoreError, match=r"part-000001\.parquet"):
        done.to_dataframe()
    with pytest.raises(ms.StoreError, match=r"part-000001\.parquet"):
        list(ms.iter_parts(folder))
    with pytest.warns(UserWarning, match="1 recorded part"):
        again = ms.sweep(model, SPACE, out=folder, **KW)
    assert again.settings["resumed_points"] == N - 2
    assert again.settings["recomputed_parts"] == 1
    pd.testing.assert_frame_equal(again.table, reference)
    pd.testing.assert_frame_equal(pd.concat(ms.iter_parts(folder), ignore_index=True), reference)


def test_every_single_bit_flip_is_caught(folder: Path) -> None:
    """The review found 152 of 200 flips read back as other values; none may now."""
    part = folder / "part-000000.parquet"
    good = part.read_bytes()
    rng = np.random.default_rng(0)
    for bit in rng.choice(8 * len(good), size=100, replace=False):
        _flip(part, int(bit))
        with pytest.raises(ms.StoreError, match="damaged"):
            next(ms.iter_parts(folder))
        part.write_bytes(good)
    assert len(next(ms.iter_parts(folder))) == 2


@pytest.mark.parametrize(
    "name", ["part-000007.parquet", "part-000001 (copy).parquet", "part-000001.parquet.bak"]
)
def test_stray_and_duplicated_parts_add_no_rows(
    model: ms.Model, folder: Path, reference: pd.DataFrame, name: str
) -> None:
    shutil.copy(folder / "part-000001.parquet", folder / name)
    pd.testing.assert_frame_equal(
        pd.concat(ms.iter_parts(folder), ignore_index=True), reference
    )  # reading uses recorded parts only
    with pytest.warns(UserWarning, match=r"1 file\(s\) that are not verified parts"):
        again = ms.sweep(model, SPACE, out=folder, **KW)
    assert not (folder / name).exists()
    assert again.settings["resumed_points"] == N
    pd.testing.assert_frame_equal(again.table, reference)


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="needs FIFOs and /dev/zero")
def test_parts_that_are_not_regular_files_are_never_read(
    model: ms.Model, folder: Path, reference: pd.DataFrame
) -> None:
    """A pipe would hang a read and /dev/zero would fill memory: neither is opened."""
    part = folder / "part-000001.parquet"
    part.unlink()
    part.symlink_to("/dev/zero")
    with pytest.raises(ms.StoreError, match="missing or unreadable"):
        list(ms.iter_parts(folder))
    part.unlink()
    os.mkfifo(part)
    with pytest.raises(ms.StoreError, match="not a regular file"):
        list(ms.iter_parts(folder))
    os.mkfifo(folder / "part-000009.parquet")
    with pytest.warns(UserWarning, match="1 recorded part"):
        again = ms.sweep(model, SPACE, out=folder, **KW)
    pd.testing.assert_frame_equal(again.table, reference)
    (folder / MANIFEST).unlink()
    (folder / MANIFEST).symlink_to("/dev/zero")
    with pytest.raises(ms.StoreError, match="cannot be read"):
        ms.sweep(model, SPACE, out=folder, **KW)


def test_a_folder_named_like_a_part_is_a_clear_error(model: ms.Model, folder: Path) -> None:
    (folder / "part-000005.parquet").mkdir()
    with pytest.raises(ms.StoreError, match="named like a part .* move it"):
        ms.sweep(model, SPACE, out=folder, **KW)


def test_out_that_is_a_file_is_a_clear_error(model: ms.Model, tmp_path: Path) -> None:
    (tmp_path / "f").write_text("x")
    with pytest.raises(ms.StoreError, match="cannot use .* as the folder of results"):
        ms.sweep(model, SPACE, out=tmp_path / "f", **KW)


def test_a_foreign_sweeps_part_is_never_adopted(
    model: ms.Model, folder: Path, tmp_path: Path, reference: pd.DataFrame
) -> None:
    other = tmp_path / "other"
    ms.sweep(model, {**SPACE, "PTEN_total": [2.0, 3.0, 4.0]}, out=other, **KW)
    shutil.copy(other / "part-000001.parquet", folder / "part-000001.parquet")
    # refused by its recorded size, or by its checksum where the sizes happen to agree
    with pytest.raises(ms.StoreError, match="damaged|missing or unreadable"):
        list(ms.iter_parts(folder))
    with pytest.warns(UserWarning):
        again = ms.sweep(model, SPACE, out=folder, **KW)
    pd.testing.assert_frame_equal(again.table, reference)
    # the other sweep's whole folder, manifest and all, is refused as before
    with pytest.raises(ms.StoreError, match=r"different sweep \(changed: space\)"):
        ms.sweep(model, SPACE, out=other, **KW)


def test_a_folder_of_a_model_with_other_solver_hints_is_refused(tmp_path: Path) -> None:
    """A catalogue's ``[solver] warm_start`` picks a bistable switch's branch, and the
    fingerprint left it out: a resume with the other hint kept the first run's parts
    (X 0.34 where a fresh run gives 3.27, all "ok")."""
    ant = tmp_path / "switch.ant"
    ant.write_text(
        "model switch\n  compartment cell = 1; species X in cell; X = 0\n"
        "  J0: -> X; k0 + k1*X^4/(1 + X^4); J1: X -> ; kd*X\n"
        "  k0 = 0.6; k1 = 3; kd = 1\nend\n"
    )
    space = {"k0": [0.6, 0.5, 0.4, 0.3, 0.2, 0.1]}
    kw = {"readouts": ["X"], "progress": False, "out": tmp_path / "parts", "chunk_size": 3}
    (tmp_path / "switch.catalogue.toml").write_text("[solver]\nwarm_start = false\n")
    ms.sweep(ms.load_model(ant), space, **kw)
    (tmp_path / "switch.catalogue.toml").write_text("[solver]\nwarm_start = true\n")
    with pytest.raises(ms.StoreError, match="different sweep"):
        ms.sweep(ms.load_model(ant), space, **kw)


@pytest.mark.parametrize(
    "text",
    [
        "",
        '{"format": 2, "fingerprint": "ab',
        "[]",
        "null",
        '{"fingerprint": 3}',
        "\xff\xfe garbage",
    ],
)
def test_a_damaged_manifest_is_a_clear_error(model: ms.Model, folder: Path, text: str) -> None:
    (folder / MANIFEST).write_bytes(text.encode("latin-1"))
    with pytest.raises(ms.StoreError, match="manifest .* (is damaged|cannot be read)"):
        ms.sweep(model, SPACE, out=folder, **KW)
    with pytest.raises(ms.StoreError, match="manifest"):
        list(ms.iter_parts(folder))


def test_a_truncated_manifest_is_a_clear_error(model: ms.Model, folder: Path) -> None:
    _truncate(folder / MANIFEST, 0.5)
    with pytest.raises(ms.StoreError, match="is damaged .*cannot be verified"):
        ms.sweep(model, SPACE, out=folder, **KW)


def test_a_damaged_part_record_is_a_clear_error(model: ms.Model, folder: Path) -> None:
    manifest = json.loads((folder / MANIFEST).read_text())
    manifest["parts"]["1"]["hi"] = 99
    (folder / MANIFEST).write_text(json.dumps(manifest))
    with pytest.raises(ms.StoreError, match="bad record of part '1'"):
        ms.sweep(model, SPACE, out=folder, **KW)


def test_without_its_manifest_another_seed_never_gets_the_rows(
    model: ms.Model, tmp_path: Path
) -> None:
    out = tmp_path / "lhs"
    kw = {"method": "lhs", "n": 6, "readouts": ["pS6K1"], "chunk_size": 2, "progress": False}
    space = {"PTEN_total": (0.2, 1.5)}
    first = ms.sweep(model, space, out=out, seed=1, **kw).table
    (out / MANIFEST).unlink()
    with pytest.raises(ms.StoreError, match="parts but no manifest"):
        ms.sweep(model, space, out=out, seed=2, **kw)
    with pytest.raises(ms.StoreError, match="parts but no manifest"):
        ms.sweep(model, space, out=out, seed=1, resume=False, **kw)
    with pytest.raises(ms.StoreError, match="no manifest.json"):
        list(ms.iter_parts(out))
    fresh = ms.sweep(model, space, out=tmp_path / "new", seed=2, **kw).table
    assert not np.allclose(fresh["PTEN_total"], first["PTEN_total"])


def test_the_manifest_records_each_part_as_it_is_written(
    model: ms.Model, tmp_path: Path, reference: pd.DataFrame
) -> None:
    """A run that stops after two parts has a manifest recording both, atomically
    written; reading it back refuses an unfinished sweep; a rerun finishes it."""
    from mtor_sim import _backends

    out = tmp_path / "sw"
    calls = []
    real = _backends._chunk_frame

    def failing(model, conditions, *args):
        calls.append(conditions[0].point)
        if len(calls) == 3:
            raise KeyboardInterrupt
        return real(model, conditions, *args)

    mp = pytest.MonkeyPatch()
    mp.setattr(_backends, "_chunk_frame", failing)
    with pytest.raises(KeyboardInterrupt):
        ms.sweep(model, SPACE, out=out, **KW)
    mp.undo()
    manifest = json.loads((out / MANIFEST).read_text())
    assert manifest["complete"] is False and manifest["n_parts"] == 3
    assert {k: (r["lo"], r["hi"], r["rows"]) for k, r in manifest["parts"].items()} == {
        "0": (0, 2, 2),
        "1": (2, 4, 2),
    }
    assert all(len(r["sha256"]) == 64 for r in manifest["parts"].values())
    assert not [p for p in out.iterdir() if ".tmp" in p.name]
    with pytest.raises(ms.StoreError, match=r"did not finish \(2 of 3 parts\)"):
        list(ms.iter_parts(out))
    again = ms.sweep(model, SPACE, out=out, **KW)
    assert again.settings["resumed_points"] == 4
    pd.testing.assert_frame_equal(again.table, reference)
    assert json.loads((out / MANIFEST).read_text())["complete"] is True


def test_resume_false_recomputes_every_part_quietly(
    model: ms.Model, folder: Path, reference: pd.DataFrame
) -> None:
    import warnings

    with warnings.catch_warnings():
        warnings.simplefilter("error", UserWarning)
        again = ms.sweep(model, SPACE, out=folder, resume=False, **KW)
    assert again.settings["resumed_points"] == 0
    pd.testing.assert_frame_equal(again.table, reference)


def test_a_manifest_without_checksums_keeps_no_part(
    model: ms.Model, folder: Path, reference: pd.DataFrame
) -> None:
    """Parts written by an earlier version (no checksums) are recomputed, not trusted."""
    manifest = json.loads((folder / MANIFEST).read_text())
    old = {"fingerprint": manifest["fingerprint"], "chunk_size": 2, "spec": manifest["spec"]}
    (folder / MANIFEST).write_text(json.dumps(old))
    with pytest.warns(UserWarning, match="3 file"):
        again = ms.sweep(model, SPACE, out=folder, **KW)
    assert again.settings["resumed_points"] == 0
    pd.testing.assert_frame_equal(again.table, reference)


# ------------------------------------------------------------------ Latin hypercube
@pytest.mark.parametrize("n", [1, 2, 7, 64, 1000, 4097])
def test_latin_hypercube_is_stratified_and_the_same_for_any_cut(n: int) -> None:
    whole = lhs_unit(11, 3, n, 0, n)
    assert whole.shape == (n, 3) and (whole >= 0).all() and (whole < 1).all()
    for j in range(3):  # one point in each of the n strata of every dimension
        assert sorted(np.floor(whole[:, j] * n).astype(int)) == list(range(n))
    rng = np.random.default_rng(n)
    cuts = np.unique(np.r_[0, rng.integers(0, n + 1, size=5), n])
    pieces = [lhs_unit(11, 3, n, a, b) for a, b in zip(cuts[:-1], cuts[1:], strict=True)]
    np.testing.assert_array_equal(np.vstack(pieces), whole)
    assert not np.array_equal(lhs_unit(12, 3, n, 0, n), whole) or n == 1


def test_latin_hypercube_dimensions_look_independent() -> None:
    u = lhs_unit(0, 3, 20_000, 0, 20_000)
    corr = np.corrcoef(u.T)[np.triu_indices(3, 1)]
    assert np.abs(corr).max() < 0.03  # ~1/sqrt(n) for independent columns
    assert abs(u.mean() - 0.5) < 0.01


def test_latin_hypercube_same_on_every_backend_and_store(model: ms.Model, tmp_path: Path) -> None:
    space = {"GF": (0.1, 1.0), "PTEN_total": (0.2, 1.5)}
    kw = {"method": "lhs", "n": 6, "seed": 4, "readouts": ["pS6K1"], "progress": False}
    serial = ms.sweep(model, space, **kw).table
    procs = ms.sweep(
        model, space, backend="processes", n_workers=2, chunk_size=4, out=tmp_path / "p", **kw
    ).table
    pd.testing.assert_frame_equal(serial, procs)
    dask = ms.sweep(
        model, space, backend="dask", n_workers=2, chunk_size=5, out=tmp_path / "d", **kw
    )  # parts written and checksummed by workers
    pd.testing.assert_frame_equal(serial, dask.table)
    pd.testing.assert_frame_equal(
        serial, pd.concat(ms.iter_parts(tmp_path / "d"), ignore_index=True)
    )


def test_latin_hypercube_memory_does_not_grow_with_n(
    model: ms.Model, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Setting up a 10^6-point sweep and building its first and last chunks stays within
    a few MB of Python heap (the whole sample alone would take 16 MB; before, 34 MB)."""
    built = []

    def runner(model, make, total, readouts, **kw):
        built.append(len(make(0, 2000)) + len(make(total - 2000, total)))
        raise KeyboardInterrupt

    monkeypatch.setattr(_sweep, "run_conditions", runner)
    space = {"PTEN_total": (0.1, 2.0), "everolimus": (0.01, 1000.0)}
    tracemalloc.start()
    try:
        with pytest.raises(KeyboardInterrupt):
            ms.sweep(model, space, method="lhs", n=10**6, readouts=["pS6K1"], progress=False)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert built == [4000]
    assert peak < 6 * 2**20, f"{peak / 2**20:.1f} MB"


@pytest.mark.parametrize(
    "seed, error, match",
    [
        (-1, ValueError, "`seed` must be >= 0"),
        # a wrong kind is a TypeError, as for every count and number (README)
        (1.5, TypeError, "`seed` must be an integer"),
        ("1", TypeError, "`seed` must be an integer"),
        (True, TypeError, "`seed` must be an integer"),
    ],
)
def test_latin_hypercube_seed_must_be_a_non_negative_integer(
    model: ms.Model, seed, error, match
) -> None:
    with pytest.raises(error, match=match):
        ms.sweep(model, {"GF": (0.1, 1.0)}, method="lhs", n=2, seed=seed, progress=False)


def test_numpy_integer_seed_is_accepted(model: ms.Model) -> None:
    a = ms.sweep(
        model,
        {"GF": (0.1, 1.0)},
        method="lhs",
        n=2,
        seed=np.int64(3),
        readouts=["pS6K1"],
        progress=False,
    )
    assert a.settings["seed"] == 3


def test_a_folder_in_use_by_another_run_is_refused(model: ms.Model, folder: Path) -> None:
    """Two runs into one folder: the second deleted the first's temporary files (making
    its write fail) or overwrote its manifest. The folder is locked while a run writes."""
    from mtor_sim._store import Store

    spec = json.loads((folder / MANIFEST).read_text())["spec"]
    store = Store(folder, spec, resume=True)  # a run of the same sweep, still going
    try:
        with pytest.raises(ms.StoreError, match="in use by another run"):
            ms.sweep(model, SPACE, out=folder, **KW)
        marker = folder / "part-000001.parquet.tmp99999"
        marker.write_bytes(b"")  # another run's file being written stays
        with pytest.raises(ms.StoreError, match="in use by another run"):
            Store(folder, spec, resume=True)
        assert marker.exists()
        marker.unlink()
    finally:
        store.close()
    assert not (folder / ".lock").exists()
    resumed = ms.sweep(model, SPACE, out=folder, **KW)  # released: the run goes on
    assert resumed.settings["resumed_points"] == N


def test_a_lock_file_removed_by_a_run_that_ended_is_taken_again(
    folder: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A run that ended between this run's open and its lock removed the lock file: the
    folder was free, but "in use by another run" was reported. The new file is locked."""
    import fcntl

    from mtor_sim._store import _lock_folder

    flock, calls = fcntl.flock, []

    def ended_meanwhile(handle, how):
        if not calls:
            (folder / ".lock").unlink()  # the other run closes: its file goes
        calls.append(how)
        return flock(handle, how)

    monkeypatch.setattr(fcntl, "flock", ended_meanwhile)
    handle = _lock_folder(folder)
    try:
        assert len(calls) == 2
        assert os.fstat(handle.fileno()).st_ino == os.stat(folder / ".lock").st_ino
    finally:
        handle.close()


def test_a_folder_that_cannot_be_locked_says_so(
    folder: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """On a file system without locks the run went on unlocked in silence."""
    import errno
    import fcntl

    from mtor_sim._store import _lock_folder

    def no_locks(handle, how):
        raise OSError(errno.ENOLCK, "No locks available")

    monkeypatch.setattr(fcntl, "flock", no_locks)
    with pytest.warns(RuntimeWarning, match="cannot be locked .*No locks available"):
        _lock_folder(folder).close()


def test_a_lock_file_that_is_a_link_is_not_followed(folder: Path, tmp_path: Path) -> None:
    """A `.lock` symlink planted in a shared folder made the run create (and lock) the
    file it points to."""
    from mtor_sim._store import _lock_folder

    target = tmp_path / "victim"
    (folder / ".lock").unlink(missing_ok=True)
    (folder / ".lock").symlink_to(target)
    with pytest.raises(ms.StoreError, match="cannot use"):
        _lock_folder(folder)
    assert not target.exists()


def test_a_part_is_never_written_through_a_planted_symlink(tmp_path: Path) -> None:
    """The temporary file of a part was named ``part-NNNNNN.tmp<pid>`` and opened
    following symlinks: a link planted under that name during a run had its target
    overwritten. The name is now unguessable, created exclusively, never followed."""
    from mtor_sim._store import write_part

    victim = tmp_path / "victim.txt"
    victim.write_text("mine")
    target = tmp_path / "part-000003.parquet"
    target.with_suffix(f".tmp{os.getpid()}").symlink_to(victim)  # the old name
    frame = pd.DataFrame({"point": [0, 1], "x": [1.0, 2.0]})
    rows, size, _ = write_part(frame, target)
    assert victim.read_text() == "mine" and rows == 2 and target.stat().st_size == size
    assert pd.read_parquet(target).equals(frame)
    assert sorted(p.name for p in tmp_path.iterdir() if ".tmp" in p.name) == [
        f"part-000003.tmp{os.getpid()}"  # only the planted link, nothing left behind
    ]


def test_parts_from_the_millionth_on_are_kept_on_resume(tmp_path) -> None:
    """Part names have six digits, more from part 1,000,000 on; the resume's check read
    six only, took a seven-digit part for a stray file and deleted it (rows lost)."""
    import pandas as pd

    from mtor_sim._store import Store

    first = Store(tmp_path / "s", {"x": 1}, resume=False)
    first.start(1_000_002, 1)
    for k in (5, 1_000_001):
        first.write(k, k, k + 1, pd.DataFrame({"point": [k], "v": [1.0]}))
    first.close()
    again = Store(tmp_path / "s", {"x": 1}, resume=True)
    again.start(1_000_002, 1)
    assert again.done(1_000_001) and (tmp_path / "s" / "part-1000001.parquet").exists()
