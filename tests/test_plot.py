"""Figures: what they show and how they are labelled, on the bundled model and another one."""

from __future__ import annotations

import matplotlib.pyplot as plt
import pytest
from conftest import REFERENCE_DIR

import mtor_sim as ms

BRANNMARK = REFERENCE_DIR / "brannmark_2013_BIOMD0000000448.xml"


@pytest.fixture(scope="module")
def brannmark() -> ms.Model:
    return ms.load_model(BRANNMARK, targets={"mTORC1_FRB": ["k5a1"]})


def test_time_course_plot_of_the_bundled_model(model: ms.Model) -> None:
    tc = model.simulate(t_end=120, genotype="PTEN_loss", drugs={"everolimus": 10})
    fig = tc.plot()
    ax = fig.axes[0]
    # the model's labels, never its code names (models/labels.csv)
    assert [line.get_label() for line in ax.lines] == [
        "p-Akt S473",
        "p-Akt T308",
        "p-S6K1 T389",
        "p-4E-BP1",
    ]
    assert ax.get_title() == "PTEN loss + everolimus 10 nM"
    assert ax.get_ylabel() == "fraction (of each protein's total, 0-1)"
    assert ax.get_xlabel() == "time after treatment (h)"
    assert ax.lines[0].get_xdata()[-1] == pytest.approx(2.0)  # 120 min, in hours
    plt.close(fig)
    with pytest.raises(ms.UnknownNameError, match="did you mean 'pS6K1'"):
        tc.plot(["pS6K"])


def test_a_models_label_table_picks_its_time_course_curves(tmp_path) -> None:
    """``show = timecourse`` in a model's own label table chooses the default curves."""
    xml = tmp_path / "insulin.xml"
    xml.write_bytes(BRANNMARK.read_bytes())
    (tmp_path / "insulin.labels.csv").write_text(
        "kind,name,label,unit,quantity,show\n"
        "readout,IRp,phospho-IR,model units,,timecourse\n"
        "readout,IRS1p,phospho-IRS1,model units,,timecourse\n"
    )
    fig = ms.load_model(xml).simulate(t_end=30, n_points=31).plot()
    assert [line.get_label() for line in fig.axes[0].lines] == ["phospho-IR", "phospho-IRS1"]
    plt.close(fig)


def test_other_models_tables_say_baseline_not_wt(brannmark: ms.Model) -> None:
    """A model without a wild type the catalogue defines: its tables called the model as
    it is "WT" ("WT + IR KO"), as its figures no longer did."""
    assert brannmark.steady_state().to_dataframe()["label"].item() == "baseline"
    ko = brannmark.steady_state(knockouts=["IR"]).to_dataframe()["label"].item()
    assert ko == "baseline + IR KO"
    screen = ms.knockout_screen(brannmark, nodes=["S6K"], progress=False)
    assert screen.baseline_label == "baseline"


def test_other_models_are_in_model_units(brannmark: ms.Model) -> None:
    tc = brannmark.simulate(t_end=30, n_points=31)
    fig = tc.plot(hours=False)
    ax = fig.axes[0]
    assert [line.get_label() for line in ax.lines] == list(brannmark.readouts[:4])
    assert ax.get_ylabel() == "model units"
    assert ax.get_xlabel() == "time (min; no unit declared)"  # read as minutes
    assert ax.get_title() == "baseline"  # no genotypes there: not "WT"
    plt.close(fig)
    dr = ms.dose_response(brannmark, "everolimus", [0, 1, 10, 100, 1000], readout="S6Kp")
    fig = dr.plot()
    assert fig.axes[0].get_ylabel() == "S6Kp (model units)"
    plt.close(fig)


