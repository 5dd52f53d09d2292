"""Generated from chapters/source/02_dcgan.md by tools/build_chapters.py: the chapter's
code cells tagged "save". Edit the chapter, not this file (tests/test_notebooks.py
compares the two)."""
import mxnet as mx
from mxnet import autograd, gluon, init, nd
from mxnet.gluon import nn

from utils.gan.speed import frozen  # G's turn skips D's weight gradients (below)


def generator(ngf=64, nc=3):
    """DCGAN's G: a code (batch, nz, 1, 1) -> an image (batch, nc, 64, 64) in [-1, 1]."""
    G = nn.HybridSequential(prefix="G_")
    with G.name_scope():
        G.add(nn.Conv2DTranspose(ngf * 8, 4, 1, 0, use_bias=False),  # (ngf*8, 4, 4)
              nn.BatchNorm(), nn.Activation("relu"),
              nn.Conv2DTranspose(ngf * 4, 4, 2, 1, use_bias=False),  # (ngf*4, 8, 8)
              nn.BatchNorm(), nn.Activation("relu"),
              nn.Conv2DTranspose(ngf * 2, 4, 2, 1, use_bias=False),  # (ngf*2, 16, 16)
              nn.BatchNorm(), nn.Activation("relu"),
              nn.Conv2DTranspose(ngf, 4, 2, 1, use_bias=False),      # (ngf, 32, 32)
              nn.BatchNorm(), nn.Activation("relu"),
              nn.Conv2DTranspose(nc, 4, 2, 1, use_bias=False),       # (nc, 64, 64)
              nn.Activation("tanh"))                                 # in [-1, 1], like the data
    return G


def discriminator(ndf=64):
    """DCGAN's D: an image (batch, 3, 64, 64) -> one logit per image (batch, 1, 1, 1)."""
    D = nn.HybridSequential(prefix="D_")
    with D.name_scope():
        D.add(nn.Conv2D(ndf, 4, 2, 1, use_bias=False),      # (ndf, 32, 32), no batch norm
              nn.LeakyReLU(0.2),
              nn.Conv2D(ndf * 2, 4, 2, 1, use_bias=False),  # (ndf*2, 16, 16)
              nn.BatchNorm(), nn.LeakyReLU(0.2),
              nn.Conv2D(ndf * 4, 4, 2, 1, use_bias=False),  # (ndf*4, 8, 8)
              nn.BatchNorm(), nn.LeakyReLU(0.2),
              nn.Conv2D(ndf * 8, 4, 2, 1, use_bias=False),  # (ndf*8, 4, 4)
              nn.BatchNorm(), nn.LeakyReLU(0.2),
              nn.Conv2D(1, 4, 1, 0, use_bias=False))        # (1, 1, 1): the logit
    return D


def new_networks(ngf, ndf, nz=100, ctx=mx.cpu(), seed=0):
    """G and D with weights from N(0, 0.02), as in the paper, compiled (hybridized).
    ctx may be a list of devices (data parallel)."""
    mx.random.seed(seed)
    G, D = generator(ngf), discriminator(ndf)
    first = ctx[0] if isinstance(ctx, (list, tuple)) else ctx
    for net, x_shape in ((G, (1, nz, 1, 1)), (D, (1, 3, 64, 64))):
        net.initialize(init.Normal(0.02), ctx=ctx)
        net(nd.zeros(x_shape, ctx=first))  # a first call fixes every weight's shape
        net.hybridize(static_alloc=True, static_shape=True)
    return G, D


def new_trainers(G, D, lr_g=2e-4, lr_d=2e-4, beta1=0.5):
    """One Adam per network (the paper: learning rate 2e-4 for both, beta1 0.5)."""
    return (gluon.Trainer(G.collect_params(), "adam", {"learning_rate": lr_g, "beta1": beta1}),
            gluon.Trainer(D.collect_params(), "adam", {"learning_rate": lr_d, "beta1": beta1}))


bce = gluon.loss.SigmoidBinaryCrossEntropyLoss()  # sigmoid + cross-entropy, on logits


def add_noise(real, fake, std):
    """Instance noise: one draw of Gaussian noise (standard deviation std), added to
    the real and the fake batch alike."""
    if std <= 0:
        return real, fake
    noise = nd.random.normal(0, std, real.shape, ctx=real.context)
    return real + noise, fake + noise


