import numpy as np
import pytest

from utils import data
from utils.data import faces


@pytest.fixture(scope="module")
def images():
    return faces.make_faces(100, seed=0)[0]


def test_batches_cover_each_image_once_per_epoch_and_reshuffle(images):
    b = data.Batches(images, batch_size=32, seed=1)
    assert len(b) == 3  # 100 // 32: the incomplete last batch is dropped
    def order(epoch):
        return [tuple(x[:, 0, 0, 0]) for x in b.epoch(epoch)]
    e0, e1 = list(b.epoch(0)), list(b.epoch(1))
    assert all(x.shape == (32, 3, 64, 64) and x.dtype == np.float32 for x in e0)
    flat0 = np.concatenate(e0).reshape(96, -1)
    assert len(np.unique(flat0, axis=0)) == 96  # no repeats within an epoch
    assert not np.array_equal(np.concatenate(e0), np.concatenate(e1))  # new order
    assert order(0) == order(0)  # same seed and epoch: same order


def test_batches_are_shuffled_across_the_dataset(images):
    first = next(data.Batches(images, 32, seed=0).epoch(0))
    # Rows of the first batch match images spread over the whole array, not the first 32.
    idx = [int(np.argmin(((data.to_float(images) - x) ** 2).sum(axis=(1, 2, 3)))) for x in first]
    assert max(idx) > 50


def test_flip_mirrors_some_images(images):
    plain = np.concatenate(list(data.Batches(images, 50, seed=0).epoch(0)))
    flipped = np.concatenate(list(data.Batches(images, 50, seed=0, flip=True).epoch(0)))
    mirrored = np.all(flipped == plain[..., ::-1], axis=(1, 2, 3))
    same = np.all(flipped == plain, axis=(1, 2, 3))
    assert 20 < mirrored.sum() < 80 and np.all(mirrored | same)


def test_float_roundtrip_and_range(images):
    x = data.to_float(images)
    assert x.min() >= -1 and x.max() <= 1
    assert np.array_equal(data.to_uint8(x), images)


def test_clear_errors(images):
    with pytest.raises(ValueError, match="uint8 images"):
        data.Batches(images.astype(np.float32), 10)
    with pytest.raises(ValueError, match="smaller batch size"):
        data.Batches(images[:5], 10)
