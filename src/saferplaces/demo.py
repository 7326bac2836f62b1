"""The Telford and Wrekin demo workspace, built from what the package ships.

``saferplaces demo`` needs nothing beside the package: it loads the vendored LSOA 2011
boundaries and Census 2011 residents (saferplaces/data/geography, see data/ATTRIBUTION.md),
generates the synthetic borough of profile ``telford-2019-20`` (1 Nov 2019 - 31 Oct 2020,
calibrated to the Safer Telford and Wrekin Strategy 2021-24) and ingests its data.police.uk
files, force extract and partner files. Everything synthetic is flagged ``synthetic`` in the
warehouse.

``saferplaces demo --real`` additionally loads the real files in ``../shared/data`` (2021 and
2011 LSOA boundaries, current wards and lookups, population 2011 and 2019, IMD 2019 and the
twelve West Mercia street files of 2025) and defines the priority localities by current wards.

Building it twice is safe: the workspace is reused and files already loaded are left unchanged.
"""

from __future__ import annotations

import os
from pathlib import Path

from rich.console import Console

from saferplaces.errors import SaferplacesError
from saferplaces.settings import LocalitySettings
from saferplaces.workspace import Workspace, init_workspace, open_workspace

__all__ = [
    "DEMO_AREA",
    "DEMO_LOCALITIES",
    "DEMO_PROFILE",
    "DEMO_SEED",
    "SYNTHETIC_DIR",
    "build_demo",
    "shared_data_dir",
    "synthetic_localities",
]

DEMO_AREA = "E06000020"
DEMO_PROFILE = "telford-2019-20"
DEMO_SEED = 2019
SYNTHETIC_DIR = "synthetic-telford-2019-20"

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

# Vendored geography the self-contained demo loads: (kind, file, options)
VENDORED_GEOGRAPHY: list[tuple[str, str, dict]] = [
    ("lsoa", "LSOA_2011_BSC_EW_V3_telford_and_wrekin.geojson", {}),
    ("population", "census_2011_lsoa_population_area_telford_and_wrekin.csv", {"year": 2011}),
]

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


def synthetic_localities() -> dict[str, LocalitySettings]:
    """The seed's three localities by 2011 LSOAs, as the synthetic profile defines them."""
    from saferplaces.synth import load_profile

    return {
        name: LocalitySettings(
            lsoas=list(loc["lsoas"]),
            description="Seed strategy priority locality (2011 LSOAs, synthetic demo)",
        )
        for name, loc in load_profile(DEMO_PROFILE)["localities"].items()
    }


def build_demo(
    directory: Path,
    data: Path | None = None,
    console: Console | None = None,
    progress: bool = False,
    real: bool = False,
    synthetic: bool | None = None,
    strategy: bool = True,
) -> Workspace:
    """Build (or refresh) the Telford and Wrekin demo workspace.

    Parameters
    ----------
    directory : Path
        The workspace folder (created if needed).
    data : Path, optional
        The shared data folder. Giving it means ``real=True``.
    console : Console, optional
        Where progress lines go (default: stderr).
    progress : bool
        Show progress bars while ingesting.
    real : bool
        Also load the real files of ``../shared/data`` (or ``data`` / $SAFERPLACES_SHARED_DATA).
    strategy : bool
        Load the bundled Safer Telford and Wrekin Strategy 2021-24 into the partnership
        database (``saferplaces strategy show``, ``plan status``).
    synthetic : bool, optional
        Load the synthetic borough. Default: yes, unless ``data`` is given: the call
        ``build_demo(directory, shared_data)`` builds the real-data workspace alone, as the
        real-data tests expect (``saferplaces demo --real`` passes ``synthetic=True``).

    Returns
    -------
    Workspace
        With the synthetic borough (flagged ``synthetic``) and/or the real data loaded.
    """
    console = console or Console(stderr=True)
    real = real or data is not None
    if synthetic is None:
        synthetic = data is None
    root = shared_data_dir(data)
    if real and not (root / "SOURCES.md").is_file():
        raise SaferplacesError(
            f"the shared data folder was not found at {root}; --real needs ../shared/data "
            "beside the repository, or --data / $SAFERPLACES_SHARED_DATA pointing at it "
            "(without --real the demo needs nothing beside the package)"
        )
    directory = Path(directory)
    if (directory / "saferplaces.toml").exists():
        ws = open_workspace(directory)
        console.print(f"Refreshing the demo workspace in {ws.root}")
    else:
        ws = init_workspace(directory, DEMO_AREA)
        console.print(f"Created the demo workspace in {ws.root}")
    ws.settings.localities.update(DEMO_LOCALITIES if real else synthetic_localities())
    ws.save_settings()

    if synthetic:
        # With the real street files at hand, the synthetic crime follows them LSOA by LSOA.
        _load_synthetic(ws, console, progress, root / DEMO_CRIME[0] if real else None)
    if real:
        _load_real(ws, root, console, progress)
    if strategy:
        _load_strategy(ws, console)
    return ws


