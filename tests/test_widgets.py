import base64
import io
import re

import numpy as np
from PIL import Image

import matplotlib.pyplot as plt
import pytest

from utils.display import widgets


def _frames(n):
    out = []
    for i in range(n):
        fig = plt.figure(figsize=(1, 1))
        plt.plot([0, 1], [0, i])
        out.append(widgets.figure_png(fig))
    return out


def test_frame_index_maps_the_slider_range_onto_frames():
    assert [widgets.frame_index(p, 5) for p in (0, 0.24, 0.5, 0.76, 1, 1.5, -1)] == [0, 1, 2, 3, 4, 4, 0]
    with pytest.raises(ValueError):
        widgets.frame_index(0.5, 0)


def test_live_widget_shows_the_frame_the_slider_points_at():
    frames = _frames(3)
    slider, caption, image = widgets.FrameSlider(frames, ["a", "b", "c"]).widget().children
    assert image.value == frames[2] and caption.value == "c"  # starts at the end
    slider.value = 0
    assert image.value == frames[0] and caption.value == "a"
    slider.value = 1
    assert image.value == frames[1] and caption.value == "b"


def test_static_html_embeds_every_frame_and_needs_no_network():
    frames = _frames(4)
    page = widgets.FrameSlider(frames, ["e1", "e2", "e3", "e<4>"], "epoch").html()
    embedded = re.findall(r'data:image/png;base64,([A-Za-z0-9+/=]+)', page)
    # The initial picture (the last frame), then every frame in the script's list.
    assert [base64.b64decode(s) for s in embedded] == [frames[-1]] + frames
    assert 'type="range"' in page and "<script>" in page
    assert not re.search(r"https?://|(src|href)=[\"']//", page), "no CDN or remote resource"
    assert "e&lt;4&gt;" in page and "e<4>" not in page  # captions are escaped


def test_notebook_output_carries_the_widget_and_the_static_version():
    bundle = widgets.FrameSlider(_frames(2), ["a", "b"])._repr_mimebundle_()
    assert {"application/vnd.jupyter.widget-view+json", "text/html", "text/plain"} <= set(bundle)


def test_frame_limits_are_enforced_with_a_useful_message():
    with pytest.raises(ValueError, match="keep every n-th frame"):
        widgets.FrameSlider([b"x"] * (widgets.MAX_FRAMES + 1), ["c"] * (widgets.MAX_FRAMES + 1))
    with pytest.raises(ValueError, match="2 frames but 1 captions"):
        widgets.FrameSlider([b"x", b"y"], ["c"])


def test_jpeg_frames_for_pictures():
    picture = np.random.default_rng(0).integers(0, 256, (64, 128, 3), dtype=np.uint8)
    jpeg = widgets.image_jpeg(picture, zoom=2)
    with Image.open(io.BytesIO(jpeg)) as im:
        assert (im.format, im.size) == ("JPEG", (256, 128))
    slider = widgets.FrameSlider([jpeg, jpeg], ["a", "b"], fmt="jpeg")
    assert "data:image/jpeg;base64," in slider.html()
    assert slider.widget().children[2].format == "jpeg"
    with pytest.raises(ValueError, match="fmt must be"):
        widgets.FrameSlider([jpeg], ["a"], fmt="gif")


def test_a_slider_can_open_on_any_frame():
    frames = _frames(5)
    middle = widgets.FrameSlider(frames, list("abcde"), start=2)
    slider, caption, image = middle.widget().children
    assert slider.value == 2 and caption.value == "c" and image.value == frames[2]
    page = middle.html()
    assert 'value="2"' in page and '<div class="frame-caption">c</div>' in page
    with pytest.raises(ValueError, match="start=5 is not a frame index"):
        widgets.FrameSlider(frames, list("abcde"), start=5)
