"""Download data.police.uk monthly files for one force.

data.police.uk publishes one bulk archive per month (``data/archive/YYYY-MM.zip``, about 1.5 GB)
holding the 36 months up to and including that month for every force. This module asks the API
which months exist (``api/crimes-street-dates``) and which forces exist (``api/forces``), picks
the fewest archives that cover the months wanted, streams each one to a temporary file and keeps
only the requested force's files, laid out as the custom download lays them out::

    dest/2025-12/2025-12-west-mercia-street.csv
    dest/2025-12/2025-12-west-mercia-outcomes.csv
    dest/2025-12/2025-12-west-mercia-stop-and-search.csv

so that ``saferplaces ingest police-uk dest`` reads them directly.
"""

from __future__ import annotations

import difflib
import json
import logging
import os
import re
import shutil
import tempfile
import zipfile
import zlib
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import httpx
from rich.console import Console
from rich.progress import (
    BarColumn,
    DownloadColumn,
    Progress,
    TextColumn,
    TimeRemainingColumn,
    TransferSpeedColumn,
)

from saferplaces.errors import SaferplacesError
from saferplaces.geo.areas import force_slug

__all__ = ["DOWNLOAD_KINDS", "download_police_uk", "plan_archives"]

DOWNLOAD_KINDS: tuple[str, ...] = ("street", "outcomes", "stop-and-search")
"""The kinds of monthly file data.police.uk publishes per force, as they appear in file names."""

ARCHIVE_MONTHS = 36
"""How many months one bulk archive holds, ending with the month it is named after."""

_MONTH = re.compile(r"^(\d{4})-(0[1-9]|1[0-2])$")
_CHUNK = 1024 * 1024
# Connect quickly or fail; the read timeout is per chunk, so a long download is fine.
_TIMEOUT = httpx.Timeout(60.0, connect=15.0)

log = logging.getLogger(__name__)


# Months as integers (year * 12 + month - 1), so that ranges are plain arithmetic.


def _to_index(month: str) -> int:
    year, mon = month.split("-")
    return int(year) * 12 + int(mon) - 1


def _to_month(index: int) -> str:
    return f"{index // 12:04d}-{index % 12 + 1:02d}"


def _runs(months: Iterable[str]) -> str:
    """Months as readable runs: ``2023-01 to 2023-05, 2023-07``."""
    idx = sorted({_to_index(m) for m in months})
    parts: list[str] = []
    i = 0
    while i < len(idx):
        j = i
        while j + 1 < len(idx) and idx[j + 1] == idx[j] + 1:
            j += 1
        first, last = _to_month(idx[i]), _to_month(idx[j])
        parts.append(first if i == j else f"{first} to {last}")
        i = j + 1
    return ", ".join(parts)


def plan_archives(wanted: Iterable[str], available: Iterable[str]) -> dict[str, list[str]]:
    """The fewest monthly archives that hold every wanted month, newest preferred.

    An archive named for month ``M`` holds ``M-35`` to ``M``. Among the smallest sets of archives
    that cover the wanted months, the newest archives are chosen, and each month is taken from
    the newest chosen archive that holds it, because data.police.uk revises earlier months.

    Parameters
    ----------
    wanted : iterable of str
        Months to fetch, ``YYYY-MM``.
    available : iterable of str
        Months for which an archive exists, ``YYYY-MM``.

    Returns
    -------
    dict of str to list of str
        Archive month -> the wanted months to take from it (both sorted, newest archive first).

    Raises
    ------
    SaferplacesError
        When no available archive holds some wanted month.

    Examples
    --------
    >>> months = [f"{y}-{m:02d}" for y in (2022, 2023, 2024, 2025) for m in range(1, 13)]
    >>> plan_archives(["2024-01", "2024-02"], months)
    {'2025-12': ['2024-01', '2024-02']}
    >>> plan_archives(["2022-11", "2022-12", "2023-01"], months)
    {'2025-10': ['2022-11', '2022-12', '2023-01']}
    """
    need = sorted({_to_index(m) for m in wanted})
    have = sorted({_to_index(m) for m in available}, reverse=True)
    if not need:
        return {}
    chosen: list[int] = []
    remaining = need
    budget = _cover_count(need, have)
    while remaining:
        latest = remaining[-1]
        # The newest archive holding the latest uncovered month that still lets the rest be
        # covered with one archive fewer.
        archive = next(
            a
            for a in have
            if latest <= a < latest + ARCHIVE_MONTHS
            and _cover_count([m for m in remaining if m <= a - ARCHIVE_MONTHS], have) < budget
        )
        chosen.append(archive)
        budget -= 1
        remaining = [m for m in remaining if m <= archive - ARCHIVE_MONTHS]
    plan: dict[str, list[str]] = {}
    for m in need:
        newest = max(a for a in chosen if a - ARCHIVE_MONTHS < m <= a)
        plan.setdefault(_to_month(newest), []).append(_to_month(m))
    return dict(sorted(plan.items(), reverse=True))


