"""Making MXNet 1.9.1 work on Google Colab's runtime, with or without a GPU.

MXNet is retired. Its last CUDA build, mxnet-cu112 1.9.1, was made for CUDA 11.2 and
for the Python and numpy of 2022. Colab's default runtime has CUDA 12, cuDNN 9,
Python 3.13 and numpy 2. The numpy and Python gaps are filled by
`utils.mxnet_compat` on every machine, when MXNet is imported. This module fills
the rest, on Colab:

1. MXNet itself: the CPU build ``mxnet`` or the CUDA build ``mxnet-cu112``, both
   installed with ``--no-deps`` (their metadata asks for numpy < 2, which would
   replace Colab's numpy 2; MXNet runs on it through `utils.mxnet_compat`).
2. libmxnet.so of the CUDA build needs CUDA 11 libraries. They come from PyPI into a
   folder of their own (``pip --target``, so Colab's CUDA 12 stays untouched), and
   are loaded by absolute path in dependency order: `preload_cuda_libraries`.
3. mxnet-cu112 holds machine code for sm_50/60/70/80/86 only, and no PTX.
   `kernels_for` says whether a GPU can run it (T4, L4 and A100 can; H100 and newer
   cannot), and the CPU build is installed where none can.

`setup_colab()`, which the first cell of every chapter calls, installs what is
missing (once per runtime: a second run finds the record and skips pip), then
`setup_mxnet()` loads the libraries, imports MXNet and says where it computes.
Nothing is downgraded and Python never restarts.
"""
from __future__ import annotations

import contextlib
import ctypes
import importlib.metadata
import json
import shlex
import subprocess
import sys
from pathlib import Path
from typing import NamedTuple

from ..errors import GanBookError

# Every pinned version, in one place. The first cell installs these; the error
# messages quote them.
PINS = {
    "mxnet-cu112": "1.9.1",   # MXNet's last CUDA build (CUDA 11.2)
    "mxnet": "1.9.1",         # the CPU build, for runtimes with no usable GPU
    # The CUDA 11 libraries that libmxnet.so needs and its wheel does not contain.
    "nvidia-cuda-runtime-cu11": "11.8.89",
    "nvidia-cuda-nvrtc-cu11": "11.8.89",
    "nvidia-nvtx-cu11": "11.8.86",
    "nvidia-cublas-cu11": "11.11.3.6",
    "nvidia-cufft-cu11": "10.9.0.58",
    "nvidia-curand-cu11": "10.3.0.86",
    "nvidia-cusolver-cu11": "11.4.1.48",
    "nvidia-cudnn-cu11": "8.9.6.50",
    "nvidia-nccl-cu11": "2.21.5",
}
CUDA11_PACKAGES = tuple(name for name in PINS if name.startswith("nvidia-"))

# (package, library file), in the order they must be loaded. Each library's own
# dependencies come before it (cuBLAS needs cuBLASLt, cuSOLVER needs cuBLAS, cuDNN's
# sub-libraries need ops_infer...), so each load finds its NEEDED sonames already
# loaded. libcuda.so.1 comes last; it is the driver's, not a pip package's.
LOAD_ORDER = (
    ("nvidia-cuda-runtime-cu11", "libcudart.so.11.0"),
    ("nvidia-cuda-nvrtc-cu11", "libnvrtc-builtins.so.11.8"),
    ("nvidia-cuda-nvrtc-cu11", "libnvrtc.so.11.2"),
    ("nvidia-nvtx-cu11", "libnvToolsExt.so.1"),
    ("nvidia-cublas-cu11", "libcublasLt.so.11"),
    ("nvidia-cublas-cu11", "libcublas.so.11"),
    ("nvidia-cufft-cu11", "libcufft.so.10"),
    ("nvidia-curand-cu11", "libcurand.so.10"),
    ("nvidia-cusolver-cu11", "libcusolver.so.11"),
    ("nvidia-cudnn-cu11", "libcudnn_ops_infer.so.8"),
    ("nvidia-cudnn-cu11", "libcudnn_ops_train.so.8"),
    ("nvidia-cudnn-cu11", "libcudnn_cnn_infer.so.8"),
    ("nvidia-cudnn-cu11", "libcudnn_cnn_train.so.8"),
    ("nvidia-cudnn-cu11", "libcudnn_adv_infer.so.8"),
    ("nvidia-cudnn-cu11", "libcudnn_adv_train.so.8"),
    ("nvidia-cudnn-cu11", "libcudnn.so.8"),
    ("nvidia-nccl-cu11", "libnccl.so.2"),
)
DRIVER = "libcuda.so.1"

