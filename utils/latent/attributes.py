"""A small attribute classifier: is a face smiling, wearing glasses, dark-haired?

The latent-space chapter needs labels for *generated* faces, to pick exemplars for
face arithmetic and to find attribute directions without choosing faces by hand.
The embedded faces come with the attributes they were drawn with, so a small CNN
trained on them can label G's samples. It is checked on held-out faces (another
seed) and cached, so the chapter re-runs instantly.

LFW's attribute file (the `full` profile) is not used yet: the classifier is always
trained on the embedded faces, and `trained_classifier` says so.
"""
from __future__ import annotations

import dataclasses
import json
import os
import sys
import time
from pathlib import Path

import mxnet as mx
import numpy as np
from mxnet import autograd, gluon, nd
from mxnet.gluon import nn

from .. import cache
from ..data import faces, to_float

LABELS = ("smiling", "glasses", "dark_hair")
SMILE_THRESHOLD = 0.33  # smile in [-1, 1]: above this the mouth clearly curves up
DARK_HAIR = ("black", "brown")


@dataclasses.dataclass(frozen=True)
class Settings:
    """Everything that changes the trained classifier (and so its cache key)."""
    n_train: int
    n_test: int
    epochs: int
    width: int
    batch_size: int = 64
    lr: float = 3e-3
    seed: int = 0
    train_faces_seed: int = 101  # not the DCGAN's training seed (0) ...
    test_faces_seed: int = 202   # ... and held-out faces from yet another seed


SETTINGS = {
    "quick": Settings(n_train=1500, n_test=500, epochs=4, width=8),
    "default": Settings(n_train=4000, n_test=1000, epochs=6, width=16),
}


def settings_for(profile_name: str) -> Settings:
    """The classifier's settings for a profile. `full` (LFW) falls back to the
    embedded faces: LFW's attribute file is not implemented yet."""
    if profile_name == "full":
        print("Note: the LFW attribute path is not implemented yet; the classifier is "
              "trained on the embedded faces (default settings) instead.")
        return SETTINGS["default"]
    return SETTINGS[profile_name]


def labels(attrs: dict) -> np.ndarray:
    """Binary targets (n, 3) in LABELS order, from the attributes a face was drawn with:
    smiling = smile > 0.33 (neutral and frowning faces are 0), glasses = wears glasses,
    dark_hair = black or brown hair that is visible (bald faces count as not dark)."""
    dark = np.isin(attrs["hair_color"], [list(faces.HAIR_COLORS).index(c) for c in DARK_HAIR])
    visible = attrs["hair_style"] != faces.HAIR_STYLES.index("bald")
    return np.stack([attrs["smile"] > SMILE_THRESHOLD, attrs["glasses"] == 1,
                     dark & visible], axis=1).astype(np.float32)


def build(width: int) -> nn.HybridSequential:
    """A strided convolution (64 -> 32: as cheap as shrinking the picture first, but
    it still sees the mouth's thin line at full resolution), then three
    conv-BN-ReLU-pool stages (32 -> 16 -> 8 -> 4) and one logit per label.
    Tiny on purpose: the faces are clean drawings, not photos."""
    net = nn.HybridSequential(prefix="attr_")
    with net.name_scope():
        net.add(nn.Conv2D(width, 4, strides=2, padding=1), nn.Activation("relu"))
        for mult in (1, 2, 4):
            net.add(nn.Conv2D(width * mult, 3, padding=1, use_bias=False),
                    nn.BatchNorm(), nn.Activation("relu"), nn.MaxPool2D(2))
        net.add(nn.Flatten(), nn.Dense(len(LABELS)))
    return net


def fit(net, x: np.ndarray, y: np.ndarray, s: Settings, ctx) -> None:
    """Adam on sigmoid cross-entropy (multi-label: one independent yes/no per label)."""
    loss_fn = gluon.loss.SigmoidBinaryCrossEntropyLoss()
    trainer = gluon.Trainer(net.collect_params(), "adam", {"learning_rate": s.lr})
    rng = np.random.default_rng(s.seed)
    for _ in range(s.epochs):
        order = rng.permutation(len(x))
        for start in range(0, len(x) - s.batch_size + 1, s.batch_size):
            idx = order[start:start + s.batch_size]
            xb, yb = nd.array(x[idx], ctx=ctx), nd.array(y[idx], ctx=ctx)
            with autograd.record():
                loss = loss_fn(net(xb), yb)
            loss.backward()
            trainer.step(len(idx))


