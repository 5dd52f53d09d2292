"""The 2-D Gaussian game of the GAN intro chapter: the data, the settings, the loop
and the pictures of D's decision surface. The two players and the training step
are the chapter's own (`gan_intro`, saved from its cells)."""
from __future__ import annotations

import dataclasses

import matplotlib.pyplot as plt
import mxnet as mx
import numpy as np
from mxnet import gluon, init, nd

from . import gan_intro

# The "real" data: x = z·A + b with z ~ N(0, I), so x ~ N(b, AᵀA).
A = np.array([[1.0, 2.0], [-0.1, 0.5]], np.float32)
B = np.array([1.0, 2.0], np.float32)


def real_points(n: int, seed: int = 0) -> np.ndarray:
    z = np.random.default_rng(seed).standard_normal((n, 2)).astype(np.float32)
    return z @ A + B


def true_mean_cov():
    return B, A.T @ A


@dataclasses.dataclass(frozen=True)
class Settings:
    hidden: tuple = (16, 16)     # units of D's two hidden layers
    activation: str = "relu"     # of D's hidden layers
    init: str = "xavier"         # "xavier" or "normal" (N(0, 0.02))
    lr_g: float = 0.01
    lr_d: float = 0.01
    beta1: float = 0.5           # Adam's momentum: 0.9 is Adam's default
    batch_size: int = 64
    epochs: int = 30


# What the original tutorial used.
ORIGINAL = Settings(hidden=(5, 3), activation="tanh", init="normal", lr_g=0.01, lr_d=0.05,
                    beta1=0.9, batch_size=4, epochs=10)


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


def draw_snapshot(ax, real, fake, surface, extent, title: str):
    """Real points (blue) and generated points (orange) over D's decision surface
    (blue: D says "real", red: "fake", white: D cannot tell). Returns the surface image."""
    im = ax.imshow(surface, origin="lower", extent=extent, cmap="RdBu", vmin=0, vmax=1,
                   alpha=0.6, aspect="auto")
    ax.scatter(real[:, 0], real[:, 1], s=5, c="#1f4e99", label="real")
    ax.scatter(fake[:, 0], fake[:, 1], s=5, c="#f28e2b", label="generated")
    ax.set_xlim(extent[:2]), ax.set_ylim(extent[2:])
    ax.set_title(title, fontsize=10)
    return im


def snapshot_figure(real, fake, surface, extent, title: str):
    """One snapshot as its own figure, with a legend and a colour bar."""
    fig, ax = plt.subplots(figsize=(4.6, 3.8))
    im = draw_snapshot(ax, real, fake, surface, extent, title)
    ax.legend(loc="upper left", fontsize=8)
    fig.colorbar(im, ax=ax, label="D: P(real)")
    fig.tight_layout()
    return fig


EXTENT = (-5.0, 7.0, -6.0, 10.0)  # the part of the plane the pictures show


def train(settings: Settings, real: np.ndarray, seed: int = 0, snapshot_epochs=(),
          generator=gan_intro.generator, discriminator=gan_intro.discriminator,
          step=gan_intro.train_step):
    """Play the game on the 2-D data: G from generator(), D from
    discriminator(hidden, activation), one `step` per batch.

    Returns G, D and a list of snapshots, one per epoch in snapshot_epochs (and the
    last): epoch, 100 generated points, D's decision surface, learned mean and
    covariance, and the epoch's mean statistics."""
    mx.random.seed(seed)
    rng = np.random.default_rng(seed)
    G, D = generator(), discriminator(settings.hidden, settings.activation)
    weights = init.Xavier() if settings.init == "xavier" else init.Normal(0.02)
    trainers = []
    for net, lr in ((G, settings.lr_g), (D, settings.lr_d)):
        net.initialize(weights)
        net.hybridize()
        trainers.append(gluon.Trainer(net.collect_params(), "adam",
                                      {"learning_rate": lr, "beta1": settings.beta1}))
    z_show = nd.array(rng.standard_normal((100, 2)).astype(np.float32))
    snapshots = []
    for epoch in range(1, settings.epochs + 1):
        order = rng.permutation(len(real))
        stats = []
        for i in range(0, len(real) - settings.batch_size + 1, settings.batch_size):
            x = nd.array(real[order[i:i + settings.batch_size]])
            z = nd.random.normal(0, 1, x.shape)
            stats.append(step(G, D, *trainers, x, z))
        if epoch in snapshot_epochs or epoch == settings.epochs:
            mean, cov = learned_mean_cov(G)
            snapshots.append({"epoch": epoch, "fake": G(z_show).asnumpy(),
                              "surface": decision_surface(D, EXTENT), "mean": mean, "cov": cov,
                              "stats": nd.stack(*stats).asnumpy().mean(0)})
    return G, D, snapshots
