"""Build the strategic assessment: one self-contained HTML file and a CSV of every table.

``build_assessment`` runs the analyses for the workspace's area and period, turns their frames
into sections (:mod:`saferplaces.report.sections`), renders them with the Jinja2 template in
``templates/`` (inline CSS and SVG, no external URL) and writes:

- ``assessment.html``;
- ``tables/<key>.csv`` for every table shown and for the data behind every figure.

Only the partnership edition exists so far; the public edition (disclosure control) and the PDF
come with the rest of issue #7.
"""

from __future__ import annotations

import time
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import duckdb
import jinja2
import pandas as pd

import saferplaces
from saferplaces.analysis.base import DEFAULT_SCHEME, Scope, make_scope
from saferplaces.analysis.domestic_abuse import domestic_abuse
from saferplaces.analysis.exploitation import exploitation
from saferplaces.analysis.hotspots import hotspot_table
from saferplaces.analysis.locality import locality_profile
from saferplaces.analysis.places import places
from saferplaces.analysis.profile import borough_profile
from saferplaces.analysis.trends import trends
from saferplaces.errors import SaferplacesError
from saferplaces.geo.localities import locality_lsoas
from saferplaces.periods import Period
from saferplaces.report import public, sections
from saferplaces.report.maps import lsoa_geometries
from saferplaces.report.parts import Section
from saferplaces.warehouse.status import warehouse_status
from saferplaces.workspace import Workspace

__all__ = [
    "EDITIONS",
    "AssessmentResult",
    "build_assessment",
    "ingest_sources",
    "synthetic_inputs",
    "synthetic_rows",
]

EDITIONS = ("partnership", "public")
# The share of LSOAs candidate localities are drawn from (the places default).
TOP_SHARE = 0.2


@dataclass(frozen=True)
class AssessmentResult:
    """What :func:`build_assessment` wrote.

    html
        ``assessment.html``.
    tables
        Every CSV written under ``tables/`` (tables shown, then figure data).
    synthetic
        True when any row the report is built from is synthetic (the report then carries the
        banner; see :func:`synthetic_inputs`).
    seconds
        Wall time of the build.
    """

    html: Path
    tables: tuple[Path, ...]
    period: str
    edition: str
    synthetic: bool
    seconds: float


def synthetic_rows(con: duckdb.DuckDBPyConnection) -> dict[str, int]:
    """Synthetic rows per warehouse table that has a ``synthetic`` column (tables with none
    left out), e.g. ``{"crime": 15388, "ingest_log": 12}``."""
    tables = [
        r[0]
        for r in con.execute(
            "SELECT DISTINCT table_name FROM information_schema.columns "
            "WHERE column_name = 'synthetic' AND table_schema = 'main' ORDER BY 1"
        ).fetchall()
    ]
    out = {}
    for table in tables:
        row = con.execute(f'SELECT count(*) FROM "{table}" WHERE synthetic').fetchone()
        if row and row[0]:
            out[table] = int(row[0])
    return out


def synthetic_inputs(con: duckdb.DuckDBPyConnection, scope: Scope) -> dict[str, int]:
    """Synthetic rows among the report's inputs, by table (tables with none left out).

    The inputs are the crimes and ASB incidents placed in the area in the period, and the
    ingest-log files holding the period's months. Synthetic rows of other periods or areas (a
    demo workspace holds a synthetic borough beside real files) do not make a real report
    synthetic; the methods section still counts them.
    """
    out = {}
    for table in ("crime", "asb"):
        row = con.execute(
            f"SELECT count(*) FROM {table} WHERE synthetic "
            f"AND lsoa IN (SELECT lsoa FROM scope_lsoa) AND {scope.month_filter()}"
        ).fetchone()
        if row and row[0]:
            out[table] = int(row[0])
    months = [f"{d:%Y-%m}" for d in scope.period.month_starts()]
    row = con.execute(
        "SELECT count(*) FROM ingest_log WHERE synthetic AND status <> 'superseded' "
        "AND list_has_any(months, ?)",
        [months],
    ).fetchone()
    if row and row[0]:
        out["ingest_log"] = int(row[0])
    return out


