"""Checkpoints of a training run: plain data, written atomically, checked when resumed.

One file, ``checkpoint.npz``, holds everything a run needs to go on: G's and D's
weights (and the moving average of G's, "G_avg", when the run keeps one), both optimisers' states (Adam's moments as arrays, its update counts as
numbers), where the run stands (epoch, batch within it, iteration), its settings,
a fingerprint of its data and its history. It is written to a temporary file that
replaces the old one only when complete, so a crash or a ``kill -9`` while
writing leaves the previous good checkpoint in place.

A checkpoint is data, never code: it is read with ``allow_pickle=False`` and the
optimiser states are put back array by array, not through MXNet's pickled
``Trainer.load_states``. Checkpoints are files people share; opening one must not
run anything. Format 1 (before this rule) stored pickled optimiser states: its
weights are still read (a finished cached run is reused), but it is not resumed.

MXNet 1.9.1 cannot save its random generator's state, so a run reseeds from
(seed, epoch, batch) at the start of each epoch and after resuming: an epoch-end
resume repeats the uninterrupted run exactly; a mid-epoch one draws other noise.
"""
from __future__ import annotations

import hashlib
import json
import os
import tempfile
import time
import zipfile
from pathlib import Path

import numpy as np
from mxnet import nd

from ..errors import GanBookError

CHECKPOINT = "checkpoint.npz"
FORMAT = 2          # 2: optimiser states as arrays; 1: pickled (weights readable, not resumable)
WEIGHTS_FORMAT = 1  # how weights are named and stored: unchanged since format 1
# Fault injection for the crash test: seconds to wait between writing the
# temporary file and putting it in place (never set outside that test).
SLOW_WRITE_ENV = "GANBOOK_TEST_SLOW_CHECKPOINT"


class CheckpointError(GanBookError, RuntimeError):
    """A checkpoint that cannot be used: unreadable, or from a different run."""


def fresh_state() -> dict:
    return {"epoch": 0, "batch": 0, "iteration": 0, "seconds": 0.0,
            "stats": [], "epoch_samples": [], "log": []}


def stream_seed(seed: int, epoch: int, batch: int) -> int:
    """MXNet's seed for the noise drawn from (epoch, batch) on."""
    return (seed * 1_000_003 + epoch * 10_007 + batch) % (2 ** 31)


def history(state: dict) -> dict:
    """What a finished (or stopped) run returns: statistics, samples, time, log."""
    stats = np.concatenate(state["stats"]) if state["stats"] else np.zeros((0, 5), np.float32)
    samples = np.stack(state["epoch_samples"]) if state["epoch_samples"] else None
    return {"stats": stats, "epoch_samples": samples, "seconds": state["seconds"],
            "log": list(state["log"])}


def _weights(net) -> dict:
    """Parameters by their place in the network ("1.gamma"), as saved by Gluon."""
    return net._collect_params_with_prefix()  # noqa: SLF001 (what save_parameters uses)


def weight_arrays(net) -> dict:
    """net's parameters as numpy arrays, by their place in the network.

    Waits for all of MXNet's queued work first: a call of the network outside
    autograd.record() makes MXNet's oneDNN build rewrite each weight's memory
    layout in a task that the call queues while it runs, and reading a weight
    before that task is queued can crash the process (a segmentation fault)."""
    nd.waitall()
    return {name: p.data().asnumpy() for name, p in _weights(net).items()}


def _updaters(trainer) -> list:
    """The updaters that hold the optimiser's state: the kvstore's one when the
    kvstore updates (several devices), else one per device."""
    if not trainer._kv_initialized:  # noqa: SLF001 (set up on the first step)
        trainer._init_kvstore()  # noqa: SLF001
    if trainer._update_on_kvstore:  # noqa: SLF001
        return [trainer._kvstore._updater]  # noqa: SLF001
    return trainer._updaters  # noqa: SLF001


def _optimizer_arrays(tag: str, trainer) -> tuple[dict, dict]:
    """(arrays, numbers) that restore the optimiser: each parameter's state arrays
    (Adam: mean and variance) and the update counts (Adam's bias correction)."""
    updater = _updaters(trainer)[0]  # every device holds the same state
    arrays = {}
    for index, state in updater.states.items():
        parts = state if isinstance(state, (tuple, list)) else (state,)
        for j, part in enumerate(parts):
            if part is not None:
                arrays[f"opt_{tag}/{index}/{j}"] = part.asnumpy()
    opt = trainer._optimizer  # noqa: SLF001
    counts = {str(device): {str(i): n for i, n in c.items()}
              for device, c in opt._all_index_update_counts.items()}  # noqa: SLF001
    numbers = {"num_update": opt.num_update, "counts": counts,
               "parts": {str(i): len(st) if isinstance(st, (tuple, list)) else 1
                         for i, st in updater.states.items()}}
    return arrays, numbers


