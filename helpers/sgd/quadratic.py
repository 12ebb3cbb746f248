"""Toy problems for the optimisers: quadratic bowls f(θ) = ½ (θ − θ*)ᵀ H (θ − θ*)."""
from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
from numpy.typing import ArrayLike, NDArray

from .._validation import as_float_array, as_mean, cholesky, positive_float, positive_int

__all__ = ["Quadratic", "ill_conditioned_quadratic"]


@dataclass(frozen=True)
class Quadratic:
    """The quadratic bowl f(θ) = ½ (θ − θ*)ᵀ H (θ − θ*) with H symmetric positive definite."""

    H: NDArray[np.float64]
    minimum: NDArray[np.float64] = field(default_factory=lambda: np.zeros(2))

    def __post_init__(self) -> None:
        H = as_float_array(self.H, "H", ndim=2).astype(np.float64)
        cholesky(H, "H")   # square, symmetric, positive definite, or ValueError
        m = as_mean(self.minimum, "minimum", dim=H.shape[0]).astype(np.float64)
        object.__setattr__(self, "H", H)
        object.__setattr__(self, "minimum", m)

    def loss(self, theta: ArrayLike) -> NDArray[np.float64]:
        """f at θ of shape (..., p); returns shape (...)."""
        D = np.asarray(theta, dtype=float) - self.minimum
        return 0.5 * np.einsum("...i,ij,...j->...", D, self.H, D)

    def grad(self, theta: ArrayLike) -> NDArray[np.float64]:
        """∇f = H (θ − θ*), same shape as θ."""
        return (np.asarray(theta, dtype=float) - self.minimum) @ self.H

    @property
    def eigenvalues(self) -> NDArray[np.float64]:
        return np.linalg.eigvalsh(self.H)

    @property
    def condition(self) -> float:
        ev = self.eigenvalues
        return float(ev[-1] / ev[0])

def ill_conditioned_quadratic(condition: float = 100.0, angle_deg: float = 30.0,
                              dim: int = 2) -> Quadratic:
    """A quadratic with largest curvature 1 and smallest 1/`condition`, minimum at 0.

    For ``dim=2`` the valley is rotated by `angle_deg`; plain GD is stable for η < 2 and
    needs about `condition` steps per e-fold along the flat direction.
    """
    condition = positive_float(condition, "condition")
    if condition < 1:
        raise ValueError(f"condition: expected a condition number >= 1, got {condition}")
    dim = positive_int(dim, "dim", minimum=2)
    ev = np.geomspace(1.0, 1.0 / condition, dim)
    a = np.deg2rad(angle_deg)
    R = np.eye(dim)
    R[:2, :2] = [[np.cos(a), -np.sin(a)], [np.sin(a), np.cos(a)]]
    return Quadratic(H=(R * ev) @ R.T, minimum=np.zeros(dim))
