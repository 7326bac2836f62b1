"""Synthetic offences and crimed incidents: when, where, what (Home Office code) and markers.

Every step is an exact apportionment followed by a shuffle, so the totals a profile asks for
(offences, each group's share, each locality's crimes, DA and CSE/CCE records) are met exactly,
while which record gets which month, LSOA and code is random.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from functools import cache

import numpy as np
import pandas as pd

from saferplaces.harm.offence_mix import offence_codes, offence_mix
from saferplaces.periods import Period
from saferplaces.synth.draws import apportion, exact_shuffle
from saferplaces.synth.places import Places
from saferplaces.synth.profile import Profile

__all__ = [
    "VIOLENCE_GROUPS",
    "History",
    "generate_history",
    "generate_offences",
    "group_of_codes",
    "history_period",
    "place_records",
]

VIOLENCE_GROUPS = ("Violence without injury", "Violence with injury")
_SUBGROUP_GROUP = {
    "Violence without injury": "Violence without injury",
    "Stalking and harassment": "Violence without injury",
    "Violence with injury": "Violence with injury",
    "Homicide": "Violence with injury",
    "Rape offences": "Sexual offences",
    "Other sexual offences": "Sexual offences",
}
_NO_VICTIM_GROUPS = ("Drugs", "Possession of weapons", "Public order")


@cache
def group_of_codes(force: str) -> pd.DataFrame:
    """The force's offence codes with their generator group and share within the group.

    Groups are the data.police.uk categories, except that "Violence and sexual offences" is split
    into "Violence without injury" (with stalking and harassment), "Violence with injury" (with
    homicide) and "Sexual offences". Columns: offence_code, description, category, group,
    offences, share_in_group, share_of_all.
    """
    mix = offence_mix(force)
    codes = offence_codes()[["code", "subgroup"]].rename(columns={"code": "offence_code"})
    m = mix.merge(codes, on="offence_code", how="left")
    m = m[m.offences > 0].copy()
    m["group"] = m.subgroup.map(_SUBGROUP_GROUP).fillna(m.category)
    m["share_in_group"] = m.offences / m.groupby("group").offences.transform("sum")
    m["share_of_all"] = m.offences / m.offences.sum()
    cols = ["offence_code", "description", "category", "group", "offences"]
    return m[[*cols, "share_in_group", "share_of_all"]].reset_index(drop=True)


def _group_shares(profile: Profile) -> pd.Series:
    """Share of all offences per group: the profile's fixed shares, the rest by the force mix."""
    codes = group_of_codes(profile["force"])
    mix = codes.groupby("group").share_of_all.sum()
    fixed = pd.Series(profile["crime"].get("group_shares", {}), dtype=float)
    rest = mix.drop(fixed.index, errors="ignore")
    shares = pd.concat([fixed, rest / rest.sum() * (1 - fixed.sum())])
    return shares.sort_index()


def _month_weights(profile: Profile) -> tuple[list[pd.Timestamp], np.ndarray]:
    months = [pd.Timestamp(m) for m in profile.period.month_starts()]
    crime = profile["crime"]
    season = crime.get("seasonality", {})
    shocks = crime.get("shocks", {})
    w = np.array(
        [float(season.get(f"{m:%m}", 1.0)) * float(shocks.get(f"{m:%Y-%m}", 1.0)) for m in months]
    )
    return months, w


def _dates(rng: np.random.Generator, months: list[pd.Timestamp], which: np.ndarray) -> np.ndarray:
    """A uniform day within each record's month (datetime64[D])."""
    starts = np.array([m.to_datetime64() for m in months], dtype="datetime64[D]")
    days = np.array([m.days_in_month for m in months])
    return starts[which] + np.floor(rng.random(len(which)) * days[which]).astype("timedelta64[D]")


def _lsoa_counts(profile: Profile, places: Places, total: int, intensity: np.ndarray) -> np.ndarray:
    """Crimes per LSOA: each locality gets its profile count, the rest by intensity."""
    codes = places.lsoas.lsoa_code.to_numpy()
    counts = np.zeros(len(codes), dtype=np.int64)
    in_locality = np.zeros(len(codes), dtype=bool)
    for loc in profile["localities"].values():
        member = np.isin(codes, loc["lsoas"]) & ~in_locality
        counts[member] = apportion(int(loc["crimes"]), intensity[member])
        in_locality |= member
    rest = total - counts.sum()
    counts[~in_locality] = apportion(int(rest), intensity[~in_locality])
    return counts


def place_records(
    rng: np.random.Generator,
    profile: Profile,
    places: Places,
    n: int,
    lsoa_counts: np.ndarray,
) -> pd.DataFrame:
    """``n`` records with a month (by seasonality and shocks), a day, an LSOA (``lsoa_counts``
    exactly, in random order) and a snap point of that LSOA."""
    months, w = _month_weights(profile)
    month = exact_shuffle(rng, apportion(n, w))
    lsoa = exact_shuffle(rng, lsoa_counts)
    return _locate(rng, places, months, month, lsoa)


