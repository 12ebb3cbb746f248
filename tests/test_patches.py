"""helpers.patches: extract/assemble round trips (hypothesis), layout, coverage, bad input."""
from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from helpers import patches


@st.composite
def image_size_stride(draw):
    size = draw(st.integers(1, 6))
    H = draw(st.integers(size, 20))
    W = draw(st.integers(size, 20))
    stride = draw(st.integers(1, size))
    seed = draw(st.integers(0, 2**32 - 1))
    image = np.random.default_rng(seed).random((H, W))
    return image, size, stride


@settings(max_examples=150, deadline=None)
@given(image_size_stride())
def test_assemble_inverts_extract_for_any_shape_and_stride(case):
    image, size, stride = case
    P = patches.extract(image, size, stride)
    rows, cols = patches.positions(image.shape, size, stride)
    assert P.shape == (len(rows) * len(cols), size * size) == (patches.count(image.shape, size, stride), size * size)
    back = patches.assemble(P, image.shape, stride=stride)
    np.testing.assert_allclose(back, image, rtol=0, atol=1e-12)


@settings(max_examples=100, deadline=None)
@given(image_size_stride())
def test_extract_rows_are_the_image_blocks_in_row_major_order(case):
    image, size, stride = case
    P = patches.extract(image, size, stride)
    rows, cols = patches.positions(image.shape, size, stride)
    k = 0
    for r in rows:
        for c in cols:
            np.testing.assert_array_equal(P[k], image[r:r + size, c:c + size].ravel())
            k += 1


@settings(max_examples=100, deadline=None)
@given(image_size_stride())
def test_positions_lie_on_the_stride_grid_and_cover_every_pixel(case):
    image, size, stride = case
    H, W = image.shape
    for starts, n in zip(patches.positions(image.shape, size, stride), (H, W)):
        assert starts[0] == 0 and starts[-1] == n - size
        assert np.all(np.diff(starts) > 0)
        assert np.all(starts[:-1] % stride == 0)
        covered = np.zeros(n, bool)
        for s in starts:
            covered[s:s + size] = True
        assert covered.all()


def test_non_overlapping_round_trip_is_exact():
    image = np.random.default_rng(0).random((32, 24))
    P = patches.extract(image, 8, stride=8)
    assert P.shape == (12, 64)
    assert np.array_equal(patches.assemble(P, image.shape, 8, 8), image)


def test_assemble_averages_overlaps_with_exact_counts():
    # every patch set to 1 gives 1 everywhere only if each pixel is divided by its exact count
    shape = (13, 17)
    for stride in (1, 2, 3, 4):
        n = patches.count(shape, 4, stride)
        np.testing.assert_allclose(patches.assemble(np.ones((n, 16)), shape, stride=stride), 1.0, atol=1e-15)
    # a patch-dependent constant: pixel (0, 0) is covered only by patch 0, pixel (1, 1) by 4 patches
    P = np.arange(patches.count((5, 5), 2))[:, None] * np.ones((1, 4))
    out = patches.assemble(P, (5, 5))
    assert out[0, 0] == 0 and out[1, 1] == (0 + 1 + 4 + 5) / 4


def test_stride_one_counts_and_float32_is_kept():
    image = np.random.default_rng(1).random((256, 256)).astype(np.float32)
    P = patches.extract(image, 8)
    assert P.shape == (249 * 249, 64) and P.dtype == np.float32
    back = patches.assemble(P, image.shape)
    assert back.dtype == np.float32
    np.testing.assert_allclose(back, image, atol=1e-6)


def test_extract_returns_a_writable_copy():
    image = np.zeros((6, 6))
    P = patches.extract(image, 3)
    P[0, 0] = 5.0
    assert image[0, 0] == 0.0


def test_remove_dc():
    P = np.random.default_rng(2).random((50, 16)) + 3.0
    centred, dc = patches.remove_dc(P)
    assert centred.shape == (50, 16) and dc.shape == (50,)
    np.testing.assert_allclose(centred.sum(axis=1), 0.0, atol=1e-12)
    np.testing.assert_allclose(centred + dc[:, None], P, atol=1e-15)


@pytest.mark.parametrize("call, match", [
    (lambda: patches.extract(np.zeros((4, 4, 3)), 2), r"^image: expected a 2-D"),
    (lambda: patches.extract(np.zeros(16), 2), r"^image: expected a 2-D"),
    (lambda: patches.extract(np.array([[0.0, np.nan], [0, 0]]), 1), r"^image: contains NaN"),
    (lambda: patches.extract(np.zeros((4, 4)), 5), r"^size: patch side 5 is larger"),
    (lambda: patches.extract(np.zeros((4, 9)), 5), r"^size: patch side 5 is larger"),
    (lambda: patches.extract(np.zeros((4, 4)), 0), r"^size: expected an integer >= 1"),
    (lambda: patches.extract(np.zeros((4, 4)), 2.5), r"^size: expected an integer"),
    (lambda: patches.extract(np.zeros((4, 4)), 2, stride=0), r"^stride: expected an integer >= 1"),
    (lambda: patches.extract(np.zeros((9, 9)), 2, stride=3), r"^stride: 3 is larger than the patch side 2"),
    (lambda: patches.extract(np.array([["a"]]), 1), r"^image: expected a real numeric array"),
    (lambda: patches.assemble(np.zeros((9, 4)), (4, 4), stride=0), r"^stride:"),
    (lambda: patches.assemble(np.zeros((8, 4)), (4, 4)), r"^patches: expected shape \(9, 4\)"),
    (lambda: patches.assemble(np.zeros((9, 5)), (4, 4)), r"^patches: rows of length 5"),
    (lambda: patches.assemble(np.zeros(9), (4, 4)), r"^patches: expected a 2-D"),
    (lambda: patches.assemble(np.full((9, 4), np.inf), (4, 4)), r"^patches: contains NaN or inf"),
    (lambda: patches.assemble(np.zeros((9, 4)), (4,)), r"^image_shape: expected a 2-D"),
    (lambda: patches.assemble(np.zeros((1, 64)), (4, 4)), r"^size: patch side 8 is larger"),
    (lambda: patches.remove_dc(np.zeros(4)), r"^patches: expected a 2-D"),
    (lambda: patches.remove_dc(np.zeros((3, 0))), r"^patches: rows are empty"),
    (lambda: patches.positions((3, 3), 4), r"^size: patch side 4 is larger"),
])
def test_bad_input_raises_value_error_naming_the_argument(call, match):
    with pytest.raises(ValueError, match=match):
        call()
