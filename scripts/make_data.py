"""Regenerate data/images/ from the photographs bundled with scikit-image and matplotlib.

Run once by the maintainers (``python scripts/make_data.py``); the PNGs it writes are
committed, so nothing is fetched when students or CI run the notebooks.  Every source
image is CC0 or public domain; see data/README.md for each file's source and licence.

Training images are converted to grayscale and shrunk so that no side exceeds 512 px.
Test images (used only for denoising) are 256 x 256 crops, the size the denoising
speed targets are stated for.
"""
from __future__ import annotations

from pathlib import Path

import numpy as np
from PIL import Image

ROOT = Path(__file__).resolve().parents[1] / "data" / "images"
TRAIN = ["astronaut", "chelsea", "coffee", "rocket", "hubble_deep_field", "grass", "gravel", "brick"]
TEST = ["camera", "moon"]


def _gray(rgb_or_gray: np.ndarray) -> Image.Image:
    img = Image.fromarray(rgb_or_gray)
    return img.convert("L")


def _shrink(img: Image.Image, max_side: int) -> Image.Image:
    scale = max_side / max(img.size)
    if scale >= 1:
        return img
    size = (round(img.size[0] * scale), round(img.size[1] * scale))
    return img.resize(size, Image.Resampling.LANCZOS)


def _square(img: Image.Image, side: int) -> Image.Image:
    """Shrink the shorter side to `side`, then take the central side x side crop."""
    w, h = img.size
    scale = side / min(w, h)
    img = img.resize((round(w * scale), round(h * scale)), Image.Resampling.LANCZOS)
    w, h = img.size
    left, top = (w - side) // 2, (h - side) // 2
    return img.crop((left, top, left + side, top + side))


def main() -> None:
    import matplotlib.cbook
    import skimage.data

    (ROOT / "train").mkdir(parents=True, exist_ok=True)
    (ROOT / "test").mkdir(parents=True, exist_ok=True)
    for name in TRAIN:
        img = _shrink(_gray(getattr(skimage.data, name)()), 512)
        img.save(ROOT / "train" / f"{name}.png", optimize=True)
    for name in TEST:
        _square(_gray(getattr(skimage.data, name)()), 256).save(ROOT / "test" / f"{name}.png", optimize=True)
    path = matplotlib.cbook.get_sample_data("grace_hopper.jpg", asfileobj=False)
    hopper = Image.open(path).convert("L")
    _square(hopper, 256).save(ROOT / "test" / "grace_hopper.png", optimize=True)
    for p in sorted(ROOT.rglob("*.png")):
        print(f"{p.relative_to(ROOT.parent.parent)}: {Image.open(p).size}")


if __name__ == "__main__":
    main()
