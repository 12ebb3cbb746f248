"""Learning by (stochastic) gradient descent with momentum, with analytic gradients.

Optimisers work on a *parameter dict* ``{name: array}``.  A loss function returns the mean
loss over a batch and a dict of gradients with the same keys, and an optimiser turns the
gradients into new parameters::

    loss, grads = loss_and_grad(params, X_batch)
    params = optimizer.step(params, grads)

* :class:`GradientDescent`:  θ ← θ − η g
* :class:`Momentum` (heavy ball):  v ← β v + g,  then θ ← θ − η v   (0 ≤ β < 1)

Batch gradient descent and minibatch SGD use the same optimisers; they differ only in the
data each gradient sees (:func:`minibatches`, :func:`run_sgd` with ``batch_size=N`` for GD).

Models, both fitted by minimising the mean negative log-likelihood (NLL) J(θ):

* a Gaussian with Σ = A Aᵀ + εI (positive definite for every A);
* a GMM with π = softmax(w) and Σ_k = A_k A_kᵀ + εI.

Gradients (derived in notebook 05; D = x − μ, y = Σ⁻¹ D, S_y = mean of y yᵀ)::

    ∂J/∂μ = −mean_i y_i          ∂J/∂A = (Σ⁻¹ − S_y) A
    GMM: r_ik weights each point's share, ∂J/∂w_k = π_k − mean_i r_ik

Everything goes through Cholesky factors and ``logsumexp``; no loops over points, and the
GMM is vectorised over components.  :func:`grad_check` compares any analytic gradient with
central finite differences.

Modules, one job each (every public name is re-exported here, ``from helpers import sgd`` is
all a notebook needs): :mod:`~helpers.sgd.optimizers` (the update rules),
:mod:`~helpers.sgd.training` (epochs, minibatches, schedules, full-batch paths),
:mod:`~helpers.sgd.quadratic` (toy bowls), :mod:`~helpers.sgd.gaussian_loss` and
:mod:`~helpers.sgd.gmm_loss` (losses with analytic gradients and the SGD fits),
:mod:`~helpers.sgd.gradcheck` (finite differences).
"""
from ._common import (DEFAULT_BATCH_GAUSSIAN, DEFAULT_BATCH_GMM, DEFAULT_BETA,  # noqa: F401
                      DEFAULT_EPS, DEFAULT_LR, LossAndGrad, Params)
from .gaussian_loss import fit_gaussian_sgd, gaussian_nll, gaussian_nll_and_grad
from .gmm_loss import fit_gmm_sgd, gmm_nll, gmm_nll_and_grad, params_from_gmm, params_to_gmm, softmax
from .gradcheck import grad_check, numerical_gradient
from .optimizers import GradientDescent, Momentum, Nesterov, gd_update, momentum_update, nesterov_update
from .quadratic import Quadratic, ill_conditioned_quadratic
from .training import cosine_schedule, descend, minibatches, run_sgd, steps_to_converge

__all__ = [
    "Params", "GradientDescent", "Momentum", "Nesterov", "gd_update", "momentum_update",
    "nesterov_update", "minibatches",
    "run_sgd", "cosine_schedule", "steps_to_converge", "descend", "Quadratic",
    "ill_conditioned_quadratic", "softmax",
    "gaussian_nll", "gaussian_nll_and_grad", "fit_gaussian_sgd",
    "gmm_nll", "gmm_nll_and_grad", "params_to_gmm", "params_from_gmm", "fit_gmm_sgd",
    "numerical_gradient", "grad_check",
]
