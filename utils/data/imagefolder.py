"""Any folder of images -> one uint8 array (n, size, size, 3), decoded once and cached.

The folder can hold anything a reader might collect: JPEG, PNG, BMP, GIF and WebP
files in any letter case, in nested sub-folders, in greyscale, palette, RGBA,
CMYK or 16-bit form, and a few broken files among them. Every usable image is
converted to 8-bit RGB the way a viewer shows it (transparency over white,
16-bit scaled rather than clipped, EXIF rotation applied); broken files are
skipped with a single warning that counts and names them.

Decoding 13,233 LFW photos takes seconds, not minutes, because
* JPEGs are decoded at 1/2, 1/4 or 1/8 scale (libjpeg's DCT scaling, via
  ``Image.draft``) whenever the crop still has at least ``size`` pixels;
* crop and antialiased resize are one Pillow call (``resize(box=...)``);
* the files are shared among one worker process per CPU core.
The result is then saved as a .npy in the cache folder, keyed by the folder, its
file names, sizes and modification times, the size and the crop box: loading it
again is a single ``np.load`` with no image decoded at all.

Memory stays at one uint8 array (a quarter of float32) plus small chunks in
flight. Nothing here imports MXNet.
"""
from __future__ import annotations

import hashlib
import json
import math
import multiprocessing as mp
import os
import re
import warnings
from pathlib import Path

import numpy as np

from ..cache import cache_dir
from ..errors import GanBookError, MissingFileError

SUFFIXES = (".jpg", ".jpeg", ".png", ".bmp", ".gif", ".webp")
CACHE_VERSION = 1     # bump when decoding changes, so older cached arrays are not reused
IN_PROCESS_BELOW = 200  # fewer files than this: starting workers costs more than it saves
MAX_NAMED = 5         # skipped files named in the warning
_EXIF_ORIENTATION = 0x0112


class UnusableImagesError(GanBookError, ValueError):
    """strict=True and some files could not be used as images."""


# --- Finding the files ------------------------------------------------------------------

def _existing_folder(folder) -> Path:
    path = Path(folder).expanduser().absolute()
    if not path.is_dir():
        raise MissingFileError(
            f"{path} is not a folder. load_images looks for image files "
            f"({', '.join(SUFFIXES)}, any letter case) in a folder and its sub-folders.")
    return path


def list_images(folder: Path) -> list:
    """[(relative path, bytes, mtime_ns)] of the image files under folder, sorted.

    Recursive; suffixes compared case-insensitively; hidden files and folders
    (names starting with '.', e.g. macOS '._x.jpg' or .ipynb_checkpoints) skipped.
    """
    found = []
    for dirpath, dirnames, filenames in os.walk(folder):
        dirnames[:] = [d for d in dirnames if not d.startswith(".")]
        for name in filenames:
            if name.startswith(".") or not name.lower().endswith(SUFFIXES):
                continue
            path = os.path.join(dirpath, name)
            try:
                st = os.stat(path)
            except OSError:  # e.g. a dangling symlink: reported like any unreadable file
                st = None
            rel = os.path.relpath(path, folder)
            found.append((rel, st.st_size if st else -1, st.st_mtime_ns if st else -1))
    found.sort()
    return found


def _no_images_error(folder: Path) -> MissingFileError:
    return MissingFileError(
        f"No image files under {folder}: looked for {', '.join(SUFFIXES)} (any letter "
        f"case) in it and its sub-folders. Point it at a folder of images, e.g. the "
        f"extracted lfw/ folder of lfw.tgz (see utils.data.lfw.lfw_folder).")


def _check_box(face_box):
    if face_box is None:
        return None
    r0, r1, c0, c1 = (int(v) for v in face_box)
    if not (0 <= r0 < r1 and 0 <= c0 < c1):
        raise ValueError(f"face_box must be (r0, r1, c0, c1) with 0 <= r0 < r1 and "
                         f"0 <= c0 < c1 (rows r0:r1, columns c0:c1), got {face_box}.")
    return r0, r1, c0, c1


# --- Decoding one image -----------------------------------------------------------------

class _Unusable(Exception):
    """This file cannot be used; the message is the short reason shown to the user."""


