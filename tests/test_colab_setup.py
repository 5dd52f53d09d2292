"""utils.colab.setup: what makes MXNet's CUDA build work on a 2026 Colab runtime.
(The numpy and distutils fixes, which every machine gets, are in test_mxnet_compat.py.)

Tested for real on this CPU machine:
- the CUDA 11 preloading, on a `pip --target` folder that real pip fills from stand-in
  wheels holding tiny shared libraries built here with gcc. Each library notes its
  own loading in a log, and some need others (as cuBLAS needs cuBLASLt), so a wrong
  order fails as it would with the real ones. A stand-in libmxnet.so that needs every
  soname loads only after the preloading;
- the decisions (which GPUs mxnet-cu112 can run on, CPU or CUDA build) as tables.
No GPU is involved anywhere: no test here can show that mxnet-cu112 runs on a GPU.
"""
from __future__ import annotations

import base64
import csv
import hashlib
import io
import json
import os
import shlex
import subprocess
import sys
import sysconfig
import textwrap
import zipfile
from importlib import metadata
from pathlib import Path

import pytest

from utils.colab import setup as colab

ROOT = Path(__file__).resolve().parents[1]
SITE = Path(sysconfig.get_paths()["purelib"])  # the project venv's site-packages
PY = f"python{sys.version_info[0]}.{sys.version_info[1]}"
def _installed(name: str) -> bool:
    try:
        metadata.distribution(name)
        return True
    except metadata.PackageNotFoundError:
        return False


# MXNet and what it needs at import, as installed here (graphviz only with pip's
# resolver: on Python 3.12+ MXNet comes with --no-deps and goes without it).
MXNET_AND_DEPS = [name for name in ["mxnet", "requests", "urllib3", "idna", "charset-normalizer",
                                    "certifi", "graphviz"] if _installed(name)]


# -- helpers shared with test_colab_first_cell.py ---------------------------------
def run(cmd, **kwargs) -> subprocess.CompletedProcess:
    """Run a command, text in and out, never raising on failure (tests check rc)."""
    return subprocess.run(cmd, capture_output=True, text=True, **kwargs)


def link_dist(name: str, site: Path) -> None:
    """Put an installed distribution of the project venv into another site-packages,
    file by file as its RECORD lists them (hard links: same files, no copying), so that
    pip there sees it installed. There is no pip cache on these machines, and MXNet
    from PyPI would be a 49 MB download on every run."""
    dist = metadata.distribution(name)
    for file in dist.files:
        if str(file).startswith(".."):  # console scripts in bin/: not needed
            continue
        src, dst = Path(dist.locate_file(file)), site / file
        if not src.exists():
            continue
        dst.parent.mkdir(parents=True, exist_ok=True)
        try:
            os.link(src, dst)
        except OSError:
            dst.write_bytes(src.read_bytes())


def make_venv(path: Path, dists: list[str]) -> Path:
    """A real venv holding pip and the given distributions; returns its python."""
    done = run([sys.executable, "-m", "venv", "--without-pip", str(path)])
    assert done.returncode == 0, done.stderr
    site = path / "lib" / PY / "site-packages"
    for name in ["pip", *dists]:
        link_dist(name, site)
    return path / "bin" / "python"


def make_wheel(folder: Path, name: str, version: str, files: dict[str, bytes]) -> Path:
    """Write a valid wheel (what `pip wheel` makes) with the given files; returns it."""
    dist_info = f"{name.replace('-', '_')}-{version}.dist-info"
    meta = f"Metadata-Version: 2.1\nName: {name}\nVersion: {version}\n"
    wheel_info = "Wheel-Version: 1.0\nGenerator: tests\nRoot-Is-Purelib: true\nTag: py3-none-any\n"
    files = {**files, f"{dist_info}/METADATA": meta.encode(),
             f"{dist_info}/WHEEL": wheel_info.encode()}
    record = io.StringIO()
    writer = csv.writer(record, lineterminator="\n")
    for path, data in files.items():
        digest = base64.urlsafe_b64encode(hashlib.sha256(data).digest()).rstrip(b"=").decode()
        writer.writerow([path, f"sha256={digest}", len(data)])
    writer.writerow([f"{dist_info}/RECORD", "", ""])
    wheel = folder / f"{name.replace('-', '_')}-{version}-py3-none-any.whl"
    with zipfile.ZipFile(wheel, "w") as zf:
        for path, data in files.items():
            zf.writestr(path, data)
        zf.writestr(f"{dist_info}/RECORD", record.getvalue())
    return wheel


