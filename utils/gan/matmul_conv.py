"""Convolutions on tiny pictures, computed as one matrix product.

A convolution is a matrix product in disguise. Cut every k x k window of the input
out as a column ("im2col"); then the layer is

    (out_channels x in_channels*k*k) @ (in_channels*k*k x windows of the whole batch).

MXNet's `Convolution` on a CPU runs oneDNN's direct kernels, which are fast on large
pictures but waste time where the picture is tiny and the channels many: D's layer
from 8x8 to 4x4 and G's from 4x4 to 8x8, with 256 and 512 channels at the paper's
width. There each image has only 16 windows, each with a lot of work. Written as one
matrix product over all the windows of the batch, the same sums run close to the
CPU's peak (`python bench/bench_layers.py` times every layer of the DCGAN both ways;
those two layers get about 1.2-1.5 times faster, a whole training step about 15%).

Two more layers are a matrix product with nothing to cut out: G's first (a 1x1 code
grows to 4x4) and D's last (a 4x4 picture shrinks to one logit), whose kernel
covers the whole picture. oneDNN runs them as general convolutions: D's last layer
took some 20 ms of a training step for under 10 MFLOP of arithmetic. As one
`FullyConnected` each they cost a few ms (a whole step gets about 3% faster at the
paper's width, 7-8% at the `default` profile's: `python bench/bench_step_ab.py`).

The two classes below are `nn.Conv2D` and `nn.Conv2DTranspose` with the same
weights, shapes and parameter names; only the arithmetic is arranged differently.
So a checkpoint moves freely between the two forms, and `tests/test_matmul_conv.py`
checks that outputs and gradients agree. On a GPU, cuDNN is used instead
(`training.build_networks` chooses).

The product is oneDNN's `FullyConnected`, not `nd.dot`: `dot` goes to OpenBLAS,
which hangs when two CPU contexts (data parallel on one machine) call it at once.
"""
from __future__ import annotations

from mxnet.gluon import nn


def _check(kwargs: dict, name: str) -> None:
    if set(kwargs["dilate"]) != {1} or kwargs["num_group"] != 1 or kwargs["layout"] != "NCHW":
        raise ValueError(f"{name} supports plain NCHW convolutions only "
                         "(dilation 1, one group); use the nn layer for anything else.")


class MatmulConv2D(nn.Conv2D):
    """`nn.Conv2D(channels, kernel_size, strides, padding, use_bias=False)` computed
    as im2col and one matrix product. `out_size`: the output's height (= width)."""

    def __init__(self, channels, kernel_size, strides, padding, out_size: int, **kwargs):
        super().__init__(channels, kernel_size, strides, padding, use_bias=False, **kwargs)
        _check(self._kwargs, "MatmulConv2D")
        self._out_size = out_size

    def infer_shape(self, x, *args):
        # The reshape below hides the input channels from MXNet's shape inference,
        # so the weight's shape is filled in here, as Convolution would do it.
        self.weight.shape = (self._channels, x.shape[1]) + self._kwargs["kernel"]

    def hybrid_forward(self, F, x, weight):
        k = self._kwargs
        if self._out_size == 1 and set(k["stride"]) == {1} and set(k["pad"]) == {0}:
            # The kernel covers the whole picture (D's last layer): the only window
            # is the image itself, so im2col is a flatten (in weight's C, y, x order).
            y = F.FullyConnected(x, weight.reshape((0, -1)), num_hidden=self._channels,
                                 no_bias=True, flatten=True)
            return y.reshape((0, 0, 1, 1))
        cols = F.im2col(x, kernel=k["kernel"], stride=k["stride"], pad=k["pad"])  # (N, C_in*k*k, windows)
        y = F.FullyConnected(F.transpose(cols, (0, 2, 1)), weight.reshape((0, -1)),  # (N, windows, C_out)
                             num_hidden=self._channels, no_bias=True, flatten=False)
        return F.transpose(y, (0, 2, 1)).reshape((0, 0, self._out_size, self._out_size))


class MatmulConv2DTranspose(nn.Conv2DTranspose):
    """`nn.Conv2DTranspose(channels, kernel_size, strides, padding, use_bias=False)`
    computed as one matrix product and col2im, which adds each pixel's k x k
    contribution into the output. `out_size`: the output's height (= width)."""

    def __init__(self, channels, kernel_size, strides, padding, out_size: int, **kwargs):
        super().__init__(channels, kernel_size, strides, padding, use_bias=False, **kwargs)
        _check(self._kwargs, "MatmulConv2DTranspose")
        self._out_size = out_size

    def infer_shape(self, x, *args):
        self.weight.shape = (x.shape[1], self._channels) + self._kwargs["kernel"]

    def hybrid_forward(self, F, x, weight):
        k = self._kwargs
        if self._out_size == k["kernel"][0] and set(k["stride"]) == {1} and set(k["pad"]) == {0}:
            # A 1x1 input (G's first layer): one pixel, so col2im only reshapes
            # (C_out*k*k) into (C_out, k, k).
            y = F.FullyConnected(x, F.transpose(weight.reshape((0, -1))), flatten=True, no_bias=True,
                                 num_hidden=self._channels * k["kernel"][0] * k["kernel"][1])
            return y.reshape((0, self._channels) + k["kernel"])
        pixels = F.transpose(x.reshape((0, 0, -1)), (0, 2, 1))  # (N, pixels, C_in)
        per_pixel = F.transpose(weight.reshape((0, -1)))  # (C_out*k*k, C_in)
        cols = F.FullyConnected(pixels, per_pixel, num_hidden=self._channels * k["kernel"][0] * k["kernel"][1],
                                no_bias=True, flatten=False)  # (N, pixels, C_out*k*k)
        return F.col2im(F.transpose(cols, (0, 2, 1)), output_size=(self._out_size,) * 2,
                        kernel=k["kernel"], stride=k["stride"], pad=k["pad"])
