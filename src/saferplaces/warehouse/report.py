"""What an ingest did: one result per file, totals, and how to print them."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from rich.console import Console
from rich.table import Table

from saferplaces.sources.police_uk import Skipped

__all__ = ["FileResult", "IngestReport"]


@dataclass
class FileResult:
    """What happened to one file."""

    file: str
    status: str  # loaded | unchanged | failed
    kind: str | None = None
    force: str | None = None
    months: list[str] = field(default_factory=list)
    sha256: str | None = None
    rows_read: int = 0
    rows_loaded: int = 0
    rows_quarantined: int = 0
    message: str | None = None
    ingest_id: int | None = None


@dataclass
class IngestReport:
    """The outcome of one ``ingest police-uk`` call."""

    files: list[FileResult] = field(default_factory=list)
    skipped: list[Skipped] = field(default_factory=list)
    placed: dict[str, dict[str, int]] = field(default_factory=dict)
    title: str = "data.police.uk ingest"
    notes: list[str] = field(default_factory=list)  # printed after the totals

    @property
    def failed(self) -> list[FileResult]:
        return [f for f in self.files if f.status == "failed"]

    def totals(self) -> dict[str, int]:
        return {
            "files": len(self.files),
            "loaded": sum(f.status == "loaded" for f in self.files),
            "unchanged": sum(f.status == "unchanged" for f in self.files),
            "failed": len(self.failed),
            "rows_read": sum(f.rows_read for f in self.files),
            "rows_loaded": sum(f.rows_loaded for f in self.files),
            "rows_quarantined": sum(f.rows_quarantined for f in self.files),
        }

    def as_dict(self) -> dict[str, Any]:
        return {
            "totals": self.totals(),
            "files": [asdict(f) for f in self.files],
            "skipped": [asdict(s) for s in self.skipped],
            "placed": self.placed,
        }

    def print(self, console: Console, err_console: Console) -> None:
        """A table of files, then one line per problem on stderr."""
        table = Table(title=self.title, show_lines=False)
        for col in ("file", "kind", "months", "read", "loaded", "quarantined", "status"):
            table.add_column(
                col, justify="right" if col in ("read", "loaded", "quarantined") else "left"
            )
        for f in self.files:
            months = f"{f.months[0]}..{f.months[-1]}" if len(f.months) > 1 else "".join(f.months)
            table.add_row(
                Path(f.file.split("!")[-1]).name, f.kind or "", months, f"{f.rows_read:,}",
                f"{f.rows_loaded:,}", f"{f.rows_quarantined:,}", f.status,
            )  # fmt: skip
        console.print(table)
        t = self.totals()
        console.print(
            f"{t['files']} files: {t['loaded']} loaded, {t['unchanged']} unchanged, "
            f"{t['failed']} failed. Rows: {t['rows_read']:,} read = {t['rows_loaded']:,} loaded "
            f"+ {t['rows_quarantined']:,} quarantined."
        )
        if t["rows_quarantined"]:
            console.print("See the quarantined rows with `saferplaces quarantine show`.")
        for note in self.notes:
            console.print(note, highlight=False)
        for s in self.skipped:
            (err_console if s.error else console).print(
                f"skipped {s.name}: {s.why}", highlight=False
            )
        for f in self.failed:
            err_console.print(f"[bold red]error:[/] {f.message}", highlight=False, soft_wrap=True)
