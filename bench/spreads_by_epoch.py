"""How wide G draws the face's numbers, epoch by epoch, and with its own weights.

    python bench/spreads_by_epoch.py [FOLDER] [--every 2] [--n 2000]

FOLDER is a training run's checkpoint folder (`explore_spreads.py --out`, or
`python -m utils.train --out`); without it, the stored `default` run of chapter 2.
For the G weights the run saved after each epoch (every --every epochs, and the
first), prints chapter 4's distance, recall and share of fine detail, G's spread
of the four numbers as a share of the data's, the mean smile, the smiling and
hair-style gaps and how many attributes are within 5 points, on --n of chapter 4's
codes (2000, the default, gives chapter 4's own numbers; fewer codes are quicker
and raise the distance). Then the same for the finished run: the moving average,
and G's own last weights (their batch statistics refreshed, as the average's are).
"""
from __future__ import annotations

import argparse
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import utils  # noqa: E402,F401  (sets the thread count before MXNet loads)
import mxnet as mx  # noqa: E402

from utils import profiles  # noqa: E402
from utils.gan import checkpoints, dcgan, runs, scorecard, training  # noqa: E402
from utils.latent import attributes  # noqa: E402
from explore_spreads import spreads  # noqa: E402  (this folder is on the path)


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("folder", nargs="?", help="a run's checkpoint folder (default: the stored default run)")
    parser.add_argument("--every", type=int, default=2)
    parser.add_argument("--n", type=int, default=2000, help="codes per generator")
    args = parser.parse_args()
    ctx, p = mx.cpu(), profiles.PROFILES["default"]
    classifier, _ = attributes.trained_classifier("default", ctx)
    refs = scorecard.references(p, classifier, ctx)
    if args.folder:
        folder = Path(args.folder)
        G, D = training.build_networks(p, ctx)
    else:
        G, D, history = runs.trained_networks(p, ctx, show_log=False)
        folder = history["folder"]

    def report(name, n):
        generated = scorecard.samples(G, p, ctx, n=n)
        card = scorecard.scorecard(generated, refs, classifier, ctx)
        reading = attributes.read(classifier, generated, ctx)
        gaps = card["attributes"]
        print(f"{name}: FD {card['fd']:.1f}, recall {card['recall']:.3f}, HF {card['hf_ratio']:.2f}; "
              f"spread / the data's {spreads(reading, refs)}; mean smile {reading['smile'].mean():+.3f} "
              f"(data {refs.train_reading['smile'].mean():+.3f}); smiling {gaps['smiling']:.1f}, "
              f"hair style {gaps['hair_style']:.1f}, {sum(g <= 5 for g in gaps.values())} of {len(gaps)} "
              "within 5 points", flush=True)

    print(f"{args.n} codes a generator:")
    for epoch, _, arrays in checkpoints.epoch_weights(folder):
        if epoch == 1 or epoch % args.every == 0:
            checkpoints.load_weights(folder, "G", G, arrays)
            report(f"epoch {epoch:2d}", args.n)
    print("the finished run:")
    runs.load(folder, G, D)
    report("the average ", args.n)
    runs.load_last_weights(folder, G)
    dcgan.refresh_batch_stats(G, p.nz, ctx, batch=p.batch_size)
    report("G's own     ", args.n)


if __name__ == "__main__":
    main()
