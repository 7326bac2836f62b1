"""The assessment as PDF (headless Chromium), and its theme sections against the frames.

Two workspaces: the real West Mercia 2025 files (data.police.uk only: the theme sections say
they have no extract) and the synthetic Telford and Wrekin borough (force extract and partner
data, flagged synthetic), whose DA and CE figures are parsed back out of the HTML and compared
with the analysis frames computed here. Pages are rendered to PNG with pdftoppm and the text
extracted with pdftotext (poppler-utils).
"""

from __future__ import annotations

import html
import re
import shutil
import subprocess
from pathlib import Path

import pandas as pd
import pytest

from saferplaces.analysis.base import make_scope
from saferplaces.analysis.domestic_abuse import domestic_abuse
from saferplaces.analysis.exploitation import exploitation
from saferplaces.demo import build_demo
from saferplaces.report import build_assessment, sections
from saferplaces.report.pdf import html_to_pdf
from saferplaces.sensitivity import sensitivity_of
from tests.conftest import run_cli

HEADINGS = [
    "Context and borough profile",
    "Priorities drawn from the evidence",
    "Domestic abuse",
    "Child exploitation",
    "Localities",
    "Monitoring all crime",
    "Methods and data quality",
]
# The synthetic borough's partner data: the held months inside the police period.
SERVICE, MARAC = "2020-03..2020-10", "2020-01..2020-10"

pytestmark = pytest.mark.skipif(
    shutil.which("chromium") is None or shutil.which("pdftoppm") is None,
    reason="needs chromium and poppler-utils (make tools)",
)


def _pages(pdf: Path, folder: Path) -> list[Path]:
    subprocess.run(["pdftoppm", "-r", "50", "-png", str(pdf), str(folder / "page")], check=True)
    return sorted(folder.glob("page-*.png"))


def _pdf_text(pdf: Path) -> str:
    out = subprocess.run(["pdftotext", str(pdf), "-"], check=True, capture_output=True, text=True)
    return " ".join(out.stdout.split())  # lines wrap anywhere in a PDF


def _paragraphs(page: str, key: str) -> list[str]:
    match = re.search(rf'<section id="{key}".*?</section>', page, re.S)
    assert match, key
    return [
        " ".join(html.unescape(re.sub(r"<[^>]+>", "", p)).split())
        for p in re.findall(r"<p>(.*?)</p>", match.group(0), re.S)
    ]


def _n(text: str) -> int:
    return int(text.replace(",", ""))


def _pct(text: str, value: float) -> None:
    decimals = len(text.split(".")[1]) if "." in text else 0
    assert float(text) == round(value * 100, decimals), (text, value)


@pytest.mark.shared
def test_pdf_of_the_real_files(tmp_path: Path, shared_data: Path):
    ws = build_demo(tmp_path / "ws", shared_data)
    result = build_assessment(ws, "2025", out=tmp_path / "out")
    pdf = html_to_pdf(result.html)
    assert pdf == result.html.with_suffix(".pdf").resolve()
    pages = _pages(pdf, tmp_path)
    assert 12 <= len(pages) <= 40, len(pages)
    assert all(p.stat().st_size > 1000 for p in pages)
    text = _pdf_text(pdf)
    for heading in HEADINGS:
        assert heading in text, heading
    assert (
        "Sutton Hill, Brookside and Woodside forms 3% of the land area of Telford and Wrekin, "
        "yet recorded 2,430 crimes in January 2025 to December 2025" in text
    )
    assert "SYNTHETIC DATA" not in text
    assert "holds no force extract records" in text  # DA and CE say so, with no numbers


@pytest.fixture(scope="module")
def synthetic(tmp_path_factory: pytest.TempPathFactory):
    root = tmp_path_factory.mktemp("syn")
    ws = build_demo(root / "syn")
    done = run_cli("assess", "-w", str(ws.root), "--out", str(root / "out"), "--pdf")
    assert done.returncode == 0, done.stderr
    page = (root / "out" / "assessment.html").read_text(encoding="utf-8")
    with ws.connect(read_only=True) as con:
        scope = make_scope(con, ws.settings, None)
        da = domestic_abuse(con, scope, service_period=SERVICE, marac_period=MARAC)
        ce = exploitation(con, scope, cohort_period=str(scope.period))
    return root, page, da, ce, scope


def test_pdf_of_the_synthetic_borough(synthetic):
    root, page, _, _, _ = synthetic
    pdf = root / "out" / "assessment.pdf"
    pages = _pages(pdf, root)
    assert 14 <= len(pages) <= 45, len(pages)
    text = _pdf_text(pdf)
    assert text.startswith("SYNTHETIC DATA.")
    assert 'id="synthetic-banner"' in page
    for heading in [*HEADINGS, "Repeat victims and suspects", "Service demand and MARAC"]:
        assert heading in text, heading
    for n in range(1, 10):  # the seed's nine charts
        assert f"Chart {n}:" in text, n
    assert "Arleston forms 0.4% of the land area of Telford and Wrekin, yet recorded 838" in text