def pip_settings(wheelhouse: Path) -> dict:
    """Environment variables for a pip that installs only from wheelhouse: no index,
    and none of this machine's config files (they add local mirrors and constraints)."""
    return {"PIP_NO_INDEX": "1", "PIP_FIND_LINKS": str(wheelhouse),
            "PIP_CONFIG_FILE": os.devnull, "PIP_DISABLE_PIP_VERSION_CHECK": "1"}


# -- the CUDA 11 libraries ---------------------------------------------------------
# Which stand-in library needs which, as the real ones do (cuBLAS needs cuBLASLt,
# cuSOLVER needs cuBLAS; cuDNN 8's sub-libraries need ops_infer and each other).
NEEDS = {
    "libcublas.so.11": ["libcublasLt.so.11"],
    "libcusolver.so.11": ["libcublas.so.11", "libcublasLt.so.11"],
    "libcudnn_ops_train.so.8": ["libcudnn_ops_infer.so.8"],
    "libcudnn_cnn_infer.so.8": ["libcudnn_ops_infer.so.8"],
    "libcudnn_cnn_train.so.8": ["libcudnn_cnn_infer.so.8", "libcudnn_ops_train.so.8"],
    "libcudnn_adv_infer.so.8": ["libcudnn_ops_infer.so.8"],
    "libcudnn_adv_train.so.8": ["libcudnn_adv_infer.so.8", "libcudnn_ops_train.so.8"],
}
LIBRARY_SOURCE = r"""
#include <stdio.h>
#include <stdlib.h>
/* Runs when the library is loaded: append its soname to $LOAD_LOG. */
__attribute__((constructor)) static void note_loading(void) {
    const char *log = getenv("LOAD_LOG");
    FILE *f = log ? fopen(log, "a") : NULL;
    if (f) { fputs(SONAME "\n", f); fclose(f); }
}
"""


def build_library(folder: Path, soname: str, needs=()) -> Path:
    """A real shared library with this soname that needs the given ones (found in
    folder at link time; no RPATH, so at run time they must already be loaded)."""
    source = folder / "lib.c"
    source.write_text(LIBRARY_SOURCE)
    out = folder / soname
    links = [f"-l:{n}" for n in needs]
    done = run(["gcc", "-shared", "-fPIC", f'-DSONAME="{soname}"', f"-Wl,-soname,{soname}",
                "-o", str(out), str(source), f"-L{folder}", "-Wl,--no-as-needed", *links])
    assert done.returncode == 0, f"gcc is needed to build test libraries:\n{done.stderr}"
    return out


@pytest.fixture(scope="module")
def fake_cuda(tmp_path_factory):
    """Stand-in wheels of the pinned nvidia-*-cu11 packages (pip --target layout), a
    stand-in driver (libcuda.so.1) and a stand-in libmxnet.so needing every soname."""
    base = tmp_path_factory.mktemp("fake-cuda")
    build, wheels, driver = base / "build", base / "wheels", base / "driver"
    for folder in (build, wheels, driver):
        folder.mkdir()
    built: dict[str, Path] = {}

    def build_with_needs(name):  # what a library needs is built (and linked) first
        if name not in built:
            for need in NEEDS.get(name, ()):
                build_with_needs(need)
            built[name] = build_library(build, name, NEEDS.get(name, ()))
        return built[name]

    files: dict[str, dict[str, bytes]] = {}
    for package, name in colab.LOAD_ORDER:
        rel = colab.library_path("", package, name).as_posix().lstrip("/")
        files.setdefault(package, {})[rel] = build_with_needs(name).read_bytes()
    for package in colab.CUDA11_PACKAGES:
        make_wheel(wheels, package, colab.PINS[package], files[package])
    # The driver lives elsewhere (its folder is on the library path in the tests that
    # have one); libmxnet.so is linked against it like against the others.
    (driver / colab.DRIVER).write_bytes(build_library(build, colab.DRIVER).read_bytes())
    mxnet = build_library(build, "libmxnet.so",
                          [name for _, name in colab.LOAD_ORDER] + [colab.DRIVER])
    return {"wheels": wheels, "driver": driver, "mxnet": mxnet, "base": base}


