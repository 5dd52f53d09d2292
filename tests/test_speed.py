"""The engine's speed-ups compute what the chapter's plain networks compute.

Two checks:

- Each network alone, in float64 (training mode, a batch of 32 random inputs, a
  random gradient from above): outputs and every weight's gradient agree within
  1e-10 of each array's largest value (measured: about 2e-15): the same function and
  the same gradients. In float32 the same comparison can differ by 1-5% for some
  inputs: through batch norm over the batch, the weight gradients of an untrained G
  are ill-conditioned, and move that much when the input moves by 1e-6, in either
  form. The two forms add the same
  products in another order, so they differ by float32 rounding only (measured:
  about 1e-6); a wrong layer would differ at 1e-2 and more.
- Training steps of the whole game (plain SGD; Adam's first steps move a weight by
  about lr times the *sign* of its gradient, which rounding can flip): the five
  statistics of each step agree within 1e-5 relative after one step (measured: about
  1e-6) and within 2e-3 after four (measured: about 6e-4), on one device and on
  two. Rounding differences grow with every step of the game: at the start G's
  samples are nearly alike, so batch norm in D magnifies the difference between
  them (measured: D's gradient with respect to G's samples moves by 1% when those
  samples change by 1e-7).
"""
import mxnet as mx
import numpy as np
import pytest
from mxnet import gluon, nd
from mxnet.gluon import nn

from utils.data import faces, to_float
from utils.gan import dcgan, speed, training
from utils.gan.matmul_conv import MatmulConv2D, MatmulConv2DTranspose

# 16 images per device at least: with 8, batch norm over so few images makes the
# gradients themselves ill-conditioned (a 1e-6 change of the input moves them by 8%,
# in either form), which would say nothing about the two forms.
BATCH = 32

def _steps(ctx, fast: bool, ngf=64, ndf=64, n_steps=4):
    G, D = dcgan.new_networks(ngf, ndf, 100, ctx, seed=3)
    if fast:
        assert speed.for_cpu(G, (1, 100, 1, 1)) and speed.for_cpu(D, (1, 3, 64, 64))
    tg, td = (gluon.Trainer(net.collect_params(), "sgd", {"learning_rate": 1e-3}) for net in (G, D))
    images = to_float(faces.make_faces(2 * BATCH, seed=1)[0])
    ctxs = training.contexts(ctx)
    stats = []
    for i in range(n_steps):
        mx.random.seed(10 + i)
        real = nd.array(images[(i % 2) * BATCH:(i % 2 + 1) * BATCH])
        z = nd.random.normal(0, 1, (BATCH, 100, 1, 1))
        if len(ctxs) == 1:
            stats.append(dcgan.train_step(G, D, tg, td, real.as_in_context(ctxs[0]),
                                          z.as_in_context(ctxs[0]), 0.9).asnumpy())
        else:
            reals = gluon.utils.split_and_load(real, ctxs)
            zs = gluon.utils.split_and_load(z, ctxs)
            stats.append(training.parallel_step(G, D, tg, td, reals, zs, 0.9).asnumpy())
    return np.array(stats), G, D


@pytest.mark.parametrize("ctx", [mx.cpu(0), [mx.cpu(0), mx.cpu(1)]], ids=["one device", "two devices"])
def test_training_steps_agree(ctx):
    plain, fast = _steps(ctx, fast=False, n_steps=4)[0], _steps(ctx, fast=True, n_steps=4)[0]
    np.testing.assert_allclose(fast[0], plain[0], rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(fast, plain, rtol=2e-3, atol=1e-4)


@pytest.mark.parametrize("which", ["G", "D"])
def test_each_network_computes_the_same_function_and_gradients(which):
    """In float64, where rounding cannot hide a difference: outputs and every weight's
    gradient agree within 1e-10 of each array's largest value (measured: 2e-15)."""
    results = []
    for fast in (False, True):
        G, D = dcgan.new_networks(64, 64, 100, mx.cpu(), seed=3)
        net, shape = (G, (1, 100, 1, 1)) if which == "G" else (D, (1, 3, 64, 64))
        net.cast("float64")
        if fast:
            assert speed.for_cpu(net, shape)
        rng = np.random.default_rng(0)
        x = nd.array(rng.standard_normal((BATCH,) + shape[1:]), dtype="float64")
        with mx.autograd.record():
            y = net(x)
            loss = (y * nd.array(rng.standard_normal(y.shape), dtype="float64")).sum()
        output = y.asnumpy()
        loss.backward()
        results.append([output] + [p.grad().asnumpy() for p in net.collect_params().values()
                                   if p.grad_req != "null"])
    for plain, fast in zip(*results):
        assert np.abs(fast - plain).max() <= 1e-10 * np.abs(plain).max()


@pytest.mark.parametrize("ngf, ndf", [(8, 8), (32, 16), (64, 64)])
def test_which_layers_become_products(ngf, ndf):
    """G's first and D's last layer (the kernel covers the whole picture) at every
    width; the 8x8 <-> 4x4 layers only with 256 channels or more on both sides."""
    G, D = dcgan.new_networks(ngf, ndf, 100, mx.cpu())
    g, d = speed.for_cpu(G, (1, 100, 1, 1)), speed.for_cpu(D, (1, 3, 64, 64))
    wide_g, wide_d = ngf * 4 >= speed.MATMUL_MIN_CHANNELS, ndf * 4 >= speed.MATMUL_MIN_CHANNELS
    assert g == ([0, 3] if wide_g else [0]) and d == ([8, 11] if wide_d else [11])
    assert speed.for_cpu(G, (1, 100, 1, 1)) == [], "a second pass changes nothing"


def test_the_swap_keeps_the_parameters_and_their_names():
    G, _ = dcgan.new_networks(8, 8, 100, mx.cpu())
    before = dict(G.collect_params().items())
    speed.for_cpu(G, (1, 100, 1, 1))
    after = dict(G.collect_params().items())
    assert list(before) == list(after) and all(before[k] is after[k] for k in before)


def test_layers_with_a_bias_are_left_alone():
    net = nn.HybridSequential()
    net.add(nn.Conv2DTranspose(8, 4, 1, 0, use_bias=True))
    net.initialize()
    net(nd.zeros((1, 100, 1, 1)))
    assert speed.for_cpu(net, (1, 100, 1, 1)) == []
