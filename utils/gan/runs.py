"""A training run kept in a cache folder, so it is never repeated needlessly.

A run is identified by everything that changes its result: the profile's settings,
the training images, the fixed noise, the networks (their layers and starting
weights), and the code that trains them: the step actually handed to the engine
(a chapter passes its own) with the functions it calls, the engine's modules and
the chapter's functions the engine calls itself (the moving average of G),
all read without comments and docstrings (`cache.step_fingerprint`,
`cache.code_fingerprint`). Change any of these and the key changes, so a stale run
is never reused. The run's folder is the engine's output folder: its checkpoint
lets an interrupted run continue, and ``run.json`` marks a finished one.
"""
from __future__ import annotations

import dataclasses
import hashlib
import json
import os
import time
from pathlib import Path

import numpy as np
from mxnet import nd

from .. import cache
from ..data import Batches, training_images
from ..data import batches as batches_module
from . import checkpoints, dcgan, matmul_conv, speed, training

DONE = "run.json"


def network_fingerprint(net) -> str:
    """The layers of net (in their plain form: the engine's speed-ups do not count)
    and its current weights."""
    layers = repr(net).replace("MatmulConv2DTranspose", "Conv2DTranspose").replace("MatmulConv2D", "Conv2D")
    h = hashlib.sha256(layers.encode())
    nd.waitall()  # the first call's layout rewrite must be queued before a read (checkpoints.weight_arrays)
    for name, param in sorted(net.collect_params().items()):
        h.update(name.encode())
        h.update(np.ascontiguousarray(param.data().asnumpy()).tobytes())
    return h.hexdigest()


def run_key(profile, images: np.ndarray, fixed_z: np.ndarray, G, D, step=None) -> str:
    """16 hex digits that change whenever the run's result would. G and D as they
    are before training."""
    step = step or dcgan.train_step
    engine = cache.code_fingerprint(training, speed, matmul_conv, batches_module.Batches,
                                    dcgan.average_decay, dcgan.update_average, dcgan.refresh_batch_stats)
    return cache.key(profile.settings(),
                     hashlib.sha256(np.ascontiguousarray(images)).hexdigest(),
                     hashlib.sha256(np.ascontiguousarray(fixed_z, np.float32)).hexdigest(),
                     checkpoints.WEIGHTS_FORMAT, engine, cache.step_fingerprint(step),
                     network_fingerprint(G), network_fingerprint(D))


def run_folder(profile, images, fixed_z, G, D, step=None) -> Path:
    key = run_key(profile, images, fixed_z, G, D, step)
    return cache.cache_dir() / "runs" / f"dcgan-{profile.name}-{key}"


def _mark_done(folder: Path, history: dict) -> None:
    tmp = folder / (DONE + ".tmp")
    tmp.write_text(json.dumps({"seconds": history["seconds"],
                               "finished": time.strftime("%Y-%m-%d %H:%M")}))
    os.replace(tmp, folder / DONE)


def load(folder: Path, G, D) -> dict:
    """The finished run's weights into G and D; returns its history. G gets the
    moving average of its weights when the run kept one (as training.train leaves it)."""
    # Weights only: an older checkpoint format serves as well as the current one.
    arrays, meta = checkpoints.read(folder / checkpoints.CHECKPOINT, formats=(1, checkpoints.FORMAT))
    averaged = any(k.startswith("G_avg/") for k in arrays)
    for tag, net in (("G_avg" if averaged else "G", G), ("D", D)):
        checkpoints.load_weights(folder, tag, net, arrays)
    history = {"stats": arrays["stats"], "epoch_samples": arrays["epoch_samples"],
               "seconds": meta["seconds"], "log": meta["log"]}
    if (folder / DONE).exists():  # a cached run; `python -m utils.train` writes none
        history.update(json.loads((folder / DONE).read_text()))
    history["folder"] = folder
    return history


def load_last_weights(folder: Path, G) -> None:
    """G's own weights at the end of a finished run (not their moving average) into G."""
    arrays, _ = checkpoints.read(folder / checkpoints.CHECKPOINT, formats=(1, checkpoints.FORMAT))
    checkpoints.load_weights(folder, "G", G, arrays)


def train_or_reuse(G, D, batches, profile, ctx, fixed_z, images, step=None, show_log=True) -> dict:
    """Train G and D with `step` (see training.train), or load the finished run with
    the same key from the cache. Says which it did (and shows a reused run's training
    log unless show_log is False). An interrupted run continues."""
    folder = run_folder(profile, images, fixed_z, G, D, step)

    def make(folder):
        if cache.retrain_requested():  # start over, not from the last checkpoint
            (folder / checkpoints.CHECKPOINT).unlink(missing_ok=True)
        history = training.train(G, D, batches, profile, ctx, fixed_z, out=folder, step=step)
        history["folder"] = folder
        _mark_done(folder, history)
        print(f"Trained in {history['seconds'] / 60:.1f} min.")
        return history

    history, reused = cache.reuse_or_make(folder, DONE, lambda f: load(f, G, D), make)
    if reused:
        print(f"Reusing the finished run from the cache (trained {history['finished']}, "
              f"{history['seconds'] / 60:.1f} min; same settings, data and code). "
              f"Set {cache.RETRAIN_ENV}=1 to train again." + (" Its training log:" if show_log else ""))
        if show_log:
            print("\n".join(history["log"]))
    return history


def trained_networks(profile, ctx, show_log=True, seed=None):
    """The DCGAN chapter's G and D for this profile: its finished run from the cache,
    or trained now (seconds in `quick`, minutes in `default`). Returns (G, D, history).
    With `seed`, a repeat of the run: the same images, another seed for everything
    random in training (G's and D's starting weights, the batch order, the codes and
    the noise), to see how much a result owes to chance."""
    images, _ = training_images(profile)
    if seed is not None:
        profile = dataclasses.replace(profile, seed=seed)
    batches = Batches(images, profile.batch_size, seed=profile.seed, flip=profile.flip)
    G, D = dcgan.new_networks(profile.ngf, profile.ndf, profile.nz, ctx, seed=profile.seed)
    history = train_or_reuse(G, D, batches, profile, ctx, training.fixed_noise(profile), images,
                             show_log=show_log)
    training.speed_up(G, D, ctx, profile.nz)
    return G, D, history
