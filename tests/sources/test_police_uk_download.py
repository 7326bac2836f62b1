"""Downloading from data.police.uk, against a real local HTTP server laid out the same way.

The server root holds two sites: ``site/`` (two archives, 2025-12 and 2025-10, for two forces)
``broken/`` (the same API files, a corrupt 2025-12 archive and no 2025-10 archive) and
``damaged/`` (a 2025-12 archive whose central directory is fine but one member's bytes are not).
"""

from __future__ import annotations

import json
import logging
import math
import socket
import subprocess
import threading
import zipfile
from functools import partial
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import httpx
import pytest
from hypothesis import given
from hypothesis import strategies as st

from saferplaces.errors import SaferplacesError
from saferplaces.sources.police_uk_download import download_police_uk, plan_archives
from tests.conftest import run_cli

MONTHS = [f"{y}-{m:02d}" for y in range(2022, 2026) for m in range(1, 13)][10:]  # 2022-11..
assert (MONTHS[0], MONTHS[-1], len(MONTHS)) == ("2022-11", "2025-12", 38)

STREET = (
    "Crime ID,Month,Reported by,Falls within,Longitude,Latitude,Location,LSOA code,LSOA name,"
    "Crime type,Last outcome category,Context\n"
)
OUTCOMES = (
    "Crime ID,Month,Reported by,Falls within,Longitude,Latitude,Location,LSOA code,LSOA name,"
    "Outcome type\n"
)
STOP = (
    "Type,Date,Part of a policing operation,Policing operation,Latitude,Longitude,Gender,"
    "Age range,Self-defined ethnicity,Officer-defined ethnicity,Legislation,Object of search,"
    "Outcome,Outcome linked to object of search,Removal of more than just outerwear\n"
)


def csv_bytes(force: str, month: str, kind: str, revision: str) -> bytes:
    """A small hand-written file whose bytes say which archive, month, force and kind it is."""
    name = {"west-mercia": "West Mercia Police", "west-midlands": "West Midlands Police"}[force]
    if kind == "street":
        row = (
            f"{revision}{month}{force[5:8]},{month},{name},{name},-2.45,52.67,On or near High St,"
            "E01014127,Telford and Wrekin 001A,Burglary,Under investigation,\n"
        )
        return (STREET + row).encode()
    if kind == "outcomes":
        row = (
            f"{revision}{month}{force[5:8]},{month},{name},{name},-2.45,52.67,On or near High St,"
            "E01014127,Telford and Wrekin 001A,Unable to prosecute suspect\n"
        )
        return (OUTCOMES + row).encode()
    row = (
        f"Person search,{month}-03T10:15:00+00:00,False,,52.67,-2.45,Male,18-24,"
        f"White - English ({revision}),White,Misuse of Drugs Act 1971 (section 23),"
        "Controlled drugs,A no further action disposal,False,False\n"
    )
    return (STOP + row).encode()


# What each archive holds: month -> forces, kinds. West Mercia published no stop and search
# for 2025-11; 2025-10 is in both archives with different bytes (the newer is a revision).
NEW_ARCHIVE = ("2025-12", ["2023-01", "2025-10", "2025-11", "2025-12"])
OLD_ARCHIVE = ("2025-10", ["2022-11", "2022-12", "2025-10"])
FORCES = ("west-mercia", "west-midlands")
KINDS = ("street", "outcomes", "stop-and-search")


def has_file(force: str, month: str, kind: str) -> bool:
    return not (force == "west-mercia" and month == "2025-11" and kind == "stop-and-search")


def build_archive(path: Path, archive: str, months: list[str]) -> None:
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as z:
        for month in months:
            for force in FORCES:
                for kind in KINDS:
                    if has_file(force, month, kind):
                        name = f"{month}/{month}-{force}-{kind}.csv"
                        z.writestr(name, csv_bytes(force, month, kind, archive))


def build_damaged_archive(path: Path) -> None:
    """One stored (uncompressed) member with a byte changed after its CRC was recorded."""
    name = "2025-12/2025-12-west-mercia-street.csv"
    data = csv_bytes("west-mercia", "2025-12", "street", "2025-12")
    with zipfile.ZipFile(path, "w", zipfile.ZIP_STORED) as z:
        z.writestr(name, data)
    raw = path.read_bytes()
    at = raw.index(data) + len(STREET) + 5
    path.write_bytes(raw[:at] + b"#" + raw[at + 1 :])


