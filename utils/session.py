"""The first lines of every chapter: which profile, which device."""
from __future__ import annotations

from . import device, profiles


def start(use_gpu: bool = True):
    """Print the active profile and device; return (profile, context)."""
    profile = profiles.current_profile()
    ctx, where = device.choose_context(use_gpu)
    print(f"Profile: {profile.name}  (set {profiles.ENV_VAR} to one of: {', '.join(profiles.PROFILES)})")
    print(f"Device:  {where}")
    return profile, ctx
