"""The attribute classifier: labels, preprocessing, held-out accuracy, caching."""
import mxnet as mx
import numpy as np
import pytest

from utils import data
from utils.data import faces
from utils.latent import attributes


def _attrs(smile, glasses, hair_color, hair_style):
    return {"smile": np.array(smile, np.float32), "glasses": np.array(glasses),
            "hair_color": np.array(hair_color), "hair_style": np.array(hair_style)}


def test_labels_follow_the_attributes_the_faces_were_drawn_with():
    black, red = list(faces.HAIR_COLORS).index("black"), list(faces.HAIR_COLORS).index("red")
    bald, short = faces.HAIR_STYLES.index("bald"), faces.HAIR_STYLES.index("short")
    attrs = _attrs([0.9, 0.33, 0.34, -1.0], [1, 0, 0, 1], [black, red, black, black],
                   [short, short, bald, short])
    assert attributes.labels(attrs).tolist() == [
        [1, 1, 1],   # broad smile, glasses, black hair
        [0, 0, 0],   # 0.33 is not above the threshold; red hair is not dark
        [1, 0, 0],   # just above it; black but bald: no visible dark hair
        [0, 1, 1],   # frowning
    ]


def test_input_is_nchw_in_minus_one_to_one():
    images, _ = faces.make_faces(4, seed=3)
    x = data.to_float(images)
    assert x.shape == (4, 3, 64, 64) and x.dtype == np.float32
    assert x.min() >= -1.0 and x.max() <= 1.0
    assert np.allclose(x[1, :, 10, 20], images[1, 10, 20] / 127.5 - 1.0)


def test_quick_classifier_is_right_on_at_least_90_percent_of_held_out_faces():
    s = attributes.SETTINGS["quick"]
    assert s.train_faces_seed != s.test_faces_seed  # held out: other faces
    net, report = attributes.train(s, mx.cpu())
    for name in attributes.LABELS:
        assert report["held_out_accuracy"][name] >= 0.9, report


def test_accuracy_counts_right_calls_per_label():
    probs = np.array([[0.9, 0.2, 0.6], [0.4, 0.7, 0.6]])
    targets = np.array([[1, 0, 0], [1, 1, 1]], np.float32)
    assert attributes.accuracy(probs, targets) == {"smiling": 0.5, "glasses": 1.0, "dark_hair": 0.5}


def test_a_saved_classifier_loads_with_the_same_predictions(tmp_path):
    s = attributes.Settings(n_train=1, n_test=1, epochs=1, width=4)
    net = attributes.new_net(s, mx.cpu())
    images, _ = faces.make_faces(6, seed=5)
    before = attributes.predict(net, images, mx.cpu())
    attributes.save(tmp_path, net, {"seconds": 1.0})
    loaded, report = attributes.load(tmp_path, s, mx.cpu())
    assert report == {"seconds": 1.0}
    assert np.array_equal(before, attributes.predict(loaded, images, mx.cpu()))
    assert before.shape == (6, 3) and ((before > 0) & (before < 1)).all()


def test_the_cache_key_changes_with_the_settings():
    a = attributes.cache_folder(attributes.SETTINGS["quick"])
    assert a == attributes.cache_folder(attributes.SETTINGS["quick"])
    assert a != attributes.cache_folder(attributes.SETTINGS["default"])


def test_the_full_profile_says_lfw_attributes_are_not_implemented(capsys):
    assert attributes.settings_for("full") == attributes.SETTINGS["default"]
    assert "not implemented yet" in capsys.readouterr().out
    with pytest.raises(KeyError):
        attributes.settings_for("nonsense")
