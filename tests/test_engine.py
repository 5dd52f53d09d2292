"""The training engine: resuming, atomic checkpoints, stopping, NaN, the command line."""
import contextlib
import dataclasses
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import mxnet as mx
import numpy as np
import pytest

from utils import data, profiles
from utils.data import faces
from utils.gan import checkpoints, dcgan, monitor, training

TINY = dataclasses.replace(profiles.PROFILES["quick"], num_images=96, batch_size=32, epochs=2)
IMAGES = faces.make_faces(TINY.num_images, seed=0)[0]
FIXED = training.fixed_noise(TINY, 4)
ROOT = Path(__file__).resolve().parents[1]


def _train(profile, out, ctx=None, log=None):
    ctx = ctx or mx.cpu()
    G, D = training.build_networks(profile, ctx, seed=profile.seed)
    batches = data.Batches(IMAGES, profile.batch_size, seed=profile.seed)
    history = training.train(G, D, batches, profile, ctx, FIXED, out=out,
                             log=log if log is not None else (lambda line: None))
    return G, history


def test_freezing_d_in_gs_step_changes_nothing_but_the_work(monkeypatch):
    # The G step skips D's weight gradients (frozen): the updates must be identical.
    results = []
    for freeze in (True, False):
        if not freeze:
            monkeypatch.setattr(dcgan, "frozen", lambda net: contextlib.nullcontext())
        G, D = training.build_networks(TINY, mx.cpu(), seed=0)
        tg, td = training.build_trainers(G, D, TINY)
        real = mx.nd.array(data.to_float(IMAGES[:8]))
        mx.random.seed(1)
        z = mx.nd.random.normal(0, 1, (8, TINY.nz, 1, 1))
        stats = [dcgan.train_step(G, D, tg, td, real, z).asnumpy() for _ in range(2)]
        results.append((stats, training.sample(G, FIXED, mx.cpu())))
    assert np.array_equal(results[0][0], results[1][0])
    assert np.array_equal(results[0][1], results[1][1])
    assert all(p.grad_req == "write" for name, p in D.collect_params().items() if "weight" in name)


def test_resuming_at_an_epoch_end_repeats_the_uninterrupted_run(tmp_path):
    _, straight = _train(TINY, tmp_path / "a")
    _train(dataclasses.replace(TINY, epochs=1), tmp_path / "b")  # stops after epoch 1
    lines = []
    G, resumed = _train(TINY, tmp_path / "b", log=lines.append)
    assert any("Resuming from" in line and "epoch 2" in line for line in lines)
    assert np.array_equal(straight["stats"], resumed["stats"])
    assert np.array_equal(straight["epoch_samples"], resumed["epoch_samples"])
    assert len(resumed["log"]) == 2
    assert sorted(p.name for p in (tmp_path / "b" / "samples").iterdir()) == \
        ["epoch_001.png", "epoch_002.png"]
    assert (tmp_path / "b" / "curves.png").stat().st_size > 1000


def test_a_checkpoint_from_other_settings_is_refused_naming_the_difference(tmp_path):
    _train(dataclasses.replace(TINY, epochs=1), tmp_path)
    with pytest.raises(checkpoints.CheckpointError, match=r"lr_g: checkpoint 0.0002, now 0.001"):
        _train(dataclasses.replace(TINY, lr_g=1e-3), tmp_path)
    with pytest.raises(checkpoints.CheckpointError, match=r"ngf: checkpoint 8, now 16"):
        _train(dataclasses.replace(TINY, ngf=16), tmp_path)


def test_a_checkpoint_for_another_architecture_is_refused(tmp_path):
    _train(dataclasses.replace(TINY, epochs=1), tmp_path)
    arrays, _ = checkpoints.read(tmp_path / checkpoints.CHECKPOINT)
    wider, _ = training.build_networks(dataclasses.replace(TINY, ngf=16), mx.cpu())
    with pytest.raises(checkpoints.CheckpointError, match=r"G's parameter 0.weight has shape"):
        checkpoints.load_weights(tmp_path, "G", wider, arrays)


@pytest.mark.parametrize("content", [b"", b"not a zip file", b"PK\x03\x04 truncated"])
def test_a_corrupt_checkpoint_gives_a_clear_error(tmp_path, content):
    (tmp_path / checkpoints.CHECKPOINT).write_bytes(content)
    with pytest.raises(checkpoints.CheckpointError, match="not a readable checkpoint.*Move it away"):
        _train(TINY, tmp_path)


