"""Helpers for the book "GANs and DCGAN with MXNet Gluon".

Importing this package does two things before MXNet is ever imported, and
imports neither MXNet nor numpy itself:

- It lets MXNet use every CPU core. MXNet 1.9.1 starts one OpenMP thread by
  default on small machines, which leaves half of a 2-core laptop idle (about 1.6x
  slower training); the thread count must be set before MXNet loads.
- It adds the import hook of `utils.mxnet_compat`, so that ``import mxnet`` works
  on numpy 2 and on Python 3.12 and 3.13 as well as on the numpy 1.23 of 2022.

So the chapters import ``utils`` first.
"""
import os
import sys

from . import mxnet_compat

if "mxnet" not in sys.modules:
    os.environ.setdefault("OMP_NUM_THREADS", str(os.cpu_count() or 1))
    mxnet_compat.install()

__version__ = "0.1.0"
