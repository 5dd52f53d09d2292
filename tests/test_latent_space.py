"""The latent-space chapter's tools: norms, walks, exemplars, arithmetic, directions,
and the sliders' callbacks, with a real (untrained) generator where one is needed."""
import mxnet as mx
import numpy as np
import pytest

from utils import profiles
from utils.gan import training
from utils.latent import attributes, explore as lt
from utils.display.widgets import MAX_FRAMES

CTX = mx.cpu()
NZ = profiles.PROFILES["quick"].nz  # the length of the test generator's codes


@pytest.fixture(scope="module")
def G():
    G, _ = training.build_networks(profiles.PROFILES["quick"], CTX, seed=0)
    return G


def test_a_seed_names_one_code():
    z = lt.codes_for_seeds([1, 2, 1], 100)
    assert z.shape == (3, 100) and z.dtype == np.float32
    assert np.array_equal(z[0], z[2]) and not np.allclose(z[0], z[1])


def test_slerp_keeps_the_norm_while_lerp_dips_in_the_middle():
    z0, z1 = lt.codes_for_seeds([3, 4], 100)
    z1 = z1 * np.linalg.norm(z0) / np.linalg.norm(z1)  # both ends on one sphere
    norms = lt.path_norms(z0, z1, 11)
    assert np.allclose(norms["slerp"], np.linalg.norm(z0), rtol=1e-5)
    assert norms["lerp"][5] < 0.8 * norms["lerp"][0]  # ~1/sqrt(2) for near-orthogonal codes
    assert np.isclose(norms["lerp"][0], norms["slerp"][0])


def test_the_interpolation_slider_has_one_frame_per_step_and_keeps_to_the_limit(G):
    z0, z1 = lt.codes_for_seeds([0, 1], NZ)
    slider = lt.interpolation_slider(G, z0, z1, CTX, steps=21)
    assert len(slider.frames) == 21 <= MAX_FRAMES
    assert slider.captions[0].startswith("t = 0.00") and slider.captions[-1].startswith("t = 1.00")
    with pytest.raises(ValueError):
        lt.interpolation_slider(G, z0, z1, CTX, steps=MAX_FRAMES + 1)


def test_the_seed_widget_callback_shows_lerp_and_slerp_of_the_seeds_codes(G):
    ends = training.sample(G, lt.codes_for_seeds([7, 8], NZ), CTX).astype(int)
    for t, expected in ((0.0, ends[0]), (1.0, ends[1])):
        picture = lt.seed_pair_picture(G, CTX, 7, 8, t, NZ).astype(int)
        assert picture.shape == (64, 64 * 2 + 4, 3)
        assert np.abs(picture[:, :64] - expected).max() <= 1      # lerp
        assert np.abs(picture[:, -64:] - expected).max() <= 1     # slerp
    middle = lt.seed_pair_picture(G, CTX, 7, 8, 0.5, NZ)
    assert not np.array_equal(middle[:, :64], middle[:, -64:])  # the two paths differ


def test_the_live_seed_widget_redraws_when_a_seed_changes_and_the_book_gets_html(G):
    view = lt.SeedInterpolation(G, CTX, 7, 8, NZ)
    box = view.widget()
    image = box.children[-1]
    before = image.value
    box.children[0].children[1].value = 9  # seed 1: 8 -> 9
    assert image.value != before
    assert image.value == view.picture(7, 9, 0.5)
    bundle = view._repr_mimebundle_()
    assert bundle["text/html"].count("data:image/jpeg;base64,") == 15 + 1  # frames + first shown


def test_walk_grid_rows_start_and_end_at_their_codes(G):
    starts, ends = lt.codes_for_seeds([1, 2], NZ), lt.codes_for_seeds([3, 4], NZ)
    grid = lt.walk_grid(G, starts, ends, 5, CTX)
    assert grid.shape == (10, 64, 64, 3)
    assert np.abs(grid[[0, 5, 4, 9]].astype(int)
                  - training.sample(G, np.concatenate([starts, ends]), CTX).astype(int)).max() <= 1


PROBS = np.array([  # smiling, glasses, dark_hair
    [0.9, 0.9, 0.5], [0.8, 0.95, 0.5], [0.99, 0.1, 0.5],
    [0.1, 0.9, 0.5], [0.2, 0.99, 0.5], [0.05, 0.05, 0.5], [0.6, 0.6, 0.5]])


def test_concept_score_multiplies_wanted_and_unwanted_probabilities():
    score = lt.concept_score(PROBS, {"smiling": True, "glasses": False})
    assert np.allclose(score, PROBS[:, 0] * (1 - PROBS[:, 1]))


def test_exemplars_are_the_samples_the_classifier_scores_highest():
    concept = {"smiling": True, "glasses": True}
    picks = lt.exemplars(PROBS, concept, k=3)
    assert picks.tolist() == [0, 1, 6]  # 0.81, 0.76, 0.36
    score = lt.concept_score(PROBS, concept)
    assert score[picks].min() >= np.delete(score, picks).max()
    assert lt.exemplars(PROBS, {"smiling": False, "glasses": True}, k=2).tolist() == [3, 4]  # 0.81, 0.79


