import numpy as np
from mxnet import init, nd

from utils.gan import gan_intro, toy


def test_real_points_follow_the_stated_gaussian():
    x = toy.real_points(200_000, seed=1)
    mean, cov = toy.true_mean_cov()
    # Standard errors at this size are below 0.01 (mean) and 0.015 (variances).
    assert np.allclose(x.mean(0), mean, atol=0.03)
    assert np.allclose(np.cov(x.T), cov, atol=0.06)
    assert np.array_equal(toy.real_points(5, seed=2), toy.real_points(5, seed=2))


def test_learned_mean_and_cov_are_read_correctly_off_the_weights():
    G = gan_intro.generator()
    G.initialize(init.Normal(1.0))
    mean, cov = toy.learned_mean_cov(G)
    samples = G(nd.random.normal(0, 1, (40000, 2))).asnumpy()
    assert np.allclose(samples.mean(0), mean, atol=0.05)
    assert np.allclose(np.cov(samples.T), cov, atol=0.1 * np.abs(cov).max() + 0.02)


def test_relative_error():
    assert toy.relative_error(np.array([1.1, 0.0]), np.array([1.0, 0.0])) - 0.1 < 1e-9
    assert toy.relative_error(np.eye(2), np.eye(2)) == 0


def test_decision_surface_is_a_probability_grid():
    D = gan_intro.discriminator()
    D.initialize(init.Xavier())
    s = toy.decision_surface(D, toy.EXTENT, steps=11)
    assert s.shape == (11, 11) and 0 < s.min() and s.max() < 1


def test_train_keeps_the_requested_snapshots_and_moves_g_towards_the_data():
    real = toy.real_points(512)
    G, D, snaps = toy.train(toy.Settings(epochs=4), real, seed=0, snapshot_epochs=(1, 2))
    assert [s["epoch"] for s in snaps] == [1, 2, 4]
    assert snaps[-1]["fake"].shape == (100, 2) and snaps[-1]["surface"].shape == (80, 80)
    true_mean, _ = toy.true_mean_cov()
    # G starts near the origin (error ~1); after a few epochs it is closer to b.
    assert toy.relative_error(snaps[-1]["mean"], true_mean) < toy.relative_error(np.zeros(2), true_mean)
