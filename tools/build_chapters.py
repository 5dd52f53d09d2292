"""Write each chapter's English and Chinese notebooks from its one source, and
execute the chapters whose code, or the package code they import, changed.

    python tools/build_chapters.py              # every chapter
    python tools/build_chapters.py 02_dcgan     # only this one (names or paths)
    python tools/build_chapters.py --all        # execute every chapter, changed or not
    python tools/build_chapters.py --check      # change nothing; exit 1 if a notebook
                                                # differs from what its source gives, or
                                                # holds outputs of other package code

A chapter is written once, in ``chapters/source/NN_name.md`` (jupytext's MyST
markdown): its code cells once, its prose blocks marked ``+++ {"lang": "en"}`` or
``+++ {"lang": "zh"}``. From it come ``chapters/en/NN_name.ipynb`` and
``chapters/zh/NN_name.ipynb``: the same code cells, each edition's prose, and the
Colab set-up cell (tools/first_cell.py) under the title.

When a chapter's code cells are the ones its stored notebooks were executed with,
and so is the code of every package module they import (tools/package_code.py;
comments and docstrings do not count, except in the functions a chapter lists with
show_source, whose stored listings must be their source now), only the prose is
rewritten and the outputs are kept. Otherwise the chapter runs once, top to bottom,
in a fresh kernel with the profile from GANBOOK_PROFILE (``default`` unless set),
and both editions get the outputs: their code is the same.

Two more things come from a source:
- ``{{name}}`` in its prose becomes the value a code cell glued under that name
  (utils.display.glue), so a number in the text is the one in the outputs;
- the code cells tagged ``save`` are written, in order, to the package module that
  EXPORTS names: the package runs the very code the chapter shows.
"""
from __future__ import annotations

import argparse
import hashlib
import json
import os
import re
import sys
import tempfile
import time
from pathlib import Path

import jupytext
import nbformat
from jupyter_client.manager import KernelManager
from nbclient import NotebookClient

sys.path.insert(0, str(Path(__file__).resolve().parent))
import first_cell  # noqa: E402  (the Colab set-up cell)
import package_code  # noqa: E402  (which package modules a chapter runs)

ROOT = Path(__file__).resolve().parents[1]
SOURCES = ROOT / "chapters" / "source"
LANGS = ("en", "zh")
NBFORMAT_MINOR = 5
SAVE_TAG = "save"
EXPORTS = {"01_gan_intro": "utils/gan/gan_intro.py", "02_dcgan": "utils/gan/dcgan.py"}
PLACEHOLDER = re.compile(r"\{\{\s*([A-Za-z_][A-Za-z0-9_]*)\s*\}\}")

sys.path.insert(0, str(ROOT))
from utils.display.glue import glued  # noqa: E402


def sources() -> list[Path]:
    return sorted(SOURCES.glob("*.md"))


def notebook_path(source: Path, lang: str) -> Path:
    return ROOT / "chapters" / lang / f"{source.stem}.ipynb"


def code_hash(nb) -> str:
    """sha256 of the notebook's code cells (source and tags), in order."""
    code = [(c.source, c.metadata.get("tags", [])) for c in nb.cells if c.cell_type == "code"]
    return hashlib.sha256(json.dumps(code).encode()).hexdigest()


def package_digests(nb) -> dict:
    """package_code.digests of the package modules the chapter's own code cells import
    (the Colab cell's set-up runs only on Colab)."""
    code = [c.source for c in nb.cells if c.cell_type == "code" and c.get("id") != first_cell.CELL_ID]
    return package_code.digests(code, ROOT)


def stale_listings(nb) -> list[str]:
    """The package functions and classes whose listing in nb's outputs (show_source)
    is not their source now. The package digests leave docstrings out, but a listing
    shows them."""
    stale = []
    for cell in nb.cells:
        for out in cell.get("outputs", []):
            text = out.get("data", {}).get("text/plain", "")
            first = text.partition("\n")[0]
            if first.startswith(f"# {package_code.PACKAGE}.") and " " not in first[2:]:
                if package_code.current_listing(first[2:]) != text:
                    stale.append(first[2:])
    return stale


