"""The whole strategy as one document: check it, write it to the database, read it back.

:func:`validate` checks the shape (:mod:`~saferplaces.partnership.schema`) and every
cross-reference; :func:`write_strategy` stores a checked document (replacing the content of a
strategy of the same name and recording a new version); :func:`read_strategy` gives the
document back in the same form, so YAML -> database -> YAML is lossless.
"""

from __future__ import annotations

import datetime as dt
import re
from decimal import Decimal
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from saferplaces.partnership import models as m
from saferplaces.partnership.audit import current_user
from saferplaces.partnership.schema import DOCUMENT, check
from saferplaces.partnership.yaml_io import Path_, YamlDocument

__all__ = ["read_strategy", "validate", "write_strategy"]

KEY = re.compile(r"^[a-z0-9][a-z0-9-]*$")
METRIC = re.compile(r"^[a-z_]+\.[a-z_0-9]+$")


def _known(doc: YamlDocument, path: Path_, value: str | None, names: Any, what: str) -> None:
    if value is not None and value not in names:
        listed = "; ".join(sorted(names)) or "none defined"
        doc.fail(path, f"unknown {what} {value!r}; known {what}s: {listed}")


def _unique(doc: YamlDocument, path: Path_, items: list[dict[str, Any]], key: str) -> set[Any]:
    seen: set[Any] = set()
    for i, item in enumerate(items):
        if item[key] in seen:
            doc.fail((*path, i, key), f"{item[key]!r} is given twice")
        seen.add(item[key])
    return seen


def validate(
    doc: YamlDocument,
    organisations: set[str] = frozenset(),  # type: ignore[assignment]
    groups: set[str] = frozenset(),  # type: ignore[assignment]
) -> dict[str, Any]:
    """Check a strategy document; return it with every key present.

    ``organisations`` and ``groups`` already in the database may be referred to without being
    listed again.
    """
    d = check(doc, (), DOCUMENT, doc.data)
    orgs = _unique(doc, ("organisations",), d["organisations"], "name") | set(organisations)
    group_names = _unique(doc, ("groups",), d["groups"], "name") | set(groups)
    for i, g in enumerate(d["groups"]):
        _known(doc, ("groups", i, "parent"), g["parent"], group_names, "group")
        for j, r in enumerate(g["reports_to"]):
            _known(doc, ("groups", i, "reports_to", j), r, group_names, "group")
    parents = {g["name"]: g["parent"] for g in d["groups"]}
    for i, g in enumerate(d["groups"]):
        seen, at = {g["name"]}, g["parent"]
        while at is not None:
            if at in seen:
                doc.fail(("groups", i, "parent"), f"{g['name']!r} would be its own ancestor")
            seen.add(at)
            at = parents.get(at)
    s = d["strategy"]
    if s["period"]["end"] < s["period"]["start"]:
        doc.fail(("strategy", "period", "end"), "the period ends before it starts")
    _known(doc, ("strategy", "partnership"), s["partnership"], group_names, "group")

    keys = _unique(doc, ("priorities",), d["priorities"], "key")
    objectives = set()
    for i, p in enumerate(d["priorities"]):
        path = ("priorities", i)
        if not KEY.match(p["key"]):
            doc.fail((*path, "key"), f"{p['key']!r}: use lower-case letters, digits and -")
        _known(doc, (*path, "group"), p["group"], group_names, "group")
        if p["kind"] == "place" and not p["localities"]:
            doc.fail(path, "a place priority needs its localities")
        _unique(doc, (*path, "objectives"), p["objectives"], "number")
        for j, o in enumerate(p["objectives"]):
            if o["group"] is None and p["group"] is None:
                doc.fail((*path, "objectives", j), "group is required (the priority has none)")
            _known(doc, (*path, "objectives", j, "group"), o["group"], group_names, "group")
            _check_actions(doc, (*path, "objectives", j, "actions"), o["actions"], orgs)
            objectives.add(f"{p['key']}/{o['number']}")

    _unique(doc, ("kpis",), d["kpis"], "key")
    for i, k in enumerate(d["kpis"]):
        path = ("kpis", i)
        _known(doc, (*path, "priority"), k["priority"], keys, "priority")
        _known(doc, (*path, "objective"), k["objective"], objectives, "objective")
        if k["kind"] == "computed" and (k["metric"] is None or not METRIC.match(k["metric"])):
            doc.fail((*path, "metric"), "a computed KPI needs a metric such as profile.crimes")
        if k["kind"] == "manual" and k["metric"] is not None:
            doc.fail((*path, "metric"), "a manual KPI has no metric; use kind: computed")
        if k["tolerance"] is not None and not 0 <= k["tolerance"] < 1:
            doc.fail((*path, "tolerance"), "a fraction between 0 and 1, such as 0.05")
        _unique(doc, (*path, "values"), k["values"], "period")
        for j, v in enumerate(k["values"]):
            if v["computed_at"] is not None and _when(v["computed_at"]) is None:
                doc.fail((*path, "values", j, "computed_at"), "a time like 2026-11-24T09:50:00")

    programmes = _unique(doc, ("programmes",), d["programmes"], "key")
    for i, pr in enumerate(d["programmes"]):
        _known(doc, ("programmes", i, "group"), pr["group"], group_names, "group")
        for j, key in enumerate(pr["priorities"]):
            _known(doc, ("programmes", i, "priorities", j), key, keys, "priority")
        for j, f in enumerate(pr["funding"]):
            _known(
                doc, ("programmes", i, "funding", j, "funder"), f["funder"], orgs, "organisation"
            )
    _unique(doc, ("neighbourhood_action_plans",), d["neighbourhood_action_plans"], "locality")
    for i, nap in enumerate(d["neighbourhood_action_plans"]):
        path = ("neighbourhood_action_plans", i)
        _known(doc, (*path, "programme"), nap["programme"], programmes, "programme")
        _known(doc, (*path, "group"), nap["group"], group_names, "group")
        _check_actions(doc, (*path, "actions"), nap["actions"], orgs)
    for i, plan in enumerate(d["alignment"]):
        for j, pp in enumerate(plan["priorities"]):
            for k, key in enumerate(pp["aligns_with"]):
                where: Path_ = ("alignment", i, "priorities", j, "aligns_with", k)
                _known(doc, where, key, keys, "priority")
    return d


