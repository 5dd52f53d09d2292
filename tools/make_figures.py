"""Draw the figures of the front matter into book/figures/.

    python tools/make_figures.py

embedded_faces.png comes straight from the dataset. dcgan_samples.png needs the
DCGAN chapter's finished `default` run in the cache (run the chapter first); it is
the same fixed-noise grid the chapter shows after the last epoch.
"""
from pathlib import Path

import numpy as np
from PIL import Image

from utils import data, faces, plots, profiles, runs

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
    # The chapter's fixed noise (02_dcgan.ipynb, training cell).
    fixed_z = np.random.default_rng(profile.seed).standard_normal((16, profile.nz)).astype(np.float32)
    folder = runs.run_folder(profile, images, fixed_z)
    if not (folder / "history.npz").exists():
        print(f"no finished default run in {folder}: execute chapters/en/02_dcgan.ipynb first")
        return
    with np.load(folder / "history.npz") as f:
        save(plots.grid(f["epoch_samples"][-1], ncols=8), "dcgan_samples.png")


if __name__ == "__main__":
    main()
