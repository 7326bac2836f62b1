"""Harm schemes: versioned weight tables keyed by Home Office offence code or police.uk category.

A scheme says how much harm one offence of each kind stands for. It carries its name, version,
provenance and a status that decides how figures made with it are labelled:

- ``official``: a published table, imported as is (for example the ONS Crime Severity Score
  weights). Only an official scheme whose name starts with ``ons-css`` is labelled
  "ONS Crime Severity Score", and only when it was not derived (see :attr:`HarmScheme.label`).
- ``user``: weights a partnership chose for itself.
- ``illustrative``: weights for demonstration and teaching; every label says "illustrative".

Examples
--------
>>> s = HarmScheme("demo", "1", "category", "illustrative", "made up", "",
...                {"Burglary": 10.0, "Shoplifting": 2.0})
>>> s.label
'harm (demo v1, illustrative weights)'
>>> HarmScheme("ons-css-2024", "2024", "offence_code", "official", "ONS", "", {"46": 8.9}).label
'ONS Crime Severity Score (ons-css-2024 v2024)'
"""

from __future__ import annotations

import difflib
import math
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from functools import cache
from importlib import resources
from types import MappingProxyType
from typing import Literal, cast

import pandas as pd

from saferplaces.errors import SaferplacesError
from saferplaces.sources.police_uk import CRIME_TYPES

__all__ = [
    "KEYS",
    "ONS_CSS_PREFIX",
    "STATUSES",
    "HarmScheme",
    "KeyKind",
    "Status",
    "canonical_category",
    "canonical_offence_code",
    "check_name",
    "home_office_codes",
]

KeyKind = Literal["offence_code", "category"]
Status = Literal["official", "user", "illustrative"]
KEYS: tuple[str, ...] = ("offence_code", "category")
STATUSES: tuple[str, ...] = ("official", "user", "illustrative")
# The one rule for calling a figure "ONS Crime Severity Score": an official, non-derived scheme
# whose name starts with this prefix. Other statuses may not use the prefix at all.
ONS_CSS_PREFIX = "ons-css"
_NAME_RE = re.compile(r"^[a-z0-9][a-z0-9._-]*$")


@cache
def home_office_codes() -> pd.DataFrame:
    """The bundled Home Office offence code list (raw columns, all strings).

    Columns: Offence_Group, Offence_Code, Offence_Description, Offence_Subgroup, Police.uk_Cat.
    Source: Home Office via PyPI crime-sim-toolkit 1.5.0 (see data/ATTRIBUTION.md).
    """
    path = resources.files("saferplaces.data").joinpath("ho_offence_codes.csv")
    with resources.as_file(path) as p:
        return pd.read_csv(p, dtype=str, keep_default_na=False)


@cache
def _code_lookup() -> dict[str, str]:
    """Upper-cased code -> canonical code."""
    out: dict[str, str] = {}
    for code in home_office_codes().Offence_Code:
        out[code.upper()] = code
    return out


@cache
def _code_parts() -> dict[str, str]:
    """Each part of a combined code ('4.1' of '1/4.1/4.10/4.2') -> the combined code."""
    out: dict[str, str] = {}
    for code in home_office_codes().Offence_Code:
        if "/" in code:
            for part in code.split("/"):
                out[part.upper()] = code
    return out


def canonical_offence_code(value: str) -> str | None:
    """The Home Office offence code as spelled in the bundled list, or None when unknown.

    Examples
    --------
    >>> canonical_offence_code("5d"), canonical_offence_code("4.1"), canonical_offence_code("999")
    ('5D', None, None)
    """
    return _code_lookup().get(value.strip().upper())


def canonical_category(value: str) -> str | None:
    """The data.police.uk category as spelled in ``CRIME_TYPES``, or None when unknown.

    The Home Office files capitalise categories differently ("Violence and Sexual Offences");
    matching ignores case and repeated spaces.

    Examples
    --------
    >>> canonical_category("Violence and Sexual Offences")
    'Violence and sexual offences'
    """
    norm = " ".join(value.split()).lower()
    for c in CRIME_TYPES:
        if c.lower() == norm:
            return c
    return None


def unknown_key_hint(key: KeyKind, value: str) -> str:
    """What to do about a key that is not a known offence code or category (one phrase)."""
    if key == "offence_code":
        whole = _code_parts().get(value.strip().upper())
        if whole is not None:
            return (
                f"the Home Office publishes it only as part of the combined code '{whole}'; "
                f"give one weight for '{whole}'"
            )
        pool = list(home_office_codes().Offence_Code)
        what = "Home Office offence codes"
    else:
        pool = list(CRIME_TYPES)
        what = "data.police.uk categories"
    close = difflib.get_close_matches(value, pool, n=3, cutoff=0.6)
    if close:
        return "did you mean " + " or ".join(f"'{c}'" for c in close) + "?"
    if key == "offence_code":
        return f"use one of the {len(pool)} {what} (docs/harm.md lists where to find them)"
    return "use one of: " + ", ".join(pool)


