"""The one error class for problems a reader can fix.

Its message names the problem and the fix in a sentence or two. The command line
prints it as one ``Error: ...`` line (exit code 1); a notebook shows it as one
line too, not a traceback (IPython calls ``_render_traceback_``).
"""
from __future__ import annotations


class GanBookError(Exception):
    """A wrong setting, a bad file, a run that cannot go on: the message says what to do."""

    def _render_traceback_(self) -> list[str]:
        return [f"Error: {self}"]


class SettingsError(GanBookError, ValueError):
    """A setting (option, environment variable, argument) that cannot work."""


class MissingFileError(GanBookError, FileNotFoundError):
    """A file or folder that should be there is not."""