def _load_strategy(ws: Workspace, console: Console) -> None:
    """The Safer Telford and Wrekin Strategy 2021-24, encoded from the seed, into the plan DB."""
    from saferplaces.partnership.services import load_bundled_strategy

    result = load_bundled_strategy(ws)
    counts = ", ".join(f"{n} {k}" for k, n in result.counts.items() if n)
    console.print(
        f"  Loaded the bundled strategy {result.strategy} (version {result.version}): {counts}",
        highlight=False,
    )
    for warning in result.warnings:
        console.print(f"  note: {warning}", highlight=False)


def _load_synthetic(
    ws: Workspace, console: Console, progress: bool, backbone: Path | None = None
) -> None:
    """Vendored geography plus the generated borough (police.uk files, extract, partner files).

    ``backbone``: real data.police.uk street files that set the crime intensity per LSOA
    (``saferplaces synth --backbone``); else residents and density do.
    """
    from saferplaces.sources.geography import load_geography
    from saferplaces.synth import BANNER, generate
    from saferplaces.synth.places import geography_file
    from saferplaces.warehouse.extract_ingest import ingest_extract, ingest_partner
    from saferplaces.warehouse.ingest import ingest_police_uk

    for kind, name, options in VENDORED_GEOGRAPHY:
        result = load_geography(ws, kind, geography_file(name), **options)
        console.print(f"  {result.summary()}", highlight=False)
    console.print(f"  [bold yellow]{BANNER}[/]")
    synth = generate(DEMO_PROFILE, DEMO_SEED, ws.root / SYNTHETIC_DIR, backbone=backbone)
    if backbone is not None:
        console.print(f"  Crime per LSOA follows the real street files in {backbone}")
    for line in synth.describe()[1:]:
        console.print(f"  {line}", highlight=False)
    _report(
        console,
        "synthetic data.police.uk",
        ingest_police_uk(ws, [synth.police_uk], progress=progress),
    )
    _report(console, "synthetic force extract", ingest_extract(ws, synth.extract))
    for kind, path in synth.partners.items():
        _report(console, f"synthetic {kind}", ingest_partner(ws, kind, path))


def _load_real(ws: Workspace, root: Path, console: Console, progress: bool) -> None:
    from saferplaces.sources.geography import load_geography
    from saferplaces.warehouse.ingest import ingest_police_uk

    for kind, rel, options in DEMO_GEOGRAPHY:
        result = load_geography(ws, kind, root / rel, **options)
        console.print(f"  {result.summary()}", highlight=False)
    _report(
        console,
        "real data.police.uk",
        ingest_police_uk(ws, [root / p for p in DEMO_CRIME], progress=progress),
    )


def _report(console: Console, what: str, report) -> None:  # type: ignore[no-untyped-def]
    t = report.totals()
    console.print(
        f"  Ingested {t['files']} {what} files: {t['rows_read']:,} rows read, "
        f"{t['rows_loaded']:,} loaded, {t['rows_quarantined']:,} quarantined "
        f"({t['unchanged']} unchanged)",
        highlight=False,
    )
    if report.failed:
        raise SaferplacesError("; ".join(f.message or f.file for f in report.failed))