def test_a_readout_the_drug_raises_has_an_ec50(model: ms.Model) -> None:
    """Rapalogs raise pAKT S473 (feedback relief): its half-maximal dose is an EC50."""
    doses = [0, 0.1, 1, 10, 100, 1000]
    up = ms.dose_response(model, "everolimus", doses, readout="pAKT_S473").plot()
    down = ms.dose_response(model, "everolimus", doses, readout="pS6K1").plot()
    assert "EC50" in up.axes[0].get_legend().get_texts()[0].get_text()
    assert "triangles mark relative EC50s" in up.axes[0].get_title()
    assert "IC50" in down.axes[0].get_legend().get_texts()[0].get_text()
    assert down.axes[0].get_ylabel() == "p-S6K1 T389 (fraction of S6K1)"
    plt.close("all")


def test_knockout_screen_title_says_when_the_baseline_is_unverified(varusai: ms.Model) -> None:
    screen = ms.knockout_screen(
        varusai, varusai.readouts[:2], nodes=varusai.nodes[:2], interactions=[], progress=False
    )
    fig = screen.plot()
    title = fig.axes[0].get_title()
    assert "the baseline itself is not_reached: no fold change is defined" in title
    assert len(title.splitlines()[0]) < 70  # a long SBML name is shortened
    plt.close(fig)


def test_knockout_screen_rows_use_the_models_names_as_its_columns() -> None:
    """Dalle Pezze 2012's columns read IR_beta, its rows species_20 KO."""
    from conftest import REFERENCE_DIR

    m = ms.load_model(REFERENCE_DIR / "dalle_pezze_2012_BIOMD0000000581.xml")
    screen = ms.knockout_screen(m, m.readouts[:2], nodes=["species_20"], interactions=[])
    fig = screen.plot()
    assert [t.get_text() for t in fig.axes[0].get_yticklabels()] == ["IR_beta KO"]
    plt.close(fig)


def test_a_small_synergy_excess_is_not_drawn_as_strong(model: ms.Model) -> None:
    cm = ms.combination(
        model, ("everolimus", "sorafenib"), [0, 10], [0, 3000], readout="proliferation"
    )
    fig = cm.plot()
    heat = fig.axes[1].images[0]
    lo, hi = heat.get_clim()
    assert hi == -lo >= 0.1  # symmetric, with a minimum span


def test_sweep_plot_names_what_it_does_not_encode(model: ms.Model) -> None:
    sw = ms.sweep(
        model,
        {"everolimus": (0.1, 100.0), "GF": (0.2, 1.0), "k_PTEN": (0.5, 1.5)},
        ["pS6K1"],
        method="lhs",
        n=30,
        seed=0,
        progress=False,
    )
    title = sw.plot("pS6K1").axes[0].get_title()
    assert "also varied, not encoded: k_PTEN" in title


def test_overlaid_dose_responses_name_every_drug(model: ms.Model) -> None:
    a = ms.dose_response(model, "everolimus", [0, 1, 10, 100], readout="pS6K1")
    b = ms.dose_response(model, "vistusertib", [0, 10, 100, 1000], readout="pS6K1")
    fig = a.plot()
    b.plot(ax=fig.axes[0], label="vistusertib")
    ax = fig.axes[0]
    assert "everolimus and vistusertib" in ax.get_title()
    assert ax.get_xlabel().startswith("drug concentration")
    assert "relative" in ax.get_title()


def test_the_untreated_dose_sits_left_of_a_break_on_the_log_axis(model: ms.Model) -> None:
    dr = ms.dose_response(model, "everolimus", [0, 1, 10, 100, 1000], readout="pS6K1")
    ax = dr.plot().axes[0]
    labels = [t.get_text() for t in ax.get_xticklabels()]
    assert labels[0] == "0" and "1,000" in labels
    zero_at = ax.get_xticks()[0]
    assert 0 < zero_at < 1  # left of the lowest dose, on the log axis
    untreated = float(dr.table.loc[dr.table["dose"] == 0, "value"].iloc[0])
    points = [
        (x, y)
        for line in ax.get_lines()
        for x, y in zip(line.get_xdata(), line.get_ydata(), strict=True)
    ]
    assert any(x == zero_at and y == untreated for x, y in points)
    assert all(t >= 1 for t in ax.get_xticks(minor=True))  # no minor ticks left of the break


