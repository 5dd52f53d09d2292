"""GPU self-check: does MXNet really compute on this GPU, and how fast?

    python -m utils.colab.gpu_check         # every stage on gpu(0)
    python -m utils.colab.gpu_check --cpu   # the same stages on the CPU (a machine with no GPU)

Stages, each printing PASS or FAIL and one line of detail:

1. import        MXNet imports (through utils.colab.setup, which loads the CUDA 11 libraries);
2. device        which GPU, its compute capability, and whether mxnet-cu112 has code for it;
3. elementwise   a simple kernel, compared with NumPy;
4. convolution   a convolution forward and backward (cuDNN on a GPU), compared with the
                 same convolution on the CPU; with --cpu, compared with NumPy;
5. dcgan step    one DCGAN training step (64x64 images, width 64, batch 64), timed.

The exit code is the number of failed stages, so 0 means everything works. On a
2-core CPU the whole check takes well under a minute; on a GPU, seconds.
"""
from __future__ import annotations

import argparse
import dataclasses
import os
import platform
import sys
import time

import numpy as np

from ..device import choose_context
from . import setup as colab


class StageFailed(Exception):
    """A stage's check did not hold; the message says what was seen and what to do."""


@dataclasses.dataclass
class State:
    """What the stages hand on to each other."""
    use_cpu: bool
    mx: object = None    # the mxnet module, once imported
    ctx: object = None   # where the stages compute, once the device stage has passed


# -- NumPy references (float64) for the --cpu run ---------------------------------
def conv_reference(x, w, stride, pad):
    """Cross-correlation as MXNet's Convolution computes it (NCHW, no bias)."""
    xp = np.pad(x, ((0, 0), (0, 0), (pad, pad), (pad, pad)))
    k = w.shape[2]
    windows = np.lib.stride_tricks.sliding_window_view(xp, (k, k), axis=(2, 3))
    windows = windows[:, :, ::stride, ::stride]           # n, c, i, j, kh, kw
    return np.einsum("ncijhw,ochw->noij", windows, w)


def conv_reference_grads(x, w, g, stride, pad):
    """Gradients of sum(conv(x, w) * g) with respect to x and w: each output pixel
    (i, j) took the input window at (i*stride, j*stride), so its upstream gradient
    flows back to exactly that window and to the kernel."""
    xp = np.pad(x, ((0, 0), (0, 0), (pad, pad), (pad, pad)))
    k, (oh, ow) = w.shape[2], g.shape[2:]
    dxp, dw = np.zeros_like(xp), np.zeros_like(w)
    for kh in range(k):
        for kw in range(k):
            rows = slice(kh, kh + stride * (oh - 1) + 1, stride)
            cols = slice(kw, kw + stride * (ow - 1) + 1, stride)
            dxp[:, :, rows, cols] += np.einsum("noij,oc->ncij", g, w[:, :, kh, kw])
            dw[:, :, kh, kw] = np.einsum("noij,ncij->oc", g, xp[:, :, rows, cols])
    return dxp[:, :, pad:pad + x.shape[2], pad:pad + x.shape[3]], dw


def max_relative_error(got, want) -> float:
    """Largest difference, relative to the largest value of the reference."""
    return float(np.abs(got - want).max() / max(np.abs(want).max(), 1e-12))


# -- the stages -------------------------------------------------------------------
def stage_import(state: State) -> str:
    colab.prepare_import()
    import mxnet as mx
    state.mx = mx
    build = "CUDA build" if mx.runtime.Features().is_enabled("CUDA") else "CPU build"
    return (f"mxnet {mx.__version__} ({build}), numpy {np.__version__}, "
            f"Python {platform.python_version()}")


def stage_device(state: State) -> str:
    mx = state.mx
    if state.use_cpu:
        state.ctx = mx.cpu()
        return f"cpu(0), {os.environ.get('OMP_NUM_THREADS', '?')} OpenMP threads (--cpu)"
    ctx, message = choose_context()
    if ctx.device_type != "gpu":
        raise StageFailed(f"{message} To run the stages on the CPU instead: "
                          "python -m utils.colab.gpu_check --cpu")
    state.ctx = ctx
    free, total = mx.context.gpu_memory_info(0)
    return f"{message} Memory: {free / 2**30:.1f} of {total / 2**30:.1f} GiB free."


def stage_elementwise(state: State) -> str:
    nd = state.mx.nd
    a = np.linspace(-3, 3, 1_000_003, dtype=np.float32)  # odd size: no lucky alignment
    got = (nd.array(a, ctx=state.ctx) * 2 + 1).tanh().asnumpy()
    error = max_relative_error(got, np.tanh(a.astype(np.float64) * 2 + 1))
    if error > 1e-5:
        raise StageFailed(f"tanh(2a + 1) differs from NumPy by {error:.1e} (relative)")
    return f"tanh(2a + 1) on 1,000,003 numbers matches NumPy (relative error {error:.1e})"


def conv_on(mx, ctx, x, w, g, stride, pad):
    """Forward and backward of one convolution on ctx: (output, grad x, grad w)."""
    nd, autograd = mx.nd, mx.autograd
    xv, wv = nd.array(x, ctx=ctx), nd.array(w, ctx=ctx)
    xv.attach_grad()
    wv.attach_grad()
    with autograd.record():
        y = nd.Convolution(xv, wv, kernel=w.shape[2:], stride=(stride, stride),
                           pad=(pad, pad), num_filter=w.shape[0], no_bias=True)
    y.backward(nd.array(g, ctx=ctx))
    return y.asnumpy(), xv.grad.asnumpy(), wv.grad.asnumpy()


