"""Theme analyses benchmark: domestic abuse and child exploitation on one synthetic force-year.

**Input** (SYNTHETIC, labelled: every row has ``synthetic = true``). The ``telford-2019-20``
profile of :mod:`saferplaces.synth` scaled to a force-year (``BENCH_THEMES_SCALE``, default
11.5: about 157,000 offences, 25,000 crimed incidents and 350,000 involvements, with DA service,
MARAC and CE cohort files), generated with seed 1 and ingested as a user would (vendored Telford
and Wrekin boundaries, ``ingest_extract``, ``ingest_partner``) into ``bench/.work/themes``.

**Contenders.** ``saferplaces``: :func:`saferplaces.analysis.domestic_abuse.domestic_abuse` and
:func:`saferplaces.analysis.exploitation.exploitation` on a read-only connection (the scope is
built once, outside the timing). ``pandas``: the same figures in plain pandas (boolean masks,
``merge``, ``groupby``, ``explode``) from the warehouse tables already in memory as DataFrames
(reading them is *not* timed, which flatters pandas). The run checks that the two agree on every
headline figure; a disagreement fails the benchmark.

**Targets** (issue #5): each analysis at most **2 s**, and at least **5x** faster than pandas.
Times are medians of ``BENCH_THEMES_REPEATS`` (default 3) runs after one cold run.

Run: ``python bench/bench_themes.py`` (or ``python bench/run.py themes``).
"""

from __future__ import annotations

import os
import shutil
import statistics
import time
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

WORK = Path(__file__).resolve().parent / ".work" / "themes"
SCALE = float(os.environ.get("BENCH_THEMES_SCALE", "11.5"))
REPEATS = int(os.environ.get("BENCH_THEMES_REPEATS", "3"))
PERIOD = "2019-11..2020-10"
MARAC, SERVICE, COHORT = "2020", "2020-03..2020-11", "2020"
TARGET_SECONDS, TARGET_RATIO = 2.0, 5.0


def _timed(fn: Any) -> tuple[float, Any]:
    result = fn()  # cold
    times = []
    for _ in range(REPEATS):
        t = time.perf_counter()
        result = fn()
        times.append(time.perf_counter() - t)
    return statistics.median(times), result


def build() -> Any:
    """Generate and ingest the synthetic force-year once (reused while the scale is the same)."""
    from saferplaces.sources.geography import load_geography
    from saferplaces.synth import generate
    from saferplaces.synth.places import geography_file
    from saferplaces.warehouse.extract_ingest import ingest_extract, ingest_partner
    from saferplaces.workspace import init_workspace, open_workspace

    stamp = WORK / f"built-{SCALE}"
    if stamp.exists():
        return open_workspace(WORK / "ws")
    shutil.rmtree(WORK, ignore_errors=True)
    WORK.mkdir(parents=True)
    synth = generate("telford-2019-20", 1, WORK / "synthetic-out", scale=SCALE, history=0)
    ws = init_workspace(WORK / "ws", "E06000020")
    load_geography(ws, "lsoa", geography_file("LSOA_2011_BSC_EW_V3_telford_and_wrekin.geojson"))
    ingest_extract(ws, synth.extract)
    for kind, path in synth.partners.items():
        ingest_partner(ws, kind, path)
    stamp.touch()
    return ws


# --- The pandas reference ---------------------------------------------------------------------


def _tables(con: Any) -> dict[str, pd.DataFrame]:
    return {
        t: con.execute(f"SELECT * FROM {t}").df()
        for t in ("offence", "person", "involvement", "partner_da_service", "partner_marac",
                  "partner_ce_cohort")
    }  # fmt: skip


def _in_scope(t: dict[str, pd.DataFrame], lsoas: set[str], start: Any, end: Any) -> pd.DataFrame:
    o = t["offence"]
    month = pd.to_datetime(o.month)
    return o[o.lsoa.isin(lsoas) & (month >= start) & (month <= end)]


