"""Other ways to compute DCGAN's layers, timed part by part: why the book keeps its two.

    python bench/bench_layer_forms.py [--width 64] [--repeats 10] [--layers "G 3" "D 2"]

`bench_layers.py` compares the two forms the book uses (oneDNN's convolution and
`matmul_conv`'s matrix product). This script also times three rewrites that looked
promising and did not pay, so that the claim can be checked rather than believed:

- "1x1 conv": im2col, then a 1x1 `Convolution` over the columns (no transposes:
  the columns of one image already sit like a picture with C_in*k*k channels). The
  transposed layer: a 1x1 `Convolution` with the weight transposed, then col2im.
- "16 slices" (strided convolutions only): the columns gathered without im2col, as 16
  strided slices (one per kernel tap) of a channels-last copy, stacked so that they
  come out as `FullyConnected` wants them, with no transpose of the columns.
- "space-to-depth" (strided convolutions only): a kernel-4, stride-2 convolution is a
  kernel-2, stride-1 one over the picture folded 2x2 into 4x the channels; the same
  arithmetic, in oneDNN's stride-1 kernels.

Each form is timed three ways, as the training step uses them: forward only, forward
and backward to the weights (D's step: the input is data), forward and backward to
the input (G's step through a frozen D). The forms take turns, so that other load on
the machine hits all alike. Each form's output is checked against the convolution's.
"""
from __future__ import annotations

import argparse
import statistics
import time

import numpy as np

import utils  # noqa: F401  (thread count, as the chapters)
from mxnet import autograd, init, nd
from mxnet.gluon import nn

from bench_layers import layers
from utils.gan.matmul_conv import MatmulConv2D, MatmulConv2DTranspose

MODES = ("forward", "+ weight grad", "+ input grad")


class Conv1x1Columns(MatmulConv2D):
    """im2col, then a 1x1 convolution over the columns."""

    def hybrid_forward(self, F, x, weight):
        k = self._kwargs
        cols = F.im2col(x, kernel=k["kernel"], stride=k["stride"], pad=k["pad"])
        cols = cols.reshape((0, 0, self._out_size, self._out_size))
        # identity: oneDNN refuses a weight that is a reshaped view of the parameter
        w = F.identity(weight.reshape((0, -1, 1, 1)))
        return F.Convolution(cols, w, kernel=(1, 1), num_filter=self._channels, no_bias=True)


class Conv1x1ColumnsTransposed(MatmulConv2DTranspose):
    """A 1x1 convolution to C_out*k*k channels per pixel, then col2im. (A 1x1
    Deconvolution with the weight as it is would skip the transpose, but crashes
    MXNet 1.9.1.)"""

    def hybrid_forward(self, F, x, weight):
        k = self._kwargs
        kk = k["kernel"][0] * k["kernel"][1]
        w = F.transpose(weight.reshape((0, -1))).reshape((0, 0, 1, 1))
        cols = F.Convolution(x, w, kernel=(1, 1), num_filter=self._channels * kk, no_bias=True)
        return F.col2im(cols.reshape((0, 0, -1)), output_size=(self._out_size,) * 2,
                        kernel=k["kernel"], stride=k["stride"], pad=k["pad"])


class SpaceToDepthConv(MatmulConv2D):
    """Kernel 4, stride 2, padding 1 as kernel 2, stride 1 over space_to_depth(x, 2)."""

    def hybrid_forward(self, F, x, weight):
        x = F.pad(x, mode="constant", pad_width=(0, 0, 0, 0, 1, 1, 1, 1))
        # space_to_depth puts input channel c of offset (a, b) at (2a + b) * C + c;
        # kernel tap (2i + a, 2j + b) of the 4x4 kernel is tap (i, j) of the 2x2 one.
        w = weight.reshape((0, 0, 2, 2, 2, 2)).transpose((0, 3, 5, 1, 2, 4)).reshape((0, -1, 2, 2))
        return F.Convolution(F.space_to_depth(x, 2), w, kernel=(2, 2), num_filter=self._channels,
                             no_bias=True)


class SliceColumns(MatmulConv2D):
    """Kernel 4, stride 2, padding 1: the columns as 16 strided slices of x in NHWC."""

    def hybrid_forward(self, F, x, weight):
        s = self._out_size
        x = F.transpose(F.pad(x, mode="constant", pad_width=(0, 0, 0, 0, 1, 1, 1, 1)), (0, 2, 3, 1))
        taps = [F.slice(x, begin=(None, a, b, None), end=(None, a + 2 * s - 1, b + 2 * s - 1, None),
                        step=(1, 2, 2, 1)) for a in range(4) for b in range(4)]  # each (N, s, s, C)
        cols = F.stack(*taps, axis=4).reshape((0, s * s, -1))  # (N, windows, C*16), as the weight
        y = F.FullyConnected(cols, weight.reshape((0, -1)), num_hidden=self._channels,
                             no_bias=True, flatten=False)
        return F.transpose(y, (0, 2, 1)).reshape((0, 0, s, s))


