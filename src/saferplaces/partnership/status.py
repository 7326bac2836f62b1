"""Where the plan stands: action RAG by group and priority, overdue actions, KPIs, DHRs.

:func:`plan_status` returns plain data (JSON-ready); :func:`print_plan_status` prints it for a
person.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from typing import Any

from rich.console import Console
from rich.table import Table
from sqlalchemy.orm import Session

from saferplaces.partnership import models as m
from saferplaces.partnership.kpis import kpi_state
from saferplaces.partnership.services import get_strategy, list_actions, list_dhrs

__all__ = ["action_row", "plan_status", "print_actions", "print_plan_status"]

RAG_COLUMNS = ("red", "amber", "green", "none", "complete")


def action_row(a: m.Action, today: dt.date) -> dict[str, Any]:
    """One action as a flat record (what ``plan actions --format json`` prints)."""
    where: str | None
    group: str | None
    if a.objective is not None:
        where = f"{a.objective.priority.key}/{a.objective.number}"
        group = a.objective.group.name
    elif a.plan is not None:
        where = f"NAP {a.plan.locality}"
        group = a.plan.group.name if a.plan.group else None
    else:
        where = f"DHR {a.dhr.case_reference}" if a.dhr else None
        group = None
    return {
        "id": a.id,
        "ref": a.ref,
        "title": a.title,
        "belongs_to": where,
        "group": group,
        "owner": a.owner.name if a.owner else None,
        "lead": a.lead,
        "due": a.due_date.isoformat() if a.due_date else None,
        "status": a.status,
        "rag": a.rag,
        "overdue": a.is_overdue(today),
        "last_progress": a.progress[-1].date.isoformat() if a.progress else None,
    }


def _bucket(a: m.Action) -> str:
    return "complete" if a.status == "complete" else (a.rag or "none")


def plan_status(
    session: Session, today: dt.date | None = None, strategy: str | None = None
) -> dict[str, Any]:
    """Counts of actions by RAG per group and per priority, overdue actions, KPIs and DHRs."""
    today = today or dt.date.today()
    s = get_strategy(session, strategy)
    actions = [
        a for a in list_actions(session, today=today, strategy=strategy) if a.status != "cancelled"
    ]
    by_group: dict[str, Counter[str]] = {}
    by_priority: dict[str, Counter[str]] = {p.key: Counter() for p in s.priorities}
    for a in actions:
        row = action_row(a, today)
        by_group.setdefault(row["group"] or "(DHR recommendations)", Counter())[_bucket(a)] += 1
        if a.objective is not None:
            by_priority[a.objective.priority.key][_bucket(a)] += 1
    return {
        "strategy": s.name,
        "date": today.isoformat(),
        "actions": len(actions),
        "by_group": {g: {c: n[c] for c in RAG_COLUMNS} for g, n in by_group.items()},
        "by_priority": {p: {c: n[c] for c in RAG_COLUMNS} for p, n in by_priority.items()},
        "overdue": [action_row(a, today) for a in actions if a.is_overdue(today)],
        "kpis": [kpi_state(k).as_dict() for k in s.kpis],
        "dhrs": [
            {
                "case_reference": d.case_reference,
                "status": d.status,
                "since": d.stages[-1].date.isoformat(),
                "recommendations": len(d.recommendations),
                "open": sum(a.is_open for a in d.recommendations),
            }
            for d in list_dhrs(session)
        ],
    }


_STYLE = {"red": "red", "amber": "yellow", "green": "green"}


def _rag_table(title: str, first: str, rows: dict[str, dict[str, int]]) -> Table:
    table = Table(title=title)
    table.add_column(first)
    for c in RAG_COLUMNS:
        table.add_column(c, justify="right", style=_STYLE.get(c))
    for name, counts in rows.items():
        table.add_row(name, *[str(counts[c]) for c in RAG_COLUMNS])
    return table


def print_actions(rows: list[dict[str, Any]], console: Console, title: str = "Actions") -> None:
    """Print action records as a table."""
    table = Table(title=title)
    for col in ("id", "belongs_to", "title", "owner", "due", "status", "rag"):
        table.add_column(col)
    for r in rows:
        due = f"[red]{r['due']} overdue[/]" if r["overdue"] else (r["due"] or "")
        rag = f"[{_STYLE[r['rag']]}]{r['rag']}[/]" if r["rag"] else ""
        table.add_row(
            str(r["id"]), r["belongs_to"] or "", r["title"], r["owner"] or "", due, r["status"], rag
        )
    console.print(table)


def _fmt(value: float | None, unit: str | None) -> str:
    if value is None:
        return ""
    return f"{value:.1%}" if unit == "share" else f"{value:,.10g}"


def print_plan_status(st: dict[str, Any], console: Console) -> None:
    """Print :func:`plan_status` for a person."""
    console.print(f"[bold]{st['strategy']}[/] on {st['date']}: {st['actions']} actions")
    console.print(_rag_table("Actions by group", "group", st["by_group"]))
    console.print(_rag_table("Actions by priority", "priority", st["by_priority"]))
    if st["overdue"]:
        print_actions(st["overdue"], console, title="Overdue actions")
    else:
        console.print("No overdue actions.")
    with_values = [k for k in st["kpis"] if k["value"] is not None]
    if with_values:
        table = Table(title="KPIs")
        for col in ("kpi", "period", "value", "previous", "movement", "RAG", "against"):
            table.add_column(col)
        for k in with_values:
            rag = f"[{_STYLE[k['rag']]}]{k['rag']}[/]" if k["rag"] else ""
            table.add_row(
                k["name"],
                k["period"],
                _fmt(k["value"], k["unit"]),
                _fmt(k["previous"], k["unit"]),
                k["movement"] or "",
                rag,
                k["against"] or "",
            )
        console.print(table)
    else:
        console.print(f"No KPI values yet ({len(st['kpis'])} KPIs defined).")
    if st["dhrs"]:
        table = Table(title="Domestic Homicide Reviews")
        for col in ("case", "stage", "since", "recommendations", "open"):
            table.add_column(col)
        for d in st["dhrs"]:
            table.add_row(
                d["case_reference"],
                d["status"],
                d["since"],
                str(d["recommendations"]),
                str(d["open"]),
            )
        console.print(table)
