"""Train the book's DCGAN from the command line, with the chapters' code path.

    python -m utils.train --out runs/faces                 # embedded faces, default profile
    python -m utils.train --out runs/faces --resume        # go on after Ctrl-C or a crash
    python -m utils.train --data lfw --profile full --devices gpu:0,1 --out runs/lfw
    python -m utils.train --data ~/Pictures/faces --epochs 30 --out runs/mine

The output folder receives checkpoint.npz (after every epoch and on Ctrl-C or
SIGTERM), samples/epoch_NNN.png (the same 16 codes after every epoch) and
curves.png (losses and D's outputs).

Every option and environment variable is checked before any work: a wrong one
ends the command with one sentence (exit code 2 for an option argparse rejects,
1 for the rest), and nothing is decoded, trained or written.
"""
from __future__ import annotations

import argparse
import dataclasses
import math
import sys
from pathlib import Path

import utils  # noqa: F401  (sets the thread count before MXNet loads)

from . import cache, profiles
from .data import sources
from .errors import GanBookError, SettingsError

MAX_SEED = 2**32 - 1


# --- Option types: argparse turns their ValueError into "argument --x: ..." and exit 2

def _parse(text: str, kind, what: str):
    try:
        return kind(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not {what}") from None


def positive_int(text: str) -> int:
    value = _parse(text, int, "a whole number")
    if value < 1:
        raise argparse.ArgumentTypeError(f"{value} is too small: use 1 or more")
    return value


def positive_float(text: str) -> float:
    value = _parse(text, float, "a number")
    if not math.isfinite(value) or value <= 0:
        raise argparse.ArgumentTypeError(f"{text} must be a positive, finite number (e.g. 0.0002)")
    return value


def decay(text: str) -> float:
    value = _parse(text, float, "a number")
    if not 0 <= value < 1:
        raise argparse.ArgumentTypeError(f"{text} is not a decay: use 0 (no average) up to, not "
                                         "including, 1 (e.g. 0.995)")
    return value


def _zero_or_more(text: str, what: str, zero: str, example: str) -> float:
    value = _parse(text, float, "a number")
    if not math.isfinite(value) or value < 0:
        raise argparse.ArgumentTypeError(f"{text} is not {what}: use 0 ({zero}) or a positive, "
                                         f"finite number (e.g. {example})")
    return value


def weight(text: str) -> float:
    return _zero_or_more(text, "a weight", "off", "1")


def noise_std(text: str) -> float:
    return _zero_or_more(text, "a standard deviation", "no noise", "0.1")


def label(text: str) -> float:
    value = _parse(text, float, "a number")
    if not 0 < value <= 1:
        raise argparse.ArgumentTypeError(f"{text} is not a target for real images: use 1 (no "
                                         "smoothing) or a little less (e.g. 0.9)")
    return value


def seed(text: str) -> int:
    value = _parse(text, int, "a whole number")
    if not 0 <= value <= MAX_SEED:
        raise argparse.ArgumentTypeError(f"{value} is out of range: use 0 to {MAX_SEED}")
    return value


def devices(text: str) -> tuple[str, tuple[int, ...]]:
    """'cpu', 'cpu:N' (N CPU contexts), 'gpu', 'gpu:0,1' -> ("cpu", (0..N-1)) or ("gpu", ids)."""
    kind, _, rest = text.strip().partition(":")
    try:
        if kind == "cpu":
            return "cpu", tuple(range(positive_int(rest or "1")))
        if kind == "gpu":
            ids = tuple(int(i) for i in (rest or "0").split(","))
            if any(i < 0 for i in ids) or len(set(ids)) != len(ids):
                raise ValueError
            return "gpu", ids
    except (ValueError, argparse.ArgumentTypeError):
        pass
    raise argparse.ArgumentTypeError(f"{text!r}: use cpu, cpu:N, gpu or gpu:0,1")


def build_parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="python -m utils.train", description=__doc__,
                                formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--profile", choices=list(profiles.PROFILES), default=None,
                   help=f"starting settings (default: ${profiles.ENV_VAR}, else 'default')")
    p.add_argument("--data", default=None,
                   help="'embedded' (generated faces), 'lfw' (downloaded and checked), or "
                        "a folder of images (default: the profile's)")
    p.add_argument("--num-images", type=positive_int, help="how many embedded faces to generate")
    p.add_argument("--epochs", type=positive_int, help="passes over the data")
    p.add_argument("--batch-size", type=positive_int,
                   help="images per iteration (all devices together)")
    p.add_argument("--ngf", type=positive_int, help="generator width (paper: 64)")
    p.add_argument("--ndf", type=positive_int, help="discriminator width (paper: 64)")
    p.add_argument("--nz", type=positive_int, help="how many numbers a code has (paper: 100)")
    p.add_argument("--lr", type=positive_float, help="Adam learning rate for both networks")
    p.add_argument("--lr-g", type=positive_float, help="Adam learning rate for G only")
    p.add_argument("--lr-d", type=positive_float, help="Adam learning rate for D only")
    p.add_argument("--ema", type=decay,
                   help="decay of the moving average of G's weights that samples come from (0: none)")
    p.add_argument("--grain", type=weight,
                   help="weight of the penalty on G's excess fine detail, the grain (0: none)")
    p.add_argument("--real-label", type=label,
                   help="what D is asked to say for real images (1: the paper's; 0.9: one-sided "
                        "label smoothing)")
    p.add_argument("--instance-noise", type=noise_std,
                   help="std of the noise on D's inputs at the start, fading to 0 over the run (0: none)")
    p.add_argument("--flip", action=argparse.BooleanOptionalAction, default=None,
                   help="random horizontal flips of the real images")
    p.add_argument("--seed", type=seed, help=f"seed for weights, data order and noise (0 to {MAX_SEED})")
    p.add_argument("--out", required=True, type=Path,
                   help="folder for the checkpoint, sample grids and curves")
    p.add_argument("--resume", action="store_true",
                   help="continue from the checkpoint in --out (same settings and data)")
    p.add_argument("--devices", type=devices, default="cpu",
                   help="cpu, cpu:N (N CPU contexts), gpu or gpu:0,1 (data parallel)")
    return p