def test_legend_ic50s_have_no_exponent(model: ms.Model) -> None:
    dr = ms.dose_response(model, "sorafenib", [0, 10, 100, 1000, 10000], readout="proliferation")
    legend = " ".join(t.get_text() for t in dr.plot().axes[0].get_legend().get_texts())
    assert "e+" not in legend and "IC50" in legend


def test_claim_figures_put_one_quantity_per_axis_and_no_verdict_in_the_title(
    model: ms.Model,
) -> None:
    from mtor_sim._plot import plot_claim

    fig = plot_claim(ms.claims.check(model, 11))  # pAKT S473 (a fraction) and proliferation
    titles = [fig._suptitle.get_text()] + [ax.get_title() for ax in fig.axes]
    assert not any("PASS" in t or "FAIL" in t for t in titles)
    labels = [ax.get_ylabel() for ax in fig.axes]
    assert len(fig.axes) == 2 and "fraction" in labels[0] and "index" in labels[1]
    texts = [t.get_text() for t in fig.texts]
    assert any(t.startswith("The check passes") for t in texts)
    for ax in fig.axes:  # legends beside the bars, not on them
        box = ax.get_legend().get_window_extent(fig.canvas.get_renderer())
        assert box.x0 >= ax.get_window_extent().x1 - 1
    plt.close("all")


def test_a_three_dimensional_grid_is_drawn_as_facets(model: ms.Model) -> None:
    sw = ms.sweep(
        model,
        {"dose_everolimus": [0.1, 1, 10, 100], "genotype": ["WT", "PTEN_loss"], "GF": [0.3, 3]},
        progress=False,
    )
    fig = sw.plot("pAKT_S473")
    assert [ax.get_title() for ax in fig.axes] == ["growth factors = 0.3", "growth factors = 3"]
    assert all(len(ax.get_lines()) == 2 for ax in fig.axes)  # one line per genotype
    assert fig.axes[0].get_xlabel() == "dose_everolimus (nM)"  # the model's unit
    assert sum(ax.get_legend() is not None for ax in fig.axes) == 1
    plt.close(fig)


def test_facets_keep_the_names_their_panels_do_not_encode(model: ms.Model) -> None:
    """A facet panel's title was replaced by its facet value, dropping the panel's note
    that a swept name is varied but neither drawn nor coloured (Akt amount here: 4 x 4
    values of the middle names are too many lines, so the panels are scatters coloured
    by PTEN)."""
    sw = ms.sweep(
        model,
        {
            "GF": [0.3, 3],
            "PTEN_total": [0.5, 1, 2, 4],
            "AKT_total": [0.5, 1, 2, 4],
            "IRS1_total": [1, 2],
        },
        progress=False,
    )
    fig = sw.plot("pAKT_S473")
    titles = [ax.get_title() for ax in fig.axes if ax.get_title()]
    assert len(titles) == 2
    assert all(t.endswith("\nalso varied, not encoded: Akt amount") for t in titles), titles
    plt.close(fig)