def _cover_count(need: list[int], have: list[int]) -> int:
    """The fewest archives that hold every month in ``need`` (greedy from the oldest month)."""
    count, i = 0, 0
    while i < len(need):
        first = need[i]
        holding = [a for a in have if first <= a < first + ARCHIVE_MONTHS]
        if not holding:
            raise SaferplacesError(
                f"no data.police.uk archive holds {_to_month(first)}; archives exist for "
                f"{_runs(_to_month(a) for a in have)}"
            )
        reach = max(holding)
        count += 1
        while i < len(need) and need[i] <= reach:
            i += 1
    return count


# Checking what the user asked for.


def _check_month(value: str, which: str) -> int:
    if not isinstance(value, str) or not _MONTH.match(value.strip()):
        raise SaferplacesError(f"{which} month '{value}' is not YYYY-MM; give a month like 2025-03")
    return _to_index(value.strip())


def _check_range(start: str, end: str) -> list[str]:
    first = _check_month(start, "start (--from)")
    last = _check_month(end, "end (--to)")
    if first > last:
        raise SaferplacesError(
            f"start month {start} is after end month {end}; give --from on or before --to"
        )
    return [_to_month(i) for i in range(first, last + 1)]


def _check_kinds(kinds: Iterable[str]) -> tuple[str, ...]:
    kinds = tuple(dict.fromkeys(k.strip().lower() for k in kinds))
    unknown = [k for k in kinds if k not in DOWNLOAD_KINDS]
    if unknown or not kinds:
        raise SaferplacesError(
            f"unknown kind {', '.join(repr(k) for k in unknown) or '(none given)'}; "
            f"choose from {', '.join(DOWNLOAD_KINDS)}"
        )
    return kinds


def _check_available(months: list[str], dates: dict[str, list[str]], url: str) -> None:
    missing = [m for m in months if m not in dates]
    if missing:
        raise SaferplacesError(
            f"{_runs(missing)} not available from {url}; available months are {_runs(dates)}"
        )


def _resolve_force(force: str, forces: list[dict[str, Any]], url: str) -> str:
    """The force id for an id or a name (``West Mercia Police`` -> ``west-mercia``)."""
    slug = force_slug(force)
    by_slug: dict[str, str] = {}
    for f in forces:
        by_slug[force_slug(str(f.get("id", "")))] = str(f["id"])
        by_slug[force_slug(str(f.get("name", "")))] = str(f["id"])
    if slug in by_slug:
        return by_slug[slug]
    ids = sorted({str(f["id"]) for f in forces})
    close = difflib.get_close_matches(slug, ids, n=5, cutoff=0.5)
    hint = f"did you mean {', '.join(close)}?" if close else f"known forces: {', '.join(ids)}"
    raise SaferplacesError(f"no force '{force}' in {url}; {hint}")


# Talking to the server.


def _get_json(client: httpx.Client, url: str) -> Any:
    with _http_errors(url):
        response = client.get(url)
        response.raise_for_status()
    try:
        return json.loads(response.content)
    except ValueError as e:
        raise SaferplacesError(
            f"{url} did not return JSON ({e}); check the base URL points at data.police.uk "
            "or a mirror with the same layout"
        ) from None


def _street_dates(client: httpx.Client, base: str) -> dict[str, list[str]]:
    """Month -> the forces that published stop and search that month."""
    url = f"{base}/api/crimes-street-dates"
    data = _get_json(client, url)
    try:
        return {
            str(d["date"]): [str(f) for f in d.get("stop-and-search", [])]
            for d in data
            if _MONTH.match(str(d["date"]))
        }
    except (TypeError, KeyError, AttributeError):
        raise SaferplacesError(
            f"{url} is not a list of {{'date': 'YYYY-MM', ...}} entries; check the base URL"
        ) from None


def _forces(client: httpx.Client, base: str) -> list[dict[str, Any]]:
    url = f"{base}/api/forces"
    data = _get_json(client, url)
    if not isinstance(data, list) or not all(isinstance(f, dict) and "id" in f for f in data):
        raise SaferplacesError(
            f"{url} is not a list of {{'id': ..., 'name': ...}} entries; check the base URL"
        )
    return data


