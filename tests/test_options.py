"""One options object says how every batch verb runs (`ms.RunOptions`)."""

from __future__ import annotations

import pytest
from numpy.testing import assert_allclose

import mtor_sim as ms


def test_run_options_and_their_shorthand_give_the_same_sweep(model: ms.Model) -> None:
    space = {"GF": [0.2, 1.0], "everolimus": [0.0, 10.0]}
    a = ms.sweep(model, space, ["pS6K1"], backend="serial", progress=False)
    b = ms.sweep(model, space, ["pS6K1"], run=ms.RunOptions(backend="processes", n_workers=2))
    c = ms.sweep(model, space, ["pS6K1"], run={"backend": "processes", "progress": False})
    assert b.settings["backend"] == "processes" and b.settings["n_workers"] == 2
    for other in (b, c):
        assert_allclose(other.table["pS6K1"], a.table["pS6K1"], rtol=1e-10)


def test_a_setting_given_twice_is_refused(model: ms.Model) -> None:
    with pytest.raises(TypeError, match=r"either as `run=` or as keywords \(`backend`\)"):
        ms.sweep(model, {"GF": [1.0]}, run=ms.RunOptions(), backend="serial")


def test_small_batches_show_no_progress_bar_unless_asked(model: ms.Model, capsys) -> None:
    """`run=` without `progress` keeps each verb's own default (the review found a mapping
    turned bars on for the quiet verbs)."""
    ms.steady_states(model, [{}, {"genotype": "PTEN_loss"}], ["pS6K1"], run={"backend": "serial"})
    assert "conditions" not in capsys.readouterr().err
    ms.steady_states(model, [{}], ["pS6K1"], run=ms.RunOptions(progress=True))
    assert "conditions" in capsys.readouterr().err
    with pytest.raises(ValueError, match="`out` is empty"):
        ms.RunOptions(out="")


def test_the_options_are_checked_when_made() -> None:
    with pytest.raises(KeyError, match="backend"):
        ms.RunOptions(backend="threads")
    with pytest.raises(ValueError, match="n_workers"):
        ms.RunOptions(n_workers=0)
    with pytest.raises(TypeError, match="no field"):
        ms.RunOptions().replace(workers=2)
    run = ms.RunOptions(backend="processes", n_workers=3, out="parts")
    assert ms.RunOptions().progress is None  # unset: the verb decides
    assert run.workers == 3 and ms.RunOptions().workers == 1
    assert run.as_dict()["out"] == "parts"


@pytest.mark.parametrize(
    ("options", "says"),
    [
        ({"n_workers": 4}, "serial backend runs in this process"),
        ({"backend": "processes", "scheduler": "tcp://host:8786"}, "Dask scheduler"),
        ({"backend": "dask", "scheduler": "tcp://host:8786", "n_workers": 2}, "own workers"),
    ],
)
def test_options_of_another_backend_are_refused(options, says) -> None:
    """`n_workers` on the serial backend and a scheduler address on any but Dask were
    accepted and ignored: the run went on in one process, or on a local pool."""
    with pytest.raises(ValueError, match=says):
        ms.RunOptions(**options)
    with pytest.raises(ValueError, match=says):
        ms.RunOptions().replace(**options)


def test_the_fit_benchmark_runs_serially_as_ci_runs_it(monkeypatch: pytest.MonkeyPatch) -> None:
    """benchmarks/bench_fit.py gave every fit n_workers=2, which the serial backend (its
    default run) now refuses: the benchmark stopped before its first start."""
    import importlib

    from conftest import REPO

    monkeypatch.syspath_prepend(str(REPO / "benchmarks"))
    bench = importlib.import_module("bench_fit")
    label, _, _ = bench.run("Boehm_JProteomeRes2014", 1, "serial", max_iter=1)
    assert label == "Boehm 1 starts serial"


def test_dose_response_and_combination_take_the_same_options(model: ms.Model) -> None:
    doses = [0, 1, 10, 100]
    serial = ms.dose_response(model, "everolimus", doses, "pS6K1")
    pooled = ms.dose_response(
        model, "everolimus", doses, "pS6K1", run=ms.RunOptions(backend="processes", n_workers=2)
    )
    assert_allclose(pooled.table["value"], serial.table["value"], rtol=1e-10)
    combo = ms.combination(
        model, ("everolimus", "sorafenib"), [10], [100], backend="processes", n_workers=2
    )
    assert combo.n_failed == 0


def test_a_fit_refuses_options_it_has_no_use_for() -> None:
    with pytest.raises(TypeError, match="does not use"):
        ms.fit("problem.yaml", run=ms.RunOptions(out="parts"))


def test_a_dose_response_of_several_genotypes_streams_into_one_folder(
    model: ms.Model, tmp_path
) -> None:
    """Every genotype's doses are one run: one store folder, resumable, same numbers."""
    kw = {"genotypes": ["WT", "PTEN_loss"], "readout": "pS6K1"}
    doses = [0, 1, 10, 100]
    first = ms.dose_response(model, "everolimus", doses, out=tmp_path / "parts", **kw)
    again = ms.dose_response(model, "everolimus", doses, out=tmp_path / "parts", **kw)
    memory = ms.dose_response(model, "everolimus", doses, **kw)
    assert_allclose(first.table["value"], memory.table["value"], rtol=1e-12)
    assert_allclose(again.table["value"], memory.table["value"], rtol=1e-12)
    with pytest.raises(ms.StoreError, match="changed: points"):
        ms.dose_response(model, "everolimus", [0, 1, 10, 1000], out=tmp_path / "parts", **kw)
