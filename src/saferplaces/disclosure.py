"""Statistical disclosure control for tables that leave the secure tier.

Counts about people (victims, suspects, children, referrals) under a threshold are suppressed
(*primary* suppression), then further cells are suppressed (*secondary*, or complementary,
suppression) until no suppressed cell can be recovered, or narrowed to fewer than a protection
range of values, from the cells still published and the linear relations between cells: row and
column totals within a table, and totals shown in another table of the same report.

A report is modelled as a set of tables plus :class:`Relation` objects ("the sum of these cells
equals that cell"). The attack is the standard interval (linear programming) attack: for each
suppressed cell, minimise and maximise it subject to the relations, the published values and
non-negativity (:func:`feasible_intervals`). A cell is protected when its feasible interval is
at least ``protection`` wide (default: the threshold, 10).

Cells are named ``(table, row, column)`` with ``row`` the 0-based position of the data row, as
in the published CSV; :func:`cell_name` writes them for people.

Examples
--------
>>> import pandas as pd
>>> t = pd.DataFrame({"area": ["A", "B", "Total"], "victims": [3, 40, 43]})
>>> s = suppress({"t": t})
>>> list(s.tables["t"].victims)
['[c]', '[c]', 43]
>>> s.cells[["row", "reason"]].to_dict("records")
[{'row': 0, 'reason': 'primary'}, {'row': 1, 'reason': 'secondary'}]
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd
from scipy.optimize import linprog

from saferplaces.errors import SaferplacesError

__all__ = [
    "DEFAULT_THRESHOLD",
    "PEOPLE_PATTERN",
    "POINT_LEVEL_PATTERN",
    "SUPPRESSED",
    "Cell",
    "DisclosureError",
    "Relation",
    "Suppression",
    "cell_name",
    "feasible_intervals",
    "infer_relations",
    "interval_rows",
    "is_total_label",
    "people_columns",
    "suppress",
]

#: What a suppressed cell shows, in the CSV and the HTML (the ONS marker for "confidential").
SUPPRESSED = "[c]"
#: Counts about people from 1 to ``threshold - 1`` are suppressed.
DEFAULT_THRESHOLD = 10
#: Columns holding counts about people, by name.
PEOPLE_PATTERN = re.compile(
    r"victim|suspect|offender|perpetrator|child|referral|person|people|survivor|client"
    r"|case|cohort|supported",
    re.IGNORECASE,
)
#: Columns that would make a table point-level or person-level: never published.
POINT_LEVEL_PATTERN = re.compile(
    r"^(lon|lat|longitude|latitude|easting|northing|x|y|geometry|wkt|person_id|victim_id"
    r"|suspect_id|crime_id|offence_id|crn|urn|nhs_number|postcode)$",
    re.IGNORECASE,
)
# Complementary cells tried for each exposed cell (nearest relations first).
_MAX_CANDIDATES = 24
_TOTAL_LABELS = {"total", "all", "all ages", "all areas", "grand total", "overall"}

#: ``(table, row, column)``; ``row`` is the 0-based position of the data row.
Cell = tuple[str, int, str]


class DisclosureError(SaferplacesError):
    """Disclosure control could not protect a table, or a published table fails the checker."""


@dataclass(frozen=True)
class Relation:
    """``total`` equals the sum of ``parts`` (cells of any tables in the same report)."""

    total: Cell
    parts: tuple[Cell, ...]

    def cells(self) -> tuple[Cell, ...]:
        return (self.total, *self.parts)

    def to_json(self) -> dict[str, Any]:
        return {"total": list(self.total), "parts": [list(p) for p in self.parts]}

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> Relation:
        def cell(c: Sequence[Any]) -> Cell:
            return (str(c[0]), int(c[1]), str(c[2]))

        return cls(cell(data["total"]), tuple(cell(p) for p in data["parts"]))


def cell_name(cell: Cell, label: str | None = None) -> str:
    """``tables/<table>.csv row 3 (Arleston), column victims`` (row counted from 1)."""
    table, row, column = cell
    where = f" ({label})" if label else ""
    return f"tables/{table}.csv row {row + 1}{where}, column {column}"


def is_total_label(value: object) -> bool:
    """True for a row label meaning "all of the rows above" ("Total", "All")."""
    return isinstance(value, str) and value.strip().lower() in _TOTAL_LABELS


def people_columns(frame: pd.DataFrame, extra: Iterable[str] = ()) -> list[str]:
    """Columns of ``frame`` holding counts about people: named like :data:`PEOPLE_PATTERN`
    (or listed in ``extra``) and not shares, rates or ratios."""
    extra = set(extra)
    out = []
    for column in frame.columns:
        name = str(column)
        derived = re.search(
            r"share|rate|ratio|pct|percent|per_|ci_|mean|median|average|_id$|name|type|label",
            name,
            re.IGNORECASE,
        )
        if name in extra or (PEOPLE_PATTERN.search(name) and not derived):
            out.append(name)
    return out


def _label_column(frame: pd.DataFrame, counts: Sequence[str]) -> str | None:
    for column in frame.columns:
        if str(column) not in counts and not pd.api.types.is_numeric_dtype(frame[column]):
            return str(column)
    return None


def infer_relations(table: str, frame: pd.DataFrame, counts: Sequence[str]) -> list[Relation]:
    """The relations a reader sees in one table: a total row (labelled "Total" or "All" in the
    first text column) is the sum of the other rows, column by column; a column named
    ``total`` (or ``*_total``, ``all_*``) is the sum of the other count columns, row by row.

    Only columns in ``counts`` take part.
    """
    relations: list[Relation] = []
    label = _label_column(frame, counts)
    total_rows = (
        [] if label is None else [i for i, v in enumerate(frame[label]) if is_total_label(v)]
    )
    others = [i for i in range(len(frame)) if i not in total_rows]
    total_cols = [c for c in counts if re.search(r"(^|_)total$|^total_|^all_", c, re.IGNORECASE)]
    part_cols = [c for c in counts if c not in total_cols]
    for r in total_rows:
        for c in counts:
            relations.append(Relation((table, r, c), tuple((table, i, c) for i in others)))
    if len(total_cols) == 1 and part_cols:
        t = total_cols[0]
        for r in range(len(frame)):
            relations.append(Relation((table, r, t), tuple((table, r, c) for c in part_cols)))
    return relations


def _number(value: object) -> float | None:
    """A published cell as a number, or None for a suppressed or empty cell."""
    if value is None or (isinstance(value, float) and np.isnan(value)):
        return None
    if isinstance(value, int | float | np.integer | np.floating):
        return float(value)
    text = str(value).strip().replace(",", "")
    if text in ("", SUPPRESSED):
        return None
    try:
        return float(text)
    except ValueError:
        return None


def feasible_intervals(
    cells: Iterable[Cell],
    relations: Iterable[Relation],
    published: Mapping[Cell, float],
) -> pd.DataFrame:
    """Each unknown cell's feasible interval: the interval (linear programming) attack.

    Parameters
    ----------
    cells : iterable of Cell
        The suppressed cells.
    relations : iterable of Relation
        ``total = sum(parts)``; cells in them are either in ``cells`` or in ``published``.
    published : mapping of Cell to float
        The values a reader sees. A cell of a relation that is in neither ``cells`` nor
        ``published`` is treated as unknown too.

    Returns
    -------
    pandas.DataFrame
        One row per cell in ``cells``: ``table``, ``row``, ``column``, ``lower`` and ``upper``
        (the smallest and largest value consistent with everything published, non-negative,
        rounded inwards to whole numbers; ``upper`` is ``inf`` when nothing bounds it) and
        ``width`` (``upper - lower``).

    Raises
    ------
    DisclosureError
        When the relations contradict the published values (no non-negative solution).

    Examples
    --------
    >>> rel = [Relation(("t", 2, "n"), (("t", 0, "n"), ("t", 1, "n")))]
    >>> iv = feasible_intervals([("t", 0, "n"), ("t", 1, "n")], rel, {("t", 2, "n"): 12})
    >>> iv[["lower", "upper", "width"]].values.tolist()
    [[0.0, 12.0, 12.0], [0.0, 12.0, 12.0]]
    """
    targets = list(dict.fromkeys(cells))
    relations = list(relations)
    unknown = list(targets)
    for rel in relations:
        for c in rel.cells():
            if c not in published and c not in unknown:
                unknown.append(c)
    index = {c: i for i, c in enumerate(unknown)}
    rows, rhs = [], []
    for rel in relations:
        coef = np.zeros(len(unknown))
        const = 0.0
        for c, sign in [(rel.total, -1.0)] + [(p, 1.0) for p in rel.parts]:
            if c in index:
                coef[index[c]] += sign
            else:
                const += sign * float(published[c])
        if coef.any():
            rows.append(coef)
            rhs.append(-const)
        elif abs(const) > 1e-6:
            raise DisclosureError(
                f"published values contradict a relation: {cell_name(rel.total)} is not the "
                "sum of its parts"
            )
    out = []
    a_eq = np.array(rows) if rows else None
    b_eq = np.array(rhs) if rows else None
    for c in targets:
        i = index[c]
        if a_eq is None or not a_eq[:, i].any():
            lo, hi = 0.0, float("inf")
        else:
            lo, hi = _bound(a_eq, b_eq, i, 1.0), _bound(a_eq, b_eq, i, -1.0)
        out.append({"table": c[0], "row": c[1], "column": c[2], "lower": lo, "upper": hi})
    frame = pd.DataFrame(out, columns=["table", "row", "column", "lower", "upper"])
    frame["lower"] = frame["lower"].astype(float)
    frame["upper"] = frame["upper"].astype(float)
    frame["width"] = frame["upper"] - frame["lower"]
    return frame


def interval_rows(iv: pd.DataFrame) -> list[tuple[Cell, float, float, float]]:
    """The rows of :func:`feasible_intervals`'s frame as ``(cell, lower, upper, width)``."""
    return [
        ((str(t), int(r), str(c)), float(lo), float(hi), float(w))
        for t, r, c, lo, hi, w in zip(
            iv.table.tolist(),
            iv.row.tolist(),
            iv.column.tolist(),
            iv.lower.tolist(),
            iv.upper.tolist(),
            iv.width.tolist(),
            strict=True,
        )
    ]


