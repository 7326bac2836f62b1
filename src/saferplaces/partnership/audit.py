"""Every change to the partnership database, recorded: who, when, which row, before and after.

The recording hangs off SQLAlchemy's session events, so no service (and no script using the
models) can change a row without leaving an entry: ``before_flush`` takes the row before the
change for every new, changed and deleted object, ``persistent_to_deleted`` catches rows the flush
deletes as orphans, and ``after_flush_postexec`` writes the entries in the same transaction,
once new rows have their ids. Who made the change comes from
:func:`acting_as` (the web tier sets the signed-in user), else ``$SAFERPLACES_USER``, else the
operating-system user. The user is read when the flush runs, so open :func:`acting_as` outside
the transaction (``with acting_as(u), Session() as s, s.begin(): ...``).

Statements that bypass the ORM (``session.execute(update(...))``) are not seen; the services
never use them.

Examples
--------
>>> with acting_as("analyst@example.org"):
...     current_user()
'analyst@example.org'
"""

from __future__ import annotations

import contextvars
import datetime as dt
import getpass
import os
from collections.abc import Iterator
from contextlib import contextmanager
from decimal import Decimal
from typing import Any

from sqlalchemy import event, insert, inspect
from sqlalchemy.orm import Session, UOWTransaction

from saferplaces.partnership.models import AuditEntry, Base

__all__ = ["acting_as", "current_user", "install", "row_as_dict"]

_user: contextvars.ContextVar[str | None] = contextvars.ContextVar("saferplaces_user", default=None)
_PENDING = "saferplaces_audit_pending"


def current_user() -> str:
    """Who is making changes: :func:`acting_as`, else ``$SAFERPLACES_USER``, else the OS user."""
    user = _user.get() or os.environ.get("SAFERPLACES_USER")
    if user:
        return user
    try:
        return getpass.getuser()
    except (KeyError, OSError):  # no passwd entry (containers)
        return "unknown"


@contextmanager
def acting_as(user: str) -> Iterator[None]:
    """Attribute every change made inside the block to ``user``."""
    token = _user.set(user)
    try:
        yield
    finally:
        _user.reset(token)


def _json(value: Any) -> Any:
    if isinstance(value, dt.date | dt.datetime):
        return value.isoformat()
    if isinstance(value, Decimal):
        return str(value)
    return value


def row_as_dict(obj: Base, committed: bool = False) -> dict[str, Any]:
    """The mapped columns of ``obj`` as JSON-ready values (``committed``: as last loaded)."""
    state = inspect(obj)
    out: dict[str, Any] = {}
    for attr in state.mapper.column_attrs:
        key = attr.key
        if committed:
            hist = state.attrs[key].history
            if hist.deleted:
                value = hist.deleted[0]
            elif hist.unchanged:
                value = hist.unchanged[0]
            elif hist.added:  # never loaded before the change: the old value is unknown
                value = None
            else:
                value = state.dict.get(key)
        else:
            value = state.dict.get(key)
        out[key] = _json(value)
    return out


def _audited(obj: object) -> bool:
    return isinstance(obj, Base) and not isinstance(obj, AuditEntry)


def _pending(session: Session) -> list[tuple[str, Base, dict[str, Any] | None]]:
    return session.info.setdefault(_PENDING, [])  # type: ignore[no-any-return]


def _before_flush(session: Session, flush_context: UOWTransaction, instances: Any) -> None:
    pending = _pending(session)
    for obj in session.new:
        if _audited(obj):
            pending.append(("insert", obj, None))
    for obj in session.dirty:
        if _audited(obj) and session.is_modified(obj, include_collections=False):
            pending.append(("update", obj, row_as_dict(obj, committed=True)))
    for obj in session.deleted:
        if _audited(obj):
            pending.append(("delete", obj, row_as_dict(obj, committed=True)))


def _persistent_to_deleted(session: Session, obj: object) -> None:
    # Orphans (removed from a delete-orphan collection) are only found during the flush.
    if _audited(obj) and not any(p[1] is obj for p in _pending(session) if p[0] == "delete"):
        assert isinstance(obj, Base)
        _pending(session).append(("delete", obj, row_as_dict(obj)))


def _after_flush_postexec(session: Session, flush_context: UOWTransaction) -> None:
    pending = session.info.pop(_PENDING, [])
    if not pending:
        return
    now = dt.datetime.now(dt.UTC).replace(tzinfo=None)
    who = current_user()
    rows = []
    for operation, obj, before in pending:
        # After the flush: new rows have their ids.
        after = None if operation == "delete" else row_as_dict(obj)
        if operation == "update" and before == after:
            continue
        ident = inspect(obj).identity
        rows.append(
            {
                "at": now,
                "who": who,
                "operation": operation,
                "entity": obj.__tablename__,
                "entity_id": ident[0] if ident else None,
                "before": before,
                "after": after,
            }
        )
    if rows:
        session.connection().execute(insert(AuditEntry), rows)


def _after_rollback(session: Session, previous_transaction: Any) -> None:
    session.info.pop(_PENDING, None)


_installed = False


def install() -> None:
    """Attach the audit hooks to every SQLAlchemy session (idempotent; done on import)."""
    global _installed
    if _installed:
        return
    event.listen(Session, "before_flush", _before_flush)
    event.listen(Session, "persistent_to_deleted", _persistent_to_deleted)
    event.listen(Session, "after_flush_postexec", _after_flush_postexec)
    event.listen(Session, "after_soft_rollback", _after_rollback)
    _installed = True


install()
