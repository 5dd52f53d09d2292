"""What a step of `explore_spreads.py`'s variants costs, against the book's step.

    python bench/bench_explore_steps.py [--steps 60] [--variants feature-matching top-k r1 ...] [--nz 16]

Each variant changes chapter 2's training step; whether it could replace the book's
depends on chapter 2's 15-minute budget as much as on its quality. The steps run in
turn in one process, on the same networks and batches of the `default` profile, with
the instance noise at its starting level and the grain penalty (and so every
variant's extra term) at full weight; r1 is the book's step with `--r1`'s penalty
(on one step in 4, as its runs had it, and on every step). Prints the median step
times and the paired ratios against the book's step. With `--nz N` the variants
(and a book's step beside them) draw codes of N numbers with a G of their own,
while the book's step that every ratio is taken against keeps the profile's.
"""
from __future__ import annotations

import argparse
import dataclasses
import functools
import statistics
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from bench_noise import timed_ms  # noqa: E402  (bench/, beside this script)
from explore_spreads import (AUGMENTATIONS, STEPS, patch_discriminator, q_head,  # noqa: E402
                             second_discriminator, small_discriminator, with_r1_step)

import mxnet as mx  # noqa: E402
import numpy as np  # noqa: E402
from mxnet import nd  # noqa: E402

from utils import profiles  # noqa: E402
from utils.gan import dcgan, training  # noqa: E402

SKIPPED = ("mixed-batch", "pairs")  # these need another D or another batch layout
PATCH_FLOOR = 0.05  # the face D's noise floor in the patch step (round 17's runs)


def with_extras(name, G, p, ctx):
    """The step of variant `name`, with what it takes besides the book's networks:
    the low-res D (32 x 32), the patch D (each kind; the 3x3 kind also half as wide,
    and on 32 x 32 crops; the 3x3-split kind also on 48 x 48 crops, with a middle
    layer as wide as its first, on half of each batch's faces, and on 48 x 48 crops of
    half of them), all augmentations, InfoGAN's Q (10 categories and 2 continuous
    numbers, as in its runs), the R1 penalty (weight 0.01, on one step in 4 and on every step)."""
    if name == "r1":
        return {f"R1 on 1 step in {k}": with_r1_step(dcgan.train_step, 0.01, k, 0.01) for k in (4, 1)}
    step = STEPS[name]
    if name == "low-res":
        D_low, trainer_low = second_discriminator(small_discriminator(p.ndf, 32), 32, G, p, ctx)
        return {name: functools.partial(step, D_low=D_low, trainer_low=trainer_low, pool=2)}
    if name == "patch":
        ways = {}
        half = p.batch_size // 2
        for kind, width, size, middle, faces in (
                ("two-layer", p.ndf, 0, 0, 0), ("3x3", p.ndf, 0, 0, 0), ("3x3", p.ndf // 2, 0, 0, 0),
                ("3x3", p.ndf, 32, 0, 0), ("3x3-1x1", p.ndf, 0, 0, 0), ("3x3-split", p.ndf, 0, 0, 0),
                ("3x3-split", p.ndf, 48, 0, 0), ("3x3-split", p.ndf, 0, p.ndf, 0), ("3x3-split", p.ndf, 0, 0, half),
                ("3x3-split", p.ndf, 48, 0, half)):
            D_patch, trainer_patch = second_discriminator(patch_discriminator(width, kind, size or 64, middle),
                                                          size or 64, G, p, ctx)
            name = f"patch ({kind}, {width} wide" + (f", middle {middle}" if middle else "") + \
                (f", {faces} faces a batch" if faces else "") + (f", {size}x{size} crops)" if size else ")")
            ways[name] = functools.partial(step, D_patch=D_patch, trainer_patch=trainer_patch, floor=PATCH_FLOOR,
                                           crop_size=size, where=np.random.default_rng(0), faces=faces)
        return ways
    if name == "augment":
        return {name: functools.partial(step, policy=tuple(AUGMENTATIONS))}
    if name == "info":
        Q = q_head(12, (1, p.ndf * 8, 4, 4), ctx)
        trainer_q = mx.gluon.Trainer(Q.collect_params(), "adam", {"learning_rate": p.lr_g, "beta1": p.beta1})
        return {name: functools.partial(step, Q=Q, trainer_q=trainer_q, categories=10, continuous=2)}
    return {name: step}


def players(p):
    """G, D and their trainers for profile p, and the length of G's codes."""
    G, D = training.build_networks(p, mx.cpu())
    return (G, D, *training.build_trainers(G, D, p), p.nz)


def main() -> int:
    timed = [name for name in STEPS if name not in SKIPPED] + ["r1"]
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--steps", type=int, default=60)
    ap.add_argument("--variants", nargs="+", choices=timed, default=timed)
    ap.add_argument("--nz", type=int, help="the variants' codes have this many numbers (default: the profile's)")
    args = ap.parse_args()
    p = profiles.PROFILES["default"]
    book_players = players(p)
    ways = {"the book's": (dcgan.train_step, book_players)}
    pv = p if args.nz in (None, p.nz) else dataclasses.replace(p, nz=args.nz)
    own = book_players if pv is p else players(pv)
    if pv is not p:
        ways[f"the book's, nz {pv.nz}"] = (dcgan.train_step, own)
    for name in args.variants:
        ways.update({label: (step, own) for label, step in with_extras(name, own[0], pv, mx.cpu()).items()})
    if "feature-matching" in args.variants:
        ways["feature-matching --reuse"] = (functools.partial(STEPS["feature-matching"], reuse=True), own)
    real = nd.random.uniform(-1, 1, (p.batch_size, 3, 64, 64))
    times = {name: [] for name in ways}
    for i in range(args.steps + 2):
        for name, (step, (G, D, trainer_g, trainer_d, nz)) in ways.items():
            z = nd.random.normal(0, 1, (p.batch_size, nz, 1, 1))
            ms = timed_ms(lambda: step(G, D, trainer_g, trainer_d, real, z, p.real_label,
                                       p.instance_noise, p.grain))
            if i >= 2:  # the first steps build oneDNN's kernels
                times[name].append(ms)

    print(f"# default profile: ngf={p.ngf} ndf={p.ndf}, batch {p.batch_size}, {args.steps} steps of each, in turn"
          + (f"; the variants' codes have {pv.nz} numbers, the book's step's {p.nz}" if pv is not p else ""))
    book = times["the book's"]
    for name, ms in times.items():
        ratio = "" if name == "the book's" else (
            f"; / the book's: paired median {statistics.median([t / b for t, b in zip(ms, book)]):.3f}, "
            f"ratio of the sums {sum(ms) / sum(book):.3f}")
        print(f"{name:>24}: {statistics.median(ms):4.0f} ms a step (median){ratio}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
