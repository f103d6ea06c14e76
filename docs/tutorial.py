# %% [markdown]
# # mtor_sim tutorial: from installation to a dose-response, a sweep and a knockout screen
#
# This script is also a notebook: editors that read ``# %%`` cells (VS Code, Spyder,
# Jupytext) open it as one. Run it whole with
#
#     python docs/tutorial.py [OUTPUT_FOLDER]
#
# (about 10 s); figures, tables and the files other tools read go to OUTPUT_FOLDER
# (default ``tutorial_out``). A test runs it, so what it shows stays true.
#
# ## 1. Install
#
# With Python 3.11 or newer, from a clone of the repository:
#
#     pip install .                # the package and the `mtor-sim` command
#     pip install ".[test]"        # and what the tests use (pytest, tellurium, COPASI)
#
# Times are in minutes (the bundled model's unit; a model loaded from a file runs in its
# own) and drug concentrations in nM everywhere.

# %%
import sys
from pathlib import Path

import matplotlib

matplotlib.use("Agg")  # files, not windows

import mtor_sim as ms  # noqa: E402

out = Path(sys.argv[1] if len(sys.argv) > 1 else "tutorial_out")
out.mkdir(parents=True, exist_ok=True)

# %% [markdown]
# ## 2. The model
#
# `load_model()` without a path loads the bundled PI3K/Akt/mTOR model of hepatocellular
# carcinoma (``models/mtor_hcc.ant``); any SBML or Antimony file loads the same way.
# The model lists the names every verb accepts.

# %%
model = ms.load_model()
print(model)
print("nodes:", ", ".join(model.nodes))
print("readouts:", ", ".join(model.readouts))
print("drugs:", ", ".join(model.drugs))
print("genotypes:", ", ".join(ms.GENOTYPES))

# %% [markdown]
# ## 3. A steady state, and what a perturbation is
#
# Every verb takes the same keywords: ``genotype`` (presets such as ``PTEN_loss``),
# ``drugs`` (name -> nM), ``knockouts`` (nodes), ``cut`` (interactions such as
# ``"S6K1 -| IRS1"``), ``parameters`` and ``inputs``. They apply to that call only.
# A steady state is verified before it is returned: look at ``success`` and ``status``.

# %%
wt = model.steady_state()
pten = model.steady_state(genotype="PTEN_loss", drugs={"everolimus": 10})
print(f"untreated WT: pAKT S473 {wt['pAKT_S473']:.3f}, pS6K1 {wt['pS6K1']:.3f}")
print(
    f"PTEN-null + everolimus 10 nM: pAKT S473 {pten['pAKT_S473']:.3f}, "
    f"pS6K1 {pten['pS6K1']:.3f} ({pten.status})"
)

# %% [markdown]
# ## 4. A publishable dose-response
#
# `dose_response` measures a readout over doses (0 anchors the untreated top), one curve
# per genotype, and fits a four-parameter Hill curve: IC50 (nM), Emax and slope. Doses
# without a verified steady state are left out of the fit and flagged in ``status``.

# %%
doses = [0, 0.03, 0.1, 0.3, 1, 3, 10, 30, 100, 1000]
dr = ms.dose_response(model, "everolimus", doses, readout="pS6K1", genotypes=["WT", "PTEN_loss"])
print(dr.fit_table().to_string(index=False))
dr.to_dataframe().to_csv(out / "dose_response.csv", index=False)
dr.plot().savefig(out / "dose_response.png", dpi=200)

# %% [markdown]
# ## 5. A sweep
#
# `sweep` computes steady states over a grid (or a seeded Latin hypercube) of
# parameters, inputs, doses and genotypes. Here: the growth-factor input against the
# PTEN level, two readouts. Every row says whether its steady state was verified.

# %%
sw = ms.sweep(
    model,
    {"GF": [0.1, 0.3, 1.0], "PTEN_total": [0.25, 1.0]},
    readouts=["pAKT_S473", "pS6K1"],
    progress=False,
)
print(sw.to_dataframe()[["GF", "PTEN_total", "pAKT_S473", "pS6K1", "status"]])
print(f"{sw.n_failed} points without a verified steady state")
sw.plot("pAKT_S473", x="GF").savefig(out / "sweep.png", dpi=200)

# %% [markdown]
# ## 6. A knockout screen
#
# `knockout_screen` removes each node and cuts each interaction in turn, on any
# background, and reports the change of every readout. The table's ``top`` lists the
# strongest effects on one readout.

# %%
screen = ms.knockout_screen(
    model, readouts=["pAKT_S473", "pS6K1", "proliferation"], genotype="PTEN_loss", progress=False
)
print(screen.top("proliferation", n=5))
screen.plot().savefig(out / "knockout_screen.png", dpi=200)

# %% [markdown]
# ## 7. Share it with tellurium and COPASI users
#
# `Model.to_sbml` writes the model with a perturbation baked in (units, SBO terms and
# UniProt/ChEBI/GO annotations included); `to_omex` writes a result as a COMBINE
# archive (SBML + SED-ML + metadata) that tellurium executes to the same numbers. The
# command line does the same: ``mtor-sim export OUT.xml -g PTEN_loss -d everolimus=10``
# and ``--omex PATH`` on ``simulate``, ``sweep`` and ``dose-response``.

# %%
model.to_sbml(out / "pten_everolimus.xml", genotype="PTEN_loss", drugs={"everolimus": 10})
ms.to_omex(dr, out / "dose_response.omex")
print("wrote", ", ".join(sorted(p.name for p in out.iterdir())))
