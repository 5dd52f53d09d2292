"""Training speed of the book's engine against a PyTorch reference, lever by lever.

    python bench/bench_training.py [--iters 20] [--rounds 1] [--only NAME ...]
        [--torch-ref PATH [--torch-python /tmp/torch-ref/bin/python]]

DCGAN 64x64 at the paper's width (ngf = ndf = 64), fp32, batch 64, on this machine.
Each configuration runs in its own process (the OpenMP thread count is fixed when
MXNet loads). The levers are added one at a time, from a loop written like the
original tutorial to the engine as the chapters run it (`training.train`: batches
from the uint8 data, statistics as logged).

The PyTorch reference is a separate script, not part of this repository: a DCGAN
training script in the style of pytorch/examples whose `main()` times its
iterations and prints their median (see `torch_ref_stats.py` for what it must
provide). Pass its path with --torch-ref; without it the comparison is skipped and
only the engine's numbers are printed. With it, the reference runs between the
configurations, so each ratio compares against the reference's runs just before and
after it: other load on the machine then moves both sides alike. Prints a Markdown
table. To keep a run, append its output to a dated file under bench/results/, e.g.
`... | tee -a bench/results/training_$(date -u +%F).txt`.

Two ratios. The reference prints the median of its iterations; the engine's figure
is its whole loop, samples over seconds, a mean in which slow iterations count. So
the reference runs through `torch_ref_stats.py`, which keeps its iteration times and
also gives their mean: "like for like" divides mean by mean. The other ratio divides
by the reference's own (median) figure, as earlier tables did.
"""
from __future__ import annotations

import argparse
import contextlib
import dataclasses
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]

# name, what it adds, environment
LEVERS = [
    ("tutorial", "a loop as in the original: imperative, 2 G forwards, asscalar() every step, "
                 "MXNet's default of 1 OpenMP thread", {"OMP_NUM_THREADS": "1"}),
    ("threads", "+ OMP_NUM_THREADS = cores (set by `import utils`)", {}),
    ("hybridize", "+ hybridize(static_alloc=True, static_shape=True)", {}),
    ("one G forward", "+ one G forward per iteration (fake reused for G's step)", {}),
    ("no host sync", "+ statistics stay on the device (read once per epoch)", {}),
    ("D frozen in G step", "+ no D weight gradients in G's step (`speed.frozen`)", {}),
    ("small layers as matmul", "+ G's 1→4 and 4→8 and D's 8→4 and 4→1 layers as one matrix "
                               "product each (`matmul_conv`)", {}),
    ("engine loop", "the engine's full loop (`training.train`: uint8 batches, statistics as "
                    "logged, the epoch's fixed-noise samples)", {}),
    ("engine + OMP_PROC_BIND", "+ OMP_PROC_BIND=true (threads pinned to cores)",
     {"OMP_PROC_BIND": "true"}),
]


# --- one configuration, in a child process --------------------------------------------

def _tutorial_step(G, D, tg, td, real, nz, nd, autograd, bce, single_forward, sync):
    n = real.shape[0]
    ones, zeros = nd.ones((n,)), nd.zeros((n,))
    with autograd.record():
        z = nd.random.normal(0, 1, (n, nz, 1, 1))
        fake = G(z)
        loss_d = bce(D(real).reshape((-1,)), ones) + bce(D(fake.detach()).reshape((-1,)), zeros)
    loss_d.backward()
    td.step(n)
    with autograd.record():
        if not single_forward:
            fake = G(z)  # the original ran G a second time for its own step
        loss_g = bce(D(fake).reshape((-1,)), ones)
    loss_g.backward()
    tg.step(n)
    if sync:
        return loss_d.mean().asscalar(), loss_g.mean().asscalar()  # waits every step
    return nd.concat(loss_d.mean(), loss_g.mean(), dim=0)


