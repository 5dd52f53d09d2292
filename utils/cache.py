"""The book's cache folder, and the one rule for reusing what it holds.

Downloads, decoded image folders, finished training runs and trained classifiers
all live under one folder: $GANBOOK_CACHE, else ~/.cache/gan-book. Something
trained is stored under a *key* that covers everything that changes its result:
its settings, its data and the code that trains it. `code_fingerprint` reads
that code as Python's parser does, so comments, docstrings and layout do not
count, while a change to one character of the arithmetic does.

Nothing here imports MXNet, so data preparation stays light.
"""
from __future__ import annotations

import ast
import hashlib
import inspect
import json
import os
import textwrap
from pathlib import Path

from .errors import SettingsError

CACHE_ENV = "GANBOOK_CACHE"
RETRAIN_ENV = "GANBOOK_RETRAIN"  # set to 1: train again even when the cache holds a result


def cache_dir() -> Path:
    """$GANBOOK_CACHE, else ~/.cache/gan-book."""
    return Path(os.environ.get(CACHE_ENV) or Path.home() / ".cache" / "gan-book")


def writable_folder(path: Path, what: str) -> Path:
    """path itself, once it is known that it is (or can become) a folder this process
    may write to; otherwise a SettingsError naming `what` and the fix. Leaves nothing
    behind: a folder made to find out is removed again."""
    path = Path(path).expanduser()
    if path.exists() and not path.is_dir():
        raise SettingsError(f"{what} {path} is a file, not a folder: choose a folder.")
    made = []
    try:
        for folder in reversed([path, *path.parents]):
            if not folder.exists():
                folder.mkdir()
                made.append(folder)
        probe = path / f".write-test-{os.getpid()}"
        probe.touch()
        probe.unlink()
    except OSError as err:
        raise SettingsError(f"{what} {path} cannot be written ({err.strerror}): choose a folder "
                            "you can write to.") from None
    finally:
        for folder in reversed(made):
            folder.rmdir()
    return path


def checked_cache_dir() -> Path:
    """cache_dir(), checked to be writable: a SettingsError naming GANBOOK_CACHE if not."""
    return writable_folder(cache_dir(), f"The cache folder (${CACHE_ENV} or ~/.cache/gan-book)")


def retrain_requested() -> bool:
    return os.environ.get(RETRAIN_ENV, "").strip().lower() not in ("", "0", "false", "no")


class _NoDocstrings(ast.NodeTransformer):
    """Drops the docstring of every module, class and function."""

    def _strip(self, node):
        self.generic_visit(node)
        body = node.body
        if body and isinstance(body[0], ast.Expr) and isinstance(body[0].value, ast.Constant) \
                and isinstance(body[0].value.value, str):
            node.body = body[1:] or [ast.Pass()]
        return node

    visit_Module = visit_ClassDef = visit_FunctionDef = visit_AsyncFunctionDef = _strip


def normalised_code(source: str) -> str:
    """Python source as the parser sees it: no comments, no docstrings, one layout."""
    tree = _NoDocstrings().visit(ast.parse(source))
    return ast.dump(tree, annotate_fields=False, include_attributes=False)


def normalised_source(obj) -> str:
    """The code of a module, class or function, normalised (`normalised_code`). Works
    for functions defined in a notebook cell too."""
    return normalised_code(textwrap.dedent(inspect.getsource(obj)))


def code_fingerprint(*objects) -> str:
    """sha256 over the normalised code of each object, in order."""
    h = hashlib.sha256()
    for obj in objects:
        h.update(normalised_source(obj).encode())
    return h.hexdigest()


def _names(code) -> set:
    """The global names a code object (and the functions nested in it) refers to."""
    names = set(code.co_names)
    for const in code.co_consts:
        if inspect.iscode(const):
            names |= _names(const)
    return names


def closure(fn) -> list:
    """fn and, recursively, the functions and classes it refers to by name that were
    defined beside it (in its module, or in the same notebook); sorted by name. The
    code that runs when fn runs, as far as the reader wrote it."""
    found = {}

    def visit(obj):
        if obj.__qualname__ in found:
            return
        found[obj.__qualname__] = obj
        code = getattr(obj, "__code__", None)
        for name in sorted(_names(code)) if code is not None else ():
            other = obj.__globals__.get(name)
            if (inspect.isfunction(other) or inspect.isclass(other)) and \
                    other.__module__ == obj.__module__:
                visit(other)

    visit(fn)
    return [found[name] for name in sorted(found)]


def step_fingerprint(step) -> str:
    """The code of a training step and of what it calls (`closure`), plus the other
    objects it names that are not modules or functions (a loss, say), by repr."""
    functions = closure(step)
    parts = [normalised_source(obj) for obj in functions]
    for obj in functions:
        code = getattr(obj, "__code__", None)
        for name in sorted(_names(code)) if code is not None else ():
            value = obj.__globals__.get(name)
            if value is not None and not (inspect.ismodule(value) or callable(value) and
                                          inspect.isroutine(value) or inspect.isclass(value)):
                text = repr(value)
                if " at 0x" not in text:  # an address changes every run: not a description
                    parts.append(f"{name} = {text}")
    return hashlib.sha256("\n".join(parts).encode()).hexdigest()


def key(*parts) -> str:
    """A short key from JSON-able parts (settings, digests)."""
    return hashlib.sha256(json.dumps(parts, sort_keys=True).encode()).hexdigest()[:16]


def reuse_or_make(folder: Path, done: str, load, make):
    """load(folder) when folder/done marks a finished result (and no retrain was asked
    for); else make(folder), which must write folder/done last. Returns (result, reused)."""
    if (folder / done).exists() and not retrain_requested():
        return load(folder), True
    if retrain_requested():
        (folder / done).unlink(missing_ok=True)
    folder.mkdir(parents=True, exist_ok=True)
    return make(folder), False
