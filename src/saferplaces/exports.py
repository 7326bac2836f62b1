"""Writing result frames: CSV, JSON or Parquet, chosen by the user."""

from __future__ import annotations

from pathlib import Path
from typing import Literal

import pandas as pd

from saferplaces.errors import SaferplacesError

__all__ = ["FORMATS", "result_folder", "write_frame", "write_frames"]

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


def write_frames(
    frames: dict[str, pd.DataFrame], folder: Path, prefix: str, fmt: str
) -> list[Path]:
    """Write each frame as ``folder/<prefix>_<name>.<fmt>``; return the paths written."""
    return [
        write_frame(f, Path(folder) / f"{prefix}_{name}.{fmt}", fmt) for name, f in frames.items()
    ]


def result_folder(reports: Path, prefix: str, period: str, name: str = "") -> Path:
    """The default folder of a result: ``reports/<prefix>[-<name>]-<YYYY-MM_YYYY-MM>``.

    Examples
    --------
    >>> result_folder(Path("r"), "locality", "2025-01..2025-12", "Dawley & Malinslee").as_posix()
    'r/locality-dawley-malinslee-2025-01_2025-12'
    """
    slug = "-".join("".join(ch if ch.isalnum() else " " for ch in name.lower()).split())
    return Path(reports) / "-".join(p for p in (prefix, slug, period.replace("..", "_")) if p)