# --- Checks that need more than one option ----------------------------------------

def settings_from(args) -> profiles.Profile:
    """The profile (--profile, else $GANBOOK_PROFILE) with the options' changes; checks
    GANBOOK_DATA and GANBOOK_CACHE on the way."""
    base = profiles.PROFILES[args.profile] if args.profile else profiles.current_profile()
    sources.data_folder_from_env()
    cache.checked_cache_dir()
    if args.lr is not None:
        args.lr_g = args.lr if args.lr_g is None else args.lr_g
        args.lr_d = args.lr if args.lr_d is None else args.lr_d
    changes = {k: getattr(args, k) for k in ("num_images", "epochs", "batch_size", "ngf", "ndf", "nz",
                                             "lr_g", "lr_d", "ema", "grain", "real_label", "instance_noise", "flip",
                                             "seed") if getattr(args, k) is not None}
    if args.data == "embedded":
        changes["data"] = "faces"
    elif args.data == "lfw":
        changes["data"] = "lfw"
    return dataclasses.replace(base, **changes)


def data_folder(args) -> Path | None:
    """The image folder --data names, or None for the embedded faces / LFW."""
    if args.data in (None, "embedded", "lfw"):
        return None
    folder = Path(args.data).expanduser()
    if not folder.is_dir():
        raise SettingsError(f"--data {args.data}: no such folder. Use 'embedded', 'lfw' or a "
                            "folder of images.")
    return folder


def contexts(kind_ids):
    """MXNet contexts for --devices; a GPU that is not there is an error, not a fallback."""
    import mxnet as mx
    kind, ids = kind_ids
    if kind == "cpu":
        return [mx.cpu(i) for i in ids]
    try:
        visible = mx.context.num_gpus()
    except mx.base.MXNetError:
        visible = 0
    missing = [i for i in ids if i >= visible]
    if missing:
        seen = f"{visible} GPU(s) are visible to MXNet" if visible else "no GPU is visible to MXNet"
        raise SettingsError(f"--devices asks for gpu {','.join(map(str, missing))}, but {seen} "
                            "(the CPU build of MXNet sees none). Use --devices cpu to train "
                            "on the CPU.")
    return [mx.gpu(i) for i in ids]


def check_out(args, profile) -> None:
    """--out must be a folder that can be written; a checkpoint there is resumed only
    with --resume, and --resume needs one (with the same format and settings)."""
    from .gan import checkpoints
    out = cache.writable_folder(args.out, "--out")
    checkpoint = out / checkpoints.CHECKPOINT
    if checkpoint.exists() and not args.resume:
        raise SettingsError(f"{checkpoint} exists. Add --resume to continue that run, or choose "
                            "another --out for a new one.")
    if args.resume:
        if not checkpoint.exists():
            raise SettingsError(f"--resume: there is no checkpoint in {out} to continue. Leave "
                                "out --resume to start a new run there.")
        checkpoints.check_resumable(checkpoint, profile)


def check_sizes(profile, n_devices: int) -> None:
    if profile.data == "faces" and profile.num_images < profile.batch_size:
        raise SettingsError(f"--num-images {profile.num_images} is smaller than the batch size "
                            f"{profile.batch_size}: use more images or a smaller --batch-size.")
    if profile.batch_size < n_devices:
        raise SettingsError(f"--batch-size {profile.batch_size} cannot be split over {n_devices} "
                            "devices: use a batch of at least one image per device.")


# --- The command ------------------------------------------------------------------

def images_for(profile, folder):
    from .data import imagefolder, training_images
    if folder is not None:
        return imagefolder.load_images(folder, 64)
    return training_images(profile)[0]


def run(args) -> int:
    profile = settings_from(args)
    folder = data_folder(args)
    ctx = contexts(args.devices)
    check_sizes(profile, len(ctx))
    check_out(args, profile)

    from .data import Batches
    from .gan import monitor, training
    images = images_for(profile, folder)
    if len(images) < profile.batch_size:
        raise SettingsError(f"Only {len(images)} images for a batch size of {profile.batch_size}: "
                            "use a smaller --batch-size or more images.")
    batches = Batches(images, profile.batch_size, seed=profile.seed, flip=profile.flip)
    print(f"{len(images)} images, {len(batches)} batches of {profile.batch_size}; "
          f"devices: {', '.join(map(str, ctx))}; output: {args.out}")
    G, D = training.build_networks(profile, ctx, seed=profile.seed)
    try:
        history = training.train(G, D, batches, profile, ctx,
                                 training.fixed_noise(profile), out=args.out)
    except monitor.Interrupted as stop:
        print(stop, file=sys.stderr)
        return 130
    print(f"done: {len(history['stats'])} iterations in {history['seconds'] / 60:.1f} min; "
          f"samples in {args.out / 'samples'}")
    return 0


def main(argv=None) -> int:
    args = build_parser().parse_args(argv)
    try:
        return run(args)
    except GanBookError as err:
        print(f"Error: {err}", file=sys.stderr)
        return 1


if __name__ == "__main__":
    sys.exit(main())