def run_config(name: str, iters: int, warmup: int) -> float:
    import utils  # noqa: F401  (thread count, as the chapters)
    import mxnet as mx
    import numpy as np
    from mxnet import autograd, nd

    from utils import data, profiles
    from utils.data import faces
    from utils.gan import dcgan, training
    p = dataclasses.replace(profiles.PROFILES["default"], ngf=64, ndf=64, batch_size=64,
                            real_label=1.0, instance_noise=0.0, flip=False)
    ctx = mx.cpu()
    images, _ = faces.make_faces((iters + warmup) * 64, seed=0)
    if name.startswith("engine"):
        G, D = training.build_networks(p, ctx)
        with tempfile.TemporaryDirectory() as out:
            # a warm-up run, then the timed one: one epoch of `iters` batches. Its
            # "seconds" is the epoch as the log line times it (every step, the one
            # wait for the epoch's statistics, the fixed-noise samples), read to the
            # millisecond rather than the log line's whole samples/s.
            one_epoch = dataclasses.replace(p, epochs=1)
            training.train(G, D, data.Batches(images[:warmup * 64], 64), one_epoch, ctx,
                           training.fixed_noise(p), log=lambda line: None)
            history = training.train(G, D, data.Batches(images[warmup * 64:], 64), one_epoch,
                                     ctx, training.fixed_noise(p), out=out, log=lambda line: None)
        return 64 * iters / history["seconds"]
    levels = [n for n, _, _ in LEVERS]
    level = levels.index(name)
    mx.random.seed(0)
    matmul = level >= levels.index("small layers as matmul")
    if level >= 2:
        G, D = dcgan.new_networks(p.ngf, p.ndf, p.nz, ctx, seed=p.seed)
        if matmul:
            training.speed_up(G, D, ctx, p.nz)
    else:
        G, D = _imperative_nets(p, ctx)
    tg, td = training.build_trainers(G, D, p)
    real_batches = [nd.array(data.to_float(images[i * 64:(i + 1) * 64])) for i in range(iters + warmup)]
    if level >= 5:
        step = lambda real: dcgan.train_step(G, D, tg, td, real,  # noqa: E731
                                                nd.random.normal(0, 1, (64, p.nz, 1, 1)))
    else:
        step = lambda real: _tutorial_step(G, D, tg, td, real, p.nz, nd, autograd,  # noqa: E731
                                           dcgan.bce, single_forward=level >= 3, sync=level < 4)
    out = None
    for i, real in enumerate(real_batches):
        if i == warmup:
            nd.waitall()
            t = time.perf_counter()
        out = step(real)
    if hasattr(out, "wait_to_read"):
        out.wait_to_read()
    nd.waitall()
    return 64 * iters / (time.perf_counter() - t)


def _imperative_nets(p, ctx):
    from mxnet import init, nd

    from utils.gan import dcgan
    G, D = dcgan.generator(p.ngf), dcgan.discriminator(p.ndf)
    G.initialize(init.Normal(0.02), ctx=ctx), D.initialize(init.Normal(0.02), ctx=ctx)
    G(nd.zeros((1, p.nz, 1, 1))), D(nd.zeros((1, 3, 64, 64)))
    return G, D


# --- the driver -----------------------------------------------------------------------

def child(name: str, iters: int, warmup: int, env: dict) -> float:
    out = subprocess.run([sys.executable, __file__, "--child", name, "--iters", str(iters),
                          "--warmup", str(warmup)], cwd=ROOT, env={**os.environ, **env},
                         capture_output=True, text=True)
    if out.returncode:
        raise RuntimeError(f"{name} failed:\n{out.stderr[-2000:]}")
    return float(out.stdout.strip().splitlines()[-1])


def torch_ref(python: str, script: str, iters: int) -> tuple[float, float]:
    """The reference's samples/s: (its own figure, the median; the mean of the same
    iterations)."""
    out = subprocess.run([python, str(ROOT / "bench" / "torch_ref_stats.py"), "--torch-ref", script,
                          "--iters", str(iters)], capture_output=True, text=True, check=True).stdout
    stats = json.loads(out.strip().splitlines()[-1])
    return stats["median"], stats["mean"]


