"""The embedded face dataset: cartoon faces drawn with numpy, no download needed.

Every face is drawn from a handful of random attributes (face shape, skin tone, hair
colour and style, eye size, mouth from frown to smile, glasses, background), and the
attributes come back with the pictures, so later chapters can pick "smiling" or
"with glasses" exemplars without labelling anything by hand.

Shapes are drawn as soft-edged masks (a one-pixel ramp over each signed distance),
which antialiases every edge: hard 0/1 edges make a GAN's job needlessly hard.
The same seed always gives the same images, bit for bit.
"""
from __future__ import annotations

import os
from concurrent.futures import ThreadPoolExecutor

import numpy as np

SIZE = 64
_CHUNK = 500  # images drawn at a time: keeps the working arrays in cache

HAIR_COLORS = {  # RGB in [0, 1]
    "black": (0.10, 0.08, 0.07),
    "brown": (0.40, 0.24, 0.12),
    "blond": (0.90, 0.75, 0.42),
    "red": (0.70, 0.28, 0.12),
    "grey": (0.68, 0.68, 0.70),
}
HAIR_STYLES = ("bald", "short", "long", "bangs")

# Skin tones from light to dark; a face's tone is a random point along this line.
_SKIN_LIGHT = np.array([0.98, 0.85, 0.74], np.float32)
_SKIN_DARK = np.array([0.40, 0.26, 0.17], np.float32)

ATTRIBUTES = {
    "face_width": "half-width of the face ellipse, as a fraction of the image (0.24 to 0.33)",
    "face_height": "half-height of the face ellipse (0.30 to 0.38)",
    "skin_tone": "0 = lightest, 1 = darkest",
    "hair_color": "index into HAIR_COLORS: " + ", ".join(HAIR_COLORS),
    "hair_style": "index into HAIR_STYLES: " + ", ".join(HAIR_STYLES),
    "eye_size": "radius of the eyes (0.035 to 0.06)",
    "smile": "-1 = frown, 0 = neutral, +1 = broad smile",
    "glasses": "1 if the face wears glasses",
    "background_hue": "hue of the background, 0 to 1",
}


def sample_attributes(n: int, rng: np.random.Generator) -> dict[str, np.ndarray]:
    """Draw the attributes of n faces; each value is an array of length n."""
    return {
        "face_width": rng.uniform(0.24, 0.33, n).astype(np.float32),
        "face_height": rng.uniform(0.30, 0.38, n).astype(np.float32),
        "skin_tone": rng.beta(1.6, 1.6, n).astype(np.float32),
        "hair_color": rng.integers(0, len(HAIR_COLORS), n).astype(np.int64),
        "hair_style": rng.choice(len(HAIR_STYLES), n, p=[0.12, 0.38, 0.3, 0.2]).astype(np.int64),
        "eye_size": rng.uniform(0.035, 0.06, n).astype(np.float32),
        "smile": rng.uniform(-1.0, 1.0, n).astype(np.float32),
        "glasses": (rng.random(n) < 0.3).astype(np.int64),
        "background_hue": rng.random(n).astype(np.float32),
    }


def _hsv_to_rgb(h, s, v):
    """Vectorised HSV -> RGB for arrays of shape (n,), returns (n, 3)."""
    k = (np.array([5.0, 3.0, 1.0], np.float32) + h[:, None] * 6.0) % 6.0
    return v[:, None] - v[:, None] * s[:, None] * np.clip(np.minimum(k, 4.0 - k), 0.0, 1.0)


