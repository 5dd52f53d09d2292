"""Sliders over precomputed pictures that work in Jupyter *and* in the static book.

A live ipywidgets slider needs a running kernel; the HTML book has none. So a
:class:`FrameSlider` carries both views of the same frames in one output: the
widget (Jupyter shows it when the kernel runs) and a small self-contained HTML/JS
slider (the book shows it: ``_config.yml`` ranks ``text/html`` above widget views).
The HTML version embeds the frames as base64 images and needs no CDN.
"""
from __future__ import annotations

import base64
import html
import io
import uuid

import ipywidgets as w
import matplotlib.pyplot as plt
import numpy as np

MAX_FRAMES = 40  # keeps a notebook's stored outputs small (tests: under 3 MB)


def figure_png(fig, dpi: int = 72) -> bytes:
    """Render a matplotlib figure to PNG bytes and close it (it is not shown)."""
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=dpi, bbox_inches="tight")
    plt.close(fig)
    return buf.getvalue()


def image_jpeg(picture: np.ndarray, zoom: int = 1, quality: int = 85) -> bytes:
    """A uint8 (H, W, 3) picture as JPEG bytes, enlarged zoom times (nearest pixel).
    Photos and generated faces are several times smaller as JPEG than as PNG."""
    from PIL import Image

    img = Image.fromarray(picture)
    if zoom > 1:
        img = img.resize((img.width * zoom, img.height * zoom), Image.NEAREST)
    buf = io.BytesIO()
    img.save(buf, format="JPEG", quality=quality)
    return buf.getvalue()


def frame_index(position: float, n_frames: int) -> int:
    """The frame to show for a slider position in [0, 1] (ends included)."""
    if n_frames < 1:
        raise ValueError("a slider needs at least one frame")
    return min(n_frames - 1, max(0, round(position * (n_frames - 1))))


class FrameSlider:
    """A slider that flips through frames (PNG, or JPEG with fmt="jpeg"), each with a
    caption. It opens on frame `start` (default: the last one)."""

    def __init__(self, frames: list[bytes], captions: list[str], description: str = "frame",
                 fmt: str = "png", start: int | None = None):
        if len(frames) != len(captions):
            raise ValueError(f"{len(frames)} frames but {len(captions)} captions")
        if not 1 <= len(frames) <= MAX_FRAMES:
            raise ValueError(f"a slider shows 1 to {MAX_FRAMES} frames, got {len(frames)}: "
                             "keep every n-th frame to stay under the limit")
        if fmt not in ("png", "jpeg"):
            raise ValueError(f"fmt must be 'png' or 'jpeg', got {fmt!r}")
        start = len(frames) - 1 if start is None else start
        if not 0 <= start < len(frames):
            raise ValueError(f"start={start} is not a frame index (0 to {len(frames) - 1})")
        self.frames, self.captions, self.description, self.fmt = frames, captions, description, fmt
        self.start = start

    # -- the live widget ----------------------------------------------------------
    def widget(self) -> w.VBox:
        image = w.Image(value=self.frames[self.start], format=self.fmt)
        caption = w.Label(self.captions[self.start])
        slider = w.IntSlider(value=self.start, min=0, max=len(self.frames) - 1,
                             description=self.description, continuous_update=True)

        def show(change):
            image.value = self.frames[change["new"]]
            caption.value = self.captions[change["new"]]

        slider.observe(show, names="value")
        return w.VBox([slider, caption, image])

    # -- the static version ---------------------------------------------------------
    def html(self) -> str:
        uid = "fs-" + uuid.uuid4().hex[:8]
        prefix = f"data:image/{self.fmt};base64,"
        srcs = ",".join('"' + prefix + base64.b64encode(f).decode() + '"' for f in self.frames)
        caps = ",".join('"' + html.escape(c).replace('"', "&quot;") + '"' for c in self.captions)
        last = len(self.frames) - 1
        return f"""<div class="frame-slider" id="{uid}">
<label>{html.escape(self.description)}
<input type="range" min="0" max="{last}" value="{self.start}" step="1" style="width:320px;max-width:80%;vertical-align:middle"></label>
<div class="frame-caption">{html.escape(self.captions[self.start])}</div>
<img style="max-width:100%" src="{prefix}{base64.b64encode(self.frames[self.start]).decode()}">
<script>
(function() {{
  var root = document.getElementById("{uid}");
  var srcs = [{srcs}], caps = [{caps}];
  var input = root.querySelector("input"), img = root.querySelector("img"),
      cap = root.querySelector(".frame-caption");
  function show(i) {{ img.src = srcs[i]; cap.innerHTML = caps[i]; input.value = i; }}
  input.addEventListener("input", function() {{ show(+input.value); }});
  if (location.hash === "#slider-first") show(0);  // lets a browser test move it
}})();
</script>
</div>"""

    def _repr_mimebundle_(self, include=None, exclude=None):
        bundle = self.widget()._repr_mimebundle_(include=include, exclude=exclude)
        bundle["text/html"] = self.html()
        bundle["text/plain"] = f"FrameSlider({len(self.frames)} frames: {self.description})"
        return bundle
