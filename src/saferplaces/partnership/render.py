"""The partnership plan as one self-contained HTML file (``saferplaces strategy render``).

Sections: vision and principles; partners and responsible authorities; the governance diagram
generated from the model (:mod:`saferplaces.partnership.governance`, inline SVG); priorities with
their evidence figures from the warehouse (through the KPI metric registry,
:mod:`saferplaces.partnership.metrics`: each place priority's localities with their share of the
area's crime and harm, the harm scheme's label beside every harm figure; the borough profile for
the monitoring priority), their objectives and KPIs; the alignment table; programmes and funding.
CSS is inline and nothing is fetched from the network.

The PDF the issue asks for is to be made "with the same machinery as the assessment", which has
no PDF yet; only HTML is written for now.
"""

from __future__ import annotations

import datetime as dt
import math
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import jinja2
from sqlalchemy.orm import Session

import saferplaces
from saferplaces.errors import SaferplacesError
from saferplaces.partnership.document import read_strategy
from saferplaces.partnership.governance import governance_svg
from saferplaces.partnership.kpis import kpi_rows
from saferplaces.partnership.metrics import Evidence, period_months
from saferplaces.partnership.services import get_strategy
from saferplaces.periods import Period
from saferplaces.workspace import Workspace

__all__ = [
    "HTML_NAME",
    "LOCALITY_EVIDENCE",
    "PROFILE_EVIDENCE",
    "RenderResult",
    "build_plan",
    "plan_context",
    "priority_evidence",
    "render_plan_html",
]

HTML_NAME = "partnership-plan.html"
TEMPLATES = Path(__file__).resolve().parent / "templates"
# Figures shown for each locality of a place priority, and for the borough (monitoring).
LOCALITY_EVIDENCE = ("locality.crimes", "locality.share_of_crime", "locality.share_of_harm")
PROFILE_EVIDENCE = ("profile.crimes", "profile.rate_per_1000", "profile.harm_per_1000")
HEADINGS = {
    "locality.crimes": "Crimes",
    "locality.share_of_crime": "Share of the area's crime",
    "locality.share_of_harm": "Share of the area's harm",
    "profile.crimes": "Crimes",
    "profile.rate_per_1000": "Crimes per 1,000 residents",
    "profile.harm_per_1000": "Harm per 1,000 residents",
}


@dataclass(frozen=True)
class RenderResult:
    """What :func:`build_plan` wrote; ``period`` is None when no evidence could be computed
    (``evidence_note`` says why)."""

    html: Path
    strategy: str
    period: str | None
    evidence_note: str | None
    synthetic: bool
    pdf: Path | None = None  # written when asked for (headless Chromium, as the assessment)


def _fmt(value: float | None, metric: str) -> str:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "n/a"
    column = metric.split(".", 1)[1]
    if column.startswith("share_of") or column == "share":
        return f"{value:.1%}"
    if column in ("crimes", "asb", "residents", "change") or column.endswith("crimes"):
        return f"{value:,.0f}"
    return f"{value:,.1f}"


def _figure(evidence: Evidence, metric: str, params: dict[str, Any], period: str) -> dict[str, Any]:
    try:
        v = evidence.compute(metric, params, period)
    except SaferplacesError as e:
        return {"metric": metric, "heading": HEADINGS[metric], "value": None, "text": "n/a",
                "note": str(e)}  # fmt: skip
    return {
        "metric": metric,
        "heading": HEADINGS[metric],
        "value": v.value,
        "text": _fmt(v.value, metric),
        "harm_scheme": v.harm_scheme,
        "synthetic": v.synthetic,
    }


def _notes(figures: list[dict[str, Any]]) -> list[str]:
    return list(dict.fromkeys(f["note"] for f in figures if f.get("note")))


def priority_evidence(
    evidence: Evidence, priorities: list[dict[str, Any]], period: str
) -> dict[str, list[dict[str, Any]]]:
    """Evidence rows per priority key: one per locality of a place priority
    (:data:`LOCALITY_EVIDENCE`), one for the area for the monitoring priority
    (:data:`PROFILE_EVIDENCE`); theme priorities have their KPIs instead."""
    out: dict[str, list[dict[str, Any]]] = {}
    for p in priorities:
        rows = []
        if p["kind"] == "place":
            for loc in p.get("localities", []):
                figures = [
                    _figure(evidence, m, {"locality": loc}, period) for m in LOCALITY_EVIDENCE
                ]
                rows.append({"label": loc, "figures": figures, "notes": _notes(figures)})
        elif p["kind"] == "monitoring":
            figures = [_figure(evidence, m, {}, period) for m in PROFILE_EVIDENCE]
            label = evidence.settings.area.name
            rows.append({"label": label, "figures": figures, "notes": _notes(figures)})
        out[p["key"]] = rows
    return out


