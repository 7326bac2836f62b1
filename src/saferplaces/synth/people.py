"""Synthetic people and their involvement in records: victims, suspects, witnesses, children.

Domestic abuse: a fixed number of victims and suspects whose offence counts come from a
truncated Poisson-gamma process (:func:`saferplaces.synth.draws.repeat_counts`); victims and
suspects are paired by rank of their counts, so a couple's offences recur together, and crimed
incidents repeat pairs already seen. Children in the household join DA records as involved
parties (some as witnesses). CSE and CCE victims are children, CSE suspects follow the profile's
age table exactly. Every other offence gets victims, suspects and witnesses at the profile's
rates, with repeat people from the same process.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from saferplaces.synth.draws import apportion, band_bounds, draw_ages, repeat_counts
from saferplaces.synth.profile import Profile

__all__ = ["People", "generate_people"]


@dataclass
class People:
    """People (one row per person) and involvements (one row per person per record).

    ``people`` columns: person, dob (datetime64), gender, resident_in_area, group (da_victim,
    da_suspect, child, cse_victim, cce_victim, cse_suspect, cce_suspect, victim, suspect,
    witness), children (DA victims: how many children in the household), age_known. ``involvements``
    columns: record (row of the records frame), person, role.
    """

    people: pd.DataFrame
    involvements: pd.DataFrame
    child_present: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=bool))


class _Builder:
    """Collects people and involvements as numpy blocks; ids are allocated in order."""

    def __init__(self, rng: np.random.Generator) -> None:
        self.rng = rng
        self.next_id = 0
        self.people: list[pd.DataFrame] = []
        self.links: list[pd.DataFrame] = []

    def new_people(
        self,
        n: int,
        group: str,
        female_share: float,
        resident_share: float = 0.97,
        female_exact: bool = False,
    ) -> np.ndarray:
        ids = np.arange(self.next_id, self.next_id + n)
        self.next_id += n
        if female_exact:
            female = np.zeros(n, dtype=bool)
            female[: round(n * female_share)] = True
            self.rng.shuffle(female)
        else:
            female = self.rng.random(n) < female_share
        self.people.append(
            pd.DataFrame(
                {
                    "person": ids,
                    "gender": np.where(female, "female", "male"),
                    "resident_in_area": self.rng.random(n) < resident_share,
                    "group": group,
                    "children": 0,
                    "age_known": True,
                }
            )
        )
        return ids

    def link(self, records: np.ndarray, persons: np.ndarray, role: str) -> None:
        self.links.append(pd.DataFrame({"record": records, "person": persons, "role": role}))


def _slots(counts: np.ndarray, ids: np.ndarray, order_by_count: bool, rng: np.random.Generator):
    """Person id per slot: each id repeated by its count (largest counts first if asked)."""
    if order_by_count:
        order = np.lexsort((rng.random(len(counts)), -counts))
        counts, ids = counts[order], ids[order]
    return np.repeat(ids, counts)


def _counts_for_slots(
    rng: np.random.Generator, slots: int, spec: dict, force_max: bool = False
) -> np.ndarray:
    """Counts per person for ``slots`` events, with the spec's repeat share and mean."""
    share, mean = float(spec["repeat_share"]), float(spec["mean_among_repeat"])
    people = int(np.ceil(slots / (1 - share + share * mean) * 1.1)) + 10
    counts = repeat_counts(
        rng, people, round(people * share), mean, int(spec["max"]), float(spec["dispersion"]),
        force_max=force_max,
    )  # fmt: skip
    cum = np.cumsum(counts)
    last = int(np.searchsorted(cum, slots))
    counts = counts[: last + 1].copy()
    counts[-1] -= int(cum[last] - slots)
    return counts[counts > 0]


