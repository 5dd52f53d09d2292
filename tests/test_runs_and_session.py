import dataclasses

import mxnet as mx
import numpy as np
import pytest

from utils import data, device, profiles, session
from utils.cache import RETRAIN_ENV
from utils.data import faces
from utils.gan import checkpoints, runs, training

TINY = dataclasses.replace(profiles.PROFILES["quick"], num_images=64, batch_size=32, epochs=1)


@pytest.fixture
def cache(tmp_path, monkeypatch):
    monkeypatch.setenv("GANBOOK_CACHE", str(tmp_path))
    monkeypatch.delenv(RETRAIN_ENV, raising=False)
    return tmp_path


def _run(profile, images, fixed):
    G, D = training.build_networks(profile, mx.cpu())
    batches = data.Batches(images, profile.batch_size)
    return G, runs.train_or_reuse(G, D, batches, profile, mx.cpu(), fixed, images)


def test_a_finished_run_is_reused_with_identical_weights(cache, capsys):
    images, _ = faces.make_faces(TINY.num_images)
    fixed = np.zeros((2, TINY.nz), np.float32)
    G1, h1 = _run(TINY, images, fixed)
    first = capsys.readouterr().out
    assert "Trained in" in first and "epoch  1/1" in first
    G2, h2 = _run(TINY, images, fixed)
    second = capsys.readouterr().out
    assert "Reusing the finished run" in second
    assert "epoch  1/1" in second, "the reused run's training log is shown again"
    assert np.array_equal(h1["stats"], h2["stats"])
    z = np.ones((1, TINY.nz), np.float32)
    assert np.array_equal(training.sample(G1, z, mx.cpu()), training.sample(G2, z, mx.cpu()))


def test_other_settings_or_data_mean_another_run(cache):
    images, _ = faces.make_faces(TINY.num_images)
    fixed = np.zeros((2, TINY.nz), np.float32)
    G, D = training.build_networks(TINY, mx.cpu())
    key = runs.run_key(TINY, images, fixed, G, D)
    assert runs.run_key(dataclasses.replace(TINY, lr_g=1e-3), images, fixed, G, D) != key
    assert runs.run_key(TINY, images[::-1].copy(), fixed, G, D) != key
    assert runs.run_key(TINY, images, fixed + 1, G, D) != key
    wider, _ = training.build_networks(dataclasses.replace(TINY, ngf=16), mx.cpu())
    assert runs.run_key(TINY, images, fixed, wider, D) != key, "another architecture"


def test_a_repeat_with_another_seed_trains_on_the_same_images(cache, capsys):
    G0, _, h0 = runs.trained_networks(TINY, mx.cpu(), show_log=False)
    _, _, same = runs.trained_networks(TINY, mx.cpu(), show_log=False, seed=TINY.seed)
    assert same["folder"] == h0["folder"] and "Reusing" in capsys.readouterr().out
    G1, _, h1 = runs.trained_networks(TINY, mx.cpu(), show_log=False, seed=TINY.seed + 1)
    assert h1["folder"] != h0["folder"]
    saved = [checkpoints.read(h["folder"] / checkpoints.CHECKPOINT)[1] for h in (h0, h1)]
    assert saved[0]["data"] == saved[1]["data"], "the same training images"
    assert saved[1]["settings"]["seed"] == TINY.seed + 1
    z = np.ones((1, TINY.nz), np.float32)
    assert not np.array_equal(training.sample(G0, z, mx.cpu()), training.sample(G1, z, mx.cpu()))


def test_retrain_variable_forces_training(cache, capsys, monkeypatch):
    images, _ = faces.make_faces(TINY.num_images)
    fixed = np.zeros((2, TINY.nz), np.float32)
    _run(TINY, images, fixed)
    monkeypatch.setenv(RETRAIN_ENV, "1")
    capsys.readouterr()
    _run(TINY, images, fixed)
    assert "Trained in" in capsys.readouterr().out


def test_an_interrupted_run_is_not_reused_but_continued(cache, capsys):
    # A checkpoint without run.json is a run that stopped early: the next call
    # resumes it instead of reusing it as finished.
    images, _ = faces.make_faces(TINY.num_images)
    fixed = np.zeros((2, TINY.nz), np.float32)
    _run(TINY, images, fixed)
    folder = runs.run_folder(TINY, images, fixed, *training.build_networks(TINY, mx.cpu()))
    (folder / runs.DONE).unlink()
    capsys.readouterr()
    _run(TINY, images, fixed)
    out = capsys.readouterr().out
    assert "Resuming from" in out and "Reusing" not in out and (folder / runs.DONE).exists()


def test_cpu_fallback_says_why():
    ctx, message = device.choose_context()
    assert ctx == mx.cpu()  # the CPU build of MXNet sees no GPU
    assert "no GPU visible" in message and "threads" in message
    assert device.choose_context(use_gpu=False)[1].endswith("(GPU not requested)")


def test_start_prints_profile_and_device(monkeypatch, capsys):
    monkeypatch.setenv(profiles.ENV_VAR, "quick")
    profile, ctx = session.start()
    out = capsys.readouterr().out
    assert profile.name == "quick" and out.startswith("Profile: quick") and "computes on cpu(0)" in out


def test_a_command_line_run_loads_for_measuring(tmp_path):
    # What chapter 4's exercises do: train with `python -m utils.train`, then runs.load.
    from utils.train import main
    assert main(["--profile", "quick", "--epochs", "1", "--num-images", "64", "--out", str(tmp_path)]) == 0
    G, D = training.build_networks(profiles.PROFILES["quick"], mx.cpu(), seed=5)
    history = runs.load(tmp_path, G, D)
    assert len(history["epoch_samples"]) == 1
    z = training.fixed_noise(profiles.PROFILES["quick"])
    assert np.array_equal(training.sample(G, z, mx.cpu()), history["epoch_samples"][0])
