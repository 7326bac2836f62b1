"""The parts an assessment is made of: sections holding sentences, figures and tables.

Tables carry their raw frame (written to ``tables/<key>.csv``) and how each column is shown, so
the HTML and the CSV can never disagree about which rows and columns a table has.

Examples
--------
>>> t = ReportTable("demo", "A demo", pd.DataFrame({"crime_type": ["Burglary"], "share": [0.25]}),
...                 {"share": "pct"})
>>> t.header, t.rows(), t.csv_path
(['crime type', 'share'], [['Burglary', '25.0%']], 'tables/demo.csv')
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any

import pandas as pd

__all__ = ["FORMATS", "PUBLIC", "Figure", "ReportTable", "Section", "format_value", "strictest"]

# How a column is shown: integers with thousands separators, fractions as percentages, fixed
# decimals, or text.
FORMATS = ("int", "pct", "0f", "1f", "2f", "text", "month")

# Sensitivity labels (saferplaces.sensitivity), widest audience first. Tables, figures and
# sections built from crime and place aggregates are "public" (still subject to disclosure
# control); those built from a labelled theme frame carry that frame's label, so the public
# edition can leave out everything that is not public.
PUBLIC = "public"
_ORDER = ("public", "partnership", "restricted", "person_level")


def strictest(*labels: str) -> str:
    """The narrowest audience among ``labels`` (``public`` when none).

    >>> strictest("public", "restricted", "partnership")
    'restricted'
    """
    return max(labels, key=_ORDER.index, default=PUBLIC)


def format_value(value: Any, how: str) -> str:
    """One cell as shown in the HTML (the CSV keeps the raw value)."""
    if value is None or value is pd.NA or (isinstance(value, float) and math.isnan(value)):
        return ""
    if how == "int":
        return f"{int(value):,}"
    if how == "pct":
        return f"{float(value) * 100:.1f}%"
    if how in ("0f", "1f", "2f"):
        return f"{float(value):,.{how[0]}f}"
    if how == "month":
        return f"{pd.Timestamp(value):%B %Y}"
    return str(value)


@dataclass(frozen=True)
class ReportTable:
    """A table shown in the report, and written to ``tables/<key>.csv``.

    key
        File stem and HTML id (``tables/<key>.csv``).
    caption
        Names the table, its period and, when it shows harm, the harm scheme's label.
    frame
        Exactly the rows and columns shown, with raw values.
    formats
        Column -> one of :data:`FORMATS`; unlisted columns are guessed from their dtype.
    sensitivity
        Who may see it (a :class:`saferplaces.sensitivity.Sensitivity` value).
    source
        The labelled analysis frame it shows (``domestic_abuse.factors``), if any.
    """

    key: str
    caption: str
    frame: pd.DataFrame
    formats: dict[str, str] = field(default_factory=dict)
    sensitivity: str = PUBLIC
    source: str | None = None

    @property
    def csv_path(self) -> str:
        return f"tables/{self.key}.csv"

    @property
    def header(self) -> list[str]:
        return [str(c).replace("_", " ") for c in self.frame.columns]

    def _how(self, column: str) -> str:
        if column in self.formats:
            return self.formats[column]
        dtype = self.frame[column].dtype
        if pd.api.types.is_integer_dtype(dtype):
            return "int"
        if pd.api.types.is_float_dtype(dtype):
            return "1f"
        if pd.api.types.is_datetime64_any_dtype(dtype):
            return "month"
        return "text"

    def numeric(self) -> list[bool]:
        """Which columns are right-aligned."""
        return [self._how(str(c)) in ("int", "pct", "0f", "1f", "2f") for c in self.frame.columns]

    def rows(self) -> list[list[str]]:
        hows = [self._how(str(c)) for c in self.frame.columns]
        return [
            [format_value(v, h) for v, h in zip(row, hows, strict=True)]
            for row in self.frame.itertuples(index=False)
        ]


@dataclass(frozen=True)
class Figure:
    """A chart or map: inline SVG with a caption, alt text and the CSV of its data.

    label
        "Chart 1", "Chart 9" (the seed's numbering) or "" for unnumbered figures.
    alt
        What the figure shows, in words, for screen readers (also the SVG's aria-label).
    data
        The numbers the figure draws, written to ``tables/<key>.csv``.
    sensitivity, source
        As for :class:`ReportTable`.
    """

    key: str
    label: str
    title: str
    caption: str
    alt: str
    svg: str
    data: pd.DataFrame | None = field(default=None, compare=False)
    small: bool = False
    sensitivity: str = PUBLIC
    source: str | None = None

    @property
    def csv_path(self) -> str | None:
        return f"tables/{self.key}.csv" if self.data is not None else None


@dataclass
class Section:
    """A section (h2) or subsection (h3): sentences, then figures, tables and subsections.

    ``placeholder`` marks a section whose analysis has not landed yet: it says which analysis
    it awaits, and the section shows no figures. ``sensitivity`` labels the section's own
    sentences (built from frames of that label); its figures and tables carry their own.
    """

    key: str
    title: str
    paragraphs: list[str] = field(default_factory=list)
    figures: list[Figure] = field(default_factory=list)
    tables: list[ReportTable] = field(default_factory=list)
    subsections: list[Section] = field(default_factory=list)
    placeholder: str | None = None
    facts: list[tuple[str, str]] = field(default_factory=list)  # a definition list
    sensitivity: str = PUBLIC

    def all_tables(self) -> list[ReportTable]:
        return self.tables + [t for s in self.subsections for t in s.all_tables()]

    def all_figures(self) -> list[Figure]:
        return self.figures + [f for s in self.subsections for f in s.all_figures()]
