"""A package that behaves: the user's matplotlib backend, progress on pipes, --help on
every option, gene and protein aliases, parameter units and descriptions."""

from __future__ import annotations

import argparse
import io
import os
import subprocess
import sys

import pytest

import mtor_sim as ms
from mtor_sim._progress import LineProgress
from mtor_sim.cli import build_parser, main


def _run(code: str, **env: str) -> str:
    full = {**os.environ, **env}
    full.pop("MPLBACKEND", None) if "MPLBACKEND" not in env else None
    res = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, env=full, timeout=120
    )
    assert res.returncode == 0, res.stderr
    return res.stdout.strip()


def test_plotting_never_changes_the_backend():
    # a backend the user chose (here a non-interactive one, so the test runs headless)
    # stands after importing the plotting code and after making and saving a figure
    code = (
        "import matplotlib; matplotlib.use('pdf'); import mtor_sim._plot as p; "
        "import mtor_sim as ms; "
        "tc = ms.load_model().simulate(t_end=60, n_points=3); "
        "p.save_figure(tc.plot(), __import__('tempfile').mkdtemp() + '/f.png'); "
        "print(matplotlib.get_backend())"
    )
    assert _run(code).lower() == "pdf"
    # with MPLBACKEND set, the import leaves it; nothing is resolved or forced at import
    code = (
        "import matplotlib; before = matplotlib.rcParams._get_backend_or_none(); "
        "import mtor_sim._plot; "
        "print(before == matplotlib.rcParams._get_backend_or_none(), "
        "matplotlib.get_backend())"
    )
    assert _run(code, MPLBACKEND="svg").split() == ["True", "svg"]


def test_line_progress_on_a_pipe():
    out = io.StringIO()
    now = [0.0]
    bar = LineProgress(total=200, desc="sweep", unit="pt", file=out, clock=lambda: now[0])
    for _ in range(200):
        now[0] += 0.01
        bar.update(1)
    bar.close()
    lines = out.getvalue().splitlines()
    assert len(lines) == 10  # one line per 10 %
    assert lines[0].startswith("sweep: 20/200 pt (10 %)")
    assert lines[-1].startswith("sweep: 200/200 pt (100 %)")
    # slow work: a line at least every 10 s even between 10 % steps
    out = io.StringIO()
    now = [0.0]
    bar = LineProgress(total=1000, desc="x", unit="pt", file=out, clock=lambda: now[0])
    for _ in range(3):
        now[0] += 11
        bar.update(1)
    assert len(out.getvalue().splitlines()) == 3


def test_sweep_reports_progress_lines_when_piped(model, capsys):
    ms.sweep(model, {"everolimus": [0, 1, 10]}, readouts=["pS6K1"])
    err = capsys.readouterr().err
    assert "3/3 pt (100 %)" in err


def _actions(parser: argparse.ArgumentParser, path: str = "mtor-sim"):
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            for name, sub in action.choices.items():
                yield from _actions(sub, f"{path} {name}")
        else:
            yield path, action


def test_every_cli_option_has_help():
    missing = [
        f"{path} {'/'.join(a.option_strings) or a.dest}"
        for path, a in _actions(build_parser())
        if a.help is None and not isinstance(a, argparse._HelpAction)
    ]
    assert not missing, "options without --help text: " + ", ".join(missing)