def _locate(
    rng: np.random.Generator,
    places: Places,
    months: list[pd.Timestamp],
    month: np.ndarray,
    lsoa: np.ndarray,
) -> pd.DataFrame:
    """Records in the given months and LSOAs (indices): a day, times and a snap point each."""
    n = len(month)
    per = len(places.points) // len(places.lsoas)
    point = lsoa * per + rng.integers(0, per, size=n)
    pts = places.points.iloc[point]
    recorded = _dates(rng, months, month)
    # committed up to a week before it was recorded, at a random time of day
    lag_min = np.floor(rng.exponential(1.2 * 24 * 60, size=n)).astype(np.int64).clip(0, 7 * 1440)
    committed = (
        recorded.astype("datetime64[m]")
        + np.timedelta64(8 * 60, "m")
        - lag_min.astype("timedelta64[m]")
        + rng.integers(0, 16 * 60, size=n).astype("timedelta64[m]")
    )
    committed = np.minimum(committed, recorded.astype("datetime64[m]") + np.timedelta64(1439, "m"))
    return pd.DataFrame(
        {
            "month_index": month,
            "recorded_date": recorded,
            "committed_from": committed,
            "lsoa_index": lsoa,
            "lsoa_code": places.lsoas.lsoa_code.to_numpy()[lsoa],
            "lsoa_name": places.lsoas.lsoa_name.to_numpy()[lsoa],
            "longitude": pts.longitude.to_numpy(),
            "latitude": pts.latitude.to_numpy(),
            "location": pts.location.to_numpy(),
        }
    )


def _draw_codes(rng: np.random.Generator, force: str, records: pd.DataFrame) -> None:
    """A Home Office code within each record's ``group`` by the force's mix, with its
    description and data.police.uk category (columns added to ``records``)."""
    codes = group_of_codes(force)
    code = np.empty(len(records), dtype=object)
    for g, part in codes.groupby("group"):
        rows = np.flatnonzero(records["group"].to_numpy() == g)
        p = part.share_in_group.to_numpy()
        code[rows] = part.offence_code.to_numpy()[
            rng.choice(len(part), size=len(rows), p=p / p.sum())
        ]
    lookup = codes.set_index("offence_code")
    records["offence_code"] = code
    records["offence_description"] = lookup.description.reindex(code).to_numpy()
    records["police_uk_category"] = lookup.category.reindex(code).to_numpy()


def _draw_outcomes(rng: np.random.Generator, profile: Profile, n: int) -> np.ndarray:
    """data.police.uk outcome categories at the profile's shares."""
    outcomes = pd.Series(profile["crime"]["outcomes"], dtype=float)
    pick = rng.choice(len(outcomes), size=n, p=outcomes.to_numpy() / outcomes.sum())
    return outcomes.index.to_numpy()[pick]


def _pick(rng: np.random.Generator, pool: np.ndarray, k: int, what: str) -> np.ndarray:
    if k > len(pool):
        raise ValueError(f"the profile asks for {k} {what} but only {len(pool)} records fit")
    return rng.choice(pool, size=k, replace=False)


