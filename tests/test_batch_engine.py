"""The batch steady-state engine (`mtor_sim._batch`): same answers as the guarded
single-point path, everything it cannot verify left to that path, declines what it
cannot translate, and code generated once."""

from __future__ import annotations

import numpy as np
import pytest

import mtor_sim as ms
from mtor_sim import _batch
from mtor_sim._engine import PRESIM_T, STEADY_TOL, solve_point
from mtor_sim._perturb import make_perturbation, resolve

ANTIMONY_WITH_EVENT = """
model ev
  S1 -> S2; k1 * S1
  S2 -> S1; k2 * S2
  S1 = 10; S2 = 0; k1 = 0.1; k2 = 0.05
  at time > 5: k1 = 0.2
end
"""


@pytest.fixture(autouse=True)
def small_batches(monkeypatch):
    """The tests' grids are small: solve them in the batch all the same."""
    monkeypatch.setattr(_batch, "MIN_POINTS", 1)


@pytest.fixture(scope="module")
def model():
    m = ms.load_model()
    m.steady_state()
    return m


def random_conditions(model, n, seed):
    rng = np.random.default_rng(seed)
    genotypes, drugs = list(ms.GENOTYPES), list(model.drugs)
    out = []
    for _ in range(n):
        kw = {
            "genotype": str(rng.choice(genotypes)),
            "drugs": {str(rng.choice(drugs)): float(10 ** rng.uniform(-1, 4))},
        }
        if rng.random() < 0.3:
            kw["parameters"] = {"GF": float(10 ** rng.uniform(-1, 1))}
        if rng.random() < 0.2:
            kw["inputs"] = {"ENERGY_STRESS": float(rng.uniform(0, 1))}
        out.append(make_perturbation(model, **kw))
    return out


def test_generated_rates_and_jacobian_match_roadrunner(model):
    engine = _batch.batch_engine(model, frozenset())
    assert engine is not None
    solver = engine.solver
    rng = np.random.default_rng(0)
    x = solver.reference * rng.uniform(0.5, 1.5, size=solver.reference.size)
    p = _batch._Params.of(engine.s.defaults[:, None])
    v, entries = engine._rates_jacobian(x[:, None], p)
    solver.apply({})
    solver.r.model.setFloatingSpeciesConcentrations(x)
    assert np.allclose(v[:, 0], solver.r.model.getReactionRates(), rtol=1e-10, atol=1e-14)
    # the analytic entries against central differences of the generated rates
    for e, (j, i) in enumerate(engine.s.entries):
        h = 1e-6 * max(abs(x[i]), 1e-2)  # a species at 0 (FRB_adapt untreated) too
        up, down = x.copy(), x.copy()
        up[i] += h
        down[i] -= h
        fd = (engine._rates(up[:, None], p)[j, 0] - engine._rates(down[:, None], p)[j, 0]) / (2 * h)
        assert entries[e, 0] == pytest.approx(fd, rel=1e-5, abs=1e-8)


def test_batch_equals_the_single_point_path(model):
    conds = random_conditions(model, 200, seed=5)
    values = [resolve(model, c)[0] for c in conds]
    engine = _batch.batch_engine(model, frozenset())
    results = engine.solve(engine.parameter_matrix(values), tol=STEADY_TOL)
    verified = [(c, r) for c, r in zip(conds, results, strict=True) if r is not None]
    assert len(verified) >= 190
    for c, r in verified:
        ref = solve_point(model, c, tol=STEADY_TOL, presimulate=PRESIM_T)
        assert ref.status == "ok"
        np.testing.assert_allclose(r.readouts, ref.readouts, rtol=1e-8, atol=1e-12)
        np.testing.assert_allclose(r.species, ref.species, rtol=1e-8, atol=1e-12)
        assert r.status == "ok" and r.max_rate <= STEADY_TOL * max(1.0, np.abs(r.species).max())


