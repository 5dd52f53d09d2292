"""tools/package_code.py: which package modules a chapter runs, and when their code changed."""
import sys

from conftest import ROOT

sys.path.insert(0, str(ROOT / "tools"))
import package_code as pc  # noqa: E402


def _package(root, files: dict):
    for name, text in files.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)
    return root


FILES = {
    "utils/__init__.py": "",
    "utils/gan/__init__.py": "",
    "utils/gan/engine.py": "from . import steps\nfrom ..data import load\n\ndef run():\n    return steps.one()\n",
    "utils/gan/steps.py": "def one():\n    return 1  # one step\n",
    "utils/data/__init__.py": "def load():\n    return []\n",
    "utils/plots.py": "import matplotlib\n",  # imported by nothing below
}


def test_imports_are_followed_through_the_package_and_its_relative_imports(tmp_path):
    root = _package(tmp_path, FILES)
    found = pc.modules(["import numpy\nfrom utils.gan import engine\n"], root)
    assert found == ["utils", "utils.data", "utils.gan", "utils.gan.engine", "utils.gan.steps"]
    assert pc.modules(["x = 1"], root) == []


def test_relative_imports_resolve_against_the_module_or_package():
    assert pc.imported_names("from ..data import load", "utils.gan.engine") == {"utils.data", "utils.data.load"}
    assert pc.imported_names("from . import steps", "utils.gan", is_package=True) == {"utils.gan", "utils.gan.steps"}
    assert pc.imported_names("from .steps import one", "utils.gan.engine") == {"utils.gan.steps", "utils.gan.steps.one"}


def test_cell_magics_do_not_stop_the_search(tmp_path):
    root = _package(tmp_path, FILES)
    assert "utils.gan.steps" in pc.modules(["%matplotlib inline\nfrom utils.gan import steps"], root)


def test_a_code_change_in_an_imported_module_is_seen_and_a_comment_is_not(tmp_path):
    root = _package(tmp_path, FILES)
    cells = ["from utils.gan import engine"]
    before = pc.digests(cells, root)
    assert set(before) == {"utils/__init__.py", "utils/data/__init__.py", "utils/gan/__init__.py",
                           "utils/gan/engine.py", "utils/gan/steps.py"}

    steps = root / "utils/gan/steps.py"
    steps.write_text('def one():\n    """The step."""\n    return 1  # still one step\n')
    assert pc.changed(before, pc.digests(cells, root)) == []

    steps.write_text("def one():\n    return 2\n")
    assert pc.changed(before, pc.digests(cells, root)) == ["utils/gan/steps.py"]

    (root / "utils/plots.py").write_text("import numpy\n")  # not imported: does not count
    assert pc.changed(before, pc.digests(cells, root)) == ["utils/gan/steps.py"]


def test_a_module_that_appears_or_goes_counts_as_changed():
    assert pc.changed({"utils/a.py": "1"}, {"utils/a.py": "1", "utils/b.py": "2"}) == ["utils/b.py"]
    assert pc.changed({"utils/a.py": "1", "utils/b.py": "2"}, {"utils/a.py": "1"}) == ["utils/b.py"]
