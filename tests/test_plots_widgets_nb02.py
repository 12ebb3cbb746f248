"""Notebook 02's plot and widget additions: weight labels on ellipses, the mode count of a 1-D mixture."""
from __future__ import annotations

import matplotlib.pyplot as plt
import numpy as np
from scipy.stats import norm

from helpers import plots
from helpers.widgets import mixture as wmix

GRID = np.linspace(-10, 10, 4001)


def _modes_brute(w, m, s):
    p = sum(wk * norm.pdf(GRID, mk, sk) for wk, mk, sk in zip(w, m, s))
    return int(np.sum((p[1:-1] > p[:-2]) & (p[1:-1] > p[2:])))


def test_count_modes_matches_the_two_sigma_rule():
    # equal weights and widths: bimodal iff the separation exceeds 2σ
    assert plots.count_modes_1d([0.5, 0.5], [-0.95, 0.95], [1, 1], GRID) == 1
    assert plots.count_modes_1d([0.5, 0.5], [-1.05, 1.05], [1, 1], GRID) == 2
    # unequal weights need more separation
    assert plots.count_modes_1d([0.9, 0.1], [-1.5, 1.5], [1, 1], GRID) == 1
    assert plots.count_modes_1d([0.9, 0.1], [-1.75, 1.75], [1, 1], GRID) == 2
    assert plots.count_modes_1d([0.2, 0.3, 0.5], [-6, 0, 6], [1, 1, 1], GRID) == 3


def test_count_modes_agrees_with_a_brute_force_count():
    rng = np.random.default_rng(0)
    for _ in range(50):
        w = rng.dirichlet([1, 1])
        m = rng.uniform(-4, 4, 2)
        s = rng.uniform(0.3, 2, 2)
        assert plots.count_modes_1d(w, m, s, GRID) == _modes_brute(w, m, s)


def test_weight_labels_write_each_weight():
    fig, ax = plt.subplots()
    plots.plot_ellipses(ax, weights=np.array([0.5, 0.3, 0.2]), means=np.zeros((3, 2)) + np.arange(3)[:, None],
                        covs=np.tile(np.eye(2), (3, 1, 1)), scale_by_weight=False, weight_labels=True)
    texts = [t.get_text() for t in ax.texts]
    assert texts == ["$\\pi_1$ = 0.50", "$\\pi_2$ = 0.30", "$\\pi_3$ = 0.20"]
    assert {p.get_linewidth() for p in ax.patches} == {2.0}


def test_shape_demo_title_counts_the_modes():
    wmix._draw(0.5, -1.2, 1.2, 1.0, 1.0)
    assert plt.gcf().axes[0].get_title().endswith("2 modes")
    wmix._draw(0.5, -0.9, 0.9, 1.0, 1.0)
    assert plt.gcf().axes[0].get_title().endswith("1 mode")
    wmix._draw(1.0, -0.9, 0.9)           # a zero weight: one component, one mode
    assert plt.gcf().axes[0].get_title().endswith("1 mode")
