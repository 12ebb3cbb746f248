"""Smoke tests of the notebook-01 plots and widget: they draw labelled figures without errors."""
from __future__ import annotations

import matplotlib.pyplot as plt
import numpy as np
import pytest

from helpers import plots, widgets


def test_plot_gaussian_2d_labels_axes_and_draws_samples():
    fig, ax = plt.subplots()
    S = np.random.default_rng(0).standard_normal((50, 2))
    plots.plot_gaussian_2d(ax, [0.0, 0.0], [[1.0, 0.5], [0.5, 1.0]], S, title="t")
    assert ax.get_xlabel() and ax.get_ylabel() and ax.get_title() == "t"
    assert len(fig.axes) == 2  # the colour bar
    assert len(ax.patches) == 2  # 1σ and 2σ ellipses


@pytest.mark.parametrize("shift", [0.0, -1.0])  # all >= 0 (sequential map) and signed
def test_covariance_plots_have_colour_bars(shift):
    A = np.random.default_rng(1).random((16, 4))
    cov = A @ A.T / 4 + shift * np.eye(16) * 0.01
    fig, axes = plt.subplots(1, 2)
    plots.plot_covariance(axes[0], cov)
    plots.plot_pixel_covariance(axes[1], cov, 4, (1, 2))
    assert len(fig.axes) == 4 and all(ax.get_xlabel() for ax in axes)


def test_response_histograms_log_scale():
    fig, ax = plt.subplots()
    rng = np.random.default_rng(2)
    plots.plot_response_histograms(ax, {"a": rng.standard_normal(500), "b": rng.laplace(size=500)})
    assert ax.get_yscale() == "log" and ax.get_legend() is not None


def test_gaussian_2d_demo_has_three_sliders_and_a_static_picture():
    d = widgets.gaussian_2d_demo()
    assert d.static_png is not None and d.static_png.startswith(b"\x89PNG")
    sliders = [c for row in d.children[:-1] for c in row.children]
    assert len(sliders) == 3
    sliders[2].value = 0.9  # moving ρ redraws without error
