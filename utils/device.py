"""Choosing where MXNet computes: a GPU when one works, else the CPU, and saying which."""
from __future__ import annotations

import os

import mxnet as mx


def choose_context(use_gpu: bool = True):
    """Return (context, message). Falls back to the CPU, with the reason, whenever a
    GPU is absent or cannot run MXNet's kernels (e.g. the CPU build of MXNet, or an
    H100, for which mxnet-cu112 has no compiled code)."""
    threads = os.environ.get("OMP_NUM_THREADS", "?")
    cpu_msg = f"cpu(0) with {threads} threads"
    if not use_gpu:
        return mx.cpu(), f"{cpu_msg} (GPU not requested)"
    try:
        n_gpus = mx.context.num_gpus()
    except mx.base.MXNetError:
        n_gpus = 0
    if n_gpus == 0:
        return mx.cpu(), (f"{cpu_msg}: no GPU visible to MXNet, so this runs on the CPU. "
                          "(For a GPU: a CUDA build of MXNet, e.g. on Colab.)")
    ctx = mx.gpu(0)
    try:  # a tiny convolution proves the GPU can run MXNet's kernels
        x = mx.nd.ones((1, 1, 4, 4), ctx=ctx)
        mx.nd.Convolution(x, mx.nd.ones((1, 1, 3, 3), ctx=ctx), kernel=(3, 3), num_filter=1,
                          no_bias=True).asnumpy()
    except mx.base.MXNetError as err:
        first_line = str(err).strip().splitlines()[0][:200]
        return mx.cpu(), (f"{cpu_msg}: a GPU is present but MXNet cannot use it ({first_line}), "
                          "so this runs on the CPU.")
    return ctx, f"gpu(0) ({n_gpus} GPU(s) visible)"
