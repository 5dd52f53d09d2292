"""Variants of the `default` recipe that test why G's attribute histograms are
narrower than the data's (chapter 4, "How is a number drawn wrong?"):

    python bench/explore_spreads.py VARIANT [--seed S] [--epochs N] [--batch-size B] [--out DIR]
                                    [--weight W] [--pool P] [--grey] [--two-sided] [--grain-times T]
                                    [--in-d N] [--reuse [--one-draw]] [--mixture K [--spread S]]
                                    [--binary K] [--ngf N] [--ndf N] [--noise-floor F] [--low-floor F]
                                    [--policy P] [--patch-kind K] [--patch-width N] [--patch-middle N]
                                    [--patch-crop C] [--patch-from S] [--patch-every K] [--patch-faces K]
                                    [--d-rate-end F] [--floor-release R] [--freeze-coarse K [--freeze-from S]]
                                    [--start-noise N] [--real-label L] [--loss K] [--spectral {bn,no-bn}] [--lr-d R]
                                    [--beta1 B] [--nz N] [--categories C] [--continuous K]
                                    [--r1 GAMMA [--r1-every K] [--r1-step H]]

- book: the `default` recipe itself, unchanged: the baseline for runs on a machine
  (the same recipe and seed trained on another CPU is another draw).
- three-draws: the book's step as it was before it drew its instance noise once a
  step: a fresh draw for each of D's three looks (the real batch, the fakes in D's
  turn, the fakes in G's turn). With --batch-size 64 it is the `book` of rounds 1-14
  in results/recipes_exploration_*; the variants below (but feature-matching
  --one-draw) are built on it, as they were then.
- batch-std: D gets one more feature map before its last layer, the standard
  deviation of every feature across the batch averaged into one number (Karras et
  al. 2018). Not the paper's layers: it tests whether D misses G's narrow spreads
  because it judges one face at a time.
- uniform-codes: codes drawn evenly from [-1, 1] (the DCGAN paper's) instead of from
  N(0, 1), everywhere G gets a code: it tests whether the bell shape comes from the
  codes' own shape.
- --mixture K (with any variant): codes drawn from a mixture of K Gaussians (fixed
  random centres, each of standard deviation --spread, every number still of
  variance 1) instead of one, everywhere G gets a code: G's map from codes to faces
  is continuous, so between a code that draws bangs and one that draws short hair
  lie codes that draw a fringe half there. With gaps between the mixture's parts, G
  can change style across a gap where no code is drawn. It tests whether that is
  why G draws between hair styles. (With far fewer parts than a batch has faces,
  a batch of fakes holds near-twins, and D, whose batch norm normalises each batch
  by its own statistics, is fooled from the first steps.)
- --binary K (with any variant): codes whose last K numbers are -1 or +1 (even
  odds) instead of normal, everywhere G gets a code. Where --mixture puts gaps in
  every direction of the codes, this puts them in K directions only: G can draw a
  class (a hair style, a smile or not) on one side of a gap and another across it,
  while the other numbers stay continuous and keep G's variety.
- --noise-floor F (with any variant): the instance noise fades from the profile's
  0.1 to F instead of to 0. G's spreads of the smile and the face's height are at
  their widest about two thirds into the run and narrow again as the noise fades
  out: it tests whether the fading noise narrows them. With `book --two-sided` the
  grain penalty also holds G's fine detail up to the drawings' (as mode-seeking's
  --two-sided does), for the detail D no longer sees through the noise.
- --floor-release R (with --noise-floor): the floor fades to 0 over the last R of
  the run (R = 0.1: the last 2.4 epochs). The floor keeps the spreads wide but hides
  fine detail from D to the end: it tests whether a short last phase without it
  gives G its fine detail back before the spreads narrow again.
- --d-rate-end F (with any variant): D's learning rate fades linearly over the run
  to F times its own, as the instance noise fades. In the last epochs, as the noise
  fades out, D becomes right 96-98% of the time and G's spreads narrow: it tests
  whether a D that learns more slowly then keeps them wide without the floor's
  blurred view (so without the floor's cost in fine detail).
- --start-noise N (with any variant): the instance noise starts at N instead of the
  profile's 0.1 and still fades to 0 (or to --noise-floor). Chapter 2's run had hair
  style 4.3 points off after epoch 4 and 9-15 from epoch 6 on. If the classes G draws
  (how many of each hair style) are set early, moving faces from one class to
  another takes G through faces between them that D rejects: it tests whether a
  blurrier D early lets G set them right.
- --real-label L (with any variant): D's target for the real images; the `default`
  profile's 0.9 is one-sided label smoothing (chapter 2), 1 turns it off.
- --loss K (with book): the two players' losses. bce: the paper's (D's
  cross-entropy, G's -log D(G(z))); least-squares: LSGAN's (Mao et al. 2017), D's
  logit pulled towards +1 for real images and -1 for G's, G's towards +1, so that a
  face D already calls real still pulls G (the cross-entropy's pull fades there);
  hinge: D's loss only from faces on the wrong side of a margin (max(0, 1 - l) for
  real, max(0, 1 + l) for G's), G's -l (Lim & Ye 2017; Miyato et al. 2018). The
  spreads narrow in the last epochs, as D becomes right 96-98% of the time: it
  tests whether the cross-entropy's way of scoring D's wins is what narrows them.
  relativistic: the relativistic average GAN's (Jolicoeur-Martineau 2018): D's
  cross-entropy on how much more real it finds each real face than G's faces on
  average (and each of G's faces than the real ones), and G's the same the other
  way round; a D that judges by comparison cannot grow surer of a real face
  without G's faces coming closer. With least-squares the real target is 2 L - 1
  (label smoothing as with bce); relativistic smooths its real label as bce does;
  hinge has no label.
- --spectral {bn,no-bn} (with book): every convolution of D has its weight divided by
  its largest singular value, estimated by one step of power iteration a training
  step (spectral normalisation, Miyato et al. 2018), so that no layer can make D's
  verdict change faster than its input. no-bn is Miyato et al.'s D: batch norm taken
  out (not the paper's layers); bn keeps it. A D that cannot sharpen its verdict
  without bound cannot win as surely in the last epochs: it tests whether D's late,
  sure wins are what narrows G's spreads, without hiding fine detail from it.
- --freeze-coarse K (with any variant): from --freeze-from S of the run on (0.67:
  when G's spreads were widest), the weights of G's first K blocks (1: the 4 x 4
  layer, 2: up to 8 x 8, 3: up to 16 x 16) stay as they are, and only the finer
  layers learn on. The spreads narrow again in the last third, as the noise fades
  and D sees fine detail: it tests whether it is the coarse layers, which lay the
  face out, that narrow them.
- --r1 GAMMA (with any variant whose D's turn is the engine's d_loss): D's loss adds
  GAMMA / 2 times the squared length of the gradient of its logit with respect to
  the real faces it sees (the R1 penalty, Mescheder et al. 2018), which keeps D's
  verdict from changing sharply near the data and so from growing ever surer of
  it. MXNet 1.x cannot differentiate a convolution's gradient, so the length comes
  from a central difference along one random direction per face, v ~ N(0, I):
  (D(x + h v) - D(x - h v)) / 2h, whose square is on average the gradient's
  squared length (--r1-step h, default 0.01; a one-sided difference is swamped by
  D's curvature). It is added on one step in --r1-every K, K times as heavy (lazy
  regularisation, Karras et al. 2020), so a step costs two more passes of D over
  the real batch only one time in K. The instance noise fades as usual: it tests
  whether a D kept smooth at the data, rather than blurred, keeps G's spreads
  wide without the floor's cost in fine detail.
- --ngf N, --ndf N: G, D of width N (the `default` profile's are 32 and 16).
- --lr-d R: D's learning rate (the `default` profile's is half G's, 1e-4).
- --nz N: codes of N numbers instead of the profile's (16; the paper's: 100).
- --beta1 B: both Adams' beta1 (the paper's 0.5): how much of its past steps each
  player's update keeps.
- info (with --categories C and/or --continuous K): InfoGAN's term (Chen et al.
  2016). The code's last C numbers are a one-hot category (even odds) and the K
  before them U(-1, 1) numbers, everywhere G gets a code; a small head Q on D's last
  hidden features learns, with D's body in D's turn, to read them back from G's
  faces, and G's loss adds how badly Q reads them (weight --weight). G is asked to
  draw each category as a kind of face that can be told from the others, and a face
  between two hair styles is one whose kind cannot be told: it tests whether that
  keeps G from drawing them. The categories have even odds while the data's hair
  styles do not, so with C = 10 several categories can draw one style. (Q and its
  Adam are not in the checkpoint.)
- low-res: a second D, of the paper's pattern but fewer layers, judges the faces
  shrunk to averages of --pool x --pool pixels (2: 32 x 32; 4: 16 x 16), in the same
  step, and G's loss adds its verdict (weight --weight, default 1). Too coarse to see
  grain, it has only the faces' shapes, colours and how often each is drawn to tell
  them apart: it tests whether G's narrow spreads last because the full-size D spends
  itself on fine detail. With --low-floor F the shrunk faces get their own instance
  noise, which fades to F instead of 0 while the full-size D's fades to 0: the
  second D stays as blurred-sighted to the end as --noise-floor makes the only D,
  and the first still asks for fine detail. (Its weights and Adam are not in the
  checkpoint.)
- augment: D sees every face, real or fake, through random augmentations that G's
  gradients pass through (DiffAugment, Zhao et al. 2020; --policy, a comma-separated
  list of color, translation and cutout, in that order by default): D can no longer
  learn the 10,000 drawings by heart in the last epochs, yet it sees them at full
  detail. It tests whether D's late wins over the un-noised faces are what narrows
  the spreads.
- patch: the last epochs' two jobs split between two Ds. The book's D judges whole
  faces through instance noise that fades only to --noise-floor (a blurred view of
  shapes to the end, which keeps the spreads wide), and a second D judges small
  patches (--patch-kind, --patch-width, --patch-crop) through the book's fading
  noise (fine detail, asked for by a D that sees no whole face); G's loss adds the
  patch D's verdict with weight --weight. (Its weights and Adam are not in the
  checkpoint.) With --patch-from S the patch D joins only at that share of the run:
  until the fading noise reaches the floor, the face D sees no finer detail than
  with the floor, and the book's step with the floor costs a book's step. With
  --patch-every K it learns and judges on one step in K (the others are the book's
  step with the floor), which spreads its cost over K steps; --patch-middle N makes
  its middle layer N wide instead of twice --patch-width (cheaper); with
  --patch-faces K it judges only K of each batch's real and fake faces (cheaper).
- mixed-batch: D judges the real and the fake batch in one call, so its batch norm
  normalises both with the same statistics (the paper's step gives D one batch of
  each, and batch norm then removes each batch's own mean and spread before D's
  later layers see them). Both turns: G's turn calls D on the real batch too.
- pairs: D judges pairs of faces, two real or two fake, stacked into 6 channels
  (PacGAN, Lin et al. 2018: a pair shows D how varied G's faces are). The layers are
  the paper's; the first takes 6 channels instead of 3.
- top-k: G learns only from the fakes D finds most real, a share that falls from all
  of the batch to half of it by the middle of the run and stays there (Sinha et al.
  2020): the faces D rejects most surely lie between the data's kinds of face (half
  bald, half fringe), and their gradients pull G towards the middle.
- mode-seeking: G's loss also rewards two codes' faces for being far apart, for
  how far apart the codes are (Mao et al. 2019): a map that changes the face more
  per step in code space crosses from one kind of face to the next more quickly.
  Its weight grows from 0 to --weight (default 1) over the run, as the grain
  penalty's does; --pool P compares the faces as averages of P x P pixels, --grey
  their grey levels only; --two-sided makes the grain penalty hold G's fine detail
  up to the drawings' as well as down, and --grain-times T weighs it T times more;
  --in-d N compares the faces in the features of D's first N layers instead.
- feature-matching: G's loss also asks the fake batch's features in D's last
  hidden layer (before the logit, or after D's first --in-d N layers) to have the
  real batch's mean and spread, feature by feature (Salimans et al. 2016 match the
  means; the spreads are what G draws too narrowly). Its weight grows from 0 to
  --weight over the run, as the grain penalty's does. --reuse takes the real
  batch's features from D's turn instead of a second pass over the real batch;
  --one-draw then draws the instance noise once a step, as the book's step does.

Trains without the chapters' cache (checkpoints go to --out, and an interrupted run
resumes there), then prints chapter 4's measures and G's spread of the four numbers
as a share of the data's. Results of earlier runs: results/recipes_exploration_*.txt.
"""
from __future__ import annotations

