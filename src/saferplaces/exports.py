"""Writing result frames: CSV, JSON or Parquet, chosen by the user."""

from __future__ import annotations

from pathlib import Path
from typing import Literal

import pandas as pd

from saferplaces.errors import SaferplacesError

__all__ = ["FORMATS", "write_frame"]

FORMATS = ("csv", "json", "parquet")
Format = Literal["csv", "json", "parquet"]


def write_frame(frame: pd.DataFrame, path: Path, fmt: str) -> Path:
    """Write ``frame`` to ``path`` as ``fmt`` (csv, json records, or parquet); return the path.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> p = write_frame(pd.DataFrame({"a": [1]}), pathlib.Path(tempfile.mkdtemp()) / "a.csv", "csv")
    >>> p.read_text()
    'a\\n1\\n'
    """
    if fmt not in FORMATS:
        raise SaferplacesError(f"format '{fmt}' is not one of {', '.join(FORMATS)}")
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    if fmt == "csv":
        frame.to_csv(path, index=False)
    elif fmt == "json":
        frame.to_json(path, orient="records", date_format="iso", indent=2)
    else:
        frame.to_parquet(path, index=False)
    return path
