"""Where the training images come from: the embedded faces, any folder, or LFW."""
from __future__ import annotations

import os

from pathlib import Path

from ..errors import SettingsError
from . import faces, imagefolder, lfw

DATA_ENV = "GANBOOK_DATA"


def data_folder_from_env() -> Path | None:
    """The folder GANBOOK_DATA names (checked to be a folder), or None when unset."""
    value = os.environ.get(DATA_ENV, "").strip()
    if not value:
        return None
    folder = Path(value).expanduser()
    if not folder.is_dir():
        raise SettingsError(f"{DATA_ENV}={value!r} is not a folder. Set it to a folder of images "
                            f"(it is searched recursively), or unset it to use the profile's data.")
    return folder


def training_images(profile):
    """(images, attributes) for the profile: the embedded faces with their known
    attributes, or (attributes None) the images of the folder named by GANBOOK_DATA
    (any folder: centre squares), else LFW (downloaded from its mirror, checked,
    extracted into the cache, and cropped around the face)."""
    if profile.data == "faces":
        return faces.make_faces(profile.num_images, profile.seed)
    folder = data_folder_from_env()
    if folder is not None:
        return imagefolder.load_images(folder, 64), None
    return imagefolder.load_images(lfw.lfw_folder("lfw"), 64, face_box=lfw.LFW_FACE_BOX), None