def stage_convolution(state: State) -> str:
    """A layer like the discriminator's (kernel 4, stride 2, padding 1)."""
    mx = state.mx
    rng = np.random.default_rng(0)
    stride, pad = 2, 1
    x = rng.standard_normal((4, 3, 16, 16)).astype(np.float32)
    w = rng.standard_normal((8, 3, 4, 4)).astype(np.float32)
    g = rng.standard_normal((4, 8, 8, 8)).astype(np.float32)  # upstream gradient
    got = conv_on(mx, state.ctx, x, w, g, stride, pad)
    if state.use_cpu:
        x64, w64, g64 = (a.astype(np.float64) for a in (x, w, g))
        want = (conv_reference(x64, w64, stride, pad),
                *conv_reference_grads(x64, w64, g64, stride, pad))
        against, tolerance = "a NumPy reference", 1e-4
    else:
        want = conv_on(mx, mx.cpu(), x, w, g, stride, pad)
        # Ampere and newer may run float32 convolutions in TF32 (10-bit mantissa).
        against, tolerance = "MXNet on the CPU", 1e-2
    errors = [max_relative_error(a, b) for a, b in zip(got, want)]
    detail = (f"forward {errors[0]:.1e}, grad input {errors[1]:.1e}, grad weight "
              f"{errors[2]:.1e} (relative, tolerance {tolerance:.0e}) against {against}")
    if max(errors) > tolerance:
        raise StageFailed(detail)
    if not state.use_cpu:
        cudnn = "with cuDNN" if mx.runtime.Features().is_enabled("CUDNN") else "WITHOUT cuDNN"
        detail = f"{cudnn}: {detail}"
    return detail


def stage_dcgan(state: State) -> str:
    """The DCGAN networks and training step of the chapters, at the paper's width."""
    from .. import profiles
    from ..gan import dcgan, training
    nd = state.mx.nd
    profile = dataclasses.replace(profiles.PROFILES["quick"], ngf=64, ndf=64, batch_size=64)
    G, D = training.build_networks(profile, state.ctx)
    trainer_g, trainer_d = training.build_trainers(G, D, profile)
    shape = (profile.batch_size, 3, 64, 64)
    real = nd.random.uniform(-1, 1, shape, ctx=state.ctx)
    z = nd.random.normal(0, 1, (profile.batch_size, profile.nz, 1, 1), ctx=state.ctx)

    def step():
        return dcgan.train_step(G, D, trainer_g, trainer_d, real, z)

    step().asnumpy()  # the first step builds the graphs and picks algorithms: not timed
    steps = 2 if state.use_cpu else 20  # a CPU step takes seconds; a GPU step milliseconds
    start = time.perf_counter()
    stats = [step() for _ in range(steps)]
    stats = nd.stack(*stats).asnumpy()  # waits for the last step
    ms = (time.perf_counter() - start) / steps * 1000
    if not np.isfinite(stats).all():
        raise StageFailed("a loss became NaN or infinite")
    return (f"{ms:.0f} ms/step ({profile.batch_size * 1000 / ms:.0f} samples/s), "
            f"width 64, batch 64, mean of {steps} steps")


STAGES = (("import", stage_import), ("device", stage_device),
          ("elementwise", stage_elementwise), ("convolution", stage_convolution),
          ("dcgan step", stage_dcgan))


def needs(name: str, state: State) -> str | None:
    """Why a stage cannot run yet, or None: later stages need MXNet and a device."""
    if name != "import" and state.mx is None:
        return "not run: MXNet did not import (see import)"
    if name not in ("import", "device") and state.ctx is None:
        return "not run: no usable GPU (see device)"
    return None


def run_stage(name: str, stage, state: State) -> tuple[bool, str]:
    """(passed, detail) of one stage; an error becomes a FAIL that says what to do."""
    blocked = needs(name, state)
    if blocked:
        return False, blocked
    start = time.perf_counter()
    try:
        with colab.gpu_advice():
            detail = stage(state)
    except (StageFailed, colab.SetupError) as err:
        return False, str(err)
    except Exception as err:  # noqa: BLE001  (report any failure as a FAIL line)
        first_line = (str(err).strip().splitlines() or [""])[0][:300]
        return False, f"{type(err).__name__}: {first_line}"
    return True, f"{detail}  [{time.perf_counter() - start:.1f} s]"


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(prog="python -m utils.colab.gpu_check",
                                     description=__doc__.split("\n")[0])
    parser.add_argument("--cpu", action="store_true",
                        help="run every stage on the CPU (to see the check work without a GPU)")
    args = parser.parse_args(argv)
    state = State(use_cpu=args.cpu)
    print(f"MXNet self-check on the {'CPU (--cpu)' if args.cpu else 'GPU'}", flush=True)
    failures = 0
    for name, stage in STAGES:
        passed, detail = run_stage(name, stage, state)
        failures += not passed
        print(f"{'PASS' if passed else 'FAIL'}  {name:<12} {detail}", flush=True)
    print(f"{len(STAGES) - failures} of {len(STAGES)} stages passed; exit code {failures}")
    return failures


if __name__ == "__main__":
    sys.exit(main())
