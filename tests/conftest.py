"""Shared test set-up, and the rule for tests that need something outside Python.

Three markers say what a test needs beyond this package and its pinned
dependencies:

- ``browser``: headless Chromium and a font with Chinese glyphs (`make browser-deps`);
- ``network``: the package index (pip downloads a wheel);
- ``compiler``: gcc, to build small shared libraries.

Where the tool is missing such a test is skipped with a message that says what to
install, except under CI=true, where a missing tool fails the run: CI must test
everything.
"""
import functools
import os
import pathlib
import shutil
import subprocess
import sys

import pytest

import utils  # noqa: F401  (sets MXNet's thread count before mxnet is imported)

ROOT = pathlib.Path(__file__).resolve().parents[1]


@pytest.fixture
def root():
    return ROOT


@functools.lru_cache(maxsize=None)
def _missing(marker: str) -> str | None:
    """Why the tools a marker names are not usable here, or None when they are."""
    if marker == "browser":
        chromium = os.environ.get("GANBOOK_CHROMIUM") or shutil.which("chromium") \
            or shutil.which("chromium-browser") or shutil.which("google-chrome")
        if not chromium:
            return "Chromium is not installed"
        fonts = subprocess.run(["fc-list", ":lang=zh"], capture_output=True, text=True) \
            if shutil.which("fc-list") else None
        if fonts is None or not fonts.stdout.strip():
            return "no font with Chinese glyphs is installed"
        return None
    if marker == "compiler":
        return None if shutil.which("gcc") else "gcc is not installed"
    if marker == "network":
        # Asks pip's configured index, as the tests' own pip commands will.
        probe = subprocess.run([sys.executable, "-m", "pip", "index", "versions", "numpy"],
                               capture_output=True, text=True, timeout=60)
        return None if probe.returncode == 0 else "the package index cannot be reached"
    return None


HOW = {"browser": "run `make browser-deps` (apt-get install chromium fonts-wqy-microhei)",
       "compiler": "install gcc (apt-get install gcc)",
       "network": "connect to the package index that pip uses"}


def pytest_runtest_setup(item):
    for marker in HOW:
        if item.get_closest_marker(marker) is None:
            continue
        why = _missing(marker)
        if why is None:
            continue
        message = f"{why}: {HOW[marker]}"
        if os.environ.get("CI", "").lower() == "true":
            pytest.fail(f"{message} (CI=true: tests are not skipped in CI)", pytrace=False)
        pytest.skip(message)