def _domestic_abuse(b: _Builder, records: pd.DataFrame, da: dict) -> np.ndarray:
    """DA victims, suspects and children; returns the CHILD_PRESENT flag per record."""
    rng = b.rng
    n = len(records)
    is_da = records.is_da.to_numpy()
    offences = np.flatnonzero(is_da & (records.record_type.to_numpy() == "offence"))
    incidents = np.flatnonzero(is_da & (records.record_type.to_numpy() == "crimed_incident"))
    v, s = da["victims"], da["suspects"]
    vc = repeat_counts(rng, int(v["people"]), int(v["repeat"]), float(v["mean_among_repeat"]),
                       int(v["max"]), float(v["dispersion"]), force_max=False)  # fmt: skip
    sc = repeat_counts(rng, int(s["people"]), int(s["repeat"]), float(s["mean_among_repeat"]),
                       int(s["max"]), float(s["dispersion"]), force_max=True)  # fmt: skip
    if max(vc.sum(), sc.sum()) > len(offences):
        raise ValueError(
            f"the DA victims and suspects need {max(vc.sum(), sc.sum())} offences but the profile "
            f"has {len(offences)}; lower the repeat counts or raise the DA offences"
        )
    victims = b.new_people(len(vc), "da_victim", float(da["female_share"]["victim"]))
    suspects = b.new_people(len(sc), "da_suspect", float(da["female_share"]["suspect"]))
    # Pair by rank: the most repeated victims with the most repeated suspects, so pairs recur.
    v_slots = _slots(vc, victims, True, rng)
    s_slots = _slots(sc, suspects, True, rng)
    # Each couple's offences are consecutive slots; give the slots to offences in date order of
    # a random permutation so a pair's offences spread over the year.
    target = rng.permutation(offences)
    b.link(target[: len(v_slots)], v_slots, "victim")
    b.link(target[: len(s_slots)], s_slots, "suspect")
    # Crimed incidents repeat pairs already seen (a known couple's later incidents)
    paired = min(len(v_slots), len(s_slots))
    j = rng.integers(0, paired, size=len(incidents))
    b.link(incidents, v_slots[j], "victim")
    b.link(incidents, s_slots[j], "suspect")

    # Children in the household: involved parties (a quarter as witnesses) on some DA records
    ch = da["children"]
    kids = np.minimum(rng.poisson(float(ch["per_victim_mean"]), size=len(victims)), 5)
    b.people[-2]["children"] = kids
    first_child = b.next_id
    b.new_people(int(kids.sum()), "child", 0.5)
    offset = np.concatenate([[0], np.cumsum(kids)[:-1]]) + first_child
    rec = np.concatenate([target[: len(v_slots)], incidents])
    vic = np.concatenate([v_slots, v_slots[j]])
    k = kids[vic - victims[0]]
    present = (k > 0) & (rng.random(len(rec)) < float(ch["child_present_share"]))
    rec, vic, k = rec[present], vic[present], k[present]
    rows = np.repeat(np.arange(len(rec)), k)
    nth = np.arange(len(rows)) - np.repeat(np.cumsum(k) - k, k)
    child = offset[vic[rows] - victims[0]] + nth
    role = np.where(rng.random(len(rows)) < 0.25, "witness", "involved_party")
    for r in ("involved_party", "witness"):
        b.link(rec[rows][role == r], child[role == r], r)
    flag = np.zeros(n, dtype=bool)
    flag[rec] = True
    return flag


def _exploitation(b: _Builder, records: pd.DataFrame, ce: dict) -> None:
    """CSE and CCE victims (children) and suspects (CSE: the profile's age table exactly)."""
    rng = b.rng
    non_resident = float(ce.get("non_resident_victim_share", 0.0))
    for kind, victims_n, female in (
        ("cse", int(ce["cse_victims"]), float(ce["cse_victim_female_share"])),
        ("cce", int(ce["cce_victims"]), 0.2),
    ):
        recs = rng.permutation(np.flatnonzero(records[f"is_{kind}"].to_numpy()))
        vic = b.new_people(victims_n, f"{kind}_victim", female, 1 - non_resident, female_exact=True)
        # every victim once, then the remaining records to victims with gamma-distributed weights
        weights = rng.gamma(0.7, size=victims_n)
        extra = rng.choice(vic, size=max(len(recs) - victims_n, 0), p=weights / weights.sum())
        b.link(recs, np.concatenate([vic, extra])[: len(recs)], "victim")
        if kind == "cse":
            bands = dict(ce["cse_suspect_ages"])
            unknown = int(ce.get("cse_suspects_age_unknown", 0))
            per_band = [*bands.values(), unknown]
        else:
            bands, unknown = {"18-39": 1}, 0
            per_band = [*apportion(int(ce["cce_suspects"]), [1]).tolist(), 0]
        n_sus = int(sum(per_band))
        sus = b.new_people(n_sus, f"{kind}_suspect", 0.1)
        # the unknown-age suspects get an age drawn from 18-29 that is not written out
        band_of = np.repeat(np.arange(len(per_band)), per_band)
        rng.shuffle(band_of)
        names = np.array([*bands, "18-29"])
        b.people[-1]["band"] = names[band_of]
        b.people[-1]["age_known"] = band_of < len(bands)
        counts = np.where(rng.random(n_sus) < float(ce.get("cse_suspect_repeat_share", 0.15)),
                          rng.integers(2, 5, size=n_sus), 1)  # fmt: skip
        slots = np.repeat(sus, counts)
        # slot i to record perm[i mod n]: one suspect never appears twice on a record
        b.link(recs[np.arange(len(slots)) % len(recs)], slots, "suspect")


