"""Calibration profiles: YAML files that say what a synthetic borough must look like.

A profile names the area, force and period, and gives the published figures the generator must
reproduce (offences, domestic abuse victims and suspects, exploitation, localities) and the
assumptions it needs besides. Bundled profiles live in ``saferplaces/data/synth/``; any other
YAML file with the same keys can be given by path.
"""

from __future__ import annotations

import copy
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import Any

import yaml

from saferplaces.errors import SaferplacesError
from saferplaces.periods import Period

__all__ = ["Profile", "bundled_profiles", "load_profile"]

_REQUIRED = (
    "name",
    "area",
    "force",
    "force_name",
    "period",
    "crime",
    "localities",
    "domestic_abuse",
    "exploitation",
    "markers",
    "people",
    "partners",
)

# Counts that grow with the borough when a profile is scaled (benchmarks); shares stay.
_SCALED = (
    ("crime", "offences"),
    ("crime", "asb_incidents"),
    ("domestic_abuse", "offences"),
    ("domestic_abuse", "crimed_incidents"),
    ("domestic_abuse", "victims", "people"),
    ("domestic_abuse", "victims", "repeat"),
    ("domestic_abuse", "suspects", "people"),
    ("domestic_abuse", "suspects", "repeat"),
    ("exploitation", "cse_records"),
    ("exploitation", "cce_records"),
    ("exploitation", "cse_victims"),
    ("exploitation", "cce_victims"),
    ("exploitation", "cce_suspects"),
    ("partners", "marac", "referrals"),
    ("partners", "ce_cohort", "children"),
)


@dataclass(frozen=True)
class Profile:
    """A loaded calibration profile: its name, the file it came from and its settings."""

    name: str
    source: str
    data: dict[str, Any]

    def __getitem__(self, key: str) -> Any:
        return self.data[key]

    @property
    def period(self) -> Period:
        """The months the offences are recorded in."""
        return Period.parse(self.data["period"])

    def scaled(self, factor: float) -> Profile:
        """The same borough with every count multiplied by ``factor`` (for benchmarks).

        Locality counts scale too, so their shares stay; the places stay the same LSOAs.
        """
        if factor == 1:
            return self
        data = copy.deepcopy(self.data)
        for keys in _SCALED:
            node = data
            for k in keys[:-1]:
                node = node[k]
            node[keys[-1]] = round(node[keys[-1]] * factor)
        for loc in data["localities"].values():
            loc["crimes"] = round(loc["crimes"] * factor)
        ages = data["exploitation"]["cse_suspect_ages"]
        for band in ages:
            ages[band] = round(ages[band] * factor)
        return Profile(f"{self.name}-x{factor:g}", self.source, data)


def bundled_profiles() -> list[str]:
    """Names of the profiles shipped with saferplaces."""
    folder = resources.files("saferplaces.data").joinpath("synth")
    return sorted(
        p.name.removesuffix(".yaml") for p in folder.iterdir() if p.name.endswith(".yaml")
    )


def load_profile(name: str | Path) -> Profile:
    """Load a bundled profile by name (``telford-2019-20``) or a profile YAML file by path.

    Raises
    ------
    SaferplacesError
        The profile is unknown, unreadable or misses a required section.

    Examples
    --------
    >>> p = load_profile("telford-2019-20")
    >>> p["crime"]["offences"], str(p.period)
    (13667, '2019-11..2020-10')
    """
    path = Path(name)
    if path.suffix in (".yaml", ".yml") or path.exists():
        if not path.is_file():
            raise SaferplacesError(f"profile file {path} does not exist")
        text, source = path.read_text(encoding="utf-8"), str(path)
    else:
        ref = resources.files("saferplaces.data").joinpath("synth", f"{name}.yaml")
        if not ref.is_file():
            known = ", ".join(bundled_profiles())
            raise SaferplacesError(
                f"no bundled synthetic profile '{name}'; bundled: {known} (or give a YAML path)"
            )
        text, source = ref.read_text(encoding="utf-8"), f"bundled:{name}"
    try:
        data = yaml.safe_load(text)
    except yaml.YAMLError as e:
        raise SaferplacesError(f"profile {source} is not valid YAML: {e}") from None
    if not isinstance(data, dict):
        raise SaferplacesError(f"profile {source} must be a YAML mapping")
    missing = [k for k in _REQUIRED if k not in data]
    if missing:
        raise SaferplacesError(f"profile {source} lacks {', '.join(missing)}")
    try:
        Period.parse(data["period"])
    except Exception as e:
        raise SaferplacesError(f"profile {source}: period: {e}") from None
    return Profile(str(data["name"]), source, data)
