"""Where a uint8 batch should become floats: numpy on the Python thread, or MXNet.

    python bench/bench_batch_conversion.py [--batch 64] [--repeats 50]

The roadmap suggested keeping batches uint8 until they reach the device and
converting them there, "in the graph". On a CPU the device is the same two cores,
and MXNet 1.9.1's `transpose` of a uint8 array is a slow single-threaded loop, so
this times both ways for one batch of 64x64 faces (median and best of `repeats`,
each followed by `nd.waitall()`), and MXNet's ops one by one. The book keeps numpy
(`data.Batches` yields float32 batches).
"""
from __future__ import annotations

import argparse
import time

import numpy as np

import utils  # noqa: F401  (thread count, as the chapters)
from mxnet import nd

from utils import data
from utils.data import faces


def timed(f, repeats: int) -> str:
    f()
    nd.waitall()
    times = []
    for _ in range(repeats):
        t = time.perf_counter()
        f()
        nd.waitall()
        times.append(time.perf_counter() - t)
    times.sort()
    return f"{times[len(times) // 2] * 1000:6.2f} ms (best {times[0] * 1000:.2f})"


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--batch", type=int, default=64)
    ap.add_argument("--repeats", type=int, default=50)
    args = ap.parse_args()
    images = faces.make_faces(args.batch, seed=0)[0]  # uint8 (n, 64, 64, 3)

    def in_mxnet(x):  # data.to_float's arithmetic, as MXNet ops
        return x.transpose((0, 3, 1, 2)).astype(np.float32) / 127.5 - 1.0

    on_device = nd.array(images, dtype="uint8")
    print(f"# one batch of {args.batch} uint8 faces (64x64x3) to float32 (n, 3, 64, 64) in [-1, 1]")
    print("numpy on the Python thread, then copied in:", timed(lambda: nd.array(data.to_float(images)), args.repeats))
    print("copied in as uint8, then MXNet ops:        ", timed(lambda: in_mxnet(nd.array(images, dtype="uint8")), args.repeats))
    print("  of which transpose (uint8):               ", timed(lambda: on_device.transpose((0, 3, 1, 2)), args.repeats))
    as_nchw = on_device.transpose((0, 3, 1, 2))
    print("  of which astype(float32):                 ", timed(lambda: as_nchw.astype(np.float32), args.repeats))
    as_float = as_nchw.astype(np.float32)
    print("  of which / 127.5 - 1:                     ", timed(lambda: as_float / 127.5 - 1.0, args.repeats))
    print("cast first, then transpose float32:        ",
          timed(lambda: on_device.astype(np.float32).transpose((0, 3, 1, 2)) / 127.5 - 1.0, args.repeats))
    same = np.array_equal(in_mxnet(on_device).asnumpy(), data.to_float(images))
    print(f"same floats both ways: {same}")


if __name__ == "__main__":
    main()
