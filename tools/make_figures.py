"""Draw the figures of the front matter into book/figures/.

    python tools/make_figures.py

embedded_faces.png comes straight from the dataset. dcgan_samples.png needs the
DCGAN chapter's finished `default` run in the cache (run the chapter first); it is
the same fixed-noise grid the chapter shows after the last epoch.
"""
from pathlib import Path

import mxnet as mx
import numpy as np
from PIL import Image

from utils import data, profiles
from utils.data import faces
from utils.display import plots
from utils.gan import checkpoints, runs, training

FIGURES = Path(__file__).resolve().parents[1] / "book" / "figures"


def save(picture: np.ndarray, name: str, zoom: int = 2):
    h, w = picture.shape[:2]
    Image.fromarray(picture).resize((w * zoom, h * zoom), Image.NEAREST) \
        .save(FIGURES / name, optimize=True)
    print("wrote", FIGURES / name)


def main():
    save(plots.grid(faces.make_faces(24, seed=0)[0], ncols=8), "embedded_faces.png")
    profile = profiles.PROFILES["default"]
    images, _ = data.training_images(profile)
    G, D = training.build_networks(profile, mx.cpu(), seed=profile.seed)  # as the chapter does
    folder = runs.run_folder(profile, images, training.fixed_noise(profile), G, D)
    if not (folder / runs.DONE).exists():
        print("no finished default run in the cache: execute chapters/en/02_dcgan.ipynb first")
        return
    arrays, _ = checkpoints.read(folder / checkpoints.CHECKPOINT)
    save(plots.grid(arrays["epoch_samples"][-1], ncols=8), "dcgan_samples.png")


if __name__ == "__main__":
    main()
