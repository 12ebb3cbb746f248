"""Test helpers for the slider demos: move a slider and get the figure the callback drew."""
from __future__ import annotations

from typing import Callable

import matplotlib.pyplot as plt
import numpy as np


def new_figure(action: Callable[[], object]) -> tuple[object, plt.Figure]:
    """Run `action` and return its result and the one figure it opened (fails otherwise)."""
    before = set(plt.get_fignums())
    result = action()
    new = [n for n in plt.get_fignums() if n not in before]
    assert len(new) == 1, f"expected the callback to draw one new figure, it drew {len(new)}"
    return result, plt.figure(new[0])


def pixels(fig: plt.Figure) -> np.ndarray:
    """The figure rendered by Agg, (H, W, 4) uint8."""
    fig.canvas.draw()
    return np.asarray(fig.canvas.buffer_rgba()).copy()


def sliders(demo) -> dict[str, object]:
    """The demo's controls by description (every child but the last, the output area, is a row)."""
    return {c.description: c for row in demo.children[:-1] for c in row.children}


def assert_slider_redraws(demo, first: plt.Figure, label: str, value) -> plt.Figure:
    """Setting slider `label` (a substring of its description) to `value` draws a new, different figure."""
    matches = [c for d, c in sliders(demo).items() if label in d]
    assert len(matches) == 1, f"no single slider matching {label!r} in {list(sliders(demo))}"
    control = matches[0]
    assert control.value != value, "choose a value different from the current one"

    def move():
        control.value = value
    _, fig = new_figure(move)
    a, b = pixels(first), pixels(fig)
    assert a.shape != b.shape or not np.array_equal(a, b), f"moving {label!r} to {value} left the figure unchanged"
    return fig
