"""Every figure `mtor-sim reproduce` writes (the claim figures and each experiment script's)
is checked as saved: colours from the package palette, text of at least 8 pt, 300 dpi
PNG, no code names in any text, no pass/fail verdict in a title."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
from matplotlib.colors import to_hex, to_rgb
from matplotlib.markers import MarkerStyle
from matplotlib.patches import Rectangle
from matplotlib.text import Text

import mtor_sim as ms
import mtor_sim.plotting as plotting
from mtor_sim import _plot
from mtor_sim._catalogue import GENOTYPES
from mtor_sim._plot import MIN_FONT, PALETTE


def _forbidden(model: ms.Model) -> re.Pattern[str]:
    """Code names a reader should never see: the model's name and every parameter,
    genotype, readout and input name written with an underscore (``PTEN_loss``,
    ``mTORC1_activity``, ``k_PTEN``), and the trial's biomarker column."""
    names = {model.name, "pmtor_high"}
    names |= {
        n for n in (*model.parameters.index, *GENOTYPES, *model.readouts, *model.inputs) if "_" in n
    }
    return re.compile(r"(?<![\w-])(" + "|".join(map(re.escape, sorted(names))) + r")(?!\w)")


def _allowed(colour: Any) -> bool:
    """A palette colour, or a neutral one (white, black, greys: axes, breaks, gaps)."""
    r, g, b = to_rgb(colour)
    return to_hex(colour) in {c.lower() for c in PALETTE} or (r == g == b)


def _inspect(fig: Any, pattern: re.Pattern[str]) -> dict[str, list]:
    texts = [t for t in fig.findobj(Text) if t.get_visible() and t.get_text().strip()]
    titles = [fig._suptitle] if fig._suptitle is not None else []
    titles += [ax.title for ax in fig.axes] + [ax._left_title for ax in fig.axes]
    inks: list[Any] = []
    for ax in fig.axes:
        for ln in ax.get_lines():
            if not ln.get_visible():
                continue
            if ln.get_linestyle() in ("None", "", " "):  # markers only: their own inks
                inks.append(ln.get_markeredgecolor())
                if MarkerStyle(ln.get_marker()).is_filled():  # "_" caps have no face
                    inks.append(ln.get_markerfacecolor())
            else:
                inks.append(ln.get_color())
        inks += [p.get_facecolor() for p in ax.patches if isinstance(p, Rectangle)]
    inks = [c for c in inks if not (isinstance(c, str) and c.lower() == "none")]
    return {
        "small": [(t.get_text(), t.get_fontsize()) for t in texts if t.get_fontsize() < MIN_FONT],
        "code names": [t.get_text() for t in texts if pattern.search(t.get_text())],
        "verdicts": [
            t.get_text() for t in titles if re.search(r"\[(PASS|FAIL)", t.get_text(), re.I)
        ],
        "colours": sorted({to_hex(c) for c in inks if not _allowed(c)}),
    }


@pytest.fixture(scope="module")
def saved(model: ms.Model, tmp_path_factory: pytest.TempPathFactory) -> dict[str, dict]:
    """Run reproduce once (claims and experiments, PNG), inspecting each figure as it is
    saved: name -> what was found, plus the PNG's dpi."""
    from mtor_sim._report import reproduce

    pattern = _forbidden(model)
    found: dict[str, dict] = {}
    original = _plot.save_figure

    def recording(fig: Any, path: str | Path, *, formats: Any = ("png",)) -> list[Path]:
        info = _inspect(fig, pattern)
        written = original(fig, path, formats=formats)
        found[Path(path).stem] = {**info, "files": written}
        return written

    mp = pytest.MonkeyPatch()
    mp.setattr(_plot, "save_figure", recording)
    mp.setattr(plotting, "save_figure", recording)
    try:
        from mtor_sim.experiments import scripts

        reproduce(model, tmp_path_factory.mktemp("rep"), formats=("png",), experiments=scripts())
    finally:
        mp.undo()
    return found


def test_every_figure_is_seen(saved: dict[str, dict]) -> None:
    from mtor_sim.experiments import EXPERIMENTS

    assert {f"claim_{n:02d}" for n in range(1, 16)} <= set(saved)
    assert len(saved) >= 15 + len(EXPERIMENTS)