class _Canvas:
    """A batch of images being painted, plus the pixel grid in [-0.5, 0.5]."""

    def __init__(self, n: int):
        coords = (np.arange(SIZE, dtype=np.float32) + 0.5) / SIZE - 0.5
        self.y = coords[None, :, None]  # (1, H, 1): rows, pointing down
        self.x = coords[None, None, :]  # (1, 1, W)
        self.img = np.zeros((n, SIZE, SIZE, 3), np.float32)
        self.px = 1.0 / SIZE

    def soft(self, sdf):
        """Coverage in [0, 1] from a signed distance (negative inside), 1 px ramp."""
        return np.clip(0.5 - sdf / self.px, 0.0, 1.0)

    def ellipse(self, cx, cy, rx, ry):
        """Approximate signed distance to an ellipse; parameters are (n,) arrays."""
        dx = (self.x - cx[:, None, None]) / rx[:, None, None]
        dy = (self.y - cy[:, None, None]) / ry[:, None, None]
        r = np.minimum(rx, ry)[:, None, None]
        return (np.sqrt(dx * dx + dy * dy) - 1.0) * r

    def paint(self, coverage, color):
        """Alpha-blend colour (n, 3) over the image where coverage (n, H, W) is > 0."""
        # Only the rows and columns that some image covers are touched: most parts
        # (eyes, mouth, glasses) are small, and this makes drawing several times faster.
        covered = np.flatnonzero(coverage.any(axis=(0, 2))), np.flatnonzero(coverage.any(axis=(0, 1)))
        if covered[0].size == 0:
            return
        rows, cols = (slice(idx[0], idx[-1] + 1) for idx in covered)
        a = coverage[:, rows, cols, None].astype(np.float32, copy=False)
        region = self.img[:, rows, cols]
        region += a * (color[:, None, None, :].astype(np.float32) - region)