def stale_package_code(nb) -> str:
    """"" when the package code that nb's chapter imports is the code its outputs were
    made with, and every listing it shows is current; otherwise what changed, in words."""
    recorded = nb.metadata.get("gan_book", {}).get("package_code")
    if recorded is None:
        return "no record of the package code its outputs came from"
    changed = package_code.changed(recorded, package_digests(nb))
    if changed:
        return f"package code it imports changed: {', '.join(changed)}"
    listings = stale_listings(nb)
    return f"the source it lists changed: {', '.join(listings)}" if listings else ""


# --- From the source to the two editions --------------------------------------------

def read_source(source: Path):
    nb = jupytext.read(source, fmt="md:myst")
    for cell in nb.cells:
        lang = cell.metadata.get("lang")
        if cell.cell_type == "markdown" and lang not in LANGS:
            raise ValueError(f"{source.name}: every prose block needs +++ {{\"lang\": \"en\"}} "
                             f"or +++ {{\"lang\": \"zh\"}} before it; this one has {lang!r}:\n"
                             f"{cell.source[:200]}")
        if cell.cell_type == "code" and lang:
            raise ValueError(f"{source.name}: a code cell belongs to both editions; "
                             f"remove its lang ({lang!r}):\n{cell.source[:200]}")
    return nb


def _clean_metadata(cell) -> dict:
    meta = {k: v for k, v in cell.metadata.items() if k != "lang"}
    return meta


def edition(source_nb, lang: str):
    """The notebook of one language, unexecuted, with the Colab cell under its title.
    Cell ids are fixed by position, so rebuilding gives the same file."""
    cells = []
    for cell in source_nb.cells:
        if cell.cell_type == "markdown" and cell.metadata["lang"] != lang:
            continue
        if cell.cell_type == "markdown":
            new = nbformat.v4.new_markdown_cell(cell.source, metadata=_clean_metadata(cell))
        else:
            new = nbformat.v4.new_code_cell(cell.source, metadata=_clean_metadata(cell))
        cells.append(new)
    at = 1 if cells and cells[0].cell_type == "markdown" else 0  # right under the title
    cells.insert(at, nbformat.v4.new_code_cell(first_cell.FIRST_CELL,
                                                metadata={"tags": list(first_cell.TAGS)}))
    for i, cell in enumerate(cells):
        cell.id = f"{cell.cell_type[:2]}-{i:03d}" if i != at else first_cell.CELL_ID
    nb = nbformat.v4.new_notebook(cells=cells, metadata={
        "kernelspec": {"display_name": "Python 3", "language": "python", "name": "python3"},
        "language_info": {"name": "python"}})
    nb.nbformat_minor = NBFORMAT_MINOR
    return nb


# --- Glued numbers and saved cells -------------------------------------------------

def fill(nb, values: dict) -> None:
    """Put glued values into the prose of nb (in place); an unknown name is an error."""
    missing = set()
    for cell in nb.cells:
        if cell.cell_type == "markdown":
            def value(match):
                if match[1] not in values:
                    missing.add(match[1])
                    return match[0]
                return values[match[1]]
            cell.source = PLACEHOLDER.sub(value, cell.source)
    if missing:
        raise ValueError(f"the prose quotes {{{{{', '.join(sorted(missing))}}}}}, but no code cell "
                         "glues a value under that name (utils.display.glue)")


def exported(source: Path, source_nb=None) -> tuple[Path, str] | None:
    """(module path, its text) for a chapter whose cells tagged `save` go to the package."""
    if source.stem not in EXPORTS:
        return None
    source_nb = source_nb or read_source(source)
    cells = [c.source.strip() for c in source_nb.cells
             if c.cell_type == "code" and SAVE_TAG in c.metadata.get("tags", [])]
    header = (f'"""Generated from chapters/source/{source.name} by tools/build_chapters.py: '
              f'the chapter\'s\ncode cells tagged "{SAVE_TAG}". Edit the chapter, not this file '
              '(tests/test_notebooks.py\ncompares the two)."""\n')
    return ROOT / EXPORTS[source.stem], header + "\n\n\n".join(cells) + "\n"


def _shape(nb) -> list:
    """What the source decides about a notebook: each cell's type, text and tags."""
    return [(c.cell_type, c.source, c.metadata.get("tags", [])) for c in nb.cells]