# GPU code compiled into mxnet-cu112 1.9.1: machine code only, no
# PTX. A GPU runs sm_XY machine code only when its major version is X and its minor
# version is at least Y, and without PTX nothing can be compiled for a newer GPU.
COMPILED_SM = ((5, 0), (6, 0), (7, 0), (8, 0), (8, 6))

GPU_RUNTIME_HINT = "Colab: Runtime > Change runtime type > T4 GPU (or L4, A100)"


class SetupError(GanBookError, RuntimeError):
    """Something MXNet needs is missing; the message says what to do."""


class NoDriver(SetupError):
    pass


class CudaLibrariesMissing(SetupError):
    pass


class ImportedTooEarly(SetupError):
    pass


class GpuOutOfMemory(SetupError):
    pass


# -- where things go --------------------------------------------------------------
def state_dir() -> Path:
    """Where the set-up keeps its files. It is under the home folder, so it lasts as
    long as the runtime (a Colab VM) and not longer, just like the installed packages."""
    return Path("~/.cache/gan-book/colab").expanduser()


def default_lib_dir() -> Path:
    """The ``pip --target`` folder of the CUDA 11 libraries."""
    return state_dir() / "cuda11"


def marker_file() -> Path:
    """Written after a finished install; a second run of the first cell skips pip."""
    return state_dir() / "installed.json"


# -- the CUDA 11 libraries ---------------------------------------------------------
def pinned(names) -> list[str]:
    """['mxnet==1.9.1', ...] for the given package names."""
    return [f"{name}=={PINS[name]}" for name in names]


def pip_command(*args: str) -> list[str]:
    """pip of the running Python, so packages land where this Python looks."""
    return [sys.executable, "-m", "pip", *args]


def cuda_install_command(lib_dir) -> list[str]:
    """The pip command that puts the CUDA 11 libraries into lib_dir. --no-deps: every
    package it needs is pinned here, and nothing else should come along."""
    return pip_command("install", "--quiet", "--no-deps", "--upgrade", "--target",
                       str(lib_dir), *pinned(CUDA11_PACKAGES))


def library_path(lib_dir, package: str, name: str) -> Path:
    """Where ``pip --target`` puts a library: nvidia-cuda-runtime-cu11's libcudart
    goes to <lib_dir>/nvidia/cuda_runtime/lib/."""
    folder = package.removeprefix("nvidia-").removesuffix("-cu11").replace("-", "_")
    return Path(lib_dir, "nvidia", folder, "lib", name)


def load_global(path_or_name: str):
    """Load a shared library so that libraries loaded later see its symbols and its
    soname. Setting LD_LIBRARY_PATH inside a running Python has no effect, so loading
    each library by its absolute path is what makes them findable."""
    return ctypes.CDLL(path_or_name, mode=ctypes.RTLD_GLOBAL)


def driver_error() -> str | None:
    """Why the NVIDIA driver's libcuda.so.1 cannot be loaded, or None when it can."""
    try:
        load_global(DRIVER)
        return None
    except OSError as err:
        return str(err)


def no_driver(reason: str) -> NoDriver:
    return NoDriver(
        f"No NVIDIA driver here ({DRIVER} cannot be loaded: {reason}), so MXNet's CUDA "
        "build (mxnet-cu112) has no GPU to run on.\n"
        f"Use MXNet's CPU build instead:  pip uninstall -y mxnet-cu112 && "
        f"pip install {' '.join(pinned(['mxnet']))}\n"
        f"or choose a GPU runtime ({GPU_RUNTIME_HINT}) and run the chapter's first cell again.")


def libraries_missing(lib_dir, missing: list[str]) -> CudaLibrariesMissing:
    lines = "\n".join(f"  {item}" for item in missing)
    return CudaLibrariesMissing(
        f"MXNet's CUDA build needs CUDA 11 libraries that cannot be loaded:\n{lines}\n"
        "Install them into a folder of their own (about 2 GB; the system's CUDA stays "
        "as it is):\n"
        f"  {shlex.join(cuda_install_command(lib_dir))}\n"
        "then run this again. On Colab, the first cell of every chapter does this.")


def preload_cuda_libraries(lib_dir=None, order=LOAD_ORDER) -> list[str]:
    """Load the CUDA 11 libraries, then the driver, globally and in dependency order.
    glibc then resolves libmxnet.so's NEEDED sonames to these loaded copies when
    mxnet is imported. A library missing from lib_dir is looked up by its soname on
    the system (a machine with CUDA 11 installed). Returns what was loaded, in order."""
    lib_dir = Path(lib_dir or default_lib_dir())
    loaded, missing = [], []
    for package, name in order:
        path = library_path(lib_dir, package, name)
        target = str(path) if path.exists() else name
        try:
            load_global(target)
            loaded.append(target)
        except OSError as err:
            missing.append(f"{name} (from {package}=={PINS[package]}): {err}")
    reason = driver_error()  # loads libcuda.so.1 when it is there: last, as it should be
    if reason:  # no driver: the libraries would be of no use, so say that first
        raise no_driver(reason)
    if missing:
        raise libraries_missing(lib_dir, missing)
    return loaded + [DRIVER]


