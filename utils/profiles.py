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
    lr_g: float = 2e-4   # Adam learning rate of G (paper: 2e-4 for both networks)
    lr_d: float = 2e-4   # Adam learning rate of D
    beta1: float = 0.5   # Adam beta1 (paper)
    ema: float = 0.0     # > 0: sample from a moving average of G's weights with this decay
    real_label: float = 1.0   # < 1 is one-sided label smoothing
    instance_noise: float = 0.0  # std of noise added to D's inputs, decays to 0
    flip: bool = False   # random horizontal flips of the real images
    grain: float = 0.0   # > 0: weight of the penalty on G's excess fine detail, grows from 0
    nz: int = 100        # latent size
    seed: int = 0

    def settings(self) -> dict:
        """Everything that changes the result of a training run."""
        return dataclasses.asdict(self)


PROFILES = {
    "quick": Profile("quick", "faces", num_images=512, ngf=8, ndf=8,
                     batch_size=32, epochs=1, lr_d=1e-4, ema=0.995, grain=1.0, nz=16),
    # Measured on a 2-core CPU with this recipe, when its codes still had 100 numbers
    # and it trained for 24 epochs: D at width 32 was right 97-99% of
    # the time in every epoch and G's faces were far less varied (recall 0.16 against
    # 0.78 at width 16; bench/README.md); at width 16 the game stays closer and an
    # iteration costs half as much. D's half
    # learning rate, the average of G, the grain penalty, codes of 16 numbers instead
    # of 100, 32 epochs instead of 12 and batches of 32 instead of 64: chapter 4 and
    # bench/ measure what each bought.
    "default": Profile("default", "faces", num_images=10_000, ngf=32, ndf=16,
                       batch_size=32, epochs=32, lr_d=1e-4, ema=0.995, real_label=0.9,
                       instance_noise=0.1, flip=True, grain=1.0, nz=16),
    "full": Profile("full", "lfw", num_images=0, ngf=64, ndf=64,
                    batch_size=128, epochs=25),
}


# The `default` profile as the book trained it before four changes to the paper's
# recipe (a slower D, samples from an average of G, a grain penalty, shorter codes:
# chapter 2) and a longer run. Chapter 4 and bench/compare_recipes.py measure what
# the changes bought.
PAPERS_RECIPE = {"lr_g": 2e-4, "lr_d": 2e-4, "ema": 0.0, "grain": 0.0, "nz": 100}
EARLIER_DEFAULT = {**PAPERS_RECIPE, "batch_size": 64, "epochs": 12}


def earlier_recipe(profile: Profile) -> Profile:
    """`profile` with the paper's learning rates and codes, no average of G and no
    grain penalty (and for `default`, everything as in EARLIER_DEFAULT): the "before" of
    chapter 4."""
    changes = EARLIER_DEFAULT if profile.name == "default" else PAPERS_RECIPE
    return dataclasses.replace(profile, **changes)


def current_profile() -> Profile:
    """The profile named by GANBOOK_PROFILE (``default`` when it is not set)."""
    name = os.environ.get(ENV_VAR, "default").strip().lower() or "default"
    if name not in PROFILES:
        raise SettingsError(
            f"{ENV_VAR}={os.environ[ENV_VAR]!r} is not a profile. "
            f"Use one of: {', '.join(PROFILES)} (for example: export {ENV_VAR}=quick).")
    return PROFILES[name]