def test_every_result_plots_and_takes_one_readout_or_a_list(model: ms.Model) -> None:
    """SPEC: every result has .plot(), and ``readouts`` is one name or a list. A steady
    state had no plot; a time course read one name letter by letter ("unknown readout
    'p'"); a sweep refused a list; a dose-response took the name for its axes."""
    ss = model.steady_state(genotype="PTEN_loss", drugs={"everolimus": 10})
    fig = ss.plot(["pAKT_S473", "pS6K1"])
    (ax,) = fig.axes
    assert [t.get_text() for t in ax.get_yticklabels()] == ["p-Akt S473", "p-S6K1 T389"]
    widths = sorted(p.get_width() for p in ax.patches)
    assert widths == pytest.approx(sorted([ss["pAKT_S473"], ss["pS6K1"]]))
    assert "everolimus 10 nM" in ax.get_title()
    assert len(model.steady_state().plot().axes[0].patches) == len(model.readouts)
    plt.close("all")
    tc = model.simulate(t_end=30, n_points=4)
    assert [line.get_label() for line in tc.plot("pS6K1").axes[0].get_lines()] == ["p-S6K1 T389"]
    sw = ms.sweep(model, {"GF": [0.1, 1.0]}, ["pS6K1", "PIP3"], progress=False)
    assert sw.plot(["PIP3"]).axes[0].get_ylabel() == sw.plot("PIP3").axes[0].get_ylabel()
    with pytest.raises(ValueError, match="figure draws one; plot each"):
        sw.plot(["PIP3", "pS6K1"])
    dr = ms.dose_response(model, "everolimus", [0, 1, 10], progress=False)
    with pytest.raises(TypeError, match="measures 'proliferation' only"):
        dr.plot("pS6K1")
    with pytest.raises(ValueError, match="`readouts` is empty"):
        ss.plot([])
    sens = ms.sensitivity(model, ["pS6K1", "PIP3"], ["k_PTEN"], progress=False)
    assert sens.plot(["PIP3"]).axes[0].get_title() == sens.plot("PIP3").axes[0].get_title()
    screen = ms.knockout_screen(model, ["pS6K1", "PIP3"], nodes=["PTEN"], progress=False)
    assert [t.get_text() for t in screen.plot("PIP3").axes[0].get_xticklabels()] == ["PIP3"]
    assert len(screen.plot().axes[0].get_xticklabels()) == 2
    plt.close("all")


def test_an_unverified_steady_state_is_drawn_as_no_value(varusai: ms.Model) -> None:
    ss = varusai.steady_state()
    assert ss.status != "ok"
    ax = ss.plot().axes[0]
    assert "not a verified steady state" in ax.get_title()
    assert all(p.get_hatch() == "///" for p in ax.patches)
    plt.close("all")


def test_a_flat_curve_is_not_zoomed_onto_its_round_off() -> None:
    """A readout constant to round-off got an axis of 1e-12 labelled with an offset
    ("1e-12+2.95081607"), so that the round-off looked like dynamics."""
    m = ms.load_model(REFERENCE_DIR / "brannmark_2013_BIOMD0000000448.xml")
    tc = m.simulate(t_end=100, n_points=11)
    value = float(tc.to_dataframe()["measuredS6Kp"].iloc[0])
    fig = tc.plot(["measuredS6Kp"])
    low, high = fig.axes[0].get_ylim()
    assert low == pytest.approx(0.95 * value, rel=1e-6)
    assert high == pytest.approx(1.05 * value, rel=1e-6)


def test_failed_and_unverified_points_are_marked_not_drawn_as_valid(model: ms.Model) -> None:
    """A dose-response point whose state is not verified was a filled dot like any other;
    a knockout screen cut to its strongest rows dropped the failed ones first (all NaN),
    under a title promising hatched cells; a tornado drew a failed parameter as a zero
    bar."""
    import dataclasses

    import numpy as np

    dr = ms.dose_response(model, "everolimus", [0, 0.1, 1, 10, 100, 1000], readout="pS6K1")
    table = dr.table.copy()
    table.loc[4, ["status", "value"]] = ["unstable", 0.3]
    ax = dataclasses.replace(dr, table=table).plot().axes[0]
    hollow = [ln for ln in ax.get_lines() if ln.get_markerfacecolor() == "none"]
    assert [list(ln.get_ydata()) for ln in hollow] == [[0.3]]
    assert "hollow: 1 point not verified" in ax.get_title()
    table.loc[3, ["status", "value"]] = ["not_reached", np.nan]
    ax = dataclasses.replace(dr, table=table).plot().axes[0]
    assert "1 point without a value, not drawn" in ax.get_title()

    screen = ms.knockout_screen(
        model, ["pS6K1"], nodes=["RTK", "IRS1", "PTEN", "AKT"], interactions=[], progress=False
    )
    effect = screen.log2_fold_change()["pS6K1"].drop(screen.baseline_label, errors="ignore")
    weakest = effect.abs().idxmin()
    table = screen.table.copy()
    row = table["target"] == weakest
    table.loc[row, "pS6K1"] = np.nan
    table.loc[row, "status"] = "not_reached"
    ax = dataclasses.replace(screen, table=table).plot(max_rows=2).axes[0]
    assert weakest in [t.get_text() for t in ax.get_yticklabels()]
    assert "hatched: no verified steady state" in ax.get_title()
    assert "2 rows of weakest effect not shown" in ax.get_title()

    sens = ms.sensitivity(model, "pS6K1", vary=["k_S6K1_phos", "k_IRS1_S6K1"])
    table = sens.table.copy()
    table.loc[1, ["sensitivity", "status"]] = [np.nan, "not_reached"]
    ax = dataclasses.replace(sens, table=table).plot().axes[0]
    assert "1 of 2 parameters without a verified answer" in ax.get_title()
    assert "not_reached" in [t.get_text().strip() for t in ax.texts]
    plt.close("all")


