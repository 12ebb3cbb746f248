"""Drive one notebook in a live JupyterLab page: open, Run All, inspect, move sliders, screenshot.

Used by ``test_widgets_in_jupyterlab.py``; the page comes from the ``lab_page`` fixture.
"""
from __future__ import annotations

import time
from dataclasses import dataclass, field
from pathlib import Path

RUN_TIMEOUT_MS = 150_000      # Run All of one notebook (CI budget: < 20 s each under nbclient)
REDRAW_TIMEOUT_MS = 30_000    # one slider move until the figure changes

_OPEN = """async (path) => {
  const app = window.jupyterapp;
  const w = await app.commands.execute('docmanager:open', {path, factory: 'Notebook'});
  await w.context.ready;
  await w.sessionContext.ready;
  app.shell.activateById(w.id);
  window.__nb = w;
  return w.sessionContext.kernelDisplayName;
}"""

_RUN_ALL = "() => window.jupyterapp.commands.execute('notebook:run-all-cells')"

# Finished when the last code cell has its execution count (set after all its output has
# arrived), or as soon as a cell shows an error Run All would stop at.
_PROGRESS = """() => {
  const cells = window.__nb.content.model.cells;
  let last = null;
  const errors = [];
  for (let i = 0; i < cells.length; i++) {
    const c = cells.get(i);
    if (c.type !== 'code') continue;
    last = c;
    const tags = c.getMetadata('tags') || [];
    for (const o of c.outputs.toJSON())
      if (o.output_type === 'error')
        errors.push({cell: i, ename: o.ename, evalue: o.evalue, tags});
  }
  const stopped = errors.some(e => !e.tags.includes('raises-exception'));
  if (stopped || last === null || last.executionCount !== null) return {errors, stopped};
  return null;
}"""

_DEMOS = """() => {
  const roots = [...window.__nb.node.querySelectorAll('.jp-OutputArea-output > .jupyter-widgets')];
  roots.forEach((r, i) => r.setAttribute('data-test-root', String(i)));
  return roots.map(r => ({
    sliders: r.querySelectorAll('.widget-slider .noUi-handle').length,
    images: r.querySelectorAll('img').length}));
}"""

# Widget views render asynchronously after their output message: wait until none is loading.
_WIDGETS_DRAWN = """() => ![...window.__nb.node.querySelectorAll('.jp-OutputArea-output')]
  .some(n => n.textContent.startsWith('Loading widget'))"""

# Slider labels the browser had to cut off (drawn with an ellipsis).
_TRUNCATED = """() => [...window.__nb.node.querySelectorAll('.widget-slider .widget-label')]
  .filter(l => l.scrollWidth > l.clientWidth + 1).map(l => l.textContent)"""

_IMAGES = "(root) => [...root.querySelectorAll('img')].map(i => i.src).join('|')"

_CLOSE = """async () => {
  const w = window.__nb;
  await w.sessionContext.shutdown();
  w.context.model.dirty = false;
  w.dispose();
  window.__nb = null;
}"""


@dataclass
class NotebookRun:
    """What a student would have seen after Run All and one move of each demo's first slider."""
    kernel: str
    seconds_run: float
    errors: list[dict]             # every error output: cell index, ename, evalue, tags
    stopped_early: bool            # Run All stopped at an error outside a raises-exception cell
    figures: int                   # <img> outputs in the notebook (inline figures, widget output)
    sliders: int                   # rendered ipywidgets slider handles
    demos_moved: list[bool] = field(default_factory=list)  # per demo with slider+figure: image changed
    redraw_seconds: list[float] = field(default_factory=list)  # per moved demo: key press to new image
    truncated_labels: list[str] = field(default_factory=list)  # slider labels cut off by the browser
    seconds_total: float = 0.0

    def unexpected_errors(self) -> list[dict]:
        """Errors other than the NotImplementedError of an unsolved exercise's check cell."""
        return [e for e in self.errors
                if not (e["ename"] == "NotImplementedError" and "raises-exception" in e["tags"])]


def _move_first_slider(page, root, redraw_timeout_ms: int) -> float | None:
    """Press an arrow key on the demo's first slider; seconds until its figure's image data
    changed (key press to new image in the page), or None if it did not change."""
    handle = root.locator(".widget-slider .noUi-handle").first
    handle.scroll_into_view_if_needed()
    before_images = root.evaluate(_IMAGES)
    before_value = handle.get_attribute("aria-valuenow")
    handle.focus()
    start = time.perf_counter()
    handle.press("ArrowRight")
    if handle.get_attribute("aria-valuenow") == before_value:  # already at its maximum
        handle.press("ArrowLeft")
    try:
        page.wait_for_function(
            "([root, before]) => { const now = [...root.querySelectorAll('img')].map(i => i.src).join('|');"
            " return now !== '' && now !== before; }",
            arg=[root.element_handle(), before_images], timeout=redraw_timeout_ms)
    except Exception as err:  # noqa: BLE001 - playwright's TimeoutError
        if "Timeout" in type(err).__name__ or "Timeout" in str(err):
            return None
        raise
    return time.perf_counter() - start


def run_notebook(page, path: str, screenshot: Path | None = None, *,
                 redraw_timeout_ms: int = REDRAW_TIMEOUT_MS) -> NotebookRun:
    """Open `path` (relative to the server root), Run All, check demos, screenshot, close."""
    start = time.perf_counter()
    kernel = page.evaluate(_OPEN, path)
    try:
        page.evaluate(_RUN_ALL)
        state = page.wait_for_function(_PROGRESS, timeout=RUN_TIMEOUT_MS).json_value()
        seconds_run = time.perf_counter() - start
        page.wait_for_function(_WIDGETS_DRAWN, timeout=REDRAW_TIMEOUT_MS)
        demos = page.evaluate(_DEMOS)
        figures = page.locator(".jp-Notebook .jp-OutputArea-output img").count()
        sliders = page.locator(".jp-Notebook .widget-slider .noUi-handle").count()
        run = NotebookRun(kernel=kernel, seconds_run=seconds_run, errors=state["errors"],
                          stopped_early=state["stopped"], figures=figures, sliders=sliders,
                          truncated_labels=page.evaluate(_TRUNCATED))
        first_demo = None
        for i, demo in enumerate(demos):
            if demo["sliders"] and demo["images"]:
                root = page.locator(f'[data-test-root="{i}"]')
                first_demo = first_demo or root
                seconds = _move_first_slider(page, root, redraw_timeout_ms)
                run.demos_moved.append(seconds is not None)
                if seconds is not None:
                    run.redraw_seconds.append(round(seconds, 2))
        if screenshot is not None:
            screenshot.parent.mkdir(parents=True, exist_ok=True)
            if first_demo is not None:
                first_demo.scroll_into_view_if_needed()
                first_demo.evaluate("r => r.scrollIntoView({block: 'center'})")
            page.screenshot(path=str(screenshot))
        run.seconds_total = time.perf_counter() - start
        return run
    finally:
        page.evaluate(_CLOSE)


def saved_outputs(page, path: str) -> dict:
    """Open `path` WITHOUT running it: what its saved outputs show (untrusted, as a fresh download)."""
    page.evaluate(_OPEN, path)
    try:
        page.wait_for_function(_WIDGETS_DRAWN, timeout=REDRAW_TIMEOUT_MS)
        return page.evaluate("""() => ({
          images: window.__nb.node.querySelectorAll('.jp-OutputArea-output img').length,
          text: window.__nb.node.querySelector('.jp-Cell-outputArea')?.innerText ?? ''})""")
    finally:
        page.evaluate(_CLOSE)