import argparse
import dataclasses
import functools
import itertools
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import utils  # noqa: E402,F401  (sets the thread count before MXNet loads)
import mxnet as mx  # noqa: E402
import numpy as np  # noqa: E402
from mxnet import autograd, gluon, init, nd  # noqa: E402
from mxnet.gluon import nn  # noqa: E402

from utils import profiles  # noqa: E402
from utils.data import Batches, training_images  # noqa: E402
from utils.gan import dcgan, scorecard, speed, training  # noqa: E402
from utils.latent import attributes  # noqa: E402

NUMBERS = ("face_width", "face_height", "eye_size", "smile")


def spreads(reading, refs) -> str:
    """G's spread of each of the four numbers as a share of the training faces': "face_width 0.88, ..."."""
    return ", ".join(f"{k} {reading[k].std() / refs.train_reading[k].std():.2f}" for k in NUMBERS)


class BatchStd(nn.HybridBlock):
    """Appends one feature map: each feature's standard deviation across the batch, averaged."""

    def hybrid_forward(self, F, x):
        deviation = F.broadcast_sub(x, F.mean(x, axis=0, keepdims=True))
        std = F.sqrt(F.mean(F.square(deviation), axis=0, keepdims=True) + 1e-8)
        ones = F.ones_like(F.slice_axis(x, axis=1, begin=0, end=1))
        return F.concat(x, F.broadcast_mul(ones, F.mean(std).reshape((1, 1, 1, 1))), dim=1)


def batch_std_discriminator(ndf):
    """dcgan.discriminator with BatchStd before the last layer (which gets one more channel)."""
    layers = list(dcgan.discriminator(ndf)._children.values())  # noqa: SLF001
    D = nn.HybridSequential(prefix="D_")
    D.add(*layers[:-1], BatchStd(), layers[-1])
    return D


def replace_codes(draw_codes):
    """Make every code G is given (a (batch, nz, 1, 1) N(0, 1) draw: in training, in
    the refresh of the average's batch-norm statistics) come from draw_codes(shape,
    ctx) instead. Other normal draws (the instance noise) stay as they were."""
    normal = nd.random.normal

    def draw(loc=0, scale=1, shape=None, ctx=None, **kw):
        if shape is not None and len(shape) == 4 and tuple(shape[2:]) == (1, 1) and (loc, scale) == (0, 1):
            return draw_codes(shape, ctx)
        return normal(loc, scale, shape, ctx=ctx, **kw)

    nd.random.normal = draw


def uniform_codes():
    """Every code G is given from U(-1, 1)."""
    replace_codes(lambda shape, ctx: nd.random.uniform(-1, 1, shape, ctx=ctx))


def mixture_centres(components, nz, spread, seed):
    """The mixture's centres: N(0, 1 - spread^2) each, so that a code's numbers keep variance 1."""
    return np.random.default_rng(seed + 11).standard_normal((components, nz)) * np.sqrt(1 - spread ** 2)


def draw_mixture(rng, n, centres, spread):
    """n codes (n, nz): a random centre each, plus N(0, spread^2) noise."""
    picks = rng.integers(len(centres), size=n)
    return (centres[picks] + spread * rng.standard_normal((n, centres.shape[1]))).astype(np.float32)


def mixture_codes(centres, spread, seed):
    """Every code G is given from the mixture."""
    rng = np.random.default_rng(seed + 12)
    replace_codes(lambda shape, ctx: nd.array(draw_mixture(rng, shape[0], centres, spread).reshape(shape), ctx=ctx))


def binary_tail(codes, k):
    """codes (n, nz, ...) with their last k numbers replaced by signs: -1 or +1 with
    even odds (variance 1, as a normal number's)."""
    codes[:, -k:] = np.sign(codes[:, -k:]) + (codes[:, -k:] == 0)
    return codes


def binary_codes(k, seed):
    """Every code G is given with its last k numbers drawn as signs."""
    rng = np.random.default_rng(seed + 13)
    replace_codes(lambda shape, ctx: nd.array(
        binary_tail(rng.standard_normal(shape).astype(np.float32), k), ctx=ctx))


def noisy(x, std):
    """Instance noise as the book's step first drew it: a fresh draw for each batch D sees."""
    return x + nd.random.normal(0, std, x.shape, ctx=x.context) if std > 0 else x


def three_draws_step(G, D, trainer_g, trainer_d, real, z, real_label=1.0, noise=0.0, grain=0.0):
    """dcgan.train_step as it was before it drew its instance noise once a step: a fresh
    draw on the real batch, on the fakes in D's turn and on the fakes in G's turn."""
    fake, loss_d, out_real, out_fake = d_turn(G, D, trainer_d, real, z, real_label, noise)
    with speed.frozen(D), autograd.record():
        loss_g = dcgan.g_loss(D, noisy(fake, noise))
        if grain:
            loss_g = loss_g + grain * dcgan.grain_penalty(fake, real)
    loss_g.backward()
    trainer_g.step(real.shape[0])
    return dcgan.step_stats(loss_d, loss_g, out_real, out_fake)


def mixed_batch_step(G, D, trainer_g, trainer_d, real, z, real_label=1.0, noise=0.0, grain=0.0):
    """dcgan.train_step with D called once on real and fake together, in both turns."""
    n = real.shape[0]
    with autograd.record():
        fake = G(z)
        out = D(noisy(nd.concat(real, fake.detach(), dim=0), noise)).reshape((-1,))
        out_real, out_fake = out[:n], out[n:]
        loss_d = (dcgan.bce(out_real, nd.ones_like(out_real) * real_label)
                  + dcgan.bce(out_fake, nd.zeros_like(out_fake)))
    loss_d.backward()
    trainer_d.step(n)
    with speed.frozen(D), autograd.record():
        out = D(noisy(nd.concat(real, fake, dim=0), noise)).reshape((-1,))[n:]
        loss_g = dcgan.bce(out, nd.ones_like(out))
        if grain:
            loss_g = loss_g + grain * dcgan.grain_penalty(fake, real)
    loss_g.backward()
    trainer_g.step(n)
    return dcgan.step_stats(loss_d, loss_g, out_real, out_fake)


