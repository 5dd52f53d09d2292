"""The DCGAN training step and loop. The DCGAN chapter shows this code."""
from __future__ import annotations

import time

import mxnet as mx
import numpy as np
from mxnet import autograd, gluon, init, nd

from . import networks
from .data import to_uint8

bce = gluon.loss.SigmoidBinaryCrossEntropyLoss()  # sigmoid + BCE on raw logits

STAT_NAMES = ("loss_d", "loss_g", "acc_d", "d_real", "d_fake")


def build_networks(profile, ctx, seed: int = 0):
    """G and D of the profile's width, weights drawn from N(0, 0.02) as in the paper."""
    mx.random.seed(seed)
    G, D = networks.generator(profile.ngf), networks.discriminator(profile.ndf)
    for net in (G, D):
        net.initialize(init.Normal(0.02), ctx=ctx)
        net.hybridize(static_alloc=True, static_shape=True)
    return G, D


def build_trainers(G, D, profile):
    """One Adam per network: lr 2e-4 and beta1 0.5 keep the two players in step."""
    opts = {"learning_rate": profile.lr, "beta1": profile.beta1}
    return gluon.Trainer(G.collect_params(), "adam", opts), gluon.Trainer(D.collect_params(), "adam", opts)


def add_noise(x, std: float):
    """Instance noise: blur the line between real and fake early on, so D cannot win
    on pixel-level details before G has learnt the large shapes."""
    return x + nd.random.normal(0, std, x.shape, ctx=x.context) if std > 0 else x


def d_accuracy(out_real, out_fake):
    """Share of D's calls that are right. D outputs logits, so "real" means
    logit > 0 (sigmoid(0) = 0.5), not logit > 0.5 as in the original tutorial."""
    right = (out_real > 0).sum() + (out_fake < 0).sum()
    return right / (out_real.size + out_fake.size)


def train_step(G, D, trainer_g, trainer_d, real, z, real_label=1.0, noise=0.0):
    """One D update, then one G update. Returns the step's statistics (an NDArray,
    still on the device: reading it forces a wait, so the loop reads it rarely)."""
    n = real.shape[0]  # labels sized by the actual batch, never a fixed constant
    real_y = nd.full((n,), real_label, ctx=real.context)
    fake_y = nd.zeros((n,), ctx=real.context)

    # D step: push D(x) towards "real" and D(G(z)) towards "fake". fake.detach()
    # stops D's loss from reaching G's weights.
    with autograd.record():
        fake = G(z)
        out_real = D(add_noise(real, noise)).reshape((-1,))
        out_fake = D(add_noise(fake.detach(), noise)).reshape((-1,))
        loss_d = bce(out_real, real_y) + bce(out_fake, fake_y)
    loss_d.backward()
    trainer_d.step(n)

    # G step: reuse the same fake batch (G runs forward once per iteration) and ask
    # the updated D to call it real. The target is 1, not the smoothed label.
    with autograd.record():
        out_g = D(add_noise(fake, noise)).reshape((-1,))
        loss_g = bce(out_g, nd.ones((n,), ctx=real.context))
    loss_g.backward()
    trainer_g.step(n)

    return nd.concat(loss_d.mean(), loss_g.mean(), d_accuracy(out_real, out_fake),
                     out_real.sigmoid().mean(), out_fake.sigmoid().mean(), dim=0)


def sample(G, z, ctx):
    """Images G makes from codes z (numpy, (n, nz)), as uint8 (n, 64, 64, 3).
    Outside autograd.record() BatchNorm uses its running averages, so each image
    depends on its own code only, not on the rest of the batch."""
    z = nd.array(np.asarray(z, np.float32).reshape(len(z), -1, 1, 1), ctx=ctx)
    return to_uint8(G(z))


def train(G, D, batches, profile, ctx, fixed_z, log=print):
    """Train for profile.epochs; log one line per epoch; return the history:
    per-iteration statistics and the fixed-noise samples after every epoch."""
    trainer_g, trainer_d = build_trainers(G, D, profile)
    total = profile.epochs * len(batches)
    history = {"stats": [], "epoch_samples": [], "seconds": 0.0}
    start, it = time.time(), 0
    for epoch in range(profile.epochs):
        t0, pending = time.time(), []
        for real in batches.epoch(epoch):
            real = nd.array(real, ctx=ctx)
            z = nd.random.normal(0, 1, (real.shape[0], profile.nz, 1, 1), ctx=ctx)
            noise = profile.instance_noise * (1.0 - it / total)  # decays to 0
            pending.append(train_step(G, D, trainer_g, trainer_d, real, z,
                                      profile.real_label, noise))
            it += 1
        stats = nd.stack(*pending).asnumpy()  # one wait per epoch, not per step
        if not np.isfinite(stats).all():
            raise FloatingPointError(
                f"A loss became NaN or infinite in epoch {epoch + 1}. Try a lower learning "
                "rate (profile lr) or more label smoothing; the previous epoch's samples are "
                "in the history.")
        history["stats"].append(stats)
        history["epoch_samples"].append(sample(G, fixed_z, ctx))
        speed = len(pending) * batches.batch_size / (time.time() - t0)
        m = stats.mean(0)
        log(f"epoch {epoch + 1:2d}/{profile.epochs}  iter {it:5d}/{total}  "
            f"D loss {m[0]:.3f}  G loss {m[1]:.3f}  D acc {m[2]:.2f}  "
            f"D(x) {m[3]:.2f}  D(G(z)) {m[4]:.2f}  {speed:5.0f} samples/s")
    history["seconds"] = time.time() - start
    history["stats"] = np.concatenate(history["stats"])
    history["epoch_samples"] = np.stack(history["epoch_samples"])
    return history
