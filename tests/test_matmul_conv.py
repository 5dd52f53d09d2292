"""The matrix-product layers compute what nn.Conv2D / nn.Conv2DTranspose compute."""
import mxnet as mx
import numpy as np
import pytest
from mxnet import autograd, init, nd
from mxnet.gluon import nn

from utils.gan.matmul_conv import MatmulConv2D, MatmulConv2DTranspose

# (plain layer, matmul layer, channels, stride, pad, out size, input shape): the
# DCGAN's four tiny layers, plus a wider picture and an odd batch size.
CASES = [
    (nn.Conv2D, MatmulConv2D, 512, 2, 1, 4, (5, 256, 8, 8)),
    (nn.Conv2D, MatmulConv2D, 1, 1, 0, 1, (5, 512, 4, 4)),
    (nn.Conv2D, MatmulConv2D, 16, 2, 1, 16, (3, 8, 32, 32)),
    (nn.Conv2DTranspose, MatmulConv2DTranspose, 512, 1, 0, 4, (5, 100, 1, 1)),
    (nn.Conv2DTranspose, MatmulConv2DTranspose, 256, 2, 1, 8, (5, 512, 4, 4)),
    (nn.Conv2DTranspose, MatmulConv2DTranspose, 8, 2, 1, 32, (3, 16, 16, 16)),
]


def _forward_backward(net, x, head):
    x = x.copy()
    x.attach_grad()
    with autograd.record():
        y = net(x)
    y.backward(head)
    return y.asnumpy(), net.weight.grad().asnumpy(), x.grad.asnumpy()


def _relative(a, b):
    return np.abs(a - b).max() / np.abs(a).max()


@pytest.mark.parametrize("hybridize", [False, True])
@pytest.mark.parametrize("plain, matmul, channels, stride, pad, out, shape", CASES)
def test_same_output_and_gradients(plain, matmul, channels, stride, pad, out, shape, hybridize):
    rng = np.random.RandomState(0)
    x = nd.array(rng.randn(*shape))
    a = plain(channels, 4, stride, pad, use_bias=False)
    b = matmul(channels, 4, stride, pad, out)
    for net in (a, b):
        net.initialize(init.Normal(0.02), ctx=mx.cpu())
        net(x)  # weight shapes from the input, as Gluon does
        if hybridize:
            net.hybridize(static_alloc=True, static_shape=True)
    assert a.weight.shape == b.weight.shape
    b.weight.set_data(a.weight.data())
    head = nd.array(rng.randn(*a(x).shape))
    for want, got in zip(_forward_backward(a, x, head), _forward_backward(b, x, head)):
        assert want.shape == got.shape
        assert _relative(want, got) < 1e-5


def test_only_plain_convolutions_are_accepted():
    with pytest.raises(ValueError, match="dilation 1, one group"):
        MatmulConv2D(8, 4, 2, 1, out_size=4, dilation=2)
    with pytest.raises(ValueError, match="dilation 1, one group"):
        MatmulConv2DTranspose(8, 4, 2, 1, out_size=8, groups=2, in_channels=16)