def d_loss(D, real, fake, real_label=1.0):
    """D's loss: real images towards real_label, G's towards 0; and D's logits."""
    out_real = D(real).reshape((-1,))
    out_fake = D(fake.detach()).reshape((-1,))  # detach: D's loss stops at G
    loss = bce(out_real, nd.ones_like(out_real) * real_label) + bce(out_fake, nd.zeros_like(out_fake))
    return loss, out_real, out_fake


def g_loss(D, fake):
    """G's non-saturating loss, -log D(G(z)): its fakes towards the label 1."""
    out = D(fake).reshape((-1,))
    return bce(out, nd.ones_like(out))


def step_stats(loss_d, loss_g, out_real, out_fake):
    """D's loss, G's loss, D's accuracy (a logit above 0 means "real"), D(x), D(G(z))."""
    right = (out_real > 0).sum() + (out_fake < 0).sum()
    return nd.concat(loss_d.mean(), loss_g.mean(), right / (out_real.size + out_fake.size),
                     out_real.sigmoid().mean(), out_fake.sigmoid().mean(), dim=0)


def train_step(G, D, trainer_g, trainer_d, real, z, real_label=1.0, noise=0.0, grain=0.0):
    """One D update, then one G update, on one device. Returns step_stats (on the
    device: reading it would make MXNet wait)."""
    with autograd.record():
        fake = G(z)
        seen_real, seen_fake = add_noise(real, fake, noise)  # what D sees
        loss_d, out_real, out_fake = d_loss(D, seen_real, seen_fake, real_label)
    loss_d.backward()
    trainer_d.step(real.shape[0])
    with frozen(D), autograd.record():  # G's turn: gradients through D, not for D
        loss_g = g_loss(D, seen_fake)  # the fakes as D saw them
        if grain:  # the grain penalty, a change to the paper's recipe (below)
            loss_g = loss_g + grain * grain_penalty(fake, real)
    loss_g.backward()
    trainer_g.step(real.shape[0])
    return step_stats(loss_d, loss_g, out_real, out_fake)


TRAINED = ".*weight|.*gamma|.*beta"  # what the optimiser changes; not batch norm's running statistics


def average_decay(ema, step):
    """How much of the average to keep after `step` updates: less at first, when the
    early weights are still noise, then `ema`."""
    return min(ema, (1 + step) / (10 + step))


def update_average(G_avg, G, decay):
    """Move G_avg's weights towards G's: avg <- decay * avg + (1 - decay) * weight."""
    for avg, now in zip(G_avg.collect_params(TRAINED).values(), G.collect_params(TRAINED).values()):
        for a, w in zip(avg.list_data(), now.list_data()):  # one copy per device
            a[:] = decay * a + (1 - decay) * w


def refresh_batch_stats(G, nz, ctx, rounds=50, batch=64):
    """Bring G's batch-norm running statistics to those of the weights it has now.
    MXNet updates them in the backward pass of a recorded call, so each round is a
    call and a backward to the codes (G's weights are frozen: they do not change).
    Each round keeps 0.9 of the old statistics (batch norm's momentum): 50 rounds
    leave 0.5% of them, little enough even after the first epoch, when the average
    has moved far from the starting weights."""
    for _ in range(rounds):
        z = nd.random.normal(0, 1, (batch, nz, 1, 1), ctx=ctx)
        z.attach_grad()
        with frozen(G), autograd.record():
            out = G(z)
        out.backward()


# The Laplacian of the grey levels as one 3x3 filter over the three channels (grey is
# their mean): a pixel's four neighbours minus four times the pixel.
LAPLACE = nd.array([[[[0, 1, 0], [1, -4, 1], [0, 1, 0]]] * 3]) / 3


def fine_detail(images):
    """The energy of the images' finest detail: the mean square of their grey
    levels' Laplacian (how much each pixel differs from its four neighbours)."""
    laplacian = nd.Convolution(images, LAPLACE.as_in_context(images.context), kernel=(3, 3),
                               num_filter=1, no_bias=True)
    return nd.square(laplacian).mean()  # nd.square: faster than ** 2 in MXNet


def grain_penalty(fake, real):
    """log(G's fine detail / the real images'), where G has more; 0 where it has less."""
    return nd.relu(nd.log(fine_detail(fake) / fine_detail(real)))