def test_chart1_shows_recent_years_when_they_are_held(synthetic):
    # the demo's data.police.uk files hold two years before the period (docs/synthetic.md)
    root, page, _, _, _ = synthetic
    chart1 = re.search(r'<figure id="figure-chart1_rate_and_harm".*?</figure>', page, re.S)
    assert chart1
    assert "Two bar charts, one bar for each of 3 periods from Nov 2017 - Oct 2018 to " in (
        html.unescape(chart1[0])
    )
    years = pd.read_csv(root / "out" / "tables" / "chart1_rate_and_harm.csv")
    assert years.period.tolist() == ["Nov 2017 - Oct 2018", "Nov 2018 - Oct 2019",
                                     "Nov 2019 - Oct 2020"]  # fmt: skip
    assert years.crimes.iloc[-1] == 13667  # the calibrated year
    street = root / "syn" / "synthetic-telford-2019-20" / "police-uk-synthetic"
    for row, (first, last) in zip(
        years.itertuples(), [("2017-11", "2018-10"), ("2018-11", "2019-10")], strict=False
    ):
        months = [p for p in sorted(street.glob("*/*.csv")) if first <= p.parent.name <= last]
        counted = sum(
            int(
                (
                    pd.read_csv(p, usecols=["Crime type"])["Crime type"] != "Anti-social behaviour"
                ).sum()
            )
            for p in months
        )
        assert len(months) == 12 and row.crimes == counted
    # the months of the period follow, unnumbered
    monthly = re.search(r'<figure id="figure-monthly_rate_and_harm".*?</figure>', page, re.S)
    assert monthly and "Chart" not in re.sub(r"<svg.*?</svg>", "", monthly[0], flags=re.S)
    assert page.index("figure-chart1_rate_and_harm") < page.index("figure-monthly_rate_and_harm")


def test_domestic_abuse_figures_equal_the_frames(synthetic):
    _, page, da, _, _ = synthetic
    s, m = da.summary.iloc[0], da.monthly
    volume = _paragraphs(page, "da-volume")
    v = re.match(
        r"The police recorded ([\d,]+) domestic abuse offences and ([\d,]+) crimed incidents .*"
        r"most records in one month were ([\d,]+) in (\w+ \d{4})\.",
        volume[0],
    )
    assert v
    peak = m.loc[m.records.idxmax()]
    assert (_n(v[1]), _n(v[2])) == (m.offences.sum(), m.crimed_incidents.sum())
    assert (_n(v[3]), v[4]) == (peak.records, f"{peak.month:%B %Y}")
    harm = re.search(r"totals ([\d,]+), highest in (\w+ \d{4}) \(([\d,]+)\)", volume[1])
    assert harm and _n(harm[1]) == round(m.harm.sum())
    assert _n(harm[3]) == round(m.harm.max())
    factor = re.search(r"\): ([\d,]+) DA records \(([\d.]+)%\)", volume[2])
    assert factor and _n(factor[1]) == da.factors.records.iloc[0]
    _pct(factor[2], da.factors.share.iloc[0])

    rep = _paragraphs(page, "da-repeats")
    share = re.match(r"Domestic abuse offences were ([\d.]+)% of all ([\d,]+) offences", rep[0])
    assert share and _n(share[2]) == s.all_offences
    _pct(share[1], s.share_of_crime)
    victims = re.match(
        r"([\d,]+) victims were identified from the ([\d,]+) offences and ([\d,]+) crimed "
        r"incidents; ([\d,]+) \(([\d.]+)%\) were victims of more than one offence, ([\d.]+) ",
        rep[1],
    )
    assert victims
    assert [_n(victims[i]) for i in (1, 2, 3, 4)] == [
        s.victims, s.offences, s.crimed_incidents, s.repeat_victims,
    ]  # fmt: skip
    _pct(victims[5], s.repeat_victim_share)
    assert float(victims[6]) == round(s.mean_among_repeat_victims, 1)
    suspects = re.match(
        r"([\d,]+) suspects were identified; ([\d,]+) \(([\d.]+)%\).* suspect for ([\d,]+)\.",
        rep[2],
    )
    assert suspects
    assert (_n(suspects[1]), _n(suspects[2]), _n(suspects[4])) == (
        s.suspects, s.repeat_suspects, s.max_per_suspect,
    )  # fmt: skip

    partner = _paragraphs(page, "da-services")
    service = re.match(
        r"The domestic abuse service recorded ([\d,]+) contacts in (.+)\.", partner[0]
    )
    assert service and _n(service[1]) == s.service_contacts == da.service.contacts.sum()
    assert service[2] == "March 2020 to October 2020"
    marac = re.match(
        r"MARAC heard ([\d,]+) referrals in (.+?), ([\d,]+) of them repeats \(([\d.]+)%\), "
        r"with ([\d,]+) children",
        partner[1],
    )
    assert marac
    assert (_n(marac[1]), _n(marac[3]), _n(marac[5])) == (
        s.marac_referrals, s.marac_repeat_referrals, s.marac_children,
    )  # fmt: skip
    assert marac[2] == "January 2020 to October 2020"
    _pct(marac[4], s.marac_repeat_rate)


