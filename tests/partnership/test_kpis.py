"""saferplaces kpi refresh: KPI values equal the analysis figures they name (SQLite and
PostgreSQL), refresh is idempotent and audited; manual values; metrics not available yet."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from saferplaces.analysis.base import make_scope
from saferplaces.analysis.locality import locality_profile
from saferplaces.analysis.profile import borough_profile
from saferplaces.errors import SaferplacesError
from saferplaces.partnership import services as sv
from saferplaces.partnership.audit import acting_as
from saferplaces.partnership.kpis import kpi_rows, refresh_kpis, set_manual_value
from saferplaces.partnership.metrics import METRICS, Evidence, MetricNotAvailable, lookup
from saferplaces.partnership.models import AuditEntry, Kpi
from saferplaces.workspace import Workspace
from tests.partnership.conftest import BASELINE

BUNDLED = sv.BUNDLED_STRATEGIES / "telford-and-wrekin-2021-24.yaml"
NOW = dt.datetime(2026, 11, 24, 10, 0, 0)


@pytest.fixture
def loaded(sessions: sessionmaker[Session]) -> sessionmaker[Session]:
    with acting_as("importer"), sessions() as s, s.begin():
        sv.import_strategy(s, BUNDLED)
    return sessions


def _values(s: Session) -> dict[str, dict[str, tuple]]:
    out: dict[str, dict[str, tuple]] = {}
    for k in s.scalars(select(Kpi).order_by(Kpi.id)):
        out[k.key] = {
            v.period: (v.value, v.metric, v.harm_scheme, v.computed_at, v.source) for v in k.values
        }
    return out


def test_refresh_equals_the_analyses(loaded: sessionmaker[Session], warehouse: Workspace):
    with warehouse.connect(read_only=True) as con:
        with acting_as("analyst"), loaded() as s, s.begin():
            result = refresh_kpis(s, Evidence(con, warehouse.settings), now=NOW)
        # the same figures, straight from the analyses
        scope = make_scope(con, warehouse.settings, BASELINE)
        profile = borough_profile(con, scope).summary.iloc[0]
        arleston = locality_profile(con, scope, "Arleston", settings=warehouse.settings)
        dawley = locality_profile(con, scope, "Dawley and Malinslee", settings=warehouse.settings)
    a, d = arleston.summary.iloc[0], dawley.summary.iloc[0]
    label = "harm (illustrative-category-v1, illustrative weights)"
    assert a.harm_scheme == label

    # only the baseline period is held: the strategy's years are not
    assert result.periods == [BASELINE]
    assert result.not_held == ["2021-04..2022-03", "2022-04..2023-03", "2023-04..2024-03"]
    with loaded() as s:
        values = _values(s)
    assert values["borough-crimes"][BASELINE][:4] == (80.0, "profile.crimes", None, NOW)
    assert values["borough-crimes"][BASELINE][0] == profile.crimes
    assert values["arleston-share-of-crime"][BASELINE][0] == pytest.approx(a.share_of_crime)
    assert values["arleston-share-of-crime"][BASELINE][0] == pytest.approx(42 / 80)
    assert values["arleston-share-of-harm"][BASELINE][:3] == (
        pytest.approx(a.share_of_harm), "locality.share_of_harm", label
    )  # fmt: skip
    assert values["dm-share-of-crime"][BASELINE][0] == pytest.approx(d.share_of_crime)
    assert values["dm-share-of-harm"][BASELINE][0] == pytest.approx(d.share_of_harm)
    assert values["dm-share-of-harm"][BASELINE][2] == label
    assert values["arleston-share-of-crime"][BASELINE][4] == (
        "warehouse: locality.share_of_crime (locality: Arleston) for 2019-11..2020-10"
    )
    # a locality not defined in saferplaces.toml: reported, not stored
    assert values["shbw-share-of-crime"] == {}
    shbw = [r for r in result.rows if r.kpi == "shbw-share-of-crime"]
    assert shbw[0].status == "not computed"
    assert "no locality 'Sutton Hill, Brookside and Woodside'" in (shbw[0].message or "")
    # no force extract in this warehouse: DA figures are not known, so no value (never a 0)
    for key in ("da-repeat-victim-share", "da-repeat-suspect-share"):
        assert values[key] == {}
        (row,) = [r for r in result.rows if r.kpi == key]
        assert row.status == "not computed"
        assert "needs force-extract offences; none are held" in (row.message or "")
    # no force extract in this warehouse: CE counts are not known, so no value (never a 0)
    assert values["ce-marked-crimes"] == {}
    (row,) = [r for r in result.rows if r.kpi == "ce-marked-crimes"]
    assert row.status == "not computed"
    assert "needs force-extract offences; none are held" in (row.message or "")
    assert result.stored == 5


def test_refresh_is_idempotent_and_audited(loaded: sessionmaker[Session], warehouse: Workspace):
    later = NOW + dt.timedelta(days=1)
    with warehouse.connect(read_only=True) as con:
        for at in (NOW, later):
            with acting_as("analyst"), loaded() as s, s.begin():
                refresh_kpis(
                    s, Evidence(con, warehouse.settings), periods=["2019-11..2020-10"], now=at
                )
    with loaded() as s:
        values = _values(s)
        assert len(values["borough-crimes"]) == 1
        assert values["borough-crimes"][BASELINE][3] == later
        trail = list(
            s.scalars(
                select(AuditEntry).where(AuditEntry.entity == "kpi_value").order_by(AuditEntry.id)
            )
        )
    assert [e.operation for e in trail] == ["insert"] * 5 + ["update"] * 5
    assert {e.who for e in trail} == {"analyst"}
    update = trail[5]
    assert update.before is not None and update.after is not None
    assert update.before["value"] == update.after["value"]
    assert update.before["computed_at"] != update.after["computed_at"]


def test_refresh_refuses_periods_not_held(loaded: sessionmaker[Session], warehouse: Workspace):
    with (
        warehouse.connect(read_only=True) as con,
        loaded() as s,
        pytest.raises(SaferplacesError, match="does not hold every month of 2021-04"),
    ):
        refresh_kpis(s, Evidence(con, warehouse.settings), periods=["2021-04..2022-03"])


def test_manual_values(loaded: sessionmaker[Session]):
    with acting_as("cate.lead"), loaded() as s, s.begin():
        v = set_manual_value(s, "cate-children-supported", "2021", 120)
        assert (v.period, v.value, v.source) == ("2021-01..2021-12", 120.0, "entered by cate.lead")
    with loaded() as s:
        with pytest.raises(SaferplacesError, match="computed from the warehouse"):
            set_manual_value(s, "borough-crimes", "2021", 1)
        with pytest.raises(SaferplacesError, match="unknown KPI 'nope'"):
            set_manual_value(s, "nope", "2021", 1)
        rows = {r["key"]: r for r in kpi_rows(s)}
    assert rows["cate-children-supported"]["value"] == 120.0
    assert rows["cate-children-supported"]["rag"] == "green"  # up, baseline 101
    assert rows["borough-crimes"]["available"] == "yes"
    assert rows["da-repeat-victim-share"]["available"] == "yes"
    assert rows["ce-marked-crimes"]["available"] == "yes"


def test_registry():
    named = ["profile.crimes", "profile.rate_per_1000", "profile.harm_per_1000", "profile.asb"]
    named += ["locality.share_of_crime", "locality.share_of_harm", "locality.crimes"]
    named += ["domestic_abuse.repeat_victim_share", "exploitation.records"]
    assert set(named) <= set(METRICS)
    assert lookup("domestic_abuse.harm").harm and not lookup("exploitation.records").harm
    with pytest.raises(SaferplacesError, match="unknown metric 'profile.nope'"):
        lookup("profile.nope")
    with pytest.raises(SaferplacesError, match="unknown metric 'violence.x'; analyses: "):
        lookup("violence.x")


def test_a_missing_theme_analysis_is_not_available_yet(monkeypatch: pytest.MonkeyPatch):
    from saferplaces.partnership import metrics

    monkeypatch.setitem(metrics.PENDING_ANALYSES, "violence", "saferplaces.analysis.violence")
    with pytest.raises(MetricNotAvailable, match="violence.share: not available yet"):
        lookup("violence.share")


def test_domestic_abuse_kpis_equal_the_analysis(loaded: sessionmaker[Session], workspace):
    from saferplaces.analysis.domestic_abuse import domestic_abuse
    from saferplaces.analysis.people import theme_scope
    from tests.analysis.test_domestic_abuse import PERIOD, load_da_ce

    ws = load_da_ce(workspace)
    with ws.connect(read_only=True) as con:
        with loaded() as s, s.begin():
            result = refresh_kpis(s, Evidence(con, ws.settings), periods=[PERIOD], now=NOW)
        da = domestic_abuse(con, theme_scope(con, ws.settings, PERIOD)).summary.iloc[0]
    with loaded() as s:
        values = _values(s)
    assert result.periods == [PERIOD]
    victim = values["da-repeat-victim-share"][PERIOD]
    assert victim[:2] == (
        pytest.approx(da.repeat_victim_share),
        "domestic_abuse.repeat_victim_share",
    )
    suspect = values["da-repeat-suspect-share"][PERIOD]
    assert suspect[0] == pytest.approx(da.repeat_suspect_share)
    assert 0 < victim[0] < 1 and 0 < suspect[0] < 1


def test_computed_values_survive_export_and_import(
    loaded: sessionmaker[Session], warehouse: Workspace, tmp_path
):
    with warehouse.connect(read_only=True) as con, loaded() as s, s.begin():
        refresh_kpis(s, Evidence(con, warehouse.settings), now=NOW)
    with loaded() as s:
        first = sv.export_strategy(s)
    assert "computed_at: '2026-11-24T10:00:00'" in first
    assert "harm_scheme: harm (illustrative-category-v1, illustrative weights)" in first
    (tmp_path / "s.yaml").write_text(first)
    with loaded() as s, s.begin():
        sv.import_strategy(s, tmp_path / "s.yaml")
    with loaded() as s:
        assert _values(s)["arleston-share-of-harm"][BASELINE][3] == NOW
        second = sv.export_strategy(s)
    assert second.split("\n", 2)[2] == first.split("\n", 2)[2]  # the header says the version
