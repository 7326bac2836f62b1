"""Domestic abuse profile on hand-made extract and partner files (tests/fixtures/da_ce).

Every expected value is worked out by hand from the fixture rows; the comments say how. The
analysis period is 2020-02..2020-04 in Telford and Wrekin: D6 (January) is outside the period
and D7 is placed outside the area, so neither counts.
"""

from __future__ import annotations

import math

import pandas as pd
import pytest

from saferplaces.analysis.domestic_abuse import (
    AGES_COLUMNS,
    DISTRIBUTION_COLUMNS,
    FACTORS_COLUMNS,
    MARAC_COLUMNS,
    MONTHLY_COLUMNS,
    REPEATS_COLUMNS,
    SERVICE_COLUMNS,
    SUMMARY_COLUMNS,
    DomesticAbuseProfile,
    domestic_abuse,
    domestic_abuse_sentences,
    marac_rate_per_10000,
)
from saferplaces.analysis.people import theme_scope
from saferplaces.sensitivity import FRAME_SENSITIVITY, label_frame, may_publish, sensitivity_of
from saferplaces.warehouse.extract_ingest import load_extract, load_partner
from saferplaces.workspace import Workspace
from tests.conftest import FIXTURES

DA_CE = FIXTURES / "da_ce"
PERIOD = "2020-02..2020-04"
LABEL = "harm (illustrative-category-v1, illustrative weights)"


def load_da_ce(ws: Workspace) -> Workspace:
    """Two Telford LSOAs, the hand-made extract (placed by LSOA code) and the partner files."""
    from saferplaces.geo.resolve import resolve_places

    con = ws.connect()
    for code in ("E01014171", "E01014172"):
        con.execute(
            "INSERT INTO lsoa (lsoa_code, lsoa_name, vintage, lad_code, area_km2) "
            "VALUES (?, ?, 2011, 'E06000020', 1.0)",
            [code, f"Telford and Wrekin {code[-3:]}"],
        )
    report = load_extract(con, DA_CE / "extract-2020")
    assert not report.failed and all(f.rows_quarantined == 0 for f in report.files)
    resolve_places(con, ws.settings, tables=("offence",))
    for kind in ("da_service", "marac", "ce_cohort"):
        load_partner(con, kind, DA_CE / f"{kind}.csv")
    con.close()
    return ws


@pytest.fixture
def da_ce(workspace: Workspace) -> Workspace:
    return load_da_ce(workspace)


def run(ws: Workspace, **kw: object) -> DomesticAbuseProfile:
    with ws.connect(read_only=True) as con:
        scope = theme_scope(con, ws.settings, PERIOD)
        return domestic_abuse(
            con, scope, marac_period="2020", service_period="2020-03..2020-04", **kw
        )


@pytest.fixture
def da(da_ce: Workspace) -> DomesticAbuseProfile:
    return run(da_ce)


def test_records_share_and_harm(da: DomesticAbuseProfile):
    s = da.summary.iloc[0]
    # in scope: 10 offences (D1 D2 D4 D5 N1-N3 E1 E2 E4), 4 crimed incidents (D3 D8 N4 E3)
    assert (s.offences, s.crimed_incidents, s.records) == (4, 2, 6)
    assert (s.all_offences, s.all_crimed_incidents) == (10, 4)
    assert s.share_of_crime == pytest.approx(0.4)
    assert s.records_share_of_crime == pytest.approx(0.6)
    # Violence 20 (D1, D2, D5) + Criminal damage 6 (D4); incidents carry no harm
    assert (s.harm, s.unweighted_offences, s.harm_scheme) == (66.0, 0, LABEL)
    assert (s.source, s.months, s.period, s.synthetic) == (
        "offence (force extract)", 3, PERIOD, False,
    )  # fmt: skip


