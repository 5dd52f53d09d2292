"""Watching a training run: progress bar, per-epoch log line, NaN and collapse
checks, pictures on disk, and stopping cleanly on Ctrl-C or SIGTERM."""
from __future__ import annotations

import contextlib
import os
import signal
import threading
from pathlib import Path

import numpy as np
from mxnet import nd

from ..errors import GanBookError
from . import quality

READ_EVERY = 10           # progress bar: read a recent step's losses this often
COLLAPSE_BELOW = 0.25     # diversity score under which the samples look collapsed: a warning
# Where a run is stopped as diverged. A healthy DCGAN run has epoch-mean losses of
# about 0.3-1 (D) and 1-6 (G); the stored `default` run peaks at 0.65 and 4.9. A
# diverged one reaches 1e2 within an epoch and 1e14 soon after.
LOSS_LIMIT = 50.0         # an epoch's mean D or G loss above this: diverged
STEP_LOSS_LIMIT = 1e4     # one step's loss above this: diverged, stop at once
COLLAPSED_BELOW = 0.1     # diversity under this, after it was at least 0.3: collapsed, stop


class Diverged(GanBookError, FloatingPointError):
    """The losses exploded or became NaN, or the samples collapsed: training stopped.
    The last checkpoint (end of the last good epoch) is kept."""


class Interrupted(KeyboardInterrupt):
    """Training stopped on request; the checkpoint (if any) holds every finished step."""

    def __init__(self, iteration: int, out):
        where = (f"A checkpoint is saved in {out}: run the same command again (or rerun the "
                 "cell) to continue from there." if out else
                 "No output folder was given, so nothing was saved.")
        super().__init__(f"Training stopped after iteration {iteration}. {where}")


class StopRequest:
    """Turns SIGINT (Ctrl-C, Jupyter's stop button) and SIGTERM into a request that the
    loop checks after each step, so a checkpoint never holds a half-done step.
    A second Ctrl-C stops at once."""

    def __init__(self):
        self.requested, self.signal, self._old = False, None, {}

    def _handler(self, signum, frame):
        if self.requested and signum == signal.SIGINT:
            raise KeyboardInterrupt
        self.requested, self.signal = True, signum

    def __enter__(self):
        if threading.current_thread() is threading.main_thread():  # signals only work there
            for sig in (signal.SIGINT, signal.SIGTERM):
                self._old[sig] = signal.signal(sig, self._handler)
        return self

    def __exit__(self, *exc):
        for sig, old in self._old.items():
            signal.signal(sig, old)


class _Bar:
    """tqdm.auto (a bar in notebooks, a line in terminals) with the latest losses."""

    def __init__(self, total: int, initial: int):
        from tqdm.auto import tqdm
        # TQDM_DISABLE=1 turns the bar off (tools/build_chapters.py does, so that
        # stored notebooks hold no bar widget); tqdm.auto's notebook bar ignores it.
        off = os.environ.get("TQDM_DISABLE", "").lower() not in ("", "0", "false")
        self.tqdm = tqdm(total=total, initial=initial, unit="it", dynamic_ncols=True,
                         desc="training", disable=off)
        self.count = 0

    def step(self, pending: list):
        self.tqdm.update(1)
        self.count += 1
        if self.count % READ_EVERY == 0 and len(pending) > 1:
            # pending[-2] is almost surely finished already: reading it costs no wait.
            s = pending[-2].asnumpy()
            check_losses(s[None], "this epoch", STEP_LOSS_LIMIT)
            self.tqdm.set_postfix_str(f"D {s[0]:.3f}  G {s[1]:.3f}  D(x) {s[3]:.2f}  "
                                      f"D(G(z)) {s[4]:.2f}", refresh=False)


@contextlib.contextmanager
def progress(total: int, initial: int = 0):
    bar = _Bar(total, initial)
    try:
        yield bar
    finally:
        bar.tqdm.close()