def predict(net, images: np.ndarray, ctx, batch: int = 500) -> np.ndarray:
    """Probabilities (n, 3) in LABELS order for uint8 (n, 64, 64, 3) images."""
    out = [net(nd.array(to_float(images[i:i + batch]), ctx=ctx)).sigmoid().asnumpy()
           for i in range(0, len(images), batch)]
    return np.concatenate(out)


def features(net, images: np.ndarray, ctx, batch: int = 500) -> np.ndarray:
    """The classifier's view of uint8 (n, 64, 64, 3) images: what its last layer reads
    (every layer but that one), as float64 (n, width * 4 * 16)."""
    out = []
    for i in range(0, len(images), batch):
        x = nd.array(to_float(images[i:i + batch]), ctx=ctx)
        for layer in list(net)[:-1]:
            x = layer(x)
        out.append(x.asnumpy().astype(np.float64))
    return np.concatenate(out)


def accuracy(probs: np.ndarray, targets: np.ndarray) -> dict[str, float]:
    """Share of right yes/no calls (probability > 0.5) per label."""
    right = (probs > 0.5) == (targets > 0.5)
    return {name: float(right[:, k].mean()) for k, name in enumerate(LABELS)}


def new_net(s: Settings, ctx):
    """A freshly initialised, hybridized classifier (weights from s.seed)."""
    mx.random.seed(s.seed)
    net = build(s.width)
    net.initialize(mx.init.Xavier(), ctx=ctx)
    net.hybridize(static_alloc=True)
    return net


def train(s: Settings, ctx):
    """Train on faces of one seed, measure on faces of another. Returns (net, report)."""
    t0 = time.time()
    images, attrs = faces.make_faces(s.n_train, seed=s.train_faces_seed)
    net = new_net(s, ctx)
    fit(net, to_float(images), labels(attrs), s, ctx)
    seconds = time.time() - t0
    test_images, test_attrs = faces.make_faces(s.n_test, seed=s.test_faces_seed)
    held_out = accuracy(predict(net, test_images, ctx), labels(test_attrs))
    return net, {"held_out_accuracy": held_out, "seconds": round(seconds, 1),
                 "n_train": s.n_train, "n_test": s.n_test}


def cache_folder(s: Settings) -> Path:
    """Keyed by the settings, this module's code and the face drawing code
    (comments and docstrings do not count)."""
    code = cache.code_fingerprint(faces, sys.modules[__name__])
    return cache.cache_dir() / "classifiers" / f"attributes-{cache.key(dataclasses.asdict(s), code)}"


def save(folder: Path, net, report: dict) -> None:
    """Weights, then the report; the report's presence marks a finished classifier."""
    net.save_parameters(str(folder / "classifier.params"))
    tmp = folder / "report.json.tmp"
    tmp.write_text(json.dumps(report))
    os.replace(tmp, folder / "report.json")


def load(folder: Path, s: Settings, ctx):
    net = new_net(s, ctx)
    net.load_parameters(str(folder / "classifier.params"), ctx=ctx)
    return net, json.loads((folder / "report.json").read_text())


def trained_classifier(profile_name: str, ctx):
    """The profile's classifier: from the cache, or trained now (and cached).
    Returns (net, report); the report holds the held-out accuracy per label."""
    s = settings_for(profile_name)

    def make(folder):
        net, report = train(s, ctx)
        save(folder, net, report)
        return net, report

    (net, report), reused = cache.reuse_or_make(cache_folder(s), "report.json",
                                                lambda folder: load(folder, s, ctx), make)
    if reused:
        print(f"Reusing the attribute classifier from the cache (trained in {report['seconds']} s).")
    else:
        print(f"Trained the attribute classifier on {s.n_train} faces in {report['seconds']} s.")
    return net, report
