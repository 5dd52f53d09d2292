"""The first code cell of every chapter, and the tool that puts it there.

    python tools/first_cell.py chapters/*/*.ipynb

The cell makes a chapter run on Google Colab, where neither MXNet nor this book's
helper package is installed. Everywhere else it does nothing and prints nothing,
so nbval sees the same (empty) output on every run. It is the same in every chapter
and in both languages (tests/test_notebooks.py compares the code of the twins).

The tool inserts the cell under the chapter's title (before its first code cell),
or replaces the first code cell when it already starts with MARKER, and leaves every
other cell as it is. After changing a chapter, re-execute it: tools/execute_chapters.py.
"""
from __future__ import annotations

import sys
from pathlib import Path

import nbformat
from nbformat.corpus.words import generate_corpus_id

MARKER = "# Colab set-up (runs only on Google Colab; does nothing elsewhere)"

# REPO_URL is written out in full: on Colab the cell runs before the repository is
# there. It must equal _config.yml's repository.url (tests/test_colab_first_cell.py).
FIRST_CELL = f'''{MARKER}
import importlib, os, subprocess, sys

REPO_URL = "https://github.com/gan-book/gan-book"

try:
    import google.colab  # noqa: F401  (only Colab has this module)
    ON_COLAB = True
except ImportError:
    ON_COLAB = False

if ON_COLAB:
    try:  # the book's helper package, if an earlier run of this cell installed it
        from utils import colab
    except ImportError:  # --no-deps: it only needs what Colab has, and MXNet (next)
        package = os.environ.get("GANBOOK_PACKAGE_SPEC", f"git+{{REPO_URL}}")
        subprocess.run([sys.executable, "-m", "pip", "install", "-q", "--no-deps", package],
                       check=True)
        importlib.invalidate_caches()  # so that Python sees the package pip just added
        from utils import colab
    # Installs MXNet (on a GPU also CUDA 11) once per runtime, restarts Python if numpy
    # had to change, then says whether MXNet computes on the GPU or the CPU.
    colab.setup_colab()'''

CELL_ID = "colab-setup"  # the same in every chapter; ids need only be unique per notebook


def first_code_index(nb) -> int | None:
    return next((i for i, c in enumerate(nb.cells) if c.cell_type == "code"), None)


def new_cell(nb):
    """The set-up cell, with an id when the notebook's format has ids (4.5 and later)."""
    cell = nbformat.v4.new_code_cell(FIRST_CELL)
    cell.pop("id", None)
    if (nb.nbformat, nb.nbformat_minor) >= (4, 5):
        taken = {c.get("id") for c in nb.cells}
        cell.id = CELL_ID if CELL_ID not in taken else generate_corpus_id()
    return cell


def put_first_cell(nb) -> str:
    """Insert or refresh the set-up cell in nb (in place); say which ("inserted",
    "replaced" or "unchanged")."""
    index = first_code_index(nb)
    if index is not None and nb.cells[index].source.startswith(MARKER):
        old = nb.cells[index]
        if old.source == FIRST_CELL:
            return "unchanged"
        old.source, old.outputs, old.execution_count = FIRST_CELL, [], None
        return "replaced"
    # Right under the chapter's title (the first cell, markdown), so a Colab reader
    # meets it before any section; in any case before the first code cell.
    at = len(nb.cells) if index is None else index
    if nb.cells and nb.cells[0].cell_type == "markdown":
        at = min(at, 1)
    nb.cells.insert(at, new_cell(nb))
    return "inserted"


def update(path: Path) -> str:
    nb = nbformat.read(path, as_version=4)
    what = put_first_cell(nb)
    if what != "unchanged":
        nbformat.validate(nb)
        nbformat.write(nb, path)
    return what


def main(paths: list[str]) -> int:
    if not paths:
        print(__doc__.strip().splitlines()[2].strip())
        return 2
    for path in paths:
        print(f"{update(Path(path)):>9}  {path}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
