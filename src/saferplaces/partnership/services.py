"""Running the plan: import and export the strategy, actions and progress, KPI values, DHRs.

Each function takes a :class:`~sqlalchemy.orm.Session` (one unit of work; the caller commits)
and raises :class:`~saferplaces.errors.SaferplacesError` with one readable line on bad input.
Every change is recorded in ``audit_log`` by the session hooks in
:mod:`saferplaces.partnership.audit`.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from saferplaces.errors import SaferplacesError
from saferplaces.partnership import models as m
from saferplaces.partnership.audit import current_user
from saferplaces.partnership.document import read_strategy, validate, write_strategy
from saferplaces.partnership.yaml_io import dump_yaml, load_yaml

__all__ = [
    "BUNDLED_STRATEGIES",
    "ImportResult",
    "add_action",
    "add_dhr",
    "add_dhr_learning",
    "add_progress",
    "advance_dhr",
    "export_strategy",
    "find_objective",
    "get_action",
    "get_dhr",
    "get_strategy",
    "import_strategy",
    "list_actions",
    "list_dhrs",
    "load_bundled_strategy",
    "record_kpi_value",
    "update_action",
]

if TYPE_CHECKING:
    from saferplaces.workspace import Workspace

BUNDLED_STRATEGIES = Path(__file__).resolve().parents[1] / "data" / "strategies"


@dataclass
class ImportResult:
    """What an import stored, and anything the user should look at."""

    strategy: str
    version: int
    counts: dict[str, int]
    warnings: list[str] = field(default_factory=list)


def _choice(value: str | None, allowed: tuple[str, ...], what: str) -> None:
    if value is not None and value not in allowed:
        raise SaferplacesError(f"{what} {value!r} is not one of {', '.join(allowed)}")


def import_strategy(
    session: Session, path: Path, localities: set[str] | None = None
) -> ImportResult:
    """Check and store a strategy document (YAML); replaces a strategy of the same name.

    ``localities`` are those defined in ``saferplaces.toml``; a place priority naming another
    one is stored, with a warning (its evidence cannot be computed until it is defined).
    """
    try:
        text = Path(path).read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as e:
        raise SaferplacesError(f"{path}: cannot read the strategy document ({e})") from None
    doc = load_yaml(text, Path(path).name)
    orgs = set(session.scalars(select(m.Organisation.name)))
    groups = set(session.scalars(select(m.Group.name)))
    data = validate(doc, orgs, groups)
    strategy = write_strategy(session, data, text, str(path))
    warnings = []
    if localities is not None:
        named = {loc for p in data["priorities"] for loc in p["localities"]}
        named |= {n["locality"] for n in data["neighbourhood_action_plans"]}
        for loc in sorted(named - localities):
            warnings.append(
                f"locality {loc!r} is not defined in saferplaces.toml; add it under "
                f'[localities."{loc}"] so its evidence and KPIs can be computed'
            )
    counts = {
        "organisations": len(data["organisations"]),
        "groups": len(data["groups"]),
        "priorities": len(strategy.priorities),
        "objectives": sum(len(p.objectives) for p in strategy.priorities),
        "kpis": len(strategy.kpis),
        "programmes": len(strategy.programmes),
        "neighbourhood action plans": len(strategy.action_plans),
        "aligned plans": len(strategy.partner_plans),
    }
    return ImportResult(strategy.name, strategy.versions[-1].version, counts, warnings)


def load_bundled_strategy(ws: Workspace, name: str = "telford-and-wrekin-2021-24") -> ImportResult:
    """Import a bundled strategy into the workspace's partnership database (``make demo`` loads
    the Safer Telford and Wrekin Strategy 2021-24 this way).

    The database is created and migrated on first use; importing again records a new version.
    Localities the strategy names that ``saferplaces.toml`` does not define come back as
    warnings in the result.
    """
    from saferplaces.partnership.db import open_database, session_scope

    path = BUNDLED_STRATEGIES / f"{name}.yaml"
    if not path.is_file():
        names = ", ".join(p.stem for p in sorted(BUNDLED_STRATEGIES.glob("*.yaml")))
        raise SaferplacesError(f"no bundled strategy {name!r}; bundled: {names}")
    with session_scope(open_database(ws)) as session:
        return import_strategy(session, path, set(ws.settings.localities))


def get_strategy(session: Session, name: str | None = None) -> m.Strategy:
    """The named strategy, else the one whose period ends last."""
    if name is not None:
        s = session.scalar(select(m.Strategy).where(m.Strategy.name == name))
        if s is None:
            known = ", ".join(session.scalars(select(m.Strategy.name))) or "none"
            raise SaferplacesError(f"no strategy called {name!r}; strategies: {known}")
        return s
    s = session.scalar(
        select(m.Strategy).order_by(m.Strategy.period_end.desc(), m.Strategy.id.desc())
    )
    if s is None:
        raise SaferplacesError(
            "the partnership database holds no strategy yet; import one with "
            "`saferplaces strategy import FILE.yaml` (or --bundled telford-and-wrekin-2021-24)"
        )
    return s


def export_strategy(session: Session, name: str | None = None) -> str:
    """The strategy as a YAML document that :func:`import_strategy` reads back unchanged."""
    s = get_strategy(session, name)
    version = s.versions[-1].version if s.versions else 0
    header = (
        f"{s.name}: saferplaces strategy document, exported {dt.date.today().isoformat()} "
        f"(version {version})."
    )
    if s.provenance:
        header += f"\nSource: {' '.join(s.provenance.split())}"
    return dump_yaml(read_strategy(session, s), header)


def _organisation(session: Session, name: str | None) -> m.Organisation | None:
    if name is None:
        return None
    org = session.scalar(select(m.Organisation).where(m.Organisation.name == name))
    if org is None:
        known = "; ".join(
            session.scalars(select(m.Organisation.name).order_by(m.Organisation.name))
        )
        raise SaferplacesError(f"unknown organisation {name!r}; known organisations: {known}")
    return org


def find_objective(session: Session, ref: str, strategy: str | None = None) -> m.Objective:
    """An objective by ``priority-key/number`` (``domestic-abuse/6``)."""
    s = get_strategy(session, strategy)
    known = [f"{p.key}/{o.number}" for p in s.priorities for o in p.objectives]
    for p in s.priorities:
        for o in p.objectives:
            if f"{p.key}/{o.number}" == ref:
                return o
    raise SaferplacesError(f"unknown objective {ref!r}; objectives: {', '.join(known)}")


def get_action(session: Session, action_id: int) -> m.Action:
    """An action by its id (as listed by ``saferplaces plan actions``)."""
    action = session.get(m.Action, action_id)
    if action is None:
        raise SaferplacesError(f"no action {action_id}; see `saferplaces plan actions` for the ids")
    return action


def add_action(
    session: Session,
    title: str,
    *,
    objective: str | None = None,
    dhr: str | None = None,
    locality: str | None = None,
    owner: str | None = None,
    lead: str | None = None,
    due: dt.date | None = None,
    status: str = "not_started",
    rag: str | None = None,
    ref: str | None = None,
    strategy: str | None = None,
) -> m.Action:
    """Add an action to an objective, a DHR (a recommendation) or a locality's NAP."""
    if sum(x is not None for x in (objective, dhr, locality)) != 1:
        raise SaferplacesError(
            "an action belongs to exactly one of an objective (e.g. domestic-abuse/6), a DHR "
            "(its case reference) or a locality's Neighbourhood Action Plan"
        )
    _choice(status, m.ACTION_STATUSES, "status")
    _choice(rag, m.RAGS, "RAG")
    action = m.Action(
        title=title,
        owner=_organisation(session, owner),
        lead=lead,
        due_date=due,
        status=status,
        rag=rag,
        ref=ref,
    )
    if objective is not None:
        action.objective = find_objective(session, objective, strategy)
    elif dhr is not None:
        action.dhr = get_dhr(session, dhr)
    else:
        s = get_strategy(session, strategy)
        plans = {p.locality: p for p in s.action_plans}
        if locality not in plans:
            raise SaferplacesError(
                f"no Neighbourhood Action Plan for {locality!r}; plans: {', '.join(plans)}"
            )
        action.plan = plans[locality]
    session.add(action)
    session.flush()
    return action


