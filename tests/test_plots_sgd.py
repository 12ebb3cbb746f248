"""Smoke tests of the notebook-05 plots and momentum widget: labelled figures, no errors."""
from __future__ import annotations

import matplotlib.pyplot as plt
import numpy as np

from helpers import plots, sgd, widgets


def test_contours_and_a_divergent_path():
    q = sgd.ill_conditioned_quadratic(100.0)
    fig, ax = plt.subplots()
    plots.plot_loss_contours(ax, q.loss, (-2, 2, -2, 2), minimum=q.minimum, title="t")
    path = sgd.descend(q.grad, [1.0, 1.0], sgd.GradientDescent(2.5), 400)   # ends in NaN
    plots.plot_path(ax, path, label="GD")
    assert ax.get_xlabel() and ax.get_ylabel() and ax.get_title() == "t"
    assert np.all(np.isfinite(ax.lines[-2].get_xydata()))


def test_loss_curves_with_reference_and_log_scale():
    fig, ax = plt.subplots()
    plots.plot_loss_curves(ax, {"a": [3.0, 2.0, 1.0], "b": [3.0, 1.5]}, x={"b": [0, 10]},
                           reference={"MLE": 0.5}, logy=True, title="t")
    assert ax.get_yscale() == "log" and ax.get_legend() is not None
    assert len(ax.lines) == 3


def test_plot_paths_and_momentum_demo_draw(monkeypatch):
    monkeypatch.setattr(plt, "show", lambda: None)
    q = sgd.ill_conditioned_quadratic(10.0)
    plots.plot_paths(q.loss, {"β = 0": sgd.descend(q.grad, [1.0, 1.0], sgd.Momentum(1.0, 0.0), 20)},
                     (-2, 2, -2, 2), suptitle="s")
    demo = widgets.momentum_demo(condition=100.0, n_steps=50)
    assert demo is not None
    labels = " ".join(getattr(c, "description", "") for c in demo.children[0].children)
    assert "η" in labels and "β" in labels
