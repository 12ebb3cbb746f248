"""One style for every interactive demo: labelled sliders with units, a fixed layout."""
from __future__ import annotations

import ipywidgets as w

SLIDER_LAYOUT = w.Layout(width="420px")
SLIDER_STYLE = {"description_width": "150px"}


def float_slider(label: str, value: float, min: float, max: float, step: float, *,
                 unit: str = "", continuous_update: bool = True, readout_format: str = ".2f") -> w.FloatSlider:
    """A FloatSlider labelled "label [unit]" in the course style."""
    desc = f"{label} [{unit}]" if unit else label
    return w.FloatSlider(value=value, min=min, max=max, step=step, description=desc,
                         continuous_update=continuous_update, readout_format=readout_format,
                         layout=SLIDER_LAYOUT, style=SLIDER_STYLE)


def int_slider(label: str, value: int, min: int, max: int, step: int = 1, *, unit: str = "",
               continuous_update: bool = True) -> w.IntSlider:
    """An IntSlider labelled "label [unit]" in the course style."""
    desc = f"{label} [{unit}]" if unit else label
    return w.IntSlider(value=value, min=min, max=max, step=step, description=desc,
                       continuous_update=continuous_update, layout=SLIDER_LAYOUT, style=SLIDER_STYLE)


def demo(update, controls: dict[str, w.ValueWidget], *, columns: int = 2) -> w.VBox:
    """An interactive demo: sliders above a figure that `update(**values)` draws with matplotlib.

    `update` receives the controls' current values as keyword arguments and draws one figure
    (``plt.subplots`` ... no ``plt.show()`` needed).  Returns the widget; the notebook
    displays it as the last expression of the cell.  Tag such cells ``nbval-ignore-output``.
    """
    out = w.interactive_output(update, controls)
    items = list(controls.values())
    rows = [w.HBox(items[i:i + columns]) for i in range(0, len(items), columns)]
    return w.VBox([*rows, out])
