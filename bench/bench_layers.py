"""Each DCGAN layer two ways: MXNet's convolution (oneDNN) and the matrix-product form.

    python bench/bench_layers.py [--width 64] [--repeats 12]

For every kernel-4 layer of G and D at the given width (batch 64), times one forward
and backward pass (weight and input gradients) of `nn.Conv2D` / `nn.Conv2DTranspose`
and of `matmul_conv.MatmulConv2D` / `MatmulConv2DTranspose`, alternating the two so
that other load on the machine hits both alike. Prints medians and minima in ms and
which form `networks.py` uses at that width. This is what decided the rule in
`networks.py` (MATMUL_MIN_CHANNELS).
"""
from __future__ import annotations

import argparse
import statistics
import time

import utils  # noqa: F401  (thread count, as the chapters)
from mxnet import autograd, init, nd
from mxnet.gluon import nn

from utils import networks
from utils.matmul_conv import MatmulConv2D, MatmulConv2DTranspose


def layers(ngf: int, ndf: int, nz: int = 100):
    """(name, transposed, in channels, out channels, stride, pad, in size, out size)."""
    g = [("G 1", True, nz, ngf * 8, 1, 0, 1, 4)]
    g += [(f"G {i + 2}", True, ngf * m * 2, ngf * m, 2, 1, s // 2, s)
          for i, (m, s) in enumerate(((4, 8), (2, 16), (1, 32)))]
    g += [("G 5", True, ngf, 3, 2, 1, 32, 64)]
    d = [("D 1", False, 3, ndf, 2, 1, 64, 32)]
    d += [(f"D {i + 2}", False, ndf * m // 2, ndf * m, 2, 1, s * 2, s)
          for i, (m, s) in enumerate(((2, 16), (4, 8), (8, 4)))]
    d += [("D 5", False, ndf * 8, 1, 1, 0, 4, 1)]
    return g + d


def used_forms(ngf: int, ndf: int) -> list[bool]:
    """For each layer of `layers`, whether networks.py computes it as a matrix product."""
    convs = [type(layer).__name__.startswith("Matmul")
             for net in (networks.generator(ngf, matmul=True), networks.discriminator(ndf, matmul=True))
             for layer in net if "Conv" in type(layer).__name__]
    return convs


def time_pair(transposed, cin, cout, stride, pad, size_in, size_out, repeats, batch=64):
    plain = (nn.Conv2DTranspose if transposed else nn.Conv2D)(cout, 4, stride, pad, use_bias=False)
    matmul = (MatmulConv2DTranspose if transposed else MatmulConv2D)(cout, 4, stride, pad, size_out)
    x = nd.random.normal(shape=(batch, cin, size_in, size_in))
    x.attach_grad()
    for net in (plain, matmul):
        net.initialize(init.Normal(0.02))
        net(x)
        net.hybridize(static_alloc=True, static_shape=True)
    times = ([], [])
    for r in range(repeats + 2):
        for i, net in enumerate((plain, matmul)):
            t = time.perf_counter()
            with autograd.record():
                y = net(x)
            y.backward()
            nd.waitall()
            if r >= 2:  # the first calls build oneDNN's kernels
                times[i].append(1000 * (time.perf_counter() - t))
    return times


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--width", type=int, nargs=2, default=[64, 64], metavar=("NGF", "NDF"))
    ap.add_argument("--repeats", type=int, default=12)
    args = ap.parse_args()
    ngf, ndf = args.width
    print(f"# forward + backward, batch 64, ngf={ngf} ndf={ndf}; ms, median (min) of {args.repeats}\n")
    print("| layer | channels | picture | oneDNN convolution | matrix product | networks.py uses |")
    print("|---|---|---|---:|---:|---|")
    for (name, transposed, cin, cout, stride, pad, s_in, s_out), uses in zip(layers(ngf, ndf), used_forms(ngf, ndf)):
        plain, matmul = time_pair(transposed, cin, cout, stride, pad, s_in, s_out, args.repeats)
        cell = lambda t: f"{statistics.median(t):.1f} ({min(t):.1f})"  # noqa: E731
        print(f"| {name} | {cin}→{cout} | {s_in}→{s_out} | {cell(plain)} | {cell(matmul)} | "
              f"{'matrix product' if uses else 'convolution'} |", flush=True)


if __name__ == "__main__":
    main()
