"""The mixture/EM plots and widgets: ellipse geometry against the Mahalanobis distance,
colour mixing, grid densities against scipy, and the demos build and draw."""
from __future__ import annotations

import numpy as np
import pytest
from scipy.stats import multivariate_normal, norm

from demo_tools import assert_slider_redraws, new_figure, sliders
from helpers import plots, widgets
from helpers.em import fit_em, fit_hard_em
from helpers.mixture import GMM
from helpers.widgets import em as wem
from helpers.widgets import mixture as wmix

GMM3 = GMM(weights=np.array([0.5, 0.3, 0.2]), means=np.array([[0.0, 0.0], [3.0, 2.0], [-2.5, 3.0]]),
           covs=np.array([[[1.0, 0.3], [0.3, 0.6]], [[1.0, 0.8], [0.8, 1.0]], [[0.3, 0.0], [0.0, 1.5]]]))


@pytest.mark.parametrize("cov", [[[2.0, 0.0], [0.0, 0.5]], [[1.0, 0.8], [0.8, 1.0]], [[0.3, -0.2], [-0.2, 2.0]]])
@pytest.mark.parametrize("n_std", [1.0, 2.0])
def test_covariance_ellipse_is_the_mahalanobis_contour(cov, n_std):
    mean, cov = np.array([1.0, -2.0]), np.array(cov)
    e = plots.covariance_ellipse(mean, cov, n_std=n_std)
    t = np.linspace(0, 2 * np.pi, 50)
    pts = e.get_patch_transform().transform(np.column_stack([np.cos(t), np.sin(t)]))  # unit circle -> ellipse
    d = pts - mean
    maha = np.einsum("ni,ij,nj->n", d, np.linalg.inv(cov), d)
    np.testing.assert_allclose(maha, n_std ** 2, rtol=1e-6)


def test_covariance_ellipse_rejects_non_2d():
    with pytest.raises(ValueError, match="cov"):
        plots.covariance_ellipse(np.zeros(3), np.eye(3))


def test_grid_log_density_matches_scipy():
    xs, ys, logp = plots.grid_log_density(GMM3, extent=(-3, 4, -2, 5), n=7)
    j, i = 3, 5
    x = np.array([xs[i], ys[j]])
    want = np.log(sum(w * multivariate_normal(m, c).pdf(x) for w, m, c in zip(GMM3.weights, GMM3.means, GMM3.covs)))
    assert logp.shape == (7, 7)
    np.testing.assert_allclose(logp[j, i], want, rtol=1e-10)


def test_responsibility_colors_mix_component_colours():
    colors = plots.component_colors(3)
    resp = np.array([[1.0, 0.0, 0.0], [0.5, 0.5, 0.0]])
    out = plots.responsibility_colors(resp)
    np.testing.assert_allclose(out[0], colors[0])
    np.testing.assert_allclose(out[1], 0.5 * (colors[0] + colors[1]))


def test_plots_draw_what_they_are_given():
    X, z = GMM3.sample(200, np.random.default_rng(0))
    fig, axes = plots.figure(3, nrows=2)
    ax = axes[0, 0]
    plots.plot_mixture_1d(ax, [0.4, 0.6], [-1, 1], [0.5, 1.0])
    x, total = ax.lines[-1].get_data()                 # the solid curve: the mixture density
    np.testing.assert_allclose(total, 0.4 * norm(-1, 0.5).pdf(x) + 0.6 * norm(1, 1.0).pdf(x), rtol=1e-12)
    assert len(ax.lines) == 3                          # two dashed components and their sum
    ax = axes[0, 1]
    plots.plot_density_2d(ax, GMM3, extent=(-4, 5, -3, 6), n=30, log=True)
    assert tuple(ax.images[0].get_extent()) == (-4, 5, -3, 6) and ax.images[0].get_array().shape == (30, 30)
    ax = axes[0, 2]
    plots.plot_samples(ax, X, z)
    assert sum(len(c.get_offsets()) for c in ax.collections) == 200
    ax = axes[1, 0]
    plots.plot_em_state(ax, X, GMM3, GMM3.responsibilities(X))
    assert len(ax.collections[0].get_offsets()) == 200 and len(ax.patches) == 3   # points, 3 ellipses
    ax = axes[1, 1]
    plots.plot_log_likelihood(ax, [-3.0, -2.5, -2.4], elbo=[-2.6, -2.45])
    np.testing.assert_array_equal(ax.lines[0].get_ydata(), [-3.0, -2.5, -2.4])
    np.testing.assert_array_equal(ax.lines[1].get_data(), [[0.5, 1.5], [-2.6, -2.45]])
    ax = axes[1, 2]
    plots.plot_jensen(ax, [0.5, 4.0], [0.3, 0.7])
    gap = np.log(0.3 * 0.5 + 0.7 * 4.0) - (0.3 * np.log(0.5) + 0.7 * np.log(4.0))
    assert any(line.get_label() == f"gap = {gap:.3f}" for line in ax.lines)
    fig.canvas.draw()


def test_record_fit_keeps_every_model():
    X, _ = GMM3.sample(300, np.random.default_rng(1))
    for fit in (fit_em, fit_hard_em):
        models, history = widgets.record_fit(X, 3, fit=fit, max_iter=5, tol=0.0, rng=np.random.default_rng(0))
        assert len(models) == len(history.log_likelihood) == history.n_iter + 1
        np.testing.assert_allclose(models[-1].score(X), history.log_likelihood[-1], rtol=1e-10)


def test_demos_build_and_their_sliders_redraw():
    X, _ = GMM3.sample(200, np.random.default_rng(2))
    models, history = widgets.record_fit(X, 3, max_iter=4, rng=np.random.default_rng(0))
    demo, first = new_figure(widgets.mixture_shape_demo)
    label, control = next(iter(sliders(demo).items()))    # the first slider, moved to its far end
    assert_slider_redraws(demo, first, label, control.min if control.value != control.min else control.max)
    demo, first = new_figure(widgets.elbo_gap_demo)
    fig = assert_slider_redraws(demo, first, "r₁", 0.9)
    assert_slider_redraws(demo, fig, "data point x", -2.0)
    demo, first = new_figure(lambda: widgets.em_stepper(X, models, history))
    fig = assert_slider_redraws(demo, first, "EM iteration", 3)
    assert "t = 3" in fig.axes[0].get_title()
    wmix._draw(0.0, -1.0, 1.0)     # a weight of zero must still draw
    wem._elbo_gap_draw(3.5, 1.0)   # a hard r at a point owned by one component