def _check_actions(doc: YamlDocument, path: Path_, actions: list[Any], orgs: set[str]) -> None:
    for i, a in enumerate(actions):
        _known(doc, (*path, i, "owner"), a["owner"], orgs, "organisation")


# Write -----------------------------------------------------------------------------------


def _by_name(session: Session, model: Any) -> dict[str, Any]:
    return {x.name: x for x in session.scalars(select(model))}


def _action(a: dict[str, Any], orgs: dict[str, m.Organisation]) -> m.Action:
    return m.Action(
        ref=a["ref"],
        title=a["title"],
        owner=orgs[a["owner"]] if a["owner"] else None,
        lead=a["lead"],
        due_date=a["due"],
        status=a["status"] or "not_started",
        rag=a["rag"],
        progress=[
            m.ProgressUpdate(
                date=p["date"], author=p["author"], text=p["text"], status=p["status"], rag=p["rag"]
            )
            for p in a["progress"]
        ],
    )


def write_strategy(session: Session, d: dict[str, Any], text: str, source: str) -> m.Strategy:
    """Store a checked document; a strategy of the same name has its content replaced.

    Organisations and groups are matched by name and updated, never deleted (DHRs and other
    strategies may refer to them). The document text is kept as a new
    :class:`~saferplaces.partnership.models.StrategyVersion`.
    """
    # Organisations and groups, by name
    orgs = _by_name(session, m.Organisation)
    for o in d["organisations"]:
        org = orgs.get(o["name"]) or m.Organisation(name=o["name"])
        org.type, org.responsible_authority = o["type"], o["responsible_authority"]
        org.member = True if o["member"] is None else o["member"]
        org.note = o["note"]
        orgs[o["name"]] = org
        session.add(org)
    groups = _by_name(session, m.Group)
    for g in d["groups"]:
        grp = groups.get(g["name"]) or m.Group(name=g["name"])
        grp.kind, grp.description = g["kind"], g["description"]
        groups[g["name"]] = grp
        session.add(grp)
    # Insert the groups in document order before linking them (the export lists them by id).
    session.flush()
    for g in d["groups"]:
        grp = groups[g["name"]]
        grp.parent = groups[g["parent"]] if g["parent"] else None
        current = [r.reports_to.name for r in grp.reporting_lines]
        if current != g["reports_to"]:
            grp.reporting_lines = [m.ReportingLine(reports_to=groups[r]) for r in g["reports_to"]]

    # The strategy: replace its content, keep its versions
    s = d["strategy"]
    strategy = session.scalar(select(m.Strategy).where(m.Strategy.name == s["name"]))
    if strategy is None:
        strategy = m.Strategy(name=s["name"])
        session.add(strategy)
    else:
        # Dependents first (KPIs refer to objectives, plans to programmes), each flushed before
        # rows with the same keys are inserted.
        for attr in ("kpis", "action_plans", "programmes", "partner_plans", "priorities"):
            setattr(strategy, attr, [])
            session.flush()
    strategy.period_start, strategy.period_end = s["period"]["start"], s["period"]["end"]
    strategy.published, strategy.vision = s["published"], s["vision"]
    strategy.principles, strategy.provenance, strategy.note = (
        s["principles"],
        s["provenance"],
        s["note"],
    )
    strategy.partnership = groups[s["partnership"]] if s["partnership"] else None

    priorities = {}
    for i, p in enumerate(d["priorities"]):
        pr = m.Priority(
            key=p["key"],
            position=i,
            name=p["name"],
            kind=p["kind"],
            group=groups[p["group"]] if p["group"] else None,
            localities=p["localities"],
            description=p["description"],
            alignment_row=p["alignment_row"],
            objectives=[
                m.Objective(
                    number=o["number"],
                    text=o["text"],
                    group=groups[o["group"] or p["group"]],
                    actions=[_action(a, orgs) for a in o["actions"]],
                )
                for o in p["objectives"]
            ],
        )
        priorities[p["key"]] = pr
        strategy.priorities.append(pr)
    objectives = {f"{k}/{o.number}": o for k, p in priorities.items() for o in p.objectives}
    for k in d["kpis"]:
        base = k["baseline"] or {}
        strategy.kpis.append(
            m.Kpi(
                key=k["key"],
                name=k["name"],
                priority=priorities[k["priority"]] if k["priority"] else None,
                objective=objectives[k["objective"]] if k["objective"] else None,
                kind=k["kind"],
                metric=k["metric"],
                parameters=k["parameters"],
                unit=k["unit"],
                direction=k["direction"],
                target=k["target"],
                tolerance=k["tolerance"],
                baseline=base.get("value"),
                baseline_period=base.get("period"),
                baseline_source=base.get("source"),
                description=k["description"],
                values=[_kpi_value(v) for v in k["values"]],
            )
        )
    programmes = {}
    for pr in d["programmes"]:
        prog = m.Programme(
            key=pr["key"],
            name=pr["name"],
            group=groups[pr["group"]] if pr["group"] else None,
            description=pr["description"],
            priority_keys=pr["priorities"],
            localities=pr["localities"],
            localities_planned=pr["localities_planned"],
            note=pr["note"],
            funding=[
                m.Funding(
                    funder=orgs[f["funder"]] if f["funder"] else None,
                    amount=Decimal(str(f["amount"])),
                    period_start=(f["period"] or {}).get("start"),
                    period_end=(f["period"] or {}).get("end"),
                    purpose=f["purpose"],
                    note=f["note"],
                )
                for f in pr["funding"]
            ],
        )
        programmes[pr["key"]] = prog
        strategy.programmes.append(prog)
    for nap in d["neighbourhood_action_plans"]:
        strategy.action_plans.append(
            m.NeighbourhoodActionPlan(
                locality=nap["locality"],
                programme=programmes[nap["programme"]] if nap["programme"] else None,
                group=groups[nap["group"]] if nap["group"] else None,
                status=nap["status"] or "planned",
                note=nap["note"],
                actions=[_action(a, orgs) for a in nap["actions"]],
            )
        )
    for i, plan in enumerate(d["alignment"]):
        strategy.partner_plans.append(
            m.PartnerPlan(
                position=i,
                name=plan["plan"],
                owner=plan["owner"],
                priorities=[
                    m.PartnerPriority(
                        position=j, text=pp["text"], row=pp["row"], aligns_with=pp["aligns_with"]
                    )
                    for j, pp in enumerate(plan["priorities"])
                ],
            )
        )
    session.flush()
    version = session.scalar(
        select(func.coalesce(func.max(m.StrategyVersion.version), 0)).where(
            m.StrategyVersion.strategy_id == strategy.id
        )
    )
    strategy.versions.append(
        m.StrategyVersion(
            version=(version or 0) + 1, created_by=current_user(), source=source, document=text
        )
    )
    session.flush()
    return strategy


