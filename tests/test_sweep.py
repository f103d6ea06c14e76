"""Sweeps: grids and Latin hypercubes, backends, streamed parts, resume, bad input."""

from __future__ import annotations

import itertools
import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from conftest import REFERENCE_DIR
from numpy.testing import assert_allclose

import mtor_sim as ms
from mtor_sim._store import MANIFEST

SPACE = {"PTEN_total": [0.25, 1.0], "everolimus": [0.0, 10.0], "genotype": ["WT", "mTORC2_high"]}


@pytest.fixture(scope="module")
def grid(model: ms.Model) -> ms.Sweep:
    return ms.sweep(model, SPACE, readouts=["pAKT_S473", "pS6K1"], progress=False)


def test_grid_has_every_combination_once(grid: ms.Sweep) -> None:
    t = grid.table
    assert len(t) == 8
    assert list(t["point"]) == list(range(8))
    # C order, the last axis fastest: parts on disk rely on point -> values never changing
    combos = list(zip(t["PTEN_total"], t["everolimus"], t["genotype"], strict=True))
    assert combos == list(itertools.product(*SPACE.values()))
    assert (t["status"] == "ok").all()


def test_grid_points_equal_single_steady_states(model: ms.Model, grid: ms.Sweep) -> None:
    for _, row in grid.table.iterrows():
        ss = model.steady_state(
            genotype=row["genotype"],
            drugs={"everolimus": row["everolimus"]},
            parameters={"PTEN_total": row["PTEN_total"]},
        )
        assert_allclose([row["pAKT_S473"], row["pS6K1"]], [ss["pAKT_S473"], ss["pS6K1"]], rtol=1e-9)


def test_grid_shows_rapalog_feedback(grid: ms.Sweep) -> None:
    """Everolimus lowers pS6K1 and raises pAKT_S473 at every grid point (claim 9's shape)."""
    t = grid.table.set_index(["PTEN_total", "genotype", "everolimus"]).sort_index()
    for (pten, geno), grp in t.groupby(level=[0, 1]):
        untreated, treated = grp.xs(0.0, level=2).iloc[0], grp.xs(10.0, level=2).iloc[0]
        assert treated["pS6K1"] < 0.5 * untreated["pS6K1"], (pten, geno)
        assert treated["pAKT_S473"] > untreated["pAKT_S473"], (pten, geno)


def test_tidy_long_form(grid: ms.Sweep) -> None:
    long = grid.to_dataframe(long=True)
    assert len(long) == 16
    assert set(long["readout"]) == {"pAKT_S473", "pS6K1"}


def test_settings_record_what_made_the_sweep(model: ms.Model, grid: ms.Sweep) -> None:
    s = grid.settings
    assert s["model_hash"] == model.hash
    assert s["package_version"] == ms.__version__
    assert s["method"] == "grid" and s["solver"]["tol"] > 0


def test_latin_hypercube_is_seeded_and_within_bounds(model: ms.Model) -> None:
    kw = {
        "method": "lhs",
        "n": 12,
        "seed": 7,
        "log": ["everolimus"],
        "readouts": ["pS6K1"],
        "progress": False,
    }
    space = {"PTEN_total": (0.2, 1.5), "everolimus": (0.1, 100.0)}
    a = ms.sweep(model, space, **kw).table
    b = ms.sweep(model, space, **kw).table
    pd.testing.assert_frame_equal(a, b)
    assert a["PTEN_total"].between(0.2, 1.5).all()
    assert a["everolimus"].between(0.1, 100.0).all()
    # one point per stratum: the 12 log-spaced strata of the dose each hold exactly one
    strata = np.floor(12 * np.log(a["everolimus"] / 0.1) / np.log(1000)).astype(int)
    assert sorted(strata) == list(range(12))
    c = ms.sweep(model, space, **{**kw, "seed": 8}).table
    assert not np.allclose(a["PTEN_total"], c["PTEN_total"])


def test_latin_hypercube_crossed_with_genotypes(model: ms.Model) -> None:
    sw = ms.sweep(
        model,
        {"GF": (0.1, 1.0), "genotype": ["WT", "PTEN_loss"]},
        method="lhs",
        n=3,
        readouts=["pAKT_T308"],
        progress=False,
    )
    t = sw.table
    assert len(t) == 6
    assert (
        t.groupby("genotype")["GF"].apply(sorted).iloc[0]
        == t.groupby("genotype")["GF"].apply(sorted).iloc[1]
    )


