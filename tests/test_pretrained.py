"""The shipped 8×8 patch GMMs load, reproduce their recorded held-out log-likelihood, and
more components fit held-out natural-image patches strictly better (K = 1 < 20 < 200)."""
from __future__ import annotations

import numpy as np
import pytest
from scipy import stats

from helpers import images, pretrained
from helpers.mixture import GMM

SHIPPED = (1, 20, 200)


@pytest.fixture(scope="module")
def heldout() -> np.ndarray:
    return pretrained.heldout_patches()


@pytest.fixture(scope="module")
def scores(heldout) -> dict[int, float]:
    return {k: pretrained.mean_log_likelihood(pretrained.load(k), heldout) for k in SHIPPED}


def test_heldout_sample_is_fixed_dc_removed_and_from_the_test_images(heldout):
    assert heldout.shape == (pretrained.HELDOUT_SIZE, 64)
    np.testing.assert_allclose(heldout.sum(axis=1), 0.0, atol=1e-12)
    assert np.array_equal(heldout[:50], pretrained.heldout_patches()[:50])
    assert not np.array_equal(heldout[:50], pretrained.patch_data("train", 50, np.random.default_rng(
        pretrained.HELDOUT_SEED)))


@pytest.mark.parametrize("k", SHIPPED)
def test_shipped_model_loads_with_its_provenance(k):
    path = pretrained.model_path(k)
    assert path.stat().st_size < 8e6, f"{path.name} must stay under 8 MB"
    gmm = pretrained.load(k)
    assert isinstance(gmm, GMM) and gmm.n_components == k and gmm.dim == 64
    assert gmm.dtype == np.float32
    info = pretrained.provenance(k)
    assert info["file"] == path.name and info["n_components"] == k
    for key in ("seed", "n_patches", "iterations", "converged", "train_mean_log_likelihood",
                "heldout_mean_log_likelihood", "wall_time_seconds", "command", "versions"):
        assert key in info, f"{path.with_suffix('.json').name} lacks {key!r}"
    assert info["heldout"]["n"] == pretrained.HELDOUT_SIZE
    assert info["heldout"]["seed"] == pretrained.HELDOUT_SEED


def test_the_large_model_was_fitted_to_at_least_half_a_million_patches():
    info = pretrained.provenance(200)
    assert info["n_patches"] >= 500_000


@pytest.mark.parametrize("k", SHIPPED)
def test_heldout_log_likelihood_reproduces_the_recorded_value(k, scores):
    recorded = pretrained.provenance(k)["heldout_mean_log_likelihood"]
    assert scores[k] == pytest.approx(recorded, abs=2e-3), \
        f"K = {k}: held-out mean log-likelihood {scores[k]:.4f}, JSON records {recorded:.4f}"


def test_heldout_log_likelihood_rises_strictly_with_more_components(scores):
    assert scores[1] < scores[20] < scores[200], scores


def test_single_gaussian_model_agrees_with_scipy(heldout):
    gmm = pretrained.load(1)
    X = heldout[:500]
    oracle = stats.multivariate_normal(gmm.means[0].astype(float), gmm.covs[0].astype(float)).logpdf(X)
    np.testing.assert_allclose(gmm.log_pdf(X), oracle, rtol=1e-9, atol=1e-8)


def test_missing_model_raises_a_clear_error():
    with pytest.raises(ValueError, match="n_components: no shipped model"):
        pretrained.load(7)


def test_training_script_fits_a_folder_of_own_photographs(tmp_path):
    """scripts/train_patch_gmm.py --images FOLDER --out DIR: the route to a prior from other photographs."""
    import json
    import sys

    from PIL import Image

    sys.path.insert(0, str(pretrained.MODELS_DIR.parents[1] / "scripts"))
    import train_patch_gmm

    photos = tmp_path / "photos" / "nested"
    photos.mkdir(parents=True)
    for name in ("astronaut", "coffee"):  # two bundled photographs copied to a folder of "our own"
        Image.fromarray(np.round(images.load(name) * 255).astype(np.uint8)).save(photos / f"{name}.png")
    out = tmp_path / "models"
    assert train_patch_gmm.main(["--components", "3", "--patches", "3000", "--max-iter", "3",
                                 "--images", str(tmp_path / "photos"), "--out", str(out)]) == 0
    gmm = GMM.load(out / "gmm_8x8_k3.npz")
    record = json.loads((out / "gmm_8x8_k3.json").read_text(encoding="utf-8"))
    assert gmm.n_components == 3 and record["n_patches"] == 3000
    assert str(tmp_path / "photos") in record["preprocessing"]
    assert np.isfinite(record["heldout_mean_log_likelihood"])
    assert not (pretrained.MODELS_DIR / "gmm_8x8_k3.npz").exists()  # the shipped folder is untouched


def test_preprocess_dequantises_and_removes_the_dc():
    X = np.random.default_rng(0).integers(0, 256, size=(50, 64)) / 255.0
    plain = pretrained.preprocess(X, np.random.default_rng(1), dequantise=False)
    np.testing.assert_allclose(plain, X - X.mean(axis=1, keepdims=True), atol=1e-15)
    noisy = pretrained.preprocess(X, np.random.default_rng(1))
    np.testing.assert_allclose(noisy.sum(axis=1), 0.0, atol=1e-12)
    assert 0 < np.abs(noisy - plain).max() <= 1 / 255          # at most one grey level apart
    with pytest.raises(ValueError, match="X"):
        pretrained.preprocess(np.ones(64), np.random.default_rng(0))