def test_sigterm_stops_after_a_whole_step_and_the_run_resumes(tmp_path):
    profile = dataclasses.replace(TINY, epochs=3)
    def terminate_once(line):  # SIGTERM arrives after epoch 1, as from `kill`
        if "epoch  1/3" in line:
            os.kill(os.getpid(), signal.SIGTERM)
    with pytest.raises(monitor.Interrupted, match="checkpoint is saved"):
        _train(profile, tmp_path, log=terminate_once)
    _, meta = checkpoints.read(tmp_path / checkpoints.CHECKPOINT)
    # It finished the step it was in (the first of epoch 2), then saved.
    assert (meta["epoch"], meta["batch"], meta["iteration"]) == (1, 1, 4)
    assert signal.getsignal(signal.SIGTERM) == signal.SIG_DFL, "handlers are restored"
    _, history = _train(profile, tmp_path)
    assert history["stats"].shape == (9, 5) and history["epoch_samples"].shape[0] == 3


def test_nan_stops_training_with_advice_and_writes_no_checkpoint(tmp_path):
    broken = dataclasses.replace(TINY, instance_noise=float("inf"))  # D sees inf: NaN losses
    with pytest.raises(FloatingPointError, match="lower learning rate"):
        _train(broken, tmp_path)
    assert not (tmp_path / checkpoints.CHECKPOINT).exists()


def test_two_cpu_contexts_train_data_parallel(tmp_path):
    G, history = _train(TINY, tmp_path, ctx=[mx.cpu(0), mx.cpu(1)])
    assert history["stats"].shape == (6, 5) and np.isfinite(history["stats"]).all()
    weights = G.collect_params()["G_conv0_weight"].list_data()
    assert len(weights) == 2 and np.array_equal(weights[0].asnumpy(), weights[1].asnumpy())


def test_collapse_warning_needs_a_drop_in_diversity():
    varied, same = IMAGES[:16], np.repeat(IMAGES[:1], 16, axis=0)
    # Sixteen faces 85% the same: alike (warn), but not one picture (stop).
    few = (0.85 * IMAGES[:1].astype(float) + 0.15 * IMAGES[:16]).astype(np.uint8)
    assert 0.1 <= monitor.quality.diversity(few, IMAGES, max_real=256) < 0.25
    said = []
    assert not monitor.check_collapse([same], IMAGES, said.append)  # a start, not a collapse
    assert monitor.check_collapse([varied, few], IMAGES, said.append)
    assert len(said) == 1 and "collapsing" in said[0]


def test_a_collapse_to_one_picture_stops_the_run():
    varied, same = IMAGES[:16], np.repeat(IMAGES[:1], 16, axis=0)
    with pytest.raises(monitor.Diverged, match="collapsed to nearly one picture"):
        monitor.check_collapse([varied, same], IMAGES)


def _cli(*args, env=None, **kw):
    return subprocess.Popen([sys.executable, "-m", "utils.train", "--profile", "quick",
                             "--num-images", "96", *args], cwd=ROOT, env={**os.environ, **(env or {})},
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, **kw)


def test_command_line_help_explains_each_option():
    out = subprocess.run([sys.executable, "-m", "utils.train", "--help"], cwd=ROOT,
                         capture_output=True, text=True, check=True).stdout
    for option in ("--data", "--epochs", "--batch-size", "--out", "--resume", "--seed", "--devices"):
        assert option in out


def test_kill_9_while_writing_a_checkpoint_then_resume(tmp_path):
    out = tmp_path / "run"
    first = _cli("--epochs", "1", "--out", str(out))
    assert first.wait(120) == 0, first.stdout.read()
    # Resume for a second epoch, made slow to write its checkpoint, and kill -9 it
    # while the temporary file exists.
    slow = _cli("--epochs", "2", "--resume", "--out", str(out),
                env={checkpoints.SLOW_WRITE_ENV: "60"})
    deadline = time.time() + 120
    while not list(out.glob("checkpoint.npz.*.tmp")) and time.time() < deadline:
        time.sleep(0.05)
    assert list(out.glob("checkpoint.npz.*.tmp")), "the second checkpoint write never started"
    slow.kill()
    assert slow.wait(30) == -signal.SIGKILL
    _, meta = checkpoints.read(out / checkpoints.CHECKPOINT)
    assert meta["epoch"] == 1, "the previous good checkpoint is still in place"
    again = _cli("--epochs", "2", "--resume", "--out", str(out))
    text = again.communicate(timeout=120)[0]
    assert again.returncode == 0, text
    assert "Resuming from" in text and "epoch  2/2" in text
    _, meta = checkpoints.read(out / checkpoints.CHECKPOINT)
    assert meta["epoch"] == 2 and not list(out.glob("*.tmp"))
    assert (out / "samples" / "epoch_002.png").exists()


def test_command_line_refuses_to_overwrite_a_run_without_resume(tmp_path):
    first = _cli("--epochs", "1", "--out", str(tmp_path))
    assert first.wait(120) == 0
    again = _cli("--epochs", "1", "--out", str(tmp_path))
    assert again.wait(60) != 0 and "Add --resume" in again.stdout.read()


