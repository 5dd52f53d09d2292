"""Turning a uint8 image array into shuffled training batches in [-1, 1]."""
from __future__ import annotations

import numpy as np


def to_float(images_nhwc: np.ndarray) -> np.ndarray:
    """uint8 (n, H, W, 3) -> float32 (n, 3, H, W) in [-1, 1], the range of G's Tanh."""
    x = images_nhwc.transpose(0, 3, 1, 2).astype(np.float32)
    return x / 127.5 - 1.0


def to_uint8(images_nchw) -> np.ndarray:
    """float (n, 3, H, W) in [-1, 1] (numpy or MXNet) -> uint8 (n, H, W, 3) for display."""
    x = images_nchw.asnumpy() if hasattr(images_nchw, "asnumpy") else np.asarray(images_nchw)
    return np.clip((x.transpose(0, 2, 3, 1) + 1.0) * 127.5 + 0.5, 0, 255).astype(np.uint8)


class Batches:
    """Shuffled mini-batches of a uint8 image array, a new order every epoch.

    Images stay uint8 in memory (a quarter of float32) and are converted one batch
    at a time. The order of epoch e depends only on (seed, e), so a run can be
    repeated exactly. The last incomplete batch is dropped: every batch has
    exactly batch_size images, so BatchNorm never sees a tiny batch.
    """

    def __init__(self, images: np.ndarray, batch_size: int, seed: int = 0, flip: bool = False):
        if images.ndim != 4 or images.shape[-1] != 3 or images.dtype != np.uint8:
            raise ValueError(f"Batches wants uint8 images of shape (n, H, W, 3), got "
                             f"{images.dtype} {images.shape}.")
        if len(images) < batch_size:
            raise ValueError(f"Only {len(images)} images for a batch size of {batch_size}: "
                             "use a smaller batch size or more images.")
        self.images, self.batch_size, self.seed, self.flip = images, batch_size, seed, flip

    def __len__(self) -> int:
        return len(self.images) // self.batch_size

    def epoch(self, e: int):
        """Yield float32 (batch_size, 3, H, W) batches for epoch e."""
        rng = np.random.default_rng([self.seed, e])
        order = rng.permutation(len(self.images))
        for i in range(len(self)):
            idx = np.sort(order[i * self.batch_size:(i + 1) * self.batch_size])
            batch = self.images[idx]
            if self.flip:  # a mirrored face is still a face: twice the variety for free
                mirror = rng.random(len(batch)) < 0.5
                batch[mirror] = batch[mirror, :, ::-1]
            yield to_float(batch)


# --- Where the training images come from --------------------------------------------

DATA_ENV = "GANBOOK_DATA"
# The face in a 250x250 LFW photo sits roughly in rows 70:195, columns 78:172
# (the crop scikit-learn uses); a square box around it, so faces are not squashed.
LFW_FACE_BOX = (70, 195, 62, 187)
IMAGE_SUFFIXES = {".jpg", ".jpeg", ".png", ".bmp", ".gif", ".webp"}


def load_folder(folder, size: int = 64, face_box=None) -> np.ndarray:
    """Every image under folder (recursively) as uint8 (n, size, size, 3).

    A first, simple loader: the data chapter's issue (#3) brings the robust one
    (odd image kinds, corrupt files, a cache of the decoded array)."""
    from pathlib import Path

    from PIL import Image

    folder = Path(folder).expanduser()
    files = sorted(p for p in folder.rglob("*") if p.suffix.lower() in IMAGE_SUFFIXES)
    if not files:
        raise FileNotFoundError(
            f"No images ({', '.join(sorted(IMAGE_SUFFIXES))}) found under {folder}. "
            f"Point {DATA_ENV} at a folder of images, e.g. the extracted lfw.tgz.")
    out = np.empty((len(files), size, size, 3), np.uint8)
    for i, f in enumerate(files):
        with Image.open(f) as im:
            im = im.convert("RGB")
            if face_box is not None:
                r0, r1, c0, c1 = face_box
                im = im.crop((c0, r0, c1, r1))
            out[i] = np.asarray(im.resize((size, size), Image.LANCZOS))
    return out


def training_images(profile):
    """(images, attributes) for the profile: the embedded faces (with their known
    attributes), or LFW from the folder named by GANBOOK_DATA (attributes None)."""
    import os

    from . import faces

    if profile.data == "faces":
        return faces.make_faces(profile.num_images, profile.seed)
    folder = os.environ.get(DATA_ENV)
    if not folder:
        raise FileNotFoundError(
            f"The {profile.name!r} profile trains on LFW. Download lfw.tgz "
            "(https://ndownloader.figshare.com/files/5976018, sha256 055f7d9c...d536c0), "
            f"extract it and set {DATA_ENV} to the extracted lfw/ folder.")
    return load_folder(folder, 64, LFW_FACE_BOX), None