def _bound(a_eq: np.ndarray, b_eq: Any, i: int, sense: float) -> float:
    """min (sense=1) or max (sense=-1) of x_i over the polytope, rounded inwards to integers."""
    c = np.zeros(a_eq.shape[1])
    c[i] = sense
    res = linprog(c, A_eq=a_eq, b_eq=b_eq, bounds=(0, None), method="highs")
    if res.status == 3:  # unbounded: only possible when maximising
        return float("inf")
    if res.status != 0:
        raise DisclosureError(
            "the published values and relations have no non-negative solution "
            f"(linear programme status {res.status}: {res.message})"
        )
    value = float(res.x[i])
    # Counts are whole numbers: the integer bounds lie inside the LP bounds.
    bound = np.ceil(value - 1e-6) if sense > 0 else np.floor(value + 1e-6)
    return float(bound) + 0.0  # + 0.0: no negative zero


@dataclass
class Suppression:
    """The result of :func:`suppress`.

    tables
        Each table as published: suppressed cells replaced by :data:`SUPPRESSED`.
    cells
        One row per suppressed cell: ``table``, ``row``, ``column``, ``label`` (the row's
        label), ``value`` (the true value: never publish this frame), ``reason`` (``primary``:
        under the threshold; ``secondary``: chosen so that a primary cell cannot be
        recovered), ``protects`` (for secondary cells, the cell it was chosen for), ``lower``,
        ``upper``, ``width`` (its feasible interval against everything published).
    relations
        Every relation the attack used (inferred totals and declared ones).
    people
        Table -> the columns treated as counts about people.
    """

    tables: dict[str, pd.DataFrame]
    cells: pd.DataFrame
    relations: list[Relation]
    people: dict[str, list[str]]
    threshold: int
    protection: float
    suppress_zeros: bool = False
    notes: list[str] = field(default_factory=list)

    def suppressed(self, table: str) -> set[tuple[int, str]]:
        """``(row, column)`` of the suppressed cells of one table."""
        sub = self.cells[self.cells.table == table]
        return set(zip(sub.row.astype(int), sub.column, strict=True))

    def declaration(self) -> dict[str, Any]:
        """What the build declares for the independent checker (``tables/relations.json``):
        threshold, protection range, people-count columns and relations. Never which cells
        were suppressed or their values: the checker decides that from the tables alone."""
        return {
            "marker": SUPPRESSED,
            "threshold": self.threshold,
            "protection": self.protection,
            "suppress_zeros": self.suppress_zeros,
            "people_columns": self.people,
            "relations": [r.to_json() for r in self.relations],
        }


