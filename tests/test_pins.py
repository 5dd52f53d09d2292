"""environment.yml (conda, Binder) and pyproject.toml must pin the same packages."""
import re
import tomllib

import yaml


def _pins(lines):
    return {re.split("==", l)[0].lower(): l.split("==")[1] for l in lines if "==" in l}


def test_environment_and_pyproject_pin_the_same_versions(root):
    project = tomllib.loads((root / "pyproject.toml").read_text())["project"]
    py = project["dependencies"] + [d for extra in project["optional-dependencies"].values() for d in extra]
    env = yaml.safe_load((root / "environment.yml").read_text())
    pip_section = next(d["pip"] for d in env["dependencies"] if isinstance(d, dict))
    assert _pins(pip_section) == _pins(py)
    assert all("==" in d for d in py), "every dependency is pinned"