def _people(t: dict[str, pd.DataFrame], recs: pd.DataFrame) -> pd.DataFrame:
    inv = t["involvement"].merge(
        recs[["offence_id", "extract_id", "record_type", "recorded_date", "committed_from"]],
        on=["offence_id", "extract_id"],
    )
    inv = inv.merge(
        t["person"][["person_id", "extract_id", "year_of_birth", "age_band", "gender",
                     "resident_in_area"]],
        on=["person_id", "extract_id"], how="left",
    )  # fmt: skip
    when = pd.to_datetime(inv.committed_from).fillna(pd.to_datetime(inv.recorded_date))
    age = inv.age_at_offence.astype("Float64").fillna(when.dt.year - inv.year_of_birth)
    inv["age"] = age.where(age >= 0)
    lo = pd.to_numeric(inv.age_band.str.extract(r"^(\d+)")[0], errors="coerce")
    hi = pd.to_numeric(inv.age_band.str.extract(r"-(\d+)$")[0], errors="coerce")
    inv["band_hi"] = hi.where(~inv.age_band.fillna("").str.endswith("+"), 199)
    inv["band_lo"] = lo
    inv["key"] = pd.to_datetime(inv.recorded_date).dt.strftime("%Y-%m-%d") + inv.offence_id
    return inv


def _band(frame: pd.DataFrame, bands: Any) -> pd.Series:
    edges = [b[1] for b in bands] + [200]
    names = [b[0] for b in bands]
    by_age = pd.cut(frame.age, edges, right=False, labels=names).astype(object)
    lo = pd.cut(frame.band_lo, edges, right=False, labels=names).astype(object)
    hi = pd.cut(frame.band_hi, edges, right=False, labels=names).astype(object)
    by_band = lo.where(lo == hi)
    return by_age.fillna(by_band).fillna("unknown")


def _person_bands(frame: pd.DataFrame, keys: list[str], bands: Any) -> pd.DataFrame:
    f = frame.assign(band=_band(frame, bands))
    known = f[f.band != "unknown"].sort_values("key").drop_duplicates(keys + ["person_id"])
    everyone = f[keys + ["person_id"]].drop_duplicates()
    out = everyone.merge(known[keys + ["person_id", "band"]], how="left")
    return out.fillna({"band": "unknown"})


def pandas_da(t: dict[str, pd.DataFrame], lsoas: set[str], weights: dict[str, float]) -> dict:
    from saferplaces.analysis.people import ONS_AGE_BANDS

    start, end = pd.Timestamp("2019-11-01"), pd.Timestamp("2020-10-01")
    scope = _in_scope(t, lsoas, start, end)
    da = scope[scope.markers.apply(lambda m: "DA" in m)].copy()
    off = da.record_type == "offence"
    da["weight"] = da.crime_type.map(weights).where(off)
    monthly = da.groupby("month").agg(records=("offence_id", "size"), harm=("weight", "sum"))
    inv = _people(t, da)
    vs = inv[inv.role.isin(["victim", "suspect"])]
    pp = vs.groupby(["role", "person_id"]).agg(
        offences=("record_type", lambda r: (r == "offence").sum()), records=("record_type", "size")
    )
    rep = {}
    for role in ("victim", "suspect"):
        p = pp.loc[role]
        r = p[p.offences >= 2]
        rep[role] = (len(p), len(r), r.offences.mean(), p.offences.max())
        p.offences.value_counts()  # the distribution
        p.records.value_counts()
    v = inv[inv.role == "victim"][["offence_id", "person_id"]]
    s = inv[inv.role == "suspect"][["offence_id", "person_id"]]
    pairs = v.merge(s, on="offence_id", suffixes=("_v", "_s"))
    pairs = pairs[pairs.person_id_v != pairs.person_id_s]
    n = pairs.groupby(["person_id_v", "person_id_s"]).size()
    others = inv[inv.role.isin(["witness", "involved_party"])].assign(
        role="witness_or_involved_party"
    )
    bands = _person_bands(pd.concat([inv, others]), ["role"], ONS_AGE_BANDS)
    ages = bands.groupby(["role", "band"]).size()
    factors = da.markers.explode()
    factors = factors[factors != "DA"].value_counts()
    svc = t["partner_da_service"]
    svc_month = pd.to_datetime(svc.month)
    svc = svc[(svc_month >= pd.Timestamp("2020-03-01")) & (svc_month <= pd.Timestamp("2020-11-01"))]
    service = svc.groupby(["month", "channel"]).size()
    m = t["partner_marac"].sort_values(["person_id", "referral_date", "case_id"])
    prev = m.groupby("person_id").referral_date.shift()
    ref = pd.to_datetime(m.referral_date)
    m = m.assign(repeat=pd.to_datetime(prev) >= ref - pd.DateOffset(months=12))
    m = m[ref.dt.year == 2020]
    return {
        "offences": int(off.sum()),
        "crimed_incidents": int((~off).sum()),
        "harm": round(float(monthly.harm.sum()), 6),
        "victims": rep["victim"][0],
        "repeat_victims": rep["victim"][1],
        "mean_among_repeat_victims": round(float(rep["victim"][2]), 9),
        "suspects": rep["suspect"][0],
        "repeat_suspects": rep["suspect"][1],
        "max_per_suspect": int(rep["suspect"][3]),
        "pairs": len(n),
        "repeat_pairs": int((n >= 2).sum()),
        "children_under_16": int(ages.get(("witness_or_involved_party", "under 16"), 0)),
        "factors": int(factors.sum()),
        "service_contacts": int(service.sum()),
        "marac_referrals": len(m),
        "marac_repeat_referrals": int(m.repeat.sum()),
    }