def suppress(
    tables: Mapping[str, pd.DataFrame] | pd.DataFrame,
    people: Mapping[str, Sequence[str]] | None = None,
    relations: Iterable[Relation] = (),
    threshold: int = DEFAULT_THRESHOLD,
    protection: float | None = None,
    suppress_zeros: bool = False,
) -> Suppression:
    """Suppress small counts about people, then enough other cells to protect them.

    Parameters
    ----------
    tables : mapping of str to DataFrame, or DataFrame
        The report's tables by name (a single frame is called ``"table"``).
    people : mapping of str to list of str, optional
        Table -> columns holding counts about people. Default: :func:`people_columns`.
    relations : iterable of Relation
        Relations declared by the report beyond the totals inside each table (a total shown
        in another table, a number in a sentence); the totals a reader sees inside a table
        (:func:`infer_relations`) are always added.
    threshold : int
        Counts from 1 to ``threshold - 1`` are suppressed (primary suppression). Zeros are
        published unless ``suppress_zeros``: "no one" is a count about no person, and the
        ONS convention publishes them; an analyst who fears attribute disclosure from a zero
        (every victim in a group is of one kind) sets it.
    protection : float, optional
        The protection range: every suppressed cell's feasible interval must be at least this
        wide. Default: ``threshold``.
    suppress_zeros : bool

    Returns
    -------
    Suppression

    Notes
    -----
    Secondary cells are chosen greedily, one at a time, until every suppressed cell is
    protected. For the first unprotected cell, the candidates are the published cells of the
    relations it belongs to (and of relations reached through other suppressed cells), nearest
    and most constraining first, up to 24. Each is tried with the attack: among those that
    would protect the cell, the one losing least information is suppressed (an inner cell
    before a total, then the smallest value); if none would, the one that widens the cell's
    interval most. A cell that another table repeats (a relation with a single part) is
    suppressed together with its copies. The attack is then run again over the whole report,
    so protection holds across tables.
    """
    frames = {"table": tables} if isinstance(tables, pd.DataFrame) else dict(tables)
    protect = float(threshold if protection is None else protection)
    cols = {
        name: list(people[name]) if people and name in people else people_columns(f)
        for name, f in frames.items()
    }
    all_relations = list(relations)
    for name, f in frames.items():
        all_relations += infer_relations(name, f, cols[name])
    values: dict[Cell, float] = {}
    labels: dict[Cell, str] = {}
    for name, f in frames.items():
        label = _label_column(f, cols[name])
        for column in cols[name]:
            for r, v in enumerate(f[column]):
                x = _number(v)
                if x is not None:
                    values[(name, r, column)] = x
                    labels[(name, r, column)] = "" if label is None else str(f[label].iloc[r])
    for rel in all_relations:
        for c in rel.cells():
            if c not in values:
                raise DisclosureError(f"a relation names {cell_name(c)}, which holds no count")

    # Primary suppression
    reason: dict[Cell, str] = {}
    protects: dict[Cell, str] = {}
    for c, v in values.items():
        if 0 < v < threshold or (suppress_zeros and v == 0):
            reason[c] = "primary"

    # Secondary suppression: attack, protect the first exposed cell, attack again
    by_cell: dict[Cell, list[Relation]] = {}
    for rel in all_relations:
        for c in rel.cells():
            by_cell.setdefault(c, []).append(rel)
    while True:
        published = {c: v for c, v in values.items() if c not in reason}
        iv = feasible_intervals(list(reason), all_relations, published)
        exposed = [c for c, _, _, width in interval_rows(iv) if width < protect]
        if not exposed:
            break
        for c in exposed:
            chosen = _complement(c, reason, by_cell, values, protect, all_relations)
            if chosen:
                for extra in chosen:
                    reason[extra] = "secondary"
                    protects[extra] = cell_name(c, labels.get(c))
                break
        else:  # pragma: no cover - suppressing every related cell always protects
            raise DisclosureError(
                f"could not protect {cell_name(exposed[0])}: every related cell is suppressed"
            )

    # Results
    out_tables = {}
    for name, f in frames.items():
        shown = f.copy()
        for t, r, column in reason:
            if t == name:
                shown[column] = shown[column].astype(object)
                shown.loc[shown.index[r], column] = SUPPRESSED
        out_tables[name] = shown
    keys = [c for c, _, _, _ in interval_rows(iv)]
    cells = iv.assign(
        label=[labels.get(k, "") for k in keys],
        value=[values[k] for k in keys],
        reason=[reason[k] for k in keys],
        protects=[protects.get(k, "") for k in keys],
    )[["table", "row", "column", "label", "value", "reason", "protects", "lower", "upper",
       "width"]]  # fmt: skip
    cells["row"] = cells["row"].astype("int64")
    return Suppression(
        tables=out_tables,
        cells=cells.reset_index(drop=True),
        relations=all_relations,
        people=cols,
        threshold=threshold,
        protection=protect,
        suppress_zeros=suppress_zeros,
    )