def differences(built, stored) -> list[str]:
    """Human-readable differences between the cells a source gives and a stored notebook."""
    a, b = _shape(built), _shape(stored)
    if a == b:
        return []
    out = [f"{len(b)} cells stored, {len(a)} from the source"] if len(a) != len(b) else []
    for i, (x, y) in enumerate(zip(a, b)):
        if x != y:
            what = "tags" if x[:2] == y[:2] else "text"
            out.append(f"cell {i} ({x[0]}): {what} differs; source: {x[1][:60]!r}, "
                       f"notebook: {y[1][:60]!r}")
            break
    return out


def built_like(source_nb, lang: str, stored):
    """The edition the source gives, with the glued values of `stored` in its prose:
    what `stored` must be when it is up to date."""
    nb = edition(source_nb, lang)
    fill(nb, glued(stored))
    return nb


def keep_outputs(built, stored) -> bool:
    """Copy the stored outputs into `built` when its code, and the package code it
    imports, are what they were made by."""
    meta = stored.metadata.get("gan_book", {})
    if meta.get("code_sha256") != code_hash(built) or code_hash(stored) != code_hash(built) \
            or stale_package_code(stored):
        return False
    stored_code = [c for c in stored.cells if c.cell_type == "code"]
    for cell, old in zip((c for c in built.cells if c.cell_type == "code"), stored_code):
        cell.outputs, cell.execution_count = old.outputs, old.execution_count
    built.metadata["gan_book"] = meta
    return True


# --- Executing ------------------------------------------------------------------------

class _Client(NotebookClient):
    """nbclient that says which cell it runs and echoes the cells' printed text (the
    training's epoch lines) as it arrives."""

    def __init__(self, nb, **kw):
        super().__init__(nb, **kw)
        self._code = [i for i, c in enumerate(nb.cells) if c.cell_type == "code"]
        self.on_cell_start = self._started

    def _started(self, cell, cell_index):
        if cell.cell_type != "code":
            return
        n = self._code.index(cell_index) + 1
        first = next((line for line in cell.source.splitlines() if line.strip()), "")
        print(f"    cell {n:2d}/{len(self._code)}  {first[:70]}", flush=True)

    def output(self, outs, msg, display_id, cell_index):
        if msg["msg_type"] == "stream":
            for line in msg["content"]["text"].splitlines():
                if line.strip():
                    print(f"        | {line}", flush=True)
        return super().output(outs, msg, display_id, cell_index)


def execute(nb, folder: Path, profile: str) -> float:
    """Run nb in place in a fresh kernel whose working directory is `folder`."""
    start, language_info = time.time(), dict(nb.metadata.get("language_info", {}))
    # The kernel talks over local sockets (IPC), not TCP: nothing to encrypt, nothing
    # for the kernel to warn about.
    with tempfile.TemporaryDirectory() as sockets:
        class IpcKernelManager(KernelManager):
            def __init__(self, **kw):
                super().__init__(transport="ipc", ip=str(Path(sockets) / "kernel"), **kw)

        # Widget state is not stored: the book shows the self-contained HTML version of
        # each slider, and stored state would make the book fetch a widget manager.
        _Client(nb, kernel_manager_class=IpcKernelManager, timeout=None, kernel_name="python3",
                record_timing=False,  # timestamps in every cell would make each rebuild a diff
                store_widget_state=False, resources={"metadata": {"path": str(folder)}}).execute()
    seconds = time.time() - start
    # The kernel fills in its own language_info (its Python version among it): keep the
    # edition's, so that rebuilding a notebook leaves it as it is.
    nb.metadata["language_info"] = language_info
    nb.metadata["gan_book"] = {"profile": profile, "code_sha256": code_hash(nb),
                               "package_code": package_digests(nb), "seconds": round(seconds)}
    return seconds


def _copy_outputs(source_nb, target_nb) -> None:
    code = [c for c in source_nb.cells if c.cell_type == "code"]
    for cell, done in zip((c for c in target_nb.cells if c.cell_type == "code"), code):
        cell.outputs, cell.execution_count = done.outputs, done.execution_count
    target_nb.metadata["gan_book"] = dict(source_nb.metadata["gan_book"])


# --- The command ------------------------------------------------------------------

def why_execute(built, stored: dict, force: bool) -> str:
    """Why a chapter runs again (for the log)."""
    if force:
        return "asked to (--all)"
    if len(stored) < len(LANGS):
        return "a notebook is missing"
    if stored["en"].metadata.get("gan_book", {}).get("code_sha256") != code_hash(built):
        return "its code changed"
    return stale_package_code(stored["en"])


