"""The mixture/EM plots and widgets: ellipse geometry against the Mahalanobis distance,
colour mixing, grid densities against scipy, and the demos build and draw."""
from __future__ import annotations

import numpy as np
import pytest
from scipy.stats import multivariate_normal

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


def test_plots_draw_without_error():
    X, z = GMM3.sample(200, np.random.default_rng(0))
    fig, axes = plots.figure(3, nrows=2)
    plots.plot_mixture_1d(axes[0, 0], [0.4, 0.6], [-1, 1], [0.5, 1.0])
    plots.plot_density_2d(axes[0, 1], GMM3, extent=(-4, 5, -3, 6), n=30, log=True)
    plots.plot_samples(axes[0, 2], X, z)
    plots.plot_em_state(axes[1, 0], X, GMM3, GMM3.responsibilities(X))
    plots.plot_log_likelihood(axes[1, 1], [-3.0, -2.5, -2.4], elbo=[-2.6, -2.45])
    plots.plot_jensen(axes[1, 2], [0.5, 4.0], [0.3, 0.7])
    fig.canvas.draw()


def test_record_fit_keeps_every_model():
    X, _ = GMM3.sample(300, np.random.default_rng(1))
    for fit in (fit_em, fit_hard_em):
        models, history = widgets.record_fit(X, 3, fit=fit, max_iter=5, tol=0.0, rng=np.random.default_rng(0))
        assert len(models) == len(history.log_likelihood) == history.n_iter + 1
        np.testing.assert_allclose(models[-1].score(X), history.log_likelihood[-1], rtol=1e-10)


def test_demos_build_and_draw():
    X, _ = GMM3.sample(200, np.random.default_rng(2))
    models, history = widgets.record_fit(X, 3, max_iter=4, rng=np.random.default_rng(0))
    for demo in (widgets.mixture_shape_demo(), widgets.elbo_gap_demo(), widgets.em_stepper(X, models, history)):
        assert demo.children
    wmix._draw(0.0, -1.0, 1.0)     # a weight of zero must still draw
    wem._elbo_gap_draw(3.5, 1.0)   # a hard r at a point owned by one component
