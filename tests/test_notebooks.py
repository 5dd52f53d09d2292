"""The stored notebooks: twins in both languages, outputs made by the current code."""
import json
import sys

import nbformat
import pytest

from conftest import ROOT

sys.path.insert(0, str(ROOT / "tools"))
from execute_chapters import code_hash  # noqa: E402

EN = sorted((ROOT / "chapters" / "en").glob("*.ipynb"))
ZH = sorted((ROOT / "chapters" / "zh").glob("*.ipynb"))
ALL = EN + ZH


def _read(path):
    return nbformat.read(path, as_version=4)


def _code(nb):
    return [c for c in nb.cells if c.cell_type == "code"]


def test_there_are_chapters_in_both_languages():
    assert EN and [p.name for p in EN] == [p.name for p in ZH]


@pytest.mark.parametrize("en", EN, ids=lambda p: p.name)
def test_zh_and_en_run_identical_code(en):
    zh = ROOT / "chapters" / "zh" / en.name
    assert [c.source for c in _code(_read(en))] == [c.source for c in _code(_read(zh))]


@pytest.mark.parametrize("path", ALL, ids=lambda p: f"{p.parent.name}/{p.name}")
def test_stored_outputs_come_from_the_current_code_in_the_default_profile(path):
    nb = _read(path)
    meta = nb.metadata.get("gan_book", {})
    assert meta.get("code_sha256") == code_hash(nb), (
        f"{path} was edited after it was executed: run `python tools/execute_chapters.py {path}`")
    assert meta.get("profile") == "default"
    for cell in _code(nb):
        assert cell.execution_count is not None, f"unexecuted cell: {cell.source[:60]!r}"
        assert not [o for o in cell.outputs if o.output_type == "error"]


@pytest.mark.parametrize("path", ALL, ids=lambda p: f"{p.parent.name}/{p.name}")
def test_outputs_are_light_and_clean(path):
    assert path.stat().st_size < 3 * 2**20, "keep stored outputs under 3 MB"
    text = json.dumps([c.get("outputs", []) for c in _read(path).cells])
    assert "Glyph" not in text and "missing from current font" not in text
    assert "Traceback" not in text


@pytest.mark.parametrize("path", ALL, ids=lambda p: f"{p.parent.name}/{p.name}")
def test_every_ignored_output_says_why(path):
    for cell in _code(_read(path)):
        if "nbval-ignore-output" in cell.metadata.get("tags", []):
            assert cell.source.lstrip().startswith("#"), (
                f"a cell whose output is not compared starts with a comment saying why: "
                f"{cell.source[:60]!r}")