def _load_optimizer(tag: str, trainer, arrays: dict, numbers: dict) -> None:
    """Put saved optimiser states into every updater of trainer (on the CPU; MXNet
    moves each to its weight's device on the next step: states_synced False)."""
    for updater in _updaters(trainer):
        for index, n_parts in numbers["parts"].items():
            parts = tuple(nd.array(arrays[f"opt_{tag}/{index}/{j}"]) for j in range(n_parts))
            updater.states[int(index)] = parts if n_parts > 1 else parts[0]
            updater.states_synced[int(index)] = False
    opt = trainer._optimizer  # noqa: SLF001
    opt.num_update = numbers["num_update"]
    opt._all_index_update_counts = {  # noqa: SLF001
        int(device): {int(i): n for i, n in c.items()} for device, c in numbers["counts"].items()}
    opt._index_update_count = opt._all_index_update_counts[0]  # noqa: SLF001


def data_fingerprint(images: np.ndarray) -> dict:
    """What a run was trained on: image count, shape and a hash of the pixels."""
    digest = hashlib.sha256(np.ascontiguousarray(images)).hexdigest()
    return {"images": int(len(images)), "shape": list(images.shape[1:]), "sha256": digest[:16]}


def _json_bytes(obj) -> np.ndarray:
    return np.frombuffer(json.dumps(obj).encode(), np.uint8)


def _networks(G, D, G_avg=None) -> tuple:
    return (("G", G), ("D", D)) + ((("G_avg", G_avg),) if G_avg is not None else ())


def save(path, G, D, trainer_g, trainer_d, profile, state: dict, data: dict | None = None,
         G_avg=None) -> None:
    """Write the checkpoint to a temporary file, then rename it over the old one.
    `data` is the training images' fingerprint (data_fingerprint)."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    arrays = {f"{tag}/{name}": array
              for tag, net in _networks(G, D, G_avg) for name, array in weight_arrays(net).items()}
    optimizers = {}
    for tag, trainer in (("g", trainer_g), ("d", trainer_d)):
        opt_arrays, optimizers[tag] = _optimizer_arrays(tag, trainer)
        arrays.update(opt_arrays)
    arrays["stats"] = history(state)["stats"]
    if state["epoch_samples"]:
        arrays["epoch_samples"] = np.stack(state["epoch_samples"])
    arrays["meta"] = _json_bytes({
        "format": FORMAT, "settings": profile.settings(), "saved": time.strftime("%Y-%m-%d %H:%M:%S"),
        "data": data, "optimizers": optimizers,
        **{k: state[k] for k in ("epoch", "batch", "iteration", "seconds", "log")}})
    for stale in path.parent.glob(path.name + ".*.tmp"):  # left by a killed writer
        stale.unlink(missing_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=path.name + ".", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as f:
            np.savez(f, **arrays)
            f.flush()
            os.fsync(f.fileno())  # on disk before the rename, or a power cut could lose both
        if os.environ.get(SLOW_WRITE_ENV):
            time.sleep(float(os.environ[SLOW_WRITE_ENV]))
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def save_if(out, G, D, trainer_g, trainer_d, profile, state, data=None, G_avg=None) -> None:
    if out is not None:
        save(Path(out) / CHECKPOINT, G, D, trainer_g, trainer_d, profile, state, data, G_avg)


def read(path, formats=(FORMAT,)) -> tuple[dict, dict]:
    """(arrays, meta) of a checkpoint file, or a CheckpointError that says what to do.
    Never unpickles: an entry that holds Python objects makes the file unreadable."""
    path = Path(path)
    try:
        with np.load(path, allow_pickle=False) as f:
            arrays = {k: f[k] for k in f.files}
        meta = json.loads(arrays.pop("meta").tobytes())
    except (OSError, ValueError, KeyError, EOFError, zipfile.BadZipFile) as err:
        raise CheckpointError(
            f"{path} is not a readable checkpoint ({type(err).__name__}: {err}). Move it "
            "away to start this run from scratch, or point to another output folder.") from err
    if meta.get("format") not in formats:
        if meta.get("format") == 1:
            raise CheckpointError(
                f"{path} is an older checkpoint (format 1) whose optimiser states are pickled "
                "Python objects, which this book no longer loads (a shared file must not run "
                "code). Its weights are intact, but its training cannot be resumed: start the "
                "run again in another output folder (or delete this checkpoint).")
        raise CheckpointError(f"{path} has format {meta.get('format')}; this code reads "
                              f"{', '.join(map(str, formats))}. Use the version of the book "
                              "that wrote it, or start a new run in another folder.")
    return arrays, meta


def _check_settings(path, saved: dict, current: dict) -> None:
    """Every setting must match, except the number of epochs (a run may be extended)."""
    diff = [f"{k}: checkpoint {saved.get(k)!r}, now {current.get(k)!r}"
            for k in sorted(set(saved) | set(current))
            if k != "epochs" and saved.get(k) != current.get(k)]
    if diff:
        raise CheckpointError(
            f"{path} belongs to a run with other settings ({'; '.join(diff)}). Use the "
            "same settings to resume, or another output folder for a new run.")


def load_weights(path, tag: str, net, arrays: dict) -> None:
    """Put the checkpoint's weights for `tag` ("G", "D" or "G_avg") into net, after checking
    that every parameter is there with the same shape."""
    params = _weights(net)
    saved = {k[len(tag) + 1:]: v for k, v in arrays.items() if k.startswith(tag + "/")}
    for name, p in params.items():
        if name not in saved or saved[name].shape != p.shape:
            got = saved[name].shape if name in saved else "missing"
            raise CheckpointError(
                f"{path}: {tag}'s parameter {name} has shape {got} in the checkpoint but "
                f"{p.shape} in this network: a different architecture. Resume with the same "
                "network widths, or use another output folder.")
    if set(saved) - set(params):
        raise CheckpointError(f"{path}: {tag} in the checkpoint has parameters this network "
                              f"lacks ({sorted(set(saved) - set(params))[:3]}).")
    for name, p in params.items():
        p.set_data(nd.array(saved[name], dtype=saved[name].dtype))


def _check_data(path, saved: dict | None, current: dict | None) -> None:
    if saved is None or current is None or saved == current:
        return
    diff = [f"{k}: checkpoint {saved.get(k)}, now {current.get(k)}"
            for k in ("images", "shape", "sha256") if saved.get(k) != current.get(k)]
    raise CheckpointError(
        f"{path} was trained on other images ({'; '.join(diff)}). Resume with the same "
        "data (the same --data folder or profile), or use another output folder for a new run.")


EPOCHS = "epochs"  # G's weights after each epoch: epochs/G_epoch_NNN.npz


def save_epoch_weights(out, G, epoch: int, seconds: float) -> None:
    """G's weights after `epoch` (1-based) and the training seconds so far, so that a
    generator's quality can be followed through the run. Plain arrays, no pickle."""
    if out is None:
        return
    folder = Path(out) / EPOCHS
    folder.mkdir(parents=True, exist_ok=True)
    arrays = weight_arrays(G)
    arrays["seconds"] = np.array(seconds)
    tmp = folder / f"G_epoch_{epoch:03d}.npz.tmp"
    with open(tmp, "wb") as f:
        np.savez(f, **arrays)
    os.replace(tmp, folder / f"G_epoch_{epoch:03d}.npz")


