"""saferplaces strategy render: a self-contained HTML plan with the governance drawn from the
model and evidence figures equal to the analyses (SQLite and PostgreSQL)."""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from html.parser import HTMLParser
from pathlib import Path

import pytest
import yaml
from markupsafe import escape
from sqlalchemy import Engine
from sqlalchemy.orm import Session, sessionmaker

from saferplaces.analysis.base import make_scope
from saferplaces.analysis.locality import locality_profile
from saferplaces.analysis.profile import borough_profile
from saferplaces.errors import SaferplacesError
from saferplaces.partnership import services as sv
from saferplaces.partnership.governance import governance_svg
from saferplaces.partnership.render import build_plan
from saferplaces.workspace import Workspace
from tests.partnership.conftest import BASELINE

BUNDLED = sv.BUNDLED_STRATEGIES / "telford-and-wrekin-2021-24.yaml"
SVG = "{http://www.w3.org/2000/svg}"


class _Cells(HTMLParser):
    """``data-value`` of every evidence cell, by row label and metric."""

    def __init__(self) -> None:
        super().__init__()
        self.row: str | None = None
        self.cells: dict[tuple[str, str], dict[str, str | None]] = {}

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = dict(attrs)
        if tag == "tr":
            self.row = a.get("data-label")
        if tag == "td" and self.row and a.get("data-metric"):
            self.cells[(self.row, str(a["data-metric"]))] = a


@pytest.fixture
def plan_ws(warehouse: Workspace, engine: Engine, sessions: sessionmaker[Session]) -> Workspace:
    """The hand-built warehouse with the bundled strategy in the parametrised database."""
    warehouse.settings.partnership.database_url = engine.url.render_as_string(hide_password=False)
    with sessions() as s, s.begin():
        sv.import_strategy(s, BUNDLED)
    return warehouse


def _svg(html: str) -> ET.Element:
    return ET.fromstring(html[html.index("<svg") : html.index("</svg>") + len("</svg>")])


def test_render_plan(plan_ws: Workspace, tmp_path: Path):
    result = build_plan(plan_ws, tmp_path / "out")
    assert result.html == tmp_path / "out" / "partnership-plan.html"
    assert result.period == BASELINE and result.evidence_note is None and not result.synthetic
    html = result.html.read_text(encoding="utf-8")

    # self-contained: nothing fetched
    assert not re.search(r"""(src|href)\s*=\s*["']?\s*(https?:)?//""", html, re.I)
    assert "<link" not in html and "<script" not in html and "@import" not in html

    doc = yaml.safe_load(BUNDLED.read_text(encoding="utf-8"))
    objectives = [o["text"] for p in doc["priorities"] for o in p.get("objectives", [])]
    assert len(objectives) == 17
    for text in objectives:
        assert str(escape(text)) in html, text
    assert str(escape(doc["strategy"]["vision"])) in html
    for o in doc["organisations"]:
        assert str(escape(o["name"])) in html
    assert "£3,600,000" in html  # total funding recorded
    assert "Telford and Wrekin Safeguarding Partnership Strategic Plan" in html  # alignment

    # governance: a node per group, an edge per parent link and per reporting line
    svg = _svg(html)
    groups = doc["groups"]
    gs = svg.iter(f"{SVG}g")
    by_class: dict[str, list[ET.Element]] = {}
    for g in gs:
        by_class.setdefault(g.get("class", "").split(" ")[0], []).append(g)
    titles = sorted(str(n.findtext(f"{SVG}title")) for n in by_class["node"])
    assert titles == sorted(g["name"] for g in groups)
    edges = [(e.get("class"), e.findtext(f"{SVG}title")) for e in by_class["edge"]]
    want = [("edge parent", f"{g['name']}->{g['parent']}") for g in groups if g.get("parent")]
    want += [
        ("edge reporting-line", f"{g['name']}->{r}")
        for g in groups
        for r in g.get("reports_to", [])
    ]
    assert sorted(edges) == sorted(want)
    assert sum(c == "edge reporting-line" for c, _ in edges) == 2  # DA and CE Sub Groups

    # evidence figures equal the analyses
    cells = _Cells()
    cells.feed(html)
    with plan_ws.connect(read_only=True) as con:
        scope = make_scope(con, plan_ws.settings, BASELINE)
        profile = borough_profile(con, scope).summary.iloc[0]
        for name in ("Arleston", "Dawley and Malinslee"):
            s = locality_profile(con, scope, name, settings=plan_ws.settings).summary.iloc[0]
            for column in ("crimes", "share_of_crime", "share_of_harm"):
                cell = cells.cells[(name, f"locality.{column}")]
                assert float(str(cell["data-value"])) == pytest.approx(s[column])
            harm = cells.cells[(name, "locality.share_of_harm")]
            assert harm["data-harm-scheme"] == s.harm_scheme
    assert s.harm_scheme == "harm (illustrative-category-v1, illustrative weights)"
    assert "illustrative weights" in html
    for column in ("crimes", "rate_per_1000", "harm_per_1000"):
        cell = cells.cells[("Telford and Wrekin", f"profile.{column}")]
        assert float(str(cell["data-value"])) == pytest.approx(profile[column])
    # the third locality is not defined: no figure, and the reason
    shbw = cells.cells[("Sutton Hill, Brookside and Woodside", "locality.share_of_crime")]
    assert "data-value" not in shbw and "no locality" in str(shbw["title"])


