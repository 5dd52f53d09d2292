"""Numbers that the prose quotes, taken from the output that computes them.

A code cell calls ``glue("diversity", score, "{:.2f}")``; the chapter's prose writes
``{{diversity}}`` where the number belongs. When tools/build_chapters.py writes the
notebooks, it puts each glued value into the prose, so the text always says what
the outputs beside it say. A glued value travels as an output of its own
(GLUE_MIME), which Jupyter, Colab and the HTML book do not show; outside a
notebook, glue only returns the text.
"""
from __future__ import annotations

GLUE_MIME = "application/vnd.gan-book.glue+json"


def glue(name: str, value, fmt: str = "{}") -> str:
    """Record `value`, formatted with `fmt`, under `name` for the prose; returns the text."""
    text = fmt.format(value)
    try:
        from IPython import get_ipython
        from IPython.display import display
    except ImportError:
        return text
    if get_ipython() is not None:
        display({GLUE_MIME: {"name": name, "text": text}}, raw=True)
    return text


def glued(nb) -> dict[str, str]:
    """{name: text} of every value a notebook's outputs glued (the last one wins)."""
    values = {}
    for cell in nb.cells:
        for out in cell.get("outputs", []):
            data = out.get("data", {}).get(GLUE_MIME)
            if data:
                values[data["name"]] = data["text"]
    return values
