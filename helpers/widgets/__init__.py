"""Interactive demos (ipywidgets) for the notebooks, one module per topic; names importable from here."""
from ._style import demo, float_slider, int_slider  # noqa: F401
