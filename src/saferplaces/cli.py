"""The ``saferplaces`` command line. Each command is a thin wrapper over one library call."""

from __future__ import annotations

import json
import os
import sys
from enum import Enum
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.console import Console
from rich.table import Table

from saferplaces.errors import SaferplacesError

app = typer.Typer(
    name="saferplaces",
    help="Evidence base and delivery platform for Community Safety Partnerships.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)
ingest_app = typer.Typer(
    help="Load police and partner data into the warehouse.", no_args_is_help=True
)
download_app = typer.Typer(help="Fetch published data files.", no_args_is_help=True)
geography_app = typer.Typer(
    help="Boundaries, population, deprivation and lookups.", no_args_is_help=True
)
quarantine_app = typer.Typer(
    help="Rows that were rejected at ingest, with reasons.", no_args_is_help=True
)
app.add_typer(ingest_app, name="ingest")
app.add_typer(download_app, name="download")
app.add_typer(geography_app, name="geography")
harm_app = typer.Typer(
    help="Harm schemes: weight tables by offence code or police.uk category.", no_args_is_help=True
)
app.add_typer(quarantine_app, name="quarantine")
app.add_typer(harm_app, name="harm")

console = Console()
err_console = Console(stderr=True)

WorkspaceOpt = Annotated[
    Path | None,
    typer.Option(
        "--workspace",
        "-w",
        help="Workspace folder (default: $SAFERPLACES_WORKSPACE, else the current folder).",
        show_default=False,
    ),
]


class OutputFormat(str, Enum):
    table = "table"
    json = "json"


FormatOpt = Annotated[
    OutputFormat, typer.Option("--format", help="table for people, json for machines.")
]


def _print_json(data: Any) -> None:
    sys.stdout.write(json.dumps(data, indent=2, default=str) + "\n")


@app.command()
def init(
    directory: Annotated[Path, typer.Argument(help="Folder to create the workspace in.")],
    area: Annotated[str, typer.Option(help="Local authority code (E06000020) or name.")],
    name: Annotated[
        str | None, typer.Option(help="Partnership name (default: from the area).")
    ] = None,
) -> None:
    """Create a workspace for a local authority: saferplaces.toml and warehouse.duckdb."""
    from saferplaces.workspace import init_workspace

    ws = init_workspace(directory, area, name)
    a = ws.settings.area
    console.print(
        f"Created workspace [bold]{ws.root}[/] for {a.name} ({a.code}), "
        f"{a.police_force} police force area."
    )


@ingest_app.command("police-uk")
def ingest_police_uk_cmd(
    paths: Annotated[
        list[Path], typer.Argument(help="CSV files, YYYY-MM folders or .zip archives.")
    ],
    workspace: WorkspaceOpt = None,
    force: Annotated[
        str | None,
        typer.Option(
            help="Force for files whose name and columns do not say (renamed stop-and-search)."
        ),
    ] = None,
    output_format: FormatOpt = OutputFormat.table,
) -> None:
    """Load data.police.uk street, outcomes and stop-and-search files (replaces force-months)."""
    from saferplaces.warehouse.ingest import ingest_police_uk
    from saferplaces.workspace import open_workspace

    ws = open_workspace(workspace)
    report = ingest_police_uk(
        ws, paths, force=force, progress=output_format is OutputFormat.table and sys.stderr.isatty()
    )
    if output_format is OutputFormat.json:
        _print_json(report.as_dict())
    else:
        report.print(console, err_console)
    if report.failed:
        raise typer.Exit(1)


@ingest_app.command("extract")
def ingest_extract_cmd(
    directory: Annotated[
        Path,
        typer.Argument(
            help="Extract folder (offences.csv, people.csv, involvements.csv, extract.toml), "
            "or a .zip archive of one."
        ),
    ],
    workspace: WorkspaceOpt = None,
    force: Annotated[
        str | None, typer.Option(help="Force, if extract.toml does not say (default: the area's).")
    ] = None,
    period: Annotated[
        str | None, typer.Option(help="YYYY-MM..YYYY-MM, if extract.toml does not say.")
    ] = None,
    output_format: FormatOpt = OutputFormat.table,
) -> None:
    """Load a force extract (offences, people, involvements; replaces its force-months)."""
    from saferplaces.warehouse.extract_ingest import ingest_extract
    from saferplaces.workspace import open_workspace

    report = ingest_extract(open_workspace(workspace), directory, force=force, period=period)
    if output_format is OutputFormat.json:
        _print_json(report.as_dict())
    else:
        report.print(console, err_console)
    if report.failed:
        raise typer.Exit(1)


class PartnerKind(str, Enum):
    da_service = "da_service"
    marac = "marac"
    ce_cohort = "ce_cohort"


@ingest_app.command("partner")
def ingest_partner_cmd(
    kind: Annotated[PartnerKind, typer.Argument(help="What the file holds.")],
    path: Annotated[Path, typer.Argument(help="CSV file in partner format v1.")],
    workspace: WorkspaceOpt = None,
    source: Annotated[
        str | None, typer.Option(help="Who sent it, if several send this kind (default: kind).")
    ] = None,
    output_format: FormatOpt = OutputFormat.table,
) -> None:
    """Load partner data: DA service contacts, MARAC referrals or a CE team's cohort."""
    from saferplaces.warehouse.extract_ingest import ingest_partner
    from saferplaces.workspace import open_workspace

    report = ingest_partner(open_workspace(workspace), kind.value, path, source=source)
    if output_format is OutputFormat.json:
        _print_json(report.as_dict())
    else:
        report.print(console, err_console)
    if report.failed:
        raise typer.Exit(1)


@download_app.command("police-uk")
def download_police_uk_cmd(
    directory: Annotated[Path, typer.Argument(help="Folder to write YYYY-MM/ folders into.")],
    force: Annotated[str, typer.Option(help="Force name or slug, e.g. west-mercia.")],
    from_month: Annotated[str, typer.Option("--from", help="First month, YYYY-MM.")],
    to_month: Annotated[str, typer.Option("--to", help="Last month, YYYY-MM.")],
    base_url: Annotated[
        str,
        typer.Option(
            help="data.police.uk base URL (or a mirror with the same layout).",
            envvar="SAFERPLACES_POLICE_UK_URL",
        ),
    ] = "https://data.police.uk",
    kinds: Annotated[
        list[str] | None,
        typer.Option("--kind", help="street, outcomes, stop-and-search (default: all three)."),
    ] = None,
) -> None:
    """Fetch monthly data.police.uk files for one force into YYYY-MM/ folders."""
    from saferplaces.sources.police_uk_download import download_police_uk

    written = download_police_uk(
        force=force,
        start=from_month,
        end=to_month,
        dest=directory,
        base_url=base_url,
        kinds=tuple(kinds) if kinds else ("street", "outcomes", "stop-and-search"),
        progress=sys.stderr.isatty(),
    )
    console.print(f"Wrote {len(written)} files under {directory}.")


class GeographyKind(str, Enum):
    lsoa = "lsoa"
    ward = "ward"
    lsoa_ward = "lsoa-ward"
    lsoa_lookup = "lsoa-lookup"
    population = "population"
    imd = "imd"


@geography_app.command("load")
def geography_load_cmd(
    kind: Annotated[GeographyKind, typer.Argument(help="What the file holds.")],
    path: Annotated[Path, typer.Argument(help="GeoJSON, GeoPackage, shapefile or CSV.")],
    workspace: WorkspaceOpt = None,
    vintage: Annotated[
        int | None, typer.Option(help="LSOA vintage, 2011 or 2021 (default: from the columns).")
    ] = None,
    year: Annotated[
        int | None, typer.Option(help="Population year (default: from the file).")
    ] = None,
) -> None:
    """Load boundaries (LSOA, ward), LSOA-ward and LSOA11-LSOA21 lookups, population or IMD."""
    from saferplaces.sources.geography import load_geography
    from saferplaces.workspace import open_workspace

    ws = open_workspace(workspace)
    result = load_geography(ws, kind.value, path, vintage=vintage, year=year)
    console.print(result.summary())


@geography_app.command("localities")
def geography_localities_cmd(
    workspace: WorkspaceOpt = None, output_format: FormatOpt = OutputFormat.table
) -> None:
    """List the localities defined in saferplaces.toml with their LSOAs, residents and area."""
    from saferplaces.geo.localities import list_localities
    from saferplaces.workspace import open_workspace

    ws = open_workspace(workspace)
    with ws.connect(read_only=True) as con:
        frame = list_localities(con, ws.settings)
    if output_format is OutputFormat.json:
        _print_json(frame.to_dict(orient="records"))
        return
    table = Table(title="Localities")
    for col in frame.columns:
        table.add_column(col)
    for row in frame.itertuples(index=False):
        table.add_row(*[str(v) for v in row])
    console.print(table)


@app.command()
def status(workspace: WorkspaceOpt = None, output_format: FormatOpt = OutputFormat.table) -> None:
    """What the warehouse holds: months by kind and force, quarantine, placement, geography."""
    from saferplaces.warehouse.status import print_status, warehouse_status
    from saferplaces.workspace import open_workspace

    ws = open_workspace(workspace)
    with ws.connect(read_only=True) as con:
        st = warehouse_status(con, ws.settings)
    if output_format is OutputFormat.json:
        _print_json(st)
    else:
        print_status(st, console)


@quarantine_app.command("show")
def quarantine_show_cmd(
    workspace: WorkspaceOpt = None,
    reason: Annotated[
        str | None, typer.Option(help="Only this reason code (see `saferplaces status`).")
    ] = None,
    file: Annotated[
        str | None, typer.Option(help="Only rows from files whose name contains this.")
    ] = None,
    limit: Annotated[int, typer.Option(help="At most this many rows (0 for all).")] = 50,
    output_format: FormatOpt = OutputFormat.table,
) -> None:
    """Show quarantined rows: file, line, reason and the raw text."""
    from saferplaces.warehouse.status import print_quarantine, quarantine_rows
    from saferplaces.workspace import open_workspace

    ws = open_workspace(workspace)
    with ws.connect(read_only=True) as con:
        frame = quarantine_rows(con, reason=reason, file=file, limit=limit)
    if output_format is OutputFormat.json:
        _print_json(frame.to_dict(orient="records"))
    else:
        print_quarantine(frame, console)


class HarmStatus(str, Enum):
    official = "official"
    user = "user"
    illustrative = "illustrative"


@harm_app.command("import")
def harm_import_cmd(
    path: Annotated[Path, typer.Argument(help="CSV (key column and weight) or YAML file.")],
    name: Annotated[
        str, typer.Option(help="Scheme name; the ONS Crime Severity Score must start ons-css.")
    ],
    status: Annotated[
        HarmStatus, typer.Option(help="official (published table), user or illustrative.")
    ],
    version: Annotated[
        str | None, typer.Option(help="Version (default: the file's, else 1); same replaces.")
    ] = None,
    provenance: Annotated[
        str | None, typer.Option(help="Where the weights come from (publisher, table, date).")
    ] = None,
    workspace: WorkspaceOpt = None,
) -> None:
    """Import a harm weight table into the warehouse (replaces the same name and version)."""
    from saferplaces.harm import import_scheme
    from saferplaces.workspace import open_workspace

    ws = open_workspace(workspace)
    with ws.connect() as con:
        scheme = import_scheme(con, path, name, status.value, version, provenance)
    console.print(
        f"Imported {scheme.name} v{scheme.version}: {len(scheme.weights)} weights by "
        f"{scheme.key}, status {scheme.status}. Figures will be labelled: {scheme.label}"
    )


def _harm_connection(workspace: Path | None) -> Any:
    """The warehouse read-only, or None (bundled schemes only) when no workspace is found."""
    from contextlib import nullcontext

    from saferplaces.errors import WorkspaceNotFound
    from saferplaces.workspace import open_workspace

    try:
        ws = open_workspace(workspace)
    except WorkspaceNotFound:
        if workspace is not None:
            raise
        return nullcontext(None)
    return ws.connect(read_only=True)


@harm_app.command("list")
def harm_list_cmd(
    workspace: WorkspaceOpt = None, output_format: FormatOpt = OutputFormat.table
) -> None:
    """List harm schemes: bundled ones and those imported into the warehouse."""
    from saferplaces.harm import list_schemes

    with _harm_connection(workspace) as con:
        frame = list_schemes(con)
    if output_format is OutputFormat.json:
        _print_json(
            json.loads(
                frame.drop(columns=["provenance"]).to_json(orient="records", date_format="iso")
            )
        )
        return
    table = Table(title="Harm schemes")
    cols = ["name", "version", "key", "status", "weights", "source", "label"]
    for col in cols:
        table.add_column(col)
    for row in frame[cols].itertuples(index=False):
        table.add_row(*[str(v) for v in row])
    console.print(table)


@harm_app.command("show")
def harm_show_cmd(
    name: Annotated[str, typer.Argument(help="Scheme name (see `saferplaces harm list`).")],
    force: Annotated[
        str | None,
        typer.Option(help="For a scheme by offence code: derive category weights for this force."),
    ] = None,
    version: Annotated[
        str | None, typer.Option(help="Version (default: the latest imported).")
    ] = None,
    exclude_missing: Annotated[
        bool,
        typer.Option("--exclude-missing", help="With --force: leave out codes without a weight."),
    ] = False,
    workspace: WorkspaceOpt = None,
    output_format: FormatOpt = OutputFormat.table,
) -> None:
    """Show a scheme's weights; with --force, a code scheme's derived category weights."""
    from saferplaces.harm import category_weights_for, get_scheme

    with _harm_connection(workspace) as con:
        scheme = (
            category_weights_for(
                con, name, force, version=version, missing="exclude" if exclude_missing else "error"
            )
            if force
            else get_scheme(con, name, version)
        )
    if output_format is OutputFormat.json:
        _print_json(scheme.as_dict())
        return
    table = Table(title=scheme.label)
    table.add_column(scheme.key)
    table.add_column("weight", justify="right")
    if scheme.coverage:
        table.add_column("share covered", justify="right")
    for key, weight in sorted(scheme.weights.items()):
        extra = [f"{scheme.coverage.get(key, 0):.1%}"] if scheme.coverage else []
        table.add_row(key, f"{weight:g}", *extra)
    console.print(table)
    console.print(f"status: {scheme.status}\nprovenance: {scheme.provenance}", highlight=False)


@app.command()
def demo(
    directory: Annotated[Path, typer.Argument(help="Folder for the demo workspace.")] = Path(
        "demo-workspace"
    ),
    real: Annotated[
        bool,
        typer.Option(
            "--real", help="Also load the real West Mercia files and geography of ../shared/data."
        ),
    ] = False,
    data: Annotated[
        Path | None,
        typer.Option(
            help="The shared data folder for --real (default: $SAFERPLACES_SHARED_DATA, else "
            "../shared/data).",
            show_default=False,
        ),
    ] = None,
) -> None:
    """Build the Telford and Wrekin demo workspace (synthetic borough; --real adds real files)."""
    from saferplaces.demo import SYNTHETIC_DIR, build_demo
    from saferplaces.synth import BANNER
    from saferplaces.warehouse.status import print_status, warehouse_status

    ws = build_demo(
        directory, data, console=console, progress=sys.stderr.isatty(), real=real, synthetic=True
    )
    with ws.connect(read_only=True) as con:
        print_status(warehouse_status(con, ws.settings), console)
    console.print(f"\n[bold yellow]{BANNER}[/] (real data too: {'yes' if real or data else 'no'})")
    console.print(f"Demo workspace: [bold]{ws.root}[/]  (try: saferplaces status -w {ws.root})")
    console.print(f"Synthetic files: {ws.root / SYNTHETIC_DIR}")


@app.command()
def synth(
    profile: Annotated[
        str, typer.Option(help="Bundled profile name (e.g. telford-2019-20) or a YAML file.")
    ],
    out: Annotated[Path, typer.Option(help="Output folder for the synthetic files.")],
    seed: Annotated[int, typer.Option(help="Random seed: the same seed gives the same files.")] = 1,
    backbone: Annotated[
        Path | None,
        typer.Option(
            help="Folder of real data.police.uk street files for crime intensity per LSOA.",
            show_default=False,
        ),
    ] = None,
) -> None:
    """Generate a synthetic borough: data.police.uk files, force extract, partner data."""
    from saferplaces.synth import generate

    result = generate(profile, seed, out, backbone=backbone)
    for i, line in enumerate(result.describe()):
        console.print(f"[bold yellow]{line}[/]" if i == 0 else line, highlight=False)


class FrameFormat(str, Enum):
    table = "table"
    csv = "csv"
    json = "json"
    parquet = "parquet"


PeriodOpt = Annotated[
    str | None,
    typer.Option(help="Months, e.g. 2025-01..2025-12 or 2025 (default: the latest 12 held)."),
]
SchemeOpt = Annotated[str, typer.Option(help="Harm scheme (see `saferplaces harm list`).")]
FrameFormatOpt = Annotated[
    FrameFormat,
    typer.Option("--format", help="table to print; csv, json or parquet to write files."),
]
OutOpt = Annotated[
    Path | None,
    typer.Option(help="Folder for csv/json/parquet files (default: the workspace's reports/)."),
]


def _write_result(
    frames: dict[str, Any], prefix: str, period: str, out: Path | None, reports: Path,
    fmt: FrameFormat, name: str = "",
) -> None:  # fmt: skip
    """Write a result's frames as files and say where (the non-table --format of a command)."""
    from saferplaces.exports import result_folder, write_frames

    folder = out or result_folder(reports, prefix, period, name)
    for path in write_frames(frames, folder, prefix, fmt.value):
        console.print(f"wrote {path}")


@app.command()
def profile(
    workspace: WorkspaceOpt = None,
    period: PeriodOpt = None,
    scheme: SchemeOpt = "illustrative-category-v1",
    output_format: FrameFormatOpt = FrameFormat.table,
    out: OutOpt = None,
) -> None:
    """Borough profile: crimes, ASB, rates, harm, categories, months, change, rest of force."""
    from saferplaces.analysis.base import make_scope
    from saferplaces.analysis.profile import borough_profile, print_profile
    from saferplaces.workspace import open_workspace

    ws = open_workspace(workspace)
    with ws.connect(read_only=True) as con:
        result = borough_profile(con, make_scope(con, ws.settings, period, scheme))
    if output_format is FrameFormat.table:
        print_profile(result, console)
        return
    frames = {n: getattr(result, n) for n in ("summary", "categories", "monthly")}
    _write_result(frames, "profile", result.summary.period[0], out, ws.reports_dir, output_format)


class PlacesMethod(str, Enum):
    eb = "eb"
    raw = "raw"
    harm = "harm"
    density = "density"


@app.command()
def places(
    workspace: WorkspaceOpt = None,
    period: PeriodOpt = None,
    scheme: SchemeOpt = "illustrative-category-v1",
    method: Annotated[
        PlacesMethod,
        typer.Option(
            help="Vulnerability: eb (crime and harm rates, smoothed), raw, harm, or density "
            "(harm per km², for town centres)."
        ),
    ] = PlacesMethod.eb,
    top: Annotated[int, typer.Option(help="LSOAs to print.")] = 20,
    localities: Annotated[int, typer.Option(help="Candidate localities to find.")] = 3,
    high_share: Annotated[
        float, typer.Option(help="Share of LSOAs counted as high-vulnerability for candidates.")
    ] = 0.2,
    output_format: FrameFormatOpt = FrameFormat.table,
    out: OutOpt = None,
) -> None:
    """LSOAs by crime, harm and vulnerability; concentration; candidate priority localities."""
    from saferplaces.analysis.base import make_scope
    from saferplaces.analysis.places import places as places_for
    from saferplaces.analysis.places import print_places
    from saferplaces.workspace import open_workspace

    ws = open_workspace(workspace)
    with ws.connect(read_only=True) as con:
        scope = make_scope(con, ws.settings, period, scheme)
        result = places_for(con, scope, method.value, localities, high_share)
    if output_format is FrameFormat.table:
        print_places(result, console, top=top)
        return
    _write_result(result.frames(), "places", result.period, out, ws.reports_dir, output_format)


@app.command()
def locality(
    name: Annotated[str, typer.Argument(help="A locality in saferplaces.toml, or the area.")],
    workspace: WorkspaceOpt = None,
    period: PeriodOpt = None,
    scheme: SchemeOpt = "illustrative-category-v1",
    output_format: FrameFormatOpt = FrameFormat.table,
    out: OutOpt = None,
) -> None:
    """Locality profile: shares of land, residents, crime and harm; rate ratios; months."""
    from saferplaces.analysis.base import make_scope
    from saferplaces.analysis.locality import locality_profile, print_locality
    from saferplaces.workspace import open_workspace

    ws = open_workspace(workspace)
    with ws.connect(read_only=True) as con:
        scope = make_scope(con, ws.settings, period, scheme)
        result = locality_profile(con, scope, name, settings=ws.settings)
    if output_format is FrameFormat.table:
        print_locality(result, console)
        return
    frames = {n: getattr(result, n) for n in ("summary", "categories", "monthly")}
    _write_result(frames, "locality", str(scope.period), out, ws.reports_dir, output_format, name)


class TrendLevel(str, Enum):
    area = "area"
    locality = "locality"
    ward = "ward"
    lsoa = "lsoa"


@app.command()
def trends(
    workspace: WorkspaceOpt = None,
    period: PeriodOpt = None,
    level: Annotated[
        list[TrendLevel] | None,
        typer.Option(help="Levels to monitor, repeatable (default: all four)."),
    ] = None,
    scheme: SchemeOpt = "illustrative-category-v1",
    min_expected: Annotated[
        float, typer.Option(help="Months expected below this many crimes are not tested.")
    ] = 5.0,
    q: Annotated[float, typer.Option("--q", help="False discovery rate (BH q-value).")] = 0.05,
    top: Annotated[int, typer.Option(help="Emerging issues to print.")] = 20,
    output_format: FrameFormatOpt = FrameFormat.table,
    out: OutOpt = None,
) -> None:
    """Emerging trends: each month against a seasonal model of the months before, ranked."""
    from saferplaces.analysis.base import make_scope
    from saferplaces.analysis.trends import LEVELS, print_trends
    from saferplaces.analysis.trends import trends as trends_for
    from saferplaces.workspace import open_workspace

    ws = open_workspace(workspace)
    levels = [lv.value for lv in level] if level else list(LEVELS)
    with ws.connect(read_only=True) as con:
        scope = make_scope(con, ws.settings, period, scheme)
        result = trends_for(con, scope, ws.settings, levels, min_expected, q)
    if output_format is FrameFormat.table:
        print_trends(result, console, top=top)
        return
    _write_result(result.frames(), "trends", result.period, out, ws.reports_dir, output_format)


class HotspotMeasure(str, Enum):
    crime_count = "count"  # not `count`: that would shadow str.count
    harm = "harm"


@app.command()
def hotspots(
    workspace: WorkspaceOpt = None,
    period: PeriodOpt = None,
    measure: Annotated[
        HotspotMeasure, typer.Option(help="count (crimes) or harm (per 1,000 residents).")
    ] = HotspotMeasure.crime_count,
    scheme: SchemeOpt = "illustrative-category-v1",
    permutations: Annotated[int, typer.Option(help="Gi* permutations.")] = 999,
    seed: Annotated[int, typer.Option(help="Seed of the permutations.")] = 12345,
    emerging: Annotated[
        bool, typer.Option(help="Emerging hot spots over the period's time steps.")
    ] = True,
    step_months: Annotated[int, typer.Option(help="Months per emerging time step.")] = 1,
    cell_size: Annotated[
        float | None, typer.Option(help="Kernel density grid cell in metres (default: none).")
    ] = None,
    top: Annotated[int, typer.Option(help="LSOAs to print.")] = 20,
    output_format: FrameFormatOpt = FrameFormat.table,
    out: OutOpt = None,
) -> None:
    """Hot spots: Gi* by LSOA with FDR classes, emerging patterns, optional kernel density."""
    from saferplaces.analysis.base import make_scope
    from saferplaces.analysis.hotspots import hotspots as hotspots_for
    from saferplaces.analysis.hotspots import print_hotspots
    from saferplaces.workspace import open_workspace

    ws = open_workspace(workspace)
    with ws.connect(read_only=True) as con:
        scope = make_scope(con, ws.settings, period, scheme)
        result = hotspots_for(
            con, scope, measure.value, permutations, seed, emerging, step_months, cell_size
        )
    if output_format is FrameFormat.table:
        print_hotspots(result, console, top=top)
        return
    _write_result(result.frames(), "hotspots", result.period, out, ws.reports_dir, output_format)


@app.command()
def pseudonymise(
    src: Annotated[Path, typer.Argument(metavar="IN", help="CSV file with identifiers.")],
    out: Annotated[Path, typer.Argument(metavar="OUT", help="CSV file to write.")],
    key_file: Annotated[
        Path, typer.Option("--key-file", help="Shared key (32+ bytes), kept outside any workspace.")
    ],
    columns: Annotated[
        str, typer.Option(help="Identifier columns, comma-separated, e.g. person_id,case_id.")
    ],
    workspace: WorkspaceOpt = None,
) -> None:
    """Replace identifier columns with keyed HMAC-SHA256 pseudonyms (for the data owner)."""
    from saferplaces.pseudonymise import pseudonymise_csv
    from saferplaces.workspace import find_workspace_dir

    wanted = [c.strip() for c in columns.split(",") if c.strip()]
    result = pseudonymise_csv(src, out, wanted, key_file, workspace=find_workspace_dir(workspace))
    console.print(
        f"Wrote {result.out}: {result.rows:,} rows, {result.values:,} identifiers in "
        f"{', '.join(result.columns)} pseudonymised.",
        highlight=False,
    )


strategy_app = typer.Typer(
    help="The partnership strategy as a YAML document: import, export, show.", no_args_is_help=True
)
plan_app = typer.Typer(
    help="Run the plan: actions, progress, status, Domestic Homicide Reviews.",
    no_args_is_help=True,
)
plan_action_app = typer.Typer(help="Add and update actions.", no_args_is_help=True)
plan_progress_app = typer.Typer(help="Dated progress updates on actions.", no_args_is_help=True)
plan_dhr_app = typer.Typer(
    help="Domestic Homicide Reviews: stages, recommendations, learning.", no_args_is_help=True
)
app.add_typer(strategy_app, name="strategy")
app.add_typer(plan_app, name="plan")
plan_app.add_typer(plan_action_app, name="action")
plan_app.add_typer(plan_progress_app, name="progress")
plan_app.add_typer(plan_dhr_app, name="dhr")

StrategyOpt = Annotated[
    str | None, typer.Option("--strategy", help="Strategy name (default: the latest).")
]
DateOpt = Annotated[str | None, typer.Option(help="Date, YYYY-MM-DD.")]


def _partnership_session(workspace: Path | None) -> Any:
    """One unit of work on the workspace's partnership database (migrated on first use)."""
    from saferplaces.partnership.db import open_database, session_scope
    from saferplaces.workspace import open_workspace

    return session_scope(open_database(open_workspace(workspace)))


def _day(value: str | None) -> Any:
    """A YYYY-MM-DD option as a date, with an error a person can act on."""
    import datetime as dt

    if value is None:
        return None
    try:
        return dt.date.fromisoformat(value)
    except ValueError:
        raise SaferplacesError(f"{value!r} is not a date; write it as YYYY-MM-DD") from None


@strategy_app.command("import")
def strategy_import_cmd(
    path: Annotated[Path | None, typer.Argument(help="Strategy document (YAML).")] = None,
    bundled: Annotated[
        str | None,
        typer.Option(help="Import a bundled example instead, e.g. telford-and-wrekin-2021-24."),
    ] = None,
    workspace: WorkspaceOpt = None,
) -> None:
    """Check and import a strategy document; a strategy of the same name gets a new version."""
    from rich.markup import escape

    from saferplaces.partnership.services import BUNDLED_STRATEGIES, import_strategy
    from saferplaces.workspace import open_workspace

    if (path is None) == (bundled is None):
        raise SaferplacesError("give a strategy FILE.yaml or --bundled NAME (one of the two)")
    if bundled is not None:
        path = BUNDLED_STRATEGIES / f"{bundled}.yaml"
        if not path.is_file():
            names = ", ".join(p.stem for p in sorted(BUNDLED_STRATEGIES.glob("*.yaml")))
            raise SaferplacesError(f"no bundled strategy {bundled!r}; bundled: {names}")
    assert path is not None
    localities = set(open_workspace(workspace).settings.localities)
    with _partnership_session(workspace) as session:
        result = import_strategy(session, path, localities)
    counts = ", ".join(f"{n} {what}" for what, n in result.counts.items())
    console.print(f"Imported {result.strategy} (version {result.version}): {counts}.")
    for warning in result.warnings:
        err_console.print(f"[yellow]warning:[/] {escape(warning)}", highlight=False, soft_wrap=True)


@strategy_app.command("export")
def strategy_export_cmd(
    path: Annotated[Path | None, typer.Argument(help="File to write (default: stdout).")] = None,
    strategy: StrategyOpt = None,
    workspace: WorkspaceOpt = None,
) -> None:
    """Write the whole strategy, with actions, progress and KPI values, as YAML."""
    from saferplaces.partnership.services import export_strategy

    with _partnership_session(workspace) as session:
        text = export_strategy(session, strategy)
    if path is None:
        sys.stdout.write(text)
    else:
        path.write_text(text, encoding="utf-8")
        console.print(f"wrote {path}")


@strategy_app.command("show")
def strategy_show_cmd(
    strategy: StrategyOpt = None,
    workspace: WorkspaceOpt = None,
    output_format: FormatOpt = OutputFormat.table,
) -> None:
    """Vision, partners, governance, priorities with objectives, programmes and funding."""
    from saferplaces.partnership.document import read_strategy
    from saferplaces.partnership.present import print_strategy
    from saferplaces.partnership.services import get_strategy

    with _partnership_session(workspace) as session:
        doc = read_strategy(session, get_strategy(session, strategy))
    if output_format is OutputFormat.json:
        _print_json(doc)
    else:
        print_strategy(doc, console)


@strategy_app.command("render")
def strategy_render_cmd(
    out: Annotated[
        Path | None,
        typer.Option(help="Folder for partnership-plan.html (default: reports/ of the workspace)."),
    ] = None,
    period: Annotated[
        str | None,
        typer.Option(help="Months of the evidence figures (default: the latest 12 held)."),
    ] = None,
    strategy: StrategyOpt = None,
    workspace: WorkspaceOpt = None,
    pdf: Annotated[
        bool, typer.Option("--pdf", help="Also print partnership-plan.pdf (headless Chromium).")
    ] = False,
) -> None:
    """The partnership plan as one self-contained HTML file, and a PDF with --pdf.

    Vision, partners, a governance diagram drawn from the model (needs Graphviz's dot),
    priorities with evidence figures from the warehouse, objectives, KPIs, alignment, funding.
    """
    from saferplaces.partnership.render import build_plan
    from saferplaces.workspace import open_workspace

    result = build_plan(open_workspace(workspace), out, period, strategy, pdf=pdf)
    banner = " [bold red](SYNTHETIC data)[/]" if result.synthetic else ""
    evidence = f"evidence for {result.period}" if result.period else "no evidence figures"
    written = f"{result.html} and {result.pdf}" if result.pdf else str(result.html)
    console.print(f"wrote {written} ({evidence}){banner}", highlight=False)
    if result.evidence_note:
        err_console.print(f"[yellow]note:[/] {result.evidence_note}", highlight=False)


@plan_app.command("status")
def plan_status_cmd(
    strategy: StrategyOpt = None,
    workspace: WorkspaceOpt = None,
    output_format: FormatOpt = OutputFormat.table,
) -> None:
    """Action RAG by group and priority, overdue actions, KPI values and DHR stages."""
    from saferplaces.partnership.status import plan_status, print_plan_status

    with _partnership_session(workspace) as session:
        st = plan_status(session, strategy=strategy)
    if output_format is OutputFormat.json:
        _print_json(st)
    else:
        print_plan_status(st, console)


@plan_app.command("actions")
def plan_actions_cmd(
    overdue: Annotated[bool, typer.Option("--overdue", help="Only open actions past due.")] = False,
    red: Annotated[bool, typer.Option("--red", help="Only actions rated red.")] = False,
    strategy: StrategyOpt = None,
    workspace: WorkspaceOpt = None,
    output_format: FormatOpt = OutputFormat.table,
) -> None:
    """List actions (objectives, Neighbourhood Action Plans, DHR recommendations) by due date."""
    import datetime as dt

    from saferplaces.partnership.services import list_actions
    from saferplaces.partnership.status import action_row, print_actions

    today = dt.date.today()
    with _partnership_session(workspace) as session:
        rows = [
            action_row(a, today)
            for a in list_actions(session, overdue=overdue, red=red, strategy=strategy)
        ]
    if output_format is OutputFormat.json:
        _print_json(rows)
    else:
        print_actions(rows, console)


@plan_action_app.command("add")
def plan_action_add_cmd(
    title: Annotated[str, typer.Argument(help="What will be done.")],
    objective: Annotated[
        str | None, typer.Option(help="Objective as priority/number, e.g. domestic-abuse/6.")
    ] = None,
    dhr: Annotated[
        str | None, typer.Option(help="DHR case reference: the action is a recommendation.")
    ] = None,
    locality: Annotated[
        str | None, typer.Option(help="Locality whose Neighbourhood Action Plan it joins.")
    ] = None,
    owner: Annotated[str | None, typer.Option(help="Owner organisation.")] = None,
    lead: Annotated[str | None, typer.Option(help="Lead officer.")] = None,
    due: DateOpt = None,
    status: Annotated[str, typer.Option(help="not_started, in_progress, complete, ...")] = (
        "not_started"
    ),
    rag: Annotated[str | None, typer.Option(help="red, amber or green.")] = None,
    ref: Annotated[str | None, typer.Option(help="The plan's own reference, e.g. DA2.1.")] = None,
    strategy: StrategyOpt = None,
    workspace: WorkspaceOpt = None,
) -> None:
    """Add an action to an objective, a Neighbourhood Action Plan or a DHR."""
    from saferplaces.partnership.services import add_action

    with _partnership_session(workspace) as session:
        action = add_action(
            session, title, objective=objective, dhr=dhr, locality=locality, owner=owner,
            lead=lead, due=_day(due), status=status, rag=rag, ref=ref, strategy=strategy,
        )  # fmt: skip
        console.print(f"Added action {action.id}: {action.title}")


@plan_action_app.command("update")
def plan_action_update_cmd(
    action_id: Annotated[int, typer.Argument(help="Action id (see `saferplaces plan actions`).")],
    title: Annotated[str | None, typer.Option(help="New wording.")] = None,
    owner: Annotated[str | None, typer.Option(help="Owner organisation.")] = None,
    lead: Annotated[str | None, typer.Option(help="Lead officer.")] = None,
    due: DateOpt = None,
    status: Annotated[str | None, typer.Option(help="not_started, in_progress, ...")] = None,
    rag: Annotated[str | None, typer.Option(help="red, amber or green.")] = None,
    workspace: WorkspaceOpt = None,
) -> None:
    """Change an action's wording, owner, lead, due date, status or RAG."""
    from saferplaces.partnership.services import update_action

    with _partnership_session(workspace) as session:
        action = update_action(
            session, action_id, title=title, owner=owner, lead=lead, due_date=_day(due),
            status=status, rag=rag,
        )  # fmt: skip
        console.print(f"Updated action {action.id}: {action.status}, RAG {action.rag or '-'}")


@plan_progress_app.command("add")
def plan_progress_add_cmd(
    action_id: Annotated[int, typer.Argument(help="Action id (see `saferplaces plan actions`).")],
    text: Annotated[str, typer.Argument(help="What has happened.")],
    date: DateOpt = None,
    status: Annotated[str | None, typer.Option(help="New status of the action.")] = None,
    rag: Annotated[str | None, typer.Option(help="New RAG of the action.")] = None,
    workspace: WorkspaceOpt = None,
) -> None:
    """Record a dated progress update (author: $SAFERPLACES_USER or your login)."""
    from saferplaces.partnership.services import add_progress

    with _partnership_session(workspace) as session:
        update = add_progress(session, action_id, text, date=_day(date), status=status, rag=rag)
        console.print(f"Recorded progress on action {action_id} ({update.date}, {update.author}).")


@plan_dhr_app.command("add")
def plan_dhr_add_cmd(
    case_reference: Annotated[str, typer.Argument(help="The CSP's case reference.")],
    notified: Annotated[str, typer.Option(help="Date notified, YYYY-MM-DD.")],
    note: Annotated[str | None, typer.Option(help="Anything to record (no personal data).")] = None,
    workspace: WorkspaceOpt = None,
) -> None:
    """Record the notification of a death that may need a Domestic Homicide Review."""
    from saferplaces.partnership.services import add_dhr

    with _partnership_session(workspace) as session:
        dhr = add_dhr(session, case_reference, _day(notified), note)
        console.print(f"Recorded DHR {dhr.case_reference}, notified {dhr.notification_date}.")


@plan_dhr_app.command("stage")
def plan_dhr_stage_cmd(
    case_reference: Annotated[str, typer.Argument(help="The case reference.")],
    stage: Annotated[
        str,
        typer.Argument(
            help="decision_to_hold, not_held, panel_established, under_review, "
            "submitted_to_qa_panel, published or closed."
        ),
    ],
    date: DateOpt = None,
    note: Annotated[str | None, typer.Option(help="Anything to record.")] = None,
    workspace: WorkspaceOpt = None,
) -> None:
    """Move a DHR to its next statutory stage (never backwards)."""
    from saferplaces.partnership.services import advance_dhr

    with _partnership_session(workspace) as session:
        dhr = advance_dhr(session, case_reference, stage, _day(date), note)
        console.print(f"DHR {dhr.case_reference} is now {dhr.status} ({dhr.stages[-1].date}).")


@plan_dhr_app.command("learning")
def plan_dhr_learning_cmd(
    case_reference: Annotated[str, typer.Argument(help="The case reference.")],
    theme: Annotated[str, typer.Argument(help="The learning theme.")],
    embedded_in: Annotated[
        str | None, typer.Option(help="Where it was embedded (training, pathway, policy).")
    ] = None,
    embedded_on: DateOpt = None,
    workspace: WorkspaceOpt = None,
) -> None:
    """Record a learning theme from a DHR and where it was embedded."""
    from saferplaces.partnership.services import add_dhr_learning

    with _partnership_session(workspace) as session:
        add_dhr_learning(session, case_reference, theme, embedded_in, _day(embedded_on))
        console.print(f"Recorded learning for DHR {case_reference}: {theme}")


@plan_dhr_app.command("list")
def plan_dhr_list_cmd(
    workspace: WorkspaceOpt = None, output_format: FormatOpt = OutputFormat.table
) -> None:
    """List DHRs with their stage history, recommendations and learning."""
    from saferplaces.partnership.present import dhr_record, print_dhrs
    from saferplaces.partnership.services import list_dhrs

    with _partnership_session(workspace) as session:
        rows = [dhr_record(d) for d in list_dhrs(session)]
    if output_format is OutputFormat.json:
        _print_json(rows)
    else:
        print_dhrs(rows, console)


kpi_app = typer.Typer(
    help="Performance indicators: compute from the warehouse, enter by hand, list.",
    no_args_is_help=True,
)
app.add_typer(kpi_app, name="kpi")


@kpi_app.command("refresh")
def kpi_refresh_cmd(
    period: Annotated[
        list[str] | None,
        typer.Option(
            help="Period to compute, e.g. 2019-11..2020-10 or 2021 (repeatable; default: each "
            "KPI's baseline period, each year of the strategy and the latest 12 months, where "
            "the warehouse holds them).",
            show_default=False,
        ),
    ] = None,
    strategy: StrategyOpt = None,
    workspace: WorkspaceOpt = None,
    output_format: FormatOpt = OutputFormat.table,
) -> None:
    """Compute every computed KPI for each period from the warehouse and store the values.

    Re-running replaces the values of the same periods. KPIs whose analysis is not built yet
    are listed as not available yet.
    """
    from saferplaces.partnership.kpis import refresh_kpis
    from saferplaces.partnership.metrics import Evidence
    from saferplaces.workspace import open_workspace

    ws = open_workspace(workspace)
    with ws.connect(read_only=True) as con, _partnership_session(workspace) as session:
        result = refresh_kpis(session, Evidence(con, ws.settings), period or None, strategy)
    if output_format is OutputFormat.json:
        _print_json({**result.__dict__, "rows": [r.__dict__ for r in result.rows]})
        return
    table = Table(title=f"KPI refresh: {result.strategy}")
    for col in ("KPI", "metric", "period", "status", "value", "harm scheme / why"):
        table.add_column(col, justify="right" if col == "value" else "left")
    for r in result.rows:
        value = (
            ""
            if r.value is None
            else f"{r.value:,.0f}"
            if r.value == int(r.value)
            else f"{r.value:.4g}"
        )
        table.add_row(
            r.kpi, r.metric or "", r.period or "all", r.status, value, r.harm_scheme or r.message
        )
    console.print(table)
    console.print(
        f"{result.stored} values stored for {', '.join(result.periods) or 'no period'}.",
        highlight=False,
    )
    if result.not_held:
        console.print(f"Not held in the warehouse: {', '.join(result.not_held)}.", highlight=False)


@kpi_app.command("list")
def kpi_list_cmd(
    strategy: StrategyOpt = None,
    workspace: WorkspaceOpt = None,
    output_format: FormatOpt = OutputFormat.table,
) -> None:
    """Every KPI: definition, latest value and movement, RAG, whether it can be computed yet."""
    from saferplaces.partnership.kpis import kpi_rows

    with _partnership_session(workspace) as session:
        rows = kpi_rows(session, strategy)
    if output_format is OutputFormat.json:
        _print_json(rows)
        return
    table = Table(title="KPIs")
    for col in ("KPI", "kind / metric", "baseline", "period", "value", "movement", "RAG"):
        table.add_column(col)
    for r in rows:
        what = r["metric"] or "manual"
        if r["available"] not in (None, "yes"):
            what += f" ({r['available']})"
        base = "" if r["baseline"] is None else f"{r['baseline']:,.4g} ({r['baseline_period']})"
        value = "" if r["value"] is None else f"{r['value']:,.4g}"
        table.add_row(
            r["key"], what, base, r["period"] or "", value, r["movement"] or "", r["rag"] or ""
        )
    console.print(table)


@kpi_app.command("set")
def kpi_set_cmd(
    name: Annotated[str, typer.Argument(help="The KPI's key (see `saferplaces kpi list`).")],
    period: Annotated[str, typer.Option(help="Period, e.g. 2021 or 2021-04..2022-03.")],
    value: Annotated[float, typer.Option(help="The value.")],
    source: Annotated[
        str | None, typer.Option(help="Where it came from (default: entered by you).")
    ] = None,
    strategy: StrategyOpt = None,
    workspace: WorkspaceOpt = None,
) -> None:
    """Record a manual KPI's value for a period (replacing one already there)."""
    from saferplaces.partnership.kpis import set_manual_value

    with _partnership_session(workspace) as session:
        v = set_manual_value(session, name, period, value, source, strategy)
        console.print(f"{name} {v.period}: {v.value:,.4g} ({v.source})", highlight=False)


class Edition(str, Enum):
    partnership = "partnership"
    public = "public"


@app.command()
def assess(
    workspace: WorkspaceOpt = None,
    period: PeriodOpt = None,
    out: Annotated[
        Path | None,
        typer.Option(
            help="Folder for assessment.html and tables/ (default: reports/ of the workspace)."
        ),
    ] = None,
    edition: Annotated[
        Edition,
        typer.Option(
            help="partnership (not for publication) or public (disclosure control: small "
            "counts about people suppressed, DA/CE maps and person-level tables withheld; "
            "the build runs check-disclosure and fails on any violation)."
        ),
    ] = Edition.partnership,
    scheme: SchemeOpt = "illustrative-category-v1",
    pdf: Annotated[
        bool, typer.Option("--pdf", help="Also print assessment.pdf (needs headless Chromium).")
    ] = False,
) -> None:
    """Strategic assessment: one self-contained HTML file and a CSV of every table."""
    from saferplaces.report import build_assessment
    from saferplaces.workspace import open_workspace

    if pdf:  # fail before the build, in one line, when Chromium is missing
        from saferplaces.report.pdf import find_chromium

        find_chromium()
    result = build_assessment(open_workspace(workspace), period, out, edition.value, scheme)
    banner = " [bold red](SYNTHETIC data)[/]" if result.synthetic else ""
    console.print(
        f"wrote {result.html} and {len(result.tables)} tables in {result.seconds:.1f} s{banner}"
    )
    if pdf:
        import time

        from saferplaces.report.pdf import html_to_pdf

        start = time.perf_counter()
        written = html_to_pdf(result.html)
        console.print(f"wrote {written} in {time.perf_counter() - start:.1f} s")


@app.command("check-disclosure")
def check_disclosure_cmd(
    folder: Annotated[
        Path, typer.Argument(help="A published folder: assessment.html and tables/*.csv.")
    ],
    threshold: Annotated[
        int | None,
        typer.Option(help="Smallest count of people shown (default: declared by the build, 10)."),
    ] = None,
    protection: Annotated[
        float | None,
        typer.Option(help="Narrowest feasible interval of a suppressed cell (default: threshold)."),
    ] = None,
) -> None:
    """Check a published folder independently: small counts, recoverable cells, point data.

    Prints one line per violation and exits 1, or a summary and exits 0.
    """
    from saferplaces.disclosure_check import check_disclosure

    if not (folder / "tables").is_dir():
        raise SaferplacesError(f"{folder} has no tables/ folder; give the folder `assess` wrote")
    result = check_disclosure(folder, threshold, protection)
    for line in result.violations:
        typer.echo(line)
    if not result.ok:
        err_console.print(f"{folder}: {result.summary()}", highlight=False, soft_wrap=True)
        raise typer.Exit(1)
    typer.echo(f"{folder}: {result.summary()}")


@app.command("da")
def da_cmd(
    workspace: WorkspaceOpt = None,
    period: PeriodOpt = None,
    scheme: SchemeOpt = "illustrative-category-v1",
    service_period: Annotated[
        str | None, typer.Option(help="Months of the DA service contacts (default: --period).")
    ] = None,
    marac_period: Annotated[
        str | None, typer.Option(help="Months of the MARAC referrals (default: --period).")
    ] = None,
    adult_female_population: Annotated[
        float | None,
        typer.Option(help="Women aged 16+ in the area, for MARAC cases per 10,000 (SafeLives 40)."),
    ] = None,
    output_format: FrameFormatOpt = FrameFormat.table,
    out: OutOpt = None,
) -> None:
    """Domestic abuse: records, repeats, ages, factors, service demand, MARAC (Charts 2-6)."""
    from saferplaces.analysis.domestic_abuse import domestic_abuse, print_domestic_abuse
    from saferplaces.analysis.people import theme_scope
    from saferplaces.workspace import open_workspace

    ws = open_workspace(workspace)
    with ws.connect(read_only=True) as con:
        result = domestic_abuse(
            con,
            theme_scope(con, ws.settings, period, scheme),
            service_period=service_period,
            marac_period=marac_period,
            adult_female_population=adult_female_population,
        )
    if output_format is FrameFormat.table:
        print_domestic_abuse(result, console)
        return
    _write_result(
        result.frames(), "da", result.summary.period[0], out, ws.reports_dir, output_format
    )


@app.command("ce")
def ce_cmd(
    workspace: WorkspaceOpt = None,
    period: PeriodOpt = None,
    cohort_period: Annotated[
        str | None, typer.Option(help="Months of the CE team cohort (default: --period).")
    ] = None,
    output_format: FrameFormatOpt = FrameFormat.table,
    out: OutOpt = None,
) -> None:
    """Child exploitation: CSE/CCE records, victims, suspects' ages, CE cohort (Charts 7-8)."""
    from saferplaces.analysis.exploitation import exploitation, print_exploitation
    from saferplaces.analysis.people import theme_scope
    from saferplaces.workspace import open_workspace

    ws = open_workspace(workspace)
    with ws.connect(read_only=True) as con:
        scope = theme_scope(con, ws.settings, period)
        result = exploitation(con, scope, cohort_period=cohort_period)
    if output_format is FrameFormat.table:
        print_exploitation(result, console)
        return
    _write_result(
        result.frames(), "ce", result.summary.period[0], out, ws.reports_dir, output_format
    )


def main() -> None:
    """Entry point: user errors become one line on stderr, never a traceback."""
    try:
        # Without standalone mode click returns a command's exit code instead of exiting.
        rc = app(standalone_mode=False)
        sys.exit(rc if isinstance(rc, int) else 0)
    except SaferplacesError as e:
        err_console.print(f"[bold red]error:[/] {e}", highlight=False, soft_wrap=True)
        sys.exit(1)
    except typer.Exit as e:
        sys.exit(e.exit_code)
    except typer.Abort:
        err_console.print("aborted")
        sys.exit(130)
    except KeyboardInterrupt:
        err_console.print("interrupted")
        sys.exit(130)
    except Exception as e:
        # Usage errors (Typer's bundled click) carry their own message and exit code.
        exit_code = getattr(e, "exit_code", None)
        if hasattr(e, "show") and isinstance(exit_code, int):
            e.show()
            sys.exit(exit_code)
        if os.environ.get("SAFERPLACES_DEBUG"):
            raise
        err_console.print(
            f"[bold red]internal error:[/] {type(e).__name__}: {e} "
            "(this is a bug in saferplaces; rerun with SAFERPLACES_DEBUG=1 for the traceback)",
            highlight=False,
            soft_wrap=True,
        )
        sys.exit(70)


if __name__ == "__main__":
    main()
