"""Synthetic boroughs: force extracts, partner data and data.police.uk files calibrated to
published figures, for demos and tests without real victims' data (docs/synthetic.md)."""

from saferplaces.synth.generate import SynthResult, generate
from saferplaces.synth.profile import Profile, bundled_profiles, load_profile
from saferplaces.synth.write import BANNER

__all__ = ["BANNER", "Profile", "SynthResult", "bundled_profiles", "generate", "load_profile"]