def _region(face_box, width: int, height: int):
    """(left, top, right, bottom) to keep: the face box, or the centred square."""
    if face_box is None:
        side = min(width, height)
        left, top = (width - side) // 2, (height - side) // 2
        return left, top, left + side, top + side
    r0, r1, c0, c1 = face_box
    if r1 > height or c1 > width:
        raise _Unusable(f"{width}x{height} is smaller than face_box {face_box}")
    return c0, r0, c1, r1


def _draft_scale(region, size: int) -> int:
    """The largest JPEG reduction (8, 4, 2, 1) that keeps >= size pixels in the region."""
    left, top, right, bottom = region
    for scale in (8, 4, 2):
        if (right - left) / scale >= size and (bottom - top) / scale >= size:
            return scale
    return 1


def _orientation(im) -> int:
    try:
        return int(im.getexif().get(_EXIF_ORIENTATION, 1))
    except Exception:  # malformed EXIF must not cost the image
        return 1


def _upright_size(size, orientation: int):
    """The (width, height) a viewer shows: EXIF orientations 5-8 swap them."""
    return (size[1], size[0]) if orientation in (5, 6, 7, 8) else size


def _apply_orientation(im, orientation: int):
    from PIL import Image
    method = {2: Image.Transpose.FLIP_LEFT_RIGHT, 3: Image.Transpose.ROTATE_180,
              4: Image.Transpose.FLIP_TOP_BOTTOM, 5: Image.Transpose.TRANSPOSE,
              6: Image.Transpose.ROTATE_270, 7: Image.Transpose.TRANSVERSE,
              8: Image.Transpose.ROTATE_90}.get(orientation)
    return im.transpose(method) if method is not None else im


def _over_white(im):
    """Composite an image with transparency on white: a transparent background
    reads as paper, not as whatever colour the hidden pixels happen to have."""
    from PIL import Image
    rgba = im.convert("RGBA")
    white = Image.new("RGBA", rgba.size, (255, 255, 255, 255))
    return Image.alpha_composite(white, rgba).convert("RGB")


def _wide_to_rgb(im):
    """16/32-bit greyscale to RGB, scaled (65535 -> 255). Pillow's own convert
    clips instead, which turns most 16-bit images pure white."""
    from PIL import Image
    values = np.asarray(im)
    if im.mode == "F":
        grey = np.clip(values, 0, 255)
    else:
        grey = np.clip(values.astype(np.float32), 0, 65535) / 257.0
    return Image.fromarray((grey + 0.5).astype(np.uint8), "L").convert("RGB")


def _to_rgb(im):
    """Any Pillow mode to 8-bit RGB, as an image viewer would show it."""
    mode = im.mode
    if mode == "RGB":
        return im
    if mode.startswith("I") or mode == "F":
        return _wide_to_rgb(im)
    if mode == "P":
        if "transparency" not in im.info:
            return im.convert("RGB")
        return _over_white(im)
    if mode in ("RGBA", "LA", "PA", "RGBa", "La"):
        return _over_white(im)
    return im.convert("RGB")  # L, 1, CMYK (Adobe inversion handled by Pillow), YCbCr


def _crop_resize(rgb, region, full_size, size: int):
    """Crop region (in full-size coordinates) and resize it to size x size.

    After a draft the image is smaller than full_size, so the region shrinks by
    the same factor and may fall between pixels: crop the whole pixels around it,
    then let resize's box take the fractional rest. Cropping first keeps the
    Lanczos filter from reaching outside the region (pixels beyond the box would
    otherwise bleed into the border of the result).
    """
    from PIL import Image
    sx, sy = full_size[0] / rgb.width, full_size[1] / rgb.height  # > 1 after a draft
    left, top, right, bottom = region[0] / sx, region[1] / sy, region[2] / sx, region[3] / sy
    whole = (math.floor(left), math.floor(top),
             min(math.ceil(right), rgb.width), min(math.ceil(bottom), rgb.height))
    if whole != (0, 0, rgb.width, rgb.height):
        rgb = rgb.crop(whole)
    box = (left - whole[0], top - whole[1], right - whole[0], bottom - whole[1])
    return rgb.resize((size, size), Image.Resampling.LANCZOS, box=box)


