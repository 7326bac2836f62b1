"""Commands that analyse the warehouse and publish from it.

All at the root: profile, places, locality, trends, hotspots, assess, check-disclosure, da and ce
(registered in :mod:`saferplaces.cli`, which keeps the order of ``saferplaces --help``).
"""

from __future__ import annotations

from enum import Enum
from pathlib import Path
from typing import Annotated, Any

import typer

from saferplaces.cli._common import WorkspaceOpt, console, err_console
from saferplaces.errors import SaferplacesError


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
    frames = {n: getattr(result, n) for n in ("summary", "categories", "monthly", "periods")}
    _write_result(frames, "profile", result.summary.period[0], out, ws.reports_dir, output_format)


class PlacesMethod(str, Enum):
    eb = "eb"
    raw = "raw"
    harm = "harm"
    density = "density"


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


class Edition(str, Enum):
    partnership = "partnership"
    public = "public"


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
