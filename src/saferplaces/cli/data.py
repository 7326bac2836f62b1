"""Commands that bring data in and look after it.

At the root: init, status, demo, synth and pseudonymise (registered in :mod:`saferplaces.cli`,
which keeps the order of ``saferplaces --help``). The groups ``ingest``, ``download``,
``geography``, ``quarantine`` and ``harm`` are made here, with their commands.
"""

from __future__ import annotations

import json
import sys
from enum import Enum
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer
from rich.table import Table

from saferplaces.cli._common import (
    FormatOpt,
    OutputFormat,
    WorkspaceOpt,
    _print_json,
    console,
    err_console,
)

if TYPE_CHECKING:
    from saferplaces.warehouse.report import IngestReport

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
harm_app = typer.Typer(
    help="Harm schemes: weight tables by offence code or police.uk category.", no_args_is_help=True
)


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


def _finish_ingest(report: IngestReport, output_format: OutputFormat) -> None:
    """Print an ingest report (table or JSON); exit 1 when any file failed."""
    if output_format is OutputFormat.json:
        _print_json(report.as_dict())
    else:
        report.print(console, err_console)
    if report.failed:
        raise typer.Exit(1)


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
    _finish_ingest(report, output_format)


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
    _finish_ingest(report, output_format)


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
    _finish_ingest(report, output_format)


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
    history: Annotated[
        int | None,
        typer.Option(
            help="Months before the period in the data.police.uk files, the trends baseline "
            "(default: the profile's; 0 for none).",
            show_default=False,
        ),
    ] = None,
) -> None:
    """Generate a synthetic borough: data.police.uk files, force extract, partner data."""
    from saferplaces.synth import generate

    result = generate(profile, seed, out, backbone=backbone, history=history)
    for i, line in enumerate(result.describe()):
        console.print(f"[bold yellow]{line}[/]" if i == 0 else line, highlight=False)


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