def test_a_combination_figure_names_its_background_and_when_scores_are_not_synergy(
    model: ms.Model,
) -> None:
    """The synergy panel said "> 0: synergy" where a drug alone raises the readout (the
    computation warned, on stderr only), and the title named neither genotype nor
    inputs; a genotype given as one name was spelled out letter by letter."""
    with pytest.warns(RuntimeWarning, match="do not measure synergy"):
        raised = ms.combination(
            model, ("everolimus", "dactolisib"), [0, 1, 10, 100], [0, 1, 10], "pAKT_S473"
        )
    fig = raised.plot()
    assert "not synergy: everolimus alone raises" in fig.axes[-1].get_ylabel()
    plain = ms.combination(
        model,
        ("everolimus", "sorafenib"),
        [0, 1, 10],
        [0, 100, 1000],
        "pS6K1",
        genotype="PTEN_loss",
        inputs={"GF": 2},
    )
    fig = plain.plot()
    assert "on PTEN loss + growth factors=2" in fig._suptitle.get_text()
    assert "> 0: synergy" in fig.axes[-1].get_ylabel()
    plt.close("all")


def test_a_species_of_the_bundled_model_is_not_labelled_a_fraction(model: ms.Model) -> None:
    """GRB10 runs from 2.0 to 1.2 under everolimus; its axis said "fraction of total (0-1)"."""
    fig = model.simulate(t_end=60, drugs={"everolimus": 10}).plot("GRB10")
    assert "relative to the WT total" in fig.axes[0].get_ylabel()
    plt.close(fig)


def test_empty_and_drug_free_stretches_are_said_not_drawn_as_values(
    model: ms.Model, varusai: ms.Model
) -> None:
    """A run without values drew an empty ±0.04 axis, like a flat curve at zero; an
    exposure panel drew its drug holidays at a floor whose tick read 1 nM."""
    fig = varusai.simulate().plot()
    assert any(t.get_text().startswith("no values (") for t in fig.axes[0].texts)
    schedule = ms.Schedule.intermittent("everolimus", 10, on_days=5, off_days=2, weeks=1)
    fig = model.simulate(schedule=schedule).plot()
    fig.canvas.draw()
    exposure = fig.axes[0]
    floor = exposure.get_ylim()[0]
    assert floor < 10 and exposure.yaxis.get_major_formatter()(floor, 0) == "0"
    plt.close("all")


def test_a_tornado_of_one_readout_draws_that_readouts_rows(model: ms.Model) -> None:
    """A table of two readouts drew both readouts' rows under the first one's name."""
    sens = ms.sensitivity(model, ["pS6K1", "pAKT_S473"], vary=["k_S6K1_phos", "k_IRS1_S6K1"])
    for readout in ("pS6K1", "pAKT_S473"):
        ax = sens.plot(readout).axes[0]
        assert len(ax.get_yticklabels()) == 2, readout
    plt.close("all")