def write_api(site: Path) -> None:
    (site / "api").mkdir(parents=True)
    dates = [
        {
            "date": m,
            "stop-and-search": [f for f in FORCES if has_file(f, m, "stop-and-search")],
        }
        for m in reversed(MONTHS)
    ]
    (site / "api" / "crimes-street-dates").write_text(json.dumps(dates))
    forces = [
        {"id": "west-mercia", "name": "West Mercia Police"},
        {"id": "west-midlands", "name": "West Midlands Police"},
        {"id": "west-yorkshire", "name": "West Yorkshire Police"},
        {"id": "metropolitan", "name": "Metropolitan Police Service"},
    ]
    (site / "api" / "forces").write_text(json.dumps(forces))


class Server:
    """A real HTTP server on 127.0.0.1 serving a folder, recording the paths asked for."""

    def __init__(self, root: Path) -> None:
        self.requests: list[str] = []
        requests = self.requests

        class Handler(SimpleHTTPRequestHandler):
            def do_GET(self) -> None:  # noqa: N802 (http.server's name)
                requests.append(self.path)
                super().do_GET()

            def log_message(self, *args: object) -> None:
                pass

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), partial(Handler, directory=str(root)))
        self.url = f"http://127.0.0.1:{self.httpd.server_address[1]}"
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)

    def archives(self) -> list[str]:
        return [p.rsplit("/", 1)[-1] for p in self.requests if p.endswith(".zip")]


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory):
    root = tmp_path_factory.mktemp("police-uk-server")
    site, broken = root / "site", root / "broken"
    for s in (site, broken):
        write_api(s)
        (s / "data" / "archive").mkdir(parents=True)
    build_archive(site / "data" / "archive" / "2025-12.zip", *NEW_ARCHIVE)
    build_archive(site / "data" / "archive" / "2025-10.zip", *OLD_ARCHIVE)
    (broken / "data" / "archive" / "2025-12.zip").write_bytes(b"<html>Service unavailable</html>")
    damaged = root / "damaged"
    write_api(damaged)
    (damaged / "data" / "archive").mkdir(parents=True)
    build_damaged_archive(damaged / "data" / "archive" / "2025-12.zip")
    srv = Server(root)
    srv.thread.start()
    yield srv
    srv.httpd.shutdown()
    srv.httpd.server_close()


@pytest.fixture
def site(server: Server) -> str:
    server.requests.clear()
    return f"{server.url}/site"


def relative(paths: list[Path], dest: Path) -> list[str]:
    return [p.relative_to(dest).as_posix() for p in paths]


def files_under(dest: Path) -> list[str]:
    return sorted(p.relative_to(dest).as_posix() for p in dest.rglob("*") if p.is_file())


# What gets written


def test_writes_only_the_requested_force_and_months(site: str, server: Server, tmp_path: Path):
    written = download_police_uk("west-mercia", "2025-11", "2025-12", tmp_path, base_url=site)
    assert relative(written, tmp_path) == [
        "2025-11/2025-11-west-mercia-outcomes.csv",
        "2025-11/2025-11-west-mercia-street.csv",
        "2025-12/2025-12-west-mercia-outcomes.csv",
        "2025-12/2025-12-west-mercia-stop-and-search.csv",
        "2025-12/2025-12-west-mercia-street.csv",
    ]
    # Nothing else: no other force, no other month, no leftover archive.
    assert files_under(tmp_path) == relative(written, tmp_path)
    for path in written:
        month, kind = path.parent.name, path.stem.split("west-mercia-")[1]
        assert path.read_bytes() == csv_bytes("west-mercia", month, kind, "2025-12")
    assert server.archives() == ["2025-12.zip"]


