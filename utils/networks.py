"""The DCGAN generator and discriminator (Radford, Metz & Chintala, 2015).

The layer pattern is the paper's: transposed convolutions that double the picture
in G, strided convolutions that halve it in D, batch norm everywhere except G's
output and D's input, ReLU in G with Tanh at the end, LeakyReLU(0.2) in D, no
pooling and no fully connected hidden layers. ``ngf`` and ``ndf`` set the width
(64 in the paper); the `default` profile narrows them to train on a laptop CPU.
"""
from mxnet import gluon
from mxnet.gluon import nn


def generator(ngf: int = 64, nc: int = 3) -> nn.HybridSequential:
    """Map a latent code (batch, nz, 1, 1) to an image (batch, nc, 64, 64) in [-1, 1]."""
    G = nn.HybridSequential(prefix="G_")
    with G.name_scope():
        # (nz, 1, 1) -> (ngf*8, 4, 4): kernel 4, stride 1, no padding "grows" 1 -> 4.
        G.add(nn.Conv2DTranspose(ngf * 8, 4, 1, 0, use_bias=False),
              nn.BatchNorm(), nn.Activation("relu"))
        # Each kernel-4, stride-2, padding-1 layer doubles height and width:
        # 4 -> 8 (ngf*4), 8 -> 16 (ngf*2), 16 -> 32 (ngf).
        for mult in (4, 2, 1):
            G.add(nn.Conv2DTranspose(ngf * mult, 4, 2, 1, use_bias=False),
                  nn.BatchNorm(), nn.Activation("relu"))
        # 32 -> 64 with nc colour channels; Tanh matches data scaled to [-1, 1].
        G.add(nn.Conv2DTranspose(nc, 4, 2, 1, use_bias=False), nn.Activation("tanh"))
    return G


def discriminator(ndf: int = 64) -> nn.HybridSequential:
    """Map an image (batch, 3, 64, 64) to one logit per image, shape (batch, 1, 1, 1)."""
    D = nn.HybridSequential(prefix="D_")
    with D.name_scope():
        # 64 -> 32. No batch norm on the first layer: it would normalise away the
        # colour statistics of real images that D needs to see.
        D.add(nn.Conv2D(ndf, 4, 2, 1, use_bias=False), nn.LeakyReLU(0.2))
        # 32 -> 16 (ndf*2), 16 -> 8 (ndf*4), 8 -> 4 (ndf*8).
        for mult in (2, 4, 8):
            D.add(nn.Conv2D(ndf * mult, 4, 2, 1, use_bias=False),
                  nn.BatchNorm(), nn.LeakyReLU(0.2))
        # 4 -> 1: a single real-vs-fake logit (the sigmoid lives in the loss).
        D.add(nn.Conv2D(1, 4, 1, 0, use_bias=False))
    return D


def layer_shapes(net: gluon.HybridBlock, x) -> list[tuple[str, tuple[int, ...], int]]:
    """Run x through net layer by layer: (layer name, output shape, parameter count)."""
    rows = []
    for layer in net:
        x = layer(x)
        n_params = sum(p.data().size for p in layer.collect_params().values())
        rows.append((layer.name, tuple(x.shape), n_params))
    return rows
