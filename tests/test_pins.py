"""The pins: environment.yml (conda, Binder) and pyproject.toml agree, and each
Python version gets a numpy that MXNet runs on."""
import re

import pytest
import yaml
from packaging.markers import Marker
from packaging.requirements import Requirement

tomllib = pytest.importorskip("tomllib", reason="tomllib is in Python 3.11 and newer")


def _requirements(root):
    project = tomllib.loads((root / "pyproject.toml").read_text())["project"]
    lines = project["dependencies"] + [d for extra in project["optional-dependencies"].values()
                                       for d in extra]
    return project, [Requirement(line) for line in lines]


def _pins_for(requirements, python: str) -> dict:
    env = {"python_version": python, "python_full_version": python + ".0"}
    return {r.name.lower(): str(r.specifier).removeprefix("==") for r in requirements
            if r.marker is None or r.marker.evaluate(env)}


def test_every_dependency_is_pinned(root):
    _, requirements = _requirements(root)
    assert all(str(r.specifier).startswith("==") for r in requirements)


def test_environment_yml_has_the_pins_of_its_python(root):
    env = yaml.safe_load((root / "environment.yml").read_text())
    python = next(d for d in env["dependencies"] if isinstance(d, str) and d.startswith("python="))
    pip_section = next(d["pip"] for d in env["dependencies"] if isinstance(d, dict))
    env_pins = {re.split("==", line)[0].lower(): line.split("==")[1]
                for line in pip_section if "==" in line}
    _, requirements = _requirements(root)
    assert env_pins == _pins_for(requirements, python.split("=")[1])


def test_numpy_by_python_version(root):
    project, requirements = _requirements(root)
    assert project["requires-python"] == ">=3.10,<3.14"
    assert _pins_for(requirements, "3.10")["numpy"] == "1.23.5"
    assert _pins_for(requirements, "3.11")["numpy"] == "1.23.5"
    for python in ("3.12", "3.13"):  # Colab's numpy; MXNet comes with --no-deps there
        pins = _pins_for(requirements, python)
        assert pins["numpy"] == "2.1.3" and "mxnet" not in pins


def test_make_installs_the_pinned_mxnet_without_deps_on_new_pythons(root):
    _, requirements = _requirements(root)
    makefile = (root / "Makefile").read_text()
    mxnet = _pins_for(requirements, "3.11")["mxnet"]
    assert f"MXNET := mxnet=={mxnet}" in makefile
    assert '--no-deps "$(MXNET)"' in makefile and "sys.version_info >= (3, 12)" in makefile
    assert Marker("python_version < '3.12'").evaluate({"python_version": "3.11"})
