"""Instance noise: the cost of Gaussian and uniform draws, and of a whole step.

    python bench/bench_noise.py [--steps 60] [--batch-size B]

Chapter 2's step draws its Gaussian instance noise once a step, with
`nd.random.normal`, and puts the same draw on the real and the fake batch. It was
first written with a fresh draw for each of D's three looks (`explore_spreads.py
three-draws`); that step is the baseline here. MXNet's CPU build draws uniform
numbers several times faster, so three cheaper kinds are timed in it beside Gaussian
draws: the same Gaussian noise made from uniform draws (Box-Muller), Gaussian noise
read at random offsets from a bank drawn once (the draws are no longer independent),
and uniform noise of the same standard deviation (a different distribution). All in
one process and in turn, so that other load on the machine hits them alike:
1. one draw of noise the size of a batch of images (B x 3 x 64 x 64), added to it;
2. a whole three-draw step of the `default` profile's networks, with the noise at
   the profile's starting level and the grain penalty on, with each kind of noise,
   and the book's step, one draw (the same networks: the difference is the noise alone).
Prints the medians and the paired ratios of the steps against the three-draw step.
"""
from __future__ import annotations

import argparse
import dataclasses
import math
import random
import statistics
import time
from contextlib import contextmanager

import utils  # noqa: F401  (thread count, as the chapters)
import mxnet as mx
from mxnet import nd

from utils import profiles
from utils.gan import dcgan, training
import explore_spreads  # noqa: E402  (bench/, beside this script)


def box_muller_noise(x, std):
    """Gaussian noise made from uniform draws (Box-Muller): two uniforms u, v give two
    independent normals sqrt(-2 ln u) cos(2 pi v) and sqrt(-2 ln u) sin(2 pi v)."""
    if std <= 0:
        return x
    half = (x.size + 1) // 2
    radius = nd.sqrt(-2 * nd.log(nd.random.uniform(1e-7, 1, (half,), ctx=x.context)))
    angle = nd.random.uniform(0, 2 * math.pi, (half,), ctx=x.context)
    normal = nd.concat(radius * nd.cos(angle), radius * nd.sin(angle), dim=0)[:x.size]
    return x + std * normal.reshape(x.shape)


class BankNoise:
    """Gaussian noise read from a bank drawn once: each call takes a window at a random
    offset (any offset, so a window seldom lines up with an image's rows). Draws are
    no longer independent from step to step: trained for 32 epochs with it, two seeds
    did no better than with independent draws (results/recipes_exploration_*, round 6)."""

    def __init__(self, size: int, times: int = 4, seed: int = 0):
        self.bank = nd.random.normal(0, 1, (size * times,))
        self.rng = random.Random(seed)

    def __call__(self, x, std):
        if std <= 0:
            return x
        start = self.rng.randrange(self.bank.size - x.size + 1)
        return x + std * self.bank[start:start + x.size].reshape(x.shape)


def uniform_noise(x, std):
    """Instance noise of standard deviation std, uniform: on [-a, a] with a = sqrt(3) std."""
    half_width = 3 ** 0.5 * std
    return x + nd.random.uniform(-half_width, half_width, x.shape, ctx=x.context) if std > 0 else x


@contextmanager
def noise_kind(add_noise):
    """The three-draw step uses `add_noise` inside the block."""
    earlier = explore_spreads.noisy
    explore_spreads.noisy = add_noise
    try:
        yield
    finally:
        explore_spreads.noisy = earlier


def timed_ms(fn) -> float:
    nd.waitall()
    t = time.perf_counter()
    fn()
    nd.waitall()
    return 1000 * (time.perf_counter() - t)


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--steps", type=int, default=60)
    ap.add_argument("--batch-size", type=int, default=profiles.PROFILES["default"].batch_size)
    args = ap.parse_args()
    p = dataclasses.replace(profiles.PROFILES["default"], batch_size=args.batch_size)
    x = nd.zeros((p.batch_size, 3, 64, 64))
    kinds = {"gaussian": explore_spreads.noisy, "gaussian, Box-Muller": box_muller_noise,
             "gaussian, from a bank": BankNoise(x.size), "uniform": uniform_noise}

    draws = {name: [] for name in kinds}
    for i in range(args.steps + 2):
        for name, add in kinds.items():
            ms = timed_ms(lambda: add(x, p.instance_noise))
            if i >= 2:
                draws[name].append(ms)

    G, D = training.build_networks(p, mx.cpu())
    trainer_g, trainer_d = training.build_trainers(G, D, p)
    real = nd.random.uniform(-1, 1, x.shape)
    ways = {name: (explore_spreads.three_draws_step, add) for name, add in kinds.items()}
    ways["one gaussian draw a step (the book's)"] = (dcgan.train_step, explore_spreads.noisy)
    steps = {name: [] for name in ways}
    for i in range(args.steps + 2):
        for name, (step, add) in ways.items():
            z = nd.random.normal(0, 1, (p.batch_size, p.nz, 1, 1))
            with noise_kind(add):
                ms = timed_ms(lambda: step(G, D, trainer_g, trainer_d, real, z,
                                           p.real_label, p.instance_noise, p.grain))
            if i >= 2:  # the first steps build oneDNN's kernels
                steps[name].append(ms)

    print(f"# default profile: ngf={p.ngf} ndf={p.ndf}, batch {p.batch_size}, noise std "
          f"{p.instance_noise}, {args.steps} of each, in turn")
    for name in ways:
        draw = f"one draw {statistics.median(draws[name]):5.1f} ms, " if name in draws else ""
        print(f"{name:>38}: {draw}one training step {statistics.median(steps[name]):4.0f} ms (medians)")
    gauss = steps["gaussian"]
    for name in list(ways)[1:]:
        other = steps[name]
        print(f"{name} / gaussian, three draws a step, whole steps: paired median "
              f"{statistics.median([o / g for o, g in zip(other, gauss)]):.3f}, "
              f"ratio of the sums {sum(other) / sum(gauss):.3f}")


if __name__ == "__main__":
    main()
