"""Benchmark: preparing an LFW-sized folder with utils.data.imagefolder.load_images.

Makes 13,233 JPEGs of 250x250 (smooth gradients and face-like shapes, laid out
like LFW: one folder per person) in a temporary folder, then measures, each in a
fresh Python process so that nothing is shared between the phases:

  first   decode every image, crop the LFW face box, resize to 64, write the cache
  reload  the same call again: one np.load of the cached array

For each phase: wall time (of the load_images call, and of the whole process
including interpreter start and imports), peak resident memory of the main
process and of its largest worker (ru_maxrss), and the peak of the whole process
tree sampled from /proc every 50 ms (summed RSS, which counts pages shared by the
forked workers twice, and PSS, which shares them out fairly).

Goals: first < 20 s, reload < 1 s, peak memory < 450 MB.

    .venv/bin/python bench/bench_prepare.py [--n 13233] [--keep FOLDER]
"""
from __future__ import annotations

import argparse
import json
import multiprocessing as mp
import os
import resource
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

LFW_IMAGES, LFW_PEOPLE, SIDE = 13_233, 5_749, 250
GOALS = {"first": 20.0, "reload": 1.0}
MEMORY_GOAL_MB = 450


# --- Making an LFW-shaped folder --------------------------------------------------------

_GRID = None  # (x, y, x*y) and a bank of noise, made once per process


def _grid_and_noise():
    global _GRID
    if _GRID is None:
        y, x = np.mgrid[0:SIDE, 0:SIDE].astype(np.float32) / SIDE
        noise = np.random.default_rng(1).normal(0, 6, (2 * SIDE, 2 * SIDE, 3)).astype(np.float32)
        _GRID = np.stack([x, y, x * y], -1), noise
    return _GRID


