"""Run profiles: one environment variable, GANBOOK_PROFILE, sets how big a run is.

- ``quick``: seconds per chapter; what the tests run.
- ``default``: the embedded faces on a laptop CPU, recognisable faces in minutes.
- ``full``: LFW with the paper's settings; meant for a GPU.
"""
from __future__ import annotations

import dataclasses
import os

from .errors import SettingsError

ENV_VAR = "GANBOOK_PROFILE"


@dataclasses.dataclass(frozen=True)
class Profile:
    name: str
    data: str            # "faces" (embedded) or "lfw"
    num_images: int      # embedded faces to generate (ignored for LFW)
    ngf: int             # generator width (paper: 64)
    ndf: int             # discriminator width (paper: 64)
    batch_size: int
    epochs: int
    lr: float = 2e-4     # Adam learning rate, both networks (paper)
    beta1: float = 0.5   # Adam beta1 (paper)
    real_label: float = 1.0   # < 1 is one-sided label smoothing
    instance_noise: float = 0.0  # std of noise added to D's inputs, decays to 0
    flip: bool = False   # random horizontal flips of the real images
    nz: int = 100        # latent size
    seed: int = 0

    def settings(self) -> dict:
        """Everything that changes the result of a training run."""
        return dataclasses.asdict(self)


PROFILES = {
    "quick": Profile("quick", "faces", num_images=512, ngf=8, ndf=8,
                     batch_size=32, epochs=1),
    # Measured on a 2-core CPU: D at width 32 won nearly every round (accuracy 0.98)
    # and G's faces stayed noisy; at width 16 the game stays closer, faces are
    # varied after ~1,000 iterations, and an iteration costs half as much.
    "default": Profile("default", "faces", num_images=10_000, ngf=32, ndf=16,
                       batch_size=64, epochs=12, real_label=0.9,
                       instance_noise=0.1, flip=True),
    "full": Profile("full", "lfw", num_images=0, ngf=64, ndf=64,
                    batch_size=128, epochs=25),
}


def current_profile() -> Profile:
    """The profile named by GANBOOK_PROFILE (``default`` when it is not set)."""
    name = os.environ.get(ENV_VAR, "default").strip().lower() or "default"
    if name not in PROFILES:
        raise SettingsError(
            f"{ENV_VAR}={os.environ[ENV_VAR]!r} is not a profile. "
            f"Use one of: {', '.join(PROFILES)} (for example: export {ENV_VAR}=quick).")
    return PROFILES[name]
