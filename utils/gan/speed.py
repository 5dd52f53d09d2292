"""What the training engine does to the networks it is given, to train faster on a CPU.

The chapter's networks are plain Gluon layers. On a CPU, some of their layers run
faster as one matrix product (`matmul_conv`), with the same weights and, up to
float32 rounding, the same result:

- a layer whose kernel covers the whole picture (G's first: a 1x1 code grows to
  4x4; D's last: a 4x4 map shrinks to one logit), at every width;
- the layers between 8x8 and 4x4 pictures when both sides have at least
  MATMUL_MIN_CHANNELS channels (the paper's width; measured with
  ``python bench/bench_layers.py``: on fewer channels oneDNN's direct kernels are
  as fast or faster).

`for_cpu` swaps those layers in place for their matrix-product form, sharing the
same Parameter objects, so checkpoints, the optimiser and the reader's G and D
stay as they were. tests/test_speed.py trains both forms side by side.

`frozen`, used in G's turn of the training step, saves work on every device.
"""
from __future__ import annotations

import contextlib

from mxnet import sym
from mxnet.gluon import nn

from .matmul_conv import MatmulConv2D, MatmulConv2DTranspose

MATMUL_MIN_CHANNELS = 256


def _plain(layer) -> bool:
    """An nn.Conv2D / nn.Conv2DTranspose that the matrix-product form can replace."""
    if type(layer) not in (nn.Conv2D, nn.Conv2DTranspose) or layer.bias is not None:
        return False
    k = layer._kwargs  # noqa: SLF001 (the layer's own settings)
    return set(k["dilate"]) == {1} and k["num_group"] == 1 and k["layout"] == "NCHW"


def _gains(layer, x_shape, y_shape) -> bool:
    """Whether `layer`, taking x_shape to y_shape, is one that runs faster as a product."""
    k = layer._kwargs  # noqa: SLF001
    whole = set(k["stride"]) == {1} and set(k["pad"]) == {0} and (
        (isinstance(layer, nn.Conv2DTranspose) and x_shape[2:] == (1, 1)) or
        (not isinstance(layer, nn.Conv2DTranspose) and y_shape[2:] == (1, 1)))
    small = {x_shape[2], y_shape[2]} == {4, 8} and min(x_shape[1], y_shape[1]) >= MATMUL_MIN_CHANNELS
    return whole or small


def _matmul_form(layer, out_size: int):
    cls = MatmulConv2DTranspose if isinstance(layer, nn.Conv2DTranspose) else MatmulConv2D
    k = layer._kwargs  # noqa: SLF001
    return cls(layer._channels, k["kernel"], k["stride"], k["pad"], out_size,  # noqa: SLF001
               prefix=layer.prefix, params=layer.params)


def for_cpu(net: nn.HybridSequential, x_shape: tuple) -> list[int]:
    """Swap the layers of `net` that gain from it for their matrix-product form
    (sharing their parameters); x_shape is the input's shape, e.g. (1, nz, 1, 1)
    for G. Returns the positions swapped; re-hybridises `net` when it swapped any."""
    data = sym.var("data")
    x, in_shape, swapped = data, tuple(x_shape), []
    for key, layer in list(net._children.items()):  # noqa: SLF001
        x = layer(x)  # symbolic: only shapes are worked out, nothing is computed
        out_shape = tuple(x.infer_shape(data=tuple(x_shape))[1][0])
        if _plain(layer) and _gains(layer, in_shape, out_shape):
            net._children[key] = _matmul_form(layer, out_shape[2])  # noqa: SLF001
            swapped.append(int(key))
        in_shape = out_shape
    if swapped:
        net.hybridize(static_alloc=True, static_shape=True)  # a new graph for the new layers
    return swapped


@contextlib.contextmanager
def frozen(net):
    """No weight gradients for net inside the block. G's turn needs the gradient
    through D, not D's own: skipping it saves about 4% of a step at the paper's
    widths, too little to measure with the `default` profile's narrow D
    (bench/bench_step_ab.py --lever frozen)."""
    params = net.collect_params()
    before = {name: p.grad_req for name, p in params.items()}
    params.setattr("grad_req", "null")
    try:
        yield
    finally:
        for name, p in params.items():
            p.grad_req = before[name]
