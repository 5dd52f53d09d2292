"""Generated from chapters/source/01_gan_intro.md by tools/build_chapters.py: the chapter's
code cells tagged "save". Edit the chapter, not this file (tests/test_notebooks.py
compares the two)."""
from mxnet import autograd, gluon, nd
from mxnet.gluon import nn


def generator():
    """G(z) = z·Wᵀ + c: one linear layer. A linear map of a Gaussian is a Gaussian."""
    G = nn.HybridSequential(prefix="G_")
    G.add(nn.Dense(2, in_units=2))
    return G


def discriminator(hidden=(16, 16), activation="relu"):
    """A small multilayer perceptron ending in one logit: > 0 means "real"."""
    D = nn.HybridSequential(prefix="D_")
    D.add(nn.Dense(hidden[0], activation=activation, in_units=2),
          nn.Dense(hidden[1], activation=activation),
          nn.Dense(1))
    return D


bce = gluon.loss.SigmoidBinaryCrossEntropyLoss()  # sigmoid + cross-entropy, on logits


def train_step(G, D, trainer_g, trainer_d, real, z):
    """One D update, then one G update, on one device. Returns D's loss, G's loss,
    D's accuracy, D(x) and D(G(z)), as one NDArray."""
    n = real.shape[0]
    with autograd.record():  # D's turn: real points towards 1, G's points towards 0
        fake = G(z)
        out_real, out_fake = D(real), D(fake.detach())  # detach: D's loss stops at G's output
        loss_d = bce(out_real, nd.ones_like(out_real)) + bce(out_fake, nd.zeros_like(out_fake))
    loss_d.backward()
    trainer_d.step(n)
    with autograd.record():  # G's turn: the same fakes through the updated D, towards 1
        out_g = D(fake)
        loss_g = bce(out_g, nd.ones_like(out_g))  # non-saturating: -log D(G(z))
    loss_g.backward()
    trainer_g.step(n)
    accuracy = ((out_real > 0).sum() + (out_fake < 0).sum()) / (2 * n)
    return nd.concat(loss_d.mean(), loss_g.mean(), accuracy, out_real.sigmoid().mean(),
                     out_fake.sigmoid().mean(), dim=0)