# Read ------------------------------------------------------------------------------------


def _clean(d: dict[str, Any]) -> dict[str, Any]:
    """Leave out what is not there (None, empty lists and mappings), as a person would write."""
    return {k: v for k, v in d.items() if v is not None and v != [] and v != {}}


def _when(text: str) -> dt.datetime | None:
    try:
        return dt.datetime.fromisoformat(text)
    except ValueError:
        return None


def _kpi_value(v: dict[str, Any]) -> m.KpiValue:
    at = v["computed_at"]
    return m.KpiValue(**(v | {"computed_at": _when(at) if at is not None else None}))


def _number(x: Decimal | float | None) -> int | float | None:
    if x is None:
        return None
    return int(x) if x == int(x) else float(x)


def _read_action(a: m.Action) -> dict[str, Any]:
    return _clean(
        {
            "ref": a.ref,
            "title": a.title,
            "owner": a.owner.name if a.owner else None,
            "lead": a.lead,
            "due": a.due_date,
            "status": None if a.status == "not_started" else a.status,
            "rag": a.rag,
            "progress": [
                _clean(
                    {
                        "date": p.date,
                        "author": p.author,
                        "text": p.text,
                        "status": p.status,
                        "rag": p.rag,
                    }
                )
                for p in a.progress
            ],
        }
    )


