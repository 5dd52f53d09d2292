"""Paths between latent codes."""
from __future__ import annotations

import numpy as np


def lerp(z0: np.ndarray, z1: np.ndarray, t: float) -> np.ndarray:
    """Straight line from z0 (t=0) to z1 (t=1)."""
    return (1.0 - t) * z0 + t * z1


def slerp(z0: np.ndarray, z1: np.ndarray, t: float) -> np.ndarray:
    """Spherical interpolation: along the great circle from z0 to z1.

    Gaussian codes of nz numbers lie near a sphere of radius about sqrt(nz). The
    midpoint of a straight line between two of them is about 1/sqrt(2) as long, a
    code G rarely saw in training (with nz = 100, almost never); slerp keeps the
    norm on the sphere.
    """
    a, b = np.ravel(z0), np.ravel(z1)
    cos = np.dot(a, b) / (np.linalg.norm(a) * np.linalg.norm(b))
    omega = np.arccos(np.clip(cos, -1.0, 1.0))
    if omega < 1e-6:  # (almost) the same direction: the line is the arc
        return lerp(z0, z1, t)
    return (np.sin((1.0 - t) * omega) * z0 + np.sin(t * omega) * z1) / np.sin(omega)


def path(z0: np.ndarray, z1: np.ndarray, steps: int, how: str = "slerp") -> np.ndarray:
    """`steps` codes from z0 to z1 inclusive, stacked along a new first axis."""
    step = {"slerp": slerp, "lerp": lerp}[how]
    return np.stack([step(z0, z1, t) for t in np.linspace(0.0, 1.0, steps)])
