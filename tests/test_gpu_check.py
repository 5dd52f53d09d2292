"""python -m utils.colab.gpu_check: the stages, on this machine's CPU.

This machine has no GPU and the CPU build of MXNet, so `--cpu` must pass every stage
and a plain run must fail the GPU stages, saying why and what to do. The NumPy
references that `--cpu` compares MXNet with are checked on their own first.
"""
from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from utils.colab import gpu_check

ROOT = Path(__file__).resolve().parents[1]
STAGES = [name for name, _ in gpu_check.STAGES]


def run_check(*args):
    return subprocess.run([sys.executable, "-m", "utils.colab.gpu_check", *args], cwd=ROOT,
                          capture_output=True, text=True, timeout=300)


def stage_lines(stdout: str) -> dict[str, str]:
    """{stage: "PASS ..." or "FAIL ..."} from the check's output."""
    lines = {}
    for line in stdout.splitlines():
        verdict, _, rest = line.partition("  ")
        for name in STAGES:
            if verdict in ("PASS", "FAIL") and rest.startswith(name):
                lines[name] = line
    return lines


def test_with_cpu_every_stage_passes():
    done = run_check("--cpu")
    assert done.returncode == 0, done.stdout + done.stderr
    lines = stage_lines(done.stdout)
    assert list(lines) == STAGES
    assert all(line.startswith("PASS") for line in lines.values()), done.stdout
    assert "against a NumPy reference" in lines["convolution"]
    assert "ms/step" in lines["dcgan step"] and "width 64, batch 64" in lines["dcgan step"]
    assert done.stdout.rstrip().endswith("5 of 5 stages passed; exit code 0")


def test_without_a_gpu_the_gpu_stages_fail_and_say_why():
    done = run_check()
    lines = stage_lines(done.stdout)
    failed = [name for name, line in lines.items() if line.startswith("FAIL")]
    assert done.returncode == len(failed) == 4, done.stdout + done.stderr
    assert lines["import"].startswith("PASS")
    device = lines["device"]
    assert "CPU build" in device and "no GPU visible" in device   # why
    assert "mxnet-cu112" in device and "--cpu" in device       # what to do
    for name in ("elementwise", "convolution", "dcgan step"):
        assert "not run: no usable GPU (see device)" in lines[name]


# -- the NumPy references of --cpu ------------------------------------------------
def naive_conv(x, w, stride, pad):
    """The definition, loop by loop."""
    n, c, h, _ = x.shape
    o, _, k, _ = w.shape
    xp = np.pad(x, ((0, 0), (0, 0), (pad, pad), (pad, pad)))
    size = (h + 2 * pad - k) // stride + 1
    out = np.zeros((n, o, size, size))
    for i in range(size):
        for j in range(size):
            window = xp[:, :, i * stride:i * stride + k, j * stride:j * stride + k]
            out[:, :, i, j] = np.tensordot(window, w, axes=([1, 2, 3], [1, 2, 3]))
    return out


@pytest.fixture
def small():
    rng = np.random.default_rng(1)
    return (rng.standard_normal((2, 3, 7, 7)), rng.standard_normal((4, 3, 4, 4)),
            rng.standard_normal((2, 4, 3, 3)))


def test_the_forward_reference_is_the_definition(small):
    x, w, _ = small
    assert np.allclose(gpu_check.conv_reference(x, w, 2, 1), naive_conv(x, w, 2, 1))
    flipped = w[:, :, ::-1, ::-1]  # a true convolution is not what MXNet computes
    assert gpu_check.max_relative_error(gpu_check.conv_reference(x, flipped, 2, 1),
                                    naive_conv(x, w, 2, 1)) > 0.1


def test_the_gradient_reference_matches_finite_differences(small):
    x, w, g = small
    dx, dw = gpu_check.conv_reference_grads(x, w, g, 2, 1)

    def loss(x_, w_):
        return float((naive_conv(x_, w_, 2, 1) * g).sum())

    eps = 1e-6
    for index in [(0, 0, 0, 0), (1, 2, 6, 5), (0, 1, 3, 3)]:
        bumped = x.copy()
        bumped[index] += eps
        assert dx[index] == pytest.approx((loss(bumped, w) - loss(x, w)) / eps, rel=1e-4, abs=1e-6)
    for index in [(0, 0, 0, 0), (3, 2, 3, 1), (2, 1, 1, 2)]:
        bumped = w.copy()
        bumped[index] += eps
        assert dw[index] == pytest.approx((loss(x, bumped) - loss(x, w)) / eps, rel=1e-4, abs=1e-6)
