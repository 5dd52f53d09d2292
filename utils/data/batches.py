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

    def epoch(self, e: int, start: int = 0):
        """Yield float32 (batch_size, 3, H, W) batches for epoch e, from batch `start`
        on (a resumed run gets the same batches it would have had)."""
        rng = np.random.default_rng([self.seed, e])
        order = rng.permutation(len(self.images))
        for i in range(len(self)):
            mirror = rng.random(self.batch_size) < 0.5 if self.flip else None
            if i < start:
                continue
            idx = np.sort(order[i * self.batch_size:(i + 1) * self.batch_size])
            batch = self.images[idx]
            if self.flip:  # a mirrored face is still a face: twice the variety for free
                batch[mirror] = batch[mirror, :, ::-1]
            yield to_float(batch)
