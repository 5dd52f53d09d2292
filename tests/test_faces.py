import numpy as np
import pytest

from utils import faces


def test_same_seed_same_faces_and_attributes():
    a_img, a_attr = faces.make_faces(600, seed=3)
    b_img, b_attr = faces.make_faces(600, seed=3)
    assert np.array_equal(a_img, b_img)
    assert all(np.array_equal(a_attr[k], b_attr[k]) for k in a_attr)


def test_other_seed_other_faces():
    assert not np.array_equal(faces.make_faces(20, seed=1)[0], faces.make_faces(20, seed=2)[0])


def test_shape_dtype_and_attribute_ranges():
    images, attrs = faces.make_faces(2000, seed=0)
    assert images.shape == (2000, 64, 64, 3) and images.dtype == np.uint8
    assert set(attrs) == set(faces.ATTRIBUTES)
    assert all(len(v) == 2000 for v in attrs.values())
    assert attrs["smile"].min() >= -1 and attrs["smile"].max() <= 1
    assert 0 <= attrs["skin_tone"].min() and attrs["skin_tone"].max() <= 1
    assert set(np.unique(attrs["hair_color"])) == set(range(len(faces.HAIR_COLORS)))
    assert set(np.unique(attrs["hair_style"])) == set(range(len(faces.HAIR_STYLES)))
    assert set(np.unique(attrs["glasses"])) == {0, 1}
    assert 0.2 < attrs["glasses"].mean() < 0.4


def test_attributes_show_in_the_pictures():
    images, attrs = faces.make_faces(1000, seed=0)
    x = images.astype(np.float32)
    # Darker skin tone -> darker cheeks (a patch left of the nose).
    cheek = x[:, 36:40, 22:26].mean(axis=(1, 2, 3))
    assert np.corrcoef(attrs["skin_tone"], cheek)[0, 1] < -0.8
    # Glasses add dark frame pixels around the eyes.
    eyes = (x[:, 22:36, 12:52].max(axis=-1) < 40).mean(axis=(1, 2))
    assert eyes[attrs["glasses"] == 1].mean() > 2 * eyes[attrs["glasses"] == 0].mean()
    # The edges are antialiased: many pixels are neither background nor face colour.
    assert len(np.unique(images[0].reshape(-1, 3), axis=0)) > 200


def test_rejects_empty_request():
    with pytest.raises(ValueError, match="n >= 1"):
        faces.make_faces(0)