def check_name(name: str, status: str) -> None:
    """Raise unless ``name`` is a usable scheme name for ``status``.

    Names are lower case letters, digits, '.', '_' and '-'. Names starting ``ons-css`` are
    reserved for the official ONS Crime Severity Score weights.
    """
    if status not in STATUSES:
        raise SaferplacesError(f"harm scheme status '{status}' is not one of {', '.join(STATUSES)}")
    if not _NAME_RE.match(name):
        raise SaferplacesError(
            f"harm scheme name '{name}' is not allowed; use lower case letters, digits, '.', "
            "'_' and '-' (for example 'ons-css-2024' or 'telford-priorities')"
        )
    if name.startswith(ONS_CSS_PREFIX) and status != "official":
        raise SaferplacesError(
            f"harm scheme name '{name}' starts with '{ONS_CSS_PREFIX}', which is reserved for "
            "the official ONS Crime Severity Score weights; import those with --status official, "
            "or choose another name"
        )


@dataclass(frozen=True)
class HarmScheme:
    """A versioned table of harm weights.

    Parameters
    ----------
    name, version : str
        Identify the scheme; ``(name, version)`` is unique in a warehouse.
    key : {"offence_code", "category"}
        What the weights are keyed by: Home Office offence codes (as in the bundled code list,
        combined codes such as ``1/4.1/4.10/4.2`` whole) or data.police.uk categories (spelled
        as in ``CRIME_TYPES``).
    status : {"official", "user", "illustrative"}
        Decides the label of every figure made with the scheme.
    provenance : str
        Where the weights come from, in words a reader can check.
    description : str
        What the scheme is for.
    weights : Mapping[str, float]
        Key -> weight (finite, >= 0).
    derived_from : str or None
        For a category scheme derived from a code scheme: how (base scheme and offence mix).
    coverage : Mapping[str, float]
        For a derived scheme: share of each category's offences whose code had a weight.
    """

    name: str
    version: str
    key: KeyKind
    status: Status
    provenance: str
    description: str
    weights: Mapping[str, float] = field(hash=False)
    derived_from: str | None = None
    coverage: Mapping[str, float] = field(default_factory=dict, hash=False)

    def __post_init__(self) -> None:
        check_name(self.name, self.status)
        if self.key not in KEYS:
            raise SaferplacesError(f"harm scheme key '{self.key}' is not one of {', '.join(KEYS)}")
        canon = canonical_offence_code if self.key == "offence_code" else canonical_category
        weights: dict[str, float] = {}
        for k, w in self.weights.items():
            c = canon(k)
            if c is None:
                raise SaferplacesError(
                    f"harm scheme {self.name}: '{k}' is not a known {self.key.replace('_', ' ')}"
                    f"; {unknown_key_hint(self.key, k)}"
                )
            if c in weights:
                raise SaferplacesError(f"harm scheme {self.name}: '{c}' has two weights")
            if not isinstance(w, int | float) or not math.isfinite(w) or w < 0:
                raise SaferplacesError(
                    f"harm scheme {self.name}: weight for '{c}' is {w!r}; weights are numbers >= 0"
                )
            weights[c] = float(w)
        object.__setattr__(self, "version", str(self.version))
        object.__setattr__(self, "weights", MappingProxyType(weights))
        object.__setattr__(self, "coverage", MappingProxyType(dict(self.coverage)))

    @property
    def is_ons_css(self) -> bool:
        """True only for the official, non-derived ONS Crime Severity Score weights."""
        return (
            self.status == "official"
            and self.name.startswith(ONS_CSS_PREFIX)
            and self.derived_from is None
        )

    @property
    def label(self) -> str:
        """The name every figure made with this scheme carries.

        - official ``ons-css*`` scheme, not derived: ``ONS Crime Severity Score (NAME vV)``
        - official ``ons-css*`` scheme derived to categories: ``harm from ONS CSS weights by
          category (NAME vV)``, because category weights from an offence mix are an estimate,
          not the published score
        - illustrative: ``harm (NAME vV, illustrative weights)``
        - anything else: ``harm (NAME vV)``

        The version is left out when the name already ends in ``-vV``.
        """
        ident = (
            self.name
            if self.name.endswith(f"-v{self.version}")
            else (f"{self.name} v{self.version}")
        )
        if self.is_ons_css:
            return f"ONS Crime Severity Score ({ident})"
        if self.status == "illustrative":
            return f"harm ({ident}, illustrative weights)"
        if self.status == "official" and self.name.startswith(ONS_CSS_PREFIX):
            return f"harm from ONS CSS weights by category ({ident})"
        return f"harm ({ident})"

    def to_frame(self) -> pd.DataFrame:
        """The weights as a frame: ``key_value`` (str), ``weight`` (float64), sorted by key."""
        return pd.DataFrame(
            {
                "key_value": pd.Series(list(self.weights), dtype=object),
                "weight": pd.Series(list(self.weights.values()), dtype="float64"),
            }
        ).sort_values("key_value", ignore_index=True)

    def as_dict(self) -> dict[str, object]:
        """A JSON-ready view: metadata, label and weights."""
        return {
            "name": self.name,
            "version": self.version,
            "key": self.key,
            "status": self.status,
            "label": self.label,
            "provenance": self.provenance,
            "description": self.description,
            "derived_from": self.derived_from,
            "weights": dict(self.weights),
            **({"coverage": dict(self.coverage)} if self.coverage else {}),
        }


def as_key(value: str) -> KeyKind:
    """Check a key kind given as text."""
    if value not in KEYS:
        raise SaferplacesError(f"harm scheme key '{value}' is not one of {', '.join(KEYS)}")
    return cast(KeyKind, value)


def as_status(value: str) -> Status:
    """Check a status given as text."""
    if value not in STATUSES:
        raise SaferplacesError(f"harm scheme status '{value}' is not one of {', '.join(STATUSES)}")
    return cast(Status, value)
