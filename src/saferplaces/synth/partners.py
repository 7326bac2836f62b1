"""Synthetic partner datasets consistent with the synthetic people.

- ``marac``: referrals of high-risk domestic abuse victims (only people who are DA victims in
  the force extract; the more DA records, the likelier), some referred again within the year;
- ``da_service``: contacts with a domestic abuse service by channel and month, with the
  profile's lockdown effects; a share carry a DA victim's person_id;
- ``ce_cohort``: children supported by a child exploitation team, of whom only a share are
  police-recorded CSE/CCE victims (the rest never reached police records).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from saferplaces.periods import Period
from saferplaces.synth.draws import exact_shuffle
from saferplaces.synth.people import People
from saferplaces.synth.profile import Profile

__all__ = ["generate_ce_cohort", "generate_da_service", "generate_marac"]


def _period_days(period: Period) -> tuple[np.datetime64, np.datetime64]:
    start = np.datetime64(period.start, "D")
    end = np.datetime64((pd.Timestamp(period.end) + pd.offsets.MonthEnd(0)).date(), "D")
    return start, end


def generate_marac(
    rng: np.random.Generator, profile: Profile, people: People, records: pd.DataFrame
) -> pd.DataFrame:
    """MARAC referrals: columns case_id, referral_date, person (int), children_in_household."""
    spec = profile["partners"]["marac"]
    start, end = _period_days(Period.parse(spec["period"]))
    inv = people.involvements
    ppl = people.people.set_index("person")
    dates = records.recorded_date.to_numpy().astype("datetime64[D]")
    v = inv[(inv.role == "victim") & (ppl.group.reindex(inv.person).to_numpy() == "da_victim")]
    v = v.assign(date=dates[v.record.to_numpy()])
    v = v[(v.date >= start) & (v.date <= end)]
    n_da = v.groupby("person").size()
    total = int(spec["referrals"])
    repeats = round(total * float(spec["repeat_share"]))
    distinct = min(total - repeats, len(n_da))
    # high risk: the more DA records a victim has, the likelier a referral
    w = n_da.to_numpy(dtype=float) ** 1.5
    chosen = rng.choice(n_da.index.to_numpy(), size=distinct, replace=False, p=w / w.sum())
    # the referral follows one of the victim's records in the period, by up to four weeks
    pick = v[v.person.isin(chosen)].sample(frac=1.0, random_state=rng).drop_duplicates("person")
    first = pick.date.to_numpy() + rng.integers(0, 29, size=len(pick)).astype("timedelta64[D]")
    again_w = w[np.searchsorted(n_da.index.to_numpy(), pick.person.to_numpy())]
    again = rng.choice(len(pick), size=min(repeats, len(pick)), replace=False,
                       p=again_w / again_w.sum())  # fmt: skip
    second = first[again] + rng.integers(30, 240, size=len(again)).astype("timedelta64[D]")
    out = pd.DataFrame(
        {
            "person": np.concatenate([pick.person.to_numpy(), pick.person.to_numpy()[again]]),
            "referral_date": np.minimum(np.concatenate([first, second]), end),
        }
    ).sort_values(["referral_date", "person"], kind="stable", ignore_index=True)
    out["children_in_household"] = ppl.children.reindex(out.person).to_numpy()
    out.insert(0, "case_id", [f"SYN-MARAC-{i:05d}" for i in range(1, len(out) + 1)])
    return out


def generate_da_service(rng: np.random.Generator, profile: Profile, people: People) -> pd.DataFrame:
    """DA service contacts: columns date, channel, person (int, -1 when not linked)."""
    spec = profile["partners"]["da_service"]
    period = Period.parse(spec["period"])
    months = [pd.Timestamp(m) for m in period.month_starts()]
    channels = list(spec["monthly"])
    effects = spec.get("effects", {})
    lam = np.array(
        [
            [
                float(spec["monthly"][c]) * float(effects.get(f"{m:%Y-%m}", {}).get(c, 1.0))
                for c in channels
            ]
            for m in months
        ]
    )
    counts = rng.poisson(lam)
    cell = exact_shuffle(rng, counts.ravel())
    month, channel = np.divmod(cell, len(channels))
    starts = np.array([m.to_datetime64() for m in months], dtype="datetime64[D]")
    days = np.array([m.days_in_month for m in months])
    date = starts[month] + np.floor(rng.random(len(cell)) * days[month]).astype("timedelta64[D]")
    victims = people.people.person[people.people.group == "da_victim"].to_numpy()
    linked = (rng.random(len(cell)) < float(spec["linked_share"])) & (
        np.array(channels)[channel] != "website"
    )
    person = np.where(linked, rng.choice(victims, size=len(cell)), -1)
    out = pd.DataFrame({"date": date, "channel": np.array(channels)[channel], "person": person})
    return out.sort_values(["date", "channel"], kind="stable", ignore_index=True)


def generate_ce_cohort(
    rng: np.random.Generator, profile: Profile, people: People, first_new_id: int
) -> pd.DataFrame:
    """Children supported by the CE team: columns person (int), start, end, gender, age, type.

    ``first_new_id`` is the first person number not used by the force extract: children the
    police never recorded get new numbers from there.
    """
    spec = profile["partners"]["ce_cohort"]
    start, end = _period_days(Period.parse(spec["period"]))
    n = int(spec["children"])
    ppl = people.people
    police = ppl[ppl.group.isin(["cse_victim", "cce_victim"]) & ppl.resident_in_area]
    k = min(round(n * float(spec["police_victim_share"])), len(police))
    known = police.iloc[rng.choice(len(police), size=k, replace=False)]
    new = n - k
    # the rest: genders so that the whole cohort has the profile's female share
    female_new = max(
        round(n * float(spec["female_share"])) - int((known.gender == "female").sum()), 0
    )
    gender_new = np.array(
        ["female"] * min(female_new, new) + ["male"] * (new - min(female_new, new))
    )
    rng.shuffle(gender_new)
    types = pd.Series(spec["types"], dtype=float)
    type_new = types.index.to_numpy()[rng.choice(len(types), size=new, p=types / types.sum())]
    type_known = np.where(
        known.group.to_numpy() == "cse_victim",
        np.where(rng.random(k) < 0.2, "both", "CSE"),
        "CCE",
    )
    lo, hi = spec["ages"]
    # started during the year or up to a year before it; about half still supported at its end
    begun = start + rng.integers(-365, (end - start).astype(int), size=n).astype("timedelta64[D]")
    length = rng.integers(60, 540, size=n).astype("timedelta64[D]")
    # everyone in the cohort was supported for at least a fortnight of the year
    finished = np.maximum(begun + length, start + np.timedelta64(14, "D"))
    out = pd.DataFrame(
        {
            "person": np.concatenate(
                [known.person.to_numpy(), np.arange(first_new_id, first_new_id + new)]
            ),
            "start": begun,
            "end": np.where(finished <= end, finished, np.datetime64("NaT")),
            "gender": np.concatenate([known.gender.to_numpy(), gender_new]),
            "age": rng.integers(lo, hi + 1, size=n),
            "type": np.concatenate([type_known, type_new]),
        }
    )
    order = rng.permutation(n)
    return out.iloc[order].reset_index(drop=True)
