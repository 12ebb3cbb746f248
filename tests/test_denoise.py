"""helpers.denoise against independent oracles: scikit-image's PSNR, finite differences,
the closed-form Wiener/patch-average solution, a transliteration of the paper's MATLAB code,
and the noisy input's PSNR."""
from __future__ import annotations

import numpy as np
import pytest
from skimage.metrics import peak_signal_noise_ratio

from helpers import denoise, images, patches, pretrained
from helpers.mixture import GMM


def random_gmm(rng: np.random.Generator, K: int, size: int, scale: float = 0.05) -> GMM:
    """A GMM over DC-removed size×size patches: covariances live on the DC-free subspace."""
    d = size * size
    proj = np.eye(d) - 1.0 / d
    A = rng.standard_normal((K, d, d)) * scale / np.sqrt(d)
    covs = proj @ (A @ A.transpose(0, 2, 1) + 0.1 * scale**2 * np.eye(d)) @ proj + 1e-6 * np.eye(d)
    means = (rng.standard_normal((K, d)) * scale) @ proj
    return GMM(rng.dirichlet(np.full(K, 2.0)), means, covs)


@pytest.fixture(scope="module")
def camera_crop() -> np.ndarray:
    return images.load("camera")[64:128, 96:160]


# ---------------------------------------------------------------- PSNR and noise

@pytest.mark.parametrize("seed", range(3))
def test_psnr_matches_scikit_image(seed):
    rng = np.random.default_rng(seed)
    clean = rng.uniform(size=(20, 30))
    est = clean + rng.normal(scale=0.05 * (seed + 1), size=clean.shape)
    assert denoise.psnr(clean, est) == pytest.approx(
        peak_signal_noise_ratio(clean, est, data_range=1.0), rel=1e-12)


def test_psnr_of_identical_images_is_infinite():
    assert denoise.psnr(np.ones((3, 3)), np.ones((3, 3))) == float("inf")


def test_add_noise_has_the_requested_std_and_is_seeded():
    img = np.full((200, 200), 0.5)
    a = denoise.add_noise(img, 0.1, np.random.default_rng(1))
    assert np.std(a - img) == pytest.approx(0.1, rel=0.02)
    np.testing.assert_array_equal(a, denoise.add_noise(img, 0.1, np.random.default_rng(1)))


# ---------------------------------------------------------------- gradients

def test_patch_gradient_matches_finite_differences_and_the_mixture_density():
    rng = np.random.default_rng(0)
    A = rng.standard_normal((4, 9, 9)) / 3
    gmm = GMM(rng.dirichlet(np.ones(4)), rng.standard_normal((4, 9)), A @ A.transpose(0, 2, 1) + 0.1 * np.eye(9))
    Z = rng.standard_normal((6, 9))
    logp, grad = denoise.patch_log_density_grad(Z, gmm)
    np.testing.assert_allclose(logp, gmm.log_pdf(Z), rtol=1e-10)
    eps = 1e-6
    E = np.eye(9) * eps
    fd = np.stack([(gmm.log_pdf(Z + e) - gmm.log_pdf(Z - e)) / (2 * eps) for e in E], axis=1)
    np.testing.assert_allclose(grad, fd, rtol=1e-5, atol=1e-6)


def test_image_energy_gradient_matches_finite_differences():
    """The scattered patch gradients (with DC removal) are the gradient of E(x)."""
    rng = np.random.default_rng(1)
    gmm = random_gmm(rng, 3, 3, scale=0.2)
    y = rng.uniform(size=(7, 6))
    x = y + 0.05 * rng.standard_normal(y.shape)
    sigma = 0.1
    energy, grad = denoise.epll_energy(x, y, gmm, sigma, lam=0.3, floor=0.01, patch_size=3)
    eps = 1e-6
    fd = np.zeros_like(x)
    for idx in np.ndindex(*x.shape):
        dx = np.zeros_like(x)
        dx[idx] = eps
        fd[idx] = (denoise.epll_energy(x + dx, y, gmm, sigma, lam=0.3, floor=0.01, patch_size=3)[0]
                   - denoise.epll_energy(x - dx, y, gmm, sigma, lam=0.3, floor=0.01, patch_size=3)[0]) / (2 * eps)
    np.testing.assert_allclose(grad, fd, rtol=1e-5, atol=1e-4)


