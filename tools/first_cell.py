"""The first code cell of every chapter.

The cell makes a chapter run on Google Colab, where neither MXNet nor this book's
helper package is installed. Everywhere else it does nothing and prints nothing,
so nbval sees the same (empty) output on every run. It is not written in the
chapter sources: tools/build_chapters.py puts it under each notebook's title.
"""
from __future__ import annotations

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
        from utils.colab import setup as colab
    except ImportError:  # --no-deps: it only needs what Colab has, and MXNet (next)
        package = os.environ.get("GANBOOK_PACKAGE_SPEC", f"git+{{REPO_URL}}")
        subprocess.run([sys.executable, "-m", "pip", "install", "-q", "--no-deps", package],
                       check=True)
        importlib.invalidate_caches()  # so that Python sees the package pip just added
        from utils.colab import setup as colab
    # Installs MXNet (on a GPU also CUDA 11) once per runtime, restarts Python if numpy
    # had to change, then says whether MXNet computes on the GPU or the CPU.
    colab.setup_colab()'''

CELL_ID = "colab-setup"  # the same in every chapter; ids need only be unique per notebook
