"""The assessment as PDF: the HTML printed by headless Chromium (its print stylesheet, A4).

Chromium is a system package (Debian ``chromium``; ``make tools`` and ``.ci/run`` install it),
not a Python dependency. It runs offline: the HTML is self-contained (inline CSS and SVG), and
the flags below switch off every background fetch, with a throw-away profile directory.

Examples
--------
>>> chromium_command(Path("/usr/bin/chromium"), Path("/r/a.html"), Path("/r/a.pdf"), Path("/t"))[-1]
'file:///r/a.html'
"""

from __future__ import annotations

import os
import shutil
import subprocess
import tempfile
from pathlib import Path

from saferplaces.errors import SaferplacesError

__all__ = ["CHROMIUM_NAMES", "chromium_command", "find_chromium", "html_to_pdf"]

# Names the browser goes by on PATH; $SAFERPLACES_CHROMIUM overrides them.
CHROMIUM_NAMES = ("chromium", "chromium-browser", "google-chrome", "google-chrome-stable")
TIMEOUT = 180  # seconds


def find_chromium() -> Path:
    """The Chromium executable: ``$SAFERPLACES_CHROMIUM``, else the first of
    :data:`CHROMIUM_NAMES` on PATH.

    Raises
    ------
    SaferplacesError
        One line saying how to install it, when there is none.
    """
    override = os.environ.get("SAFERPLACES_CHROMIUM")
    if override:
        if Path(override).is_file():
            return Path(override)
        raise SaferplacesError(f"SAFERPLACES_CHROMIUM={override} is not a file")
    for name in CHROMIUM_NAMES:
        found = shutil.which(name)
        if found:
            return Path(found)
    raise SaferplacesError(
        "--pdf needs headless Chromium, which is not installed: run `make tools` or "
        "`apt-get install chromium` (or set SAFERPLACES_CHROMIUM to its path)"
    )


def chromium_command(chromium: Path, html: Path, pdf: Path, profile: Path) -> list[str]:
    """The command line that prints ``html`` to ``pdf`` (no header or footer, no network)."""
    return [
        str(chromium),
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-quic",
        "--no-first-run",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        f"--user-data-dir={profile}",
        f"--print-to-pdf={pdf}",
        "--no-pdf-header-footer",
        html.resolve().as_uri(),
    ]


def html_to_pdf(html: Path, pdf: Path | None = None) -> Path:
    """Print ``html`` to ``pdf`` (default: beside it, ``.pdf``) with headless Chromium.

    Returns
    -------
    Path
        The PDF written.

    Raises
    ------
    SaferplacesError
        When Chromium is missing, fails, times out or writes no PDF.
    """
    chromium = find_chromium()
    pdf = (pdf or html.with_suffix(".pdf")).resolve()
    pdf.unlink(missing_ok=True)
    with tempfile.TemporaryDirectory(prefix="saferplaces-chromium-") as profile:
        command = chromium_command(chromium, html, pdf, Path(profile))
        try:
            done = subprocess.run(
                command, capture_output=True, text=True, timeout=TIMEOUT, check=False
            )
        except subprocess.TimeoutExpired:
            raise SaferplacesError(
                f"Chromium took more than {TIMEOUT} s to print {html.name}"
            ) from None
    if done.returncode != 0 or not pdf.is_file() or pdf.stat().st_size == 0:
        tail = (done.stderr or "").strip().splitlines()[-3:]
        raise SaferplacesError(
            f"Chromium could not print {html.name} (exit {done.returncode}): " + " | ".join(tail)
        )
    return pdf
