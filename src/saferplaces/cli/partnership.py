"""Commands that run the partnership: the strategy, the plan (actions, progress, DHRs), KPIs.

The groups ``strategy``, ``plan`` and ``kpi`` are made here, with their commands, and added to the
root app in :mod:`saferplaces.cli`.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Annotated, Any

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
from saferplaces.errors import SaferplacesError

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