def decode(path, size: int, face_box=None) -> np.ndarray:
    """One image file -> uint8 (size, size, 3): upright, RGB, cropped, resized.

    Raises _Unusable with a short reason for anything that is not a usable image.
    """
    from PIL import Image, UnidentifiedImageError
    try:
        with Image.open(path) as im:
            orientation = _orientation(im)
            width, height = _upright_size(im.size, orientation)
            region = _region(face_box, width, height)
            if im.format == "JPEG":
                scale = _draft_scale(region, size)
                if scale > 1:  # decode fewer pixels; the coordinates shrink with them
                    im.draft(im.mode, (im.size[0] // scale, im.size[1] // scale))
            rgb = _apply_orientation(_to_rgb(im), orientation)
            return np.asarray(_crop_resize(rgb, region, (width, height), size))
    except UnidentifiedImageError:
        raise _Unusable("not an image Pillow can read") from None
    except _Unusable:
        raise
    except Exception as e:  # truncated, corrupt, unsupported mode, decompression bomb...
        raise _Unusable(f"{type(e).__name__}: {e}") from None


def _decode_chunk(task):
    """Worker: decode files [(index, path, nbytes)] -> (indices, images, failures).

    Runs in a pool worker (or in-process for small folders). Pillow's own warnings
    (odd EXIF, palette transparency...) are silenced: the caller reports each
    unusable file once, and usable ones are not the user's problem.
    """
    files, size, face_box = task
    indices, images, failures = [], [], []
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        for index, path, nbytes in files:
            try:
                if nbytes == 0:
                    raise _Unusable("empty file")
                if nbytes < 0:
                    raise _Unusable("cannot be read (broken link or no permission)")
                images.append(decode(path, size, face_box))
                indices.append(index)
            except _Unusable as e:
                failures.append((index, str(e)))
    stacked = np.stack(images) if images else np.empty((0, size, size, 3), np.uint8)
    return indices, stacked, failures


# --- Decoding many: chunks over worker processes ----------------------------------------

def _worker_count(n_files: int, workers) -> int:
    if workers is not None:
        return max(1, int(workers))
    if n_files < IN_PROCESS_BELOW or mp.current_process().daemon:
        return 1  # (daemonic pool workers may not start pools of their own)
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:
        return os.cpu_count() or 1


def _tasks(folder: Path, files, size, face_box, workers: int):
    """Chunks small enough to balance the workers and update the progress bar,
    large enough that the per-task overhead is negligible."""
    per_chunk = max(8, min(128, len(files) // (workers * 8) or 1))
    items = [(i, str(folder / rel), nbytes) for i, (rel, nbytes, _) in enumerate(files)]
    return [(items[i:i + per_chunk], size, face_box) for i in range(0, len(items), per_chunk)]


def _results(tasks, workers: int):
    """Yield _decode_chunk results in order, from a pool when workers > 1.

    The platform's default start method is used (fork on Linux: no need for an
    ``if __name__ == "__main__"`` guard; spawn on macOS and Windows, where scripts
    calling this need that guard)."""
    if workers == 1:
        yield from map(_decode_chunk, tasks)
        return
    with mp.get_context().Pool(workers) as pool:
        yield from pool.imap(_decode_chunk, tasks)


def _decode_all(folder: Path, files, size, face_box, workers, progress):
    """(uint8 images of the usable files in order, [(relative path, reason)] skipped)."""
    from tqdm.auto import tqdm

    workers = _worker_count(len(files), workers)
    tasks = _tasks(folder, files, size, face_box, workers)
    show = progress if progress is not None else len(files) >= 1000
    skipped, n_ok = [], 0
    results = _results(tasks, workers)
    out = np.empty((len(files), size, size, 3), np.uint8)
    with tqdm(total=len(files), unit="img", desc="Decoding images", disable=not show) as bar:
        for indices, images, failures in results:
            out[n_ok:n_ok + len(indices)] = images  # kept compact, in file order
            n_ok += len(indices)
            skipped += [(files[i][0], reason) for i, reason in failures]
            bar.update(len(indices) + len(failures))
    if n_ok < len(out):
        out.resize((n_ok, size, size, 3), refcheck=False)  # shrink in place, no copy
    return out, skipped


# --- Reporting skipped files ------------------------------------------------------------

def _report_skipped(folder: Path, skipped, total: int, strict: bool) -> None:
    """One warning (or, with strict, one error) for all unusable files."""
    if not skipped:
        return
    named = "; ".join(f"{rel} ({reason})" for rel, reason in skipped[:MAX_NAMED])
    more = f"; and {len(skipped) - MAX_NAMED} more" if len(skipped) > MAX_NAMED else ""
    message = (f"{len(skipped)} of {total} image files under {folder} could not be used: "
               f"{named}{more}.")
    if strict:
        raise UnusableImagesError(message + " Remove or repair them, or pass strict=False "
                                            "to skip them with a warning.")
    warnings.warn(message + " They were skipped (strict=True makes this an error).",
                  stacklevel=3)


# --- The cache --------------------------------------------------------------------------

def _cache_paths(folder: Path, files, size: int, face_box):
    """(.npy, .json) paths for this exact set of files and settings, plus the glob
    pattern of older entries for the same folder and settings (to remove them)."""
    key = hashlib.sha256(json.dumps(
        [CACHE_VERSION, str(folder.resolve()), files, size, face_box]).encode()).hexdigest()
    where = hashlib.sha256(str(folder.resolve()).encode()).hexdigest()[:8]
    slug = re.sub(r"[^A-Za-z0-9_.-]+", "_", folder.name)[:40] or "folder"
    box = "full" if face_box is None else "box" + "-".join(map(str, face_box))
    stem = f"{slug}-{where}-{size}px-{box}"
    base = cache_dir() / "images" / f"{stem}-{key[:16]}"
    return (base.with_name(base.name + ".npy"), base.with_name(base.name + ".json"),
            f"{stem}-*")


def _read_cache(npy: Path, meta: Path, size: int):
    """(images, skipped) from the cache, or None when absent or unusable."""
    if not (npy.is_file() and meta.is_file()):
        return None
    try:
        info = json.loads(meta.read_text())
        images = np.load(npy)
    except (OSError, ValueError, EOFError):
        return None  # damaged cache entry: decode again and overwrite it
    if images.dtype != np.uint8 or images.shape != (info["count"], size, size, 3):
        return None
    return images, [tuple(s) for s in info["skipped"]]


def _atomic_write(path: Path, write) -> None:
    tmp = path.with_name(f"{path.name}.tmp-{os.getpid()}")
    try:
        with open(tmp, "wb") as f:
            write(f)
        os.replace(tmp, path)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise


def _write_cache(npy: Path, meta: Path, older: str, images, skipped, folder: Path) -> None:
    """Save the array (and which files were skipped), replacing older entries of
    the same folder and settings so the cache does not grow with every change."""
    npy.parent.mkdir(parents=True, exist_ok=True)
    for old in npy.parent.glob(older):
        if old not in (npy, meta) and ".tmp-" not in old.name:
            old.unlink(missing_ok=True)
    info = {"folder": str(folder), "count": len(images), "skipped": skipped}
    _atomic_write(meta, lambda f: f.write(json.dumps(info).encode()))
    _atomic_write(npy, lambda f: np.save(f, images))  # last: its presence means complete


# --- Public -----------------------------------------------------------------------------

def load_images(folder, size: int = 64, face_box=None, strict: bool = False,
                cache: bool = True, *, workers=None, progress=None) -> np.ndarray:
    """Every image under folder (recursively) as uint8 (n, size, size, 3), RGB.

    face_box=(r0, r1, c0, c1) keeps rows r0:r1 and columns c0:c1 (e.g.
    LFW_FACE_BOX for LFW); without it the centred square is kept, so nothing is
    squashed. Files that are not usable images are skipped with one warning
    (strict=True: an error). With cache=True the array is stored in
    <cache>/images and reused while the folder's files are unchanged.
    workers: processes to decode with (default: one per CPU core, one for small
    folders); progress: show a bar (default: for 1,000 files or more).
    """
    folder = _existing_folder(folder)
    face_box = _check_box(face_box)
    files = list_images(folder)
    if not files:
        raise _no_images_error(folder)
    if cache:
        npy, meta, older = _cache_paths(folder, files, size, face_box)
        hit = _read_cache(npy, meta, size)
        if hit is not None:
            images, skipped = hit
            _report_skipped(folder, skipped, len(files), strict)
            return images
    images, skipped = _decode_all(folder, files, size, face_box, workers, progress)
    _report_skipped(folder, skipped, len(files), strict)
    if len(images) == 0:
        raise UnusableImagesError(f"None of the {len(files)} image files under {folder} could be "
                         f"used (first: {skipped[0][0]}: {skipped[0][1]}).")
    if cache:
        _write_cache(npy, meta, older, images, skipped, folder)
    return images