def test_newest_archive_wins_with_the_fewest_archives(site: str, server: Server, tmp_path: Path):
    written = download_police_uk("west-midlands", "2022-11", "2025-12", tmp_path, base_url=site)
    # 38 months need two archives; 2025-12 holds 2023-01..2025-12, 2025-10 the two before.
    assert server.archives() == ["2025-12.zip", "2025-10.zip"]
    months = ["2022-11", "2022-12", "2023-01", "2025-10", "2025-11", "2025-12"]
    assert relative(written, tmp_path) == [
        f"{m}/{m}-west-midlands-{k}.csv" for m in months for k in sorted(KINDS)
    ]
    assert len(written) == 18
    # 2025-10 is in both archives: the revision in 2025-12.zip wins.
    got = (tmp_path / "2025-10" / "2025-10-west-midlands-street.csv").read_bytes()
    assert got == csv_bytes("west-midlands", "2025-10", "street", "2025-12")
    assert got != csv_bytes("west-midlands", "2025-10", "street", "2025-10")
    old = (tmp_path / "2022-11" / "2022-11-west-midlands-outcomes.csv").read_bytes()
    assert old == csv_bytes("west-midlands", "2022-11", "outcomes", "2025-10")


def test_only_the_requested_kinds(site: str, tmp_path: Path):
    written = download_police_uk(
        "west-midlands", "2025-10", "2025-11", tmp_path, base_url=site, kinds=("stop-and-search",)
    )
    assert files_under(tmp_path) == [
        "2025-10/2025-10-west-midlands-stop-and-search.csv",
        "2025-11/2025-11-west-midlands-stop-and-search.csv",
    ]
    assert relative(written, tmp_path) == files_under(tmp_path)


@pytest.mark.parametrize("force", ["West Mercia Police", "west-mercia", "WEST MERCIA"])
def test_force_by_id_or_name(site: str, tmp_path: Path, force: str):
    written = download_police_uk(force, "2025-12", "2025-12", tmp_path, base_url=site)
    assert [p.name for p in written] == [
        "2025-12-west-mercia-outcomes.csv",
        "2025-12-west-mercia-stop-and-search.csv",
        "2025-12-west-mercia-street.csv",
    ]


def test_a_month_without_a_kind_is_reported_not_an_error(
    site: str, tmp_path: Path, caplog: pytest.LogCaptureFixture
):
    with caplog.at_level(logging.WARNING, logger="saferplaces.sources.police_uk_download"):
        written = download_police_uk("west-mercia", "2025-10", "2025-12", tmp_path, base_url=site)
    assert len(written) == 8
    assert [r.getMessage() for r in caplog.records] == [
        "no stop-and-search file for west-mercia in 2025-11 "
        "(data.police.uk lists no stop and search from this force for them)"
    ]


def test_identical_files_are_not_rewritten(site: str, tmp_path: Path):
    first = download_police_uk("west-mercia", "2025-12", "2025-12", tmp_path, base_url=site)
    stamps = {p: p.stat().st_mtime_ns for p in first}
    assert download_police_uk("west-mercia", "2025-12", "2025-12", tmp_path, base_url=site) == []
    assert {p: p.stat().st_mtime_ns for p in first} == stamps
    # A changed file is put right, and only that one.
    street = tmp_path / "2025-12" / "2025-12-west-mercia-street.csv"
    street.write_bytes(b"edited by hand\n")
    again = download_police_uk("west-mercia", "2025-12", "2025-12", tmp_path, base_url=site)
    assert again == [street]
    assert street.read_bytes() == csv_bytes("west-mercia", "2025-12", "street", "2025-12")


def test_progress_bar_does_not_change_the_result(site: str, tmp_path: Path):
    written = download_police_uk(
        "west-mercia", "2025-12", "2025-12", tmp_path, base_url=site + "/", progress=True
    )
    assert len(written) == 3


