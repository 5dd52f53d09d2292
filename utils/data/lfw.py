"""Labeled Faces in the Wild (LFW): where its archives live now, and its faces.

The original host (vis-www.cs.umass.edu) is gone; figshare keeps the two main
archives (the copies scikit-learn downloads). `lfw_folder` fetches one from there
(checked against its sha256, resumable), extracts it safely into the cache and
returns the folder; `LFW_FACE_BOX` is where the face sits in each photo.
Nothing here imports MXNet.
"""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from .. import cache
from ..errors import MissingFileError, SettingsError
from .download import ChecksumError, fetch, file_digest, safe_extract

# The face in a 250x250 LFW photo sits roughly in rows 70:195, columns 78:172 (the
# crop scikit-learn uses); a square box (rows r0:r1, columns c0:c1) around it, so
# faces are not squashed when resized to a square.
LFW_FACE_BOX = (70, 195, 62, 187)


@dataclass(frozen=True)
class Archive:
    """A downloadable dataset archive: where it lives and how to recognise it."""
    filename: str
    urls: tuple
    checksum_kind: str   # "sha256" or "md5"
    checksum: str
    note: str = ""

    def checksum_args(self) -> dict:
        return {self.checksum_kind: self.checksum}


# The original host (vis-www.cs.umass.edu) is gone; figshare keeps the two main
# archives (the copies scikit-learn downloads). lfw-deepfunneled has no live host.
LFW_VARIANTS = {
    "lfw": Archive(
        "lfw.tgz", ("https://ndownloader.figshare.com/files/5976018",), "sha256",
        "055f7d9c632d7370e6fb4afc7468d40f970c34a80d4c6f50ffec63f5a8d536c0",
        "13,233 images, 250x250, original alignment (180,566,744 bytes)"),
    "lfw-funneled": Archive(
        "lfw-funneled.tgz", ("https://ndownloader.figshare.com/files/5976015",), "sha256",
        "b47c8422c8cded889dc5a13418c4bc2abbda121092b3533a83306f90d900100a",
        "the same images aligned by funneling"),
    "lfw-deepfunneled": Archive(
        "lfw-deepfunneled.tgz", (), "md5", "68331da3eb755a505a502b5aacb3c201",
        "aligned by deep funneling; no live host, only from a file you downloaded"),
}


def _variant(name: str) -> Archive:
    if name not in LFW_VARIANTS:
        raise SettingsError(f"{name!r} is not an LFW variant. Use one of: {', '.join(LFW_VARIANTS)}.")
    return LFW_VARIANTS[name]


def _dataset_folder(extracted: Path) -> Path:
    """The folder of person folders: the archive's single top folder (lfw/, ...)."""
    entries = [p for p in extracted.iterdir() if not p.name.startswith(".")]
    return entries[0] if len(entries) == 1 and entries[0].is_dir() else extracted


def _verified_local(path, archive: Archive) -> Path:
    """A user-supplied archive, checked (never deleted: it is the user's file)."""
    path = Path(path).expanduser()
    if not path.is_file():
        raise MissingFileError(f"local_archive {path} does not exist.")
    got = file_digest(path, archive.checksum_kind)
    if got != archive.checksum:
        raise ChecksumError(
            f"{path} is not {archive.filename}: {archive.checksum_kind} expected "
            f"{archive.checksum}, got {got}. Download it again.")
    return path


def _archive_in_cache(archive: Archive, downloads: Path) -> Path:
    """The verified archive in the cache, downloading it when a mirror is known."""
    dest = downloads / archive.filename
    if archive.urls:
        return fetch(archive.urls, dest, **archive.checksum_args())
    if dest.is_file():
        return _verified_local(dest, archive)
    raise MissingFileError(
        f"{archive.filename} has no live download host. Download it elsewhere "
        f"(its {archive.checksum_kind} must be {archive.checksum}), then either save it as\n"
        f"  {dest}\nor pass local_archive='/path/to/{archive.filename}'.")


def lfw_folder(variant: str = "lfw", cache_dir=None, local_archive=None) -> Path:
    """The extracted LFW folder (one sub-folder per person), preparing it if missing.

    Looks in <cache>/datasets/<variant>; when absent, takes local_archive (checked),
    else the archive in <cache>/downloads (downloaded from the mirrors when
    possible), and extracts it safely. Cache: $GANBOOK_CACHE or ~/.cache/gan-book.
    """
    archive = _variant(variant)
    root = Path(cache_dir) if cache_dir is not None else cache.cache_dir()
    extracted = root / "datasets" / variant
    if extracted.is_dir():
        return _dataset_folder(extracted)
    if local_archive is not None:
        path = _verified_local(local_archive, archive)
    else:
        path = _archive_in_cache(archive, root / "downloads")
    safe_extract(path, extracted)
    return _dataset_folder(extracted)