def _period(start: Any, end: Any) -> dict[str, Any] | None:
    return None if start is None else {"start": start, "end": end}


def read_strategy(session: Session, strategy: m.Strategy) -> dict[str, Any]:
    """The strategy as a document (the inverse of :func:`write_strategy`)."""
    orgs = session.scalars(select(m.Organisation).order_by(m.Organisation.id))
    groups = session.scalars(select(m.Group).order_by(m.Group.id))
    s = strategy
    doc = {
        "strategy": _clean(
            {
                "name": s.name,
                "period": _period(s.period_start, s.period_end),
                "published": s.published,
                "provenance": s.provenance,
                "note": s.note,
                "partnership": s.partnership.name if s.partnership else None,
                "vision": s.vision,
                "principles": s.principles,
            }
        ),
        "organisations": [
            _clean(
                {
                    "name": o.name,
                    "type": o.type,
                    "responsible_authority": o.responsible_authority,
                    "member": None if o.member else False,
                    "note": o.note,
                }
            )
            for o in orgs
        ],
        "groups": [
            _clean(
                {
                    "name": g.name,
                    "kind": g.kind,
                    "parent": g.parent.name if g.parent else None,
                    "reports_to": [r.reports_to.name for r in g.reporting_lines],
                    "description": g.description,
                }
            )
            for g in groups
        ],
        "priorities": [
            _clean(
                {
                    "key": p.key,
                    "name": p.name,
                    "kind": p.kind,
                    "group": p.group.name if p.group else None,
                    "localities": p.localities,
                    "description": p.description,
                    "alignment_row": p.alignment_row,
                    "objectives": [
                        _clean(
                            {
                                "number": o.number,
                                "text": o.text,
                                "group": None if o.group is p.group else o.group.name,
                                "actions": [_read_action(a) for a in o.actions],
                            }
                        )
                        for o in p.objectives
                    ],
                }
            )
            for p in s.priorities
        ],
        "kpis": [
            _clean(
                {
                    "key": k.key,
                    "name": k.name,
                    "priority": k.priority.key if k.priority else None,
                    "objective": (
                        f"{k.objective.priority.key}/{k.objective.number}" if k.objective else None
                    ),
                    "kind": k.kind,
                    "metric": k.metric,
                    "parameters": k.parameters,
                    "unit": k.unit,
                    "direction": k.direction,
                    "target": _number(k.target),
                    "tolerance": k.tolerance,
                    "baseline": None
                    if k.baseline is None
                    else _clean(
                        {
                            "value": _number(k.baseline),
                            "period": k.baseline_period,
                            "source": k.baseline_source,
                        }
                    ),
                    "description": k.description,
                    "values": [
                        _clean(
                            {
                                "period": v.period,
                                "value": _number(v.value),
                                "source": v.source,
                                "metric": v.metric,
                                "harm_scheme": v.harm_scheme,
                                "computed_at": v.computed_at.isoformat(timespec="seconds")
                                if v.computed_at
                                else None,
                            }
                        )
                        for v in k.values
                    ],
                }
            )
            for k in s.kpis
        ],
        "programmes": [
            _clean(
                {
                    "key": pr.key,
                    "name": pr.name,
                    "group": pr.group.name if pr.group else None,
                    "description": pr.description,
                    "priorities": pr.priority_keys,
                    "localities": pr.localities,
                    "localities_planned": pr.localities_planned,
                    "note": pr.note,
                    "funding": [
                        _clean(
                            {
                                "funder": f.funder.name if f.funder else None,
                                "amount": _number(f.amount),
                                "period": _period(f.period_start, f.period_end),
                                "purpose": f.purpose,
                                "note": f.note,
                            }
                        )
                        for f in pr.funding
                    ],
                }
            )
            for pr in s.programmes
        ],
        "neighbourhood_action_plans": [
            _clean(
                {
                    "locality": n.locality,
                    "programme": n.programme.key if n.programme else None,
                    "group": n.group.name if n.group else None,
                    "status": n.status,
                    "note": n.note,
                    "actions": [_read_action(a) for a in n.actions],
                }
            )
            for n in s.action_plans
        ],
        "alignment": [
            _clean(
                {
                    "plan": pp.name,
                    "owner": pp.owner,
                    "priorities": [
                        _clean({"text": x.text, "row": x.row, "aligns_with": x.aligns_with})
                        for x in pp.priorities
                    ],
                }
            )
            for pp in s.partner_plans
        ],
    }
    return _clean(doc)
