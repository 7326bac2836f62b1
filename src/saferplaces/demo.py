"""The Telford and Wrekin demo workspace, built from the real files in ``../shared/data``.

Building it twice is safe: the workspace is reused and files already loaded are left unchanged.
"""

from __future__ import annotations

import os
from pathlib import Path

from rich.console import Console

from saferplaces.errors import SaferplacesError
from saferplaces.settings import LocalitySettings
from saferplaces.workspace import Workspace, init_workspace, open_workspace

__all__ = ["DEMO_AREA", "DEMO_LOCALITIES", "build_demo", "shared_data_dir"]

DEMO_AREA = "E06000020"

# The seed strategy's three priority localities, by the wards in force since May 2023. The
# "Sutton Hill" part of the seed's first locality lies in the Madeley & Sutton Hill ward.
DEMO_LOCALITIES = {
    "Sutton Hill, Brookside and Woodside": LocalitySettings(
        wards=["Brookside", "Woodside", "Madeley & Sutton Hill"],
        description="Seed strategy priority locality (by current wards)",
    ),
    "Dawley and Malinslee": LocalitySettings(
        wards=["Malinslee & Dawley Bank", "Dawley & Aqueduct"],
        description="Seed strategy priority locality (by current wards)",
    ),
    "Arleston": LocalitySettings(
        wards=["Arleston & College"],
        description="Seed strategy priority locality (by current wards)",
    ),
}

# (geography kind, file under ../shared/data, options)
DEMO_GEOGRAPHY: list[tuple[str, str, dict]] = [
    ("lsoa", "boundaries/lsoa21_telford_and_wrekin.geojson", {}),
    ("lsoa", "boundaries/LSOA_2011_BSC_EW_V3_telford_and_wrekin.geojson", {}),
    ("ward", "boundaries/wards_current_telford_and_wrekin.geojson", {}),
    ("lsoa-ward", "lookups/LSOA21_WD24_LAD24_EW_LU_telford_and_wrekin.csv", {}),
    ("lsoa-lookup", "lookups/LSOA11_LSOA21PopLookups_telford_and_wrekin.csv", {}),
    ("lsoa-lookup", "lookups/lsoa11_to_lsoa21_best_fit_v2_telford_and_wrekin.csv", {}),
    ("population", "population/census_2011_lsoa_population_area.csv", {"year": 2011}),
    ("population", "population/mysociety_2019_population.csv", {"year": 2019}),
    ("imd", "deprivation/UK_IMD_E.csv", {}),
]
DEMO_CRIME = ["crime/west-mercia"]


def shared_data_dir(given: Path | None = None) -> Path:
    """The shared data folder: given, else $SAFERPLACES_SHARED_DATA, else ../shared/data."""
    if given is not None:
        return Path(given)
    env = os.environ.get("SAFERPLACES_SHARED_DATA")
    if env:
        return Path(env)
    # ../shared/data beside the repository (cwd when run by `make demo`)
    for base in (Path.cwd(), Path(__file__).resolve().parents[3]):
        candidate = base.parent / "shared" / "data"
        if candidate.is_dir():
            return candidate
    return Path.cwd().parent / "shared" / "data"


def build_demo(
    directory: Path,
    data: Path | None = None,
    console: Console | None = None,
    progress: bool = False,
) -> Workspace:
    """Build (or refresh) the Telford and Wrekin workspace from ``../shared/data``.

    Loads the 2021 and 2011 LSOA boundaries, current wards, the LSOA-ward and LSOA11-LSOA21
    lookups, population (2011, 2019), IMD 2019 and the twelve West Mercia street files of 2025,
    and defines the seed strategy's three priority localities.
    """
    from saferplaces.sources.geography import load_geography
    from saferplaces.warehouse.ingest import ingest_police_uk

    console = console or Console(stderr=True)
    root = shared_data_dir(data)
    if not (root / "SOURCES.md").is_file():
        raise SaferplacesError(
            f"the shared data folder was not found at {root}; the demo needs ../shared/data "
            "beside the repository, or --data / $SAFERPLACES_SHARED_DATA pointing at it"
        )
    directory = Path(directory)
    if (directory / "saferplaces.toml").exists():
        ws = open_workspace(directory)
        console.print(f"Refreshing the demo workspace in {ws.root}")
    else:
        ws = init_workspace(directory, DEMO_AREA)
        console.print(f"Created the demo workspace in {ws.root}")
    ws.settings.localities.update(DEMO_LOCALITIES)
    ws.save_settings()

    for kind, rel, options in DEMO_GEOGRAPHY:
        result = load_geography(ws, kind, root / rel, **options)
        console.print(f"  {result.summary()}", highlight=False)
    report = ingest_police_uk(ws, [root / p for p in DEMO_CRIME], progress=progress)
    t = report.totals()
    console.print(
        f"  Ingested {t['files']} data.police.uk files: {t['rows_read']:,} rows read, "
        f"{t['rows_loaded']:,} loaded, {t['rows_quarantined']:,} quarantined "
        f"({t['unchanged']} unchanged)",
        highlight=False,
    )
    if report.failed:
        raise SaferplacesError("; ".join(f.message or f.file for f in report.failed))
    return ws
