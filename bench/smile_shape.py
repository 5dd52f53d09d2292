"""How much of the smiling gap is the shape of G's smile histogram?

    python bench/smile_shape.py [--n 20000]

Chapter 4 counts a face as smiling when the classifier reads its smile above 0.33,
so the smiling row (a share) and the smile row (a histogram distance) are two
measures of one histogram. The data draws the smile evenly over [-1, 1]; G's
histogram is bell-shaped. This script asks what a bell costs by itself: it swaps
the smile reading of held-out drawings for draws from a normal distribution (then
clipped to [-1, 1], as the classifier's readings are) and prints both gaps to the
training faces, for bells of the data's mean and several standard deviations (a
multiple of the data's, before clipping; each line prints the spread after), and
for a bell of the stored `default` run's own mean and spread beside that run's real
gaps. No training: it reads the stored run's samples (chapter 4's codes) and 2,000
held-out drawings with the cached classifier.
"""
from __future__ import annotations

import argparse
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import utils  # noqa: E402,F401  (sets the thread count before MXNet loads)
import mxnet as mx  # noqa: E402
import numpy as np  # noqa: E402

from utils import profiles  # noqa: E402
from utils.gan import runs, scorecard  # noqa: E402
from utils.latent import attributes  # noqa: E402

SPREADS = (0.8, 0.9, 1.0, 1.1, 1.2, 1.3, 1.4)


def gaps(train_reading: dict, reading: dict) -> tuple[float, float]:
    """The smile row's gap (points of its range) and the smiling row's (points of a share)."""
    rows = {row["attribute"]: row["gap"] for row in attributes.fidelity(train_reading, reading)}
    return rows["smile"], rows["smiling"]


def with_smile(reading: dict, smile: np.ndarray) -> dict:
    """reading with its smile replaced, every other attribute drawn from the same faces
    (so only the smile rows change), resampled to len(smile) faces."""
    pick = np.arange(len(smile)) % len(reading["smile"])
    out = {name: np.asarray(values)[pick] for name, values in reading.items()}
    out["smile"] = smile.astype(np.float32)
    return out


def bell(rng, mean: float, std: float, n: int) -> np.ndarray:
    lo, hi = attributes.RANGES["smile"]
    return np.clip(rng.normal(mean, std, n), lo, hi)


def line(name: str, smile: np.ndarray, result: tuple[float, float], data_std: float) -> str:
    smiling_share = (smile > attributes.SMILE_THRESHOLD).mean()
    return (f"{name:<44} mean {smile.mean():+.3f}  spread {smile.std() / data_std:.2f} of the data's  "
            f"smiling {smiling_share:5.1%}  gaps: smile {result[0]:4.1f}, smiling {result[1]:4.1f}")


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--n", type=int, default=20000, help="draws per bell (more: less sampling noise)")
    args = ap.parse_args()
    p, ctx = profiles.PROFILES["default"], mx.cpu()
    classifier, _ = attributes.trained_classifier("default", ctx)
    refs = scorecard.references(p, classifier, ctx)
    held = attributes.read(classifier, refs.held_out, ctx)
    G, _, _ = runs.trained_networks(p, ctx, show_log=False)
    generated = attributes.read(classifier, scorecard.samples(G, p, ctx), ctx)
    train_smile = refs.train_reading["smile"]
    data_mean, data_std = float(train_smile.mean()), float(train_smile.std())
    rng = np.random.default_rng(0)

    print(f"training faces' smile, as read: mean {data_mean:+.3f}, standard deviation {data_std:.3f}, "
          f"smiling {(train_smile > attributes.SMILE_THRESHOLD).mean():.1%}")
    print(line("held-out drawings (drawn evenly)", held["smile"], gaps(refs.train_reading, held), data_std))
    g_smile = generated["smile"]
    print(line("the stored default run (G's samples)", g_smile, gaps(refs.train_reading, generated), data_std))
    own = bell(rng, g_smile.mean(), g_smile.std(), args.n)
    print(line("a bell of G's mean and spread", own, gaps(refs.train_reading, with_smile(held, own)), data_std))
    for s in SPREADS:
        drawn = bell(rng, data_mean, s * data_std, args.n)
        print(line(f"a bell of the data's mean and {s:.1f} x its s.d.", drawn,
                   gaps(refs.train_reading, with_smile(held, drawn)), data_std))


if __name__ == "__main__":
    main()
