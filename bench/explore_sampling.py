"""Can the trained D correct G after training? Discriminator rejection sampling on the
`default` profile's run (chapter 2's, from the chapters' cache; trained first if it is
not there):

    python bench/explore_sampling.py [--candidates N] [--last] [--stretch] [--memory] [--batch-statistics]

A discriminator trained to the end estimates how much likelier a face is under the
data than under G: its logit, log(p_data / p_G) for an ideal D trained with labels 1
and 0 (Azadi et al. 2019; with chapter 2's real label 0.9, r = e^l / (0.9 - 0.1 e^l)).
Drawing G's faces in proportion to that ratio, from many candidates, would then draw
them as the data has them. The script draws N candidates, scores them with D and
resamples 2,000 in proportion to e^(t * logit) for t = 0.5, 1, 1.5, in proportion to
the label-0.9 ratio, and from the half and the quarter D finds most real, and prints
chapter 4's measures for each beside G's own 2,000 samples. --last samples G's own
last weights, which D was trained against, instead of their moving average.

--memory only prints D's logits on training drawings, held-out drawings and G's
faces. A D that had learnt the training drawings by heart would call them real far
more often than drawings it never saw; then more (or fresh) drawings would change
what it tells apart.

--batch-statistics samples chapter 4's 2,000 codes with G's batch norm in training
mode, as G drew its faces while it learnt: each batch (of 32, as in training, and
of 250) normalised by its own statistics instead of the running ones the chapters
sample with. If the running statistics misstated the spread of G's features, the
faces' spreads would differ between the two.

--stretch selects by G's own map instead of D's verdict. G's codes fill one
connected cloud, and the data's hair styles are separate kinds; a continuous G has
to cross from one kind to the next somewhere, and if it crosses quickly, the faces
between kinds sit where a small change of code changes the face most (Tanielian et
al. 2020 reject samples by the size of G's Jacobian). The script measures each
candidate's stretch (the root-mean-square change of its pixels per unit step along
4 random directions of length 0.5, over the step's length), reports how often the
classifier is unsure of the hair style (top class below 0.9) among the most and the
least stretched candidates and each class's share, and draws 2,000 from the 80%,
50% and 25% least stretched.
"""
from __future__ import annotations

import argparse
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import utils  # noqa: E402,F401  (sets the thread count before MXNet loads)
import mxnet as mx  # noqa: E402
import numpy as np  # noqa: E402
from mxnet import autograd, nd  # noqa: E402

from utils import profiles  # noqa: E402
from utils.data import faces, to_float, to_uint8  # noqa: E402
from utils.gan import runs, scorecard, training  # noqa: E402
from utils.latent import attributes  # noqa: E402

CHUNK = 500


def logits(D, images: np.ndarray) -> np.ndarray:
    """D's logit for each uint8 image (outside autograd: batch norm's running statistics)."""
    return np.concatenate([D(nd.array(to_float(images[i:i + CHUNK]))).reshape((-1,)).asnumpy()
                           for i in range(0, len(images), CHUNK)])


def ratio_label_09(logit: np.ndarray) -> np.ndarray:
    """p_data / p_G from an ideal D trained with real label 0.9: D = 0.9 r / (r + 1)."""
    e = np.exp(np.minimum(logit, np.log(8.9)))  # D below 0.9 by construction; clip the rest
    return e / (0.9 - 0.1 * e)


def stretch(G, codes: np.ndarray, rng, directions: int = 4, length: float = 0.5) -> np.ndarray:
    """For each code, how much G's face changes per unit of code: the root-mean-square
    change of the pixels along `directions` random directions of the given length,
    over the length, averaged over the directions."""
    def faces(z):
        return G(nd.array(z.reshape(len(z), -1, 1, 1))).asnumpy().reshape(len(z), -1)
    out = np.zeros(len(codes))
    for i in range(0, len(codes), CHUNK):
        z = codes[i:i + CHUNK].astype(np.float32)
        base = faces(z)
        for _ in range(directions):
            u = rng.standard_normal(z.shape).astype(np.float32)
            u /= np.linalg.norm(u, axis=1, keepdims=True)
            out[i:i + CHUNK] += np.sqrt(((faces(z + length * u) - base) ** 2).mean(axis=1)) / length
    return out / directions


def by_stretch(G, codes, candidates, refs, classifier, ctx, rng) -> None:
    """The hair style against the stretch of G's map, and samples drawn from the least stretched."""
    s = stretch(G, codes, rng)
    order = np.argsort(s)
    probs = attributes.class_probabilities(classifier, candidates, ctx, "hair_style")
    unsure = probs.max(axis=1) < 0.9
    fifth = len(s) // 5
    print(f"stretch: median {np.median(s):.3f}, 10-90% {np.quantile(s, 0.1):.3f}-{np.quantile(s, 0.9):.3f}; "
          f"hair style unsure: all {unsure.mean():.1%}, the least stretched fifth {unsure[order[:fifth]].mean():.1%}, "
          f"the most stretched fifth {unsure[order[-fifth:]].mean():.1%}")
    shares = np.bincount(probs.argmax(axis=1), minlength=len(faces.HAIR_STYLES)) / len(probs)
    data = np.bincount(np.asarray(refs.train_reading["hair_style"]).astype(int), minlength=len(faces.HAIR_STYLES)) / len(refs.train_faces)
    print("hair style shares, data / G: " + ", ".join(
        f"{name} {d:.2f} / {g:.2f}" for name, d, g in zip(faces.HAIR_STYLES, data, shares)))
    n = len(refs.held_out)
    for keep in (0.8, 0.5, 0.25):
        pool = order[:int(keep * len(s))]
        report(f"the {keep:.0%} least stretched", candidates[rng.choice(pool, n, replace=False)],
               refs, classifier, ctx)


