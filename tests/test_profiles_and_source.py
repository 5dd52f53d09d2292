import inspect

import pytest

from utils import profiles
from utils.display import show
from utils.gan import dcgan


def test_profile_comes_from_the_environment(monkeypatch):
    monkeypatch.setenv(profiles.ENV_VAR, "quick")
    assert profiles.current_profile().name == "quick"
    monkeypatch.delenv(profiles.ENV_VAR)
    assert profiles.current_profile().name == "default"


def test_unknown_profile_names_the_choices(monkeypatch):
    monkeypatch.setenv(profiles.ENV_VAR, "fast")
    with pytest.raises(ValueError, match="'fast' is not a profile. Use one of: quick, default, full"):
        profiles.current_profile()


def test_the_full_profile_keeps_the_papers_settings():
    full = profiles.PROFILES["full"]
    assert (full.lr_g, full.lr_d, full.beta1, full.nz) == (2e-4, 2e-4, 0.5, 100)
    assert (full.ngf, full.ndf, full.batch_size, full.data) == (64, 64, 128, "lfw")
    assert (full.ema, full.real_label, full.instance_noise, full.flip, full.grain) == \
        (0.0, 1.0, 0.0, False, 0.0)


def test_every_profile_keeps_the_papers_adam_momentum():
    for p in profiles.PROFILES.values():
        assert p.beta1 == 0.5


def test_the_earlier_recipe_is_the_papers_apart_from_the_sizes():
    for p in profiles.PROFILES.values():
        before = profiles.earlier_recipe(p)
        assert (before.lr_g, before.lr_d, before.ema, before.grain, before.nz) == \
            (2e-4, 2e-4, 0.0, 0.0, 100)
        assert (before.ngf, before.ndf, before.seed) == (p.ngf, p.ndf, p.seed)
    before = profiles.earlier_recipe(profiles.PROFILES["default"])
    assert (before.batch_size, before.epochs) == (64, 12)


def test_shown_source_is_the_running_code():
    src = show.show_source(dcgan.train_step)
    assert repr(src).splitlines()[0] == "# utils.gan.dcgan.train_step"
    assert inspect.getsource(dcgan.train_step).rstrip() in repr(src)
    assert src._repr_markdown_().startswith("```python\n")