def test_arithmetic_on_averaged_exemplar_codes_is_exact():
    codes = np.random.default_rng(0).standard_normal((7, 100))
    concepts = [{"smiling": True, "glasses": True}, {"smiling": False, "glasses": True},
                {"smiling": False, "glasses": False}]
    picks, means = lt.mean_codes(codes, PROBS, concepts, k=2)
    assert [p.tolist() for p in picks] == [[0, 1], [3, 4], [5, 6]]
    assert np.array_equal(means[0], (codes[0] + codes[1]) / 2)
    result = lt.arithmetic(*means)
    assert np.allclose(result, (codes[0] + codes[1]) / 2 - (codes[3] + codes[4]) / 2
                       + (codes[5] + codes[6]) / 2)


def test_exemplars_are_picked_for_what_their_average_shows():
    # Glasses when a code's first number is above 0. The four surest samples of the
    # concept are 3, 4, 6, 1 (PROBS); the two surest average to -0.5, no glasses; of
    # the six pairs only 3 and 6 average above 0.
    codes = np.zeros((7, 100))
    codes[[3, 4, 6, 1], 0] = [2.0, -3.0, -1.0, -4.0]

    def judge(z):
        probs = np.full((len(z), len(lt.LABELS)), 0.5)
        probs[:, lt.LABELS.index("glasses")] = (z[:, 0] > 0).astype(float)
        return probs

    concept = {"smiling": False, "glasses": True}
    assert lt.exemplars(PROBS, concept, k=4).tolist() == [3, 4, 6, 1]
    assert judge(codes[[3, 4]].mean(axis=0, keepdims=True))[0, lt.LABELS.index("glasses")] == 0
    picks = lt.exemplars_whose_average_shows(codes, PROBS, concept, judge, k=2, candidates=4)
    assert picks.tolist() == [3, 6]
    _, means = lt.mean_codes(codes, PROBS, [concept], k=2, judge=judge)
    assert judge(means)[0, lt.LABELS.index("glasses")] == 1


def test_concept_names_read_as_words():
    assert lt.concept_name({"smiling": False, "glasses": True}) == "neutral, glasses"
    assert lt.concept_name({"dark_hair": True, "glasses": False}) == "dark hair, no glasses"


def test_jitter_keeps_the_code_first_and_adds_small_noise():
    z = np.ones(100, np.float32)
    near = lt.jitter(z, 5, scale=0.25, seed=1)
    assert near.shape == (5, 100) and np.array_equal(near[0], z)
    assert 0.2 < (near[1:] - z).std() < 0.3
    assert np.array_equal(near, lt.jitter(z, 5, scale=0.25, seed=1))


def test_direction_is_the_difference_of_the_two_groups_mean_codes():
    rng = np.random.default_rng(0)
    codes = rng.standard_normal((200, 100))
    smiling = rng.random(200) < 0.4
    probs = np.zeros((200, 3))
    probs[:, 0] = np.where(smiling, 0.8, 0.3)
    d = lt.direction(codes, probs, "smiling")
    assert np.allclose(d, codes[smiling].mean(0) - codes[~smiling].mean(0))
    # Everyone called smiling: the top and bottom quarters by score stand in.
    probs[:, 0] = np.linspace(0.6, 0.99, 200)
    yes, no = lt.groups(probs, "smiling")
    assert yes.sum() == no.sum() == 50 and yes[150:].all() and no[:50].all()
    assert np.allclose(lt.direction(codes, probs, "smiling"), codes[150:].mean(0) - codes[:50].mean(0))


def test_along_moves_the_code_by_the_given_amounts():
    z, d = np.zeros(4), np.array([1.0, 0, 0, 2])
    assert lt.along(z, d, [-1, 0, 0.5]).tolist() == [[-1, 0, 0, -2], [0, 0, 0, 0], [0.5, 0, 0, 1]]


def test_direction_captions_show_the_step_and_the_score():
    assert lt.direction_captions([-1.0, 0.5, 0.375, -0.0001], [0.1234, 0.9, 0.5, 0.0]) == [
        "step -1: P(smiling) = 0.12", "step +0.5: P(smiling) = 0.90",
        "step +0.375: P(smiling) = 0.50", "step +0: P(smiling) = 0.00"]


def test_direction_slider_scores_are_the_classifiers_on_the_frames(G):
    net = attributes.new_net(attributes.Settings(n_train=1, n_test=1, epochs=1, width=4), CTX)
    z = lt.codes_for_seeds([5], NZ)[0]
    d = lt.codes_for_seeds([6], NZ)[0]
    amounts = np.linspace(-2, 2, 9)
    images, scores = lt.direction_frames(G, net, z, d, amounts, CTX)
    assert np.allclose(scores, attributes.predict(net, images, CTX)[:, 0])
    slider = lt.direction_slider(images, amounts, scores)
    assert len(slider.frames) == 9 and slider.captions[4] == f"step +0: P(smiling) = {scores[4]:.2f}"
