"""helpers.dead_leaves: coverage, seeding, the r^-3 radius law, bad input."""
from __future__ import annotations

import numpy as np
import pytest

from helpers.dead_leaves import _radii, dead_leaves


def test_dead_leaves_is_covered_seeded_and_piecewise_constant():
    rng = np.random.default_rng(7)
    D = dead_leaves((64, 80), rng, r_min=2.0, r_max=32.0)
    assert D.shape == (64, 80) and D.dtype == np.float64
    assert np.isfinite(D).all() and 0.0 <= D.min() and D.max() <= 1.0
    assert np.array_equal(D, dead_leaves((64, 80), np.random.default_rng(7), r_min=2.0, r_max=32.0))
    assert not np.array_equal(D, dead_leaves((64, 80), np.random.default_rng(8), r_min=2.0, r_max=32.0))
    levels = np.unique(D)
    assert 5 < len(levels) < D.size / 4  # few flat regions, not per-pixel noise
    # most horizontal neighbours share a grey level (disks are at least 2 px in radius)
    assert (D[:, 1:] == D[:, :-1]).mean() > 0.6


def test_dead_leaves_radii_follow_r_to_the_minus_3():
    u = np.random.default_rng(0).random(200_000)
    r = _radii(u, 1.0, 8.0)
    assert r.min() >= 1.0 and r.max() <= 8.0
    # P(r > t) = (t^-2 - 8^-2) / (1 - 8^-2)
    for t in (1.5, 2.0, 4.0):
        assert abs((r > t).mean() - (t ** -2 - 8.0 ** -2) / (1 - 8.0 ** -2)) < 0.005


def test_dead_leaves_with_large_disks_shows_few_leaves():
    D = dead_leaves((32, 32), np.random.default_rng(0), r_min=30.0, r_max=40.0)
    assert np.isfinite(D).all() and len(np.unique(D)) <= 6


def test_dead_leaves_gives_up_clearly():
    with pytest.raises(RuntimeError, match="disks left"):
        dead_leaves((64, 64), np.random.default_rng(0), r_min=0.1, r_max=0.2, batch=10, max_disks=20)


@pytest.mark.parametrize("call, exc, match", [
    (lambda: dead_leaves((8, 8, 3), np.random.default_rng(0)), ValueError, r"^shape: expected \(H, W\)"),
    (lambda: dead_leaves((0, 8), np.random.default_rng(0)), ValueError, r"^shape:"),
    (lambda: dead_leaves((8, 8), np.random.default_rng(0), r_min=0), ValueError, r"^r_min:"),
    (lambda: dead_leaves((8, 8), np.random.default_rng(0), r_min=4, r_max=2), ValueError, r"^r_max: must be >= r_min"),
    (lambda: dead_leaves((8, 8), None), ValueError, r"^rng:"),
])
def test_bad_input_raises_naming_the_argument(call, exc, match):
    with pytest.raises(exc, match=match):
        call()
