"""The pretrained 8×8 patch GMMs shipped in ``data/models/`` and the data they are scored on.

    from helpers import pretrained
    gmm = pretrained.load(200)                 # GMM with K = 200 components, dim 64
    info = pretrained.provenance(200)          # dict: seed, patches, iterations, log-likelihoods, ...
    X = pretrained.heldout_patches()           # the fixed held-out sample every model is scored on

Patches are 8×8, flattened row by row to 64 values, with their mean (the DC component)
removed.  Pixels are stored as integers 0..255; before the DC is removed every pixel gets
uniform noise of one grey level's width ("dequantisation", values stay on the [0, 1] scale),
so a model is a density of continuous values and cannot buy likelihood with infinitely
narrow spikes on exactly flat patches (saturated sky, black background).

The models are produced by ``scripts/train_patch_gmm.py``; its JSON next to each ``.npz``
records how (seed, number of patches, iterations, log-likelihoods, wall time, versions).
"""
from __future__ import annotations

import json
from pathlib import Path
from typing import Sequence

import numpy as np
from numpy.typing import ArrayLike, NDArray

from . import _data, images
from ._validation import as_data, as_rng, positive_int
from .mixture import GMM

__all__ = ["MODELS_DIR", "PATCH_SIZE", "HELDOUT_SEED", "HELDOUT_SIZE", "model_path", "load",
           "provenance", "patches_from", "preprocess", "patch_data", "heldout_patches", "mean_log_likelihood"]

MODELS_DIR = _data.root() / "models"   # the repository's data/models, or the installed copy (helpers/_data.py)
PATCH_SIZE = 8
HELDOUT_SEED = 2011   # the year of Zoran & Weiss's EPLL paper; fixed for every model
HELDOUT_SIZE = 20_000


def model_path(n_components: int, suffix: str = ".npz") -> Path:
    """Path of the shipped 8×8 model with `n_components` components (``.npz`` or ``.json``)."""
    k = positive_int(n_components, "n_components")
    return MODELS_DIR / f"gmm_8x8_k{k}{suffix}"


def load(n_components: int = 200) -> GMM:
    """The shipped GMM over DC-removed 8×8 patches with `n_components` components (1, 20 or 200)."""
    path = model_path(n_components)
    if not path.exists():
        shipped = sorted(p.stem for p in _data.path("models", kind="folder").glob("gmm_8x8_k*.npz"))
        if not shipped:
            raise _data.MissingDataError(f"bundled models are missing: no gmm_8x8_k*.npz in {MODELS_DIR}")
        raise ValueError(f"n_components: no shipped model {path.name}; available: {shipped}")
    return GMM.load(path)


def provenance(n_components: int = 200) -> dict:
    """The provenance record (JSON) written next to the model by the training script."""
    path = model_path(n_components, ".json")
    return json.loads(_data.path("models", path.name).read_text(encoding="utf-8"))


def patches_from(images_: ArrayLike | Sequence[ArrayLike], n: int, rng: np.random.Generator, *,
                 size: int = PATCH_SIZE, dequantise: bool = True) -> NDArray[np.float64]:
    """`n` random DC-removed `size`×`size` patches of `images_` (one (H, W) image or a list).

    With `dequantise`, each pixel gets uniform noise in [-½, ½) grey levels (of 1/255) before
    the patch mean is removed.  Returns an (n, size*size) float64 array; every row sums to 0.
    """
    n = positive_int(n, "n")
    rng = as_rng(rng)
    X = images.sample_patches(images_, size, n, rng, remove_dc=False)
    return preprocess(X, rng, dequantise=dequantise)


def preprocess(X: ArrayLike, rng: np.random.Generator, *, dequantise: bool = True) -> NDArray[np.float64]:
    """The models' view of raw patches `X` (N, d) with pixels in [0, 1]: with `dequantise`, uniform
    noise in [-½, ½) grey levels (of 1/255) added to every pixel, then each row's mean removed.
    Returns (N, d) float64."""
    X = np.asarray(as_data(X, "X"), dtype=np.float64)
    if dequantise:
        X = X + as_rng(rng).uniform(-0.5, 0.5, size=X.shape) / 255.0
    return X - X.mean(axis=1, keepdims=True)


def patch_data(split: str, n: int, rng: np.random.Generator, *, size: int = PATCH_SIZE,
               dequantise: bool = True) -> NDArray[np.float64]:
    """`n` random DC-removed patches from the bundled images of `split` ('train' or 'test');
    see :func:`patches_from`.  Returns (n, size*size)."""
    return patches_from(images.load_split(split), n, rng, size=size, dequantise=dequantise)


def heldout_patches(n: int = HELDOUT_SIZE, seed: int = HELDOUT_SEED) -> NDArray[np.float64]:
    """The fixed held-out sample: `n` dequantised, DC-removed 8×8 patches of ``data/images/test/``.

    Same `n` and `seed` give the same patches, so numbers of different models are comparable.
    """
    return patch_data("test", n, np.random.default_rng(seed))


def mean_log_likelihood(gmm: GMM, X: NDArray, chunk_size: int = 10_000) -> float:
    """Mean log-density per patch, (1/N) Σ_i log p(x_i), in nats; `X` is (N, d)."""
    X = as_data(X, "X", dim=gmm.dim)
    total = 0.0
    for start in range(0, X.shape[0], chunk_size):
        total += float(np.sum(gmm.log_pdf(X[start:start + chunk_size]), dtype=np.float64))
    return total / X.shape[0]
