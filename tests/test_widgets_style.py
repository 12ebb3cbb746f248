"""The shared widget style: labelled sliders, and the static picture a demo carries for front
ends without ipywidgets (GitHub, nbconvert HTML, an untrusted notebook)."""
from __future__ import annotations

import ast
import base64
import io
from pathlib import Path

import ipywidgets as w
import matplotlib.pyplot as plt
import nbformat
import numpy as np
import pytest

from helpers.widgets import demo, float_slider, int_slider
from helpers.widgets._style import WIDGET_VIEW, Demo

PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"


def _controls():
    return {"freq": float_slider("frequency", 1.5, 0.5, 5.0, 0.25, unit="Hz", continuous_update=False),
            "k": int_slider("components", 3, 1, 10, unit="K")}


def _draw_factory(calls: list):
    def draw(freq: float, k: int) -> None:
        calls.append((freq, k))
        fig, ax = plt.subplots(figsize=(4, 3))
        ax.plot(np.sin(freq * np.arange(50)) * k)
        ax.set_title("sine")
    return draw


def test_sliders_carry_units_in_their_labels():
    c = _controls()
    assert c["freq"].description == "frequency [Hz]" and c["k"].description == "components [K]"
    assert c["freq"].continuous_update is False and c["k"].continuous_update is True
    assert float_slider("π₁", 0.5, 0, 1, 0.1).description == "π₁"


def test_no_helper_calls_plt_show():
    """Plot helpers take an ax or return their figure; widget callbacks leave showing to the output
    area. So no module of helpers/ calls ``plt.show()`` (and nothing has to patch it)."""
    calls = []
    for path in sorted((Path(__file__).resolve().parents[1] / "helpers").rglob("*.py")):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.func.attr == "show" \
                    and isinstance(node.func.value, ast.Name) and node.func.value.id in ("plt", "pyplot"):
                calls.append(f"{path.name}:{node.lineno}")
    assert calls == []


def test_demo_carries_a_static_picture_of_the_default_values():
    calls: list = []
    d = demo(_draw_factory(calls), _controls())
    assert isinstance(d, Demo) and isinstance(d, w.VBox)
    assert calls == [(1.5, 3)], "the figure is drawn once, at the default values"
    bundle = d._repr_mimebundle_()
    assert bundle[WIDGET_VIEW]["model_id"] == d.model_id
    png = base64.b64decode(bundle["image/png"])
    assert png.startswith(PNG_SIGNATURE)
    image = plt.imread(io.BytesIO(png))
    assert image.shape[0] > 100 and image.shape[1] > 100
    note = bundle["text/plain"]
    assert "frequency [Hz] = 1.50" in note and "components [K] = 3" in note and "Jupyter" in note
    for num in plt.get_fignums():  # the note is drawn into the picture only, not into the live figure
        assert plt.figure(num).texts == []


def test_demo_still_redraws_and_keeps_the_first_picture():
    calls: list = []
    d = demo(_draw_factory(calls), _controls())
    first = d._repr_mimebundle_()["image/png"]
    d.children[0].children[0].value = 2.0
    assert calls == [(1.5, 3), (2.0, 3)]
    assert d._repr_mimebundle_()["image/png"] == first


def test_demo_without_a_figure_falls_back_to_the_note():
    d = demo(lambda freq, k: print(freq, k), _controls())
    bundle = d._repr_mimebundle_()
    assert "image/png" not in bundle and "Static picture" in bundle["text/plain"]


def test_layout_keeps_the_old_call_signature():
    d = demo(_draw_factory([]), _controls(), columns=1)
    assert len(d.children) == 3  # one slider per row, then the output
    assert isinstance(d.children[-1], w.Output)


def test_nbconvert_html_shows_the_static_picture_when_no_widget_state_is_saved():
    nbconvert = pytest.importorskip("nbconvert")
    d = demo(_draw_factory([]), _controls())
    bundle = d._repr_mimebundle_()
    out = nbformat.v4.new_output("display_data", data=bundle)
    nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell("demo(...)", outputs=[out])])
    html, _ = nbconvert.HTMLExporter().from_notebook_node(nb)
    assert f'src="data:image/png;base64,{bundle["image/png"][:60]}' in html


def test_demo_sizes_one_label_column_for_its_longest_label():
    from helpers.widgets._style import CHAR_PX, TRACK_PX
    controls = {"lr": float_slider("η (learning rate)", 1.0, 0.1, 2.0, 0.1, unit="1/curvature"),
                "b": float_slider("β", 0.9, 0.0, 0.99, 0.01)}
    d = demo(lambda lr, b: _draw_factory([])(lr, 1), controls)
    widths = {c.style.description_width for c in controls.values()}
    assert len(widths) == 1, "the sliders of one demo share one label column, so their tracks line up"
    label_px = int(widths.pop().removesuffix("px"))
    assert label_px >= CHAR_PX * len("η (learning rate) [1/curvature]")
    assert controls["lr"].layout is not controls["b"].layout
    assert controls["lr"].layout.width == f"{label_px + TRACK_PX}px"
    assert controls["lr"].tooltip == "η (learning rate) [1/curvature]"
    assert d.children[0].layout.flex_flow == "row wrap", "narrow windows put sliders below each other"
