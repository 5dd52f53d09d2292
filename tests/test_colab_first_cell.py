"""The first cell of every chapter (tools/first_cell.py), run for real.

The cell's text runs with plain exec in a real venv holding numpy 2.1.3 (Colab's)
and nothing else of the book. "Colab" is a stand-in google.colab package on
PYTHONPATH, and pip installs only from a local folder of wheels (PIP_NO_INDEX,
PIP_FIND_LINKS): MXNet 1.9.1 and a wheel of this book's package, named by
GANBOOK_PACKAGE_SPEC in place of the repository URL. PIP_LOG records every pip run,
so the tests can tell when pip ran. This machine has no NVIDIA driver, so the cell
takes the CPU build; the CUDA path is tested in test_colab_setup.py.
"""
from __future__ import annotations

import json
import os
import re
import sys
import time
from pathlib import Path

import nbformat
import pytest
import yaml

from test_colab_setup import MXNET_AND_DEPS, ROOT, make_venv, make_wheel, pip_settings, run

sys.path.insert(0, str(ROOT / "tools"))
import first_cell  # noqa: E402

CHAPTER = ROOT / "chapters" / "en" / "02_dcgan.ipynb"
# Colab's kernel has numpy loaded before the first cell runs.
RUN_CELL = "import numpy, sys; exec(open(sys.argv[1]).read())"


def book_wheel(folder: Path) -> Path:
    """A wheel of this book's helper package, as pip would build it from the repository."""
    files = {p.relative_to(ROOT).as_posix(): p.read_bytes()
             for p in sorted((ROOT / "utils").rglob("*.py"))}
    return make_wheel(folder, "gan-book", "0.1.0", files)


@pytest.fixture(scope="module")
def cell_env(tmp_path_factory):
    """Everything a run of the cell needs; the runs themselves happen in `runs`."""
    base = tmp_path_factory.mktemp("first-cell")
    wheels, standin, home, work = (base / n for n in ("wheels", "standin", "home", "work"))
    for folder in (wheels, standin / "google" / "colab", home, work):
        folder.mkdir(parents=True)
    (standin / "google" / "__init__.py").write_text("")
    (standin / "google" / "colab" / "__init__.py").write_text('"""Stand-in for Colab."""\n')
    got = run([sys.executable, "-m", "pip", "download", "--quiet", "--no-deps",
               "--dest", str(wheels), "mxnet==1.9.1"])
    assert got.returncode == 0, f"could not fetch the MXNet 1.9.1 wheel:\n{got.stderr}"
    python = make_venv(base / "venv", [d for d in MXNET_AND_DEPS if d != "mxnet"])
    got = run([str(python), "-m", "pip", "install", "--quiet", "numpy==2.1.3"])
    assert got.returncode == 0, f"could not install numpy 2.1.3:\n{got.stderr}"
    cell = base / "cell.py"
    cell.write_text(first_cell.FIRST_CELL)
    env = {**os.environ, **pip_settings(wheels), "HOME": str(home),
           "PIP_LOG": str(base / "pip.log"),
           "GANBOOK_PACKAGE_SPEC": str(book_wheel(wheels))}
    return {"base": base, "python": python, "cell": cell, "env": env, "standin": standin,
            "work": work, "pip_log": base / "pip.log",
            "marker": home / ".cache" / "gan-book" / "colab" / "installed.json"}


def run_cell(setup, on_colab: bool):
    env = dict(setup["env"])
    env.pop("PYTHONPATH", None)
    if on_colab:
        env["PYTHONPATH"] = str(setup["standin"])
    start = time.perf_counter()
    done = run([str(setup["python"]), "-c", RUN_CELL, str(setup["cell"])],
               cwd=setup["work"], env=env, timeout=300)
    pip_log = setup["pip_log"].read_text() if setup["pip_log"].exists() else ""
    return done, time.perf_counter() - start, pip_log


def venv_version(setup, dist: str) -> str | None:
    code = ("import importlib.metadata as m, sys\ntry: print(m.version(sys.argv[1]))\n"
            "except m.PackageNotFoundError: print('none')")
    return run([str(setup["python"]), "-c", code, dist]).stdout.strip()


@pytest.fixture(scope="module")
def runs(cell_env):
    """Outside Colab, then on "Colab" twice, in this order, in one venv."""
    results = {"outside": run_cell(cell_env, on_colab=False)}
    results["mxnet_outside"] = venv_version(cell_env, "mxnet")
    results["first"] = run_cell(cell_env, on_colab=True)
    results["numpy_first"] = venv_version(cell_env, "numpy")
    results["book_first"] = venv_version(cell_env, "gan-book")
    results["second"] = run_cell(cell_env, on_colab=True)
    return results


