import dataclasses

import mxnet as mx
import numpy as np
from mxnet import nd

from utils import data, profiles
from utils.data import faces
from utils.gan import checkpoints, dcgan, training

QUICK = profiles.PROFILES["quick"]


def _setup(batch=8, **changes):
    profile = dataclasses.replace(QUICK, **changes)
    G, D = training.build_networks(profile, mx.cpu(), seed=0)
    tg, td = training.build_trainers(G, D, profile)
    real = nd.array(data.to_float(faces.make_faces(batch, seed=0)[0]))
    z = nd.random.normal(0, 1, (batch, profile.nz, 1, 1))
    return profile, G, D, tg, td, real, z


def _weights(net):
    return {k: a for k, a in checkpoints.weight_arrays(net).items() if k.endswith("weight")}


def test_one_step_changes_both_networks_and_gives_finite_stats():
    _, G, D, tg, td, real, z = _setup()  # build_networks has called each network once: shapes are known
    g0, d0 = _weights(G), _weights(D)
    stats = dcgan.train_step(G, D, tg, td, real, z).asnumpy()
    assert stats.shape == (len(training.STAT_NAMES),) and np.isfinite(stats).all()
    g1, d1 = _weights(G), _weights(D)
    assert all(not np.allclose(g0[k], g1[k]) for k in g0), "every G layer should learn"
    assert all(not np.allclose(d0[k], d1[k]) for k in d0), "every D layer should learn"


def test_stats_are_consistent_with_d_outputs():
    _, G, D, tg, td, real, z = _setup()
    loss_d, loss_g, acc, d_real, d_fake = dcgan.train_step(G, D, tg, td, real, z).asnumpy()
    assert 0 <= acc <= 1 and 0 < d_real < 1 and 0 < d_fake < 1
    # At initialisation D outputs roughly 0.5 for everything (batch norm in training
    # mode spreads the logits a little): BCE near 2 ln 2 for D, ln 2 for G.
    assert abs(loss_d - 2 * np.log(2)) < 0.5 and abs(loss_g - np.log(2)) < 0.5


def test_labels_follow_the_batch_size():
    # A batch of 5 (not the profile's 32) must work: labels are sized from the batch.
    _, G, D, tg, td, real, z = _setup(batch=5)
    assert np.isfinite(dcgan.train_step(G, D, tg, td, real, z).asnumpy()).all()


def test_accuracy_threshold_is_zero_on_logits():
    # Logit 0.3 is sigmoid 0.57: "real". The original tutorial compared the logit
    # with 0.5 and would have called these real images fake (accuracy 0.5, not 1).
    real = nd.array([0.3, 2.0, 0.1])
    fake = nd.array([-0.3, -2.0, -0.1])
    def accuracy(out_real, out_fake):
        zero = nd.zeros(1)
        return dcgan.step_stats(zero, zero, out_real, out_fake)[2].asscalar()
    assert accuracy(real, fake) == 1.0
    assert accuracy(fake, real) == 0.0
    assert abs(accuracy(nd.array([0.3, -1.0]), nd.array([0.4, -0.2])) - 0.5) < 1e-7


def test_train_runs_the_quick_profile_end_to_end():
    profile = dataclasses.replace(QUICK, num_images=96, batch_size=32, epochs=2)
    images, _ = faces.make_faces(profile.num_images, seed=0)
    G, D = training.build_networks(profile, mx.cpu())
    fixed = np.random.default_rng(0).standard_normal((6, profile.nz)).astype(np.float32)
    lines = []
    history = training.train(G, D, data.Batches(images, 32), profile, mx.cpu(), fixed, log=lines.append)
    assert history["stats"].shape == (2 * 3, len(training.STAT_NAMES))
    assert history["epoch_samples"].shape == (2, 6, 64, 64, 3)
    assert len(lines) == 2 and "epoch  2/2" in lines[1] and "samples/s" in lines[1]


def test_sampling_is_per_image_not_per_batch():
    # Outside training, BatchNorm uses running statistics: an image must not
    # depend on which other codes share its batch.
    profile, G, *_ = _setup()
    z = np.random.default_rng(0).standard_normal((4, profile.nz)).astype(np.float32)
    alone = training.sample(G, z[:1], mx.cpu())
    together = training.sample(G, z, mx.cpu())
    assert np.array_equal(alone[0], together[0])


# --- The grain penalty (profile.grain) --------------------------------------------

def _checkerboard(batch, amplitude):
    """Grey levels +a, -a, +a, ... along both axes: the finest pattern a 64x64 image can hold."""
    sign = (-1.0) ** np.add.outer(np.arange(64), np.arange(64))
    return nd.array(np.broadcast_to(amplitude * sign, (batch, 3, 64, 64)).copy())


def test_fine_detail_is_zero_for_flat_images_and_64_a2_for_a_checkerboard():
    # Each pixel of a checkerboard differs from its four neighbours by 2a: Laplacian
    # -8 * (+-a), squared 64 a^2.
    assert dcgan.fine_detail(nd.ones((2, 3, 64, 64)) * 0.3).asscalar() < 1e-12  # 0 but for rounding
    assert np.isclose(dcgan.fine_detail(_checkerboard(2, 0.1)).asscalar(), 64 * 0.01)


def test_grain_penalty_counts_only_excess_fine_detail():
    _, _, _, _, _, real, _ = _setup()
    assert dcgan.grain_penalty(real, real).asscalar() == 0
    smoother = nd.array(real.asnumpy().reshape(8, 3, 32, 2, 32, 2).mean(axis=(3, 5)).repeat(2, 2).repeat(2, 3))
    assert dcgan.grain_penalty(smoother, real).asscalar() == 0  # less detail than real: no penalty
    grainy = real + _checkerboard(8, 0.05)
    expected = np.log(dcgan.fine_detail(grainy).asscalar() / dcgan.fine_detail(real).asscalar())
    assert expected > 0.5 and np.isclose(dcgan.grain_penalty(grainy, real).asscalar(), expected, rtol=1e-5)


def test_the_penalty_gradient_removes_grain():
    _, _, _, _, _, real, _ = _setup()
    grainy = real + _checkerboard(8, 0.05)
    grainy.attach_grad()
    with mx.autograd.record():
        penalty = dcgan.grain_penalty(grainy, real)
    penalty.backward()
    step = grainy - 0.01 * grainy.grad / nd.abs(grainy.grad).max()
    assert dcgan.fine_detail(step).asscalar() < dcgan.fine_detail(grainy).asscalar()


def test_the_grain_weight_grows_from_0_to_the_profiles_as_the_noise_fades():
    profile, G, D, _, _, _, _ = _setup(grain=2.5, instance_noise=0.1, epochs=2, num_images=64)
    seen = []

    def step(G, D, tg, td, real, z, real_label, noise, grain):
        seen.append((noise, grain))
        return dcgan.train_step(G, D, tg, td, real, z, real_label, noise, grain)

    images = faces.make_faces(64, seed=0)[0]
    batches = data.Batches(images, profile.batch_size, seed=0)
    training.train(G, D, batches, profile, mx.cpu(), training.fixed_noise(profile), log=lambda line: None,
                   step=step)
    steps = 2 * len(batches)
    assert len(seen) == steps and seen[0] == (0.1, 0.0)
    np.testing.assert_allclose(seen, [(0.1 * (1 - t / steps), 2.5 * t / steps) for t in range(steps)])
