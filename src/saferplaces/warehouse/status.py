"""What the warehouse holds: months by kind and force, quarantine, placement, geography."""

from __future__ import annotations

from typing import Any

import duckdb
import pandas as pd
from rich.console import Console
from rich.table import Table

from saferplaces.settings import Settings
from saferplaces.warehouse.schema import EXTRACT_TABLES, PARTNER_TABLES, POLICE_TABLES

__all__ = ["print_quarantine", "print_status", "quarantine_rows", "warehouse_status"]


def _rows(con: duckdb.DuckDBPyConnection, sql: str, params: list | None = None) -> list[dict]:
    cur = con.execute(sql, params or [])
    names = [d[0] for d in cur.description]
    return [dict(zip(names, r, strict=True)) for r in cur.fetchall()]


def warehouse_status(con: duckdb.DuckDBPyConnection, settings: Settings) -> dict[str, Any]:
    """A JSON-ready summary of the warehouse.

    Keys: ``workspace`` (name, area), ``partitions`` (per kind and force: first and last month,
    months held, months missing in between, rows), ``tables`` (row counts), ``ingest`` (files by
    status, failed files), ``quarantine`` (rows by reason), ``placement`` (rows by ``placed_by``
    per table), ``geography`` (what is loaded), ``localities`` (names defined).
    """
    partitions = _rows(
        con,
        """
        SELECT kind, force, strftime(min(month), '%Y-%m') AS first_month,
               strftime(max(month), '%Y-%m') AS last_month, count(*) AS months,
               (date_diff('month', min(month), max(month)) + 1 - count(*))::INTEGER
                   AS months_missing,
               sum(rows)::BIGINT AS rows
        FROM partition GROUP BY kind, force ORDER BY kind, force
        """,
    )
    data_tables = (*POLICE_TABLES, *EXTRACT_TABLES, *PARTNER_TABLES)
    tables = {t: _scalar(con, f"SELECT count(*) FROM {t}") for t in (*data_tables, "quarantine")}
    synthetic = {
        t: n
        for t in data_tables
        if "synthetic" in _columns(con, t)
        and (n := _scalar(con, f"SELECT count(*) FROM {t} WHERE synthetic"))
    }
    ingest = {
        r["status"]: r["files"]
        for r in _rows(con, "SELECT status, count(*) AS files FROM ingest_log GROUP BY status")
    }
    failed = _rows(
        con,
        """
        SELECT file, message, strftime(ingested_at, '%Y-%m-%d %H:%M') AS at FROM ingest_log
        WHERE status = 'failed' ORDER BY ingest_id DESC LIMIT 20
        """,
    )
    quarantine = _rows(
        con,
        """
        SELECT reason, count(*) AS rows, count(DISTINCT file) AS files, any_value(detail) AS example
        FROM quarantine GROUP BY reason ORDER BY rows DESC
        """,
    )
    placement = {
        t: {
            str(r["placed_by"]): r["rows"]
            for r in _rows(
                con, f"SELECT placed_by, count(*) AS rows FROM {t} GROUP BY 1 ORDER BY 1"
            )
        }
        for t in POLICE_TABLES
    }
    geography = {
        "lsoa": _rows(
            con,
            "SELECT vintage, count(*) AS lsoas, count(DISTINCT lad_code) AS local_authorities, "
            "round(sum(area_km2), 1) AS area_km2 FROM lsoa GROUP BY vintage ORDER BY vintage",
        ),
        "wards": _scalar(con, "SELECT count(*) FROM ward"),
        "lsoa_ward": _scalar(con, "SELECT count(*) FROM lsoa_ward"),
        "lsoa_lookup": _scalar(con, "SELECT count(*) FROM lsoa_lookup"),
        "population": _rows(
            con,
            "SELECT vintage, year, count(*) AS lsoas, round(sum(residents)) AS residents "
            "FROM population GROUP BY vintage, year ORDER BY year, vintage",
        ),
        "imd": _scalar(con, "SELECT count(*) FROM imd"),
    }
    return {
        "workspace": {
            "name": settings.name,
            "area": settings.area.model_dump(),
            "vintage": settings.geography.vintage,
        },
        "partitions": partitions,
        "tables": tables,
        "synthetic": synthetic,
        "ingest": {"files": ingest, "failed": failed},
        "quarantine": quarantine,
        "placement": placement,
        "geography": geography,
        "localities": sorted(settings.localities),
    }


def _columns(con: duckdb.DuckDBPyConnection, table: str) -> set[str]:
    rows = con.execute(
        "SELECT column_name FROM duckdb_columns() WHERE table_name = ?", [table]
    ).fetchall()
    return {r[0] for r in rows}


def _scalar(con: duckdb.DuckDBPyConnection, sql: str) -> int:
    row = con.execute(sql).fetchone()
    return int(row[0]) if row and row[0] is not None else 0