def test_gradient_descent_lowers_the_energy(camera_crop):
    rng = np.random.default_rng(2)
    gmm = pretrained.load(20)
    sigma = 25 / 255
    y = denoise.add_noise(camera_crop[:32, :32], sigma, rng)
    energies = []
    denoise.epll_gradient_descent(y, gmm, sigma, n_iter=8, momentum=0.0, clip=False,
                                  callback=lambda t, x: energies.append(denoise.epll_energy(x, y, gmm, sigma)[0]))
    assert len(energies) == 8
    assert np.all(np.diff(energies) < 0), "plain gradient descent with step 1/L must decrease E(x)"


# ---------------------------------------------------------------- HQS against closed forms

def _wiener_average(x: np.ndarray, mean: np.ndarray, cov: np.ndarray, noise_var: float) -> np.ndarray:
    """Independent oracle: Wiener-filter every DC-removed patch, restore DC, average overlaps."""
    P = patches.extract(x, 3)
    dc = P.mean(axis=1, keepdims=True)
    d = cov.shape[0]
    est = mean + (cov @ np.linalg.solve(cov + noise_var * np.eye(d), (P - dc - mean).T)).T + dc
    return patches.assemble(est, x.shape, 3)


def test_single_component_epll_is_the_iterated_wiener_patch_average():
    rng = np.random.default_rng(3)
    gmm = random_gmm(rng, 1, 3)
    sigma = 0.08
    y = rng.uniform(size=(11, 9))
    betas = np.array([1.0, 4.0, 16.0]) / sigma**2
    x = y.copy()
    for beta in betas:
        avg = _wiener_average(x, gmm.means[0], gmm.covs[0].astype(float), 1 / beta)
        x = (y + beta * sigma**2 * avg) / (1 + beta * sigma**2)
    got = denoise.epll(y, gmm, sigma, betas=betas, patch_size=3, clip=False)
    np.testing.assert_allclose(got, x, atol=1e-10)


def test_wiener_single_gaussian_is_one_patch_average():
    rng = np.random.default_rng(4)
    gmm = random_gmm(rng, 1, 3)
    y = rng.uniform(size=(10, 12))
    got = denoise.wiener_single_gaussian(y, gmm.means[0], gmm.covs[0], 0.1, patch_size=3, clip=False)
    np.testing.assert_allclose(got, _wiener_average(y, gmm.means[0], gmm.covs[0], 0.01), atol=1e-10)


def test_component_choice_includes_the_log_determinant():
    """Two zero-mean components, one broad and one narrow: the narrow one must win for small
    patches only because of its smaller log-determinant."""
    d = 4
    broad, narrow = np.eye(d) * 1.0, np.eye(d) * 0.01
    gmm = GMM(np.array([0.5, 0.5]), np.zeros((2, d)), np.stack([broad, narrow]))
    spectra = denoise._Spectra.of(gmm, 2)
    Z = np.array([[0.01, -0.01, 0.02, -0.02], [1.0, -1.0, 0.5, -0.5]])
    labels = denoise._assign(Z, spectra.score_table(1e-4))
    np.testing.assert_array_equal(labels, [1, 0])


def test_fast_mode_covers_every_pixel_and_is_seeded(camera_crop):
    gmm = pretrained.load(20)
    sigma = 25 / 255
    y = denoise.add_noise(camera_crop, sigma, np.random.default_rng(5))
    a = denoise.epll(y, gmm, sigma, mode="fast", rng=np.random.default_rng(0))
    b = denoise.epll(y, gmm, sigma, mode="fast", rng=np.random.default_rng(0))
    np.testing.assert_array_equal(a, b)
    assert np.all(np.isfinite(a))
    assert denoise.psnr(camera_crop, a) > denoise.psnr(camera_crop, y) + 3