def update_action(session: Session, action_id: int, **changes: Any) -> m.Action:
    """Change an action's title, owner, lead, due date, status or RAG (None = unchanged)."""
    action = get_action(session, action_id)
    _choice(changes.get("status"), m.ACTION_STATUSES, "status")
    _choice(changes.get("rag"), m.RAGS, "RAG")
    for key, value in changes.items():
        if value is None:
            continue
        if key == "owner":
            action.owner = _organisation(session, value)
        elif key in ("title", "lead", "due_date", "status", "rag"):
            setattr(action, key, value)
        else:
            raise SaferplacesError(f"an action has no field {key!r}")
    session.flush()
    return action


def add_progress(
    session: Session,
    action_id: int,
    text: str,
    *,
    date: dt.date | None = None,
    author: str | None = None,
    status: str | None = None,
    rag: str | None = None,
) -> m.ProgressUpdate:
    """Record a dated progress update; a status or RAG given also updates the action."""
    action = get_action(session, action_id)
    update = m.ProgressUpdate(
        date=date or dt.date.today(),
        author=author or current_user(),
        text=text,
        status=status,
        rag=rag,
    )
    action.progress.append(update)
    update_action(session, action_id, status=status, rag=rag)
    return update


def list_actions(
    session: Session,
    *,
    overdue: bool = False,
    red: bool = False,
    today: dt.date | None = None,
    strategy: str | None = None,
) -> list[m.Action]:
    """Actions of the strategy (objectives and NAPs) and of every DHR, by due date."""
    today = today or dt.date.today()
    s = get_strategy(session, strategy)
    actions = [a for p in s.priorities for o in p.objectives for a in o.actions]
    actions += [a for n in s.action_plans for a in n.actions]
    actions += list(session.scalars(select(m.Action).where(m.Action.dhr_id.is_not(None))))
    if overdue:
        actions = [a for a in actions if a.is_overdue(today)]
    if red:
        actions = [a for a in actions if a.rag == "red"]
    return sorted(actions, key=lambda a: (a.due_date or dt.date.max, a.id))


