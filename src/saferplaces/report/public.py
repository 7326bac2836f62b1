"""The public edition: the partnership report's parts, cleared for publication.

:func:`public_context` turns the assembled sections of the partnership edition into the public
edition, failing closed:

1. **Withhold** every table and figure that may not be published: one labelled other than
   ``public`` (``sensitivity`` of the part), or built from a frame whose sensitivity label
   (:mod:`saferplaces.sensitivity`) is not ``public``; any map of domestic
   abuse or child exploitation (CSE, CCE), whatever its label; anything with a point-level or
   person-level column (:data:`saferplaces.disclosure.POINT_LEVEL_PATTERN`); any figure whose
   data counts people (a chart cannot show a suppressed bar); and any part with no label that is
   not one of the place-level parts listed in :data:`PLACE_PARTS` (crime counts by area and
   LSOA, which data.police.uk itself publishes): the parts' default label is ``public``, so
   the label alone cannot tell a cleared part from an unlabelled one. The narrative of the theme
   sections (domestic abuse, child exploitation, the themes) and of any section labelled other
   than ``public`` is replaced by a statement: its sentences quote counts of victims.
2. **Suppress** small counts about people in the remaining tables, across the whole report
   (:func:`saferplaces.disclosure.suppress`): suppressed cells show ``[c]``.
3. After the build has written the folder, :func:`verify_public` writes
   ``tables/relations.json`` (threshold, protection range, people-count columns, relations;
   never which cells were suppressed) and runs the independent checker
   (:func:`saferplaces.disclosure_check.check_disclosure`); a violation fails the build and
   removes ``assessment.html``.
"""

from __future__ import annotations

import dataclasses
import json
import re
from collections.abc import Mapping
from fnmatch import fnmatch
from pathlib import Path
from typing import Any

import pandas as pd

from saferplaces.disclosure import (
    DEFAULT_THRESHOLD,
    POINT_LEVEL_PATTERN,
    SUPPRESSED,
    DisclosureError,
    Suppression,
    people_columns,
    suppress,
)
from saferplaces.disclosure_check import check_disclosure
from saferplaces.errors import SaferplacesError
from saferplaces.report.parts import PUBLIC, Figure, ReportTable, Section, format_value
from saferplaces.sensitivity import may_publish

__all__ = [
    "PLACE_PARTS",
    "THEME_SECTIONS",
    "PublicTable",
    "Withheld",
    "public_context",
    "public_html",
    "verify_public",
]

#: Parts built from place-level crime and ASB counts, or about the data itself, which carry no
#: sensitivity label (key patterns). Counts of crimes by area and LSOA are published by
#: data.police.uk; they describe places, not people.
PLACE_PARTS = (
    "chart1_rate_and_harm",
    "categories",
    "categories_share_of_crime_and_harm",
    "candidate_localities",
    "chart9_vulnerability_map",
    "top_lsoas",
    "hot_spots",
    "hotspot_map",
    "map_*",
    "monthly_*",
    "locality_*_categories",
    "sources",
    "partitions",
    "placement",
    "quarantine",
)
#: Sections whose sentences quote counts of victims and suspects: their text is withheld.
THEME_SECTIONS = ("domestic-abuse", "child-exploitation", "themes")
_THEMES = ("domestic_abuse.", "exploitation.")
_THEME_TEXT = (
    "The public edition shows only the figures and tables of this section cleared for "
    "publication. Its narrative quotes counts of victims and suspects and is in the "
    "partnership edition."
)
_NOTE = (
    f" {SUPPRESSED}: suppressed (fewer than {{threshold}} people, or a cell that would give "
    "one back from a total)."
)


@dataclasses.dataclass(frozen=True)
class Withheld:
    """A table or figure left out of the public edition, and why."""

    key: str
    kind: str  # "table" or "figure"
    reason: str