def test_epll_never_lowers_psnr_below_the_noisy_input():
    gmm = pretrained.load(20)
    sigma = 25 / 255
    clean = images.load("camera")                       # a full 256×256 test image
    y = denoise.add_noise(clean, sigma, np.random.default_rng(25))
    rounds = []
    out = denoise.epll(y, gmm, sigma, callback=lambda t, x: rounds.append(denoise.psnr(clean, np.clip(x, 0, 1))))
    assert len(rounds) == 5
    assert min(rounds) > denoise.psnr(clean, y)
    assert denoise.psnr(clean, out) > denoise.psnr(clean, y) + 6


def test_callback_sees_every_round():
    rng = np.random.default_rng(6)
    gmm = random_gmm(rng, 2, 3)
    seen = []
    denoise.epll(rng.uniform(size=(8, 8)), gmm, 0.1, iters_per_beta=2, patch_size=3,
                 callback=lambda t, x: seen.append((t, x.shape)))
    assert seen == [(t, (8, 8)) for t in range(1, 11)]


# ---------------------------------------------------------------- bad input

@pytest.fixture(scope="module")
def small_gmm() -> GMM:
    return random_gmm(np.random.default_rng(7), 2, 8)


@pytest.mark.parametrize("kwargs, name", [
    (dict(sigma=0.0), "sigma"),
    (dict(sigma=-0.1), "sigma"),
    (dict(sigma=25), "sigma"),
    (dict(sigma=float("nan")), "sigma"),
    (dict(noisy=np.zeros((16, 16), dtype=np.uint8)), "noisy"),
    (dict(noisy=np.zeros((16, 16, 3))), "noisy"),
    (dict(noisy=np.zeros((5, 16))), "noisy"),
    (dict(noisy=np.full((16, 16), np.nan)), "noisy"),
    (dict(gmm=random_gmm(np.random.default_rng(0), 2, 3)), "gmm"),
    (dict(gmm="not a model"), "gmm"),
    (dict(betas=[1.0, -2.0]), "betas"),
    (dict(mode="quick"), "mode"),
    (dict(mode="fast", stride=9), "stride"),
    (dict(iters_per_beta=0), "iters_per_beta"),
])
def test_epll_rejects_bad_input_naming_the_argument(small_gmm, kwargs, name):
    args = dict(noisy=np.zeros((16, 16)), gmm=small_gmm, sigma=0.1)
    args.update(kwargs)
    with pytest.raises(ValueError, match=f"^{name}"):
        denoise.epll(args.pop("noisy"), args.pop("gmm"), args.pop("sigma"), **args)


def test_other_functions_reject_bad_input(small_gmm):
    with pytest.raises(ValueError, match="^estimate"):
        denoise.psnr(np.zeros((3, 3)), np.zeros((3, 4)))
    with pytest.raises(ValueError, match="^sigma"):
        denoise.add_noise(np.zeros((3, 3)), 0, np.random.default_rng(0))
    with pytest.raises(ValueError, match="^rng"):
        denoise.add_noise(np.zeros((3, 3)), 0.1, 0)
    with pytest.raises(ValueError, match="^n_iter"):
        denoise.epll_gradient_descent(np.zeros((16, 16)), small_gmm, 0.1, n_iter=0)
    with pytest.raises(ValueError, match="^gmm"):
        denoise.epll_gradient_descent(np.zeros((16, 16)), random_gmm(np.random.default_rng(0), 1, 4), 0.1)
    with pytest.raises(ValueError, match="^momentum"):
        denoise.epll_gradient_descent(np.zeros((16, 16)), small_gmm, 0.1, momentum=1.0)


# ------------------------------------------------- HQS against a transliteration of the paper's code