def _alignment(doc: dict[str, Any]) -> dict[str, Any]:
    """The alignment table: our priorities and each other plan's, side by side by row."""
    plans = doc.get("alignment", [])
    ours = {p["alignment_row"]: p["name"] for p in doc["priorities"] if p.get("alignment_row")}
    rows_of = [
        {q["row"]: q["text"] for q in pl.get("priorities", []) if q.get("row")} for pl in plans
    ]
    numbers = sorted(set(ours).union(*[set(r) for r in rows_of]))
    return {
        "plans": [pl["plan"] for pl in plans],
        "rows": [[ours.get(n, "")] + [r.get(n, "") for r in rows_of] for n in numbers],
    }


def _day(d: dt.date) -> str:
    return f"{d.day} {d:%B %Y}"


def _period_text(p: dict[str, Any]) -> str:
    return f"{_day(p['start'])} to {_day(p['end'])}"


def plan_context(
    session: Session,
    evidence: Evidence | None,
    period: str | None,
    strategy: str | None = None,
    evidence_note: str | None = None,
) -> dict[str, Any]:
    """Everything the template shows (plain data)."""
    s = get_strategy(session, strategy)
    doc = read_strategy(session, s)
    kpis = kpi_rows(session, s.name)
    figures = priority_evidence(evidence, doc["priorities"], period) if evidence and period else {}
    scheme = next(
        (
            f["harm_scheme"]
            for rows in figures.values()
            for r in rows
            for f in r["figures"]
            if f.get("harm_scheme")
        ),
        None,
    )
    synthetic = any(
        f.get("synthetic") for rows in figures.values() for r in rows for f in r["figures"]
    )
    programmes = doc.get("programmes", [])
    for pr in programmes:
        for f in pr.get("funding", []):
            f["period_text"] = _period_text(f["period"]) if f.get("period") else "not stated"
    groups = doc.get("groups", [])
    return {
        "strategy": doc["strategy"],
        "period_text": _period_text(doc["strategy"]["period"]),
        "organisations": doc.get("organisations", []),
        "groups": groups,
        "governance_svg": governance_svg(groups, f"Governance of {s.name}"),
        "priorities": [
            p
            | {
                "evidence": figures.get(p["key"], []),
                "kpis": [k for k in kpis if k["priority"] == p["key"]],
            }
            for p in doc["priorities"]
        ],
        "alignment": _alignment(doc),
        "programmes": programmes,
        "funding_total": sum(f["amount"] for pr in programmes for f in pr.get("funding", [])),
        "evidence_period": Period.parse(period).label if period else None,
        "evidence_period_code": period,
        "evidence_note": evidence_note,
        "harm_scheme": scheme,
        "synthetic": synthetic,
        "generated": dt.date.today().isoformat(),
        "version": saferplaces.__version__,
    }


def _environment() -> jinja2.Environment:
    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(TEMPLATES),
        autoescape=jinja2.select_autoescape(["html", "j2"]),
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.filters["money"] = lambda x: f"£{x:,.0f}"
    env.filters["words"] = lambda x: str(x).replace("_", " ")
    return env


def render_plan_html(context: dict[str, Any]) -> str:
    """The plan's HTML from :func:`plan_context`."""
    css = (TEMPLATES / "plan.css").read_text(encoding="utf-8")
    return _environment().get_template("plan.html.j2").render(**context, css=css)


def build_plan(
    ws: Workspace,
    out: Path | None = None,
    period: str | None = None,
    strategy: str | None = None,
    pdf: bool = False,
) -> RenderResult:
    """Render the workspace's strategy to ``partnership-plan.html`` in ``out`` (default: the
    workspace's ``reports/``), and ``partnership-plan.pdf`` beside it when ``pdf``.

    The evidence period defaults to the latest 12 months the warehouse holds; a warehouse that
    cannot give evidence (nothing loaded yet) leaves the figures out and says why.
    """
    from saferplaces.partnership.db import open_database, session_scope

    note = None
    if period is not None:
        period = str(Period.parse(period))
    with ws.connect(read_only=True) as con, session_scope(open_database(ws)) as session:
        evidence: Evidence | None = Evidence(con, ws.settings)
        assert evidence is not None
        if period is not None and not evidence.held(Period.parse(period)):
            raise SaferplacesError(
                f"the warehouse does not hold every month of {period}; choose a period it "
                "holds (`saferplaces status`) or leave --period out"
            )
        try:
            if period is None:
                held = period_months(con, ws.settings)
                if not held:
                    raise SaferplacesError("the warehouse holds no crime records yet")
                period = str(Period.latest(max(held), 12))
            evidence.compute("profile.crimes", {}, period)  # the area can be profiled at all
        except SaferplacesError as e:
            note, evidence, period = f"No evidence figures: {e}.", None, None
        context = plan_context(session, evidence, period, strategy, note)
    folder = out or ws.reports_dir
    folder.mkdir(parents=True, exist_ok=True)
    html = folder / HTML_NAME
    html.write_text(render_plan_html(context), encoding="utf-8")
    written = None
    if pdf:
        # The same machinery as the strategic assessment's PDF.
        from saferplaces.report.pdf import html_to_pdf

        written = html_to_pdf(html)
    return RenderResult(
        html, context["strategy"]["name"], period, note, context["synthetic"], written
    )