# -- which GPUs mxnet-cu112 can run on -------------------------------------
class Gpu(NamedTuple):
    name: str
    capability: tuple[int, int] | None  # None when nvidia-smi could not say


def parse_capability(capability) -> tuple[int, int]:
    """(8, 6) from "8.6" or (8, 6)."""
    if isinstance(capability, str):
        major, minor = capability.strip().split(".")
        return int(major), int(minor)
    major, minor = capability
    return int(major), int(minor)


def kernel_for(capability) -> str | None:
    """The compiled code a GPU of this compute capability runs ("sm_86" for an L4,
    capability 8.9), or None when mxnet-cu112 has none for it (H100: 9.0)."""
    major, minor = parse_capability(capability)
    fitting = [sm for sm in COMPILED_SM if sm[0] == major and sm[1] <= minor]
    return f"sm_{major}{max(fitting)[1]}" if fitting else None


def kernels_for(capability) -> bool:
    """Whether mxnet-cu112 has GPU code that a GPU of this capability can run."""
    return kernel_for(capability) is not None


def parse_nvidia_smi(text: str) -> list[Gpu]:
    """GPUs from ``nvidia-smi --query-gpu=name,compute_cap --format=csv,noheader``."""
    gpus = []
    for line in text.strip().splitlines():
        name, _, cap = line.rpartition(",")  # GPU names may hold commas; the number can't
        try:
            capability = parse_capability(cap)
        except ValueError:  # "[N/A]", or a driver too old to know the field
            capability = None
        gpus.append(Gpu(name.strip(), capability))
    return gpus


def query_gpus() -> list[Gpu]:
    """The GPUs the driver reports; [] when there is no nvidia-smi or it fails."""
    try:
        done = subprocess.run(["nvidia-smi", "--query-gpu=name,compute_cap",
                               "--format=csv,noheader"],
                              capture_output=True, text=True, timeout=60)
    except (OSError, subprocess.TimeoutExpired):
        return []
    return parse_nvidia_smi(done.stdout) if done.returncode == 0 else []


def describe(gpu: Gpu) -> str:
    if gpu.capability is None:
        return f"{gpu.name} (compute capability unknown)"
    return f"{gpu.name} (compute capability {gpu.capability[0]}.{gpu.capability[1]})"


def no_kernels_message(gpu: Gpu) -> str:
    return (f"The {describe(gpu)} cannot run mxnet-cu112: its GPU code is machine code "
            "for sm_50, 60, 70, 80 and 86 only, with no PTX to compile for newer GPUs "
            "(\"no kernel image is available for execution on the device\"). "
            f"MXNet computes on the CPU instead. For a GPU that works: {GPU_RUNTIME_HINT}.")


# -- choosing and installing a build ----------------------------------------------
def choose_build(driver_reason: str | None, gpus: list[Gpu]) -> tuple[str, str]:
    """Which MXNet to install, "cu112" or "cpu", and a sentence saying why.
    driver_reason is `driver_error()`: None when the NVIDIA driver loads."""
    if driver_reason is not None:
        return "cpu", ("This runtime has no GPU (no NVIDIA driver), so MXNet's CPU build "
                       f"is installed. For a GPU: {GPU_RUNTIME_HINT}, then run this cell again.")
    if gpus and gpus[0].capability and not kernels_for(gpus[0].capability):
        return "cpu", no_kernels_message(gpus[0]) + " So MXNet's CPU build is installed."
    gpu = describe(gpus[0]) if gpus else "a GPU whose type nvidia-smi did not report"
    return "cu112", f"Found {gpu}: installing MXNet's CUDA build and the CUDA 11 libraries."


def run_pip(command: list[str], log=print) -> None:
    """Run pip quietly; on failure show its output and say how to retry."""
    done = subprocess.run(command, capture_output=True, text=True)
    if done.returncode != 0:
        log(done.stdout + done.stderr)
        raise SetupError(f"pip failed (exit code {done.returncode}; its messages are above):\n"
                         f"  {shlex.join(command)}\n"
                         "Run the cell again to retry: nothing is recorded as installed "
                         "until every package is in place.")


