import pathlib

import pytest

import utils  # noqa: F401  (sets MXNet's thread count before mxnet is imported)

ROOT = pathlib.Path(__file__).resolve().parents[1]


@pytest.fixture
def root():
    return ROOT
