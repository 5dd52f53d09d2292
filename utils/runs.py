"""A training run kept in a cache folder, so it is never repeated needlessly.

A run is identified by everything that changes its result: the profile's settings,
the training images, the fixed noise, and the source code of the modules that
train it. Change any of these and the key changes, so a stale run is never reused.
The run's folder is the engine's output folder: its checkpoint lets an interrupted
run continue, and ``run.json`` marks a finished one.
"""
from __future__ import annotations

import hashlib
import inspect
import json
import os
import time
from pathlib import Path

import numpy as np

from . import checkpoints, data, faces, matmul_conv, networks, training
from .download import cache_dir

RETRAIN_ENV = "GANBOOK_RETRAIN"
DONE = "run.json"


def run_key(profile, images: np.ndarray, fixed_z: np.ndarray) -> str:
    h = hashlib.sha256()
    h.update(json.dumps(profile.settings(), sort_keys=True).encode())
    h.update(hashlib.sha256(np.ascontiguousarray(images)).digest())
    h.update(np.ascontiguousarray(fixed_z, np.float32).tobytes())
    for module in (data, faces, matmul_conv, networks, training):
        h.update(inspect.getsource(module).encode())
    return h.hexdigest()[:16]


def run_folder(profile, images, fixed_z) -> Path:
    return cache_dir() / "runs" / f"dcgan-{profile.name}-{run_key(profile, images, fixed_z)}"


def _mark_done(folder: Path, history: dict) -> None:
    tmp = folder / (DONE + ".tmp")
    tmp.write_text(json.dumps({"seconds": history["seconds"],
                               "finished": time.strftime("%Y-%m-%d %H:%M")}))
    os.replace(tmp, folder / DONE)


def load(folder: Path, G, D) -> dict:
    """The finished run's weights into G and D; returns its history."""
    arrays, meta = checkpoints.read(folder / checkpoints.CHECKPOINT)
    for tag, net in (("G", G), ("D", D)):
        checkpoints.load_weights(folder, tag, net, arrays)
    history = {"stats": arrays["stats"], "epoch_samples": arrays["epoch_samples"],
               "seconds": meta["seconds"], "log": meta["log"]}
    history.update(json.loads((folder / DONE).read_text()))
    return history


def _short(path: Path) -> str:
    """The path with the home folder written as ~ (shorter, and the same for everyone)."""
    home = str(Path.home())
    return "~" + str(path)[len(home):] if str(path).startswith(home) else str(path)


def train_or_reuse(G, D, batches, profile, ctx, fixed_z, images) -> dict:
    """Train G and D (see training.train), or load the finished run with the same
    key from the cache. Says which it did. An interrupted run continues."""
    folder = run_folder(profile, images, fixed_z)
    if (folder / DONE).exists() and not os.environ.get(RETRAIN_ENV):
        history = load(folder, G, D)
        print(f"Reusing the finished run in {_short(folder)}\n(trained {history['finished']}, "
              f"{history['seconds'] / 60:.1f} min; same settings, data and code). "
              f"Set {RETRAIN_ENV}=1 to train again. Its training log:")
        print("\n".join(history["log"]))
        return history
    if os.environ.get(RETRAIN_ENV) and folder.exists():
        for name in (DONE, checkpoints.CHECKPOINT):
            (folder / name).unlink(missing_ok=True)
    history = training.train(G, D, batches, profile, ctx, fixed_z, out=folder)
    _mark_done(folder, history)
    print(f"Trained in {history['seconds'] / 60:.1f} min; saved to {_short(folder)}")
    return history


def trained_networks(profile, ctx):
    """The DCGAN chapter's G and D for this profile: its finished run from the cache,
    or trained now (seconds in `quick`, minutes in `default`). Returns (G, D, history)."""
    images, _ = data.training_images(profile)
    batches = data.Batches(images, profile.batch_size, seed=profile.seed, flip=profile.flip)
    G, D = training.build_networks(profile, ctx, seed=profile.seed)
    history = train_or_reuse(G, D, batches, profile, ctx, training.fixed_noise(profile), images)
    return G, D, history