def install(build: str, log=print) -> None:
    """Install MXNet of the given build with --no-deps (its metadata asks for numpy < 2;
    it runs on the runtime's numpy through utils.mxnet_compat); for "cu112" also the
    CUDA 11 libraries, into their own folder so that Colab's CUDA 12 stays as it is."""
    if build == "cu112":
        run_pip(cuda_install_command(default_lib_dir()), log)
    mxnet = pinned(["mxnet-cu112" if build == "cu112" else "mxnet"])
    run_pip(pip_command("install", "--quiet", "--no-deps", *mxnet), log)


def installed_build() -> str | None:
    """The build a finished install recorded ("cu112" or "cpu"), or None when no
    install with the current pins has finished in this runtime."""
    try:
        record = json.loads(marker_file().read_text())
    except (OSError, ValueError):
        return None
    return record.get("build") if record.get("pins") == PINS else None


def record_install(build: str) -> None:
    marker_file().parent.mkdir(parents=True, exist_ok=True)
    marker_file().write_text(json.dumps({"build": build, "pins": PINS}, indent=1))


def installed_version(distribution: str) -> str | None:
    try:
        return importlib.metadata.version(distribution)
    except importlib.metadata.PackageNotFoundError:
        return None


def setup_colab(log=print):
    """What the first cell of a chapter does on Colab: install MXNet (and on a usable
    GPU the CUDA 11 libraries) once per runtime, then set MXNet up. Says in one line
    what it installed (or found installed) and in one more where MXNet computes.
    Returns the context to compute on."""
    check_not_imported_yet()
    build = installed_build()
    if build is None:
        build, why = choose_build(driver_error(), query_gpus())
        size = "about 2.1 GB, a few minutes" if build == "cu112" else "about 50 MB"
        log(f"{why} Installing mxnet{'-cu112' if build == 'cu112' else ''} "
            f"{PINS['mxnet']} ({size}, once per runtime) ...")
        install(build, log)
        record_install(build)
    else:
        log(f"MXNet {PINS['mxnet']} ({'CUDA' if build == 'cu112' else 'CPU'} build) is "
            "already installed in this runtime.")
    return setup_mxnet(log=log)


def check_not_imported_yet() -> None:
    """MXNet imported before the book's package could not be made to work with
    numpy 2: say so, and how to start clean."""
    from .. import mxnet_compat
    early = [m for m in sys.modules if m == "mxnet" or m.startswith("mxnet.")]
    if early and not mxnet_compat.hooked():
        raise ImportedTooEarly(
            "MXNet was imported before the book's package, so its fixes for this numpy "
            "could not be applied. Restart the runtime (Runtime > Restart session) and run "
            "this first cell before anything else.")


# -- importing MXNet and picking the device ---------------------------------------
def cuda_build_installed() -> bool:
    return installed_version("mxnet-cu112") is not None


def prepare_import(lib_dir=None) -> None:
    """Everything `import mxnet` needs first: the numpy and distutils fixes (also done
    by the import hook), and for the CUDA build the CUDA 11 libraries and the driver.
    Raises a SetupError that says what to do."""
    from .. import mxnet_compat
    mxnet_compat.install()
    mxnet_compat.prepare()
    if cuda_build_installed():
        preload_cuda_libraries(lib_dir)


def setup_mxnet(lib_dir=None, log=print):
    """Make `import mxnet` work here (CPU or CUDA build), import it, print which
    device it computes on, and return that context."""
    prepare_import(lib_dir)
    import mxnet  # noqa: F401  (after the shims and libraries above)

    from ..device import choose_context
    ctx, message = choose_context(advice=False)  # setup_colab has said how to get a GPU
    log(message)
    return ctx


# -- out of GPU memory ------------------------------------------------------------
def explain_gpu_error(err: BaseException) -> str | None:
    """Advice for an error a learner can fix, or None. MXNet reports a full GPU as
    "cudaMalloc retry failed: out of memory" (or "CUDA: out of memory")."""
    if "out of memory" not in str(err).lower():
        return None
    return ("The GPU ran out of memory. Lower the batch size: a smaller profile "
            "(GANBOOK_PROFILE=default trains with batch 64, full with 128), or a "
            "--batch-size of 32 on the command line. Memory held by another notebook "
            "is freed by restarting it (Colab: Runtime > Restart session).")


@contextlib.contextmanager
def gpu_advice():
    """Re-raise an out-of-memory error as GpuOutOfMemory, whose message says what to do."""
    try:
        yield
    except Exception as err:
        advice = explain_gpu_error(err)
        if advice is None:
            raise
        raise GpuOutOfMemory(f"{advice}\n(MXNet said: {str(err).strip()[:300]})") from err
