"""Smoke tests of the notebook-06 "whole images" plots, and the principal directions they draw."""
from __future__ import annotations

import matplotlib.pyplot as plt
import numpy as np

from helpers import mfa, plots


def small_mfa(seed: int = 0) -> mfa.MFA:
    rng = np.random.default_rng(seed)
    return mfa.MFA(np.full(3, 1 / 3), rng.random((3, 64)), rng.normal(size=(3, 64, 4)) * 0.1,
                   rng.uniform(0.01, 0.02, size=(3, 64)))


def test_component_directions_agree_for_mfa_and_its_gmm():
    model = small_mfa()
    U, var = plots.component_directions(model, 1, 3)
    V, var_dense = plots.component_directions(model.to_gmm(), 1, 3)
    assert U.shape == (64, 3)
    np.testing.assert_allclose(np.abs(U.T @ V), np.eye(3), atol=0.05)   # same directions
    np.testing.assert_allclose(var, var_dense, rtol=0.05)


def test_plots_draw_titled_panels():
    model = small_mfa()
    plots.plot_digit_sets({"a": model.means, "b": model.sample(5, np.random.default_rng(1))[0],
                           "c": model.means})
    fig = plt.gcf()
    assert [ax.get_title() for ax in fig.axes if ax.get_visible()] == ["a", "b", "c"]
    plots.plot_component_directions({"MFA": model, "GMM": model.to_gmm()}, {"MFA": [0, 1], "GMM": [2]},
                                    n_vectors=3)
    assert len(plt.gcf().axes) == 3 * 2
    plots.plot_cost_scaling([64, 256], {"full": ([1, 2], [3, 4]), "MFA": ([1, 1], [1, 1])}, note="n")
    axes = plt.gcf().axes
    assert all(ax.get_xlabel() and ax.get_ylabel() for ax in axes) and "n" in axes[1].get_title()