ADVICE = ("Checkpoints of earlier epochs are kept. Try a lower learning "
          "rate (--lr), more label smoothing (real_label 0.9) or instance noise.")


def check_losses(stats: np.ndarray, when: str, limit: float) -> None:
    """Stop (Diverged) when a loss in `stats` (rows of STAT_NAMES) is NaN, infinite or
    above `limit`."""
    losses = stats[:, :2]
    if not np.isfinite(stats).all():
        raise Diverged(f"A loss became NaN or infinite in {when}, so training stopped. {ADVICE}")
    worst = losses.max(axis=0)
    if (worst > limit).any():
        raise Diverged(f"The losses exploded in {when} (D {worst[0]:.3g}, G {worst[1]:.3g}; a "
                       f"healthy run stays under {LOSS_LIMIT:g}), so training stopped. {ADVICE}")


def check_stats(pending: list, epoch: int) -> np.ndarray:
    """Read the statistics of the epoch's steps (one wait); stop when a loss is NaN,
    infinite, or the epoch's mean D or G loss is above LOSS_LIMIT."""
    stats = nd.stack(*pending).asnumpy()
    when = f"epoch {epoch + 1}"
    check_losses(stats, when, STEP_LOSS_LIMIT)
    check_losses(stats.mean(0, keepdims=True), when, LOSS_LIMIT)
    return stats


def epoch_line(epoch, epochs, iteration, total, stats, speed) -> str:
    m = stats.mean(0)
    return (f"epoch {epoch + 1:2d}/{epochs}  iter {iteration:5d}/{total}  "
            f"D loss {m[0]:.3f}  G loss {m[1]:.3f}  D acc {m[2]:.2f}  "
            f"D(x) {m[3]:.2f}  D(G(z)) {m[4]:.2f}  {speed:5.0f} samples/s")


def check_collapse(epoch_samples: list, images: np.ndarray, log=print) -> bool:
    """Warn when the fixed-noise samples, once varied, turn alike (mode collapse), and
    stop (Diverged) when they have become nearly one picture. At the start every
    sample looks the same anyway, so only a drop counts."""
    scores = [quality.diversity(s, images, max_real=256) for s in epoch_samples]
    if scores[-1] < COLLAPSED_BELOW and max(scores) >= 3 * COLLAPSED_BELOW:
        raise Diverged(
            f"The samples collapsed to nearly one picture (diversity {scores[-1]:.2f}, was up "
            f"to {max(scores):.2f}; the data's is 1), so training stopped. {ADVICE}")
    collapsed = scores[-1] < COLLAPSE_BELOW and max(scores) >= 2 * COLLAPSE_BELOW
    if collapsed:
        log(f"warning: the samples look alike (diversity {scores[-1]:.2f}, was up to "
            f"{max(scores):.2f}; the data's is 1): G may be collapsing to a few outputs. If "
            "it persists, lower the learning rate or go back to an earlier checkpoint.")
    return collapsed


def write(line: str) -> None:
    """Print without breaking a progress bar in a terminal."""
    from tqdm.auto import tqdm
    tqdm.write(line)


def save_pictures(out, state: dict, iters_per_epoch: int) -> None:
    """samples/epoch_NNN.png (the fixed-noise grid) and curves.png, next to the checkpoint."""
    if out is None or not state["epoch_samples"]:
        return
    import matplotlib.pyplot as plt
    from PIL import Image

    from ..display import plots
    folder = Path(out) / "samples"
    folder.mkdir(parents=True, exist_ok=True)
    grid = plots.grid(state["epoch_samples"][-1], ncols=8)
    Image.fromarray(grid).save(folder / f"epoch_{state['epoch']:03d}.png")
    fig = plots.curves_figure(np.concatenate(state["stats"]), iters_per_epoch)
    fig.savefig(Path(out) / "curves.png", dpi=80)
    plt.close(fig)  # saved, not shown: a notebook would display it otherwise