def find_torch(explicit: str | None) -> str | None:
    for python in ([explicit] if explicit else []) + [sys.executable, "/tmp/torch-ref/bin/python"]:
        if python and shutil.which(python) and subprocess.run(
                [python, "-c", "import torch"], capture_output=True).returncode == 0:
            return python
    return None


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--iters", type=int, default=20)
    ap.add_argument("--warmup", type=int, default=3)
    ap.add_argument("--torch-ref", metavar="PATH",
                    help="the PyTorch reference script (a DCGAN training script whose main() prints "
                         "the median of its timed iterations); without it the comparison is skipped")
    ap.add_argument("--torch-python", metavar="PYTHON",
                    help="a Python with torch, for --torch-ref (default: this one, or /tmp/torch-ref)")
    ap.add_argument("--only", nargs="*", help="run only these configurations")
    ap.add_argument("--rounds", type=int, default=1,
                    help="repeat every configuration; the table shows medians and ranges")
    ap.add_argument("--child", help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.child:
        print(run_config(args.child, args.iters, args.warmup))
        return
    torch_python = None
    if args.torch_ref is None:
        print("PyTorch comparison skipped: pass --torch-ref PATH (the PyTorch DCGAN reference script) "
              "to compare; engine numbers only.")
    elif not Path(args.torch_ref).is_file():
        ap.error(f"--torch-ref {args.torch_ref}: no such file")
    else:
        args.torch_ref = str(Path(args.torch_ref).resolve())
        torch_python = find_torch(args.torch_python)
        if torch_python is None:
            print("PyTorch comparison skipped: no Python with torch found (try --torch-python; to make "
                  "one: python3 -m venv /tmp/torch-ref && /tmp/torch-ref/bin/pip install torch==2.13.0 "
                  "numpy); engine numbers only.")
    print(f"# {_cpu()}, {os.cpu_count()} cores, "
          f"{time.strftime('%Y-%m-%d %H:%M %Z')}; DCGAN ngf=ndf=64, fp32, batch 64, "
          f"{args.iters} timed iterations after {args.warmup}")
    print(_bf16_note())
    ref = [torch_ref(torch_python, args.torch_ref, args.iters)] if torch_python else []
    runs = {name: [] for name, _, _ in LEVERS}  # (samples/s, reference median and mean around it)
    for round_ in range(args.rounds):
        for name, what, env in LEVERS:
            if args.only and name not in args.only:
                continue
            speed = child(name, args.iters, args.warmup, env)
            around = None
            if torch_python:
                ref.append(torch_ref(torch_python, args.torch_ref, args.iters))
                around = tuple(statistics.mean(r[i] for r in ref[-2:]) for i in (0, 1))
            runs[name].append((speed, around))
            print(f"  round {round_ + 1} {name}: {speed:.1f} samples/s" + (
                f", reference {around[0]:.1f} (median) {around[1]:.1f} (mean), "
                f"ratio {speed / around[0]:.2f}, like for like {speed / around[1]:.2f}" if around else ""),
                flush=True)
    print(f"\nMedians over {args.rounds} round(s); ratio of the sums in brackets:\n")
    print("| configuration | what it adds | samples/s | PyTorch ref: its figure (median) | ratio (range) "
          "| PyTorch ref: mean | like for like (range) |")
    print("|---|---|---:|---:|---:|---:|---:|")
    for name, what, _ in LEVERS:
        if not runs[name]:
            continue
        speeds = [s for s, _ in runs[name]]
        cells = []
        for i in (0, 1) if torch_python else ():
            refs = [a[i] for _, a in runs[name]]
            ratios = [s / r for s, r in zip(speeds, refs)]
            cells.append(f"{statistics.median(refs):.1f} | {statistics.median(ratios):.2f}× "
                         f"({min(ratios):.2f}–{max(ratios):.2f}) [{sum(speeds) / sum(refs):.2f}×]")
        print(f"| {name} | {what} | {statistics.median(speeds):.1f} | "
              + (" | ".join(cells) if cells else "– | – | – | –") + " |")


def _cpu() -> str:
    """The CPU's model name and its widest vector instructions, from /proc/cpuinfo
    (Linux); the machine type elsewhere."""
    import platform
    info = Path("/proc/cpuinfo").read_text() if Path("/proc/cpuinfo").exists() else ""
    model = next((line.split(":", 1)[1].strip() for line in info.splitlines()
                  if line.startswith("model name")), "")
    if not model:
        return platform.processor() or platform.machine()
    flags = set(next((line.split(":", 1)[1].split() for line in info.splitlines()
                      if line.startswith("flags")), []))
    simd = "AVX-512" if "avx512f" in flags else "AVX2, no AVX-512" if "avx2" in flags else "no AVX2"
    return f"{model} ({simd})"


def _bf16_note() -> str:
    flags = Path("/proc/cpuinfo").read_text() if Path("/proc/cpuinfo").exists() else ""
    if "avx512_bf16" in flags or "amx_bf16" in flags:
        return "# this CPU has bfloat16 instructions (not measured here: MXNet AMP bf16 crashed in an earlier try)"
    return "# bfloat16: not measured, this CPU has no avx512_bf16/amx_bf16 (it would be emulated)"


if __name__ == "__main__":
    with contextlib.suppress(KeyboardInterrupt):
        main()
