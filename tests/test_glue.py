"""Numbers glued from outputs into the prose."""
import sys

import nbformat
import pytest

from conftest import ROOT
from utils.display.glue import GLUE_MIME, glue, glued

sys.path.insert(0, str(ROOT / "tools"))
import build_chapters as bc  # noqa: E402


def test_glue_formats_and_returns_the_text_outside_a_notebook():
    assert glue("x", 0.8712, "{:.2f}") == "0.87"
    assert glue("share", 0.34, "{:.0%}") == "34%"


def test_a_notebook_kernel_carries_the_value_in_an_output_the_build_reads():
    from IPython.core.interactiveshell import InteractiveShell
    shell = InteractiveShell.instance()
    shown = []
    shell.display_pub.publish = lambda data, metadata=None, **kw: shown.append(data)
    shell.run_cell("from utils.display.glue import glue\nglue('diversity', 0.8712, '{:.2f}')")
    assert {GLUE_MIME: {"name": "diversity", "text": "0.87"}} in shown
    nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell("", outputs=[
        nbformat.v4.new_output("display_data", data={GLUE_MIME: {"name": "diversity", "text": "0.87"}})])])
    assert glued(nb) == {"diversity": "0.87"}


def test_the_build_fills_the_prose_and_refuses_an_unknown_name():
    nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_markdown_cell("Score: {{ diversity }}.")])
    bc.fill(nb, {"diversity": "0.87"})
    assert nb.cells[0].source == "Score: 0.87."
    nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_markdown_cell("Score: {{missing}}.")])
    with pytest.raises(ValueError, match=r"\{\{missing\}\}, but no code cell glues"):
        bc.fill(nb, {})
