"""Exploring a generator's latent space: interpolation, walks, face arithmetic and
attribute directions, as in the DCGAN paper's figures. The latent-space chapter
shows this code.

The numeric parts (norms, exemplar choice, averages, directions, captions) are plain
numpy functions of codes and classifier scores, so they are tested without a
generator. The paths themselves (lerp, slerp) are in `paths`.
"""
from __future__ import annotations

import itertools

import ipywidgets as w
import numpy as np

from ..display import plots
from ..gan import training
from . import attributes, paths
from .attributes import LABELS
from ..display.widgets import FrameSlider, image_jpeg


# -- interpolation --------------------------------------------------------------------
def codes_for_seeds(seeds, nz: int) -> np.ndarray:
    """One standard-normal code per seed, (len(seeds), nz): a seed names a face.
    nz has no default: it must be the length of the generator's codes (profile.nz)."""
    return np.stack([np.random.default_rng(int(s)).standard_normal(nz) for s in seeds]).astype(np.float32)


def path_norms(z0, z1, steps: int) -> dict[str, np.ndarray]:
    """|z| at each step of the straight (lerp) and the spherical (slerp) path."""
    return {how: np.linalg.norm(paths.path(z0, z1, steps, how), axis=1) for how in ("lerp", "slerp")}


def interpolation_frames(G, z0, z1, steps: int, ctx) -> dict[str, np.ndarray]:
    """Images along both paths: {"lerp": (steps, 64, 64, 3), "slerp": ...}, uint8."""
    return {how: training.sample(G, paths.path(z0, z1, steps, how), ctx) for how in ("lerp", "slerp")}


def side_by_side(*pictures: np.ndarray, pad: int = 4) -> np.ndarray:
    """Pictures of the same height next to each other, with white gaps."""
    return plots.grid(np.stack(pictures), ncols=len(pictures), pad=pad)


def interpolation_captions(steps: int) -> list[str]:
    return [f"t = {t:.2f}   (left: lerp, right: slerp)" for t in np.linspace(0.0, 1.0, steps)]


