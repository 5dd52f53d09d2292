"""How reliably do the GAN intro's settings learn the 2-D Gaussian? (not a test)

Trains the chapter's game with the original tutorial's settings and with the
book's, over several seeds, and prints the relative errors of the learned mean
and covariance. The chapter quotes this table.

    python bench/toy_seeds.py [--seeds 6]
"""
import argparse
import time

import utils  # noqa: F401  (thread settings before MXNet)
from utils.gan import toy


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--seeds", type=int, default=6)
    args = p.parse_args()
    real = toy.real_points(1000)
    true_mean, true_cov = toy.true_mean_cov()
    print(f"{'settings':<9} {'seed':>4} {'mean err':>9} {'cov err':>8} {'seconds':>8}")
    for name, settings in (("original", toy.ORIGINAL), ("book", toy.Settings())):
        ok = 0
        for seed in range(args.seeds):
            t = time.time()
            *_, snaps = toy.train(settings, real, seed)
            m = toy.relative_error(snaps[-1]["mean"], true_mean)
            c = toy.relative_error(snaps[-1]["cov"], true_cov)
            ok += m <= 0.2 and c <= 0.2
            print(f"{name:<9} {seed:>4} {m:>9.1%} {c:>8.1%} {time.time() - t:>8.1f}", flush=True)
        print(f"{name}: both errors <= 20% in {ok} of {args.seeds} seeds\n")


if __name__ == "__main__":
    main()
