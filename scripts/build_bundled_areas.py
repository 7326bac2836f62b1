"""Build src/saferplaces/data/lsoa11_areas.csv.gz from the [pypi] files in ../shared/data.

Sources (ONS, Open Government Licence v3, via PyPI crime-sim-toolkit 1.5.0):
population/census_2011_lsoa_population_area.csv (LSOA11 -> MSOA -> LA -> region, all E&W)
and
lookups/lsoa11_to_police_force.csv (LA -> police force, England).
Run: python scripts/build_bundled_areas.py
"""

import os

import pandas as pd

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
DATA = os.environ.get("SAFERPLACES_SHARED_DATA", os.path.join(ROOT, "..", "shared", "data"))
c = pd.read_csv(DATA + "/population/census_2011_lsoa_population_area.csv", dtype=str)
c.columns = [
    "region_code",
    "region_name",
    "lad_code",
    "lad_name",
    "msoa11_code",
    "msoa11_name",
    "lsoa11_code",
    "lsoa11_name",
    "blank",
    "residents",
    "household_residents",
    "communal_residents",
    "hectares",
    "density",
    "households",
    "pph",
]
f = pd.read_csv(DATA + "/lookups/lsoa11_to_police_force.csv", dtype=str)
f = f.rename(
    columns={
        "LSOA Code": "lsoa11_code",
        "Police_force": "police_force",
        "Local authority code": "lad_code",
    }
)
ff = f.dropna(subset=["police_force"])
ff = ff[ff.lsoa11_code.str.match(r"^E01\d{6}$", na=False)]
lad_force = ff.groupby("lad_code").police_force.agg(lambda s: s.mode().iloc[0])
wales = {
    "North Wales": [
        "Isle of Anglesey",
        "Gwynedd",
        "Conwy",
        "Denbighshire",
        "Flintshire",
        "Wrexham",
    ],
    "Dyfed-Powys": ["Powys", "Ceredigion", "Pembrokeshire", "Carmarthenshire"],
    "Gwent": ["Monmouthshire", "Newport", "Torfaen", "Blaenau Gwent", "Caerphilly"],
    "South Wales": [
        "Swansea",
        "Neath Port Talbot",
        "Bridgend",
        "The Vale of Glamorgan",
        "Cardiff",
        "Rhondda Cynon Taf",
        "Merthyr Tydfil",
    ],
}
c["police_force"] = c.lad_code.map(lad_force)
for force, las in wales.items():
    c.loc[c.lad_name.isin(las), "police_force"] = force
# The [pypi] force file leaves some shire districts blank; complete them from the
# police force areas (each district lies wholly inside one force area).
missing = {
    "Northumbria": ["Northumberland UA", "Gateshead"],
    "North Yorkshire": [
        "Craven",
        "Hambleton",
        "Harrogate",
        "Richmondshire",
        "Ryedale",
        "Scarborough",
        "Selby",
    ],
    "Northamptonshire": ["Daventry", "South Northamptonshire"],
    "Nottinghamshire": ["Broxtowe", "Gedling", "Rushcliffe"],
    "Warwickshire": ["Stratford-on-Avon", "Warwick"],
    "West Mercia": [
        "Bromsgrove",
        "Malvern Hills",
        "Redditch",
        "Worcester",
        "Wychavon",
        "Wyre Forest",
    ],
    "Hertfordshire": ["East Hertfordshire", "St Albans", "Stevenage", "Welwyn Hatfield"],
    "Suffolk": ["Babergh", "Forest Heath", "Mid Suffolk", "St Edmundsbury"],
    "Hampshire": ["Basingstoke and Deane", "Hart", "Rushmoor"],
    "Kent": ["Dartford", "Gravesham"],
    "Devon and Cornwall": [
        "East Devon",
        "Mid Devon",
        "North Devon",
        "South Hams",
        "Teignbridge",
        "Torridge",
        "West Devon",
    ],
    "Dorset": [
        "Christchurch",
        "East Dorset",
        "North Dorset",
        "Purbeck",
        "West Dorset",
        "Weymouth and Portland",
    ],
    "Avon and Somerset": [
        "Mendip",
        "Sedgemoor",
        "South Somerset",
        "Taunton Deane",
        "West Somerset",
    ],
}
for force, las in missing.items():
    m = c.lad_name.isin(las) & c.police_force.isna()
    assert m.any(), las
    c.loc[m, "police_force"] = force
assert c.police_force.notna().all(), c[c.police_force.isna()].lad_name.unique()
c["region_name"] = c.region_name.fillna("WALES").str.title().str.replace("And The", "and the")
c["lad_name"] = c.lad_name.str.replace(r" UA$", "", regex=True)
out = c[
    [
        "lsoa11_code",
        "lsoa11_name",
        "msoa11_code",
        "lad_code",
        "lad_name",
        "region_name",
        "police_force",
    ]
]
out.to_csv(
    ROOT + "/src/saferplaces/data/lsoa11_areas.csv.gz",
    index=False,
    compression={"method": "gzip", "mtime": 0},
)
print(
    len(out),
    "LSOAs,",
    out.lad_code.nunique(),
    "local authorities,",
    out.police_force.nunique(),
    "forces",
)
