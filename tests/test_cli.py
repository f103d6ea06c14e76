"""The command line, end to end (run in-process through ``main``)."""

from __future__ import annotations

import pandas as pd
import pytest

from mtor_sim.cli import main


def test_reproduce_writes_report(tmp_path, capsys):
    out = tmp_path / "rep"
    assert main(["reproduce", "--out", str(out), "--format", "png", "--quiet"]) == 0
    assert "15 of 15 claims pass" in capsys.readouterr().out
    for n in range(1, 16):
        assert (out / "figures" / f"claim_{n:02d}.png").stat().st_size > 10_000
    assert (out / "experiments" / "wnt_emt" / "wnt_emt.png").exists()
    table = pd.read_csv(out / "claims.csv")
    assert set(table["claim"]) == set(range(1, 16))
    assert table["passed"].all()
    html = (out / "report.html").read_text()
    assert html.count("<img") >= 15 + 7 and "15 of 15" in html
    assert "## Claim 12" in (out / "report.md").read_text()


def test_steady_state_to_csv(tmp_path):
    out = tmp_path / "ss.csv"
    assert main(["steady-state", "-g", "PTEN_loss", "-d", "everolimus=10", "-o", str(out)]) == 0
    df = pd.read_csv(out, index_col=0)
    assert 0 < df.loc["pAKT_S473", "value"] < 1


@pytest.mark.parametrize("fmt", ["csv", "json", "parquet"])
def test_simulate_formats_and_plot(tmp_path, fmt):
    out = tmp_path / f"tc.{fmt}"
    fig = tmp_path / "tc.png"
    assert main(["simulate", "-d", "vistusertib=100", "--t-end", "120", "--points", "5",
                 "-o", str(out), "--plot", str(fig)]) == 0
    assert out.stat().st_size > 0 and fig.stat().st_size > 5_000


def test_unknown_name_is_an_error_with_hint(capsys):
    assert main(["steady-state", "-d", "everolimu=10"]) == 2
    assert "did you mean 'everolimus'" in capsys.readouterr().err


def test_negative_dose_is_an_error(capsys):
    assert main(["steady-state", "-d", "everolimus=-1"]) == 2
    assert "must be >= 0" in capsys.readouterr().err


def test_list(capsys):
    assert main(["list", "genotypes"]) == 0
    assert "PTEN_loss" in capsys.readouterr().out