def test_a_claim_bar_without_a_value_is_marked_not_drawn_at_zero(model: ms.Model) -> None:
    """A missing value was summed to 0 and drawn as a bar of height 0."""
    import dataclasses

    import numpy as np

    result = ms.claims.check(model, 1)
    data = result.data.copy()
    data.loc[data.index[1], "value"] = np.nan
    fig = dataclasses.replace(result, data=data).plot()
    assert [t.get_text() for t in fig.axes[0].texts] == ["n/a"]
    plt.close(fig)


def test_sweep_and_tornado_plots_take_readouts_as_every_plot_does(model: ms.Model) -> None:
    """`Sweep.plot(readouts=...)` and `Sensitivity.plot(readouts=...)` were TypeErrors,
    though every other result's plot takes `readouts=`."""
    sw = ms.sweep(model, {"everolimus": [0, 10, 100]}, readouts=["pS6K1"], progress=False)
    sens = ms.sensitivity(model, "pS6K1", vary=["k_S6K1_phos"], progress=False)
    for result in (sw, sens):
        assert result.plot(readouts="pS6K1").axes
        assert result.plot(readouts=["pS6K1"]).axes
        with pytest.raises(TypeError, match="give one of `readout` or `readouts`, not both"):
            result.plot("pS6K1", readouts="pS6K1")
    plt.close("all")


def test_a_time_course_legend_sits_beside_its_curves_inside_the_figure(model) -> None:
    """The legend, at matplotlib's "best" place, hid p-4E-BP1's jump at t = 0; and a
    schedule's legends beside the panels were cut off by a plain savefig."""
    import matplotlib.pyplot as plt

    for tc in (
        model.simulate(drugs={"everolimus": 10}, t_end=1440),
        model.simulate(schedule=ms.Schedule.oral("everolimus", days=2)),
    ):
        fig = tc.plot()
        fig.canvas.draw()
        for ax in fig.axes:
            box = ax.get_legend().get_window_extent()
            assert box.x0 >= ax.get_window_extent().x1  # beside the curves, not on them
            assert fig.bbox.x0 <= box.x0 and box.x1 <= fig.bbox.x1  # and in the figure
        plt.close(fig)
    # 30 curves: one column was taller than the figure and cut at both ends
    tc = model.simulate(drugs={"everolimus": 10}, t_end=600)
    fig = tc.plot(readouts=list(tc.to_dataframe(species=True).columns)[:30])
    fig.canvas.draw()
    box = fig.axes[0].get_legend().get_window_extent()
    assert fig.bbox.y0 <= box.y0 and box.y1 <= fig.bbox.y1 and box.x1 <= fig.bbox.x1
    plt.close(fig)


def test_a_knockout_screen_of_another_model_names_it_as_it_is(tmp_path) -> None:
    # "knockout screen of the MODEL1506230001": an SBML id took the bundled model's article
    import matplotlib.pyplot as plt

    path = tmp_path / "tiny.ant"
    path.write_text(
        "model tiny\n  species A = 1, B = 0\n  J1: A -> B; k*A\n  J2: B -> ; B\n  k = 1\nend\n"
    )
    screen = ms.knockout_screen(ms.load_model(path), progress=False)
    fig = screen.plot()
    assert fig.axes[0].get_title().startswith("knockout screen of tiny")
    plt.close(fig)
    fig = ms.knockout_screen(ms.load_model(), ["pS6K1"], nodes=["RHEB"], progress=False).plot()
    assert fig.axes[0].get_title().startswith("knockout screen of the HCC mTOR network model")
    plt.close(fig)


def test_no_two_of_many_curves_look_alike(model) -> None:
    # the cycle of 8 colours and 8 dash patterns drew the ninth line as the first
    # (mTORC1 activity exactly as PIP3)
    import matplotlib.pyplot as plt

    tc = model.simulate(drugs={"everolimus": 10}, t_end=600)
    fig = tc.plot(readouts=list(tc.to_dataframe(species=True).columns)[:20])
    looks = [(ln.get_color(), ln.get_linestyle()) for ln in fig.axes[0].get_lines()]
    assert len(looks) == 20 and len(set(looks)) == 20
    plt.close(fig)