@pytest.fixture
def cuda_dir(fake_cuda, tmp_path, monkeypatch):
    """A lib dir filled by the real pip command of utils.colab.setup, from the stand-in wheels."""
    for key, value in pip_settings(fake_cuda["wheels"]).items():
        monkeypatch.setenv(key, value)
    target = tmp_path / "cuda11"
    colab.run_pip(colab.cuda_install_command(target))
    return target


PRELOAD = textwrap.dedent("""
    import ctypes, json, sys
    from utils.colab import setup as colab
    order = colab.LOAD_ORDER[::-1] if "--reversed" in sys.argv else colab.LOAD_ORDER
    try:
        loaded = colab.preload_cuda_libraries(sys.argv[1], order)
    except colab.SetupError as err:
        print(json.dumps({"error": type(err).__name__, "message": str(err)}))
        sys.exit(0)
    ctypes.CDLL(sys.argv[2])  # libmxnet.so, by path, as `import mxnet` loads it
    print(json.dumps({"loaded": loaded}))
""")


def preload(cuda_dir, fake_cuda, *flags, driver=True):
    """Run the preloading in a fresh process; returns (result, libraries in load order)."""
    log = cuda_dir.parent / "load.log"
    log.unlink(missing_ok=True)
    env = {**os.environ, "LOAD_LOG": str(log)}
    if driver:  # the driver's folder is on the library path, as on a GPU machine
        env["LD_LIBRARY_PATH"] = str(fake_cuda["driver"])
    done = run([sys.executable, "-c", PRELOAD, str(cuda_dir), str(fake_cuda["mxnet"]), *flags],
               cwd=ROOT, env=env)
    assert done.returncode == 0, done.stderr
    order = log.read_text().split() if log.exists() else []
    return json.loads(done.stdout), order


@pytest.mark.compiler
def test_pip_puts_the_libraries_where_the_preloader_looks(cuda_dir):
    for package, name in colab.LOAD_ORDER:
        assert colab.library_path(cuda_dir, package, name).is_file(), name
    assert colab.library_path(cuda_dir, "nvidia-cuda-runtime-cu11", "x").parent == \
        cuda_dir / "nvidia" / "cuda_runtime" / "lib"


@pytest.mark.compiler
def test_the_libraries_load_in_dependency_order_then_the_driver(cuda_dir, fake_cuda):
    result, order = preload(cuda_dir, fake_cuda)
    expected = [name for _, name in colab.LOAD_ORDER] + [colab.DRIVER]
    # The order the libraries were actually loaded in; the stand-in libmxnet.so then
    # loads by path, its NEEDED sonames all resolved to the preloaded copies.
    assert order == expected + ["libmxnet.so"]
    assert [Path(p).name for p in result["loaded"]] == expected
    # Loaded by absolute path from the pip --target folder, not found elsewhere.
    assert all(p.startswith(str(cuda_dir)) for p in result["loaded"][:-1])


@pytest.mark.compiler
def test_without_the_preloading_libmxnet_cannot_find_its_libraries(fake_cuda):
    code = "import ctypes, sys; ctypes.CDLL(sys.argv[1])"
    done = run([sys.executable, "-c", code, str(fake_cuda["mxnet"])],
               env={**os.environ, "LD_LIBRARY_PATH": str(fake_cuda["driver"])})
    assert done.returncode != 0 and "cannot open shared object file" in done.stderr


