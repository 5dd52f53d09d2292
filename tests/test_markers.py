"""A test that needs a missing tool is skipped with what to install, or fails under CI."""
import os
import subprocess
import sys

from conftest import ROOT

NEEDS_BROWSER = '''
import pytest

@pytest.mark.browser
def test_needs_a_browser():
    pass
'''


def _pytest(tmp_path, ci: str | None):
    (tmp_path / "test_needs.py").write_text(NEEDS_BROWSER)
    (tmp_path / "conftest.py").write_text((ROOT / "tests" / "conftest.py").read_text())
    bare = tmp_path / "bin"  # a PATH without Chromium
    bare.mkdir(exist_ok=True)
    env = {k: v for k, v in os.environ.items() if k not in ("CI", "GANBOOK_CHROMIUM")}
    env["PATH"] = str(bare)
    if ci:
        env["CI"] = ci
    return subprocess.run([sys.executable, "-m", "pytest", "-rs", "-p", "no:cacheprovider",
                           "-o", "markers=browser", str(tmp_path)], cwd=tmp_path, env=env,
                          capture_output=True, text=True, timeout=120)


def test_without_chromium_a_browser_test_is_skipped_with_what_to_install(tmp_path):
    done = _pytest(tmp_path, ci=None)
    assert done.returncode == 0, done.stdout
    assert "1 skipped" in done.stdout
    assert "Chromium is not installed: run `make browser-deps`" in done.stdout


def test_under_ci_a_missing_browser_fails_the_run(tmp_path):
    done = _pytest(tmp_path, ci="true")
    assert done.returncode == 1, done.stdout
    assert "1 error" in done.stdout or "1 failed" in done.stdout
    assert "tests are not skipped in CI" in done.stdout
