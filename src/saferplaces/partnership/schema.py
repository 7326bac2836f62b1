"""The strategy document's shape, checked in one place with file, line and path in every error.

A spec maps each key to ``(kind, required)``. Kinds: ``"str"``, ``"int"``, ``"number"``,
``"bool"``, ``"date"``, ``"strs"`` (list of text), ``"scalars"`` (mapping of text to scalars),
a tuple of allowed strings, a nested spec (dict), or a one-item list holding a spec (a list of
records). :func:`check` returns the records with every key present (missing ones as None or
[]); cross-references (unknown group, organisation, priority) are checked by
:func:`saferplaces.partnership.document.validate`.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from saferplaces.partnership import models as m
from saferplaces.partnership.yaml_io import Path_, YamlDocument

__all__ = ["DOCUMENT", "check"]

PERIOD = {"start": ("date", True), "end": ("date", True)}
PROGRESS = {
    "date": ("date", True),
    "author": ("str", True),
    "text": ("str", True),
    "status": (m.ACTION_STATUSES, False),
    "rag": (m.RAGS, False),
}
ACTION = {
    "ref": ("str", False),
    "title": ("str", True),
    "owner": ("str", False),
    "lead": ("str", False),
    "due": ("date", False),
    "status": (m.ACTION_STATUSES, False),
    "rag": (m.RAGS, False),
    "progress": ([PROGRESS], False),
}
OBJECTIVE = {
    "number": ("int", True),
    "text": ("str", True),
    "group": ("str", False),
    "actions": ([ACTION], False),
}
PRIORITY = {
    "key": ("str", True),
    "name": ("str", True),
    "kind": (m.PRIORITY_KINDS, True),
    "group": ("str", False),
    "localities": ("strs", False),
    "description": ("str", False),
    "alignment_row": ("int", False),
    "objectives": ([OBJECTIVE], False),
}
KPI = {
    "key": ("str", True),
    "name": ("str", True),
    "priority": ("str", False),
    "objective": ("str", False),
    "kind": (m.KPI_KINDS, True),
    "metric": ("str", False),
    "parameters": ("scalars", False),
    "unit": ("str", False),
    "direction": (m.KPI_DIRECTIONS, True),
    "target": ("number", False),
    "tolerance": ("number", False),
    "baseline": (
        {"value": ("number", True), "period": ("str", True), "source": ("str", False)},
        False,
    ),
    "description": ("str", False),
    "values": (
        [
            {
                "period": ("str", True),
                "value": ("number", True),
                "source": ("str", True),
                "metric": ("str", False),
                "harm_scheme": ("str", False),
                "computed_at": ("str", False),
            }
        ],
        False,
    ),
}
FUNDING = {
    "funder": ("str", False),
    "amount": ("number", True),
    "period": (PERIOD, False),
    "purpose": ("str", False),
    "note": ("str", False),
}
PROGRAMME = {
    "key": ("str", True),
    "name": ("str", True),
    "group": ("str", False),
    "description": ("str", False),
    "priorities": ("strs", False),
    "localities": ("strs", False),
    "localities_planned": ("int", False),
    "note": ("str", False),
    "funding": ([FUNDING], False),
}
ACTION_PLAN = {
    "locality": ("str", True),
    "programme": ("str", False),
    "group": ("str", False),
    "status": (m.NAP_STATUSES, False),
    "note": ("str", False),
    "actions": ([ACTION], False),
}
PARTNER_PLAN = {
    "plan": ("str", True),
    "owner": ("str", False),
    "priorities": (
        [{"text": ("str", True), "row": ("int", False), "aligns_with": ("strs", False)}],
        False,
    ),
}
STRATEGY = {
    "name": ("str", True),
    "period": (PERIOD, True),
    "published": ("str", False),
    "provenance": ("str", False),
    "note": ("str", False),
    "partnership": ("str", False),
    "vision": ("str", True),
    "principles": ("strs", False),
}
DOCUMENT = {
    "strategy": (STRATEGY, True),
    "organisations": (
        [
            {
                "name": ("str", True),
                "type": (m.ORGANISATION_TYPES, True),
                "responsible_authority": ("bool", True),
                "member": ("bool", False),
                "note": ("str", False),
            }
        ],
        False,
    ),
    "groups": (
        [
            {
                "name": ("str", True),
                "kind": (m.GROUP_KINDS, True),
                "parent": ("str", False),
                "reports_to": ("strs", False),
                "description": ("str", False),
            }
        ],
        False,
    ),
    "priorities": ([PRIORITY], True),
    "kpis": ([KPI], False),
    "programmes": ([PROGRAMME], False),
    "neighbourhood_action_plans": ([ACTION_PLAN], False),
    "alignment": ([PARTNER_PLAN], False),
}

_WHAT = {
    "str": "text",
    "int": "a whole number",
    "number": "a number",
    "bool": "true or false",
    "date": "a date YYYY-MM-DD",
}


def _value(doc: YamlDocument, path: Path_, kind: Any, value: Any) -> Any:
    if isinstance(kind, tuple):
        if value not in kind:
            doc.fail(path, f"{value!r} is not one of {', '.join(kind)}")
        return value
    if isinstance(kind, dict):
        if not isinstance(value, dict):
            doc.fail(path, f"expected a mapping of {', '.join(kind)}, got {_got(value)}")
        return check(doc, path, kind, value)
    if isinstance(kind, list):
        if not isinstance(value, list):
            doc.fail(path, f"expected a list, got {_got(value)}")
        return [_value(doc, (*path, i), kind[0], v) for i, v in enumerate(value)]
    if kind == "strs":
        if not isinstance(value, list):
            doc.fail(path, f"expected a list of text, got {_got(value)}")
        return [_value(doc, (*path, i), "str", v) for i, v in enumerate(value)]
    if kind == "scalars":
        if not isinstance(value, dict) or any(isinstance(v, dict | list) for v in value.values()):
            doc.fail(path, f"expected a mapping of names to values, got {_got(value)}")
        return value
    ok = {
        "str": isinstance(value, str) and value.strip() != "",
        "int": isinstance(value, int) and not isinstance(value, bool),
        "number": isinstance(value, int | float) and not isinstance(value, bool),
        "bool": isinstance(value, bool),
        "date": isinstance(value, dt.date) and not isinstance(value, dt.datetime),
    }[kind]
    if not ok:
        doc.fail(path, f"expected {_WHAT[kind]}, got {_got(value)}")
    return value


def _got(value: Any) -> str:
    if value is None:
        return "nothing"
    if isinstance(value, str):
        return "empty text" if not value.strip() else f"text {value!r}"
    if isinstance(value, dict):
        return "a mapping"
    if isinstance(value, list):
        return "a list"
    return f"{value!r}"


def check(doc: YamlDocument, path: Path_, spec: dict[str, Any], record: Any) -> dict[str, Any]:
    """Check one record against ``spec``; return it with every key present."""
    if not isinstance(record, dict):
        doc.fail(path, f"expected a mapping of {', '.join(spec)}, got {_got(record)}")
    for key in record:
        if key not in spec:
            doc.fail((*path, key), f"unknown key {key!r}; expected one of {', '.join(spec)}")
    out: dict[str, Any] = {}
    for key, (kind, required) in spec.items():
        value = record.get(key)
        if value is None:
            if required:
                doc.fail((*path, key) if key in record else path, f"{key} is required")
            listy = isinstance(kind, list) or kind == "strs"
            out[key] = [] if listy else ({} if kind == "scalars" else None)
            continue
        out[key] = _value(doc, (*path, key), kind, value)
    return out