@contextmanager
def _http_errors(url: str) -> Iterator[None]:
    """Turn httpx failures into one line naming the URL and what went wrong."""
    try:
        yield
    except httpx.HTTPStatusError as e:
        status = e.response.status_code
        raise SaferplacesError(
            f"GET {url} failed: HTTP {status} {e.response.reason_phrase}; "
            "check the base URL and that the month has been published"
        ) from None
    except httpx.TimeoutException:
        raise SaferplacesError(
            f"GET {url} timed out; the server is slow or unreachable, try again later"
        ) from None
    except httpx.HTTPError as e:
        raise SaferplacesError(
            f"GET {url} failed: {type(e).__name__}: {e or 'connection error'}; "
            "check the base URL and your network connection"
        ) from None


def _download(client: httpx.Client, url: str, target: Path, progress: bool) -> None:
    """Stream ``url`` to ``target`` in chunks: the real archives do not fit in memory."""
    with _http_errors(url), client.stream("GET", url) as response:
        response.raise_for_status()
        total = int(response.headers.get("content-length", 0)) or None
        with target.open("wb") as out, _progress_bar(url, total, progress) as advance:
            for chunk in response.iter_bytes(_CHUNK):
                out.write(chunk)
                advance(len(chunk))


@contextmanager
def _progress_bar(url: str, total: int | None, show: bool) -> Iterator[Any]:
    if not show:
        yield lambda n: None
        return
    columns = (
        TextColumn("{task.description}"),
        BarColumn(),
        DownloadColumn(),
        TransferSpeedColumn(),
        TimeRemainingColumn(),
    )
    with Progress(*columns, console=Console(stderr=True), transient=True) as bar:
        task = bar.add_task(url.rsplit("/", 1)[-1], total=total)
        yield lambda n: bar.advance(task, n)


# Taking the force's files out of an archive.


def _member_index(archive: zipfile.ZipFile) -> dict[str, zipfile.ZipInfo]:
    """Members by ``YYYY-MM/file.csv``, whatever folder the archive wraps them in."""
    index = {}
    for info in archive.infolist():
        parts = info.filename.replace("\\", "/").strip("/").split("/")
        if not info.is_dir() and len(parts) >= 2:
            index["/".join(parts[-2:])] = info
    return index


def _same_file(path: Path, info: zipfile.ZipInfo) -> bool:
    if not path.is_file() or path.stat().st_size != info.file_size:
        return False
    crc = 0
    with path.open("rb") as f:
        while chunk := f.read(_CHUNK):
            crc = zlib.crc32(chunk, crc)
    return crc == info.CRC


def _extract(archive: zipfile.ZipFile, info: zipfile.ZipInfo, target: Path, url: str) -> None:
    """Write one member to ``target`` through a temporary file, so a failure leaves no half."""
    target.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=target.parent, prefix=f".{target.name}.", suffix=".part")
    try:
        with os.fdopen(fd, "wb") as out, archive.open(info) as src:
            shutil.copyfileobj(src, out, _CHUNK)
        os.replace(tmp, target)
    except (zipfile.BadZipFile, zlib.error, EOFError, OSError) as e:
        Path(tmp).unlink(missing_ok=True)
        raise SaferplacesError(
            f"{url}!{info.filename} could not be extracted ({e}); the archive may be "
            "corrupt, download it again"
        ) from None


def _open_archive(path: Path, url: str) -> zipfile.ZipFile:
    try:
        return zipfile.ZipFile(path)
    except (zipfile.BadZipFile, OSError) as e:
        raise SaferplacesError(
            f"{url} is not a valid zip archive ({e}); the download may be truncated or the "
            "server sent an error page, try again"
        ) from None


def _take_months(
    archive: zipfile.ZipFile,
    url: str,
    months: list[str],
    force: str,
    kinds: tuple[str, ...],
    dest: Path,
) -> tuple[list[Path], dict[str, list[str]]]:
    """Extract the force's files for these months; return files written and kind -> missing."""
    index = _member_index(archive)
    written: list[Path] = []
    missing: dict[str, list[str]] = {}
    for month in months:
        for kind in kinds:
            name = f"{month}/{month}-{force}-{kind}.csv"
            info = index.get(name)
            if info is None:
                missing.setdefault(kind, []).append(month)
                continue
            target = dest / name
            if _same_file(target, info):
                log.info("%s is already up to date", target)
                continue
            _extract(archive, info, target, url)
            written.append(target)
    return written, missing


