"""The shipped digits file: its bytes, its shape, and agreement with scikit-learn's copy."""
from __future__ import annotations

import hashlib

import numpy as np
import pytest

from helpers import digits

SHA256 = "09f66e6debdee2cd2b5ae59e0d6abbb73fc2b0e0185d2e1957e9ebb51e23aa22"


def test_shipped_file_has_the_recorded_checksum():
    assert hashlib.sha256(digits.DIGITS_FILE.read_bytes()).hexdigest() == SHA256


def test_shape_range_and_labels():
    X, labels = digits.load_digits()
    assert X.shape == (1797, 64) and X.dtype == np.uint8
    assert labels.shape == (1797,) and set(np.unique(labels)) == set(range(10))
    assert X.min() == 0 and X.max() == digits.LEVELS


def test_matches_scikit_learn():
    sk = pytest.importorskip("sklearn.datasets")
    ref = sk.load_digits()
    X, labels = digits.load_digits()
    np.testing.assert_array_equal(X, ref.data)
    np.testing.assert_array_equal(labels, ref.target)
    np.testing.assert_array_equal(X[5].reshape(8, 8), ref.images[5])


def test_bad_path_and_foreign_file(tmp_path):
    with pytest.raises(FileNotFoundError, match="^path: no digits file"):
        digits.load_digits(tmp_path / "missing.csv.gz")
    bad = tmp_path / "bad.csv"
    bad.write_text("1,2,3\n4,5,6\n", encoding="utf-8")
    with pytest.raises(ValueError, match="^path: .* not a digits table"):
        digits.load_digits(bad)


def test_split_is_disjoint_seeded_and_complete():
    train, test = digits.split(100, 0.25, np.random.default_rng(0))
    assert len(test) == 25 and len(train) == 75
    assert np.array_equal(np.sort(np.r_[train, test]), np.arange(100))
    again = digits.split(100, 0.25, np.random.default_rng(0))
    assert np.array_equal(again[1], test)
    with pytest.raises(ValueError, match="^test_fraction"):
        digits.split(10, 1.5, np.random.default_rng(0))
    with pytest.raises(ValueError, match="^rng"):
        digits.split(10, 0.5, 0)


def test_dequantise_stays_in_each_grey_level_bin():
    X, _ = digits.load_digits()
    Y = digits.dequantise(X, np.random.default_rng(0))
    assert Y.shape == X.shape and Y.dtype == np.float64
    np.testing.assert_array_equal(np.floor(Y * 17), X)
    with pytest.raises(ValueError, match="^X"):
        digits.dequantise(X / 16.0, np.random.default_rng(0))
