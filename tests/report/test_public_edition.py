"""The public edition: withheld parts, suppressed tables, and the checker run by the build.

The synthetic Telford and Wrekin borough (``saferplaces.demo.build_demo``, no ../shared needed)
is built once; its public edition must pass ``saferplaces check-disclosure`` and carry no
person-level data and no domestic abuse or child exploitation map.
"""

from __future__ import annotations

import json
import re
import shutil

import pandas as pd
import pytest

from saferplaces.disclosure import POINT_LEVEL_PATTERN, SUPPRESSED, DisclosureError, suppress
from saferplaces.disclosure_check import check_disclosure
from saferplaces.report import build_assessment
from saferplaces.report.parts import Figure, ReportTable, Section
from saferplaces.report.public import PublicTable, public_context, public_html, verify_public
from saferplaces.sensitivity import label_frame
from tests.conftest import run_cli


def _da_monthly() -> pd.DataFrame:
    frame = pd.DataFrame(
        {
            "month": ["2025-01", "2025-02", "2025-03", "Total"],
            "victims": [4, 30, 25, 59],
            "suspects": [20, 18, 12, 50],
        }
    )
    return label_frame(frame, "domestic_abuse.monthly")


def _context() -> dict:
    categories = pd.DataFrame({"crime_type": ["Burglary", "Robbery"], "crimes": [120, 3]})
    svg = "<svg></svg>"
    da = Section(
        key="domestic-abuse",
        title="Domestic abuse",
        paragraphs=["4 victims in January."],
        figures=[
            Figure("da_map", "", "DA by LSOA", "", "", svg, _da_monthly()),
            Figure("chart_da_monthly", "Chart 3", "DA by month", "", "", svg, _da_monthly()),
        ],
        tables=[
            ReportTable("da_monthly", "DA victims by month", _da_monthly()),
            ReportTable(
                "da_repeats",
                "Repeat victims",
                label_frame(
                    pd.DataFrame({"role": ["victim"], "people": [12]}), "domestic_abuse.repeats"
                ),
            ),
        ],
        subsections=[Section(key="da-detail", title="Detail", paragraphs=["2 suspects."])],
    )
    context = Section(
        key="context",
        title="Context",
        paragraphs=["Crime rose."],
        tables=[
            ReportTable("categories", "Crime by category", categories),
            ReportTable(
                "points", "Crimes", pd.DataFrame({"latitude": [52.7], "longitude": [-2.5]})
            ),
            ReportTable("mystery", "Unlabelled", pd.DataFrame({"n": [1]})),
            ReportTable("cohort", "Cohort", pd.DataFrame({"n": [50]}), sensitivity="restricted"),
        ],
    )
    methods = Section(key="methods", title="Methods", paragraphs=["Sources."])
    return {"sections": [context, da, methods], "synthetic": {}}


def test_public_context_withholds_and_suppresses():
    partnership = _context()
    ctx, sup, withheld = public_context(partnership)
    assert [(w.key, w.reason) for w in withheld] == [
        ("points", "point- or person-level column latitude"),
        ("mystery", "no sensitivity label and not a place-level part"),
        ("cohort", "labelled restricted"),
        ("da_map", "a map of domestic abuse (never mapped in public)"),
        ("da_repeats", "frame domestic_abuse.repeats is not labelled public"),
        ("chart_da_monthly", "a chart of counts about people, some suppressed"),
    ]
    context, da, methods = ctx["sections"]
    assert [t.key for t in context.tables] == ["categories"]
    assert context.tables[0] is partnership["sections"][0].tables[0]  # crime counts unchanged
    assert context.paragraphs == ["Crime rose."]
    # the theme's narrative is withheld, in its subsections too
    assert da.paragraphs[0].startswith("The public edition shows only")
    assert da.subsections[0].paragraphs == da.paragraphs
    assert da.figures == []
    # January's 4 victims: primary; the smallest cell of at least 10 in the column: secondary
    table = da.tables[0]
    assert isinstance(table, PublicTable)
    assert table.rows() == [
        ["2025-01", SUPPRESSED, "20"],
        ["2025-02", "30", "18"],
        ["2025-03", SUPPRESSED, "12"],
        ["Total", "59", "50"],
    ]
    assert "[c]: suppressed (fewer than 10 people" in table.caption
    assert sup.cells[["table", "row", "column", "reason"]].values.tolist() == [
        ["da_monthly", 0, "victims", "primary"],
        ["chart_da_monthly", 0, "victims", "primary"],  # the chart's data: so it is withheld
        ["da_monthly", 2, "victims", "secondary"],
        ["chart_da_monthly", 2, "victims", "secondary"],
    ]
    assert methods.paragraphs[-1].startswith("Disclosure control: counts of people under 10")
    # the partnership context is not changed
    assert partnership["sections"][1].paragraphs == ["4 victims in January."]


