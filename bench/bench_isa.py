"""Chapter 2's `default` training as CPUs with narrower vector units would run it.

    python bench/bench_isa.py [--isas native AVX2 AVX] [--turns 20] [--steps 20] [--minutes 11.4]

MXNet runs its convolutions and matrix products on a CPU with oneDNN, which picks
its kernels by the widest vector instructions the CPU has (AVX-512, AVX2, AVX,
SSE4.1). The environment variable DNNL_MAX_CPU_ISA caps that choice, so one machine
can time the kernels an AVX2-only laptop would run. It caps the instructions only:
the clock, the caches and the number of cores stay this machine's, so the ratio is
the part of a slower CPU's time that its instructions explain, not a full emulation.
numpy and MXNet's OpenBLAS are left alone (this OpenBLAS runs its AVX2 kernels on
every newer CPU; the script prints which it picked).

oneDNN reads the cap once, so each cap gets a process of its own: a worker that
builds the `default` profile's G and D (with the engine's matrix-product layers) and
its Adam trainers, then, on each turn, takes `--steps` training steps as
`training.train` takes them: a uint8 batch converted, chapter 2's step with the
instance noise and the grain penalty at mid-run levels, the average of G updated.
The workers take turns, `--turns` times, so the machine's drift (easily a third
within minutes on a shared VM) hits every cap alike. Prints ms a step, the ratio to
the first cap paired turn by turn, the profile's steps at that pace in minutes (the
loop's once-an-epoch work, a percent or two, not included), and with --minutes a
recorded training time (chapter 2 prints its run's) scaled by the ratio.
"""
from __future__ import annotations

import argparse
import contextlib
import itertools
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from bench_training import _cpu  # noqa: E402  (the CPU named as the other benchmarks name it)

ISA_ENV = "DNNL_MAX_CPU_ISA"


# --- a worker: one cap, one process ---------------------------------------------------

def worker() -> None:
    """Answers each line "N" on stdin with the seconds N training steps took."""
    import utils  # noqa: F401  (thread count, as the chapters)
    import mxnet as mx
    from mxnet import nd

    from utils import data, profiles
    from utils.data import faces
    from utils.gan import dcgan, training
    p = profiles.PROFILES["default"]
    ctx = mx.cpu()
    images, _ = faces.make_faces(50 * p.batch_size, seed=0)  # content does not change the cost
    batches = data.Batches(images, p.batch_size, flip=p.flip)
    G, D = training.build_networks(p, ctx)
    training.speed_up(G, D, ctx, p.nz)
    trainer_g, trainer_d = training.build_trainers(G, D, p)
    G_avg = training.new_average(G, p, ctx)
    stream = (b for e in itertools.count() for b in batches.epoch(e))  # epoch after epoch

    def steps(n: int) -> float:
        nd.waitall()
        t = time.perf_counter()
        for _ in range(n):
            real = nd.array(next(stream), ctx=ctx)
            z = nd.random.normal(0, 1, (p.batch_size, p.nz, 1, 1), ctx=ctx)
            dcgan.train_step(G, D, trainer_g, trainer_d, real, z, p.real_label,
                             p.instance_noise / 2, p.grain / 2)
            dcgan.update_average(G_avg, G, p.ema)
        nd.waitall()
        return time.perf_counter() - t

    steps(10)  # oneDNN builds its kernels
    print(f"ready\t{_onednn_isa()}", flush=True)
    for line in sys.stdin:
        print(steps(int(line)), flush=True)


def _onednn_isa() -> str:
    """The instruction set oneDNN reports under this process's cap (its verbose header)."""
    out = subprocess.run([sys.executable, "-c", (
        "import utils, mxnet as mx\n"
        "x = mx.nd.ones((1, 4, 8, 8)); w = mx.nd.ones((4, 4, 3, 3))\n"
        "mx.nd.Convolution(x, w, kernel=(3, 3), num_filter=4, no_bias=True).wait_to_read()\n")],
        cwd=ROOT, env={**os.environ, "DNNL_VERBOSE": "1"}, capture_output=True, text=True)
    line = next((l for l in out.stdout.splitlines() if ",isa:" in l), "")
    return line.split(",isa:", 1)[1].strip() if line else "unknown"


