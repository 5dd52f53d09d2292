"""How good is a generator? Distances between sets of images, in plain numpy.

Each function compares generated images (or their features) with real ones:

- `diversity`: the spread of the samples against the data's, in small pixels (1:
  as varied as the data, 0: every sample the same); the engine watches it for
  mode collapse during training.
- `frechet_distance`: the Fréchet distance between Gaussians fitted to two sets of
  features (FID when the features are Inception's); 0 for identical statistics.
- `kernel_distance`: the kernel inception distance (KID), an unbiased estimate of
  the squared MMD with the cubic polynomial kernel, averaged over subsets, with its
  standard deviation.
- `precision_recall`: k-nearest-neighbour manifolds (Kynkäänniemi et al., 2019):
  which share of generated samples lies within the real manifold (precision, the
  fidelity), and which share of real samples within the generated one (recall, the
  variety).
- `wasserstein` and `circular_wasserstein`: the 1-D earth mover's distance between
  two samples of numbers (on a line, or on a circle such as a hue); chapter 4
  compares attribute values with it.
- `nearest_distances` and `mann_whitney`: is a generator closer to its training set
  than held-out real images are (memorisation)?
- `radial_spectrum` and `high_frequency_ratio`: where the energy of the pictures
  lies, from coarse shapes to the finest pixel-to-pixel detail (the checkerboard of
  transposed convolutions shows there).

The test of each is a known answer: identical sets give 0, shifted Gaussians their
closed form, a collapsed set a recall near 0 (tests/test_quality.py).
"""
from __future__ import annotations

import math

import numpy as np


def _moments(features: np.ndarray):
    f = np.asarray(features, np.float64)
    return f.mean(0), np.cov(f, rowvar=False)


def _sqrtm_psd(a: np.ndarray) -> np.ndarray:
    """The square root of a symmetric positive semi-definite matrix (by eigh)."""
    w, v = np.linalg.eigh((a + a.T) / 2)
    return (v * np.sqrt(np.clip(w, 0, None))) @ v.T


def frechet_distance(a: np.ndarray, b: np.ndarray) -> float:
    """||mu_a - mu_b||^2 + Tr(S_a + S_b - 2 (S_a S_b)^(1/2)) for features a (n, d), b (m, d).
    (S_a S_b)^(1/2) is computed as S_a^(1/2) (S_a^(1/2) S_b S_a^(1/2))^(1/2) S_a^(-1/2),
    whose trace is that of the symmetric middle factor: only symmetric square roots."""
    mu_a, s_a = _moments(a)
    mu_b, s_b = _moments(b)
    root_a = _sqrtm_psd(s_a)
    middle = _sqrtm_psd(root_a @ s_b @ root_a)
    value = float(((mu_a - mu_b) ** 2).sum() + np.trace(s_a) + np.trace(s_b) - 2 * np.trace(middle))
    return max(value, 0.0)


def _polynomial_mmd2(x: np.ndarray, y: np.ndarray) -> float:
    d = x.shape[1]
    kxx = (x @ x.T / d + 1) ** 3
    kyy = (y @ y.T / d + 1) ** 3
    kxy = (x @ y.T / d + 1) ** 3
    m, n = len(x), len(y)
    return float((kxx.sum() - np.trace(kxx)) / (m * (m - 1)) + (kyy.sum() - np.trace(kyy)) / (n * (n - 1))
                 - 2 * kxy.mean())


def kernel_distance(a: np.ndarray, b: np.ndarray, subsets: int = 20, size: int = 200,
                    seed: int = 0) -> tuple[float, float]:
    """KID: the unbiased squared MMD with kernel (x·y/d + 1)^3, averaged over `subsets`
    random subsets of `size` from each set. Returns (mean, standard deviation)."""
    rng = np.random.default_rng(seed)
    a, b = np.asarray(a, np.float64), np.asarray(b, np.float64)
    size = min(size, len(a), len(b))
    values = [_polynomial_mmd2(a[rng.choice(len(a), size, replace=False)],
                               b[rng.choice(len(b), size, replace=False)]) for _ in range(subsets)]
    return float(np.mean(values)), float(np.std(values))


