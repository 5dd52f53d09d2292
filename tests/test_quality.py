"""The quality measures on sets whose answer is known."""
import numpy as np
import pytest

from utils.data import faces
from utils.gan import quality


def gaussian(n, mean, std, d=8, seed=0):
    return np.random.default_rng(seed).normal(mean, std, (n, d))


def test_frechet_distance_of_a_set_with_itself_is_zero():
    a = gaussian(500, 0, 1)
    assert quality.frechet_distance(a, a) == pytest.approx(0, abs=1e-8)


def test_frechet_distance_of_shifted_and_scaled_gaussians_is_the_closed_form():
    # N(0, I) against N(m, s^2 I) in d dimensions: d*m^2 + d*(1 - s)^2.
    d, m, s = 8, 0.5, 2.0
    a, b = gaussian(20000, 0, 1, d, seed=1), gaussian(20000, m, s, d, seed=2)
    want = d * m ** 2 + d * (1 - s) ** 2
    assert quality.frechet_distance(a, b) == pytest.approx(want, rel=0.03)


def test_kid_is_near_zero_for_one_distribution_and_grows_with_a_shift():
    a, b = gaussian(1000, 0, 1, seed=1), gaussian(1000, 0, 1, seed=2)
    same, std = quality.kernel_distance(a, b)
    assert abs(same) < 3 * std + 1e-3
    shifted, _ = quality.kernel_distance(a, gaussian(1000, 0.5, 1, seed=3))
    far, _ = quality.kernel_distance(a, gaussian(1000, 1.0, 1, seed=4))
    assert 0.01 < shifted < far


def test_a_collapsed_set_has_precision_but_no_recall():
    real = gaussian(400, 0, 1, seed=1)
    collapsed = np.repeat(real[:1], 400, axis=0) + 1e-3 * gaussian(400, 0, 1, seed=2)
    precision, recall = quality.precision_recall(real, collapsed)
    assert precision > 0.9 and recall < 0.05
    p_same, r_same = quality.precision_recall(real, gaussian(400, 0, 1, seed=3))
    assert p_same > 0.8 and r_same > 0.8


def test_copies_of_the_training_set_are_caught_by_the_memorisation_test():
    train, held_out = gaussian(300, 0, 1, seed=1), gaussian(100, 0, 1, seed=2)
    fresh = gaussian(100, 0, 1, seed=3)
    copies = train[:100] + 1e-3 * gaussian(100, 0, 1, seed=4)
    held_d, _ = quality.nearest_distances(held_out, train)
    _, p_fresh = quality.mann_whitney(quality.nearest_distances(fresh, train)[0], held_d)
    _, p_copies = quality.mann_whitney(quality.nearest_distances(copies, train)[0], held_d)
    assert p_fresh > 0.05 and p_copies < 1e-10


def test_mann_whitney_matches_a_hand_count():
    # x = [1, 2], y = [3, 4, 5]: every x is below every y, U = 0.
    u, p = quality.mann_whitney(np.array([1.0, 2.0]), np.array([3.0, 4.0, 5.0]))
    assert u == 0 and p < 0.1
    u, _ = quality.mann_whitney(np.array([5.0, 6.0]), np.array([1.0, 2.0]))
    assert u == 4


def test_a_checkerboard_raises_the_high_frequency_ratio_and_a_blur_lowers_it():
    images = faces.make_faces(64, seed=0)[0]
    checker = (np.indices((64, 64)).sum(0) % 2 * 40).astype(np.int16)[None, :, :, None]
    noisy = np.clip(images.astype(np.int16) + checker, 0, 255).astype(np.uint8)
    padded = np.pad(images.astype(np.float64), ((0, 0), (1, 1), (1, 1), (0, 0)), mode="edge")
    blurred = sum(padded[:, 1 + dy:65 + dy, 1 + dx:65 + dx] for dy in (-1, 0, 1) for dx in (-1, 0, 1))
    blurred = (blurred / 9).astype(np.uint8)  # a 3x3 box blur
    base = quality.high_frequency_ratio(images)
    assert quality.high_frequency_ratio(noisy) > 2 * base
    assert quality.high_frequency_ratio(blurred) < base
    spectrum = quality.radial_spectrum(images)
    assert spectrum.shape == (32,) and spectrum[1] > spectrum[-1]


def _box_blur(images, radius):
    padded = np.pad(images.astype(np.float64), ((0, 0), (radius,) * 2, (radius,) * 2, (0, 0)), mode="edge")
    total = sum(padded[:, radius + dy:radius + dy + 64, radius + dx:radius + dx + 64]
                for dy in range(-radius, radius + 1) for dx in range(-radius, radius + 1))
    return (total / (2 * radius + 1) ** 2).astype(np.uint8)


def test_the_frozen_features_rank_more_blur_and_more_noise_as_farther(tmp_path, monkeypatch):
    """The chapter's ruler: Fréchet distance in the attribute classifier's features
    grows step by step as real faces are blurred or noised more."""
    import mxnet as mx

    from utils.latent import attributes
    monkeypatch.setenv("GANBOOK_CACHE", str(tmp_path))
    net, _ = attributes.trained_classifier("quick", mx.cpu())
    reference = attributes.features(net, faces.make_faces(600, seed=0)[0], mx.cpu())
    other = faces.make_faces(600, seed=777)[0]
    blur = [quality.frechet_distance(reference, attributes.features(net, _box_blur(other, r), mx.cpu()))
            for r in (1, 2, 3)]
    rng = np.random.default_rng(0)
    noise = [quality.frechet_distance(reference, attributes.features(
        net, np.clip(other + rng.normal(0, s, other.shape), 0, 255).astype(np.uint8), mx.cpu()))
        for s in (10, 25, 50)]
    floor = quality.frechet_distance(reference, attributes.features(net, other, mx.cpu()))
    assert floor < blur[0] < blur[1] < blur[2]
    assert floor < noise[0] < noise[1] < noise[2]


def test_wasserstein_matches_hand_computed_values():
    assert quality.wasserstein([0, 1, 3], [5, 6, 8]) == pytest.approx(5.0)
    assert quality.wasserstein([0, 1], [0.5]) == pytest.approx(0.5)
    assert quality.wasserstein([0.2, 0.2, 0.7], [0.2, 0.7, 0.7]) == pytest.approx(0.5 / 3)


def test_circular_wasserstein_on_the_circle():
    cw = quality.circular_wasserstein
    assert cw([0.1], [0.6]) == pytest.approx(0.5)      # opposite: as far as it gets
    assert cw([0.1], [0.9]) == pytest.approx(0.2)      # the short way round
    assert cw([0.0, 0.5], [0.25, 0.75]) == pytest.approx(0.25)
    rng = np.random.default_rng(2)
    u, v = rng.beta(2, 5, 300), rng.random(200)
    turn = 0.37
    assert cw(u, v) == pytest.approx(cw((u + turn) % 1, (v + turn) % 1), abs=1e-9)  # no special place
    assert cw(u, v) <= quality.wasserstein(u, v) + 1e-12
    assert cw(u, u) == 0
