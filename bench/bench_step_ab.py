"""One lever, measured on whole training steps taken in turn in one process.

    python bench/bench_step_ab.py [--lever plain-ends|frozen|nz32] [--width 64 64] [--steps 40]

Builds the networks twice, the way `training.build_networks` does on a CPU, once as
the book builds them ("book") and once without one lever:
- plain-ends: G's first and D's last layer left as oneDNN convolutions ("plain
  ends"), the rule before those two layers became matrix products (`matmul_conv`:
  their kernel covers the whole picture);
- frozen: G's turn computes D's weight gradients too ("D not frozen"), as a step
  without `frozen(D)` would (the book's step skips them: G needs the gradient
  through D, not D's own);
- nz32: codes of 32 numbers instead of the paper's 100 ("codes of 32"; the
  exploration's `--nz 32`): G's first layer takes a third of the inputs.
Then it alternates one `dcgan.train_step` of each (batches of the `default`
profile's size), so that other load on this noisy machine hits both alike, and
prints the medians and the paired ratio. Between separate runs this machine's speed
drifts by 10% and more, more than the lever; pairs do not.
"""
from __future__ import annotations

import argparse
import contextlib
import dataclasses
import statistics
import time

import utils  # noqa: F401  (thread count, as the chapters)
import mxnet as mx
from mxnet import nd

from utils import profiles
from utils.gan import dcgan, speed, training


def build(p, whole_picture_as_matmul: bool):
    """G and D as the engine trains them on a CPU, with or without the matrix-product
    form of the layers whose kernel covers the whole picture (G 1 and D 5)."""
    book_gains = speed._gains  # noqa: SLF001

    def gains(layer, x_shape, y_shape):
        whole_picture = 1 in (x_shape[2], y_shape[2])
        return book_gains(layer, x_shape, y_shape) and (whole_picture_as_matmul or not whole_picture)

    speed._gains = gains  # noqa: SLF001
    try:
        G, D = training.build_networks(p, mx.cpu())
    finally:
        speed._gains = book_gains  # noqa: SLF001
    return (G, D) + training.build_trainers(G, D, p)


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--lever", choices=("plain-ends", "frozen", "nz32"), default="plain-ends")
    ap.add_argument("--width", type=int, nargs=2, default=[64, 64], metavar=("NGF", "NDF"))
    ap.add_argument("--steps", type=int, default=40)
    args = ap.parse_args()
    p = dataclasses.replace(profiles.PROFILES["default"], ngf=args.width[0], ndf=args.width[1],
                            real_label=1.0, instance_noise=0.0)
    other = {"plain-ends": "plain ends", "frozen": "D not frozen", "nz32": "codes of 32"}[args.lever]
    p_other = dataclasses.replace(p, nz=32) if args.lever == "nz32" else p
    variants = {"book": build(p, True), other: build(p_other, args.lever != "plain-ends")}
    code_size = {"book": p.nz, other: p_other.nz}
    book_frozen = dcgan.frozen
    real = nd.random.uniform(-1, 1, (p.batch_size, 3, 64, 64))
    times = {name: [] for name in variants}
    for i in range(args.steps + 2):
        for name, (G, D, trainer_g, trainer_d) in variants.items():
            dcgan.frozen = (lambda net: contextlib.nullcontext()) if name == "D not frozen" else book_frozen
            nd.waitall()
            t = time.perf_counter()
            dcgan.train_step(G, D, trainer_g, trainer_d, real,
                             nd.random.normal(0, 1, (p.batch_size, code_size[name], 1, 1)))
            nd.waitall()
            dcgan.frozen = book_frozen
            if i >= 2:  # the first steps build oneDNN's kernels
                times[name].append(1000 * (time.perf_counter() - t))
    book, without = times["book"], times[other]
    print(f"# ngf={p.ngf} ndf={p.ndf}, batch {p.batch_size}, {args.steps} steps of each, in turn")
    for name, t in times.items():
        print(f"{name:>12}: median {statistics.median(t):.0f} ms per step "
              f"({p.batch_size * 1000 / statistics.median(t):.1f} samples/s)")
    print(f"{other} / book: paired median {statistics.median([a / b for a, b in zip(without, book)]):.3f}, "
          f"ratio of the sums {sum(without) / sum(book):.3f}")


if __name__ == "__main__":
    main()
