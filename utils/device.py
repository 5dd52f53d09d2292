"""Where MXNet computes: a GPU when MXNet can use it, else the CPU, and why.

Used by every chapter (`session.start`), the GPU self-check and the Colab set-up,
so the reason for a CPU fallback is worded the same everywhere.
"""
from __future__ import annotations

import os


def _cpu(mx, head: str, why: str):
    threads = os.environ.get("OMP_NUM_THREADS", "?")
    return mx.cpu(), f"{head}cpu(0) with {threads} threads{why}"


def choose_context(use_gpu: bool = True, gpus=None, advice: bool = True):
    """Return (context, message). gpu(0) when this MXNet build has CUDA, sees a GPU,
    has kernels for it (mxnet-cu112 has none for sm_90 and newer) and a tiny
    computation there works; else the CPU, with the reason. `gpus` (a list of
    colab.setup.Gpu) defaults to what nvidia-smi reports. advice=False leaves out
    how to get a GPU (the Colab set-up has just said it)."""
    import mxnet as mx

    from .colab.setup import Gpu, describe, kernel_for, kernels_for, no_kernels_message, query_gpus
    if not use_gpu:
        return _cpu(mx, "", " (GPU not requested)")
    gpus = query_gpus() if gpus is None else gpus
    head = f"MXNet {mx.__version__}"
    if not mx.runtime.Features().is_enabled("CUDA"):
        where = (f"the {describe(gpus[0])} stays unused, since this build never uses a GPU"
                 if gpus else "no GPU visible to MXNet")
        how = (" For a GPU: mxnet-cu112 on a T4, L4 or A100 (on Colab the first cell of a "
               "chapter installs it)." if advice else "")
        return _cpu(mx, f"{head} (CPU build, package mxnet) computes on ", f": {where}.{how}")
    if mx.context.num_gpus() == 0:
        return _cpu(mx, f"{head} (CUDA build) computes on ", ": it sees no GPU.")
    gpu = gpus[0] if gpus else Gpu("gpu(0)", None)
    if gpu.capability and not kernels_for(gpu.capability):
        return _cpu(mx, f"{head} (CUDA build) computes on ", ": " + no_kernels_message(gpu))
    try:  # a tiny kernel proves the GPU can run MXNet's code
        (mx.nd.ones((2,), ctx=mx.gpu(0)) * 2).asnumpy()
    except mx.base.MXNetError as err:
        first_line = str(err).strip().splitlines()[0][:200]
        return _cpu(mx, f"{head} (CUDA build) computes on ",
                    f": it cannot use the {describe(gpu)} ({first_line}).")
    code = f", running its {kernel_for(gpu.capability)} code" if gpu.capability else ""
    return mx.gpu(0), f"{head} (CUDA build) computes on gpu(0): {describe(gpu)}{code}."