def test_knockouts_and_cuts_are_solved_in_the_batch(model):
    """On the bundled model a knockout zeroes the protein's total (a parameter), so
    knocked-out conditions share the engine, with their own conserved totals. The forms
    of a knocked-out protein end at round-off below zero (-1e-17): set to zero, they
    pass the guard, and the answers are the robust path's."""
    nodes = ("AKT", "mTORC2", "S6K1", "mTORC1", "IRS1", "ERK")
    perts = [
        make_perturbation(model, knockouts=[node], drugs={"everolimus": 10.0}) for node in nodes
    ] + [
        make_perturbation(model, knockouts=["PTEN"], drugs={"everolimus": 10.0}),
        make_perturbation(model, cut=["S6K1 -| IRS1"], drugs={"everolimus": 10.0}),
    ]
    resolved = [resolve(model, p) for p in perts]
    assert all(not clamped for _, clamped in resolved)
    engine = _batch.batch_engine(model, frozenset())
    results = engine.solve(engine.parameter_matrix([v for v, _ in resolved]), tol=STEADY_TOL)
    assert all(r is not None for r in results)  # none left to the slow path
    solver = model._solver(frozenset())
    for (values, _), res in zip(resolved, results, strict=True):
        solver.apply(values)
        ref = solver._robust(STEADY_TOL, PRESIM_T)  # the robust path itself
        assert ref.status == "ok" and res.status == "ok"
        assert res.species.min() >= 0.0
        np.testing.assert_allclose(res.readouts, ref.readouts, rtol=1e-8, atol=1e-12)
        np.testing.assert_allclose(res.species, ref.species, rtol=1e-8, atol=1e-12)


def test_round_off_is_clipped_only_within_its_bound(model, monkeypatch):
    """Below zero by more than round-off, a point is still refused."""
    engine = _batch.batch_engine(model, frozenset())
    values = [resolve(model, make_perturbation(model, knockouts=["AKT"]))[0]]
    p = engine.parameter_matrix(values)
    assert engine.solve(p, tol=STEADY_TOL)[0] is not None
    monkeypatch.setattr(_batch, "CLIP_RTOL", 0.0)
    assert engine.solve(p, tol=STEADY_TOL)[0] is None


def test_the_certificate_implies_stability():
    """Where the Gershgorin certificate proves a matrix stable, its eigenvalues are
    below the bound it reports; an unstable or barely dominant matrix is not proved."""
    rng = np.random.default_rng(3)
    r, n = 12, 4000
    a = rng.normal(size=(n, r, r)) * rng.uniform(0.05, 1.0, size=(n, 1, 1))
    a[:, np.arange(r), np.arange(r)] = -rng.uniform(0.5, 3.0, size=(n, r))
    proved, bound = _batch._certify(np.ascontiguousarray(a.transpose(1, 2, 0)))
    assert 0.05 < proved.mean() < 0.95  # a test of both sides
    top = np.linalg.eigvals(a).real.max(axis=1)
    assert (top[proved] <= bound[proved] + 1e-12).all()
    assert (bound[proved] < 0).all() and np.isnan(bound[~proved]).all()
    # unstable: a positive eigenvalue with a negative diagonal
    bad = np.array([[-1.0, 3.0], [3.0, -1.0]])
    assert not _batch._certify(bad[:, :, None])[0][0]
    assert _batch._certify(np.array([[-1.0, 0.5], [0.5, -1.0]])[:, :, None])[0][0]


