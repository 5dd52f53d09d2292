"""Pictures: image grids, training curves, the architecture figure.

Labels are English words and symbols only, so the Chinese and English chapters
run the same code and no figure needs a CJK font.
"""
from __future__ import annotations

import io

import matplotlib.pyplot as plt
import numpy as np


def show_photo(fig, quality: int = 85):
    """Show a figure of faces. In a notebook it is stored as JPEG, several times
    smaller than PNG for grainy pictures, which keeps each chapter under 3 MB."""
    try:
        from IPython import get_ipython
        shell = get_ipython()
    except ImportError:
        shell = None
    if shell is None or not hasattr(shell, "kernel"):  # a terminal or a script
        plt.show()
        return
    from IPython.display import Image, display
    buf = io.BytesIO()
    fig.savefig(buf, format="jpeg", bbox_inches="tight", pil_kwargs={"quality": quality})
    plt.close(fig)
    display(Image(data=buf.getvalue(), format="jpeg"))


def grid(images_nhwc: np.ndarray, ncols: int, pad: int = 2) -> np.ndarray:
    """Tile uint8 (n, H, W, 3) images into one picture with white gaps."""
    n, h, w, c = images_nhwc.shape
    nrows = -(-n // ncols)
    out = np.full((nrows * (h + pad) - pad, ncols * (w + pad) - pad, c), 255, np.uint8)
    for i, img in enumerate(images_nhwc):
        r, k = divmod(i, ncols)
        out[r * (h + pad):r * (h + pad) + h, k * (w + pad):k * (w + pad) + w] = img
    return out


def show_grid(images_nhwc: np.ndarray, ncols: int, title: str | None = None,
              scale: float = 0.9, labels=None):
    """Show images in a grid, optionally with a small label under each."""
    nrows = -(-len(images_nhwc) // ncols)
    fig, axes = plt.subplots(nrows, ncols, figsize=(ncols * scale, nrows * scale * (1.2 if labels else 1)),
                             squeeze=False)
    for i, ax in enumerate(axes.flat):
        ax.axis("off")
        if i < len(images_nhwc):
            ax.imshow(images_nhwc[i])
            if labels is not None:
                ax.set_title(labels[i], fontsize=8)
    if title:
        fig.suptitle(title, fontsize=10)
    fig.tight_layout(pad=0.3)
    show_photo(fig)


def show_rows(rows: dict[str, np.ndarray], scale: float = 0.8):
    """One row of images per key; the key labels the row on the left."""
    ncols = max(len(v) for v in rows.values())
    fig, axes = plt.subplots(len(rows), ncols, figsize=(ncols * scale + 1.2, len(rows) * scale),
                             squeeze=False)
    for r, (name, imgs) in enumerate(rows.items()):
        for k, ax in enumerate(axes[r]):
            ax.set_xticks([]), ax.set_yticks([])
            for s in ax.spines.values():
                s.set_visible(False)
            if k < len(imgs):
                ax.imshow(imgs[k])
        axes[r, 0].set_ylabel(name, rotation=0, ha="right", va="center", fontsize=9)
    fig.tight_layout(pad=0.3)
    show_photo(fig)


def smooth(values: np.ndarray, window: int) -> np.ndarray:
    """Moving average (valid part only), to see the trend through the noise."""
    window = max(1, min(window, len(values)))
    return np.convolve(values, np.ones(window) / window, mode="valid")


def curves_figure(stats: np.ndarray, iters_per_epoch: int):
    """Losses on the left, D's mean outputs on the right, against the iteration."""
    window = max(1, iters_per_epoch // 4)
    x = np.arange(window - 1, len(stats)) if len(stats) >= window else np.arange(len(stats))
    fig, (a, b) = plt.subplots(1, 2, figsize=(10, 3.2))
    a.plot(x, smooth(stats[:, 0], window), label="D loss")
    a.plot(x, smooth(stats[:, 1], window), label="G loss")
    a.set_xlabel("iteration"), a.set_title("losses"), a.legend()
    b.plot(x, smooth(stats[:, 3], window), label="D(x), real")
    b.plot(x, smooth(stats[:, 4], window), label="D(G(z)), fake")
    b.axhline(0.5, color="grey", lw=0.8, ls=":")
    b.set_ylim(0, 1), b.set_xlabel("iteration"), b.set_title("D's mean output"), b.legend()
    for ax in (a, b):
        for e in range(iters_per_epoch, len(stats), iters_per_epoch):
            ax.axvline(e, color="grey", lw=0.3, alpha=0.4)
    fig.tight_layout()
    return fig


def show_curves(stats: np.ndarray, iters_per_epoch: int):
    curves_figure(stats, iters_per_epoch)
    plt.show()


def layer_shapes(net, x) -> list[tuple[str, tuple[int, ...], int]]:
    """Run x through net layer by layer: (layer name, output shape, parameter count)."""
    rows = []
    for layer in net:
        x = layer(x)
        n_params = sum(p.data().size for p in layer.collect_params().values())
        rows.append((layer.name, tuple(x.shape), n_params))
    return rows


def show_architecture(g_rows, d_rows):
    """Draw G and D as stacks of boxes, one per convolution, sized by feature maps.

    g_rows and d_rows come from layer_shapes: (name, shape, params)."""
    def conv_outputs(rows):
        return [shape for name, shape, _ in rows if "conv" in name]

    fig, axes = plt.subplots(2, 1, figsize=(10, 5.2))
    for ax, shapes, start, title, color in (
            (axes[0], [(100, 1, 1)] + [s[1:] for s in conv_outputs(g_rows)], "z", "Generator G", "#4c72b0"),
            (axes[1], [(3, 64, 64)] + [s[1:] for s in conv_outputs(d_rows)], "image", "Discriminator D", "#dd8452")):
        x = 0.0
        for i, (c, h, w) in enumerate(shapes):
            height = 0.25 + 2.2 * h / 64          # box height ~ spatial size
            width = 0.15 + 0.6 * np.log2(c) / 9   # box width ~ log(channels)
            ax.add_patch(plt.Rectangle((x, -height / 2), width, height, color=color,
                                       alpha=0.25 + 0.6 * i / len(shapes), lw=0))
            label = start if i == 0 else ""
            ax.text(x + width / 2, -height / 2 - 0.12, f"{c}x{h}x{w}", ha="center", va="top", fontsize=8)
            ax.text(x + width / 2, height / 2 + 0.08, label, ha="center", va="bottom", fontsize=8)
            if i < len(shapes) - 1:
                ax.annotate("", (x + width + 0.55, 0), (x + width + 0.05, 0),
                            arrowprops=dict(arrowstyle="->", lw=1))
                op = ("ConvT" if ax is axes[0] else "Conv") + ("\ns=1" if (i == 0 and ax is axes[0]) or
                                                              (i == len(shapes) - 2 and ax is axes[1]) else "\ns=2")
                ax.text(x + width + 0.3, 0.12, op, ha="center", va="bottom", fontsize=7)
            x += width + 0.6
        ax.set_xlim(-0.2, x), ax.set_ylim(-1.7, 1.5), ax.axis("off")
        ax.set_title(title, loc="left", fontsize=10)
    axes[0].text(x - 0.3, 0, "tanh", ha="center", fontsize=8)
    axes[1].text(x - 0.3, 0, "logit", ha="center", fontsize=8)
    fig.tight_layout()
    plt.show()
