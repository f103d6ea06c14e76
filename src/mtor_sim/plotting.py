"""The package's figure style, for figures of your own: ``mtor_sim.plotting``.

>>> from mtor_sim.plotting import save_figure, styled
>>> @styled
... def my_figure():
...     import matplotlib.pyplot as plt
...     fig, ax = plt.subplots()
...     ax.plot([0, 1], [0, 1])
...     return fig

``styled`` draws a function's figures with the colour-blind-safe palette and line-style
cycle, text of at least `MIN_FONT` pt and `DPI` dpi, leaving your own rcParams as they
were; ``save_figure(fig, "out/name", formats=("png", "svg"))`` writes each format once.
"""

from ._plot import DPI, LINESTYLES, MIN_FONT, PALETTE, save_figure, style
from ._plot import _styled as styled

__all__ = ["DPI", "LINESTYLES", "MIN_FONT", "PALETTE", "save_figure", "style", "styled"]