def generate_offences(
    rng: np.random.Generator, profile: Profile, places: Places, intensity: np.ndarray
) -> pd.DataFrame:
    """Offences (``record_type`` offence) and crimed incidents with codes and markers.

    Columns: offence_id, record_type, recorded_date, committed_from, offence_code,
    offence_description, police_uk_category, group, lsoa_code, lsoa_name, longitude, latitude,
    location, outcome, is_da, is_cse, is_cce, plus one boolean ``m_<MARKER>`` column per marker
    other than DA, CSE, CCE and CHILD_PRESENT (those follow from people).
    """
    crime, da, ce = profile["crime"], profile["domestic_abuse"], profile["exploitation"]
    n = int(crime["offences"])

    # Place and time
    off = place_records(rng, profile, places, n, _lsoa_counts(profile, places, n, intensity))
    off["record_type"] = "offence"

    # Group, then a Home Office code within the group by the force's mix
    shares = _group_shares(profile)
    group_idx = exact_shuffle(rng, apportion(n, shares.to_numpy()))
    groups = shares.index.to_numpy()
    off["group"] = groups[group_idx]
    _draw_codes(rng, profile["force"], off)

    # Domestic abuse: the profile's count per group
    is_da = np.zeros(n, dtype=bool)
    da_groups = pd.Series(da["group_shares"], dtype=float)
    for g, k in zip(
        da_groups.index, apportion(int(da["offences"]), da_groups.to_numpy()), strict=True
    ):
        pool = np.flatnonzero((off["group"].to_numpy() == g) & ~is_da)
        is_da[_pick(rng, pool, int(k), f"DA offences in {g}")] = True
    off["is_da"] = is_da

    # Child exploitation: CSE among sexual offences, CCE among drugs and other crime
    group = off["group"].to_numpy()
    is_cse = np.zeros(n, dtype=bool)
    is_cce = np.zeros(n, dtype=bool)
    cse_pool = np.flatnonzero((group == "Sexual offences") & ~is_da)
    is_cse[_pick(rng, cse_pool, int(ce["cse_records"]), "CSE offences")] = True
    cce_pool = np.flatnonzero(np.isin(group, ["Drugs", "Other crime", "Possession of weapons"]))
    is_cce[_pick(rng, cce_pool, int(ce["cce_records"]), "CCE offences")] = True
    off["is_cse"], off["is_cce"] = is_cse, is_cce

    # Crimed incidents: domestic abuse only (no offence code or category)
    k = int(da["crimed_incidents"])
    inc = place_records(rng, profile, places, k, apportion(k, intensity))
    inc["record_type"] = "crimed_incident"
    inc["group"] = "Crimed incident"
    inc["offence_code"] = inc["offence_description"] = inc["police_uk_category"] = None
    inc["is_da"], inc["is_cse"], inc["is_cce"] = True, False, False
    records = pd.concat([off, inc], ignore_index=True)

    # Outcomes (data.police.uk categories)
    records["outcome"] = _draw_outcomes(rng, profile, len(records))
    records.loc[records.record_type != "offence", "outcome"] = None

    # Other markers at the profile's rates within their base
    violence = np.isin(records["group"].to_numpy(), VIOLENCE_GROUPS)
    bases = {
        "all": records.record_type.to_numpy() == "offence",
        "non_da": ~records.is_da.to_numpy(),
        "violence": violence,
        "non_da_violence": violence & ~records.is_da.to_numpy(),
        "da": records.is_da.to_numpy(),
    }
    flags: dict[str, np.ndarray] = {}
    for name, spec in profile["markers"].items():
        base = bases[spec["among"]]
        flags[name] = base & (rng.random(len(records)) < float(spec["rate"]))
    for name, rate in da.get("markers", {}).items():
        if isinstance(rate, int | float):
            extra = bases["da"] & (rng.random(len(records)) < float(rate))
            flags[name] = flags.get(name, np.zeros(len(records), dtype=bool)) | extra
    for name, f in flags.items():
        records[f"m_{name}"] = f

    records["offence_id"] = np.char.add(
        "SYN-", np.char.zfill(np.arange(1, len(records) + 1).astype(str), 7)
    )
    records["no_victim_group"] = np.isin(records["group"].to_numpy(), _NO_VICTIM_GROUPS)
    return records


@dataclass(frozen=True)
class History:
    """Street records for the months before a profile's period (:func:`generate_history`)."""

    period: Period
    crimes: pd.DataFrame
    asb: pd.DataFrame


def history_period(profile: Profile, months: int) -> Period:
    """The ``months`` months just before the profile's period."""
    before = profile.period.start - timedelta(days=1)
    return Period.latest(before.replace(day=1), months)


def generate_history(
    rng: np.random.Generator,
    profile: Profile,
    places: Places,
    intensity: np.ndarray,
    months: int,
) -> History:
    """Crimes and ASB for ``months`` months before the profile's period: data.police.uk street
    records only (no extract offences, no people), the baseline that trends need.

    Each month's count is Poisson with mean: the period's level without its shocks (the
    profile's count over its seasonal weights), times the month's seasonality, divided by
    ``(1 + history.annual_change)`` once for each year back. Places follow the period's crimes
    per LSOA (localities keep their share), groups the profile's shares, codes the force's mix;
    unlike the period, nothing is apportioned exactly, so the history has Poisson noise.
    """
    hp = history_period(profile, months)
    crime = profile["crime"]
    change = float(profile.data.get("history", {}).get("annual_change", 0.0))
    _, w = _month_weights(profile)
    season = crime.get("seasonality", {})
    month_starts = [pd.Timestamp(m) for m in hp.month_starts()]
    back = np.arange(months, 0, -1)  # months before the period's first month
    level = np.array([float(season.get(f"{m:%m}", 1.0)) for m in month_starts]) / (
        (1.0 + change) ** np.ceil(back / 12)
    )
    n = int(crime["offences"])
    per_lsoa = _lsoa_counts(profile, places, n, intensity).astype(float)

    def draw(total: int, lsoa_weights: np.ndarray) -> pd.DataFrame:
        counts = rng.poisson(total / w.sum() * level)
        month = np.repeat(np.arange(months), counts)
        lsoa = rng.choice(len(lsoa_weights), size=len(month), p=lsoa_weights / lsoa_weights.sum())
        return _locate(rng, places, month_starts, month, lsoa)

    crimes = draw(n, per_lsoa)
    shares = _group_shares(profile)
    crimes["group"] = shares.index.to_numpy()[
        rng.choice(len(shares), size=len(crimes), p=shares.to_numpy() / shares.sum())
    ]
    _draw_codes(rng, profile["force"], crimes)
    crimes["outcome"] = _draw_outcomes(rng, profile, len(crimes))
    asb = draw(int(crime["asb_incidents"]), np.asarray(intensity, dtype=float))
    return History(hp, crimes, asb)