def _zoran_weiss_epll(y: np.ndarray, gmm: GMM, sigma: float, betas: np.ndarray, size: int) -> np.ndarray:
    """Independent oracle, written from Zoran & Weiss's MATLAB (EPLLhalfQuadraticSplit.m and
    aprxMAPGMM.m) in float64, one component at a time with scipy's multivariate_normal.logpdf,
    the exact per-pixel counts of the issue instead of the MATLAB's constant patchSize²."""
    from scipy.stats import multivariate_normal
    H, W = y.shape
    d = size * size
    rows = [(r, c) for r in range(H - size + 1) for c in range(W - size + 1)]
    counts = np.zeros((H, W))
    for r, c in rows:
        counts[r:r + size, c:c + size] += 1
    x = y.copy()
    for beta in betas:
        Z = np.array([x[r:r + size, c:c + size].ravel() for r, c in rows])   # im2col
        dc = Z.mean(axis=1, keepdims=True)
        Z = Z - dc
        noise = np.eye(d) / beta
        log_p = np.stack([np.log(w) + multivariate_normal(m, S + noise).logpdf(Z)
                          for w, m, S in zip(gmm.weights, gmm.means.astype(float), gmm.covs.astype(float))])
        ks = log_p.argmax(axis=0)
        X = np.empty_like(Z)
        for k in np.unique(ks):
            S, m = gmm.covs[k].astype(float), gmm.means[k].astype(float)
            sel = ks == k
            X[sel] = np.linalg.solve(S + noise, S @ Z[sel].T + (noise @ m)[:, None]).T
        X += dc
        avg = np.zeros((H, W))
        for (r, c), patch in zip(rows, X):                                  # scol2im, 'average'
            avg[r:r + size, c:c + size] += patch.reshape(size, size)
        avg /= counts
        x = (y + beta * sigma**2 * avg) / (1 + beta * sigma**2)
    return np.clip(x, 0, 1)


def test_epll_matches_the_papers_algorithm_with_the_shipped_k200_model():
    gmm = pretrained.load(200)
    clean = images.load("camera")[100:132, 120:152]       # 32 × 32: edges and flat sky
    sigma = 25 / 255
    y = denoise.add_noise(clean, sigma, np.random.default_rng(11))
    betas = denoise.default_betas(sigma)
    want = _zoran_weiss_epll(y, gmm, sigma, betas, 8)
    got = denoise.epll(y, gmm, sigma)
    # On this crop the two agree to 3e-14.  float32 scoring could pick another component in a near-tie
    # (within ~0.01 nats) on another BLAS, which would move a few pixels: allow that, nothing more.
    close = np.abs(got - want) < 1e-9
    assert close.mean() > 0.99, f"only {close.mean():.1%} of pixels agree"
    assert abs(denoise.psnr(clean, got) - denoise.psnr(clean, want)) < 0.01


# ---------------------------------------------------------------- the common scoring path (13.2)

def test_score_table_equals_the_mixtures_component_scores():
    """_Spectra.score_table is a specialisation of GMM.log_pdf_components (helpers.mixture):
    the same log π_k + log N(z; μ_k, Σ_k + sI), as a linear map of the patch products."""
    rng = np.random.default_rng(3)
    gmm = random_gmm(rng, 5, 4)
    Z = rng.standard_normal((50, 16)) * 0.05
    for s in (0.0, 1e-3):
        want = GMM(gmm.weights, gmm.means, gmm.covs + s * np.eye(16)).log_pdf_components(Z)
        got = denoise._scores(Z, denoise._Spectra.of(gmm, 4).score_table(s, dtype=np.float64))
        np.testing.assert_allclose(got, want, rtol=1e-9, atol=1e-9)


# ---------------------------------------------------------------- adapting the prior (MAP-EM)

def _plain_map_em_step(X: np.ndarray, gmm: GMM, tau: float):
    """Oracle: one ordinary MAP-EM step on clean points X (N, d), float64, component by component
    with scipy's logpdf, in the second-moment form of Reynolds, Quatieri & Dunn (2000)."""
    from scipy.stats import multivariate_normal
    from scipy.special import logsumexp
    logp = np.stack([np.log(w) + multivariate_normal(m, S).logpdf(X)
                     for w, m, S in zip(gmm.weights, gmm.means, gmm.covs)], axis=1)
    R = np.exp(logp - logsumexp(logp, axis=1, keepdims=True))
    w, mu, cov = [], [], []
    for k in range(len(gmm.weights)):
        n = R[:, k].sum()
        Ex = (R[:, k] @ X) / n
        Exx = (X.T * R[:, k]) @ X / n
        a = n / (n + tau)
        m = a * Ex + (1 - a) * gmm.means[k]
        second = a * Exx + (1 - a) * (gmm.covs[k] + np.outer(gmm.means[k], gmm.means[k]))
        w.append(a * n / len(X) + (1 - a) * gmm.weights[k])
        mu.append(m)
        cov.append(second - np.outer(m, m))
    w = np.array(w)
    return w / w.sum(), np.array(mu), np.array(cov)