def test_child_exploitation_figures_equal_the_frames(synthetic):
    _, page, _, ce, _ = synthetic
    s = ce.summary.iloc[0]
    texts = _paragraphs(page, "ce-suspects")
    rec = re.match(
        r"([\d,]+) offences and incidents .* marker \(([\d,]+) CSE, ([\d,]+) CCE\), ([\d.]+)% of "
        r"all crime; ([\d,]+) were historic",
        texts[0],
    )
    assert rec
    assert [_n(rec[i]) for i in (1, 2, 3, 5)] == [
        s.records, s.cse_records, s.cce_records, s.historic,
    ]  # fmt: skip
    _pct(rec[4], s.share_of_crime)
    vic = re.match(
        r"([\d,]+) children were victims of CSE and ([\d,]+) of CCE \(([\d,]+) victims in more "
        r"than one record\); ([\d.]+)% of CSE victims were female, and ([\d,]+) victims",
        texts[1],
    )
    assert vic
    assert [_n(vic[i]) for i in (1, 2, 3, 5)] == [
        s.cse_victims, s.cce_victims, s.repeat_victims, s.victims_not_resident,
    ]  # fmt: skip
    _pct(vic[4], s.cse_female_victim_share)
    sus = re.match(r"([\d,]+) suspects were linked to CSE; ([\d.]+)% were under 18", texts[2])
    assert sus and _n(sus[1]) == s.cse_suspects
    _pct(sus[2], s.cse_peer_on_peer_share)
    band = re.match(r".*CSE suspects was ([\w-]+): ([\d,]+) of ([\d,]+)", texts[3])
    sa = ce.suspect_ages
    top = sa[(sa.type == "CSE") & (sa.age_band != "unknown")].sort_values(
        "suspects", ascending=False, kind="stable"
    )
    assert band and (band[1], _n(band[2])) == (top.age_band.iloc[0], top.suspects.iloc[0])
    cohort = re.match(
        r"The child exploitation team supported ([\d,]+) children in .+?; ([\d,]+) of them",
        _paragraphs(page, "ce-cohort")[0],
    )
    assert cohort
    assert (_n(cohort[1]), _n(cohort[2])) == (s.cohort_children, s.cohort_police_victims)


def test_themes_are_ranked_and_tables_written(synthetic):
    root, page, da, ce, _ = synthetic
    text = _paragraphs(page, "themes")[0]
    ranked = re.findall(r"(Domestic abuse|Child exploitation) \(([\d,]+) records, ([\d.]+)%", text)
    assert [r[0] for r in ranked] == ["Domestic abuse", "Child exploitation"]
    assert _n(ranked[0][1]) == da.summary.records.iloc[0]
    assert _n(ranked[1][1]) == ce.summary.records.iloc[0]
    tables = root / "out" / "tables"
    factors = pd.read_csv(tables / "da_factors.csv")
    assert factors.records.tolist() == da.factors.records.tolist()
    suspects = pd.read_csv(tables / "ce_suspect_ages.csv")
    assert suspects.suspects.tolist() == ce.suspect_ages.suspects.tolist()
    for name in ("chart2_da_repeats", "chart3_da_volume_severity", "chart4_da_service",
                 "chart5_da_factors", "chart6_da_marac", "chart7_ce_cohort_gender",
                 "chart8_ce_suspect_ages", "hotspot_map", "themes"):  # fmt: skip
        assert (tables / f"{name}.csv").is_file(), name


def test_tables_and_figures_carry_their_sensitivity(synthetic):
    _, _, da, ce, scope = synthetic
    built = [
        sections.domestic_abuse_section(da, scope),
        sections.child_exploitation_section(ce, scope),
    ]
    labelled = [x for s in built for x in (*s.all_tables(), *s.all_figures())]
    assert len(labelled) >= 9
    for item in labelled:
        assert item.source and item.sensitivity == sensitivity_of(item.source).value, item.key
    by_key = {x.key: x.sensitivity for x in labelled}
    assert by_key["chart3_da_volume_severity"] == "public"
    assert by_key["chart2_da_repeats"] == "partnership"
    assert by_key["chart7_ce_cohort_gender"] == "restricted"
