"""Draw the figures of the book's front matter into book/figures/.

    python tools/make_figures.py
"""
from pathlib import Path

from PIL import Image

from utils import faces, plots

FIGURES = Path(__file__).resolve().parents[1] / "book" / "figures"


def main():
    images, _ = faces.make_faces(24, seed=0)
    picture = plots.grid(images, ncols=8)
    Image.fromarray(picture).resize((picture.shape[1] * 2, picture.shape[0] * 2), Image.NEAREST) \
        .save(FIGURES / "embedded_faces.png", optimize=True)
    print("wrote", FIGURES / "embedded_faces.png")


if __name__ == "__main__":
    main()
