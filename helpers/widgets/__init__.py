"""Interactive demos (ipywidgets) for the notebooks, one module per topic; names importable from here."""
from ._style import float_slider, int_slider  # noqa: F401
