"""The stored notebooks: made from their chapter sources, twins in both languages,
with outputs from the current code."""
import copy
import json
import re
import sys

import nbformat
import pytest

from conftest import ROOT

sys.path.insert(0, str(ROOT / "tools"))
import build_chapters as bc  # noqa: E402
from utils.display.glue import GLUE_MIME  # noqa: E402

EN = sorted((ROOT / "chapters" / "en").glob("*.ipynb"))
ZH = sorted((ROOT / "chapters" / "zh").glob("*.ipynb"))
ALL = EN + ZH
SOURCES = bc.sources()
ENDINGS = {"en": ("Summary", "Exercises", "Sources"), "zh": ("小结", "练习", "参考资料")}


def _read(path):
    return nbformat.read(path, as_version=4)


def _code(nb):
    return [c for c in nb.cells if c.cell_type == "code"]


def test_every_chapter_has_a_source_and_both_editions():
    assert SOURCES
    assert [p.stem for p in SOURCES] == [p.stem for p in EN] == [p.stem for p in ZH]


@pytest.mark.parametrize("source", SOURCES, ids=lambda p: p.stem)
@pytest.mark.parametrize("lang", bc.LANGS)
def test_each_notebook_is_what_its_source_gives(source, lang):
    stored = _read(bc.notebook_path(source, lang))
    built = bc.built_like(bc.read_source(source), lang, stored)
    assert bc.differences(built, stored) == [], (
        f"{bc.notebook_path(source, lang).relative_to(ROOT)} does not match "
        f"{source.relative_to(ROOT)}: edit the source, then run python tools/build_chapters.py")


def test_an_edit_made_in_a_notebook_is_caught():
    source = SOURCES[0]
    stored = _read(bc.notebook_path(source, "en"))
    built = bc.built_like(bc.read_source(source), "en", stored)
    assert bc.differences(built, stored) == []
    for kind, edit in (("markdown", lambda c: c.source + " An added sentence."),
                       ("code", lambda c: c.source + "\nx = 1")):
        edited = copy.deepcopy(stored)
        cell = next(c for c in edited.cells[2:] if c.cell_type == kind)
        cell.source = edit(cell)
        found = bc.differences(built, edited)
        assert found and "text differs" in found[0], kind
    edited = copy.deepcopy(stored)
    cell = next(c for c in edited.cells if c.metadata.get("tags"))
    cell.metadata["tags"] = []
    assert "tags differ" in bc.differences(built, edited)[0]


def test_a_prose_edit_keeps_the_outputs_and_a_code_edit_does_not(tmp_path):
    source = SOURCES[0]
    text = source.read_text(encoding="utf-8")
    stored = _read(bc.notebook_path(source, "en"))

    prose = tmp_path / source.name
    prose.write_text(text.replace("\n# A first GAN", "\n# A first GAN, edited", 1), encoding="utf-8")
    built = bc.built_like(bc.read_source(prose), "en", stored)
    assert bc.differences(built, stored), "the edit shows"
    assert bc.keep_outputs(built, stored)
    assert [c.outputs for c in _code(built)] == [c.outputs for c in _code(stored)]

    code_cell = _code(stored)[3].source
    assert code_cell in text
    changed = tmp_path / "changed.md"
    changed.write_text(text.replace(code_cell, code_cell + "\nprint(1)", 1), encoding="utf-8")
    assert not bc.keep_outputs(bc.edition(bc.read_source(changed), "en"), stored)


def test_a_prose_block_without_a_language_is_refused(tmp_path):
    bad = tmp_path / "99_bad.md"
    text = SOURCES[0].read_text(encoding="utf-8")
    bad.write_text(text.replace('+++ {"lang": "zh"}', "+++", 1), encoding="utf-8")
    with pytest.raises(ValueError, match='every prose block needs'):
        bc.read_source(bad)


@pytest.mark.parametrize("en", EN, ids=lambda p: p.name)
def test_zh_and_en_run_identical_code(en):
    zh = ROOT / "chapters" / "zh" / en.name
    assert [c.source for c in _code(_read(en))] == [c.source for c in _code(_read(zh))]


@pytest.mark.parametrize("path", ALL, ids=lambda p: f"{p.parent.name}/{p.name}")
def test_every_chapter_ends_with_summary_exercises_sources(path):
    headings = [line[3:].strip() for c in _read(path).cells if c.cell_type == "markdown"
                for line in c.source.splitlines() if line.startswith("## ")]
    summary, exercises, sources = ENDINGS[path.parent.name]
    assert headings[-1] == sources
    tail = headings[headings.index(summary):]
    assert tail in ([summary, exercises, sources], [summary, sources]), tail


@pytest.mark.parametrize("path", ALL, ids=lambda p: f"{p.parent.name}/{p.name}")
def test_stored_outputs_come_from_the_current_package_code(path):
    stale = bc.stale_package_code(_read(path))
    assert not stale, f"{path}: {stale}. Run python tools/build_chapters.py"