def test_monthly_volume_and_severity(da: DomesticAbuseProfile):
    m = da.monthly
    assert m.month.dt.strftime("%Y-%m").tolist() == ["2020-02", "2020-03", "2020-04"]
    assert m.offences.tolist() == [2, 1, 1]
    assert m.crimed_incidents.tolist() == [0, 1, 1]
    assert m.records.tolist() == [2, 2, 2]
    assert m.harm.tolist() == [40.0, 6.0, 20.0]
    assert set(m.harm_scheme) == {LABEL}


def test_repeat_victims_and_suspects(da: DomesticAbuseProfile):
    s = da.summary.iloc[0]
    # victims V1 (D1 D2 offences, D3 incident), V2 (D4; D8 incident), S1 and V3 (D5)
    assert (s.victims, s.repeat_victims, s.repeat_victim_share) == (4, 1, 0.25)
    assert s.mean_among_repeat_victims == 2.0
    # suspects S1 (D1 D2; D3), S2 (D4; D8; D6 is January), V1 (D5)
    assert (s.suspects, s.repeat_suspects, s.max_per_suspect) == (3, 1, 2)
    assert s.repeat_suspect_share == pytest.approx(1 / 3)
    assert s.mean_among_repeat_suspects == 2.0
    # V1 and S1 are victims in one record and suspects in another
    assert s.victims_also_suspects == 2
    # ordered pairs: (V1,S1) x3, (V2,S2) x2, (S1,V1) x1, (V3,V1) x1
    assert (s.pairs, s.repeat_pairs, s.repeat_pair_share) == (4, 2, 0.5)
    r = da.repeats.set_index(["role", "counted"])
    assert r.loc[("victim", "records")].tolist() == [4, 2, 0.5, 2.5, 3]
    assert r.loc[("suspect", "records")].tolist() == [3, 2, pytest.approx(2 / 3), 2.5, 3]
    d = da.distribution
    got = {(x.role, x.counted): dict(zip(g.per_person, g.people, strict=True))
           for x, g in [(g.iloc[0], g) for _, g in d.groupby(["role", "counted"])]}  # fmt: skip
    assert got == {
        ("victim", "offences"): {1: 3, 2: 1},
        ("victim", "records"): {1: 2, 2: 1, 3: 1},
        ("suspect", "offences"): {1: 2, 2: 1},
        ("suspect", "records"): {1: 1, 2: 1, 3: 1},
    }
    assert d.groupby(["role", "counted"]).share.sum().tolist() == pytest.approx([1.0] * 4)


def test_ages_in_ons_bands_with_unknown(da: DomesticAbuseProfile):
    a = da.ages[da.ages.people > 0]
    got = {r: dict(zip(g.age_band, g.people, strict=True)) for r, g in a.groupby("role")}
    assert got == {
        # V1 29 given; V2 band 25-34; S1 2020-1988 = 32; V3 no age at all
        "victim": {"25-34": 3, "unknown": 1},
        # S1 32, V1 2020-1990 = 30, S2 60
        "suspect": {"25-34": 2, "55-64": 1},
        "witness": {"under 16": 1, "45-54": 1},  # C2 10, W1 50
        "involved_party": {"under 16": 1},  # C1 8
        "witness_or_involved_party": {"under 16": 2, "45-54": 1},
    }
    modal = da.ages[da.ages.modal].set_index("role").age_band.to_dict()
    assert modal["victim"] == modal["suspect"] == "25-34"
    assert modal["witness"] == "under 16"  # a tie goes to the younger band
    s = da.summary.iloc[0]
    assert (s.victim_modal_band, s.suspect_modal_band) == ("25-34", "25-34")
    assert (s.witnesses_and_involved_parties, s.children_under_16) == (3, 2)
    assert da.ages.groupby("role").size().tolist() == [9] * 5  # 8 bands + unknown each


