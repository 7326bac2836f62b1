"""Harm schemes (weight tables keyed by offence code or police.uk category) and scoring.

See docs/harm.md. The public API:

- :class:`HarmScheme` and :func:`read_scheme` (CSV or YAML, validated line by line);
- :func:`offence_codes`, :func:`offence_mix`, :func:`derive_category_weights`;
- :func:`illustrative_category_v1`, the bundled illustrative scheme;
- :func:`import_scheme`, :func:`list_schemes`, :func:`get_scheme` (warehouse storage);
- :func:`category_weights_for`, :func:`register_harm_weights` (scoring police.uk records).
"""

from saferplaces.harm.bundled import bundled_schemes, illustrative_category_v1
from saferplaces.harm.offence_mix import (
    derive_category_weights,
    forces,
    offence_codes,
    offence_mix,
)
from saferplaces.harm.read import read_scheme
from saferplaces.harm.scheme import HarmScheme
from saferplaces.harm.score import category_weights_for, register_harm_weights
from saferplaces.harm.store import get_scheme, import_scheme, list_schemes, save_scheme

__all__ = [
    "HarmScheme",
    "bundled_schemes",
    "category_weights_for",
    "derive_category_weights",
    "forces",
    "get_scheme",
    "illustrative_category_v1",
    "import_scheme",
    "list_schemes",
    "offence_codes",
    "offence_mix",
    "read_scheme",
    "register_harm_weights",
    "save_scheme",
]
