"""How long the embedded face dataset takes to draw (not a test).

    python bench/bench_faces.py [--n 10000] [--repeat 3]
"""
import argparse
import time

from utils.data import faces


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--n", type=int, default=10_000)
    p.add_argument("--repeat", type=int, default=3)
    args = p.parse_args()
    times = []
    for _ in range(args.repeat):
        t = time.perf_counter()
        images, _ = faces.make_faces(args.n, seed=0)
        times.append(time.perf_counter() - t)
    print(f"make_faces({args.n}): best {min(times):.2f} s, all {', '.join(f'{t:.2f}' for t in times)} s; "
          f"{images.nbytes / 2**20:.0f} MiB uint8")


if __name__ == "__main__":
    main()
