import numpy as np
import pytest

from utils.data import faces


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


def _draw_variants(attr, values, n=40):
    """The same n faces drawn once per value of one attribute, all else equal."""
    base = faces.sample_attributes(n, np.random.default_rng(5))
    out = []
    for v in values:
        attrs = dict(base, **{attr: np.full(n, v, base[attr].dtype)})
        out.append(faces._draw(attrs, np.random.default_rng(6)).astype(np.float32))
    return out


def test_glasses_change_only_the_eye_area_and_darken_it():
    without, with_ = _draw_variants("glasses", [0, 1])
    changed = np.abs(with_ - without).max(axis=(0, 3)) > 30  # (64, 64) map
    rows, cols = np.nonzero(changed)
    assert 20 < rows.min() and rows.max() < 46, "glasses sit around the eyes, above the mouth"
    assert (with_.mean(axis=-1) < without.mean(axis=-1) - 30).mean() > 0.01


def test_smile_bends_the_mouth():
    frown, smile = _draw_variants("smile", [-1.0, 1.0])

    def mouth_middle_row(x):  # the reddest row of the lower face, middle columns
        red = x[:, 36:60, 30:34, 0] - x[:, 36:60, 30:34, 1]
        return 36 + red.mean(axis=2).argmax(axis=1)

    # A smile's middle drops below its corners (larger row index); a frown's rises.
    assert np.all(mouth_middle_row(smile) > mouth_middle_row(frown))


def test_edges_are_antialiased():
    images, _ = faces.make_faces(10, seed=0)
    # Many colours: edges blend neighbouring colours instead of jumping between them.
    assert len(np.unique(images[0].reshape(-1, 3), axis=0)) > 200


def test_rejects_empty_request():
    with pytest.raises(ValueError, match="n >= 1"):
        faces.make_faces(0)