@pytest.mark.compiler
def test_a_wrong_order_fails_and_names_the_libraries(cuda_dir, fake_cuda):
    result, _ = preload(cuda_dir, fake_cuda, "--reversed")
    assert result["error"] == "CudaLibrariesMissing"
    for name in ("libcublas.so.11", "libcusolver.so.11", "libcudnn_adv_train.so.8"):
        assert name in result["message"]


@pytest.mark.compiler
def test_a_missing_library_names_the_exact_pip_command(cuda_dir, fake_cuda):
    colab.library_path(cuda_dir, "nvidia-cudnn-cu11", "libcudnn.so.8").unlink()
    result, _ = preload(cuda_dir, fake_cuda)
    assert result["error"] == "CudaLibrariesMissing"
    message = result["message"]
    assert "libcudnn.so.8 (from nvidia-cudnn-cu11==8.9.6.50)" in message
    assert shlex.join(colab.cuda_install_command(cuda_dir)) in message
    assert "libcublas.so.11" not in message  # only what is missing


@pytest.mark.compiler
def test_without_a_driver_the_error_says_to_use_the_cpu_build(cuda_dir, fake_cuda):
    result, order = preload(cuda_dir, fake_cuda, driver=False)
    assert result["error"] == "NoDriver"
    assert "libcuda.so.1" in result["message"]
    assert "pip install mxnet==1.9.1" in result["message"]
    assert colab.DRIVER not in order


@pytest.mark.compiler
def test_no_driver_comes_first_even_when_libraries_are_missing(tmp_path, fake_cuda):
    result, _ = preload(tmp_path / "empty", fake_cuda, driver=False)
    assert result["error"] == "NoDriver"


def test_the_cuda_install_command_pins_every_library_into_its_own_folder(tmp_path):
    command = colab.cuda_install_command(tmp_path / "cuda11")
    assert command[:3] == [sys.executable, "-m", "pip"]
    assert command[command.index("--target") + 1] == str(tmp_path / "cuda11")
    assert "--no-deps" in command
    pins = [arg for arg in command if "==" in arg]
    assert pins == [f"{p}=={colab.PINS[p]}" for p in colab.CUDA11_PACKAGES]
    assert {p for p, _ in colab.LOAD_ORDER} == set(colab.CUDA11_PACKAGES)
    assert "nvidia-cudnn-cu11==8.9.6.50" in pins and "nvidia-nccl-cu11==2.21.5" in pins


# -- gap 4: which GPUs, which build -----------------------------------------------
@pytest.mark.parametrize("capability, runs", [
    ("5.0", "sm_50"), ("5.2", "sm_50"), ("6.1", "sm_60"), ("7.0", "sm_70"),
    ("7.5", "sm_70"),  # T4
    ("8.0", "sm_80"),  # A100
    ("8.6", "sm_86"),
    ("8.9", "sm_86"),  # L4
    ("9.0", None),     # H100, H200
    ("10.0", None), ("12.0", None), ("3.7", None), ((8, 9), "sm_86"),
])
def test_which_gpus_mxnet_cu112_has_kernels_for(capability, runs):
    assert colab.kernel_for(capability) == runs
    assert colab.kernels_for(capability) is (runs is not None)


def test_nvidia_smi_lines_are_parsed():
    text = "Tesla T4, 7.5\nNVIDIA H100 80GB HBM3, 9.0\nNVIDIA A100-SXM4-40GB, [N/A]\n"
    assert colab.parse_nvidia_smi(text) == [
        colab.Gpu("Tesla T4", (7, 5)), colab.Gpu("NVIDIA H100 80GB HBM3", (9, 0)),
        colab.Gpu("NVIDIA A100-SXM4-40GB", None)]
    assert colab.parse_nvidia_smi("") == []


