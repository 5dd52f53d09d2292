"""Every measure of chapter 4 for one generator, in one call, to compare recipes.

Chapter 4 computes the measures one at a time and explains each. A comparison of
training recipes needs them all, for several generators, against the same
references: the training faces G learned from, held-out faces of the same kind,
and the frozen feature extractor (the attribute classifier). `references` and
`samples` fix those sets (chapter 4 uses them too, so its numbers and a scorecard's
agree); `scorecard` measures one generator against them.
"""
from __future__ import annotations

import dataclasses

import numpy as np

from ..data import faces, training_images
from ..latent import attributes
from . import quality, training

HELD_OUT_SEED = 777  # faces G never saw: not the training seed, nor the classifier's


@dataclasses.dataclass
class References:
    """The real sets every generator is compared with, and what the classifier makes of them."""
    train_faces: np.ndarray   # uint8 (n, 64, 64, 3): the first n training faces
    held_out: np.ndarray      # n faces drawn with another seed
    train_features: np.ndarray
    held_out_features: np.ndarray
    train_reading: dict       # attributes.read of the training faces


def references(profile, classifier, ctx, n: int = 2000) -> References:
    images = training_images(profile)[0]
    n = min(n, len(images))
    train_faces, held_out = images[:n], faces.make_faces(n, seed=HELD_OUT_SEED)[0]
    return References(train_faces, held_out,
                      attributes.features(classifier, train_faces, ctx),
                      attributes.features(classifier, held_out, ctx),
                      attributes.read(classifier, train_faces, ctx))


def codes(profile, n: int = 2000) -> np.ndarray:
    """n codes (n, nz), the same for every generator of a profile."""
    return np.random.default_rng(profile.seed + 7).standard_normal((n, profile.nz))


def samples(G, profile, ctx, n: int = 2000) -> np.ndarray:
    """n samples of G from the profile's codes (`codes`)."""
    return training.sample(G, codes(profile, n), ctx)


def scorecard(generated: np.ndarray, refs: References, classifier, ctx) -> dict:
    """Chapter 4's measures of `generated` (uint8 samples) against the references:
    Fréchet distance and KID (x 1000, with its standard deviation) to the training
    faces' features, precision and recall, the share of high-frequency energy
    against the held-out faces', the p-value of the copying test (small: closer to
    the training faces than held-out faces are), and the attribute gaps
    (attributes.fidelity: points of a share, or of a range)."""
    f = attributes.features(classifier, generated, ctx)
    kid, kid_std = quality.kernel_distance(refs.train_features, f)
    precision, recall = quality.precision_recall(refs.train_features, f)
    to_train, _ = quality.nearest_distances(f, refs.train_features)
    to_train_real, _ = quality.nearest_distances(refs.held_out_features, refs.train_features)
    gaps = attributes.fidelity(refs.train_reading, attributes.read(classifier, generated, ctx))
    return {
        "fd": quality.frechet_distance(refs.train_features, f),
        "kid": 1000 * kid, "kid_std": 1000 * kid_std,
        "precision": precision, "recall": recall,
        "hf_ratio": quality.high_frequency_ratio(generated) / quality.high_frequency_ratio(refs.held_out),
        "copy_p": quality.mann_whitney(to_train, to_train_real)[1],
        "attributes": {row["attribute"]: row["gap"] for row in gaps},
    }


def floor(refs: References) -> float:
    """The Fréchet distance between the two real sets: what a perfect generator would score."""
    return quality.frechet_distance(refs.train_features, refs.held_out_features)