def test_uncertified_points_get_their_eigenvalues(model, monkeypatch):
    """With the certificate proving nothing, the eigenvalues decide: same answers."""
    conds = random_conditions(model, 40, seed=9)
    engine = _batch.batch_engine(model, frozenset())
    p = engine.parameter_matrix([resolve(model, c)[0] for c in conds])
    with_cert = engine.solve(p, tol=STEADY_TOL)
    monkeypatch.setattr(
        _batch, "_certify", lambda a: (np.zeros(a.shape[2], bool), np.full(a.shape[2], np.nan))
    )
    without = engine.solve(p, tol=STEADY_TOL)
    for a, b in zip(with_cert, without, strict=True):
        assert (a is None) == (b is None)
        if a is not None:
            np.testing.assert_array_equal(a.species, b.species)
            # the bound is above the truth (where both are eigenvalues, they agree to
            # round-off: LAPACK's results depend on the batch they are computed in)
            assert b.max_eigenvalue <= a.max_eigenvalue + 1e-12 * abs(a.max_eigenvalue)
            assert a.max_eigenvalue < 0


def test_unverified_points_go_to_the_robust_path(model, monkeypatch):
    """With no Newton iteration nothing is verified, and sweeps still get every answer."""
    grid = {"dose_everolimus": [0.0, 1.0, 100.0], "genotype": ["WT", "PTEN_loss"]}
    before = ms.sweep(model, grid, progress=False).to_dataframe()
    monkeypatch.setattr(_batch, "MAX_ITERATIONS", 0)
    engine = _batch.batch_engine(model, frozenset())
    values = [resolve(model, make_perturbation(model, genotype="PTEN_loss"))[0]]
    assert engine.solve(engine.parameter_matrix(values), tol=STEADY_TOL) == [None]
    after = ms.sweep(model, grid, progress=False).to_dataframe()
    assert (after["status"] == "ok").all()
    readouts = [c for c in before.columns if c in model.readouts]
    np.testing.assert_allclose(after[readouts], before[readouts], rtol=1e-8)


def test_sweeps_are_the_same_with_the_batch_engine_off(model, monkeypatch):
    grid = {
        "dose_everolimus": list(np.logspace(-1, 3, 7)),
        "genotype": ["WT", "mTORC2_high"],
        "knockouts": [None, "mTORC2"],
    }
    on = ms.sweep(model, grid, progress=False).to_dataframe()
    monkeypatch.setenv("MTOR_SIM_BATCH", "off")
    off = ms.sweep(model, grid, progress=False).to_dataframe()
    readouts = [c for c in on.columns if c in model.readouts]
    np.testing.assert_allclose(on[readouts], off[readouts], rtol=1e-8, atol=1e-12)
    assert list(on["status"]) == list(off["status"])
    assert list(on["message"].fillna("")) == list(off["message"].fillna(""))


def test_declines_models_it_should_not_solve(tmp_path):
    path = tmp_path / "ev.ant"
    path.write_text(ANTIMONY_WITH_EVENT)
    other = ms.load_model(path)
    other.steady_state()
    # another model's steady state is where integration from its initial state goes
    # (it may be multistable): Newton from a reference is not that, so no batch engine
    assert _batch.batch_engine(other, frozenset()) is None


def test_generation_declines_events():
    import antimony

    antimony.clearPreviousLoads()
    assert antimony.loadAntimonyString(ANTIMONY_WITH_EVENT) >= 0
    sbml = antimony.getSBMLString("ev")

    class Stub:
        species_ids = ["S1", "S2"]
        names, position, readouts = [], {}, []
        defaults = np.array([])

    with pytest.raises(_batch._Declined):
        _batch._structure_and_code(Stub(), sbml)


def test_generated_code_comes_from_the_cache_the_second_time(model, tmp_path, monkeypatch):
    import sys

    if "libsedml" in sys.modules:  # its SWIG runtime breaks libsbml's AST types (below)
        pytest.skip("libsedml was imported earlier in this process: code is not generated")
    monkeypatch.setenv("MTOR_SIM_CACHE", str(tmp_path / "cache"))
    _batch._ENGINES.clear()
    first = _batch.batch_engine(model, frozenset())
    assert first is not None

    def fail(*args, **kwargs):
        raise AssertionError("code generated again instead of read from the cache")

    monkeypatch.setattr(_batch, "_structure_and_code", fail)
    _batch._ENGINES.clear()
    second = _batch.batch_engine(model, frozenset())
    assert second is not None and second.s.entries == first.s.entries
    _batch._ENGINES.clear()