def _complement(
    cell: Cell,
    suppressed: Mapping[Cell, str],
    by_cell: Mapping[Cell, list[Relation]],
    values: Mapping[Cell, float],
    protect: float,
    relations: Sequence[Relation],
) -> list[Cell]:
    """The published cells to suppress next to protect ``cell`` (see :func:`suppress`): one
    cell and its copies (cells a relation with a single part makes equal to it)."""
    # Relations reachable from the cell through suppressed cells, nearest first
    seen_rel: list[Relation] = []
    frontier, seen = [cell], {cell}
    while frontier:
        level: list[Relation] = []
        for c in frontier:
            for rel in by_cell.get(c, []):
                if rel not in seen_rel and rel not in level:
                    level.append(rel)
        level.sort(key=lambda r: sum(1 for c in r.cells() if c in suppressed))
        seen_rel += level
        frontier = []
        for rel in level:
            for c in rel.cells():
                if c in suppressed and c not in seen:
                    seen.add(c)
                    frontier.append(c)
    # Candidates: inner cells before totals, nearest relations first
    candidates: list[Cell] = []
    for rel in seen_rel:
        for c in (*rel.parts, rel.total):
            if c not in suppressed and c not in candidates:
                candidates.append(c)
    candidates = candidates[:_MAX_CANDIDATES]
    if not candidates:
        return []
    # The same number shown twice (a total repeated in another table) goes with its copies
    copies: dict[Cell, set[Cell]] = {}
    for rel in relations:
        if len(rel.parts) == 1:
            a, b = rel.total, rel.parts[0]
            group = copies.get(a, {a}) | copies.get(b, {b})
            for c in group:
                copies[c] = group

    def group_of(c: Cell) -> list[Cell]:
        return sorted(x for x in copies.get(c, {c}) if x not in suppressed)

    # Try each: the least information lost among those that protect the cell, else the one
    # that widens its interval most
    def width_after(extra: list[Cell]) -> float:
        published = {c: v for c, v in values.items() if c not in suppressed and c not in extra}
        iv = feasible_intervals([cell, *extra], relations, published)
        return float(iv.width.iloc[0])

    totals = {rel.total for rel in seen_rel}
    scored = [(width_after(group_of(c)), c in totals, values[c], c) for c in candidates]
    enough = [s for s in scored if s[0] >= protect]
    if enough:
        return group_of(min(enough, key=lambda s: (s[1], s[2]))[3])
    return group_of(max(scored, key=lambda s: (s[0], not s[1], -s[2]))[3])
