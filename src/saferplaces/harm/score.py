"""Category weights for scoring data.police.uk records, and a SQL view to join them.

data.police.uk records carry a category (``crime.crime_type``). :func:`category_weights_for`
returns category weights for any scheme (as is, or derived from a code-level scheme with the
force's offence mix), and :func:`register_harm_weights` makes them joinable in DuckDB:

.. code-block:: sql

    SELECT c.lsoa, sum(w.weight) AS harm
    FROM crime c JOIN harm_weights w USING (crime_type)
    GROUP BY ALL

Every figure made this way must carry ``scheme.label`` ("... illustrative weights" for the
bundled scheme).

Examples
--------
>>> import duckdb
>>> con = duckdb.connect()
>>> scheme = register_harm_weights(con, category_weights_for(None, "illustrative-category-v1"))
>>> con.execute("SELECT weight FROM harm_weights WHERE crime_type = 'Burglary'").fetchone()
(20.0,)
>>> scheme.label
'harm (illustrative-category-v1, illustrative weights)'
"""

from __future__ import annotations

from typing import Literal

import duckdb
import pandas as pd

from saferplaces.errors import SaferplacesError
from saferplaces.harm.offence_mix import derive_category_weights
from saferplaces.harm.scheme import HarmScheme
from saferplaces.harm.store import get_scheme

__all__ = ["category_weights_for", "register_harm_weights"]


def category_weights_for(
    con: duckdb.DuckDBPyConnection | None,
    scheme_name: str,
    force: str | None = None,
    *,
    version: str | None = None,
    missing: Literal["error", "exclude"] = "error",
) -> HarmScheme:
    """A category-keyed scheme for scoring a force's data.police.uk records.

    Parameters
    ----------
    con : duckdb connection or None
        The warehouse (None: bundled schemes only).
    scheme_name : str
        A bundled or imported scheme.
    force : str, optional
        Force name or slug; needed when the scheme is keyed by offence code.
    version : str, optional
        Scheme version (default: the latest imported).
    missing : {"error", "exclude"}
        For a code-level scheme: codes the force recorded without a weight (see
        :func:`~saferplaces.harm.offence_mix.derive_category_weights`).

    Returns
    -------
    HarmScheme
        The scheme itself when keyed by category, else the weights derived for ``force``.
    """
    scheme = get_scheme(con, scheme_name, version)
    if scheme.key == "category":
        return scheme
    if force is None:
        raise SaferplacesError(
            f"harm scheme {scheme.name} is keyed by offence code; give the force (e.g. "
            "--force west-mercia) so category weights can be derived from its offence mix"
        )
    return derive_category_weights(scheme, force, missing=missing)


def register_harm_weights(
    con: duckdb.DuckDBPyConnection, scheme: HarmScheme, table: str = "harm_weights"
) -> HarmScheme:
    """Create (or replace) the temporary table ``harm_weights(crime_type, weight)``.

    Temporary tables live for the connection only, so this works on a read-only warehouse and
    never changes the file. Categories without a weight are absent: an inner join drops them,
    a left join gives NULL; count them rather than treat them as zero harm.

    Parameters
    ----------
    con : duckdb connection
    scheme : HarmScheme
        Keyed by category (see :func:`category_weights_for`).
    table : str
        Name of the table to create.

    Returns
    -------
    HarmScheme
        ``scheme``, so the caller has its ``label`` at hand.
    """
    if scheme.key != "category":
        raise SaferplacesError(
            f"harm scheme {scheme.name} is keyed by offence code; data.police.uk records need "
            "category weights (use category_weights_for with the force)"
        )
    if not table.isidentifier():
        raise SaferplacesError(f"'{table}' is not a usable table name")
    frame = pd.DataFrame(
        {
            "crime_type": pd.Series(list(scheme.weights), dtype=object),
            "weight": pd.Series(list(scheme.weights.values()), dtype="float64"),
        }
    )
    con.register("_harm_weights_frame", frame)
    try:
        con.execute(
            f"CREATE OR REPLACE TEMP TABLE {table} AS "
            "SELECT crime_type::VARCHAR AS crime_type, weight::DOUBLE AS weight "
            "FROM _harm_weights_frame ORDER BY crime_type"
        )
    finally:
        con.unregister("_harm_weights_frame")
    return scheme