def test_dose_responses_and_combinations_go_through_the_batch(model):
    """Their points are solved together now; each equals its own steady state."""
    dr = ms.dose_response(model, "everolimus", doses=[0, 0.1, 1, 10, 100, 1000], readout="pS6K1")
    one = [model.steady_state(drugs={"everolimus": d})["pS6K1"] for d in dr.table["dose"]]
    np.testing.assert_allclose(dr.table["value"], one, rtol=1e-8)
    assert (dr.table["status"] == "ok").all()
    combo = ms.combination(
        model, ("everolimus", "sorafenib"), [1, 10], [100, 1000], readout="proliferation"
    )
    cell = model.steady_state(drugs={"everolimus": 10.0, "sorafenib": 1000.0})["proliferation"]
    assert combo.response.loc[10.0, 1000.0] == pytest.approx(cell, rel=1e-8)


def test_small_batches_are_solved_one_by_one(model, monkeypatch):
    """Below MIN_POINTS points the batch costs more per point than the single-point
    path: such chunks skip it, with the same answers."""
    monkeypatch.setattr(_batch, "MIN_POINTS", 50)

    def refuse(*args, **kwargs):
        raise AssertionError("the batch engine was used for a small chunk")

    monkeypatch.setattr(_batch.BatchEngine, "solve", refuse)
    grid = {"dose_everolimus": list(np.logspace(-1, 3, 7)), "genotype": ["WT", "PTEN_loss"]}
    table = ms.sweep(model, grid, progress=False).to_dataframe()
    assert (table["status"] == "ok").all()


def test_a_jacobian_that_cannot_be_evaluated_is_not_verified(model, monkeypatch):
    """At the guard, a point whose Jacobian holds a NaN is neither proved stable nor
    given eigenvalues (which numpy refuses to compute): it is not verified, and the
    other points are."""
    engine = _batch.batch_engine(model, frozenset())
    values = [resolve(model, c)[0] for c in random_conditions(model, 3, seed=2)]
    p = engine.parameter_matrix(values)
    solved = engine.solve(p, tol=STEADY_TOL)
    assert all(r is not None for r in solved)
    x = np.array([r.species for r in solved]).T
    params = _batch._Params.of(p)
    totals = engine.conserve @ engine._initial(params)
    original = engine._rates_jacobian

    def broken(x, params):
        v, dv = original(x, params)
        dv = dv.copy()
        dv[:, 1] = np.nan
        return v, dv

    monkeypatch.setattr(engine, "_rates_jacobian", broken)
    results = engine._verify(x, params, totals, STEADY_TOL)
    assert results[1] is None
    assert results[0] is not None and results[2] is not None


def _patient_points(model, patient):
    """A trial's points of one patient of a 200-patient cohort (seed 1): untreated, then
    every arm's phases of the dosing cycle, as `ms.trial` builds them."""
    from mtor_sim._trial import _arms, _exposed

    base = ms.virtual_cohort(model, 200, seed=1).perturbation(model, patient)
    points = [base] + [
        _exposed(base, c, arm.unbound_parameters)
        for arm in _arms(model, None, None)
        for c in arm.phases
    ]
    return [resolve(model, p)[0] for p in points]


