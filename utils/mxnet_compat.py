"""MXNet 1.9.1 on today's Python and numpy, without downgrading anything.

MXNet 1.9.1 (2022, the last release) was written for numpy 1.x and a Python with
``distutils``. Three gaps remain on a 2026 machine such as Colab's default runtime
(Python 3.13, numpy 2.1), and this module fills each one when MXNet is imported:

1. numpy 1.24 removed the aliases ``numpy.int``, ``numpy.float``, ... that MXNet
   still uses while it runs: `add_numpy_aliases` puts back the missing ones, for
   good (they mean the Python types, as they did).
2. numpy 2 removed names MXNet reads *while it is imported* (``NINF``, ``PZERO``,
   ``alltrue``, ``in1d``, ``msort``, ...), mostly to re-export them. During
   ``import mxnet`` only, numpy's module ``__getattr__`` answers them: with the
   numpy 2 equivalent where there is one, else with a function that raises when
   called. Afterwards numpy is as it was.
3. Python 3.12 has no ``distutils``; MXNet imports ``distutils.version``:
   `add_distutils_standin` provides a small stand-in when it is missing.

`install()` (run by ``import utils``) adds an import hook: the first ``import
mxnet`` anywhere, after ``import utils``, goes through `prepare` and the numpy 2
window above. ``import utils`` itself does not import MXNet or numpy. On numpy
1.23 with Python 3.10/3.11 nothing needs filling, and nothing is changed.
"""
from __future__ import annotations

import contextlib
import functools
import importlib.abc
import importlib.machinery
import re
import sys
import types
import warnings

NUMPY_ALIASES = {"bool": bool, "int": int, "float": float, "complex": complex,
                 "object": object, "str": str}

# Names numpy 2 removed that MXNet 1.9.1 reads during its import, with their numpy 2
# equivalents. Anything else missing gets a stub that raises when called.
NUMPY2_RENAMED = {
    "NAN": "nan", "NaN": "nan", "NINF": None, "PINF": "inf", "Inf": "inf", "Infinity": "inf",
    "PZERO": None, "NZERO": None, "alltrue": "all", "sometrue": "any", "in1d": "isin",
    "product": "prod", "cumproduct": "cumprod", "round_": "round", "trapz": "trapezoid",
}
NUMPY2_VALUES = {"NINF": float("-inf"), "PZERO": 0.0, "NZERO": -0.0}


# -- gap 1: numpy aliases ---------------------------------------------------------
def add_numpy_aliases() -> list[str]:
    """Give numpy back the aliases that numpy 1.24 removed and MXNet 1.9.1 still uses
    (``numpy.int`` and others). Adds only the missing ones; returns their names."""
    import numpy
    with warnings.catch_warnings():  # numpy 1.20-1.23 warns on every use of these names
        warnings.simplefilter("ignore")
        missing = [name for name in NUMPY_ALIASES if not hasattr(numpy, name)]
    for name in missing:
        setattr(numpy, name, NUMPY_ALIASES[name])
    return missing


# -- gap 2: names numpy 2 removed, answered while MXNet is imported ------------------
def _removed(name: str):
    def stub(*args, **kwargs):
        raise NotImplementedError(f"numpy.{name} was removed in numpy 2; MXNet's "
                                  f"mxnet.numpy.{name} is not available with this numpy.")
    stub.__name__ = name
    return stub


def _stand_in(numpy, name: str):
    if name in NUMPY2_VALUES:
        return NUMPY2_VALUES[name]
    new = NUMPY2_RENAMED.get(name)
    if new is not None and hasattr(numpy, new):
        return getattr(numpy, new)
    if name.startswith("__"):  # dunder look-ups (pickling, copying) must fail as usual
        raise AttributeError(name)
    return _removed(name)


@contextlib.contextmanager
def numpy2_removed_names():
    """Inside this block, numpy answers the names numpy 2 removed (see the module
    docstring); after it, numpy's own ``__getattr__`` is back."""
    import numpy
    if int(numpy.__version__.split(".")[0]) < 2:
        yield
        return
    original = numpy.__dict__.get("__getattr__")

    def __getattr__(name):
        if original is not None:
            try:
                return original(name)
            except AttributeError:
                pass
        return _stand_in(numpy, name)

    numpy.__getattr__ = __getattr__
    try:
        yield
    finally:
        if original is None:
            del numpy.__getattr__
        else:
            numpy.__getattr__ = original


