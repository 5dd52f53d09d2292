"""The training engine: the loop around the DCGAN chapter's step.

The networks, their construction and the single-device training step are the
chapter's own (`dcgan`, saved from its cells). This module adds what a long run
needs and a reader need not edit: the loop (`train`, in the style of
pytorch/examples' dcgan: checkpoints, interruption and progress are one line each
here and live in `checkpoints.py` and `monitor.py`), the speed-ups for CPUs
(`speed.py`), and the same step on several devices at once (`parallel_step`).
"""
from __future__ import annotations

import time

import mxnet as mx
import numpy as np
from mxnet import autograd, gluon, nd

from ..data import to_uint8
from . import checkpoints, dcgan, monitor, speed
from .speed import frozen

STAT_NAMES = ("loss_d", "loss_g", "acc_d", "d_real", "d_fake")


def contexts(ctx) -> list:
    """One device or several (data parallel): always a list."""
    return list(ctx) if isinstance(ctx, (list, tuple)) else [ctx]


def on_cpu(ctx) -> bool:
    return all(c.device_type == "cpu" for c in contexts(ctx))


def fixed_noise(profile, n: int = 16) -> np.ndarray:
    """The codes whose samples are saved after every epoch (the same in every run)."""
    return np.random.default_rng(profile.seed).standard_normal((n, profile.nz)).astype(np.float32)


def speed_up(G, D, ctx, nz: int) -> None:
    """On a CPU, swap the layers that gain from it for their matrix-product form (the
    same weights: speed.py). Does nothing on a GPU, or when already done."""
    if on_cpu(ctx):
        speed.for_cpu(G, (1, nz, 1, 1))
        speed.for_cpu(D, (1, 3, 64, 64))


def build_networks(profile, ctx, seed: int = 0):
    """The chapter's G and D for the profile (dcgan.new_networks), sped up for a CPU."""
    G, D = dcgan.new_networks(profile.ngf, profile.ndf, profile.nz, ctx, seed=seed)
    speed_up(G, D, ctx, profile.nz)
    return G, D


def build_trainers(G, D, profile):
    """The chapter's two Adams, with the profile's learning rates and beta1."""
    return dcgan.new_trainers(G, D, profile.lr_g, profile.lr_d, profile.beta1)


def new_average(G, profile, ctx):
    """A generator like G with G's weights: the start of their moving average."""
    G_avg = build_networks(profile, ctx, seed=profile.seed)[0]
    copy_weights(G, G_avg)
    return G_avg


def copy_weights(source, target) -> None:
    """Every parameter of source (running statistics included) into target."""
    for src, dst in zip(source.collect_params().values(), target.collect_params().values()):
        dst.set_data(src.data())


def parallel_step(G, D, trainer_g, trainer_d, reals, zs, real_label=1.0, noise=0.0, grain=0.0):
    """The chapter's train_step on several devices: the chapter's losses on each
    shard of the batch, one update from all of them (Gluon data parallel). Returns
    the step's statistics, averaged over the shards, on the first device."""
    n = sum(real.shape[0] for real in reals)
    with autograd.record():
        fakes = [G(z) for z in zs]
        seen = [dcgan.add_noise(real, fake, noise) for real, fake in zip(reals, fakes)]
        parts = [dcgan.d_loss(D, seen_real, seen_fake, real_label) for seen_real, seen_fake in seen]
    autograd.backward([loss for loss, _, _ in parts])
    trainer_d.step(n)
    with frozen(D), autograd.record():
        losses_g = [dcgan.g_loss(D, seen_fake) for _, seen_fake in seen]
        if grain:
            losses_g = [loss + grain * dcgan.grain_penalty(fake, real)
                        for loss, fake, real in zip(losses_g, fakes, reals)]
    autograd.backward(losses_g)
    trainer_g.step(n)
    home = reals[0].context
    stats = [dcgan.step_stats(loss_d, loss_g, out_real, out_fake).as_in_context(home)
             for (loss_d, out_real, out_fake), loss_g in zip(parts, losses_g)]
    return stats[0] if len(stats) == 1 else nd.stack(*stats).mean(0)