def _pairwise(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    a, b = np.asarray(a, np.float64), np.asarray(b, np.float64)
    d2 = (a * a).sum(1)[:, None] + (b * b).sum(1)[None] - 2 * a @ b.T
    return np.sqrt(np.clip(d2, 0, None))


def _radii(x: np.ndarray, k: int) -> np.ndarray:
    """Distance from each point of x to its k-th nearest other point of x."""
    d = _pairwise(x, x)
    return np.sort(d, axis=1)[:, k]  # column 0 is the point itself


def precision_recall(real: np.ndarray, fake: np.ndarray, k: int = 3) -> tuple[float, float]:
    """(precision, recall) with k-NN balls around each set's points."""
    real_radii, fake_radii = _radii(real, k), _radii(fake, k)
    d = _pairwise(fake, real)  # (fake, real)
    precision = float((d <= real_radii[None, :]).any(axis=1).mean())
    recall = float((d.T <= fake_radii[None, :]).any(axis=1).mean())
    return precision, recall


def nearest_distances(queries: np.ndarray, reference: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(distance, index) of each query's nearest neighbour in `reference`."""
    d = _pairwise(queries, reference)
    index = d.argmin(axis=1)
    return d[np.arange(len(d)), index], index


def mann_whitney(x: np.ndarray, y: np.ndarray) -> tuple[float, float]:
    """One-sided Mann-Whitney U test that values of x tend to be *smaller* than those
    of y. Returns (U, p-value) with the normal approximation and a tie correction
    (fine for samples of a few dozen and more)."""
    x, y = np.asarray(x, np.float64), np.asarray(y, np.float64)
    n1, n2 = len(x), len(y)
    values = np.concatenate([x, y])
    order = values.argsort()
    ranks = np.empty(len(values))
    ranks[order] = np.arange(1, len(values) + 1)
    for v in np.unique(values):  # ties share their mean rank
        same = values == v
        if same.sum() > 1:
            ranks[same] = ranks[same].mean()
    u = ranks[:n1].sum() - n1 * (n1 + 1) / 2
    _, counts = np.unique(values, return_counts=True)
    n = n1 + n2
    sigma = math.sqrt(n1 * n2 / 12 * ((n + 1) - (counts ** 3 - counts).sum() / (n * (n - 1))))
    z = (u - n1 * n2 / 2 + 0.5) / sigma  # continuity correction towards the null
    return float(u), float(0.5 * math.erfc(-z / math.sqrt(2)))


def wasserstein(u, v) -> float:
    """1-D Wasserstein distance (earth mover's distance) between two samples: the
    area between their empirical distribution functions, ∫ |F_u - F_v| dx, as
    scipy.stats.wasserstein_distance(u, v) computes it (scipy is not a dependency)."""
    u, v = np.sort(np.asarray(u, np.float64)), np.sort(np.asarray(v, np.float64))
    edges = np.sort(np.concatenate([u, v]))
    f_u = np.searchsorted(u, edges[:-1], side="right") / len(u)
    f_v = np.searchsorted(v, edges[:-1], side="right") / len(v)
    return float(np.sum(np.abs(f_u - f_v) * np.diff(edges)))


def circular_wasserstein(u, v) -> float:
    """1-D Wasserstein distance between two samples on a circle of circumference 1
    (values taken mod 1): min over a of ∫ |F_u - F_v - a| dx over [0, 1), with a
    the median of F_u - F_v weighted by length (Rabin, Delon & Gousseau, 2011). Mass
    may travel either way round, so the distance is at most 1/2, and a sample at
    0.98 is as close to one at 0.02 as 0.50 is to 0.54."""
    u, v = np.sort(np.asarray(u, np.float64) % 1.0), np.sort(np.asarray(v, np.float64) % 1.0)
    edges = np.concatenate([[0.0], np.sort(np.concatenate([u, v])), [1.0]])
    diff = (np.searchsorted(u, edges[:-1], side="right") / len(u)
            - np.searchsorted(v, edges[:-1], side="right") / len(v))
    length = np.diff(edges)
    order = np.argsort(diff)
    cumulative = np.cumsum(length[order])
    shift = diff[order][np.searchsorted(cumulative, cumulative[-1] / 2)]
    return float(np.sum(np.abs(diff - shift) * length))


def _power(images: np.ndarray):
    """Mean power of the images' 2-D Fourier spectrum (grey levels, each image's mean
    removed), centred, and each frequency's radius relative to the largest (the
    corner: Nyquist on both axes)."""
    grey = np.asarray(images, np.float64).mean(axis=3) / 255.0
    grey -= grey.mean(axis=(1, 2), keepdims=True)
    power = (np.abs(np.fft.fftshift(np.fft.fft2(grey), axes=(1, 2))) ** 2).mean(0)
    h, w = power.shape
    yy, xx = np.indices((h, w))
    r = np.hypot(yy - h // 2, xx - w // 2)
    return power, r / r.max()


def radial_spectrum(images: np.ndarray, bins: int = 32) -> np.ndarray:
    """Mean power in `bins` rings, from the lowest frequency to the highest.
    images: uint8 (n, H, W, 3)."""
    power, r = _power(images)
    ring = np.minimum((r * bins).astype(int), bins - 1)
    return np.bincount(ring.ravel(), power.ravel(), bins) / np.bincount(ring.ravel(), minlength=bins)


def high_frequency_ratio(images: np.ndarray, above: float = 0.5) -> float:
    """Share of the spectrum's energy at radii above `above` of the highest: fine,
    pixel-level detail (and the checkerboard of transposed convolutions)."""
    power, r = _power(images)
    return float(power[r >= above].sum() / power.sum())


# --- Diversity, in pixels ---------------------------------------------------------

def _small(images_nhwc: np.ndarray, size: int = 16) -> np.ndarray:
    """Downsample uint8 (n, H, W, 3) by block averaging to (n, size*size*3) floats in [0, 1]."""
    n, h, w, c = images_nhwc.shape
    x = images_nhwc.astype(np.float32).reshape(n, size, h // size, size, w // size, c)
    return x.mean(axis=(2, 4)).reshape(n, -1) / 255.0


def mean_pairwise_distance(images_nhwc: np.ndarray, size: int = 16) -> float:
    """Mean Euclidean distance between all pairs of images, after downsampling."""
    x = _small(images_nhwc, size).astype(np.float64)
    sq = (x * x).sum(1)
    d2 = np.maximum(sq[:, None] + sq[None, :] - 2.0 * x @ x.T, 0.0)
    n = len(x)
    return float(np.sqrt(d2)[np.triu_indices(n, 1)].mean())


def diversity(fake_nhwc: np.ndarray, real_nhwc: np.ndarray, max_real: int | None = None) -> float:
    """Spread of generated images relative to real ones: ~1 is as varied as the data,
    near 0 means mode collapse (every sample the same picture). With `max_real`, at
    most that many real images (a fixed random choice) stand for the data."""
    if max_real is not None and len(real_nhwc) > max_real:
        pick = np.random.default_rng(0).choice(len(real_nhwc), max_real, replace=False)
        real_nhwc = real_nhwc[np.sort(pick)]
    return mean_pairwise_distance(fake_nhwc) / mean_pairwise_distance(real_nhwc)
