"""Does the attribute classifier read a less crisp face as a more ordinary one?

    python bench/read_blurred.py [--sigmas 0.3 0.4 0.5 0.6]

G's faces have a little less fine detail than the drawings (chapter 4's
high-frequency ratio), and G's histograms of the face's numbers are narrower than
the data's. If the classifier read slightly blurred faces as more ordinary, part of
those gaps would be the instrument's, not G's. Held-out drawings, whose attributes
are drawn as the training faces' are, are blurred with a Gaussian of standard
deviation sigma pixels and read like G's faces; each line prints the share of fine
detail (against the unblurred drawings'), the attribute gaps to the training faces
and the spreads of the four numbers, first for the stored `default` run's samples
(chapter 4's codes) and the unblurred drawings.
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
from utils.gan import quality, runs, scorecard  # noqa: E402
from utils.latent import attributes  # noqa: E402
from explore_spreads import spreads  # noqa: E402  (this folder is on the path)


def blur(images: np.ndarray, sigma: float) -> np.ndarray:
    """uint8 (n, h, w, 3) images blurred by a Gaussian of `sigma` pixels (edges repeated)."""
    r = np.arange(-3, 4)
    kernel = np.exp(-r ** 2 / (2 * sigma ** 2))
    kernel /= kernel.sum()
    x = np.pad(images.astype(np.float32), ((0, 0), (3, 3), (3, 3), (0, 0)), mode="edge")
    h, w = images.shape[1:3]
    x = sum(k * x[:, i:i + h, :, :] for i, k in enumerate(kernel))
    x = sum(k * x[:, :, i:i + w, :] for i, k in enumerate(kernel))
    return np.clip(x, 0, 255).round().astype(np.uint8)


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sigmas", type=float, nargs="+", default=[0.3, 0.4, 0.5, 0.6])
    args = parser.parse_args()
    ctx, p = mx.cpu(), profiles.PROFILES["default"]
    classifier, _ = attributes.trained_classifier("default", ctx)
    refs = scorecard.references(p, classifier, ctx)
    G, _, _ = runs.trained_networks(p, ctx, show_log=False)
    hf_real = quality.high_frequency_ratio(refs.held_out)

    def report(name, images):
        reading = attributes.read(classifier, images, ctx)
        gaps = {row["attribute"]: row["gap"] for row in attributes.fidelity(refs.train_reading, reading)}
        print(f"{name:10s} fine detail {quality.high_frequency_ratio(images) / hf_real:.2f}, "
              f"{sum(g <= 5 for g in gaps.values())} of {len(gaps)} within 5 points")
        print("   gaps: " + ", ".join(f"{k} {v:.1f}" for k, v in gaps.items()))
        print("   spread / the data's: " + spreads(reading, refs), flush=True)

    report("G", scorecard.samples(G, p, ctx))
    report("drawings", refs.held_out)
    for sigma in args.sigmas:
        report(f"blur {sigma:g}", blur(refs.held_out, sigma))


if __name__ == "__main__":
    main()
