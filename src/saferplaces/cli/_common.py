"""What the command modules share: the root app, the consoles, --workspace and --format."""

from __future__ import annotations

import json
import sys
from enum import Enum
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.console import Console

app = typer.Typer(
    name="saferplaces",
    help="Evidence base and delivery platform for Community Safety Partnerships.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)

console = Console()
err_console = Console(stderr=True)

WorkspaceOpt = Annotated[
    Path | None,
    typer.Option(
        "--workspace",
        "-w",
        help="Workspace folder (default: $SAFERPLACES_WORKSPACE, else the current folder).",
        show_default=False,
    ),
]


class OutputFormat(str, Enum):
    table = "table"
    json = "json"


FormatOpt = Annotated[
    OutputFormat, typer.Option("--format", help="table for people, json for machines.")
]


def _print_json(data: Any) -> None:
    sys.stdout.write(json.dumps(data, indent=2, default=str) + "\n")