# Errors: one line naming what went wrong


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (
            ("West Merica", "2025-12", "2025-12"),
            "no force 'West Merica' in {site}/api/forces; did you mean west-mercia, "
            "west-midlands, west-yorkshire?",
        ),
        (
            ("Gotham", "2025-12", "2025-12"),
            "no force 'Gotham' in {site}/api/forces; known forces: metropolitan, west-mercia, "
            "west-midlands, west-yorkshire",
        ),
        (
            ("west-mercia", "2022-09", "2022-12"),
            "2022-09 to 2022-10 not available from {site}/api/crimes-street-dates; "
            "available months are 2022-11 to 2025-12",
        ),
        (
            ("west-mercia", "2025-12", "2026-01"),
            "2026-01 not available from {site}/api/crimes-street-dates; "
            "available months are 2022-11 to 2025-12",
        ),
        (
            ("west-mercia", "2025/11", "2025-12"),
            "start (--from) month '2025/11' is not YYYY-MM; give a month like 2025-03",
        ),
        (
            ("west-mercia", "2025-11", "2025-13"),
            "end (--to) month '2025-13' is not YYYY-MM; give a month like 2025-03",
        ),
        (
            ("west-mercia", "2025-12", "2025-11"),
            "start month 2025-12 is after end month 2025-11; give --from on or before --to",
        ),
    ],
)
def test_bad_requests(site: str, tmp_path: Path, args: tuple[str, str, str], message: str):
    with pytest.raises(SaferplacesError) as e:
        download_police_uk(*args, tmp_path, base_url=site)
    assert str(e.value) == message.format(site=site)
    assert files_under(tmp_path) == []


def test_unknown_kind(site: str, tmp_path: Path):
    with pytest.raises(SaferplacesError) as e:
        download_police_uk(
            "west-mercia", "2025-12", "2025-12", tmp_path, base_url=site, kinds=("crimes",)
        )
    assert str(e.value) == "unknown kind 'crimes'; choose from street, outcomes, stop-and-search"


def test_missing_archive_is_a_clear_error(server: Server, tmp_path: Path):
    base = f"{server.url}/broken"
    with pytest.raises(SaferplacesError) as e:
        download_police_uk("west-mercia", "2022-11", "2022-11", tmp_path, base_url=base)
    assert str(e.value) == (
        f"GET {base}/data/archive/2025-10.zip failed: HTTP 404 File not found; "
        "check the base URL and that the month has been published"
    )
    assert files_under(tmp_path) == []  # the temporary archive is gone


def test_corrupt_archive_is_a_clear_error(server: Server, tmp_path: Path):
    base = f"{server.url}/broken"
    with pytest.raises(SaferplacesError) as e:
        download_police_uk("west-mercia", "2025-12", "2025-12", tmp_path, base_url=base)
    assert str(e.value) == (
        f"{base}/data/archive/2025-12.zip is not a valid zip archive (File is not a zip file); "
        "the download may be truncated or the server sent an error page, try again"
    )
    assert files_under(tmp_path) == []


def test_damaged_member_is_a_clear_error(server: Server, tmp_path: Path):
    base = f"{server.url}/damaged"
    with pytest.raises(SaferplacesError) as e:
        download_police_uk(
            "west-mercia", "2025-12", "2025-12", tmp_path, base_url=base, kinds=("street",)
        )
    assert str(e.value) == (
        f"{base}/data/archive/2025-12.zip!2025-12/2025-12-west-mercia-street.csv could not be "
        "extracted (Bad CRC-32 for file '2025-12/2025-12-west-mercia-street.csv'); the archive "
        "may be corrupt, download it again"
    )
    assert files_under(tmp_path) == []  # neither the archive nor a half-written file


def test_a_server_that_never_answers_times_out(tmp_path: Path):
    # A listening socket that never accepts: the connection opens, the reply never comes.
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        s.listen()
        base = f"http://127.0.0.1:{s.getsockname()[1]}"
        with httpx.Client(timeout=0.5) as client, pytest.raises(SaferplacesError) as e:
            download_police_uk(
                "west-mercia", "2025-12", "2025-12", tmp_path, base_url=base, client=client
            )
    assert str(e.value) == (
        f"GET {base}/api/crimes-street-dates timed out; the server is slow or unreachable, "
        "try again later"
    )


def test_wrong_base_url_is_a_clear_error(server: Server, tmp_path: Path):
    with pytest.raises(SaferplacesError) as e:
        download_police_uk("west-mercia", "2025-12", "2025-12", tmp_path, base_url=server.url)
    assert str(e.value) == (
        f"GET {server.url}/api/crimes-street-dates failed: HTTP 404 File not found; "
        "check the base URL and that the month has been published"
    )