def ingest_sources(con: duckdb.DuckDBPyConnection, period: Period) -> pd.DataFrame:
    """The ingest log's files for the period's months (and failed files), newest last.

    Columns: ``file`` (name only), ``kind``, ``force``, ``first_month``, ``last_month``,
    ``rows_read``, ``rows_loaded``, ``rows_quarantined``, ``status``, ``sha256`` (first 12
    characters), ``synthetic``.
    """
    months = [f"{d:%Y-%m}" for d in period.month_starts()]
    frame = con.execute(
        """
        SELECT regexp_extract(file, '[^/\\\\]+$') AS file, kind, force,
               list_min(months) AS first_month, list_max(months) AS last_month,
               rows_read, rows_loaded, rows_quarantined, status, left(sha256, 12) AS sha256,
               synthetic
        FROM ingest_log
        WHERE status <> 'superseded' AND (status = 'failed' OR list_has_any(months, ?))
        ORDER BY ingest_id
        """,
        [months],
    ).df()
    return frame


def _configured_lsoas(
    con: duckdb.DuckDBPyConnection, ws: Workspace, area_lsoas: set[str]
) -> dict[str, list[str]]:
    """Each configured locality's LSOAs within the area (localities with none left out)."""
    out = {}
    for name in ws.settings.localities:
        inside = sorted(set(locality_lsoas(con, ws.settings, name)) & area_lsoas)
        if inside:
            out[name] = inside
    return out


def _sections(ws: Workspace, period: Period | str | None, scheme: str) -> dict[str, object]:
    """Run the analyses and assemble the sections (read-only on the warehouse)."""
    with ws.connect(read_only=True) as con:
        # Analyses
        scope = make_scope(con, ws.settings, period, scheme)
        profile = borough_profile(con, scope)
        pl = places(con, scope, top_share=TOP_SHARE)
        configured = _configured_lsoas(con, ws, set(scope.lsoas))
        profiles = {
            name: locality_profile(con, scope, name, lsoas) for name, lsoas in configured.items()
        }
        geoms = lsoa_geometries(con, scope.vintage, scope.lsoas)
        status = warehouse_status(con, ws.settings)
        sources = ingest_sources(con, scope.period)
        synthetic = synthetic_inputs(con, scope)
        everywhere = synthetic_rows(con)
        themes = _theme_analyses(con, ws, scope)
    # Sections, in the seed strategy's order
    body: list[Section] = [
        sections.context_section(profile, scope),
        sections.priorities_section(pl, scope, configured, TOP_SHARE, themes["ranking"]),
        sections.domestic_abuse_section(themes["da"], scope),
        sections.child_exploitation_section(themes["ce"], scope),
        sections.localities_section(pl, scope, profiles, configured, geoms),
        sections.monitoring_section(themes["trends"], themes["hot"], geoms, configured, scope),
        sections.methods_section(scope, pl, status, sources, everywhere),
    ]
    return {
        "partnership": ws.settings.name,
        "area_name": scope.area_name,
        "period": scope.period,
        "harm_label": scope.harm_label,
        "sections": body,
        "synthetic": synthetic,
    }


# -- theme and monitoring analyses (DA, CE, trends, hot spots; issue #7 sections) -------------


def _partner_period(
    con: duckdb.DuckDBPyConnection, table: str, first: str, last: str, period: Period
) -> Period | None:
    """The months of ``period`` that partner table ``table`` holds (its first to its last held
    month inside the period), or None when it holds none: partners report on their own
    timescales, so charts start and end with their data rather than with empty months."""
    row = con.execute(
        f"SELECT min({first}), max({last}) FROM {table} "
        f"WHERE {last} >= DATE '{period.start}' AND {first} <= DATE '{period.end}'"
    ).fetchone()
    if not row or row[0] is None:
        return None
    start = max(pd.Timestamp(row[0]), pd.Timestamp(period.start))
    end = min(pd.Timestamp(row[1]), pd.Timestamp(period.end))
    return Period.parse(f"{start:%Y-%m}..{end:%Y-%m}")


def _theme_analyses(con: duckdb.DuckDBPyConnection, ws: Workspace, scope: Scope) -> dict[str, Any]:
    """Domestic abuse, child exploitation, their ranking, emerging issues and Gi* hot spots."""
    da = domestic_abuse(
        con,
        scope,
        service_period=_partner_period(con, "partner_da_service", "month", "month", scope.period),
        marac_period=_partner_period(con, "partner_marac", "month", "month", scope.period),
    )
    ce = exploitation(
        con,
        scope,
        cohort_period=_partner_period(
            con,
            "partner_ce_cohort",
            "start_date",
            f"coalesce(end_date, DATE '{scope.period.end}')",  # open cases run to the end
            scope.period,
        ),
    )
    return {
        "da": da,
        "ce": ce,
        "ranking": sections.theme_ranking(da, ce),
        "trends": trends(con, scope, ws.settings, levels=("area", "locality", "ward")),
        "hot": hotspot_table(con, scope, "count"),
    }