def _draw(attrs: dict[str, np.ndarray], rng: np.random.Generator) -> np.ndarray:
    n = len(attrs["smile"])
    c = _Canvas(n)
    f32 = np.float32

    # Small random placement, so the network cannot just memorise one position.
    cx = rng.normal(0.0, 0.015, n).astype(f32)
    cy = (0.04 + rng.normal(0.0, 0.015, n)).astype(f32)
    rx, ry = attrs["face_width"], attrs["face_height"]
    skin = _SKIN_LIGHT + attrs["skin_tone"][:, None] * (_SKIN_DARK - _SKIN_LIGHT)
    hair = np.array(list(HAIR_COLORS.values()), f32)[attrs["hair_color"]]
    hair = np.clip(hair * rng.uniform(0.85, 1.15, (n, 1)), 0, 1).astype(f32)
    style = attrs["hair_style"]

    # Background: a muted colour with a gentle vertical gradient.
    bg = _hsv_to_rgb(attrs["background_hue"], np.full(n, 0.35, f32), rng.uniform(0.55, 0.85, n).astype(f32))
    c.img[:] = bg[:, None, None, :]
    c.img *= (1.05 - 0.25 * (c.y[..., None] + 0.5))

    # Shoulders in a random shirt colour.
    shirt = _hsv_to_rgb(rng.random(n).astype(f32), np.full(n, 0.5, f32), rng.uniform(0.3, 0.8, n).astype(f32))
    c.paint(c.soft(c.ellipse(cx, np.full(n, 0.62, f32), rx * 1.9, np.full(n, 0.22, f32))), shirt)

    # Long hair falls behind the head and down to the shoulders.
    long_hair = (style == 2).astype(f32)[:, None, None]
    back = c.soft(np.maximum(c.ellipse(cx, cy + 0.08, rx * 1.35, ry * 1.25), c.y - (cy[:, None, None] + 0.34)))
    c.paint(back * long_hair, hair * 0.85)

    # Neck, then the face with a little shading towards its edge.
    neck = np.maximum(np.abs(c.x - cx[:, None, None]) - rx[:, None, None] * 0.45, cy[:, None, None] - c.y)
    c.paint(c.soft(neck) * (c.y < 0.45), skin * 0.85)
    face_sdf = c.ellipse(cx, cy, rx, ry)
    c.paint(c.soft(face_sdf), skin)
    shade = np.clip((face_sdf / np.minimum(rx, ry)[:, None, None] + 0.45) * 1.2, 0, 0.25)
    c.paint(c.soft(face_sdf) * shade, skin * 0.7)

    # Hair on top: a cap above the hairline for short, long and bangs styles.
    top = cy - ry * np.where(style == 3, f32(0.15), f32(0.45))
    cap = np.maximum(c.ellipse(cx, cy - 0.02, rx * 1.1, ry * 1.08), c.y - top[:, None, None])
    c.paint(c.soft(cap) * (style != 0)[:, None, None], hair)

    # Eyes: whites, dark irises, and brows in the hair colour (grey-ish if bald).
    eye_y = cy - ry * 0.05
    eye_dx = rx * 0.42
    er = attrs["eye_size"]
    brow_color = np.where((style == 0)[:, None], skin * 0.45, hair * 0.8)
    for side in (-1.0, 1.0):
        ex = cx + side * eye_dx
        c.paint(c.soft(c.ellipse(ex, eye_y, er * 1.25, er * 0.85)), np.ones((n, 3), f32) * 0.96)
        c.paint(c.soft(c.ellipse(ex, eye_y, er * 0.6, er * 0.6)), np.tile([[0.15, 0.1, 0.08]], (n, 1)).astype(f32))
        brow = c.ellipse(ex, eye_y - er * 1.9, er * 1.5, er * 0.35)
        c.paint(c.soft(brow), brow_color)

    # Nose: a soft darker patch.
    c.paint(0.5 * c.soft(c.ellipse(cx, cy + ry * 0.22, rx * 0.1, ry * 0.12)), skin * 0.75)

    # Mouth: a parabola whose middle drops for a smile and rises for a frown.
    mx, my = cx[:, None, None], (cy + ry * 0.52)[:, None, None]
    half_w = (rx * 0.45)[:, None, None]
    t = (c.x - mx) / half_w
    curve = my + attrs["smile"][:, None, None] * 0.06 * (1.0 - t * t)
    thickness = 0.012 + 0.008 * np.abs(attrs["smile"])[:, None, None]
    mouth = np.maximum(np.abs(c.y - curve) - thickness, (np.abs(t) - 1.0) * half_w)
    c.paint(c.soft(mouth), np.tile([[0.55, 0.12, 0.14]], (n, 1)).astype(f32))

    # Glasses: two dark rings and a bridge.
    frame = np.tile([[0.08, 0.08, 0.1]], (n, 1)).astype(f32)
    on = attrs["glasses"].astype(f32)[:, None, None]
    ring_r = (er * 1.9)[:, None, None]
    for side in (-1.0, 1.0):
        ex = (cx + side * eye_dx)[:, None, None]
        d = np.sqrt((c.x - ex) ** 2 + (c.y - eye_y[:, None, None]) ** 2)
        c.paint(c.soft(np.abs(d - ring_r) - 0.012) * on, frame)
    bridge = np.maximum(np.abs(c.y - eye_y[:, None, None]) - 0.01,
                        np.abs(c.x - cx[:, None, None]) - (eye_dx[:, None, None] - ring_r))
    c.paint(c.soft(bridge) * on, frame)

    return np.clip(c.img * 255.0 + 0.5, 0, 255).astype(np.uint8)


def make_faces(n: int = 10_000, seed: int = 0):
    """Generate n faces as uint8 (n, 64, 64, 3) and a dict of their attributes.

    Identical output for the same (n, seed): every chunk of images has its own
    generator derived from the seed, so the result does not depend on which
    thread drew which chunk.
    """
    if n <= 0:
        raise ValueError(f"make_faces needs n >= 1 images, got n={n}.")
    attrs = sample_attributes(n, np.random.default_rng([seed, 0]))
    images = np.empty((n, SIZE, SIZE, 3), np.uint8)

    def draw_chunk(start):
        part = {k: v[start:start + _CHUNK] for k, v in attrs.items()}
        images[start:start + _CHUNK] = _draw(part, np.random.default_rng([seed, 1, start]))

    # numpy releases the GIL in its array loops, so threads use every core.
    with ThreadPoolExecutor(max_workers=os.cpu_count() or 1) as pool:
        list(pool.map(draw_chunk, range(0, n, _CHUNK)))
    return images, attrs