def epoch_weights(folder):
    """[(epoch, seconds, arrays)] of the G weights a run saved after each epoch."""
    found = []
    for path in sorted((Path(folder) / EPOCHS).glob("G_epoch_*.npz")):
        with np.load(path, allow_pickle=False) as f:
            arrays = {k: f[k] for k in f.files}
        found.append((int(path.stem.rsplit("_", 1)[1]), float(arrays.pop("seconds")),
                      {f"G/{k}": v for k, v in arrays.items()}))
    return found


def check_resumable(path, profile) -> dict:
    """The checkpoint's metadata, once its format and settings allow resuming it with
    `profile`; a CheckpointError that says what to do otherwise. Loads nothing."""
    _, meta = read(path)
    _check_settings(path, meta["settings"], profile.settings())
    return meta


def resume(out, G, D, trainer_g, trainer_d, profile, log=print, data=None, G_avg=None) -> dict:
    """Load the checkpoint in folder `out` into the networks (G_avg too, when given)
    and optimisers and return the state to go on from; a fresh state when there is
    none yet. `data` is the fingerprint of the images this run is given: it must be
    the saved one."""
    path = Path(out) / CHECKPOINT
    if not path.exists():
        return fresh_state()
    arrays, meta = read(path)
    _check_settings(path, meta["settings"], profile.settings())
    _check_data(path, meta.get("data"), data)
    for tag, net in _networks(G, D, G_avg):
        load_weights(path, tag, net, arrays)
    _load_optimizer("g", trainer_g, arrays, meta["optimizers"]["g"])
    _load_optimizer("d", trainer_d, arrays, meta["optimizers"]["d"])
    state = {k: meta[k] for k in ("epoch", "batch", "iteration", "seconds", "log")}
    state["stats"] = [arrays["stats"]] if len(arrays["stats"]) else []
    state["epoch_samples"] = list(arrays.get("epoch_samples", []))
    log(f"Resuming from {path} (saved {meta['saved']}): epoch {state['epoch'] + 1}, "
        f"iteration {state['iteration']}.")
    return state
