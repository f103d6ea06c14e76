"""Sphinx configuration of the mtor_sim API reference (built by docs/build.sh)."""

import mtor_sim

project = "mtor_sim"
author = "mtor_sim authors"
release = version = mtor_sim.__version__
copyright = "mtor_sim authors, MIT licence"

extensions = ["sphinx.ext.autodoc", "sphinx.ext.napoleon", "sphinx.ext.viewcode"]
napoleon_numpy_docstring = True
napoleon_google_docstring = False
napoleon_use_rtype = False
autodoc_member_order = "bysource"
autodoc_typehints = "description"
autodoc_default_options = {"members": True, "undoc-members": False, "show-inheritance": False}
# type hints name classes of other packages (pandas, numpy, roadrunner): not cross-linked
nitpicky = False
html_theme = "alabaster"
html_static_path: list[str] = []
exclude_patterns = ["_build"]
napoleon_use_ivar = True  # "Attributes" sections as fields, not duplicate objects
# docstrings write |dx/dt| and |log2 fold change| as absolute values, not substitutions
rst_epilog = """
.. |dx/dt| replace:: \\|dx/dt\\|
.. |log2 fold change| replace:: \\|log2 fold change\\|
"""
