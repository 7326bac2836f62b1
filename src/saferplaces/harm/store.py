"""Harm schemes in the warehouse: import, list and get (bundled schemes included).

Imported schemes live in ``harm_scheme`` (one row per name and version) and ``harm_weight``
(one row per key). Re-importing the same name and version replaces it in one transaction.
Bundled schemes are never stored; their names cannot be imported over.
"""

from __future__ import annotations

import hashlib
from datetime import datetime
from pathlib import Path

import duckdb
import pandas as pd

from saferplaces.errors import SaferplacesError
from saferplaces.harm.bundled import bundled_schemes
from saferplaces.harm.read import read_scheme
from saferplaces.harm.scheme import HarmScheme, as_key, as_status

__all__ = ["get_scheme", "import_scheme", "list_schemes", "save_scheme"]

LIST_COLUMNS = (
    "name",
    "version",
    "key",
    "status",
    "label",
    "weights",
    "source",
    "imported_at",
    "provenance",
)


def _has_tables(con: duckdb.DuckDBPyConnection) -> bool:
    # A read-only connection to a warehouse made before harm schemes existed has no tables.
    n = con.execute(
        "SELECT count(*) FROM duckdb_tables() WHERE table_name IN ('harm_scheme', 'harm_weight')"
        " AND NOT temporary"
    ).fetchone()
    return bool(n and n[0] == 2)


def save_scheme(con: duckdb.DuckDBPyConnection, scheme: HarmScheme) -> None:
    """Store ``scheme`` in the warehouse, replacing any scheme with the same name and version."""
    if scheme.name in bundled_schemes():
        raise SaferplacesError(
            f"'{scheme.name}' is the name of a bundled scheme; choose another --name"
        )
    if scheme.derived_from is not None:
        raise SaferplacesError(
            f"{scheme.name} is derived from an offence mix; store its base scheme instead"
        )
    weights = scheme.to_frame()
    weights.insert(0, "version", scheme.version)
    weights.insert(0, "name", scheme.name)
    con.execute("BEGIN TRANSACTION")
    try:
        for table in ("harm_weight", "harm_scheme"):
            con.execute(
                f"DELETE FROM {table} WHERE name = ? AND version = ?",
                [scheme.name, scheme.version],
            )
        con.execute(
            "INSERT INTO harm_scheme VALUES (?, ?, ?, ?, ?, ?, ?)",
            [
                scheme.name,
                scheme.version,
                scheme.key,
                scheme.status,
                scheme.provenance,
                scheme.description,
                datetime.now().replace(microsecond=0),
            ],
        )
        con.register("_harm_weights_in", weights)
        con.execute(
            "INSERT INTO harm_weight SELECT name, version, key_value, weight FROM _harm_weights_in"
        )
        con.unregister("_harm_weights_in")
        con.execute("COMMIT")
    except Exception:
        con.execute("ROLLBACK")
        raise


def import_scheme(
    con: duckdb.DuckDBPyConnection,
    path: Path | str,
    name: str,
    status: str,
    version: str | None = None,
    provenance: str | None = None,
) -> HarmScheme:
    """Read a CSV or YAML weight table, validate it and store it in the warehouse.

    Parameters
    ----------
    con : duckdb connection
        A writable warehouse connection.
    path : path
        The file (see docs/harm.md for the columns and layout).
    name : str
        Scheme name; official ONS Crime Severity Score weights must start with ``ons-css``.
    status : {"official", "user", "illustrative"}
    version : str, optional
        Default: the YAML file's version, else ``"1"``. The same name and version replaces.
    provenance : str, optional
        Where the weights come from (default: the YAML file's, else the file name). The file
        name and its sha256 are always appended.

    Returns
    -------
    HarmScheme
        The scheme as stored.
    """
    path = Path(path)
    scheme = read_scheme(path, name=name, status=status, version=version, provenance=provenance)
    digest = hashlib.sha256(path.read_bytes()).hexdigest()
    scheme = HarmScheme(
        name=scheme.name,
        version=scheme.version,
        key=scheme.key,
        status=scheme.status,
        provenance=f"{scheme.provenance} [imported from {path.name}, sha256 {digest[:16]}]",
        description=scheme.description,
        weights=scheme.weights,
    )
    save_scheme(con, scheme)
    return scheme


