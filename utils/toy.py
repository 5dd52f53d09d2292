"""The 2-D Gaussian game of the GAN intro chapter: data, the two small networks,
and the pictures of D's decision surface."""
from __future__ import annotations

import matplotlib.pyplot as plt
import numpy as np
from mxnet import nd
from mxnet.gluon import nn

# The "real" data: x = z·A + b with z ~ N(0, I), so x ~ N(b, AᵀA).
A = np.array([[1.0, 2.0], [-0.1, 0.5]], np.float32)
B = np.array([1.0, 2.0], np.float32)


def real_points(n: int, seed: int = 0) -> np.ndarray:
    z = np.random.default_rng(seed).standard_normal((n, 2)).astype(np.float32)
    return z @ A + B


def true_mean_cov():
    return B, A.T @ A


def generator() -> nn.HybridSequential:
    """One linear layer: a linear map of a Gaussian is a Gaussian, so this is enough."""
    G = nn.HybridSequential(prefix="G_")
    G.add(nn.Dense(2, in_units=2))
    return G


def discriminator() -> nn.HybridSequential:
    """A small MLP that outputs one logit: > 0 means "real"."""
    D = nn.HybridSequential(prefix="D_")
    D.add(nn.Dense(5, activation="tanh", in_units=2), nn.Dense(3, activation="tanh"), nn.Dense(1))
    return D


def learned_mean_cov(G):
    """G(z) = z·Wᵀ + c with z ~ N(0, I) is N(c, W·Wᵀ): read both off the weights."""
    W = G[0].weight.data().asnumpy()
    c = G[0].bias.data().asnumpy()
    return c, W @ W.T


def relative_error(estimate: np.ndarray, truth: np.ndarray) -> float:
    """‖estimate − truth‖ / ‖truth‖ (Frobenius norm for matrices)."""
    return float(np.linalg.norm(estimate - truth) / np.linalg.norm(truth))


def decision_surface(D, extent, steps: int = 80) -> np.ndarray:
    """D's probability of "real" on a steps × steps grid over extent = (x0, x1, y0, y1)."""
    x0, x1, y0, y1 = extent
    xs, ys = np.meshgrid(np.linspace(x0, x1, steps), np.linspace(y0, y1, steps))
    grid = np.stack([xs.ravel(), ys.ravel()], 1).astype(np.float32)
    return D(nd.array(grid)).sigmoid().asnumpy().reshape(steps, steps)


def snapshot_figure(real, fake, surface, extent, title: str):
    """Real points (blue) and generated points (orange) over D's decision surface."""
    fig, ax = plt.subplots(figsize=(4.6, 3.8))
    im = ax.imshow(surface, origin="lower", extent=extent, cmap="RdBu", vmin=0, vmax=1,
                   alpha=0.6, aspect="auto")
    ax.scatter(real[:, 0], real[:, 1], s=6, c="#1f4e99", label="real")
    ax.scatter(fake[:, 0], fake[:, 1], s=6, c="#f28e2b", label="generated")
    ax.set_xlim(extent[:2]), ax.set_ylim(extent[2:])
    ax.set_title(title, fontsize=10)
    ax.legend(loc="upper left", fontsize=8)
    fig.colorbar(im, ax=ax, label="D: P(real)")
    fig.tight_layout()
    return fig
