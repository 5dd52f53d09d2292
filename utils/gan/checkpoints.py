"""Checkpoints of a training run: written atomically, checked when resumed.

One file, ``checkpoint.npz``, holds everything a run needs to go on: G's and D's
weights, both optimisers' states (Adam's moments), where the run stands (epoch,
batch within it, iteration), its settings and history. It is written to a
temporary file that replaces the old one only when complete, so a crash or a
``kill -9`` while writing leaves the previous good checkpoint in place.

MXNet 1.9.1 cannot save its random generator's state, so a run reseeds from
(seed, epoch, batch) at the start of each epoch and after resuming: an epoch-end
resume repeats the uninterrupted run exactly; a mid-epoch one draws other noise.
"""
from __future__ import annotations

import json
import os
import tempfile
import time
import zipfile
from pathlib import Path

import numpy as np
from mxnet import nd

CHECKPOINT = "checkpoint.npz"
FORMAT = 1
# Fault injection for the crash test: seconds to wait between writing the
# temporary file and putting it in place (never set outside that test).
SLOW_WRITE_ENV = "GANBOOK_TEST_SLOW_CHECKPOINT"


class CheckpointError(RuntimeError):
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


def _trainer_bytes(trainer) -> np.ndarray:
    with tempfile.TemporaryDirectory() as tmp:
        trainer.save_states(os.path.join(tmp, "states"))
        return np.frombuffer(Path(tmp, "states").read_bytes(), np.uint8)


def _json_bytes(obj) -> np.ndarray:
    return np.frombuffer(json.dumps(obj).encode(), np.uint8)


def save(path, G, D, trainer_g, trainer_d, profile, state: dict) -> None:
    """Write the checkpoint to a temporary file, then rename it over the old one."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    arrays = {f"{tag}/{name}": p.data().asnumpy()
              for tag, net in (("G", G), ("D", D)) for name, p in _weights(net).items()}
    arrays["trainer_g"], arrays["trainer_d"] = _trainer_bytes(trainer_g), _trainer_bytes(trainer_d)
    arrays["stats"] = history(state)["stats"]
    if state["epoch_samples"]:
        arrays["epoch_samples"] = np.stack(state["epoch_samples"])
    arrays["meta"] = _json_bytes({
        "format": FORMAT, "settings": profile.settings(), "saved": time.strftime("%Y-%m-%d %H:%M:%S"),
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


def save_if(out, G, D, trainer_g, trainer_d, profile, state) -> None:
    if out is not None:
        save(Path(out) / CHECKPOINT, G, D, trainer_g, trainer_d, profile, state)


def read(path) -> tuple[dict, dict]:
    """(arrays, meta) of a checkpoint file, or a CheckpointError that says what to do."""
    path = Path(path)
    try:
        with np.load(path) as f:
            arrays = {k: f[k] for k in f.files}
        meta = json.loads(arrays.pop("meta").tobytes())
    except (OSError, ValueError, KeyError, EOFError, zipfile.BadZipFile) as err:
        raise CheckpointError(
            f"{path} is not a readable checkpoint ({type(err).__name__}: {err}). Move it "
            "away to start this run from scratch, or point to another output folder.") from err
    if meta.get("format") != FORMAT:
        raise CheckpointError(f"{path} has format {meta.get('format')}, this code reads {FORMAT}.")
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
    """Put the checkpoint's weights for `tag` ("G" or "D") into net, after checking
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


def _load_trainer(trainer, data: np.ndarray) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        Path(tmp, "states").write_bytes(data.tobytes())
        trainer.load_states(os.path.join(tmp, "states"))


def resume(out, G, D, trainer_g, trainer_d, profile, log=print) -> dict:
    """Load the checkpoint in folder `out` into the networks and optimisers and
    return the state to go on from; a fresh state when there is none yet."""
    path = Path(out) / CHECKPOINT
    if not path.exists():
        return fresh_state()
    arrays, meta = read(path)
    _check_settings(path, meta["settings"], profile.settings())
    load_weights(path, "G", G, arrays)
    load_weights(path, "D", D, arrays)
    _load_trainer(trainer_g, arrays["trainer_g"])
    _load_trainer(trainer_d, arrays["trainer_d"])
    state = {k: meta[k] for k in ("epoch", "batch", "iteration", "seconds", "log")}
    state["stats"] = [arrays["stats"]] if len(arrays["stats"]) else []
    state["epoch_samples"] = list(arrays.get("epoch_samples", []))
    log(f"Resuming from {path} (saved {meta['saved']}): epoch {state['epoch'] + 1}, "
        f"iteration {state['iteration']}.")
    return state
