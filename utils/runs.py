"""A finished training run, kept in a cache folder so it is never repeated needlessly.

A run is identified by everything that changes its result: the profile's settings,
the training images, the fixed noise, and the source code of the modules that
train it. Change any of these and the key changes, so a stale run is never reused.
"""
from __future__ import annotations

import hashlib
import inspect
import json
import os
import shutil
import tempfile
import time
from pathlib import Path

import numpy as np

from . import data, faces, networks, training
from .download import cache_dir

RETRAIN_ENV = "GANBOOK_RETRAIN"


def run_key(profile, images: np.ndarray, fixed_z: np.ndarray) -> str:
    h = hashlib.sha256()
    h.update(json.dumps(profile.settings(), sort_keys=True).encode())
    h.update(hashlib.sha256(np.ascontiguousarray(images)).digest())
    h.update(np.ascontiguousarray(fixed_z, np.float32).tobytes())
    for module in (data, faces, networks, training):
        h.update(inspect.getsource(module).encode())
    return h.hexdigest()[:16]


def run_folder(profile, images, fixed_z) -> Path:
    return cache_dir() / "runs" / f"dcgan-{profile.name}-{run_key(profile, images, fixed_z)}"


def save(folder: Path, G, D, history: dict) -> None:
    """Write the run into a temporary folder, then rename it into place: a run
    interrupted while saving never leaves a half-written folder that looks done."""
    folder.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=folder.name + ".", dir=folder.parent))
    G.save_parameters(str(tmp / "G.params"))
    D.save_parameters(str(tmp / "D.params"))
    np.savez(tmp / "history.npz", stats=history["stats"], epoch_samples=history["epoch_samples"])
    (tmp / "run.json").write_text(json.dumps(
        {"seconds": history["seconds"], "finished": time.strftime("%Y-%m-%d %H:%M"),
         "log": history.get("log", [])}))
    if folder.exists():
        shutil.rmtree(folder)
    os.replace(tmp, folder)


def load(folder: Path, G, D, ctx) -> dict:
    G.load_parameters(str(folder / "G.params"), ctx=ctx)
    D.load_parameters(str(folder / "D.params"), ctx=ctx)
    with np.load(folder / "history.npz") as f:
        history = {"stats": f["stats"], "epoch_samples": f["epoch_samples"]}
    history.update(json.loads((folder / "run.json").read_text()))
    return history


def _short(path: Path) -> str:
    """The path with the home folder written as ~ (shorter, and the same for everyone)."""
    home = str(Path.home())
    return "~" + str(path)[len(home):] if str(path).startswith(home) else str(path)


def train_or_reuse(G, D, batches, profile, ctx, fixed_z, images) -> dict:
    """Train G and D (see training.train), or load the finished run with the same
    key from the cache. Says which it did."""
    folder = run_folder(profile, images, fixed_z)
    if (folder / "run.json").exists() and not os.environ.get(RETRAIN_ENV):
        history = load(folder, G, D, ctx)
        print(f"Reusing the finished run in {_short(folder)}\n(trained {history['finished']}, "
              f"{history['seconds'] / 60:.1f} min; same settings, data and code). "
              f"Set {RETRAIN_ENV}=1 to train again. Its training log:")
        print("\n".join(history["log"]))
        return history
    lines = []

    def log(line):  # print as usual, and keep the lines for whoever reuses the run
        print(line, flush=True)
        lines.append(line)

    history = training.train(G, D, batches, profile, ctx, fixed_z, log=log)
    history["log"] = lines
    save(folder, G, D, history)
    print(f"Trained in {history['seconds'] / 60:.1f} min; saved to {_short(folder)}")
    return history
