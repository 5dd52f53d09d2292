"""A small attribute classifier: it reads every attribute a cartoon face is drawn with.

The latent-space chapter needs labels for *generated* faces, to pick exemplars for
face arithmetic and to find attribute directions without choosing faces by hand:
is a face smiling, wearing glasses, dark-haired (`LABELS`, `predict`). The
evaluation chapter asks a wider question, attribute fidelity: for every attribute
the faces carry, does the generator draw it as often, or spread it as widely, as
the data does? So the same network also reads all nine attributes of
`faces.ATTRIBUTES` (`read`): hair colour and style as classes, glasses as yes/no,
and face width and height, skin tone, eye size, smile and background hue as
numbers. `fidelity` compares two such readings, of training faces and of
generated faces, one row per attribute.

The embedded faces come with the attributes they were drawn with, so a small CNN
trained on them can read G's samples. It is checked on held-out faces (another
seed) and cached, so the chapters re-run instantly.

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
from ..gan import quality

LABELS = ("smiling", "glasses", "dark_hair")
SMILE_THRESHOLD = 0.33  # smile in [-1, 1]: above this the mouth clearly curves up
DARK_HAIR = ("black", "brown")

# The ranges faces.sample_attributes draws from (see faces.ATTRIBUTES). Targets are
# scaled by them to about [-1, 1], so that no attribute's squared error outweighs
# another's just because of its units (eye size spans 0.025, smile spans 2).
RANGES = {
    "face_width": (0.24, 0.33),
    "face_height": (0.30, 0.38),
    "skin_tone": (0.0, 1.0),
    "eye_size": (0.035, 0.06),
    "smile": (-1.0, 1.0),
    "background_hue": (0.0, 1.0),
}
LINEAR = ("face_width", "face_height", "skin_tone", "eye_size", "smile")
CIRCULAR = "background_hue"  # 0.99 is next to 0.01: regressed as (cos 2πh, sin 2πh)
CLASSES = {"hair_color": len(faces.HAIR_COLORS), "hair_style": len(faces.HAIR_STYLES)}

# The last layer's outputs, in order: the three label logits (all that `predict`
# reads), the logits of hair colour and of hair style, then the scaled numbers:
# LINEAR, then cos and sin of the hue.
_COLOR = slice(len(LABELS), len(LABELS) + CLASSES["hair_color"])
_STYLE = slice(_COLOR.stop, _COLOR.stop + CLASSES["hair_style"])
_NUMBERS = slice(_STYLE.stop, _STYLE.stop + len(LINEAR) + 2)
OUTPUTS = _NUMBERS.stop


def kind(name: str) -> str:
    """How an attribute is read and compared: "rate" (yes/no), "classes" or "continuous"."""
    if name == "glasses":
        return "rate"
    return "classes" if name in CLASSES else "continuous"


@dataclasses.dataclass(frozen=True)
class Settings:
    """Everything that changes the trained classifier (and so its cache key)."""
    n_train: int
    n_test: int
    epochs: int
    width: int
    # Small batches: learning every attribute at once needs many steps more than
    # precise ones, and an epoch in steps of 32 faces costs little more than in 64.
    batch_size: int = 32
    lr: float = 3e-3
    seed: int = 0
    train_faces_seed: int = 101  # not the DCGAN's training seed (0) ...
    test_faces_seed: int = 202   # ... and held-out faces from yet another seed


SETTINGS = {
    "quick": Settings(n_train=1500, n_test=500, epochs=12, width=8),
    "default": Settings(n_train=4000, n_test=1000, epochs=8, width=16),
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


def _scale(name: str, value):
    lo, hi = RANGES[name]
    return (value - (lo + hi) / 2) / ((hi - lo) / 2)


def _unscale(name: str, value):
    lo, hi = RANGES[name]
    return value * ((hi - lo) / 2) + (lo + hi) / 2


def targets(attrs: dict) -> np.ndarray:
    """Everything the classifier learns, as float32 (n, 12): the LABELS (0/1), the
    hair colour and style indices, the LINEAR attributes scaled to [-1, 1] by RANGES,
    then cos and sin of 2π * background hue."""
    hue = 2 * np.pi * np.asarray(attrs[CIRCULAR], np.float64)
    numbers = [_scale(name, np.asarray(attrs[name], np.float64)) for name in LINEAR]
    return np.column_stack([labels(attrs), attrs["hair_color"], attrs["hair_style"],
                            *numbers, np.cos(hue), np.sin(hue)]).astype(np.float32)


def build(width: int) -> nn.HybridSequential:
    """A strided convolution (64 -> 32: as cheap as shrinking the picture first, but
    it still sees the mouth's thin line at full resolution), then three
    conv-BN-ReLU-pool stages (32 -> 16 -> 8 -> 4) and one Dense layer with every
    output (see OUTPUTS). Tiny on purpose: the faces are clean drawings, not photos."""
    net = nn.HybridSequential(prefix="attr_")
    with net.name_scope():
        net.add(nn.Conv2D(width, 4, strides=2, padding=1), nn.Activation("relu"))
        for mult in (1, 2, 4):
            net.add(nn.Conv2D(width * mult, 3, padding=1, use_bias=False),
                    nn.BatchNorm(), nn.Activation("relu"), nn.MaxPool2D(2))
        net.add(nn.Flatten(), nn.Dense(OUTPUTS))
    return net


def _loss(out, y):
    """Per face: sigmoid cross-entropy on each label (an independent yes/no each),
    softmax cross-entropy on hair colour and on hair style, and the squared error
    of each scaled number, all added up with weight 1."""
    # Gluon's losses average over their outputs; summing instead gives every label
    # and every number a term of its own, as each class attribute has. Averaged, the
    # three labels and the seven numbers would each get a third or a seventh of the
    # pull, and smiles (the label and the number) were learned visibly worse.
    n = len(LABELS)
    bce = gluon.loss.SigmoidBinaryCrossEntropyLoss()(out[:, :n], y[:, :n]) * n
    ce = gluon.loss.SoftmaxCrossEntropyLoss()
    color = ce(out[:, _COLOR], y[:, n])
    style = ce(out[:, _STYLE], y[:, n + 1])
    squared = ((out[:, _NUMBERS] - y[:, n + 2:]) ** 2).sum(axis=1)
    return bce + color + style + squared


def _learning_rate(s: Settings, epoch: int) -> float:
    """s.lr, and a tenth of it for the last quarter of the epochs: at the full rate the
    numbers (smile, skin tone) still jitter from one epoch to the next, and the
    slower steps at the end settle them."""
    return s.lr * (0.1 if epoch >= s.epochs - s.epochs // 4 else 1.0)


def fit(net, x: np.ndarray, y: np.ndarray, s: Settings, ctx) -> None:
    """Adam on the sum of the losses of every output (see `_loss`); y is `targets`."""
    trainer = gluon.Trainer(net.collect_params(), "adam", {"learning_rate": s.lr})
    rng = np.random.default_rng(s.seed)
    for epoch in range(s.epochs):
        trainer.set_learning_rate(_learning_rate(s, epoch))
        order = rng.permutation(len(x))
        for start in range(0, len(x) - s.batch_size + 1, s.batch_size):
            idx = order[start:start + s.batch_size]
            xb, yb = nd.array(x[idx], ctx=ctx), nd.array(y[idx], ctx=ctx)
            with autograd.record():
                loss = _loss(net(xb), yb)
            loss.backward()
            trainer.step(len(idx))


def _outputs(net, images: np.ndarray, ctx, batch: int):
    """The last layer's outputs (MXNet, (batch, OUTPUTS)) for uint8 (n, 64, 64, 3) images, batch by batch."""
    for i in range(0, len(images), batch):
        yield net(nd.array(to_float(images[i:i + batch]), ctx=ctx))


def predict(net, images: np.ndarray, ctx, batch: int = 500) -> np.ndarray:
    """Probabilities (n, 3) in LABELS order for uint8 (n, 64, 64, 3) images."""
    return np.concatenate([out[:, :len(LABELS)].sigmoid().asnumpy()
                           for out in _outputs(net, images, ctx, batch)])


def class_probabilities(net, images: np.ndarray, ctx, name: str, batch: int = 500) -> np.ndarray:
    """How sure the classifier is of each class of `name` ("hair_color" or
    "hair_style"): probabilities (n, classes) for uint8 (n, 64, 64, 3) images. `read`
    keeps only the likeliest class; a face drawn between two classes shows here."""
    part = {"hair_color": _COLOR, "hair_style": _STYLE}[name]
    return np.concatenate([out[:, part].softmax(axis=1).asnumpy()
                           for out in _outputs(net, images, ctx, batch)])


def read(net, images: np.ndarray, ctx, batch: int = 500) -> dict[str, np.ndarray]:
    """The classifier's reading of every attribute in faces.ATTRIBUTES, for uint8
    (n, 64, 64, 3) images, in the units and dtypes faces.sample_attributes draws:
    hair_color and hair_style as int64 indices (the likeliest class), glasses as
    int64 0/1 (its label's probability above 1/2), background_hue in [0, 1) from the
    angle of (cos, sin), and the other numbers clipped to their RANGES (the network
    never saw a face outside them, so a reading beyond is only extrapolation)."""
    out = np.concatenate([o.asnumpy() for o in _outputs(net, images, ctx, batch)])
    numbers = out[:, _NUMBERS]
    reading = {
        "glasses": (out[:, LABELS.index("glasses")] > 0).astype(np.int64),
        "hair_color": out[:, _COLOR].argmax(axis=1).astype(np.int64),
        "hair_style": out[:, _STYLE].argmax(axis=1).astype(np.int64),
    }
    for k, name in enumerate(LINEAR):
        reading[name] = np.clip(_unscale(name, numbers[:, k]), *RANGES[name]).astype(np.float32)
    turn = np.arctan2(numbers[:, -1], numbers[:, -2]) / (2 * np.pi) % 1.0
    # float32 can round a tiny negative angle's turn up to exactly 1.0
    reading[CIRCULAR] = np.where(turn >= 1.0, 0.0, turn).astype(np.float32)
    return {name: reading[name] for name in faces.ATTRIBUTES}


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


def circular_difference(a, b) -> np.ndarray:
    """|a - b| on a circle of circumference 1 (hue): at most 1/2, so 0.98 and 0.02 are 0.04 apart."""
    d = np.abs(np.asarray(a, np.float64) - np.asarray(b, np.float64)) % 1.0
    return np.minimum(d, 1.0 - d)


def _with_hair(attrs: dict) -> np.ndarray:
    return np.asarray(attrs["hair_style"]) != faces.HAIR_STYLES.index("bald")


def recovery(reading: dict, attrs: dict) -> dict[str, dict]:
    """How well a reading matches the attributes the faces were drawn with, per
    attribute in faces.ATTRIBUTES: {"measure": ..., "value": ...}, the measure being
    "accuracy" (share right) for glasses and hair style, "accuracy where hair shows"
    for hair colour (a bald face shows no hair colour, so there is nothing to read),
    "mean absolute error" (in the attribute's units) for the numbers, and for
    background hue the mean absolute error around the circle ("circular mean
    absolute error")."""
    result = {}
    for name in faces.ATTRIBUTES:
        if name == "hair_color":
            hair = _with_hair(attrs)
            measure = "accuracy where hair shows"
            value = np.mean(reading[name][hair] == attrs[name][hair]) if hair.any() else np.nan
        elif kind(name) != "continuous":
            measure, value = "accuracy", np.mean(reading[name] == attrs[name])
        elif name == CIRCULAR:
            measure = "circular mean absolute error"
            value = circular_difference(reading[name], attrs[name]).mean()
        else:
            measure = "mean absolute error"
            value = np.abs(np.asarray(reading[name], np.float64) - attrs[name]).mean()
        result[name] = {"measure": measure, "value": float(value)}
    return result


def new_net(s: Settings, ctx):
    """A freshly initialised, hybridized classifier (weights from s.seed)."""
    mx.random.seed(s.seed)
    net = build(s.width)
    net.initialize(mx.init.Xavier(), ctx=ctx)
    net.hybridize(static_alloc=True)
    return net


def train(s: Settings, ctx):
    """Train on faces of one seed, measure on faces of another. Returns (net, report):
    the report holds the held-out accuracy per label ("held_out_accuracy") and how
    well `read` recovers every attribute ("held_out_attributes", see `recovery`)."""
    t0 = time.time()
    images, attrs = faces.make_faces(s.n_train, seed=s.train_faces_seed)
    net = new_net(s, ctx)
    fit(net, to_float(images), targets(attrs), s, ctx)
    seconds = time.time() - t0
    test_images, test_attrs = faces.make_faces(s.n_test, seed=s.test_faces_seed)
    held_out = accuracy(predict(net, test_images, ctx), labels(test_attrs))
    return net, {"held_out_accuracy": held_out,
                 "held_out_attributes": recovery(read(net, test_images, ctx), test_attrs),
                 "seconds": round(seconds, 1), "n_train": s.n_train, "n_test": s.n_test}


def _circular_mean(hue) -> float:
    angle = 2 * np.pi * np.asarray(hue, np.float64)
    return float(np.arctan2(np.sin(angle).mean(), np.cos(angle).mean()) / (2 * np.pi) % 1.0)


def _rate_row(name, data, generated):
    d, g = float(np.mean(data)), float(np.mean(generated))
    return {"attribute": name, "kind": "rate", "data": d, "generated": g, "gap": 100 * abs(g - d)}


def fidelity(data: dict, generated: dict) -> list[dict]:
    """Attribute fidelity: how a generator draws each attribute compared with the
    data, from two `read` results (the classifier's reading of training faces and of
    generated faces; comparing a reading with a reading cancels most of the
    classifier's own bias).

    One row per attribute in faces.ATTRIBUTES order, then the "smiling" and
    "dark_hair" labels (from `labels` applied to each reading; glasses is already a
    row). Each row is {"attribute", "kind", "data", "generated", "gap"}:
      - "rate" (glasses, smiling, dark_hair): data and generated are the shares of
        faces with it (0 to 1); gap = |difference| in percentage points.
      - "classes" (hair_color, hair_style): data and generated are the lists of
        shares per class; gap = the largest |difference| of a class's share, in
        percentage points. Hair colour shares count only the faces the reading
        says have hair (a bald face shows no colour; hair_style's row tells how
        often each reading says bald); with none, every share is 0.
      - "continuous": data and generated are the means (for background_hue the
        circular mean, in [0, 1)); the row also holds "w1", the 1-D Wasserstein
        distance between the two samples in the attribute's units (for
        background_hue on the circle, see `quality.circular_wasserstein`), and gap =
        w1 as a percentage of the attribute's range (RANGES).
    So every gap is in comparable points: 0 means drawn as in the data; 10 means
    a share off by 10 points, or values moved by a tenth of their range on average.
    Sampling alone leaves gaps of a point or two between readings of two sets of
    2000 data faces, so only gaps well above that say something about G.
    """
    rows = []
    for name in faces.ATTRIBUTES:
        d, g = np.asarray(data[name]), np.asarray(generated[name])
        if kind(name) == "rate":
            rows.append(_rate_row(name, d == 1, g == 1))
        elif kind(name) == "classes":
            if name == "hair_color":  # what the classifier says for a bald face is noise
                d, g = d[_with_hair(data)], g[_with_hair(generated)]
            d_share = np.bincount(d, minlength=CLASSES[name]) / max(len(d), 1)
            g_share = np.bincount(g, minlength=CLASSES[name]) / max(len(g), 1)
            rows.append({"attribute": name, "kind": "classes", "data": d_share.tolist(),
                         "generated": g_share.tolist(),
                         "gap": float(100 * np.abs(g_share - d_share).max())})
        else:
            lo, hi = RANGES[name]
            if name == CIRCULAR:
                w1, means = quality.circular_wasserstein(d, g), (_circular_mean(d), _circular_mean(g))
            else:
                w1, means = quality.wasserstein(d, g), (float(d.mean()), float(g.mean()))
            rows.append({"attribute": name, "kind": "continuous", "data": means[0],
                         "generated": means[1], "w1": w1, "gap": 100 * w1 / (hi - lo)})
    d_labels, g_labels = labels(data), labels(generated)
    for name in ("smiling", "dark_hair"):
        k = LABELS.index(name)
        rows.append(_rate_row(name, d_labels[:, k], g_labels[:, k]))
    return rows


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
    Returns (net, report); the report holds the held-out accuracy per label and the
    held-out recovery of every attribute."""
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