def test_render_without_evidence(workspace: Workspace, tmp_path: Path):
    sv.load_bundled_strategy(workspace)
    result = build_plan(workspace, tmp_path)
    assert result.period is None
    assert "No evidence figures" in str(result.evidence_note)
    html = result.html.read_text(encoding="utf-8")
    assert "No evidence figures" in html and "<svg" in html
    with pytest.raises(SaferplacesError, match="does not hold every month of 2021-01"):
        build_plan(workspace, tmp_path, period="2021")


def test_governance_svg_escapes_names():
    groups = [
        {"name": 'Board "A" & <B>', "kind": "partnership_board"},
        {"name": "Sub", "kind": "sub_group", "parent": 'Board "A" & <B>', "reports_to": ["C"]},
        {"name": "C", "kind": "board"},
    ]
    svg = ET.fromstring(governance_svg(groups))
    titles = [g.findtext(f"{SVG}title") for g in svg.iter(f"{SVG}g")]
    assert 'Board "A" & <B>' in titles and 'Sub->Board "A" & <B>' in titles


def test_load_bundled_strategy(workspace: Workspace):
    result = sv.load_bundled_strategy(workspace)
    assert result.strategy == "Safer Telford and Wrekin Strategy 2021-24"
    assert (result.version, result.counts["objectives"]) == (1, 17)
    assert len(result.warnings) == 3  # the three localities are not in this saferplaces.toml
    assert (workspace.root / "partnership.db").is_file()
    with pytest.raises(SaferplacesError, match="no bundled strategy 'nope'"):
        sv.load_bundled_strategy(workspace, "nope")


def test_render_plan_as_pdf(workspace: Workspace, tmp_path: Path):
    """The plan prints to PDF with the assessment's machinery; its text is the plan's."""
    import subprocess

    from saferplaces.partnership.render import build_plan
    from saferplaces.partnership.services import load_bundled_strategy

    load_bundled_strategy(workspace)
    result = build_plan(workspace, tmp_path / "plan", pdf=True)
    assert result.pdf is not None and result.pdf.name == "partnership-plan.pdf"
    text = subprocess.run(
        ["pdftotext", str(result.pdf), "-"], capture_output=True, text=True, check=True
    ).stdout
    assert "Safer Telford and Wrekin" in " ".join(text.split())
    pages = subprocess.run(
        ["pdfinfo", str(result.pdf)], capture_output=True, text=True, check=True
    ).stdout
    assert (
        2 <= int(next(ln.split()[-1] for ln in pages.splitlines() if ln.startswith("Pages"))) <= 40
    )
