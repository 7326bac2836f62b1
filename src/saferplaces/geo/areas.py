"""Local authorities and their LSOAs, from the bundled ONS table (2011 codes).

The workspace area is a local authority, given by code (``E06000020``) or name
(``Telford and Wrekin``). Its LSOAs are known from the bundled table even before any boundary
is loaded; boundaries and lookups loaded later refine the set for the 2021 vintage.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cache
from importlib import resources

import pandas as pd

from saferplaces.errors import SaferplacesError

__all__ = ["LocalAuthority", "bundled_lsoa11_areas", "find_local_authority", "force_slug"]


@dataclass(frozen=True)
class LocalAuthority:
    """A local authority district (2011 code and name) and the police force area it lies in."""

    code: str
    name: str
    region: str
    police_force: str
    lsoa11_count: int


@cache
def bundled_lsoa11_areas() -> pd.DataFrame:
    """Every 2011 LSOA in England and Wales with MSOA, local authority, region and force.

    Columns: lsoa11_code, lsoa11_name, msoa11_code, lad_code, lad_name, region_name,
    police_force (all strings). Source: ONS via PyPI crime-sim-toolkit (see data/ATTRIBUTION.md).
    """
    path = resources.files("saferplaces.data").joinpath("lsoa11_areas.csv.gz")
    with resources.as_file(path) as p:
        return pd.read_csv(p, dtype=str, compression="gzip")


def _norm(s: str) -> str:
    return re.sub(r"[^a-z0-9]+", " ", s.lower().replace("&", " and ")).strip()


def force_slug(name: str) -> str:
    """The data.police.uk slug of a force name: ``West Mercia Police`` -> ``west-mercia``.

    Examples
    --------
    >>> force_slug("West Mercia Police")
    'west-mercia'
    >>> force_slug("Devon & Cornwall Police")
    'devon-and-cornwall'
    >>> force_slug("city-of-london")
    'city-of-london'
    """
    s = _norm(name)
    s = re.sub(r"\b(police|constabulary|police service)$", "", s).strip()
    if s == "metropolitan":
        return "metropolitan"
    return s.replace(" ", "-")


def find_local_authority(query: str) -> LocalAuthority:
    """Find a local authority by its code or name (case and punctuation do not matter).

    Examples
    --------
    >>> find_local_authority("E06000020").name
    'Telford and Wrekin'
    >>> find_local_authority("telford & wrekin").code
    'E06000020'
    """
    t = bundled_lsoa11_areas()
    q = query.strip()
    by_code = t[t.lad_code == q.upper()]
    if by_code.empty:
        names = t.lad_name.map(_norm)
        by_code = t[names == _norm(q)]
        if by_code.empty:
            # "Bristol" for "Bristol, City of"; "Herefordshire" for "Herefordshire, County of"
            by_code = t[
                names.str.split(" ").str[0 : len(_norm(q).split())].str.join(" ") == _norm(q)
            ]
            if by_code.lad_code.nunique() != 1:
                close = sorted(
                    t.lad_name[t.lad_name.str.lower().str.contains(q.lower()[:4])].unique()
                )[:5]
                hint = f" Did you mean: {', '.join(close)}?" if close else ""
                raise SaferplacesError(
                    f"no local authority in England and Wales has the code or name '{query}'; "
                    f"give a code like E06000020 or a name like 'Telford and Wrekin'.{hint}"
                )
    first = by_code.iloc[0]
    return LocalAuthority(
        code=first.lad_code,
        name=first.lad_name,
        region=first.region_name,
        police_force=first.police_force,
        lsoa11_count=len(by_code),
    )