@pytest.mark.parametrize(
    ("alias", "node"),
    [
        ("rictor", "mTORC2"),
        ("RICTOR", "mTORC2"),
        ("raptor", "mTORC1"),
        ("PIK3CA", "PI3K"),
        ("p110a", "PI3K"),
        ("p110alpha", "PI3K"),
        ("PKB", "AKT"),
        ("AKT1", "AKT"),
        ("RPS6KB1", "S6K1"),
        ("EIF4EBP1", "4EBP1"),
        ("CTNNB1", "BCAT"),
        ("PRKAA1", "AMPK"),
        ("KRAS", "RAS"),
        ("MAP2K1", "MEK"),
        ("MAPK1", "ERK"),
        ("MAPK3", "ERK"),
        ("FOXO3", "FOXO"),
        ("PDPK1", "PDK1"),
        ("tsc2", "TSC2"),
    ],
)
def test_gene_and_protein_aliases(model, alias, node):
    from mtor_sim._catalogue import NODE_ALIASES
    from mtor_sim._perturb import make_perturbation

    if alias.lower() != node.lower():  # a node's own name works in any case
        assert NODE_ALIASES[alias.lower()] == node
    assert node in model.nodes
    # every verb resolves knockouts through make_perturbation
    assert make_perturbation(model, knockouts=[alias]).knockouts == (node,)


def test_alias_knockout_equals_node_knockout(model):
    a = model.steady_state(knockouts=["rictor"])
    b = model.steady_state(knockouts=["mTORC2"])
    assert a["pAKT_S473"] == b["pAKT_S473"]
    assert a.perturbation["knockouts"] == ["mTORC2"]


def test_unknown_node_did_you_mean(model):
    with pytest.raises(ms.UnknownNameError, match="did you mean"):
        model.steady_state(knockouts=["rictr"])


