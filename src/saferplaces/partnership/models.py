"""The partnership database: who the partners are, how they govern, and what they deliver.

One database holds one partnership. Organisations, groups and Domestic Homicide Reviews belong
to the partnership and outlive any one strategy; priorities, objectives, actions, KPIs,
programmes, Neighbourhood Action Plans and the alignment with other partnerships' plans belong
to a strategy. Every change to any of these tables is written to ``audit_log`` by
:mod:`saferplaces.partnership.audit`.

Choices (plain strings checked here, not database enums, so that adding one is not a migration)
are listed in the ``*_KINDS`` / ``*_STATUSES`` tuples below.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from sqlalchemy import (
    JSON,
    Boolean,
    Date,
    DateTime,
    Float,
    ForeignKey,
    Integer,
    MetaData,
    Numeric,
    String,
    Text,
    UniqueConstraint,
    func,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship

__all__ = [
    "ACTION_STATUSES",
    "DHR_STAGES",
    "GROUP_KINDS",
    "KPI_DIRECTIONS",
    "KPI_KINDS",
    "NAP_STATUSES",
    "ORGANISATION_TYPES",
    "PRIORITY_KINDS",
    "RAGS",
    "Action",
    "AuditEntry",
    "Base",
    "Dhr",
    "DhrLearning",
    "DhrStageEvent",
    "Funding",
    "Group",
    "Kpi",
    "KpiValue",
    "NeighbourhoodActionPlan",
    "Objective",
    "Organisation",
    "PartnerPlan",
    "PartnerPriority",
    "Priority",
    "Programme",
    "ProgressUpdate",
    "ReportingLine",
    "Strategy",
    "StrategyVersion",
]

ORGANISATION_TYPES = (
    "police",
    "local_authority",
    "health",
    "fire_and_rescue",
    "probation",
    "youth_justice",
    "police_and_crime_commissioner",
    "voluntary",
    "other",
)
GROUP_KINDS = ("partnership_board", "board", "sub_group")
PRIORITY_KINDS = ("place", "theme", "monitoring")
ACTION_STATUSES = ("not_started", "in_progress", "complete", "blocked", "cancelled")
RAGS = ("red", "amber", "green")
NAP_STATUSES = ("planned", "draft", "agreed", "in_delivery", "closed")
KPI_KINDS = ("computed", "manual")
KPI_DIRECTIONS = ("up", "down")
# Home Office, Multi-agency Statutory Guidance for the Conduct of Domestic Homicide Reviews
# (2016), in order; ``not_held`` ends a case the CSP decides not to review.
DHR_STAGES = (
    "notified",
    "decision_to_hold",
    "not_held",
    "panel_established",
    "under_review",
    "submitted_to_qa_panel",
    "published",
    "closed",
)

# Stable constraint names, so that migrations work the same on SQLite and PostgreSQL.
NAMING = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    """Declarative base with the naming convention and JSON for dict/list columns."""

    metadata = MetaData(naming_convention=NAMING)
    type_annotation_map = {dict[str, Any]: JSON, list[Any]: JSON}


def _fk(target: str, nullable: bool = False) -> Mapped[Any]:
    return mapped_column(ForeignKey(target), nullable=nullable, index=True)


class Organisation(Base):
    """A partner agency; responsible authorities are named by the Crime and Disorder Act 1998."""

    __tablename__ = "organisation"
    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(200), unique=True)
    type: Mapped[str] = mapped_column(String(40))
    responsible_authority: Mapped[bool] = mapped_column(Boolean, default=False)
    member: Mapped[bool] = mapped_column(Boolean, default=True)
    note: Mapped[str | None] = mapped_column(Text)


class Group(Base):
    """A board or sub-group; ``parent`` is the line of accountability, ``reports_to`` any others."""

    __tablename__ = "partnership_group"
    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(200), unique=True)
    kind: Mapped[str] = mapped_column(String(40))
    parent_id: Mapped[int | None] = _fk("partnership_group.id", nullable=True)
    description: Mapped[str | None] = mapped_column(Text)

    parent: Mapped[Group | None] = relationship(remote_side=[id])
    reporting_lines: Mapped[list[ReportingLine]] = relationship(
        foreign_keys="ReportingLine.group_id",
        cascade="all, delete-orphan",
        order_by="ReportingLine.id",
        back_populates="group",
    )


class ReportingLine(Base):
    """A further reporting line (the seed's DA Sub Group also reports to the Safeguarding Adult
    Board)."""

    __tablename__ = "reporting_line"
    __table_args__ = (UniqueConstraint("group_id", "reports_to_id"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    group_id: Mapped[int] = _fk("partnership_group.id")
    reports_to_id: Mapped[int] = _fk("partnership_group.id")
    group: Mapped[Group] = relationship(foreign_keys=[group_id], back_populates="reporting_lines")
    reports_to: Mapped[Group] = relationship(foreign_keys=[reports_to_id])


class Strategy(Base):
    """A partnership strategy: period, vision, principles; its content hangs off it."""

    __tablename__ = "strategy"
    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(200), unique=True)
    period_start: Mapped[dt.date] = mapped_column(Date)
    period_end: Mapped[dt.date] = mapped_column(Date)
    published: Mapped[str | None] = mapped_column(String(40))
    vision: Mapped[str] = mapped_column(Text)
    principles: Mapped[list[Any]] = mapped_column(default=list)
    provenance: Mapped[str | None] = mapped_column(Text)
    note: Mapped[str | None] = mapped_column(Text)
    partnership_id: Mapped[int | None] = _fk("partnership_group.id", nullable=True)

    partnership: Mapped[Group | None] = relationship()
    versions: Mapped[list[StrategyVersion]] = relationship(
        cascade="all, delete-orphan", order_by="StrategyVersion.version"
    )
    priorities: Mapped[list[Priority]] = relationship(
        cascade="all, delete-orphan", order_by="Priority.position"
    )
    kpis: Mapped[list[Kpi]] = relationship(cascade="all, delete-orphan", order_by="Kpi.id")
    programmes: Mapped[list[Programme]] = relationship(
        cascade="all, delete-orphan", order_by="Programme.id"
    )
    action_plans: Mapped[list[NeighbourhoodActionPlan]] = relationship(
        cascade="all, delete-orphan", order_by="NeighbourhoodActionPlan.id"
    )
    partner_plans: Mapped[list[PartnerPlan]] = relationship(
        cascade="all, delete-orphan", order_by="PartnerPlan.position"
    )


class StrategyVersion(Base):
    """One imported version of a strategy document, kept verbatim."""

    __tablename__ = "strategy_version"
    __table_args__ = (UniqueConstraint("strategy_id", "version"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    strategy_id: Mapped[int] = _fk("strategy.id")
    version: Mapped[int] = mapped_column(Integer)
    created_at: Mapped[dt.datetime] = mapped_column(DateTime, server_default=func.now())
    created_by: Mapped[str] = mapped_column(String(200))
    source: Mapped[str | None] = mapped_column(String(500))
    document: Mapped[str] = mapped_column(Text)


class Priority(Base):
    """A priority: a place (with localities named as in saferplaces.toml), a theme or
    monitoring."""

    __tablename__ = "priority"
    __table_args__ = (UniqueConstraint("strategy_id", "key"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    strategy_id: Mapped[int] = _fk("strategy.id")
    key: Mapped[str] = mapped_column(String(80))
    position: Mapped[int] = mapped_column(Integer)
    name: Mapped[str] = mapped_column(Text)
    kind: Mapped[str] = mapped_column(String(20))
    group_id: Mapped[int | None] = _fk("partnership_group.id", nullable=True)
    localities: Mapped[list[Any]] = mapped_column(default=list)
    description: Mapped[str | None] = mapped_column(Text)
    alignment_row: Mapped[int | None] = mapped_column(Integer)

    group: Mapped[Group | None] = relationship()
    objectives: Mapped[list[Objective]] = relationship(
        cascade="all, delete-orphan", order_by="Objective.number", back_populates="priority"
    )


class Objective(Base):
    """A numbered objective of a priority, owned by a group."""

    __tablename__ = "objective"
    __table_args__ = (UniqueConstraint("priority_id", "number"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    priority_id: Mapped[int] = _fk("priority.id")
    group_id: Mapped[int] = _fk("partnership_group.id")
    number: Mapped[int] = mapped_column(Integer)
    text: Mapped[str] = mapped_column(Text)

    priority: Mapped[Priority] = relationship(back_populates="objectives")
    group: Mapped[Group] = relationship()
    actions: Mapped[list[Action]] = relationship(
        cascade="all, delete-orphan", order_by="Action.id", back_populates="objective"
    )


class Action(Base):
    """An action of an objective, a Neighbourhood Action Plan or a DHR recommendation."""

    __tablename__ = "action"
    id: Mapped[int] = mapped_column(primary_key=True)
    objective_id: Mapped[int | None] = _fk("objective.id", nullable=True)
    plan_id: Mapped[int | None] = _fk("neighbourhood_action_plan.id", nullable=True)
    dhr_id: Mapped[int | None] = _fk("dhr.id", nullable=True)
    ref: Mapped[str | None] = mapped_column(String(40))
    title: Mapped[str] = mapped_column(Text)
    owner_id: Mapped[int | None] = _fk("organisation.id", nullable=True)
    lead: Mapped[str | None] = mapped_column(String(200))
    due_date: Mapped[dt.date | None] = mapped_column(Date)
    status: Mapped[str] = mapped_column(String(20), default="not_started")
    rag: Mapped[str | None] = mapped_column(String(10))

    objective: Mapped[Objective | None] = relationship(back_populates="actions")
    plan: Mapped[NeighbourhoodActionPlan | None] = relationship(back_populates="actions")
    dhr: Mapped[Dhr | None] = relationship(back_populates="recommendations")
    owner: Mapped[Organisation | None] = relationship()
    progress: Mapped[list[ProgressUpdate]] = relationship(
        cascade="all, delete-orphan", order_by="ProgressUpdate.id"
    )

    @property
    def is_open(self) -> bool:
        return self.status not in ("complete", "cancelled")

    def is_overdue(self, today: dt.date) -> bool:
        """Open and past its due date."""
        return self.is_open and self.due_date is not None and self.due_date < today


class ProgressUpdate(Base):
    """A dated progress note on an action, with its author and the RAG/status it reported."""

    __tablename__ = "progress_update"
    id: Mapped[int] = mapped_column(primary_key=True)
    action_id: Mapped[int] = _fk("action.id")
    date: Mapped[dt.date] = mapped_column(Date)
    author: Mapped[str] = mapped_column(String(200))
    text: Mapped[str] = mapped_column(Text)
    status: Mapped[str | None] = mapped_column(String(20))
    rag: Mapped[str | None] = mapped_column(String(10))


class NeighbourhoodActionPlan(Base):
    """The Neighbourhood Action Plan of one locality."""

    __tablename__ = "neighbourhood_action_plan"
    __table_args__ = (UniqueConstraint("strategy_id", "locality"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    strategy_id: Mapped[int] = _fk("strategy.id")
    locality: Mapped[str] = mapped_column(String(200))
    programme_id: Mapped[int | None] = _fk("programme.id", nullable=True)
    group_id: Mapped[int | None] = _fk("partnership_group.id", nullable=True)
    status: Mapped[str] = mapped_column(String(20), default="planned")
    note: Mapped[str | None] = mapped_column(Text)

    programme: Mapped[Programme | None] = relationship()
    group: Mapped[Group | None] = relationship()
    actions: Mapped[list[Action]] = relationship(
        cascade="all, delete-orphan", order_by="Action.id", back_populates="plan"
    )


class Kpi(Base):
    """A performance indicator: computed from a named analysis metric, or entered by hand.

    ``metric`` is ``module.column`` of an analysis result (``locality.share_of_crime``) and
    ``parameters`` say for what (``{"locality": "Arleston"}``); ``tolerance`` is the relative
    distance from the target (or, without one, the baseline) still counted amber.
    """

    __tablename__ = "kpi"
    __table_args__ = (UniqueConstraint("strategy_id", "key"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    strategy_id: Mapped[int] = _fk("strategy.id")
    key: Mapped[str] = mapped_column(String(80))
    name: Mapped[str] = mapped_column(Text)
    priority_id: Mapped[int | None] = _fk("priority.id", nullable=True)
    objective_id: Mapped[int | None] = _fk("objective.id", nullable=True)
    kind: Mapped[str] = mapped_column(String(20))
    metric: Mapped[str | None] = mapped_column(String(120))
    parameters: Mapped[dict[str, Any]] = mapped_column(default=dict)
    unit: Mapped[str | None] = mapped_column(String(40))
    direction: Mapped[str] = mapped_column(String(10))
    target: Mapped[float | None] = mapped_column(Float)
    tolerance: Mapped[float | None] = mapped_column(Float)
    baseline: Mapped[float | None] = mapped_column(Float)
    baseline_period: Mapped[str | None] = mapped_column(String(40))
    baseline_source: Mapped[str | None] = mapped_column(Text)
    description: Mapped[str | None] = mapped_column(Text)

    priority: Mapped[Priority | None] = relationship()
    objective: Mapped[Objective | None] = relationship()
    values: Mapped[list[KpiValue]] = relationship(
        cascade="all, delete-orphan", order_by="KpiValue.period"
    )


class KpiValue(Base):
    """A KPI's value for one period and where it came from (warehouse run or a person).

    Values computed from the warehouse (``saferplaces kpi refresh``) also keep the ``metric``
    they were computed from, the harm scheme's label for harm metrics (``harm_scheme``) and when
    they were computed (``computed_at``, UTC); values entered by hand leave these empty.
    """

    __tablename__ = "kpi_value"
    __table_args__ = (UniqueConstraint("kpi_id", "period"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    kpi_id: Mapped[int] = _fk("kpi.id")
    period: Mapped[str] = mapped_column(String(40))
    value: Mapped[float] = mapped_column(Float)
    source: Mapped[str] = mapped_column(Text)
    metric: Mapped[str | None] = mapped_column(String(120))
    harm_scheme: Mapped[str | None] = mapped_column(Text)
    computed_at: Mapped[dt.datetime | None] = mapped_column(DateTime)


class Dhr(Base):
    """A Domestic Homicide Review, from notification to publication and closure."""

    __tablename__ = "dhr"
    id: Mapped[int] = mapped_column(primary_key=True)
    case_reference: Mapped[str] = mapped_column(String(80), unique=True)
    notification_date: Mapped[dt.date] = mapped_column(Date)
    status: Mapped[str] = mapped_column(String(40), default="notified")
    note: Mapped[str | None] = mapped_column(Text)

    stages: Mapped[list[DhrStageEvent]] = relationship(
        cascade="all, delete-orphan", order_by="DhrStageEvent.id"
    )
    recommendations: Mapped[list[Action]] = relationship(
        cascade="all, delete-orphan", order_by="Action.id", back_populates="dhr"
    )
    learning: Mapped[list[DhrLearning]] = relationship(
        cascade="all, delete-orphan", order_by="DhrLearning.id"
    )


class DhrStageEvent(Base):
    """The date a DHR reached a statutory stage."""

    __tablename__ = "dhr_stage_event"
    id: Mapped[int] = mapped_column(primary_key=True)
    dhr_id: Mapped[int] = _fk("dhr.id")
    stage: Mapped[str] = mapped_column(String(40))
    date: Mapped[dt.date] = mapped_column(Date)
    note: Mapped[str | None] = mapped_column(Text)


class DhrLearning(Base):
    """A learning theme from a DHR and where it was embedded (training, pathway, policy)."""

    __tablename__ = "dhr_learning"
    id: Mapped[int] = mapped_column(primary_key=True)
    dhr_id: Mapped[int] = _fk("dhr.id")
    theme: Mapped[str] = mapped_column(Text)
    embedded_in: Mapped[str | None] = mapped_column(Text)
    embedded_on: Mapped[dt.date | None] = mapped_column(Date)


class Programme(Base):
    """A funded programme: lead group, priorities served, localities, funding lines."""

    __tablename__ = "programme"
    __table_args__ = (UniqueConstraint("strategy_id", "key"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    strategy_id: Mapped[int] = _fk("strategy.id")
    key: Mapped[str] = mapped_column(String(80))
    name: Mapped[str] = mapped_column(Text)
    group_id: Mapped[int | None] = _fk("partnership_group.id", nullable=True)
    description: Mapped[str | None] = mapped_column(Text)
    priority_keys: Mapped[list[Any]] = mapped_column(default=list)
    localities: Mapped[list[Any]] = mapped_column(default=list)
    localities_planned: Mapped[int | None] = mapped_column(Integer)
    note: Mapped[str | None] = mapped_column(Text)

    group: Mapped[Group | None] = relationship()
    funding: Mapped[list[Funding]] = relationship(
        cascade="all, delete-orphan", order_by="Funding.id"
    )


class Funding(Base):
    """A funding line: funder, amount in pounds, period and purpose."""

    __tablename__ = "funding"
    id: Mapped[int] = mapped_column(primary_key=True)
    programme_id: Mapped[int] = _fk("programme.id")
    funder_id: Mapped[int | None] = _fk("organisation.id", nullable=True)
    amount: Mapped[Decimal] = mapped_column(Numeric(14, 2))
    period_start: Mapped[dt.date | None] = mapped_column(Date)
    period_end: Mapped[dt.date | None] = mapped_column(Date)
    purpose: Mapped[str | None] = mapped_column(Text)
    note: Mapped[str | None] = mapped_column(Text)

    funder: Mapped[Organisation | None] = relationship()


class PartnerPlan(Base):
    """Another partnership's plan the strategy is aligned with."""

    __tablename__ = "partner_plan"
    id: Mapped[int] = mapped_column(primary_key=True)
    strategy_id: Mapped[int] = _fk("strategy.id")
    position: Mapped[int] = mapped_column(Integer)
    name: Mapped[str] = mapped_column(Text)
    owner: Mapped[str | None] = mapped_column(Text)
    priorities: Mapped[list[PartnerPriority]] = relationship(
        cascade="all, delete-orphan", order_by="PartnerPriority.position"
    )


class PartnerPriority(Base):
    """A priority of another plan; ``row`` is its row in the alignment table, ``aligns_with``
    the keys of our priorities it maps to."""

    __tablename__ = "partner_priority"
    id: Mapped[int] = mapped_column(primary_key=True)
    plan_id: Mapped[int] = _fk("partner_plan.id")
    position: Mapped[int] = mapped_column(Integer)
    text: Mapped[str] = mapped_column(Text)
    row: Mapped[int | None] = mapped_column(Integer)
    aligns_with: Mapped[list[Any]] = mapped_column(default=list)


class AuditEntry(Base):
    """One change to one row: who, when, what, and the row before and after (JSON)."""

    __tablename__ = "audit_log"
    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[dt.datetime] = mapped_column(DateTime)
    who: Mapped[str] = mapped_column(String(200))
    operation: Mapped[str] = mapped_column(String(10))
    entity: Mapped[str] = mapped_column(String(80), index=True)
    entity_id: Mapped[int | None] = mapped_column(Integer, index=True)
    before: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    after: Mapped[dict[str, Any] | None] = mapped_column(JSON)
