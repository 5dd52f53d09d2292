"""utils.mxnet_compat: MXNet 1.9.1 on numpy 1.23.5 and 2.1.3, with and without distutils.

Each check runs a real `import mxnet` and a few training steps in a fresh Python:
numpy 1.23.5 is this project's venv; numpy 2.1.3 (Colab's) is a venv made here, with
MXNet linked in from this venv and numpy 2.1.3 from the package index. "Python 3.12
without setuptools" is this Python with distutils and setuptools blocked.
"""
from __future__ import annotations

import json
import sys
import textwrap
import warnings

import pytest

from test_colab_setup import MXNET_AND_DEPS, ROOT, make_venv, run
from utils import mxnet_compat

CHECK = textwrap.dedent("""
    import json, sys
    if "--book" in sys.argv:
        import utils
        assert "mxnet" not in sys.modules and "numpy" not in sys.modules, "import utils is light"
    import mxnet as mx, numpy as np
    from mxnet import autograd, gluon, nd
    mx.random.seed(0)
    net = gluon.nn.HybridSequential()
    net.add(gluon.nn.Conv2DTranspose(4, 4, 2, 1), gluon.nn.BatchNorm(),
            gluon.nn.Activation("relu"), gluon.nn.Dense(1))
    net.initialize(mx.init.Normal(0.02))
    net.hybridize()
    trainer = gluon.Trainer(net.collect_params(), "adam", {"learning_rate": 0.01, "beta1": 0.5})
    x = nd.array(np.random.RandomState(0).randn(8, 3, 8, 8))
    y = nd.array(np.arange(8) % 2)
    bce = gluon.loss.SigmoidBinaryCrossEntropyLoss()
    losses = []
    for _ in range(3):
        with autograd.record():
            loss = bce(net(x).reshape((-1,)), y)
        loss.backward()
        trainer.step(8)
        losses.append(float(loss.mean().asscalar()))
    a = mx.np.array([1.0, 2.0, 3.0])
    a[mx.np.array([True, False, True], dtype="bool")] = 0   # numpy.bool inside MXNet
    try:
        np.NINF
        restored = False
    except AttributeError:
        restored = True  # numpy 2 is itself again after the import
    from utils import mxnet_compat
    print(json.dumps({"numpy": np.__version__, "losses": losses, "masked": a.asnumpy().tolist(),
                      "restored": restored, "hooked": mxnet_compat.hooked()}))
""")


@pytest.fixture(scope="module")
def numpy2_python(tmp_path_factory):
    """A venv with MXNet 1.9.1 and numpy 2.1.3, Colab's numpy."""
    path = tmp_path_factory.mktemp("venv-numpy2") / "venv"
    python = make_venv(path, MXNET_AND_DEPS)
    done = run([str(python), "-m", "pip", "install", "--quiet", "numpy==2.1.3"])
    assert done.returncode == 0, f"could not install numpy 2.1.3 in the test venv:\n{done.stderr}"
    return python


def _check(python, *flags):
    done = run([str(python), "-c", CHECK, *flags], cwd=ROOT)
    return done, (json.loads(done.stdout) if done.returncode == 0 else None)


@pytest.mark.network
def test_on_numpy_2_mxnet_alone_does_not_import(numpy2_python):
    done, _ = _check(numpy2_python)
    assert done.returncode != 0 and "was removed in the NumPy 2.0 release" in done.stderr


@pytest.mark.network
def test_after_import_utils_mxnet_trains_on_numpy_2_as_on_numpy_1_23(numpy2_python):
    done, got = _check(numpy2_python, "--book")
    assert done.returncode == 0, done.stderr
    assert got["numpy"] == "2.1.3" and got["hooked"] and got["restored"]
    assert got["masked"] == [0.0, 2.0, 0.0]
    reference, want = _check(sys.executable, "--book")  # this venv's numpy (1.23.5 on 3.11)
    assert reference.returncode == 0, reference.stderr
    assert want["hooked"]
    assert got["losses"] == pytest.approx(want["losses"], rel=1e-5)
    assert got["losses"][0] != got["losses"][-1]  # it did train


