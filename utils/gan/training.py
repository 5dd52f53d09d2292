"""The DCGAN training step and loop. The DCGAN chapter shows this code.

`train` is the whole engine in one page, in the style of pytorch/examples' dcgan:
checkpoints, interruption and progress are one line each here, and live in
`checkpoints.py` and `monitor.py`.
"""
from __future__ import annotations

import contextlib
import time

import mxnet as mx
import numpy as np
from mxnet import autograd, gluon, init, nd

from . import checkpoints, monitor, networks
from ..data import to_uint8

bce = gluon.loss.SigmoidBinaryCrossEntropyLoss()  # sigmoid + BCE on raw logits

STAT_NAMES = ("loss_d", "loss_g", "acc_d", "d_real", "d_fake")


def contexts(ctx) -> list:
    """One device (or batch shard) or several (data parallel): always a list."""
    return list(ctx) if isinstance(ctx, (list, tuple)) else [ctx]


def fixed_noise(profile, n: int = 16) -> np.ndarray:
    """The codes whose samples are saved after every epoch (the same in every run)."""
    return np.random.default_rng(profile.seed).standard_normal((n, profile.nz)).astype(np.float32)


def build_networks(profile, ctx, seed: int = 0, matmul: bool | None = None):
    """G and D of the profile's width, weights drawn from N(0, 0.02) as in the paper."""
    mx.random.seed(seed)
    if matmul is None:  # on a CPU some small layers run faster as matrix products
        matmul = all(c.device_type == "cpu" for c in contexts(ctx))  # (networks.py)
    G, D = networks.generator(profile.ngf, matmul=matmul), networks.discriminator(profile.ndf, matmul=matmul)
    first = contexts(ctx)[0]
    for net, x in ((G, nd.zeros((1, profile.nz, 1, 1), ctx=first)), (D, nd.zeros((1, 3, 64, 64), ctx=first))):
        net.initialize(init.Normal(0.02), ctx=ctx)
        net(x)  # Gluon learns the input sizes on a first call: now every weight exists
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


@contextlib.contextmanager
def frozen(net):
    """No weight gradients for net inside the block. G's step needs the gradient
    through D, not D's own: skipping it saves about a sixth of an iteration."""
    params = net.collect_params()
    before = {name: p.grad_req for name, p in params.items()}
    params.setattr("grad_req", "null")
    try:
        yield
    finally:
        for name, p in params.items():
            p.grad_req = before[name]


def train_step(G, D, trainer_g, trainer_d, real, z, real_label=1.0, noise=0.0):
    """One D update, then one G update. With several devices, real and z are lists
    with one shard of the batch per device. Returns the step's statistics: an NDArray
    still on the device, since reading it forces a wait, so the loop reads it rarely."""
    reals, zs = contexts(real), contexts(z)
    n = sum(real.shape[0] for real in reals)
    # D step: push D(x) towards "real" and D(G(z)) towards "fake". fake.detach()
    # stops D's loss from reaching G's weights.
    with autograd.record():
        fakes = [G(z) for z in zs]
        outs = [(D(add_noise(real, noise)).reshape((-1,)),
                 D(add_noise(fake.detach(), noise)).reshape((-1,)))
                for real, fake in zip(reals, fakes)]
        # Labels shaped like D's output: sized by the actual batch, never a constant.
        losses_d = [bce(o_real, nd.ones_like(o_real) * real_label) + bce(o_fake, nd.zeros_like(o_fake))
                    for o_real, o_fake in outs]
    autograd.backward(losses_d)
    trainer_d.step(n)

    # G step: reuse the same fake batch (G runs forward once per iteration) and ask
    # the updated D to call it real. The target is 1, not the smoothed label.
    with frozen(D):
        with autograd.record():
            outs_g = [D(add_noise(fake, noise)).reshape((-1,)) for fake in fakes]
            losses_g = [bce(o, nd.ones_like(o)) for o in outs_g]
        autograd.backward(losses_g)
    trainer_g.step(n)

    home = reals[0].context  # the statistics of every shard, averaged on one device
    stats = [nd.concat(l_d.mean(), l_g.mean(), d_accuracy(o_real, o_fake),
                       o_real.sigmoid().mean(), o_fake.sigmoid().mean(), dim=0).as_in_context(home)
             for l_d, l_g, (o_real, o_fake) in zip(losses_d, losses_g, outs)]
    return stats[0] if len(stats) == 1 else nd.stack(*stats).mean(0)


def sample(G, z, ctx):
    """Images G makes from codes z (numpy, (n, nz)), as uint8 (n, 64, 64, 3).
    Outside autograd.record() BatchNorm uses its running averages, so each image
    depends on its own code only, not on the rest of the batch."""
    ctx = contexts(ctx)[0]
    z = nd.array(np.asarray(z, np.float32).reshape(len(z), -1, 1, 1), ctx=ctx)
    return to_uint8(G(z))


def train(G, D, batches, profile, ctx, fixed_z, out=None, log=monitor.write, step=None):
    """Train for profile.epochs and return the history: per-iteration statistics, the
    fixed-noise samples after every epoch, the log. `step` (default: train_step) is
    called once per batch with train_step's arguments. With a folder `out`, a
    checkpoint is written there after every epoch and on an interrupt, and training
    resumes from it. Logs one line per epoch; a progress bar shows the iterations between."""
    ctxs = contexts(ctx)
    step = step or train_step
    trainer_g, trainer_d = build_trainers(G, D, profile)
    data = checkpoints.data_fingerprint(batches.images)
    state = checkpoints.resume(out, G, D, trainer_g, trainer_d, profile, log, data) if out \
        else checkpoints.fresh_state()
    total = profile.epochs * len(batches)
    with monitor.StopRequest() as stop, monitor.progress(total, state["iteration"]) as bar:
        for epoch in range(state["epoch"], profile.epochs):
            t0, pending = time.time(), []
            mx.random.seed(checkpoints.stream_seed(profile.seed, epoch, state["batch"]))
            for real in batches.epoch(epoch, start=state["batch"]):
                reals = gluon.utils.split_and_load(real, ctxs, even_split=False)
                zs = [nd.random.normal(0, 1, (r.shape[0], profile.nz, 1, 1), ctx=r.context) for r in reals]
                noise = profile.instance_noise * (1.0 - state["iteration"] / total)  # decays to 0
                pending.append(step(G, D, trainer_g, trainer_d, reals, zs,
                                    profile.real_label, noise))
                state["iteration"] += 1
                state["batch"] += 1
                bar.step(pending)  # reads a recent step's losses every few iterations
                if stop.requested:  # Ctrl-C, the notebook's stop button, or SIGTERM
                    monitor.check_stats(pending, epoch)
                    state["stats"].append(nd.stack(*pending).asnumpy())
                    checkpoints.save_if(out, G, D, trainer_g, trainer_d, profile, state, data)
                    raise monitor.Interrupted(state["iteration"], out)
            stats = monitor.check_stats(pending, epoch)  # one wait per epoch
            state["stats"].append(stats)
            state["epoch_samples"].append(sample(G, fixed_z, ctxs))
            state["epoch"], state["batch"] = epoch + 1, 0
            state["seconds"] += time.time() - t0
            state["log"].append(monitor.epoch_line(epoch, profile.epochs, state["iteration"],
                                                   total, stats, len(pending) * batches.batch_size / (time.time() - t0)))
            log(state["log"][-1])
            monitor.check_collapse(state["epoch_samples"], batches.images, log)
            checkpoints.save_if(out, G, D, trainer_g, trainer_d, profile, state, data)
            monitor.save_pictures(out, state, len(batches))
    return checkpoints.history(state)
