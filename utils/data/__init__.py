"""The data: the embedded face drawings, any folder of images, LFW, and batches.

Nothing in this part imports MXNet, so images can be prepared before it loads.
"""
from .batches import Batches, to_float, to_uint8
from .sources import DATA_ENV, training_images

__all__ = ["Batches", "DATA_ENV", "to_float", "to_uint8", "training_images"]
