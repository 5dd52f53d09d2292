"""Execute chapter notebooks in place and record what produced their outputs.

    python tools/execute_chapters.py                 # every chapter, en and zh
    python tools/execute_chapters.py chapters/en/02_dcgan.ipynb

Each notebook runs in a fresh kernel in its own folder, with the profile taken
from GANBOOK_PROFILE (default: ``default``). Its metadata then records the profile
and a hash of its code cells, so tests/test_notebooks.py can tell when stored
outputs no longer match the code.
"""
from __future__ import annotations

import hashlib
import json
import os
import sys
import time
from pathlib import Path

import nbformat
from nbclient import NotebookClient

ROOT = Path(__file__).resolve().parents[1]


def code_hash(nb) -> str:
    """sha256 of the notebook's code cells, in order."""
    sources = [c.source for c in nb.cells if c.cell_type == "code"]
    return hashlib.sha256(json.dumps(sources).encode()).hexdigest()


def execute(path: Path) -> float:
    nb = nbformat.read(path, as_version=4)
    profile = os.environ.get("GANBOOK_PROFILE", "default")
    start = time.time()
    # Widget state is not stored: the book shows the self-contained HTML version of
    # each slider (utils/widgets.py), and stored state would make the book load
    # the widget manager from a CDN for nothing.
    NotebookClient(nb, timeout=None, kernel_name="python3", store_widget_state=False,
                   resources={"metadata": {"path": str(path.parent)}}).execute()
    seconds = time.time() - start
    nb.metadata["gan_book"] = {"profile": profile, "code_sha256": code_hash(nb),
                               "seconds": round(seconds)}
    nbformat.write(nb, path)
    return seconds


def main(args: list[str]) -> None:
    # No progress bars in stored outputs: a bar is a widget (tqdm.auto) whose state is
    # not stored, so the book would show its Python repr. The per-epoch log lines stay.
    os.environ["TQDM_DISABLE"] = "1"
    paths = [Path(a) for a in args] or sorted(ROOT.glob("chapters/*/*.ipynb"))
    for path in paths:
        print(f"executing {path} ...", flush=True)
        print(f"  done in {execute(path) / 60:.1f} min", flush=True)


if __name__ == "__main__":
    main(sys.argv[1:])