def test_a_package_change_makes_the_chapter_run_again():
    source = SOURCES[0]
    stored = _read(bc.notebook_path(source, "en"))
    built = bc.built_like(bc.read_source(source), "en", stored)
    assert bc.keep_outputs(copy.deepcopy(built), stored)
    recorded = stored.metadata["gan_book"]["package_code"]
    assert "utils/gan/gan_intro.py" in recorded  # the chapter's own saved cells, imported
    edited = copy.deepcopy(stored)
    edited.metadata["gan_book"]["package_code"]["utils/gan/gan_intro.py"] = "0" * 16
    assert not bc.keep_outputs(copy.deepcopy(built), edited)
    assert bc.why_execute(built, {"en": edited, "zh": edited}, force=False) == \
        "package code it imports changed: utils/gan/gan_intro.py"
    del edited.metadata["gan_book"]["package_code"]
    assert not bc.keep_outputs(copy.deepcopy(built), edited)


def test_a_listing_that_is_not_the_current_source_is_caught():
    """The package digests leave docstrings out, but a listing (show_source) shows
    them: a stored listing that differs from the source now makes the chapter run again."""
    source = next(s for s in SOURCES if s.stem == "02_dcgan")
    stored = _read(bc.notebook_path(source, "en"))
    assert bc.stale_listings(stored) == []
    edited = copy.deepcopy(stored)
    listings = [out["data"] for cell in edited.cells for out in cell.get("outputs", [])
                if out.get("data", {}).get("text/plain", "").startswith("# utils.latent.paths.slerp\n")]
    assert len(listings) == 1
    listings[0]["text/plain"] = listings[0]["text/plain"].replace('"""Spherical', '"""Great-circle')
    assert bc.stale_listings(edited) == ["utils.latent.paths.slerp"]
    assert bc.stale_package_code(edited) == "the source it lists changed: utils.latent.paths.slerp"


@pytest.mark.parametrize("path", ALL, ids=lambda p: f"{p.parent.name}/{p.name}")
def test_stored_outputs_come_from_the_current_code_in_the_default_profile(path):
    nb = _read(path)
    meta = nb.metadata.get("gan_book", {})
    assert meta.get("code_sha256") == bc.code_hash(nb), (
        f"{path} holds outputs of other code: run python tools/build_chapters.py")
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
def test_every_ignored_output_says_why_in_its_metadata(path):
    for cell in _code(_read(path)):
        if "nbval-ignore-output" in cell.metadata.get("tags", []):
            why = cell.metadata.get("why", "")
            assert isinstance(why, str) and len(why) > 10, (
                f"a cell whose output is not compared says why in its metadata (:why: ... "
                f"in the source): {cell.source[:60]!r}")


@pytest.mark.parametrize("path", ALL, ids=lambda p: f"{p.parent.name}/{p.name}")
def test_a_cell_that_glues_a_number_is_not_compared_by_nbval(path):
    """Glued numbers depend on the run, so the quick profile's differ from the stored ones."""
    for cell in _code(_read(path)):
        if any(GLUE_MIME in o.get("data", {}) for o in cell.outputs):
            assert "nbval-ignore-output" in cell.metadata.get("tags", []), cell.source[:60]


@pytest.mark.parametrize("path", ALL, ids=lambda p: f"{p.parent.name}/{p.name}")
def test_a_glued_value_is_not_echoed(path):
    """glue() returns its text, so a cell ending in a glue call would also show it as a
    repr ('93%', ('8', '20')) under the cell: end such a cell with a semicolon."""
    for cell in _code(_read(path)):
        glued = {o["data"][GLUE_MIME]["text"] for o in cell.outputs if GLUE_MIME in o.get("data", {})}
        for out in cell.outputs:
            if out.get("output_type") == "execute_result":
                shown = out["data"].get("text/plain", "")
                assert not any(repr(text) in shown for text in glued), (cell.source[-80:], shown)


@pytest.mark.parametrize("path", ALL, ids=lambda p: f"{p.parent.name}/{p.name}")
def test_every_quoted_number_is_filled_in(path):
    text = "\n".join(c.source for c in _read(path).cells if c.cell_type == "markdown")
    assert not bc.PLACEHOLDER.search(text)


@pytest.mark.parametrize("source", SOURCES, ids=lambda p: p.stem)
def test_the_package_holds_the_chapters_saved_cells(source):
    export = bc.exported(source)
    if export is None:
        return
    module, text = export
    assert module.read_text() == text, (
        f"{module.relative_to(ROOT)} differs from the cells of {source.name} tagged "
        f"'save': run python tools/build_chapters.py")
    assert bc.SAVE_TAG in source.read_text() and "def train_step" in text


def test_the_dcgan_chapter_shows_little_package_source():
    cells = _code(_read(ROOT / "chapters" / "en" / "02_dcgan.ipynb"))
    assert sum(c.source.startswith("show_source(") for c in cells) <= 6


@pytest.mark.parametrize("path", [p for p in ALL if not p.stem.startswith("9")],
                         ids=lambda p: f"{p.parent.name}/{p.name}")
def test_every_chapter_has_at_least_four_exercises(path):
    heading = ENDINGS[path.parent.name][1]
    text = "\n".join(c.source for c in _read(path).cells if c.cell_type == "markdown")
    exercises = text.split(f"## {heading}\n", 1)[1].split("\n## ", 1)[0]
    assert len(re.findall(r"^\d+\. ", exercises, flags=re.M)) >= 4
