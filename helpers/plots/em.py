"""Plots for the EM notebooks: responsibilities as colours, one EM state (points, ellipses),
log-likelihood and ELBO curves."""
from __future__ import annotations

import numpy as np
from numpy.typing import ArrayLike, NDArray

from .mixture import component_colors, plot_ellipses

__all__ = ["responsibility_colors", "plot_responsibilities", "plot_em_state", "plot_log_likelihood",
           "plot_jensen"]


def responsibility_colors(resp: ArrayLike, colors: ArrayLike | None = None) -> NDArray[np.float64]:
    """Mix the components' colours by the responsibilities: row i is Σ_k r_ik colour_k, (N, 3).

    A point owned by one component gets that component's colour; a point shared half and half
    gets the mixture of the two colours.
    """
    resp = np.asarray(resp, float)
    colors = component_colors(resp.shape[1]) if colors is None else np.asarray(colors, float)
    return np.clip(resp @ colors[:, :3], 0.0, 1.0)


def plot_responsibilities(ax, X: ArrayLike, resp: ArrayLike, *, s: float = 8, hard: bool = False,
                          title: str | None = None, xlabel: str = "$x_1$", ylabel: str = "$x_2$") -> None:
    """Scatter 2-D points coloured by their responsibilities r_ik (hard=True: by argmax_k r_ik)."""
    X, resp = np.asarray(X, float), np.asarray(resp, float)
    if hard:
        resp = np.eye(resp.shape[1])[resp.argmax(axis=1)]
    ax.scatter(X[:, 0], X[:, 1], s=s, c=responsibility_colors(resp), lw=0)
    ax.set_xlabel(xlabel)
    ax.set_ylabel(ylabel)
    ax.set_aspect("equal", adjustable="datalim")
    if title:
        ax.set_title(title)


def plot_em_state(ax, X: ArrayLike, gmm, resp: ArrayLike | None = None, *, hard: bool = False,
                  title: str | None = None, n_std: float = 2.0, s: float = 8) -> None:
    """One EM state: points coloured by responsibilities (grey if `resp` is None) and the
    components' n_std covariance ellipses and means; `s` is the marker area in pt²."""
    X = np.asarray(X, float)
    if resp is None:
        ax.scatter(X[:, 0], X[:, 1], s=s, color="0.5", lw=0)
        ax.set_xlabel("$x_1$")
        ax.set_ylabel("$x_2$")
        ax.set_aspect("equal", adjustable="datalim")
        if title:
            ax.set_title(title)
    else:
        plot_responsibilities(ax, X, resp, s=s, hard=hard, title=title)
    plot_ellipses(ax, gmm, n_std=n_std)
    lo, hi = X.min(axis=0), X.max(axis=0)
    pad = 0.1 * (hi - lo)
    ax.set_xlim(lo[0] - pad[0], hi[0] + pad[0])
    ax.set_ylim(lo[1] - pad[1], hi[1] + pad[1])
    ax.set_aspect("equal", adjustable="box")


def plot_log_likelihood(ax, log_likelihood: ArrayLike, *, elbo: ArrayLike | None = None,
                        label: str = "mean log-likelihood", marker: str = "o",
                        current: int | None = None, ylabel: str = "nats per point",
                        title: str | None = "EM never decreases the log-likelihood") -> None:
    """The mean log-likelihood per EM iteration (and the ELBO, when given), iteration 0 first.

    log_likelihood : (T + 1,) mean log p(x_i | θ_t), t = 0..T (``History.log_likelihood``).
    elbo : (T,) mean L(r_t, θ_{t+1}) after each M step (``History.elbo``), drawn at t + ½.

    current : highlight that iteration (used by the iteration stepper).
    """
    ll = np.asarray(log_likelihood, float)
    it = np.arange(len(ll))
    ax.plot(it, ll, marker=marker, ms=4, color="k", label=label)
    if elbo is not None:  # elbo[t] = L(r_t, θ_{t+1}) lies between ll[t] and ll[t + 1]
        el = np.asarray(elbo, float)
        ax.plot(np.arange(len(el)) + 0.5, el, marker="s", ms=4, ls="none", color="tab:orange",
                label=r"ELBO $L(r_t,\theta_{t+1})$ / N, after each M step")
    if current is not None:
        ax.axvline(current, color="tab:red", lw=1, alpha=0.7)
        ax.plot(current, ll[current], "o", ms=8, color="tab:red")
    ax.set_xlabel("EM iteration")
    ax.set_ylabel(ylabel)
    if title:
        ax.set_title(title)
    if elbo is not None or label != "mean log-likelihood":
        ax.legend(loc="lower right")


def plot_jensen(ax, c: ArrayLike, w: ArrayLike, *, xlim: tuple[float, float] | None = None,
                title: str | None = "Jensen: the log of an average ≥ the average of the logs") -> None:
    """Jensen's inequality for the concave log with two or more points c_k > 0 and weights w_k.

    Draws log on an interval, the points (c_k, log c_k), the chord (for two points), the average
    Σ_k w_k c_k with log(Σ_k w_k c_k) on the curve and Σ_k w_k log c_k below it, and the gap between.
    """
    c, w = np.asarray(c, float), np.asarray(w, float)
    lo, hi = xlim if xlim is not None else (0.5 * c.min(), 1.15 * c.max())
    x = np.linspace(lo, hi, 300)
    ax.plot(x, np.log(x), "k", lw=2, label="log x")
    if len(c) == 2:
        ax.plot(c, np.log(c), color="tab:blue", lw=1.5, label="chord between the points")
    ax.plot(c, np.log(c), "o", color="tab:blue", ms=7, label=r"$(c_k, \log c_k)$")
    mean = float(w @ c)
    top, bottom = np.log(mean), float(w @ np.log(c))
    ax.plot([mean, mean], [bottom, top], color="tab:red", lw=2.5, label=f"gap = {top - bottom:.3f}")
    ax.plot(mean, top, "s", color="tab:green", ms=8, label=r"$\log(\Sigma_k\, w_k c_k)$")
    ax.plot(mean, bottom, "D", color="tab:orange", ms=8, label=r"$\Sigma_k\, w_k \log c_k$")
    ax.set_xlabel("x")
    ax.set_ylabel("log x")
    if title:
        ax.set_title(title)
    ax.legend(loc="lower right")