def test_aggravating_factors(da: DomesticAbuseProfile):
    f = da.factors
    assert f.marker.tolist() == ["ALCOHOL", "CHILD_PRESENT", "HARASSMENT"]
    assert f.records.tolist() == [2, 2, 1]  # D7's ALCOHOL is outside the area
    assert f.share.tolist() == pytest.approx([2 / 6, 2 / 6, 1 / 6])
    assert f.description[0] == "Alcohol a factor for the victim or the suspect."


def test_service_demand_by_channel_and_month(da: DomesticAbuseProfile):
    svc = da.service.set_index([da.service.month.dt.strftime("%Y-%m"), "channel"]).contacts
    assert svc[svc > 0].to_dict() == {
        ("2020-03", "helpline"): 1,
        ("2020-03", "website"): 2,
        ("2020-04", "101 triage"): 1,
        ("2020-04", "referral"): 1,
    }
    assert len(da.service) == 2 * 5  # every month x channel, zeros included
    s = da.summary.iloc[0]
    assert (s.service_period, s.service_contacts) == ("2020-03..2020-04", 5)


def test_marac_repeats_by_the_safelives_rule(da: DomesticAbuseProfile):
    s = da.summary.iloc[0]
    # 2020: M2 (V1, 11 months after M1: repeat), M4 (V2, 13 months after M3: not),
    # M5 (V3, first), M6 (V3, a month after M5: repeat); M1, M3 and M7 are outside 2020
    assert (s.marac_period, s.marac_referrals, s.marac_repeat_referrals) == ("2020-01..2020-12",
                                                                            4, 2)  # fmt: skip
    assert s.marac_repeat_rate == 0.5
    assert s.marac_children == 2 + 1 + 3  # M5's is not recorded
    m = da.marac.set_index(da.marac.month.dt.strftime("%Y-%m")).drop(columns="month")
    assert m.loc["2020-02"].tolist() == [2, 1, 3]
    assert m.loc["2020-06"].tolist() == [1, 1, 3]
    assert len(m) == 12 and m.referrals.sum() == 4
    # no population by sex and age: no rate, and a note saying why
    assert math.isnan(s.marac_cases_per_10000_women) and math.isnan(s.adult_female_population)
    assert s.safelives_benchmark == 40.0
    assert "population by sex and age is not loaded" in s.marac_note


def test_marac_rate_with_a_population(da_ce: Workspace):
    s = run(da_ce, adult_female_population=1000).summary.iloc[0]
    assert s.marac_cases_per_10000_women == pytest.approx(40.0)  # 4 / 1,000 x 10,000 a year
    assert s.adult_female_population == 1000.0 and pd.isna(s.marac_note)
    assert marac_rate_per_10000(300, 12, 75_000) == pytest.approx(40.0)
    assert marac_rate_per_10000(10, 6, 1000) == pytest.approx(200.0)
    assert math.isnan(marac_rate_per_10000(10, 12, 0))


def test_pinned_schemas_and_labels(da: DomesticAbuseProfile):
    pinned = {
        "summary": SUMMARY_COLUMNS,
        "monthly": MONTHLY_COLUMNS,
        "repeats": REPEATS_COLUMNS,
        "distribution": DISTRIBUTION_COLUMNS,
        "ages": AGES_COLUMNS,
        "factors": FACTORS_COLUMNS,
        "service": SERVICE_COLUMNS,
        "marac": MARAC_COLUMNS,
    }
    assert set(da.frames()) == set(pinned)
    for name, frame in da.frames().items():
        assert {c: str(t) for c, t in frame.dtypes.items()} == pinned[name], name
        assert frame.attrs["sensitivity"] == sensitivity_of(f"domestic_abuse.{name}").value
    # aggregates only: no column can carry a person's pseudonym
    for frame in da.frames().values():
        assert not {"person_id", "case_id", "offence_id"} & set(frame.columns)
    assert list(SUMMARY_COLUMNS)[:3] == ["area_code", "area_name", "period"]


