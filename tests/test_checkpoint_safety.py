"""Checkpoints hold data, never code; resumes match; divergence stops a run."""
import dataclasses
import json
import pickle
import re
import subprocess
import sys

import mxnet as mx
import nbformat
import numpy as np
import pytest

from conftest import ROOT
from utils import profiles, train
from utils.data import Batches, faces
from utils.errors import GanBookError, SettingsError
from utils.gan import checkpoints, monitor, runs, training

TINY = dataclasses.replace(profiles.PROFILES["quick"], num_images=96, batch_size=32, epochs=2)
IMAGES = faces.make_faces(TINY.num_images, seed=0)[0]
FIXED = training.fixed_noise(TINY, 4)


class Payload:
    """Unpickling this writes a file: proof that code ran."""

    def __init__(self, marker):
        self.marker = str(marker)

    def __reduce__(self):
        return (open, (self.marker, "w"))


def _train(profile, out, ctx=None):
    ctx = ctx or mx.cpu()
    G, D = training.build_networks(profile, ctx, seed=profile.seed)
    batches = Batches(IMAGES, profile.batch_size, seed=profile.seed)
    return G, D, training.train(G, D, batches, profile, ctx, FIXED, out=out, log=lambda line: None)


def _entries(path):
    with np.load(path) as f:
        return {k: f[k] for k in f.files}


def test_an_entry_holding_a_pickle_is_refused_and_never_run(tmp_path):
    _train(dataclasses.replace(TINY, epochs=1), tmp_path)
    path = tmp_path / checkpoints.CHECKPOINT
    marker = tmp_path / "code-ran"
    arrays = _entries(path)
    arrays["opt_g/0/0"] = np.array([Payload(marker)], dtype=object)  # pickled on save
    np.savez(path, **arrays)
    for attempt in (lambda: checkpoints.read(path),
                    lambda: _train(TINY, tmp_path),
                    lambda: train.main(["--profile", "quick", "--num-images", "96", "--epochs", "2",
                                        "--batch-size", "32", "--out", str(tmp_path), "--resume"])):
        try:
            result = attempt()
        except checkpoints.CheckpointError as err:
            assert "not a readable checkpoint" in str(err) and "allow_pickle" in str(err)
        else:
            assert result == 1  # the command line says so in one line
        assert not marker.exists(), "the pickle was loaded"


def _as_format_1(path, payload):
    """The layout of format 1: optimiser states as pickled bytes (here: a payload)."""
    arrays = {k: v for k, v in _entries(path).items() if not k.startswith("opt_")}
    meta = json.loads(arrays["meta"].tobytes())
    meta["format"] = 1
    del meta["optimizers"]
    arrays["meta"] = np.frombuffer(json.dumps(meta).encode(), np.uint8)
    arrays["trainer_g"] = arrays["trainer_d"] = np.frombuffer(pickle.dumps(payload), np.uint8)
    np.savez(path, **arrays)


def test_an_old_checkpoint_is_not_resumed_but_its_finished_run_is_reused(tmp_path, monkeypatch):
    monkeypatch.setenv("GANBOOK_CACHE", str(tmp_path / "cache"))
    G, D, history = _train(dataclasses.replace(TINY, epochs=1), tmp_path / "run")
    marker = tmp_path / "code-ran"
    _as_format_1(tmp_path / "run" / checkpoints.CHECKPOINT, Payload(marker))

    with pytest.raises(checkpoints.CheckpointError, match=r"older checkpoint \(format 1\).*cannot be "
                                                           r"resumed: start the run again"):
        _train(TINY, tmp_path / "run")
    assert not marker.exists()

    # As a finished cached run: only the weights are read, and they are the run's.
    (tmp_path / "run" / runs.DONE).write_text(json.dumps({"seconds": 1.0, "finished": "then"}))
    G2, D2 = training.build_networks(TINY, mx.cpu(), seed=123)
    runs.load(tmp_path / "run", G2, D2)
    assert not marker.exists()
    z = np.ones((2, TINY.nz), np.float32)
    assert np.array_equal(training.sample(G, z, mx.cpu()), training.sample(G2, z, mx.cpu()))


@pytest.mark.parametrize("ctx", [[mx.cpu(0)], [mx.cpu(0), mx.cpu(1)]], ids=["cpu", "two cpu contexts"])
def test_a_resumed_run_matches_the_uninterrupted_one(tmp_path, ctx):
    _, _, straight = _train(TINY, tmp_path / "a", ctx)
    _train(dataclasses.replace(TINY, epochs=1), tmp_path / "b", ctx)  # stops after epoch 1
    arrays, meta = checkpoints.read(tmp_path / "b" / checkpoints.CHECKPOINT)
    assert meta["optimizers"]["g"]["num_update"] == 3 and any(k.startswith("opt_d/") for k in arrays)
    _, _, resumed = _train(TINY, tmp_path / "b", ctx)
    # float32 tolerance: the same arithmetic, up to the order of a few sums
    np.testing.assert_allclose(resumed["stats"], straight["stats"], rtol=1e-5, atol=1e-6)
    pixels = np.abs(resumed["epoch_samples"].astype(int) - straight["epoch_samples"].astype(int))
    assert pixels.max() <= 1 and pixels.mean() < 0.01  # a float32 rounding flips a level at most


