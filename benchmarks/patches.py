"""Speed of helpers.patches.extract / assemble on the EPLL hot path (8×8 patches of a 256×256 image).

    python benchmarks/patches.py

Compares, in one run, the vectorised helpers with a straightforward per-patch Python loop
(the obvious implementation) and prints the best-of-5 times and their ratios.
"""
from __future__ import annotations

import timeit

import numpy as np

from helpers import patches


def extract_loop(image: np.ndarray, size: int, stride: int) -> np.ndarray:
    rows, cols = patches.positions(image.shape, size, stride)
    return np.array([image[r:r + size, c:c + size].ravel() for r in rows for c in cols])


def assemble_loop(P: np.ndarray, shape: tuple[int, int], size: int, stride: int) -> np.ndarray:
    rows, cols = patches.positions(shape, size, stride)
    out, cover = np.zeros(shape, P.dtype), np.zeros(shape)
    k = 0
    for r in rows:
        for c in cols:
            out[r:r + size, c:c + size] += P[k].reshape(size, size)
            cover[r:r + size, c:c + size] += 1
            k += 1
    return out / cover


def best(fn, repeat: int = 5) -> float:
    number = max(1, int(0.2 / max(timeit.timeit(fn, number=1), 1e-6)))
    return min(timeit.repeat(fn, number=number, repeat=repeat)) / number


def main() -> None:
    rng = np.random.default_rng(0)
    print(f"{'case':<40}{'helpers':>12}{'loop':>12}{'speed-up':>10}")
    for dtype in (np.float64, np.float32):
        image = rng.random((256, 256)).astype(dtype)
        for stride in (1, 4):
            P = patches.extract(image, 8, stride)
            assert np.allclose(P, extract_loop(image, 8, stride))
            assert np.allclose(patches.assemble(P, image.shape, 8, stride), assemble_loop(P, image.shape, 8, stride),
                               atol=1e-5)
            name = f"{np.dtype(dtype).name}, stride {stride}, n = {len(P)}"
            for op, ours, loop in [
                ("extract", lambda: patches.extract(image, 8, stride), lambda: extract_loop(image, 8, stride)),
                ("assemble", lambda: patches.assemble(P, image.shape, 8, stride),
                 lambda: assemble_loop(P, image.shape, 8, stride)),
            ]:
                t_ours, t_loop = best(ours), best(loop, repeat=2)
                print(f"{op + ' ' + name:<40}{t_ours * 1e3:>9.2f} ms{t_loop * 1e3:>9.1f} ms{t_loop / t_ours:>9.0f}×")


if __name__ == "__main__":
    main()
