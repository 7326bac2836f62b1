"""Harm schemes shipped with saferplaces.

One scheme is bundled: ``illustrative-category-v1``, category-level weights for every
data.police.uk category (anti-social behaviour included). It is illustrative: a judgement of
relative seriousness, not the ONS Crime Severity Score, and every figure made with it says
"illustrative weights". The rationale is in the YAML file and in docs/harm.md.

Examples
--------
>>> s = illustrative_category_v1()
>>> s.label
'harm (illustrative-category-v1, illustrative weights)'
>>> s.weights["Robbery"], s.weights["Anti-social behaviour"]
(40.0, 1.0)
"""

from __future__ import annotations

from functools import cache
from importlib import resources

from saferplaces.harm.read import read_scheme
from saferplaces.harm.scheme import HarmScheme

__all__ = ["BUNDLED", "bundled_schemes", "illustrative_category_v1"]

BUNDLED: tuple[str, ...] = ("illustrative-category-v1",)


def _load(name: str) -> HarmScheme:
    path = resources.files("saferplaces.data").joinpath(f"harm/{name}.yaml")
    with resources.as_file(path) as p:
        return read_scheme(p)


@cache
def bundled_schemes() -> dict[str, HarmScheme]:
    """Every bundled scheme by name."""
    return {name: _load(name) for name in BUNDLED}


def illustrative_category_v1() -> HarmScheme:
    """The bundled illustrative category-level scheme (status ``illustrative``)."""
    return bundled_schemes()["illustrative-category-v1"]