def in_training_mode(G, codes: np.ndarray, batch: int) -> np.ndarray:
    """G's faces for codes, its batch norm normalising each batch of `batch` codes by
    that batch's own statistics (as in training; the running ones are not changed:
    MXNet updates them only in a backward pass)."""
    with autograd.train_mode():
        return np.concatenate([to_uint8(G(nd.array(codes[i:i + batch].reshape(-1, codes.shape[1], 1, 1))))
                               for i in range(0, len(codes), batch)])


def report(name: str, images: np.ndarray, refs, classifier, ctx) -> None:
    card = scorecard.scorecard(images, refs, classifier, ctx)
    gaps = card["attributes"]
    print(f"{name:<30} FD {card['fd']:5.1f}  precision {card['precision']:.2f}  recall {card['recall']:.3f}  "
          f"HF {card['hf_ratio']:.2f}  within 5 points {sum(g <= 5 for g in gaps.values())} of {len(gaps)}  "
          f"smiling {gaps['smiling']:.1f}  hair style {gaps['hair_style']:.1f}  smile {gaps['smile']:.1f}", flush=True)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--candidates", type=int, default=20000)
    parser.add_argument("--last", action="store_true", help="G's own last weights, not their average")
    parser.add_argument("--memory", action="store_true",
                        help="only D's logits on training drawings, held-out drawings and G's faces: does D know "
                             "the training drawings by heart?")
    parser.add_argument("--stretch", action="store_true",
                        help="select by the stretch of G's map (how fast the face changes with the code), not by D")
    parser.add_argument("--batch-statistics", action="store_true",
                        help="only chapter 4's codes sampled with each batch's own batch-norm statistics")
    args = parser.parse_args()
    profile, ctx = profiles.PROFILES["default"], mx.cpu()
    G, D, history = runs.trained_networks(profile, ctx, show_log=False)
    if args.last:
        runs.load_last_weights(history["folder"], G)
    classifier, _ = attributes.trained_classifier("default", ctx)
    refs = scorecard.references(profile, classifier, ctx)
    if args.memory:
        for name, images in (("training drawings", refs.train_faces), ("held-out drawings", refs.held_out),
                             ("G's faces", scorecard.samples(G, profile, ctx, len(refs.held_out)))):
            scores = logits(D, images)
            print(f"D's logits, {name} ({len(images)}): {scores.mean():+.2f} ± {scores.std():.2f}, "
                  f"called real {np.mean(scores > 0):.1%}")
        return 0
    if args.batch_statistics:
        codes = scorecard.codes(profile).astype(np.float32)  # chapter 4's
        report("running statistics", scorecard.samples(G, profile, ctx), refs, classifier, ctx)
        for batch in (profile.batch_size, 250):
            report(f"each {batch}'s own statistics", in_training_mode(G, codes, batch), refs, classifier, ctx)
        return 0
    rng = np.random.default_rng(12345)
    codes = rng.standard_normal((args.candidates, profile.nz))
    candidates = np.concatenate([training.sample(G, codes[i:i + CHUNK], ctx)
                                 for i in range(0, len(codes), CHUNK)])
    if args.stretch:
        report("G, first candidates", candidates[:len(refs.held_out)], refs, classifier, ctx)
        by_stretch(G, codes, candidates, refs, classifier, ctx, rng)
        return 0
    fake, real = logits(D, candidates), logits(D, refs.held_out)
    print(f"D's logits: G's faces {fake.mean():.2f} ± {fake.std():.2f}, held-out drawings "
          f"{real.mean():.2f} ± {real.std():.2f}; called real: G's {np.mean(fake > 0):.0%}, "
          f"drawings' {np.mean(real > 0):.0%}")
    n = len(refs.held_out)
    report("G, scorecard codes", scorecard.samples(G, profile, ctx, n), refs, classifier, ctx)
    report("G, first candidates", candidates[:n], refs, classifier, ctx)

    def resample(weights):
        return candidates[rng.choice(len(candidates), n, replace=False, p=weights / weights.sum())]

    for t in (0.5, 1.0, 1.5):
        report(f"resampled, e^({t:g} logit)", resample(np.exp(t * (fake - fake.max()))), refs, classifier, ctx)
    report("resampled, label-0.9 ratio", resample(ratio_label_09(fake)), refs, classifier, ctx)
    for share in (0.5, 0.25):
        best = np.argsort(-fake)[:int(share * len(fake))]
        report(f"the {share:.0%} D finds most real", candidates[rng.choice(best, n, replace=False)],
               refs, classifier, ctx)
    return 0


if __name__ == "__main__":
    sys.exit(main())
