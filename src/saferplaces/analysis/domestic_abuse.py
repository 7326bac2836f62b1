"""Domestic abuse profile: the seed strategy's DA chapter and Charts 2 to 6, for any CSP.

Records are the force extract's (``offence``; see :mod:`saferplaces.analysis.people` for the
scope, people and ages): a DA record is an offence or crimed incident with the ``DA`` marker,
placed in the area and recorded in the period. Partner data (``partner_da_service``,
``partner_marac``) are the partnership's own and are not filtered by place; each has its own
period, because partners report on different timescales (the seed's Chart 4 covers March to
November 2020 and Chart 6 the calendar year 2020, the police figures November 2019 to October
2020).

Definitions (the seed's, where it gives one):

- **Share of crime**: DA offences over all offences in scope (``share_of_crime``); DA offences
  and crimed incidents over all offences (``records_share_of_crime``, the way the seed states
  its child exploitation share).
- **Victims and suspects**: distinct people with the role in at least one DA record (offence or
  crimed incident; the seed's "2,207 victims were identified from the 3,304 offences and 2,144
  crimed incidents"). A **repeat** victim or suspect has two or more DA *offences* in the period
  (the seed's "victims of more than one offence"); the ``repeats`` frame gives the same figures
  counting offences and crimed incidents together (``counted = "records"``) beside them.
- **Repeat pairs**: a victim and a suspect together in two or more DA records. A person who is
  both victim and suspect of one record (a counter-allegation) is not paired with themself.
- **Ages**: ONS bands (:data:`~saferplaces.analysis.people.ONS_AGE_BANDS`), each person once per
  role at their earliest DA record; the modal band leaves ``unknown`` out. Witnesses and involved
  parties are also counted together (``witness_or_involved_party``); ``children_under_16`` counts
  them under 16.
- **Harm** (Chart 3): offences weighted by the scheme (by offence code when the scheme is keyed
  by code, else by data.police.uk category); crimed incidents carry none.
- **Aggravating factors** (Chart 5): the share of DA records carrying each other marker.
- **MARAC** (Chart 6): a referral is a **repeat** when the same victim's previous referral (at
  any date, also before the period) was within 12 months before it, inclusive (SafeLives). The
  SafeLives benchmark is 40 cases a year per 10,000 adult women (16 and over); the rate needs the
  adult female population, which the warehouse does not hold yet: pass it
  (``adult_female_population``) or the rate is empty and ``marac_note`` says why.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import duckdb
import pandas as pd
from rich.console import Console

from saferplaces.analysis.base import Scope
from saferplaces.analysis.da_partners import (
    CHANNELS,
    MARAC_COLUMNS,
    SAFELIVES_BENCHMARK,
    SERVICE_COLUMNS,
    marac_rate_per_10000,
    marac_referrals,
    service_demand,
)
from saferplaces.analysis.people import (
    ONS_AGE_BANDS,
    UNKNOWN,
    create_involved,
    in_scope_sql,
    person_band_sql,
    register_offence_weights,
)
from saferplaces.display import print_frame
from saferplaces.periods import Period
from saferplaces.sensitivity import label_frame
from saferplaces.sources.extract import marker_vocabulary

__all__ = [
    "AGES_COLUMNS",
    "CHANNELS",
    "DISTRIBUTION_COLUMNS",
    "FACTORS_COLUMNS",
    "MARAC_COLUMNS",
    "MONTHLY_COLUMNS",
    "REPEATS_COLUMNS",
    "SAFELIVES_BENCHMARK",
    "SERVICE_COLUMNS",
    "SUMMARY_COLUMNS",
    "DomesticAbuseProfile",
    "domestic_abuse",
    "marac_rate_per_10000",
    "print_domestic_abuse",
]

ROLES = ("victim", "suspect", "witness", "involved_party", "witness_or_involved_party")

SUMMARY_COLUMNS = {
    "area_code": "object",
    "area_name": "object",
    "period": "object",
    "months": "int64",
    "source": "object",
    "offences": "int64",
    "crimed_incidents": "int64",
    "records": "int64",
    "all_offences": "int64",
    "all_crimed_incidents": "int64",
    "share_of_crime": "float64",
    "records_share_of_crime": "float64",
    "harm": "float64",
    "unweighted_offences": "int64",
    "harm_scheme": "object",
    "victims": "int64",
    "repeat_victims": "int64",
    "repeat_victim_share": "float64",
    "mean_among_repeat_victims": "float64",
    "suspects": "int64",
    "repeat_suspects": "int64",
    "repeat_suspect_share": "float64",
    "mean_among_repeat_suspects": "float64",
    "max_per_suspect": "int64",
    "victims_also_suspects": "int64",
    "pairs": "int64",
    "repeat_pairs": "int64",
    "repeat_pair_share": "float64",
    "victim_modal_band": "object",
    "suspect_modal_band": "object",
    "witnesses_and_involved_parties": "int64",
    "children_under_16": "int64",
    "service_period": "object",
    "service_contacts": "int64",
    "marac_period": "object",
    "marac_referrals": "int64",
    "marac_repeat_referrals": "int64",
    "marac_repeat_rate": "float64",
    "marac_children": "int64",
    "adult_female_population": "float64",
    "marac_cases_per_10000_women": "float64",
    "safelives_benchmark": "float64",
    "marac_note": "object",
    "synthetic": "bool",
}
MONTHLY_COLUMNS = {
    "month": "datetime64[ns]",
    "offences": "int64",
    "crimed_incidents": "int64",
    "records": "int64",
    "harm": "float64",
    "harm_scheme": "object",
}
REPEATS_COLUMNS = {
    "role": "object",
    "counted": "object",
    "people": "int64",
    "repeat_people": "int64",
    "repeat_share": "float64",
    "mean_among_repeat": "float64",
    "max_per_person": "int64",
}
DISTRIBUTION_COLUMNS = {
    "role": "object",
    "counted": "object",
    "per_person": "int64",
    "people": "int64",
    "share": "float64",
}
AGES_COLUMNS = {
    "role": "object",
    "age_band": "object",
    "people": "int64",
    "share": "float64",
    "modal": "bool",
}
FACTORS_COLUMNS = {
    "marker": "object",
    "description": "object",
    "records": "int64",
    "share": "float64",
}


@dataclass(frozen=True)
class DomesticAbuseProfile:
    """The DA frames (columns fixed: the ``*_COLUMNS`` mappings; labels: ``sensitivity``).

    summary
        One row: the chapter's headline figures (see the module docstring for definitions).
    monthly
        Chart 3. One row per month of the period: DA offences, crimed incidents, both, and the
        offences' harm.
    repeats
        Chart 2. One row per role (victim, suspect) and ``counted`` (``offences``: DA offences,
        the seed's basis; ``records``: offences and crimed incidents): people with the role,
        repeat people (2 or more), their share, the mean count among them, the highest count.
    distribution
        Per role and ``counted``: how many people have each count (``per_person`` 0 is people
        with crimed incidents only, for ``counted = "offences"``).
    ages
        One row per role and ONS age band (``unknown`` last): distinct people, share of the
        role's people, and whether it is the modal band.
    factors
        Chart 5. One row per marker other than DA found on DA records: records with it and their
        share of DA records, most frequent first.
    service
        Chart 4. One row per month of the service period and channel: contacts.
    marac
        Chart 6. One row per month of the MARAC period: referrals, repeat referrals, children
        in the referred households (where recorded).
    """

    summary: pd.DataFrame
    monthly: pd.DataFrame
    repeats: pd.DataFrame
    distribution: pd.DataFrame
    ages: pd.DataFrame
    factors: pd.DataFrame
    service: pd.DataFrame
    marac: pd.DataFrame

    def frames(self) -> dict[str, pd.DataFrame]:
        """The frames by name, for writing files (labels in ``saferplaces.sensitivity``)."""
        names = ("summary", "monthly", "repeats", "distribution", "ages", "factors", "service")
        return {n: getattr(self, n) for n in (*names, "marac")}


def domestic_abuse(
    con: duckdb.DuckDBPyConnection,
    scope: Scope,
    *,
    service_period: Period | str | None = None,
    marac_period: Period | str | None = None,
    adult_female_population: float | None = None,
) -> DomesticAbuseProfile:
    """Profile domestic abuse in the scope's area and period.

    Parameters
    ----------
    con : duckdb connection
        The warehouse, with the scope's temporary tables (see :func:`theme_scope`).
    scope : Scope
    service_period, marac_period : Period or str, optional
        Periods of the DA service contacts (Chart 4) and MARAC referrals (Chart 6); default the
        scope's period.
    adult_female_population : float, optional
        Women aged 16 and over in the area, for MARAC cases per 10,000 adult women. Not held in
        the warehouse yet: without it the rate is empty, with a note.

    Returns
    -------
    DomesticAbuseProfile
        Frames with the columns of the ``*_COLUMNS`` mappings, each labelled (``attrs``).
    """
    svc = _period(service_period, scope)
    mar = _period(marac_period, scope)
    key, harm_label = register_offence_weights(con, scope)
    # Step 1: DA records in scope, and everything they involve
    con.execute(
        f"""
        CREATE OR REPLACE TEMP TABLE da_records AS
        SELECT o.offence_id, o.extract_id, o.record_type, o.recorded_date, o.month,
               o.committed_from, o.markers, o.synthetic,
               CASE WHEN o.record_type = 'offence' THEN w.weight END AS weight
        FROM offence o LEFT JOIN offence_weights w ON w.key = o.{key}
        WHERE {in_scope_sql(scope)} AND list_contains(o.markers, 'DA')
        """
    )
    create_involved(con, "da_records", "da_involved")
    con.execute(
        """
        CREATE OR REPLACE TEMP TABLE da_per_person AS
        SELECT role, person_id, count(*) FILTER (WHERE record_type = 'offence') AS offences,
               count(*) AS records
        FROM da_involved WHERE role IN ('victim', 'suspect') GROUP BY ALL
        """
    )
    # Step 2: frames
    monthly = _monthly(con, scope, harm_label)
    repeats, distribution = _repeats(con)
    ages = _ages(con)
    factors = _factors(con)
    service = service_demand(con, svc)
    marac, marac_summary = marac_referrals(con, mar, adult_female_population)
    # Step 3: the summary row
    row = _summary(con, scope, harm_label, repeats, ages)
    row |= {
        "service_period": str(svc),
        "service_contacts": int(service.contacts.sum()),
        **marac_summary,
    }
    summary = pd.DataFrame([row]).reindex(columns=list(SUMMARY_COLUMNS)).astype(SUMMARY_COLUMNS)
    frames = {
        "summary": summary,
        "monthly": monthly,
        "repeats": repeats,
        "distribution": distribution,
        "ages": ages,
        "factors": factors,
        "service": service,
        "marac": marac,
    }
    for name, frame in frames.items():
        label_frame(frame, f"domestic_abuse.{name}")
    return DomesticAbuseProfile(**frames)


def _period(value: Period | str | None, scope: Scope) -> Period:
    if value is None:
        return scope.period
    return Period.parse(value) if isinstance(value, str) else value


def _one(con: duckdb.DuckDBPyConnection, sql: str) -> tuple:
    row = con.execute(sql).fetchone()
    assert row is not None  # aggregates always return a row
    return tuple(row)


def _summary(
    con: duckdb.DuckDBPyConnection,
    scope: Scope,
    harm_label: str,
    repeats: pd.DataFrame,
    ages: pd.DataFrame,
) -> dict[str, object]:
    all_off, all_inc, any_synth = _one(
        con,
        f"""SELECT count(*) FILTER (WHERE record_type = 'offence'),
                   count(*) FILTER (WHERE record_type = 'crimed_incident'),
                   coalesce(bool_or(synthetic), false)
            FROM offence o WHERE {in_scope_sql(scope)}""",
    )
    off, inc, harm, unweighted = _one(
        con,
        """SELECT count(*) FILTER (WHERE record_type = 'offence'),
                  count(*) FILTER (WHERE record_type = 'crimed_incident'),
                  coalesce(sum(weight), 0),
                  count(*) FILTER (WHERE record_type = 'offence' AND weight IS NULL)
           FROM da_records""",
    )
    both, pairs, repeat_pairs = _one(
        con,
        """WITH v AS (SELECT offence_id, person_id FROM da_involved WHERE role = 'victim'),
                s AS (SELECT offence_id, person_id FROM da_involved WHERE role = 'suspect'),
                p AS (SELECT v.person_id AS victim, s.person_id AS suspect, count(*) AS n
                      FROM v JOIN s USING (offence_id) WHERE v.person_id <> s.person_id
                      GROUP BY ALL)
           SELECT (SELECT count(DISTINCT v.person_id) FROM v JOIN s USING (person_id)),
                  count(*), count(*) FILTER (WHERE n >= 2) FROM p""",
    )
    others = ages[ages.role == "witness_or_involved_party"]
    offences_basis = repeats[repeats.counted == "offences"].set_index("role")
    v, s = offences_basis.loc["victim"], offences_basis.loc["suspect"]

    def modal(role: str) -> object:
        m = ages[(ages.role == role) & ages.modal]
        return m.age_band.iloc[0] if len(m) else None

    return {
        "area_code": scope.area_code,
        "area_name": scope.area_name,
        "period": str(scope.period),
        "months": scope.period.months,
        "source": "offence (force extract)",
        "offences": off,
        "crimed_incidents": inc,
        "records": off + inc,
        "all_offences": all_off,
        "all_crimed_incidents": all_inc,
        "share_of_crime": off / all_off if all_off else math.nan,
        "records_share_of_crime": (off + inc) / all_off if all_off else math.nan,
        "harm": float(harm),
        "unweighted_offences": unweighted,
        "harm_scheme": harm_label,
        "victims": v.people,
        "repeat_victims": v.repeat_people,
        "repeat_victim_share": v.repeat_share,
        "mean_among_repeat_victims": v.mean_among_repeat,
        "suspects": s.people,
        "repeat_suspects": s.repeat_people,
        "repeat_suspect_share": s.repeat_share,
        "mean_among_repeat_suspects": s.mean_among_repeat,
        "max_per_suspect": s.max_per_person,
        "victims_also_suspects": both,
        "pairs": pairs,
        "repeat_pairs": repeat_pairs,
        "repeat_pair_share": repeat_pairs / pairs if pairs else math.nan,
        "victim_modal_band": modal("victim"),
        "suspect_modal_band": modal("suspect"),
        "witnesses_and_involved_parties": int(others.people.sum()),
        "children_under_16": int(others.people[others.age_band == "under 16"].sum()),
        "synthetic": bool(any_synth),
    }


def _monthly(con: duckdb.DuckDBPyConnection, scope: Scope, harm_label: str) -> pd.DataFrame:
    counts = con.execute(
        """SELECT month, count(*) FILTER (WHERE record_type = 'offence') AS offences,
                  count(*) FILTER (WHERE record_type = 'crimed_incident') AS crimed_incidents,
                  count(*) AS records, coalesce(sum(weight), 0) AS harm
           FROM da_records GROUP BY month"""
    ).df()
    counts["month"] = pd.to_datetime(counts["month"])
    months = pd.DataFrame({"month": pd.to_datetime(scope.period.month_starts())})
    frame = months.merge(counts, on="month", how="left")
    frame = frame.fillna({"offences": 0, "crimed_incidents": 0, "records": 0, "harm": 0.0})
    frame["harm_scheme"] = harm_label
    return frame[list(MONTHLY_COLUMNS)].astype(MONTHLY_COLUMNS)


def _repeats(con: duckdb.DuckDBPyConnection) -> tuple[pd.DataFrame, pd.DataFrame]:
    long = """SELECT role, 'offences' AS counted, person_id, offences AS n FROM da_per_person
              UNION ALL
              SELECT role, 'records', person_id, records FROM da_per_person"""
    repeats = con.execute(
        f"""SELECT role, counted, count(*) AS people, count(*) FILTER (WHERE n >= 2)
                   AS repeat_people, avg(n) FILTER (WHERE n >= 2) AS mean_among_repeat,
                   coalesce(max(n), 0) AS max_per_person
            FROM ({long}) GROUP BY ALL"""
    ).df()
    grid = pd.DataFrame(
        [(r, c) for r in ("victim", "suspect") for c in ("offences", "records")],
        columns=["role", "counted"],
    )
    repeats = grid.merge(repeats, how="left", on=["role", "counted"]).fillna(
        {"people": 0, "repeat_people": 0, "max_per_person": 0}
    )
    repeats["repeat_share"] = repeats.repeat_people / repeats.people.where(repeats.people > 0)
    dist = con.execute(
        f"""SELECT role, counted, n AS per_person, count(*) AS people
            FROM ({long}) GROUP BY ALL ORDER BY role DESC, counted, per_person"""
    ).df()
    totals = dist.groupby(["role", "counted"]).people.transform("sum")
    dist["share"] = dist.people / totals
    return (
        repeats[list(REPEATS_COLUMNS)].astype(REPEATS_COLUMNS),
        dist[list(DISTRIBUTION_COLUMNS)].astype(DISTRIBUTION_COLUMNS),
    )


def _ages(con: duckdb.DuckDBPyConnection) -> pd.DataFrame:
    people = con.execute(
        f"""WITH r AS (
                SELECT * FROM da_involved
                UNION ALL
                SELECT * REPLACE ('witness_or_involved_party' AS role) FROM da_involved
                WHERE role IN ('witness', 'involved_party'))
            SELECT role, age_band, count(*) AS people FROM (
                SELECT role, person_id, {person_band_sql(ONS_AGE_BANDS)} AS age_band
                FROM r GROUP BY ALL)
            GROUP BY ALL"""
    ).df()
    bands = [b[0] for b in ONS_AGE_BANDS] + [UNKNOWN]
    grid = pd.DataFrame([(r, b) for r in ROLES for b in bands], columns=["role", "age_band"])
    frame = grid.merge(people, how="left", on=["role", "age_band"]).fillna({"people": 0})
    totals = frame.groupby("role").people.transform("sum")
    frame["share"] = frame.people / totals.where(totals > 0)
    known = frame[(frame.age_band != UNKNOWN) & (frame.people > 0)]
    # The modal band: most people; ties go to the younger band (the order of the bands).
    top = known.loc[known.groupby("role", sort=False).people.idxmax()] if len(known) else known
    frame["modal"] = frame.index.isin(top.index)
    return frame[list(AGES_COLUMNS)].astype(AGES_COLUMNS)


def _factors(con: duckdb.DuckDBPyConnection) -> pd.DataFrame:
    frame = con.execute(
        """SELECT marker, count(*) AS records,
                  count(*) / (SELECT count(*) FROM da_records) AS share
           FROM (SELECT unnest(markers) AS marker FROM da_records)
           WHERE marker <> 'DA' GROUP BY marker ORDER BY records DESC, marker"""
    ).df()
    frame["description"] = frame.marker.map(marker_vocabulary()).astype(object)
    return frame[list(FACTORS_COLUMNS)].astype(FACTORS_COLUMNS)


def domestic_abuse_sentences(p: DomesticAbuseProfile) -> list[str]:
    """The chapter's headline figures as sentences (every number from the frames)."""
    s = p.summary.iloc[0]
    out = ["SYNTHETIC DATA: these figures describe no real people."] if s.synthetic else []
    out += [
        f"{s.area_name}, {Period.parse(s.period).label}: {s.offences:,} domestic abuse offences "
        f"and {s.crimed_incidents:,} crimed incidents ({s.share_of_crime:.1%} of all offences).",
        f"{s.victims:,} victims; {s.repeat_victims:,} were victims of more than one offence "
        f"(mean {s.mean_among_repeat_victims:.1f} among them).",
        f"{s.suspects:,} suspects; {s.repeat_suspect_share:.1%} (n = {s.repeat_suspects:,}) "
        f"were suspects for more than one offence; the most for one suspect: {s.max_per_suspect}.",
        f"Victims mostly {s.victim_modal_band}, suspects mostly {s.suspect_modal_band}; "
        f"{s.children_under_16:,} of {s.witnesses_and_involved_parties:,} witnesses and involved "
        "parties were children under 16.",
        f"MARAC {s.marac_period}: {s.marac_referrals:,} referrals, {s.marac_repeat_referrals:,} "
        f"repeats, {s.marac_children:,} children in the households.",
    ]
    if s.marac_note:
        out.append(f"MARAC rate: {s.marac_note}.")
    else:
        out.append(
            f"MARAC: {s.marac_cases_per_10000_women:.1f} cases a year per 10,000 adult women "
            f"(SafeLives benchmark {s.safelives_benchmark:.0f})."
        )
    return out


def print_domestic_abuse(p: DomesticAbuseProfile, console: Console) -> None:
    """Print the sentences, then each frame as a table."""
    for sentence in domestic_abuse_sentences(p):
        console.print(sentence, highlight=False)
    label = p.summary.harm_scheme[0]
    print_frame(p.monthly.drop(columns="harm_scheme"), f"By month (Chart 3); {label}", console)
    print_frame(p.repeats, "Repeat victims and suspects (Chart 2)", console)
    print_frame(p.ages, "Ages (ONS bands)", console)
    print_frame(p.factors, "Aggravating factors (Chart 5)", console)
    service = p.service.pivot(index="month", columns="channel", values="contacts").reset_index()
    print_frame(service, "DA service contacts by channel (Chart 4)", console)
    print_frame(p.marac, "MARAC referrals (Chart 6)", console)
