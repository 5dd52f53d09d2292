"""How to estimate the R1 penalty's gradient length without a second derivative.

    python bench/r1_slope.py [--faces 256]

The R1 penalty (`explore_spreads.py --r1`) needs |grad_x D(x)|^2 at the real faces,
and MXNet 1.x cannot differentiate a convolution's gradient. Along a random
direction v ~ N(0, I), the square of D's slope is on average that squared length,
and a difference of two logits gives the slope. This prints the mean squared slope
of the stored `default` run's D over real faces, from a one-sided difference
(D(x + h v) - D(x)) / h and a central one (D(x + h v) - D(x - h v)) / 2h, for
several steps h: the estimate to trust is the one that holds still as h shrinks.
"""
from __future__ import annotations

import argparse
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import utils  # noqa: E402,F401  (sets the thread count before MXNet loads)
import mxnet as mx  # noqa: E402
import numpy as np  # noqa: E402
from mxnet import autograd, nd  # noqa: E402

from utils import profiles  # noqa: E402
from utils.data import training_images  # noqa: E402
from utils.gan import runs  # noqa: E402

STEPS = (0.001, 0.003, 0.01, 0.03)
BATCH = 32  # the profile's: D's batch norm sees batches of this size in training


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--faces", type=int, default=256)
    args = ap.parse_args()
    p, ctx = profiles.PROFILES["default"], mx.cpu()
    _, D, _ = runs.trained_networks(p, ctx, show_log=False)
    images, _ = training_images(p)
    x = nd.array(images[:args.faces].transpose(0, 3, 1, 2), ctx=ctx) / 127.5 - 1
    print(f"the stored default run's D, {args.faces} training faces in batches of {BATCH}, as in training "
          "(batch norm on each batch's statistics); mean squared slope along a random direction:")
    for h in STEPS:
        mx.random.seed(1)  # the same directions for every step
        one_sided, central = [], []
        for i in range(0, args.faces, BATCH):
            xb = x[i:i + BATCH]
            v = nd.random.normal(0, 1, xb.shape, ctx=ctx)
            with autograd.train_mode():
                at, up, down = (D(xb + d).reshape((-1,)) for d in (0, h * v, -h * v))
            one_sided.append((((up - at) / h) ** 2).asnumpy())
            central.append((((up - down) / (2 * h)) ** 2).asnumpy())
        print(f"  h = {h:<6g} one-sided {np.concatenate(one_sided).mean():8.1f}   "
              f"central {np.concatenate(central).mean():6.1f}")


if __name__ == "__main__":
    main()
