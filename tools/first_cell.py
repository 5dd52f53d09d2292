"""The first code cell of every chapter.

The cell makes a chapter run on Google Colab, where neither MXNet nor this book's
helper package is installed. Everywhere else it does nothing and prints nothing,
so nbval sees the same (empty) output on every run. It is not written in the
chapter sources: tools/build_chapters.py puts it under each notebook's title.
"""
from __future__ import annotations

MARKER = "# Colab set-up (runs only on Google Colab; does nothing elsewhere)"

# The repository is written out in full: on Colab the cell runs before the repository
# is there. It must equal _config.yml's repository.url (tests/test_colab_first_cell.py).
# GANBOOK_PACKAGE_SPEC replaces it in tests (a wheel or folder of this checkout).
# On Colab the cell prints two lines (what was installed, where MXNet computes);
# utils.colab.setup_colab does the work.
FIRST_CELL = f'''{MARKER}
import importlib, importlib.util, os, subprocess, sys
if importlib.util.find_spec("google") and importlib.util.find_spec("google.colab"):
    book = os.environ.get("GANBOOK_PACKAGE_SPEC", "git+https://github.com/gan-book/gan-book")
    if subprocess.run([sys.executable, "-m", "pip", "install", "-q", "--no-deps", book]).returncode:
        print("pip failed (see above): check that the runtime is online, then run this cell again.")
    else: importlib.invalidate_caches(); from utils.colab import setup_colab; setup_colab()'''

CELL_ID = "colab-setup"  # the same in every chapter; ids need only be unique per notebook
TAGS = ["remove-cell"]   # not shown in the HTML book, which has no kernel to run it in
