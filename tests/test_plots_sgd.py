"""Smoke tests of the notebook-05 plots and momentum widget: labelled figures, no errors."""
from __future__ import annotations

import matplotlib.pyplot as plt
import numpy as np

from demo_tools import assert_slider_redraws, new_figure, sliders
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


def test_plot_paths_returns_one_panel_per_path_and_momentum_sliders_redraw():
    q = sgd.ill_conditioned_quadratic(10.0)
    paths = {"β = 0": sgd.descend(q.grad, [1.0, 1.0], sgd.Momentum(1.0, 0.0), 20),
             "β = 0.9": sgd.descend(q.grad, [1.0, 1.0], sgd.Momentum(1.0, 0.9), 20)}
    fig = plots.plot_paths(q.loss, paths, (-2, 2, -2, 2), suptitle="s")
    assert isinstance(fig, plt.Figure) and fig._suptitle.get_text() == "s"
    assert [ax.get_title() for ax in fig.axes[:2]] == ["β = 0", "β = 0.9"]
    demo, first = new_figure(lambda: widgets.momentum_demo(condition=100.0, n_steps=50))
    labels = " ".join(sliders(demo))
    assert "η" in labels and "β" in labels
    title = first.axes[0].get_title()
    fig = assert_slider_redraws(demo, first, "β", 0.5)
    assert "β = 0.50" in fig.axes[0].get_title() and "β = 0.90" in title
    assert_slider_redraws(demo, fig, "η", 0.5)

def test_a_path_leaving_the_plot_is_cut_at_the_border_and_marked():
    q = sgd.ill_conditioned_quadratic(10.0)
    fig, ax = plt.subplots()
    plots.plot_loss_contours(ax, q.loss, (-2, 2, -2, 2))
    path = sgd.descend(q.grad, [1.0, 1.0], sgd.GradientDescent(2.2), 60)       # diverges
    plots.plot_path(ax, path)
    line = ax.lines[-2].get_xydata()
    assert np.all(np.abs(line) <= 2 + 1e-9)                                    # cut at the border
    texts = [t.get_text() for t in ax.texts]
    assert any(t.startswith("diverges: leaves the plot") for t in texts)
    assert len(ax.collections[-1].get_offsets()) == 1                          # the ✕


def test_steps_below_is_not_fooled_by_an_oscillation_and_nesterov_path_matches_the_optimiser():
    assert widgets.steps_below([1.0, 1e-7, 0.5, 1e-7, 1e-8]) == 3
    assert widgets.steps_below([1.0, 0.5, 0.9]) is None
    q = sgd.ill_conditioned_quadratic(30.0)
    theta = widgets.momentum_path(q.grad, [1.0, -1.0], 0.8, 0.7, 30, nesterov=True)
    look = sgd.descend(q.grad, [1.0, -1.0], sgd.Nesterov(0.8, 0.7), 30)        # look-ahead points
    v = (theta[:-1] - theta[1:]) / 0.8                                           # v_{t+1} = (θ_t − θ_{t+1}) / η
    np.testing.assert_allclose(look[1:], theta[1:] - 0.8 * 0.7 * v, rtol=1e-10, atol=1e-12)