def pandas_ce(t: dict[str, pd.DataFrame], lsoas: set[str]) -> dict:
    from saferplaces.analysis.people import SEED_SUSPECT_BANDS

    start, end = pd.Timestamp("2019-11-01"), pd.Timestamp("2020-10-01")
    scope = _in_scope(t, lsoas, start, end)
    cse = scope.markers.apply(lambda m: "CSE" in m)
    cce = scope.markers.apply(lambda m: "CCE" in m)
    ce = scope[cse | cce].assign(cse=cse[cse | cce], cce=cce[cse | cce])
    latest = pd.to_datetime(ce.committed_to).fillna(pd.to_datetime(ce.committed_from))
    historic = latest < pd.to_datetime(ce.recorded_date) - pd.DateOffset(months=12)
    inv = _people(t, ce).merge(ce[["offence_id", "cse", "cce"]], on="offence_id")
    typed = pd.concat(
        [inv[inv.cse].assign(type="CSE"), inv[inv.cce].assign(type="CCE"),
         inv.assign(type="CSE or CCE")]
    )  # fmt: skip
    vic = typed[typed.role == "victim"]
    per = vic.groupby(["type", "person_id"]).agg(
        n=("offence_id", "size"), gender=("gender", "first"), resident=("resident_in_area", "first")
    )
    cse_v = per.loc["CSE"]
    sus = _person_bands(typed[typed.role == "suspect"], ["type"], SEED_SUSPECT_BANDS)
    chart8 = sus[sus.type == "CSE"].band.value_counts()
    c = t["partner_ce_cohort"]
    cohort = c[
        (pd.to_datetime(c.start_date) <= pd.Timestamp("2020-12-31"))
        & (c.end_date.isna() | (pd.to_datetime(c.end_date) >= pd.Timestamp("2020-01-01")))
    ]
    return {
        "records": len(ce),
        "historic": int(historic.sum()),
        "cse_victims": len(cse_v),
        "repeat_victims": int((per.loc["CSE or CCE"].n >= 2).sum()),
        "cse_female_victim_share": round(float((cse_v.gender == "female").mean()), 9),
        "victims_not_resident": int((per.loc["CSE or CCE"].resident == False).sum()),  # noqa: E712
        "cse_suspects": int(chart8.sum()),
        "cse_under_18": int(chart8.get("under 18", 0)),
        "cohort_children": cohort.person_id.nunique(),
        "cohort_police_victims": int(cohort.person_id.isin(vic.person_id).sum()),
    }


# --- The run ----------------------------------------------------------------------------------