def synthetic_photo(seed: int):
    """A 250x250 picture with an LFW-like amount of detail: a smooth colour
    gradient, a face-like ellipse with 'eyes', and mild sensor noise (a random
    window of a noise bank: drawing fresh noise would dominate the time)."""
    from PIL import Image, ImageDraw
    grid, noise = _grid_and_noise()
    rng = np.random.default_rng(seed)
    mix = rng.uniform(-60, 60, (3, 3)).astype(np.float32)  # gradient terms x colours
    oy, ox = rng.integers(0, SIDE, 2)
    img = grid @ mix + rng.uniform(40, 200, 3).astype(np.float32)
    img += noise[oy:oy + SIDE, ox:ox + SIDE]
    im = Image.fromarray(np.clip(img, 0, 255).astype(np.uint8))
    draw = ImageDraw.Draw(im)
    cx, cy = rng.integers(110, 140, 2)
    w, h = rng.integers(35, 55), rng.integers(50, 70)
    skin = tuple(int(v) for v in rng.integers(90, 240, 3))
    draw.ellipse((cx - w, cy - h, cx + w, cy + h), fill=skin)
    for ex in (cx - w // 2, cx + w // 2):
        draw.ellipse((ex - 6, cy - 15, ex + 6, cy - 7), fill=(30, 30, 30))
    draw.rectangle((cx - 15, cy + 25, cx + 15, cy + 30), fill=(150, 40, 50))
    return im


def _write_chunk(task):
    folder, items = task
    for person, k, seed in items:
        path = os.path.join(folder, person, f"{person}_{k:04d}.jpg")
        synthetic_photo(seed).save(path, quality=90)
    return len(items)


def make_lfw_like(folder: Path, n: int) -> None:
    """n JPEGs in LFW's layout: person folders Person_0001/Person_0001_0001.jpg,
    most people with one picture and a few with many, like LFW."""
    people = min(LFW_PEOPLE, n)
    owner = np.concatenate([np.arange(people),
                            np.random.default_rng(0).integers(0, people // 20 + 1, n - people)])
    counts = {}
    items = []
    for seed, p in enumerate(owner):
        person = f"Person_{p:04d}"
        counts[person] = counts.get(person, 0) + 1
        items.append((person, counts[person], seed))
    for person in counts:
        (folder / person).mkdir(parents=True, exist_ok=True)
    chunks = [(str(folder), items[i:i + 200]) for i in range(0, len(items), 200)]
    with mp.Pool(os.cpu_count()) as pool:
        done = sum(pool.imap_unordered(_write_chunk, chunks))
    assert done == n


# --- One measured phase, run in a fresh process -----------------------------------------

def run_phase(folder: str) -> None:
    """Child process: one load_images call; print its measurements as JSON."""
    t0 = time.perf_counter()
    from utils.data.imagefolder import LFW_FACE_BOX, load_images
    t1 = time.perf_counter()
    images = load_images(folder, size=64, face_box=LFW_FACE_BOX, progress=False)
    t2 = time.perf_counter()
    own, workers = (resource.getrusage(who) for who in
                    (resource.RUSAGE_SELF, resource.RUSAGE_CHILDREN))
    print(json.dumps({
        "cpu_s": own.ru_utime + own.ru_stime + workers.ru_utime + workers.ru_stime,
        "import_s": t1 - t0, "call_s": t2 - t1, "shape": list(images.shape),
        "dtype": str(images.dtype), "mxnet": "mxnet" in sys.modules,
        "main_maxrss_mb": own.ru_maxrss / 1024,
        "worker_maxrss_mb": workers.ru_maxrss / 1024,
    }))


def _tree(pid: int) -> list:
    """pid and all its descendants (from /proc/<pid>/task/*/children)."""
    found, todo = [], [pid]
    while todo:
        p = todo.pop()
        found.append(p)
        try:
            for task in os.listdir(f"/proc/{p}/task"):
                with open(f"/proc/{p}/task/{task}/children") as f:
                    todo += [int(c) for c in f.read().split()]
        except OSError:
            pass
    return found


def _memory_kb(pid: int):
    """(RSS, PSS) of one process in kB, 0 when it is gone."""
    rss = pss = 0
    try:
        with open(f"/proc/{pid}/smaps_rollup") as f:
            for line in f:
                if line.startswith("Rss:"):
                    rss = int(line.split()[1])
                elif line.startswith("Pss:"):
                    pss = int(line.split()[1])
    except OSError:
        pass
    return rss, pss


def measure(folder: Path, cache: Path) -> dict:
    """Run one phase in a fresh process, sampling its process tree's memory."""
    env = dict(os.environ, GANBOOK_CACHE=str(cache))
    load = os.getloadavg()[0]  # other work on the machine slows every phase down
    t0 = time.perf_counter()
    child = subprocess.Popen([sys.executable, __file__, "--phase", str(folder)],
                             stdout=subprocess.PIPE, env=env, cwd=ROOT, text=True)
    peak = {"rss": 0, "pss": 0}

    def sample():
        while child.poll() is None:
            totals = [_memory_kb(p) for p in _tree(child.pid)]
            peak["rss"] = max(peak["rss"], sum(r for r, _ in totals))
            peak["pss"] = max(peak["pss"], sum(p for _, p in totals))
            time.sleep(0.05)

    sampler = threading.Thread(target=sample, daemon=True)
    sampler.start()
    out, _ = child.communicate()
    wall = time.perf_counter() - t0
    sampler.join()
    if child.returncode != 0:
        raise SystemExit(f"phase failed with exit code {child.returncode}")
    result = json.loads(out.strip().splitlines()[-1])
    result.update(load=load, process_s=wall,
                  tree_rss_mb=peak["rss"] / 1024, tree_pss_mb=peak["pss"] / 1024)
    return result


# --- Report -------------------------------------------------------------------------------

def table(gen_s: float, n: int, results: dict) -> str:
    head = (f"{'phase':<8} {'load':>5} {'call s':>7} {'CPU s':>6} {'process s':>9} "
            f"{'main MB':>8} {'worker MB':>9} "
            f"{'tree RSS MB':>11} {'tree PSS MB':>11}  goal")
    lines = [f"generated {n:,} JPEGs of {SIDE}x{SIDE} in {gen_s:.1f} s "
             f"({os.cpu_count()} CPU cores)", "", head, "-" * len(head)]
    for phase, r in results.items():
        ok_time = r["call_s"] < GOALS[phase]
        ok_mem = r["tree_rss_mb"] < MEMORY_GOAL_MB
        goal = (f"< {GOALS[phase]:g} s {'ok' if ok_time else 'MISSED'}, "
                f"< {MEMORY_GOAL_MB} MB {'ok' if ok_mem else 'MISSED'}")
        lines.append(f"{phase:<8} {r['load']:>5.1f} {r['call_s']:>7.2f} {r['cpu_s']:>6.1f} "
                     f"{r['process_s']:>9.2f} "
                     f"{r['main_maxrss_mb']:>8.0f} {r['worker_maxrss_mb']:>9.0f} "
                     f"{r['tree_rss_mb']:>11.0f} {r['tree_pss_mb']:>11.0f}  {goal}")
    first = results["first"]
    lines += ["", f"array {tuple(first['shape'])} {first['dtype']}, "
                  f"{np.prod(first['shape']) / 2**20:.0f} MB; MXNet imported: {first['mxnet']}",
              "load: 1-minute load average when the phase started (other work competing "
              "for the cores).",
              "call s: the load_images call; CPU s: user+system time of the process and "
              "its workers;",
              "process s: the whole fresh process (interpreter, imports, call).",
              "main/worker MB: ru_maxrss of the main process / its largest worker; tree: "
              "sampled sum over all processes (RSS counts shared pages twice)."]
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--n", type=int, default=LFW_IMAGES, help="number of images")
    parser.add_argument("--keep", type=Path, help="make the images here and keep them")
    parser.add_argument("--phase", help=argparse.SUPPRESS)  # internal: the child process
    args = parser.parse_args()
    if args.phase:
        return run_phase(args.phase)
    work = Path(tempfile.mkdtemp(prefix="bench-prepare-"))
    folder = args.keep or work / "lfw"
    try:
        t = time.perf_counter()
        make_lfw_like(folder, args.n)
        gen_s = time.perf_counter() - t
        results = {"first": measure(folder, work / "cache"),
                   "reload": measure(folder, work / "cache")}
        print(table(gen_s, args.n, results))
    finally:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
