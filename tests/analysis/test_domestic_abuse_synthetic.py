"""The DA and CE analyses recover the seed strategy's published figures from the synthetic
Telford and Wrekin borough (profile telford-2019-20), within the tolerances the generator states
(src/saferplaces/data/synth/telford-2019-20.yaml, docs/synthetic.md).

The borough is generated, ingested as a user would (vendored boundaries, force extract, partner
files) and analysed with the library; no figure is read from the generator.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from saferplaces.analysis.domestic_abuse import DomesticAbuseProfile, domestic_abuse
from saferplaces.analysis.exploitation import ExploitationProfile, exploitation
from saferplaces.analysis.people import theme_scope
from saferplaces.sources.geography import load_geography
from saferplaces.synth import generate, load_profile
from saferplaces.synth.places import geography_file
from saferplaces.warehouse.extract_ingest import ingest_extract, ingest_partner
from saferplaces.workspace import Workspace, init_workspace

SEED = 2024
PROFILE = load_profile("telford-2019-20")
TOL = PROFILE["tolerances"]


def close(name: str, got: float, want: float) -> None:
    tol = TOL[name]
    if isinstance(tol, dict):
        assert abs(got - want) <= tol["abs"], f"{name}: {got} vs {want} (abs {tol['abs']})"
    else:
        assert abs(got - want) <= tol * abs(want), f"{name}: {got} vs {want} (rel {tol})"


@pytest.fixture(scope="module")
def borough(tmp_path_factory: pytest.TempPathFactory) -> Workspace:
    root: Path = tmp_path_factory.mktemp("da_ce_synth")
    synth = generate("telford-2019-20", SEED, root / "out")
    ws = init_workspace(root / "ws", "E06000020")
    load_geography(ws, "lsoa", geography_file("LSOA_2011_BSC_EW_V3_telford_and_wrekin.geojson"))
    report = ingest_extract(ws, synth.extract)
    assert not report.failed
    for kind, path in synth.partners.items():
        ingest_partner(ws, kind, path)
    return ws


@pytest.fixture(scope="module")
def da(borough: Workspace) -> DomesticAbuseProfile:
    with borough.connect(read_only=True) as con:
        scope = theme_scope(con, borough.settings, PROFILE["period"])
        return domestic_abuse(con, scope, marac_period="2020", service_period="2020-03..2020-11")


@pytest.fixture(scope="module")
def ce(borough: Workspace) -> ExploitationProfile:
    with borough.connect(read_only=True) as con:
        scope = theme_scope(con, borough.settings, PROFILE["period"])
        return exploitation(con, scope, cohort_period="2020")


def test_da_records(da: DomesticAbuseProfile):
    s = da.summary.iloc[0]
    close("offences", s.all_offences, 13667)
    close("da_offences", s.offences, 3304)
    close("da_crimed_incidents", s.crimed_incidents, 2144)
    assert s.synthetic
    assert da.monthly.records.sum() == 3304 + 2144


def test_da_repeat_victims_and_suspects(da: DomesticAbuseProfile):
    s = da.summary.iloc[0]
    close("da_victims", s.victims, 2207)
    close("da_repeat_victims", s.repeat_victims, 604)
    close("da_mean_among_repeat_victims", s.mean_among_repeat_victims, 2.7)
    close("da_suspects", s.suspects, 2118)
    close("da_repeat_suspect_share", s.repeat_suspect_share, 0.313)
    close("da_max_suspect", s.max_per_suspect, 15)


def test_da_ages_children_and_factors(da: DomesticAbuseProfile):
    s = da.summary.iloc[0]
    # the seed: victims and suspects mostly 25-34; involved parties and witnesses mostly under 16
    assert (s.victim_modal_band, s.suspect_modal_band) == ("25-34", "25-34")
    modal = da.ages[da.ages.modal].set_index("role").age_band
    assert modal["witness_or_involved_party"] == "under 16"
    # the seed's Chart 5 factors are all there
    assert {"CHILD_PRESENT", "ALCOHOL", "HARASSMENT"} <= set(da.factors.marker)
    assert s.marac_referrals == PROFILE["partners"]["marac"]["referrals"]


def test_ce_records_victims_and_cohort(ce: ExploitationProfile):
    s = ce.summary.iloc[0]
    close("cse_cce_records", s.records, 142)
    assert round(s.share_of_crime, 2) == 0.01  # the seed's "1% of all crime"
    close("cse_victims", s.cse_victims, 69)
    close("cce_victims", s.cce_victims, 3)
    close("cse_victim_female_share", s.cse_female_victim_share, 0.75)
    close("ce_cohort_children", s.cohort_children, 101)
    assert s.victims_under_18 == s.victims


def test_ce_suspects_chart_8(ce: ExploitationProfile):
    s = ce.summary.iloc[0]
    close("cse_suspects", s.cse_suspects, 88)
    cse = ce.suspect_ages[ce.suspect_ages.type == "CSE"].set_index("age_band")
    # Chart 8, each band exactly; the 88th suspect has no age
    assert cse.suspects.tolist() == [24, 30, 18, 6, 5, 4, 0, 1]
    # the seed: "34% of all suspects were aged 18-29 years. 27% were under 18 years"
    assert round(cse.share["18-29"], 2) == 0.34
    assert round(s.cse_peer_on_peer_share, 2) == 0.27
