"""A workspace is one folder per partnership: ``saferplaces.toml``, ``warehouse.duckdb``,
the partnership database and ``reports/``.

Examples
--------
>>> import tempfile, pathlib
>>> ws = init_workspace(pathlib.Path(tempfile.mkdtemp()) / "tw", "E06000020")
>>> ws.settings.area.name
'Telford and Wrekin'
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

import duckdb

from saferplaces.errors import SaferplacesError, WorkspaceNotFound
from saferplaces.geo.areas import find_local_authority
from saferplaces.settings import SETTINGS_FILE, AreaSettings, Settings
from saferplaces.warehouse.schema import connect, schema_current

__all__ = ["Workspace", "init_workspace", "open_workspace", "ENV_VAR"]

ENV_VAR = "SAFERPLACES_WORKSPACE"
WAREHOUSE_FILE = "warehouse.duckdb"


@dataclass
class Workspace:
    """An opened workspace: its folder and validated settings."""

    root: Path
    settings: Settings

    @property
    def settings_path(self) -> Path:
        return self.root / SETTINGS_FILE

    @property
    def warehouse_path(self) -> Path:
        return self.root / WAREHOUSE_FILE

    @property
    def reports_dir(self) -> Path:
        return self.root / "reports"

    def connect(self, read_only: bool = False) -> duckdb.DuckDBPyConnection:
        """Open the warehouse (creating any missing table when writable)."""
        try:
            if read_only and not _schema_complete(self.warehouse_path):
                # A warehouse from an earlier version lacks newer tables or has an earlier
                # layout: a writable connection brings it up to date (schema.create_schema),
                # so that read-only commands can query every table.
                connect(self.warehouse_path).close()
            return connect(self.warehouse_path, read_only=read_only)
        except duckdb.IOException as e:
            if "lock" in str(e).lower():
                raise SaferplacesError(
                    f"{self.warehouse_path} is in use by another saferplaces process; "
                    "wait for it to finish and try again"
                ) from None
            raise SaferplacesError(
                f"{self.warehouse_path}: cannot open the warehouse ({e})"
            ) from None

    def save_settings(self) -> None:
        self.settings.save(self.settings_path)


def _schema_complete(path: Path) -> bool:
    con = duckdb.connect(str(path), read_only=True)
    try:
        return schema_current(con)
    finally:
        con.close()


def init_workspace(directory: Path, area: str, name: str | None = None) -> Workspace:
    """Create a workspace for a local authority (code or name) in ``directory``.

    Writes ``saferplaces.toml`` and creates ``warehouse.duckdb`` with the full schema. Refuses
    to overwrite an existing workspace.
    """
    directory = Path(directory)
    if (directory / SETTINGS_FILE).exists():
        raise SaferplacesError(
            f"{directory} is already a workspace ({SETTINGS_FILE} exists); "
            "use it with --workspace, or choose a new folder"
        )
    if directory.exists() and not directory.is_dir():
        raise SaferplacesError(f"{directory} exists and is not a folder")
    la = find_local_authority(area)
    directory.mkdir(parents=True, exist_ok=True)
    settings = Settings(
        name=name or f"{la.name} Community Safety Partnership",
        area=AreaSettings(code=la.code, name=la.name, police_force=la.police_force),
    )
    ws = Workspace(root=directory.resolve(), settings=settings)
    ws.save_settings()
    ws.connect().close()
    ws.reports_dir.mkdir(exist_ok=True)
    return ws


def find_workspace_dir(directory: Path | None = None) -> Path:
    """The workspace folder: ``directory`` if given, else ``$SAFERPLACES_WORKSPACE``, else cwd."""
    if directory is not None:
        return Path(directory)
    env = os.environ.get(ENV_VAR)
    return Path(env) if env else Path.cwd()


def open_workspace(directory: Path | None = None) -> Workspace:
    """Open an existing workspace, with a clear message when there is none."""
    root = find_workspace_dir(directory)
    how = (
        "--workspace"
        if directory is not None
        else (f"${ENV_VAR}" if os.environ.get(ENV_VAR) else "the current folder")
    )
    if not (root / SETTINGS_FILE).is_file():
        raise WorkspaceNotFound(
            f"no saferplaces workspace in {root} (from {how}): {SETTINGS_FILE} not found; "
            f"create one with `saferplaces init DIR --area CODE` or point --workspace / "
            f"${ENV_VAR} at an existing one"
        )
    return Workspace(root=root.resolve(), settings=Settings.load(root / SETTINGS_FILE))