def test_nothing_listening_is_a_clear_error(tmp_path: Path):
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    base = f"http://127.0.0.1:{port}"
    with pytest.raises(SaferplacesError) as e:
        download_police_uk("west-mercia", "2025-12", "2025-12", tmp_path, base_url=base)
    message = str(e.value)
    assert message.startswith(f"GET {base}/api/crimes-street-dates failed: ConnectError: ")
    assert message.endswith("; check the base URL and your network connection")
    assert "\n" not in message


# Choosing archives


@pytest.mark.parametrize(
    ("wanted", "plan"),
    [
        (["2025-12"], {"2025-12": ["2025-12"]}),
        (["2023-01", "2023-02"], {"2025-12": ["2023-01", "2023-02"]}),
        (["2022-11"], {"2025-10": ["2022-11"]}),
        (
            MONTHS,
            {"2025-12": MONTHS[2:], "2025-10": ["2022-11", "2022-12"]},
        ),
        ([], {}),
    ],
)
def test_plan_archives(wanted: list[str], plan: dict[str, list[str]]):
    assert plan_archives(wanted, MONTHS) == plan


def test_plan_archives_when_no_archive_holds_a_month():
    with pytest.raises(SaferplacesError) as e:
        plan_archives(["2020-01"], ["2023-01", "2023-02"])
    assert str(e.value) == (
        "no data.police.uk archive holds 2020-01; archives exist for 2023-01 to 2023-02"
    )


ALL = [f"{y}-{m:02d}" for y in range(2010, 2026) for m in range(1, 13)]


@given(st.integers(0, len(ALL) - 1), st.integers(0, len(ALL) - 1))
def test_plan_archives_is_minimal_and_takes_each_month_from_its_newest_chosen_archive(
    a: int, b: int
):
    wanted = ALL[min(a, b) : max(a, b) + 1]
    plan = plan_archives(wanted, ALL)
    assert len(plan) == math.ceil(len(wanted) / 36)
    assert sorted(m for ms in plan.values() for m in ms) == wanted
    chosen = sorted(plan)
    for archive, months in plan.items():
        for m in months:
            holding = [c for c in chosen if ALL.index(c) - 36 < ALL.index(m) <= ALL.index(c)]
            assert archive == max(holding)


# The command line


def cli(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess:
    return run_cli("download", "police-uk", *args, env=env, timeout=120)


def test_cli_downloads_the_files(site: str, tmp_path: Path):
    dest = tmp_path / "police"
    r = cli(
        str(dest), "--force", "west-mercia", "--from", "2025-11", "--to", "2025-12",
        env={"SAFERPLACES_POLICE_UK_URL": site},
    )  # fmt: skip
    assert r.returncode == 0, r.stderr
    assert r.stdout.replace("\n", "") == f"Wrote 5 files under {dest}."
    assert r.stderr.strip() == (
        "no stop-and-search file for west-mercia in 2025-11 "
        "(data.police.uk lists no stop and search from this force for them)"
    )
    assert len(files_under(dest)) == 5
    got = (dest / "2025-12" / "2025-12-west-mercia-street.csv").read_bytes()
    assert got == csv_bytes("west-mercia", "2025-12", "street", "2025-12")


def test_cli_kind_and_base_url_options(site: str, tmp_path: Path):
    r = cli(
        str(tmp_path), "--force", "West Midlands Police", "--from", "2025-12", "--to", "2025-12",
        "--base-url", site, "--kind", "street", "--kind", "outcomes",
    )  # fmt: skip
    assert r.returncode == 0, r.stderr
    assert files_under(tmp_path) == [
        "2025-12/2025-12-west-midlands-outcomes.csv",
        "2025-12/2025-12-west-midlands-street.csv",
    ]


def test_cli_error_is_one_line_without_traceback(server: Server, tmp_path: Path):
    base = f"{server.url}/broken"
    r = cli(
        str(tmp_path), "--force", "west-mercia", "--from", "2022-11", "--to", "2022-11",
        "--base-url", base,
    )  # fmt: skip
    assert r.returncode == 1
    assert "Traceback" not in r.stderr
    assert r.stderr.strip().splitlines() == [
        f"error: GET {base}/data/archive/2025-10.zip failed: HTTP 404 File not found; "
        "check the base URL and that the month has been published"
    ]
    assert r.stdout == ""
