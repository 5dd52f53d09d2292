import numpy as np

from utils.data import faces
from utils.gan import quality
from utils.latent import paths


def test_diversity_is_zero_for_a_collapsed_generator_and_one_for_the_data():
    images, _ = faces.make_faces(200, seed=0)
    assert quality.diversity(np.repeat(images[:1], 50, axis=0), images) < 1e-6
    assert abs(quality.diversity(images[:100], images[100:]) - 1.0) < 0.1
    # Four distinct faces repeated: some diversity, far less than the data's.
    assert 0.3 < quality.diversity(np.repeat(images[:4], 25, axis=0), images) < 1.0


def test_mean_pairwise_distance_matches_a_direct_computation():
    rng = np.random.default_rng(0)
    imgs = rng.integers(0, 256, (7, 64, 64, 3), dtype=np.uint8)
    small = imgs.astype(np.float64).reshape(7, 16, 4, 16, 4, 3).mean(axis=(2, 4)).reshape(7, -1) / 255
    direct = np.mean([np.linalg.norm(small[i] - small[j]) for i in range(7) for j in range(i + 1, 7)])
    assert abs(quality.mean_pairwise_distance(imgs) - direct) < 1e-6


def test_slerp_ends_at_the_codes_and_keeps_the_norm():
    rng = np.random.default_rng(0)
    z0, z1 = rng.standard_normal(100), rng.standard_normal(100)
    walk = paths.path(z0, z1, 9, "slerp")
    assert np.allclose(walk[0], z0) and np.allclose(walk[-1], z1)
    norms = np.linalg.norm(walk, axis=1)
    line_norms = np.linalg.norm(paths.path(z0, z1, 9, "lerp"), axis=1)
    # Along the arc the norm stays between the end norms; the line sags in the middle.
    assert norms.min() > 0.97 * min(norms[0], norms[-1])
    assert line_norms[4] < 0.8 * norms[4]


def test_slerp_of_identical_codes_is_that_code():
    z = np.ones(10)
    assert np.allclose(paths.slerp(z, z, 0.3), z)
