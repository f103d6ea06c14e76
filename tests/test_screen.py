"""Knockout screens on the bundled model and on every reference model."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from conftest import REFERENCE_DIR
from numpy.testing import assert_allclose

import mtor_sim as ms


@pytest.fixture(scope="module")
def screen(model: ms.Model) -> ms.KnockoutScreen:
    return ms.knockout_screen(model, ["pAKT_S473", "pS6K1", "proliferation"], progress=False)


def test_screen_covers_every_node_and_interaction(
    model: ms.Model, screen: ms.KnockoutScreen
) -> None:
    t = screen.table
    assert len(t) == 1 + len(model.nodes) + len(model.interactions)
    assert t["kind"].iloc[0] == "baseline"
    assert set(t["target"]) >= {f"{n} KO" for n in model.nodes}
    assert set(t["target"]) >= {f"cut {c}" for c in model.interactions}


def test_baseline_is_the_untreated_steady_state(
    screen: ms.KnockoutScreen, wt: ms.SteadyState
) -> None:
    assert_allclose(screen.baseline["pS6K1"], wt["pS6K1"], rtol=1e-9)


def test_screen_rows_equal_single_knockouts(model: ms.Model, screen: ms.KnockoutScreen) -> None:
    t = screen.table.set_index("target")
    ss = model.steady_state(knockouts=["TSC2"])
    assert_allclose(t.loc["TSC2 KO", "pS6K1"], ss["pS6K1"], rtol=1e-9)
    ss = model.steady_state(cut=["S6K1 -| IRS1"])
    assert_allclose(t.loc["cut S6K1 -| IRS1", "pAKT_S473"], ss["pAKT_S473"], rtol=1e-9)


def test_screen_recovers_the_pathway_logic(screen: ms.KnockoutScreen) -> None:
    lfc = screen.log2_fold_change()
    assert lfc.loc["RHEB KO", "pS6K1"] < -5  # RHEB is required for mTORC1
    assert lfc.loc["TSC2 KO", "pS6K1"] > 0.3  # TSC2 restrains it
    assert lfc.loc["PTEN KO", "pAKT_S473"] > 0.3  # PTEN loss activates AKT
    assert lfc.loc["cut S6K1 -| IRS1", "pAKT_S473"] > 0  # the feedback holds AKT down
    assert lfc.loc["mTORC2 KO", "pAKT_S473"] < -5  # mTORC2 is the S473 kinase


def test_pairs_on_request(model: ms.Model) -> None:
    ko = ms.knockout_screen(
        model,
        ["pS6K1"],
        nodes=["TSC2", "RHEB", "PTEN"],
        interactions=[],
        pairs=True,
        progress=False,
    )
    assert list(ko.table["kind"]) == ["baseline"] + ["node"] * 3 + ["pair"] * 3
    t = ko.table.set_index("target")
    ss = model.steady_state(knockouts=["TSC2", "RHEB"])
    assert_allclose(t.loc["TSC2 KO + RHEB KO", "pS6K1"], ss["pS6K1"], rtol=1e-9)


def test_background_genotype(model: ms.Model) -> None:
    ko = ms.knockout_screen(
        model,
        ["pAKT_S473"],
        nodes=["mTORC2"],
        interactions=[],
        genotype="PTEN_loss",
        progress=False,
    )
    assert ko.baseline_label == "PTEN_loss"
    assert_allclose(
        ko.baseline["pAKT_S473"], model.steady_state(genotype="PTEN_loss")["pAKT_S473"], rtol=1e-9
    )


def test_top_and_heatmap(screen: ms.KnockoutScreen, tmp_path: Path) -> None:
    top = screen.top("pS6K1", 5)
    assert len(top) == 5 and top["log2_fold_change"].abs().is_monotonic_decreasing
    fig = screen.plot()
    fig.savefig(tmp_path / "ko.png")
    assert (tmp_path / "ko.png").stat().st_size > 10_000


@pytest.mark.parametrize(
    "bad, match",
    [
        ({"nodes": ["AKTT"]}, "did you mean 'AKT'"),  # AKT1 is an alias of AKT
        ({"interactions": ["S6K1 -> IRS1"]}, "did you mean 'S6K1 -| IRS1'"),
        ({"readouts": ["pS6K"]}, "did you mean"),
    ],
)
def test_bad_names(model: ms.Model, bad: dict, match: str) -> None:
    with pytest.raises(ms.UnknownNameError, match=match):
        ms.knockout_screen(model, progress=False, **bad)


@pytest.mark.parametrize("path", sorted(REFERENCE_DIR.glob("*.xml")), ids=lambda p: p.stem)
def test_knockout_screen_on_reference_models(path: Path) -> None:
    """Species knockouts on any SBML model: clamped species read zero; every row has a status."""
    m = ms.load_model(path)
    nodes = list(m.nodes[:4])
    # from the second interaction: Dalle Pezze 2016 with its first cut runs CVODE to its
    # step limit for 160 s before failing, a sixth of the whole suite's time
    cuts = list(m.interactions[1:5])
    ko = ms.knockout_screen(m, nodes=nodes, interactions=cuts, progress=False)
    t = ko.table.set_index("target")
    assert len(t) == 1 + len(nodes) + len(cuts)
    assert t["status"].notna().all()
    for n in nodes:
        row = t.loc[f"{n} KO"]
        if row["status"] == "ok" and n in m.readouts:
            assert abs(row[n]) < 1e-12


def test_no_fold_changes_without_a_verified_baseline(varusai: ms.Model) -> None:
    ko = ms.knockout_screen(varusai, nodes=list(varusai.nodes[:2]), interactions=[], progress=False)
    assert ko.table["status"].iloc[0] == "not_reached"
    assert ko.log2_fold_change().isna().all().all()


def test_fold_changes_treat_solver_noise_as_zero() -> None:
    """1e-33 is zero to the solver: -inf, not 2^-100; zero in both is no change."""
    from mtor_sim._screen import KnockoutScreen

    table = pd.DataFrame(
        {
            "target": ["baseline", "A KO", "B KO", "C KO"],
            "kind": ["baseline", "node", "node", "node"],
            "x": [2.0, 1e-33, 1.0, 4.0],
            "y": [0.0, 0.0, 3e-14, 1.0],
            "status": ["ok", "ok", "ok", "not_reached"],
        }
    )
    lfc = KnockoutScreen(table, ("x", "y"), "WT", "toy").log2_fold_change()
    assert lfc.loc["A KO", "x"] == -np.inf and lfc.loc["B KO", "x"] == -1.0
    assert lfc.loc["A KO", "y"] == 0.0 and lfc.loc["B KO", "y"] == 0.0
    assert lfc.loc["C KO"].isna().all()


def test_a_readout_below_zero_at_the_baseline_has_no_fold_change() -> None:
    """``gap := X - 2`` at -1: unchanged, or doubled to -2, it read -inf ("falls to
    zero"), ranked first by `top`."""
    from mtor_sim._screen import KnockoutScreen

    table = pd.DataFrame(
        {
            "target": ["baseline", "A KO", "B KO"],
            "kind": ["baseline", "node", "node"],
            "x": [1.0, 0.0, 1.0],
            "gap": [-1.0, -2.0, -1.0],
            "status": ["ok", "ok", "ok"],
        }
    )
    lfc = KnockoutScreen(table, ("x", "gap"), "WT", "toy").log2_fold_change()
    assert lfc["gap"].isna().all()
    assert lfc.loc["A KO", "x"] == -np.inf and lfc.loc["B KO", "x"] == 0.0


def test_a_screen_on_a_knockout_or_cut_background(model: ms.Model) -> None:
    """The README's "on any background": a background knockout or cut that the screen
    also targets raised "names 'FOXO' more than once". That target adds nothing there."""
    ko = ms.knockout_screen(
        model, ["pS6K1"], nodes=["FOXO", "TSC2"], interactions=[], knockouts=["FOXO"]
    )
    t = ko.table.set_index("target")
    assert (t["status"] == "ok").all()
    assert t.loc["FOXO KO", "pS6K1"] == pytest.approx(ko.baseline["pS6K1"], rel=1e-12)
    alone = model.steady_state(knockouts=["FOXO", "TSC2"])["pS6K1"]
    assert t.loc["TSC2 KO", "pS6K1"] == pytest.approx(alone, rel=1e-6)
    cut = ms.knockout_screen(
        model, ["pS6K1"], nodes=[], interactions=["S6K1 -| IRS1"], cut=["S6K1 -| IRS1"]
    )
    assert (cut.table["status"] == "ok").all()


def test_an_empty_screen_over_the_ensemble_is_refused(model: ms.Model) -> None:
    # it returned an empty table, on which the CLI's report failed (KeyError)
    with pytest.raises(ValueError, match="nothing to screen"):
        ms.knockout_screen(model, ["pS6K1"], nodes=[], interactions=[], ensemble=True, n_members=2)


def test_an_empty_screen_is_refused_by_name(model: ms.Model, tmp_path: Path) -> None:
    # one model's screen of nothing returned its baseline alone, with status "ok"
    with pytest.raises(ValueError, match="nothing to screen: `nodes` is empty and "):
        ms.knockout_screen(model, ["pS6K1"], nodes=[], interactions=[], progress=False)
    from mtor_sim.cli import main

    out = tmp_path / "ko.csv"
    assert main(["knockout-screen", "--nodes", "--interactions", "-q", "-o", str(out)]) == 2
    assert not out.exists()


def test_a_target_named_twice_is_screened_once(model: ms.Model) -> None:
    """ "raptor" and "mTORC1" are one complex: its knockout was screened and ranked twice
    (top 3 held it twice)."""
    with pytest.warns(UserWarning, match="'mTORC1' and 'raptor' are 'mTORC1'"):
        ko = ms.knockout_screen(
            model, ["pS6K1"], nodes=["mTORC1", "raptor", "TSC2"], interactions=[], progress=False
        )
    assert ko.table["target"].tolist() == ["baseline", "mTORC1 KO", "TSC2 KO"]


@pytest.mark.parametrize("n", [0, -1, 2.5, True])
def test_a_count_below_one_or_not_an_integer_is_refused(
    screen: ms.KnockoutScreen, n: object
) -> None:
    """``top("pS6K1", -1)`` gave every target but the last, and ``plot(max_rows=-1)``
    dropped a row, with no word."""
    with pytest.raises((ValueError, TypeError), match="`n` must be"):
        screen.top("pS6K1", n)  # type: ignore[arg-type]
    with pytest.raises((ValueError, TypeError), match="`max_rows` must be"):
        screen.plot(max_rows=n)  # type: ignore[arg-type]
