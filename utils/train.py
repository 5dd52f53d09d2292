"""Train the book's DCGAN from the command line, with the chapters' code path.

    python -m utils.train --out runs/faces                 # embedded faces, default profile
    python -m utils.train --out runs/faces --resume        # go on after Ctrl-C or a crash
    python -m utils.train --data lfw --profile full --devices gpu:0,1 --out runs/lfw
    python -m utils.train --data ~/Pictures/faces --epochs 30 --out runs/mine

The output folder receives checkpoint.npz (after every epoch and on Ctrl-C or
SIGTERM), samples/epoch_NNN.png (the same 16 codes after every epoch) and
curves.png (losses and D's outputs).
"""
from __future__ import annotations

import argparse
import dataclasses
import sys
from pathlib import Path

import utils  # noqa: F401  (sets the thread count before MXNet loads)
import mxnet as mx

from . import profiles
from .data import Batches, imagefolder, training_images
from .gan import checkpoints, monitor, training


def parse_devices(text: str) -> list:
    """'cpu', 'cpu:2' (two CPU contexts), 'gpu', 'gpu:0,1' -> MXNet contexts."""
    kind, _, rest = text.partition(":")
    if kind == "cpu":
        return [mx.cpu(i) for i in range(int(rest or 1))]
    if kind == "gpu":
        return [mx.gpu(int(i)) for i in (rest or "0").split(",")]
    raise argparse.ArgumentTypeError(f"--devices {text!r}: use cpu, cpu:N, gpu or gpu:0,1")


def build_parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="python -m utils.train", description=__doc__,
                                formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--profile", choices=list(profiles.PROFILES), default=None,
                   help=f"starting settings (default: ${profiles.ENV_VAR}, else 'default')")
    p.add_argument("--data", default=None,
                   help="'embedded' (generated faces), 'lfw' (downloaded and checked), or "
                        "a folder of images (default: the profile's)")
    p.add_argument("--num-images", type=int, help="how many embedded faces to generate")
    p.add_argument("--epochs", type=int, help="passes over the data")
    p.add_argument("--batch-size", type=int, help="images per iteration (all devices together)")
    p.add_argument("--ngf", type=int, help="generator width (paper: 64)")
    p.add_argument("--ndf", type=int, help="discriminator width (paper: 64)")
    p.add_argument("--lr", type=float, help="Adam learning rate for both networks")
    p.add_argument("--seed", type=int, help="seed for weights, data order and noise")
    p.add_argument("--out", required=True, type=Path,
                   help="folder for the checkpoint, sample grids and curves")
    p.add_argument("--resume", action="store_true",
                   help="continue from the checkpoint in --out (same settings)")
    p.add_argument("--devices", type=parse_devices, default="cpu",
                   help="cpu, cpu:N (N CPU contexts), gpu or gpu:0,1 (data parallel)")
    return p


def settings_from(args) -> profiles.Profile:
    base = profiles.PROFILES[args.profile] if args.profile else profiles.current_profile()
    changes = {k: getattr(args, k) for k in ("num_images", "epochs", "batch_size", "ngf",
                                             "ndf", "lr", "seed") if getattr(args, k) is not None}
    if args.data == "embedded":
        changes["data"] = "faces"
    elif args.data == "lfw":
        changes["data"] = "lfw"
    return dataclasses.replace(base, **changes)


def images_for(args, profile):
    if args.data not in (None, "embedded", "lfw"):
        return imagefolder.load_images(args.data, 64)
    return training_images(profile)[0]


def main(argv=None) -> int:
    args = build_parser().parse_args(argv)
    profile = settings_from(args)
    if (args.out / checkpoints.CHECKPOINT).exists() and not args.resume:
        sys.exit(f"{args.out / checkpoints.CHECKPOINT} exists. Add --resume to continue that "
                 "run, or choose another --out for a new one.")
    images = images_for(args, profile)
    batches = Batches(images, profile.batch_size, seed=profile.seed, flip=profile.flip)
    print(f"{len(images)} images, {len(batches)} batches of {profile.batch_size}; "
          f"devices: {', '.join(map(str, args.devices))}; output: {args.out}")
    G, D = training.build_networks(profile, args.devices, seed=profile.seed)
    try:
        history = training.train(G, D, batches, profile, args.devices,
                                 training.fixed_noise(profile), out=args.out)
    except monitor.Interrupted as stop:
        print(stop, file=sys.stderr)
        return 130
    except (FloatingPointError, checkpoints.CheckpointError) as err:
        print(f"error: {err}", file=sys.stderr)
        return 1
    print(f"done: {len(history['stats'])} iterations in {history['seconds'] / 60:.1f} min; "
          f"samples in {args.out / 'samples'}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