@pytest.mark.parametrize("problem", ["small", "code names", "verdicts", "colours"])
def test_saved_figures_follow_the_house_style(saved: dict[str, dict], problem: str) -> None:
    bad = {name: info[problem] for name, info in saved.items() if info[problem]}
    assert not bad, f"{problem}: {bad}"


def test_saved_pngs_are_300_dpi(saved: dict[str, dict]) -> None:
    from PIL import Image

    pngs = [p for info in saved.values() for p in info["files"] if p.suffix == ".png"]
    assert len(pngs) == len(saved)
    for p in pngs:
        assert Image.open(p).info["dpi"][0] == pytest.approx(300, abs=1), p.name


def test_claim_figure_panels_hold_one_kind_of_value(model: ms.Model) -> None:
    """Claim 11 mixes p-Akt (a fraction) and proliferation (an index): two panels, each
    with its own unit; the outcome is printed below, not in the title."""
    from mtor_sim._claims import check

    fig = _plot.plot_claim(check(model, 11))
    axes = [ax for ax in fig.axes if ax.get_ylabel()]
    assert [ax.get_ylabel() for ax in axes] == [
        "p-Akt S473 (fraction of Akt)",
        "proliferation (index, untreated WT = 1)",
    ]
    assert "PASS" not in fig._suptitle.get_text()
    assert any(t.get_text().startswith("The check passes") for t in fig.texts)


def test_toolkit_figures_show_labels_not_code_names(model: ms.Model) -> None:
    """The README's figures of the other verbs, at small sizes: same checks."""
    pattern = _forbidden(model)
    sched = ms.Schedule.constant("everolimus", 10, stop=600)
    screen = ms.knockout_screen(
        model, ["pAKT_S473", "pS6K1"], nodes=["RICTOR", "PTEN"], interactions=[], progress=False
    )
    sw = ms.sweep(
        model,
        {"everolimus": [0, 1, 100], "genotype": ["WT", "PTEN_loss"]},
        readouts=["pAKT_S473"],
        progress=False,
    )
    cm = ms.combination(
        model, ("everolimus", "sorafenib"), [0, 10], [0, 3000], readout="proliferation"
    )
    trial = ms.trial(model, n=20, seed=0, progress=False)
    figs = {
        "time course": model.simulate(t_end=1200, n_points=41, schedule=sched).plot(),
        "screen": screen.plot(),
        "sweep": sw.plot("pAKT_S473"),
        "combination": cm.plot(),
        "response rates": trial.plot_response_rates("pmtor"),
    }
    found = {name: _inspect(fig, pattern) for name, fig in figs.items()}
    bad = {(n, k): v for n, info in found.items() for k, v in info.items() if v}
    assert not bad, bad


def test_the_label_table_is_model_data(model: ms.Model) -> None:
    """The bundled model's labels come from models/labels.csv: every readout and genotype
    has a row, and readouts carry a unit and one kind of value."""
    labels = model.labels
    assert set(model.readouts) | set(GENOTYPES) <= set(labels)
    for r in model.readouts:
        assert labels.unit(r) and labels.quantity(r) in {"fraction", "index", "relative"}, r
    assert labels.axis("pAKT_S473") == "p-Akt S473 (fraction of Akt)"
    assert labels.humanize("PTEN_loss + AKT_overexpression") == "PTEN loss + Akt overexpression"
    assert labels.humanize("PTEN_lossy") == "PTEN_lossy"  # whole names only
    assert labels.humanize("GF-stimulated") == "GF-stimulated"
    from mtor_sim._labels import Labels

    excel = Labels.from_csv('\ufeffkind,name,label\nreadout,x,"two\nlines"\n')  # BOM, quoted
    assert excel.label("x") == "two\nlines"
    with pytest.raises(TypeError):
        labels["WT"] = labels["PTEN_loss"]  # type: ignore[index]