def _stored(con: duckdb.DuckDBPyConnection) -> pd.DataFrame:
    if not _has_tables(con):
        return pd.DataFrame(
            columns=["name", "version", "key", "status", "provenance", "description", "imported_at"]
        )
    return con.execute(
        "SELECT name, version, key, status, provenance, description, imported_at "
        "FROM harm_scheme ORDER BY name, imported_at, version"
    ).df()


def list_schemes(con: duckdb.DuckDBPyConnection | None) -> pd.DataFrame:
    """Every scheme available: bundled first, then those imported into the warehouse.

    Returns
    -------
    DataFrame
        ``name``, ``version``, ``key``, ``status``, ``label`` (str), ``weights`` (int64, number
        of keys), ``source`` ("bundled" or "imported"), ``imported_at`` (datetime64, NaT for
        bundled), ``provenance`` (str).
    """
    rows: list[dict[str, object]] = []
    for s in bundled_schemes().values():
        rows.append(
            {**_row(s), "weights": len(s.weights), "source": "bundled", "imported_at": pd.NaT}
        )
    if con is not None:
        counts = (
            dict(
                ((n, v), c)
                for n, v, c in con.execute(
                    "SELECT name, version, count(*) FROM harm_weight GROUP BY ALL"
                ).fetchall()
            )
            if _has_tables(con)
            else {}
        )
        for r in _stored(con).to_dict("records"):
            s = _scheme_from_row({str(k): v for k, v in r.items()}, {})
            rows.append(
                {
                    **_row(s),
                    "weights": counts.get((s.name, s.version), 0),
                    "source": "imported",
                    "imported_at": r["imported_at"],
                }
            )
    out = pd.DataFrame(rows, columns=list(LIST_COLUMNS))
    out["weights"] = out.weights.astype("int64")
    out["imported_at"] = pd.to_datetime(out.imported_at).astype("datetime64[ns]")
    return out


def _row(s: HarmScheme) -> dict[str, object]:
    return {
        "name": s.name,
        "version": s.version,
        "key": s.key,
        "status": s.status,
        "label": s.label,
        "provenance": s.provenance,
    }


def _scheme_from_row(row: dict[str, object], weights: dict[str, float]) -> HarmScheme:
    return HarmScheme(
        name=str(row["name"]),
        version=str(row["version"]),
        key=as_key(str(row["key"])),
        status=as_status(str(row["status"])),
        provenance=str(row["provenance"]),
        description=str(row["description"] or ""),
        weights=weights,
    )


def get_scheme(
    con: duckdb.DuckDBPyConnection | None, name: str, version: str | None = None
) -> HarmScheme:
    """A bundled or imported scheme by name (and version; default the latest imported).

    Raises
    ------
    SaferplacesError
        When there is no such scheme, listing the schemes there are.
    """
    bundled = bundled_schemes()
    if name in bundled and version in (None, bundled[name].version):
        return bundled[name]
    stored = _stored(con) if con is not None else pd.DataFrame(columns=["name", "version"])
    mine = stored[stored.name == name]
    if version is not None:
        mine = mine[mine.version == str(version)]
    if mine.empty:
        have = sorted({*bundled, *stored.name})
        which = f"'{name}' version '{version}'" if version is not None else f"'{name}'"
        raise SaferplacesError(
            f"no harm scheme {which}; available: {', '.join(have)} "
            "(see `saferplaces harm list`; import one with `saferplaces harm import`)"
        )
    row = {
        str(k): v for k, v in mine.iloc[-1].to_dict().items()
    }  # ordered by imported_at: the latest import wins
    assert con is not None
    weights = dict(
        con.execute(
            "SELECT key_value, weight FROM harm_weight WHERE name = ? AND version = ?",
            [row["name"], row["version"]],
        ).fetchall()
    )
    return _scheme_from_row(row, weights)
