"""Shared fixtures. Tests that need ../shared/data fail loudly when it is missing; never skipped."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from saferplaces.workspace import Workspace, init_workspace

REPO = Path(__file__).resolve().parents[1]
FIXTURES = Path(__file__).resolve().parent / "fixtures"


def shared_data_dir() -> Path:
    """../shared/data beside the repository (or $SAFERPLACES_SHARED_DATA)."""
    env = os.environ.get("SAFERPLACES_SHARED_DATA")
    return Path(env) if env else REPO.parent / "shared" / "data"


@pytest.fixture(scope="session")
def shared_data() -> Path:
    d = shared_data_dir()
    if not (d / "SOURCES.md").is_file():
        pytest.fail(
            f"../shared/data is missing (looked in {d}); these tests need the real files. "
            "Put the shared folder beside the repository or set SAFERPLACES_SHARED_DATA.",
            pytrace=False,
        )
    return d


@pytest.fixture
def workspace(tmp_path: Path) -> Workspace:
    """A fresh Telford and Wrekin workspace with an empty warehouse file."""
    return init_workspace(tmp_path / "ws", "E06000020")


def run_cli(
    *args: str,
    cwd: Path | None = None,
    env: dict[str, str] | None = None,
    timeout: float = 300,
) -> subprocess.CompletedProcess:
    """Run ``saferplaces ARGS`` as a user would (its own process, a wide terminal)."""
    return subprocess.run(
        [sys.executable, "-m", "saferplaces.cli", *args],
        capture_output=True,
        text=True,
        cwd=cwd,
        env={"PATH": "/usr/bin:/bin", "COLUMNS": "250", **(env or {})},
        timeout=timeout,
    )
