"""The scorecard: chapter 4's measures in one call, checked on sets whose answer is known."""
import mxnet as mx
import numpy as np
import pytest

from utils import profiles
from utils.gan import scorecard
from utils.latent import attributes

QUICK = profiles.PROFILES["quick"]


@pytest.fixture(scope="module")
def setup():
    ctx = mx.cpu()
    classifier, _ = attributes.train(attributes.SETTINGS["quick"], ctx)
    return classifier, scorecard.references(QUICK, classifier, ctx, n=300), ctx


def test_held_out_real_faces_score_the_floor_and_no_copying(setup):
    classifier, refs, ctx = setup
    score = scorecard.scorecard(refs.held_out, refs, classifier, ctx)
    assert score["fd"] == pytest.approx(scorecard.floor(refs))
    assert score["hf_ratio"] == pytest.approx(1.0)
    assert score["copy_p"] > 0.05
    assert set(score["attributes"]) >= set(attributes.LABELS)
    assert max(score["attributes"].values()) < 15, score["attributes"]  # two samples of 300


def test_copies_of_the_training_faces_are_caught(setup):
    classifier, refs, ctx = setup
    copies = np.clip(refs.train_faces.astype(int) + 1, 0, 255).astype(np.uint8)
    score = scorecard.scorecard(copies, refs, classifier, ctx)
    assert score["copy_p"] < 1e-6
    assert score["fd"] < scorecard.floor(refs)


def test_a_collapsed_generator_scores_far_worse_than_the_floor(setup):
    classifier, refs, ctx = setup
    collapsed = np.repeat(refs.held_out[:1], len(refs.held_out), axis=0)
    score = scorecard.scorecard(collapsed, refs, classifier, ctx)
    assert score["fd"] > 5 * scorecard.floor(refs)
    assert score["recall"] < 0.05