def _general(b: _Builder, records: pd.DataFrame, spec: dict) -> None:
    """Victims, suspects and witnesses of every other offence."""
    rng = b.rng
    base = (
        (records.record_type.to_numpy() == "offence")
        & ~records.is_da.to_numpy()
        & ~records.is_cse.to_numpy()
        & ~records.is_cce.to_numpy()
    )
    n = len(records)
    with_victim = np.flatnonzero(
        base & ~records.no_victim_group.to_numpy() & (rng.random(n) < float(spec["victim_rate"]))
    )
    with_suspect = np.flatnonzero(base & (rng.random(n) < float(spec["suspect_rate"])))
    with_witness = np.flatnonzero(base & (rng.random(n) < float(spec["witness_rate"])))
    female = spec["female_share"]
    for role, recs in (("victim", with_victim), ("suspect", with_suspect)):
        counts = _counts_for_slots(rng, len(recs), spec[f"{role}s"])
        ids = b.new_people(len(counts), role, float(female[role]))
        b.link(rng.permutation(recs), np.repeat(ids, counts), role)
    ids = b.new_people(len(with_witness), "witness", float(female["witness"]))
    b.link(with_witness, ids, "witness")


def _ages(
    rng: np.random.Generator, people: pd.DataFrame, inv: pd.DataFrame, dates: np.ndarray, p: Profile
) -> pd.DataFrame:
    """Dates of birth from an age at each person's first record (child victims: last), by group."""
    da, ce, gen = p["domestic_abuse"], p["exploitation"], p["people"]
    by_person = inv.assign(d=dates[inv.record.to_numpy()]).groupby("person").d
    people = people.set_index("person")
    people["first"] = by_person.min().reindex(people.index)
    # child victims: the age is their age at the last record, so they are children throughout
    child_victim = people["group"].isin(["cse_victim", "cce_victim"]).to_numpy()
    people.loc[child_victim, "first"] = by_person.max().reindex(people.index[child_victim])
    people["first"] = people["first"].fillna(pd.Timestamp(p.period.start))
    age = np.zeros(len(people), dtype=np.int64)
    g = people["group"].to_numpy()
    lo_v, hi_v = ce["victim_ages"]
    bands = {
        "da_victim": da["ages"]["victim"],
        "da_suspect": da["ages"]["suspect"],
        "victim": gen["ages"],
        "suspect": gen["ages"],
        "witness": gen["ages"],
        "child": {"0-15": 1},
        "cse_victim": {f"{lo_v}-{hi_v}": 1},
        "cce_victim": {f"{lo_v}-{hi_v}": 1},
    }
    for name, bb in bands.items():
        rows = np.flatnonzero(g == name)
        age[rows] = draw_ages(rng, len(rows), bb)
    fixed = np.flatnonzero(np.isin(g, ["cse_suspect", "cce_suspect"]))
    bounds = np.array([band_bounds(x) for x in people["band"].to_numpy()[fixed]])
    age[fixed] = bounds[:, 0] + np.floor(rng.random(len(fixed)) * (bounds[:, 1] - bounds[:, 0] + 1))
    # born `age` whole years and up to 364 days before the first record
    first_d = people["first"].to_numpy().astype("datetime64[D]")
    years = first_d.astype("datetime64[Y]").astype(np.int64) + 1970 - age
    md = first_d - first_d.astype("datetime64[Y]")
    anniversary = (years - 1970).astype("datetime64[Y]").astype("datetime64[D]") + md
    back = np.floor(rng.random(len(people)) * 364).astype("timedelta64[D]")
    people["dob"] = anniversary - back
    return people.drop(columns=["first", "band"]).reset_index()


def generate_people(rng: np.random.Generator, profile: Profile, records: pd.DataFrame) -> People:
    """People and involvements for the records (see :class:`People`)."""
    b = _Builder(rng)
    child_present = _domestic_abuse(b, records, profile["domestic_abuse"])
    _exploitation(b, records, profile["exploitation"])
    _general(b, records, profile["people"])
    people = pd.concat(b.people, ignore_index=True)
    if "band" not in people:
        people["band"] = None
    inv = pd.concat(b.links, ignore_index=True)
    dates = records.recorded_date.to_numpy().astype("datetime64[D]")
    people = _ages(rng, people, inv, dates, profile)
    return People(people, inv, child_present)
