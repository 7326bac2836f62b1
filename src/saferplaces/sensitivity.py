"""Sensitivity labels of result frames: who may see a frame, decided where the frame is made.

Domestic abuse and child exploitation figures describe victims, many of them children. Each
result frame carries one of four labels, in ``frame.attrs["sensitivity"]`` and, by the frame's
name, in :data:`FRAME_SENSITIVITY` (the one place the labels are decided; the public edition and
access control read them from here):

``public``
    Aggregates that may appear in the public edition, after disclosure control
    (``disclosure.py``: small counts suppressed, with secondary suppression).
``partnership``
    Aggregates for partnership members only: counts of victims and suspects that are small
    enough, or specific enough, to be unsafe to publish even after suppression.
``restricted``
    Aggregates about children or about very small groups (the tail of a distribution, where one
    row can be one person): named analysts under the data sharing agreement only.
``person_level``
    One row per person (pseudonymous identifiers). Never written by the public edition, never
    leaves the secure tier; no analysis in this package returns one unless it says so.

``pandas`` keeps ``attrs`` through most operations, but not through every one (``concat`` of
frames with different labels, for example): code that publishes a frame looks the label up by
name with :func:`sensitivity_of` rather than trusting ``attrs`` alone.

Examples
--------
>>> import pandas as pd
>>> f = label_frame(pd.DataFrame({"month": [], "offences": []}), "domestic_abuse.monthly")
>>> f.attrs["sensitivity"], f.attrs["frame"]
('public', 'domestic_abuse.monthly')
>>> may_publish("domestic_abuse.distribution")
False
"""

from __future__ import annotations

from enum import Enum
from types import MappingProxyType

import pandas as pd

from saferplaces.errors import SaferplacesError

__all__ = [
    "FRAME_SENSITIVITY",
    "Sensitivity",
    "label_frame",
    "may_publish",
    "sensitivity_of",
]


class Sensitivity(str, Enum):
    """Who may see a frame, from the widest audience to the narrowest."""

    public = "public"
    partnership = "partnership"
    restricted = "restricted"
    person_level = "person_level"


_P, _N, _R = Sensitivity.public, Sensitivity.partnership, Sensitivity.restricted

#: Frame name (``module.frame``) -> label. Every frame the theme analyses return is listed.
FRAME_SENSITIVITY: MappingProxyType[str, Sensitivity] = MappingProxyType(
    {
        # analysis.domestic_abuse (saferplaces da)
        "domestic_abuse.summary": _N,
        "domestic_abuse.monthly": _P,  # Chart 3: counts and harm by month
        "domestic_abuse.repeats": _N,  # Chart 2: repeat victims and suspects
        "domestic_abuse.distribution": _R,  # victimisations per person: the tail is one person
        "domestic_abuse.ages": _N,
        "domestic_abuse.factors": _P,  # Chart 5: share of DA records with each marker
        "domestic_abuse.service": _N,  # Chart 4: partner data
        "domestic_abuse.marac": _N,  # Chart 6
        # analysis.exploitation (saferplaces ce)
        "exploitation.summary": _N,
        "exploitation.victims": _R,  # children, by type, gender, residence
        "exploitation.victim_ages": _R,
        "exploitation.suspect_ages": _N,  # Chart 8
        "exploitation.cohort_gender": _R,  # Chart 7: children supported and victims
    }
)


def sensitivity_of(name: str) -> Sensitivity:
    """The label of the frame called ``name`` (``module.frame``).

    Raises
    ------
    SaferplacesError
        For a name that is not in :data:`FRAME_SENSITIVITY` (an unlabelled frame is never
        treated as public).
    """
    try:
        return FRAME_SENSITIVITY[name]
    except KeyError:
        raise SaferplacesError(
            f"frame '{name}' has no sensitivity label; add it to "
            "saferplaces.sensitivity.FRAME_SENSITIVITY before it is written anywhere"
        ) from None


def label_frame(frame: pd.DataFrame, name: str) -> pd.DataFrame:
    """Attach the label of ``name`` to ``frame`` (``attrs["sensitivity"]``, ``attrs["frame"]``).

    Returns the same frame, so it can close a chain.
    """
    frame.attrs["sensitivity"] = sensitivity_of(name).value
    frame.attrs["frame"] = name
    return frame


def may_publish(name: str) -> bool:
    """True only for frames labelled ``public`` (still subject to disclosure control)."""
    return sensitivity_of(name) is Sensitivity.public