def forms(transposed, cout, stride, pad, size_out):
    if transposed:
        return {"convolution": lambda: nn.Conv2DTranspose(cout, 4, stride, pad, use_bias=False),
                "matrix product": lambda: MatmulConv2DTranspose(cout, 4, stride, pad, size_out),
                "1x1 conv": lambda: Conv1x1ColumnsTransposed(cout, 4, stride, pad, size_out)}
    out = {"convolution": lambda: nn.Conv2D(cout, 4, stride, pad, use_bias=False),
           "matrix product": lambda: MatmulConv2D(cout, 4, stride, pad, size_out),
           "1x1 conv": lambda: Conv1x1Columns(cout, 4, stride, pad, size_out)}
    if (stride, pad) == (2, 1):
        out["16 slices"] = lambda: SliceColumns(cout, 4, stride, pad, size_out)
        out["space-to-depth"] = lambda: SpaceToDepthConv(cout, 4, stride, pad, size_out)
    return out


def once(net, x, mode) -> float:
    x = x.copy()
    if mode == "+ input grad":
        x.attach_grad()
    net.collect_params().setattr("grad_req", "null" if mode == "+ input grad" else "write")
    nd.waitall()
    t = time.perf_counter()
    if mode == "forward":
        net(x)
    else:
        with autograd.record():
            y = net(x)
        y.backward()
    nd.waitall()
    return (time.perf_counter() - t) * 1000


def compare(transposed, cin, cout, stride, pad, size_in, size_out, repeats, batch=64):
    x = nd.random.normal(shape=(batch, cin, size_in, size_in))
    nets = {}
    for name, make in forms(transposed, cout, stride, pad, size_out).items():
        net = make()
        net.initialize(init.Normal(0.02))
        net(x)
        net.hybridize(static_alloc=True, static_shape=True)
        nets[name] = net
    weight = nets["convolution"].weight.data()
    for net in nets.values():
        net.weight.set_data(weight)
    ref = nets["convolution"](x).asnumpy()
    for name, net in nets.items():  # a rewrite that is faster but wrong would be no news
        err = np.abs(net(x).asnumpy() - ref).max() / np.abs(ref).max()
        if err > 1e-4:
            raise AssertionError(f"{name} differs from the convolution by {err:.1e}")
    times = {(name, mode): [] for name in nets for mode in MODES}
    # One mode at a time: switching a net between modes changes which gradients its
    # cached graph computes, and MXNet then re-plans it, which is no part of a step.
    for mode in MODES:
        for r in range(repeats + 2):
            for name, net in nets.items():
                t = once(net, x, mode)
                if r >= 2:  # the first calls (re)build the graph and oneDNN's kernels
                    times[(name, mode)].append(t)
    return {key: statistics.median(v) for key, v in times.items()}, list(nets)


def gemm_peak(n: int = 2048, repeats: int = 5) -> float:
    """GFLOPS of one large matrix product (oneDNN's FullyConnected): what the
    layers' kernels could reach at best on this machine."""
    a, w = nd.random.normal(shape=(n, n)), nd.random.normal(shape=(n, n))
    best = float("inf")
    for _ in range(repeats + 1):
        nd.waitall()
        t = time.perf_counter()
        nd.FullyConnected(a, w, num_hidden=n, no_bias=True).wait_to_read()
        best = min(best, time.perf_counter() - t)
    return 2 * n ** 3 / best / 1e9


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--width", type=int, nargs="+", default=[64], help="ngf [ndf]")
    ap.add_argument("--repeats", type=int, default=10)
    ap.add_argument("--layers", nargs="*", help='only these, e.g. "G 3" "D 2"')
    args = ap.parse_args()
    ngf, ndf = args.width[0], args.width[-1]
    print(f"# batch 64, ngf={ngf} ndf={ndf}; ms, median of {args.repeats}; "
          "each column includes the forward pass")
    print(f"# one 2048x2048x2048 matrix product runs at {gemm_peak():.0f} GFLOPS (best of 5); "
          "GFLOP: the layer's forward pass, batch 64\n")
    print("| layer | channels | picture | GFLOP | form | " + " | ".join(MODES) + " |")
    print("|---|---|---|---:|---|" + "---:|" * len(MODES))
    for name, transposed, cin, cout, stride, pad, size_in, size_out, _ in layers(ngf, ndf):
        if args.layers and name not in args.layers:
            continue
        medians, names = compare(transposed, cin, cout, stride, pad, size_in, size_out, args.repeats)
        pixels = size_in if transposed else size_out  # where the 4x4 kernel is applied
        gflop = 2 * 64 * cin * cout * 16 * pixels ** 2 / 1e9
        for form in names:
            cells = " | ".join(f"{medians[(form, m)]:.1f}" for m in MODES)
            print(f"| {name} | {cin}→{cout} | {size_in}→{size_out} | {gflop:.2f} | {form} | {cells} |",
                  flush=True)


if __name__ == "__main__":
    main()