@pytest.mark.network
def test_outside_colab_the_cell_prints_nothing_and_installs_nothing(cell_env, runs):
    done, _, pip_log = runs["outside"]
    assert (done.returncode, done.stdout, done.stderr) == (0, "", "")
    assert pip_log == "", "pip ran"
    assert runs["mxnet_outside"] == "none"


@pytest.mark.network
def test_on_colab_the_first_run_installs_in_two_lines_without_a_restart(cell_env, runs):
    done, _, pip_log = runs["first"]
    assert done.returncode == 0, f"{done.stdout}\n{done.stderr}"
    lines = done.stdout.strip().splitlines()
    assert len(lines) == 2, lines
    assert lines[0].startswith("This runtime has no GPU (no NVIDIA driver), so MXNet's CPU build")
    assert lines[0].endswith("Installing mxnet 1.9.1 (about 50 MB, once per runtime) ...")
    assert lines[1].startswith("MXNet 1.9.1 (CPU build, package mxnet) computes on cpu(0)")
    assert runs["numpy_first"] == "2.1.3", "numpy is the runtime's, not downgraded"
    assert runs["book_first"] == "0.1.0"
    assert pip_log.count("Using pip ") == 2  # the book's package, then MXNet
    assert "Successfully installed gan-book-0.1.0" in pip_log
    assert "Successfully installed mxnet-1.9.1" in pip_log
    marker = json.loads(cell_env["marker"].read_text())
    assert marker["build"] == "cpu"


@pytest.mark.network
def test_on_colab_the_second_run_skips_mxnet_and_says_so(runs):
    done, seconds, pip_log = runs["second"]
    assert done.returncode == 0, done.stderr
    assert "mxnet" not in pip_log[len(runs["first"][2]):].lower(), "MXNet was installed again"
    lines = done.stdout.strip().splitlines()
    assert lines[0] == "MXNet 1.9.1 (CPU build) is already installed in this runtime."
    assert lines[1].startswith("MXNet 1.9.1 (CPU build, package mxnet) computes on cpu(0)")
    print(f"second run: {seconds:.1f} s (mostly pip checking the book's package, and MXNet's import)")


@pytest.mark.network
def test_when_pip_fails_the_cell_says_what_to_do(cell_env):
    setup = dict(cell_env, env={**cell_env["env"], "GANBOOK_PACKAGE_SPEC": "gan-book-nowhere==9"})
    done, _, _ = run_cell(setup, on_colab=True)
    assert done.returncode == 0
    assert done.stdout.strip() == ("pip failed (see above): check that the runtime is online, "
                                   "then run this cell again.")
    assert "Traceback" not in done.stderr


def test_the_cell_is_at_most_six_lines_of_code_and_starts_with_its_marker():
    lines = first_cell.FIRST_CELL.splitlines()
    assert lines[0] == first_cell.MARKER
    code = [line for line in lines if line.strip() and not line.strip().startswith("#")]
    assert len(code) <= 6 and max(map(len, lines)) <= 100
    compile(first_cell.FIRST_CELL, "<first cell>", "exec")
    assert "!pip" not in first_cell.FIRST_CELL and "%pip" not in first_cell.FIRST_CELL


def repo_url_of_cell() -> str:
    url = re.search(r'"git\+(https://[^"]+)"', first_cell.FIRST_CELL)
    assert url, "the first cell names the repository as git+https://..."
    return url[1]


def test_the_cell_and_the_book_config_name_the_same_repository():
    config = yaml.safe_load((ROOT / "_config.yml").read_text(encoding="utf-8"))
    assert repo_url_of_cell() == config["repository"]["url"]
    assert first_cell.FIRST_CELL.count(config["repository"]["url"]) == 1  # said once
    assert config["launch_buttons"]["colab_url"] == "https://colab.research.google.com"
    assert config["launch_buttons"]["binderhub_url"] == "https://mybinder.org"


def code_cells(nb):
    return [c for c in nb.cells if c.cell_type == "code"]


def test_every_chapter_starts_with_the_first_cell():
    """The build tool puts it under each chapter's title, in both languages."""
    chapters = sorted(ROOT.glob("chapters/*/*.ipynb"))
    assert chapters
    missing = [str(p.relative_to(ROOT)) for p in chapters
               if code_cells(nbformat.read(p, as_version=4))[0].source != first_cell.FIRST_CELL]
    assert not missing, f"run: python tools/build_chapters.py ({' '.join(missing)})"
    for path in chapters:  # hidden in the HTML book, kept in the notebooks
        assert code_cells(nbformat.read(path, as_version=4))[0].metadata["tags"] == ["remove-cell"]