def test_list_parameters_has_units_and_descriptions(capsys):
    assert main(["list", "parameters"]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert lines[0].split()[:3] == ["name", "value", "unit"]
    row = next(ln for ln in lines if ln.startswith("dose_everolimus "))
    assert " nM " in row
    described = [ln for ln in lines[1:] if len(ln.split(None, 3)) == 4]
    assert len(described) > 0.9 * (len(lines) - 1)
    info = ms.load_model().parameter_info()
    assert {"value", "unit", "description"} <= set(info.columns)
    assert info.loc["dose_everolimus", "unit"] == "nM"


def test_every_rate_constant_says_what_it_is():
    """A comment's "/min per active RTK (assumption; ...)" was read as one unit up to the
    first ";", leaving the description the section header ("kinetics") or a fragment."""
    info = ms.load_model().parameter_info()
    row = info.loc["k_IRS1_act"]
    assert row["unit"] == "per_min per active RTK"
    assert row["description"].startswith("IRS1 tyrosine phosphorylation by active RTK (")
    assert info.loc["k_PI3K_deact", "unit"] == "per_min"
    vague = info.index[info["description"].str.match(r"^(kinetics|\(|assumption)")]
    assert list(vague) == []


def test_parameter_info_of_a_model_with_changed_parameters_keeps_units():
    """A model made by with_parameters writes its SBML lazily; its units must not vanish."""
    base = ms.load_model()
    changed = base.with_parameters({"GF": 2.0})
    info, before = changed.parameter_info(), base.parameter_info()
    assert info.loc["GF", "value"] == 2.0
    assert (info["unit"] == before["unit"]).all()


def test_knockout_screen_takes_aliases(model):
    ko = ms.knockout_screen(model, ["pAKT_S473"], nodes=["RICTOR"], interactions=[], progress=False)
    assert list(ko.log2_fold_change().index) == ["mTORC2 KO"]


def test_ambiguous_name_is_refused(model):
    with pytest.raises(ms.UnknownNameError, match="mTORC1.*mTORC2"):
        model.steady_state(knockouts=["MTOR"])


def test_parameter_units_prefer_the_sbml(tmp_path):
    # a model whose SBML declares a unit for one parameter: that unit wins over the comment
    from mtor_sim._paraminfo import parameter_info

    sbml = """<?xml version="1.0" encoding="UTF-8"?>
<sbml xmlns="http://www.sbml.org/sbml/level3/version1/core" level="3" version="1">
  <model id="m">
    <listOfUnitDefinitions>
      <unitDefinition id="per_min" name="1/min"><listOfUnits>
        <unit kind="second" exponent="-1" scale="0" multiplier="60"/>
      </listOfUnits></unitDefinition>
    </listOfUnitDefinitions>
    <listOfParameters>
      <parameter id="k" value="0.2" units="per_min" constant="true"/>
      <parameter id="K" name="half-saturation" value="3" constant="true"/>
    </listOfParameters>
  </model>
</sbml>"""
    ant = tmp_path / "m.ant"
    ant.write_text("model m\n  k = 0.2;  // /h; a rate\nend\n")
    import pandas as pd

    info = parameter_info(sbml, pd.Series({"k": 0.2, "K": 3.0}), tmp_path / "m.xml")
    assert info.loc["k", "unit"] == "1/min" and info.loc["k", "description"] == "a rate"
    assert info.loc["K", "description"] == "half-saturation" and info.loc["K", "unit"] == ""


def test_parameter_notes_come_from_the_main_module(tmp_path):
    """A submodule's `k1 = 5;  // /h; ...` described the main module's own `k1` (another
    parameter, whose line has no comment), and the submodule's instance got nothing."""
    ant = tmp_path / "two.ant"
    ant.write_text(
        "model sub()\n  species X = 1;\n  J: X -> ; k1*X;\n"
        "  k1 = 5;  // /h; the sub's rate\nend\n\n"
        "model main\n  s: sub();\n  species A = 1;\n  R: A -> ; k1*A;\n  R0: -> A; ks;\n"
        "  k1 = 0.1;\n  ks = 1;  // nM; synthesis\nend\n"
    )
    info = ms.load_model(ant).parameter_info()
    assert tuple(info.loc["k1", ["unit", "description"]]) == ("", "")
    assert tuple(info.loc["ks", ["unit", "description"]]) == ("nM", "synthesis")
    marked = tmp_path / "marked.ant"  # `*` marks the main module, wherever it stands
    marked.write_text(
        "model *main\n  A = 1;\n  R: A -> ; k1*A;\n  R0: -> A; 1;\n  k1 = 0.1;  // /min; main's\n"
        "end\n\nmodel other\n  B = 1;\n  Q: B -> ; k1*B;\n  k1 = 5;  // /h; other's\nend\n"
    )
    info = ms.load_model(marked).parameter_info()
    assert tuple(info.loc["k1", ["unit", "description"]]) == ("/min", "main's")


def test_readme_documents_the_dask_guard():
    from conftest import REPO

    text = (REPO / "README.md").read_text()
    i = text.index('backend="dask"` needs the\nguard on every platform')
    assert 'if __name__ == "__main__":' in text[i : i + 1200]


def _texts(fig):
    from matplotlib.text import Text

    return [t for t in fig.findobj(Text) if t.get_text().strip() and t.get_visible()]


def test_figure_palette_fonts_and_dpi(model, tmp_path):
    import matplotlib
    from matplotlib.colors import to_hex
    from PIL import Image

    from mtor_sim._plot import MIN_FONT, PALETTE, save_figure

    before = dict(matplotlib.rcParams)
    dr = ms.dose_response(
        model, "everolimus", [0, 1, 10, 100], readout="pS6K1", genotypes=["WT", "PTEN_loss"]
    )
    sched = ms.Schedule.constant("everolimus", 10, stop=600)
    for fig in (dr.plot(), model.simulate(t_end=1200, n_points=41, schedule=sched).plot()):
        lines = [ln for ax in fig.axes for ln in ax.get_lines() if ln.get_label()[:1] != "_"]
        inks = {c.lower() for c in PALETTE} | {"#999999"}
        assert lines and {to_hex(ln.get_color()) for ln in lines} <= inks
        small = [
            (t.get_text(), t.get_fontsize()) for t in _texts(fig) if t.get_fontsize() < MIN_FONT
        ]
        assert not small, small
        path = save_figure(fig, tmp_path / "f", formats=["png"])[0]
        dpi = Image.open(path).info["dpi"]
        assert dpi[0] == pytest.approx(300, abs=1)
    assert dict(matplotlib.rcParams) == before  # styles apply per figure, never globally
