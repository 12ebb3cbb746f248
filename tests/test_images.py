"""helpers.images: bundled names and loading, folders, random patches, bad input."""
from __future__ import annotations

import numpy as np
import pytest
from PIL import Image

from helpers import images, patches

TRAIN = ["astronaut", "brick", "chelsea", "coffee", "grass", "gravel", "hubble_deep_field", "rocket"]
TEST = ["camera", "grace_hopper", "moon"]


def test_names_lists_the_bundled_splits():
    assert images.names("train") == TRAIN
    assert images.names("test") == TEST
    assert images.names() == sorted(TRAIN + TEST)


@pytest.mark.parametrize("name", TRAIN + TEST)
def test_load_gives_grey_float64_in_unit_range(name):
    img = images.load(name)
    assert img.ndim == 2 and img.dtype == np.float64
    assert 0.0 <= img.min() < img.max() <= 1.0
    assert max(img.shape) <= 512


def test_test_images_are_256_square_and_load_split_follows_names():
    test = images.load_split("test")
    assert [im.shape for im in test] == [(256, 256)] * 3
    assert np.array_equal(test[0], images.load("camera"))
    assert len(images.load_split("train")) == len(TRAIN)


def test_load_folder_reads_png_and_jpeg_sorted_by_name(tmp_path):
    grey = (np.arange(20 * 30).reshape(20, 30) % 256).astype(np.uint8)
    Image.fromarray(grey).save(tmp_path / "b.png")
    rgb = np.zeros((10, 12, 3), np.uint8)
    rgb[..., 0] = 255
    Image.fromarray(rgb).save(tmp_path / "a.JPG", quality=95)
    (tmp_path / "notes.txt").write_text("not an image", encoding="utf-8")
    sub = tmp_path / "sub"
    sub.mkdir()
    Image.fromarray(grey).save(sub / "c.png")
    out = images.load_folder(tmp_path)
    assert [im.shape for im in out] == [(10, 12), (20, 30)]
    assert np.array_equal(out[1], grey / 255.0)
    assert abs(out[0].mean() - 0.299) < 0.01  # red converted to luma (ITU-R 601)
    assert len(images.load_folder(tmp_path, recursive=True)) == 3


def test_load_folder_reads_16_bit_png(tmp_path):
    arr = np.array([[0, 65535], [32768, 1000]], dtype=np.uint16)
    Image.fromarray(arr).save(tmp_path / "deep.png")
    (img,) = images.load_folder(str(tmp_path))
    np.testing.assert_allclose(img, arr / 65535.0)


def test_load_folder_errors(tmp_path):
    with pytest.raises(FileNotFoundError, match=r"^path: no such folder"):
        images.load_folder(tmp_path / "missing")
    (tmp_path / "readme.txt").write_text("x", encoding="utf-8")
    with pytest.raises(ValueError, match=r"^path: folder .* holds no image files"):
        images.load_folder(tmp_path)


def test_read_errors_name_the_path(tmp_path):
    with pytest.raises(FileNotFoundError, match=r"^path: no such file"):
        images.read(tmp_path / "missing.png")
    bad = tmp_path / "broken.png"
    bad.write_bytes(b"not a png at all")
    with pytest.raises(ValueError, match=r"^path: .*broken.png is not an image file"):
        images.read(bad)
    with pytest.raises(ValueError, match=r"^path: .*broken.png is not an image file"):
        images.load_folder(tmp_path)


def test_sample_patches_are_real_patches_and_reproducible():
    imgs = [np.random.default_rng(k).random(shape) for k, shape in enumerate([(20, 30), (9, 40)])]
    X = images.sample_patches(imgs, 5, 300, np.random.default_rng(0))
    assert X.shape == (300, 25) and X.dtype == np.float64
    assert np.array_equal(X, images.sample_patches(imgs, 5, 300, np.random.default_rng(0)))
    assert not np.array_equal(X, images.sample_patches(imgs, 5, 300, np.random.default_rng(1)))
    every = np.concatenate([patches.extract(im, 5) for im in imgs])
    # each sampled row is one of the image's patches
    match = (X[:, None, :] == every[None, :, :]).all(axis=2)
    assert match.any(axis=1).all()


def test_sample_patches_is_uniform_over_all_positions():
    # image A has 4x as many 2x2 positions as image B: its share of the samples must be ~4/5
    a, b = np.zeros((9, 9)), np.ones((5, 5))  # 64 and 16 positions
    X = images.sample_patches([a, b], 2, 20000, np.random.default_rng(3))
    share = float((X[:, 0] == 0).mean())
    assert abs(share - 0.8) < 0.015
    # and uniform over the positions of one image
    ramp = np.arange(36.0).reshape(6, 6)
    Y = images.sample_patches(ramp, 3, 16000, np.random.default_rng(4))
    _, counts = np.unique(Y[:, 0], return_counts=True)
    assert len(counts) == 16 and counts.min() > 850 and counts.max() < 1150


def test_sample_patches_remove_dc_and_single_image():
    img = images.load("camera")
    X = images.sample_patches(img, 8, 100, np.random.default_rng(0), remove_dc=True)
    assert X.shape == (100, 64)
    np.testing.assert_allclose(X.sum(axis=1), 0.0, atol=1e-12)
    raw = images.sample_patches(img, 8, 100, np.random.default_rng(0))
    np.testing.assert_allclose(X, raw - raw.mean(axis=1, keepdims=True))


@pytest.mark.parametrize("call, exc, match", [
    (lambda: images.load("lena"), ValueError, r"^name: unknown image 'lena'; valid names are astronaut"),
    (lambda: images.names("validation"), ValueError, r"^split: expected one of"),
    (lambda: images.load_split("val"), ValueError, r"^split: expected one of"),
    (lambda: images.load_split(None), ValueError, r"^split: expected one of"),
    (lambda: images.sample_patches([], 4, 10, np.random.default_rng(0)), ValueError, r"^images: expected at least one"),
    (lambda: images.sample_patches([np.zeros((10, 10)), np.zeros((3, 10))], 4, 10, np.random.default_rng(0)),
     ValueError, r"^images\[1\]: shape \(3, 10\) is smaller than the patch size 4"),
    (lambda: images.sample_patches([np.zeros((10, 10, 3))], 4, 10, np.random.default_rng(0)),
     ValueError, r"^images\[0\]: expected a 2-D"),
    (lambda: images.sample_patches([np.full((10, 10), np.nan)], 4, 10, np.random.default_rng(0)),
     ValueError, r"^images\[0\]: contains NaN"),
    (lambda: images.sample_patches(np.zeros((10, 10)), 0, 10, np.random.default_rng(0)), ValueError, r"^size:"),
    (lambda: images.sample_patches(np.zeros((10, 10)), 4, 0, np.random.default_rng(0)), ValueError, r"^n:"),
    (lambda: images.sample_patches(np.zeros((10, 10)), 4, 5, 0), ValueError,
     r"^rng: expected a numpy.random.Generator"),
])
def test_bad_input_raises_naming_the_argument(call, exc, match):
    with pytest.raises(exc, match=match):
        call()
