"""Cache keys change when results would, and only then."""
import importlib.util
import inspect

import mxnet as mx
import numpy as np
import pytest

from utils import cache, profiles
from utils.data import faces
from utils.gan import dcgan, runs, training

TINY = profiles.PROFILES["quick"]


def _module_from(tmp_path, name: str, source: str):
    """A module holding `source` (a copy of utils/gan/dcgan.py, perhaps edited)."""
    path = tmp_path / f"{name}.py"
    path.write_text(source)
    spec = importlib.util.spec_from_file_location(name, path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.fixture(scope="module")
def inputs():
    images, _ = faces.make_faces(64)
    fixed = np.zeros((2, TINY.nz), np.float32)
    G, D = dcgan.new_networks(TINY.ngf, TINY.ndf, TINY.nz, mx.cpu())
    return images, fixed, G, D


def test_the_step_actually_used_is_in_the_key(tmp_path, inputs):
    """The step handed to the engine and the functions it calls (d_loss here) are in
    the key; comments and docstrings are not."""
    step = inspect.getsource(dcgan)
    assert "nd.ones_like(out_real) * real_label" in step
    key = runs.run_key(TINY, *inputs)

    same = _module_from(tmp_path, "same", step).train_step
    assert runs.run_key(TINY, *inputs, step=same) == key

    reworded = step.replace('"""One D update, then one G update', '"""Reworded docstring.\n    One D update') \
                   .replace("    with autograd.record():\n        fake = G(z)", "    # a new comment\n    with autograd.record():\n        fake = G(z)")
    assert reworded != step
    assert runs.run_key(TINY, *inputs, step=_module_from(tmp_path, "reworded", reworded).train_step) == key

    one_char = step.replace("nd.ones_like(out_real) * real_label", "nd.ones_like(out_real) / real_label")
    assert runs.run_key(TINY, *inputs, step=_module_from(tmp_path, "one_char", one_char).train_step) != key


def test_a_function_defined_in_a_notebook_cell_has_a_fingerprint():
    from IPython.core.interactiveshell import InteractiveShell
    shell = InteractiveShell.instance()
    shell.run_cell('def step(x):\n    """Doubles."""\n    return 2 * x  # twice\n')
    doubled = cache.normalised_source(shell.user_ns["step"])
    shell.run_cell("def step(x):\n    return 2 * x\n")
    assert cache.normalised_source(shell.user_ns["step"]) == doubled
    shell.run_cell("def step(x):\n    return 3 * x\n")
    assert cache.normalised_source(shell.user_ns["step"]) != doubled


def test_reuse_or_make_makes_once_then_reuses_unless_asked_to_retrain(tmp_path, monkeypatch):
    monkeypatch.delenv(cache.RETRAIN_ENV, raising=False)
    made = []

    def make(folder):
        made.append(folder)
        (folder / "done").write_text("x")
        return "made"

    assert cache.reuse_or_make(tmp_path / "a", "done", lambda f: "loaded", make) == ("made", False)
    assert cache.reuse_or_make(tmp_path / "a", "done", lambda f: "loaded", make) == ("loaded", True)
    monkeypatch.setenv(cache.RETRAIN_ENV, "1")
    assert cache.reuse_or_make(tmp_path / "a", "done", lambda f: "loaded", make) == ("made", False)
    assert len(made) == 2
    monkeypatch.setenv(cache.RETRAIN_ENV, "0")
    assert cache.reuse_or_make(tmp_path / "a", "done", lambda f: "loaded", make)[1]


def test_other_starting_weights_mean_another_run(inputs):
    images, fixed, G, D = inputs
    G2, D2 = dcgan.new_networks(TINY.ngf, TINY.ndf, TINY.nz, mx.cpu(), seed=1)
    assert runs.run_key(TINY, images, fixed, G2, D) != runs.run_key(TINY, images, fixed, G, D)


def test_the_engines_speed_ups_do_not_change_the_key(inputs):
    images, fixed, G, D = inputs
    fast_G, fast_D = training.build_networks(TINY, mx.cpu())  # the same seed, sped up
    assert runs.run_key(TINY, images, fixed, fast_G, fast_D) == runs.run_key(TINY, images, fixed, G, D)