def interpolation_slider(G, z0, z1, ctx, steps: int = 15, zoom: int = 2) -> FrameSlider:
    """One slider over t; each frame shows the lerp image left, the slerp image right.
    It opens at t = 0.5, where the two paths differ most."""
    frames = interpolation_frames(G, z0, z1, steps, ctx)
    pictures = [image_jpeg(side_by_side(a, b), zoom=zoom) for a, b in zip(frames["lerp"], frames["slerp"])]
    return FrameSlider(pictures, interpolation_captions(steps), description="t", fmt="jpeg",
                       start=steps // 2)


def seed_pair_picture(G, ctx, seed0: int, seed1: int, t: float, nz: int) -> np.ndarray:
    """The live widget's callback: lerp and slerp images at t between two seeds' codes."""
    z0, z1 = codes_for_seeds([seed0, seed1], nz)
    codes = np.stack([paths.lerp(z0, z1, t), paths.slerp(z0, z1, t)])
    return side_by_side(*training.sample(G, codes, ctx))


class SeedInterpolation:
    """Pick two codes by seed and slide t (live, needs a kernel). The static book gets
    the precomputed slider for the starting seeds instead."""

    def __init__(self, G, ctx, seed0: int, seed1: int, nz: int, zoom: int = 2):
        self.G, self.ctx, self.nz, self.zoom = G, ctx, nz, zoom
        self.seeds = (seed0, seed1)

    def picture(self, seed0, seed1, t) -> bytes:
        return image_jpeg(seed_pair_picture(self.G, self.ctx, seed0, seed1, t, self.nz), zoom=self.zoom)

    def widget(self) -> w.VBox:
        a, b = (w.BoundedIntText(value=s, min=0, max=2**31 - 1, description=f"seed {k}")
                for k, s in enumerate(self.seeds))
        t = w.FloatSlider(value=0.5, min=0.0, max=1.0, step=0.05, description="t")
        image = w.Image(value=self.picture(a.value, b.value, t.value), format="jpeg")

        def update(_change):
            image.value = self.picture(a.value, b.value, t.value)

        for control in (a, b, t):
            control.observe(update, names="value")
        return w.VBox([w.HBox([a, b]), t, w.Label("left: lerp, right: slerp"), image])

    def _repr_mimebundle_(self, include=None, exclude=None):
        bundle = self.widget()._repr_mimebundle_(include=include, exclude=exclude)
        z0, z1 = codes_for_seeds(self.seeds, self.nz)
        bundle["text/html"] = interpolation_slider(self.G, z0, z1, self.ctx, zoom=self.zoom).html()
        bundle["text/plain"] = f"SeedInterpolation(seeds {self.seeds[0]} and {self.seeds[1]})"
        return bundle


def walk_grid(G, starts: np.ndarray, ends: np.ndarray, steps: int, ctx) -> np.ndarray:
    """One slerp walk per row, from starts[i] to ends[i]: (rows * steps, 64, 64, 3)."""
    codes = np.concatenate([paths.path(a, b, steps, "slerp") for a, b in zip(starts, ends)])
    return training.sample(G, codes, ctx)


# -- face arithmetic ------------------------------------------------------------------
def concept_score(probs: np.ndarray, concept: dict[str, bool]) -> np.ndarray:
    """How surely each sample shows a concept such as {"smiling": True, "glasses": False}:
    the product of p (wanted) or 1 - p (unwanted) over the concept's labels."""
    score = np.ones(len(probs))
    for name, wanted in concept.items():
        p = probs[:, LABELS.index(name)]
        score = score * (p if wanted else 1.0 - p)
    return score


def exemplars(probs: np.ndarray, concept: dict[str, bool], k: int = 3) -> np.ndarray:
    """Indices of the k samples that show the concept most surely, best first."""
    return np.argsort(-concept_score(probs, concept), kind="stable")[:k]


WORDS = {"smiling": ("smiling", "neutral"), "glasses": ("glasses", "no glasses"),
         "dark_hair": ("dark hair", "no dark hair")}  # (yes, no): for figure labels


def concept_name(concept: dict[str, bool]) -> str:
    """A concept in words, e.g. "neutral, glasses"."""
    return ", ".join(WORDS[name][0 if wanted else 1] for name, wanted in concept.items())


def exemplars_whose_average_shows(codes: np.ndarray, probs: np.ndarray, concept: dict[str, bool],
                                  judge, k: int = 3, candidates: int = 10) -> np.ndarray:
    """Of the `candidates` samples that show the concept most surely, the k whose
    average code G draws showing it most surely. `judge` takes codes (n, nz) and
    returns the classifier's probabilities for G's faces of them."""
    groups = np.array(list(itertools.combinations(exemplars(probs, concept, candidates), k)))
    return groups[np.argmax(concept_score(judge(codes[groups].mean(axis=1)), concept))]


def mean_codes(codes: np.ndarray, probs: np.ndarray, concepts: list[dict], k: int = 3, judge=None):
    """For each concept: its exemplars' indices and the average of their codes. One
    face carries its own quirks; the average of k keeps what they share. But an
    average can also lose what each of its codes shows (a thin feature such as
    glasses, most often), so with `judge` (see exemplars_whose_average_shows) the
    exemplars are picked for what their average shows, not only for what each shows."""
    picks = [exemplars(probs, c, k) if judge is None else
             exemplars_whose_average_shows(codes, probs, c, judge, k) for c in concepts]
    return picks, np.stack([codes[idx].mean(axis=0) for idx in picks])


def arithmetic(a: np.ndarray, b: np.ndarray, c: np.ndarray) -> np.ndarray:
    """a - b + c: e.g. (smiling, glasses) - (neutral, glasses) + (neutral, no glasses)."""
    return a - b + c


def jitter(z: np.ndarray, n: int, scale: float = 0.25, seed: int = 0) -> np.ndarray:
    """z and n - 1 neighbours with small noise added, as in the paper's figure: the
    result should hold for the region around the code, not for one point."""
    noise = np.random.default_rng(seed).standard_normal((n - 1, z.size)) * scale
    return np.concatenate([z[None], z[None] + noise]).astype(np.float32)


# -- attribute directions -------------------------------------------------------------
def groups(probs: np.ndarray, label: str, min_size: int = 20):
    """Two boolean masks: the samples the classifier calls `label` (p > 0.5) and the
    rest. If either side has fewer than min_size samples (a barely trained G may make
    no smiling face at all), the top and bottom quarters by score instead."""
    p = probs[:, LABELS.index(label)]
    yes = p > 0.5
    if min(yes.sum(), (~yes).sum()) >= min_size:
        return yes, ~yes
    order, quarter = np.argsort(p, kind="stable"), max(1, len(p) // 4)
    yes, no = np.zeros(len(p), bool), np.zeros(len(p), bool)
    yes[order[-quarter:]], no[order[:quarter]] = True, True
    return yes, no


def direction(codes: np.ndarray, probs: np.ndarray, label: str) -> np.ndarray:
    """Mean code of the samples the classifier calls `label` minus the mean code of the
    others (e.g. smiling minus neutral): what the two groups' codes differ by on average."""
    yes, no = groups(probs, label)
    return codes[yes].mean(axis=0) - codes[no].mean(axis=0)


def along(z: np.ndarray, d: np.ndarray, amounts: np.ndarray) -> np.ndarray:
    """Codes z + a * d for each amount a, (len(amounts), nz)."""
    return (z[None] + np.asarray(amounts)[:, None] * d[None]).astype(np.float32)


def direction_captions(amounts, scores, label: str = "smiling") -> list[str]:
    """The slider's captions: how far along the direction (exact to 3 decimals, so a
    step of 1/8 shows as 0.125), and the classifier's score."""
    return [f"step {amount_text(a)}: P({label}) = {s:.2f}" for a, s in zip(amounts, scores)]


def amount_text(amount: float) -> str:
    """A signed amount with no trailing zeros: +0.125, -0.5, +1, +0."""
    text = f"{amount:+.3f}".rstrip("0").rstrip(".")
    return "+0" if text in ("-0", "+0") else text


def direction_frames(G, net, z: np.ndarray, d: np.ndarray, amounts, ctx, label: str = "smiling"):
    """Images along z + a * d, and the classifier's score for `label` on each."""
    images = training.sample(G, along(z, d, amounts), ctx)
    return images, attributes.predict(net, images, ctx)[:, LABELS.index(label)]


def direction_slider(images: np.ndarray, amounts, scores, label: str = "smiling",
                     zoom: int = 2, start: int | None = None) -> FrameSlider:
    """A slider over the steps along a direction; each caption shows the score. It
    opens on frame `start` (default: the last)."""
    return FrameSlider([image_jpeg(img, zoom=zoom) for img in images],
                       direction_captions(amounts, scores, label), description="step", fmt="jpeg",
                       start=start)
