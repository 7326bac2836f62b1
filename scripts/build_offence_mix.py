"""Build the bundled Home Office offence data from the [pypi] files in ../shared/data/offences.

Writes
- src/saferplaces/data/offence_mix_201718.csv.gz: recorded offences by police force area and
  Home Office offence code, financial year 2017/18 (the four quarters summed). Columns
  Force_Name, Offence_Code, Offence_Description, Policeuk_Cat, Number_of_Offences.
- src/saferplaces/data/ho_offence_codes.csv: Home Office offence code -> group, subgroup,
  description and data.police.uk category (the unnamed index column dropped).

Source: PyPI crime-sim-toolkit 1.5.0 (``src/prc-pfa-201718_new.csv``, ``src/CrimeCatMappings.csv``).
Data: Home Office police recorded crime, Open Government Licence v3.0.
Run: python scripts/build_offence_mix.py
"""

import os

import pandas as pd

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
DATA = os.environ.get("SAFERPLACES_SHARED_DATA", os.path.join(ROOT, "..", "shared", "data"))
OUT = os.path.join(ROOT, "src", "saferplaces", "data")

prc = pd.read_csv(os.path.join(DATA, "offences", "prc-pfa-201718.csv"), dtype=str)
prc["Number_of_Offences"] = prc.Number_of_Offences.astype("int64")
keys = ["Force_Name", "Offence_Code", "Offence_Description", "Policeuk_Cat"]
mix = (
    prc.groupby(keys, sort=True, dropna=False)["Number_of_Offences"]
    .sum()
    .reset_index()
    .sort_values(["Force_Name", "Offence_Code"], kind="stable")
)
# One row per force and code: the description and category are functions of the code.
assert not mix.duplicated(["Force_Name", "Offence_Code"]).any()
assert mix.Number_of_Offences.sum() == prc.Number_of_Offences.sum()
mix.to_csv(
    os.path.join(OUT, "offence_mix_201718.csv.gz"),
    index=False,
    compression={"method": "gzip", "mtime": 0},
)

codes = pd.read_csv(
    os.path.join(DATA, "offences", "ho_offence_code_to_police_uk_category.csv"), dtype=str
)
codes = codes.drop(columns=[c for c in codes.columns if c.startswith("Unnamed")])
assert set(codes.Offence_Code) == set(mix.Offence_Code)
codes.to_csv(os.path.join(OUT, "ho_offence_codes.csv"), index=False)
print(len(mix), "force-code rows,", mix.Force_Name.nunique(), "forces;", len(codes), "codes")
