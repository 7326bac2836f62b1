r"""The independent disclosure checker: ``saferplaces check-disclosure DIR``.

It re-reads a published folder (``tables/*.csv`` and ``assessment.html``) as text and trusts
none of the build's suppression decisions: it finds counts about people itself, reconstructs
the totals a reader sees, adds only the *relations* the build declared in
``tables/relations.json`` (declarations can only make the attack stronger), and runs the
interval attack of :func:`saferplaces.disclosure.feasible_intervals` over the whole folder.

Examples
--------
>>> import tempfile, pathlib
>>> d = pathlib.Path(tempfile.mkdtemp()); (d / "tables").mkdir()
>>> _ = (d / "tables" / "t.csv").write_text("area,victims\nA,[c]\nB,12\nTotal,15\n")
>>> r = check_disclosure(d)
>>> r.ok
False
>>> print(r.violations[0].replace(", but", ",\n  but"))
tables/t.csv row 1 (A), column victims: suppressed,
  but the published totals give it back within [3, 3] (width 0, protection range 10)
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

import pandas as pd

from saferplaces.disclosure import (
    DEFAULT_THRESHOLD,
    POINT_LEVEL_PATTERN,
    SUPPRESSED,
    Cell,
    DisclosureError,
    Relation,
    _number,
    cell_name,
    feasible_intervals,
    infer_relations,
    interval_rows,
    people_columns,
)

__all__ = ["CheckResult", "check_disclosure"]


@dataclass(frozen=True)
class CheckResult:
    """What :func:`check_disclosure` found in a published folder.

    violations
        One line per violation, naming the file, row and column.
    tables, people_cells, suppressed
        How many tables were read, people-count cells seen, and of those suppressed.
    narrowest
        The narrowest feasible interval of any suppressed cell (``inf`` when none).
    """

    violations: tuple[str, ...]
    tables: int
    people_cells: int
    suppressed: int
    narrowest: float

    @property
    def ok(self) -> bool:
        return not self.violations

    def summary(self) -> str:
        width = "none" if self.narrowest == float("inf") else f"{self.narrowest:g}"
        return (
            f"{self.tables} tables, {self.people_cells} counts about people, "
            f"{self.suppressed} suppressed; narrowest feasible interval of a suppressed cell: "
            f"{width}; {len(self.violations)} violation(s)"
        )


def check_disclosure(
    folder: str | Path,
    threshold: int | None = None,
    protection: float | None = None,
) -> CheckResult:
    """Check a published folder (``assessment.html`` and ``tables/*.csv``) independently.

    The checker re-reads every CSV as text and trusts nothing the build decided: it finds the
    counts about people itself (:data:`PEOPLE_PATTERN`, plus any columns the build declared
    in ``tables/relations.json``), reconstructs the totals a reader sees in each table
    (:func:`infer_relations`), adds the relations the build declared, and runs the interval
    attack over the whole folder. Violations:

    - a count about people from 1 to ``threshold - 1`` shown (in a CSV or an HTML table);
    - a suppressed cell whose feasible interval is narrower than ``protection``;
    - an HTML table showing a number where its CSV is suppressed;
    - a point-level or person-level column (:data:`POINT_LEVEL_PATTERN`);
    - relations that contradict the published values.

    Parameters
    ----------
    folder : path
        The edition's folder.
    threshold, protection : optional
        Default: those declared in ``relations.json`` or 10; never lower than declared.
    """
    root = Path(folder)
    tables_dir = root / "tables"
    declared: dict[str, Any] = {}
    if (tables_dir / "relations.json").is_file():
        declared = json.loads((tables_dir / "relations.json").read_text(encoding="utf-8"))
    thr = max(int(threshold or 0), int(declared.get("threshold", DEFAULT_THRESHOLD)))
    prot = max(float(protection or 0), float(declared.get("protection", thr)), float(thr))
    zeros = bool(declared.get("suppress_zeros", False))
    declared_people = declared.get("people_columns", {})
    violations: list[str] = []

    frames: dict[str, pd.DataFrame] = {}
    for path in sorted(tables_dir.glob("*.csv")):
        frames[path.stem] = pd.read_csv(path, dtype=str, keep_default_na=False)
    values: dict[Cell, float] = {}
    unknown: list[Cell] = []
    labels: dict[Cell, str] = {}
    relations: list[Relation] = []
    people: dict[str, list[str]] = {}
    for name, f in frames.items():
        for column in f.columns:
            if POINT_LEVEL_PATTERN.match(str(column)):
                violations.append(f"tables/{name}.csv: column {column} is point- or person-level")
        typed = f.apply(pd.to_numeric, errors="coerce")
        cols = people_columns(typed, declared_people.get(name, ()))
        people[name] = cols
        label = next((c for c in f.columns if c not in cols and typed[c].isna().all()), None)
        relations += infer_relations(name, f.assign(**{c: typed[c] for c in cols}), cols)
        for column in cols:
            for r, text in enumerate(f[column]):
                cell = (name, r, column)
                labels[cell] = "" if label is None else str(f[label].iloc[r])
                x = _number(text)
                if text.strip() == SUPPRESSED:
                    unknown.append(cell)
                elif x is not None:
                    values[cell] = x
                    if 0 < x < thr or (zeros and x == 0):
                        violations.append(
                            f"{cell_name(cell, labels[cell])}: {x:g} is under the threshold "
                            f"{thr} and is not suppressed"
                        )
    for data in declared.get("relations", []):
        rel = Relation.from_json(data)
        missing = [c for c in rel.cells() if c not in values and c not in unknown]
        if missing:
            violations.append(f"relations.json names {cell_name(missing[0])}, which is not a count")
            continue
        relations.append(rel)

    # The interval attack over every table at once
    narrowest = float("inf")
    try:
        iv = feasible_intervals(unknown, relations, values)
    except DisclosureError as exc:
        violations.append(str(exc))
    else:
        for cell, lower, upper, width in interval_rows(iv):
            narrowest = min(narrowest, width)
            if width < prot:
                violations.append(
                    f"{cell_name(cell, labels.get(cell))}: suppressed, but the published totals "
                    f"give it back within [{lower:g}, {upper:g}] (width {width:g}, "
                    f"protection range {prot:g})"
                )
    html = root / "assessment.html"
    if html.is_file():
        violations += _check_html(html.read_text(encoding="utf-8"), frames, people, thr, zeros)
    return CheckResult(
        violations=tuple(violations),
        tables=len(frames),
        people_cells=sum(len(frames[n]) * len(c) for n, c in people.items()),
        suppressed=len(unknown),
        narrowest=narrowest,
    )


def _check_html(
    text: str,
    frames: Mapping[str, pd.DataFrame],
    people: Mapping[str, Sequence[str]],
    threshold: int,
    zeros: bool,
) -> list[str]:
    """Counts about people shown in the HTML's tables, against the threshold and the CSVs."""

    class Tables(HTMLParser):
        def __init__(self) -> None:
            super().__init__()
            self.tables: list[tuple[str, list[str], list[list[str]]]] = []
            self.cell: list[str] | None = None
            self.row: list[str] = []

        def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
            if tag == "table":
                self.tables.append((dict(attrs).get("id") or "", [], []))
            elif tag == "tr" and self.tables:
                self.row = []
            elif tag in ("td", "th") and self.tables:
                self.cell = []

        def handle_data(self, data: str) -> None:
            if self.cell is not None:
                self.cell.append(data)

        def handle_endtag(self, tag: str) -> None:
            if tag in ("td", "th") and self.cell is not None:
                self.row.append("".join(self.cell).strip())
                self.cell = None
            elif tag == "tr" and self.tables:
                _, header, rows = self.tables[-1]
                if not header:
                    header.extend(self.row)
                else:
                    rows.append(self.row)

    parser = Tables()
    parser.feed(text)
    out = []
    for n, (table_id, header, rows) in enumerate(parser.tables):
        key = table_id.removeprefix("table-")
        names = [h.replace(" ", "_") for h in header]
        cols = set(people.get(key, ())) | {
            c for c in names if people_columns(pd.DataFrame(columns=[c]))
        }
        where = f"assessment.html table {key or n + 1}"
        for r, row in enumerate(rows):
            for column, shown in zip(names, row, strict=False):
                if column not in cols:
                    continue
                x = _number(shown.rstrip("%"))
                if shown == SUPPRESSED or x is None:
                    continue
                if 0 < x < threshold or (zeros and x == 0):
                    out.append(
                        f"{where} row {r + 1}, column {column}: {shown} is under the threshold "
                        f"{threshold} and is not suppressed"
                    )
                csv = frames.get(key)
                if (
                    csv is not None
                    and column in csv
                    and r < len(csv)
                    and csv[column].iloc[r].strip() == SUPPRESSED
                ):
                    out.append(
                        f"{where} row {r + 1}, column {column}: shows {shown} where "
                        f"tables/{key}.csv is suppressed"
                    )
    return out