def test_points_left_start_again_from_their_nearest_verified_neighbour(model, monkeypatch):
    """A third of one trial patient's points made to fail from the reference: they start
    again from the verified state of the same patient's nearest point, and every answer
    is the one the robust path finds, and the engine's alone, one point at a time."""
    values = _patient_points(model, 34)
    engine = _batch.batch_engine(model, frozenset())
    p = engine.parameter_matrix(values)
    alone = [engine.solve(p[:, [k]], tol=STEADY_TOL)[0] for k in range(p.shape[1])]
    assert all(r is not None for r in alone)
    newton, starts = engine._newton, []

    def failing(x, params, tol, **kw):
        start = x.copy()
        out = newton(x, params, tol, **kw)
        if not starts:  # from the reference: every third point stays at its start
            out[:, 1::3] = start[:, 1::3]
        starts.append(kw)
        return out

    monkeypatch.setattr(engine, "_newton", failing)
    results = engine.solve(p, tol=STEADY_TOL)
    assert starts == [{}, {"own_first": True}]  # no point needed the last start
    assert engine.stages == {"reference": 45, "neighbour": 22}
    solver = model._solver(frozenset())
    for k, (vals, res) in enumerate(zip(values, results, strict=True)):
        np.testing.assert_allclose(res.species, alone[k].species, rtol=1e-9, atol=1e-14)
        solver.apply(vals)
        ref = solver._robust(STEADY_TOL, PRESIM_T)
        assert ref.status == "ok"
        np.testing.assert_allclose(res.species, ref.species, rtol=1e-8, atol=1e-12)
        np.testing.assert_allclose(res.readouts, ref.readouts, rtol=1e-8, atol=1e-12)


def test_the_last_start_is_the_engine_s_former_one(model, monkeypatch):
    """With the bound and the neighbour start both failing, a point still gets the
    former start (the smallest change of the reference to its totals, undamped)."""
    values = _patient_points(model, 34)[:8]
    engine = _batch.batch_engine(model, frozenset())
    p = engine.parameter_matrix(values)
    want = engine.solve(p, tol=STEADY_TOL)
    monkeypatch.setattr(_batch, "_inside", lambda x, step, scale: np.zeros(x.shape[1]))
    got = engine.solve(p, tol=STEADY_TOL)
    assert engine.stages == {"reference": 0, "undamped": sum(r is not None for r in got)}
    assert sum(r is not None for r in got) >= 1
    for a, b in zip(got, want, strict=True):
        if a is not None:
            np.testing.assert_allclose(a.species, b.species, rtol=1e-8, atol=1e-12)


def test_the_start_is_carried_to_the_totals_without_negative_species(model):
    engine = _batch.batch_engine(model, frozenset())
    assert engine.moieties is not None  # the bundled model's laws are disjoint moieties
    values = [resolve(model, make_perturbation(model, knockouts=["AKT"]))[0]] + _patient_points(
        model, 34
    )[:3]
    p = _batch._Params.of(engine.parameter_matrix(values))
    totals = engine.conserve @ engine._initial(p)
    x = engine._carried(engine.solver.reference[:, None], totals)
    assert x.min() >= 0.0
    np.testing.assert_allclose(engine.conserve @ x, totals, rtol=0, atol=1e-12)


def test_when_libsbml_cannot_be_read_the_points_take_the_single_point_path(
    model, tmp_path, monkeypatch
):
    """After another SWIG-built module (libsedml, through to_omex) libsbml's AST types
    can break, and code generation raises TypeError: the engine then says so and steps
    aside, and every answer comes from the guarded path, the same as with the engine."""

    def broken(*args, **kwargs):
        raise TypeError("unhashable type: 'SwigPyObject'")

    conditions = [{"drugs": {"everolimus": d}} for d in np.logspace(-1, 3, 60)]
    with_engine = ms.steady_states(model, conditions, ["pS6K1"])
    monkeypatch.setenv("MTOR_SIM_CACHE", str(tmp_path / "cache"))  # nothing cached there
    monkeypatch.setattr(_batch, "_structure_and_code", broken)
    _batch._ENGINES.clear()
    with pytest.warns(RuntimeWarning, match="single-point path"):
        assert _batch.batch_engine(model, frozenset()) is None
    without = ms.steady_states(model, conditions, ["pS6K1"])
    assert (without.table["status"] == "ok").all()
    np.testing.assert_allclose(without.table["pS6K1"], with_engine.table["pS6K1"], rtol=1e-8)
    _batch._ENGINES.clear()
