"""Numbers that say how a GAN is doing."""
from __future__ import annotations

import numpy as np


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
