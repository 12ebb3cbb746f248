"""Notebook-06 plot helpers: the DCT basis and eigen-decomposition against independent oracles,
and smoke tests that the eigenvector panels and the component browser draw without errors."""
from __future__ import annotations

import matplotlib.pyplot as plt
import numpy as np
import pytest
from scipy import fft

from demo_tools import assert_slider_redraws, new_figure
from helpers import plots, widgets
from helpers.mixture import GMM
from helpers.plots.eigen import dct_basis, short_sci, signed_tiles, sorted_eigh


@pytest.fixture(scope="module")
def gmm() -> GMM:
    rng = np.random.default_rng(0)
    A = rng.standard_normal((3, 64, 64)) / 8
    covs = A @ A.transpose(0, 2, 1) + 1e-3 * np.eye(64)
    return GMM(np.array([0.5, 0.3, 0.2]), rng.standard_normal((3, 64)) * 0.01, covs)


@pytest.mark.parametrize("size", [4, 8])
def test_dct_basis_matches_scipy_orthonormal_dct(size):
    B = dct_basis(size)
    np.testing.assert_allclose(B @ B.T, np.eye(size * size), atol=1e-12)
    # coefficients of an image = B @ image.ravel(); scipy's dctn (type II, ortho) is the oracle
    img = np.random.default_rng(1).standard_normal((size, size))
    np.testing.assert_allclose(B @ img.ravel(), fft.dctn(img, type=2, norm="ortho").ravel(), atol=1e-12)


def test_sorted_eigh_decreasing_reconstructs_and_fixes_signs():
    rng = np.random.default_rng(2)
    A = rng.standard_normal((6, 6))
    cov = A @ A.T
    vals, vecs = sorted_eigh(cov)
    assert np.all(np.diff(vals) <= 0)
    np.testing.assert_allclose(vecs @ np.diag(vals) @ vecs.T, cov, atol=1e-10)
    idx = np.argmax(np.abs(vecs), axis=0)
    assert np.all(vecs[idx, np.arange(6)] > 0)


def test_signed_tiles_scale_each_tile_to_unit_peak_with_nan_gaps():
    V = np.random.default_rng(3).standard_normal((5, 16))
    out = signed_tiles(V, ncols=3, row_pad=2)
    assert out.shape == (2 * 4 + 2, 3 * 4 + 2)
    assert np.nanmax(np.abs(out)) == pytest.approx(1.0)
    assert np.isnan(out[4, 0]) and np.isnan(out[0, 4])


def test_eigen_panels_draw(gmm):
    vals, vecs = sorted_eigh(gmm.covs[0])
    fig, ax = plt.subplots()
    plots.plot_eigenvectors(ax, vecs[:, :8], vals[:8], ncols=4, title="t")
    assert ax.get_title() == "t" and len(ax.texts) == 8
    np.testing.assert_array_equal(ax.images[0].get_array(), signed_tiles(vecs[:, :8].T, 4, row_pad=4))


def test_figure_helpers_return_their_figure_with_what_they_drew(gmm):
    fig = plots.plot_eigen_vs_dct(gmm.covs[1], n=16)
    assert isinstance(fig, plt.Figure) and len(fig.axes) == 2
    vals, vecs = sorted_eigh(gmm.covs[1])
    np.testing.assert_array_equal(fig.axes[0].images[0].get_array(), signed_tiles(vecs[:, :16].T, 8, row_pad=4))
    assert "top 16" in fig.axes[0].get_title() and "DCT" in fig.axes[1].get_title()

    fig = plots.plot_components(gmm, [0, 2], n_vectors=4, n_samples=4)
    assert len(fig.axes) == 4                                  # one row per component: vectors, samples
    assert fig.axes[0].get_ylabel().startswith("k = 0") and fig.axes[2].get_ylabel().startswith("k = 2")
    vals2, vecs2 = sorted_eigh(gmm.covs[2])
    np.testing.assert_array_equal(fig.axes[2].images[0].get_array(), signed_tiles(vecs2[:, :4].T, 4, row_pad=4))

    A = gmm.sample(8, np.random.default_rng(0))[0]
    fig = plots.plot_patch_sets({"A": A, "B": np.zeros((8, 64))})
    assert [ax.get_title() for ax in fig.axes] == ["A", "B"]
    np.testing.assert_array_equal(fig.axes[0].images[0].get_array(), plots.tile(A, 8))


def test_one_sign_convention_and_one_tiling_routine(gmm):
    from helpers.plots.digits import component_directions
    from helpers.plots.eigen import fix_signs
    U, _ = component_directions(gmm, 1, 5)
    _, V = sorted_eigh(gmm.covs[1])
    np.testing.assert_allclose(U, V[:, :5], atol=1e-10)       # the GMM path agrees with sorted_eigh
    flipped = -V[:, :3]
    np.testing.assert_array_equal(fix_signs(flipped), V[:, :3])
    assert np.all(V[np.argmax(np.abs(V), axis=0), np.arange(64)] > 0)
    # signed_tiles is tile() with per-tile |max| scaling and NaN between tiles
    T = signed_tiles(V[:, :3].T, 2, row_pad=3)
    assert T.shape == (2 * 8 + 3, 2 * 8 + 1) and np.isnan(T[8, 0]) and np.isnan(T[0, 8])
    np.testing.assert_allclose(T[:8, :8], (V[:, 0] / np.abs(V[:, 0]).max()).reshape(8, 8))


def test_short_labels_and_spectrum_that_omits_a_zero_eigenvalue():
    assert [short_sci(v) for v in (0.000231, 0.134, 2.0, 0.0)] == ["2.3e-4", "1.3e-1", "2.0e0", "0"]
    fig, ax = plt.subplots()
    plots.plot_spectrum(ax, np.array([1.0, 0.1, 0.01, 3e-18]), omit_below=1e-9)
    assert len(ax.lines[0].get_xdata()) == 3 and "λ$_{4}$ = 3e-18" in ax.texts[0].get_text()
    plt.close(fig)


def test_plot_components_draws_with_a_given_sampler(gmm):
    calls = []

    def sampler(cov, n, rng):
        calls.append(np.shape(cov))
        return np.zeros((n, len(cov)))
    plots.plot_components(gmm, [0, 1], n_vectors=4, n_samples=3, sampler=sampler)
    assert calls == [(64, 64), (64, 64)]


def test_component_browser_builds_and_redraws(gmm):
    box, first = new_figure(lambda: widgets.component_browser(gmm, n_vectors=4, n_samples=4))
    slider = box.children[0].children[0]
    assert slider.min == 1 and slider.max == gmm.n_components
    assert_slider_redraws(box, first, slider.description, 3)  # the lightest component: a new picture
