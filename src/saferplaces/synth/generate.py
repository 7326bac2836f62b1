"""Generate a synthetic borough from a calibration profile and write it out."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from saferplaces.errors import SaferplacesError
from saferplaces.synth.draws import hex_ids
from saferplaces.synth.offences import generate_history, generate_offences, place_records
from saferplaces.synth.partners import generate_ce_cohort, generate_da_service, generate_marac
from saferplaces.synth.people import generate_people
from saferplaces.synth.places import backbone_intensity, load_places, proxy_intensity
from saferplaces.synth.profile import Profile, load_profile
from saferplaces.synth.write import (
    BANNER,
    person_ids,
    write_extract,
    write_partners,
    write_police_uk,
    write_readme,
)

__all__ = ["SynthResult", "generate"]


@dataclass
class SynthResult:
    """What :func:`generate` wrote: folders, files and a summary of the counts."""

    out: Path
    profile: str
    seed: int
    police_uk: Path
    extract: Path
    partners: dict[str, Path]
    summary: dict = field(default_factory=dict)

    def describe(self) -> list[str]:
        """Lines for a person: the banner, what was written and where."""
        s = self.summary
        return [
            BANNER,
            f"profile {self.profile}, seed {self.seed}: {s['offences']:,} offences, "
            f"{s['crimed_incidents']:,} crimed incidents, {s['people']:,} people, "
            f"{s['involvements']:,} involvements, {s['asb_incidents']:,} ASB incidents",
            *(
                [
                    f"history {s['history_period']} (data.police.uk files only): "
                    f"{s['history_crimes']:,} crimes, {s['history_asb']:,} ASB incidents"
                ]
                if s.get("history_months")
                else []
            ),
            f"data.police.uk files: {self.police_uk}",
            f"force extract:       {self.extract}",
            *(f"partner {k + ':':<12}  {p}" for k, p in self.partners.items()),
        ]


def _markers(records: pd.DataFrame, child_present: np.ndarray) -> np.ndarray:
    """The semicolon-separated marker list of each record (vocabulary of markers.yaml)."""
    flags = {
        "DA": records.is_da.to_numpy(),
        "CSE": records.is_cse.to_numpy(),
        "CCE": records.is_cce.to_numpy(),
        "CHILD_PRESENT": child_present,
    }
    flags.update({c[2:]: records[c].to_numpy() for c in records.columns if c.startswith("m_")})
    text = np.full(len(records), "", dtype=object)
    for name, flag in flags.items():
        text = np.where(flag, np.where(text == "", name, text + ";" + name), text)
    text[text == ""] = None
    return text


def _age_band(age: pd.Series) -> pd.Series:
    edges = [0, 10, 16, 18, 25, 35, 45, 55, 65, 200]
    labels = ["0-9", "10-15", "16-17", "18-24", "25-34", "35-44", "45-54", "55-64", "65+"]
    return pd.cut(age, edges, right=False, labels=labels).astype(str)


def generate(
    profile: str | Path | Profile,
    seed: int,
    out: Path,
    backbone: Path | None = None,
    scale: float = 1.0,
    history: int | None = None,
) -> SynthResult:
    """Generate a synthetic borough and write it under ``out`` (see saferplaces.synth.write).

    Parameters
    ----------
    profile : str, Path or Profile
        A bundled profile name (``telford-2019-20``), a profile YAML path, or a loaded profile.
    seed : int
        Seed of the one :class:`numpy.random.Generator` every draw uses: the same seed and profile
        give byte-identical files.
    out : Path
        Output folder (created).
    backbone : Path, optional
        Folder of real data.police.uk street files: crime intensity per LSOA is taken from
        them instead of from residents and density.
    scale : float
        Multiply every count of the profile (benchmarks); 1 for the calibrated borough.
    history : int, optional
        Months before the period to add to the data.police.uk files (crimes and ASB only), the
        baseline ``saferplaces trends`` needs. Default: the profile's ``history.months`` (0 if
        it has none); 0 for none.

    Returns
    -------
    SynthResult
    """
    prof = profile if isinstance(profile, Profile) else load_profile(profile)
    prof = prof.scaled(scale)
    if history is None:
        history = int(prof.data.get("history", {}).get("months", 0))
    if history < 0:
        raise SaferplacesError(f"history must be 0 or more months, not {history}")
    rng = np.random.default_rng(seed)
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)

    # Places and intensity
    places = load_places(prof["geography"], rng)
    if backbone is not None:
        intensity = backbone_intensity(places.lsoas, backbone)
    else:
        intensity = proxy_intensity(places.lsoas, float(prof["crime"]["density_power"]))

    # Records and people
    records = generate_offences(rng, prof, places, intensity)
    ppl = generate_people(rng, prof, records)
    markers = _markers(records, ppl.child_present)

    # Partner data (consistent with the people)
    marac = generate_marac(rng, prof, ppl, records)
    da_service = generate_da_service(rng, prof, ppl)
    ce = generate_ce_cohort(rng, prof, ppl, int(ppl.people.person.max()) + 1)

    # data.police.uk street files: offences (not crimed incidents) plus ASB
    is_off = (records.record_type == "offence").to_numpy()
    crimes = records[is_off]
    k_asb = int(prof["crime"]["asb_incidents"])
    from saferplaces.synth.draws import apportion

    asb = place_records(rng, prof, places, k_asb, apportion(k_asb, intensity))
    street = pd.concat(
        [
            crimes.assign(crime_id=hex_ids(rng, len(crimes)), crime_type=crimes.police_uk_category),
            asb.assign(crime_id=None, crime_type="Anti-social behaviour", outcome=None),
        ],
        ignore_index=True,
    )
    # Months before the period (drawn last, so the period's records do not depend on them)
    hist = generate_history(rng, prof, places, intensity, history) if history else None
    if hist is not None:
        street = pd.concat(
            [
                hist.crimes.assign(
                    crime_id=hex_ids(rng, len(hist.crimes)),
                    crime_type=hist.crimes.police_uk_category,
                ),
                hist.asb.assign(crime_id=None, crime_type="Anti-social behaviour", outcome=None),
                street,
            ],
            ignore_index=True,
        )
    street = street.sort_values(["recorded_date", "lsoa_code"], kind="stable")
    police_paths = write_police_uk(out, prof, street)

    # Force extract
    offences = pd.DataFrame(
        {
            "offence_id": records.offence_id,
            "record_type": records.record_type,
            "recorded_date": records.recorded_date.dt.date,
            "committed_from": records.committed_from.dt.strftime("%Y-%m-%d %H:%M"),
            "committed_to": None,
            "offence_code": records.offence_code,
            "offence_description": records.offence_description,
            "police_uk_category": records.police_uk_category,
            "lsoa_code": records.lsoa_code,
            "longitude": records.longitude,
            "latitude": records.latitude,
            "outcome": records.outcome,
            "markers": markers,
        }
    )
    p = ppl.people
    people = pd.DataFrame(
        {
            "person_id": person_ids(p.person.to_numpy()),
            "year_of_birth": pd.Series(p.dob.dt.year, dtype="Int64").where(p.age_known),
            "gender": p.gender,
            "resident_in_area": p.resident_in_area,
        }
    )
    inv = ppl.involvements
    dob = p.set_index("person").dob.reindex(inv.person).to_numpy().astype("datetime64[D]")
    on = records.recorded_date.to_numpy().astype("datetime64[D]")[inv.record.to_numpy()]
    age = _whole_years(dob, on)
    known = p.set_index("person").age_known.reindex(inv.person).to_numpy()
    involvements = pd.DataFrame(
        {
            "offence_id": records.offence_id.to_numpy()[inv.record.to_numpy()],
            "person_id": person_ids(inv.person.to_numpy()),
            "role": inv.role,
            "age_at_offence": pd.Series(age, dtype="Int64").where(known),
        }
    ).sort_values(["offence_id", "role", "person_id"], kind="stable")
    extract = write_extract(out, prof, seed, offences, people, involvements)

    partners = write_partners(
        out,
        {
            "da_service": da_service.assign(person_id=person_ids(da_service.person.to_numpy()))[
                ["date", "channel", "person_id"]
            ],
            "marac": marac.assign(person_id=person_ids(marac.person.to_numpy()))[
                ["case_id", "referral_date", "person_id", "children_in_household"]
            ],
            "ce_cohort": ce.assign(person_id=person_ids(ce.person.to_numpy()))[
                ["person_id", "start", "end", "gender", "age", "type"]
            ],
        },
    )
    summary = {
        "profile": prof.name,
        "seed": seed,
        "period": str(prof.period),
        "offences": int(is_off.sum()),
        "crimed_incidents": int((~is_off).sum()),
        "asb_incidents": k_asb,
        "people": len(people),
        "involvements": len(involvements),
        "marac_referrals": len(marac),
        "da_service_contacts": len(da_service),
        "ce_cohort": len(ce),
        "police_uk_files": len(police_paths),
        "history_months": history,
        "history_period": str(hist.period) if hist is not None else None,
        "history_crimes": len(hist.crimes) if hist is not None else 0,
        "history_asb": len(hist.asb) if hist is not None else 0,
        "backbone": str(backbone) if backbone else None,
    }
    write_readme(out, prof, seed, summary)
    return SynthResult(
        out, prof.name, seed, out / police_paths[0].parent.parent.name, extract, partners, summary
    )


def _whole_years(born: np.ndarray, on: np.ndarray) -> np.ndarray:
    """Completed years between two datetime64[D] arrays (age on a date)."""
    by, bm, bd = _ymd(born)
    oy, om, od = _ymd(on)
    return oy - by - ((om < bm) | ((om == bm) & (od < bd))).astype(np.int64)


def _ymd(d: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    y = d.astype("datetime64[Y]")
    m = d.astype("datetime64[M]")
    return (
        y.astype(np.int64) + 1970,
        (m - y.astype("datetime64[M]")).astype(np.int64) + 1,
        (d - m.astype("datetime64[D]")).astype(np.int64) + 1,
    )
