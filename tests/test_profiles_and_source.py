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


def test_profiles_keep_the_paper_settings_that_define_dcgan():
    for p in profiles.PROFILES.values():
        assert (p.lr, p.beta1, p.nz) == (2e-4, 0.5, 100)
    full = profiles.PROFILES["full"]
    assert (full.ngf, full.ndf, full.batch_size, full.data) == (64, 64, 128, "lfw")


def test_shown_source_is_the_running_code():
    src = show.show_source(dcgan.train_step)
    assert repr(src).splitlines()[0] == "# utils.gan.dcgan.train_step"
    assert inspect.getsource(dcgan.train_step).rstrip() in repr(src)
    assert src._repr_markdown_().startswith("```python\n")