def test_resuming_on_other_images_names_the_difference(tmp_path):
    _train(dataclasses.replace(TINY, epochs=1), tmp_path)
    other = faces.make_faces(TINY.num_images, seed=5)[0]
    G, D = training.build_networks(TINY, mx.cpu())
    with pytest.raises(checkpoints.CheckpointError) as caught:
        training.train(G, D, Batches(other, TINY.batch_size), TINY, mx.cpu(), FIXED, out=tmp_path,
                       log=lambda line: None)
    assert "was trained on other images (sha256: checkpoint" in str(caught.value)
    assert "Resume with the same data" in str(caught.value)


def test_exploding_losses_stop_the_run_with_advice(tmp_path, monkeypatch, capsys):
    monkeypatch.setenv("GANBOOK_CACHE", str(tmp_path / "cache"))
    code = train.main(["--profile", "quick", "--num-images", "256", "--epochs", "3", "--lr", "1",
                       "--out", str(tmp_path / "run")])
    err = capsys.readouterr().err
    assert code == 1 and "Error: The losses exploded in epoch 1" in err and "lower learning rate" in err
    assert not (tmp_path / "run" / checkpoints.CHECKPOINT).exists()


def test_the_limits_are_far_from_the_stored_default_run():
    """The stored default run's log (chapter 2) never comes near the limits."""
    nb = nbformat.read(ROOT / "chapters" / "en" / "02_dcgan.ipynb", as_version=4)
    text = "\n".join(o.get("text", "") for c in nb.cells if c.cell_type == "code" for o in c.outputs)
    n = profiles.PROFILES["default"].epochs
    epochs = re.findall(rf"epoch +\d+/{n} .*D loss ([\d.]+) +G loss ([\d.]+)", text)
    assert len(epochs) == n
    worst = max(max(float(d), float(g)) for d, g in epochs)
    assert worst * 5 < monitor.LOSS_LIMIT, worst


def test_a_quick_run_is_not_stopped(tmp_path):
    _, _, history = _train(TINY, tmp_path)
    assert len(history["stats"]) == 6


def test_in_a_notebook_an_error_is_one_line(capsys):
    from IPython.core.interactiveshell import InteractiveShell
    shell = InteractiveShell.instance()
    shell.run_cell("from utils.errors import SettingsError\n"
                   "raise SettingsError('GANBOOK_PROFILE=fast is not a profile.')")
    shown = capsys.readouterr()
    text = shown.out + shown.err
    assert "Error: GANBOOK_PROFILE=fast is not a profile." in text
    assert "Traceback" not in text and "raise" not in text


def test_errors_a_reader_can_fix_share_one_class():
    from utils.colab.setup import SetupError
    from utils.data.download import ArchiveError, DownloadError
    from utils.data.imagefolder import UnusableImagesError
    for cls in (SettingsError, checkpoints.CheckpointError, monitor.Diverged, DownloadError,
                ArchiveError, UnusableImagesError, SetupError):
        assert issubclass(cls, GanBookError)


# Fresh networks, called outside autograd.record() with the outputs never read, then
# saved at once: without the wait in checkpoints.weight_arrays, this can crash MXNet.
SAVE_RIGHT_AFTER_A_CALL = """
import sys
import utils
import mxnet as mx
from mxnet import nd
from utils import profiles
from utils.gan import checkpoints, dcgan, training
quick = profiles.PROFILES["quick"]
real = nd.random.uniform(-1, 1, (8, 3, 64, 64))
z = nd.random.normal(0, 1, (8, quick.nz, 1, 1))
for _ in range(200):
    G, D = training.build_networks(quick, mx.cpu())
    trainer_g, trainer_d = training.build_trainers(G, D, quick)
    G(z), D(real)
    checkpoints.save_epoch_weights(sys.argv[1], G, 1, 0.0)
    dcgan.train_step(G, D, trainer_g, trainer_d, real, z).asnumpy()
print("saved 200 times")
"""


def test_saving_right_after_a_call_of_the_networks_does_not_crash(tmp_path):
    proc = subprocess.run([sys.executable, "-c", SAVE_RIGHT_AFTER_A_CALL, str(tmp_path)],
                          cwd=ROOT, capture_output=True, text=True, timeout=600)
    assert proc.returncode == 0 and "saved 200 times" in proc.stdout, proc.stderr[-3000:]
