"""Showing the package's own code in a chapter, so the book and the library
never disagree (the code a reader sees is the code that runs)."""
from __future__ import annotations

import inspect


class Source:
    """Source code of a function or class, displayed as a highlighted block.

    Its plain-text form is the source itself, so nbval compares the stored
    listing with the current code: editing the package without re-running the
    chapter makes the notebook test fail.
    """

    def __init__(self, obj):
        self.name = f"{obj.__module__}.{obj.__qualname__}"
        self.code = inspect.getsource(obj).rstrip()

    def __repr__(self) -> str:
        return f"# {self.name}\n{self.code}"

    def _repr_markdown_(self) -> str:
        return f"```python\n# {self.name}\n{self.code}\n```"


def show_source(obj) -> Source:
    """Display the source of obj (a function or class) in a notebook."""
    return Source(obj)
