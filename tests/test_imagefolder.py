"""utils.data.imagefolder on real files of every odd kind, and its cache.

The images are written with Pillow in their real formats and modes (palette,
RGBA, CMYK, 16-bit...) next to broken files; the loader must give the colours a
viewer shows. That a cache hit decodes nothing is proven by overwriting every
source image with garbage of the same size and modification time: a loader that
decoded anything would fail or warn.
"""
import io
import os
import subprocess
import sys
import warnings

import numpy as np
import pytest
from PIL import Image

from utils.data import imagefolder
from utils.data.imagefolder import UnusableImagesError, load_images
from utils.data.lfw import LFW_FACE_BOX

RED, GREEN, BLUE = (255, 0, 0), (0, 255, 0), (0, 0, 255)
WHITE, YELLOW = (255, 255, 255), (255, 255, 0)
S = 16  # output size used by most tests: small and fast


@pytest.fixture(autouse=True)
def own_cache(tmp_path, monkeypatch):
    """Every test gets an empty cache folder of its own."""
    monkeypatch.setenv("GANBOOK_CACHE", str(tmp_path / "cache"))


def solid(mode, colour, size=(32, 32)):
    return Image.new(mode, size, colour)


def halves(left, right, mode="RGB", size=(32, 32)):
    """Left half one colour, right half another."""
    im = Image.new(mode, size, left)
    im.paste(Image.new(mode, (size[0] // 2, size[1]), right), (size[0] // 2, 0))
    return im


def red_palette():
    return solid("RGB", RED).convert("P", palette=Image.Palette.ADAPTIVE, colors=4)


def gif_red_and_transparent():
    """Palette GIF: left half red, right half the transparent index."""
    im = Image.new("P", (32, 32), 0)
    im.putpalette([255, 0, 0, 0, 255, 0] + [0] * 762)  # 0 red, 1 green (made transparent)
    im.paste(1, (16, 0, 32, 32))
    return im, {"transparency": 1}


def rgba_blue_and_hidden_green():
    """Left opaque blue; right fully transparent (hidden colour green)."""
    im = halves((0, 0, 255, 255), (0, 255, 0, 0), "RGBA")
    return im


def sixteen_bit_grey():
    return Image.fromarray(np.full((32, 32), 32896, np.uint16))  # 32896/65535 = 128/255


def exif_rotated():
    """Stored 40x20, left red / right blue, EXIF orientation 6 (shown rotated 90 degrees
    clockwise): a viewer shows red on top, blue below."""
    im = halves(RED, BLUE, size=(40, 20))
    exif = Image.Exif()
    exif[0x0112] = 6
    return im, {"exif": exif.tobytes()}


# name -> (image, save options, check on the (S, S, 3) result)
GOOD = {
    "rgb.jpg": (solid("RGB", RED), {}, lambda a: close(a, RED)),
    "GREY.JPEG": (solid("L", 128), {}, lambda a: close(a, (128, 128, 128))),
    "palette.png": (red_palette(), {}, lambda a: close(a, RED, tol=0)),
    "transparent.gif": (*gif_red_and_transparent(),
                        lambda a: close(a[:, :4], RED, tol=2) and close(a[:, -4:], WHITE, tol=2)),
    "alpha.png": (rgba_blue_and_hidden_green(), {},
                  lambda a: close(a[:, :4], BLUE, tol=2) and close(a[:, -4:], WHITE, tol=2)),
    "grey_alpha.png": (solid("LA", (0, 128)), {}, lambda a: close(a, (127, 127, 127), tol=1)),
    "cmyk.jpg": (solid("CMYK", (0, 255, 255, 0)), {}, lambda a: close(a, RED)),
    "deep.png": (sixteen_bit_grey(), {}, lambda a: close(a, (128, 128, 128), tol=0)),
    "bilevel.png": (solid("1", 1), {}, lambda a: close(a, WHITE, tol=0)),
    "UPPER.PNG": (solid("RGB", YELLOW), {}, lambda a: close(a, YELLOW, tol=0)),
    "people/nested/deeper/green.bmp": (solid("RGB", GREEN), {}, lambda a: close(a, GREEN, tol=0)),
    "people/photo.WebP": (solid("RGB", BLUE), {"quality": 90}, lambda a: close(a, BLUE)),
    "rotated.jpg": (*exif_rotated(),
                    lambda a: close(a[:5], RED) and close(a[-5:], BLUE)),
}


def close(pixels, colour, tol=12):
    diff = np.abs(pixels.astype(int) - np.array(colour)).max()
    assert diff <= tol, f"expected {colour}, got up to {diff} away: {pixels.reshape(-1, 3)[:3]}"
    return True


def encoded(image, fmt, **options):
    buf = io.BytesIO()
    image.save(buf, fmt, **options)
    return buf.getvalue()


def write_good(folder):
    for name, (image, options, _) in GOOD.items():
        path = folder / name
        path.parent.mkdir(parents=True, exist_ok=True)
        fmt = {".jpg": "JPEG", ".jpeg": "JPEG", ".png": "PNG", ".gif": "GIF", ".bmp": "BMP",
               ".webp": "WEBP"}[path.suffix.lower()]
        path.write_bytes(encoded(image, fmt, **options))


def write_bad(folder):
    """Six unusable files, plus two that are not candidates at all."""
    jpeg = encoded(Image.fromarray(np.random.default_rng(0).integers(
        0, 256, (64, 64, 3), np.uint8)), "JPEG", quality=95)
    png = encoded(solid("RGB", RED, (64, 64)), "PNG")
    (folder / "corrupt.jpg").write_bytes(os.urandom(3000))
    (folder / "truncated.jpg").write_bytes(jpeg[:len(jpeg) // 2])
    (folder / "truncated.png").write_bytes(png[:len(png) // 2])
    (folder / "empty.jpg").write_bytes(b"")
    (folder / "notes.jpg").write_text("this is not a picture\n")
    (folder / "people" / "broken.gif").write_text("GIF89a but nothing else")
    (folder / "readme.txt").write_text("ignored: not an image suffix")
    (folder / ".hidden.jpg").write_text("ignored: hidden (e.g. macOS ._ files)")


BAD = ["corrupt.jpg", "empty.jpg", "notes.jpg", "people/broken.gif", "truncated.jpg",
       "truncated.png"]


@pytest.fixture
def odd_folder(tmp_path):
    folder = tmp_path / "odd"
    folder.mkdir()
    write_good(folder)
    write_bad(folder)
    return folder


@pytest.fixture
def clean_folder(tmp_path):
    folder = tmp_path / "clean"
    folder.mkdir()
    write_good(folder)
    return folder


def test_every_image_kind_gives_the_colours_a_viewer_shows(odd_folder):
    with pytest.warns(UserWarning) as caught:
        images = load_images(odd_folder, size=S, cache=False)
    assert images.dtype == np.uint8 and images.shape == (len(GOOD), S, S, 3)
    for name, pixels in zip(sorted(GOOD, key=os.path.normpath), images):
        assert GOOD[name][2](pixels), name
    assert len(caught) == 1  # one warning for all of them
    msg = str(caught[0].message)
    assert f"{len(BAD)} of {len(GOOD) + len(BAD)} image files" in msg
    named = [b for b in BAD if b.replace("/", os.sep) in msg]
    assert len(named) == 5 and "and 1 more" in msg  # up to five named
    assert "empty file" in msg and "not an image" in msg


def test_strict_raises_naming_the_files(odd_folder):
    with pytest.raises(UnusableImagesError, match="corrupt.jpg.*empty.jpg"):
        load_images(odd_folder, size=S, strict=True, cache=False)


def test_missing_folder_says_what_was_looked_for(tmp_path):
    with pytest.raises(FileNotFoundError, match=r"nowhere is not a folder.*\.jpg, \.jpeg, \.png"):
        load_images(tmp_path / "nowhere")


def test_folder_without_images_says_what_was_looked_for(tmp_path):
    (tmp_path / "docs" / "sub").mkdir(parents=True)
    (tmp_path / "docs" / "sub" / "notes.txt").write_text("no pictures here")
    with pytest.raises(FileNotFoundError) as err:
        load_images(tmp_path / "docs")
    assert str(tmp_path / "docs") in str(err.value)
    assert all(s in str(err.value) for s in (".jpg", ".png", ".bmp", ".gif", ".webp"))


def test_folder_of_only_broken_files_is_an_error(tmp_path):
    (tmp_path / "bad.jpg").write_bytes(b"nope")
    with pytest.warns(UserWarning), pytest.raises(ValueError, match="None of the 1 image"):
        load_images(tmp_path)


def face_photo(folder):
    """A 250x250 LFW-like JPEG: blue, a red face box (rows 70:195, columns 62:187)
    with a white square in its top-left quarter. Returns it as fully decoded."""
    pixels = np.zeros((250, 250, 3), np.uint8)
    pixels[..., 2] = 255
    pixels[70:195, 62:187] = RED
    pixels[70:132, 62:124] = WHITE
    (folder / "Some_Person").mkdir()
    path = folder / "Some_Person" / "Some_Person_0001.jpg"
    Image.fromarray(pixels).save(path, quality=95)
    return Image.open(path).convert("RGB")


def crop_then_resize(photo, box, size):
    r0, r1, c0, c1 = box
    return np.asarray(photo.crop((c0, r0, c1, r1)).resize((size, size), Image.Resampling.LANCZOS))


def test_face_box_at_64_is_exactly_crop_then_resize(tmp_path):
    """The book's setting (125-pixel box to 64): no reduced decoding, so the result
    is the plain crop + Lanczos resize of the full image."""
    photo = face_photo(tmp_path)
    got = load_images(tmp_path, size=64, face_box=LFW_FACE_BOX, cache=False)[0]
    assert np.array_equal(got, crop_then_resize(photo, LFW_FACE_BOX, 64))


def test_face_box_crop_survives_reduced_jpeg_decoding(tmp_path):
    """At size 16 the JPEG is decoded at 1/4 scale: the crop must still land on the
    same pixels. (Only the outermost ring may differ: a 1/4-scale pixel straddles
    the box edge, here a hard red/blue edge, the worst case.)"""
    photo = face_photo(tmp_path)
    got = load_images(tmp_path, size=S, face_box=LFW_FACE_BOX, cache=False)[0].astype(int)
    diff = np.abs(got - crop_then_resize(photo, LFW_FACE_BOX, S))
    assert diff[1:-1, 1:-1].mean() < 4
    close(got[10:14, 10:14], RED, tol=30)
    close(got[2:6, 2:6], WHITE, tol=30)


def test_draft_scale_keeps_at_least_size_pixels():
    box = (62, 70, 187, 195)  # 125 pixels: 1/2 would give 62.5 < 64
    assert imagefolder._draft_scale(box, 64) == 1
    assert imagefolder._draft_scale(box, 32) == 2
    assert imagefolder._draft_scale(box, 16) == 4
    assert imagefolder._draft_scale((0, 0, 250, 250), 16) == 8


def test_images_smaller_than_the_face_box_are_skipped(tmp_path):
    solid("RGB", RED, (250, 250)).save(tmp_path / "big.png")
    solid("RGB", RED, (100, 100)).save(tmp_path / "small.png")
    with pytest.warns(UserWarning, match=r"small.png \(100x100 is smaller than face_box"):
        images = load_images(tmp_path, size=S, face_box=LFW_FACE_BOX, cache=False)
    assert len(images) == 1


def test_without_a_box_the_centred_square_is_kept(tmp_path):
    im = Image.new("RGB", (60, 20), BLUE)  # wide: blue | red (middle 20 columns) | blue
    im.paste(Image.new("RGB", (20, 20), RED), (20, 0))
    im.save(tmp_path / "wide.png")
    close(load_images(tmp_path, size=S, cache=False)[0], RED, tol=0)


def test_worker_processes_give_the_same_array(odd_folder):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        one = load_images(odd_folder, size=S, cache=False, workers=1)
        two = load_images(odd_folder, size=S, cache=False, workers=2)
    assert np.array_equal(one, two)


def garble_keeping_size_and_mtime(folder):
    """Overwrite every image file with bytes no decoder accepts, keeping its size and
    modification time: the cache key cannot see it, any decoding would."""
    for path in folder.rglob("*"):
        if path.is_file():
            st = path.stat()
            path.write_bytes(b"\0" * st.st_size)
            os.utime(path, ns=(st.st_atime_ns, st.st_mtime_ns))


def test_cache_hit_decodes_nothing(clean_folder, tmp_path):
    first = load_images(clean_folder, size=S)
    assert len(list((tmp_path / "cache" / "images").glob("*.npy"))) == 1
    garble_keeping_size_and_mtime(clean_folder)
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # a decode attempt would warn about 13 bad files
        again = load_images(clean_folder, size=S)
    assert np.array_equal(first, again)

    # A changed modification time changes the key: the (now garbage) files are decoded.
    any_file = next(clean_folder.glob("*.png"))
    os.utime(any_file, ns=(0, any_file.stat().st_mtime_ns + 1))
    with pytest.warns(UserWarning), pytest.raises(ValueError, match="None of the 13"):
        load_images(clean_folder, size=S)


def test_cache_keys_on_size_and_box_and_keeps_one_entry_per_setting(clean_folder, tmp_path):
    assert load_images(clean_folder, size=S).shape[1] == S
    assert load_images(clean_folder, size=8).shape[1] == 8
    (clean_folder / "UPPER.PNG").unlink()  # a changed folder replaces its old entry
    assert len(load_images(clean_folder, size=S)) == len(GOOD) - 1
    cached = sorted(p.name for p in (tmp_path / "cache" / "images").glob("*.npy"))
    assert len(cached) == 2
    assert any("-16px-" in c for c in cached) and any("-8px-" in c for c in cached)


def test_cached_skips_are_still_reported(odd_folder):
    with pytest.warns(UserWarning):
        first = load_images(odd_folder, size=S)
    with pytest.warns(UserWarning, match=f"{len(BAD)} of"):
        again = load_images(odd_folder, size=S)
    assert np.array_equal(first, again)
    with pytest.raises(UnusableImagesError):
        load_images(odd_folder, size=S, strict=True)


def test_damaged_cache_entry_is_rebuilt(clean_folder, tmp_path):
    first = load_images(clean_folder, size=S)
    [npy] = (tmp_path / "cache" / "images").glob("*.npy")
    npy.write_bytes(npy.read_bytes()[:200])
    assert np.array_equal(load_images(clean_folder, size=S), first)


def test_loading_never_imports_mxnet(clean_folder, tmp_path, root):
    code = ("import sys, utils.data.imagefolder as f; "
            f"a = f.load_images({str(clean_folder)!r}, 16, workers=2); "
            "assert a.shape[0] == 13; assert 'mxnet' not in sys.modules, 'mxnet imported'")
    env = dict(os.environ, GANBOOK_CACHE=str(tmp_path / "cache"))
    done = subprocess.run([sys.executable, "-c", code], cwd=root, env=env,
                          capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
