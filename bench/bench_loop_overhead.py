"""What the engine's loop costs around the bare training step, in turns in one process.

    python bench/bench_loop_overhead.py [--width 64 64] [--pairs 6] [--iters 20]

"bare": `iters` calls of `dcgan.train_step` on float batches already in MXNet,
then one read of their statistics. "loop": `training.train` over one epoch of as
many batches, as the chapters run it (uint8 batches converted by numpy on the way,
the progress bar reading a recent step's losses, the statistics read once, the
fixed-noise samples at the end of the epoch). Both train the same networks (`train`
builds its own trainers, as a chapter's run does), so they run the same layers; the
two take turns, so that this machine's drift (10% and more between runs) hits both
alike. Prints samples/s for each pair and the paired ratio loop / bare.
"""
from __future__ import annotations

import argparse
import dataclasses
import statistics
import time

import utils  # noqa: F401  (thread count, as the chapters)
import mxnet as mx
from mxnet import nd

from utils import data, profiles
from utils.data import faces
from utils.gan import dcgan, training


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--width", type=int, nargs=2, default=[64, 64], metavar=("NGF", "NDF"))
    ap.add_argument("--pairs", type=int, default=6)
    ap.add_argument("--iters", type=int, default=20)
    args = ap.parse_args()
    p = dataclasses.replace(profiles.PROFILES["default"], ngf=args.width[0], ndf=args.width[1],
                            real_label=1.0, instance_noise=0.0, flip=False, epochs=1)
    G, D = training.build_networks(p, mx.cpu())
    trainer_g, trainer_d = training.build_trainers(G, D, p)
    images, _ = faces.make_faces(args.iters * p.batch_size, seed=0)
    batches = data.Batches(images, p.batch_size)
    reals = [nd.array(data.to_float(images[i * p.batch_size:(i + 1) * p.batch_size]))
             for i in range(args.iters)]
    fixed_z = training.fixed_noise(p)
    samples = args.iters * p.batch_size

    def bare():
        nd.waitall()
        t = time.perf_counter()
        stats = [dcgan.train_step(G, D, trainer_g, trainer_d, real,
                                     nd.random.normal(0, 1, (p.batch_size, p.nz, 1, 1))) for real in reals]
        nd.stack(*stats).asnumpy()
        return samples / (time.perf_counter() - t)

    def loop():
        nd.waitall()
        return samples / training.train(G, D, batches, p, mx.cpu(), fixed_z, log=lambda line: None)["seconds"]

    bare(), loop()  # oneDNN builds its kernels
    speeds = {"bare": [], "loop": []}
    print(f"# ngf={p.ngf} ndf={p.ndf}, batch {p.batch_size}, {args.iters} iterations a run; samples/s")
    for i in range(args.pairs):
        for name, run in (("bare", bare), ("loop", loop))[::1 if i % 2 == 0 else -1]:
            speeds[name].append(run())
        print(f"  pair {i + 1}: bare {speeds['bare'][-1]:.1f}  loop {speeds['loop'][-1]:.1f}", flush=True)
    ratios = [loop_ / bare_ for bare_, loop_ in zip(speeds["bare"], speeds["loop"])]
    print(f"median: bare {statistics.median(speeds['bare']):.1f}, loop {statistics.median(speeds['loop']):.1f}; "
          f"loop / bare: paired median {statistics.median(ratios):.3f}, "
          f"ratio of the sums {sum(speeds['loop']) / sum(speeds['bare']):.3f}")


if __name__ == "__main__":
    main()