def _ours_da(p: Any) -> dict:
    s = p.summary.iloc[0]
    out = {k: s[k] for k in ("offences", "crimed_incidents", "harm", "victims", "repeat_victims",
                             "suspects", "repeat_suspects", "max_per_suspect", "pairs",
                             "repeat_pairs", "children_under_16", "service_contacts",
                             "marac_referrals", "marac_repeat_referrals")}  # fmt: skip
    out["mean_among_repeat_victims"] = round(float(s.mean_among_repeat_victims), 9)
    out["harm"] = round(float(s.harm), 6)
    out["factors"] = int(p.factors.records.sum())
    return {k: (v.item() if isinstance(v, np.generic) else v) for k, v in out.items()}


def _ours_ce(p: Any) -> dict:
    s = p.summary.iloc[0]
    cse = p.suspect_ages[p.suspect_ages.type == "CSE"].set_index("age_band").suspects
    out = {k: s[k] for k in ("records", "historic", "cse_victims", "repeat_victims",
                             "victims_not_resident", "cse_suspects", "cohort_children",
                             "cohort_police_victims")}  # fmt: skip
    out["cse_female_victim_share"] = round(float(s.cse_female_victim_share), 9)
    out["cse_under_18"] = cse["under 18"]
    return {k: (v.item() if isinstance(v, np.generic) else v) for k, v in out.items()}


def main() -> dict[str, Any]:
    """Build the input if needed, time both contenders for both analyses, print the ratios.

    Raises
    ------
    RuntimeError
        When pandas and saferplaces disagree on a headline figure.
    """
    from saferplaces.analysis.domestic_abuse import domestic_abuse
    from saferplaces.analysis.exploitation import exploitation
    from saferplaces.analysis.people import theme_scope

    t0 = time.perf_counter()
    ws = build()
    print(f"input ready in {time.perf_counter() - t0:.1f} s ({ws.root})")
    results: dict[str, Any] = {}
    with ws.connect(read_only=True) as con:
        rows = con.execute(
            "SELECT count(*) FILTER (WHERE record_type = 'offence'), count(*) FROM offence"
        ).fetchone()
        inv = con.execute("SELECT count(*) FROM involvement").fetchone()
        assert rows is not None and inv is not None
        print(
            f"SYNTHETIC force-year (telford-2019-20 x {SCALE}, seed 1): {rows[0]:,} offences, "
            f"{rows[1] - rows[0]:,} crimed incidents, {inv[0]:,} involvements"
        )
        scope = theme_scope(con, ws.settings, PERIOD)
        lsoas = set(scope.lsoas)
        weights = dict(scope.scheme.weights)
        tables = _tables(con)
        contenders = {
            "domestic abuse": (
                lambda: _ours_da(domestic_abuse(con, scope, marac_period=MARAC,
                                                service_period=SERVICE)),
                lambda: pandas_da(tables, lsoas, weights),
            ),
            "child exploitation": (
                lambda: _ours_ce(exploitation(con, scope, cohort_period=COHORT)),
                lambda: pandas_ce(tables, lsoas),
            ),
        }  # fmt: skip
        for name, (ours, reference) in contenders.items():
            ours_s, ours_r = _timed(ours)
            ref_s, ref_r = _timed(reference)
            if ours_r != ref_r:
                diff = {k: (ours_r.get(k), ref_r.get(k)) for k in ours_r if
                        ours_r.get(k) != ref_r.get(k)}  # fmt: skip
                raise RuntimeError(f"{name}: saferplaces and pandas disagree: {diff}")
            ratio = ref_s / ours_s
            ok = ours_s <= TARGET_SECONDS and ratio >= TARGET_RATIO
            results[name] = {"saferplaces_s": ours_s, "pandas_s": ref_s, "ratio": ratio}
            print(
                f"{name:<19} saferplaces {ours_s:6.3f} s   pandas {ref_s:6.3f} s   "
                f"pandas / saferplaces {ratio:5.1f}x   target <= {TARGET_SECONDS:.0f} s and "
                f">= {TARGET_RATIO:.0f}x: {'PASS' if ok else 'MISS'}"
            )
    return results


if __name__ == "__main__":
    main()
