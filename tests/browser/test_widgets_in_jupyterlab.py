"""Students' view: every lecture notebook with a widget, run in real JupyterLab in headless Chromium.

For each generated lecture that uses ``helpers.widgets``: open it, Run All, wait until the last
code cell has finished, then assert that no cell shows an error except the NotImplementedError
of an unsolved exercise (in its ``raises-exception`` check cell), that figures and ipywidgets
sliders are rendered, and that pressing an arrow key on each demo's first slider changes the
demo's figure (its image data).  A screenshot per notebook goes to tests/browser/screenshots/.

Run with ``make test-browser``; skipped with the reason when Chromium or Playwright is missing.
The first two tests check the machinery itself on small generated notebooks: one that must
pass, one that must be caught (an unexpected error, a slider that changes nothing).
"""
from __future__ import annotations

import re
import shutil
import sys
from pathlib import Path

import nbformat
import pytest

from conftest import ROOT, SCREENSHOTS
from lab_driver import run_notebook, saved_outputs

USES_WIDGETS = re.compile(r"helpers\.widgets\b|from\s+helpers\s+import\s[^\n]*\bwidgets\b")


def _uses_widgets(path: Path) -> bool:
    nb = nbformat.read(path, as_version=4)
    return any(USES_WIDGETS.search(c.source) for c in nb.cells if c.cell_type == "code")


WIDGET_LECTURES = [p for p in sorted((ROOT / "lectures").glob("[0-9][0-9]_*.ipynb")) if _uses_widgets(p)]


def _report(name: str, run) -> None:
    line = (f"{name}: run all {run.seconds_run:.1f} s, total {run.seconds_total:.1f} s, "
            f"{run.figures} figures, {run.sliders} sliders, demos moved {run.demos_moved}, "
            f"redraw {run.redraw_seconds} s, labels cut off {run.truncated_labels}, "
            f"errors {[e['ename'] for e in run.errors]}")
    print(line)
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    with open(SCREENSHOTS / "summary.txt", "a", encoding="utf-8") as f:
        f.write(line + "\n")


def _notebook(*sources: str, tags: dict[int, list[str]] | None = None) -> nbformat.NotebookNode:
    tags = tags or {}
    cells = [nbformat.v4.new_markdown_cell("# Browser self-test")]
    cells += [nbformat.v4.new_code_cell(s, metadata={"tags": tags[i]} if i in tags else {})
              for i, s in enumerate(sources)]
    return nbformat.v4.new_notebook(cells=cells, metadata={"kernelspec": {
        "display_name": "Python 3 (ipykernel)", "language": "python", "name": "python3"}})


def _write(lab, relpath: str, nb: nbformat.NotebookNode) -> str:
    path = lab.root / relpath
    path.parent.mkdir(parents=True, exist_ok=True)
    nbformat.write(nb, path)
    return relpath


IMPORTS = ("import sys\nimport numpy as np\nimport matplotlib.pyplot as plt\n"
           "from helpers.widgets import demo, float_slider, int_slider")
DEMO = '''def draw(freq, amplitude):
    x = np.linspace(0, 1, 200)
    fig, ax = plt.subplots(figsize=(5, 3))
    ax.plot(x, amplitude * np.sin(2 * np.pi * {arg} * x))
    ax.set(title="a sine wave", xlabel="time [s]", ylabel="signal")
    plt.show()

demo(draw, {{"freq": float_slider("frequency", 1.0, 0.5, 5.0, 0.25, unit="Hz", continuous_update=False),
            "amplitude": int_slider("amplitude of the wave", 1, 1, 5, unit="signal units")}})'''


def test_machinery_on_a_small_widget_notebook(lab, lab_page):
    nb = _notebook(
        IMPORTS + f"\nassert sys.prefix == {sys.prefix!r}, 'the kernel must run in the project environment'",
        DEMO.format(arg="freq"),
        "def exercise(x):\n    # YOUR CODE HERE\n    raise NotImplementedError()\n\nexercise(1)",
        "print('the last cell ran')",
        tags={1: ["nbval-ignore-output"], 2: ["check", "raises-exception"]})
    run = run_notebook(lab_page, _write(lab, "selftest/widget_demo.ipynb", nb),
                       SCREENSHOTS / "selftest_widget_demo.png")
    _report("selftest_widget_demo", run)
    assert run.kernel.startswith("Python 3")
    assert not run.stopped_early and not run.unexpected_errors(), run.errors
    assert [e["ename"] for e in run.errors] == ["NotImplementedError"]
    assert run.sliders == 2 and run.demos_moved == [True]
    assert run.truncated_labels == [], "demo() must size the label column to the longest label"
    assert run.figures == 1, "JupyterLab must draw the live widget, not also its static fallback picture"


def test_machinery_catches_an_error_and_a_slider_that_changes_nothing(lab, lab_page):
    nb = _notebook(IMPORTS, DEMO.format(arg="1.0"), "1 / 0", "print('never runs')")
    run = run_notebook(lab_page, _write(lab, "selftest/broken.ipynb", nb), redraw_timeout_ms=3_000)
    _report("selftest_broken", run)
    assert run.stopped_early
    assert [e["ename"] for e in run.unexpected_errors()] == ["ZeroDivisionError"]
    assert run.demos_moved == [False], "a figure that ignores its slider must be reported"


def test_a_saved_demo_output_shows_its_static_picture(lab, lab_page):
    """A downloaded solution notebook is untrusted and has no live kernel: JupyterLab then skips
    the widget view and draws the demo's fallback picture instead of a widget error."""
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    from helpers.widgets import demo, float_slider

    def draw(freq):
        fig, ax = plt.subplots(figsize=(4, 3))
        ax.plot([0, 1], [0, freq])
        plt.show()

    bundle = demo(draw, {"freq": float_slider("frequency", 1.0, 0.5, 5.0, 0.25, unit="Hz")})._repr_mimebundle_()
    plt.close("all")
    nb = _notebook("demo(draw, ...)")
    nb.cells[1].outputs = [nbformat.v4.new_output("display_data", data=bundle)]
    nb.cells[1].execution_count = 1
    shown = saved_outputs(lab_page, _write(lab, "selftest/saved_demo.ipynb", nb))
    assert shown["images"] == 1, shown
    assert "Error displaying widget" not in shown["text"]


@pytest.mark.parametrize("lecture", WIDGET_LECTURES, ids=lambda p: p.stem)
def test_lecture_widgets_work_in_jupyterlab(lab, lab_page, lecture: Path):
    shutil.copy(lecture, lab.root / "lectures" / lecture.name)  # a copy: the working tree stays untouched
    run = run_notebook(lab_page, f"lectures/{lecture.name}", SCREENSHOTS / f"{lecture.stem}.png")
    _report(lecture.stem, run)
    unexpected = run.unexpected_errors()
    assert not unexpected, f"{lecture.name}: cells raised {unexpected}"
    assert not run.stopped_early, f"{lecture.name}: Run All stopped early"
    assert run.figures >= 1, f"{lecture.name}: no figure was rendered"
    assert run.sliders >= 1, f"{lecture.name}: no ipywidgets slider was rendered"
    assert run.demos_moved, f"{lecture.name}: no demo with a slider above a figure was found"
    assert not run.truncated_labels, f"{lecture.name}: slider labels cut off: {run.truncated_labels}"
    assert all(run.demos_moved), \
        f"{lecture.name}: moving the first slider of demo(s) {[i for i, m in enumerate(run.demos_moved) if not m]} " \
        "did not change the figure"
