"""The ``saferplaces`` command line. Each command is a thin wrapper over one library call.

The commands live by area: :mod:`~saferplaces.cli.data` (bringing data in and looking after it),
:mod:`~saferplaces.cli.analysis` (analyses and the assessment) and
:mod:`~saferplaces.cli.partnership` (strategy, plan, KPIs). This module puts them on the root app,
in the order ``saferplaces --help`` lists them, and holds the entry point.
"""

from __future__ import annotations

import os
import sys

import typer

from saferplaces.cli import analysis, data, partnership
from saferplaces.cli._common import app, err_console
from saferplaces.errors import SaferplacesError

__all__ = ["app", "main"]

# `saferplaces --help` lists the commands in the order they are registered here, then the groups
# (whose own commands are registered in their modules).
app.command()(data.init)
app.command()(data.status)
app.command()(data.demo)
app.command()(data.synth)
app.command()(analysis.profile)
app.command()(analysis.places)
app.command()(analysis.locality)
app.command()(analysis.trends)
app.command()(analysis.hotspots)
app.command()(data.pseudonymise)
app.command()(analysis.assess)
app.command("check-disclosure")(analysis.check_disclosure_cmd)
app.command("da")(analysis.da_cmd)
app.command("ce")(analysis.ce_cmd)
app.add_typer(data.ingest_app, name="ingest")
app.add_typer(data.download_app, name="download")
app.add_typer(data.geography_app, name="geography")
app.add_typer(data.quarantine_app, name="quarantine")
app.add_typer(data.harm_app, name="harm")
app.add_typer(partnership.strategy_app, name="strategy")
app.add_typer(partnership.plan_app, name="plan")
app.add_typer(partnership.kpi_app, name="kpi")


def main() -> None:
    """Entry point: user errors become one line on stderr, never a traceback."""
    try:
        # Without standalone mode click returns a command's exit code instead of exiting.
        rc = app(standalone_mode=False)
        sys.exit(rc if isinstance(rc, int) else 0)
    except SaferplacesError as e:
        err_console.print(f"[bold red]error:[/] {e}", highlight=False, soft_wrap=True)
        sys.exit(1)
    except typer.Exit as e:
        sys.exit(e.exit_code)
    except typer.Abort:
        err_console.print("aborted")
        sys.exit(130)
    except KeyboardInterrupt:
        err_console.print("interrupted")
        sys.exit(130)
    except Exception as e:
        # Usage errors (Typer's bundled click) carry their own message and exit code.
        exit_code = getattr(e, "exit_code", None)
        if hasattr(e, "show") and isinstance(exit_code, int):
            e.show()
            sys.exit(exit_code)
        if os.environ.get("SAFERPLACES_DEBUG"):
            raise
        err_console.print(
            f"[bold red]internal error:[/] {type(e).__name__}: {e} "
            "(this is a bug in saferplaces; rerun with SAFERPLACES_DEBUG=1 for the traceback)",
            highlight=False,
            soft_wrap=True,
        )
        sys.exit(70)