def record_kpi_value(
    session: Session,
    key: str,
    period: str,
    value: float,
    source: str,
    strategy: str | None = None,
) -> m.KpiValue:
    """Set a KPI's value for a period (replacing one already there)."""
    s = get_strategy(session, strategy)
    kpi = next((k for k in s.kpis if k.key == key), None)
    if kpi is None:
        raise SaferplacesError(f"unknown KPI {key!r}; KPIs: {', '.join(k.key for k in s.kpis)}")
    existing = next((v for v in kpi.values if v.period == period), None)
    if existing is None:
        existing = m.KpiValue(period=period, value=value, source=source)
        kpi.values.append(existing)
    else:
        existing.value, existing.source = value, source
    session.flush()
    return existing


# Domestic Homicide Reviews ------------------------------------------------------------------


def get_dhr(session: Session, case_reference: str) -> m.Dhr:
    """A DHR by its case reference."""
    dhr = session.scalar(select(m.Dhr).where(m.Dhr.case_reference == case_reference))
    if dhr is None:
        known = ", ".join(session.scalars(select(m.Dhr.case_reference))) or "none recorded"
        raise SaferplacesError(f"no DHR {case_reference!r}; DHRs: {known}")
    return dhr


def add_dhr(
    session: Session, case_reference: str, notified: dt.date, note: str | None = None
) -> m.Dhr:
    """Record a notification of a death that may need a Domestic Homicide Review."""
    if session.scalar(select(m.Dhr.id).where(m.Dhr.case_reference == case_reference)):
        raise SaferplacesError(f"DHR {case_reference!r} is already recorded")
    dhr = m.Dhr(case_reference=case_reference, notification_date=notified, note=note)
    dhr.stages.append(m.DhrStageEvent(stage="notified", date=notified))
    session.add(dhr)
    session.flush()
    return dhr


def advance_dhr(
    session: Session,
    case_reference: str,
    stage: str,
    date: dt.date | None = None,
    note: str | None = None,
) -> m.Dhr:
    """Move a DHR to a later statutory stage (see ``models.DHR_STAGES``); never backwards."""
    _choice(stage, m.DHR_STAGES, "DHR stage")
    dhr = get_dhr(session, case_reference)
    order = m.DHR_STAGES.index
    if dhr.status in ("not_held", "closed"):
        raise SaferplacesError(f"DHR {case_reference} is {dhr.status}; no later stage")
    if stage == "not_held" and dhr.status != "notified":
        raise SaferplacesError("only a notified case can be recorded as not held")
    if order(stage) <= order(dhr.status):
        raise SaferplacesError(
            f"DHR {case_reference} is already at {dhr.status}; stages run "
            f"{' -> '.join(s for s in m.DHR_STAGES if s != 'not_held')}"
        )
    date = date or dt.date.today()
    if date < dhr.stages[-1].date:
        raise SaferplacesError(
            f"{date} is before the previous stage ({dhr.stages[-1].stage}, {dhr.stages[-1].date})"
        )
    dhr.stages.append(m.DhrStageEvent(stage=stage, date=date, note=note))
    dhr.status = stage
    session.flush()
    return dhr


def add_dhr_learning(
    session: Session,
    case_reference: str,
    theme: str,
    embedded_in: str | None = None,
    embedded_on: dt.date | None = None,
) -> m.DhrLearning:
    """Record a learning theme from a DHR and where it was embedded."""
    dhr = get_dhr(session, case_reference)
    learning = m.DhrLearning(theme=theme, embedded_in=embedded_in, embedded_on=embedded_on)
    dhr.learning.append(learning)
    session.flush()
    return learning


def list_dhrs(session: Session) -> list[m.Dhr]:
    """Every DHR, oldest notification first."""
    return list(session.scalars(select(m.Dhr).order_by(m.Dhr.notification_date, m.Dhr.id)))