def test_a_users_model_reads_its_own_label_table(tmp_path: Path) -> None:
    """``model.xml`` beside ``model.labels.csv``: the table's labels, then SBML names."""
    from conftest import REFERENCE_DIR

    xml = tmp_path / "insulin.xml"
    xml.write_bytes((REFERENCE_DIR / "brannmark_2013_BIOMD0000000448.xml").read_bytes())
    (tmp_path / "insulin.labels.csv").write_text(
        "kind,name,label,unit,quantity\nreadout,IRp,phosphorylated insulin receptor,a.u.,\n"
    )
    m = ms.load_model(xml)
    assert m.labels.label("IRp") == "phosphorylated insulin receptor"
    assert m.labels.axis("IRp") == "phosphorylated insulin receptor (a.u.)"
    assert m.labels.label("IR") == "IR"  # a name the table does not know, as it is
    (tmp_path / "insulin.labels.csv").write_text("kind,name,label\nreadout,IRp,\n")
    with pytest.raises(ValueError, match="line 2"):
        _ = ms.load_model(xml).labels


def test_sweep_titles_say_what_was_held_fixed(model: ms.Model) -> None:
    space = {"everolimus": [0, 10], "genotype": ["WT", "PTEN_loss"]}
    kw: dict[str, Any] = {"readouts": ["pAKT_S473"], "progress": False}
    fixed = ms.sweep(model, space, drugs={"sorafenib": 100}, **kw).plot()
    assert "held fixed: sorafenib 100 nM" in fixed.axes[0].get_title()
    default = ms.sweep(model, space, **kw).plot()
    assert "everything not varied at the model's defaults" in default.axes[0].get_title()


def test_a_claim_draws_its_own_figure(model: ms.Model) -> None:
    """``ClaimResult.plot()`` is the figure `reproduce` saves; legends sit beside the curves."""
    fig = ms.claims.check(model, 9).plot()
    ax = fig.axes[0]
    legend = ax.get_legend()
    assert legend is not None and legend.get_bbox_to_anchor().x0 > ax.get_window_extent().x1 - 1
    assert "p-Akt S473" in [t.get_text() for t in legend.get_texts()]


def test_a_users_model_figures_show_its_own_labels(tmp_path: Path) -> None:
    """``<model>.labels.csv`` beside a user's model reaches its figures: legend, axis and
    unit."""
    from conftest import REFERENCE_DIR

    xml = tmp_path / "insulin.xml"
    xml.write_bytes((REFERENCE_DIR / "brannmark_2013_BIOMD0000000448.xml").read_bytes())
    (tmp_path / "insulin.labels.csv").write_text(
        "kind,name,label,unit,quantity\nreadout,IRp,phosphorylated insulin receptor,a.u.,\n"
    )
    m = ms.load_model(xml)
    ax = m.simulate(t_end=10, n_points=5).plot(readouts=["IRp"], hours=False).axes[0]
    assert [ln.get_label() for ln in ax.get_lines()] == ["phosphorylated insulin receptor"]
    assert ax.get_ylabel() == "phosphorylated insulin receptor (a.u.)"
    plain = ms.load_model(REFERENCE_DIR / "brannmark_2013_BIOMD0000000448.xml")
    other = plain.simulate(t_end=10, n_points=5).plot(readouts=["IRp"], hours=False).axes[0]
    assert other.get_ylabel() == "IRp (model units)"


def test_two_copies_of_a_model_keep_their_own_labels(tmp_path: Path) -> None:
    """Figures found a user's labels by the model's hash, which two files with the same
    SBML share: the first copy's results were drawn with the labels and units of the
    copy run last."""
    from conftest import REFERENCE_DIR

    runs = []
    for folder, label in (("a", "receptor (a.u.)"), ("b", "IR-P (nM)")):
        (tmp_path / folder).mkdir()
        xml = tmp_path / folder / "insulin.xml"
        xml.write_bytes((REFERENCE_DIR / "brannmark_2013_BIOMD0000000448.xml").read_bytes())
        name, unit = label[:-1].split(" (")
        (tmp_path / folder / "insulin.labels.csv").write_text(
            f"kind,name,label,unit\nreadout,IRp,{name},{unit}\n"
        )
        runs.append(ms.load_model(xml).simulate(t_end=10, n_points=5))
    first, second = (tc.plot(readouts=["IRp"], hours=False).axes[0] for tc in runs)
    assert (first.get_ylabel(), second.get_ylabel()) == ("receptor (a.u.)", "IR-P (nM)")