# -- gap 3: distutils.version -----------------------------------------------------
@functools.total_ordering
class LooseVersion:
    """distutils' LooseVersion: numbers compare as numbers, so 1.10 > 1.9."""

    def __init__(self, vstring: str):
        self.vstring = vstring
        parts = [p for p in re.split(r"(\d+|[a-z]+|\.)", vstring) if p and p != "."]
        self.version = [int(p) if p.isdigit() else p for p in parts]

    def _other(self, other):
        return (other if isinstance(other, type(self)) else type(self)(str(other))).version

    def __eq__(self, other):
        return self.version == self._other(other)

    def __lt__(self, other):
        return self.version < self._other(other)

    def __str__(self):
        return self.vstring

    def __repr__(self):
        return f"{type(self).__name__} ('{self.vstring}')"


class StrictVersion(LooseVersion):
    """distutils' StrictVersion: major.minor[.patch][a|b N]; a pre-release sorts
    before its release."""
    PATTERN = re.compile(r"^(\d+)\.(\d+)(?:\.(\d+))?(?:([ab])(\d+))?$")

    def __init__(self, vstring: str):
        match = self.PATTERN.match(vstring)
        if not match:
            raise ValueError(f"invalid version number '{vstring}'")
        major, minor, patch, tag, number = match.groups()
        self.vstring = vstring
        release = (int(major), int(minor), int(patch or 0))
        # ("~",) sorts after ("a", n) and ("b", n): a release comes after its pre-releases.
        self.version = [release, (tag, int(number)) if tag else ("~",)]


def add_distutils_standin() -> bool:
    """Provide ``distutils.version`` where Python has none (3.12 without setuptools),
    since MXNet imports it. Returns True when the stand-in was installed."""
    try:
        with warnings.catch_warnings():  # "distutils is deprecated", on 3.10 and 3.11
            warnings.simplefilter("ignore")
            import distutils.version  # noqa: F401
        return False
    except ImportError:
        pass
    package = types.ModuleType("distutils")
    package.__path__ = []  # a package, so that "distutils.version" can be imported
    version = types.ModuleType("distutils.version")
    version.LooseVersion, version.StrictVersion = LooseVersion, StrictVersion
    package.version = version
    sys.modules.update({"distutils": package, "distutils.version": version})
    return True


# -- the import hook --------------------------------------------------------------
def prepare() -> None:
    """What must happen before ``import mxnet``: gaps 1 and 3 (gap 2 is a window
    around the import itself)."""
    add_numpy_aliases()
    add_distutils_standin()


class _Loader(importlib.abc.Loader):
    """Runs MXNet's own loader inside the numpy 2 window, after `prepare`."""

    def __init__(self, loader):
        self.loader = loader

    def create_module(self, spec):
        return self.loader.create_module(spec)

    def exec_module(self, module):
        prepare()
        with numpy2_removed_names():
            self.loader.exec_module(module)


class _Finder(importlib.abc.MetaPathFinder):
    """Finds ``mxnet`` as Python would, and wraps its loader (once)."""

    def find_spec(self, fullname, path=None, target=None):
        if fullname != "mxnet":
            return None
        spec = importlib.machinery.PathFinder.find_spec(fullname, path)
        if spec is not None and spec.loader is not None:
            spec.loader = _Loader(spec.loader)
        return spec


def install() -> None:
    """Add the hook to sys.meta_path (once). MXNet already imported: nothing to do."""
    if not any(isinstance(f, _Finder) for f in sys.meta_path):
        sys.meta_path.insert(0, _Finder())


def hooked() -> bool:
    """Whether the MXNet imported in this process went through the hook."""
    mx = sys.modules.get("mxnet")
    return mx is not None and isinstance(getattr(mx.__spec__, "loader", None), _Loader)
