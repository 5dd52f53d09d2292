"""Which modules of the book's package a chapter runs, and a digest of each.

A chapter's stored outputs come from its own code cells and from the package code
they import: a change in the training engine changes chapter 2's faces without
changing a line of the chapter. So tools/build_chapters.py records, when it
executes a chapter, a digest of every package module the chapter imports, directly
or through other package modules (`digests`), and treats the outputs as stale when
one of them changes (`changed`). Comments and docstrings do not count; but a
chapter that lists a function with show_source shows its docstring too, so
build_chapters also compares every stored listing with `current_listing`.
"""
from __future__ import annotations

import ast
import hashlib
import importlib
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from utils.cache import normalised_code  # noqa: E402

PACKAGE = "utils"


def _parse(code: str) -> ast.Module:
    """A cell or module; a cell's IPython lines (%magic, !shell) are left out."""
    try:
        return ast.parse(code)
    except SyntaxError:
        kept = [line for line in code.splitlines() if not line.lstrip().startswith(("%", "!"))]
        return ast.parse("\n".join(kept))


def imported_names(code: str, module: str = "", is_package: bool = False) -> set[str]:
    """Every dotted name `code` may import: `import a.b` gives a.b; `from a import b`
    gives a and a.b (b may be a module or just a name in a). Relative imports are
    resolved against `module`, the dotted name of the module the code is in."""
    here = module if is_package else module.rpartition(".")[0]
    names = set()
    for node in ast.walk(_parse(code)):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:  # one dot: `here`; each further dot: one package up
                parts = here.split(".") if here else []
                parts = parts[:len(parts) - (node.level - 1)] + ([base] if base else [])
                base = ".".join(parts)
            if base:
                names.add(base)
                names.update(f"{base}.{alias.name}" for alias in node.names)
    return names


def module_file(name: str, root: Path) -> Path | None:
    """The file of the package module `name` under root; None for anything else."""
    if name.split(".")[0] != PACKAGE:
        return None
    path = root.joinpath(*name.split("."))
    for candidate in (path.with_suffix(".py"), path / "__init__.py"):
        if candidate.is_file():
            return candidate
    return None


def modules(codes: list[str], root: Path) -> list[str]:
    """The package modules that running `codes` (cells, in order) imports, with the
    modules those import in turn and the packages around them; sorted."""
    found: dict[str, Path] = {}
    todo = [name for code in codes for name in imported_names(code)]
    while todo:
        name = todo.pop()
        parents = [".".join(name.split(".")[:i]) for i in range(1, name.count(".") + 1)]
        for each in [*parents, name]:  # importing a.b.c runs a and a.b first
            path = module_file(each, root)
            if path is None or each in found:
                continue
            found[each] = path
            is_package = path.name == "__init__.py"
            code = path.read_text(encoding="utf-8")
            todo += imported_names(code, each, is_package)
    return sorted(found)


def digests(codes: list[str], root: Path) -> dict[str, str]:
    """{module file, relative to root: 16 hex digits of its code without comments
    and docstrings} for every module `modules` finds."""
    out = {}
    for name in modules(codes, root):
        path = module_file(name, root)
        code = normalised_code(path.read_text(encoding="utf-8"))
        out[path.relative_to(root).as_posix()] = hashlib.sha256(code.encode()).hexdigest()[:16]
    return out


def changed(recorded: dict, current: dict) -> list[str]:
    """The module files whose code differs between two `digests`, or that only one has."""
    return sorted(path for path in set(recorded) | set(current) if recorded.get(path) != current.get(path))


def current_listing(name: str) -> str | None:
    """What show_source (utils.display.show) lists now for the dotted `name` (a module,
    then a qualified name), as plain text; None when nothing of that name exists."""
    from utils.display.show import Source

    parts = name.split(".")
    for cut in range(len(parts) - 1, 0, -1):  # the longest importable module first
        try:
            obj = importlib.import_module(".".join(parts[:cut]))
        except ImportError:
            continue
        try:
            for attr in parts[cut:]:
                obj = getattr(obj, attr)
        except AttributeError:
            return None
        return repr(Source(obj))
    return None
