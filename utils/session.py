"""The first lines of every chapter: which profile, which device; every setting
that comes from the environment is checked here, before any work."""
from __future__ import annotations

from . import cache, device, profiles
from .data import sources


def check_environment():
    """The profile GANBOOK_PROFILE names, after checking GANBOOK_PROFILE, GANBOOK_DATA
    and GANBOOK_CACHE; a SettingsError (one line, saying what to do) if one is wrong."""
    profile = profiles.current_profile()
    sources.data_folder_from_env()
    cache.checked_cache_dir()
    return profile


def start(use_gpu: bool = True):
    """Print the active profile and device; return (profile, context)."""
    profile = check_environment()
    ctx, where = device.choose_context(use_gpu)
    print(f"Profile: {profile.name}  (set {profiles.ENV_VAR} to one of: {', '.join(profiles.PROFILES)})")
    print(f"Device:  {where}")
    return profile, ctx
