"""Running the book on Google Colab, and checking a GPU.

`setup_colab()` is what the first cell of every chapter calls on Colab (see
`setup`); ``python -m utils.colab.gpu_check`` checks, stage by stage, that MXNet
computes correctly on a GPU.
"""
from .setup import SetupError, gpu_advice, setup_colab, setup_mxnet

__all__ = ["SetupError", "gpu_advice", "setup_colab", "setup_mxnet"]
