"""Chapter 4's scorecard of one trained generator on other codes: how far its
attribute gaps move by chance, and with codes wider than G was trained on.

    python bench/rescore_run.py [--run FOLDER --nz N --seed S | --changes NAME=VALUE ...] [--last]
                                [--draws 5] [--scales 1.1 1.2]

Without --run: the `default` profile's run (chapter 2's, from the chapters' cache;
trained first if it is not there), or with --changes that profile with some settings
changed, trained the same way (e.g. --changes nz=16 epochs=32).
With --run: the last epoch's G of an `explore_spreads.py --out FOLDER` run, which
needs its code length and seed (the seed picks the codes it was scored on). --last
scores G's own last weights instead of their moving average, which the book samples.

Chapter 4 scores a generator on 2,000 faces from fixed codes, so each gap it prints
is of one sample. --draws N scores the same G on N more sets of 2,000 codes, and
the reading of the held-out faces (2,000 drawings G never saw) against the training
faces' as the floor: what two samples of the data itself differ by. A run that is
"within 5 points" only on its own codes may not be on the next 2,000.

--scales draws the run's own codes times each factor. G learned from codes of
spread 1; the faces from codes of spread 1.1 reach further from the average face
(the opposite of the truncation trick, which trades variety for realism), and may
widen spreads that G draws narrower than the data's.
"""
from __future__ import annotations

import argparse
import dataclasses
import statistics
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from explore_spreads import spreads, unsure_hair_style  # noqa: E402  (bench/, beside this script)

import mxnet as mx  # noqa: E402
import numpy as np  # noqa: E402

from utils import profiles  # noqa: E402
from utils.gan import checkpoints, runs, scorecard, training  # noqa: E402
from utils.latent import attributes  # noqa: E402

N = 2000
SHORT = {"face_width": "width", "face_height": "height", "skin_tone": "skin", "hair_color": "h.col",
         "hair_style": "h.sty", "eye_size": "eyes", "smile": "smile", "glasses": "glass",
         "background_hue": "bghue", "smiling": "smilg", "dark_hair": "dark"}  # column heads


def generator(args, ctx):
    """(G, its profile, a name for the output) for the stored run or an exploration run."""
    p = profiles.PROFILES["default"]
    if args.run is None:
        p = changed(p, args.changes)
        G, _, history = runs.trained_networks(p, ctx, show_log=False)
        if args.last:
            runs.load_last_weights(history["folder"], G)
        return G, p, ("the `default` run" + (f" with {' '.join(args.changes)}" if args.changes else "")
                      + (", G's last weights" if args.last else ""))
    p = dataclasses.replace(p, nz=args.nz, seed=args.seed)
    G = training.build_networks(p, ctx)[0]
    found = checkpoints.epoch_weights(args.run)
    if not found:
        sys.exit(f"{args.run}: no epochs/G_epoch_*.npz; give the --out folder of a finished explore_spreads.py run")
    epoch, _, arrays = found[-1]
    try:
        if args.last:
            runs.load_last_weights(Path(args.run), G)
        else:
            checkpoints.load_weights(args.run, "G", G, arrays)
    except checkpoints.CheckpointError as e:
        sys.exit(f"{e}\nGive the --nz the run was trained with. Its name says it (-nz16, -nz100); a name "
                 "without -nz has the default profile's codes of its day: 100 before 2026-12-01, 16 since.")
    return G, p, f"{Path(args.run).name}, " + ("G's last weights" if args.last else f"epoch {epoch}")


def changed(profile, changes):
    """`profile` with settings given as NAME=VALUE (each cast to the setting's type)."""
    values = {}
    for item in changes:
        name, _, text = item.partition("=")
        if name not in profile.settings() or not text:
            sys.exit(f"--changes {item}: use NAME=VALUE with one of {', '.join(profile.settings())}")
        kind = type(getattr(profile, name))
        values[name] = (text.lower() in ("1", "true", "yes")) if kind is bool else kind(text)
    return dataclasses.replace(profile, **values)


def line(label, gaps: dict, verdict: bool = True) -> str:
    """One row of the table: a number per attribute, and (with verdict) how many are within 5 points."""
    row = f"{label:>22}: " + "  ".join(f"{g:5.1f}" for g in gaps.values())
    return row + (f"   within 5: {sum(g <= 5 for g in gaps.values()):2d}, worst {max(gaps.values()):4.1f}"
                  if verdict else "")


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--run", help="an explore_spreads.py --out folder (default: the stored `default` run)")
    ap.add_argument("--changes", nargs="*", default=[], metavar="NAME=VALUE",
                    help="without --run: the `default` profile with these settings changed (e.g. nz=16 "
                         "epochs=32), from the chapters' cache (trained first if it is not there)")
    ap.add_argument("--nz", type=int, default=profiles.PROFILES["default"].nz, help="with --run: its code length")
    ap.add_argument("--seed", type=int, default=0, help="with --run: its seed")
    ap.add_argument("--last", action="store_true", help="G's own last weights, not their moving average")
    ap.add_argument("--draws", type=int, default=5, help="further sets of 2,000 codes")
    ap.add_argument("--scales", type=float, nargs="*", default=[], help="factors for the run's own codes")
    args = ap.parse_args()
    ctx = mx.cpu()
    G, p, name = generator(args, ctx)
    classifier, _ = attributes.trained_classifier("default", ctx)
    refs = scorecard.references(p, classifier, ctx)
    own = scorecard.codes(p, N)  # scorecard.samples' codes

    def card(codes):
        generated = training.sample(G, codes.astype(np.float32), ctx)
        return generated, scorecard.scorecard(generated, refs, classifier, ctx)

    floor = {row["attribute"]: row["gap"] for row in attributes.fidelity(
        refs.train_reading, attributes.read(classifier, refs.held_out, ctx))}
    names = list(floor)
    print(f"# {name}: attribute gaps in points, against the first {N} training faces")
    print(" " * 24 + "  ".join(f"{SHORT.get(n, n[:5]):>5}" for n in names))
    print(line("held-out faces (floor)", floor))
    _, first = card(own)
    print(line("G, its own codes", first["attributes"]) + f"   FD {first['fd']:.1f}")
    again = []
    for i in range(args.draws):
        _, c = card(np.random.default_rng(10_000 + i).standard_normal((N, p.nz)))
        again.append(c["attributes"])
        print(line(f"G, other codes {i + 1}", c["attributes"]) + f"   FD {c['fd']:.1f}")
    if args.draws > 1:
        spread = {k: statistics.stdev([a[k] for a in [first["attributes"], *again]]) for k in names}
        print(line("standard deviation", spread, verdict=False))
    for s in args.scales:
        generated, c = card(s * own)
        print(line(f"G, its codes x {s:g}", c["attributes"]) + f"   FD {c['fd']:.1f}, precision "
              f"{c['precision']:.2f}, recall {c['recall']:.3f}, HF {c['hf_ratio']:.2f}")
        print(" " * 24 + "spread / the data's: " + spreads(attributes.read(classifier, generated, ctx), refs)
              + f"; hair style unsure {unsure_hair_style(classifier, generated, ctx):.1%}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
