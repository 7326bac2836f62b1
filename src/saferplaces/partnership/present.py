"""Printing the strategy and DHRs for a person (Rich); JSON records for machines."""

from __future__ import annotations

from typing import Any

from rich.console import Console
from rich.table import Table
from rich.tree import Tree

from saferplaces.partnership import models as m

__all__ = ["dhr_record", "print_dhrs", "print_strategy"]


def _governance(groups: list[dict[str, Any]]) -> Tree:
    tree = Tree("[bold]Governance[/] (accountable to; also reports to)")
    nodes: dict[str, Tree] = {}

    def add(g: dict[str, Any], parent: Tree) -> None:
        extra = f" [dim]({g['kind'].replace('_', ' ')})[/]"
        if g.get("reports_to"):
            extra += f"; also reports to {', '.join(g['reports_to'])}"
        nodes[g["name"]] = parent.add(g["name"] + extra)
        for child in groups:
            if child.get("parent") == g["name"]:
                add(child, nodes[g["name"]])

    for g in groups:
        if not g.get("parent"):
            add(g, tree)
    return tree


def print_strategy(doc: dict[str, Any], console: Console) -> None:
    """Vision, partners, governance, priorities and objectives, KPIs, programmes, alignment."""
    s = doc["strategy"]
    console.print(
        f"[bold]{s['name']}[/] ({s['period']['start']} to {s['period']['end']})\n"
        f"Vision: {s['vision']}"
    )
    partners = Table(title="Partners")
    for col in ("organisation", "type", "responsible authority"):
        partners.add_column(col)
    for o in doc.get("organisations", []):
        ra = "yes" if o["responsible_authority"] else "no"
        partners.add_row(o["name"], o["type"].replace("_", " "), ra)
    console.print(partners)
    console.print(_governance(doc.get("groups", [])))
    for p in doc["priorities"]:
        head = f"\n[bold]{p['name']}[/] [dim]({p['kind']}, {p['key']}; {p.get('group', '')})[/]"
        console.print(head)
        if p.get("localities"):
            console.print(f"  Localities: {'; '.join(p['localities'])}")
        for o in p.get("objectives", []):
            console.print(f"  {o['number']}. {o['text']}")
    if doc.get("kpis"):
        console.print(f"\nKPIs: {len(doc['kpis'])} ({', '.join(k['key'] for k in doc['kpis'])})")
    for pr in doc.get("programmes", []):
        total = sum(f["amount"] for f in pr.get("funding", []))
        console.print(f"\nProgramme [bold]{pr['name']}[/]: £{total:,.0f}")
        for f in pr.get("funding", []):
            funder = f.get("funder", "funder not stated")
            console.print(f"  £{f['amount']:,.0f} from {funder}: {f.get('purpose', '')}")
    if doc.get("alignment"):
        console.print(
            f"\nAligned with {len(doc['alignment'])} plans: "
            + "; ".join(p["plan"] for p in doc["alignment"])
        )


def dhr_record(d: m.Dhr) -> dict[str, Any]:
    """A DHR as plain data: stages, recommendations (actions) and learning."""
    return {
        "case_reference": d.case_reference,
        "notification_date": d.notification_date.isoformat(),
        "status": d.status,
        "note": d.note,
        "stages": [
            {"stage": e.stage, "date": e.date.isoformat(), "note": e.note} for e in d.stages
        ],
        "recommendations": [
            {
                "action_id": a.id,
                "title": a.title,
                "owner": a.owner.name if a.owner else None,
                "due": a.due_date.isoformat() if a.due_date else None,
                "status": a.status,
            }
            for a in d.recommendations
        ],
        "learning": [
            {
                "theme": x.theme,
                "embedded_in": x.embedded_in,
                "embedded_on": x.embedded_on.isoformat() if x.embedded_on else None,
            }
            for x in d.learning
        ],
    }


def print_dhrs(rows: list[dict[str, Any]], console: Console) -> None:
    """Print :func:`dhr_record` records."""
    if not rows:
        console.print("No Domestic Homicide Reviews recorded.")
        return
    table = Table(title="Domestic Homicide Reviews")
    for col in ("case", "notified", "stage", "recommendations", "learning"):
        table.add_column(col)
    for r in rows:
        recs = "\n".join(
            f"{a['action_id']}: {a['title']} ({a['owner'] or '-'}, due {a['due'] or '-'}, "
            f"{a['status']})"
            for a in r["recommendations"]
        )
        learning = "\n".join(
            x["theme"] + (f" -> {x['embedded_in']}" if x["embedded_in"] else "")
            for x in r["learning"]
        )
        table.add_row(r["case_reference"], r["notification_date"], r["status"], recs, learning)
    console.print(table)
