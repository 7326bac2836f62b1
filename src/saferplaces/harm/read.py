"""Read a harm scheme from CSV or YAML, with errors that name the file, the line and the fix.

CSV: a header with a key column (``offence_code`` or ``category``) and a ``weight`` column;
other columns (``description``, ...) are for people and ignored. Blank lines and lines starting
with ``#`` are skipped. The file carries no metadata: name and status come from the caller.

YAML: a mapping with ``name``, ``version``, ``key``, ``status``, ``provenance``,
``description`` (optional ``rationale``, for people) and ``weights`` (key -> number). Keys are
read as text, so offence codes such as ``4.10`` keep their spelling.

Examples
--------
>>> import pathlib, tempfile
>>> p = pathlib.Path(tempfile.mkdtemp()) / "w.csv"
>>> _ = p.write_text("category,weight\\nBurglary,10\\nShoplifting,-2\\n")
>>> read_scheme(p, name="demo", status="user")  # doctest: +ELLIPSIS
Traceback (most recent call last):
...
saferplaces.errors.SaferplacesError: w.csv line 3: weight -2 for 'Shoplifting' is negative; ...
"""

from __future__ import annotations

import csv
import math
from pathlib import Path

import yaml

from saferplaces.errors import InputFileError, SaferplacesError
from saferplaces.harm.scheme import (
    HarmScheme,
    KeyKind,
    as_key,
    as_status,
    canonical_category,
    canonical_offence_code,
    check_name,
    unknown_key_hint,
)

__all__ = ["read_scheme"]

_KEY_COLUMNS: dict[str, KeyKind] = {
    "offence_code": "offence_code",
    "code": "offence_code",
    "ho_offence_code": "offence_code",
    "category": "category",
    "crime_type": "category",
}
_YAML_FIELDS = (
    "name",
    "version",
    "key",
    "status",
    "provenance",
    "description",
    "rationale",
    "weights",
)
_MAX_SHOWN = 5


class _Problems:
    """Problems found in one file, reported together as one line."""

    def __init__(self, file: str) -> None:
        self.file = file
        self.items: list[tuple[int, str]] = []

    def add(self, line: int, problem: str) -> None:
        self.items.append((line, problem))

    def raise_if_any(self) -> None:
        if not self.items:
            return
        shown = "; ".join(f"line {n}: {p}" for n, p in self.items[:_MAX_SHOWN])
        more = len(self.items) - _MAX_SHOWN
        tail = f" (and {more} more problems)" if more > 0 else ""
        if len(self.items) == 1:
            line, problem = self.items[0]
            raise SaferplacesError(f"{self.file} line {line}: {problem}")
        raise SaferplacesError(f"{self.file}: {shown}{tail}")


def _check_entry(
    problems: _Problems,
    seen: dict[str, int],
    weights: dict[str, float],
    key: KeyKind,
    line: int,
    raw_key: str,
    raw_weight: str | None,
) -> None:
    """Validate one key and weight; on success add it to ``weights``."""
    what = "offence code" if key == "offence_code" else "category"
    raw_key = raw_key.strip()
    if not raw_key:
        problems.add(line, f"no {what}; give the {what} and its weight, or delete the line")
        return
    canon = canonical_offence_code if key == "offence_code" else canonical_category
    k = canon(raw_key)
    if k is None:
        problems.add(line, f"'{raw_key}' is not a known {what}; {unknown_key_hint(key, raw_key)}")
        return
    if k in seen:
        problems.add(
            line,
            f"'{k}' already has a weight on line {seen[k]}; give each {what} once "
            "(delete one of the two lines)",
        )
        return
    seen[k] = line
    text = (raw_weight or "").strip()
    if not text or text in ("~", "null"):
        problems.add(line, f"missing weight for '{k}'; give a number >= 0")
        return
    try:
        w = float(text)
    except ValueError:
        problems.add(line, f"weight '{text}' for '{k}' is not a number; give a number >= 0")
        return
    if not math.isfinite(w):
        problems.add(line, f"weight '{text}' for '{k}' is not a finite number")
    elif w < 0:
        problems.add(line, f"weight {text} for '{k}' is negative; weights are numbers >= 0")
    else:
        weights[k] = w


def _read_csv(path: Path) -> tuple[KeyKind, dict[str, float]]:
    problems = _Problems(path.name)
    try:
        text = path.read_text(encoding="utf-8-sig")
    except UnicodeDecodeError:
        raise InputFileError(str(path), "not UTF-8 text; save the file as CSV (UTF-8)") from None
    reader = csv.reader(text.splitlines())
    header: list[str] | None = None
    key: KeyKind = "category"
    key_i = weight_i = -1
    seen: dict[str, int] = {}
    weights: dict[str, float] = {}
    for row in reader:
        line = reader.line_num
        if not any(c.strip() for c in row) or row[0].lstrip().startswith("#"):
            continue
        if header is None:
            header = [c.strip().lower() for c in row]
            keys = [c for c in header if c in _KEY_COLUMNS]
            if len(keys) != 1 or "weight" not in header:
                raise SaferplacesError(
                    f"{path.name} line {line}: the header is {','.join(row)}; expected a key "
                    "column (offence_code or category), a weight column and optionally "
                    "description, e.g. 'offence_code,weight'"
                )
            key = _KEY_COLUMNS[keys[0]]
            key_i, weight_i = header.index(keys[0]), header.index("weight")
            continue
        cell = row[key_i] if key_i < len(row) else ""
        weight = row[weight_i] if weight_i < len(row) else None
        _check_entry(problems, seen, weights, key, line, cell, weight)
    if header is None:
        raise SaferplacesError(
            f"{path.name}: empty file; expected a header such as 'category,weight'"
        )
    problems.raise_if_any()
    if not weights:
        raise SaferplacesError(f"{path.name}: no weights below the header; add one row per key")
    return key, weights


