"""Each DCGAN layer two ways: MXNet's convolution (oneDNN) and the matrix-product form.

    python bench/bench_layers.py [--width 64] [--repeats 12]

For every kernel-4 layer of G and D at the given width (batch 64), times one forward
and backward pass (weight and input gradients) of `nn.Conv2D` / `nn.Conv2DTranspose`
and of `matmul_conv.MatmulConv2D` / `MatmulConv2DTranspose`, alternating the two so
that other load on the machine hits both alike. Prints medians and minima in ms and
which form `utils/gan/speed.py` uses at that width. This is what decided the rule in
`speed.py` (MATMUL_MIN_CHANNELS).
"""
from __future__ import annotations

import argparse
import statistics
import time

import utils  # noqa: F401  (thread count, as the chapters)
from mxnet import autograd, init, nd
from mxnet.gluon import nn

import mxnet as mx

from utils.gan import dcgan, speed
from utils.gan.matmul_conv import MatmulConv2D, MatmulConv2DTranspose


def layers(ngf: int, ndf: int, nz: int = 100):
    """Every kernel-4 layer of the chapter's G and D at this width, read off the
    networks themselves after the engine's speed-ups: (name, transposed, in channels,
    out channels, stride, pad, in size, out size, whether speed.py makes it a
    matrix product)."""
    rows = []
    G, D = dcgan.new_networks(ngf, ndf, nz, mx.cpu())
    speed.for_cpu(G, (1, nz, 1, 1)), speed.for_cpu(D, (1, 3, 64, 64))
    for tag, net, x in (("G", G, nd.zeros((1, nz, 1, 1))), ("D", D, nd.zeros((1, 3, 64, 64)))):
        for layer in net:
            y = layer(x)
            if isinstance(layer, (nn.Conv2D, nn.Conv2DTranspose)):
                k = layer._kwargs
                rows.append((f"{tag} {sum(r[0].startswith(tag) for r in rows) + 1}",
                             isinstance(layer, nn.Conv2DTranspose), x.shape[1], y.shape[1],
                             k["stride"][0], k["pad"][0], x.shape[2], y.shape[2],
                             isinstance(layer, (MatmulConv2D, MatmulConv2DTranspose))))
            x = y
    return rows


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
    print("| layer | channels | picture | oneDNN convolution | matrix product | speed.py uses |")
    print("|---|---|---|---:|---:|---|")
    for name, transposed, cin, cout, stride, pad, s_in, s_out, uses in layers(ngf, ndf):
        plain, matmul = time_pair(transposed, cin, cout, stride, pad, s_in, s_out, args.repeats)
        cell = lambda t: f"{statistics.median(t):.1f} ({min(t):.1f})"  # noqa: E731
        print(f"| {name} | {cin}→{cout} | {s_in}→{s_out} | {cell(plain)} | {cell(matmul)} | "
              f"{'matrix product' if uses else 'convolution'} |", flush=True)


if __name__ == "__main__":
    main()
