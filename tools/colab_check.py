"""Run every chapter as a reader who clicks "Open in Colab" would: inside a Colab-like
Python (see .ci/colab-like, which sets it up and runs this file in it).

    python tools/colab_check.py CHECKOUT

For each chapter, English then Chinese, a copy of the stored notebook is executed
top to bottom in a fresh kernel in the `quick` profile, starting from its real first
cell: a stand-in ``google.colab`` module makes the cell take its Colab branch, and
GANBOOK_PACKAGE_SPEC points its pip at this checkout instead of the repository URL,
so it installs the book's package and then MXNet's CPU build (no GPU here). Then the
sliders are moved under this Python's ipywidgets, and each must call its callback
and change its picture. Exit code 1 on the first failure.
"""
from __future__ import annotations

import os
import shutil
import sys
import tempfile
import time
from pathlib import Path

import nbformat
from nbclient import NotebookClient
from nbclient.exceptions import CellExecutionError

STANDIN = '"""A stand-in for Colab\'s module: only its presence matters to the first cell."""\n'


def versions() -> str:
    import ipywidgets
    import numpy
    return (f"Python {sys.version.split()[0]}, numpy {numpy.__version__}, "
            f"ipywidgets {ipywidgets.__version__}")


def standin_colab(folder: Path) -> Path:
    (folder / "google" / "colab").mkdir(parents=True)
    (folder / "google" / "__init__.py").write_text("")
    (folder / "google" / "colab" / "__init__.py").write_text(STANDIN)
    return folder


def _seconds(cell) -> float:
    """How long a cell ran, from the timings nbclient records in its metadata."""
    from datetime import datetime
    timing = cell.metadata.get("execution", {})
    start, end = timing.get("iopub.execute_input"), timing.get("shell.execute_reply")
    if not (start and end):
        return float("nan")
    parse = lambda text: datetime.fromisoformat(text.replace("Z", "+00:00"))  # noqa: E731
    return (parse(end) - parse(start)).total_seconds()


def execute(notebook: Path, work: Path) -> tuple[int, float, float]:
    """Execute a copy of notebook in work/; returns (code cells, seconds, seconds of
    the first cell)."""
    copy = work / notebook.parent.name / notebook.name
    copy.parent.mkdir(parents=True, exist_ok=True)
    shutil.copy(notebook, copy)
    nb = nbformat.read(copy, as_version=4)
    start = time.time()
    NotebookClient(nb, timeout=600, kernel_name="python3",
                   resources={"metadata": {"path": str(copy.parent)}}).execute()
    cells = sum(c.cell_type == "code" for c in nb.cells)
    first = next(c for c in nb.cells if c.cell_type == "code")
    said = "".join(o.get("text", "") for o in first.outputs).strip().splitlines()
    if not said or not said[-1].startswith("MXNet 1.9.1"):
        raise RuntimeError(f"{notebook.name}: the first cell did not set MXNet up: {said}")
    return cells, time.time() - start, _seconds(first)


def check_sliders() -> None:
    """Under this ipywidgets, moving a slider calls its callback and changes the picture."""
    import numpy as np

    import utils  # noqa: F401  (before MXNet: the numpy 2 fixes)
    import mxnet as mx
    from utils import profiles
    from utils.display.widgets import FrameSlider, image_jpeg
    from utils.gan import training
    from utils.latent.explore import SeedInterpolation

    pictures = [np.full((8, 8, 3), v, np.uint8) for v in (0, 128, 255)]
    frames = [image_jpeg(p) for p in pictures]
    box = FrameSlider(frames, ["dark", "grey", "light"], start=0).widget()
    slider, caption, image = box.children
    slider.value = 2
    if (image.value, caption.value) != (frames[2], "light"):
        raise RuntimeError("FrameSlider: moving the slider did not change the picture")

    profile = profiles.PROFILES["quick"]
    G, _ = training.build_networks(profile, mx.cpu())
    box = SeedInterpolation(G, mx.cpu(), seed0=1, seed1=2, nz=profile.nz).widget()
    t, image = box.children[1], box.children[3]
    before = image.value
    t.value = 0.0
    if image.value == before:
        raise RuntimeError("SeedInterpolation: moving t did not change the picture")
    print("sliders: FrameSlider and SeedInterpolation redraw when moved")


def main(checkout: str) -> int:
    checkout = Path(checkout).resolve()
    print(versions(), flush=True)
    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        os.environ.update({"GANBOOK_PROFILE": "quick", "GANBOOK_PACKAGE_SPEC": str(checkout),
                           "PYTHONPATH": str(standin_colab(tmp / "standin")),
                           "TQDM_DISABLE": "1"})
        sys.path.insert(0, os.environ["PYTHONPATH"])
        for source in sorted((checkout / "chapters" / "en").glob("*.ipynb")):
            for lang in ("en", "zh"):
                notebook = checkout / "chapters" / lang / source.name
                try:
                    cells, seconds, first = execute(notebook, tmp / "run")
                except (CellExecutionError, RuntimeError) as err:
                    print(f"FAILED {lang}/{notebook.name}:\n{err}", flush=True)
                    return 1
                print(f"{lang}/{notebook.name}: {cells} code cells, all ran, {seconds:.0f} s "
                      f"(first cell {first:.0f} s)", flush=True)
        check_sliders()
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1]))