def build(source: Path, force: bool, profile: str) -> tuple[str, float]:
    """Write both editions of one chapter. Returns (what happened, seconds executing)."""
    src = read_source(source)
    built = {lang: edition(src, lang) for lang in LANGS}
    stored = {lang: nbformat.read(notebook_path(source, lang), as_version=4)
              for lang in LANGS if notebook_path(source, lang).exists()}
    export = exported(source, src)
    if export and (not export[0].exists() or export[0].read_text() != export[1]):
        export[0].write_text(export[1])  # before executing: the chapter may import it
        print(f"  wrote {export[0].relative_to(ROOT)}", flush=True)
    kept = not force and len(stored) == len(LANGS) and all(
        keep_outputs(built[lang], stored[lang]) for lang in LANGS)
    seconds = 0.0
    if kept:
        for lang in LANGS:
            fill(built[lang], glued(stored[lang]))
        what = "prose rewritten, outputs kept" if any(
            differences(built[lang], stored[lang]) for lang in LANGS) else "unchanged"
    else:
        n_code = sum(c.cell_type == "code" for c in built["en"].cells)
        print(f"  executing ({n_code} code cells, profile {profile}): {why_execute(built['en'], stored, force)}",
              flush=True)
        seconds = execute(built["en"], notebook_path(source, "en").parent, profile)
        _copy_outputs(built["en"], built["zh"])
        what = f"executed in {seconds / 60:.1f} min"
    values = glued(built["en"])
    for lang in LANGS:
        fill(built[lang], values)
        nbformat.validate(built[lang])
        nbformat.write(built[lang], notebook_path(source, lang))
    return what, seconds


def check(paths: list[Path]) -> int:
    bad = 0
    for source in paths:
        src = read_source(source)
        export = exported(source, src)
        if export and (not export[0].exists() or export[0].read_text() != export[1]):
            print(f"{export[0].relative_to(ROOT)} differs from the cells of {source.name} "
                  f"tagged {SAVE_TAG!r}")
            bad += 1
        for lang in LANGS:
            path = notebook_path(source, lang)
            if not path.exists():
                print(f"{path.relative_to(ROOT)}: missing"); bad += 1
                continue
            stored = nbformat.read(path, as_version=4)
            diff = differences(built_like(src, lang, stored), stored)
            if diff:
                print(f"{path.relative_to(ROOT)} differs from {source.relative_to(ROOT)}: "
                      + "; ".join(diff))
                bad += 1
            stale = stale_package_code(stored)
            if stale:
                print(f"{path.relative_to(ROOT)}: {stale}")
                bad += 1
    if bad:
        print("Edit the source, not the notebook, then run: python tools/build_chapters.py "
              "(it runs again the chapters whose code or package code changed)")
    return 1 if bad else 0


def _pick(names: list[str]) -> list[Path]:
    if not names:
        return sources()
    picked = []
    for name in names:
        stem = Path(name).stem
        path = SOURCES / f"{stem}.md"
        if not path.exists():
            known = ", ".join(p.stem for p in sources())
            raise SystemExit(f"No chapter source {path.relative_to(ROOT)}. Chapters: {known}.")
        picked.append(path)
    return picked


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("chapters", nargs="*", help="chapter names, e.g. 02_dcgan (default: all)")
    parser.add_argument("--all", action="store_true", help="execute even unchanged chapters")
    parser.add_argument("--check", action="store_true",
                        help="only compare the notebooks with their sources")
    args = parser.parse_args(argv)
    paths = _pick(args.chapters)
    if args.check:
        return check(paths)
    # No progress bars in stored outputs: a bar is a widget (tqdm.auto) whose state is
    # not stored, so the book would show its Python repr. The epoch lines stay.
    os.environ["TQDM_DISABLE"] = "1"
    profile = os.environ.setdefault("GANBOOK_PROFILE", "default")
    times = []
    for i, source in enumerate(paths, 1):
        print(f"[{i}/{len(paths)}] {source.stem}", flush=True)
        what, seconds = build(source, args.all, profile)
        print(f"  {what}", flush=True)
        times.append((source.stem, what))
    print("\nChapters:")
    for stem, what in times:
        print(f"  {stem:20s} {what}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