def test_latin_hypercube_rows_survive_any_chunking(model: ms.Model) -> None:
    """Point i takes sample row i // n_genotypes, whatever the chunk boundaries."""
    from mtor_sim._sweep import lhs_unit

    space = {"GF": (0.1, 1.0), "everolimus": (0.1, 100.0), "genotype": ["WT", "PTEN_loss"]}
    unit = lhs_unit(3, 2, 7, 0, 7)
    want_gf = 0.1 + unit[:, 0] * 0.9
    want_evr = np.exp(np.log(0.1) + unit[:, 1] * (np.log(100.0) - np.log(0.1)))
    for chunk in (1, 3, 5, 14):
        t = ms.sweep(
            model,
            space,
            method="lhs",
            n=7,
            seed=3,
            log=["everolimus"],
            readouts=["pS6K1"],
            chunk_size=chunk,
            progress=False,
        ).table
        assert_allclose(t["GF"], np.repeat(want_gf, 2), rtol=1e-12)
        assert_allclose(t["everolimus"], np.repeat(want_evr, 2), rtol=1e-12)
        assert list(t["genotype"]) == ["WT", "PTEN_loss"] * 7


def test_sweeping_what_a_preset_changes_warns(model: ms.Model) -> None:
    import warnings

    kw = {"readouts": ["pAKT_S473"], "progress": False}
    with pytest.warns(UserWarning, match=r"PTEN_total \(PTEN_loss\); on these the presets"):
        t = ms.sweep(model, {"PTEN_total": [0.5], "genotype": ["WT", "PTEN_loss"]}, **kw).table
    assert t["pAKT_S473"].iloc[0] == t["pAKT_S473"].iloc[1]  # what the warning is about
    with pytest.warns(UserWarning, match=r"mTORC2_total \(mTORC2_high\)"):
        ms.sweep(model, {"mTORC2_total": [0.5]}, genotype="mTORC2_high", **kw)
    with warnings.catch_warnings():
        warnings.simplefilter("error", UserWarning)
        ms.sweep(model, {"GF": [0.5], "genotype": ["WT", "PTEN_loss"]}, **kw)
    # a genotype axis would replace the background genotype: given both, neither wins
    with pytest.raises(ValueError, match="both swept"):
        ms.sweep(
            model,
            {"PTEN_total": [0.5], "genotype": ["WT", "mTORC2_high"]},
            genotype="PTEN_loss",
            **kw,
        )


def test_a_knockout_or_cut_both_swept_and_in_the_background_is_refused(model) -> None:
    """The background's knockouts and cuts are added to each point's: one also on the
    axis made its "none" point the knockout, labelled none."""
    kw = {"readouts": ["pS6K1"], "progress": False}
    with pytest.raises(ValueError, match="'mTORC2' is both in the sweep axis 'knockouts'"):
        ms.sweep(model, {"knockouts": ["RICTOR", None]}, knockouts=["mTORC2"], **kw)
    with pytest.raises(ValueError, match="both in the sweep axis 'cut'"):
        ms.sweep(model, {"cut": ["S6K1 -| IRS1", None]}, cut=["S6K1 -| IRS1"], **kw)
    # another node in the background is a background, as before
    t = ms.sweep(model, {"knockouts": ["mTORC2", None]}, knockouts=["PTEN"], **kw).table
    assert t["pS6K1"].iloc[0] != t["pS6K1"].iloc[1]


def test_backends_give_identical_results(model: ms.Model, tmp_path: Path) -> None:
    space = {"PTEN_total": [0.3, 1.0], "GF": [0.2, 0.6, 1.0], "sorafenib": [0.0, 3000.0]}
    kw = {"readouts": ["pAKT_S473", "pERK", "proliferation"], "progress": False}
    serial = ms.sweep(model, space, **kw).table
    procs = ms.sweep(model, space, backend="processes", n_workers=2, chunk_size=5, **kw).table
    dask = ms.sweep(model, space, backend="dask", n_workers=2, chunk_size=5, **kw).table
    pd.testing.assert_frame_equal(serial, procs)
    pd.testing.assert_frame_equal(serial, dask)