@dataclasses.dataclass(frozen=True)
class PublicTable(ReportTable):
    """A table with suppressed cells: they show :data:`SUPPRESSED`, the others as before."""

    def rows(self) -> list[list[str]]:
        hows = [self._how(str(c)) for c in self.frame.columns]
        return [
            [v if v == SUPPRESSED else format_value(v, h) for v, h in zip(row, hows, strict=True)]
            for row in self.frame.itertuples(index=False)
        ]


def _frame_name(frame: pd.DataFrame | None, source: str | None = None) -> str | None:
    name = source or (None if frame is None else frame.attrs.get("frame"))
    return str(name) if name else None


def _refusal(part: ReportTable | Figure) -> str | None:
    """Why a part may not be published, or None when it may (subject to suppression)."""
    key = part.key
    frame = part.frame if isinstance(part, ReportTable) else part.data
    name = _frame_name(frame, part.source)
    columns = [] if frame is None else [str(c) for c in frame.columns]
    point = [c for c in columns if POINT_LEVEL_PATTERN.match(c)]
    if point:
        return f"point- or person-level column {point[0]}"
    if part.sensitivity != PUBLIC:
        return f"labelled {part.sensitivity}"
    if name is not None and name.startswith(_THEMES) and "map" in key:
        return f"a map of {name.split('.')[0].replace('_', ' ')} (never mapped in public)"
    if name is not None:
        try:
            if not may_publish(name):
                return f"frame {name} is not labelled public"
        except SaferplacesError:
            return f"frame {name} has no sensitivity label"
    elif not any(fnmatch(key, p) for p in PLACE_PARTS):
        return "no sensitivity label and not a place-level part"
    return None


def _people(frame: pd.DataFrame, source: str | None = None) -> list[str]:
    """Counts about people: named so, or every count of a theme frame (each DA, CSE or CCE
    record has a victim)."""
    cols = people_columns(frame)
    name = _frame_name(frame, source)
    if name is not None and name.startswith(_THEMES):
        cols += [
            str(c)
            for c in frame.columns
            if pd.api.types.is_integer_dtype(frame[c]) and str(c) not in cols
        ]
    return cols


def public_context(
    context: Mapping[str, Any], threshold: int = DEFAULT_THRESHOLD, protection: float | None = None
) -> tuple[dict[str, Any], Suppression, list[Withheld]]:
    """The public edition's context from the partnership edition's (see the module docstring).

    Returns
    -------
    context : dict
        A copy with the public sections (the partnership sections are not changed).
    suppression : Suppression
        What was suppressed and why (never publish its ``cells`` frame: it holds the values).
    withheld : list of Withheld
    """
    withheld: list[Withheld] = []
    tables: dict[str, ReportTable] = {}

    charts: dict[str, pd.DataFrame] = {}
    sources: dict[str, str | None] = {}

    def clean(section: Section, theme: bool = False) -> Section:
        theme = theme or section.key in THEME_SECTIONS
        quiet = theme or section.sensitivity != PUBLIC
        keep_figures = []
        for f in section.figures:
            why = _refusal(f)
            if why:
                withheld.append(Withheld(f.key, "figure", why))
            else:
                keep_figures.append(f)
                if f.data is not None and _people(f.data, f.source):
                    charts[f.key] = f.data
                    sources[f.key] = f.source
        keep_tables = []
        for t in section.tables:
            why = _refusal(t)
            if why:
                withheld.append(Withheld(t.key, "table", why))
            else:
                keep_tables.append(t)
                tables[t.key] = t
        return dataclasses.replace(
            section,
            paragraphs=[_THEME_TEXT] if quiet and section.paragraphs else list(section.paragraphs),
            facts=[] if quiet else list(section.facts),
            figures=keep_figures,
            tables=keep_tables,
            subsections=[clean(s, theme) for s in section.subsections],
        )

    body = [clean(s) for s in context["sections"]]
    people = {key: _people(t.frame, t.source) for key, t in tables.items()}
    people |= {key: _people(data, sources[key]) for key, data in charts.items()}
    counted = {key: t.frame for key, t in tables.items() if people[key]} | charts
    sup = suppress(
        counted,
        people={k: people[k] for k in counted},
        threshold=threshold,
        protection=protection,
    )
    shown: dict[str, ReportTable] = {}
    for key, t in tables.items():
        if key in counted and sup.suppressed(key):
            formats = {str(c): t._how(str(c)) for c in t.frame.columns}
            caption = t.caption + _NOTE.format(threshold=threshold)
            shown[key] = PublicTable(
                t.key, caption, sup.tables[key], formats, t.sensitivity, t.source
            )
        else:
            shown[key] = t

    # A chart cannot show a suppressed cell: a chart any of whose counts is suppressed goes
    hidden = {key for key in charts if sup.suppressed(key)}
    withheld += [
        Withheld(k, "figure", "a chart of counts about people, some suppressed") for k in hidden
    ]

    def swap(section: Section) -> Section:
        return dataclasses.replace(
            section,
            figures=[f for f in section.figures if f.key not in hidden],
            tables=[shown[t.key] for t in section.tables],
            subsections=[swap(s) for s in section.subsections],
        )

    body = [swap(s) for s in body]
    for s in body:
        if s.key == "methods":
            s.paragraphs = [*s.paragraphs, _disclosure_sentence(sup, withheld)]
    return {**context, "sections": body}, sup, withheld