def test_tqdm_disable_turns_the_bar_off(monkeypatch):
    # tools/build_chapters.py sets it so stored notebooks hold no bar widget.
    monkeypatch.setenv("TQDM_DISABLE", "1")
    with monitor.progress(3) as bar:
        assert bar.tqdm.disable
    monkeypatch.setenv("TQDM_DISABLE", "0")
    with monitor.progress(3) as bar:
        assert not bar.tqdm.disable


def test_the_weights_of_each_epoch_are_kept_and_reproduce_its_samples(tmp_path):
    G, history = _train(TINY, tmp_path)
    saved = checkpoints.epoch_weights(tmp_path)
    assert [epoch for epoch, _, _ in saved] == [1, 2]
    assert 0 < saved[0][1] < saved[1][1] == pytest.approx(history["seconds"])
    again, _ = training.build_networks(TINY, mx.cpu(), seed=99)
    checkpoints.load_weights(tmp_path, "G", again, saved[0][2])
    assert np.array_equal(training.sample(again, FIXED, mx.cpu()), history["epoch_samples"][0])


# --- The moving average of G's weights (profile.ema) ------------------------------

AVERAGED = dataclasses.replace(TINY, ema=0.9)


def test_the_average_moves_by_the_decay_and_leaves_running_statistics_alone():
    G, _ = training.build_networks(TINY, mx.cpu(), seed=0)
    G_avg, _ = training.build_networks(TINY, mx.cpu(), seed=1)
    before = {k: p.data().asnumpy() for k, p in G_avg.collect_params().items()}
    now = {k: p.data().asnumpy() for k, p in G.collect_params().items()}
    dcgan.update_average(G_avg, G, 0.75)
    for (k, p), new in zip(G_avg.collect_params().items(), now.values()):
        expected = before[k] if "running" in k else 0.75 * before[k] + 0.25 * new
        np.testing.assert_allclose(p.data().asnumpy(), expected, rtol=1e-6, atol=1e-8)
    assert any("running" in k for k in before), "G has batch-norm statistics to leave alone"


def test_the_decay_is_short_at_first_then_the_profiles():
    assert dcgan.average_decay(0.999, 0) == pytest.approx(0.1)
    assert dcgan.average_decay(0.999, 90) == pytest.approx(0.91)
    assert dcgan.average_decay(0.999, 10**6) == 0.999


def test_refreshed_statistics_are_those_of_the_current_weights():
    # After an average, the running statistics belong to other weights; refreshed,
    # G's output (from running statistics) matches its output from batch statistics.
    G, _ = training.build_networks(TINY, mx.cpu(), seed=0)
    mx.random.seed(3)
    for name, p in G.collect_params().items():
        if "weight" in name:
            p.set_data(p.data() * 3)  # statistics now far off
    z = mx.nd.random.normal(0, 1, (256, TINY.nz, 1, 1))
    with mx.autograd.train_mode():
        from_batch = G(z).asnumpy()
    stale = np.abs(G(z).asnumpy() - from_batch).mean()
    dcgan.refresh_batch_stats(G, TINY.nz, mx.cpu(), rounds=40, batch=256)
    fresh = np.abs(G(z).asnumpy() - from_batch).mean()
    assert fresh < 0.2 * stale, (stale, fresh)  # measured: 0.17 -> 0.02


def test_with_an_average_g_ends_as_the_average_and_the_samples_are_its(tmp_path):
    G, history = _train(AVERAGED, tmp_path)
    arrays, _ = checkpoints.read(tmp_path / checkpoints.CHECKPOINT)
    raw, avg = (training.build_networks(AVERAGED, mx.cpu(), seed=9)[0] for _ in range(2))
    checkpoints.load_weights(tmp_path, "G", raw, arrays)
    checkpoints.load_weights(tmp_path, "G_avg", avg, arrays)
    last = history["epoch_samples"][-1]
    assert np.array_equal(training.sample(G, FIXED, mx.cpu()), last)
    assert np.array_equal(training.sample(avg, FIXED, mx.cpu()), last)
    assert not np.array_equal(training.sample(raw, FIXED, mx.cpu()), last)
    epoch_2 = checkpoints.epoch_weights(tmp_path)[-1][2]
    assert all(np.array_equal(epoch_2[f"G/{k}"], p.data().asnumpy())
               for k, p in checkpoints._weights(avg).items())  # noqa: SLF001


def test_with_an_average_resuming_repeats_the_uninterrupted_run(tmp_path):
    G1, straight = _train(AVERAGED, tmp_path / "a")
    _train(dataclasses.replace(AVERAGED, epochs=1), tmp_path / "b")
    G2, resumed = _train(AVERAGED, tmp_path / "b")
    assert np.array_equal(straight["stats"], resumed["stats"])
    assert np.array_equal(straight["epoch_samples"], resumed["epoch_samples"])