def test_the_aliases_are_added_only_where_missing():
    import numpy
    added = mxnet_compat.add_numpy_aliases()
    if numpy.__version__ == "1.23.5":  # numpy 1.23 still has them: nothing changes
        assert added == []
    assert mxnet_compat.add_numpy_aliases() == []  # and a second call adds nothing
    with warnings.catch_warnings():  # numpy 1.23 warns on each of its own deprecated aliases
        warnings.simplefilter("ignore", DeprecationWarning)
        assert all(hasattr(numpy, name) for name in mxnet_compat.NUMPY_ALIASES)


def test_mxnet_imported_before_the_book_is_named_with_what_to_do():
    code = ("try:\n    import mxnet\nexcept Exception:\n    pass  # on numpy 2 it fails half-way\n"
            "import utils\nfrom utils.colab import setup\nsetup.check_not_imported_yet()")
    done = run([sys.executable, "-c", code], cwd=ROOT)
    assert done.returncode != 0
    assert "MXNet was imported before the book's package" in done.stderr
    assert "Restart the runtime" in done.stderr


# -- distutils, as on Python 3.12 without setuptools -------------------------------
NO_DISTUTILS = textwrap.dedent("""
    import sys
    class NoDistutils:
        '''Python 3.12 without setuptools: neither distutils nor setuptools' copy of it.'''
        def find_spec(self, name, path=None, target=None):
            if name.split(".")[0] in ("distutils", "setuptools", "_distutils_hack"):
                raise ModuleNotFoundError(f"No module named {name!r}", name=name)
    sys.meta_path.insert(0, NoDistutils())
    for name in [m for m in sys.modules if m.split(".")[0] in ("distutils", "setuptools")]:
        del sys.modules[name]
    try:
        import distutils
        sys.exit("distutils was not blocked")
    except ModuleNotFoundError:
        pass
    if "--book" in sys.argv:
        import utils
    import mxnet
    from distutils.version import LooseVersion, StrictVersion
    assert LooseVersion("1.26.4") >= LooseVersion("1.17") > LooseVersion("1.9")
    assert StrictVersion("1.26.4") >= StrictVersion("1.6.0")
    print("mxnet", mxnet.__version__, type(LooseVersion).__module__)
""")


def test_without_distutils_mxnet_alone_does_not_import():
    done = run([sys.executable, "-c", NO_DISTUTILS], cwd=ROOT)
    assert done.returncode != 0
    # (On numpy 2 MXNet fails even earlier, on a name numpy removed.)
    assert "No module named 'distutils'" in done.stderr or "NumPy 2.0 release" in done.stderr


def test_after_import_utils_mxnet_imports_without_distutils():
    done = run([sys.executable, "-c", NO_DISTUTILS, "--book"], cwd=ROOT)
    assert done.returncode == 0, done.stderr
    assert done.stdout.startswith("mxnet 1.9.1")


def test_the_standin_is_not_used_where_distutils_exists():
    import distutils.version
    assert mxnet_compat.add_distutils_standin() is False
    assert sys.modules["distutils.version"] is distutils.version
    assert distutils.version.LooseVersion is not mxnet_compat.LooseVersion


PAIRS = [("1.9", "1.10"), ("1.26.4", "1.17"), ("1.23.5", "1.23.5"), ("2.0", "1.99.9"),
         ("1.6.0", "1.6"), ("1.0a1", "1.0"), ("1.0b2", "1.0a3"), ("0.8.4", "0.9"),
         ("3.12.1", "3.12")]


@pytest.mark.parametrize("left, right", PAIRS)
def test_the_standin_versions_compare_like_distutils(left, right):
    from distutils.version import LooseVersion, StrictVersion
    for ours, real in ((mxnet_compat.LooseVersion, LooseVersion),
                       (mxnet_compat.StrictVersion, StrictVersion)):
        a, b = ours(left), ours(right)
        ra, rb = real(left), real(right)
        assert (a < b, a == b, a > b, a >= b) == (ra < rb, ra == rb, ra > rb, ra >= rb), ours
        assert str(a) == left


def test_strict_version_refuses_what_distutils_refuses():
    from distutils.version import StrictVersion
    for bad in ("1", "1.2.3.4", "1.0rc1", "x.y"):
        with pytest.raises(ValueError):
            StrictVersion(bad)
        with pytest.raises(ValueError, match="invalid version number"):
            mxnet_compat.StrictVersion(bad)
