"""Smoke tests of the notebook-07 plots and σ widget: PSNR in the titles, zoom row, labelled curves."""
from __future__ import annotations

import matplotlib.pyplot as plt
import numpy as np

from helpers import denoise, plots, pretrained, widgets


def test_side_by_side_titles_carry_the_psnr_and_a_zoom_row():
    rng = np.random.default_rng(0)
    clean = rng.uniform(size=(40, 40))
    noisy = clean + 0.1 * rng.standard_normal(clean.shape)
    fig, axes = plots.plot_denoising(clean, {"noisy": noisy, "mean": np.full_like(clean, 0.5)}, crop=(5, 5, 16))
    assert axes.shape == (2, 3)
    assert axes[0, 0].get_title() == "clean"
    assert f"PSNR {denoise.psnr(clean, noisy):.2f} dB" in axes[0, 1].get_title()
    assert axes[1, 1].images[0].get_array().shape == (16, 16)
    fig, axes = plots.plot_denoising(clean, {"noisy": noisy}, crop=None)
    assert axes.shape == (1, 2)


def test_psnr_curves_are_labelled():
    fig, ax = plt.subplots()
    plots.plot_psnr_curves(ax, {"GD": [21.0, 24.0, 25.0], "HQS": [24.0, 27.0]}, noisy_psnr=20.2)
    assert ax.get_ylabel() == "PSNR [dB]" and ax.get_xlabel() and ax.get_title()
    assert len(ax.lines) == 3 and ax.get_legend() is not None


def test_sigma_demo_slider_redraws_on_release(monkeypatch):
    monkeypatch.setattr(plt, "show", lambda: None)
    clean = np.linspace(0, 1, 24 * 24).reshape(24, 24)
    box = widgets.sigma_demo(clean, pretrained.load(20))
    slider = box.children[0].children[0]                 # demo(): rows of controls, then the output
    assert slider.continuous_update is False and "σ" in slider.description
    slider.value = 50                                     # a redraw runs EPLL once more, without error


def test_adapted_components_show_before_and_after_with_weights():
    gmm = pretrained.load(20)
    from helpers.mixture import GMM
    w = np.asarray(gmm.weights, float)
    w2 = np.r_[w[:1] * 2, w[1:]]
    after = GMM(w2 / w2.sum(), gmm.means, np.asarray(gmm.covs, float) * 1.5)
    fig = plots.plot_adapted_components(gmm, after, [0, 3], n_vectors=4)
    axes = np.array(fig.axes).reshape(2, 2)
    assert "k = 0" in axes[0, 0].get_ylabel() and "→" in axes[0, 0].get_ylabel()
    assert axes[0, 0].get_title() and axes[0, 1].get_title()
    plt.close(fig)
