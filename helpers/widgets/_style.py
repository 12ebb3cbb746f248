"""One style for every interactive demo: labelled sliders with units, a fixed layout, and a
static picture for places where ipywidgets has no front end.

A demo is a :class:`Demo` (an ``ipywidgets.VBox``: sliders above the figure).  Where a notebook is
only rendered, not run (GitHub, nbconvert's HTML, an untrusted notebook in JupyterLab, a
terminal), the widget view cannot be drawn.  So a demo's output also carries an ``image/png`` of
its figure at the default slider values, with a one-line note under it, and a ``text/plain``
note.  Front ends pick the richest type they can render (JupyterLab ranks the widget view first;
nbconvert skips it when no widget state is saved and falls back to the image), so the picture
appears exactly where the sliders cannot.
"""
from __future__ import annotations

import base64
import functools
import io
import textwrap
from typing import Any, Callable

import ipywidgets as w
import matplotlib.pyplot as plt
from matplotlib.transforms import offset_copy

SLIDER_LAYOUT = w.Layout(width="420px")      # a slider on its own; demo() resizes its sliders
SLIDER_STYLE = {"description_width": "150px"}
TRACK_PX = 290          # slider track plus readout, in CSS pixels
CHAR_PX = 7.2           # mean advance of JupyterLab's 13 px UI font (measured in Chromium)
LABEL_PX = (110, 300)   # label column width: at least, at most
WIDGET_VIEW = "application/vnd.jupyter.widget-view+json"
STATIC_NOTE = ("Static picture at the default values{values}. Run the notebook in Jupyter "
               "to move the sliders.")


def float_slider(label: str, value: float, min: float, max: float, step: float, *,
                 unit: str = "", continuous_update: bool = True, readout_format: str = ".2f") -> w.FloatSlider:
    """A FloatSlider labelled "label [unit]" in the course style.

    Pass ``continuous_update=False`` when one redraw takes more than about 0.1 s, so the figure is
    redrawn once when the slider is released rather than for every step it passes.
    """
    desc = f"{label} [{unit}]" if unit else label
    return w.FloatSlider(value=value, min=min, max=max, step=step, description=desc, tooltip=desc,
                         continuous_update=continuous_update, readout_format=readout_format,
                         layout=SLIDER_LAYOUT, style=SLIDER_STYLE)


def int_slider(label: str, value: int, min: int, max: int, step: int = 1, *, unit: str = "",
               continuous_update: bool = True) -> w.IntSlider:
    """An IntSlider labelled "label [unit]" in the course style."""
    desc = f"{label} [{unit}]" if unit else label
    return w.IntSlider(value=value, min=min, max=max, step=step, description=desc, tooltip=desc,
                       continuous_update=continuous_update, layout=SLIDER_LAYOUT, style=SLIDER_STYLE)


def fit_labels(controls: list[w.Widget]) -> None:
    """Give `controls` one label column wide enough for the longest description (so no label is
    cut off and the tracks line up), each with its own layout of that width plus the track."""
    lengths = [len(c.description) for c in controls if getattr(c, "description", "")]
    if not lengths:
        return
    label = int(min(max(CHAR_PX * max(lengths) + 16, LABEL_PX[0]), LABEL_PX[1]))
    for c in controls:
        if hasattr(c.style, "description_width"):
            c.style.description_width = f"{label}px"
            c.layout = w.Layout(width=f"{label + TRACK_PX}px")


class Demo(w.VBox):
    """Sliders above a figure (what :func:`demo` returns), with a static fallback picture.

    Behaves as an ``ipywidgets.VBox``; only its display bundle differs: besides the widget view
    it carries ``image/png`` (the figure at the default values, with a note) and a ``text/plain``
    note, for front ends that cannot draw widgets.
    """

    def __init__(self, children: list[w.Widget], *, static_png: bytes | None, note: str, **kwargs: Any):
        super().__init__(children, **kwargs)
        self.static_png = static_png
        self.static_note = note

    def _repr_mimebundle_(self, **kwargs: Any) -> dict[str, Any]:
        bundle = super()._repr_mimebundle_(**kwargs) or {}
        bundle["text/plain"] = self.static_note
        if self.static_png is not None:
            bundle["image/png"] = base64.b64encode(self.static_png).decode("ascii")
        return bundle


def _describe(controls: dict[str, w.ValueWidget]) -> str:
    """'label = value' for each control, as the slider's readout shows it."""
    parts = []
    for name, c in controls.items():
        label = c.description or name
        fmt = getattr(c, "readout_format", "")
        value = format(c.value, fmt) if fmt and isinstance(c.value, (int, float)) else str(c.value)
        parts.append(f"{label} = {value}")
    return ", ".join(parts)


def _png_with_note(fig: plt.Figure, note: str) -> bytes | None:
    """The figure as PNG (as the inline backend draws it) with `note` in small italics below."""
    wrapped = textwrap.fill(note, width=max(40, int(fig.get_figwidth() * 14)))
    for parse_math in (True, False):  # a label with unbalanced $ cannot be typeset as maths
        below = offset_copy(fig.transFigure, fig=fig, y=-6, units="points")  # a gap under the axes
        text = fig.text(0.5, 0.0, wrapped, ha="center", va="top", fontsize=8, style="italic",
                        color="0.3", parse_math=parse_math, transform=below)
        try:
            buf = io.BytesIO()
            fig.savefig(buf, format="png", dpi=fig.dpi, bbox_inches="tight", facecolor="white")
            return buf.getvalue()
        except ValueError:
            continue
        finally:
            text.remove()
    return None


def _capture_first_figure(update: Callable[..., None], note: str, store: dict) -> Callable[..., None]:
    """Wrap `update` so that its first call also saves its first new figure to ``store["png"]``.

    `update` draws and returns without ``plt.show()`` (no helper calls it): ``interactive_output``
    shows the figure after `update` returns, so the picture is taken first.
    """
    @functools.wraps(update)
    def wrapped(**values: Any) -> None:
        if "png" in store:
            return update(**values)
        before = set(plt.get_fignums())
        try:
            update(**values)
            new = [n for n in plt.get_fignums() if n not in before]
            if new:
                try:
                    store["png"] = _png_with_note(plt.figure(new[0]), note)
                except Exception:  # noqa: BLE001 - the fallback picture must never break the demo
                    store["png"] = None
        finally:
            store.setdefault("png", None)

    return wrapped


def demo(update: Callable[..., None], controls: dict[str, w.ValueWidget], *, columns: int = 2) -> Demo:
    """An interactive demo: sliders above a figure that `update(**values)` draws with matplotlib.

    `update` receives the controls' current values as keyword arguments and draws one figure
    (``plt.subplots`` ...) without calling ``plt.show()``: the output area shows it.  Returns the widget; the notebook
    displays it as the last expression of the cell.  Tag such cells ``nbval-ignore-output``.
    Where widgets cannot be drawn, the cell shows the figure at the default values with a note.
    """
    note = STATIC_NOTE.format(values=f" ({_describe(controls)})" if controls else "")
    store: dict[str, bytes | None] = {}
    out = w.interactive_output(_capture_first_figure(update, note, store), controls)
    items = list(controls.values())
    fit_labels(items)
    wrap = w.Layout(flex_flow="row wrap")  # a narrow window puts the sliders below each other
    rows = [w.HBox(items[i:i + columns], layout=wrap) for i in range(0, len(items), columns)]
    return Demo([*rows, out], static_png=store.get("png"), note=note)