def test_each_thread_of_a_worker_runs_its_own_model(model: ms.Model) -> None:
    """A Dask worker ran one deserialised model in all its threads (``dask worker`` runs
    one per core): threads sharing its solver gave wrong numbers with status ok, or
    crashed. Each thread now runs its own copy, kept per model digest (the hash missed
    the catalogue, and a long-lived worker ran an edited preset with the model it kept)."""
    import pickle
    import threading

    from mtor_sim import _backends as backends
    from mtor_sim._perturb import make_perturbation

    received = pickle.loads(pickle.dumps(model))  # as a worker receives it
    conditions = [
        backends.Condition(i, (), make_perturbation(model, drugs={"everolimus": 10.0**i}))
        for i in range(-1, 3)
    ]
    serial = backends._chunk_frame(model, conditions, ["pS6K1"], None)
    seen: dict[int, tuple[ms.Model, ms.Model, pd.DataFrame]] = {}

    def work(k: int) -> None:
        first = backends._worker_model(received)
        out = backends._worker_chunk(received, conditions, ["pS6K1"], None)
        seen[k] = (first, backends._worker_model(received), out)  # type: ignore[assignment]

    threads = [threading.Thread(target=work, args=(k,)) for k in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    (a, a_again, out_a), (b, _, out_b) = seen[0], seen[1]
    assert a is a_again and a is not b and a is not received
    pd.testing.assert_frame_equal(out_a, serial)
    pd.testing.assert_frame_equal(out_b, serial)
    edited = received.with_parameters({"k_PTEN": 2.0})
    assert backends._worker_model(edited).digest == edited.digest
    # models that differ only in their drug targets (the digest does not hold them)
    from conftest import REFERENCE_DIR

    path = REFERENCE_DIR / "brannmark_2013_BIOMD0000000448.xml"
    a = ms.load_model(path, targets={"mTORC1_FRB": "k5a1"})
    b = ms.load_model(path, targets={"mTORC1_FRB": "k4a"})
    backends._worker_model(a)
    assert backends._worker_model(b)._targets == b._targets


def test_spawned_workers_match_forked_ones(
    model: ms.Model, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Where fork is missing, workers are spawned and sent their conditions; forked ones
    build their own from the inherited job, which is forgotten when the pool closes."""
    from mtor_sim import _backends

    assert _backends._can_fork("linux") and not _backends._can_fork("darwin")
    space = {"PTEN_total": [0.3, 1.0], "everolimus": [0.0, 10.0], "genotype": ["WT", "mTORC2_high"]}
    kw = {
        "readouts": ["pAKT_S473", "pS6K1"],
        "progress": False,
        "backend": "processes",
        "n_workers": 2,
        "chunk_size": 3,
    }
    tokens = []
    drain = _backends._drain_pool
    monkeypatch.setattr(
        _backends, "_drain_pool", lambda *a: tokens.append(a[-1] is not None) or drain(*a)
    )
    forked = ms.sweep(model, space, out=tmp_path / "fork", **kw).table
    assert _backends._FORK_JOBS == {}
    monkeypatch.setattr(_backends, "_can_fork", lambda: False)
    spawned = ms.sweep(model, space, out=tmp_path / "spawn", **kw).table
    assert tokens == [True, False]  # an inherited job, then conditions sent to workers
    pd.testing.assert_frame_equal(forked, spawned)
    pd.testing.assert_frame_equal(
        forked, ms.sweep(model, space, readouts=kw["readouts"], progress=False).table
    )


def test_a_failing_pool_forgets_its_job(model: ms.Model) -> None:
    from mtor_sim import _backends

    def make(lo: int, hi: int) -> list:
        raise RuntimeError(f"cannot build points {lo}-{hi}")

    with pytest.raises(RuntimeError, match="cannot build points"):
        _backends.run_conditions(
            model,
            make,
            4,
            ["pS6K1"],
            options=ms.RunOptions(backend="processes", n_workers=2, chunk_size=2, progress=False),
        )
    assert _backends._FORK_JOBS == {}


def test_streamed_parts_and_resume(model: ms.Model, tmp_path: Path) -> None:
    out = tmp_path / "sw"
    kw = {"readouts": ["pS6K1"], "chunk_size": 3, "out": out, "progress": False}
    first = ms.sweep(model, SPACE, **kw)
    parts = sorted(out.glob("part-*.parquet"))
    assert len(parts) == 3  # 8 points in chunks of 3
    manifest = json.loads((out / MANIFEST).read_text())
    assert manifest["spec"]["model_hash"] == model.hash
    # lose the middle part, as if the run had been killed before writing it
    parts[1].unlink()
    with pytest.warns(UserWarning, match="1 recorded part"):
        again = ms.sweep(model, SPACE, **kw)
    assert again.settings["resumed_points"] == 5
    pd.testing.assert_frame_equal(first.table, again.table)
    assert list(again.table["point"]) == list(range(8))


def test_changed_arguments_are_not_mixed_in(model: ms.Model, tmp_path: Path) -> None:
    out = tmp_path / "sw"
    ms.sweep(model, SPACE, readouts=["pS6K1"], out=out, progress=False)
    changed = {**SPACE, "PTEN_total": [0.25, 0.5]}
    with pytest.raises(ms.MtorSimError, match=r"different sweep \(changed: space\)"):
        ms.sweep(model, changed, readouts=["pS6K1"], out=out, progress=False)


def test_failed_point_is_a_row_and_the_rest_goes_on(varusai: ms.Model) -> None:
    p = varusai.parameters
    name = p.index[0]
    sw = ms.sweep(varusai, {name: [p.iloc[0], 1.1 * p.iloc[0]]}, progress=False)
    assert len(sw.table) == 2
    assert sw.table["status"].iloc[0] == "not_reached"  # the default oscillates
    assert sw.n_failed == int((sw.table["status"] != "ok").sum()) >= 1


@pytest.mark.parametrize(
    "space, err, match",
    [
        ({"PTEN_totl": [1.0]}, ms.UnknownNameError, "did you mean 'PTEN_total'"),
        ({"PTEN_total": [-1.0]}, ValueError, r"`space\['PTEN_total'\] value` must be >= 0"),
        ({"PTEN_total": [float("nan")]}, ValueError, "must be finite"),
        ({"genotype": ["PTEN_los"]}, ms.UnknownNameError, "did you mean 'PTEN_loss'"),
        ({"knockouts": [["AKT", "MTORR"]]}, ms.UnknownNameError, "unknown node 'MTORR'"),
        ({"knockouts": [["AKT", "MTOR"]]}, ms.UnknownNameError, "'MTOR' is in more than one"),
        ({}, ValueError, "non-empty mapping"),
    ],
)
def test_bad_space_raises(model: ms.Model, space: dict, err: type, match: str) -> None:
    with pytest.raises(err, match=match):
        ms.sweep(model, space, progress=False)


@pytest.mark.parametrize(
    "kw, match",
    [
        ({"method": "lhs", "n": 4, "space": {"GF": (1.0, 0.5)}}, "low < high"),
        ({"method": "lhs", "n": 4, "space": {"GF": (0.0, 1.0)}, "log": True}, "> 0 on a log scale"),
        ({"method": "lhs", "n": 4, "space": {"GF": (0.0, float("inf"))}}, "must be finite"),
        ({"method": "lhs", "space": {"GF": (0.1, 1.0)}}, "needs `n`"),
        ({"method": "grid", "n": 3, "space": {"GF": [0.1]}}, "applies to method='lhs'"),
        ({"backend": "spark", "space": {"GF": [0.1]}}, "unknown backend 'spark'"),
        ({"chunk_size": 0, "space": {"GF": [0.1]}}, "chunk_size"),
        ({"time": -5, "space": {"GF": [0.1]}}, "`time` must be > 0"),
        # categories alone have no range to sample: it became n = 1 without a word
        ({"method": "lhs", "n": 5, "space": {"genotype": ["WT", "PTEN_loss"]}}, "use method="),
        # the same condition twice ran twice
        ({"space": {"knockouts": ["RHEB", "RHEB"]}}, "same condition"),
        ({"space": {"genotype": ["WT", None]}}, "same condition"),
        ({"space": {"knockouts": [["RHEB", "AKT"], ["AKT", "RHEB"]]}}, "same condition"),
    ],
)
def test_bad_options_raise(model: ms.Model, kw: dict, match: str) -> None:
    space = kw.pop("space")
    with pytest.raises((ValueError, ms.UnknownNameError), match=match):
        ms.sweep(model, space, progress=False, **kw)


def test_time_point_sweep(model: ms.Model) -> None:
    """Claim 10 as a sweep: dual mTORC1/2 inhibition raises RTK over 48 h, via FOXO."""
    sw = ms.sweep(
        model,
        {"vistusertib": [0.0, 1000.0], "cut": [None, "FOXO -> RTK"]},
        readouts=["RTK_total"],
        time=2880,
        progress=False,
    )
    t = sw.table.set_index(["cut", "vistusertib"])["RTK_total"]
    assert_allclose(t[("none", 0.0)], 1.0, rtol=1e-6)
    assert t[("none", 1000.0)] > 1.3
    assert_allclose(t[("FOXO -> RTK", 1000.0)], t[("FOXO -> RTK", 0.0)], rtol=0.05)


@pytest.mark.parametrize("path", sorted(REFERENCE_DIR.glob("*.xml")), ids=lambda p: p.stem)
def test_parameter_sweep_on_reference_models(path: Path) -> None:
    m = ms.load_model(path)
    name = next(p for p, v in m.parameters.items() if v > 0)
    v = m.parameters[name]
    sw = ms.sweep(m, {name: [0.5 * v, v, 2 * v]}, readouts=list(m.readouts[:3]), progress=False)
    assert len(sw.table) == 3
    ok = sw.table[sw.table["status"] == "ok"]
    assert np.isfinite(ok[list(m.readouts[:3])].to_numpy()).all()
    assert set(sw.table["status"]) <= {
        "ok",
        "not_reached",
        "unstable",
        "negative",
        "not_unique",
        "solver_failed",
        "error",
    }
    at_default = sw.table["status"].iloc[1]
    assert at_default == ("not_reached" if "varusai" in path.stem else "ok")


def test_knockout_axis_takes_sbml_names() -> None:
    m = ms.load_model(REFERENCE_DIR / "dalle_pezze_2012_BIOMD0000000581.xml")
    name, sid = next(iter(m._layout.species_names.items()))
    sw = ms.sweep(m, {"knockouts": [None, name]}, readouts=[sid], progress=False)
    assert list(sw.table["knockouts"]) == ["none", sid]
    assert abs(sw.table[sid].iloc[1]) < 1e-12 or sw.table["status"].iloc[1] != "ok"


def test_resume_on_another_backend_keeps_the_parts(model: ms.Model, tmp_path: Path) -> None:
    out = tmp_path / "sw"
    first = ms.sweep(model, SPACE, readouts=["pS6K1"], out=out, progress=False, chunk_size=3)
    again = ms.sweep(
        model, SPACE, readouts=["pS6K1"], out=out, progress=False, backend="processes", n_workers=2
    )  # default chunks differ: parts kept
    assert again.settings["resumed_points"] == 8
    pd.testing.assert_frame_equal(first.table, again.table)
    with pytest.raises(ms.MtorSimError, match="chunk_size=3"):
        ms.sweep(model, SPACE, readouts=["pS6K1"], out=out, progress=False, chunk_size=4)


def test_model_hash_covers_drug_targets() -> None:
    path = REFERENCE_DIR / "dalle_pezze_2012_BIOMD0000000581.xml"
    plain = ms.load_model(path)
    mapped = ms.load_model(path, targets={"mTORC1_FRB": [plain.parameters.index[0]]})
    assert plain.hash != mapped.hash


def test_plots_keep_groups_apart(model: ms.Model, grid: ms.Sweep) -> None:
    """Lines per grid combination; a Latin hypercube is a scatter coloured by genotype
    (a legend) or, with no categorical name, by the other swept name (a colour bar)."""
    import matplotlib.pyplot as plt

    fig = grid.plot("pS6K1", x="everolimus")  # a 3-D grid: one panel per last name's value
    ax = fig.axes[0]
    assert len(fig.axes) == 2 and sum(len(a.lines) for a in fig.axes) == 4
    assert len(ax.get_legend().get_texts()) == 2
    assert ax.get_xlabel() == "everolimus concentration (nM)"
    plt.close(fig)
    space = {"everolimus": (0.1, 100.0), "PTEN_total": (0.2, 2.0)}
    kw = {
        "method": "lhs",
        "n": 6,
        "log": ["everolimus"],
        "readouts": ["pAKT_S473"],
        "progress": False,
    }
    lhs = ms.sweep(model, {**space, "genotype": ["WT", "mTORC2_high"]}, **kw)
    fig = lhs.plot()
    ax = fig.axes[0]
    assert [t.get_text() for t in ax.get_legend().get_texts()] == [
        "WT",
        "mTORC2 up-regulation",
    ]
    assert [len(c.get_offsets()) for c in ax.collections] == [6, 6]
    assert ax.get_xscale() == "log" and len(fig.axes) == 1
    plt.close(fig)
    fig = ms.sweep(model, space, **kw).plot()
    assert len(fig.axes) == 2 and fig.axes[1].get_ylabel().startswith("PTEN amount")
    assert fig.axes[0].get_legend() is None
    plt.close(fig)


def test_lhs_takes_a_numpy_integer(model: ms.Model) -> None:
    sw = ms.sweep(
        model, {"GF": (0.1, 1.0)}, method="lhs", n=np.int64(3), readouts=["pS6K1"], progress=False
    )
    assert len(sw.table) == 3


def test_cli_refuses_an_axis_given_twice(capsys) -> None:
    """--grid GF=0.1,0.5 --grid GF=1 ran one point: the last one won."""
    from mtor_sim.cli import main

    assert main(["sweep", "--grid", "GF=0.1,0.5", "--grid", "GF=1", "-r", "pS6K1"]) == 2
    assert "GF given twice" in capsys.readouterr().err


def test_a_swept_species_is_not_overwritten_by_its_readout(tmp_path: Path) -> None:
    """Sweeping input A with A among the readouts put the steady-state A in the column
    of the swept values, which were then nowhere in the table."""
    path = tmp_path / "ab.ant"
    path.write_text(
        "model ab\n  species A = 1, B = 0\n  R1: A -> B; 0.3*A\n  R2: B -> A; 0.1*B\nend\n"
    )
    m = ms.load_model(path)
    sw = ms.sweep(m, {"A": [1.0, 5.0]}, progress=False)  # every readout but the swept one
    assert sw.table["A"].tolist() == [1.0, 5.0]
    assert sw.table["B"].tolist() == pytest.approx([0.75, 3.75], rel=1e-6)
    with pytest.raises(ValueError, match="both a sweep axis and a readout"):
        ms.sweep(m, {"A": [1.0, 5.0]}, readouts=["A", "B"], progress=False)


def test_a_species_named_like_a_column_of_the_table_is_refused(tmp_path: Path) -> None:
    """A species called ``point`` or ``status`` was written over the table's own column of
    that name: rows numbered by a concentration, a readout replaced by "ok"."""
    path = tmp_path / "named.ant"
    path.write_text(
        "model named\n  species point = 0, status = 0, A = 0\n  k1 = 1; k2 = 2\n"
        "  R1: -> point; k1\n  R2: point -> ; k2*point\n  R3: -> status; k1\n"
        "  R4: status -> ; k2*status\n  R5: -> A; k1\n  R6: A -> ; k2*A\nend\n"
    )
    m = ms.load_model(path)
    for reads in (["point"], ["status", "A"]):
        with pytest.raises(ValueError, match="two columns of the results table"):
            ms.sweep(m, {"k1": [1.0, 2.0, 3.0]}, readouts=reads, progress=False)
    with pytest.raises(ValueError, match=r"'status' would be two columns"):
        ms.steady_states(m, {"one": {}}, ["status"])
    sw = ms.sweep(m, {"k1": [1.0, 2.0, 3.0]}, readouts=["A"], progress=False)
    assert sw.table["point"].tolist() == [0, 1, 2]
    assert sw.table["A"].tolist() == pytest.approx([0.5, 1.0, 1.5], rel=1e-6)


def test_an_axis_named_like_a_quantile_column_is_refused(tmp_path: Path) -> None:
    """Across an ensemble, a swept parameter called ``readout`` was overwritten by the
    quantile table's column of readout names: the swept values were nowhere."""
    path = tmp_path / "named.ant"
    path.write_text(
        "model named\n  species A = 0\n  readout = 1; k2 = 2\n"
        "  R1: -> A; readout\n  R2: A -> ; k2*A\nend\n"
    )
    m = ms.load_model(path)
    members = pd.DataFrame({"k2": [2.0, 4.0]})
    with pytest.raises(ValueError, match="'readout' is swept"):
        ms.sweep(m, {"readout": [1.0, 3.0]}, ["A"], ensemble=members, progress=False)
    plain = ms.sweep(m, {"readout": [1.0, 3.0]}, ["A"], progress=False)  # one model: fine
    assert plain.table["readout"].tolist() == [1.0, 3.0]