def print_status(st: dict[str, Any], console: Console) -> None:
    """Print :func:`warehouse_status` as Rich tables."""
    ws = st["workspace"]
    console.print(
        f"[bold]{ws['name']}[/]: {ws['area']['name']} ({ws['area']['code']}), "
        f"{ws['area'].get('police_force') or 'force unknown'}; LSOA vintage {ws['vintage']}"
    )
    t = Table(title="Police data by kind and force")
    for c in ("kind", "force", "first", "last", "months", "missing", "rows"):
        t.add_column(c, justify="right" if c in ("months", "missing", "rows") else "left")
    for p in st["partitions"]:
        t.add_row(
            p["kind"], p["force"], p["first_month"], p["last_month"], str(p["months"]),
            str(p["months_missing"]), f"{p['rows']:,}",
        )  # fmt: skip
    if not st["partitions"]:
        t.add_row("(none yet: `saferplaces ingest police-uk PATH`)", "", "", "", "", "", "")
    console.print(t)
    if st["synthetic"]:
        shown = ", ".join(f"{k} {v:,}" for k, v in st["synthetic"].items())
        console.print(f"[bold yellow]SYNTHETIC DATA[/] in this warehouse: {shown} rows")
    tables = ", ".join(f"{k} {v:,}" for k, v in st["tables"].items() if v or k in POLICE_TABLES)
    console.print(f"Rows: {tables}")
    files = st["ingest"]["files"]
    if files:
        console.print("Files: " + ", ".join(f"{v} {k}" for k, v in sorted(files.items())))
    if files.get("loading"):
        console.print(
            f"  [yellow]loading[/] {files['loading']} file(s) of an extract ingest that stopped "
            "before it finished: no view shows their rows, and the next command that writes to "
            "the warehouse removes them",
            highlight=False,
        )
    for f in st["ingest"]["failed"][:5]:
        console.print(f"  [red]failed[/] {f['message']}", highlight=False)

    if st["quarantine"]:
        q = Table(title="Quarantine by reason (`saferplaces quarantine show --reason CODE`)")
        for c in ("reason", "rows", "files", "example"):
            q.add_column(c, justify="right" if c in ("rows", "files") else "left")
        for r in st["quarantine"]:
            q.add_row(r["reason"], f"{r['rows']:,}", str(r["files"]), r["example"])
        console.print(q)
    else:
        console.print("Quarantine: empty (every row read was loaded)")

    pl = Table(title="Placement on loaded boundaries (placed_by)")
    labels = ["code", "lookup", "point", "outside", "unplaced", "None"]
    pl.add_column("table")
    for label in labels:
        pl.add_column("not resolved" if label == "None" else label, justify="right")
    for table, counts in st["placement"].items():
        if counts:
            pl.add_row(table, *[f"{counts.get(label, 0):,}" for label in labels])
    console.print(pl)

    g = st["geography"]
    lsoas = "; ".join(
        f"LSOA {r['vintage']}: {r['lsoas']:,} ({r['local_authorities']} local authorities, "
        f"{r['area_km2']:,} km²)"
        for r in g["lsoa"]
    )
    pops = "; ".join(
        f"{r['year']} (LSOA {r['vintage']}): {r['lsoas']:,} LSOAs, {r['residents']:,.0f} residents"
        for r in g["population"]
    )
    console.print(f"Boundaries: {lsoas or 'none loaded (`saferplaces geography load lsoa FILE`)'}")
    console.print(
        f"Wards: {g['wards']}; LSOA-ward rows: {g['lsoa_ward']}; LSOA11-LSOA21 lookup rows: "
        f"{g['lsoa_lookup']}; IMD rows: {g['imd']:,}"
    )
    console.print(f"Population: {pops or 'none loaded'}")
    if st["localities"]:
        console.print("Localities: " + ", ".join(st["localities"]))


def quarantine_rows(
    con: duckdb.DuckDBPyConnection,
    reason: str | None = None,
    file: str | None = None,
    limit: int = 50,
) -> pd.DataFrame:
    """Quarantined rows, newest ingest first.

    Columns: file, line, reason, detail, raw, ingest_id.
    """
    where, params = [], []
    if reason:
        where.append("reason = ?")
        params.append(reason)
    if file:
        where.append("contains(file, ?)")
        params.append(file)
    sql = (
        "SELECT file, line, reason, detail, raw, ingest_id FROM quarantine"
        + (" WHERE " + " AND ".join(where) if where else "")
        + " ORDER BY ingest_id DESC, file, line"
        + (f" LIMIT {int(limit)}" if limit > 0 else "")
    )
    return con.execute(sql, params).df()


def print_quarantine(frame: pd.DataFrame, console: Console) -> None:
    if frame.empty:
        console.print("No quarantined rows match.")
        return
    t = Table(title=f"Quarantined rows ({len(frame)} shown)", show_lines=True)
    for c in ("file", "line", "reason", "detail", "raw"):
        t.add_column(c, overflow="fold")
    for r in frame.itertuples(index=False):
        t.add_row(str(r.file).split("/")[-1], str(r.line), str(r.reason), str(r.detail), str(r.raw))
    console.print(t)