def test_sensitivity_labels():
    assert may_publish("domestic_abuse.monthly") and may_publish("domestic_abuse.factors")
    assert not may_publish("domestic_abuse.summary")
    assert sensitivity_of("domestic_abuse.distribution").value == "restricted"
    assert all(name.count(".") == 1 for name in FRAME_SENSITIVITY)
    with pytest.raises(Exception, match="no sensitivity label"):
        label_frame(pd.DataFrame(), "domestic_abuse.nonsense")


def test_no_da_records_gives_zeros_not_errors(workspace: Workspace):
    con = workspace.connect()
    con.execute(
        "INSERT INTO lsoa (lsoa_code, lsoa_name, vintage, lad_code, area_km2) "
        "VALUES ('E01014171', 'Telford and Wrekin 001A', 2011, 'E06000020', 1.0)"
    )
    con.execute(
        "INSERT INTO extract_offence (offence_id, record_type, recorded_date, month, markers, "
        "lsoa, placed_by, ingest_id, line, crime_type) VALUES ('X', 'offence', "
        "'2020-02-02', '2020-02-01', [], 'E01014171', 'code', 1, 2, 'Burglary')"
    )
    con.execute(
        "INSERT INTO extract VALUES (1, NULL, NULL, 'x', 'west-mercia', '2020-02-01', "
        "'2020-02-01', false, 'digest', 'folder', now(), 'loaded')"
    )
    con.close()
    with workspace.connect(read_only=True) as con:
        p = domestic_abuse(con, theme_scope(con, workspace.settings, PERIOD))
    s = p.summary.iloc[0]
    assert (s.offences, s.victims, s.suspects, s.all_offences, s.marac_referrals) == (0, 0, 0, 1, 0)
    assert s.victim_modal_band is None and math.isnan(s.repeat_victim_share)
    assert p.monthly.records.tolist() == [0, 0, 0] and p.factors.empty
    assert domestic_abuse_sentences(p)[0].startswith("Telford and Wrekin")


def test_default_period_from_the_extract(da_ce: Workspace):
    # no data.police.uk records: the latest 12 months of the extract
    with da_ce.connect(read_only=True) as con:
        scope = theme_scope(con, da_ce.settings)
    assert str(scope.period) == "2019-05..2020-04"


def test_row_order_does_not_matter(da_ce: Workspace):
    before = run(da_ce)
    con = da_ce.connect()
    for table in ("extract_offence", "extract_involvement", "extract_person", "partner_marac"):
        con.execute(f"CREATE TABLE _t AS SELECT * FROM {table} ORDER BY random()")
        con.execute(f"DELETE FROM {table}; INSERT INTO {table} SELECT * FROM _t; DROP TABLE _t")
    con.close()
    after = run(da_ce)
    for name, frame in before.frames().items():
        pd.testing.assert_frame_equal(frame, after.frames()[name], check_like=False)


def test_code_level_scheme_weights_offences_by_code(da_ce: Workspace):
    from saferplaces.harm import HarmScheme, offence_mix, save_scheme

    # every code West Mercia records weighs 1, except the four the DA offences carry
    weights = dict.fromkeys(offence_mix("west-mercia").offence_code, 1.0)
    weights |= {"8L": 5.0, "105A": 3.0, "58A": 2.0}
    scheme = HarmScheme("test-codes", "1", "offence_code", "user", "test", "", weights)
    con = da_ce.connect()
    save_scheme(con, scheme)
    con.close()
    with da_ce.connect(read_only=True) as con:
        scope = theme_scope(con, da_ce.settings, PERIOD, scheme="test-codes")
        p = domestic_abuse(con, scope)
    s = p.summary.iloc[0]
    assert s.harm == 5.0 + 3.0 + 2.0 + 5.0  # D1 8L, D2 105A, D4 58A, D5 8L
    assert s.harm_scheme == scheme.label and s.unweighted_offences == 0
    assert p.monthly.harm.tolist() == [8.0, 2.0, 5.0]