def default_step(ctx):
    """The chapter's step on one device, parallel_step on several."""
    return dcgan.train_step if len(contexts(ctx)) == 1 else parallel_step


def sample(G, z, ctx):
    """Images G makes from codes z (numpy, (n, nz)), as uint8 (n, 64, 64, 3).
    Outside autograd.record() BatchNorm uses its running averages, so each image
    depends on its own code only, not on the rest of the batch."""
    ctx = contexts(ctx)[0]
    z = nd.array(np.asarray(z, np.float32).reshape(len(z), -1, 1, 1), ctx=ctx)
    return to_uint8(G(z))


def train(G, D, batches, profile, ctx, fixed_z, out=None, log=monitor.write, step=None):
    """Train for profile.epochs and return the history: per-iteration statistics, the
    fixed-noise samples after every epoch, the log. With profile.ema > 0 the samples
    come from the moving average of G's weights, and G holds that average when
    training ends (the checkpoint keeps both). `step` is called once per batch
    with train_step's arguments (default: the chapter's; on several devices
    parallel_step, whose real and z are lists of shards). With a folder `out`, a
    checkpoint is written there after every epoch and on an interrupt, and training
    resumes from it. Logs one line per epoch; a progress bar shows the iterations between."""
    ctxs = contexts(ctx)
    step = step or default_step(ctx)
    speed_up(G, D, ctx, profile.nz)
    trainer_g, trainer_d = build_trainers(G, D, profile)
    G_avg = new_average(G, profile, ctx) if profile.ema else None
    G_out = G if G_avg is None else G_avg  # the generator whose samples the run shows and keeps
    data = checkpoints.data_fingerprint(batches.images)
    state = checkpoints.resume(out, G, D, trainer_g, trainer_d, profile, log, data, G_avg) if out \
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
                grain = profile.grain * state["iteration"] / total  # grows as the noise fades
                shards = (reals, zs) if len(ctxs) > 1 else (reals[0], zs[0])
                pending.append(step(G, D, trainer_g, trainer_d, *shards,
                                    profile.real_label, noise, grain))
                if G_avg is not None:
                    dcgan.update_average(G_avg, G, dcgan.average_decay(profile.ema, state["iteration"]))
                state["iteration"] += 1
                state["batch"] += 1
                bar.step(pending)  # reads a recent step's losses every few iterations
                if stop.requested:  # Ctrl-C, the notebook's stop button, or SIGTERM
                    monitor.check_stats(pending, epoch)
                    state["stats"].append(nd.stack(*pending).asnumpy())
                    checkpoints.save_if(out, G, D, trainer_g, trainer_d, profile, state, data, G_avg)
                    raise monitor.Interrupted(state["iteration"], out)
            stats = monitor.check_stats(pending, epoch)  # one wait per epoch
            state["stats"].append(stats)
            if G_avg is not None:
                dcgan.refresh_batch_stats(G_avg, profile.nz, ctxs[0], batch=batches.batch_size)
            state["epoch_samples"].append(sample(G_out, fixed_z, ctxs))
            state["epoch"], state["batch"] = epoch + 1, 0
            state["seconds"] += time.time() - t0
            state["log"].append(monitor.epoch_line(epoch, profile.epochs, state["iteration"],
                                                   total, stats, len(pending) * batches.batch_size / (time.time() - t0)))
            log(state["log"][-1])
            monitor.check_collapse(state["epoch_samples"], batches.images, log)
            checkpoints.save_if(out, G, D, trainer_g, trainer_d, profile, state, data, G_avg)
            checkpoints.save_epoch_weights(out, G_out, state["epoch"], state["seconds"])
            monitor.save_pictures(out, state, len(batches))
    if G_avg is not None:
        copy_weights(G_avg, G)
    return checkpoints.history(state)