def test_a_grid_line_breaks_at_a_failed_point_rather_than_joining_across_it(
    model: ms.Model,
) -> None:
    """A grid's lines were drawn through the verified points only, so a line ran straight
    from the point before a failed one to the point after it: a value where none is."""
    from types import SimpleNamespace

    import numpy as np

    from mtor_sim._plot import plot_sweep

    sw = ms.sweep(
        model, {"PTEN_total": [0.3, 1.0, 3.0], "GF": [0.2, 1.0]}, ["pAKT_S473"], progress=False
    )
    table = sw.table.copy()
    failed = (table["PTEN_total"] == 1.0) & (table["GF"] == 0.2)
    table.loc[failed, "status"] = "unstable"  # its value is kept, and is not to be read
    stand_in = SimpleNamespace(
        table=table, readouts=sw.readouts, names=sw.names, settings=sw.settings
    )
    ax = plot_sweep(stand_in, "pAKT_S473").axes[0]
    line = next(ln for ln in ax.get_lines() if ln.get_label().endswith("= 0.2"))
    assert list(line.get_xdata()) == [0.3, 1.0, 3.0]
    assert np.isnan(line.get_ydata()[1]) and np.isfinite(line.get_ydata()[[0, 2]]).all()
    assert "1 not at a verified steady state, not drawn" in ax.get_title()
    plt.close("all")


def test_names_sampled_on_a_log_scale_are_drawn_on_one(model: ms.Model) -> None:
    """A Latin hypercube sampled in log was drawn on linear axes unless its values spanned
    two decades: a range of 0.1-10 crowded half its points into the leftmost tenth, and a
    colour bar over 0.01-10 gave every point below 1 the same dark colour."""
    from matplotlib.colors import LogNorm

    sw = ms.sweep(
        model,
        {"PTEN_total": (0.2, 5.0), "GF": (0.01, 10.0)},
        ["pAKT_S473"],
        method="lhs",
        n=20,
        seed=0,
        log=True,
        progress=False,
    )
    fig = sw.plot()
    ax = fig.axes[0]
    assert ax.get_xscale() == "log"
    assert isinstance(ax.collections[-1].norm, LogNorm)  # the points coloured by GF
    assert sw.plot(x="GF").axes[0].get_xscale() == "log"
    plt.close("all")


def test_dose_responses_on_one_axis_keep_every_drugs_doses_in_view(model: ms.Model) -> None:
    """The second drug drawn on the first one's axes set the limits and the break before
    dose 0 from its own doses alone: the first drug's low doses and its untreated point
    fell off the axis, or were drawn left of the break, read as 0 nM; both legends read
    "WT"; and a note on the first drug's unverified points left the title."""
    import dataclasses

    a = ms.dose_response(model, "everolimus", [0, 0.01, 0.1, 1, 10], readout="pS6K1")
    b = ms.dose_response(model, "vistusertib", [0, 10, 100, 1000], readout="pS6K1")
    table = a.table.copy()
    table.loc[table["dose"] == 0.1, "status"] = "unstable"
    fig = dataclasses.replace(a, table=table).plot()
    ax = fig.axes[0]
    b.plot(ax=ax)
    low, high = ax.get_xlim()
    zero_at = ax.get_xticks()[0]
    assert [t.get_text() for t in ax.get_xticklabels()][0] == "0"
    assert low < zero_at < 0.01 and high > 1000
    untreated = [
        x
        for line in ax.get_lines()
        for x, y in zip(line.get_xdata(), line.get_ydata(), strict=True)
        if y == float(a.table.loc[a.table["dose"] == 0, "value"].iloc[0])
    ]
    assert len(untreated) >= 2 and set(untreated) == {zero_at}
    legend = [t.get_text() for t in ax.get_legend().get_texts()]
    assert legend[0].startswith("everolimus: WT") and legend[1].startswith("vistusertib: WT")
    assert "hollow: 1 point not verified" in ax.get_title()
    plt.close("all")