def pair(x):
    """(2n, 3, 64, 64) -> (n, 6, 64, 64): faces 0 and 1 become one input, 2 and 3 the next..."""
    n, c, h, w = x.shape
    return x.reshape((n // 2, 2 * c, h, w))


def pairs_step(G, D, trainer_g, trainer_d, real, z, real_label=1.0, noise=0.0, grain=0.0):
    """dcgan.train_step with D judging pairs; G's loss is its pair's, once per face."""
    n = real.shape[0]
    with autograd.record():
        fake = G(z)
        out_real = D(pair(noisy(real, noise))).reshape((-1,))
        out_fake = D(pair(noisy(fake.detach(), noise))).reshape((-1,))
        loss_d = (dcgan.bce(out_real, nd.ones_like(out_real) * real_label)
                  + dcgan.bce(out_fake, nd.zeros_like(out_fake)))
    loss_d.backward()
    trainer_d.step(n // 2)
    with speed.frozen(D), autograd.record():
        out = D(pair(noisy(fake, noise))).reshape((-1,))
        loss_g = nd.repeat(dcgan.bce(out, nd.ones_like(out)), 2)
        if grain:
            loss_g = loss_g + grain * dcgan.grain_penalty(fake, real)
    loss_g.backward()
    trainer_g.step(n)
    return dcgan.step_stats(loss_d, loss_g, out_real, out_fake)


def d_turn(G, D, trainer_d, real, z, real_label, noise):
    """D's turn of three_draws_step: returns G's fakes, D's loss and logits."""
    with autograd.record():
        fake = G(z)
        loss_d, out_real, out_fake = dcgan.d_loss(D, noisy(real, noise), noisy(fake, noise), real_label)
    loss_d.backward()
    trainer_d.step(real.shape[0])
    return fake, loss_d, out_real, out_fake


def top_k_share(grain, full_grain):
    """The share of the fakes G learns from: 1 at the start, falling to 1/2 by the run's
    middle. The run's progress is read from the grain weight, which the engine grows
    from 0 to the profile's weight over the run (so a resumed run picks up the same share)."""
    return max(0.5, 1.0 - grain / full_grain)


def top_k_step(G, D, trainer_g, trainer_d, real, z, real_label=1.0, noise=0.0, grain=0.0):
    """dcgan.train_step with G's loss from the k fakes D scores highest, scaled by n / k
    so that each kept face counts as much as in the full batch."""
    n = real.shape[0]
    k = max(1, round(n * top_k_share(grain, profiles.PROFILES["default"].grain)))
    fake, loss_d, out_real, out_fake = d_turn(G, D, trainer_d, real, z, real_label, noise)
    with speed.frozen(D), autograd.record():
        out = D(noisy(fake, noise)).reshape((-1,))
        kept = nd.topk(out.detach(), k=k, ret_typ="mask")  # 1 for the k highest logits
        loss_g = dcgan.bce(out, nd.ones_like(out)) * kept * (n / k)
        if grain:
            loss_g = loss_g + grain * dcgan.grain_penalty(fake, real)
    loss_g.backward()
    trainer_g.step(n)
    return dcgan.step_stats(loss_d, loss_g, out_real, out_fake)


MODE_SEEKING_WEIGHT = 1.0


def mode_seeking_penalty(fake, z, pool=1, grey=False, features=None):
    """1 / (mean |G(z1) - G(z2)| / mean |z1 - z2|) over the batch's two halves paired
    up: small when faces differ a lot for codes a given distance apart. With pool > 1
    the faces are compared as averages of pool x pool pixels (coarse differences:
    the face's shape and hair, not fine detail); with grey, as their grey levels (the
    faces' layout, not their colours); with `features` (a network), as its outputs
    (D's first layers: the differences D sees, not the pixels')."""
    if features is not None:
        fake = features(fake)
    if grey:
        fake = fake.mean(axis=1, keepdims=True)
    if pool > 1:
        fake = nd.Pooling(fake, kernel=(pool, pool), stride=(pool, pool), pool_type="avg")
    half = fake.shape[0] // 2
    faces_apart = nd.abs(fake[:half] - fake[half:2 * half]).mean()
    codes_apart = nd.abs(z[:half] - z[half:2 * half]).mean()
    return 1.0 / (faces_apart / codes_apart + 1e-5)


def two_sided_grain_penalty(fake, real):
    """|log(G's fine detail / the real images')|: the grain penalty, and as much again
    where G has less fine detail than the drawings (too smooth)."""
    return nd.abs(nd.log(dcgan.fine_detail(fake) / dcgan.fine_detail(real)))


def mode_seeking_step(G, D, trainer_g, trainer_d, real, z, real_label=1.0, noise=0.0, grain=0.0, *,
                      final_weight=MODE_SEEKING_WEIGHT, pool=1, grey=False, two_sided=False,
                      grain_times=1.0, features=None):
    """dcgan.train_step with the mode-seeking penalty in G's loss. Its weight grows from 0
    with the grain weight: at first G's faces barely differ, and the penalty would be
    huge. With two_sided, the grain penalty also holds G's fine detail up to the
    drawings' (chapter 4's grain measure found the mode-seeking faces smoother than
    the drawings); grain_times multiplies the grain penalty's weight."""
    n = real.shape[0]
    weight = final_weight * grain / profiles.PROFILES["default"].grain
    fake, loss_d, out_real, out_fake = d_turn(G, D, trainer_d, real, z, real_label, noise)
    with speed.frozen(D), autograd.record():
        loss_g = dcgan.g_loss(D, noisy(fake, noise))
        if weight:
            loss_g = loss_g + weight * mode_seeking_penalty(fake, z, pool, grey, features)
        if grain:
            penalty = two_sided_grain_penalty if two_sided else dcgan.grain_penalty
            loss_g = loss_g + grain_times * grain * penalty(fake, real)
    loss_g.backward()
    trainer_g.step(n)
    return dcgan.step_stats(loss_d, loss_g, out_real, out_fake)


def feature_statistics_gap(features_fake, features_real):
    """The mean square difference between the two batches' per-feature means, plus
    that between their per-feature standard deviations."""
    def moments(f):
        f = f.reshape((f.shape[0], -1))
        mean = f.mean(axis=0)
        return mean, nd.sqrt(nd.square(nd.broadcast_sub(f, mean.expand_dims(0))).mean(axis=0) + 1e-8)
    (mean_f, std_f), (mean_r, std_r) = moments(features_fake), moments(features_real)
    return nd.square(mean_f - mean_r).mean() + nd.square(std_f - std_r).mean()


_HALVES = {}


def halves(D, layers):
    """D's first `layers` layers and the rest, as two compiled networks sharing D's
    weights (made once per D: an uncompiled slice runs layer by layer, more slowly)."""
    key = (id(D), layers)
    if key not in _HALVES:
        _HALVES[key] = (D[:layers], D[layers:])
        for half in _HALVES[key]:
            half.hybridize(static_alloc=True, static_shape=True)
    return _HALVES[key]


def d_turn_keeping_features(G, D, trainer_d, real, z, real_label, noise, head, tail, one_draw=False):
    """d_turn with D called as tail(head(x)) on the real batch: the same loss and
    update, and also the real batch's features after `head` (before D's update).
    With one_draw, one draw of instance noise goes on both batches (the book's step's
    turn); the fakes as D saw them are returned for G's turn. Without, that is None."""
    with autograd.record():
        fake = G(z)
        if one_draw:
            seen_real, seen_fake = dcgan.add_noise(real, fake, noise)
        else:
            seen_real, seen_fake = noisy(real, noise), None
        features_real = head(seen_real)
        out_real = tail(features_real).reshape((-1,))
        judged = seen_fake.detach() if one_draw else noisy(fake.detach(), noise)
        out_fake = D(judged).reshape((-1,))
        loss_d = dcgan.bce(out_real, nd.ones_like(out_real) * real_label) + \
            dcgan.bce(out_fake, nd.zeros_like(out_fake))
    loss_d.backward()
    trainer_d.step(real.shape[0])
    return fake, seen_fake, loss_d, out_real, out_fake, features_real.detach()


def feature_matching_step(G, D, trainer_g, trainer_d, real, z, real_label=1.0, noise=0.0, grain=0.0, *,
                          final_weight=1.0, layers=11, reuse=False, one_draw=False):
    """dcgan.train_step with feature_statistics_gap in D's features (its first `layers`
    layers) added to G's loss; the weight grows with the grain weight. With reuse, the
    real batch's features are the ones D's turn computed (before D's update) instead
    of another pass of D's layers over the real batch: no extra forward pass. With
    one_draw (needs reuse), the instance noise is drawn once a step, as in the
    book's step."""
    n = real.shape[0]
    weight = final_weight * grain / profiles.PROFILES["default"].grain
    head, tail = halves(D, layers)
    if reuse:
        fake, seen_fake, loss_d, out_real, out_fake, kept = d_turn_keeping_features(
            G, D, trainer_d, real, z, real_label, noise, head, tail, one_draw=one_draw)
    else:
        fake, loss_d, out_real, out_fake = d_turn(G, D, trainer_d, real, z, real_label, noise)
    with speed.frozen(D), autograd.record():
        features_fake = head(seen_fake if one_draw else noisy(fake, noise))
        out = tail(features_fake).reshape((-1,))
        loss_g = dcgan.bce(out, nd.ones_like(out))
        if weight:
            features_real = kept if reuse else head(noisy(real, noise)).detach()
            loss_g = loss_g + weight * feature_statistics_gap(features_fake, features_real)
        if grain:
            loss_g = loss_g + grain * dcgan.grain_penalty(fake, real)
    loss_g.backward()
    trainer_g.step(n)
    return dcgan.step_stats(loss_d, loss_g, out_real, out_fake)


def small_discriminator(ndf, size):
    """The paper's D pattern for size x size images (size 16 or 32): stride-2
    convolutions down to 4 x 4 (batch norm after all but the first), then the logit."""
    D = nn.HybridSequential(prefix=f"D{size}_")
    with D.name_scope():
        width, first = ndf, True
        while size > 4:
            D.add(nn.Conv2D(width, 4, 2, 1, use_bias=False))
            if not first:
                D.add(nn.BatchNorm())
            D.add(nn.LeakyReLU(0.2))
            width, first, size = width * 2, False, size // 2
        D.add(nn.Conv2D(1, 4, 1, 0, use_bias=False))
    return D


def second_discriminator(D2, size, G, p, ctx):
    """D2 (taking size x size faces) initialised and compiled as the engine does the
    book's D, with its own Adam of D's settings."""
    D2.initialize(init.Normal(0.02), ctx=ctx)
    D2(nd.zeros((1, 3, size, size), ctx=ctx))
    D2.hybridize(static_alloc=True, static_shape=True)
    return D2, dcgan.new_trainers(G, D2, p.lr_g, p.lr_d, p.beta1)[1]


def shrink(x, pool):
    """Images as averages of pool x pool pixels: 64 x 64 -> 64/pool x 64/pool."""
    return nd.Pooling(x, kernel=(pool, pool), stride=(pool, pool), pool_type="avg")


def low_res_step(G, D, trainer_g, trainer_d, real, z, real_label=1.0, noise=0.0, grain=0.0, *,
                 D_low, trainer_low, pool, weight=1.0, floor=0.0):
    """dcgan.train_step with a second D that sees the faces shrunk (averages of pool x
    pool pixels): too coarse for grain, so what is left for it to tell apart are the
    faces' shapes and colours, and how often each is drawn. It learns in D's turn
    from the same noisy batches; G's loss adds its verdict on the shrunk fakes. With
    a floor, the shrunk faces get their own instance noise instead, never below
    `floor` (the full-size D's still fades to 0)."""
    n = real.shape[0]
    with autograd.record():
        fake = G(z)
        seen_real, seen_fake = dcgan.add_noise(real, fake, noise)
        loss_d, out_real, out_fake = dcgan.d_loss(D, seen_real, seen_fake, real_label)
        if floor:
            low_real, low_fake = dcgan.add_noise(shrink(real, pool), shrink(fake, pool), max(noise, floor))
        else:
            low_real, low_fake = shrink(seen_real, pool), shrink(seen_fake, pool)
        loss_low, _, _ = dcgan.d_loss(D_low, low_real, low_fake, real_label)
    autograd.backward([loss_d, loss_low])
    trainer_d.step(n)
    trainer_low.step(n)
    with speed.frozen(D), speed.frozen(D_low), autograd.record():
        loss_g = dcgan.g_loss(D, seen_fake) + weight * dcgan.g_loss(D_low, low_fake)
        if grain:
            loss_g = loss_g + grain * dcgan.grain_penalty(fake, real)
    loss_g.backward()
    trainer_g.step(n)
    return dcgan.step_stats(loss_d, loss_g, out_real, out_fake)


def brightness(x):
    """Each image brighter or darker by up to 0.5 (a quarter of the range -1..1)."""
    return nd.broadcast_add(x, nd.random.uniform(-0.5, 0.5, (x.shape[0], 1, 1, 1), ctx=x.context))


def saturation(x):
    """Each image's colours pushed from or towards its grey level, by a factor 0..2."""
    grey = x.mean(axis=1, keepdims=True)
    factor = nd.random.uniform(0, 2, (x.shape[0], 1, 1, 1), ctx=x.context)
    return nd.broadcast_add(nd.broadcast_mul(nd.broadcast_sub(x, grey), factor), grey)


def contrast(x):
    """Each image's contrast scaled by a factor 0.5..1.5 around its mean."""
    mean = x.mean(axis=(1, 2, 3), keepdims=True)
    factor = nd.random.uniform(0.5, 1.5, (x.shape[0], 1, 1, 1), ctx=x.context)
    return nd.broadcast_add(nd.broadcast_mul(nd.broadcast_sub(x, mean), factor), mean)


def translation(x, ratio=0.125):
    """Each image shifted by whole pixels, up to `ratio` of its size each way; zeros
    (mid grey) come in at the edges. A bilinear sampler at whole-pixel offsets is an
    exact shift, and gradients flow through it to G."""
    b, _, h, w = x.shape
    most = int(h * ratio + 0.5)
    shift = nd.floor(nd.random.uniform(-most, most + 1, (b, 2), ctx=x.context))
    ones, zeros = nd.ones((b,), ctx=x.context), nd.zeros((b,), ctx=x.context)
    theta = nd.stack(ones, zeros, shift[:, 0] * 2 / (w - 1), zeros, ones, shift[:, 1] * 2 / (h - 1), axis=1)
    return nd.BilinearSampler(x, nd.GridGenerator(theta, transform_type="affine", target_shape=(h, w)))


def cutout(x, ratio=0.5):
    """Each image with a square of `ratio` of its size set to zero (mid grey), centred
    anywhere in the image (so partly outside it at times)."""
    b, _, h, w = x.shape
    size = int(h * ratio + 0.5)

    def inside(n, axis_shape):
        centre = nd.floor(nd.random.uniform(0, n + 1, (b, 1, 1, 1), ctx=x.context))
        at = nd.arange(n, ctx=x.context).reshape(axis_shape)
        return nd.broadcast_greater_equal(at, centre - size // 2) * nd.broadcast_lesser(at, centre + size - size // 2)
    return x * (1 - nd.broadcast_mul(inside(h, (1, 1, h, 1)), inside(w, (1, 1, 1, w))))


AUGMENTATIONS = {"color": (brightness, saturation, contrast), "translation": (translation,), "cutout": (cutout,)}


def diff_augment(x, policy):
    """Zhao et al. 2020's differentiable augmentations, in the policy's order, with
    fresh random amounts for every image."""
    for name in policy:
        for change in AUGMENTATIONS[name]:
            x = change(x)
    return x


def augment_step(G, D, trainer_g, trainer_d, real, z, real_label=1.0, noise=0.0, grain=0.0, *, policy):
    """dcgan.train_step with D seeing every face, real or fake, through random
    differentiable augmentations (DiffAugment, Zhao et al. 2020): D cannot learn the
    10,000 drawings by heart late in the run, as it can when the instance noise has
    faded, yet it sees every face at full detail, so G is still asked for it. G's turn
    judges the fakes as D saw them, augmentations and all."""
    n = real.shape[0]
    with autograd.record():
        fake = G(z)
        seen_real, seen_fake = dcgan.add_noise(real, fake, noise)
        seen_real, seen_fake = diff_augment(seen_real, policy), diff_augment(seen_fake, policy)
        loss_d, out_real, out_fake = dcgan.d_loss(D, seen_real, seen_fake, real_label)
    loss_d.backward()
    trainer_d.step(n)
    with speed.frozen(D), autograd.record():
        loss_g = dcgan.g_loss(D, seen_fake)
        if grain:
            loss_g = loss_g + grain * dcgan.grain_penalty(fake, real)
    loss_g.backward()
    trainer_g.step(n)
    return dcgan.step_stats(loss_d, loss_g, out_real, out_fake)


def patch_discriminator(ndf, kind="two-layer", size=64, middle=0):
    """A D that judges small patches, not faces: a logit for each patch, none for a
    whole face, so it sees fine detail but no face's shape, size or smile.
    - "two-layer": the paper's D cut after its first two layers (stride-2 4 x 4
      convolutions, batch norm on the second), then a 1 x 1 logit: one for each of
      16 x 16 overlapping 10 x 10-pixel patches.
    - "3x3": one stride-2 4 x 4 convolution and two 3 x 3 ones: a logit for each of
      32 x 32 overlapping 12 x 12-pixel patches (a step costs 2.0x the book's, two threads;
      more than half of the patch D's time goes to its last layer: MKL-DNN is slow at
      3 x 3 convolutions with a single output channel).
    - "3x3-1x1": the same with a 1 x 1 logit: 32 x 32 patches of 8 x 8 pixels (the
      patch D in 5.5 of the 3x3 kind's 13.6 ms, forward and backward; a step 1.52x
      the book's).
    - "3x3-split": the 3x3 kind computed another way, for speed: its last layer as a
      1 x 1 convolution to 9 channels, one for each place of the 3 x 3 kernel, each
      shifted into place and summed (ShiftedSum). The same weights, one by one, so
      the same network under Adam.
    middle: the width of the 3 x 3 kinds' middle layer (0: twice ndf, as the paper's
    D doubles its width layer by layer)."""
    D = nn.HybridSequential(prefix="Dpatch_")
    with D.name_scope():
        D.add(nn.Conv2D(ndf, 4, 2, 1, use_bias=False), nn.LeakyReLU(0.2))
        if kind == "two-layer":
            D.add(nn.Conv2D(ndf * 2, 4, 2, 1, use_bias=False), nn.BatchNorm(), nn.LeakyReLU(0.2),
                  nn.Conv2D(1, 1, 1, 0, use_bias=False))
        else:
            D.add(nn.Conv2D(middle or ndf * 2, 3, 1, 1, use_bias=False), nn.BatchNorm(), nn.LeakyReLU(0.2),
                  *logit_layers(kind, size // 2))
    return D


class ShiftedSum(nn.HybridBlock):
    """A 3 x 3 convolution to one channel (padding 1) of size x size maps, computed as
    a 1 x 1 convolution to 9 channels, channel k holding kernel place (k // 3, k % 3):
    each is shifted into place and the 9 are summed. MKL-DNN runs a 3 x 3 convolution
    to a single channel slowly (8.2 of the patch D's 13.8 ms, forward and backward)."""
    def __init__(self, size, **kwargs):
        super().__init__(**kwargs)
        self.size = size
        with self.name_scope():
            self.places = nn.Conv2D(9, 1, 1, 0, use_bias=False)

    def hybrid_forward(self, F, x):
        out = 0
        for k, part in enumerate(F.split(self.places(x), num_outputs=9, axis=1)):
            dy, dx = k // 3, k % 3
            padded = F.pad(part, mode="constant", pad_width=(0, 0, 0, 0, 1, 1, 1, 1))
            out = out + F.slice(padded, begin=(None, None, dy, dx), end=(None, None, dy + self.size, dx + self.size))
        return out


def logit_layers(kind, size=32):
    """The patch D's last layer(s), from its 3 x 3 features (size x size) to one logit per patch."""
    if kind == "3x3-1x1":
        return (nn.Conv2D(1, 1, 1, 0, use_bias=False),)
    if kind == "3x3-split":
        return (ShiftedSum(size),)
    return (nn.Conv2D(1, 3, 1, 1, use_bias=False),)


def per_image(patch_losses, n):
    """The mean of each image's patch losses (n images)."""
    return patch_losses.reshape((n, -1)).mean(axis=1)


def crop(x, top, left, size):
    """The size x size square of every image in x whose top-left corner is (top, left)."""
    return nd.slice(x, begin=(None, None, top, left), end=(None, None, top + size, left + size))


def patch_step(G, D, trainer_g, trainer_d, real, z, real_label=1.0, noise=0.0, grain=0.0, *,
               D_patch, trainer_patch, floor, weight=1.0, crop_size=0, where=None, faces=0):
    """dcgan.train_step with the two jobs of the last epochs split between two Ds: the
    book's D judges whole faces through instance noise that never fades below `floor`
    (so it keeps a blurred view of shapes to the end), and a patch D judges small
    patches (--patch-kind, --patch-width, --patch-crop) through the book's fading noise (so G is still asked for fine detail,
    but by a D that cannot see a whole face). G's loss adds the patch D's verdict,
    averaged over the patches, with weight `weight`. With crop_size, the patch D
    judges only one square of that size of every face, at a place drawn afresh each
    step from `where` (a numpy Generator) and the same for the real and the fake
    batch: its patches need no whole face, and a quarter of the pixels costs about a
    quarter of the work. With faces, the patch D judges only the batch's first
    `faces` real and fake faces (the batches are shuffled, so a random subset), and
    G's loss weighs their verdicts n / faces times, so that they pull G as hard in
    all as every face's would."""
    n = real.shape[0]
    k = faces or n
    with autograd.record():
        fake = G(z)
        seen_real, seen_fake = dcgan.add_noise(real, fake, max(noise, floor))
        loss_d, out_real, out_fake = dcgan.d_loss(D, seen_real, seen_fake, real_label)
        patch_real, patch_fake = dcgan.add_noise(real[:k], fake[:k], noise)
        if crop_size:
            top, left = (int(v) for v in where.integers(0, real.shape[2] - crop_size + 1, 2))
            patch_real, patch_fake = crop(patch_real, top, left, crop_size), crop(patch_fake, top, left, crop_size)
        loss_patch = per_image(dcgan.d_loss(D_patch, patch_real, patch_fake, real_label)[0], k)
    autograd.backward([loss_d, loss_patch])
    trainer_d.step(n)
    trainer_patch.step(n)
    with speed.frozen(D), speed.frozen(D_patch), autograd.record():
        patch_g = per_image(dcgan.g_loss(D_patch, patch_fake), k)
        if k < n:  # the faces the patch D did not judge add nothing
            patch_g = nd.concat(patch_g * (n / k), nd.zeros((n - k,), ctx=patch_g.context), dim=0)
        loss_g = dcgan.g_loss(D, seen_fake) + weight * patch_g
        if grain:
            loss_g = loss_g + grain * dcgan.grain_penalty(fake, real)
    loss_g.backward()
    trainer_g.step(n)
    return dcgan.step_stats(loss_d, loss_g, out_real, out_fake)


def info_tail(codes, categories, continuous, rng):
    """codes (n, nz, ...) with their last `categories` numbers replaced by a one-hot
    category (even odds), and the `continuous` numbers before those by U(-1, 1)
    draws (InfoGAN's codes, Chen et al. 2016). In place; returns codes."""
    flat = codes.reshape((len(codes), -1))  # a view: writing to it writes to codes
    nz = flat.shape[1]
    if categories:
        flat[:, nz - categories:] = np.eye(categories, dtype=np.float32)[rng.integers(categories, size=len(flat))]
    if continuous:
        flat[:, nz - categories - continuous:nz - categories] = rng.uniform(-1, 1, (len(flat), continuous))
    return codes


def info_codes(categories, continuous, seed):
    """Every code G is given with InfoGAN's tail (info_tail)."""
    rng = np.random.default_rng(seed + 14)
    replace_codes(lambda shape, ctx: nd.array(
        info_tail(rng.standard_normal(shape).astype(np.float32), categories, continuous, rng), ctx=ctx))


def q_head(outputs, features_shape, ctx):
    """InfoGAN's Q: from D's last hidden features to the code's category logits and
    continuous numbers; a hidden layer of 128 (its own weights, D's body shared)."""
    Q = nn.HybridSequential(prefix="Q_")
    with Q.name_scope():
        Q.add(nn.Dense(128), nn.LeakyReLU(0.2), nn.Dense(outputs))
    Q.initialize(init.Normal(0.02), ctx=ctx)
    Q(nd.zeros(features_shape, ctx=ctx))
    Q.hybridize(static_alloc=True, static_shape=True)
    return Q


def info_targets(z, categories, continuous):
    """What Q is to read back from G's faces: the category's index and the
    continuous numbers of codes z. Taken outside autograd.record(): z is also G's
    input, and a recorded op on it would tie the two turns' graphs together."""
    flat = z.reshape((z.shape[0], -1))
    nz = flat.shape[1]
    category = nd.slice_axis(flat, axis=1, begin=nz - categories, end=nz).argmax(axis=1) if categories else None
    numbers = nd.slice_axis(flat, axis=1, begin=nz - categories - continuous, end=nz - categories) \
        if continuous else None
    return category, numbers


def info_loss(q, category, numbers):
    """How badly Q reads the code back from the face (q: Q's outputs; category,
    numbers: info_targets): the cross-entropy of the category and half the squared
    error of the continuous numbers (a Gaussian of variance 1), per face.
    Minimising it maximises a lower bound of the mutual information between those
    parts of the code and G's faces."""
    categories = q.shape[1] - (0 if numbers is None else numbers.shape[1])  # Q's first outputs
    loss = 0
    if category is not None:
        loss = SOFTMAX_CE(nd.slice_axis(q, axis=1, begin=0, end=categories), category)
    if numbers is not None:
        guess = nd.slice_axis(q, axis=1, begin=categories, end=q.shape[1])
        loss = loss + 0.5 * nd.square(guess - numbers).sum(axis=1)
    return loss


SOFTMAX_CE = gluon.loss.SoftmaxCrossEntropyLoss()


def info_step(G, D, trainer_g, trainer_d, real, z, real_label=1.0, noise=0.0, grain=0.0, *,
              Q, trainer_q, categories, continuous, weight=1.0):
    """dcgan.train_step with InfoGAN's term: Q, a small head on D's last hidden
    features, learns (with D's body, in D's turn) to read the code's category and
    continuous numbers back from G's faces, and G's loss adds how badly Q reads
    them (weight `weight`), so that G draws each category as a kind of face that
    can be told from the others. The in-between faces (between two hair styles)
    are those a reader cannot place: it tests whether asking G for faces whose
    kind can be read back keeps it from drawing them."""
    n = real.shape[0]
    body, logit = halves(D, len(D) - 1)
    category, numbers = info_targets(z, categories, continuous)
    with autograd.record():
        fake = G(z)
        seen_real, seen_fake = dcgan.add_noise(real, fake, noise)
        out_real = logit(body(seen_real)).reshape((-1,))
        features_fake = body(seen_fake.detach())
        out_fake = logit(features_fake).reshape((-1,))
        loss_d = dcgan.bce(out_real, nd.ones_like(out_real) * real_label) + \
            dcgan.bce(out_fake, nd.zeros_like(out_fake))
        loss_q = weight * info_loss(Q(features_fake), category, numbers)
    autograd.backward([loss_d, loss_q])
    trainer_d.step(n)
    trainer_q.step(n)
    with speed.frozen(D), speed.frozen(Q), autograd.record():
        features = body(seen_fake)
        out = logit(features).reshape((-1,))
        loss_g = dcgan.bce(out, nd.ones_like(out)) + weight * info_loss(Q(features), category, numbers)
        if grain:
            loss_g = loss_g + grain * dcgan.grain_penalty(fake, real)
    loss_g.backward()
    trainer_g.step(n)
    return dcgan.step_stats(loss_d, loss_g, out_real, out_fake)


STEPS = {"low-res": low_res_step, "mixed-batch": mixed_batch_step, "pairs": pairs_step, "top-k": top_k_step,
         "mode-seeking": mode_seeking_step, "three-draws": three_draws_step,
         "feature-matching": feature_matching_step, "augment": augment_step,
         "patch": patch_step, "info": info_step}


def mutual_information(x, y) -> float:
    """In bits, between two lists of non-negative integer labels."""
    joint = np.zeros((x.max() + 1, y.max() + 1))
    np.add.at(joint, (x, y), 1)
    joint /= joint.sum()
    independent = joint.sum(1, keepdims=True) @ joint.sum(0, keepdims=True)
    seen = joint > 0
    return float((joint[seen] * np.log2(joint[seen] / independent[seen])).sum())


def categories_report(G, classifier, categories, continuous, nz, ctx, n=500, seed=0) -> str:
    """What info's categories draw, from n of G's faces a category: the shares of
    the hair styles and of faces between two styles, one line a category, then how
    many bits of the category each attribute the classifier reads carries (the
    continuous ones cut into tenths at their deciles over all the faces). A category
    Q can read back but the classifier cannot is drawn in something the attributes
    miss."""
    rng = np.random.default_rng(seed + 15)
    lines, readings = [], []
    for c in range(categories):
        codes = info_tail(rng.standard_normal((n, nz)).astype(np.float32), categories, continuous, rng)
        codes[:, nz - categories:] = np.eye(categories, dtype=np.float32)[c]
        faces = training.sample(G, codes, ctx)
        readings.append(attributes.read(classifier, faces, ctx))
        shares = np.bincount(readings[-1]["hair_style"], minlength=attributes.CLASSES["hair_style"]) / n
        lines.append(f"category {c}: " + ", ".join(f"{style} {share:.0%}" for style, share in
                                                   zip(attributes.faces.HAIR_STYLES, shares)) +
                     f"; unsure {unsure_hair_style(classifier, faces, ctx):.0%}")
    labels, bits = np.repeat(np.arange(categories), n), {}
    for name in readings[0]:
        values = np.concatenate([r[name] for r in readings])
        if values.dtype.kind == "f":
            values = np.searchsorted(np.quantile(values, np.linspace(0, 1, 11)[1:-1]), values)
        bits[name] = mutual_information(labels, values.astype(np.int64))
    lines.append(f"bits of the category (of {np.log2(categories):.2f}): " +
                 ", ".join(f"{k} {v:.2f}" for k, v in sorted(bits.items(), key=lambda kv: -kv[1])))
    return "\n".join(lines)


def unsure_hair_style(classifier, images, ctx) -> float:
    """The share of images whose likeliest hair style has a probability below 0.9: faces
    drawn between two styles."""
    probs = attributes.class_probabilities(classifier, images, ctx, "hair_style")
    return float(np.mean(probs.max(axis=1) < 0.9))


def share_left(noise, start_noise):
    """The share of the run still to go: the engine passes each step the instance
    noise, which fades linearly from start_noise at the first step to 0 at the end."""
    return noise / start_noise


def with_noise_floor(step, floor, release=0.0, start_noise=1.0):
    """step, with the instance noise never below `floor` (the engine fades it to 0);
    with `release`, the floor itself fades to 0 over that last share of the run."""
    def floored(G, D, trainer_g, trainer_d, real, z, real_label=1.0, noise=0.0, grain=0.0):
        least = floor * min(1.0, share_left(noise, start_noise) / release) if release else floor
        return step(G, D, trainer_g, trainer_d, real, z, real_label, max(noise, least), grain)
    return floored


def with_late_patch(patch, floor, start, start_noise):
    """The patch step from `start` (a share of the run) on; before it, the book's step
    with the face D's noise floor, and no patch D (it neither learns nor judges).
    Until the fading noise reaches the floor (half the run with the `default`
    profile's 0.1 and a floor of 0.05), the one D sees no finer detail than the
    floored D would: the patch D is there for the rest."""
    book = with_noise_floor(dcgan.train_step, floor)

    def late(G, D, trainer_g, trainer_d, real, z, real_label=1.0, noise=0.0, grain=0.0):
        step = patch if 1 - share_left(noise, start_noise) >= start else book
        return step(G, D, trainer_g, trainer_d, real, z, real_label, noise, grain)
    return late


def with_sparse_patch(patch, floor, every):
    """The patch step on one step in `every`; on the others, the book's step with the
    face D's noise floor, and no patch D (it neither learns nor judges). The patch
    D's extra cost is then spread over `every` steps."""
    book, count = with_noise_floor(dcgan.train_step, floor), itertools.count()

    def sparse(G, D, trainer_g, trainer_d, real, z, real_label=1.0, noise=0.0, grain=0.0):
        step = patch if next(count) % every == 0 else book
        return step(G, D, trainer_g, trainer_d, real, z, real_label, noise, grain)
    return sparse


def coarse_params(G, blocks):
    """The trained parameters (weights, batch norm's gamma and beta) of G's first
    `blocks` blocks (transposed convolution, batch norm, ReLU): 1 is its 4 x 4 layer,
    2 adds the 8 x 8 one, 3 the 16 x 16 one."""
    return [param for layer in G[:3 * blocks] for param in layer.collect_params(dcgan.TRAINED).values()]


def with_frozen_coarse(step, G, blocks, start, start_noise):
    """step, with G's first `blocks` blocks frozen from `start` (a share of the run) on:
    each step, their weights are put back as they were at `start`, so only the finer
    layers keep learning. G's spreads are widest about two thirds into the run and
    narrow again as the noise fades and D sees fine detail: it tests whether the
    coarse layers, which lay out the face, are what narrows them then."""
    frozen, saved = coarse_params(G, blocks), []

    def freezing(G_, D, trainer_g, trainer_d, real, z, real_label=1.0, noise=0.0, grain=0.0):
        stats = step(G_, D, trainer_g, trainer_d, real, z, real_label, noise, grain)
        if 1 - share_left(noise, start_noise) >= start:
            if not saved:
                saved.extend(param.data().copy() for param in frozen)
            for param, value in zip(frozen, saved):
                param.data()[:] = value
        return stats
    return freezing


def with_r1(d_loss, gamma, every, h):
    """d_loss with the R1 penalty, (gamma / 2) |grad_x D(x)|^2 on the real faces,
    added on one call in `every` with `every` times the weight. The squared gradient
    length is estimated by a central difference along a random direction per face."""
    calls = itertools.count()

    def penalised(D, real, fake, real_label=1.0):
        loss, out_real, out_fake = d_loss(D, real, fake, real_label)
        if next(calls) % every == 0:
            v = nd.random.normal(0, 1, real.shape, ctx=real.context)
            slope = (D(real + h * v) - D(real - h * v)).reshape((-1,)) / (2 * h)
            loss = loss + (gamma * every / 2) * slope ** 2
        return loss, out_real, out_fake
    return penalised


def with_r1_step(step, gamma, every, h):
    """step with the engine's d_loss made with_r1's for the step's length only (main
    patches dcgan.d_loss for a whole run; this lets one process time both steps)."""
    penalised = with_r1(dcgan.d_loss, gamma, every, h)

    def r1_step(*args, **kwargs):
        plain, dcgan.d_loss = dcgan.d_loss, penalised
        try:
            return step(*args, **kwargs)
        finally:
            dcgan.d_loss = plain
    return r1_step


def with_fading_d_rate(step, lr_d, end, start_noise):
    """step, with D's learning rate fading linearly over the run from lr_d to end x lr_d,
    as the instance noise fades from start_noise to 0."""
    def fading(G, D, trainer_g, trainer_d, real, z, real_label=1.0, noise=0.0, grain=0.0):
        trainer_d.set_learning_rate(lr_d * (end + (1 - end) * share_left(noise, start_noise)))
        return step(G, D, trainer_g, trainer_d, real, z, real_label, noise, grain)
    return fading


class SpectralConv2D(nn.HybridBlock):
    """A convolution without bias whose weight is divided by its largest singular
    value (the weight seen as a matrix, one row per output channel). The singular
    value comes from one step of power iteration from the stored vector u, which
    with_spectral_update moves on after every training step (Miyato et al. 2018)."""

    def __init__(self, channels, kernel, stride, pad, in_channels, **kwargs):
        super().__init__(**kwargs)
        self.channels = channels
        self._conv = {"kernel": (kernel, kernel), "stride": (stride, stride), "pad": (pad, pad),
                      "num_filter": channels, "no_bias": True}
        with self.name_scope():
            self.weight = self.params.get("weight", shape=(channels, in_channels, kernel, kernel))
            self.u = self.params.get("u", shape=(1, channels), init=init.Normal(1.0), grad_req="null",
                                     differentiable=False)

    def hybrid_forward(self, F, x, weight, u):
        w = F.reshape(weight, (self.channels, -1))
        u, v = power_step(F, F.stop_gradient(w), u)
        sigma = F.sum(F.dot(u, w) * v)  # u^T W v: the gradient flows through W only
        return F.Convolution(x, F.broadcast_div(weight, F.reshape(sigma, (1, 1, 1, 1))), **self._conv)


def power_step(F, w, u):
    """One step of power iteration on the matrix w (out, in) from u (1, out): the
    new unit vectors u (1, out) and v (1, in)."""
    v = F.L2Normalization(F.dot(u, w))
    return F.L2Normalization(F.dot(v, w, transpose_b=True)), v


def spectral_discriminator(ndf, batch_norm):
    """dcgan.discriminator with every convolution a SpectralConv2D of the same shape;
    without batch norm unless batch_norm."""
    paper = dcgan.discriminator(ndf)  # its batch norms and activations are reused
    D, in_channels = nn.HybridSequential(prefix="D_"), 3
    with D.name_scope():
        for layer in paper._children.values():  # noqa: SLF001
            if isinstance(layer, nn.Conv2D):
                k = layer._kwargs  # noqa: SLF001 (the layer's own settings)
                layer = SpectralConv2D(k["num_filter"], k["kernel"][0], k["stride"][0], k["pad"][0], in_channels)
                in_channels = k["num_filter"]
            elif isinstance(layer, nn.BatchNorm) and not batch_norm:
                continue
            D.add(layer)
    return D


def with_spectral_update(step, D):
    """step, then one step of power iteration for every SpectralConv2D of D."""
    layers = [layer for layer in D._children.values() if isinstance(layer, SpectralConv2D)]  # noqa: SLF001

    def updated(G, D, trainer_g, trainer_d, real, z, real_label=1.0, noise=0.0, grain=0.0):
        stats = step(G, D, trainer_g, trainer_d, real, z, real_label, noise, grain)
        for layer in layers:
            w = layer.weight.data().reshape((layer.channels, -1))
            layer.u.set_data(power_step(nd, w, layer.u.data())[0])
        return stats
    return updated


def real_and_fake_logits(D, real, fake):
    """D's logits on the real and the fake batch, as dcgan.d_loss takes them (its
    loss stops at G)."""
    return D(real).reshape((-1,)), D(fake.detach()).reshape((-1,))


def least_squares_d_loss(D, real, fake, real_label=1.0):
    """dcgan.d_loss as LSGAN's: the square distance of D's logit from +1 for real
    images (2 real_label - 1 with label smoothing) and from -1 for G's, so that a
    logit above 0 still means "real"."""
    out_real, out_fake = real_and_fake_logits(D, real, fake)
    loss = nd.square(out_real - (2 * real_label - 1)) + nd.square(out_fake + 1)
    return loss, out_real, out_fake


def least_squares_g_loss(D, fake):
    """dcgan.g_loss as LSGAN's: the square distance of D's logit on G's faces from +1."""
    return nd.square(D(fake).reshape((-1,)) - 1)


def hinge_d_loss(D, real, fake, real_label=1.0):
    """dcgan.d_loss as the hinge loss: only logits on the wrong side of a margin of 1
    count (real_label is not used)."""
    out_real, out_fake = real_and_fake_logits(D, real, fake)
    return nd.relu(1 - out_real) + nd.relu(1 + out_fake), out_real, out_fake


def hinge_g_loss(D, fake):
    """dcgan.g_loss as the hinge loss's G: minus D's logit on G's faces."""
    return -D(fake).reshape((-1,))


class Relativistic:
    """The relativistic average GAN's losses, as a d_loss and a g_loss. G's turn
    takes the real logits from the step's d_loss (D before its update; detached),
    so it needs no second pass over the real batch. D's logits mean nothing on
    their own now: the log's "D right" counts logits above 0 as before."""

    def __init__(self):
        self.out_real = None

    def d_loss(self, D, real, fake, real_label=1.0):
        out_real, out_fake = real_and_fake_logits(D, real, fake)
        self.out_real = out_real.detach()
        loss = dcgan.bce(out_real - out_fake.mean(), nd.ones_like(out_real) * real_label) + \
            dcgan.bce(out_fake - out_real.mean(), nd.zeros_like(out_fake))
        return loss, out_real, out_fake

    def g_loss(self, D, fake):
        out, real = D(fake).reshape((-1,)), self.out_real
        return dcgan.bce(out - real.mean(), nd.ones_like(out)) + dcgan.bce(real - out.mean(), nd.zeros_like(real))


RELATIVISTIC = Relativistic()  # one run a process: one holder of the step's real logits
LOSSES = {"bce": (dcgan.d_loss, dcgan.g_loss), "least-squares": (least_squares_d_loss, least_squares_g_loss),
          "hinge": (hinge_d_loss, hinge_g_loss), "relativistic": (RELATIVISTIC.d_loss, RELATIVISTIC.g_loss)}


def right_share(D, real, generated, ctx, pool=1) -> float:
    """How often D is right (logit above 0 for real) about uint8 faces, shrunk by pool."""
    def logits(images):
        out = []
        for i in range(0, len(images), 250):
            x = nd.array(images[i:i + 250].transpose(0, 3, 1, 2), ctx=ctx) / 127.5 - 1
            out.append(D(shrink(x, pool) if pool > 1 else x).reshape((-1,)).asnumpy())
        return np.concatenate(out)
    return float(((logits(real) > 0).sum() + (logits(generated) < 0).sum()) / (len(real) + len(generated)))


# The `default` profile's settings a run may change, each a flag of the same name:
# field -> (what it is, how the run's name shows another value).
PROFILE_SETTINGS = {"ngf": ("G's width", "ngf"), "ndf": ("D's width", "ndf"),
                    "nz": ("how many numbers a code has", "nz"), "beta1": ("both Adams' beta1", "beta1-"),
                    "lr_d": ("D's learning rate", "lr-d")}


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("variant", choices=("book", "batch-std", "uniform-codes", *STEPS))
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--epochs", type=int, default=profiles.PROFILES["default"].epochs)
    parser.add_argument("--batch-size", type=int, default=profiles.PROFILES["default"].batch_size)
    parser.add_argument("--weight", type=float, default=MODE_SEEKING_WEIGHT,
                        help="mode-seeking, feature-matching: the penalty's final weight; "
                             "low-res: the second D's share of G's loss (default 1 there)")
    parser.add_argument("--pool", type=int, default=1,
                        help="mode-seeking: compare faces as averages of POOL x POOL pixels; "
                             "low-res: the second D sees them so (2 or 4)")
    parser.add_argument("--grey", action="store_true", help="mode-seeking: compare faces' grey levels only")
    parser.add_argument("--in-d", type=int, default=0,
                        help="mode-seeking, feature-matching: compare faces in the features of D's first N layers (e.g. 8)")
    parser.add_argument("--grain-times", type=float, default=1.0,
                        help="mode-seeking: multiply the grain penalty's weight by this")
    parser.add_argument("--two-sided", action="store_true",
                        help="mode-seeking, book: the grain penalty also where G has less fine detail than the drawings")
    parser.add_argument("--reuse", action="store_true",
                        help="feature-matching: the real batch's features from D's turn (no extra pass)")
    parser.add_argument("--one-draw", action="store_true",
                        help="feature-matching with --reuse: one draw of instance noise a step, as in the book's step")
    parser.add_argument("--mixture", type=int, default=0,
                        help="codes from a mixture of this many Gaussians (0: one Gaussian, the book's)")
    parser.add_argument("--spread", type=float, default=0.5,
                        help="--mixture: each Gaussian's standard deviation (below 1)")
    parser.add_argument("--noise-floor", type=float, default=0.0,
                        help="the instance noise fades to this standard deviation, not to 0")
    parser.add_argument("--floor-release", type=float, default=0.0,
                        help="the noise floor fades to 0 over this last share of the run (0: it never does)")
    parser.add_argument("--low-floor", type=float, default=0.0,
                        help="low-res: the second D's instance noise fades to this, not to 0 (the first D's still does)")
    parser.add_argument("--d-rate-end", type=float, default=1.0,
                        help="D's learning rate fades linearly over the run to this share of its own (1: no fade)")
    parser.add_argument("--start-noise", type=float, default=0.0,
                        help="the instance noise's standard deviation at the first step (0: the profile's, 0.1)")
    parser.add_argument("--real-label", type=float, default=0.0,
                        help="D's target for real images (0: the profile's, 0.9: one-sided label smoothing)")
    parser.add_argument("--freeze-coarse", type=int, default=0,
                        help="G's first this many blocks stop learning at --freeze-from (1-4; 0: none)")
    parser.add_argument("--freeze-from", type=float, default=0.67,
                        help="--freeze-coarse: the share of the run at which they stop")
    for field, (meaning, _) in PROFILE_SETTINGS.items():
        value = getattr(profiles.PROFILES["default"], field)
        parser.add_argument("--" + field.replace("_", "-"), type=type(value), default=value,
                            help=f"{meaning} (the default profile's: {value:g})")
    parser.add_argument("--binary", type=int, default=0,
                        help="codes whose last K numbers are -1 or +1 instead of normal (0: none, the book's)")
    parser.add_argument("--policy", default=None,
                        help="augment: the augmentations, in order (of " + ", ".join(AUGMENTATIONS) + "; default all)")
    parser.add_argument("--patch-kind", choices=("two-layer", "3x3", "3x3-1x1", "3x3-split"), default="two-layer",
                        help="patch: the patch D's layers (see patch_discriminator)")
    parser.add_argument("--patch-width", type=int, default=0,
                        help="patch: the patch D's first width (default: D's, 16)")
    parser.add_argument("--patch-middle", type=int, default=0,
                        help="patch: the width of the 3x3 kinds' middle layer (default: twice --patch-width)")
    parser.add_argument("--patch-crop", type=int, default=0,
                        help="patch: the patch D judges one random square of this size of every face (0: all of it)")
    parser.add_argument("--patch-from", type=float, default=0.0,
                        help="patch: the patch D joins at this share of the run (before: the book's step with the floor)")
    parser.add_argument("--patch-faces", type=int, default=0,
                        help="patch: the patch D judges only this many of a batch's faces (0: all)")
    parser.add_argument("--patch-every", type=int, default=1,
                        help="patch: the patch D learns and judges on one step in this many (1: every step)")
    parser.add_argument("--loss", choices=tuple(LOSSES), default="bce",
                        help="the two players' losses (bce: the paper's)")
    parser.add_argument("--spectral", choices=("bn", "no-bn"), default=None,
                        help="book: spectral normalisation of every convolution of D, with or without batch norm")
    parser.add_argument("--categories", type=int, default=0,
                        help="info: a one-hot category of this many at the code's end")
    parser.add_argument("--continuous", type=int, default=0,
                        help="info: this many U(-1, 1) numbers before the category")
    parser.add_argument("--r1", type=float, default=0.0,
                        help="the R1 penalty's weight gamma on D's gradient at the real faces (0: none)")
    parser.add_argument("--r1-every", type=int, default=4,
                        help="--r1: add the penalty on one step in this many, this many times as heavy")
    parser.add_argument("--r1-step", type=float, default=0.01,
                        help="--r1: the step h of the central difference along a random direction")
    parser.add_argument("--out", default=None, help="checkpoint folder (default: runs/explore-VARIANT-sSEED)")
    args = parser.parse_args()
    p = dataclasses.replace(profiles.PROFILES["default"], seed=args.seed, epochs=args.epochs,
                            batch_size=args.batch_size, **{field: getattr(args, field) for field in PROFILE_SETTINGS},
                            instance_noise=args.start_noise or profiles.PROFILES["default"].instance_noise,
                            real_label=args.real_label or profiles.PROFILES["default"].real_label)
    ctx = mx.cpu()
    rng = np.random.default_rng(p.seed)
    if sum(map(bool, (args.variant in ("uniform-codes", "info"), args.mixture, args.binary))) > 1:
        parser.error("uniform-codes, info, --mixture and --binary each replace the codes: choose one")
    if bool(args.categories or args.continuous) != (args.variant == "info") or \
            min(args.categories, args.continuous) < 0:
        parser.error("info needs --categories or --continuous (or both), and they go with info only")
    if args.categories + args.continuous >= p.nz:
        parser.error(f"info: --categories and --continuous take {args.categories + args.continuous} of the code's "
                     f"{p.nz} numbers; leave some normal ones (or raise --nz)")
    if args.variant == "uniform-codes":
        uniform_codes()
        draw = lambda rng, n: rng.uniform(-1, 1, (n, p.nz)).astype(np.float32)  # noqa: E731
    elif args.variant == "info":
        info_codes(args.categories, args.continuous, p.seed)
        draw = lambda rng, n: info_tail(rng.standard_normal((n, p.nz)).astype(np.float32),  # noqa: E731
                                        args.categories, args.continuous, rng)
    elif args.mixture:
        centres = mixture_centres(args.mixture, p.nz, args.spread, p.seed)
        mixture_codes(centres, args.spread, p.seed)
        draw = functools.partial(draw_mixture, centres=centres, spread=args.spread)
    elif args.binary:
        binary_codes(args.binary, p.seed)
        draw = lambda rng, n: binary_tail(rng.standard_normal((n, p.nz)).astype(np.float32), args.binary)  # noqa: E731
    else:
        draw = lambda rng, n: rng.standard_normal((n, p.nz)).astype(np.float32)  # noqa: E731

    images, _ = training_images(p)
    batches = Batches(images, p.batch_size, seed=p.seed, flip=p.flip)
    mx.random.seed(p.seed)
    G = dcgan.generator(p.ngf)
    if args.spectral and args.variant != "book":
        parser.error("--spectral goes with book")
    D = batch_std_discriminator(p.ndf) if args.variant == "batch-std" else \
        spectral_discriminator(p.ndf, args.spectral == "bn") if args.spectral else dcgan.discriminator(p.ndf)
    d_input = (1, 6 if args.variant == "pairs" else 3, 64, 64)
    for net, shape in ((G, (1, p.nz, 1, 1)), (D, d_input)):
        net.initialize(init.Normal(0.02), ctx=ctx)
        net(nd.zeros(shape, ctx=ctx))
        net.hybridize(static_alloc=True, static_shape=True)
    if args.variant == "pairs":  # the engine speeds D up for 3 channels; this D takes 6
        speed.for_cpu(D, d_input)
        training.speed_up = lambda G, D, ctx, nz: speed.for_cpu(G, (1, nz, 1, 1))
    step, tag = STEPS.get(args.variant), ""
    if args.variant == "mode-seeking":  # the run's folder and report name its settings
        step = functools.partial(step, final_weight=args.weight, pool=args.pool, grey=args.grey,
                                 two_sided=args.two_sided, grain_times=args.grain_times,
                                 features=D[:args.in_d] if args.in_d else None)  # D's layers, shared
        tag = f"-w{args.weight:g}-p{args.pool}" + ("-grey" if args.grey else "") + \
            ("-two-sided" if args.two_sided else "") + \
            (f"-grain{args.grain_times:g}" if args.grain_times != 1 else "") + \
            (f"-in-d{args.in_d}" if args.in_d else "")
    if args.one_draw and (args.variant != "feature-matching" or not args.reuse):
        parser.error("--one-draw goes with feature-matching --reuse (the book's step draws once already)")
    if args.variant == "feature-matching":
        step = functools.partial(step, final_weight=args.weight, layers=args.in_d or 11, reuse=args.reuse,
                                 one_draw=args.one_draw)
        tag = f"-w{args.weight:g}" + (f"-in-d{args.in_d}" if args.in_d else "") + ("-reuse" if args.reuse else "") + \
            ("-one-draw" if args.one_draw else "")
    if args.policy and args.variant != "augment":
        parser.error("--policy goes with augment")
    if args.variant == "augment":
        policy = tuple(filter(None, (args.policy or ",".join(AUGMENTATIONS)).split(",")))
        if not policy or set(policy) - set(AUGMENTATIONS):
            parser.error(f"--policy: a comma-separated list of {', '.join(AUGMENTATIONS)}")
        step = functools.partial(step, policy=policy)
        tag = "-" + "-".join(policy)
    if args.low_floor and args.variant != "low-res":
        parser.error("--low-floor goes with low-res (the second D's noise); for the only D's, --noise-floor")
    if args.two_sided and args.variant not in ("book", "mode-seeking"):
        parser.error("--two-sided goes with book or mode-seeking")
    if args.variant == "low-res":  # its own D and Adam (not in the checkpoint: a resumed run restarts them)
        D_low, trainer_low = second_discriminator(small_discriminator(p.ndf, 64 // args.pool), 64 // args.pool,
                                                  G, p, ctx)
        step = functools.partial(step, D_low=D_low, trainer_low=trainer_low, pool=args.pool, weight=args.weight,
                                 floor=args.low_floor)
        tag = f"-p{args.pool}-w{args.weight:g}" + (f"-floor{args.low_floor:g}" if args.low_floor else "")
    if args.variant == "patch":  # its own D and Adam (not in the checkpoint: a resumed run restarts them)
        D_patch, trainer_patch = second_discriminator(
            patch_discriminator(args.patch_width or p.ndf, args.patch_kind, args.patch_crop or 64, args.patch_middle),
            args.patch_crop or 64, G, p, ctx)
        step = functools.partial(step, D_patch=D_patch, trainer_patch=trainer_patch, floor=args.noise_floor,
                                 weight=args.weight, crop_size=args.patch_crop, faces=args.patch_faces,
                                 where=np.random.default_rng(p.seed + 11))
        tag = f"-{args.patch_kind}" + (f"-width{args.patch_width}" if args.patch_width else "") + \
            (f"-middle{args.patch_middle}" if args.patch_middle else "") + \
            (f"-crop{args.patch_crop}" if args.patch_crop else "") + \
            (f"-faces{args.patch_faces}" if args.patch_faces else "") + \
            f"-w{args.weight:g}-floor{args.noise_floor:g}"
        if args.patch_from:
            step = with_late_patch(step, args.noise_floor, args.patch_from, p.instance_noise)
            tag += f"-from{args.patch_from:g}"
        if args.patch_every > 1:
            step = with_sparse_patch(step, args.noise_floor, args.patch_every)
            tag += f"-every{args.patch_every}"
    elif args.variant == "info":  # Q and its Adam are not in the checkpoint: a resumed run restarts them
        Q = q_head(args.categories + args.continuous, (1, p.ndf * 8, 4, 4), ctx)
        trainer_q = gluon.Trainer(Q.collect_params(), "adam", {"learning_rate": p.lr_g, "beta1": p.beta1})
        step = functools.partial(step, Q=Q, trainer_q=trainer_q, categories=args.categories,
                                 continuous=args.continuous, weight=args.weight)
        tag = f"-cat{args.categories}-cont{args.continuous}-w{args.weight:g}"
    elif args.patch_from or args.patch_every > 1 or args.patch_faces:
        parser.error("--patch-from, --patch-every and --patch-faces go with patch")
    if not 0 <= args.patch_faces < args.batch_size:
        parser.error(f"--patch-faces: 1 to {args.batch_size - 1} of a batch's faces (0: all)")
    if args.patch_from and args.patch_every > 1:
        parser.error("--patch-from or --patch-every: choose one")
    if args.patch_middle and (args.variant != "patch" or args.patch_kind == "two-layer"):
        parser.error("--patch-middle goes with patch and a 3x3 --patch-kind")
    if args.two_sided and args.variant == "book":  # the book's step, with the two-sided penalty
        dcgan.grain_penalty = two_sided_grain_penalty
        tag += "-two-sided"
    if args.noise_floor and args.variant != "patch":  # patch floors only its face D's noise
        step = with_noise_floor(step or dcgan.train_step, args.noise_floor, args.floor_release, p.instance_noise)
        tag += f"-floor{args.noise_floor:g}" + (f"-release{args.floor_release:g}" if args.floor_release else "")
    if args.floor_release and (not args.noise_floor or args.variant == "patch"):
        parser.error("--floor-release goes with --noise-floor (not with patch)")
    if not 0 <= args.freeze_coarse <= 4:
        parser.error("--freeze-coarse: 1 to 4 of G's blocks with batch norm (0: none)")
    if args.freeze_coarse:
        step = with_frozen_coarse(step or dcgan.train_step, G, args.freeze_coarse, args.freeze_from, p.instance_noise)
        tag += f"-freeze{args.freeze_coarse}-from{args.freeze_from:g}"
    if args.d_rate_end != 1:
        step = with_fading_d_rate(step or dcgan.train_step, p.lr_d, args.d_rate_end, p.instance_noise)
        tag += f"-d-rate-end{args.d_rate_end:g}"
    if args.start_noise:
        tag += f"-noise{args.start_noise:g}"
    if args.real_label:
        tag += f"-label{args.real_label:g}"
    if args.spectral:
        step = with_spectral_update(step or dcgan.train_step, D)
        tag += f"-spectral-{args.spectral}"
    if args.loss != "bce":  # every step calls the engine's d_loss and g_loss
        if args.variant != "book":
            parser.error("--loss goes with book")
        dcgan.d_loss, dcgan.g_loss = LOSSES[args.loss]
        tag += f"-{args.loss}"
    if args.r1 < 0 or args.r1_every < 1 or args.r1_step <= 0:
        parser.error("--r1 GAMMA >= 0, --r1-every K >= 1, --r1-step H > 0")
    if args.r1:  # after --loss: the penalty goes on whichever d_loss the run uses
        if args.variant in ("mixed-batch", "pairs", "low-res", "patch", "info"):
            parser.error(f"--r1: {args.variant}'s D turn does not call the engine's d_loss")
        dcgan.d_loss = with_r1(dcgan.d_loss, args.r1, args.r1_every, args.r1_step)
        tag += f"-r1-{args.r1:g}-every{args.r1_every}" + (f"-h{args.r1_step:g}" if args.r1_step != 0.01 else "")
    if args.binary:
        tag += f"-binary{args.binary}"
    for field, (_, name) in PROFILE_SETTINGS.items():
        if getattr(args, field) != getattr(profiles.PROFILES["default"], field):
            tag += f"-{name}{getattr(args, field):g}"
    if args.mixture:
        tag += f"-mix{args.mixture}-sd{args.spread:g}"
    if args.batch_size != profiles.PROFILES["default"].batch_size:
        tag += f"-b{args.batch_size}"
    out = args.out or f"runs/explore-{args.variant}{tag}-s{args.seed}"
    history = training.train(G, D, batches, p, ctx, draw(rng, 16), out=out, step=step)
    print(f"trained in {history['seconds'] / 60:.1f} min")

    classifier, _ = attributes.trained_classifier("default", ctx)
    refs = scorecard.references(p, classifier, ctx)
    generated = training.sample(G, draw(np.random.default_rng(p.seed + 7), 2000), ctx)
    card = scorecard.scorecard(generated, refs, classifier, ctx)
    gaps = card["attributes"]
    print(f"{args.variant}{tag} seed {args.seed}, {args.epochs} epochs of {args.batch_size}: FD {card['fd']:.0f}, "
          f"precision {card['precision']:.2f}, recall {card['recall']:.3f}, HF {card['hf_ratio']:.2f}, "
          f"{sum(g <= 5 for g in gaps.values())} of {len(gaps)} attributes within 5 points")
    print("gaps: " + ", ".join(f"{name} {gap:.1f}" for name, gap in gaps.items()))
    reading = attributes.read(classifier, generated, ctx)
    print("G's spread / the data's: " + spreads(reading, refs))
    print(f"hair style unsure (top class below 0.9): G {unsure_hair_style(classifier, generated, ctx):.1%}, "
          f"held-out faces {unsure_hair_style(classifier, refs.held_out, ctx):.1%}")
    if args.variant == "info" and args.categories:
        print("G's hair styles, category by category, and what the categories carry:")
        print(categories_report(G, classifier, args.categories, args.continuous, p.nz, ctx, seed=p.seed))
    if args.variant == "low-res":
        print("right at the end, on 2000 training faces and 2000 of G's: "
              f"D {right_share(D, refs.train_faces, generated, ctx):.2f}, "
              f"the low-res D {right_share(D_low, refs.train_faces, generated, ctx, args.pool):.2f}")


if __name__ == "__main__":
    main()