# --- the driver -----------------------------------------------------------------------

class Worker:
    def __init__(self, isa: str):
        env = {k: v for k, v in os.environ.items() if k != ISA_ENV}
        if isa != "native":
            env[ISA_ENV] = isa
        self.proc = subprocess.Popen([sys.executable, __file__, "--worker"], cwd=ROOT, env=env,
                                     stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
        self.isa = isa

    def ready(self) -> str:
        """Waits for the worker's warm-up; returns the instructions oneDNN uses."""
        return self._read().split("\t", 1)[1]

    def steps(self, n: int) -> float:
        self.proc.stdin.write(f"{n}\n")
        self.proc.stdin.flush()
        return float(self._read())

    def _read(self) -> str:
        line = self.proc.stdout.readline()
        if not line:
            raise RuntimeError(f"the worker for {self.isa} stopped (its error is above)")
        return line.strip()

    def close(self) -> None:
        self.proc.stdin.close()
        self.proc.wait()


def _openblas_core() -> str:
    import ctypes

    import mxnet
    lib = ctypes.CDLL(str(Path(mxnet.__file__).parent / "libopenblas.so.0"))
    lib.openblas_get_corename.restype = ctypes.c_char_p
    return lib.openblas_get_corename().decode()


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--isas", nargs="+", default=["native", "AVX2", "AVX"],
                    help="oneDNN caps (as DNNL_MAX_CPU_ISA names them; 'native' for none); "
                         "the ratios are to the first")
    ap.add_argument("--turns", type=int, default=20)
    ap.add_argument("--steps", type=int, default=20, help="steps a turn")
    ap.add_argument("--minutes", type=float, default=None,
                    help="a training time recorded on this CPU uncapped (chapter 2 prints its run's), to scale")
    ap.add_argument("--worker", action="store_true", help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.worker:
        worker()
        return
    import utils  # noqa: F401
    from utils import profiles
    p = profiles.PROFILES["default"]
    total_steps = p.epochs * (p.num_images // p.batch_size)
    print(f"# {_cpu()}, {os.cpu_count()} cores, {time.strftime('%Y-%m-%d %H:%M %Z')}; the `default` "
          f"profile's step, {args.turns} turns of {args.steps} steps a cap; OpenBLAS kernels: "
          f"{_openblas_core()}")
    workers = [Worker(isa) for isa in args.isas]
    try:
        used = {w.isa: w.ready() for w in workers}
        times = {isa: [] for isa in args.isas}
        for turn in range(args.turns):
            for w in workers if turn % 2 == 0 else workers[::-1]:
                times[w.isa].append(w.steps(args.steps) / args.steps)
            print(f"  turn {turn + 1}: " + ", ".join(f"{isa} {times[isa][-1] * 1000:.0f} ms"
                                                      for isa in args.isas), flush=True)
    finally:
        for w in workers:
            w.close()
    ref = args.isas[0]
    print(f"\nms a step (median of the turns); ratio to {ref}: median of the turns' ratios "
          f"(range), and the ratio of the sums:\n")
    print(f"| oneDNN cap | instructions oneDNN used | ms a step | ratio to {ref} | ratio of the sums "
          f"| {total_steps} steps at this pace, minutes |" + (f" {args.minutes} minutes scaled |" if args.minutes else ""))
    print("|---|---|---:|---:|---:|---:|" + ("---:|" if args.minutes else ""))
    for isa in args.isas:
        ratios = [t / r for t, r in zip(times[isa], times[ref])]
        of_sums = sum(times[isa]) / sum(times[ref])
        cells = [isa, used[isa], f"{statistics.median(times[isa]) * 1000:.0f}",
                 f"{statistics.median(ratios):.2f}× ({min(ratios):.2f}–{max(ratios):.2f})",
                 f"{of_sums:.2f}×", f"{total_steps * statistics.median(times[isa]) / 60:.1f}"]
        if args.minutes:
            cells.append(f"{args.minutes * of_sums:.1f}")
        print("| " + " | ".join(cells) + " |")


if __name__ == "__main__":
    with contextlib.suppress(KeyboardInterrupt):
        main()