def _scalar(node: yaml.Node, file: str, field: str) -> str:
    if not isinstance(node, yaml.ScalarNode):
        raise SaferplacesError(
            f"{file} line {node.start_mark.line + 1}: '{field}' should be a single value"
        )
    return str(node.value)


def _read_yaml(path: Path) -> tuple[dict[str, str], KeyKind, dict[str, float]]:
    file = path.name
    try:
        text = path.read_text(encoding="utf-8-sig")
        root = yaml.compose(text, Loader=yaml.SafeLoader)
    except UnicodeDecodeError:
        raise InputFileError(str(path), "not UTF-8 text; save the file as UTF-8") from None
    except yaml.YAMLError as e:
        mark = getattr(e, "problem_mark", None)
        where = f" line {mark.line + 1}" if mark is not None else ""
        problem = getattr(e, "problem", None) or str(e).splitlines()[0]
        raise SaferplacesError(f"{file}{where}: not valid YAML ({problem})") from None
    if not isinstance(root, yaml.MappingNode):
        raise SaferplacesError(
            f"{file}: expected a YAML mapping with name, version, key, status, provenance, "
            "description and weights (see docs/harm.md)"
        )
    fields: dict[str, yaml.Node] = {}
    for k_node, v_node in root.value:
        k = str(k_node.value)
        line = k_node.start_mark.line + 1
        if k not in _YAML_FIELDS:
            raise SaferplacesError(
                f"{file} line {line}: unknown field '{k}'; expected {', '.join(_YAML_FIELDS)}"
            )
        if k in fields:
            raise SaferplacesError(f"{file} line {line}: '{k}' is given twice; keep one")
        fields[k] = v_node
    meta: dict[str, str] = {
        f: _scalar(fields[f], file, f)
        for f in ("name", "version", "key", "status", "provenance", "description")
        if f in fields
    }
    if "key" not in meta:
        raise SaferplacesError(
            f"{file}: no 'key' field; add 'key: offence_code' or 'key: category'"
        )
    try:
        key = as_key(meta["key"])
    except SaferplacesError as e:
        line = fields["key"].start_mark.line + 1
        raise SaferplacesError(f"{file} line {line}: {e}") from None
    node = fields.get("weights")
    if not isinstance(node, yaml.MappingNode) or not node.value:
        raise SaferplacesError(
            f"{file}: 'weights' should be a mapping of {key.replace('_', ' ')} -> weight, "
            "e.g. 'weights: {Burglary: 10}'"
        )
    problems = _Problems(file)
    seen: dict[str, int] = {}
    weights: dict[str, float] = {}
    for k_node, v_node in node.value:
        line = k_node.start_mark.line + 1
        if not isinstance(v_node, yaml.ScalarNode):
            problems.add(line, f"the weight for '{k_node.value}' should be a number")
            continue
        raw = None if v_node.tag == "tag:yaml.org,2002:null" else str(v_node.value)
        _check_entry(problems, seen, weights, key, line, str(k_node.value), raw)
    problems.raise_if_any()
    return meta, key, weights


def read_scheme(
    path: Path | str,
    *,
    name: str | None = None,
    status: str | None = None,
    version: str | None = None,
    provenance: str | None = None,
    description: str | None = None,
) -> HarmScheme:
    """Read a scheme from a ``.csv`` or ``.yaml``/``.yml`` file and validate every line.

    Parameters
    ----------
    path : path
        The file. CSV needs ``name`` and ``status``; YAML may carry them.
    name, status, version, provenance, description : str, optional
        Override (or, for CSV, supply) the scheme's metadata. Version defaults to the file's,
        else ``"1"``. A ``status`` that contradicts the YAML file's own status is an error, so
        an illustrative table cannot become official by accident.

    Returns
    -------
    HarmScheme

    Raises
    ------
    SaferplacesError
        Naming the file and line of every unknown key, missing, non-numeric or negative weight
        and duplicate key (up to five, then a count).
    """
    path = Path(path)
    if not path.is_file():
        raise SaferplacesError(f"{path}: no such file")
    suffix = path.suffix.lower()
    meta: dict[str, str] = {}
    if suffix == ".csv":
        key, weights = _read_csv(path)
    elif suffix in (".yaml", ".yml"):
        meta, key, weights = _read_yaml(path)
    else:
        raise SaferplacesError(
            f"{path.name}: a harm scheme is a .csv or .yaml file (see docs/harm.md)"
        )
    if status and meta.get("status") and meta["status"] != status:
        raise SaferplacesError(
            f"{path.name} says status '{meta['status']}' but '{status}' was asked for; "
            "correct the file or the --status option"
        )
    final_name = name or meta.get("name")
    final_status = status or meta.get("status")
    if not final_name or not final_status:
        missing = " and ".join(
            w for w, v in (("--name", final_name), ("--status", final_status)) if not v
        )
        raise SaferplacesError(f"{path.name}: give {missing} (the file does not say)")
    check_name(final_name, final_status)
    return HarmScheme(
        name=final_name,
        version=version or meta.get("version") or "1",
        key=key,
        status=as_status(final_status),
        provenance=provenance or meta.get("provenance") or f"read from {path.name}",
        description=description if description is not None else meta.get("description", ""),
        weights=weights,
    )