def _dc_free_patches(img: np.ndarray, size: int) -> np.ndarray:
    P = np.array([img[r:r + size, c:c + size].ravel()
                  for r in range(img.shape[0] - size + 1) for c in range(img.shape[1] - size + 1)])
    return P - P.mean(axis=1, keepdims=True)


@pytest.mark.parametrize("tau", [0.0, 5.0, 200.0])
def test_adaptation_without_noise_is_an_ordinary_map_em_step(tau):
    rng = np.random.default_rng(4)
    gmm = random_gmm(rng, 3, 4)
    clean = images.load("camera")[40:64, 100:124]
    want = _plain_map_em_step(_dc_free_patches(clean, 4), gmm, tau)
    got = denoise.adapt_prior(gmm, clean, 1e-7, tau=tau, n_iter=1, stride=1, patch_size=4, dtype=np.float64)
    for g, w, name in zip((got.weights, got.means, got.covs), want, ("weights", "means", "covs")):
        np.testing.assert_allclose(g, w, rtol=1e-6, atol=1e-9, err_msg=name)
    fast = denoise.adapt_prior(gmm, clean, 1e-7, tau=tau, n_iter=1, stride=1, patch_size=4)   # float32
    np.testing.assert_allclose(fast.covs, want[2], rtol=1e-3, atol=1e-6)


def test_infinite_relevance_returns_the_prior():
    gmm = random_gmm(np.random.default_rng(5), 3, 4)
    noisy = denoise.add_noise(images.load("camera")[:24, :24], 0.1, np.random.default_rng(0))
    assert denoise.adapt_prior(gmm, noisy, 0.1, tau=np.inf, patch_size=4) is gmm
    near = denoise.adapt_prior(gmm, noisy, 0.1, tau=1e12, patch_size=4, dtype=np.float64)
    for a, b in ((near.weights, gmm.weights), (near.means, gmm.means), (near.covs, gmm.covs)):
        np.testing.assert_allclose(a, b, rtol=1e-7, atol=1e-12)


def test_noise_aware_em_recovers_the_clean_covariance():
    """K = 1, τ = 0: the fixed point of the noise-aware EM is the ML estimate under
    y ~ N(μ, Σ + σ²I), i.e. Σ = cov(y) - σ²I, not cov(y), which plain EM would return."""
    rng = np.random.default_rng(6)
    d, s2 = 16, 0.04
    A = rng.standard_normal((d, d)) / 4
    truth = A @ A.T + 0.1 * np.eye(d)
    Y = rng.multivariate_normal(np.zeros(d), truth + s2 * np.eye(d), size=4000)
    start = GMM(np.ones(1), np.zeros((1, d)), np.eye(d)[None])
    w, mu, cov = denoise._adapt(start, Y, s2, 0.0, 300, 4, dtype=np.float64)
    mle = np.cov(Y.T, bias=True) - s2 * np.eye(d)
    np.testing.assert_allclose(mu[0], Y.mean(axis=0), atol=1e-6)
    np.testing.assert_allclose(cov[0], mle, atol=2e-4)


def test_adapted_covariances_stay_positive_definite_at_sigma_50():
    gmm = pretrained.load(200)
    sigma = 50 / 255
    noisy = denoise.add_noise(images.load("camera")[:64, :64], sigma, np.random.default_rng(2))
    trace: list[float] = []
    for tau in (0.0, 16.0):
        out = denoise.adapt_prior(gmm, noisy, sigma, tau=tau, n_iter=2, trace=trace)
        assert np.linalg.eigvalsh(out.covs.astype(float)).min() > 0
        assert np.isclose(out.weights.sum(), 1) and np.all(np.isfinite(out.means))
    assert trace[1] >= trace[0] - 1e-6                    # τ = 0: EM does not lower the likelihood


