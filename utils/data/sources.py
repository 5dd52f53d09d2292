"""Where the training images come from: the embedded faces, any folder, or LFW."""
from __future__ import annotations

import os

from . import faces, imagefolder, lfw

DATA_ENV = "GANBOOK_DATA"


def training_images(profile):
    """(images, attributes) for the profile: the embedded faces with their known
    attributes, or (attributes None) the images of the folder named by GANBOOK_DATA
    (any folder: centre squares), else LFW (downloaded from its mirror, checked,
    extracted into the cache, and cropped around the face)."""
    if profile.data == "faces":
        return faces.make_faces(profile.num_images, profile.seed)
    if os.environ.get(DATA_ENV):
        return imagefolder.load_images(os.environ[DATA_ENV], 64), None
    return imagefolder.load_images(lfw.lfw_folder("lfw"), 64, face_box=lfw.LFW_FACE_BOX), None