def test_public_html_replaces_the_edition_statement():
    text = '<header><p class="edition">Partnership edition: not for publication.</p></header>'
    assert "Public edition: counts about people have been through" in public_html(text)
    with pytest.raises(Exception, match="no edition statement"):
        public_html("<header></header>")


def test_build_fails_and_removes_html_on_a_leak(tmp_path):
    frame = pd.DataFrame({"area": ["North", "South", "Total"], "victims": [4, 30, 34]})
    sup = suppress({"v": frame})
    (tmp_path / "tables").mkdir()
    # a careless writer publishes the unsuppressed frame
    frame.to_csv(tmp_path / "tables" / "v.csv", index=False)
    (tmp_path / "assessment.html").write_text("<p>report</p>")
    with pytest.raises(DisclosureError, match=r"tables/v.csv row 1 \(North\), column victims: 4"):
        verify_public(tmp_path, sup)
    assert not (tmp_path / "assessment.html").exists()


# The synthetic borough --------------------------------------------------------------------------


@pytest.fixture(scope="module")
def borough(tmp_path_factory: pytest.TempPathFactory):
    from saferplaces.demo import build_demo

    root = tmp_path_factory.mktemp("public")
    ws = build_demo(root / "syn")
    public = build_assessment(ws, None, out=root / "public", edition="public")
    return ws, root, public


def test_synthetic_public_edition_passes_the_checker(borough):
    ws, root, result = borough
    assert result.edition == "public" and result.synthetic
    check = check_disclosure(result.html.parent)
    assert check.ok, check.violations
    cli = run_cli("check-disclosure", str(result.html.parent))
    assert cli.returncode == 0, cli.stdout + cli.stderr
    assert cli.stdout.strip().endswith("0 violation(s)")
    # The declaration names relations and columns, never which cells were suppressed
    declared = json.loads((result.html.parent / "tables" / "relations.json").read_text())
    assert set(declared) == {"marker", "threshold", "protection", "suppress_zeros",
                             "people_columns", "relations"}  # fmt: skip
    assert declared["threshold"] == 10


def test_synthetic_public_edition_has_no_person_level_or_theme_maps(borough):
    ws, root, result = borough
    html = result.html.read_text(encoding="utf-8")
    assert "Public edition: counts about people have been through disclosure control" in html
    assert "not for publication" not in html
    figures = re.findall(r'<figure id="figure-([^"]+)"', html)
    tables = re.findall(r'<table id="table-([^"]+)"', html)
    assert figures and tables
    # no map of domestic abuse or child exploitation; no partnership-only chart or table
    from saferplaces.report.sections import slug

    maps = {k for k in figures if "map" in k}
    places = {"chart9_vulnerability_map", "hotspot_map"}
    assert maps == places | {f"map_{slug(name)}" for name in ws.settings.localities}
    for key in maps:  # and none of them is about a theme
        figure = re.search(rf'<figure id="figure-{key}".*?</figure>', html, re.DOTALL)
        assert figure and not re.search(r"domestic abuse|exploitation|CSE|CCE", figure[0]), key
    for key in ("da_repeats", "da_marac", "ce_suspect_ages", "chart7_ce_cohort_gender"):
        assert key not in figures + tables
    # every CSV belongs to a part shown; every table shown has its CSV
    written = {p.stem for p in (result.html.parent / "tables").glob("*.csv")}
    assert set(tables) <= written <= set(figures) | set(tables)
    for path in (result.html.parent / "tables").glob("*.csv"):
        columns = pd.read_csv(path, nrows=0).columns
        assert not [c for c in columns if POINT_LEVEL_PATTERN.match(c)], path.name
        assert "person_id" not in columns
    # place-level crime counts stay (data.police.uk publishes them)
    assert {"categories", "top_lsoas"} <= set(tables)
    assert "chart9_vulnerability_map" in figures


def test_cli_public_edition_and_partnership_edition_fails_the_checker(borough):
    ws, root, _ = borough
    out = root / "cli-public"
    cli = run_cli("assess", "-w", str(ws.root), "--edition", "public", "--out", str(out))
    assert cli.returncode == 0, cli.stdout + cli.stderr
    assert run_cli("check-disclosure", str(out)).returncode == 0
    # The partnership edition is not for publication: the checker says why
    part = root / "partnership"
    build_assessment(ws, None, out=part)
    check = run_cli("check-disclosure", str(part))
    assert check.returncode == 1
    assert re.search(r"is under the threshold 10 and is not suppressed", check.stdout)
    # Copying a partnership table into the public folder is caught too
    leaked = root / "leaked"
    shutil.copytree(out, leaked)
    shutil.copy(part / "tables" / "da_marac.csv", leaked / "tables" / "da_marac.csv")
    caught = run_cli("check-disclosure", str(leaked))
    assert caught.returncode == 1
    assert "tables/da_marac.csv row" in caught.stdout