def _environment() -> jinja2.Environment:
    return jinja2.Environment(
        loader=jinja2.PackageLoader("saferplaces.report", "templates"),
        autoescape=jinja2.select_autoescape(["html", "j2"]),
        trim_blocks=True,
        lstrip_blocks=True,
        undefined=jinja2.StrictUndefined,
    )


def render_html(context: Mapping[str, object], edition: str) -> str:
    """The assessment's HTML from assembled sections (see :func:`build_assessment`)."""
    env = _environment()
    css = env.loader.get_source(env, "assessment.css")[0] if env.loader else ""
    return env.get_template("assessment.html.j2").render(
        **context,
        edition=edition,
        css=css,
        version=saferplaces.__version__,
        generated=datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC"),
    )


def build_assessment(
    ws: Workspace,
    period: Period | str | None = None,
    out: Path | None = None,
    edition: str = "partnership",
    scheme: str = DEFAULT_SCHEME,
) -> AssessmentResult:
    """Build the strategic assessment for the workspace's area.

    Parameters
    ----------
    ws : Workspace
    period : Period or str, optional
        Default: the latest 12 months held.
    out : Path, optional
        Folder to write to (default: ``reports/assessment-<period>`` in the workspace). Files
        already there with the same names are replaced.
    edition : {"partnership", "public"}
        ``partnership``: not for publication. ``public``: tables and figures that may not be
        published are withheld and small counts about people suppressed
        (:mod:`saferplaces.report.public`); the build then runs the independent disclosure
        checker and fails (:class:`saferplaces.disclosure.DisclosureError`) on any violation.
    scheme : str
        The harm scheme (see ``saferplaces harm list``).

    Returns
    -------
    AssessmentResult
    """
    start = time.perf_counter()
    if edition not in EDITIONS:
        raise SaferplacesError(f"edition '{edition}' is not one of {', '.join(EDITIONS)}")
    context = _sections(ws, period, scheme)
    # Public edition: withhold and suppress before anything is written (report/public.py)
    suppression = None
    if edition == "public":
        context, suppression, _ = public.public_context(context)
    period_obj = context["period"]
    assert isinstance(period_obj, Period)
    folder = Path(out) if out else ws.reports_dir / f"assessment-{period_obj}".replace("..", "_")
    tables_dir = folder / "tables"
    tables_dir.mkdir(parents=True, exist_ok=True)
    # A rebuild replaces the tables of the previous build, so tables/ matches the report.
    for old in tables_dir.glob("*.csv"):
        old.unlink()
    (tables_dir / "relations.json").unlink(missing_ok=True)  # a public edition's declaration

    # Tables shown, then the data behind each figure
    frames: dict[str, pd.DataFrame] = {}
    body = context["sections"]
    assert isinstance(body, list)
    for section in body:
        for table in section.all_tables():
            _add(frames, table.csv_path, table.frame)
    for section in body:
        for figure in section.all_figures():
            if figure.data is not None and figure.csv_path:
                _add(frames, figure.csv_path, figure.data)
    written = []
    for rel, frame in frames.items():
        frame.to_csv(folder / rel, index=False)
        written.append(folder / rel)

    html = folder / "assessment.html"
    text = render_html(context, edition)
    if suppression is not None:
        text = public.public_html(text, suppression.threshold)
    html.write_text(text, encoding="utf-8")
    if suppression is not None:
        public.verify_public(folder, suppression)  # the independent checker; raises on a leak
    return AssessmentResult(
        html=html,
        tables=tuple(written),
        period=str(period_obj),
        edition=edition,
        synthetic=bool(context["synthetic"]),
        seconds=time.perf_counter() - start,
    )


def _add(frames: dict[str, pd.DataFrame], rel: str, frame: pd.DataFrame) -> None:
    # Two localities whose names slug alike would otherwise overwrite each other's tables.
    if rel in frames:
        raise SaferplacesError(f"two tables in the report would both be written to {rel}")
    frames[rel] = frame
