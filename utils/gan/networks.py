"""The DCGAN generator and discriminator (Radford, Metz & Chintala, 2015).

The layer pattern is the paper's: transposed convolutions that double the picture
in G, strided convolutions that halve it in D, batch norm everywhere except G's
output and D's input, ReLU in G with Tanh at the end, LeakyReLU(0.2) in D, no
pooling and no fully connected hidden layers. ``ngf`` and ``ndf`` set the width
(64 in the paper); the `default` profile narrows them to train on a laptop CPU.

With ``matmul=True`` the first and last layers and the wide layers on the smallest
pictures are computed as one matrix product each (`matmul_conv`): the same weights
and the same result, only faster on a CPU. `training.build_networks` turns it on for CPUs.
"""
from mxnet import gluon
from mxnet.gluon import nn

from .matmul_conv import MatmulConv2D, MatmulConv2DTranspose

# Which layers gain from the matrix-product form, measured on a 2-core CPU with
# `python bench/bench_layers.py`: G's first and D's last layer (the kernel covers the
# whole picture) at every width, and the two between 8x8 and 4x4 pictures when their
# narrower side has at least 256 channels (the paper's width). On fewer channels
# oneDNN's direct kernels are as fast or faster there.
MATMUL_MIN_CHANNELS = 256


def conv4(channels: int, stride: int, pad: int, out_size: int, transposed: bool, matmul: bool):
    """A kernel-4 (transposed) convolution without bias: batch norm, which follows,
    supplies the shift. out_size is the output's height and width."""
    if matmul:
        layer = MatmulConv2DTranspose if transposed else MatmulConv2D
        return layer(channels, 4, stride, pad, out_size)
    layer = nn.Conv2DTranspose if transposed else nn.Conv2D
    return layer(channels, 4, stride, pad, use_bias=False)


def generator(ngf: int = 64, nc: int = 3, matmul: bool = False) -> nn.HybridSequential:
    """Map a latent code (batch, nz, 1, 1) to an image (batch, nc, 64, 64) in [-1, 1]."""
    G = nn.HybridSequential(prefix="G_")
    with G.name_scope():
        # (nz, 1, 1) -> (ngf*8, 4, 4): kernel 4, stride 1, no padding "grows" 1 -> 4.
        G.add(conv4(ngf * 8, 1, 0, 4, transposed=True, matmul=matmul),
              nn.BatchNorm(), nn.Activation("relu"))
        # Each kernel-4, stride-2, padding-1 layer doubles height and width:
        # 4 -> 8 (ngf*4), 8 -> 16 (ngf*2), 16 -> 32 (ngf).
        for mult, size in ((4, 8), (2, 16), (1, 32)):
            wide_and_small = size == 8 and ngf * mult >= MATMUL_MIN_CHANNELS
            G.add(conv4(ngf * mult, 2, 1, size, transposed=True, matmul=matmul and wide_and_small),
                  nn.BatchNorm(), nn.Activation("relu"))
        # 32 -> 64 with nc colour channels; Tanh matches data scaled to [-1, 1].
        G.add(conv4(nc, 2, 1, 64, transposed=True, matmul=False), nn.Activation("tanh"))
    return G


def discriminator(ndf: int = 64, matmul: bool = False) -> nn.HybridSequential:
    """Map an image (batch, 3, 64, 64) to one logit per image, shape (batch, 1, 1, 1)."""
    D = nn.HybridSequential(prefix="D_")
    with D.name_scope():
        # 64 -> 32. No batch norm on the first layer: it would normalise away the
        # colour statistics of real images that D needs to see.
        D.add(conv4(ndf, 2, 1, 32, transposed=False, matmul=False), nn.LeakyReLU(0.2))
        # 32 -> 16 (ndf*2), 16 -> 8 (ndf*4), 8 -> 4 (ndf*8).
        for mult, size in ((2, 16), (4, 8), (8, 4)):
            wide_and_small = size == 4 and ndf * mult // 2 >= MATMUL_MIN_CHANNELS
            D.add(conv4(ndf * mult, 2, 1, size, transposed=False, matmul=matmul and wide_and_small),
                  nn.BatchNorm(), nn.LeakyReLU(0.2))
        # 4 -> 1: a single real-vs-fake logit (the sigmoid lives in the loss).
        D.add(conv4(1, 1, 0, 1, transposed=False, matmul=matmul))
    return D


def layer_shapes(net: gluon.HybridBlock, x) -> list[tuple[str, tuple[int, ...], int]]:
    """Run x through net layer by layer: (layer name, output shape, parameter count)."""
    rows = []
    for layer in net:
        x = layer(x)
        n_params = sum(p.data().size for p in layer.collect_params().values())
        rows.append((layer.name, tuple(x.shape), n_params))
    return rows