def _disclosure_sentence(sup: Suppression, withheld: list[Withheld]) -> str:
    n_tables = sup.cells.table.nunique()
    primary = int((sup.cells.reason == "primary").sum())
    text = (
        f"Disclosure control: counts of people under {sup.threshold} are suppressed "
        f"({SUPPRESSED}), with further cells suppressed so that no suppressed count can be "
        f"narrowed to a range of fewer than {sup.protection:g} from any total in this report; "
        f"{len(sup.cells)} cells in {n_tables} tables are suppressed ({primary} small counts). "
    )
    if withheld:
        text += (
            f"{len(withheld)} tables and figures of the partnership edition are withheld from "
            "the public edition (counts about victims and suspects, and maps of domestic abuse "
            "and child exploitation)."
        )
    else:
        text += "No table or figure of the partnership edition is withheld."
    return text


_EDITION_LINE = re.compile(r'<p class="edition">.*?</p>', re.DOTALL)


def public_html(text: str, threshold: int = DEFAULT_THRESHOLD) -> str:
    """The rendered HTML with the public edition's statement in place of the partnership one."""
    line = (
        '<p class="edition">Public edition: counts about people have been through disclosure '
        f"control (fewer than {threshold} suppressed, shown {SUPPRESSED}); see Methods.</p>"
    )
    if not _EDITION_LINE.search(text):
        raise SaferplacesError(
            'the assessment template has no edition statement (<p class="edition">); the '
            "public edition cannot say what it is"
        )
    return _EDITION_LINE.sub(line, text, count=1)


def verify_public(folder: Path, sup: Suppression) -> str:
    """Write ``tables/relations.json`` and run the independent checker on ``folder``.

    Returns the checker's summary. Raises :class:`DisclosureError` (after removing
    ``assessment.html``, so a failed edition cannot be published by mistake) on any violation.
    """
    path = folder / "tables" / "relations.json"
    path.write_text(json.dumps(sup.declaration(), indent=1), encoding="utf-8")
    result = check_disclosure(folder, threshold=sup.threshold, protection=sup.protection)
    if not result.ok:
        (folder / "assessment.html").unlink(missing_ok=True)
        lines = "\n".join(f"  {v}" for v in result.violations)
        raise DisclosureError(
            f"the public edition in {folder} fails the disclosure check; assessment.html was "
            f"removed:\n{lines}"
        )
    return result.summary()
