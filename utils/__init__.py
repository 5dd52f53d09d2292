"""Helpers for the book "GANs and DCGAN with MXNet Gluon".

Importing this package before MXNet lets MXNet use every CPU core: MXNet 1.9.1
starts one OpenMP thread by default on small machines, which leaves half of a
2-core laptop idle (about 1.6x slower training). The thread count must be set
before MXNet is imported, so the chapters import ``utils`` first.
"""
import os
import sys

if "mxnet" not in sys.modules:
    os.environ.setdefault("OMP_NUM_THREADS", str(os.cpu_count() or 1))

__version__ = "0.1.0"