def test_epll_adapt_keyword_adapts_then_runs_the_same_schedule(small_gmm, camera_crop):
    sigma = 0.1
    y = denoise.add_noise(camera_crop, sigma, np.random.default_rng(3))
    for mode, stride in (("exact", denoise.ADAPT_STRIDE), ("fast", max(denoise.FAST_STRIDE, denoise.ADAPT_STRIDE))):
        adapted = denoise.adapt_prior(small_gmm, y, sigma, stride=stride)
        np.testing.assert_array_equal(denoise.epll(y, small_gmm, sigma, mode=mode, adapt=True, readapt=False),
                                      denoise.epll(y, adapted, sigma, mode=mode))
        # re-adaptation: a fast pass with the adapted prior, then MAP-EM from it on that estimate's patches
        rng = np.random.default_rng(0)
        first = denoise.epll(y, adapted, sigma, mode="fast", rng=rng)
        again = denoise.adapt_prior(small_gmm, first, sigma * np.sqrt(denoise.READAPT_NOISE), start=adapted,
                                    n_iter=denoise.READAPT_ITERS, stride=stride)
        np.testing.assert_array_equal(denoise.epll(y, small_gmm, sigma, mode=mode, adapt=True),
                                      denoise.epll(y, again, sigma, mode=mode, rng=rng))
    np.testing.assert_array_equal(denoise.epll(y, small_gmm, sigma, adapt=False), denoise.epll(y, small_gmm, sigma))
    np.testing.assert_array_equal(denoise.epll(y, small_gmm, sigma, readapt=False), denoise.epll(y, small_gmm, sigma))


def test_adapt_prior_start_begins_em_there_and_pulls_toward_gmm():
    """`start`: the E step and the posterior moments come from `start`, the MAP anchor stays `gmm`."""
    rng = np.random.default_rng(7)
    gmm, other = random_gmm(rng, 3, 4), random_gmm(rng, 3, 4)
    noisy = denoise.add_noise(images.load("camera")[40:72, 100:132], 0.05, np.random.default_rng(1))
    kw = dict(tau=5.0, n_iter=1, stride=1, patch_size=4, dtype=np.float64)
    same = denoise.adapt_prior(gmm, noisy, 0.05, start=gmm, **kw)
    plain = denoise.adapt_prior(gmm, noisy, 0.05, **kw)
    np.testing.assert_array_equal(same.covs, plain.covs)
    got = denoise.adapt_prior(gmm, noisy, 0.05, start=other, **kw)
    Y = _dc_free_patches(noisy, 4)
    want = denoise._map_step(other, denoise._model(gmm, 4), Y, 0.05**2, 5.0, np.float64)
    for g, w in zip((got.weights, got.means, got.covs), want[:3]):
        np.testing.assert_allclose(g, w, rtol=1e-10, atol=1e-13)
    assert not np.allclose(got.covs, plain.covs)


@pytest.mark.parametrize("kwargs, name", [
    (dict(sigma=0.0), "sigma"),
    (dict(sigma=25), "sigma"),
    (dict(noisy=np.zeros((16, 16), dtype=np.uint8)), "noisy"),
    (dict(noisy=np.zeros((5, 16))), "noisy"),
    (dict(gmm=random_gmm(np.random.default_rng(0), 2, 3)), "gmm"),
    (dict(gmm="not a model"), "gmm"),
    (dict(patch_size=0), "patch_size"),
    (dict(patch_size=3), "gmm"),
    (dict(tau=-1.0), "tau"),
    (dict(tau=float("nan")), "tau"),
    (dict(n_iter=0), "n_iter"),
    (dict(stride=9), "stride"),
    (dict(dtype=np.int32), "dtype"),
    (dict(start="not a model"), "start"),
    (dict(start=random_gmm(np.random.default_rng(0), 2, 4)), "start"),
    (dict(start=random_gmm(np.random.default_rng(0), 3, 8)), "start"),
])
def test_adapt_prior_rejects_bad_input_naming_the_argument(small_gmm, kwargs, name):
    args = dict(noisy=np.zeros((16, 16)), gmm=small_gmm, sigma=0.1)
    args.update(kwargs)
    with pytest.raises(ValueError, match=f"^{name}"):
        denoise.adapt_prior(args.pop("gmm"), args.pop("noisy"), args.pop("sigma"), **args)
