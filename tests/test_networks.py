import mxnet as mx
import pytest
from mxnet import init, nd

from utils.display.plots import layer_shapes
from utils.gan import dcgan


def _init(net):
    net.initialize(init.Normal(0.02), ctx=mx.cpu())
    return net


@pytest.mark.parametrize("ngf", [64, 8])
def test_generator_shape_after_every_layer(ngf):
    rows = layer_shapes(_init(dcgan.generator(ngf)), nd.zeros((2, 100, 1, 1)))
    shapes = [shape for _, shape, _ in rows]
    # Each block is ConvT, BatchNorm, ReLU: the shape changes only at the ConvT.
    assert shapes[0::3][:4] == [(2, ngf * 8, 4, 4), (2, ngf * 4, 8, 8),
                                (2, ngf * 2, 16, 16), (2, ngf, 32, 32)]
    assert shapes[-2:] == [(2, 3, 64, 64), (2, 3, 64, 64)]
    assert len(rows) == 14


@pytest.mark.parametrize("ndf", [64, 8])
def test_discriminator_shape_after_every_layer(ndf):
    rows = layer_shapes(_init(dcgan.discriminator(ndf)), nd.zeros((2, 3, 64, 64)))
    convs = [shape for name, shape, _ in rows if "conv" in name]
    assert convs == [(2, ndf, 32, 32), (2, ndf * 2, 16, 16), (2, ndf * 4, 8, 8),
                     (2, ndf * 8, 4, 4), (2, 1, 1, 1)]
    # No batch norm directly after the first convolution (the paper's rule).
    assert "batchnorm" not in rows[1][0] and "batchnorm" in rows[3][0]


def test_paper_sized_parameter_counts():
    G = _init(dcgan.generator(64))
    D = _init(dcgan.discriminator(64))
    g = sum(p for *_, p in layer_shapes(G, nd.zeros((1, 100, 1, 1))))
    d = sum(p for *_, p in layer_shapes(D, nd.zeros((1, 3, 64, 64))))
    # Conv weights: in*out*16, no biases; BatchNorm: 4 numbers per channel
    # (gamma, beta and the two running averages).
    g_expected = 16 * (100 * 512 + 512 * 256 + 256 * 128 + 128 * 64 + 64 * 3) + 4 * (512 + 256 + 128 + 64)
    d_expected = 16 * (3 * 64 + 64 * 128 + 128 * 256 + 256 * 512 + 512 * 1) + 4 * (128 + 256 + 512)
    assert (g, d) == (g_expected, d_expected)


def test_generator_output_is_in_tanh_range():
    G = _init(dcgan.generator(8))
    out = G(nd.random.normal(0, 10, (4, 100, 1, 1))).asnumpy()
    assert out.min() >= -1 and out.max() <= 1