def _report_missing(missing: dict[str, list[str]], force: str, dates: dict[str, list[str]]) -> None:
    """A month without a file is normal (many forces publish no stop and search): say so."""
    for kind in DOWNLOAD_KINDS:
        months = missing.get(kind)
        if not months:
            continue
        why = ""
        if kind == "stop-and-search" and all(force not in dates.get(m, []) for m in months):
            why = " (data.police.uk lists no stop and search from this force for them)"
        log.warning("no %s file for %s in %s%s", kind, force, _runs(months), why)


def _fetch_archive(
    client: httpx.Client,
    base: str,
    archive_month: str,
    months: list[str],
    force: str,
    kinds: tuple[str, ...],
    dest: Path,
    progress: bool,
) -> tuple[list[Path], dict[str, list[str]]]:
    """Download one archive to a temporary file in ``dest``, extract, delete the archive."""
    url = f"{base}/data/archive/{archive_month}.zip"
    fd, name = tempfile.mkstemp(dir=dest, prefix=f".{archive_month}.", suffix=".zip.part")
    os.close(fd)
    tmp = Path(name)
    try:
        _download(client, url, tmp, progress)
        with _open_archive(tmp, url) as archive:
            return _take_months(archive, url, months, force, kinds, dest)
    finally:
        tmp.unlink(missing_ok=True)


def _prepare_dest(dest: Path) -> Path:
    dest = Path(dest)
    if dest.exists() and not dest.is_dir():
        raise SaferplacesError(f"{dest} is a file; give a folder to write YYYY-MM/ folders into")
    try:
        dest.mkdir(parents=True, exist_ok=True)
    except OSError as e:
        raise SaferplacesError(f"cannot create folder {dest}: {e.strerror}") from None
    return dest


def download_police_uk(
    force: str,
    start: str,
    end: str,
    dest: Path,
    base_url: str = "https://data.police.uk",
    kinds: tuple[str, ...] = DOWNLOAD_KINDS,
    progress: bool = False,
    client: httpx.Client | None = None,
) -> list[Path]:
    """Fetch one force's monthly data.police.uk files into ``dest/YYYY-MM/``.

    Each bulk archive (``{base_url}/data/archive/YYYY-MM.zip``, about 1.5 GB) is streamed to a
    temporary file under ``dest``, the requested files are extracted and the archive is deleted.
    Months are taken from the newest archive that holds them, as data.police.uk revises
    earlier months. A month with no file of some kind (often stop and search) is logged as a
    warning, not an error. Files already present with identical bytes are left untouched.

    Parameters
    ----------
    force : str
        Force id (``west-mercia``) or name (``West Mercia Police``), as in ``api/forces``.
    start, end : str
        First and last month, ``YYYY-MM``, inclusive; both must be listed by
        ``api/crimes-street-dates``.
    dest : Path
        Folder to write into; created if missing.
    base_url : str
        data.police.uk or a mirror with the same ``api/`` and ``data/archive/`` layout.
    kinds : tuple of str
        Any of ``street``, ``outcomes``, ``stop-and-search``.
    progress : bool
        Show a progress bar (bytes) on stderr while downloading.
    client : httpx.Client, optional
        Client to use (for timeouts, proxies); by default one is made and closed here.

    Returns
    -------
    list of Path
        Files written (new or changed), sorted: ``dest/YYYY-MM/YYYY-MM-<force>-<kind>.csv``.

    Raises
    ------
    SaferplacesError
        Bad month, unknown force or kind, month not published, HTTP error or timeout, corrupt
        archive: one line naming what and, for the network, the URL.
    """
    # Check the request before touching the network
    months = _check_range(start, end)
    kinds = _check_kinds(kinds)
    dest = _prepare_dest(dest)
    base = base_url.rstrip("/")
    own_client = client is None
    http = client or httpx.Client(timeout=_TIMEOUT, follow_redirects=True)
    try:
        # Check against what the server publishes
        dates = _street_dates(http, base)
        _check_available(months, dates, f"{base}/api/crimes-street-dates")
        slug = _resolve_force(force, _forces(http, base), f"{base}/api/forces")
        # Fetch the fewest archives, newest first
        written: list[Path] = []
        missing: dict[str, list[str]] = {}
        for archive_month, taken in plan_archives(months, dates).items():
            files, gaps = _fetch_archive(
                http, base, archive_month, taken, slug, kinds, dest, progress
            )
            written += files
            for kind, ms in gaps.items():
                missing.setdefault(kind, []).extend(ms)
    finally:
        if own_client:
            http.close()
    _report_missing(missing, slug, dates)
    return sorted(written)