def test_no_nvidia_smi_means_no_gpus(tmp_path, monkeypatch):
    monkeypatch.setenv("PATH", str(tmp_path))  # a PATH without nvidia-smi, as here
    assert colab.query_gpus() == []


def test_nvidia_smi_is_asked_for_name_and_compute_capability(tmp_path, monkeypatch):
    """A stand-in nvidia-smi that answers only the expected question."""
    smi = tmp_path / "nvidia-smi"
    smi.write_text('#!/bin/sh\n[ "$1" = "--query-gpu=name,compute_cap" ] && '
                   '[ "$2" = "--format=csv,noheader" ] || exit 6\necho "NVIDIA L4, 8.9"\n')
    smi.chmod(0o755)
    monkeypatch.setenv("PATH", f"{tmp_path}:{os.environ['PATH']}")
    assert colab.query_gpus() == [colab.Gpu("NVIDIA L4", (8, 9))]
    smi.write_text("#!/bin/sh\necho 'NVIDIA-SMI has failed because it could not "
                   "communicate with the NVIDIA driver.'\nexit 9\n")
    assert colab.query_gpus() == []


def test_the_build_follows_the_driver_and_the_gpu():
    T4, H100 = colab.Gpu("Tesla T4", (7, 5)), colab.Gpu("NVIDIA H100 80GB HBM3", (9, 0))
    build, why = colab.choose_build("libcuda.so.1: cannot open shared object file", [])
    assert build == "cpu" and "no NVIDIA driver" in why and "Change runtime type" in why
    build, why = colab.choose_build(None, [H100])
    assert build == "cpu" and "H100" in why and "compute capability 9.0" in why
    assert "no PTX" in why and "CPU build" in why
    assert colab.choose_build(None, [T4])[0] == "cu112"
    assert colab.choose_build(None, [colab.Gpu("NVIDIA L4", (8, 9))])[0] == "cu112"
    assert colab.choose_build(None, [])[0] == "cu112"  # a driver, but no nvidia-smi answer


def test_the_marker_records_the_build_and_the_pins(tmp_path, monkeypatch):
    monkeypatch.setenv("HOME", str(tmp_path))
    assert colab.installed_build() is None
    colab.record_install("cu112")
    assert colab.marker_file() == tmp_path / ".cache/gan-book/colab/installed.json"
    assert colab.installed_build() == "cu112"
    record = json.loads(colab.marker_file().read_text())
    record["pins"]["mxnet-cu112"] = "1.9.0"  # pins changed since: install again
    colab.marker_file().write_text(json.dumps(record))
    assert colab.installed_build() is None


# -- out of GPU memory ------------------------------------------------------------
def test_out_of_memory_becomes_advice_to_lower_the_batch_size():
    import mxnet as mx
    # What MXNet 1.9.1 says when cudaMalloc fails (src/storage/pooled_storage_manager.h).
    oom = mx.base.MXNetError("[12:00:00] src/storage/./pooled_storage_manager.h:161: "
                             "cudaMalloc retry failed: out of memory")
    with pytest.raises(colab.GpuOutOfMemory) as caught:
        with colab.gpu_advice():
            raise oom
    assert "batch size" in str(caught.value) and "GANBOOK_PROFILE" in str(caught.value)
    assert "--batch-size" in str(caught.value) and caught.value.__cause__ is oom
    other = mx.base.MXNetError("Check failed: shape mismatch")
    with pytest.raises(mx.base.MXNetError) as caught:
        with colab.gpu_advice():
            raise other
    assert caught.value is other


def test_a_cpu_build_reports_the_cpu_and_how_to_get_a_gpu():
    import mxnet as mx
    from utils import device
    ctx, message = device.choose_context(gpus=[])
    assert ctx == mx.cpu()
    assert "CPU build" in message and "no GPU visible" in message and "mxnet-cu112" in message
    ctx, message = device.choose_context(gpus=[colab.Gpu("Tesla T4", (7, 5))])
    assert ctx == mx.cpu() and "Tesla T4 (compute capability 7.5) stays unused" in message

